"""Andoni et al. (2014), Thm 5.1 versus Lemma 5.7: complex perturbations escape a
critical point that real perturbations cannot leave.

The critical point of Lemma 5.7: every hidden unit has ``w_i = 0`` and
``alpha_i = 1/m``, the activation is the truncated exponential ``phi_4`` (all
coefficients ``a_l = 1/l! >= 0``), inputs are uniform on ``[-1, 1]^n`` and the
target is ``f = g(0) - sum_j L2(x_j)`` with ``L2`` the second Legendre
polynomial. The gradient vanishes there. A random real perturbation of the
hidden weights adds a positive multiple of every ``L2(x_j)`` to the network and
so increases the error with high probability; a random complex perturbation
adds ``sum_i delta_ij^2`` with a random phase instead and lowers the error with
constant probability (Thm 5.1), after which gradient descent leaves the point.

Two experiments: the fraction of ``trials`` single perturbations that lower the
error, per perturbation scale and weight type; and gradient descent (Adam) with
perturbations at plateaus started at the critical point.
"""

import numpy as np

from ..complex_network import ComplexTwoLayerRegressor
from ._io import (
    fit_quietly,
    output_paths,
    progress,
    pyplot,
    save_figure,
    write_csv,
)

__all__ = ["lemma57_data", "lemma57_model", "run"]

NAME = "andoni-perturbation"


def lemma57_data(n_samples, n_features, random_state=0):
    """Inputs ``U[-1, 1]^n`` and target ``f = g(0) - sum_j L2(x_j)`` (``g(0) = 1``)."""
    rng = np.random.RandomState(random_state)
    X = rng.uniform(-1.0, 1.0, (n_samples, n_features))
    y = 1.0 - ((3.0 * X**2 - 1.0) / 2.0).sum(axis=1)
    return X, y


def lemma57_model(weights, n_hidden, n_features, **params):
    """A network started at Lemma 5.7's critical point ``w_i = 0, alpha_i = 1/m``
    (perturbations at the estimator's default, Thm 5.1's ``C(1/sqrt(n))``)."""
    init = (np.zeros((n_features, n_hidden)), np.full(n_hidden, 1.0 / n_hidden))
    defaults = {"activation": "truncated", "degree": 4}
    return ComplexTwoLayerRegressor(
        n_hidden=n_hidden, init=init, weights=weights, **(defaults | params)
    )


def _single_perturbation(weights, scale, seed, X, y, n_hidden):
    """Relative loss change of the first perturbation tried at the critical point."""
    model = lemma57_model(
        weights,
        n_hidden,
        X.shape[1],
        perturbation_scale=scale,
        solver="gd",
        learning_rate=0.05,
        max_iter=2,
        tol=1.0,  # the critical point is a plateau at once
        n_iter_no_change=1,
        max_perturbations=1,
        random_state=seed,
    )
    (record,) = fit_quietly(model, X, y).perturbations_
    return record["loss_after"] / record["loss_before"] - 1.0


def _plot(changes, curves, path):
    plt = pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    scales = sorted({s for _, s in changes})
    width = 0.38
    for k, weights in enumerate(("complex", "real")):
        rates = [np.mean(np.asarray(changes[weights, s]) < 0) for s in scales]
        ax1.bar(np.arange(len(scales)) + (k - 0.5) * width, rates, width, label=weights)
    ax1.set_xticks(np.arange(len(scales)), [f"{s:g}" for s in scales])
    ax1.set_xlabel("perturbation scale (units of 1/sqrt(n))")
    ax1.set_ylabel("fraction of perturbations lowering the error")
    ax1.set_title("One random perturbation at the Lemma 5.7 point")
    ax1.set_ylim(0, 1)
    ax1.legend(title="weights")
    for weights, (curve, accepted) in curves.items():
        (line,) = ax2.semilogy(np.arange(1, len(curve) + 1), curve, label=weights)
        for it in accepted:
            ax2.axvline(it, color=line.get_color(), ls=":", alpha=0.6)
    ax2.set_xlabel("iteration")
    ax2.set_ylabel("training loss")
    ax2.set_title("Adam + perturbation at plateaus (dotted: kept)")
    ax2.legend(title="weights")
    save_figure(fig, path)


def run(output_dir, *, full=True, random_state=0, verbose=1):
    """Measure escape rates and escape runs; write ``andoni-perturbation.{csv,png}``.

    Parameters
    ----------
    output_dir : str or Path
    full : bool, default=True
        200 trials per setting with n = 10, m = 40 (else 40 trials, n = 5, m = 20).
    random_state : int, default=0
    verbose : int, default=1

    Returns
    -------
    result : dict
        ``csv``, ``png``, ``rows`` (fraction of perturbations that lowered the
        error per weight type and scale) and ``escape`` (first and final loss of
        the gradient-descent runs).
    """
    csv_path, png_path = output_paths(output_dir, NAME)
    n, m, trials = (10, 40, 200) if full else (5, 20, 40)
    X, y = lemma57_data(4000 if not full else 10000, n, random_state)
    scales = (0.03, 0.1, 0.3, 1.0)
    changes, rows = {}, []
    for weights in ("complex", "real"):
        for scale in scales:
            changes[weights, scale] = [
                _single_perturbation(weights, scale, random_state + t, X, y, m)
                for t in range(trials)
            ]
            c = np.asarray(changes[weights, scale])
            rows.append(
                {
                    "weights": weights,
                    "scale": scale,
                    "trials": trials,
                    "fraction_lowered": float(np.mean(c < 0)),
                    "median_relative_change": float(np.median(c)),
                }
            )
            progress(
                verbose,
                f"{weights:<7} scale {scale:<5g} lowered the error in "
                f"{rows[-1]['fraction_lowered']:.2f} of {trials} trials",
            )
    curves, escape = {}, {}
    for weights in ("complex", "real"):
        model = fit_quietly(
            lemma57_model(
                weights,
                m,
                n,
                max_iter=1500 if full else 600,
                tol=1e-6,
                n_iter_no_change=20,
                max_perturbations=20,
                random_state=random_state,
            ),
            X,
            y,
        )
        kept = [p["iteration"] for p in model.perturbations_ if p["accepted"]]
        curves[weights] = (model.loss_curve_, kept)
        escape[weights] = {
            "first_loss": model.loss_curve_[0],
            "final_loss": model.loss_curve_[-1],
            "perturbations_tried": model.n_perturbations_,
            "perturbations_kept": len(kept),
        }
        progress(verbose, f"{weights:<7} gradient descent: {escape[weights]}")
    write_csv(csv_path, rows)
    _plot(changes, curves, png_path)
    return {"csv": str(csv_path), "png": str(png_path), "rows": rows, "escape": escape}
