// The 'js' backend: DESIGN.md §1 in plain TypeScript, the twin of assembly/. Every sum runs
// over the same index in the same order with float32 rounding after each multiply and add
// (Math.fround), activations are computed in f64 and rounded once to float32, BCE in f64, so
// it computes bit for bit what the WebAssembly core computes.
//
// Exactness: the product of two float32 values is exact in f64, so fround(a·b) is the float32
// product; fround(s + q) of two float32 values is their float32 sum (rounding an f64 sum of two
// float32 values again to float32 is innocuous); every sum starts at +0, as in the core.
//
// Speed, with no SIMD in plain JS (bench/js-backend.ts measures it against the core):
// - Each rounding is a cvtsd2ss + cvtss2sd pair in V8, and those conversions bound the
//   multiply-adds (4 per multiply-add, ≈ 2 GFLOP/s here; the same loops in f64 would run at
//   ≈ 5). So the buffers are Float64Arrays holding float32 values exactly: a Float32Array load
//   would cost one more conversion. The caller's float32 rows are widened when a batch is
//   staged; parameters convert back to Float32Array exactly in getParameters().
// - One matrix kernel, gemm, with 4×4 register tiles (4 + 4 loads per 16 multiply-adds, the
//   sums in registers) and 8×1 tiles for the last column(s) — the output layer's single unit —
//   so that 8 independent sums hide the latency of each rounded add. The SGD step is fused
//   into its stores; bias + activation and the activation derivative are passes of their own.
// - No data-dependent branches where the data is random: relu, relu' and max(z, 0) are
//   arithmetic (a mispredicted sign test cost more than the rest of the element).
// - No closures, destructuring or allocation per step; one kind of typed array per argument,
//   so every function stays monomorphic.
import type { Architecture, Backend, Dataset, LayerParameters, PassStats } from './backend.js';
import { toFloat32, type Matrix } from '../data.js';
import { activationCode } from '../layers.js';
import { Xoshiro128, type RngState } from '../prng.js';

const LINEAR = 0, SIGMOID = 1, TANH = 2, RELU = 3; // as in assembly/activations.ts

const EMPTY = new Float64Array(0);

class Layer {
  readonly fanIn: number;
  readonly units: number;
  readonly act: number;
  readonly weights: Float64Array; // fanIn × units, float32 values
  readonly bias: Float64Array;
  readonly gradWeights: Float64Array;
  readonly gradBias: Float64Array;
  out: Float64Array = EMPTY; // capacity × units: activations, or logits for the last layer

  constructor(fanIn: number, units: number, act: number) {
    this.fanIn = fanIn;
    this.units = units;
    this.act = act;
    this.weights = new Float64Array(fanIn * units);
    this.bias = new Float64Array(units);
    this.gradWeights = new Float64Array(fanIn * units);
    this.gradBias = new Float64Array(units);
  }
}

interface JsDataset extends Dataset {
  readonly x: Float32Array;
  readonly y: Float32Array | null;
  order: Uint32Array | null;
}

export async function createJsBackend(architecture: Architecture, parameters: readonly LayerParameters[], rng: RngState): Promise<Backend> {
  return new JsBackend(architecture, parameters, rng);
}

class JsBackend implements Backend {
  private readonly inputs: number;
  private readonly layers: Layer[] = [];
  private readonly rng = new Xoshiro128(0);
  private readonly widest: number;
  private capacity = 0;
  private xBatch = EMPTY;  // capacity × inputs: the rows of the current batch or chunk
  private yBatch = EMPTY;  // capacity labels
  private delta = EMPTY;   // capacity × widest: the gradient flowing back…
  private spare = EMPTY;   // …and its ping-pong partner
  private readonly packed: Float64Array; // a transposed hidden kernel
  private readonly stats: PassStats = { lossSum: 0, correct: 0 };

  constructor(architecture: Architecture, parameters: readonly LayerParameters[], rng: RngState) {
    this.inputs = architecture.inputs;
    this.rng.setState(rng);
    let fanIn = architecture.inputs, widest = fanIn, packed = 0;
    for (let l = 0; l < architecture.layers.length; l++) {
      const { units, activation } = architecture.layers[l]!;
      this.layers.push(new Layer(fanIn, units, activationCode(activation)));
      if (l > 0) packed = Math.max(packed, fanIn * units);
      widest = Math.max(widest, units);
      fanIn = units;
    }
    this.widest = widest;
    this.packed = new Float64Array(packed);
    this.setParameters(parameters);
  }

  setParameters(parameters: readonly LayerParameters[]): void {
    for (let l = 0; l < this.layers.length; l++) {
      this.layers[l]!.weights.set(parameters[l]!.weights);
      this.layers[l]!.bias.set(parameters[l]!.bias);
    }
  }

  getParameters(): LayerParameters[] {
    return this.layers.map((l) => ({ weights: Float32Array.from(l.weights), bias: Float32Array.from(l.bias) }));
  }

  load(x: Matrix, y: Float32Array | null): JsDataset {
    return { rows: x.rows, x: toFloat32(x), y, order: null, release() {} };
  }

  private ensureCapacity(rows: number): void {
    if (rows <= this.capacity) return;
    this.capacity = rows;
    for (const layer of this.layers) layer.out = new Float64Array(rows * layer.units);
    this.xBatch = new Float64Array(rows * this.inputs);
    this.yBatch = new Float64Array(rows);
    this.delta = new Float64Array(rows * this.widest);
    this.spare = new Float64Array(rows * this.widest);
  }

  private resetStats(): PassStats {
    this.stats.lossSum = 0;
    this.stats.correct = 0;
    return this.stats;
  }

  trainEpoch(data: Dataset, batchSize: number, learningRate: number, shuffle: boolean): PassStats {
    const ds = data as JsDataset;
    const rows = ds.rows, inputs = this.inputs;
    this.ensureCapacity(batchSize);
    this.resetStats();
    const lr = Math.fround(learningRate);
    let order: Uint32Array | null = null;
    if (shuffle) {
      order = ds.order ??= new Uint32Array(rows);
      this.rng.shuffle(order, rows);
    }
    const xb = this.xBatch, yb = this.yBatch;
    for (let start = 0; start < rows; start += batchSize) {
      const size = Math.min(batchSize, rows - start);
      stage(ds.x, ds.y!, order, start, size, inputs, xb, yb);
      this.forward(xb, size);
      this.backward(xb, yb, size, lr);
    }
    return { lossSum: this.stats.lossSum, correct: this.stats.correct };
  }

  evaluate(data: Dataset): PassStats {
    const ds = data as JsDataset;
    this.resetStats();
    this.ensureCapacity(Math.min(ds.rows, 1024));
    for (let start = 0; start < ds.rows; start += this.capacity) {
      const size = Math.min(this.capacity, ds.rows - start);
      stage(ds.x, ds.y, null, start, size, this.inputs, this.xBatch, this.yBatch);
      bceBatch(this.forward(this.xBatch, size), this.yBatch, size, null, this.stats);
    }
    return { lossSum: this.stats.lossSum, correct: this.stats.correct };
  }

  predict(data: Dataset): Float32Array {
    const ds = data as JsDataset;
    const probabilities = new Float32Array(ds.rows);
    this.ensureCapacity(Math.min(ds.rows, 1024));
    for (let start = 0; start < ds.rows; start += this.capacity) {
      const size = Math.min(this.capacity, ds.rows - start);
      stage(ds.x, null, null, start, size, this.inputs, this.xBatch, this.yBatch);
      const logits = this.forward(this.xBatch, size);
      for (let i = 0; i < size; i++) probabilities[start + i] = sigmoid(logits[i]!);
    }
    return probabilities;
  }

  gradients(data: Dataset): { stats: PassStats; layers: LayerParameters[] } {
    const ds = data as JsDataset;
    this.ensureCapacity(ds.rows);
    this.resetStats();
    stage(ds.x, ds.y!, null, 0, ds.rows, this.inputs, this.xBatch, this.yBatch);
    this.forward(this.xBatch, ds.rows);
    this.backward(this.xBatch, this.yBatch, ds.rows, 0);
    return {
      stats: { lossSum: this.stats.lossSum, correct: this.stats.correct },
      layers: this.layers.map((l) => ({ weights: Float32Array.from(l.gradWeights), bias: Float32Array.from(l.gradBias) })),
    };
  }

  dispose(): void {
    this.capacity = 0;
    for (const layer of this.layers) layer.out = EMPTY;
    this.xBatch = this.yBatch = this.delta = this.spare = EMPTY;
  }

  /** A_l = act(A_{l−1}W_l + b_l) for `rows` rows of x; the last layer keeps its logits. Returns them. */
  private forward(x: Float64Array, rows: number): Float64Array {
    const layers = this.layers, last = layers.length - 1;
    let a = x;
    for (let l = 0; l <= last; l++) {
      const layer = layers[l]!;
      gemm(a, layer.fanIn, 1, layer.weights, layer.out, rows, layer.fanIn, layer.units, 0);
      biasActivate(layer.out, layer.bias, rows, layer.units, l < last ? layer.act : LINEAR);
      a = layer.out;
    }
    return a;
  }

  /** Back-propagation as in assembly/model.ts: with a learning rate, the SGD step; with 0, the gradients. */
  private backward(x: Float64Array, y: Float64Array, rows: number, lr: number): void {
    const update = lr !== 0;
    const alpha = update ? -lr : 1;
    const layers = this.layers, last = layers.length - 1;
    let delta = this.delta, spare = this.spare;
    bceBatch(layers[last]!.out, y, rows, delta, this.stats);
    for (let l = last; l >= 0; l--) {
      const layer = layers[l]!;
      const fanIn = layer.fanIn, units = layer.units;
      let input = x;
      if (l > 0) {
        const below = layers[l - 1]!;
        input = below.out;
        // dA_{l−1} = dZ_l W_lᵀ (with the kernel before its update), times act'(A_{l−1}).
        let wt = layer.weights;
        if (units > 1) {
          wt = this.packed;
          transpose(layer.weights, fanIn, units, wt);
        }
        gemm(delta, units, 1, wt, spare, rows, units, fanIn, 0);
        activationBackward(spare, below.out, rows * fanIn, below.act);
      }
      // W ← W − λ·AᵀdZ fused (step −λ), or the plain gradient AᵀdZ (α = 1: fround(1·s) = s).
      gemm(input, 1, fanIn, delta, update ? layer.weights : layer.gradWeights, fanIn, rows, units, update ? alpha : 0);
      sumRows(delta, rows, units, update ? layer.bias : layer.gradBias, alpha, update);
      const t = delta;
      delta = spare;
      spare = t;
    }
  }
}

/** Rows start…start+size of x (through order, if given) and their labels, widened into xb and yb. */
function stage(x: Float32Array, y: Float32Array | null, order: Uint32Array | null, start: number, size: number,
               cols: number, xb: Float64Array, yb: Float64Array): void {
  for (let r = 0; r < size; r++) {
    const src = order ? order[start + r]! : start + r;
    let from = src * cols, to = r * cols;
    const end = to + cols;
    for (; to + 8 <= end; to += 8, from += 8) {
      const x0 = x[from]!, x1 = x[from + 1]!, x2 = x[from + 2]!, x3 = x[from + 3]!;
      const x4 = x[from + 4]!, x5 = x[from + 5]!, x6 = x[from + 6]!, x7 = x[from + 7]!;
      xb[to] = x0; xb[to + 1] = x1; xb[to + 2] = x2; xb[to + 3] = x3;
      xb[to + 4] = x4; xb[to + 5] = x5; xb[to + 6] = x6; xb[to + 7] = x7;
    }
    for (; to < end; to++, from++) xb[to] = x[from]!;
    if (y) yb[r] = y[src]!;
  }
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/**
 * C (m×n) ← op(A)·B, or with step ≠ 0, C ← fround(C + fround(step·op(A)·B)) (the SGD update,
 * as the core's matmulTransA with accumulate): each sum Σ_p A(i, p)·B(p, j) runs over p = 0…k−1
 * in order, in float32, from +0. A(i, p) is a[i·aRow + p·aCol]; B is k×n row-major.
 * 4×4 register tiles, 1×4 for the last m mod 4 rows, and the last n mod 4 columns in gemmColumns.
 */
function gemm(a: Float64Array, aRow: number, aCol: number, b: Float64Array, c: Float64Array,
              m: number, k: number, n: number, step: number): void {
  const f = Math.fround;
  const aRow2 = 2 * aRow, aRow3 = 3 * aRow;
  const n4 = n - (n & 3); // columns 0…n4−1 in tiles 4 wide, the rest in gemmColumns
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const ai = i * aRow;
    for (let j = 0; j < n4; j += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let p = 0, ap = ai, bp = j; p < k; p++, ap += aCol, bp += n) {
        const b0 = b[bp]!, b1 = b[bp + 1]!, b2 = b[bp + 2]!, b3 = b[bp + 3]!;
        let x = a[ap]!;
        c00 = f(c00 + f(x * b0)); c01 = f(c01 + f(x * b1)); c02 = f(c02 + f(x * b2)); c03 = f(c03 + f(x * b3));
        x = a[ap + aRow]!;
        c10 = f(c10 + f(x * b0)); c11 = f(c11 + f(x * b1)); c12 = f(c12 + f(x * b2)); c13 = f(c13 + f(x * b3));
        x = a[ap + aRow2]!;
        c20 = f(c20 + f(x * b0)); c21 = f(c21 + f(x * b1)); c22 = f(c22 + f(x * b2)); c23 = f(c23 + f(x * b3));
        x = a[ap + aRow3]!;
        c30 = f(c30 + f(x * b0)); c31 = f(c31 + f(x * b1)); c32 = f(c32 + f(x * b2)); c33 = f(c33 + f(x * b3));
      }
      const o0 = i * n + j, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
      if (step === 0) {
        c[o0] = c00; c[o0 + 1] = c01; c[o0 + 2] = c02; c[o0 + 3] = c03;
        c[o1] = c10; c[o1 + 1] = c11; c[o1 + 2] = c12; c[o1 + 3] = c13;
        c[o2] = c20; c[o2 + 1] = c21; c[o2 + 2] = c22; c[o2 + 3] = c23;
        c[o3] = c30; c[o3 + 1] = c31; c[o3 + 2] = c32; c[o3 + 3] = c33;
      } else {
        c[o0] = f(c[o0]! + f(c00 * step)); c[o0 + 1] = f(c[o0 + 1]! + f(c01 * step));
        c[o0 + 2] = f(c[o0 + 2]! + f(c02 * step)); c[o0 + 3] = f(c[o0 + 3]! + f(c03 * step));
        c[o1] = f(c[o1]! + f(c10 * step)); c[o1 + 1] = f(c[o1 + 1]! + f(c11 * step));
        c[o1 + 2] = f(c[o1 + 2]! + f(c12 * step)); c[o1 + 3] = f(c[o1 + 3]! + f(c13 * step));
        c[o2] = f(c[o2]! + f(c20 * step)); c[o2 + 1] = f(c[o2 + 1]! + f(c21 * step));
        c[o2 + 2] = f(c[o2 + 2]! + f(c22 * step)); c[o2 + 3] = f(c[o2 + 3]! + f(c23 * step));
        c[o3] = f(c[o3]! + f(c30 * step)); c[o3 + 1] = f(c[o3 + 1]! + f(c31 * step));
        c[o3 + 2] = f(c[o3 + 2]! + f(c32 * step)); c[o3 + 3] = f(c[o3 + 3]! + f(c33 * step));
      }
    }
  }
  for (; i < m; i++) {
    const ai = i * aRow;
    for (let j = 0; j < n4; j += 4) {
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      for (let p = 0, ap = ai, bp = j; p < k; p++, ap += aCol, bp += n) {
        const x = a[ap]!;
        c0 = f(c0 + f(x * b[bp]!)); c1 = f(c1 + f(x * b[bp + 1]!));
        c2 = f(c2 + f(x * b[bp + 2]!)); c3 = f(c3 + f(x * b[bp + 3]!));
      }
      const o = i * n + j;
      if (step === 0) {
        c[o] = c0; c[o + 1] = c1; c[o + 2] = c2; c[o + 3] = c3;
      } else {
        c[o] = f(c[o]! + f(c0 * step)); c[o + 1] = f(c[o + 1]! + f(c1 * step));
        c[o + 2] = f(c[o + 2]! + f(c2 * step)); c[o + 3] = f(c[o + 3]! + f(c3 * step));
      }
    }
  }
  if (n4 < n) gemmColumns(a, aRow, aCol, b, c, m, k, n, step, n4);
}

/** gemm for the columns j0…n−1 only (fewer than 4, often the single column of the output layer):
 *  8×1 tiles, which keep 8 independent sums in flight, then 4×1 and 1×1. */
function gemmColumns(a: Float64Array, aRow: number, aCol: number, b: Float64Array, c: Float64Array,
                     m: number, k: number, n: number, step: number, j0: number): void {
  const f = Math.fround;
  const aRow2 = 2 * aRow, aRow3 = 3 * aRow, aRow4 = 4 * aRow, aRow5 = 5 * aRow, aRow6 = 6 * aRow, aRow7 = 7 * aRow;
  for (let j = j0; j < n; j++) {
    let i = 0;
    for (; i + 8 <= m; i += 8) {
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0;
      for (let p = 0, ap = i * aRow, bp = j; p < k; p++, ap += aCol, bp += n) {
        const bv = b[bp]!;
        c0 = f(c0 + f(a[ap]! * bv)); c1 = f(c1 + f(a[ap + aRow]! * bv));
        c2 = f(c2 + f(a[ap + aRow2]! * bv)); c3 = f(c3 + f(a[ap + aRow3]! * bv));
        c4 = f(c4 + f(a[ap + aRow4]! * bv)); c5 = f(c5 + f(a[ap + aRow5]! * bv));
        c6 = f(c6 + f(a[ap + aRow6]! * bv)); c7 = f(c7 + f(a[ap + aRow7]! * bv));
      }
      const o = i * n + j;
      if (step === 0) {
        c[o] = c0; c[o + n] = c1; c[o + 2 * n] = c2; c[o + 3 * n] = c3;
        c[o + 4 * n] = c4; c[o + 5 * n] = c5; c[o + 6 * n] = c6; c[o + 7 * n] = c7;
      } else {
        c[o] = f(c[o]! + f(c0 * step)); c[o + n] = f(c[o + n]! + f(c1 * step));
        c[o + 2 * n] = f(c[o + 2 * n]! + f(c2 * step)); c[o + 3 * n] = f(c[o + 3 * n]! + f(c3 * step));
        c[o + 4 * n] = f(c[o + 4 * n]! + f(c4 * step)); c[o + 5 * n] = f(c[o + 5 * n]! + f(c5 * step));
        c[o + 6 * n] = f(c[o + 6 * n]! + f(c6 * step)); c[o + 7 * n] = f(c[o + 7 * n]! + f(c7 * step));
      }
    }
    for (; i + 4 <= m; i += 4) {
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      for (let p = 0, ap = i * aRow, bp = j; p < k; p++, ap += aCol, bp += n) {
        const bv = b[bp]!;
        c0 = f(c0 + f(a[ap]! * bv)); c1 = f(c1 + f(a[ap + aRow]! * bv));
        c2 = f(c2 + f(a[ap + aRow2]! * bv)); c3 = f(c3 + f(a[ap + aRow3]! * bv));
      }
      const o = i * n + j;
      if (step === 0) {
        c[o] = c0; c[o + n] = c1; c[o + 2 * n] = c2; c[o + 3 * n] = c3;
      } else {
        c[o] = f(c[o]! + f(c0 * step)); c[o + n] = f(c[o + n]! + f(c1 * step));
        c[o + 2 * n] = f(c[o + 2 * n]! + f(c2 * step)); c[o + 3 * n] = f(c[o + 3 * n]! + f(c3 * step));
      }
    }
    for (; i < m; i++) {
      let s = 0;
      for (let p = 0, ap = i * aRow, bp = j; p < k; p++, ap += aCol, bp += n) s = f(s + f(a[ap]! * b[bp]!));
      const o = i * n + j;
      c[o] = step === 0 ? s : f(c[o]! + f(s * step));
    }
  }
}

/** z (rows×n) ← act(fround(z + bias)) in place: the bias and activation of a dense layer. */
function biasActivate(z: Float64Array, bias: Float64Array, rows: number, n: number, act: number): void {
  const f = Math.fround;
  for (let i = 0, o = 0; i < rows; i++, o += n) {
    if (act === RELU) {
      // max(v, 0) without a branch on the sign, which mispredicts half the time: (v + |v|)/2 is
      // exactly v for v > 0 and +0 for v ≤ 0 (also −0), NaN for NaN; only −∞ needs a test.
      for (let j = 0; j < n; j++) {
        const v = f(z[o + j]! + bias[j]!);
        z[o + j] = v === -Infinity ? 0 : (v + Math.abs(v)) * 0.5;
      }
    }
    else if (act === TANH) for (let j = 0; j < n; j++) z[o + j] = f(Math.tanh(f(z[o + j]! + bias[j]!)));
    else if (act === SIGMOID) for (let j = 0; j < n; j++) z[o + j] = f(sigmoid(f(z[o + j]! + bias[j]!)));
    else for (let j = 0; j < n; j++) z[o + j] = f(z[o + j]! + bias[j]!);
  }
}

/** grad ← grad ⊙ act'(z) in place, from the stored outputs a = act(z), in float32 steps as assembly/activations.ts. */
function activationBackward(grad: Float64Array, a: Float64Array, count: number, act: number): void {
  const f = Math.fround;
  if (act === RELU) {
    // a > 0 ? g : +0 without a branch on a (the sign of a mispredicts half the time; so does
    // Math.min): a is a relu output, +0 or a float32 ≥ 2⁻¹⁴⁹, so m = ceil(a·2⁻²⁰⁰) is 0 or 1, and
    // g·1 + 0 = g, g·0 + 0 = +0 (g, a float32 sum from +0, is never −0). Infinite or NaN a or g
    // (a diverged model) fail the always-true test and take the plain comparison.
    const tiny = 2 ** -200;
    for (let i = 0; i < count; i++) {
      const g = grad[i]!, m = Math.ceil(a[i]! * tiny), t = g * m;
      grad[i] = t === t && m <= 1 ? t + 0 : a[i]! > 0 ? g : 0;
    }
  }
  else if (act === TANH) for (let i = 0; i < count; i++) grad[i] = f(grad[i]! * f(1 - f(a[i]! * a[i]!)));
  else if (act === SIGMOID) for (let i = 0; i < count; i++) grad[i] = f(f(grad[i]! * a[i]!) * f(1 - a[i]!));
  else if (act !== LINEAR) throw new Error(`unknown activation code ${act}`);
}

/** W (rows×cols) → Wᵀ (cols×rows), so that dZ·Wᵀ runs through gemm with B row-major. */
function transpose(w: Float64Array, rows: number, cols: number, out: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    const from = r * cols;
    for (let q = 0; q < cols; q++) out[q * rows + r] = w[from + q]!;
  }
}

/** out[j] ← fround(out[j] + fround(α·Σ_i d[i][j])) if update, else fround(α·Σ_i d[i][j]); rows summed in order. */
function sumRows(d: Float64Array, rows: number, cols: number, out: Float64Array, alpha: number, update: boolean): void {
  const f = Math.fround;
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let i = 0, o = j; i < rows; i++, o += cols) {
      s0 = f(s0 + d[o]!); s1 = f(s1 + d[o + 1]!); s2 = f(s2 + d[o + 2]!); s3 = f(s3 + d[o + 3]!);
    }
    if (update) {
      out[j] = f(out[j]! + f(s0 * alpha)); out[j + 1] = f(out[j + 1]! + f(s1 * alpha));
      out[j + 2] = f(out[j + 2]! + f(s2 * alpha)); out[j + 3] = f(out[j + 3]! + f(s3 * alpha));
    } else {
      out[j] = f(s0 * alpha); out[j + 1] = f(s1 * alpha); out[j + 2] = f(s2 * alpha); out[j + 3] = f(s3 * alpha);
    }
  }
  for (; j < cols; j++) {
    let s = 0;
    for (let i = 0, o = j; i < rows; i++, o += cols) s = f(s + d[o]!);
    out[j] = update ? f(out[j]! + f(s * alpha)) : f(s * alpha);
  }
}

/** Batch loss Σ and correct count into stats; grad (if given) ← (σ(z) − y)/rows, as assembly/loss.ts. */
function bceBatch(logits: Float64Array, y: Float64Array, rows: number, grad: Float64Array | null, stats: PassStats): void {
  let lossSum = 0, correct = 0;
  for (let i = 0; i < rows; i++) {
    const z = logits[i]!;
    const label = y[i]!;
    const az = Math.abs(z);
    const e = Math.exp(-az);
    // max(z, 0) as (z + |z|)/2, without a branch on the sign (see biasActivate).
    lossSum += (z === -Infinity ? 0 : (z + az) * 0.5) - z * label + Math.log1p(e);
    // σ(z) = 1/(1 + exp(−z)); for z ≥ 0, exp(−z) is the e just computed.
    const p = z >= 0 ? 1 / (1 + e) : sigmoid(z);
    if ((Math.fround(p) > 0.5) === (label === 1)) correct += 1;
    if (grad) grad[i] = Math.fround((p - label) / rows);
  }
  stats.lossSum += lossSum;
  stats.correct += correct;
}
