/** Byte ranges of a file, wherever it is: a path, a Blob, bytes in memory (what the Parquet reader reads). */
export interface ByteRanges {
  readonly byteLength: number;
  read(start: number, end: number): Promise<Uint8Array>;
}
