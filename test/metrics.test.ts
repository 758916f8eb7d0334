// Classification metrics: hand-computed cases, the 0/0 conventions, ROC AUC against the
// pairwise definition, and evaluate() on both backends agreeing with the pure functions.
import { describe, expect, it } from 'vitest';
import { GradwasmError, Sequential, confusionMatrix, dense, f1Score, precision, recall, rocAuc } from '../src/index.js';
import { Xoshiro128 } from '../src/core/prng.js';
import { labels as randomLabels, uniform } from './support/random.js';

/** AUC by its definition: over every (positive, negative) pair, 1 if the positive scores higher, ½ if equal. */
function pairwiseAuc(y: ArrayLike<number>, s: ArrayLike<number>): number {
  let sum = 0,
    pairs = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 1) continue;
    for (let j = 0; j < y.length; j++) {
      if (y[j] !== 0) continue;
      pairs++;
      sum += s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0;
    }
  }
  return sum / pairs;
}

describe('confusion matrix, precision, recall, F1', () => {
  const y = [1, 0, 1, 1, 0, 0, 1, 0];
  const p = [0.9, 0.8, 0.7, 0.3, 0.2, 0.6, 0.5, 0.1];

  it('counts at threshold 0.5 (predicted positive when p > 0.5: 0.5 itself is negative)', () => {
    const c = confusionMatrix(y, p);
    expect(c).toEqual({ tp: 2, fp: 2, tn: 2, fn: 2 });
    expect([precision(c), recall(c), f1Score(c)]).toEqual([0.5, 0.5, 0.5]);
  });

  it('counts at another threshold', () => {
    const c = confusionMatrix(y, p, 0.75);
    expect(c).toEqual({ tp: 1, fp: 1, tn: 3, fn: 3 });
    expect(precision(c)).toBe(0.5);
    expect(recall(c)).toBe(0.25);
    expect(f1Score(c)).toBeCloseTo(1 / 3, 15);
  });

  it('defines the 0/0 cases as 0', () => {
    const none = confusionMatrix([1, 0, 1], [0.1, 0.2, 0.3]); // nothing predicted positive
    expect(none).toEqual({ tp: 0, fp: 0, tn: 1, fn: 2 });
    expect(precision(none)).toBe(0);
    expect(f1Score(none)).toBe(0);
    const noPositives = confusionMatrix([0, 0], [0.1, 0.2]); // every prediction right, but no positive rows
    expect(recall(noPositives)).toBe(0);
    expect(precision(noPositives)).toBe(0);
    expect(f1Score(noPositives)).toBe(0);
    const perfect = confusionMatrix([1, 0], [0.9, 0.1]);
    expect([precision(perfect), recall(perfect), f1Score(perfect)]).toEqual([1, 1, 1]);
  });
});

describe('ROC AUC', () => {
  it('is the share of (positive, negative) pairs ranked right: 11 of 16', () => {
    expect(rocAuc([1, 0, 1, 1, 0, 0, 1, 0], [0.9, 0.8, 0.7, 0.3, 0.2, 0.6, 0.5, 0.1])).toBe(11 / 16);
  });

  it('counts ties one half', () => {
    expect(rocAuc([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.2])).toBe(0.75);
    expect(rocAuc([1, 0, 1, 0], [0.3, 0.3, 0.3, 0.3])).toBe(0.5);
  });

  it('is 1 for a perfect ranking, 0 for a reversed one, NaN with one class only', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4])).toBe(1);
    expect(rocAuc([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4])).toBe(0);
    expect(rocAuc([1, 1], [0.1, 0.2])).toBeNaN();
    expect(rocAuc([0, 0, 0], [0.1, 0.2, 0.3])).toBeNaN();
  });

  it.each([1, 2, 3, 4, 5])('equals the brute-force pairwise AUC on random scores with many ties (seed %i)', (seed) => {
    const rng = new Xoshiro128(seed);
    const n = 50 + 100 * seed;
    const y = Float32Array.from({ length: n }, () => (rng.nextUnit() < 0.3 ? 1 : 0));
    const s = Float32Array.from({ length: n }, () => Math.round(rng.nextUnit() * 20) / 20); // 21 distinct values
    expect(rocAuc(y, s)).toBeCloseTo(pairwiseAuc(y, s), 12);
  });

  it('rejects bad input with a GradwasmError naming the argument', () => {
    const fails = (fn: () => unknown, argument: string, message: RegExp) => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(GradwasmError);
        expect((error as GradwasmError).argument).toBe(argument);
        expect((error as GradwasmError).message).toMatch(message);
        return;
      }
      throw new Error('no error');
    };
    fails(() => rocAuc([1, 0], [0.5, NaN]), 'scores', /^scores\[1\] is NaN; every score must be a finite number$/);
    fails(() => rocAuc([1, 0, 1], [0.5, 0.2]), 'labels', /^labels has 3 labels, but scores has 2 values$/);
    fails(() => rocAuc([1, 2], [0.5, 0.2]), 'labels', /^labels\[1\] is 2; labels must be 0 or 1$/);
    fails(() => rocAuc([1, 0], 'ab' as never), 'scores', /^scores must be an array or typed array of numbers, got "ab"$/);
    fails(() => confusionMatrix([1, 0], [0.5, 0.2], 1.5), 'threshold', /^threshold must be a number in \[0, 1\], got 1\.5$/);
    fails(() => confusionMatrix([1, 0], [0.5, '0.2'] as never), 'probabilities', /^probabilities\[1\] is "0\.2"/);
  });
});

describe.each(['wasm', 'js'] as const)('evaluate on the %s backend', (backend) => {
  const inputs = 4,
    rows = 157;
  const x = { data: uniform(51, rows * inputs, -2, 2), rows, cols: inputs };
  const y = randomLabels(52, rows);
  const create = () => Sequential.create({ inputs, layers: [dense(6, 'tanh'), dense(1, 'sigmoid')], seed: 9, backend });

  it.each([0.5, 0.3, 0.7, 0, 1])('at threshold %s agrees with predict() and the metric functions', async (threshold) => {
    const model = await create();
    await model.fit(x, y, { epochs: 20, learningRate: 0.3, batchSize: 16 });
    const p = model.predictProba(x);
    const e = model.evaluate(x, y, { threshold });
    const c = confusionMatrix(y, p, threshold);
    expect(e.confusion).toEqual(c);
    const predicted = model.predict(x, threshold);
    expect(e.confusion.tp + e.confusion.fp).toBe(predicted.reduce((s, v) => s + v, 0));
    expect(e.accuracy).toBe((c.tp + c.tn) / rows);
    expect(e.precision).toBe(precision(c));
    expect(e.recall).toBe(recall(c));
    expect(e.f1).toBe(f1Score(c));
    expect(e.auc).toBe(rocAuc(y, p));
    expect(e.auc).toBeGreaterThan(0.6); // it learned something
    expect(e.loss).toBe(model.evaluate(x, y).loss); // the loss does not depend on the threshold
  });

  it('reports accuracy at 0.5 as fit counts it', async () => {
    const model = await create();
    const before = model.evaluate(x, y);
    const history = await model.fit(x, y, { learningRate: 0.1 }); // one full batch: the epoch sees the initial weights
    expect(history.accuracy[0]).toBe(before.accuracy);
    expect(history.precision[0]).toBe(before.precision);
    expect(history.recall[0]).toBe(before.recall);
    expect(history.f1[0]).toBe(before.f1);
  });
});
