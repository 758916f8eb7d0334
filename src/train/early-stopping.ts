// Early stopping on the validation or the training loss, as Keras's EarlyStopping callback does it:
// the options, their checks, and the rule epoch by epoch (with the progress a checkpoint saves).
import type { LayerParameters } from '../network/architecture.js';
import type { EpochLog } from './history.js';
import { OptionError } from '../core/errors.js';
import { checkInteger, checkKeys, checkObject, describe } from '../core/checks.js';

/**
 * Stop training when the monitored loss stops improving (Keras's EarlyStopping, mode 'min'):
 * an epoch improves when its loss is below the best so far by more than `minDelta`; training
 * stops after `patience` epochs in a row without improvement (0 stops at the first, like 1, as
 * in Keras). A checkpoint saves the progress with the quantity watched, and a run continued
 * from it must watch the same one.
 */
export interface EarlyStoppingOptions {
  /**
   * The loss watched (Keras's `monitor`): `'valLoss'`, the validation loss, which needs
   * `validationData` or `validationSplit`; or `'loss'`, the epoch's training loss (the history's
   * `loss`: the mean over the epoch's batches as they were trained), with or without validation
   * data — for convergence of any optimizer. Default `'valLoss'`.
   */
  monitor?: 'loss' | 'valLoss';
  /** Epochs without improvement to wait before stopping. Default 0. */
  patience?: number;
  /** The least decrease of the monitored loss that counts as an improvement. Default 0. */
  minDelta?: number;
  /**
   * When training ends — stopped early, out of epochs, or stopped by `onEpochEnd` — set the
   * weights of the epoch with the best monitored loss (as Keras 3 does). Default false: keep
   * the last epoch's weights.
   */
  restoreBestWeights?: boolean;
}

/** {@link EarlyStoppingOptions} with every field filled in. */
export interface EarlyStopping {
  monitor: Monitor;
  patience: number;
  minDelta: number;
  restoreBestWeights: boolean;
}

/** The quantity early stopping watches: the key of {@link EpochLog} it reads. */
export type Monitor = NonNullable<EarlyStoppingOptions['monitor']>;

/** {@link EarlyStoppingOptions} checked (null when not given). */
export function checkEarlyStopping(value: unknown, name: string): EarlyStopping | null {
  if (value === undefined) return null;
  const o = checkObject(name, value);
  checkKeys(name, o, ['monitor', 'patience', 'minDelta', 'restoreBestWeights']);
  const monitor = o.monitor === undefined ? 'valLoss' : o.monitor;
  if (monitor !== 'loss' && monitor !== 'valLoss') {
    const keras = monitor === 'val_loss' ? " (Keras's 'val_loss' is 'valLoss' here)" : '';
    throw new OptionError(
      `${name}.monitor`,
      `${name}.monitor must be 'loss' (the training loss) or 'valLoss' (the validation loss), got ${describe(monitor)}${keras}`,
    );
  }
  const patience = o.patience === undefined ? 0 : checkInteger(`${name}.patience`, o.patience, 0);
  const minDelta = o.minDelta ?? 0;
  if (typeof minDelta !== 'number' || !(minDelta >= 0 && minDelta < Infinity)) {
    throw new OptionError(`${name}.minDelta`, `${name}.minDelta must be a finite number ≥ 0, got ${describe(o.minDelta)}`);
  }
  const restoreBestWeights = o.restoreBestWeights ?? false;
  if (typeof restoreBestWeights !== 'boolean') {
    throw new OptionError(`${name}.restoreBestWeights`, `${name}.restoreBestWeights must be true or false, got ${describe(restoreBestWeights)}`);
  }
  return { monitor, patience, minDelta, restoreBestWeights };
}

/** Where early stopping stands after an epoch. */
export interface EarlyStopperState {
  /** The quantity `best` is a value of. */
  monitor: Monitor;
  best: number;
  bestEpoch: number;
  wait: number;
  bestWeights: LayerParameters[] | null;
}

/** Refuse to continue a run's early stopping on another quantity than the one it watched (its
 *  best value and wait are of that one): `name` is the fit options' argument name. */
export function checkResumedMonitor(saved: EarlyStopperState | null, options: EarlyStopping | null, initialEpoch: number, name: string): void {
  if (!saved || !options || saved.monitor === options.monitor) return;
  throw new OptionError(
    `${name}.earlyStopping.monitor`,
    `${name}.earlyStopping.monitor is '${options.monitor}', but the run continued at epoch ${initialEpoch} ` +
      `monitored '${saved.monitor}' (its best value and wait are of that loss); continue it with monitor '${saved.monitor}'`,
  );
}

/** Keras's rule, epoch by epoch. */
export class EarlyStopper {
  best = Infinity;
  bestEpoch = -1;
  bestWeights: LayerParameters[] | null = null;
  private wait = 0;

  /** With `resume`, the progress a checkpoint saved (the same run, continued). */
  constructor(
    private readonly options: EarlyStopping,
    resume: EarlyStopperState | null = null,
  ) {
    if (!resume) return;
    this.best = resume.best;
    this.bestEpoch = resume.bestEpoch;
    this.wait = resume.wait;
    this.bestWeights = resume.bestWeights;
  }

  /** The progress so far, for a checkpoint. */
  get state(): EarlyStopperState {
    return { monitor: this.options.monitor, best: this.best, bestEpoch: this.bestEpoch, wait: this.wait, bestWeights: this.bestWeights };
  }

  /** The value this stopper watches in an epoch's log. */
  monitored(log: EpochLog): number {
    return log[this.options.monitor]!;
  }

  /** After each epoch, with its monitored loss (NaN never improves) and a way to copy the weights.
   *  True when training should stop (never after the first epoch, as in Keras). */
  update(epoch: number, loss: number, weights: () => LayerParameters[]): boolean {
    if (this.bestEpoch < 0) {
      // Until an epoch improves (a NaN loss never does), the first one counts as the best, as in Keras.
      this.bestEpoch = epoch;
      if (this.options.restoreBestWeights) this.bestWeights = weights();
    }
    if (loss + this.options.minDelta < this.best) {
      this.best = loss;
      this.bestEpoch = epoch;
      if (this.options.restoreBestWeights) this.bestWeights = weights();
      this.wait = 0;
      return false;
    }
    this.wait += 1;
    return this.wait >= this.options.patience && epoch > 0;
  }
}
