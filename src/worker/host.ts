// trainInWorker: fit a model in a Web Worker (browsers) or a worker_threads Worker (Node), so
// the calling thread never blocks. Everything is checked here, before a worker starts.
import type { Architecture, LayerWeights } from '../network/architecture.js';
import { toFloat32, toMatrix, type Features, type Labels, type Matrix } from '../data/matrix.js';
import { GradwasmError, OptionError } from '../core/errors.js';
import { checkInteger, checkKeys, checkObject, describe } from '../core/checks.js';
import { modelFromJSON, modelToJSON, trainingToJSON, type ModelJSON, type SavedTraining } from '../network/model-json.js';
import type { ColumnNames } from '../data/column-names.js';
import { trainingFromJSON } from '../network/training-json.js';
import { checkResumedMonitor } from '../train/early-stopping.js';
import type { StandardScaler } from '../data/scaler.js';
import type { SequentialOptions } from '../model/sequential.js';
import type { BackendName } from '../backend/backend.js';
import type { EpochLog, History } from '../train/history.js';
import { FIT_KEYS, checkFitOptions, type FitOptions } from '../train/fit-options.js';
import { checkCreateOptions, checkLoadOptions } from '../model/options.js';
import { fitBlocks, modelBytes, optimizerStateBytes, planModel, workspaceLayout } from '../backend/plan.js';
import { beyondLimit, memoryLimit } from '../backend/wasm/arena.js';
import { buffersOf, type Rows, type StartMessage } from './protocol.js';
import { spawnWorker, type WorkerHandle } from './spawn.js';
import { errorFromRecord } from './error-record.js';
import { headOf } from '../heads/index.js';
import { STATE_COPIES } from '../core/codes.js';

/** The options of {@link Sequential.fit} that can cross to a worker: all but the callbacks and the signal (see {@link TrainingJob.cancel}). */
export type WorkerFitOptions = Omit<FitOptions, 'onEpochEnd' | 'onProgress' | 'signal' | 'checkpoint'>;

/** Options of {@link trainInWorker}. */
export interface TrainInWorkerOptions {
  /**
   * The model to train: the options of {@link Sequential.create} (a new model; give a `seed`
   * to get the weights an in-process `fit` would give), or a model saved by `toJSON()` (the
   * object or its text) to train further.
   */
  model: SequentialOptions | ModelJSON | string;
  /** With a saved `model` only: the options of {@link Sequential.fromJSON} (`seed` for shuffling, `backend`, `threads`). */
  load?: { seed?: number; backend?: BackendName; threads?: number | 'auto' };
  /** Training rows, as {@link Sequential.fit} takes them. They are copied, never transferred away from you. */
  x: Features;
  /** Training labels, 0 or 1. */
  y: Labels;
  /** As for {@link Sequential.fit}, without `onEpochEnd` (that is the option below). */
  fit?: WorkerFitOptions;
  /**
   * Called on the calling thread after each epoch with its log, and with the weights on every
   * `weightsEvery`-th epoch. Returning `false` cancels, as {@link TrainingJob.cancel} does.
   */
  onEpochEnd?: (log: EpochLog, weights: LayerWeights[] | undefined) => boolean | void;
  /** Send the weights with every n-th epoch's log (for live plots). Default 0: never. */
  weightsEvery?: number;
  /** Let at least this many milliseconds pass between epochs, to animate small problems. Default 0: full speed. */
  minEpochMs?: number;
  /**
   * The worker script. Default: `gradwasm.worker.js` beside `gradwasm.browser.js` in browsers,
   * `worker.js` beside `dist/index.js` in Node. In Node a string is a file path.
   */
  workerUrl?: string | URL;
}

/** What a finished {@link trainInWorker} job gives back. */
export interface TrainingResult {
  /** The trained model: load it with {@link Sequential.fromJSON}. */
  model: ModelJSON;
  /** Per-epoch metrics, as {@link Sequential.fit} returns them (shorter if cancelled). */
  history: History;
  /** True when a cancel stopped training before its last epoch. */
  cancelled: boolean;
  /** The threads the model trained with in the worker: `threads` as asked ({@link Sequential.threads}; 'auto' is the worker's cores). */
  threads: number;
}

/** A running {@link trainInWorker} job. */
export interface TrainingJob {
  /**
   * Resolves when training ends: after the last epoch, or soon after {@link TrainingJob.cancel}
   * (then with `cancelled: true` and the weights of the epochs finished). Rejects if training
   * fails — with a {@link GradwasmError} of the same message when the worker raised one — if
   * `onEpochEnd` throws, or when {@link TrainingJob.terminate} ends the job.
   */
  done: Promise<TrainingResult>;
  /**
   * Stop training within the current run of batches (about 50 ms of work; an epoch cut short
   * is undone); `done` then resolves with `cancelled: true`. Does nothing once `done` has settled.
   */
  cancel(): void;
  /**
   * End the worker now, whatever it is doing: `done` rejects with a {@link GradwasmError} and no
   * model. For a worker that does not answer a cancel; nothing of the job keeps the process alive.
   */
  terminate(): void;
}

const KEYS = ['model', 'load', 'x', 'y', 'fit', 'onEpochEnd', 'weightsEvery', 'minEpochMs', 'workerUrl'] as const;
/** fit's options a job takes: all but its functions and signal, which cannot cross to a worker
 *  (the job has onEpochEnd and terminate() of its own). */
const WORKER_FIT_KEYS = FIT_KEYS.filter((key) => !['onEpochEnd', 'onProgress', 'signal', 'checkpoint'].includes(key));

/**
 * Train a model in a worker — a Web Worker in browsers, a `worker_threads` Worker in Node — so
 * that the page (or the event loop) stays free. The worker runs the same code as an
 * in-process {@link Sequential.fit}: with the same seed it computes the same float32 bits.
 *
 * Every option is checked before the worker starts; misuse throws a {@link GradwasmError}
 * naming the option (`options.fit.learningRate`, `options.x`, …).
 *
 * @example
 * ```ts
 * const job = trainInWorker({
 *   model: { inputs: 2, layers: [dense(8, 'tanh'), dense(1, 'sigmoid')], seed: 1 },
 *   x, y,
 *   fit: { epochs: 200, learningRate: 0.1, batchSize: 16 },
 *   onEpochEnd: (log) => console.log(log.epoch, log.loss),
 * });
 * stopButton.onclick = () => job.cancel();
 * const { model, history, cancelled } = await job.done;
 * const trained = await Sequential.fromJSON(model);
 * ```
 */
export function trainInWorker(options: TrainInWorkerOptions): TrainingJob {
  const start = checkOptions(options);
  const { onEpochEnd, workerUrl } = options;
  let worker: WorkerHandle | undefined;
  let settled = false;
  let cancelRequested = false;
  let fail: (error: unknown) => void = () => {};

  const cancel = (): void => {
    if (settled || cancelRequested) return;
    cancelRequested = true;
    worker?.post({ type: 'cancel' }, []);
  };

  const done = new Promise<TrainingResult>((resolve, reject) => {
    const settle = (action: () => void): void => {
      if (settled) return;
      settled = true;
      worker?.terminate();
      action();
    };
    fail = (error) => settle(() => reject(error));
    spawnWorker(workerUrl)
      .then((handle) => {
        if (settled) return handle.terminate(); // terminated while the worker was starting
        worker = handle;
        handle.listen(
          (message) => {
            if (settled) return;
            if (message.type === 'epoch') {
              try {
                if (onEpochEnd?.(message.log, message.weights) === false) cancel();
              } catch (error) {
                settle(() => reject(error));
              }
            } else if (message.type === 'done') {
              // (with the model's names: its columns and classes, as the in-process model keeps them)
              const model = modelToJSON(start.architecture, message.weights, start.scaler, start.names, start.targetScaler);
              settle(() => resolve({ model, history: message.history, cancelled: message.cancelled, threads: message.threads }));
            } else {
              const error = errorFromRecord(message);
              settle(() => reject(error));
            }
          },
          (error) => settle(() => reject(error)),
        );
        handle.post(start.message, start.transfer);
        if (cancelRequested) handle.post({ type: 'cancel' }, []);
      })
      .catch((error: unknown) => settle(() => reject(error)));
  });
  const terminate = (): void => fail(new GradwasmError('terminate', 'the training job was terminated before it finished; it has no model to give'));
  return { done, cancel, terminate };
}

/** Check every option and build the start message (with its transfer list) and the architecture. */
function checkOptions(options: unknown): {
  message: StartMessage;
  transfer: ArrayBuffer[];
  architecture: Architecture;
  scaler: StandardScaler | null;
  targetScaler: StandardScaler | null;
  names: ColumnNames;
} {
  const o = checkObject('options', options);
  checkKeys('options', o, KEYS);
  let model: StartMessage['model'];
  let architecture: Architecture;
  let scaler: StandardScaler | null;
  let targetScaler: StandardScaler | null;
  let names: ColumnNames;
  let training: SavedTraining | null = null;
  if (typeof o.model === 'string' || (typeof o.model === 'object' && o.model !== null && 'format' in o.model)) {
    const saved = modelFromJSON(o.model, 'options.model');
    const { seed, backend, threads } = checkLoadOptions(o.load ?? {}, 'options.load');
    architecture = saved.architecture;
    scaler = saved.scaler;
    names = saved.names;
    targetScaler = saved.targetScaler;
    const load = modelToJSON(saved.architecture, saved.parameters, scaler, saved.names, targetScaler);
    training = saved.training === undefined ? null : trainingFromJSON(saved.training, saved.architecture, 'options.model.training');
    if (training) load.training = trainingToJSON(training);
    model = { load, seed, backend, threads };
  } else {
    if (o.load !== undefined) {
      throw new OptionError('options.load', 'options.load applies to a saved model only; give seed and backend in options.model');
    }
    const created = checkCreateOptions(o.model, 'options.model');
    architecture = created.architecture;
    scaler = created.scaler;
    targetScaler = created.targetScaler;
    names = created.names;
    model = {
      create: created.architecture,
      scaler: scaler?.toJSON() ?? null,
      targetScaler: targetScaler?.toJSON() ?? null,
      names: created.names,
      seed: created.seed,
      backend: created.backend,
      threads: created.threads,
    };
  }
  const x = toMatrix(o.x, architecture.inputs, 'options.x');
  const head = headOf('options.model.layers', architecture.layers);
  const width = architecture.layers[architecture.layers.length - 1]!.units;
  const y = head.labels(o.y, x.rows, 'options.y', width); // (as given: the worker's model scales them)
  const fitOptions = checkObject('options.fit', o.fit ?? {});
  checkKeys('options.fit', fitOptions, WORKER_FIT_KEYS);
  const fit = checkFitOptions(fitOptions, { inputs: architecture.inputs, head, width }, x.rows, 'options.fit');
  if (fit.lbfgs)
    throw new OptionError(
      'options.fit.optimizer',
      "options.fit.optimizer 'lbfgs' is not supported by trainInWorker yet; call fit on the model (an L-BFGS fit of a table that fits in memory is short)",
    );
  if (training && fit.initialEpoch > 0 && fit.initialEpoch === training.epoch) {
    checkResumedMonitor(training.earlyStopping, fit.earlyStopping, fit.initialEpoch, 'options.fit');
  }
  if (o.onEpochEnd !== undefined && typeof o.onEpochEnd !== 'function') {
    throw new OptionError('options.onEpochEnd', `options.onEpochEnd must be a function, got ${describe(o.onEpochEnd)}`);
  }
  const weightsEvery = o.weightsEvery === undefined ? 0 : checkInteger('options.weightsEvery', o.weightsEvery, 0);
  const minEpochMs = o.minEpochMs ?? 0;
  if (typeof minEpochMs !== 'number' || !(minEpochMs >= 0 && minEpochMs < Infinity)) {
    throw new OptionError('options.minEpochMs', `options.minEpochMs must be a finite number ≥ 0, got ${describe(minEpochMs)}`);
  }
  if (o.workerUrl !== undefined && typeof o.workerUrl !== 'string' && !(o.workerUrl instanceof URL)) {
    throw new OptionError('options.workerUrl', `options.workerUrl must be a string or a URL, got ${describe(o.workerUrl)}`);
  }
  if (model.backend === 'wasm') checkWorkerMemory(architecture, fit, x.rows);
  const rows = (matrix: Matrix): Rows => ({ data: toFloat32(matrix), rows: matrix.rows, cols: matrix.cols });
  const train = rows(x);
  const validation = fit.validation ? { x: rows(fit.validation.x), y: fit.validation.y } : null;
  const message: StartMessage = {
    type: 'start',
    model,
    x: train,
    y,
    fit: {
      epochs: fit.epochs,
      learningRate: fit.learningRate,
      optimizer: fit.optimizer,
      weightDecay: fit.weightDecay,
      learningRateSchedule: fit.learningRateSchedule,
      batchSize: fit.batchSize,
      shuffle: fit.shuffle,
      validation,
      validationSplit: fit.validationSplit,
      earlyStopping: fit.earlyStopping,
      stopOnExplodingLoss: fit.stopOnExplodingLoss,
      initialEpoch: fit.initialEpoch,
      classWeight: fit.classWeight,
      sampleWeight: fit.sampleWeight,
    },
    weightsEvery,
    minEpochMs,
    memoryLimit: memoryLimit(),
  };
  const arrays = [train.data, y, ...(validation ? [validation.x.data, validation.y] : []), ...(fit.sampleWeight ? [fit.sampleWeight] : [])];
  return { message, transfer: buffersOf(arrays), architecture, scaler, targetScaler, names };
}

/** Refuse, before any row is copied, a job whose model and data would not fit the worker's
 *  WebAssembly memory under the caller's setMemoryLimit (the worker starts with none in use). */
function checkWorkerMemory(architecture: Architecture, fit: ReturnType<typeof checkFitOptions>, rows: number): void {
  const plan = planModel(architecture);
  const trainRows = fit.trainRows;
  const validationRows = fit.validation ? fit.validation.x.rows : rows - trainRows;
  const { sizes, workspaceRows } = fitBlocks(plan, architecture.inputs, {
    trainRows,
    validationRows,
    batchSize: fit.batchSize,
    shuffle: fit.shuffle && fit.batchSize < trainRows,
    weighted: fit.classWeight !== null || fit.sampleWeight !== null,
  });
  const copies = STATE_COPIES[fit.optimizer.type];
  const bytes = modelBytes(plan) + optimizerStateBytes(plan, copies) + workspaceLayout(plan, workspaceRows).bytes + sizes.reduce((a, b) => a + b, 0);
  if (bytes > memoryLimit()) {
    throw new OptionError('options.x', `training in the worker on options.x (${trainRows} rows × ${architecture.inputs} columns) needs ${beyondLimit(bytes)}`);
  }
}
