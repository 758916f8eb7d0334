// `npm run quality`: scripts/quality.ts bundled and run (after `npm run build`, which makes dist/cli.js):
// 5-fold cross-validation of the command line's defaults on every bundled table, beside scikit-learn's.
import { build } from 'esbuild';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const out = resolve('dist/scripts/quality.js');
await build({
  entryPoints: ['scripts/quality.ts'],
  outfile: out,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'es2022',
  loader: { '.wasm': 'binary' },
  logLevel: 'warning',
});
const {
  quality,
  formatQuality,
  MARGINS,
  multiclassQuality,
  formatMulticlassQuality,
  MULTICLASS_MARGINS,
  regressionQuality,
  formatRegressionQuality,
  REGRESSION_MARGINS,
} = await import(pathToFileURL(out).href);
const tables = ['breast_cancer', 'banknote', 'pima_diabetes', 'spambase', 'digits_odd_vs_even'];
const started = performance.now();
const rows = quality(tables, 5);
console.log(formatQuality(rows));
console.log(
  `\n(5-fold stratified CV, the folds of data/sklearn-reference.json; gradwasm: \`gradwasm train --val 0\` with its defaults, \`--layers ""\` for LR; ` +
    `✗: more than ${MARGINS.lr.accuracy} (LR: accuracy or AUC) / ${MARGINS.mlp.accuracy} (MLP: accuracy) below scikit-learn; ${((performance.now() - started) / 1000).toFixed(0)} s)`,
);
const classes = multiclassQuality(['wine', 'digits10', 'iris']);
console.log(`\nMore than two classes (issue 21):\n\n${formatMulticlassQuality(classes)}`);
console.log(
  `\n(5-fold stratified CV, the folds of data/sklearn-multiclass-reference.json; mean accuracy; ✗: more than ${MULTICLASS_MARGINS.lr} (LR) / ${MULTICLASS_MARGINS.mlp} (MLP) below scikit-learn)`,
);
const values = regressionQuality(['diabetes_regression']);
console.log(`\nReal-valued targets (issue 22):\n\n${formatRegressionQuality(values)}`);
console.log(
  `\n(5-fold CV, the folds of data/sklearn-regression-reference.json; mean R²; ✗: linear more than ${REGRESSION_MARGINS.lr} from LinearRegression, ` +
    `MLP more than ${REGRESSION_MARGINS.mlp} below the better of scikit-learn's two)`,
);
process.exitCode = [...rows, ...classes, ...values].every((r) => r.within.lr && r.within.mlp) ? 0 : 1;
