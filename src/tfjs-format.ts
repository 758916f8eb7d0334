// The TensorFlow.js Layers format: model.json (a Keras-style topology and a weights manifest)
// and weights.bin (the float32 values, little-endian, in manifest order). Dense-only
// Sequential models go both ways; the kernel layout, [inputs × units] row-major, is the same.
import { GradwasmError } from './errors.js';
import { checkInteger, checkObject, describe } from './checks.js';
import { checkActivation, MAX_UNITS, type Activation } from './layers.js';
import { Sequential } from './sequential.js';
import type { BackendName } from './types.js';
import { modelToJSON } from './serialize.js';

/** One weight in a TF.js weights manifest. */
export interface TfjsWeightSpec {
  /** `<layer name>/kernel` or `<layer name>/bias`. */
  name: string;
  /** `[inputs, units]` for a kernel, `[units]` for a bias. */
  shape: number[];
  dtype: 'float32';
}

/** A TF.js Layers `model.json`, as `tf.io` writes it for a Sequential of Dense layers. */
export interface TfjsModelJSON {
  /** The Keras-style architecture: a Sequential whose layers are Dense configs. */
  modelTopology: {
    class_name: 'Sequential';
    config: { name: string; layers: { class_name: 'Dense'; config: Record<string, unknown> }[] };
    keras_version: string;
    backend: string;
  };
  format: 'layers-model';
  generatedBy: string;
  convertedBy: null;
  /** Where the weights are (`weights.bin`, beside model.json) and, in byte order, what they are. */
  weightsManifest: { paths: string[]; weights: TfjsWeightSpec[] }[];
}

/** The two files of a TF.js Layers model: `model.json` (as an object) and the bytes of `weights.bin`. */
export interface TfjsArtifacts {
  /** The content of `model.json` (write it with `JSON.stringify`). */
  modelJson: TfjsModelJSON;
  /** The content of `weights.bin`: every kernel and bias as little-endian float32, in manifest order. */
  weightsBin: ArrayBuffer;
}

/** Options of {@link fromTfjsLayers}: as for `Sequential.fromJSON`. */
export interface FromTfjsOptions {
  /** Default `'wasm'`. */
  backend?: BackendName;
  /** Seeds shuffling if the model is trained further. */
  seed?: number;
}

const ACTIVATIONS = new Set<unknown>(['linear', 'sigmoid', 'tanh', 'relu']);

/**
 * Export a model to the TensorFlow.js Layers format: what `model.save()` of tfjs-layers
 * writes for a Sequential of Dense layers, loadable with `tf.loadLayersModel` (save
 * `modelJson` as `model.json` beside `weightsBin` as `weights.bin`, or pass both to
 * `tf.io.fromMemory`). Layers are named `dense_1`, `dense_2`, …
 *
 * A model with a feature scaler has no TF.js equivalent layer: the scaler is folded into the
 * first layer (W′ = W / scale per input row, b′ = b − Σ mean·W / scale, in float64, rounded to
 * float32), so TF.js takes raw features too. Equal in exact arithmetic; in float32 the
 * predictions then agree to about 1e-6 rather than to the last bit of the scaled inputs.
 */
export function toTfjsLayers(model: Sequential): TfjsArtifacts {
  if (!(model instanceof Sequential)) throw new GradwasmError('model', `model must be a Sequential, got ${describe(model)}`);
  const parameters = model.getWeights();
  const scaler = model.scaler;
  if (scaler) {
    const { mean, scale } = scaler;
    const first = parameters[0]!;
    const units = first.bias.length;
    const bias = Float64Array.from(first.bias);
    for (let i = 0; i < model.inputs; i++) {
      for (let j = 0; j < units; j++) {
        const w = first.weights[i * units + j]! / scale[i]!;
        first.weights[i * units + j] = w;
        bias[j]! -= mean[i]! * w;
      }
    }
    first.bias.set(bias);
  }
  const specs: TfjsWeightSpec[] = [];
  const layers = model.layers.map(({ units, activation }, l) => {
    const name = `dense_${l + 1}`;
    specs.push({ name: `${name}/kernel`, shape: [l === 0 ? model.inputs : model.layers[l - 1]!.units, units], dtype: 'float32' });
    specs.push({ name: `${name}/bias`, shape: [units], dtype: 'float32' });
    return {
      class_name: 'Dense' as const,
      config: {
        units,
        activation,
        use_bias: true,
        kernel_initializer: { class_name: 'VarianceScaling', config: { scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: null } },
        bias_initializer: { class_name: 'Zeros', config: {} },
        kernel_regularizer: null,
        bias_regularizer: null,
        activity_regularizer: null,
        kernel_constraint: null,
        bias_constraint: null,
        name,
        trainable: true,
        ...(l === 0 ? { batch_input_shape: [null, model.inputs] } : {}),
        dtype: 'float32',
      },
    };
  });
  const count = parameters.reduce((n, p) => n + p.weights.length + p.bias.length, 0);
  const values = new Float32Array(count);
  let at = 0;
  for (const p of parameters) {
    values.set(p.weights, at);
    values.set(p.bias, at + p.weights.length);
    at += p.weights.length + p.bias.length;
  }
  const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const weightsBin = values.buffer;
  if (!little) {
    const view = new DataView(weightsBin);
    for (let i = 0; i < count; i++) view.setFloat32(4 * i, values[i]!, true);
  }
  return {
    modelJson: {
      modelTopology: {
        class_name: 'Sequential',
        config: { name: 'sequential', layers },
        keras_version: 'tfjs-layers 4.22.0', // the schema this follows
        backend: 'tensor_flow.js',
      },
      format: 'layers-model',
      generatedBy: 'gradwasm',
      convertedBy: null,
      weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
    },
    weightsBin,
  };
}

/**
 * Import a TensorFlow.js Layers model: `model.json` (the object or its text; also the
 * `ModelArtifacts` a tf.io save handler receives, with `weightSpecs`) and its weights — the
 * bytes of `weights.bin` (every shard in manifest order, as one buffer or a list).
 *
 * Only Sequential models of Dense layers are read (an `InputLayer` first is fine), with
 * activations linear, relu, tanh or sigmoid, ending in Dense(1, sigmoid); float32 weights
 * only. Anything else throws a {@link GradwasmError} saying what it found.
 */
export async function fromTfjsLayers(modelJson: unknown, weightsBin: ArrayBuffer | ArrayBufferView | readonly ArrayBuffer[], options: FromTfjsOptions = {}): Promise<Sequential> {
  const { inputs, layers, parameters } = readTfjs(modelJson, weightsBin);
  return Sequential.fromJSON(modelToJSON({ inputs, layers }, parameters), options);
}

function readTfjs(json: unknown, bin: unknown): { inputs: number; layers: { units: number; activation: Activation }[]; parameters: { weights: Float32Array; bias: Float32Array }[] } {
  const model = parseTfjs(json);
  const bytes = bytesOf(bin);
  if (bytes.byteLength !== model.weightBytes) {
    throw new GradwasmError('weightsBin', `weightsBin has ${bytes.byteLength} bytes, but the weights manifest describes ${model.weightBytes} (${model.weightBytes / 4} float32 values)`);
  }
  return weightsOf(model, bytes);
}

/**
 * The bytes of weights a TF.js model.json describes (its topology and manifest checked as
 * fromTfjsLayers checks them): what a reader of its weight files may read, and no more.
 */
export function tfjsWeightBytes(modelJson: unknown): number {
  return parseTfjs(modelJson).weightBytes;
}

/** A model.json checked: its Dense layers, its input size if it gives one, every weight's place in the bytes. */
interface ParsedTfjs {
  dense: { name: string; units: number; activation: Activation; bias: boolean }[];
  inputs: number | null;
  found: Map<string, { shape: number[]; offset: number }>;
  weightBytes: number;
}

function parseTfjs(json: unknown): ParsedTfjs {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw new GradwasmError('modelJson', `modelJson is not valid JSON text: ${(error as Error).message}`);
    }
  }
  const file = checkObject('modelJson', value);
  if (file.format !== undefined && file.format !== 'layers-model') {
    throw new GradwasmError('modelJson.format', `modelJson.format is ${describe(file.format)}; only TF.js Layers models ("layers-model") are read, not graph models`);
  }
  let topology = checkObject('modelJson.modelTopology', file.modelTopology);
  let where = 'modelJson.modelTopology';
  if (topology.model_config !== undefined) {
    topology = checkObject(`${where}.model_config`, topology.model_config); // as the Keras converter writes it
    where += '.model_config';
  }
  if (topology.class_name !== 'Sequential') {
    throw new GradwasmError(`${where}.class_name`, `${where}.class_name is ${describe(topology.class_name)}; only Sequential models of Dense layers are read`);
  }
  const config = topology.config;
  const list: unknown = Array.isArray(config) ? config : checkObject(`${where}.config`, config).layers;
  where += Array.isArray(config) ? '.config' : '.config.layers';
  if (!Array.isArray(list) || list.length === 0) throw new GradwasmError(where, `${where} must be a non-empty array of layers, got ${describe(list)}`);

  // The layers: an optional InputLayer, then Dense layers only.
  let inputs: number | null = null;
  const dense: { name: string; units: number; activation: Activation; bias: boolean }[] = [];
  list.forEach((raw: unknown, l: number) => {
    const at = `${where}[${l}]`;
    const layer = checkObject(at, raw);
    const c = checkObject(`${at}.config`, layer.config);
    const shape = c.batch_input_shape ?? c.batch_shape;
    if (shape !== undefined && dense.length === 0) inputs = inputShape(`${at}.config.batch_input_shape`, shape);
    if (layer.class_name === 'InputLayer' && l === 0) return;
    if (layer.class_name !== 'Dense') {
      throw new GradwasmError(`${at}.class_name`, `${at} is a ${describe(layer.class_name)} layer; only Dense layers are read (a Sequential of Dense layers ending in Dense(1, sigmoid))`);
    }
    if (typeof c.name !== 'string') throw new GradwasmError(`${at}.config.name`, `${at}.config.name must be a string, got ${describe(c.name)}`);
    if (c.dtype !== undefined && typeof c.dtype === 'string' && c.dtype !== 'float32') {
      throw new GradwasmError(`${at}.config.dtype`, `${at}.config.dtype is ${describe(c.dtype)}; only float32 layers are read`);
    }
    const activation = c.activation ?? 'linear';
    if (!ACTIVATIONS.has(activation)) {
      throw new GradwasmError(`${at}.config.activation`, `${at}.config.activation is ${describe(activation)}; gradwasm has linear, relu, tanh and sigmoid`);
    }
    const useBias = c.use_bias ?? true;
    if (typeof useBias !== 'boolean') throw new GradwasmError(`${at}.config.use_bias`, `${at}.config.use_bias must be true or false, got ${describe(useBias)}`);
    dense.push({ name: c.name, units: checkInteger(`${at}.config.units`, c.units, 1, MAX_UNITS), activation: checkActivation(`${at}.config.activation`, activation), bias: useBias });
  });
  if (dense.length === 0) throw new GradwasmError(where, `${where} has no Dense layer`);
  const last = dense[dense.length - 1]!;
  if (last.units !== 1 || last.activation !== 'sigmoid') {
    throw new GradwasmError(where, `the last layer of ${where} must be Dense(1, sigmoid) (P(Y=1) of a binary classifier), got Dense(${last.units}, ${last.activation})`);
  }

  // The manifest: every weight's name, shape and place in the bytes.
  const specs = manifest(file);
  let offset = 0;
  const found = new Map<string, { shape: number[]; offset: number }>();
  specs.forEach(({ spec, at }) => {
    const s = checkObject(at, spec);
    if (typeof s.name !== 'string') throw new GradwasmError(`${at}.name`, `${at}.name must be a string, got ${describe(s.name)}`);
    if (s.dtype !== 'float32') throw new GradwasmError(`${at}.dtype`, `${at} (${s.name}) has dtype ${describe(s.dtype)}; only float32 weights are read`);
    if (s.quantization !== undefined) throw new GradwasmError(`${at}.quantization`, `${at} (${s.name}) is quantized; only float32 weights are read`);
    if (!Array.isArray(s.shape) || s.shape.length > 4) throw new GradwasmError(`${at}.shape`, `${at}.shape must be an array of sizes, got ${describe(s.shape)}`);
    const shape = s.shape.map((d: unknown, i) => checkInteger(`${at}.shape[${i}]`, d, 0, MAX_UNITS * MAX_UNITS));
    const size = shape.reduce((a, b) => a * b, 1);
    if (!(s.group === 'optimizer')) found.set(s.name, { shape, offset });
    offset += 4 * size;
    if (offset > 2 ** 32) throw new GradwasmError(`${at}.shape`, `${at} (${s.name}) ends past 4 GiB of weights`);
  });
  return { dense, inputs, found, weightBytes: offset };
}

/** The parameters of a parsed model from its weight bytes (as many as it describes). */
function weightsOf(model: ParsedTfjs, bytes: Uint8Array): { inputs: number; layers: { units: number; activation: Activation }[]; parameters: { weights: Float32Array; bias: Float32Array }[] } {
  const { dense, found } = model;
  let inputs = model.inputs;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // A weight by its name, or by a name ending in "/" + it (a Keras scope before the layer name).
  const key = (name: string): string | undefined => (found.has(name) ? name : [...found.keys()].find((n) => n.endsWith(`/${name}`)));
  const take = (name: string, shape: number[], layer: string): Float32Array => {
    const k = key(name);
    if (k === undefined) throw new GradwasmError('modelJson.weightsManifest', `modelJson.weightsManifest has no weight ${JSON.stringify(name)} for layer ${layer}`);
    const entry = found.get(k)!;
    found.delete(k);
    if (entry.shape.length !== shape.length || entry.shape.some((d, i) => d !== shape[i])) {
      throw new GradwasmError('modelJson.weightsManifest', `weight ${JSON.stringify(name)} has shape [${entry.shape.join(', ')}], but layer ${layer} needs [${shape.join(', ')}]`);
    }
    const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < out.length; i++) {
      const v = view.getFloat32(entry.offset + 4 * i, true);
      if (!Number.isFinite(v)) throw new GradwasmError('weightsBin', `weight ${JSON.stringify(name)}[${i}] is ${v}; weights must be finite`);
      out[i] = v;
    }
    return out;
  };

  // Each Dense layer's kernel [fanIn × units] and bias [units], by name.
  const firstKernel = found.get(key(`${dense[0]!.name}/kernel`) ?? '');
  inputs ??= firstKernel?.shape.length === 2 ? checkInteger('modelJson.weightsManifest', firstKernel.shape[0], 1, MAX_UNITS) : null;
  if (inputs === null) throw new GradwasmError('modelJson', 'modelJson gives no input size (batch_input_shape) and has no 2-D kernel for its first layer');
  let fanIn: number = inputs;
  const parameters = dense.map(({ name, units, bias }) => {
    const p = {
      weights: take(`${name}/kernel`, [fanIn, units], name),
      bias: bias ? take(`${name}/bias`, [units], name) : new Float32Array(units),
    };
    fanIn = units;
    return p;
  });
  if (found.size > 0) {
    throw new GradwasmError('modelJson.weightsManifest', `modelJson.weightsManifest has weights no Dense layer uses: ${[...found.keys()].map((n) => JSON.stringify(n)).join(', ')}`);
  }
  return { inputs, layers: dense.map(({ units, activation }) => ({ units, activation })), parameters };
}

function inputShape(at: string, shape: unknown): number {
  if (!Array.isArray(shape) || shape.length !== 2 || (shape[0] !== null && !Number.isInteger(shape[0]))) {
    throw new GradwasmError(at, `${at} must be [null, features] (one flat row per sample), got ${Array.isArray(shape) ? JSON.stringify(shape) : describe(shape)}`);
  }
  return checkInteger(`${at}[1]`, shape[1], 1, MAX_UNITS);
}

/** Every weight spec, in byte order: `weightsManifest` groups (model.json) or `weightSpecs` (tf.io ModelArtifacts). */
function manifest(file: Record<string, unknown>): { spec: unknown; at: string }[] {
  if (file.weightsManifest === undefined && Array.isArray(file.weightSpecs)) {
    return file.weightSpecs.map((spec, i) => ({ spec, at: `modelJson.weightSpecs[${i}]` }));
  }
  if (!Array.isArray(file.weightsManifest)) {
    throw new GradwasmError('modelJson.weightsManifest', `modelJson.weightsManifest must be an array of { paths, weights } groups, got ${describe(file.weightsManifest)}`);
  }
  return file.weightsManifest.flatMap((raw: unknown, g: number) => {
    const group = checkObject(`modelJson.weightsManifest[${g}]`, raw);
    if (!Array.isArray(group.weights)) {
      throw new GradwasmError(`modelJson.weightsManifest[${g}].weights`, `modelJson.weightsManifest[${g}].weights must be an array, got ${describe(group.weights)}`);
    }
    return group.weights.map((spec, i) => ({ spec, at: `modelJson.weightsManifest[${g}].weights[${i}]` }));
  });
}

/** The weights as bytes: an ArrayBuffer, a view of one (a Node Buffer), or shards to concatenate. */
function bytesOf(bin: unknown): Uint8Array {
  if (bin instanceof ArrayBuffer) return new Uint8Array(bin);
  if (ArrayBuffer.isView(bin)) return new Uint8Array(bin.buffer, bin.byteOffset, bin.byteLength);
  if (Array.isArray(bin) && bin.every((b) => b instanceof ArrayBuffer)) {
    const out = new Uint8Array(bin.reduce((n: number, b: ArrayBuffer) => n + b.byteLength, 0));
    let at = 0;
    for (const b of bin as ArrayBuffer[]) {
      out.set(new Uint8Array(b), at);
      at += b.byteLength;
    }
    return out;
  }
  throw new GradwasmError('weightsBin', `weightsBin must be an ArrayBuffer, a typed array or Buffer, or an array of ArrayBuffers; got ${describe(bin)}`);
}
