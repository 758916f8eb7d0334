// The seam of a task. What a model predicts and how it learns it — its labels, the width and
// activation of its last layer, the loss and its gradient, the counts a pass keeps and the metrics
// they come to — is its output head. The core runs a head by its code (assembly/heads.ts, HEAD_CODE
// by the head's name); the 'js' backend runs its twin (src/backend/js/heads.ts); everything else
// asks the Head below. docs/architecture.md §11 says what adding one takes.
import type { Evaluation, PassStats } from '../metrics/classification.js';

/** A network's last layer, as a head checks it. */
export interface OutputLayer {
  readonly units: number;
  readonly activation: string;
}

/** The mean loss and the metrics of one pass over labelled rows, as fit's history records them. */
export interface PassMetrics {
  loss: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface Head {
  /** The task, as the core's HEAD_CODE and the errors name it. */
  readonly name: 'binary';
  /** The last layer a network of this head ends with, as an error writes it. */
  readonly outputLayer: string;
  /** Whether a network whose last layer is `last` ends in this head. */
  ends(last: OutputLayer): boolean;
  /** `rows` labels checked and copied to float32, one per row; errors name `argument`. */
  labels(y: unknown, rows: number, argument: string): Float32Array;
  /** The mean loss and the metrics of a pass over `rows` rows, from its statistics (the loss
   *  summed over the rows, and the head's four counts). */
  metrics(stats: PassStats, rows: number): PassMetrics;
  /** What evaluate() and evaluateDataset() report of labelled rows, from their pass's statistics,
   *  their labels and the outputs predict gives for them, at `threshold`. */
  evaluation(stats: PassStats, labels: Float32Array, outputs: Float32Array, threshold: number): Evaluation;
}
