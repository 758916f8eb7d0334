// The 'js' backend: DESIGN.md §1 in plain TypeScript, the twin of assembly/. Every sum runs
// over the same index in the same order with float32 rounding after each multiply and add
// (Math.fround / Float32Array stores), so it computes what the WebAssembly core computes.
// Loops run i-p-j so the innermost one walks contiguous memory; buffers are sized once per
// batch capacity, and nothing is allocated per step.
import type { Architecture, Backend, Dataset, LayerParameters, PassStats } from './backend.js';
import type { Matrix } from '../data.js';
import { activationCode } from '../layers.js';
import { Xoshiro128, type RngState } from '../prng.js';

const LINEAR = 0, SIGMOID = 1, TANH = 2, RELU = 3; // as in assembly/activations.ts

interface Layer {
  readonly fanIn: number;
  readonly units: number;
  readonly act: number;
  readonly weights: Float32Array; // fanIn × units
  readonly bias: Float32Array;
  readonly gradWeights: Float32Array;
  readonly gradBias: Float32Array;
  out: Float32Array; // capacity × units: activations, or logits for the last layer
}

interface JsDataset extends Dataset {
  readonly x: Float32Array;
  readonly y: Float32Array | null;
  order?: Uint32Array;
  xBatch?: Float32Array;
  yBatch?: Float32Array;
}

export async function createJsBackend(architecture: Architecture, parameters: readonly LayerParameters[], rng: RngState): Promise<Backend> {
  return new JsBackend(architecture, parameters, rng);
}

class JsBackend implements Backend {
  private readonly inputs: number;
  private readonly layers: Layer[];
  private readonly rng = new Xoshiro128(0);
  private readonly widest: number;
  private capacity = 0;
  private delta = new Float32Array(0);
  private spare = new Float32Array(0);
  private readonly row: Float32Array; // one row of running sums

  constructor(architecture: Architecture, parameters: readonly LayerParameters[], rng: RngState) {
    this.inputs = architecture.inputs;
    this.rng.setState(rng);
    let fanIn = architecture.inputs;
    this.layers = architecture.layers.map(({ units, activation }) => {
      const layer: Layer = {
        fanIn, units, act: activationCode(activation),
        weights: new Float32Array(fanIn * units), bias: new Float32Array(units),
        gradWeights: new Float32Array(fanIn * units), gradBias: new Float32Array(units),
        out: new Float32Array(0),
      };
      fanIn = units;
      return layer;
    });
    this.widest = Math.max(architecture.inputs, ...this.layers.map((l) => l.units));
    this.row = new Float32Array(this.widest);
    this.setParameters(parameters);
  }

  setParameters(parameters: readonly LayerParameters[]): void {
    this.layers.forEach((layer, l) => {
      layer.weights.set(parameters[l]!.weights);
      layer.bias.set(parameters[l]!.bias);
    });
  }

  getParameters(): LayerParameters[] {
    return this.layers.map((l) => ({ weights: l.weights.slice(), bias: l.bias.slice() }));
  }

  load(x: Matrix, y: Float32Array | null): JsDataset {
    return { rows: x.rows, x: x.data, y, release() {} };
  }

  private ensureCapacity(rows: number): void {
    if (rows <= this.capacity) return;
    this.capacity = rows;
    for (const layer of this.layers) layer.out = new Float32Array(rows * layer.units);
    this.delta = new Float32Array(rows * this.widest);
    this.spare = new Float32Array(rows * this.widest);
  }

  trainEpoch(data: Dataset, batchSize: number, learningRate: number, shuffle: boolean): PassStats {
    const ds = data as JsDataset;
    const { rows } = ds;
    const inputs = this.inputs;
    this.ensureCapacity(batchSize);
    const stats = { lossSum: 0, correct: 0 };
    if (shuffle) {
      ds.order ??= new Uint32Array(rows);
      if (!ds.xBatch || ds.xBatch.length < batchSize * inputs) {
        ds.xBatch = new Float32Array(batchSize * inputs);
        ds.yBatch = new Float32Array(batchSize);
      }
      this.rng.shuffle(ds.order, rows);
    }
    for (let start = 0; start < rows; start += batchSize) {
      const size = Math.min(batchSize, rows - start);
      let x = ds.x, y = ds.y!, offset = start;
      if (shuffle) {
        const order = ds.order!, xb = ds.xBatch!, yb = ds.yBatch!;
        for (let r = 0; r < size; r++) {
          const src = order[start + r]!;
          xb.set(ds.x.subarray(src * inputs, (src + 1) * inputs), r * inputs);
          yb[r] = ds.y![src]!;
        }
        x = xb;
        y = yb;
        offset = 0;
      }
      this.forward(x, offset * inputs, size);
      this.backward(x, offset * inputs, y, offset, size, Math.fround(learningRate), stats);
    }
    return stats;
  }

  evaluate(data: Dataset): PassStats {
    const ds = data as JsDataset;
    const stats = { lossSum: 0, correct: 0 };
    this.inChunks(ds, (start, size, logits) => bceBatch(logits, ds.y!, start, size, null, stats));
    return stats;
  }

  predict(data: Dataset): Float32Array {
    const ds = data as JsDataset;
    const probabilities = new Float32Array(ds.rows);
    this.inChunks(ds, (start, size, logits) => {
      for (let i = 0; i < size; i++) probabilities[start + i] = sigmoid(logits[i]!);
    });
    return probabilities;
  }

  gradients(data: Dataset): { stats: PassStats; layers: LayerParameters[] } {
    const ds = data as JsDataset;
    this.ensureCapacity(ds.rows);
    const stats = { lossSum: 0, correct: 0 };
    this.forward(ds.x, 0, ds.rows);
    this.backward(ds.x, 0, ds.y!, 0, ds.rows, 0, stats);
    return { stats, layers: this.layers.map((l) => ({ weights: l.gradWeights.slice(), bias: l.gradBias.slice() })) };
  }

  dispose(): void {
    this.capacity = 0;
    for (const layer of this.layers) layer.out = new Float32Array(0);
    this.delta = this.spare = new Float32Array(0);
  }

  /** Forward passes over the rows in chunks of the capacity (at least 1024 rows, as the core does). */
  private inChunks(ds: JsDataset, visit: (start: number, size: number, logits: Float32Array) => void): void {
    this.ensureCapacity(Math.min(ds.rows, 1024));
    for (let start = 0; start < ds.rows; start += this.capacity) {
      const size = Math.min(this.capacity, ds.rows - start);
      visit(start, size, this.forward(ds.x, start * this.inputs, size));
    }
  }

  /** A_l = act(A_{l−1}W_l + b_l); the last layer keeps its logits. Returns them. */
  private forward(x: Float32Array, offset: number, rows: number): Float32Array {
    let a = x, aOffset = offset;
    const last = this.layers.length - 1;
    this.layers.forEach((layer, l) => {
      matmul(a, aOffset, layer.weights, layer.bias, layer.out, rows, layer.fanIn, layer.units, this.row);
      if (l < last) activate(layer.out, rows * layer.units, layer.act);
      a = layer.out;
      aOffset = 0;
    });
    return this.layers[last]!.out;
  }

  /** Back-propagation as in assembly/model.ts: with a learning rate, the SGD step; with 0, the gradients. */
  private backward(x: Float32Array, xOffset: number, y: Float32Array, yOffset: number, rows: number, lr: number, stats: PassStats): void {
    const update = lr !== 0;
    const alpha = update ? -lr : 1;
    let delta = this.delta, spare = this.spare;
    const last = this.layers.length - 1;
    bceBatch(this.layers[last]!.out, y, yOffset, rows, delta, stats);
    for (let l = last; l >= 0; l--) {
      const layer = this.layers[l]!;
      const below = l > 0 ? this.layers[l - 1]! : null;
      const input = below ? below.out : x;
      const inputOffset = below ? 0 : xOffset;
      if (below) {
        matmulTransB(delta, layer.weights, spare, rows, layer.units, layer.fanIn);
        activationBackward(spare, below.out, rows * layer.fanIn, below.act);
      }
      matmulTransA(input, inputOffset, delta, update ? layer.weights : layer.gradWeights, layer.fanIn, rows, layer.units, alpha, update, layer.gradWeights);
      sumRows(delta, rows, layer.units, update ? layer.bias : layer.gradBias, alpha, update, this.row);
      [delta, spare] = [spare, delta];
    }
  }
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** buf ← act(buf) over count values, rounded once to float32. */
function activate(buf: Float32Array, count: number, act: number): void {
  if (act === RELU) for (let i = 0; i < count; i++) buf[i] = Math.max(buf[i]!, 0);
  else if (act === SIGMOID) for (let i = 0; i < count; i++) buf[i] = sigmoid(buf[i]!);
  else if (act === TANH) for (let i = 0; i < count; i++) buf[i] = Math.tanh(buf[i]!);
}

/** grad ← grad ⊙ act'(z), from the stored outputs a = act(z). */
function activationBackward(grad: Float32Array, a: Float32Array, count: number, act: number): void {
  const f = Math.fround;
  if (act === SIGMOID) for (let i = 0; i < count; i++) grad[i] = f(grad[i]! * a[i]!) * f(1 - a[i]!);
  else if (act === TANH) for (let i = 0; i < count; i++) grad[i] = grad[i]! * f(1 - f(a[i]! * a[i]!));
  else if (act === RELU) for (let i = 0; i < count; i++) grad[i] = a[i]! > 0 ? grad[i]! : 0;
  else if (act !== LINEAR) throw new Error(`unknown activation code ${act}`);
}

/** Batch loss Σ and correct count into stats; grad (if given) ← (σ(z) − y)/rows. */
function bceBatch(logits: Float32Array, y: Float32Array, yOffset: number, rows: number, grad: Float32Array | null, stats: PassStats): void {
  let lossSum = 0, correct = 0;
  for (let i = 0; i < rows; i++) {
    const z = logits[i]!;
    const label = y[yOffset + i]!;
    lossSum += Math.max(z, 0) - z * label + Math.log1p(Math.exp(-Math.abs(z)));
    const p = sigmoid(z);
    if ((Math.fround(p) > 0.5) === (label === 1)) correct += 1;
    if (grad) grad[i] = (p - label) / rows;
  }
  stats.lossSum += lossSum;
  stats.correct += correct;
}

/** Z (m×n) = A (m×k, from aOffset) · W (k×n) + bias; row holds n running sums. */
function matmul(a: Float32Array, aOffset: number, w: Float32Array, bias: Float32Array, z: Float32Array,
                m: number, k: number, n: number, row: Float32Array): void {
  const f = Math.fround;
  for (let i = 0; i < m; i++) {
    row.fill(0, 0, n);
    const aRow = aOffset + i * k;
    for (let p = 0; p < k; p++) {
      const av = a[aRow + p]!;
      const wRow = p * n;
      for (let j = 0; j < n; j++) row[j] = row[j]! + f(av * w[wRow + j]!);
    }
    const zRow = i * n;
    for (let j = 0; j < n; j++) z[zRow + j] = row[j]! + bias[j]!;
  }
}

/** C (m×n) ← α·Aᵀ·B (+ C if accumulate); A stored k×m from aOffset, B k×n; sums (m×n) is scratch (may be C when not accumulating). */
function matmulTransA(a: Float32Array, aOffset: number, b: Float32Array, c: Float32Array, m: number, k: number, n: number,
                      alpha: number, accumulate: boolean, sums: Float32Array): void {
  const f = Math.fround;
  sums.fill(0, 0, m * n);
  for (let p = 0; p < k; p++) {
    const aRow = aOffset + p * m;
    const bRow = p * n;
    for (let i = 0; i < m; i++) {
      const av = a[aRow + i]!;
      const sRow = i * n;
      for (let j = 0; j < n; j++) sums[sRow + j] = sums[sRow + j]! + f(av * b[bRow + j]!);
    }
  }
  for (let i = 0; i < m * n; i++) {
    const step = f(sums[i]! * alpha);
    c[i] = accumulate ? c[i]! + step : step;
  }
}

/** C (m×n) = A (m×k) · Bᵀ, B stored n×k: row-by-row dot products. */
function matmulTransB(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number): void {
  const f = Math.fround;
  for (let i = 0; i < m; i++) {
    const aRow = i * k;
    for (let j = 0; j < n; j++) {
      const bRow = j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s = f(s + f(a[aRow + p]! * b[bRow + p]!));
      c[i * n + j] = s;
    }
  }
}

/** out[j] ← α·Σ_i d[i][j] (+ out[j] if accumulate); rows summed in order. */
function sumRows(d: Float32Array, rows: number, cols: number, out: Float32Array, alpha: number, accumulate: boolean, row: Float32Array): void {
  const f = Math.fround;
  row.fill(0, 0, cols);
  for (let i = 0; i < rows; i++) {
    const dRow = i * cols;
    for (let j = 0; j < cols; j++) row[j] = row[j]! + d[dRow + j]!;
  }
  for (let j = 0; j < cols; j++) {
    const step = f(row[j]! * alpha);
    out[j] = accumulate ? out[j]! + step : step;
  }
}
