// The main job (`npm start`): train an MLP on the Wisconsin breast-cancer table, report its
// test accuracy and loss, save it, then time the same training on the pure-TypeScript backend.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Sequential, dense, trainTestSplit, type FitOptions } from '../src/index.js';
import { applyScaler, fitScaler } from './scaler.js';

const DATA = new URL('../../data/breast_cancer.csv', import.meta.url);
const MODEL_OUT = 'models/breast-cancer.json';
const SCALER_OUT = 'models/breast-cancer.scaler.json'; // what the demo page needs to classify raw rows
const SEED = 42;

function readTable(url: URL): { x: number[][]; y: number[]; features: string[] } {
  const [header, ...lines] = readFileSync(url, 'utf8').trim().split(/\r?\n/);
  const columns = header!.split(',');
  const rows = lines.map((line) => line.split(',').map(Number));
  return { x: rows.map((r) => r.slice(0, -1)), y: rows.map((r) => r.at(-1)!), features: columns.slice(0, -1) };
}

const table = readTable(DATA);
const inputs = table.features.length;
const { train, test } = trainTestSplit(table.x, table.y, { cols: inputs, testFraction: 0.2, seed: SEED });
const scaler = fitScaler(train.x.data, inputs, table.features); // z-score with the training rows' statistics
applyScaler(scaler, train.x.data);
applyScaler(scaler, test.x.data);

const architecture = { inputs, layers: [dense(16, 'relu'), dense(8, 'relu'), dense(1, 'sigmoid')], seed: SEED };
const fitOptions: FitOptions = { epochs: 60, learningRate: 0.05, batchSize: 16 };

console.log(`gradwasm — Wisconsin breast cancer: ${table.x.length} rows × ${inputs} features (z-scored), ` +
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
writeFileSync(SCALER_OUT, JSON.stringify(scaler));
console.log(`model saved to ${MODEL_OUT}, its feature scaling to ${SCALER_OUT}`);

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
