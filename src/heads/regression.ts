// The regression head: k linear units whose values are the prediction, real-valued targets, and
// Keras's meanSquaredError (docs/architecture.md §1.3); the core's is
// assembly/heads/regression.ts, the 'js' backend's src/backend/js/heads/regression.ts. It counts
// nothing: its metrics (scikit-learn's, src/metrics/regression.ts) come from each row's values,
// so a training pass reports its loss alone and validation its R² too.
import { DataError } from '../core/errors.js';
import { describe } from '../core/checks.js';
import { regressionEvaluation } from '../metrics/regression.js';
import type { Head } from './head.js';

export const regression: Head = {
  name: 'regression',
  outputLayer: "dense(1, 'linear') (regression)",
  ends: (last) => last.units === 1 && last.activation === 'linear', // (k outputs: later; the core's head takes them)
  classes: () => 0,
  labels: (y, rows, argument) => toTargets(y, rows, argument),
  evaluation: (stats, kept, _threshold, width) => regressionEvaluation(stats.lossSum / (kept.labels.length / width), kept.labels, kept.outputs, width),
  auc: () => NaN,
  metrics(stats, rows, kept) {
    const loss = stats.lossSum / rows;
    const base = { loss, accuracy: NaN, precision: NaN, recall: NaN, f1: NaN };
    return kept ? { ...base, r2: regressionEvaluation(loss, kept.labels, kept.outputs, kept.outputs.length / kept.labels.length).r2 } : base;
  },
};

/** `rows` finite targets, one per row, as float32; errors name `argument` and the row. */
function toTargets(y: unknown, rows: number, argument: string): Float32Array {
  if (typeof y !== 'object' || y === null || typeof (y as { length?: unknown }).length !== 'number')
    throw new DataError(argument, `${argument} must be an array of numbers (the targets), got ${describe(y)}`);
  const values = y as ArrayLike<unknown>;
  if (values.length !== rows) throw new DataError(argument, `${argument} has ${values.length} targets, but x has ${rows} rows`);
  const targets = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = values[i];
    const f = typeof v === 'number' ? Math.fround(v) : NaN;
    if (!Number.isFinite(f))
      throw new DataError(argument, `${argument}[${i}] is ${describe(v)}; targets must be finite numbers (within float32's range)`, {
        source: argument,
        row: i,
      });
    targets[i] = f;
  }
  return targets;
}
