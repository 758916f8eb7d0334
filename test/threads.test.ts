// Threads (docs/architecture.md §6): the same bits for every thread count — weights, losses, predictions,
// evaluations and gradients — with more threads than cores too; a thread count checked like any
// option; and a process that trained with threads ends by itself.
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { HIDDEN_ACTIVATIONS, GradwasmError, LogisticRegression, Sequential, dense, type FitOptions, type LayerWeights } from '../src/index.js';
import { fixPoolHelpers, poolReady, setPoolCores } from '../src/backend/wasm/threads.js';
import { labels, uniform } from './support/random.js';

// As if the machine had 8 cores (a step wakes at most cores − 1 workers), with the pool's 7
// workers started and every step using all it may (not the number its measurements would choose):
// so that 3, 5 and 8 threads really share steps here, in every schedule they happen to take.
beforeAll(async () => {
  const model = await Sequential.create({ inputs: 64, layers: [dense(64, 'relu'), dense(1, 'sigmoid')], seed: 1, threads: 8 });
  await setPoolCores(8);
  await fixPoolHelpers();
  model.predictProba({ data: uniform(1, 4096 * 64), rows: 4096, cols: 64 });
  await poolReady(7);
  model.dispose();
});

const COUNTS = [1, 2, 3, 5, 8];
const bits = (layers: readonly LayerWeights[]): number[][] =>
  layers.flatMap((l) => [[...new Uint32Array(l.weights.slice().buffer)], [...new Uint32Array(l.bias.slice().buffer)]]);
const floatBits = (a: Float32Array): number[] => [...new Uint32Array(a.slice().buffer)];

describe('the same bits for 1, 2, 3, 5 and 8 threads', () => {
  // wide enough that every step is shared out (each part has thousands of multiply-adds)
  const inputs = 40,
    rows = 777;
  const x = { data: uniform(1, rows * inputs, -2, 2), rows, cols: inputs };
  const y = labels(2, rows);

  it.each<[string, FitOptions]>([
    ['SGD, batches of 1', { epochs: 1, batchSize: 1, learningRate: 0.01 }],
    ['momentum with Nesterov, batches of 7', { epochs: 2, batchSize: 7, optimizer: { type: 'momentum', momentum: 0.9, nesterov: true }, learningRate: 0.01 }],
    [
      'Adam with weight decay and a schedule, batches of 64',
      { epochs: 3, batchSize: 64, optimizer: 'adam', learningRate: 0.01, weightDecay: 1e-3, learningRateSchedule: { type: 'step', every: 1, factor: 0.5 } },
    ],
    ['SGD with weight decay, full batch (blocks of 256 rows, summed pairwise)', { epochs: 4, learningRate: 0.5, weightDecay: 1e-4 }],
    ['plain SGD, full batch', { epochs: 4, learningRate: 0.5 }],
  ])(
    '%s, every activation',
    async (_name, options) => {
      for (const activation of HIDDEN_ACTIVATIONS) {
        const seen: { history: unknown; weights: number[][]; p: number[]; evaluation: unknown; gradients: number[][] }[] = [];
        for (const threads of COUNTS) {
          const model = await Sequential.create({ inputs, layers: [dense(96, activation), dense(48, activation), dense(1, 'sigmoid')], seed: 3, threads });
          expect(model.threads).toBe(threads);
          const history = await model.fit(x, y, { ...options, validationSplit: 0.1 });
          const g = model.gradients(x, y);
          seen.push({
            history,
            weights: bits(model.getWeights()),
            p: floatBits(model.predictProba(x)),
            evaluation: model.evaluate(x, y),
            gradients: [[g.loss], ...bits(g.layers)],
          });
          model.dispose();
        }
        for (const [i, s] of seen.entries()) expect(s, `${activation}, ${COUNTS[i]} threads`).toEqual(seen[0]);
      }
    },
    120_000,
  );

  it.each<[string, FitOptions]>([
    ['SGD, batches of 5', { epochs: 1, batchSize: 5, learningRate: 0.05 }],
    [
      'momentum, batches of 64, class weights',
      { epochs: 2, batchSize: 64, optimizer: { type: 'momentum', momentum: 0.9 }, learningRate: 0.05, classWeight: { 0: 1, 1: 2, 2: 0.5, 3: 1, 4: 3 } },
    ],
    ['Adam with weight decay, full batch', { epochs: 3, optimizer: 'adam', learningRate: 0.01, weightDecay: 1e-3 }],
  ])(
    'a softmax head of 5 classes: %s',
    async (_name, options) => {
      const classes = Float32Array.from(uniform(4, rows), (v) => Math.floor((v + 1) * 2.5));
      const seen: unknown[] = [];
      for (const threads of COUNTS) {
        const model = await Sequential.create({ inputs, layers: [dense(96, 'relu'), dense(5, 'softmax')], seed: 3, threads });
        const history = await model.fit(x, classes, { ...options, validationSplit: 0.1 });
        const g = model.gradients(x, classes);
        seen.push({
          history,
          weights: bits(model.getWeights()),
          p: floatBits(model.predictProba(x)),
          evaluation: model.evaluate(x, classes),
          gradients: [[g.loss], ...bits(g.layers)],
        });
        model.dispose();
      }
      for (const [i, s] of seen.entries()) expect(s, `${COUNTS[i]} threads`).toEqual(seen[0]);
    },
    120_000,
  );

  it('fitDataset with a shuffle window, and inference in calls larger than the workspace', async () => {
    const chunks = Array.from({ length: 8 }, (_, k) => ({
      x: x.data.subarray(k * 100 * inputs, Math.min(rows, (k + 1) * 100) * inputs),
      y: y.subarray(k * 100, (k + 1) * 100),
    }));
    const many = { data: uniform(9, 50_000 * inputs, -1, 1), rows: 50_000, cols: inputs };
    const seen: unknown[] = [];
    for (const threads of COUNTS) {
      const model = await Sequential.create({ inputs, layers: [dense(64, 'relu'), dense(1, 'sigmoid')], seed: 5, threads });
      const history = await model.fitDataset(chunks, { epochs: 2, batchSize: 32, shuffleBuffer: 150, optimizer: 'adam' });
      seen.push([history, bits(model.getWeights()), floatBits(model.predictProba(many))]);
      model.dispose();
    }
    for (const s of seen) expect(s).toEqual(seen[0]);
  }, 60_000);

  it('a logistic regression of 100,000 rows, full batch and batches of 256', async () => {
    const n = 100_000,
      cols = 32;
    const data = { data: uniform(11, n * cols, -1, 1), rows: n, cols };
    const t = labels(12, n);
    for (const batchSize of [undefined, 256]) {
      const seen: unknown[] = [];
      for (const threads of [1, 2, 8]) {
        const model = await LogisticRegression.create({ inputs: cols, seed: 1, threads });
        seen.push([await model.fit(data, t, { epochs: 3, batchSize, learningRate: 0.1 }), bits(model.getWeights())]);
        model.dispose();
      }
      for (const s of seen) expect(s).toEqual(seen[0]);
    }
  }, 60_000);
});

describe('threads as an option', () => {
  it("is 'auto' by default (every core here), a number from 1 to 256, and 1 on the 'js' backend", async () => {
    const { availableParallelism } = await import('node:os');
    const spec = { inputs: 2, layers: [dense(1, 'sigmoid')] };
    expect((await Sequential.create(spec)).threads).toBe(availableParallelism());
    expect((await Sequential.create({ ...spec, threads: 'auto' })).threads).toBe(availableParallelism());
    expect((await Sequential.create({ ...spec, threads: 3 })).threads).toBe(3);
    expect((await Sequential.create({ ...spec, backend: 'js' })).threads).toBe(1);
    expect((await Sequential.create({ ...spec, backend: 'js', threads: 1 })).threads).toBe(1);
    const saved = JSON.stringify(await Sequential.create({ ...spec, seed: 1 }));
    expect((await Sequential.fromJSON(saved, { threads: 4 })).threads).toBe(4);
    expect((await LogisticRegression.create({ inputs: 3, threads: 2 })).threads).toBe(2);
  });

  it.each([0, -1, 1.5, 257, NaN, '2', 'all', null])('refuses threads %s with a GradwasmError naming it', async (bad) => {
    const spec = { inputs: 2, layers: [dense(1, 'sigmoid')], threads: bad as number };
    for (const call of [
      () => Sequential.create(spec),
      () => Sequential.fromJSON(JSON.stringify({}), { threads: bad as number }),
      () => LogisticRegression.create({ inputs: 2, threads: bad as number }),
    ]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GradwasmError);
      expect((error as GradwasmError).argument).toBe('options.threads');
      expect((error as Error).message).toMatch(/^options\.threads must be 'auto' or an integer from 1 to 256, got /);
    }
  });

  it("refuses more than one thread on the 'js' backend", async () => {
    const error = await Sequential.create({ inputs: 2, layers: [dense(1, 'sigmoid')], backend: 'js', threads: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GradwasmError);
    expect((error as Error).message).toBe("options.threads is 2, but the 'js' backend runs on one thread; use backend: 'wasm' for threads");
  });
});

describe('a process that trains with threads', () => {
  it('exits by itself when its script ends: the pool never keeps it alive', () => {
    const script = `
      import { Sequential, dense } from './dist/index.js';
      const model = await Sequential.create({ inputs: 64, layers: [dense(64, 'relu'), dense(1, 'sigmoid')], seed: 1, threads: 4 });
      const rows = 2000;
      await model.fit({ data: new Float32Array(rows * 64).map((_, i) => Math.sin(i)), rows, cols: 64 }, new Float32Array(rows).map((_, i) => i % 2), { epochs: 2, batchSize: 32 });
      console.log('trained with', model.threads, 'threads');`;
    const started = Date.now();
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(child.stdout.trim()).toBe('trained with 4 threads');
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
