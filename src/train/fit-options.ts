// fit()'s options: FitOptions and FitDatasetOptions as the caller writes them, and their checks
// (defaults filled in, every failure an OptionError naming the option). Shared by Sequential and
// trainInWorker (src/worker/host.ts), which passes its own argument name.
import { FULL_BATCH } from '../backend/backend.js';
import { checkInteger, checkKeys, checkObject, describe } from '../core/checks.js';
import { OptionError } from '../core/errors.js';
import type { DataSource } from '../data/dataset.js';
import type { Head } from '../heads/index.js';
import { toMatrix, type Features, type Labels, type Matrix } from '../data/matrix.js';
import { checkClassWeight, checkSampleWeight, type CheckedClassWeight, type ClassWeight } from '../data/row-weights.js';
import type { ModelJSON } from '../network/model-json.js';
import {
  checkFitOptimizer,
  checkSchedule,
  checkScheduledRates,
  defaultLearningRate,
  positiveFloat32,
  type LearningRateSchedule,
  type Lbfgs,
  type Optimizer,
  type OptimizerOptions,
  type Schedule,
} from '../network/optimizers.js';
import { checkEarlyStopping, type EarlyStopping, type EarlyStoppingOptions } from './early-stopping.js';
import type { EpochLog } from './history.js';

/** Options of {@link Sequential.fit}. */
export interface FitOptions {
  /** Passes over the data. Default 1. */
  epochs?: number;
  /** The step size λ. Default: Keras's, 0.001 with Adam and 0.01 otherwise. */
  learningRate?: number;
  /**
   * How each batch updates the weights: `'sgd'` (the default: W ← W − λ·∂L/∂W), momentum or
   * Adam, with TensorFlow.js's formulas and Keras's defaults (see {@link OptimizerOptions}).
   * The optimizer's state (velocity, moments, Adam's step count) is kept from one `fit` call to
   * the next while the optimizer options stay the same (the learning rate may change), as
   * Keras keeps a compiled model's optimizer; other optimizer options start a fresh state.
   * setWeights() keeps it; a model from fromJSON() starts fresh.
   * `'lbfgs'` (scikit-learn's `solver='lbfgs'`) is full-batch only: each epoch is one L-BFGS
   * iteration with a strong-Wolfe line search (no `learningRate`), `fit` ends early once it has
   * converged, and its state lives in the call only (see {@link OptimizerOptions}).
   */
  optimizer?: OptimizerOptions;
  /**
   * L2 weight decay λ₂ ≥ 0 on the kernels (not the biases): each step uses ∂L/∂W + λ₂·W, the
   * gradient of the penalty (λ₂/2)·ΣW², which is Keras's `kernelRegularizer: l2(λ₂/2)`. The
   * reported losses stay the plain mean BCE, without the penalty (Keras adds it). Default 0.
   */
  weightDecay?: number;
  /** A learning rate per epoch: step or exponential decay of `learningRate` (see {@link LearningRateSchedule}). */
  learningRateSchedule?: LearningRateSchedule;
  /** Rows per update. Default: all rows (full-batch gradient descent); 1 is stochastic gradient descent. */
  batchSize?: number;
  /** Visit rows in a new seeded order each epoch. Default true. */
  shuffle?: boolean;
  /** Rows and labels evaluated after every epoch. */
  validationData?: readonly [Features, Labels];
  /**
   * Hold out the last `validationSplit` of the rows (⌊rows·(1 − validationSplit)⌋ first rows
   * train) as validation data, as Keras's validation_split does: taken before any shuffling,
   * so no randomness is involved, and the split is the same every epoch and every call.
   * A number in (0, 1); not together with `validationData`.
   */
  validationSplit?: number;
  /** Stop when the validation loss (or, with `monitor: 'loss'`, the training loss) stops improving (see {@link EarlyStoppingOptions}). */
  earlyStopping?: EarlyStoppingOptions;
  /** Called after every epoch; return `false` (or a promise of it) to stop training. */
  onEpochEnd?: (log: EpochLog) => boolean | void | Promise<boolean | void>;
  /**
   * Called within each epoch after every run of batches (about every 50 ms of work), with the
   * 0-based epoch and the rows it has trained so far: for progress bars.
   */
  onProgress?: (progress: { epoch: number; rows: number }) => void;
  /**
   * The epoch to start at (Keras's `initial_epoch`): training runs epochs initialEpoch…epochs−1,
   * so `epochs` is the epoch to stop at. The learning-rate schedule counts from 0 all the same.
   * To continue a run exactly, load its checkpoint (`toJSON({ training: true })`) and pass the
   * epochs it had done; the same model continuing after a `fit` does too. Default 0.
   */
  initialEpoch?: number;
  /**
   * Save the model with its training state — `toJSON({ training: true })` — after every
   * `every`-th epoch (default 1), with `save(json)` (awaited if it returns a promise).
   */
  checkpoint?: { every?: number; save: (json: ModelJSON) => void | Promise<void> };
  /**
   * Stops training when aborted (an `AbortController`'s signal): within one run of batches
   * (about 50 ms of work; fit yields to the event loop between runs, so timers and input are
   * seen inside long epochs). `fit` then resolves with the history of the epochs it finished,
   * and the model holds their weights (and optimizer state): an epoch cut short is undone.
   */
  signal?: AbortSignal;
  /**
   * Stop with a {@link GradwasmError} when the loss explodes, as when it becomes NaN or
   * infinite: a batch whose mean BCE is more than 1000 times the lowest of the fit's starting
   * loss and its epoch losses so far (taken as at least ln 2, a constant guess's loss), or above
   * 10⁶ in any case. Such a run has stopped descending — a learning rate or weight decay too
   * large, or unscaled features with huge values — even while its loss stays finite. The error
   * names the epoch, the batch and the likely cause, and the model keeps the weights of its
   * last finished epoch. Default true; `false` leaves only NaN and infinity to stop training.
   */
  stopOnExplodingLoss?: boolean;
  /**
   * Weigh the classes, for imbalanced data (Keras's `class_weight`): `{ 0: w0, 1: w1 }` — both
   * keys, finite weights ≥ 0, not both 0 — or `'balanced'`: n / (2·nᵢ) for class i, n counting
   * the training rows and nᵢ those of class i (scikit-learn's rule; with `validationSplit`, the
   * rows before the split). Each row's loss and gradient are multiplied by its weight, and a
   * batch's loss is Σ wᵢ·lossᵢ / (rows of the batch), as Keras computes it; so a weight of 2
   * counts a row twice, and all weights 1 are the same as none, bit for bit. The training loss
   * in the history is this weighted one; the accuracy, precision, recall and F1 of the
   * history count rows unweighted, and validation metrics and `evaluate()` are unweighted.
   * With `fitDataset`, 'balanced' counts the classes in a pass over the source before training.
   */
  classWeight?: ClassWeight;
  /**
   * A weight ≥ 0 for each row of x (Keras's `sample_weight`): an array, Float32Array or
   * Float64Array as long as x, rounded to float32. It multiplies the class weight of the row
   * (as Keras does); with `validationSplit` the weights of the held-out rows are unused. Not
   * for `fitDataset`, whose rows arrive in chunks.
   */
  sampleWeight?: ArrayLike<number>;
}

/** Options of {@link Sequential.fitDataset}: those of `fit`, and the shuffle window. */
export interface FitDatasetOptions extends Omit<FitOptions, 'validationData' | 'sampleWeight'> {
  /** Rows or chunks evaluated after every epoch: `[x, y]` as `fit` takes them, or a source read anew each epoch. */
  validationData?: readonly [Features, Labels] | DataSource;
  /**
   * Shuffle the rows within a seeded window of this many rows (tf.data's rule: each row that
   * arrives takes the place of one drawn at random from the window, which leaves), unless
   * `shuffle` is false. Default: no shuffling (a stream is read in order).
   */
  shuffleBuffer?: number;
}

/** The keys fit() takes. */
export const FIT_KEYS = [
  'epochs',
  'learningRate',
  'optimizer',
  'weightDecay',
  'learningRateSchedule',
  'batchSize',
  'shuffle',
  'validationData',
  'validationSplit',
  'earlyStopping',
  'onEpochEnd',
  'onProgress',
  'signal',
  'stopOnExplodingLoss',
  'initialEpoch',
  'checkpoint',
  'classWeight',
  'sampleWeight',
] as const;

/** {@link FitOptions} as checked by {@link checkFitOptions}, defaults filled in. */
export interface CheckedFitOptions {
  epochs: number;
  /** λ as a float32. */
  learningRate: number;
  /** The per-batch optimizer (plain SGD, unused, when `lbfgs` is set). */
  optimizer: Optimizer;
  /** L-BFGS's options when `optimizer: 'lbfgs'` (full-batch iterations, src/train/lbfgs.ts), else null. */
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
  /** The class weights, or null (src/data/row-weights.ts). */
  classWeight: CheckedClassWeight | null;
  /** A float32 copy of the weight of each row of x (validation-split rows too), or null. */
  sampleWeight: Float32Array | null;
}

/** What the checks need to know of the model: its inputs, its head, and its outputs per row. */
export interface FitModel {
  inputs: number;
  head: Head;
  width: number;
  /** Labels as the model trains on them (a regression's targets scaled by its target scaler); default: its head's. */
  labels?(y: unknown, rows: number, argument: string): Float32Array;
}

/** {@link FitOptions} checked for a model of `inputs` inputs and `rows` rows of x (unknown keys are the caller's check). */
export function checkFitOptions(o: Record<string, unknown>, model: FitModel, rows: number, name = 'options', validationSource = false): CheckedFitOptions {
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
      throw new OptionError(
        `${name}.validationSplit`,
        `${name}.validationSplit and ${name}.validationData cannot both be given: the split takes validation rows from x`,
      );
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
  const validation = o.validationData === undefined ? null : checkValidation(o.validationData, model, `${name}.validationData`);
  const earlyStopping = checkEarlyStopping(o.earlyStopping, `${name}.earlyStopping`);
  if (earlyStopping?.monitor === 'valLoss' && !validation && validationSplit === null && !validationSource) {
    throw new OptionError(
      `${name}.earlyStopping`,
      `${name}.earlyStopping monitors the validation loss: give ${name}.validationData or ${name}.validationSplit too, ` +
        `or watch the training loss with ${name}.earlyStopping.monitor 'loss'`,
    );
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
    epochs,
    learningRate: lr32,
    optimizer,
    lbfgs,
    weightDecay: Math.fround(weightDecay as number),
    learningRateSchedule,
    batchSize,
    shuffle,
    onEpochEnd: onEpochEnd as FitOptions['onEpochEnd'],
    onProgress: onProgress as FitOptions['onProgress'],
    validation,
    validationSplit,
    trainRows,
    earlyStopping,
    stopOnExplodingLoss,
    signal: signal as AbortSignal | null,
    initialEpoch,
    checkpoint: checkCheckpoint(o.checkpoint, `${name}.checkpoint`),
    classWeight: checkClassWeight(o.classWeight, `${name}.classWeight`, model.head.classes(model.width)),
    sampleWeight: checkSampleWeight(o.sampleWeight, rows, `${name}.sampleWeight`),
  };
}

/** Refuse what L-BFGS does not take: batches smaller than all rows, a learning rate (its line
 *  search chooses the step), row weights and checkpoints (not yet: its memory of pairs is not saved). */
function checkLbfgsFit(o: Record<string, unknown>, batchSize: number, trainRows: number, name: string): void {
  const why = `L-BFGS (${name}.optimizer 'lbfgs')`;
  if (batchSize !== FULL_BATCH) {
    throw new OptionError(
      `${name}.batchSize`,
      `${name}.batchSize is ${batchSize}, but ${why} is full-batch: each iteration takes the loss and gradient over all ${trainRows} training rows. Leave ${name}.batchSize out, or use another optimizer for mini-batches`,
    );
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

function checkValidation(value: unknown, model: FitModel, name: string): { x: Matrix; y: Float32Array } {
  if (!Array.isArray(value) || value.length !== 2) {
    throw new OptionError(name, `${name} must be [x, y], got ${describe(value)}`);
  }
  const x = toMatrix(value[0], model.inputs, `${name}[0]`);
  const argument = `${name}[1]`;
  return { x, y: model.labels ? model.labels(value[1], x.rows, argument) : model.head.labels(value[1], x.rows, argument, model.width) };
}

/**
 * The rows trained on when the last `fraction` of them validate (Keras's validation_split:
 * ⌊rows·(1 − fraction)⌋ first rows train). Throws unless both sides keep a row.
 */
export function checkValidationSplit(value: unknown, rows: number, name: string): number {
  const trainRows = typeof value === 'number' && value > 0 && value < 1 ? Math.floor(rows * (1 - value)) : 0;
  if (!(trainRows >= 1 && trainRows < rows)) {
    throw new OptionError(name, `${name} must be a number in (0, 1) that leaves at least one row on each side of the ${rows}, got ${describe(value)}`);
  }
  return trainRows;
}
