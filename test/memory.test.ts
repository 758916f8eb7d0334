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
});
