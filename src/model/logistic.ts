import { checkKeys, checkObject } from '../core/checks.js';
import { dense } from '../network/layers.js';
import { Sequential, type SequentialOptions } from './sequential.js';
import type { BackendName } from '../backend/backend.js';

/** Options of {@link LogisticRegression.create}. */
export interface LogisticRegressionOptions {
  /** Features per row. */
  inputs: number;
  /** Seeds initialisation and shuffling. */
  seed?: number;
  /** Default `'wasm'`. */
  backend?: BackendName;
  /** As {@link SequentialOptions.threads}: default 'auto'. */
  threads?: number | 'auto';
}

/**
 * Logistic regression, the article's one-neuron model: P(Y=1) = σ(b + Σ wᵢxᵢ).
 * A {@link Sequential} whose only layer is `dense(1, 'sigmoid')`.
 */
export const LogisticRegression = {
  async create(options: LogisticRegressionOptions): Promise<Sequential> {
    checkKeys('options', checkObject('options', options), ['inputs', 'seed', 'backend', 'threads']);
    return Sequential.create({ ...options, layers: [dense(1, 'sigmoid')] });
  },
};
