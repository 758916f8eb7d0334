// The threaded core (docs/architecture.md §6.1): build/gradwasm.threads.wasm over one shared
// WebAssembly.Memory, instantiated here for the leader — the thread that calls into it, this
// one — and once in each worker of the pool, where it parks in workerStep until a step is
// published (assembly/parallel.ts). One per realm: started by the first model that asks for more
// than one thread, grown to the most threads any model asks for. Loaded on that first request:
// the browser build keeps it in a file of its own (gradwasm.threads.js).
import { instantiate } from '@assemblyscript/loader';
import threadedBytes from '../../build/gradwasm.threads.wasm';
import type { CoreExports, Core } from './core.js';
import { leaderMayWait, startPoolWorker } from './pool.js';
import { FAILED, PENDING } from './pool-script.js';

/** The threaded build's exports: the core's, and the pool's entry points (assembly/threads.ts). */
export type ThreadedExports = CoreExports & {
  modelBytes(layers: number): number;
  modelSetThreads(m: number, threads: number): void;
  controlBytes(): number;
  threadsInit(control: number, leaderWaits: boolean): void;
  workerStep(control: number, id: number, seen: number): number;
  generation(control: number): number;
};

interface Threaded {
  core: Core;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** The control block the leader and the workers share. */
  control: number;
  /** Workers started (the leader is the other thread). */
  workers: number;
}

let loading: Promise<Threaded> | null = null;
/** Pool growth, one at a time: two models created together start each worker once. */
let growing: Promise<unknown> = Promise.resolve();

/**
 * The threaded core, with a pool of at least `threads − 1` workers. `makeCore` wraps its exports
 * with the library's own Core and Arena (the browser build loads this file beside the bundle, and
 * the memory limit lives in the bundle's arena module).
 */
export async function loadThreadedCore(threads: number, makeCore: (exports: CoreExports) => Core): Promise<Core> {
  loading ??= (async () => {
    const module = await WebAssembly.compile(threadedBytes);
    const memory = new WebAssembly.Memory({ initial: 2, maximum: 65536, shared: true });
    const { exports } = await instantiate<ThreadedExports>(module, { env: { memory } });
    const core = makeCore(exports);
    const control = core.arena.allocate(exports.controlBytes());
    new Uint8Array(exports.memory.buffer, control, exports.controlBytes()).fill(0);
    const waits = leaderMayWait();
    exports.threadsInit(control, waits);
    const words = new Int32Array(exports.memory.buffer, control, 8);
    core.settle = () => {
      // a part may still be running after the leader's own trap: let every one finish, then forget the failure
      for (let left = Atomics.load(words, PENDING / 4); left !== 0; left = Atomics.load(words, PENDING / 4)) {
        if (waits) Atomics.wait(words, PENDING / 4, left, 100);
      }
      Atomics.store(words, FAILED / 4, 0);
    };
    return { core, module, memory, control, workers: 0 };
  })();
  const t = await loading;
  const grown = growing.then(async () => {
    while (t.workers < threads - 1) {
      await startPoolWorker({ module: t.module, memory: t.memory, control: t.control, id: t.workers + 1 });
      t.workers++;
    }
  });
  growing = grown.catch(() => undefined);
  await grown;
  return t.core;
}

/** Workers the pool has started in this realm (0 before any model asked for threads). */
export async function poolWorkers(): Promise<number> {
  return loading ? (await loading).workers : 0;
}
