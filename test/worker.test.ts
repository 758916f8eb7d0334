// trainInWorker in Node (worker_threads): progress, bit-identity with an in-process fit,
// cancellation, errors from both sides of the boundary. The worker scripts are bundled from
// the sources here (so these tests never run a stale dist/); the last test runs dist/ as shipped.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Gradwasm from '../src/index.js';
import { GradwasmError, OptionError, Sequential, dense, trainInWorker, type EpochLog, type LayerWeights, type TrainInWorkerOptions } from '../src/index.js';
import { labels, uniform } from './support/random.js';
import { bundleWorker } from './support/worker-bundle.js';

let dir: string;
let workerUrl: URL;
let faultyWorkerUrl: URL;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gradwasm-worker-'));
  workerUrl = await bundleWorker(dir);
  faultyWorkerUrl = await bundleWorker(dir, 'test/support/faulty-worker.ts', 'faulty-worker.mjs');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const inputs = 4,
  rows = 40;
const x = { data: uniform(31, rows * inputs), rows, cols: inputs };
const y = labels(32, rows);
const xv = { data: uniform(33, 10 * inputs), rows: 10, cols: inputs };
const yv = labels(34, 10);
const architecture = { inputs, layers: [dense(8, 'tanh'), dense(4, 'relu'), dense(1, 'sigmoid')] };

/** Float32 bit patterns of every kernel and bias, for exact comparison. */
const bits = (layers: readonly LayerWeights[]): number[][] =>
  layers.flatMap((l) => [[...new Uint32Array(l.weights.slice().buffer)], [...new Uint32Array(l.bias.slice().buffer)]]);
const jsonWeights = (json: Gradwasm.ModelJSON): LayerWeights[] =>
  json.layers.map((l) => ({ weights: Float32Array.from(l.weights), bias: Float32Array.from(l.bias) }));

const job = (options: Omit<TrainInWorkerOptions, 'x' | 'y' | 'workerUrl'> & Partial<TrainInWorkerOptions>) => trainInWorker({ x, y, workerUrl, ...options });

describe.each(['wasm', 'js'] as const)('trainInWorker on the %s backend', (backend) => {
  const model = { ...architecture, seed: 5, backend };

  it('reports every epoch and gives the weights an in-process fit gives, bit for bit', async () => {
    const fit = { epochs: 12, learningRate: 0.3, batchSize: 7, validationData: [xv, yv] as const };
    const logs: EpochLog[] = [];
    const snapshots: number[] = [];
    const result = await job({
      model,
      fit,
      weightsEvery: 5,
      onEpochEnd: (log, weights) => {
        logs.push(log);
        if (weights) snapshots.push(log.epoch);
      },
    }).done;

    const local = await Sequential.create(model);
    const history = await local.fit(x, y, fit);
    expect(result.cancelled).toBe(false);
    expect(result.history).toEqual(history);
    expect(logs.map((l) => l.epoch)).toEqual([...Array(12).keys()]);
    expect(logs.map((l) => l.valLoss)).toEqual(history.valLoss);
    expect(snapshots).toEqual([4, 9]);
    expect(bits(jsonWeights(result.model))).toEqual(bits(local.getWeights()));
    expect(result.model).toEqual(local.toJSON());
  });

  it('passes the training options through (Adam, weight decay, a schedule, a validation split, early stopping): same history and bits', async () => {
    const fit = {
      epochs: 60,
      learningRate: 0.05,
      batchSize: 7,
      optimizer: { type: 'adam', beta1: 0.8 } as const,
      weightDecay: 0.01,
      learningRateSchedule: { type: 'exponential', decayRate: 0.9 } as const,
      validationSplit: 0.25,
      earlyStopping: { patience: 3, restoreBestWeights: true },
    };
    const result = await job({ model, fit }).done;
    const local = await Sequential.create(model);
    const history = await local.fit(x, y, fit);
    expect(history.loss.length).toBeLessThan(60); // it did stop early: not reported as a cancel
    expect(result.cancelled).toBe(false);
    expect(result.history).toEqual(history);
    expect(bits(jsonWeights(result.model))).toEqual(bits(local.getWeights()));
  });

  it("stops on the training loss (earlyStopping.monitor 'loss', no validation data) as an in-process fit does", async () => {
    // A learning rate growing 30 % an epoch: the training loss turns and rises.
    const fit = {
      epochs: 40,
      learningRate: 0.3,
      batchSize: 7,
      learningRateSchedule: { type: 'exponential', decayRate: 1.3 } as const,
      earlyStopping: { monitor: 'loss', patience: 2, restoreBestWeights: true } as const,
    };
    const result = await job({ model, fit }).done;
    const local = await Sequential.create(model);
    const history = await local.fit(x, y, fit);
    expect(history.loss.length).toBeLessThan(40);
    expect(result.cancelled).toBe(false);
    expect(result.history).toEqual(history);
    expect(bits(jsonWeights(result.model))).toEqual(bits(local.getWeights()));
  });

  it("refuses, before any worker starts, to resume a checkpoint's early stopping on the other loss", async () => {
    const fit = { learningRate: 0.1, batchSize: 5, earlyStopping: { monitor: 'loss', patience: 5 } as const };
    const local = await Sequential.create(model);
    await local.fit(x, y, { ...fit, epochs: 3 });
    const checkpoint = local.toJSON({ training: true });
    expect(() =>
      job({ model: checkpoint, load: { backend }, fit: { ...fit, epochs: 6, initialEpoch: 3, validationData: [xv, yv], earlyStopping: { patience: 5 } } }),
    ).toThrow(
      new OptionError(
        'options.fit.earlyStopping.monitor',
        "options.fit.earlyStopping.monitor is 'valLoss', but the run continued at epoch 3 monitored 'loss' (its best value and wait are of that loss); continue it with monitor 'loss'",
      ),
    );
  });

  it('sends weights that match the model at that epoch', async () => {
    const fit = { epochs: 3, learningRate: 0.1, batchSize: 10 };
    const seen: LayerWeights[][] = [];
    await job({ model, fit, weightsEvery: 1, onEpochEnd: (_log, weights) => void seen.push(weights!) }).done;
    const local = await Sequential.create(model);
    for (let epoch = 0; epoch < 3; epoch++) {
      await local.fit(x, y, { ...fit, epochs: 1 }); // one epoch at a time continues the same shuffle stream
      expect(bits(seen[epoch]!)).toEqual(bits(local.getWeights()));
    }
  });

  it('continues training a saved model with a shuffle seed, as fromJSON + fit does', async () => {
    const start = (await Sequential.create(model)).toJSON();
    const fit = { epochs: 4, learningRate: 0.2, batchSize: 3 };
    const result = await job({ model: JSON.stringify(start), load: { seed: 77, backend }, fit }).done;
    const local = await Sequential.fromJSON(start, { seed: 77, backend });
    await local.fit(x, y, fit);
    expect(bits(jsonWeights(result.model))).toEqual(bits(local.getWeights()));
  });

  it('resumes a checkpoint (a model saved with its training state) exactly, from initialEpoch', async () => {
    const fit = { learningRate: 0.01, batchSize: 5, optimizer: 'adam' as const };
    const local = await Sequential.create(model);
    await local.fit(x, y, { ...fit, epochs: 3 });
    const checkpoint = local.toJSON({ training: true });
    const history = await local.fit(x, y, { ...fit, epochs: 6, initialEpoch: 3 });
    const result = await job({ model: checkpoint, load: { backend }, fit: { ...fit, epochs: 6, initialEpoch: 3 } }).done;
    expect(result.history).toEqual(history);
    expect(bits(jsonWeights(result.model))).toEqual(bits(local.getWeights()));
  });
});

describe('trainInWorker with no workerUrl', () => {
  it("runs gradwasm's built-in worker code (no file beside the library): the same history and bits as an in-process fit", async () => {
    const model = { ...architecture, seed: 6 };
    const fit = { epochs: 5, learningRate: 0.2, batchSize: 8 };
    const result = await trainInWorker({ model, x, y, fit }).done;
    const local = await Sequential.create(model);
    expect(result.history).toEqual(await local.fit(x, y, fit));
    expect(bits(jsonWeights(result.model))).toEqual(bits(local.getWeights()));
  });
});

describe('trainInWorker threads', () => {
  it("trains with the threads asked for — in options.model, or options.load for a saved model — and 'auto' is every core", async () => {
    const { availableParallelism } = await import('node:os');
    const model = { ...architecture, seed: 5 };
    const local = await Sequential.create({ ...model, threads: 1 });
    const history = await local.fit(x, y, { epochs: 3, batchSize: 8 });
    for (const threads of [1, 2, 5, 'auto'] as const) {
      const result = await job({ model: { ...model, threads }, fit: { epochs: 3, batchSize: 8 } }).done;
      expect(result.threads, `threads ${threads}`).toBe(threads === 'auto' ? availableParallelism() : threads);
      expect(result.history).toEqual(history); // (and the same bits whatever the count)
      expect(bits(jsonWeights(result.model))).toEqual(bits(local.getWeights()));
    }
    const saved = JSON.stringify(await Sequential.create(model));
    for (const threads of [1, 3]) expect((await job({ model: saved, load: { seed: 1, threads }, fit: { epochs: 1 } }).done).threads).toBe(threads);
    expect((await job({ model: saved, fit: { epochs: 1 } }).done).threads).toBe(availableParallelism());
  });

  it('checks threads as Sequential.create and fromJSON do, before any worker starts', async () => {
    const saved = JSON.stringify(await Sequential.create({ ...architecture, seed: 1 }));
    expect(() => job({ model: { ...architecture, threads: 0 } })).toThrow(/^options\.model\.threads must be 'auto' or an integer from 1 to 256, got 0$/);
    expect(() => job({ model: saved, load: { threads: 1.5 } })).toThrow(/^options\.load\.threads must be 'auto' or an integer from 1 to 256, got 1\.5$/);
    expect(() => job({ model: { ...architecture, backend: 'js', threads: 2 } })).toThrow(
      /options\.model\.threads is 2, but the 'js' backend runs on one thread/,
    );
  });
});

describe('trainInWorker cancellation', () => {
  it('cancel() stops at an epoch boundary and resolves with cancelled: true and the weights so far', async () => {
    const fit = { epochs: 100_000, learningRate: 0.05, batchSize: 4 };
    const running = job({
      model: { ...architecture, seed: 9 },
      fit,
      onEpochEnd: (log) => {
        if (log.epoch === 2) running.cancel();
      },
    });
    const result = await running.done;
    expect(result.cancelled).toBe(true);
    const done = result.history.loss.length;
    expect(done).toBeGreaterThanOrEqual(3);
    expect(done).toBeLessThan(100_000);
    // The weights are those of exactly `done` epochs.
    const local = await Sequential.create({ ...architecture, seed: 9 });
    await local.fit(x, y, { ...fit, epochs: done });
    expect(bits(jsonWeights(result.model))).toEqual(bits(local.getWeights()));
    running.cancel(); // after done: nothing happens
  });

  it('returning false from onEpochEnd cancels', async () => {
    const result = await job({ model: { ...architecture, seed: 9 }, fit: { epochs: 100_000 }, onEpochEnd: () => false }).done;
    expect(result.cancelled).toBe(true);
    expect(result.history.loss.length).toBeLessThan(100_000);
  });

  it('a cancel before the worker starts returns the untrained model, with no epochs', async () => {
    const running = job({ model: { ...architecture, seed: 9 }, fit: { epochs: 50 } });
    running.cancel();
    const result = await running.done;
    expect(result).toMatchObject({ cancelled: true, history: { loss: [], accuracy: [] } });
    expect(result.model).toEqual((await Sequential.create({ ...architecture, seed: 9 })).toJSON());
  });

  it('a cancel after the last epoch changes nothing: cancelled is false', async () => {
    const running = job({
      model: { ...architecture, seed: 9 },
      fit: { epochs: 2 },
      onEpochEnd: (log) => {
        if (log.epoch === 1) running.cancel();
      },
    });
    expect((await running.done).cancelled).toBe(false);
  });
});

describe('trainInWorker pacing', () => {
  it('minEpochMs spaces epochs out', async () => {
    const times: number[] = [];
    await job({ model: { ...architecture, seed: 1 }, fit: { epochs: 5 }, minEpochMs: 40, onEpochEnd: () => void times.push(performance.now()) }).done;
    // The worker spaces its messages by 40 ms or more on its clock; they arrive here with the
    // delay of a busy event loop (the first may come late, shortening the span): half an epoch's
    // margin. Unpaced, these five epochs of a 2-4-1 model take a few milliseconds.
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(4 * 40 - 20);
  });
});

describe('trainInWorker misuse and errors', () => {
  const model = { ...architecture, seed: 1 };
  it.each([
    ['options not an object', null, 'options', /^options must be an object, got null$/],
    ['unknown option', { model, x, y, epochs: 3 }, 'options.epochs', /^options has an unknown option "epochs"/],
    ['a callback inside fit', { model, x, y, fit: { onEpochEnd: () => {} } }, 'options.fit.onEpochEnd', /^options\.fit has an unknown option "onEpochEnd"/],
    [
      'bad layer',
      { model: { inputs, layers: [dense(2, 'relu')] }, x, y },
      'options.model.layers',
      /^the last layer of options\.model\.layers must be dense\(1, 'sigmoid'\)/,
    ],
    [
      'bad seed',
      { model: { ...architecture, seed: -1 }, x, y },
      'options.model.seed',
      /^options\.model\.seed must be an integer in \[0, 4294967295\], got -1$/,
    ],
    ['bad saved model', { model: { format: 'gradwasm-model', version: 9 }, x, y }, 'options.model.version', /^options\.model\.version 9 is not supported/],
    ['load with create options', { model, load: { seed: 1 }, x, y }, 'options.load', /^options\.load applies to a saved model only/],
    ['x of the wrong width', { model, x: [[1, 2, 3]], y: [1] }, 'options.x', /^options\.x\[0\] has 3 values, but the model has 4 inputs$/],
    ['x with NaN', { model, x: { data: Float32Array.of(1, 2, NaN, 4), rows: 1, cols: 4 }, y: [1] }, 'options.x', /^options\.x row 0, column 2 is NaN\b/],
    ['label 2', { model, x, y: Array.from(y, (v, i) => (i === 3 ? 2 : v)) }, 'options.y', /^options\.y\[3\] is 2; labels must be 0 or 1$/],
    ['learning rate 0', { model, x, y, fit: { learningRate: 0 } }, 'options.fit.learningRate', /^options\.fit\.learningRate must be a finite number > 0/],
    ['bad validation data', { model, x, y, fit: { validationData: [xv] } }, 'options.fit.validationData', /^options\.fit\.validationData must be \[x, y\]/],
    [
      'an Adam β1 of 1',
      { model, x, y, fit: { optimizer: { type: 'adam', beta1: 1 } } },
      'options.fit.optimizer.beta1',
      /^options\.fit\.optimizer\.beta1 must be a number in \[0, 1\)/,
    ],
    [
      'L-BFGS (fit in process only, for now)',
      { model, x, y, fit: { optimizer: 'lbfgs' } },
      'options.fit.optimizer',
      /^options\.fit\.optimizer 'lbfgs' is not supported by trainInWorker yet/,
    ],
    [
      'early stopping without validation data',
      { model, x, y, fit: { earlyStopping: { patience: 1 } } },
      'options.fit.earlyStopping',
      /^options\.fit\.earlyStopping monitors the validation loss: give options\.fit\.validationData or options\.fit\.validationSplit too, or watch the training loss with options\.fit\.earlyStopping\.monitor 'loss'$/,
    ],
    [
      'an early stopping monitor of accuracy',
      { model, x, y, fit: { earlyStopping: { monitor: 'accuracy' } } },
      'options.fit.earlyStopping.monitor',
      /^options\.fit\.earlyStopping\.monitor must be 'loss'/,
    ],
    ['onEpochEnd not a function', { model, x, y, onEpochEnd: 1 }, 'options.onEpochEnd', /^options\.onEpochEnd must be a function, got 1$/],
    ['weightsEvery -1', { model, x, y, weightsEvery: -1 }, 'options.weightsEvery', /^options\.weightsEvery must be an integer ≥ 0, got -1$/],
    ['minEpochMs NaN', { model, x, y, minEpochMs: NaN }, 'options.minEpochMs', /^options\.minEpochMs must be a finite number ≥ 0, got NaN$/],
    ['workerUrl a number', { model, x, y, workerUrl: 3 }, 'options.workerUrl', /^options\.workerUrl must be a string or a URL, got 3$/],
  ])('%s: throws a GradwasmError at once, before any worker starts', (_name, options, argument, message) => {
    let error: unknown;
    try {
      trainInWorker(options as TrainInWorkerOptions);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GradwasmError);
    expect((error as GradwasmError).argument).toBe(argument);
    expect((error as GradwasmError).message).toMatch(message);
  });

  it('a GradwasmError raised in the worker comes back as a GradwasmError with the same message', async () => {
    const done = trainInWorker({ model, x, y, workerUrl: faultyWorkerUrl }).done;
    await expect(done).rejects.toBeInstanceOf(GradwasmError);
    await expect(done).rejects.toMatchObject({
      argument: 'options.learningRate',
      message: 'options.learningRate must be a finite number > 0 (as a float32), got -1',
    });
  });

  it('a worker script that cannot load rejects with an Error naming it', async () => {
    const missing = pathToFileURL(join(dir, 'missing.mjs'));
    await expect(trainInWorker({ model, x, y, workerUrl: missing }).done).rejects.toThrow(/training worker \(.*missing\.mjs\) failed/);
  });

  it('an exception in onEpochEnd rejects done with it and stops the worker', async () => {
    const boom = new Error('boom');
    await expect(
      job({
        model,
        fit: { epochs: 1000 },
        onEpochEnd: () => {
          throw boom;
        },
      }).done,
    ).rejects.toBe(boom);
  });

  it("the caller's arrays are copied, neither transferred nor changed", async () => {
    const data = x.data.slice();
    const labelsCopy = y.slice();
    await job({ model, x: { data, rows, cols: inputs }, y: labelsCopy, fit: { epochs: 2 } }).done;
    expect(data).toEqual(x.data);
    expect(labelsCopy).toEqual(y);
  });
});

describe('dist/index.js', () => {
  it('trains in dist/worker.js by default, as installed packages do', async () => {
    const lib = (await import(/* @vite-ignore */ new URL('../dist/index.js', import.meta.url).href)) as typeof Gradwasm;
    const xor = [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ];
    const model = { inputs: 2, layers: [lib.dense(4, 'tanh'), lib.dense(1, 'sigmoid')], seed: 8 };
    const result = await lib.trainInWorker({ model, x: xor, y: [0, 1, 1, 0], fit: { epochs: 50, learningRate: 0.5 } }).done;
    const local = await lib.Sequential.create(model);
    await local.fit(xor, [0, 1, 1, 0], { epochs: 50, learningRate: 0.5 });
    expect(result.model).toEqual(local.toJSON());
  });
});
