// A table file of the command line by its extension — a CSV (csvDataset), a Parquet file
// (parquetDataset) or an Arrow IPC file or stream (arrowDataset) — as one kind of dataset: its
// chunks, its columns, its label column's classes, and the bytes read for progress.
import { stat } from 'node:fs/promises';
import type { ClassName } from '../data/classes.js';
import { arrowDataset, csvDataset, parquetDataset, type FileChunk } from '../node/index.js';

/** The file kinds the command line reads besides .npy. */
export type TableKind = 'csv' | 'parquet' | 'arrow';

/** A labelled table file as the CLI reads it. */
export interface TableFile extends AsyncIterable<FileChunk> {
  /** Bytes read by the pass under way (or the last). */
  readonly bytesRead: number;
  count(): Promise<number>;
  columns(): Promise<{ features: string[]; label: string; header: boolean }>;
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

/** Open a table file: its label (a name or index; default as parseCsv's), read as `labels` says. */
export async function openTableFile(
  path: string,
  where: { label?: string | number; delimiter: string },
  labels: 'binary' | 'classes' | 'values' = 'binary',
): Promise<TableFile> {
  const kind = tableKind(path);
  if (kind === 'csv') return csvDataset(path, { ...where, labels });
  const options = { ...(where.label === undefined ? {} : { label: where.label }), labels };
  if (kind === 'parquet') {
    const ds = await parquetDataset(path, options);
    return {
      get bytesRead() {
        return ds.bytesRead;
      },
      count: async () => ds.rows,
      columns: async () => ({ features: ds.features, label: ds.label!, header: true }),
      classes: () => ds.classes(),
      [Symbol.asyncIterator]: () => ds[Symbol.asyncIterator](),
    };
  }
  // Arrow: the file's bytes count as read when a pass ends (its reader does not say before)
  const ds = await arrowDataset(path, options);
  const size = (await stat(path)).size;
  let bytesRead = 0;
  return {
    get bytesRead() {
      return bytesRead;
    },
    count: () => ds.count(),
    columns: async () => ({ features: ds.features, label: ds.label!, header: true }),
    classes: () => ds.classes(),
    async *[Symbol.asyncIterator]() {
      bytesRead = 0;
      yield* ds;
      bytesRead = size;
    },
  };
}
