// The contract every benchmarked implementation fulfils, so the runner can time gradwasm and
// TensorFlow.js the same way: each gets the same Float32Arrays, the same initial weights and the
// same hyper-parameters, and times only its own training or prediction call.
import type { DenseLayer, LayerWeights } from '../src/index.js';

export type { LayerWeights };

/** A row-major float32 matrix, the input every implementation starts from. */
export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

/** Layer sizes and activations; the last layer is dense(1, 'sigmoid') or dense(k, 'softmax'). */
export interface Architecture {
  inputs: number;
  layers: readonly DenseLayer[];
}

/** One whole-training run: a fresh model starting from `init`, trained with plain SGD on mean BCE. */
export interface TrainJob {
  architecture: Architecture;
  x: Matrix;
  /** 0/1 labels, or class indices for a softmax, one per row. */
  y: Float32Array;
  /** Initial kernels and biases, shared by all implementations so they do the same arithmetic. */
  init: readonly LayerWeights[];
  learningRate: number;
  /** Rows per SGD step; 'full' = all rows (full-batch gradient descent). */
  batchSize: number | 'full';
  epochs: number;
}

export interface TrainResult {
  /** Wall time of the training call, from Float32Arrays in hand to a trained model. */
  seconds: number;
  /** Mean BCE the implementation reports for its first epoch: a check that all learn alike. */
  firstEpochLoss: number;
}

/** A model loaded with given weights, ready to predict. */
export interface Predictor {
  /** P(Y=1) for each row. */
  predict(x: Matrix): Float32Array;
  dispose(): void;
}

/** What an implementation can say about the memory it used, in bytes. */
export interface MemoryFigures {
  /** Peak bytes held for the model and its data during the run (how it is counted: `note`). */
  inUse?: number;
  /** The size of the linear memory (WebAssembly heap) at the end of the run. */
  linear?: number;
  note: string;
}

export type ImplName = 'gradwasm-wasm' | 'gradwasm-wasm-threads' | 'gradwasm-js' | 'tfjs-wasm' | 'tfjs-cpu' | 'onnxruntime-web' | 'onnxruntime-web-threads';

export interface Implementation {
  readonly name: ImplName;
  /** One line on how it runs (backend, SIMD, threads), for the report. */
  readonly detail: string;
  /** Make this implementation's engine current before each of its turns (TF.js has one global backend). */
  activate(): Promise<void>;
  train(job: TrainJob): Promise<TrainResult>;
  predictor(architecture: Architecture, weights: readonly LayerWeights[]): Promise<Predictor>;
  /** An untimed training run that records memory use. */
  trainingMemory(job: TrainJob): Promise<MemoryFigures | undefined>;
  /** An untimed prediction that records memory use. */
  inferenceMemory(predictor: Predictor, x: Matrix): Promise<MemoryFigures | undefined>;
}
