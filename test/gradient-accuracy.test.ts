// Long sums: the full-batch gradient over 100,000 rows against float64 back-propagation. The
// core sums every gradient over the rows of a batch in blocks of 256 rows, combined pairwise in
// a fixed order, so its error stays near float32's rounding of the terms however many rows
// there are (one float32 sum over 100,000 rows drifts to ~1e-4 relative).
import { describe, expect, it } from 'vitest';
import { Sequential, dense } from '../src/index.js';
import { gradients64, type Layer64 } from './support/reference.js';
import { labels, uniform } from './support/random.js';

/** ‖g − ref‖₂ / ‖ref‖₂ over every weight and bias. */
function relativeError(got: { weights: Float32Array; bias: Float32Array }[], ref: { weights: Float64Array; bias: Float64Array }[]): number {
  let diff = 0,
    norm = 0;
  got.forEach((g, l) => {
    for (const key of ['weights', 'bias'] as const) {
      g[key].forEach((v, i) => {
        const e = ref[l]![key][i]!;
        diff += (v - e) ** 2;
        norm += e * e;
      });
    }
  });
  return Math.sqrt(diff / norm);
}

describe('the full-batch gradient of 100,000 rows', () => {
  it.each([
    ['logistic regression 32-1', 32, [dense(1, 'sigmoid')]],
    ['MLP 8-16-1 (tanh)', 8, [dense(16, 'tanh'), dense(1, 'sigmoid')]],
  ] as const)(
    '%s: within 1e-6 of float64 back-propagation (wasm)',
    async (_name, cols, layers) => {
      const rows = 100_000;
      const x = uniform(3, rows * cols, 0, 1); // all positive: the sums do not cancel, their rounding adds up
      const y = labels(4, rows);
      const model = await Sequential.create({ inputs: cols, layers: [...layers], seed: 5 });
      const layers64: Layer64[] = model.getWeights().map((l, i) => ({
        weights: Float64Array.from(l.weights),
        bias: Float64Array.from(l.bias),
        units: model.layers[i]!.units,
        activation: model.layers[i]!.activation,
      }));
      const error = relativeError(model.gradients({ data: x, rows, cols }, y).layers, gradients64(layers64, x, cols, y));
      console.log(`${_name}: relative error ${error.toExponential(2)}`);
      expect(error).toBeLessThanOrEqual(1e-6);
    },
    60_000,
  );
});
