#!/usr/bin/python3
"""scikit-learn's least-squares optima on gradwasm's regression table, for issue 22 (real-valued targets).

Writes data/sklearn-regression-reference.json (or the path given as the only argument). Tests
never run Python: they read the JSON.

Run: /usr/bin/python3 scripts/sklearn-regression-reference.py   (Debian's python3-sklearn)

data/diabetes_regression.csv is read as gradwasm's readCsv reads it (a header row, the target in
the column named `label`, every cell rounded to float32), and z-scored (StandardScaler:
population std, a constant column's scale 1). Per model, on the z-scored features:

- `linear`: LinearRegression() — the least-squares optimum, which gradwasm's mean squared error
  reaches with weightDecay 0.
- `ridge1`: Ridge(alpha=1) — sum of squares + alpha * ||w||^2 (intercept free), whose minimum is
  that of gradwasm's mean squared error + (lambda/2) * ||w||^2 with lambda = 2 * alpha / n.

Each stores coef (d, column order), intercept and the mean squared error on the table, in
float64. Both are solved exactly (normal equations), so no polishing is needed.

`cv5`: KFold(n_splits=5, shuffle=True, random_state=0) on the raw table, the fold of every row
(file order), and per fold the R² (r2_score) of make_pipeline(StandardScaler(), m) for m in
LinearRegression(), MLPRegressor(random_state=0) and
TransformedTargetRegressor(MLPRegressor(random_state=0), transformer=StandardScaler()), with each
model's mean.
"""
import csv
import json
import sys

import numpy as np
import warnings

from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    label = header.index("label")
    cells = np.array([[float(v) for v in r] for r in body], dtype=np.float64)
    cells = cells.astype(np.float32).astype(np.float64)
    y = cells[:, label]
    x = np.delete(cells, label, axis=1)
    return x, y


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "data/sklearn-regression-reference.json"
    x, y = read("data/diabetes_regression.csv")
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    std[std == 0] = 1
    z = (x - mean) / std
    n = len(y)
    result = {"table": "diabetes_regression", "rows": n, "models": {}}
    for name, model in [("linear", LinearRegression()), ("ridge1", Ridge(alpha=1.0))]:
        model.fit(z, y)
        residual = model.predict(z) - y
        result["models"][name] = {
            "coef": model.coef_.tolist(),
            "intercept": float(model.intercept_),
            "mse": float(np.mean(residual**2)),
        }
    result["models"]["ridge1"]["alpha"] = 1.0

    folds = KFold(n_splits=5, shuffle=True, random_state=0)
    fold_of_row = [0] * n
    makers = {
        "linear": lambda: make_pipeline(StandardScaler(), LinearRegression()),
        "mlp": lambda: make_pipeline(StandardScaler(), MLPRegressor(random_state=0)),
        "mlp_scaled_target": lambda: make_pipeline(
            StandardScaler(), TransformedTargetRegressor(MLPRegressor(random_state=0), transformer=StandardScaler())
        ),
    }
    scores = {name: [] for name in makers}
    for f, (train, test) in enumerate(folds.split(x)):
        for r in test:
            fold_of_row[r] = f
        for name, make in makers.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)  # (200 iterations, as the default)
                model = make().fit(x[train], y[train])
            scores[name].append(float(r2_score(y[test], model.predict(x[test]))))
    result["cv5"] = {"n_splits": 5, "fold_of_row": fold_of_row}
    for name, r2 in scores.items():
        result["cv5"][name] = {"r2": r2, "mean_r2": sum(r2) / len(r2)}
    import sklearn

    result["versions"] = {"sklearn": sklearn.__version__, "numpy": np.__version__}
    with open(out, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
