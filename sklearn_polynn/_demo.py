"""The tasks of ``python -m sklearn_polynn demo``: each estimator on its paper's
synthetic problem, at a size that runs in seconds on two cores, checked against
what the paper says it should reach.

Each task is a function ``task(random_state) -> (estimator, task, metric, value)``;
:data:`DEMO_TASKS` pairs it with the paper's expectation (a :class:`DemoTask`).
:func:`run_demo` times the tasks, prints each result with PASS or FAIL and closes
with a verdict line. The checks only read the computed values: what is fitted
does not depend on them.
"""

import operator
import sys
import threading
import time
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .complex_network import ComplexTwoLayerRegressor
from .datasets import (
    make_high_threshold_network,
    make_sparse_polynomial,
    make_teacher_network,
)
from .hardness import gradient_variance
from .high_threshold import HighThresholdLayerRecovery
from .metrics import parameter_recovery_error
from .preprocessing import WhiteningTransformer
from .random_features import RandomFeaturePolynomialRegressor
from .tensor_init import TensorInitOneHiddenLayer

__all__ = ["DEMO_TASKS", "DemoTask", "run_demo"]


def _whitening_task(random_state):
    """Shamir 2018 Thm 4: whitened correlated inputs have identity covariance."""
    X, _ = make_teacher_network(
        2000,
        10,
        3,
        "relu",
        random_state=random_state,
        input_covariance=np.diag(np.linspace(1.0, 100.0, 10)),
    )
    Z = WhiteningTransformer().fit_transform(X)
    err = np.abs(Z.T @ Z / len(Z) - np.eye(10)).max()
    return "WhiteningTransformer", "kappa(Sigma)=100, d=10", "max|cov-I|", err


def _complex_network_task(random_state):
    """Andoni et al. 2014 Fig. 1 (small): 5n complex units fit an n-sparse quadratic."""
    X, y = make_sparse_polynomial(4000, 10, degree=2, random_state=random_state)
    model = ComplexTwoLayerRegressor(
        n_hidden=50, learning_rate=0.02, max_iter=400, random_state=random_state
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X[:2000], y[:2000])
    err = np.mean((model.predict(X[2000:]) - y[2000:]) ** 2) / np.var(y[2000:])
    return (
        "ComplexTwoLayerRegressor",
        "10-sparse quadratic, n=10, 50 units",
        "rel. test MSE",
        err,
    )


def _tensor_init_task(random_state):
    """Zhong et al. 2017 Sec. 7: tensor init + GD recover a k=5 squared-ReLU net."""
    X, y, truth = make_teacher_network(
        10_000, 10, 5, random_state=random_state, return_truth=True
    )
    model = TensorInitOneHiddenLayer(
        n_hidden=5, max_iter=3000, random_state=random_state
    )
    model.fit(X, y)
    error, _ = parameter_recovery_error(truth.hidden_weights, model.hidden_weights_)
    return (
        "TensorInitOneHiddenLayer",
        "teacher d=10, k=5, N=10000",
        "max rel. W error",
        error,
    )


def _hardness_task(random_state):
    """Shamir 2018 Thm 7: at a ReLU neuron, d=100, a ReLU target's gradient
    variance over w* exceeds the cos target's (upper 95% limit) many times."""
    d = 100
    v = np.random.RandomState(random_state).standard_normal(d)
    v /= np.linalg.norm(v)
    kw = {"activation": "relu", "norm": 3.0, "n_targets": 40, "n_samples": 2000}
    relu = gradient_variance(v, "relu", random_state=random_state, **kw)
    cos = gradient_variance(v, "cos", random_state=random_state, **kw)
    return (
        "hardness.gradient_variance",
        "relu vs cos target, d=100, |w*|=3",
        "Var ratio (vs UCL)",
        relu.variance / max(cos.ci[1], cos.standard_error),
    )


def _random_features_task(random_state):
    """Andoni et al. 2014 Thm 3.1/4.1: random complex layer + ridge top layer
    learns a sparse cubic in 15 circle variables (phi_3, m >= C(18, 3) = 816)."""
    X, y = make_sparse_polynomial(
        3500, 15, degree=3, distribution="circle", random_state=random_state
    )
    model = RandomFeaturePolynomialRegressor(
        n_components=900, degree=3, domain="circle", random_state=random_state
    ).fit(X[:2500], y[:2500])
    r2 = model.score(X[2500:], y[2500:])
    return (
        "RandomFeaturePolynomialRegressor",
        "cubic, n=15, circle, m=900",
        "test R^2",
        r2,
    )


def _high_threshold_task(random_state):
    """ICLR 2019 high-threshold nets, Sec. 2 + 2.1: landscape loss then
    RefineEstimate recover W* of P(relu(W*^T x - t)), n=20, d=3, t=sqrt(2 log n)."""
    t = float(np.sqrt(2 * np.log(20)))
    X, y, truth = make_high_threshold_network(
        100_000,
        20,
        3,
        t,
        upper="monotone",
        return_truth=True,
        random_state=random_state,
    )
    model = HighThresholdLayerRecovery(
        n_hidden=3, threshold=t, refine_iter=150, random_state=random_state
    ).fit(X, y)
    err, _ = parameter_recovery_error(truth.hidden_weights, model.hidden_weights_)
    return "HighThresholdLayerRecovery", "n=20, d=3, t=2.45, N=1e5", "max|w*-w|", err


@dataclass(frozen=True)
class DemoTask:
    """One demo row: the task and the paper's expectation for its value.

    ``run(random_state)`` returns ``(estimator, task, metric, value)``; the row
    passes when ``value <op> bound`` (``op`` is ``"<"`` or ``">"``). ``source``
    names the claim; ``note`` explains the metric where its name is not enough.
    """

    run: object
    op: str
    bound: float
    source: str
    note: str = ""

    def passed(self, value):
        """Whether ``value`` meets the paper's expectation (NaN never does)."""
        compare = {"<": operator.lt, ">": operator.gt}[self.op]
        return bool(compare(value, self.bound))

    @property
    def expectation(self):
        return f"{self.op} {self.bound:g}"


DEMO_TASKS = [
    DemoTask(
        _whitening_task,
        "<",
        1e-6,
        "Shamir 2018, Thm 4: whitened inputs have identity covariance",
    ),
    DemoTask(
        _complex_network_task,
        "<",
        0.05,
        "Andoni et al. 2014, Fig. 1: 5n units fit n-sparse polynomials",
    ),
    DemoTask(
        _tensor_init_task,
        "<",
        0.01,
        "Zhong et al. 2017, Fig. 1(a): recovered when the error is < 0.01",
    ),
    DemoTask(
        _hardness_task,
        ">",
        10.0,
        "Shamir 2018, Thm 7: periodic targets have tiny gradient variance",
        note=(
            "Var ratio (vs UCL): the variance, over random targets, of the loss "
            "gradient at a ReLU neuron when the targets are ReLU functions, "
            "divided by the upper 95% confidence limit of the same variance for "
            "cos (periodic) targets. Thm 7 bounds the latter by a quantity "
            "exponentially small in d, so gradients carry almost no information "
            "about a periodic target: the ratio is large."
        ),
    ),
    DemoTask(
        _random_features_task,
        ">",
        0.99,
        "Andoni et al. 2014, Thm 3.1: m >= C(n+d, d) random features suffice",
    ),
    DemoTask(
        _high_threshold_task,
        "<",
        0.1,
        "ICLR 2019 high-threshold nets, Sec. 2.1: W* recovered to 0.1",
    ),
]


class _LiveLine:
    """While a row runs, rewrite one terminal line with its elapsed seconds,
    from ``delay`` seconds on (short rows never show it). Only on a terminal:
    a log file gets just the finished rows."""

    def __init__(self, label, file, delay=3.0, period=1.0):
        self.label, self.file = label, file
        self.delay, self.period = delay, period
        self._stop = threading.Event()
        self._shown = False
        self._thread = None

    def __enter__(self):
        isatty = getattr(self.file, "isatty", None)
        if isatty is not None and isatty():
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def _run(self):
        start = time.perf_counter()
        if self._stop.wait(self.delay):
            return
        while True:
            seconds = time.perf_counter() - start
            print(
                f"\r  running {self.label} ... {seconds:.0f} s",
                end="",
                file=self.file,
                flush=True,
            )
            self._shown = True
            if self._stop.wait(self.period):
                return

    def __exit__(self, *exc):
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            if self._shown:  # clear the line for the finished row
                print("\r\033[K", end="", file=self.file, flush=True)
        return False


def _format_row(index, n_rows, row):
    """The two printed lines of a finished row (``row`` as :func:`run_demo`
    returns it)."""
    verdict = "PASS" if row["passed"] else "FAIL"
    return (
        f"[{index}/{n_rows}] {row['estimator']}: {row['task']}\n"
        f"      {row['metric']} = {row['value']:.3g}   "
        f"paper: {row['expectation']}   {verdict}   ({row['seconds']:.1f} s)\n"
        f"      {row['source']}"
    )


def _verdict(rows):
    """The closing line: PASS when every row passed, else which failed."""
    total = sum(row["seconds"] for row in rows)
    failed = [row["estimator"] for row in rows if not row["passed"]]
    if not failed:
        return (
            f"PASS: all {len(rows)} results match their paper's expectation "
            f"({total:.0f} s)."
        )
    return (
        f"FAIL: {len(failed)} of {len(rows)} results miss their paper's "
        f"expectation: {', '.join(failed)} ({total:.0f} s)."
    )


def run_demo(random_state=0, verbose=1, file=None, tasks=None):
    """Run every demo task, print each result against the paper's expectation,
    and a closing verdict.

    Parameters
    ----------
    random_state : int, default=0
        Seed of every task.
    verbose : int, default=1
        Print the rows and the verdict when > 0.
    file : file-like, default=None
        Where to print (``sys.stdout`` when None).
    tasks : list of DemoTask, default=None
        The rows to run; :data:`DEMO_TASKS` when None.

    Returns
    -------
    rows : list of dict
        Per task: ``estimator``, ``task``, ``metric``, ``value``, ``expectation``,
        ``source``, ``note``, ``passed`` and ``seconds``.
    """
    out = sys.stdout if file is None else file
    tasks = DEMO_TASKS if tasks is None else tasks
    rows = []
    notes = []
    for index, task in enumerate(tasks, 1):
        start = time.perf_counter()
        label = getattr(task.run, "__name__", "task").strip("_")
        with _LiveLine(label, out if verbose else None):
            name, description, metric, value = task.run(random_state)
        value = float(value)
        row = {
            "estimator": name,
            "task": description,
            "metric": metric,
            "value": value,
            "expectation": task.expectation,
            "source": task.source,
            "note": task.note,
            "passed": task.passed(value),
            "seconds": time.perf_counter() - start,
        }
        rows.append(row)
        if verbose:
            print(_format_row(index, len(tasks), row), file=out, flush=True)
        if task.note:
            notes.append(task.note)
    if verbose:
        for note in notes:
            print(f"\nNote. {note}", file=out)
        print("\n" + _verdict(rows), file=out, flush=True)
    return rows
