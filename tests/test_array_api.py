"""Every public estimator on array-API input under scikit-learn's dispatch.

``array_api_strict`` arrays on its non-default device (``Device("device1")``)
refuse silent host copies and mixed devices, the class of bug GPU code has, so
this runs the device path of every estimator on every CI run, without a GPU.
Each case fits on NumPy and on the namespace and checks that outputs and fitted
attributes are arrays of that namespace on that device, and that the values
agree with the NumPy fit to float64 round-off. PyTorch (CPU) runs the same cases
when it is installed.

scikit-learn >= 1.8 enables dispatch only with ``SCIPY_ARRAY_API=1`` set before
SciPy is imported; without it these tests skip (``.ci/run`` sets it for a second
run of this file and of ``test_common.py``).
"""

import pickle

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose

import sklearn_polynn
from sklearn_polynn._backend import device_of, get_namespace, namespace_name, to_numpy

xps = pytest.importorskip("array_api_strict")


pytestmark = pytest.mark.array_api


def _namespace_params():
    yield pytest.param(xps, xps.Device("device1"), id="array_api_strict-device1")
    try:
        import torch
    except ImportError:
        return
    yield pytest.param(torch, torch.device("cpu"), id="torch-cpu")


NAMESPACES = list(_namespace_params())


def _regression_data(n_samples=240, n_features=4, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n_samples, n_features))
    y = X[:, 0] * X[:, 1] + 0.5 * X[:, 2] ** 2 - 0.3 * X[:, 3]
    return X, y


def _teacher_data():
    from sklearn_polynn.datasets import make_teacher_network

    X, y, _ = make_teacher_network(
        400,
        n_features=5,
        n_hidden=2,
        activation="squared_relu",
        random_state=0,
        return_truth=True,
    )
    return X, y


def _high_threshold_data():
    from sklearn_polynn.datasets import make_high_threshold_network

    X, y, _ = make_high_threshold_network(
        4000,
        n_features=6,
        n_hidden=2,
        threshold=2.0,
        random_state=0,
        return_truth=True,
    )
    return X, y


#: name -> (parameters, data function): small, fast, deterministic fits.
CASES = {
    "WhiteningTransformer": ({}, _regression_data),
    "ComplexRandomFeatures": (
        {"n_components": 30, "random_state": 0},
        _regression_data,
    ),
    "RandomFeaturePolynomialRegressor": (
        {"n_components": 40, "degree": 2, "random_state": 0},
        _regression_data,
    ),
    "ComplexTwoLayerRegressor": (
        {"n_hidden": 8, "max_iter": 15, "random_state": 0},
        _regression_data,
    ),
    "TensorInitOneHiddenLayer": (
        {
            "n_hidden": 2,
            "activation": "squared_relu",
            "max_iter": 15,
            "random_state": 0,
        },
        _teacher_data,
    ),
    "HighThresholdLayerRecovery": (
        {
            "n_hidden": 2,
            "threshold": 2.0,
            "refine": False,
            "max_iter": 30,
            "random_state": 0,
        },
        _high_threshold_data,
    ),
}


def _public_estimator_names():
    from sklearn.base import BaseEstimator

    return [
        name
        for name in sklearn_polynn.__all__
        if isinstance(getattr(sklearn_polynn, name), type)
        and issubclass(getattr(sklearn_polynn, name), BaseEstimator)
    ]


def test_every_public_estimator_has_a_case():
    assert sorted(CASES) == sorted(_public_estimator_names())


def _to(xp, device, array):
    if namespace_name(xp) == "torch":
        return xp.asarray(array, device=device)
    return xp.asarray(array, device=device)


def _outputs(est, X):
    """What the fitted estimator returns for ``X``: predict and/or transform."""
    out = {}
    for method in ("predict", "transform"):
        if hasattr(est, method):
            out[method] = getattr(est, method)(X)
    if hasattr(est, "inverse_transform") and "transform" in out:
        out["inverse_transform"] = est.inverse_transform(out["transform"])
    return out


def _array_attributes(est):
    for name, value in vars(est).items():
        if name.endswith("_") and not name.startswith("_") and hasattr(value, "shape"):
            if not isinstance(value, np.ndarray | np.generic):
                yield name, value
            elif value.ndim > 0:
                yield name, value


def _assert_in_namespace(value, xp, device, what):
    assert namespace_name(get_namespace(value)) == namespace_name(
        get_namespace(_to(xp, device, np.zeros(1)))
    ), f"{what} is {type(value)}, not an array of {xp.__name__}"
    assert device_of(value) == device, f"{what} is on {device_of(value)}"


@pytest.mark.parametrize("xp, device", NAMESPACES)
@pytest.mark.parametrize("name", sorted(CASES))
def test_estimator_on_namespace_matches_numpy(name, xp, device):
    params, data = CASES[name]
    X, y = data()
    est_cls = getattr(sklearn_polynn, name)
    reference = est_cls(**params).fit(X, y)
    expected = _outputs(reference, X)

    X_xp, y_xp = _to(xp, device, X), _to(xp, device, y)
    with sklearn.config_context(array_api_dispatch=True):
        est = est_cls(**params).fit(X_xp, y_xp)
        got = _outputs(est, X_xp)
        if hasattr(est, "score"):
            assert_allclose(est.score(X_xp, y_xp), reference.score(X, y), rtol=1e-8)
        restored = pickle.loads(pickle.dumps(est))
        again = _outputs(restored, X_xp)

    # array_api_strict wraps NumPy: the same LAPACK calls, so fitted parameters
    # agree to round-off. PyTorch has its own LAPACK drivers (eigh, lstsq): the
    # parameters of an ill-conditioned solve then agree to cond * eps only, while
    # predictions stay within round-off.
    attr_rtol = 1e-8 if namespace_name(xp) == "array_api_strict" else 1e-5
    for attr, value in _array_attributes(est):
        _assert_in_namespace(value, xp, device, f"{name}.{attr}")
        assert_allclose(
            to_numpy(value),
            getattr(reference, attr),
            rtol=attr_rtol,
            atol=1e-10,
            err_msg=f"{name}.{attr}",
        )
    for method, value in got.items():
        _assert_in_namespace(value, xp, device, f"{name}.{method}")
        assert_allclose(
            to_numpy(value),
            expected[method],
            rtol=1e-8,
            atol=1e-10,
            err_msg=f"{name}.{method}",
        )
        assert_allclose(to_numpy(again[method]), to_numpy(value), rtol=1e-12)


@pytest.mark.parametrize("xp, device", NAMESPACES)
@pytest.mark.parametrize("name", sorted(CASES))
def test_predict_with_another_namespace_than_fit_names_both(name, xp, device):
    params, data = CASES[name]
    X, y = data()
    est_cls = getattr(sklearn_polynn, name)
    with sklearn.config_context(array_api_dispatch=True):
        est = est_cls(**params).fit(_to(xp, device, X), _to(xp, device, y))
        method = "predict" if hasattr(est, "predict") else "transform"
        with pytest.raises(
            ValueError,
            match=r"must use the same namespace.*fitted on \w+ arrays but got numpy",
        ):
            getattr(est, method)(X)


@pytest.mark.parametrize("xp, device", NAMESPACES)
def test_partial_fit_on_namespace_matches_numpy(xp, device):
    from sklearn_polynn import RandomFeaturePolynomialRegressor

    X, y = _regression_data()
    params = {"n_components": 40, "degree": 2, "random_state": 0}
    reference = RandomFeaturePolynomialRegressor(**params)
    est = RandomFeaturePolynomialRegressor(**params)
    with sklearn.config_context(array_api_dispatch=True):
        for rows in (slice(0, 100), slice(100, 240)):
            reference.partial_fit(X[rows], y[rows])
            est.partial_fit(_to(xp, device, X[rows]), _to(xp, device, y[rows]))
        got = est.predict(_to(xp, device, X))
    _assert_in_namespace(got, xp, device, "partial_fit predict")
    assert_allclose(to_numpy(got), reference.predict(X), rtol=1e-8, atol=1e-10)


def test_numpy_y_follows_array_api_x():
    from sklearn_polynn import RandomFeaturePolynomialRegressor

    X, y = _regression_data()
    device = xps.Device("device1")
    with sklearn.config_context(array_api_dispatch=True):
        est = RandomFeaturePolynomialRegressor(n_components=20, random_state=0)
        est.fit(xps.asarray(X, device=device), y)
        pred = est.predict(xps.asarray(X, device=device))
    assert device_of(pred) == device


def test_without_dispatch_array_api_input_computes_with_numpy():
    from sklearn_polynn import WhiteningTransformer

    X, _ = _regression_data()
    est = WhiteningTransformer().fit(xps.asarray(X))  # default device: convertible
    assert isinstance(est.whitening_matrix_, np.ndarray)
