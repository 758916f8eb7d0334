// Parquet files as DataSources (docs/architecture.md §7.4): columns chosen and ordered by name,
// read a row group at a time into row-major float32 — each value exactly Math.fround(Number(v)),
// as parseCsv reads the same number written as text. The decoding (hyparquet) is loaded on the
// first file read: a page that only predicts never downloads it.
import { describe } from '../core/checks.js';
import { DataError } from '../core/errors.js';
import type { ClassName } from './classes.js';
import { checkColumnarOptions, labelKey, labelWriter, sortedClasses, type ColumnarOptions } from './columnar.js';
import { planColumns } from './csv.js';
import { LOANED, type FeatureChunk, type TableChunk } from './dataset.js';
export type { FeatureChunk, TableChunk };
import type { ByteRanges } from './byte-ranges.js';
import type { ParquetColumn } from './parquet-reader.js';

type ColumnChunk = { column: ParquetColumn; codec: import('hyparquet/src/types.js').CompressionCodec };

/**
 * A Parquet file's bytes: in memory (`ArrayBuffer`, `Uint8Array`), a `Blob` or `File` (read a
 * range at a time), or anything with `byteLength` and `slice(start, end)` returning its bytes
 * (hyparquet's AsyncBuffer: a file on a server, read by HTTP range requests). In `gradwasm/node`,
 * a path too.
 */
export type ParquetSource =
  ArrayBuffer | Uint8Array | Blob | { readonly byteLength: number; slice(start: number, end?: number): ArrayBuffer | Promise<ArrayBuffer> };

/** Options of {@link parquetDataset}. */
export type ParquetDatasetOptions = ColumnarOptions;

/** A Parquet file as a DataSource: each iteration reads it again, a row group at a time. */
export interface ParquetDataset<Chunk extends FeatureChunk | TableChunk = TableChunk> extends AsyncIterable<Chunk> {
  /** Rows in the file (from its footer). */
  readonly rows: number;
  /** Feature columns read. */
  readonly cols: number;
  /** Their names, in the order read. */
  readonly features: string[];
  /** The label column's name; null when the rows are read without labels. */
  readonly label: string | null;
  /** The file's columns neither read as features nor the label. */
  readonly ignored: string[];
  /** Rows of each row group (an iteration yields each in chunks of up to 2²⁰ values). */
  readonly rowGroups: number[];
  /** Bytes of the file read by the pass under way (or the last), for progress. */
  readonly bytesRead: number;
  /** With `labels: 'classes'`: the classes, in index order (given, or found by a pass over the
   *  label column alone before the first chunk); else null. */
  classes(): Promise<ClassName[] | null>;
}

/** Opens a file's bytes for one pass; `name` is what errors call it. */
export interface ParquetOpener {
  readonly name: string;
  open(): Promise<ByteRanges & { close?(): Promise<void> }>;
}

/** Column chunks this close in the file are read together, up to READ bytes at a time. */
const NEAR = 2 ** 16,
  READ = 2 ** 22;

type Reader = typeof import('./parquet-reader.js');
let reader: Promise<Reader> | null = null;
/** The decoder, loaded once, on the first Parquet file read. */
const loadReader = (): Promise<Reader> => (reader ??= import('./parquet-reader.js'));

/**
 * Read a Parquet file as chunks of rows, a row group at a time (in chunks of up to 2²⁰ values): the feature columns (every column
 * but the label, or `features` in that order) as row-major float32 — INT32, INT64, FLOAT, DOUBLE,
 * BOOLEAN and DECIMAL columns, dictionary-encoded or not, each value `Math.fround(Number(v))` —
 * and the label column as `labels` says (0/1, class names or codes, numbers). Snappy, gzip, zstd,
 * brotli and lz4 pages. A null, a nested column or a column of strings among the features is a
 * DataError naming the column (and the row group and row of a null). Memory: about twice a row
 * group's features as float32.
 */
export function parquetDataset(source: ParquetSource, options: ParquetDatasetOptions & { label: null }): Promise<ParquetDataset<FeatureChunk>>;
export function parquetDataset(source: ParquetSource, options?: ParquetDatasetOptions): Promise<ParquetDataset<TableChunk>>;
export async function parquetDataset(source: ParquetSource, options: ParquetDatasetOptions = {}): Promise<ParquetDataset<FeatureChunk | TableChunk>> {
  return openParquetDataset(bytesOf(source, options?.name), options);
}

/** The byte ranges of an in-memory or Blob source. */
function bytesOf(source: ParquetSource, name: unknown): ParquetOpener {
  const called = (fallback: string): string => (typeof name === 'string' && name !== '' ? name : fallback);
  if (source instanceof ArrayBuffer || source instanceof Uint8Array) {
    const bytes = source instanceof Uint8Array ? source : new Uint8Array(source);
    const ranges = { byteLength: bytes.length, read: async (start: number, end: number) => bytes.subarray(start, end) };
    return { name: called('the Parquet file'), open: async () => ranges };
  }
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    const file = (source as Partial<File>).name;
    const ranges = {
      byteLength: source.size,
      read: async (start: number, end: number) => new Uint8Array(await source.slice(start, end).arrayBuffer()),
    };
    return { name: called(file ? file : 'the Parquet file'), open: async () => ranges };
  }
  const s = source as { byteLength?: unknown; slice?: unknown } | null;
  if (typeof s === 'object' && s !== null && typeof s.byteLength === 'number' && typeof s.slice === 'function') {
    const buffer = source as Exclude<ParquetSource, ArrayBuffer | Uint8Array | Blob>;
    const ranges = {
      byteLength: buffer.byteLength,
      read: async (start: number, end: number) => new Uint8Array(await buffer.slice(start, end)),
    };
    return { name: called('the Parquet file'), open: async () => ranges };
  }
  throw new DataError(
    'source',
    `source must be a Parquet file's bytes (an ArrayBuffer, a Uint8Array, a Blob or File, or an object with byteLength and slice), got ${describe(source)}` +
      (typeof source === 'string' ? '; a path is read by parquetDataset from gradwasm/node' : ''),
  );
}

/** The dataset over a file `opener` opens: its footer read now, its rows on every iteration. */
export async function openParquetDataset(opener: ParquetOpener, options: ParquetDatasetOptions): Promise<ParquetDataset<FeatureChunk | TableChunk>> {
  const o = checkColumnarOptions(options);
  const { readLayout, decodeChunk } = await loadReader();
  const source = opener.name;
  const layout = await withFile(opener, (file) => readLayout(file, source));
  const names = layout.columns.map((c) => c.name);
  const plan = planColumns(names, true, o.label, o.features, source, 'options.features');
  const features = plan.features.map((name) => layout.columns[names.indexOf(name)]!);
  for (const column of features) {
    if (column.notNumeric) {
      throw new DataError('source', `${source}: column ${JSON.stringify(column.name)} ${column.notNumeric} in every row group; features must be numbers`, {
        source,
        column: column.name,
      });
    }
  }
  const label = plan.labelAt < 0 ? null : layout.columns[plan.labelAt]!;
  if (label && label.notNumeric && !(label.text && o.labels === 'classes'))
    throw new DataError(
      'source',
      `${source}: the label column ${JSON.stringify(label.name)} ${label.notNumeric}` +
        (label.text ? "; class names are read with labels: 'classes'" : '; labels must be numbers or class names'),
      { source, column: label.name },
    );
  const rows = layout.groups.reduce((a, b) => a + b, 0);
  if (rows === 0) throw new DataError('source', `${source} has no rows`, { source });
  const cols = features.length;
  let bytesRead = 0;
  let classes: ClassName[] | null = o.labels === 'classes' ? (o.classes ?? null) : null;

  /** The chunks of column `column` in each row group, fetched one ahead of their decoding. */
  async function* chunksOf(file: ByteRanges, wanted: ParquetColumn[], group: number): AsyncGenerator<[ColumnChunk, Uint8Array]> {
    // Chunks near each other in the file are read together (a table of 1,000 narrow columns is
    // not 1,000 reads), in file order, one read ahead of the decoding.
    const chunks = wanted
      .map((column) => {
        const meta = layout.metadata.row_groups[group]!.columns[column.index]!.meta_data!;
        const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
        const end = start + Number(meta.total_compressed_size);
        if (!(start >= 0 && end <= file.byteLength))
          throw new DataError('source', `${source}: row group ${group}, column ${JSON.stringify(column.name)} lies outside the file`, { source });
        return { column, codec: meta.codec, start, end };
      })
      .sort((a, b) => a.start - b.start);
    const reads: (typeof chunks)[] = [];
    for (const chunk of chunks) {
      const last = reads[reads.length - 1];
      if (last && chunk.start - last[last.length - 1]!.end <= NEAR && chunk.end - last[0]!.start <= READ) last.push(chunk);
      else reads.push([chunk]);
    }
    const fetch = (k: number): Promise<Uint8Array> | null => {
      const read = reads[k];
      if (!read) return null;
      const start = read[0]!.start,
        end = read[read.length - 1]!.end;
      bytesRead += end - start;
      return file.read(start, end);
    };
    let ahead = fetch(0);
    for (let k = 0; k < reads.length; k++) {
      const bytes = await ahead!;
      ahead = fetch(k + 1);
      const from = reads[k]![0]!.start;
      for (const chunk of reads[k]!) yield [chunk, bytes.subarray(chunk.start - from, chunk.end - from)];
    }
  }

  /** The label column's values in row group `group`, as `take` reads them one at a time. */
  async function eachLabel(file: ByteRanges, group: number, take: (value: unknown, row: number) => void): Promise<void> {
    for await (const [chunk, bytes] of chunksOf(file, [label!], group)) {
      decodeChunk(bytes, chunk, group, layout.groups[group]!, source, (values, row) => {
        for (let i = 0; i < values.length; i++) take(values[i], row + i);
      });
    }
  }

  async function findClasses(): Promise<ClassName[] | null> {
    if (o.labels !== 'classes' || classes || !label) return classes;
    const seen = new Set<string | number>();
    await withFile(opener, async (file) => {
      for (let g = 0; g < layout.groups.length; g++)
        await eachLabel(file, g, (v, row) => seen.add(labelKey(v, () => wrongLabel(g, row, v, 'class names or numbers'))));
    });
    return (classes = sortedClasses(seen));
  }

  function wrongLabel(group: number, row: number, value: unknown, expected: string): DataError {
    return new DataError(
      'source',
      `${source}: row group ${group}, row ${row} of the group, column ${JSON.stringify(label!.name)} (the label) is ${describe(value)}; labels must be ${expected}`,
      { source, column: label!.name, row: layout.groups.slice(0, group).reduce((a, b) => a + b, 0) + row },
    );
  }

  // Memory is reused from pass to pass, and a lending pass (LOANED) reuses its chunks' rows:
  // first touches of fresh memory cost more here than the copies into it (63 MB: 160 ms, against
  // 16 ms reused). A pass running meanwhile over the same file makes its own.
  let spare: { columns: Float32Array; chunks: Float32Array[] } | null = null;

  async function* pass(lend: boolean): AsyncGenerator<FeatureChunk | TableChunk> {
    if (label && o.labels === 'classes') await findClasses();
    const file = await opener.open();
    bytesRead = 0;
    const memory = spare ?? { columns: new Float32Array(0), chunks: [] };
    spare = null;
    let lent = 0;
    try {
      for (let g = 0; g < layout.groups.length; g++) {
        const n = layout.groups[g]!;
        if (n === 0) continue;
        // The row group's columns are decoded one after another into float32 columns, then handed
        // out a few MiB of rows at a time, transposed a tile of rows at a time: W2's 785 columns
        // written straight into rows, one column at a time, touched a cache line (and a page) a
        // value — 4× slower.
        if (memory.columns.length < n * cols) memory.columns = new Float32Array(n * cols);
        const columns = memory.columns;
        for await (const [chunk, bytes] of chunksOf(file, features, g)) {
          const start = features.indexOf(chunk.column) * n;
          decodeChunk(bytes, chunk, g, n, source, (values, row) => intoColumn(values, columns, start + row, chunk.column.name, g, row));
        }
        let y: Float32Array | null = null;
        if (label) {
          y = new Float32Array(n);
          await eachLabel(
            file,
            g,
            labelWriter(o.labels, classes, y, (row, v, expected) => wrongLabel(g, row, v, expected)),
          );
        }
        const step = Math.max(1, Math.floor(CHUNK_VALUES / cols));
        for (let start = 0; start < n; start += step) {
          const rows = Math.min(step, n - start);
          let into: Float32Array;
          if (lend) {
            const k = lent++ % 2;
            if ((memory.chunks[k]?.length ?? 0) < rows * cols) memory.chunks[k] = new Float32Array(step * cols);
            into = memory.chunks[k]!.subarray(0, rows * cols);
          } else into = new Float32Array(rows * cols);
          const x = { data: rowsOf(columns, n, cols, start, rows, into), rows, cols, stride: cols };
          yield y ? { x, y: y.subarray(start, start + rows) } : { x };
        }
      }
    } finally {
      await (file as { close?(): Promise<void> }).close?.();
      spare = memory;
    }
  }

  return {
    rows,
    cols,
    features: features.map((c) => c.name),
    label: label?.name ?? null,
    ignored: plan.ignored,
    rowGroups: [...layout.groups],
    get bytesRead() {
      return bytesRead;
    },
    classes: findClasses,
    [Symbol.asyncIterator]: () => pass(false),
    [LOANED]: () => pass(true),
  } as ParquetDataset<FeatureChunk | TableChunk>;

  /** A page's values into a float32 column from `at`, each as Math.fround(Number(v)). */
  function intoColumn(values: ArrayLike<unknown>, out: Float32Array, at: number, name: string, group: number, row: number): void {
    if (ArrayBuffer.isView(values) && !(values instanceof BigInt64Array || values instanceof BigUint64Array)) {
      out.set(values as unknown as ArrayLike<number>, at); // (a copy: each value converted as assignment converts it)
      return;
    }
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      const n = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'boolean' ? +v : NaN;
      if (n !== n && typeof v !== 'number')
        throw new DataError(
          'source',
          `${source}: row group ${group}, row ${row + i} of the group, column ${JSON.stringify(name)} is ${describe(v)}, not a number`,
          {
            source,
            column: name,
          },
        );
      out[at + i] = n;
    }
  }
}

/** Run `work` on the file opened for it, closing it after. */
async function withFile<T>(opener: ParquetOpener, work: (file: ByteRanges) => Promise<T>): Promise<T> {
  const file = await opener.open();
  try {
    return await work(file);
  } finally {
    await file.close?.();
  }
}

/** Values in a chunk (4 MiB of float32). */
const CHUNK_VALUES = 2 ** 20;
/** Rows transposed together: a tile of a table 1,000 columns wide stays in L2. */
const TILE = 64;

/** Rows [start, start + count) of a column-major table (n rows, cols columns), row-major. */
function rowsOf(columns: Float32Array, n: number, cols: number, start: number, count: number, out: Float32Array): Float32Array {
  for (let t = 0; t < count; t += TILE) {
    const end = Math.min(count, t + TILE);
    for (let c = 0, from = start; c < cols; c++, from += n) for (let r = t; r < end; r++) out[r * cols + c] = columns[from + r]!;
  }
  return out;
}
