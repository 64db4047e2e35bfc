"""Robustness properties of every public estimator (issue 16).

Whatever the input scale, a public method either returns finite values, or raises
a ``ValueError`` that says what to do; it never returns NaN silently, never raises
another exception type, and NumPy's overflow ``RuntimeWarning`` never leaks to the
user. A badly scaled input that fits poorly is announced by a warning naming the
cause (standardize / whiten the input).
"""

import warnings

import numpy as np
import pytest
from sklearn.base import clone

import sklearn_polynn

#: small, fast fits; one per public estimator
ESTIMATORS = {
    "WhiteningTransformer": {},
    "ComplexRandomFeatures": {"n_components": 20, "random_state": 0},
    "RandomFeaturePolynomialRegressor": {
        "n_components": 30,
        "degree": 2,
        "random_state": 0,
    },
    "ComplexTwoLayerRegressor": {"n_hidden": 6, "max_iter": 30, "random_state": 0},
    "TensorInitOneHiddenLayer": {"n_hidden": 2, "max_iter": 30, "random_state": 0},
    "HighThresholdLayerRecovery": {
        "n_hidden": 2,
        "threshold": 2.0,
        "refine": False,
        "max_iter": 30,
        "random_state": 0,
    },
}

#: words an error or warning about input scale must contain one of
SCALE_ADVICE = ("standardiz", "whiten", "scale", "StandardScaler")

SCALES = [1e-8, 1e-4, 1.0, 1e4, 1e8]


def _data(n_samples=600, n_features=4, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n_samples, n_features))
    y = np.maximum(X @ np.array([1.0, -0.5, 0.3, 0.8]), 0.0) ** 2 + 0.5 * X[:, 1]
    return X, y


def _estimator(name):
    return getattr(sklearn_polynn, name)(**ESTIMATORS[name])


def _outputs(est, X):
    out = []
    for method in ("predict", "transform"):
        if hasattr(est, method):
            out.append(np.asarray(getattr(est, method)(X)))
    return out


def _run(est, X, y, X_predict=None):
    """Fit + predict; returns (outputs or None, ValueError or None, warnings)."""
    X_predict = X if X_predict is None else X_predict
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            est.fit(X, y)
            outputs = _outputs(est, X_predict)
        except ValueError as exc:
            return None, exc, caught
    return outputs, None, caught


def _assert_no_leaked_runtime_warning(caught):
    leaked = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    assert not leaked, f"NumPy RuntimeWarning leaked: {leaked[0].message}"


def _assert_finite_or_clear_error(outputs, error, advice=SCALE_ADVICE):
    if error is not None:
        message = str(error)
        assert any(word.lower() in message.lower() for word in advice), message
        return
    for out in outputs:
        assert np.all(np.isfinite(out)), "non-finite output returned silently"


def test_every_public_estimator_is_probed():
    from sklearn.base import BaseEstimator

    public = [
        n
        for n in sklearn_polynn.__all__
        if isinstance(getattr(sklearn_polynn, n), type)
        and issubclass(getattr(sklearn_polynn, n), BaseEstimator)
    ]
    assert sorted(public) == sorted(ESTIMATORS)


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_input_scalings_give_finite_output_or_clear_error(name, scale):
    X, y = _data()
    outputs, error, caught = _run(_estimator(name), X * scale, y)
    _assert_finite_or_clear_error(outputs, error)
    _assert_no_leaked_runtime_warning(caught)
    if scale != 1.0 and error is None and name != "WhiteningTransformer":
        messages = " ".join(str(w.message) for w in caught).lower()
        assert any(word.lower() in messages for word in SCALE_ADVICE), (
            f"{name} fitted X*{scale:g} without a warning about the input scale"
        )


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_columns_on_different_scales(name):
    X, y = _data()
    outputs, error, caught = _run(_estimator(name), X * [1e4, 1e-4, 1.0, 1.0], y)
    _assert_finite_or_clear_error(outputs, error)
    _assert_no_leaked_runtime_warning(caught)


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_predict_far_outside_the_training_range(name):
    X, y = _data()
    est = _estimator(name).fit(X, y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            outputs = _outputs(est, 1000.0 * X)
        except ValueError as exc:
            outputs, error = None, exc
        else:
            error = None
    _assert_finite_or_clear_error(outputs, error)
    _assert_no_leaked_runtime_warning(caught)


@pytest.mark.parametrize("name", sorted(set(ESTIMATORS) - {"WhiteningTransformer"}))
def test_constant_target_fits_or_explains(name):
    X, _ = _data()
    outputs, error, caught = _run(_estimator(name), X, np.full(X.shape[0], 3.0))
    _assert_finite_or_clear_error(outputs, error, advice=("constant", "y"))
    _assert_no_leaked_runtime_warning(caught)


@pytest.mark.parametrize("name", sorted(set(ESTIMATORS) - {"WhiteningTransformer"}))
def test_large_target_scale_does_not_diverge(name):
    X, y = _data()
    est = _estimator(name)
    reference = clone(est).fit(X, y).score(X, y) if hasattr(est, "score") else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, 1e6 * y)
    diverged = [w for w in caught if "diverged" in str(w.message)]
    assert not diverged, str(diverged[0].message)
    if reference is not None and hasattr(est, "score"):
        assert est.score(X, 1e6 * y) > reference - 0.1


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_boolean_for_an_integer_parameter_is_rejected_by_name(name):
    est = _estimator(name)
    integer_params = [
        p
        for p, v in est.get_params().items()
        if isinstance(v, int)
        and not isinstance(v, bool)
        and p != "random_state"
        and p != "verbose"
    ]
    X, y = _data()
    for param in integer_params:
        bad = clone(est).set_params(**{param: True})
        with pytest.raises((ValueError, TypeError), match=param):
            bad.fit(X, y)
