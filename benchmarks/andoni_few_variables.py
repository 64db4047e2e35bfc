"""Andoni et al. (2014), Sec. 6.2: are k-variable polynomials learned with ~k units?

The paper conjectures (and cannot prove) that gradient descent learns a degree-d
polynomial depending on only ``k`` of the ``n`` variables with ``k**O(d)`` hidden
units instead of ``n**O(d)``, and proves (Lemma 6.1) that at a critical point the
network ignores the ``n - k`` irrelevant variables. This script measures both on
circle inputs ``x in C(1)^n`` with the exp activation:

* target: a random sparse quadratic over ``k`` variables
  (:func:`~sklearn_polynn.datasets.make_sparse_polynomial`, ``n_terms = k``,
  ``repeated_variables=True`` so squares ``x_i**2`` are drawn too, unit
  variance), padded with ``n - k = 10 - k`` irrelevant uniform angles;
* model: :class:`~sklearn_polynn.ComplexTwoLayerRegressor` (``domain="circle"``,
  exp activation, its default Adam solver) with ``m`` hidden units, ``m`` in
  ``{k, 2k, 5n}`` (``5n``: the size of the paper's Fig. 1);
* reported: test ``R^2`` and the largest
  :func:`~sklearn_polynn.metrics.variable_dependence` on an irrelevant variable
  (relative to ``Var y``), on fresh inputs.

Not a speed benchmark (not run by ``python -m sklearn_polynn bench``); run it as
``python benchmarks/andoni_few_variables.py [--quick]``. Prints a Markdown table.
"""

import argparse
import time

import numpy as np
from sklearn.metrics import r2_score

from sklearn_polynn import ComplexTwoLayerRegressor
from sklearn_polynn.datasets import make_sparse_polynomial
from sklearn_polynn.metrics import variable_dependence


def _problem(n_samples, n_features, k, seed):
    """Angles ``(n_samples, n_features)``; ``y`` depends on the first ``k``."""
    X_rel, y = make_sparse_polynomial(
        n_samples,
        k,
        k,
        2,
        distribution="circle",
        repeated_variables=True,
        random_state=seed,
    )
    rng = np.random.RandomState(seed + 1000)
    X_irr = rng.uniform(0.0, 2.0 * np.pi, size=(n_samples, n_features - k))
    return np.hstack([X_rel, X_irr]), y


def run(quick, seed=0):
    n = 10
    n_train, n_test = (2000, 1000) if quick else (8000, 4000)
    max_iter = 500 if quick else 3000
    rows = []
    for k in (2, 3) if quick else (2, 3, 4):
        X, y = _problem(n_train + n_test, n, k, seed + k)
        Xtr, ytr, Xte, yte = X[:n_train], y[:n_train], X[n_train:], y[n_train:]
        for m in (k, 2 * k, 5 * n):
            model = ComplexTwoLayerRegressor(
                n_hidden=m, domain="circle", max_iter=max_iter, random_state=seed
            )
            start = time.perf_counter()
            model.fit(Xtr, ytr)
            seconds = time.perf_counter() - start
            dependence = variable_dependence(
                model, Xte, yte, n_repeats=2, random_state=seed
            )
            rows.append(
                (k, m, r2_score(yte, model.predict(Xte)), dependence[k:].max(), seconds)
            )
            print(
                f"| {k} | {m} | {rows[-1][2]:.3f} | {rows[-1][3]:.1e} | "
                f"{seconds:.1f} |",
                flush=True,
            )
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print("| k | hidden units | test R^2 | max irrelevant dependence | fit s |")
    print("|---|---|---|---|---|")
    run(args.quick, args.seed)


if __name__ == "__main__":
    main()
