// gradwasm through its public API, on either backend (the wasm one with 1 thread, or with
// several): Sequential.create, setWeights(init), then one timed fit (which includes copying the
// data into linear memory, as every user pays).
import { Sequential, dense, type BackendName } from '../src/index.js';
import { loadCore } from '../src/backend/wasm/core.js';
import type { Architecture, Implementation, LayerWeights, Matrix, MemoryFigures, Predictor, TrainJob, TrainResult } from './impl.js';

/** Any seed: the initial weights are overwritten; it only fixes the shuffle order. */
const SEED = 1;

async function createModel(architecture: Architecture, weights: readonly LayerWeights[], backend: BackendName, threads: number | 'auto'): Promise<Sequential> {
  const model = await Sequential.create({
    inputs: architecture.inputs,
    layers: architecture.layers,
    seed: SEED,
    backend,
    threads: backend === 'js' ? 1 : threads,
  });
  model.setWeights(weights);
  return model;
}

async function train(job: TrainJob, backend: BackendName, threads: number | 'auto'): Promise<TrainResult> {
  const model = await createModel(job.architecture, job.init, backend, threads);
  try {
    // Full batch is gradwasm's default: batchSize omitted.
    const batch = job.batchSize === 'full' ? {} : { batchSize: job.batchSize };
    const start = performance.now();
    const history = await model.fit(job.x, job.y, { epochs: job.epochs, learningRate: job.learningRate, ...batch });
    const seconds = (performance.now() - start) / 1000;
    return { seconds, firstEpochLoss: history.loss[0]! };
  } finally {
    model.dispose();
  }
}

function predictor(model: Sequential): Predictor {
  return {
    predict: (x: Matrix) => model.predictProba(x),
    dispose: () => model.dispose(),
  };
}

/**
 * Runs `work` while recording the peak of the arena's bytes in use, observed after every
 * allocation (the arena only grows its use when it allocates, so no peak is missed). The
 * probe wraps the arena's method on the instance for the duration of the run only; the timed
 * runs never see it.
 */
async function withArenaPeak(work: () => Promise<unknown>): Promise<MemoryFigures> {
  const core = await loadCore();
  const arena = core.arena;
  const allocate = arena.allocate;
  let peak = arena.bytesInUse;
  arena.allocate = (bytes: number): number => {
    const ptr = allocate.call(arena, bytes);
    peak = Math.max(peak, arena.bytesInUse);
    return ptr;
  };
  try {
    await work();
  } finally {
    arena.allocate = allocate;
  }
  return {
    inUse: peak,
    linear: core.exports.memory.buffer.byteLength,
    note: 'in use: peak arena.bytesInUse (model, data, workspace); linear: memory.buffer.byteLength, the process-wide high-water mark shared by all gradwasm models',
  };
}

/** gradwasm on `backend`; on 'wasm', with `threads` (1: the baseline every ratio refers to). */
export async function gradwasm(backend: BackendName, threads: number | 'auto' = 1): Promise<Implementation> {
  const count = backend === 'js' ? 1 : threads === 'auto' ? (await Sequential.create({ inputs: 1, layers: [dense(1, 'sigmoid')] })).threads : threads;
  const single = backend === 'wasm' && count === 1;
  return {
    name: backend === 'js' ? 'gradwasm-js' : single ? 'gradwasm-wasm' : 'gradwasm-wasm-threads',
    detail:
      backend === 'wasm'
        ? `gradwasm, AssemblyScript core, 128-bit SIMD, ${count === 1 ? '1 thread' : `${count} threads (threads: ${threads})`}`
        : "gradwasm backend 'js': the pure-TypeScript twin (Float32Array loops)",
    activate: async () => {},
    train: (job) => train(job, backend, count),
    predictor: async (architecture, weights) => predictor(await createModel(architecture, weights, backend, count)),
    // The js backend keeps its arrays on the JS heap, and the threaded core is another memory: figures for the single-thread core only.
    trainingMemory: async (job) => (single ? withArenaPeak(() => train(job, backend, 1)) : undefined),
    inferenceMemory: async (p, x) => (single ? withArenaPeak(async () => p.predict(x)) : undefined),
  };
}
