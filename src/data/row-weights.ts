// Class and sample weights (Keras's class_weight and sample_weight): their checks, the weight
// of each row, and scikit-learn's 'balanced' rule. A row's weight multiplies its loss and its
// gradient; a batch's loss stays Σ wᵢ·lossᵢ / rows, the batch's row count (Keras's
// SUM_OVER_BATCH_SIZE). The weights travel with their rows into the backends (assembly/heads/binary.ts).
import { describe } from '../core/checks.js';
import { OptionError } from '../core/errors.js';

/**
 * A weight for each class: `{ 0: w0, 1: w1, … }` with a key for every class 0…k−1 (as TensorFlow.js
 * asks for every class of the data and Keras for keys 0…n−1), or `'balanced'`: n / (k·nᵢ) for
 * class i, where n counts the training rows and nᵢ those of class i (scikit-learn's rule), so
 * that every class weighs the same in the loss.
 */
export type ClassWeight = Readonly<Record<number, number>> | 'balanced';

/** A class weight as checked: one weight per class (float32 values), or 'balanced' (computed from the labels). */
export type CheckedClassWeight = readonly number[] | 'balanced';

/** A weight ≥ 0 that stays finite as a float32. */
function weightValue(value: unknown): value is number {
  return typeof value === 'number' && value >= 0 && Number.isFinite(Math.fround(value));
}

/** `classWeight` checked for `classes` classes: null when not given. */
export function checkClassWeight(value: unknown, name: string, classes = 2): CheckedClassWeight | null {
  if (value === undefined || value === null) return null;
  if (classes === 0) throw new OptionError(name, `${name} weighs the rows of each class; this model is a regression (no classes): use sampleWeight`);
  if (value === 'balanced') return value;
  const keys = Array.from({ length: classes }, (_, c) => c);
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new OptionError(name, `${name} must be 'balanced' or { ${keys.map((c) => `${c}: weight`).join(', ')} }, got ${describe(value)}`);
  }
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!keys.some((c) => String(c) === key)) throw new OptionError(name, `${name} has the key ${JSON.stringify(key)}; the classes are ${classList(classes)}`);
  }
  const weights = keys.map((c) => {
    if (!(c in o))
      throw new OptionError(
        name,
        `${name} has no weight for class ${c}; give ${classes === 2 ? 'both' : `one for each of ${classList(classes)}`}, e.g. { 0: 1, 1: 5 }`,
      );
    const w = o[c];
    if (!weightValue(w)) throw new OptionError(`${name}[${c}]`, `${name}[${c}] must be a finite number ≥ 0 (as a float32), got ${describe(w)}`);
    return Math.fround(w);
  });
  if (weights.every((w) => w === 0)) throw new OptionError(name, `${name} weighs ${classes === 2 ? 'both classes' : 'every class'} 0: no row would count`);
  return weights;
}

/** "0 and 1", "0, 1 and 2", "0…9". */
function classList(classes: number): string {
  return classes === 2 ? '0 and 1' : classes <= 4 ? `${Array.from({ length: classes - 1 }, (_, c) => c).join(', ')} and ${classes - 1}` : `0…${classes - 1}`;
}

/** `sampleWeight` checked against `rows` rows: a float32 copy, or null when not given. */
export function checkSampleWeight(value: unknown, rows: number, name: string): Float32Array | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) && !(value instanceof Float32Array) && !(value instanceof Float64Array)) {
    throw new OptionError(name, `${name} must be an array, Float32Array or Float64Array of one weight per row, got ${describe(value)}`);
  }
  if (value.length !== rows) throw new OptionError(name, `${name} has ${value.length} weights, but x has ${rows} rows`);
  const weights = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    const w: unknown = value[i];
    if (!weightValue(w)) throw new OptionError(name, `${name}[${i}] is ${describe(w)}; weights must be finite numbers ≥ 0 (as float32)`);
    weights[i] = w;
  }
  return weights;
}

/** Rows of each class 0…classes−1. */
export function classCounts(y: Float32Array, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < y.length; i++) counts[y[i]!]!++;
  return counts;
}

/** scikit-learn's 'balanced' weights, n / (k·nᵢ), as float32; a class without rows is an error
 *  (as in scikit-learn: there is nothing to balance). */
export function balancedWeights(counts: readonly number[], name: string): number[] {
  const n = counts.reduce((a, b) => a + b, 0),
    k = counts.length;
  const missing = counts.findIndex((c) => c === 0);
  if (missing >= 0) {
    throw new OptionError(
      name,
      `${name} 'balanced' needs rows of ${k === 2 ? 'both classes' : 'every class'}, but the ${n} training rows have none of class ${missing}`,
    );
  }
  return counts.map((c) => Math.fround(n / (k * c)));
}

/**
 * The weight of each row: classWeight[yᵢ] × sampleWeight[i] rounded to float32 (Keras multiplies
 * them in float32), either factor 1 when not given; null when neither is (no weights at all).
 * 'balanced' is computed from y. Throws when a product overflows float32 or when every row
 * weighs 0 (the loss would be 0 whatever the weights: nothing to learn).
 */
export function rowWeights(
  y: Float32Array,
  classWeight: CheckedClassWeight | null,
  sampleWeight: Float32Array | null,
  names: { classWeight: string; sampleWeight: string },
  classes = 2,
  rows = y.length,
): Float32Array | null {
  if (classWeight === null && sampleWeight === null) return null;
  const perClass = classWeight === 'balanced' ? balancedWeights(classCounts(y, classes), names.classWeight) : classWeight;
  const weights = new Float32Array(rows);
  let any = false;
  for (let i = 0; i < rows; i++) {
    const c = perClass ? perClass[y[i]!]! : 1;
    const w = sampleWeight ? Math.fround(c * sampleWeight[i]!) : c;
    if (w === Infinity) {
      throw new OptionError(
        names.sampleWeight,
        `${names.sampleWeight}[${i}] (${sampleWeight![i]}) times ${names.classWeight}[${y[i]}] (${c}) overflows float32`,
      );
    }
    weights[i] = w;
    any ||= w > 0;
  }
  if (!any && rows > 0) {
    const which = !perClass || (sampleWeight !== null && sampleWeight.every((w) => w === 0)) ? names.sampleWeight : names.classWeight;
    throw new OptionError(which, `every training row weighs 0 with this ${which}: the loss would be 0 and training would learn nothing`);
  }
  return weights;
}

/** Weights from the labels alone (a stream's chunks), into a buffer reused from chunk to chunk. */
export class ClassWeights {
  private buffer = new Float32Array(0);

  constructor(private readonly weights: readonly number[]) {}

  /** The weight of each of these labels (valid until the next call). */
  of(y: Float32Array): Float32Array {
    if (this.buffer.length < y.length) this.buffer = new Float32Array(Math.max(y.length, 2 * this.buffer.length));
    const out = this.buffer.subarray(0, y.length);
    const weights = this.weights;
    for (let i = 0; i < y.length; i++) out[i] = weights[y[i]!]!;
    return out;
  }
}
