// The 'js' backend: docs/architecture.md §1 in plain TypeScript, the same algorithm as assembly/ (same
// generator, initialisation, shuffles, batch order, loss and update rule), written as the fastest
// correct pure JS we know: the oracle of the tests and the honest baseline of bench/js-backend.ts.
//
// Numbers: float32 tensors, f64 sums (as TensorFlow.js's cpu backend does). Every stored
// activation, logit, delta, weight, bias and gradient is a float32 value; every dot product or
// column sum is accumulated in f64 and rounded to float32 once, when it is stored (bias plus
// activation, or times the activation derivative, applied to the f64 sum before that rounding).
// The loss is computed in f64 from the float32 logits, dZ_L = fround((p − y)/B), and the SGD
// step rounds as the core does: g = fround(Σ…), W ← fround(W + fround(−λ·g)) with λ a float32,
// so that a full-batch epoch is exactly one step W − λ·gradients(), whose values are those g.
// The momentum and Adam steps (and SGD with weight decay) round every operation to float32 as
// assembly/optimizers.ts computes it: from the same gradients they give the same bits.
// Why f64 sums: JavaScript has no float32 arithmetic, and rounding after every multiply and add,
// as the core's f32 instructions do, costs two conversions each — it capped these loops at
// ≈ 2 GFLOP/s, against ≈ 6 summing in f64. The price: the backends agree to float32 precision
// (the tests hold them to 1e-4 relative after 30 epochs of training), not bit for bit, and nothing
// may assume they do (the core's SIMD kernels choose their own summation orders anyway).
//
// Speed, with no SIMD in plain JS (bench/js-backend.ts measures it against the core):
// - The buffers are plain arrays of numbers, which V8 stores unboxed (packed-double elements,
//   each holding a float32 value exactly): a load is a bounds check and a move, where a typed
//   array's also re-derives its data pointer. Same kernels, whole training: Float64Array storage
//   was 13–31% slower, Float32Array (a conversion per load) 8–34%. Only buffers too large for an
//   array fall back to Float64Array (see doubles()). The caller's float32 rows are widened
//   when a batch is staged; parameters convert back to Float32Array exactly in getParameters().
// - One matrix kernel, gemm, with 2×4 register tiles: 8 sums and 6 operands fit the 15 usable
//   vector registers (4×4 tiles spill, and ran slower), indices kept int32 with `| 0` (no
//   overflow checks); 8×1 tiles for the last column(s) — the output layer's single unit — so
//   that 8 independent sums hide the latency of each add. Each element's sum runs over the depth
//   index in order from +0 whichever tile it falls in, so a row's result never depends on the
//   batch around it (a full-batch epoch and gradients() agree exactly). The SGD step is fused
//   into the product's stores; bias + activation and the activation derivative are passes of
//   their own over the raw f64 sums, which round them.
// - No data-dependent branches where the data is random: relu, relu', max(z, 0) and tanh's sign
//   are arithmetic (a mispredicted sign test cost more than the rest of the element).
// - No closures, destructuring or allocation per step; one kind of buffer per argument, so every
//   function stays monomorphic.
import { FULL_BATCH, type Backend, type Dataset, type FitPlan, type RowStream, type Snapshot, type Trainer } from '../backend.js';
import type { TrainingState, Architecture, LayerParameters } from '../../network/architecture.js';
import type { PassStats } from '../../metrics/classification.js';
import { headOf } from '../../heads/index.js';
import { HEAD_TWINS, type HeadTwin } from './heads.js';
import { doubles, type Doubles } from './doubles.js';
import { copyCheckedRows, toFloat32, type Matrix } from '../../data/matrix.js';
import { activationCode } from '../../network/layers.js';
import { optimizerParameters, type Optimizer } from '../../network/optimizers.js';
import { Xoshiro128, type RngState } from '../../core/prng.js';
import { planModel } from '../plan.js';
// The activation and optimizer codes and the exploding-loss rule's constants (documented in
// src/train/divergence.ts) are the core's: src/backend/wasm/contract.ts, generated with assembly/contract.ts.
import {
  ADAM,
  EXPLODING_CEILING,
  EXPLODING_FACTOR,
  EXPLODING_WINDOW,
  LINEAR,
  MOMENTUM,
  RELU,
  SGD,
  SIGMOID,
  STATE_COPIES_BY_CODE,
  TANH,
} from '../wasm/contract.js';

const NO_STATE = new Float32Array(0);
const NO_SUMS: Float64Array = new Float64Array(0);

const EMPTY = doubles(0);

class Layer {
  readonly fanIn: number;
  readonly units: number;
  readonly act: number;
  readonly weights: Doubles; // fanIn × units, float32 values
  readonly bias: Doubles;
  readonly gradWeights: Doubles;
  readonly gradBias: Doubles;
  // The f64 sums of the gradients over the chunks of a batch larger than the buffers (made on first use).
  sumWeights: Float64Array = NO_SUMS;
  sumBias: Float64Array = NO_SUMS;
  out: Doubles = EMPTY; // capacity × units: activations, or logits for the last layer
  // The optimizer's state for the kernel and the bias: momentum's velocity in the first pair,
  // Adam's moments m and v in both.
  s1w: Float32Array = NO_STATE;
  s1b: Float32Array = NO_STATE;
  s2w: Float32Array = NO_STATE;
  s2b: Float32Array = NO_STATE;

  constructor(fanIn: number, units: number, act: number) {
    this.fanIn = fanIn;
    this.units = units;
    this.act = act;
    this.weights = doubles(fanIn * units);
    this.bias = doubles(units);
    this.gradWeights = doubles(fanIn * units);
    this.gradBias = doubles(units);
  }
}

interface JsDataset extends Dataset {
  readonly x: Float32Array;
  readonly y: Float32Array;
  /** The rows' weights, or null. */
  readonly w: Float32Array | null;
  order: Uint32Array | null;
  shuffled: boolean;
}

interface JsSnapshot extends Snapshot {
  readonly parameters: LayerParameters[];
  readonly state: TrainingState;
}

export async function createJsBackend(architecture: Architecture, parameters: readonly LayerParameters[], rng: RngState): Promise<Backend> {
  return new JsBackend(architecture, parameters, rng);
}

class JsBackend implements Backend, Trainer {
  private readonly inputs: number;
  private readonly layers: Layer[] = [];
  private readonly rng_ = new Xoshiro128(0);
  private readonly widest: number;
  /** The most rows run at once (src/backend/plan.ts): longer passes and larger batches go in units of it. */
  private readonly chunkRows: number;
  private capacity = 0;
  private xBatch = EMPTY; // capacity × inputs: the rows of the current unit or chunk
  private yBatch = EMPTY; // capacity × labelWidth labels
  /** Labels per row: one, or a regression's target per output. */
  private readonly labelWidth: number;
  private wBatch = EMPTY; // capacity weights (of weighted rows)
  private delta = EMPTY; // capacity × widest: the gradient flowing back…
  private spare = EMPTY; // …and its ping-pong partner
  private readonly packed: Doubles; // a transposed hidden kernel
  /** The statistics of the epoch trained, and (pass) of evaluate and gradients: apart, as in the core. */
  private readonly stats: PassStats = { lossSum: 0, counts: [0, 0, 0, 0] };
  private readonly pass: PassStats = { lossSum: 0, counts: [0, 0, 0, 0] };
  /** The output head's loss, gradient, outputs and counts (src/backend/js/heads.ts). */
  private readonly head: HeadTwin;
  /** Logits (and outputs) per row: the last layer's units. */
  private readonly width: number;
  // As assembly/model.ts's descriptor: the exploding-loss rule, the batch under way, the epoch's batches.
  private lossRule = false;
  private recentLoss = NaN;
  private lossReference = NaN;
  private batchRows = 0;
  private batchLoss = 0;
  private batchesDone = 0;
  private optimizer = SGD;
  private nesterov = false;
  private hyper = [0, 0, 0, 0, 0]; // as assembly/model.ts's HYPER: μ | β1, 1 − β1, β2, 1 − β2, ε (float32 values)
  private powers = [0, 0]; // Adam's β1ᵗ, β2ᵗ for the next step (float32 values)

  constructor(architecture: Architecture, parameters: readonly LayerParameters[], rng: RngState) {
    this.inputs = architecture.inputs;
    this.head = HEAD_TWINS[headOf('layers', architecture.layers).name];
    this.width = architecture.layers[architecture.layers.length - 1]!.units;
    this.rng_.setState(rng);
    let fanIn = architecture.inputs,
      widest = 1,
      packed = 0; // widest layer output: dA of the first layer is never formed
    for (let l = 0; l < architecture.layers.length; l++) {
      const { units, activation } = architecture.layers[l]!;
      this.layers.push(new Layer(fanIn, units, activationCode(activation)));
      if (l > 0) packed = Math.max(packed, fanIn * units);
      widest = Math.max(widest, units);
      fanIn = units;
    }
    this.widest = widest;
    this.packed = doubles(packed);
    const plan = planModel(architecture);
    this.chunkRows = plan.chunkRows;
    this.labelWidth = plan.labelWidth;
    this.setParameters(parameters);
  }

  setParameters(parameters: readonly LayerParameters[]): void {
    for (let l = 0; l < this.layers.length; l++) {
      copy(parameters[l]!.weights, this.layers[l]!.weights);
      copy(parameters[l]!.bias, this.layers[l]!.bias);
    }
  }

  /** The twin is one file, loaded with its training: it trains itself. */
  trainer(): Trainer {
    return this;
  }

  getParameters(): LayerParameters[] {
    return this.layers.map((l) => ({ weights: Float32Array.from(l.weights), bias: Float32Array.from(l.bias) }));
  }

  loadFit(
    plan: FitPlan,
    train: { x: Matrix; y: Float32Array; weights: Float32Array | null },
    validation: { x: Matrix; y: Float32Array } | null,
  ): { train: JsDataset; validation: JsDataset | null } {
    const dataset = (rows: { x: Matrix; y: Float32Array; weights?: Float32Array | null }): JsDataset => ({
      rows: rows.x.rows,
      x: toFloat32(rows.x),
      y: rows.y,
      w: rows.weights ?? null,
      order: null,
      shuffled: false,
      release() {},
    });
    const trainSet = dataset(train);
    const validationSet = validation ? dataset(validation) : null;
    this.ensureCapacity(Math.max(Math.min(plan.batchSize, plan.trainRows), plan.validationRows));
    return { train: trainSet, validation: validationSet };
  }

  /** Make the buffers hold `rows` rows (at most a chunk). */
  private ensureCapacity(rows: number): void {
    rows = Math.min(rows, this.chunkRows);
    if (rows <= this.capacity) return;
    this.capacity = rows;
    for (const layer of this.layers) layer.out = doubles(rows * layer.units);
    this.xBatch = doubles(rows * this.inputs);
    this.yBatch = doubles(rows * this.labelWidth);
    this.wBatch = doubles(rows);
    this.delta = doubles(rows * this.widest);
    this.spare = doubles(rows * this.widest);
  }

  private resetStats(s: PassStats = this.stats): void {
    s.lossSum = 0;
    s.counts.fill(0);
  }

  private passStats(s: PassStats = this.stats): PassStats {
    return { lossSum: s.lossSum, counts: [...s.counts] };
  }

  setOptimizer(optimizer: Optimizer): void {
    const { kind, hyper, nesterov } = optimizerParameters(optimizer);
    this.optimizer = kind;
    this.nesterov = nesterov;
    this.hyper = hyper;
    this.powers = [hyper[0], hyper[2]];
    for (const layer of this.layers) {
      const state = (n: number, needed: boolean): Float32Array => (needed ? new Float32Array(n) : NO_STATE);
      layer.s1w = state(layer.fanIn * layer.units, kind !== SGD);
      layer.s1b = state(layer.units, kind !== SGD);
      layer.s2w = state(layer.fanIn * layer.units, kind === ADAM);
      layer.s2b = state(layer.units, kind === ADAM);
    }
  }

  getTrainingState(): TrainingState {
    const copies = STATE_COPIES_BY_CODE[this.optimizer]!;
    const moments = Array.from({ length: copies }, (_, c) =>
      this.layers.map((l) => ({ weights: (c ? l.s2w : l.s1w).slice(), bias: (c ? l.s2b : l.s1b).slice() })),
    );
    return { rng: this.rng_.state(), powers: [this.powers[0]!, this.powers[1]!], recentLoss: this.recentLoss, lossReference: this.lossReference, moments };
  }

  setTrainingState(state: TrainingState): void {
    this.rng_.setState(state.rng);
    this.powers = [...state.powers];
    this.recentLoss = state.recentLoss;
    this.lossReference = state.lossReference;
    state.moments.forEach((layers, c) =>
      this.layers.forEach((l, i) => {
        (c ? l.s2w : l.s1w).set(layers[i]!.weights);
        (c ? l.s2b : l.s1b).set(layers[i]!.bias);
      }),
    );
  }

  snapshot(): JsSnapshot {
    return { backend: 'js', parameters: this.getParameters(), state: this.getTrainingState() };
  }

  restore(snapshot: Snapshot): void {
    const s = snapshot as JsSnapshot;
    this.setParameters(s.parameters);
    this.setTrainingState(s.state);
  }

  setLossRule(on: boolean, restart: boolean): void {
    this.lossRule = on;
    if (restart) this.recentLoss = this.lossReference = NaN;
  }

  observeLoss(meanLoss: number): void {
    if (!(this.lossReference <= meanLoss)) this.lossReference = meanLoss;
  }

  beginEpoch(data: Dataset | null, shuffle: boolean): void {
    const ds = data as JsDataset | null;
    this.resetStats();
    this.batchesDone = this.batchRows = this.batchLoss = 0;
    if (!ds) return;
    ds.shuffled = shuffle;
    if (shuffle) this.rng_.shuffle((ds.order ??= new Uint32Array(ds.rows)), ds.rows);
  }

  /** As assembly/model.ts's trainBatches. */
  trainBatches(data: Dataset, first: number, count: number, batchSize: number, learningRate: number, weightDecay: number): number {
    const ds = data as JsDataset;
    const rows = ds.rows,
      capacity = this.capacity;
    const lr = Math.fround(learningRate),
      decay = Math.fround(weightDecay);
    const order = ds.shuffled ? ds.order : null;
    const last = Math.min(Math.ceil(rows / batchSize), first + count);
    for (let batch = first; batch < last; batch++) {
      const start = batch * batchSize;
      const size = Math.min(batchSize, rows - start);
      for (let done = 0; done < size; done += capacity) {
        const part = Math.min(capacity, size - done);
        stage(ds.x, ds.y, ds.w, order, start + done, part, this.inputs, this.xBatch, this.yBatch, this.wBatch, this.labelWidth);
        if (!this.trainUnit(part, batchSize, lr, decay, ds.w !== null)) return batch;
      }
      if (!this.oneUnit(batchSize) && !this.finishBatch(lr, decay)) return batch;
    }
    return -1;
  }

  /** As assembly/model.ts's trainRows and trainRowsEnd: a unit the chunk does not complete waits in the carry buffer. */
  rng(): RngState {
    return this.rng_.state();
  }

  setRng(state: RngState): void {
    this.rng_.setState(state);
  }

  openStream(batchSize: number, _scaler: unknown, _rows: number | null, weighted: boolean): RowStream {
    this.ensureCapacity(Math.min(batchSize, this.chunkRows));
    const inputs = this.inputs,
      rows = this.chunkRows;
    const lw = this.labelWidth;
    const carryX = new Float32Array(Math.min(batchSize, this.chunkRows) * inputs),
      carryY = new Float32Array((carryX.length / inputs) * lw);
    const carryW = weighted ? new Float32Array(carryX.length / inputs) : null;
    const staged = new Float32Array(rows * inputs);
    let carried = 0;
    const unitOf = (x: Float32Array, y: Float32Array, w: Float32Array | null, n: number, lr: number, decay: number): boolean => {
      stage(x, y, w, null, 0, n, inputs, this.xBatch, this.yBatch, this.wBatch, this.labelWidth);
      if (!this.trainUnit(n, batchSize, lr, decay, weighted)) return false;
      return this.oneUnit(batchSize) || this.batchRows !== batchSize || this.finishBatch(lr, decay);
    };
    return {
      rows,
      train: (x, y, weights, start, count, learningRate, weightDecay) => {
        const lr = Math.fround(learningRate),
          decay = Math.fround(weightDecay);
        const part = staged.subarray(0, count * inputs);
        copyCheckedRows(x, start, count, part);
        const labels = y.subarray(start * lw, (start + count) * lw);
        const w = carryW ? weights!.subarray(start, start + count) : null;
        for (let at = 0; at < count;) {
          const unit = this.oneUnit(batchSize) ? batchSize : Math.min(this.capacity, batchSize - this.batchRows);
          if (carried === 0 && count - at >= unit) {
            if (!unitOf(part.subarray(at * inputs), labels.subarray(at * lw), w && w.subarray(at), unit, lr, decay)) return this.batchesDone;
            at += unit;
            continue;
          }
          const take = Math.min(unit - carried, count - at);
          carryX.set(part.subarray(at * inputs, (at + take) * inputs), carried * inputs);
          carryY.set(labels.subarray(at * lw, (at + take) * lw), carried * lw);
          if (w) carryW!.set(w.subarray(at, at + take), carried);
          at += take;
          carried += take;
          if (carried < unit) break;
          carried = 0;
          if (!unitOf(carryX, carryY, carryW, unit, lr, decay)) return this.batchesDone;
        }
        return -1;
      },
      end: (learningRate, weightDecay) => {
        const lr = Math.fround(learningRate),
          decay = Math.fround(weightDecay);
        const n = carried;
        carried = 0;
        const size = this.batchesDone === 0 ? FULL_BATCH : batchSize; // a batch of every row is full-batch descent
        if (n > 0) {
          stage(carryX, carryY, carryW, null, 0, n, inputs, this.xBatch, this.yBatch, this.wBatch, this.labelWidth);
          if (!this.trainUnit(n, size, lr, decay, weighted)) return this.batchesDone;
        }
        return this.oneUnit(size) || this.finishBatch(lr, decay) ? -1 : this.batchesDone;
      },
      release() {},
    };
  }

  epochStats(): PassStats & { recentLoss: number; limit: number; batches: number } {
    return { ...this.passStats(), recentLoss: this.recentLoss, limit: this.lossLimit(), batches: this.batchesDone };
  }

  evaluate(data: Dataset | { x: Matrix; y: Float32Array }, probabilities: Float32Array | null = null): PassStats {
    if (!('release' in data)) return this.evaluateMore(data.x, data.y, true, probabilities);
    this.resetStats(this.pass);
    this.eachHeldPart(data as JsDataset, (size, start) =>
      this.head.rows(this.forward(this.xBatch, size), this.yBatch, null, size, size, this.width, null, probabilities, start, this.pass),
    );
    return this.passStats(this.pass);
  }

  evaluateMore(x: Matrix, y: Float32Array, reset: boolean, probabilities: Float32Array | null = null): PassStats {
    if (reset) this.resetStats(this.pass);
    this.stream(
      x,
      y,
      (size, start) => void this.head.rows(this.forward(this.xBatch, size), this.yBatch, null, size, size, this.width, null, probabilities, start, this.pass),
    );
    return this.passStats(this.pass);
  }

  predict(x: Matrix): Float32Array {
    const probabilities = new Float32Array(x.rows * this.width);
    this.stream(x, null, (size, start) => this.head.outputs(this.forward(this.xBatch, size), probabilities, start, size, this.width));
    return probabilities;
  }

  /** As a full-batch epoch: gradients of the unscaled loss summed over units, then scaled by 1/rows once. */
  gradients(data: Dataset | { x: Matrix; y: Float32Array }): { stats: PassStats; layers: LayerParameters[] } {
    this.resetStats(this.pass);
    const part = (size: number, start: number) => {
      this.forward(this.xBatch, size);
      this.lossGradient(this.yBatch, null, size, 1, this.pass);
      this.backward(this.xBatch, size, 0, 0);
      this.addGradients(start === 0);
    };
    if ('release' in data) this.eachHeldPart(data as JsDataset, part);
    else this.stream(data.x, data.y, part);
    const rows = 'release' in data ? data.rows : data.x.rows;
    this.scaleGradients(rows);
    return {
      stats: this.passStats(this.pass),
      layers: this.layers.map((l) => ({ weights: Float32Array.from(l.gradWeights), bias: Float32Array.from(l.gradBias) })),
    };
  }

  /** Run `pass` over the rows of a dataset it holds, widened into xBatch (and yBatch) a chunk at a
   *  time — the chunks stream() cuts. */
  private eachHeldPart(ds: JsDataset, pass: (size: number, start: number) => void): void {
    this.ensureCapacity(ds.rows);
    for (let start = 0; start < ds.rows; start += this.chunkRows) {
      const size = Math.min(this.chunkRows, ds.rows - start);
      stage(ds.x, ds.y, null, null, start, size, this.inputs, this.xBatch, this.yBatch, EMPTY, this.labelWidth);
      pass(size, start);
    }
  }

  /** Run `pass` over x (and labels y) a chunk of rows at a time, each checked (and scaled) into
   *  a Float32Array, then widened into xBatch (and yBatch). */
  private stream(x: Matrix, y: Float32Array | null, pass: (size: number, start: number) => void): void {
    const chunk = Math.min(x.rows, this.chunkRows);
    this.ensureCapacity(chunk);
    const rows = new Float32Array(chunk * x.cols);
    for (let start = 0; start < x.rows; start += chunk) {
      const size = Math.min(chunk, x.rows - start);
      const part = size === chunk ? rows : rows.subarray(0, size * x.cols);
      copyCheckedRows(x, start, size, part);
      const lw = this.labelWidth;
      stage(part, y ? y.subarray(start * lw, (start + size) * lw) : null, null, null, 0, size, this.inputs, this.xBatch, this.yBatch, EMPTY, lw);
      pass(size, start);
    }
  }

  dispose(): void {
    this.capacity = 0;
    for (const layer of this.layers) layer.out = EMPTY;
    this.xBatch = this.yBatch = this.wBatch = this.delta = this.spare = EMPTY;
  }

  // Batches and units, as in assembly/model.ts: a batch the buffers hold is one unit (loss
  // gradient (p − y)/rows, back-propagation and step at once); a larger one, and every full batch,
  // sums the gradients of the unscaled loss over units in f64 and finishBatch scales them once.

  private oneUnit(batchSize: number): boolean {
    return batchSize !== FULL_BATCH && batchSize <= this.capacity;
  }

  /** Train the `rows` rows staged in xBatch, yBatch (and wBatch when weighted): a whole batch, or
   *  the next unit of a larger one. */
  private trainUnit(rows: number, batchSize: number, lr: number, decay: number, weighted: boolean): boolean {
    const x = this.xBatch,
      y = this.yBatch,
      w = weighted ? this.wBatch : null;
    this.forward(x, rows);
    if (this.oneUnit(batchSize)) {
      if (!this.acceptLoss(this.lossGradient(y, w, rows, rows), rows)) return false;
      this.backward(x, rows, lr, decay);
      return this.stepDone();
    }
    const done = this.batchRows;
    this.batchLoss += this.lossGradient(y, w, rows, 1);
    this.backward(x, rows, 0, 0);
    this.addGradients(done === 0);
    this.batchRows = done + rows;
    return true;
  }

  /** The end of a batch that ran in units: gradients ← fround(Σ / rows), then the step. */
  private finishBatch(lr: number, decay: number): boolean {
    const rows = this.batchRows;
    if (rows === 0) return true;
    const lossSum = this.batchLoss;
    this.batchRows = this.batchLoss = 0;
    if (!this.acceptLoss(lossSum, rows)) return false;
    this.scaleGradients(rows);
    this.update(lr, decay);
    return this.stepDone();
  }

  private stepDone(): boolean {
    this.advanceStep();
    if (!this.parametersFinite()) return false;
    this.batchesDone++;
    return true;
  }

  /** A_l = act(A_{l−1}W_l + b_l) for `rows` rows of x, each element rounded once to float32; the
   *  last layer keeps its logits. Returns them. */
  private forward(x: Doubles, rows: number): Doubles {
    const layers = this.layers,
      last = layers.length - 1;
    let a = x;
    for (let l = 0; l <= last; l++) {
      const layer = layers[l]!;
      gemm(a, layer.fanIn, 1, layer.weights, layer.out, rows, layer.fanIn, layer.units, 0);
      biasActivate(layer.out, layer.bias, rows, layer.units, l < last ? layer.act : LINEAR);
      a = layer.out;
    }
    return a;
  }

  /** The loss of `rows` rows just passed forward (into `stats`; returned as Σ lossᵢ) and
   *  dZ_L = fround((p − y)/batchRows) into delta — with weights w, Σ wᵢ·lossᵢ and
   *  fround(wᵢ·(pᵢ − yᵢ)/batchRows) — as assembly/model.ts's lossGradient. */
  private lossGradient(y: Doubles, w: Doubles | null, rows: number, batchRows: number, stats: PassStats = this.stats): number {
    return this.head.rows(this.layers[this.layers.length - 1]!.out, y, w, rows, batchRows, this.width, this.delta, null, 0, stats);
  }

  /** Fold a batch's mean loss into the recent loss (the fit's first batch also sets the
   *  reference); false when it is NaN or infinite, or the recent loss is above the limit (as
   *  assembly/model.ts's acceptLoss). */
  private acceptLoss(lossSum: number, rows: number): boolean {
    const mean = lossSum / rows;
    const before = this.recentLoss;
    const recent = Number.isNaN(before) ? mean : before + Math.min(1, rows / EXPLODING_WINDOW) * (mean - before);
    this.recentLoss = recent;
    const ok = Number.isFinite(mean) && recent <= this.lossLimit();
    if (ok && Number.isNaN(this.lossReference)) this.lossReference = mean;
    return ok;
  }

  private lossLimit(): number {
    if (!this.lossRule) return Infinity;
    const ceiling = this.head === HEAD_TWINS.regression ? Infinity : EXPLODING_CEILING; // (as the core's: a regression has no ceiling)
    if (Number.isNaN(this.lossReference)) return ceiling;
    return Math.min(ceiling, EXPLODING_FACTOR * Math.max(Math.LN2, this.lossReference));
  }

  /**
   * Back-propagation as in assembly/model.ts: with λ = 0, the gradients as raw f64 sums (which
   * addGradients() adds up over the units of a batch, and scaleGradients() divides and rounds
   * once the batch is complete); else each layer's update — plain SGD without weight decay fused
   * into the products, any other step by the optimizer's kernel from the gradients (weight decay
   * on the kernel only).
   */
  private backward(x: Doubles, rows: number, lr: number, decay: number): void {
    const fused = lr !== 0 && this.optimizer === SGD && decay === 0;
    const layers = this.layers,
      last = layers.length - 1;
    let delta = this.delta,
      spare = this.spare;
    for (let l = last; l >= 0; l--) {
      const layer = layers[l]!;
      const fanIn = layer.fanIn,
        units = layer.units;
      let input = x;
      if (l > 0) {
        const below = layers[l - 1]!;
        input = below.out;
        // dA_{l−1} = dZ_l W_lᵀ (with the kernel before its update), times act'(A_{l−1}), rounded once.
        let wt = layer.weights;
        if (units > 1) {
          wt = this.packed;
          transpose(layer.weights, fanIn, units, wt);
        }
        gemm(delta, units, 1, wt, spare, rows, units, fanIn, 0);
        activationBackward(spare, below.out, rows * fanIn, below.act);
      }
      if (fused) {
        // W ← fround(W + fround(−λ·fround(AᵀdZ))), fused into the product's stores; b likewise.
        gemm(input, 1, fanIn, delta, layer.weights, fanIn, rows, units, -lr);
        sumRows(delta, rows, units, layer.bias, -lr);
      } else {
        gemm(input, 1, fanIn, delta, layer.gradWeights, fanIn, rows, units, 0);
        sumRows(delta, rows, units, layer.gradBias, 0);
        if (lr !== 0) {
          roundInPlace(layer.gradWeights);
          roundInPlace(layer.gradBias);
          this.stepLayer(layer, lr, decay);
        }
      }
      const t = delta;
      delta = spare;
      spare = t;
    }
  }

  /** Add the raw gradients of one chunk of a batch to the batch's f64 sums (the first chunk sets them). */
  private addGradients(first: boolean): void {
    for (const layer of this.layers) {
      layer.sumWeights = addInto(layer.sumWeights, layer.gradWeights, first);
      layer.sumBias = addInto(layer.sumBias, layer.gradBias, first);
    }
  }

  /** The gradients of the mean loss, once a batch's units are all in: fround(Σ / rows) from the
   *  sums of addGradients. */
  private scaleGradients(rows: number): void {
    for (const layer of this.layers) {
      divideInto(layer.sumWeights, rows, layer.gradWeights);
      divideInto(layer.sumBias, rows, layer.gradBias);
    }
  }

  /** One optimizer step of every layer from its gradients. */
  private update(lr: number, decay: number): void {
    for (const layer of this.layers) this.stepLayer(layer, lr, decay);
  }

  /** One optimizer step of a layer's kernel (with weight decay) and bias (without). */
  private stepLayer(layer: Layer, lr: number, decay: number): void {
    const f = Math.fround;
    const c1 = f(1 - this.powers[0]!),
      c2 = f(1 - this.powers[1]!); // Adam's bias corrections 1 − βᵗ
    this.step(layer.weights, layer.gradWeights, layer.s1w, layer.s2w, lr, decay, c1, c2);
    this.step(layer.bias, layer.gradBias, layer.s1b, layer.s2b, lr, 0, c1, c2);
  }

  /** After a step: Adam's powers move on to the next step. */
  private advanceStep(): void {
    if (this.optimizer !== ADAM) return;
    const f = Math.fround;
    this.powers[0] = f(this.powers[0]! * this.hyper[0]!);
    this.powers[1] = f(this.powers[1]! * this.hyper[2]!);
  }

  private parametersFinite(): boolean {
    for (const layer of this.layers) {
      for (const values of [layer.weights, layer.bias]) {
        for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return false;
      }
    }
    return true;
  }

  /** One optimizer step over the parameters w with gradient g (float32 values) and state s1, s2. */
  private step(w: Doubles, g: Doubles, s1: Float32Array, s2: Float32Array, lr: number, decay: number, c1: number, c2: number): void {
    const h = this.hyper;
    if (this.optimizer === MOMENTUM) momentumStep(w, g, s1, lr, decay, h[0]!, this.nesterov);
    else if (this.optimizer === ADAM) adamStep(w, g, s1, s2, lr, decay, h[0]!, h[1]!, h[2]!, h[3]!, h[4]!, c1, c2);
    else sgdStep(w, g, lr, decay);
  }
}

/** to ← from, element by element (a typed array's set() does not take a plain array). */
function copy(from: Float32Array, to: Doubles): void {
  for (let i = 0; i < from.length; i++) to[i] = from[i]!;
}

/** Rows start…start+size of x (through order, if given), their labels (`labels` per row) and
 *  weights (if given), widened into xb, yb and wb. */
function stage(
  x: Float32Array,
  y: Float32Array | null,
  w: Float32Array | null,
  order: Uint32Array | null,
  start: number,
  size: number,
  cols: number,
  xb: Doubles,
  yb: Doubles,
  wb: Doubles,
  labels: number,
): void {
  for (let r = 0; r < size; r++) {
    const src = order ? order[start + r]! : start + r;
    let from = src * cols,
      to = r * cols;
    const end = to + cols;
    for (; to + 8 <= end; to += 8, from += 8) {
      const x0 = x[from]!,
        x1 = x[from + 1]!,
        x2 = x[from + 2]!,
        x3 = x[from + 3]!;
      const x4 = x[from + 4]!,
        x5 = x[from + 5]!,
        x6 = x[from + 6]!,
        x7 = x[from + 7]!;
      xb[to] = x0;
      xb[to + 1] = x1;
      xb[to + 2] = x2;
      xb[to + 3] = x3;
      xb[to + 4] = x4;
      xb[to + 5] = x5;
      xb[to + 6] = x6;
      xb[to + 7] = x7;
    }
    for (; to < end; to++, from++) xb[to] = x[from]!;
    if (y) {
      if (labels === 1) yb[r] = y[src]!;
      else for (let j = 0; j < labels; j++) yb[r * labels + j] = y[src * labels + j]!;
    }
    if (w) wb[r] = w[src]!;
  }
}

/** tanh(v) = −t/(t + 2) with t = expm1(−2|v|) (fdlibm's formula for |v| < 1, accurate for any v:
 *  t + 2 ∈ [1, 2] never cancels), given v's sign by v/|v| rather than a branch on it (random signs
 *  mispredict): ≈ 25% faster than Math.tanh. 0, ±∞ and NaN (a predictable branch) take Math.tanh. */
function tanh(v: number): number {
  const av = Math.abs(v);
  if (!(av > 0 && av < Infinity)) return Math.tanh(v);
  const t = Math.expm1(-2 * av);
  return (-t / (t + 2)) * (v / av);
}

/**
 * C (m×n) ← op(A)·B, the raw f64 sums; or with step ≠ 0, C ← fround(C + fround(step·fround(op(A)·B)))
 * (the SGD update W ← W − λ·dW with step = −λ). Each sum Σ_p A(i, p)·B(p, j) runs over
 * p = 0…k−1 in order, in f64, from +0. A(i, p) is a[i·aRow + p·aCol]; B is k×n row-major.
 * 2×4 register tiles (8 sums, 4 + 2 values: all in registers, where 4×4 spills), 1×4 for a last
 * odd row, and the last n mod 4 columns in gemmColumns. Indices are int32 (`| 0`): no overflow
 * checks on them.
 */
function gemm(a: Doubles, aRow: number, aCol: number, b: Doubles, c: Doubles, m: number, k: number, n: number, step: number): void {
  const f = Math.fround;
  const n4 = n - (n & 3); // columns 0…n4−1 in tiles 4 wide, the rest in gemmColumns
  let i = 0;
  for (; i + 2 <= m; i += 2) {
    const ai = i * aRow;
    for (let j = 0; j < n4; j += 4) {
      let c00 = 0,
        c01 = 0,
        c02 = 0,
        c03 = 0,
        c10 = 0,
        c11 = 0,
        c12 = 0,
        c13 = 0;
      for (let p = 0, ap = ai, bp = j; p < k; p++) {
        const b0 = b[bp]!,
          b1 = b[(bp + 1) | 0]!,
          b2 = b[(bp + 2) | 0]!,
          b3 = b[(bp + 3) | 0]!;
        const x0 = a[ap]!,
          x1 = a[(ap + aRow) | 0]!;
        c00 += x0 * b0;
        c01 += x0 * b1;
        c02 += x0 * b2;
        c03 += x0 * b3;
        c10 += x1 * b0;
        c11 += x1 * b1;
        c12 += x1 * b2;
        c13 += x1 * b3;
        ap = (ap + aCol) | 0;
        bp = (bp + n) | 0;
      }
      const o0 = i * n + j,
        o1 = o0 + n;
      if (step === 0) {
        c[o0] = c00;
        c[o0 + 1] = c01;
        c[o0 + 2] = c02;
        c[o0 + 3] = c03;
        c[o1] = c10;
        c[o1 + 1] = c11;
        c[o1 + 2] = c12;
        c[o1 + 3] = c13;
      } else {
        c[o0] = f(c[o0]! + f(step * f(c00)));
        c[o0 + 1] = f(c[o0 + 1]! + f(step * f(c01)));
        c[o0 + 2] = f(c[o0 + 2]! + f(step * f(c02)));
        c[o0 + 3] = f(c[o0 + 3]! + f(step * f(c03)));
        c[o1] = f(c[o1]! + f(step * f(c10)));
        c[o1 + 1] = f(c[o1 + 1]! + f(step * f(c11)));
        c[o1 + 2] = f(c[o1 + 2]! + f(step * f(c12)));
        c[o1 + 3] = f(c[o1 + 3]! + f(step * f(c13)));
      }
    }
  }
  if (i < m) {
    const ai = i * aRow;
    for (let j = 0; j < n4; j += 4) {
      let c0 = 0,
        c1 = 0,
        c2 = 0,
        c3 = 0;
      for (let p = 0, ap = ai, bp = j; p < k; p++) {
        const x = a[ap]!;
        c0 += x * b[bp]!;
        c1 += x * b[(bp + 1) | 0]!;
        c2 += x * b[(bp + 2) | 0]!;
        c3 += x * b[(bp + 3) | 0]!;
        ap = (ap + aCol) | 0;
        bp = (bp + n) | 0;
      }
      const o = i * n + j;
      if (step === 0) {
        c[o] = c0;
        c[o + 1] = c1;
        c[o + 2] = c2;
        c[o + 3] = c3;
      } else {
        c[o] = f(c[o]! + f(step * f(c0)));
        c[o + 1] = f(c[o + 1]! + f(step * f(c1)));
        c[o + 2] = f(c[o + 2]! + f(step * f(c2)));
        c[o + 3] = f(c[o + 3]! + f(step * f(c3)));
      }
    }
  }
  if (n4 < n) gemmColumns(a, aRow, aCol, b, c, m, k, n, step, n4);
}

/** gemm for the columns j0…n−1 only (fewer than 4, often the single column of the output layer):
 *  8×1 tiles, which keep 8 independent sums in flight, then 4×1 and 1×1. */
function gemmColumns(a: Doubles, aRow: number, aCol: number, b: Doubles, c: Doubles, m: number, k: number, n: number, step: number, j0: number): void {
  const f = Math.fround;
  const aRow2 = 2 * aRow,
    aRow3 = 3 * aRow,
    aRow4 = 4 * aRow,
    aRow5 = 5 * aRow,
    aRow6 = 6 * aRow,
    aRow7 = 7 * aRow;
  for (let j = j0; j < n; j++) {
    let i = 0;
    for (; i + 8 <= m; i += 8) {
      let c0 = 0,
        c1 = 0,
        c2 = 0,
        c3 = 0,
        c4 = 0,
        c5 = 0,
        c6 = 0,
        c7 = 0;
      for (let p = 0, ap = i * aRow, bp = j; p < k; p++) {
        const bv = b[bp]!;
        c0 += a[ap]! * bv;
        c1 += a[(ap + aRow) | 0]! * bv;
        c2 += a[(ap + aRow2) | 0]! * bv;
        c3 += a[(ap + aRow3) | 0]! * bv;
        c4 += a[(ap + aRow4) | 0]! * bv;
        c5 += a[(ap + aRow5) | 0]! * bv;
        c6 += a[(ap + aRow6) | 0]! * bv;
        c7 += a[(ap + aRow7) | 0]! * bv;
        ap = (ap + aCol) | 0;
        bp = (bp + n) | 0;
      }
      const o = i * n + j;
      if (step === 0) {
        c[o] = c0;
        c[o + n] = c1;
        c[o + 2 * n] = c2;
        c[o + 3 * n] = c3;
        c[o + 4 * n] = c4;
        c[o + 5 * n] = c5;
        c[o + 6 * n] = c6;
        c[o + 7 * n] = c7;
      } else {
        c[o] = f(c[o]! + f(step * f(c0)));
        c[o + n] = f(c[o + n]! + f(step * f(c1)));
        c[o + 2 * n] = f(c[o + 2 * n]! + f(step * f(c2)));
        c[o + 3 * n] = f(c[o + 3 * n]! + f(step * f(c3)));
        c[o + 4 * n] = f(c[o + 4 * n]! + f(step * f(c4)));
        c[o + 5 * n] = f(c[o + 5 * n]! + f(step * f(c5)));
        c[o + 6 * n] = f(c[o + 6 * n]! + f(step * f(c6)));
        c[o + 7 * n] = f(c[o + 7 * n]! + f(step * f(c7)));
      }
    }
    for (; i + 4 <= m; i += 4) {
      let c0 = 0,
        c1 = 0,
        c2 = 0,
        c3 = 0;
      for (let p = 0, ap = i * aRow, bp = j; p < k; p++) {
        const bv = b[bp]!;
        c0 += a[ap]! * bv;
        c1 += a[(ap + aRow) | 0]! * bv;
        c2 += a[(ap + aRow2) | 0]! * bv;
        c3 += a[(ap + aRow3) | 0]! * bv;
        ap = (ap + aCol) | 0;
        bp = (bp + n) | 0;
      }
      const o = i * n + j;
      if (step === 0) {
        c[o] = c0;
        c[o + n] = c1;
        c[o + 2 * n] = c2;
        c[o + 3 * n] = c3;
      } else {
        c[o] = f(c[o]! + f(step * f(c0)));
        c[o + n] = f(c[o + n]! + f(step * f(c1)));
        c[o + 2 * n] = f(c[o + 2 * n]! + f(step * f(c2)));
        c[o + 3 * n] = f(c[o + 3 * n]! + f(step * f(c3)));
      }
    }
    for (; i < m; i++) {
      let s = 0;
      for (let p = 0, ap = i * aRow, bp = j; p < k; p++, ap = (ap + aCol) | 0, bp = (bp + n) | 0) s += a[ap]! * b[bp]!;
      const o = i * n + j;
      c[o] = step === 0 ? s : f(c[o]! + f(step * f(s)));
    }
  }
}

/** z (rows×n, raw f64 sums) ← fround(act(z + bias)) in place: the bias and activation of a dense layer. */
function biasActivate(z: Doubles, bias: Doubles, rows: number, n: number, act: number): void {
  const f = Math.fround;
  for (let i = 0, o = 0; i < rows; i++, o += n) {
    if (act === RELU) {
      // max(v, 0) without a branch on the sign, which mispredicts half the time: (v + |v|)/2 is
      // exactly v for v > 0 and +0 for v ≤ 0 (also −0), NaN for NaN; only −∞ needs a test.
      for (let j = 0; j < n; j++) {
        const v = z[o + j]! + bias[j]!;
        z[o + j] = v === -Infinity ? 0 : f((v + Math.abs(v)) * 0.5);
      }
    } else if (act === TANH) for (let j = 0; j < n; j++) z[o + j] = f(tanh(z[o + j]! + bias[j]!));
    // 1/(1 + e^−v) is accurate for either sign (e^−v = ∞ gives 0) and needs no branch on it.
    else if (act === SIGMOID) for (let j = 0; j < n; j++) z[o + j] = f(1 / (1 + Math.exp(-(z[o + j]! + bias[j]!))));
    else for (let j = 0; j < n; j++) z[o + j] = f(z[o + j]! + bias[j]!);
  }
}

/** grad (raw f64 sums) ← fround(grad ⊙ act'(z)) in place, from the stored outputs a = act(z). */
function activationBackward(grad: Doubles, a: Doubles, count: number, act: number): void {
  const f = Math.fround;
  if (act === RELU) {
    // a > 0 ? g : +0 without a branch on a (the sign of a mispredicts half the time; so does
    // Math.min): a is a relu output, +0 or a float32 ≥ 2⁻¹⁴⁹, so m = ceil(a·2⁻²⁰⁰) is 0 or 1, and
    // g·1 + 0 = g, g·0 + 0 = +0. Infinite or NaN a or g (a diverged model) fail the always-true
    // test and take the plain comparison.
    const tiny = 2 ** -200;
    for (let i = 0; i < count; i++) {
      const g = grad[i]!,
        m = Math.ceil(a[i]! * tiny),
        t = g * m;
      grad[i] = t === t && m <= 1 ? f(t + 0) : a[i]! > 0 ? f(g) : 0;
    }
  } else if (act === TANH) for (let i = 0; i < count; i++) grad[i] = f(grad[i]! * (1 - a[i]! * a[i]!));
  else if (act === SIGMOID) for (let i = 0; i < count; i++) grad[i] = f(grad[i]! * (a[i]! * (1 - a[i]!)));
  else for (let i = 0; i < count; i++) grad[i] = f(grad[i]!);
}

/** W (rows×cols) → Wᵀ (cols×rows), so that dZ·Wᵀ runs through gemm with B row-major. */
function transpose(w: Doubles, rows: number, cols: number, out: Doubles): void {
  for (let r = 0; r < rows; r++) {
    const from = r * cols;
    for (let q = 0; q < cols; q++) out[q * rows + r] = w[from + q]!;
  }
}

/** v ← fround(v), element by element. */
function roundInPlace(v: Doubles): void {
  const f = Math.fround;
  for (let i = 0; i < v.length; i++) v[i] = f(v[i]!);
}

/** to ← fround(from / d), element by element. */
function divideInto(from: Float64Array, d: number, to: Doubles): void {
  const f = Math.fround;
  for (let i = 0; i < to.length; i++) to[i] = f(from[i]! / d);
}

/** sums ← v (first) or sums + v; returns sums (made as long as v on first use). */
function addInto(sums: Float64Array, v: Doubles, first: boolean): Float64Array {
  if (sums.length !== v.length) sums = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) sums[i] = first ? v[i]! : sums[i]! + v[i]!;
  return sums;
}

/** With step ≠ 0, out[j] ← fround(out[j] + fround(step·fround(Σ_i d[i][j]))); else out[j] ← Σ_i d[i][j],
 *  the raw f64 sum. d is rows×cols, each column summed over the rows in order, in f64. */
function sumRows(d: Doubles, rows: number, cols: number, out: Doubles, step: number): void {
  const f = Math.fround;
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    let s0 = 0,
      s1 = 0,
      s2 = 0,
      s3 = 0;
    for (let i = 0, o = j; i < rows; i++, o += cols) {
      s0 += d[o]!;
      s1 += d[o + 1]!;
      s2 += d[o + 2]!;
      s3 += d[o + 3]!;
    }
    if (step !== 0) {
      out[j] = f(out[j]! + f(step * f(s0)));
      out[j + 1] = f(out[j + 1]! + f(step * f(s1)));
      out[j + 2] = f(out[j + 2]! + f(step * f(s2)));
      out[j + 3] = f(out[j + 3]! + f(step * f(s3)));
    } else {
      out[j] = s0;
      out[j + 1] = s1;
      out[j + 2] = s2;
      out[j + 3] = s3;
    }
  }
  for (; j < cols; j++) {
    let s = 0;
    for (let i = 0, o = j; i < rows; i++, o += cols) s += d[o]!;
    out[j] = step !== 0 ? f(out[j]! + f(step * f(s))) : s;
  }
}

// The optimizer steps of assembly/optimizers.ts, each float32 operation rounded as it rounds it
// (one IEEE operation on float32 values, computed in f64 and rounded, gives the same float32).

/** w ← w − λ·(g + λ₂·w). */
function sgdStep(w: Doubles, g: Doubles, lr: number, decay: number): void {
  const f = Math.fround,
    step = -lr;
  for (let i = 0; i < w.length; i++) {
    const wi = w[i]!;
    w[i] = f(wi + f(step * f(g[i]! + f(decay * wi))));
  }
}

/** v ← μ·v + g'; w ← w − λ·v, or w ← w − λ·(g' + v·μ) for Nesterov (g' = g + λ₂·w). */
function momentumStep(w: Doubles, g: Doubles, v: Float32Array, lr: number, decay: number, mu: number, nesterov: boolean): void {
  const f = Math.fround,
    step = -lr;
  for (let i = 0; i < w.length; i++) {
    const wi = w[i]!;
    const gi = f(g[i]! + f(decay * wi));
    const vi = f(f(mu * v[i]!) + gi);
    v[i] = vi;
    w[i] = f(f(step * (nesterov ? f(gi + f(vi * mu)) : vi)) + wi);
  }
}

/** Adam's moments m ← m·β1 + g'·(1−β1), v ← v·β2 + g'²·(1−β2); w ← w + (m/c1)/(√(v/c2) + ε)·(−λ). */
function adamStep(
  w: Doubles,
  g: Doubles,
  m: Float32Array,
  v: Float32Array,
  lr: number,
  decay: number,
  beta1: number,
  beta1c: number,
  beta2: number,
  beta2c: number,
  epsilon: number,
  c1: number,
  c2: number,
): void {
  const f = Math.fround,
    step = -lr;
  for (let i = 0; i < w.length; i++) {
    const wi = w[i]!;
    const gi = f(g[i]! + f(decay * wi));
    const mi = f(f(m[i]! * beta1) + f(gi * beta1c));
    const vi = f(f(v[i]! * beta2) + f(f(gi * gi) * beta2c));
    m[i] = mi;
    v[i] = vi;
    w[i] = f(f(f(f(mi / c1) / f(f(Math.sqrt(f(vi / c2))) + epsilon)) * step) + wi);
  }
}
