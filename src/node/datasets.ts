// Files larger than memory, as DataSources for fitDataset (docs/architecture.md §7.4): a CSV read a piece at
// a time (never the whole text), and NumPy's .npy with plain file reads; writeNpy beside them.
import { open, type FileHandle } from 'node:fs/promises';
import { DataError, GradwasmError, OptionError } from '../core/errors.js';
import { beginReplacing, type Replacement } from './replace-file.js';
import { checkInteger, describe } from '../core/checks.js';
import { checkOptions, sniffDelimiter, type CsvOptions } from '../data/csv.js';
import { CsvByteParser } from '../data/csv-bytes.js';
import { LOANED, type FeatureChunk, type RowMatrix, type TableChunk } from '../data/dataset.js';
export type { FeatureChunk };
import { checkClassList, classesOf, type ClassName } from '../data/classes.js';

/** Bytes read from a file at a time. */
const PIECE = 4 * 2 ** 20;
/** A .npy chunk: 1 MiB stays in cache from the read to the copy into the core (W1 from .npy: 62 ns/row against 70 with 4 MiB). */
const NPY_PIECE = 2 ** 20;
/** Bytes read to find the first line, for delimiter: 'auto'. */
const SNIFFED = 2 ** 16;

/** Rows of float32 features, row-major (a {@link RowMatrix}). */
export type FileRows = RowMatrix;

/** A chunk of rows from a file: float32 features, row-major, and their labels. */
export type FileChunk = TableChunk;

/** What a CSV file's first record says of its columns (see {@link CsvDataset.columns}). */
export interface CsvColumns<Label extends string | null = string> {
  /** The feature columns' names, in the order read (`options.features`, when given). */
  features: string[];
  /** The label column's name; null for rows without labels. */
  label: Label;
  /** Whether the first record named the columns (else they are `col1`, `col2`, …, or `options.features`' names). */
  header: boolean;
  /** Columns not read: those `options.features` does not name (the label's not among them). */
  ignored: string[];
}

/** A CSV file as a DataSource: each iteration reads it again, a piece at a time. Its chunks
 *  are FileChunks, or (`label: null`) FeatureChunks, which no training takes. */
export interface CsvDataset<Chunk extends FileChunk | FeatureChunk = FileChunk> extends AsyncIterable<Chunk> {
  readonly path: string;
  /** Rows in the file: counted by a pass over it, once. */
  count(): Promise<number>;
  /** The columns, from the first record (the first piece is read). */
  columns(): Promise<CsvColumns<Chunk extends FileChunk ? string : null>>;
  /** Bytes read by the pass under way (or the last), for progress. */
  readonly bytesRead: number;
  /** With `labels: 'classes'`: the classes, in index order (as `options.classes` gives them, or
   *  found by a pass over the file before the first chunk, sorted as parseCsv sorts them); else null. */
  classes(): Promise<ClassName[] | null>;
}

/** Options of {@link csvDataset}: those of `readCsv` (the label column or null, the feature columns by name, header, delimiter). */
export type CsvDatasetOptions = Omit<CsvOptions, 'source'>;

/**
 * Stream a CSV file of any size as chunks of rows: the options and the errors of `readCsv`
 * (`data.csv: line 5, column 3 (radius): "abc" is not a number`), the same values to the bit,
 * but the text is read a few MiB at a time and never held whole. With `label: null` the rows
 * have no label (every column, or `features`, is a feature): chunks to predict, not to train
 * on. Each iteration reads the file again from the start.
 */
export function csvDataset(path: string, options: CsvDatasetOptions & { label: null }): CsvDataset<FeatureChunk>;
export function csvDataset(path: string, options?: CsvDatasetOptions & { label?: string | number }): CsvDataset;
export function csvDataset(path: string, options?: CsvDatasetOptions): CsvDataset<FileChunk | FeatureChunk>;
export function csvDataset(path: string, options: CsvDatasetOptions = {}): CsvDataset<FileChunk | FeatureChunk> {
  if (typeof path !== 'string' || path === '') throw new DataError('path', `path must be a file path, got ${describe(path)}`);
  if (typeof options === 'object' && options !== null && 'source' in options) {
    throw new OptionError('options.source', 'csvDataset names the file itself; options.source is for parseCsv');
  }
  const checked = checkOptions({ ...(options as object), source: path });
  const labelled = checked.label !== null;
  const settings = {
    label: checked.label,
    features: checked.features,
    header: checked.header,
    delimiter: checked.delimiter === 'auto' ? '' : String.fromCharCode(checked.delimiter),
    source: path,
  };
  let rows: number | null = null;
  let bytesRead = 0;
  let header: CsvColumns<string | null> | null = null;
  let classes: ClassName[] | null = checked.labels === 'classes' && labelled ? (checked.classes ?? null) : null;

  /** The classes, found by a pass of their own when not given. */
  async function findClasses(): Promise<ClassName[] | null> {
    if (checked.labels !== 'classes' || !labelled || classes) return classes;
    const seen = new Set<string>();
    for await (const _ of pass(Infinity, seen));
    classes = classesOf([...seen]);
    return classes;
  }

  /** A pass over the file; with `seen`, one that collects the label texts into it instead. */
  async function* pass(limit = Infinity, seen: Set<string> | null = null): AsyncGenerator<FileChunk | FeatureChunk> {
    const labels = seen ? null : await findClasses();
    const handle = await openFile(path);
    if (settings.delimiter === '') {
      // 'auto': from the first line (read at offset 0, which leaves the file position alone)
      const head = new Uint8Array(SNIFFED);
      const { bytesRead: got } = await handle.read(head, 0, SNIFFED, 0);
      settings.delimiter = String.fromCharCode(sniffDelimiter(new TextDecoder().decode(head.subarray(0, got))));
    }
    const parser = new CsvByteParser({ ...settings, classes: seen ? 'collect' : (labels ?? (checked.labels === 'values' ? 'values' : 'binary')) });
    let buffer = new Uint8Array(PIECE),
      filled = 0,
      total = 0;
    bytesRead = 0;
    try {
      for (;;) {
        if (filled === buffer.length) {
          // one record longer than the buffer: make room
          const grown = new Uint8Array(buffer.length * 2);
          grown.set(buffer);
          buffer = grown;
        }
        const { bytesRead: got } = await handle.read(buffer, filled, buffer.length - filled, null);
        bytesRead += got;
        const final = got === 0;
        const end = filled + got;
        const piece = end === buffer.length ? buffer : buffer.subarray(0, end);
        const consumed = parser.parse(piece, 0, final);
        header ??=
          parser.cols > 0
            ? { features: parser.features, label: labelled ? parser.names[parser.labelAt]! : null, header: parser.hasHeader, ignored: parser.ignored }
            : null;
        const parsed = parser.take();
        if (parsed.rows > 0) {
          total += parsed.rows;
          const x = { data: parsed.x, rows: parsed.rows, cols: parser.cols, stride: parser.cols };
          yield labelled ? { x, y: parsed.y } : { x };
          if (total >= limit) return;
        }
        if (final) break;
        buffer.copyWithin(0, consumed, end);
        filled = end - consumed;
      }
      parser.finish();
      if (seen) for (const t of parser.seen()) seen.add(t);
      if (total === 0) throw new DataError('path', `${path} has a header but no rows under it`);
      rows = total;
    } finally {
      await handle.close();
    }
  }

  return {
    path,
    get bytesRead() {
      return bytesRead;
    },
    [Symbol.asyncIterator]: () => pass(),
    async count() {
      if (rows === null) for await (const _ of pass());
      return rows!;
    },
    async columns() {
      if (!header) for await (const _ of pass(1)) break;
      return header!;
    },
    classes: findClasses,
  };
}

async function openFile(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (error) {
    throw new DataError('path', `${path} cannot be read: ${(error as Error).message}`);
  }
}

// NumPy's .npy: "\x93NUMPY", version bytes, a little-endian header length (u16 for 1.0, u32 for
// 2.0), an ASCII Python dict literal (descr, fortran_order, shape) padded with spaces to a
// multiple of 64 bytes and ended by "\n", then the raw array.
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/** A .npy file of rows as a DataSource; its row count is known from the header. */
export interface NpyDataset extends AsyncIterable<FileChunk> {
  readonly path: string;
  /** Rows in the file. */
  readonly rows: number;
  /** Feature columns (the label's left out). */
  readonly cols: number;
  readonly bytesRead: number;
  /** The distinct values of the label column, ascending (numpy.unique's order), read by a pass of
   *  their own and unchecked — what `classes` may then list. A label that is not finite is a GradwasmError. */
  labelValues(): Promise<number[]>;
}

/**
 * Read a NumPy `.npy` file of rows — 2-D float32, little-endian, C order (format 1.0 or 2.0) —
 * as chunks of rows, with plain file reads; the column `label` (default −1, the last; negative
 * counts from the end) holds the 0/1 labels; with `classes: k`, the class indices 0…k−1; with
 * `classes: [v₀, v₁, …]`, those values, each read as its index (UCI's wine codes 1, 2, 3 as
 * 0, 1, 2). A label that is none of them, another dtype, Fortran order, a header that does not
 * parse or a file shorter than its header says is a GradwasmError.
 */
export async function npyDataset(
  path: string,
  options: { label?: number; classes?: number | readonly number[]; labels?: 'binary' | 'classes' | 'values' } = {},
): Promise<NpyDataset> {
  if (typeof path !== 'string' || path === '') throw new DataError('path', `path must be a file path, got ${describe(path)}`);
  const o = options as { label?: unknown; classes?: unknown; labels?: unknown };
  if (typeof o !== 'object' || o === null) throw new OptionError('options', `options must be an object, got ${describe(options)}`);
  for (const key of Object.keys(o))
    if (key !== 'label' && key !== 'classes' && key !== 'labels')
      throw new OptionError(`options.${key}`, `options has an unknown option ${JSON.stringify(key)}; known: label, classes, labels`);
  const labels = o.labels ?? (o.classes === undefined ? 'binary' : 'classes');
  if (labels !== 'binary' && labels !== 'classes' && labels !== 'values')
    throw new OptionError('options.labels', `options.labels must be 'binary', 'classes' or 'values', got ${describe(o.labels)}`);
  if ((labels === 'classes') !== (o.classes !== undefined))
    throw new OptionError('options.classes', "options.classes goes with options.labels 'classes' (and is needed there)");
  const targets = labels === 'values'; // a regression's: any finite float32
  // labels 0/1, or (classes: k) the class indices 0…k−1, or (classes: values) those values' indices
  const values = Array.isArray(o.classes) ? checkClassValues(o.classes) : null;
  const classes = values ? values.size : o.classes === undefined ? 2 : checkInteger('options.classes', o.classes, 2, 65536);
  const expected = values
    ? `one of the classes ${[...values.keys()].join(', ')}`
    : labels === 'values'
      ? 'finite numbers'
      : classes === 2
        ? '0 or 1'
        : `class indices 0…${classes - 1}`;
  const { rows, width, dataStart } = await readNpyHeader(path);
  const label = o.label ?? -1;
  if (typeof label !== 'number' || !Number.isInteger(label) || label < -width || label >= width) {
    throw new OptionError(
      'options.label',
      `options.label must be a column index of ${path} (0 to ${width - 1}, or −1 to −${width} from the end), got ${describe(label)}`,
    );
  }
  if (width < 2) throw new DataError('path', `${path} has ${width} column; it needs features and a label column`);
  const labelAt = label < 0 ? width + label : label;
  const cols = width - 1;
  let bytesRead = 0;
  const rowsPerChunk = Math.max(1, Math.floor(NPY_PIECE / (4 * width)));

  // A lending pass reads into two buffers in turn, kept for the next pass (a pass running
  // meanwhile, over the same file, makes its own).
  let spare: Float32Array[] | null = null;

  /** One pass; `lend`: the buffers are reused instead of a fresh one a chunk; `seen`: the labels
   *  are not checked but collected there (labelValues). */
  async function* pass(lend: boolean, seen: Set<number> | null = null): AsyncGenerator<FileChunk> {
    const handle = await openFile(path);
    bytesRead = 0;
    const buffers = lend ? (spare ?? [0, 1].map(() => new Float32Array(Math.min(rowsPerChunk, rows) * width))) : null;
    if (lend) spare = null;
    let reads = 0;
    // the features are handed out as a view of the buffer the chunk was read into
    const read = async (start: number, count: number): Promise<Float32Array> => {
      const length = count * width;
      const raw = buffers ? buffers[reads++ % 2]!.subarray(0, length) : new Float32Array(length);
      const bytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
      for (let got = 0; got < bytes.length;) {
        const { bytesRead: r } = await handle.read(bytes, got, bytes.length - got, dataStart + 4 * start * width + got);
        if (r === 0) throw new DataError('path', `${path} ends at row ${start + Math.floor(got / (4 * width))}, but its header says ${rows} rows`);
        got += r;
      }
      return raw;
    };
    // One read ahead: the next chunk arrives (on libuv's threads) while this one trains.
    const next = (start: number): Promise<Float32Array> | null => (start < rows ? read(start, Math.min(rowsPerChunk, rows - start)) : null);
    let ahead = next(0);
    try {
      for (let start = 0; start < rows;) {
        const raw = await ahead!;
        const n = raw.length / width;
        ahead = next(start + n);
        bytesRead += 4 * raw.length;
        const y = new Float32Array(n);
        const wrong = (r: number, v: number): DataError =>
          new DataError('path', `${path} row ${start + r}, column ${labelAt} (the label) is ${v}; labels must be ${expected}`);
        for (let r = 0; r < n; r++) {
          const v = raw[r * width + labelAt]!;
          if (seen || targets) {
            if (!Number.isFinite(v)) throw wrong(r, v);
            seen?.add(v);
          } else if (values) {
            const index = values.get(v);
            if (index === undefined) throw wrong(r, v);
            y[r] = index;
            continue;
          }
          // v·(v − 1) is 0 for 0 and 1 alone (NaN for NaN): one branch, taken the same way for
          // both labels, where `v !== 0 && v !== 1` mispredicts on every other row of shuffled labels
          else if (classes === 2 ? v * (v - 1) !== 0 : !(v >= 0 && v < classes && v % 1 === 0)) throw wrong(r, v);
          y[r] = v;
        }
        // With the label first or last the features are rows `width` apart (the backends squeeze
        // them as they copy them in); in between, the label column is squeezed out here, in place.
        if (labelAt === cols) yield { x: { data: raw, rows: n, cols, stride: width }, y };
        else if (labelAt === 0) yield { x: { data: raw.subarray(1), rows: n, cols, stride: width }, y };
        else {
          for (let r = 0; r < n; r++) {
            const row = r * width,
              to = r * cols;
            raw.copyWithin(to, row, row + labelAt); // a memmove; destinations never pass their sources
            raw.copyWithin(to + labelAt, row + labelAt + 1, row + width);
          }
          yield { x: { data: raw.subarray(0, n * cols), rows: n, cols, stride: cols }, y };
        }
        start += n;
      }
    } finally {
      await ahead?.catch(() => undefined); // a pass left early: let its read finish before closing
      await handle.close();
      if (buffers) spare = buffers;
    }
  }

  const dataset: NpyDataset & { [LOANED]: () => AsyncGenerator<FileChunk> } = {
    path,
    rows,
    cols,
    get bytesRead() {
      return bytesRead;
    },
    [Symbol.asyncIterator]: () => pass(false),
    [LOANED]: () => pass(true),
    async labelValues() {
      const seen = new Set<number>();
      for await (const chunk of pass(false, seen)) void chunk;
      return [...seen].sort((a, b) => a - b);
    },
  };
  return dataset;
}

/** `options.classes` given as values: distinct finite numbers, each to its index. */
function checkClassValues(value: unknown[]): Map<number, number> {
  checkClassList(value, 'options.classes');
  value.forEach((c, i) => {
    if (typeof c !== 'number') throw new OptionError(`options.classes[${i}]`, `options.classes[${i}] must be a number (a .npy label), got ${describe(c)}`);
  });
  return new Map((value as number[]).map((c, i) => [c, i]));
}

/** A .npy file's header, checked: its rows, its columns, and where its data starts. */
async function readNpyHeader(path: string): Promise<{ rows: number; width: number; dataStart: number }> {
  const handle = await openFile(path);
  try {
    const { size } = await handle.stat();
    const head = new Uint8Array(12);
    const { bytesRead } = await handle.read(head, 0, 12, 0);
    const bad = (why: string): GradwasmError => new DataError('path', `${path} is not a NumPy .npy file of float32 rows: ${why}`);
    if (bytesRead < 10 || MAGIC.some((m, i) => head[i] !== m)) throw bad('it does not start with "\\x93NUMPY"');
    const major = head[6]!;
    if (major !== 1 && major !== 2 && major !== 3) throw bad(`format version ${major}.${head[7]} is not 1.0, 2.0 or 3.0`);
    const view = new DataView(head.buffer);
    const lengthBytes = major === 1 ? 2 : 4;
    const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
    const dataStart = 8 + lengthBytes + headerLength;
    if (headerLength > 2 ** 20 || dataStart > size) throw bad(`its header says ${headerLength} bytes, more than the file holds`);
    const text = new Uint8Array(headerLength);
    await handle.read(text, 0, headerLength, 8 + lengthBytes);
    const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(text);
    const field = (key: string): string | null => new RegExp(`['"]${key}['"]\\s*:\\s*('[^']*'|"[^"]*"|True|False|\\([^)]*\\))`).exec(header)?.[1] ?? null;
    const descr = field('descr'),
      fortran = field('fortran_order'),
      shape = field('shape');
    if (!/^\s*\{/.test(header) || descr === null || fortran === null || shape === null)
      throw bad(`its header ${describe(header.trim())} does not parse (descr, fortran_order, shape)`);
    if (!/^['"]<f4['"]$/.test(descr)) throw bad(`its dtype is ${descr}, not little-endian float32 ('<f4')`);
    if (fortran !== 'False') throw bad('it is in Fortran (column-major) order; save it in C order');
    const dims = shape
      .slice(1, -1)
      .split(',')
      .map((d) => d.trim())
      .filter((d) => d !== '');
    if (dims.length !== 2 || !dims.every((d) => /^\d+$/.test(d))) throw bad(`its shape is ${shape}, not (rows, columns)`);
    const [rows, width] = dims.map(Number) as [number, number];
    if (rows === 0 || width === 0) throw bad(`its shape ${shape} holds no values`);
    if (dataStart + 4 * rows * width > size) {
      throw bad(`its header says ${rows} × ${width} float32 values (${4 * rows * width} bytes), but the file holds ${size - dataStart} after the header`);
    }
    return { rows, width, dataStart };
  } finally {
    await handle.close();
  }
}

/** The header of a .npy file of rows × cols float32 values (version 1.0, padded to 128 bytes
 *  so that a writer can fill in the row count at the end without moving the data). */
function npyHeader(rows: number, cols: number): Uint8Array {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  const total = 128;
  const text = dict.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total);
  out.set(MAGIC);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, total - 10, true);
  out.set(new TextEncoder().encode(text), 10);
  return out;
}

/** Write rows (row-major float32) as a NumPy .npy file that `npyDataset` and `numpy.load` read. */
export async function writeNpy(path: string, matrix: { data: Float32Array; rows: number; cols: number }): Promise<void> {
  const writer = await NpyWriter.create(path, matrix.cols);
  try {
    await writer.append(matrix.data);
    await writer.close();
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

/**
 * A .npy file written a chunk of rows at a time, to a temporary file beside `path`: close() writes
 * the row count into its header and renames it into place (a reader never sees part of it);
 * abort() removes it, leaving any file that was at `path` as it was.
 */
export class NpyWriter {
  private rows = 0;

  private constructor(
    private readonly handle: FileHandle,
    private readonly replacement: Replacement,
    readonly path: string,
    private readonly cols: number,
  ) {}

  static async create(path: string, cols: number): Promise<NpyWriter> {
    let replacement: Replacement | undefined;
    let handle: FileHandle | undefined;
    try {
      replacement = await beginReplacing(path);
      handle = await open(replacement.temporary, 'wx');
      await handle.write(npyHeader(0, cols), 0, 128, 0);
    } catch (error) {
      await handle?.close().catch(() => {});
      await replacement?.discard();
      throw new DataError('path', `${path} cannot be written: ${(error as Error).message}`);
    }
    return new NpyWriter(handle, replacement, path, cols);
  }

  /** Rows of `cols` float32 values each, row-major. */
  async append(data: Float32Array): Promise<void> {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    await this.handle.write(bytes, 0, bytes.length, 128 + 4 * this.rows * this.cols);
    this.rows += data.length / this.cols;
  }

  async close(): Promise<void> {
    try {
      await this.handle.write(npyHeader(this.rows, this.cols), 0, 128, 0);
      await this.handle.close();
    } catch (error) {
      await this.abort();
      throw error;
    }
    await this.replacement.commit();
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => {});
    await this.replacement.discard();
  }
}
