// What a backend does: the numeric work of DESIGN.md §1 on float32 data that the caller
// (src/sequential.ts) has already validated. Both backends implement it and pass the same tests.
import type { Activation } from '../layers.js';
import type { Matrix } from '../data.js';
import type { RngState } from '../prng.js';

/** One dense layer's parameters: kernel (inputs×units, row-major) and bias (units). */
export interface LayerParameters {
  weights: Float32Array;
  bias: Float32Array;
}

/** The architecture: feature count and the dense layers in order. */
export interface Architecture {
  readonly inputs: number;
  readonly layers: readonly { readonly units: number; readonly activation: Activation }[];
}

/** Σ of per-row BCE and count of correctly classified rows over one pass. */
export interface PassStats {
  lossSum: number;
  correct: number;
}

/** A dataset held by a backend for repeated passes; release() frees what it holds. */
export interface Dataset {
  readonly rows: number;
  release(): void;
}

export interface Backend {
  /** Copy parameters in (shapes already checked). */
  setParameters(layers: readonly LayerParameters[]): void;
  /** Fresh copies of the parameters. */
  getParameters(): LayerParameters[];
  /** Hold x (and labels y) for passes over them. */
  load(x: Matrix, y: Float32Array | null): Dataset;
  /** One epoch of SGD in batches of batchSize (≤ rows), shuffled with the model's generator or in order. */
  trainEpoch(data: Dataset, batchSize: number, learningRate: number, shuffle: boolean): PassStats;
  /** Loss and accuracy over a labelled dataset; no parameter changes. */
  evaluate(data: Dataset): PassStats;
  /** P(Y=1) per row. */
  predict(data: Dataset): Float32Array;
  /** Mean-BCE gradients over all rows of a labelled dataset, no update. */
  gradients(data: Dataset): { stats: PassStats; layers: LayerParameters[] };
  /** Free everything; the backend is unusable afterwards. */
  dispose(): void;
}

/** Create a backend for an architecture, with initial parameters and the generator state that shuffling continues from. */
export type BackendFactory = (architecture: Architecture, parameters: readonly LayerParameters[], rng: RngState) => Promise<Backend>;
