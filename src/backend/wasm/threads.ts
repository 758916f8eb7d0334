// The threaded core (docs/architecture.md §6.1): build/gradwasm.threads.wasm over one shared
// WebAssembly.Memory, instantiated here for the leader — the thread that calls into it, this one —
// and once in each thread of a pool. One per realm, loaded by the first model that asks for more
// than one thread; the browser build keeps it in a file of its own (gradwasm.threads.js). The pool
// starts only when a step first wants it (after that call, which runs its parts here): a keeper
// thread (src/backend/wasm/pool.ts) starts the workers the steps ask for and watches them. A pool that
// lost a worker is retired after the call that saw it, and the next step that wants threads
// starts a new one.
import { instantiate } from '@assemblyscript/loader';
import threadedBytes from '../../../build/gradwasm.threads.wasm';
import {
  FAILED_DEATH,
  FAILED_PART,
  FAULT_DEATH,
  FAULT_TRAP,
  MEMORY_INITIAL_PAGES,
  MEMORY_MAXIMUM_PAGES,
  POOL_CHOSEN,
  POOL_LOST,
  POOL_READY,
  POOL_WANTED,
  THREAD_PARTS,
  THREAD_SLEEPS,
  THREAD_SPIN,
  THREAD_STEPS,
  type ThreadedExports,
} from './contract.js';
import type { CoreExports, Core, StepFailure } from './core.js';
import { availableThreads, leaderMayWait } from './environment.js';
import { preparePool, startKeeper, type Keeper } from './pool.js';

// The threaded build's exports (the core's, and the pool's entry points), poolStat's questions,
// threadsSettle's answers and the faults tests inject: src/backend/wasm/contract.ts, generated.
export type { ThreadedExports };

/** threadsSettle's answer in words: a part failed on a thread of the pool, a thread died, or
 *  (0) no step failed — the caller's own exception stopped it. */
export function stepFailure(code: number): StepFailure {
  return code === FAILED_PART ? 'part' : code === FAILED_DEATH ? 'death' : null;
}

interface Pool {
  /** The control block (a multiple of 64: assembly/parallel.ts gives threads cache lines of their own in it)… */
  control: number;
  /** …inside the arena block that holds it. */
  block: number;
  keeper: Keeper | null;
  /** Workers asked of the keeper so far. */
  asked: number;
}

interface Threaded {
  exports: ThreadedExports;
  core: Core;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  pool: Pool;
  cores: number;
  /** Tests: the helpers every step of every pool uses (fixPoolHelpers), or null. */
  fixedHelpers: number | null;
}

let loading: Promise<Threaded> | null = null;

/**
 * The threaded core. `makeCore` wraps its exports with the library's own Core and Arena (the
 * browser build loads this file beside the bundle, and the memory limit lives in the bundle's
 * arena module).
 */
export async function loadThreadedCore(makeCore: (exports: CoreExports) => Core): Promise<Core> {
  loading ??= (async () => {
    const module = await WebAssembly.compile(threadedBytes);
    const memory = new WebAssembly.Memory({ initial: MEMORY_INITIAL_PAGES, maximum: MEMORY_MAXIMUM_PAGES, shared: true });
    const imports = { env: { memory, now: () => performance.now() } }; // (as every pool thread's: pool-script.ts)
    const { exports } = await instantiate<ThreadedExports>(module, imports);
    await preparePool();
    const t: Threaded = { exports, core: makeCore(exports), module, memory, pool: null!, cores: await availableThreads(), fixedHelpers: null };
    t.pool = openPool(t);
    t.core.settle = () => stepFailure(exports.threadsSettle(t.pool.control));
    t.core.afterCall = () => tendPool(t);
    return t;
  })();
  return (await loading).core;
}

/** A new pool's control block, for the leader from now on; no thread yet. */
function openPool(t: Threaded): Pool {
  const bytes = t.exports.controlBytes();
  const block = t.core.arena.allocate(bytes + 48);
  const control = Math.ceil(block / 64) * 64;
  new Uint8Array(t.memory.buffer, control, bytes).fill(0);
  t.exports.threadsInit(control, leaderMayWait(), t.cores);
  if (t.fixedHelpers !== null) t.exports.threadsFixHelpers(control, t.fixedHelpers);
  return { control, block, keeper: null, asked: 0 };
}

/** After each call into the core: replace a pool that lost a thread; start the workers the steps asked for. */
function tendPool(t: Threaded): void {
  const { exports, pool } = t;
  if (exports.poolStat(pool.control, 0, POOL_LOST)) {
    exports.threadsRetire(pool.control);
    t.pool = openPool(t);
    // (its control block stays allocated until no thread of the old pool can read it)
    const release = (): void => t.core.arena.release(pool.block);
    if (pool.keeper) void pool.keeper.retire().then(release);
    else release();
    return;
  }
  const wanted = exports.poolStat(pool.control, 0, POOL_WANTED);
  if (wanted <= pool.asked) return;
  pool.asked = wanted;
  pool.keeper ??= startKeeper({ module: t.module, memory: t.memory, control: pool.control });
  pool.keeper.grow(wanted);
}

/** Workers of the current pool ready to take parts (0 before any step wanted threads). */
export async function poolWorkers(): Promise<number> {
  if (!loading) return 0;
  const t = await loading;
  return t.exports.poolStat(t.pool.control, 0, POOL_READY);
}

/** Tests and the benchmark: resolves once the current pool has `workers` workers ready. */
export async function poolReady(workers: number, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while ((await poolWorkers()) < workers) {
    if (Date.now() - started > timeoutMs) throw new Error(`gradwasm: the pool did not have ${workers} workers ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** The workers wanted and ready, the helpers the steps use now (−1: not chosen yet), and what each
 *  thread of the current pool did (id 0: the leader): steps joined, parts run, waits that had to
 *  block, and its spin limit now (ms). */
export async function poolStats(): Promise<{
  wanted: number;
  ready: number;
  chosen: number;
  threads: { steps: number; parts: number; sleeps: number; spinMs: number }[];
}> {
  const t = await loading!;
  const stat = (id: number, what: number): number => t.exports.poolStat(t.pool.control, id, what);
  const ready = stat(0, POOL_READY);
  return {
    wanted: stat(0, POOL_WANTED),
    ready,
    chosen: stat(0, POOL_CHOSEN),
    threads: Array.from({ length: ready + 1 }, (_, id) => ({
      steps: stat(id, THREAD_STEPS),
      parts: stat(id, THREAD_PARTS),
      sleeps: stat(id, THREAD_SLEEPS),
      spinMs: stat(id, THREAD_SPIN),
    })),
  };
}

/** Tests: the `afterParts`-th part that a worker takes from now on traps ('trap'), or traps and
 *  kills its thread ('death'). */
export async function injectPoolFault(kind: 'trap' | 'death', afterParts: number): Promise<void> {
  const t = await loading!;
  t.exports.threadsInjectFault(t.pool.control, kind === 'trap' ? FAULT_TRAP : FAULT_DEATH, afterParts);
}

/** Tests: every step uses as many workers as it may (or `helpers`), instead of the number its
 *  measurements choose (assembly/parallel.ts), so that the workers surely take parts; null: choose again. */
export async function fixPoolHelpers(helpers: number | null = 255): Promise<void> {
  const t = await loading!;
  t.fixedHelpers = helpers;
  t.exports.threadsFixHelpers(t.pool.control, helpers ?? -1);
}

/** Tests: act as if the machine had `cores` cores (a step wakes at most cores − 1 workers), so
 *  that more threads than this machine has can run at once. */
export async function setPoolCores(cores: number): Promise<void> {
  const t = await loading!;
  t.cores = cores;
  t.exports.threadsInit(t.pool.control, leaderMayWait(), cores);
}
