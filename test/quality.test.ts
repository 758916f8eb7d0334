// Issue 14: the command line's defaults train as well as scikit-learn's defaults. A fast
// cross-validation (3 stratified folds, the folds of data/sklearn-reference.json) on two bundled
// tables, through the built command (dist/cli.js, which `npm test` builds): logistic regression
// (`--layers ""`) within 0.005 accuracy and AUC of LogisticRegression(), the default MLP within
// 0.01 accuracy of MLPClassifier(). `npm run quality` runs the 5-fold table on all five tables.
import { describe, expect, it } from 'vitest';
import {
  MARGINS,
  MULTICLASS_MARGINS,
  REGRESSION_MARGINS,
  formatMulticlassQuality,
  formatQuality,
  formatRegressionQuality,
  multiclassQuality,
  quality,
  regressionQuality,
} from '../scripts/quality.js';

describe("the command line's defaults against scikit-learn's (3-fold CV)", () => {
  it.each(['breast_cancer', 'banknote'])(
    '%s: logistic regression and the MLP within the margins',
    (table) => {
      const [row] = quality([table], 3);
      const report = formatQuality([row!]);
      expect(row!.gradwasm.lr.accuracy, report).toBeGreaterThanOrEqual(row!.sklearn.lr.accuracy - MARGINS.lr.accuracy);
      expect(row!.gradwasm.lr.auc, report).toBeGreaterThanOrEqual(row!.sklearn.lr.auc - MARGINS.lr.auc);
      expect(row!.gradwasm.mlp.accuracy, report).toBeGreaterThanOrEqual(row!.sklearn.mlp.accuracy - MARGINS.mlp.accuracy);
      expect(row!.gradwasm.lr.folds).toHaveLength(3);
    },
    120_000,
  );
});

// Issue 21: the same on tables of classes (5 folds: wine and iris are small), against
// data/sklearn-multiclass-reference.json — LR within 0.01 accuracy, the MLP within 0.015.
describe("the command line's defaults on classes against scikit-learn's (5-fold CV)", () => {
  it.each(['wine', 'iris'])(
    '%s: multinomial logistic regression and the MLP within the margins',
    (table) => {
      const [row] = multiclassQuality([table]);
      const report = formatMulticlassQuality([row!]);
      expect(row!.gradwasm.lr.accuracy, report).toBeGreaterThanOrEqual(row!.sklearn.lr - MULTICLASS_MARGINS.lr);
      expect(row!.gradwasm.mlp.accuracy, report).toBeGreaterThanOrEqual(row!.sklearn.mlp - MULTICLASS_MARGINS.mlp);
      expect(row!.gradwasm.lr.folds).toHaveLength(5);
    },
    120_000,
  );
});

// Issue 22: the same on real-valued targets (5 folds of diabetes, data/sklearn-regression-reference.json):
// the linear default within 0.005 R² of LinearRegression(), the MLP no more than 0.02 below the
// better of MLPRegressor() and TransformedTargetRegressor(MLPRegressor(), StandardScaler()).
describe("the command line's defaults on real-valued targets against scikit-learn's (5-fold CV)", () => {
  it('diabetes_regression: least squares and the MLP within the margins', () => {
    const [row] = regressionQuality(['diabetes_regression']);
    const report = formatRegressionQuality([row!]);
    expect(Math.abs(row!.gradwasm.lr.r2 - row!.sklearn.lr), report).toBeLessThanOrEqual(REGRESSION_MARGINS.lr);
    expect(row!.gradwasm.mlp.r2, report).toBeGreaterThanOrEqual(Math.max(row!.sklearn.mlp, row!.sklearn.mlpScaledTarget) - REGRESSION_MARGINS.mlp);
    expect(row!.gradwasm.mlp.folds).toHaveLength(5);
  }, 120_000);
});
