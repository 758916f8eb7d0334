// The command line on real-valued targets (issue 22): the task read from the label column (or
// --task regression), least squares by L-BFGS for --layers "" (scikit-learn's LinearRegression),
// the regression report (MSE, RMSE, MAE, R²), predict's column named after the label, evaluate.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './support/cli.js';
import { Sequential, type RegressionEvaluation } from '../src/index.js';
import { readCsv } from '../src/node/index.js';

const dir = mkdtempSync(join(tmpdir(), 'gradwasm-cli-regression-'));
const reference = JSON.parse(readFileSync('data/sklearn-regression-reference.json', 'utf8')) as { models: { linear: { mse: number } } };

describe('gradwasm train on real-valued targets', () => {
  it("diabetes: regression from the label column; --layers '' is LinearRegression's least squares (its MSE within 1e-6); predict and evaluate", async () => {
    const out = join(dir, 'diabetes.json');
    const r = await cli('train', 'data/diabetes_regression.csv', '--layers', '', '--val', '0', '--no-progress', '--out', out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe(
      "data/diabetes_regression.csv: regression (real-valued targets); 442 rows × 10 features, label column 'label'; z-scored; target z-scored (mean 152.133, std 77.0057)",
    );
    expect(lines[1]).toMatch(/^linear regression \(least squares\) 10-1 \(linear\), lbfgs, up to 100 iterations \(until converged\), full batch, wasm backend/);
    expect(r.out).toMatch(/\ndata +MSE +RMSE +MAE +R²\n/);
    const model = await Sequential.fromJSON(readFileSync(out, 'utf8'));
    expect(model.task).toBe('regression');
    const table = await readCsv('data/diabetes_regression.csv', { labels: 'values' });
    const e = model.evaluate(table.x, table.y) as RegressionEvaluation;
    expect(Math.abs(e.mse - reference.models.linear.mse) / reference.models.linear.mse).toBeLessThan(1e-6);
    expect(r.out).toMatch(new RegExp(`\\ntrain +${e.mse.toFixed(4)} +${e.rmse.toFixed(4)} +${e.mae.toFixed(4)} +${e.r2.toFixed(4)}\\n`));

    const p = await cli('predict', out, 'data/diabetes_regression.csv');
    const rows = p.out.trim().split('\n');
    expect(rows[0]).toBe('label');
    expect(rows.slice(1).map((v) => Math.fround(Number(v)))).toEqual([...model.predict(table.x)]); // (float32s as their shortest decimals)

    const ev = await cli('evaluate', out, 'data/diabetes_regression.csv');
    expect(ev.out).toContain("data/diabetes_regression.csv: 442 rows, label column 'label', regression");
    expect(ev.out).toContain(e.r2.toFixed(4));
  });

  it("an MLP (MLPRegressor's defaults) on z-scored targets learns; --no-scale-target leaves them raw, where Adam at 0.001 crawls", async () => {
    const scaled = await cli('train', 'data/diabetes_regression.csv', '--no-progress', '--out', join(dir, 'mlp.json'));
    expect(scaled.err).toBe('');
    const r2 = (out: string): number => Number(/\nvalidation +\S+ +\S+ +\S+ +(\S+)\n/.exec(out)![1]);
    expect(r2(scaled.out)).toBeGreaterThan(0.4);
    const json = JSON.parse(readFileSync(join(dir, 'mlp.json'), 'utf8'));
    expect(json.targetScaler.mean[0]).toBeCloseTo(152.7, 1); // the training rows' (--val 0.2)
    const raw = await cli('train', 'data/diabetes_regression.csv', '--no-progress', '--no-scale-target');
    expect(raw.out.split('\n')[0]).not.toContain('target z-scored');
    expect(r2(raw.out)).toBeLessThan(0);
  });

  it('--task regression takes integer labels as values; a label that is not a number is refused by line', async () => {
    const r = await cli('train', 'data/wine.csv', '--task', 'regression', '--layers', '', '--no-progress');
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^data\/wine\.csv: regression \(real-valued targets\)/);
    const bad = await cli('train', 'data/iris.csv', '--task', 'regression', '--no-progress');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/line 2, column 5 \(label\): "setosa" is not a number; targets must be finite numbers/);
    const weights = await cli('train', 'data/diabetes_regression.csv', '--class-weight', 'balanced', '--no-progress');
    expect(weights.code).not.toBe(0);
    expect(weights.err).toMatch(/regression \(no classes\)/);
  });
});
