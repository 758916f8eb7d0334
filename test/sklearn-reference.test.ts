// data/sklearn-reference.json (written by scripts/sklearn-reference.py; tests never run Python)
// checked on its own: the folds are a stratified partition of each table's rows, the tables are
// the bundled CSV files as readCsv reads them, and every stored logistic fit is what it says —
// the optimum a stationary point of the stored objective, its value recomputed here in float64.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readCsv } from '../src/node/index.js';

interface Fit {
  estimator: string;
  coef: number[];
  intercept: number;
  n_iter: number;
  converged: boolean;
  objective: number;
  mean_log_loss: number;
  gradient_max_abs: number;
}
interface FoldFigures {
  accuracy: number;
  auc: number;
  n_iter: number;
  converged: boolean;
}
interface ModelFigures {
  mean_accuracy: number;
  mean_auc: number;
  folds: FoldFigures[];
}
interface CrossValidation {
  n_splits: number;
  fold_of_row: number[];
  logistic: ModelFigures;
  mlp: ModelFigures;
}
interface Table {
  file: string;
  n: number;
  features: string[];
  positives: number;
  optimum: Fit;
  lbfgs: Fit;
  default: Fit;
  cv5: CrossValidation;
  cv3?: CrossValidation;
}
interface Reference {
  command: string;
  date: string;
  versions: { python: string; sklearn: string; numpy: string; scipy: string };
  tables: Record<string, Table>;
}

const DATA = new URL('../data/', import.meta.url);
/** The tables of more than two classes, which scripts/sklearn-multiclass-reference.py covers. */
const MULTICLASS = Object.keys(
  (JSON.parse(readFileSync(new URL('sklearn-multiclass-reference.json', DATA), 'utf8')) as { tables: Record<string, unknown> }).tables,
);
/** The table of real-valued targets, which scripts/sklearn-regression-reference.py covers. */
const REGRESSION = (JSON.parse(readFileSync(new URL('sklearn-regression-reference.json', DATA), 'utf8')) as { table: string }).table;
const reference = JSON.parse(readFileSync(new URL('sklearn-reference.json', DATA), 'utf8')) as Reference;
const names = Object.keys(reference.tables);

/** Every column z-scored in float64: population std, a constant column (min = max) scale 1. */
function zScore(x: { data: Float32Array; rows: number; cols: number }): Float64Array {
  const { data, rows, cols } = x;
  const z = Float64Array.from(data);
  for (let c = 0; c < cols; c++) {
    let sum = 0,
      min = Infinity,
      max = -Infinity;
    for (let r = 0; r < rows; r++) {
      const v = z[r * cols + c]!;
      sum += v;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    const mean = min === max ? min : sum / rows;
    let squares = 0;
    for (let r = 0; r < rows; r++) squares += (z[r * cols + c]! - mean) ** 2;
    const scale = min === max ? 1 : Math.sqrt(squares / rows);
    for (let r = 0; r < rows; r++) z[r * cols + c] = (z[r * cols + c]! - mean) / scale;
  }
  return z;
}

/**
 * gradwasm's objective, mean log-loss + ‖w‖² / (2n) (the bias not penalised), and the largest
 * magnitude of its gradient over w and b. z is (n, cols) row-major, y is (n).
 */
function objective(z: Float64Array, y: Float32Array, cols: number, w: readonly number[], b: number): { value: number; loss: number; gradient: number } {
  const n = y.length;
  const gw = new Float64Array(cols);
  let gb = 0,
    loss = 0;
  for (let r = 0; r < n; r++) {
    let t = b;
    for (let c = 0; c < cols; c++) t += w[c]! * z[r * cols + c]!;
    loss += Math.max(t, 0) + Math.log1p(Math.exp(-Math.abs(t))) - y[r]! * t; // log(1 + eᵗ) − y t
    const residual = (t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t))) - y[r]!;
    for (let c = 0; c < cols; c++) gw[c]! += residual * z[r * cols + c]!;
    gb += residual;
  }
  let squares = 0,
    gradient = Math.abs(gb / n);
  for (let c = 0; c < cols; c++) {
    squares += w[c]! ** 2;
    gradient = Math.max(gradient, Math.abs(gw[c]! / n + w[c]! / n));
  }
  return { value: loss / n + squares / (2 * n), loss: loss / n, gradient };
}

describe('data/sklearn-reference.json', () => {
  it('says what made it and covers every bundled table', () => {
    expect(reference.command).toContain('scripts/sklearn-reference.py');
    expect(reference.versions.sklearn).toMatch(/^\d+\.\d+/);
    expect(reference.versions.numpy).toMatch(/^\d+\.\d+/);
    expect(reference.versions.scipy).toMatch(/^\d+\.\d+/);
    expect(Number.isNaN(Date.parse(reference.date))).toBe(false);
    const csvs = readdirSync(DATA)
      .filter((f) => f.endsWith('.csv'))
      .map((f) => f.slice(0, -4))
      .filter((f) => !MULTICLASS.includes(f) && f !== REGRESSION); // (their figures: data/sklearn-multiclass-reference.json, data/sklearn-regression-reference.json)
    expect(names.sort()).toEqual(csvs.sort());
    // CI's fast cross-validation runs 3 folds on these two.
    expect(reference.tables.breast_cancer!.cv3).toBeDefined();
    expect(reference.tables.banknote!.cv3).toBeDefined();
  });

  describe.each(names)('%s', (name) => {
    const table = reference.tables[name]!;
    const read = readCsv(fileURLToPath(new URL(`../${table.file}`, DATA)));

    it('is the CSV file as readCsv reads it', async () => {
      const { x, y, features } = await read;
      expect(x.rows).toBe(table.n);
      expect(y.length).toBe(table.n);
      expect(features).toEqual(table.features);
      expect(y.reduce((s, v) => s + v, 0)).toBe(table.positives);
    });

    const splits = [table.cv5, ...(table.cv3 ? [table.cv3] : [])];
    it.each(splits.map((cv) => [cv.n_splits, cv] as const))('%i folds: a stratified partition, and figures that fit it', async (k, cv) => {
      const { y } = await read;
      expect(cv.fold_of_row.length).toBe(table.n);
      const size = new Array<number>(k).fill(0),
        positives = new Array<number>(k).fill(0);
      for (const [row, fold] of cv.fold_of_row.entries()) {
        expect(Number.isInteger(fold) && fold >= 0 && fold < k).toBe(true);
        size[fold]!++;
        positives[fold]! += y[row]!;
      }
      // StratifiedKFold deals each class's rows round the folds: every fold's size and positive
      // count is within one of an even share (its positive share within ~1/size of the table's).
      for (let f = 0; f < k; f++) {
        expect(Math.abs(size[f]! - table.n / k)).toBeLessThan(1);
        expect(Math.abs(positives[f]! - table.positives / k)).toBeLessThan(1);
      }
      for (const model of [cv.logistic, cv.mlp]) {
        expect(model.folds.length).toBe(k);
        for (const [f, figures] of model.folds.entries()) {
          // An accuracy is a count of right answers over the fold's rows.
          const right = figures.accuracy * size[f]!;
          expect(Math.abs(right - Math.round(right))).toBeLessThan(1e-9);
          expect(figures.auc).toBeGreaterThan(0.5);
          expect(figures.auc).toBeLessThanOrEqual(1);
        }
        expect(model.mean_accuracy).toBeCloseTo(model.folds.reduce((s, f) => s + f.accuracy, 0) / k, 12);
        expect(model.mean_auc).toBeCloseTo(model.folds.reduce((s, f) => s + f.auc, 0) / k, 12);
      }
    });

    it('stores the optimum: a stationary point, its objective recomputed in float64', async () => {
      const { x, y } = await read;
      const z = zScore(x);
      const { optimum } = table;
      expect(optimum.coef.length).toBe(x.cols);
      const at = objective(z, y, x.cols, optimum.coef, optimum.intercept);
      // newton-cholesky at tol 1e-10 leaves ~1e-11; the L-BFGS tests need at least 1e-6.
      expect(at.gradient).toBeLessThan(1e-9);
      expect(Math.abs(at.value - optimum.objective)).toBeLessThan(1e-9 * optimum.objective);
      expect(Math.abs(at.loss - optimum.mean_log_loss)).toBeLessThan(1e-9 * optimum.mean_log_loss);
      // sklearn's L-BFGS fits (tight and default) stop short of it, by their stored figures.
      for (const fit of [table.lbfgs, table.default]) {
        const there = objective(z, y, x.cols, fit.coef, fit.intercept);
        expect(Math.abs(there.value - fit.objective)).toBeLessThan(1e-9 * fit.objective);
        expect(Math.abs(there.gradient - fit.gradient_max_abs)).toBeLessThan(1e-9);
        expect(fit.objective).toBeGreaterThanOrEqual(optimum.objective - 1e-15);
      }
    });
  });
});
