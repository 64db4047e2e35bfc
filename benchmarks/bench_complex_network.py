"""ComplexTwoLayerRegressor: gradient-step cost against the complex-GEMM floor, and
time-to-accuracy against scikit-learn's MLPRegressor on the Fig. 1 tasks of
Andoni et al. (2014).

1. One full-batch gradient step (forward, Wirtinger gradients of both layers,
   Adam update) should cost about two complex GEMMs of (N x n)(n x m) plus
   elementwise work (the complex ``exp`` and its derivative). The floor timed in
   the same run is exactly those two GEMMs on the same shapes.
2. On n-sparse polynomials with 5n units: wall time until the relative test MSE
   (``MSE / Var y``) reaches 0.05, and the relative test MSE reached after a
   fixed time budget, for this estimator (full-batch Adam, and Adam on
   mini-batches of 1000) and MLPRegressor (Adam, mini-batches of 200) with 5n
   hidden units and with a large hidden layer. Evaluation time is excluded
   from the clock. A ratio "x peer" of 0 means the peer never reached 0.05.

Run ``python benchmarks/bench_complex_network.py [--quick] [--device cuda]``;
set ``OMP_NUM_THREADS`` to compare at a fixed thread count.
"""

import time
import warnings

import numpy as np
from _harness import (
    Row,
    best_time,
    device_sync,
    estimator_device,
    parse_args,
    report,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

from sklearn_polynn import ComplexTwoLayerRegressor
from sklearn_polynn._backend import asarray, resolve_device
from sklearn_polynn._optim import make_optimizer
from sklearn_polynn.activations import get_activation
from sklearn_polynn.complex_network import _StageProblem
from sklearn_polynn.datasets import make_sparse_polynomial

TARGET = 0.05


def bench_step(N, n, m, device, repeat):
    """Seconds of one full-batch Adam step, and of the two-GEMM floor."""
    xp, _ = resolve_device(device)
    rng = np.random.RandomState(0)
    X = asarray(rng.standard_normal((N, n)), xp)
    y = asarray(rng.standard_normal(N), xp)
    W = asarray((rng.standard_normal((n, m)) + 1j * rng.standard_normal((n, m))), xp)
    W = W / np.sqrt(2 * n)
    params = {
        "hidden_weights": W,
        "output_weights": asarray(0.1 * rng.standard_normal(m) + 0j, xp),
        "intercept": xp.zeros(1),
    }
    problem = _StageProblem(
        X, y, get_activation("exp"), alpha_reg=0.0, fixed_hidden=None, xp=xp
    )
    optimizer = make_optimizer("adam", 1e-3)

    def step():
        _, grads = problem.loss_grad(params, None)
        return optimizer.step(params, grads)

    sync = device_sync(xp)
    seconds, _ = best_time(step, repeat=repeat, sync=sync)
    Xc = X.astype(xp.complex128)
    D = asarray(rng.standard_normal((N, m)) + 0j, xp)
    floor, _ = best_time(lambda: (Xc @ W, Xc.T @ D), repeat=repeat, sync=sync)
    # The elementwise part the floor leaves out: one complex exp of (N, m).
    exp, _ = best_time(lambda: xp.exp(D), repeat=repeat, sync=sync)
    return seconds, floor, exp


def _relative_test_mse(model, X, y):
    return float(np.mean((model.predict(X) - y) ** 2) / np.var(y))


def race(make_model, X, y, Xt, yt, budget, eval_every):
    """Train epoch by epoch with ``partial_fit`` for ``budget`` seconds.

    Returns (seconds to reach TARGET or None, relative test MSE at the budget).
    """
    model = make_model()
    elapsed, reached, error, epoch = 0.0, None, float("inf"), 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        while elapsed < budget:
            start = time.perf_counter()
            for _ in range(eval_every):
                model.partial_fit(X, y)
            elapsed += time.perf_counter() - start
            epoch += eval_every
            error = _relative_test_mse(model, Xt, yt)
            if reached is None and error <= TARGET:
                reached = elapsed
    return reached, error, epoch


def bench_race(n, degree, budget, device, random_state=0):
    n_hidden = 5 * n
    n_train = max(2000, 5 * 2 * n_hidden * (n + 1))
    X, y = make_sparse_polynomial(
        n_train + 5000, n, degree=degree, random_state=random_state
    )
    X, y, Xt, yt = X[:n_train], y[:n_train], X[n_train:], y[n_train:]
    contenders = {
        f"ComplexTwoLayer({n_hidden})": (
            lambda: ComplexTwoLayerRegressor(
                n_hidden=n_hidden,
                learning_rate=0.02,
                device=device,
                random_state=random_state,
            ),
            10,
        ),
        f"ComplexTwoLayer({n_hidden}, batch 1000)": (
            lambda: ComplexTwoLayerRegressor(
                n_hidden=n_hidden,
                learning_rate=0.005,
                batch_size=1000,
                device=device,
                random_state=random_state,
            ),
            1,
        ),
        f"MLP({n_hidden})": (
            lambda: MLPRegressor(
                hidden_layer_sizes=(n_hidden,), random_state=random_state
            ),
            1,
        ),
        "MLP(1000)": (
            lambda: MLPRegressor(hidden_layer_sizes=(1000,), random_state=random_state),
            1,
        ),
    }
    results = {}
    for name, (make, every) in contenders.items():
        results[name] = race(make, X, y, Xt, yt, budget, every)
        reached, error, epochs = results[name]
        print(
            f"  {name:<22} n={n} deg={degree}: time to {TARGET}: "
            f"{'not reached' if reached is None else f'{reached:.1f} s'}; "
            f"rel. test MSE {error:.4f} after {budget} s ({epochs} epochs)",
            flush=True,
        )
    return results, n_train


def main():
    args = parse_args(__doc__.splitlines()[0])
    device = estimator_device(args)
    rows = []
    shapes = (
        [(5000, 10, 50), (5000, 20, 100)]
        if args.quick
        else [(20000, 10, 50), (20000, 20, 100), (20000, 40, 200), (20000, 80, 400)]
    )
    for N, n, m in shapes:
        seconds, floor, exp = bench_step(N, n, m, device, args.repeat)
        rows.append(
            Row(
                "full-batch Adam step",
                f"N={N} n={n} m={m} {args.device}",
                seconds,
                floor_seconds=floor,
                metric="steps/s",
                value=1.0 / seconds,
                extra={
                    "complex_exp_seconds": exp,
                    "floor_plus_exp_ratio": seconds / (floor + exp),
                },
            )
        )
    tasks = [(10, 2)] if args.quick else [(10, 2), (10, 3), (20, 2)]
    budget = 10 if args.quick else 60
    for n, degree in tasks:
        results, n_train = bench_race(n, degree, budget, device)
        ours = [name for name in results if name.startswith("ComplexTwoLayer")]
        for name in ours:
            ours_reached, ours_error, _ = results[name]
            for peer, (reached, error, _) in results.items():
                if peer in ours:
                    continue
                rows.append(
                    Row(
                        f"{name}: time to rel. test MSE {TARGET}",
                        f"n={n} degree {degree} N={n_train} {args.device}",
                        float("inf") if ours_reached is None else ours_reached,
                        peer_seconds=float("inf") if reached is None else reached,
                        peer=peer,
                        metric=f"rel. test MSE after {budget} s: ours (peer)",
                        value=ours_error,
                        extra={"peer_error": error},
                    )
                )
    report(__file__, rows, title="ComplexTwoLayerRegressor")
    for row in rows:
        if "peer_error" in row.extra:
            print(
                f"{row.name} | {row.case} | rel. test MSE after {budget} s: "
                f"{row.value:.4f} vs {row.peer} {row.extra['peer_error']:.4f}"
            )
    for row in rows:
        if "floor_plus_exp_ratio" in row.extra:
            print(
                f"{row.case}: one complex exp of (N, m) takes "
                f"{row.extra['complex_exp_seconds']:.4g} s; step / (floor + exp) = "
                f"{row.extra['floor_plus_exp_ratio']:.2f}"
            )


if __name__ == "__main__":
    main()
