// Training, for fit(), fitDataset() and evaluateDataset() of Sequential: the epochs — the
// learning-rate schedule, the snapshot a divergence, an error or a cancel goes back to, the
// history, early stopping, checkpoints, onEpochEnd — around one epoch over data held in memory
// or arriving in chunks. A module of its own, loaded on the first fit, so that a page that only
// predicts never downloads it (the browser build makes it gradwasm.training.js); it reaches the
// model through the ModelAccess the model hands it.
import type { Backend, Dataset, MakeTrainer, Trainer } from '../backend/backend.js';
import type { LayerParameters } from '../network/architecture.js';
import type { Head } from '../heads/index.js';
import type { MulticlassEvaluation } from '../metrics/multiclass.js';
import { targetsEvaluation, type RegressionEvaluation } from '../metrics/regression.js';
import { scaledTargets, unscaleValues } from '../data/target-scaling.js';
import { checkEvaluateOptions, type PassStats, type Evaluation, type EvaluateOptions } from '../metrics/classification.js';
import type { WasmBackend } from '../backend/wasm/wasm-backend.js';
import { WasmTrainer } from '../backend/wasm/trainer.js';
import { checkInteger, checkKeys, checkObject } from '../core/checks.js';
import { rowRange, type Features, type Labels, type Matrix } from '../data/matrix.js';
import { PassTally, ShuffleWindow, checkSource, chunks, concatFloats, isPair, rowsOf, type DataSource } from '../data/dataset.js';
import { BrokenModelError, OptionError } from '../core/errors.js';
import { FIT_KEYS, checkFitOptions, type CheckedFitOptions, type FitDatasetOptions, type FitOptions } from './fit-options.js';
import { Lbfgs as LbfgsRun, type Evaluation as LbfgsPoint } from './lbfgs.js';
import { scheduledRate, type Lbfgs, type Optimizer } from '../network/optimizers.js';
import { Xoshiro128 } from '../core/prng.js';
import type { StandardScaler } from '../data/scaler.js';
import type { ModelJSON } from '../network/model-json.js';
import { emptyHistory, record, type EpochLog, type History } from './history.js';
import { EarlyStopper, checkResumedMonitor, type EarlyStopperState } from './early-stopping.js';
import { PACE_MS, Pace } from './pace.js';
import { divergenceError, largestMagnitude } from './divergence.js';
import { splitRows } from '../data/split.js';
import { ClassWeights, balancedWeights, rowWeights, type CheckedClassWeight } from '../data/row-weights.js';
import { yieldToEventLoop } from '../core/yield.js';

/** The 'wasm' backend's trainer: its training half travels with the training code, which hands it to the backend (Backend.trainer). */
/** (what Sequential.fromJSON reads a saved training state with: it comes with the training code) */
export { trainingFromJSON } from '../network/training-json.js';

export const makeWasmTrainer: MakeTrainer = (backend) => new WasmTrainer(backend as WasmBackend);

/** What training needs of a model: its backend and scaler, and the state it keeps between fits. */
export { namesOfTable } from './table-names.js';

export interface ModelAccess {
  readonly inputs: number;
  /** The task its last layer gives it: its labels, its metrics (src/heads/). */
  readonly head: Head;
  /** What predict gives per row: the last layer's units (binary: 1; softmax: k). */
  readonly width: number;
  /** Labels per row: one, or a regression's target per output. */
  readonly labelWidth: number;
  /** Labels checked by its head, one per row, as the core trains on them (a regression's targets
   *  scaled by its target scaler); errors name `argument`. */
  labels(y: unknown, rows: number, argument: string): Float32Array;
  /** The same, as given (not scaled). */
  rawLabels(y: unknown, rows: number, argument: string): Float32Array;
  /** A regression's target scaler, or null. */
  readonly targetScaler: StandardScaler | null;
  /** The model's backend (live when the call began), and what trains it. */
  readonly engine: Backend;
  readonly trainer: Trainer;
  readonly scaler: StandardScaler | null;
  /** False once the model is disposed. */
  live(): boolean;
  /** The optimizer its state belongs to; useOptimizer() changes it (and starts a fresh state). */
  readonly optimizer: Optimizer;
  useOptimizer(optimizer: Optimizer): void;
  /** Epochs done by the last fit (or the checkpoint loaded), and early stopping's progress then. */
  epochsDone: number;
  stopperState: EarlyStopperState | null;
  /** Rows as the model reads them: checked, and scaled by its scaler. */
  features(x: Features, argument: string): Matrix;
  scaled(matrix: Matrix, argument: string): Matrix;
  /** toJSON({ training: true }). */
  trainingJSON(): ModelJSON;
}

/** What trains one epoch for runEpochs: the data held in memory, or a stream. */
interface EpochRunner {
  /** Batches per epoch, if known (for messages). */
  batches: number | null;
  /** Whether the epochs are validated. */
  validates: boolean;
  /** The largest |feature|, for a divergence's message (0: not known). */
  features: () => number;
  epoch(epoch: number, learningRate: number, pace: Pace): Promise<EpochOutcome>;
}

/** An epoch trained (with its validation, if any), stopped by a cancel, or diverged at a batch
 *  (L-BFGS: with the loss it saw). L-BFGS's epochs say their step length, and when the run has
 *  converged ('stopped': no step found, nothing to record). */
type EpochOutcome =
  | 'aborted'
  | 'stopped'
  | { diverged: number; loss?: number }
  | {
      stats: PassStats;
      rows: number;
      validation: { stats: PassStats; rows: number; labels: Float32Array; probabilities: Float32Array } | null;
      learningRate?: number;
      converged?: boolean;
    };

/**
 * Train by gradient descent on mean binary cross-entropy. Each epoch runs in calls of many
 * batches into the backend (about 50 ms of work each); between them `fit` yields to the event
 * loop, and after each epoch it reports progress.
 */
export async function fit(m: ModelAccess, x: Features, y: Labels, options: FitOptions = {}): Promise<History> {
  const engine = m.engine,
    trainer = m.trainer;
  const o = checkObject('options', options);
  checkKeys('options', o, FIT_KEYS);
  const features = m.features(x, 'x');
  let train = { x: features, y: m.labels(y, features.rows, 'y') };
  const fit = checkFitOptions(o, m, train.x.rows);
  let validation = fit.validation ? { x: m.scaled(fit.validation.x, 'options.validationData[0]'), y: fit.validation.y } : null;
  if (fit.validationSplit !== null) [train, validation] = splitRows(train.x, train.y, fit.trainRows, m.labelWidth);
  // Each training row's weight (validation rows are scored unweighted, as evaluate() scores them).
  const weights = rowWeights(
    train.y,
    fit.classWeight,
    fit.sampleWeight && fit.sampleWeight.subarray(0, train.x.rows),
    WEIGHT_NAMES,
    m.head.classes(m.width),
    train.x.rows,
  );
  if (fit.lbfgs) {
    // the training rows copied in (checked, scaled) once: every evaluation of the objective reads them there
    const rows = train.x.rows;
    const held = trainer.loadFit(
      { trainRows: rows, validationRows: 0, batchSize: rows, shuffle: false, weighted: false },
      { ...train, weights: null },
      null,
    ).train;
    try {
      return await runEpochs(m, fit, lbfgsRunner(m, fit, fit.lbfgs, train, held, validation));
    } finally {
      held.release();
    }
  }
  const { batchSize } = fit;
  // One batch of all rows is the same sum in any order: skip the shuffle and its copy.
  const shuffle = fit.shuffle && batchSize < train.x.rows;

  const held: Dataset[] = [];
  try {
    const loaded = trainer.loadFit(
      { trainRows: train.x.rows, validationRows: validation?.x.rows ?? 0, batchSize, shuffle, weighted: weights !== null },
      { ...train, weights },
      validation,
    );
    const data = loaded.train,
      valData = loaded.validation;
    held.push(data, ...(valData ? [valData] : []));
    const batches = Math.ceil(data.rows / batchSize);
    const probabilities = valData ? new Float32Array(valData.rows * m.width) : null;
    return await runEpochs(m, fit, {
      batches,
      validates: valData !== null,
      features: () => largestMagnitude(train.x),
      epoch: async (epoch, learningRate, pace) => {
        trainer.beginEpoch(data, shuffle);
        for (let batch = 0; batch < batches;) {
          const count = pace.batches(batches - batch);
          const began = performance.now();
          const divergedAt = trainer.trainBatches(data, batch, count, batchSize, learningRate, fit.weightDecay);
          if (divergedAt >= 0) return { diverged: divergedAt };
          pace.measured(count, performance.now() - began);
          batch += count;
          fit.onProgress?.({ epoch, rows: Math.min(data.rows, batch * batchSize) });
          if (batch < batches && (await pause(m, fit.signal))) return 'aborted';
        }
        const stats = trainer.epochStats();
        const valStats = valData ? engine.evaluate(valData, probabilities) : null;
        return {
          stats,
          rows: data.rows,
          validation: valStats && { stats: valStats, rows: valData!.rows, labels: validation!.y, probabilities: probabilities! },
        };
      },
    });
  } finally {
    for (const d of held) d.release();
  }
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
export async function fitDataset(m: ModelAccess, source: DataSource, options: FitDatasetOptions = {}): Promise<History> {
  const trainer = m.trainer;
  const data = checkSource(source);
  const o = checkObject('options', options);
  checkKeys('options', o, [...FIT_KEYS, 'shuffleBuffer']);
  if (o.optimizer === 'lbfgs' || (typeof o.optimizer === 'object' && (o.optimizer as { type?: unknown } | null)?.type === 'lbfgs')) {
    throw new OptionError(
      'options.optimizer',
      "options.optimizer 'lbfgs' is for fit: each L-BFGS iteration evaluates all rows several times, which fitDataset would read anew each time. " +
        'Load the rows (fit), or use another optimizer',
    );
  }
  if (o.sampleWeight !== undefined) {
    throw new OptionError(
      'options.sampleWeight',
      'options.sampleWeight is one weight per row of x, and fitDataset has no x: its rows arrive in chunks. ' +
        'Weigh the classes with options.classWeight, or train with fit on rows held in memory',
    );
  }
  // validationData: [x, y] as fit takes it, or a source (which may be an array of { x, y } chunks)
  const validationSource = o.validationData !== undefined && !isPair(o.validationData) ? checkSource(o.validationData, 'options.validationData') : null;
  const known = o.validationSplit !== undefined ? await rowsOf(data) : null;
  if (o.validationSplit !== undefined && known === null) {
    throw new OptionError(
      'options.validationSplit',
      'options.validationSplit needs the row count, which this source does not give (no rows, no count()); pass options.validationData instead',
    );
  }
  const fit = checkFitOptions(
    { ...o, validationData: validationSource ? undefined : o.validationData, shuffleBuffer: undefined },
    m,
    known ?? Number.MAX_SAFE_INTEGER,
    'options',
    validationSource !== null,
  );
  const shuffleBuffer = o.shuffleBuffer === undefined ? 0 : checkInteger('options.shuffleBuffer', o.shuffleBuffer, 1, 2 ** 24);
  const shuffled = shuffleBuffer > 0 && o.shuffle !== false;
  const trainRows = fit.validationSplit !== null ? fit.trainRows : Infinity;
  const inMemory = fit.validation ? { x: m.scaled(fit.validation.x, 'options.validationData[0]'), y: fit.validation.y } : null;

  // (the epochs' passes over the source are counted with the class-counting one, if any, so that a one-shot iterator is named as such)
  const tally = new PassTally();
  const classWeights = fit.classWeight && new ClassWeights(await streamClassWeight(data, fit.classWeight, m, trainRows, tally));
  const scaler = m.scaler;
  // (a full batch's partial sums are as many as the bits of its block count: bounded by the rows when the source says them)
  const rowsHint = Number.isFinite(trainRows) ? trainRows : typeof data.rows === 'number' ? data.rows : null;
  const stream = trainer.openStream(fit.batchSize, scaler ? { mean: scaler.mean, scale: scaler.scale } : null, rowsHint, classWeights !== null);
  try {
    const pass: StreamPass = {
      m,
      fit,
      data,
      stream,
      classWeights,
      trainRows,
      shuffleBuffer: shuffled ? shuffleBuffer : 0,
      inMemory,
      validationSource,
      features: (x, argument) => m.scaled(x, argument),
      tally,
      validationTally: new PassTally(),
    };
    return await runEpochs(m, fit, {
      batches: null,
      validates: fit.validationSplit !== null || inMemory !== null || validationSource !== null,
      features: () => 0,
      epoch: (epoch, learningRate) => new StreamedEpoch(pass, epoch, learningRate).run(),
    });
  } finally {
    stream.release();
  }
}

/** What every epoch of one fitDataset call shares. */
interface StreamPass {
  readonly m: ModelAccess;
  readonly fit: CheckedFitOptions;
  readonly data: DataSource;
  readonly stream: TrainingStream;
  readonly classWeights: ClassWeights | null;
  /** Rows from this one on validate (a validation split); Infinity: none. */
  readonly trainRows: number;
  /** The shuffle window's rows (0: no shuffling). */
  readonly shuffleBuffer: number;
  /** Validation rows given as [x, y], scaled; or a source of them; or neither. */
  readonly inMemory: { x: Matrix; y: Float32Array } | null;
  readonly validationSource: DataSource | null;
  readonly features: (x: Matrix, argument: string) => Matrix;
  /** The passes over the training source (with the class-counting one) and over the validation source. */
  readonly tally: PassTally;
  readonly validationTally: PassTally;
}

/** The training stream of a Trainer (Trainer['openStream']'s result). */
type TrainingStream = ReturnType<Trainer['openStream']>;

/**
 * One epoch of fitDataset: the source's chunks, cut at the validation split, go through the
 * shuffle window (if any) to the stream in pieces it stages at once, pausing for the event loop
 * every ~50 ms; then the stream's carried rows end the epoch, and the validation rows — after
 * the split, as [x, y], or from their own source — are evaluated.
 */
class StreamedEpoch {
  /** Rows read from the source so far, and of them the training rows sent to the stream. */
  private rows = 0;
  private trainedRows = 0;
  private lastPause = performance.now();
  /** The batch that diverged, or −1; a cancel seen at a pause. */
  private diverged = -1;
  private aborted = false;
  /** Rows the window let out, waiting to train. */
  private readonly pending: [Matrix, Float32Array][] = [];
  /** The training rows' statistics, once the last of them trained (before validation resets them). */
  private trained: (PassStats & { recentLoss: number }) | null = null;
  /** The validation rows evaluated so far (in chunks). */
  private readonly validating = { stats: null as PassStats | null, rows: 0, labels: [] as Float32Array[], probabilities: [] as Float32Array[] };
  private readonly rng: Xoshiro128 | null;
  private readonly window: ShuffleWindow | null;

  constructor(
    private readonly pass: StreamPass,
    private readonly epoch: number,
    private readonly learningRate: number,
  ) {
    const { m, stream, shuffleBuffer } = pass;
    m.trainer.beginEpoch(null, false);
    // The window draws from the model's generator, which goes on from where the window left it.
    this.rng = shuffleBuffer > 0 ? Xoshiro128.fromState(m.trainer.rng()) : null;
    this.window = this.rng ? new ShuffleWindow(shuffleBuffer, m.inputs, stream.rows, this.rng, m.labelWidth) : null;
  }

  async run(): Promise<EpochOutcome> {
    const { m, data, trainRows, features, tally } = this.pass;
    for await (const chunk of chunks(data, m.inputs, features, m.labels, 'source', tally)) {
      // With a validation split, rows from trainRows on validate, after every training row has trained.
      const trainPart = Math.max(0, Math.min(chunk.x.rows, trainRows - this.rows));
      if (trainPart > 0) {
        const head =
          trainPart === chunk.x.rows ? chunk : { index: chunk.index, x: rowRange(chunk.x, 0, trainPart), y: chunk.y.subarray(0, trainPart * m.labelWidth) };
        if (this.window) this.window.push(head, this.emit);
        else this.pending.push([head.x, head.y]);
        await this.trainPending();
      }
      this.rows += chunk.x.rows;
      if (trainPart < chunk.x.rows && this.going()) {
        if (!this.trained) await this.finish();
        if (this.going()) this.validate(rowRange(chunk.x, trainPart, chunk.x.rows - trainPart), chunk.y.subarray(trainPart * m.labelWidth));
      }
      if (this.diverged >= 0) return { diverged: this.diverged };
      if (this.aborted) return 'aborted';
    }
    if (!this.trained) await this.finish();
    if (this.diverged >= 0) return { diverged: this.diverged };
    if (this.aborted) return 'aborted';
    if (this.rng) m.trainer.setRng(this.rng.state());
    return this.outcome(this.trained!);
  }

  private going(): boolean {
    return this.diverged < 0 && !this.aborted;
  }

  private readonly emit = (x: Matrix, y: Float32Array): void => void this.pending.push([x, y]);

  private async trainPending(): Promise<void> {
    for (const [x, y] of this.pending.splice(0)) await this.train(x, y);
  }

  /** Train rows in pieces the stream stages at once, pausing for the event loop every ~50 ms. */
  private async train(x: Matrix, y: Float32Array): Promise<void> {
    const { m, fit, stream, classWeights } = this.pass;
    const weights = classWeights && classWeights.of(y);
    for (let start = 0; start < x.rows && this.going(); start += stream.rows) {
      const count = Math.min(stream.rows, x.rows - start);
      this.diverged = stream.train(x, y, weights, start, count, this.learningRate, fit.weightDecay);
      this.trainedRows += count;
      if (performance.now() - this.lastPause >= PACE_MS) {
        fit.onProgress?.({ epoch: this.epoch, rows: this.trainedRows });
        this.aborted = await pause(m, fit.signal);
        this.lastPause = performance.now();
      }
    }
  }

  /** The end of the epoch's training rows: what the window holds, what the stream carries. */
  private async finish(): Promise<void> {
    this.window?.drain(this.emit);
    await this.trainPending();
    if (this.going()) this.diverged = this.pass.stream.end(this.learningRate, this.pass.fit.weightDecay);
    this.trained = this.pass.m.trainer.epochStats(); // (before validation rows reset the statistics)
  }

  private validate(x: Matrix, y: Float32Array): void {
    const p = new Float32Array(x.rows * this.pass.m.width);
    this.validating.stats = this.pass.m.engine.evaluateMore(x, y, this.validating.rows === 0, p);
    this.validating.rows += x.rows;
    this.validating.labels.push(y);
    this.validating.probabilities.push(p);
  }

  private async outcome(stats: PassStats): Promise<EpochOutcome> {
    const { m, trainRows, inMemory, validationSource, features, validationTally } = this.pass;
    const epochRows = Math.min(this.rows, trainRows);
    if (inMemory) {
      const probabilities = new Float32Array(inMemory.x.rows * m.width);
      return {
        stats,
        rows: epochRows,
        validation: { stats: m.engine.evaluate(inMemory, probabilities), rows: inMemory.x.rows, labels: inMemory.y, probabilities },
      };
    }
    if (validationSource) {
      for await (const chunk of chunks(validationSource, m.inputs, features, m.labels, 'options.validationData', validationTally))
        this.validate(chunk.x, chunk.y);
    }
    const { validating } = this;
    const validation = validating.stats && {
      stats: validating.stats,
      rows: validating.rows,
      labels: concatFloats(validating.labels),
      probabilities: concatFloats(validating.probabilities),
    };
    return { stats, rows: epochRows, validation };
  }
}

/** The arguments rowWeights names in its errors. */
const WEIGHT_NAMES = { classWeight: 'options.classWeight', sampleWeight: 'options.sampleWeight' };

/** A stream's class weights: as given, or 'balanced' from the class counts of its training rows
 *  (the first `trainRows`), counted in a pass of their own before the first epoch. */
async function streamClassWeight(
  data: DataSource,
  classWeight: CheckedClassWeight,
  m: ModelAccess,
  trainRows: number,
  tally: PassTally,
): Promise<readonly number[]> {
  if (classWeight !== 'balanced') return classWeight;
  const counts = new Array<number>(m.head.classes(m.width)).fill(0);
  let rows = 0;
  for await (const chunk of chunks(data, m.inputs, (x) => x, m.labels, 'source', tally)) {
    for (let i = 0, n = Math.max(0, Math.min(chunk.y.length, trainRows - rows)); i < n; i++) counts[chunk.y[i]!]!++;
    rows += chunk.y.length;
  }
  return balancedWeights(counts, 'options.classWeight');
}

/**
 * The epochs of a fit, whatever holds the data: `runner.epoch` trains one and evaluates the
 * validation rows; around it, the learning-rate schedule, the snapshot that a divergence, an
 * error or a cancel goes back to, the history, early stopping, checkpoints and onEpochEnd.
 */
async function runEpochs(m: ModelAccess, fit: CheckedFitOptions, runner: EpochRunner): Promise<History> {
  const engine = m.engine,
    trainer = m.trainer;
  const { epochs, initialEpoch, onEpochEnd, signal, checkpoint } = fit;
  // Continuing the run this model's training state belongs to (a checkpoint, or the fit before)?
  const resuming = initialEpoch > 0 && initialEpoch === m.epochsDone;
  if (resuming) checkResumedMonitor(m.stopperState, fit.earlyStopping, initialEpoch, 'options');
  if (!fit.lbfgs) m.useOptimizer(fit.optimizer); // (L-BFGS keeps its state in the fit: the model's optimizer state stays)
  trainer.setLossRule(fit.stopOnExplodingLoss, !resuming);
  const stopper = fit.earlyStopping ? new EarlyStopper(fit.earlyStopping, resuming ? m.stopperState : null) : null;
  const history = emptyHistory(runner.validates);
  const pace = new Pace();
  let cancelled = false;
  for (let epoch = initialEpoch; epoch < epochs && !(cancelled = signal?.aborted ?? false); epoch++) {
    const learningRate = scheduledRate(fit.learningRate, fit.learningRateSchedule, epoch);
    const start = trainer.snapshot();
    let outcome: EpochOutcome;
    try {
      outcome = await runner.epoch(epoch, learningRate, pace);
    } catch (error) {
      if (m.live()) trainer.restore(start); // (a chunk that failed its checks: the last finished epoch stays)
      throw error;
    }
    if (outcome === 'stopped') break;
    if (outcome === 'aborted') {
      trainer.restore(start);
      cancelled = true;
      break;
    }
    if ('diverged' in outcome) {
      const { recentLoss, limit } = trainer.epochStats();
      trainer.restore(start);
      throw divergenceError({
        epoch,
        batch: outcome.diverged,
        batches: runner.batches,
        loss: outcome.loss ?? recentLoss,
        limit,
        learningRate,
        weightDecay: fit.weightDecay,
        beforeAnyUpdate: epoch === initialEpoch && outcome.diverged === 0 && !resuming,
        scaled: m.scaler !== null,
        features: runner.features,
      });
    }
    const t = m.head.metrics(outcome.stats, outcome.rows);
    trainer.observeLoss(t.loss);
    const log: EpochLog = {
      epoch,
      loss: t.loss,
      accuracy: t.accuracy,
      precision: t.precision,
      recall: t.recall,
      f1: t.f1,
      learningRate: outcome.learningRate ?? learningRate,
    };
    if (outcome.validation) {
      const kept = { labels: outcome.validation.labels, outputs: outcome.validation.probabilities };
      const v = m.head.metrics(outcome.validation.stats, outcome.validation.rows, kept);
      log.valLoss = v.loss;
      log.valAccuracy = v.accuracy;
      log.valPrecision = v.precision;
      log.valRecall = v.recall;
      log.valF1 = v.f1;
      log.valAuc = m.head.auc(kept, m.width);
      if (v.r2 !== undefined) log.valR2 = v.r2;
    }
    record(history, log);
    m.epochsDone = epoch + 1;
    const stop = stopper ? stopper.update(epoch, stopper.monitored(log), () => engine.getParameters()) : false;
    m.stopperState = stopper?.state ?? null;
    if (checkpoint && (epoch + 1) % checkpoint.every === 0) await checkpoint.save(m.trainingJSON());
    if (onEpochEnd && (await onEpochEnd(log)) === false) break;
    if (stop || outcome.converged) break;
    await yieldToEventLoop();
    checkNotDisposed(m);
  }
  if (stopper) {
    history.bestEpoch = stopper.bestEpoch;
    // (not into a backend that onEpochEnd disposed before stopping, nor into a cancelled run,
    // which pauses with its last epoch's weights so that a checkpoint taken now resumes it)
    if (stopper.bestWeights && m.live() && !cancelled) engine.setParameters(stopper.bestWeights);
  }
  return history;
}

/** The objective at a point of L-BFGS: mean BCE + (λ₂/2)·ΣW² over the kernels, its gradient, and the pass it came from. */
interface LbfgsEvaluation extends LbfgsPoint {
  stats: PassStats;
}

/**
 * L-BFGS's epochs (optimizer 'lbfgs', src/train/lbfgs.ts): each one iteration, its line search
 * evaluating the objective by the backend's full-batch gradients pass (forward and backward in
 * the core, over all training rows in chunks) at points rounded to float32 — the parameters the
 * model holds. The run starts at the first epoch from the model's parameters; the metrics of an
 * epoch are those of the pass at the point accepted, its learning rate the step length α.
 */
function lbfgsRunner(
  m: ModelAccess,
  fit: CheckedFitOptions,
  options: Lbfgs,
  train: { x: Matrix; y: Float32Array },
  held: Dataset,
  validation: { x: Matrix; y: Float32Array } | null,
): EpochRunner {
  const engine = m.engine,
    rows = train.x.rows,
    { weightDecay } = fit;
  if (m.head.canonical && weightDecay > 0) {
    const start = engine.getParameters();
    m.head.canonical(start[start.length - 1]!, m.width);
    engine.setParameters(start);
  }
  const layout = engine.getParameters().map((l) => [l.weights.length, l.bias.length] as const);
  // Which entries of the flat vector are kernel weights (decayed), layer by layer: kernel, then bias.
  const kernel = new Uint8Array(layout.reduce((n, [w, b]) => n + w + b, 0));
  let offset = 0;
  for (const [w, b] of layout) {
    kernel.fill(1, offset, offset + w);
    offset += w + b;
  }
  const flat = (layers: readonly LayerParameters[]): Float64Array => {
    const v = new Float64Array(kernel.length);
    let at = 0;
    for (const l of layers) {
      v.set(l.weights, at);
      v.set(l.bias, at + l.weights.length);
      at += l.weights.length + l.bias.length;
    }
    return v;
  };
  const layers = (v: Float64Array): LayerParameters[] => {
    let at = 0;
    return layout.map(([w, b]) => {
      const l = { weights: Float32Array.from(v.subarray(at, at + w)), bias: Float32Array.from(v.subarray(at + w, at + w + b)) };
      at += w + b;
      return l;
    });
  };
  const evaluate = (v: Float64Array): LbfgsEvaluation => {
    engine.setParameters(layers(v));
    const pass = engine.gradients(held);
    const g = flat(pass.layers);
    let penalty = 0,
      finite = Number.isFinite(pass.stats.lossSum);
    for (let i = 0; i < v.length; i++) {
      if (kernel[i] && weightDecay > 0) {
        penalty += v[i]! * v[i]!;
        g[i]! += weightDecay * v[i]!;
      }
      finite &&= Number.isFinite(g[i]!) && Number.isFinite(v[i]!);
    }
    return { f: finite ? pass.stats.lossSum / rows + (weightDecay / 2) * penalty : NaN, g, stats: pass.stats };
  };
  // (every point the search tries is a float32 one: the point evaluated is the point kept)
  const point = (x: Float64Array, alpha: number, d: Float64Array): Float64Array => x.map((v, i) => Math.fround(v + alpha * d[i]!));
  let run: LbfgsRun<LbfgsEvaluation> | null = null;
  const probabilities = validation ? new Float32Array(validation.x.rows * m.width) : null;
  return {
    batches: 1,
    validates: validation !== null,
    features: () => largestMagnitude(train.x),
    epoch: async (epoch) => {
      if (!run) {
        const x0 = flat(engine.getParameters());
        const start = evaluate(x0);
        engine.setParameters(layers(x0));
        if (!Number.isFinite(start.f)) return { diverged: 0, loss: start.stats.lossSum / rows };
        run = new LbfgsRun(x0, start, evaluate, { ...options, point });
        if (run.converged()) return 'stopped'; // (as SciPy: no iteration from a point that passes the gradient test)
      }
      const result = run.step();
      engine.setParameters(layers(run.point)); // (the search's last trial may not be the point accepted)
      if (!result.step) return 'stopped';
      fit.onProgress?.({ epoch, rows });
      const valStats = validation ? engine.evaluate(validation, probabilities) : null;
      return {
        stats: run.at.stats,
        rows,
        learningRate: result.step.alpha,
        converged: result.converged !== null,
        validation: valStats && { stats: valStats, rows: validation!.x.rows, labels: validation!.y, probabilities: probabilities! },
      };
    },
  };
}

/** Let the event loop run (timers, messages, a cancel); true when the signal has been aborted. */
async function pause(m: ModelAccess, signal: AbortSignal | null): Promise<boolean> {
  await yieldToEventLoop();
  checkNotDisposed(m);
  return signal?.aborted ?? false;
}

function checkNotDisposed(m: ModelAccess): void {
  if (!m.live()) throw new BrokenModelError('fit', 'the model was disposed while fitting', { disposed: true });
}

/**
 * {@link evaluate} over a source of chunks (a file too large for memory: `csvDataset`,
 * `npyDataset`), read once, a chunk at a time; it keeps one probability and one label per row
 * (for the ROC AUC), never the rows.
 */
export async function evaluateDataset(
  m: ModelAccess,
  source: DataSource,
  options: EvaluateOptions = {},
): Promise<Evaluation | MulticlassEvaluation | RegressionEvaluation> {
  const engine = m.engine;
  const data = checkSource(source);
  const threshold = checkEvaluateOptions(options);
  const labels: Float32Array[] = [],
    probabilities: Float32Array[] = [];
  let stats: PassStats | null = null;
  // (the labels as given, for the metrics; the core gets them as it trains on them)
  const scaler = m.targetScaler;
  for await (const chunk of chunks(data, m.inputs, (x, argument) => m.scaled(x, argument), m.rawLabels, 'source', new PassTally())) {
    if (!m.live()) throw new BrokenModelError('evaluateDataset', 'the model was disposed while evaluating', { disposed: true });
    const p = new Float32Array(chunk.x.rows * m.width);
    stats = engine.evaluateMore(chunk.x, scaler ? scaledTargets(chunk.y, scaler) : chunk.y, stats === null, p);
    if (scaler) unscaleValues(p, scaler);
    labels.push(chunk.y);
    probabilities.push(p);
  }
  const kept = { labels: concatFloats(labels), outputs: concatFloats(probabilities) };
  return scaler ? targetsEvaluation(kept.labels, kept.outputs, m.width) : m.head.evaluation(stats!, kept, threshold, m.width);
}
