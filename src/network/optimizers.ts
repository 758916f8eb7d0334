// Optimizers and learning-rate schedules as fit() takes them: the options (Keras/TensorFlow.js
// names and defaults), their checks, and the float32 numbers the backends run on. The update
// rules themselves are in assembly/optimizers.ts (and their twins in src/backend/js/js-backend.ts).
import { OPTIMIZER_CODE } from '../core/codes.js';
import { OptionError } from '../core/errors.js';
import { checkInteger, checkKeys, checkObject, describe } from '../core/checks.js';

/**
 * How {@link Sequential.fit} updates the weights after each batch (TensorFlow.js's formulas;
 * g is the batch's mean-BCE gradient plus `weightDecay`·W for kernels, λ the learning rate):
 * - `'sgd'` or `{ type: 'sgd' }` (the default): W ← W − λ·g, the article's gradient descent.
 * - `{ type: 'momentum', momentum, nesterov? }` (tf.train.momentum): v ← momentum·v + g, then
 *   W ← W − λ·v, or with `nesterov: true` W ← W − λ·(g + momentum·v). `momentum` in [0, 1] is
 *   required (TF.js has no default); `nesterov` defaults to false.
 * - `'adam'` or `{ type: 'adam', beta1?, beta2?, epsilon? }` (tf.train.adam): m ← β1·m + (1−β1)·g,
 *   v ← β2·v + (1−β2)·g², W ← W − λ·(m/(1−β1ᵗ)) / (√(v/(1−β2ᵗ)) + ε) at step t = 1, 2, …; defaults
 *   β1 = 0.9, β2 = 0.999, ε = 1e-7 (Keras's and TF.js's).
 * - `'lbfgs'` or `{ type: 'lbfgs', memory?, tolerance? }` (scikit-learn's `solver='lbfgs'`, SciPy's
 *   L-BFGS-B without bounds): full-batch only, one quasi-Newton iteration per epoch, its step
 *   chosen by a line search that satisfies the strong Wolfe conditions (so no `learningRate`).
 *   The objective is the mean BCE plus (`weightDecay`/2)·ΣW² over the kernels. `memory` (default
 *   10) is the number of (s, y) pairs kept. Training stops before `epochs` once converged: when
 *   max|gᵢ| ≤ `tolerance` (SciPy's `pgtol`, default 1e-5) or when an iteration lowers the objective
 *   by a relative (f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) ≤ 64·ε ≈ 1.4e-14 (scikit-learn's `ftol`),
 *   or when the line search finds no lower point (the objective flat to float32 rounding).
 *   See {@link LbfgsOptions} and docs/architecture.md §1.5.
 */
export type OptimizerOptions =
  | 'sgd'
  | 'adam'
  | 'lbfgs'
  | { type: 'sgd' }
  | { type: 'momentum'; momentum: number; nesterov?: boolean }
  | { type: 'adam'; beta1?: number; beta2?: number; epsilon?: number }
  | LbfgsOptions;

/** `optimizer: { type: 'lbfgs', … }` of {@link OptimizerOptions}. */
export interface LbfgsOptions {
  type: 'lbfgs';
  /** Curvature pairs kept (an integer from 1 to 1000). Default 10, as SciPy's and scikit-learn's. */
  memory?: number;
  /** Converged when max|gᵢ| ≤ tolerance (a finite number ≥ 0; SciPy's pgtol). Default 1e-5. */
  tolerance?: number;
}

/** {@link LbfgsOptions} with every field filled in. */
export interface Lbfgs {
  type: 'lbfgs';
  memory: number;
  tolerance: number;
  /** The relative decrease that counts as converged: 64·ε, as scikit-learn passes to SciPy. */
  ftol: number;
}

/** L-BFGS's defaults (see {@link LbfgsOptions}). */
export const LBFGS_DEFAULTS: Lbfgs = { type: 'lbfgs', memory: 10, tolerance: 1e-5, ftol: 64 * Number.EPSILON };

/** An optimizer with every field filled in (as {@link OptimizerOptions} with the defaults). */
export type Optimizer =
  { type: 'sgd' } | { type: 'momentum'; momentum: number; nesterov: boolean } | { type: 'adam'; beta1: number; beta2: number; epsilon: number };

/**
 * A learning rate per epoch, from the `learningRate` λ of {@link FitOptions} (rounded to float32)
 * and e, the 0-based epoch of the `fit` call (each call starts at e = 0), rounded to float32:
 * - `{ type: 'step', every, factor }`: λ·factor^⌊e/every⌋ — multiply by `factor` every `every` epochs.
 * - `{ type: 'exponential', decayRate, decaySteps?, staircase? }`: λ·decayRate^(e/decaySteps),
 *   with ⌊e/decaySteps⌋ when `staircase` — Keras's ExponentialDecay counted in epochs rather
 *   than batches (`decaySteps` defaults to 1 epoch, `staircase` to false).
 */
export type LearningRateSchedule =
  { type: 'step'; every: number; factor: number } | { type: 'exponential'; decayRate: number; decaySteps?: number; staircase?: boolean };

/** A schedule with every field filled in. */
export type Schedule = { type: 'step'; every: number; factor: number } | { type: 'exponential'; decayRate: number; decaySteps: number; staircase: boolean };

/** What a backend runs: the optimizer code, the five float32 hyper-parameters of
 *  assembly/model.ts (momentum | β1, 1 − β1, β2, 1 − β2, ε; unused ones 0) and Nesterov's flag.
 *  1 − β is taken in float64 from the caller's β, then rounded, as TF.js does. */
export function optimizerParameters(o: Optimizer): { kind: number; hyper: [number, number, number, number, number]; nesterov: boolean } {
  const f = Math.fround;
  if (o.type === 'momentum') return { kind: OPTIMIZER_CODE.momentum, hyper: [f(o.momentum), 0, 0, 0, 0], nesterov: o.nesterov };
  if (o.type === 'adam') return { kind: OPTIMIZER_CODE.adam, hyper: [f(o.beta1), f(1 - o.beta1), f(o.beta2), f(1 - o.beta2), f(o.epsilon)], nesterov: false };
  return { kind: OPTIMIZER_CODE.sgd, hyper: [0, 0, 0, 0, 0], nesterov: false };
}

/** The learning rate when none is given: Keras's defaults, 0.001 for Adam, 0.01 otherwise. */
export function defaultLearningRate(o: Optimizer): number {
  return o.type === 'adam' ? 0.001 : 0.01;
}

/** fit's optimizer option checked: L-BFGS ({@link Lbfgs}), or a per-batch optimizer by {@link checkOptimizer}. */
export function checkFitOptimizer(value: unknown, name: string): Optimizer | Lbfgs {
  if (value === 'lbfgs') return { ...LBFGS_DEFAULTS };
  if (value === undefined || value === 'sgd' || value === 'adam') return checkOptimizer(value, name);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const hint = value === 'momentum' ? "; momentum needs its coefficient: { type: 'momentum', momentum: 0.9 }" : '';
    throw new OptionError(name, `${name} must be 'sgd', 'adam', 'lbfgs' or { type: 'sgd' | 'momentum' | 'adam' | 'lbfgs', … }, got ${describe(value)}${hint}`);
  }
  const o = value as Record<string, unknown>;
  if (o.type !== 'lbfgs') {
    if (o.type === 'sgd' || o.type === 'momentum' || o.type === 'adam') return checkOptimizer(value, name);
    throw new OptionError(`${name}.type`, `${name}.type must be 'sgd', 'momentum', 'adam' or 'lbfgs', got ${describe(o.type)}`);
  }
  checkKeys(name, o, ['type', 'memory', 'tolerance']);
  const memory = o.memory === undefined ? LBFGS_DEFAULTS.memory : checkInteger(`${name}.memory`, o.memory, 1, 1000);
  const tolerance = o.tolerance ?? LBFGS_DEFAULTS.tolerance;
  if (typeof tolerance !== 'number' || !(tolerance >= 0 && tolerance < Infinity)) {
    throw new OptionError(`${name}.tolerance`, `${name}.tolerance must be a finite number ≥ 0, got ${describe(o.tolerance)}`);
  }
  return { ...LBFGS_DEFAULTS, memory, tolerance };
}

/** {@link OptimizerOptions} checked, with the defaults filled in (the per-batch ones: L-BFGS is {@link checkFitOptimizer}'s). */
export function checkOptimizer(value: unknown, name: string): Optimizer {
  if (value === undefined || value === 'sgd') return { type: 'sgd' };
  if (value === 'adam') return { type: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const hint = value === 'momentum' ? "; momentum needs its coefficient: { type: 'momentum', momentum: 0.9 }" : '';
    throw new OptionError(name, `${name} must be 'sgd', 'adam' or { type: 'sgd' | 'momentum' | 'adam', … }, got ${describe(value)}${hint}`);
  }
  const o = value as Record<string, unknown>;
  if (o.type === 'sgd') {
    checkKeys(name, o, ['type']);
    return { type: 'sgd' };
  }
  if (o.type === 'momentum') {
    checkKeys(name, o, ['type', 'momentum', 'nesterov']);
    const momentum = o.momentum;
    if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) {
      throw new OptionError(`${name}.momentum`, `${name}.momentum must be a number in [0, 1], got ${describe(momentum)}`);
    }
    return { type: 'momentum', momentum, nesterov: checkBoolean(o.nesterov, false, `${name}.nesterov`) };
  }
  if (o.type === 'adam') {
    checkKeys(name, o, ['type', 'beta1', 'beta2', 'epsilon']);
    const beta = (key: 'beta1' | 'beta2', fallback: number): number => {
      const v = o[key] ?? fallback;
      // β = 1 would make the bias correction 1 − βᵗ zero: it must stay below 1 once rounded to float32.
      if (typeof v !== 'number' || !(v >= 0 && Math.fround(v) < 1)) {
        throw new OptionError(`${name}.${key}`, `${name}.${key} must be a number in [0, 1) (below 1 as a float32), got ${describe(o[key])}`);
      }
      return v;
    };
    const beta1 = beta('beta1', 0.9),
      beta2 = beta('beta2', 0.999);
    const epsilon = o.epsilon ?? 1e-7;
    if (!positiveFloat32(epsilon)) {
      throw new OptionError(`${name}.epsilon`, `${name}.epsilon must be a finite number > 0 (as a float32), got ${describe(o.epsilon)}`);
    }
    return { type: 'adam', beta1, beta2, epsilon: epsilon as number };
  }
  throw new OptionError(`${name}.type`, `${name}.type must be 'sgd', 'momentum' or 'adam', got ${describe(o.type)}`);
}

/** {@link LearningRateSchedule} checked, with the defaults filled in; null when none is given. */
export function checkSchedule(value: unknown, name: string): Schedule | null {
  if (value === undefined) return null;
  const o = checkObject(name, value);
  const positive = (key: string): number => {
    const v = o[key];
    if (typeof v !== 'number' || !(v > 0 && v < Infinity)) {
      throw new OptionError(`${name}.${key}`, `${name}.${key} must be a finite number > 0, got ${describe(v)}`);
    }
    return v;
  };
  if (o.type === 'step') {
    checkKeys(name, o, ['type', 'every', 'factor']);
    return { type: 'step', every: checkInteger(`${name}.every`, o.every, 1), factor: positive('factor') };
  }
  if (o.type === 'exponential') {
    checkKeys(name, o, ['type', 'decayRate', 'decaySteps', 'staircase']);
    const decayRate = positive('decayRate');
    const decaySteps = o.decaySteps === undefined ? 1 : positive('decaySteps');
    return { type: 'exponential', decayRate, decaySteps, staircase: checkBoolean(o.staircase, false, `${name}.staircase`) };
  }
  throw new OptionError(`${name}.type`, `${name}.type must be 'step' or 'exponential', got ${describe(o.type)}`);
}

/** The learning rate of 0-based epoch e: λ32 (a float32) under `schedule`, rounded to float32. */
export function scheduledRate(lr32: number, schedule: Schedule | null, epoch: number): number {
  if (!schedule) return lr32;
  const power =
    schedule.type === 'step'
      ? schedule.factor ** Math.floor(epoch / schedule.every)
      : schedule.decayRate ** (schedule.staircase ? Math.floor(epoch / schedule.decaySteps) : epoch / schedule.decaySteps);
  return Math.fround(lr32 * power);
}

/** Throw unless every epoch of a fit of `epochs` epochs gets a finite float32 rate > 0 (the rates
 *  are monotonic in the epoch, so the first and last decide). */
export function checkScheduledRates(lr32: number, schedule: Schedule | null, epochs: number, name: string): void {
  if (!schedule) return;
  for (const epoch of [0, epochs - 1]) {
    const rate = scheduledRate(lr32, schedule, epoch);
    if (!(rate > 0 && rate < Infinity)) {
      throw new OptionError(name, `${name} gives epoch ${epoch} (of ${epochs}) a learning rate of ${rate} as a float32; every epoch needs a finite rate > 0`);
    }
  }
}

/** A finite number > 0 that stays > 0 once rounded to float32. */
export function positiveFloat32(value: unknown): value is number {
  return typeof value === 'number' && Math.fround(value) > 0 && Math.fround(value) < Infinity;
}

function checkBoolean(value: unknown, fallback: boolean, name: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new OptionError(name, `${name} must be true or false, got ${describe(value)}`);
  return value;
}
