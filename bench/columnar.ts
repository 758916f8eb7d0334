// Issue 23's figures. Ingestion: one table — rows of 30 DOUBLE columns and a 0/1 label, as pandas
// and DuckDB write them — that DuckDB writes as CSV and as Parquet (snappy, and zstd), read by
// csvDataset, by npyDataset (the same rows as float32, written by NpyWriter) and by
// parquetDataset, every reader over the whole file, interleaved, medians. Training: the W1 and W2
// shapes (their data and initial weights, as FLOAT columns DuckDB writes to Parquet) trained by
// fitDataset(parquetDataset(file)) against fit on the same rows in memory, as the .npy
// streaming figures are measured (bench/streaming.ts).
import { DuckDBDataChunk, DuckDBInstance, FLOAT, type DuckDBConnection } from '@duckdb/node-api';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NpyWriter, csvDataset, npyDataset, parquetDataset } from '../src/node/index.js';
import { median, type Settings } from './measure.js';
import { streamedAgainstInMemory, type StreamingResult } from './streaming.js';
import type { TrainingWorkload } from './workloads.js';
import { tablesLines } from './table.js';

export interface IngestionRow {
  format: string;
  reader: string;
  megabytes: number;
  /** Medians: MB of the file a second, rows a second. */
  mbPerSecond: number;
  rowsPerSecond: number;
}

export interface ColumnarReport {
  rows: number;
  ingestion: IngestionRow[];
  training: StreamingResult[];
}

/** Parquet ingestion against csvDataset's, in rows/s (issue 23). */
const INGESTION_TARGET = 1;

export async function measureColumnar(
  workloads: readonly TrainingWorkload[],
  settings: Settings,
  rows: number,
  log: (line: string) => void,
): Promise<ColumnarReport> {
  const dir = mkdtempSync(join(tmpdir(), 'gradwasm-bench-columnar-'));
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    log(`ingestion: ${rows.toLocaleString('en-US')} rows × 30 DOUBLE columns and a label, as CSV, .npy and Parquet`);
    const file = (name: string) => join(dir, name);
    await duck.run('SELECT setseed(0.23)');
    const columns = Array.from({ length: 30 }, (_, c) => (c % 3 === 0 ? `random() * 200 - 100 AS f${c}` : `random() AS f${c}`)).join(', ');
    await duck.run(`CREATE TABLE t AS SELECT ${columns}, (random() < 0.5)::INTEGER AS label FROM range(${rows})`);
    await duck.run(`COPY t TO '${file('t.csv')}' (HEADER)`);
    await duck.run(`COPY t TO '${file('t.snappy.parquet')}' (FORMAT PARQUET, COMPRESSION SNAPPY)`);
    await duck.run(`COPY t TO '${file('t.zstd.parquet')}' (FORMAT PARQUET, COMPRESSION ZSTD)`);
    const writer = await NpyWriter.create(file('t.npy'), 31);
    for await (const chunk of csvDataset(file('t.csv'))) {
      const wide = new Float32Array(chunk.x.rows * 31);
      for (let r = 0; r < chunk.x.rows; r++) {
        wide.set(chunk.x.data.subarray(r * chunk.x.stride, r * chunk.x.stride + 30), r * 31);
        wide[r * 31 + 30] = chunk.y[r]!;
      }
      await writer.append(wide);
    }
    await writer.close();
    const readers: { format: string; reader: string; path: string; pass: () => Promise<number> }[] = [
      { format: 'CSV', reader: 'csvDataset', path: file('t.csv'), pass: () => count(csvDataset(file('t.csv'))) },
      { format: '.npy (float32)', reader: 'npyDataset', path: file('t.npy'), pass: async () => count(await npyDataset(file('t.npy'))) },
      {
        format: 'Parquet, snappy',
        reader: 'parquetDataset',
        path: file('t.snappy.parquet'),
        pass: async () => count(await parquetDataset(file('t.snappy.parquet'))),
      },
      {
        format: 'Parquet, zstd',
        reader: 'parquetDataset',
        path: file('t.zstd.parquet'),
        pass: async () => count(await parquetDataset(file('t.zstd.parquet'))),
      },
    ];
    const times = readers.map(() => [] as number[]);
    for (let rep = 0; rep <= settings.repetitions; rep++) {
      const line: string[] = [];
      for (const [k, r] of readers.entries()) {
        const start = performance.now();
        const got = await r.pass();
        const seconds = (performance.now() - start) / 1000;
        if (got !== rows) throw new Error(`${r.reader} read ${got} rows of ${r.path}, not ${rows}`);
        if (rep > 0) times[k]!.push(seconds);
        line.push(`${r.format} ${(rows / seconds / 1e6).toFixed(2)} M rows/s`);
      }
      if (rep > 0) log(`  repetition ${rep}/${settings.repetitions}: ${line.join(', ')}`);
    }
    const ingestion = readers.map((r, k) => {
      const seconds = median(times[k]!);
      const megabytes = statSync(r.path).size / 1e6;
      return { format: r.format, reader: r.reader, megabytes, mbPerSecond: megabytes / seconds, rowsPerSecond: rows / seconds };
    });

    const training: StreamingResult[] = [];
    for (const w of workloads) {
      log(`from Parquet ${w.id}: ${w.title}, against in memory`);
      const { x, y } = w.data;
      const path = file(`${w.id}.parquet`);
      await writeFloatParquet(duck, path, x, y);
      // (no target: a Parquet file is decoded again every epoch; the CLI's --cache trains the later epochs from a .npy)
      training.push({ ...(await streamedAgainstInMemory(w, await parquetDataset(path), settings, log)), target: 0 });
    }
    return { rows, ingestion, training };
  } finally {
    duck.closeSync();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Rows in one pass over a dataset. */
async function count(source: AsyncIterable<{ x: { rows: number } }>): Promise<number> {
  let rows = 0;
  for await (const chunk of source) rows += chunk.x.rows;
  return rows;
}

/** A workload's rows as FLOAT columns (and a FLOAT label) of a Parquet file DuckDB writes. */
async function writeFloatParquet(duck: DuckDBConnection, path: string, x: { data: Float32Array; rows: number; cols: number }, y: Float32Array): Promise<void> {
  const names = [...Array.from({ length: x.cols }, (_, c) => `f${c}`), 'label'];
  await duck.run('DROP TABLE IF EXISTS w');
  await duck.run(`CREATE TABLE w (${names.map((n) => `${n} FLOAT`).join(', ')})`);
  const appender = await duck.createAppender('w');
  const types = names.map(() => FLOAT);
  for (let start = 0; start < x.rows; start += 2048) {
    const n = Math.min(2048, x.rows - start);
    const chunk = DuckDBDataChunk.create(types, n);
    chunk.setColumns(
      names.map((_, c) => {
        const column = new Array<number>(n);
        for (let r = 0; r < n; r++) column[r] = c < x.cols ? x.data[(start + r) * x.cols + c]! : y[start + r]!;
        return column;
      }),
    );
    appender.appendDataChunk(chunk);
  }
  appender.closeSync();
  await duck.run(`COPY w TO '${path}' (FORMAT PARQUET)`);
}

/** The figures as Markdown (for BENCHMARKS.md) or plain text lines. */
export function columnarLines(report: ColumnarReport, markdown: boolean): string[] {
  const n = (v: number) => Math.round(v).toLocaleString('en-US');
  const csv = report.ingestion.find((r) => r.reader === 'csvDataset')!;
  const ingestion = report.ingestion.map((r) => [
    r.format,
    r.reader,
    `${r.megabytes.toFixed(0)} MB`,
    `${r.mbPerSecond.toFixed(0)} MB/s`,
    `${(r.rowsPerSecond / 1e6).toFixed(2)} M rows/s`,
    `${(r.rowsPerSecond / csv.rowsPerSecond).toFixed(2)}×`,
    r.reader === 'parquetDataset' ? `≥ ${INGESTION_TARGET}× · ${r.rowsPerSecond / csv.rowsPerSecond >= INGESTION_TARGET ? 'met' : 'NOT met'}` : '',
  ]);
  const training = report.training.map((r) => [
    `${r.id} shape from Parquet`,
    `${n(r.streamed)} samples/s`,
    `${n(r.inMemory)} samples/s`,
    `${(100 * r.ratio).toFixed(0)} %`,
  ]);
  return tablesLines(
    [
      [['file', 'reader', 'size', 'file read', 'rows read', 'rows/s ÷ CSV', 'target'], ingestion, '| :-- | :-- | --: | --: | --: | --: | :-- |'],
      [['workload', 'streamed', 'in memory', 'ratio'], training, '| :-- | --: | --: | --: |'],
    ],
    markdown,
  );
}
