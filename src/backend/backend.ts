// What a backend does: the numeric work of docs/architecture.md §1 on float32 data that the caller
// (src/model/sequential.ts) has already validated. Both backends implement it and pass the same tests.
import type { Architecture, LayerParameters, TrainingState } from '../network/architecture.js';
import type { PassStats } from '../metrics/classification.js';
import type { Matrix } from '../data/matrix.js';
import type { RngState } from '../core/prng.js';
import type { Optimizer } from '../network/optimizers.js';

/** The batch size that means all rows: full-batch gradient descent (the core's, src/backend/wasm/contract.ts). */
export { FULL_BATCH } from './wasm/contract.js';

/** Where the numbers are computed: the WebAssembly core, or its pure-TypeScript twin. */
export type BackendName = 'wasm' | 'js';

/** A labelled dataset held by a backend for repeated passes (fit's training and validation
 *  rows); release() frees what it holds. */
export interface Dataset {
  readonly rows: number;
  release(): void;
}

/** What a backend restores to undo training back to a point: parameters, optimizer state, the
 *  shuffling generator, Adam's step and the exploding-loss rule's state. Opaque outside the
 *  backend that took it. */
export interface Snapshot {
  readonly backend: 'wasm' | 'js';
}

/** What fit() will hold in a backend: sizes, so that it can refuse before copying anything. */
export interface FitPlan {
  trainRows: number;
  validationRows: number;
  /** Rows per batch, or FULL_BATCH. */
  batchSize: number;
  shuffle: boolean;
  /** The training rows have weights (fit's classWeight and sampleWeight, src/data/row-weights.ts). */
  weighted: boolean;
}

/** An epoch's rows arriving in chunks (fitDataset), in order: batches are cut from them as from
 *  rows held in memory. train() copies, checks and trains rows start…start+count−1 of a chunk
 *  (count ≤ `rows`), with their weights (indexed as y) on a stream opened weighted, else null;
 *  end() trains what the last chunk left over. Both return −1 or the batch that diverged. */
export interface RowStream {
  /** The most rows train() takes at once. */
  readonly rows: number;
  train(x: Matrix, y: Float32Array, weights: Float32Array | null, start: number, count: number, learningRate: number, weightDecay: number): number;
  end(learningRate: number, weightDecay: number): number;
  release(): void;
}

/** A backend's inference and the parts of a model's state every caller may read. */
export interface Backend {
  /** Copy parameters in (shapes already checked). */
  setParameters(layers: readonly LayerParameters[]): void;
  /** Fresh copies of the parameters. */
  getParameters(): LayerParameters[];
  /** The training state (the optimizer's, the generator's, the loss rule's), as toJSON({ training: true }) saves it. */
  getTrainingState(): TrainingState;
  /** Loss and counts over a labelled dataset, and σ(z) of every row into `probabilities` if given; no parameter changes. */
  evaluate(data: Dataset | { x: Matrix; y: Float32Array }, probabilities?: Float32Array | null): PassStats;
  /** Loss and counts added to the statistics so far (a validation set in chunks; `reset` first),
   *  and σ(z) of every row into `probabilities` if given. */
  evaluateMore(x: Matrix, y: Float32Array, reset: boolean, probabilities?: Float32Array | null): PassStats;
  /** P(Y=1) per row. */
  predict(x: Matrix): Float32Array;
  /** Mean-BCE gradients over all rows, as a full-batch epoch computes them; no update. Rows
   *  held by the backend (a Dataset of loadFit: L-BFGS's, evaluated many times) are not copied
   *  in again; the same bits either way. */
  gradients(data: Dataset | { x: Matrix; y: Float32Array }): { stats: PassStats; layers: LayerParameters[] };
  /**
   * What trains it. The training code (src/train/fit.ts, a file of its own in the browser build)
   * hands in `make` for a backend that does not train itself, so that no backend imports it.
   */
  trainer(make: MakeTrainer): Trainer;
  /** Free everything; the backend is unusable afterwards. */
  dispose(): void;
}

/** A backend's training: fits and streams, the optimizer and its state, epochs. */
export interface Trainer {
  /**
   * Take what fit() needs, all of it or none: the training rows (labels, and weights when
   * plan.weighted), the validation rows if any, and the room to shuffle and batch them, sized
   * before anything is copied (a GradwasmError naming `x` when it does not fit). Rows are checked
   * as they are copied in; weights were checked by the caller.
   */
  loadFit(
    plan: FitPlan,
    train: { x: Matrix; y: Float32Array; weights: Float32Array | null },
    validation: { x: Matrix; y: Float32Array } | null,
  ): { train: Dataset; validation: Dataset | null };
  /** The room to train a stream of rows (fitDataset) in batches of batchSize (or FULL_BATCH),
   *  rows standardised with the model's scaler (its per-column mean and scale) or not, with
   *  weights per row (`weighted`) or not. */
  openStream(batchSize: number, scaler: { mean: Float64Array; scale: Float64Array } | null, rows: number | null, weighted: boolean): RowStream;
  /** Use `optimizer` from the next batch on, with fresh state (zero velocity or moments, step 1);
   *  its state is kept from batch to batch, and from fit to fit, until the next call. A new
   *  backend runs plain SGD. */
  setOptimizer(optimizer: Optimizer): void;
  /** The shuffling generator's state, and setting it (fitDataset's shuffle window draws from it). */
  rng(): RngState;
  setRng(state: RngState): void;
  /** Put a training state back (after setOptimizer of the same optimizer). */
  setTrainingState(state: TrainingState): void;
  /** The training state now, to go back to with restore(). */
  snapshot(): Snapshot;
  restore(snapshot: Snapshot): void;
  /** The exploding-loss rule on or off; `restart` forgets its recent loss and reference (a new fit). */
  setLossRule(on: boolean, restart: boolean): void;
  /** An epoch's mean loss, which the rule's reference comes down to if it is lower. */
  observeLoss(meanLoss: number): void;
  /** Start an epoch: statistics zeroed, and a new seeded order of the rows when shuffled. */
  beginEpoch(data: Dataset | null, shuffle: boolean): void;
  /**
   * Train batches first…first+count−1 of the epoch (batches of batchSize rows or FULL_BATCH,
   * the last one shorter), each followed by an optimizer step with this learning rate and weight
   * decay (both float32). Returns −1, or the batch at which training diverged: its mean loss was
   * NaN or infinite or took the recent loss past the exploding-loss limit (stopped before its
   * update), or its update left a parameter that is not finite.
   */
  trainBatches(data: Dataset, first: number, count: number, batchSize: number, learningRate: number, weightDecay: number): number;
  /** The statistics of the epoch so far, the recent loss, the exploding-loss limit, the batches done. */
  epochStats(): PassStats & { recentLoss: number; limit: number; batches: number };
}

/** Create a backend for an architecture (whose plan was checked), with initial parameters and
 *  the generator state that shuffling continues from. */
export type BackendFactory = (architecture: Architecture, parameters: readonly LayerParameters[], rng: RngState, threads: number) => Promise<Backend>;

/** Makes the Trainer of a backend whose training lives with the training code (the 'wasm' backend's). */
export type MakeTrainer = (backend: Backend) => Trainer;
