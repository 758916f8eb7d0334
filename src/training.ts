// What fit() does around its epochs, as Keras does it: the validation split (validation_split)
// and early stopping on the validation or the training loss (the EarlyStopping callback), with their checks,
// and the per-epoch metrics of a pass; and what it does inside them: the exploding-loss rule,
// the message of a divergence, and the pace of calls into the backend.
import type { LayerParameters, PassStats } from './backend/backend.js';
import type { EarlyStoppingOptions, EpochLog, History } from './types.js';
export type { EarlyStoppingOptions } from './types.js';
import { rowRange, type Matrix } from './data.js';
import { DivergenceError, OptionError } from './errors.js';
import { checkInteger, checkKeys, checkObject, describe } from './checks.js';
import { f1Score, precision, recall } from './metrics.js';
import type { ConfusionMatrix } from './types.js';

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
    throw new OptionError(`${name}.monitor`, `${name}.monitor must be 'loss' (the training loss) or 'valLoss' (the validation loss), got ${describe(monitor)}${keras}`);
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
  throw new OptionError(`${name}.earlyStopping.monitor`, `${name}.earlyStopping.monitor is '${options.monitor}', but the run continued at epoch ${initialEpoch} ` +
    `monitored '${saved.monitor}' (its best value and wait are of that loss); continue it with monitor '${saved.monitor}'`);
}

/** Keras's rule, epoch by epoch. */
export class EarlyStopper {
  best = Infinity;
  bestEpoch = -1;
  bestWeights: LayerParameters[] | null = null;
  private wait = 0;

  /** With `resume`, the progress a checkpoint saved (the same run, continued). */
  constructor(private readonly options: EarlyStopping, resume: EarlyStopperState | null = null) {
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

/**
 * The rows trained on when the last `fraction` of them validate (Keras's validation_split:
 * ⌊rows·(1 − fraction)⌋ first rows train). Throws unless both sides keep a row.
 */
export function checkValidationSplit(value: unknown, rows: number, name: string): number {
  const trainRows = typeof value === 'number' && value > 0 && value < 1 ? Math.floor(rows * (1 - value)) : 0;
  if (!(trainRows >= 1 && trainRows < rows)) {
    throw new OptionError(name, `${name} must be a number in (0, 1) that leaves at least one row on each side of the ${rows}, got ${describe(value)}`);
  }
  return trainRows;
}

/** Rows 0…at−1 and at…rows−1 of `x` (with their labels), without copying: each side reports a
 *  bad value, or a scaler overflow, at its row in x as the caller wrote it. */
export function splitRows(x: Matrix, y: Float32Array, at: number): [{ x: Matrix; y: Float32Array }, { x: Matrix; y: Float32Array }] {
  return [{ x: rowRange(x, 0, at), y: y.subarray(0, at) }, { x: rowRange(x, at, x.rows - at), y: y.subarray(at) }];
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

/**
 * The exploding-loss rule. Training has exploded when the recent loss — the mean BCE of the
 * batches trained, as a moving average over about 256 rows (so that one bad row of a batch of 1
 * is not taken for a run that explodes) — rises above
 * min(EXPLODING_CEILING, EXPLODING_FACTOR · max(ln 2, reference)), where the reference is the
 * lowest of: the loss of the fit's first batch (before any update) and the mean loss of each
 * epoch since. ln 2 is what a constant guess of ½ scores; a healthy run stays within a few times
 * its starting loss, so a thousandfold rise (mean logits of the wrong sign in the hundreds) is a
 * run whose steps have stopped descending — the loss can stay finite for many epochs while the
 * weights race towards float32's end. The ceiling catches a run that starts there: a mean loss
 * above 10⁶ nats is a model whose logits are in the millions, whatever it started from.
 */
export const EXPLODING_FACTOR = 1e3;
export const EXPLODING_CEILING = 1e6;
// (The rule runs batch by batch inside the backends: assembly/model.ts and src/backend/js.ts.)


/** Largest |value| among the finite rows of x (as the model sees them), read a chunk at a time. */
export function largestMagnitude(x: Matrix): number {
  const chunk = Math.max(1, Math.min(x.rows, Math.floor(2 ** 20 / x.cols)));
  const buffer = new Float32Array(chunk * x.cols);
  let largest = 0;
  for (let start = 0; start < x.rows; start += chunk) {
    const count = Math.min(chunk, x.rows - start);
    const part = count === chunk ? buffer : buffer.subarray(0, count * x.cols);
    x.copyRows(start, count, part);
    for (let i = 0; i < part.length; i++) largest = Math.max(largest, Math.abs(part[i]!));
  }
  return largest;
}

/** Features above this magnitude, unscaled, are the likely cause of a divergence. */
const HUGE_FEATURE = 1e3;

/** What a diverged fit says: where, what happened, what the model kept, and the likely cause
 *  named from the options it ran with. */
export function divergenceError(where: {
  epoch: number; batch: number; batches: number | null; loss: number; limit: number; learningRate: number; weightDecay: number;
  beforeAnyUpdate: boolean; scaled: boolean; features: () => number;
}): DivergenceError {
  const { epoch, batch, batches, loss, limit } = where;
  const what = !Number.isFinite(loss)
    ? `the loss became ${loss}`
    : loss > limit
      ? `the loss exploded to ${loss.toPrecision(3)}, past ${limit.toPrecision(3)} (the exploding-loss rule; options.stopOnExplodingLoss: false turns it off)`
      : 'a weight became NaN or infinite';
  const kept = `The model keeps the weights it had ${epoch === 0 ? 'before fit' : `after epoch ${epoch - 1}`}`;
  const largest = where.scaled ? 0 : where.features();
  let argument: string, advice: string;
  if (where.beforeAnyUpdate && largest > HUGE_FEATURE) {
    argument = 'x';
    advice = `the loss was that high before any update: features as large as ${largest.toPrecision(3)} need scaling (a StandardScaler)`;
  } else if (where.weightDecay > 0 && where.learningRate * where.weightDecay >= 1) {
    argument = 'options.weightDecay';
    advice = `options.weightDecay ${float32Text(where.weightDecay)} times the learning rate ${float32Text(where.learningRate)} is ≥ 1, so each step overshoots the decay; use a smaller options.weightDecay`;
  } else if (largest > HUGE_FEATURE) {
    argument = 'x';
    advice = `the features are not scaled (values as large as ${largest.toPrecision(3)}), which makes every step of options.learningRate ${float32Text(where.learningRate)} too big; scale them (a StandardScaler) or lower the rate`;
  } else {
    argument = 'options.learningRate';
    advice = `a smaller options.learningRate (this epoch used ${float32Text(where.learningRate)}) usually helps`;
  }
  const cause = !Number.isFinite(loss) ? 'non-finite-loss' : loss > limit ? 'exploding-loss' : 'non-finite-weights';
  return new DivergenceError(argument, `training diverged in epoch ${epoch}, batch ${batch}${batches === null ? '' : ` (of ${batches})`}: ${what}. ${kept}; ${advice}`, { epoch, batch, cause });
}

/** The shortest decimal that is this float32 (0.01, not 0.009999999776482582). */
export function float32Text(value: number): string {
  for (let digits = 1; digits < 9; digits++) {
    const text = Number(value.toPrecision(digits));
    if (Math.fround(text) === value) return String(text);
  }
  return String(value);
}

/**
 * How many batches each call into a backend trains: about PACE_MS of work, so that a cancel,
 * timers and the page get their turn within an epoch (and a long epoch is many calls of many
 * batches, never one call per small batch). Follows the time the last call took, from a first
 * call of one batch.
 */
export class Pace {
  private msPerBatch = Infinity;

  batches(remaining: number): number {
    return Math.max(1, Math.min(remaining, Math.floor(PACE_MS / this.msPerBatch)));
  }

  measured(batches: number, ms: number): void {
    this.msPerBatch = Math.max(ms, 1e-3) / batches;
  }
}

export const PACE_MS = 50;

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
  }
}
