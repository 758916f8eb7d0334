// `npm run bench [-- --quick] [-- --only=W1,W2,...] [-- --threads=N|auto]`: runs every workload
// on every implementation in this one process (gradwasm-wasm with 1 thread, and with N or every
// core), prints the table, and writes results.json and
// BENCHMARKS.md — into the repository for a full run, into dist/bench/ for --quick or --only
// (so trying things out never overwrites the published figures).
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Implementation, ImplName } from './impl.js';
import { gradwasm } from './impl-gradwasm.js';
import { tfjs } from './impl-tfjs.js';
import { describeMachine } from './machine.js';
import { measureBatchInference, measureLatency, measureTraining, type Measurement, type Settings } from './measure.js';
import { formatConsole, toJSON, toMarkdown, type Report, type WorkloadResult } from './report.js';
import { checkTargets } from './targets.js';
import { measureOnnx } from './onnx.js';
import { measureStreaming } from './streaming.js';
import { measureColumnar } from './columnar.js';
import { measureNative } from './native.js';
import { measureOptimum } from './optimum.js';
import { measureContention } from './contention.js';
import { quality } from '../scripts/quality.js';
import {
  buildWorkloads,
  flopsPerSample,
  FULL_SIZES,
  QUICK_SIZES,
  type BatchInferenceWorkload,
  type LatencyWorkload,
  type TrainingWorkload,
  type Workload,
} from './workloads.js';

const FULL: Settings = { repetitions: 5, minSeconds: 0.5, maxEpochs: 5000 };
// --quick only proves the suite still works end to end (CI): its figures are noise.
const QUICK: Settings = { repetitions: 2, minSeconds: 0.02, maxEpochs: 50 };

function parseArgs(argv: string[]): { quick: boolean; only?: Set<string>; threads: number | 'auto' } {
  let quick = false,
    threads: number | 'auto' = 'auto';
  let only: Set<string> | undefined;
  for (const arg of argv) {
    if (arg === '--quick') quick = true;
    else if (arg.startsWith('--only='))
      only = new Set(
        arg
          .slice('--only='.length)
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      );
    else if (/^--threads=(auto|\d+)$/.test(arg)) threads = arg.endsWith('auto') ? 'auto' : Number(arg.slice('--threads='.length));
    else
      throw new Error(
        `unknown argument ${arg}; use --quick, --only=W1,W1-full,W2,W3,W4-batch,W5,W4-latency,streaming,columnar,native,optimum,quality,contention and/or --threads=N|auto`,
      );
  }
  return { quick, only, threads };
}

const log = (line: string) => console.error(line); // progress on stderr, results on stdout

function shout(message: string): void {
  const bar = '!'.repeat(Math.min(100, message.length + 8));
  console.error(`\n${bar}\n!!! ${message}\n${bar}\n`);
}

async function measure(workload: Workload, impls: readonly Implementation[], settings: Settings): Promise<Measurement[]> {
  switch (workload.kind) {
    case 'training':
      return measureTraining(workload, impls, settings, log);
    case 'inference':
      return measureBatchInference(workload, impls, settings, log);
    case 'latency':
      return measureLatency(workload, impls, settings, log);
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const { quick, only, threads } = parseArgs(process.argv.slice(2));
  const settings = quick ? QUICK : FULL;
  const machine = describeMachine(); // first, so the load average is the one before we start

  const { workloads: all, imageSource } = await buildWorkloads(quick ? QUICK_SIZES : FULL_SIZES);
  if (imageSource.kind === 'synthetic') shout(`W2/W4/W5 run on ${imageSource.description}`);
  const unknown = [...(only ?? [])].filter(
    (id) => !['streaming', 'columnar', 'native', 'optimum', 'quality', 'contention'].includes(id) && !all.some((w) => w.id === id),
  );
  if (unknown.length) throw new Error(`--only: no workload ${unknown.join(', ')}; the workloads are ${all.map((w) => w.id).join(', ')}`);
  const workloads = all.filter((w) => !only || only.has(w.id));

  // gradwasm-wasm (1 thread) first: it is the baseline every ratio refers to; then with threads.
  const withThreads = await gradwasm('wasm', threads);
  const impls: Implementation[] = [
    await gradwasm('wasm'),
    ...(withThreads.name === 'gradwasm-wasm' ? [] : [withThreads]),
    await gradwasm('js'),
    await tfjs('wasm'),
    await tfjs('cpu'),
  ];
  for (const impl of impls) log(`${impl.name}: ${impl.detail}`);

  const results: WorkloadResult[] = [];
  for (const workload of workloads) {
    log(`${workload.id}: ${workload.title}`);
    const measurements = await measure(workload, impls, settings);
    results.push({
      id: workload.id,
      title: workload.title,
      kind: workload.kind,
      ...(workload.kind === 'latency' ? {} : { flopsPerSample: flopsPerSample(workload.architecture, workload.kind === 'training') }),
      ...(workload.kind === 'training' ? { learningRate: workload.learningRate } : {}),
      measurements,
    });
  }

  // onnxruntime-web on W4 (issue 13): the model toOnnx exports, with 1 thread and with the threads measured above.
  const w4batch = workloads.find((w): w is BatchInferenceWorkload => w.id === 'W4-batch'),
    w4latency = workloads.find((w): w is LatencyWorkload => w.id === 'W4-latency');
  const onnxImpls: { name: ImplName; detail: string }[] = [];
  if (w4batch && w4latency) {
    const counts = [1, ...(withThreads.name === 'gradwasm-wasm' ? [] : [Number(/(\d+) threads/.exec(withThreads.detail)?.[1] ?? 2)])];
    for (const n of counts)
      onnxImpls.push({
        name: n === 1 ? 'onnxruntime-web' : 'onnxruntime-web-threads',
        detail: `onnxruntime-web 1.23.2, wasm backend, ${n} thread${n === 1 ? '' : 's'}: the W2 model as toOnnx exports it (W4 only, in a process of its own)`,
      });
    const onnx = await measureOnnx(w4batch, w4latency, settings, counts, log);
    results.find((r) => r.id === 'W4-batch')!.measurements.push(...onnx.batch);
    results.find((r) => r.id === 'W4-latency')!.measurements.push(...onnx.latency);
  }

  // Streaming (issue 11): the W1 and W2 shapes from .npy against in memory, and CSV ingestion.
  const streamed = all.filter(
    (w): w is TrainingWorkload => w.kind === 'training' && (w.id === 'W1' || w.id === 'W2') && (!only || only.has(w.id) || only.has('streaming')),
  );
  const streaming = streamed.length || only?.has('streaming') ? await measureStreaming(streamed, settings, quick ? 2 : 50, log) : undefined;
  // Parquet (issue 23): ingestion of one table as CSV, .npy and Parquet; the W1 and W2 shapes from Parquet against in memory.
  const columnar =
    !only || only.has('columnar')
      ? await measureColumnar(
          all.filter((w): w is TrainingWorkload => w.kind === 'training' && (w.id === 'W1' || w.id === 'W2')),
          settings,
          quick ? 20_000 : 1_000_000,
          log,
        )
      : undefined;

  // Native PyTorch and scikit-learn beside gradwasm (issue 24), when Debian's packages are installed.
  const sizes = quick ? QUICK_SIZES : FULL_SIZES;
  const native = !only || only.has('native') ? await measureNative(all, settings, sizes, log) : undefined;

  // To the optimum, and the command line's defaults in cross-validation (issue 14); the CV runs dist/cli.js (npm run bench builds it).
  if (!only || only.has('optimum')) log('to the optimum: breast-cancer logistic regression, L-BFGS and Adam');
  const optimum = !only || only.has('optimum') ? await measureOptimum(settings, log) : undefined;
  if (!quick && (!only || only.has('quality'))) log("the command line's defaults in 5-fold CV against scikit-learn (npm run quality)");
  const qualityRows = quick
    ? undefined
    : !only || only.has('quality')
      ? quality(['breast_cancer', 'banknote', 'pima_diabetes', 'spambase', 'digits_odd_vs_even'], 5)
      : undefined;

  // Threads under real conditions (issue 18): W2 in processes of their own, beside a busy one too.
  const contention = !only || only.has('contention') ? await measureContention(quick ? 1 : 5, quick, log) : undefined;

  const figures = new Map(results.map((r) => [r.id, new Map<ImplName, Measurement>(r.measurements.map((m) => [m.impl, m]))]));
  const report: Report = {
    mode: quick ? 'quick' : 'full',
    machine,
    implementations: [...impls.map(({ name, detail }) => ({ name, detail })), ...onnxImpls],
    imageSource,
    settings,
    workloads: results,
    targets: checkTargets(figures),
    seconds: (performance.now() - started) / 1000,
    loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
    ...(streaming ? { streaming } : {}),
    ...(columnar ? { columnar } : {}),
    ...(native ? { native } : {}),
    ...(optimum ? { optimum } : {}),
    ...(qualityRows ? { quality: qualityRows } : {}),
    ...(contention ? { contention } : {}),
  };
  console.log(formatConsole(report));
  if (imageSource.kind === 'synthetic') shout(`W2/W4/W5 ran on ${imageSource.description}`);

  // This file is dist/bench/run.js: the repository root is two levels up.
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const publish = !quick && !only;
  const json = publish ? `${root}bench/results.json` : `${root}dist/bench/results.json`;
  const markdown = publish ? `${root}BENCHMARKS.md` : `${root}dist/bench/BENCHMARKS.md`;
  mkdirSync(dirname(json), { recursive: true });
  writeFileSync(json, toJSON(report));
  writeFileSync(markdown, toMarkdown(report));
  log(`\nwrote ${json} and ${markdown}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
