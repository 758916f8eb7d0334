// Metrics of a classifier of k classes, as scikit-learn defines them: the confusion matrix (rows
// true, columns predicted), accuracy, per-class precision, recall, F1 and support with their macro
// and weighted averages (a 0/0 counting 0, as zero_division=0), and the macro one-vs-rest ROC AUC
// (roc_auc_score(multi_class='ovr')). Predictions are each row's most probable class, the first on
// a tie (numpy's argmax). Pure functions over class indices and rows × k probabilities.
import { aucOf } from './classification.js';

/** Precision, recall and F1 averaged over the classes. */
export interface Averages {
  precision: number;
  recall: number;
  f1: number;
}

/** What {@link Sequential.evaluate} measures over rows labelled with one of k classes. */
export interface MulticlassEvaluation extends Averages {
  /** Mean categorical cross-entropy, −log p of each row's class (the log-loss). */
  loss: number;
  /** The share of rows whose most probable class is theirs. */
  accuracy: number;
  /** The macro average of the one-vs-rest ROC AUCs (scikit-learn's roc_auc_score with
   *  multi_class='ovr'); NaN when some class has no row (its curve is undefined). */
  auc: number;
  /** Each class's precision, recall, F1 and rows (support), indexed by class. */
  perClass: { precision: number[]; recall: number[]; f1: number[]; support: number[] };
  /** The unweighted mean over all k classes (precision, recall and f1 above are these). */
  macro: Averages;
  /** The mean over the classes weighted by their support. */
  weighted: Averages;
  /** confusion[true][predicted]: rows of class `true` predicted as `predicted`. */
  confusion: number[][];
}

/** The most probable class of each row of `probabilities` (rows × k), the first on a tie. */
export function argmaxRows(probabilities: ArrayLike<number>, k: number): Int32Array {
  const rows = probabilities.length / k;
  const classes = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (probabilities[i * k + j]! > probabilities[i * k + best]!) best = j;
    classes[i] = best;
  }
  return classes;
}

/** The k × k confusion matrix of class indices `labels` against `predicted`. */
export function confusionOf(labels: ArrayLike<number>, predicted: ArrayLike<number>, k: number): number[][] {
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < labels.length; i++) confusion[labels[i]!]![predicted[i]!]!++;
  return confusion;
}

/** Per-class precision, recall, F1 and support, and their macro and weighted means, from a confusion matrix. */
export function classReport(confusion: readonly (readonly number[])[]): Pick<MulticlassEvaluation, 'perClass' | 'macro' | 'weighted'> {
  const k = confusion.length;
  const perClass = { precision: [] as number[], recall: [] as number[], f1: [] as number[], support: [] as number[] };
  for (let c = 0; c < k; c++) {
    let predicted = 0,
      support = 0;
    for (let j = 0; j < k; j++) {
      predicted += confusion[j]![c]!;
      support += confusion[c]![j]!;
    }
    const tp = confusion[c]![c]!;
    perClass.precision.push(ratio(tp, predicted));
    perClass.recall.push(ratio(tp, support));
    perClass.f1.push(ratio(2 * tp, predicted + support));
    perClass.support.push(support);
  }
  const total = perClass.support.reduce((a, b) => a + b, 0);
  const mean = (values: number[], weights: number[] | null): number =>
    weights
      ? ratio(
          values.reduce((s, v, c) => s + v * weights[c]!, 0),
          total,
        )
      : values.reduce((s, v) => s + v, 0) / k;
  const average = (weights: number[] | null): Averages => ({
    precision: mean(perClass.precision, weights),
    recall: mean(perClass.recall, weights),
    f1: mean(perClass.f1, weights),
  });
  return { perClass, macro: average(null), weighted: average(perClass.support) };
}

/** The macro mean over the k classes of each class's ROC AUC against the rest, from rows × k probabilities. NaN when a class has no row or every row is of it. */
export function macroOvrAuc(labels: ArrayLike<number>, probabilities: ArrayLike<number>, k: number): number {
  const rows = labels.length;
  const isClass = new Float32Array(rows),
    scores = new Float64Array(rows);
  let sum = 0;
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < rows; i++) {
      isClass[i] = labels[i] === c ? 1 : 0;
      scores[i] = probabilities[i * k + c]!;
    }
    sum += aucOf(isClass, scores);
  }
  return sum / k;
}

/** Everything {@link MulticlassEvaluation} holds, from the pass's loss sum, the labels and the probabilities (rows × k). */
export function multiclassEvaluation(lossSum: number, labels: ArrayLike<number>, probabilities: ArrayLike<number>, k: number): MulticlassEvaluation {
  const rows = labels.length;
  const predicted = argmaxRows(probabilities, k);
  const confusion = confusionOf(labels, predicted, k);
  let correct = 0;
  for (let c = 0; c < k; c++) correct += confusion[c]![c]!;
  const report = classReport(confusion);
  return {
    loss: lossSum / rows,
    accuracy: ratio(correct, rows),
    ...report.macro,
    auc: macroOvrAuc(labels, probabilities, k),
    ...report,
    confusion,
  };
}

function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}
