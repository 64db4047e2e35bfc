"""Andoni et al. (2014), Fig. 1: two-layer complex networks with 5n hidden units
learn n-sparse quadratic and cubic polynomials of n variables.

For each degree (2, 3) and each ``n`` (10, 20, 40, 80 at paper scale), a random
``n``-sparse polynomial of unit variance (:func:`~sklearn_polynn.datasets.
make_sparse_polynomial`, Gaussian inputs) is fitted by
:class:`~sklearn_polynn.ComplexTwoLayerRegressor` with ``5n`` hidden units,
training both layers. The figure shows the relative training error
(``MSE / Var y``) per iteration, one curve per ``n``; the CSV holds the final
relative train and test MSE, and the same budget of units trained on the top layer
only (Thm 4.1) for comparison.

The full network has ``5n (n + 1)`` complex weights, i.e. ``10 n (n + 1)`` real
parameters; it overfits when the training set is not well above that, so the
training set is ``sample_factor`` times the real parameter count.
"""

import numpy as np

from ..complex_network import ComplexTwoLayerRegressor
from ..datasets import make_sparse_polynomial
from ._io import output_paths, progress, pyplot, save_figure, timed_fit, write_csv

__all__ = ["run"]

NAME = "andoni-fig1"
_MAX_BATCH_ELEMENTS = 20_000_000  # samples x units per batch (memory bound)


def _sizes(n, sample_factor, n_test, min_train):
    n_hidden = 5 * n
    n_params = 2 * n_hidden * (n + 1)  # real parameters of the complex network
    n_train = max(min_train, sample_factor * n_params)
    return n_hidden, n_params, n_train, n_test


def _relative_mse(model, X, y):
    return float(np.mean((model.predict(X) - y) ** 2) / np.var(y))


def _fit_one(n, degree, train, *, sizes, max_iter, device, random_state, solver):
    """One panel entry: fit a 5n-unit network to an n-sparse polynomial."""
    n_hidden, n_params, n_train, n_test = sizes
    X, y = make_sparse_polynomial(
        n_train + n_test, n, degree=degree, random_state=random_state
    )
    batch = _MAX_BATCH_ELEMENTS // n_hidden
    model = ComplexTwoLayerRegressor(
        n_hidden=n_hidden,
        train=train,
        solver=solver,
        max_iter=max_iter,
        tol=1e-6,
        n_iter_no_change=100,
        batch_size=batch if batch < n_train else None,
        device=device,
        random_state=random_state,
    )
    seconds = timed_fit(model, X[:n_train], y[:n_train])
    # the loss is that of the standardized target: 2 * loss is MSE / Var y
    curve = 2.0 * np.asarray(model.loss_curve_)
    row = {
        "degree": degree,
        "n": n,
        "n_hidden": n_hidden,
        "train": train,
        "solver": solver,
        "n_params": n_params,
        "n_train": n_train,
        "n_test": n_test,
        "batch_size": model.batch_size or n_train,
        "iterations": model.n_iter_,
        "perturbations": model.n_perturbations_,
        "rel_train_mse": _relative_mse(model, X[:n_train], y[:n_train]),
        "rel_test_mse": _relative_mse(model, X[n_train:], y[n_train:]),
        "seconds": seconds,
    }
    return row, curve


def _plot(curves, degrees, path):
    plt = pyplot()
    fig, axes = plt.subplots(1, len(degrees), figsize=(5.5 * len(degrees), 4))
    axes = np.atleast_1d(axes)
    for ax, degree in zip(axes, degrees):
        for (d, n), curve in sorted(curves.items()):
            if d == degree:
                ax.semilogy(np.arange(1, len(curve) + 1), curve, label=f"n = {n}")
        name = {2: "quadratic", 3: "cubic"}.get(degree, f"degree {degree}")
        ax.set_title(f"n-sparse {name}, 5n hidden units")
        ax.set_xlabel("iteration (epoch)")
        ax.set_ylabel("relative training MSE")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    save_figure(fig, path)


def run(
    output_dir,
    *,
    full=True,
    random_state=0,
    verbose=1,
    n_values=None,
    degrees=(2, 3),
    max_iter=None,
    sample_factor=5,
    top_layer_n=None,
    device=None,
    solver="adam",
):
    """Reproduce Fig. 1 of Andoni et al. (2014) and write ``andoni-fig1.{csv,png}``.

    Parameters
    ----------
    output_dir : str or Path
    full : bool, default=True
        Paper scale (``n`` = 10, 20, 40, 80; 3000 iterations) or the gallery's
        small size (``n`` = 5, 10; 600 iterations).
    random_state : int, default=0
    verbose : int, default=1
        Print one line per fitted network.
    n_values : sequence of int, default=None
        Override the ``n`` values.
    degrees : sequence of int, default=(2, 3)
    max_iter : int, default=None
        Override the iterations per network.
    sample_factor : float, default=5
        Training samples per real parameter (``10 n (n + 1)``).
    top_layer_n : sequence of int, default=None
        ``n`` values also fitted with ``train="top"`` (same units, Thm 4.1);
        default: the two smallest ``n``.
    device : {None, "cpu", "cuda"}, default=None
    solver : {"adam", "gd", "lbfgs"}, default="adam"
        The estimator's ``solver`` (its default); with "lbfgs" the batch size
        only chunks the full-batch evaluations and an "iteration" of the
        figure is one L-BFGS iteration.

    Returns
    -------
    result : dict
        ``csv``, ``png`` paths and ``rows`` (one dict per fitted network with
        the final relative train and test MSE).
    """
    csv_path, png_path = output_paths(output_dir, NAME)
    if n_values is None:
        n_values = (10, 20, 40, 80) if full else (5, 10)
    if max_iter is None:
        max_iter = 3000 if full else 600
    if top_layer_n is None:
        top_layer_n = sorted(n_values)[:2]
    rows, curves = [], {}
    for degree in degrees:
        for n in n_values:
            sizes = _sizes(n, sample_factor, n_test=5000, min_train=2000)
            for train in ("both", "top") if n in top_layer_n else ("both",):
                row, curve = _fit_one(
                    n,
                    degree,
                    train,
                    sizes=sizes,
                    max_iter=max_iter,
                    device=device,
                    random_state=random_state,
                    solver=solver,
                )
                rows.append(row)
                if train == "both":
                    curves[degree, n] = curve
                progress(
                    verbose,
                    f"degree {degree} n {n:3d} train={train:<4} N={row['n_train']}"
                    f" iters {row['iterations']:5d}  rel. train MSE "
                    f"{row['rel_train_mse']:.4f}  test {row['rel_test_mse']:.4f}"
                    f"  ({row['seconds']:.0f} s)",
                )
    write_csv(csv_path, rows)
    _plot(curves, degrees, png_path)
    return {"csv": str(csv_path), "png": str(png_path), "rows": rows}
