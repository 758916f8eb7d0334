// A diverging fit stops at the batch where the loss (or a weight) stops being finite, throws
// GradwasmError naming the epoch and batch, and leaves the weights of the last finite epoch.
import { describe, expect, it } from 'vitest';
import { GradwasmError, Sequential, dense, type OptimizerOptions } from '../src/index.js';
import { labels, uniform } from './support/random.js';

describe.each(['wasm', 'js'] as const)('divergence (%s)', (backend) => {
  const rows = 64,
    inputs = 5;
  const x = { data: uniform(1, rows * inputs, -3, 3), rows, cols: inputs };
  const y = labels(2, rows);
  // Linear hidden layers cannot saturate or die, so a huge step really overflows (a relu net
  // may instead switch every unit off and sit at a finite loss).
  const create = () => Sequential.create({ inputs, layers: [dense(16, 'linear'), dense(8, 'linear'), dense(1, 'sigmoid')], seed: 3, backend });

  it.each<[string, OptimizerOptions, number]>([
    ['sgd', 'sgd', 1e6],
    ['momentum', { type: 'momentum', momentum: 0.9 }, 1e6],
    ['adam', 'adam', 1e37],
  ])('with a huge learning rate (%s): GradwasmError naming epoch and batch, weights of the last finite epoch kept', async (_name, optimizer, hugeRate) => {
    const model = await create();
    // two sane epochs first: those weights must survive
    await model.fit(x, y, { epochs: 2, batchSize: 8, learningRate: 0.01, optimizer });
    const sane = model.getWeights();
    const logs: number[] = [];
    const error = await model
      .fit(x, y, { epochs: 50, batchSize: 8, learningRate: hugeRate, optimizer, onEpochEnd: (l) => void logs.push(l.loss) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GradwasmError);
    const message = (error as GradwasmError).message;
    expect(message).toMatch(/^training diverged in epoch (\d+), batch (\d+) \(of 8\)/);
    const [, epoch, batch] = /epoch (\d+), batch (\d+)/.exec(message)!.map(Number);
    expect(batch).toBeGreaterThanOrEqual(0);
    expect(batch).toBeLessThan(8);
    expect(logs).toHaveLength(epoch!); // every epoch before it completed and was reported
    expect(logs.every(Number.isFinite)).toBe(true);
    const kept = model.getWeights();
    for (const layer of kept) for (const v of [...layer.weights, ...layer.bias]) expect(Number.isFinite(v)).toBe(true);
    if (epoch === 0) expect(kept).toEqual(sane);
    // the model still works, and trains again with a sane rate
    expect(model.predictProba(x).every((p) => p >= 0 && p <= 1)).toBe(true);
    const h = await model.fit(x, y, { epochs: 3, batchSize: 8, learningRate: 0.001, optimizer });
    expect(h.loss.every(Number.isFinite)).toBe(true);
  });

  it('keeps exactly the weights of the epoch before the one that diverged', async () => {
    // full batch, growing learning rate: finite for a while, then not
    const model = await create();
    const seen: Float32Array[][] = [];
    const error = await model
      .fit(x, y, {
        epochs: 30,
        learningRate: 0.01,
        learningRateSchedule: { type: 'exponential', decayRate: 10 },
        onEpochEnd: () => void seen.push(model.getWeights().map((l) => l.weights)),
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GradwasmError);
    expect((error as Error).message).toMatch(/^training diverged/);
    const epoch = Number(/epoch (\d+)/.exec((error as Error).message)![1]);
    expect(epoch).toBeGreaterThan(0);
    expect(model.getWeights().map((l) => l.weights)).toEqual(seen[epoch - 1]);
  });
});

describe.each(['wasm', 'js'] as const)('float32 overflow inside the network (%s)', (backend) => {
  it('finite features whose products overflow give a GradwasmError naming the row, not a NaN', async () => {
    // one linear unit pair that overflows to +∞ on both backends, then ∞ − ∞ in the output
    const model = await Sequential.create({ inputs: 1, layers: [dense(2, 'linear'), dense(1, 'sigmoid')], seed: 0, backend });
    model.setWeights([
      { weights: Float32Array.of(2, 2), bias: Float32Array.of(0, 0) },
      { weights: Float32Array.of(1, -1), bias: Float32Array.of(0) },
    ]);
    const x = [[1], [3e38]];
    for (const call of [() => model.predictProba(x), () => model.predict(x), () => model.evaluate(x, [0, 1]), () => model.gradients(x, [0, 1])]) {
      expect(call).toThrow(GradwasmError);
    }
    expect(() => model.predictProba(x)).toThrow(/^x row 1 drives the network to NaN/);
    expect(model.predictProba([[1]])[0]).toBe(0.5);
    // a merely huge logit is a saturated, finite prediction
    const neuron = await Sequential.create({ inputs: 1, layers: [dense(1, 'sigmoid')], seed: 0, backend });
    neuron.setWeights([{ weights: Float32Array.of(2), bias: Float32Array.of(0) }]);
    expect(Array.from(neuron.predictProba([[3e38], [-3e38]]))).toEqual([1, 0]);
  });
});
