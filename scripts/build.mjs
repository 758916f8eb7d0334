// Builds dist/: the library as one ESM file with the WebAssembly inlined (Node and bundlers),
// the same library minified for browsers, the two training-worker scripts, the .d.ts files,
// and the gradwasm command line. Run after the core is compiled (npm run build does both).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { bundleWorker, STRING_MODULE_TYPES, stringModule, WORKER_CODE } from './worker-bundle.mjs';

/** The core's .wasm inlined as hex, decoded at load: it gzips 20 % smaller than esbuild's
 *  base64 (binary loader), which matters for the browser budget. */
const wasmAsHex = {
  name: 'wasm-as-hex',
  setup(b) {
    b.onLoad({ filter: /\.wasm$/ }, (args) => ({
      loader: 'js',
      contents:
        `const hex = ${JSON.stringify(readFileSync(args.path).toString('hex'))};\n` +
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

/**
 * In browser builds, a module with a `.browser.ts` twin beside it is that twin: src/worker/spawn.ts
 * (worker_threads) becomes spawn.browser.ts (a Web Worker), src/backend/wasm/pool.ts (the threads'
 * worker_threads) pool.browser.ts (Web Workers), src/backend/wasm/environment.ts (Node's cores)
 * environment.browser.ts (the page's). The twin itself may import the module it stands for.
 */
const browserTwins = {
  name: 'browser-twins',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\/.*\.[jt]s$/ }, (args) => {
      const twin = resolve(args.resolveDir, args.path.replace(/\.[jt]s$/, '.browser.ts'));
      return twin !== args.importer && existsSync(twin) ? { path: twin } : undefined;
    });
  },
};

/**
 * The browser build's split (docs/architecture.md §10). What a page that only predicts does not
 * need lives in files of their own beside gradwasm.browser.js, each built from the module at its
 * root, named here, and imported on first use: training (on the first fit), the 'js' backend (when
 * a model asks for backend: 'js') and the threaded core (its WebAssembly inlined, when a model asks
 * for more than one thread). Any import of one of these modules — static or dynamic, however its
 * specifier is spelt — is the file that stands for it (see `beside`), and the build fails if one
 * is bundled in anyway (see `checkSplit`).
 *
 * (esbuild's own code splitting was tried, and breaks the inference budget: it puts each module
 * in one chunk, whole, so the modules a page needs to predict would carry to it everything in them
 * that training or the 'js' backend use — the optimizers' checks, all of the contract's constants,
 * the plan's fit blocks — and lists of what the chunks share: the inference path measured
 * 27.7–29.2 kB gzip instead of 25.0.)
 */
const LAZY = {
  'src/train/fit.ts': './gradwasm.training.js',
  'src/backend/js/js-backend.ts': './gradwasm.js-backend.js',
  'src/backend/wasm/threads.ts': './gradwasm.threads.js',
  'src/data/parquet-reader.ts': './gradwasm.parquet.js',
};

/** In Node, the Parquet decoder (hyparquet and its codecs, loaded by the first Parquet file read)
 *  is a file beside the library that dist/index.js and dist/node.js share, not a copy in each. */
const NODE_BESIDE = { 'src/data/parquet-reader.ts': './parquet-reader.js' };

/**
 * The one module whose state the files beside a library must share with it instead of carrying
 * a copy: the error classes, so that what they throw is an instance of the GradwasmError (and
 * subclass) callers import. Everything else they use is stateless, and each file has its copy.
 */
const SHARED = 'src/core/errors.ts';

/** The public entry: what gradwasm/explain and gradwasm/node build on, as a user's program does. */
const LIBRARY = 'src/index.ts';

/**
 * Imports of the modules in `table` (source path → the file beside that stands for it) are that
 * file, external, however the specifier is spelt: esbuild resolves it first, and the module it
 * names decides. The entry point being built is itself.
 */
const beside = (table) => {
  const files = new Map(Object.entries(table).map(([source, file]) => [resolve(source), file]));
  const again = Symbol('beside');
  return {
    name: 'beside',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, async (args) => {
        if (args.kind === 'entry-point' || args.pluginData === again) return undefined;
        const { path, errors } = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: again });
        const file = errors.length === 0 ? files.get(path) : undefined;
        return file === undefined ? undefined : { path: file, external: true };
      });
    },
  };
};

/** `table` without the entries standing for `source`, the module being built. */
const besideOf = (source, table) => beside(Object.fromEntries(Object.entries(table).filter(([from]) => from !== source)));

/**
 * Fail the build when a module `table` puts beside the output was bundled into it after all (a
 * plugin before `beside` resolved its import), or when the output imports from its library a name
 * the library does not export.
 */
function checkSplit(result, outfile, table, library = null) {
  const output = result.metafile.outputs[outfile];
  const bundled = Object.keys(output.inputs).filter((input) => input in table && output.entryPoint !== input);
  if (bundled.length > 0) throw new Error(`${outfile} bundles ${bundled.join(', ')}, which scripts/build.mjs keeps beside it`);
  if (!library) return;
  const text = readFileSync(outfile, 'utf8');
  for (const [, names, from] of text.matchAll(/\bimport\s*\{([^}]*)\}\s*from\s*"([^"]+)"/g)) {
    if (from !== library.file) continue;
    const missing = names
      .split(',')
      .map((n) => n.trim().split(/\s+as\s+/)[0])
      .filter((n) => !library.exports.includes(n));
    if (missing.length > 0)
      throw new Error(`${outfile} imports ${missing.join(', ')} from ${from}, which does not export ${missing.length > 1 ? 'them' : 'it'}`);
  }
}

/** Build one file with a metafile, and check its split. */
async function buildBeside(options, table, library) {
  const result = await build({ ...options, metafile: true });
  checkSplit(result, options.outfile, table, library);
  return result;
}

/** The training worker's code (build/worker.*.js), a module of its own beside the library: imported on the first trainInWorker. */
const workerBeside = (file) => ({
  name: 'worker-beside',
  setup(b) {
    b.onResolve({ filter: WORKER_CODE }, () => ({ path: file, external: true }));
  },
});
const nodeWorker = await bundleWorker({ entry: 'src/worker/entry.node.ts', platform: 'node', minify: true, define: common.define, plugins: [wasmAsHex] });
const browserWorker = await bundleWorker({
  entry: 'src/worker/entry.browser.ts',
  platform: 'browser',
  minify: true,
  define: common.define,
  plugins: [wasmAsHex, browserTwins],
});
for (const [name, code] of [
  ['node', nodeWorker],
  ['browser', browserWorker],
]) {
  writeFileSync(`build/worker.${name}.js`, stringModule(code));
  writeFileSync(`build/worker.${name}.d.ts`, STRING_MODULE_TYPES);
}
mkdirSync('dist', { recursive: true });
writeFileSync('dist/worker-source.js', stringModule(nodeWorker));
writeFileSync('dist/gradwasm.worker-source.js', stringModule(browserWorker));
// The same code as a file, for pages whose Content-Security-Policy forbids blob: workers (workerUrl).
writeFileSync('dist/gradwasm.worker.js', browserWorker);

const toLibrary = (file) => ({ [LIBRARY]: file, [SHARED]: file });
const node = await buildBeside(
  {
    ...common,
    entryPoints: [LIBRARY],
    outfile: 'dist/index.js',
    platform: 'neutral',
    // (packages that name their entry by "main" alone: hyparquet-compressors and its codecs)
    mainFields: ['module', 'main'],
    external: ['node:*'],
    plugins: [wasmAsHex, beside(NODE_BESIDE), workerBeside('./worker-source.js')],
  },
  NODE_BESIDE,
);
const browser = await buildBeside(
  {
    ...common,
    entryPoints: [LIBRARY],
    outfile: 'dist/gradwasm.browser.js',
    platform: 'browser',
    minify: true,
    plugins: [wasmAsHex, beside(LAZY), browserTwins, workerBeside('./gradwasm.worker-source.js')],
  },
  LAZY,
);
const browserLibrary = { file: './gradwasm.browser.js', exports: browser.metafile.outputs['dist/gradwasm.browser.js'].exports };
const nodeLibrary = { file: './index.js', exports: node.metafile.outputs['dist/index.js'].exports };
for (const [source, file] of Object.entries(LAZY)) {
  const table = { ...LAZY, [SHARED]: browserLibrary.file };
  await buildBeside(
    {
      ...common,
      entryPoints: [source],
      outfile: `dist/${file.slice(2)}`,
      platform: 'browser',
      minify: true,
      plugins: [wasmAsHex, besideOf(source, table), browserTwins],
    },
    table,
    browserLibrary,
  );
}
// gradwasm/explain (src/explain/): its own entry, outside the browser bundle's budget, on the library beside it.
await buildBeside(
  {
    ...common,
    entryPoints: ['src/explain/index.ts'],
    outfile: 'dist/explain.js',
    platform: 'neutral',
    plugins: [wasmAsHex, beside(toLibrary(nodeLibrary.file))],
  },
  toLibrary(nodeLibrary.file),
  nodeLibrary,
);
await buildBeside(
  {
    ...common,
    entryPoints: ['src/explain/index.ts'],
    outfile: 'dist/explain.browser.js',
    platform: 'browser',
    minify: true,
    plugins: [wasmAsHex, beside(toLibrary(browserLibrary.file)), browserTwins],
  },
  toLibrary(browserLibrary.file),
  browserLibrary,
);
for (const [source, file] of Object.entries(NODE_BESIDE)) {
  await buildBeside(
    {
      ...common,
      entryPoints: [source],
      outfile: `dist/${file.slice(2)}`,
      platform: 'neutral',
      mainFields: ['module', 'main'],
      plugins: [beside(toLibrary(nodeLibrary.file))],
    },
    toLibrary(nodeLibrary.file),
    nodeLibrary,
  );
}
// gradwasm/node (src/node/): readCsv and the TF.js model files, Node only, on the library beside it.
await buildBeside(
  {
    ...common,
    entryPoints: ['src/node/index.ts'],
    outfile: 'dist/node.js',
    platform: 'node',
    // (apache-arrow, which reads Arrow files, is the user's: an optional peer dependency)
    external: ['apache-arrow'],
    plugins: [wasmAsHex, beside({ ...toLibrary(nodeLibrary.file), ...NODE_BESIDE })],
  },
  { ...toLibrary(nodeLibrary.file), ...NODE_BESIDE },
  nodeLibrary,
);
// The gradwasm command (package bin), self-contained: commander and cli-progress are bundled in
// (CommonJS, hence a require for their built-in imports).
await build({
  ...common,
  entryPoints: ['src/cli/entry.ts'],
  outfile: 'dist/cli.js',
  platform: 'node',
  external: ['apache-arrow'],
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);" },
});
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });

// What a page downloads. The inference path is what a bundler keeps of the browser build for a
// page that imports Sequential to load a model and predict (tree-shaken, minified); written out
// as build/gradwasm.inference.js so that its size can be checked (test/browser-bundle.test.ts).
// 25 kB for the binary head alone (issue 4); the softmax head (issue 21) added 1.3 kB to it — its
// function in the core, and scikit-learn's multiclass metrics, which a synchronous evaluate() must
// carry; the regression head (issue 22) 1.3 kB more, for the same reasons and its targets' forms
// (one a row, rows of k, { data, rows, cols }) — so the budget was 28 kB; the lane code's constants
// read from memory (issue 24: exp, log1p, σ and tanh 1.11–1.14× faster) gzip 0.06 kB worse as data
// than as the v128.const they replaced, though the code shrank by 1.9 kB — so it is 28.1 kB.
const INFERENCE_BUDGET_GZIP = 28_100; // bytes
await buildBeside(
  {
    ...common,
    stdin: { contents: `export { Sequential } from './${LIBRARY}';`, resolveDir: '.', loader: 'ts' },
    outfile: 'build/gradwasm.inference.js',
    platform: 'browser',
    minify: true,
    plugins: [wasmAsHex, beside(LAZY), browserTwins, workerBeside('./gradwasm.worker-source.js')],
  },
  LAZY,
);
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
for (const [name, bytes] of sizes)
  console.log(`  ${name.padEnd(30)} ${kb(bytes.length).padStart(9)} raw  ${kb(gzipSync(bytes, { level: 9 }).length).padStart(9)} gzip`);
// The README's size table is made from these (scripts/readme-figures.mjs).
writeFileSync(
  'build/sizes.json',
  JSON.stringify(Object.fromEntries(sizes.map(([name, bytes]) => [name, { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length }])), null, 2),
);
const inferenceGzip = gzipSync(sizes.find(([name]) => name === 'build/gradwasm.inference.js')[1], { level: 9 }).length;
if (inferenceGzip > INFERENCE_BUDGET_GZIP) {
  console.warn(`!!! the inference path is ${kb(inferenceGzip)} gzipped, over its ${kb(INFERENCE_BUDGET_GZIP)} budget`);
}
