// fit()'s validation split, early stopping, schedules and per-epoch metrics, on both backends.
import { describe, expect, it } from 'vitest';
import { DataError, GradwasmError, Sequential, dense, rocAuc, type LayerWeights, type ScalerJSON } from '../src/index.js';
import { EarlyStopper } from '../src/train/early-stopping.js';
import { labels, uniform } from './support/random.js';

const f = Math.fround;

describe.each(['wasm', 'js'] as const)('fit around the epochs on the %s backend', (backend) => {
  const inputs = 3,
    rows = 13;
  const x = { data: uniform(91, rows * inputs, -1, 1), rows, cols: inputs };
  const y = labels(92, rows);
  const rowsOf = (from: number, to: number) => ({ data: x.data.slice(from * inputs, to * inputs), rows: to - from, cols: inputs });
  const create = (seed = 4) => Sequential.create({ inputs, layers: [dense(5, 'tanh'), dense(1, 'sigmoid')], seed, backend });

  describe('validationSplit', () => {
    it('holds out the last rows, before any shuffling, as Keras does: ⌊13·(1 − 0.25)⌋ = 9 rows train', async () => {
      const split = await create(),
        explicit = await create();
      const fit = { epochs: 6, learningRate: 0.2, batchSize: 2, shuffle: true } as const;
      const a = await split.fit(x, y, { ...fit, validationSplit: 0.25 });
      const b = await explicit.fit(rowsOf(0, 9), y.slice(0, 9), { ...fit, validationData: [rowsOf(9, 13), y.slice(9)] });
      expect(a).toEqual(b);
      expect(a.valLoss).toHaveLength(6);
      expect(split.getWeights()).toEqual(explicit.getWeights());
    });

    it('reports a bad value at its row in x, on either side of the split', async () => {
      for (const row of [2, 11]) {
        const data = x.data.slice();
        data[row * inputs + 1] = NaN;
        const model = await create();
        await expect(model.fit({ data, rows, cols: inputs }, y, { validationSplit: 0.25 })).rejects.toThrow(
          new DataError('x', `x row ${row}, column 1 is NaN; every feature must be a finite number`, { source: 'x', row, column: 1 }),
        );
      }
    });

    it('reports a value the scaler overflows at its row in x, on either side of the split', async () => {
      const scaler: ScalerJSON = { format: 'gradwasm-scaler', version: 1, mean: [0, 0, 0], scale: [1, 1e-30, 1] };
      for (const row of [3, 10]) {
        const data = x.data.map((v) => v * 1e-3);
        data[row * inputs + 1] = 1e20; // 1e50 once scaled
        const model = await Sequential.create({ inputs, layers: [dense(5, 'tanh'), dense(1, 'sigmoid')], seed: 4, backend, scaler });
        const fitting = model.fit({ data, rows, cols: inputs }, y, { validationSplit: 0.25 });
        await expect(fitting).rejects.toThrow(GradwasmError);
        await expect(fitting).rejects.toThrow(new RegExp(`^x row ${row}, column 1 is 1000000\\d+, which the scaler maps to Infinity`));
      }
    });
  });

  describe('earlyStopping', () => {
    // Validation labels flipped: as the training loss falls, the validation loss rises.
    const xv = rowsOf(0, 13),
      yv = y.map((v) => 1 - v);

    it('stops after `patience` epochs without improvement and reports the best epoch', async () => {
      const model = await create();
      const history = await model.fit(x, y, { epochs: 100, learningRate: 0.5, validationData: [xv, yv], earlyStopping: { patience: 3 } });
      const best = history.bestEpoch!;
      expect(history.valLoss![best]).toBe(Math.min(...history.valLoss!));
      expect(history.loss).toHaveLength(best + 3 + 1);
      for (let e = best + 1; e < history.valLoss!.length; e++) expect(history.valLoss![e]).toBeGreaterThanOrEqual(history.valLoss![best]!);
    });

    it('restores the weights of the best epoch with restoreBestWeights, keeps the last ones without', async () => {
      for (const restoreBestWeights of [true, false]) {
        const model = await create();
        const seen: LayerWeights[][] = [];
        const history = await model.fit(x, y, {
          epochs: 100,
          learningRate: 0.5,
          validationData: [xv, yv],
          earlyStopping: { patience: 2, restoreBestWeights },
          onEpochEnd: () => void seen.push(model.getWeights()),
        });
        expect(model.getWeights()).toEqual(restoreBestWeights ? seen[history.bestEpoch!] : seen.at(-1));
        expect(model.evaluate(xv, yv).loss).toBe(restoreBestWeights ? history.valLoss![history.bestEpoch!] : history.valLoss!.at(-1));
      }
    });

    it('counts an epoch as an improvement only when it beats the best by more than minDelta', async () => {
      const model = await create();
      // Validation on the training rows: the loss keeps falling, but by less than 1 per epoch.
      const history = await model.fit(x, y, { epochs: 50, learningRate: 0.1, validationData: [x, y], earlyStopping: { patience: 4, minDelta: 1 } });
      expect(history.bestEpoch).toBe(0);
      expect(history.loss).toHaveLength(5);
      const patient = await create();
      const all = await patient.fit(x, y, { epochs: 50, learningRate: 0.1, validationData: [x, y], earlyStopping: { patience: 4 } });
      expect(all.loss).toHaveLength(50);
      expect(all.bestEpoch).toBe(49);
    });

    it('restores the best weights also when onEpochEnd stops training, and works with validationSplit', async () => {
      const model = await create();
      const seen: LayerWeights[][] = [];
      const history = await model.fit(x, y, {
        epochs: 100,
        learningRate: 0.5,
        validationSplit: 0.3,
        earlyStopping: { patience: 100, restoreBestWeights: true },
        onEpochEnd: ({ epoch }) => {
          seen.push(model.getWeights());
          return epoch < 20;
        },
      });
      expect(history.loss).toHaveLength(21);
      expect(model.getWeights()).toEqual(seen[history.bestEpoch!]);
    });

    it('does not restore into a model that onEpochEnd disposed before stopping', async () => {
      const model = await create();
      const bystander = await create(5);
      const before = bystander.getWeights();
      const history = await model.fit(x, y, {
        epochs: 10,
        learningRate: 0.5,
        validationData: [xv, yv],
        earlyStopping: { patience: 10, restoreBestWeights: true },
        onEpochEnd: ({ epoch }) => {
          if (epoch < 3) return true;
          model.dispose();
          return false;
        },
      });
      expect(history.loss).toHaveLength(4);
      expect(bystander.getWeights()).toEqual(before); // its memory was not written over
      expect(() => model.getWeights()).toThrow(GradwasmError);
    });
  });

  describe('learningRateSchedule', () => {
    it.each([
      [{ type: 'step', every: 3, factor: 0.1 } as const, (e: number) => 0.5 * 0.1 ** Math.floor(e / 3)],
      [{ type: 'exponential', decayRate: 0.9 } as const, (e: number) => 0.5 * 0.9 ** e],
      [{ type: 'exponential', decayRate: 0.5, decaySteps: 4 } as const, (e: number) => 0.5 * 0.5 ** (e / 4)],
      [{ type: 'exponential', decayRate: 0.5, decaySteps: 4, staircase: true } as const, (e: number) => 0.5 * 0.5 ** Math.floor(e / 4)],
      [{ type: 'step', every: 2, factor: 2 } as const, (e: number) => 0.5 * 2 ** Math.floor(e / 2)],
    ])("%j sets each epoch's float32 rate", async (learningRateSchedule, rate) => {
      const model = await create();
      const logged: number[] = [];
      const history = await model.fit(x, y, { epochs: 9, learningRate: 0.5, learningRateSchedule, onEpochEnd: (l) => void logged.push(l.learningRate) });
      const expected = Array.from({ length: 9 }, (_, e) => f((rate(e) / 0.5) * f(0.5)));
      expect(history.learningRate).toEqual(expected);
      expect(logged).toEqual(expected);
    });

    it('without a schedule every epoch runs at the float32 learning rate', async () => {
      const history = await (await create()).fit(x, y, { epochs: 3, learningRate: 0.1 });
      expect(history.learningRate).toEqual([f(0.1), f(0.1), f(0.1)]);
    });
  });

  describe('per-epoch metrics', () => {
    it('gives precision, recall, F1 and AUC of the validation data after each epoch, as evaluate() computes them', async () => {
      const model = await create();
      const xv = rowsOf(0, 7),
        yv = y.slice(0, 7);
      const logs: Record<string, number>[] = [];
      const history = await model.fit(x, y, {
        epochs: 4,
        learningRate: 0.3,
        batchSize: 4,
        validationData: [xv, yv],
        onEpochEnd: (log) => void logs.push({ ...log }),
      });
      const e = model.evaluate(xv, yv);
      expect(history.valLoss!.at(-1)).toBe(e.loss);
      expect(history.valAccuracy!.at(-1)).toBe(e.accuracy);
      expect(history.valPrecision!.at(-1)).toBe(e.precision);
      expect(history.valRecall!.at(-1)).toBe(e.recall);
      expect(history.valF1!.at(-1)).toBe(e.f1);
      expect(history.valAuc!.at(-1)).toBe(e.auc);
      expect(e.auc).toBe(rocAuc(yv, model.predictProba(xv)));
      for (const key of [
        'loss',
        'accuracy',
        'precision',
        'recall',
        'f1',
        'learningRate',
        'valLoss',
        'valAccuracy',
        'valPrecision',
        'valRecall',
        'valF1',
        'valAuc',
      ] as const) {
        expect(
          logs.map((l) => l[key]),
          key,
        ).toEqual(history[key]);
      }
      expect(history.bestEpoch).toBeUndefined();
    });

    it('counts the training metrics on the rows as each batch saw them', async () => {
      const model = await create();
      const probe = await create();
      const fit = { learningRate: 0.3, batchSize: 5, shuffle: false } as const;
      // batch by batch: each batch's predictions are made with the weights before its update
      let tp = 0,
        fp = 0,
        fn = 0;
      for (let start = 0; start < rows; start += 5) {
        const end = Math.min(rows, start + 5);
        const c = probe.evaluate(rowsOf(start, end), y.slice(start, end)).confusion;
        tp += c.tp;
        fp += c.fp;
        fn += c.fn;
        await probe.fit(rowsOf(start, end), y.slice(start, end), fit);
      }
      const history = await model.fit(x, y, fit);
      expect(history.precision[0]).toBe(tp + fp === 0 ? 0 : tp / (tp + fp));
      expect(history.recall[0]).toBe(tp + fn === 0 ? 0 : tp / (tp + fn));
      expect(history.f1[0]).toBe(2 * tp + fp + fn === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn));
    });
  });
});

describe('EarlyStopper', () => {
  const weightsAt = (epoch: number) => () => [{ weights: Float32Array.of(epoch), bias: Float32Array.of(0) }];

  it('follows Keras: wait counts epochs without improvement; never stops after the first epoch', () => {
    const stopper = new EarlyStopper({ monitor: 'valLoss', patience: 0, minDelta: 0, restoreBestWeights: false });
    expect(stopper.update(0, NaN, weightsAt(0))).toBe(false); // patience 0, but epoch 0
    expect(stopper.update(1, NaN, weightsAt(1))).toBe(true);
  });

  it('keeps the first epoch as the best while no epoch improves (NaN losses)', () => {
    const stopper = new EarlyStopper({ monitor: 'valLoss', patience: 2, minDelta: 0, restoreBestWeights: true });
    expect([0, 1].map((e) => stopper.update(e, NaN, weightsAt(e)))).toEqual([false, true]); // two epochs without improvement
    expect(stopper.bestEpoch).toBe(0);
    expect(stopper.bestWeights![0]!.weights[0]).toBe(0);
  });

  it('resets the wait on an improvement larger than minDelta', () => {
    const stopper = new EarlyStopper({ monitor: 'valLoss', patience: 2, minDelta: 0.1, restoreBestWeights: true });
    const losses = [1, 0.95, 0.85, 0.8, 0.79, 0.5];
    expect(losses.map((l, e) => stopper.update(e, l, weightsAt(e)))).toEqual([false, false, false, false, true, false]);
    expect(stopper.bestEpoch).toBe(5);
    expect(stopper.best).toBe(0.5);
  });
});
