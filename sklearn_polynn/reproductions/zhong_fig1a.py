"""Zhong et al. (2017), Fig. 1(a): recovery rate over dimension x sample size.

For each ``d`` and ``N``, ``n_trials`` teacher networks of Sec. 7 (``W* = U Sigma
V^T`` with singular values ``linspace(1, 2, k)``, ``k = 5``, ``v_i`` random
signs, squared ReLU, ``x ~ N(0, I_d)``) are fitted by
:class:`~sklearn_polynn.TensorInitOneHiddenLayer` (tensor initialization, then
gradient descent on ``W`` with ``eta = 0.02``; like the paper, the same samples
serve every moment and every step, ``resample=False``). A trial succeeds
when ``max_j ||w*_j - w_pi(j)|| / ||w*_j|| <= 0.01`` and ``v_pi(j) = v*_j`` for
the best permutation ``pi``. The heat map shows the success rate; the paper's
finding is a phase transition with ``N`` proportional to ``d``.
"""

import numpy as np

from ..datasets import make_teacher_network
from ..metrics import parameter_recovery_error
from ..tensor_init import TensorInitOneHiddenLayer
from ._io import output_paths, progress, pyplot, save_figure, timed_fit, write_csv

__all__ = ["run", "trial"]

NAME = "zhong-fig1a"
SUCCESS_THRESHOLD = 0.01


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
        tensor method exactly right), ``error`` (after GD), ``success`` (the
        paper's criterion), ``iterations``, ``seconds``.
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
        "error": float(error),
        "success": bool(error <= SUCCESS_THRESHOLD and v_ok),
        "iterations": model.n_iter_,
        "seconds": seconds,
    }


def _plot(rates, d_values, n_values, path):
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    image = ax.imshow(
        rates, origin="lower", cmap="gray", vmin=0.0, vmax=1.0, aspect="auto"
    )
    ax.set_xticks(range(len(n_values)), [str(n) for n in n_values], rotation=45)
    ax.set_yticks(range(len(d_values)), [str(d) for d in d_values])
    ax.set_xlabel("number of samples N")
    ax.set_ylabel("dimension d")
    ax.set_title("Recovery rate (k = 5, squared ReLU)")
    fig.colorbar(image, ax=ax, label="fraction of successful trials")
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
    """Reproduce Fig. 1(a) and write ``zhong-fig1a.{csv,png}``.

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
        ``d_values``, ``n_values`` and ``rows`` (one dict per trial).
    """
    if d_values is None:
        d_values = range(10, 101, 10) if full else (10, 20)
    if n_values is None:
        n_values = range(1000, 10001, 1000) if full else (1000, 2000, 4000)
    if n_trials is None:
        n_trials = 10 if full else 2
    d_values, n_values = list(d_values), list(n_values)
    rates = np.zeros((len(d_values), len(n_values)))
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
            progress(
                verbose,
                f"d={d:4d} N={n:6d} success={rates[i, j]:.2f} "
                f"init error={np.mean([r['init_error'] for r in cell]):.3f}",
            )
    csv_path, png_path = output_paths(output_dir, NAME)
    write_csv(csv_path, rows)
    _plot(rates, d_values, n_values, png_path)
    return {
        "csv": str(csv_path),
        "png": str(png_path),
        "rates": rates,
        "d_values": d_values,
        "n_values": n_values,
        "rows": rows,
    }
