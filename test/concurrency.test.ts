// Models share one WebAssembly instance and memory; their fits interleave at every epoch
// boundary (fit yields to the event loop) and must not disturb each other.
import { describe, expect, it } from 'vitest';
import { GradwasmError, Sequential, dense } from '../src/index.js';
import { labels, uniform } from './support/random.js';

describe.each(['wasm', 'js'] as const)('concurrent fits (%s)', (backend) => {
  const data = (seed: number, rows: number, cols: number) => ({ x: { data: uniform(seed, rows * cols), rows, cols }, y: labels(seed + 1, rows) });

  it('two models training at once end exactly where each would alone', async () => {
    const a = data(1, 120, 6),
      b = data(2, 90, 4);
    const makeA = () => Sequential.create({ inputs: 6, layers: [dense(9, 'relu'), dense(1, 'sigmoid')], seed: 3, backend });
    const makeB = () => Sequential.create({ inputs: 4, layers: [dense(5, 'tanh'), dense(3, 'sigmoid'), dense(1, 'sigmoid')], seed: 4, backend });
    const optsA = { epochs: 25, batchSize: 7, learningRate: 0.2 },
      optsB = { epochs: 40, batchSize: 16, learningRate: 0.3, validationData: [b.x, b.y] as const };

    const aloneA = await makeA();
    const histA = await aloneA.fit(a.x, a.y, optsA);
    const aloneB = await makeB();
    const histB = await aloneB.fit(b.x, b.y, optsB);

    const [ma, mb] = [await makeA(), await makeB()];
    const order: string[] = [];
    const [ha, hb] = await Promise.all([
      ma.fit(a.x, a.y, { ...optsA, onEpochEnd: () => void order.push('a') }),
      mb.fit(b.x, b.y, { ...optsB, onEpochEnd: () => void order.push('b') }),
    ]);
    expect(order.slice(0, 6)).toEqual(['a', 'b', 'a', 'b', 'a', 'b']); // they really interleaved
    expect(ha).toEqual(histA);
    expect(hb).toEqual(histB);
    expect(ma.getWeights()).toEqual(aloneA.getWeights());
    expect(mb.getWeights()).toEqual(aloneB.getWeights());
    expect(mb.predictProba(b.x)).toEqual(aloneB.predictProba(b.x));
    for (const m of [aloneA, aloneB, ma, mb]) m.dispose();
  });

  it('predicting, evaluating and disposing other models during a fit leaves it undisturbed', async () => {
    const a = data(5, 80, 3);
    const make = () => Sequential.create({ inputs: 3, layers: [dense(4, 'relu'), dense(1, 'sigmoid')], seed: 8, backend });
    const alone = await make();
    await alone.fit(a.x, a.y, { epochs: 10, batchSize: 8, learningRate: 0.1 });
    const model = await make();
    await model.fit(a.x, a.y, {
      epochs: 10,
      batchSize: 8,
      learningRate: 0.1,
      onEpochEnd: async () => {
        const other = await Sequential.create({ inputs: 3, layers: [dense(50, 'tanh'), dense(1, 'sigmoid')], seed: 1, backend });
        other.predictProba(a.x);
        other.evaluate(a.x, a.y);
        other.dispose();
      },
    });
    expect(model.getWeights()).toEqual(alone.getWeights());
  });

  it('the model itself predicted and evaluated between its runs of batches: the same history and weights; gradients refused then', async () => {
    // fit's first run of an epoch is one batch, then it yields: the watcher runs inside every epoch
    const a = data(11, 600, 5),
      v = data(12, 50, 5);
    const make = () => Sequential.create({ inputs: 5, layers: [dense(6, 'tanh'), dense(1, 'sigmoid')], seed: 2, backend });
    for (const options of [
      { epochs: 6, batchSize: 10, learningRate: 0.1, shuffle: false },
      { epochs: 4, learningRate: 0.5, shuffle: false },
    ]) {
      const alone = await make();
      const expected = await alone.fit(a.x, a.y, options);
      const chunks = Array.from({ length: 6 }, (_, k) => ({ x: a.x.data.subarray(k * 500, (k + 1) * 500), y: a.y.subarray(k * 100, (k + 1) * 100) }));
      for (const [name, run] of [
        ['fit', (m: Sequential) => m.fit(a.x, a.y, options)],
        ['fitDataset', (m: Sequential) => m.fitDataset(chunks, options)],
      ] as const) {
        const model = await make();
        // (setImmediate, as fit's own yields: it runs at every one of them, however fast the fit)
        let calls = 0,
          refused = 0,
          watching = true;
        const watch = (): void => {
          if (!watching) return;
          model.evaluate(v.x, v.y);
          model.predictProba(v.x);
          try {
            model.gradients(v.x, v.y);
          } catch (e) {
            if (e instanceof GradwasmError) refused++;
          }
          calls++;
          setImmediate(watch);
        };
        setImmediate(watch);
        const history = await run(model).finally(() => void (watching = false));
        expect(calls).toBeGreaterThan(0);
        expect(refused).toBe(calls);
        expect(history, `${name} ${JSON.stringify(options)}`).toEqual(expected);
        expect(model.getWeights()).toEqual(alone.getWeights());
        expect(model.gradients(v.x, v.y)).toEqual(alone.gradients(v.x, v.y)); // and after the fit, it answers
      }
    }
  });

  it('refuses a second fit on a model that is fitting, and accepts one after', async () => {
    const a = data(9, 40, 2);
    const model = await Sequential.create({ inputs: 2, layers: [dense(1, 'sigmoid')], seed: 1, backend });
    const first = model.fit(a.x, a.y, { epochs: 5 });
    await expect(model.fit(a.x, a.y)).rejects.toBeInstanceOf(GradwasmError);
    await first;
    await expect(model.fit(a.x, a.y)).resolves.toBeDefined();
  });
});
