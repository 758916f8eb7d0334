// Cancelling takes effect within a run of batches (about 50 ms of work), not at the end of the
// epoch: fit yields to the event loop inside long epochs. Epochs here take seconds; the cancels
// come a fraction of a second in. (Bounds on elapsed time are generous: they tell "within the
// epoch" from "after it", not speed.)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GradwasmError, Sequential, dense, setMemoryLimit, trainInWorker } from '../src/index.js';
import { serveTraining } from '../src/worker/serve.js';
import type { StartMessage, WorkerMessage } from '../src/worker/protocol.js';
import { labels, uniform } from './support/random.js';
import { bundleWorker } from './support/worker-bundle.js';

let dir: string;
let workerUrl: URL;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gradwasm-cancel-'));
  workerUrl = await bundleWorker(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A workload whose epochs take a few seconds on either backend (≈ 95 GFLOP of wasm, 10 of js). */
function slow(backend: 'wasm' | 'js') {
  const inputs = 256,
    rows = backend === 'wasm' ? 60_000 : 24_000;
  return {
    spec: { inputs, layers: [dense(backend === 'wasm' ? 1024 : 256, 'relu'), dense(1, 'sigmoid')], seed: 1, backend },
    x: { data: uniform(1, rows * inputs), rows, cols: inputs },
    y: labels(2, rows),
  };
}

describe.each(['wasm', 'js'] as const)('cancelling a fit in process (%s)', (backend) => {
  const { spec, x, y } = slow(backend);

  it('an AbortSignal stops the epoch under way, and the model is as before it', async () => {
    const model = await Sequential.create(spec);
    const before = model.getWeights();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = performance.now();
    const history = await model.fit(x, y, { epochs: 3, batchSize: 64, optimizer: 'adam', signal: controller.signal });
    const elapsed = performance.now() - started;
    expect(history.loss).toHaveLength(0); // the first epoch never finished…
    expect(elapsed).toBeLessThan(1000); // …and fit returned soon after the abort
    expect(model.getWeights()).toEqual(before);
    // the optimizer state and the shuffle were put back too: training again gives what a fresh model gives
    const some = { data: x.data.subarray(0, 500 * x.cols), rows: 500, cols: x.cols };
    const again = await model.fit(some, y.subarray(0, 500), { epochs: 2, batchSize: 64, optimizer: 'adam' });
    const fresh = await Sequential.create(spec);
    expect(again).toEqual(await fresh.fit(some, y.subarray(0, 500), { epochs: 2, batchSize: 64, optimizer: 'adam' }));
    expect(model.getWeights()).toEqual(fresh.getWeights());
  }, 30_000);

  it('a signal aborted before fit trains nothing', async () => {
    const model = await Sequential.create(spec);
    const before = model.getWeights();
    const small = { data: x.data.subarray(0, 64 * x.cols), rows: 64, cols: x.cols };
    const history = await model.fit(small, y.subarray(0, 64), { epochs: 3, signal: AbortSignal.abort() });
    expect(history.loss).toHaveLength(0);
    expect(model.getWeights()).toEqual(before);
  });

  it('a stop flag set by a timer is seen at the end of the epoch it was set in', async () => {
    const model = await Sequential.create(spec);
    let stop = false;
    setTimeout(() => (stop = true), 200);
    const third = { data: x.data.subarray(0, (x.rows / 3) * x.cols), rows: x.rows / 3, cols: x.cols }; // epochs of about a second
    const history = await model.fit(third, y.subarray(0, third.rows), { epochs: 4, batchSize: 4096, onEpochEnd: () => !stop });
    expect(history.loss).toHaveLength(1); // (an epoch late, it was 2: the timer could only fire after the first epoch's end)
  }, 30_000);
});

describe('cancelling and terminating a trainInWorker job', () => {
  const { spec, x, y } = slow('wasm');

  it('cancel() takes effect within the epoch: cancelled, no epoch, soon', async () => {
    const job = trainInWorker({ model: spec, x, y, fit: { epochs: 3, batchSize: 64 }, workerUrl });
    await new Promise((resolve) => setTimeout(resolve, 800));
    const asked = performance.now();
    job.cancel();
    const result = await job.done;
    expect(performance.now() - asked).toBeLessThan(1000);
    expect(result.cancelled).toBe(true);
    expect(result.history.loss).toHaveLength(0);
    const untrained = await Sequential.create(spec);
    expect(Float32Array.from(result.model.layers[0]!.weights)).toEqual(untrained.getWeights()[0]!.weights); // (the file's shortest decimals read back as the float32s)
  }, 30_000);

  it('terminate() ends a worker that never answers: done rejects, and the process exits by itself', () => {
    const script = join(dir, 'terminate.mjs');
    writeFileSync(
      script,
      `
      import { trainInWorker, dense } from ${JSON.stringify(pathToFileURL(join(process.cwd(), 'dist/index.js')).href)};
      const silent = new URL('data:text/javascript,setInterval(() => {}, 1000)');
      const job = trainInWorker({ model: { inputs: 1, layers: [dense(1, 'sigmoid')] }, x: [[0], [1]], y: [0, 1], workerUrl: silent });
      job.cancel(); // a silent worker ignores it
      setTimeout(() => job.terminate(), 300);
      job.done.then(() => console.log('resolved'), (e) => console.log('rejected', e.name, e.argument));
    `,
    );
    const out = execFileSync(process.execPath, [script], { encoding: 'utf8', timeout: 20_000 });
    expect(out.trim()).toBe('rejected GradwasmError terminate');
  });

  it('terminate() on a running job rejects done with a GradwasmError', async () => {
    const job = trainInWorker({ model: spec, x, y, fit: { epochs: 3, batchSize: 64 }, workerUrl });
    setTimeout(() => job.terminate(), 300);
    const error = await job.done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GradwasmError);
    expect((error as GradwasmError).message).toMatch(/terminated/);
  }, 30_000);
});

describe('setMemoryLimit reaches the worker', () => {
  it('a job over the limit is refused before any row is copied to a worker', () => {
    setMemoryLimit(64 * 2 ** 20);
    try {
      const rows = 100_000;
      expect(() =>
        trainInWorker({
          model: { inputs: 256, layers: [dense(1, 'sigmoid')] },
          x: { data: new Float32Array(rows * 256), rows, cols: 256 },
          y: new Float32Array(rows),
          workerUrl,
        }),
      ).toThrow(/training in the worker on options\.x \(100000 rows × 256 columns\) needs .* setMemoryLimit/);
    } finally {
      setMemoryLimit(2 ** 32);
    }
  });

  it('the worker applies the limit it is sent', async () => {
    const before = 2 ** 32;
    const messages: WorkerMessage[] = [];
    let deliver: (message: unknown) => void = () => {};
    serveTraining({
      postMessage: (message) => void messages.push(message as WorkerMessage),
      addEventListener: (_type, listener) => void (deliver = (data) => listener({ data })),
    });
    const start: StartMessage = {
      type: 'start',
      model: {
        create: { inputs: 64, layers: [dense(1, 'sigmoid')] },
        scaler: null,
        targetScaler: null,
        names: { features: null, label: null, classes: null },
        seed: 1,
        backend: 'wasm',
        threads: 1,
      },
      x: { data: new Float32Array(20_000 * 64), rows: 20_000, cols: 64 },
      y: new Float32Array(20_000),
      fit: {
        epochs: 1,
        learningRate: 0.01,
        optimizer: { type: 'sgd' },
        weightDecay: 0,
        learningRateSchedule: null,
        batchSize: 20_000,
        shuffle: true,
        validation: null,
        validationSplit: null,
        earlyStopping: null,
        stopOnExplodingLoss: true,
        initialEpoch: 0,
      },
      weightsEvery: 0,
      minEpochMs: 0,
      memoryLimit: 4 * 2 ** 20, // the 5 MB of rows do not fit
    };
    try {
      deliver(start);
      await expect.poll(() => messages.length).toBeGreaterThan(0);
      expect(messages[0]).toMatchObject({ type: 'error', name: 'MemoryLimitError', fields: { limit: 4 * 2 ** 20 } });
      expect((messages[0] as { message: string }).message).toMatch(/setMemoryLimit/);
    } finally {
      setMemoryLimit(before);
    }
  });
});
