// Full-batch gradient descent of logistic regression against an independent float64 one.
import { describe, expect, it } from 'vitest';
import { LogisticRegression } from '../src/index.js';
import { zScoredBreastCancer } from './support/breast-cancer.js';

/** Plain float64 gradient descent on mean BCE from w = 0, b = 0. */
function gradientDescent64(x: number[][], y: number[], lr: number, steps: number): { loss: number; w: number[]; b: number } {
  const n = x.length,
    d = x[0]!.length;
  const w = new Array<number>(d).fill(0);
  let b = 0;
  const loss = (): number => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const z = x[i]!.reduce((acc, v, j) => acc + v * w[j]!, b);
      const p = 1 / (1 + Math.exp(-z));
      s -= y[i]! * Math.log(p) + (1 - y[i]!) * Math.log(1 - p);
    }
    return s / n;
  };
  for (let step = 0; step < steps; step++) {
    const gw = new Array<number>(d).fill(0);
    let gb = 0;
    for (let i = 0; i < n; i++) {
      const z = x[i]!.reduce((acc, v, j) => acc + v * w[j]!, b);
      const r = 1 / (1 + Math.exp(-z)) - y[i]!;
      for (let j = 0; j < d; j++) gw[j]! += (r * x[i]![j]!) / n;
      gb += r / n;
    }
    for (let j = 0; j < d; j++) w[j]! -= lr * gw[j]!;
    b -= lr * gb;
  }
  return { loss: loss(), w, b };
}

describe('logistic regression by full-batch gradient descent on breast cancer (z-scored)', () => {
  const { x, y } = zScoredBreastCancer();
  const reference = gradientDescent64(x, y, 0.1, 1000);

  it.each(['wasm', 'js'] as const)('reaches the float64 mean BCE within 1e-4 relative (%s)', async (backend) => {
    const model = await LogisticRegression.create({ inputs: 30, seed: 1, backend });
    model.setWeights([{ weights: new Float32Array(30), bias: new Float32Array(1) }]);
    const history = await model.fit(x, y, { epochs: 1000, learningRate: 0.1, shuffle: false });
    const { loss } = model.evaluate(x, y);
    expect(Math.abs(loss - reference.loss) / reference.loss).toBeLessThanOrEqual(1e-4);
    // the history's last entry is the loss before the last step; it is within a step of the end
    expect(history.loss).toHaveLength(1000);
    expect(history.loss[999]).toBeGreaterThanOrEqual(loss);
    const [{ weights, bias }] = model.getWeights() as [{ weights: Float32Array; bias: Float32Array }];
    weights.forEach((w, j) => expect(Math.abs(w - reference.w[j]!)).toBeLessThanOrEqual(1e-3 * (1 + Math.abs(reference.w[j]!))));
    expect(Math.abs(bias[0]! - reference.b)).toBeLessThanOrEqual(1e-3 * (1 + Math.abs(reference.b)));
    expect(reference.loss).toBeLessThan(0.1); // it did learn something
  });
});
