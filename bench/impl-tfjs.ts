// TensorFlow.js 4.22 Layers on its 'wasm' or 'cpu' backend, configured to do what gradwasm does:
// the same dense layers and activations, the same initial weights, tf.train.sgd(lr) on
// 'binaryCrossentropy' (or 'sparseCategoricalCrossentropy' for a softmax), float32, and model.fit(x, y, { epochs, batchSize, shuffle: true,
// verbose: 0 }) timed whole — including turning the Float32Arrays into tensors, since gradwasm's
// timed fit includes copying them into its linear memory.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { BackendWasm, getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Architecture, Implementation, LayerWeights, Matrix, MemoryFigures, Predictor, TrainJob, TrainResult } from './impl.js';

export type TfBackend = 'wasm' | 'cpu';

// Production mode skips TF.js's debug-time safety checks (what a user tuning for speed does)
// and silences its "install tfjs-node" banner, which would otherwise land in the table.
tf.enableProdMode();

/** TF.js has one global backend: make `backend` current before each of its turns. */
async function activate(backend: TfBackend): Promise<void> {
  if (tf.getBackend() === backend) return;
  if (!(await tf.setBackend(backend))) throw new Error(`TensorFlow.js could not initialise its '${backend}' backend`);
}

/** A Keras-style Sequential matching `architecture`, holding copies of `weights`. */
function createModel(architecture: Architecture, weights: readonly LayerWeights[]): tfl.Sequential {
  const model = tfl.sequential();
  let inputs = architecture.inputs;
  const values: tf.Tensor[] = [];
  architecture.layers.forEach((layer, i) => {
    model.add(
      tfl.layers.dense({
        units: layer.units,
        activation: layer.activation,
        // Zeros: skip random initialisation, the weights are set just below.
        kernelInitializer: 'zeros',
        ...(i === 0 ? { inputShape: [architecture.inputs] } : {}),
      }),
    );
    values.push(tf.tensor2d(weights[i]!.weights, [inputs, layer.units]), tf.tensor1d(weights[i]!.bias));
    inputs = layer.units;
  });
  model.setWeights(values);
  tf.dispose(values); // the variables took their own references
  return model;
}

async function train(job: TrainJob, onBatchEnd?: () => void): Promise<TrainResult> {
  const model = createModel(job.architecture, job.init);
  const optimizer = tf.train.sgd(job.learningRate);
  // (a softmax last layer: the class indices and their cross-entropy, as gradwasm's softmax head)
  const classes = job.architecture.layers[job.architecture.layers.length - 1]!.activation === 'softmax';
  model.compile({ optimizer, loss: classes ? 'sparseCategoricalCrossentropy' : 'binaryCrossentropy' });
  let x: tf.Tensor | undefined;
  let y: tf.Tensor | undefined;
  try {
    const start = performance.now();
    x = tf.tensor2d(job.x.data, [job.x.rows, job.x.cols]);
    y = classes ? tf.tensor1d(job.y) : tf.tensor2d(job.y, [job.y.length, 1]);
    const history = await model.fit(x, y, {
      epochs: job.epochs,
      batchSize: job.batchSize === 'full' ? job.x.rows : job.batchSize,
      shuffle: true,
      verbose: 0,
      ...(onBatchEnd ? { callbacks: { onBatchEnd } } : {}),
    });
    const seconds = (performance.now() - start) / 1000;
    return { seconds, firstEpochLoss: Number(history.history.loss![0]) };
  } finally {
    tf.dispose([x, y].filter((t): t is tf.Tensor => t !== undefined));
    model.dispose();
    optimizer.dispose(); // passed in, so the model does not own (or dispose) it
  }
}

class TfPredictor implements Predictor {
  constructor(readonly model: tfl.Sequential) {}

  predict(x: Matrix): Float32Array {
    // batchSize = all rows: one pass per call, not TF.js's default slices of 32.
    const out = tf.tidy(() => this.model.predict(tf.tensor2d(x.data, [x.rows, x.cols]), { batchSize: x.rows }) as tf.Tensor);
    const p = out.dataSync() as Float32Array;
    out.dispose();
    return p;
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** Bytes of the wasm backend's heap (its Emscripten module's linear memory), if that is the backend. */
function wasmHeapBytes(): number | undefined {
  const backend = tf.backend();
  // BackendWasm.wasm is typed through @types/emscripten, which tsconfig's "types" leaves out.
  return backend instanceof BackendWasm ? (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.byteLength : undefined;
}

function memoryFigures(backend: TfBackend, inUse: number, when: string): MemoryFigures {
  return backend === 'wasm'
    ? { inUse, linear: wasmHeapBytes(), note: `in use: peak tf.memory().numBytes (live tensors) ${when}; linear: the backend's wasm heap size` }
    : { inUse, note: `in use: peak tf.memory().numBytes (live tensors, on the JS heap) ${when}` };
}

/** How the wasm backend runs here: SIMD and threads as TF.js detected them. */
async function wasmDetail(): Promise<string> {
  await activate('wasm');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  return (
    `TF.js ${tf.version_core} Layers, backend 'wasm', SIMD ${simd ? 'on' : 'off'}, ` +
    // TF.js reports no thread support in Node whatever the machine (it switches it off there).
    `multithreading ${threads ? `on (${getThreadsCount()} threads)` : `off (1 thread${tf.env().getBool('IS_NODE') ? ': TF.js disables it in Node' : ''})`}`
  );
}

export async function tfjs(backend: TfBackend): Promise<Implementation> {
  const detail = backend === 'wasm' ? await wasmDetail() : `TF.js ${tf.version_core} Layers, backend 'cpu' (plain JavaScript kernels)`;
  return {
    name: backend === 'wasm' ? 'tfjs-wasm' : 'tfjs-cpu',
    detail,
    activate: () => activate(backend),
    train: async (job) => {
      await activate(backend);
      return train(job);
    },
    predictor: async (architecture, weights) => {
      await activate(backend);
      return new TfPredictor(createModel(architecture, weights));
    },
    trainingMemory: async (job) => {
      await activate(backend);
      let peak = tf.memory().numBytes;
      await train(job, () => {
        peak = Math.max(peak, tf.memory().numBytes);
      });
      return memoryFigures(backend, peak, 'sampled after every batch');
    },
    inferenceMemory: async (predictor, x) => {
      await activate(backend);
      if (!(predictor instanceof TfPredictor)) return undefined;
      const input = tf.tensor2d(x.data, [x.rows, x.cols]);
      const out = tf.tidy(() => predictor.model.predict(input, { batchSize: x.rows }) as tf.Tensor);
      const figures = memoryFigures(backend, tf.memory().numBytes, 'with the model, the batch and its output alive');
      tf.dispose([input, out]);
      return figures;
    },
  };
}
