// The source article's worked example, ready to explain: one neuron with w = 3, b = 0, at x = 3.
import { LogisticRegression, type BackendName } from '../index.js';
import { explain, type Trace } from './trace.js';

/** The article's sample and weights: z = b + w·x = 9. */
export const ARTICLE_EXAMPLE = Object.freeze({ x: 3, w: 3, b: 0 });

/**
 * The trace of the article's example: a `LogisticRegression` of one input with w = 3 and b = 0,
 * explained at x = 3 for the label `y` (default 1) — the table `formatTrace` prints for it is
 * what `gradwasm explain` shows without a model file.
 */
export async function articleTrace(y: 0 | 1 = 1, backend: BackendName = 'wasm'): Promise<Trace> {
  const { x, w, b } = ARTICLE_EXAMPLE;
  const model = await LogisticRegression.create({ inputs: 1, seed: 0, backend });
  try {
    model.setWeights([{ weights: Float32Array.of(w), bias: Float32Array.of(b) }]);
    return explain(model, [x], y);
  } finally {
    model.dispose();
  }
}
