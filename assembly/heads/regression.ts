// The regression head (HEAD_REGRESSION): k linear outputs per row, the values predict gives, and
// Keras's meanSquaredError — the mean over a row's k outputs of (ŷ − y)², then over the rows —
// whose gradient 2(ŷ − y)/k is fused here as the classifiers' are (docs/architecture.md §1.3).
// It counts nothing: its metrics (R², MAE) need every row's values.

/**
 * Rows r0…r1−1 of a batch of batchRows rows, k outputs and k targets each (row-major): each row's
 * loss Σⱼ (ŷⱼ − yⱼ)² / k into losses (f64 × rows); the gradient of the batch-mean loss with
 * respect to the outputs into grad (rows × k, 0 skips it): 2(ŷⱼ − yⱼ) / (k·batchRows); ŷ into
 * outputs (rows × k, 0 skips them); zeros into counts (i32 × 4). In f64, rounded once. With
 * weights (f32 × rows; 0 = none), a row's loss and gradient are multiplied by its weight, as the
 * classifiers' are (a weight of 1 changes no bit).
 */
export function regressionRows(values: usize, targets: usize, weights: usize, r0: i32, r1: i32, batchRows: i32, k: i32, grad: usize, outputs: usize, losses: usize, counts: usize): void {
  const scale: f64 = 2 / (<f64>k * <f64>batchRows);
  for (let i = r0; i < r1; i++) {
    const weight: f64 = weights ? <f64>load<f32>(weights + (<usize>i << 2)) : 1;
    let sum: f64 = 0;
    for (let j = 0; j < k; j++) {
      const at = (<usize>i * <usize>k + <usize>j) << 2;
      const value = load<f32>(values + at);
      const d = <f64>value - <f64>load<f32>(targets + at);
      sum += d * d;
      if (grad) store<f32>(grad + at, <f32>(d * weight * scale));
      if (outputs) store<f32>(outputs + at, value);
    }
    store<f64>(losses + (<usize>i << 3), sum / <f64>k * weight);
  }
  if (!counts) return;
  store<i32>(counts, 0);
  store<i32>(counts, 0, 4);
  store<i32>(counts, 0, 8);
  store<i32>(counts, 0, 12);
}

/** Rows r0…r1−1 of what predict gives: the outputs themselves. */
export function regressionOutputs(values: usize, out: usize, r0: i32, r1: i32, k: i32): void {
  memory.copy(out + ((<usize>r0 * <usize>k) << 2), values + ((<usize>r0 * <usize>k) << 2), (<usize>(r1 - r0) * <usize>k) << 2);
}
