// One onnxruntime-web configuration, measured in a process of its own (its thread count is fixed
// once per process, before the first session): `node dist/bench/onnx-child.js <job.json>`. The
// job names the ONNX file toOnnx wrote, the W4 rows (raw float32), the call size, the settings
// and the threads; the medians go to stdout as JSON. bench/onnx.ts runs it once per thread count.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';

interface Job {
  onnx: string;
  rows: string;
  count: number;
  cols: number;
  batch: number;
  latencySamples: number;
  threads: number;
  repetitions: number;
  minSeconds: number;
}

const job = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Job;
ort.env.wasm.numThreads = job.threads;
ort.env.logLevel = 'error';
const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(job.onnx)));
const all = new Float32Array(new Uint8Array(readFileSync(job.rows)).buffer);
const batches: ort.Tensor[] = [];
for (let r = 0; r < job.count; r += job.batch) {
  const n = Math.min(job.batch, job.count - r);
  batches.push(new ort.Tensor('float32', all.subarray(r * job.cols, (r + n) * job.cols), [n, job.cols]));
}
const singles = Array.from(
  { length: Math.min(job.latencySamples, job.count) },
  (_, r) => new ort.Tensor('float32', all.subarray(r * job.cols, (r + 1) * job.cols), [1, job.cols]),
);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

// predictions of every row, for the check against gradwasm's
const probabilities = new Float32Array(job.count);
let at = 0;
for (const b of batches) {
  const { probability } = await session.run({ features: b }, ['probability']); // (only what the other implementations compute)
  probabilities.set(probability!.data as Float32Array, at);
  at += b.dims[0]!;
}

const batchRuns: number[] = [],
  latencyRuns: number[] = [];
for (let rep = 0; rep <= job.repetitions; rep++) {
  let passes = 0;
  const start = performance.now();
  do {
    for (const b of batches) await session.run({ features: b });
    passes++;
  } while (performance.now() - start < job.minSeconds * 1000);
  const rate = (job.count * passes) / ((performance.now() - start) / 1000);
  const times: number[] = [];
  for (const s of singles) {
    const t = performance.now();
    await session.run({ features: s });
    times.push((performance.now() - t) * 1000);
  }
  if (rep === 0) continue; // warm-up
  batchRuns.push(rate);
  latencyRuns.push(median(times));
}
process.stdout.write(JSON.stringify({ batchRuns, latencyRuns, probabilities: [...probabilities] }));
