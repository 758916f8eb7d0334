// The model file: plain JSON, every float32 written as the shortest decimal that reads back
// to the same float32. Reading one checks every field before anything is built.
import type { Architecture, LayerParameters } from './backend/backend.js';
import { GradwasmError, checkInteger, checkObject, describe } from './errors.js';
import { checkActivation, MAX_UNITS, type Activation } from './layers.js';
import { scalerFromJSON, type ScalerJSON, type StandardScaler } from './scaler.js';

export const MODEL_FORMAT = 'gradwasm-model';
/** Version 2 added the optional `scaler`; version 1 files (no scaler) are still read. */
export const MODEL_VERSION = 2;

/** One dense layer in a model file. */
export interface LayerJSON {
  units: number;
  activation: Activation;
  /** inputs × units, row-major. */
  weights: number[];
  bias: number[];
}

/** A saved model: what `toJSON()` returns and `Sequential.fromJSON()` reads. */
export interface ModelJSON {
  format: typeof MODEL_FORMAT;
  /** `toJSON()` writes 2; version 1 (the same without `scaler`) is still read. */
  version: 1 | 2;
  inputs: number;
  /** The feature scaler the model applies to every row it is given, if it has one (version 2). */
  scaler?: ScalerJSON;
  layers: LayerJSON[];
}

export function modelToJSON(architecture: Architecture, parameters: readonly LayerParameters[], scaler: StandardScaler | null = null): ModelJSON {
  return {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    inputs: architecture.inputs,
    ...(scaler ? { scaler: scaler.toJSON() } : {}),
    layers: architecture.layers.map(({ units, activation }, l) => ({
      units,
      activation,
      weights: Array.from(parameters[l]!.weights),
      bias: Array.from(parameters[l]!.bias),
    })),
  };
}

/** Parse (if text) and check a model file (the argument `name`); returns its architecture, parameters and scaler. */
export function modelFromJSON(json: unknown, name = 'json'): { architecture: Architecture; parameters: LayerParameters[]; scaler: StandardScaler | null } {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw new GradwasmError(name, `${name} is not valid JSON text: ${(error as Error).message}`);
    }
  }
  const file = checkObject(name, value);
  if (file.format !== MODEL_FORMAT) {
    throw new GradwasmError(`${name}.format`, `${name}.format must be ${JSON.stringify(MODEL_FORMAT)}, got ${describe(file.format)}`);
  }
  if (file.version !== 1 && file.version !== MODEL_VERSION) {
    throw new GradwasmError(`${name}.version`, `${name}.version ${describe(file.version)} is not supported (this gradwasm reads versions 1 and ${MODEL_VERSION})`);
  }
  const inputs = checkInteger(`${name}.inputs`, file.inputs, 1, MAX_UNITS);
  let scaler: StandardScaler | null = null;
  if (file.scaler !== undefined) {
    if (file.version === 1) throw new GradwasmError(`${name}.scaler`, `${name}.scaler needs version 2; ${name}.version is 1`);
    scaler = scalerFromJSON(file.scaler, `${name}.scaler`);
    if (scaler.cols !== inputs) {
      throw new GradwasmError(`${name}.scaler`, `${name}.scaler has ${scaler.cols} columns, but ${name}.inputs is ${inputs}`);
    }
  }
  if (!Array.isArray(file.layers) || file.layers.length === 0) {
    throw new GradwasmError(`${name}.layers`, `${name}.layers must be a non-empty array, got ${describe(file.layers)}`);
  }
  const layers: { units: number; activation: Activation }[] = [];
  const parameters: LayerParameters[] = [];
  let fanIn = inputs;
  file.layers.forEach((raw: unknown, l: number) => {
    const where = `${name}.layers[${l}]`;
    const layer = checkObject(where, raw);
    const units = checkInteger(`${where}.units`, layer.units, 1, MAX_UNITS);
    const activation = checkActivation(`${where}.activation`, layer.activation);
    parameters.push({
      weights: floatArray(`${where}.weights`, layer.weights, fanIn * units, `${fanIn} inputs × ${units} units`),
      bias: floatArray(`${where}.bias`, layer.bias, units, `${units} units`),
    });
    layers.push({ units, activation });
    fanIn = units;
  });
  checkOutputLayer(`${name}.layers`, layers);
  return { architecture: { inputs, layers }, parameters, scaler };
}

/** The last layer must be the article's output neuron: one sigmoid unit giving P(Y=1). */
export function checkOutputLayer(argument: string, layers: readonly { units: number; activation: Activation }[]): void {
  const last = layers[layers.length - 1]!;
  if (last.units !== 1 || last.activation !== 'sigmoid') {
    throw new GradwasmError(argument, `the last layer of ${argument} must be dense(1, 'sigmoid'), got dense(${last.units}, '${last.activation}')`);
  }
}

/** A float32 copy of `length` finite numbers. */
export function floatArray(argument: string, value: unknown, length: number, shape: string): Float32Array {
  if (!Array.isArray(value) && !(value instanceof Float32Array) && !(value instanceof Float64Array)) {
    throw new GradwasmError(argument, `${argument} must be an array of ${length} numbers (${shape}), got ${describe(value)}`);
  }
  if (value.length !== length) {
    throw new GradwasmError(argument, `${argument} has ${value.length} values, expected ${length} (${shape})`);
  }
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    const v: unknown = value[i];
    if (typeof v !== 'number' || !Number.isFinite(Math.fround(v))) {
      throw new GradwasmError(argument, `${argument}[${i}] is ${describe(v)}; weights must be finite float32 numbers`);
    }
    out[i] = v;
  }
  return out;
}
