// The binary head's twin (src/heads/binary.ts; the core's is assembly/heads/binary.ts): binary
// cross-entropy from the logit, fused with the sigmoid, and the counts of a confusion matrix at
// probability 0.5.
import type { PassStats } from '../../../metrics/classification.js';
import type { Doubles } from '../doubles.js';

/** The loss of `rows` rows of a batch of batchRows rows: Σ and counts (correct, true/false
 *  positives, false negatives at p > 0.5) into stats, Σ returned; grad (if given) ←
 *  fround((σ(z) − y)/batchRows), as assembly/heads/binary.ts; probabilities (if given) from index `at` ← σ(z).
 *  With weights w (if given), each row's loss and (σ(z) − y) are multiplied by its weight first,
 *  in f64, as assembly/heads/binary.ts does; the counts stay unweighted. */
export function binaryRows(
  logits: Doubles,
  y: Doubles,
  w: Doubles | null,
  rows: number,
  batchRows: number,
  grad: Doubles | null,
  probabilities: Float32Array | null,
  at: number,
  stats: PassStats,
): number {
  // The pass's total takes each row's loss in turn (as assembly/heads/binary.ts), whatever the calls' cuts.
  let lossSum = 0,
    total = stats.lossSum,
    correct = 0,
    truePositives = 0,
    falsePositives = 0,
    falseNegatives = 0;
  for (let i = 0; i < rows; i++) {
    const z = logits[i]!;
    const label = y[i]!;
    const az = Math.abs(z);
    const e = Math.exp(-az); // shared by the loss and the probability
    // max(z, 0) as (z + |z|)/2, without a branch on the sign (see biasActivate).
    let loss = (z === -Infinity ? 0 : (z + az) * 0.5) - z * label + Math.log1p(e);
    const p = z >= 0 ? 1 / (1 + e) : e / (1 + e);
    let d = p - label;
    if (w) {
      const wi = w[i]!;
      loss *= wi;
      d *= wi;
    }
    lossSum += loss;
    total += loss;
    // The counts as 0/1 arithmetic, without branches on the (random) outcomes.
    const predicted = +(Math.fround(p) > 0.5),
      positive = +(label === 1);
    correct += 1 - (predicted ^ positive);
    truePositives += predicted & positive;
    falsePositives += predicted & (positive ^ 1);
    falseNegatives += (predicted ^ 1) & positive;
    if (grad) grad[i] = Math.fround(d / batchRows);
    if (probabilities) probabilities[at + i] = p;
  }
  const c = stats.counts;
  stats.lossSum = total;
  c[0] = c[0]! + correct;
  c[1] = c[1]! + truePositives;
  c[2] = c[2]! + falsePositives;
  c[3] = c[3]! + falseNegatives;
  return lossSum;
}

/** σ(z) from e = exp(−|z|), which never overflows (as assembly/activations.ts). */
function sigmoid(z: number): number {
  const e = Math.exp(-Math.abs(z));
  return z >= 0 ? 1 / (1 + e) : e / (1 + e);
}

/** outputs[at + i] ← σ(logits[i]), as predict gives it. */
export function binaryOutputs(logits: Doubles, outputs: Float32Array, at: number, rows: number): void {
  for (let i = 0; i < rows; i++) outputs[at + i] = sigmoid(logits[i]!);
}
