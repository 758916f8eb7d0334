// The types the modules share — backends, fit options, per-epoch logs, histories, weights,
// evaluations — in a module of their own, so that the modules that need them (options, fitting,
// training, metrics, the worker) do not import src/sequential.ts, which imports them.
import type { Features, Labels } from './data.js';
import type { LearningRateSchedule, OptimizerOptions } from './optimizers.js';
import type { ClassWeight } from './weights.js';
import type { DataSource } from './dataset.js';
import type { ModelJSON } from './serialize.js';

/** Where the numbers are computed: the WebAssembly core, or its pure-TypeScript twin. */
export type BackendName = 'wasm' | 'js';

/**
 * What {@link Sequential.fit} passes to `onEpochEnd` after each epoch. The training metrics
 * are those of the data as the epoch saw it: each row scored on the forward pass of its batch,
 * before that batch's update, at probability 0.5 (as Keras reports them). The validation
 * metrics are taken after the epoch. The ROC AUC, which needs every probability sorted, is
 * computed for the validation data only (evaluate() gives it for any data).
 */
export interface EpochLog {
  /** 0-based. */
  epoch: number;
  /** Mean BCE over the epoch's samples. */
  loss: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /** The learning rate of this epoch (after the schedule), as the float32 the kernels used; with
   *  L-BFGS, the step length α its line search accepted (along the quasi-Newton direction). */
  learningRate: number;
  valLoss?: number;
  valAccuracy?: number;
  valPrecision?: number;
  valRecall?: number;
  valF1?: number;
  /** NaN when the validation labels hold one class only. */
  valAuc?: number;
}

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

/** Per-epoch metrics returned by {@link Sequential.fit}: one entry per epoch of each {@link EpochLog} field. */
export interface History {
  loss: number[];
  accuracy: number[];
  precision: number[];
  recall: number[];
  f1: number[];
  learningRate: number[];
  valLoss?: number[];
  valAccuracy?: number[];
  valPrecision?: number[];
  valRecall?: number[];
  valF1?: number[];
  valAuc?: number[];
  /** With early stopping: the 0-based epoch of the best monitored loss (whose weights the model
   *  holds when `restoreBestWeights` is set). */
  bestEpoch?: number;
}

/** Options of {@link Sequential.evaluate}. */
export interface EvaluateOptions {
  /** Rows with P(Y=1) above it are predicted positive, as {@link Sequential.predict} does. Default 0.5. */
  threshold?: number;
}

/** What {@link Sequential.evaluate} measures over labelled rows. */
export interface Evaluation {
  /** Mean BCE. */
  loss: number;
  /** The share of rows predicted right at the threshold. */
  accuracy: number;
  /** tp / (tp + fp); 0 when nothing is predicted positive. */
  precision: number;
  /** tp / (tp + fn); 0 when no row is positive. */
  recall: number;
  /** 2·tp / (2·tp + fp + fn); 0 when there is no true positive. */
  f1: number;
  /** The area under the ROC curve (ties count one half); NaN when the labels hold one class only. Independent of the threshold. */
  auc: number;
  /** The counts at the threshold. */
  confusion: ConfusionMatrix;
}

/** One layer's kernel (inputs × units, row-major) and bias. */
export interface LayerWeights {
  weights: Float32Array;
  bias: Float32Array;
}

/** Mean-BCE gradients: ∂L/∂W and ∂L/∂b per layer. */
export interface Gradients {
  loss: number;
  layers: LayerWeights[];
}

/** Counts of rows by (label, prediction): a row is predicted positive when its probability is above the threshold. */
export interface ConfusionMatrix {
  /** Label 1, predicted 1. */
  tp: number;
  /** Label 0, predicted 1. */
  fp: number;
  /** Label 0, predicted 0. */
  tn: number;
  /** Label 1, predicted 0. */
  fn: number;
}

/**
 * Stop training when the monitored loss stops improving (Keras's EarlyStopping, mode 'min'):
 * an epoch improves when its loss is below the best so far by more than `minDelta`; training
 * stops after `patience` epochs in a row without improvement (0 stops at the first, like 1, as
 * in Keras). A checkpoint saves the progress with the quantity watched, and a run continued
 * from it must watch the same one.
 */
export interface EarlyStoppingOptions {
  /**
   * The loss watched (Keras's `monitor`): `'valLoss'`, the validation loss, which needs
   * `validationData` or `validationSplit`; or `'loss'`, the epoch's training loss (the history's
   * `loss`: the mean over the epoch's batches as they were trained), with or without validation
   * data — for convergence of any optimizer. Default `'valLoss'`.
   */
  monitor?: 'loss' | 'valLoss';
  /** Epochs without improvement to wait before stopping. Default 0. */
  patience?: number;
  /** The least decrease of the monitored loss that counts as an improvement. Default 0. */
  minDelta?: number;
  /**
   * When training ends — stopped early, out of epochs, or stopped by `onEpochEnd` — set the
   * weights of the epoch with the best monitored loss (as Keras 3 does). Default false: keep
   * the last epoch's weights.
   */
  restoreBestWeights?: boolean;
}
