// onnxruntime-web beside gradwasm on W4 (issue 13): the W2 model as toOnnx exports it, run by
// onnxruntime-web 1.23's wasm backend with 1 and 2 threads, each in a process of its own
// (bench/onnx-child.ts: ONNX Runtime fixes its thread count once per process), on the same rows.
// Its calls are asynchronous (session.run returns a promise): that is how it is used.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Sequential, toOnnx } from '../src/index.js';
import type { ImplName } from './impl.js';
import { median, type Measurement, type Settings } from './measure.js';
import type { BatchInferenceWorkload, LatencyWorkload } from './workloads.js';

const CHILD = fileURLToPath(new URL('./onnx-child.js', import.meta.url));

/** W4's rows through onnxruntime-web with each thread count: a batch and a latency measurement per count. */
export async function measureOnnx(
  batch: BatchInferenceWorkload,
  latency: LatencyWorkload,
  settings: Settings,
  threads: readonly number[],
  log: (line: string) => void,
): Promise<{ batch: Measurement[]; latency: Measurement[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'gradwasm-bench-onnx-'));
  try {
    const model = await Sequential.create({ inputs: batch.architecture.inputs, layers: batch.architecture.layers, seed: 1, threads: 1 });
    model.setWeights(batch.weights);
    const cols = batch.architecture.inputs;
    const count = batch.batches.reduce((n, b) => n + b.rows, 0);
    const rows = new Float32Array(count * cols);
    let at = 0;
    for (const b of batch.batches) {
      rows.set(b.data, at);
      at += b.data.length;
    }
    const expected = model.predictProba({ data: rows, rows: count, cols });
    writeFileSync(join(dir, 'model.onnx'), toOnnx(model));
    writeFileSync(join(dir, 'rows.f32'), new Uint8Array(rows.buffer));
    model.dispose();
    const out = { batch: [] as Measurement[], latency: [] as Measurement[] };
    for (const n of threads) {
      log(`onnxruntime-web, ${n} thread${n === 1 ? '' : 's'}: W4 batch and latency`);
      const job = join(dir, `job-${n}.json`);
      writeFileSync(
        job,
        JSON.stringify({
          onnx: join(dir, 'model.onnx'),
          rows: join(dir, 'rows.f32'),
          count,
          cols,
          batch: batch.batches[0]!.rows,
          latencySamples: latency.samples.length,
          threads: n,
          repetitions: settings.repetitions,
          minSeconds: settings.minSeconds,
        }),
      );
      const result = JSON.parse(execFileSync(process.execPath, [CHILD, job], { encoding: 'utf8', maxBuffer: 1 << 28 })) as {
        batchRuns: number[];
        latencyRuns: number[];
        probabilities: number[];
      };
      const impl: ImplName = n === 1 ? 'onnxruntime-web' : 'onnxruntime-web-threads';
      const diff = result.probabilities.reduce((m, p, i) => Math.max(m, Math.abs(p - expected[i]!)), 0);
      out.batch.push({ impl, value: median(result.batchRuns), unit: 'samples/s', runs: result.batchRuns, maxAbsDiff: diff });
      out.latency.push({ impl, value: median(result.latencyRuns), unit: 'µs', runs: result.latencyRuns });
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
