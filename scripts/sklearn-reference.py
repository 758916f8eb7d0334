#!/usr/bin/python3
"""scikit-learn's figures on gradwasm's bundled tables, for issue 14 (train to the optimum).

Writes data/sklearn-reference.json (or the path given as the only argument). Tests never run
Python: they read the JSON, and test/sklearn-reference.test.ts checks it (folds a stratified
partition, row counts, every stored optimum a stationary point of the stored objective).

Run: /usr/bin/python3 scripts/sklearn-reference.py   (Debian's python3-sklearn)

Per table (every data/*.csv, read as gradwasm's readCsv reads it: a header row; the label
column is the one named `label` in any case, else the last; every cell rounded to float32,
as gradwasm holds features):

- `optimum`: the minimum of the L2-regularised logistic regression on the z-scored table
  (StandardScaler: population std, a constant column's scale 1), whose objective in
  gradwasm's form is
      mean log-loss over the n rows + ||w||^2 / (2n)      (w the kernel; the bias is free),
  i.e. sklearn's objective (C * sum log-loss + ||w||^2 / 2) divided by C * n, C = 1. Found by
  LogisticRegression(C=1, solver='newton-cholesky', tol=1e-10, max_iter=100000): it stops on
  the gradient's largest magnitude (of this very objective), so it reaches ~1e-11.
- `lbfgs`: LogisticRegression(C=1, solver='lbfgs', tol=1e-10, max_iter=100000), kept to show
  why it is not the optimum: sklearn 1.2 passes tol to scipy's L-BFGS-B as gtol only, and
  scipy's default ftol (2.2e-9, relative decrease of the objective) stops it first — on
  identical coefficients to the default fit's, with gradients up to ~4e-6.
- `default`: sklearn's default LogisticRegression() (lbfgs, tol 1e-4, max_iter 100).
Each stores coef (column order), intercept, n_iter, converged (no ConvergenceWarning), the
objective above, the mean log-loss alone and the gradient's largest magnitude (kernel and
bias), all recomputed here in float64.
- `cv5`, `cv3`: StratifiedKFold(n_splits=k, shuffle=True, random_state=0), the fold of every
  row (file order), and per fold the accuracy and ROC AUC of make_pipeline(StandardScaler(),
  LogisticRegression()) and make_pipeline(StandardScaler(), MLPClassifier(random_state=0)).
  k = 5 for every table; k = 3 as well for the tables in THREE_FOLD (CI's fast run).
  Each fold: accuracy, auc, n_iter, converged; and each model's mean_accuracy and mean_auc.
"""
import csv
import datetime
import glob
import json
import os
import sys
import warnings

# One BLAS thread: the same sums in the same order on every run (and the cores are shared).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402 (after the thread settings)
import scipy
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
THREE_FOLD = ("breast_cancer", "banknote")
SEED = 0


def read_table(path):
    """Features (float32 cells, as float64) and 0/1 labels, as gradwasm's readCsv reads them."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        header, *rows = [r for r in csv.reader(f) if r]
    names = [h.strip() for h in header]
    lower = [n.lower() for n in names]
    label = lower.index("label") if "label" in lower else len(names) - 1
    cells = np.array([[float(c) for c in r] for r in rows], dtype=np.float64)
    y = cells[:, label]
    if not np.all((y == 0) | (y == 1)):
        raise ValueError(f"{path}: labels must be 0 or 1")
    x = np.delete(cells, label, axis=1).astype(np.float32).astype(np.float64)
    features = [n for i, n in enumerate(names) if i != label]
    return x, y.astype(np.int64), features


def objective(w, b, z, y):
    """gradwasm's objective: mean log-loss + ||w||^2 / (2n); also the mean log-loss and the
    gradient's largest magnitude (kernel and bias)."""
    n = len(y)
    t = z @ w + b
    # log(1 + e^t) - y t, without overflow.
    loss = np.mean(np.maximum(t, 0) + np.log1p(np.exp(-np.abs(t))) - y * t)
    p = 0.5 * (1 + np.tanh(0.5 * t))  # the logistic function, without overflow
    grad_w = z.T @ (p - y) / n + w / n
    grad_b = np.mean(p - y)
    return loss + w @ w / (2 * n), loss, max(np.max(np.abs(grad_w)), abs(grad_b))


def logistic_fit(z, y, **options):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model = LogisticRegression(**options).fit(z, y)
    w, b = model.coef_[0], float(model.intercept_[0])
    value, loss, grad = objective(w, b, z, y)
    return {
        "estimator": f"LogisticRegression({', '.join(f'{k}={v!r}' for k, v in options.items())})",
        "coef": [float(v) for v in w],
        "intercept": b,
        "n_iter": int(model.n_iter_[0]),
        "converged": not any(issubclass(c.category, ConvergenceWarning) for c in caught),
        "objective": float(value),
        "mean_log_loss": float(loss),
        "gradient_max_abs": float(grad),
    }


def cross_validate(x, y, k):
    folds = StratifiedKFold(n_splits=k, shuffle=True, random_state=SEED)
    fold_of_row = np.full(len(y), -1, dtype=np.int64)
    results = {"logistic": [], "mlp": []}
    for f, (train, test) in enumerate(folds.split(x, y)):
        fold_of_row[test] = f
        models = {
            "logistic": make_pipeline(StandardScaler(), LogisticRegression()),
            "mlp": make_pipeline(StandardScaler(), MLPClassifier(random_state=SEED)),
        }
        for name, model in models.items():
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                model.fit(x[train], y[train])
            last = model[-1]
            n_iter = last.n_iter_ if name == "mlp" else last.n_iter_[0]
            results[name].append({
                "accuracy": float(accuracy_score(y[test], model.predict(x[test]))),
                "auc": float(roc_auc_score(y[test], model.predict_proba(x[test])[:, 1])),
                "n_iter": int(n_iter),
                "converged": not any(issubclass(c.category, ConvergenceWarning) for c in caught),
            })
    out = {"n_splits": k, "fold_of_row": [int(f) for f in fold_of_row]}
    for name, per_fold in results.items():
        out[name] = {
            "mean_accuracy": float(np.mean([r["accuracy"] for r in per_fold])),
            "mean_auc": float(np.mean([r["auc"] for r in per_fold])),
            "folds": per_fold,
        }
    return out


def dumps(value, indent=0):
    """JSON with dicts one key a line and lists of numbers on one line (fold lists are long)."""
    pad = "  " * (indent + 1)
    if isinstance(value, dict):
        items = [f"{pad}{json.dumps(k)}: {dumps(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * indent + "}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        return "[\n" + ",\n".join(pad + dumps(v, indent + 1) for v in value) + "\n" + "  " * indent + "]"
    return json.dumps(value, allow_nan=False)


# The tables of more than two classes (scripts/sklearn-multiclass-reference.py covers them) and of
# real-valued targets (scripts/sklearn-regression-reference.py).
MULTICLASS = {"wine", "digits10", "iris", "diabetes_regression"}


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "data", "sklearn-reference.json")
    tables = {}
    for path in sorted(glob.glob(os.path.join(ROOT, "data", "*.csv"))):
        name = os.path.splitext(os.path.basename(path))[0]
        if name in MULTICLASS:
            continue  # (scripts/sklearn-multiclass-reference.py's)
        print(f"{name} …", file=sys.stderr, flush=True)
        x, y, features = read_table(path)
        z = StandardScaler().fit_transform(x)
        table = {
            "file": os.path.relpath(path, ROOT),
            "n": int(len(y)),
            "features": features,
            "positives": int(y.sum()),
            "optimum": logistic_fit(z, y, C=1.0, solver="newton-cholesky", tol=1e-10, max_iter=100000),
            "lbfgs": logistic_fit(z, y, C=1.0, solver="lbfgs", tol=1e-10, max_iter=100000),
            "default": logistic_fit(z, y),
            "cv5": cross_validate(x, y, 5),
        }
        if name in THREE_FOLD:
            table["cv3"] = cross_validate(x, y, 3)
        tables[name] = table
    reference = {
        "generator": "scripts/sklearn-reference.py",
        "command": " ".join([sys.executable, *sys.argv]),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "versions": {
            "python": sys.version.split()[0],
            "sklearn": sklearn.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
        },
        "objective": "mean log-loss over the n rows + ||coef||^2 / (2n), on the z-scored table (population std, constant column scale 1); the intercept is not penalised",
        "features": "cells rounded to float32 (as gradwasm reads them), then float64",
        "cv_models": {
            "logistic": "make_pipeline(StandardScaler(), LogisticRegression())",
            "mlp": "make_pipeline(StandardScaler(), MLPClassifier(random_state=0))",
            "folds": "StratifiedKFold(n_splits=k, shuffle=True, random_state=0)",
        },
        "tables": tables,
    }
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(dumps(reference) + "\n")


if __name__ == "__main__":
    main()
