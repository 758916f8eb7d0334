// `npm run docs`: regenerates docs/backprop.md from real explain() output (scripts/backprop-doc.ts),
// bundled the way scripts/build.mjs bundles the library (the core's .wasm inlined). Needs the
// compiled core (npm run build:wasm, or npm run build).
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const out = resolve('dist/scripts/backprop-doc.js');
await build({
  entryPoints: ['scripts/backprop-doc.ts'],
  outfile: out,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'es2022',
  loader: { '.wasm': 'binary' },
  logLevel: 'warning',
});
const { backpropDoc, DOC_PATH } = await import(pathToFileURL(out).href);
const text = await backpropDoc();
mkdirSync(dirname(DOC_PATH), { recursive: true });
writeFileSync(DOC_PATH, text);
console.log(`${DOC_PATH} written (${text.length} characters)`);
