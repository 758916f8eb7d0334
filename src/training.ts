// What fit() does around its epochs, as Keras does it: the validation split (validation_split)
// and early stopping on the validation loss (the EarlyStopping callback), with their checks,
// and the per-epoch metrics of a pass.
import type { LayerParameters, PassStats } from './backend/backend.js';
import { firstNonFinite, type Matrix } from './data.js';
import { GradwasmError, checkInteger, checkKeys, checkObject, describe } from './errors.js';
import { f1Score, precision, recall, type ConfusionMatrix } from './metrics.js';

/**
 * Stop training when the validation loss stops improving (Keras's EarlyStopping with
 * monitor 'val_loss'): an epoch improves when its validation loss is below the best so far by
 * more than `minDelta`; training stops after `patience` epochs in a row without improvement
 * (0 stops at the first, like 1, as in Keras).
 */
export interface EarlyStoppingOptions {
  /** Epochs without improvement to wait before stopping. Default 0. */
  patience?: number;
  /** The least decrease of the validation loss that counts as an improvement. Default 0. */
  minDelta?: number;
  /**
   * When training ends — stopped early, out of epochs, or stopped by `onEpochEnd` — set the
   * weights of the epoch with the best validation loss (as Keras 3 does). Default false: keep
   * the last epoch's weights.
   */
  restoreBestWeights?: boolean;
}

/** {@link EarlyStoppingOptions} with every field filled in. */
export interface EarlyStopping {
  patience: number;
  minDelta: number;
  restoreBestWeights: boolean;
}

/** {@link EarlyStoppingOptions} checked (null when not given). */
export function checkEarlyStopping(value: unknown, name: string): EarlyStopping | null {
  if (value === undefined) return null;
  const o = checkObject(name, value);
  checkKeys(name, o, ['patience', 'minDelta', 'restoreBestWeights']);
  const patience = o.patience === undefined ? 0 : checkInteger(`${name}.patience`, o.patience, 0);
  const minDelta = o.minDelta ?? 0;
  if (typeof minDelta !== 'number' || !(minDelta >= 0 && minDelta < Infinity)) {
    throw new GradwasmError(`${name}.minDelta`, `${name}.minDelta must be a finite number ≥ 0, got ${describe(o.minDelta)}`);
  }
  const restoreBestWeights = o.restoreBestWeights ?? false;
  if (typeof restoreBestWeights !== 'boolean') {
    throw new GradwasmError(`${name}.restoreBestWeights`, `${name}.restoreBestWeights must be true or false, got ${describe(restoreBestWeights)}`);
  }
  return { patience, minDelta, restoreBestWeights };
}

/** Keras's rule, epoch by epoch. */
export class EarlyStopper {
  best = Infinity;
  bestEpoch = -1;
  bestWeights: LayerParameters[] | null = null;
  private wait = 0;

  constructor(private readonly options: EarlyStopping) {}

  /** After each epoch, with its validation loss (NaN never improves) and a way to copy the weights.
   *  True when training should stop (never after the first epoch, as in Keras). */
  update(epoch: number, valLoss: number, weights: () => LayerParameters[]): boolean {
    if (this.bestEpoch < 0) {
      // Until an epoch improves (a NaN loss never does), the first one counts as the best, as in Keras.
      this.bestEpoch = epoch;
      if (this.options.restoreBestWeights) this.bestWeights = weights();
    }
    if (valLoss + this.options.minDelta < this.best) {
      this.best = valLoss;
      this.bestEpoch = epoch;
      if (this.options.restoreBestWeights) this.bestWeights = weights();
      this.wait = 0;
      return false;
    }
    this.wait += 1;
    return this.wait >= this.options.patience && epoch > 0;
  }
}

/**
 * The rows trained on when the last `fraction` of them validate (Keras's validation_split:
 * ⌊rows·(1 − fraction)⌋ first rows train). Throws unless both sides keep a row.
 */
export function checkValidationSplit(value: unknown, rows: number, name: string): number {
  const trainRows = typeof value === 'number' && value > 0 && value < 1 ? Math.floor(rows * (1 - value)) : 0;
  if (!(trainRows >= 1 && trainRows < rows)) {
    throw new GradwasmError(name, `${name} must be a number in (0, 1) that leaves at least one row on each side of the ${rows}, got ${describe(value)}`);
  }
  return trainRows;
}

/**
 * Rows 0…at−1 and at…rows−1 of `x` (with their labels): x is read and checked once here, and
 * each side reports a bad value, or a scaler overflow, at its row in x as the caller wrote it.
 */
export function splitRows(x: Matrix, y: Float32Array, at: number): [{ x: Matrix; y: Float32Array }, { x: Matrix; y: Float32Array }] {
  const cols = x.cols;
  const data = new Float32Array(x.rows * cols);
  x.copyTo(data);
  const bad = firstNonFinite(data);
  if (bad >= 0) x.reject(bad);
  const part = (from: number, to: number): { x: Matrix; y: Float32Array } => {
    const offset = from * cols;
    const s = x.standardization;
    const rows: Matrix = {
      rows: to - from,
      cols,
      copyTo: (dest) => dest.set(data.subarray(offset, to * cols)),
      reject: (index) => x.reject(offset + index),
      ...(s ? { standardization: { mean: s.mean, scale: s.scale, overflow: (index: number, value: number) => s.overflow(offset + index, value) } } : {}),
    };
    return { x: rows, y: y.subarray(from, to) };
  };
  return [part(0, at), part(at, x.rows)];
}

/** Mean loss, and accuracy, precision, recall and F1 at probability 0.5, of a pass over `rows` rows. */
export function passMetrics(stats: PassStats, rows: number): { loss: number; accuracy: number; precision: number; recall: number; f1: number } {
  const c = confusionOf(stats, rows);
  return { loss: stats.lossSum / rows, accuracy: stats.correct / rows, precision: precision(c), recall: recall(c), f1: f1Score(c) };
}

/** The confusion matrix a pass counted (at probability 0.5). */
export function confusionOf(stats: PassStats, rows: number): ConfusionMatrix {
  const tp = stats.truePositives, fp = stats.falsePositives, fn = stats.falseNegatives;
  return { tp, fp, tn: rows - tp - fp - fn, fn };
}
