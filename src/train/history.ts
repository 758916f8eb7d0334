// What fit() reports: each epoch's log (onEpochEnd) and the history of them it returns.

/**
 * What {@link Sequential.fit} passes to `onEpochEnd` after each epoch. A regression's loss is its
 * mean squared error; its accuracy, precision, recall, F1 and AUC are NaN. The training metrics
 * are those of the data as the epoch saw it: each row scored on the forward pass of its batch,
 * before that batch's update, at probability 0.5 (as Keras reports them). The validation
 * metrics are taken after the epoch. The ROC AUC, which needs every probability sorted, is
 * computed for the validation data only (evaluate() gives it for any data).
 */
export interface EpochLog {
  /** 0-based. */
  epoch: number;
  /** Mean BCE over the epoch's samples. */
  loss: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /** The learning rate of this epoch (after the schedule), as the float32 the kernels used; with
   *  L-BFGS, the step length α its line search accepted (along the quasi-Newton direction). */
  learningRate: number;
  valLoss?: number;
  valAccuracy?: number;
  valPrecision?: number;
  valRecall?: number;
  valF1?: number;
  /** NaN when the validation labels hold one class only (and for a regression). */
  valAuc?: number;
  /** A regression's: R² of the validation targets. */
  valR2?: number;
}

/** Per-epoch metrics returned by {@link Sequential.fit}: one entry per epoch of each {@link EpochLog} field. */
export interface History {
  loss: number[];
  accuracy: number[];
  precision: number[];
  recall: number[];
  f1: number[];
  learningRate: number[];
  valLoss?: number[];
  valAccuracy?: number[];
  valPrecision?: number[];
  valRecall?: number[];
  valF1?: number[];
  valAuc?: number[];
  /** A regression's: R² of the validation targets, each epoch. */
  valR2?: number[];
  /** With early stopping: the 0-based epoch of the best monitored loss (whose weights the model
   *  holds when `restoreBestWeights` is set). */
  bestEpoch?: number;
}

/** The history of no epochs yet (with the validation series when there is validation data). */
export function emptyHistory(validation: boolean): History {
  const history: History = { loss: [], accuracy: [], precision: [], recall: [], f1: [], learningRate: [] };
  if (validation) Object.assign(history, { valLoss: [], valAccuracy: [], valPrecision: [], valRecall: [], valF1: [], valAuc: [] });
  return history;
}

/** Append an epoch's log to the history (written out: this runs after every epoch). */
export function record(h: History, log: EpochLog): void {
  h.loss.push(log.loss);
  h.accuracy.push(log.accuracy);
  h.precision.push(log.precision);
  h.recall.push(log.recall);
  h.f1.push(log.f1);
  h.learningRate.push(log.learningRate);
  if (log.valLoss !== undefined) {
    h.valLoss!.push(log.valLoss);
    h.valAccuracy!.push(log.valAccuracy!);
    h.valPrecision!.push(log.valPrecision!);
    h.valRecall!.push(log.valRecall!);
    h.valF1!.push(log.valF1!);
    h.valAuc!.push(log.valAuc!);
    if (log.valR2 !== undefined) (h.valR2 ??= []).push(log.valR2);
  }
}
