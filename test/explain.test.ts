// explain(): the chain rule node by node, checked three ways. The trace's float64 chain-rule
// products must equal the model's own back-propagation (gradients(), float32) and central finite
// differences — both the trace's own and test/support/reference.ts's independent ones — for every
// activation, on both backends, for one sample and for a few rows; and for the article's one
// neuron at x = 3, w = 3 every block's number must be the hand-derived closed form.
import { describe, expect, it } from 'vitest';
import { HIDDEN_ACTIVATIONS, GradwasmError, LogisticRegression, Sequential, StandardScaler, dense, type Activation } from '../src/index.js';
import { articleTrace, explain, formatTrace, graph, type Trace, type TraceNode } from '../src/explain/index.js';
import { finiteDifferences, meanBce64, type Layer64 } from './support/reference.js';
import { labels, uniform } from './support/random.js';

const BACKENDS = ['wasm', 'js'] as const;
const node = (trace: Trace, id: string): TraceNode => trace.nodes.find((n) => n.id === id)!;
const one = (t: { data: Float64Array } | null): number => {
  expect(t!.data).toHaveLength(1);
  return t!.data[0]!;
};
const local = (trace: Trace, id: string, of: string): number => one(node(trace, id).local.find((l) => l.of === of)!.value);

/** |got − want| ≤ 1e-12·(1 + |want|): float64 arithmetic, a few roundings. */
const close = (got: number, want: number): void => {
  expect(Math.abs(got - want), `${got} vs ${want}`).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(want)));
};

describe.each(BACKENDS)("the article's one neuron at x = 3, w = 3, b = 0 (%s)", (backend) => {
  const x = 3,
    w = 3,
    b = 0,
    z = 9;
  const p = 1 / (1 + Math.exp(-z)); // σ(9) = 0.9998766…
  const q = 1 / (1 + Math.exp(z)); // 1 − p, without cancellation

  it.each([1, 0])('y = %i: every block of the loss and of its derivative is the closed form', async (y) => {
    const model = await LogisticRegression.create({ inputs: 1, seed: 0, backend });
    model.setWeights([{ weights: Float32Array.of(w), bias: Float32Array.of(b) }]);
    const trace = explain(model, [x], y);
    expect(trace.nodes.map((n) => n.id)).toEqual(['x', 'W1', 'b1', 'xW1', 'z1', 'p', 'y', 'ylogp', 'ylog1mp', 'sum', 'bce', 'loss']);
    expect(trace.nodes.map((n) => n.label)).toEqual(['x', 'w', 'b', 'x·w', 'z', 'p', 'y', 'y·log p', '(1−y)·log(1−p)', 's', 'ℓ', 'L']);

    // forward: z = b + w·x, p = σ(z), the two blocks, their sum, its negation, the mean over one row
    const logP = -Math.log1p(Math.exp(-z)),
      log1mP = -(z + Math.log1p(Math.exp(-z)));
    expect(one(node(trace, 'xW1').value)).toBe(w * x);
    expect(one(node(trace, 'z1').value)).toBe(z);
    close(one(node(trace, 'p').value), p);
    close(one(node(trace, 'ylogp').value), y * logP);
    close(one(node(trace, 'ylog1mp').value), (1 - y) * log1mP);
    close(one(node(trace, 'sum').value), y * logP + (1 - y) * log1mP);
    const loss = -(y * logP + (1 - y) * log1mP); // y = 1: log(1 + e⁻⁹) ≈ 1.234e-4; y = 0: 9 + log(1 + e⁻⁹)
    close(one(node(trace, 'bce').value), loss);
    close(trace.loss.trace, loss);
    expect(trace.loss.model).toBeCloseTo(loss, 6);

    // local derivatives, block by block
    expect(local(trace, 'xW1', 'W1')).toBe(x); // ∂(x·w)/∂w = x
    expect(local(trace, 'xW1', 'x')).toBe(w);
    expect(local(trace, 'z1', 'xW1')).toBe(1);
    expect(local(trace, 'z1', 'b1')).toBe(1);
    close(local(trace, 'p', 'z1'), p * q); // ∂p/∂z = p(1 − p) ≈ 1.2338e-4
    close(local(trace, 'ylogp', 'p'), y / p); // y = 1: 1/p = 1 + e⁻⁹
    close(local(trace, 'ylog1mp', 'p'), -(1 - y) / q); // y = 0: −1/(1 − p) = −(1 + e⁹) ≈ −8104.08
    expect(local(trace, 'sum', 'ylogp')).toBe(1);
    expect(local(trace, 'sum', 'ylog1mp')).toBe(1);
    expect(local(trace, 'bce', 'sum')).toBe(-1);
    expect(local(trace, 'loss', 'bce')).toBe(1); // 1/B, B = 1

    // upstream gradients, from the loss down: ∂L/∂p = −1/p (y = 1) or 1/(1 − p) (y = 0), ∂L/∂z = p − y
    expect(one(node(trace, 'loss').grad)).toBe(1);
    expect(one(node(trace, 'bce').grad)).toBe(1);
    expect(one(node(trace, 'sum').grad)).toBe(-1);
    const dLdp = y === 1 ? -(1 + Math.exp(-9)) : 1 + Math.exp(9);
    close(one(node(trace, 'p').grad), dLdp);
    close(one(node(trace, 'z1').grad), p - y);
    close(one(node(trace, 'b1').grad), p - y);
    close(one(node(trace, 'W1').grad), (p - y) * x);
    expect(node(trace, 'y').grad).toBeNull();

    // the chain rule for w, factor by factor: ∂L/∂p · ∂p/∂z · ∂z/∂(x·w) · ∂(x·w)/∂w
    const [wTrace, bTrace] = trace.parameters;
    expect(wTrace!.chain.map((f) => f.symbol)).toEqual(['∂L/∂p', '∂p/∂z', '∂z/∂(x·w)', '∂(x·w)/∂w']);
    const factors = wTrace!.chain.map((f) => f.value!);
    close(factors[0]!, dLdp);
    close(factors[1]!, p * q);
    expect(factors.slice(2)).toEqual([1, x]);
    close(
      factors.reduce((a, f) => a * f, 1),
      (p - y) * x,
    );
    expect(bTrace!.chain.map((f) => f.symbol)).toEqual(['∂L/∂p', '∂p/∂z', '∂z/∂b']);
    // …equal to back-propagation in float32 (within a few roundings) and to finite differences
    expect(Math.abs(wTrace!.backprop[0]! - (p - y) * x) / Math.abs((p - y) * x)).toBeLessThan(3e-7);
    expect(Math.abs(wTrace!.finiteDifference[0]! - (p - y) * x)).toBeLessThan(1e-9 * Math.abs(x));
    expect(trace.ok).toBe(true);
  });

  it.each([1, 0] as const)('articleTrace(%i) is that trace, ready for the command line', async (y) => {
    const model = await LogisticRegression.create({ inputs: 1, seed: 0, backend });
    model.setWeights([{ weights: Float32Array.of(w), bias: Float32Array.of(b) }]);
    expect(formatTrace(await articleTrace(y, backend))).toBe(formatTrace(explain(model, [x], y)));
  });

  it("y = 1: the printed table carries the article's numbers", async () => {
    const model = await LogisticRegression.create({ inputs: 1, seed: 0, backend });
    model.setWeights([{ weights: Float32Array.of(w), bias: Float32Array.of(b) }]);
    const text = formatTrace(explain(model, [[x]], [1]));
    for (const s of [
      'z = x·w + b',
      'p = σ(z)',
      '0.999877',
      '∂p/∂z = p(1 − p) = 0.000123379',
      '∂(y·log p)/∂p = y/p = 1.00012',
      '∂L/∂w = ∂L/∂p · ∂p/∂z · ∂z/∂(x·w) · ∂(x·w)/∂w',
      '= (-1.00012) · (0.000123379) · (1) · (3)',
      '-0.000370184',
      'ok',
    ]) {
      expect(text).toContain(s);
    }
    expect(text).not.toContain('MISMATCH');
  });
});

/** A three-layer network with non-zero biases, rows of uniform features in [−2, 2) and 0/1 labels. */
async function network(backend: 'wasm' | 'js', activation: Activation, seed: number, rows: number) {
  const inputs = 3;
  const model = await Sequential.create({ inputs, layers: [dense(5, activation), dense(4, activation), dense(1, 'sigmoid')], seed, backend });
  model.setWeights(model.getWeights().map((l, i) => ({ weights: l.weights, bias: uniform(seed + 10 + i, l.bias.length, -0.5, 0.5) })));
  const flat = uniform(seed, rows * inputs, -2, 2);
  const x = Array.from({ length: rows }, (_, r) => Array.from(flat.subarray(r * inputs, (r + 1) * inputs)));
  return { model, x, y: Array.from(labels(seed, rows)) };
}

describe.each(BACKENDS)('explain() on the %s backend', (backend) => {
  describe.each(HIDDEN_ACTIVATIONS)('%s hidden layers', (activation) => {
    it.each([1, 5])("%i row(s): the chain-rule products equal gradients() and finite differences (its own and the reference's)", async (rows) => {
      for (const seed of [1, 2]) {
        const { model, x, y } = await network(backend, activation, seed, rows);
        const trace = explain(model, x, y);
        expect(trace.rows).toBe(rows);
        expect(trace.parameterCount).toBe(3 * 5 + 5 + 5 * 4 + 4 + 4 + 1);
        expect(trace.finiteDifferencesChecked).toBe(trace.parameterCount);
        expect(trace.ok).toBe(true);

        // the trace's own comparisons, and the reference's float64 loss and finite differences
        const layers64: Layer64[] = model.getWeights().map((l, i) => ({
          weights: Float64Array.from(l.weights),
          bias: Float64Array.from(l.bias),
          units: model.layers[i]!.units,
          activation: model.layers[i]!.activation,
        }));
        expect(Math.abs(trace.loss.trace - meanBce64(layers64, x, y))).toBeLessThan(1e-13);
        const reference = finiteDifferences(layers64, x, y);
        const model32 = model.gradients(x, y);
        for (const p of trace.parameters) {
          const want = reference[p.layer - 1]![p.kind];
          const got = model32.layers[p.layer - 1]![p.kind];
          expect(node(trace, p.id).grad).toBe(p.gradient);
          expect([...p.backprop]).toEqual([...got]);
          p.gradient.data.forEach((g, i) => {
            expect(Math.abs(g - want[i]!), `${p.label}[${i}] vs reference finite differences`).toBeLessThanOrEqual(trace.tolerance.finiteDifference);
            expect(Math.abs(g - p.finiteDifference[i]!)).toBeLessThanOrEqual(trace.tolerance.finiteDifference);
            expect(Math.abs(g - got[i]!)).toBeLessThanOrEqual(trace.tolerance.backprop);
          });
        }
        model.dispose();
      }
    });
  });

  it('traces the first rows of a batch in any accepted form: mean BCE over those rows', async () => {
    const { model, x, y } = await network(backend, 'tanh', 3, 20);
    const flat = Float32Array.from(x.flat());
    const first4 = model.gradients(x.slice(0, 4), y.slice(0, 4));
    for (const form of [x, flat, { data: flat, rows: 20, cols: 3 }, { data: x.flat(), rows: 20, cols: 3 }]) {
      const trace = explain(model, form, Float32Array.from(y), { rows: 4 });
      expect([trace.rows, trace.rowsGiven]).toEqual([4, 20]);
      expect(trace.loss.model).toBe(first4.loss);
      expect(trace.nodes[0]!.value.shape).toEqual([4, 3]);
      expect(node(trace, 'loss').local[0]!.value.data[0]).toBe(1 / 4);
      expect(trace.ok).toBe(true);
    }
    expect(explain(model, x, y).rows).toBe(8); // the default
  });

  it("follows the model's scaler: a standardize node whose local derivative is 1/scale", async () => {
    const { model, x, y } = await network(backend, 'sigmoid', 4, 6);
    const raw = x.map((row) => row.map((v, c) => 10 * v + c * 100));
    model.setScaler(StandardScaler.fit(raw));
    const trace = explain(model, raw, y);
    expect(trace.nodes.map((n) => n.id).slice(0, 4)).toEqual(['x', 'xs', 'W1', 'b1']);
    expect(node(trace, 'xsW1').inputs).toEqual(['xs', 'W1']);
    expect([...node(trace, 'xs').value.data]).toEqual([...model.scaler!.transform(raw)]);
    const scale = model.scaler!.scale;
    const dx = node(trace, 'x').grad!.data,
      dxs = node(trace, 'xs').grad!.data;
    dx.forEach((v, i) => expect(v).toBeCloseTo(dxs[i]! / scale[i % 3]!, 15));
    expect(trace.loss.model).toBe(model.gradients(raw, y).loss);
    expect(trace.ok).toBe(true);
  });

  it('spreads at most maxFiniteDifferences finite differences over the parameters', async () => {
    const { model, x, y } = await network(backend, 'relu', 5, 2);
    const trace = explain(model, x, y, { maxFiniteDifferences: 10 });
    expect(trace.finiteDifferencesChecked).toBeLessThanOrEqual(trace.parameters.length + 10);
    expect(trace.finiteDifferencesChecked).toBeGreaterThan(0);
    const W1 = trace.parameters[0]!.finiteDifference;
    expect(W1.some(Number.isNaN)).toBe(true);
    expect(trace.ok).toBe(true);
    const none = explain(model, x, y, { maxFiniteDifferences: 0 });
    expect(none.finiteDifferencesChecked).toBe(0);
    expect(none.parameters.every((p) => p.finiteDifferenceError === 0)).toBe(true);
  });

  it('a model of more than 120 k parameters (2000 → 64 → 1) is explained, not a stack overflow', async () => {
    const model = await Sequential.create({ inputs: 2000, layers: [dense(64, 'relu'), dense(1, 'sigmoid')], seed: 1, backend });
    const row = Array.from({ length: 2000 }, (_, i) => Math.sin(i));
    const trace = explain(model, row, 1, { maxFiniteDifferences: 50 });
    expect(trace.parameterCount).toBe(2000 * 64 + 64 + 64 + 1);
    expect(trace.ok).toBe(true);
    model.dispose();
  });

  it('throws GradwasmError on misuse, naming the argument', async () => {
    const { model, x, y } = await network(backend, 'linear', 6, 3);
    const cases: [() => unknown, RegExp][] = [
      [() => explain(model, x, y, { rows: 0 }), /options\.rows must be an integer in \[1, 64\], got 0/],
      [() => explain(model, x, y, { maxFiniteDifferences: -1 }), /options\.maxFiniteDifferences/],
      [() => explain(model, x, y, { row: 1 } as never), /unknown option "row"/],
      [() => explain(model, [[1, 2]], [1]), /x\[0\] has 2 values, but the model has 3 inputs/],
      [() => explain(model, [[1, NaN, 2]], [1]), /x\[0\]\[1\] is NaN/],
      [() => explain(model, x, [1, 0]), /y has 2 labels, but x has 3 rows/],
      [() => explain(model, [1, 2, 3], 2), /y\[0\] is 2; labels must be 0 or 1/],
      [() => explain({} as never, x, y), /^model must be a Sequential/],
      [() => explain(null as never, x, y), /^model must be a Sequential/],
      [() => explain({ inputs: 3, layers: [dense(1, 'sigmoid')] } as never, x, y), /^model must be a Sequential: explain compares/],
      [() => graph({} as never), /^model must be a Sequential/],
    ];
    for (const [call, message] of cases) {
      expect(call).toThrow(GradwasmError);
      expect(call).toThrow(message);
    }
    model.dispose();
    expect(() => explain(model, x, y)).toThrow(/disposed/);
  });
});
