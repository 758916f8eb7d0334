import { rowRange, toFloat32, toLabels, toMatrix, type Features, type Labels, type Matrix } from './matrix.js';
import { OptionError } from '../core/errors.js';
import { checkInteger, checkKeys, checkObject, describe } from '../core/checks.js';
import { Xoshiro128 } from '../core/prng.js';

/** Rows and labels of one side of a split, as flat float32 copies. */
export interface Split {
  x: { data: Float32Array; rows: number; cols: number };
  y: Float32Array;
}

/** Options of {@link trainTestSplit}. */
export interface SplitOptions {
  /** Features per row. */
  cols: number;
  /** The share of rows that go to the test set, rounded. Default 0.2. */
  testFraction?: number;
  /** Seeds the shuffle: the same seed always gives the same split. Default 0. */
  seed?: number;
  /**
   * Keep each class's share of the rows on both sides: each class gives its own share of the
   * test rows (largest remainders settle the rounding). Default false.
   */
  stratify?: boolean;
}

/**
 * Split rows into a training and a test set after a seeded shuffle: the same seed always
 * gives the same split. `testFraction` (default 0.2) of the rows, rounded, go to the test set;
 * with `stratify`, as many of each class as its share of the rows. Both sides keep the
 * shuffled order.
 */
export function trainTestSplit(x: Features, y: Labels, options: SplitOptions): { train: Split; test: Split } {
  const o = checkObject('options', options);
  checkKeys('options', o, ['cols', 'testFraction', 'seed', 'stratify']);
  const cols = checkInteger('options.cols', o.cols, 1);
  const matrix = toMatrix(x, cols, 'x');
  const labels = toLabels(y, matrix.rows, 'y');
  const values = toFloat32(matrix);
  const fraction = o.testFraction ?? 0.2;
  const rows = matrix.rows;
  const testRows = typeof fraction === 'number' ? Math.round(rows * fraction) : NaN;
  if (!(testRows >= 1 && testRows < rows)) {
    throw new OptionError('options.testFraction', `options.testFraction must leave at least one row on each side of the ${rows}, got ${describe(fraction)}`);
  }
  const stratify = o.stratify ?? false;
  if (typeof stratify !== 'boolean') throw new OptionError('options.stratify', `options.stratify must be true or false, got ${describe(stratify)}`);
  const order = new Uint32Array(rows);
  new Xoshiro128(checkInteger('options.seed', o.seed ?? 0, 0, 2 ** 32 - 1)).shuffle(order, rows);
  if (stratify) stratifyOrder(order, labels, testRows);
  const take = (from: number, to: number): Split => {
    const n = to - from;
    const data = new Float32Array(n * cols);
    const labelsOut = new Float32Array(n);
    for (let r = 0; r < n; r++) {
      const src = order[from + r]!;
      data.set(values.subarray(src * cols, (src + 1) * cols), r * cols);
      labelsOut[r] = labels[src]!;
    }
    return { x: { data, rows: n, cols }, y: labelsOut };
  };
  return { train: take(testRows, rows), test: take(0, testRows) };
}

/**
 * Reorder the shuffled `order` so that its first `testRows` hold each class in proportion:
 * class c gets ⌊n_c·t/n⌋ test rows, and a row left over goes to the larger remainder (class 0
 * on a tie). Within each side the shuffled order is kept.
 */
function stratifyOrder(order: Uint32Array, labels: Float32Array, testRows: number): void {
  const rows = order.length;
  let ones = 0;
  for (let i = 0; i < rows; i++) ones += labels[i]!;
  const counts = [rows - ones, ones];
  const quota = counts.map((n) => Math.floor((n * testRows) / rows));
  // The two remainders add up to a whole number below 2: at most one row is left to give.
  if (quota[0]! + quota[1]! < testRows) {
    const remainder = counts.map((n, c) => (n * testRows) / rows - quota[c]!);
    quota[remainder[1]! > remainder[0]! ? 1 : 0]!++;
  }
  const test: number[] = [];
  const train: number[] = [];
  for (const i of order) {
    const c = labels[i]!;
    if (quota[c]! > 0) {
      quota[c]!--;
      test.push(i);
    } else {
      train.push(i);
    }
  }
  order.set(test);
  order.set(train, test.length);
}

/** Rows 0…at−1 and at…rows−1 of `x` (with their labels, `labels` per row), without copying: each
 *  side reports a bad value, or a scaler overflow, at its row in x as the caller wrote it. */
export function splitRows(x: Matrix, y: Float32Array, at: number, labels = 1): [{ x: Matrix; y: Float32Array }, { x: Matrix; y: Float32Array }] {
  return [
    { x: rowRange(x, 0, at), y: y.subarray(0, at * labels) },
    { x: rowRange(x, at, x.rows - at), y: y.subarray(at * labels) },
  ];
}
