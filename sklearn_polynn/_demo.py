"""The tasks of ``python -m sklearn_polynn demo``: each estimator on its paper's
synthetic problem, at a size that runs in seconds on two cores.

Each task is a function ``task(random_state) -> (estimator, task, metric, value)``
listed in :data:`DEMO_TASKS`; :func:`run_demo` times them and prints one table.
"""

import time
import warnings

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

__all__ = ["DEMO_TASKS", "run_demo"]


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


DEMO_TASKS = [
    _whitening_task,
    _complex_network_task,
    _tensor_init_task,
    _hardness_task,
    _random_features_task,
    _high_threshold_task,
]


def run_demo(random_state=0, verbose=1, file=None):
    """Run every demo task and print a table.

    Parameters
    ----------
    random_state : int, default=0
    verbose : int, default=1
        Print each row as it finishes when > 0.
    file : file-like, default=None
        Where to print (``sys.stdout`` when None).

    Returns
    -------
    rows : list of tuple
        ``(estimator, task, metric, value, fit_seconds)`` per task.
    """
    rows = []
    header = (
        f"{'estimator':<34} {'task':<34} {'metric':<18} {'value':>10} {'seconds':>8}"
    )
    print(header, file=file)
    print("-" * len(header), file=file)
    for task in DEMO_TASKS:
        start = time.perf_counter()
        name, description, metric, value = task(random_state)
        seconds = time.perf_counter() - start
        rows.append((name, description, metric, float(value), seconds))
        if verbose:
            print(
                f"{name:<34} {description:<34} {metric:<18} {value:>10.4g} "
                f"{seconds:>8.2f}",
                file=file,
                flush=True,
            )
    return rows
