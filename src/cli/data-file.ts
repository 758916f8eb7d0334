// The training file of `gradwasm train`, streamed: a CSV, Parquet or Arrow file (table-file.ts) or a .npy (npyDataset),
// counted in a first pass (which also writes --cache, the parsed table as .npy, that later passes
// read instead), and split into training and validation rows by a seeded selection of exactly
// round(rows × fraction) rows (Knuth's selection sampling, Algorithm S): one bit a row, the same
// rows on every pass and every resumed run.
import { stat } from 'node:fs/promises';
import type { DataChunk, DataSource } from '../data/dataset.js';
import { toMatrix } from '../data/matrix.js';
import { DataError } from '../core/errors.js';
import { Xoshiro128 } from '../core/prng.js';
import type { ClassName } from '../data/classes.js';
import { NpyWriter, npyDataset, type FileChunk } from '../node/datasets.js';
import { openTableFile, type TableFile } from './table-file.js';
import { labelOption } from './columns.js';

/** What the command line trains: as --task says, or as the label column shows (see taskOf). */
export type CliTask = 'binary' | 'multiclass' | 'regression';

/** Tables up to this size (as float32) are trained in memory, with fit; larger ones streamed. */
export const IN_MEMORY_BYTES = 64 * 2 ** 20;

/** A training file, opened and counted. */
export interface DataFile {
  /** The whole table when it is small enough to hold (IN_MEMORY_BYTES), else null. */
  readonly table: { x: Float32Array; y: Float32Array } | null;
  /** Re-iterable chunks of all rows (the cache's, once written). */
  readonly source: AsyncIterable<FileChunk>;
  readonly rows: number;
  readonly cols: number;
  readonly features: string[];
  readonly label: string;
  /** Whether the file named its columns (a CSV header): then the model keeps the names. */
  readonly named: boolean;
  /** The task: given, or read from the label column. */
  readonly task: CliTask;
  /** Multiclass: the classes the labels name, sorted (their indices are the labels); else null. */
  readonly classes: ClassName[] | null;
  /** The file's size in bytes, and the bytes read by the pass under way. */
  readonly bytes: number;
  bytesRead(): number;
}

/** A re-iterable dataset whose bytes read are counted over all its passes. */
function counted(ds: AsyncIterable<FileChunk> & { readonly bytesRead: number }): { source: AsyncIterable<FileChunk>; bytesRead: () => number } {
  let before = 0;
  return {
    source: {
      async *[Symbol.asyncIterator]() {
        const start = ds.bytesRead; // (the last pass's total, before this pass resets it)
        before += start;
        yield* ds;
      },
    },
    bytesRead: () => before + ds.bytesRead,
  };
}

/** Open `path` (.npy, .parquet, .arrow/.feather by its extension, else CSV) and count its rows; with `cache`, write the parsed table there as .npy on the way. */
export async function openDataFile(
  path: string,
  label: string | undefined,
  cache: string | null,
  stream = false,
  delimiter = 'auto',
  asked: CliTask | 'auto' = 'auto',
): Promise<DataFile> {
  const bytes = await stat(path).then(
    (s) => s.size,
    (error: Error) => {
      throw new DataError('path', `${path} cannot be read: ${error.message}`);
    },
  );
  if (path.toLowerCase().endsWith('.npy')) {
    const index = label === undefined ? -1 : labelOption(label);
    if (typeof index !== 'number')
      throw new DataError('--label', `--label ${label} is a name, but ${path} (.npy) has no column names: give the label column's index`);
    let ds = await npyDataset(path, { label: index });
    let task: CliTask = asked === 'auto' ? 'binary' : asked;
    let classes: number[] | null = null;
    if (asked !== 'binary') {
      // a pass that reads the label column's values
      const values = await ds.labelValues();
      task = asked === 'auto' ? taskOf(values, ds.rows) : asked;
      if (task === 'multiclass') ds = await npyDataset(path, { label: index, classes: (classes = values) });
      if (task === 'regression') ds = await npyDataset(path, { label: index, labels: 'values' });
    }
    const features = Array.from({ length: ds.cols }, (_, c) => `col${c + 1}`);
    const table = !stream && 4 * ds.rows * (ds.cols + 1) <= IN_MEMORY_BYTES ? await gather(ds, ds.rows, ds.cols) : null;
    return { ...counted(ds), table, rows: ds.rows, cols: ds.cols, features, label: `column ${index}`, named: false, bytes, task, classes };
  }
  const where = { delimiter, ...(label === undefined ? {} : { label: labelOption(label)! }) };
  let task: CliTask = asked === 'auto' ? 'binary' : asked;
  let classes: ClassName[] | null = null;
  let file: TableFile | null = null;
  if (asked !== 'binary' && asked !== 'regression') {
    // a pass that reads the label column's values (and counts the rows)
    const labelled = await openTableFile(path, where, 'classes');
    classes = (await labelled.classes())!;
    task = asked === 'auto' ? taskOf(classes, await labelled.count()) : asked;
    if (task === 'multiclass') file = labelled;
    else classes = null;
  }
  file ??= await openTableFile(path, where, task === 'regression' ? 'values' : 'binary');
  let rows = 0,
    cols = 0;
  let writer: NpyWriter | null = null;
  let held: FileChunk[] | null = stream ? null : []; // the table, while it stays small enough to hold
  try {
    let wide: Float32Array | null = null;
    for await (const chunk of file) {
      rows += chunk.x.rows;
      cols = chunk.x.cols;
      if (held && 4 * rows * (cols + 1) <= IN_MEMORY_BYTES) held.push(chunk);
      else held = null;
      if (!cache) continue;
      // the cache holds each row's features and then its label
      const width = cols + 1;
      writer ??= await NpyWriter.create(cache, width); // (to a temporary file, renamed into place by close)
      if (!wide || wide.length < chunk.x.rows * width) wide = new Float32Array(chunk.x.rows * width);
      const { data, stride } = chunk.x;
      for (let r = 0; r < chunk.x.rows; r++) {
        wide.set(data.subarray(r * stride, r * stride + cols), r * width);
        wide[r * width + cols] = chunk.y[r]!;
      }
      await writer.append(wide.subarray(0, chunk.x.rows * width));
    }
    await writer?.close();
  } catch (error) {
    await writer?.abort();
    throw error;
  }
  const { features, label: name, header: named } = await file.columns();
  const table = held && joinChunks(held, rows, cols);
  if (cache) {
    return {
      ...counted(await npyDataset(cache, classes ? { classes: classes.length } : task === 'regression' ? { labels: 'values' } : {})),
      table,
      rows,
      cols,
      features,
      label: name,
      named,
      bytes,
      task,
      classes,
    };
  }
  return { ...counted(file), table, rows, cols, features, label: name, named, bytes, task, classes };
}

/**
 * The task a label column's sorted distinct values show: exactly 0 and 1, a binary classifier;
 * names, or a few integers (k ≤ max(10, rows/20) and k ≤ 256), the classes of a multiclass one;
 * anything else, a regression.
 */
export function taskOf(classes: readonly ClassName[], rows: number): CliTask {
  if (classes.length === 2 && classes[0] === 0 && classes[1] === 1) return 'binary';
  if (classes.some((c) => typeof c === 'string')) return 'multiclass';
  const k = classes.length;
  return classes.every((c) => Number.isInteger(c)) && k <= Math.max(10, rows / 20) && k <= 256 ? 'multiclass' : 'regression';
}

/** Every row of a small dataset, in memory. */
async function gather(ds: AsyncIterable<FileChunk>, rows: number, cols: number): Promise<{ x: Float32Array; y: Float32Array }> {
  const chunks: FileChunk[] = [];
  for await (const chunk of ds) chunks.push(chunk);
  return joinChunks(chunks, rows, cols);
}

function joinChunks(chunks: FileChunk[], rows: number, cols: number): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(rows * cols),
    y = new Float32Array(rows);
  let at = 0;
  for (const c of chunks) {
    toMatrix(c.x, cols).copyRows(0, c.x.rows, x.subarray(at * cols));
    y.set(c.y, at);
    at += c.x.rows;
  }
  return { x, y };
}

/** Which rows validate: exactly round(rows × fraction), drawn by Algorithm S from `seed`; one bit a row. */
export function validationRows(rows: number, fraction: number, seed: number): Uint8Array {
  const bits = new Uint8Array(Math.ceil(rows / 8));
  const wanted = Math.round(rows * fraction);
  if (fraction > 0 && !(wanted >= 1 && wanted < rows)) {
    throw new DataError('--val', `--val ${fraction} leaves no rows on one side of the ${rows}: it must hold out at least one row and keep one`);
  }
  const rng = new Xoshiro128(seed);
  for (let i = 0, chosen = 0; i < rows && chosen < wanted; i++) {
    // row i is chosen with probability (rows still wanted) / (rows still to see)
    if (rng.nextBelow(rows - i) < wanted - chosen) {
      bits[i >> 3]! |= 1 << (i & 7);
      chosen++;
    }
  }
  return bits;
}

/** The rows of a table held in memory on one side of the split. */
export function splitTable(
  table: { x: Float32Array; y: Float32Array },
  cols: number,
  validation: Uint8Array,
  validating: boolean,
): { x: { data: Float32Array; rows: number; cols: number }; y: Float32Array } {
  const rows = table.y.length;
  const x = new Float32Array(table.x.length),
    y = new Float32Array(rows);
  let kept = 0;
  for (let r = 0; r < rows; r++) {
    if (((validation[r >> 3]! >> (r & 7)) & 1) !== (validating ? 1 : 0)) continue;
    x.set(table.x.subarray(r * cols, (r + 1) * cols), kept * cols);
    y[kept++] = table.y[r]!;
  }
  return { x: { data: x.slice(0, kept * cols), rows: kept, cols }, y: y.slice(0, kept) };
}

/** The rows of `file` on one side of the split, as a source fitDataset and evaluateDataset read. */
export function splitSource(file: DataFile, validation: Uint8Array, validating: boolean): DataSource & { rows: number } {
  let count = 0;
  for (let i = 0; i < file.rows; i++) if (((validation[i >> 3]! >> (i & 7)) & 1) === (validating ? 1 : 0)) count++;
  return {
    rows: count,
    async *[Symbol.asyncIterator](): AsyncGenerator<DataChunk> {
      let row = 0;
      for await (const chunk of file.source) {
        // the reader's chunks are fresh each pass: the kept rows are packed in place (copyWithin is
        // a memmove; a destination never passes its source)
        const { rows, cols, data, stride } = chunk.x;
        const y = new Float32Array(rows);
        let kept = 0;
        for (let r = 0; r < rows; r++, row++) {
          if (((validation[row >> 3]! >> (row & 7)) & 1) !== (validating ? 1 : 0)) continue;
          data.copyWithin(kept * cols, r * stride, r * stride + cols);
          y[kept++] = chunk.y[r]!;
        }
        const x = data;
        if (kept > 0) yield { x: { data: x.subarray(0, kept * cols), rows: kept, cols }, y: y.subarray(0, kept) };
      }
    },
  };
}
