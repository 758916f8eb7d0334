// An independent float64 implementation of the forward pass and the mean BCE (or, for a softmax
// last layer, the mean categorical cross-entropy), written
// from docs/architecture.md §1 with nothing shared with src/ or assembly/: the oracle for gradients.
import type { Activation } from '../../src/index.js';

export interface Layer64 {
  weights: Float64Array; // fanIn × units
  bias: Float64Array;
  units: number;
  activation: Activation;
}

const act: Record<Activation, (z: number) => number> = {
  linear: (z) => z,
  sigmoid: (z) => 1 / (1 + Math.exp(-z)),
  tanh: (z) => Math.tanh(z),
  relu: (z) => Math.max(z, 0),
  softmax: () => {
    throw new Error('softmax is a last layer only, not elementwise');
  },
};

/** The loss of one row from the last layer's z: BCE of a sigmoid unit, or cross-entropy −log p_y of a softmax. */
function rowLoss(last: Layer64, z: ArrayLike<number>, y: number): number {
  if (last.activation === 'softmax') {
    const top = Math.max(...Array.from(z));
    let sum = 0;
    for (let j = 0; j < z.length; j++) sum += Math.exp(z[j]! - top);
    return top + Math.log(sum) - z[y]!;
  }
  const p = 1 / (1 + Math.exp(-z[0]!));
  return -(y * Math.log(p) + (1 - y) * Math.log(1 - p));
}

/** ∂(row loss)/∂z: σ(z) − y, or p − onehot(y). */
function rowDelta(last: Layer64, z: ArrayLike<number>, y: number): Float64Array {
  if (last.activation !== 'softmax') return Float64Array.of(1 / (1 + Math.exp(-z[0]!)) - y);
  const top = Math.max(...Array.from(z));
  const e = Float64Array.from(z, (v) => Math.exp(v - top));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v, j) => v / sum - (j === y ? 1 : 0));
}

/** Mean −[y log p + (1−y) log(1−p)], with p the last layer's sigmoid (taken from the logit for stability). */
export function meanBce64(layers: Layer64[], x: number[][], y: number[]): number {
  let total = 0;
  x.forEach((row, r) => {
    let a = row;
    layers.forEach((layer, l) => {
      const z = new Array<number>(layer.units).fill(0);
      for (let j = 0; j < layer.units; j++) {
        let s = layer.bias[j]!;
        for (let i = 0; i < a.length; i++) s += a[i]! * layer.weights[i * layer.units + j]!;
        z[j] = s;
      }
      a = l === layers.length - 1 ? z : z.map(act[layer.activation]);
    });
    total += rowLoss(layers[layers.length - 1]!, a, y[r]!);
  });
  return total / x.length;
}

/** ∂L/∂θ by central differences in float64, for every weight and bias of every layer. */
export function finiteDifferences(layers: Layer64[], x: number[][], y: number[], h = 1e-6): { weights: Float64Array; bias: Float64Array }[] {
  const diff = (v: Float64Array, i: number): number => {
    const keep = v[i]!;
    v[i] = keep + h;
    const up = meanBce64(layers, x, y);
    v[i] = keep - h;
    const down = meanBce64(layers, x, y);
    v[i] = keep;
    return (up - down) / (2 * h);
  };
  return layers.map((layer) => ({
    weights: Float64Array.from(layer.weights, (_, i) => diff(layer.weights, i)),
    bias: Float64Array.from(layer.bias, (_, i) => diff(layer.bias, i)),
  }));
}

const derivative: Record<Activation, (z: number) => number> = {
  linear: () => 1,
  sigmoid: (z) => {
    const s = 1 / (1 + Math.exp(-z));
    return s * (1 - s);
  },
  tanh: (z) => 1 - Math.tanh(z) ** 2,
  relu: (z) => (z > 0 ? 1 : 0),
  softmax: () => {
    throw new Error('softmax is a last layer only, not elementwise');
  },
};

/** ∂(mean BCE)/∂θ by back-propagation in float64 over rows of a flat row-major table: the
 *  reference for the accuracy of long sums (every product and sum in float64). */
export function gradients64(layers: Layer64[], x: Float32Array, cols: number, y: ArrayLike<number>): { weights: Float64Array; bias: Float64Array }[] {
  const rows = y.length;
  const grads = layers.map((l) => ({ weights: new Float64Array(l.weights.length), bias: new Float64Array(l.units) }));
  for (let r = 0; r < rows; r++) {
    const inputs: Float64Array[] = [Float64Array.from(x.subarray(r * cols, (r + 1) * cols))];
    const zs: Float64Array[] = [];
    layers.forEach((layer, l) => {
      const a = inputs[l]!;
      const z = new Float64Array(layer.units);
      for (let j = 0; j < layer.units; j++) {
        let s = layer.bias[j]!;
        for (let i = 0; i < a.length; i++) s += a[i]! * layer.weights[i * layer.units + j]!;
        z[j] = s;
      }
      zs.push(z);
      inputs.push(l === layers.length - 1 ? z : z.map(act[layer.activation]));
    });
    let delta = rowDelta(layers[layers.length - 1]!, zs[layers.length - 1]!, y[r]!).map((d) => d / rows);
    for (let l = layers.length - 1; l >= 0; l--) {
      const layer = layers[l]!,
        a = inputs[l]!;
      for (let i = 0; i < a.length; i++) for (let j = 0; j < layer.units; j++) grads[l]!.weights[i * layer.units + j]! += a[i]! * delta[j]!;
      for (let j = 0; j < layer.units; j++) grads[l]!.bias[j]! += delta[j]!;
      if (l === 0) break;
      const below = layers[l - 1]!,
        back = new Float64Array(a.length);
      for (let i = 0; i < a.length; i++) {
        let s = 0;
        for (let j = 0; j < layer.units; j++) s += layer.weights[i * layer.units + j]! * delta[j]!;
        back[i] = s * derivative[below.activation](zs[l - 1]![i]!);
      }
      delta = back;
    }
  }
  return grads;
}
