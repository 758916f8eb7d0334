// Turns a run into what people read: the console table, bench/results.json (every figure,
// every repetition, the machine) and BENCHMARKS.md.
import { streamingLines, type StreamingReport } from './streaming.js';
import { columnarLines, type ColumnarReport } from './columnar.js';
import { nativeLines, type NativeReport } from './native.js';
import { optimumLines, type OptimumReport } from './optimum.js';
import { contentionLines, type ContentionReport } from './contention.js';
import { formatQuality, type QualityRow } from '../scripts/quality.js';
import { formatBytes } from '../src/backend/wasm/arena.js';
import type { ImplName } from './impl.js';
import { machineLine, type Machine } from './machine.js';
import type { Measurement, Settings } from './measure.js';
import type { TargetResult } from './targets.js';
import { FLOP_FORMULA, type ImageSource } from './workloads.js';

export interface WorkloadResult {
  id: string;
  title: string;
  kind: 'training' | 'inference' | 'latency';
  /** Present where GFLOP/s is meaningful (not for latency). */
  flopsPerSample?: number;
  /** SGD step size, for training workloads. */
  learningRate?: number;
  measurements: Measurement[];
}

export interface Report {
  mode: 'full' | 'quick';
  machine: Machine;
  implementations: { name: ImplName; detail: string }[];
  imageSource: ImageSource;
  settings: Settings;
  workloads: WorkloadResult[];
  targets: TargetResult[];
  /** Wall time of the whole run, set-up included. */
  seconds: number;
  /** Load averages when the run ended (the machine's are from its start). */
  loadAverageAtEnd: number[];
  /** Training from files against in memory, and CSV ingestion (issue 11); absent when not run. */
  streaming?: StreamingReport;
  columnar?: ColumnarReport;
  /** Native PyTorch and scikit-learn (issue 24); absent when not run, null when Python is missing. */
  native?: NativeReport | null;
  optimum?: OptimumReport;
  quality?: QualityRow[];
  /** Threads under real conditions (issue 18); absent when not run. */
  contention?: ContentionReport;
}

const BASELINE: ImplName = 'gradwasm-wasm';

const count = (n: number) => Math.round(n).toLocaleString('en-US');

/** This implementation's speed as a multiple of gradwasm-wasm's (for latency: its µs over ours, inverted). */
function ratio(workload: WorkloadResult, m: Measurement): number | undefined {
  const base = workload.measurements.find((b) => b.impl === BASELINE)?.value;
  if (base === undefined) return undefined;
  return m.unit === 'µs' ? base / m.value : m.value / base;
}

function gflops(workload: WorkloadResult, m: Measurement): number | undefined {
  return workload.flopsPerSample === undefined || m.unit !== 'samples/s' ? undefined : (m.value * workload.flopsPerSample) / 1e9;
}

/** The per-implementation sanity figure: first-epoch loss for training, max |Δp| for inference. */
function check(m: Measurement): string {
  if (m.firstEpochLoss !== undefined) return `loss₁ ${m.firstEpochLoss.toFixed(4)}`;
  if (m.maxAbsDiff !== undefined) return `max |Δp| ${m.maxAbsDiff.toExponential(1)}`;
  return '';
}

/** Two significant digits at least, so 0.0094× does not print as 0.01×. */
function formatRatio(r: number): string {
  return r >= 10 ? r.toFixed(1) : r >= 0.1 ? r.toFixed(2) : r.toPrecision(2);
}

/** One line per workload: what the short ids in the tables stand for. */
function legend(report: Report): string[] {
  return report.workloads.map((w) => `${w.id}: ${w.title}${w.learningRate === undefined ? '' : `, learning rate ${w.learningRate}`}`);
}

const RESULT_HEADERS = ['workload', 'implementation', 'samples/s (µs for latency)', '× gradwasm-wasm', 'GFLOP/s', 'epochs/run', 'check'];

/** Thread scaling (issue 12): gradwasm-wasm with 1 thread and with several, per workload. */
function threadRows(report: Report): string[][] {
  return report.workloads.flatMap((w) => {
    const one = w.measurements.find((m) => m.impl === 'gradwasm-wasm'),
      many = w.measurements.find((m) => m.impl === 'gradwasm-wasm-threads');
    if (!one || !many) return [];
    const figure = (m: Measurement): string => (m.unit === 'µs' ? `${m.value.toFixed(1)} µs` : `${count(m.value)} samples/s`);
    return [[w.id, figure(one), figure(many), `${formatRatio(ratio(w, many)!)}×`]];
  });
}
const THREAD_HEADERS = ['workload', '1 thread', 'threads', 'speed-up'];

function resultRows(report: Report): string[][] {
  return report.workloads.flatMap((w) =>
    w.measurements.map((m) => {
      const r = ratio(w, m);
      const g = gflops(w, m);
      return [
        w.id,
        m.impl,
        m.unit === 'µs' ? `${m.value.toFixed(1)} µs` : count(m.value),
        r === undefined ? '' : `${formatRatio(r)}×`,
        g === undefined ? '' : g >= 1 ? g.toFixed(1) : g.toPrecision(2),
        m.epochs === undefined ? '' : String(m.epochs),
        check(m),
      ];
    }),
  );
}

const MEMORY_HEADERS = ['workload', 'implementation', 'in use (peak)', 'linear memory'];

function memoryRows(report: Report): string[][] {
  return report.workloads.flatMap((w) =>
    w.measurements
      .filter((m) => m.memory)
      .map((m) => [
        w.id,
        m.impl,
        m.memory!.inUse === undefined ? '' : formatBytes(m.memory!.inUse),
        m.memory!.linear === undefined ? '' : formatBytes(m.memory!.linear),
      ]),
  );
}

const WHY_NO_MEMORY_FIGURES: Record<ImplName, string> = {
  'gradwasm-wasm': 'not measured in this run',
  'gradwasm-wasm-threads': 'not measured',
  'gradwasm-js': 'plain JavaScript arrays on the JS heap, no linear memory',
  'tfjs-wasm': 'not measured in this run',
  'tfjs-cpu': 'not measured in this run',
  'onnxruntime-web': 'measured for speed only, in a process of its own',
  'onnxruntime-web-threads': 'measured for speed only, in a process of its own',
};

/** How each implementation's memory figures were taken (one note per implementation). */
function memoryNotes(report: Report): string[] {
  const notes = new Map<ImplName, string>();
  for (const w of report.workloads) for (const m of w.measurements) if (m.memory && !notes.has(m.impl)) notes.set(m.impl, m.memory.note);
  const silent = report.implementations.filter((i) => !notes.has(i.name)).map((i) => i.name);
  return [...[...notes].map(([impl, note]) => `${impl}: ${note}`), ...silent.map((impl) => `${impl}: no figures (${WHY_NO_MEMORY_FIGURES[impl]})`)];
}

/** Columns of numbers are right-aligned, the rest (names, the check column) left-aligned. */
function isNumeric(headers: string[], c: number): boolean {
  return c >= 2 && headers[c] !== 'check';
}

function textTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (isNumeric(headers, c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function markdownTable(headers: string[], rows: string[][]): string {
  const align = headers.map((_, c) => (isNumeric(headers, c) ? '--:' : ':--'));
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(align), ...rows.map(line)].join('\n');
}

const metText = (t: TargetResult) => (t.met === undefined ? '—' : t.met ? 'met' : 'NOT met');

export function formatConsole(report: Report): string {
  const lines = [
    '',
    `machine: ${machineLine(report.machine)}`,
    ...report.implementations.map((i) => `${i.name}: ${i.detail}`),
    `W2/W4/W5 data: ${report.imageSource.description}`,
    '',
    ...legend(report),
    '',
    textTable(RESULT_HEADERS, resultRows(report)),
    '',
    `GFLOP/s: ${FLOP_FORMULA}`,
    'check: loss₁ = mean BCE of the first epoch from the same initial weights (all should be close);',
    "       max |Δp| = largest difference of predicted probabilities from gradwasm-wasm's.",
    '',
    'memory',
    textTable(MEMORY_HEADERS, memoryRows(report)),
    ...memoryNotes(report).map((n) => `  ${n}`),
    '',
    ...(threadRows(report).length
      ? ['threads (issue 12): gradwasm-wasm with 1 thread and with several', textTable(THREAD_HEADERS, threadRows(report)), '']
      : []),
    ...(report.contention
      ? ['contention (issue 18): each case in processes of its own, taking turns; medians of the rounds', ...contentionLines(report.contention, false), '']
      : []),
    'targets (issues 3 and 12; measured, not asserted)',
    textTable(
      ['target', 'measured', ''],
      report.targets.map((t) => [t.target, t.measured, metText(t)]),
    ),
    ...(report.streaming
      ? ['', 'streaming (issue 11): training from .npy against the same training in memory; CSV ingestion', ...streamingLines(report.streaming, false)]
      : []),
    ...(report.native
      ? ['', 'native (issue 24): PyTorch and scikit-learn on the same rows, shapes and learning rates', ...nativeLines(report.native, report.workloads, false)]
      : []),
    ...(report.columnar
      ? ['', 'Parquet (issue 23): one table as CSV, .npy and Parquet; training from Parquet against in memory', ...columnarLines(report.columnar, false)]
      : []),
    ...(report.optimum
      ? [
          '',
          "to the optimum (issue 14): breast-cancer logistic regression, weightDecay 1/n, against scikit-learn's optimum",
          ...optimumLines(report.optimum, false),
        ]
      : []),
    ...(report.quality ? ['', "the command line's defaults against scikit-learn's (issue 14): stratified CV", formatQuality(report.quality)] : []),
    '',
    `${report.mode} run: ${report.settings.repetitions} repetitions per figure, ${report.seconds.toFixed(0)} s in all, ` +
      `load average at end ${report.loadAverageAtEnd.join(' / ')}`,
  ];
  return lines.join('\n');
}

export function toJSON(report: Report): string {
  return `${JSON.stringify({ ...report, flopFormula: FLOP_FORMULA }, null, 2)}\n`;
}

export function toMarkdown(report: Report): string {
  const s = report.settings;
  const m = report.machine;
  return `# Benchmarks

Whole-training and inference benchmarks of gradwasm against its own pure-TypeScript backend and
TensorFlow.js, written by \`npm run bench\` (\`bench/run.ts\`) — do not edit by hand, re-run it.
All figures of this run, repetition by repetition, are in [\`bench/results.json\`](bench/results.json).
${report.imageSource.kind === 'synthetic' ? `\n> **Warning: W2, W4 and W5 ran on ${report.imageSource.description}.**\n` : ''}
## Machine

| | |
|:--|:--|
| CPU | ${m.cpu} (${m.vectorExtensions}) |
| logical cores | ${m.logicalCores} |
| memory | ${m.memoryGiB} GiB |
| OS | ${m.os} |
| Node | ${m.node} (V8 ${m.v8}) |
| load average (1 / 5 / 15 min) at start, at end | ${m.loadAverage.join(' / ')}, ${report.loadAverageAtEnd.join(' / ')} |
| gradwasm commit | ${m.commit} |
| date | ${m.date} |

## Results

${legend(report)
  .map((l) => `- ${l}`)
  .join('\n')}

${markdownTable(RESULT_HEADERS, resultRows(report))}

- **samples/s** = rows × epochs ÷ seconds of the whole \`fit\` call (training), rows ÷ seconds of
  \`predictProba\`/\`predict\` calls (inference); **µs** = median time of one single-row prediction.
- **× gradwasm-wasm** = this implementation's speed as a multiple of gradwasm-wasm's (below 1: slower).
- **GFLOP/s**: ${FLOP_FORMULA}
- **check**: loss₁ = mean BCE of the first epoch, from the same initial weights with the same
  learning rate (all implementations should be close: they do the same arithmetic, in different
  shuffle orders); max |Δp| = largest difference of the predicted probabilities from gradwasm-wasm's.
- W2/W4/W5 data: ${report.imageSource.description}.

${
  threadRows(report).length
    ? `## Threads (issue 12)

gradwasm-wasm with one thread and with several (\`threads\`, ${report.implementations.find((i) => i.name === 'gradwasm-wasm-threads')?.detail ?? ''}): the same
weights to the bit, shared out over one WebAssembly memory. Medians of ${s.repetitions}, interleaved with the rest.

${markdownTable(THREAD_HEADERS, threadRows(report))}

`
    : ''
}${
    report.contention
      ? `## Contention (issue 18)

Threads under real conditions, W2's shape and data: every case runs in processes of its own (a
fresh pool each; \`bench/contention.ts\`), the two sides of a comparison taking turns for several
rounds; a figure is the median of the rounds' ratios (for create, of their differences). First,
what the cores give: W2 on one thread pinned (\`taskset\`) to core 0, then to core 1, then one on
each at once. The cores of a virtual machine need not be alike — one may share its SIMD units
with another machine's thread — so two threads are held to the two cores at once (≥ 0.9×, which
is 1.8× of one thread on cores of one speed). The busy process is \`node -e 'for (;;) {}'\`,
pinned to each core in turn, started beside the runs; "8 threads" on this machine's cores
wakes at most cores − 1 workers a step; the grown pool had 7 workers, started by an 8-thread
model with the core count lifted to 8 for it.

${contentionLines(report.contention, true).join('\n')}

`
      : ''
  }## Targets (issues 3 and 12)

Measured, not asserted:

${markdownTable(
  ['target', 'measured', 'status'],
  report.targets.map((t) => [t.target, t.measured, metText(t)]),
)}

${
  report.streaming
    ? `## Streaming (issue 11)

Training from a file against the same training in memory: the W1 and W2 shapes (their data and
initial weights) trained by \`fitDataset(npyDataset(file))\` — the file in the page cache, read
in chunks — and by \`fit\` on the same rows held in memory, in the same order (shuffle off on
both sides: the same computation), one thread, interleaved, medians of ${s.repetitions}. CSV ingestion: a numeric file
of 16 columns read by \`csvDataset\` (bytes, streamed) and by \`parseCsv\` (one string), medians of ${s.repetitions}.

${streamingLines(report.streaming, true).join('\n')}

`
    : ''
}${
    report.columnar
      ? `## Parquet (issue 23)

Ingestion: one table of ${report.columnar.rows.toLocaleString('en-US')} rows — 30 DOUBLE columns and a 0/1 label, as pandas and
DuckDB write them — that DuckDB (\`@duckdb/node-api\`) writes as CSV and as Parquet (snappy, and zstd), and
the same rows as a float32 \`.npy\`; each reader reads the whole file (in the page cache), chunk by
chunk, interleaved, medians of ${s.repetitions}. Every reader gives the same float32 values (test/parquet.test.ts).
Training: the W1 and W2 shapes written by DuckDB as FLOAT columns, trained by
\`fitDataset(parquetDataset(file))\` against \`fit\` on the same rows in memory, as the .npy figures above:
a Parquet file is decoded again every epoch (no target; \`gradwasm train --cache\` trains the later
epochs of a large file from the \`.npy\` its first pass writes).

${columnarLines(report.columnar, true).join('\n')}

`
      : ''
  }${
    report.native !== undefined
      ? `## Native: PyTorch and scikit-learn (issue 24)

${
  report.native === null
    ? "Not measured: /usr/bin/python3 is missing, or bench/native.py failed (the run's log says which; Debian's python3-torch and python3-sklearn give these rows)."
    : `The rows, initial weights, batch sizes, learning rates (plain SGD) and shuffling of the gradwasm rows above, run by
\`bench/native.py\` with ${report.native.python}, PyTorch ${report.native.torch?.[0]?.version ?? '(not installed)'} and scikit-learn ${report.native.sklearn?.[0]?.version ?? '(not installed)'}
(Debian's python3-torch and python3-sklearn) on 1 and 2 threads (\`torch.set_num_threads\`, threadpoolctl's BLAS
limit), in the same run, medians of ${s.repetitions}. PyTorch trains with \`BCEWithLogitsLoss\` (cross-entropy for W5) on
index-sliced batches, as its fastest loop does; scikit-learn's \`MLPClassifier(solver='sgd', momentum=0, alpha=0)\`
starts from the same weights. "LR to the optimum": \`LogisticRegression(C=1)\` (lbfgs) against gradwasm's L-BFGS
with \`weightDecay: 1/n\`, each to its own stopping rule, on W1's rows, one thread for gradwasm.${
        report.native.missing.length ? `\n\nNot installed, so left out: ${report.native.missing.join(', ')}.` : ''
      }

${nativeLines(report.native, report.workloads, true).join('\n')}`
}

`
      : ''
  }${
    report.optimum
      ? `## To the optimum (issue 14)

Breast-cancer logistic regression, z-scored, \`weightDecay: 1/n\` (scikit-learn's
\`LogisticRegression(C=1)\` objective over n), one thread, from the same initial weights: the
epochs (L-BFGS: iterations) and the training time until the objective is within 1e-6 relative of
scikit-learn's optimum (\`data/sklearn-reference.json\`: ${report.optimum.optimum.toPrecision(10)}); the objective is
measured between epochs, outside the timed fits; medians of ${s.repetitions} (a method that does not get there runs once).

${optimumLines(report.optimum, true).join('\n')}

`
      : ''
  }${
    report.quality
      ? `## The command line's defaults against scikit-learn's (issue 14)

\`npm run quality\`: ${report.quality[0]?.folds ?? 5}-fold stratified cross-validation with the folds of \`data/sklearn-reference.json\`
(scikit-learn ${'1.2.1'}, its defaults, \`StandardScaler\` first); gradwasm: \`gradwasm train --val 0\` with its defaults
(\`--layers ""\` for logistic regression). Mean accuracy / ROC AUC over the folds; ✗ marks more than 0.005 (LR,
accuracy or AUC) or 0.01 (MLP, accuracy) below scikit-learn.

${formatQuality(report.quality)}

`
      : ''
  }## Memory

${markdownTable(MEMORY_HEADERS, memoryRows(report))}

${memoryNotes(report)
  .map((n) => `- ${n}`)
  .join('\n')}

## Implementations

${report.implementations.map((i) => `- **${i.name}**: ${i.detail}`).join('\n')}

## Method

- Float32 everywhere, mean binary cross-entropy, plain SGD (\`tf.train.sgd(lr)\` for TF.js), the
  same data, initial weights (gradwasm's seeded Glorot-uniform init, copied into every model),
  learning rate and batch size for every implementation; shuffling on. TF.js models are
  \`tf.sequential\` with the same dense layers and activations, trained by
  \`model.fit(x, y, { epochs, batchSize, shuffle: true, verbose: 0 })\` in production mode.
- Each timed run starts from Float32Arrays in hand (gradwasm copies them into linear memory,
  TF.js makes tensors of them) and trains a fresh model for as many epochs as it takes to last
  at least ${s.minSeconds} s (at most ${s.maxEpochs} epochs), so fixed costs weigh alike for fast and slow
  implementations; model creation is not timed.
- All implementations run in one process. Each workload warms every implementation up first,
  then runs ${s.repetitions} repetitions in which each implementation takes one turn (round-robin, the
  first rotating), with a full garbage collection before every turn; the table shows medians.
- Memory figures come from separate, untimed runs.

## Running

\`\`\`sh
apt-get install -y dataset-fashion-mnist   # the W2/W4/W5 images (else: synthetic data, said loudly)
npm run bench                              # the full suite, a few minutes; rewrites this file
npm run bench -- --quick                   # tiny sizes, well under a minute (CI); writes dist/bench/
npm run bench -- --only=W2,W4-batch        # some workloads; writes dist/bench/
\`\`\`

This run (${report.mode}) took ${report.seconds.toFixed(0)} s.
`;
}
