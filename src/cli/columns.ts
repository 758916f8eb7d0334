// The rows of a table file (CSV, Parquet, Arrow) as a saved model takes them. A model that knows
// its feature names gets the file's columns by name when the file names them (a CSV's header;
// Parquet and Arrow always do): reordered columns give the same rows, a missing one is an error
// naming it, extra ones are skipped and named. Otherwise, as before names were kept: by position.
// predict, evaluate and explain stream the file (a few MiB at a time, whatever its size).
import { open } from 'node:fs/promises';
import { MISSING_WHY, startsWithHeader } from '../data/csv.js';
import { DataError, GradwasmError } from '../core/errors.js';
import type { CsvDatasetOptions } from '../node/datasets.js';
import type { FeatureChunk, TableChunk } from '../data/dataset.js';
import { openTable, tableKind, type TableFile } from './table-file.js';
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

/** The feature rows to predict, streamed: the label column (--label, or the model's when matched by name) left out. */
export async function rowsToPredict(s: CsvSource, note: (line: string) => void): Promise<TableFile<TableChunk | FeatureChunk>> {
  const { model, modelPath, csv, delimiter } = s;
  if (await byName(s)) {
    const rows = await openTable(csv, { features: model.featureNames!, label: s.label === undefined ? null : labelOption(s.label)!, delimiter }).catch(
      missingFeatures(s),
    );
    noteIgnored(s, (await rows.columns().catch(missingFeatures(s))).ignored, note);
    return rows;
  }
  // by position: every column, or all but the last when there is one column more than inputs
  const widthOf = async (rows: TableFile<TableChunk | FeatureChunk>) => (await rows.columns()).features.length;
  let rows = await openTable(csv, s.label !== undefined ? { label: labelOption(s.label)!, delimiter } : { label: null, delimiter });
  let cols = await widthOf(rows);
  if (s.label === undefined && cols === model.inputs + 1) cols = await widthOf((rows = await openTable(csv, { delimiter })));
  if (s.label === undefined && cols !== model.inputs) {
    throw new DataError('csv', `${csv} has ${cols} columns, but ${modelPath} takes ${model.inputs} inputs (${model.inputs + 1} columns with a label)`);
  }
  checkWidth(cols, s);
  return rows;
}

/** Row `row` (from 1) of a labelled file, found by streaming it, and the file's row count when it has fewer. */
export async function rowOf(rows: TableFile, row: number): Promise<{ x: number[]; y: number } | { rows: number }> {
  let seen = 0;
  for await (const chunk of rows) {
    if (row <= seen + chunk.x.rows) {
      const r = row - 1 - seen,
        { data, stride, cols } = chunk.x;
      return { x: Array.from(data.subarray(r * stride, r * stride + cols)), y: chunk.y[r]! };
    }
    seen += chunk.x.rows;
  }
  return { rows: seen };
}

/** Labelled rows to evaluate or explain, streamed, and the label column's name: the label is --label, else the model's label column, else the file's default. */
export async function labelledSource(s: CsvSource, note: (line: string) => void): Promise<{ rows: TableFile; label: string }> {
  const { named, options, fail } = await labelledOptions(s);
  const rows = (await openTable(s.csv, options).catch(fail)) as TableFile;
  const { features, ignored, label } = await rows.columns().catch(fail);
  checkColumns(s, named, features.length, ignored, note);
  return { rows, label };
}

/** How a labelled file is read for a model (csvDataset's options), and what a problem with its columns means. */
async function labelledOptions(
  s: CsvSource,
): Promise<{ named: boolean; options: CsvDatasetOptions & { label?: string | number }; fail: (error: unknown) => never }> {
  const { model, modelPath, csv, delimiter } = s;
  const named = await byName(s);
  const stored = s.label === undefined && named ? model.labelName : null;
  const label = s.label !== undefined ? labelOption(s.label)! : (stored ?? undefined);
  // a softmax model's labels are its classes, by name (or code)
  const classes = model.task === 'softmax' ? { classes: model.classes } : model.task === 'regression' ? { labels: 'values' as const } : {};
  const options = { delimiter, ...(label === undefined ? {} : { label }), ...(named ? { features: model.featureNames! } : {}), ...classes };
  const fail = (error: unknown): never => {
    if (stored !== null && error instanceof GradwasmError && error.argument === 'options.label') {
      throw new DataError(
        '--label',
        `${csv} has no column ${JSON.stringify(stored)}, the label ${modelPath} was trained on: name the label column with --label`,
      );
    }
    return missingFeatures(s)(error);
  };
  return { named, options, fail };
}

/** Columns matched by name: name the ignored ones; by position: the rows must have the model's width. */
function checkColumns(s: CsvSource, named: boolean, cols: number, ignored: readonly string[], note: (line: string) => void): void {
  if (named) noteIgnored(s, ignored, note);
  else checkWidth(cols, s);
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

/** Whether the file's columns are matched to the model's by name: the model knows them and the file names its columns. */
async function byName(s: CsvSource): Promise<boolean> {
  if (!s.model.featureNames) return false;
  return tableKind(s.csv) !== 'csv' || startsWithHeader(await head(s.csv), s.delimiter);
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
