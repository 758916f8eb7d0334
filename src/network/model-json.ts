// The model file: plain JSON, every float32 written as the shortest decimal that reads back
// to the same float32 (src/core/float32-decimal.ts). Reading one checks every field before anything is built.
import type { Architecture, LayerParameters, TrainingState } from './architecture.js';
import type { Optimizer } from './optimizers.js';
import { DataError } from '../core/errors.js';
import { checkInteger, checkObject, describe } from '../core/checks.js';
import { checkActivation, type Activation } from './layers.js';
import { MAX_UNITS } from '../core/limits.js';
import { scalerFromJSON, type ScalerJSON, type StandardScaler } from '../data/scaler.js';
import { checkTargetScaler } from '../data/target-scaling.js';
import { float32Decimals } from '../core/float32-decimal.js';
import { NO_NAMES, checkColumnNames, type ColumnNames } from '../data/column-names.js';
import { headOf } from '../heads/index.js';

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
  /** The classes' names or codes, in class-index order, when they are known (gradwasm 0.3). */
  classes?: (string | number)[];
  /** A regression's target scaler, when it has one (gradwasm 0.3): its values are in the targets' units. */
  targetScaler?: ScalerJSON;
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
    ...(e
      ? {
          earlyStopping: {
            monitor: e.monitor,
            best: Number.isFinite(e.best) ? e.best : null,
            bestEpoch: e.bestEpoch,
            wait: e.wait,
            ...(e.bestWeights ? { bestWeights: layers(e.bestWeights) } : {}),
          },
        }
      : {}),
  };
}

export function modelToJSON(
  architecture: Architecture,
  parameters: readonly LayerParameters[],
  scaler: StandardScaler | null = null,
  names: ColumnNames = NO_NAMES,
  targetScaler: StandardScaler | null = null,
): ModelJSON {
  return {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    inputs: architecture.inputs,
    ...(names.features ? { features: [...names.features] } : {}),
    ...(names.label !== null ? { label: names.label } : {}),
    ...(names.classes !== null ? { classes: [...names.classes] } : {}),
    ...(scaler ? { scaler: scaler.toJSON() } : {}),
    ...(targetScaler ? { targetScaler: targetScaler.toJSON() } : {}),
    layers: architecture.layers.map(({ units, activation }, l) => ({
      units,
      activation,
      weights: float32Decimals(parameters[l]!.weights),
      bias: float32Decimals(parameters[l]!.bias),
    })),
  };
}

/** Parse (if text) and check a model file (the argument `name`); returns its architecture,
 *  parameters and scaler, and its `training` as it is (undefined: none), for trainingFromJSON
 *  (src/network/training-json.ts: only what resumes training reads it, so that a page that
 *  loads a model to predict does not download its checks). */
export function modelFromJSON(
  json: unknown,
  name = 'json',
): {
  architecture: Architecture;
  parameters: LayerParameters[];
  scaler: StandardScaler | null;
  names: ColumnNames;
  targetScaler: StandardScaler | null;
  training: unknown;
} {
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
  const columns = { features: file.features, label: file.label };
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
  const head = headOf(`${name}.layers`, layers);
  const names = checkColumnNames(
    columns.features,
    columns.label,
    inputs,
    { features: `${name}.features`, label: `${name}.label` },
    {
      value: file.classes,
      count: head.classes(layers[layers.length - 1]!.units),
      argument: `${name}.classes`,
    },
  );
  const architecture = { inputs, layers };
  if (file.targetScaler !== undefined && file.version === 1)
    throw new DataError(`${name}.targetScaler`, `${name}.targetScaler needs version 2; ${name}.version is 1`);
  const targetScaler = checkTargetScaler(file.targetScaler, head.name, `${name}.targetScaler`, layers[layers.length - 1]!.units);
  return { architecture, parameters, scaler, names, targetScaler, training: file.training };
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
