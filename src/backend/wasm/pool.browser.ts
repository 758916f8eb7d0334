// The pool's keeper in browsers: a Web Worker started from a Blob of KEEP (pool-script.ts) — no
// file to serve beside the bundle — which starts the workers, Web Workers from a Blob of SERVE,
// and watches them. Shared memory needs a cross-origin isolated page (COOP and COEP headers).
import type { Keeper, PoolData } from './pool.js';
import { KEEP, SERVE } from './pool-script.js';

export type { Keeper, PoolData };

// A worker that throws out of serve() is one that died: the keeper stops it and reports it.
const KEEPER = `${KEEP}
const url = URL.createObjectURL(new Blob([${JSON.stringify(`${SERVE}\nonmessage = (event) => serve(event.data, () => postMessage('ready'));`)}], { type: 'text/javascript' }));
function spawn(data, ready, died) {
  const worker = new Worker(url);
  worker.onmessage = ready;
  worker.onerror = (event) => {
    event.preventDefault();
    worker.terminate();
    died();
  };
  worker.postMessage(data);
  return () => worker.terminate();
}
let serve = null;
onmessage = (event) => {
  if (serve) serve(event.data);
  else serve = keep(event.data, spawn, (message) => postMessage(message));
};`;

let script: string | null = null;

/** Nothing to load first in a browser. */
export async function preparePool(): Promise<void> {}

export function startKeeper(data: PoolData): Keeper {
  script ??= URL.createObjectURL(new Blob([KEEPER], { type: 'text/javascript' }));
  const keeper = new Worker(script, { name: 'gradwasm-pool' });
  keeper.postMessage(data);
  let retired: Promise<void> | null = null;
  return {
    grow: (workers) => keeper.postMessage({ type: 'grow', workers }),
    retire: () =>
      (retired ??= new Promise<void>((resolve) => {
        keeper.onmessage = () => {
          keeper.terminate();
          resolve();
        };
        keeper.postMessage({ type: 'retire' });
      })),
  };
}
