// docs/backprop.md is generated from real explain() output (scripts/backprop-doc.ts): regenerate
// it in memory and compare, so that the page never shows numbers the code no longer computes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DOC_PATH, backpropDoc } from '../scripts/backprop-doc.js';

describe('docs/backprop.md', () => {
  it('is what scripts/backprop-doc.ts generates from the code as it is (run `npm run docs` to refresh it)', async () => {
    const committed = readFileSync(new URL(`../${DOC_PATH}`, import.meta.url), 'utf8');
    const fresh = await backpropDoc();
    if (fresh !== committed) {
      const a = committed.split('\n'),
        b = fresh.split('\n');
      const line = b.findIndex((l, i) => l !== a[i]);
      expect.fail(
        `${DOC_PATH} is out of date: run \`npm run docs\` and commit it.\n` +
          `First difference at line ${line + 1}:\n  file:      ${a[line] ?? '(end of file)'}\n  generated: ${b[line] ?? '(end of file)'}`,
      );
    }
    // the article's numbers are there
    for (const s of ['p = σ(z) = 0.999877', '= (-1.00012) · (0.000123379) · (1) · (3)', '= -0.000370184']) expect(committed).toContain(s);
  });
});
