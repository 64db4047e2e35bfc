"""Zhong et al. (2017), Fig. 1(a) and 1(b): recovery rate and init error over d x N.

For each ``d`` and ``N``, ``n_trials`` teacher networks of Sec. 7 (``W* = U Sigma
V^T`` with singular values ``linspace(1, 2, k)``, ``k = 5``, ``v_i`` random
signs, squared ReLU, ``x ~ N(0, I_d)``) are fitted by
:class:`~sklearn_polynn.TensorInitOneHiddenLayer` (tensor initialization, then
gradient descent on ``W`` with ``eta = 0.02``; like the paper, the same samples
serve every moment and every step, ``resample=False``). A trial succeeds
when ``max_j ||w*_j - w_pi(j)|| / ||w*_j|| <= 0.01`` and ``v_pi(j) = v*_j`` for
the best permutation ``pi``. Panel (a) shows the success rate; the paper's
finding is a phase transition with ``N`` proportional to ``d``.

Panel (b), from the same trials: the error of the tensor initialization alone,
``min_pi max_j ||w*_j - w^(0)_pi(j)|| / ||w*_j||``, averaged over the trials;
a cell is drawn as a pure dark block when in at least one trial
``sum_i v^(0)_i != sum_i v*_i`` (the paper's rule: ``v^(0)`` not recovered).
With ``d`` fixed the error falls as ``N`` grows; the ``N`` for a given error
grows about linearly with ``d``.
"""

import numpy as np

from ..datasets import make_teacher_network
from ..metrics import parameter_recovery_error
from ..tensor_init import TensorInitOneHiddenLayer
from ._io import output_paths, progress, pyplot, save_figure, timed_fit, write_csv

__all__ = ["run", "trial", "v_recovered"]

NAME = "zhong-fig1a"
SUCCESS_THRESHOLD = 0.01


def v_recovered(v_init, v_true):
    """The paper's rule for Fig. 1(b): ``sum_i v^(0)_i = sum_i v*_i``.

    Permutation-free (Sec. 7: "the pure dark blocks indicate, in at least one
    of the 10 trials, ``sum v^(0)_i != sum v*_i``"); the output weights of the
    ReLU family are recovered exactly (as signs), so equality is to rounding.
    """
    return bool(np.isclose(np.sum(v_init), np.sum(v_true), rtol=0.0, atol=1e-8))


def trial(
    n_features,
    n_samples,
    *,
    n_hidden=5,
    max_iter=2000,
    seed=0,
    resample=False,
    device=None,
):
    """One trial of Sec. 7: fit a teacher network, report init and final errors.

    Returns
    -------
    row : dict
        ``d``, ``N``, ``seed``, ``init_error``, ``init_v_ok`` (``v`` from the
        tensor method exactly right, matched unit by unit), ``init_v_sum_ok``
        (the paper's Fig. 1(b) rule, :func:`v_recovered`), ``error`` (after
        GD), ``success`` (the paper's criterion), ``iterations``, ``seconds``.
    """
    X, y, truth = make_teacher_network(
        n_samples, n_features, n_hidden, random_state=seed, return_truth=True
    )
    model = TensorInitOneHiddenLayer(
        n_hidden=n_hidden,
        solver="gd",  # Algorithm 2 as in the paper's Sec. 7 (eta = 0.02)
        learning_rate=0.02,
        max_iter=max_iter,
        resample=resample,
        random_state=seed,
        device=device,
    )
    seconds = timed_fit(model, X, y)
    W, v = truth.hidden_weights, truth.output_weights
    init_error, init_match = parameter_recovery_error(W, model.init_hidden_weights_)
    error, matching = parameter_recovery_error(W, model.hidden_weights_)
    v_ok = bool(np.array_equal(model.output_weights_[matching], v))
    return {
        "d": n_features,
        "N": n_samples,
        "seed": seed,
        "init_error": float(init_error),
        "init_v_ok": bool(np.array_equal(model.init_output_weights_[init_match], v)),
        "init_v_sum_ok": v_recovered(model.init_output_weights_, v),
        "error": float(error),
        "success": bool(error <= SUCCESS_THRESHOLD and v_ok),
        "iterations": model.n_iter_,
        "seconds": seconds,
    }


def _plot(rates, init_errors, v_ok, d_values, n_values, path):
    """Panel (a): success rate (viridis, rate written in each cell); panel (b):
    mean init error, pure dark where ``v^(0)`` was wrong in some trial."""
    plt = pyplot()
    fig, (ax_a, ax_b) = plt.subplots(1, 2, figsize=(11, 4.5))
    image = ax_a.imshow(
        rates, origin="lower", cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto"
    )
    for (i, j), rate in np.ndenumerate(rates):  # readable on any color
        color = "black" if rate > 0.5 else "white"
        ax_a.text(j, i, f"{rate:.1f}", ha="center", va="center", color=color)
    ax_a.set_title("(a) recovery rate (k = 5, squared ReLU)")
    fig.colorbar(image, ax=ax_a, label="fraction of successful trials")
    cmap = plt.get_cmap("gray_r").copy()
    cmap.set_bad("black")  # the paper's pure dark blocks
    shown = np.where(v_ok, np.minimum(init_errors, 1.0), np.nan)
    image = ax_b.imshow(
        shown, origin="lower", cmap=cmap, vmin=0.0, vmax=1.0, aspect="auto"
    )
    for (i, j), error in np.ndenumerate(shown):
        # the dark block is labelled: a large error is also drawn dark
        text = f"{error:.2f}" if np.isfinite(error) else "v wrong"
        color = "white" if not np.isfinite(error) or error > 0.5 else "black"
        ax_b.text(j, i, text, ha="center", va="center", color=color)
    ax_b.set_title("(b) tensor init error (black: v not recovered)")
    fig.colorbar(image, ax=ax_b, label="mean max relative error (capped at 1)")
    for ax in (ax_a, ax_b):
        ax.set_xticks(range(len(n_values)), [str(n) for n in n_values], rotation=45)
        ax.set_yticks(range(len(d_values)), [str(d) for d in d_values])
        ax.set_xlabel("number of samples N")
        ax.set_ylabel("dimension d")
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
    max_iter=2000,
    resample=False,
    device=None,
):
    """Reproduce Fig. 1(a) and 1(b) and write ``zhong-fig1a.{csv,png}``.

    Parameters
    ----------
    output_dir : str or Path
    full : bool, default=True
        Paper grid (``d = 10..100``, ``N = 1000..10000``, 10 trials; about an
        hour on one core) or the gallery's small grid (``d = 10, 20``,
        ``N = 1000..4000``, 2 trials).
    random_state : int, default=0
        Trial ``t`` of a cell uses seed ``random_state + t``.
    verbose : int, default=1
        Print one line per grid cell.
    d_values, n_values : sequence of int, default=None
        Override the grid.
    n_trials : int, default=None
        Override the trials per cell.
    max_iter : int, default=2000
        Gradient-descent iterations per trial.
    resample : bool, default=False
        Split the samples between the moments as Algorithm 1 does; the paper's
        experiments do not ("we don't do the resampling", Sec. 7).
    device : {None, "cpu", "cuda"}, default=None

    Returns
    -------
    result : dict
        ``csv``, ``png``, ``rates`` (d x N array of success rates),
        ``init_errors`` (d x N mean tensor-init errors, panel (b)), ``v_ok``
        (d x N, every trial had ``sum v^(0) = sum v*``), ``d_values``,
        ``n_values`` and ``rows`` (one dict per trial).
    """
    if d_values is None:
        d_values = range(10, 101, 10) if full else (10, 20)
    if n_values is None:
        n_values = range(1000, 10001, 1000) if full else (1000, 2000, 4000)
    if n_trials is None:
        n_trials = 10 if full else 2
    d_values, n_values = list(d_values), list(n_values)
    rates = np.zeros((len(d_values), len(n_values)))
    init_errors = np.zeros_like(rates)
    v_ok = np.ones_like(rates, dtype=bool)
    rows = []
    for i, d in enumerate(d_values):
        for j, n in enumerate(n_values):
            cell = [
                trial(
                    d,
                    n,
                    seed=random_state + t,
                    max_iter=max_iter,
                    resample=resample,
                    device=device,
                )
                for t in range(n_trials)
            ]
            rows.extend(cell)
            rates[i, j] = np.mean([r["success"] for r in cell])
            init_errors[i, j] = np.mean([r["init_error"] for r in cell])
            v_ok[i, j] = all(r["init_v_sum_ok"] for r in cell)
            progress(
                verbose,
                f"d={d:4d} N={n:6d} success={rates[i, j]:.2f} "
                f"init error={init_errors[i, j]:.3f} v ok={v_ok[i, j]}",
            )
    csv_path, png_path = output_paths(output_dir, NAME)
    write_csv(csv_path, rows)
    _plot(rates, init_errors, v_ok, d_values, n_values, png_path)
    return {
        "csv": str(csv_path),
        "png": str(png_path),
        "rates": rates,
        "init_errors": init_errors,
        "v_ok": v_ok,
        "d_values": d_values,
        "n_values": n_values,
        "rows": rows,
    }
