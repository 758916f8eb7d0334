// arrowDataset on apache-arrow's objects and on Arrow IPC files and streams that apache-arrow
// wrote: the rows readCsv reads from the same table, to the bit; a fixed-size list of float32
// handed out without a copy; labels of every form; nulls and strings refused by column.
import { DuckDBInstance } from '@duckdb/node-api';
import {
  Bool,
  Dictionary,
  FixedSizeList,
  Field,
  Float16,
  Float32,
  Int32,
  Int64,
  Utf8,
  makeData,
  makeVector,
  Table,
  RecordBatch,
  tableFromArrays,
  tableToIPC,
  vectorFromArray,
} from 'apache-arrow';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError, arrowDataset as arrowFromObjects } from '../src/index.js';
import { arrowDataset, readCsv } from '../src/node/index.js';
import type { FeatureChunk, TableChunk } from '../src/data/dataset.js';
import type { ArrowDataset } from '../src/data/arrow.js';

const dir = mkdtempSync(join(tmpdir(), 'gradwasm-arrow-'));

async function readAll(
  ds: ArrowDataset<FeatureChunk | TableChunk>,
): Promise<{ x: Float32Array; y: Float32Array | null; chunks: (FeatureChunk | TableChunk)[] }> {
  const chunks: (FeatureChunk | TableChunk)[] = [];
  for await (const chunk of ds) chunks.push(chunk);
  const rows = chunks.reduce((n, c) => n + c.x.rows, 0),
    cols = ds.cols;
  const x = new Float32Array(rows * cols),
    y = new Float32Array(rows);
  let at = 0;
  for (const c of chunks) {
    for (let r = 0; r < c.x.rows; r++) x.set(c.x.data.subarray(r * c.x.stride, r * c.x.stride + cols), (at + r) * cols);
    if (c.y) y.set(c.y, at);
    at += c.x.rows;
  }
  return { x, y: chunks[0]?.y ? y : null, chunks };
}

const same = (a: Float32Array, b: Float32Array) =>
  expect(Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))).toBe(true);

/** The breast-cancer table as DuckDB reads the CSV: float64 columns and an int label, as an Arrow table in batches of 100 rows. */
async function cancerTable(): Promise<Table> {
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  const reader = await duck.runAndReadAll(`SELECT * FROM read_csv('data/breast_cancer.csv', header = true)`);
  const names = reader.columnNames();
  const columns = reader.getColumnsJS() as unknown[][];
  duck.closeSync();
  const arrays = Object.fromEntries(
    names.map((n, c) => [n, n === 'label' ? Int32Array.from(columns[c]!.map(Number)) : Float64Array.from(columns[c]!.map(Number))]),
  );
  const whole = tableFromArrays(arrays);
  const batches: RecordBatch[] = [];
  for (let start = 0; start < whole.numRows; start += 100) batches.push(...whole.slice(start, start + 100).batches);
  return new Table(batches);
}

describe('arrowDataset', () => {
  it('a Table, its batches, an IPC file and an IPC stream give the rows and labels readCsv gives, to the bit', async () => {
    const csv = await readCsv('data/breast_cancer.csv');
    const table = await cancerTable();
    expect(table.batches.length).toBe(6);
    writeFileSync(join(dir, 'bc.arrow'), tableToIPC(table, 'file'));
    writeFileSync(join(dir, 'bc.arrows'), tableToIPC(table, 'stream'));
    for (const source of [table, table.batches, () => table.batches, join(dir, 'bc.arrow'), join(dir, 'bc.arrows')]) {
      const ds = await arrowDataset(source);
      expect([ds.cols, ds.label]).toEqual([30, 'label']);
      expect(ds.features).toEqual(csv.features);
      expect(await ds.count()).toBe(569);
      const read = await readAll(ds);
      expect(read.chunks.length).toBe(6);
      same(read.x, csv.x.data);
      same(read.y!, csv.y);
    }
    // by name, reordered, and the label left out
    const features = ['worst_area', 'mean_radius'];
    const named = await readCsv('data/breast_cancer.csv', { features, label: null });
    const ds = await arrowDataset(join(dir, 'bc.arrow'), { features, label: null });
    expect(ds.ignored).toContain('label');
    const read = await readAll(ds);
    same(read.x, named.x.data);
    expect(read.y).toBeNull();
  });

  it('a fixed-size list of float32 (an embedding column) is handed out without a copy; lists of other types and plain columns are copied', async () => {
    const rows = 5,
      k = 3;
    const values = Float32Array.from({ length: rows * k }, (_, i) => i / 3);
    const listType = new FixedSizeList(k, new Field('v', new Float32()));
    const child = makeData({ type: new Float32(), length: rows * k, data: values });
    const list = makeVector(makeData({ type: listType, length: rows, child }));
    const table = new Table({ emb: list, label: vectorFromArray([0, 1, 1, 0, 1], new Int32()) });
    const ds = await arrowFromObjects(table);
    const chunks: (FeatureChunk | TableChunk)[] = [];
    for await (const c of ds) chunks.push(c);
    expect(ds.features).toEqual(['emb[0]', 'emb[1]', 'emb[2]']);
    expect(chunks[0]!.x.data.buffer).toBe(values.buffer); // the column's own memory
    expect(Array.from(chunks[0]!.x.data)).toEqual(Array.from(values));
    // a slice: its offset is honoured
    const sliced = await readAll(await arrowFromObjects(table.slice(2, 4)));
    expect(Array.from(sliced.x)).toEqual(Array.from(values.subarray(2 * k, 4 * k)));
    expect(Array.from(sliced.y!)).toEqual([1, 0]);
    // beside another column: copied, element by element
    const wide = await readAll(
      await arrowFromObjects(new Table({ a: vectorFromArray([1, 2, 3, 4, 5], new Int32()), emb: list, label: table.getChild('label')! })),
    );
    expect(Array.from(wide.x.subarray(0, 8))).toEqual([1, ...Array.from(values.subarray(0, 3)), 2, ...Array.from(values.subarray(3, 6))].map(Math.fround));
  });

  it('Int64, Float16, Bool and sliced Bool columns read as Math.fround(Number(v))', async () => {
    const big = [9007199254740993n, -5n, 123456789012345678n, 0n];
    const halves = new Uint16Array([0x3c00, 0xc000, 0x3555, 0x7bff]); // 1, −2, 0.333…, 65504
    const table = new Table({
      i64: vectorFromArray(big, new Int64()),
      f16: makeVector(makeData({ type: new Float16(), length: 4, data: halves })),
      flag: vectorFromArray([true, false, true, true], new Bool()),
      label: vectorFromArray([1, 0, 1, 0], new Int32()),
    });
    const read = await readAll(await arrowFromObjects(table));
    expect(Array.from(read.x)).toEqual(
      [
        [Number(big[0]), 1, 1],
        [-5, -2, 0],
        [Number(big[2]), 0.333251953125, 1],
        [0, 65504, 1],
      ]
        .flat()
        .map(Math.fround),
    );
    const tail = await readAll(await arrowFromObjects(table.slice(1)));
    expect(Array.from(tail.x.filter((_, i) => i % 3 === 2))).toEqual([0, 1, 1]);
  });

  it('labels: strings and dictionary-encoded strings as classes, numbers as values; a wrong label names the batch, the row and the column', async () => {
    const x = vectorFromArray([1, 2, 3, 4], new Float32());
    const names = vectorFromArray(['cat', 'dog', 'cat', 'eel'], new Utf8());
    const dictionary = vectorFromArray(['cat', 'dog', 'cat', 'eel'], new Dictionary(new Utf8(), new Int32()));
    for (const label of [names, dictionary]) {
      const ds = await arrowFromObjects(new Table({ x, label }), { labels: 'classes' });
      expect(await ds.classes()).toEqual(['cat', 'dog', 'eel']);
      expect(Array.from((await readAll(ds)).y!)).toEqual([0, 1, 0, 2]);
    }
    await expect(arrowFromObjects(new Table({ x, label: names }), { classes: ['cat', 'dog'] }).then(readAll)).rejects.toThrow(
      /the Arrow table: batch 0, column "label" \(the label\), row 3 of the batch is "eel"; labels must be one of the classes cat, dog/,
    );
    await expect(arrowFromObjects(new Table({ x, label: names })).then(readAll)).rejects.toThrow(
      /labels must be 0 or 1 \(class names are read with labels: 'classes'\)/,
    );
    const values = await readAll(await arrowFromObjects(new Table({ x, label: vectorFromArray([0.5, -2, 1e3, 7], new Float32()) }), { labels: 'values' }));
    expect(Array.from(values.y!)).toEqual([0.5, -2, 1000, 7]);
  });

  it('nulls, strings among the features, and what is not Arrow are DataErrors naming the column', async () => {
    const withNull = new Table({ a: vectorFromArray([1, null, 3], new Float32()), label: vectorFromArray([0, 1, 0], new Int32()) });
    const error = await arrowFromObjects(withNull)
      .then(readAll)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toMatch(/batch 0, column "a" holds 1 nulls; gradwasm reads no nulls/);
    expect((error as DataError).column).toBe('a');
    const strings = new Table({ a: vectorFromArray(['x', 'y'], new Utf8()), label: vectorFromArray([0, 1], new Int32()) });
    await expect(arrowFromObjects(strings).then(readAll)).rejects.toThrow(/batch 0, column "a" holds Utf8 values; features must be numbers/);
    await expect(arrowFromObjects({} as never)).rejects.toThrow(/source must be an apache-arrow Table, a RecordBatch/);
    await expect(arrowFromObjects('x.arrow' as never)).rejects.toThrow(/a file is read by arrowDataset from gradwasm\/node/);
    await expect(arrowDataset('data/breast_cancer.csv')).rejects.toThrow(/breast_cancer\.csv is not an Arrow IPC file or stream/);
  });
});
