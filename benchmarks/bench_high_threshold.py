"""HighThresholdLayerRecovery: cost of one evaluation of the landscape loss and
its gradient against the GEMM floor, and end-to-end fit against MLPRegressor.

1. One evaluation of ``G(z)`` and its gradient for ``R`` restarts at once
   (ICLR 2019 submission, Sec. 2) is one pass over ``X``: the GEMM ``X Z`` of
   (N x n)(n x R), elementwise moments, and the GEMM ``X^T [f p^3, f p]``. Timed
   against one GEMM ``X Z`` on the same arrays in the same run (goal <= 3x),
   over all rows (dense ``f``) and over the rows where ``f != c0`` (what ``fit``
   evaluates: with a high threshold most samples have every unit off).
   The same for the simultaneous loss of App. B.4 with ``B`` of (n x d).
2. Side by side on the same high-threshold data (ReLU, ``t = sqrt(2 log n)``,
   monotone ``P``): test R^2 and fit time of this estimator (landscape +
   RefineEstimate) and of ``MLPRegressor(hidden_layer_sizes=(64,),
   max_iter=30)`` (Adam).
3. Sample efficiency (issue 15): max angle of the recovered ``W`` (refine=False)
   against N for ``control_variates`` 0 (the paper's plain moments) and 1-2
   (moments of ``f - g`` plus ``E[g phi]`` on synthetic Gaussian draws), at
   n=100, d=10, ``t = sqrt(2 log n)`` (goal: <= 0.1 at N <= 1e6); and
   ``solver`` "lbfgs" against "gd" (error, fit time) at n=20, d=3.

Run ``python benchmarks/bench_high_threshold.py [--quick] [--device cuda]``; set
``OMP_NUM_THREADS`` to compare at a fixed thread count.
"""

import math

import numpy as np
from _harness import (
    Row,
    best_time,
    device_sync,
    estimator_device,
    fit_and_score,
    parse_args,
    report,
)
from sklearn.neural_network import MLPRegressor

from sklearn_polynn import HighThresholdLayerRecovery
from sklearn_polynn import _high_threshold as ht
from sklearn_polynn._backend import asarray, is_numpy_namespace, resolve_namespace
from sklearn_polynn.datasets import make_high_threshold_network


def bench_loss(N, n, d, restarts, device, repeat):
    """Seconds of one G + gradient evaluation (dense and active rows), simultaneous
    loss, and one GEMM ``X Z``."""
    xp = resolve_namespace(device).xp
    t = math.sqrt(2.0 * math.log(n))
    X, y = make_high_threshold_network(N, n, d, t, upper="monotone", random_state=0)
    f = y - np.median(y)
    active = f != 0
    Xa, fa = asarray(X[active], xp), asarray(f[active] * active.mean(), xp)
    X, f = asarray(X, xp), asarray(f, xp)
    rng = np.random.RandomState(0)
    Z = asarray(rng.standard_normal((n, restarts)), xp)
    B = asarray(rng.standard_normal((n, d)), xp)
    sync = device_sync(np if is_numpy_namespace(xp) else xp)
    out = {}
    out["dense"], _ = best_time(
        lambda: ht.landscape_loss(X, f, Z, 0.02, 0.02, 4.0, xp), repeat, sync
    )
    out["active"], _ = best_time(
        lambda: ht.landscape_loss(Xa, fa, Z, 0.02, 0.02, 4.0, xp), repeat, sync
    )
    out["simultaneous"], _ = best_time(
        lambda: ht.simultaneous_loss(X, f, B, 0.02, 0.02, 4.0, 0.01, xp), repeat, sync
    )
    out["gemm"], _ = best_time(lambda: X @ Z, repeat, sync)
    out["gemm_B"], _ = best_time(lambda: X @ B, repeat, sync)
    out["active_fraction"] = float(active.mean())
    return out


def bench_peers(N, n, d, device, random_state=0):
    """Fit time and test R^2 of ours and MLPRegressor on the same data."""
    t = math.sqrt(2.0 * math.log(n))
    X, y = make_high_threshold_network(
        N + 50_000, n, d, t, upper="monotone", random_state=random_state
    )
    X, y, Xt, yt = X[:N], y[:N], X[N:], y[N:]
    contenders = {
        "HighThreshold": lambda: HighThresholdLayerRecovery(
            n_hidden=d,
            threshold=t,
            refine_iter=100,
            device=device,
            random_state=random_state,
        ),
        "MLP(64)": lambda: MLPRegressor(
            hidden_layer_sizes=(64,), max_iter=30, random_state=random_state
        ),
    }
    return fit_and_score(contenders, X, y, Xt, yt, f"N={N} n={n} d={d}")


def bench_sample_efficiency(N, n, d, settings, device, random_state=0):
    """Max angle and fit time of each ``(control_variates, solver)`` setting."""
    from sklearn_polynn.metrics import parameter_recovery_error

    t = math.sqrt(2.0 * math.log(n))
    X, y, truth = make_high_threshold_network(
        N, n, d, t, upper="monotone", return_truth=True, random_state=random_state
    )
    out = {}
    for cv, solver in settings:
        est = HighThresholdLayerRecovery(
            n_hidden=d,
            threshold=t,
            refine=False,
            control_variates=cv,
            solver=solver,
            device=device,
            random_state=random_state,
        )
        seconds, _ = best_time(lambda est=est: est.fit(X, y), 1)
        error = parameter_recovery_error(truth.hidden_weights, est.hidden_weights_)[0]
        out[cv, solver] = (seconds, error)
        print(
            f"    N={N} n={n} d={d} control_variates={cv} solver={solver}: "
            f"max angle {error:.4f}, fit {seconds:.1f} s",
            flush=True,
        )
    return out


def main():
    args = parse_args(__doc__.splitlines()[0])
    device = estimator_device(args)
    rows = []
    shapes = (
        [(100_000, 20, 3, 8)]
        if args.quick
        else [(1_000_000, 20, 3, 8), (500_000, 100, 10, 20)]
    )
    for N, n, d, restarts in shapes:
        out = bench_loss(N, n, d, restarts, device, args.repeat)
        case = f"N={N} n={n} R={restarts} {args.device}"
        rows.append(
            Row("G + grad, all rows", case, out["dense"], floor_seconds=out["gemm"])
        )
        rows.append(
            Row(
                "G + grad, rows with f != c0 (fit)",
                case,
                out["active"],
                floor_seconds=out["gemm"],
                metric="active fraction",
                value=out["active_fraction"],
            )
        )
        rows.append(
            Row(
                "simultaneous G(B) + grad, all rows",
                f"N={N} n={n} d={d} {args.device}",
                out["simultaneous"],
                floor_seconds=out["gemm_B"],
            )
        )
    peers = [(100_000, 20, 3)] if args.quick else [(200_000, 20, 3), (500_000, 50, 5)]
    for N, n, d in peers:
        results = bench_peers(N, n, d, device)
        ours_seconds, ours_r2 = results["HighThreshold"]
        seconds, r2 = results["MLP(64)"]
        rows.append(
            Row(
                "fit, high-threshold network",
                f"N={N} n={n} d={d} {args.device}",
                ours_seconds,
                peer_seconds=seconds,
                peer="MLP(64), 30 epochs",
                metric="test R^2 (ours)",
                value=ours_r2,
                extra={"peer_r2": r2},
            )
        )
        print(f"    MLP(64): test R^2 = {r2:.6f} (ours {ours_r2:.6f})")
    small = [(0, "gd"), (0, "lbfgs"), (1, "lbfgs"), (2, "lbfgs")]
    large = [(0, "lbfgs"), (1, "lbfgs"), (2, "lbfgs")]
    efficiency = (
        [(100_000, 20, 3, small), (300_000, 20, 3, small)]
        if args.quick
        else [
            (300_000, 20, 3, small),
            (300_000, 100, 10, large),
            (1_000_000, 100, 10, large),
        ]
    )
    for N, n, d, settings in efficiency:
        for (cv, solver), (seconds, error) in bench_sample_efficiency(
            N, n, d, settings, device
        ).items():
            rows.append(
                Row(
                    f"fit, control_variates={cv}, solver={solver}",
                    f"N={N} n={n} d={d} {args.device}",
                    seconds,
                    metric="max angle (rad)",
                    value=error,
                )
            )
    report(__file__, rows, title="HighThresholdLayerRecovery")


if __name__ == "__main__":
    main()
