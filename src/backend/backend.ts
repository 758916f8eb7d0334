// What a backend does: the numeric work of DESIGN.md §1 on float32 data that the caller
// (src/sequential.ts) has already validated. Both backends implement it and pass the same tests.
import type { Activation } from '../layers.js';
import type { Matrix } from '../data.js';
import type { RngState } from '../prng.js';
import type { Optimizer } from '../optimizers.js';

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

/** Σ of per-row BCE over one pass, and counts of its rows (classified at probability 0.5):
 *  correct, true positives, false positives, false negatives. */
export interface PassStats {
  lossSum: number;
  correct: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
}

/** An epoch's statistics, and where it diverged: the 0-based batch whose loss was NaN or
 *  infinite (the epoch stopped there, before that batch's update) or whose update left a
 *  non-finite weight; −1 when every batch was finite. */
export interface EpochStats extends PassStats {
  divergedAt: number;
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
  /** Use `optimizer` from the next epoch on, with fresh state (zero velocity or moments, step 1);
   *  its state is kept from epoch to epoch until the next call. A new backend runs plain SGD. */
  setOptimizer(optimizer: Optimizer): void;
  /** One epoch in batches of batchSize (≤ rows), shuffled with the model's generator or in order,
   *  each batch followed by an optimizer step with this learning rate and weight decay (both float32). */
  trainEpoch(data: Dataset, batchSize: number, learningRate: number, weightDecay: number, shuffle: boolean): EpochStats;
  /** Loss and counts over a labelled dataset, and σ(z) of every row into `probabilities` if given; no parameter changes. */
  evaluate(data: Dataset, probabilities?: Float32Array | null): PassStats;
  /** P(Y=1) per row. */
  predict(data: Dataset): Float32Array;
  /** Mean-BCE gradients over all rows of a labelled dataset, no update. */
  gradients(data: Dataset): { stats: PassStats; layers: LayerParameters[] };
  /** Free everything; the backend is unusable afterwards. */
  dispose(): void;
}

/** Create a backend for an architecture, with initial parameters and the generator state that shuffling continues from. */
export type BackendFactory = (architecture: Architecture, parameters: readonly LayerParameters[], rng: RngState) => Promise<Backend>;
