// Starting the training worker in Node: a worker_threads Worker. By default it runs the worker's
// own bundled code (scripts/worker-bundle.mjs) from a data: URL, so a bundle of an application
// needs no file beside it; `workerUrl` names another script instead.
// (The browser bundle uses spawn.browser.ts instead; scripts/build.mjs swaps the module.)
import type { HostMessage, WorkerMessage } from './protocol.js';

/** A started worker, as host.ts drives it on any platform. */
export interface WorkerHandle {
  post(message: HostMessage, transfer: ArrayBuffer[]): void;
  /** `onMessage` for every message; `onFailure` once if the worker fails to start, crashes, or exits. */
  listen(onMessage: (message: WorkerMessage) => void, onFailure: (error: Error) => void): void;
  terminate(): void;
}

/** The built-in worker, unless the caller names another (a path or a file:/data: URL). */
export async function spawnWorker(url: string | URL | undefined): Promise<WorkerHandle> {
  const { Worker } = await import('node:worker_threads');
  const script = url ?? new URL(`data:text/javascript,${encodeURIComponent((await import('../../build/worker.node.js')).default)}`);
  const name = url === undefined ? "the training worker (gradwasm's built-in script)" : `the training worker (workerUrl ${String(url)})`;
  const worker = new Worker(script);
  let ended = false;
  return {
    post: (message, transfer) => worker.postMessage(message, transfer),
    listen(onMessage, onFailure) {
      const fail = (error: Error): void => {
        if (!ended) onFailure(error);
        ended = true;
      };
      worker.on('message', onMessage);
      worker.on('error', (error: Error) => fail(new Error(`${name} failed: ${error.message}`)));
      worker.on('messageerror', (error: Error) => fail(new Error(`a message from the training worker could not be read: ${error.message}`)));
      worker.on('exit', (code) => fail(new Error(`${name} exited with code ${code} before it finished`)));
    },
    terminate() {
      ended = true;
      void worker.terminate();
    },
  };
}
