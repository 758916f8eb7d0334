// An Arrow IPC file or stream (.arrow, .feather, .arrows) by its path, read a record batch at a time
// with apache-arrow's reader — an optional peer dependency, imported on the first file read.
import { open } from 'node:fs/promises';
import { DataError } from '../core/errors.js';
import { arrowDataset as fromArrow, type ArrowDataset, type ArrowDatasetOptions, type ArrowRecordBatch, type ArrowSource } from '../data/arrow.js';
import type { FeatureChunk, TableChunk } from '../data/parquet.js';

/**
 * {@link fromArrow | arrowDataset} for Node: `source` may also be the path of an Arrow IPC file
 * (`.arrow`, Feather v2) or stream, read a record batch at a time on every pass. Reading a file
 * needs `apache-arrow` installed (an optional peer dependency).
 */
export function arrowDataset(source: string | ArrowSource, options: ArrowDatasetOptions & { label: null }): Promise<ArrowDataset<FeatureChunk>>;
export function arrowDataset(source: string | ArrowSource, options?: ArrowDatasetOptions): Promise<ArrowDataset<TableChunk>>;
export async function arrowDataset(source: string | ArrowSource, options: ArrowDatasetOptions = {}): Promise<ArrowDataset<FeatureChunk | TableChunk>> {
  if (typeof source !== 'string') return fromArrow(source, options);
  const path = source;
  const arrow = await import('apache-arrow').catch(() => {
    throw new DataError('source', `reading ${path} needs apache-arrow, an optional peer dependency of gradwasm: npm install apache-arrow`, { source: path });
  });
  async function* batches(): AsyncGenerator<ArrowRecordBatch> {
    const handle = await open(path, 'r').catch((error: Error) => {
      throw new DataError('source', `${path} cannot be read: ${error.message}`, { source: path });
    });
    try {
      yield* (await arrow.RecordBatchReader.from(handle)) as AsyncIterable<ArrowRecordBatch>;
    } catch (error) {
      if (error instanceof DataError) throw error;
      throw new DataError('source', `${path} is not an Arrow IPC file or stream that can be read: ${(error as Error).message}`, { source: path });
    } finally {
      await handle.close();
    }
  }
  return fromArrow(batches, { name: path, ...options });
}
