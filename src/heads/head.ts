// The seam of a task. What a model predicts and how it learns it — its labels, the width and
// activation of its last layer, the loss and its gradient, the counts a pass keeps and the metrics
// they come to — is its output head. The core runs a head by its code (assembly/heads.ts, HEAD_CODE
// by the head's name); the 'js' backend runs its twin (src/backend/js/heads.ts); everything else
// asks the Head below. docs/architecture.md §11 says what adding one takes.
import type { Evaluation, PassStats } from '../metrics/classification.js';
import type { MulticlassEvaluation } from '../metrics/multiclass.js';
import type { RegressionEvaluation } from '../metrics/regression.js';

/** A network's last layer, as a head checks it. */
export interface OutputLayer {
  readonly units: number;
  readonly activation: string;
}

/** The mean loss and the metrics of one pass over labelled rows, as fit's history records them.
 *  A training pass of the softmax head counts the rows it gets right only: its precision, recall
 *  and F1 (macro averages, which need every row's prediction) are NaN there, and given for
 *  validation rows. */
export interface PassMetrics {
  loss: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /** Regression, with the pass's targets and values kept (validation rows): R². */
  r2?: number;
}

/** A pass's labels and what predict gives for them (rows × the head's width), when kept. */
export interface PassOutputs {
  labels: Float32Array;
  outputs: Float32Array;
}

/** The tasks a model can have: its head's name. */
export type Task = 'binary' | 'softmax' | 'regression';

export interface Head {
  /** The task, as the core's HEAD_CODE and the errors name it. */
  readonly name: Task;
  /** The last layer a network of this head ends with, as an error writes it. */
  readonly outputLayer: string;
  /** Whether a network whose last layer is `last` ends in this head. */
  ends(last: OutputLayer): boolean;
  /** The classes a last layer of `width` units tells apart (binary: 2; softmax: width; regression: 0). */
  classes(width: number): number;
  /** Labels per row for a last layer of `width` units: one (a class), or a regression's target per output. */
  labelWidth(width: number): number;
  /** `rows` labels checked and copied to float32, one per row, for a last layer of `width` units; errors name `argument`. */
  labels(y: unknown, rows: number, argument: string, width: number): Float32Array;
  /** The mean loss and the metrics of a pass over `rows` rows, from its statistics (the loss
   *  summed over the rows, and the head's four counts), and its labels and outputs when kept
   *  (validation rows). */
  metrics(stats: PassStats, rows: number, kept?: PassOutputs): PassMetrics;
  /** The ROC AUC of a pass's outputs (binary: of P(Y=1); softmax: the macro one-vs-rest mean). */
  auc(kept: PassOutputs, width: number): number;
  /** Move the last layer's parameters, in place and without changing any prediction, to where an
   *  L2 penalty on the kernel is least along the directions the loss cannot see (if the head has
   *  such directions). L-BFGS starts from there: along those directions only the penalty's
   *  curvature (λ₂, e.g. 1/n) pulls, too weakly for it to converge in float32. */
  canonical?(last: { weights: Float32Array; bias: Float32Array }, width: number): void;
  /** What evaluate() and evaluateDataset() report of labelled rows, from their pass's statistics,
   *  their labels and the outputs predict gives for them (rows × width), at `threshold` (binary). */
  evaluation(stats: PassStats, kept: PassOutputs, threshold: number, width: number): Evaluation | MulticlassEvaluation | RegressionEvaluation;
}
