// The workloads of the benchmark (issue 3): what is trained or predicted, on which data, with
// which hyper-parameters. Every implementation gets exactly these arrays and initial weights.
import { Sequential, dense } from '../src/index.js';
import { loadFashionMnist, DEFAULT_DIR } from './fashion-mnist.js';
import type { Architecture, LayerWeights, Matrix } from './impl.js';
import { circleTask, linearTask, type Labelled } from './synthetic.js';

/** Row counts: the full suite's, or --quick's tiny ones (which only keep the suite working). */
export interface Sizes {
  logisticRows: number;
  imageTrainRows: number;
  imageTestRows: number;
  playgroundRows: number;
  /** Rows predicted per call in W4's batch inference. */
  inferenceBatch: number;
  /** Single-row predictions timed per repetition in W4's latency test. */
  latencySamples: number;
}

export const FULL_SIZES: Sizes = {
  logisticRows: 100_000,
  // A subset of the 60,000 training images keeps TF.js-cpu's epoch to a few seconds; samples/s
  // does not depend on the row count once an epoch is many batches long.
  imageTrainRows: 10_000,
  imageTestRows: 10_000,
  playgroundRows: 1_000,
  inferenceBatch: 1_000,
  latencySamples: 500,
};

export const QUICK_SIZES: Sizes = {
  logisticRows: 5_000,
  imageTrainRows: 1_000,
  imageTestRows: 2_000,
  playgroundRows: 1_000,
  inferenceBatch: 1_000,
  latencySamples: 50,
};

interface Base {
  /** Short key, e.g. 'W2'. */
  id: string;
  title: string;
  architecture: Architecture;
}

export interface TrainingWorkload extends Base {
  kind: 'training';
  data: Labelled;
  batchSize: number | 'full';
  learningRate: number;
  /** Shared initial weights (Glorot-uniform from gradwasm's seeded initialiser). */
  init: LayerWeights[];
}

export interface BatchInferenceWorkload extends Base {
  kind: 'inference';
  weights: LayerWeights[];
  /** The rows, cut into calls of `Sizes.inferenceBatch` rows each. */
  batches: Matrix[];
}

export interface LatencyWorkload extends Base {
  kind: 'latency';
  weights: LayerWeights[];
  /** One-row inputs, each predicted and timed on its own. */
  samples: Matrix[];
}

export type Workload = TrainingWorkload | BatchInferenceWorkload | LatencyWorkload;

/** Where W2/W4's images came from. */
export interface ImageSource {
  kind: 'fashion-mnist' | 'synthetic';
  description: string;
}

const LOGISTIC: Architecture = { inputs: 32, layers: [dense(1, 'sigmoid')] };
const IMAGES: Architecture = { inputs: 784, layers: [dense(128, 'relu'), dense(64, 'relu'), dense(1, 'sigmoid')] };
const IMAGES10: Architecture = { inputs: 784, layers: [dense(128, 'relu'), dense(64, 'relu'), dense(10, 'softmax')] };
const PLAYGROUND: Architecture = { inputs: 2, layers: [dense(16, 'tanh'), dense(16, 'tanh'), dense(1, 'sigmoid')] };

/** Glorot-uniform kernels and zero biases from gradwasm's seeded initialiser. */
async function initialWeights(architecture: Architecture, seed: number): Promise<LayerWeights[]> {
  const model = await Sequential.create({ ...architecture, seed, backend: 'js' });
  const weights = model.getWeights();
  model.dispose();
  return weights;
}

/** Fashion-MNIST footwear-vs-rest (and its ten classes, for W5), or synthetic images of the same shape when the files are absent. */
function images(sizes: Sizes): { train: Labelled; test: Labelled; classes: Float32Array; source: ImageSource } {
  const real = loadFashionMnist(sizes.imageTrainRows, sizes.imageTestRows);
  if (real) {
    return {
      ...real,
      classes: real.train.classes,
      source: { kind: 'fashion-mnist', description: `Fashion-MNIST footwear (sandal, sneaker, ankle boot) vs rest, from ${real.source}` },
    };
  }
  // Same shape as the real thing: 784 values in [0, 1), 30 % positives; ten classes by the first pixel.
  const train = linearTask(sizes.imageTrainRows, 784, 21, 0, 1, 0.3);
  return {
    train,
    classes: Float32Array.from({ length: train.x.rows }, (_, r) => Math.min(9, Math.floor(train.x.data[r * 784]! * 10))),
    test: linearTask(sizes.imageTestRows, 784, 22, 0, 1, 0.3),
    source: {
      kind: 'synthetic',
      description:
        `SYNTHETIC 784-feature data: Fashion-MNIST IDX files not found in ${process.env.FASHION_MNIST_DIR ?? DEFAULT_DIR} ` +
        '(apt-get install -y dataset-fashion-mnist, or set FASHION_MNIST_DIR)',
    },
  };
}

/** Cuts `x` into consecutive blocks of `rows` rows (views, no copies). */
function split(x: Matrix, rows: number): Matrix[] {
  const blocks: Matrix[] = [];
  for (let r = 0; r < x.rows; r += rows) {
    const n = Math.min(rows, x.rows - r);
    blocks.push({ data: x.data.subarray(r * x.cols, (r + n) * x.cols), rows: n, cols: x.cols });
  }
  return blocks;
}

/** W4 predicts with "the W2 model": W2's architecture after one epoch of W2's training. */
async function trainedImageWeights(train: Labelled, init: LayerWeights[]): Promise<LayerWeights[]> {
  const model = await Sequential.create({ ...IMAGES, seed: 4, backend: 'wasm' });
  model.setWeights(init);
  await model.fit(train.x, train.y, { epochs: 1, learningRate: 0.01, batchSize: 64 });
  const weights = model.getWeights();
  model.dispose();
  return weights;
}

function w2(train: Labelled, init: LayerWeights[], source: ImageSource): TrainingWorkload {
  const imageName = source.kind === 'fashion-mnist' ? 'Fashion-MNIST' : 'SYNTHETIC';
  return {
    kind: 'training',
    id: 'W2',
    title: `MLP 784-128-64-1 (relu, relu, sigmoid), batch 64, ${train.x.rows.toLocaleString('en-US')} ${imageName} training images`,
    architecture: IMAGES,
    data: train,
    batchSize: 64,
    learningRate: 0.01,
    init,
  };
}

/** W2 alone, as buildWorkloads makes it (bench/contention-child.ts builds nothing else). */
export async function buildW2(sizes: Sizes): Promise<TrainingWorkload> {
  const { train, source } = images(sizes);
  return w2(train, await initialWeights(IMAGES, 2), source);
}

export async function buildWorkloads(sizes: Sizes): Promise<{ workloads: Workload[]; imageSource: ImageSource }> {
  const logistic = linearTask(sizes.logisticRows, 32, 11);
  const { train, test, classes, source } = images(sizes);
  const playground = circleTask(sizes.playgroundRows, 31);
  const imageInit = await initialWeights(IMAGES, 2);
  const trained = await trainedImageWeights(train, imageInit);
  const logisticInit = await initialWeights(LOGISTIC, 1);
  const n = (count: number) => count.toLocaleString('en-US');
  const imageName = source.kind === 'fashion-mnist' ? 'Fashion-MNIST' : 'SYNTHETIC';

  const workloads: Workload[] = [
    {
      kind: 'training',
      id: 'W1',
      title: `logistic regression 32-1, batch 256, ${n(sizes.logisticRows)} synthetic rows`,
      architecture: LOGISTIC,
      data: logistic,
      batchSize: 256,
      learningRate: 0.05,
      init: logisticInit,
    },
    {
      kind: 'training',
      id: 'W1-full',
      title: `logistic regression 32-1, full-batch descent, ${n(sizes.logisticRows)} synthetic rows`,
      architecture: LOGISTIC,
      data: logistic,
      batchSize: 'full',
      learningRate: 0.05,
      init: logisticInit,
    },
    w2(train, imageInit, source),
    {
      kind: 'training',
      id: 'W5',
      title: `MLP 784-128-64-10 (relu, relu, softmax), batch 64, ${n(train.x.rows)} ${imageName} training images, all ten classes`,
      architecture: IMAGES10,
      data: { x: train.x, y: classes },
      batchSize: 64,
      learningRate: 0.01,
      init: await initialWeights(IMAGES10, 5),
    },
    {
      kind: 'training',
      id: 'W3',
      title: `MLP 2-16-16-1 (tanh, tanh, sigmoid), batch 32, ${n(playground.x.rows)} synthetic 'circle' points`,
      architecture: PLAYGROUND,
      data: playground,
      batchSize: 32,
      learningRate: 0.1,
      init: await initialWeights(PLAYGROUND, 3),
    },
    {
      kind: 'inference',
      id: 'W4-batch',
      title: `inference with the W2 model (after one epoch of W2), calls of ${n(sizes.inferenceBatch)} rows over ${n(test.x.rows)} ${imageName} test images`,
      architecture: IMAGES,
      weights: trained,
      batches: split(test.x, sizes.inferenceBatch),
    },
    {
      kind: 'latency',
      id: 'W4-latency',
      title: `inference with the W2 model, one row per call (median µs of ${n(Math.min(sizes.latencySamples, test.x.rows))} calls)`,
      architecture: IMAGES,
      weights: trained,
      samples: split(test.x, 1).slice(0, sizes.latencySamples),
    },
  ];
  return { workloads, imageSource: source };
}

/**
 * FLOPs per sample, counting a multiply-add as 2 and ignoring biases and activations:
 * inference = 2·(forward MACs); a training step = 2·(forward MACs) + 2·(weight-gradient MACs,
 * as many as forward) + 2·(input-gradient MACs of every layer after the first — the first
 * layer's input gradient is never needed).
 */
export function flopsPerSample(architecture: Architecture, training: boolean): number {
  let forward = 0;
  let inputGradient = 0;
  let inputs = architecture.inputs;
  architecture.layers.forEach((layer, i) => {
    const macs = inputs * layer.units;
    forward += macs;
    if (i > 0) inputGradient += macs;
    inputs = layer.units;
  });
  return training ? 2 * (2 * forward + inputGradient) : 2 * forward;
}

const forwardMacs = flopsPerSample(IMAGES, false) / 2;
const inputGradientMacs = flopsPerSample(IMAGES, true) / 2 - 2 * forwardMacs;

export const FLOP_FORMULA =
  'FLOPs/sample = 2·(forward MACs) + 2·(weight-gradient MACs) + 2·(input-gradient MACs of the layers after the first) for training, ' +
  '2·(forward MACs) for inference; biases and activations not counted. For 784-128-64-1: forward MACs = 784·128 + 128·64 + 64·1 = ' +
  `${forwardMacs.toLocaleString('en-US')}, so training = 2·(${forwardMacs.toLocaleString('en-US')} + ${forwardMacs.toLocaleString('en-US')} + ` +
  `${inputGradientMacs.toLocaleString('en-US')}) = ${flopsPerSample(IMAGES, true).toLocaleString('en-US')} FLOPs/sample, ` +
  `inference = ${flopsPerSample(IMAGES, false).toLocaleString('en-US')} FLOPs/sample.`;
