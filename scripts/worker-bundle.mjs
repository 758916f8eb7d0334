// The training worker's code as one self-contained script — the library, its WebAssembly and
// the worker's entry, no import of any file beside it — which trainInWorker starts from a string
// (a data: URL in Node, a Blob in browsers). A consumer's bundler then has nothing to find or copy:
// the string arrives through an ordinary dynamic import (src/worker/spawn*.ts) of build/worker.node.js
// or build/worker.browser.js, which scripts/build.mjs writes (and vitest.config.ts makes afresh
// whenever a test loads one).
import { build } from 'esbuild';

/** What the worker's code means inside the worker itself: a training worker starts no other. */
const NESTED = "throw new Error('gradwasm: trainInWorker cannot be called inside the training worker');";

/** The worker's code, as src/worker/spawn*.ts import it. */
export const WORKER_CODE = /\/build\/worker\.(node|browser)\.js$/;

/**
 * Bundle `entry` (src/worker/entry.node.ts or entry.browser.ts) into one ESM script and return
 * its text. `plugins` load the .wasm files and swap platform modules, as for the library.
 */
export async function bundleWorker({ entry, platform, plugins = [], minify = false, define = {} }) {
  const nested = {
    name: 'nested-worker',
    setup(b) {
      b.onResolve({ filter: WORKER_CODE }, (args) => ({ path: args.path, namespace: 'nested-worker' }));
      b.onLoad({ filter: /.*/, namespace: 'nested-worker' }, () => ({ contents: NESTED, loader: 'js' }));
    },
  };
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform,
    minify,
    define,
    write: false,
    logLevel: 'warning',
    plugins: [nested, ...plugins],
  });
  return result.outputFiles[0].text;
}

/** A module whose default export is `text`. */
export const stringModule = (text) => `export default ${JSON.stringify(text)};\n`;

/** Its declaration, for TypeScript. */
export const STRING_MODULE_TYPES = 'declare const code: string;\nexport default code;\n';
