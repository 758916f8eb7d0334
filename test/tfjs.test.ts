// Trajectories against TensorFlow.js 4.22 (Layers on its 'cpu' backend, float32): the same
// network from the same weights, trained on the same batches in the same order (shuffle off on
// both sides) for ≥ 100 optimizer steps with tf.train.sgd / momentum / adam and Keras's
// binaryCrossentropy (one sigmoid unit), sparseCategoricalCrossentropy (a softmax of 3 classes) or
// meanSquaredError (one linear unit),
// class weights too, must end within 1e-4 relative of TF.js's weights, on both backends.
// Weight decay λ₂ is compared with Keras's kernelRegularizer l2(λ₂/2), the same penalty.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sequential, dense, type Activation, type ClassWeight, type LayerWeights, type OptimizerOptions } from '../src/index.js';
import { relativeDifference, uniform } from './support/random.js';

const inputs = 6,
  rows = 96,
  batchSize = 16,
  epochs = 20; // 6 batches × 20 epochs = 120 steps
const hidden: [number, Activation][] = [
  [8, 'tanh'],
  [5, 'relu'],
];
const x = uniform(41, rows * inputs);
const noise = uniform(42, rows, -0.6, 0.6);
// A rule the network can learn only in part, so that the gradients never vanish.
const y = Float32Array.from({ length: rows }, (_, r) =>
  x[r * inputs]! + 0.5 * x[r * inputs + 1]! - x[r * inputs + 2]! * x[r * inputs + 3]! + noise[r]! > 0 ? 1 : 0,
);

// Three classes by the same kind of rule: which of two such scores is larger, and by how much.
const y3 = Float32Array.from({ length: rows }, (_, r) => {
  const s = x[r * inputs]! - x[r * inputs + 4]! * x[r * inputs + 5]! + noise[r]!;
  return s < -0.3 ? 0 : s < 0.4 ? 1 : 2;
});

// Real-valued targets, of the same kind of rule, for the regression head.
const yReal = Float32Array.from({ length: rows }, (_, r) => 1.5 * x[r * inputs]! - x[r * inputs + 2]! * x[r * inputs + 3]! + 0.3 * noise[r]! + 0.5);

/** A head as both libraries name it: the last layer, the labels, Keras's loss, class weights to try (none for a regression). */
interface Task {
  name: string;
  last: [number, Activation];
  y: Float32Array;
  loss: string;
  labelShape: number[];
  classWeight: Record<number, number> | null;
}

const TASKS: Task[] = [
  { name: 'binary', last: [1, 'sigmoid'], y, loss: 'binaryCrossentropy', labelShape: [rows, 1], classWeight: { 0: 1, 1: 2.5 } },
  { name: 'softmax', last: [3, 'softmax'], y: y3, loss: 'sparseCategoricalCrossentropy', labelShape: [rows], classWeight: { 0: 2, 1: 0.5, 2: 1.5 } },
  { name: 'regression', last: [1, 'linear'], y: yReal, loss: 'meanSquaredError', labelShape: [rows, 1], classWeight: null },
];

interface Case {
  name: string;
  learningRate: number;
  optimizer: OptimizerOptions;
  weightDecay?: number;
  classWeighted?: boolean;
  tfOptimizer: () => tf.Optimizer;
}

const CASES: Case[] = [
  { name: 'sgd', learningRate: 0.1, optimizer: 'sgd', tfOptimizer: () => tf.train.sgd(0.1) },
  { name: 'momentum', learningRate: 0.05, optimizer: { type: 'momentum', momentum: 0.9 }, tfOptimizer: () => tf.train.momentum(0.05, 0.9) },
  {
    name: 'momentum (nesterov)',
    learningRate: 0.05,
    optimizer: { type: 'momentum', momentum: 0.9, nesterov: true },
    tfOptimizer: () => tf.train.momentum(0.05, 0.9, true),
  },
  {
    name: 'adam',
    learningRate: 0.01,
    optimizer: { type: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
    tfOptimizer: () => tf.train.adam(0.01, 0.9, 0.999, 1e-7),
  },
  { name: 'adam (defaults)', learningRate: 0.001, optimizer: 'adam', tfOptimizer: () => tf.train.adam() },
  { name: 'sgd + weight decay', learningRate: 0.1, optimizer: 'sgd', weightDecay: 0.01, tfOptimizer: () => tf.train.sgd(0.1) },
  { name: 'adam + weight decay', learningRate: 0.01, optimizer: 'adam', weightDecay: 0.01, tfOptimizer: () => tf.train.adam(0.01, 0.9, 0.999, 1e-7) },
  {
    name: 'momentum + class weights',
    learningRate: 0.05,
    optimizer: { type: 'momentum', momentum: 0.9 },
    classWeighted: true,
    tfOptimizer: () => tf.train.momentum(0.05, 0.9),
  },
];

/** The TF.js Layers model of the same architecture holding `init`, trained as the case says. */
async function trainTfjs(task: Task, c: Case, init: LayerWeights[]): Promise<LayerWeights[]> {
  const model = tfl.sequential();
  const layers: [number, Activation][] = [...hidden, task.last];
  layers.forEach(([units, activation], i) => {
    model.add(
      tfl.layers.dense({
        units,
        activation,
        kernelInitializer: 'zeros',
        ...(c.weightDecay ? { kernelRegularizer: tfl.regularizers.l2({ l2: c.weightDecay / 2 }) } : {}),
        ...(i === 0 ? { inputShape: [inputs] } : {}),
      }),
    );
  });
  // Our kernels are [inputs × units] row-major, the Keras layout: they go in as they are.
  const values = init.flatMap((l, i) => [tf.tensor2d(l.weights, [i === 0 ? inputs : layers[i - 1]![0], layers[i]![0]]), tf.tensor1d(l.bias)]);
  model.setWeights(values);
  tf.dispose(values);
  const optimizer = c.tfOptimizer();
  model.compile({ optimizer, loss: task.loss });
  const xs = tf.tensor2d(x, [rows, inputs]),
    ys = tf.tensor(task.y, task.labelShape);
  await model.fit(xs, ys, { epochs, batchSize, shuffle: false, verbose: 0, ...(c.classWeighted ? { classWeight: task.classWeight! } : {}) });
  const weights = model.getWeights().map((t) => t.dataSync() as Float32Array);
  tf.dispose([xs, ys]);
  model.dispose();
  optimizer.dispose();
  return init.map((_, i) => ({ weights: weights[2 * i]!, bias: weights[2 * i + 1]! }));
}

/** max over layers of the relative difference (max |a − b| / max |b|) of kernels and of biases. */
function difference(a: LayerWeights[], b: LayerWeights[]): number {
  return Math.max(...a.flatMap((l, i) => [relativeDifference(l.weights, b[i]!.weights), relativeDifference(l.bias, b[i]!.bias)]));
}

const measured: string[] = [];
beforeAll(async () => {
  tf.enableProdMode(); // also silences the "install tfjs-node" banner
  await tf.setBackend('cpu');
});
afterAll(() => console.log(`gradwasm vs TF.js after ${(rows / batchSize) * epochs} steps (max relative difference of the weights):\n${measured.join('\n')}`));

describe.each(TASKS.flatMap((task) => CASES.filter((c) => !c.classWeighted || task.classWeight).map((c) => ({ task, c, name: `${task.name}, ${c.name}` }))))(
  'against TensorFlow.js: $name',
  ({ task, c }) => {
    let expected: LayerWeights[];
    let init: LayerWeights[];
    let moved: number;
    const layers = () => [...hidden.map(([u, a]) => dense(u, a)), dense(task.last[0], task.last[1])];
    beforeAll(async () => {
      const start = await Sequential.create({ inputs, layers: layers(), seed: 3 });
      init = start.getWeights();
      start.dispose();
      expected = await trainTfjs(task, c, init);
      moved = difference(expected, init);
    });

    it.each(['wasm', 'js'] as const)('the %s backend follows its trajectory within 1e-4 relative', async (backend) => {
      const model = await Sequential.create({ inputs, layers: layers(), seed: 3, backend });
      model.setWeights(init);
      await model.fit({ data: x, rows, cols: inputs }, task.y, {
        epochs,
        batchSize,
        shuffle: false,
        learningRate: c.learningRate,
        optimizer: c.optimizer,
        weightDecay: c.weightDecay ?? 0,
        ...(c.classWeighted ? { classWeight: task.classWeight as ClassWeight } : {}),
      });
      const d = difference(model.getWeights(), expected);
      measured.push(
        `  ${`${task.name}, ${c.name}`.padEnd(33)} ${backend.padEnd(4)} ${d.toExponential(2)}   (the weights moved ${moved.toExponential(2)} relative from the start)`,
      );
      expect(moved).toBeGreaterThan(0.05); // the comparison is about a real trajectory
      expect(d).toBeLessThanOrEqual(1e-4);
      model.dispose();
    });
  },
);
