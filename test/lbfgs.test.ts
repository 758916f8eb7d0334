// L-BFGS (src/train/lbfgs.ts, fit's optimizer 'lbfgs'): the strong Wolfe conditions at every accepted
// step on analytic functions (a quadratic, Rosenbrock) and on models (the core's forward/backward
// pass); scikit-learn's optima (data/sklearn-reference.json, scripts/sklearn-reference.py) reached
// within the tolerances; an MLP trained by it; determinism, convergence, the options it
// refuses. Every fit case runs on both backends. Timing is the benchmarks' business, not this file's.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Sequential, StandardScaler, dense, type LayerWeights } from '../src/index.js';
import { APPROXIMATE_EPSILON, C1, C2, Lbfgs, approximateWolfeLineSearch, wolfeLineSearch, type Evaluation, type LineSearchResult } from '../src/train/lbfgs.js';
import { relativeDifference } from './support/random.js';

/** The strong Wolfe conditions of an accepted step (N&W 3.7), as the search's own numbers say. */
function expectWolfe(step: LineSearchResult<Evaluation>): void {
  expect(step.dphi0).toBeLessThan(0);
  expect(step.phi).toBeLessThanOrEqual(step.phi0 + C1 * step.alpha * step.dphi0);
  expect(Math.abs(step.dphi)).toBeLessThanOrEqual(C2 * Math.abs(step.dphi0));
}

/** f and g of a function given both, counting evaluations. */
function objective(fg: (x: Float64Array) => [number, Float64Array]): (x: Float64Array) => Evaluation {
  return (x) => {
    const [f, g] = fg(x);
    return { f, g };
  };
}

const rosenbrock = objective((x) => {
  const n = x.length,
    g = new Float64Array(n);
  let f = 0;
  for (let i = 0; i + 1 < n; i++) {
    const a = x[i + 1]! - x[i]! ** 2,
      b = 1 - x[i]!;
    f += 100 * a * a + b * b;
    g[i]! += -400 * x[i]! * a - 2 * b;
    g[i + 1]! += 200 * a;
  }
  return [f, g];
});

/** ½ xᵀ D x − bᵀx with D = diag(1…n): minimum at bᵢ/i. */
const quadratic = (n: number): ((x: Float64Array) => Evaluation) =>
  objective((x) => {
    let f = 0;
    const g = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      f += 0.5 * (i + 1) * x[i]! ** 2 - x[i]!;
      g[i] = (i + 1) * x[i]! - 1;
    }
    return [f, g];
  });

function minimize(
  evaluate: (x: Float64Array) => Evaluation,
  x0: number[],
  iterations: number,
  tolerance = 1e-10,
): { x: Float64Array; steps: LineSearchResult<Evaluation>[]; converged: string | null } {
  const x = Float64Array.from(x0);
  const run = new Lbfgs(x, evaluate(x), evaluate, { memory: 10, tolerance, ftol: 0 });
  const steps: LineSearchResult<Evaluation>[] = [];
  for (let k = 0; k < iterations; k++) {
    const r = run.step();
    if (r.step) steps.push(r.step);
    if (r.converged) return { x: run.point, steps, converged: r.converged };
  }
  return { x: run.point, steps, converged: null };
}

describe('the strong Wolfe line search', () => {
  it('accepts only Wolfe points on Rosenbrock, from steps too long and too short', () => {
    const x = Float64Array.from([-1.2, 1]);
    const start = rosenbrock(x);
    const d = start.g.map((v) => -v);
    for (const alpha1 of [1e-6, 1e-3, 1, 10]) {
      const step = wolfeLineSearch(x, start, d, alpha1, rosenbrock)!;
      expect(step).not.toBeNull();
      expectWolfe(step);
    }
  });

  it('refuses a direction that is not a descent one', () => {
    const x = Float64Array.from([0.5, 0.5]);
    const start = rosenbrock(x);
    expect(wolfeLineSearch(x, start, start.g, 1, rosenbrock)).toBeNull();
  });
});

describe('L-BFGS on analytic functions', () => {
  it('minimizes Rosenbrock (2 and 10 dimensions), every step a strong Wolfe one', () => {
    for (const x0 of [[-1.2, 1], Array.from({ length: 10 }, (_, i) => (i % 2 ? 1 : -1.2))]) {
      const { x, steps, converged } = minimize(rosenbrock, x0, 500);
      expect(converged).toBe('gradient');
      for (const s of steps) expectWolfe(s);
      for (const v of x) expect(v).toBeCloseTo(1, 6);
    }
  });

  it('minimizes a quadratic in few iterations, every step a strong Wolfe one', () => {
    const { x, steps, converged } = minimize(quadratic(20), new Array(20).fill(0), 100, 1e-8);
    expect(converged).toBe('gradient');
    expect(steps.length).toBeLessThan(40);
    for (const s of steps) expectWolfe(s);
    x.forEach((v, i) => expect(v).toBeCloseTo(1 / (i + 1), 8));
  });
});

describe('the approximate Wolfe line search (for an objective flat to its rounding)', () => {
  /** The quadratic with its value rounded to multiples of 1e-7 (as a float32 pass rounds a loss), its gradient exact. */
  const rounded = (n: number): ((x: Float64Array) => Evaluation) => {
    const exact = quadratic(n);
    return (x) => {
      const { f, g } = exact(x);
      return { f: Math.round(f / 1e-7) * 1e-7, g };
    };
  };
  const x0 = (n: number): number[] => Array.from({ length: n }, (_, i) => 1 / (i + 1) + 3e-5); // decreases of ~1e-8 left, below the rounding

  it('finds a step where the strong Wolfe search, which must see φ decrease, finds none; its conditions hold', () => {
    const evaluate = rounded(5),
      x = Float64Array.from(x0(5)),
      start = evaluate(x),
      d = Float64Array.from(start.g, (v) => -v);
    expect(wolfeLineSearch(x, start, d, 1, evaluate)).toBeNull();
    const step = approximateWolfeLineSearch(x, start, d, 1, evaluate)!;
    expect(step).not.toBeNull();
    expect(step.phi).toBeLessThanOrEqual(step.phi0 + APPROXIMATE_EPSILON * Math.abs(step.phi0));
    expect(step.dphi).toBeGreaterThanOrEqual(C2 * step.dphi0);
    expect(step.dphi).toBeLessThanOrEqual((1 - 2 * C1) * -step.dphi0);
    expect(approximateWolfeLineSearch(x, start, start.g, 1, evaluate)).toBeNull(); // not a descent direction
  });

  it('takes L-BFGS on towards the minimum by the gradient, from where the value stops telling (3e-5 off) to within 1e-6', () => {
    const { x, converged } = minimize(rounded(20), x0(20), 200, 1e-12);
    // (it ends when a strong Wolfe step lands on the same rounded value: the loss test, as SciPy's)
    expect(converged).not.toBe('line search');
    x.forEach((v, i) => expect(Math.abs(v - 1 / (i + 1))).toBeLessThan(1e-6));
  });
});

// ---- fit with optimizer 'lbfgs', on both backends ----

/** A bundled table's cells rounded to float32 (as the reference script reads them), z-scored in
 *  float64 (population std; a constant column keeps scale 1), as float32 rows for the model. */
function zScored(file: string): { x: Float32Array; y: Float32Array; rows: number; cols: number } {
  const [, ...lines] = readFileSync(new URL(`../data/${file}`, import.meta.url), 'utf8')
    .trim()
    .split(/\r?\n/);
  const table = lines.map((l) => l.split(',').map((v) => Math.fround(Number(v))));
  const rows = table.length,
    cols = table[0]!.length - 1;
  const x = new Float32Array(rows * cols);
  for (let c = 0; c < cols; c++) {
    const mean = table.reduce((s, r) => s + r[c]!, 0) / rows;
    const std = Math.sqrt(table.reduce((s, r) => s + (r[c]! - mean) ** 2, 0) / rows) || 1;
    table.forEach((r, i) => (x[i * cols + c] = (r[c]! - mean) / std));
  }
  return { x, y: Float32Array.from(table, (r) => r[cols]!), rows, cols };
}

/** The objective of the issue, in float64 from float32 weights: mean BCE + ΣW²/(2n), scikit-learn's LogisticRegression(C=1) over C·n. */
function objectiveOf(data: ReturnType<typeof zScored>, coef: ArrayLike<number>, intercept: number): number {
  let loss = 0,
    penalty = 0;
  for (let i = 0; i < data.rows; i++) {
    let z = intercept;
    for (let c = 0; c < data.cols; c++) z += data.x[i * data.cols + c]! * coef[c]!;
    loss += Math.max(z, 0) - z * data.y[i]! + Math.log1p(Math.exp(-Math.abs(z)));
  }
  for (let c = 0; c < data.cols; c++) penalty += coef[c]! ** 2;
  return loss / data.rows + penalty / (2 * data.rows);
}

const BACKENDS = ['wasm', 'js'] as const;

describe("fit with optimizer 'lbfgs'", () => {
  const reference = JSON.parse(readFileSync(new URL('../data/sklearn-reference.json', import.meta.url), 'utf8')) as {
    tables: Record<string, { optimum: { coef: number[]; intercept: number; objective: number } }>;
  };

  for (const [table, file] of [
    ['breast_cancer', 'breast_cancer.csv'],
    ['pima_diabetes', 'pima_diabetes.csv'],
  ] as const) {
    for (const backend of BACKENDS) {
      it(`reaches scikit-learn's LogisticRegression(C=1) optimum on ${table} (${backend})`, async () => {
        const data = zScored(file),
          optimum = reference.tables[table]!.optimum;
        const model = await Sequential.create({ inputs: data.cols, layers: [dense(1, 'sigmoid')], seed: 1, backend });
        const history = await model.fit(data.x, data.y, { optimizer: 'lbfgs', weightDecay: 1 / data.rows, epochs: 200 });
        expect(history.loss.length).toBeLessThan(200); // converged, stopped early
        const [{ weights, bias }] = model.getWeights() as [LayerWeights];
        expect(relativeDifference(weights, optimum.coef)).toBeLessThan(1e-3);
        expect(Math.abs(bias[0]! - optimum.intercept) / Math.max(...optimum.coef.map(Math.abs))).toBeLessThan(1e-3);
        const objective = objectiveOf(data, weights, bias[0]!);
        expect((objective - optimum.objective) / optimum.objective).toBeLessThan(1e-5);
        model.dispose();
      });
    }
  }
});

/** The objective of a model as fit's L-BFGS defines it, from the model's own forward/backward
 *  pass (gradients()) at float32 points: mean BCE + (λ₂/2)·ΣW² over the kernels. Written here
 *  independently of src/train/fit.ts's. */
function modelObjective(model: Sequential, x: Float32Array, y: Float32Array, decay: number): { x0: Float64Array; evaluate: (v: Float64Array) => Evaluation } {
  const shapes = model.getWeights().map((l) => [l.weights.length, l.bias.length] as const);
  const split = (v: Float64Array): LayerWeights[] => {
    let at = 0;
    return shapes.map(([w, b]) => {
      const l = { weights: Float32Array.from(v.subarray(at, at + w)), bias: Float32Array.from(v.subarray(at + w, at + w + b)) };
      at += w + b;
      return l;
    });
  };
  const join = (layers: LayerWeights[]): Float64Array => Float64Array.from(layers.flatMap((l) => [...l.weights, ...l.bias]));
  return {
    x0: join(model.getWeights()),
    evaluate: (v) => {
      const layers = split(v);
      model.setWeights(layers);
      const grads = model.gradients(x, y);
      const g = join(grads.layers);
      let f = grads.loss,
        at = 0;
      layers.forEach(({ weights: w, bias }) => {
        for (let i = 0; i < w.length; i++) {
          f += (decay / 2) * w[i]! * w[i]!;
          g[at + i]! += decay * w[i]!;
        }
        at += w.length + bias.length;
      });
      return { f, g };
    },
  };
}

const float32Point = (x: Float64Array, alpha: number, d: Float64Array): Float64Array => x.map((v, i) => Math.fround(v + alpha * d[i]!));

describe("L-BFGS on a model (the core's forward/backward pass)", () => {
  const data = zScored('breast_cancer.csv');
  const cases = [
    ['logistic regression, weightDecay 1/n', [dense(1, 'sigmoid')], 1 / data.rows],
    ['MLP 30-8-1 tanh', [dense(8, 'tanh'), dense(1, 'sigmoid')], 0],
    ['MLP 30-4-1 relu, weightDecay 1e-3', [dense(4, 'relu'), dense(1, 'sigmoid')], 1e-3],
  ] as const;
  for (const backend of BACKENDS) {
    for (const [name, layers, decay] of cases) {
      it(`accepts only strong Wolfe steps: ${name} (${backend})`, async () => {
        const model = await Sequential.create({ inputs: data.cols, layers, seed: 3, backend });
        const { x0, evaluate } = modelObjective(model, data.x, data.y, decay);
        const run = new Lbfgs(x0, evaluate(x0), evaluate, { memory: 10, tolerance: 1e-5, ftol: 64 * Number.EPSILON, point: float32Point });
        let steps = 0;
        for (let k = 0; k < 40; k++) {
          const r = run.step();
          if (!r.step) break;
          expectWolfe(r.step);
          steps++;
          if (r.converged) break;
        }
        expect(steps).toBeGreaterThan(10);
        model.dispose();
      });
    }
  }
});

describe("fit with optimizer 'lbfgs': MLPs, determinism, convergence, its options", () => {
  const data = zScored('breast_cancer.csv');

  for (const backend of BACKENDS) {
    it(`trains an MLP 30-8-1 tanh on breast cancer below a training loss of 0.03 within 300 iterations (${backend})`, async () => {
      const model = await Sequential.create({ inputs: data.cols, layers: [dense(8, 'tanh'), dense(1, 'sigmoid')], seed: 7, backend });
      const history = await model.fit(data.x, data.y, { optimizer: 'lbfgs', epochs: 300 });
      expect(history.loss.length).toBeLessThanOrEqual(300);
      expect(history.loss.at(-1)).toBeLessThan(0.03);
      expect(model.evaluate(data.x, data.y).loss).toBeCloseTo(history.loss.at(-1)!, 6); // (the metrics are those at the point kept)
      model.dispose();
    });

    it(`is deterministic, and stops early once converged, on the gradient test (${backend})`, async () => {
      const run = async (): Promise<{ history: number[]; weights: LayerWeights[] }> => {
        const model = await Sequential.create({ inputs: data.cols, layers: [dense(1, 'sigmoid')], seed: 5, backend });
        const history = await model.fit(data.x, data.y, { optimizer: { type: 'lbfgs', tolerance: 1e-4 }, weightDecay: 1 / data.rows, epochs: 100 });
        const weights = model.getWeights();
        const g = model.gradients(data.x, data.y).layers[0]!;
        const gradient = [...g.weights.map((gi, i) => gi + Math.fround(1 / data.rows) * weights[0]!.weights[i]!), ...g.bias];
        // (the loss criterion may stop it first; with tolerance 1e-4 on this table the gradient one does)
        expect(Math.max(...gradient.map(Math.abs))).toBeLessThanOrEqual(1e-4);
        model.dispose();
        return { history: history.loss, weights };
      };
      const a = await run(),
        b = await run();
      expect(a.history.length).toBeLessThan(100);
      expect(b.history).toEqual(a.history);
      expect(b.weights).toEqual(a.weights);
    });

    it(`keeps validation, onEpochEnd and early stopping working (${backend})`, async () => {
      const model = await Sequential.create({ inputs: data.cols, layers: [dense(1, 'sigmoid')], seed: 5, backend });
      const logs: number[] = [];
      const history = await model.fit(data.x, data.y, {
        optimizer: 'lbfgs',
        epochs: 50,
        validationSplit: 0.25,
        earlyStopping: { patience: 2, restoreBestWeights: true },
        onEpochEnd: (log) => void logs.push(log.epoch),
      });
      expect(history.valLoss!.length).toBe(history.loss.length);
      expect(logs).toEqual(history.loss.map((_, k) => k));
      expect(history.bestEpoch).toBeGreaterThanOrEqual(0);
      const stopped = await model.fit(data.x, data.y, { optimizer: 'lbfgs', epochs: 50, onEpochEnd: (log) => log.epoch < 2 });
      expect(stopped.loss.length).toBe(3);
      model.dispose();
    });

    it(`stops with the usual divergence error when the loss is not finite (${backend})`, async () => {
      const model = await Sequential.create({ inputs: 2, layers: [dense(1, 'sigmoid')], seed: 5, backend });
      const before = model.getWeights();
      await expect(
        model.fit(
          [
            [3e38, -3e38],
            [3e38, 3e38],
          ],
          [0, 1],
          { optimizer: 'lbfgs', epochs: 5 },
        ),
      ).rejects.toThrow(/training diverged in epoch 0/);
      expect(model.getWeights()).toEqual(before);
      model.dispose();
    });
  }

  it('gives the same weights on both backends, to float32 rounding', async () => {
    const fitOn = async (backend: 'wasm' | 'js'): Promise<LayerWeights[]> => {
      const model = await Sequential.create({ inputs: data.cols, layers: [dense(1, 'sigmoid')], seed: 2, backend });
      await model.fit(data.x, data.y, { optimizer: 'lbfgs', weightDecay: 1 / data.rows, epochs: 200 });
      const w = model.getWeights();
      model.dispose();
      return w;
    };
    const [wasm, js] = [await fitOn('wasm'), await fitOn('js')];
    expect(relativeDifference(wasm[0]!.weights, js[0]!.weights)).toBeLessThan(1e-4);
  });

  it('makes no iteration from a point that already passes the gradient test: an empty history', async () => {
    const model = await Sequential.create({ inputs: data.cols, layers: [dense(1, 'sigmoid')], seed: 5 });
    const options = { optimizer: { type: 'lbfgs', tolerance: 1e-4 }, weightDecay: 1 / data.rows, epochs: 100 } as const;
    expect((await model.fit(data.x, data.y, options)).loss.length).toBeGreaterThan(5);
    const weights = model.getWeights();
    expect((await model.fit(data.x, data.y, options)).loss).toEqual([]);
    expect(model.getWeights()).toEqual(weights);
    model.dispose();
  });

  it('gives the same bits with 1 and 2 threads (wasm)', async () => {
    const fitWith = async (threads: number): Promise<{ loss: number[]; weights: LayerWeights[] }> => {
      const model = await Sequential.create({ inputs: data.cols, layers: [dense(8, 'tanh'), dense(1, 'sigmoid')], seed: 4, backend: 'wasm', threads });
      const history = await model.fit(data.x, data.y, { optimizer: 'lbfgs', weightDecay: 1e-3, epochs: 40 });
      const weights = model.getWeights();
      model.dispose();
      return { loss: history.loss, weights };
    };
    expect(await fitWith(2)).toEqual(await fitWith(1));
  });

  it('stops before its epochs even with tolerance 0: on the relative decrease, or when no lower float32 point is left', async () => {
    const model = await Sequential.create({ inputs: data.cols, layers: [dense(1, 'sigmoid')], seed: 5 });
    const history = await model.fit(data.x, data.y, { optimizer: { type: 'lbfgs', tolerance: 0, memory: 5 }, weightDecay: 1 / data.rows, epochs: 1000 });
    expect(history.loss.length).toBeLessThan(1000);
    model.dispose();
  });

  it('refuses mini-batches, a learning rate, row weights, checkpoints, fitDataset and bad options', async () => {
    const model = await Sequential.create({ inputs: 2, layers: [dense(1, 'sigmoid')], seed: 1 });
    const x = [
        [0, 1],
        [1, 0],
        [1, 1],
        [0, 0],
      ],
      y = [0, 1, 1, 0];
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [
        { batchSize: 2 },
        'options.batchSize',
        /^options\.batchSize is 2, but L-BFGS \(options\.optimizer 'lbfgs'\) is full-batch: each iteration takes the loss and gradient over all 4 training rows/,
      ],
      [{ batchSize: 1, validationSplit: 0.5 }, 'options.batchSize', /^options\.batchSize is 1, .* over all 2 training rows/],
      [
        { learningRate: 0.1 },
        'options.learningRate',
        /^options\.learningRate cannot be given with L-BFGS \(options\.optimizer 'lbfgs'\): its line search chooses each step$/,
      ],
      [{ learningRateSchedule: { type: 'step', every: 1, factor: 0.5 } }, 'options.learningRateSchedule', /line search/],
      [{ classWeight: 'balanced' }, 'options.classWeight', /row weights are not supported with it yet/],
      [{ sampleWeight: [1, 1, 1, 1] }, 'options.sampleWeight', /row weights are not supported with it yet/],
      [{ checkpoint: { save: () => {} } }, 'options.checkpoint', /not saved in a checkpoint yet/],
    ];
    for (const [extra, argument, message] of cases) {
      await expect(model.fit(x, y, { optimizer: 'lbfgs', ...extra })).rejects.toMatchObject({ argument, message: expect.stringMatching(message) });
    }
    // (a batch of all rows or more is full-batch, and accepted)
    expect((await model.fit(x, y, { optimizer: 'lbfgs', batchSize: 4 })).loss.length).toBe(1);
    const bad: [unknown, string, RegExp][] = [
      [{ type: 'lbfgs', memory: 0 }, 'options.optimizer.memory', /^options\.optimizer\.memory must be an integer/],
      [{ type: 'lbfgs', memory: 2.5 }, 'options.optimizer.memory', /got 2\.5/],
      [{ type: 'lbfgs', tolerance: -1 }, 'options.optimizer.tolerance', /^options\.optimizer\.tolerance must be a finite number ≥ 0, got -1$/],
      [{ type: 'lbfgs', tolerance: NaN }, 'options.optimizer.tolerance', /got NaN$/],
      [{ type: 'lbfgs', ftol: 1 }, 'options.optimizer.ftol', /unknown option "ftol"/],
      ['LBFGS', 'options.optimizer', /^options\.optimizer must be 'sgd', 'adam', 'lbfgs' or/],
    ];
    for (const [optimizer, argument, message] of bad) {
      await expect(model.fit(x, y, { optimizer: optimizer as 'lbfgs' })).rejects.toMatchObject({ argument, message: expect.stringMatching(message) });
    }
    await expect(model.fitDataset([{ x, y }], { optimizer: 'lbfgs' })).rejects.toMatchObject({
      argument: 'options.optimizer',
      message: expect.stringMatching(/is for fit/),
    });
    model.dispose();
  });
});

describe("fit with optimizer 'lbfgs': multinomial logistic regression (a softmax head alone)", () => {
  const reference = JSON.parse(readFileSync(new URL('../data/sklearn-multiclass-reference.json', import.meta.url), 'utf8')) as {
    tables: Record<string, { classes: (string | number)[]; optimum: { coef: number[][]; intercept: number[]; objective: number } }>;
  };

  /** A table z-scored as zScored does, its labels mapped to the reference's sorted classes. */
  function table(name: string): { x: Float32Array; y: Float32Array; rows: number; cols: number } {
    const [header, ...lines] = readFileSync(new URL(`../data/${name}.csv`, import.meta.url), 'utf8')
      .trim()
      .split(/\r?\n/);
    const label = header!.split(',').indexOf('label');
    const classes = reference.tables[name]!.classes.map(String);
    const cells = lines.map((l) => l.split(','));
    const y = Float32Array.from(cells, (c) => classes.indexOf(String(Number.isNaN(Number(c[label])) ? c[label] : Number(c[label]))));
    expect(y.every((c) => c >= 0)).toBe(true);
    const numeric = cells.map((c) => c.filter((_, i) => i !== label).map((v) => Math.fround(Number(v))));
    const rows = numeric.length,
      cols = numeric[0]!.length;
    const x = new Float32Array(rows * cols);
    for (let c = 0; c < cols; c++) {
      const mean = numeric.reduce((s, r) => s + r[c]!, 0) / rows;
      const std = Math.sqrt(numeric.reduce((s, r) => s + (r[c]! - mean) ** 2, 0) / rows) || 1;
      numeric.forEach((r, i) => (x[i * cols + c] = (r[c]! - mean) / std));
    }
    return { x, y, rows, cols };
  }

  // digits10 is all but separable: its intercepts sit in a valley so flat (curvature ~2e-4) that the
  // loss's decreases there fall below its rounding (float32 forward passes): the strong Wolfe search
  // stops ~2e-6 from stationary, 3e-3 off; the approximate Wolfe search goes on by the gradient and
  // lands within 2e-4. It needs a tolerance below the default (1e-5), where the kernels are 4e-3 off.
  for (const [name, tolerance, interceptTolerance] of [
    ['wine', undefined, 1e-3],
    ['iris', undefined, 1e-3],
    ['digits10', 1e-7, 1e-3],
  ] as const) {
    for (const backend of BACKENDS) {
      it(`reaches scikit-learn's multinomial LogisticRegression(C=1) optimum on ${name} (${backend}): kernels within 1e-3, centred intercepts within ${interceptTolerance}`, async () => {
        const data = table(name),
          optimum = reference.tables[name]!.optimum;
        const k = optimum.intercept.length;
        const model = await Sequential.create({ inputs: data.cols, layers: [dense(k, 'softmax')], seed: 1, backend });
        const history = await model.fit({ data: data.x, rows: data.rows, cols: data.cols }, data.y, {
          optimizer: { type: 'lbfgs', ...(tolerance === undefined ? {} : { tolerance }) },
          weightDecay: 1 / data.rows,
          epochs: 1000,
        });
        expect(history.loss.length).toBeLessThan(1000); // converged, stopped early
        const [{ weights, bias }] = model.getWeights() as [LayerWeights];
        // ours: inputs × k (Keras); scikit-learn's coef_: k × inputs
        const coef = Float64Array.from({ length: weights.length }, (_, i) => optimum.coef[i % k]![Math.floor(i / k)]!);
        expect(relativeDifference(weights, coef)).toBeLessThan(1e-3);
        const mean = bias.reduce((s, b) => s + b, 0) / k;
        expect(
          relativeDifference(
            bias.map((b) => b - mean),
            optimum.intercept,
          ),
        ).toBeLessThan(interceptTolerance);
        // the objective at our point: mean cross-entropy + ‖W‖²/(2n), by the model's own pass
        const { loss } = model.gradients({ data: data.x, rows: data.rows, cols: data.cols }, data.y);
        const objective = loss + weights.reduce((s, w) => s + w * w, 0) / (2 * data.rows);
        expect((objective - optimum.objective) / optimum.objective).toBeLessThan(1e-6);
        model.dispose();
      }, 60_000);
    }
  }
});

describe('L-BFGS reads its rows where fit copied them once', () => {
  it('each epoch’s loss is the bits of model.gradients (which copies the rows in anew) at the point it accepted, over several chunks, on both backends', async () => {
    const rows = 50_000,
      cols = 64;
    let s = 7;
    const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const data = Float32Array.from({ length: rows * cols }, () => 4 * next() - 1);
    const y = Float32Array.from({ length: rows }, (_, r) => (data[r * cols]! + data[r * cols + 1]! > 1 ? 1 : 0));
    const x = { data, rows, cols };
    for (const backend of ['wasm', 'js'] as const) {
      const model = await Sequential.create({
        inputs: cols,
        layers: [dense(32, 'tanh'), dense(1, 'sigmoid')],
        seed: 2,
        backend,
        scaler: StandardScaler.fit(x),
      });
      for (let epoch = 1; epoch <= 3; epoch++) {
        const history = await model.fit(x, y, { optimizer: 'lbfgs', epochs: epoch, initialEpoch: epoch - 1 });
        expect(history.loss.at(-1), `${backend}, epoch ${epoch}`).toBe(model.gradients(x, y).loss);
      }
      model.dispose();
    }
  });
});
