// The messages between trainInWorker (host.ts) and the training loop (serve.ts). Numbers
// travel as Float32Arrays whose buffers are transferred, never copied element by element.
import type { ErrorRecord } from './error-record.js';
import type { Architecture, LayerWeights } from '../network/architecture.js';
import type { BackendName } from '../backend/backend.js';
import type { EpochLog, History } from '../train/history.js';
import type { CheckedFitOptions } from '../train/fit-options.js';
import type { Threads } from '../model/options.js';
import type { ModelJSON } from '../network/model-json.js';
import type { ScalerJSON } from '../data/scaler.js';
import type { ColumnNames } from '../data/column-names.js';

/** Rows of `cols` features, row-major, already checked and rounded to float32. */
export interface Rows {
  data: Float32Array;
  rows: number;
  cols: number;
}

/** Host → worker: train this model on these rows. Everything in it has been validated by the host. */
export interface StartMessage {
  type: 'start';
  /** A new seeded model, or a saved one to continue from. */
  model: ({ create: Architecture; scaler: ScalerJSON | null; targetScaler: ScalerJSON | null; names: ColumnNames } | { load: ModelJSON }) & {
    seed: number;
    backend: BackendName;
    threads: Threads;
  };
  x: Rows;
  y: Float32Array;
  /** The fit options as checkFitOptions fills them in (the validation rows already copied). */
  fit: Omit<
    CheckedFitOptions,
    'onEpochEnd' | 'onProgress' | 'signal' | 'checkpoint' | 'validation' | 'trainRows' | 'classWeight' | 'sampleWeight' | 'lbfgs'
  > & { validation: { x: Rows; y: Float32Array } | null } & Partial<Pick<CheckedFitOptions, 'classWeight' | 'sampleWeight'>>;
  /** The caller's setMemoryLimit, for the worker's own WebAssembly memory. */
  memoryLimit: number;
  /** Attach the weights to every `weightsEvery`-th epoch message (0: never). */
  weightsEvery: number;
  /** Let at least this many milliseconds pass between epoch ends (0: full speed). */
  minEpochMs: number;
}

/** Host → worker: stop within the current run of batches and report the model as its last finished epoch left it. */
export interface CancelMessage {
  type: 'cancel';
}

export type HostMessage = StartMessage | CancelMessage;

/** Worker → host: one epoch done. */
export interface EpochMessage {
  type: 'epoch';
  log: EpochLog;
  weights?: LayerWeights[];
}

/** Worker → host: training over (all epochs, or stopped by a cancel). */
export interface DoneMessage {
  type: 'done';
  /** The threads the worker's model used. */
  threads: number;
  weights: LayerWeights[];
  history: History;
  cancelled: boolean;
}

/** Worker → host: training failed; a GradwasmError keeps its class, argument, message and fields. */
export interface ErrorMessage extends ErrorRecord {
  type: 'error';
}

export type WorkerMessage = EpochMessage | DoneMessage | ErrorMessage;

/** The buffers of `arrays`, once each, to hand over in a postMessage transfer list. */
export function buffersOf(arrays: readonly Float32Array[]): ArrayBuffer[] {
  return [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];
}

/** Every array of a list of layers: kernels and biases. */
export function layerArrays(layers: readonly LayerWeights[]): Float32Array[] {
  return layers.flatMap((l) => [l.weights, l.bias]);
}
