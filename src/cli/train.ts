// `gradwasm train data.csv|data.npy …`: check the flags and the outputs, stream the file (a
// counting pass, the scaler's statistics, then the epochs, never more than a few chunks of rows
// in memory), train with a progress bar, checkpoint, report, save.
import { OptionError } from '../core/errors.js';
import { dense, type Activation, type DenseLayer } from '../network/layers.js';
import type { ModelJSON } from '../network/model-json.js';
import { StandardScaler } from '../data/scaler.js';
import { scanStats } from '../data/dataset.js';
import { Sequential, type EvaluationOf } from '../model/sequential.js';
import type { Task } from '../heads/index.js';
import type { ClassName } from '../data/classes.js';
import type { BackendName } from '../backend/backend.js';
import type { FitOptions } from '../train/fit-options.js';
import type { History } from '../train/history.js';
import type { OptimizerOptions } from '../network/optimizers.js';
import { openDataFile, splitSource, splitTable, validationRows, type CliTask, type DataFile } from './data-file.js';
import { checkDistinct, checkOutput, loadCheckpoint, writeAtomically, type Output } from './files.js';
import { Interrupted } from './interrupted.js';
import { metricsTable } from './report.js';
import { TrainingProgress } from './progress.js';

export interface TrainOptions {
  label?: string;
  /** The CSV cell separator, or 'auto' (from the first line). */
  delimiter: string;
  layers: number[];
  activation: Activation;
  /** Default (undefined): 'lbfgs' for logistic regression trained in memory, else 'adam' (see resolveDefaults). */
  optimizer?: 'sgd' | 'momentum' | 'nesterov' | 'adam' | 'lbfgs';
  momentum: number;
  epochs?: number;
  lr?: number;
  batch?: number | 'all';
  val: number;
  seed: number;
  l2?: number;
  classWeight?: 'balanced' | Record<number, number>;
  /** The task, or (undefined) the one the label column shows. */
  task?: CliTask;
  patience?: number;
  scale: boolean;
  /** Regression: z-score the target (the model keeps the target scaler). */
  scaleTarget: boolean;
  stopOnExplodingLoss: boolean;
  backend: BackendName;
  threads: number | 'auto';
  out?: string;
  cache?: string;
  checkpoint?: string;
  resume?: string;
  compareJs: boolean;
  progress: boolean;
  stream?: boolean;
}

/** The flags a checkpoint must have been written with to be resumed (the rest may change). */
const RUN_FLAGS = [
  'label',
  'layers',
  'activation',
  'optimizer',
  'momentum',
  'lr',
  'batch',
  'val',
  'seed',
  'l2',
  'classWeight',
  'task',
  'patience',
  'scale',
  'scaleTarget',
  'stopOnExplodingLoss',
  'stream',
] as const;

/** What a checkpoint of the command line records beside the model: the run it belongs to. */
interface RunRecord {
  data: { rows: number; cols: number; features: string[]; label: string; bytes: number };
  flags: Record<string, unknown>;
}

/** Rows the shuffle window holds: every row of a small file, else 32 MiB of them. */
const WINDOW_BYTES = 32 * 2 ** 20;

/** The flags with the defaults that depend on the model and the data filled in. */
type Resolved = TrainOptions &
  Required<Pick<TrainOptions, 'optimizer' | 'epochs' | 'batch' | 'l2'>> & {
    /** The least improvement early stopping counts: scikit-learn's tol (1e-4) when --patience is the MLP default, else 0. */
    minDelta: number;
  };

/**
 * The defaults that converge (issue 14). Logistic regression (no hidden layer) is trained to its
 * optimum as scikit-learn's LogisticRegression() is: L-BFGS, full batch, up to 100 iterations
 * (it stops when converged), L2 of 1/n on the kernel — scikit-learn's C = 1 (n: the training
 * rows). L-BFGS needs the rows in memory and keeps no checkpoint, so a streamed file or
 * --checkpoint/--resume gets Adam. MLPs as scikit-learn's MLPClassifier() trains them (the
 * hidden layer of 100 is --layers' default): Adam at 0.001, batches of 200, up to 200 epochs,
 * stopping once the loss (the validation loss with --val) has not improved by 1e-4 for 10 epochs
 * (its tol and n_iter_no_change), best weights kept — with any --epochs, which is then the most
 * (its max_iter). Flags given always win.
 */
export function resolveDefaults(o: TrainOptions, trainRows: number, inMemory: boolean, task: CliTask = 'binary'): Resolved {
  const logistic = o.layers.length === 0;
  const lbfgsPossible = inMemory && o.checkpoint === undefined && o.resume === undefined;
  const optimizer = o.optimizer ?? (logistic && lbfgsPossible ? 'lbfgs' : 'adam');
  if (optimizer === 'lbfgs') {
    if (!inMemory)
      throw new OptionError(
        '--optimizer',
        `--optimizer lbfgs takes every row at each iteration, in memory; this file is streamed (--stream, or over 64 MiB): use another --optimizer`,
      );
    if (o.checkpoint !== undefined || o.resume !== undefined)
      throw new OptionError(
        '--optimizer',
        '--optimizer lbfgs keeps no checkpoint (its curvature pairs are not saved): leave out --checkpoint/--resume, or use another --optimizer',
      );
    if (o.lr !== undefined) throw new OptionError('--lr', '--lr does not apply to --optimizer lbfgs: its line search chooses each step');
    if (o.batch !== undefined && o.batch !== 'all') throw new OptionError('--batch', `--batch ${o.batch}: --optimizer lbfgs is full-batch (--batch all)`);
  }
  // as scikit-learn's max_iter and n_iter_no_change: --epochs is the most, convergence may stop it sooner
  const convergence = !logistic && o.patience === undefined;
  return {
    ...o,
    optimizer,
    epochs: o.epochs ?? (optimizer === 'lbfgs' ? 100 : logistic ? 50 : 200),
    batch: o.batch ?? (optimizer === 'lbfgs' ? 'all' : logistic ? 32 : 200),
    // (scikit-learn's LogisticRegression: C = 1; LinearRegression: no penalty)
    l2: o.l2 ?? (logistic && task !== 'regression' ? 1 / trainRows : 0),
    ...(convergence ? { patience: 10 } : {}),
    minDelta: convergence ? 1e-4 : 0,
  };
}

function optimizerOf(o: Resolved): OptimizerOptions {
  if (o.optimizer === 'momentum' || o.optimizer === 'nesterov') return { type: 'momentum', momentum: o.momentum, nesterov: o.optimizer === 'nesterov' };
  return o.optimizer;
}

export async function train(file: string, flags: TrainOptions, print: (line: string) => void): Promise<void> {
  const outputs = await checkOutputs(file, flags);
  const resumed = flags.resume === undefined ? null : await loadCheckpoint(flags.resume);
  const run: RunRecord['flags'] = Object.fromEntries(RUN_FLAGS.map((k) => [k, (flags as Resolved)[k] ?? null]));
  if (resumed) checkFlags(resumed, run, flags.resume!);

  const data = await openDataFile(file, flags.label, outputs.cache?.file ?? null, flags.stream, flags.delimiter, flags.task ?? 'auto');
  const classes = data.classes ?? [0, 1];
  checkClassWeight(flags.classWeight, classes);
  const record: RunRecord = { data: { rows: data.rows, cols: data.cols, features: data.features, label: data.label, bytes: data.bytes }, flags: run };
  if (resumed) checkData(resumed, record.data, flags.resume!, file);
  const split = splitData(data, flags as Resolved);
  const o = resolveDefaults(flags, split.trainSet.rows, split.memory !== null, data.task);
  const model: Sequential = resumed
    ? await Sequential.fromJSON(resumed.json, { backend: o.backend, threads: o.threads })
    : await Sequential.create({
        inputs: data.cols,
        layers: [...o.layers.map((u) => dense(u, o.activation)), outputLayer(data.task, classes.length)],
        ...(data.classes ? { classes: data.classes } : {}),
        seed: o.seed,
        backend: o.backend,
        threads: o.threads,
        scaler: !o.scale ? null : split.memory ? StandardScaler.fit(split.memory.train.x) : StandardScaler.fromStats(await scanStats(split.trainSet)),
        targetScaler: data.task === 'regression' && o.scaleTarget ? await targetScalerOf(split) : null,
        ...(namesKept(data) ? { featureNames: data.features, labelName: data.label } : {}),
      });
  const initialEpoch = resumed?.json.training?.epoch ?? 0;
  const untilConverged = flags.patience === undefined && o.patience !== undefined; // the MLP default
  print(describeData(file, data, split, o, model));
  print(describeRun(data, split, o, flags, model, untilConverged, resumed ? { from: flags.resume!, epoch: initialEpoch } : null));

  const fit = fitOptions(o, initialEpoch);
  const trainOn = trainerOn(split, data.cols);
  const save = (json: ModelJSON): Promise<void> => writeAtomically(outputs.checkpoint!, JSON.stringify({ ...json, cli: record }));
  const started = performance.now();
  const history = await trainUntilStopped(
    model,
    split.trainSet.rows,
    (options) => trainOn(model, { ...fit, ...options, ...(outputs.checkpoint ? { checkpoint: { save } } : {}) }, true),
    o,
    initialEpoch,
    data,
    outputs.checkpoint,
    save,
  );
  const seconds = (performance.now() - started) / 1000;
  const epochs = history.loss.length;
  const ending =
    initialEpoch + epochs >= o.epochs ? '' : (o.optimizer === 'lbfgs' && o.patience === undefined) || untilConverged ? ', converged' : ', stopped early';
  print(
    `trained ${count(epochs, o.optimizer === 'lbfgs' ? 'iteration' : 'epoch')} in ${seconds.toFixed(2)} s ` +
      `(${Math.round((epochs * split.trainSet.rows) / seconds).toLocaleString('en-US')} samples/s` +
      (split.memory ? ', in memory)' : `, streamed at ${(data.bytesRead() / 1e6 / seconds).toFixed(0)} MB/s)`) +
      ending,
  );

  print('');
  print(metricsTable(model.task, await evaluateSplit(model, split), model.classes));
  if (outputs.out) {
    await writeAtomically(outputs.out, JSON.stringify(model));
    print(`\nmodel saved to ${o.out}`);
  }
  if (o.compareJs) await compareBackends(model, fit, epochs, split, data.cols, o.seed, trainOn, print);
  model.dispose();
}

/** The command's outputs, checked against its input and each other before any work. */
async function checkOutputs(file: string, o: TrainOptions): Promise<{ out: Output | null; checkpoint: Output | null; cache: Output | null }> {
  const input = [{ path: file, what: 'the training data' }];
  const out = o.out === undefined ? null : await checkOutput(o.out, '--out', input);
  const checkpoint = o.checkpoint === undefined ? null : await checkOutput(o.checkpoint, '--checkpoint', input);
  const cache = o.cache === undefined ? null : await checkOutput(o.cache, '--cache', input);
  checkDistinct([out, checkpoint, cache]);
  return { out, checkpoint, cache };
}

/** The rows that train and the rows held out (--val), as sources, and as tables when the file is small enough to hold. */
interface Split {
  trainSet: ReturnType<typeof splitSource>;
  heldOut: ReturnType<typeof splitSource> | null;
  /** A small table is held and trained with fit (a full shuffle each epoch); a large one streamed. */
  memory: { train: ReturnType<typeof splitTable>; validation: ReturnType<typeof splitTable> | null } | null;
}

function splitData(data: DataFile, o: { val: number; seed: number }): Split {
  const validation = o.val > 0 ? validationRows(data.rows, o.val, o.seed) : new Uint8Array(Math.ceil(data.rows / 8));
  const trainSet = splitSource(data, validation, false);
  const heldOut = o.val > 0 ? splitSource(data, validation, true) : null;
  const memory = data.table && {
    train: splitTable(data.table, data.cols, validation, false),
    validation: heldOut ? splitTable(data.table, data.cols, validation, true) : null,
  };
  return { trainSet, heldOut, memory };
}

/** The first line: the table, its split, its scaling. */
function describeData(file: string, data: DataFile, { trainSet, heldOut }: Split, o: Resolved, model: Sequential): string {
  const task =
    data.task === 'regression'
      ? 'regression (real-valued targets)'
      : data.classes
        ? `${data.classes.length} classes (${data.classes.join(', ')})`
        : 'binary (labels 0/1)';
  return (
    `${file}: ${task}; ${data.rows} rows × ${data.cols} features, label column '${data.label}'` +
    (heldOut ? `; ${trainSet.rows} train / ${heldOut.rows} validation (seed ${o.seed})` : '') +
    (model.scaler ? '; z-scored' : '') +
    (model.targetScaler ? `; target z-scored (mean ${model.targetScaler.mean[0]!.toPrecision(6)}, std ${model.targetScaler.scale[0]!.toPrecision(6)})` : '')
  );
}

/** The second line: the model, the optimizer and how long it runs, regularization, backend, class weights, a resumed run. */
function describeRun(
  data: DataFile,
  { trainSet }: Split,
  o: Resolved,
  flags: TrainOptions,
  model: Sequential,
  untilConverged: boolean,
  resumed: { from: string; epoch: number } | null,
): string {
  const outputs = model.layers[model.layers.length - 1]!;
  const architecture = [data.cols, ...o.layers, outputs.units].join('-');
  const length = untilConverged
    ? `up to ${count(o.epochs, 'epoch')} (until the ${o.val > 0 ? 'validation ' : ''}loss stops improving)`
    : count(o.epochs, 'epoch');
  const schedule =
    o.optimizer === 'lbfgs' ? `lbfgs, up to ${count(o.epochs, 'iteration')} (until converged), full batch` : `${o.optimizer}, ${length}, batch ${o.batch}`;
  const l2 = o.l2 ? `, L2 ${flags.l2 === undefined && !o.layers.length ? `1/${trainSet.rows}` : o.l2}` : '';
  const threads = model.threads > 1 ? `, ${model.threads} threads` : '';
  return (
    `${o.layers.length ? 'MLP' : outputs.activation === 'linear' ? 'linear regression (least squares)' : outputs.units > 1 ? 'multinomial logistic regression' : 'logistic regression'} ${architecture} (${o.layers.length ? `${o.activation}, ` : ''}${outputs.activation}), ${schedule}${l2}, ${o.backend} backend${threads}` +
    (o.classWeight ? `, class weights ${show(o.classWeight)}` : '') +
    (resumed ? `; resumed from ${resumed.from} after epoch ${resumed.epoch}` : '')
  );
}

function fitOptions(o: Resolved, initialEpoch: number): FitOptions {
  return {
    epochs: o.epochs,
    initialEpoch,
    optimizer: optimizerOf(o),
    ...(o.lr === undefined ? {} : { learningRate: o.lr }),
    ...(o.batch === 'all' ? {} : { batchSize: o.batch }),
    weightDecay: o.l2,
    ...(o.classWeight === undefined ? {} : { classWeight: o.classWeight }),
    stopOnExplodingLoss: o.stopOnExplodingLoss,
    // (the validation loss when there are validation rows, else the training loss)
    ...(o.patience === undefined
      ? {}
      : { earlyStopping: { monitor: o.val > 0 ? 'valLoss' : 'loss', patience: o.patience, minDelta: o.minDelta, restoreBestWeights: true } }),
  };
}

/** Training on the split: fit on the table held in memory, or fitDataset on the file, with the same options. */
type TrainOn = (m: Sequential, options: FitOptions, validate: boolean) => Promise<History>;

function trainerOn({ memory, trainSet, heldOut }: Split, cols: number): TrainOn {
  return (m, options, validate) =>
    memory
      ? m.fit(memory.train.x, memory.train.y, {
          ...options,
          ...(validate && memory.validation ? { validationData: [memory.validation.x, memory.validation.y] } : {}),
        })
      : m.fitDataset(trainSet, {
          ...options,
          shuffleBuffer: Math.max(1, Math.min(trainSet.rows, Math.floor(WINDOW_BYTES / (4 * (cols + 1))))),
          ...(validate && heldOut ? { validationData: heldOut } : {}),
        });
}

async function evaluateSplit<T extends Task>(model: Sequential<T>, { memory, trainSet, heldOut }: Split): Promise<[string, EvaluationOf<T>][]> {
  const evaluations: [string, EvaluationOf<T>][] = [];
  if (memory) {
    evaluations.push(['train', model.evaluate(memory.train.x, memory.train.y)]);
    if (memory.validation) evaluations.push(['validation', model.evaluate(memory.validation.x, memory.validation.y)]);
  } else {
    evaluations.push(['train', await model.evaluateDataset(trainSet)]);
    if (heldOut) evaluations.push(['validation', await model.evaluateDataset(heldOut)]);
  }
  return evaluations;
}

/** --compare-js: the same training timed on each backend, the first of six rounds a warm-up, medians of the rest. */
async function compareBackends(
  model: Sequential,
  fit: FitOptions,
  epochs: number,
  { trainSet }: Split,
  cols: number,
  seed: number,
  trainOn: TrainOn,
  print: (line: string) => void,
): Promise<void> {
  print(`\nthe same training, timed on each backend (median of 5, no progress bar):`);
  const spec = model.toJSON();
  const times: Record<BackendName, number[]> = { wasm: [], js: [] };
  const { earlyStopping: _, ...plain } = fit;
  for (let i = 0; i < 6; i++) {
    for (const backend of ['wasm', 'js'] as const) {
      const m = await Sequential.create({
        inputs: cols,
        layers: model.layers.map((l) => dense(l.units, l.activation)),
        seed,
        backend,
        threads: backend === 'wasm' ? model.threads : 1,
        scaler: spec.scaler ?? null,
      });
      const t = performance.now();
      await trainOn(m, { ...plain, initialEpoch: 0, epochs }, false);
      if (i > 0) times[backend].push(performance.now() - t);
      m.dispose();
    }
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
  const rate = (ms: number) => Math.round((epochs * trainSet.rows) / (ms / 1000)).toLocaleString('en-US');
  print(`  wasm ${median(times.wasm).toFixed(1)} ms (${rate(median(times.wasm))} samples/s)`);
  print(`  js   ${median(times.js).toFixed(1)} ms (${rate(median(times.js))} samples/s)`);
  print(`  speed ratio wasm/js: ${(median(times.js) / median(times.wasm)).toFixed(2)}×`);
}

/**
 * fitDataset with the progress bar, stopped — and the terminal given back (cursor shown, line
 * wrap on) — on every way out: the end, an error, Ctrl-C or SIGTERM. A signal stops the fit
 * within a run of batches (the epoch under way is undone), writes the checkpoint if there is
 * one, and ends the command with 128 + the signal's number.
 */
async function trainUntilStopped(
  model: Sequential,
  rows: number,
  fit: (options: FitOptions) => Promise<History>,
  o: Resolved,
  initialEpoch: number,
  data: DataFile,
  checkpoint: Output | null,
  save: (json: ModelJSON) => Promise<void>,
): Promise<History> {
  const interrupt = new AbortController();
  let signal: NodeJS.Signals | null = null;
  const stop = (received: NodeJS.Signals): void => {
    signal = received;
    interrupt.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const bar = o.progress ? new TrainingProgress(initialEpoch, o.epochs, rows, data.table ? null : data.bytesRead) : null;
  try {
    const history = await fit({
      signal: interrupt.signal,
      onProgress: (p) => bar?.rows(p.epoch, p.rows),
      onEpochEnd: (log) => void bar?.epochEnd(log),
    });
    if (signal) {
      const done = initialEpoch + history.loss.length;
      let where = 'nothing was saved';
      if (checkpoint) {
        await save(model.toJSON({ training: true }));
        where = `the checkpoint of epoch ${done} is in ${checkpoint.path} (continue with --resume ${checkpoint.path})`;
      }
      throw new Interrupted(`interrupted by ${signal} after ${count(done, 'epoch')}; ${where}`, signal === 'SIGINT' ? 130 : 143);
    }
    return history;
  } finally {
    bar?.stop();
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
  }
}

/** A resumed run must have the flags its checkpoint was written with (but --epochs and the outputs). */
function checkFlags(resumed: { json: ModelJSON; run: unknown }, flags: RunRecord['flags'], path: string): void {
  const saved = (resumed.run as RunRecord | null)?.flags;
  if (!saved) throw new OptionError('--resume', `--resume ${path} is a model without a training run's record; resume from a file written by --checkpoint`);
  for (const key of RUN_FLAGS) {
    if (JSON.stringify(saved[key] ?? null) !== JSON.stringify(flags[key] ?? null)) {
      const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      throw new OptionError(
        '--resume',
        `--resume ${path} was written with ${flag} ${show(saved[key])}, not ${show(flags[key])}; resume with the same flags (only --epochs and the outputs may change)`,
      );
    }
  }
}

function show(value: unknown): string {
  if (value === null || value === undefined) return '(not given)';
  if (typeof value === 'object' && !Array.isArray(value))
    return Object.entries(value)
      .map(([k, v]) => `${k}:${String(v)}`)
      .join(','); // --class-weight
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** …and the same data: rows, columns, names and size. */
function checkData(resumed: { run: unknown }, data: RunRecord['data'], path: string, file: string): void {
  const saved = (resumed.run as RunRecord).data;
  for (const key of ['rows', 'cols', 'label', 'bytes', 'features'] as const) {
    if (JSON.stringify(saved?.[key]) !== JSON.stringify(data[key])) {
      throw new OptionError(
        '--resume',
        `--resume ${path} was written for other data: ${file} has ${key} ${show(data[key])}, the checkpoint's data had ${show(saved?.[key])}`,
      );
    }
  }
}

/** The training rows' targets, z-scored: their mean and population standard deviation (float64, one pass when streamed). */
async function targetScalerOf({ memory, trainSet }: Split): Promise<StandardScaler> {
  if (memory) return StandardScaler.fit(memory.train.y, { cols: 1 });
  // (Welford's update, a row at a time)
  let n = 0,
    mean = 0,
    m2 = 0;
  for await (const chunk of trainSet as AsyncIterable<{ y: ArrayLike<number> }>) {
    for (const v of Array.from(chunk.y)) {
      const d = v - mean;
      mean += d / ++n;
      m2 += d * (v - mean);
    }
  }
  return StandardScaler.fromStats({ mean: [mean], std: [Math.sqrt(m2 / n)] });
}

/** The last layer of `task`: the article's sigmoid neuron, a softmax of the classes, or a linear unit. */
function outputLayer(task: CliTask, classes: number): DenseLayer {
  return task === 'multiclass' ? dense(classes, 'softmax') : task === 'regression' ? dense(1, 'linear') : dense(1, 'sigmoid');
}

/** `1 epoch`, `2 epochs`. */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Whether the model keeps the file's column names: a header gave them, and they tell the columns apart. */
function namesKept(data: DataFile): boolean {
  const names = [...data.features, data.label];
  return data.named && !names.includes('') && new Set(names).size === names.length;
}

/** --class-weight's classes checked against the data's: one weight for each class index. */
function checkClassWeight(weights: TrainOptions['classWeight'], classes: readonly ClassName[]): void {
  if (weights === undefined || weights === 'balanced') return;
  const keys = Object.keys(weights).map(Number);
  const missing = classes.findIndex((_, c) => !keys.includes(c));
  const extra = keys.find((c) => c >= classes.length);
  if (missing >= 0 || extra !== undefined) {
    throw new OptionError(
      '--class-weight',
      `--class-weight needs a weight for each class index 0…${classes.length - 1} (${classes.map((c, i) => `${i}: ${c}`).join(', ')}) and no other` +
        (missing >= 0 ? `; class ${missing} has none` : `; there is no class ${extra}`),
    );
  }
}
