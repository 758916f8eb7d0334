// The rows of a CSV file as a saved model takes them. A model that knows its feature names gets
// the file's columns by name when the file has a header: reordered columns give the same rows,
// a missing one is an error naming it, extra ones are skipped and named. Otherwise, as before
// names were kept: by position.
import { open } from 'node:fs/promises';
import { MISSING_WHY, startsWithHeader, type CsvRows, type CsvTable } from '../data/csv.js';
import { DataError, GradwasmError } from '../core/errors.js';
import { readCsv } from '../node/index.js';
import type { Sequential } from '../model/sequential.js';

/** Where a model's rows come from, and what the CLI was told about the label and the delimiter. */
export interface CsvSource {
  model: Sequential;
  modelPath: string;
  csv: string;
  /** --label as given: a name or a 0-based index. */
  label?: string;
  /** --delimiter: one character, or 'auto'. */
  delimiter: string;
}

/** A label given by name or index, as the CLI passes it. */
export function labelOption(label: string | undefined): string | number | undefined {
  return label === undefined ? undefined : /^-?\d+$/.test(label) ? Number(label) : label;
}

/** The feature rows to predict: the label column (--label, or the model's when matched by name) left out. */
export async function rowsToPredict(s: CsvSource, note: (line: string) => void): Promise<CsvRows> {
  if (await byName(s)) {
    const rows = await readCsv(s.csv, {
      features: s.model.featureNames!,
      label: s.label === undefined ? null : labelOption(s.label)!,
      delimiter: s.delimiter,
    }).catch(missingFeatures(s));
    noteIgnored(s, rows.ignored, note);
    return rows;
  }
  // by position: every column, or all but the last when there is one column more than inputs
  const { model, modelPath, csv, delimiter } = s;
  const rows =
    s.label !== undefined
      ? await readCsv(csv, { label: labelOption(s.label)!, delimiter })
      : await readCsv(csv, { label: null, delimiter }).then((all) => (all.x.cols === model.inputs + 1 ? readCsv(csv, { delimiter }) : all));
  if (s.label === undefined && rows.x.cols !== model.inputs) {
    throw new DataError('csv', `${csv} has ${rows.x.cols} columns, but ${modelPath} takes ${model.inputs} inputs (${model.inputs + 1} columns with a label)`);
  }
  checkWidth(rows.x.cols, s);
  return rows;
}

/** Labelled rows to evaluate (or explain): the label is --label, else the model's label column, else the file's default. */
export async function labelledRows(s: CsvSource, note: (line: string) => void): Promise<CsvTable> {
  const { model, modelPath, csv, delimiter } = s;
  const named = await byName(s);
  const stored = s.label === undefined && named ? model.labelName : null;
  const label = s.label !== undefined ? labelOption(s.label)! : (stored ?? undefined);
  try {
    // a softmax model's labels are its classes, by name (or code)
    const classes = model.task === 'softmax' ? { classes: model.classes } : model.task === 'regression' ? { labels: 'values' as const } : {};
    const table = await readCsv(csv, {
      delimiter,
      ...(label === undefined ? {} : { label }),
      ...(named ? { features: model.featureNames! } : {}),
      ...classes,
    }).catch(missingFeatures(s));
    if (named) noteIgnored(s, table.ignored, note);
    else checkWidth(table.x.cols, s);
    return table;
  } catch (error) {
    if (stored !== null && error instanceof GradwasmError && error.argument === 'options.label') {
      throw new DataError(
        '--label',
        `${csv} has no column ${JSON.stringify(stored)}, the label ${modelPath} was trained on: name the label column with --label`,
      );
    }
    throw error;
  }
}

/** A column the model takes missing from the file: say that it is the model's. */
function missingFeatures(s: CsvSource): (error: unknown) => never {
  return (error) => {
    if (error instanceof GradwasmError && / has no column /.test(error.message)) {
      throw new DataError(
        'csv',
        error.message.replace(MISSING_WHY[0], `a feature ${s.modelPath} takes`).replace(MISSING_WHY[1], `features ${s.modelPath} takes`),
      );
    }
    throw error;
  };
}

/** Whether the file's columns are matched to the model's by name: the model knows them and the file has a header. */
async function byName(s: CsvSource): Promise<boolean> {
  if (!s.model.featureNames) return false;
  return startsWithHeader(await head(s.csv), s.delimiter);
}

/** The first 64 KiB of a file, as text (enough for its header). */
async function head(path: string): Promise<string> {
  const file = await open(path, 'r').catch((error: Error) => {
    throw new DataError('path', `${path} cannot be read: ${error.message}`);
  });
  try {
    const bytes = new Uint8Array(2 ** 16);
    const { bytesRead } = await file.read(bytes, 0, bytes.length, 0);
    return new TextDecoder().decode(bytes.subarray(0, bytesRead));
  } finally {
    await file.close();
  }
}

/** Name the columns that are neither features nor the label the model was trained on. */
function noteIgnored(s: CsvSource, ignored: readonly string[], note: (line: string) => void): void {
  const extra = ignored.filter((name) => name !== s.model.labelName);
  if (extra.length) note(`${s.csv}: columns matched to ${s.modelPath}'s features by name; ignored: ${extra.join(', ')}`);
}

/** Rows whose label column was left out must have the model's width. */
function checkWidth(cols: number, s: CsvSource): void {
  if (cols === s.model.inputs) return;
  throw new DataError('csv', `${s.csv} has ${cols} feature columns (its label column left out), but ${s.modelPath} takes ${s.model.inputs} inputs`);
}
