// What fit() promises: the three flavours of descent, callbacks, history, validation,
// determinism, and a live event loop. Every case runs on both backends.
import { describe, expect, it } from 'vitest';
import { Sequential, dense, type LayerWeights } from '../src/index.js';
import { labels, uniform } from './support/random.js';

const f = Math.fround;

/** W ← W − λ·g exactly as the kernels round it: f32(W + f32(−λ·g)), λ itself a float32. */
function step(weights: LayerWeights[], grads: LayerWeights[], lr: number): LayerWeights[] {
  const alpha = -f(lr);
  return weights.map((l, i) => ({
    weights: l.weights.map((w, k) => f(w + f(alpha * grads[i]!.weights[k]!))),
    bias: l.bias.map((b, k) => f(b + f(alpha * grads[i]!.bias[k]!))),
  }));
}

describe.each(['wasm', 'js'] as const)('fit on the %s backend', (backend) => {
  const inputs = 5,
    rows = 13;
  const x = { data: uniform(21, rows * inputs, -1, 1), rows, cols: inputs };
  const y = labels(22, rows);
  const create = (seed = 4) => Sequential.create({ inputs, layers: [dense(6, 'tanh'), dense(4, 'relu'), dense(1, 'sigmoid')], seed, backend });
  const rowsOf = (from: number, to: number) => ({ data: x.data.slice(from * inputs, to * inputs), rows: to - from, cols: inputs });

  it('full-batch gradient descent (the default) is one step W − λ·∂L/∂W per epoch', async () => {
    const model = await create();
    let expected = model.getWeights();
    for (let epoch = 0; epoch < 3; epoch++) {
      expected = step(expected, model.gradients(x, y).layers, 0.2);
      await model.fit(x, y, { learningRate: 0.2 }); // one epoch, batch = all rows
      expect(model.getWeights()).toEqual(expected);
    }
  });

  it('mini-batch and stochastic descent step once per batch, in order when not shuffled', async () => {
    for (const batchSize of [1, 4]) {
      const model = await create();
      const probe = await create();
      let expected = model.getWeights();
      for (let start = 0; start < rows; start += batchSize) {
        const end = Math.min(rows, start + batchSize); // the last batch is short: 13 = 3·4 + 1
        probe.setWeights(expected);
        expected = step(expected, probe.gradients(rowsOf(start, end), y.slice(start, end)).layers, 0.1);
      }
      await model.fit(x, y, { learningRate: 0.1, batchSize, shuffle: false });
      expect(model.getWeights()).toEqual(expected);
    }
  });

  it("reports the mean loss and accuracy of each epoch, taken before each batch's update", async () => {
    const model = await create();
    const before = model.evaluate(x, y);
    const history = await model.fit(x, y, { learningRate: 0.1 });
    expect(history.loss[0]).toBe(before.loss);
    expect(history.accuracy[0]).toBe(before.accuracy);
  });

  it('shuffles with the seed: same seed, same run; shuffling changes the trajectory', async () => {
    const run = async (seed: number, shuffle: boolean) => {
      const model = await create(seed);
      return (await model.fit(x, y, { epochs: 5, learningRate: 0.1, batchSize: 3, shuffle })).loss;
    };
    expect(await run(4, true)).toEqual(await run(4, true));
    expect(await run(4, true)).not.toEqual(await run(4, false));
  });

  it('accepts every input form with the same result', async () => {
    const nested = Array.from({ length: rows }, (_, r) => Array.from(x.data.subarray(r * inputs, (r + 1) * inputs)));
    const results = [];
    const gaps = new Float32Array(rows * (inputs + 2)).fill(NaN); // rows inside wider ones; the gaps never read
    for (let r = 0; r < rows; r++) gaps.set(x.data.subarray(r * inputs, (r + 1) * inputs), r * (inputs + 2));
    const strided = { data: gaps, rows, cols: inputs, stride: inputs + 2 };
    for (const features of [x, x.data, Float64Array.from(x.data), nested, strided, { ...strided, data: Array.from(gaps) }]) {
      for (const labelForm of [y, Array.from(y), Uint8Array.from(y)]) {
        const model = await create();
        await model.fit(features, labelForm, { epochs: 2, learningRate: 0.1, batchSize: 5 });
        results.push(model.getWeights());
      }
    }
    for (const r of results) expect(r).toEqual(results[0]);
  });

  it('predicts and evaluates rows a stride apart as the same rows packed, across many chunks', async () => {
    const model = await create();
    const n = 300_001,
      wide = inputs + 1;
    const packed = uniform(23, n * inputs, -1, 1),
      t = labels(24, n);
    const table = new Float32Array(n * wide); // each row's features, then its label
    for (let r = 0; r < n; r++) {
      table.set(packed.subarray(r * inputs, (r + 1) * inputs), r * wide);
      table[r * wide + inputs] = t[r]!;
    }
    const strided = { data: table, rows: n, cols: inputs, stride: wide };
    expect(model.predict(strided)).toEqual(model.predict(packed));
    expect(model.evaluate(strided, t)).toEqual(model.evaluate(packed, t));
    const firstLabel = { data: table.subarray(1), rows: n - 1, cols: inputs, stride: wide }; // the label first: rows start one float in
    expect(model.predict(firstLabel)).toEqual(model.predict(packed.subarray(inputs).map((_, i) => table[1 + Math.floor(i / inputs) * wide + (i % inputs)]!)));
  });

  it('clamps a batch larger than the data to full-batch descent', async () => {
    const a = await create(),
      b = await create();
    await a.fit(x, y, { learningRate: 0.1, batchSize: 1000 });
    await b.fit(x, y, { learningRate: 0.1 });
    expect(a.getWeights()).toEqual(b.getWeights());
  });

  it('calls onEpochEnd with 0-based epochs, stops when it returns false, and awaits it', async () => {
    const model = await create();
    const seen: number[] = [];
    const history = await model.fit(x, y, {
      epochs: 10,
      learningRate: 0.1,
      onEpochEnd: async ({ epoch, loss, accuracy }) => {
        await new Promise((r) => setTimeout(r, 1));
        expect(loss).toBeGreaterThan(0);
        expect(accuracy).toBeGreaterThanOrEqual(0);
        seen.push(epoch);
        return epoch < 3;
      },
    });
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(history.loss).toHaveLength(4);
    expect(history.valLoss).toBeUndefined();
  });

  it('evaluates validationData after every epoch', async () => {
    const model = await create();
    const xv = rowsOf(0, 6),
      yv = y.slice(0, 6);
    const logs: { valLoss?: number; valAccuracy?: number }[] = [];
    const history = await model.fit(x, y, { epochs: 3, learningRate: 0.1, validationData: [xv, yv], onEpochEnd: (l) => void logs.push(l) });
    expect(history.valLoss).toHaveLength(3);
    expect(history.valAccuracy).toHaveLength(3);
    expect(logs.map((l) => l.valLoss)).toEqual(history.valLoss);
    expect(history.valLoss![2]).toBe(model.evaluate(xv, yv).loss);
    expect(history.valAccuracy![2]).toBe(model.evaluate(xv, yv).accuracy);
  });

  it('yields to the event loop between epochs', async () => {
    const model = await create();
    let ran = false;
    setImmediate(() => {
      ran = true;
    });
    const ranAt: boolean[] = [];
    await model.fit(x, y, { epochs: 3, learningRate: 0.1, onEpochEnd: () => void ranAt.push(ran) });
    expect(ranAt).toEqual([false, true, true]);
  });

  it('learns: accuracy rises on a separable problem', async () => {
    const n = 200;
    const data = uniform(30, n * 2, -1, 1);
    const target = Float32Array.from({ length: n }, (_, i) => (data[2 * i]! * data[2 * i + 1]! > 0 ? 1 : 0)); // XOR of signs
    const model = await Sequential.create({ inputs: 2, layers: [dense(16, 'tanh'), dense(1, 'sigmoid')], seed: 1, backend });
    const history = await model.fit({ data, rows: n, cols: 2 }, target, { epochs: 300, learningRate: 0.5, batchSize: 16 });
    expect(history.accuracy.at(-1)).toBeGreaterThan(0.95);
    const classes = model.predict({ data, rows: n, cols: 2 });
    const p = model.predictProba({ data, rows: n, cols: 2 });
    classes.forEach((c, i) => expect(c).toBe(p[i]! > 0.5 ? 1 : 0));
    expect(model.predict({ data, rows: n, cols: 2 }, 0.9).reduce((s, c) => s + c, 0)).toBeLessThanOrEqual(classes.reduce((s, c) => s + c, 0));
  });
});
