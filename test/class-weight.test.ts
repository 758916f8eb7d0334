// Class and sample weights (fit's classWeight and sampleWeight, Keras's meaning: each row's loss
// and gradient times its weight, a batch's loss Σ wᵢ·lossᵢ / rows). Checked against
// TensorFlow.js 4.22 Layers' own classWeight over 150 steps (both backends, within 1e-4
// relative), against finite differences of the weighted loss (the step of one full batch) and a
// step computed by hand in float64; and by properties that hold bit for bit: weights of 1 are no weights, sampleWeight is
// the classWeight it spells, 'balanced' is the weights it computes, doubling every weight doubles
// the step of plain SGD, streams and threads and workers and resumed runs train as fit does.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planModel } from '../src/backend/plan.js';
import { cli } from './support/cli.js';
import {
  GradwasmError,
  Sequential,
  dense,
  trainInWorker,
  type Activation,
  type ClassWeight,
  type DataChunk,
  type FitOptions,
  type LayerWeights,
} from '../src/index.js';
import { meanBce64, type Layer64 } from './support/reference.js';
import { labels, relativeDifference, uniform } from './support/random.js';
import { bundleWorker } from './support/worker-bundle.js';

const bits = (layers: readonly LayerWeights[]): number[][] =>
  layers.flatMap((l) => [[...new Uint32Array(l.weights.slice().buffer)], [...new Uint32Array(l.bias.slice().buffer)]]);
const BACKENDS = ['wasm', 'js'] as const;

// An imbalanced problem: about one row in five positive, by a rule the network learns only in part.
const inputs = 6,
  rows = 96;
const x = uniform(51, rows * inputs);
const noise = uniform(52, rows, -0.6, 0.6);
const y = Float32Array.from({ length: rows }, (_, r) =>
  x[r * inputs]! + 0.5 * x[r * inputs + 1]! - x[r * inputs + 2]! * x[r * inputs + 3]! + noise[r]! > 0.7 ? 1 : 0,
);
const X = { data: x, rows, cols: inputs };
const positives = y.reduce((n, v) => n + v, 0);

/** Chunks of `size` rows (the last shorter) of a flat table. */
function cut(data: Float32Array, labels: Float32Array, cols: number, size: number): DataChunk[] {
  const out: DataChunk[] = [];
  for (let start = 0; start < labels.length; start += size) {
    const n = Math.min(size, labels.length - start);
    out.push({ x: { data: data.slice(start * cols, (start + n) * cols), rows: n, cols }, y: labels.slice(start, start + n) });
  }
  return out;
}

describe('the data', () => {
  it('is imbalanced', () => {
    expect(positives / rows).toBeGreaterThan(0.1);
    expect(positives / rows).toBeLessThan(0.3);
  });
});

// ---------------------------------------------------------------------------------------------
// Against TensorFlow.js

const batchSize = 16,
  epochs = 25; // 6 batches × 25 epochs = 150 steps

interface Case {
  name: string;
  hidden: [number, Activation][];
  learningRate: number;
  optimizer: 'sgd' | 'adam';
  classWeight: ClassWeight;
}

/** scikit-learn's 'balanced', computed here on its own: n / (2·nᵢ). */
const balanced = { 0: Math.fround(rows / (2 * (rows - positives))), 1: Math.fround(rows / (2 * positives)) };

const CASES: Case[] = [
  { name: 'logistic regression, sgd, {0: 1, 1: 5}', hidden: [], learningRate: 0.3, optimizer: 'sgd', classWeight: { 0: 1, 1: 5 } },
  {
    name: 'MLP, sgd, {0: 1, 1: 5}',
    hidden: [
      [8, 'tanh'],
      [5, 'relu'],
    ],
    learningRate: 0.1,
    optimizer: 'sgd',
    classWeight: { 0: 1, 1: 5 },
  },
  {
    name: 'MLP, adam, {0: 1, 1: 5}',
    hidden: [
      [8, 'tanh'],
      [5, 'relu'],
    ],
    learningRate: 0.01,
    optimizer: 'adam',
    classWeight: { 0: 1, 1: 5 },
  },
  { name: "MLP, sgd, 'balanced' (TF.js given the weights it means)", hidden: [[8, 'relu']], learningRate: 0.1, optimizer: 'sgd', classWeight: 'balanced' },
];

const layersOf = (c: Case) => [...c.hidden.map(([u, a]) => dense(u, a)), dense(1, 'sigmoid')];

async function trainTfjs(c: Case, init: LayerWeights[]): Promise<{ weights: LayerWeights[]; loss: number[] }> {
  const model = tfl.sequential();
  const layers: [number, Activation][] = [...c.hidden, [1, 'sigmoid']];
  layers.forEach(([units, activation], i) => {
    model.add(tfl.layers.dense({ units, activation, kernelInitializer: 'zeros', ...(i === 0 ? { inputShape: [inputs] } : {}) }));
  });
  const values = init.flatMap((l, i) => [tf.tensor2d(l.weights, [i === 0 ? inputs : layers[i - 1]![0], layers[i]![0]]), tf.tensor1d(l.bias)]);
  model.setWeights(values);
  tf.dispose(values);
  const optimizer = c.optimizer === 'sgd' ? tf.train.sgd(c.learningRate) : tf.train.adam(c.learningRate, 0.9, 0.999, 1e-7);
  model.compile({ optimizer, loss: 'binaryCrossentropy' });
  const xs = tf.tensor2d(x, [rows, inputs]),
    ys = tf.tensor2d(y, [rows, 1]);
  const classWeight = c.classWeight === 'balanced' ? balanced : c.classWeight;
  const history = await model.fit(xs, ys, { epochs, batchSize, shuffle: false, verbose: 0, classWeight });
  const weights = model.getWeights().map((t) => t.dataSync() as Float32Array);
  tf.dispose([xs, ys]);
  model.dispose();
  optimizer.dispose();
  return { weights: init.map((_, i) => ({ weights: weights[2 * i]!, bias: weights[2 * i + 1]! })), loss: history.history.loss as number[] };
}

function difference(a: LayerWeights[], b: LayerWeights[]): number {
  return Math.max(...a.flatMap((l, i) => [relativeDifference(l.weights, b[i]!.weights), relativeDifference(l.bias, b[i]!.bias)]));
}

const measured: string[] = [];
beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('cpu');
});
afterAll(() =>
  console.log(
    `gradwasm vs TF.js with class weights after ${(rows / batchSize) * epochs} steps (max relative difference of the weights):\n${measured.join('\n')}`,
  ),
);

describe.each(CASES)('against TensorFlow.js: $name', (c) => {
  let expected: { weights: LayerWeights[]; loss: number[] };
  let unweighted: LayerWeights[];
  let init: LayerWeights[];
  beforeAll(async () => {
    const start = await Sequential.create({ inputs, layers: layersOf(c), seed: 3 });
    init = start.getWeights();
    await start.fit(X, y, { epochs, batchSize, shuffle: false, learningRate: c.learningRate, optimizer: c.optimizer });
    unweighted = start.getWeights();
    start.dispose();
    expected = await trainTfjs(c, init);
  });

  it.each(BACKENDS)('the %s backend follows its trajectory and its weighted losses within 1e-4 relative', async (backend) => {
    const model = await Sequential.create({ inputs, layers: layersOf(c), seed: 3, backend });
    model.setWeights(init);
    const history = await model.fit(X, y, {
      epochs,
      batchSize,
      shuffle: false,
      learningRate: c.learningRate,
      optimizer: c.optimizer,
      classWeight: c.classWeight,
    });
    const d = difference(model.getWeights(), expected.weights);
    measured.push(
      `  ${c.name.padEnd(58)} ${backend.padEnd(4)} ${d.toExponential(2)}   (the weights are ${difference(unweighted, expected.weights).toExponential(2)} from an unweighted run's)`,
    );
    expect(difference(unweighted, expected.weights)).toBeGreaterThan(0.01); // the weights matter
    expect(d).toBeLessThanOrEqual(1e-4);
    expect(relativeDifference(history.loss, expected.loss)).toBeLessThanOrEqual(1e-4);
    model.dispose();
  });
});

// ---------------------------------------------------------------------------------------------
// Gradients of the weighted loss

/** Σ wᵢ·BCEᵢ / n in float64 (each row's BCE from the independent reference). */
function weightedBce64(layers: Layer64[], rowsOf: number[][], labels: number[], w: number[]): number {
  let total = 0;
  rowsOf.forEach((row, r) => (total += w[r]! * meanBce64(layers, [row], [labels[r]!])));
  return total / rowsOf.length;
}

describe.each(BACKENDS)('gradients of the weighted loss (%s)', (backend) => {
  // One full-batch step of plain SGD with λ = 1 is W − g (the core's own fused path), so W0 − W1
  // is the gradient of the weighted loss, up to the rounding of W1 (½ ulp: below 6e-8 for |W| < 1).
  it.each(['tanh', 'relu', 'sigmoid'] as const)(
    '%s: one full-batch step descends the gradient of Σ wᵢ·BCEᵢ / n, as central finite differences in float64 give it',
    async (activation) => {
      const n = 9;
      const model = await Sequential.create({ inputs: 3, layers: [dense(5, activation), dense(4, activation), dense(1, 'sigmoid')], seed: 7, backend });
      model.setWeights(model.getWeights().map((l, i) => ({ weights: l.weights, bias: uniform(20 + i, l.bias.length, -0.5, 0.5) })));
      const flat = uniform(8, n * 3, -2, 2);
      const rowsOf = Array.from({ length: n }, (_, r) => Array.from(flat.subarray(r * 3, (r + 1) * 3)));
      const t = Array.from(labels(9, n));
      const sampleWeight = Array.from(uniform(10, n, 0, 3)).map(Math.fround);
      const classWeight = { 0: 0.75, 1: 4 };
      const w = t.map((label, r) => Math.fround(classWeight[label as 0 | 1] * sampleWeight[r]!));
      const before = model.getWeights();
      const layers64: Layer64[] = before.map((l, i) => ({
        weights: Float64Array.from(l.weights),
        bias: Float64Array.from(l.bias),
        units: model.layers[i]!.units,
        activation: model.layers[i]!.activation,
      }));
      const history = await model.fit(rowsOf, t, { epochs: 1, learningRate: 1, classWeight, sampleWeight });
      expect(Math.abs(history.loss[0]! - weightedBce64(layers64, rowsOf, t, w))).toBeLessThan(1e-6 * history.loss[0]!); // the loss it reports is the weighted one
      const after = model.getWeights();
      const h = 1e-6;
      let moved = 0;
      layers64.forEach((layer, l) => {
        for (const key of ['weights', 'bias'] as const) {
          layer[key].forEach((keep, i) => {
            layer[key][i] = keep + h;
            const up = weightedBce64(layers64, rowsOf, t, w);
            layer[key][i] = keep - h;
            const down = weightedBce64(layers64, rowsOf, t, w);
            layer[key][i] = keep;
            const exact = (up - down) / (2 * h);
            const g = before[l]![key][i]! - after[l]![key][i]!;
            moved = Math.max(moved, Math.abs(g));
            if (Math.abs(g - exact) > 3e-7 + 2e-5 * Math.abs(exact))
              expect.fail(`${backend} ${activation}: layer ${l} ${key}[${i}] stepped ${g}, finite differences give ${exact}`);
          });
        }
      });
      expect(moved).toBeGreaterThan(1e-2);
      model.dispose();
    },
  );

  it('one full-batch SGD step with sampleWeight is W − λ·Σ wᵢ(pᵢ − yᵢ)xᵢ / n, computed here in float64', async () => {
    const n = 40,
      lr = 0.5;
    const model = await Sequential.create({ inputs, layers: [dense(1, 'sigmoid')], seed: 2, backend });
    const [{ weights: w0, bias: b0 }] = model.getWeights() as [LayerWeights];
    const sw = uniform(3, n, 0, 4);
    const xs = x.subarray(0, n * inputs),
      ys = y.subarray(0, n);
    await model.fit({ data: xs, rows: n, cols: inputs }, ys, { epochs: 1, learningRate: lr, sampleWeight: sw });
    const gw = new Float64Array(inputs);
    let gb = 0;
    for (let r = 0; r < n; r++) {
      let z = b0[0]!;
      for (let c = 0; c < inputs; c++) z += xs[r * inputs + c]! * w0[c]!;
      const d = (sw[r]! * (1 / (1 + Math.exp(-z)) - ys[r]!)) / n;
      for (let c = 0; c < inputs; c++) gw[c] = gw[c]! + d * xs[r * inputs + c]!;
      gb += d;
    }
    const [{ weights, bias }] = model.getWeights() as [LayerWeights];
    expect(
      relativeDifference(
        weights,
        Float64Array.from(w0, (v, c) => v - Math.fround(lr) * gw[c]!),
      ),
    ).toBeLessThan(1e-6);
    expect(Math.abs(bias[0]! - (b0[0]! - Math.fround(lr) * gb))).toBeLessThan(1e-7);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties, bit for bit

describe.each(BACKENDS)('weights that change nothing, or everything the same way (%s)', (backend) => {
  const spec = { inputs, layers: [dense(10, 'relu'), dense(4, 'tanh'), dense(1, 'sigmoid')], seed: 11, backend };
  const xv = { data: uniform(60, 30 * inputs), rows: 30, cols: inputs },
    yv = labels(61, 30);
  const train = async (options: FitOptions) => {
    const model = await Sequential.create(spec);
    const history = await model.fit(X, y, { epochs: 6, learningRate: 0.2, validationData: [xv, yv], ...options });
    const weights = bits(model.getWeights());
    model.dispose();
    return { history, weights };
  };
  const BATCHES = [
    ['shuffled mini-batches of 7', { batchSize: 7 }],
    ['full batch', {}],
    ['batches of 1', { batchSize: 1, epochs: 2 }],
  ] as const;

  it.each(BATCHES)('weights of 1 are no weights: %s', async (_name, options) => {
    const plain = await train(options);
    expect(await train({ ...options, classWeight: { 0: 1, 1: 1 } })).toEqual(plain);
    expect(await train({ ...options, sampleWeight: new Float64Array(rows).fill(1) })).toEqual(plain);
  });

  it.each(BATCHES)("sampleWeight is the classWeight it spells; 'balanced' is the weights it computes: %s", async (_name, options) => {
    const weighted = await train({ ...options, classWeight: { 0: 0.5, 1: 3 } });
    expect(await train({ ...options, sampleWeight: Array.from(y, (v) => (v ? 3 : 0.5)) })).toEqual(weighted);
    expect(await train({ ...options, classWeight: 'balanced' })).toEqual(await train({ ...options, classWeight: balanced }));
    // …and they are not no weights
    expect((await train(options)).weights).not.toEqual(weighted.weights);
  });

  it('classWeight × sampleWeight is one weight per row, multiplied in float32', async () => {
    const sw = uniform(5, rows, 0.5, 2);
    const both = await train({ batchSize: 16, classWeight: { 0: 0.3, 1: 2.5 }, sampleWeight: sw });
    expect(await train({ batchSize: 16, sampleWeight: Float32Array.from(sw, (s, i) => Math.fround(s * (y[i] ? 2.5 : Math.fround(0.3)))) })).toEqual(both);
  });

  it('doubling every weight is doubling the learning rate of plain SGD (and the training loss, exactly)', async () => {
    for (const options of [{ batchSize: 7 }, {}]) {
      const plain = await train({ ...options, learningRate: 0.4 });
      const doubled = await train({ ...options, learningRate: 0.2, classWeight: { 0: 2, 1: 2 } });
      expect(doubled.weights).toEqual(plain.weights);
      expect(doubled.history.loss).toEqual(plain.history.loss.map((l) => 2 * l));
      expect(doubled.history.valLoss).toEqual(plain.history.valLoss); // validation is unweighted
      expect(doubled.history.accuracy).toEqual(plain.history.accuracy); // (counts, unweighted)
    }
  });

  it("the history's training loss is the weighted loss; validation and evaluate() are unweighted", async () => {
    const classWeight = { 0: 1, 1: 5 };
    const model = await Sequential.create(spec);
    const start = model.getWeights();
    const layers64: Layer64[] = start.map((l, i) => ({
      weights: Float64Array.from(l.weights),
      bias: Float64Array.from(l.bias),
      units: model.layers[i]!.units,
      activation: model.layers[i]!.activation,
    }));
    const rowsOf = Array.from({ length: rows }, (_, r) => Array.from(x.subarray(r * inputs, (r + 1) * inputs)));
    const weighted = weightedBce64(
      layers64,
      rowsOf,
      Array.from(y),
      Array.from(y, (v) => (v ? 5 : 1)),
    );
    const unweighted = model.evaluate(X, y).loss;
    const history = await model.fit(X, y, { epochs: 3, learningRate: 0.2, classWeight, validationData: [xv, yv] });
    // full batch: the first epoch's loss is taken before its step
    expect(Math.abs(history.loss[0]! - weighted)).toBeLessThan(1e-6 * weighted);
    expect(Math.abs(history.loss[0]! - unweighted)).toBeGreaterThan(0.1 * unweighted);
    const e = model.evaluate(xv, yv);
    expect(history.valLoss!.at(-1)).toBe(e.loss);
    expect(history.valAccuracy!.at(-1)).toBe(e.accuracy);
  });

  it('a validation split splits sampleWeight too, and balances the training rows only', async () => {
    const sw = uniform(6, rows, 0.5, 2);
    const trainRows = Math.floor(rows * 0.75);
    const split = await (async () => {
      const model = await Sequential.create(spec);
      const history = await model.fit(X, y, { epochs: 4, batchSize: 8, learningRate: 0.2, validationSplit: 0.25, sampleWeight: sw, classWeight: 'balanced' });
      return { history, weights: bits(model.getWeights()) };
    })();
    const head = { data: x.subarray(0, trainRows * inputs), rows: trainRows, cols: inputs },
      tail = { data: x.subarray(trainRows * inputs), rows: rows - trainRows, cols: inputs };
    const model = await Sequential.create(spec);
    const history = await model.fit(head, y.subarray(0, trainRows), {
      epochs: 4,
      batchSize: 8,
      learningRate: 0.2,
      validationData: [tail, y.subarray(trainRows)],
      sampleWeight: sw.subarray(0, trainRows),
      classWeight: 'balanced',
    });
    expect(split).toEqual({ history, weights: bits(model.getWeights()) });
  });

  it('resumes with the same weights: fit 8 epochs ≡ fit 4, checkpoint, load, fit 4 more', async () => {
    const options: FitOptions = { batchSize: 10, learningRate: 0.01, optimizer: 'adam', classWeight: { 0: 1, 1: 4 }, sampleWeight: uniform(7, rows, 0.5, 1.5) };
    const whole = await Sequential.create(spec);
    const expected = await whole.fit(X, y, { ...options, epochs: 8 });
    const first = await Sequential.create(spec);
    let text = '';
    const before = await first.fit(X, y, { ...options, epochs: 4, checkpoint: { every: 4, save: (json) => void (text = JSON.stringify(json)) } });
    const resumed = await Sequential.fromJSON(text, { backend });
    const after = await resumed.fit(X, y, { ...options, epochs: 8, initialEpoch: 4 });
    expect([...before.loss, ...after.loss]).toEqual(expected.loss);
    expect(bits(resumed.getWeights())).toEqual(bits(whole.getWeights()));
  });

  it('a diverging weighted fit still stops with a GradwasmError and keeps its last epoch; a cancel still stops it', async () => {
    const model = await Sequential.create(spec);
    await model.fit(X, y, { epochs: 1, learningRate: 0.1, classWeight: { 0: 1, 1: 5 } });
    const kept = bits(model.getWeights());
    const error = await model.fit(X, y, { epochs: 3, initialEpoch: 1, learningRate: 1e38, classWeight: { 0: 1e6, 1: 1e6 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GradwasmError);
    expect((error as Error).message).toMatch(/^training diverged in epoch 1, batch 0/);
    expect(bits(model.getWeights())).toEqual(kept);
    const controller = new AbortController();
    const history = await model.fit(X, y, {
      epochs: 5,
      batchSize: 8,
      learningRate: 0.1,
      classWeight: 'balanced',
      signal: controller.signal,
      onEpochEnd: () => controller.abort(),
    });
    expect(history.loss).toHaveLength(1);
  });

  it('fitDataset with classWeight (or balanced, counted in a pass) trains as fit does, however the chunks are cut', async () => {
    for (const classWeight of [{ 0: 1, 1: 5 }, 'balanced'] as const) {
      for (const batch of [7, undefined]) {
        const reference = await Sequential.create(spec);
        const expected = await reference.fit(X, y, { epochs: 3, batchSize: batch, learningRate: 0.2, shuffle: false, classWeight, validationData: [xv, yv] });
        for (const size of [5, 40]) {
          const model = await Sequential.create(spec);
          expect(
            await model.fitDataset(cut(x, y, inputs, size), { epochs: 3, batchSize: batch, learningRate: 0.2, classWeight, validationData: [xv, yv] }),
          ).toEqual(expected);
          expect(bits(model.getWeights())).toEqual(bits(reference.getWeights()));
        }
      }
    }
    // a validation split balances the rows before it
    const reference = await Sequential.create(spec);
    const expected = await reference.fit(X, y, { epochs: 2, batchSize: 8, learningRate: 0.2, shuffle: false, classWeight: 'balanced', validationSplit: 0.3 });
    const model = await Sequential.create(spec);
    expect(
      await model.fitDataset(Object.assign(cut(x, y, inputs, 11), { rows }), {
        epochs: 2,
        batchSize: 8,
        learningRate: 0.2,
        classWeight: 'balanced',
        validationSplit: 0.3,
      }),
    ).toEqual(expected);
    // the counting pass is a pass: a one-shot generator is named as such
    const once = (async function* () {
      for (const c of cut(x, y, inputs, 20)) yield c;
    })();
    expect(await model.fitDataset(once, { epochs: 2, classWeight: 'balanced' }).catch((e: unknown) => (e as Error).message)).toMatch(
      /^source gave no rows in pass 2 after 96 rows in its first: an iterator or generator object runs only once/,
    );
  });

  it('fitDataset: batches larger than the workspace, carried across chunks, with class weights', async () => {
    const wide = { inputs: 2, layers: [dense(2048, 'tanh'), dense(1, 'sigmoid')], seed: 4, backend };
    const capacity = planModel(wide).chunkRows;
    const n = 3 * capacity + 41;
    const d = uniform(17, n * 2),
      t = labels(18, n);
    for (const batch of [capacity + 13, undefined]) {
      const reference = await Sequential.create(wide);
      const expected = await reference.fit({ data: d, rows: n, cols: 2 }, t, {
        epochs: 2,
        batchSize: batch,
        learningRate: 0.3,
        shuffle: false,
        classWeight: { 0: 0.25, 1: 3 },
      });
      const model = await Sequential.create(wide);
      expect(await model.fitDataset(cut(d, t, 2, capacity - 1), { epochs: 2, batchSize: batch, learningRate: 0.3, classWeight: { 0: 0.25, 1: 3 } })).toEqual(
        expected,
      );
      expect(bits(model.getWeights())).toEqual(bits(reference.getWeights()));
      const plain = await Sequential.create(wide);
      await plain.fit({ data: d, rows: n, cols: 2 }, t, { epochs: 2, batchSize: batch, learningRate: 0.3, shuffle: false });
      expect(bits(plain.getWeights())).not.toEqual(bits(reference.getWeights()));
    }
  }, 30_000);
});

describe('the backends agree with weights', () => {
  it('wasm and js within 1e-4 relative after 30 epochs of shuffled, weighted mini-batches, a full batch of many blocks too', async () => {
    const n = 700; // (a full batch of 700 rows sums blocks of 256)
    const d = uniform(70, n * inputs),
      t = labels(71, n),
      sw = uniform(72, n, 0, 3);
    for (const batch of [16, undefined]) {
      const trained = await Promise.all(
        BACKENDS.map(async (backend) => {
          const model = await Sequential.create({ inputs, layers: [dense(12, 'tanh'), dense(1, 'sigmoid')], seed: 9, backend });
          const history = await model.fit({ data: d, rows: n, cols: inputs }, t, {
            epochs: 30,
            batchSize: batch,
            learningRate: 0.1,
            classWeight: { 0: 1, 1: 3 },
            sampleWeight: sw,
          });
          return { history, weights: model.getWeights() };
        }),
      );
      expect(difference(trained[0]!.weights, trained[1]!.weights)).toBeLessThan(1e-4);
      expect(relativeDifference(trained[0]!.history.loss, trained[1]!.history.loss)).toBeLessThan(1e-4);
    }
  });

  it('the same bits for 1, 2 and 3 threads (shuffled batches, a full batch, a stream)', async () => {
    const n = 600,
      cols = 64;
    const d = uniform(80, n * cols),
      t = labels(81, n),
      sw = uniform(82, n, 0, 2);
    const seen: unknown[] = [];
    for (const threads of [1, 2, 3]) {
      const results: unknown[] = [];
      for (const batch of [64, 256, undefined]) {
        // (256 rows gather in two parts)
        const model = await Sequential.create({ inputs: cols, layers: [dense(96, 'relu'), dense(48, 'tanh'), dense(1, 'sigmoid')], seed: 3, threads });
        const history = await model.fit({ data: d, rows: n, cols }, t, {
          epochs: 3,
          batchSize: batch,
          learningRate: 0.05,
          classWeight: 'balanced',
          sampleWeight: sw,
        });
        results.push(history, bits(model.getWeights()));
        await model.fitDataset(cut(d, t, cols, 77), { epochs: 1, batchSize: batch, learningRate: 0.05, classWeight: { 0: 1, 1: 2 } });
        results.push(bits(model.getWeights()));
        model.dispose();
      }
      seen.push(results);
    }
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[2]).toEqual(seen[0]);
  }, 60_000);
});

describe('trainInWorker with weights', () => {
  let dir: string;
  let workerUrl: URL;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gradwasm-class-weight-'));
    workerUrl = await bundleWorker(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(BACKENDS)('gives the bits of an in-process fit (%s), and leaves the caller its arrays', async (backend) => {
    const model = { inputs, layers: [dense(8, 'tanh'), dense(1, 'sigmoid')], seed: 5, backend };
    const sampleWeight = Float64Array.from(uniform(9, rows, 0.5, 2));
    const copy = sampleWeight.slice();
    for (const classWeight of [{ 0: 1, 1: 4 }, 'balanced'] as const) {
      const fit = { epochs: 5, learningRate: 0.3, batchSize: 8, classWeight, sampleWeight, validationSplit: 0.2 };
      const result = await trainInWorker({ model, x: X, y, fit, workerUrl }).done;
      const local = await Sequential.create(model);
      const history = await local.fit(X, y, fit);
      expect(result.history).toEqual(history);
      expect(bits(result.model.layers.map((l) => ({ weights: Float32Array.from(l.weights), bias: Float32Array.from(l.bias) })))).toEqual(
        bits(local.getWeights()),
      );
    }
    expect(sampleWeight).toEqual(copy);
  });
});

// ---------------------------------------------------------------------------------------------
// Misuse

describe.each(BACKENDS)('misuse (%s)', (backend) => {
  const spec = { inputs, layers: [dense(3, 'relu'), dense(1, 'sigmoid')], seed: 1, backend };
  const refuse = async (options: FitOptions, argument: string, message: RegExp) => {
    const model = await Sequential.create(spec);
    const before = bits(model.getWeights());
    const error = await model.fit(X, y, options).catch((e: unknown) => e);
    expect(error, argument).toBeInstanceOf(GradwasmError);
    expect((error as GradwasmError).argument).toBe(argument);
    expect((error as Error).message).toMatch(message);
    expect(bits(model.getWeights())).toEqual(before);
  };

  it.each<[string, unknown, string, RegExp]>([
    ['a string', 'even', 'options.classWeight', /^options\.classWeight must be 'balanced' or \{ 0: weight, 1: weight \}, got "even"$/],
    ['an array', [1, 5], 'options.classWeight', /must be 'balanced' or/],
    ['a class 2', { 0: 1, 1: 2, 2: 3 }, 'options.classWeight', /^options\.classWeight has the key "2"; the classes are 0 and 1$/],
    ['a missing class', { 1: 5 }, 'options.classWeight', /^options\.classWeight has no weight for class 0; give both, e\.g\. \{ 0: 1, 1: 5 \}$/],
    ['a negative weight', { 0: 1, 1: -2 }, 'options.classWeight[1]', /^options\.classWeight\[1\] must be a finite number ≥ 0 \(as a float32\), got -2$/],
    ['NaN', { 0: NaN, 1: 1 }, 'options.classWeight[0]', /got NaN$/],
    ['beyond float32', { 0: 1, 1: 1e39 }, 'options.classWeight[1]', /got 1e\+39$/],
    ['a string weight', { 0: '1', 1: 2 }, 'options.classWeight[0]', /got "1"$/],
    ['both 0', { 0: 0, 1: 0 }, 'options.classWeight', /^options\.classWeight weighs both classes 0: no row would count$/],
  ])('classWeight: %s', async (_name, classWeight, argument, message) => {
    await refuse({ classWeight: classWeight as ClassWeight }, argument, message);
  });

  it.each<[string, unknown, RegExp]>([
    ['too short', new Float32Array(rows - 1), /^options\.sampleWeight has 95 weights, but x has 96 rows$/],
    ['not an array', 'ones', /^options\.sampleWeight must be an array, Float32Array or Float64Array of one weight per row, got "ones"$/],
    [
      'a negative weight',
      Array.from({ length: rows }, (_, i) => (i === 7 ? -1 : 1)),
      /^options\.sampleWeight\[7\] is -1; weights must be finite numbers ≥ 0 \(as float32\)$/,
    ],
    ['Infinity', Float64Array.from({ length: rows }, (_, i) => (i === 3 ? Infinity : 1)), /^options\.sampleWeight\[3\] is Infinity/],
    ['a string', Array.from({ length: rows }, (_, i) => (i === 2 ? '1' : 1)), /^options\.sampleWeight\[2\] is "1"/],
    ['all 0', new Float32Array(rows), /^every training row weighs 0 with this options\.sampleWeight: the loss would be 0/],
  ])('sampleWeight: %s', async (_name, sampleWeight, message) => {
    await refuse({ sampleWeight: sampleWeight as number[] }, 'options.sampleWeight', message);
  });

  it('every row weighing 0 by its class, a product past float32, balanced with one class: GradwasmErrors', async () => {
    const negatives = y.map(() => 0);
    const model = await Sequential.create(spec);
    expect(await model.fit(X, negatives, { classWeight: { 0: 0, 1: 1 } }).catch((e: unknown) => (e as Error).message)).toMatch(
      /^every training row weighs 0 with this options\.classWeight/,
    );
    expect(await model.fit(X, negatives, { classWeight: 'balanced' }).catch((e: unknown) => (e as Error).message)).toBe(
      "options.classWeight 'balanced' needs rows of both classes, but the 96 training rows have none of class 1",
    );
    expect(
      await model.fit(X, y, { classWeight: { 0: 3e38, 1: 3e38 }, sampleWeight: new Float32Array(rows).fill(2) }).catch((e: unknown) => (e as Error).message),
    ).toMatch(/^options\.sampleWeight\[0\] \(2\) times options\.classWeight\[\d\] \([\d.]+e\+38\) overflows float32$/);
  });

  it('fitDataset refuses sampleWeight with a reason; nothing of the caller is changed', async () => {
    const model = await Sequential.create(spec);
    const error = await model.fitDataset(cut(x, y, inputs, 10), { sampleWeight: new Float32Array(rows) } as never).catch((e: unknown) => e);
    expect((error as GradwasmError).argument).toBe('options.sampleWeight');
    expect((error as Error).message).toMatch(/fitDataset has no x: its rows arrive in chunks\. Weigh the classes with options\.classWeight/);
    const classWeight = Object.freeze({ 0: 1, 1: 3 });
    const sampleWeight = Object.freeze(Array.from(uniform(4, rows, 0, 2)));
    const yCopy = y.slice();
    await model.fit(X, y, { epochs: 2, batchSize: 8, classWeight, sampleWeight });
    expect(y).toEqual(yCopy);
  });
});

// ---------------------------------------------------------------------------------------------
// The command line

describe('gradwasm train --class-weight', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradwasm-cli-class-weight-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const DATA = 'data/breast_cancer.csv';
  const common = ['--layers', '4', '--epochs', '3', '--batch', '16', '--val', '0', '--no-progress', '--threads', '1'];
  const trained = async (...flags: string[]) => {
    const out = join(dir, `model-${flags.join('_').replace(/[^\w]/g, '')}.json`);
    const r = await cli('train', DATA, ...common, ...flags, '--out', out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    return { out: r.out, model: JSON.parse(readFileSync(out, 'utf8')) as { layers: unknown } };
  };

  it('passes the weights to fit: 0:1,1:1 is no flag, 0:1,1:5 and balanced train otherwise; the header says them', async () => {
    const plain = await trained();
    const ones = await trained('--class-weight', '0:1,1:1');
    expect(ones.model.layers).toEqual(plain.model.layers);
    const five = await trained('--class-weight', '1:5, 0:1');
    expect(five.out).toMatch(/, class weights 0:1,1:5\n/);
    expect(five.model.layers).not.toEqual(plain.model.layers);
    const balancedRun = await trained('--class-weight', 'balanced');
    expect(balancedRun.out).toMatch(/, class weights balanced\n/);
    expect(balancedRun.model.layers).not.toEqual(plain.model.layers);
  });

  it.each(['0:1', '0:1,1:-5', '0:1,1:5,1:2', '2:1,0:1', '0:1;1:5', 'Balanced', '0:0,1:0', '0:1,1:1e39', '0:1,1:x', ''])(
    'refuses %j in one line naming the flag and the value',
    async (bad) => {
      const r = await cli('train', DATA, ...common, '--class-weight', bad);
      expect(r.code).toBe(1);
      expect(r.out).toBe('');
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toContain("option '--class-weight <weights>' argument");
      expect(r.err).toContain(`"${bad}"`);
    },
  );

  it('a checkpoint records it: resuming with other class weights is refused, with the same it continues', async () => {
    const checkpoint = join(dir, 'checkpoint.json');
    expect((await cli('train', DATA, ...common, '--class-weight', '0:2,1:1', '--checkpoint', checkpoint)).code).toBe(0);
    const other = await cli('train', DATA, ...common, '--epochs', '4', '--class-weight', 'balanced', '--resume', checkpoint);
    expect(other.code).toBe(1);
    expect(other.err).toBe(
      `gradwasm: --resume ${checkpoint} was written with --class-weight 0:2,1:1, not balanced; resume with the same flags (only --epochs and the outputs may change)\n`,
    );
    const same = await cli('train', DATA, ...common, '--epochs', '4', '--class-weight', '0:2,1:1', '--resume', checkpoint);
    expect(same.err).toBe('');
    expect(same.code).toBe(0);
  });
});
