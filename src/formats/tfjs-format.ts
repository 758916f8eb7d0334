// The TensorFlow.js Layers format: model.json (a Keras-style topology, a weights manifest and
// userDefinedMetadata) and weights.bin (the float32 values, little-endian, in manifest order).
// Dense-only Sequential models go both ways; the kernel layout, [inputs × units] row-major, is
// the same. A model's feature scaler is a BatchNormalization layer in front (see scalerLayer).
import { DataError, GradwasmError, OptionError } from '../core/errors.js';
import { checkInteger, checkObject, describe } from '../core/checks.js';
import { checkColumnNames, type ColumnNames } from '../data/column-names.js';
import { ACTIVATIONS, checkActivation, type Activation } from '../network/layers.js';
import { findHead, type Head } from '../heads/index.js';
import { MAX_UNITS } from '../core/limits.js';
import { clampExponent, FLOAT32_MAX, FLOAT32_MIN_NORMAL } from './onnx.js';
import { scalerFromJSON, SCALER_FORMAT, type ScalerJSON, type StandardScaler } from '../data/scaler.js';
import { Sequential } from '../model/sequential.js';
import type { BackendName } from '../backend/backend.js';
import { modelToJSON } from '../network/model-json.js';
import { gradwasmVersion } from '../core/version.js';

/** One weight in a TF.js weights manifest. */
export interface TfjsWeightSpec {
  /** `<layer name>/kernel` or `<layer name>/bias`; `scaler/gamma`, `scaler/beta`, `scaler/moving_mean`, `scaler/moving_variance`. */
  name: string;
  /** `[inputs, units]` for a kernel, `[units]` for a bias, `[inputs]` for the scaler's. */
  shape: number[];
  dtype: 'float32';
}

/** What gradwasm keeps in model.json's `userDefinedMetadata.gradwasm` (TF.js's `model.getUserDefinedMetadata()`). */
export interface TfjsGradwasmMetadata {
  /** The gradwasm version that wrote the files. */
  version: string;
  /** The feature columns' names, in input order, when the model knows them. */
  features?: string[];
  /** The label column's name, when the model knows it. */
  label?: string;
  /** The classes' names or codes, in class-index order, when the model knows them. */
  classes?: (string | number)[];
  /** The feature scaler exactly (float64), which the BatchNormalization layer holds in float32. */
  scaler?: ScalerJSON;
}

/** A TF.js Layers `model.json`, as `tf.io` writes it for a Sequential of Dense layers (after a BatchNormalization, for a scaler). */
export interface TfjsModelJSON {
  /** The Keras-style architecture: a Sequential whose layers are Dense configs. */
  modelTopology: {
    class_name: 'Sequential';
    config: { name: string; layers: { class_name: 'Dense' | 'BatchNormalization'; config: Record<string, unknown> }[] };
    keras_version: string;
    backend: string;
  };
  format: 'layers-model';
  generatedBy: string;
  convertedBy: null;
  /** Where the weights are (`weights.bin`, beside model.json) and, in byte order, what they are. */
  weightsManifest: { paths: string[]; weights: TfjsWeightSpec[] }[];
  /** TF.js keeps it with the model (`getUserDefinedMetadata()`); {@link fromTfjsLayers} reads ours back. */
  userDefinedMetadata: { gradwasm: TfjsGradwasmMetadata };
}

/** The two files of a TF.js Layers model: `model.json` (as an object) and the bytes of `weights.bin`. */
export interface TfjsArtifacts {
  /** The content of `model.json` (write it with `JSON.stringify`). */
  modelJson: TfjsModelJSON;
  /** The content of `weights.bin`: every weight as little-endian float32, in manifest order. */
  weightsBin: ArrayBuffer;
}

/** Options of {@link fromTfjsLayers}: as for `Sequential.fromJSON`. */
export interface FromTfjsOptions {
  /** Default `'wasm'`. */
  backend?: BackendName;
  /** Seeds shuffling if the model is trained further. */
  seed?: number;
}

const SCALER_LAYER = 'scaler';
/** The last layer each head reads from a TF.js file, in Keras's words. */
const KERAS_OUTPUT_LAYERS: Readonly<Record<Head['name'], string>> = {
  binary: 'Dense(1, sigmoid) (P(Y=1) of a binary classifier)',
  softmax: 'Dense(k, softmax) with k ≥ 2 (P(Y=j) of a classifier of k classes)',
  regression: 'Dense(k, linear) (the k values of a regressor)',
};
const METADATA = 'modelJson.userDefinedMetadata.gradwasm';

/** A BatchNormalization layer's weights: out = (x − movingMean) · gamma / sqrt(movingVariance + epsilon) + beta. */
interface BatchNormalizationWeights {
  gamma: Float32Array;
  beta: Float32Array;
  movingMean: Float32Array;
  movingVariance: Float32Array;
}

/**
 * The scaler as a BatchNormalization layer (epsilon 0), the way TF.js computes one: TF.js has no
 * scaler layer, and folding it into the first Dense layer (W / scale, b − Σ mean·W / scale)
 * subtracts two large float32 numbers — 4.8e-4 off in P(Y=1) on a column of pascals, mean
 * 101325.93, std 8.5 (test/export-exact.test.ts). Here moving_mean is the mean rounded to float32
 * and beta = −(mean − moving_mean) / scale its remainder, moving_variance = scale² (so the layer
 * is the scaler's statistics, as a Keras reader expects), gamma 1. TF.js's cpu backend computes
 * the layer in float64 and rounds once, as the core does: z is then within an ulp of the core's
 * (float32 backends, as wasm, round each step: P(Y=1) stayed within 6e-7). A scale whose square is not a normal
 * float32 is written as scale · 2^k with gamma = 2^k (2^k within float32), which reaches scales
 * down to 2^-190; below that the layer holds 2^-190, which changes z only for inputs within
 * 2^-62 of the mean and not at it.
 */
function scalerLayer(scaler: StandardScaler): BatchNormalizationWeights {
  const { mean, scale } = scaler;
  const n = mean.length;
  const movingMean = Float32Array.from(mean),
    gamma = new Float32Array(n).fill(1),
    beta = new Float32Array(n),
    movingVariance = new Float32Array(n);
  const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
  for (let c = 0; c < n; c++) {
    const s = scale[c]!;
    const square = Math.fround(s * s);
    if (square >= FLOAT32_MIN_NORMAL && square <= FLOAT32_MAX) movingVariance[c] = square;
    else {
      gamma[c] = 2 ** clampExponent(-Math.round(Math.log2(s)));
      movingVariance[c] = clamp(Math.fround((s * gamma[c]!) ** 2), FLOAT32_MIN_NORMAL, FLOAT32_MAX);
    }
    // mean − movingMean is exact in float64; beta beyond float32 means no input has a finite z
    beta[c] = clamp(-(mean[c]! - movingMean[c]!) / s, -FLOAT32_MAX, FLOAT32_MAX);
  }
  return { gamma, beta, movingMean, movingVariance };
}

/** The BatchNormalization layer's config, key for key as tfjs-layers 4.22 writes it; not trainable (docs/guide.md says what that means for training it further in TF.js). */
function scalerConfig(inputs: number): Record<string, unknown> {
  return {
    axis: -1,
    momentum: 0.99,
    epsilon: 0,
    center: true,
    scale: true,
    beta_initializer: { class_name: 'Zeros', config: {} },
    gamma_initializer: { class_name: 'Ones', config: {} },
    moving_mean_initializer: { class_name: 'Zeros', config: {} },
    moving_variance_initializer: { class_name: 'Ones', config: {} },
    beta_regularizer: null,
    gamma_regularizer: null,
    beta_constraint: null,
    gamma_constraint: null,
    name: SCALER_LAYER,
    trainable: false,
    batch_input_shape: [null, inputs],
    dtype: 'float32',
  };
}

/** A Dense layer's config, key for key as tfjs-layers 4.22 writes it. */
function denseConfig(name: string, units: number, activation: Activation, inputs: number | null): Record<string, unknown> {
  return {
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
    ...(inputs !== null ? { batch_input_shape: [null, inputs] } : {}),
    dtype: 'float32',
  };
}

/** The weights as weights.bin holds them: float32, little-endian, end to end. */
function weightBytes(arrays: readonly Float32Array[]): ArrayBuffer {
  const values = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    values.set(a, at);
    at += a.length;
  }
  const view = new DataView(values.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i]!, true); // a no-op on little-endian machines
  return values.buffer;
}

/**
 * Export a model to the TensorFlow.js Layers format: what `model.save()` of tfjs-layers
 * writes for a Sequential of Dense layers, loadable with `tf.loadLayersModel` (save
 * `modelJson` as `model.json` beside `weightsBin` as `weights.bin`, or pass both to
 * `tf.io.fromMemory`). Layers are named `dense_1`, `dense_2`, …
 *
 * A model with a feature scaler gets a BatchNormalization layer named `scaler` in front, so TF.js
 * takes raw features; on TF.js's cpu backend it predicts what `predictProba` does within 1e-6
 * (see scalerLayer). model.json's `userDefinedMetadata.gradwasm` holds the gradwasm version, the
 * column names the model knows and the scaler exactly; {@link fromTfjsLayers} reads them back.
 */
export function toTfjsLayers(model: Sequential): TfjsArtifacts {
  if (!(model instanceof Sequential)) throw new OptionError('model', `model must be a Sequential, got ${describe(model)}`);
  const scaler = model.scaler;
  const layers: TfjsModelJSON['modelTopology']['config']['layers'] = [];
  const specs: TfjsWeightSpec[] = [];
  const arrays: Float32Array[] = [];
  const add = (name: string, values: Float32Array, shape: number[]): void => {
    specs.push({ name, shape, dtype: 'float32' });
    arrays.push(values);
  };
  if (scaler) {
    const w = scalerLayer(scaler);
    layers.push({ class_name: 'BatchNormalization', config: scalerConfig(model.inputs) });
    for (const [key, values] of [
      ['gamma', w.gamma],
      ['beta', w.beta],
      ['moving_mean', w.movingMean],
      ['moving_variance', w.movingVariance],
    ] as const)
      add(`${SCALER_LAYER}/${key}`, values, [model.inputs]);
  }
  const parameters = model.getWeights();
  // a regression's target scaler, folded into its last (linear) layer: value·s + m = x·(W·s) + (b·s + m)
  const target = model.targetScaler;
  if (target) {
    const last = parameters[parameters.length - 1]!,
      s = target.scale,
      m = target.mean,
      k = s.length;
    last.weights = Float32Array.from(last.weights, (w, i) => w * s[i % k]!);
    last.bias = Float32Array.from(last.bias, (b, j) => b * s[j]! + m[j]!);
  }
  model.layers.forEach(({ units, activation }, l) => {
    const name = `dense_${l + 1}`;
    const fanIn = l === 0 ? model.inputs : model.layers[l - 1]!.units;
    layers.push({ class_name: 'Dense', config: denseConfig(name, units, activation, l === 0 && !scaler ? model.inputs : null) });
    add(`${name}/kernel`, parameters[l]!.weights, [fanIn, units]);
    add(`${name}/bias`, parameters[l]!.bias, [units]);
  });
  const version = gradwasmVersion();
  const metadata: TfjsGradwasmMetadata = {
    version,
    ...(model.featureNames ? { features: [...model.featureNames] } : {}),
    ...(model.labelName !== null ? { label: model.labelName } : {}),
    ...(model.classNames ? { classes: [...model.classNames] } : {}),
    ...(scaler ? { scaler: scaler.toJSON() } : {}),
  };
  return {
    modelJson: {
      modelTopology: {
        class_name: 'Sequential',
        config: { name: 'sequential', layers },
        keras_version: 'tfjs-layers 4.22.0', // the schema this follows
        backend: 'tensor_flow.js',
      },
      format: 'layers-model',
      generatedBy: `gradwasm ${version}`,
      convertedBy: null,
      weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
      userDefinedMetadata: { gradwasm: metadata },
    },
    weightsBin: weightBytes(arrays),
  };
}

/**
 * Import a TensorFlow.js Layers model: `model.json` (the object or its text; also the
 * `ModelArtifacts` a tf.io save handler receives, with `weightSpecs`) and its weights — the
 * bytes of `weights.bin` (every shard in manifest order, as one buffer or a list).
 *
 * Only Sequential models of Dense layers are read (an `InputLayer` first is fine, and a
 * BatchNormalization first becomes the model's feature scaler), with activations linear, relu,
 * tanh or sigmoid, ending in Dense(1, sigmoid); float32 weights only. The column names and the
 * exact scaler of `userDefinedMetadata.gradwasm` (as {@link toTfjsLayers} writes it) are read
 * back. Anything else throws a {@link GradwasmError} saying what it found.
 */
export async function fromTfjsLayers(
  modelJson: unknown,
  weightsBin: ArrayBuffer | ArrayBufferView | readonly ArrayBuffer[],
  options: FromTfjsOptions = {},
): Promise<Sequential> {
  const { inputs, layers, parameters, scaler, names } = readTfjs(modelJson, weightsBin);
  return Sequential.fromJSON(modelToJSON({ inputs, layers }, parameters, scaler, names), options);
}

/** What fromTfjsLayers builds a model from. */
interface TfjsContents {
  inputs: number;
  layers: { units: number; activation: Activation }[];
  parameters: { weights: Float32Array; bias: Float32Array }[];
  scaler: StandardScaler | null;
  names: ColumnNames;
}

function readTfjs(json: unknown, bin: unknown): TfjsContents {
  const model = parseTfjs(json);
  const bytes = bytesOf(bin);
  if (bytes.byteLength !== model.weightBytes) {
    throw new DataError(
      'weightsBin',
      `weightsBin has ${bytes.byteLength} bytes, but the weights manifest describes ${model.weightBytes} (${model.weightBytes / 4} float32 values)`,
    );
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

/** A BatchNormalization layer in front of the Dense layers: the model's feature scaler. */
interface ScalerLayer {
  name: string;
  epsilon: number;
  /** Whether it has beta, and gamma (Keras's `center` and `scale`). */
  center: boolean;
  scale: boolean;
}

/** A model.json checked: its scaler and Dense layers, its input size if it gives one, every weight's place in the bytes, our metadata. */
interface ParsedTfjs {
  scaler: ScalerLayer | null;
  dense: { name: string; units: number; activation: Activation; bias: boolean }[];
  inputs: number | null;
  found: Map<string, { shape: number[]; offset: number }>;
  weightBytes: number;
  metadata: Record<string, unknown> | null;
}

function parseTfjs(json: unknown): ParsedTfjs {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw new DataError('modelJson', `modelJson is not valid JSON text: ${(error as Error).message}`);
    }
  }
  const file = checkObject('modelJson', value);
  if (file.format !== undefined && file.format !== 'layers-model') {
    throw new DataError(
      'modelJson.format',
      `modelJson.format is ${describe(file.format)}; only TF.js Layers models ("layers-model") are read, not graph models`,
    );
  }
  let topology = checkObject('modelJson.modelTopology', file.modelTopology);
  let where = 'modelJson.modelTopology';
  if (topology.model_config !== undefined) {
    topology = checkObject(`${where}.model_config`, topology.model_config); // as the Keras converter writes it
    where += '.model_config';
  }
  if (topology.class_name !== 'Sequential') {
    throw new DataError(`${where}.class_name`, `${where}.class_name is ${describe(topology.class_name)}; only Sequential models of Dense layers are read`);
  }
  const config = topology.config;
  const list: unknown = Array.isArray(config) ? config : checkObject(`${where}.config`, config).layers;
  where += Array.isArray(config) ? '.config' : '.config.layers';
  if (!Array.isArray(list) || list.length === 0) throw new DataError(where, `${where} must be a non-empty array of layers, got ${describe(list)}`);

  // The layers: an optional InputLayer, an optional BatchNormalization (a scaler), then Dense layers only.
  let inputs: number | null = null;
  let scaler: ScalerLayer | null = null;
  const dense: { name: string; units: number; activation: Activation; bias: boolean }[] = [];
  let hiddenSoftmax: string | null = null; // a softmax before the last Dense layer
  list.forEach((raw: unknown, l: number) => {
    const at = `${where}[${l}]`;
    const layer = checkObject(at, raw);
    const c = checkObject(`${at}.config`, layer.config);
    const shape = c.batch_input_shape ?? c.batch_shape;
    if (shape !== undefined && dense.length === 0) inputs = inputShape(`${at}.config.batch_input_shape`, shape);
    if (layer.class_name === 'InputLayer' && l === 0) return;
    if (layer.class_name === 'BatchNormalization' && dense.length === 0 && scaler === null) {
      scaler = scalerLayerOf(at, c);
      return;
    }
    if (layer.class_name !== 'Dense') {
      throw new DataError(
        `${at}.class_name`,
        `${at} is a ${describe(layer.class_name)} layer; only Dense layers are read (a Sequential of Dense layers ending in Dense(1, sigmoid), after a BatchNormalization as its feature scaler)`,
      );
    }
    const name = float32LayerName(at, c);
    const activation = c.activation ?? 'linear';
    if (!(ACTIVATIONS as readonly unknown[]).includes(activation)) {
      throw new DataError(
        `${at}.config.activation`,
        `${at}.config.activation is ${describe(activation)}; gradwasm has linear, relu, tanh, sigmoid and (for the last layer) softmax`,
      );
    }
    if (hiddenSoftmax === null && dense.length > 0 && dense[dense.length - 1]!.activation === 'softmax') hiddenSoftmax = `${where}[${l - 1}].config.activation`;
    const useBias = c.use_bias ?? true;
    if (typeof useBias !== 'boolean') throw new DataError(`${at}.config.use_bias`, `${at}.config.use_bias must be true or false, got ${describe(useBias)}`);
    dense.push({
      name,
      units: checkInteger(`${at}.config.units`, c.units, 1, MAX_UNITS),
      activation: checkActivation(`${at}.config.activation`, activation),
      bias: useBias,
    });
  });
  if (dense.length === 0) throw new DataError(where, `${where} has no Dense layer`);
  if (hiddenSoftmax !== null)
    throw new DataError(hiddenSoftmax, `${hiddenSoftmax} is "softmax" on a hidden layer; gradwasm has softmax as the last layer's activation only`);
  const last = dense[dense.length - 1]!;
  if (!findHead(last)) {
    const heads = Object.values(KERAS_OUTPUT_LAYERS).join(' or ');
    throw new DataError(where, `the last layer of ${where} must be ${heads}, got Dense(${last.units}, ${last.activation})`);
  }

  // The manifest: every weight's name, shape and place in the bytes.
  const specs = manifest(file);
  let offset = 0;
  const found = new Map<string, { shape: number[]; offset: number }>();
  specs.forEach(({ spec, at }) => {
    const s = checkObject(at, spec);
    if (typeof s.name !== 'string') throw new DataError(`${at}.name`, `${at}.name must be a string, got ${describe(s.name)}`);
    if (s.dtype !== 'float32') throw new DataError(`${at}.dtype`, `${at} (${s.name}) has dtype ${describe(s.dtype)}; only float32 weights are read`);
    if (s.quantization !== undefined) throw new DataError(`${at}.quantization`, `${at} (${s.name}) is quantized; only float32 weights are read`);
    if (!Array.isArray(s.shape) || s.shape.length > 4) throw new DataError(`${at}.shape`, `${at}.shape must be an array of sizes, got ${describe(s.shape)}`);
    const shape = s.shape.map((d: unknown, i) => checkInteger(`${at}.shape[${i}]`, d, 0, MAX_UNITS * MAX_UNITS));
    const size = shape.reduce((a, b) => a * b, 1);
    if (!(s.group === 'optimizer')) found.set(s.name, { shape, offset });
    offset += 4 * size;
    if (offset > 2 ** 32) throw new DataError(`${at}.shape`, `${at} (${s.name}) ends past 4 GiB of weights`);
  });
  return { scaler, dense, inputs, found, weightBytes: offset, metadata: gradwasmMetadata(file) };
}

/** A layer's name, the layer checked to be float32 (or of no stated dtype). */
function float32LayerName(at: string, c: Record<string, unknown>): string {
  if (typeof c.name !== 'string') throw new DataError(`${at}.config.name`, `${at}.config.name must be a string, got ${describe(c.name)}`);
  if (c.dtype !== undefined && typeof c.dtype === 'string' && c.dtype !== 'float32') {
    throw new DataError(`${at}.config.dtype`, `${at}.config.dtype is ${describe(c.dtype)}; only float32 layers are read`);
  }
  return c.name;
}

/** A BatchNormalization layer's config checked: it normalizes each feature (the last axis), epsilon ≥ 0. */
function scalerLayerOf(at: string, c: Record<string, unknown>): ScalerLayer {
  const name = float32LayerName(at, c);
  const axis = Array.isArray(c.axis) && c.axis.length === 1 ? c.axis[0] : (c.axis ?? -1);
  if (axis !== -1 && axis !== 1) {
    throw new DataError(
      `${at}.config.axis`,
      `${at}.config.axis is ${describe(c.axis)}; a BatchNormalization before Dense layers is read as a feature scaler, over the features' axis (-1 or 1)`,
    );
  }
  const epsilon = c.epsilon ?? 1e-3; // Keras's default
  if (typeof epsilon !== 'number' || !(epsilon >= 0 && epsilon < Infinity))
    throw new DataError(`${at}.config.epsilon`, `${at}.config.epsilon must be a finite number ≥ 0, got ${describe(c.epsilon)}`);
  const flag = (key: 'center' | 'scale'): boolean => {
    const v = c[key] ?? true;
    if (typeof v !== 'boolean') throw new DataError(`${at}.config.${key}`, `${at}.config.${key} must be true or false, got ${describe(v)}`);
    return v;
  };
  return { name, epsilon, center: flag('center'), scale: flag('scale') };
}

/** model.json's `userDefinedMetadata.gradwasm` (an object), or null when it has none; other tools' keys are left alone. */
function gradwasmMetadata(file: Record<string, unknown>): Record<string, unknown> | null {
  if (file.userDefinedMetadata === undefined || file.userDefinedMetadata === null) return null;
  const all = checkObject('modelJson.userDefinedMetadata', file.userDefinedMetadata);
  return all.gradwasm === undefined ? null : checkObject(METADATA, all.gradwasm);
}

/** The model a parsed model.json describes, from its weight bytes (as many as it describes). */
function weightsOf(model: ParsedTfjs, bytes: Uint8Array): TfjsContents {
  const { dense, found } = model;
  let inputs = model.inputs;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // A weight by its name, or by a name ending in "/" + it (a Keras scope before the layer name).
  const key = (name: string): string | undefined => (found.has(name) ? name : [...found.keys()].find((n) => n.endsWith(`/${name}`)));
  const take = (name: string, shape: number[], layer: string): Float32Array => {
    const k = key(name);
    if (k === undefined) throw new DataError('modelJson.weightsManifest', `modelJson.weightsManifest has no weight ${JSON.stringify(name)} for layer ${layer}`);
    const entry = found.get(k)!;
    found.delete(k);
    if (entry.shape.length !== shape.length || entry.shape.some((d, i) => d !== shape[i])) {
      throw new DataError(
        'modelJson.weightsManifest',
        `weight ${JSON.stringify(name)} has shape [${entry.shape.join(', ')}], but layer ${layer} needs [${shape.join(', ')}]`,
      );
    }
    const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < out.length; i++) {
      const v = view.getFloat32(entry.offset + 4 * i, true);
      if (!Number.isFinite(v)) throw new DataError('weightsBin', `weight ${JSON.stringify(name)}[${i}] is ${v}; weights must be finite`);
      out[i] = v;
    }
    return out;
  };

  // Each Dense layer's kernel [fanIn × units] and bias [units], by name.
  const firstKernel = found.get(key(`${dense[0]!.name}/kernel`) ?? '');
  inputs ??= firstKernel?.shape.length === 2 ? checkInteger('modelJson.weightsManifest', firstKernel.shape[0], 1, MAX_UNITS) : null;
  if (inputs === null) throw new DataError('modelJson', 'modelJson gives no input size (batch_input_shape) and has no 2-D kernel for its first layer');
  const n = inputs;
  const layer = model.scaler;
  // The scaler layer's gamma, beta, moving_mean and moving_variance [inputs]; gamma 1 and beta 0 where it has none.
  const normalization = layer && {
    gamma: layer.scale ? take(`${layer.name}/gamma`, [n], layer.name) : new Float32Array(n).fill(1),
    beta: layer.center ? take(`${layer.name}/beta`, [n], layer.name) : new Float32Array(n),
    movingMean: take(`${layer.name}/moving_mean`, [n], layer.name),
    movingVariance: take(`${layer.name}/moving_variance`, [n], layer.name),
  };
  let fanIn: number = inputs;
  const parameters = dense.map(({ name, units, bias }) => {
    const p = {
      weights: take(`${name}/kernel`, [fanIn, units], name),
      bias: bias ? take(`${name}/bias`, [units], name) : new Float32Array(units),
    };
    fanIn = units;
    return p;
  });
  if (normalization) negateRows(parameters[0]!.weights, normalization.gamma);
  if (found.size > 0) {
    throw new DataError(
      'modelJson.weightsManifest',
      `modelJson.weightsManifest has weights no Dense layer uses: ${[...found.keys()].map((n) => JSON.stringify(n)).join(', ')}`,
    );
  }
  const last = dense[dense.length - 1]!;
  const names = checkColumnNames(
    model.metadata?.features,
    model.metadata?.label,
    inputs,
    { features: `${METADATA}.features`, label: `${METADATA}.label` },
    { value: model.metadata?.classes, count: findHead(last)!.classes(last.units), argument: `${METADATA}.classes` },
  );
  return {
    inputs,
    layers: dense.map(({ units, activation }) => ({ units, activation })),
    parameters,
    scaler: layer && scalerOf(layer, normalization!, model.metadata?.scaler),
    names,
  };
}

/** A negative gamma flips its feature's sign, which a scaler (scale > 0) cannot: the first kernel's row [inputs × units] takes it, exactly. */
function negateRows(kernel: Float32Array, gamma: Float32Array): void {
  const units = kernel.length / gamma.length;
  gamma.forEach((g, row) => {
    if (g < 0) for (let j = row * units; j < (row + 1) * units; j++) kernel[j] = -kernel[j]!;
  });
}

/**
 * The scaler a BatchNormalization layer computes: with r = sqrt(moving_variance + epsilon),
 * out = ±(x − mean) / scale for scale = r / |gamma| and mean = moving_mean − beta · r / gamma (the
 * sign, gamma's, is negateRows's). The metadata's exact (float64) scaler instead when the layer
 * is, bit for bit, what toTfjsLayers writes for it — so a round trip keeps it exactly, and a
 * layer trained or edited since is read as it now is.
 */
function scalerOf(layer: ScalerLayer, w: BatchNormalizationWeights, saved: unknown): StandardScaler {
  if (saved !== undefined) {
    const exact = scalerFromJSON(saved, `${METADATA}.scaler`);
    if (layer.epsilon === 0 && exact.cols === w.gamma.length && sameWeights(scalerLayer(exact), w)) return exact;
  }
  const n = w.gamma.length;
  const mean = new Array<number>(n),
    scale = new Array<number>(n);
  for (let c = 0; c < n; c++) {
    const signed = Math.sqrt(w.movingVariance[c]! + layer.epsilon) / w.gamma[c]!;
    scale[c] = Math.abs(signed);
    mean[c] = w.movingMean[c]! - w.beta[c]! * signed;
    if (!(scale[c]! > 0 && scale[c]! < Infinity && Number.isFinite(mean[c]!))) {
      throw new DataError(
        'weightsBin',
        `layer ${layer.name} (BatchNormalization) gives feature ${c} a scale of ${scale[c]} (gamma ${w.gamma[c]}, moving_variance ${w.movingVariance[c]}, epsilon ${layer.epsilon}) and a mean of ${mean[c]}; as a feature scaler it needs a finite scale > 0 (gamma ≠ 0) and a finite mean`,
      );
    }
  }
  return scalerFromJSON({ format: SCALER_FORMAT, version: 1, mean, scale }, layer.name);
}

function sameWeights(a: BatchNormalizationWeights, b: BatchNormalizationWeights): boolean {
  const same = (x: Float32Array, y: Float32Array): boolean => x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
  return same(a.gamma, b.gamma) && same(a.beta, b.beta) && same(a.movingMean, b.movingMean) && same(a.movingVariance, b.movingVariance);
}

function inputShape(at: string, shape: unknown): number {
  if (!Array.isArray(shape) || shape.length !== 2 || (shape[0] !== null && !Number.isInteger(shape[0]))) {
    throw new DataError(at, `${at} must be [null, features] (one flat row per sample), got ${Array.isArray(shape) ? JSON.stringify(shape) : describe(shape)}`);
  }
  return checkInteger(`${at}[1]`, shape[1], 1, MAX_UNITS);
}

/** Every weight spec, in byte order: `weightsManifest` groups (model.json) or `weightSpecs` (tf.io ModelArtifacts). */
function manifest(file: Record<string, unknown>): { spec: unknown; at: string }[] {
  if (file.weightsManifest === undefined && Array.isArray(file.weightSpecs)) {
    return file.weightSpecs.map((spec, i) => ({ spec, at: `modelJson.weightSpecs[${i}]` }));
  }
  if (!Array.isArray(file.weightsManifest)) {
    throw new DataError(
      'modelJson.weightsManifest',
      `modelJson.weightsManifest must be an array of { paths, weights } groups, got ${describe(file.weightsManifest)}`,
    );
  }
  return file.weightsManifest.flatMap((raw: unknown, g: number) => {
    const group = checkObject(`modelJson.weightsManifest[${g}]`, raw);
    if (!Array.isArray(group.weights)) {
      throw new DataError(
        `modelJson.weightsManifest[${g}].weights`,
        `modelJson.weightsManifest[${g}].weights must be an array, got ${describe(group.weights)}`,
      );
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
  throw new DataError('weightsBin', `weightsBin must be an ArrayBuffer, a typed array or Buffer, or an array of ArrayBuffers; got ${describe(bin)}`);
}
