// Issue 14: the command line's defaults train as well as scikit-learn's defaults. A fast
// cross-validation (3 stratified folds, the folds of data/sklearn-reference.json) on two bundled
// tables, through the built command (dist/cli.js, which `npm test` builds): logistic regression
// (`--layers ""`) within 0.005 accuracy and AUC of LogisticRegression(), the default MLP within
// 0.01 accuracy of MLPClassifier(). `npm run quality` runs the 5-fold table on all five tables.
import { describe, expect, it } from 'vitest';
import { MARGINS, MULTICLASS_MARGINS, formatMulticlassQuality, formatQuality, multiclassQuality, quality } from '../scripts/quality.js';

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
