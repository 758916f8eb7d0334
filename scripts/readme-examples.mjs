// `npm run docs` (with scripts/backprop-doc.mjs): writes the command-line examples of README.md and
// docs/cli.md from real runs (scripts/readme-examples.ts), bundled the way scripts/build.mjs bundles
// the library.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const out = resolve('dist/scripts/readme-examples.js');
await build({
  entryPoints: ['scripts/readme-examples.ts'],
  outfile: out,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'es2022',
  loader: { '.wasm': 'binary' },
  external: ['cli-progress', 'commander'],
  logLevel: 'warning',
});
const { PAGES, examples, markedExamples, withExamples } = await import(pathToFileURL(out).href);
const made = await examples();
for (const page of PAGES) {
  const text = readFileSync(page, 'utf8');
  writeFileSync(page, withExamples(page, text, made));
  console.log(`${page}: examples written (${markedExamples(text).join(', ') || 'none'})`);
}
