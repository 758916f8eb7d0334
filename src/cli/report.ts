// The metrics table printed after training and by `gradwasm evaluate`.
import type { Evaluation } from '../sequential.js';
import { formatTable } from './table.js';

export function metricsTable(sets: readonly (readonly [string, Evaluation])[]): string {
  return formatTable(
    ['data', 'loss', 'accuracy', 'precision', 'recall', 'F1', 'ROC AUC', 'TP', 'FP', 'TN', 'FN'],
    sets.map(([name, e]) => [name, e.loss, e.accuracy, e.precision, e.recall, e.f1, e.auc, e.confusion.tp, e.confusion.fp, e.confusion.tn, e.confusion.fn]),
  );
}
