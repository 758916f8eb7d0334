// Writes a few ONNX files with the built library (dist/index.js) into the folder named on the
// command line, for onnx's own checker (scripts/check-onnx.py; .ci/run runs both): a logistic
// regression, an MLP of every activation behind a scaler with large offsets, a scaler with scales
// too small for float32 (handled with power-of-two products inside the graph), and softmax and
// binary classifiers whose classes have names (a LabelEncoder of ai.onnx.ml), and regressions of
// one output and of two behind a target scaler (Mul and Add after the last layer).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sequential, StandardScaler, dense, toOnnx } from '../dist/index.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: node scripts/onnx-samples.mjs <folder>');
mkdirSync(dir, { recursive: true });
const models = {
  logistic: await Sequential.create({ inputs: 4, layers: [dense(1, 'sigmoid')], seed: 1 }),
  'mlp-large-offsets': await Sequential.create({
    inputs: 3,
    layers: [dense(8, 'relu'), dense(6, 'tanh'), dense(4, 'sigmoid'), dense(4, 'linear'), dense(1, 'sigmoid')],
    seed: 2,
    scaler: StandardScaler.fromStats({ mean: [101325.93, -5e4, 0.5], std: [8.5, 1e5, 1e-3] }),
  }),
  'tiny-scales': await Sequential.create({
    inputs: 2,
    layers: [dense(2, 'tanh'), dense(1, 'sigmoid')],
    seed: 3,
    scaler: StandardScaler.fromStats({ mean: [1, 0], std: [1e-40, 5e-324] }),
  }),
  'softmax-names': await Sequential.create({
    inputs: 4,
    layers: [dense(8, 'relu'), dense(3, 'softmax')],
    seed: 4,
    classes: ['setosa', 'versicolor', 'virginica'],
  }),
  'softmax-codes': await Sequential.create({ inputs: 4, layers: [dense(3, 'softmax')], seed: 5, classes: [1, 2, 3] }),
  'binary-names': await Sequential.create({ inputs: 2, layers: [dense(1, 'sigmoid')], seed: 6, classes: ['ham', 'spam'] }),
  regression: await Sequential.create({ inputs: 3, layers: [dense(4, 'relu'), dense(1)], seed: 7 }),
  'regression-scaled-2': await Sequential.create({
    inputs: 3,
    layers: [dense(4, 'tanh'), dense(2)],
    seed: 8,
    targetScaler: StandardScaler.fit([
      [150, -2],
      [20, 4],
      [310, 1],
    ]),
  }),
};
for (const [name, model] of Object.entries(models)) {
  writeFileSync(join(dir, `${name}.onnx`), toOnnx(model));
  console.log(join(dir, `${name}.onnx`));
}
