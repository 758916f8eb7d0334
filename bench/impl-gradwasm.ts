// gradwasm through its public API, on either backend: Sequential.create, setWeights(init),
// then one timed fit (which includes copying the data into linear memory, as every user pays).
import { Sequential, type BackendName } from '../src/index.js';
import { loadCore } from '../src/wasm/core.js';
import type { Architecture, Implementation, LayerWeights, Matrix, MemoryFigures, Predictor, TrainJob, TrainResult } from './impl.js';

/** Any seed: the initial weights are overwritten; it only fixes the shuffle order. */
const SEED = 1;

async function createModel(architecture: Architecture, weights: readonly LayerWeights[], backend: BackendName): Promise<Sequential> {
  const model = await Sequential.create({ inputs: architecture.inputs, layers: architecture.layers, seed: SEED, backend });
  model.setWeights(weights);
  return model;
}

async function train(job: TrainJob, backend: BackendName): Promise<TrainResult> {
  const model = await createModel(job.architecture, job.init, backend);
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

export function gradwasm(backend: BackendName): Implementation {
  return {
    name: backend === 'wasm' ? 'gradwasm-wasm' : 'gradwasm-js',
    detail: backend === 'wasm'
      ? 'gradwasm, AssemblyScript core, 128-bit SIMD, 1 thread'
      : "gradwasm backend 'js': the pure-TypeScript twin (Float32Array loops)",
    activate: async () => {},
    train: (job) => train(job, backend),
    predictor: async (architecture, weights) => predictor(await createModel(architecture, weights, backend)),
    // The js backend keeps its arrays on the JS heap: there is no linear memory to report.
    trainingMemory: async (job) => (backend === 'wasm' ? withArenaPeak(() => train(job, backend)) : undefined),
    inferenceMemory: async (p, x) => (backend === 'wasm' ? withArenaPeak(async () => p.predict(x)) : undefined),
  };
}
