// trainTestSplit: seeded, every row on exactly one side, and with stratify each class in
// proportion on both sides.
import { describe, expect, it } from 'vitest';
import { GradwasmError, trainTestSplit } from '../src/index.js';
import { Xoshiro128 } from '../src/core/prng.js';

/** Rows [i, 10·i] with label y[i]: each row says which one it is. */
function table(y: number[]): { x: number[][]; y: number[] } {
  return { x: y.map((_, i) => [i, 10 * i]), y };
}
const ids = (split: { x: { data: Float32Array } }): number[] => [...split.x.data].filter((_, k) => k % 2 === 0);

describe('trainTestSplit', () => {
  const random = new Xoshiro128(3);
  const y = Array.from({ length: 103 }, () => (random.nextUnit() < 0.3 ? 1 : 0));
  const t = table(y);

  it('is seeded, rounds testFraction, and puts every row on exactly one side with its label', () => {
    const a = trainTestSplit(t.x, t.y, { cols: 2, testFraction: 0.25, seed: 9 });
    expect(trainTestSplit(t.x, t.y, { cols: 2, testFraction: 0.25, seed: 9 })).toEqual(a);
    expect(trainTestSplit(t.x, t.y, { cols: 2, testFraction: 0.25, seed: 10 })).not.toEqual(a);
    expect(a.test.x.rows).toBe(26);
    expect(a.train.x.rows).toBe(77);
    const all = [...ids(a.test), ...ids(a.train)];
    expect([...all].sort((p, q) => p - q)).toEqual([...Array(103).keys()]);
    for (const side of [a.train, a.test])
      ids(side).forEach((i, r) => {
        expect(side.y[r]).toBe(y[i]);
        expect(side.x.data[2 * r + 1]).toBe(10 * i);
      });
    expect(trainTestSplit(t.x, t.y, { cols: 2 }).test.x.rows).toBe(21); // default 0.2, seed 0
  });

  it('stratify keeps each class in proportion on both sides', () => {
    const ones = y.filter((v) => v === 1).length;
    for (const testFraction of [0.1, 0.2, 0.25, 0.5, 0.9]) {
      for (const seed of [0, 1, 2]) {
        const s = trainTestSplit(t.x, t.y, { cols: 2, testFraction, seed, stratify: true });
        const testRows = Math.round(103 * testFraction);
        expect(s.test.x.rows).toBe(testRows);
        const testOnes = [...s.test.y].filter((v) => v === 1).length;
        // within one row of the exact share
        expect(Math.abs(testOnes - (ones * testRows) / 103)).toBeLessThan(1);
        expect(s.train.y.filter((v) => v === 1).length + testOnes).toBe(ones);
        expect([...ids(s.test), ...ids(s.train)].sort((p, q) => p - q)).toEqual([...Array(103).keys()]);
        expect(trainTestSplit(t.x, t.y, { cols: 2, testFraction, seed, stratify: true })).toEqual(s);
      }
    }
    // a rare class: 4 positives in 40 rows, a quarter for test → exactly one positive there
    const rare = table(Array.from({ length: 40 }, (_, i) => (i % 10 === 3 ? 1 : 0)));
    for (let seed = 0; seed < 20; seed++) {
      const s = trainTestSplit(rare.x, rare.y, { cols: 2, testFraction: 0.25, seed, stratify: true });
      expect([...s.test.y].filter((v) => v === 1)).toHaveLength(1);
    }
    // stratify: false is the plain split
    expect(trainTestSplit(t.x, t.y, { cols: 2, seed: 4, stratify: false })).toEqual(trainTestSplit(t.x, t.y, { cols: 2, seed: 4 }));
  });

  it('rejects a stratify that is not a boolean', () => {
    expect(() => trainTestSplit(t.x, t.y, { cols: 2, stratify: 'yes' as never })).toThrow(GradwasmError);
    expect(() => trainTestSplit(t.x, t.y, { cols: 2, stratify: 1 as never })).toThrow(/^options\.stratify must be true or false, got 1$/);
  });
});
