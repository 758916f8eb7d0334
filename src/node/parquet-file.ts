// A Parquet file by its path: byte ranges read with plain file reads, the file open for one pass.
import { open } from 'node:fs/promises';
import { DataError } from '../core/errors.js';
import {
  parquetDataset as fromBytes,
  openParquetDataset,
  type FeatureChunk,
  type ParquetDataset,
  type ParquetDatasetOptions,
  type ParquetSource,
  type TableChunk,
} from '../data/parquet.js';

/**
 * {@link fromBytes | parquetDataset} for Node: `source` may also be a file's path, read a column
 * chunk at a time (never whole) on every pass.
 */
export function parquetDataset(source: string | ParquetSource, options: ParquetDatasetOptions & { label: null }): Promise<ParquetDataset<FeatureChunk>>;
export function parquetDataset(source: string | ParquetSource, options?: ParquetDatasetOptions): Promise<ParquetDataset<TableChunk>>;
export async function parquetDataset(source: string | ParquetSource, options: ParquetDatasetOptions = {}): Promise<ParquetDataset<FeatureChunk | TableChunk>> {
  if (typeof source !== 'string') return fromBytes(source, options);
  if (source === '') throw new DataError('source', 'source must be a file path or a Parquet file\'s bytes, got ""');
  const path = source;
  return openParquetDataset(
    {
      name: typeof options?.name === 'string' && options.name !== '' ? options.name : path,
      async open() {
        const handle = await open(path, 'r').catch((error: Error) => {
          throw new DataError('source', `${path} cannot be read: ${error.message}`, { source: path });
        });
        const { size } = await handle.stat();
        return {
          byteLength: size,
          async read(start: number, end: number): Promise<Uint8Array> {
            const bytes = new Uint8Array(end - start);
            for (let got = 0; got < bytes.length;) {
              const { bytesRead } = await handle.read(bytes, got, bytes.length - got, start + got);
              if (bytesRead === 0) throw new DataError('source', `${path} ends at byte ${start + got}, inside a column its footer lists`, { source: path });
              got += bytesRead;
            }
            return bytes;
          },
          close: () => handle.close(),
        };
      },
    },
    options,
  );
}
