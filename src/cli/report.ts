// The metrics table printed after training and by `gradwasm evaluate`: its columns are the task's
// (each head has its report; src/heads/).
import type { Head } from '../heads/index.js';
import type { Evaluation } from '../metrics/classification.js';
import { formatTable } from './table.js';

const metric = (v: number) => v.toFixed(4);
const loss = (v: number) => (v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(2) : v.toFixed(4));

const REPORTS: Readonly<Record<Head['name'], (sets: readonly (readonly [string, Evaluation])[]) => string>> = {
  binary: (sets) =>
    formatTable(
      ['data', 'loss', 'accuracy', 'precision', 'recall', 'F1', 'ROC AUC', 'TP', 'FP', 'TN', 'FN'],
      sets.map(([name, e]) => [
        name,
        loss(e.loss),
        metric(e.accuracy),
        metric(e.precision),
        metric(e.recall),
        metric(e.f1),
        metric(e.auc),
        ...[e.confusion.tp, e.confusion.fp, e.confusion.tn, e.confusion.fn].map(String),
      ]),
    ),
};

/** The table of a model of `task` evaluated on each named set of rows. */
export function metricsTable(task: Head['name'], sets: readonly (readonly [string, Evaluation])[]): string {
  return REPORTS[task](sets);
}
