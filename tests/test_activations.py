"""Named activations: values, derivatives (finite differences), registry errors."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sklearn_polynn.activations import ACTIVATIONS, Activation, get_activation

KWARGS = {"truncated": {"degree": 5}, "high_threshold_relu": {"threshold": 1.5}}
KINKS = {
    "relu": 0.0,
    "leaky_relu": 0.0,
    "squared_relu": 0.0,
    "sign": 0.0,
    "high_threshold_relu": 1.5,
}
ALL = [(name, KWARGS.get(name, {})) for name in ACTIVATIONS] + [
    ("leaky_relu", {"negative_slope": 0.3}),
    ("truncated", {"degree": 0}),
    ("truncated", {"degree": 1}),
]
IDS = [f"{name}{sorted(kwargs.items())}" for name, kwargs in ALL]


def _points_away_from_kink(name, n=41):
    x = np.random.RandomState(0).uniform(-3.0, 3.0, size=n)
    kink = KINKS.get(name)
    if kink is not None:
        x = x[np.abs(x - kink) > 1e-3]
    return x


@pytest.mark.parametrize("name, kwargs", ALL, ids=IDS)
def test_derivative_matches_central_differences(name, kwargs):
    activation = get_activation(name, **kwargs)
    x = _points_away_from_kink(name)
    h = 1e-6
    numeric = (activation(x + h) - activation(x - h)) / (2 * h)
    assert_allclose(activation.derivative(x), numeric, rtol=1e-7, atol=1e-7)


COMPLEX = [("exp", {}), ("truncated", {"degree": 5}), ("tanh", {}), ("linear", {})]


@pytest.mark.parametrize("name, kwargs", COMPLEX)
def test_complex_derivative_by_complex_finite_differences(name, kwargs):
    activation = get_activation(name, **kwargs)
    assert activation.complex_input
    rng = np.random.RandomState(1)
    z = rng.uniform(-1, 1, 25) + 1j * rng.uniform(-1, 1, 25)  # away from tanh poles
    h = 1e-6
    along_real = (activation(z + h) - activation(z - h)) / (2 * h)
    along_imag = (activation(z + 1j * h) - activation(z - 1j * h)) / (2j * h)
    # holomorphic: the same derivative in every direction (Cauchy-Riemann)
    assert_allclose(activation.derivative(z), along_real, rtol=1e-8, atol=1e-8)
    assert_allclose(activation.derivative(z), along_imag, rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("name, kwargs", COMPLEX)
def test_complex_step_derivative_on_real_line(name, kwargs):
    activation = get_activation(name, **kwargs)
    x = np.linspace(-2.0, 2.0, 17)
    h = 1e-30
    assert_allclose(
        activation.derivative(x), np.imag(activation(x + 1j * h)) / h, rtol=1e-13
    )


def test_complex_values_of_entire_activations():
    z = np.array([0.3 + 0.4j, -1.0 + 2.0j])
    assert_allclose(get_activation("exp")(z), np.exp(z))
    assert_allclose(get_activation("tanh")(z), np.tanh(z))
    assert_allclose(get_activation("linear")(z), z)


@pytest.mark.parametrize("degree", range(9))
def test_truncated_exp_is_the_taylor_sum(degree):
    z = np.array([0.0, 1.0, -2.5, 0.7 + 1.3j, -1.0 - 2.0j])
    expected = sum(z**k / math.factorial(k) for k in range(degree + 1))
    phi = get_activation("truncated", degree=degree)
    assert_allclose(phi(z), expected, rtol=1e-14, atol=1e-14)
    # phi_d' = phi_{d-1}, and phi_0' = 0
    derivative = get_activation("truncated", degree=degree - 1)(z) if degree else 0 * z
    assert_allclose(phi.derivative(z), derivative, rtol=1e-14, atol=1e-14)


def test_truncated_exp_tends_to_exp():
    z = np.array([0.5, -2.0, 1.0 + 1.0j, -1.5 + 0.5j, 2.0j])
    errors = []
    for degree in (2, 5, 10, 20, 30):
        error = np.abs(get_activation("truncated", degree=degree)(z) - np.exp(z))
        # Taylor remainder: |e^z - phi_d(z)| <= |z|^(d+1) / (d+1)! e^|z|
        bound = np.abs(z) ** (degree + 1) / math.factorial(degree + 1)
        assert np.all(error <= bound * np.exp(np.abs(z)) * (1 + 1e-12) + 1e-15)
        errors.append(error.max())
    assert np.all(np.diff(errors) < 0)
    assert errors[-1] < 1e-13


def test_known_values_and_kink_conventions():
    x = np.array([-2.0, 0.0, 3.0])
    assert_allclose(get_activation("relu")(x), [0, 0, 3])
    assert_allclose(get_activation("relu").derivative(x), [0, 0, 1])
    leaky = get_activation("leaky_relu", negative_slope=0.1)
    assert_allclose(leaky(x), [-0.2, 0, 3])
    assert_allclose(leaky.derivative(x), [0.1, 0.1, 1])
    assert_allclose(get_activation("squared_relu")(x), [0, 0, 9])
    assert_allclose(get_activation("sign")(x), [-1, 0, 1])
    assert_allclose(get_activation("sign").derivative(x), [0, 0, 0])
    htr = get_activation("high_threshold_relu", threshold=1.0)
    assert_allclose(htr(x), [0, 0, 2])
    assert_allclose(htr.derivative(x), [0, 0, 1])
    assert_allclose(get_activation("sigmoid")(x), 1 / (1 + np.exp(-x)))
    assert_allclose(get_activation("erf")(np.array([1.0])), [math.erf(1.0)])
    assert_allclose(get_activation("linear").derivative(x), [1, 1, 1])


def test_homogeneous_degree_is_honest():
    x = np.linspace(-2, 2, 11)
    for name in ACTIVATIONS:
        activation = get_activation(name, **KWARGS.get(name, {}))
        p = activation.homogeneous_degree
        if p is not None:
            assert_allclose(activation(2.5 * x), 2.5**p * activation(x), atol=1e-14)


def test_derivative_dtypes_scalars_and_integer_input():
    # regression: leaky_relu's derivative used to truncate the slope to 0 on
    # integer input, and relu-type derivatives failed on Python scalars
    leaky = get_activation("leaky_relu", negative_slope=0.25)
    assert_allclose(leaky.derivative(np.array([-1, 2])), [0.25, 1.0])
    for name in ("relu", "leaky_relu", "high_threshold_relu", "squared_relu"):
        activation = get_activation(name, **KWARGS.get(name, {}))
        assert float(activation.derivative(3.0)) == pytest.approx(
            float((activation(3.0 + 1e-7) - activation(3.0 - 1e-7)) / 2e-7)
        )
        out = activation.derivative(np.array([-1.0, 2.0], dtype=np.float32))
        assert out.dtype == np.float32
        assert activation.derivative(np.array([-1, 2])).dtype == np.float64


def test_inputs_are_not_mutated():
    x = np.array([-1.0, 0.5, 2.0])
    original = x.copy()
    for name, kwargs in ALL:
        activation = get_activation(name, **kwargs)
        activation(x)
        activation.derivative(x)
    assert_allclose(x, original)


# --------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------


def test_unknown_name_lists_every_valid_name():
    with pytest.raises(ValueError, match="activation must be one of") as info:
        get_activation("softplus")
    message = str(info.value)
    assert "'softplus'" in message
    for name in ACTIVATIONS:
        assert repr(name) in message
    for bad in (None, 3, np.array([1.0, 2.0]), ["relu"]):
        with pytest.raises(ValueError, match="activation must be one of"):
            get_activation(bad)


@pytest.mark.parametrize("degree", [None, -1, 2.5, float("inf"), float("nan"), True])
def test_truncated_needs_a_non_negative_integer_degree(degree):
    with pytest.raises(ValueError, match="degree must be"):
        get_activation("truncated", degree=degree)


def test_truncated_accepts_integral_floats_and_numpy_ints():
    z = np.array([1.5])
    expected = get_activation("truncated", degree=3)(z)
    assert_allclose(get_activation("truncated", degree=3.0)(z), expected)
    assert_allclose(get_activation("truncated", degree=np.int64(3))(z), expected)
    assert dict(get_activation("truncated", degree=3.0).params) == {"degree": 3}


@pytest.mark.parametrize("threshold", [None, float("inf"), float("nan"), "1", True])
def test_high_threshold_relu_needs_a_finite_threshold(threshold):
    with pytest.raises(ValueError, match="threshold must be a finite number"):
        get_activation("high_threshold_relu", threshold=threshold)


@pytest.mark.parametrize("slope", [None, "0.1", float("nan")])
def test_leaky_relu_needs_a_finite_slope(slope):
    with pytest.raises(ValueError, match="negative_slope must be a finite number"):
        get_activation("leaky_relu", negative_slope=slope)


@pytest.mark.parametrize(
    "pair", [(np.sin,), (np.sin, np.cos, np.tan), (np.sin, 1.0), ("sin", "cos")]
)
def test_bad_custom_pair(pair):
    with pytest.raises(ValueError, match=r"\(function, derivative\) pair"):
        get_activation(pair)


def test_custom_pair_and_activation_passthrough():
    custom = get_activation((np.sin, np.cos))
    assert isinstance(custom, Activation)
    assert custom.name == "custom" and not custom.complex_input
    x = np.linspace(-1, 1, 5)
    assert_allclose(custom(x), np.sin(x))
    assert_allclose(custom.derivative(x), np.cos(x))
    relu = get_activation("relu")
    assert get_activation(relu) is relu


@pytest.mark.gpu
def test_activations_on_cupy_match_numpy():
    from sklearn_polynn._backend import _import_cupy

    cp = _import_cupy()
    x = np.random.RandomState(0).uniform(-3, 3, 50)
    for name, kwargs in ALL:
        activation = get_activation(name, **kwargs)
        value, slope = activation(cp.asarray(x)), activation.derivative(cp.asarray(x))
        assert isinstance(value, cp.ndarray) and isinstance(slope, cp.ndarray)
        assert_allclose(value.get(), activation(x), rtol=1e-12, atol=1e-12)
        assert_allclose(slope.get(), activation.derivative(x), rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------
# array API: every activation on array_api_strict's non-default device
# --------------------------------------------------------------------------


def _strict_device1(values):
    xps = pytest.importorskip("array_api_strict")
    return xps.asarray(values, device=xps.Device("device1")), xps.Device("device1")


@pytest.mark.parametrize("name, kwargs", ALL, ids=IDS)
def test_activations_on_array_api_strict_device1_equal_numpy(name, kwargs):
    from sklearn_polynn._backend import to_numpy

    activation = get_activation(name, **kwargs)
    # wide enough for both branches of the erf / expit fallbacks (|z| < 2.5, >=)
    x = np.concatenate([np.linspace(-8.0, 8.0, 161), [-2.5, 2.5, 1e-3, -30.0, 30.0]])
    xs, device = _strict_device1(x)
    for f in (activation.function, activation.derivative):
        out = f(xs)
        assert out.device == device
        assert_allclose(to_numpy(out), f(x), rtol=0, atol=1e-12)


@pytest.mark.parametrize("name, kwargs", COMPLEX)
def test_complex_activations_on_array_api_strict_device1(name, kwargs):
    from sklearn_polynn._backend import to_numpy

    activation = get_activation(name, **kwargs)
    rng = np.random.RandomState(2)
    z = rng.uniform(-1, 1, 30) + 1j * rng.uniform(-1, 1, 30)
    zs, device = _strict_device1(z)
    for f in (activation.function, activation.derivative):
        out = f(zs)
        assert out.device == device
        assert_allclose(to_numpy(out), f(z), rtol=0, atol=1e-12)


def test_erf_and_expit_fallbacks_match_scipy():
    # array_api_strict has no special-function module: these are the generic
    # fallbacks of _backend, checked against SciPy across both of their branches
    from scipy import special

    from sklearn_polynn._backend import _native_special, erf, expit, to_numpy

    x = np.linspace(-40.0, 40.0, 4001)
    xs, device = _strict_device1(x)
    xps = pytest.importorskip("array_api_strict")
    assert _native_special(xps) is None
    assert_allclose(to_numpy(erf(xs)), special.erf(x), rtol=0, atol=1e-12)
    assert_allclose(to_numpy(expit(xs)), special.expit(x), rtol=1e-12, atol=1e-300)
    assert erf(xs).device == device and expit(xs).device == device
