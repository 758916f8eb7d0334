// The public model: validates everything the caller passes (src/model/options.ts, src/train/fit-options.ts), then hands float32
// copies to a backend ('wasm' or 'js') that does the numeric work.
import type { Architecture, LayerParameters, Gradients, LayerWeights } from '../network/architecture.js';
import type { Backend, BackendFactory, Trainer, BackendName } from '../backend/backend.js';
import { checkModelSize, planModel } from '../backend/plan.js';
import { checkWasmModel, createWasmBackend } from '../backend/wasm/wasm-backend.js';
import { checkObject, describe } from '../core/checks.js';
import { toMatrix, type Features, type Labels, type Matrix } from '../data/matrix.js';
import type { DataSource } from '../data/dataset.js';
import { BrokenModelError, DataError, OptionError } from '../core/errors.js';
import type { ModelAccess } from '../train/fit.js';
import { headOf, type Head, type Task } from '../heads/index.js';
import type { DenseLayer } from '../network/layers.js';
import { checkEvaluateOptions, rejectNaN, type EvaluateOptions, type Evaluation } from '../metrics/classification.js';
import { argmaxRows, type MulticlassEvaluation } from '../metrics/multiclass.js';
import { targetsEvaluation, type RegressionEvaluation } from '../metrics/regression.js';
import { scaledTargets, unscaleValues } from '../data/target-scaling.js';
import type { Activation } from '../network/layers.js';
import type { Optimizer } from '../network/optimizers.js';
import { Xoshiro128, glorotUniform } from '../core/prng.js';
import { scaledMatrix, type ScalerJSON, type StandardScaler } from '../data/scaler.js';
import { floatArray, modelFromJSON, modelToJSON, trainingToJSON, type ModelJSON } from '../network/model-json.js';
import type { EarlyStopperState } from '../train/early-stopping.js';
import { MAX_THREADS, checkCreateOptions, checkLoadOptions, checkScaler, type Threads } from './options.js';
import { availableThreads, threadsUnavailable } from '../backend/wasm/environment.js';
import type { ColumnNames } from '../data/column-names.js';
import type { CsvTable } from '../data/csv.js';
import type { ClassName } from '../data/classes.js';
import type { Dim, ModelGraph } from '../explain/graph.js';
import type { FitDatasetOptions, FitOptions } from '../train/fit-options.js';
import type { History } from '../train/history.js';

/** Training (src/train/fit.ts), loaded on the first fit: the browser build keeps it in a file of its own. */
const trainingCode = (): Promise<typeof import('../train/fit.js')> => import('../train/fit.js');

const BACKENDS: Record<BackendName, BackendFactory> = {
  wasm: createWasmBackend,
  js: async (architecture, parameters, rng) => (await import('../backend/js/js-backend.js')).createJsBackend(architecture, parameters, rng),
};

/** What each task's model gives: from predict (0/1 per row; the class index per row) and from evaluate. */
export interface TaskTypes {
  binary: { prediction: Uint8Array; evaluation: Evaluation };
  softmax: { prediction: Int32Array; evaluation: MulticlassEvaluation };
  regression: { prediction: Float32Array; evaluation: RegressionEvaluation };
}

/** What {@link Sequential.predict} gives a model of task T. */
export type Prediction<T extends Task> = TaskTypes[T]['prediction'];
/** What {@link Sequential.evaluate} gives a model of task T. */
export type EvaluationOf<T extends Task> = TaskTypes[T]['evaluation'];

/** The task a list of layers ends in, as far as their types tell: 'softmax' for a last layer
 *  made by `dense(k, 'softmax')`, 'regression' for `dense(1)` or `dense(1, 'linear')`, 'binary'
 *  for `dense(1, 'sigmoid')`. Of an array (not a tuple) the types tell only which activations
 *  its layers have, of which the last layer's is one: those that could end it. */
export type TaskOf<L extends readonly DenseLayer[]> = L extends readonly [...unknown[], infer Last extends DenseLayer]
  ? TaskOfActivations<Last['activation']>
  : TaskOfActivations<L[number]['activation']>;

/** The tasks a last layer whose activation is one of A can have (see TaskOf). */
export type TaskOfActivations<A extends Activation> = [A] extends ['softmax']
  ? 'softmax'
  : [A] extends ['linear']
    ? 'regression'
    : [A] extends ['sigmoid']
      ? 'binary'
      :
            | ('softmax' extends A ? 'softmax' : never)
            | ('linear' extends A ? 'regression' : never)
            | ('sigmoid' extends A ? 'binary' : never) extends infer T extends Task
        ? [T] extends [never]
          ? Task
          : T
        : Task;

/** Options of {@link Sequential.create}. */
export interface SequentialOptions<L extends readonly DenseLayer[] = readonly DenseLayer[]> {
  /** Features per row. */
  inputs: number;
  /** Dense layers in order; the last is `dense(1, 'sigmoid')` (a binary classifier) or `dense(k, 'softmax')` with k ≥ 2 (k classes). */
  layers: L;
  /** Seeds weight initialisation and shuffling (an integer in [0, 2³²)); same seed, same result. Default: random. */
  seed?: number;
  /** Default `'wasm'`. */
  backend?: BackendName;
  /**
   * A feature scaler (a {@link StandardScaler} or its JSON) for `inputs` columns: the model
   * applies it to every row it is given and saves it in its JSON. Default: none.
   */
  scaler?: StandardScaler | ScalerJSON | null;
  /**
   * A regression's target scaler (a {@link StandardScaler} of the targets, one column:
   * `StandardScaler.fit(y, { cols: 1 })`), as scikit-learn's TransformedTargetRegressor: the model
   * trains on targets standardised by it (its loss, history and gradients() are in those units),
   * and predict and evaluate give values in the targets' own units. The model file keeps it.
   * Default: none.
   */
  targetScaler?: StandardScaler | ScalerJSON | null;
  /**
   * Threads the model's work is shared out between (`'wasm'` only): a number from 1 to 256, or
   * `'auto'` (the default): every core in Node; in a browser, every core when the page is
   * cross-origin isolated, else 1. The weights, losses and predictions are the same bits for
   * every thread count. See {@link Sequential.threads}.
   */
  threads?: number | 'auto';
  /**
   * The feature columns' names, one per input, in input order. The model file keeps them, and
   * the command line matches a CSV file's columns to them by name. Default: none (a CsvTable
   * given to {@link Sequential.fit} brings its own).
   */
  featureNames?: readonly string[];
  /** The label column's name, which the model file keeps too. */
  labelName?: string;
  /** The classes' names or codes in class-index order (2 for a binary classifier, k for a softmax
   *  of k units), which {@link Sequential.predictClasses} says predictions by and the model file
   *  keeps. Default: none (a table read with `labels: 'classes'` brings its own to fit). */
  classes?: readonly ClassName[];
}

/** The optimizer every backend starts with. */
const SGD: Optimizer = { type: 'sgd' };

/**
 * A feed-forward network of dense layers ending in its head: one sigmoid unit, a binary
 * classifier (task 'binary'), or k softmax units, a classifier of k classes ('softmax'). T is the
 * task as the types know it (from create's layers; either, from a file).
 */
export class Sequential<T extends Task = Task> {
  /** Features per row. */
  readonly inputs: number;
  /** The layers, as created. */
  readonly layers: readonly DenseLayer[];
  /** Where this model computes. */
  readonly backend: BackendName;
  /** The threads its work is shared out between: `threads` as asked, 'auto' resolved. */
  readonly threads: number;
  /** Its task, from its last layer (src/heads/). */
  private readonly head: Head;

  /** What it predicts, as its last layer makes it: `'binary'` (one sigmoid unit, P(Y=1)) or `'softmax'` (k units, P(Y=j)). */
  get task(): T {
    return this.head.name as T;
  }

  /** Whether this model's task is `task` (and its types with it): a model read from a file is of either. */
  isTask<K extends Task>(task: K): this is Sequential<K> {
    return this.head.name === task;
  }

  /** What predictProba gives per row: the last layer's units (binary: 1; softmax: k). */
  private get width(): number {
    return this.layers[this.layers.length - 1]!.units;
  }

  private engine: Backend | null;
  private fitting = false;
  /** Calls that hold the backend across awaits (fit, fitDataset, evaluateDataset): a dispose()
   *  meanwhile frees its memory only once the last of them has let go. */
  private holds = 0;
  private featureScaler: StandardScaler | null;
  /** The optimizer the backend's optimizer state belongs to (see FitOptions.optimizer). */
  private optimizer: Optimizer = SGD;
  /** Epochs done by the last fit (or the checkpoint loaded): what the training state continues from. */
  private doneEpochs = 0;
  /** Early stopping's progress at that point, if the fit had it. */
  private stopperState: EarlyStopperState | null = null;
  private names: ColumnNames;
  /** A regression's target scaler, or null (see {@link SequentialOptions.targetScaler}). */
  readonly targetScaler: StandardScaler | null;

  /** The feature columns' names, in input order, when known (see {@link SequentialOptions.featureNames}); else null. */
  get featureNames(): readonly string[] | null {
    return this.names.features;
  }

  /** The label column's name, when known; else null. */
  get labelName(): string | null {
    return this.names.label;
  }

  /** The classes' names or codes in class-index order, when known (given to create, or recorded
   *  by fit from a table read with `labels: 'classes'`, or by a model file); else null. */
  get classNames(): readonly ClassName[] | null {
    return this.names.classes;
  }

  /** The classes it tells apart (2, or k for a softmax of k units), by index: {@link classNames}
   *  when known, else the indices 0…k−1 themselves. */
  get classes(): readonly ClassName[] {
    return this.names.classes ?? Array.from({ length: this.head.classes(this.width) }, (_, c) => c);
  }

  /** The epoch the last fit ended at — `epochs` of its last finished epoch — or the epoch a
   *  checkpoint loaded by fromJSON had reached: the `initialEpoch` that continues the run. */
  get epochsDone(): number {
    return this.doneEpochs;
  }

  private constructor(
    architecture: Architecture,
    backend: BackendName,
    engine: Backend,
    scaler: StandardScaler | null,
    threads: number,
    names: ColumnNames,
    targetScaler: StandardScaler | null,
  ) {
    this.inputs = architecture.inputs;
    this.layers = Object.freeze(architecture.layers.map((l) => Object.freeze({ type: 'dense' as const, ...l })));
    this.backend = backend;
    this.threads = threads;
    this.head = headOf('layers', architecture.layers);
    this.engine = engine;
    this.featureScaler = scaler;
    this.names = names;
    this.targetScaler = targetScaler;
  }

  /** Build a model with Glorot-uniform kernels and zero biases drawn from `seed`. */
  static async create<const L extends readonly DenseLayer[]>(options: SequentialOptions<L>): Promise<Sequential<TaskOf<L>>> {
    const { architecture, seed, backend, scaler, targetScaler, threads: asked, names } = checkCreateOptions(options);
    const threads = await resolveThreads(asked, backend, 'options.threads');
    await checkMemory(architecture, backend, 'options.layers', threads);
    const rng = new Xoshiro128(seed);
    let fanIn = architecture.inputs;
    const parameters = architecture.layers.map(({ units }) => {
      const weights = glorotUniform(rng, fanIn, units);
      fanIn = units;
      return { weights, bias: new Float32Array(units) };
    });
    const engine = await BACKENDS[backend](architecture, parameters, rng.state(), threads);
    return new Sequential<TaskOf<L>>(architecture, backend, engine, scaler, threads, names, targetScaler);
  }

  /**
   * Load a model saved by {@link Sequential.toJSON} (the object or its JSON text). A file with its
   * training state (`toJSON({ training: true })`) comes back with it: training continues with
   * `fit(…, { initialEpoch })` exactly as it would have gone on (then `seed` may not be given: the
   * state has its own generator).
   */
  static async fromJSON(json: ModelJSON | string, options: { backend?: BackendName; seed?: number; threads?: number | 'auto' } = {}): Promise<Sequential> {
    const { seed, backend, threads: asked } = checkLoadOptions(options);
    const threads = await resolveThreads(asked, backend, 'options.threads');
    const file = modelFromJSON(json);
    const { architecture, parameters, scaler, names, targetScaler } = file;
    const training = file.training === undefined ? null : (await trainingCode()).trainingFromJSON(file.training, architecture, 'json.training');
    if (training && (options as { seed?: unknown }).seed !== undefined) {
      throw new OptionError('options.seed', 'options.seed cannot be given for a model saved with its training state: it carries its own shuffling generator');
    }
    await checkMemory(architecture, backend, 'json.layers', threads);
    const rng = training ? training.state.rng : new Xoshiro128(seed).state();
    const model = new Sequential(architecture, backend, await BACKENDS[backend](architecture, parameters, rng, threads), scaler, threads, names, targetScaler);
    if (training) {
      const trainer = model.engine!.trainer((await trainingCode()).makeWasmTrainer);
      model.useOptimizer(trainer, training.optimizer);
      trainer.setTrainingState(training.state);
      model.doneEpochs = training.epoch;
      model.stopperState = training.earlyStopping;
    }
    return model;
  }

  /**
   * Train by gradient descent on mean binary cross-entropy. Each epoch runs in calls of many
   * batches into the backend (about 50 ms of work each); between them `fit` yields to the event
   * loop, and after each epoch it reports progress. Given a table read by `parseCsv`/`readCsv`
   * (with a header), the model keeps its column names ({@link featureNames}, {@link labelName}).
   */
  async fit(table: CsvTable, options?: FitOptions): Promise<History>;
  async fit(x: Features, y: Labels, options?: FitOptions): Promise<History>;
  async fit(x: Features | CsvTable, y?: Labels | FitOptions, options: FitOptions = {}): Promise<History> {
    if (!isCsvTable(x)) return this.training('fit', async (model) => (await trainingCode()).fit(model, x, y as Labels, options));
    const names = x.header || x.classes ? (await trainingCode()).namesOfTable(x, this.names, this.inputs, this.classes.length) : this.names;
    const history = await this.training('fit', async (model) => (await trainingCode()).fit(model, x.x, x.y, (y ?? {}) as FitOptions));
    this.names = names;
    return history;
  }

  /**
   * Train on data that arrives in chunks — from a file larger than memory (`csvDataset`,
   * `npyDataset` of `gradwasm/node`), a generator, or an array of chunks — read anew for every
   * epoch (TensorFlow.js's fitDataset). Rows are batched in the order they come, `batchSize` at a
   * time however the chunks are cut (the default: all rows, full-batch descent), and only a
   * bounded number of them is held at once. With `shuffle: false`, or no `shuffleBuffer`, the
   * weights and history are bit for bit those of `fit` on the same rows in the same order.
   * Options: those of `fit` (`validationSplit` needs a source that knows its row count; its last
   * rows validate), plus `shuffleBuffer`, and `initialEpoch` and `checkpoint` as `fit` has them.
   */
  async fitDataset(source: DataSource, options: FitDatasetOptions = {}): Promise<History> {
    return this.training('fitDataset', async (model) => (await trainingCode()).fitDataset(model, source, options));
  }

  /**
   * {@link evaluate} over a source of chunks (a file too large for memory: `csvDataset`,
   * `npyDataset`), read once, a chunk at a time; it keeps one probability and one label per row
   * (for the ROC AUC), never the rows.
   */
  async evaluateDataset(source: DataSource, options: EvaluateOptions = {}): Promise<EvaluationOf<T>> {
    const engine = this.live('evaluateDataset');
    return this.holding(
      engine,
      async () => (await trainingCode()).evaluateDataset(this.access('evaluateDataset'), source, options) as Promise<EvaluationOf<T>>,
    );
  }

  /** Run `work` as the model's one fit: a second one at the same time is refused, and setScaler waits. */
  private async training<T>(method: string, work: (model: ModelAccess) => Promise<T>): Promise<T> {
    const engine = this.live(method);
    if (this.fitting) throw new OptionError('fit', `${method} was called while this model is already fitting; await the first call`);
    this.fitting = true;
    try {
      return await this.holding(engine, async () => work(this.access(method, engine.trainer((await trainingCode()).makeWasmTrainer))));
    } finally {
      this.fitting = false;
    }
  }

  /** Run `work`, which uses `engine` across awaits: a dispose() in the meantime (from a callback
   *  of the fit, say) makes the model unusable at once, but frees the memory the call is still
   *  using — the descriptor its cleanup writes to — only when the call is over. */
  private async holding<T>(engine: Backend, work: () => Promise<T>): Promise<T> {
    this.holds++;
    try {
      return await work();
    } finally {
      if (--this.holds === 0 && this.engine === null) engine.dispose();
    }
  }

  /** What src/train/fit.ts reaches of this model while it trains (or evaluates a source: no trainer). */
  private access(method: string, trainer: Trainer | null = null): ModelAccess {
    const engine = this.live(method);
    const model = this; // eslint-disable-line @typescript-eslint/no-this-alias
    return {
      inputs: this.inputs,
      head: this.head,
      width: this.width,
      labelWidth: this.head.labelWidth(this.width),
      labels: (y, rows, argument) => this.trainingTargets(this.head.labels(y, rows, argument, this.width)),
      rawLabels: (y, rows, argument) => this.head.labels(y, rows, argument, this.width),
      targetScaler: this.targetScaler,
      engine,
      get trainer() {
        if (!trainer) throw new Error(`gradwasm: ${method} does not train`);
        return trainer;
      },
      scaler: this.featureScaler,
      live: () => this.engine !== null,
      get optimizer() {
        return model.optimizer;
      },
      useOptimizer: (optimizer) => this.useOptimizer(trainer!, optimizer),
      get epochsDone() {
        return model.doneEpochs;
      },
      set epochsDone(value) {
        model.doneEpochs = value;
      },
      get stopperState() {
        return model.stopperState;
      },
      set stopperState(value) {
        model.stopperState = value;
      },
      features: (x, argument) => this.features(x, argument),
      scaled: (matrix, argument) => this.scaled(matrix, argument),
      trainingJSON: () => this.toJSON({ training: true }),
    };
  }

  /** As float32: P(Y=1) for every row (binary); P(Y=j) for every row and class, rows × k row-major (softmax). */
  predictProba(x: Features): Float32Array {
    const engine = this.live('predictProba');
    if (this.head.name === 'regression')
      throw new OptionError('predictProba', 'predictProba is for classifiers; this model is a regression: call predict for its values');
    return rejectNaN(engine.predict(this.features(x, 'x')));
  }

  /** Binary: 1 where P(Y=1) > threshold (default 0.5), else 0. Softmax: each row's most probable
   *  class, the first on a tie (as numpy's argmax); no threshold. */
  predict(x: Features, threshold?: number): Prediction<T> {
    if (this.head.name === 'regression') {
      if (threshold !== undefined) throw new OptionError('threshold', 'threshold is for binary classifiers, not for a regression');
      const engine = this.live('predict');
      const values = rejectNaN(engine.predict(this.features(x, 'x')));
      return (this.targetScaler ? unscaleValues(values, this.targetScaler) : values) as Prediction<T>;
    }
    if (this.head.name === 'softmax') {
      if (threshold !== undefined) throw new OptionError('threshold', `threshold is for binary classifiers, not for ${this.width} classes`);
      this.live('predict');
      return argmaxRows(this.predictProba(x), this.width) as Prediction<T>;
    }
    if (threshold === undefined) threshold = 0.5;
    if (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1)) {
      throw new OptionError('threshold', `threshold must be a number in [0, 1], got ${describe(threshold)}`);
    }
    this.live('predict');
    const p = this.predictProba(x);
    const classes = new Uint8Array(p.length);
    for (let i = 0; i < p.length; i++) classes[i] = p[i]! > threshold ? 1 : 0;
    return classes as Prediction<T>;
  }

  /** Each row's predicted class as {@link classes} names it: `predict` mapped through the classes
   *  (at `threshold`, for a binary classifier). */
  predictClasses(x: Features, threshold?: number): ClassName[] {
    if (this.head.name === 'regression')
      throw new OptionError('predictClasses', 'predictClasses is for classifiers; this model is a regression: call predict for its values');
    const classes = this.classes;
    return Array.from(this.predict(x, threshold) as Uint8Array | Int32Array, (c) => classes[c]!);
  }

  /**
   * Mean BCE over labelled rows, and how the model classifies them: accuracy, precision, recall
   * and F1 at `threshold` (default 0.5; a row is predicted positive when P(Y=1) > threshold, as
   * {@link predict} does), the ROC AUC, and the confusion matrix.
   */
  evaluate(x: Features, y: Labels, options: EvaluateOptions = {}): EvaluationOf<T> {
    const engine = this.live('evaluate');
    const threshold = checkEvaluateOptions(options);
    const matrix = this.features(x, 'x');
    const labels = this.head.labels(y, matrix.rows, 'y', this.width);
    const outputs = new Float32Array(matrix.rows * this.width);
    const stats = engine.evaluate({ x: matrix, y: this.trainingTargets(labels) }, outputs);
    if (this.targetScaler) return targetsEvaluation(labels, unscaleValues(outputs, this.targetScaler), this.width) as EvaluationOf<T>;
    return this.head.evaluation(stats, { labels, outputs }, threshold, this.width) as EvaluationOf<T>;
  }

  /** ∂(mean BCE)/∂ every weight and bias over all rows, by back-propagation; nothing is updated.
   *  Not while the model is fitting (evaluate and predict may be called then). */
  gradients(x: Features, y: Labels): Gradients {
    const engine = this.live('gradients');
    // (a fit keeps a batch's sums between its runs of batches, where this one would put its own)
    if (this.fitting) throw new OptionError('gradients', 'gradients was called while this model is fitting; await the fit first');
    const matrix = this.features(x, 'x');
    const { stats, layers } = engine.gradients({ x: matrix, y: this.trainingTargets(this.head.labels(y, matrix.rows, 'y', this.width)) });
    if (Number.isNaN(stats.lossSum) || layers.some((l) => l.weights.some(Number.isNaN) || l.bias.some(Number.isNaN))) {
      throw new DataError('x', 'x drives the network to NaN: a float32 overflow inside the model (features times weights past ±3.4e38); scale the features');
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
      throw new OptionError('weights', `weights must be an array of ${this.layers.length} layers, got ${describe(weights)}`);
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

  /** Labels as the core trains on them: a regression's targets standardised by its target scaler, if it has one. */
  private trainingTargets(labels: Float32Array): Float32Array {
    return this.targetScaler ? scaledTargets(labels, this.targetScaler) : labels;
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
    if (this.fitting) throw new OptionError('setScaler', 'setScaler was called while the model is fitting; await fit first');
    this.featureScaler = checkScaler(scaler, this.inputs, 'scaler');
  }

  /**
   * The model as plain JSON (exact float32 round trip); `JSON.stringify(model)` uses it. With
   * `{ training: true }` it carries its training state too — the optimizer's moments, the
   * shuffling generator, the epochs done, early stopping's progress — so that `fromJSON` and
   * `fit(…, { initialEpoch })` continue the run exactly where it was.
   */
  toJSON(options?: { training?: boolean } | string): ModelJSON {
    const engine = this.live('toJSON');
    const json = modelToJSON({ inputs: this.inputs, layers: this.layers }, engine.getParameters(), this.featureScaler, this.names, this.targetScaler);
    if (typeof options !== 'object' || options === null || !options.training) return json;
    json.training = trainingToJSON({
      epoch: this.doneEpochs,
      optimizer: this.optimizer,
      state: engine.getTrainingState(),
      earlyStopping: this.stopperState,
    });
    return json;
  }

  /**
   * The computational graph of this model: per layer the product with the kernel, the bias add
   * and the activation, then the BCE from the logit split into the article's blocks; `rows`
   * names or sizes the batch dimension. It needs `import 'gradwasm/explain'` (which defines it;
   * without that import it throws a GradwasmError saying so) — or call `graph(model, rows)`.
   */
  graph(rows?: Dim): ModelGraph {
    void rows;
    // (worded without the import statement itself: the browser bundle is checked for none)
    throw new OptionError(
      'graph',
      "model.graph() is defined by the module gradwasm/explain: importing it once gives every model graph(); or call graph(model) from 'gradwasm'",
    );
  }

  /** Free the model's memory. Any later call throws; a fit under way stops at its next pause
   *  (rejecting with a GradwasmError), and the memory is freed once it has stopped. */
  dispose(): void {
    if (this.engine && this.holds === 0) this.engine.dispose();
    this.engine = null;
  }

  private live(method: string): Backend {
    if (!this.engine) throw new BrokenModelError(method, `${method} was called on a disposed model`, { disposed: true });
    return this.engine;
  }

  /** Make the backend run `optimizer`, keeping its state if it already does (see FitOptions.optimizer). */
  private useOptimizer(trainer: Trainer, optimizer: Optimizer): void {
    if (JSON.stringify(optimizer) === JSON.stringify(this.optimizer)) return;
    trainer.setOptimizer(optimizer);
    this.optimizer = optimizer;
  }

  /** Feature rows as the backend should see them: shape-checked, and standardised if the model has a scaler. */
  private features(x: Features, argument: string): Matrix {
    return this.scaled(toMatrix(x, this.inputs, argument), argument);
  }

  private scaled(matrix: Matrix, argument: string): Matrix {
    return this.featureScaler ? scaledMatrix(this.featureScaler, matrix, argument) : matrix;
  }
}

/** Throw unless a model of this architecture fits in memory: the 4 GiB of wasm32 on either
 *  backend, and the WebAssembly memory left (under setMemoryLimit) on 'wasm'. Checked before any
 *  weight is drawn, so that a model far too large is refused at once. */
async function checkMemory(architecture: Architecture, backend: BackendName, argument: string, threads: number): Promise<void> {
  checkModelSize(planModel(architecture), architecture, argument);
  if (backend === 'wasm') await checkWasmModel(architecture, argument, threads);
}

/** The threads a model gets: 'auto' as many as there are cores ('js': one); a count above one
 *  refused where threads cannot be had (a page that is not cross-origin isolated). */
async function resolveThreads(threads: Threads, backend: BackendName, argument: string): Promise<number> {
  if (backend === 'js') return 1;
  if (threads === 'auto') return Math.min(MAX_THREADS, await availableThreads());
  const why = threads > 1 ? threadsUnavailable() : null;
  if (why) throw new OptionError(argument, `${argument} is ${threads}, but ${why}`);
  return threads;
}

/** A table from parseCsv/readCsv: its rows, labels and column names. */
function isCsvTable(x: unknown): x is CsvTable {
  return (
    typeof x === 'object' &&
    x !== null &&
    !Array.isArray(x) &&
    !ArrayBuffer.isView(x) &&
    'x' in x &&
    'y' in x &&
    Array.isArray((x as CsvTable).features) &&
    typeof (x as CsvTable).label === 'string'
  );
}
