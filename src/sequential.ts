// The public model: validates everything the caller passes, then hands float32 copies to a
// backend ('wasm' or 'js') that does the numeric work.
import type { Architecture, Backend, BackendFactory, Dataset, LayerParameters, PassStats } from './backend/backend.js';
import { createJsBackend } from './backend/js.js';
import { createWasmBackend } from './backend/wasm.js';
import { toLabels, toMatrix, type Features, type Labels, type Matrix } from './data.js';
import { GradwasmError, checkInteger, checkKeys, checkObject, describe } from './errors.js';
import type { DenseLayer } from './layers.js';
import { checkActivation, MAX_UNITS } from './layers.js';
import { Xoshiro128, glorotUniform } from './prng.js';
import { scaledMatrix, scalerFromJSON, type ScalerJSON, type StandardScaler } from './scaler.js';
import { checkOutputLayer, floatArray, modelFromJSON, modelToJSON, type ModelJSON } from './serialize.js';
import { yieldToEventLoop } from './yield.js';

/** Where the numbers are computed: the WebAssembly core, or its pure-TypeScript twin. */
export type BackendName = 'wasm' | 'js';

const BACKENDS: Record<BackendName, BackendFactory> = { wasm: createWasmBackend, js: createJsBackend };

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

/** What {@link Sequential.fit} passes to `onEpochEnd` after each epoch. */
export interface EpochLog {
  /** 0-based. */
  epoch: number;
  /** Mean BCE over the epoch's samples, each taken on the forward pass of its batch. */
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
}

/** Options of {@link Sequential.fit}. */
export interface FitOptions {
  /** Passes over the data. Default 1. */
  epochs?: number;
  /** The SGD step size λ: W ← W − λ·∂L/∂W. Default 0.01. */
  learningRate?: number;
  /** Rows per update. Default: all rows (full-batch gradient descent); 1 is stochastic gradient descent. */
  batchSize?: number;
  /** Visit rows in a new seeded order each epoch. Default true. */
  shuffle?: boolean;
  /** Rows and labels evaluated after every epoch. */
  validationData?: readonly [Features, Labels];
  /** Called after every epoch; return `false` (or a promise of it) to stop training. */
  onEpochEnd?: (log: EpochLog) => boolean | void | Promise<boolean | void>;
}

/** Per-epoch metrics returned by {@link Sequential.fit}. */
export interface History {
  loss: number[];
  accuracy: number[];
  valLoss?: number[];
  valAccuracy?: number[];
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

const CREATE_KEYS = ['inputs', 'layers', 'seed', 'backend', 'scaler'] as const;
const FIT_KEYS = ['epochs', 'learningRate', 'batchSize', 'shuffle', 'validationData', 'onEpochEnd'] as const;

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
    return new Sequential(architecture, backend, await BACKENDS[backend](architecture, parameters, rng.state()), scaler);
  }

  /**
   * Train by gradient descent on mean binary cross-entropy. Each epoch runs in one call into
   * the backend; between epochs `fit` reports progress and yields to the event loop.
   */
  async fit(x: Features, y: Labels, options: FitOptions = {}): Promise<History> {
    const engine = this.live('fit');
    if (this.fitting) throw new GradwasmError('fit', 'fit was called while this model is already fitting; await the first call');
    const o = checkObject('options', options);
    checkKeys('options', o, FIT_KEYS);
    const train = this.features(x, 'x');
    const labels = toLabels(y, train.rows, 'y');
    const { epochs, learningRate: lr32, batchSize, shuffle, onEpochEnd, validation } = checkFitOptions(o, this.inputs, train.rows);

    this.fitting = true;
    const held: Dataset[] = [];
    try {
      const data = engine.load(train, labels);
      held.push(data);
      const valData = validation ? engine.load(this.scaled(validation.x, 'options.validationData[0]'), validation.y) : null;
      if (valData) held.push(valData);
      const history: History = valData ? { loss: [], accuracy: [], valLoss: [], valAccuracy: [] } : { loss: [], accuracy: [] };
      for (let epoch = 0; epoch < epochs; epoch++) {
        // One batch of all rows is the same sum in any order: skip the shuffle and its copy.
        const log: EpochLog = { epoch, ...means(engine.trainEpoch(data, batchSize, lr32, shuffle && batchSize < data.rows), data.rows) };
        if (valData) {
          const v = means(engine.evaluate(valData), valData.rows);
          log.valLoss = v.loss;
          log.valAccuracy = v.accuracy;
          history.valLoss!.push(v.loss);
          history.valAccuracy!.push(v.accuracy);
        }
        history.loss.push(log.loss);
        history.accuracy.push(log.accuracy);
        if (onEpochEnd && (await onEpochEnd(log)) === false) break;
        await yieldToEventLoop();
        if (!this.engine) throw new GradwasmError('fit', 'the model was disposed while fitting');
      }
      return history;
    } finally {
      for (const d of held) d.release();
      this.fitting = false;
    }
  }

  /** P(Y=1) for every row, as float32. */
  predictProba(x: Features): Float32Array {
    const engine = this.live('predictProba');
    const data = engine.load(this.features(x, 'x'), null);
    try {
      return engine.predict(data);
    } finally {
      data.release();
    }
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

  /** Mean BCE and accuracy (threshold 0.5) over labelled rows. */
  evaluate(x: Features, y: Labels): { loss: number; accuracy: number } {
    const engine = this.live('evaluate');
    const data = this.loadLabelled(engine, x, y);
    try {
      return means(engine.evaluate(data), data.rows);
    } finally {
      data.release();
    }
  }

  /** ∂(mean BCE)/∂ every weight and bias over all rows, by back-propagation; nothing is updated. */
  gradients(x: Features, y: Labels): Gradients {
    const engine = this.live('gradients');
    const data = this.loadLabelled(engine, x, y);
    try {
      const { stats, layers } = engine.gradients(data);
      return { loss: stats.lossSum / data.rows, layers };
    } finally {
      data.release();
    }
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

  private loadLabelled(engine: Backend, x: Features, y: Labels): Dataset {
    const matrix = this.features(x, 'x');
    return engine.load(matrix, toLabels(y, matrix.rows, 'y'));
  }

  /** Feature rows as the backend should see them: shape-checked, and standardised if the model has a scaler. */
  private features(x: Features, argument: string): Matrix {
    return this.scaled(toMatrix(x, this.inputs, argument), argument);
  }

  private scaled(matrix: Matrix, argument: string): Matrix {
    return this.featureScaler ? scaledMatrix(this.featureScaler, matrix, argument) : matrix;
  }
}

function means(stats: PassStats, rows: number): { loss: number; accuracy: number } {
  return { loss: stats.lossSum / rows, accuracy: stats.correct / rows };
}

// The checks of create, fromJSON and fit, shared with trainInWorker (src/worker/host.ts), which
// passes its own argument name (e.g. 'options.model') so that messages name what the caller wrote.

/** {@link SequentialOptions}, checked; a missing seed is drawn at random here. */
export function checkCreateOptions(options: unknown, name = 'options'): { architecture: Architecture; seed: number; backend: BackendName; scaler: StandardScaler | null } {
  const o = checkObject(name, options);
  checkKeys(name, o, CREATE_KEYS);
  const inputs = checkInteger(`${name}.inputs`, o.inputs, 1, MAX_UNITS);
  const architecture = { inputs, layers: checkLayers(o.layers, `${name}.layers`) };
  const seed = checkSeed(o.seed, `${name}.seed`);
  const backend = checkBackend(`${name}.backend`, o.backend);
  return { architecture, seed, backend, scaler: checkScaler(o.scaler ?? null, inputs, `${name}.scaler`) };
}

/** A scaler (instance or JSON) for `inputs` columns, or null. */
function checkScaler(value: unknown, inputs: number, name: string): StandardScaler | null {
  if (value === null) return null;
  const scaler = scalerFromJSON(value, name);
  if (scaler.cols !== inputs) throw new GradwasmError(name, `${name} has ${scaler.cols} columns, but the model has ${inputs} inputs`);
  return scaler;
}

/** The options of {@link Sequential.fromJSON}, checked. */
export function checkLoadOptions(options: unknown, name = 'options'): { seed: number; backend: BackendName } {
  const o = checkObject(name, options);
  checkKeys(name, o, ['backend', 'seed']);
  const backend = checkBackend(`${name}.backend`, o.backend);
  return { seed: checkSeed(o.seed, `${name}.seed`), backend };
}

/** {@link FitOptions} checked for a model of `inputs` inputs and `rows` training rows (unknown keys are the caller's check). */
export function checkFitOptions(o: Record<string, unknown>, inputs: number, rows: number, name = 'options'): {
  epochs: number;
  /** λ as a float32. */
  learningRate: number;
  /** At most `rows`. */
  batchSize: number;
  shuffle: boolean;
  onEpochEnd: FitOptions['onEpochEnd'];
  validation: { x: Matrix; y: Float32Array } | null;
} {
  const epochs = o.epochs === undefined ? 1 : checkInteger(`${name}.epochs`, o.epochs, 1);
  const learningRate: unknown = o.learningRate === undefined ? 0.01 : o.learningRate;
  // The kernels take λ as a float32: it must stay finite and non-zero once rounded.
  const lr32 = typeof learningRate === 'number' ? Math.fround(learningRate) : NaN;
  if (!(lr32 > 0) || !Number.isFinite(lr32)) {
    throw new GradwasmError(`${name}.learningRate`, `${name}.learningRate must be a finite number > 0 (as a float32), got ${describe(learningRate)}`);
  }
  const batchSize = Math.min(rows, o.batchSize === undefined ? rows : checkInteger(`${name}.batchSize`, o.batchSize, 1));
  const shuffle = o.shuffle === undefined ? true : o.shuffle;
  if (typeof shuffle !== 'boolean') throw new GradwasmError(`${name}.shuffle`, `${name}.shuffle must be true or false, got ${describe(shuffle)}`);
  const onEpochEnd = o.onEpochEnd;
  if (onEpochEnd !== undefined && typeof onEpochEnd !== 'function') {
    throw new GradwasmError(`${name}.onEpochEnd`, `${name}.onEpochEnd must be a function, got ${describe(onEpochEnd)}`);
  }
  const validation = o.validationData === undefined ? null : checkValidation(o.validationData, inputs, `${name}.validationData`);
  return { epochs, learningRate: lr32, batchSize, shuffle, onEpochEnd: onEpochEnd as FitOptions['onEpochEnd'], validation };
}

function checkValidation(value: unknown, inputs: number, name: string): { x: Matrix; y: Float32Array } {
  if (!Array.isArray(value) || value.length !== 2) {
    throw new GradwasmError(name, `${name} must be [x, y], got ${describe(value)}`);
  }
  const x = toMatrix(value[0], inputs, `${name}[0]`);
  return { x, y: toLabels(value[1], x.rows, `${name}[1]`) };
}

function checkLayers(value: unknown, name: string): { units: number; activation: DenseLayer['activation'] }[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new GradwasmError(name, `${name} must be a non-empty array of dense() layers, got ${describe(value)}`);
  }
  const layers = value.map((raw: unknown, l: number) => {
    const layer = checkObject(`${name}[${l}]`, raw);
    if (layer.type !== 'dense') {
      throw new GradwasmError(`${name}[${l}]`, `${name}[${l}] must be made with dense(), got type ${describe(layer.type)}`);
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
    throw new GradwasmError(argument, `${argument} must be 'wasm' or 'js', got ${describe(value)}`);
  }
  return value;
}
