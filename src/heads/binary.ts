// The binary head: one sigmoid unit giving P(Y = 1), labels 0 and 1, binary cross-entropy
// (docs/architecture.md §1.3); the core's is assembly/heads/binary.ts, the 'js' backend's
// src/backend/js/heads/binary.ts. Its counts are those of a confusion matrix at probability 0.5:
// correct, true positives, false positives, false negatives.
import { toLabels } from '../data/matrix.js';
import { aucOf, evaluation, f1Score, precision, recall, type ConfusionMatrix, type PassStats } from '../metrics/classification.js';
import type { Head } from './head.js';

export const binary: Head = {
  name: 'binary',
  outputLayer: "dense(1, 'sigmoid')",
  ends: (last) => last.units === 1 && last.activation === 'sigmoid',
  classes: () => 2,
  labelWidth: () => 1,
  labels: (y, rows, argument) => toLabels(y, rows, argument),
  evaluation: (stats, kept, threshold) => evaluation(stats, kept.labels, kept.outputs, threshold),
  auc: (kept) => aucOf(kept.labels, kept.outputs),
  metrics(stats, rows) {
    const c = confusionOf(stats, rows);
    return { loss: stats.lossSum / rows, accuracy: stats.counts[0]! / rows, precision: precision(c), recall: recall(c), f1: f1Score(c) };
  },
};

/** The confusion matrix a pass counted (at probability 0.5). */
export function confusionOf(stats: PassStats, rows: number): ConfusionMatrix {
  const [, tp = 0, fp = 0, fn = 0] = stats.counts;
  return { tp, fp, tn: rows - tp - fp - fn, fn };
}
