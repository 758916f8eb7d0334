// Starting the training worker in browsers: a module Web Worker running gradwasm.worker.js,
// which sits beside gradwasm.browser.js and imports it. The literal
// `new Worker(new URL('./gradwasm.worker.js', import.meta.url), …)` is the pattern bundlers
// (webpack 5, Vite, Parcel) recognise and emit as a worker chunk.
import type { WorkerHandle } from './spawn.js';

export type { WorkerHandle };

export async function spawnWorker(url: string | URL | undefined): Promise<WorkerHandle> {
  const worker = url === undefined
    ? new Worker(new URL('./gradwasm.worker.js', import.meta.url), { type: 'module', name: 'gradwasm-training' })
    : new Worker(url, { type: 'module', name: 'gradwasm-training' });
  const script = String(url ?? new URL('./gradwasm.worker.js', import.meta.url));
  let ended = false;
  return {
    post: (message, transfer) => worker.postMessage(message, transfer),
    listen(onMessage, onFailure) {
      const fail = (error: Error): void => {
        if (!ended) onFailure(error);
        ended = true;
      };
      worker.onmessage = (event) => onMessage(event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        fail(new Error(`the training worker (${script}) failed: ${event.message || 'it could not be loaded'}`));
      };
      worker.onmessageerror = () => fail(new Error('a message from the training worker could not be read'));
    },
    terminate() {
      ended = true;
      worker.terminate();
    },
  };
}
