// Issue 11's figures: training from a file against the same training in memory, and CSV
// ingestion. The W1 and W2 shapes train with fitDataset(npyDataset(file)) — the file in the page
// cache, read chunk by chunk — and with fit on the same rows held in memory, in the same order
// (shuffle off on both sides: the same computation, so the ratio is the cost of streaming), the
// two interleaved, medians of the repetitions, on one thread (what the file reader runs against).
// CSV: csvDataset (bytes, streamed) against parseCsv (one string) on the same generated file.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sequential, parseCsv, type DataSource } from '../src/index.js';
import { csvDataset, npyDataset, writeNpy } from '../src/node/index.js';
import { Xoshiro128 } from '../src/core/prng.js';
import { median, type Settings } from './measure.js';
import type { TrainingWorkload } from './workloads.js';
import { tableLines } from './table.js';

export interface StreamingResult {
  id: string;
  title: string;
  /** Median samples/s, streamed from .npy and in memory, and their ratio. */
  streamed: number;
  inMemory: number;
  ratio: number;
  /** The target ratio (issue 11). */
  target: number;
}

export interface IngestionResult {
  megabytes: number;
  /** Median MB/s. */
  csvDataset: number;
  parseCsv: number;
}

export interface StreamingReport {
  training: StreamingResult[];
  ingestion: IngestionResult;
}

const TARGETS: Record<string, number> = { W1: 0.5, W2: 0.9 };

export async function measureStreaming(
  workloads: readonly TrainingWorkload[],
  settings: Settings,
  csvMegabytes: number,
  log: (line: string) => void,
): Promise<StreamingReport> {
  const dir = mkdtempSync(join(tmpdir(), 'gradwasm-bench-stream-'));
  try {
    const training: StreamingResult[] = [];
    for (const w of workloads) {
      log(`streaming ${w.id}: ${w.title}, from .npy against in memory`);
      const { x, y } = w.data;
      const file = join(dir, `${w.id}.npy`);
      const wide = new Float32Array(x.rows * (x.cols + 1));
      for (let r = 0; r < x.rows; r++) {
        wide.set(x.data.subarray(r * x.cols, (r + 1) * x.cols), r * (x.cols + 1));
        wide[r * (x.cols + 1) + x.cols] = y[r]!;
      }
      await writeNpy(file, { data: wide, rows: x.rows, cols: x.cols + 1 });
      const source = await npyDataset(file);
      training.push({ ...(await streamedAgainstInMemory(w, source, settings, log)), target: TARGETS[w.id] ?? 0 });
    }

    log(`CSV ingestion: ${csvMegabytes} MB of numeric CSV`);
    const csv = join(dir, 'ingest.csv');
    writeFileSync(csv, numericCsv(csvMegabytes * 1e6));
    const megabytes = statSync(csv).size / 1e6;
    const rates = { csvDataset: [] as number[], parseCsv: [] as number[] };
    for (let rep = 0; rep <= settings.repetitions; rep++) {
      let start = performance.now();
      let rows = 0;
      for await (const chunk of csvDataset(csv)) rows += chunk.x.rows;
      const streamed = megabytes / ((performance.now() - start) / 1000);
      start = performance.now();
      const table = parseCsv(readFileSync(csv, 'utf8'));
      const whole = megabytes / ((performance.now() - start) / 1000);
      if (table.x.rows !== rows) throw new Error(`csvDataset read ${rows} rows, parseCsv ${table.x.rows}`);
      if (rep === 0) continue;
      rates.csvDataset.push(streamed);
      rates.parseCsv.push(whole);
      log(`  repetition ${rep}/${settings.repetitions}: csvDataset ${streamed.toFixed(0)} MB/s, parseCsv ${whole.toFixed(0)} MB/s`);
    }
    return { training, ingestion: { megabytes, csvDataset: median(rates.csvDataset), parseCsv: median(rates.parseCsv) } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A workload's shape trained by fitDataset(source) — its rows, from a file — and by fit on the
 * same rows in memory, in the same order (shuffle off on both sides), one thread, interleaved;
 * medians of the repetitions, after one that warms up and sizes the epochs (~minSeconds).
 */
export async function streamedAgainstInMemory(
  w: TrainingWorkload,
  source: DataSource,
  settings: Settings,
  log: (line: string) => void,
): Promise<Omit<StreamingResult, 'target'>> {
  const { x, y } = w.data;
  const batch = w.batchSize === 'full' ? {} : { batchSize: w.batchSize };
  const options = { learningRate: w.learningRate, ...batch };
  let epochs = 1;
  const runs: { streamed: number[]; inMemory: number[] } = { streamed: [], inMemory: [] };
  for (let rep = 0; rep <= settings.repetitions; rep++) {
    const time = async (streamed: boolean): Promise<number> => {
      const model = await Sequential.create({ inputs: w.architecture.inputs, layers: w.architecture.layers, seed: 1, threads: 1 });
      model.setWeights(w.init);
      const start = performance.now();
      if (streamed) await model.fitDataset(source, { ...options, epochs });
      else await model.fit(x, y, { ...options, epochs, shuffle: false });
      const seconds = (performance.now() - start) / 1000;
      model.dispose();
      return (epochs * x.rows) / seconds;
    };
    const a = await time(false),
      b = await time(true);
    if (rep === 0) {
      epochs = Math.max(1, Math.min(settings.maxEpochs, Math.ceil((settings.minSeconds * a) / x.rows)));
      continue; // warm-up, and sizing
    }
    runs.inMemory.push(a);
    runs.streamed.push(b);
    log(`  repetition ${rep}/${settings.repetitions}: ${Math.round(b)} vs ${Math.round(a)} samples/s`);
  }
  const streamed = median(runs.streamed),
    inMemory = median(runs.inMemory);
  return { id: w.id, title: w.title, streamed, inMemory, ratio: streamed / inMemory };
}

/** About `bytes` of CSV: a header, 16 numeric columns written as a program writes them, a 0/1 label. */
function numericCsv(bytes: number): string {
  const rng = new Xoshiro128(11);
  const cols = 16;
  const lines = [`${Array.from({ length: cols }, (_, c) => `f${c}`).join(',')},label`];
  let size = lines[0]!.length + 1;
  while (size < bytes) {
    const cells = Array.from({ length: cols }, (_, c) =>
      c % 4 === 0
        ? String(rng.nextBelow(1000))
        : c % 4 === 1
          ? (rng.nextUnit() * 200 - 100).toFixed(4)
          : c % 4 === 2
            ? (rng.nextUnit() * 1e-3).toExponential(6)
            : rng.nextUnit().toString(),
    );
    const line = `${cells.join(',')},${rng.nextBelow(2)}`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n') + '\n';
}

/** The streaming figures as Markdown (for BENCHMARKS.md) or plain text lines. */
export function streamingLines(report: StreamingReport, markdown: boolean): string[] {
  const n = (v: number) => Math.round(v).toLocaleString('en-US');
  const rows = [
    ...report.training.map((r) => [
      `${r.id} shape from .npy`,
      `${n(r.streamed)} samples/s`,
      `${n(r.inMemory)} samples/s`,
      `${(100 * r.ratio).toFixed(0)} %`,
      `≥ ${100 * r.target} %`,
      r.ratio >= r.target ? 'met' : 'NOT met',
    ]),
    [
      `CSV ingestion (${report.ingestion.megabytes.toFixed(0)} MB)`,
      `csvDataset ${report.ingestion.csvDataset.toFixed(0)} MB/s`,
      `parseCsv ${report.ingestion.parseCsv.toFixed(0)} MB/s`,
      `${(report.ingestion.csvDataset / report.ingestion.parseCsv).toFixed(1)}×`,
      '≥ 150 MB/s',
      report.ingestion.csvDataset >= 150 ? 'met' : 'NOT met',
    ],
  ];
  const headers = ['workload', 'streamed', 'in memory', 'ratio', 'target', ''];
  return tableLines(headers, rows, '| :-- | --: | --: | --: | --: | :-- |', markdown);
}
