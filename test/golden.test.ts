// Golden outputs (issue 20: the refactor that gives each output head its seam must change no bit).
// A matrix of runs — every optimizer, activation and batch mode, schedules, weight decay, class and
// sample weights, early stopping, L-BFGS, fitDataset, threads 1/2/5, both backends, the exports,
// and the command line's defaults on the bundled tables — each reduced to a SHA-256 of everything
// it produced: weights (float32 bits), history, predictions, evaluation, model files. The hashes
// were recorded before the refactor began (GOLDEN_RECORD=1 npx vitest run test/golden.test.ts
// writes test/golden/hashes.json); this test fails on any bit that moves, naming the run.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  LogisticRegression,
  Sequential,
  StandardScaler,
  dense,
  parseCsv,
  toOnnx,
  toTfjsLayers,
  type FitOptions,
  type SequentialOptions,
} from '../src/index.js';
import { run } from '../src/cli/main.js';

const HASHES = new URL('./golden/hashes.json', import.meta.url);
const recording = process.env.GOLDEN_RECORD === '1';
const golden: Record<string, string> = recording ? {} : (JSON.parse(readFileSync(HASHES, 'utf8')) as Record<string, string>);
afterAll(() => {
  if (recording) writeFileSync(HASHES, `${JSON.stringify(golden, null, 1)}\n`);
});

/** Everything a run produced, exactly: typed arrays as their bytes, numbers as JSON writes them (shortest round trip, exact). */
function digest(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (ArrayBuffer.isView(v)) return `${v.constructor.name}:${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
    if (typeof v === 'number' && !Number.isFinite(v)) return `number:${v}`;
    return v;
  });
  return createHash('sha256').update(text).digest('hex');
}

function check(name: string, value: unknown): void {
  const hash = digest(value);
  if (recording) golden[name] = hash;
  else expect(hash, `${name}: its outputs changed`).toBe(golden[name]);
}

const table = parseCsv(readFileSync(new URL('../data/breast_cancer.csv', import.meta.url), 'utf8'));
const rows = table.x.rows,
  cols = table.x.cols;
const cut = Math.floor(rows * 0.8);
const slice = (from: number, to: number) => ({ x: { data: table.x.data.slice(from * cols, to * cols), rows: to - from, cols }, y: table.y.slice(from, to) });
const train = slice(0, cut),
  test = slice(cut, rows);
const scaler = StandardScaler.fit(train.x);

/** One model trained and asked everything it answers. */
async function outcome(options: SequentialOptions, fit: FitOptions, useDataset = false) {
  const model = await Sequential.create(options);
  try {
    const history = useDataset
      ? await model.fitDataset(
          function* chunks() {
            for (let at = 0; at < train.x.rows; at += 97) {
              const to = Math.min(train.x.rows, at + 97);
              yield { x: { data: train.x.data.subarray(at * cols, to * cols), rows: to - at, cols }, y: train.y.subarray(at, to) };
            }
          },
          { ...fit, validationData: [test.x, test.y] } as never,
        )
      : await model.fit(train.x, train.y, fit);
    return {
      history,
      weights: model.getWeights(),
      proba: model.predictProba(test.x),
      predict: model.predict(test.x),
      evaluation: model.evaluate(test.x, test.y),
      json: JSON.stringify(model.toJSON()),
      onnx: toOnnx(model),
      tfjs: JSON.stringify(toTfjsLayers(model).modelJson),
      gradients: model.gradients(test.x, test.y),
    };
  } finally {
    model.dispose();
  }
}

const MLP = (hidden: 'sigmoid' | 'tanh' | 'relu' | 'linear') => [dense(12, hidden), dense(6, hidden), dense(1, 'sigmoid')];
const RUNS: [string, SequentialOptions, FitOptions, boolean?][] = [
  ['sgd, full batch, sigmoid', { inputs: cols, layers: MLP('sigmoid'), seed: 1, scaler }, { epochs: 8, learningRate: 0.5 }],
  ['sgd, batch 32, tanh, shuffled', { inputs: cols, layers: MLP('tanh'), seed: 2, scaler }, { epochs: 5, learningRate: 0.1, batchSize: 32 }],
  ['sgd, batch 1, relu, unshuffled', { inputs: cols, layers: MLP('relu'), seed: 3, scaler }, { epochs: 2, learningRate: 0.01, batchSize: 1, shuffle: false }],
  [
    'momentum nesterov, step schedule, linear',
    { inputs: cols, layers: MLP('linear'), seed: 4, scaler },
    {
      epochs: 6,
      learningRate: 0.05,
      batchSize: 50,
      optimizer: { type: 'momentum', momentum: 0.9, nesterov: true },
      learningRateSchedule: { type: 'step', every: 2, factor: 0.5 },
    },
  ],
  [
    'adam, weight decay, exponential schedule, early stopping',
    { inputs: cols, layers: MLP('relu'), seed: 5, scaler },
    {
      epochs: 40,
      learningRate: 0.01,
      batchSize: 64,
      optimizer: 'adam',
      weightDecay: 0.01,
      learningRateSchedule: { type: 'exponential', decayRate: 0.9 },
      validationData: [test.x, test.y],
      earlyStopping: { patience: 2, restoreBestWeights: true },
    },
  ],
  [
    'class weights balanced, sample weights',
    { inputs: cols, layers: MLP('tanh'), seed: 6, scaler },
    { epochs: 4, learningRate: 0.1, batchSize: 40, classWeight: 'balanced', sampleWeight: Array.from({ length: train.y.length }, (_, i) => 0.5 + (i % 3)) },
  ],
  ['validation split, sgd', { inputs: cols, layers: MLP('sigmoid'), seed: 7, scaler }, { epochs: 4, learningRate: 0.3, batchSize: 16, validationSplit: 0.2 }],
  ['lbfgs', { inputs: cols, layers: MLP('tanh'), seed: 8, scaler }, { epochs: 30, optimizer: 'lbfgs', weightDecay: 1e-4 }],
  [
    'fitDataset, adam, shuffled',
    { inputs: cols, layers: MLP('relu'), seed: 9, scaler },
    { epochs: 3, learningRate: 0.01, batchSize: 32, optimizer: 'adam' },
    true,
  ],
];

describe.each(['wasm', 'js'] as const)('golden outputs on the %s backend', (backend) => {
  it.each(RUNS)('%s', async (name, options, fit, useDataset) => {
    check(`${backend}: ${name}`, await outcome({ ...options, backend, threads: 1 }, fit, useDataset));
  });

  it('LogisticRegression.create', async () => {
    const model = await LogisticRegression.create({ inputs: cols, seed: 10, backend, threads: 1 });
    const history = await model.fit(scaler.transform(train.x), train.y, { epochs: 20, learningRate: 0.5 });
    check(`${backend}: LogisticRegression`, { history, weights: model.getWeights(), proba: model.predictProba(scaler.transform(test.x)) });
    model.dispose();
  });
});

describe('golden outputs with threads', () => {
  // (the same bits for every thread count: each run's hash is the 1-thread run's)
  it.each([2, 5])('%i threads: each run as recorded with 1', async (threads) => {
    for (const [name, options, fit, useDataset] of RUNS) {
      expect(digest(await outcome({ ...options, backend: 'wasm', threads }, fit, useDataset)), `${name}, ${threads} threads`).toBe(golden[`wasm: ${name}`]);
    }
  });
});

describe('golden outputs of the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradwasm-golden-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it.each(['breast_cancer', 'banknote', 'pima_diabetes'])('train with its defaults on %s: the model file and the report', async (name) => {
    const out = join(dir, `${name}.json`);
    let printed = '';
    const code = await run(
      ['train', new URL(`../data/${name}.csv`, import.meta.url).pathname, '--out', out, '--no-progress', '--threads', '1'],
      (t) => void (printed += t),
      () => {},
    );
    expect(code).toBe(0);
    // (timings and paths left out: they are not the model's; and the task the first line has
    // stated since issue 21, which the recorded report predates)
    const report = printed
      .replace('binary (labels 0/1); ', '')
      .replace(/\d[\d,.]*(?:e[+-]?\d+)? ?(ms|s|samples\/s)\b/g, '… $1')
      .replaceAll(dir, '<dir>')
      .replace(/\S*\/data\//g, 'data/');
    check(`cli: train ${name}`, { model: readFileSync(out, 'utf8'), report });
  });
});
