// Turning what the caller hands us into validated float32 copies. Nothing here writes to
// the caller's arrays; every failure names the argument and the row/column at fault.
import { GradwasmError, checkInteger, describe } from './errors.js';

/** A row-major batch of feature rows: `{ data, rows, cols }` with data.length = rows·cols. */
export interface MatrixInput {
  data: ArrayLike<number>;
  rows: number;
  cols: number;
}

/** Feature rows: `number[][]`, a flat row-major `Float32Array`/`Float64Array`, or `{ data, rows, cols }`. */
export type Features = readonly (ArrayLike<number>)[] | Float32Array | Float64Array | MatrixInput;

/** Labels: any array-like of 0 and 1, one per row. */
export type Labels = ArrayLike<number>;

/** A validated float32 copy of a feature matrix. */
export interface Matrix {
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
}

const FLOAT32_MAX = 3.4028234663852886e38;

function checkValue(argument: string, value: unknown, where: () => string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new GradwasmError(argument, `${argument}${where()} is ${describe(value)}; every feature must be a finite number`);
  }
  // Values past the float32 range would silently become ±Infinity in the copy.
  if (Math.abs(value) > FLOAT32_MAX && !Number.isFinite(Math.fround(value))) {
    throw new GradwasmError(argument, `${argument}${where()} is ${value}, outside the float32 range (±3.4e38)`);
  }
  return value;
}

function copyFlat(argument: string, source: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) {
    data[i] = checkValue(argument, source[i], () => ` row ${Math.floor(i / cols)}, column ${i % cols}`);
  }
  return data;
}

/** Validate feature rows of `cols` columns and copy them to float32. */
export function toMatrix(x: unknown, cols: number, argument = 'x'): Matrix {
  if (Array.isArray(x)) return fromRows(x, cols, argument);
  if (x instanceof Float32Array || x instanceof Float64Array) {
    if (x.length === 0) throw new GradwasmError(argument, `${argument} is empty; it needs at least one row of ${cols} features`);
    if (x.length % cols !== 0) {
      throw new GradwasmError(argument, `${argument} has length ${x.length}, not a multiple of the ${cols} inputs per row`);
    }
    const rows = x.length / cols;
    return { data: copyFlat(argument, x, rows, cols), rows, cols };
  }
  if (typeof x === 'object' && x !== null && !ArrayBuffer.isView(x) && 'data' in x) {
    const { data, rows, cols: given } = x as MatrixInput;
    checkInteger(`${argument}.rows`, rows, 1);
    if (given !== cols) throw new GradwasmError(`${argument}.cols`, `${argument}.cols is ${describe(given)}, but the model has ${cols} inputs`);
    if (!isArrayLike(data)) throw new GradwasmError(`${argument}.data`, `${argument}.data must be an array or typed array, got ${describe(data)}`);
    if (data.length !== rows * cols) {
      throw new GradwasmError(`${argument}.data`, `${argument}.data has length ${data.length}, but rows × cols = ${rows} × ${cols} = ${rows * cols}`);
    }
    return { data: copyFlat(argument, data, rows, cols), rows, cols };
  }
  throw new GradwasmError(argument, `${argument} must be number[][], a Float32Array/Float64Array or { data, rows, cols }; got ${describe(x)}`);
}

function fromRows(x: readonly unknown[], cols: number, argument: string): Matrix {
  if (x.length === 0) throw new GradwasmError(argument, `${argument} has no rows; it needs at least one row of ${cols} features`);
  const data = new Float32Array(x.length * cols);
  for (let r = 0; r < x.length; r++) {
    const row = x[r];
    if (!isArrayLike(row)) {
      throw new GradwasmError(argument, `${argument}[${r}] is ${describe(row)}; each row must be an array of ${cols} numbers`);
    }
    if (row.length !== cols) {
      throw new GradwasmError(argument, `${argument}[${r}] has ${row.length} values, but the model has ${cols} inputs`);
    }
    for (let c = 0; c < cols; c++) data[r * cols + c] = checkValue(argument, row[c], () => `[${r}][${c}]`);
  }
  return { data, rows: x.length, cols };
}

/** Validate `rows` labels of 0 or 1 and copy them to float32. */
export function toLabels(y: unknown, rows: number, argument = 'y'): Float32Array {
  if (!isArrayLike(y)) throw new GradwasmError(argument, `${argument} must be an array of 0/1 labels, got ${describe(y)}`);
  if (y.length !== rows) throw new GradwasmError(argument, `${argument} has ${y.length} labels, but x has ${rows} rows`);
  const labels = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = y[i];
    if (v !== 0 && v !== 1) throw new GradwasmError(argument, `${argument}[${i}] is ${describe(v)}; labels must be 0 or 1`);
    labels[i] = v;
  }
  return labels;
}

/** Arrays, typed arrays, and plain objects with an integer length (as Array.from accepts). */
function isArrayLike(value: unknown): value is ArrayLike<unknown> {
  if (Array.isArray(value)) return true;
  if (typeof value !== 'object' || value === null || value instanceof DataView) return false;
  const length = (value as { length?: unknown }).length;
  return typeof length === 'number' && Number.isSafeInteger(length) && length >= 0;
}
