"""Tests for the moment / tensor machinery of Zhong et al. (2017), Algorithm 1."""

import itertools
import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sklearn_polynn._tensor import (
    _p2_operator,
    _reduced_third_moment,
    _top_eigenspace,
    least_squares_magnitudes,
    moment_orders,
    rec_mag_sign,
    symmetric_cp,
    tensor_initialization,
)
from sklearn_polynn.activations import get_activation
from sklearn_polynn.datasets import make_teacher_network
from sklearn_polynn.hermite import gamma_moments, zhong_m_coefficients
from sklearn_polynn.metrics import parameter_recovery_error


# --------------------------------------------------------------- test oracles
def _pairings(order):
    """All ways to split ``range(order)`` into pairs + singletons (Wick terms)."""
    indices = list(range(order))
    for n_pairs in range(order // 2 + 1):
        for pairs in itertools.combinations(
            itertools.combinations(indices, 2), n_pairs
        ):
            used = [i for p in pairs for i in p]
            if len(used) == len(set(used)):
                yield n_pairs, pairs, [i for i in indices if i not in used]


def _explicit_moment(X, y, order):
    """``M_j = E[y He_j(x)]`` as a dense ``d^j`` tensor (Definition 5.1, Wick form)."""
    n, d = X.shape
    eye = np.eye(d)
    letters = "abcd"[:order]
    out = np.zeros((d,) * order)
    for n_pairs, pairs, singles in _pairings(order):
        operands, subs = [y], ["n"]
        for i, j in pairs:
            operands.append(eye)
            subs.append(letters[i] + letters[j])
        for i in singles:
            operands.append(X)
            subs.append("n" + letters[i])
        term = np.einsum(",".join(subs) + "->" + letters, *operands) / n
        out += (-1) ** n_pairs * term
    return out


def _gaussian_teacher(activation, n, d, k, seed):
    X, y, truth = make_teacher_network(
        n, d, k, activation, random_state=seed, return_truth=True
    )
    return X, y, truth.hidden_weights, truth.output_weights


# ------------------------------------------------------------ moment orders
@pytest.mark.parametrize(
    "name, p2, p3, odd, even",
    [
        ("squared_relu", 2, 3, 1, 2),
        ("relu", 2, 4, 1, 2),  # M3 = 0
        ("leaky_relu", 2, 4, 1, 2),
        ("tanh", 3, 3, 1, None),  # M2 = M4 = 0
        ("erf", 3, 3, 1, None),
    ],
)
def test_moment_orders_follow_the_activation(name, p2, p3, odd, even):
    orders = moment_orders(get_activation(name))
    assert (orders.p2, orders.p3, orders.odd, orders.even) == (p2, p3, odd, even)


def test_moment_orders_rejects_activation_failing_assumption_5_3():
    with pytest.raises(ValueError, match="'linear' fails Assumption 5.3, item 2.*m_3"):
        moment_orders(get_activation("linear"))
    square = (lambda z: z * z, lambda z: 2 * z)
    with pytest.raises(ValueError, match="fails Assumption 5.3, item 2"):
        moment_orders(get_activation(square))


def test_sigmoid_fails_item_4_of_assumption_5_3():
    # m_2 = m_4 = 0 (sigmoid - 1/2 is odd) but the sigmoid is not odd: a flipped
    # unit (-v, -w) differs from (v, w) by the constant v (issue 14).
    with pytest.raises(
        ValueError, match=r"'sigmoid' fails Assumption 5.3, item 4.*not odd"
    ):
        moment_orders(get_activation("sigmoid"))


def test_moment_that_changes_sign_with_the_scale_fails_item_1():
    # m_1(sigma) = sigma (E[tanh'(sigma z)] - 0.5) > 0 for small sigma, < 0 for
    # large sigma: a unit with the norm at the crossing drops out of M_1.
    def phi(z):
        return np.tanh(z) - 0.5 * z

    def dphi(z):
        return 1.0 - np.tanh(z) ** 2 - 0.5

    with pytest.raises(ValueError, match=r"item 1.*m_1\(sigma\).*changes sign"):
        moment_orders(get_activation((phi, dphi)))


@pytest.mark.parametrize("name, p", [("relu", 1), ("squared_relu", 2)])
def test_homogeneity_of_m_coefficients(name, p):
    # RecMagSign relies on m_j(sigma) = sigma^p m_j(1) (closed-form gammas).
    for sigma in (0.3, 1.7):
        assert_allclose(
            zhong_m_coefficients(name, sigma),
            sigma**p * np.asarray(zhong_m_coefficients(name, 1.0)),
            rtol=1e-12,
            atol=1e-14,
        )
    g = gamma_moments("relu", 1.0)
    assert_allclose(g[3], 3 * g[1], rtol=1e-12)  # M3 = 0 for ReLU


# ------------------------------------------------------- exact contractions
@pytest.mark.parametrize("dense", [False, True])
@pytest.mark.parametrize("order", [2, 3, 4])
def test_p2_operator_equals_contraction_of_explicit_moment(order, dense):
    rng = np.random.RandomState(0)
    X, y = rng.standard_normal((300, 4)), rng.standard_normal(300)
    alpha = rng.standard_normal(4)
    alpha /= np.linalg.norm(alpha)
    U = rng.standard_normal((4, 3))
    M = _explicit_moment(X, y, order)
    for _ in range(order - 2):
        M = M @ alpha
    P2U = _p2_operator(X, y, alpha, order, dense=dense)(U)
    assert_allclose(P2U, M @ U, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("order", [3, 4])
def test_reduced_third_moment_equals_contraction_of_explicit_moment(order):
    rng = np.random.RandomState(1)
    X, y = rng.standard_normal((300, 5)), rng.standard_normal(300)
    V = np.linalg.qr(rng.standard_normal((5, 3)))[0]
    beta = rng.standard_normal(3)
    beta /= np.linalg.norm(beta)
    M = _explicit_moment(X, y, order)
    if order == 4:
        M = M @ (V @ beta)
    expected = np.einsum("abc,ai,bj,ck->ijk", M, V, V, V)
    assert_allclose(
        _reduced_third_moment(X @ V, y, order, beta), expected, rtol=1e-10, atol=1e-12
    )


def test_reduced_fourth_moment_for_alpha_outside_the_subspace():
    # Definition 5.4's random alpha in R^d: t = x^T alpha, beta = V^T alpha.
    rng = np.random.RandomState(2)
    X, y = rng.standard_normal((300, 5)), rng.standard_normal(300)
    V = np.linalg.qr(rng.standard_normal((5, 3)))[0]
    alpha = rng.standard_normal(5)
    alpha /= np.linalg.norm(alpha)
    expected = np.einsum(
        "abc,ai,bj,ck->ijk", _explicit_moment(X, y, 4) @ alpha, V, V, V
    )
    R3 = _reduced_third_moment(X @ V, y, 4, V.T @ alpha, t=X @ alpha)
    assert_allclose(R3, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["relu", "squared_relu", "tanh"])
def test_claim_5_2_moments_of_a_teacher(name):
    # M_j(u, .., u) = sum_i v_i m_j(||w_i||) (wbar_i^T u)^j, the identity that
    # RecMagSign inverts; checked on 4e5 samples against closed-form gammas.
    X, y, W, v = _gaussian_teacher(name, 400_000, 3, 2, seed=0)
    u = np.array([0.6, -0.48, 0.64])
    t = X @ u
    hermite = [t, t**2 - 1, t**3 - 3 * t, t**4 - 6 * t**2 + 3]
    norms = np.linalg.norm(W, axis=0)
    cosines = (W / norms).T @ u
    for j in range(1, 5):
        m_j = np.array([zhong_m_coefficients(name, s)[j - 1] for s in norms])
        expected = np.sum(v * m_j * cosines**j)
        estimate = np.mean(y * hermite[j - 1])
        scale = np.std(y * hermite[j - 1]) / math.sqrt(len(y))
        assert abs(estimate - expected) < 5 * scale + 1e-12


# ----------------------------------------------------------- power method
def test_top_eigenspace_by_absolute_eigenvalue():
    rng = np.random.RandomState(2)
    Q = np.linalg.qr(rng.standard_normal((30, 30)))[0]
    values = np.concatenate([[-5.0, 4.0, -3.0], 0.1 * rng.standard_normal(27)])
    P = (Q * values) @ Q.T
    V, found, n_iter = _top_eigenspace(lambda U: P @ U, 30, 3, rng, P, max_iter=200)
    assert_allclose(np.sort(np.abs(found)), [3.0, 4.0, 5.0], rtol=1e-6)
    # V spans the eigenvectors of -5, 4, -3 (negative ones included).
    assert np.linalg.norm(Q[:, :3] - V @ (V.T @ Q[:, :3])) < 1e-4
    assert n_iter < 200


# -------------------------------------------------------- CP decomposition
def _random_cp(rng, k):
    A = rng.standard_normal((k, k))
    A /= np.linalg.norm(A, axis=0)
    lam = rng.choice([-1.0, 1.0], k) * rng.uniform(1, 3, k)
    return A, lam, np.einsum("i,ai,bi,ci->abc", lam, A, A, A)


def _direction_error(A, B):
    cos = np.abs(A.T @ B)
    return 1.0 - cos.max(axis=0).min()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_symmetric_cp_is_exact_on_exact_tensor(seed):
    rng = np.random.RandomState(seed)
    A, lam, T = _random_cp(rng, 5)
    A_hat, lam_hat = symmetric_cp(T, rng, n_projections=20)
    assert _direction_error(A_hat, A) < 1e-10
    assert_allclose(np.sort(np.abs(lam_hat)), np.sort(np.abs(lam)), rtol=1e-8)


def test_symmetric_cp_with_noise_is_stable():
    rng = np.random.RandomState(3)
    A, lam, T = _random_cp(rng, 5)
    noisy = T + 0.01 * rng.standard_normal(T.shape)
    A_hat, _ = symmetric_cp(noisy, rng, n_projections=100)
    assert _direction_error(A_hat, A) < 1e-3


# ---------------------------------------------------------------- RecMagSign
@pytest.mark.parametrize("name", ["squared_relu", "relu"])
def test_rec_mag_sign_recovers_norms_and_signs_from_true_directions(name):
    activation = get_activation(name)
    X, y, W, v = _gaussian_teacher(name, 100_000, 6, 3, seed=4)
    norms = np.linalg.norm(W, axis=0)
    flips = np.array([1.0, -1.0, 1.0])  # directions given with arbitrary signs
    directions = W / norms * flips
    signs, norms_hat, v_hat = rec_mag_sign(
        X @ directions,
        y,
        directions.T @ directions,
        moment_orders(activation),
        activation.homogeneous_degree,
    )
    assert_allclose(v_hat, v)
    assert_allclose(signs, flips)
    assert_allclose(norms_hat, norms, rtol=0.03)


def test_least_squares_magnitudes_for_non_homogeneous_activation():
    X, y, W, v = _gaussian_teacher("tanh", 20_000, 6, 3, seed=5)
    norms = np.linalg.norm(W, axis=0)
    directions = W / norms
    scales, v_hat = least_squares_magnitudes(X @ directions, y, get_activation("tanh"))
    # tanh is odd: (v, sigma) and (-v, -sigma) are the same unit.
    assert_allclose(scales * np.sign(v_hat), norms * np.sign(v), rtol=0.02)
    assert_allclose(np.abs(v_hat), np.abs(v), rtol=0.02)


# ------------------------------------------------------------- Algorithm 1
def test_tensor_initialization_recovers_directions_and_signs():
    activation = get_activation("squared_relu")
    X, y, W, v = _gaussian_teacher("squared_relu", 10_000, 10, 3, seed=0)
    W0, v0, info = tensor_initialization(
        X,
        y,
        3,
        activation,
        moment_orders(activation),
        np.random.RandomState(0),
        n_power_iter=100,
        n_projections=100,
    )
    error, matching = parameter_recovery_error(W, W0)
    assert error < 0.3
    assert_allclose(v0[matching], v)
    assert info["reduced_tensor"].shape == (3, 3, 3)
    assert info["subspace"].shape == (10, 3)
    assert_allclose(info["projected_covariance"], np.eye(3), atol=0.1)
