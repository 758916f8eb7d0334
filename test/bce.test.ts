// Mean BCE is computed from the logit, so it stays finite and exact where p rounds to 0 or 1.
import { describe, expect, it } from 'vitest';
import { LogisticRegression, Sequential, dense } from '../src/index.js';

describe.each(['wasm', 'js'] as const)('BCE at extreme logits (%s)', (backend) => {
  async function neuronWithLogit(z: number) {
    const model = await LogisticRegression.create({ inputs: 1, seed: 0, backend });
    model.setWeights([{ weights: Float32Array.of(z), bias: Float32Array.of(0) }]);
    return model;
  }

  it.each([
    [100, 0, 100],
    [-100, 1, 100],
    [100, 1, Math.log1p(Math.exp(-100))],
    [-100, 0, Math.log1p(Math.exp(-100))],
    [0, 1, Math.LN2],
  ])('z = %d, y = %d: loss %d, finite gradient', async (z, y, expected) => {
    const model = await neuronWithLogit(z);
    const { loss } = model.evaluate([[1]], [y]);
    expect(Number.isFinite(loss)).toBe(true);
    expect(loss).toBeCloseTo(expected, 12);
    expect(loss).toBeGreaterThan(0);
    const g = model.gradients([[1]], [y]);
    expect(g.loss).toBe(loss);
    const p = 1 / (1 + Math.exp(-z));
    expect(g.layers[0]!.weights[0]).toBe(Math.fround(p - y));
    expect(Number.isFinite(g.layers[0]!.bias[0]!)).toBe(true);
  });

  it('training from saturated logits stays finite and learns', async () => {
    const model = await Sequential.create({ inputs: 1, layers: [dense(1, 'sigmoid')], seed: 0, backend });
    model.setWeights([{ weights: Float32Array.of(100), bias: Float32Array.of(0) }]);
    const history = await model.fit([[1], [-1]], [0, 1], { epochs: 200, learningRate: 1 });
    expect(history.loss.every(Number.isFinite)).toBe(true);
    expect(history.loss[0]).toBeCloseTo(100, 6);
    expect(history.loss.at(-1)).toBeLessThan(0.1);
  });
});
