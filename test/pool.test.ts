// The pool of threads (docs/architecture.md §6): started by the first step that wants it, never by
// create; grown to what the models ask for; waking only the workers a step uses, and never more
// than the cores. (A file of its own: it watches the pool from before it exists.)
import { describe, expect, it } from 'vitest';
import { Sequential, dense } from '../src/index.js';
import { fixPoolHelpers, poolReady, poolStats, poolWorkers, setPoolCores } from '../src/backend/wasm/threads.js';
import { labels, uniform } from './support/random.js';

const inputs = 256,
  rows = 2048;
const x = { data: uniform(1, rows * inputs), rows, cols: inputs };
const y = labels(2, rows);
const spec = { inputs, layers: [dense(64, 'relu'), dense(1, 'sigmoid')], seed: 3 };
const stepsOf = async (): Promise<number[]> => (await poolStats()).threads.map((t) => t.steps);

describe('the pool', () => {
  it('is not started by create, nor by a model too small to share its steps; the first step that wants it starts it', async () => {
    const auto = await Sequential.create({ ...spec, threads: 'auto' });
    const two = await Sequential.create({ ...spec, threads: 2 });
    expect(auto.threads).toBeGreaterThan(1);
    const tiny = await Sequential.create({ inputs: 2, layers: [dense(4, 'tanh'), dense(1, 'sigmoid')], seed: 1, threads: 2 });
    const small = { data: uniform(3, 200 * 2), rows: 200, cols: 2 };
    await tiny.fit(small, labels(4, 200), { epochs: 3, batchSize: 16 });
    tiny.predictProba(small);
    expect(await poolWorkers()).toBe(0);
    expect((await poolStats()).wanted).toBe(0);
    // the first call that splits a step runs it on this thread alone, and asks for the pool
    const alone = await Sequential.create({ ...spec, threads: 1 });
    expect(two.predictProba(x)).toEqual(alone.predictProba(x));
    expect((await poolStats()).wanted).toBe(1);
    await poolReady(1);
    expect(two.predictProba(x)).toEqual(alone.predictProba(x));
    for (const m of [auto, two, tiny, alone]) m.dispose();
  });

  it('wakes only the workers a step uses: a 2-thread model after another grew the pool to 7 workers leaves workers 2…7 asleep', async () => {
    await setPoolCores(8);
    await fixPoolHelpers(); // (every step uses all the workers it may, whatever they gain)
    const eight = await Sequential.create({ ...spec, threads: 8 });
    eight.predictProba(x);
    await poolReady(7);
    for (let k = 0; k < 3; k++) eight.predictProba(x);
    await new Promise((resolve) => setTimeout(resolve, 20)); // (a worker woken late for the last step finds it over)
    const two = await Sequential.create({ ...spec, threads: 2 });
    const before = await stepsOf();
    await two.fit(x, y, { epochs: 2, batchSize: 64 });
    for (let k = 0; k < 3; k++) two.predictProba(x);
    const after = await stepsOf();
    expect(after[1]).toBeGreaterThan(before[1]!);
    expect(after.slice(2)).toEqual(before.slice(2));
    for (const m of [eight, two]) m.dispose();
  });

  it('never wakes more workers than the machine has cores, whatever the threads asked', async () => {
    const { availableParallelism } = await import('node:os');
    const cores = availableParallelism();
    await setPoolCores(cores);
    const eight = await Sequential.create({ ...spec, threads: 8 });
    const before = await stepsOf();
    await eight.fit(x, y, { epochs: 2, batchSize: 64 });
    const after = await stepsOf();
    expect(after.slice(cores)).toEqual(before.slice(cores));
    expect(eight.threads).toBe(8);
    eight.dispose();
  });
});
