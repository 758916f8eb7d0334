// earlyStopping.monitor 'loss' (issue 14): stopping on the training loss as Keras's EarlyStopping
// does (mode 'min'), for SGD and L-BFGS alike, on both backends — checked against Keras's rule rewritten here and applied
// to the losses of a fit without early stopping, and against fits of exactly the epochs it keeps.
import { describe, expect, it } from 'vitest';
import { GradwasmError, Sequential, dense, type FitOptions, type History, type LayerWeights } from '../src/index.js';
import { labels, uniform } from './support/random.js';

const bits = (layers: readonly LayerWeights[]): number[][] =>
  layers.flatMap((l) => [[...new Uint32Array(l.weights.slice().buffer)], [...new Uint32Array(l.bias.slice().buffer)]]);

/**
 * Keras 3's EarlyStopping.on_epoch_end for mode 'min' over a run's losses: wait += 1; an
 * improvement (loss − (−minDelta) < best: Keras negates min_delta for 'min') sets best and best
 * epoch (the first epoch is best until one improves) and wait = 0; stop once wait ≥ patience
 * after the first epoch. The last epoch run, and the best.
 */
function keras(losses: readonly number[], patience: number, minDelta: number): { last: number; bestEpoch: number } {
  let best = Infinity,
    bestEpoch = 0,
    wait = 0;
  for (let epoch = 0; epoch < losses.length; epoch++) {
    wait += 1;
    if (losses[epoch]! - -minDelta < best) {
      best = losses[epoch]!;
      bestEpoch = epoch;
      wait = 0;
    }
    if (wait >= patience && epoch > 0) return { last: epoch, bestEpoch };
  }
  return { last: losses.length - 1, bestEpoch };
}

const inputs = 3,
  rows = 13;
const x = { data: uniform(91, rows * inputs, -1, 1), rows, cols: inputs };
const y = labels(92, rows);
// A learning rate growing 20 % an epoch: the training loss falls, wobbles, then rises for good.
const rising: FitOptions = { epochs: 30, learningRate: 0.5, batchSize: 4, learningRateSchedule: { type: 'exponential', decayRate: 1.2 } };

describe.each(['wasm', 'js'] as const)("earlyStopping.monitor 'loss' on the %s backend", (backend) => {
  const create = () => Sequential.create({ inputs, layers: [dense(5, 'tanh'), dense(1, 'sigmoid')], seed: 4, backend });
  /** The weights after a plain fit (no early stopping) of `epochs` epochs. */
  const weightsAfter = async (epochs: number, options: FitOptions = rising): Promise<number[][]> => {
    const model = await create();
    await model.fit(x, y, { ...options, epochs });
    return bits(model.getWeights());
  };
  const plain = async (options: FitOptions = rising): Promise<History> => (await create()).fit(x, y, options);

  it.each([
    [3, 0],
    [5, 0],
    [2, 0.05],
  ])('patience %d, minDelta %d: stops where Keras stops, with its best epoch, and restores that epoch bit for bit', async (patience, minDelta) => {
    const full = await plain();
    const expected = keras(full.loss, patience, minDelta);
    expect(expected.last).toBeLessThan(29); // the case stops early…
    expect(expected.bestEpoch).toBeGreaterThan(0); // …after the loss has improved
    const model = await create();
    const history = await model.fit(x, y, { ...rising, earlyStopping: { monitor: 'loss', patience, minDelta, restoreBestWeights: true } });
    expect(history.loss).toEqual(full.loss.slice(0, expected.last + 1));
    expect(history.bestEpoch).toBe(expected.bestEpoch);
    expect(history.valLoss).toBeUndefined(); // no validation data was needed
    expect(bits(model.getWeights())).toEqual(await weightsAfter(expected.bestEpoch + 1));
  });

  it("without restoreBestWeights keeps the last epoch's weights", async () => {
    const model = await create();
    const history = await model.fit(x, y, { ...rising, earlyStopping: { monitor: 'loss', patience: 3 } });
    expect(history.loss.length).toBeLessThan(30);
    expect(bits(model.getWeights())).toEqual(await weightsAfter(history.loss.length));
  });

  it('restores the best epoch also when the epochs run out first, as Keras 3 does (and as valLoss does)', async () => {
    const full = await plain();
    const model = await create();
    const history = await model.fit(x, y, { ...rising, epochs: 12, earlyStopping: { monitor: 'loss', patience: 100, restoreBestWeights: true } });
    expect(history.loss).toHaveLength(12);
    expect(history.bestEpoch).toBe(keras(full.loss.slice(0, 12), 100, 0).bestEpoch);
    expect(history.bestEpoch).toBeLessThan(11);
    expect(bits(model.getWeights())).toEqual(await weightsAfter(history.bestEpoch! + 1));
  });

  it('watches the training loss, not the validation loss, when there is validation data too', async () => {
    // Validation labels flipped: the validation loss rises while the training loss falls.
    const options: FitOptions = { epochs: 25, learningRate: 0.5, validationData: [x, y.map((v) => 1 - v)] };
    const full = await plain(options);
    const onLoss = await (await create()).fit(x, y, { ...options, earlyStopping: { monitor: 'loss', patience: 2 } });
    const onValLoss = await (await create()).fit(x, y, { ...options, earlyStopping: { monitor: 'valLoss', patience: 2 } });
    const byDefault = await (await create()).fit(x, y, { ...options, earlyStopping: { patience: 2 } });
    const loss = keras(full.loss, 2, 0),
      valLoss = keras(full.valLoss!, 2, 0);
    expect(loss.last).not.toBe(valLoss.last);
    expect([onLoss.loss.length, onLoss.bestEpoch]).toEqual([loss.last + 1, loss.bestEpoch]);
    expect([onValLoss.loss.length, onValLoss.bestEpoch]).toEqual([valLoss.last + 1, valLoss.bestEpoch]);
    expect(byDefault).toEqual(onValLoss);
  });

  it('stops L-BFGS once its iterations lower the training loss by less than minDelta, and restores as for the other optimizers', async () => {
    // Separable rows: L-BFGS drives the loss towards 0, each iteration gaining less (until max|g| ≤ tolerance ends the run).
    const lbfgs: FitOptions = { epochs: 100, optimizer: 'lbfgs' };
    const full = await plain(lbfgs);
    const expected = keras(full.loss, 2, 1e-3);
    expect(expected.last).toBeLessThan(full.loss.length - 1);
    const model = await create();
    const history = await model.fit(x, y, { ...lbfgs, earlyStopping: { monitor: 'loss', patience: 2, minDelta: 1e-3, restoreBestWeights: true } });
    expect(history.loss).toEqual(full.loss.slice(0, expected.last + 1));
    expect(history.bestEpoch).toBe(expected.bestEpoch);
    expect(bits(model.getWeights())).toEqual(await weightsAfter(expected.bestEpoch + 1, lbfgs));
  });

  it('fitDataset stops and restores as fit does', async () => {
    const options: FitOptions = { ...rising, shuffle: false, earlyStopping: { monitor: 'loss', patience: 3, restoreBestWeights: true } };
    const inMemory = await create(),
      streamed = await create();
    const expected = await inMemory.fit(x, y, options);
    const chunks = [
      { x: { data: x.data.subarray(0, 15), rows: 5, cols: inputs }, y: y.subarray(0, 5) },
      { x: { data: x.data.subarray(15), rows: 8, cols: inputs }, y: y.subarray(5) },
    ];
    const history = await streamed.fitDataset(chunks, options);
    expect(expected.loss.length).toBeLessThan(30);
    expect(history).toEqual(expected);
    expect(bits(streamed.getWeights())).toEqual(bits(inMemory.getWeights()));
  });

  describe('checkpoints', () => {
    const options: FitOptions = { ...rising, earlyStopping: { monitor: 'loss', patience: 3, restoreBestWeights: true } };
    /** A run stopped after `epochs` epochs, saved with its training state. */
    const checkpointAt = async (epochs: number): Promise<{ text: string; before: History }> => {
      let text = '';
      const before = await (
        await create()
      ).fit(x, y, { ...options, epochs, checkpoint: { every: epochs, save: (json) => void (text = JSON.stringify(json)) } });
      return { text, before };
    };

    it('save the monitor with the progress, and a resumed run goes on watching the training loss: the same history and bits', async () => {
      const uninterrupted = await create();
      const expected = await uninterrupted.fit(x, y, options);
      const { text, before } = await checkpointAt(4);
      expect(JSON.parse(text).training.earlyStopping).toMatchObject({ monitor: 'loss', best: Math.min(...before.loss) });
      const resumed = await Sequential.fromJSON(text, { backend });
      const after = await resumed.fit(x, y, { ...options, initialEpoch: 4 });
      expect([...before.loss, ...after.loss]).toEqual(expected.loss);
      expect(after.bestEpoch).toBe(expected.bestEpoch);
      expect(bits(resumed.getWeights())).toEqual(bits(uninterrupted.getWeights()));
    });

    it('refuse to continue a run on the other loss, before training', async () => {
      const { text } = await checkpointAt(4);
      const resumed = await Sequential.fromJSON(text, { backend });
      const weights = bits(resumed.getWeights());
      const other = { ...options, initialEpoch: 4, validationData: [x, y] as const, earlyStopping: { monitor: 'valLoss', patience: 3 } as const };
      const fitting = resumed.fit(x, y, other);
      await expect(fitting).rejects.toThrow(GradwasmError);
      await expect(fitting).rejects.toMatchObject({
        argument: 'options.earlyStopping.monitor',
        message:
          "options.earlyStopping.monitor is 'valLoss', but the run continued at epoch 4 monitored 'loss' (its best value and wait are of that loss); continue it with monitor 'loss'",
      });
      await expect(resumed.fitDataset([{ x, y }], other)).rejects.toMatchObject({ argument: 'options.earlyStopping.monitor' });
      expect(bits(resumed.getWeights())).toEqual(weights);
      // The same model continuing in process is held to the same rule; a new run (initialEpoch 0) is free to watch either.
      await expect(resumed.fit(x, y, { ...other, epochs: 30 })).rejects.toMatchObject({ argument: 'options.earlyStopping.monitor' });
      await resumed.fit(x, y, { ...other, initialEpoch: 0, epochs: 2 });
    });

    it('saved before the monitor existed watched the validation loss; a bad monitor is named', async () => {
      const { text } = await checkpointAt(4);
      const old = JSON.parse(text);
      delete old.training.earlyStopping.monitor;
      const resumed = await Sequential.fromJSON(old, { backend });
      await expect(resumed.fit(x, y, { ...options, initialEpoch: 4 })).rejects.toMatchObject({
        argument: 'options.earlyStopping.monitor',
        message: expect.stringMatching(/monitored 'valLoss'/),
      });
      old.training.earlyStopping.monitor = 'val_loss';
      await expect(Sequential.fromJSON(old, { backend })).rejects.toMatchObject({
        argument: 'json.training.earlyStopping.monitor',
        message: "json.training.earlyStopping.monitor must be 'loss' or 'valLoss', got \"val_loss\"",
      });
    });
  });
});
