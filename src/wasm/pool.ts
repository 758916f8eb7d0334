// The pool's workers in Node: worker_threads running SERVE (pool-script.ts), unref()ed so that a script that
// trains and ends exits by itself (they only ever wait inside the core). The browser bundle uses
// pool.browser.ts instead (scripts/build.mjs swaps the module).
import { SERVE } from './pool-script.js';

export interface PoolWorkerData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
  id: number;
}

/** Start worker `id` and resolve once it waits for steps. */
export async function startPoolWorker(data: PoolWorkerData): Promise<void> {
  const { Worker } = await import('node:worker_threads');
  // an ES module from a data: URL: an eval'd script would be CommonJS or ESM as the process was started
  const code = `import { workerData, parentPort } from 'node:worker_threads';${SERVE}\nserve(workerData, () => parentPort.postMessage('ready'));`;
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), { workerData: data });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', (error) => reject(new Error(`a gradwasm thread could not start: ${error.message}`)));
  });
  worker.unref();
}

/** Node's main thread may block on an atomic wait, as workers may. */
export function leaderMayWait(): boolean {
  return true;
}

/** The threads 'auto' means: every core this process may use. */
export async function availableThreads(): Promise<number> {
  const os = await import('node:os');
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** Why more than one thread cannot be had here, or null: in Node they always can. */
export function threadsUnavailable(): string | null {
  return null;
}
