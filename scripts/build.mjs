// Builds dist/: the library as one ESM file with the WebAssembly inlined (Node and bundlers),
// the same library minified for browsers, the two training-worker scripts, the .d.ts files,
// and the gradwasm command line. Run after the core is compiled (npm run build does both).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { bundleWorker, STRING_MODULE_TYPES, stringModule, WORKER_CODE } from './worker-bundle.mjs';

/** The core's .wasm inlined as hex, decoded at load: it gzips 20 % smaller than esbuild's
 *  base64 (binary loader), which matters for the browser budget. */
const wasmAsHex = {
  name: 'wasm-as-hex',
  setup(b) {
    b.onLoad({ filter: /\.wasm$/ }, (args) => ({
      loader: 'js',
      contents: `const hex = ${JSON.stringify(readFileSync(args.path).toString('hex'))};\n` +
        'const bytes = new Uint8Array(hex.length >> 1);\n' +
        'for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);\n' +
        'export default bytes;\n',
    }));
  },
};

const common = {
  bundle: true,
  // the version gradwasm writes into its files (src/core/version.ts) and the command line prints
  define: { GRADWASM_VERSION: JSON.stringify(JSON.parse(readFileSync('package.json', 'utf8')).version) },
  format: 'esm',
  target: 'es2022',
  logLevel: 'warning',
  plugins: [wasmAsHex],
};

/** In the browser bundle, src/worker/spawn.ts (worker_threads) becomes spawn.browser.ts (Web Worker),
 *  src/backend/wasm/pool.ts (the threads' worker_threads) pool.browser.ts (Web Workers), and
 *  src/backend/wasm/environment.ts (Node's cores) environment.browser.ts (the page's). */
const browserSpawn = {
  name: 'browser-spawn',
  setup(b) {
    b.onResolve({ filter: /^\.\/spawn\.js$/ }, (args) => ({ path: join(args.resolveDir, 'spawn.browser.ts') }));
    b.onResolve({ filter: /\/(pool|environment)\.js$/ }, (args) => ({ path: join(args.resolveDir, args.path.replace(/\.js$/, '.browser.ts')) }));
  },
};

/**
 * In browsers, what a page that only predicts does not need lives in files of its own beside
 * the bundle, which it imports on first use: the 'js' backend (gradwasm.js-backend.js, when a
 * model asks for backend: 'js'), training (gradwasm.training.js, on the first fit) and the threaded
 * core (gradwasm.threads.js, its WebAssembly inlined, when a model asks for more than one thread). Each
 * carries its own copies of the stateless helpers it uses, and takes the one stateful class it
 * shares, GradwasmError, from the bundle (src/core/errors.ts holds nothing else), so that errors are
 * instances of the class callers import.
 */
const splitBeside = {
  name: 'split-beside',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/backend\/js\/js-backend\.js$/ }, () => ({ path: './gradwasm.js-backend.js', external: true }));
    b.onResolve({ filter: /^\.\.\/train\/fit\.js$/ }, () => ({ path: './gradwasm.training.js', external: true }));
    b.onResolve({ filter: /^\.\/threads\.js$/ }, () => ({ path: './gradwasm.threads.js', external: true }));
  },
};

/** In a file beside the library (split off it, or an entry point on it): GradwasmError is the library's. */
const errorsFrom = (file) => ({
  name: 'errors-from-library',
  setup(b) {
    b.onResolve({ filter: /\/errors\.js$/ }, () => ({ path: file, external: true }));
  },
});
const errorsFromBundle = errorsFrom('./gradwasm.browser.js');

/** A worker script imports the library bundle beside it instead of carrying its own copy. */
const libraryBeside = (file) => ({
  name: 'library-beside',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/index\.js$/ }, () => ({ path: file, external: true }));
  },
});

/** The training worker's code (build/worker.*.js), a module of its own beside the library: imported on the first trainInWorker. */
const workerBeside = (file) => ({
  name: 'worker-beside',
  setup(b) {
    b.onResolve({ filter: WORKER_CODE }, () => ({ path: file, external: true }));
  },
});
const nodeWorker = await bundleWorker({ entry: 'src/worker/entry.node.ts', platform: 'node', minify: true, define: common.define, plugins: [wasmAsHex] });
const browserWorker = await bundleWorker({ entry: 'src/worker/entry.browser.ts', platform: 'browser', minify: true, define: common.define, plugins: [wasmAsHex, browserSpawn] });
for (const [name, code] of [['node', nodeWorker], ['browser', browserWorker]]) {
  writeFileSync(`build/worker.${name}.js`, stringModule(code));
  writeFileSync(`build/worker.${name}.d.ts`, STRING_MODULE_TYPES);
}
mkdirSync('dist', { recursive: true });
writeFileSync('dist/worker-source.js', stringModule(nodeWorker));
writeFileSync('dist/gradwasm.worker-source.js', stringModule(browserWorker));
// The same code as a file, for pages whose Content-Security-Policy forbids blob: workers (workerUrl).
writeFileSync('dist/gradwasm.worker.js', browserWorker);

await build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.js', platform: 'neutral', external: ['node:*'], plugins: [wasmAsHex, workerBeside('./worker-source.js')] });
await build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/gradwasm.browser.js', platform: 'browser', minify: true, plugins: [wasmAsHex, browserSpawn, splitBeside, workerBeside('./gradwasm.worker-source.js')] });
await build({ ...common, entryPoints: ['src/backend/js/js-backend.ts'], outfile: 'dist/gradwasm.js-backend.js', platform: 'browser', minify: true, plugins: [errorsFromBundle] });
await build({ ...common, entryPoints: ['src/train/fit.ts'], outfile: 'dist/gradwasm.training.js', platform: 'browser', minify: true, plugins: [errorsFromBundle] });
await build({ ...common, entryPoints: ['src/backend/wasm/threads.ts'], outfile: 'dist/gradwasm.threads.js', platform: 'browser', minify: true, plugins: [wasmAsHex, browserSpawn, errorsFromBundle] });
// gradwasm/explain (src/explain/): its own entry, outside the browser bundle's budget, on the library beside it.
await build({ ...common, entryPoints: ['src/explain/index.ts'], outfile: 'dist/explain.js', platform: 'neutral', plugins: [wasmAsHex, libraryBeside('./index.js'), errorsFrom('./index.js')] });
await build({ ...common, entryPoints: ['src/explain/index.ts'], outfile: 'dist/explain.browser.js', platform: 'browser', minify: true, plugins: [wasmAsHex, libraryBeside('./gradwasm.browser.js'), errorsFromBundle] });
// gradwasm/node (src/node/): readCsv and the TF.js model files, Node only, on the library beside it.
await build({ ...common, entryPoints: ['src/node/index.ts'], outfile: 'dist/node.js', platform: 'node', plugins: [wasmAsHex, libraryBeside('./index.js'), errorsFrom('./index.js')] });
// The gradwasm command (package bin), self-contained: commander and cli-progress are bundled in
// (CommonJS, hence a require for their built-in imports).
await build({
  ...common, entryPoints: ['src/cli/entry.ts'], outfile: 'dist/cli.js', platform: 'node',
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);" },
});
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });

// What a page downloads. The inference path is what a bundler keeps of the browser build for a
// page that imports Sequential to load a model and predict (tree-shaken, minified); written out
// as build/gradwasm.inference.js so that its size can be checked (test/browser-bundle.test.ts).
const INFERENCE_BUDGET_GZIP = 25_000; // bytes
await build({
  ...common,
  stdin: { contents: "export { Sequential } from './src/index.ts';", resolveDir: '.', loader: 'ts' },
  outfile: 'build/gradwasm.inference.js', platform: 'browser', minify: true, plugins: [wasmAsHex, browserSpawn, splitBeside, workerBeside('./gradwasm.worker-source.js')],
});
const sizes = [
  ['dist/gradwasm.browser.js', readFileSync('dist/gradwasm.browser.js')],
  ['dist/gradwasm.worker-source.js', readFileSync('dist/gradwasm.worker-source.js')],
  ['dist/gradwasm.js-backend.js', readFileSync('dist/gradwasm.js-backend.js')],
  ['dist/gradwasm.training.js', readFileSync('dist/gradwasm.training.js')],
  ['dist/gradwasm.threads.js', readFileSync('dist/gradwasm.threads.js')],
  ['dist/explain.browser.js', readFileSync('dist/explain.browser.js')],
  ['build/gradwasm.inference.js', readFileSync('build/gradwasm.inference.js')],
];
const kb = (n) => `${(n / 1000).toFixed(1)} kB`;
console.log('browser build:');
for (const [name, bytes] of sizes) console.log(`  ${name.padEnd(30)} ${kb(bytes.length).padStart(9)} raw  ${kb(gzipSync(bytes, { level: 9 }).length).padStart(9)} gzip`);
// The README's size table is made from these (scripts/readme-figures.mjs).
writeFileSync('build/sizes.json', JSON.stringify(Object.fromEntries(sizes.map(([name, bytes]) => [name, { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length }])), null, 2));
const inferenceGzip = gzipSync(sizes.find(([name]) => name === 'build/gradwasm.inference.js')[1], { level: 9 }).length;
if (inferenceGzip > INFERENCE_BUDGET_GZIP) {
  console.warn(`!!! the inference path is ${kb(inferenceGzip)} gzipped, over its ${kb(INFERENCE_BUDGET_GZIP)} budget`);
}
