// The binary head (HEAD_BINARY): one logit per row, its sigmoid P(Y = 1), and binary
// cross-entropy computed from the logit, fused with the sigmoid (docs/architecture.md §1.3).
// A head's two functions, as assembly/heads.ts calls them: rows (loss, gradient, outputs, counts)
// and outputs (what predict gives).
import { sigmoid64, sigmoidFromExp } from '../activations';
import { expValues } from '../exp';
import { log1pUnit } from '../log1p';


/**
 * Rows r0…r1−1 of a batch of batchRows rows (one logit and one label each): each row's loss into losses (f64 × rows), the gradient
 * of the batch-mean loss with respect to its logit into grad (0 skips it): grad[i] =
 * (σ(zᵢ) − yᵢ) / batchRows (the sigmoid and BCE derivatives multiplied out); σ(zᵢ) rounded to f32
 * into probabilities (0 skips it), as predict() gives it; and into counts (i32 × 4, set here) the
 * rows classified correctly, true positives, false positives and false negatives, a row being
 * predicted positive when its f32 probability is above 0.5. Rows of a batch may be shared out
 * between threads: sumLosses then adds the losses up in row order.
 * With weights (f32 × rows; 0 = none, every row weighing 1) the loss is Keras's weighted one, Σ
 * wᵢ·lossᵢ / batchRows: row i's loss is wᵢ·lossᵢ and its gradient wᵢ·(σ(zᵢ) − yᵢ) / batchRows, both
 * in f64 and rounded once as without weights (so a weight of 1 changes no bit). The counts stay
 * unweighted.
 */
export function binaryRows(logits: usize, labels: usize, weights: usize, r0: i32, r1: i32, batchRows: i32, grad: usize, probabilities: usize, losses: usize, counts: usize): void {
  const weighted = weights != 0;
  // e = exp(−|z|), shared by the loss and the probability, two rows at a time into losses (its
  // log1p comes below, in place)
  const at = losses + (<usize>r0 << 3);
  for (let i = r0; i < r1; i++) store<f64>(losses + (<usize>i << 3), -Math.abs(<f64>load<f32>(logits + (<usize>i << 2))));
  expValues(at, at, r1 - r0);
  let correct = 0, truePositives = 0, falsePositives = 0, falseNegatives = 0; // counted without branches
  for (let i = r0; i < r1; i++) {
    const off = <usize>i << 2;
    const z = <f64>load<f32>(logits + off);
    const y = <f64>load<f32>(labels + off);
    const e = load<f64>(losses + (<usize>i << 3));
    const p = sigmoidFromExp(z, e);
    let d = p - y;
    if (weighted) d *= <f64>load<f32>(weights + off);
    const predicted = <i32>(<f32>p > 0.5), positive = <i32>(y == 1);
    correct += 1 ^ predicted ^ positive;
    truePositives += predicted & positive;
    falsePositives += predicted & (positive ^ 1);
    falseNegatives += (predicted ^ 1) & positive;
    if (grad) store<f32>(grad + off, <f32>(d / <f64>batchRows));
    if (probabilities) store<f32>(probabilities + off, <f32>p);
  }
  // Each row's loss, −[y log σ(z) + (1−y) log(1−σ(z))] written so that it never takes log(0):
  // max(z, 0) − z·y + log1p(e) with e = exp(−|z|), finite for every finite z (× w).
  log1pUnit(at, at, r1 - r0);
  for (let i = r0; i < r1; i++) {
    const off = <usize>i << 2;
    const z = <f64>load<f32>(logits + off);
    const y = <f64>load<f32>(labels + off);
    let loss = Math.max(z, 0) - z * y + load<f64>(losses + (<usize>i << 3));
    if (weighted) loss *= <f64>load<f32>(weights + off);
    store<f64>(losses + (<usize>i << 3), loss);
  }
  store<i32>(counts, correct);
  store<i32>(counts, truePositives, 4);
  store<i32>(counts, falsePositives, 8);
  store<i32>(counts, falseNegatives, 12);
}

/** Rows r0…r1−1 of what predict gives: σ(z) rounded to f32. */
export function binaryOutputs(logits: usize, out: usize, r0: i32, r1: i32): void {
  for (let i = r0; i < r1; i++) store<f32>(out + (<usize>i << 2), <f32>sigmoid64(<f64>load<f32>(logits + (<usize>i << 2))));
}
