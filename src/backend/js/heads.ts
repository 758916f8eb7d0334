// The 'js' backend's twin of each output head of the core (assembly/heads.ts): the same
// arithmetic in the same order, by the head's name (src/heads/). A new head registers here.
import type { PassStats } from '../../metrics/classification.js';
import type { Head } from '../../heads/index.js';
import type { Doubles } from './doubles.js';
import { binaryOutputs, binaryRows } from './heads/binary.js';
import { regressionOutputs, regressionRows } from './heads/regression.js';
import { softmaxOutputs, softmaxRows } from './heads/softmax.js';

export interface HeadTwin {
  /**
   * Rows 0…rows−1 of a batch of batchRows rows, `width` logits each: their losses summed into stats.lossSum one by one
   * (and returned, summed alone), the head's counts added to stats.counts, the gradient of the
   * batch-mean loss with respect to the logits into grad (if given; rows × width), and from row
   * `at` of `outputs` (if given; width per row) what predict gives. With weights w (if given), as the core's head.
   */
  rows(
    logits: Doubles,
    y: Doubles,
    w: Doubles | null,
    rows: number,
    batchRows: number,
    width: number,
    grad: Doubles | null,
    outputs: Float32Array | null,
    at: number,
    stats: PassStats,
  ): number;
  /** Row at + i of outputs (width per row) ← what predict gives for logits row i, for rows 0…rows−1. */
  outputs(logits: Doubles, outputs: Float32Array, at: number, rows: number, width: number): void;
}

export const HEAD_TWINS: Readonly<Record<Head['name'], HeadTwin>> = {
  binary: {
    rows: (logits, y, w, rows, batchRows, _width, grad, outputs, at, stats) => binaryRows(logits, y, w, rows, batchRows, grad, outputs, at, stats),
    outputs: binaryOutputs,
  },
  softmax: { rows: softmaxRows, outputs: softmaxOutputs },
  regression: { rows: regressionRows, outputs: regressionOutputs },
};
