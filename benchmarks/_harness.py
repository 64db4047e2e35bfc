"""Shared benchmark harness: timing, one result format, one Markdown table.

Every ``bench_*.py`` script builds :class:`Row` objects — what was timed, on which
data, its seconds, and the seconds of its *floor* (the unavoidable GEMM / Gram work
timed on the same arrays in the same run) and of its *peer* (what a user would pick
instead, also in the same run) — and hands them to :func:`report`, which prints a
Markdown table with the two ratios and appends the rows to
``benchmarks/results/<script>.json``. Ratios measured in one run are what we report:
these machines are shared and absolute seconds are noisy.
"""

import argparse
import json
import os
import platform
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "Row",
    "best_time",
    "device_sync",
    "estimator_device",
    "fit_and_score",
    "parse_args",
    "report",
]

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass
class Row:
    """One benchmark measurement.

    ``floor_seconds`` and ``peer_seconds`` are optional; the ratios are
    ``seconds / floor_seconds`` (how close to the unavoidable work) and
    ``seconds / peer_seconds`` (below 1: we are faster than the peer).
    """

    name: str
    case: str
    seconds: float
    floor_seconds: float | None = None
    peer_seconds: float | None = None
    peer: str = ""
    metric: str = ""
    value: float | None = None
    extra: dict = field(default_factory=dict)

    @property
    def floor_ratio(self):
        return None if not self.floor_seconds else self.seconds / self.floor_seconds

    @property
    def peer_ratio(self):
        return None if not self.peer_seconds else self.seconds / self.peer_seconds


def best_time(func, repeat=3, sync=None):
    """Best wall time of ``repeat`` calls of ``func()``; ``sync()`` after each (GPUs).

    Returns
    -------
    seconds : float
    result : object
        What the last call returned.
    """
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        if sync is not None:
            sync()
        best = min(best, time.perf_counter() - start)
    return best, result


def parse_args(description, *, extra=None, argv=None):
    """Common command line: ``--quick`` (small sizes), ``--device``, ``--repeat``.

    ``extra(parser)``, when given, adds a script's own options; ``argv`` defaults
    to ``sys.argv[1:]``.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds)")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--repeat", type=int, default=3)
    if extra is not None:
        extra(parser)
    return parser.parse_args(argv)


def estimator_device(args):
    """The estimators' ``device`` for ``--device``: ``None`` (cpu) or ``"cuda"``."""
    return None if args.device == "cpu" else "cuda"


def fit_and_score(contenders, X, y, X_test, y_test, case):
    """Fit each ``contenders[name]()`` on ``(X, y)``; time it and score it.

    ConvergenceWarnings are silenced (the peers run a fixed number of epochs).
    Prints one line per contender, ``case`` naming the data.

    Returns
    -------
    results : dict
        ``name -> (fit seconds, test R^2)``.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import r2_score

    results = {}
    for name, make in contenders.items():
        model = make()
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        seconds = time.perf_counter() - start
        results[name] = (seconds, r2_score(y_test, model.predict(X_test)))
        print(
            f"  {name:<14} {case}: fit {seconds:.2f} s, "
            f"test R^2 = {results[name][1]:.6f}",
            flush=True,
        )
    return results


def device_sync(where):
    """The callable that waits for the GPU (``best_time``), ``None`` on the CPU.

    ``where`` is an array namespace (NumPy, CuPy, PyTorch; plain or through
    array-api-compat) or an estimator ``device`` value (``None``, ``"cpu"``,
    ``"cuda"``).
    """
    from sklearn_polynn._backend import namespace_name

    if where is None or where == "cpu":
        return None
    name = "cupy" if where == "cuda" else namespace_name(where)
    if name == "cupy":
        import cupy

        return cupy.cuda.Device().synchronize
    if name == "torch":
        import torch

        return torch.cuda.synchronize if torch.cuda.is_available() else None
    return None


def _fmt(value, spec):
    return "" if value is None else format(value, spec)


def report(script, rows, *, title=None, save=True):
    """Print ``rows`` as a Markdown table and append them to the results JSON.

    Parameters
    ----------
    script : str
        The bench script's ``__file__``; names the results file.
    rows : list of Row
    title : str, optional
    save : bool, default=True
        Write ``benchmarks/results/<script>.json`` (gitignored).
    """
    name = Path(script).stem
    print(f"\n### {title or name}\n")
    print("| benchmark | case | seconds | x floor | peer | x peer | metric | value |")
    print("|---|---|---:|---:|---|---:|---|---:|")
    for r in rows:
        print(
            f"| {r.name} | {r.case} | {r.seconds:.4g} | {_fmt(r.floor_ratio, '.2f')} "
            f"| {r.peer} | {_fmt(r.peer_ratio, '.2f')} | {r.metric} "
            f"| {_fmt(r.value, '.4g')} |"
        )
    if save:
        RESULTS_DIR.mkdir(exist_ok=True)
        record = {
            "script": name,
            "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "machine": platform.node(),
            "cpus": os.cpu_count(),
            "numpy": np.__version__,
            "rows": [
                {**asdict(r), "floor_ratio": r.floor_ratio, "peer_ratio": r.peer_ratio}
                for r in rows
            ],
        }
        with open(RESULTS_DIR / f"{name}.json", "a") as fh:
            fh.write(json.dumps(record) + "\n")
