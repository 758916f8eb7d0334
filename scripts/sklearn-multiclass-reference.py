#!/usr/bin/python3
"""scikit-learn's figures on gradwasm's multiclass tables, for issue 21 (more than two classes).

Writes data/sklearn-multiclass-reference.json (or the path given as the only argument). Tests
never run Python: they read the JSON.

Run: /usr/bin/python3 scripts/sklearn-multiclass-reference.py   (Debian's python3-sklearn)

Per table (data/wine.csv, data/digits10.csv, data/iris.csv, read as gradwasm's readCsv reads
them: a header row, the label column named `label`; every feature cell rounded to float32, as
gradwasm holds features; classes sorted as numpy.unique sorts them, labels their indices):

- `optimum`: the minimum of the L2-regularised multinomial logistic regression on the z-scored
  table (StandardScaler: population std, a constant column's scale 1), whose objective in
  gradwasm's form is
      mean cross-entropy over the n rows + ||W||^2 / (2n)      (W the k x d kernel; biases free),
  i.e. sklearn's LogisticRegression(C=1) objective (C * sum cross-entropy + ||W||^2 / 2) divided by
  C * n. Found by LogisticRegression(C=1, solver='lbfgs', tol=1e-10, max_iter=100000), which
  stops short of it (scipy's ftol), then polished by Newton's method on this very objective in
  float64 (exact gradient and Hessian, the intercepts' shared constant fixed by centring them),
  to a gradient of ~1e-12. Stores coef (k rows of d, column order), intercept (k, centred to mean
  0: softmax intercepts are defined up to a shared constant), the objective, the mean
  cross-entropy alone and the gradient's largest magnitude.
- `lbfgs`: the same fit before polishing, with its gradient, to show how far it stopped.
- `cv5`: StratifiedKFold(n_splits=5, shuffle=True, random_state=0) on the raw table, the fold of
  every row (file order), and per fold the accuracy and the macro one-vs-rest ROC AUC of
  make_pipeline(StandardScaler(), LogisticRegression()) and make_pipeline(StandardScaler(),
  MLPClassifier(random_state=0)), with each model's means.
"""
import csv
import datetime
import json
import os
import sys
import warnings

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import sklearn  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import accuracy_score, roc_auc_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

TABLES = ["wine", "digits10", "iris"]
HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")


def read_table(name):
    with open(os.path.join(DATA, f"{name}.csv"), newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    label = header.index("label")
    features = [c for c in range(len(header)) if c != label]
    x = np.array([[np.float32(float(r[c])) for c in features] for r in body], dtype=np.float64)
    raw = [r[label] for r in body]
    try:
        values = [float(v) for v in raw]
        classes = np.unique(values)
        y = np.searchsorted(classes, values)
        names = [int(c) if float(c).is_integer() else float(c) for c in classes]
    except ValueError:
        classes = np.unique(raw)
        y = np.searchsorted(classes, raw)
        names = [str(c) for c in classes]
    return x, y, names


def z_score(x):
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    std[std == 0] = 1
    return (x - mean) / std


def objective(x, y, k, coef, intercept):
    """Mean cross-entropy + ||W||^2/(2n), its gradient (coef, intercept), and the mean cross-entropy."""
    n = x.shape[0]
    z = x @ coef.T + intercept
    top = z.max(axis=1, keepdims=True)
    lse = top[:, 0] + np.log(np.exp(z - top).sum(axis=1))
    ce = np.mean(lse - z[np.arange(n), y])
    p = np.exp(z - lse[:, None])
    p[np.arange(n), y] -= 1
    g_coef = p.T @ x / n + coef / n
    g_intercept = p.sum(axis=0) / n
    return ce + (coef**2).sum() / (2 * n), g_coef, g_intercept, ce


def polish(x, y, k, coef, intercept):
    """Newton's method on the objective over (coef, intercept), the intercepts centred after every step."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    for _ in range(50):
        f, gc, gi, _ = objective(x, y, k, coef, intercept)
        g = np.hstack([gc, gi[:, None]]).ravel()
        if np.abs(g).max() < 1e-13:
            break
        z = x @ coef.T + intercept
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        # Hessian of the mean cross-entropy: sum over rows of (diag(p) - p p^T) kron (xb xb^T) / n
        h = np.zeros((k * (d + 1), k * (d + 1)))
        for a in range(k):
            for b in range(k):
                w = p[:, a] * ((a == b) - p[:, b])
                h[a * (d + 1) : (a + 1) * (d + 1), b * (d + 1) : (b + 1) * (d + 1)] = (xb * w[:, None]).T @ xb / n
        for a in range(k):
            for j in range(d):
                h[a * (d + 1) + j, a * (d + 1) + j] += 1 / n
        # the shared constant of the intercepts is free: solve in the least-squares sense
        step = np.linalg.lstsq(h, g, rcond=None)[0].reshape(k, d + 1)
        coef = coef - step[:, :d]
        intercept = intercept - step[:, d]
        intercept -= intercept.mean()
    return coef, intercept


def figures(x, y, k, coef, intercept):
    f, gc, gi, ce = objective(x, y, k, coef, intercept)
    return {
        "coef": coef.tolist(),
        "intercept": (intercept - intercept.mean()).tolist(),
        "objective": f,
        "cross_entropy": ce,
        "gradient_max": float(max(np.abs(gc).max(), np.abs(gi).max())),
    }


def cross_validate(x, y, k):
    folds = StratifiedKFold(n_splits=k, shuffle=True, random_state=0)
    fold_of_row = np.full(len(y), -1, dtype=np.int64)
    results = {"logistic": [], "mlp": []}
    for f, (train, test) in enumerate(folds.split(x, y)):
        fold_of_row[test] = f
        models = {
            "logistic": make_pipeline(StandardScaler(), LogisticRegression()),
            "mlp": make_pipeline(StandardScaler(), MLPClassifier(random_state=0)),
        }
        for name, model in models.items():
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                model.fit(x[train], y[train])
            results[name].append({
                "accuracy": float(accuracy_score(y[test], model.predict(x[test]))),
                "auc": float(roc_auc_score(y[test], model.predict_proba(x[test]), multi_class="ovr", labels=np.arange(len(np.unique(y))))),
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


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(DATA, "sklearn-multiclass-reference.json")
    tables = {}
    for name in TABLES:
        x, y, classes = read_table(name)
        xs = z_score(x)
        k = len(classes)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = LogisticRegression(C=1, solver="lbfgs", tol=1e-10, max_iter=100000).fit(xs, y)
        lbfgs = figures(xs, y, k, model.coef_, model.intercept_)
        lbfgs["n_iter"] = int(model.n_iter_[0])
        coef, intercept = polish(xs, y, k, model.coef_.copy(), model.intercept_ - model.intercept_.mean())
        tables[name] = {
            "rows": int(x.shape[0]),
            "cols": int(x.shape[1]),
            "classes": classes,
            "optimum": figures(xs, y, k, coef, intercept),
            "lbfgs": lbfgs,
            "cv5": cross_validate(x, y, 5),
        }
        cv = tables[name]["cv5"]
        print(f"  cv5: LogisticRegression {cv['logistic']['mean_accuracy']:.4f}, MLPClassifier {cv['mlp']['mean_accuracy']:.4f}")
        print(f"{name}: k {k}, objective {tables[name]['optimum']['objective']:.12g}, gradient {tables[name]['optimum']['gradient_max']:.1e} (sklearn's lbfgs: {lbfgs['gradient_max']:.1e})")
    result = {
        "command": "/usr/bin/python3 scripts/sklearn-multiclass-reference.py",
        "date": datetime.date.today().isoformat(),
        "versions": {"python": sys.version.split()[0], "sklearn": sklearn.__version__, "numpy": np.__version__, "scipy": scipy.__version__},
        "tables": tables,
    }
    with open(out, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
