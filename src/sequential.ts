// The public model: validates everything the caller passes (src/options.ts), then hands float32
// copies to a backend ('wasm' or 'js') that does the numeric work.
import type { Architecture, Backend, BackendFactory, Dataset, LayerParameters } from './backend/backend.js';
import { checkModelSize, planModel } from './backend/plan.js';
import { checkWasmModel, createWasmBackend } from './backend/wasm.js';
import { toLabels, toMatrix, type Features, type Labels, type Matrix } from './data.js';
import { GradwasmError, checkKeys, checkObject, describe } from './errors.js';
import type { DenseLayer } from './layers.js';
import { aucOf, checkThreshold, confusionAt, accuracyOf, f1Score, precision, recall, type ConfusionMatrix } from './metrics.js';
import { scheduledRate, type LearningRateSchedule, type Optimizer, type OptimizerOptions } from './optimizers.js';
import { Xoshiro128, glorotUniform } from './prng.js';
import { scaledMatrix, type ScalerJSON, type StandardScaler } from './scaler.js';
import { floatArray, modelFromJSON, modelToJSON, type ModelJSON } from './serialize.js';
import { EarlyStopper, Pace, divergenceError, largestMagnitude, passMetrics, splitRows, type EarlyStoppingOptions } from './training.js';
import { yieldToEventLoop } from './yield.js';
import { FIT_KEYS, checkCreateOptions, checkFitOptions, checkLoadOptions, checkScaler } from './options.js';

/** Where the numbers are computed: the WebAssembly core, or its pure-TypeScript twin. */
export type BackendName = 'wasm' | 'js';

const BACKENDS: Record<BackendName, BackendFactory> = {
  wasm: createWasmBackend,
  js: async (architecture, parameters, rng) => (await import('./backend/js.js')).createJsBackend(architecture, parameters, rng),
};

/** Options of {@link Sequential.create}. */
export interface SequentialOptions {
  /** Features per row. */
  inputs: number;
  /** Dense layers in order; the last must be `dense(1, 'sigmoid')`. */
  layers: readonly DenseLayer[];
  /** Seeds weight initialisation and shuffling (an integer in [0, 2³²)); same seed, same result. Default: random. */
  seed?: number;
  /** Default `'wasm'`. */
  backend?: BackendName;
  /**
   * A feature scaler (a {@link StandardScaler} or its JSON) for `inputs` columns: the model
   * applies it to every row it is given and saves it in its JSON. Default: none.
   */
  scaler?: StandardScaler | ScalerJSON | null;
}

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
  /** The learning rate of this epoch (after the schedule), as the float32 the kernels used. */
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
  /** Stop when the validation loss stops improving (needs validation data; see {@link EarlyStoppingOptions}). */
  earlyStopping?: EarlyStoppingOptions;
  /** Called after every epoch; return `false` (or a promise of it) to stop training. */
  onEpochEnd?: (log: EpochLog) => boolean | void | Promise<boolean | void>;
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
  /** With early stopping: the 0-based epoch of the best validation loss (whose weights the model
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

/** The optimizer every backend starts with. */
const SGD: Optimizer = { type: 'sgd' };

/** A feed-forward network of dense layers ending in one sigmoid unit: a binary classifier. */
export class Sequential {
  /** Features per row. */
  readonly inputs: number;
  /** The layers, as created. */
  readonly layers: readonly DenseLayer[];
  /** Where this model computes. */
  readonly backend: BackendName;
  private engine: Backend | null;
  private fitting = false;
  private featureScaler: StandardScaler | null;
  /** The optimizer options the backend's optimizer state belongs to (see FitOptions.optimizer). */
  private optimizerKey = JSON.stringify(SGD);

  private constructor(architecture: Architecture, backend: BackendName, engine: Backend, scaler: StandardScaler | null) {
    this.inputs = architecture.inputs;
    this.layers = Object.freeze(architecture.layers.map((l) => Object.freeze({ type: 'dense' as const, ...l })));
    this.backend = backend;
    this.engine = engine;
    this.featureScaler = scaler;
  }

  /** Build a model with Glorot-uniform kernels and zero biases drawn from `seed`. */
  static async create(options: SequentialOptions): Promise<Sequential> {
    const { architecture, seed, backend, scaler } = checkCreateOptions(options);
    await checkMemory(architecture, backend, 'options.layers');
    const rng = new Xoshiro128(seed);
    let fanIn = architecture.inputs;
    const parameters = architecture.layers.map(({ units }) => {
      const weights = glorotUniform(rng, fanIn, units);
      fanIn = units;
      return { weights, bias: new Float32Array(units) };
    });
    return new Sequential(architecture, backend, await BACKENDS[backend](architecture, parameters, rng.state()), scaler);
  }

  /** Load a model saved by {@link Sequential.toJSON} (the object or its JSON text). */
  static async fromJSON(json: ModelJSON | string, options: { backend?: BackendName; seed?: number } = {}): Promise<Sequential> {
    const { seed, backend } = checkLoadOptions(options);
    const rng = new Xoshiro128(seed);
    const { architecture, parameters, scaler } = modelFromJSON(json);
    await checkMemory(architecture, backend, 'json.layers');
    return new Sequential(architecture, backend, await BACKENDS[backend](architecture, parameters, rng.state()), scaler);
  }

  /**
   * Train by gradient descent on mean binary cross-entropy. Each epoch runs in calls of many
   * batches into the backend (about 50 ms of work each); between them `fit` yields to the event
   * loop, and after each epoch it reports progress.
   */
  async fit(x: Features, y: Labels, options: FitOptions = {}): Promise<History> {
    const engine = this.live('fit');
    if (this.fitting) throw new GradwasmError('fit', 'fit was called while this model is already fitting; await the first call');
    const o = checkObject('options', options);
    checkKeys('options', o, FIT_KEYS);
    const features = this.features(x, 'x');
    let train = { x: features, y: toLabels(y, features.rows, 'y') };
    const fit = checkFitOptions(o, this.inputs, train.x.rows);
    const { epochs, batchSize, onEpochEnd, signal } = fit;
    let validation = fit.validation ? { x: this.scaled(fit.validation.x, 'options.validationData[0]'), y: fit.validation.y } : null;
    if (fit.validationSplit !== null) [train, validation] = splitRows(train.x, train.y, fit.trainRows);
    // One batch of all rows is the same sum in any order: skip the shuffle and its copy.
    const shuffle = fit.shuffle && batchSize < train.x.rows;

    this.fitting = true;
    const held: Dataset[] = [];
    try {
      const loaded = engine.loadFit({ trainRows: train.x.rows, validationRows: validation?.x.rows ?? 0, batchSize, shuffle }, train, validation);
      const data = loaded.train, valData = loaded.validation;
      held.push(data, ...(valData ? [valData] : []));
      this.useOptimizer(engine, fit.optimizer);
      const history = emptyHistory(valData !== null);
      const probabilities = valData ? new Float32Array(valData.rows) : null;
      const stopper = fit.earlyStopping ? new EarlyStopper(fit.earlyStopping) : null;
      engine.setLossRule(fit.stopOnExplodingLoss, true);
      const batches = Math.ceil(data.rows / batchSize);
      const pace = new Pace();
      for (let epoch = 0; epoch < epochs && !signal?.aborted; epoch++) {
        const learningRate = scheduledRate(fit.learningRate, fit.learningRateSchedule, epoch);
        const start = engine.snapshot(); // what a divergence or a cancel goes back to
        engine.beginEpoch(data, shuffle);
        for (let batch = 0; batch < batches;) {
          const count = pace.batches(batches - batch);
          const began = performance.now();
          const divergedAt = engine.trainBatches(data, batch, count, batchSize, learningRate, fit.weightDecay);
          if (divergedAt >= 0) {
            const { recentLoss, limit } = engine.epochStats();
            engine.restore(start);
            throw divergenceError({
              epoch, batch: divergedAt, batches, loss: recentLoss, limit, learningRate, weightDecay: fit.weightDecay,
              beforeAnyUpdate: epoch === 0 && divergedAt === 0, scaled: this.featureScaler !== null, features: () => largestMagnitude(train.x),
            });
          }
          pace.measured(count, performance.now() - began);
          batch += count;
          if (batch < batches) {
            await yieldToEventLoop();
            this.checkNotDisposed();
            if (signal?.aborted) {
              engine.restore(start);
              return this.finish(engine, history, stopper);
            }
          }
        }
        const stats = engine.epochStats();
        const m = passMetrics(stats, data.rows);
        engine.observeLoss(m.loss);
        const log: EpochLog = { epoch, loss: m.loss, accuracy: m.accuracy, precision: m.precision, recall: m.recall, f1: m.f1, learningRate };
        if (valData) {
          const v = passMetrics(engine.evaluate(valData, probabilities), valData.rows);
          log.valLoss = v.loss;
          log.valAccuracy = v.accuracy;
          log.valPrecision = v.precision;
          log.valRecall = v.recall;
          log.valF1 = v.f1;
          log.valAuc = aucOf(validation!.y, probabilities!);
        }
        record(history, log);
        const stop = stopper ? stopper.update(epoch, log.valLoss!, () => engine.getParameters()) : false;
        if (onEpochEnd && (await onEpochEnd(log)) === false) break;
        if (stop) break;
        await yieldToEventLoop();
        this.checkNotDisposed();
      }
      return this.finish(engine, history, stopper);
    } finally {
      for (const d of held) d.release();
      this.fitting = false;
    }
  }

  /** The end of a fit: early stopping's record, and its best weights if it keeps them. */
  private finish(engine: Backend, history: History, stopper: EarlyStopper | null): History {
    if (stopper) {
      history.bestEpoch = stopper.bestEpoch;
      // (not into a backend that onEpochEnd disposed before stopping)
      if (stopper.bestWeights && this.engine) engine.setParameters(stopper.bestWeights);
    }
    return history;
  }

  private checkNotDisposed(): void {
    if (!this.engine) throw new GradwasmError('fit', 'the model was disposed while fitting');
  }

  /** P(Y=1) for every row, as float32. */
  predictProba(x: Features): Float32Array {
    const engine = this.live('predictProba');
    return rejectNaN(engine.predict(this.features(x, 'x')));
  }

  /** 1 where P(Y=1) > threshold (default 0.5), else 0. */
  predict(x: Features, threshold = 0.5): Uint8Array {
    if (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1)) {
      throw new GradwasmError('threshold', `threshold must be a number in [0, 1], got ${describe(threshold)}`);
    }
    this.live('predict');
    const p = this.predictProba(x);
    const classes = new Uint8Array(p.length);
    for (let i = 0; i < p.length; i++) classes[i] = p[i]! > threshold ? 1 : 0;
    return classes;
  }

  /**
   * Mean BCE over labelled rows, and how the model classifies them: accuracy, precision, recall
   * and F1 at `threshold` (default 0.5; a row is predicted positive when P(Y=1) > threshold, as
   * {@link predict} does), the ROC AUC, and the confusion matrix.
   */
  evaluate(x: Features, y: Labels, options: EvaluateOptions = {}): Evaluation {
    const engine = this.live('evaluate');
    const o = checkObject('options', options);
    checkKeys('options', o, ['threshold']);
    const threshold = o.threshold === undefined ? 0.5 : checkThreshold(o.threshold, 'options.threshold');
    const matrix = this.features(x, 'x');
    const labels = toLabels(y, matrix.rows, 'y');
    const probabilities = new Float32Array(matrix.rows);
    const stats = engine.evaluate({ x: matrix, y: labels }, probabilities);
    rejectNaN(probabilities);
    const confusion = confusionAt(labels, probabilities, threshold);
    return {
      loss: stats.lossSum / matrix.rows,
      accuracy: accuracyOf(confusion),
      precision: precision(confusion),
      recall: recall(confusion),
      f1: f1Score(confusion),
      auc: aucOf(labels, probabilities),
      confusion,
    };
  }

  /** ∂(mean BCE)/∂ every weight and bias over all rows, by back-propagation; nothing is updated. */
  gradients(x: Features, y: Labels): Gradients {
    const engine = this.live('gradients');
    const matrix = this.features(x, 'x');
    const { stats, layers } = engine.gradients(matrix, toLabels(y, matrix.rows, 'y'));
    if (Number.isNaN(stats.lossSum) || layers.some((l) => l.weights.some(Number.isNaN) || l.bias.some(Number.isNaN))) {
      throw new GradwasmError('x', 'x drives the network to NaN: a float32 overflow inside the model (features times weights past ±3.4e38); scale the features');
    }
    return { loss: stats.lossSum / matrix.rows, layers };
  }

  /** Copies of every layer's kernel (inputs × units, row-major) and bias. */
  getWeights(): LayerWeights[] {
    return this.live('getWeights').getParameters();
  }

  /** Replace every layer's kernel and bias (shapes as {@link getWeights} returns them). */
  setWeights(weights: readonly LayerWeights[]): void {
    const engine = this.live('setWeights');
    if (!Array.isArray(weights) || weights.length !== this.layers.length) {
      throw new GradwasmError('weights', `weights must be an array of ${this.layers.length} layers, got ${describe(weights)}`);
    }
    let fanIn = this.inputs;
    const parameters: LayerParameters[] = this.layers.map(({ units }, l) => {
      const layer = checkObject(`weights[${l}]`, weights[l]);
      const p = {
        weights: floatArray(`weights[${l}].weights`, layer.weights, fanIn * units, `${fanIn} inputs × ${units} units`),
        bias: floatArray(`weights[${l}].bias`, layer.bias, units, `${units} units`),
      };
      fanIn = units;
      return p;
    });
    engine.setParameters(parameters);
  }

  /** The feature scaler this model applies to every row it is given, or null. */
  get scaler(): StandardScaler | null {
    return this.featureScaler;
  }

  /**
   * Give the model a feature scaler for its `inputs` columns (a {@link StandardScaler} or its
   * JSON), or remove it with `null`. From then on every row passed to `fit`, `predictProba`,
   * `predict`, `evaluate` and `gradients` is standardised by it first, and `toJSON()` saves it.
   * The weights are not changed: set the scaler the model was (or will be) trained with.
   */
  setScaler(scaler: StandardScaler | ScalerJSON | null): void {
    this.live('setScaler');
    if (this.fitting) throw new GradwasmError('setScaler', 'setScaler was called while the model is fitting; await fit first');
    this.featureScaler = checkScaler(scaler, this.inputs, 'scaler');
  }

  /** The model as plain JSON (exact float32 round trip); `JSON.stringify(model)` uses it. */
  toJSON(): ModelJSON {
    const engine = this.live('toJSON');
    return modelToJSON({ inputs: this.inputs, layers: this.layers }, engine.getParameters(), this.featureScaler);
  }

  /** Free the model's memory. Any later call throws. */
  dispose(): void {
    this.engine?.dispose();
    this.engine = null;
  }

  private live(method: string): Backend {
    if (!this.engine) throw new GradwasmError(method, `${method} was called on a disposed model`);
    return this.engine;
  }

  /** Make the backend run `optimizer`, keeping its state if it already does (see FitOptions.optimizer). */
  private useOptimizer(engine: Backend, optimizer: Optimizer): void {
    const key = JSON.stringify(optimizer);
    if (key === this.optimizerKey) return;
    engine.setOptimizer(optimizer);
    this.optimizerKey = key;
  }

  /** Feature rows as the backend should see them: shape-checked, and standardised if the model has a scaler. */
  private features(x: Features, argument: string): Matrix {
    return this.scaled(toMatrix(x, this.inputs, argument), argument);
  }

  private scaled(matrix: Matrix, argument: string): Matrix {
    return this.featureScaler ? scaledMatrix(this.featureScaler, matrix, argument) : matrix;
  }
}


/** The history of no epochs yet (with the validation series when there is validation data). */
export function emptyHistory(validation: boolean): History {
  const history: History = { loss: [], accuracy: [], precision: [], recall: [], f1: [], learningRate: [] };
  if (validation) Object.assign(history, { valLoss: [], valAccuracy: [], valPrecision: [], valRecall: [], valF1: [], valAuc: [] });
  return history;
}

/** Throw unless a model of this architecture fits in memory: the 4 GiB of wasm32 on either
 *  backend, and the WebAssembly memory left (under setMemoryLimit) on 'wasm'. Checked before any
 *  weight is drawn, so that a model far too large is refused at once. */
async function checkMemory(architecture: Architecture, backend: BackendName, argument: string): Promise<void> {
  checkModelSize(planModel(architecture), architecture, argument);
  if (backend === 'wasm') await checkWasmModel(architecture, argument);
}

/** Append an epoch's log to the history (written out: this runs after every epoch). */
function record(h: History, log: EpochLog): void {
  h.loss.push(log.loss);
  h.accuracy.push(log.accuracy);
  h.precision.push(log.precision);
  h.recall.push(log.recall);
  h.f1.push(log.f1);
  h.learningRate.push(log.learningRate);
  if (log.valLoss !== undefined) {
    h.valLoss!.push(log.valLoss);
    h.valAccuracy!.push(log.valAccuracy!);
    h.valPrecision!.push(log.valPrecision!);
    h.valRecall!.push(log.valRecall!);
    h.valF1!.push(log.valF1!);
    h.valAuc!.push(log.valAuc!);
  }
}

/** Finite features and weights can still overflow float32 inside the network (∞ − ∞): say so
 *  instead of handing back a NaN probability. */
function rejectNaN(probabilities: Float32Array): Float32Array {
  const row = probabilities.findIndex(Number.isNaN);
  if (row >= 0) {
    throw new GradwasmError('x', `x row ${row} drives the network to NaN: a float32 overflow inside the model (features times weights past ±3.4e38); scale the features`);
  }
  return probabilities;
}
