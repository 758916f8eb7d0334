// The output heads (src/heads/, assembly/heads.ts): which head a network's last layer gives it, and
// what the binary head makes of a pass's counts.
import { describe, expect, it } from 'vitest';
import { DataError, LogisticRegression, Sequential, dense } from '../src/index.js';
import { binary, confusionOf } from '../src/heads/binary.js';
import { findHead, headOf } from '../src/heads/index.js';

describe('the head a network ends in', () => {
  it('is binary for one sigmoid unit, whatever comes before it', async () => {
    expect(headOf('layers', [{ units: 1, activation: 'sigmoid' }]).name).toBe('binary');
    expect(
      headOf('layers', [
        { units: 8, activation: 'relu' },
        { units: 1, activation: 'sigmoid' },
      ]),
    ).toBe(binary);
    const model = await Sequential.create({ inputs: 3, layers: [dense(4, 'tanh'), dense(1, 'sigmoid')], seed: 1 });
    expect(model.task).toBe('binary');
    expect((await LogisticRegression.create({ inputs: 2, seed: 1 })).task).toBe('binary');
  });

  it('is none for any other last layer: a DataError naming the argument and the layers a head takes', () => {
    for (const last of [
      { units: 2, activation: 'sigmoid' },
      { units: 1, activation: 'relu' },
      { units: 2, activation: 'tanh' },
      { units: 1, activation: 'softmax' },
    ]) {
      expect(findHead(last)).toBeUndefined();
      let error: unknown;
      try {
        headOf('options.layers', [last]);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DataError);
      expect((error as DataError).argument).toBe('options.layers');
      expect((error as Error).message).toBe(
        `the last layer of options.layers must be dense(1, 'sigmoid'), dense(k, 'softmax') with k ≥ 2 or dense(k, 'linear') (regression, k outputs), got dense(${last.units}, '${last.activation}')`,
      );
    }
  });
});

describe('the binary head', () => {
  it('reads its four counts as correct, true positives, false positives, false negatives', () => {
    // 10 rows: tp 3, fp 1, fn 2, so tn 4 and 7 correct
    const stats = { lossSum: 4.5, counts: [7, 3, 1, 2] };
    expect(confusionOf(stats, 10)).toEqual({ tp: 3, fp: 1, tn: 4, fn: 2 });
    expect(binary.metrics(stats, 10)).toEqual({ loss: 0.45, accuracy: 0.7, precision: 3 / 4, recall: 3 / 5, f1: 6 / 9 });
  });

  it('checks labels as 0 or 1, naming the argument and the row', () => {
    expect([...binary.labels([0, 1, 1], 3, 'y', 1)]).toEqual([0, 1, 1]);
    expect(() => binary.labels([0, 2], 2, 'y', 1)).toThrow('y[1] is 2; labels must be 0 or 1');
  });

  it("gives fit's history and evaluate the same figures a pass counts", async () => {
    const x = [
      [0, 0],
      [1, 1],
      [0, 1],
      [1, 0],
      [2, 2],
      [-1, -1],
    ];
    const y = [0, 1, 0, 1, 1, 0];
    const model = await Sequential.create({ inputs: 2, layers: [dense(1, 'sigmoid')], seed: 3 });
    // (an epoch's figures are taken on its one batch's forward pass, before the update)
    const evaluation = model.evaluate(x, y);
    const history = await model.fit(x, y, { epochs: 1, batchSize: 6, learningRate: 0.1 });
    expect(history.loss[0]).toBe(evaluation.loss);
    expect(history.accuracy[0]).toBe(evaluation.accuracy);
    expect(history.f1[0]).toBe(evaluation.f1);
  });
});
