import { describe, expect, it } from 'vitest';
import { Sequential, dense } from '../src/index.js';
import { labels, relativeDifference, uniform } from './support/random.js';
import { shortestFloat32 } from '../src/core/float32-decimal.js';

describe('toJSON / fromJSON', () => {
  it.each([
    ['wasm', 'wasm'],
    ['wasm', 'js'],
    ['js', 'wasm'],
    ['js', 'js'],
  ] as const)('save on %s → JSON text → load on %s gives identical weights and the same predictions', async (from, to) => {
    const x = { data: uniform(1, 50 * 6, -3, 3), rows: 50, cols: 6 };
    const model = await Sequential.create({ inputs: 6, layers: [dense(7, 'tanh'), dense(3, 'relu'), dense(1, 'sigmoid')], seed: 3, backend: from });
    await model.fit(x, labels(2, 50), { epochs: 20, learningRate: 0.3, batchSize: 8 });
    const text = JSON.stringify(model);
    const loaded = await Sequential.fromJSON(text, { backend: to });
    // On the same backend, bit for bit. Across backends the weights still are, but a forward
    // pass rounds differently (float32 sums in the core, f64 sums rounded once in js), so the
    // probabilities agree to float32 precision: within 1e-6 relative.
    const samePredictions = (p: Float32Array, q: Float32Array) => {
      if (from === to) expect(p).toEqual(q);
      else expect(relativeDifference(p, q)).toBeLessThanOrEqual(1e-6);
    };
    samePredictions(loaded.predictProba(x), model.predictProba(x));
    expect(loaded.getWeights()).toEqual(model.getWeights());
    expect(loaded.layers).toEqual(model.layers);
    expect(loaded.inputs).toBe(6);
    expect(JSON.stringify(loaded)).toBe(text);
    // also from the object form
    const again = await Sequential.fromJSON(model.toJSON(), { backend: to });
    expect(again.predictProba(x)).toEqual(loaded.predictProba(x));
    samePredictions(again.predictProba(x), model.predictProba(x));
  });

  it('writes plain JSON holding every float32 exactly, each as its shortest decimal', async () => {
    const model = await Sequential.create({ inputs: 2, layers: [dense(3, 'relu'), dense(1, 'sigmoid')], seed: 5 });
    const json = model.toJSON();
    expect(json.format).toBe('gradwasm-model');
    expect(json.version).toBe(2);
    expect(json).not.toHaveProperty('scaler');
    expect(json.inputs).toBe(2);
    expect(json.layers.map((l) => [l.units, l.activation, l.weights.length, l.bias.length])).toEqual([
      [3, 'relu', 6, 3],
      [1, 'sigmoid', 3, 1],
    ]);
    const parsed = JSON.parse(JSON.stringify(json)) as typeof json;
    parsed.layers.forEach((l, i) => {
      expect(Float32Array.from(l.weights)).toEqual(model.getWeights()[i]!.weights);
      l.weights.forEach((v, k) => expect(v, 'the shortest decimal of the float32').toBe(shortestFloat32(model.getWeights()[i]!.weights[k]!)));
      l.weights.forEach((v) => expect(String(v).replace(/^-?0\.0*|\.|e.*$/g, '').length, 'at most 9 significant digits').toBeLessThanOrEqual(9));
    });
  });
});
