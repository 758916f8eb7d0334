// Feature standardisation, z = (x − mean) / scale per column, fitted on training rows. A model
// can carry one (saved in its JSON) and applies it to every row it is given.
import { toFloat32, toMatrix, type Features, type Matrix } from './matrix.js';
import { GradwasmError, OptionError } from '../core/errors.js';
import { checkKeys, checkObject, checkInteger, describe } from '../core/checks.js';
import { MAX_UNITS } from '../core/limits.js';

export const SCALER_FORMAT = 'gradwasm-scaler';

/** A saved {@link StandardScaler}: what its `toJSON()` returns, and what a model file holds under `scaler`. */
export interface ScalerJSON {
  format: typeof SCALER_FORMAT;
  version: 1;
  /** Per-column means. */
  mean: number[];
  /** Per-column divisors: the population standard deviation, or 1 for a constant column. */
  scale: number[];
}

// Set by the class's static block: module-private access to its constructor and fields.
let newScaler: (mean: Float64Array, scale: Float64Array) => StandardScaler;
let parts: (scaler: StandardScaler) => { mean: Float64Array; scale: Float64Array };

/**
 * Standardises features column by column: `z = (x − mean) / scale`, like scikit-learn's
 * `StandardScaler`. {@link StandardScaler.fit} takes the mean and the *population* standard
 * deviation (ddof = 0, as scikit-learn does) of each column; a constant column gets scale 1,
 * so it becomes 0 instead of NaN.
 *
 * Arithmetic: each feature is read as a float32 (as every model input is), then
 * `(x − mean) / scale` is computed in float64 and rounded once to float32. `mean` and `scale`
 * are float64 and saved exactly.
 *
 * Give one to a model (`Sequential.create({ …, scaler })` or `model.setScaler(scaler)`) and the
 * model applies it to every row passed to `fit`, `predictProba`, `predict`, `evaluate` and
 * `gradients`, and saves it in its JSON: callers always pass raw features.
 */
export class StandardScaler {
  readonly #mean: Float64Array;
  readonly #scale: Float64Array;

  private constructor(mean: Float64Array, scale: Float64Array) {
    this.#mean = mean;
    this.#scale = scale;
  }

  static {
    newScaler = (mean, scale) => new StandardScaler(mean, scale);
    parts = (s) => ({ mean: s.#mean, scale: s.#scale });
  }

  /**
   * Fit to the rows of `x`: per-column mean and population standard deviation, in float64.
   * `options.cols` is needed only when `x` is a flat typed array (it is the row length
   * otherwise). Throws a {@link GradwasmError} on a non-finite feature.
   */
  static fit(x: Features, options: { cols?: number } = {}): StandardScaler {
    const o = checkObject('options', options);
    checkKeys('options', o, ['cols']);
    const cols = o.cols === undefined ? columnsOf(x) : checkInteger('options.cols', o.cols, 1, MAX_UNITS);
    const matrix = toMatrix(x, cols, 'x');
    const data = toFloat32(matrix);
    const rows = matrix.rows;
    const mean = new Float64Array(cols);
    const scale = new Float64Array(cols);
    for (let c = 0; c < cols; c++) {
      let sum = 0,
        min = Infinity,
        max = -Infinity;
      for (let i = c; i < data.length; i += cols) {
        const v = data[i]!;
        sum += v;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      if (min === max) {
        // Constant: its exact value, and scale 1 (a mean of equal values may not round back to them).
        mean[c] = min;
        scale[c] = 1;
        continue;
      }
      const m = sum / rows;
      let squares = 0,
        residual = 0;
      for (let i = c; i < data.length; i += cols) {
        const d = data[i]! - m;
        squares += d * d;
        residual += d;
      }
      mean[c] = m;
      // Two passes with the correction term of Chan, Golub and LeVeque (exact sums give residual = 0).
      const variance = (squares - (residual * residual) / rows) / rows;
      scale[c] = variance > 0 ? Math.sqrt(variance) : 1;
    }
    return new StandardScaler(mean, scale);
  }

  /**
   * A scaler from per-column statistics — `scanStats(source)` of `gradwasm/node`, one pass over
   * data too large for memory — as {@link StandardScaler.fit} would make it: scale = the
   * population standard deviation; a constant column (min = max, or std 0) keeps its value as
   * mean and gets scale 1.
   */
  static fromStats(stats: { mean: ArrayLike<number>; std: ArrayLike<number>; min?: ArrayLike<number>; max?: ArrayLike<number> }): StandardScaler {
    const o = checkObject('stats', stats);
    const mean = Float64Array.from(o.mean as ArrayLike<number>),
      std = Float64Array.from(o.std as ArrayLike<number>);
    if (mean.length === 0 || mean.length !== std.length || mean.length > MAX_UNITS) {
      throw new OptionError('stats', `stats.mean and stats.std must hold the same number (1 to ${MAX_UNITS}) of values, got ${mean.length} and ${std.length}`);
    }
    const scale = new Float64Array(mean.length);
    for (let c = 0; c < mean.length; c++) {
      const constant = o.min !== undefined && o.max !== undefined && (o.min as ArrayLike<number>)[c] === (o.max as ArrayLike<number>)[c];
      if (!Number.isFinite(mean[c]!) || !(std[c]! >= 0) || !Number.isFinite(std[c]!)) {
        throw new OptionError('stats', `stats column ${c} has mean ${mean[c]} and std ${std[c]}; they must be finite, and std ≥ 0`);
      }
      if (constant) mean[c] = (o.min as ArrayLike<number>)[c]!;
      scale[c] = constant || std[c] === 0 ? 1 : std[c]!;
    }
    return new StandardScaler(mean, scale);
  }

  /** Read a scaler saved by {@link StandardScaler.toJSON} (the object or its JSON text); every field is checked. */
  static fromJSON(json: ScalerJSON | string): StandardScaler {
    let value: unknown = json;
    if (typeof json === 'string') {
      try {
        value = JSON.parse(json);
      } catch (error) {
        throw new OptionError('json', `json is not valid JSON text: ${(error as Error).message}`);
      }
    }
    return scalerFromJSON(value, 'json');
  }

  /** Features per row. */
  get cols(): number {
    return this.#mean.length;
  }

  /** A copy of the per-column means. */
  get mean(): Float64Array {
    return this.#mean.slice();
  }

  /** A copy of the per-column divisors. */
  get scale(): Float64Array {
    return this.#scale.slice();
  }

  /** The rows of `x` standardised, as a new row-major Float32Array (`x` is not modified). */
  transform(x: Features): Float32Array {
    return toFloat32(scaledMatrix(this, toMatrix(x, this.cols, 'x'), 'x'));
  }

  /** Plain JSON; `JSON.stringify(scaler)` uses it. */
  toJSON(): ScalerJSON {
    return { format: SCALER_FORMAT, version: 1, mean: Array.from(this.#mean), scale: Array.from(this.#scale) };
  }
}

/**
 * `matrix` as a model with `scaler` sees it: the backend standardises its checked copy of the
 * rows (in WebAssembly, or src/data/matrix.ts's twin); a bad value is reported as the caller wrote it.
 */
export function scaledMatrix(scaler: StandardScaler, matrix: Matrix, argument: string): Matrix {
  const { mean, scale } = parts(scaler);
  const cols = matrix.cols;
  return {
    rows: matrix.rows,
    cols,
    copyRows: (start, count, dest) => matrix.copyRows(start, count, dest),
    reject: (index) => matrix.reject(index),
    ...(matrix.strided ? { strided: matrix.strided } : {}),
    standardization: {
      mean,
      scale,
      overflow(index, value) {
        const c = index % cols;
        const sign = (value - mean[c]!) / scale[c]! > 0 ? '' : '-';
        throw new OptionError(
          argument,
          `${argument} row ${Math.floor(index / cols)}, column ${c} is ${value}, which the scaler maps to ${sign}Infinity, outside the float32 range`,
        );
      },
    },
  };
}

/** The row length of `x` where it shows (rows or `{ cols }`); a flat typed array needs `options.cols`. */
function columnsOf(x: unknown): number {
  if (Array.isArray(x) && x.length > 0 && typeof (x[0] as { length?: unknown })?.length === 'number') return (x[0] as ArrayLike<unknown>).length || 1;
  if (typeof x === 'object' && x !== null && !ArrayBuffer.isView(x) && 'cols' in x) return checkInteger('x.cols', (x as { cols: unknown }).cols, 1, MAX_UNITS);
  if (ArrayBuffer.isView(x)) throw new OptionError('options.cols', `options.cols is needed with a flat ${x.constructor.name}: how many features per row?`);
  return 1; // toMatrix reports what is wrong with x
}

/** A scaler, or a saved one (the argument `name`) checked: format, equal lengths, finite means, finite positive scales. */
export function scalerFromJSON(value: unknown, name: string): StandardScaler {
  if (value instanceof StandardScaler) return value;
  const file = checkObject(name, value);
  if (file.format !== SCALER_FORMAT) {
    throw new OptionError(`${name}.format`, `${name}.format must be ${JSON.stringify(SCALER_FORMAT)}, got ${describe(file.format)}`);
  }
  if (file.version !== 1)
    throw new OptionError(`${name}.version`, `${name}.version ${describe(file.version)} is not supported (this gradwasm reads version 1)`);
  const read = (key: 'mean' | 'scale', length: number | null): Float64Array => {
    const v = file[key];
    const where = `${name}.${key}`;
    if (!Array.isArray(v) || v.length === 0 || v.length > MAX_UNITS) {
      throw new OptionError(where, `${where} must be an array of 1 to ${MAX_UNITS} numbers, got ${describe(v)}`);
    }
    if (length !== null && v.length !== length) throw new OptionError(where, `${where} has ${v.length} values, but ${name}.mean has ${length}`);
    const out = new Float64Array(v.length);
    v.forEach((n: unknown, i) => {
      const ok = typeof n === 'number' && Number.isFinite(n) && (key === 'mean' || n > 0);
      if (!ok)
        throw new OptionError(
          where,
          `${where}[${i}] is ${describe(n)}; ${key === 'mean' ? 'means must be finite numbers' : 'scales must be finite numbers > 0'}`,
        );
      out[i] = n as number;
    });
    return out;
  };
  const mean = read('mean', null);
  return newScaler(mean, read('scale', mean.length));
}
