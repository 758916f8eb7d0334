// `npm run docs` (with scripts/backprop-doc.mjs): writes the README's command-line examples from
// real runs (scripts/readme-examples.ts), bundled the way scripts/build.mjs bundles the library.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const out = resolve('dist/scripts/readme-examples.js');
await build({
  entryPoints: ['scripts/readme-examples.ts'], outfile: out, bundle: true, format: 'esm', platform: 'node', target: 'es2022',
  loader: { '.wasm': 'binary' }, external: ['cli-progress', 'commander'], logLevel: 'warning',
});
const { README, readmeExamples, withExamples } = await import(pathToFileURL(out).href);
const examples = await readmeExamples();
writeFileSync(README, withExamples(readFileSync(README, 'utf8'), examples));
console.log(`${README}: ${examples.size} examples written (${[...examples.keys()].join(', ')})`);
