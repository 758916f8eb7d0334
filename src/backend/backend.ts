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

/** A labelled dataset held by a backend for repeated passes (fit's training and validation
 *  rows); release() frees what it holds. */
export interface Dataset {
  readonly rows: number;
  release(): void;
}

/** What a backend restores to undo training back to a point: parameters, optimizer state, the
 *  shuffling generator and Adam's step. Opaque outside the backend that took it. */
export interface Snapshot {
  readonly backend: 'wasm' | 'js';
}

/** What fit() will hold in a backend: sizes, so that it can refuse before copying anything. */
export interface FitPlan {
  trainRows: number;
  validationRows: number;
  batchSize: number;
  shuffle: boolean;
}

export interface Backend {
  /** Copy parameters in (shapes already checked). */
  setParameters(layers: readonly LayerParameters[]): void;
  /** Fresh copies of the parameters. */
  getParameters(): LayerParameters[];
  /**
   * Take what fit() needs, all of it or none: the training rows (and labels), the validation
   * rows if any, and the room to shuffle and batch them, sized before anything is copied (a
   * GradwasmError naming `x` when it does not fit). Rows are checked as they are copied in.
   */
  loadFit(plan: FitPlan, train: { x: Matrix; y: Float32Array }, validation: { x: Matrix; y: Float32Array } | null): { train: Dataset; validation: Dataset | null };
  /** Use `optimizer` from the next batch on, with fresh state (zero velocity or moments, step 1);
   *  its state is kept from batch to batch, and from fit to fit, until the next call. A new
   *  backend runs plain SGD. */
  setOptimizer(optimizer: Optimizer): void;
  /** The training state now, to go back to with restore(). */
  snapshot(): Snapshot;
  restore(snapshot: Snapshot): void;
  /** When the recent loss (the moving mean of the batches' losses over about 256 rows) is above
   *  this, training stops as diverged (+∞: only a NaN or infinite loss does); `restart` forgets
   *  the recent loss (a new fit). */
  setLossLimit(limit: number, restart: boolean): void;
  /** Start an epoch: statistics zeroed, and a new seeded order of the rows when shuffled. */
  beginEpoch(data: Dataset, shuffle: boolean): void;
  /**
   * Train batches first…first+count−1 of the epoch (batches of batchSize rows, the last one
   * shorter), each followed by an optimizer step with this learning rate and weight decay (both
   * float32). Returns −1, or the batch at which training diverged: its mean loss was NaN or
   * infinite or took the recent loss above the limit (stopped before its update), or its update
   * left a parameter that is not finite.
   */
  trainBatches(data: Dataset, first: number, count: number, batchSize: number, learningRate: number, weightDecay: number): number;
  /** The statistics of the epoch so far, and the recent loss. */
  epochStats(): PassStats & { recentLoss: number };
  /** Loss and counts over a labelled dataset, and σ(z) of every row into `probabilities` if given; no parameter changes. */
  evaluate(data: Dataset | { x: Matrix; y: Float32Array }, probabilities?: Float32Array | null): PassStats;
  /** P(Y=1) per row. */
  predict(x: Matrix): Float32Array;
  /** Mean-BCE gradients over all rows, no update. */
  gradients(x: Matrix, y: Float32Array): { stats: PassStats; layers: LayerParameters[] };
  /** Free everything; the backend is unusable afterwards. */
  dispose(): void;
}

/** Create a backend for an architecture (whose plan was checked), with initial parameters and
 *  the generator state that shuffling continues from. */
export type BackendFactory = (architecture: Architecture, parameters: readonly LayerParameters[], rng: RngState) => Promise<Backend>;
