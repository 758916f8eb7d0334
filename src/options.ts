// The checks of create, fromJSON and fit: every option the caller passes, validated with a
// GradwasmError naming it, defaults filled in. Shared by Sequential and trainInWorker
// (src/worker/host.ts), which passes its own argument name (e.g. 'options.model') so that
// messages name what the caller wrote.

import { checkColumnNames, type ColumnNames } from './column-names.js';
import { FULL_BATCH, type Architecture } from './backend/backend.js';
import { toLabels, toMatrix, type Matrix } from './data.js';
import { OptionError } from './errors.js';
import { checkInteger, checkKeys, checkObject, describe } from './checks.js';
import { checkActivation, MAX_UNITS, type DenseLayer } from './layers.js';
import {
  checkFitOptimizer, checkSchedule, checkScheduledRates, defaultLearningRate, positiveFloat32,
  type Lbfgs, type Optimizer, type Schedule,
} from './optimizers.js';
import { scalerFromJSON, type StandardScaler } from './scaler.js';
import { checkOutputLayer, type ModelJSON } from './serialize.js';
import type { BackendName, FitOptions } from './types.js';
import { checkEarlyStopping, checkValidationSplit, type EarlyStopping } from './training.js';
import { checkClassWeight, checkSampleWeight, type CheckedClassWeight } from './weights.js';

const CREATE_KEYS = ['inputs', 'layers', 'seed', 'backend', 'scaler', 'threads', 'featureNames', 'labelName'] as const;
export const FIT_KEYS = [
  'epochs', 'learningRate', 'optimizer', 'weightDecay', 'learningRateSchedule', 'batchSize', 'shuffle',
  'validationData', 'validationSplit', 'earlyStopping', 'onEpochEnd', 'onProgress', 'signal', 'stopOnExplodingLoss', 'initialEpoch', 'checkpoint',
  'classWeight', 'sampleWeight',
] as const;

/** {@link SequentialOptions}, checked; a missing seed is drawn at random here. */
export function checkCreateOptions(options: unknown, name = 'options'): { architecture: Architecture; seed: number; backend: BackendName; scaler: StandardScaler | null; threads: Threads; names: ColumnNames } {
  const o = checkObject(name, options);
  checkKeys(name, o, CREATE_KEYS);
  const inputs = checkInteger(`${name}.inputs`, o.inputs, 1, MAX_UNITS);
  const architecture = { inputs, layers: checkLayers(o.layers, `${name}.layers`) };
  const seed = checkSeed(o.seed, `${name}.seed`);
  const backend = checkBackend(`${name}.backend`, o.backend);
  const threads = checkThreads(o.threads, backend, `${name}.threads`);
  const names = checkColumnNames(o.featureNames, o.labelName, inputs, { features: `${name}.featureNames`, label: `${name}.labelName` });
  return { architecture, seed, backend, scaler: checkScaler(o.scaler ?? null, inputs, `${name}.scaler`), threads, names };
}

/** Threads a model's steps may be shared out between: a count, or 'auto' (as many as there are cores). */
export type Threads = number | 'auto';

/** The most threads a model may ask for (assembly/parallel.ts's MAX_THREADS). */
export const MAX_THREADS = 256;

/** `threads` checked: 'auto' (the default) or an integer from 1 to 256; more than 1 only on 'wasm'. */
export function checkThreads(value: unknown, backend: BackendName, name: string): Threads {
  if (value === undefined || value === 'auto') return 'auto';
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_THREADS) {
    throw new OptionError(name, `${name} must be 'auto' or an integer from 1 to ${MAX_THREADS}, got ${describe(value)}`);
  }
  if (value > 1 && backend === 'js') {
    throw new OptionError(name, `${name} is ${value}, but the 'js' backend runs on one thread; use backend: 'wasm' for threads`);
  }
  return value;
}

/** A scaler (instance or JSON) for `inputs` columns, or null. */
export function checkScaler(value: unknown, inputs: number, name: string): StandardScaler | null {
  if (value === null) return null;
  const scaler = scalerFromJSON(value, name);
  if (scaler.cols !== inputs) throw new OptionError(name, `${name} has ${scaler.cols} columns, but the model has ${inputs} inputs`);
  return scaler;
}

/** The options of {@link Sequential.fromJSON}, checked. */
export function checkLoadOptions(options: unknown, name = 'options'): { seed: number; backend: BackendName; threads: Threads } {
  const o = checkObject(name, options);
  checkKeys(name, o, ['backend', 'seed', 'threads']);
  const backend = checkBackend(`${name}.backend`, o.backend);
  return { seed: checkSeed(o.seed, `${name}.seed`), backend, threads: checkThreads(o.threads, backend, `${name}.threads`) };
}

/** {@link FitOptions} as checked by {@link checkFitOptions}, defaults filled in. */
export interface CheckedFitOptions {
  epochs: number;
  /** λ as a float32. */
  learningRate: number;
  /** The per-batch optimizer (plain SGD, unused, when `lbfgs` is set). */
  optimizer: Optimizer;
  /** L-BFGS's options when `optimizer: 'lbfgs'` (full-batch iterations, src/lbfgs.ts), else null. */
  lbfgs: Lbfgs | null;
  /** λ₂ as a float32. */
  weightDecay: number;
  learningRateSchedule: Schedule | null;
  /** Rows per batch, or FULL_BATCH (the default; also any batch of all rows or more). */
  batchSize: number;
  shuffle: boolean;
  onEpochEnd: FitOptions['onEpochEnd'];
  onProgress: FitOptions['onProgress'];
  validation: { x: Matrix; y: Float32Array } | null;
  /** The fraction held out, or null. */
  validationSplit: number | null;
  /** The rows trained on: all of them, or the first ones before the validation split. */
  trainRows: number;
  earlyStopping: EarlyStopping | null;
  stopOnExplodingLoss: boolean;
  signal: AbortSignal | null;
  /** The epoch to start at (0 by default). */
  initialEpoch: number;
  checkpoint: { every: number; save: (json: ModelJSON) => void | Promise<void> } | null;
  /** The class weights, or null (src/weights.ts). */
  classWeight: CheckedClassWeight | null;
  /** A float32 copy of the weight of each row of x (validation-split rows too), or null. */
  sampleWeight: Float32Array | null;
}

/** {@link FitOptions} checked for a model of `inputs` inputs and `rows` rows of x (unknown keys are the caller's check). */
export function checkFitOptions(o: Record<string, unknown>, inputs: number, rows: number, name = 'options', validationSource = false): CheckedFitOptions {
  const epochs = o.epochs === undefined ? 1 : checkInteger(`${name}.epochs`, o.epochs, 1);
  const checked = checkFitOptimizer(o.optimizer, `${name}.optimizer`);
  const lbfgs = checked.type === 'lbfgs' ? checked : null;
  const optimizer: Optimizer = checked.type === 'lbfgs' ? { type: 'sgd' } : checked;
  const learningRate: unknown = o.learningRate === undefined ? defaultLearningRate(optimizer) : o.learningRate;
  // The kernels take λ as a float32: it must stay finite and non-zero once rounded.
  if (!positiveFloat32(learningRate)) {
    throw new OptionError(`${name}.learningRate`, `${name}.learningRate must be a finite number > 0 (as a float32), got ${describe(learningRate)}`);
  }
  const lr32 = Math.fround(learningRate);
  const weightDecay = o.weightDecay ?? 0;
  if (weightDecay !== 0 && !positiveFloat32(weightDecay)) {
    throw new OptionError(`${name}.weightDecay`, `${name}.weightDecay must be 0 or a finite number > 0 (as a float32), got ${describe(o.weightDecay)}`);
  }
  const learningRateSchedule = checkSchedule(o.learningRateSchedule, `${name}.learningRateSchedule`);
  checkScheduledRates(lr32, learningRateSchedule, epochs, `${name}.learningRateSchedule`);
  let validationSplit: number | null = null;
  let trainRows = rows;
  if (o.validationSplit !== undefined) {
    if (o.validationData !== undefined) {
      throw new OptionError(`${name}.validationSplit`, `${name}.validationSplit and ${name}.validationData cannot both be given: the split takes validation rows from x`);
    }
    trainRows = checkValidationSplit(o.validationSplit, rows, `${name}.validationSplit`);
    validationSplit = o.validationSplit as number;
  }
  // A batch of every row, asked for or not, is full-batch descent (see assembly/model.ts).
  const given = o.batchSize === undefined ? FULL_BATCH : checkInteger(`${name}.batchSize`, o.batchSize, 1);
  const batchSize = given >= trainRows ? FULL_BATCH : given;
  if (lbfgs) checkLbfgsFit(o, batchSize, trainRows, name);
  const shuffle = o.shuffle === undefined ? true : o.shuffle;
  if (typeof shuffle !== 'boolean') throw new OptionError(`${name}.shuffle`, `${name}.shuffle must be true or false, got ${describe(shuffle)}`);
  const onEpochEnd = o.onEpochEnd;
  if (onEpochEnd !== undefined && typeof onEpochEnd !== 'function') {
    throw new OptionError(`${name}.onEpochEnd`, `${name}.onEpochEnd must be a function, got ${describe(onEpochEnd)}`);
  }
  const onProgress = o.onProgress;
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new OptionError(`${name}.onProgress`, `${name}.onProgress must be a function, got ${describe(onProgress)}`);
  }
  const validation = o.validationData === undefined ? null : checkValidation(o.validationData, inputs, `${name}.validationData`);
  const earlyStopping = checkEarlyStopping(o.earlyStopping, `${name}.earlyStopping`);
  if (earlyStopping?.monitor === 'valLoss' && !validation && validationSplit === null && !validationSource) {
    throw new OptionError(`${name}.earlyStopping`, `${name}.earlyStopping monitors the validation loss: give ${name}.validationData or ${name}.validationSplit too, ` +
      `or watch the training loss with ${name}.earlyStopping.monitor 'loss'`);
  }
  const stopOnExplodingLoss = o.stopOnExplodingLoss ?? true;
  if (typeof stopOnExplodingLoss !== 'boolean') {
    throw new OptionError(`${name}.stopOnExplodingLoss`, `${name}.stopOnExplodingLoss must be true or false, got ${describe(o.stopOnExplodingLoss)}`);
  }
  const signal = o.signal ?? null;
  if (signal !== null && !(typeof signal === 'object' && typeof (signal as AbortSignal).aborted === 'boolean')) {
    throw new OptionError(`${name}.signal`, `${name}.signal must be an AbortSignal (from an AbortController), got ${describe(o.signal)}`);
  }
  const initialEpoch = o.initialEpoch === undefined ? 0 : checkInteger(`${name}.initialEpoch`, o.initialEpoch, 0, epochs);
  return {
    epochs, learningRate: lr32, optimizer, lbfgs, weightDecay: Math.fround(weightDecay as number), learningRateSchedule, batchSize, shuffle,
    onEpochEnd: onEpochEnd as FitOptions['onEpochEnd'], onProgress: onProgress as FitOptions['onProgress'], validation, validationSplit, trainRows, earlyStopping,
    stopOnExplodingLoss, signal: signal as AbortSignal | null, initialEpoch, checkpoint: checkCheckpoint(o.checkpoint, `${name}.checkpoint`),
    classWeight: checkClassWeight(o.classWeight, `${name}.classWeight`), sampleWeight: checkSampleWeight(o.sampleWeight, rows, `${name}.sampleWeight`),
  };
}

/** Refuse what L-BFGS does not take: batches smaller than all rows, a learning rate (its line
 *  search chooses the step), row weights and checkpoints (not yet: its memory of pairs is not saved). */
function checkLbfgsFit(o: Record<string, unknown>, batchSize: number, trainRows: number, name: string): void {
  const why = `L-BFGS (${name}.optimizer 'lbfgs')`;
  if (batchSize !== FULL_BATCH) {
    throw new OptionError(`${name}.batchSize`, `${name}.batchSize is ${batchSize}, but ${why} is full-batch: each iteration takes the loss and gradient over all ${trainRows} training rows. Leave ${name}.batchSize out, or use another optimizer for mini-batches`);
  }
  const refused: [string, string][] = [
    ['learningRate', 'its line search chooses each step'],
    ['learningRateSchedule', 'its line search chooses each step'],
    ['classWeight', 'row weights are not supported with it yet'],
    ['sampleWeight', 'row weights are not supported with it yet'],
    ['checkpoint', 'its memory of curvature pairs is not saved in a checkpoint yet'],
  ];
  for (const [key, reason] of refused) {
    if (o[key] !== undefined) throw new OptionError(`${name}.${key}`, `${name}.${key} cannot be given with ${why}: ${reason}`);
  }
}

function checkCheckpoint(value: unknown, name: string): CheckedFitOptions['checkpoint'] {
  if (value === undefined) return null;
  const o = checkObject(name, value);
  checkKeys(name, o, ['every', 'save']);
  if (typeof o.save !== 'function') throw new OptionError(`${name}.save`, `${name}.save must be a function, got ${describe(o.save)}`);
  const every = o.every === undefined ? 1 : checkInteger(`${name}.every`, o.every, 1);
  return { every, save: o.save as (json: ModelJSON) => void | Promise<void> };
}

function checkValidation(value: unknown, inputs: number, name: string): { x: Matrix; y: Float32Array } {
  if (!Array.isArray(value) || value.length !== 2) {
    throw new OptionError(name, `${name} must be [x, y], got ${describe(value)}`);
  }
  const x = toMatrix(value[0], inputs, `${name}[0]`);
  return { x, y: toLabels(value[1], x.rows, `${name}[1]`) };
}

function checkLayers(value: unknown, name: string): { units: number; activation: DenseLayer['activation'] }[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new OptionError(name, `${name} must be a non-empty array of dense() layers, got ${describe(value)}`);
  }
  const layers = value.map((raw: unknown, l: number) => {
    const layer = checkObject(`${name}[${l}]`, raw);
    if (layer.type !== 'dense') {
      throw new OptionError(`${name}[${l}]`, `${name}[${l}] must be made with dense(), got type ${describe(layer.type)}`);
    }
    return {
      units: checkInteger(`${name}[${l}].units`, layer.units, 1, MAX_UNITS),
      activation: checkActivation(`${name}[${l}].activation`, layer.activation),
    };
  });
  checkOutputLayer(name, layers);
  return layers;
}

function checkSeed(value: unknown, name: string): number {
  if (value === undefined) return (Math.random() * 2 ** 32) >>> 0;
  return checkInteger(name, value, 0, 2 ** 32 - 1);
}

function checkBackend(argument: string, value: unknown): BackendName {
  if (value === undefined) return 'wasm';
  if (value !== 'wasm' && value !== 'js') {
    throw new OptionError(argument, `${argument} must be 'wasm' or 'js', got ${describe(value)}`);
  }
  return value;
}
