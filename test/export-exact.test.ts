// Exports as exact as predictProba. predictProba standardises each feature in float64 and rounds
// once to float32, z = f32((x − mean) / scale); the ONNX file (onnxruntime-web 1.23, wasm) and
// the TF.js Layers files (tfjs 4.22, its cpu and wasm backends) must give the same P(Y=1) within
// 1e-6 on columns far from where float32 is exact — means up to 1e5 with stds from 1e-3 to 1e5 —
// and on tiny, subnormal and huge scales, and never NaN where predictProba answers. Then the TF.js
// scaler layer and userDefinedMetadata both ways: TF.js loads them, fromTfjsLayers reads them back.
import * as ort from 'onnxruntime-web';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GradwasmError, Sequential, StandardScaler, dense, fromTfjsLayers, toOnnx, toTfjsLayers, type Activation, type TfjsArtifacts } from '../src/index.js';
import { Xoshiro128 } from '../src/core/prng.js';

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

/** P(Y=1) from a TF.js model, rows × tfModel's inputs. */
function tfPredict(tfModel: tfl.LayersModel, x: Float32Array): Float32Array {
  const cols = tfModel.inputs[0]!.shape[1]!;
  const input = tf.tensor2d(x, [x.length / cols, cols]);
  const out = tfModel.predict(input) as tf.Tensor;
  const p = out.dataSync() as Float32Array;
  tf.dispose([input, out]);
  return p;
}

/** P(Y=1) from TF.js on `backend`: 'cpu' computes in float64 and rounds each op's result, 'wasm' in float32. */
async function tfjsProbability(model: Sequential, x: Float32Array, backend: 'cpu' | 'wasm'): Promise<Float32Array> {
  await tf.setBackend(backend);
  const tfModel = await loadTfjs(toTfjsLayers(model));
  const p = tfPredict(tfModel, x);
  tfModel.dispose();
  await tf.setBackend('cpu');
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
  const cpu = worst(await tfjsProbability(model, x, 'cpu'), expected);
  const wasm = worst(await tfjsProbability(model, x, 'wasm'), expected);
  measured.push(`  ${name.padEnd(40)} ONNX ${onnx.toExponential(2)}   TF.js cpu ${cpu.toExponential(2)}   TF.js wasm ${wasm.toExponential(2)}`);
  expect(onnx, `${name}: ONNX`).toBeLessThanOrEqual(TOLERANCE);
  expect(cpu, `${name}: TF.js cpu`).toBeLessThanOrEqual(TOLERANCE);
  expect(wasm, `${name}: TF.js wasm`).toBeLessThanOrEqual(TOLERANCE);
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
    for (const [kind, scaler] of [
      ['fromStats', StandardScaler.fromStats({ mean, std })],
      ['fitted', StandardScaler.fit(x, { cols })],
    ] as const) {
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
    const model = await Sequential.create({
      inputs: 2,
      layers: [dense(1, 'sigmoid')],
      seed: 2,
      scaler: StandardScaler.fromStats({ mean: [0.25, 1], std: [1e-60, 2] }),
    });
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

describe('TF.js: the scaler layer and userDefinedMetadata, both ways', () => {
  /** A model with column names and a scaler far from float32, trained a little. */
  async function named(): Promise<{ model: Sequential; x: Float32Array }> {
    const mean = [101325.93, -3.3e4, 0.1],
      std = [8.5, 1e-3, 2e3];
    const x = columns(8, 120, mean, std);
    const model = await Sequential.create({
      inputs: 3,
      layers: [dense(4, 'tanh'), dense(1, 'sigmoid')],
      seed: 8,
      scaler: StandardScaler.fromStats({ mean, std }),
      featureNames: ['pressure', 'offset', 'altitude'],
      labelName: 'rain',
    });
    await model.fit(
      x,
      Float32Array.from({ length: 120 }, (_, i) => i % 2),
      { epochs: 3, learningRate: 0.1 },
    );
    return { model, x };
  }

  it('writes a BatchNormalization layer named scaler (as tfjs-layers 4.22 writes one) and the metadata, which TF.js keeps', async () => {
    const { model } = await named();
    const files = toTfjsLayers(model);
    const layers = files.modelJson.modelTopology.config.layers;
    expect(layers.map((l) => l.class_name)).toEqual(['BatchNormalization', 'Dense', 'Dense']);
    expect(layers[0]!.config).toMatchObject({ name: 'scaler', epsilon: 0, trainable: false, batch_input_shape: [null, 3] });
    expect(layers[1]!.config).not.toHaveProperty('batch_input_shape');
    const reference = tfl
      .sequential({ layers: [tfl.layers.batchNormalization({ inputShape: [3] })] })
      .toJSON(null, false) as unknown as TfjsArtifacts['modelJson']['modelTopology'];
    expect(Object.keys(layers[0]!.config).sort()).toEqual(Object.keys(reference.config.layers[0]!.config).sort());
    expect(files.modelJson.weightsManifest[0]!.weights.slice(0, 4)).toEqual(
      ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((w) => ({ name: `scaler/${w}`, shape: [3], dtype: 'float32' })),
    );
    const metadata = { gradwasm: { version: 'dev', features: ['pressure', 'offset', 'altitude'], label: 'rain', scaler: model.scaler!.toJSON() } };
    expect(files.modelJson.userDefinedMetadata).toEqual(metadata);
    expect(files.modelJson.generatedBy).toBe('gradwasm dev');
    const tfModel = await loadTfjs(files);
    expect(tfModel.layers.map((l) => l.getClassName())).toEqual(['BatchNormalization', 'Dense', 'Dense']);
    expect(tfModel.getUserDefinedMetadata()).toEqual(metadata);
    tfModel.dispose();
  });

  it('fromTfjsLayers reads back the column names and the exact scaler: the same predictions, bit for bit', async () => {
    const { model, x } = await named();
    const { modelJson, weightsBin } = toTfjsLayers(model);
    const again = await fromTfjsLayers(JSON.stringify(modelJson), weightsBin);
    expect(again.featureNames).toEqual(['pressure', 'offset', 'altitude']);
    expect(again.labelName).toBe('rain');
    expect(again.scaler!.toJSON()).toEqual(model.scaler!.toJSON());
    expect(again.getWeights()).toEqual(model.getWeights());
    expect(again.predictProba(x)).toEqual(model.predictProba(x));
    const plain = await fromTfjsLayers(
      toTfjsLayers(await Sequential.create({ inputs: 2, layers: [dense(1, 'sigmoid')], seed: 1 })).modelJson,
      new ArrayBuffer(12),
    );
    expect([plain.featureNames, plain.labelName, plain.scaler]).toEqual([null, null, null]);
  });

  it('a scaler layer changed in TF.js since (its metadata stale) is read as the layer now is', async () => {
    const { model, x } = await named();
    const files = toTfjsLayers(model);
    new DataView(files.weightsBin).setFloat32(4 * 6, 101330, true); // scaler/moving_mean[0]
    const tfModel = await loadTfjs(files);
    const again = await fromTfjsLayers(files.modelJson, files.weightsBin);
    expect(again.scaler!.mean[0]).toBeCloseTo(101330 + (101325.93 - Math.fround(101325.93)), 6);
    expect(worst(again.predictProba(x), tfPredict(tfModel, x))).toBeLessThanOrEqual(TOLERANCE);
    tfModel.dispose();
  });

  it('a BatchNormalization first in a model trained in TF.js (epsilon 1e-3, the Keras default; moving statistics) becomes its scaler, a negative gamma too', async () => {
    const inputs = 4,
      rows = 256;
    const x = columns(12, rows, [500, -20, 0, 1e4], [30, 2, 1, 5e3]);
    const seeded = (seed: number) => ({ kernelInitializer: tfl.initializers.glorotUniform({ seed }) });
    const tfModel = tfl.sequential({
      layers: [
        tfl.layers.batchNormalization({ inputShape: [inputs], momentum: 0.5 }),
        tfl.layers.dense({ units: 6, activation: 'relu', ...seeded(1) }),
        tfl.layers.dense({ units: 1, activation: 'sigmoid', ...seeded(2) }),
      ],
    });
    tfModel.compile({ optimizer: tf.train.adam(0.01), loss: 'binaryCrossentropy' });
    const [xt, yt] = [
      tf.tensor2d(x, [rows, inputs]),
      tf.tensor2d(
        Float32Array.from({ length: rows }, (_, i) => (x[i * inputs]! + 10 * x[i * inputs + 1]! > 300 ? 1 : 0)),
        [rows, 1],
      ),
    ];
    await tfModel.fit(xt, yt, { epochs: 10, batchSize: 32, shuffle: false, verbose: 0 });
    tf.dispose([xt, yt]);
    const [gamma, ...rest] = tfModel.layers[0]!.getWeights();
    for (const signs of [
      [1, 1, 1, 1],
      [-1, 1, -0.5, 1],
    ]) {
      tfModel.layers[0]!.setWeights([tf.mul(tf.abs(gamma!), tf.tensor1d(signs)), ...rest]); // trained gammas may be of either sign
      let artifacts: tf.io.ModelArtifacts | undefined;
      await tfModel.save(
        tf.io.withSaveHandler(async (a) => {
          artifacts = a;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
      );
      const model = await fromTfjsLayers(artifacts, artifacts!.weightData as ArrayBuffer);
      expect(model.scaler!.scale.every((v) => v > 0)).toBe(true);
      expect(model.layers.map((l) => l.units)).toEqual([6, 1]);
      const p = model.predictProba(x);
      expect(p.filter((v) => v > 0.05 && v < 0.95).length).toBeGreaterThan(rows / 2); // not saturated: the comparison means something
      const d = worst(p, tfPredict(tfModel, x));
      measured.push(`  TF.js-trained BatchNormalization (gammas ${signs.map((v) => (v > 0 ? '+' : '−')).join('')}) → ours: max |Δp| ${d.toExponential(2)}`);
      expect(d).toBeLessThanOrEqual(TOLERANCE);
    }
    tfModel.dispose();
  });

  it('refuses a BatchNormalization it cannot read as a scaler, and malformed metadata, with a GradwasmError', async () => {
    const { model } = await named();
    const good = toTfjsLayers(model);
    const edited = (edit: (j: any) => void): unknown => {
      const j = structuredClone(good.modelJson);
      edit(j);
      return j;
    };
    const L = 'modelJson.modelTopology.config.layers';
    const zeroGamma = good.weightsBin.slice(0);
    new DataView(zeroGamma).setFloat32(0, 0, true); // scaler/gamma[0]
    const cases: [unknown, ArrayBuffer, string, RegExp][] = [
      [
        edited((j) => j.modelTopology.config.layers.splice(2, 0, structuredClone(j.modelTopology.config.layers[0]))),
        good.weightsBin,
        `${L}[2].class_name`,
        /is a "BatchNormalization" layer; only Dense layers are read \(.*after a BatchNormalization as its feature scaler\)$/,
      ],
      [
        edited((j) => (j.modelTopology.config.layers[0].config.axis = 0)),
        good.weightsBin,
        `${L}[0].config.axis`,
        /is 0; a BatchNormalization before Dense layers is read as a feature scaler, over the features' axis \(-1 or 1\)$/,
      ],
      [
        edited((j) => (j.modelTopology.config.layers[0].config.epsilon = -1)),
        good.weightsBin,
        `${L}[0].config.epsilon`,
        /must be a finite number ≥ 0, got -1$/,
      ],
      [edited((j) => (j.modelTopology.config.layers[0].config.center = 'no')), good.weightsBin, `${L}[0].config.center`, /must be true or false/],
      [
        good.modelJson,
        zeroGamma,
        'weightsBin',
        /^layer scaler \(BatchNormalization\) gives feature 0 a scale of Infinity \(gamma 0, .*; as a feature scaler it needs a finite scale > 0 \(gamma ≠ 0\)/,
      ],
      [edited((j) => (j.userDefinedMetadata = 'x')), good.weightsBin, 'modelJson.userDefinedMetadata', /must be an object/],
      [edited((j) => (j.userDefinedMetadata.gradwasm = [])), good.weightsBin, 'modelJson.userDefinedMetadata.gradwasm', /must be an object/],
      [
        edited((j) => j.userDefinedMetadata.gradwasm.features.pop()),
        good.weightsBin,
        'modelJson.userDefinedMetadata.gradwasm.features',
        /must be an array of 3 column names, one per input/,
      ],
      [
        edited((j) => (j.userDefinedMetadata.gradwasm.label = 'pressure')),
        good.weightsBin,
        'modelJson.userDefinedMetadata.gradwasm.label',
        /"pressure" is also the name of a feature$/,
      ],
      [
        edited((j) => (j.userDefinedMetadata.gradwasm.scaler.scale[0] = 0)),
        good.weightsBin,
        'modelJson.userDefinedMetadata.gradwasm.scaler.scale',
        /scales must be finite numbers > 0$/,
      ],
    ];
    for (const [json, bin, argument, message] of cases) {
      const error = await fromTfjsLayers(json, bin).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, argument).toBeInstanceOf(GradwasmError);
      expect([(error as GradwasmError).argument, (error as GradwasmError).message]).toEqual([argument, expect.stringMatching(message)]);
    }
    // other tools' metadata is left alone
    await expect(
      fromTfjsLayers(
        edited((j) => (j.userDefinedMetadata.other = { any: 'thing' })),
        good.weightsBin,
      ),
    ).resolves.toBeInstanceOf(Sequential);
  });
});
