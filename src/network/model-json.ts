// The model file: plain JSON, every float32 written as the shortest decimal that reads back
// to the same float32 (src/core/float32-decimal.ts). Reading one checks every field before anything is built.
import type { Architecture, LayerParameters, TrainingState } from './architecture.js';
import { checkOptimizer, type Optimizer } from './optimizers.js';
import { DataError } from '../core/errors.js';
import { checkInteger, checkObject, describe } from '../core/checks.js';
import { checkActivation, type Activation } from './layers.js';
import { MAX_UNITS } from '../core/limits.js';
import { scalerFromJSON, type ScalerJSON, type StandardScaler } from '../data/scaler.js';
import { float32Decimals } from '../core/float32-decimal.js';
import { checkColumnNames, type ColumnNames } from '../data/column-names.js';

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
  /** The feature columns' names, in input order, when they are known (gradwasm 0.2). */
  features?: string[];
  /** The label column's name, when it is known (gradwasm 0.2). */
  label?: string;
  layers: LayerJSON[];
  /** With `toJSON({ training: true })`: what training resumes from (see {@link TrainingJSON}). */
  training?: TrainingJSON;
}

/**
 * The training state of a checkpoint: with it, `fromJSON` and `fit(…, { initialEpoch })` continue
 * as if training had never stopped. Every number survives JSON exactly (float32 values as the
 * shortest decimal, float64 ones as JavaScript writes them; NaN as null).
 */
export interface TrainingJSON {
  /** Epochs done: the `initialEpoch` to continue from. */
  epoch: number;
  /** The optimizer the state belongs to, with every option filled in. */
  optimizer: Optimizer;
  /** The shuffling generator's four u32 words. */
  rng: [number, number, number, number];
  /** Adam's β1ᵗ, β2ᵗ for its next step. */
  powers: [number, number];
  /** The exploding-loss rule's recent loss and reference (null: none yet). */
  recentLoss: number | null;
  lossReference: number | null;
  /** Momentum's velocity, or Adam's m and v: per block, per layer, laid out as the weights. */
  moments: { weights: number[]; bias: number[] }[][];
  /** Early stopping's progress, when the fit that saved it had early stopping: `best` is a value of
   *  `monitor` (absent in files that predate it, which watched 'valLoss'). */
  earlyStopping?: { monitor?: 'loss' | 'valLoss'; best: number | null; bestEpoch: number; wait: number; bestWeights?: { weights: number[]; bias: number[] }[] };
}

/** The training state as the model holds it (TrainingJSON in typed arrays and numbers). */
export interface SavedTraining {
  epoch: number;
  optimizer: Optimizer;
  state: TrainingState;
  /** (src/train/early-stopping.ts's EarlyStopperState) */
  earlyStopping: { monitor: 'loss' | 'valLoss'; best: number; bestEpoch: number; wait: number; bestWeights: LayerParameters[] | null } | null;
}

export function trainingToJSON(t: SavedTraining): TrainingJSON {
  const layers = (ls: readonly LayerParameters[]) => ls.map((l) => ({ weights: float32Decimals(l.weights), bias: float32Decimals(l.bias) }));
  const orNull = (v: number): number | null => (Number.isNaN(v) ? null : v);
  const e = t.earlyStopping;
  return {
    epoch: t.epoch,
    optimizer: t.optimizer,
    rng: [...t.state.rng],
    powers: [...t.state.powers],
    recentLoss: orNull(t.state.recentLoss),
    lossReference: orNull(t.state.lossReference),
    moments: t.state.moments.map(layers),
    ...(e ? { earlyStopping: { monitor: e.monitor, best: Number.isFinite(e.best) ? e.best : null, bestEpoch: e.bestEpoch, wait: e.wait, ...(e.bestWeights ? { bestWeights: layers(e.bestWeights) } : {}) } } : {}),
  };
}

/** Check a file's `training` (argument `name`) against the architecture, and read it. */
export function trainingFromJSON(value: unknown, architecture: Architecture, name: string): SavedTraining {
  const t = checkObject(name, value);
  const epoch = checkInteger(`${name}.epoch`, t.epoch, 0);
  const optimizer = checkOptimizer(t.optimizer, `${name}.optimizer`);
  if (!Array.isArray(t.rng) || t.rng.length !== 4) throw new DataError(`${name}.rng`, `${name}.rng must be four u32 words, got ${describe(t.rng)}`);
  const rng = t.rng.map((w: unknown, i) => checkInteger(`${name}.rng[${i}]`, w, 0, 2 ** 32 - 1)) as [number, number, number, number];
  const powers = floatArray(`${name}.powers`, t.powers, 2, "Adam's two powers");
  const number = (key: 'recentLoss' | 'lossReference'): number => {
    const v = t[key];
    if (v === null) return NaN;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new DataError(`${name}.${key}`, `${name}.${key} must be a finite number or null, got ${describe(v)}`);
    return v;
  };
  const copies = optimizer.type === 'adam' ? 2 : optimizer.type === 'momentum' ? 1 : 0;
  const layersOf = (v: unknown, where: string): LayerParameters[] => {
    if (!Array.isArray(v) || v.length !== architecture.layers.length) {
      throw new DataError(where, `${where} must be an array of ${architecture.layers.length} layers, got ${describe(v)}`);
    }
    let fanIn = architecture.inputs;
    return architecture.layers.map(({ units }, l) => {
      const layer = checkObject(`${where}[${l}]`, v[l]);
      const p = { weights: floatArray(`${where}[${l}].weights`, layer.weights, fanIn * units, `${fanIn} × ${units}`), bias: floatArray(`${where}[${l}].bias`, layer.bias, units, `${units} units`) };
      fanIn = units;
      return p;
    });
  };
  if (!Array.isArray(t.moments) || t.moments.length !== copies) {
    throw new DataError(`${name}.moments`, `${name}.moments must hold ${copies} block${copies === 1 ? '' : 's'} for the ${optimizer.type} optimizer, got ${describe(t.moments)}`);
  }
  const moments = t.moments.map((block: unknown, c) => layersOf(block, `${name}.moments[${c}]`));
  let earlyStopping: SavedTraining['earlyStopping'] = null;
  if (t.earlyStopping !== undefined) {
    const e = checkObject(`${name}.earlyStopping`, t.earlyStopping);
    const best = e.best === null ? Infinity : e.best;
    if (typeof best !== 'number' || Number.isNaN(best)) throw new DataError(`${name}.earlyStopping.best`, `${name}.earlyStopping.best must be a number or null, got ${describe(e.best)}`);
    const monitor = e.monitor ?? 'valLoss';
    if (monitor !== 'loss' && monitor !== 'valLoss') {
      throw new DataError(`${name}.earlyStopping.monitor`, `${name}.earlyStopping.monitor must be 'loss' or 'valLoss', got ${describe(e.monitor)}`);
    }
    earlyStopping = {
      monitor,
      best,
      bestEpoch: checkInteger(`${name}.earlyStopping.bestEpoch`, e.bestEpoch, -1),
      wait: checkInteger(`${name}.earlyStopping.wait`, e.wait, 0),
      bestWeights: e.bestWeights === undefined ? null : layersOf(e.bestWeights, `${name}.earlyStopping.bestWeights`),
    };
  }
  return {
    epoch, optimizer, earlyStopping,
    state: { rng, powers: [powers[0]!, powers[1]!], recentLoss: number('recentLoss'), lossReference: number('lossReference'), moments },
  };
}

export function modelToJSON(architecture: Architecture, parameters: readonly LayerParameters[], scaler: StandardScaler | null = null, names: ColumnNames = { features: null, label: null }): ModelJSON {
  return {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    inputs: architecture.inputs,
    ...(names.features ? { features: [...names.features] } : {}),
    ...(names.label !== null ? { label: names.label } : {}),
    ...(scaler ? { scaler: scaler.toJSON() } : {}),
    layers: architecture.layers.map(({ units, activation }, l) => ({
      units,
      activation,
      weights: float32Decimals(parameters[l]!.weights),
      bias: float32Decimals(parameters[l]!.bias),
    })),
  };
}

/** Parse (if text) and check a model file (the argument `name`); returns its architecture, parameters, scaler and training state. */
export function modelFromJSON(json: unknown, name = 'json'): { architecture: Architecture; parameters: LayerParameters[]; scaler: StandardScaler | null; names: ColumnNames; training: SavedTraining | null } {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw new DataError(name, `${name} is not valid JSON text: ${(error as Error).message}`);
    }
  }
  const file = checkObject(name, value);
  if (file.format !== MODEL_FORMAT) {
    throw new DataError(`${name}.format`, `${name}.format must be ${JSON.stringify(MODEL_FORMAT)}, got ${describe(file.format)}`);
  }
  if (file.version !== 1 && file.version !== MODEL_VERSION) {
    throw new DataError(`${name}.version`, `${name}.version ${describe(file.version)} is not supported (this gradwasm reads versions 1 and ${MODEL_VERSION})`);
  }
  const inputs = checkInteger(`${name}.inputs`, file.inputs, 1, MAX_UNITS);
  const names = checkColumnNames(file.features, file.label, inputs, { features: `${name}.features`, label: `${name}.label` });
  let scaler: StandardScaler | null = null;
  if (file.scaler !== undefined) {
    if (file.version === 1) throw new DataError(`${name}.scaler`, `${name}.scaler needs version 2; ${name}.version is 1`);
    scaler = scalerFromJSON(file.scaler, `${name}.scaler`);
    if (scaler.cols !== inputs) {
      throw new DataError(`${name}.scaler`, `${name}.scaler has ${scaler.cols} columns, but ${name}.inputs is ${inputs}`);
    }
  }
  if (!Array.isArray(file.layers) || file.layers.length === 0) {
    throw new DataError(`${name}.layers`, `${name}.layers must be a non-empty array, got ${describe(file.layers)}`);
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
  const architecture = { inputs, layers };
  const training = file.training === undefined ? null : trainingFromJSON(file.training, architecture, `${name}.training`);
  return { architecture, parameters, scaler, names, training };
}

/** The last layer must be the article's output neuron: one sigmoid unit giving P(Y=1). */
export function checkOutputLayer(argument: string, layers: readonly { units: number; activation: Activation }[]): void {
  const last = layers[layers.length - 1]!;
  if (last.units !== 1 || last.activation !== 'sigmoid') {
    throw new DataError(argument, `the last layer of ${argument} must be dense(1, 'sigmoid'), got dense(${last.units}, '${last.activation}')`);
  }
}

/** A float32 copy of `length` finite numbers. */
export function floatArray(argument: string, value: unknown, length: number, shape: string): Float32Array {
  if (!Array.isArray(value) && !(value instanceof Float32Array) && !(value instanceof Float64Array)) {
    throw new DataError(argument, `${argument} must be an array of ${length} numbers (${shape}), got ${describe(value)}`);
  }
  if (value.length !== length) {
    throw new DataError(argument, `${argument} has ${value.length} values, expected ${length} (${shape})`);
  }
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    const v: unknown = value[i];
    if (typeof v !== 'number' || !Number.isFinite(Math.fround(v))) {
      throw new DataError(argument, `${argument}[${i}] is ${describe(v)}; weights must be finite float32 numbers`);
    }
    out[i] = v;
  }
  return out;
}
