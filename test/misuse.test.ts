// Misuse: every wrong argument throws (or, from an async function, rejects with) a
// GradwasmError that names the argument and the offending row/column/value — before the
// model is changed in any way. The same cases run over every backend, TensorFlow.js style.
import { describe, expect, it } from 'vitest';
import { GradwasmError, LogisticRegression, Sequential, dense, trainTestSplit, type LayerWeights, type ModelJSON } from '../src/index.js';

const BACKENDS = ['wasm', 'js'] as const;
type BackendName = (typeof BACKENDS)[number];

/**
 * Call `fn` (sync or async), and check that it fails with a GradwasmError for `argument`
 * whose message matches `message`. Returns the error for further checks.
 */
async function expectGradwasmError(fn: () => unknown, argument: string, message: RegExp): Promise<GradwasmError> {
  let caught: unknown = undefined;
  let failed = false;
  try {
    await fn();
  } catch (error) {
    caught = error;
    failed = true;
  }
  expect(failed, `expected a GradwasmError for ${argument}, but the call succeeded`).toBe(true);
  if (!(caught instanceof GradwasmError)) {
    throw new Error(`expected a GradwasmError for ${argument}, got ${String(caught)} (${(caught as Error | undefined)?.stack ?? ''})`);
  }
  expect(caught).toBeInstanceOf(GradwasmError);
  expect(caught).toBeInstanceOf(Error);
  // a subclass names itself (OptionError, DataError, …; a disposed model's is a BrokenModelError); misuse is never a divergence
  expect(['GradwasmError', 'OptionError', 'DataError', 'MemoryLimitError', 'BrokenModelError']).toContain(caught.name);
  expect(caught.argument).toBe(argument);
  expect(caught.message).toMatch(message);
  return caught;
}

// Three features, four rows: valid data the cases below spoil one value at a time.
const X: number[][] = [
  [0.5, -1, 2],
  [1, 0.25, -0.5],
  [-2, 1.5, 0],
  [0.75, -0.25, 1],
];
const Y = [0, 1, 1, 0];
const INPUTS = 3;

/** A deep copy of X with x[r][c] = value. */
function withValue(r: number, c: number, value: unknown): number[][] {
  const x = X.map((row) => row.slice());
  (x[r] as unknown[])[c] = value;
  return x;
}

/** X flattened into a typed array, with flat[index] = value. */
function flat<T extends Float32Array | Float64Array>(make: (n: number) => T, index?: number, value?: number): T {
  const out = make(X.length * INPUTS);
  X.forEach((row, r) => row.forEach((v, c) => (out[r * INPUTS + c] = v)));
  if (index !== undefined) out[index] = value!;
  return out;
}

/** A deep copy of Y with y[i] = value. */
function labelsWith(i: number, value: unknown): unknown[] {
  const y: unknown[] = Y.slice();
  y[i] = value;
  return y;
}

type Case = [name: string, value: unknown, argument: string, message: RegExp];

/** Feature matrices that every method taking x must reject (model of 3 inputs). */
const BAD_X: Case[] = [
  ['NaN in number[][]', withValue(2, 1, NaN), 'x', /^x\[2\]\[1\] is NaN; every feature must be a finite number$/],
  ['Infinity in number[][]', withValue(0, 2, Infinity), 'x', /^x\[0\]\[2\] is Infinity\b/],
  ['-Infinity in number[][]', withValue(3, 0, -Infinity), 'x', /^x\[3\]\[0\] is -Infinity\b/],
  ['a string in number[][]', withValue(1, 1, '1.5'), 'x', /^x\[1\]\[1\] is "1\.5"/],
  ['undefined in number[][]', withValue(2, 2, undefined), 'x', /^x\[2\]\[2\] is undefined\b/],
  ['null in number[][]', withValue(1, 0, null), 'x', /^x\[1\]\[0\] is null\b/],
  ['1e39 in number[][]', withValue(1, 2, 1e39), 'x', /^x\[1\]\[2\] is 1e\+39, outside the float32 range/],
  [
    'a Float64Array row holding -1e39',
    X.map((row, r) => (r === 1 ? Float64Array.of(1, -1e39, 0) : row)),
    'x',
    /^x\[1\]\[1\] is -1e\+39, outside the float32 range/,
  ],
  ['NaN in a flat Float32Array', flat((n) => new Float32Array(n), 7, NaN), 'x', /^x row 2, column 1 is NaN\b/],
  ['NaN in a flat Float64Array', flat((n) => new Float64Array(n), 11, NaN), 'x', /^x row 3, column 2 is NaN\b/],
  ['Infinity in a flat Float32Array', flat((n) => new Float32Array(n), 0, Infinity), 'x', /^x row 0, column 0 is Infinity\b/],
  ['1e39 in a flat Float64Array', flat((n) => new Float64Array(n), 4, 1e39), 'x', /^x row 1, column 1 is 1e\+39, outside the float32 range/],
  ['-1e39 in a flat Float64Array', flat((n) => new Float64Array(n), 9, -1e39), 'x', /^x row 3, column 0 is -1e\+39, outside the float32 range/],
  ['a short ragged row', [X[0], X[1], [1, 2], X[3]], 'x', /^x\[2\] has 2 values, but the model has 3 inputs$/],
  ['a long ragged row', [X[0], [1, 2, 3, 4], X[2]], 'x', /^x\[1\] has 4 values, but the model has 3 inputs$/],
  ['an empty row', [[]], 'x', /^x\[0\] has 0 values\b/],
  ['a row that is a number', [X[0], 5, X[2]], 'x', /^x\[1\] is 5; each row must be an array of 3 numbers$/],
  ['a row that is a string', [X[0], X[1], X[2], 'abc'], 'x', /^x\[3\] is "abc"; each row must be an array/],
  ['a row that is null', [null, X[1]], 'x', /^x\[0\] is null; each row must be an array/],
  ['a flat Float32Array of length 10', new Float32Array(10), 'x', /^x has length 10, not a multiple of the 3 inputs per row$/],
  ['a flat Float64Array of length 4', new Float64Array(4), 'x', /^x has length 4, not a multiple of the 3 inputs/],
  ['an empty array', [], 'x', /^x has no rows\b/],
  ['an empty Float32Array', new Float32Array(0), 'x', /^x is empty\b/],
  ['an empty Float64Array', new Float64Array(0), 'x', /^x is empty\b/],
  ['{data, rows, cols} with the wrong cols', { data: new Float32Array(16), rows: 4, cols: 4 }, 'x.cols', /^x\.cols is 4, but the model has 3 inputs$/],
  ['{data, rows, cols} with cols as a string', { data: new Float32Array(12), rows: 4, cols: '3' }, 'x.cols', /^x\.cols is "3"/],
  ['{data, rows, cols} with a short data', { data: new Float32Array(11), rows: 4, cols: 3 }, 'x.data', /^x\.data has length 11, but rows × cols = 4 × 3 = 12$/],
  ['{data, rows, cols} with a long data', { data: new Array(13).fill(0), rows: 4, cols: 3 }, 'x.data', /^x\.data has length 13\b/],
  ['{data, rows, cols} with non-integer rows', { data: new Float32Array(12), rows: 2.5, cols: 3 }, 'x.rows', /^x\.rows must be an integer ≥ 1, got 2\.5$/],
  ['{data, rows, cols} with zero rows', { data: new Float32Array(0), rows: 0, cols: 3 }, 'x.rows', /^x\.rows must be an integer ≥ 1, got 0$/],
  ['{data, rows, cols} with data a string', { data: 'abcdef', rows: 2, cols: 3 }, 'x.data', /^x\.data must be an array or typed array, got "abcdef"$/],
  ['{data, rows, cols} with NaN in data', { data: flat((n) => new Float64Array(n), 3, NaN), rows: 4, cols: 3 }, 'x', /^x row 1, column 0 is NaN\b/],
  ['an Int32Array', new Int32Array(12), 'x', /^x must be number\[\]\[\], a Float32Array\/Float64Array or \{ data, rows, cols, stride\? \}; got a Int32Array$/],
  [
    '{data, rows, cols, stride} with a stride below cols',
    { data: new Float32Array(12), rows: 4, cols: 3, stride: 2 },
    'x.stride',
    /^x\.stride must be an integer of at least cols \(3\), got 2$/,
  ],
  [
    '{data, rows, cols, stride} with a fractional stride',
    { data: new Float32Array(20), rows: 4, cols: 3, stride: 4.5 },
    'x.stride',
    /^x\.stride must be an integer of at least cols \(3\), got 4\.5$/,
  ],
  [
    '{data, rows, cols, stride} with a stride that is a string',
    { data: new Float32Array(16), rows: 4, cols: 3, stride: '4' },
    'x.stride',
    /^x\.stride must be an integer .*, got "4"$/,
  ],
  [
    '{data, rows, cols, stride} with data short of the last row',
    { data: new Float32Array(14), rows: 4, cols: 3, stride: 4 },
    'x.data',
    /^x\.data has length 14, but 4 rows of 3 a stride of 4 apart need 15$/,
  ],
  ['NaN in a strided Float32Array (NaN in its gaps too)', strided(2, 1, NaN), 'x', /^x row 2, column 1 is NaN\b/],
  ['Infinity in a strided number[]', { ...strided(3, 2, Infinity), data: Array.from(strided(3, 2, Infinity).data) }, 'x', /^x row 3, column 2 is Infinity\b/],
  ['a string', 'abc', 'x', /^x must be number\[\]\[\].*got "abc"$/],
  ['null', null, 'x', /^x must be number\[\]\[\].*got null$/],
  ['undefined', undefined, 'x', /^x must be number\[\]\[\].*got undefined$/],
  ['a number', 5, 'x', /^x must be number\[\]\[\].*got 5$/],
  ['an object without data', { rows: 4, cols: 3 }, 'x', /^x must be number\[\]\[\].*got an object$/],
];

/** X as rows 5 floats apart, the gaps holding NaN (never read), with `value` at (row, col). */
function strided(row: number, col: number, value: number): { data: Float32Array; rows: number; cols: number; stride: number } {
  const data = new Float32Array(4 * 5).fill(NaN);
  X.forEach((r, i) => data.set(r, i * 5));
  data[row * 5 + col] = value;
  return { data, rows: 4, cols: 3, stride: 5 };
}

/** Labels that every method taking y must reject (x = X, four rows). */
const BAD_Y: Case[] = [
  ['label 2 at the last row', labelsWith(3, 2), 'y', /^y\[3\] is 2; labels must be 0 or 1$/],
  ['label -1', labelsWith(0, -1), 'y', /^y\[0\] is -1; labels must be 0 or 1$/],
  ['label 0.5', labelsWith(1, 0.5), 'y', /^y\[1\] is 0\.5; labels must be 0 or 1$/],
  ['label NaN', labelsWith(2, NaN), 'y', /^y\[2\] is NaN; labels must be 0 or 1$/],
  ["label '1'", labelsWith(3, '1'), 'y', /^y\[3\] is "1"; labels must be 0 or 1$/],
  ['label true', labelsWith(0, true), 'y', /^y\[0\] is true; labels must be 0 or 1$/],
  ['label undefined', labelsWith(1, undefined), 'y', /^y\[1\] is undefined; labels must be 0 or 1$/],
  ['one label too few', [0, 1, 1], 'y', /^y has 3 labels, but x has 4 rows$/],
  ['0.5 in a Float32Array', Float32Array.of(0, 1, 0.5, 0), 'y', /^y\[2\] is 0\.5\b/],
  ['2 in a Uint8Array', Uint8Array.of(0, 1, 1, 2), 'y', /^y\[3\] is 2\b/],
  ['too many labels', [0, 1, 1, 0, 1], 'y', /^y has 5 labels, but x has 4 rows$/],
  ['no labels', [], 'y', /^y has 0 labels, but x has 4 rows$/],
  ['a string', '0110', 'y', /^y must be an array of 0\/1 labels, got "0110"$/],
  ['null', null, 'y', /^y must be an array of 0\/1 labels, got null$/],
  ['undefined', undefined, 'y', /^y must be an array of 0\/1 labels, got undefined$/],
];

/** fit options that must be rejected (x = X, y = Y). */
const BAD_FIT_OPTIONS: Case[] = [
  ['learningRate 0', { learningRate: 0 }, 'options.learningRate', /^options\.learningRate must be a finite number > 0\b.*, got 0$/],
  ['learningRate -0', { learningRate: -0 }, 'options.learningRate', /^options\.learningRate must be .*, got -0$/],
  ['learningRate -1', { learningRate: -1 }, 'options.learningRate', /^options\.learningRate must be .*, got -1$/],
  ['learningRate NaN', { learningRate: NaN }, 'options.learningRate', /^options\.learningRate must be .*, got NaN$/],
  ['learningRate Infinity', { learningRate: Infinity }, 'options.learningRate', /^options\.learningRate must be .*, got Infinity$/],
  ['learningRate 1e39 (Infinity as float32)', { learningRate: 1e39 }, 'options.learningRate', /^options\.learningRate must be .*, got 1e\+39$/],
  // Positive as a double, but 0 once rounded to float32, the precision training runs at:
  // accepted, training would silently change nothing.
  ['learningRate 1e-50 (0 as float32)', { learningRate: 1e-50 }, 'options.learningRate', /^options\.learningRate\b.*1e-50/],
  ["learningRate '0.1'", { learningRate: '0.1' }, 'options.learningRate', /^options\.learningRate must be .*, got "0\.1"$/],
  ['learningRate null', { learningRate: null }, 'options.learningRate', /^options\.learningRate must be .*, got null$/],
  ['batchSize 0', { batchSize: 0 }, 'options.batchSize', /^options\.batchSize must be an integer ≥ 1, got 0$/],
  ['batchSize -3', { batchSize: -3 }, 'options.batchSize', /^options\.batchSize must be an integer ≥ 1, got -3$/],
  ['batchSize 1.5', { batchSize: 1.5 }, 'options.batchSize', /^options\.batchSize must be an integer ≥ 1, got 1\.5$/],
  ['batchSize Infinity', { batchSize: Infinity }, 'options.batchSize', /^options\.batchSize must be an integer ≥ 1, got Infinity$/],
  ["batchSize '2'", { batchSize: '2' }, 'options.batchSize', /^options\.batchSize must be an integer ≥ 1, got "2"$/],
  ['epochs 0', { epochs: 0 }, 'options.epochs', /^options\.epochs must be an integer ≥ 1, got 0$/],
  ['epochs 2.5', { epochs: 2.5 }, 'options.epochs', /^options\.epochs must be an integer ≥ 1, got 2\.5$/],
  ['epochs NaN', { epochs: NaN }, 'options.epochs', /^options\.epochs must be an integer ≥ 1, got NaN$/],
  ['epochs -1', { epochs: -1 }, 'options.epochs', /^options\.epochs must be an integer ≥ 1, got -1$/],
  ['epochs Infinity', { epochs: Infinity }, 'options.epochs', /^options\.epochs must be an integer ≥ 1, got Infinity$/],
  ["shuffle 'yes'", { shuffle: 'yes' }, 'options.shuffle', /^options\.shuffle must be true or false, got "yes"$/],
  ['shuffle 1', { shuffle: 1 }, 'options.shuffle', /^options\.shuffle must be true or false, got 1$/],
  ["stopOnExplodingLoss 'no'", { stopOnExplodingLoss: 'no' }, 'options.stopOnExplodingLoss', /^options\.stopOnExplodingLoss must be true or false, got "no"$/],
  ['signal true', { signal: true }, 'options.signal', /^options\.signal must be an AbortSignal \(from an AbortController\), got true$/],
  ['signal an AbortController', { signal: {} }, 'options.signal', /^options\.signal must be an AbortSignal/],
  ['onEpochEnd a string', { onEpochEnd: 'log' }, 'options.onEpochEnd', /^options\.onEpochEnd must be a function, got "log"$/],
  ['onEpochEnd an object', { onEpochEnd: {} }, 'options.onEpochEnd', /^options\.onEpochEnd must be a function, got an object$/],
  ['unknown key learningrate', { learningrate: 0.1 }, 'options.learningrate', /^options has an unknown option "learningrate"; known: .*learningRate/],
  ['unknown key epoch', { epoch: 3 }, 'options.epoch', /^options has an unknown option "epoch"/],
  [
    'validationData not a pair (one element)',
    { validationData: [X] },
    'options.validationData',
    /^options\.validationData must be \[x, y\], got an array of length 1$/,
  ],
  ['validationData a triple', { validationData: [X, Y, Y] }, 'options.validationData', /^options\.validationData must be \[x, y\], got an array of length 3$/],
  ['validationData an object', { validationData: { x: X, y: Y } }, 'options.validationData', /^options\.validationData must be \[x, y\], got an object$/],
  [
    'validationData with 2 columns',
    {
      validationData: [
        [
          [1, 2],
          [3, 4],
        ],
        [0, 1],
      ],
    },
    'options.validationData[0]',
    /^options\.validationData\[0\]\[0\] has 2 values, but the model has 3 inputs$/,
  ],
  [
    'validationData flat of the wrong width',
    { validationData: [new Float32Array(8), [0, 1]] },
    'options.validationData[0]',
    /^options\.validationData\[0\] has length 8, not a multiple of the 3 inputs/,
  ],
  [
    'validationData with NaN',
    { validationData: [flat((n) => new Float32Array(n), 5, NaN), Y] },
    'options.validationData[0]',
    /^options\.validationData\[0\] row 1, column 2 is NaN\b/,
  ],
  [
    'validationData with label 2 at the last row',
    { validationData: [X, [0, 1, 0, 2]] },
    'options.validationData[1]',
    /^options\.validationData\[1\]\[3\] is 2; labels must be 0 or 1$/,
  ],
  ["validationData with label '0'", { validationData: [X, ['0', 1, 0, 1]] }, 'options.validationData[1]', /^options\.validationData\[1\]\[0\] is "0"/],
  [
    'validationData with too few labels',
    { validationData: [X, [0, 1]] },
    'options.validationData[1]',
    /^options\.validationData\[1\] has 2 labels, but x has 4 rows$/,
  ],
  [
    'optimizer rmsprop',
    { optimizer: 'rmsprop' },
    'options.optimizer',
    /^options\.optimizer must be 'sgd', 'adam', 'lbfgs' or \{ type: 'sgd' \| 'momentum' \| 'adam' \| 'lbfgs', … \}, got "rmsprop"$/,
  ],
  [
    "optimizer 'momentum' without its coefficient",
    { optimizer: 'momentum' },
    'options.optimizer',
    /got "momentum"; momentum needs its coefficient: \{ type: 'momentum', momentum: 0\.9 \}$/,
  ],
  ['optimizer null', { optimizer: null }, 'options.optimizer', /^options\.optimizer must be .*, got null$/],
  [
    'optimizer type adagrad',
    { optimizer: { type: 'adagrad' } },
    'options.optimizer.type',
    /^options\.optimizer\.type must be 'sgd', 'momentum', 'adam' or 'lbfgs', got "adagrad"$/,
  ],
  ['optimizer without a type', { optimizer: { momentum: 0.9 } }, 'options.optimizer.type', /^options\.optimizer\.type must be .*, got undefined$/],
  [
    'momentum missing',
    { optimizer: { type: 'momentum' } },
    'options.optimizer.momentum',
    /^options\.optimizer\.momentum must be a number in \[0, 1\], got undefined$/,
  ],
  [
    'momentum 1.5',
    { optimizer: { type: 'momentum', momentum: 1.5 } },
    'options.optimizer.momentum',
    /^options\.optimizer\.momentum must be a number in \[0, 1\], got 1\.5$/,
  ],
  ['momentum -0.1', { optimizer: { type: 'momentum', momentum: -0.1 } }, 'options.optimizer.momentum', /got -0\.1$/],
  ['momentum NaN', { optimizer: { type: 'momentum', momentum: NaN } }, 'options.optimizer.momentum', /got NaN$/],
  [
    "nesterov 'yes'",
    { optimizer: { type: 'momentum', momentum: 0.9, nesterov: 'yes' } },
    'options.optimizer.nesterov',
    /^options\.optimizer\.nesterov must be true or false, got "yes"$/,
  ],
  [
    'beta1 1',
    { optimizer: { type: 'adam', beta1: 1 } },
    'options.optimizer.beta1',
    /^options\.optimizer\.beta1 must be a number in \[0, 1\) \(below 1 as a float32\), got 1$/,
  ],
  [
    'beta2 0.99999999 (1 as a float32)',
    { optimizer: { type: 'adam', beta2: 0.99999999 } },
    'options.optimizer.beta2',
    /^options\.optimizer\.beta2 must be .*, got 0\.99999999$/,
  ],
  ['beta1 -0.5', { optimizer: { type: 'adam', beta1: -0.5 } }, 'options.optimizer.beta1', /got -0\.5$/],
  ["beta2 '0.999'", { optimizer: { type: 'adam', beta2: '0.999' } }, 'options.optimizer.beta2', /got "0\.999"$/],
  [
    'epsilon 0',
    { optimizer: { type: 'adam', epsilon: 0 } },
    'options.optimizer.epsilon',
    /^options\.optimizer\.epsilon must be a finite number > 0 \(as a float32\), got 0$/,
  ],
  ['epsilon 1e-50 (0 as a float32)', { optimizer: { type: 'adam', epsilon: 1e-50 } }, 'options.optimizer.epsilon', /got 1e-50$/],
  ['epsilon Infinity', { optimizer: { type: 'adam', epsilon: Infinity } }, 'options.optimizer.epsilon', /got Infinity$/],
  [
    'adam with an unknown key eps',
    { optimizer: { type: 'adam', eps: 1e-8 } },
    'options.optimizer.eps',
    /^options\.optimizer has an unknown option "eps"; known: type, beta1, beta2, epsilon$/,
  ],
  [
    'sgd with a momentum',
    { optimizer: { type: 'sgd', momentum: 0.9 } },
    'options.optimizer.momentum',
    /^options\.optimizer has an unknown option "momentum"; known: type$/,
  ],
  ['weightDecay -0.1', { weightDecay: -0.1 }, 'options.weightDecay', /^options\.weightDecay must be 0 or a finite number > 0 \(as a float32\), got -0\.1$/],
  ['weightDecay NaN', { weightDecay: NaN }, 'options.weightDecay', /got NaN$/],
  ["weightDecay '0.01'", { weightDecay: '0.01' }, 'options.weightDecay', /got "0\.01"$/],
  ['weightDecay 1e-50 (0 as a float32)', { weightDecay: 1e-50 }, 'options.weightDecay', /got 1e-50$/],
  ['weightDecay Infinity', { weightDecay: Infinity }, 'options.weightDecay', /got Infinity$/],
  [
    "learningRateSchedule 'step'",
    { learningRateSchedule: 'step' },
    'options.learningRateSchedule',
    /^options\.learningRateSchedule must be an object, got "step"$/,
  ],
  ['learningRateSchedule null', { learningRateSchedule: null }, 'options.learningRateSchedule', /^options\.learningRateSchedule must be an object, got null$/],
  [
    'learningRateSchedule type cosine',
    { learningRateSchedule: { type: 'cosine' } },
    'options.learningRateSchedule.type',
    /^options\.learningRateSchedule\.type must be 'step' or 'exponential', got "cosine"$/,
  ],
  [
    'step schedule every 0',
    { learningRateSchedule: { type: 'step', every: 0, factor: 0.5 } },
    'options.learningRateSchedule.every',
    /^options\.learningRateSchedule\.every must be an integer ≥ 1, got 0$/,
  ],
  [
    'step schedule without factor',
    { learningRateSchedule: { type: 'step', every: 2 } },
    'options.learningRateSchedule.factor',
    /^options\.learningRateSchedule\.factor must be a finite number > 0, got undefined$/,
  ],
  ['step schedule factor -0.5', { learningRateSchedule: { type: 'step', every: 2, factor: -0.5 } }, 'options.learningRateSchedule.factor', /got -0\.5$/],
  [
    'exponential schedule decayRate 0',
    { learningRateSchedule: { type: 'exponential', decayRate: 0 } },
    'options.learningRateSchedule.decayRate',
    /^options\.learningRateSchedule\.decayRate must be a finite number > 0, got 0$/,
  ],
  [
    'exponential schedule decaySteps -1',
    { learningRateSchedule: { type: 'exponential', decayRate: 0.5, decaySteps: -1 } },
    'options.learningRateSchedule.decaySteps',
    /got -1$/,
  ],
  [
    "exponential schedule staircase 'yes'",
    { learningRateSchedule: { type: 'exponential', decayRate: 0.5, staircase: 'yes' } },
    'options.learningRateSchedule.staircase',
    /^options\.learningRateSchedule\.staircase must be true or false, got "yes"$/,
  ],
  [
    'schedule with an unknown key decay_rate',
    { learningRateSchedule: { type: 'exponential', decay_rate: 0.5 } },
    'options.learningRateSchedule.decay_rate',
    /unknown option "decay_rate"; known: type, decayRate, decaySteps, staircase$/,
  ],
  [
    'a schedule that reaches 0 as a float32',
    { epochs: 10, learningRateSchedule: { type: 'step', every: 1, factor: 1e-10 } },
    'options.learningRateSchedule',
    /^options\.learningRateSchedule gives epoch 9 \(of 10\) a learning rate of 0 as a float32; every epoch needs a finite rate > 0$/,
  ],
  [
    'a schedule that overflows',
    { epochs: 5, learningRateSchedule: { type: 'exponential', decayRate: 1e30 } },
    'options.learningRateSchedule',
    /gives epoch 4 \(of 5\) a learning rate of Infinity/,
  ],
  [
    'validationSplit 0',
    { validationSplit: 0 },
    'options.validationSplit',
    /^options\.validationSplit must be a number in \(0, 1\) that leaves at least one row on each side of the 4, got 0$/,
  ],
  ['validationSplit 1', { validationSplit: 1 }, 'options.validationSplit', /got 1$/],
  [
    'validationSplit 1e-17 (1 − 1e-17 is 1: no validation row)',
    { validationSplit: 1e-17 },
    'options.validationSplit',
    /leaves at least one row on each side of the 4, got 1e-17$/,
  ],
  ['validationSplit 0.9 (no training row of 4)', { validationSplit: 0.9 }, 'options.validationSplit', /got 0\.9$/],
  ['validationSplit NaN', { validationSplit: NaN }, 'options.validationSplit', /got NaN$/],
  ["validationSplit '0.25'", { validationSplit: '0.25' }, 'options.validationSplit', /got "0\.25"$/],
  [
    'validationSplit with validationData',
    { validationSplit: 0.25, validationData: [X, Y] },
    'options.validationSplit',
    /^options\.validationSplit and options\.validationData cannot both be given/,
  ],
  [
    'earlyStopping without validation data',
    { earlyStopping: { patience: 2 } },
    'options.earlyStopping',
    /^options\.earlyStopping monitors the validation loss: give options\.validationData or options\.validationSplit too, or watch the training loss with options\.earlyStopping\.monitor 'loss'$/,
  ],
  [
    "earlyStopping monitor 'valLoss' without validation data",
    { earlyStopping: { monitor: 'valLoss' } },
    'options.earlyStopping',
    /^options\.earlyStopping monitors the validation loss/,
  ],
  ['earlyStopping null', { earlyStopping: null, validationSplit: 0.5 }, 'options.earlyStopping', /^options\.earlyStopping must be an object, got null$/],
  [
    'earlyStopping patience -1',
    { earlyStopping: { patience: -1 }, validationSplit: 0.5 },
    'options.earlyStopping.patience',
    /^options\.earlyStopping\.patience must be an integer ≥ 0, got -1$/,
  ],
  ['earlyStopping patience 1.5', { earlyStopping: { patience: 1.5 }, validationSplit: 0.5 }, 'options.earlyStopping.patience', /got 1\.5$/],
  [
    'earlyStopping minDelta -0.01',
    { earlyStopping: { minDelta: -0.01 }, validationData: [X, Y] },
    'options.earlyStopping.minDelta',
    /^options\.earlyStopping\.minDelta must be a finite number ≥ 0, got -0\.01$/,
  ],
  [
    "earlyStopping restoreBestWeights 'yes'",
    { earlyStopping: { restoreBestWeights: 'yes' }, validationData: [X, Y] },
    'options.earlyStopping.restoreBestWeights',
    /^options\.earlyStopping\.restoreBestWeights must be true or false, got "yes"$/,
  ],
  [
    "earlyStopping monitor 'val_loss' (Keras's name)",
    { earlyStopping: { monitor: 'val_loss' }, validationData: [X, Y] },
    'options.earlyStopping.monitor',
    /^options\.earlyStopping\.monitor must be 'loss' \(the training loss\) or 'valLoss' \(the validation loss\), got "val_loss" \(Keras's 'val_loss' is 'valLoss' here\)$/,
  ],
  [
    "earlyStopping monitor 'accuracy'",
    { earlyStopping: { monitor: 'accuracy' } },
    'options.earlyStopping.monitor',
    /^options\.earlyStopping\.monitor must be 'loss' \(the training loss\) or 'valLoss' \(the validation loss\), got "accuracy"$/,
  ],
  ['earlyStopping monitor null', { earlyStopping: { monitor: null } }, 'options.earlyStopping.monitor', /got null$/],
  [
    'earlyStopping with an unknown key mode',
    { earlyStopping: { mode: 'min' }, validationData: [X, Y] },
    'options.earlyStopping.mode',
    /unknown option "mode"; known: monitor, patience, minDelta, restoreBestWeights$/,
  ],
  ['options null', null, 'options', /^options must be an object, got null$/],
  ['options an array', [], 'options', /^options must be an object, got an array of length 0$/],
];

describe.each(BACKENDS)('misuse on the %s backend', (backend: BackendName) => {
  const model = (seed = 7): Promise<Sequential> => Sequential.create({ inputs: INPUTS, layers: [dense(4, 'tanh'), dense(1, 'sigmoid')], seed, backend });

  describe('x', () => {
    it.each(BAD_X)('fit rejects %s', async (_name, x, argument, message) => {
      const m = await model();
      await expectGradwasmError(() => m.fit(x as never, Y), argument, message);
    });
    it.each(BAD_X)('predictProba throws on %s', async (_name, x, argument, message) => {
      const m = await model();
      await expectGradwasmError(() => m.predictProba(x as never), argument, message);
    });
    it.each(BAD_X)('predict throws on %s', async (_name, x, argument, message) => {
      const m = await model();
      await expectGradwasmError(() => m.predict(x as never), argument, message);
    });
    it.each(BAD_X)('evaluate throws on %s', async (_name, x, argument, message) => {
      const m = await model();
      await expectGradwasmError(() => m.evaluate(x as never, Y), argument, message);
    });
    it.each(BAD_X)('gradients throws on %s', async (_name, x, argument, message) => {
      const m = await model();
      await expectGradwasmError(() => m.gradients(x as never, Y), argument, message);
    });
  });

  describe('y', () => {
    it.each(BAD_Y)('fit rejects %s', async (_name, y, argument, message) => {
      const m = await model();
      await expectGradwasmError(() => m.fit(X, y as never), argument, message);
    });
    it.each(BAD_Y)('evaluate throws on %s', async (_name, y, argument, message) => {
      const m = await model();
      await expectGradwasmError(() => m.evaluate(X, y as never), argument, message);
    });
    it.each(BAD_Y)('gradients throws on %s', async (_name, y, argument, message) => {
      const m = await model();
      await expectGradwasmError(
        () =>
          m.gradients(
            flat((n) => new Float32Array(n)),
            y as never,
          ),
        argument,
        message,
      );
    });
  });

  describe('fit options', () => {
    it.each(BAD_FIT_OPTIONS)('fit rejects %s', async (_name, options, argument, message) => {
      const m = await model();
      await expectGradwasmError(() => m.fit(X, Y, options as never), argument, message);
    });

    it('fit is async: a misuse is a rejected promise, not a synchronous throw', async () => {
      const m = await model();
      let promise: Promise<unknown> | undefined;
      expect(() => {
        promise = m.fit(X, [0, 1, 2, 0]);
      }).not.toThrow();
      expect(promise).toBeInstanceOf(Promise);
      await expectGradwasmError(() => promise, 'y', /^y\[2\] is 2/);
    });
  });

  describe('evaluate options', () => {
    it.each<Case>([
      ['threshold 2', { threshold: 2 }, 'options.threshold', /^options\.threshold must be a number in \[0, 1\], got 2$/],
      ['threshold NaN', { threshold: NaN }, 'options.threshold', /^options\.threshold must be a number in \[0, 1\], got NaN$/],
      ["threshold '0.5'", { threshold: '0.5' }, 'options.threshold', /got "0\.5"$/],
      ['an unknown key cutoff', { cutoff: 0.5 }, 'options.cutoff', /^options has an unknown option "cutoff"; known: threshold$/],
      ['options null', null, 'options', /^options must be an object, got null$/],
    ])('evaluate throws on %s', async (_name, options, argument, message) => {
      const m = await model();
      await expectGradwasmError(() => m.evaluate(X, Y, options as never), argument, message);
    });
  });

  describe('predict threshold', () => {
    it.each<Case>([
      ['2', 2, 'threshold', /^threshold must be a number in \[0, 1\], got 2$/],
      ['-0.1', -0.1, 'threshold', /^threshold must be a number in \[0, 1\], got -0\.1$/],
      ['NaN', NaN, 'threshold', /^threshold must be a number in \[0, 1\], got NaN$/],
      ["'0.5'", '0.5', 'threshold', /^threshold must be a number in \[0, 1\], got "0\.5"$/],
      ['null', null, 'threshold', /^threshold must be a number in \[0, 1\], got null$/],
    ])('predict throws on threshold %s', async (_name, threshold, argument, message) => {
      const m = await model();
      await expectGradwasmError(() => m.predict(X, threshold as never), argument, message);
    });
  });

  describe('dense()', () => {
    it.each<Case>([
      [
        "activation 'swish'",
        () => dense(4, 'swish' as never),
        'activation',
        /^activation must be one of 'linear', 'sigmoid', 'tanh', 'relu', 'softmax', got "swish"$/,
      ],
      ['activation null', () => dense(4, null as never), 'activation', /^activation must be one of .*, got null$/],
      ['units 0', () => dense(0), 'units', /^units must be an integer in \[1, 65536\], got 0$/],
      ['units 1.5', () => dense(1.5), 'units', /^units must be an integer in \[1, 65536\], got 1\.5$/],
      ['units -2', () => dense(-2), 'units', /^units must be an integer .*, got -2$/],
      ['units NaN', () => dense(NaN), 'units', /^units must be an integer .*, got NaN$/],
      ["units '4'", () => dense('4' as never), 'units', /^units must be an integer .*, got "4"$/],
      ['units 65537', () => dense(65537), 'units', /^units must be an integer in \[1, 65536\], got 65537$/],
    ])('dense throws on %s', async (_name, call, argument, message) => {
      await expectGradwasmError(call as () => unknown, argument, message);
    });
  });

  describe('Sequential.create', () => {
    const good = { inputs: 3, layers: [dense(4, 'relu'), dense(1, 'sigmoid')], seed: 1, backend };
    it.each<Case>([
      [
        'last layer relu',
        { ...good, layers: [dense(4, 'relu')] },
        'options.layers',
        /^the last layer of options\.layers must be dense\(1, 'sigmoid'\), dense\(k, 'softmax'\) with k ≥ 2 or dense\(k, 'linear'\) \(regression, k outputs\), got dense\(4, 'relu'\)$/,
      ],
      ['last layer dense(1, tanh)', { ...good, layers: [dense(3), dense(1, 'tanh')] }, 'options.layers', /got dense\(1, 'tanh'\)$/],
      ['last layer dense(2, sigmoid)', { ...good, layers: [dense(1, 'sigmoid'), dense(2, 'sigmoid')] }, 'options.layers', /got dense\(2, 'sigmoid'\)$/],
      ['empty layers', { ...good, layers: [] }, 'options.layers', /^options\.layers must be a non-empty array of dense\(\) layers, got an array of length 0$/],
      ['missing layers', { inputs: 3, backend }, 'options.layers', /^options\.layers must be a non-empty array.*got undefined$/],
      ['layers a string', { ...good, layers: 'dense' }, 'options.layers', /^options\.layers must be a non-empty array.*got "dense"$/],
      [
        'a layer not made by dense()',
        { ...good, layers: [{ type: 'conv', units: 1, activation: 'sigmoid' }] },
        'options.layers[0]',
        /^options\.layers\[0\] must be made with dense\(\), got type "conv"$/,
      ],
      ['a layer that is null', { ...good, layers: [null, dense(1, 'sigmoid')] }, 'options.layers[0]', /^options\.layers\[0\] must be an object, got null$/],
      [
        'a hand-made layer with units 0',
        { ...good, layers: [{ type: 'dense', units: 0, activation: 'relu' }, dense(1, 'sigmoid')] },
        'options.layers[0].units',
        /^options\.layers\[0\]\.units must be an integer in \[1, 65536\], got 0$/,
      ],
      [
        'a hand-made layer with activation swish',
        { ...good, layers: [dense(2), { type: 'dense', units: 1, activation: 'swish' }] },
        'options.layers[1].activation',
        /^options\.layers\[1\]\.activation must be one of .*, got "swish"$/,
      ],
      ['inputs 0', { ...good, inputs: 0 }, 'options.inputs', /^options\.inputs must be an integer in \[1, 65536\], got 0$/],
      ['inputs 2.5', { ...good, inputs: 2.5 }, 'options.inputs', /^options\.inputs must be an integer .*, got 2\.5$/],
      ["inputs '3'", { ...good, inputs: '3' }, 'options.inputs', /^options\.inputs must be an integer .*, got "3"$/],
      ['inputs missing', { layers: good.layers, backend }, 'options.inputs', /^options\.inputs must be an integer .*, got undefined$/],
      ["backend 'gpu'", { ...good, backend: 'gpu' }, 'options.backend', /^options\.backend must be 'wasm' or 'js', got "gpu"$/],
      ["backend 'WASM'", { ...good, backend: 'WASM' }, 'options.backend', /^options\.backend must be 'wasm' or 'js', got "WASM"$/],
      ['seed -1', { ...good, seed: -1 }, 'options.seed', /^options\.seed must be an integer in \[0, 4294967295\], got -1$/],
      ['seed 1.5', { ...good, seed: 1.5 }, 'options.seed', /^options\.seed must be an integer .*, got 1\.5$/],
      ['seed 2**32', { ...good, seed: 2 ** 32 }, 'options.seed', /^options\.seed must be an integer .*, got 4294967296$/],
      ["seed '1'", { ...good, seed: '1' }, 'options.seed', /^options\.seed must be an integer .*, got "1"$/],
      [
        'unknown key seeds',
        { ...good, seeds: 1 },
        'options.seeds',
        /^options has an unknown option "seeds"; known: inputs, layers, seed, backend, scaler, targetScaler, threads, featureNames, labelName, classes$/,
      ],
      ['unknown key learningRate', { ...good, learningRate: 0.1 }, 'options.learningRate', /^options has an unknown option "learningRate"/],
      ['options null', null, 'options', /^options must be an object, got null$/],
      ['options undefined', undefined, 'options', /^options must be an object, got undefined$/],
    ])('Sequential.create rejects %s', async (_name, options, argument, message) => {
      await expectGradwasmError(() => Sequential.create(options as never), argument, message);
    });
  });

  describe('LogisticRegression.create', () => {
    it.each<Case>([
      ['inputs 0', { inputs: 0, backend }, 'options.inputs', /^options\.inputs must be an integer in \[1, 65536\], got 0$/],
      ['inputs -2', { inputs: -2, backend }, 'options.inputs', /^options\.inputs must be an integer .*, got -2$/],
      ['inputs 2.5', { inputs: 2.5, backend }, 'options.inputs', /^options\.inputs must be an integer .*, got 2\.5$/],
      ["inputs '3'", { inputs: '3', backend }, 'options.inputs', /^options\.inputs must be an integer .*, got "3"$/],
      ['inputs missing', { backend }, 'options.inputs', /^options\.inputs must be an integer .*, got undefined$/],
      ["backend 'gpu'", { inputs: 3, backend: 'gpu' }, 'options.backend', /^options\.backend must be 'wasm' or 'js', got "gpu"$/],
      ['seed -1', { inputs: 3, seed: -1, backend }, 'options.seed', /^options\.seed must be an integer .*, got -1$/],
      [
        'unknown key layers',
        { inputs: 3, layers: [dense(1, 'sigmoid')], backend },
        'options.layers',
        /^options has an unknown option "layers"; known: inputs, seed, backend, threads$/,
      ],
      ['options null', null, 'options', /^options must be an object, got null$/],
    ])('LogisticRegression.create fails on %s', async (_name, options, argument, message) => {
      await expectGradwasmError(() => LogisticRegression.create(options as never), argument, message);
    });

    // Like Sequential.create, it returns a promise: every misuse should be a rejection, so
    // that `LogisticRegression.create(o).catch(handle)` handles it.
    it.each<Case>([
      ['an unknown key', { inputs: 3, layers: [], backend }, 'options.layers', /unknown option "layers"/],
      ['options null', null, 'options', /^options must be an object, got null$/],
    ])('LogisticRegression.create reports %s as a rejected promise, not a synchronous throw', async (_name, options, argument, message) => {
      let result: unknown;
      let thrown: unknown = null;
      try {
        result = LogisticRegression.create(options as never);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, 'LogisticRegression.create threw synchronously instead of rejecting').toBeNull();
      expect(result).toBeInstanceOf(Promise);
      await expectGradwasmError(() => result, argument, message);
    });
  });

  describe('Sequential.fromJSON', () => {
    /** A real model file: 3 inputs → dense(2, relu) → dense(1, sigmoid). */
    const saved = async (): Promise<ModelJSON> => {
      const m = await Sequential.create({ inputs: 3, layers: [dense(2, 'relu'), dense(1, 'sigmoid')], seed: 5, backend });
      const json = m.toJSON();
      m.dispose();
      return json;
    };
    /** A deep copy of the saved file, changed by `edit`. */
    const edited = async (edit: (json: any) => void): Promise<unknown> => {
      const json = structuredClone(await saved());
      edit(json);
      return json;
    };

    it('the untouched file loads (so the cases below fail for their one change)', async () => {
      const json = await saved();
      const a = await Sequential.fromJSON(json, { backend });
      const b = await Sequential.fromJSON(JSON.stringify(json), { backend });
      expect(a.getWeights()).toEqual(b.getWeights());
      expect(a.toJSON()).toEqual(json);
    });

    it.each<[string, () => Promise<unknown>, string, RegExp]>([
      ['invalid JSON text', async () => 'not json {', 'json', /^json is not valid JSON text: /],
      [
        'truncated JSON text',
        async () => {
          const t = JSON.stringify(await saved());
          return t.slice(0, Math.floor(t.length / 2));
        },
        'json',
        /^json is not valid JSON text: /,
      ],
      ['JSON text missing its last brace', async () => JSON.stringify(await saved()).slice(0, -1), 'json', /^json is not valid JSON text: /],
      ['empty text', async () => '', 'json', /^json is not valid JSON text: /],
      ['JSON text of null', async () => 'null', 'json', /^json must be an object, got null$/],
      ['JSON text of an array', async () => '[1,2]', 'json', /^json must be an object, got an array of length 2$/],
      ['undefined', async () => undefined, 'json', /^json must be an object, got undefined$/],
      ['a number', async () => 42, 'json', /^json must be an object, got 42$/],
      ['format "keras"', () => edited((j) => (j.format = 'keras')), 'json.format', /^json\.format must be "gradwasm-model", got "keras"$/],
      ['missing format', () => edited((j) => delete j.format), 'json.format', /^json\.format must be "gradwasm-model", got undefined$/],
      ['version 3', () => edited((j) => (j.version = 3)), 'json.version', /^json\.version 3 is not supported \(this gradwasm reads versions 1 and 2\)$/],
      ["version '1'", () => edited((j) => (j.version = '1')), 'json.version', /^json\.version "1" is not supported/],
      ['missing layers', () => edited((j) => delete j.layers), 'json.layers', /^json\.layers must be a non-empty array, got undefined$/],
      ['empty layers', () => edited((j) => (j.layers = [])), 'json.layers', /^json\.layers must be a non-empty array, got an array of length 0$/],
      ['a layer that is a number', () => edited((j) => (j.layers[0] = 5)), 'json.layers[0]', /^json\.layers\[0\] must be an object, got 5$/],
      [
        'a layer with one weight missing',
        () => edited((j) => j.layers[0].weights.pop()),
        'json.layers[0].weights',
        /^json\.layers\[0\]\.weights has 5 values, expected 6 \(3 inputs × 2 units\)$/,
      ],
      [
        'a layer with one weight too many',
        () => edited((j) => j.layers[1].weights.push(0)),
        'json.layers[1].weights',
        /^json\.layers\[1\]\.weights has 3 values, expected 2 \(2 inputs × 1 units\)$/,
      ],
      [
        'weights not an array',
        () => edited((j) => (j.layers[0].weights = 'abc')),
        'json.layers[0].weights',
        /^json\.layers\[0\]\.weights must be an array of 6 numbers \(3 inputs × 2 units\), got "abc"$/,
      ],
      [
        'NaN in weights (object form)',
        () => edited((j) => (j.layers[0].weights[4] = NaN)),
        'json.layers[0].weights',
        /^json\.layers\[0\]\.weights\[4\] is NaN; weights must be finite float32 numbers$/,
      ],
      [
        'Infinity in bias (object form)',
        () => edited((j) => (j.layers[0].bias[1] = -Infinity)),
        'json.layers[0].bias',
        /^json\.layers\[0\]\.bias\[1\] is -Infinity\b/,
      ],
      [
        'a string in bias',
        () => edited((j) => (j.layers[1].bias[0] = '0')),
        'json.layers[1].bias',
        /^json\.layers\[1\]\.bias\[0\] is "0"; weights must be finite/,
      ],
      [
        'null in weights (NaN written as JSON text)',
        async () => {
          const j = structuredClone(await saved()) as any;
          j.layers[0].weights[1] = NaN;
          return JSON.stringify(j);
        },
        'json.layers[0].weights',
        /^json\.layers\[0\]\.weights\[1\] is null\b/,
      ],
      [
        '1e39 in weights (JSON text)',
        async () => JSON.stringify(await saved()).replace(/"weights":\[[^,\]]+/, '"weights":[1e39'),
        'json.layers[0].weights',
        /^json\.layers\[0\]\.weights\[0\] is 1e\+39\b/,
      ],
      [
        "unknown activation 'swish'",
        () => edited((j) => (j.layers[0].activation = 'swish')),
        'json.layers[0].activation',
        /^json\.layers\[0\]\.activation must be one of .*, got "swish"$/,
      ],
      ['units 0', () => edited((j) => (j.layers[0].units = 0)), 'json.layers[0].units', /^json\.layers\[0\]\.units must be an integer in \[1, 65536\], got 0$/],
      ['units 2.5', () => edited((j) => (j.layers[0].units = 2.5)), 'json.layers[0].units', /^json\.layers\[0\]\.units must be an integer .*, got 2\.5$/],
      [
        'last layer not sigmoid',
        () => edited((j) => (j.layers[1].activation = 'tanh')),
        'json.layers',
        /^the last layer of json\.layers must be dense\(1, 'sigmoid'\), dense\(k, 'softmax'\) with k ≥ 2 or dense\(k, 'linear'\) \(regression, k outputs\), got dense\(1, 'tanh'\)$/,
      ],
      [
        'last layer of 2 units',
        () =>
          edited((j) => {
            j.layers[1].units = 2;
            j.layers[1].weights.push(0, 0);
            j.layers[1].bias.push(0);
          }),
        'json.layers',
        /got dense\(2, 'sigmoid'\)$/,
      ],
      [
        'inputs mismatching the weights',
        () => edited((j) => (j.inputs = 4)),
        'json.layers[0].weights',
        /^json\.layers\[0\]\.weights has 6 values, expected 8 \(4 inputs × 2 units\)$/,
      ],
      ['inputs 0', () => edited((j) => (j.inputs = 0)), 'json.inputs', /^json\.inputs must be an integer in \[1, 65536\], got 0$/],
      [
        'units mismatching the next layer',
        () =>
          edited((j) => {
            j.layers[0].units = 3;
            j.layers[0].weights.push(0, 0, 0);
            j.layers[0].bias.push(0);
          }),
        'json.layers[1].weights',
        /^json\.layers\[1\]\.weights has 2 values, expected 3 \(3 inputs × 1 units\)$/,
      ],
    ])('fromJSON rejects %s', async (_name, make, argument, message) => {
      const json = await make();
      await expectGradwasmError(() => Sequential.fromJSON(json as never, { backend }), argument, message);
    });

    it.each<Case>([
      ["backend 'gpu'", { backend: 'gpu' }, 'options.backend', /^options\.backend must be 'wasm' or 'js', got "gpu"$/],
      ['seed -1', { backend, seed: -1 }, 'options.seed', /^options\.seed must be an integer .*, got -1$/],
      ['unknown key inputs', { backend, inputs: 3 }, 'options.inputs', /^options has an unknown option "inputs"; known: backend, seed, threads$/],
      ['options null', null, 'options', /^options must be an object, got null$/],
    ])('fromJSON rejects options with %s', async (_name, options, argument, message) => {
      const json = await saved();
      await expectGradwasmError(() => Sequential.fromJSON(json, options as never), argument, message);
    });
  });

  describe('setWeights', () => {
    // 3 inputs → dense(2, relu) → dense(1, sigmoid)
    const twoLayers = (): Promise<Sequential> => Sequential.create({ inputs: 3, layers: [dense(2, 'relu'), dense(1, 'sigmoid')], seed: 3, backend });
    const weightsWith =
      (edit: (w: any[]) => void): ((m: Sequential) => unknown) =>
      (m) => {
        const w: any[] = m.getWeights();
        edit(w);
        return w;
      };
    it.each<[string, (m: Sequential) => unknown, string, RegExp]>([
      ['one layer too few', weightsWith((w) => w.pop()), 'weights', /^weights must be an array of 2 layers, got an array of length 1$/],
      ['one layer too many', weightsWith((w) => w.push(w[1])), 'weights', /^weights must be an array of 2 layers, got an array of length 3$/],
      ['null', () => null, 'weights', /^weights must be an array of 2 layers, got null$/],
      ['a Float32Array', () => new Float32Array(9), 'weights', /^weights must be an array of 2 layers, got a Float32Array$/],
      ['an object', (m) => ({ 0: m.getWeights()[0], 1: m.getWeights()[1], length: 2 }), 'weights', /^weights must be an array of 2 layers, got an object$/],
      ['a layer that is null', weightsWith((w) => (w[1] = null)), 'weights[1]', /^weights\[1\] must be an object, got null$/],
      [
        'wrong weights length in layer 0',
        weightsWith((w) => (w[0].weights = new Float32Array(5))),
        'weights[0].weights',
        /^weights\[0\]\.weights has 5 values, expected 6 \(3 inputs × 2 units\)$/,
      ],
      [
        'the transposed layout of the wrong shape',
        weightsWith((w) => (w[1].weights = new Float32Array(3))),
        'weights[1].weights',
        /^weights\[1\]\.weights has 3 values, expected 2 \(2 inputs × 1 units\)$/,
      ],
      [
        'wrong bias length in layer 1',
        weightsWith((w) => (w[1].bias = new Float32Array(2))),
        'weights[1].bias',
        /^weights\[1\]\.bias has 2 values, expected 1 \(1 units\)$/,
      ],
      [
        'missing bias',
        weightsWith((w) => delete w[0].bias),
        'weights[0].bias',
        /^weights\[0\]\.bias must be an array of 2 numbers \(2 units\), got undefined$/,
      ],
      [
        'weights an Int32Array',
        weightsWith((w) => (w[0].weights = new Int32Array(6))),
        'weights[0].weights',
        /^weights\[0\]\.weights must be an array of 6 numbers.*got a Int32Array$/,
      ],
      [
        'NaN in the last layer',
        weightsWith((w) => (w[1].weights[1] = NaN)),
        'weights[1].weights',
        /^weights\[1\]\.weights\[1\] is NaN; weights must be finite float32 numbers$/,
      ],
      ['Infinity in a bias', weightsWith((w) => (w[0].bias[0] = Infinity)), 'weights[0].bias', /^weights\[0\]\.bias\[0\] is Infinity\b/],
      [
        '1e39 in a Float64Array',
        weightsWith((w) => (w[0].weights = Float64Array.of(0, 0, 0, 0, 0, 1e39))),
        'weights[0].weights',
        /^weights\[0\]\.weights\[5\] is 1e\+39\b/,
      ],
      ['a string in a plain array', weightsWith((w) => (w[0].bias = [0, '1'])), 'weights[0].bias', /^weights\[0\]\.bias\[1\] is "1"/],
    ])('setWeights throws on %s', async (_name, make, argument, message) => {
      const m = await twoLayers();
      const w = make(m);
      await expectGradwasmError(() => m.setWeights(w as never), argument, message);
    });
  });

  describe('a disposed model', () => {
    const disposed = async (): Promise<Sequential> => {
      const m = await model();
      m.dispose();
      return m;
    };
    it.each<[string, (m: Sequential) => unknown]>([
      ['fit', (m) => m.fit(X, Y)],
      ['predictProba', (m) => m.predictProba(X)],
      ['predict', (m) => m.predict(X)],
      ['evaluate', (m) => m.evaluate(X, Y)],
      ['gradients', (m) => m.gradients(X, Y)],
      ['getWeights', (m) => m.getWeights()],
      [
        'setWeights',
        (m) =>
          m.setWeights([
            { weights: new Float32Array(12), bias: new Float32Array(4) },
            { weights: new Float32Array(4), bias: new Float32Array(1) },
          ]),
      ],
      ['toJSON', (m) => m.toJSON()],
    ])('%s throws', async (method, call) => {
      const m = await disposed();
      await expectGradwasmError(() => call(m), method, new RegExp(`^${method} was called on a disposed model$`));
    });

    it('JSON.stringify(model) throws through toJSON', async () => {
      const m = await disposed();
      await expectGradwasmError(() => JSON.stringify(m), 'toJSON', /^toJSON was called on a disposed model$/);
    });

    it('dispose twice is harmless, and the model stays disposed', async () => {
      const m = await disposed();
      expect(() => m.dispose()).not.toThrow();
      await expectGradwasmError(() => m.predictProba(X), 'predictProba', /disposed/);
    });

    it('disposing during fit rejects that fit', async () => {
      const m = await model();
      const fitting = m.fit(X, Y, {
        epochs: 5,
        onEpochEnd: ({ epoch }) => {
          if (epoch === 1) m.dispose();
        },
      });
      await expectGradwasmError(() => fitting, 'fit', /^the model was disposed while fitting$/);
    });
  });

  describe('fit while fitting', () => {
    it('a second fit on the same model rejects; the first completes as if alone', async () => {
      const m = await model(21);
      const first = m.fit(X, Y, { epochs: 6, learningRate: 0.1, batchSize: 2 });
      await expectGradwasmError(() => m.fit(X, Y, { epochs: 1 }), 'fit', /^fit was called while this model is already fitting/);
      // also with options that are wrong in themselves: the conflict is what is reported
      await expectGradwasmError(() => m.fit(X, Y, { epochs: 0 }), 'fit', /already fitting/);
      const history = await first;
      expect(history.loss).toHaveLength(6);

      const alone = await model(21);
      await alone.fit(X, Y, { epochs: 6, learningRate: 0.1, batchSize: 2 });
      expect(m.getWeights()).toEqual(alone.getWeights());

      // and once it is done, fit works again
      const again = await m.fit(X, Y, { epochs: 2 });
      expect(again.loss).toHaveLength(2);
    });

    it('fits on two different models may overlap', async () => {
      const a = await model(1);
      const b = await model(2);
      const [ha, hb] = await Promise.all([a.fit(X, Y, { epochs: 3 }), b.fit(X, Y, { epochs: 3 })]);
      expect(ha.loss).toHaveLength(3);
      expect(hb.loss).toHaveLength(3);
    });
  });

  describe('nothing is changed by a failed call', () => {
    const SEED = 11;
    const twoLayers = (): Promise<Sequential> => Sequential.create({ inputs: INPUTS, layers: [dense(5, 'tanh'), dense(1, 'sigmoid')], seed: SEED, backend });
    const TRAIN = { epochs: 4, learningRate: 0.2, batchSize: 2, shuffle: true } as const;

    it.each<[string, (m: Sequential) => unknown, string]>([
      ['fit with a bad label at the last row', (m) => m.fit(X, [0, 1, 1, 7], TRAIN), 'y'],
      [
        'fit with NaN at the last value of x',
        (m) =>
          m.fit(
            flat((n) => new Float64Array(n), 11, NaN),
            Y,
            TRAIN,
          ),
        'x',
      ],
      ['fit with bad validation labels', (m) => m.fit(X, Y, { ...TRAIN, validationData: [X, [0, 1, 0, 2]] }), 'options.validationData[1]'],
      [
        'fit with validation rows of the wrong width',
        (m) =>
          m.fit(X, Y, {
            ...TRAIN,
            validationData: [
              [
                [1, 2, 3],
                [1, 2],
              ],
              [0, 1],
            ],
          }),
        'options.validationData[0]',
      ],
      ['fit with learningRate 0', (m) => m.fit(X, Y, { ...TRAIN, learningRate: 0 }), 'options.learningRate'],
      ['fit with onEpochEnd not a function', (m) => m.fit(X, Y, { ...TRAIN, onEpochEnd: 1 as never }), 'options.onEpochEnd'],
      ['fit with Adam and a bad beta2', (m) => m.fit(X, Y, { ...TRAIN, optimizer: { type: 'adam', beta2: 1 } }), 'options.optimizer.beta2'],
      ['fit with early stopping and no validation data', (m) => m.fit(X, Y, { ...TRAIN, optimizer: 'adam', earlyStopping: {} }), 'options.earlyStopping'],
      [
        'fit with Adam and NaN in x',
        (m) =>
          m.fit(
            flat((n) => new Float64Array(n), 11, NaN),
            Y,
            { ...TRAIN, optimizer: 'adam' },
          ),
        'x',
      ],
      [
        'fit with Adam, a validation split and NaN in its last row',
        (m) =>
          m.fit(
            flat((n) => new Float64Array(n), 11, NaN),
            Y,
            { ...TRAIN, optimizer: 'adam', validationSplit: 0.25 },
          ),
        'x',
      ],
      ['evaluate with a bad threshold', (m) => m.evaluate(X, Y, { threshold: -1 }), 'options.threshold'],
      [
        'setWeights with NaN in the last layer',
        (m) => {
          const w = m.getWeights().map((l) => ({ weights: l.weights.map((v) => v + 1), bias: l.bias.map((v) => v + 1) }));
          w[1]!.bias[0] = NaN;
          return m.setWeights(w);
        },
        'weights[1].bias',
      ],
      [
        'setWeights with the last layer of the wrong shape',
        (m) => {
          const w: LayerWeights[] = m.getWeights().map((l) => ({ weights: l.weights.map(() => 0.5), bias: l.bias.map(() => 0.5) }));
          w[1]!.weights = new Float32Array(6);
          return m.setWeights(w);
        },
        'weights[1].weights',
      ],
      ['evaluate with a bad label', (m) => m.evaluate(X, [0, 1, 2, 0]), 'y'],
      ['gradients with a ragged row', (m) => m.gradients([X[0]!, X[1]!, [1]], [0, 1, 0]), 'x'],
      ['predict with a bad threshold', (m) => m.predict(X, 1.5), 'threshold'],
    ])('%s leaves the weights and the shuffle stream as they were', async (_name, fail, argument) => {
      const m = await twoLayers();
      const before = m.getWeights();
      await expectGradwasmError(() => fail(m), argument, /./);
      expect(m.getWeights()).toEqual(before);

      // it still trains and predicts, exactly like a twin that never saw the failed call
      const twin = await twoLayers();
      const h = await m.fit(X, Y, TRAIN);
      const ht = await twin.fit(X, Y, TRAIN);
      expect(h).toEqual(ht);
      expect(h.loss.every(Number.isFinite)).toBe(true);
      expect(m.getWeights()).toEqual(twin.getWeights());
      expect(m.getWeights()).not.toEqual(before);
      const p = m.predictProba(X);
      expect(p).toEqual(twin.predictProba(X));
      for (const v of p) expect(v > 0 && v < 1).toBe(true);
    });
  });
});

describe('trainTestSplit misuse', () => {
  const x5 = [[1], [2], [3], [4], [5]];
  const y5 = [0, 1, 0, 1, 0];
  it.each<[string, () => unknown, string, RegExp]>([
    ['cols 0', () => trainTestSplit(x5, y5, { cols: 0 }), 'options.cols', /^options\.cols must be an integer ≥ 1, got 0$/],
    ['cols mismatching x', () => trainTestSplit(x5, y5, { cols: 2 }), 'x', /^x\[0\] has 1 values, but the model has 2 inputs$/],
    ['NaN in x', () => trainTestSplit(Float32Array.of(1, 2, NaN, 4, 5), y5, { cols: 1 }), 'x', /^x row 2, column 0 is NaN\b/],
    ['label 2', () => trainTestSplit(x5, [0, 1, 0, 1, 2], { cols: 1 }), 'y', /^y\[4\] is 2\b/],
    ['too few labels', () => trainTestSplit(x5, [0, 1], { cols: 1 }), 'y', /^y has 2 labels, but x has 5 rows$/],
    [
      'testFraction 0',
      () => trainTestSplit(x5, y5, { cols: 1, testFraction: 0 }),
      'options.testFraction',
      /^options\.testFraction must leave at least one row on each side of the 5, got 0$/,
    ],
    ['testFraction 1', () => trainTestSplit(x5, y5, { cols: 1, testFraction: 1 }), 'options.testFraction', /got 1$/],
    ['testFraction NaN', () => trainTestSplit(x5, y5, { cols: 1, testFraction: NaN }), 'options.testFraction', /got NaN$/],
    ["testFraction '0.2'", () => trainTestSplit(x5, y5, { cols: 1, testFraction: '0.2' as never }), 'options.testFraction', /got "0\.2"$/],
    ['seed -1', () => trainTestSplit(x5, y5, { cols: 1, seed: -1 }), 'options.seed', /^options\.seed must be an integer in \[0, 4294967295\], got -1$/],
    ['options undefined', () => trainTestSplit(x5, y5, undefined as never), 'options', /^options must be an object, got undefined$/],
    ['options null', () => trainTestSplit(x5, y5, null as never), 'options', /^options must be an object, got null$/],
    [
      'an unknown option key (testfraction)',
      () => trainTestSplit(x5, y5, { cols: 1, testfraction: 0.4 } as never),
      'options.testfraction',
      /unknown option "testfraction"/,
    ],
  ])('trainTestSplit throws on %s', async (_name, call, argument, message) => {
    await expectGradwasmError(call, argument, message);
  });
});
