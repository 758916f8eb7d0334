// A worker script bundled from the sources into `dir` (so that tests never run a stale dist/),
// for trainInWorker's `workerUrl`.
import { build } from 'esbuild';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** `entry` (default: the library's Node worker) bundled into `dir`/`name`; its file URL. */
export async function bundleWorker(dir: string, entry = 'src/worker/entry.node.ts', name = 'worker.mjs'): Promise<URL> {
  const outfile = join(dir, name);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'es2022',
    loader: { '.wasm': 'binary' },
    logLevel: 'warning',
  });
  return pathToFileURL(outfile);
}
