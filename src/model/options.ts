// The checks of create and fromJSON (fit's are in src/train/fit-options.ts): every option the
// caller passes, validated with a GradwasmError naming it, defaults filled in. Shared by Sequential and trainInWorker
// (src/worker/host.ts), which passes its own argument name (e.g. 'options.model') so that
// messages name what the caller wrote.

import { checkColumnNames, type ColumnNames } from '../data/column-names.js';
import type { BackendName } from '../backend/backend.js';
import type { Architecture } from '../network/architecture.js';
import { OptionError } from '../core/errors.js';
import { checkInteger, checkKeys, checkObject, describe } from '../core/checks.js';
import { checkActivation, type DenseLayer } from '../network/layers.js';
import { MAX_UNITS } from '../core/limits.js';
import { MAX_THREADS } from '../core/codes.js';
import { scalerFromJSON, type StandardScaler } from '../data/scaler.js';
import { headOf } from '../heads/index.js';
import { checkTargetScaler } from '../data/target-scaling.js';

const CREATE_KEYS = ['inputs', 'layers', 'seed', 'backend', 'scaler', 'targetScaler', 'threads', 'featureNames', 'labelName', 'classes'] as const;

/** {@link SequentialOptions}, checked; a missing seed is drawn at random here. */
export function checkCreateOptions(
  options: unknown,
  name = 'options',
): {
  architecture: Architecture;
  seed: number;
  backend: BackendName;
  scaler: StandardScaler | null;
  targetScaler: StandardScaler | null;
  threads: Threads;
  names: ColumnNames;
} {
  const o = checkObject(name, options);
  checkKeys(name, o, CREATE_KEYS);
  const inputs = checkInteger(`${name}.inputs`, o.inputs, 1, MAX_UNITS);
  const architecture = { inputs, layers: checkLayers(o.layers, `${name}.layers`) };
  const seed = checkSeed(o.seed, `${name}.seed`);
  const backend = checkBackend(`${name}.backend`, o.backend);
  const threads = checkThreads(o.threads, backend, `${name}.threads`);
  const last = architecture.layers[architecture.layers.length - 1]!;
  const head = headOf(`${name}.layers`, architecture.layers);
  const names = checkColumnNames(
    o.featureNames,
    o.labelName,
    inputs,
    { features: `${name}.featureNames`, label: `${name}.labelName` },
    { value: o.classes, count: head.classes(last.units), argument: `${name}.classes` },
  );
  const scaler = checkScaler(o.scaler ?? null, inputs, `${name}.scaler`);
  return {
    architecture,
    seed,
    backend,
    scaler,
    targetScaler: checkTargetScaler(o.targetScaler, head.name, `${name}.targetScaler`, last.units),
    threads,
    names,
  };
}

/** Threads a model's steps may be shared out between: a count, or 'auto' (as many as there are cores). */
export type Threads = number | 'auto';

/** The most threads a model may ask for (assembly/parallel.ts's). */
export { MAX_THREADS } from '../core/codes.js';

/** `threads` checked: 'auto' (the default) or an integer from 1 to 256; more than 1 only on 'wasm'. */
export function checkThreads(value: unknown, backend: BackendName, name: string): Threads {
  if (value === undefined || value === 'auto') return 'auto';
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_THREADS) {
    throw new OptionError(name, `${name} must be 'auto' or an integer from 1 to ${MAX_THREADS}, got ${describe(value)}`);
  }
  if (value > 1 && backend === 'js') {
    throw new OptionError(name, `${name} is ${value}, but the 'js' backend runs on one thread; use backend: 'wasm' for threads`);
  }
  return value;
}

/** A scaler (instance or JSON) for `inputs` columns, or null. */
export function checkScaler(value: unknown, inputs: number, name: string): StandardScaler | null {
  if (value === null) return null;
  const scaler = scalerFromJSON(value, name);
  if (scaler.cols !== inputs) throw new OptionError(name, `${name} has ${scaler.cols} columns, but the model has ${inputs} inputs`);
  return scaler;
}

/** The options of {@link Sequential.fromJSON}, checked. */
export function checkLoadOptions(options: unknown, name = 'options'): { seed: number; backend: BackendName; threads: Threads } {
  const o = checkObject(name, options);
  checkKeys(name, o, ['backend', 'seed', 'threads']);
  const backend = checkBackend(`${name}.backend`, o.backend);
  return { seed: checkSeed(o.seed, `${name}.seed`), backend, threads: checkThreads(o.threads, backend, `${name}.threads`) };
}

function checkLayers(value: unknown, name: string): { units: number; activation: DenseLayer['activation'] }[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new OptionError(name, `${name} must be a non-empty array of dense() layers, got ${describe(value)}`);
  }
  const layers = value.map((raw: unknown, l: number) => {
    const layer = checkObject(`${name}[${l}]`, raw);
    if (layer.type !== 'dense') {
      throw new OptionError(`${name}[${l}]`, `${name}[${l}] must be made with dense(), got type ${describe(layer.type)}`);
    }
    return {
      units: checkInteger(`${name}[${l}].units`, layer.units, 1, MAX_UNITS),
      activation: checkActivation(`${name}[${l}].activation`, layer.activation),
    };
  });
  headOf(name, layers);
  return layers;
}

function checkSeed(value: unknown, name: string): number {
  if (value === undefined) return (Math.random() * 2 ** 32) >>> 0;
  return checkInteger(name, value, 0, 2 ** 32 - 1);
}

function checkBackend(argument: string, value: unknown): BackendName {
  if (value === undefined) return 'wasm';
  if (value !== 'wasm' && value !== 'js') {
    throw new OptionError(argument, `${argument} must be 'wasm' or 'js', got ${describe(value)}`);
  }
  return value;
}
