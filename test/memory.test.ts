// The wasm backend plans its memory: the dataset is copied in once per fit, nothing is
// allocated (and memory never grows) between epochs, and everything is released after.
import { describe, expect, it } from 'vitest';
import { Sequential, dense } from '../src/index.js';
import { coreOf } from './support/core.js';
import { labels, uniform } from './support/random.js';

describe('linear memory of the wasm backend', () => {
  it('stays the same size and holds the same blocks from epoch to epoch, and is released after fit', async () => {
    const rows = 300,
      inputs = 20;
    const x = { data: uniform(1, rows * inputs), rows, cols: inputs };
    const y = labels(2, rows);
    const model = await Sequential.create({ inputs, layers: [dense(32, 'relu'), dense(1, 'sigmoid')], seed: 1 });
    const core = coreOf(model);
    const before = core.arena.bytesInUse;
    const seen: [number, number][] = [];
    await model.fit(x, y, {
      epochs: 5,
      batchSize: 16,
      learningRate: 0.1,
      validationData: [x, y],
      onEpochEnd: () => void seen.push([core.exports.memory.buffer.byteLength, core.arena.bytesInUse]),
    });
    expect(new Set(seen.map(([size]) => size)).size).toBe(1);
    expect(new Set(seen.map(([, used]) => used)).size).toBe(1);
    // what stays is the model's workspace; the data copies are released, so a second fit
    // (and predictions) leave exactly as much in use as the first
    const afterFit = core.arena.bytesInUse;
    expect(afterFit).toBeGreaterThan(before);
    await model.fit(x, y, { epochs: 2, batchSize: 16, learningRate: 0.1, validationData: [x, y] });
    expect(core.arena.bytesInUse).toBe(afterFit);
    model.predictProba(x);
    const afterPredict = core.arena.bytesInUse;
    model.predictProba(x);
    expect(core.arena.bytesInUse).toBe(afterPredict);
    model.dispose();
    expect(core.arena.bytesInUse).toBeLessThan(before);
  });

  it('stages a call of a few rows in a block the model keeps: nothing taken from the arena, the same bits as a batch, freed with the model', async () => {
    const inputs = 784,
      rows = 40;
    const { loadCore } = await import('../src/backend/wasm/core.js');
    const inUseBefore = (await loadCore()).arena.bytesInUse;
    const model = await Sequential.create({ inputs, layers: [dense(16, 'relu'), dense(1, 'sigmoid')], seed: 2, threads: 1 });
    const core = coreOf(model);
    const x = uniform(3, rows * inputs);
    await model.fit(x, labels(4, rows), { epochs: 1, learningRate: 0.1 });
    const batch = model.predictProba(x);
    model.predictProba(x.subarray(0, inputs)); // (the first small call makes the block)
    const inUse = core.arena.bytesInUse;
    const allocate = core.arena.allocate.bind(core.arena);
    let allocations = 0;
    core.arena.allocate = (bytes: number): number => (allocations++, allocate(bytes));
    try {
      const oneByOne = new Float32Array(rows);
      for (let r = 0; r < rows; r++) oneByOne[r] = model.predictProba(x.subarray(r * inputs, (r + 1) * inputs))[0]!;
      expect(allocations).toBe(0);
      expect(oneByOne).toEqual(batch);
      expect(core.arena.bytesInUse).toBe(inUse);
      // a bad value in a small call is refused as in a large one, and the next call works
      const bad = x.slice(inputs, 2 * inputs);
      bad[5] = Number.NaN;
      expect(() => model.predictProba(bad)).toThrow(/row 0, column 5/);
      expect(model.predictProba(x.subarray(2 * inputs, 3 * inputs))[0]).toBe(batch[2]);
      // a large call between small ones takes its own staging and gives it back
      expect(model.predictProba(x)).toEqual(batch);
      expect(allocations).toBe(1);
    } finally {
      core.arena.allocate = allocate;
    }
    expect(core.arena.bytesInUse).toBe(inUse);
    // a small pass started halfway through copying another's row (from a getter) stages apart: both right
    const inner: number[] = [];
    const row = x.subarray(3 * inputs, 4 * inputs);
    const data = new Proxy(row, {
      get: (t, k) => {
        if (k === '400' && inner.length === 0) inner.push(model.predictProba(x.subarray(4 * inputs, 5 * inputs))[0]!);
        return Reflect.get(t, k) as unknown;
      },
    });
    expect(model.predictProba({ data: data as ArrayLike<number>, rows: 1, cols: inputs })[0]).toBe(batch[3]);
    expect(inner).toEqual([batch[4]]);
    expect(core.arena.bytesInUse).toBe(inUse);
    model.dispose();
    expect(core.arena.bytesInUse).toBe(inUseBefore);
  });
});
