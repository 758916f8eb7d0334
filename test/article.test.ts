// The source article's worked example: one neuron, x = 3, w = 3 (b = 0), so z = 9.
// The loss is split into blocks; each block's derivative is taken at the sample, and the
// chain rule multiplies them: ∂L/∂w = ∂L/∂p · ∂p/∂z · ∂z/∂w.
import { describe, expect, it } from 'vitest';
import { LogisticRegression } from '../src/index.js';

const x = 3,
  w = 3,
  b = 0;
const z = b + w * x; // 9
const p = 1 / (1 + Math.exp(-z)); // σ(9) = 0.9998766…

describe.each(['wasm', 'js'] as const)("the article's one-neuron example (%s)", (backend) => {
  it.each([1, 0])('y = %i: each chain-rule factor, and their product is what back-propagation returns', async (y) => {
    const dLdp = -y / p + (1 - y) / (1 - p); // BCE block
    const dpdz = p * (1 - p); // sigmoid block
    const dzdw = x; // affine block: ∂(b + w·x)/∂w
    const dzdb = 1;
    // the factors, at the sample
    expect(z).toBe(9);
    expect(p).toBeCloseTo(0.99987660542, 10);
    expect(dpdz).toBeCloseTo(1.2337934e-4, 10);
    // −1/p = −(1 + e⁻⁹) ≈ −1.000123 when y = 1; 1/(1−p) = 1 + e⁹ ≈ 8104.08 when y = 0
    expect(dLdp).toBeCloseTo(y === 1 ? -1.00012341 : 8104.08392757, y === 1 ? 8 : 4);
    expect(dLdp).toBeCloseTo(y === 1 ? -(1 + Math.exp(-9)) : 1 + Math.exp(9), 6);
    // their product collapses to (p − y)·x: the fused gradient of docs/architecture.md §1.4
    const dLdw = dLdp * dpdz * dzdw;
    expect(dLdw).toBeCloseTo((p - y) * x, 9);

    const model = await LogisticRegression.create({ inputs: 1, seed: 0, backend });
    model.setWeights([{ weights: Float32Array.of(w), bias: Float32Array.of(b) }]);
    expect(model.predictProba([[x]])[0]).toBe(Math.fround(p));
    const g = model.gradients([[x]], [y]);
    // −log p = log(1 + e⁻⁹);  −log(1 − p) = 9 + log(1 + e⁻⁹) (1 − p itself would lose digits)
    expect(g.loss).toBeCloseTo(y === 1 ? Math.log1p(Math.exp(-9)) : 9 + Math.log1p(Math.exp(-9)), 12);
    // float32 gradients: within a few float32 rounding errors (2⁻²⁴ ≈ 6e-8) of the product
    const relative = (got: number, want: number): number => Math.abs(got - want) / Math.abs(want);
    expect(relative(g.layers[0]!.weights[0]!, dLdw)).toBeLessThan(3e-7);
    expect(relative(g.layers[0]!.bias[0]!, dLdp * dpdz * dzdb)).toBeLessThan(3e-7);
  });
});
