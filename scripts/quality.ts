// `npm run quality`: gradwasm's command-line defaults in stratified cross-validation on the
// bundled tables, beside scikit-learn's defaults on the same folds (data/sklearn-reference.json,
// made by scripts/sklearn-reference.py). Each fold trains the built command (dist/cli.js) on the
// other folds' rows — `gradwasm train fold.csv --val 0 [--layers ""]`, the defaults otherwise —
// and scores `gradwasm predict` on the fold: accuracy at 0.5 and ROC AUC.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { rocAuc } from '../src/metrics/classification.js';
import { regressionEvaluation } from '../src/metrics/regression.js';

export const REFERENCE = 'data/sklearn-reference.json';

/** The two models compared: logistic regression and the default MLP. */
export const MODELS = { lr: { flags: ['--layers', ''], sklearn: 'LogisticRegression()' }, mlp: { flags: [] as string[], sklearn: 'MLPClassifier()' } } as const;
export type ModelName = keyof typeof MODELS;

/** Mean accuracy and AUC over the folds, and each fold's. */
export interface Scores {
  accuracy: number;
  auc: number;
  folds: { accuracy: number; auc: number }[];
}

/** One table's rows as text lines (header first) and each row's label, as the CLI reads the file. */
function lines(path: string): { header: string; rows: string[]; labels: number[] } {
  const [header, ...rows] = readFileSync(path, 'utf8').trimEnd().split(/\r?\n/);
  const names = header!.split(',');
  const at = names.findIndex((n) => n.trim().toLowerCase() === 'label');
  const labelAt = at >= 0 ? at : names.length - 1;
  return { header: header!, rows, labels: rows.map((r) => Number(r.split(',')[labelAt])) };
}

/** Cross-validate `model` with the CLI's defaults on `table` (a path), the folds given by each row's fold index. */
export function crossValidate(table: string, folds: readonly number[], model: ModelName, extraFlags: readonly string[] = []): Scores {
  const { labels } = lines(table);
  const scores = eachFold(table, folds, model, extraFlags, (predicted, f) => {
    const p = predicted.map((l) => Number(l.split(',')[0]));
    const y = labels.filter((_, r) => folds[r] === f);
    const correct = p.reduce((n, v, i) => n + ((v > 0.5 ? 1 : 0) === y[i] ? 1 : 0), 0);
    return { accuracy: correct / y.length, auc: rocAuc(y, p) };
  });
  const mean = (key: 'accuracy' | 'auc') => scores.reduce((s, x) => s + x[key], 0) / scores.length;
  return { accuracy: mean('accuracy'), auc: mean('auc'), folds: scores };
}

/**
 * Each fold of `table`: the CLI's defaults (with `model`'s flags) trained by `gradwasm train --val 0`
 * on the other folds' rows, then `gradwasm predict` on the fold; `score` takes predict's lines
 * (the header left out) and the fold's index.
 */
function eachFold<T>(
  table: string,
  folds: readonly number[],
  model: ModelName,
  extraFlags: readonly string[],
  score: (predicted: string[], fold: number) => T,
): T[] {
  const { header, rows } = lines(table);
  if (folds.length !== rows.length) throw new Error(`${table}: ${rows.length} rows, but ${folds.length} fold indices`);
  const k = Math.max(...folds) + 1;
  const dir = mkdtempSync(join(tmpdir(), 'gradwasm-quality-'));
  const cli = resolve('dist/cli.js');
  try {
    return Array.from({ length: k }, (_, f) => {
      const train = join(dir, 'train.csv'),
        test = join(dir, 'test.csv'),
        saved = join(dir, 'model.json');
      writeFileSync(train, [header, ...rows.filter((_, r) => folds[r] !== f)].join('\n') + '\n');
      writeFileSync(test, [header, ...rows.filter((_, r) => folds[r] === f)].join('\n') + '\n');
      run(cli, ['train', train, '--val', '0', '--no-progress', '--out', saved, ...MODELS[model].flags, ...extraFlags]);
      return score(run(cli, ['predict', saved, test]).trimEnd().split('\n').slice(1), f);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(cli: string, argv: string[]): string {
  const r = spawnSync(process.execPath, [cli, ...argv], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`gradwasm ${argv.join(' ')} exited with ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** The stored scikit-learn figures of one table's cross-validation (cv5 or cv3). */
interface ReferenceCv {
  n_splits: number;
  fold_of_row: number[];
  logistic: { mean_accuracy: number; mean_auc: number };
  mlp: { mean_accuracy: number; mean_auc: number };
}

/** The issue's margins: logistic regression within 0.005 accuracy and AUC of scikit-learn's, the MLP within 0.01 accuracy. */
export const MARGINS = { lr: { accuracy: 0.005, auc: 0.005 }, mlp: { accuracy: 0.01, auc: Infinity } } as const;

/** One table's row of the comparison. */
export interface QualityRow {
  table: string;
  folds: number;
  gradwasm: Record<ModelName, Scores>;
  sklearn: Record<ModelName, { accuracy: number; auc: number }>;
  /** Whether gradwasm is within MARGINS of scikit-learn (or better). */
  within: Record<ModelName, boolean>;
}

/** Cross-validate both models on `tables` (names of data/*.csv) with the stored folds (5, or 3 where stored). */
export function quality(tables: readonly string[], folds: 5 | 3 = 5): QualityRow[] {
  const reference = JSON.parse(readFileSync(REFERENCE, 'utf8')) as { tables: Record<string, { file: string; cv5: ReferenceCv; cv3?: ReferenceCv }> };
  return tables.map((table) => {
    const entry = reference.tables[table];
    const cv = folds === 5 ? entry?.cv5 : entry?.cv3;
    if (!entry || !cv) throw new Error(`${REFERENCE} has no ${folds}-fold figures for ${table}`);
    const path = join('data', `${table}.csv`);
    const gradwasm = { lr: crossValidate(path, cv.fold_of_row, 'lr'), mlp: crossValidate(path, cv.fold_of_row, 'mlp') };
    const sklearn = { lr: { accuracy: cv.logistic.mean_accuracy, auc: cv.logistic.mean_auc }, mlp: { accuracy: cv.mlp.mean_accuracy, auc: cv.mlp.mean_auc } };
    const ok = (m: ModelName) => gradwasm[m].accuracy >= sklearn[m].accuracy - MARGINS[m].accuracy && gradwasm[m].auc >= sklearn[m].auc - MARGINS[m].auc;
    return { table, folds, gradwasm, sklearn, within: { lr: ok('lr'), mlp: ok('mlp') } };
  });
}

/** The comparison as a Markdown table. */
export function formatQuality(rows: readonly QualityRow[]): string {
  const f = (v: number) => v.toFixed(3);
  const mark = (ok: boolean) => (ok ? '' : ' ✗');
  return [
    '| table | folds | gradwasm LR acc / AUC | sklearn LogisticRegression acc / AUC | gradwasm MLP acc / AUC | sklearn MLPClassifier acc / AUC |',
    '|---|--:|--:|--:|--:|--:|',
    ...rows.map(
      (r) =>
        `| ${r.table} | ${r.folds} | ${f(r.gradwasm.lr.accuracy)} / ${f(r.gradwasm.lr.auc)}${mark(r.within.lr)} | ${f(r.sklearn.lr.accuracy)} / ${f(r.sklearn.lr.auc)} | ` +
        `${f(r.gradwasm.mlp.accuracy)} / ${f(r.gradwasm.mlp.auc)}${mark(r.within.mlp)} | ${f(r.sklearn.mlp.accuracy)} / ${f(r.sklearn.mlp.auc)} |`,
    ),
  ].join('\n');
}

// ---- more than two classes (issue 21) ----

export const MULTICLASS_REFERENCE = 'data/sklearn-multiclass-reference.json';

/** The issue's margins for classes: the CLI's defaults within 0.01 accuracy of LogisticRegression(), 0.015 of MLPClassifier(). */
export const MULTICLASS_MARGINS = { lr: 0.01, mlp: 0.015 } as const;

/** One multiclass table's row: mean accuracy over the folds, gradwasm's and scikit-learn's. */
export interface MulticlassRow {
  table: string;
  folds: number;
  gradwasm: Record<ModelName, { accuracy: number; folds: number[] }>;
  sklearn: Record<ModelName, number>;
  within: Record<ModelName, boolean>;
}

/** Cross-validate the CLI's defaults on a table of classes: each fold trained by `gradwasm train`
 *  (the task read from the label column) and scored by `gradwasm predict`'s class column. */
export function crossValidateClasses(table: string, folds: readonly number[], model: ModelName): { accuracy: number; folds: number[] } {
  const { header, rows } = lines(table);
  const labelAt = header.split(',').findIndex((n) => n.trim().toLowerCase() === 'label');
  const label = (row: string): string =>
    String(Number.isNaN(Number(row.split(',')[labelAt])) ? row.split(',')[labelAt]!.trim() : Number(row.split(',')[labelAt]));
  const scores = eachFold(table, folds, model, [], (predicted, f) => {
    const testRows = rows.filter((_, r) => folds[r] === f);
    return predicted.map((l) => l.slice(l.lastIndexOf(',') + 1)).filter((c, i) => c === label(testRows[i]!)).length / testRows.length;
  });
  return { accuracy: scores.reduce((s, v) => s + v, 0) / scores.length, folds: scores };
}

/** Both models on `tables` of classes, with the stored 5 folds, beside scikit-learn's. */
export function multiclassQuality(tables: readonly string[]): MulticlassRow[] {
  const reference = JSON.parse(readFileSync(MULTICLASS_REFERENCE, 'utf8')) as {
    tables: Record<string, { cv5: { n_splits: number; fold_of_row: number[]; logistic: { mean_accuracy: number }; mlp: { mean_accuracy: number } } }>;
  };
  return tables.map((table) => {
    const cv = reference.tables[table]?.cv5;
    if (!cv) throw new Error(`${MULTICLASS_REFERENCE} has no 5-fold figures for ${table}`);
    const path = join('data', `${table}.csv`);
    const gradwasm = { lr: crossValidateClasses(path, cv.fold_of_row, 'lr'), mlp: crossValidateClasses(path, cv.fold_of_row, 'mlp') };
    const sklearn = { lr: cv.logistic.mean_accuracy, mlp: cv.mlp.mean_accuracy };
    const within = { lr: gradwasm.lr.accuracy >= sklearn.lr - MULTICLASS_MARGINS.lr, mlp: gradwasm.mlp.accuracy >= sklearn.mlp - MULTICLASS_MARGINS.mlp };
    return { table, folds: cv.n_splits, gradwasm, sklearn, within };
  });
}

/** The multiclass comparison as a Markdown table. */
export function formatMulticlassQuality(rows: readonly MulticlassRow[]): string {
  const f = (v: number) => v.toFixed(3);
  const mark = (ok: boolean) => (ok ? '' : ' ✗');
  return [
    '| table | folds | gradwasm LR accuracy | sklearn LogisticRegression | gradwasm MLP accuracy | sklearn MLPClassifier |',
    '|---|--:|--:|--:|--:|--:|',
    ...rows.map(
      (r) =>
        `| ${r.table} | ${r.folds} | ${f(r.gradwasm.lr.accuracy)}${mark(r.within.lr)} | ${f(r.sklearn.lr)} | ${f(r.gradwasm.mlp.accuracy)}${mark(r.within.mlp)} | ${f(r.sklearn.mlp)} |`,
    ),
  ].join('\n');
}

// ---- real-valued targets (issue 22) ----

export const REGRESSION_REFERENCE = 'data/sklearn-regression-reference.json';

/** The issue's margins: the CLI's linear default within 0.005 R² of LinearRegression(); its MLP no
 *  more than 0.02 below the better of MLPRegressor() and TransformedTargetRegressor(MLPRegressor(), StandardScaler()). */
export const REGRESSION_MARGINS = { lr: 0.005, mlp: 0.02 } as const;

/** One regression table's row: mean R² over the folds, gradwasm's and scikit-learn's. */
export interface RegressionRow {
  table: string;
  folds: number;
  gradwasm: Record<ModelName, { r2: number; folds: number[] }>;
  sklearn: { lr: number; mlp: number; mlpScaledTarget: number };
  within: Record<ModelName, boolean>;
}

/** Cross-validate the CLI's defaults on a table of real-valued targets: each fold trained by
 *  `gradwasm train` (the task read from the label column) and scored by the R² of `gradwasm predict`'s values. */
export function crossValidateValues(table: string, folds: readonly number[], model: ModelName): { r2: number; folds: number[] } {
  const { labels } = lines(table);
  const scores = eachFold(
    table,
    folds,
    model,
    [],
    (predicted, f) =>
      regressionEvaluation(
        NaN,
        labels.filter((_, r) => folds[r] === f),
        predicted.map(Number),
        1,
      ).r2,
  );
  return { r2: scores.reduce((s, v) => s + v, 0) / scores.length, folds: scores };
}

/** Both models on `tables` of real-valued targets, with the stored 5 folds, beside scikit-learn's. */
export function regressionQuality(tables: readonly string[]): RegressionRow[] {
  type Cv = { n_splits: number; fold_of_row: number[]; linear: { mean_r2: number }; mlp: { mean_r2: number }; mlp_scaled_target: { mean_r2: number } };
  const reference = JSON.parse(readFileSync(REGRESSION_REFERENCE, 'utf8')) as { table: string; cv5: Cv };
  return tables.map((table) => {
    if (reference.table !== table) throw new Error(`${REGRESSION_REFERENCE} has no 5-fold figures for ${table}`);
    const cv = reference.cv5;
    const path = join('data', `${table}.csv`);
    const gradwasm = { lr: crossValidateValues(path, cv.fold_of_row, 'lr'), mlp: crossValidateValues(path, cv.fold_of_row, 'mlp') };
    const sklearn = { lr: cv.linear.mean_r2, mlp: cv.mlp.mean_r2, mlpScaledTarget: cv.mlp_scaled_target.mean_r2 };
    const within = {
      lr: Math.abs(gradwasm.lr.r2 - sklearn.lr) <= REGRESSION_MARGINS.lr,
      mlp: gradwasm.mlp.r2 >= Math.max(sklearn.mlp, sklearn.mlpScaledTarget) - REGRESSION_MARGINS.mlp,
    };
    return { table, folds: cv.n_splits, gradwasm, sklearn, within };
  });
}

/** The regression comparison as a Markdown table. */
export function formatRegressionQuality(rows: readonly RegressionRow[]): string {
  const f = (v: number) => v.toFixed(3);
  const mark = (ok: boolean) => (ok ? '' : ' ✗');
  return [
    '| table | folds | gradwasm linear R² | sklearn LinearRegression | gradwasm MLP R² | sklearn MLPRegressor | sklearn MLPRegressor, target scaled |',
    '|---|--:|--:|--:|--:|--:|--:|',
    ...rows.map(
      (r) =>
        `| ${r.table} | ${r.folds} | ${f(r.gradwasm.lr.r2)}${mark(r.within.lr)} | ${f(r.sklearn.lr)} | ${f(r.gradwasm.mlp.r2)}${mark(r.within.mlp)} | ${f(r.sklearn.mlp)} | ${f(r.sklearn.mlpScaledTarget)} |`,
    ),
  ].join('\n');
}
