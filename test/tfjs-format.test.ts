// TF.js interop against TensorFlow.js itself (tfjs-layers 4.22 on its cpu backend): our export
// loads in tf.loadLayersModel and predicts what we predict; a model built and trained in TF.js,
// saved through an IOHandler, imports into gradwasm and predicts what TF.js predicts. Malformed
// or hostile files are refused with a GradwasmError.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { GradwasmError, Sequential, StandardScaler, dense, fromTfjsLayers, toTfjsLayers, type Activation, type TfjsModelJSON } from '../src/index.js';
import { labels, uniform } from './support/random.js';

beforeAll(async () => {
  tf.enableProdMode(); // also silences the "install tfjs-node" banner
  await tf.setBackend('cpu');
});

/** max |a − b| over two arrays. */
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
};

/** Load our two files in TF.js, as tf.loadLayersModel does from disk. */
async function loadInTfjs(files: { modelJson: TfjsModelJSON; weightsBin: ArrayBuffer }): Promise<tfl.LayersModel> {
  const text = JSON.stringify(files.modelJson); // as written to model.json
  const json = JSON.parse(text) as TfjsModelJSON;
  return tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology as never,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: files.weightsBin.slice(0),
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy,
    }),
  );
}

function tfPredict(model: tfl.LayersModel, x: Float32Array, rows: number, cols: number): Float32Array {
  const input = tf.tensor2d(x, [rows, cols]);
  const out = model.predict(input, { batchSize: rows }) as tf.Tensor;
  const p = out.dataSync() as Float32Array;
  tf.dispose([input, out]);
  return p;
}

const differences: string[] = [];

describe('toTfjsLayers: our models in TensorFlow.js', () => {
  const cases: [string, number, [number, Activation][]][] = [
    ['logistic regression', 5, [[1, 'sigmoid']]],
    [
      'relu MLP',
      30,
      [
        [16, 'relu'],
        [8, 'relu'],
        [1, 'sigmoid'],
      ],
    ],
    [
      'tanh + linear + sigmoid',
      7,
      [
        [9, 'tanh'],
        [4, 'linear'],
        [3, 'sigmoid'],
        [1, 'sigmoid'],
      ],
    ],
  ];
  it.each(cases)('%s: loads with tf.loadLayersModel and predicts ours within 1e-6', async (name, inputs, spec) => {
    for (const backend of ['wasm', 'js'] as const) {
      const model = await Sequential.create({ inputs, layers: spec.map(([u, a]) => dense(u, a)), seed: 7, backend });
      const rows = 200;
      const x = uniform(3, rows * inputs, -2, 2);
      await model.fit({ data: x, rows, cols: inputs }, labels(4, rows), { epochs: 10, learningRate: 0.1, batchSize: 16 });
      const files = toTfjsLayers(model);
      const tfModel = await loadInTfjs(files);
      expect(tfModel.layers.map((l) => l.getClassName())).toEqual(spec.map(() => 'Dense'));
      expect(tfModel.inputs[0]!.shape).toEqual([null, inputs]);
      // the very same float32 weights
      const tfWeights = tfModel.getWeights().map((w) => w.dataSync() as Float32Array);
      expect(tfWeights).toEqual(model.getWeights().flatMap((l) => [l.weights, l.bias]));
      const ours = model.predictProba({ data: x, rows, cols: inputs });
      const theirs = tfPredict(tfModel, x, rows, inputs);
      const d = maxDiff(ours, theirs);
      differences.push(`ours → TF.js, ${name} (${backend}): max |Δp| ${d.toExponential(2)}`);
      expect(d).toBeLessThanOrEqual(1e-6);
      tfModel.dispose();
      model.dispose();
    }
  });

  it('writes what tfjs-layers writes: topology, manifest, little-endian float32 weights', async () => {
    const model = await Sequential.create({ inputs: 3, layers: [dense(2, 'relu'), dense(1, 'sigmoid')], seed: 1 });
    const { modelJson, weightsBin } = toTfjsLayers(model);
    expect(modelJson.format).toBe('layers-model');
    expect(modelJson.modelTopology.class_name).toBe('Sequential');
    expect(modelJson.weightsManifest).toEqual([
      {
        paths: ['weights.bin'],
        weights: [
          { name: 'dense_1/kernel', shape: [3, 2], dtype: 'float32' },
          { name: 'dense_1/bias', shape: [2], dtype: 'float32' },
          { name: 'dense_2/kernel', shape: [2, 1], dtype: 'float32' },
          { name: 'dense_2/bias', shape: [1], dtype: 'float32' },
        ],
      },
    ]);
    const [first, second] = modelJson.modelTopology.config.layers;
    expect(first!.config).toMatchObject({ units: 2, activation: 'relu', use_bias: true, batch_input_shape: [null, 3], dtype: 'float32', name: 'dense_1' });
    expect(second!.config).not.toHaveProperty('batch_input_shape');
    // the keys tfjs-layers 4.22 writes for a Dense layer, every one of them
    const tfDense = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3] })] });
    const reference = (tfDense.toJSON(null, false) as unknown as TfjsModelJSON['modelTopology']).config.layers[0]!.config;
    expect(Object.keys(first!.config).sort()).toEqual(Object.keys(reference).sort());
    const w = model.getWeights();
    const view = new DataView(weightsBin);
    expect(weightsBin.byteLength).toBe(4 * (6 + 2 + 2 + 1));
    expect(view.getFloat32(0, true)).toBe(w[0]!.weights[0]);
    expect(view.getFloat32(4 * 8, true)).toBe(w[1]!.weights[0]);
  });

  it('folds a feature scaler into the first layer, so TF.js takes raw features', async () => {
    const inputs = 6,
      rows = 300;
    const x = uniform(9, rows * inputs, -1, 1).map((v, i) => v * 10 ** (i % 4) + 100 * (i % 3));
    const scaler = StandardScaler.fit(x, { cols: inputs });
    const model = await Sequential.create({ inputs, layers: [dense(8, 'tanh'), dense(1, 'sigmoid')], seed: 2, scaler });
    await model.fit(x, labels(10, rows), { epochs: 20, learningRate: 0.2, batchSize: 32 });
    const tfModel = await loadInTfjs(toTfjsLayers(model));
    const d = maxDiff(model.predictProba(x), tfPredict(tfModel, x, rows, inputs));
    differences.push(`ours with a scaler (folded) → TF.js: max |Δp| ${d.toExponential(2)}`);
    expect(d).toBeLessThanOrEqual(1e-6);
    expect(model.scaler).not.toBeNull(); // the model itself is unchanged
    expect((await Sequential.fromJSON(model.toJSON())).predictProba(x)).toEqual(model.predictProba(x));
  });
});

describe('fromTfjsLayers: TensorFlow.js models in gradwasm', () => {
  /** Build and train a model in TF.js, save it through an IOHandler, and return its artifacts and predictions. */
  async function trainedInTfjs(inputs: number, spec: [number, string][], options: { useBias?: boolean; inputLayer?: boolean } = {}) {
    const model = tfl.sequential();
    if (options.inputLayer) model.add(tfl.layers.inputLayer({ inputShape: [inputs] }));
    spec.forEach(([units, activation], i) =>
      model.add(
        tfl.layers.dense({
          units,
          activation: activation as never,
          useBias: options.useBias ?? true,
          ...(i === 0 && !options.inputLayer ? { inputShape: [inputs] } : {}),
        }),
      ),
    );
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'binaryCrossentropy' });
    const rows = 256;
    const x = uniform(11, rows * inputs, -2, 2);
    const y = labels(12, rows);
    const xt = tf.tensor2d(x, [rows, inputs]);
    const yt = tf.tensor2d(y, [rows, 1]);
    await model.fit(xt, yt, { epochs: 8, batchSize: 32, verbose: 0 });
    tf.dispose([xt, yt]);
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const predictions = tfPredict(model, x, rows, inputs);
    model.dispose();
    // model.json as tf.io's file handlers write it
    const modelJson = {
      modelTopology: artifacts!.modelTopology,
      format: artifacts!.format,
      generatedBy: artifacts!.generatedBy,
      convertedBy: artifacts!.convertedBy,
      weightsManifest: [{ paths: ['weights.bin'], weights: artifacts!.weightSpecs }],
    };
    return { artifacts: artifacts!, modelJson, weightsBin: artifacts!.weightData as ArrayBuffer, x, rows, predictions };
  }

  it.each<[string, number, [number, string][], { useBias?: boolean; inputLayer?: boolean }]>([
    ['logistic regression', 4, [[1, 'sigmoid']], {}],
    [
      'relu MLP',
      12,
      [
        [16, 'relu'],
        [8, 'relu'],
        [1, 'sigmoid'],
      ],
      {},
    ],
    [
      'tanh, linear (no bias), after an InputLayer',
      5,
      [
        [6, 'tanh'],
        [3, 'linear'],
        [1, 'sigmoid'],
      ],
      { useBias: false, inputLayer: true },
    ],
  ])('%s trained in TF.js imports and predicts what TF.js predicts within 1e-6', async (name, inputs, spec, options) => {
    const t = await trainedInTfjs(inputs, spec, options);
    for (const backend of ['wasm', 'js'] as const) {
      for (const [form, json] of [
        ['model.json', t.modelJson],
        ['model.json text', JSON.stringify(t.modelJson)],
        ['ModelArtifacts', t.artifacts],
      ] as const) {
        const model = await fromTfjsLayers(json, t.weightsBin, { backend });
        expect(model.inputs).toBe(inputs);
        expect(model.layers.map((l) => [l.units, l.activation])).toEqual(spec);
        const d = maxDiff(model.predictProba({ data: t.x, rows: t.rows, cols: inputs }), t.predictions);
        if (form === 'model.json') differences.push(`TF.js → ours, ${name} (${backend}): max |Δp| ${d.toExponential(2)}`);
        expect(d, `${form} on ${backend}`).toBeLessThanOrEqual(1e-6);
        if (options.useBias === false) expect(model.getWeights()[0]!.bias).toEqual(new Float32Array(spec[0]![0]));
        model.dispose();
      }
    }
    // from bytes as fs.readFile returns them (a Buffer view at an odd offset), and as shards
    const padded = new Uint8Array(t.weightsBin.byteLength + 3);
    padded.set(new Uint8Array(t.weightsBin), 3);
    const a = await fromTfjsLayers(t.modelJson, padded.subarray(3));
    const half = Math.floor(t.weightsBin.byteLength / 8) * 4;
    const b = await fromTfjsLayers(t.modelJson, [t.weightsBin.slice(0, half), t.weightsBin.slice(half)]);
    expect(a.getWeights()).toEqual(b.getWeights());
  });

  it('round trip: ours → TF.js files → ours gives the same weights and predictions', async () => {
    const model = await Sequential.create({ inputs: 4, layers: [dense(5, 'relu'), dense(1, 'sigmoid')], seed: 3 });
    const { modelJson, weightsBin } = toTfjsLayers(model);
    const again = await fromTfjsLayers(JSON.stringify(modelJson), weightsBin);
    expect(again.getWeights()).toEqual(model.getWeights());
    const x = uniform(1, 40, -1, 1);
    expect(again.predictProba(x)).toEqual(model.predictProba(x));
  });

  it('prints the measured differences', () => {
    console.log(differences.join('\n'));
    expect(differences.length).toBeGreaterThan(0);
  });
});

describe('fromTfjsLayers refuses what it cannot read', () => {
  let good: { modelJson: TfjsModelJSON; weightsBin: ArrayBuffer };
  beforeAll(async () => {
    good = toTfjsLayers(await Sequential.create({ inputs: 3, layers: [dense(2, 'relu'), dense(1, 'sigmoid')], seed: 1 }));
  });
  const edited = (edit: (j: any) => void): unknown => {
    const j = structuredClone(good.modelJson);
    edit(j);
    return j;
  };
  const layer = (j: any, i: number): any => j.modelTopology.config.layers[i];
  const L = 'modelJson.modelTopology.config.layers';

  it('the untouched files load', async () => {
    await expect(fromTfjsLayers(good.modelJson, good.weightsBin)).resolves.toBeInstanceOf(Sequential);
  });

  it.each<[string, (() => unknown) | null, (() => unknown) | null, string, RegExp]>([
    ['invalid JSON text', () => '{"modelTopology":', null, 'modelJson', /^modelJson is not valid JSON text: /],
    ['null', () => null, null, 'modelJson', /^modelJson must be an object, got null$/],
    [
      'a graph model',
      () => edited((j) => (j.format = 'graph-model')),
      null,
      'modelJson.format',
      /^modelJson\.format is "graph-model"; only TF\.js Layers models \("layers-model"\) are read, not graph models$/,
    ],
    [
      'no topology',
      () => edited((j) => delete j.modelTopology),
      null,
      'modelJson.modelTopology',
      /^modelJson\.modelTopology must be an object, got undefined$/,
    ],
    [
      'a functional model',
      () => edited((j) => (j.modelTopology.class_name = 'Model')),
      null,
      'modelJson.modelTopology.class_name',
      /^modelJson\.modelTopology\.class_name is "Model"; only Sequential models of Dense layers are read$/,
    ],
    ['no layers', () => edited((j) => (j.modelTopology.config.layers = [])), null, L, /must be a non-empty array of layers, got an array of length 0$/],
    [
      'a Conv2D layer',
      () => edited((j) => (layer(j, 0).class_name = 'Conv2D')),
      null,
      `${L}[0].class_name`,
      /^modelJson\.modelTopology\.config\.layers\[0\] is a "Conv2D" layer; only Dense layers are read/,
    ],
    [
      'a Dropout layer',
      () => edited((j) => j.modelTopology.config.layers.splice(1, 0, { class_name: 'Dropout', config: { rate: 0.5, name: 'd' } })),
      null,
      `${L}[1].class_name`,
      /is a "Dropout" layer/,
    ],
    [
      'a softmax activation on a hidden layer',
      () => edited((j) => (layer(j, 0).config.activation = 'softmax')),
      null,
      `${L}[0].config.activation`,
      /is "softmax" on a hidden layer; gradwasm has softmax as the last layer's activation only$/,
    ],
    ['an elu activation', () => edited((j) => (layer(j, 0).config.activation = 'elu')), null, `${L}[0].config.activation`, /is "elu"/],
    [
      'a last layer of 2 units',
      () => edited((j) => (layer(j, 1).config.units = 2)),
      null,
      L,
      /^the last layer of .* must be Dense\(1, sigmoid\) .*, got Dense\(2, sigmoid\)$/,
    ],
    ['a last layer relu', () => edited((j) => (layer(j, 1).config.activation = 'relu')), null, L, /got Dense\(1, relu\)$/],
    ['units 0', () => edited((j) => (layer(j, 0).config.units = 0)), null, `${L}[0].config.units`, /must be an integer in \[1, 65536\], got 0$/],
    ['units 1e9', () => edited((j) => (layer(j, 0).config.units = 1e9)), null, `${L}[0].config.units`, /got 1000000000$/],
    [
      'a 3-D input shape',
      () => edited((j) => (layer(j, 0).config.batch_input_shape = [null, 3, 3])),
      null,
      `${L}[0].config.batch_input_shape`,
      /must be \[null, features\]/,
    ],
    ['input shape 0', () => edited((j) => (layer(j, 0).config.batch_input_shape = [null, 0])), null, `${L}[0].config.batch_input_shape[1]`, /got 0$/],
    ['float16 layers', () => edited((j) => (layer(j, 0).config.dtype = 'float16')), null, `${L}[0].config.dtype`, /only float32 layers are read$/],
    ['use_bias "yes"', () => edited((j) => (layer(j, 0).config.use_bias = 'yes')), null, `${L}[0].config.use_bias`, /must be true or false/],
    ['a layer name not a string', () => edited((j) => (layer(j, 0).config.name = 5)), null, `${L}[0].config.name`, /must be a string, got 5$/],
    [
      'no manifest',
      () => edited((j) => delete j.weightsManifest),
      null,
      'modelJson.weightsManifest',
      /must be an array of \{ paths, weights \} groups, got undefined$/,
    ],
    [
      'int32 weights',
      () => edited((j) => (j.weightsManifest[0].weights[1].dtype = 'int32')),
      null,
      'modelJson.weightsManifest[0].weights[1].dtype',
      /\(dense_1\/bias\) has dtype "int32"; only float32 weights are read$/,
    ],
    [
      'quantized weights',
      () => edited((j) => (j.weightsManifest[0].weights[0].quantization = { dtype: 'uint8', scale: 1, min: 0 })),
      null,
      'modelJson.weightsManifest[0].weights[0].quantization',
      /is quantized/,
    ],
    [
      'a negative shape',
      () => edited((j) => (j.weightsManifest[0].weights[0].shape = [-3, 2])),
      null,
      'modelJson.weightsManifest[0].weights[0].shape[0]',
      /got -3$/,
    ],
    [
      'a huge shape',
      () => edited((j) => (j.weightsManifest[0].weights[0].shape = [65536, 65536, 4])),
      null,
      'modelJson.weightsManifest[0].weights[0].shape',
      /ends past 4 GiB of weights$/,
    ],
    [
      'a kernel of the wrong shape',
      () =>
        edited((j) => {
          j.weightsManifest[0].weights[0].shape = [2, 3];
        }),
      null,
      'modelJson.weightsManifest',
      /^weight "dense_1\/kernel" has shape \[2, 3\], but layer dense_1 needs \[3, 2\]$/,
    ],
    [
      'a missing weight',
      () => edited((j) => (j.weightsManifest[0].weights[1].name = 'other/bias')),
      null,
      'modelJson.weightsManifest',
      /^modelJson\.weightsManifest has no weight "dense_1\/bias" for layer dense_1$/,
    ],
    [
      'an unused weight',
      () =>
        edited((j) => {
          j.weightsManifest[0].weights.push({ name: 'extra/kernel', shape: [0], dtype: 'float32' });
        }),
      null,
      'modelJson.weightsManifest',
      /has weights no Dense layer uses: "extra\/kernel"$/,
    ],
    [
      'a truncated weights.bin',
      null,
      () => good.weightsBin.slice(0, 40),
      'weightsBin',
      /^weightsBin has 40 bytes, but the weights manifest describes 44 \(11 float32 values\)$/,
    ],
    ['a long weights.bin', null, () => new ArrayBuffer(48), 'weightsBin', /^weightsBin has 48 bytes, but the weights manifest describes 44/],
    ['an empty weights.bin', null, () => new ArrayBuffer(0), 'weightsBin', /^weightsBin has 0 bytes/],
    [
      'NaN in the weights',
      null,
      () => {
        const b = good.weightsBin.slice(0);
        new DataView(b).setFloat32(12, NaN, true);
        return b;
      },
      'weightsBin',
      /^weight "dense_1\/kernel"\[3\] is NaN; weights must be finite$/,
    ],
    [
      'Infinity in the weights',
      null,
      () => {
        const b = good.weightsBin.slice(0);
        new DataView(b).setFloat32(40, -Infinity, true);
        return b;
      },
      'weightsBin',
      /^weight "dense_2\/bias"\[0\] is -Infinity/,
    ],
    [
      'weights as a string',
      null,
      () => 'AAAA',
      'weightsBin',
      /^weightsBin must be an ArrayBuffer, a typed array or Buffer, or an array of ArrayBuffers; got "AAAA"$/,
    ],
  ])('%s', async (_name, json, bin, argument, message) => {
    const error = await fromTfjsLayers((json ?? (() => good.modelJson))() as never, (bin ?? (() => good.weightsBin))() as never).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error, 'expected a GradwasmError').toBeInstanceOf(GradwasmError);
    expect((error as GradwasmError).argument).toBe(argument);
    expect((error as GradwasmError).message).toMatch(message);
  });

  it('reads a Keras-converter topology (model_config, an InputLayer with batch_shape, scoped weight names)', async () => {
    const j = structuredClone(good.modelJson) as any;
    const layers = j.modelTopology.config.layers;
    delete layers[0].config.batch_input_shape;
    j.modelTopology = {
      keras_version: '3.0.0',
      backend: 'tensorflow',
      model_config: {
        class_name: 'Sequential',
        config: { name: 'seq', layers: [{ class_name: 'InputLayer', config: { batch_shape: [null, 3], name: 'input' } }, ...layers] },
      },
    };
    for (const spec of j.weightsManifest[0].weights) spec.name = `sequential/${spec.name}`;
    const model = await fromTfjsLayers(j, good.weightsBin);
    const original = await fromTfjsLayers(good.modelJson, good.weightsBin);
    expect(model.getWeights()).toEqual(original.getWeights());
  });

  it('survives 2,000 random corruptions: a working model or a GradwasmError, nothing else', async () => {
    const { Xoshiro128 } = await import('../src/core/prng.js');
    const rng = new Xoshiro128(77);
    const pick = <T>(a: readonly T[]): T => a[rng.nextU32() % a.length]!;
    const values = [null, -1, 0, 1.5, 1e9, NaN, 'x', 'float32', 'Dense', 'sigmoid', [], {}, [null, 3], true];
    for (let trial = 0; trial < 2000; trial++) {
      const j = structuredClone(good.modelJson) as any;
      // walk to a random place and put a random value there
      let node = j;
      for (let depth = 0; depth < 6; depth++) {
        const keys = Object.keys(node);
        if (keys.length === 0) break;
        const k = pick(keys);
        if (depth === 5 || typeof node[k] !== 'object' || node[k] === null || rng.nextUnit() < 0.25) {
          node[k] = rng.nextUnit() < 0.2 ? undefined : structuredClone(pick(values));
          break;
        }
        node = node[k];
      }
      const bin = rng.nextUnit() < 0.2 ? good.weightsBin.slice(0, rng.nextU32() % 48) : good.weightsBin;
      try {
        const m = await fromTfjsLayers(j, bin);
        expect(m.predictProba([[1, 2, 3]])).toHaveLength(1);
        m.dispose();
      } catch (error) {
        if (!(error instanceof GradwasmError)) throw new Error(`trial ${trial}: ${String(error)}\n${JSON.stringify(j)}`);
      }
    }
  });
});
