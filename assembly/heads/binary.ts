// The binary head (HEAD_BINARY): one logit per row, its sigmoid P(Y = 1), and binary
// cross-entropy computed from the logit, fused with the sigmoid (docs/architecture.md §1.3).
// A head's two functions, as assembly/heads.ts calls them: rows (loss, gradient, outputs, counts)
// and outputs (what predict gives).
import { sigmoid64 } from '../activations';
import { expLanes } from '../exp';
import { log1pUnitPair } from '../log1p';
import { HALF_F32, ONE, ONE_F32, lanes, lanes32 } from '../math';

// which lanes hold rows: two, or one (the last row when there is an odd number)
const ROW_LANES = memory.data<i32>([-1, -1, 0, 0, -1, 0, 0, 0], 16);

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
  // Two rows at a time in f64 lanes (the last alone when r1 − r0 is odd: its second lane is
  // computed on zeros and dropped), each lane running the scalar operations in the scalar order
  // — NativeMath.exp's and log1p's bits (assembly/exp.ts, assembly/log1p.ts), sigmoidFromExp's
  // quotient (one division, of whichever numerator the lane takes). One row at a time, exp's
  // mispredicted branches and three f64 divisions a row were most of a logistic regression's
  // time. The counts are kept in i32 lanes: a true comparison is −1, subtracted.
  const weighted = weights != 0;
  const zero = f64x2.splat(0), one = lanes(ONE), rows = f64x2.splat(<f64>batchRows);
  let correct = i32x4.splat(0), truePositives = correct, falsePositives = correct, falseNegatives = correct;
  for (let i = r0; i < r1; i += 2) {
    const off = <usize>i << 2, at = losses + (<usize>i << 3);
    const two = i + 1 < r1;
    const zf = two ? v128.load64_zero(logits + off) : v128.load32_zero(logits + off);
    const yf = two ? v128.load64_zero(labels + off) : v128.load32_zero(labels + off);
    const z = f64x2.promote_low_f32x4(zf), y = f64x2.promote_low_f32x4(yf);
    const e = expLanes(f64x2.neg(f64x2.abs(z))); // shared by the probability and the loss
    const sum = f64x2.add(one, e);
    const p = f64x2.div(v128.bitselect(one, e, f64x2.ge(z, zero)), sum); // sigmoidFromExp's quotient, one division
    // −[y log σ(z) + (1−y) log(1−σ(z))] written so that it never takes log(0):
    // max(z, 0) − z·y + log1p(e), finite for every finite z (× w); pmax is one instruction, max
    // eight (for NaN z it gives 0, and the loss is NaN all the same, through z·y)
    let loss = f64x2.add(f64x2.sub(f64x2.pmax(zero, z), f64x2.mul(z, y)), log1pUnitPair(e));
    let d = f64x2.sub(p, y);
    if (weighted) {
      const w = f64x2.promote_low_f32x4(two ? v128.load64_zero(weights + off) : v128.load32_zero(weights + off));
      d = f64x2.mul(d, w);
      loss = f64x2.mul(loss, w);
    }
    const pf = f32x4.demote_f64x2_zero(p);
    const rowLanes = v128.load(ROW_LANES + (two ? 0 : 16));
    const predicted = v128.and(f32x4.gt(pf, lanes32(HALF_F32)), rowLanes);
    const positive = f32x4.eq(yf, lanes32(ONE_F32)); // (0 past the rows)
    correct = i32x4.sub(correct, v128.andnot(rowLanes, v128.xor(predicted, positive)));
    truePositives = i32x4.sub(truePositives, v128.and(predicted, positive));
    falsePositives = i32x4.sub(falsePositives, v128.andnot(predicted, positive));
    falseNegatives = i32x4.sub(falseNegatives, v128.andnot(positive, predicted));
    if (grad) {
      const g = f32x4.demote_f64x2_zero(f64x2.div(d, rows));
      if (two) v128.store64_lane(grad + off, g, 0);
      else v128.store32_lane(grad + off, g, 0);
    }
    if (two) {
      v128.store(at, loss);
      if (probabilities) v128.store64_lane(probabilities + off, pf, 0);
    } else {
      v128.store64_lane(at, loss, 0);
      if (probabilities) v128.store32_lane(probabilities + off, pf, 0);
    }
  }
  store<i32>(counts, i32x4.extract_lane(correct, 0) + i32x4.extract_lane(correct, 1));
  store<i32>(counts, i32x4.extract_lane(truePositives, 0) + i32x4.extract_lane(truePositives, 1), 4);
  store<i32>(counts, i32x4.extract_lane(falsePositives, 0) + i32x4.extract_lane(falsePositives, 1), 8);
  store<i32>(counts, i32x4.extract_lane(falseNegatives, 0) + i32x4.extract_lane(falseNegatives, 1), 12);
}

/** Rows r0…r1−1 of what predict gives: σ(z) rounded to f32. */
export function binaryOutputs(logits: usize, out: usize, r0: i32, r1: i32): void {
  for (let i = r0; i < r1; i++) store<f32>(out + (<usize>i << 2), <f32>sigmoid64(<f64>load<f32>(logits + (<usize>i << 2))));
}
