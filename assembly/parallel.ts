// Threads over one shared memory (docs/architecture.md §6). The threaded build (asconfig.json's
// "threads" target: --enable threads, an imported shared memory) runs in several instances over
// one memory: the leader — whichever thread called into the core — and the pool's workers
// (src/backend/wasm/pool-script.ts), each parked in workerWait. A step is a fixed list of parts, cut by
// assembly/model.ts from the step's shape alone; the leader publishes it, rings the workers it
// uses, and every thread of the step takes parts until none is left: first from a range of its
// own, from the front, then what is left of the others' ranges, from their backs. So a thread
// mostly reads the rows it wrote in the step before (they stay in its core's cache), and a thread
// that another process slows down has its parts taken over. What a part computes, and where it
// writes, never depends on who takes it: the bits are the same for every thread count and every
// schedule. The leader waits for the parts others took, never for a thread to arrive; how many
// workers the steps use is chosen by timing them (choose, measure). The single-thread build never
// calls parallel: assembly/model.ts's share runs every step whole there.
import {
  FAILED_DEATH, FAILED_PART, FAULT_DEATH, MAX_THREADS, POOL_CHOSEN, POOL_LOST, POOL_RATE, POOL_READY, POOL_WANTED, STEP_ARGS_BYTES,
  THREAD_PARTS, THREAD_SLEEPS, THREAD_STEPS,
} from './contract';

/** Milliseconds from a monotonic clock (performance.now): how long waits last. */
// @ts-ignore: decorator
@external("env", "now") declare function now(): f64;

// The control block (bytes; its address a multiple of 64, so that the records and the ranges
// below each have cache lines of their own).
const DONE: usize = 0;           // i32: parts of the step finished (the line the threads of a step write at its end)
const FAILED: usize = 4;         // i32: why a part of the step did not finish (FAILED_…), else 0
const GENERATION: usize = 64;    // i32: the generation of the last step published (the leader's count)
const STARTED_AT: usize = 72;    // f64: when the last step was published
const FINISHED_AT: usize = 80;   // f64: when a worker finished the last part of step FINISHED_GEN
const FINISHED_GEN: usize = 88;  // i32
const LEADER_WAITS: usize = 92;  // i32: 1 when the leader may block (not a browser's main thread)
const CORES: usize = 96;         // i32: the machine's cores: a step wakes at most CORES − 1 workers
const READY: usize = 100;        // i32: workers started and waiting for steps: ids 1…READY
const WANTED: usize = 104;       // i32: workers the steps have asked for (src/backend/wasm/threads.ts grows the pool to it)
const LOST: usize = 108;         // i32: 1 once a worker died: the pool is replaced after the call
const RETIRED: usize = 112;      // i32: 1 when the pool is shut down: its workers leave
const FAULT: usize = 116;        // i32: tests: parts that workers run before the injected fault (0: none)
const FAULT_KIND: usize = 120;   // i32: tests: what the fault does (FAULT_TRAP, FAULT_DEATH)
const INJECTED: usize = 124;     // i32: tests: set when the fault fires
const ARGS: usize = 128;         // the step's arguments, STEP_ARGS_BYTES (assembly/contract.ts: …Args)
const OPEN: usize = ARGS + STEP_ARGS_BYTES; // i32: the generation of a step published and not yet seen through (0: none)
// How many workers the steps use, chosen by measuring (see choose below):
const CHOSEN: usize = 212;       // i32: the helpers the steps use, −1 before the first choice
const PLAYING: usize = 216;      // i32: the helpers the steps of this window use (the choice, or a neighbour on trial)
const STAY: usize = 220;         // i32: windows left before the next trial
const DOWN: usize = 224;         // i32: 1 when the next trial uses fewer helpers, 0 more
const WINDOW_STEPS: usize = 228; // i32: shared steps measured in this window
const FIXED: usize = 232;        // i32: tests: 1 + the helpers every step uses, the choice aside (0: choose)
const WINDOW_TIME: usize = 240;  // f64: their time (ms)
const WINDOW_WORK: usize = 248;  // f64: their work (multiply-adds, as assembly/model.ts counts them)
// A record per thread id (0: the leader), RECORD bytes: a first cache line that the leader writes
// as it publishes a step — all a worker needs to read of it but the arguments — and that thieves
// read; then a line the thread keeps to itself.
const RECORDS: usize = 256;
const RANGE: usize = 0;          //   i64: the thread's range of the step's parts: its generation (bits 32–63), the next part from the front (16–31), the end (0–15)
const BELL: usize = 8;           //   i32: the generation of the last step that rang this worker
const SLEEPING: usize = 12;      //   i32: 1 while it blocks
const SHAPE: usize = 16;         //   i32: the step's parts (bits 16–31) and ranges (0–15)
const STEP_CODE: usize = 20;     //   i32: the step's code
const IN_STEP: usize = 64;       //   i32: the generation whose parts it takes, 0 when none
const BUSY: usize = 68;          //   i32: 1 while it runs a part
const UNCOUNTED: usize = 72;     //   i32: parts it ran but has not yet added to DONE (it adds them all at once)
const DEAD: usize = 76;          //   i32: its thread died (set by the pool's keeper)
const STEPS: usize = 80;         //   i32: steps it joined in time  } statistics, for tests and
const PARTS_RUN: usize = 84;     //   i32: parts it ran             } the benchmark (poolStat)
const SLEEPS: usize = 88;        //   i32: waits that had to block  }
const YIELD: usize = 92;         //   i32: 1 after it woke the blocked leader: its next wait blocks at once
const SPIN: usize = 96;          //   f64: how long it spins before it blocks (ms), adapted to its waits
const RECORD: usize = 128;
/** Parts a step may be cut into (each has counters of its own). */
export const MAX_PARTS: i32 = 64;
const COUNTS: usize = RECORDS + <usize>MAX_THREADS * RECORD; // i32 × 4 per part
const RATES: usize = COUNTS + <usize>MAX_PARTS * 16;           // f64 per number of helpers: ms per multiply-add, smoothed (0: not measured)
const CONTROL_BYTES: usize = RATES + <usize>MAX_PARTS * 8;

// Why a step failed (FAILED_…), the faults tests inject (FAULT_…), poolStat's questions (POOL_…,
// THREAD_…) and MAX_THREADS are the contract with src/backend/wasm/threads.ts: assembly/contract.ts.

// Spinning (ms). A thread that waits spins first — steps come microseconds apart while a model
// trains, and waking a blocked thread costs tens of them — but only while that pays: each thread
// adapts its own limit to the waits it meets (adapt below). SPIN_LONG is about what blocking and
// waking again costs: a wait longer than that is never worth spinning through.
const SPIN_FIRST: f64 = 0.05;
const SPIN_LEAST: f64 = 0.001;
const SPIN_LONG: f64 = 0.2;
/** A blocked leader looks again this often (ns), so that a thread's death is seen even if its wake-up is lost. */
const LOOK_AGAIN_NS: i64 = 2_000_000;

/** This instance's control block (0: none, one thread). */
let control: usize = 0;

// @ts-ignore: decorator
@inline function record(c: usize, id: i32): usize { return c + RECORDS + <usize>id * RECORD; }

export function controlBytes(): usize {
  return CONTROL_BYTES;
}

/** Use the zeroed control block at `c`; `leaderWaits`: whether this thread may block while it
 *  waits for the workers (false on a browser's main thread, which spins instead); `cores`: the
 *  machine's, which bound the workers a step wakes (more could only wait for a core). */
export function threadsInit(c: usize, leaderWaits: bool, cores: i32): void {
  control = c;
  store<i32>(c + LEADER_WAITS, leaderWaits ? 1 : 0);
  store<i32>(c + CORES, max(1, cores));
  store<i32>(c + CHOSEN, -1);
  store<f64>(record(c, 0) + SPIN, SPIN_FIRST);
}

/** The arguments of the step being set up (by its caller) or run (by each of its parts): the step's
 *  struct of assembly/contract.ts (STEP_FORWARD: ForwardArgs, …) over the control block's ARGS. */
// @ts-ignore: decorator
@inline export function stepArgs<T>(): T { return changetype<T>(control + ARGS); }

/** Part `part`'s counters (i32 × 4), or a spare row when there are no threads (one part). */
export function counters(part: i32): usize {
  return control ? control + COUNTS + (<usize>part << 4) : changetype<usize>(spareCounters);
}
const spareCounters = memory.data(16);

/** What a part of a step computes: `run(code, part, parts)` runs part `part` of step `code` cut in
 *  `parts`, with the arguments in stepArgs. The caller of parallel — and a worker's entry point —
 *  hands it in (assembly/model.ts's runPart), so that the scheduler knows nothing of models. */
export type PartRunner = (code: i32, part: i32, parts: i32) => void;

/**
 * Run step `code` (its arguments set in stepArgs) with `run`, cut in `parts` parts and about `work`
 * multiply-adds, for a model of `threads` threads; return when every part is done, with how many
 * parts ran (the loss step adds up their counters). The leader rings the workers the step uses
 * (choose below; never more than threads − 1, the cores − 1, the parts − 1, nor the ready
 * workers) and takes parts with them. Without workers, the step runs here whole.
 */
export function parallel(code: i32, parts: i32, threads: i32, work: i64, run: PartRunner): i32 {
  const c = control;
  // (a step that an exception left open — its settling may have failed too, short of stack — is
  // seen through before anything else is computed: no worker may still write into memory)
  if (c && load<i32>(c + OPEN)) settle(c);
  if (!c || parts <= 1) return inPlace(code, run);
  const useful = min(threads, load<i32>(c + CORES)) - 1;
  if (atomic.load<i32>(c + WANTED) < useful) atomic.store<i32>(c + WANTED, useful); // (the pool grows after this call)
  const ready = min(useful, atomic.load<i32>(c + READY));
  if (ready <= 0 || atomic.load<i32>(c + LOST)) return inPlace(code, run);
  const chosen = choose(c, ready);
  const helpers = min(chosen, parts - 1);
  const start = now();
  store<f64>(c + STARTED_AT, start);
  let ran = 1, end: f64 = 0;
  if (helpers > 0) {
    ran = parts;
    end = share(c, code, parts, helpers, run);
  } else {
    inPlace(code, run);
    end = now();
  }
  if (helpers == chosen && !load<i32>(c + FIXED)) measure(c, ready, end - start, <f64>work);
  return ran;
}

/** The step run here, whole: the same bits as in parts. */
function inPlace(code: i32, run: PartRunner): i32 {
  run(code, 0, 1);
  return 1;
}

/** The step shared between the leader and `helpers` workers, in `parts` parts. Returns when it
 *  ended (now()). */
function share(c: usize, code: i32, parts: i32, helpers: i32, run: PartRunner): f64 {
  let gen = load<i32>(c + GENERATION) + 1;
  if (gen <= 0) gen = 1;
  const ranges = helpers + 1;
  store<i32>(c + GENERATION, gen);
  store<i32>(c + OPEN, gen);
  atomic.store<i32>(c + DONE, 0);
  for (let id = 0; id < ranges; id++) {
    const r = record(c, id);
    store<i32>(r + SHAPE, (parts << 16) | ranges);
    store<i32>(r + STEP_CODE, code);
    // (publishes the shape, the code and the arguments with it)
    atomic.store<i64>(r + RANGE, (<i64>gen << 32) | (<i64>rangeLo(parts, id, ranges, 1) << 16) | <i64>rangeLo(parts, id + 1, ranges, 1));
    if (id) ring(r, gen);
  }
  takeParts(c, 0, gen, run);
  const end = awaitParts(c, gen, parts);
  // a part did not finish: trap here, so that the caller's guard marks the model broken (src/backend/wasm/wasm-backend.ts)
  if (atomic.load<i32>(c + FAILED)) unreachable();
  store<i32>(c + OPEN, 0);
  return end;
}

// How many workers the steps use is chosen by measuring, so that threads never make a model
// slower than one thread: a thread that another process keeps from its core holds a step as long
// as it holds one of its parts, and no rule about spinning or waking makes up for that. Shared
// steps are timed in windows of WINDOW steps, and each number of helpers keeps its time per
// multiply-add, smoothed over the windows it ran (the windows see the same steps in turn, so the
// figures compare). The steps use the number with the best figure; now and then a window tries a
// neighbour — half as many helpers, or twice as many (one, from none), in turn — to keep its
// figure fresh: the larger the gap it showed, the later (a trial costs that gap), between
// STAY_LEAST and STAY_MOST windows. The bits never depend on any of it.
const WINDOW: i32 = 64;
const STAY_LEAST: i32 = 2, STAY_MOST: i32 = 128;
/** Another number of helpers is taken only when its figure is better by more than this. */
const MARGIN: f64 = 0.97;

// @ts-ignore: decorator
@inline function rate(c: usize, helpers: i32): usize { return c + RATES + (<usize>helpers << 3); }

/** The helpers the next step uses: those of this window (at first: all there are). */
function choose(c: usize, ready: i32): i32 {
  const fixed = load<i32>(c + FIXED);
  if (fixed) return min(fixed - 1, ready);
  if (load<i32>(c + CHOSEN) < 0) {
    store<i32>(c + CHOSEN, ready);
    store<i32>(c + PLAYING, ready);
    store<i32>(c + STAY, STAY_LEAST);
    store<i32>(c + DOWN, 1);
  }
  return min(load<i32>(c + PLAYING), ready);
}

/** A shared step took `ms` for `work`: at the end of a window, the figures and the choice. */
function measure(c: usize, ready: i32, ms: f64, work: f64): void {
  store<f64>(c + WINDOW_TIME, load<f64>(c + WINDOW_TIME) + ms);
  store<f64>(c + WINDOW_WORK, load<f64>(c + WINDOW_WORK) + work);
  const steps = load<i32>(c + WINDOW_STEPS) + 1;
  if (steps < WINDOW) {
    store<i32>(c + WINDOW_STEPS, steps);
    return;
  }
  const measured = load<f64>(c + WINDOW_TIME) / max(1.0, load<f64>(c + WINDOW_WORK));
  store<i32>(c + WINDOW_STEPS, 0);
  store<f64>(c + WINDOW_TIME, 0);
  store<f64>(c + WINDOW_WORK, 0);
  const played = min(load<i32>(c + PLAYING), ready);
  const before = load<f64>(rate(c, played));
  store<f64>(rate(c, played), before > 0 ? (before + measured) / 2 : measured);
  // the best figure among the choice and its neighbours
  const was = min(load<i32>(c + CHOSEN), ready);
  let chosen = was;
  const down = was >> 1, up = was == 0 ? 1 : min(ready, was << 1);
  if (better(c, down, chosen)) chosen = down;
  if (better(c, up, chosen)) chosen = up;
  store<i32>(c + CHOSEN, chosen);
  if (played != was || chosen != was) {
    // after a trial, or a change: the next trial when the gap seen makes it worth its cost
    const loser = played == chosen ? was : played;
    const gap = load<f64>(rate(c, loser)) / load<f64>(rate(c, chosen)) - 1;
    store<i32>(c + STAY, <i32>min(<f64>STAY_MOST, max(<f64>STAY_LEAST, 100 * gap)));
    store<i32>(c + PLAYING, chosen);
    return;
  }
  const stay = load<i32>(c + STAY) - 1;
  store<i32>(c + STAY, stay);
  if (stay > 0 || down == up) return;
  // a trial: fewer helpers and more, in turn, where there are such
  let fewer = load<i32>(c + DOWN) != 0;
  if (chosen == 0) fewer = false;
  if (chosen >= ready) fewer = true;
  store<i32>(c + DOWN, fewer ? 0 : 1);
  store<i32>(c + PLAYING, fewer ? down : up);
}

/** Whether `helpers` has a figure better (by the margin) than `than`'s. */
function better(c: usize, helpers: i32, than: i32): bool {
  const a = load<f64>(rate(c, helpers)), b = load<f64>(rate(c, than));
  return helpers != than && a > 0 && (b <= 0 || a < b * MARGIN);
}

/** Tell the worker of record `r` that step `gen` wants it; a system call only if it is blocked. */
function ring(r: usize, gen: i32): void {
  atomic.store<i32>(r + BELL, gen);
  if (atomic.load<i32>(r + SLEEPING)) atomic.notify(r + BELL, 1);
}

/** Thread `id` takes parts of step `gen` until none is left (or the step is over): its own range
 *  from the front, then the others' from their backs, the next thread's first. It adds the parts
 *  it ran to DONE once, at the end (DONE's line is the one every thread of the step writes). */
function takeParts(c: usize, id: i32, gen: i32, run: PartRunner): void {
  const r = record(c, id);
  if (<i32>(atomic.load<i64>(r + RANGE) >>> 32) != gen) return;
  const shape = load<i32>(r + SHAPE), code = load<i32>(r + STEP_CODE);
  const parts = shape >>> 16, ranges = shape & 0xffff;
  store<i32>(r + STEPS, load<i32>(r + STEPS) + 1);
  let ran = 0;
  // (BUSY and UNCOUNTED are read by this thread alone, after a trap: plain stores, no fence)
  for (let k = 0; k < ranges; k++) {
    const at = record(c, (id + k) % ranges) + RANGE;
    for (;;) {
      const part = k == 0 ? takeFront(at, gen) : takeBack(at, gen);
      if (part < 0) break;
      store<i32>(r + BUSY, 1);
      if (id != 0) injectFault(c);
      run(code, part, parts);
      store<i32>(r + PARTS_RUN, load<i32>(r + PARTS_RUN) + 1);
      store<i32>(r + UNCOUNTED, ++ran);
      store<i32>(r + BUSY, 0);
    }
  }
  if (!ran) return;
  store<i32>(r + UNCOUNTED, 0);
  if (atomic.add<i32>(c + DONE, ran) + ran == parts && id != 0) lastPartDone(c, gen, id);
}

/** The next part at the front of the range at `at` for step `gen`, or −1 when it has none left. */
function takeFront(at: usize, gen: i32): i32 {
  for (;;) {
    const w = atomic.load<i64>(at);
    const front = <i32>((w >>> 16) & 0xffff);
    if (<i32>(w >>> 32) != gen || front >= <i32>(w & 0xffff)) return -1;
    if (atomic.cmpxchg<i64>(at, w, w + 0x10000) == w) return front;
  }
  return -1; // (unreached)
}

/** The last part of the range at `at` for step `gen`, or −1 when it has none left. */
function takeBack(at: usize, gen: i32): i32 {
  for (;;) {
    const w = atomic.load<i64>(at);
    const end = <i32>(w & 0xffff);
    if (<i32>(w >>> 32) != gen || <i32>((w >>> 16) & 0xffff) >= end) return -1;
    if (atomic.cmpxchg<i64>(at, w, w - 1) == w) return end - 1;
  }
  return -1; // (unreached)
}

/** Worker `id` finished a step's last part: if the leader blocks, say when, and wake it — then
 *  the worker's next wait blocks at once: the leader blocked because a part took long (its thread
 *  had no core, most likely), and now needs a core to go on. (A leader that spins sees the end itself.) */
function lastPartDone(c: usize, gen: i32, id: i32): void {
  if (!atomic.load<i32>(record(c, 0) + SLEEPING)) return;
  store<f64>(c + FINISHED_AT, now());
  atomic.store<i32>(c + FINISHED_GEN, gen);
  atomic.notify(c + DONE, 1);
  store<i32>(record(c, id) + YIELD, 1);
}

/** The leader, out of parts to take: wait for those others took — spinning while that pays,
 *  then blocking (a browser's main thread only spins) — or give the step up if a thread died in
 *  it. Returns when the wait ended (now()). */
function awaitParts(c: usize, gen: i32, parts: i32): f64 {
  if (atomic.load<i32>(c + DONE) == parts) return now();
  const me = record(c, 0);
  const waits = load<i32>(c + LEADER_WAITS) != 0;
  const start = now(), limit = load<f64>(me + SPIN);
  let blocked = false;
  while (atomic.load<i32>(c + DONE) != parts) {
    if (lostIn(c, gen)) return abandon(c, gen);
    if (waits && now() - start > limit) {
      blocked = true;
      break;
    }
    for (let i = 0; i < 64 && atomic.load<i32>(c + DONE) != parts; i++) {}
  }
  if (blocked) {
    atomic.store<i32>(me + SLEEPING, 1);
    for (let done = atomic.load<i32>(c + DONE); done != parts; done = atomic.load<i32>(c + DONE)) {
      if (lostIn(c, gen)) {
        atomic.store<i32>(me + SLEEPING, 0);
        return abandon(c, gen);
      }
      memory.atomic.wait32(c + DONE, done, LOOK_AGAIN_NS);
    }
    atomic.store<i32>(me + SLEEPING, 0);
    store<i32>(me + SLEEPS, load<i32>(me + SLEEPS) + 1);
  }
  const end = now();
  adapt(me, (blocked && atomic.load<i32>(c + FINISHED_GEN) == gen ? load<f64>(c + FINISHED_AT) : end) - start);
  return end;
}

/**
 * After a wait that lasted `needed` ms, the thread's spin limit: unchanged when the wait ended
 * while it spun; raised to cover it when it ended soon after the thread blocked (spinning a little
 * longer would have paid); halved when it was longer than blocking and waking cost — the thread
 * waited for had no core, or there was no work: spinning through such waits only takes a core
 * from the threads that have work.
 */
function adapt(r: usize, needed: f64): void {
  const limit = load<f64>(r + SPIN);
  if (needed <= limit) return;
  store<f64>(r + SPIN, needed <= SPIN_LONG ? min(SPIN_LONG, 2 * needed) : max(SPIN_LEAST, limit / 2));
}

/** Whether a worker that was in step `gen` died (its parts may never finish). */
function lostIn(c: usize, gen: i32): bool {
  if (!atomic.load<i32>(c + LOST)) return false;
  for (let id = 1, n = atomic.load<i32>(c + READY); id <= n; id++) {
    const r = record(c, id);
    if (atomic.load<i32>(r + DEAD) && atomic.load<i32>(r + IN_STEP) == gen) return true;
  }
  return false;
}

/** Step `gen` cannot finish: hand out no more of its parts, wait until every live thread has
 *  left it, and mark it failed (the leader then traps). Returns when (now()). */
function abandon(c: usize, gen: i32): f64 {
  close(c, gen);
  awaitWorkersOut(c, gen);
  atomic.store<i32>(c + FAILED, FAILED_DEATH);
  return now();
}

/** No part of step `gen` is handed out any more: every range is emptied. */
function close(c: usize, gen: i32): void {
  for (let id = 0, n = atomic.load<i32>(c + READY); id <= n; id++) {
    const at = record(c, id) + RANGE;
    for (;;) {
      const w = atomic.load<i64>(at);
      if (<i32>(w >>> 32) != gen || atomic.cmpxchg<i64>(at, w, <i64>gen << 32) == w) break;
    }
  }
}

/** Until every worker still alive has left step `gen` (it takes no new part once the step is closed). */
function awaitWorkersOut(c: usize, gen: i32): void {
  const waits = load<i32>(c + LEADER_WAITS) != 0;
  for (let id = 1, n = atomic.load<i32>(c + READY); id <= n; id++) {
    const r = record(c, id);
    while (!atomic.load<i32>(r + DEAD) && atomic.load<i32>(r + IN_STEP) == gen) {
      if (waits) memory.atomic.wait32(r + IN_STEP, gen, 100_000);
    }
  }
}

/**
 * After an exception in the leader while it was inside the core (a trap, a stack overflow), or
 * the trap of a failed step: no part of the last step is handed out any more, and every worker
 * has left it. Returns why the step failed (FAILED_PART, FAILED_DEATH; 0: the leader's own
 * exception), and forgets it.
 */
export function threadsSettle(c: usize): i32 {
  if (!ASC_FEATURE_THREADS) return 0;
  return settle(c);
}

function settle(c: usize): i32 {
  const gen = load<i32>(c + OPEN);
  if (gen) {
    close(c, gen);
    awaitWorkersOut(c, gen);
    store<i32>(c + OPEN, 0);
  }
  return atomic.xchg<i32>(c + FAILED, 0);
}

/** Tests: every step uses `helpers` workers (as many as are ready), whatever choose() would
 *  choose; −1: choose again. */
export function threadsFixHelpers(c: usize, helpers: i32): void {
  if (!ASC_FEATURE_THREADS) return;
  store<i32>(c + FIXED, helpers + 1);
}

/** Tests: the `afterParts`-th part that workers run from now on fails (FAULT_TRAP: it traps;
 *  FAULT_DEATH: it traps and its thread then dies without a word). */
export function threadsInjectFault(c: usize, kind: i32, afterParts: i32): void {
  if (!ASC_FEATURE_THREADS) return;
  atomic.store<i32>(c + FAULT_KIND, kind);
  atomic.store<i32>(c + FAULT, afterParts);
}

// @ts-ignore: decorator
@inline function injectFault(c: usize): void {
  if (!atomic.load<i32>(c + FAULT) || atomic.sub<i32>(c + FAULT, 1) != 1) return;
  atomic.store<i32>(c + INJECTED, 1);
  unreachable();
}

/** What src/backend/wasm/threads.ts reads of the pool (`what`: POOL_…), and the statistics of thread `id` (THREAD_…). */
export function poolStat(c: usize, id: i32, what: i32): f64 {
  if (!ASC_FEATURE_THREADS) return 0;
  const r = record(c, id);
  switch (what) {
    case POOL_WANTED: return <f64>atomic.load<i32>(c + WANTED);
    case POOL_READY: return <f64>atomic.load<i32>(c + READY);
    case POOL_LOST: return <f64>atomic.load<i32>(c + LOST);
    case THREAD_STEPS: return <f64>load<i32>(r + STEPS);
    case THREAD_PARTS: return <f64>load<i32>(r + PARTS_RUN);
    case THREAD_SLEEPS: return <f64>load<i32>(r + SLEEPS);
    case POOL_CHOSEN: return <f64>load<i32>(c + CHOSEN);
    case POOL_RATE: return load<f64>(rate(c, id)); // (id: a number of helpers)
    default: return load<f64>(r + SPIN); // THREAD_SPIN
  }
}

// A worker's side (src/backend/wasm/pool-script.ts runs it): workerJoin once, then for ever workerWait
// for its bell and workerRun the step it rang for; workerFailed when a run threw.

/** Worker `id` is ready: steps from now on may ring it. Returns the bell it starts from. */
export function workerJoin(c: usize, id: i32): i32 {
  if (!ASC_FEATURE_THREADS) return 0;
  control = c;
  const r = record(c, id);
  store<f64>(r + SPIN, SPIN_FIRST);
  const bell = atomic.load<i32>(r + BELL);
  if (atomic.load<i32>(c + READY) < id) atomic.store<i32>(c + READY, id); // (workers start one after another)
  return bell;
}

/** Wait until a step rings worker `id` (its bell is no longer `seen`): spin while that pays, then
 *  block. Returns the step's generation, or −1 when the pool is retired. */
export function workerWait(c: usize, id: i32, seen: i32): i32 {
  if (!ASC_FEATURE_THREADS) return -1;
  const r = record(c, id);
  let bell = atomic.load<i32>(r + BELL);
  if (bell == seen) {
    const start = now(), limit = atomic.xchg<i32>(r + YIELD, 0) ? 0 : load<f64>(r + SPIN);
    while (bell == seen && now() - start <= limit) {
      for (let i = 0; i < 64 && (bell = atomic.load<i32>(r + BELL)) == seen; i++) {}
    }
    if (bell == seen) {
      atomic.store<i32>(r + SLEEPING, 1);
      while ((bell = atomic.load<i32>(r + BELL)) == seen) memory.atomic.wait32(r + BELL, seen, -1);
      atomic.store<i32>(r + SLEEPING, 0);
      store<i32>(r + SLEEPS, load<i32>(r + SLEEPS) + 1);
    }
    // (a later step's start, if this one woke late: then the wait counts as a long one)
    adapt(r, load<f64>(c + STARTED_AT) - start);
  }
  return atomic.load<i32>(c + RETIRED) ? -1 : bell;
}

/** Worker `id` takes parts of step `gen` until none is left, running each with `run`. */
export function workerRun(c: usize, id: i32, gen: i32, run: PartRunner): void {
  if (!ASC_FEATURE_THREADS) return;
  const r = record(c, id);
  atomic.store<i32>(r + IN_STEP, gen);
  takeParts(c, id, gen, run);
  atomic.store<i32>(r + IN_STEP, 0);
}

/** Worker `id`'s workerRun threw (a trap, a stack overflow): its parts count as done and the
 *  step as failed, so that the leader stops waiting and traps. Returns true when the fault was
 *  an injected death (tests): the thread then dies instead, and its keeper reports it. */
export function workerFailed(c: usize, id: i32): bool {
  if (!ASC_FEATURE_THREADS) return false;
  if (atomic.xchg<i32>(c + INJECTED, 0) && atomic.load<i32>(c + FAULT_KIND) == FAULT_DEATH) return true;
  const r = record(c, id);
  if (!atomic.load<i32>(r + IN_STEP)) return false;
  atomic.store<i32>(c + FAILED, FAILED_PART);
  const failed = load<i32>(r + BUSY) + load<i32>(r + UNCOUNTED);
  store<i32>(r + BUSY, 0);
  store<i32>(r + UNCOUNTED, 0);
  const parts = load<i32>(r + SHAPE) >>> 16;
  if (failed && atomic.add<i32>(c + DONE, failed) + failed == parts) atomic.notify(c + DONE, 1);
  atomic.store<i32>(r + IN_STEP, 0);
  return false;
}

/** The pool's keeper saw worker `id`'s thread end: a step it was in is given up, and the pool
 *  is replaced after the leader's call. */
export function workerDied(c: usize, id: i32): void {
  if (!ASC_FEATURE_THREADS) return;
  atomic.store<i32>(record(c, id) + DEAD, 1);
  atomic.store<i32>(c + LOST, 1);
  atomic.notify(c + DONE, -1);
}

/** Shut the pool down: every worker's wait returns −1, and it leaves. */
export function threadsRetire(c: usize): void {
  if (!ASC_FEATURE_THREADS) return;
  atomic.store<i32>(c + RETIRED, 1);
  for (let id = 1; id < MAX_THREADS; id++) {
    const r = record(c, id);
    atomic.add<i32>(r + BELL, 1);
    atomic.notify(r + BELL, -1);
  }
}

/** [lo, hi) of part `part` of `n` items cut in `parts`, in multiples of `grain` but the last. */
// @ts-ignore: decorator
@inline export function rangeLo(n: i32, part: i32, parts: i32, grain: i32): i32 {
  const units = (n + grain - 1) / grain;
  return min(n, <i32>((<i64>units * part) / parts) * grain);
}
