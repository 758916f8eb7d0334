// The softmax head (HEAD_SOFTMAX): k logits per row, their softmax P(Y = j), and categorical
// cross-entropy of the class index each row is labelled with, computed from the logits (the
// log-sum-exp shifted by the row's largest logit: never an overflow, never log(0)), fused with
// the softmax (docs/architecture.md §1.3). Its one count: the rows whose most probable class is
// their label.

/**
 * Rows r0…r1−1 of a batch of batchRows rows, k logits and one label (a class index 0…k−1, as
 * f32) each: each row's loss −log p_y = (max z − z_y) + log Σⱼ exp(zⱼ − max z) into losses (f64 ×
 * rows), the log taken as log1p(Σ − 1) (Σ ≥ 1; the core then needs no other log than the binary
 * head's log1p); the gradient of the batch-mean loss with respect to its logits into grad (rows ×
 * k, 0 skips it): (pⱼ − [j = y]) / batchRows (the softmax and cross-entropy derivatives multiplied
 * out); pⱼ rounded to f32 into outputs (rows × k, 0 skips them), as predict() gives them; and into
 * counts (i32 × 4, set here) the rows whose largest f32 probability — the first, on a tie, as
 * numpy's argmax — is their label's, then three zeros. All in f64, rounded once. With labels 0,
 * the outputs alone (what predict gives).
 * With weights (f32 × rows; 0 = none) a row's loss and gradient are multiplied by its weight, as
 * the binary head's are (a weight of 1 changes no bit); the count stays unweighted.
 */
export function softmaxRows(logits: usize, labels: usize, weights: usize, r0: i32, r1: i32, batchRows: i32, k: i32, grad: usize, outputs: usize, losses: usize, counts: usize): void {
  let correct = 0;
  for (let i = r0; i < r1; i++) {
    const z = logits + ((<usize>i * <usize>k) << 2);
    let top = <f64>load<f32>(z);
    for (let j = 1; j < k; j++) top = Math.max(top, <f64>load<f32>(z + (<usize>j << 2)));
    let sum: f64 = 0;
    for (let j = 0; j < k; j++) sum += Math.exp(<f64>load<f32>(z + (<usize>j << 2)) - top);
    const y = labels ? <i32>load<f32>(labels + (<usize>i << 2)) : -1;
    const weight: f64 = weights ? <f64>load<f32>(weights + (<usize>i << 2)) : 1;
    if (labels) store<f64>(losses + (<usize>i << 3), (top - <f64>load<f32>(z + (<usize>y << 2)) + Math.log1p(sum - 1)) * weight);
    let best: f32 = -1, predicted = 0;
    for (let j = 0; j < k; j++) {
      const at = (<usize>i * <usize>k + <usize>j) << 2;
      const p = Math.exp(<f64>load<f32>(z + (<usize>j << 2)) - top) / sum;
      if (<f32>p > best) {
        best = <f32>p;
        predicted = j;
      }
      if (outputs) store<f32>(outputs + at, <f32>p);
      if (grad) store<f32>(grad + at, <f32>((p - <f64>(j == y)) * weight / <f64>batchRows));
    }
    correct += <i32>(predicted == y);
  }
  if (!counts) return;
  store<i32>(counts, correct);
  store<i32>(counts, 0, 4);
  store<i32>(counts, 0, 8);
  store<i32>(counts, 0, 12);
}
