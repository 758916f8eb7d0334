// A regression's target scaler (scikit-learn's TransformedTargetRegressor with a StandardScaler):
// the model trains on targets standardised by it and gives its values back in the targets' own
// units. An MLP fitted to raw targets in the hundreds crawls at Adam's 0.001; standardised, it
// learns as on any other table.
import { OptionError } from '../core/errors.js';
import { scalerFromJSON, type StandardScaler } from './scaler.js';

/** `value` checked as the target scaler of a model whose head is `head`: null, or one column's scaler, for a regression. */
export function checkTargetScaler(value: unknown, head: string, name: string): StandardScaler | null {
  if (value === null || value === undefined) return null;
  if (head !== 'regression') throw new OptionError(name, `${name} scales a regression's targets; this model is a ${head} classifier`);
  const scaler = scalerFromJSON(value, name);
  if (scaler.cols !== 1)
    throw new OptionError(name, `${name} has ${scaler.cols} columns; the model has one output (fit it with StandardScaler.fit(y, { cols: 1 }))`);
  return scaler;
}

/** The targets as the model trains on them: (y − mean)/scale, computed in float64 and rounded once (a copy). */
export function scaledTargets(y: Float32Array, scaler: StandardScaler): Float32Array {
  const mean = scaler.mean[0]!,
    scale = scaler.scale[0]!;
  return Float32Array.from(y, (v) => (v - mean) / scale);
}

/** The model's values in the targets' units, in place: value·scale + mean, in float64, rounded once. */
export function unscaleValues(values: Float32Array, scaler: StandardScaler): Float32Array {
  const mean = scaler.mean[0]!,
    scale = scaler.scale[0]!;
  for (let i = 0; i < values.length; i++) values[i] = values[i]! * scale + mean;
  return values;
}
