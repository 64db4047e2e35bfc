"""ComplexTwoLayerRegressor: gradient-step cost against the GEMM floor (real and
circle inputs), and time-to-accuracy against scikit-learn's MLPRegressor on the
Fig. 1 tasks of Andoni et al. (2014).

1. One full-batch gradient step (forward, Wirtinger gradients of both layers,
   the update) costs two real GEMMs plus elementwise work (the complex ``exp``
   and the products with it): ``N x n x 2m`` flops each for real inputs and
   ``N x 2n x 2m`` for the circle (``x = exp(i theta)`` kept as ``[cos, sin]``).
   The floor timed in the same run is exactly those two GEMMs; the circle/real
   ratio at equal ``(N, n, m)`` is reported (issue 13: ``<= 2.5``). Also timed:
   NumPy's complex ``exp`` right after a complex x complex GEMM (zgemm) and
   right after a real one, the OpenBLAS effect that made the old circle path
   slow on some machines.
2. On n-sparse polynomials with 5n units: wall time until the relative test MSE
   (``MSE / Var y``) reaches ``target``, and the relative test MSE reached after
   a fixed time budget, for this estimator (full-batch Adam, and Adam on
   mini-batches of 1000) and MLPRegressor (Adam, mini-batches of 200) with 5n
   and 256 hidden units. Evaluation time is excluded from the clock. A ratio "x
   peer" of 0 means the peer never reached the target. ``--fig1`` runs the
   issue 13 goals instead: n=20 cubic to 0.02 and n=40 cubic to 0.05 within
   ``--budget`` seconds per contender, L-BFGS (``solver="lbfgs"``, timed in
   rounds of ``fit(warm_start=True, max_iter=25)``: its curvature memory
   restarts each round) and mini-batch Adam (batches of 1000: the constant
   step 0.005 of session 2, and step 0.01 with ``learning_rate_decay=0.01``
   in float64 and float32) against MLPRegressor(256) (float64, and on float32
   copies of ``X``) and
   ``PolynomialFeatures(3)`` + ``Ridge()`` (one closed-form fit; not run when
   its design matrix exceeds 2 GiB, as for n=40). ``--n 20`` / ``--n 40``
   runs one task, ``--only TEXT`` the contenders whose name contains
   ``TEXT`` (one contender per run keeps a run within ``--budget``).
3. ``--solvers {fig1,sklearn,all}``: the measurement behind the default
   ``solver``: Adam (the old default), L-BFGS and Armijo GD at the class
   defaults otherwise, on the
   Fig. 1 sparse quadratic / cubic at n=10 and n=20 (fit seconds and
   relative test MSE at ``max_iter=300``) and 5-fold CV R^2 of
   ``make_pipeline(StandardScaler(), ComplexTwoLayerRegressor(...))`` on
   scikit-learn's ``load_diabetes`` and ``make_friedman1`` (1000 rows,
   noise 1).

4. ``--profile``: where a mini-batch Adam step goes on the Fig. 1 n=40 task
   (m=200 units, batches of 1000 of N=82000 rows; ``--quick``: n=20): seconds
   per step of ``partial_fit`` in float64 and float32 with the units computed
   as ``exp`` of real and imaginary parts (:func:`~sklearn_polynn._backend.
   exp_parts`, the code path of the paper's exp units) against the complex
   ``exp`` path that other holomorphic activations take (``peer``), and the
   kernels of one step timed alone: the forward GEMM, the two ``exp``
   variants, the gradient GEMM.

Run ``python benchmarks/bench_complex_network.py [--quick] [--fig1] [--solvers]
[--profile] [--device cuda]``; the BLAS thread count (threadpoolctl) is printed
and recorded. Set ``OMP_NUM_THREADS`` / ``OPENBLAS_NUM_THREADS`` to compare at a
fixed count.
"""

import math
import time
import warnings

import numpy as np
from _harness import (
    Row,
    best_time,
    estimator_device,
    parse_args,
    report,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures
from threadpoolctl import threadpool_info

from sklearn_polynn import ComplexTwoLayerRegressor, complex_network
from sklearn_polynn._backend import (
    exp_parts,
    is_numpy_namespace,
    resolve_namespace,
    to_numpy,
)
from sklearn_polynn._optim import make_optimizer
from sklearn_polynn.activations import get_activation
from sklearn_polynn.complex_network import _NetworkInput, _StageProblem
from sklearn_polynn.datasets import make_sparse_polynomial

TARGET = 0.05
#: ``PolynomialFeatures`` + ``Ridge`` is not run when its design is larger.
_MAX_DESIGN_GIB = 2.0


def blas_threads():
    """``"openblas x 1, ..."``: the BLAS libraries and their thread counts."""
    return ", ".join(
        f"{i['internal_api']} x {i['num_threads']}"
        for i in threadpool_info()
        if i["user_api"] == "blas"
    )


def _sync(ns):
    if is_numpy_namespace(ns.xp):
        return None
    return lambda: to_numpy(ns.xp.zeros(1, device=ns.device))  # waits for the device


def bench_step(N, n, m, domain, device, repeat, solver="gd"):
    """Seconds of one full-batch step, and of its two-GEMM floor."""
    ns = resolve_namespace(device)
    rng = np.random.RandomState(0)
    if domain == "circle":
        X = rng.uniform(0.0, 2.0 * np.pi, (N, n))
    else:
        X = rng.standard_normal((N, n))
    y = ns.asarray(rng.standard_normal(N))
    W = (rng.standard_normal((n, m)) + 1j * rng.standard_normal((n, m))) / np.sqrt(
        2 * n
    )
    params = {
        "hidden_weights": ns.asarray(W),
        "output_weights": ns.asarray(0.1 * rng.standard_normal(m) + 0j),
        "intercept": ns.xp.zeros(1, dtype=ns.xp.float64, device=ns.device),
    }
    inputs = _NetworkInput.from_validated(ns.asarray(X), domain, ns.xp)
    problem = _StageProblem(
        inputs, y, get_activation("exp"), alpha_reg=0.0, fixed_hidden=None, ns=ns
    )
    optimizer = make_optimizer(solver, 1e-4)

    def step():
        _, grads = problem.loss_grad(params, None)
        return optimizer.step(params, grads)

    sync = _sync(ns)
    seconds, _ = best_time(step, repeat=repeat, sync=sync)
    A = inputs.data
    B = ns.asarray(rng.standard_normal((A.shape[1], 2 * m)))
    D = ns.asarray(rng.standard_normal((N, 2 * m)))
    floor, _ = best_time(lambda: (A @ B, A.T @ D), repeat=repeat, sync=sync)
    return seconds, floor


def bench_exp_after_gemm(N, n, m, repeat):
    """NumPy complex ``exp`` of an (N, m) array right after a zgemm / a dgemm."""
    rng = np.random.RandomState(0)
    Xc = np.exp(1j * rng.uniform(0, 2 * np.pi, (N, n)))
    W = (rng.standard_normal((n, m)) + 1j * rng.standard_normal((n, m))) / np.sqrt(
        2 * n
    )
    Xr, Wr = rng.standard_normal((N, 2 * n)), rng.standard_normal((2 * n, 2 * m))
    Z = Xc @ W

    def after_zgemm():
        Xc @ W
        return np.exp(Z)

    def after_dgemm():
        Xr @ Wr
        return np.exp(Z)

    zgemm, _ = best_time(lambda: Xc @ W, repeat=repeat)
    dgemm, _ = best_time(lambda: Xr @ Wr, repeat=repeat)
    exp_z, _ = best_time(after_zgemm, repeat=repeat)
    exp_d, _ = best_time(after_dgemm, repeat=repeat)
    return exp_z - zgemm, exp_d - dgemm


def _epoch_seconds(X, y, m, batch, dtype, parts, repeat):
    """Seconds per mini-batch Adam step of ``partial_fit`` (best epoch of
    ``repeat``); ``parts=False`` takes the complex-``exp`` path."""
    model = ComplexTwoLayerRegressor(
        n_hidden=m, learning_rate=0.005, batch_size=batch, dtype=dtype, random_state=0
    )
    saved = complex_network._exp_by_parts
    if not parts:
        complex_network._exp_by_parts = lambda *args: False
    try:
        model.partial_fit(X, y)  # initialisation and a first epoch
        seconds, _ = best_time(lambda: model.partial_fit(X, y), repeat=repeat)
    finally:
        complex_network._exp_by_parts = saved
    return seconds / -(-X.shape[0] // batch)


def _kernel_seconds(batch, n, m, dtype, repeat):
    """One step's kernels alone: forward GEMM, exp by parts (in place, after a
    copy of its input), complex exp, gradient GEMM."""
    rng = np.random.RandomState(0)
    X = rng.standard_normal((batch, n)).astype(dtype)
    M = (rng.standard_normal((n, 2 * m)) / np.sqrt(2 * n)).astype(dtype)
    ZT = M.T @ X.T
    Z = ZT[:m].T + 1j * ZT[m:].T
    loops = 20

    def timed(func):
        seconds, _ = best_time(lambda: [func() for _ in range(loops)], repeat=repeat)
        return seconds / loops

    copy = timed(lambda: ZT.copy())
    return {
        "forward GEMM (2m x n) @ (n x B)": timed(lambda: M.T @ X.T),
        "exp by parts (2m, B)": timed(lambda: exp_parts(ZT.copy())) - copy,
        "complex exp (B, m)": timed(lambda: np.exp(Z)),
        "gradient GEMM (2m x B) @ (B x n)": timed(lambda: ZT @ X),
    }


def profile_rows(quick, repeat):
    """``--profile``: a mini-batch Adam step at the Fig. 1 sizes, by path and
    dtype, and its kernels."""
    n = 20 if quick else 40
    m, batch = 5 * n, 1000
    n_train = 5 * 2 * m * (n + 1)
    X, y = make_sparse_polynomial(n_train, n, degree=3, random_state=0)
    case = f"Fig. 1 n={n} m={m} batch {batch} of N={n_train}"
    rows = []
    for dtype in ("float64", "float32"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            parts = _epoch_seconds(X, y, m, batch, dtype, True, repeat)
            cexp = _epoch_seconds(X, y, m, batch, dtype, False, repeat)
        print(
            f"  {dtype}: step {parts * 1e3:.2f} ms (exp by parts) vs "
            f"{cexp * 1e3:.2f} ms (complex exp)",
            flush=True,
        )
        rows.append(
            Row(
                f"mini-batch Adam step, exp by parts, {dtype}",
                case,
                parts,
                peer_seconds=cexp,
                peer="complex exp path",
                metric="steps/s",
                value=1 / parts,
            )
        )
        for kernel, seconds in _kernel_seconds(batch, n, m, dtype, repeat).items():
            rows.append(
                Row(
                    f"kernel: {kernel}, {dtype}",
                    case,
                    seconds,
                    metric="share of the step",
                    value=seconds / parts,
                )
            )
    return rows


class _Float32MLP(MLPRegressor):
    """MLPRegressor trained and evaluated on float32 copies of ``X`` (it keeps
    float32 input in float32), the peer of ``dtype="float32"``."""

    def partial_fit(self, X, y):
        return super().partial_fit(np.asarray(X, np.float32), np.asarray(y, np.float32))

    def predict(self, X):
        return super().predict(np.asarray(X, np.float32))


def _relative_test_mse(model, X, y):
    return float(np.mean((model.predict(X) - y) ** 2) / np.var(y))


def _train_round(model, X, y, eval_every):
    """``eval_every`` epochs of ``partial_fit``, or for L-BFGS (full batch, no
    epochs) one ``fit(warm_start=True, max_iter=eval_every)``."""
    if getattr(model, "solver", None) == "lbfgs":
        model.set_params(warm_start=True, max_iter=eval_every)
        model.fit(X, y)
        return
    for _ in range(eval_every):
        model.partial_fit(X, y)


def race(make_model, X, y, Xt, yt, budget, eval_every, target=TARGET):
    """Train epoch by epoch with ``partial_fit`` for ``budget`` seconds.

    Returns (seconds to reach ``target`` or None, relative test MSE at the
    budget, epochs).
    """
    model = make_model()
    elapsed, reached, error, epoch = 0.0, None, float("inf"), 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if eval_every is None:  # a closed-form fit: timed once
            start = time.perf_counter()
            model.fit(X, y)
            elapsed = time.perf_counter() - start
            error = _relative_test_mse(model, Xt, yt)
            return (elapsed if error <= target else None), error, 1
        while elapsed < budget:
            start = time.perf_counter()
            _train_round(model, X, y, eval_every)
            elapsed += time.perf_counter() - start
            epoch += eval_every
            error = _relative_test_mse(model, Xt, yt)
            if reached is None and error <= target:
                reached = elapsed
    return reached, error, epoch


def contenders(
    n, device, random_state=0, peers=(None, 256), full_batch=True, fig1=False, degree=3
):
    """name -> (model factory, epochs between evaluations, ``None``: one
    closed-form fit); ``peers`` are the MLPRegressor widths (``None``: 5n
    units); ``fig1`` adds L-BFGS, the decayed Adam steps and
    ``PolynomialFeatures(degree)`` + ``Ridge()``."""
    n_hidden = 5 * n
    out = {
        f"ComplexTwoLayer({n_hidden}, lbfgs)": (
            lambda: ComplexTwoLayerRegressor(
                n_hidden=n_hidden,
                solver="lbfgs",
                device=device,
                random_state=random_state,
            ),
            25,
        ),
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
    }
    for dtype in ("float64", "float32"):
        out[f"ComplexTwoLayer({n_hidden}, batch 1000, decay, {dtype})"] = (
            lambda dtype=dtype: ComplexTwoLayerRegressor(
                n_hidden=n_hidden,
                learning_rate=0.01,
                learning_rate_decay=0.01,
                batch_size=1000,
                dtype=dtype,
                device=device,
                random_state=random_state,
            ),
            1,
        )
    if not full_batch:
        del out[f"ComplexTwoLayer({n_hidden})"]
    if not fig1:
        out = {k: v for k, v in out.items() if "lbfgs" not in k and "decay" not in k}
    for width in peers:
        width = n_hidden if width is None else width
        out[f"MLP({width})"] = (
            lambda width=width: MLPRegressor(
                hidden_layer_sizes=(width,), random_state=random_state
            ),
            1,
        )
    if fig1:
        out["MLP(256, float32)"] = (
            lambda: _Float32MLP(hidden_layer_sizes=(256,), random_state=random_state),
            1,
        )
        out[f"PolynomialFeatures({degree}) + Ridge()"] = (
            lambda: make_pipeline(PolynomialFeatures(degree), Ridge()),
            None,
        )
    return out


def bench_race(
    n,
    degree,
    budget,
    device,
    target=TARGET,
    peers=(None, 256),
    full_batch=True,
    fig1=False,
    only=None,
):
    n_hidden = 5 * n
    n_train = max(2000, 5 * 2 * n_hidden * (n + 1))
    X, y = make_sparse_polynomial(n_train + 5000, n, degree=degree, random_state=0)
    X, y, Xt, yt = X[:n_train], y[:n_train], X[n_train:], y[n_train:]
    results = {}
    racers = contenders(n, device, 0, peers, full_batch, fig1, degree)
    if only is not None:
        racers = {k: v for k, v in racers.items() if only in k}
    for name, (make, every) in racers.items():
        if every is None:
            n_columns = math.comb(n + degree, degree)
            gib = n_train * n_columns * 8 / 2**30
            if gib > _MAX_DESIGN_GIB:
                print(
                    f"  {name} n={n} deg={degree}: not run: its design matrix is "
                    f"{n_train} x {n_columns} ({gib:.1f} GiB float64)",
                    flush=True,
                )
                continue
        results[name] = race(make, X, y, Xt, yt, budget, every, target)
        reached, error, epochs = results[name]
        print(
            f"  {name:<30} n={n} deg={degree}: time to {target}: "
            f"{'not reached' if reached is None else f'{reached:.1f} s'}; "
            f"rel. test MSE {error:.4g} after "
            f"{f'{budget} s ({epochs} epochs)' if every else 'one fit'}",
            flush=True,
        )
    return results, n_train


def step_rows(shapes, device, args):
    rows = []
    for N, n, m in shapes:
        times = {}
        for domain in ("real", "circle"):
            seconds, floor = bench_step(N, n, m, domain, device, args.repeat)
            times[domain] = seconds
            rows.append(
                Row(
                    f"full-batch GD step, domain={domain}",
                    f"N={N} n={n} m={m} {args.device}",
                    seconds,
                    floor_seconds=floor,
                    metric="circle / real step" if domain == "circle" else "steps/s",
                    value=(
                        seconds / times["real"] if domain == "circle" else 1 / seconds
                    ),
                )
            )
        if args.device == "cpu":
            after_z, after_d = bench_exp_after_gemm(N, n, m, args.repeat)
            rows.append(
                Row(
                    "numpy complex exp of (N, m) after a zgemm",
                    f"N={N} n={n} m={m} cpu",
                    after_z,
                    peer_seconds=after_d,
                    peer="after a dgemm",
                    metric="ratio",
                    value=after_z / after_d,
                )
            )
    return rows


def race_rows(tasks, budget, device, fig1=False, only=None):
    rows = []
    for n, degree, target, peers, full_batch in tasks:
        results, n_train = bench_race(
            n, degree, budget, device, target, peers, full_batch, fig1, only
        )
        ours = [name for name in results if name.startswith("ComplexTwoLayer")]
        for name in ours:
            ours_reached, ours_error, _ = results[name]
            peers = {k: v for k, v in results.items() if k not in ours}
            for peer, (reached, error, _) in (peers or {"": (None, None, 0)}).items():
                rows.append(
                    Row(
                        f"{name}: time to rel. test MSE {target}",
                        f"n={n} degree {degree} N={n_train} {device or 'cpu'}",
                        float("inf") if ours_reached is None else ours_reached,
                        peer_seconds=(
                            None if not peer else reached if reached else float("inf")
                        ),
                        peer=peer,
                        metric=f"rel. test MSE after {budget} s",
                        value=ours_error,
                        extra={"peer_error": error, "budget": budget},
                    )
                )
    return rows


SOLVER_SETTINGS = {
    "adam": {"solver": "adam"},
    "lbfgs": {"solver": "lbfgs"},
    "gd (Armijo)": {"solver": "gd"},
}


def _fig1_solver_rows(device, max_iter=300):
    """Fit seconds and relative test MSE per solver on the Fig. 1 tasks."""
    rows = []
    for n, degree in ((10, 2), (10, 3), (20, 2), (20, 3)):
        n_train = max(2000, 5 * 2 * 5 * n * (n + 1))
        X, y = make_sparse_polynomial(n_train + 5000, n, degree=degree, random_state=0)
        results = {}
        for name, kw in SOLVER_SETTINGS.items():
            model = ComplexTwoLayerRegressor(
                n_hidden=5 * n, max_iter=max_iter, device=device, random_state=0, **kw
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                start = time.perf_counter()
                model.fit(X[:n_train], y[:n_train])
                seconds = time.perf_counter() - start
            error = _relative_test_mse(model, X[n_train:], y[n_train:])
            results[name] = (seconds, error)
            print(
                f"  {name:<12} n={n} deg={degree} N={n_train}: {seconds:.1f} s, "
                f"rel. test MSE {error:.4f} ({model.n_iter_} it.)",
                flush=True,
            )
        adam_seconds = results["adam"][0]
        for name, (seconds, error) in results.items():
            rows.append(
                Row(
                    f"solver={name}, max_iter={max_iter}",
                    f"Fig. 1 n={n} degree {degree} N={n_train}",
                    seconds,
                    peer_seconds=adam_seconds if name != "adam" else None,
                    peer="adam" if name != "adam" else "",
                    metric="rel. test MSE",
                    value=error,
                )
            )
    return rows


def _sklearn_solver_rows(device):
    """5-fold CV R^2 per solver (class defaults otherwise) on sklearn data."""
    from sklearn.datasets import load_diabetes, make_friedman1
    from sklearn.model_selection import cross_val_score
    from sklearn.preprocessing import StandardScaler

    data = {
        "load_diabetes": load_diabetes(return_X_y=True),
        "make_friedman1": make_friedman1(1000, noise=1.0, random_state=0),
    }
    rows = []
    for case, (X, y) in data.items():
        for name, kw in SOLVER_SETTINGS.items():
            model = make_pipeline(
                StandardScaler(),
                ComplexTwoLayerRegressor(device=device, random_state=0, **kw),
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                start = time.perf_counter()
                scores = cross_val_score(model, X, y, cv=5)
                seconds = time.perf_counter() - start
            print(
                f"  {name:<12} {case}: 5-fold CV R^2 {scores.mean():.3f} "
                f"(min {scores.min():.3f}) in {seconds:.1f} s",
                flush=True,
            )
            rows.append(
                Row(
                    f"solver={name}, class defaults",
                    f"{case} 5-fold CV, StandardScaler",
                    seconds,
                    metric="mean CV R^2",
                    value=float(scores.mean()),
                    extra={"min_r2": float(scores.min())},
                )
            )
    return rows


def _extra_args(parser):
    parser.add_argument(
        "--fig1", action="store_true", help="issue 13 Fig. 1 goals (minutes)"
    )
    parser.add_argument(
        "--budget", type=float, default=300.0, help="seconds per --fig1 contender"
    )
    parser.add_argument(
        "--n", type=int, choices=[20, 40], default=None, help="one --fig1 task"
    )
    parser.add_argument(
        "--only", default=None, help="--fig1 contenders whose name contains this"
    )
    parser.add_argument(
        "--profile", action="store_true", help="mini-batch step profile (a minute)"
    )
    parser.add_argument(
        "--solvers",
        choices=["fig1", "sklearn", "all"],
        default=None,
        help="default-solver measurement (minutes)",
    )


def main():
    args = parse_args(
        __doc__.splitlines()[0],
        extra=_extra_args,
    )
    device = estimator_device(args)
    print(f"BLAS threads: {blas_threads()}")
    if args.profile:
        rows = profile_rows(args.quick, args.repeat)
    elif args.solvers:
        rows = _fig1_solver_rows(device) if args.solvers != "sklearn" else []
        rows += _sklearn_solver_rows(device) if args.solvers != "fig1" else []
    elif args.fig1:
        # L-BFGS and mini-batch Adam against MLP(256) on both tasks (full-batch
        # Adam is left out: an epoch of the n=40 task's 82k rows costs ~1 s).
        tasks = [(20, 3, 0.02, (256,), False), (40, 3, 0.05, (256,), False)]
        tasks = [task for task in tasks if args.n in (None, task[0])]
        rows = race_rows(tasks, args.budget, device, fig1=True, only=args.only)
    else:
        shapes = (
            [(6000, 12, 60), (5000, 20, 100)]
            if args.quick
            else [(20000, 10, 50), (20000, 20, 100), (20000, 40, 200)]
        )
        rows = step_rows(shapes, device, args)
        tasks = [(10, 2, TARGET, (None, 256), True)]
        if not args.quick:
            tasks += [(10, 3, TARGET, (None, 256), True)]
            tasks += [(20, 2, TARGET, (None, 256), True)]
        rows += race_rows(tasks, 10 if args.quick else 60, device)
    report(__file__, rows, title=f"ComplexTwoLayerRegressor (BLAS: {blas_threads()})")
    for row in rows:
        if row.extra.get("peer_error") is not None:
            print(
                f"{row.name} | {row.case} | rel. test MSE after "
                f"{row.extra['budget']} s: {row.value:.4f} vs {row.peer} "
                f"{row.extra['peer_error']:.4f}"
            )


if __name__ == "__main__":
    main()
