// The docs' figures are the build's and the last full benchmark run's (scripts/readme-figures.mjs):
// the benchmark tables exactly as bench/results.json makes them, the sizes within a few percent of
// what this build measured (small edits move them; a stale table, such as 107 kB for 138, fails).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PAGES, headlineBlock, markedFigures, performanceBlock, sizesBlock } from '../scripts/readme-figures.mjs';

const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const results = JSON.parse(read('bench/results.json'));
/** The blocks made from bench/results.json, which must match exactly. */
const exact: Record<string, string> = { headline: headlineBlock(results), performance: performanceBlock(results) };
/** What each page marks. */
const MARKS: Record<string, string[]> = { 'README.md': ['headline', 'sizes'], 'docs/guide.md': ['performance', 'sizes'] };

/** Each row's raw and gzip kB, by file. */
const sizesIn = (block: string): Map<string, number[]> =>
  new Map([...block.matchAll(/^\| `([^`]+)` \|.*\| ([\d.]+) kB \| ([\d.]+) kB \|$/gm)].map((m) => [m[1]!, [Number(m[2]), Number(m[3])]]));

describe.each(PAGES)('%s figures', (page) => {
  const marked = markedFigures(read(page));
  const REFRESH = `run \`npm run docs\` and commit ${page}`;

  it('marks the blocks it should', () => {
    expect(Object.keys(marked).sort()).toEqual(MARKS[page]);
  });

  it('shows the benchmark tables as bench/results.json makes them', () => {
    for (const [name, text] of Object.entries(marked)) if (name !== 'sizes') expect(text, `${name}: ${REFRESH}`).toBe(exact[name]);
  });

  it('shows the sizes this build measured, within 3 % or 0.5 kB', () => {
    const written = sizesIn(marked.sizes!),
      measured = sizesIn(sizesBlock(JSON.parse(read('build/sizes.json'))));
    expect([...written.keys()]).toEqual([...measured.keys()]);
    for (const [file, [raw, gzip]] of measured) {
      const [rawWritten, gzipWritten] = written.get(file)!;
      for (const [was, is] of [
        [rawWritten!, raw!],
        [gzipWritten!, gzip!],
      ] as const) {
        expect(Math.abs(was - is), `${file}: ${page} says ${was} kB, the build measured ${is} kB; ${REFRESH}`).toBeLessThanOrEqual(Math.max(0.5, 0.03 * is));
      }
    }
  });
});

it('every page the figures script writes is checked here', () => {
  expect([...PAGES].sort()).toEqual(Object.keys(MARKS).sort());
});
