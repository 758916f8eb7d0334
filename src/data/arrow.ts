// Arrow tables as DataSources: apache-arrow's Table, RecordBatch or batches read a batch at a
// time into row-major float32 (each value Math.fround(Number(v)), as the CSV and Parquet readers
// read it). apache-arrow is an optional peer dependency, never imported here: its objects are
// read through the fields every version has (a batch's `data.children`, a column's `values`).
import { describe } from '../core/checks.js';
import { DataError } from '../core/errors.js';
import type { ClassName } from './classes.js';
import { checkColumnarOptions, labelKey, labelWriter, sortedClasses, type ColumnarOptions } from './columnar.js';
import { planColumns } from './csv.js';
import type { FeatureChunk, TableChunk } from './parquet.js';

/** Arrow's type ids (apache-arrow's `Type` enum) of the columns read here. */
const INT = 2,
  FLOAT = 3,
  UTF8 = 5,
  BOOL = 6,
  FIXED_SIZE_LIST = 16,
  LARGE_UTF8 = 20,
  DICTIONARY = -1;

/** The part of apache-arrow's `Data` read here. */
interface ArrowData {
  readonly type: { readonly typeId: number; readonly bitWidth?: number; readonly precision?: number; readonly listSize?: number; toString(): string };
  readonly length: number;
  readonly offset: number;
  readonly nullCount: number;
  readonly values: ArrayLike<number | bigint> & ArrayBufferView;
  readonly valueOffsets?: ArrayLike<number | bigint>;
  readonly children: readonly ArrowData[];
  readonly dictionary?: { get(index: number): unknown };
}

/** The part of apache-arrow's `RecordBatch` read here. */
export interface ArrowRecordBatch {
  readonly schema: { readonly fields: readonly { readonly name: string }[] };
  readonly data: { readonly children: readonly unknown[] };
  readonly numRows: number;
}

/** The part of apache-arrow's `Table` read here. */
export interface ArrowTable {
  readonly schema: { readonly fields: readonly { readonly name: string }[] };
  readonly batches: readonly ArrowRecordBatch[];
}

/** What {@link arrowDataset} reads: a Table, a RecordBatch, an array of batches, or a function
 *  returning a fresh iterable of batches for every pass (a `RecordBatchReader` reads once). */
export type ArrowSource =
  | ArrowTable
  | ArrowRecordBatch
  | readonly ArrowRecordBatch[]
  | (() => Iterable<ArrowRecordBatch> | AsyncIterable<ArrowRecordBatch> | Promise<AsyncIterable<ArrowRecordBatch>>);

/** Options of {@link arrowDataset}: those of parquetDataset. */
export type ArrowDatasetOptions = ColumnarOptions;

/** An Arrow table as a DataSource: a chunk a record batch. */
export interface ArrowDataset<Chunk extends FeatureChunk | TableChunk = TableChunk> extends AsyncIterable<Chunk> {
  /** Feature columns read (a fixed-size list column counts its size). */
  readonly cols: number;
  /** Their names, in the order read (a list column `v` of size 3: `v[0]`, `v[1]`, `v[2]`). */
  readonly features: string[];
  readonly label: string | null;
  readonly ignored: string[];
  /** Rows, counted by a pass over batches that are not all in hand. */
  count(): Promise<number>;
  /** With `labels: 'classes'`: the classes, in index order (given, or found by a pass); else null. */
  classes(): Promise<ClassName[] | null>;
}

/**
 * Read Arrow record batches as chunks of rows, a chunk a batch: the feature columns (every
 * column but the label, or `features` in that order) as row-major float32 — Int, Float (half,
 * single, double) and Bool columns, and fixed-size lists of them (an embedding column: one
 * feature per element) — and the label column as `labels` says. A single fixed-size list of
 * float32 without nulls is handed out as it is, not copied. A null, a column of strings, dates
 * or nested lists among the features is a DataError naming the column and the batch.
 */
export function arrowDataset(source: ArrowSource, options: ArrowDatasetOptions & { label: null }): Promise<ArrowDataset<FeatureChunk>>;
export function arrowDataset(source: ArrowSource, options?: ArrowDatasetOptions): Promise<ArrowDataset<TableChunk>>;
export async function arrowDataset(source: ArrowSource, options: ArrowDatasetOptions = {}): Promise<ArrowDataset<FeatureChunk | TableChunk>> {
  const o = checkColumnarOptions(options);
  const name = o.name ?? 'the Arrow table';
  const batches = batchesOf(source, name);
  const table = source as Partial<ArrowTable>;
  if (!isBatch(source) && Array.isArray(table.batches)) return readBatches(batches, table.schema!.fields, o, name);
  for await (const first of batches()) return readBatches(batches, first.schema.fields, o, name);
  throw new DataError('source', `${name} has no record batches`);
}

function isBatch(value: unknown): value is ArrowRecordBatch {
  const v = value as Partial<ArrowRecordBatch> | null;
  return typeof v === 'object' && v !== null && typeof v.numRows === 'number' && Array.isArray(v.data?.children) && Array.isArray(v.schema?.fields);
}

/** The batches of one pass, as the source gives them. */
function batchesOf(source: ArrowSource, name: string): () => AsyncIterable<ArrowRecordBatch> {
  const table = source as Partial<ArrowTable>;
  let each: () => Iterable<ArrowRecordBatch> | AsyncIterable<ArrowRecordBatch> | Promise<AsyncIterable<ArrowRecordBatch>>;
  if (isBatch(source)) each = () => [source];
  else if (Array.isArray(source)) {
    source.forEach((b, i) => {
      if (!isBatch(b)) throw new DataError(`source[${i}]`, `source[${i}] must be an apache-arrow RecordBatch, got ${describe(b)}`);
    });
    each = () => source as readonly ArrowRecordBatch[];
  } else if (typeof source === 'object' && source !== null && Array.isArray(table.batches) && Array.isArray(table.schema?.fields)) each = () => table.batches!;
  else if (typeof source === 'function') each = source;
  else
    throw new DataError(
      'source',
      `source must be an apache-arrow Table, a RecordBatch, an array of them, or a function returning the batches of one pass (a RecordBatchReader reads once), got ${describe(source)}` +
        (typeof source === 'string' ? '; a file is read by arrowDataset from gradwasm/node' : ''),
    );
  return () => ({
    async *[Symbol.asyncIterator]() {
      let k = 0;
      for await (const batch of await each()) {
        if (!isBatch(batch)) throw new DataError('source', `${name}: batch ${k} is not an apache-arrow RecordBatch, got ${describe(batch)}`);
        k++;
        yield batch;
      }
    },
  });
}

/** A feature: a column, or element `element` of a fixed-size list column. */
interface Feature {
  column: number;
  element: number;
}

function readBatches(
  batches: () => AsyncIterable<ArrowRecordBatch>,
  fields: readonly { readonly name: string }[],
  o: ReturnType<typeof checkColumnarOptions>,
  source: string,
): ArrowDataset<FeatureChunk | TableChunk> {
  const names = fields.map((f) => f.name);
  const plan = planColumns(names, true, o.label, o.features, source, 'options.features');
  const labelAt = plan.labelAt;
  const chosen = plan.features.map((n) => names.indexOf(n));
  let features: Feature[] | null = null; // (list sizes are known from the first batch)
  let rows: number | null = null;
  let classes: ClassName[] | null = o.labels === 'classes' ? (o.classes ?? null) : null;

  const columnOf = (batch: ArrowRecordBatch, c: number): ArrowData => batch.data.children[c] as ArrowData;
  const where = (k: number, c: number) => `${source}: batch ${k}, column ${JSON.stringify(names[c])}`;

  /** The features of a batch's chosen columns, each checked. */
  function featuresOf(batch: ArrowRecordBatch, k: number): Feature[] {
    const out: Feature[] = [];
    for (const c of chosen) {
      const data = columnOf(batch, c);
      const type = data.type;
      if (type.typeId === FIXED_SIZE_LIST) {
        const child = data.children[0]!;
        if (!isNumeric(child.type.typeId))
          throw new DataError('source', `${where(k, c)} is a list of ${child.type}; features must be numbers`, { source, column: names[c] });
        for (let e = 0; e < type.listSize!; e++) out.push({ column: c, element: e });
      } else if (isNumeric(type.typeId)) out.push({ column: c, element: -1 });
      else throw new DataError('source', `${where(k, c)} holds ${type} values; features must be numbers`, { source, column: names[c] });
    }
    return out;
  }

  /** One pass; `labelsOnly`: the label column alone is read, into `seen`. */
  async function* pass(seen: Set<string | number> | null = null): AsyncGenerator<FeatureChunk | TableChunk> {
    if (!seen && labelAt >= 0 && o.labels === 'classes') await findClasses();
    let k = 0,
      total = 0;
    for await (const batch of batches()) {
      const n = batch.numRows;
      const label = labelAt >= 0 ? columnOf(batch, labelAt) : null;
      if (seen) {
        eachLabel(label!, k, (v, row) => seen.add(labelKey(v, () => wrongLabel(k, row, v, 'class names or numbers'))));
      } else if (n > 0) {
        const mine = featuresOf(batch, k);
        if (features && mine.length !== features.length)
          throw new DataError('source', `${source}: batch ${k} has ${mine.length} features, the first had ${features.length}`, { source });
        features ??= mine;
        const x = rowsOf(batch, mine, k);
        if (!label) yield { x };
        else {
          const y = new Float32Array(n);
          const write = labelWriter(o.labels, classes, y, (row, v, expected) => wrongLabel(k, row, v, expected));
          eachLabel(label, k, write);
          yield { x, y };
        }
      }
      total += n;
      k++;
    }
    if (k === 0) throw new DataError('source', `${source} has no record batches`, { source });
    rows = total;
  }

  function wrongLabel(k: number, row: number, value: unknown, expected: string): DataError {
    return new DataError('source', `${where(k, labelAt)} (the label), row ${row} of the batch is ${describe(value)}; labels must be ${expected}`, {
      source,
      column: names[labelAt],
    });
  }

  /** Each label value of a batch's label column: numbers, booleans, bigints, strings, dictionary entries. */
  function eachLabel(data: ArrowData, k: number, take: (value: unknown, row: number) => void): void {
    if (data.nullCount > 0) throw new DataError('source', `${where(k, labelAt)} (the label) holds ${data.nullCount} nulls`, { source, column: names[labelAt] });
    const id = data.type.typeId;
    const n = data.length;
    if (id === INT || id === FLOAT) {
      const half = id === FLOAT && data.type.precision === 0;
      for (let i = 0; i < n; i++) take(half ? halfToNumber(data.values[i] as number) : data.values[i], i);
    } else if (id === BOOL) for (let i = 0; i < n; i++) take(bitAt(data, i) === 1, i);
    else if (id === UTF8 || id === LARGE_UTF8) {
      const text = new TextDecoder();
      const bytes = data.values as unknown as Uint8Array;
      for (let i = 0; i < n; i++) take(text.decode(bytes.subarray(Number(data.valueOffsets![i]), Number(data.valueOffsets![i + 1]))), i);
    } else if (id === DICTIONARY && data.dictionary) for (let i = 0; i < n; i++) take(data.dictionary.get(Number(data.values[i])), i);
    else
      throw new DataError('source', `${where(k, labelAt)} (the label) holds ${data.type} values; labels must be numbers, booleans or class names`, {
        source,
        column: names[labelAt],
      });
  }

  /** A batch's features, row-major: a view of a lone float32 list column, else a copy. */
  function rowsOf(batch: ArrowRecordBatch, mine: Feature[], k: number): FeatureChunk['x'] {
    const n = batch.numRows,
      cols = mine.length;
    for (const c of chosen) {
      const data = columnOf(batch, c);
      const nulls = data.nullCount + (data.type.typeId === FIXED_SIZE_LIST ? data.children[0]!.nullCount : 0);
      if (nulls > 0)
        throw new DataError('source', `${where(k, c)} holds ${nulls} nulls; gradwasm reads no nulls (fill or drop them first)`, { source, column: names[c] });
    }
    if (chosen.length === 1) {
      const data = columnOf(batch, chosen[0]!);
      const child = data.children[0];
      if (data.type.typeId === FIXED_SIZE_LIST && child!.type.typeId === FLOAT && child!.type.precision === 1) {
        // (a child's values are sliced to its rows already)
        return { data: child!.values as Float32Array, rows: n, cols, stride: cols };
      }
    }
    const out = new Float32Array(n * cols);
    mine.forEach((f, j) => {
      const data = columnOf(batch, f.column);
      if (f.element < 0) scatter(data, 0, 1, out, j, cols, n);
      else scatter(data.children[0]!, f.element, data.type.listSize!, out, j, cols, n);
    });
    return { data: out, rows: n, cols, stride: cols };
  }

  async function findClasses(): Promise<ClassName[] | null> {
    if (o.labels !== 'classes' || classes || labelAt < 0) return classes;
    const seen = new Set<string | number>();
    for await (const _ of pass(seen));
    return (classes = sortedClasses(seen));
  }

  const dataset: ArrowDataset<FeatureChunk | TableChunk> = {
    get cols() {
      return features?.length ?? chosen.length;
    },
    get features() {
      return features ? features.map((f) => (f.element < 0 ? names[f.column]! : `${names[f.column]}[${f.element}]`)) : chosen.map((c) => names[c]!);
    },
    label: labelAt < 0 ? null : names[labelAt]!,
    ignored: plan.ignored,
    async count() {
      if (rows === null) {
        let total = 0;
        for await (const batch of batches()) total += batch.numRows;
        rows = total;
      }
      return rows;
    },
    classes: findClasses,
    [Symbol.asyncIterator]: () => pass(),
  };
  return dataset;
}

function isNumeric(typeId: number): boolean {
  return typeId === INT || typeId === FLOAT || typeId === BOOL;
}

/** Element `element` (of `width` a row) of each of n rows of `data` into column j of the row-major `out`. */
function scatter(data: ArrowData, element: number, width: number, out: Float32Array, j: number, cols: number, n: number): void {
  const { typeId, precision } = data.type;
  if (typeId === BOOL) {
    for (let r = 0; r < n; r++) out[r * cols + j] = bitAt(data, r * width + element);
    return;
  }
  const values = data.values;
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    for (let r = 0, i = element; r < n; r++, i += width) out[r * cols + j] = Number(values[i]!);
  } else if (typeId === FLOAT && precision === 0) {
    for (let r = 0, i = element; r < n; r++, i += width) out[r * cols + j] = halfToNumber(values[i] as number);
  } else {
    const numbers = values as ArrayLike<number>;
    for (let r = 0, i = element; r < n; r++, i += width) out[r * cols + j] = numbers[i]!;
  }
}

/** Bit i of a Bool column (its bitmap is not sliced: it starts at the data's offset). */
function bitAt(data: ArrowData, i: number): number {
  const bit = data.offset + i;
  return ((data.values as Uint8Array)[bit >> 3]! >> (bit & 7)) & 1;
}

/** An IEEE half (Arrow's Float16, stored as its 16 bits) as a number. */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1,
    exponent = (bits >> 10) & 0x1f,
    fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
