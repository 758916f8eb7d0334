// Checkpoints and exact resume (docs/architecture.md §8): fit 10 epochs ≡ fit 5, save with the training
// state, load from the JSON text, fit epochs 5…9 — the same bits and the same history, for every
// optimizer and schedule, shuffled, on both backends; fitDataset's checkpoints likewise.
import { describe, expect, it } from 'vitest';
import { GradwasmError, Sequential, dense, type DataChunk, type FitOptions, type History, type LayerWeights, type ModelJSON } from '../src/index.js';
import { labels, uniform } from './support/random.js';

const bits = (layers: readonly LayerWeights[]): number[][] =>
  layers.flatMap((l) => [[...new Uint32Array(l.weights.slice().buffer)], [...new Uint32Array(l.bias.slice().buffer)]]);

/** The histories of two fits, end to end (the second's bestEpoch stands for both). */
function joined(a: History, b: History): History {
  const out = {} as Record<string, unknown>;
  for (const key of Object.keys(b) as (keyof History)[]) {
    out[key] = key === 'bestEpoch' ? b.bestEpoch : [...(a[key] as number[]), ...(b[key] as number[])];
  }
  return out as unknown as History;
}

const cols = 6,
  rows = 120;
const x = { data: uniform(1, rows * cols, -2, 2), rows, cols };
const y = labels(2, rows);
const xv = { data: uniform(3, 30 * cols), rows: 30, cols };
const yv = labels(4, 30);

describe.each(['wasm', 'js'] as const)('resume ≡ uninterrupted (%s)', (backend) => {
  const spec = { inputs: cols, layers: [dense(10, 'relu'), dense(5, 'tanh'), dense(1, 'sigmoid')], seed: 11, backend };

  it.each<[string, FitOptions]>([
    ['sgd, shuffled mini-batches', { batchSize: 16, learningRate: 0.2 }],
    [
      'momentum (Nesterov), a step schedule, weight decay',
      {
        batchSize: 10,
        learningRate: 0.1,
        optimizer: { type: 'momentum', momentum: 0.9, nesterov: true },
        learningRateSchedule: { type: 'step', every: 3, factor: 0.5 },
        weightDecay: 1e-3,
      },
    ],
    ['adam, an exponential schedule', { batchSize: 32, learningRate: 0.01, optimizer: 'adam', learningRateSchedule: { type: 'exponential', decayRate: 0.8 } }],
    [
      'adam, full batch, early stopping that keeps the best weights',
      { learningRate: 0.05, optimizer: 'adam', earlyStopping: { patience: 20, restoreBestWeights: true } },
    ],
    ['sgd, a validation split', { batchSize: 8, learningRate: 0.1, validationSplit: 0.2 }],
  ])('%s', async (_name, options) => {
    const all = { ...options, ...(options.validationSplit ? {} : { validationData: [xv, yv] as const }) };
    const uninterrupted = await Sequential.create(spec);
    const expected = await uninterrupted.fit(x, y, { ...all, epochs: 10 });

    // (with restoreBestWeights the model holds the best epoch's weights once fit returns, as in
    // Keras: the run's state at epoch 5 is what a checkpoint saved then)
    const first = await Sequential.create(spec);
    let text = '';
    const before = await first.fit(x, y, { ...all, epochs: 5, checkpoint: { every: 5, save: (json) => void (text = JSON.stringify(json)) } });
    if (!options.earlyStopping) expect(JSON.stringify(first.toJSON({ training: true }))).toBe(text);
    first.dispose();
    const resumed = await Sequential.fromJSON(text, { backend });
    const after = await resumed.fit(x, y, { ...all, epochs: 10, initialEpoch: 5 });
    expect(after.loss).toHaveLength(5);
    expect(joined(before, after)).toEqual(expected);
    expect(bits(resumed.getWeights())).toEqual(bits(uninterrupted.getWeights()));
  });

  it('a checkpoint of one backend resumes on the other within float32 rounding, and the same model continues in process exactly', async () => {
    const options = { batchSize: 16, learningRate: 0.01, optimizer: 'adam' as const };
    const model = await Sequential.create(spec);
    await model.fit(x, y, { ...options, epochs: 3 });
    const saved = model.toJSON({ training: true });
    await model.fit(x, y, { ...options, epochs: 6, initialEpoch: 3 });
    const again = await Sequential.fromJSON(saved, { backend });
    await again.fit(x, y, { ...options, epochs: 6, initialEpoch: 3 });
    expect(bits(again.getWeights())).toEqual(bits(model.getWeights()));
    const other = await Sequential.fromJSON(saved, { backend: backend === 'wasm' ? 'js' : 'wasm' });
    await other.fit(x, y, { ...options, epochs: 6, initialEpoch: 3 });
    other.getWeights().forEach((l, i) => l.weights.forEach((v, j) => expect(Math.abs(v - model.getWeights()[i]!.weights[j]!)).toBeLessThan(1e-4)));
  });

  it('fitDataset with a shuffle window: checkpoints every 2 epochs, resuming from one ≡ never stopping', async () => {
    const chunks: DataChunk[] = [];
    for (let s = 0; s < rows; s += 17) chunks.push({ x: x.data.slice(s * cols, Math.min(rows, s + 17) * cols), y: y.slice(s, s + 17) });
    const options = { epochs: 8, batchSize: 12, learningRate: 0.05, optimizer: { type: 'momentum', momentum: 0.8 } as const, shuffleBuffer: 40 };
    const saves: ModelJSON[] = [];
    const model = await Sequential.create(spec);
    const expected = await model.fitDataset(chunks, {
      ...options,
      checkpoint: { every: 2, save: async (json) => void saves.push(JSON.parse(JSON.stringify(json))) },
    });
    expect(saves.map((s) => s.training!.epoch)).toEqual([2, 4, 6, 8]);
    expect(model.epochsDone).toBe(8);
    const resumed = await Sequential.fromJSON(saves[1]!, { backend });
    expect(resumed.epochsDone).toBe(4);
    const after = await resumed.fitDataset(chunks, { ...options, initialEpoch: resumed.epochsDone });
    expect(resumed.epochsDone).toBe(8);
    expect(after.loss).toEqual(expected.loss.slice(4));
    expect(bits(resumed.getWeights())).toEqual(bits(model.getWeights()));
  });
});

describe('the training state in model files', () => {
  it('plain toJSON() stays as it was; toJSON({ training: true }) adds the state, which fromJSON checks', async () => {
    const model = await Sequential.create({ inputs: 3, layers: [dense(2, 'relu'), dense(1, 'sigmoid')], seed: 1 });
    await model.fit(
      [
        [1, 2, 3],
        [3, 2, 1],
      ],
      [0, 1],
      { epochs: 2, optimizer: 'adam' },
    );
    expect(model.toJSON()).not.toHaveProperty('training');
    expect(JSON.parse(JSON.stringify(model))).not.toHaveProperty('training');
    const json = model.toJSON({ training: true });
    expect(json.training).toMatchObject({ epoch: 2, optimizer: { type: 'adam' }, moments: [expect.any(Array), expect.any(Array)] });
    const broken = (edit: (t: Record<string, unknown>) => void) => {
      const copy = JSON.parse(JSON.stringify(json));
      edit(copy.training);
      return Sequential.fromJSON(copy).then(
        () => null,
        (e: unknown) => e,
      );
    };
    for (const [edit, message] of [
      [(t) => (t.rng = [1, 2, 3]), /^json\.training\.rng must be four u32 words/],
      [(t) => (t.moments = []), /^json\.training\.moments must hold 2 blocks for the adam optimizer/],
      [(t) => ((t.moments as { weights: number[] }[][])[0]![0]!.weights = [1]), /^json\.training\.moments\[0\]\[0\]\.weights has 1 values, expected 6/],
      [(t) => (t.epoch = -1), /^json\.training\.epoch must be an integer ≥ 0/],
      [(t) => (t.recentLoss = 'x'), /^json\.training\.recentLoss must be a finite number or null/],
      [(t) => (t.optimizer = 'rmsprop'), /^json\.training\.optimizer must be/],
    ] as [(t: Record<string, unknown>) => void, RegExp][]) {
      const error = await broken(edit);
      expect(error).toBeInstanceOf(GradwasmError);
      expect((error as Error).message).toMatch(message);
    }
    await expect(Sequential.fromJSON(json, { seed: 3 })).rejects.toThrow(/options\.seed cannot be given for a model saved with its training state/);
    await expect(model.fit([[1, 2, 3]], [1], { epochs: 2, initialEpoch: 3 })).rejects.toThrow(/options\.initialEpoch must be an integer in \[0, 2\], got 3/);
    await expect(model.fit([[1, 2, 3]], [1], { checkpoint: { every: 0, save: () => {} } })).rejects.toThrow(
      /options\.checkpoint\.every must be an integer ≥ 1, got 0/,
    );
  });
});
