// fitDataset: rows that arrive in chunks train exactly as the same rows held in memory — bit for
// bit, however the chunks are cut and whatever form each chunk takes — and every failure of a
// source is a GradwasmError that names it, with the model left as its last finished epoch.
import { describe, expect, it } from 'vitest';
import { GradwasmError, Sequential, dense, type DataChunk, type Features, type FitDatasetOptions, type FitOptions, type LayerWeights } from '../src/index.js';
import { planModel } from '../src/backend/plan.js';
import { labels, uniform } from './support/random.js';

const bits = (layers: readonly LayerWeights[]): number[][] =>
  layers.flatMap((l) => [[...new Uint32Array(l.weights.slice().buffer)], [...new Uint32Array(l.bias.slice().buffer)]]);

/** Packed rows spread `gap` floats apart, the gaps holding NaN (which no one may read). */
function withGaps(d: Float32Array, rows: number, cols: number, gap: number): Float32Array {
  const out = new Float32Array(rows * (cols + gap)).fill(NaN);
  for (let r = 0; r < rows; r++) out.set(d.subarray(r * cols, (r + 1) * cols), r * (cols + gap));
  return out;
}

/** The rows of a flat table cut into chunks of `size` rows, each in one of fit's input forms, in turn. */
function cut(data: Float32Array, y: Float32Array, cols: number, size: number): DataChunk[] {
  const out: DataChunk[] = [];
  const forms: ((d: Float32Array, rows: number) => Features)[] = [
    (d) => d.slice(),
    (d, rows) => Array.from({ length: rows }, (_, r) => Array.from(d.subarray(r * cols, (r + 1) * cols))),
    (d, rows) => ({ data: Array.from(d), rows, cols }),
    (d) => Float64Array.from(d),
    (d, rows) => ({ data: withGaps(d, rows, cols, 3), rows, cols, stride: cols + 3 }),
  ];
  for (let start = 0, k = 0; start < y.length; start += size, k++) {
    const rows = Math.min(size, y.length - start);
    const d = data.subarray(start * cols, (start + rows) * cols);
    out.push({ x: forms[k % forms.length]!(d, rows), y: k % 2 ? Array.from(y.subarray(start, start + rows)) : y.slice(start, start + rows) });
  }
  return out;
}

describe.each(['wasm', 'js'] as const)('fitDataset ≡ fit (%s)', (backend) => {
  const cols = 5,
    rows = 203;
  const data = uniform(1, rows * cols, -2, 2);
  const y = labels(2, rows);
  const spec = { inputs: cols, layers: [dense(9, 'tanh'), dense(4, 'relu'), dense(1, 'sigmoid')], seed: 3, backend };
  const xv = { data: uniform(5, 40 * cols), rows: 40, cols };
  const yv = labels(6, 40);

  it.each<[string, FitOptions]>([
    ['mini-batches of 16, SGD', { epochs: 4, batchSize: 16, learningRate: 0.2 }],
    [
      'batches of 50 with Adam, weight decay and a schedule',
      { epochs: 4, batchSize: 50, optimizer: 'adam', learningRate: 0.01, weightDecay: 1e-3, learningRateSchedule: { type: 'step', every: 2, factor: 0.5 } },
    ],
    ['one row per step, momentum', { epochs: 2, batchSize: 1, optimizer: { type: 'momentum', momentum: 0.9 }, learningRate: 0.05 }],
    ['full batch', { epochs: 5, learningRate: 0.5 }],
    ['a batch larger than the data', { epochs: 3, batchSize: 1000, learningRate: 0.5 }],
  ])('%s: the same bits and history for chunks of 1, 7, 100 and all rows', async (_name, options) => {
    const reference = await Sequential.create(spec);
    const expected = await reference.fit({ data, rows, cols }, y, { ...options, shuffle: false, validationData: [xv, yv] });
    for (const size of [1, 7, 100, rows]) {
      const model = await Sequential.create(spec);
      const history = await model.fitDataset(cut(data, y, cols, size), { ...options, validationData: [xv, yv] } as FitDatasetOptions);
      expect(history, `chunks of ${size}`).toEqual(expected);
      expect(bits(model.getWeights()), `chunks of ${size}`).toEqual(bits(reference.getWeights()));
    }
  });

  it('batches larger than the workspace (units of its capacity, carried across chunks) and a streamed validation set', async () => {
    const wide = { inputs: 2, layers: [dense(2048, 'tanh'), dense(1, 'sigmoid')], seed: 4, backend };
    const capacity = planModel(wide).chunkRows;
    const n = 3 * capacity + 41;
    const d = uniform(7, n * 2),
      t = labels(8, n);
    for (const batchSize of [capacity + 13, undefined]) {
      const reference = await Sequential.create(wide);
      const expected = await reference.fit({ data: d, rows: n, cols: 2 }, t, {
        epochs: 2,
        batchSize,
        learningRate: 0.3,
        shuffle: false,
        validationData: [{ data: d, rows: n, cols: 2 }, t],
      });
      for (const size of [97, capacity - 1]) {
        const model = await Sequential.create(wide);
        const history = await model.fitDataset(cut(d, t, 2, size), { epochs: 2, batchSize, learningRate: 0.3, validationData: cut(d, t, 2, 300) });
        expect(history).toEqual(expected);
        expect(bits(model.getWeights())).toEqual(bits(reference.getWeights()));
      }
    }
  }, 30_000);

  it('a generator function is called anew each epoch; a validation split takes the last rows of a source that knows its count', async () => {
    const reference = await Sequential.create(spec);
    const expected = await reference.fit({ data, rows, cols }, y, { epochs: 3, batchSize: 32, learningRate: 0.1, shuffle: false, validationSplit: 0.25 });
    const chunks = cut(data, y, cols, 13);
    const source = Object.assign(
      async function* () {
        for (const c of chunks) yield c;
      },
      { rows },
    );
    const model = await Sequential.create(spec);
    expect(await model.fitDataset(source, { epochs: 3, batchSize: 32, learningRate: 0.1, validationSplit: 0.25 })).toEqual(expected);
    expect(bits(model.getWeights())).toEqual(bits(reference.getWeights()));
    const counted = { [Symbol.iterator]: () => chunks[Symbol.iterator](), count: () => rows };
    const again = await Sequential.create(spec);
    expect(await again.fitDataset(counted, { epochs: 3, batchSize: 32, learningRate: 0.1, validationSplit: 0.25 })).toEqual(expected);
  });

  it('a shuffle window is seeded: the same seed, the same run, however the chunks are cut; another seed, another run', async () => {
    const run = async (seed: number, size: number) => {
      const model = await Sequential.create({ ...spec, seed });
      const history = await model.fitDataset(cut(data, y, cols, size), { epochs: 3, batchSize: 16, learningRate: 0.1, shuffleBuffer: 50 });
      return { history, weights: bits(model.getWeights()) };
    };
    const a = await run(1, 7),
      b = await run(1, 60),
      c = await run(2, 7);
    expect(b).toEqual(a);
    expect(c.weights).not.toEqual(a.weights);
    // …and it does shuffle: without it the run differs
    const plain = await Sequential.create({ ...spec, seed: 1 });
    await plain.fitDataset(cut(data, y, cols, 7), { epochs: 3, batchSize: 16, learningRate: 0.1 });
    expect(bits(plain.getWeights())).not.toEqual(a.weights);
    const off = await Sequential.create({ ...spec, seed: 1 });
    await off.fitDataset(cut(data, y, cols, 7), { epochs: 3, batchSize: 16, learningRate: 0.1, shuffleBuffer: 50, shuffle: false });
    expect(bits(off.getWeights())).toEqual(bits(plain.getWeights()));
  });

  it('a one-shot iterator: GradwasmError in the second epoch saying what to pass instead', async () => {
    const model = await Sequential.create(spec);
    const generator = (async function* () {
      for (const c of cut(data, y, cols, 50)) yield c;
    })();
    const error = await model.fitDataset(generator, { epochs: 3, batchSize: 16 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GradwasmError);
    expect((error as Error).message).toMatch(
      /^source gave no rows in pass 2 after 203 rows in its first: an iterator or generator object runs only once; pass a function/,
    );
    const empty = await model.fitDataset([], { epochs: 1 }).catch((e: unknown) => e);
    expect((empty as Error).message).toBe('source gave no rows');
  });

  it.each<[string, (chunks: DataChunk[]) => void, RegExp]>([
    ['a chunk of the wrong width', (c) => (c[5] = { x: [[1, 2, 3]], y: [1] }), /^source\[5\]\.x\[0\] has 3 values, but the model has 5 inputs$/],
    ['NaN in a chunk', (c) => ((c[7]!.x as Float32Array)[4 * cols + 2] = NaN), /^source\[7\]\.x row 4, column 2 is NaN/],
    ['a label that is not 0/1', (c) => ((c[9]!.y as number[])[3] = 2), /^source\[9\]\.y\[3\] is 2; labels must be 0 or 1$/],
    ['a chunk that is not { x, y }', (c) => (c[2] = [1, 2] as never), /^source\[2\] must be a chunk \{ x, y \}/],
  ])('%s: GradwasmError naming the chunk and row; the weights of the last finished epoch stay', async (_name, spoil, message) => {
    const model = await Sequential.create(spec);
    const good = cut(data, y, cols, 10);
    await model.fitDataset(good, { epochs: 2, batchSize: 8, learningRate: 0.1 });
    const kept = model.getWeights();
    const bad = cut(data, y, cols, 10);
    for (const c of bad) if (!Array.isArray(c.y)) c.y = Array.from(c.y as ArrayLike<number>);
    bad[7]!.x = data.slice(70 * cols, 80 * cols); // chunk 7 as a flat Float32Array
    spoil(bad);
    const error = await model.fitDataset(bad, { epochs: 2, batchSize: 8, learningRate: 0.1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GradwasmError);
    expect((error as Error).message).toMatch(message);
    expect(model.getWeights()).toEqual(kept);
  });

  it('checks its source and options', async () => {
    const model = await Sequential.create(spec);
    for (const [source, options, message] of [
      [42, {}, /^source must be an iterable or async iterable of \{ x, y \} chunks/],
      [[], { shuffleBuffer: 0 }, /^options\.shuffleBuffer must be an integer in \[1, 16777216\], got 0$/],
      [[], { validationSplit: 0.2 }, /^options\.validationSplit needs the row count, which this source does not give/],
      [[], { batchsize: 3 }, /unknown option "batchsize"/],
      [() => 5, {}, /^source\(\) must return an iterable/],
    ] as const) {
      const error = await model.fitDataset(source as never, options as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GradwasmError);
      expect((error as Error).message).toMatch(message);
    }
  });

  it('a signal stops it within the epoch, and the model is as before it', async () => {
    const model = await Sequential.create(spec);
    const before = model.getWeights();
    const controller = new AbortController();
    const source = async function* () {
      for (const c of cut(data, y, cols, 20)) {
        await new Promise((resolve) => setTimeout(resolve, 30));
        yield c;
      }
    };
    setTimeout(() => controller.abort(), 100);
    const history = await model.fitDataset(source, { epochs: 2, batchSize: 4, signal: controller.signal });
    expect(history.loss).toHaveLength(0);
    expect(model.getWeights()).toEqual(before);
  });
});
