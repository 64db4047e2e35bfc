"""Fit time against the number of samples N (and the width m, the input
dimension d), with the log-log slopes.

Each estimator is fitted on Gaussian inputs with ``d = 20`` features (a squared-ReLU
teacher network's labels, ``make_teacher_network``) for N on a half-decade grid:
``10^3 .. 10^4`` with ``--quick``, ``10^3 .. 10^5`` by default and
``10^3 .. 10^6`` with ``--full``. The gradient-descent estimators run a fixed
number of iterations (``tol=0``, so every N does the same steps) and stop at
``max(10^4, N_max / 10)`` rows:

- ``RandomFeaturePolynomialRegressor(n_components=500, degree=2)``: one pass of
  sufficient statistics and a ridge solve, expected slope 1 once the
  ``O(m^3)`` solve is amortized.
- ``TensorInitOneHiddenLayer(n_hidden=5)``: Algorithm 1 (tensor initialization)
  plus 50 full-batch gradient steps.
- ``ComplexTwoLayerRegressor(n_hidden=50)``: 50 full-batch Adam epochs,
  no perturbations.
- ``HighThresholdLayerRecovery(n_hidden=2, threshold=2)``: 8 restarts of 50
  landscape-loss gradient steps and the fit of the upper polynomial (no
  refinement).

Then, on 10^4 rows: the random-feature fit against the number of units ``m``
(``100 .. 400`` quick, ``125 .. 2000`` default, ``.. 4000`` full; expected slope
up to 2 from the ``(2m)^2`` Gram, 3 once the solve dominates) and the
tensor-initialized fit against the input dimension ``d`` (``10 .. 40`` quick,
``.. 160`` default, ``.. 320`` full).

The slope is the least-squares fit of ``log seconds`` on ``log N`` over all points
of a curve (fixed costs flatten it at small sizes). A log-log plot goes to
``benchmarks/results/bench_scaling_<device>.png``. ``--device cuda`` fits on the
GPU (input moved by the estimator, timing synchronized).
"""

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from _harness import (  # noqa: E402
    RESULTS_DIR,
    Row,
    best_time,
    device_sync,
    estimator_device,
    parse_args,
    report,
)
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from sklearn_polynn import (  # noqa: E402
    ComplexTwoLayerRegressor,
    HighThresholdLayerRecovery,
    RandomFeaturePolynomialRegressor,
    TensorInitOneHiddenLayer,
)
from sklearn_polynn.datasets import make_teacher_network  # noqa: E402

N_FEATURES = 20
GD_ITER = 50


def estimators(device):
    """``{label: (factory, is_gradient_descent)}``."""
    return {
        "RandomFeaturePolynomial(m=500, phi_2)": (
            lambda: RandomFeaturePolynomialRegressor(
                n_components=500, degree=2, device=device, random_state=0
            ),
            False,
        ),
        f"TensorInit(5) + {GD_ITER} GD steps": (
            lambda: TensorInitOneHiddenLayer(
                n_hidden=5, max_iter=GD_ITER, tol=0.0, device=device, random_state=0
            ),
            False,
        ),
        f"ComplexTwoLayer(50), {GD_ITER} Adam epochs": (
            lambda: ComplexTwoLayerRegressor(
                n_hidden=50,
                max_iter=GD_ITER,
                tol=0.0,
                perturbation=None,
                device=device,
                random_state=0,
            ),
            True,
        ),
        f"HighThreshold(2, t=2), 8 x {GD_ITER} steps": (
            lambda: HighThresholdLayerRecovery(
                n_hidden=2,
                threshold=2.0,
                refine=False,
                n_restarts=8,
                max_iter=GD_ITER,
                tol=0.0,
                device=device,
                random_state=0,
            ),
            True,
        ),
    }


def sample_sizes(quick, full):
    """Half-decade grid of N and the largest N for gradient-descent estimators."""
    top = 4 if quick else 6 if full else 5
    grid = [int(round(10 ** (e / 2))) for e in range(6, 2 * top + 1)]
    return grid, max(10_000, grid[-1] // 10)


def width_sizes(quick, full):
    """Grids of ``m`` (random-feature units) and ``d`` (input features)."""
    if quick:
        return [100, 200, 400], [10, 20, 40]
    if full:
        return [125, 250, 500, 1000, 2000, 4000], [10, 20, 40, 80, 160, 320]
    return [125, 250, 500, 1000, 2000], [10, 20, 40, 80, 160]


def loglog_slope(sizes, seconds):
    """Least-squares slope of ``log seconds`` against ``log N``."""
    return float(np.polyfit(np.log(sizes), np.log(seconds), 1)[0])


def sweep(fits, sync, repeat):
    """Best seconds and the fitted ``n_iter_`` of each ``fit()`` in ``fits``, a
    list of ``(size, fit, n_rows)`` (one repeat for fits on more than 10^4 rows).
    """
    seconds, n_iter = [], []
    for _, fit, n_rows in fits:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            best, model = best_time(
                fit, repeat=repeat if n_rows <= 10_000 else 1, sync=sync
            )
        seconds.append(best)
        n_iter.append(int(getattr(model, "n_iter_", 0)))
    return seconds, n_iter


def width_sweeps(ms, ds, device, n_samples):
    """``{label: (variable, fits)}`` for ``sweep``: the random-feature fit against
    ``m`` and the tensor-initialized fit against ``d``, on ``n_samples`` rows."""
    X, y = make_teacher_network(n_samples, N_FEATURES, 5, random_state=0)
    rf = [
        (
            m,
            lambda m=m: RandomFeaturePolynomialRegressor(
                n_components=m, degree=2, device=device, random_state=0
            ).fit(X, y),
            n_samples,
        )
        for m in ms
    ]
    data = {d: make_teacher_network(n_samples, d, 5, random_state=0) for d in ds}
    ti = [
        (
            d,
            lambda d=d: TensorInitOneHiddenLayer(
                n_hidden=5, max_iter=GD_ITER, tol=0.0, device=device, random_state=0
            ).fit(*data[d]),
            n_samples,
        )
        for d in ds
    ]
    return {
        f"RandomFeaturePolynomial(phi_2), N={n_samples}, d={N_FEATURES}": ("m", rf),
        f"TensorInit(5) + {GD_ITER} GD steps, N={n_samples}": ("d", ti),
    }


def plot(panels, device, path):
    """Log-log plots of fit seconds, one panel per swept variable."""
    fig, axes = plt.subplots(1, len(panels), figsize=(6.0 * len(panels), 4.4))
    for ax, (variable, curves) in zip(np.atleast_1d(axes), panels.items()):
        for label, (sizes, seconds, slope) in curves.items():
            ax.loglog(sizes, seconds, "o-", label=f"{label} (slope {slope:.2f})")
        ax.set_xlabel(variable)
        ax.set_ylabel("fit seconds")
        ax.set_title(f"Fit time vs {variable}, {device}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _rows(label, variable, fits, seconds, n_iter, device):
    """One row per point (time per row) and one with the log-log slope."""
    sizes = [size for size, _, _ in fits]
    slope = loglog_slope(sizes, seconds)
    rows = [
        Row(
            label,
            f"{variable}={size} {device}",
            s,
            metric="us per row",
            value=1e6 * s / n_rows,
            extra={"n_iter": it},
        )
        for (size, _, n_rows), s, it in zip(fits, seconds, n_iter)
    ]
    rows.append(
        Row(
            label,
            f"slope over {variable}={sizes[0]}..{sizes[-1]} {device}",
            seconds[-1],
            metric="log-log slope",
            value=slope,
        )
    )
    return rows, (sizes, seconds, slope)


def _options(parser):
    parser.add_argument(
        "--full", action="store_true", help="N up to 10^6 (minutes to hours)"
    )


def main(argv=None):
    args = parse_args(__doc__.splitlines()[0], extra=_options, argv=argv)
    device = estimator_device(args)
    sync = device_sync(device)
    sizes, gd_max = sample_sizes(args.quick, args.full)
    X, y = make_teacher_network(sizes[-1], N_FEATURES, 5, random_state=0)
    rows, panels = [], {f"N (d={N_FEATURES})": {}, "m or d": {}}
    for label, (factory, gradient_descent) in estimators(device).items():
        ns = [n for n in sizes if n <= gd_max] if gradient_descent else sizes
        fits = [(n, lambda n=n: factory().fit(X[:n], y[:n]), n) for n in ns]
        seconds, n_iter = sweep(fits, sync, args.repeat)
        new, curve = _rows(label, "N", fits, seconds, n_iter, args.device)
        rows += new
        panels[f"N (d={N_FEATURES})"][label] = curve
    ms, ds = width_sizes(args.quick, args.full)
    for label, (variable, fits) in width_sweeps(ms, ds, device, 10_000).items():
        seconds, n_iter = sweep(fits, sync, args.repeat)
        new, curve = _rows(label, variable, fits, seconds, n_iter, args.device)
        rows += new
        panels["m or d"][f"{label} vs {variable}"] = curve
    path = plot(panels, args.device, RESULTS_DIR / f"bench_scaling_{args.device}.png")
    report(__file__, rows, title=f"Fit time vs N, m and d ({args.device})")
    for curves in panels.values():
        for label, (sizes, _, slope) in curves.items():
            print(f"slope {slope:.2f}  {label}  ({sizes[0]}..{sizes[-1]})")
    print(f"plot: {path}")


if __name__ == "__main__":
    main()
