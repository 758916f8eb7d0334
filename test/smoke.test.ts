import { describe, expect, it } from 'vitest';
import { Sequential, dense } from '../src/index.js';

describe('smoke', () => {
  it('trains xor-ish on both backends identically', async () => {
    const x = [[0, 0], [0, 1], [1, 0], [1, 1]];
    const y = [0, 1, 1, 0];
    const out: Float32Array[] = [];
    for (const backend of ['wasm', 'js'] as const) {
      const m = await Sequential.create({ inputs: 2, layers: [dense(8, 'tanh'), dense(1, 'sigmoid')], seed: 1, backend });
      const h = await m.fit(x, y, { epochs: 2000, learningRate: 0.5, batchSize: 2 });
      console.log(backend, h.loss.at(-1), h.accuracy.at(-1), m.predictProba(x));
      out.push(m.getWeights()[0]!.weights);
    }
    expect(out[0]).toEqual(out[1]);
  });
});
