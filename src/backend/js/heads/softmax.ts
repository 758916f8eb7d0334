// The softmax head's twin (src/heads/softmax.ts; the core's is assembly/heads/softmax.ts):
// categorical cross-entropy from the logits, fused with the softmax, in the same order and
// precision as the core's, and the count of rows whose most probable class is their label.
import type { PassStats } from '../../../metrics/classification.js';
import type { Doubles } from '../doubles.js';

/** The loss of `rows` rows of a batch of batchRows rows, k logits each: Σ into stats.lossSum (one
 *  row at a time) and returned, the rows right into stats.counts[0]; grad (if given, rows × k) ←
 *  fround((pⱼ − [j = y])/batchRows); outputs (if given) from row `at` ← pⱼ. With weights w (if
 *  given), each row's loss and gradient multiplied by its weight first, in f64, as the core. */
export function softmaxRows(
  logits: Doubles,
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
  let lossSum = 0,
    total = stats.lossSum,
    correct = 0;
  for (let i = 0; i < rows; i++) {
    const row = i * k;
    const label = y[i]!;
    const top = largest(logits, row, k);
    const sum = expSum(logits, row, k, top);
    const weight = w ? w[i]! : 1;
    let loss = top - logits[row + label]! + Math.log1p(sum - 1); // (as the core: log Σ as log1p(Σ − 1))
    if (w) loss *= weight;
    lossSum += loss;
    total += loss;
    let best = -1,
      predicted = 0;
    for (let j = 0; j < k; j++) {
      const p = Math.exp(logits[row + j]! - top) / sum;
      const p32 = Math.fround(p);
      if (p32 > best) {
        best = p32;
        predicted = j;
      }
      if (outputs) outputs[(at + i) * k + j] = p;
      if (grad) {
        let d = p - (j === label ? 1 : 0);
        if (w) d *= weight;
        grad[row + j] = Math.fround(d / batchRows);
      }
    }
    correct += predicted === label ? 1 : 0;
  }
  stats.lossSum = total;
  stats.counts[0] = stats.counts[0]! + correct;
  return lossSum;
}

/** outputs[(at + i)·k + j] ← the softmax of logits row i, for rows 0…rows−1. */
export function softmaxOutputs(logits: Doubles, outputs: Float32Array, at: number, rows: number, k: number): void {
  for (let i = 0; i < rows; i++) {
    const row = i * k;
    const top = largest(logits, row, k);
    const sum = expSum(logits, row, k, top);
    for (let j = 0; j < k; j++) outputs[(at + i) * k + j] = Math.exp(logits[row + j]! - top) / sum;
  }
}

function largest(logits: Doubles, row: number, k: number): number {
  let top = logits[row]!;
  for (let j = 1; j < k; j++) top = Math.max(top, logits[row + j]!);
  return top;
}

function expSum(logits: Doubles, row: number, k: number, top: number): number {
  let sum = 0;
  for (let j = 0; j < k; j++) sum += Math.exp(logits[row + j]! - top);
  return sum;
}
