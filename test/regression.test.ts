// The regression head (issue 22): dense(1, 'linear') and Keras's meanSquaredError — its loss and
// gradients against float64 finite differences on both backends, wasm ≡ js after training, the
// same bits for any thread count, scikit-learn's metrics (figures printed by scikit-learn 1.2.1),
// L-BFGS to LinearRegression's and Ridge's optima (data/sklearn-regression-reference.json), the
// exploding-loss rule held to the first batch's loss (no ceiling in nats), and what it refuses.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import {
  GradwasmError,
  Sequential,
  StandardScaler,
  dense,
  explain,
  formatTrace,
  fromTfjsLayers,
  parseCsv,
  toOnnx,
  toTfjsLayers,
  type LayerWeights,
  type RegressionEvaluation,
} from '../src/index.js';
import { regressionEvaluation } from '../src/metrics/regression.js';
import { csvDataset, readCsv } from '../src/node/index.js';
import { relativeDifference, uniform } from './support/random.js';

const BACKENDS = ['wasm', 'js'] as const;
/** The js twin first, then the core on 1, 2 and 3 threads: the first two within 1e-4, the rest the second's bits. */
const ENGINES = [
  ['js', 1],
  ['wasm', 1],
  ['wasm', 2],
  ['wasm', 3],
] as const;

/** data/diabetes_regression.csv, cells rounded to float32, the features z-scored (population std) as the reference script does. */
function diabetes(): { x: { data: Float32Array; rows: number; cols: number }; y: number[] } {
  const [, ...lines] = readFileSync(new URL('../data/diabetes_regression.csv', import.meta.url), 'utf8')
    .trim()
    .split(/\r?\n/);
  const cells = lines.map((l) => l.split(',').map((v) => Math.fround(Number(v))));
  const rows = cells.length,
    cols = cells[0]!.length - 1;
  const data = new Float32Array(rows * cols);
  for (let c = 0; c < cols; c++) {
    const mean = cells.reduce((s, r) => s + r[c]!, 0) / rows;
    const std = Math.sqrt(cells.reduce((s, r) => s + (r[c]! - mean) ** 2, 0) / rows) || 1;
    cells.forEach((r, i) => (data[i * cols + c] = (r[c]! - mean) / std));
  }
  return { x: { data, rows, cols }, y: cells.map((r) => r[cols]!) };
}

/** Mean squared error of the network `layers` (float64 forward pass) on rows x with targets y. */
function mse64(layers: { weights: Float64Array; bias: Float64Array; activation: string }[], x: Float32Array, cols: number, y: ArrayLike<number>): number {
  const act = (a: string, v: number): number => (a === 'relu' ? Math.max(v, 0) : a === 'tanh' ? Math.tanh(v) : a === 'sigmoid' ? 1 / (1 + Math.exp(-v)) : v);
  let sum = 0;
  for (let r = 0; r < y.length; r++) {
    let a = Array.from(x.subarray(r * cols, (r + 1) * cols), Number);
    for (const l of layers) {
      const units = l.bias.length;
      a = Array.from({ length: units }, (_, u) =>
        act(
          l.activation,
          a.reduce((s, v, i) => s + v * l.weights[i * units + u]!, l.bias[u]!),
        ),
      );
    }
    sum += (a[0]! - y[r]!) ** 2;
  }
  return sum / y.length;
}

describe('the regression head', () => {
  const rows = 40,
    inputs = 3;
  const x = { data: uniform(1, rows * inputs, -2, 2), rows, cols: inputs };
  const y = Array.from({ length: rows }, (_, i) => 3 * Math.sin(i) + 10);

  for (const backend of BACKENDS) {
    for (const activation of ['tanh', 'relu', 'sigmoid', 'linear'] as const) {
      it(`${backend}, ${activation}: the loss is the mean squared error and gradients() its derivatives, as float64 finite differences give them`, async () => {
        const model = await Sequential.create({ inputs, layers: [dense(5, activation), dense(1)], seed: 4, backend });
        expect(model.task).toBe('regression');
        const start = model.getWeights();
        const layers = start.map((l, i) => ({
          weights: Float64Array.from(l.weights),
          bias: Float64Array.from(l.bias),
          activation: model.layers[i]!.activation,
        }));
        const g = model.gradients(x, y);
        expect(Math.abs(g.loss - mse64(layers, x.data, inputs, y))).toBeLessThan(1e-5 * g.loss);
        const h = 1e-6;
        for (const [l, layer] of layers.entries()) {
          for (const key of ['weights', 'bias'] as const) {
            layer[key].forEach((v, i) => {
              layer[key][i] = v + h;
              const up = mse64(layers, x.data, inputs, y);
              layer[key][i] = v - h;
              const down = mse64(layers, x.data, inputs, y);
              layer[key][i] = v;
              const fd = (up - down) / (2 * h);
              expect(Math.abs(g.layers[l]![key][i]! - fd), `${key} ${l}[${i}]`).toBeLessThan(1e-4 * Math.max(1, Math.abs(fd)));
            });
          }
        }
        model.dispose();
      });
    }
  }

  it('predicts the values (predict), evaluates them as scikit-learn does, and refuses predictProba, thresholds and class weights', async () => {
    const model = await Sequential.create({ inputs: 1, layers: [dense(1, 'linear')], seed: 1 });
    model.setWeights([{ weights: Float32Array.of(2), bias: Float32Array.of(0.5) }]);
    const values = model.predict([[0], [1], [2], [-1.5]]);
    expect(values).toEqual(Float32Array.of(0.5, 2.5, 4.5, -2.5));
    // scikit-learn 1.2.1: mean_squared_error([1, 2, 4, -3], [0.5, 2.5, 4.5, -2.5]) = 0.25, mean_absolute_error = 0.5, r2_score = 0.9615384615384616
    const e = model.evaluate([[0], [1], [2], [-1.5]], [1, 2, 4, -3]);
    expect(e.mse).toBeCloseTo(0.25, 12);
    expect(e.loss).toBeCloseTo(0.25, 12);
    expect(e.rmse).toBeCloseTo(0.5, 12);
    expect(e.mae).toBeCloseTo(0.5, 12);
    expect(e.r2).toBeCloseTo(0.9615384615384616, 12);
    expect(() => model.predictProba([[0]])).toThrow(/predictProba is for classifiers; this model is a regression: call predict/);
    expect(() => model.predict([[0]], 0.5)).toThrow(/threshold is for binary classifiers/);
    await expect(model.fit([[0], [1]], [0, 1], { classWeight: 'balanced' })).rejects.toThrow(/this model is a regression \(no classes\): use sampleWeight/);
    expect(() => model.evaluate([[0], [1]], [0, NaN])).toThrow(GradwasmError);
    expect(() => model.evaluate([[0], [1]], [0, NaN])).toThrow('y[1] is NaN; targets must be finite numbers');
    expect(() => model.evaluate([[0], [1]], [0, 1e39])).toThrow('y[1] is 1e+39; targets must be finite numbers (within float32');
    expect(() => model.evaluate([[0], [1]], [0, '1' as unknown as number])).toThrow(/y\[1\] is "1"/);
    model.dispose();
  });

  it("R² as scikit-learn's r2_score at its edges: constant targets give 1 when predicted exactly, else 0", () => {
    expect(regressionEvaluation(0, [2, 2, 2], [2, 2, 2], 1).r2).toBe(1);
    expect(regressionEvaluation(0, [2, 2, 2], [2, 2, 3], 1).r2).toBe(0);
    // scikit-learn 1.2.1: r2_score([[1, 10], [2, 20], [4, 5]], [[1.5, 9], [2, 18], [3, 7]]) = 0.8274999999999999 (uniform average)
    expect(regressionEvaluation(0, [1, 10, 2, 20, 4, 5], [1.5, 9, 2, 18, 3, 7], 2).r2).toBeCloseTo(0.8274999999999999, 12);
  });

  it('trains the same on both backends (within 1e-4), with the same bits for 1, 2 and 3 threads, and validation R² per epoch equal to evaluate after the last', async () => {
    const { x: dx, y: dy } = diabetes();
    const fit = { epochs: 5, batchSize: 32, optimizer: 'adam' as const, learningRate: 0.05, validationSplit: 0.2 };
    const weights: LayerWeights[][] = [];
    for (const [backend, threads] of ENGINES) {
      const model = await Sequential.create({ inputs: 10, layers: [dense(16, 'relu'), dense(1)], seed: 2, backend, threads });
      const history = await model.fit(dx, dy, fit);
      weights.push(model.getWeights());
      const cut = Math.floor(dx.rows * 0.8);
      const e = model.evaluate({ data: dx.data.subarray(cut * 10), rows: dx.rows - cut, cols: 10 }, dy.slice(cut)) as RegressionEvaluation;
      expect(history.valLoss!.at(-1)).toBe(e.loss);
      expect(history.valR2!.at(-1)).toBe(e.r2);
      expect(history.valR2).toHaveLength(5);
      expect(history.loss.at(-1)).toBeLessThan(history.loss[0]!);
      model.dispose();
    }
    for (let l = 0; l < 2; l++) expect(relativeDifference(weights[1]![l]!.weights, weights[0]![l]!.weights)).toBeLessThan(1e-4);
    for (const w of weights.slice(2)) expect(w).toEqual(weights[1]);
  });

  it('holds a regression to the loss its first batch had, not to a ceiling in nats: targets in the tens of thousands train; a learning rate far too large is stopped', async () => {
    const big = Array.from({ length: rows }, (_, i) => 20_000 + 5000 * Math.sin(i));
    const model = await Sequential.create({ inputs, layers: [dense(1)], seed: 1 });
    const history = await model.fit(x, big, { epochs: 3, learningRate: 0.01 });
    expect(history.loss[0]).toBeGreaterThan(1e8); // far past the classifiers' ceiling of 1e6
    const wild = await Sequential.create({ inputs, layers: [dense(8, 'linear'), dense(1)], seed: 1 });
    await expect(wild.fit(x, y, { epochs: 50, learningRate: 5 })).rejects.toThrow(/exploded|became/);
  });

  it('explains the chain rule of the squared error: ∂L/∂ŷ = 2(ŷ − y)/B, as gradients() and finite differences give it', async () => {
    const model = await Sequential.create({ inputs, layers: [dense(4, 'tanh'), dense(1)], seed: 3 });
    const trace = explain(
      model,
      [
        [0.5, -1, 2],
        [1, 1, 0],
      ],
      [3, -2],
    );
    expect(trace.ok).toBe(true);
    expect(trace.nodes.map((n) => n.op)).toEqual(expect.arrayContaining(['squared_error', 'mean']));
    const p = trace.nodes.find((n) => n.id === 'p')!;
    const dp = p.grad!.data;
    [3, -2].forEach((t, i) => expect(dp[i]).toBeCloseTo((2 * (p.value.data[i]! - t)) / 2, 12));
    expect(formatTrace(trace)).toContain('loss L = mean squared error over them');
    expect(formatTrace(trace)).toMatch(/∂L\/∂W₂ = ∂L\/∂ŷ · ∂ŷ\/∂z₂ ·/);
    // with a target scaler, on the targets as the model trains on them: its gradients() agree
    const scaled = await Sequential.create({ inputs, layers: [dense(4, 'tanh'), dense(1)], seed: 3, targetScaler: StandardScaler.fit([[100], [300], [200]]) });
    expect(
      explain(
        scaled,
        [
          [0.5, -1, 2],
          [1, 1, 0],
        ],
        [250, 120],
      ).ok,
    ).toBe(true);
    model.dispose();
  });
});

describe('a target scaler (TransformedTargetRegressor with a StandardScaler)', () => {
  const { x, y } = diabetes();
  const targetScaler = StandardScaler.fit(Float32Array.from(y), { cols: 1 });
  const spec = { inputs: 10, layers: [dense(16, 'relu'), dense(1)] as const, seed: 6 };
  const fit = { epochs: 4, batchSize: 32, optimizer: 'adam' as const, learningRate: 0.01 };
  const mean = targetScaler.mean[0]!,
    scale = targetScaler.scale[0]!;

  it("trains on the standardised targets — the weights of a model fitted to them by hand, bit for bit — and predicts and evaluates in the targets' units", async () => {
    const scaled = await Sequential.create({ ...spec, targetScaler });
    expect(scaled.targetScaler).toBe(targetScaler);
    const history = await scaled.fit(x, y, fit);
    const byHand = await Sequential.create(spec);
    const handHistory = await byHand.fit(
      x,
      Float32Array.from(y, (v) => (v - mean) / scale),
      fit,
    );
    expect(scaled.getWeights()).toEqual(byHand.getWeights());
    expect(history.loss).toEqual(handHistory.loss); // (in the standardised units: what it minimises)
    const values = scaled.predict(x);
    expect(values).toEqual(Float32Array.from(byHand.predict(x), (v) => v * scale + mean));
    const e = scaled.evaluate(x, y);
    expect(e).toEqual(regressionEvaluation(e.mse, Float32Array.from(y), values, 1));
    expect(e.loss).toBe(e.mse);
    expect(e.r2).toBeGreaterThan(0.3); // four epochs; the same net on raw targets is still far below 0
    const raw = await Sequential.create(spec);
    await raw.fit(x, y, fit);
    expect((raw.evaluate(x, y) as RegressionEvaluation).r2).toBeLessThan(0);
    // evaluateDataset in chunks gives the same
    const rows = Array.from({ length: x.rows }, (_, r) => ({ x: { data: x.data.subarray(r * 10, (r + 1) * 10), rows: 1, cols: 10 }, y: [y[r]!] }));
    expect(await scaled.evaluateDataset(rows)).toEqual(e);
    // the file keeps it
    const loaded = await Sequential.fromJSON(JSON.stringify(scaled.toJSON()));
    expect(loaded.targetScaler!.toJSON()).toEqual(targetScaler.toJSON());
    expect(loaded.predict(x)).toEqual(values);
    for (const m of [scaled, byHand, raw, loaded]) m.dispose();
  });

  it('is refused on a classifier, with two columns, and in a version 1 file', async () => {
    await expect(Sequential.create({ inputs: 2, layers: [dense(1, 'sigmoid')], targetScaler })).rejects.toThrow(
      /options\.targetScaler scales a regression's targets; this model is a binary classifier/,
    );
    await expect(
      Sequential.create({
        inputs: 2,
        layers: [dense(1)],
        targetScaler: StandardScaler.fit([
          [1, 2],
          [3, 4],
        ]),
      }),
    ).rejects.toThrow(/options\.targetScaler has 2 columns; the model has one output/);
    const json = { ...(await Sequential.create({ inputs: 2, layers: [dense(1)], targetScaler })).toJSON(), version: 1 as const };
    await expect(Sequential.fromJSON(json)).rejects.toThrow(/json\.targetScaler needs version 2/);
  });

  it('travels to a worker (trainInWorker): the weights an in-process fit gives, bit for bit, the scaler in the result', async () => {
    const { bundleWorker } = await import('./support/worker-bundle.js');
    const { trainInWorker } = await import('../src/index.js');
    const dir = mkdtempSync(join(tmpdir(), 'gradwasm-regression-worker-'));
    const workerUrl = await bundleWorker(dir);
    const model = { ...spec, targetScaler: targetScaler.toJSON() };
    const result = await trainInWorker({ model, x, y, fit, workerUrl }).done;
    const local = await Sequential.create(model);
    expect(result.history).toEqual(await local.fit(x, y, fit));
    expect(result.model).toEqual(local.toJSON());
    expect(result.model.targetScaler).toEqual(targetScaler.toJSON());
    local.dispose();
  }, 60_000);
});

describe("targets from CSV: labels: 'values'", () => {
  it('parseCsv and csvDataset read real targets (float32, any sign) and name the line of one that is not a finite number', async () => {
    const text = 'a,b,label\n1,2,151.5\n3,4,-0.25\n5,6,1e3\n';
    const t = parseCsv(text, { labels: 'values' });
    expect(t.y).toEqual(Float32Array.of(151.5, -0.25, 1000));
    expect(() => parseCsv('a,label\n1,2\n2,x\n3,\n', { labels: 'values' })).toThrow(
      /line 3, column 2 \(label\): "x" is not a number; targets must be finite numbers/,
    );
    expect(() => parseCsv('a,label\n1,1e39\n', { labels: 'values' })).toThrow(
      /"1e39" is not a number; targets must be finite numbers \(within float32's range\)/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'gradwasm-regression-'));
    writeFileSync(join(dir, 't.csv'), text);
    const ys: number[] = [];
    for await (const chunk of csvDataset(join(dir, 't.csv'), { labels: 'values' })) ys.push(...chunk.y);
    expect(ys).toEqual([...t.y]);
    const diabetesTable = await readCsv('data/diabetes_regression.csv', { labels: 'values' });
    expect([diabetesTable.x.rows, diabetesTable.x.cols, diabetesTable.y[0]]).toEqual([442, 10, 151]);
  });
});

describe('a regression model leaves the library', () => {
  it("to ONNX: one output, variable [N, 1], as skl2onnx names a regressor's — onnxruntime-web within 1e-6 of predict, with a feature scaler, and a target scaler or none", async () => {
    const { x, y } = diabetes();
    const raw = Float32Array.from(x.data, (v, i) => v * (i % 10) + 3 * (i % 3)); // unscaled columns, for the scaler to undo
    const features = { data: raw, rows: x.rows, cols: 10 };
    for (const targetScaler of [null, StandardScaler.fit(Float32Array.from(y), { cols: 1 })]) {
      const model = await Sequential.create({ inputs: 10, layers: [dense(8, 'tanh'), dense(1)], seed: 2, scaler: StandardScaler.fit(features), targetScaler });
      await model.fit(features, y, { epochs: 5, batchSize: 32, optimizer: 'adam', learningRate: 0.05 });
      const session = await ort.InferenceSession.create(toOnnx(model));
      expect(session.outputNames).toEqual(['variable']);
      const { variable } = await session.run({ features: new ort.Tensor('float32', raw, [x.rows, 10]) });
      expect(variable!.dims).toEqual([x.rows, 1]);
      const expected = model.predict(features);
      const got = variable!.data as Float32Array;
      expect(relativeDifference(got, expected)).toBeLessThan(1e-6);
      model.dispose();
    }
  });

  it('to TF.js Layers with a target scaler folded into its last Dense: values within 1e-6 of predict', async () => {
    const { x, y } = diabetes();
    const model = await Sequential.create({
      inputs: 10,
      layers: [dense(6, 'relu'), dense(1)],
      seed: 5,
      targetScaler: StandardScaler.fit(Float32Array.from(y), { cols: 1 }),
    });
    await model.fit(x, y, { epochs: 3, batchSize: 32, optimizer: 'adam', learningRate: 0.01 });
    const { modelJson, weightsBin } = toTfjsLayers(model);
    const back = await fromTfjsLayers(modelJson, weightsBin);
    expect(back.targetScaler).toBeNull();
    expect(relativeDifference(back.predict(x), model.predict(x))).toBeLessThan(1e-6);
  });

  it('to TF.js Layers and back: a linear Dense, the same values', async () => {
    const model = await Sequential.create({ inputs: 3, layers: [dense(4, 'relu'), dense(1)], seed: 5 });
    const { modelJson, weightsBin } = toTfjsLayers(model);
    const back = await fromTfjsLayers(modelJson, weightsBin);
    expect(back.task).toBe('regression');
    const rows = { data: uniform(9, 30, -1, 1), rows: 10, cols: 3 };
    expect(back.predict(rows)).toEqual(model.predict(rows));
    const loaded = await Sequential.fromJSON(JSON.stringify(model.toJSON()));
    expect(loaded.predict(rows)).toEqual(model.predict(rows));
  });
});

describe("L-BFGS to scikit-learn's least-squares optima on z-scored diabetes", () => {
  const reference = JSON.parse(readFileSync(new URL('../data/sklearn-regression-reference.json', import.meta.url), 'utf8')) as {
    rows: number;
    models: Record<'linear' | 'ridge1', { coef: number[]; intercept: number; mse: number; alpha?: number }>;
  };
  for (const backend of BACKENDS) {
    for (const [name, label] of [
      ['linear', 'LinearRegression (weightDecay 0)'],
      ['ridge1', 'Ridge(alpha=1) (weightDecay 2/n)'],
    ] as const) {
      it(`${label} (${backend}): coefficients and intercept within 1e-4`, async () => {
        const { x, y } = diabetes();
        const optimum = reference.models[name];
        const model = await Sequential.create({ inputs: 10, layers: [dense(1)], seed: 1, backend });
        const history = await model.fit(x, y, {
          optimizer: { type: 'lbfgs', tolerance: 1e-6 },
          weightDecay: name === 'ridge1' ? 2 / reference.rows : 0,
          epochs: 1000,
        });
        expect(history.loss.length).toBeLessThan(1000);
        const [{ weights, bias }] = model.getWeights() as [LayerWeights];
        expect(relativeDifference(weights, optimum.coef)).toBeLessThan(1e-4);
        expect(Math.abs(bias[0]! - optimum.intercept) / optimum.intercept).toBeLessThan(1e-4);
        expect(Math.abs((model.evaluate(x, y) as RegressionEvaluation).mse - optimum.mse) / optimum.mse).toBeLessThan(1e-6);
        model.dispose();
      });
    }
  }
});

describe('a regression model trains everywhere a classifier does', () => {
  const inputs = 4,
    rows = 90;
  const data = uniform(41, rows * inputs, -1, 1);
  const x = { data, rows, cols: inputs };
  const y = Float32Array.from({ length: rows }, (_, r) => 40 + 25 * Math.sin(3 * data[r * inputs]!) - 10 * data[r * inputs + 1]!);
  const targetScaler = StandardScaler.fit(y, { cols: 1 });
  const layers = [dense(8, 'tanh'), dense(1)] as const;
  const bits = (model: Sequential): number[] =>
    model.getWeights().flatMap((l) => [...new Uint32Array(l.weights.slice().buffer), ...new Uint32Array(l.bias.slice().buffer)]);

  it('fitDataset without shuffling gives fit’s weights and history, bit for bit (with a target scaler and validation data)', async () => {
    const a = await Sequential.create({ inputs, layers, seed: 7, targetScaler });
    const b = await Sequential.create({ inputs, layers, seed: 7, targetScaler });
    const options = { epochs: 3, batchSize: 16, optimizer: 'adam', learningRate: 0.01, shuffle: false } as const;
    const history = await a.fit(x, y, { ...options, validationData: [x, y] });
    const chunks = [25, 60, 90].map((end, i, ends) => {
      const start = i === 0 ? 0 : ends[i - 1]!;
      return { x: { data: data.subarray(start * inputs, end * inputs), rows: end - start, cols: inputs }, y: y.subarray(start, end) };
    });
    expect(await b.fitDataset(chunks, { ...options, validationData: chunks })).toEqual(history);
    expect(history.valR2).toHaveLength(3);
    expect(bits(b)).toEqual(bits(a));
    a.dispose();
    b.dispose();
  });

  it('resumes from a checkpoint exactly: 3 + 3 epochs are the bits of 6, with sample weights', async () => {
    const sampleWeight = Float32Array.from({ length: rows }, (_, r) => 1 + (r % 3));
    const options = { batchSize: 10, optimizer: 'adam', learningRate: 0.01, sampleWeight } as const;
    const whole = await Sequential.create({ inputs, layers, seed: 8, targetScaler });
    await whole.fit(x, y, { ...options, epochs: 6 });
    const first = await Sequential.create({ inputs, layers, seed: 8, targetScaler });
    await first.fit(x, y, { ...options, epochs: 3 });
    const resumed = await Sequential.fromJSON(JSON.stringify(first.toJSON({ training: true })));
    await resumed.fit(x, y, { ...options, epochs: 6, initialEpoch: 3 });
    expect(bits(resumed)).toEqual(bits(whole));
    for (const m of [whole, first, resumed]) m.dispose();
  });

  it('weighs rows as Keras does — Σ wᵢ·ℓᵢ / rows, and a weight of 1 changes no bit — and stops early on the validation loss', async () => {
    const plain = await Sequential.create({ inputs, layers, seed: 9 });
    const ones = await Sequential.create({ inputs, layers, seed: 9 });
    const options = { epochs: 2, batchSize: 15, learningRate: 0.001 };
    const h = await plain.fit(x, y, options);
    await ones.fit(x, y, { ...options, sampleWeight: new Float32Array(rows).fill(1) });
    expect(bits(ones)).toEqual(bits(plain));
    // full batch: the first epoch's loss is taken before its step
    const fresh = await Sequential.create({ inputs, layers, seed: 9 });
    const weighted = await Sequential.create({ inputs, layers, seed: 9 });
    const once = (await fresh.fit(x, y, { epochs: 1, learningRate: 0.001 })).loss[0]!;
    const doubled = (await weighted.fit(x, y, { epochs: 1, learningRate: 0.001, sampleWeight: new Float32Array(rows).fill(2) })).loss[0]!;
    expect(Math.abs(doubled - 2 * once)).toBeLessThan(1e-6 * doubled);
    expect(h.loss).toHaveLength(2);
    const stopped = await Sequential.create({ inputs, layers, seed: 9, targetScaler });
    const history = await stopped.fit(x, y, {
      epochs: 500,
      batchSize: 10,
      learningRate: 0.5,
      validationData: [x, y],
      earlyStopping: { monitor: 'valLoss', patience: 3, restoreBestWeights: true },
    });
    expect(history.loss.length).toBeLessThan(500);
    expect(history.bestEpoch).toBeDefined();
    for (const m of [plain, ones, fresh, weighted, stopped]) m.dispose();
  });
});

describe('several outputs: dense(k) of a linear layer, targets rows × k', () => {
  const inputs = 3,
    rows = 120,
    k = 2;
  const data = uniform(61, rows * inputs, -1, 1);
  const x = { data, rows, cols: inputs };
  const flat = Float32Array.from({ length: rows * k }, (_, i) => {
    const r = Math.floor(i / k);
    return i % k === 0 ? Math.sin(2 * data[r * inputs]!) : 3 * data[r * inputs + 1]! * data[r * inputs + 2]! + 1;
  });
  const nested = Array.from({ length: rows }, (_, r) => [flat[r * k]!, flat[r * k + 1]!]);
  const layers = [dense(8, 'tanh'), dense(k)] as const;
  const bits = (model: Sequential): number[] =>
    model.getWeights().flatMap((l) => [...new Uint32Array(l.weights.slice().buffer), ...new Uint32Array(l.bias.slice().buffer)]);

  it('take the targets as rows of k, { data, rows, cols: k } or a flat array, the same bits; refuse a row of the wrong length by row', async () => {
    const fit = { epochs: 3, batchSize: 16, optimizer: 'adam', learningRate: 0.01 } as const;
    const seen: number[][] = [];
    for (const y of [nested, { data: flat, rows, cols: k }, flat]) {
      const model = await Sequential.create({ inputs, layers, seed: 2 });
      await model.fit(x, y as never, fit);
      seen.push(bits(model));
      model.dispose();
    }
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[2]).toEqual(seen[0]);
    const model = await Sequential.create({ inputs, layers, seed: 2 });
    const bad = nested.map((r, i) => (i === 7 ? [r[0]!] : r));
    await expect(model.fit(x, bad as never, fit)).rejects.toThrow('y[7] must be 2 targets, got');
    const nan = nested.map((r, i) => (i === 9 ? [r[0]!, NaN] : r));
    await expect(model.fit(x, nan as never, fit)).rejects.toThrow('y[9][1] is NaN; targets must be finite numbers');
  });

  for (const backend of BACKENDS) {
    it(`${backend}: the loss is the mean over rows and outputs of (ŷ − y)², gradients() its derivatives (float64 finite differences)`, async () => {
      const model = await Sequential.create({ inputs, layers, seed: 4, backend });
      const w = model
        .getWeights()
        .map((l, i) => ({ weights: Float64Array.from(l.weights), bias: Float64Array.from(l.bias), activation: model.layers[i]!.activation }));
      const loss64 = (): number => {
        let sum = 0;
        for (let r = 0; r < rows; r++) {
          const h = Array.from({ length: 8 }, (_, u) =>
            Math.tanh(w[0]!.bias[u]! + [0, 1, 2].reduce((s, i) => s + data[r * inputs + i]! * w[0]!.weights[i * 8 + u]!, 0)),
          );
          for (let j = 0; j < k; j++) sum += (h.reduce((s, v, u) => s + v * w[1]!.weights[u * k + j]!, w[1]!.bias[j]!) - flat[r * k + j]!) ** 2;
        }
        return sum / (rows * k);
      };
      const g = model.gradients(x, nested);
      expect(Math.abs(g.loss - loss64())).toBeLessThan(1e-5 * g.loss);
      for (const [l, layer] of w.entries()) {
        for (const key of ['weights', 'bias'] as const) {
          layer[key].forEach((v, i) => {
            layer[key][i] = v + 1e-6;
            const up = loss64();
            layer[key][i] = v - 1e-6;
            const down = loss64();
            layer[key][i] = v;
            expect(Math.abs(g.layers[l]![key][i]! - (up - down) / 2e-6)).toBeLessThan(1e-4 * Math.max(1, Math.abs((up - down) / 2e-6)));
          });
        }
      }
      model.dispose();
    });
  }

  it('train the same on both backends (1e-4), the same bits for 1, 2 and 3 threads, shuffled, with a validation split; evaluate averages the outputs as scikit-learn', async () => {
    const fit = { epochs: 4, batchSize: 10, optimizer: 'adam' as const, learningRate: 0.02, validationSplit: 0.25 };
    const weights: LayerWeights[][] = [];
    for (const [backend, threads] of ENGINES) {
      const model = await Sequential.create({ inputs, layers, seed: 3, backend, threads });
      const history = await model.fit(x, nested, fit);
      weights.push(model.getWeights());
      const cut = rows - Math.round(rows * 0.25);
      const e = model.evaluate({ data: data.subarray(cut * inputs), rows: rows - cut, cols: inputs }, nested.slice(cut)) as RegressionEvaluation;
      expect(history.valLoss!.at(-1)).toBeCloseTo(e.loss, 12);
      expect(history.valR2!.at(-1)).toBeCloseTo(e.r2, 12);
      const p = model.predict({ data: data.subarray(cut * inputs), rows: rows - cut, cols: inputs }) as Float32Array;
      expect(p).toHaveLength((rows - cut) * k);
      expect(e).toEqual({ ...regressionEvaluation(e.loss, flat.subarray(cut * k), p, k), loss: e.loss });
      model.dispose();
    }
    for (let l = 0; l < 2; l++) expect(relativeDifference(weights[1]![l]!.weights, weights[0]![l]!.weights)).toBeLessThan(1e-4);
    for (const w of weights.slice(2)) expect(w).toEqual(weights[1]);
  });

  it('fitDataset ≡ fit without shuffling (chunks of rows × k); a shuffle window trains too; a target scaler of k columns; ONNX variable [N, k] and TF.js within 1e-6; explain checks out', async () => {
    const targetScaler = StandardScaler.fit(nested);
    const options = { epochs: 3, batchSize: 16, optimizer: 'adam', learningRate: 0.01, shuffle: false } as const;
    const a = await Sequential.create({ inputs, layers, seed: 7, targetScaler });
    const b = await Sequential.create({ inputs, layers, seed: 7, targetScaler });
    const history = await a.fit(x, nested, options);
    const chunks = [50, 90, 120].map((end, i, ends) => {
      const start = i === 0 ? 0 : ends[i - 1]!;
      return { x: { data: data.subarray(start * inputs, end * inputs), rows: end - start, cols: inputs }, y: flat.subarray(start * k, end * k) };
    });
    expect(await b.fitDataset(chunks, options)).toEqual(history);
    expect(bits(b)).toEqual(bits(a));
    const windowed = await b.fitDataset(chunks, { ...options, shuffle: true, shuffleBuffer: 32 });
    expect(windowed.loss.every(Number.isFinite)).toBe(true);
    // in the targets' units
    const values = a.predict(x) as Float32Array;
    expect((a.evaluate(x, nested) as RegressionEvaluation).r2).toBeGreaterThan(0);
    const session = await ort.InferenceSession.create(toOnnx(a));
    const { variable } = await session.run({ features: new ort.Tensor('float32', data, [rows, inputs]) });
    expect(variable!.dims).toEqual([rows, k]);
    expect(relativeDifference(variable!.data as Float32Array, values)).toBeLessThan(1e-6);
    const { modelJson, weightsBin } = toTfjsLayers(a);
    expect(relativeDifference((await fromTfjsLayers(modelJson, weightsBin)).predict(x) as Float32Array, values)).toBeLessThan(1e-6);
    expect(
      explain(
        a,
        nested.slice(0, 3).map((_, r) => [...data.subarray(r * inputs, (r + 1) * inputs)]),
        nested.slice(0, 3),
      ).ok,
    ).toBe(true);
    a.dispose();
    b.dispose();
  });
});
