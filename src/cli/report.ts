// The metrics table printed after training and by `gradwasm evaluate`: its columns are the task's
// (each head has its report; src/heads/).
import type { Task } from '../heads/index.js';
import type { EvaluationOf } from '../model/sequential.js';
import type { ClassName } from '../data/classes.js';
import { formatTable } from './table.js';

const metric = (v: number) => v.toFixed(4);
const loss = (v: number) => (v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(2) : v.toFixed(4));

/** Evaluations of a model of task K on named sets of rows. */
type Sets<K extends Task> = readonly (readonly [string, EvaluationOf<K>])[];

const REPORTS: { readonly [K in Task]: (sets: Sets<K>, classes: readonly ClassName[]) => string } = {
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
  // scikit-learn's classification_report, per set: the summary, then a row per class with the
  // macro and weighted means, then the confusion matrix (rows true, columns predicted).
  softmax: (sets, names) =>
    [
      formatTable(
        ['data', 'loss', 'accuracy', 'macro precision', 'macro recall', 'macro F1', 'weighted F1', 'ROC AUC (OvR)'],
        sets.map(([name, e]) => [
          name,
          loss(e.loss),
          metric(e.accuracy),
          metric(e.precision),
          metric(e.recall),
          metric(e.f1),
          metric(e.weighted.f1),
          metric(e.auc),
        ]),
      ),
      ...sets.flatMap(([name, e]) => {
        const classes = e.confusion.map((_, c) => String(names[c] ?? c));
        const rows = classes.map((c, i) => [
          c,
          metric(e.perClass.precision[i]!),
          metric(e.perClass.recall[i]!),
          metric(e.perClass.f1[i]!),
          String(e.perClass.support[i]),
        ]);
        const support = String(e.perClass.support.reduce((a, b) => a + b, 0));
        rows.push(['macro avg', metric(e.macro.precision), metric(e.macro.recall), metric(e.macro.f1), support]);
        rows.push(['weighted avg', metric(e.weighted.precision), metric(e.weighted.recall), metric(e.weighted.f1), support]);
        return [
          `${name}: per class`,
          formatTable(['class', 'precision', 'recall', 'F1', 'support'], rows),
          `${name}: confusion matrix (rows true, columns predicted)`,
          formatTable(
            ['true \\ predicted', ...classes],
            e.confusion.map((row, c) => [classes[c]!, ...row.map(String)]),
          ),
        ];
      }),
    ].join('\n'),
  // scikit-learn's regression metrics; the loss is the mean squared error
  regression: (sets) =>
    formatTable(
      ['data', 'MSE', 'RMSE', 'MAE', 'R²'],
      sets.map(([name, e]) => [name, loss(e.mse), loss(e.rmse), loss(e.mae), metric(e.r2)]),
    ),
};

/** The table of a model of `task` evaluated on each named set of rows (its classes named as `classes` names them). */
export function metricsTable<K extends Task>(task: K, sets: Sets<K>, classes: readonly ClassName[] = []): string {
  return (REPORTS[task] as (sets: Sets<K>, classes: readonly ClassName[]) => string)(sets, classes);
}
