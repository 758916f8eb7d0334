// The regression head's twin (src/heads/regression.ts; the core's is
// assembly/heads/regression.ts): mean squared error over k outputs, in the same order and
// precision as the core's. It counts nothing.
import type { PassStats } from '../../../metrics/classification.js';
import type { Doubles } from '../doubles.js';

/** The loss of `rows` rows of a batch of batchRows rows, k values and k targets each: Σ into
 *  stats.lossSum (one row at a time) and returned; grad (if given, rows × k) ←
 *  fround(2(ŷ − y)·w/(k·batchRows)); outputs (if given) from row `at` ← ŷ. */
export function regressionRows(
  values: Doubles,
  y: Doubles,
  w: Doubles | null,
  rows: number,
  batchRows: number,
  k: number,
  grad: Doubles | null,
  outputs: Float32Array | null,
  at: number,
  stats: PassStats,
): number {
  const scale = 2 / (k * batchRows);
  let lossSum = 0,
    total = stats.lossSum;
  for (let i = 0; i < rows; i++) {
    const weight = w ? w[i]! : 1;
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const value = values[i * k + j]!;
      const d = value - y[i * k + j]!;
      sum += d * d;
      if (grad) grad[i * k + j] = Math.fround(d * weight * scale);
      if (outputs) outputs[(at + i) * k + j] = value;
    }
    const loss = (sum / k) * weight;
    lossSum += loss;
    total += loss;
  }
  stats.lossSum = total;
  return lossSum;
}

/** outputs[(at + i)·k + j] ← the values of row i, for rows 0…rows−1. */
export function regressionOutputs(values: Doubles, outputs: Float32Array, at: number, rows: number, k: number): void {
  for (let i = 0; i < rows * k; i++) outputs[at * k + i] = values[i]!;
}
