"""Shamir (2018), Thm 4: whitening makes orthogonally invariant learners linearly
invariant.

Two experiments with :class:`~sklearn_polynn.TensorInitOneHiddenLayer` (tensor
initialization + gradient descent, Zhong et al. 2017), which is orthogonally
invariant but assumes ``x ~ N(0, I)``:

* **Invariance.** Train on ``X`` and on ``X A`` for random invertible ``A`` of
  growing condition number and compare the test predictions (at ``X_test`` and
  ``X_test A``), with and without :class:`~sklearn_polynn.WhiteningTransformer`
  in front.
* **Correlated inputs.** Observe ``x = L g`` with ``g ~ N(0, I)`` and
  ``Sigma = L L^T`` of growing condition number; the generating weights are
  ``W* = L^{-T} U``. Recovery error of ``W*`` (best unit matching) for the
  estimator alone and behind whitening (mapped back with
  ``input_space_weights``).
"""

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

from ..datasets import make_teacher_network
from ..metrics import parameter_recovery_error
from ..preprocessing import WhiteningTransformer
from ..tensor_init import TensorInitOneHiddenLayer
from ._io import (
    all_keys,
    fit_quietly,
    output_paths,
    progress,
    pyplot,
    save_figure,
    write_csv,
)

__all__ = ["random_invertible", "run"]

NAME = "shamir-thm4"


def _random_orthogonal(rng, n):
    Q, R = np.linalg.qr(rng.standard_normal((n, n)))
    return Q * np.sign(np.diag(R))


def random_invertible(rng, n, condition_number):
    """``U diag(s) V^T`` with singular values geometric from 1 to 1/kappa."""
    s = np.geomspace(1.0, 1.0 / condition_number, n)
    return _random_orthogonal(rng, n) @ np.diag(s) @ _random_orthogonal(rng, n)


def _fit(model, X, y):
    # the correlated / transformed inputs trigger the estimator's N(0, I) warning
    return fit_quietly(model, X, y, ignore_messages=(".*assumes x ~ N",))


def _invariance_rows(est, d, k, n, kappas, rng, random_state):
    X, y = make_teacher_network(n + 1000, d, k, random_state=random_state)
    X, Xt, y = X[:n], X[n:], y[:n]
    base = {
        "alone": _fit(clone(est), X, y).predict(Xt),
        "whitened": _fit(
            make_pipeline(WhiteningTransformer(), clone(est)), X, y
        ).predict(Xt),
    }
    rows = []
    for kappa in kappas:
        A = random_invertible(rng, d, kappa)
        for how, model in (
            ("alone", clone(est)),
            ("whitened", make_pipeline(WhiteningTransformer(), clone(est))),
        ):
            pred = _fit(model, X @ A, y).predict(Xt @ A)
            rows.append(
                {
                    "experiment": "invariance",
                    "how": how,
                    "condition_number": kappa,
                    "max_abs_prediction_change": float(
                        np.max(np.abs(pred - base[how]))
                    ),
                    "prediction_scale": float(np.max(np.abs(base[how]))),
                }
            )
    return rows


def _correlated_rows(est, d, k, n, kappas, rng, random_state):
    G, y, truth = make_teacher_network(
        n, d, k, return_truth=True, random_state=random_state
    )
    rows = []
    for kappa in kappas:
        Q = _random_orthogonal(rng, d)
        L = np.linalg.cholesky(Q @ np.diag(np.geomspace(1.0 / kappa, 1.0, d)) @ Q.T)
        X = G @ L.T
        W_star = np.linalg.solve(L.T, truth.hidden_weights)
        alone = _fit(clone(est), X, y)
        pipe = _fit(make_pipeline(WhiteningTransformer(), clone(est)), X, y)
        W_pipe = pipe[0].input_space_weights(pipe[-1].hidden_weights_)
        for how, W, v, score in (
            ("alone", alone.hidden_weights_, alone.output_weights_, alone.score(X, y)),
            ("whitened", W_pipe, pipe[-1].output_weights_, pipe.score(X, y)),
        ):
            err, _ = parameter_recovery_error(W_star, W, truth.output_weights, v)
            rows.append(
                {
                    "experiment": "correlated",
                    "how": how,
                    "condition_number": kappa,
                    "recovery_error": float(err),
                    "train_r2": float(score),
                }
            )
    return rows


def _plot(rows, path):
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for k, how in enumerate(("alone", "whitened")):
        inv = [r for r in rows if r["experiment"] == "invariance" and r["how"] == how]
        axes[0].plot(
            [r["condition_number"] for r in inv],
            [max(r["max_abs_prediction_change"], 1e-16) for r in inv],
            "o-",
            color=f"C{k}",
            label=how,
        )
        cor = [r for r in rows if r["experiment"] == "correlated" and r["how"] == how]
        axes[1].plot(
            [r["condition_number"] for r in cor],
            [r["recovery_error"] for r in cor],
            "o-",
            color=f"C{k}",
            label=how,
        )
    axes[0].set(
        xscale="log",
        yscale="log",
        xlabel="condition number of A",
        ylabel="max |pred(XA) - pred(X)|",
        title="Predictions after training on X A",
    )
    axes[1].set(
        xscale="log",
        yscale="log",
        xlabel="condition number of Sigma",
        ylabel="recovery error of W*",
        title="x ~ N(0, Sigma): recovering W*",
    )
    for ax in axes:
        ax.legend()
    fig.suptitle("Shamir (2018) Thm 4 with TensorInitOneHiddenLayer")
    save_figure(fig, path, dpi=110)


def run(output_dir, *, full=True, random_state=0, verbose=1):
    """Run both experiments; write ``shamir-thm4.{csv,png}``.

    Parameters
    ----------
    output_dir : str or Path
    full : bool, default=True
        ``d = 20, k = 4`` (else ``d = 8, k = 3``) and more condition numbers.
    random_state : int, default=0
    verbose : int, default=1

    Returns
    -------
    result : dict
        ``csv``, ``png``, ``rows``, ``max_change`` (per ``how``, the largest
        prediction change over the condition numbers) and ``recovery_error``
        (``{how: {kappa: error}}``).
    """
    csv_path, png_path = output_paths(output_dir, NAME)
    rng = np.random.RandomState(random_state)
    d, k, n = (20, 4, 20_000) if full else (8, 3, 4000)
    kappas = [1.0, 10.0, 100.0, 1e3, 1e4] if full else [1.0, 10.0, 100.0, 1e3]
    est = TensorInitOneHiddenLayer(n_hidden=k, max_iter=1000, random_state=random_state)
    rows = _invariance_rows(est, d, k, n, kappas, rng, random_state)
    rows += _correlated_rows(est, d, k, n, kappas, rng, random_state)
    max_change = {
        how: max(
            r["max_abs_prediction_change"]
            for r in rows
            if r["experiment"] == "invariance" and r["how"] == how
        )
        for how in ("alone", "whitened")
    }
    recovery = {}
    for r in rows:
        if r["experiment"] == "correlated":
            recovery.setdefault(r["how"], {})[r["condition_number"]] = r[
                "recovery_error"
            ]
    for how, value in max_change.items():
        progress(
            verbose, f"{how:<9} largest prediction change over kappa(A): {value:.2e}"
        )
    for how, errors in recovery.items():
        text = "  ".join(f"kappa={kap:g}: {e:.2g}" for kap, e in errors.items())
        progress(verbose, f"{how:<9} recovery error of W*: {text}")
    write_csv(csv_path, rows, all_keys(rows))
    _plot(rows, png_path)
    return {
        "csv": str(csv_path),
        "png": str(png_path),
        "rows": rows,
        "max_change": max_change,
        "recovery_error": recovery,
    }
