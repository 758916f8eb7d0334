// The 'wasm' backend: plans a model's blocks of linear memory, copies data in once, and
// calls the core (assembly/) for whole epochs and passes.
import type { Architecture, Backend, Dataset, EpochStats, LayerParameters, PassStats } from './backend.js';
import type { Matrix } from '../data.js';
import { activationCode } from '../layers.js';
import { optimizerParameters, type Optimizer } from '../optimizers.js';
import type { RngState } from '../prng.js';
import { loadCore, type Core } from '../wasm/core.js';

/** Rows per forward pass when predicting or evaluating (more only if the model already holds more). */
const CHUNK_ROWS = 1024;

interface LayerBlocks {
  weights: number;
  bias: number;
  gradWeights: number;
  gradBias: number;
  weightCount: number;
  units: number;
}

interface WasmDataset extends Dataset {
  readonly x: number;
  readonly y: number;
  order: number;
  xBatch: number;
  yBatch: number;
  batchRows: number;
  /** rows floats for evaluate()'s probabilities, allocated on first use. */
  probabilities: number;
}

export async function createWasmBackend(architecture: Architecture, parameters: readonly LayerParameters[], rng: RngState): Promise<Backend> {
  return new WasmBackend(await loadCore(), architecture, parameters, rng);
}

class WasmBackend implements Backend {
  private readonly model: number;
  private readonly parameterBlock: number;
  /** Floats of the parameters (and of their gradients, which follow them) in parameterBlock. */
  private readonly parameterFloats: number;
  /** The optimizer's state, laid out as the parameters (one or two such blocks), or 0 for SGD. */
  private stateBlock = 0;
  private readonly layers: LayerBlocks[] = [];
  private readonly inputs: number;
  private workspace = 0;
  private capacity = 0;

  constructor(private readonly core: Core, architecture: Architecture, parameters: readonly LayerParameters[], rng: RngState) {
    const { exports: wasm, arena } = core;
    this.inputs = architecture.inputs;
    const count = architecture.layers.length;
    this.model = arena.allocate(wasm.modelBytes(count));
    wasm.modelInit(this.model, count, architecture.inputs, ...rng);

    // One block: every layer's kernel and bias, then their gradients, each 16-byte aligned.
    let fanIn = architecture.inputs;
    let floats = 0;
    const place = (n: number): number => {
      const at = floats;
      floats += Math.ceil(n / 4) * 4;
      return at;
    };
    const offsets = architecture.layers.map(({ units }) => {
      const o = { weights: place(fanIn * units), bias: place(units), weightCount: fanIn * units, units };
      fanIn = units;
      return o;
    });
    const half = floats;
    this.parameterFloats = half;
    this.parameterBlock = arena.allocate(2 * half * 4);
    architecture.layers.forEach(({ units, activation }, l) => {
      const o = offsets[l]!;
      const at = (floatOffset: number): number => this.parameterBlock + 4 * floatOffset;
      const blocks = {
        weights: at(o.weights), bias: at(o.bias), gradWeights: at(half + o.weights), gradBias: at(half + o.bias),
        weightCount: o.weightCount, units,
      };
      this.layers.push(blocks);
      wasm.modelSetLayer(this.model, l, units, activationCode(activation), blocks.weights, blocks.bias, blocks.gradWeights, blocks.gradBias);
    });
    this.setParameters(parameters);
  }

  setParameters(parameters: readonly LayerParameters[]): void {
    this.layers.forEach((blocks, l) => {
      this.core.f32(blocks.weights, blocks.weightCount).set(parameters[l]!.weights);
      this.core.f32(blocks.bias, blocks.units).set(parameters[l]!.bias);
    });
  }

  getParameters(): LayerParameters[] {
    return this.layers.map((b) => ({ weights: this.core.f32(b.weights, b.weightCount).slice(), bias: this.core.f32(b.bias, b.units).slice() }));
  }

  load(x: Matrix, y: Float32Array | null): WasmDataset {
    const { arena, exports: wasm } = this.core;
    const count = x.rows * x.cols;
    const xPtr = arena.allocate(count * 4);
    let yPtr = 0;
    try {
      x.copyTo(this.core.f32(xPtr, count));
      const bad = wasm.firstNonFinite(xPtr, count);
      if (bad >= 0) x.reject(bad);
      if (x.standardization) this.standardize(xPtr, x);
      if (y) yPtr = this.core.copyIn(y);
    } catch (error) {
      arena.release(xPtr);
      throw error;
    }
    const dataset: WasmDataset = {
      rows: x.rows, x: xPtr, y: yPtr, order: 0, xBatch: 0, yBatch: 0, batchRows: 0, probabilities: 0,
      release() {
        for (const ptr of [dataset.x, dataset.y, dataset.order, dataset.xBatch, dataset.yBatch, dataset.probabilities]) if (ptr) arena.release(ptr);
      },
    };
    return dataset;
  }

  /** Standardise the checked rows at `xPtr` with the model's scaler, in place (assembly/data.ts). */
  private standardize(xPtr: number, x: Matrix): void {
    const { mean, scale, overflow } = x.standardization!;
    const { arena, exports: wasm } = this.core;
    const block = arena.allocate(16 * x.cols);
    try {
      const f64 = new Float64Array(wasm.memory.buffer, block, 2 * x.cols);
      f64.set(mean);
      f64.set(scale, x.cols);
      const bad = wasm.standardize(xPtr, x.rows, x.cols, block, block + 8 * x.cols);
      if (bad >= 0) overflow(bad, this.core.f32(xPtr + 4 * bad, 1)[0]!);
    } finally {
      arena.release(block);
    }
  }

  /** Make the workspace hold batches of `rows` rows. */
  private ensureCapacity(rows: number): void {
    if (rows <= this.capacity) return;
    const { exports: wasm, arena } = this.core;
    const workspace = arena.allocate(wasm.workspaceBytes(this.model, rows));
    if (this.workspace) arena.release(this.workspace);
    this.workspace = workspace;
    this.capacity = rows;
    wasm.modelSetWorkspace(this.model, rows, workspace);
  }

  private stats(): PassStats {
    const { lastStat } = this.core.exports;
    const m = this.model;
    return { lossSum: lastStat(m, 0), correct: lastStat(m, 1), truePositives: lastStat(m, 2), falsePositives: lastStat(m, 3), falseNegatives: lastStat(m, 4) };
  }

  setOptimizer(optimizer: Optimizer): void {
    const { exports: wasm, arena } = this.core;
    const { kind, hyper, nesterov } = optimizerParameters(optimizer);
    // Momentum keeps a velocity per parameter, Adam two moments: blocks laid out as the parameters.
    const copies = optimizer.type === 'adam' ? 2 : optimizer.type === 'momentum' ? 1 : 0;
    if (this.stateBlock) arena.release(this.stateBlock);
    this.stateBlock = 0;
    const half = this.parameterFloats;
    if (copies) {
      this.stateBlock = arena.allocate(copies * half * 4);
      this.core.f32(this.stateBlock, copies * half).fill(0);
    }
    const base = this.stateBlock;
    this.layers.forEach((b, l) => {
      if (!base) return wasm.modelSetLayerState(this.model, l, 0, 0, 0, 0);
      const first = (ptr: number): number => base + (ptr - this.parameterBlock);
      const second = (ptr: number): number => (copies === 2 ? first(ptr) + 4 * half : 0);
      wasm.modelSetLayerState(this.model, l, first(b.weights), first(b.bias), second(b.weights), second(b.bias));
    });
    wasm.modelSetOptimizer(this.model, kind, ...hyper, nesterov);
  }

  trainEpoch(data: Dataset, batchSize: number, learningRate: number, weightDecay: number, shuffle: boolean): EpochStats {
    const ds = data as WasmDataset;
    this.ensureCapacity(batchSize);
    if (shuffle && ds.batchRows < batchSize) {
      const arena = this.core.arena;
      ds.order ||= arena.allocate(ds.rows * 4);
      if (ds.xBatch) arena.release(ds.xBatch);
      if (ds.yBatch) arena.release(ds.yBatch);
      ds.xBatch = ds.yBatch = 0;
      ds.xBatch = arena.allocate(batchSize * this.inputs * 4);
      ds.yBatch = arena.allocate(batchSize * 4);
      ds.batchRows = batchSize;
    }
    const divergedAt = this.core.exports.trainEpoch(this.model, ds.x, ds.y, ds.rows, batchSize, learningRate, weightDecay, shuffle, ds.order, ds.xBatch, ds.yBatch);
    return { ...this.stats(), divergedAt };
  }

  evaluate(data: Dataset, probabilities: Float32Array | null = null): PassStats {
    const ds = data as WasmDataset;
    this.ensureCapacity(Math.min(ds.rows, CHUNK_ROWS));
    if (probabilities) ds.probabilities ||= this.core.arena.allocate(ds.rows * 4);
    this.core.exports.evaluate(this.model, ds.x, ds.y, ds.rows, probabilities ? ds.probabilities : 0);
    if (probabilities) probabilities.set(this.core.f32(ds.probabilities, ds.rows));
    return this.stats();
  }

  predict(data: Dataset): Float32Array {
    const ds = data as WasmDataset;
    this.ensureCapacity(Math.min(ds.rows, CHUNK_ROWS));
    const out = this.core.arena.allocate(ds.rows * 4);
    try {
      this.core.exports.predict(this.model, ds.x, ds.rows, out);
      return this.core.f32(out, ds.rows).slice();
    } finally {
      this.core.arena.release(out);
    }
  }

  gradients(data: Dataset): { stats: PassStats; layers: LayerParameters[] } {
    const ds = data as WasmDataset;
    this.ensureCapacity(ds.rows);
    this.core.exports.gradients(this.model, ds.x, ds.y, ds.rows);
    const layers = this.layers.map((b) => ({
      weights: this.core.f32(b.gradWeights, b.weightCount).slice(),
      bias: this.core.f32(b.gradBias, b.units).slice(),
    }));
    return { stats: this.stats(), layers };
  }

  dispose(): void {
    const arena = this.core.arena;
    for (const ptr of [this.workspace, this.stateBlock, this.parameterBlock, this.model]) if (ptr) arena.release(ptr);
    this.workspace = 0;
    this.stateBlock = 0;
    this.capacity = 0;
  }
}
