// The pool's workers in browsers: Web Workers started from a Blob of SERVE (pool-script.ts) (no file to serve
// beside the bundle). Shared memory needs a cross-origin isolated page (COOP and COEP headers).
import type { PoolWorkerData } from './pool.js';
import { SERVE } from './pool-script.js';

export type { PoolWorkerData };

let script: string | null = null;

export async function startPoolWorker(data: PoolWorkerData): Promise<void> {
  script ??= URL.createObjectURL(new Blob([`${SERVE}\nonmessage = (event) => serve(event.data, () => postMessage('ready'));`], { type: 'text/javascript' }));
  const worker = new Worker(script, { name: `gradwasm-thread-${data.id}` });
  await new Promise<void>((resolve, reject) => {
    worker.onmessage = () => resolve();
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(`a gradwasm thread could not start: ${event.message || 'the worker failed to load'}`));
    };
    worker.postMessage(data);
  });
}

/** A page's main thread may not block (Atomics.wait throws there): it spins; a worker may block. */
export function leaderMayWait(): boolean {
  return typeof document === 'undefined';
}

/** The threads 'auto' means: the browser's logical cores when the page may share memory, else 1. */
export async function availableThreads(): Promise<number> {
  return threadsUnavailable() === null ? navigator.hardwareConcurrency || 1 : 1;
}

/** Why this page cannot have more than one thread, or null. */
export function threadsUnavailable(): string | null {
  if (globalThis.crossOriginIsolated) return null;
  return 'the page is not cross-origin isolated, which threads need: serve it with "Cross-Origin-Opener-Policy: same-origin" and ' +
    '"Cross-Origin-Embedder-Policy: require-corp" (npm run serve does), or use threads: 1';
}
