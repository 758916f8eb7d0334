// Turning what the caller hands us into validated float32 copies. Nothing here writes to
// the caller's arrays; every failure names the argument and the row/column at fault.
import { DataError } from '../core/errors.js';
import { checkInteger, describe } from '../core/checks.js';

/** A row-major batch of feature rows: `{ data, rows, cols }` with data.length = rows·cols. */
export interface MatrixInput {
  data: ArrayLike<number>;
  rows: number;
  cols: number;
  /** Where each row starts: row r is data[r·stride … r·stride + cols). Default `cols` (rows
   *  packed); larger when the rows sit inside wider ones, such as a table's features beside its
   *  label column. */
  stride?: number;
}

/** Feature rows: `number[][]`, a flat row-major `Float32Array`/`Float64Array`, or `{ data, rows, cols, stride? }`. */
export type Features = readonly ArrayLike<number>[] | Float32Array | Float64Array | MatrixInput;

/** Labels: one per row — 0 and 1, a class index, or a regression's target — as any array-like;
 *  for a regression of k outputs, rows of k targets (`number[][]`, `{ data, rows, cols: k }`, or a
 *  flat row-major array of rows × k). */
export type Labels = ArrayLike<number> | readonly ArrayLike<number>[] | { data: ArrayLike<number>; rows: number; cols: number };

/**
 * Feature rows whose shape is checked; their values are checked as a backend copies them in,
 * a chunk of rows at a time: copyRows() writes them as float32 into the backend's buffer,
 * checking nested arrays element by element; a typed array is copied raw and the backend then
 * scans the copy for NaN/±Infinity (in WebAssembly, with SIMD) and calls reject() with the
 * first bad index.
 */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  /** Rows start…start+count−1 as float32 into dest (count·cols floats). */
  copyRows(start: number, count: number, dest: Float32Array): void;
  /** Throw the GradwasmError for the value at flat index `index` (row·cols + column), which is not a finite float32. */
  reject(index: number): never;
  /** Set for the rows of a model with a feature scaler: the backend standardises its checked copy (see {@link standardize}). */
  readonly standardization?: Standardization;
  /** Set for float32 rows inside wider ones (a stride): the 'wasm' backend copies whole spans and
   *  squeezes the gaps out in WebAssembly instead of copying row by row. */
  readonly strided?: { readonly data: Float32Array; readonly stride: number };
}

/** A model's feature scaler as a backend applies it: z = (x − mean[c]) / scale[c] per column c. */
export interface Standardization {
  readonly mean: Float64Array;
  readonly scale: Float64Array;
  /** Throw the GradwasmError for flat index `index`, whose finite value `value` standardises to ±Infinity. */
  overflow(index: number, value: number): never;
}

const FLOAT32_MAX = 3.4028234663852886e38;

function badValue(argument: string, value: unknown, row: number, column: number, where: string): DataError {
  const at = { source: argument, row, column };
  if (typeof value === 'number' && Number.isFinite(value) && Math.abs(value) > FLOAT32_MAX) {
    return new DataError(argument, `${argument}${where} is ${value}, outside the float32 range (±3.4e38)`, at);
  }
  return new DataError(argument, `${argument}${where} is ${describe(value)}; every feature must be a finite number`, at);
}

/** float32 values a copy may hold: the 4 GiB a wasm32 module addresses (a JS typed array is no larger). */
const MAX_VALUES = 2 ** 30;

function checkSize(argument: string, rows: number, cols: number): void {
  if (rows * cols > MAX_VALUES) {
    throw new DataError(
      argument,
      `${argument} has ${rows} rows × ${cols} columns = ${rows * cols} values: as float32 that is more than the 4 GiB gradwasm can address`,
    );
  }
}

/** Flat storage, typed or not: copied raw, then scanned. Row r starts at source[r·stride]. */
function flatMatrix(argument: string, source: ArrayLike<number>, rows: number, cols: number, stride = cols): Matrix {
  checkSize(argument, rows, cols);
  const typed = source instanceof Float32Array || source instanceof Float64Array;
  const where = (r: number, c: number): string => ` row ${r}, column ${c}`;
  return {
    rows,
    cols,
    copyRows(start, count, dest) {
      if (typed && stride === cols) {
        const from = start * cols,
          length = count * cols;
        // converts to float32; a float64 past the float32 range becomes ±Infinity
        dest.set(from === 0 && length === source.length ? source : source.subarray(from, from + length));
        return;
      }
      for (let r = 0; r < count; r++) {
        const from = (start + r) * stride;
        for (let c = 0; c < cols; c++) {
          const v = source[from + c];
          if (typeof v !== 'number') throw badValue(argument, v, start + r, c, where(start + r, c));
          dest[r * cols + c] = v;
        }
      }
    },
    reject(index) {
      const r = Math.floor(index / cols),
        c = index % cols;
      throw badValue(argument, source[r * stride + c], r, c, where(r, c));
    },
    ...(stride !== cols && source instanceof Float32Array ? { strided: { data: source, stride } } : {}),
  };
}

/** Check the shape of feature rows of `cols` columns; the values are checked when loaded. */
export function toMatrix(x: unknown, cols: number, argument = 'x'): Matrix {
  if (Array.isArray(x)) return nestedMatrix(x, cols, argument);
  if (x instanceof Float32Array || x instanceof Float64Array) {
    if (x.length === 0) throw new DataError(argument, `${argument} is empty; it needs at least one row of ${cols} features`);
    if (x.length % cols !== 0) {
      throw new DataError(argument, `${argument} has length ${x.length}, not a multiple of the ${cols} inputs per row`);
    }
    return flatMatrix(argument, x, x.length / cols, cols);
  }
  if (typeof x === 'object' && x !== null && !ArrayBuffer.isView(x) && 'data' in x) {
    const { data, rows, cols: given, stride = given } = x as MatrixInput;
    checkInteger(`${argument}.rows`, rows, 1);
    if (given !== cols) throw new DataError(`${argument}.cols`, `${argument}.cols is ${describe(given)}, but the model has ${cols} inputs`);
    if (!isArrayLike(data)) throw new DataError(`${argument}.data`, `${argument}.data must be an array or typed array, got ${describe(data)}`);
    if (!Number.isInteger(stride) || stride < cols) {
      throw new DataError(`${argument}.stride`, `${argument}.stride must be an integer of at least cols (${cols}), got ${describe(stride)}`);
    }
    if (stride === cols && data.length !== rows * cols) {
      throw new DataError(`${argument}.data`, `${argument}.data has length ${data.length}, but rows × cols = ${rows} × ${cols} = ${rows * cols}`);
    }
    if (stride > cols && data.length < (rows - 1) * stride + cols) {
      throw new DataError(
        `${argument}.data`,
        `${argument}.data has length ${data.length}, but ${rows} rows of ${cols} a stride of ${stride} apart need ${(rows - 1) * stride + cols}`,
      );
    }
    return flatMatrix(argument, data as ArrayLike<number>, rows, cols, stride);
  }
  throw new DataError(argument, `${argument} must be number[][], a Float32Array/Float64Array or { data, rows, cols, stride? }; got ${describe(x)}`);
}

function nestedMatrix(x: readonly unknown[], cols: number, argument: string): Matrix {
  if (x.length === 0) throw new DataError(argument, `${argument} has no rows; it needs at least one row of ${cols} features`);
  x.forEach((row, r) => {
    if (!isArrayLike(row)) {
      throw new DataError(argument, `${argument}[${r}] is ${describe(row)}; each row must be an array of ${cols} numbers`, { source: argument, row: r });
    }
    if (row.length !== cols) {
      throw new DataError(argument, `${argument}[${r}] has ${row.length} values, but the model has ${cols} inputs`, { source: argument, row: r });
    }
  });
  checkSize(argument, x.length, cols);
  const rows = x as readonly ArrayLike<unknown>[];
  return {
    rows: x.length,
    cols,
    copyRows(start, count, dest) {
      for (let r = 0; r < count; r++) {
        const row = rows[start + r]!;
        for (let c = 0; c < cols; c++) {
          const v = row[c];
          if (typeof v !== 'number') throw badValue(argument, v, start + r, c, `[${start + r}][${c}]`);
          dest[r * cols + c] = v;
        }
      }
    },
    reject(index) {
      const r = Math.floor(index / cols),
        c = index % cols;
      throw badValue(argument, rows[r]![c], r, c, `[${r}][${c}]`);
    },
  };
}

/** The index of the first NaN or ±Infinity in data, or −1 (the plain-JS twin of the core's scan). */
export function firstNonFinite(data: Float32Array): number {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v - v !== 0) return i;
  }
  return -1;
}

/**
 * data[i] ← fround((data[i] − mean[c]) / scale[c]) in place, for c = i mod cols: the plain-JS
 * twin of the core's standardize. Stops at the first value whose result is not finite, left
 * as it was: returns its index, or −1.
 */
export function standardize(data: Float32Array, cols: number, mean: Float64Array, scale: Float64Array): number {
  const length = data.length;
  for (let i = 0; i < length; i += cols) {
    for (let c = 0; c < cols; c++) {
      const z = Math.fround((data[i + c]! - mean[c]!) / scale[c]!);
      if (z - z !== 0) return i + c;
      data[i + c] = z;
    }
  }
  return -1;
}

/** The rows as a new, checked Float32Array (standardised, for a model with a scaler). */
export function toFloat32(matrix: Matrix): Float32Array {
  const data = new Float32Array(matrix.rows * matrix.cols);
  copyCheckedRows(matrix, 0, matrix.rows, data);
  return data;
}

/** Rows start…start+count−1 into dest, checked (and standardised, for a model with a scaler):
 *  the plain-JS twin of what the 'wasm' backend does with the core's scans. */
export function copyCheckedRows(matrix: Matrix, start: number, count: number, dest: Float32Array): void {
  const offset = start * matrix.cols;
  matrix.copyRows(start, count, dest);
  let bad = firstNonFinite(dest);
  if (bad >= 0) matrix.reject(offset + bad);
  const s = matrix.standardization;
  if (s && (bad = standardize(dest, matrix.cols, s.mean, s.scale)) >= 0) s.overflow(offset + bad, dest[bad]!);
}

/** Rows start…start+count−1 of `matrix` as a matrix of their own (nothing is copied; errors name
 *  the rows as the caller wrote them). */
export function rowRange(matrix: Matrix, start: number, count: number): Matrix {
  const offset = start * matrix.cols;
  const s = matrix.standardization;
  return {
    rows: count,
    cols: matrix.cols,
    copyRows: (from, n, dest) => matrix.copyRows(start + from, n, dest),
    reject: (index) => matrix.reject(offset + index),
    ...(s ? { standardization: { mean: s.mean, scale: s.scale, overflow: (index: number, value: number) => s.overflow(offset + index, value) } } : {}),
    ...(matrix.strided ? { strided: { data: matrix.strided.data.subarray(start * matrix.strided.stride), stride: matrix.strided.stride } } : {}),
  };
}

/** Validate `rows` labels — 0 or 1 (two classes), or class indices 0…classes−1 — and copy them
 *  to float32 (exact: a layer has at most 65536 units). */
export function toLabels(y: unknown, rows: number, argument = 'y', classes = 2): Float32Array {
  const binary = classes === 2;
  const what = binary ? 'labels must be 0 or 1' : `labels must be class indices, integers 0…${classes - 1}`;
  if (!isArrayLike(y)) throw new DataError(argument, `${argument} must be an array of ${binary ? '0/1 labels' : 'class indices'}, got ${describe(y)}`);
  if (y.length !== rows) throw new DataError(argument, `${argument} has ${y.length} labels, but x has ${rows} rows`);
  const labels = new Float32Array(rows);
  const bad = (i: number, v: unknown): DataError => new DataError(argument, `${argument}[${i}] is ${describe(v)}; ${what}`, { source: argument, row: i });
  if (binary && (y instanceof Float32Array || y instanceof Float64Array)) {
    // numbers for sure: v·(v − 1) is 0 for 0 and 1 alone, one predictable branch a label
    for (let i = 0; i < rows; i++) {
      const v = y[i]!;
      if (v * (v - 1) !== 0) throw bad(i, v);
      labels[i] = v;
    }
    return labels;
  }
  for (let i = 0; i < rows; i++) {
    const v = y[i];
    if (binary ? v !== 0 && v !== 1 : typeof v !== 'number' || !(v >= 0 && v < classes && v % 1 === 0)) throw bad(i, v);
    labels[i] = v as number;
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
