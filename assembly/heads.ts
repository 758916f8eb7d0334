// The output head: how the last layer's outputs become predictions, a loss and its gradient, and
// the counts a pass keeps (docs/architecture.md §1.3). Each head is a module of assembly/heads/
// with two functions — rows (each row's loss, the gradient dZ_L, the outputs, the counts) and
// outputs (what predict gives) — registered here under its code (HEAD_…, assembly/contract.ts),
// which the model's descriptor holds (HEAD). Its twin on the 'js' backend, its checks of the
// labels and its metrics are the wrapper's head of the same name.
import { HEAD_BINARY, HEAD_REGRESSION, HEAD_SOFTMAX } from './contract';
import { binaryOutputs, binaryRows } from './heads/binary';
import { regressionOutputs, regressionRows } from './heads/regression';
import { softmaxRows } from './heads/softmax';

/**
 * Rows r0…r1−1 of a batch of batchRows rows through head `head`, `width` logits (the last layer's
 * units) per row and its label (regression: `width` targets): each row's loss into losses (f64 × rows), the gradient of the
 * batch-mean loss with respect to the logits into grad (rows × width; 0 skips it), the outputs
 * predict gives into outputs (rows × width; 0 skips them), and the head's counts (i32 × 4) into
 * counts. Weights: f32 × rows, or 0 (every row weighing 1).
 */
export function headRows(head: i32, logits: usize, labels: usize, weights: usize, r0: i32, r1: i32, batchRows: i32, width: i32, grad: usize, outputs: usize, losses: usize, counts: usize): void {
  if (head == HEAD_BINARY) binaryRows(logits, labels, weights, r0, r1, batchRows, grad, outputs, losses, counts);
  else if (head == HEAD_SOFTMAX) softmaxRows(logits, labels, weights, r0, r1, batchRows, width, grad, outputs, losses, counts);
  else if (head == HEAD_REGRESSION) regressionRows(logits, labels, weights, r0, r1, batchRows, width, grad, outputs, losses, counts);
  else unreachable();
}

/** Rows r0…r1−1 of what predict gives (rows × width), from the logits. */
export function headOutputs(head: i32, logits: usize, out: usize, r0: i32, r1: i32, width: i32): void {
  if (head == HEAD_BINARY) binaryOutputs(logits, out, r0, r1);
  else if (head == HEAD_SOFTMAX) softmaxRows(logits, 0, 0, r0, r1, 1, width, 0, out, 0, 0);
  else if (head == HEAD_REGRESSION) regressionOutputs(logits, out, r0, r1, width);
  else unreachable();
}

/** Σ of `rows` losses in row order, returned; the pass's total at stats[0] (f64) takes them one
 *  by one too, so that it does not depend on how the pass is cut into calls (a validation set
 *  streamed in chunks sums as one held in memory). */
export function sumLosses(losses: usize, rows: i32, stats: usize): f64 {
  let sum: f64 = 0, total = load<f64>(stats);
  for (let i = 0; i < rows; i++) {
    const loss = load<f64>(losses + (<usize>i << 3));
    sum += loss;
    total += loss;
  }
  store<f64>(stats, total);
  return sum;
}

/** A part's head counts (i32 × 4) added to stats[1…4] (f64). */
export function addCounts(counts: usize, stats: usize): void {
  for (let k = 0; k < 4; k++) store<f64>(stats + (<usize>(k + 1) << 3), load<f64>(stats + (<usize>(k + 1) << 3)) + <f64>load<i32>(counts + (<usize>k << 2)));
}
