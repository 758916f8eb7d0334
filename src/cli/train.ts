// `gradwasm train data.csv …`: check the flags and the output, read, split, scale, train with a
// progress bar, report, save.
import type { Features, Labels } from '../data.js';
import { GradwasmError } from '../errors.js';
import { readCsv } from '../node/index.js';
import { dense, type Activation } from '../layers.js';
import { StandardScaler } from '../scaler.js';
import { Sequential, type BackendName, type FitOptions, type History } from '../sequential.js';
import { trainTestSplit } from '../split.js';
import type { OptimizerOptions } from '../optimizers.js';
import { checkOutput, writeAtomically } from './files.js';
import { Interrupted } from './interrupted.js';
import { labelOption } from './predict.js';
import { metricsTable } from './report.js';
import { TrainingProgress } from './progress.js';

export interface TrainOptions {
  label?: string;
  layers: number[];
  activation: Activation;
  optimizer: 'sgd' | 'momentum' | 'nesterov' | 'adam';
  momentum: number;
  epochs: number;
  lr?: number;
  batch: number | 'all';
  val: number;
  seed: number;
  l2: number;
  patience?: number;
  scale: boolean;
  stopOnExplodingLoss: boolean;
  backend: BackendName;
  out?: string;
  compareJs: boolean;
  progress: boolean;
}

function optimizerOf(o: TrainOptions): OptimizerOptions {
  if (o.optimizer === 'momentum' || o.optimizer === 'nesterov') return { type: 'momentum', momentum: o.momentum, nesterov: o.optimizer === 'nesterov' };
  return o.optimizer;
}

export async function train(csv: string, o: TrainOptions, print: (line: string) => void): Promise<void> {
  if (o.patience !== undefined && o.val === 0) {
    throw new GradwasmError('--patience', '--patience stops on the validation loss: it needs validation rows, --val above 0 (got 0)');
  }
  const output = o.out === undefined ? null : await checkOutput(o.out, '--out', [{ path: csv, what: 'the training data' }]);
  const table = await readCsv(csv, o.label === undefined ? {} : { label: labelOption(o.label)! });
  const { x, y } = table;
  const held = o.val > 0 ? trainTestSplit(x, y, { cols: x.cols, testFraction: o.val, seed: o.seed }) : null;
  const trainSet = held ? held.train : { x, y };
  const scaler = o.scale ? StandardScaler.fit(trainSet.x, { cols: x.cols }) : null;
  const spec = { inputs: x.cols, layers: [...o.layers.map((u) => dense(u, o.activation)), dense(1, 'sigmoid')], seed: o.seed, scaler };
  const fit: FitOptions = {
    epochs: o.epochs,
    optimizer: optimizerOf(o),
    ...(o.lr === undefined ? {} : { learningRate: o.lr }),
    ...(o.batch === 'all' ? {} : { batchSize: o.batch }),
    weightDecay: o.l2,
    stopOnExplodingLoss: o.stopOnExplodingLoss,
    ...(held ? { validationData: [held.test.x, held.test.y] as const } : {}),
    ...(o.patience === undefined ? {} : { earlyStopping: { patience: o.patience, restoreBestWeights: true } }),
  };

  const architecture = [x.cols, ...o.layers, 1].join('-');
  print(`${csv}: ${x.rows} rows × ${x.cols} features, label column '${table.label}'` +
    (held ? `; ${trainSet.x.rows} train / ${held.test.x.rows} validation (seed ${o.seed})` : '') + (scaler ? '; z-scored' : ''));
  print(`MLP ${architecture} (${o.activation}, sigmoid), ${o.optimizer}, ${o.epochs} epochs, batch ${o.batch}, ${o.backend} backend`);

  const model = await Sequential.create({ ...spec, backend: o.backend });
  const started = performance.now();
  const history = await trainUntilStopped(model, trainSet, fit, o);
  const seconds = (performance.now() - started) / 1000;
  const epochs = history.loss.length;
  print(`trained ${epochs} epochs in ${seconds.toFixed(2)} s (${Math.round((epochs * trainSet.x.rows) / seconds).toLocaleString('en-US')} samples/s)` +
    (epochs < o.epochs ? ', stopped early' : ''));

  const sets = [['train', trainSet.x, trainSet.y] as const, ...(held ? [['validation', held.test.x, held.test.y] as const] : [])];
  print('');
  print(metricsTable(sets.map(([name, xs, ys]) => [name, model.evaluate(xs, ys)])));

  if (output) {
    await writeAtomically(output, JSON.stringify(model));
    print(`\nmodel saved to ${o.out}`);
  }

  if (o.compareJs) {
    print(`\nthe same training, timed on each backend (median of 5, no progress bar):`);
    const times: Record<BackendName, number[]> = { wasm: [], js: [] };
    for (let i = 0; i < 6; i++) {
      for (const backend of ['wasm', 'js'] as const) {
        const m = await Sequential.create({ ...spec, backend });
        const t = performance.now();
        await m.fit(trainSet.x, trainSet.y, fit);
        if (i > 0) times[backend].push(performance.now() - t); // the first round warms up
        m.dispose();
      }
    }
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
    const rate = (ms: number) => Math.round((epochs * trainSet.x.rows) / (ms / 1000)).toLocaleString('en-US');
    print(`  wasm ${median(times.wasm).toFixed(1)} ms (${rate(median(times.wasm))} samples/s)`);
    print(`  js   ${median(times.js).toFixed(1)} ms (${rate(median(times.js))} samples/s)`);
    print(`  speed ratio wasm/js: ${(median(times.js) / median(times.wasm)).toFixed(2)}×`);
  }
  model.dispose();
}

/**
 * fit with the progress bar, stopped — and the terminal given back (cursor shown, line wrap on)
 * — on every way out: the end, an error, Ctrl-C or SIGTERM, which stop the fit within a run of
 * batches and end the command with 128 + the signal's number.
 */
async function trainUntilStopped(model: Sequential, data: { x: Features & { rows: number }; y: Labels }, fit: FitOptions, o: TrainOptions): Promise<History> {
  const interrupt = new AbortController();
  let signal: NodeJS.Signals | null = null;
  const stop = (received: NodeJS.Signals): void => {
    signal = received;
    interrupt.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const bar = o.progress ? new TrainingProgress(o.epochs, data.x.rows) : null;
  try {
    const history = await model.fit(data.x, data.y, { ...fit, signal: interrupt.signal, onEpochEnd: (log) => void bar?.update(log) });
    if (signal) throw new Interrupted(`interrupted by ${signal} after ${history.loss.length} epochs; nothing was saved`, signal === 'SIGINT' ? 130 : 143);
    return history;
  } finally {
    bar?.stop();
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
  }
}
