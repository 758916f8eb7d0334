// Classification metrics of a binary classifier: the confusion matrix at a threshold, the
// precision, recall and F1 derived from it, and the area under the ROC curve from the
// probabilities. Pure functions; evaluate() and fit() compute theirs with the same code.
import { checkKeys, checkObject, describe } from '../core/checks.js';
import { DataError, OptionError } from '../core/errors.js';
import { toLabels, type Labels } from '../data/matrix.js';

/** Options of {@link Sequential.evaluate}. */
export interface EvaluateOptions {
  /** Rows with P(Y=1) above it are predicted positive, as {@link Sequential.predict} does. Default 0.5. */
  threshold?: number;
}

/** What {@link Sequential.evaluate} measures over labelled rows. */
export interface Evaluation {
  /** Mean BCE. */
  loss: number;
  /** The share of rows predicted right at the threshold. */
  accuracy: number;
  /** tp / (tp + fp); 0 when nothing is predicted positive. */
  precision: number;
  /** tp / (tp + fn); 0 when no row is positive. */
  recall: number;
  /** 2·tp / (2·tp + fp + fn); 0 when there is no true positive. */
  f1: number;
  /** The area under the ROC curve (ties count one half); NaN when the labels hold one class only. Independent of the threshold. */
  auc: number;
  /** The counts at the threshold. */
  confusion: ConfusionMatrix;
}

/** Counts of rows by (label, prediction): a row is predicted positive when its probability is above the threshold. */
export interface ConfusionMatrix {
  /** Label 1, predicted 1. */
  tp: number;
  /** Label 0, predicted 1. */
  fp: number;
  /** Label 0, predicted 0. */
  tn: number;
  /** Label 1, predicted 0. */
  fn: number;
}

/** One pass over labelled rows: the loss summed over its rows, and the four counts its model's
 *  head keeps (src/heads/: the binary head's are correct, true positives, false positives, false
 *  negatives, at probability 0.5). */
export interface PassStats {
  lossSum: number;
  counts: number[];
}

/** tp / (tp + fp): of the rows predicted positive, the share that are. 0 when nothing is predicted positive (0/0). */
export function precision(c: ConfusionMatrix): number {
  return ratio(c.tp, c.tp + c.fp);
}

/** tp / (tp + fn): of the positive rows, the share predicted positive. 0 when there are no positive rows (0/0). */
export function recall(c: ConfusionMatrix): number {
  return ratio(c.tp, c.tp + c.fn);
}

/** The harmonic mean of precision and recall, 2·tp / (2·tp + fp + fn). 0 when there are no true positives (including 0/0). */
export function f1Score(c: ConfusionMatrix): number {
  return ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn);
}

/** (tp + tn) / rows. 0 for no rows. */
export function accuracyOf(c: ConfusionMatrix): number {
  return ratio(c.tp + c.tn, c.tp + c.fp + c.tn + c.fn);
}

// The 0/0 cases are 0, as Keras's Precision, Recall and F1Score metrics give them (and
// scikit-learn's zero_division default): a classifier that never predicts positive has no
// precision to speak of, and none is credited.
function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

/** The confusion matrix of `labels` (0/1) against `probabilities` at `threshold` (predicted 1 where p > threshold). */
export function confusionMatrix(labels: Labels, probabilities: ArrayLike<number>, threshold = 0.5): ConfusionMatrix {
  checkThreshold(threshold, 'threshold');
  const p = checkScores(probabilities, 'probabilities');
  return confusionAt(checkLabels(labels, p.length, 'probabilities'), p, threshold);
}

/**
 * The area under the ROC curve: the probability that a random positive row scores above a
 * random negative one, ties counting one half — the Mann–Whitney rank statistic, computed by
 * sorting the scores (O(n log n)), so equal scores take their mean rank. NaN when the labels
 * hold only one class (the curve is then undefined).
 */
export function rocAuc(labels: Labels, scores: ArrayLike<number>): number {
  const s = checkScores(scores, 'scores');
  return aucOf(checkLabels(labels, s.length, 'scores'), s);
}

/** confusionMatrix without the checks: labels are 0/1 floats, one per probability. */
export function confusionAt(labels: ArrayLike<number>, probabilities: ArrayLike<number>, threshold: number): ConfusionMatrix {
  let tp = 0,
    fp = 0,
    fn = 0;
  const n = probabilities.length;
  for (let i = 0; i < n; i++) {
    const predicted = probabilities[i]! > threshold;
    if (labels[i] === 1) {
      if (predicted) tp++;
      else fn++;
    } else if (predicted) fp++;
  }
  return { tp, fp, tn: n - tp - fp - fn, fn };
}

/** rocAuc without the checks. NaN if a score is NaN. */
export function aucOf(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const n = scores.length;
  let positives = 0;
  for (let i = 0; i < n; i++) positives += labels[i] === 1 ? 1 : 0;
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  const pos = new Float64Array(positives),
    neg = new Float64Array(negatives);
  for (let i = 0, a = 0, b = 0; i < n; i++) {
    const s = scores[i]!;
    if (s !== s) return NaN;
    if (labels[i] === 1) pos[a++] = s;
    else neg[b++] = s;
  }
  pos.sort();
  neg.sort();
  // For each positive score s, in increasing order: below = #negatives < s, upTo = #negatives ≤ s;
  // it wins against `below` negatives and ties with upTo − below. Both pointers only move forward.
  let wins = 0;
  for (let i = 0, below = 0, upTo = 0; i < positives; i++) {
    const s = pos[i]!;
    while (below < negatives && neg[below]! < s) below++;
    if (upTo < below) upTo = below;
    while (upTo < negatives && neg[upTo]! <= s) upTo++;
    wins += below + 0.5 * (upTo - below);
  }
  return wins / (positives * negatives);
}

/** Throw unless `value` is a number in [0, 1]. */
export function checkThreshold(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new OptionError(argument, `${argument} must be a number in [0, 1], got ${describe(value)}`);
  }
  return value;
}

/** 0/1 labels, one per score of the argument `scores`. */
function checkLabels(labels: unknown, count: number, scores: string): Float32Array {
  const length = (labels as { length?: unknown } | null)?.length;
  if (typeof labels === 'object' && typeof length === 'number' && length !== count) {
    throw new DataError('labels', `labels has ${length} labels, but ${scores} has ${count} values`);
  }
  return toLabels(labels, count, 'labels');
}

function checkScores(value: unknown, argument: string): ArrayLike<number> {
  const isArrayLike = Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
  if (!isArrayLike) throw new OptionError(argument, `${argument} must be an array or typed array of numbers, got ${describe(value)}`);
  const a = value as ArrayLike<unknown>;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new DataError(argument, `${argument}[${i}] is ${describe(v)}; every score must be a finite number`, { source: argument, row: i });
    }
  }
  return a as ArrayLike<number>;
}

/** The options of evaluate() and evaluateDataset(), checked: the threshold. */
export function checkEvaluateOptions(options: unknown): number {
  const o = checkObject('options', options);
  checkKeys('options', o, ['threshold']);
  return o.threshold === undefined ? 0.5 : checkThreshold(o.threshold, 'options.threshold');
}

/** The metrics of a pass: loss, the counts at the threshold, the AUC. */
export function evaluation(stats: PassStats, labels: Float32Array, probabilities: Float32Array, threshold: number): Evaluation {
  rejectNaN(probabilities);
  const confusion = confusionAt(labels, probabilities, threshold);
  return {
    loss: stats.lossSum / labels.length,
    accuracy: accuracyOf(confusion),
    precision: precision(confusion),
    recall: recall(confusion),
    f1: f1Score(confusion),
    auc: aucOf(labels, probabilities),
    confusion,
  };
}

/** Finite features and weights can still overflow float32 inside the network (∞ − ∞): say so
 *  instead of handing back a NaN probability. */
export function rejectNaN(probabilities: Float32Array): Float32Array {
  const row = probabilities.findIndex(Number.isNaN);
  if (row >= 0) {
    throw new DataError(
      'x',
      `x row ${row} drives the network to NaN: a float32 overflow inside the model (features times weights past ±3.4e38); scale the features`,
    );
  }
  return probabilities;
}
