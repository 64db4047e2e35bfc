"""Fit time against the number of samples N, with the log-log slope.

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

The slope is the least-squares fit of ``log seconds`` on ``log N`` over all points
of an estimator (fixed costs flatten it at small N). A log-log plot goes to
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
from sklearn_polynn._backend import resolve_device  # noqa: E402
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


def loglog_slope(sizes, seconds):
    """Least-squares slope of ``log seconds`` against ``log N``."""
    return float(np.polyfit(np.log(sizes), np.log(seconds), 1)[0])


def bench_estimator(factory, sizes, X, y, sync, repeat):
    """Best fit seconds and the fitted ``n_iter_`` at each N (one repeat above
    10^4 rows)."""
    seconds, n_iter = [], []
    for n in sizes:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            best, model = best_time(
                lambda n=n: factory().fit(X[:n], y[:n]),
                repeat=repeat if n <= 10_000 else 1,
                sync=sync,
            )
        seconds.append(best)
        n_iter.append(int(getattr(model, "n_iter_", 0)))
    return seconds, n_iter


def plot(curves, device, path):
    """Log-log plot of fit seconds against N, one line per estimator."""
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for label, (sizes, seconds, slope) in curves.items():
        ax.loglog(sizes, seconds, "o-", label=f"{label} (slope {slope:.2f})")
    ax.set_xlabel("N (samples)")
    ax.set_ylabel("fit seconds")
    ax.set_title(f"Fit time vs N, d={N_FEATURES}, {device}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _options(parser):
    parser.add_argument(
        "--full", action="store_true", help="N up to 10^6 (minutes to hours)"
    )


def main(argv=None):
    args = parse_args(__doc__.splitlines()[0], extra=_options, argv=argv)
    device = None if args.device == "cpu" else "cuda"
    xp, _ = resolve_device(device)
    sync = device_sync(xp)
    sizes, gd_max = sample_sizes(args.quick, args.full)
    X, y = make_teacher_network(sizes[-1], N_FEATURES, 5, random_state=0)
    rows, curves = [], {}
    for label, (factory, gradient_descent) in estimators(device).items():
        ns = [n for n in sizes if n <= gd_max] if gradient_descent else sizes
        seconds, n_iter = bench_estimator(factory, ns, X, y, sync, args.repeat)
        slope = loglog_slope(ns, seconds)
        curves[label] = (ns, seconds, slope)
        for n, s, it in zip(ns, seconds, n_iter):
            rows.append(
                Row(
                    label,
                    f"N={n} d={N_FEATURES} {args.device}",
                    s,
                    metric="us per row",
                    value=1e6 * s / n,
                    extra={"n_iter": it},
                )
            )
        rows.append(
            Row(
                label,
                f"slope over N={ns[0]}..{ns[-1]} {args.device}",
                seconds[-1],
                metric="log-log slope",
                value=slope,
            )
        )
    path = plot(curves, args.device, RESULTS_DIR / f"bench_scaling_{args.device}.png")
    report(__file__, rows, title=f"Fit time vs N ({args.device})")
    for label, (ns, _, slope) in curves.items():
        print(f"slope {slope:.2f}  {label}  (N={ns[0]}..{ns[-1]})")
    print(f"plot: {path}")


if __name__ == "__main__":
    main()
