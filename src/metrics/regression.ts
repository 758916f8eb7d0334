// Metrics of a regressor, as scikit-learn defines them: mean squared error, its root, mean
// absolute error and the coefficient of determination R² (r2_score), each per output and then
// averaged uniformly over the k outputs (multioutput='uniform_average'). Pure functions over
// targets and values, both rows × k row-major; sums in float64.

/** What {@link Sequential.evaluate} measures over rows with real-valued targets. */
export interface RegressionEvaluation {
  /** The model's loss: Keras's mean squared error, the mean over rows and outputs of (ŷ − y)². */
  loss: number;
  mse: number;
  rmse: number;
  mae: number;
  /** 1 − Σ(y − ŷ)² / Σ(y − ȳ)²; for targets that do not vary, 1 when predicted exactly, else 0 (scikit-learn's force_finite). */
  r2: number;
}

/** MSE, RMSE, MAE and R² of `values` against `targets` (rows × k each), averaged over the k outputs. */
export function regressionEvaluation(loss: number, targets: ArrayLike<number>, values: ArrayLike<number>, k: number): RegressionEvaluation {
  const rows = targets.length / k;
  let mse = 0,
    rmse = 0,
    mae = 0,
    r2 = 0;
  for (let j = 0; j < k; j++) {
    let mean = 0;
    for (let i = 0; i < rows; i++) mean += targets[i * k + j]!;
    mean /= rows;
    let squares = 0,
      absolutes = 0,
      total = 0;
    for (let i = 0; i < rows; i++) {
      const y = targets[i * k + j]!,
        d = values[i * k + j]! - y;
      squares += d * d;
      absolutes += Math.abs(d);
      total += (y - mean) ** 2;
    }
    mse += squares / rows;
    rmse += Math.sqrt(squares / rows);
    mae += absolutes / rows;
    r2 += total > 0 ? 1 - squares / total : squares === 0 ? 1 : 0;
  }
  return { loss, mse: mse / k, rmse: rmse / k, mae: mae / k, r2: r2 / k };
}

/** The evaluation of values in the targets' own units (a model with a target scaler, whose own loss is in scaled units): its loss is their MSE. */
export function targetsEvaluation(targets: ArrayLike<number>, values: ArrayLike<number>, k = 1): RegressionEvaluation {
  const e = regressionEvaluation(NaN, targets, values, k);
  return { ...e, loss: e.mse };
}
