// How each workload is timed: warm-up first, then repetitions in which every implementation
// takes one turn (round-robin, the starting one rotating), so drifts of the machine — another
// process, thermal state, a GC — fall on all of them alike; the figure kept is the median.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Implementation, ImplName, MemoryFigures, Predictor } from './impl.js';
import type { BatchInferenceWorkload, LatencyWorkload, TrainingWorkload } from './workloads.js';

export interface Settings {
  /** Timed repetitions per implementation (the median is reported). */
  repetitions: number;
  /**
   * Each timed training run trains enough epochs to last at least this long, so fixed costs
   * (data copy-in, fit set-up) weigh the same small share for fast and slow implementations.
   */
  minSeconds: number;
  /** Upper bound on the epochs of one run (the playground case is sub-millisecond per epoch). */
  maxEpochs: number;
}

/** One implementation's figures on one workload. */
export interface Measurement {
  impl: ImplName;
  /** Median samples/s for training and batch inference; median µs per call for latency. */
  value: number;
  unit: 'samples/s' | 'µs';
  /** Every repetition's figure, in run order. */
  runs: number[];
  /** Epochs per timed training run. */
  epochs?: number;
  /** Mean BCE of the first epoch, from the same initial weights: all should be close. */
  firstEpochLoss?: number;
  /** Largest |p − p(gradwasm-wasm)| over the predicted rows: all should be ~1e-6. */
  maxAbsDiff?: number;
  memory?: MemoryFigures;
}

// A full collection before each timed turn keeps one implementation's garbage (TF.js allocates
// plenty) from being collected on another's clock. Exposed without a node flag, for `npm run bench`.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The implementations in round-robin order for repetition `r`: rotated by one each time. */
function turnOrder<T>(items: readonly T[], r: number): T[] {
  const k = r % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

export async function measureTraining(
  workload: TrainingWorkload,
  impls: readonly Implementation[],
  settings: Settings,
  log: (line: string) => void,
): Promise<Measurement[]> {
  const job = (epochs: number) => ({
    architecture: workload.architecture,
    x: workload.data.x,
    y: workload.data.y,
    init: workload.init,
    learningRate: workload.learningRate,
    batchSize: workload.batchSize,
    epochs,
  });
  const rows = workload.data.x.rows;

  // Warm-up (JIT, first-use initialisation), which also sizes each implementation's runs.
  const plan = new Map<ImplName, { epochs: number; firstEpochLoss: number }>();
  for (const impl of impls) {
    await impl.activate();
    collectGarbage();
    let once = await impl.train(job(1));
    if (once.seconds < settings.minSeconds) once = await impl.train(job(1)); // time it warm
    const epochs = Math.max(1, Math.min(settings.maxEpochs, Math.ceil(settings.minSeconds / once.seconds)));
    plan.set(impl.name, { epochs, firstEpochLoss: once.firstEpochLoss });
  }

  const runs = new Map<ImplName, number[]>(impls.map((impl) => [impl.name, []]));
  for (let r = 0; r < settings.repetitions; r++) {
    for (const impl of turnOrder(impls, r)) {
      const { epochs } = plan.get(impl.name)!;
      await impl.activate();
      collectGarbage();
      const { seconds } = await impl.train(job(epochs));
      runs.get(impl.name)!.push((rows * epochs) / seconds);
    }
    log(`  ${workload.id} repetition ${r + 1}/${settings.repetitions} done`);
  }

  const results: Measurement[] = [];
  for (const impl of impls) {
    // Memory comes from a separate, untimed one-epoch run: probes never touch the timed runs.
    const memory = await impl.trainingMemory(job(1));
    const { epochs, firstEpochLoss } = plan.get(impl.name)!;
    const values = runs.get(impl.name)!;
    results.push({ impl: impl.name, value: median(values), unit: 'samples/s', runs: values, epochs, firstEpochLoss, ...(memory ? { memory } : {}) });
  }
  return results;
}

/** Every implementation's model, loaded with the workload's weights. */
async function loadPredictors(workload: BatchInferenceWorkload | LatencyWorkload, impls: readonly Implementation[]): Promise<Map<ImplName, Predictor>> {
  const predictors = new Map<ImplName, Predictor>();
  for (const impl of impls) predictors.set(impl.name, await impl.predictor(workload.architecture, workload.weights));
  return predictors;
}

/** Largest absolute difference between two probability vectors. */
function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let worst = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < Math.min(a.length, b.length); i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

export async function measureBatchInference(
  workload: BatchInferenceWorkload,
  impls: readonly Implementation[],
  settings: Settings,
  log: (line: string) => void,
): Promise<Measurement[]> {
  const predictors = await loadPredictors(workload, impls);
  const rows = workload.batches.reduce((n, b) => n + b.rows, 0);
  const predictAll = (p: Predictor) => workload.batches.map((batch) => p.predict(batch));
  try {
    // Warm-up pass, which also checks that everyone predicts the same probabilities.
    const reference = new Map<ImplName, Float32Array[]>();
    for (const impl of impls) {
      await impl.activate();
      reference.set(impl.name, predictAll(predictors.get(impl.name)!));
    }
    const baseline = reference.get(impls[0]!.name)!;

    const runs = new Map<ImplName, number[]>(impls.map((impl) => [impl.name, []]));
    for (let r = 0; r < settings.repetitions; r++) {
      for (const impl of turnOrder(impls, r)) {
        const predictor = predictors.get(impl.name)!;
        await impl.activate();
        collectGarbage();
        // Whole passes over the rows until minSeconds have passed, as for training.
        let passes = 0;
        const start = performance.now();
        do {
          predictAll(predictor);
          passes++;
        } while (performance.now() - start < settings.minSeconds * 1000);
        runs.get(impl.name)!.push((rows * passes) / ((performance.now() - start) / 1000));
      }
      log(`  ${workload.id} repetition ${r + 1}/${settings.repetitions} done`);
    }

    const results: Measurement[] = [];
    for (const impl of impls) {
      const predictions = reference.get(impl.name)!;
      const diff = Math.max(...predictions.map((p, i) => maxAbsDiff(p, baseline[i]!)));
      const memory = await impl.inferenceMemory(predictors.get(impl.name)!, workload.batches[0]!);
      const values = runs.get(impl.name)!;
      results.push({ impl: impl.name, value: median(values), unit: 'samples/s', runs: values, maxAbsDiff: diff, ...(memory ? { memory } : {}) });
    }
    return results;
  } finally {
    for (const p of predictors.values()) p.dispose();
  }
}

export async function measureLatency(
  workload: LatencyWorkload,
  impls: readonly Implementation[],
  settings: Settings,
  log: (line: string) => void,
): Promise<Measurement[]> {
  const predictors = await loadPredictors(workload, impls);
  /** The median time of one predict call over all samples, in µs. */
  const medianCall = (p: Predictor) =>
    median(
      workload.samples.map((sample) => {
        const start = performance.now();
        p.predict(sample);
        return (performance.now() - start) * 1000;
      }),
    );
  try {
    for (const impl of impls) {
      await impl.activate();
      medianCall(predictors.get(impl.name)!); // warm-up
    }
    const runs = new Map<ImplName, number[]>(impls.map((impl) => [impl.name, []]));
    for (let r = 0; r < settings.repetitions; r++) {
      for (const impl of turnOrder(impls, r)) {
        await impl.activate();
        collectGarbage();
        runs.get(impl.name)!.push(medianCall(predictors.get(impl.name)!));
      }
      log(`  ${workload.id} repetition ${r + 1}/${settings.repetitions} done`);
    }
    return impls.map((impl) => {
      const values = runs.get(impl.name)!;
      return { impl: impl.name, value: median(values), unit: 'µs' as const, runs: values };
    });
  } finally {
    for (const p of predictors.values()) p.dispose();
  }
}
