// The pool's keeper in Node: a worker_threads Worker running KEEP (pool-script.ts), which starts
// the workers — worker_threads running SERVE — and watches them. unref()ed, so that a script that
// trains and ends exits by itself (pool threads only ever wait inside the core). The browser
// bundle uses pool.browser.ts instead (scripts/build.mjs swaps the module).
import { KEEP, SERVE } from './pool-script.js';

/** What the keeper and each worker instantiate the threaded core with. */
export interface PoolData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
}

/** The keeper, as the leader's thread talks to it. */
export interface Keeper {
  /** Start workers until there are `workers` (1…workers). */
  grow(workers: number): void;
  /** Stop every worker and the keeper; resolves once none is left. */
  retire(): Promise<void>;
}

// (a worker's code inside the keeper's: each pool thread is an ES module from a data: URL)
const WORKER = `import { workerData, parentPort } from 'node:worker_threads';${SERVE}\nserve(workerData, () => parentPort.postMessage('ready'));`;
const KEEPER = `import { Worker, workerData, parentPort } from 'node:worker_threads';${KEEP}
const url = new URL('data:text/javascript,' + encodeURIComponent(${JSON.stringify(WORKER)}));
function spawn(data, ready, died) {
  const worker = new Worker(url, { workerData: data });
  worker.once('message', ready);
  worker.on('error', () => {}); // (its exit follows)
  worker.once('exit', died);
  return () => worker.terminate();
}
parentPort.on('message', keep(workerData, spawn, (message) => parentPort.postMessage(message)));`;

let WorkerClass: typeof import('node:worker_threads').Worker | null = null;

/** Load what startKeeper needs, so that it can start a keeper synchronously, from inside a call. */
export async function preparePool(): Promise<void> {
  WorkerClass ??= (await import('node:worker_threads')).Worker;
}

/** Start the keeper of a new pool (no worker yet: grow() starts them). */
export function startKeeper(data: PoolData): Keeper {
  const keeper = new WorkerClass!(new URL(`data:text/javascript,${encodeURIComponent(KEEPER)}`), { workerData: data });
  keeper.unref();
  let retired: Promise<void> | null = null;
  return {
    grow: (workers) => keeper.postMessage({ type: 'grow', workers }),
    retire: () =>
      (retired ??= new Promise<void>((resolve) => {
        keeper.once('message', () => void keeper.terminate().then(() => resolve()));
        keeper.once('exit', () => resolve());
        keeper.postMessage({ type: 'retire' });
      })),
  };
}
