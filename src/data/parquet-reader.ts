// The Parquet decoding behind parquetDataset (parquet.ts), loaded on the first Parquet file read:
// hyparquet (pure JavaScript, browsers too) finds the columns and decodes every page — headers,
// codecs (hyparquet-compressors: snappy, gzip, zstd, brotli, lz4), encodings, dictionaries. What
// this module adds is how a page's values reach a row-major float32 table, one row group at a time.
//
// It drives hyparquet page by page instead of through parquetRead because a flat OPTIONAL column
// — how pandas, Polars and DuckDB write every column, nulls or not — goes there through
// assembleLists, which copies each value into a JavaScript array, and through definition levels
// decoded into a `new Array(num_values)` (dictionary-mode for large pages): 45 % of a DuckDB
// table's read time (BENCHMARKS.md, "Ingestion"). Here a page whose levels say "no nulls" (one
// run of the maximum level, or a v2 header's num_nulls of 0) is decoded as the REQUIRED column it
// then is, its values a typed-array view of the page; only a page with other levels goes through
// hyparquet's own level decoding, which finds the null it holds.
import { parquetHeader, readPage } from 'hyparquet/src/column.js';
import { convert, convertWithDictionary, DEFAULT_PARSERS } from 'hyparquet/src/convert.js';
import { decompressPage, readDataPage, readDataPageV2 } from 'hyparquet/src/datapage.js';
import { parquetMetadataAsync } from 'hyparquet/src/metadata.js';
import { getSchemaPath } from 'hyparquet/src/schema.js';
import { compressors } from 'hyparquet-compressors';
import type {
  ColumnDecoder,
  CompressionCodec,
  DataReader,
  DecodedArray,
  Encoding,
  FileMetaData,
  PageHeader,
  SchemaElement,
  SchemaTree,
} from 'hyparquet/src/types.js';
import { DataError } from '../core/errors.js';
import type { ByteRanges } from './byte-ranges.js';

/** A leaf column of the file, as the readers here take it. */
export interface ParquetColumn {
  readonly name: string;
  /** Its index among the row group's column chunks. */
  readonly index: number;
  /** Why it cannot be a feature (strings, a date, nested), or null when it holds numbers. */
  readonly notNumeric: string | null;
  /** Whether it holds text (a label column of class names). */
  readonly text: boolean;
  readonly decoder: ColumnDecoder;
  /** The same column declared REQUIRED: how a page without nulls is decoded. */
  readonly required: ColumnDecoder;
}

/** A file's layout: its columns and row groups. */
export interface ParquetLayout {
  readonly columns: ParquetColumn[];
  /** Rows of each row group. */
  readonly groups: number[];
  readonly metadata: FileMetaData;
}

/** The file's footer, read: its flat columns and row groups. */
export async function readLayout(file: ByteRanges, source: string): Promise<ParquetLayout> {
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync({
      byteLength: file.byteLength,
      slice: async (start, end) => {
        const bytes = await file.read(start, end ?? file.byteLength);
        return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      },
    });
  } catch (error) {
    throw new DataError('source', `${source} is not a Parquet file that can be read: ${(error as Error).message}`);
  }
  return { columns: topColumns(metadata), groups: metadata.row_groups.map((g) => Number(g.num_rows)), metadata };
}

/** The file's columns: the root's fields, each flat (one column chunk a row group, at its leaf
 *  index) or nested (a list, map or struct: its leaves are not read). */
function topColumns(metadata: FileMetaData): ParquetColumn[] {
  const root = getSchemaPath(metadata.schema, [])[0]!;
  const leavesOf = (tree: SchemaTree): number => (tree.children.length ? tree.children.reduce((n, child) => n + leavesOf(child), 0) : 1);
  let leaf = 0;
  return root.children.map((field) => {
    const column = describeColumn(metadata, [root, field], leaf);
    leaf += leavesOf(field);
    return column;
  });
}

function describeColumn(metadata: FileMetaData, schemaPath: SchemaTree[], index: number): ParquetColumn {
  const [, field] = schemaPath as [SchemaTree, SchemaTree];
  const { element } = field;
  const flat = field.children.length === 0;
  const chunk = metadata.row_groups[0]?.columns[index]?.meta_data;
  const decoder: ColumnDecoder = {
    pathInSchema: [element.name],
    type: element.type!,
    element,
    schemaPath,
    codec: chunk?.codec ?? 'UNCOMPRESSED',
    parsers: DEFAULT_PARSERS,
    compressors,
  };
  const required: ColumnDecoder = { ...decoder, schemaPath: [schemaPath[0]!, { ...field, element: { ...element, repetition_type: 'REQUIRED' } }] };
  const text = flat && element.type === 'BYTE_ARRAY' && element.converted_type !== 'DECIMAL' && element.logical_type?.type !== 'DECIMAL';
  return { name: element.name, index, notNumeric: flat ? whyNotNumeric(element) : 'is nested (a list, map or struct)', text, decoder, required };
}

/** Why a column's values are not numbers, or null. */
function whyNotNumeric(element: SchemaElement): string | null {
  if (element.repetition_type === 'REPEATED') return 'is nested (a repeated field)';
  const logical = element.logical_type?.type,
    converted = element.converted_type;
  if (converted === 'DECIMAL' || logical === 'DECIMAL' || logical === 'FLOAT16') return null;
  switch (element.type) {
    case 'BYTE_ARRAY':
    case 'FIXED_LEN_BYTE_ARRAY':
      return `holds ${converted === 'UTF8' || logical === 'STRING' || element.type === 'BYTE_ARRAY' ? 'strings' : 'bytes'} (${element.type})`;
    case 'INT96':
      return 'holds timestamps (INT96)';
  }
  if (converted === 'DATE' || logical === 'DATE') return 'holds dates';
  if (converted?.startsWith('TIMESTAMP') || logical === 'TIMESTAMP') return 'holds timestamps';
  if (converted === 'INTERVAL') return 'holds intervals';
  return null;
}

/**
 * Decode one column chunk (`bytes`, from its first page to its last) of row group `group`,
 * handing each page's values to `take` with the row (within the group) of the first.
 */
export function decodeChunk(
  bytes: Uint8Array,
  chunk: { column: ParquetColumn; codec: CompressionCodec },
  group: number,
  rows: number,
  source: string,
  take: (values: DecodedArray, row: number) => void,
): void {
  // (a chunk's codec is its own: a file may change codecs between row groups)
  const column = chunk.codec === chunk.column.decoder.codec ? chunk.column : withCodec(chunk.column, chunk.codec);
  const reader: DataReader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  const where = `${source}: row group ${group}, column ${JSON.stringify(column.name)}`;
  let dictionary: DecodedArray | undefined;
  let row = 0;
  try {
    while (row < rows) {
      if (reader.offset >= bytes.length) throw new Error(`its pages end at row ${row} of ${rows}`);
      const header = parquetHeader(reader);
      if (header.type === 'DICTIONARY_PAGE') {
        const { data } = readPage(reader, header, column.decoder, undefined, undefined, 0);
        dictionary = data && convert(data, column.decoder);
        continue;
      }
      const page = bytes.subarray(reader.offset, reader.offset + header.compressed_page_size);
      reader.offset += header.compressed_page_size;
      if (header.type !== 'DATA_PAGE' && header.type !== 'DATA_PAGE_V2') continue; // an index page
      const { values, encoding, nullAt } = decodePage(page, header, column);
      if (nullAt >= 0) throw new DataError('source', `${where}: row ${row + nullAt} of the group is null; gradwasm reads no nulls (fill or drop them first)`);
      const converted = convertWithDictionary(values, dictionary, encoding, column.decoder);
      take(converted, row);
      row += converted.length;
    }
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw new DataError('source', `${where} cannot be decoded: ${(error as Error).message}`);
  }
}

function withCodec(column: ParquetColumn, codec: CompressionCodec): ParquetColumn {
  return { ...column, decoder: { ...column.decoder, codec }, required: { ...column.required, codec } };
}

/** A data page's values, its encoding, and the index of its first null (−1: none). */
function decodePage(page: Uint8Array, header: PageHeader, column: ParquetColumn): { values: DecodedArray; encoding: Encoding; nullAt: number } {
  const optional = column.decoder.element.repetition_type === 'OPTIONAL';
  if (header.type === 'DATA_PAGE_V2') {
    const v2 = header.data_page_header_v2!;
    if (!optional || v2.num_nulls === 0) {
      // its levels, stored uncompressed before the values, are skipped
      const skip = v2.definition_levels_byte_length + v2.repetition_levels_byte_length;
      const bare: PageHeader = {
        ...header,
        uncompressed_page_size: header.uncompressed_page_size - skip,
        data_page_header_v2: { ...v2, definition_levels_byte_length: 0, repetition_levels_byte_length: 0 },
      };
      return { values: readDataPageV2(page.subarray(skip), bare, column.required).dataPage, encoding: v2.encoding, nullAt: -1 };
    }
    const { definitionLevels, dataPage } = readDataPageV2(page, header, column.decoder);
    return { values: dataPage, encoding: v2.encoding, nullAt: firstNull(definitionLevels) };
  }
  const v1 = header.data_page_header!;
  const bytes = decompressPage(page, header.uncompressed_page_size, column.decoder.codec, compressors);
  if (optional) {
    const levels = levelsWithoutNulls(bytes, v1.num_values);
    if (levels >= 0) return { values: readDataPage(bytes.subarray(levels), v1, column.required).dataPage, encoding: v1.encoding, nullAt: -1 };
    const { definitionLevels, dataPage } = readDataPage(bytes, v1, column.decoder);
    return { values: dataPage, encoding: v1.encoding, nullAt: firstNull(definitionLevels) };
  }
  return { values: readDataPage(bytes, v1, column.decoder).dataPage, encoding: v1.encoding, nullAt: -1 };
}

/**
 * The bytes a v1 page's definition levels take (their 4-byte length and the levels), when they
 * are runs of level 1 alone (a flat OPTIONAL column without a null); −1 when they are anything
 * else (bit-packed, or a 0 among them), which hyparquet's level decoding then reads.
 */
function levelsWithoutNulls(page: Uint8Array, values: number): number {
  if (page.length < 4) return -1;
  const length = page[0]! | (page[1]! << 8) | (page[2]! << 16) | (page[3]! << 24);
  const end = 4 + length;
  let at = 4,
    seen = 0;
  while (seen < values && at < end) {
    // an RLE run: its header, a varint (count << 1, low bit 0), then the repeated level in one byte
    let run = 0,
      shift = 0,
      byte: number;
    do {
      byte = page[at++]!;
      run += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80 && shift < 35);
    if (run % 2 !== 0 || page[at++] !== 1) return -1;
    seen += run / 2;
  }
  return seen === values && at <= end ? end : -1;
}

function firstNull(levels: number[] | undefined): number {
  if (!levels?.length) return -1;
  // (flat columns: level 1 is a value, 0 a null)
  return levels.indexOf(0);
}
