"""Graph executions and wall time of a Dask ``TensorInitOneHiddenLayer`` fit.

Every ``dask.compute`` / ``dask.persist`` is one graph execution, counted with a
``dask.callbacks.Callback`` and attributed to the phase that ran it (input
checks, tensor initialization of Zhong et al. 2017, Algorithm 1, Gaussian-input
check, gradient steps). The same fit (squared ReLU teacher, ``solver="gd"``,
``learning_rate=0.02``, 2 steps, chunks of 500 rows) is timed under Dask's
threaded scheduler (best of ``--repeat``) and once under
``scheduler="processes"``, which starts a new process pool (``spawn``) in every
execution, so its time is about the count times the pool start-up.

With ``--init``, the tensor initialization alone (``N = 200 000``, ``--quick``
50 000, ``k = 5``, 16 chunks, threaded scheduler) on the Dask array against
NumPy, for ``d = 10`` and ``d = 200`` (both with the dense ``P2``, ``d <= 40 k``),
with its execution count.

Run ``python benchmarks/bench_dask_executions.py [--quick] [--no-processes]
[--init]`` (``--quick``: N=2000, d=5, k=2 and no processes run). BLAS is pinned
to one thread.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import collections  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
import warnings  # noqa: E402

import dask  # noqa: E402
import dask.array as da  # noqa: E402
import numpy as np  # noqa: E402
from _harness import Row, parse_args, report  # noqa: E402
from dask.callbacks import Callback  # noqa: E402
from threadpoolctl import threadpool_info  # noqa: E402

from sklearn_polynn import TensorInitOneHiddenLayer  # noqa: E402
from sklearn_polynn._tensor import moment_orders, tensor_initialization  # noqa: E402
from sklearn_polynn.activations import get_activation  # noqa: E402
from sklearn_polynn.datasets import make_teacher_network  # noqa: E402

_PHASES = {
    "_dask_input": "input checks",
    "_warn_if_constant": "input checks",
    "tensor_initialization": "tensor initialization (Alg. 1)",
    "_gaussian_deviation": "Gaussian-input check",
    "_initial_intercept": "initial output offset (fit_intercept)",
    "gradient_descent": "gradient steps",
}


class _Executions(Callback):
    """Counts graph executions by the outermost package function on the stack."""

    def __init__(self):
        super().__init__()
        self.phases = collections.Counter()

    def _start(self, dsk):
        names = [f.name for f in traceback.extract_stack()]
        phase = next((_PHASES[n] for n in names if n in _PHASES), "other")
        self.phases[phase] += 1


def _fit(X, y, k, scheduler):
    kw = {"n_hidden": k, "solver": "gd", "learning_rate": 0.02, "max_iter": 2}
    Xd, yd = da.from_array(X, chunks=(500, -1)), da.from_array(y, chunks=500)
    count = _Executions()
    with dask.config.set(scheduler=scheduler), count, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        TensorInitOneHiddenLayer(**kw, tol=0.0, random_state=0).fit(Xd, yd)
        return time.perf_counter() - start, count.phases


def bench_init(N, repeat):
    """Tensor initialization on NumPy and on a 16-chunk Dask array."""
    k = 5
    for d in (10, 200):
        for name in ("squared_relu", "relu", "tanh"):
            X, y = make_teacher_network(N, d, k, activation=name, random_state=0)
            Xd = da.from_array(X, chunks=(N // 16, -1)).persist()
            yd = da.from_array(y, chunks=N // 16).persist()
            act = get_activation(name)
            seconds = {}
            for label, data in (("NumPy", (X, y)), ("Dask", (Xd, yd))):
                best = float("inf")
                for _ in range(repeat):
                    count = _Executions()
                    with dask.config.set(scheduler="threads"), count:
                        start = time.perf_counter()
                        _, _, info = tensor_initialization(
                            *data,
                            k,
                            act,
                            moment_orders(act),
                            np.random.RandomState(0),
                            n_power_iter=100,
                            n_projections=100,
                        )
                        best = min(best, time.perf_counter() - start)
                seconds[label] = best
            print(
                f"init N={N} d={d:3d} k={k} {name:12s}: "
                f"{sum(count.phases.values()):3d} executions "
                f"({info['n_power_iter']} power iterations); NumPy "
                f"{seconds['NumPy']:.3f} s, Dask {seconds['Dask']:.3f} s"
            )


def _add_options(parser):
    parser.add_argument(
        "--no-processes",
        action="store_true",
        help="skip the scheduler='processes' run (skipped by --quick too)",
    )
    parser.add_argument("--init", action="store_true", help="time Algorithm 1")


def main():
    args = parse_args(__doc__.splitlines()[0], extra=_add_options)
    if args.init:
        bench_init(50_000 if args.quick else 200_000, min(args.repeat, 3))
        return
    N, d, k = (2000, 5, 2) if args.quick else (2000, 8, 3)
    X, y = make_teacher_network(N, d, k, random_state=0)
    threads = sorted({i["num_threads"] for i in threadpool_info()})
    print(f"N={N}, d={d}, k={k}; BLAS threads {threads}; load {os.getloadavg()}")
    times = []
    for _ in range(args.repeat):
        seconds, phases = _fit(X, y, k, "threads")
        times.append(seconds)
    total = sum(phases.values())
    print(f"graph executions: {total}")
    for phase, n in phases.items():
        print(f"  {n:3d}  {phase}")
    case = f"N={N} d={d} k={k} gd 2 steps, chunks of 500"
    rows = [
        Row(
            "Dask fit, threaded scheduler",
            case,
            min(times),
            metric="graph executions",
            value=total,
        )
    ]
    if not (args.no_processes or args.quick):
        seconds, _ = _fit(X, y, k, "processes")
        rows.append(
            Row(
                "Dask fit, scheduler='processes'",
                case,
                seconds,
                peer_seconds=min(times),
                peer="threaded scheduler",
                metric="s per execution",
                value=seconds / total,
            )
        )
    print(f"load after {os.getloadavg()}")
    report(__file__, rows, title="Graph executions of a Dask TensorInit fit")


if __name__ == "__main__":
    main()
