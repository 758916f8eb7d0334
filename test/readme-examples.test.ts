// The README's command-line output is what the commands print (scripts/readme-examples.ts runs
// them again here): anything but timings differing fails, with `npm run docs` to refresh it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { README, markedExamples, readmeExamples, withExamples, withoutTimings } from '../scripts/readme-examples.js';

describe('README.md', () => {
  it('shows the output the commands print (run `npm run docs` to refresh it)', async () => {
    const committed = readFileSync(new URL(`../${README}`, import.meta.url), 'utf8');
    expect(markedExamples(committed).sort()).toEqual(['cli', 'npm-start']);
    const fresh = withExamples(committed, await readmeExamples());
    const a = withoutTimings(committed).split('\n'), b = withoutTimings(fresh).split('\n');
    const line = b.findIndex((l, i) => l !== a[i]);
    if (line >= 0) expect.fail(`${README} is out of date: run \`npm run docs\` and commit it.\nFirst difference at line ${line + 1}:\n  file:      ${a[line]}\n  generated: ${b[line]}`);
  }, 60_000);

  it('only timings are blanked', () => {
    expect(withoutTimings('trained 50 epochs in 0.12 s (190,977 samples/s, in memory)')).toBe('trained 50 epochs in … s (… samples/s, in memory)');
    expect(withoutTimings('validation  0.1696  0.9649')).toBe('validation  0.1696  0.9649');
  });
});
