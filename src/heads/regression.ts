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
  outputLayer: "dense(k, 'linear') (regression, k outputs)",
  ends: (last) => last.activation === 'linear',
  classes: () => 0,
  labelWidth: (width) => width,
  labels: (y, rows, argument, width) => toTargets(y, rows, argument, width),
  evaluation: (stats, kept, _threshold, width) => regressionEvaluation(stats.lossSum / (kept.labels.length / width), kept.labels, kept.outputs, width),
  auc: () => NaN,
  metrics(stats, rows, kept) {
    const loss = stats.lossSum / rows;
    const base = { loss, accuracy: NaN, precision: NaN, recall: NaN, f1: NaN };
    return kept ? { ...base, r2: regressionEvaluation(loss, kept.labels, kept.outputs, kept.outputs.length / rows).r2 } : base;
  },
};

/**
 * `rows` rows of `width` finite targets as float32, row-major: for one output, one number a row;
 * for k, rows of k numbers, `{ data, rows, cols: k }`, or a flat array of rows × k. Errors name
 * `argument` and the row (and the output).
 */
function toTargets(y: unknown, rows: number, argument: string, width: number): Float32Array {
  const matrix = y as { data?: ArrayLike<unknown>; rows?: unknown; cols?: unknown } | null;
  const given = matrix !== null && typeof matrix === 'object' && 'data' in matrix;
  if (given && (matrix.rows !== rows || matrix.cols !== width))
    throw new DataError(argument, `${argument} is ${describe(matrix.rows)} rows × ${describe(matrix.cols)} columns, for ${rows} rows × ${width} outputs`);
  const flat = (given ? matrix.data : y) as ArrayLike<unknown> | null;
  // (rows of k: each row an array-like of k)
  const nested = width > 1 && flat?.length === rows;
  if (flat === null || typeof flat !== 'object' || (!nested && flat.length !== rows * width))
    throw new DataError(argument, `${argument} must hold ${rows} rows × ${width} target${width > 1 ? 's' : ''} (the rows of x), got ${describe(y)}`);
  const targets = new Float32Array(rows * width);
  for (let i = 0; i < rows * width; i++) {
    const r = Math.floor(i / width);
    const row = nested ? (flat[r] as ArrayLike<unknown> | null) : null;
    if (nested && (row === null || typeof row !== 'object' || row.length !== width))
      throw new DataError(argument, `${argument}[${r}] must be ${width} targets, got ${describe(row)}`, { source: argument, row: r });
    const v = row ? row[i % width] : flat[i];
    const f = typeof v === 'number' ? Math.fround(v) : NaN;
    if (!Number.isFinite(f)) {
      const where = nested ? `${argument}[${r}][${i % width}]` : `${given ? `${argument}.data` : argument}[${i}]`;
      throw new DataError(argument, `${where} is ${describe(v)}; targets must be finite numbers (within float32's range)`, { source: argument, row: r });
    }
    targets[i] = f;
  }
  return targets;
}
