// The README's figures are the build's and the last full benchmark run's (scripts/readme-figures.mjs):
// the benchmark tables exactly as bench/results.json makes them, the sizes within a few percent of
// what this build measured (small edits move them; a stale table, such as 107 kB for 138, fails).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { README, markedFigures, performanceBlock, sizesBlock } from '../scripts/readme-figures.mjs';

const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const readme = markedFigures(read(README));
const REFRESH = 'run `npm run docs` and commit README.md';

/** Each row's raw and gzip kB, by file. */
const sizesIn = (block: string): Map<string, number[]> =>
  new Map([...block.matchAll(/^\| `([^`]+)` \|.*\| ([\d.]+) kB \| ([\d.]+) kB \|$/gm)].map((m) => [m[1]!, [Number(m[2]), Number(m[3])]]));

describe('README.md figures', () => {
  it('marks the sizes and the benchmark tables', () => {
    expect(Object.keys(readme).sort()).toEqual(['performance', 'sizes']);
  });

  it('shows the benchmark tables as bench/results.json makes them', () => {
    expect(readme.performance, REFRESH).toBe(performanceBlock(JSON.parse(read('bench/results.json'))));
  });

  it('shows the sizes this build measured, within 3 % or 0.5 kB', () => {
    const written = sizesIn(readme.sizes!), measured = sizesIn(sizesBlock(JSON.parse(read('build/sizes.json'))));
    expect([...written.keys()]).toEqual([...measured.keys()]);
    for (const [file, [raw, gzip]] of measured) {
      const [rawWritten, gzipWritten] = written.get(file)!;
      for (const [was, is] of [[rawWritten!, raw!], [gzipWritten!, gzip!]] as const) {
        expect(Math.abs(was - is), `${file}: the README says ${was} kB, the build measured ${is} kB; ${REFRESH}`).toBeLessThanOrEqual(Math.max(0.5, 0.03 * is));
      }
    }
  });
});
