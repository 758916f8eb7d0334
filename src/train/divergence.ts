// How a fit diverges: the exploding-loss rule's constants (the rule runs in the backends), and
// the error a diverged fit throws — where, what happened, what the model kept, the likely cause.
import type { Matrix } from '../data/matrix.js';
import { DivergenceError } from '../core/errors.js';

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
export { EXPLODING_CEILING, EXPLODING_FACTOR } from '../core/codes.js';
// (The rule runs batch by batch inside the backends: assembly/model.ts and src/backend/js/js-backend.ts.)

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
  epoch: number;
  batch: number;
  batches: number | null;
  loss: number;
  limit: number;
  learningRate: number;
  weightDecay: number;
  beforeAnyUpdate: boolean;
  scaled: boolean;
  features: () => number;
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
  return new DivergenceError(
    argument,
    `training diverged in epoch ${epoch}, batch ${batch}${batches === null ? '' : ` (of ${batches})`}: ${what}. ${kept}; ${advice}`,
    { epoch, batch, cause },
  );
}

/** The shortest decimal that is this float32 (0.01, not 0.009999999776482582). */
export function float32Text(value: number): string {
  for (let digits = 1; digits < 9; digits++) {
    const text = Number(value.toPrecision(digits));
    if (Math.fround(text) === value) return String(text);
  }
  return String(value);
}
