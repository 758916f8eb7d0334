// Issue 14: the command line's defaults train as well as scikit-learn's defaults. A fast
// cross-validation (3 stratified folds, the folds of data/sklearn-reference.json) on two bundled
// tables, through the built command (dist/cli.js, which `npm test` builds): logistic regression
// (`--layers ""`) within 0.005 accuracy and AUC of LogisticRegression(), the default MLP within
// 0.01 accuracy of MLPClassifier(). `npm run quality` runs the 5-fold table on all five tables.
import { describe, expect, it } from 'vitest';
import { MARGINS, formatQuality, quality } from '../scripts/quality.js';

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
