"""Zhong et al. (2017), Fig. 1(b) and 1(c): the tensor initialization and GD.

(b) Error of the tensor initialization alone,
``min_pi max_j ||w*_j - w^(0)_pi(j)|| / ||w*_j||``, averaged over trials, over
a grid of dimension ``d`` and sample size ``N`` (``k = 5``, squared ReLU); cells
where some trial got ``sum v^(0) != sum v*`` (the paper's rule,
:func:`~sklearn_polynn.reproductions.zhong_fig1a.v_recovered`) are marked (red;
black in the paper, and in the same panel of ``zhong-fig1a``). With
``d`` fixed the error falls as ``N`` grows, and the ``N`` for a given error grows
with ``d``.

(c) Objective ``(1/2N) sum (f(x) - y)^2`` per gradient-descent iteration at
``d = 10, k = 5, N = 10000`` for (I) tensor initialization of ``W`` and ``v``,
then GD on ``W``; (II) random Gaussian ``W`` and ``v``, GD on both; (III)
``v = v*`` and random ``W``, GD on ``W``. The paper finds (I) fastest, (II) not
converging, (I) and (III) linear once the objective is small.
"""

import math
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ..activations import get_activation
from ..datasets import make_teacher_network
from ..metrics import parameter_recovery_error
from ..tensor_init import TensorInitOneHiddenLayer, gradient_descent
from ._io import (
    fit_quietly,
    output_paths,
    progress,
    pyplot,
    save_figure,
    write_csv,
)
from .zhong_fig1a import v_recovered

__all__ = ["run"]

NAME = "zhong-fig1c"


def _init_error(d, n, seed, resample, n_hidden=5):
    """Panel (b): error of the tensor initialization alone, and whether v is right."""
    X, y, truth = make_teacher_network(
        n, d, n_hidden, random_state=seed, return_truth=True
    )
    model = TensorInitOneHiddenLayer(
        n_hidden=n_hidden, max_iter=1, resample=resample, random_state=seed
    )
    fit_quietly(model, X, y)
    error, _ = parameter_recovery_error(
        truth.hidden_weights, model.init_hidden_weights_
    )
    return float(error), v_recovered(model.init_output_weights_, truth.output_weights)


def _loss_curves(d, n, seed, max_iter, resample, n_hidden=5):
    """Panel (c): loss per GD iteration for approaches I, II and III."""
    X, y, truth = make_teacher_network(
        n, d, n_hidden, random_state=seed, return_truth=True
    )
    # Algorithm 2 as in the paper's Sec. 7: gradient descent with eta = 0.02
    common = {"n_hidden": n_hidden, "max_iter": max_iter, "tol": 0.0}
    common.update(solver="gd", learning_rate=0.02)
    common["resample"] = resample
    curves = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        tensor = TensorInitOneHiddenLayer(random_state=seed, **common).fit(X, y)
        curves["I: tensor init, GD on W"] = tensor.loss_curve_
        random = TensorInitOneHiddenLayer(
            init="random", fit_output_weights=True, random_state=seed, **common
        ).fit(X, y)
        curves["II: random W and v, GD on both"] = random.loss_curve_
        rng = np.random.RandomState(seed)
        W0 = rng.standard_normal((d, n_hidden)) / math.sqrt(d)
        result = gradient_descent(
            X,
            y,
            W0,
            truth.output_weights,
            get_activation("squared_relu"),
            learning_rate=0.02,
            max_iter=max_iter,
            tol=0.0,
            n_iter_no_change=20,
            fit_output_weights=False,
        )
        curves["III: v = v*, random W, GD on W"] = result.loss_curve
    return curves


def _plot(errors, v_ok, d_values, n_values, curves, path):
    plt = pyplot()
    fig, (ax_b, ax_c) = plt.subplots(1, 2, figsize=(11, 4.5))
    shown = np.where(v_ok, errors, np.nan)
    cmap = plt.get_cmap("gray_r").copy()
    cmap.set_bad("tab:red")
    image = ax_b.imshow(
        np.minimum(shown, 1.0),
        origin="lower",
        cmap=cmap,
        vmin=0,
        vmax=1,
        aspect="auto",
    )
    ax_b.set_xticks(range(len(n_values)), [str(n) for n in n_values], rotation=45)
    ax_b.set_yticks(range(len(d_values)), [str(d) for d in d_values])
    ax_b.set_xlabel("number of samples N")
    ax_b.set_ylabel("dimension d")
    ax_b.set_title("(b) tensor init error (red: v wrong in a trial)")
    fig.colorbar(image, ax=ax_b, label="mean max relative error (capped at 1)")
    for label, curve in curves.items():
        ax_c.semilogy(np.arange(1, len(curve) + 1), curve, label=label)
    ax_c.set_xlabel("iteration")
    ax_c.set_ylabel("objective")
    ax_c.set_title("(c) gradient descent, d = 10, k = 5")
    ax_c.grid(True, which="both", alpha=0.3)
    ax_c.legend()
    save_figure(fig, path)


def run(
    output_dir,
    *,
    full=True,
    random_state=0,
    verbose=1,
    d_values=None,
    n_values=None,
    n_trials=None,
    curve_samples=10_000,
    max_iter=None,
    resample=False,
):
    """Reproduce Fig. 1(b) and 1(c) and write ``zhong-fig1c.{csv,png}``.

    Parameters
    ----------
    output_dir : str or Path
    full : bool, default=True
        Paper scale (``d = 10..100``, ``N = 1000..10000``, 10 trials; 2000 GD
        iterations) or the gallery's small size (``d = 10, 20, 40``,
        ``N = 1000..8000``, 3 trials; 1000 iterations).
    random_state : int, default=0
    verbose : int, default=1
    d_values, n_values : sequence of int, default=None
        Override the grid of panel (b).
    n_trials : int, default=None
        Override the trials per cell of panel (b).
    curve_samples : int, default=10000
        ``N`` of panel (c).
    max_iter : int, default=None
        GD iterations of panel (c).
    resample : bool, default=False
        Split the samples between the moments as Algorithm 1 does; the paper's
        experiments do not ("we don't do the resampling", Sec. 7).

    Returns
    -------
    result : dict
        ``csv``, ``png``, ``init_errors`` (d x N mean errors), ``v_ok`` (d x N,
        all trials recovered ``v``), ``final_loss`` (approach -> last loss).
    """
    if d_values is None:
        d_values = range(10, 101, 10) if full else (10, 20, 40)
    if n_values is None:
        n_values = range(1000, 10001, 1000) if full else (1000, 2000, 4000, 8000)
    if n_trials is None:
        n_trials = 10 if full else 3
    if max_iter is None:
        max_iter = 2000 if full else 1000
    d_values, n_values = list(d_values), list(n_values)
    errors = np.zeros((len(d_values), len(n_values)))
    v_ok = np.ones_like(errors, dtype=bool)
    rows = []
    for i, d in enumerate(d_values):
        for j, n in enumerate(n_values):
            cell = [
                _init_error(d, n, random_state + t, resample) for t in range(n_trials)
            ]
            errors[i, j] = np.mean([e for e, _ in cell])
            v_ok[i, j] = all(ok for _, ok in cell)
            for t, (e, ok) in enumerate(cell):
                rows.append(["b", "tensor init", d, n, random_state + t, "", e, ok])
            progress(
                verbose,
                f"d={d:4d} N={n:6d} init error={errors[i, j]:.3f} v ok={v_ok[i, j]}",
            )
    curves = _loss_curves(10, curve_samples, random_state, max_iter, resample)
    for label, curve in curves.items():
        for it, loss in enumerate(curve, 1):
            rows.append(["c", label, 10, curve_samples, random_state, it, loss, ""])
        progress(verbose, f"{label}: final objective {curve[-1]:.3g}")
    csv_path, png_path = output_paths(output_dir, NAME)
    header = ["panel", "approach", "d", "N", "seed", "iteration", "value", "v_ok"]
    write_csv(csv_path, rows, header)
    _plot(errors, v_ok, d_values, n_values, curves, png_path)
    return {
        "csv": str(csv_path),
        "png": str(png_path),
        "init_errors": errors,
        "v_ok": v_ok,
        "final_loss": {label: float(c[-1]) for label, c in curves.items()},
    }
