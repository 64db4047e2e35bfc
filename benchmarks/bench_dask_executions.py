"""Graph executions and wall time of a Dask ``TensorInitOneHiddenLayer`` fit.

Every ``dask.compute`` / ``dask.persist`` is one graph execution, counted with a
``dask.callbacks.Callback`` and attributed to the phase that ran it (input
checks, tensor initialization of Zhong et al. 2017, Algorithm 1, Gaussian-input
check, gradient steps). The same fit (squared ReLU teacher, ``solver="gd"``,
``learning_rate=0.02``, 2 steps, chunks of 500 rows) is timed under Dask's
threaded scheduler (best of ``--repeat``) and once under
``scheduler="processes"``, which starts a new process pool (``spawn``) in every
execution, so its time is about the count times the pool start-up.

Run ``python benchmarks/bench_dask_executions.py [--quick] [--no-processes]``.
BLAS is pinned to one thread.
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
from dask.callbacks import Callback  # noqa: E402
from threadpoolctl import threadpool_info  # noqa: E402

from sklearn_polynn import TensorInitOneHiddenLayer  # noqa: E402
from sklearn_polynn.datasets import make_teacher_network  # noqa: E402

_PHASES = {
    "_dask_input": "input checks",
    "_warn_if_constant": "input checks",
    "tensor_initialization": "tensor initialization (Alg. 1)",
    "_gaussian_deviation": "Gaussian-input check",
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


def main():
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N=2000, d=5, k=2")
    parser.add_argument("--no-processes", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
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
    print(f"threads:   best {min(times):.2f} s of {args.repeat}")
    if not args.no_processes:
        seconds, _ = _fit(X, y, k, "processes")
        print(
            f"processes: {seconds:.1f} s (one run; "
            f"{seconds / total:.1f} s per execution)"
        )
    print(f"load after {os.getloadavg()}")


if __name__ == "__main__":
    main()
