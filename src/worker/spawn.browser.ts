// Starting the training worker in browsers: a module Web Worker. By default it runs the worker's
// own bundled code (scripts/worker-bundle.mjs) from a Blob, so a page built by any bundler
// (Vite, webpack, esbuild, Rollup) or none needs no file beside its script: the code arrives
// through an ordinary dynamic import, on the first trainInWorker. A page whose
// Content-Security-Policy forbids blob: workers serves dist/gradwasm.worker.js (the same code)
// and names it as workerUrl.
import type { WorkerHandle } from './spawn.js';

export type { WorkerHandle };

export async function spawnWorker(url: string | URL | undefined): Promise<WorkerHandle> {
  let script = url;
  if (script === undefined) {
    const source = (await import('../../build/worker.browser.js')).default;
    script = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  }
  const name =
    url === undefined
      ? "the training worker (gradwasm's built-in script, started from a blob: URL; where a Content-Security-Policy forbids blob: workers, serve gradwasm/dist/gradwasm.worker.js and name it as workerUrl)"
      : `the training worker (workerUrl ${String(url)})`;
  const worker = new Worker(script, { type: 'module', name: 'gradwasm-training' });
  let ended = false;
  const end = (): void => {
    ended = true;
    if (url === undefined) URL.revokeObjectURL(script as string);
  };
  return {
    post: (message, transfer) => worker.postMessage(message, transfer),
    listen(onMessage, onFailure) {
      const fail = (error: Error): void => {
        if (!ended) onFailure(error);
        end();
      };
      worker.onmessage = (event) => onMessage(event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        fail(new Error(`${name} failed: ${event.message || 'it could not be loaded'}`));
      };
      worker.onmessageerror = () => fail(new Error('a message from the training worker could not be read'));
    },
    terminate() {
      end();
      worker.terminate();
    },
  };
}
