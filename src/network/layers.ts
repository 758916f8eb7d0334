import { OptionError } from '../core/errors.js';
import { checkInteger, describe } from '../core/checks.js';
import { MAX_UNITS } from '../core/limits.js';
import { ACTIVATION_CODE } from '../core/codes.js';

/** The activations a dense layer may apply (docs/architecture.md §1.2). */
/** The activations of a hidden layer (elementwise). */
export const HIDDEN_ACTIVATIONS = ['linear', 'sigmoid', 'tanh', 'relu'] as const;
/** Every activation: 'softmax' is the last layer's only, applied by the softmax head (src/heads/softmax.ts). */
export const ACTIVATIONS = [...HIDDEN_ACTIVATIONS, 'softmax'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** The activation's code in the core (assembly/activations.ts; the contract's ACTIVATION_CODE). */
export function activationCode(activation: Activation): number {
  return ACTIVATION_CODE[activation];
}

/** A fully connected layer: `units` neurons, each `act(b + Σ wᵢxᵢ)`. */
export interface DenseLayer<A extends Activation = Activation> {
  readonly type: 'dense';
  readonly units: number;
  readonly activation: A;
}

/**
 * A dense layer of `units` neurons with an activation (default `'linear'`, as in Keras).
 * The last layer of every model is `dense(1, 'sigmoid')` (a binary classifier),
 * `dense(k, 'softmax')`, k ≥ 2 (k classes), or `dense(k, 'linear')` (a regression of k outputs, by mean squared error).
 */
export function dense<A extends Activation = 'linear'>(units: number, activation: A = 'linear' as A): DenseLayer<A> {
  checkInteger('units', units, 1, MAX_UNITS);
  checkActivation('activation', activation);
  return Object.freeze({ type: 'dense', units, activation });
}

export function checkActivation(argument: string, value: unknown): Activation {
  if (!(ACTIVATIONS as readonly unknown[]).includes(value)) {
    throw new OptionError(argument, `${argument} must be one of ${ACTIVATIONS.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}`);
  }
  return value as Activation;
}
