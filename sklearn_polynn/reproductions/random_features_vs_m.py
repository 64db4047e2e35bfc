"""Andoni et al. (2014), Thm 3.1/4.1: a random complex bottom layer with a trained
top layer learns degree-``d`` polynomials; the error falls as the number of hidden
units ``m`` grows.

For ``d`` = 2 and 3, a random ``n``-sparse polynomial of unit variance
(:func:`~sklearn_polynn.datasets.make_sparse_polynomial`, Gaussian inputs) is
fitted by :class:`~sklearn_polynn.RandomFeaturePolynomialRegressor` for a range of
``m``, with

* ``exp`` and the paper's weights ``C(1/sqrt(n))^n`` (Thm 3.1 as stated),
* ``exp`` with a smaller ``weight_scale = 0.1/sqrt(n)`` (higher degrees damped),
* the truncated activation ``phi_d`` (exact once ``2m >= C(n + d, d)``),

and the relative test error ``MSE / Var y`` is plotted against ``m`` (log-log).
A fourth curve uses no data at all: the explicit top layer ``alpha_i =
T_{p,r}(w_i)/m`` of the proof of Thm 3.1 (:func:`~sklearn_polynn.
representation_weights`) on circle inputs, whose error decays like ``1/m``
(eq. 3.2), with ``m`` up to ten times larger.
"""

import math
import time
import warnings

import numpy as np

from .._complex import draw_complex_weights
from ..datasets import make_sparse_polynomial
from ..random_features import RandomFeaturePolynomialRegressor, representation_weights
from ._io import output_paths, progress, pyplot, save_figure, write_csv

__all__ = ["run"]

NAME = "andoni-random-features"

_SETTINGS = {
    # label: estimator keyword arguments (weight_scale as a multiple of 1/sqrt(n))
    "exp, r = 1/sqrt(n)": {"activation": "exp", "scale": 1.0},
    "exp, r = 0.1/sqrt(n)": {"activation": "exp", "scale": 0.1},
    "truncated phi_d": {"activation": "truncated", "scale": 1.0},
}


def _relative_error(pred, y):
    return float(np.mean((pred - y) ** 2) / np.var(y))


def _fit_curve(n, degree, m_values, n_train, n_test, setting, *, device, seed):
    """Relative test error of the fitted top layer for each ``m``."""
    X, y = make_sparse_polynomial(n_train + n_test, n, degree=degree, random_state=seed)
    rows = []
    for m in m_values:
        est = RandomFeaturePolynomialRegressor(
            n_components=m,
            activation=setting["activation"],
            degree=degree,
            weight_scale=setting["scale"] / math.sqrt(n),
            alpha=1e-8,
            device=device,
            random_state=seed,
        )
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # lstsq fallback
            est.fit(X[:n_train], y[:n_train])
        seconds = time.perf_counter() - start
        error = _relative_error(est.predict(X[n_train:]), y[n_train:])
        rows.append({"m": m, "rel_test_mse": error, "seconds": seconds})
    return rows


def _representation_curve(n, degree, m_values, n_test, *, seed):
    """Error of Thm 3.1's explicit weights ``T_{p,r}(w_i)/m`` (no training)."""
    X, y, truth = make_sparse_polynomial(
        n_test,
        n,
        degree=degree,
        distribution="circle",
        return_truth=True,
        random_state=seed,
    )
    rng = np.random.RandomState(seed)
    x = np.exp(1j * X)
    rows = []
    for m in m_values:
        start = time.perf_counter()
        W = draw_complex_weights(rng, n, m, 1 / math.sqrt(n), "circle")
        alpha = representation_weights(truth, W)
        pred = (np.exp(x @ W) @ alpha).real
        rows.append(
            {
                "m": m,
                "rel_test_mse": _relative_error(pred, y),
                "seconds": time.perf_counter() - start,
            }
        )
    return rows


def _slope(rows):
    """Least-squares slope of log(error) against log(m)."""
    m = np.log([r["m"] for r in rows])
    e = np.log([max(r["rel_test_mse"], 1e-300) for r in rows])
    return float(np.polyfit(m, e, 1)[0])


def _plot(rows, degrees, n, path):
    plt = pyplot()
    fig, axes = plt.subplots(1, len(degrees), figsize=(5.5 * len(degrees), 4.2))
    for ax, degree in zip(np.atleast_1d(axes), degrees):
        labels = sorted({r["setting"] for r in rows if r["degree"] == degree})
        for label in labels:
            pts = [r for r in rows if r["degree"] == degree and r["setting"] == label]
            m = [r["m"] for r in pts]
            err = [max(r["rel_test_mse"], 1e-16) for r in pts]
            style = "--" if label.startswith("Thm 3.1") else "-o"
            ax.loglog(m, err, style, label=label, markersize=4)
        ax.axvline(math.comb(n + degree, degree) / 2, color="gray", lw=0.8, ls=":")
        ax.set_title(f"degree {degree}, n = {n}: dotted line 2m = C(n+d, d)")
        ax.set_xlabel("hidden units m")
        ax.set_ylabel("relative test MSE (floored at 1e-16)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    save_figure(fig, path)


def run(
    output_dir,
    *,
    full=True,
    random_state=0,
    verbose=1,
    n=None,
    degrees=(2, 3),
    m_values=None,
    device=None,
):
    """Error against ``m``; writes ``andoni-random-features.{csv,png}``.

    Parameters
    ----------
    output_dir : str or Path
    full : bool, default=True
        Paper-like scale (``n = 20``, ``m`` up to 4000, 20 000 training rows)
        or the gallery's small size (``n = 8``, ``m`` up to 400).
    random_state : int, default=0
    verbose : int, default=1
        Print one line per curve.
    n : int, default=None
        Override the number of variables.
    degrees : sequence of int, default=(2, 3)
    m_values : sequence of int, default=None
        Override the grid of hidden units.
    device : {None, "cpu", "cuda"}, default=None

    Returns
    -------
    result : dict
        ``csv``, ``png`` paths, ``rows`` (one per setting, degree and ``m``),
        and ``slopes``: the log-log slope of the error against ``m`` per
        (setting, degree) and the error at the largest ``m``.
    """
    csv_path, png_path = output_paths(output_dir, NAME)
    if n is None:
        n = 20 if full else 8
    if m_values is None:
        m_values = (
            (50, 100, 200, 500, 1000, 2000, 4000)
            if full
            else (10, 25, 50, 100, 200, 400)
        )
    n_train, n_test = (20000, 5000) if full else (3000, 1000)
    rows, summary = [], {}
    for degree in degrees:
        curves = {
            label: _fit_curve(
                n,
                degree,
                m_values,
                n_train,
                n_test,
                setting,
                device=device,
                seed=random_state,
            )
            for label, setting in _SETTINGS.items()
        }
        rep_m = [10 * m for m in m_values]
        curves["Thm 3.1 explicit T_pr(w)/m"] = _representation_curve(
            n, degree, rep_m, n_test, seed=random_state
        )
        for label, curve in curves.items():
            for r in curve:
                rows.append({"setting": label, "degree": degree, "n": n, **r})
            summary[f"{label}, d={degree}"] = {
                "slope": _slope(curve),
                "error_at_max_m": curve[-1]["rel_test_mse"],
            }
            progress(
                verbose,
                f"d={degree} {label:<28} errors "
                + " ".join(f"{r['rel_test_mse']:.2e}" for r in curve),
            )
    write_csv(csv_path, rows)
    _plot(rows, degrees, n, png_path)
    return {"csv": str(csv_path), "png": str(png_path), "rows": rows, "slopes": summary}
