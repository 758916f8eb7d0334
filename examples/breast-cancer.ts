// The main job (`npm start`): train an MLP on the Wisconsin breast-cancer table, report its
// test accuracy and loss, save it, then time the same training on the pure-TypeScript backend.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Sequential, StandardScaler, dense, trainTestSplit, type FitOptions } from '../src/index.js';
import { readCsv } from '../src/node/index.js';

const DATA = fileURLToPath(new URL('../../data/breast_cancer.csv', import.meta.url));
const MODEL_OUT = 'models/breast-cancer.json';
const SEED = 42;

const table = await readCsv(DATA); // the column named "label" is the label
const inputs = table.x.cols;
const { train, test } = trainTestSplit(table.x, table.y, { cols: inputs, testFraction: 0.2, seed: SEED });
// z-scores with the training rows' statistics; the model applies them to every row it is given
// and saves them in its JSON, so the raw measurements go in everywhere (here, the demo page).
const scaler = StandardScaler.fit(train.x);

const architecture = { inputs, layers: [dense(16, 'relu'), dense(8, 'relu'), dense(1, 'sigmoid')], seed: SEED, scaler };
const fitOptions: FitOptions = { epochs: 60, learningRate: 0.05, batchSize: 16 };

console.log(`gradwasm — Wisconsin breast cancer: ${table.x.rows} rows × ${inputs} features (z-scored), ` +
  `${train.x.rows} train / ${test.x.rows} test, seed ${SEED}`);
console.log(`MLP ${inputs}-16-8-1 (relu, relu, sigmoid), SGD lr ${fitOptions.learningRate}, batch ${fitOptions.batchSize}, ${fitOptions.epochs} epochs, WebAssembly backend\n`);

const model = await Sequential.create({ ...architecture, backend: 'wasm' });
await model.fit(train.x, train.y, {
  ...fitOptions,
  validationData: [test.x, test.y],
  onEpochEnd: ({ epoch, loss, accuracy, valLoss, valAccuracy }) => {
    console.log(`epoch ${String(epoch + 1).padStart(3)}/${fitOptions.epochs}  loss ${loss.toFixed(4)}  acc ${accuracy.toFixed(4)}  ` +
      `test loss ${valLoss!.toFixed(4)}  test acc ${valAccuracy!.toFixed(4)}`);
  },
});
const result = model.evaluate(test.x, test.y);
console.log(`\ntest accuracy ${(result.accuracy * 100).toFixed(2)} %   test loss (mean BCE) ${result.loss.toFixed(4)}`);
mkdirSync('models', { recursive: true });
writeFileSync(MODEL_OUT, JSON.stringify(model));
console.log(`model saved to ${MODEL_OUT} (with its feature scaler)`);

// The same training, timed: each backend from the same seed, alternating, median of 7 runs.
async function timeFit(backend: 'wasm' | 'js'): Promise<{ ms: number; weights: Float32Array[] }> {
  const m = await Sequential.create({ ...architecture, backend });
  const start = performance.now();
  await m.fit(train.x, train.y, fitOptions);
  const ms = performance.now() - start;
  const weights = m.getWeights().map((l) => l.weights);
  m.dispose();
  return { ms, weights };
}
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const times = { wasm: [] as number[], js: [] as number[] };
let difference = 0; // the largest max |w_js − w_wasm| / max |w_wasm| over the layers' kernels
await timeFit('wasm');
await timeFit('js'); // warm-up
for (let i = 0; i < 7; i++) {
  const w = await timeFit('wasm');
  const j = await timeFit('js');
  times.wasm.push(w.ms);
  times.js.push(j.ms);
  w.weights.forEach((a, l) => {
    const scale = Math.max(...a.map(Math.abs));
    const diff = Math.max(...a.map((v, k) => Math.abs(v - j.weights[l]![k]!)));
    difference = Math.max(difference, scale === 0 ? diff : diff / scale);
  });
}
const samples = train.x.rows * fitOptions.epochs!;
const rate = (ms: number): string => `${Math.round(samples / (ms / 1000)).toLocaleString('en-US')} samples/s`;
console.log(`\ntraining time, median of 7 (same seed, ${samples.toLocaleString('en-US')} samples):`);
console.log(`  wasm ${median(times.wasm).toFixed(1)} ms  (${rate(median(times.wasm))})`);
console.log(`  js   ${median(times.js).toFixed(1)} ms  (${rate(median(times.js))})`);
console.log(`  speed ratio wasm/js: ${(median(times.js) / median(times.wasm)).toFixed(2)}×   final weights max relative difference: ${difference.toExponential(1)}`);
