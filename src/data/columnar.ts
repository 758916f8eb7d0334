// What the columnar readers (Parquet, Arrow) share: their options, and how a label column's
// values — numbers, booleans, bigints or strings, as the file stores them — become labels the
// way the CSV readers make them of text.
import { checkClassList, classesOf, type ClassName } from './classes.js';
import { NUMBER } from './csv-number.js';
import { checkKeys, checkObject, describe } from '../core/checks.js';
import { OptionError, type DataError } from '../core/errors.js';

/** Options of the columnar readers (`parquetDataset`, `arrowDataset`). */
export interface ColumnarOptions {
  /**
   * The label column: its name, or its index among the table's columns (negative counts from
   * the end); `null` for rows without labels (to predict). Default: the column named `label`
   * (in any case), else the last column not among `features`.
   */
  label?: string | number | null;
  /** The feature columns, by name, in the order wanted. Default: every column but the label. */
  features?: readonly string[];
  /** What the label column holds, as parseCsv's option: `'binary'` (0 or 1, or booleans), `'classes'`
   *  (class names or codes, strings or numbers), `'values'` (a regression's targets). */
  labels?: 'binary' | 'classes' | 'values';
  /** With `labels: 'classes'`: the classes, in index order (`model.classes`). Default: those the
   *  label column holds, sorted as parseCsv sorts them. */
  classes?: readonly ClassName[];
  /** What error messages call the table. */
  name?: string;
}

export interface CheckedColumnarOptions {
  label: string | number | null | undefined;
  features: readonly string[] | undefined;
  labels: 'binary' | 'classes' | 'values';
  classes: ClassName[] | undefined;
  name: string | undefined;
}

export function checkColumnarOptions(options: unknown): CheckedColumnarOptions {
  const o = checkObject('options', options);
  checkKeys('options', o, ['label', 'features', 'labels', 'classes', 'name']);
  const { label, features, classes } = o;
  const labels = o.labels ?? (classes === undefined ? 'binary' : 'classes');
  if (labels !== 'binary' && labels !== 'classes' && labels !== 'values')
    throw new OptionError('options.labels', `options.labels must be 'binary', 'classes' or 'values', got ${describe(labels)}`);
  if (classes !== undefined && labels !== 'classes') throw new OptionError('options.classes', "options.classes goes with options.labels 'classes'");
  if (label !== undefined && label !== null && typeof label !== 'string' && !Number.isInteger(label))
    throw new OptionError('options.label', `options.label must be a column name, an integer index or null, got ${describe(label)}`);
  if (o.name !== undefined && (typeof o.name !== 'string' || o.name === ''))
    throw new OptionError('options.name', `options.name must be a non-empty string, got ${describe(o.name)}`);
  if (features !== undefined) {
    if (!Array.isArray(features) || features.length === 0)
      throw new OptionError('options.features', `options.features must be a non-empty array of column names, got ${describe(features)}`);
    features.forEach((name: unknown, i) => {
      if (typeof name !== 'string' || name === '')
        throw new OptionError(`options.features[${i}]`, `options.features[${i}] must be a column name, got ${describe(name)}`);
      if (features.indexOf(name) !== i)
        throw new OptionError(`options.features[${i}]`, `options.features names ${JSON.stringify(name)} twice (${features.indexOf(name)} and ${i})`);
    });
  }
  return {
    label: label as string | number | null | undefined,
    features: features as readonly string[] | undefined,
    labels,
    classes: classes === undefined ? undefined : checkClassList(classes, 'options.classes'),
    name: o.name as string | undefined,
  };
}

/** The error for a label that is not what `labels` takes: row (within the chunk), value, what was expected. */
export type WrongLabel = (row: number, value: unknown, expected: string) => DataError;

/** A label as a class key: a number as itself, a string trimmed (as CSV cells are), a boolean as 0/1. */
export function labelKey(v: unknown, wrong: () => DataError): string | number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return +v;
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  throw wrong();
}

/** The classes of a label column's distinct keys, sorted as parseCsv sorts them. */
export function sortedClasses(seen: ReadonlySet<string | number>): ClassName[] {
  const values = [...seen];
  return values.every((v) => typeof v === 'number') ? (values as number[]).sort((a, b) => a - b) : classesOf(values.map(String));
}

/** A function that writes a label column's value at `row` into y, as `labels` reads it. */
export function labelWriter(
  labels: 'binary' | 'classes' | 'values',
  classes: readonly ClassName[] | null,
  y: Float32Array,
  wrong: WrongLabel,
): (value: unknown, row: number) => void {
  if (labels === 'values')
    return (v, row) => {
      const n = typeof v === 'bigint' ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isFinite(n)) throw wrong(row, v, 'finite numbers');
      y[row] = n;
    };
  if (labels === 'binary')
    return (v, row) => {
      const n = typeof v === 'boolean' ? +v : typeof v === 'bigint' ? Number(v) : v;
      if (n !== 0 && n !== 1) throw wrong(row, v, '0 or 1' + (typeof v === 'string' ? " (class names are read with labels: 'classes')" : ''));
      y[row] = n;
    };
  const index = new Map<string | number, number>(classes!.map((c, i) => [c, i]));
  const numeric = classes!.every((c) => typeof c === 'number');
  const expected = `one of the classes ${classes!.join(', ')}`;
  return (v, row) => {
    let key = labelKey(v, () => wrong(row, v, expected));
    if (numeric && typeof key === 'string' && NUMBER.test(key)) key = Number(key);
    const at = index.get(key);
    if (at === undefined) throw wrong(row, v, expected);
    y[row] = at;
  };
}
