// Binary cross-entropy from the logit, fused with the output sigmoid (DESIGN.md §1).
import { sigmoidFromExp } from './activations';

/** −[y log σ(z) + (1−y) log(1−σ(z))], written so that it never takes log(0):
 *  max(z, 0) − z·y + log1p(e) with e = exp(−|z|). Finite for every finite z. */
// @ts-ignore: decorator
@inline export function bceFromLogit(z: f64, y: f64, e: f64): f64 {
  return Math.max(z, 0) - z * y + Math.log1p(e);
}

/**
 * One batch's loss and the gradient of the batch-mean loss with respect to the logits.
 * logits, labels, grad: rows floats. grad[i] = (σ(zᵢ) − yᵢ) / rows (the sigmoid and BCE
 * derivatives multiplied out); grad = 0 skips it. stats (f64): [0] += Σ lossᵢ, [1] += #correct,
 * where a row is correct when its probability, as predict() rounds it to f32, is on y's side of 0.5.
 */
export function bceBatch(logits: usize, labels: usize, rows: i32, grad: usize, stats: usize): void {
  let lossSum: f64 = 0;
  let correct: f64 = 0;
  for (let i = 0; i < rows; i++) {
    const off = <usize>i << 2;
    const z = <f64>load<f32>(logits + off);
    const y = <f64>load<f32>(labels + off);
    const e = Math.exp(-Math.abs(z)); // shared by the loss and the probability
    lossSum += bceFromLogit(z, y, e);
    const p = sigmoidFromExp(z, e);
    if ((<f32>p > 0.5) == (y == 1)) correct += 1;
    if (grad) store<f32>(grad + off, <f32>((p - y) / <f64>rows));
  }
  store<f64>(stats, load<f64>(stats) + lossSum);
  store<f64>(stats, load<f64>(stats, 8) + correct, 8);
}
