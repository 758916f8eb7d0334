// The two backends are one algorithm: same generator, same initialisation, same shuffles, same
// batches, same update rule. They round differently (the core sums in float32, in an order its
// SIMD kernels choose; the js backend sums in f64 and rounds once), so they are not bit-identical;
// after shuffled mini-batch training they must agree within the contract's 1e-4 relative.
import { describe, expect, it } from 'vitest';
import { Sequential, dense, type Activation } from '../src/index.js';
import { labels, relativeDifference, uniform } from './support/random.js';

async function trainBoth(activation: Activation, hidden: number[], batchSize: number, epochs: number) {
  const inputs = 9,
    rows = 203; // 203 = batches that do not divide the rows
  const x = { data: uniform(11, rows * inputs, -2, 2), rows, cols: inputs };
  const y = labels(12, rows);
  const result = [];
  for (const backend of ['wasm', 'js'] as const) {
    const model = await Sequential.create({ inputs, layers: [...hidden.map((u) => dense(u, activation)), dense(1, 'sigmoid')], seed: 7, backend });
    const history = await model.fit(x, y, { epochs, learningRate: 0.1, batchSize, shuffle: true });
    result.push({ weights: model.getWeights(), history, p: model.predictProba(x) });
    model.dispose();
  }
  return result as [(typeof result)[0], (typeof result)[0]];
}

describe('wasm and js backends', () => {
  it.each([
    ['relu', [16, 8], 16],
    ['tanh', [12], 1],
    ['sigmoid', [5, 7], 32],
    ['linear', [3], 203],
  ] as const)('agree after shuffled training (%s, hidden %j, batch %i) within 1e-4 relative', async (activation, hidden, batch) => {
    const [wasm, js] = await trainBoth(activation, [...hidden], batch, 30);
    wasm.weights.forEach((layer, l) => {
      expect(relativeDifference(layer.weights, js.weights[l]!.weights)).toBeLessThanOrEqual(1e-4);
      expect(relativeDifference(layer.bias, js.weights[l]!.bias)).toBeLessThanOrEqual(1e-4);
    });
    expect(relativeDifference(wasm.history.loss, js.history.loss)).toBeLessThanOrEqual(1e-4);
    expect(relativeDifference(wasm.p, js.p)).toBeLessThanOrEqual(1e-4);
  });

  it('draw the same initial weights from the same seed, and different ones from another seed', async () => {
    const spec = { inputs: 4, layers: [dense(3, 'relu'), dense(1, 'sigmoid')] };
    const a = await Sequential.create({ ...spec, seed: 1, backend: 'wasm' });
    const b = await Sequential.create({ ...spec, seed: 1, backend: 'js' });
    const c = await Sequential.create({ ...spec, seed: 2, backend: 'wasm' });
    expect(a.getWeights()).toEqual(b.getWeights());
    expect(a.getWeights()[0]!.weights).not.toEqual(c.getWeights()[0]!.weights);
    // Glorot-uniform: |w| ≤ √(6 / (fanIn + fanOut)), biases zero
    const limit = Math.sqrt(6 / (4 + 3));
    expect(Math.max(...a.getWeights()[0]!.weights.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Array.from(a.getWeights()[0]!.bias)).toEqual([0, 0, 0]);
  });
});
