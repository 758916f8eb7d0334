// The docs' command-line output is what the commands print (scripts/readme-examples.ts runs them
// again here, once for every page): anything but timings differing fails, with `npm run docs` to
// refresh it.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PAGES, examples, markedExamples, withExamples, withoutTimings } from '../scripts/readme-examples.js';

/** What each page marks. */
const MARKS: Record<string, string[]> = { 'README.md': ['npm-start'], 'docs/cli.md': ['cli'] };
const read = (page: string): string => readFileSync(new URL(`../${page}`, import.meta.url), 'utf8');

let made: Map<string, string>;
beforeAll(async () => {
  made = await examples();
}, 60_000);

describe.each(PAGES)('%s', (page) => {
  it('shows the output the commands print (run `npm run docs` to refresh it)', () => {
    const committed = read(page);
    expect(markedExamples(committed).sort()).toEqual(MARKS[page]);
    const fresh = withExamples(page, committed, made);
    const a = withoutTimings(committed).split('\n'),
      b = withoutTimings(fresh).split('\n');
    const line = b.findIndex((l, i) => l !== a[i]);
    if (line >= 0)
      expect.fail(
        `${page} is out of date: run \`npm run docs\` and commit it.\nFirst difference at line ${line + 1}:\n  file:      ${a[line]}\n  generated: ${b[line]}`,
      );
  });
});

it('every example made is shown on a page, and every page is checked here', () => {
  expect([...PAGES].sort()).toEqual(Object.keys(MARKS).sort());
  expect([...made.keys()].sort()).toEqual(Object.values(MARKS).flat().sort());
});

it('only timings are blanked', () => {
  expect(withoutTimings('trained 50 epochs in 0.12 s (190,977 samples/s, in memory)')).toBe('trained 50 epochs in … s (… samples/s, in memory)');
  expect(withoutTimings('validation  0.1696  0.9649')).toBe('validation  0.1696  0.9649');
});
