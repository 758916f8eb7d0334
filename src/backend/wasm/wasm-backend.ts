// The 'wasm' backend: allocates the blocks that src/backend/plan.ts sizes, copies rows in, and
// calls the core (assembly/) for runs of batches and for passes, a bounded chunk of rows at a
// time. Every call into the core goes through call(): a WebAssembly trap (which the plan is
// there to make impossible) marks this model broken and becomes a GradwasmError, instead of
// reaching the caller as a RuntimeError or leaving other models to run on damaged memory.
import type { Architecture, LayerParameters, TrainingState } from '../../network/architecture.js';
import type { Backend, Dataset, MakeTrainer, Snapshot, Trainer } from '../backend.js';
import type { PassStats } from '../../metrics/classification.js';
import type { Matrix } from '../../data/matrix.js';
import { BrokenModelError } from '../../core/errors.js';
import { activationCode } from '../../network/layers.js';
import { headOf } from '../../heads/index.js';
import type { RngState } from '../../core/prng.js';
import { Core, loadCore, type StepFailure } from './core.js';
import {
  HEAD_CODE,
  LOSS_REFERENCE,
  POWERS,
  RECENT_LOSS,
  RNG,
  STAT_COUNTS,
  STAT_LOSS_SUM,
  STAT_PASS,
  TRAINING_STATE,
  TRAINING_STATE_BYTES,
} from './contract.js';
import type { ThreadedExports } from './threads.js';
import { blockRows, levelBytes, levelCount, planModel, workspaceLayout, type LayerPlan, type ModelPlan } from '../plan.js';

export interface WasmDataset extends Dataset {
  readonly x: number;
  readonly y: number;
  /** rows f32: the rows' weights, or 0 for none. */
  readonly w: number;
  /** rows u32 for the shuffled order, or 0 when the epochs read the rows in place. */
  readonly order: number;
  /** The gathered rows of a shuffled batch: min(batch, chunk) rows (never fewer than the workspace
   *  runs at once, see loadFit), their labels and weights (0 for none). */
  readonly xBatch: number;
  readonly yBatch: number;
  readonly wBatch: number;
  /** rows × the head's width floats for evaluate()'s outputs (validation data), else 0. */
  readonly probabilities: number;
  shuffled: boolean;
}

export interface WasmSnapshot extends Snapshot {
  readonly parameters: Float32Array;
  readonly state: Float32Array | null;
  readonly training: Uint8Array;
}

/** The core a model of `threads` threads lives in: the single-thread one, or the threaded one
 *  (loaded, and its pool grown, on first need). */
async function coreFor(threads: number): Promise<Core> {
  if (threads <= 1) return loadCore();
  const { loadThreadedCore } = await import('./threads.js');
  return loadThreadedCore((exports) => new Core(exports));
}

/** Throw unless a model of this architecture fits the WebAssembly memory left (before its weights are drawn). */
export async function checkWasmModel(architecture: Architecture, argument: string, threads: number): Promise<void> {
  const plan = planModel(architecture);
  (await coreFor(threads)).arena.check([plan.descriptorBytes, plan.blockBytes], argument, modelPurpose(architecture));
}

export async function createWasmBackend(architecture: Architecture, parameters: readonly LayerParameters[], rng: RngState, threads: number): Promise<Backend> {
  return new WasmBackend(await coreFor(threads), architecture, parameters, rng, threads);
}

export class WasmBackend implements Backend {
  readonly plan: ModelPlan;
  readonly inputs: number;
  readonly model: number;
  /** The parameters, then their gradients in the same layout, then the scratch of a transposed kernel. */
  readonly block: number;
  /** The optimizer's state, laid out as the parameters (one or two such blocks), or 0 for SGD. */
  stateBlock = 0;
  stateCopies = 0;
  private workspace = 0;
  private capacity = 0;
  /** The staging block of small passes (SMALL_CALL_BYTES), kept like the workspace once made; 0 before, or while a pass uses it. */
  private kept = 0;
  /** Why the model cannot be used any more (a trap in the core), or null. */
  private broken: string | null = null;
  private disposed = false;
  /** The training half (src/backend/wasm/trainer.ts), loaded with the training code on first need. */
  private trainerObject: Trainer | null = null;

  constructor(
    readonly core: Core,
    architecture: Architecture,
    parameters: readonly LayerParameters[],
    rng: RngState,
    threads: number,
  ) {
    const plan = planModel(architecture);
    this.plan = plan;
    this.inputs = architecture.inputs;
    const count = architecture.layers.length;
    const [model, block] = core.arena.allocateAll([plan.descriptorBytes, plan.blockBytes], 'options.layers', modelPurpose(architecture));
    this.model = model!;
    this.block = block!;
    const floats = plan.parameterFloats;
    core.f32(this.block, 2 * floats).fill(0); // the padding between layers is scanned for non-finite values
    this.call((wasm) => {
      wasm.modelInit(this.model, count, architecture.inputs, HEAD_CODE[headOf('layers', architecture.layers).name], ...rng);
      wasm.modelSetBlocks(this.model, this.block, floats, this.block + 8 * floats, blockRows(plan));
      if (threads > 1) (wasm as ThreadedExports).modelSetThreads(this.model, threads);
      architecture.layers.forEach(({ units, activation }, l) => {
        const o = plan.layers[l]!;
        wasm.modelSetLayer(
          this.model,
          l,
          units,
          activationCode(activation),
          this.at(o.weights),
          this.at(o.bias),
          this.at(floats + o.weights),
          this.at(floats + o.bias),
        );
      });
    });
    this.setParameters(parameters);
  }

  /** The address of float `offset` of the block. */
  private at(offset: number): number {
    return this.block + 4 * offset;
  }

  /**
   * Run `work` on the core's exports. Any exception from inside it — a trap, a stack overflow, a
   * part that failed on another thread — may have left the model's memory half-written: the step
   * is settled (no thread is left in it), the model is marked broken, and a GradwasmError says why.
   */
  call<T>(work: (wasm: Core['exports']) => T): T {
    this.usable();
    try {
      return work(this.core.exports);
    } catch (error) {
      // Broken first, with no call: a stack overflow may leave no room for one. Then the step is
      // settled and the cause told — or, out of stack again, the core sees the step through
      // before its next one, and the caller gets the RangeError.
      this.broken = 'the WebAssembly core was interrupted in the middle of a call';
      try {
        this.broken = stopped(error, this.core.settle());
      } catch {
        /* as said */
      }
      throw new BrokenModelError('model', `${this.broken}: ${BROKEN_ADVICE}`, { disposed: false });
    } finally {
      try {
        this.core.afterCall();
      } catch {
        /* (out of stack as above: the next call tends the pool) */
      }
    }
  }

  /** Throw unless the model may still go into the core: not disposed, not broken. */
  usable(): void {
    if (this.disposed) throw new BrokenModelError('model', 'this model was disposed: its memory has been freed', { disposed: true });
    if (this.broken !== null)
      throw new BrokenModelError('model', `this model is broken: an earlier call failed (${this.broken}); ${BROKEN_ADVICE}`, { disposed: false });
  }

  setParameters(parameters: readonly LayerParameters[]): void {
    this.usable();
    this.plan.layers.forEach((o, l) => {
      this.core.f32(this.at(o.weights), o.weightCount).set(parameters[l]!.weights);
      this.core.f32(this.at(o.bias), o.units).set(parameters[l]!.bias);
    });
  }

  getParameters(): LayerParameters[] {
    this.usable();
    return this.read(0);
  }

  /** Every layer's kernel and bias from a block laid out as the parameters, at float `offset`
   *  (in the parameter block: 0 the parameters, parameterFloats their gradients). */
  read(offset: number, block = this.block): LayerParameters[] {
    const at = (o: number): number => block + 4 * (offset + o);
    return this.plan.layers.map((o: LayerPlan) => ({
      weights: this.core.f32(at(o.weights), o.weightCount).slice(),
      bias: this.core.f32(at(o.bias), o.units).slice(),
    }));
  }

  /**
   * Blocks of these sizes and a workspace of at least min(rows, chunk) rows — all or none (a
   * GradwasmError naming `argument` says that `purpose` does not fit). The workspace only
   * grows, and never past one chunk: a pass over more rows runs through it.
   */
  reserve(rows: number, sizes: number[], argument: string, purpose: string): number[] {
    this.usable();
    const capacity = Math.min(rows, this.plan.chunkRows);
    const layout = capacity > this.capacity ? workspaceLayout(this.plan, capacity) : null;
    const arena = this.core.arena;
    const blocks = arena.allocateAll(layout ? [layout.bytes, ...sizes] : sizes, argument, purpose);
    if (!layout) return blocks;
    const workspace = blocks.shift()!;
    if (this.workspace) arena.release(this.workspace);
    this.workspace = workspace;
    this.capacity = capacity;
    this.call((wasm) => {
      wasm.modelSetWorkspace(this.model, capacity, workspace + layout.deltaA, workspace + layout.deltaB, workspace + layout.ones, workspace + layout.losses);
      layout.outputs.forEach((offset, l) => wasm.modelSetLayerOutput(this.model, l, workspace + offset));
    });
    return blocks;
  }

  /** Copy rows start…start+count−1 of x to `at`, check them, and standardise them with the
   *  model's scaler (whose mean and scale were written to `scaler`). */
  stage(x: Matrix, start: number, count: number, at: number, scaler: number): void {
    const values = count * x.cols;
    let bad: number;
    if (x.strided) bad = this.stageStrided(x.strided, x.cols, start, count, at);
    else {
      x.copyRows(start, count, this.core.f32(at, values));
      bad = this.call((wasm) => wasm.firstNonFinite(at, values));
    }
    if (bad >= 0) x.reject(start * x.cols + bad);
    if (!x.standardization) return;
    const overflow = this.call((wasm) => wasm.standardize(at, count, x.cols, scaler, scaler + 8 * x.cols));
    if (overflow >= 0) x.standardization.overflow(start * x.cols + overflow, this.core.f32(at + 4 * overflow, 1)[0]!);
  }

  /**
   * Rows inside wider ones, into packed rows at `at`: each piece is copied as one span (gaps and
   * all) into the room still free, then squeezed in place by the core. The span of p rows is
   * (p − 1)·stride + cols floats, so a piece takes what fits, and the pieces shrink until the
   * last rows go one by one. Returns the packed index of the first value that is not finite, or −1.
   */
  private stageStrided(s: { data: Float32Array; stride: number }, cols: number, start: number, count: number, at: number): number {
    const heap = this.core.f32(at, count * cols);
    for (let done = 0; done < count;) {
      const room = (count - done) * cols;
      const p = Math.min(count - done, Math.floor((room - cols) / s.stride) + 1);
      const from = (start + done) * s.stride;
      heap.set(s.data.subarray(from, from + (p - 1) * s.stride + cols), done * cols);
      const bad = this.call((wasm) => wasm.compactRows(at + 4 * done * cols, p, cols, s.stride));
      if (bad >= 0) return done * cols + bad;
      done += p;
    }
    return -1;
  }

  /** The partial sums the core sums a batch of many blocks into (0, 0: none). */
  useLevels(block: number, count: number): void {
    this.call((wasm) => wasm.modelSetLevels(this.model, block, count));
  }

  /** The bytes of the scaler's mean and scale (f64 each), or none. */
  scalerBytes(x: { standardization?: { mean: Float64Array; scale: Float64Array } | undefined }): number[] {
    return x.standardization ? [16 * this.inputs] : [];
  }

  writeScaler(s: { mean: Float64Array; scale: Float64Array }, at: number): void {
    const f64 = new Float64Array(this.core.exports.memory.buffer, at, 2 * this.inputs);
    f64.set(s.mean);
    f64.set(s.scale, this.inputs);
  }

  /** The descriptor's training state (TRAINING_STATE, src/backend/wasm/contract.ts): recent loss, loss reference, RNG, Adam's powers. */
  trainingBytes(): Uint8Array {
    this.usable();
    return new Uint8Array(this.core.exports.memory.buffer, this.model + TRAINING_STATE, TRAINING_STATE_BYTES);
  }

  trainer(make: MakeTrainer): Trainer {
    this.trainerObject ??= make(this);
    return this.trainerObject;
  }

  getTrainingState(): TrainingState {
    // (each field at its offset in the descriptor, less the training state's)
    const bytes = this.trainingBytes().slice().buffer,
      f64 = (field: number): number => new Float64Array(bytes, field - TRAINING_STATE, 1)[0]!;
    const u32 = new Uint32Array(bytes, RNG - TRAINING_STATE, 4),
      f32 = new Float32Array(bytes, POWERS - TRAINING_STATE, 2);
    const moments = Array.from({ length: this.stateCopies }, (_, copy) => this.read(copy * this.plan.parameterFloats, this.stateBlock));
    return { recentLoss: f64(RECENT_LOSS), lossReference: f64(LOSS_REFERENCE), rng: [u32[0]!, u32[1]!, u32[2]!, u32[3]!], powers: [f32[0]!, f32[1]!], moments };
  }

  /** The statistics of the epoch trained, or (`pass`) of the last evaluate or gradients pass. */
  stats(pass = false): PassStats {
    const o = pass ? STAT_PASS : 0;
    return this.call(({ lastStat }) => {
      const m = this.model;
      return { lossSum: lastStat(m, o + STAT_LOSS_SUM), counts: [0, 1, 2, 3].map((k) => lastStat(m, o + STAT_COUNTS + k)) };
    });
  }

  evaluate(data: Dataset | { x: Matrix; y: Float32Array }, probabilities: Float32Array | null = null): PassStats {
    if (!('release' in data)) return this.evaluateMore(data.x, data.y, true, probabilities);
    const ds = data as WasmDataset;
    this.call((wasm) => wasm.modelResetStats(this.model, true));
    this.call((wasm) => wasm.evaluate(this.model, ds.x, ds.y, ds.rows, probabilities ? ds.probabilities : 0));
    if (probabilities) probabilities.set(this.core.f32(ds.probabilities, ds.rows * this.plan.outputWidth));
    return this.stats(true);
  }

  evaluateMore(x: Matrix, y: Float32Array, reset: boolean, probabilities: Float32Array | null = null): PassStats {
    if (reset) this.call((wasm) => wasm.modelResetStats(this.model, true));
    this.stream(x, y, 'evaluating', (rows, labels, start, count, out) => {
      this.call((wasm) => wasm.evaluate(this.model, rows, labels, count, probabilities ? out : 0));
      const width = this.plan.outputWidth;
      if (probabilities) probabilities.set(this.core.f32(out, count * width), start * width);
    });
    return this.stats(true);
  }

  predict(x: Matrix): Float32Array {
    const width = this.plan.outputWidth;
    const result = new Float32Array(x.rows * width);
    this.stream(x, null, 'predicting', (rows, _y, start, count, out) => {
      this.call((wasm) => wasm.predict(this.model, rows, count, out));
      result.set(this.core.f32(out, count * width), start * width);
    });
    return result;
  }

  gradients(data: Dataset | { x: Matrix; y: Float32Array }): { stats: PassStats; layers: LayerParameters[] } {
    const resident = 'release' in data ? (data as WasmDataset) : null;
    const total = resident ? resident.rows : (data as { x: Matrix }).x.rows;
    const levels = levelCount(this.plan, total, true);
    const [levelBlock] = this.core.arena.allocateAll([levelBytes(this.plan, levels)], 'x', `the sums of gradients over ${total} rows`);
    try {
      this.useLevels(levelBlock!, levels);
      this.call((wasm) => wasm.modelResetStats(this.model, true));
      // (the core cuts the rows into the same workspace-sized parts either way; a part's levels go by its first row)
      if (resident) this.call((wasm) => wasm.gradients(this.model, resident.x, resident.y, resident.rows, 0));
      else {
        const { x, y } = data as { x: Matrix; y: Float32Array };
        this.stream(x, y, 'computing gradients over', (rows, labels, start, count) => {
          this.call((wasm) => wasm.gradients(this.model, rows, labels, count, start));
        });
      }
      this.call((wasm) => wasm.gradientsEnd(this.model, total));
    } finally {
      this.useLevels(0, 0);
      this.core.arena.release(levelBlock!);
    }
    return { stats: this.stats(true), layers: this.read(this.plan.parameterFloats) };
  }

  /**
   * Run `pass` over x (and labels y) one chunk of rows at a time, each staged into the same
   * blocks: the rows (checked and scaled), their labels, and room for their probabilities.
   */
  private stream(
    x: Matrix,
    y: Float32Array | null,
    doing: string,
    pass: (rows: number, labels: number, start: number, count: number, probabilities: number) => void,
  ): void {
    const chunk = Math.min(x.rows, this.plan.chunkRows);
    const width = this.plan.labelWidth;
    const bytes = 4 * chunk * (x.cols + width + this.plan.outputWidth),
      small = bytes <= SMALL_CALL_BYTES,
      scalerBytes = this.scalerBytes(x);
    // A small pass stages in the block the model keeps (made by its first small pass), taken out
    // while in use: a pass started meanwhile (by a getter of the rows) stages in a block of its own.
    const blocks = this.reserve(chunk, small && this.kept ? scalerBytes : [small ? SMALL_CALL_BYTES : bytes, ...scalerBytes], 'x', `${doing} ${x.rows} rows`);
    const staging = (small && this.kept) || blocks.shift()!,
      scaler = blocks[0];
    if (small) this.kept = 0;
    const labels = staging + 4 * chunk * x.cols,
      out = labels + 4 * chunk * width;
    try {
      if (scaler) this.writeScaler(x.standardization!, scaler);
      for (let start = 0; start < x.rows; start += chunk) {
        const count = Math.min(chunk, x.rows - start);
        this.stage(x, start, count, staging, scaler ?? 0);
        if (y) this.core.f32(labels, count * width).set(y.subarray(start * width, (start + count) * width));
        pass(staging, labels, start, count, out);
      }
    } finally {
      if (small && !this.kept && !this.disposed) this.kept = staging;
      else this.core.arena.release(staging);
      if (scaler) this.core.arena.release(scaler);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const arena = this.core.arena;
    for (const ptr of [this.workspace, this.kept, this.stateBlock, this.block, this.model]) if (ptr) arena.release(ptr);
    this.workspace = 0;
    this.kept = 0;
    this.stateBlock = 0;
    this.capacity = 0;
  }
}

/** A pass whose rows, labels and outputs fit this many bytes stages them in a block the model
 *  keeps (as it keeps its workspace): a call of a row or a few then takes nothing from the arena
 *  and gives nothing back — a one-row prediction spent about a tenth of its time doing that. */
const SMALL_CALL_BYTES = 16 * 1024;

/** What a model's own memory is for, in the words of a GradwasmError. */
export function modelPurpose(architecture: Architecture): string {
  return `a model of ${architecture.inputs} inputs and layers of ${architecture.layers.map((l) => l.units).join(', ')} units`;
}

/** What stopped a call into the core, in the words of a GradwasmError. */
function stopped(error: unknown, failure: StepFailure): string {
  if (failure === 'death') return "a thread of the pool stopped (terminated, or out of memory) in the middle of this model's step";
  if (failure === 'part') return 'the WebAssembly core stopped with a trap on a thread of the pool, a bug in gradwasm';
  if (error instanceof WebAssembly.RuntimeError) return `the WebAssembly core stopped with a trap ("${error.message}"), a bug in gradwasm`;
  const e = error instanceof Error ? error : new Error(String(error));
  return `the WebAssembly core was interrupted by ${e.name} ("${e.message}") in the middle of a call`;
}

const BROKEN_ADVICE =
  'its memory can no longer be trusted, so every later call on it fails. dispose() it and load the model again ' +
  '(Sequential.fromJSON of a saved copy); other models are not affected. If it keeps happening, please report it with the calls that led to it.';
