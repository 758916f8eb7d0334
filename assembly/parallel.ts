// Threads over one shared memory (docs/architecture.md §6). The threaded build (asconfig.json's "threads"
// target: --enable threads, an imported shared memory) runs in several instances over one
// memory: the leader — whichever thread called into the core — and the pool's workers
// (src/wasm/pool.ts), each parked in workerStep. A step of work is published in the control
// block; the leader takes part 0, the workers parts 1…parts−1, and the leader waits until all
// have reported. Which thread computes which part never changes a value: every part writes its
// own outputs, and sums over rows never cross parts (assembly/model.ts). The single-thread build
// compiles the same source without atomics: there every step is one part, run in place.
import { runPart } from './model';

// The control block (bytes): the step word — the generation the workers wait on (low 32 bits),
// the step's code and its number of parts (16 bits each above), stored in one atomic write so that
// a worker never reads a step's parts with another's generation — then the parts still out,
// whether the leader may block (a browser's main thread may not), whether a worker's part trapped,
// the step's arguments, and a row of four counters per part.
const STEP: usize = 0;    // i64
const PENDING: usize = 8;
const LEADER_WAITS: usize = 12;
const FAILED: usize = 16; // set by a worker whose part trapped (src/wasm/pool-script.ts)
const ARGS: usize = 32;          // 10 slots of 8 bytes: integers, pointers and floats
const COUNTS: usize = 112; // i32 × 4 per part
/** Parts a step may have: threads = leader + workers. */
export const MAX_THREADS: i32 = 256;
const CONTROL_BYTES: usize = COUNTS + <usize>MAX_THREADS * 16;

/** Spins (about a millisecond) for the next step, or for the last part of one, before blocking:
 *  steps come microseconds apart while a model trains, and waking a blocked thread costs tens of
 *  them. */
const SPIN: i32 = 200000;

/** This instance's control block (0: none, one thread). */
let control: usize = 0;

export function controlBytes(): usize {
  return CONTROL_BYTES;
}

/** Use the zeroed control block at `c`; `leaderWaits`: whether this thread may block while it
 *  waits for the workers (false on a browser's main thread, which spins instead). */
export function threadsInit(c: usize, leaderWaits: bool): void {
  control = c;
  store<i32>(c + LEADER_WAITS, leaderWaits ? 1 : 0);
}

// @ts-ignore: decorator
@inline export function setArg(i: i32, v: i64): void { store<i64>(control + ARGS + (<usize>i << 3), v); }
// @ts-ignore: decorator
@inline export function setArgF(i: i32, v: f64): void { store<f64>(control + ARGS + (<usize>i << 3), v); }
// @ts-ignore: decorator
@inline export function arg(i: i32): i64 { return load<i64>(control + ARGS + (<usize>i << 3)); }
// @ts-ignore: decorator
@inline export function argF(i: i32): f64 { return load<f64>(control + ARGS + (<usize>i << 3)); }

/** Part `part`'s counters (i32 × 4), or a spare row when there are no threads. */
export function counters(part: i32): usize {
  return control ? control + COUNTS + (<usize>part << 4) : changetype<usize>(spareCounters);
}
const spareCounters = memory.data(16);

/**
 * Run step `code` (its arguments set with setArg) in `parts` parts: part 0 here, the others on
 * the pool's workers, and return when every part is done. One part, or no threads: in place.
 */
export function parallel(code: i32, parts: i32): void {
  if (!ASC_FEATURE_THREADS || parts <= 1 || !control) {
    runPart(code, 0, 1);
    return;
  }
  const c = control;
  atomic.store<i32>(c + PENDING, parts - 1);
  const gen = <u32>atomic.load<i64>(c + STEP) + 1;
  atomic.store<i64>(c + STEP, (<i64>code << 48) | (<i64>parts << 32) | <i64>gen); // publishes the arguments too
  atomic.notify(c + STEP, -1);
  runPart(code, 0, parts);
  let left = atomic.load<i32>(c + PENDING);
  for (let s = 0; left != 0 && s < SPIN; s++) left = atomic.load<i32>(c + PENDING);
  const waits = load<i32>(c + LEADER_WAITS) != 0;
  while (left != 0) {
    if (waits) memory.atomic.wait32(c + PENDING, left, -1);
    left = atomic.load<i32>(c + PENDING);
  }
  // a worker's part trapped (a bug): trap here too, so that the caller's guard sees it
  if (atomic.load<i32>(c + FAILED) != 0) unreachable();
}

/**
 * A worker's turn: wait for a generation after `seen`, take part `id` of its step if it has
 * that many parts, report, and return the generation (the worker's loop in JavaScript calls
 * again: returning lets V8 swap in the optimized code of a long-running loop). A worker that is
 * not needed may miss steps; one that is cannot, as the leader waits for it.
 */
export function workerStep(c: usize, id: i32, seen: i32): i32 {
  if (!ASC_FEATURE_THREADS) return seen;
  control = c;
  let step = atomic.load<i64>(c + STEP);
  for (let s = 0; <i32>step == seen && s < SPIN; s++) step = atomic.load<i64>(c + STEP);
  while (<i32>step == seen) {
    memory.atomic.wait32(c + STEP, seen, -1);
    step = atomic.load<i64>(c + STEP);
  }
  const parts = <i32>((step >> 32) & 0xffff);
  if (id < parts) {
    runPart(<i32>(step >>> 48), id, parts);
    if (atomic.sub<i32>(c + PENDING, 1) == 1) atomic.notify(c + PENDING, 1);
  }
  return <i32>step;
}

/** The generation last published (a new worker starts from it). */
export function generation(c: usize): i32 {
  if (!ASC_FEATURE_THREADS) return 0;
  return <i32>atomic.load<i64>(c + STEP);
}

/** [lo, hi) of part `part` of `n` items cut in `parts`, in multiples of `grain` but the last. */
// @ts-ignore: decorator
@inline export function rangeLo(n: i32, part: i32, parts: i32, grain: i32): i32 {
  const units = (n + grain - 1) / grain;
  return min(n, <i32>((<i64>units * part) / parts) * grain);
}
