// A regression's target scaler (scikit-learn's TransformedTargetRegressor with a StandardScaler):
// the model trains on targets standardised by it and gives its values back in the targets' own
// units. An MLP fitted to raw targets in the hundreds crawls at Adam's 0.001; standardised, it
// learns as on any other table.
import { OptionError } from '../core/errors.js';
import { scalerFromJSON, type StandardScaler } from './scaler.js';

/** `value` checked as the target scaler of a model whose head is `head`, of `outputs` outputs:
 *  null, or a scaler of one column per output, for a regression. */
export function checkTargetScaler(value: unknown, head: string, name: string, outputs: number): StandardScaler | null {
  if (value === null || value === undefined) return null;
  if (head !== 'regression') throw new OptionError(name, `${name} scales a regression's targets; this model is a ${head} classifier`);
  const scaler = scalerFromJSON(value, name);
  if (scaler.cols !== outputs) {
    const fit = outputs === 1 ? 'StandardScaler.fit(y, { cols: 1 })' : 'StandardScaler.fit(y) on the rows of targets';
    throw new OptionError(
      name,
      `${name} has ${scaler.cols} columns; the model has ${outputs === 1 ? 'one output' : `${outputs} outputs`} (fit it with ${fit})`,
    );
  }
  return scaler;
}

/** The targets (rows × the scaler's columns) as the model trains on them: (y − mean)/scale per
 *  column, computed in float64 and rounded once (a copy). */
export function scaledTargets(y: Float32Array, scaler: StandardScaler): Float32Array {
  const mean = scaler.mean,
    scale = scaler.scale,
    k = mean.length;
  return Float32Array.from(y, (v, i) => (v - mean[i % k]!) / scale[i % k]!);
}

/** The model's values (rows × the scaler's columns) in the targets' units, in place: value·scale + mean, in float64, rounded once. */
export function unscaleValues(values: Float32Array, scaler: StandardScaler): Float32Array {
  const mean = scaler.mean,
    scale = scaler.scale,
    k = mean.length;
  for (let i = 0; i < values.length; i++) values[i] = values[i]! * scale[i % k]! + mean[i % k]!;
  return values;
}
