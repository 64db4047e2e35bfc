"""Hermite polynomials, Gaussian Hermite coefficients and Zhong et al.'s moments."""

import math

import numpy as np
import pytest
from numpy.polynomial import hermite_e as herme
from numpy.testing import assert_allclose
from scipy import integrate, special, stats

from sklearn_polynn.activations import get_activation
from sklearn_polynn.hermite import (
    _scaled_activation_coefficients,
    gamma_moments,
    hermite_coefficients,
    hermite_e,
    normalized_hermite,
    scaled_hermite,
    zhong_m_coefficients,
)

RNG_SEED = 0


def _factorials(K):
    return np.array([math.factorial(k) for k in range(K + 1)], dtype=float)


def _scipy_gaussian_expectation(f, k, breaks=()):
    """E[f(g) He_k(g)] with scipy.integrate.quad, split at ``breaks``."""

    def integrand(x):
        return f(x) * float(hermite_e(k, x)) * stats.norm.pdf(x)

    edges = [-np.inf, *sorted(breaks), np.inf]
    return sum(
        integrate.quad(integrand, a, b, epsabs=1e-12, epsrel=1e-11, limit=200)[0]
        for a, b in zip(edges[:-1], edges[1:])
    )


def _half_moment(n):
    """E[z**n ; z > 0] for z ~ N(0, 1)."""
    return 2 ** (n / 2) * math.gamma((n + 1) / 2) / (2 * math.sqrt(math.pi))


# --------------------------------------------------------------------------
# Hermite polynomials
# --------------------------------------------------------------------------


@pytest.mark.parametrize("k", range(9))
def test_hermite_e_matches_numpy_and_recurrence(k):
    x = np.linspace(-3, 3, 13)
    coefficients = np.zeros(k + 1)
    coefficients[k] = 1.0
    assert_allclose(hermite_e(k, x), herme.hermeval(x, coefficients), rtol=1e-12)
    if k >= 2:
        recurrence = x * hermite_e(k - 1, x) - (k - 1) * hermite_e(k - 2, x)
        assert_allclose(hermite_e(k, x), recurrence, rtol=1e-12, atol=1e-12)
    assert_allclose(
        normalized_hermite(k, x),
        hermite_e(k, x) / math.sqrt(math.factorial(k)),
        rtol=1e-12,
        atol=1e-12,
    )


def test_hermite_low_degrees_closed_form():
    x = np.array([-1.5, 0.0, 0.3, 2.0])
    assert_allclose(hermite_e(0, x), np.ones(4))
    assert_allclose(hermite_e(2, x), x**2 - 1)
    assert_allclose(hermite_e(4, x), x**4 - 6 * x**2 + 3)
    assert_allclose(normalized_hermite(4, x), (x**4 - 6 * x**2 + 3) / math.sqrt(24))


def test_hermite_scalar_integer_and_complex_input():
    assert hermite_e(3, 2) == 2.0  # integers are promoted to float
    assert hermite_e(3, np.array([2])).dtype == np.float64
    z = np.array([0.5 + 1.0j, -1.0 + 0.2j])
    assert_allclose(hermite_e(3, z), z**3 - 3 * z)
    assert_allclose(normalized_hermite(2, z), (z**2 - 1) / math.sqrt(2))


def test_normalized_hermite_is_stable_at_high_degree():
    x = np.array([-7.0, 0.5, 9.0])
    expected = hermite_e(60, x) / math.sqrt(math.factorial(60))
    assert_allclose(normalized_hermite(60, x), expected, rtol=1e-10)


def test_normalized_hermite_orthonormal_by_quadrature():
    K = 20
    nodes, weights = herme.hermegauss(40)  # exact up to degree 79
    weights = weights / math.sqrt(2 * math.pi)
    H = np.stack([normalized_hermite(k, nodes) for k in range(K + 1)])
    assert_allclose((H * weights) @ H.T, np.eye(K + 1), atol=1e-11)


def test_normalized_hermite_orthonormal_by_monte_carlo():
    K, n = 4, 200_000
    g = np.random.RandomState(RNG_SEED).standard_normal(n)
    H = np.stack([normalized_hermite(k, g) for k in range(K + 1)])
    products = H[:, None, :] * H[None, :, :]
    mean = products.mean(axis=2)
    sem = products.std(axis=2) / math.sqrt(n)
    assert np.all(np.abs(mean - np.eye(K + 1)) < 5 * sem + 1e-12)


# --------------------------------------------------------------------------
# Weighted Hermite polynomials H_k(z, x) = ||z||^k h_k(z^T x / ||z||)
# --------------------------------------------------------------------------


def _gauss_hermite_grid_2d(n=30):
    """Tensor Gauss-Hermite rule for x ~ N(0, I_2): exact for degree < 2n per axis."""
    nodes, weights = herme.hermegauss(n)
    weights = weights / math.sqrt(2 * math.pi)
    X = np.stack(np.meshgrid(nodes, nodes, indexing="ij"), axis=-1).reshape(-1, 2)
    W = np.outer(weights, weights).ravel()
    return X, W


def test_scaled_hermite_corollary_2_exact():
    """E[H_j(z, x) H_k(z', x)] = delta_jk (z^T z')**k (ICLR 2019, Corollary 2)."""
    X, W = _gauss_hermite_grid_2d()
    Z = np.array([[1.3, -0.4, 0.0], [0.5, 0.9, 0.7]])  # non-unit directions
    K = 5
    H = [scaled_hermite(k, X, Z) for k in range(K + 1)]
    gram = Z.T @ Z
    for j in range(K + 1):
        for k in range(K + 1):
            second_moment = (H[j] * W[:, None]).T @ H[k]
            expected = gram**k if j == k else np.zeros_like(gram)
            assert_allclose(second_moment, expected, atol=1e-10)


def test_scaled_hermite_mean_zero_monte_carlo():
    rng = np.random.RandomState(RNG_SEED)
    X = rng.standard_normal((100_000, 3))
    Z = rng.standard_normal((3, 2))
    for k in (1, 2, 3, 4):
        H = scaled_hermite(k, X, Z)
        sem = H.std(axis=0) / math.sqrt(X.shape[0])
        assert np.all(np.abs(H.mean(axis=0)) < 5 * sem)


def test_scaled_hermite_homogeneity_unit_norm_and_zero_direction():
    rng = np.random.RandomState(RNG_SEED)
    X = rng.standard_normal((7, 4))
    Z = rng.standard_normal((4, 3))
    unit = Z / np.linalg.norm(Z, axis=0)
    for k in range(6):
        assert_allclose(
            scaled_hermite(k, X, 2.5 * Z), 2.5**k * scaled_hermite(k, X, Z), rtol=1e-11
        )
        assert_allclose(
            scaled_hermite(k, X, unit), normalized_hermite(k, X @ unit), atol=1e-12
        )
    zero = np.zeros((4, 1))
    assert_allclose(scaled_hermite(0, X, zero), np.ones((7, 1)))
    assert_allclose(scaled_hermite(3, X, zero), np.zeros((7, 1)))
    # a single direction as a 1-D array gives a 1-D result
    assert_allclose(scaled_hermite(2, X, Z[:, 0]), scaled_hermite(2, X, Z)[:, 0])


def test_scaled_hermite_bad_shapes():
    with pytest.raises(ValueError, match="X must be a 2-D array"):
        scaled_hermite(2, np.ones(3), np.ones((3, 1)))
    with pytest.raises(ValueError, match=r"Z must have shape \(n_features"):
        scaled_hermite(2, np.ones((5, 3)), np.ones((2, 1)))


# --------------------------------------------------------------------------
# Hermite coefficients: closed forms vs quadrature vs scipy.integrate.quad
# --------------------------------------------------------------------------

CLOSED_FORM_ACTIVATIONS = [
    get_activation("relu"),
    get_activation("leaky_relu", negative_slope=0.2),
    get_activation("squared_relu"),
    get_activation("sign"),
    get_activation("linear"),
    get_activation("exp"),
    get_activation("truncated", degree=4),
    get_activation("erf"),
    *(get_activation("high_threshold_relu", threshold=t) for t in (-1.0, 1.0, 3.0)),
]


@pytest.mark.parametrize(
    "activation", CLOSED_FORM_ACTIVATIONS, ids=lambda a: f"{a.name}{a.params}"
)
@pytest.mark.parametrize("sigma", [0.5, 1.0, 2.5])
def test_closed_form_matches_quadrature(activation, sigma):
    K = 12
    exact = _scaled_activation_coefficients(activation, sigma, K, 200)
    quadrature = _scaled_activation_coefficients(
        activation, sigma, K, 200, method="quadrature"
    )
    assert_allclose(exact, quadrature, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "name, kwargs, breaks",
    [
        ("relu", {}, (0.0,)),
        ("squared_relu", {}, (0.0,)),
        ("sign", {}, (0.0,)),
        ("high_threshold_relu", {"threshold": 2.5}, (2.5,)),
        ("erf", {}, ()),
        ("tanh", {}, ()),
        ("sigmoid", {}, ()),
    ],
)
def test_hermite_coefficients_match_scipy_quad(name, kwargs, breaks):
    activation = get_activation(name, **kwargs)
    K = 6
    coefficients = hermite_coefficients(activation, K)
    reference = [
        _scipy_gaussian_expectation(activation.function, k, breaks)
        / math.sqrt(math.factorial(k))
        for k in range(K + 1)
    ]
    assert_allclose(coefficients, reference, rtol=1e-8, atol=1e-11)


def test_relu_and_threshold_relu_known_values():
    relu = hermite_coefficients("relu", 4)
    expected = [1 / math.sqrt(2 * math.pi), 0.5, 1 / (2 * math.sqrt(math.pi)), 0.0]
    assert_allclose(relu[:4], expected, atol=1e-15)
    # u_hat_2 = phi(t)/sqrt(2), u_hat_4 = phi(t)(t^2 - 1)/sqrt(24) (ICLR 2019, Lemma 10)
    for t in (0.5, 2.0, 4.0):
        u = hermite_coefficients(get_activation("high_threshold_relu", threshold=t), 4)
        pdf = stats.norm.pdf(t)
        assert_allclose(u[2], pdf / math.sqrt(2), rtol=1e-13)
        assert_allclose(u[4], pdf * (t**2 - 1) / math.sqrt(24), rtol=1e-12)
        assert_allclose(u[0], pdf - t * stats.norm.sf(t), rtol=1e-12)


def test_parseval_for_erf_and_exp():
    # E[erf(g)^2] = (2/pi) arcsin(2/3); E[exp(g)^2] = e^2
    erf = hermite_coefficients("erf", 80)
    assert_allclose(np.sum(erf**2), 2 / math.pi * math.asin(2 / 3), rtol=1e-12)
    exp = hermite_coefficients("exp", 40)
    assert_allclose(np.sum(exp**2), math.e**2, rtol=1e-12)


def test_symmetry_of_smooth_activation_coefficients():
    tanh = hermite_coefficients("tanh", 10)
    sigmoid = hermite_coefficients("sigmoid", 10)
    assert_allclose(tanh[::2], 0.0, atol=1e-14)
    assert_allclose(sigmoid[0], 0.5, rtol=1e-14)
    assert_allclose(sigmoid[2::2], 0.0, atol=1e-14)
    # sigmoid(x) = (1 + tanh(x / 2)) / 2
    tanh_half = _scaled_activation_coefficients(get_activation("tanh"), 0.5, 10, 200)
    assert_allclose(sigmoid[1:], tanh_half[1:] / 2, rtol=1e-12, atol=1e-14)


def test_custom_activation_uses_quadrature():
    # E[cos(g) He_k(g)] = E[cos^(k)(g)] = Re(i^k) exp(-1/2)
    cosine = (np.cos, lambda z: -np.sin(z))
    K = 10
    expected = np.real(1j ** np.arange(K + 1)) * math.exp(-0.5)
    expected /= np.sqrt(_factorials(K))
    assert_allclose(hermite_coefficients(cosine, K), expected, atol=1e-14)
    coarse = hermite_coefficients(cosine, K, n_nodes=4)
    assert not np.allclose(coarse, expected, atol=1e-6)  # n_nodes is honoured


# --------------------------------------------------------------------------
# Zhong et al.'s gamma_j and m_j (Definition 5.1)
# --------------------------------------------------------------------------


@pytest.mark.parametrize("sigma", [0.4, 1.0, 2.3])
def test_gamma_moments_closed_forms(sigma):
    j = np.arange(5)
    relu = [sigma * _half_moment(i + 1) for i in j]
    assert_allclose(gamma_moments("relu", sigma), relu, rtol=1e-13)
    squared = [sigma**2 * _half_moment(i + 2) for i in j]
    assert_allclose(gamma_moments("squared_relu", sigma), squared, rtol=1e-13)
    sign = [2 * _half_moment(i) if i % 2 else 0.0 for i in j]
    assert_allclose(gamma_moments("sign", sigma), sign, rtol=1e-13, atol=1e-15)
    # gamma_1 for erf: sigma E[erf'(sigma z)] = 2 sigma / sqrt(pi (1 + 2 sigma^2))
    erf_1 = 2 * sigma / math.sqrt(math.pi * (1 + 2 * sigma**2))
    assert_allclose(gamma_moments("erf", sigma)[1], erf_1, rtol=1e-13)
    # gamma_j of exp: E[exp(sigma z) z^j] = d^j/dsigma^j exp(sigma^2 / 2)
    exp_moments = [1.0, sigma, sigma**2 + 1, sigma**3 + 3 * sigma]
    assert_allclose(
        gamma_moments("exp", sigma, max_order=3),
        np.array(exp_moments) * math.exp(sigma**2 / 2),
        rtol=1e-13,
    )


@pytest.mark.parametrize("name", ["relu", "squared_relu", "tanh", "erf", "sigmoid"])
def test_zhong_m_coefficients_monte_carlo(name):
    sigma, n = 1.7, 400_000
    z = np.random.RandomState(RNG_SEED).standard_normal(n)
    phi = get_activation(name)(sigma * z)
    moments = [phi * z**j for j in range(5)]
    samples = [
        moments[1],
        moments[2] - moments[0],
        moments[3] - 3 * moments[1],
        moments[4] + 3 * moments[0] - 6 * moments[2],
    ]
    m = zhong_m_coefficients(name, sigma)
    for value, sample in zip(m, samples):
        sem = sample.std() / math.sqrt(n)
        assert abs(value - sample.mean()) < 4.5 * sem


def test_zhong_m_are_hermite_expectations_and_vanish_as_stated():
    for name in ("relu", "squared_relu", "tanh", "erf", "sigmoid", "sign"):
        activation = get_activation(name)
        coefficients = _scaled_activation_coefficients(activation, 1.3, 4, 200)
        expected = (coefficients * np.sqrt(_factorials(4)))[1:]  # E[phi He_j]
        assert_allclose(zhong_m_coefficients(name, 1.3), expected, atol=1e-13)
    # Zhong et al. Sec. 5: ReLU has m3 = 0; sigmoid/tanh/erf have m2 = m4 = 0
    assert abs(zhong_m_coefficients("relu", 2.0)[2]) < 1e-14
    for name in ("sigmoid", "tanh", "erf"):
        m = zhong_m_coefficients(name, 0.8)
        assert abs(m[1]) < 1e-13 and abs(m[3]) < 1e-13


def test_gamma_moments_array_sigma():
    sigmas = np.array([[0.5, 1.0], [2.0, 3.0]])
    gamma = gamma_moments("tanh", sigmas, max_order=3)
    assert gamma.shape == (4, 2, 2)
    for idx in np.ndindex(sigmas.shape):
        assert_allclose(
            gamma[(slice(None), *idx)], gamma_moments("tanh", sigmas[idx], 3)
        )
    m1, m2, m3, m4 = zhong_m_coefficients("relu", [1.0, 2.0])
    assert_allclose(m1, [0.5, 1.0])
    assert_allclose(m3, [0.0, 0.0], atol=1e-14)


# --------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------


@pytest.mark.parametrize("k", [-1, 1.5, True, "2", None])
def test_bad_degree(k):
    with pytest.raises(ValueError, match="k must be a non-negative integer"):
        hermite_e(k, 1.0)
    with pytest.raises(ValueError, match="k must be a non-negative integer"):
        normalized_hermite(k, 1.0)
    with pytest.raises(ValueError, match="k must be a non-negative integer"):
        scaled_hermite(k, np.ones((2, 2)), np.ones((2, 1)))


def test_bad_arguments_of_coefficient_functions():
    with pytest.raises(ValueError, match="max_degree must be a non-negative integer"):
        hermite_coefficients("relu", -1)
    with pytest.raises(ValueError, match="max_order must be a non-negative integer"):
        gamma_moments("relu", 1.0, max_order=-2)
    with pytest.raises(ValueError, match="n_nodes must be an integer >= 2"):
        hermite_coefficients("tanh", 3, n_nodes=1)
    for sigma in (0.0, -1.0, np.nan, np.inf, "a", [], [1.0, -2.0]):
        with pytest.raises(ValueError, match="sigma must be a positive finite"):
            gamma_moments("relu", sigma)
        with pytest.raises(ValueError, match="sigma must be a positive finite"):
            zhong_m_coefficients("relu", sigma)
    with pytest.raises(ValueError, match="activation must be one of 'exp'"):
        hermite_coefficients("softplus", 3)
    with pytest.raises(ValueError, match="threshold must be a finite number"):
        hermite_coefficients("high_threshold_relu", 3)
    with pytest.raises(ValueError, match="activation must be one of"):
        zhong_m_coefficients("nope")


# --------------------------------------------------------------------------
# GPU
# --------------------------------------------------------------------------


@pytest.mark.gpu
def test_cupy_inputs_match_numpy():
    from sklearn_polynn._backend import _import_cupy

    cp = _import_cupy()
    rng = np.random.RandomState(RNG_SEED)
    X = rng.standard_normal((50, 3))
    Z = rng.standard_normal((3, 4))
    x = rng.standard_normal(20)
    for k in range(5):
        out = hermite_e(k, cp.asarray(x))
        assert isinstance(out, cp.ndarray)
        assert_allclose(out.get(), hermite_e(k, x), rtol=1e-12, atol=1e-12)
        out = normalized_hermite(k, cp.asarray(x))
        assert_allclose(out.get(), normalized_hermite(k, x), rtol=1e-12, atol=1e-12)
        out = scaled_hermite(k, cp.asarray(X), cp.asarray(Z))
        assert isinstance(out, cp.ndarray)
        assert_allclose(out.get(), scaled_hermite(k, X, Z), rtol=1e-10, atol=1e-10)
    gamma = gamma_moments("relu", cp.asarray([1.0, 2.0]))
    assert isinstance(gamma, cp.ndarray)
    assert_allclose(gamma.get(), gamma_moments("relu", np.array([1.0, 2.0])))
    # activations evaluated on CuPy give the same Hermite coefficients
    assert_allclose(special.erf(0.3), float(get_activation("erf")(cp.asarray(0.3))))


# --------------------------------------------------------------------------
# array API: data-sized functions on array_api_strict's non-default device
# --------------------------------------------------------------------------


def _strict():
    xps = pytest.importorskip("array_api_strict")
    device = xps.Device("device1")
    return xps, device, (lambda a: xps.asarray(a, device=device))


@pytest.mark.parametrize("k", [0, 1, 2, 5])
def test_hermite_functions_on_array_api_strict_device1(k):
    from sklearn_polynn._backend import to_numpy

    xps, device, on_device = _strict()
    rng = np.random.RandomState(RNG_SEED)
    X = rng.standard_normal((30, 3))
    Z = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
    cases = [
        (hermite_e(k, on_device(X)), hermite_e(k, X)),
        (normalized_hermite(k, on_device(X)), normalized_hermite(k, X)),
        (
            normalized_hermite(k, on_device(np.arange(4))),
            normalized_hermite(k, 1.0 * np.arange(4)),
        ),
        (scaled_hermite(k, on_device(X), on_device(Z)), scaled_hermite(k, X, Z)),
        # a NumPy X with device Z computes on Z's device
        (scaled_hermite(k, X, on_device(Z.real)), scaled_hermite(k, X, Z.real)),
    ]
    for got, expected in cases:
        assert got.device == device
        assert_allclose(to_numpy(got), expected, rtol=1e-12, atol=1e-12)


def test_gamma_moments_on_array_api_strict_device1():
    from sklearn_polynn._backend import to_numpy

    xps, device, on_device = _strict()
    sigma = np.array([0.5, 2.0])
    got = gamma_moments("relu", on_device(sigma))
    assert got.device == device
    assert_allclose(to_numpy(got), gamma_moments("relu", sigma), rtol=1e-14)


# --------------------------------------------------------------------------
# Andoni et al. Lemma 6.1: the Hermite transfer function psi
# --------------------------------------------------------------------------

TRANSFERS = [("exp", {}, None), ("truncated", {"degree": 3}, 3), ("linear", {}, 1)]


def _taylor_b(name, total_degree):
    """``b_l = a_l l!`` of the activation: ``E[psi_w He_J] = b_|J| w**J``."""
    if name == "exp":
        return 1.0
    if name == "truncated":
        return float(total_degree <= 3)
    return float(total_degree == 1)


def _gauss_grid(n_features, n_nodes):
    """Tensor Gauss-Hermite rule for N(0, I_n): points and probability weights."""
    import itertools

    t, w = herme.hermegauss(n_nodes)
    w = w / math.sqrt(2 * math.pi)
    X = np.array(list(itertools.product(t, repeat=n_features)))
    weights = np.prod(np.array(list(itertools.product(w, repeat=n_features))), axis=1)
    return X, weights


def _hermite_multi(J, X):
    return np.prod([hermite_e(j, X[:, i]) for i, j in enumerate(J)], axis=0)


@pytest.mark.parametrize("name, kwargs, _", TRANSFERS)
def test_hermite_transfer_expansion_identity_by_quadrature(name, kwargs, _):
    # psi_w = sum_J c_J w**J He_J  <=>  E[psi_w(x) He_J(x)] = J! c_J w**J
    # (= b_|J| w**J), checked for every J with J_i <= 4 in n = 3, complex w
    import itertools

    from sklearn_polynn.hermite import hermite_transfer, hermite_transfer_features

    X, weights = _gauss_grid(3, 30)
    rng = np.random.RandomState(RNG_SEED)
    w = 0.5 * (rng.standard_normal(3) + 1j * rng.standard_normal(3))
    psi = hermite_transfer_features(X, w[:, None], hermite_transfer(name, **kwargs))
    for J in itertools.product(range(5), repeat=3):
        got = np.sum(weights * psi[:, 0] * _hermite_multi(J, X))
        expected = _taylor_b(name, sum(J)) * np.prod(w ** np.array(J))
        assert abs(got - expected) < 1e-12, J


def test_hermite_transfer_expansion_identity_monte_carlo_n10():
    from sklearn_polynn.hermite import hermite_transfer_features

    rng = np.random.RandomState(RNG_SEED)
    X = rng.standard_normal((100_000, 10))
    w = 0.3 * np.exp(2j * np.pi * rng.uniform(size=10))
    psi = hermite_transfer_features(X, w[:, None], "exp")[:, 0]
    for J in [(0,) * 10, (1,) + (0,) * 9, (0, 2, 1) + (0,) * 7, (1,) * 4 + (0,) * 6]:
        values = psi * _hermite_multi(J, X)
        standard_error = np.std(values) / math.sqrt(X.shape[0])
        expected = np.prod(w ** np.array(J))
        assert abs(np.mean(values) - expected) < 5 * standard_error, J


@pytest.mark.parametrize("name, kwargs, _", TRANSFERS)
def test_hermite_transfer_is_imaginary_gaussian_smoothing(name, kwargs, _):
    # psi(z, s2) = E_g[phi(z + i s g)], s**2 = s2, g ~ N(0, 1)
    from sklearn_polynn.activations import get_activation
    from sklearn_polynn.hermite import hermite_transfer

    phi = get_activation(name, **kwargs)
    t, w = herme.hermegauss(60)
    w = w / math.sqrt(2 * math.pi)
    rng = np.random.RandomState(1)
    z = rng.standard_normal(7) + 1j * rng.standard_normal(7)
    s2 = rng.standard_normal(7) + 1j * rng.standard_normal(7)
    s = np.sqrt(s2)
    smoothed = np.array([np.sum(w * phi(zk + 1j * sk * t)) for zk, sk in zip(z, s)])
    assert_allclose(hermite_transfer(name, **kwargs)(z, s2), smoothed, rtol=1e-12)


@pytest.mark.parametrize("name, kwargs, _", TRANSFERS)
def test_hermite_transfer_derivatives_by_finite_differences(name, kwargs, _):
    from sklearn_polynn.hermite import hermite_transfer

    psi = hermite_transfer(name, **kwargs)
    rng = np.random.RandomState(2)
    z = rng.standard_normal(9) + 1j * rng.standard_normal(9)
    s2 = rng.standard_normal(9) + 1j * rng.standard_normal(9)
    h = 1e-6
    for step in (h, 1j * h):  # holomorphic: same derivative in both directions
        dz = (psi(z + step, s2) - psi(z - step, s2)) / (2 * step)
        ds2 = (psi(z, s2 + step) - psi(z, s2 - step)) / (2 * step)
        assert_allclose(psi.derivative(z, s2), dz, rtol=1e-7, atol=1e-9)
        assert_allclose(psi.s2_derivative(z, s2), ds2, rtol=1e-7, atol=1e-9)


def _lemma_6_1_sides(X, weights, W, alpha, target, features):
    """``sum_i w_i1 <de/dw_i1, e>`` and ``E|dg/dx_1|**2`` for ``e = f - g``.

    ``g = features(X, W) @ alpha``; both derivatives by central differences
    (holomorphic in ``W``), independent of the transfer's derivative methods.
    """
    h = 1e-6
    e = target - features(X, W) @ alpha
    step = np.zeros_like(W)
    step[0] = h
    dfeatures_dw1 = (features(X, W + step) - features(X, W - step)) / (2 * h)
    de_dw1 = -alpha * dfeatures_dw1  # column i: de / dw_i1
    lhs = np.sum(weights[:, None] * (W[0] * de_dw1) * np.conj(e)[:, None])
    shift = np.zeros_like(X)
    shift[:, 0] = h
    dg_dx1 = (features(X + shift, W) - features(X - shift, W)) @ alpha / (2 * h)
    return lhs, np.sum(weights * np.abs(dg_dx1) ** 2)


def test_lemma_6_1_identity_holds_for_psi_and_not_for_exp_on_gaussian_inputs():
    # Lemma 6.1 for x ~ N(0, I): f does not depend on x_1; with psi,
    # sum_i w_i1 <de/dw_i1, e> = E|dg/dx_1|**2, so a critical point (left side
    # 0) has g independent of x_1. With plain exp(w . x) the identity fails.
    from sklearn_polynn.hermite import hermite_transfer, hermite_transfer_features

    X, weights = _gauss_grid(3, 30)
    rng = np.random.RandomState(3)
    W = 0.4 * (rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4)))
    alpha = rng.standard_normal(4) + 1j * rng.standard_normal(4)
    target = X[:, 1] * X[:, 2] + X[:, 2] ** 2
    for name, kwargs in [("exp", {}), ("truncated", {"degree": 4})]:
        psi = hermite_transfer(name, **kwargs)
        lhs, rhs = _lemma_6_1_sides(
            X,
            weights,
            W,
            alpha,
            target,
            lambda X, W: hermite_transfer_features(X, W, psi),
        )
        assert rhs > 0.1
        assert abs(lhs - rhs) < 1e-7 * rhs
    lhs, rhs = _lemma_6_1_sides(
        X, weights, W, alpha, target, lambda X, W: np.exp(X @ W)
    )
    assert abs(lhs - rhs) > 0.1 * rhs


def test_hermite_transfer_refuses_activations_without_taylor_series():
    from sklearn_polynn.hermite import hermite_transfer

    with pytest.raises(ValueError, match=r"Lemma 6\.1.*'exp'.*got 'relu'"):
        hermite_transfer("relu")
    with pytest.raises(ValueError, match="degree must be a non-negative integer"):
        hermite_transfer("truncated")


def test_hermite_transfer_features_on_array_api_strict_device1():
    from sklearn_polynn._backend import to_numpy
    from sklearn_polynn.hermite import hermite_transfer_features

    xps, device, on_device = _strict()
    rng = np.random.RandomState(4)
    X = rng.standard_normal((20, 3))
    W = rng.standard_normal((3, 5)) + 1j * rng.standard_normal((3, 5))
    for name in ("exp", "linear"):
        got = hermite_transfer_features(on_device(X), on_device(W), name)
        assert got.device == device
        assert_allclose(
            to_numpy(got), hermite_transfer_features(X, W, name), rtol=1e-12
        )
    from sklearn_polynn.hermite import hermite_transfer

    psi = hermite_transfer("truncated", degree=4)
    got = hermite_transfer_features(on_device(X), W, psi)  # NumPy W moved to device1
    assert got.device == device
    assert_allclose(to_numpy(got), hermite_transfer_features(X, W, psi), rtol=1e-12)


@pytest.mark.parametrize("name, kwargs, _", TRANSFERS)
def test_hermite_transfer_hidden_weight_gradient_by_finite_differences(name, kwargs, _):
    # 2 dL/d conj(W) = dL/d Re W + i dL/d Im W for L = mean((Re g - y)**2) / 2
    from sklearn_polynn.hermite import hermite_transfer, hermite_transfer_features

    psi = hermite_transfer(name, **kwargs)
    rng = np.random.RandomState(5)
    X = rng.standard_normal((40, 3))
    y = rng.standard_normal(40)
    W = 0.5 * (rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4)))
    alpha = rng.standard_normal(4) + 1j * rng.standard_normal(4)

    def loss(W):
        return 0.5 * np.mean(
            (np.real(hermite_transfer_features(X, W, psi) @ alpha) - y) ** 2
        )

    residual = np.real(hermite_transfer_features(X, W, psi) @ alpha) - y
    got = psi.hidden_weight_gradient(X, W, alpha, residual)
    h = 1e-6
    numeric = np.zeros_like(W)
    for index in np.ndindex(W.shape):
        step = np.zeros_like(W)
        step[index] = h
        d_re = (loss(W + step) - loss(W - step)) / (2 * h)
        d_im = (loss(W + 1j * step) - loss(W - 1j * step)) / (2 * h)
        numeric[index] = d_re + 1j * d_im
    assert_allclose(got, numeric, rtol=1e-6, atol=1e-9)


def test_hermite_transfer_relation_to_the_plain_activation():
    # exp: psi = exp(-s2 / 2) exp(z) (a per-unit rescaling of the output
    # weights); truncated: phi_d(z) = sum_{j + 2k <= d} psi_j(z, s2) (s2/2)**k / k!
    from sklearn_polynn.activations import get_activation
    from sklearn_polynn.hermite import hermite_transfer

    rng = np.random.RandomState(6)
    z = rng.standard_normal(8) + 1j * rng.standard_normal(8)
    s2 = rng.standard_normal(8) + 1j * rng.standard_normal(8)
    assert_allclose(hermite_transfer("exp")(z, s2), np.exp(-s2 / 2) * np.exp(z))
    d = 5
    rebuilt = sum(
        hermite_transfer("truncated", degree=d - 2 * k)(z, s2)
        * (s2 / 2) ** k
        / math.factorial(k)
        for k in range(d // 2 + 1)
    )
    assert_allclose(rebuilt, get_activation("truncated", degree=d)(z), rtol=1e-13)
