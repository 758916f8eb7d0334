// L-BFGS (src/lbfgs.ts): the strong Wolfe conditions at every accepted step on analytic
// functions (a quadratic, Rosenbrock) and on a model; the minima they reach.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Sequential, dense, type LayerWeights } from '../src/index.js';
import { C1, C2, Lbfgs, wolfeLineSearch, type Evaluation, type LineSearchResult } from '../src/lbfgs.js';
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
  const n = x.length, g = new Float64Array(n);
  let f = 0;
  for (let i = 0; i + 1 < n; i++) {
    const a = x[i + 1]! - x[i]! ** 2, b = 1 - x[i]!;
    f += 100 * a * a + b * b;
    g[i]! += -400 * x[i]! * a - 2 * b;
    g[i + 1]! += 200 * a;
  }
  return [f, g];
});

/** ½ xᵀ D x − bᵀx with D = diag(1…n): minimum at bᵢ/i. */
const quadratic = (n: number): ((x: Float64Array) => Evaluation) => objective((x) => {
  let f = 0;
  const g = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    f += 0.5 * (i + 1) * x[i]! ** 2 - x[i]!;
    g[i] = (i + 1) * x[i]! - 1;
  }
  return [f, g];
});

function minimize(evaluate: (x: Float64Array) => Evaluation, x0: number[], iterations: number, tolerance = 1e-10): { x: Float64Array; steps: LineSearchResult<Evaluation>[]; converged: string | null } {
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

// ---- fit with optimizer 'lbfgs', on both backends ----

/** A bundled table's cells rounded to float32 (as the reference script reads them), z-scored in
 *  float64 (population std; a constant column keeps scale 1), as float32 rows for the model. */
function zScored(file: string): { x: Float32Array; y: Float32Array; rows: number; cols: number } {
  const [, ...lines] = readFileSync(new URL(`../data/${file}`, import.meta.url), 'utf8').trim().split(/\r?\n/);
  const table = lines.map((l) => l.split(',').map((v) => Math.fround(Number(v))));
  const rows = table.length, cols = table[0]!.length - 1;
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
  let loss = 0, penalty = 0;
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

  for (const [table, file] of [['breast_cancer', 'breast_cancer.csv'], ['pima_diabetes', 'pima_diabetes.csv']] as const) {
    for (const backend of BACKENDS) {
      it(`reaches scikit-learn's LogisticRegression(C=1) optimum on ${table} (${backend})`, async () => {
        const data = zScored(file), optimum = reference.tables[table]!.optimum;
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
