// The softmax head (src/heads/softmax.ts, assembly/heads/softmax.ts): k classes, categorical
// cross-entropy from the logits. Checked against test/support/reference.ts's float64 oracle
// (loss, probabilities, central finite differences), between the two backends, and for what its
// API promises: labels checked by row, argmax ties to the lowest class, stable extremes.
import { describe, expect, it } from 'vitest';
import {
  DataError,
  OptionError,
  Sequential,
  StandardScaler,
  dense,
  fromTfjsLayers,
  toOnnx,
  toTfjsLayers,
  type Activation,
  type TfjsModelJSON,
} from '../src/index.js';
import { explain, formatTrace } from '../src/explain/index.js';
import { Xoshiro128 } from '../src/core/prng.js';
import { finiteDifferences, meanBce64, type Layer64 } from './support/reference.js';
import { relativeDifference, uniform } from './support/random.js';

const BACKENDS = ['wasm', 'js'] as const;

/** Deterministic class indices 0…k−1. */
function classIndices(seed: number, rows: number, k: number): Float32Array {
  const rng = new Xoshiro128(seed);
  return Float32Array.from({ length: rows }, () => rng.nextU32() % k);
}

const rowsOf = (flat: Float32Array, cols: number): number[][] =>
  Array.from({ length: flat.length / cols }, (_, r) => Array.from(flat.subarray(r * cols, (r + 1) * cols)));

function layers64(model: Sequential): Layer64[] {
  return model.getWeights().map((l, i) => ({
    weights: Float64Array.from(l.weights),
    bias: Float64Array.from(l.bias),
    units: model.layers[i]!.units,
    activation: model.layers[i]!.activation,
  }));
}

/** Float64 softmax probabilities of every row, from the oracle's forward pass. */
function probabilities64(layers: Layer64[], x: number[][]): number[][] {
  return x.map((row) => {
    let a: number[] = row;
    layers.forEach((layer, l) => {
      const z = Array.from({ length: layer.units }, (_, j) => {
        let s = layer.bias[j]!;
        for (let i = 0; i < a.length; i++) s += a[i]! * layer.weights[i * layer.units + j]!;
        return s;
      });
      a =
        l === layers.length - 1
          ? z
          : z.map((v) =>
              layer.activation === 'relu'
                ? Math.max(v, 0)
                : layer.activation === 'tanh'
                  ? Math.tanh(v)
                  : layer.activation === 'sigmoid'
                    ? 1 / (1 + Math.exp(-v))
                    : v,
            );
    });
    const top = Math.max(...a);
    const e = a.map((v) => Math.exp(v - top));
    const sum = e.reduce((s, v) => s + v, 0);
    return e.map((v) => v / sum);
  });
}

describe.each(BACKENDS)('the softmax head on the %s backend', (backend) => {
  it.each<[Activation, number]>([
    ['tanh', 3],
    ['relu', 4],
    ['sigmoid', 2],
    ['linear', 7],
  ])('%s hidden layer, %i classes: loss, probabilities and gradients as the float64 oracle', async (activation, k) => {
    const inputs = 4,
      rows = 9;
    const model = await Sequential.create({ inputs, layers: [dense(6, activation), dense(k, 'softmax')], seed: k, backend });
    model.setWeights(model.getWeights().map((l, i) => ({ weights: l.weights, bias: uniform(30 + i, l.bias.length, -0.5, 0.5) })));
    const x = rowsOf(uniform(k, rows * inputs, -2, 2), inputs);
    const y = Array.from(classIndices(k + 1, rows, k));
    const oracle = layers64(model);

    const p = model.predictProba(x);
    expect(p.length).toBe(rows * k);
    const exact = probabilities64(oracle, x).flat();
    for (let i = 0; i < p.length; i++) expect(Math.abs(p[i]! - exact[i]!)).toBeLessThanOrEqual(2e-7 + 1e-6 * exact[i]!);

    const { loss, layers } = model.gradients(x, y);
    expect(Math.abs(loss - meanBce64(oracle, x, y))).toBeLessThanOrEqual(1e-6 * Math.max(1, loss));
    const fd = finiteDifferences(oracle, x, y);
    layers.forEach((g, l) => {
      for (const key of ['weights', 'bias'] as const) {
        g[key].forEach((v, i) => {
          const e = fd[l]![key][i]!;
          if (Math.abs(v - e) > 2e-7 + 2e-5 * Math.abs(e)) expect.fail(`layer ${l} ${key}[${i}] = ${v}, finite differences give ${e}`);
        });
      }
    });
    model.dispose();
  });

  it('gives rows × k probabilities, the argmax as predict (the lowest class on a tie), and the loss of evaluate', async () => {
    const model = await Sequential.create({ inputs: 2, layers: [dense(3, 'softmax')], seed: 1, backend });
    expect(model.task).toBe('softmax');
    expect(model.classes).toEqual([0, 1, 2]);
    // z = x·W + b with W picking class 2 for x₀ > 0, class 1 for x₁ > 0, and a tie of classes 0 and 2 at x = 0
    model.setWeights([{ weights: Float32Array.of(0, 0, 1, 0, 1, 0), bias: Float32Array.of(0, 0, 0) }]);
    const x = [
      [3, 0],
      [0, 3],
      [0, 0],
      [-3, -3],
    ];
    const p = model.predictProba(x);
    for (let r = 0; r < 4; r++) expect(p[r * 3]! + p[r * 3 + 1]! + p[r * 3 + 2]!).toBeCloseTo(1, 6);
    expect([...model.predict(x)]).toEqual([2, 1, 0, 0]);
    expect(model.predict(x)).toBeInstanceOf(Int32Array);
    const e = model.evaluate(x, [2, 1, 1, 0]);
    // −log p_y per row, from the float64 softmax
    const ce = (z: number[], y: number) => Math.log(z.reduce((s, v) => s + Math.exp(v), 0)) - z[y]!;
    const expected = (ce([0, 0, 3], 2) + ce([0, 3, 0], 1) + ce([0, 0, 0], 1) + ce([0, -3, -3], 0)) / 4;
    expect(e.loss).toBeCloseTo(expected, 6);
    expect(e.accuracy).toBe(0.75);
    expect(e.confusion).toEqual([
      [1, 0, 0],
      [1, 1, 0],
      [0, 0, 1],
    ]);
    expect(() => model.predict(x, 0.5)).toThrow(OptionError);
    model.dispose();
  });

  it('keeps the loss finite and the probabilities exact at logits far beyond exp’s range', async () => {
    const model = await Sequential.create({ inputs: 1, layers: [dense(3, 'softmax')], seed: 1, backend });
    model.setWeights([{ weights: Float32Array.of(1000, -1000, 0), bias: Float32Array.of(0, 0, 0) }]);
    const { loss } = model.gradients([[1], [1]], [0, 1]);
    // row 1: p₀ = 1 (loss 0); row 2: −log p₁ = 2000 exactly (z₀ − z₁)
    expect(loss).toBeCloseTo(1000, 3);
    expect([...model.predictProba([[1]])]).toEqual([1, 0, 0]);
    model.dispose();
  });

  it('refuses labels that are not class indices, naming the row', async () => {
    const model = await Sequential.create({ inputs: 1, layers: [dense(3, 'softmax')], seed: 1, backend });
    const x = [[0], [1]];
    for (const [bad, text] of [
      [[0, 3], '3'],
      [[0, -1], '-1'],
      [[0, 1.5], '1.5'],
      [[0, NaN], 'NaN'],
      [[0, '1'], '"1"'],
    ] as const) {
      let error: unknown;
      try {
        model.evaluate(x, bad as never);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DataError);
      expect((error as DataError).argument).toBe('y');
      expect((error as Error).message).toBe(`y[1] is ${text}; labels must be class indices, integers 0…2`);
    }
    await expect(model.fit(x, [0, 5], { epochs: 1 })).rejects.toThrow('y[1] is 5; labels must be class indices, integers 0…2');
    model.dispose();
  });

  it('refuses softmax on a hidden layer, and a softmax of one unit', async () => {
    await expect(Sequential.create({ inputs: 2, layers: [dense(4, 'softmax'), dense(3, 'softmax')] })).rejects.toThrow(
      "options.layers[0] is a hidden layer: 'softmax' is for the last layer only",
    );
    await expect(Sequential.create({ inputs: 2, layers: [dense(1, 'softmax')] })).rejects.toThrow(
      "dense(k, 'softmax') with k ≥ 2 or dense(k, 'linear') (regression, k outputs), got dense(1, 'softmax')",
    );
  });

  it('weighs rows by class: the loss is Σ wᵢ·ℓᵢ / rows, and a weight of 1 changes no bit', async () => {
    const inputs = 3,
      rows = 30,
      k = 3;
    const x = { data: uniform(5, rows * inputs, -1, 1), rows, cols: inputs };
    const y = classIndices(6, rows, k);
    const run = async (options: object) => {
      const model = await Sequential.create({ inputs, layers: [dense(4, 'tanh'), dense(k, 'softmax')], seed: 2, backend });
      const history = await model.fit(x, y, { epochs: 3, batchSize: 10, learningRate: 0.1, shuffle: false, ...options });
      const weights = model.getWeights();
      model.dispose();
      return { history, weights };
    };
    const plain = await run({});
    expect(await run({ classWeight: { 0: 1, 1: 1, 2: 1 } })).toEqual(plain);
    expect((await run({ sampleWeight: new Float32Array(rows).fill(1) })).weights).toEqual(plain.weights);
    const weighted = await run({ classWeight: { 0: 1, 1: 3, 2: 0.5 } });
    expect(weighted.weights).not.toEqual(plain.weights);
    // 'balanced' is n / (k·nᵢ): the same as giving those weights by hand
    const counts = [0, 0, 0];
    y.forEach((c) => counts[c]!++);
    const balanced = Object.fromEntries(counts.map((n, c) => [c, Math.fround(rows / (k * n))]));
    expect(await run({ classWeight: 'balanced' })).toEqual(await run({ classWeight: balanced }));
    await expect(run({ classWeight: { 0: 1, 1: 2 } })).rejects.toThrow('options.classWeight has no weight for class 2; give one for each of 0, 1 and 2');
  });

  it('reports validation accuracy, macro-F1 and one-vs-rest AUC per epoch, as evaluate gives them after the last epoch', async () => {
    const inputs = 4,
      rows = 120,
      k = 3;
    const data = uniform(8, rows * inputs, -1, 1);
    // a learnable rule: the class is the column of the largest of the first three features
    const y = Float32Array.from({ length: rows }, (_, r) => {
      const f = data.subarray(r * inputs, r * inputs + 3);
      return f.indexOf(Math.max(...f));
    });
    const model = await Sequential.create({ inputs, layers: [dense(8, 'relu'), dense(k, 'softmax')], seed: 3, backend });
    const validation = { data: data.subarray(90 * inputs), rows: 30, cols: inputs };
    const history = await model.fit({ data: data.subarray(0, 90 * inputs), rows: 90, cols: inputs }, y.subarray(0, 90), {
      epochs: 30,
      batchSize: 16,
      optimizer: 'adam',
      learningRate: 0.02,
      validationData: [validation, y.subarray(90)],
    });
    expect(Number.isNaN(history.f1[0]!)).toBe(true); // (a training pass counts the rows right only)
    const e = model.evaluate(validation, y.subarray(90));
    expect(history.valLoss!.at(-1)).toBe(e.loss);
    expect(history.valAccuracy!.at(-1)).toBe(e.accuracy);
    expect(history.valF1!.at(-1)).toBe(e.macro.f1);
    expect(history.valAuc!.at(-1)).toBe(e.auc);
    expect(e.accuracy).toBeGreaterThan(0.8);
    expect(history.loss.at(-1)!).toBeLessThan(history.loss[0]!);
    model.dispose();
  });

  it('saves and loads the head with its weights and scaler: the same probabilities', async () => {
    const scaler = StandardScaler.fit([
      [0, 1],
      [2, 5],
    ]);
    const model = await Sequential.create({ inputs: 2, layers: [dense(5, 'relu'), dense(4, 'softmax')], seed: 9, backend, scaler });
    const x = rowsOf(uniform(3, 20, -3, 3), 2);
    const copy = await Sequential.fromJSON(JSON.stringify(model), { backend });
    expect(copy.task).toBe('softmax');
    expect(copy.predictProba(x)).toEqual(model.predictProba(x));
    if (copy.isTask('softmax')) expect(copy.predict(x)).toEqual(model.predict(x));
    model.dispose();
    copy.dispose();
  });
});

describe('the two backends', () => {
  it.each(['sgd', { type: 'momentum', momentum: 0.9 }, 'adam'] as const)(
    'agree within 1e-4 relative after shuffled mini-batch training (%j)',
    async (optimizer) => {
      const inputs = 6,
        rows = 200,
        k = 4;
      const x = { data: uniform(11, rows * inputs, -2, 2), rows, cols: inputs };
      const y = classIndices(12, rows, k);
      const runs = [];
      for (const backend of BACKENDS) {
        const model = await Sequential.create({ inputs, layers: [dense(16, 'tanh'), dense(k, 'softmax')], seed: 4, backend });
        const history = await model.fit(x, y, { epochs: 4, batchSize: 16, optimizer, learningRate: optimizer === 'sgd' ? 0.1 : 0.01 });
        runs.push({ history, weights: model.getWeights(), p: model.predictProba(x) });
        model.dispose();
      }
      const [wasm, js] = runs;
      expect(relativeDifference(wasm!.history.loss, js!.history.loss)).toBeLessThanOrEqual(1e-4);
      wasm!.weights.forEach((l, i) => expect(relativeDifference(l.weights, js!.weights[i]!.weights)).toBeLessThanOrEqual(1e-4));
      expect(relativeDifference(wasm!.p, js!.p)).toBeLessThanOrEqual(1e-4);
    },
  );
});

describe('a softmax model leaves the library', () => {
  const inputs = 5,
    rows = 60,
    k = 3;
  const data = uniform(21, rows * inputs, -2, 2);
  const y = classIndices(22, rows, k);

  async function trained(scaled: boolean): Promise<Sequential> {
    const scaler = scaled ? StandardScaler.fit({ data, rows, cols: inputs }) : null;
    const model = await Sequential.create({ inputs, layers: [dense(8, 'relu'), dense(k, 'softmax')], seed: 5, scaler });
    await model.fit({ data, rows, cols: inputs }, y, { epochs: 5, batchSize: 16, optimizer: 'adam', learningRate: 0.01 });
    return model;
  }

  it.each([false, true])('to ONNX (scaler %s): onnxruntime-web gives probabilities [N, k] within 1e-6 and label, the argmax', async (scaled) => {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
    const model = await trained(scaled);
    const session = await ort.InferenceSession.create(toOnnx(model));
    expect(session.outputNames).toEqual(['label', 'probabilities']);
    const { label, probabilities } = await session.run({ features: new ort.Tensor('float32', data, [rows, inputs]) });
    expect(probabilities!.dims).toEqual([rows, k]);
    expect(relativeDifference(probabilities!.data as Float32Array, model.predictProba({ data, rows, cols: inputs }))).toBeLessThanOrEqual(1e-6);
    const ours = model.isTask('softmax') ? model.predict({ data, rows, cols: inputs }) : null;
    expect(Array.from(label!.data as BigInt64Array, Number)).toEqual(Array.from(ours!));
    model.dispose();
  });

  it('to TF.js Layers and back: a softmax Dense that TF.js runs within 1e-6, and the same weights on return', async () => {
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
    const tfl = await import('@tensorflow/tfjs-layers');
    await tf.setBackend('cpu');
    const model = await trained(false);
    const files = toTfjsLayers(model);
    const json = JSON.parse(JSON.stringify(files.modelJson)) as TfjsModelJSON;
    const layers = (json.modelTopology as { config: { layers: { class_name: string; config: { activation?: string } }[] } }).config.layers;
    expect(layers.at(-1)!.config.activation).toBe('softmax');
    const tfModel = await tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology as never,
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
        weightData: files.weightsBin.slice(0),
      }),
    );
    const input = tf.tensor2d(data, [rows, inputs]);
    const out = tfModel.predict(input) as import('@tensorflow/tfjs-core').Tensor;
    expect(out.shape).toEqual([rows, k]);
    expect(relativeDifference(out.dataSync() as Float32Array, model.predictProba({ data, rows, cols: inputs }))).toBeLessThanOrEqual(1e-6);
    tf.dispose([input, out]);
    const again = await fromTfjsLayers(JSON.stringify(files.modelJson), files.weightsBin);
    expect(again.task).toBe('softmax');
    expect(again.getWeights()).toEqual(model.getWeights());
    model.dispose();
    again.dispose();
  });

  it.each(BACKENDS)('through explain (%s): the softmax and −log p_y nodes, the chain rule equal to gradients() and finite differences', async (backend) => {
    const model = await Sequential.create({ inputs: 3, layers: [dense(4, 'tanh'), dense(k, 'softmax')], seed: 2, backend });
    const x = rowsOf(uniform(23, 15, -2, 2), 3);
    const labels = Array.from(classIndices(24, 5, k));
    const trace = explain(model, x, labels);
    expect(trace.ok).toBe(true);
    expect(trace.nodes.map((n) => n.op)).toContain('neg_log_p_y');
    expect(Math.abs(trace.loss.trace - meanBce64(layers64(model), x, labels))).toBeLessThan(1e-12);
    const text = formatTrace(trace);
    expect(text).toContain('diag(p) − p·pᵀ');
    expect(text).toContain('loss L = mean cross-entropy over them');
    model.dispose();
  });
});

describe('a softmax model trains everywhere a binary one does', () => {
  const inputs = 4,
    rows = 90,
    k = 3;
  const data = uniform(41, rows * inputs, -1, 1);
  const x = { data, rows, cols: inputs };
  const y = classIndices(42, rows, k);
  const layers = [dense(8, 'tanh'), dense(k, 'softmax')] as const;
  const bits = (model: Sequential): number[] =>
    model.getWeights().flatMap((l) => [...new Uint32Array(l.weights.slice().buffer), ...new Uint32Array(l.bias.slice().buffer)]);

  it('fitDataset without shuffling gives fit’s weights and history, bit for bit', async () => {
    const a = await Sequential.create({ inputs, layers, seed: 7 });
    const b = await Sequential.create({ inputs, layers, seed: 7 });
    const options = { epochs: 3, batchSize: 16, optimizer: 'adam', learningRate: 0.01, shuffle: false } as const;
    const history = await a.fit(x, y, options);
    const chunks = [0, 25, 60, 90].slice(1).map((end, i, ends) => {
      const start = i === 0 ? 0 : ends[i - 1]!;
      return { x: { data: data.subarray(start * inputs, end * inputs), rows: end - start, cols: inputs }, y: y.subarray(start, end) };
    });
    expect(await b.fitDataset(chunks, options)).toEqual(history);
    expect(bits(b)).toEqual(bits(a));
    a.dispose();
    b.dispose();
  });

  it('resumes from a checkpoint exactly: 3 + 3 epochs are the bits of 6', async () => {
    const options = { batchSize: 10, optimizer: 'adam', learningRate: 0.01, classWeight: { 0: 1, 1: 2, 2: 1 } } as const;
    const whole = await Sequential.create({ inputs, layers, seed: 8 });
    await whole.fit(x, y, { ...options, epochs: 6 });
    const first = await Sequential.create({ inputs, layers, seed: 8 });
    await first.fit(x, y, { ...options, epochs: 3 });
    const resumed = await Sequential.fromJSON(JSON.stringify(first.toJSON({ training: true })));
    await resumed.fit(x, y, { ...options, epochs: 6, initialEpoch: 3 });
    expect(bits(resumed)).toEqual(bits(whole));
    for (const m of [whole, first, resumed]) m.dispose();
  });

  it('in a worker (trainInWorker): the weights an in-process fit gives, bit for bit, and the classes kept', async () => {
    const { bundleWorker } = await import('./support/worker-bundle.js');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { trainInWorker } = await import('../src/index.js');
    const dir = mkdtempSync(join(tmpdir(), 'gradwasm-softmax-worker-'));
    try {
      const workerUrl = await bundleWorker(dir);
      const model = { inputs, layers, seed: 9, classes: ['a', 'b', 'c'] };
      const fit = { epochs: 4, batchSize: 8, learningRate: 0.1 };
      const result = await trainInWorker({ model, x, y, fit, workerUrl }).done;
      const local = await Sequential.create(model);
      expect(result.history).toEqual(await local.fit(x, y, fit));
      expect(result.model).toEqual(local.toJSON());
      expect(result.model.classes).toEqual(['a', 'b', 'c']);
      local.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('ONNX with class names: label through ai.onnx.ml LabelEncoder', () => {
  it.each([
    ['names', ['setosa', 'versicolor', 'virginica'], 'string'],
    ['integer codes', [1, 2, 3], 'int64'],
  ] as const)('%s: onnxruntime-web gives the classes predictClasses gives', async (_kind, classes, type) => {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
    const model = await Sequential.create({ inputs: 2, layers: [dense(4, 'tanh'), dense(3, 'softmax')], seed: 3, classes: [...classes] });
    const data = uniform(51, 40, -3, 3);
    const session = await ort.InferenceSession.create(toOnnx(model));
    expect(session.outputNames).toEqual(['label', 'probabilities']);
    const { label } = await session.run({ features: new ort.Tensor('float32', data, [20, 2]) });
    expect(label!.type).toBe(type);
    expect(Array.from(label!.data as ArrayLike<unknown>, (v) => (typeof v === 'bigint' ? Number(v) : v))).toEqual(
      model.predictClasses({ data, rows: 20, cols: 2 }),
    );
    model.dispose();
  });

  it('a binary classifier with class names too', async () => {
    const ort = await import('onnxruntime-web');
    const model = await Sequential.create({ inputs: 2, layers: [dense(1, 'sigmoid')], seed: 3, classes: ['ham', 'spam'] });
    const data = uniform(52, 40, -3, 3);
    const session = await ort.InferenceSession.create(toOnnx(model));
    expect(session.outputNames).toEqual(['label', 'probabilities', 'probability']);
    const { label } = await session.run({ features: new ort.Tensor('float32', data, [20, 2]) });
    expect(Array.from(label!.data as ArrayLike<string>)).toEqual(model.predictClasses({ data, rows: 20, cols: 2 }));
    model.dispose();
  });
});
