// Back-propagation checked against an independent float64 oracle: central finite differences
// of test/support/reference.ts's forward pass, for every activation, on both backends.
import { describe, expect, it } from 'vitest';
import { HIDDEN_ACTIVATIONS, Sequential, dense, type Activation } from '../src/index.js';
import { finiteDifferences, type Layer64 } from './support/reference.js';
import { labels, uniform } from './support/random.js';

// float32 back-propagation against exact float64 derivatives: each element within
// ABS + REL·|exact|, i.e. a few float32 roundings of the terms summed.
const ABS = 2e-7;
const REL = 2e-5;

const BACKENDS = ['wasm', 'js'] as const;

async function check(backend: 'wasm' | 'js', activation: Activation, seed: number): Promise<number> {
  const inputs = 3,
    rows = 7;
  const model = await Sequential.create({
    inputs,
    layers: [dense(5, activation), dense(4, activation), dense(1, 'sigmoid')],
    seed,
    backend,
  });
  // non-zero biases so that every bias path is exercised
  model.setWeights(model.getWeights().map((l, i) => ({ weights: l.weights, bias: uniform(seed + 10 + i, l.bias.length, -0.5, 0.5) })));
  const xFlat = uniform(seed, rows * inputs, -2, 2);
  const x = Array.from({ length: rows }, (_, r) => Array.from(xFlat.subarray(r * inputs, (r + 1) * inputs)));
  const y = Array.from(labels(seed, rows));
  const layers64: Layer64[] = model.getWeights().map((l, i) => ({
    weights: Float64Array.from(l.weights),
    bias: Float64Array.from(l.bias),
    units: model.layers[i]!.units,
    activation: model.layers[i]!.activation,
  }));
  const exact = finiteDifferences(layers64, x, y);
  const { layers } = model.gradients(x, y);
  let worst = 0;
  layers.forEach((g, l) => {
    for (const key of ['weights', 'bias'] as const) {
      g[key].forEach((v, i) => {
        const e = exact[l]![key][i]!;
        const excess = Math.abs(v - e) / (ABS + REL * Math.abs(e));
        worst = Math.max(worst, excess);
        if (excess > 1) expect.fail(`${backend} ${activation}: layer ${l} ${key}[${i}] = ${v}, finite differences give ${e}`);
      });
    }
  });
  model.dispose();
  return worst;
}

describe.each(BACKENDS)('gradients() on the %s backend', (backend) => {
  it.each(HIDDEN_ACTIVATIONS)('%s hidden layers match central finite differences in float64', async (activation) => {
    for (const seed of [1, 2, 3]) {
      expect(await check(backend, activation, seed)).toBeLessThanOrEqual(1);
    }
  });

  it('is the derivative of the loss evaluate() reports', async () => {
    const model = await Sequential.create({ inputs: 4, layers: [dense(6, 'tanh'), dense(1, 'sigmoid')], seed: 9, backend });
    const x = { data: uniform(5, 40), rows: 10, cols: 4 };
    const y = labels(5, 10);
    const g = model.gradients(x, y);
    expect(g.loss).toBe(model.evaluate(x, y).loss);
    // A small step against the gradient lowers the loss (the whole point of descent).
    const before = model.getWeights();
    model.setWeights(
      before.map((l, i) => ({
        weights: l.weights.map((w, k) => w - 0.1 * g.layers[i]!.weights[k]!),
        bias: l.bias.map((b, k) => b - 0.1 * g.layers[i]!.bias[k]!),
      })),
    );
    expect(model.evaluate(x, y).loss).toBeLessThan(g.loss);
  });
});
