// The one WebAssembly instance every 'wasm' model shares, loaded with @assemblyscript/loader
// from bytes inlined into the bundle (so Node and browsers load it the same way).
import { instantiate } from '@assemblyscript/loader';
import wasmBytes from '../../build/gradwasm.wasm';
import { Arena } from './arena.js';

type Ptr = number;

/** The exports of assembly/index.ts: the single-thread core and the threaded one. */
export type CoreExports = {
  memory: WebAssembly.Memory;
  heapBase(): Ptr;
  modelInit(m: Ptr, layers: number, inputs: number, s0: number, s1: number, s2: number, s3: number): void;
  modelSetBlocks(m: Ptr, params: Ptr, floats: number, packed: Ptr, blockRows: number): void;
  modelSetLevels(m: Ptr, levels: Ptr, count: number): void;
  modelSetLayer(m: Ptr, l: number, units: number, act: number, w: Ptr, b: Ptr, dw: Ptr, db: Ptr): void;
  modelSetOptimizer(m: Ptr, kind: number, p0: number, p1: number, p2: number, p3: number, p4: number, nesterov: boolean): void;
  modelSetLayerState(m: Ptr, l: number, s1w: Ptr, s1b: Ptr, s2w: Ptr, s2b: Ptr): void;
  modelSetWorkspace(m: Ptr, capacity: number, deltaA: Ptr, deltaB: Ptr, ones: Ptr, losses: Ptr): void;
  modelSetLayerOutput(m: Ptr, l: number, out: Ptr): void;
  modelSetLossRule(m: Ptr, on: boolean, restart: boolean): void;
  modelObserveLoss(m: Ptr, loss: number): void;
  modelResetStats(m: Ptr, pass: boolean): void;
  gradientsEnd(m: Ptr, rows: number): void;
  trainingState(m: Ptr): Ptr;
  trainingStateBytes(): number;
  epochBegin(m: Ptr, rows: number, shuffle: boolean, order: Ptr): void;
  // (w, wBatch, wCarry: the rows' weights, or 0 for none)
  trainBatches(m: Ptr, x: Ptr, y: Ptr, w: Ptr, rows: number, batchSize: number, first: number, count: number, lr: number, decay: number,
               shuffle: boolean, order: Ptr, xBatch: Ptr, yBatch: Ptr, wBatch: Ptr): number;
  trainRows(m: Ptr, x: Ptr, y: Ptr, w: Ptr, rows: number, batchSize: number, lr: number, decay: number, xCarry: Ptr, yCarry: Ptr, wCarry: Ptr): number;
  trainRowsEnd(m: Ptr, batchSize: number, lr: number, decay: number, xCarry: Ptr, yCarry: Ptr, wCarry: Ptr): number;
  gradients(m: Ptr, x: Ptr, y: Ptr, rows: number, before: number): void;
  evaluate(m: Ptr, x: Ptr, y: Ptr, rows: number, probabilities: Ptr): void;
  predict(m: Ptr, x: Ptr, rows: number, out: Ptr): void;
  lastStat(m: Ptr, i: number): number;
  firstNonFinite(x: Ptr, count: number): number;
  compactRows(x: Ptr, rows: number, cols: number, stride: number): number;
  standardize(x: Ptr, rows: number, cols: number, mean: Ptr, scale: Ptr): number;
};

/** Why a step shared between threads failed: a part trapped or threw on another thread, or a
 *  thread of the pool died in it; null when nothing failed but the caller's own thread. */
export type StepFailure = 'part' | 'death' | null;

/** The instance, its memory allocator, and helpers to copy in and out. */
export class Core<E extends CoreExports = CoreExports> {
  readonly arena: Arena;
  /** After an exception inside the core: wait until every thread has left the step it was in,
   *  and say whether another thread's part failed (the threaded core sets this). */
  settle: () => StepFailure = () => null;
  /** After every call into the core (the threaded core tends its pool here). */
  afterCall: () => void = () => undefined;

  constructor(readonly exports: E) {
    this.arena = new Arena(exports.memory, exports.heapBase());
  }

  /** A view of `length` floats at `ptr`, made now: never keep it across a call that may grow memory. */
  f32(ptr: Ptr, length: number): Float32Array {
    return new Float32Array(this.exports.memory.buffer, ptr, length);
  }

  /** Allocate a block holding a copy of `data`. */
  copyIn(data: Float32Array): Ptr {
    const ptr = this.arena.allocate(data.byteLength);
    this.f32(ptr, data.length).set(data);
    return ptr;
  }
}

let loading: Promise<Core> | undefined;

/** The shared core, instantiated on first use. */
export function loadCore(): Promise<Core> {
  loading ??= instantiate<CoreExports>(wasmBytes).then((result) => new Core(result.exports));
  return loading;
}
