// The exploding-loss rule (src/train/divergence.ts): a run whose loss stays finite but races away is
// stopped like one that reaches NaN — and a healthy run, however steep, is never stopped.
import { describe, expect, it } from 'vitest';
import { GradwasmError, LogisticRegression, Sequential, StandardScaler, dense, type FitOptions } from '../src/index.js';
import { readCsv } from '../src/node/index.js';
import { EXPLODING_CEILING, EXPLODING_FACTOR } from '../src/train/divergence.js';

const table = await readCsv('data/breast_cancer.csv'); // raw: features up to 4254

async function failure(
  model: Sequential,
  x: Parameters<Sequential['fit']>[0],
  y: Parameters<Sequential['fit']>[1],
  options: FitOptions,
): Promise<GradwasmError> {
  const error = await model.fit(x, y, options).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GradwasmError);
  return error as GradwasmError;
}

describe.each(['wasm', 'js'] as const)('a run whose loss explodes but stays finite (%s)', (backend) => {
  const mlp = () => Sequential.create({ inputs: 30, layers: [dense(16, 'relu'), dense(1, 'sigmoid')], seed: 1, backend });

  it("issue 10's repro: MLP, raw breast-cancer table, batch 8, learning rate 1e6 — stopped, weights of before fit kept", async () => {
    const model = await mlp();
    const before = model.getWeights();
    const error = await failure(model, table.x, table.y, { epochs: 20, batchSize: 8, learningRate: 1e6 });
    expect(error.message).toMatch(
      /^training diverged in epoch 0, batch \d+ \(of 72\): the loss exploded to [\d.e+]+, past [\d.e+]+ \(the exploding-loss rule; options\.stopOnExplodingLoss: false turns it off\)/,
    );
    expect(error.message).toMatch(/The model keeps the weights it had before fit/);
    // the raw features are the likely cause: named, with their size
    expect(error.argument).toBe('x');
    expect(error.message).toMatch(/the features are not scaled \(values as large as 4\.25e\+3\)/);
    expect(model.getWeights()).toEqual(before);
    // the rule is off on request: then the run goes on (as it did before the rule), finite
    const h = await model.fit(table.x, table.y, { epochs: 3, batchSize: 8, learningRate: 1e6, stopOnExplodingLoss: false });
    expect(h.loss.every(Number.isFinite)).toBe(true);
    expect(Math.max(...h.loss)).toBeGreaterThan(1e4);
  });

  it('logistic regression and Adam at learning rate 1e6 are stopped too', async () => {
    const logistic = await LogisticRegression.create({ inputs: 30, seed: 1, backend });
    expect((await failure(logistic, table.x, table.y, { epochs: 20, learningRate: 1e6 })).message).toMatch(/the loss exploded/);
    const adam = await mlp();
    expect((await failure(adam, table.x, table.y, { epochs: 20, batchSize: 8, learningRate: 1e6, optimizer: 'adam' })).message).toMatch(/the loss exploded/);
  });

  it('features near 1e30: the first batch already exceeds the ceiling, before any update', async () => {
    const rows = 200;
    const x = { data: Float32Array.from({ length: rows * 3 }, (_, i) => ((i % 7) - 3) * 1e30), rows, cols: 3 };
    const y = Float32Array.from({ length: rows }, (_, i) => i & 1);
    const model = await Sequential.create({ inputs: 3, layers: [dense(8, 'relu'), dense(1, 'sigmoid')], seed: 1, backend });
    const error = await failure(model, x, y, { epochs: 5, batchSize: 16 });
    expect(error.message).toMatch(/^training diverged in epoch 0, batch 0 \(of 13\): the loss exploded/);
    expect(error.message).toMatch(/before any update: features as large as 3\.00e\+30 need scaling/);
    expect(error.argument).toBe('x');
  });

  it('names weight decay when λ·λ₂ ≥ 1 makes each step overshoot, and the learning rate otherwise', async () => {
    const scaler = StandardScaler.fit(table.x, { cols: 30 });
    const scaled = () => Sequential.create({ inputs: 30, layers: [dense(16, 'tanh'), dense(1, 'sigmoid')], seed: 2, backend, scaler });
    const decay = await failure(await scaled(), table.x, table.y, { epochs: 30, batchSize: 32, learningRate: 0.5, weightDecay: 10 });
    expect(decay.argument).toBe('options.weightDecay');
    expect(decay.message).toMatch(/options\.weightDecay 10 times the learning rate 0\.5 is ≥ 1/);
    const rate = await failure(await scaled(), table.x, table.y, {
      epochs: 30,
      batchSize: 32,
      learningRate: 1e5,
      optimizer: { type: 'momentum', momentum: 0.9 },
    });
    expect(rate.argument).toBe('options.learningRate');
    expect(rate.message).toMatch(/a smaller options\.learningRate \(this epoch used 100000\) usually helps$/);
  });
});

describe('healthy runs are never stopped', () => {
  const tables = ['breast_cancer', 'banknote', 'pima_diabetes', 'spambase', 'digits_odd_vs_even'];

  it.each(tables)(
    '%s: the command line defaults (scaled, MLP 16-8 relu, Adam, batch 32, 50 epochs) and unscaled Adam',
    async (name) => {
      const t = await readCsv(`data/${name}.csv`);
      const scaler = StandardScaler.fit(t.x, { cols: t.x.cols });
      for (const s of [scaler, null]) {
        const model = await Sequential.create({ inputs: t.x.cols, layers: [dense(16, 'relu'), dense(8, 'relu'), dense(1, 'sigmoid')], seed: 1, scaler: s });
        const h = await model.fit(t.x, t.y, { epochs: s ? 50 : 20, batchSize: 32, optimizer: 'adam' });
        expect(h.loss.at(-1)!).toBeLessThan(h.loss[0]!);
      }
    },
    30_000,
  );

  it.each(tables)(
    '%s: steep but converging — gradient descent at learning rates 3 and 10, an exponential schedule from 5, SGD of one row at rate 1',
    async (name) => {
      const t = await readCsv(`data/${name}.csv`);
      const scaler = StandardScaler.fit(t.x, { cols: t.x.cols });
      const logistic = () => Sequential.create({ inputs: t.x.cols, layers: [dense(1, 'sigmoid')], seed: 1, scaler });
      const steep = await (await logistic()).fit(t.x, t.y, { epochs: 100, learningRate: 3 });
      expect(steep.loss.at(-1)!).toBeLessThan(steep.loss[0]!);
      // at 10 some tables oscillate between two losses instead of converging: still no explosion
      const steeper = await (await logistic()).fit(t.x, t.y, { epochs: 100, learningRate: 10 });
      expect(Math.max(...steeper.loss)).toBeLessThan(3);
      const decaying = await (
        await logistic()
      ).fit(t.x, t.y, { epochs: 30, batchSize: 64, learningRate: 5, learningRateSchedule: { type: 'exponential', decayRate: 0.7 } });
      expect(decaying.loss.at(-1)!).toBeLessThan(decaying.loss[0]!);
      const adam = await Sequential.create({ inputs: t.x.cols, layers: [dense(32, 'relu'), dense(16, 'relu'), dense(1, 'sigmoid')], seed: 1, scaler });
      await adam.fit(t.x, t.y, { epochs: 20, batchSize: 16, learningRate: 0.1, optimizer: 'adam' }); // noisy, but never explodes
      if (name === 'banknote') {
        // one row per step at rate 1: single rows' losses reach the thousands in the first epoch, the run converges
        const mlp = await Sequential.create({ inputs: 4, layers: [dense(16, 'relu'), dense(1, 'sigmoid')], seed: 1, scaler });
        const h = await mlp.fit(t.x, t.y, { epochs: 5, batchSize: 1, learningRate: 1 });
        expect(h.loss.at(-1)!).toBeLessThan(0.3);
      }
    },
    30_000,
  );

  it('the rule as documented: 1000 times the reference, at most 10⁶', () => {
    expect(EXPLODING_FACTOR).toBe(1e3);
    expect(EXPLODING_CEILING).toBe(1e6);
  });
});
