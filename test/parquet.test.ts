// parquetDataset on files another implementation wrote: DuckDB (through @duckdb/node-api) writes
// each table here, with each codec, dictionary and plain pages, v1 and v2 data pages, several
// row groups, and a table of 1,200 columns; every value must be Math.fround(Number(v)) of what
// was written, and the rows those of the same table read from CSV — to the bit.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parquetMetadata } from 'hyparquet';
import { DataError, Sequential, dense, parquetDataset as parquetFromBytes } from '../src/index.js';
import { csvDataset, npyDataset, parquetDataset, readCsv, writeNpy } from '../src/node/index.js';
import type { FeatureChunk, ParquetDataset, TableChunk } from '../src/data/parquet.js';

const dir = mkdtempSync(join(tmpdir(), 'gradwasm-parquet-'));
const at = (name: string) => join(dir, name);
let duck: DuckDBConnection;

beforeAll(async () => {
  duck = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(() => duck?.closeSync());

/** Write `select`'s rows to a Parquet file with DuckDB's COPY options. */
async function writeParquet(name: string, select: string, options = ''): Promise<string> {
  await duck.run(`COPY (${select}) TO '${at(name)}' (FORMAT PARQUET${options ? ', ' + options : ''})`);
  return at(name);
}

/** Every chunk of a pass, joined: features row-major, labels. */
async function readAll(ds: ParquetDataset<FeatureChunk | TableChunk>): Promise<{ x: Float32Array; y: Float32Array | null; chunks: number }> {
  const xs: Float32Array[] = [],
    ys: Float32Array[] = [];
  for await (const chunk of ds) {
    expect(chunk.x.stride).toBe(chunk.x.cols);
    xs.push(chunk.x.data.slice(0, chunk.x.rows * chunk.x.cols));
    if (chunk.y) ys.push(chunk.y.slice());
  }
  const join = (parts: Float32Array[]) => {
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) out.set(p, (o += p.length) - p.length);
    return out;
  };
  return { x: join(xs), y: ys.length ? join(ys) : null, chunks: xs.length };
}

/** The encodings and codecs each column's chunks were written with. */
function layoutOf(path: string): { groups: number; encodings: Set<string>; codecs: Set<string> } {
  const bytes = readFileSync(path);
  const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const encodings = new Set<string>(),
    codecs = new Set<string>();
  for (const g of meta.row_groups)
    for (const c of g.columns) {
      for (const e of c.meta_data!.encodings) encodings.add(e);
      codecs.add(c.meta_data!.codec);
    }
  return { groups: meta.row_groups.length, encodings, codecs };
}

const same = (a: Float32Array, b: Float32Array) =>
  expect(Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))).toBe(true);

describe('parquetDataset: a CSV table written as Parquet by DuckDB', () => {
  const csv = 'data/breast_cancer.csv';
  it.each(['SNAPPY', 'GZIP', 'ZSTD', 'UNCOMPRESSED', 'BROTLI', 'LZ4'])('%s pages: every value and label of the CSV, to the bit', async (codec) => {
    const path = await writeParquet(`bc-${codec}.parquet`, `SELECT * FROM read_csv('${csv}', header = true)`, `COMPRESSION ${codec}`);
    expect(layoutOf(path).codecs).toEqual(new Set([codec === 'LZ4' ? 'LZ4_RAW' : codec]));
    const table = await readCsv(csv);
    const ds = await parquetDataset(path);
    expect([ds.rows, ds.cols, ds.label]).toEqual([569, 30, 'label']);
    expect(ds.features).toEqual(table.features);
    const read = await readAll(ds);
    same(read.x, table.x.data);
    same(read.y!, table.y);
  });

  it('data pages v2, BYTE_STREAM_SPLIT and DELTA_BINARY_PACKED pages (PARQUET_VERSION V2) read the same', async () => {
    const path = await writeParquet('bc-v2.parquet', `SELECT * FROM read_csv('${csv}', header = true)`, 'PARQUET_VERSION V2');
    expect(layoutOf(path).encodings).toContain('BYTE_STREAM_SPLIT');
    const table = await readCsv(csv);
    const read = await readAll(await parquetDataset(path));
    same(read.x, table.x.data);
    same(read.y!, table.y);
  });

  it('the bytes in memory, a Uint8Array, a Blob and an AsyncBuffer give the chunks the path gives', async () => {
    const path = await writeParquet('bc.parquet', `SELECT * FROM read_csv('${csv}', header = true)`);
    const expected = await readAll(await parquetDataset(path));
    const bytes = readFileSync(path);
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    for (const source of [
      buffer,
      new Uint8Array(buffer),
      new Blob([buffer]),
      { byteLength: buffer.byteLength, slice: (s: number, e?: number) => buffer.slice(s, e) },
    ]) {
      const read = await readAll(await parquetFromBytes(source));
      same(read.x, expected.x);
      same(read.y!, expected.y!);
    }
  });

  it('features chosen and ordered by name; label by name or index, or none; other columns listed as ignored', async () => {
    const path = await writeParquet('bc-named.parquet', `SELECT * FROM read_csv('${csv}', header = true)`);
    const features = ['worst_area', 'mean_radius', 'texture_error'];
    const table = await readCsv(csv, { features });
    const ds = await parquetDataset(path, { features });
    expect(ds.features).toEqual(features);
    expect(ds.ignored).toEqual(table.ignored);
    const read = await readAll(ds);
    same(read.x, table.x.data);
    same(read.y!, table.y);
    const unlabelled = await parquetDataset(path, { label: null, features: ['label', 'mean_radius'] });
    expect(unlabelled.label).toBeNull();
    const rows = await readAll(unlabelled);
    expect(rows.y).toBeNull();
    expect(Array.from(rows.x.subarray(0, 2))).toEqual([table.y[0], table.x.data[1 * 0 + features.indexOf('mean_radius') * 1]]);
    expect((await parquetDataset(path, { label: 0 })).label).toBe('mean_radius');
    expect((await parquetDataset(path, { label: -1 })).label).toBe('label');
  });
});

describe('parquetDataset: types, dictionaries, row groups, width', () => {
  it('INT8…INT64, unsigned, FLOAT, DOUBLE, BOOLEAN and DECIMAL columns, plain and dictionary-encoded, over several row groups: Math.fround(Number(v))', async () => {
    const n = 10_000;
    const path = await writeParquet(
      'types.parquet',
      `SELECT (i % 200 - 100)::TINYINT AS i8, (i * 37 % 60000 - 30000)::SMALLINT AS i16, (i * 7919 - 40000000)::INTEGER AS i32,
              (9007199254740993 + i * 1000003)::BIGINT AS i64, (i * 2654435761 % 4294967296)::UINTEGER AS u32,
              (i / 7)::FLOAT AS f32, i / 7 AS f64, (i % 3 = 0) AS flag, (i * 1.125)::DECIMAL(12, 3) AS dec,
              (i % 5)::DOUBLE * 1.5 AS dict, (i % 2)::INTEGER AS label
       FROM range(${n}) t(i)`,
      'ROW_GROUP_SIZE 2048',
    );
    const layout = layoutOf(path);
    expect(layout.groups).toBeGreaterThan(2);
    expect([...layout.encodings].some((e) => e.endsWith('DICTIONARY'))).toBe(true);
    const ds = await parquetDataset(path);
    expect(ds.rowGroups.reduce((a, b) => a + b)).toBe(n);
    const read = await readAll(ds);
    expect(read.chunks).toBe(layout.groups);
    const cols = 10;
    const expected = (i: number): number[] => [
      (i % 200) - 100,
      ((i * 37) % 60000) - 30000,
      i * 7919 - 40000000,
      Number(9007199254740993n + BigInt(i) * 1000003n),
      Number((BigInt(i) * 2654435761n) % 4294967296n),
      Math.fround(i / 7),
      i / 7,
      i % 3 === 0 ? 1 : 0,
      Number((i * 1.125).toFixed(3)),
      (i % 5) * 1.5,
    ];
    for (let i = 0; i < n; i++) {
      const row = Array.from(read.x.subarray(i * cols, (i + 1) * cols));
      expect(row, `row ${i}`).toEqual(expected(i).map(Math.fround));
      expect(read.y![i]).toBe(i % 2);
    }
  });

  it('a row group of more than 2²⁰ values comes in several chunks, lent or not, with the same rows', async () => {
    const rows = 12_000,
      width = 100;
    const columns = Array.from({ length: width }, (_, c) => `(i * ${c + 3}) / 7 AS c${c}`).join(', ');
    const path = await writeParquet('tall.parquet', `SELECT ${columns}, (i % 2) AS label FROM range(${rows}) t(i)`);
    const ds = await parquetDataset(path);
    expect(ds.rowGroups).toEqual([rows]);
    const read = await readAll(ds);
    expect(read.chunks).toBe(2);
    const lent: Float32Array[] = [];
    for await (const chunk of (ds as unknown as Record<symbol, () => AsyncIterable<FeatureChunk>>)[Symbol.for('gradwasm.loanedChunks')]!())
      lent.push(chunk.x.data.slice(0, chunk.x.rows * width));
    same(new Float32Array(lent.flatMap((c) => Array.from(c))), read.x);
    for (let r = 0; r < rows; r += 997) for (let c = 0; c < width; c += 13) expect(read.x[r * width + c]).toBe(Math.fround((r * (c + 3)) / 7));
  });

  it('a table of 1,200 columns', async () => {
    const width = 1200,
      rows = 300;
    const columns = Array.from({ length: width }, (_, c) => `(i * ${c + 1}) / 13 AS c${c}`).join(', ');
    const path = await writeParquet('wide.parquet', `SELECT ${columns}, (i % 2) AS label FROM range(${rows}) t(i)`);
    const ds = await parquetDataset(path);
    expect([ds.rows, ds.cols]).toEqual([rows, width]);
    const read = await readAll(ds);
    for (const [r, c] of [
      [0, 0],
      [7, 1199],
      [299, 600],
      [123, 45],
    ] as const)
      expect(read.x[r * width + c]).toBe(Math.fround((r * (c + 1)) / 13));
  });
});

describe('parquetDataset: labels, as the CSV readers take them', () => {
  it('class names (iris), class codes (wine) and targets (diabetes) give the labels readCsv gives', async () => {
    for (const [file, options] of [
      ['data/iris.csv', { labels: 'classes' }],
      ['data/wine.csv', { labels: 'classes' }],
      ['data/diabetes_regression.csv', { labels: 'values' }],
    ] as const) {
      const path = await writeParquet(file.replace(/\W/g, '_') + '.parquet', `SELECT * FROM read_csv('${file}', header = true)`);
      const table = await readCsv(file, options);
      const ds = await parquetDataset(path, options);
      if (options.labels === 'classes') expect(await ds.classes()).toEqual(table.classes);
      const read = await readAll(ds);
      same(read.x, table.x.data);
      same(read.y!, table.y);
    }
  });

  it('booleans are 0/1 labels; given classes index the labels, and a label none of them names is an error naming row and column', async () => {
    const path = await writeParquet('bool.parquet', `SELECT i::DOUBLE AS a, (i % 2 = 1) AS label FROM range(10) t(i)`);
    expect(Array.from((await readAll(await parquetDataset(path))).y!)).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
    const names = await writeParquet('names.parquet', `SELECT i::DOUBLE AS a, ['cat', 'dog', 'eel'][i % 3 + 1] AS label FROM range(9) t(i)`);
    const ds = await parquetDataset(names, { classes: ['eel', 'dog', 'cat'] });
    expect(Array.from((await readAll(ds)).y!)).toEqual([2, 1, 0, 2, 1, 0, 2, 1, 0]);
    const short = await parquetDataset(names, { classes: ['cat', 'dog'] });
    await expect(readAll(short)).rejects.toThrow(
      /names\.parquet: row group 0, row 2 of the group, column "label" \(the label\) is "eel"; labels must be one of the classes cat, dog/,
    );
    await expect(parquetDataset(names)).rejects.toThrow(/the label column "label" holds strings \(BYTE_ARRAY\); class names are read with labels: 'classes'/);
    const twos = await writeParquet('twos.parquet', `SELECT i::DOUBLE AS a, 2 AS label FROM range(3) t(i)`);
    const error = await readAll(await parquetDataset(twos)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toMatch(/row 0 of the group, column "label" \(the label\) is 2; labels must be 0 or 1/);
    expect([(error as DataError).column, (error as DataError).row]).toEqual(['label', 0]);
  });
});

describe('parquetDataset: what it refuses', () => {
  it('a null in a feature column names the column, the row group and the row', async () => {
    const path = await writeParquet(
      'nulls.parquet',
      `SELECT i::DOUBLE AS a, CASE WHEN i = 2500 THEN NULL ELSE i END AS b, i % 2 AS label FROM range(5000) t(i)`,
      'ROW_GROUP_SIZE 2048',
    );
    const error = await readAll(await parquetDataset(path)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toMatch(/nulls\.parquet: row group 1, column "b": row \d+ of the group is null; gradwasm reads no nulls/);
    // the columns around it are read: a null is found where it is, not guessed
    const fine = await readAll(await parquetDataset(path, { features: ['a'] }));
    expect(fine.x.length).toBe(5000);
  });

  it('strings, dates and nested columns among the features name the column; a file that is not Parquet says so', async () => {
    const path = await writeParquet(
      'mixed.parquet',
      `SELECT i::DOUBLE AS a, 'x' || i AS city, DATE '2020-01-01' + i::INTEGER AS day, [i, i] AS pair, {'p': i} AS point, i % 2 AS label FROM range(4) t(i)`,
    );
    for (const [column, why] of [
      ['city', 'holds strings'],
      ['day', 'holds dates'],
      ['pair', 'is nested'],
      ['point', 'is nested'],
    ])
      await expect(parquetDataset(path, { features: ['a', column!] })).rejects.toThrow(
        new RegExp(`mixed\\.parquet: column "${column}" ${why}.* features must be numbers`),
      );
    await expect(parquetDataset(path, { features: ['a', 'nope'] })).rejects.toThrow(/has no column "nope" \(a feature asked for\)/);
    await expect(parquetDataset('data/breast_cancer.csv')).rejects.toThrow(/breast_cancer\.csv is not a Parquet file that can be read/);
    await expect(parquetDataset(at('absent.parquet'))).rejects.toThrow(/absent\.parquet cannot be read/);
    await expect(parquetDataset(path, { labels: 'binary', classes: [0, 1] } as never)).rejects.toThrow(/options\.classes goes with options\.labels 'classes'/);
    await expect(parquetFromBytes('x.parquet' as never)).rejects.toThrow(/a path is read by parquetDataset from gradwasm\/node/);
  });
});

describe('the same model from the CSV, the .npy and the Parquet form of one table', () => {
  it('fitDataset over each gives the same weights, to the bit', async () => {
    const csv = 'data/breast_cancer.csv';
    const table = await readCsv(csv);
    const wide = new Float32Array(table.x.rows * 31);
    for (let r = 0; r < table.x.rows; r++) {
      wide.set(table.x.data.subarray(r * 30, (r + 1) * 30), r * 31);
      wide[r * 31 + 30] = table.y[r]!;
    }
    await writeNpy(at('bc.npy'), { data: wide, rows: table.x.rows, cols: 31 });
    const parquet = await writeParquet('bc-model.parquet', `SELECT * FROM read_csv('${csv}', header = true)`, 'ROW_GROUP_SIZE 2048');
    const weights = async (source: Parameters<Sequential['fitDataset']>[0]) => {
      const model = await Sequential.create({ inputs: 30, layers: [dense(8, 'relu'), dense(1, 'sigmoid')], seed: 7 });
      await model.fitDataset(source, { epochs: 3, batchSize: 32, shuffleBuffer: 100, optimizer: 'adam', learningRate: 0.01 });
      const json = JSON.stringify(model.getWeights().map((l) => [Array.from(l.weights), Array.from(l.bias)]));
      model.dispose();
      return json;
    };
    const fromCsv = await weights(csvDataset(csv));
    expect(await weights(await npyDataset(at('bc.npy')))).toBe(fromCsv);
    expect(await weights(await parquetDataset(parquet))).toBe(fromCsv);
  });
});
