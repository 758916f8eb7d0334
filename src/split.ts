import { toFloat32, toLabels, toMatrix, type Features, type Labels } from './data.js';
import { GradwasmError, checkInteger, checkKeys, checkObject, describe } from './errors.js';
import { Xoshiro128 } from './prng.js';

/** Rows and labels of one side of a split, as flat float32 copies. */
export interface Split {
  x: { data: Float32Array; rows: number; cols: number };
  y: Float32Array;
}

/**
 * Split rows into a training and a test set after a seeded shuffle: the same seed always
 * gives the same split. `testFraction` (default 0.2) of the rows, rounded, go to the test set.
 */
export function trainTestSplit(x: Features, y: Labels, options: { cols: number; testFraction?: number; seed?: number }): { train: Split; test: Split } {
  const o = checkObject('options', options);
  checkKeys('options', o, ['cols', 'testFraction', 'seed']);
  const cols = checkInteger('options.cols', o.cols, 1);
  const matrix = toMatrix(x, cols, 'x');
  const labels = toLabels(y, matrix.rows, 'y');
  const values = toFloat32(matrix);
  const fraction = o.testFraction ?? 0.2;
  const testRows = typeof fraction === 'number' ? Math.round(matrix.rows * fraction) : NaN;
  if (!(testRows >= 1 && testRows < matrix.rows)) {
    throw new GradwasmError('options.testFraction', `options.testFraction must leave at least one row on each side of the ${matrix.rows}, got ${describe(fraction)}`);
  }
  const order = new Uint32Array(matrix.rows);
  new Xoshiro128(checkInteger('options.seed', o.seed ?? 0, 0, 2 ** 32 - 1)).shuffle(order, matrix.rows);
  const take = (from: number, to: number): Split => {
    const rows = to - from;
    const data = new Float32Array(rows * cols);
    const labelsOut = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      const src = order[from + r]!;
      data.set(values.subarray(src * cols, (src + 1) * cols), r * cols);
      labelsOut[r] = labels[src]!;
    }
    return { x: { data, rows, cols }, y: labelsOut };
  };
  return { train: take(testRows, matrix.rows), test: take(0, testRows) };
}
