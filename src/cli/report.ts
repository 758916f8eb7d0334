// The metrics table printed after training and by `gradwasm evaluate`.
import type { Evaluation } from '../metrics/classification.js';
import { formatTable } from './table.js';

const metric = (v: number) => v.toFixed(4);
const loss = (v: number) => (v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(2) : v.toFixed(4));

export function metricsTable(sets: readonly (readonly [string, Evaluation])[]): string {
  return formatTable(
    ['data', 'loss', 'accuracy', 'precision', 'recall', 'F1', 'ROC AUC', 'TP', 'FP', 'TN', 'FN'],
    sets.map(([name, e]) => [
      name, loss(e.loss), metric(e.accuracy), metric(e.precision), metric(e.recall), metric(e.f1), metric(e.auc),
      ...[e.confusion.tp, e.confusion.fp, e.confusion.tn, e.confusion.fn].map(String),
    ]),
  );
}
