// Issue 24's anchor: native PyTorch and scikit-learn beside gradwasm on this machine. The W1,
// W1-full, W2 and W5 rows, their initial weights, batch sizes and learning rates, and W4's
// trained weights and test rows are written as .npy files; bench/native.py (Debian's
// /usr/bin/python3 with python3-torch and python3-sklearn) trains and predicts with them on 1 and
// on 2 threads and prints its figures as JSON. Logistic regression to the optimum (scikit-learn's
// lbfgs, C = 1) is timed against gradwasm's L-BFGS on W1's rows here, in the same run. When the
// packages are absent the section says so in one line; CI's tests never need them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Sequential, dense } from '../src/index.js';
import { writeNpy } from '../src/node/index.js';
import { median, type Settings } from './measure.js';
import type { LayerWeights } from './impl.js';
import type { Workload } from './workloads.js';
import type { WorkloadResult } from './report.js';
import { tablesLines } from './table.js';

/** What one library measured on one thread count. */
export interface NativeFigures {
  version: string;
  threads: number;
  /** samples/s by workload id (W1, W1-full, W2, W5, W4-batch); W4-latency in µs; LR-optimum in s. */
  [workload: string]: { samplesPerSecond?: number; microseconds?: number; seconds?: number; epochs?: number } | string | number;
}

export interface NativeReport {
  python: string;
  torch: NativeFigures[] | null;
  sklearn: NativeFigures[] | null;
  missing: string[];
  /** gradwasm's L-BFGS to its optimum on W1's rows (weightDecay 1/n: C = 1), median seconds, 1 thread. */
  gradwasmLbfgsSeconds: number;
}

const PYTHON = '/usr/bin/python3';

export async function measureNative(
  workloads: readonly Workload[],
  settings: Settings,
  sizes: { inferenceBatch: number; latencySamples: number },
  log: (line: string) => void,
): Promise<NativeReport | null> {
  const script = fileURLToPath(new URL('../../bench/native.py', import.meta.url));
  if (!existsSync(PYTHON) || !existsSync(script)) {
    log(`native: ${PYTHON} or ${script} missing: PyTorch and scikit-learn not measured`);
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'gradwasm-bench-native-'));
  try {
    const training = ['W1', 'W1-full', 'W2', 'W5'];
    for (const w of workloads) {
      if (w.kind === 'training' && training.includes(w.id)) {
        await writeRows(dir, w.id, w.data.x, w.data.y);
        await writeLayers(
          dir,
          w.id,
          w.init,
          w.architecture.layers.map((l) => l.activation),
          { batchSize: w.batchSize, learningRate: w.learningRate },
        );
      } else if (w.kind === 'inference' && w.id === 'W4-batch') {
        const rows = w.batches.reduce((n, b) => n + b.rows, 0);
        const x = new Float32Array(rows * w.architecture.inputs);
        let at = 0;
        for (const b of w.batches) x.set(b.data, (at += b.data.length) - b.data.length);
        await writeNpy(join(dir, 'W4.x.npy'), { data: x, rows, cols: w.architecture.inputs });
        await writeLayers(
          dir,
          'W4',
          w.weights,
          w.architecture.layers.map((l) => l.activation),
          {},
        );
      }
    }
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ ...settings, threads: [1, 2], training, sklearnMlp: 'W2', inference: 'W4', ...sizes }));
    log('native: PyTorch and scikit-learn (bench/native.py), 1 and 2 threads');
    const run = spawnSync(PYTHON, [script, dir, join(dir, 'settings.json')], { encoding: 'utf8', maxBuffer: 2 ** 24, timeout: 1_800_000 });
    if (run.status !== 0) {
      // (the anchor is beside the suite, not part of it: the rest of the run goes on, and says so)
      log(`native: bench/native.py failed (exit ${run.status}), its rows are left out: ${run.stderr.trim().split('\n').pop()}`);
      return null;
    }
    const native = JSON.parse(run.stdout) as Omit<NativeReport, 'python' | 'gradwasmLbfgsSeconds'>;
    for (const missing of native.missing) log(`native: ${missing} is not installed (apt-get install ${missing}): its rows are left out`);
    const w1 = workloads.find((w) => w.id === 'W1');
    const gradwasmLbfgsSeconds = w1?.kind === 'training' ? await lbfgsSeconds(w1.data.x, w1.data.y, settings) : NaN;
    const python = spawnSync(PYTHON, ['--version'], { encoding: 'utf8' }).stdout.trim();
    return { python, ...native, gradwasmLbfgsSeconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** gradwasm's L-BFGS to its own stopping rule, logistic regression with weightDecay 1/n (scikit-learn's C = 1), one thread. */
async function lbfgsSeconds(x: { data: Float32Array; rows: number; cols: number }, y: Float32Array, settings: Settings): Promise<number> {
  const times: number[] = [];
  for (let rep = 0; rep <= settings.repetitions; rep++) {
    const model = await Sequential.create({ inputs: x.cols, layers: [dense(1, 'sigmoid')], seed: 1, threads: 1 });
    const start = performance.now();
    await model.fit(x, y, { optimizer: 'lbfgs', weightDecay: 1 / x.rows, epochs: 1000 });
    if (rep > 0) times.push((performance.now() - start) / 1000);
    model.dispose();
  }
  return median(times);
}

async function writeRows(dir: string, id: string, x: { data: Float32Array; rows: number; cols: number }, y: Float32Array): Promise<void> {
  await writeNpy(join(dir, `${id}.x.npy`), x);
  await writeNpy(join(dir, `${id}.y.npy`), { data: y, rows: y.length, cols: 1 });
}

async function writeLayers(dir: string, id: string, layers: readonly LayerWeights[], activations: string[], spec: object): Promise<void> {
  let inputs = layers[0]!.weights.length / layers[0]!.bias.length;
  for (const [k, layer] of layers.entries()) {
    const units = layer.bias.length;
    await writeNpy(join(dir, `${id}.w${k}.npy`), { data: layer.weights, rows: inputs, cols: units });
    await writeNpy(join(dir, `${id}.b${k}.npy`), { data: layer.bias, rows: units, cols: 1 });
    inputs = units;
  }
  writeFileSync(join(dir, `${id}.json`), JSON.stringify({ activations, ...spec }));
}

/** A figure of a library's run on `threads`, or NaN. */
function figure(runs: NativeFigures[] | null, threads: number, id: string, key: 'samplesPerSecond' | 'microseconds' | 'seconds'): number {
  const entry = runs?.find((r) => r.threads === threads)?.[id];
  return typeof entry === 'object' ? (entry[key] ?? NaN) : NaN;
}

/** The native rows beside gradwasm's of the same run, and issue 24's targets, as Markdown or plain lines. */
export function nativeLines(report: NativeReport, workloads: readonly WorkloadResult[], markdown: boolean): string[] {
  const ours = (id: string, impl: string) => workloads.find((w) => w.id === id)?.measurements.find((m) => m.impl === impl)?.value ?? NaN;
  const rate = (v: number) => (Number.isNaN(v) ? '—' : v >= 1e6 ? `${(v / 1e6).toFixed(2)} M` : `${(v / 1e3).toFixed(1)} k`);
  const us = (v: number) => (Number.isNaN(v) ? '—' : `${v.toFixed(1)} µs`);
  const s = (v: number) => (Number.isNaN(v) ? '—' : `${v.toFixed(3)} s`);
  const rows: string[][] = [];
  for (const id of ['W1', 'W1-full', 'W2', 'W5', 'W4-batch']) {
    const torch = [1, 2].map((n) => figure(report.torch, n, id, 'samplesPerSecond'));
    const sklearn = id === 'W2' ? [1, 2].map((n) => figure(report.sklearn, n, id, 'samplesPerSecond')) : [NaN, NaN];
    const [one, threads] = [ours(id, 'gradwasm-wasm'), ours(id, 'gradwasm-wasm-threads')];
    const best = Math.max(...torch.filter((v) => !Number.isNaN(v)));
    rows.push([
      id,
      rate(torch[0]!),
      rate(torch[1]!),
      sklearn.every(Number.isNaN) ? '—' : sklearn.map(rate).join(' / '),
      rate(one),
      rate(threads),
      `${((threads || one) / best).toFixed(2)}×`,
    ]);
  }
  const latency = [1, 2].map((n) => figure(report.torch, n, 'W4-latency', 'microseconds'));
  const [lat1, latN] = [ours('W4-latency', 'gradwasm-wasm'), ours('W4-latency', 'gradwasm-wasm-threads')];
  rows.push(['W4 one row (µs)', us(latency[0]!), us(latency[1]!), '—', us(lat1), us(latN), `${(lat1 / Math.min(...latency)).toFixed(2)}× the time`]);
  const lbfgs = [1, 2].map((n) => figure(report.sklearn, n, 'LR-optimum', 'seconds'));
  rows.push([
    'LR to the optimum (W1 rows)',
    '—',
    '—',
    lbfgs.map(s).join(' / '),
    s(report.gradwasmLbfgsSeconds),
    '—',
    `${(report.gradwasmLbfgsSeconds / Math.min(...lbfgs)).toFixed(2)}× the time`,
  ]);
  const headers = [
    'workload (samples/s)',
    'PyTorch, 1 thread',
    'PyTorch, 2 threads',
    'scikit-learn, 1 / 2 threads',
    'gradwasm, 1 thread',
    'gradwasm, threads',
    'gradwasm ÷ native best',
  ];

  const torchBest = (id: string) => Math.max(...[1, 2].map((n) => figure(report.torch, n, id, 'samplesPerSecond')));
  const targets: [string, number, number, boolean][] = [
    ['W2 with threads ≥ 1.25× PyTorch (best thread count)', ours('W2', 'gradwasm-wasm-threads') / torchBest('W2'), 1.25, true],
    [
      'W1 full batch with threads ≥ 1.0× PyTorch, 1 thread',
      ours('W1-full', 'gradwasm-wasm-threads') / figure(report.torch, 1, 'W1-full', 'samplesPerSecond'),
      1,
      true,
    ],
    ['W4 one-row latency ≤ 0.3× PyTorch’s', lat1 / Math.min(...latency), 0.3, false],
    ['logistic regression to the optimum ≤ 0.5× scikit-learn’s time', report.gradwasmLbfgsSeconds / Math.min(...lbfgs), 0.5, false],
  ];
  const targetRows = targets.map(([what, v, limit, atLeast]) => [
    what,
    `${v.toFixed(2)}×`,
    Number.isNaN(v) ? 'not measured' : (atLeast ? v >= limit : v <= limit) ? 'met' : 'NOT met',
  ]);
  return tablesLines(
    [
      [headers, rows, '| :-- | --: | --: | --: | --: | --: | --: |'],
      [['target (issue 24)', 'measured', ''], targetRows, '| :-- | --: | :-- |'],
    ],
    markdown,
  );
}
