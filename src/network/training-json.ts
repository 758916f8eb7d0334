// A model file's training state (ModelJSON.training, src/network/model-json.ts), checked against
// the model's architecture and read: what fromJSON and trainInWorker resume training from.
import { checkInteger, checkObject, describe } from '../core/checks.js';
import { DataError } from '../core/errors.js';
import type { Architecture, LayerParameters } from './architecture.js';
import { floatArray, type SavedTraining } from './model-json.js';
import { checkOptimizer } from './optimizers.js';
import { STATE_COPIES } from '../core/codes.js';

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
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new DataError(`${name}.${key}`, `${name}.${key} must be a finite number or null, got ${describe(v)}`);
    return v;
  };
  const copies = STATE_COPIES[optimizer.type];
  const layersOf = (v: unknown, where: string): LayerParameters[] => {
    if (!Array.isArray(v) || v.length !== architecture.layers.length) {
      throw new DataError(where, `${where} must be an array of ${architecture.layers.length} layers, got ${describe(v)}`);
    }
    let fanIn = architecture.inputs;
    return architecture.layers.map(({ units }, l) => {
      const layer = checkObject(`${where}[${l}]`, v[l]);
      const p = {
        weights: floatArray(`${where}[${l}].weights`, layer.weights, fanIn * units, `${fanIn} × ${units}`),
        bias: floatArray(`${where}[${l}].bias`, layer.bias, units, `${units} units`),
      };
      fanIn = units;
      return p;
    });
  };
  if (!Array.isArray(t.moments) || t.moments.length !== copies) {
    throw new DataError(
      `${name}.moments`,
      `${name}.moments must hold ${copies} block${copies === 1 ? '' : 's'} for the ${optimizer.type} optimizer, got ${describe(t.moments)}`,
    );
  }
  const moments = t.moments.map((block: unknown, c) => layersOf(block, `${name}.moments[${c}]`));
  let earlyStopping: SavedTraining['earlyStopping'] = null;
  if (t.earlyStopping !== undefined) {
    const e = checkObject(`${name}.earlyStopping`, t.earlyStopping);
    const best = e.best === null ? Infinity : e.best;
    if (typeof best !== 'number' || Number.isNaN(best))
      throw new DataError(`${name}.earlyStopping.best`, `${name}.earlyStopping.best must be a number or null, got ${describe(e.best)}`);
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
    epoch,
    optimizer,
    earlyStopping,
    state: { rng, powers: [powers[0]!, powers[1]!], recentLoss: number('recentLoss'), lossReference: number('lossReference'), moments },
  };
}
