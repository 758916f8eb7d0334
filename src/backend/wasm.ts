// The 'wasm' backend: allocates the blocks that src/backend/plan.ts sizes, copies rows in, and
// calls the core (assembly/) for runs of batches and for passes, a bounded chunk of rows at a
// time. Every call into the core goes through call(): a WebAssembly trap (which the plan is
// there to make impossible) marks this model broken and becomes a GradwasmError, instead of
// reaching the caller as a RuntimeError or leaving other models to run on damaged memory.
import { FULL_BATCH, type Architecture, type Backend, type Dataset, type FitPlan, type LayerParameters, type PassStats, type RowStream, type Snapshot, type TrainingState } from './backend.js';
import type { Matrix } from '../data.js';
import { GradwasmError } from '../errors.js';
import { activationCode } from '../layers.js';
import { optimizerParameters, type Optimizer } from '../optimizers.js';
import type { RngState } from '../prng.js';
import { Core, loadCore } from '../wasm/core.js';
import { blockRows, fitBlocks, levelBytes, levelCount, optimizerStateBytes, planModel, workspaceLayout, type LayerPlan, type ModelPlan } from './plan.js';


interface WasmDataset extends Dataset {
  readonly x: number;
  readonly y: number;
  /** rows u32 for the shuffled order, or 0 when the epochs read the rows in place. */
  readonly order: number;
  /** The gathered rows of a shuffled batch: min(batch, chunk) rows (never fewer than the workspace
   *  runs at once, see loadFit). */
  readonly xBatch: number;
  readonly yBatch: number;
  /** rows floats for evaluate()'s probabilities (validation data), else 0. */
  readonly probabilities: number;
  shuffled: boolean;
}

interface WasmSnapshot extends Snapshot {
  readonly parameters: Float32Array;
  readonly state: Float32Array | null;
  readonly training: Uint8Array;
}

/** The core a model of `threads` threads lives in: the single-thread one, or the threaded one
 *  (loaded, and its pool grown, on first need). */
async function coreFor(threads: number): Promise<Core> {
  if (threads <= 1) return loadCore();
  const { loadThreadedCore } = await import('../wasm/threads.js');
  return loadThreadedCore(threads, (exports) => new Core(exports));
}

/** Throw unless a model of this architecture fits the WebAssembly memory left (before its weights are drawn). */
export async function checkWasmModel(architecture: Architecture, argument: string, threads: number): Promise<void> {
  const plan = planModel(architecture);
  (await coreFor(threads)).arena.check([plan.descriptorBytes, plan.blockBytes], argument, modelPurpose(architecture));
}

export async function createWasmBackend(architecture: Architecture, parameters: readonly LayerParameters[], rng: RngState, threads: number): Promise<Backend> {
  return new WasmBackend(await coreFor(threads), architecture, parameters, rng, threads);
}

class WasmBackend implements Backend {
  private readonly plan: ModelPlan;
  private readonly inputs: number;
  private readonly model: number;
  /** The parameters, then their gradients in the same layout, then the scratch of a transposed kernel. */
  private readonly block: number;
  /** The optimizer's state, laid out as the parameters (one or two such blocks), or 0 for SGD. */
  private stateBlock = 0;
  private stateCopies = 0;
  private workspace = 0;
  private capacity = 0;
  /** Why the model cannot be used any more (a trap in the core), or null. */
  private broken: string | null = null;
  private disposed = false;

  constructor(private readonly core: Core, architecture: Architecture, parameters: readonly LayerParameters[], rng: RngState, threads: number) {
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
      wasm.modelInit(this.model, count, architecture.inputs, ...rng);
      wasm.modelSetBlocks(this.model, this.block, floats, this.block + 8 * floats, blockRows(plan));
      wasm.modelSetThreads(this.model, threads);
      architecture.layers.forEach(({ units, activation }, l) => {
        const o = plan.layers[l]!;
        wasm.modelSetLayer(this.model, l, units, activationCode(activation), this.at(o.weights), this.at(o.bias), this.at(floats + o.weights), this.at(floats + o.bias));
      });
    });
    this.setParameters(parameters);
  }

  /** The address of float `offset` of the block. */
  private at(offset: number): number {
    return this.block + 4 * offset;
  }

  /** Run `work` on the core's exports: a trap marks the model broken and is thrown as a GradwasmError. */
  private call<T>(work: (wasm: Core['exports']) => T): T {
    this.usable();
    try {
      return work(this.core.exports);
    } catch (error) {
      if (!(error instanceof WebAssembly.RuntimeError)) throw error;
      this.core.settle();
      this.broken = error.message;
      throw new GradwasmError('model', `the WebAssembly core stopped with a trap ("${error.message}"), a bug in gradwasm: ${BROKEN_ADVICE}`);
    }
  }

  private usable(): void {
    if (this.broken !== null) {
      throw new GradwasmError('model', `this model is broken: an earlier call trapped in the WebAssembly core ("${this.broken}"); ${BROKEN_ADVICE}`);
    }
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
  private read(offset: number, block = this.block): LayerParameters[] {
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
  private reserve(rows: number, sizes: number[], argument: string, purpose: string): number[] {
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
  private stage(x: Matrix, start: number, count: number, at: number, scaler: number): void {
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
  private useLevels(block: number, count: number): void {
    this.call((wasm) => wasm.modelSetLevels(this.model, block, count));
  }

  /** The bytes of the scaler's mean and scale (f64 each), or none. */
  private scalerBytes(x: { standardization?: { mean: Float64Array; scale: Float64Array } | undefined }): number[] {
    return x.standardization ? [16 * this.inputs] : [];
  }

  private writeScaler(s: { mean: Float64Array; scale: Float64Array }, at: number): void {
    const f64 = new Float64Array(this.core.exports.memory.buffer, at, 2 * this.inputs);
    f64.set(s.mean);
    f64.set(s.scale, this.inputs);
  }

  loadFit(plan: FitPlan, train: { x: Matrix; y: Float32Array }, validation: { x: Matrix; y: Float32Array } | null): { train: WasmDataset; validation: WasmDataset | null } {
    const inputs = this.inputs;
    const rows = plan.trainRows, valRows = plan.validationRows;
    const { sizes, workspaceRows, levels } = fitBlocks(this.plan, inputs, plan);
    const scaler = this.scalerBytes(train.x);
    const purpose = `fit on ${rows} rows × ${inputs} columns` + (validation ? ` (and ${valRows} validation rows)` : '') + ` in ${batchesText(plan.batchSize)}`;
    const blocks = this.reserve(workspaceRows, [...sizes, ...scaler], 'x', purpose);
    const take = (): number => blocks.shift()!;
    const [x, y] = [take(), take()];
    const [order, xBatch, yBatch] = plan.shuffle ? [take(), take(), take()] : [0, 0, 0];
    const [vx, vy, vp] = validation ? [take(), take(), take()] : [0, 0, 0];
    const levelBlock = levels > 0 ? take() : 0;
    const scalerBlock = scaler.length ? take() : 0;
    const arena = this.core.arena;
    const held = [x, y, order, xBatch, yBatch, vx, vy, vp, levelBlock].filter((p) => p !== 0);
    const dataset = (at: number, labels: number, count: number, extra: Partial<WasmDataset>, own: number[]): WasmDataset => ({
      rows: count, x: at, y: labels, order: 0, xBatch: 0, yBatch: 0, probabilities: 0, shuffled: false, ...extra,
      release: () => own.forEach((p) => arena.release(p)),
    });
    try {
      if (scalerBlock) this.writeScaler(train.x.standardization!, scalerBlock);
      this.stage(train.x, 0, rows, x, scalerBlock);
      this.core.f32(y, rows).set(train.y);
      if (validation) {
        this.stage(validation.x, 0, valRows, vx, scalerBlock);
        this.core.f32(vy, valRows).set(validation.y);
      }
    } catch (error) {
      held.forEach((p) => arena.release(p));
      throw error;
    } finally {
      if (scalerBlock) arena.release(scalerBlock);
    }
    this.useLevels(levelBlock, levels);
    return {
      train: { ...dataset(x, y, rows, { order, xBatch, yBatch }, []), release: () => {
        this.useLevels(0, 0);
        [x, y, order, xBatch, yBatch, levelBlock].filter((p) => p !== 0).forEach((p) => arena.release(p));
      } },
      validation: validation ? dataset(vx, vy, valRows, { probabilities: vp }, [vx, vy, vp]) : null,
    };
  }

  setOptimizer(optimizer: Optimizer): void {
    const { kind, hyper, nesterov } = optimizerParameters(optimizer);
    // Momentum keeps a velocity per parameter, Adam two moments: blocks laid out as the parameters.
    const copies = optimizer.type === 'adam' ? 2 : optimizer.type === 'momentum' ? 1 : 0;
    const floats = this.plan.parameterFloats;
    const arena = this.core.arena;
    const [state] = copies ? arena.allocateAll([optimizerStateBytes(this.plan, copies)], 'options.optimizer', `the ${optimizer.type} optimizer's state`) : [0];
    if (this.stateBlock) arena.release(this.stateBlock);
    this.stateBlock = state!;
    this.stateCopies = copies;
    if (state) this.core.f32(state, copies * floats).fill(0);
    this.call((wasm) => {
      this.plan.layers.forEach((o, l) => {
        if (!state) return wasm.modelSetLayerState(this.model, l, 0, 0, 0, 0);
        const first = (offset: number): number => state + 4 * offset;
        const second = (offset: number): number => (copies === 2 ? first(floats + offset) : 0);
        wasm.modelSetLayerState(this.model, l, first(o.weights), first(o.bias), second(o.weights), second(o.bias));
      });
      wasm.modelSetOptimizer(this.model, kind, ...hyper, nesterov);
    });
  }

  /** The descriptor's training state (assembly/model.ts trainingState): recent loss, loss reference, RNG, Adam's powers. */
  private trainingBytes(): Uint8Array {
    const at = this.call((wasm) => wasm.trainingState(this.model));
    return new Uint8Array(this.core.exports.memory.buffer, at, this.core.exports.trainingStateBytes());
  }

  snapshot(): WasmSnapshot {
    this.usable();
    const floats = this.plan.parameterFloats;
    return {
      backend: 'wasm',
      parameters: this.core.f32(this.block, floats).slice(),
      state: this.stateBlock ? this.core.f32(this.stateBlock, this.stateCopies * floats).slice() : null,
      training: this.trainingBytes().slice(),
    };
  }

  restore(snapshot: Snapshot): void {
    const s = snapshot as WasmSnapshot;
    this.core.f32(this.block, this.plan.parameterFloats).set(s.parameters);
    if (s.state && this.stateBlock && s.state.length === this.stateCopies * this.plan.parameterFloats) this.core.f32(this.stateBlock, s.state.length).set(s.state);
    this.trainingBytes().set(s.training);
  }

  getTrainingState(): TrainingState {
    const bytes = this.trainingBytes().slice();
    const f64 = new Float64Array(bytes.buffer, 0, 2), u32 = new Uint32Array(bytes.buffer, 16, 4), f32 = new Float32Array(bytes.buffer, 32, 2);
    const moments = Array.from({ length: this.stateCopies }, (_, copy) => this.read(copy * this.plan.parameterFloats, this.stateBlock));
    return { recentLoss: f64[0]!, lossReference: f64[1]!, rng: [u32[0]!, u32[1]!, u32[2]!, u32[3]!], powers: [f32[0]!, f32[1]!], moments };
  }

  setTrainingState(state: TrainingState): void {
    const bytes = this.trainingBytes();
    new Float64Array(bytes.buffer, bytes.byteOffset, 2).set([state.recentLoss, state.lossReference]);
    new Uint32Array(bytes.buffer, bytes.byteOffset + 16, 4).set(state.rng);
    new Float32Array(bytes.buffer, bytes.byteOffset + 32, 2).set(state.powers);
    state.moments.forEach((layers, copy) => this.plan.layers.forEach((o, l) => {
      const at = (offset: number): number => this.stateBlock + 4 * (copy * this.plan.parameterFloats + offset);
      this.core.f32(at(o.weights), o.weightCount).set(layers[l]!.weights);
      this.core.f32(at(o.bias), o.units).set(layers[l]!.bias);
    }));
  }

  setLossRule(on: boolean, restart: boolean): void {
    this.call((wasm) => wasm.modelSetLossRule(this.model, on, restart));
  }

  observeLoss(meanLoss: number): void {
    this.call((wasm) => wasm.modelObserveLoss(this.model, meanLoss));
  }

  beginEpoch(data: Dataset | null, shuffle: boolean): void {
    const ds = data as WasmDataset | null;
    if (shuffle && !ds?.order) throw new Error('gradwasm: a shuffled epoch over rows loaded without room to shuffle');
    if (ds) ds.shuffled = shuffle;
    this.call((wasm) => wasm.epochBegin(this.model, ds?.rows ?? 0, shuffle, ds?.order ?? 0));
  }

  trainBatches(data: Dataset, first: number, count: number, batchSize: number, learningRate: number, weightDecay: number): number {
    const ds = data as WasmDataset;
    return this.call((wasm) => wasm.trainBatches(this.model, ds.x, ds.y, ds.rows, batchSize, first, count, learningRate, weightDecay,
      ds.shuffled, ds.order, ds.xBatch, ds.yBatch));
  }

  rng(): RngState {
    const bytes = this.trainingBytes();
    return Array.from(new Uint32Array(bytes.buffer, bytes.byteOffset + 16, 4)) as RngState;
  }

  setRng(state: RngState): void {
    const bytes = this.trainingBytes();
    new Uint32Array(bytes.buffer, bytes.byteOffset + 16, 4).set(state);
  }

  openStream(batchSize: number, standardization: { mean: Float64Array; scale: Float64Array } | null, rows: number | null): RowStream {
    const inputs = this.inputs;
    // A unit waiting for the rest of its rows is at most a batch, or one capacity of a larger batch.
    const carry = Math.min(batchSize, this.plan.chunkRows), staged = this.plan.chunkRows;
    // A full batch of a stream that does not say its rows may have up to 2^31 − 1 of them.
    const full = batchSize === FULL_BATCH;
    const levels = levelCount(this.plan, full ? rows ?? FULL_BATCH : batchSize, full || batchSize > this.plan.chunkRows);
    const [xCarry, yCarry, xStaged, yStaged, levelBlock, scaler] = this.reserve(carry, [4 * carry * inputs, 4 * carry, 4 * staged * inputs, 4 * staged,
      levelBytes(this.plan, levels), ...this.scalerBytes({ standardization: standardization ?? undefined })], 'x', `training on a stream in ${batchesText(batchSize)}`);
    if (scaler) this.writeScaler(standardization!, scaler);
    this.useLevels(levels > 0 ? levelBlock! : 0, levels);
    const blocks = [xCarry!, yCarry!, xStaged!, yStaged!, levelBlock!, ...(scaler ? [scaler] : [])];
    return {
      rows: staged,
      train: (x, y, start, count, learningRate, weightDecay) => {
        this.stage(x, start, count, xStaged!, scaler ?? 0);
        this.core.f32(yStaged!, count).set(y.subarray(start, start + count));
        return this.call((wasm) => wasm.trainRows(this.model, xStaged!, yStaged!, count, batchSize, learningRate, weightDecay, xCarry!, yCarry!));
      },
      end: (learningRate, weightDecay) => this.call((wasm) => wasm.trainRowsEnd(this.model, batchSize, learningRate, weightDecay, xCarry!, yCarry!)),
      release: () => {
        this.useLevels(0, 0);
        blocks.forEach((b) => this.core.arena.release(b));
      },
    };
  }

  epochStats(): PassStats & { recentLoss: number; limit: number; batches: number } {
    const at = (i: number): number => this.call((wasm) => wasm.lastStat(this.model, i));
    return { ...this.stats(), recentLoss: at(5), limit: at(6), batches: at(7) };
  }

  /** The statistics of the epoch trained, or (`pass`) of the last evaluate or gradients pass. */
  private stats(pass = false): PassStats {
    const o = pass ? 8 : 0;
    return this.call(({ lastStat }) => {
      const m = this.model;
      return { lossSum: lastStat(m, o), correct: lastStat(m, o + 1), truePositives: lastStat(m, o + 2), falsePositives: lastStat(m, o + 3), falseNegatives: lastStat(m, o + 4) };
    });
  }

  evaluate(data: Dataset | { x: Matrix; y: Float32Array }, probabilities: Float32Array | null = null): PassStats {
    if (!('release' in data)) return this.evaluateMore(data.x, data.y, true, probabilities);
    const ds = data as WasmDataset;
    this.call((wasm) => wasm.modelResetStats(this.model, true));
    this.call((wasm) => wasm.evaluate(this.model, ds.x, ds.y, ds.rows, probabilities ? ds.probabilities : 0));
    if (probabilities) probabilities.set(this.core.f32(ds.probabilities, ds.rows));
    return this.stats(true);
  }

  evaluateMore(x: Matrix, y: Float32Array, reset: boolean, probabilities: Float32Array | null = null): PassStats {
    if (reset) this.call((wasm) => wasm.modelResetStats(this.model, true));
    this.stream(x, y, 'evaluating', (rows, labels, start, count, out) => {
      this.call((wasm) => wasm.evaluate(this.model, rows, labels, count, probabilities ? out : 0));
      if (probabilities) probabilities.set(this.core.f32(out, count), start);
    });
    return this.stats(true);
  }

  predict(x: Matrix): Float32Array {
    const result = new Float32Array(x.rows);
    this.stream(x, null, 'predicting', (rows, _y, start, count, out) => {
      this.call((wasm) => wasm.predict(this.model, rows, count, out));
      result.set(this.core.f32(out, count), start);
    });
    return result;
  }

  gradients(x: Matrix, y: Float32Array): { stats: PassStats; layers: LayerParameters[] } {
    const levels = levelCount(this.plan, x.rows, true);
    const [levelBlock] = this.core.arena.allocateAll([levelBytes(this.plan, levels)], 'x', `the sums of gradients over ${x.rows} rows`);
    try {
      this.useLevels(levelBlock!, levels);
      this.call((wasm) => wasm.modelResetStats(this.model, true));
      this.stream(x, y, 'computing gradients over', (rows, labels, start, count) => {
        this.call((wasm) => wasm.gradients(this.model, rows, labels, count, start));
      });
      this.call((wasm) => wasm.gradientsEnd(this.model, x.rows));
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
  private stream(x: Matrix, y: Float32Array | null, doing: string,
                 pass: (rows: number, labels: number, start: number, count: number, probabilities: number) => void): void {
    const chunk = Math.min(x.rows, this.plan.chunkRows);
    const [staging, scaler] = this.reserve(chunk, [4 * chunk * (x.cols + 2), ...this.scalerBytes(x)], 'x', `${doing} ${x.rows} rows`);
    const labels = staging! + 4 * chunk * x.cols, out = labels + 4 * chunk;
    try {
      if (scaler) this.writeScaler(x.standardization!, scaler);
      for (let start = 0; start < x.rows; start += chunk) {
        const count = Math.min(chunk, x.rows - start);
        this.stage(x, start, count, staging!, scaler ?? 0);
        if (y) this.core.f32(labels, count).set(y.subarray(start, start + count));
        pass(staging!, labels, start, count, out);
      }
    } finally {
      this.core.arena.release(staging!);
      if (scaler) this.core.arena.release(scaler);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const arena = this.core.arena;
    for (const ptr of [this.workspace, this.stateBlock, this.block, this.model]) if (ptr) arena.release(ptr);
    this.workspace = 0;
    this.stateBlock = 0;
    this.capacity = 0;
  }
}

function batchesText(batchSize: number): string {
  return batchSize === FULL_BATCH ? 'one batch of all rows' : `batches of ${batchSize}`;
}

/** What a model's own memory is for, in the words of a GradwasmError. */
export function modelPurpose(architecture: Architecture): string {
  return `a model of ${architecture.inputs} inputs and layers of ${architecture.layers.map((l) => l.units).join(', ')} units`;
}

const BROKEN_ADVICE = 'its memory can no longer be trusted, so every later call on it fails. dispose() it and load the model again ' +
  '(Sequential.fromJSON of a saved copy); other models are not affected. Please report it with the calls that led to it.';
