// Optimizers in fit(), on both backends: each full-batch epoch is exactly one step of the
// float32 formula from gradients(); the state persists across fit calls while the optimizer
// options stay the same and starts afresh when they change; the backends agree; the wasm
// backend keeps the state in its linear memory only while it is needed.
import { describe, expect, it } from 'vitest';
import { Sequential, dense, type LayerWeights, type OptimizerOptions } from '../src/index.js';
import { coreOf } from './support/core.js';
import { labels, relativeDifference, uniform } from './support/random.js';

const f = Math.fround;

/** The optimizers that step after each batch (L-BFGS is test/lbfgs.test.ts's). */
type PerBatch = Exclude<OptimizerOptions, 'lbfgs' | { type: 'lbfgs' }>;

/** An optimizer as test/kernels.test.ts checks it, over whole layers: TF.js's formulas, each float32 operation rounded. */
class ReferenceOptimizer {
  private t = 1;
  private readonly s1: Float64Array[][] = [];
  private readonly s2: Float64Array[][] = [];

  constructor(
    private readonly o: PerBatch,
    private readonly decay: number,
  ) {}

  step(weights: LayerWeights[], grads: LayerWeights[], lr: number): LayerWeights[] {
    const o: Exclude<PerBatch, string> = this.o === 'adam' ? { type: 'adam' } : this.o === 'sgd' ? { type: 'sgd' } : this.o;
    const step = f(-f(lr)),
      decay = f(this.decay);
    const b1 = o.type === 'adam' ? (o.beta1 ?? 0.9) : 0,
      b2 = o.type === 'adam' ? (o.beta2 ?? 0.999) : 0;
    const eps = f(o.type === 'adam' ? (o.epsilon ?? 1e-7) : 0);
    // TF.js keeps β1ᵗ, β2ᵗ as float32 products; ours must be the same numbers.
    let acc1 = f(b1),
      acc2 = f(b2);
    for (let i = 1; i < this.t; i++) {
      acc1 = f(acc1 * f(b1));
      acc2 = f(acc2 * f(b2));
    }
    const c1 = f(1 - acc1),
      c2 = f(1 - acc2);
    const out = weights.map((layer, l) => {
      this.s1[l] ??= [new Float64Array(layer.weights.length), new Float64Array(layer.bias.length)];
      this.s2[l] ??= [new Float64Array(layer.weights.length), new Float64Array(layer.bias.length)];
      const update = (w: Float32Array, g: Float32Array, v: Float64Array, m2: Float64Array, d: number): Float32Array =>
        w.map((wi, i) => {
          const gi = f(g[i]! + f(d * wi));
          if (o.type === 'momentum') {
            const mu = f(o.momentum);
            v[i] = f(f(mu * v[i]!) + gi);
            return f(f(step * (o.nesterov ? f(gi + f(v[i]! * mu)) : v[i]!)) + wi);
          }
          if (o.type === 'adam') {
            v[i] = f(f(v[i]! * f(b1)) + f(gi * f(1 - b1)));
            m2[i] = f(f(m2[i]! * f(b2)) + f(f(gi * gi) * f(1 - b2)));
            return f(f(f(f(v[i]! / c1) / f(f(Math.sqrt(f(m2[i]! / c2))) + eps)) * step) + wi);
          }
          return f(wi + f(step * gi));
        });
      return {
        weights: update(layer.weights, grads[l]!.weights, this.s1[l]![0]!, this.s2[l]![0]!, decay),
        bias: update(layer.bias, grads[l]!.bias, this.s1[l]![1]!, this.s2[l]![1]!, 0), // biases are not decayed
      };
    });
    this.t++;
    return out;
  }
}

const OPTIMIZERS: [string, PerBatch, number][] = [
  ['sgd with weight decay', 'sgd', 0.05],
  ['momentum', { type: 'momentum', momentum: 0.9 }, 0],
  ['Nesterov momentum with weight decay', { type: 'momentum', momentum: 0.8, nesterov: true }, 0.02],
  ['adam', 'adam', 0],
  ['adam (β1 0.5, β2 0.9, ε 1e-4) with weight decay', { type: 'adam', beta1: 0.5, beta2: 0.9, epsilon: 1e-4 }, 0.01],
];

describe.each(['wasm', 'js'] as const)('optimizers on the %s backend', (backend) => {
  const inputs = 5,
    rows = 37;
  const x = { data: uniform(61, rows * inputs, -1, 1), rows, cols: inputs };
  const y = labels(62, rows);
  const create = (seed = 4) => Sequential.create({ inputs, layers: [dense(7, 'tanh'), dense(4, 'relu'), dense(1, 'sigmoid')], seed, backend });

  it.each(OPTIMIZERS)('%s: each full-batch epoch is one step of the float32 formula from gradients()', async (_name, optimizer, weightDecay) => {
    const model = await create();
    const reference = new ReferenceOptimizer(optimizer, weightDecay);
    let expected = model.getWeights();
    for (let epoch = 0; epoch < 4; epoch++) {
      expected = reference.step(expected, model.gradients(x, y).layers, 0.05);
      await model.fit(x, y, { learningRate: 0.05, optimizer, weightDecay }); // one epoch, batch = all rows
      expect(model.getWeights()).toEqual(expected);
    }
  });

  it("'sgd' and { type: 'sgd' } are the default", async () => {
    const runs = [];
    for (const optimizer of [undefined, 'sgd', { type: 'sgd' }] as const) {
      const model = await create();
      await model.fit(x, y, { epochs: 3, batchSize: 5, learningRate: 0.1, ...(optimizer ? { optimizer } : {}) });
      runs.push(model.getWeights());
    }
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
  });

  it.each(OPTIMIZERS)('%s: the state carries over to the next fit call with the same options', async (_name, optimizer, weightDecay) => {
    const fit = { learningRate: 0.05, batchSize: 8, optimizer, weightDecay };
    const once = await create(),
      twice = await create();
    await once.fit(x, y, { ...fit, epochs: 4 });
    await twice.fit(x, y, { ...fit, epochs: 2 });
    twice.setWeights(twice.getWeights()); // setWeights keeps the state too
    await twice.fit(x, y, { ...fit, epochs: 2 });
    expect(twice.getWeights()).toEqual(once.getWeights());
  });

  it('other optimizer options start a fresh state', async () => {
    const first = { learningRate: 0.05, optimizer: { type: 'adam', beta1: 0.9 } as const, shuffle: false, batchSize: 8 };
    const second = { ...first, optimizer: { type: 'adam', beta1: 0.8 } as const };
    const a = await create();
    await a.fit(x, y, first);
    await a.fit(x, y, second);
    const b = await create();
    await b.fit(x, y, first);
    const fresh = await create();
    fresh.setWeights(b.getWeights());
    await fresh.fit(x, y, second);
    expect(a.getWeights()).toEqual(fresh.getWeights());
    // adam, then sgd, then adam again: the second adam starts from zero moments and step 1
    const c = await create();
    for (const o of [first, { ...first, optimizer: 'sgd' as const }]) await c.fit(x, y, o);
    const restarted = await create();
    restarted.setWeights(c.getWeights());
    await c.fit(x, y, first);
    await restarted.fit(x, y, first);
    expect(c.getWeights()).toEqual(restarted.getWeights());
  });

  it('a learning-rate schedule changes λ per epoch, and history shows it', async () => {
    const model = await create();
    const probe = await create();
    const schedule = { type: 'step', every: 2, factor: 0.5 } as const;
    let expected = model.getWeights();
    const rates = [0.2, 0.2, 0.1, 0.1, 0.05].map(f);
    for (const rate of rates) {
      probe.setWeights(expected);
      expected = expected.map((l, i) => {
        const g = probe.gradients(x, y).layers[i]!;
        return { weights: l.weights.map((w, k) => f(w + f(-rate * g.weights[k]!))), bias: l.bias.map((b, k) => f(b + f(-rate * g.bias[k]!))) };
      });
    }
    const history = await model.fit(x, y, { epochs: 5, learningRate: 0.2, learningRateSchedule: schedule });
    expect(history.learningRate).toEqual(rates);
    expect(model.getWeights()).toEqual(expected);
  });
});

describe('optimizers: wasm and js backends agree', () => {
  it.each(OPTIMIZERS)('%s after 30 shuffled mini-batch epochs, within 1e-4 relative', async (_name, optimizer, weightDecay) => {
    const inputs = 9,
      rows = 203;
    const x = { data: uniform(71, rows * inputs, -2, 2), rows, cols: inputs };
    const y = labels(72, rows);
    const results = [];
    for (const backend of ['wasm', 'js'] as const) {
      const model = await Sequential.create({ inputs, layers: [dense(12, 'tanh'), dense(6, 'relu'), dense(1, 'sigmoid')], seed: 7, backend });
      const history = await model.fit(x, y, {
        epochs: 30,
        batchSize: 16,
        learningRate: optimizer === 'adam' ? 0.003 : 0.03,
        optimizer,
        weightDecay,
        learningRateSchedule: { type: 'exponential', decayRate: 0.5, decaySteps: 20 },
      });
      results.push({ weights: model.getWeights(), loss: history.loss });
    }
    const [wasm, js] = results as [(typeof results)[0], (typeof results)[0]];
    wasm.weights.forEach((layer, l) => {
      expect(relativeDifference(layer.weights, js.weights[l]!.weights)).toBeLessThanOrEqual(1e-4);
      expect(relativeDifference(layer.bias, js.weights[l]!.bias)).toBeLessThanOrEqual(1e-4);
    });
    expect(relativeDifference(wasm.loss, js.loss)).toBeLessThanOrEqual(1e-4);
    expect(wasm.loss.at(-1)).toBeLessThan(wasm.loss[0]!);
  });
});

describe('optimizer state in linear memory (wasm)', () => {
  it('is allocated when a fit needs it, kept between epochs and fits, released when not needed and on dispose', async () => {
    const inputs = 10,
      rows = 50;
    const x = { data: uniform(81, rows * inputs), rows, cols: inputs };
    const y = labels(82, rows);
    const model = await Sequential.create({ inputs, layers: [dense(16, 'relu'), dense(1, 'sigmoid')], seed: 1 });
    const core = coreOf(model);
    const before = core.arena.bytesInUse;
    await model.fit(x, y, { epochs: 2, batchSize: 10 });
    const sgd = core.arena.bytesInUse;
    const floats = 10 * 16 + 16 + 16 * 1 + 4; // every block padded to 4 floats
    const inUse: number[] = [];
    await model.fit(x, y, { epochs: 3, batchSize: 10, optimizer: 'adam', onEpochEnd: () => void inUse.push(core.arena.bytesInUse) });
    expect(new Set(inUse).size).toBe(1);
    expect(core.arena.bytesInUse).toBe(sgd + 2 * floats * 4); // first and second moments
    await model.fit(x, y, { epochs: 1, batchSize: 10, optimizer: 'adam' });
    expect(core.arena.bytesInUse).toBe(sgd + 2 * floats * 4);
    await model.fit(x, y, { epochs: 1, batchSize: 10, optimizer: { type: 'momentum', momentum: 0.9 } });
    expect(core.arena.bytesInUse).toBe(sgd + floats * 4); // one velocity
    await model.fit(x, y, { epochs: 1, batchSize: 10 });
    expect(core.arena.bytesInUse).toBe(sgd);
    await model.fit(x, y, { epochs: 1, batchSize: 10, optimizer: 'adam' });
    model.dispose();
    expect(core.arena.bytesInUse).toBeLessThanOrEqual(before);
  });
});
