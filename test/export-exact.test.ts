// Exports as exact as predictProba. predictProba standardises each feature in float64 and rounds
// once to float32, z = f32((x − mean) / scale); the ONNX file (onnxruntime-web 1.23, wasm) and
// the TF.js Layers files (tfjs 4.22, cpu backend) must give the same P(Y=1) within 1e-6 on
// columns far from where float32 is exact — means up to 1e5 with stds from 1e-3 to 1e5 — and on
// tiny, subnormal and huge scales, and never NaN where predictProba answers.
import * as ort from 'onnxruntime-web';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sequential, StandardScaler, dense, toOnnx, toTfjsLayers, type Activation, type TfjsArtifacts } from '../src/index.js';
import { Xoshiro128 } from '../src/prng.js';

const TOLERANCE = 1e-6; // on P(Y=1), against predictProba

beforeAll(async () => {
  ort.env.wasm.numThreads = 1;
  tf.enableProdMode();
  await tf.setBackend('cpu');
});

const measured: string[] = [];
afterAll(() => console.log(`exports against predictProba (max |Δp|):\n${measured.join('\n')}`));

/** P(Y=1) from onnxruntime-web, rows × model.inputs raw features. */
async function onnxProbability(model: Sequential, x: Float32Array): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(toOnnx(model));
  const { probability } = await session.run({ features: new ort.Tensor('float32', x, [x.length / model.inputs, model.inputs]) });
  return probability!.data as Float32Array;
}

/** The TF.js files loaded as tf.loadLayersModel loads model.json and weights.bin from disk. */
export async function loadTfjs(files: TfjsArtifacts): Promise<tfl.LayersModel> {
  const json = JSON.parse(JSON.stringify(files.modelJson)) as tf.io.ModelJSON;
  const weights = files.weightsBin.slice(0);
  return tfl.loadLayersModel(tf.io.fromMemory(await tf.io.getModelArtifactsForJSON(json, async (manifest) => [manifest.flatMap((g) => g.weights), weights])));
}

/** P(Y=1) from TF.js's cpu backend. */
async function tfjsProbability(model: Sequential, x: Float32Array): Promise<Float32Array> {
  const tfModel = await loadTfjs(toTfjsLayers(model));
  const input = tf.tensor2d(x, [x.length / model.inputs, model.inputs]);
  const out = tfModel.predict(input) as tf.Tensor;
  const p = out.dataSync() as Float32Array;
  tf.dispose([input, out]);
  tfModel.dispose();
  return p;
}

/** max |a − b|; NaN anywhere counts as Infinity. */
function worst(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Number.isNaN(v) || Number.isNaN(b[i]!) ? Infinity : Math.abs(v - b[i]!)), 0);
}

/** Both exports within TOLERANCE of predictProba on rows `x`; the differences are reported. */
async function expectExact(name: string, model: Sequential, x: Float32Array): Promise<void> {
  const expected = model.predictProba({ data: x, rows: x.length / model.inputs, cols: model.inputs });
  const onnx = worst(await onnxProbability(model, x), expected);
  const tfjs = worst(await tfjsProbability(model, x), expected);
  measured.push(`  ${name.padEnd(58)} ONNX ${onnx.toExponential(2)}   TF.js ${tfjs.toExponential(2)}`);
  expect(onnx, `${name}: ONNX`).toBeLessThanOrEqual(TOLERANCE);
  expect(tfjs, `${name}: TF.js`).toBeLessThanOrEqual(TOLERANCE);
}

/** `rows` rows of columns mean[c] + std[c]·u, u uniform in [−3, 3), as float32. */
function columns(seed: number, rows: number, mean: readonly number[], std: readonly number[]): Float32Array {
  const rng = new Xoshiro128(seed);
  const x = new Float32Array(rows * mean.length);
  for (let i = 0; i < x.length; i++) x[i] = mean[i % mean.length]! + std[i % mean.length]! * (6 * rng.nextUnit() - 3);
  return x;
}

describe('exports reproduce predictProba within 1e-6 where float32 rounds the scaler', () => {
  it('an air-pressure column (mean 101325.93 Pa, std 8.5, weight 3): the case of issue 19', async () => {
    const scaler = StandardScaler.fromStats({ mean: [101325.93], std: [8.5] });
    const model = await Sequential.create({ inputs: 1, layers: [dense(1, 'sigmoid')], seed: 1, scaler });
    model.setWeights([{ weights: Float32Array.of(3), bias: Float32Array.of(0) }]);
    await expectExact('air pressure, mean 101325.93, std 8.5', model, columns(1, 500, [101325.93], [8.5]));
  });

  it.each([1, 2, 3, 4, 5, 6])('random MLPs on columns with means up to 1e5 and stds from 1e-3 to 1e5 (seed %i)', async (seed) => {
    const rng = new Xoshiro128(100 + seed);
    const cols = 6;
    const mean = Array.from({ length: cols }, () => (rng.nextUnit() < 0.5 ? -1 : 1) * 10 ** (6 * rng.nextUnit() - 1));
    const std = Array.from({ length: cols }, () => 10 ** (8 * rng.nextUnit() - 3));
    mean[0] = 1e5 * (1 - 1e-9 * seed); // the worst case: the largest mean over the smallest std
    std[0] = 1e-3;
    const x = columns(seed, 400, mean, std);
    const activation = (['tanh', 'relu', 'sigmoid', 'linear'] as Activation[])[seed % 4]!;
    for (const [kind, scaler] of [['fromStats', StandardScaler.fromStats({ mean, std })], ['fitted', StandardScaler.fit(x, { cols })]] as const) {
      const model = await Sequential.create({ inputs: cols, layers: [dense(10, activation), dense(5, 'tanh'), dense(1, 'sigmoid')], seed, scaler });
      // weights of about ±1: the logits move by several units over the data, as a trained model's do
      model.setWeights(model.getWeights().map((l) => ({ weights: l.weights.map((w) => 2 * w), bias: l.bias.map(() => 0.3 * (rng.nextUnit() - 0.5)) })));
      await expectExact(`seed ${seed}, ${activation}, ${kind} scaler`, model, x);
    }
  });
});

describe('tiny, subnormal and huge scales: the same outputs as predictProba, never NaN', () => {
  // Each column: its mean and scale, and inputs for which predictProba gives a finite z.
  const COLUMNS: { mean: number; scale: number; value: (rng: Xoshiro128) => number }[] = [
    { mean: 0, scale: 1e-44, value: (r) => Math.round(40 * r.nextUnit() - 20) * 2 ** -149 }, // float32-subnormal inputs and scale
    { mean: 0, scale: 1e-40, value: (r) => (6 * r.nextUnit() - 3) * 1e-40 },
    { mean: 0, scale: 3e-39, value: (r) => (6 * r.nextUnit() - 3) * 3e-39 }, // 1 / scale overflows float32
    { mean: 0.5, scale: 1e-30, value: (r) => (r.nextUnit() < 0.8 ? 0.5 : 0.5 + 2 ** -24) }, // z = 0 or about 6e22
    { mean: 0, scale: 1e-200, value: () => 0 }, // only x = mean is finite
    { mean: 3, scale: 5e-324, value: () => 3 }, // the smallest float64
    { mean: 0, scale: 1e39, value: (r) => (2 * r.nextUnit() - 1) * 3e38 }, // beyond float32: z up to 0.3
    { mean: -7, scale: 1e300, value: (r) => (2 * r.nextUnit() - 1) * 3e38 },
  ];

  it('columns of scales from 5e-324 to 1e300', async () => {
    const scaler = StandardScaler.fromStats({ mean: COLUMNS.map((c) => c.mean), std: COLUMNS.map((c) => c.scale) });
    const model = await Sequential.create({ inputs: COLUMNS.length, layers: [dense(6, 'tanh'), dense(1, 'sigmoid')], seed: 5, scaler });
    const rng = new Xoshiro128(6);
    const rows: number[] = [];
    while (rows.length < 200 * COLUMNS.length) {
      const row = COLUMNS.map((c) => Math.fround(c.value(rng)));
      if (isAnswered(model, row)) rows.push(...row);
    }
    await expectExact('scales 5e-324 … 1e300', model, Float32Array.from(rows));
  });

  it('a column whose scale is below every float32 (1e-60), where only x = mean gives an answer', async () => {
    const model = await Sequential.create({ inputs: 2, layers: [dense(1, 'sigmoid')], seed: 2, scaler: StandardScaler.fromStats({ mean: [0.25, 1], std: [1e-60, 2] }) });
    await expectExact('scale 1e-60 at x = mean', model, Float32Array.from([0.25, 1, 0.25, -3, 0.25, 5]));
  });
});

/** Whether predictProba gives a finite P(Y=1) for the row (a z beyond float32 is refused). */
function isAnswered(model: Sequential, row: number[]): boolean {
  try {
    return Number.isFinite(model.predictProba([row])[0]!);
  } catch {
    return false;
  }
}
