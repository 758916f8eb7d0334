// Data that arrives in chunks (docs/architecture.md §7): what fitDataset and scanStats read, a pass at a
// time — each chunk checked as fit checks its arguments, errors naming the chunk and the row —
// and the seeded window shuffle (tf.data's rule) that streams can afford.
import { copyCheckedRows, rowRange, toMatrix, type Features, type Labels, type Matrix } from './matrix.js';
import { DataError } from '../core/errors.js';
import { describe } from '../core/checks.js';
import type { Xoshiro128 } from '../core/prng.js';

/** Some rows of a dataset: features in any form `fit` takes, and their 0/1 labels. */
export interface DataChunk {
  x: Features;
  y: Labels;
}

/** Rows as the file and table readers hand them out: row-major float32, row r at
 *  data[r·stride … r·stride + cols). */
export interface RowMatrix {
  data: Float32Array;
  rows: number;
  cols: number;
  stride: number;
}

/** A reader's chunk of rows and their labels (0/1, class indices, or a regression's targets). */
export interface TableChunk extends DataChunk {
  x: RowMatrix;
  y: Float32Array;
}

/** A reader's chunk of rows without labels (read with `label: null`, to predict). */
export interface FeatureChunk {
  x: RowMatrix;
  y?: undefined;
}

/** Chunks of rows, read anew for every pass (every epoch). */
export type ChunkIterable = AsyncIterable<DataChunk> | Iterable<DataChunk>;

/**
 * What `fitDataset` and `scanStats` read: an iterable of chunks that can be iterated again for
 * every epoch (an array of chunks, or the datasets of `gradwasm/node`), or a function returning
 * a fresh iterable (a generator function). It may say how many rows it holds — `rows`, or a
 * `count()` that finds out — which `validationSplit` needs.
 */
export type DataSource = (ChunkIterable | (() => ChunkIterable)) & { readonly rows?: number; count?(): Promise<number> | number };

/**
 * A source may also lend its chunks: `source[LOANED]()` iterates chunks that stay valid only
 * until the next one is asked for (the reader reuses their buffers), sparing an allocation a
 * chunk — and the garbage collections that follow — where the consumer copies each chunk before
 * asking for the next, as every pass here does. gradwasm/node's readers lend.
 */
export const LOANED: unique symbol = Symbol.for('gradwasm.loanedChunks');

/** The chunks of one pass over `iterable`, on loan when it lends them. */
export function lentOrOwn(iterable: unknown): unknown {
  const lender = iterable as { [LOANED]?: () => AsyncIterable<DataChunk> } | null;
  return typeof lender?.[LOANED] === 'function' ? lender[LOANED]!() : iterable;
}

/** A chunk as the passes use it: checked shape, labels as float32. */
export interface Chunk {
  /** 0-based, within the pass. */
  index: number;
  x: Matrix;
  y: Float32Array;
}

/** Throw unless `source` can be read as a DataSource. */
export function checkSource(source: unknown, name = 'source'): DataSource {
  if (typeof source === 'function' || isIterable(source)) return source as DataSource;
  // npyDataset is async: a forgotten await is the likeliest cause, and "an object" would not say so
  if (isThenable(source)) {
    throw new DataError(
      name,
      `${name} is a Promise, not a source of chunks: await it first (npyDataset returns a Promise: pass await npyDataset(path)); ` +
        'gradwasm does not await a source for you',
    );
  }
  throw new DataError(name, `${name} must be an iterable or async iterable of { x, y } chunks, or a function returning one; got ${describe(source)}`);
}

/** The iterator of one pass over a checked source: the source's own, or that of what its function returns. */
function openPass(source: DataSource, name: string): AsyncIterator<DataChunk> | Iterator<DataChunk> {
  const iterable = lentOrOwn(typeof source === 'function' ? (source as () => ChunkIterable)() : source);
  const iterator = iteratorOf(iterable);
  if (iterator) return iterator;
  if (isThenable(iterable)) {
    throw new DataError(
      name,
      `${name}() returned a Promise (an async function?): a source function is called for every pass and must return the chunks' iterable itself; ` +
        'await the reader once, outside it, and pass what it gives (await npyDataset(path))',
    );
  }
  throw new DataError(name, `${name}() must return an iterable or async iterable of { x, y } chunks, got ${describe(iterable)}`);
}

type MaybeIterable = { [Symbol.asyncIterator]?: () => AsyncIterator<DataChunk>; [Symbol.iterator]?: () => Iterator<DataChunk> } | null;

function isIterable(value: unknown): boolean {
  const s = value as MaybeIterable;
  return typeof s === 'object' && s !== null && (typeof s[Symbol.asyncIterator] === 'function' || typeof s[Symbol.iterator] === 'function');
}

/** A new iterator over `value` (which starts a pass of a file reader), or null if it is not iterable. */
function iteratorOf(value: unknown): AsyncIterator<DataChunk> | Iterator<DataChunk> | null {
  if (!isIterable(value)) return null;
  const s = value as NonNullable<MaybeIterable>;
  return typeof s[Symbol.asyncIterator] === 'function' ? s[Symbol.asyncIterator]!() : s[Symbol.iterator]!();
}

function isThenable(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** Whether `value` is fit's `[x, y]` rather than a source of chunks (which may be an array too). */
export function isPair(value: unknown): boolean {
  return Array.isArray(value) && value.length === 2 && !value.every((c) => typeof c === 'object' && c !== null && 'x' in c && 'y' in c);
}

/** The source's row count when it can tell (a file's header, or a counting pass), else null. */
export async function rowsOf(source: DataSource): Promise<number | null> {
  if (typeof source.rows === 'number') return source.rows;
  if (typeof source.count === 'function') return await source.count();
  return null;
}

/**
 * One pass over the source: its chunks, checked for a model of `cols` inputs (named
 * `source[c].x`, `source[c].y` in errors), with `features` turning raw rows into what the model
 * reads (its scaler) and `labels` checking a chunk's labels as the model's head takes them
 * (src/heads/). `pass` counts the passes over this source, so that a source that gives no
 * rows after giving some — an iterator or generator object, which runs once — is named as such.
 */
export async function* chunks(
  source: DataSource,
  cols: number,
  features: (x: Matrix, argument: string) => Matrix,
  labels: (y: unknown, rows: number, argument: string) => Float32Array,
  name: string,
  tally: PassTally,
): AsyncGenerator<Chunk> {
  const iterator = openPass(source, name);
  let rows = 0,
    index = 0;
  for (let next = await iterator.next(); !next.done; next = await iterator.next(), index++) {
    const chunk = next.value as unknown;
    if (typeof chunk !== 'object' || chunk === null || !('x' in chunk) || !('y' in chunk)) {
      throw new DataError(`${name}[${index}]`, `${name}[${index}] must be a chunk { x, y }, got ${describe(chunk)}`);
    }
    const { x, y } = chunk as DataChunk;
    const matrix = toMatrix(x, cols, `${name}[${index}].x`);
    rows += matrix.rows;
    yield { index, x: features(matrix, `${name}[${index}].x`), y: labels(y, matrix.rows, `${name}[${index}].y`) };
  }
  tally.ended(rows, name);
}

/** The rows each pass over a source gave, to tell an exhausted one-shot iterator from an empty source. */
export class PassTally {
  private passes = 0;
  private firstRows = 0;

  ended(rows: number, name: string): void {
    this.passes++;
    if (this.passes === 1) this.firstRows = rows;
    if (rows > 0) return;
    if (this.passes === 1) throw new DataError(name, `${name} gave no rows`);
    throw new DataError(
      name,
      `${name} gave no rows in pass ${this.passes} after ${this.firstRows} rows in its first: ` +
        'an iterator or generator object runs only once; pass a function that returns a new one each time (a generator function), or a re-iterable source (an array of chunks, csvDataset, npyDataset)',
    );
  }
}

/**
 * tf.data's shuffle: a buffer of `size` rows; once it is full, each row that arrives takes the
 * place of one drawn at random from the buffer, which leaves; at the end of the pass the rest
 * leave in random order. Rows are checked (and scaled) as they enter, so errors name the chunk and
 * row they came from. What leaves is gathered into chunks of `out` rows.
 */
export class ShuffleWindow {
  private readonly x: Float32Array;
  private readonly y: Float32Array;
  private held = 0;
  private readonly outX: Float32Array;
  private readonly outY: Float32Array;
  private outRows = 0;

  constructor(
    private readonly size: number,
    private readonly cols: number,
    private readonly out: number,
    private readonly rng: Xoshiro128,
    /** Labels per row: one, or a regression's target per output. */
    private readonly labels = 1,
  ) {
    this.x = new Float32Array(size * cols);
    this.y = new Float32Array(size * labels);
    this.outX = new Float32Array(out * cols);
    this.outY = new Float32Array(out * labels);
  }

  /** Put a chunk's rows through the window; `emit` gets the rows that leave, a chunk at a time. */
  push(chunk: Chunk, emit: (x: Matrix, y: Float32Array) => void): void {
    const cols = this.cols;
    const rows = new Float32Array(chunk.x.rows * cols);
    copyCheckedRows(chunk.x, 0, chunk.x.rows, rows);
    for (let r = 0; r < chunk.x.rows; r++) {
      const row = rows.subarray(r * cols, (r + 1) * cols);
      const k = this.labels,
        label = chunk.y.subarray(r * k, (r + 1) * k);
      if (this.held < this.size) {
        this.x.set(row, this.held * cols);
        this.y.set(label, this.held++ * k);
        continue;
      }
      const j = this.rng.nextBelow(this.size);
      this.leave(j, emit);
      this.x.set(row, j * cols);
      this.y.set(label, j * k);
    }
  }

  /** The end of the pass: the rows still held leave in random order. */
  drain(emit: (x: Matrix, y: Float32Array) => void): void {
    while (this.held > 0) {
      const j = this.rng.nextBelow(this.held);
      this.leave(j, emit);
      const last = --this.held;
      this.x.copyWithin(j * this.cols, last * this.cols, (last + 1) * this.cols);
      this.y.copyWithin(j * this.labels, last * this.labels, (last + 1) * this.labels);
    }
    this.flush(emit);
  }

  private leave(j: number, emit: (x: Matrix, y: Float32Array) => void): void {
    this.outX.set(this.x.subarray(j * this.cols, (j + 1) * this.cols), this.outRows * this.cols);
    this.outY.set(this.y.subarray(j * this.labels, (j + 1) * this.labels), this.outRows++ * this.labels);
    if (this.outRows === this.out) this.flush(emit);
  }

  private flush(emit: (x: Matrix, y: Float32Array) => void): void {
    if (this.outRows === 0) return;
    emit(denseMatrix(this.outX.subarray(0, this.outRows * this.cols), this.outRows, this.cols), this.outY.subarray(0, this.outRows * this.labels));
    this.outRows = 0;
  }
}

/** The arrays end to end. */
export function concatFloats(parts: readonly Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Checked, scaled float32 rows as a matrix (nothing left to check or scale). */
export function denseMatrix(data: Float32Array, rows: number, cols: number): Matrix {
  return {
    rows,
    cols,
    copyRows: (start, count, dest) => dest.set(data.subarray(start * cols, (start + count) * cols)),
    reject: (index) => {
      throw new DataError('x', `row ${Math.floor(index / cols)}, column ${index % cols} is ${data[index]}`);
    },
  };
}

/** Per-column statistics of a source's features: what a StandardScaler is made from. */
export interface ColumnStats {
  rows: number;
  mean: Float64Array;
  /** The population standard deviation (ddof = 0, as StandardScaler and scikit-learn take it). */
  std: Float64Array;
  min: Float64Array;
  max: Float64Array;
}

/** Rows summed together by scanStats before a merge: a fixed number, so that the result does not
 *  depend on how the source cuts its chunks. */
const STATS_BLOCK = 4096;

/**
 * One pass over a source (all its columns but the label): the row count and each column's mean,
 * population standard deviation, minimum and maximum. Rows are taken in blocks of STATS_BLOCK,
 * whatever the chunks, each summed in float64 in two passes, and the blocks are merged with the
 * pairwise update of Chan, Golub and LeVeque, which stays accurate however many rows there are;
 * the same rows in the same order give the same bits however they are chunked.
 * `StandardScaler.fromStats` makes a scaler of it.
 */
export async function scanStats(source: DataSource): Promise<ColumnStats> {
  const checked = checkSource(source);
  let stats: ColumnStats | null = null;
  let cols = 0,
    rows = 0;
  let block: Float32Array | null = null,
    held = 0;
  const tally = new PassTally();
  const iterator = openPass(checked, 'source');
  // The width comes from the first chunk; every chunk after is checked against it.
  for (let next = await iterator.next(), index = 0; !next.done; next = await iterator.next(), index++) {
    const chunk = next.value as DataChunk;
    if (typeof chunk !== 'object' || chunk === null || !('x' in chunk))
      throw new DataError(`source[${index}]`, `source[${index}] must be a chunk { x, y }, got ${describe(chunk)}`);
    cols ||= widthOf(chunk.x, `source[${index}].x`);
    const x = toMatrix(chunk.x, cols, `source[${index}].x`);
    block ??= new Float32Array(STATS_BLOCK * cols);
    for (let start = 0; start < x.rows;) {
      const n = Math.min(STATS_BLOCK - held, x.rows - start);
      copyCheckedRows(rowRange(x, start, n), 0, n, block.subarray(held * cols, (held + n) * cols));
      held += n;
      start += n;
      if (held === STATS_BLOCK) {
        stats = merge(stats, blockStats(block, held, cols));
        held = 0;
      }
    }
    rows += x.rows;
  }
  if (held > 0) stats = merge(stats, blockStats(block!, held, cols));
  tally.ended(rows, 'source');
  const s = stats!;
  for (let c = 0; c < cols; c++) s.std[c] = Math.sqrt(s.std[c]! / s.rows); // (M2 until now)
  return s;
}

function widthOf(x: unknown, name: string): number {
  if (Array.isArray(x) && x.length > 0 && typeof (x[0] as { length?: unknown })?.length === 'number') return (x[0] as ArrayLike<unknown>).length;
  if (typeof x === 'object' && x !== null && 'cols' in x && typeof (x as { cols: unknown }).cols === 'number') return (x as { cols: number }).cols;
  throw new DataError(name, `${name} must be number[][] or { data, rows, cols } (a flat array does not say its width), got ${describe(x)}`);
}

/** count, mean, M2 (Σ squared deviations), min, max per column of the first rows×cols values. */
function blockStats(data: Float32Array, rows: number, cols: number): ColumnStats {
  const mean = new Float64Array(cols),
    m2 = new Float64Array(cols),
    min = new Float64Array(cols).fill(Infinity),
    max = new Float64Array(cols).fill(-Infinity);
  const length = rows * cols;
  for (let i = 0; i < length; i += cols) {
    for (let c = 0; c < cols; c++) {
      const v = data[i + c]!;
      mean[c] = mean[c]! + v;
      if (v < min[c]!) min[c] = v;
      if (v > max[c]!) max[c] = v;
    }
  }
  for (let c = 0; c < cols; c++) mean[c] = mean[c]! / rows;
  for (let i = 0; i < length; i += cols) {
    for (let c = 0; c < cols; c++) {
      const d = data[i + c]! - mean[c]!;
      m2[c] = m2[c]! + d * d;
    }
  }
  return { rows, mean, std: m2, min, max };
}

/** Two partial statistics as one (std holding M2 while merging). */
function merge(a: ColumnStats | null, b: ColumnStats): ColumnStats {
  if (!a) return b;
  const n = a.rows + b.rows;
  for (let c = 0; c < a.mean.length; c++) {
    const delta = b.mean[c]! - a.mean[c]!;
    a.mean[c] = a.mean[c]! + (delta * b.rows) / n;
    a.std[c] = a.std[c]! + b.std[c]! + (delta * delta * a.rows * b.rows) / n;
    a.min[c] = Math.min(a.min[c]!, b.min[c]!);
    a.max[c] = Math.max(a.max[c]!, b.max[c]!);
  }
  a.rows = n;
  return a;
}
