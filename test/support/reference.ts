// An independent float64 implementation of the forward pass and the mean BCE, written
// from DESIGN.md §1 with nothing shared with src/ or assembly/: the oracle for gradients.
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
};

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
    const z = a[0]!;
    const p = 1 / (1 + Math.exp(-z));
    total += -(y[r]! * Math.log(p) + (1 - y[r]!) * Math.log(1 - p));
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
