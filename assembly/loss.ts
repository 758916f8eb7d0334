// Binary cross-entropy from the logit, fused with the output sigmoid (DESIGN.md §1).
import { sigmoidFromExp } from './activations';

/** −[y log σ(z) + (1−y) log(1−σ(z))], written so that it never takes log(0):
 *  max(z, 0) − z·y + log1p(e) with e = exp(−|z|). Finite for every finite z. */
// @ts-ignore: decorator
@inline export function bceFromLogit(z: f64, y: f64, e: f64): f64 {
  return Math.max(z, 0) - z * y + Math.log1p(e);
}

/**
 * The loss of `rows` rows of a batch of batchRows rows, and the gradient of the batch-mean loss
 * with respect to their logits. logits, labels, grad: rows floats. grad[i] = (σ(zᵢ) − yᵢ) / batchRows
 * (the sigmoid and BCE derivatives multiplied out); grad = 0 skips it. probabilities (rows floats, or 0 to skip)
 * ← σ(zᵢ) rounded to f32, as predict() gives it. stats (f64 × 5): [0] += Σ lossᵢ, [1] += #correct,
 * [2] += #true positives, [3] += #false positives, [4] += #false negatives, where a row is
 * predicted positive when its f32 probability is above 0.5. Returns Σ lossᵢ.
 */
export function bceBatch(logits: usize, labels: usize, rows: i32, batchRows: i32, grad: usize, probabilities: usize, stats: usize): f64 {
  // The pass's total takes each row's loss in turn, so that it does not depend on how the pass is
  // cut into calls (a validation set streamed in chunks sums as one held in memory).
  let lossSum: f64 = 0, total = load<f64>(stats);
  let correct = 0, truePositives = 0, falsePositives = 0, falseNegatives = 0; // counted without branches
  for (let i = 0; i < rows; i++) {
    const off = <usize>i << 2;
    const z = <f64>load<f32>(logits + off);
    const y = <f64>load<f32>(labels + off);
    const e = Math.exp(-Math.abs(z)); // shared by the loss and the probability
    const loss = bceFromLogit(z, y, e);
    lossSum += loss;
    total += loss;
    const p = sigmoidFromExp(z, e);
    const predicted = <i32>(<f32>p > 0.5), positive = <i32>(y == 1);
    correct += 1 ^ predicted ^ positive;
    truePositives += predicted & positive;
    falsePositives += predicted & (positive ^ 1);
    falseNegatives += (predicted ^ 1) & positive;
    if (grad) store<f32>(grad + off, <f32>((p - y) / <f64>batchRows));
    if (probabilities) store<f32>(probabilities + off, <f32>p);
  }
  store<f64>(stats, total);
  store<f64>(stats, load<f64>(stats, 8) + <f64>correct, 8);
  store<f64>(stats, load<f64>(stats, 16) + <f64>truePositives, 16);
  store<f64>(stats, load<f64>(stats, 24) + <f64>falsePositives, 24);
  store<f64>(stats, load<f64>(stats, 32) + <f64>falseNegatives, 32);
  return lossSum;
}
