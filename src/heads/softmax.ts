// The softmax head: k ≥ 2 softmax units giving P(Y = j), labels the class indices 0…k−1, and
// categorical cross-entropy −log p_y (docs/architecture.md §1.3); the core's is
// assembly/heads/softmax.ts, the 'js' backend's src/backend/js/heads/softmax.ts. Its one count is
// the rows whose most probable class is their own; the rest of its metrics (scikit-learn's,
// src/metrics/multiclass.ts) come from each row's probabilities.
import { toLabels } from '../data/matrix.js';
import { rejectNaN } from '../metrics/classification.js';
import { macroOvrAuc, multiclassEvaluation } from '../metrics/multiclass.js';
import type { Head } from './head.js';

export const softmax: Head = {
  name: 'softmax',
  outputLayer: "dense(k, 'softmax') with k ≥ 2",
  ends: (last) => last.units >= 2 && last.activation === 'softmax',
  classes: (width) => width,
  labelWidth: () => 1,
  labels: (y, rows, argument, width) => toLabels(y, rows, argument, width),
  evaluation: (stats, kept, _threshold, width) => multiclassEvaluation(stats.lossSum, kept.labels, rejectNaN(kept.outputs), width),
  auc: (kept, width) => macroOvrAuc(kept.labels, kept.outputs, width),
  // Adding the same cᵢ to input i's weight of every class adds Σ aᵢcᵢ to every logit: no
  // probability changes, and ‖W‖² is least when each input's weights sum to 0 over the classes
  // (where scikit-learn's multinomial optimum has them).
  canonical({ weights }, width) {
    for (let at = 0; at < weights.length; at += width) {
      let mean = 0;
      for (let j = 0; j < width; j++) mean += weights[at + j]!;
      mean /= width;
      for (let j = 0; j < width; j++) weights[at + j] = weights[at + j]! - mean;
    }
  },
  metrics(stats, rows, kept) {
    const loss = stats.lossSum / rows,
      accuracy = stats.counts[0]! / rows;
    if (!kept) return { loss, accuracy, precision: NaN, recall: NaN, f1: NaN };
    const { macro } = multiclassEvaluation(stats.lossSum, kept.labels, kept.outputs, kept.outputs.length / kept.labels.length);
    return { loss, accuracy, ...macro };
  },
};
