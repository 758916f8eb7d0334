// A stream whose batch turns out to hold every row of the epoch (batchSize above the rows): the
// core trains it as full-batch descent (assembly/model.ts, trainRowsEnd), in blocks onto partial
// sums, so the stream must hold room for them. It once held none when the batch fitted one
// chunk: the first such fitDataset of a process wrote past its memory and trapped (later ones, in
// memory grown by then, wrote where they should not). Its own file, so that its model is the
// first of a fresh worker, where the overrun trapped.
import { describe, expect, it } from 'vitest';
import { Sequential, dense } from '../src/index.js';
import { uniform } from './support/random.js';

describe('fitDataset with a batch larger than the epoch', () => {
  it.each([
    ['binary', dense(1, 'sigmoid'), 2],
    ['softmax', dense(3, 'softmax'), 3],
  ] as const)('%s: trains as fit does (full-batch descent), bit for bit, through a shuffle window too', async (_name, head, k) => {
    const rows = 120;
    const data = uniform(1, rows * 4);
    const y = Float32Array.from({ length: rows }, (_, i) => i % k);
    const streamed = await Sequential.create({ inputs: 4, layers: [dense(100, 'relu'), head], seed: 1, threads: 1 });
    const windowed = await streamed.fitDataset([{ x: { data, rows, cols: 4 }, y }], { epochs: 1, batchSize: 200, shuffleBuffer: 120 });
    expect(windowed.loss).toHaveLength(1);
    const a = await Sequential.create({ inputs: 4, layers: [dense(100, 'relu'), head], seed: 1, threads: 1 });
    const b = await Sequential.create({ inputs: 4, layers: [dense(100, 'relu'), head], seed: 1, threads: 1 });
    const inMemory = await a.fit({ data, rows, cols: 4 }, y, { epochs: 2, batchSize: 200, shuffle: false });
    const chunks = [0, 1].map((c) => ({ x: { data: data.subarray(c * 240, (c + 1) * 240), rows: 60, cols: 4 }, y: y.subarray(c * 60, (c + 1) * 60) }));
    expect(await b.fitDataset(chunks, { epochs: 2, batchSize: 200 })).toEqual(inMemory);
    expect(b.getWeights()).toEqual(a.getWeights());
    for (const m of [streamed, a, b]) m.dispose();
  });
});
