// A table file of the command line by its extension — a CSV (csvDataset), a Parquet file
// (parquetDataset) or an Arrow IPC file or stream (arrowDataset) — as one kind of dataset, read
// with csvDataset's options: its chunks, its columns, its label column's classes, and the bytes
// read for progress. train, predict, evaluate and explain all open their files here.
import { stat } from 'node:fs/promises';
import type { ClassName } from '../data/classes.js';
import { LOANED, type FeatureChunk, type TableChunk } from '../data/dataset.js';
import { arrowDataset, csvDataset, parquetDataset, type CsvDatasetOptions } from '../node/index.js';

/** The file kinds the command line reads besides .npy. */
export type TableKind = 'csv' | 'parquet' | 'arrow';

/** A table file as the CLI reads it. */
export interface TableFile<Chunk extends TableChunk | FeatureChunk = TableChunk> extends AsyncIterable<Chunk> {
  /** Bytes read by the pass under way (or the last). */
  readonly bytesRead: number;
  count(): Promise<number>;
  /** The feature columns read, the label column (null: none), whether the file named its columns, the columns not read. */
  columns(): Promise<{ features: string[]; label: Chunk extends TableChunk ? string : string | null; header: boolean; ignored: string[] }>;
  /** With labels 'classes': the classes, sorted; else null. */
  classes(): Promise<ClassName[] | null>;
}

/** The kind of a file by its extension (CSV for any other). */
export function tableKind(path: string): TableKind {
  const lower = path.toLowerCase();
  if (lower.endsWith('.parquet') || lower.endsWith('.pq')) return 'parquet';
  if (/\.(arrow|arrows|feather|ipc)$/.test(lower)) return 'arrow';
  return 'csv';
}

/** Open a labelled table file to train on: its label (a name or index; default as parseCsv's), read as `labels` says. */
export async function openTableFile(
  path: string,
  where: { label?: string | number; delimiter: string },
  labels: 'binary' | 'classes' | 'values' = 'binary',
): Promise<TableFile> {
  return (await openTable(path, { ...where, labels })) as TableFile;
}

/** Open a table file with csvDataset's options (the delimiter is the CSV's alone). */
export async function openTable(path: string, options: CsvDatasetOptions): Promise<TableFile<TableChunk | FeatureChunk>> {
  const kind = tableKind(path);
  if (kind === 'csv') return csvDataset(path, options) as TableFile<TableChunk | FeatureChunk>;
  const { delimiter: _, header: __, ...columnar } = options;
  if (kind === 'parquet') {
    const ds = await parquetDataset(path, columnar);
    return {
      get bytesRead() {
        return ds.bytesRead;
      },
      count: async () => ds.rows,
      columns: async () => ({ features: ds.features, label: ds.label!, header: true, ignored: ds.ignored }),
      classes: () => ds.classes(),
      [Symbol.asyncIterator]: () => ds[Symbol.asyncIterator](),
      [LOANED]: (ds as unknown as Record<typeof LOANED, () => AsyncIterator<TableChunk | FeatureChunk>>)[LOANED],
    } as TableFile<TableChunk | FeatureChunk>;
  }
  // Arrow: the file's bytes count as read when a pass ends (its reader does not say before)
  const ds = await arrowDataset(path, columnar);
  const size = (await stat(path)).size;
  let bytesRead = 0;
  return {
    get bytesRead() {
      return bytesRead;
    },
    count: () => ds.count(),
    columns: async () => ({ features: ds.features, label: ds.label!, header: true, ignored: ds.ignored }),
    classes: () => ds.classes(),
    async *[Symbol.asyncIterator]() {
      bytesRead = 0;
      yield* ds;
      bytesRead = size;
    },
  };
}
