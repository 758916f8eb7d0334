// The names of a model's columns: its features, in input order, and its label. The CLI matches
// a file's columns to a model by them; a model file keeps them.
import { OptionError } from '../core/errors.js';
import { describe } from '../core/checks.js';
import { checkClasses, type ClassName } from './classes.js';

/** A model's column names, and the names of the classes its label column holds; null where they are not known. */
export interface ColumnNames {
  readonly features: readonly string[] | null;
  readonly label: string | null;
  readonly classes: readonly ClassName[] | null;
}

/** No names known. */
export const NO_NAMES: ColumnNames = { features: null, label: null, classes: null };

/** Check `features` (one distinct, non-empty name per input, or undefined) and `label` (a name no feature has, or undefined). */
export function checkColumnNames(
  features: unknown,
  label: unknown,
  inputs: number,
  argument: { features: string; label: string },
  classes?: { value: unknown; count: number; argument: string },
): ColumnNames {
  let names: string[] | null = null;
  if (features !== undefined && features !== null) {
    if (!Array.isArray(features) || features.length !== inputs) {
      throw new OptionError(argument.features, `${argument.features} must be an array of ${inputs} column names, one per input, got ${describe(features)}`);
    }
    features.forEach((name: unknown, i) => {
      if (typeof name !== 'string' || name === '')
        throw new OptionError(`${argument.features}[${i}]`, `${argument.features}[${i}] must be a non-empty string, got ${describe(name)}`);
      const first = features.indexOf(name);
      if (first !== i) throw new OptionError(`${argument.features}[${i}]`, `${argument.features} names ${JSON.stringify(name)} twice (at ${first} and ${i})`);
    });
    names = [...features] as string[];
  }
  if (label !== undefined && label !== null) {
    if (typeof label !== 'string' || label === '')
      throw new OptionError(argument.label, `${argument.label} must be a non-empty string, got ${describe(label)}`);
    if (names?.includes(label)) throw new OptionError(argument.label, `${argument.label} ${JSON.stringify(label)} is also the name of a feature`);
  }
  const known =
    classes && classes.value !== undefined && classes.value !== null ? Object.freeze(checkClasses(classes.value, classes.count, classes.argument)) : null;
  return { features: names && Object.freeze(names), label: (label as string | undefined) ?? null, classes: known };
}
