"""Tests for sklearn_polynn.datasets: shapes, seeds, unit variance, ground truth."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_polynn.activations import get_activation
from sklearn_polynn.datasets import (
    make_clipped_relu_network,
    make_high_threshold_network,
    make_periodic_ridge,
    make_sparse_polynomial,
    make_teacher_network,
)

GENERATORS = {
    "sparse_polynomial": lambda **kw: make_sparse_polynomial(50, 6, 4, 2, **kw),
    "teacher": lambda **kw: make_teacher_network(50, 6, 3, **kw),
    "high_threshold": lambda **kw: make_high_threshold_network(50, 6, 3, 1.0, **kw),
    "high_threshold_binary": lambda **kw: make_high_threshold_network(
        50, 6, 3, 1.0, binary=True, upper="monotone", **kw
    ),
    "periodic": lambda **kw: make_periodic_ridge(50, 6, 2.0, **kw),
    "clipped_relu": lambda **kw: make_clipped_relu_network(50, 6, 3, **kw),
    "clipped_relu_gaussian": lambda **kw: make_clipped_relu_network(
        50, 6, 3, distribution="gaussian", **kw
    ),
}


def _truth_arrays(truth):
    return {k: v for k, v in truth.items() if isinstance(v, np.ndarray)}


# ------------------------------------------------------------------ all generators
@pytest.mark.parametrize("name", GENERATORS)
def test_shapes_and_dtypes(name):
    X, y = GENERATORS[name](random_state=0)
    assert X.shape == (50, 6) and y.shape == (50,)
    assert X.dtype == np.float64 and y.dtype == np.float64
    assert np.all(np.isfinite(X)) and np.all(np.isfinite(y))


@pytest.mark.parametrize("name", GENERATORS)
def test_same_seed_same_data_and_different_seed_differs(name):
    X1, y1, t1 = GENERATORS[name](random_state=3, return_truth=True)
    X2, y2, t2 = GENERATORS[name](random_state=3, return_truth=True)
    assert_array_equal(X1, X2)
    assert_array_equal(y1, y2)
    assert t1.keys() == t2.keys()
    for key, value in _truth_arrays(t1).items():
        assert_array_equal(value, t2[key])
    X3, y3 = GENERATORS[name](random_state=4)
    assert not np.array_equal(X1, X3)
    assert not np.array_equal(y1, y3)


@pytest.mark.parametrize("name", GENERATORS)
def test_random_state_instance_accepted(name):
    X1, y1 = GENERATORS[name](random_state=np.random.RandomState(5))
    X2, y2 = GENERATORS[name](random_state=5)
    assert_array_equal(X1, X2)
    assert_array_equal(y1, y2)


@pytest.mark.parametrize("name", GENERATORS)
def test_noise_is_additive_gaussian(name):
    X0, y0, t0 = GENERATORS[name](random_state=1, return_truth=True)
    X1, y1, t1 = GENERATORS[name](random_state=1, noise=0.5, return_truth=True)
    assert_array_equal(X0, X1)  # noise drawn last: same X, same truth
    assert t0.noise == 0.0 and t1.noise == 0.5
    residual = y1 - y0
    assert 0.3 < residual.std() < 0.7
    assert abs(residual.mean()) < 0.25


def test_truth_does_not_depend_on_n_samples():
    _, _, small = make_teacher_network(10, 5, 2, random_state=0, return_truth=True)
    _, _, large = make_teacher_network(100, 5, 2, random_state=0, return_truth=True)
    assert_array_equal(small.hidden_weights, large.hidden_weights)
    assert_array_equal(small.output_weights, large.output_weights)


# ---------------------------------------------------------------- sparse polynomial
def _sparse_polynomial_by_hand(X, truth):
    """Recompute y independently (complex arithmetic on the circle)."""
    if truth.distribution == "circle":
        z = np.exp(1j * X)
        return np.real(np.prod(z[:, truth.monomials], axis=2) @ truth.coefficients)
    y = np.zeros(X.shape[0])
    for subset, c in zip(truth.monomials, truth.coefficients):
        term = np.ones(X.shape[0])
        for i in subset:
            term = term * X[:, i]
        y += c * term
    return y


@pytest.mark.parametrize("distribution", ["gaussian", "uniform", "circle"])
@pytest.mark.parametrize("degree", [1, 2, 3])
def test_sparse_polynomial_truth_recomputes_y(distribution, degree):
    X, y, truth = make_sparse_polynomial(
        200,
        7,
        None,
        degree,
        distribution=distribution,
        random_state=2,
        return_truth=True,
    )
    assert truth.monomials.shape == (7, degree)  # n_terms defaults to n_features
    assert truth.monomials.dtype.kind == "i"
    assert truth.degree == degree and truth.distribution == distribution
    assert_allclose(y, _sparse_polynomial_by_hand(X, truth), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("distribution", ["gaussian", "uniform", "circle"])
@pytest.mark.parametrize("degree", [2, 3])
def test_sparse_polynomial_has_unit_variance(distribution, degree):
    # A wrong scale (e.g. ignoring E[x^2] = 1/3 or the 1/2 of cos^2) is off by a
    # factor >= 2; the Monte Carlo error here is a few percent.
    X, y = make_sparse_polynomial(
        60_000, 8, 8, degree, distribution=distribution, random_state=0
    )
    assert abs(y.var() - 1.0) < 0.08
    assert abs(y.mean()) < 0.03


@pytest.mark.parametrize(
    "distribution, second_moment", [("gaussian", 1.0), ("uniform", 1 / 3)]
)
def test_sparse_polynomial_exact_scale(distribution, second_moment):
    _, _, truth = make_sparse_polynomial(
        5, 9, 6, 3, distribution=distribution, random_state=0, return_truth=True
    )
    expected = 1.0 / math.sqrt(6 * second_moment**3)
    assert_allclose(np.abs(truth.coefficients), expected, rtol=1e-14)
    _, _, truth = make_sparse_polynomial(
        5, 9, 6, 3, distribution="circle", random_state=0, return_truth=True
    )
    assert_allclose(np.abs(truth.coefficients), math.sqrt(2 / 6), rtol=1e-14)


def test_sparse_polynomial_input_distributions():
    X, _ = make_sparse_polynomial(20_000, 3, distribution="uniform", random_state=0)
    assert X.min() >= -1 and X.max() <= 1 and abs(X.var() - 1 / 3) < 0.02
    X, _ = make_sparse_polynomial(20_000, 3, distribution="circle", random_state=0)
    assert X.min() >= 0 and X.max() < 2 * np.pi
    X, _ = make_sparse_polynomial(20_000, 3, random_state=0)
    assert abs(X.var() - 1) < 0.05 and X.min() < -3


@pytest.mark.parametrize(
    "n_features, n_terms, degree", [(10, 10, 2), (5, 10, 2), (6, 20, 3), (40, 30, 4)]
)
def test_sparse_polynomial_monomials_are_distinct_sets_of_distinct_variables(
    n_features, n_terms, degree
):
    _, _, truth = make_sparse_polynomial(
        3, n_features, n_terms, degree, random_state=1, return_truth=True
    )
    monomials = truth.monomials
    assert monomials.shape == (n_terms, degree)
    assert monomials.min() >= 0 and monomials.max() < n_features
    assert all(len(set(row)) == degree for row in monomials.tolist())
    assert len({tuple(sorted(row)) for row in monomials.tolist()}) == n_terms
    assert set(np.unique(np.sign(truth.coefficients))) <= {-1.0, 1.0}


def test_sparse_polynomial_monomials_are_spread_over_all_subsets():
    # 10 of the 15 pairs of 6 variables, drawn 200 times: every pair shows up
    counts = {}
    for seed in range(200):
        _, _, truth = make_sparse_polynomial(
            1, 6, 10, 2, random_state=seed, return_truth=True
        )
        for row in truth.monomials.tolist():
            counts[tuple(row)] = counts.get(tuple(row), 0) + 1
    assert len(counts) == 15
    assert min(counts.values()) > 90  # expected 200 * 10 / 15 = 133


def _sparse_polynomial_with_intercept_by_hand(X, truth):
    return _sparse_polynomial_by_hand(X, truth) + truth.intercept


def test_sparse_polynomial_default_is_multilinear_with_zero_intercept():
    X, y, truth = make_sparse_polynomial(
        100, 6, 8, 2, random_state=0, return_truth=True
    )
    X2, y2, truth2 = make_sparse_polynomial(
        100, 6, 8, 2, repeated_variables=False, random_state=0, return_truth=True
    )
    assert_array_equal(y, y2)
    assert_array_equal(truth.monomials, truth2.monomials)
    assert truth.intercept == 0.0 and truth.repeated_variables is False


@pytest.mark.parametrize("distribution", ["gaussian", "uniform", "circle"])
@pytest.mark.parametrize("degree", [2, 3])
def test_sparse_polynomial_with_repeated_variables(distribution, degree):
    # few variables, many terms: most monomials repeat a variable (x_i**2 ...)
    kwargs = {"distribution": distribution, "repeated_variables": True}
    X, y, truth = make_sparse_polynomial(
        200_000, 3, 6, degree, random_state=4, return_truth=True, **kwargs
    )
    assert truth.monomials.shape == (6, degree)
    assert np.all(np.diff(truth.monomials, axis=1) >= 0)  # sorted multisets
    assert any(len(set(row)) < degree for row in truth.monomials.tolist())
    assert len({tuple(row) for row in truth.monomials.tolist()}) == 6
    assert_allclose(
        y, _sparse_polynomial_with_intercept_by_hand(X, truth), rtol=1e-12, atol=1e-12
    )
    # exact scale and intercept: unit variance and mean zero (a scale that
    # ignored the correlations of x_i**2 and x_j**2 is off by far more)
    assert abs(y.var() - 1.0) < 0.03
    assert abs(y.mean()) < 0.02
    if distribution == "circle":
        assert truth.intercept == 0.0


def test_sparse_polynomial_repeated_variables_exact_moments():
    # x0**2, x1**2, x0 x1 on N(0, 1): E[x**4] = 3, E[x0**2 x1**2] = 1
    from sklearn_polynn.datasets import _monomial_mean_and_second_moments

    monomials = np.array([[0, 0], [1, 1], [0, 1]])
    means, second = _monomial_mean_and_second_moments(monomials, "gaussian")
    assert_allclose(means, [1.0, 1.0, 0.0])
    assert_allclose(second, [[3.0, 1.0, 0.0], [1.0, 3.0, 0.0], [0.0, 0.0, 1.0]])
    means, second = _monomial_mean_and_second_moments(
        np.array([[0, 0, 1], [1, 1, 1]]), "uniform"
    )
    assert_allclose(means, [0.0, 0.0])
    # x0**2 x1 and x1**3 on U[-1, 1]: E[x0**4 x1**2] = E[x0**2 x1**4] = 1/15,
    # E[x1**6] = 1/7
    assert_allclose(second, [[1 / 15, 1 / 15], [1 / 15, 1 / 7]])


def test_sparse_polynomial_repeated_monomials_are_uniform_over_multisets():
    # 6 monomials of degree 2 in 3 variables; one drawn 1200 times: each ~200.
    # Sorting i.i.d. variable draws would give the squares ~133 and pairs ~267.
    counts = {}
    for seed in range(1200):
        _, _, truth = make_sparse_polynomial(
            1, 3, 1, 2, repeated_variables=True, random_state=seed, return_truth=True
        )
        key = tuple(truth.monomials[0].tolist())
        counts[key] = counts.get(key, 0) + 1
    assert len(counts) == 6
    assert min(counts.values()) > 160 and max(counts.values()) < 240, counts


def test_sparse_polynomial_repeated_variables_counts_and_errors():
    # degree > n_features is possible with repeats (x0**2 x1, ...)
    _, _, truth = make_sparse_polynomial(
        5, 2, 4, 3, repeated_variables=True, random_state=0, return_truth=True
    )
    assert truth.monomials.shape == (4, 3)
    with pytest.raises(ValueError, match=r"n_terms=5 .* C\(4, 3\) = 4"):
        make_sparse_polynomial(5, 2, 5, 3, repeated_variables=True)
    with pytest.raises(ValueError, match="repeated_variables=True"):
        make_sparse_polynomial(5, 2, 1, 3)


# ------------------------------------------------------------------ teacher network
@pytest.mark.parametrize("kappa", [1.0, 2.0, 10.0])
def test_teacher_singular_values_are_linspace(kappa):
    _, _, truth = make_teacher_network(
        5, 8, 4, condition_number=kappa, random_state=0, return_truth=True
    )
    W = truth.hidden_weights
    assert W.shape == (8, 4)
    singular_values = np.linalg.svd(W, compute_uv=False)
    assert_allclose(np.sort(singular_values), np.linspace(1, kappa, 4), rtol=1e-12)
    assert_allclose(truth.singular_values, np.linspace(1, kappa, 4))


@pytest.mark.parametrize("activation", ["squared_relu", "relu", "tanh", "sigmoid"])
def test_teacher_truth_recomputes_y(activation):
    X, y, truth = make_teacher_network(
        300, 6, 3, activation, random_state=1, return_truth=True
    )
    phi = get_activation(truth.activation)
    expected = sum(
        truth.output_weights[i] * phi(X @ truth.hidden_weights[:, i]) for i in range(3)
    )
    assert_allclose(y, expected, rtol=1e-12, atol=1e-12)
    assert set(truth.output_weights.tolist()) <= {-1.0, 1.0}
    assert_array_equal(truth.input_covariance, np.eye(6))


def test_teacher_squared_relu_by_hand():
    X, y, truth = make_teacher_network(100, 4, 2, random_state=0, return_truth=True)
    hidden = np.maximum(X @ truth.hidden_weights, 0) ** 2
    assert_allclose(y, hidden @ truth.output_weights, rtol=1e-12)


def test_teacher_output_weight_options():
    _, _, truth = make_teacher_network(
        5, 4, 3, output_weights="ones", random_state=0, return_truth=True
    )
    assert_array_equal(truth.output_weights, np.ones(3))
    signs = np.concatenate(
        [
            make_teacher_network(5, 4, 3, random_state=s, return_truth=True)[2][
                "output_weights"
            ]
            for s in range(30)
        ]
    )
    assert set(signs.tolist()) == {-1.0, 1.0}
    v = np.array([0.5, -2.0, 3.0])
    X, y, truth = make_teacher_network(
        20, 4, 3, output_weights=v, random_state=0, return_truth=True
    )
    assert_array_equal(truth.output_weights, v)
    truth.output_weights[0] = 99.0
    assert v[0] == 0.5  # the caller's array is not aliased


def test_teacher_input_covariance():
    rng = np.random.RandomState(0)
    A = rng.standard_normal((3, 3))
    cov = A @ A.T + 0.5 * np.eye(3)
    cov_before = cov.copy()
    X, y, truth = make_teacher_network(
        40_000, 3, 2, input_covariance=cov, random_state=0, return_truth=True
    )
    assert_array_equal(cov, cov_before)
    assert_allclose(truth.input_covariance, cov)
    assert_allclose(X.T @ X / X.shape[0], cov, atol=0.05 * np.abs(cov).max())
    phi = get_activation("squared_relu")
    assert_allclose(y, phi(X @ truth.hidden_weights) @ truth.output_weights)


def test_teacher_custom_activation_object():
    phi = get_activation("leaky_relu", negative_slope=0.2)
    X, y, truth = make_teacher_network(50, 4, 2, phi, random_state=0, return_truth=True)
    assert truth.activation is phi
    assert_allclose(y, phi(X @ truth.hidden_weights) @ truth.output_weights)


# ------------------------------------------------------------ high threshold network
def _upper_polynomial_by_hand(H, truth):
    monomials = np.prod(H[:, None, :] ** truth.upper_powers[None, :, :], axis=2)
    return truth.c0 + monomials @ truth.upper_coef


@pytest.mark.parametrize("upper", ["linear", "monotone", "polynomial", "powers"])
@pytest.mark.parametrize(
    "activation, unit",
    [
        ("relu", lambda a, t: np.maximum(a - t, 0)),
        ("sign", lambda a, t: (a > t).astype(float)),
        ("sigmoid", lambda a, t: 1 / (1 + np.exp(-(a - t)))),
        ("exp", lambda a, t: np.exp(a - t)),
    ],
)
@pytest.mark.parametrize("binary", [False, True])
def test_high_threshold_truth_recomputes_y(upper, activation, unit, binary):
    X, y, truth = make_high_threshold_network(
        300,
        12,
        4,
        1.5,
        activation=activation,
        upper=upper,
        binary=binary,
        random_state=0,
        return_truth=True,
    )
    H = unit(X @ truth.hidden_weights, truth.threshold)
    assert_allclose(y, _upper_polynomial_by_hand(H, truth), rtol=1e-10, atol=1e-12)
    assert truth.threshold == 1.5 and truth.activation == activation


@pytest.mark.parametrize("upper", ["linear", "monotone", "polynomial"])
def test_high_threshold_upper_polynomial_structure(upper):
    _, _, truth = make_high_threshold_network(
        5, 10, 5, 2.0, upper=upper, random_state=0, return_truth=True
    )
    powers, coef = truth.upper_powers, truth.upper_coef
    assert powers.dtype.kind == "i" and powers.max() <= 1  # multilinear
    assert_array_equal(powers[:5], np.eye(5, dtype=int))
    assert np.all((coef[:5] >= 0.5) & (coef[:5] <= 1.5))  # c_i = Theta(1) > 0
    assert truth.c0 == 0.0
    if upper == "linear":
        assert powers.shape == (5, 5)
        return
    assert powers.shape == (5 + 10, 5)
    assert np.all(powers[5:].sum(axis=1) == 2)
    assert len({tuple(r) for r in powers.tolist()}) == 15  # every pair once
    assert np.all(np.abs(coef[5:]) <= 0.5)
    if upper == "monotone":
        assert np.all(coef >= 0)
    else:
        assert np.any(coef[5:] < 0) and np.any(coef[5:] > 0)


def test_high_threshold_powers_upper_adds_squares_and_cubes():
    """App. B.8: P of degree up to 3 in each unit, monotone coefficients."""
    _, _, truth = make_high_threshold_network(
        5, 10, 4, 2.0, upper="powers", random_state=0, return_truth=True
    )
    _, _, monotone = make_high_threshold_network(
        5, 10, 4, 2.0, upper="monotone", random_state=0, return_truth=True
    )
    powers, coef = truth.upper_powers, truth.upper_coef
    k = monotone.upper_powers.shape[0]  # the "monotone" terms come first, unchanged
    assert_array_equal(powers[:k], monotone.upper_powers)
    assert_allclose(coef[:k], monotone.upper_coef)
    assert_array_equal(powers[k:], np.vstack([2 * np.eye(4), 3 * np.eye(4)]))
    assert np.all((coef[k:] >= 0) & (coef[k:] <= 0.5))


def test_high_threshold_monotone_upper_is_monotone():
    # P with non-negative coefficients is non-decreasing along any direction
    # in which every unit increases: scale the pre-activations up.
    X, y, truth = make_high_threshold_network(
        400, 6, 3, 0.5, upper="monotone", random_state=0, return_truth=True
    )
    H = np.maximum(X @ truth.hidden_weights - truth.threshold, 0)
    assert np.all(_upper_polynomial_by_hand(H + 0.1, truth) >= y)


def test_high_threshold_unit_norm_random_columns():
    _, _, truth = make_high_threshold_network(
        5, 20, 6, 2.0, random_state=0, return_truth=True
    )
    W = truth.hidden_weights
    assert W.shape == (20, 6)
    assert_allclose(np.linalg.norm(W, axis=0), 1.0, rtol=1e-12)
    assert np.linalg.matrix_rank(W) == 6
    assert truth.binary is False and truth.ones_per_column is None


@pytest.mark.parametrize(
    "n_features, n_hidden, ones, expected_ones",
    [(12, 4, None, 3), (20, 4, None, 3), (10, 4, None, 2), (12, 4, 1, 1)],
)
def test_high_threshold_binary_columns(n_features, n_hidden, ones, expected_ones):
    _, _, truth = make_high_threshold_network(
        5,
        n_features,
        n_hidden,
        1.0,
        binary=True,
        ones_per_column=ones,
        random_state=0,
        return_truth=True,
    )
    W = truth.hidden_weights
    assert set(np.unique(W).tolist()) == {0.0, 1.0}
    assert_array_equal(W.sum(axis=0), expected_ones)
    assert W.sum(axis=1).max() == 1  # disjoint supports
    assert truth.binary is True and truth.ones_per_column == expected_ones


def test_high_threshold_higher_threshold_makes_units_rarer():
    fractions = [
        np.mean(make_high_threshold_network(4000, 8, 3, t, random_state=0)[1] > 0)
        for t in (0.0, 1.0, 2.0)
    ]
    assert fractions[0] > fractions[1] > fractions[2] > 0
    # union of 3 halfspaces at distance 2: 1 - (1 - Phi^c(2))^3 ~ 0.067
    assert abs(fractions[2] - 0.067) < 0.02


# ------------------------------------------------------------------- periodic ridge
@pytest.mark.parametrize(
    "function, psi",
    [
        ("cos", lambda z: np.cos(2 * np.pi * z)),
        ("sin", lambda z: np.sin(2 * np.pi * z)),
        (lambda z: np.abs(z - np.round(z)), lambda z: np.abs(z - np.round(z))),
    ],
)
def test_periodic_ridge_truth(function, psi):
    X, y, truth = make_periodic_ridge(
        200, 7, 3.5, function=function, random_state=0, return_truth=True
    )
    assert_allclose(np.linalg.norm(truth.weight), 3.5, rtol=1e-12)
    assert truth.weight.shape == (7,) and truth.norm == 3.5
    assert_allclose(y, psi(X @ truth.weight), rtol=1e-12, atol=1e-12)


def test_periodic_ridge_direction_is_uniform():
    directions = np.array(
        [
            make_periodic_ridge(1, 3, 1.0, random_state=s, return_truth=True)[2].weight
            for s in range(300)
        ]
    )
    assert np.all(np.abs(directions.mean(axis=0)) < 0.12)
    assert_allclose(directions.T @ directions / 300, np.eye(3) / 3, atol=0.07)


def test_periodic_ridge_bad_callable():
    with pytest.raises(ValueError, match="function must map"):
        make_periodic_ridge(10, 3, 1.0, function=lambda z: z[:2])
    with pytest.raises(ValueError, match="function must map"):
        make_periodic_ridge(10, 3, 1.0, function=lambda z: np.full(z.shape, np.nan))


# ---------------------------------------------------------------- clipped ReLU sums
def test_clipped_relu_boolean_construction():
    n_features, n_hidden = 16, 4
    n_bits = n_features - n_hidden - 1
    X, y, truth = make_clipped_relu_network(
        3000, n_features, n_hidden, random_state=0, return_truth=True
    )
    W = truth.hidden_weights
    assert W.shape == (n_features, n_hidden)
    assert truth.distribution == "boolean"
    # inputs (x', 1, 0, ..., 0) with x' Boolean
    assert set(np.unique(X[:, :n_bits]).tolist()) == {0.0, 1.0}
    assert_array_equal(X[:, n_bits], 1.0)
    assert_array_equal(X[:, n_bits + 1 :], 0.0)
    # integer weights (-a_i, b_i, e_i), a_i in {-1, 0, 1}^p, s_min >= 1 (Prop. 12)
    assert_array_equal(W, np.round(W))
    assert set(np.unique(W[:n_bits]).tolist()) <= {-1.0, 0.0, 1.0}
    assert_array_equal(W[n_bits + 1 :], np.eye(n_hidden))
    assert np.linalg.svd(W, compute_uv=False).min() >= 1 - 1e-12
    # 1 - y is the intersection of the halfspaces <a_i, x'> >= b_i (Thm 11)
    A, b = -W[:n_bits], W[n_bits]
    inside = np.all(X[:, :n_bits] @ A >= b, axis=1)
    assert_array_equal(y, 1.0 - inside)
    assert_allclose(y, np.clip(np.maximum(X @ W, 0).sum(axis=1), 0, 1))


def test_clipped_relu_boolean_labels_roughly_balanced():
    means = [
        make_clipped_relu_network(2000, 40, 10, random_state=s)[1].mean()
        for s in range(5)
    ]
    assert 0.3 < np.mean(means) < 0.7


def test_clipped_relu_gaussian():
    X, y, truth = make_clipped_relu_network(
        20_000, 8, 4, distribution="gaussian", random_state=0, return_truth=True
    )
    W = truth.hidden_weights
    assert_allclose(np.linalg.norm(W, axis=0), np.sqrt(2 * np.pi) / 4, rtol=1e-12)
    relu_sum = np.maximum(X @ W, 0).sum(axis=1)
    assert abs(relu_sum.mean() - 1.0) < 0.03  # clipping level at the mean
    assert_allclose(y, np.minimum(relu_sum, 1.0), rtol=1e-12)
    assert 0.2 < np.mean(y == 1.0) < 0.6 and y.min() >= 0


# ---------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: make_sparse_polynomial(10, 4, 7, 2), r"n_terms=7 .* C\(4, 2\) = 6"),
        (lambda: make_sparse_polynomial(10, 3, 1, 4), "degree=4 must be <="),
        (lambda: make_sparse_polynomial(10, 3, 0, 2), "n_terms"),
        (lambda: make_sparse_polynomial(10, 3, 2, 0), "degree"),
        (lambda: make_sparse_polynomial(0, 3), "n_samples"),
        (lambda: make_sparse_polynomial(10, 0), "n_features"),
        (lambda: make_sparse_polynomial(10, 3, distribution="normal"), "distribution"),
        (lambda: make_sparse_polynomial(10, 3, noise=-0.1), "noise"),
        (lambda: make_sparse_polynomial(10, 3, random_state="a"), "random_state"),
        (lambda: make_teacher_network(10, 3, 4), "n_hidden=4 must be <= n_features"),
        (lambda: make_teacher_network(10, 3, 0), "n_hidden"),
        (lambda: make_teacher_network(10, 3, 2, "relux"), "activation must be one"),
        (
            lambda: make_teacher_network(10, 3, 2, condition_number=0.0),
            "condition_number",
        ),
        (
            lambda: make_teacher_network(10, 3, 2, condition_number=-1.0),
            "condition_number",
        ),
        (
            lambda: make_teacher_network(10, 3, 2, condition_number=0.5),
            "condition_number must be >= 1",
        ),
        (
            lambda: make_teacher_network(10, 3, 2, output_weights="random"),
            "output_weights",
        ),
        (
            lambda: make_teacher_network(10, 3, 2, output_weights=[1.0, 2.0, 3.0]),
            r"output_weights must be .* shape \(n_hidden,\)",
        ),
        (
            lambda: make_teacher_network(10, 3, 2, output_weights=[1.0, np.nan]),
            "output_weights must be",
        ),
        (
            lambda: make_teacher_network(10, 3, 2, input_covariance=np.eye(2)),
            r"input_covariance must have shape \(n_features, n_features\)",
        ),
        (
            lambda: make_teacher_network(
                10, 2, 2, input_covariance=np.array([[1.0, 1.0], [1.0, 1.0]])
            ),
            "input_covariance must be positive definite",
        ),
        (
            lambda: make_teacher_network(10, 2, 1, input_covariance=-np.eye(2)),
            "input_covariance must be positive definite",
        ),
        (
            lambda: make_teacher_network(
                10, 2, 1, input_covariance=np.array([[1.0, 0.5], [0.0, 1.0]])
            ),
            "input_covariance must be symmetric",
        ),
        (
            lambda: make_teacher_network(
                10, 2, 1, input_covariance=np.full((2, 2), np.inf)
            ),
            "input_covariance must be finite",
        ),
        (lambda: make_teacher_network(10, 3, 2, noise=-1.0), "noise"),
        (
            lambda: make_high_threshold_network(10, 3, 4, 1.0),
            "n_hidden=4 must be <= n_features=3",
        ),
        (
            lambda: make_high_threshold_network(10, 3, 4, 1.0, binary=True),
            "n_hidden=4 must be <= n_features=3",
        ),
        (
            lambda: make_high_threshold_network(
                10, 8, 3, 1.0, binary=True, ones_per_column=3
            ),
            "ones_per_column=3 is too large",
        ),
        (
            lambda: make_high_threshold_network(
                10, 8, 3, 1.0, binary=True, ones_per_column=0
            ),
            "ones_per_column",
        ),
        (lambda: make_high_threshold_network(10, 5, 2, -0.5), "threshold"),
        (
            lambda: make_high_threshold_network(10, 5, 2, 1.0, upper="cubic"),
            "upper",
        ),
        (
            lambda: make_high_threshold_network(10, 5, 2, 1.0, activation="foo"),
            "activation must be one",
        ),
        (lambda: make_high_threshold_network(10, 5, 2, 1.0, noise=-2), "noise"),
        (lambda: make_periodic_ridge(10, 3, 0.0), "norm"),
        (lambda: make_periodic_ridge(10, 3, -1.0), "norm"),
        (lambda: make_periodic_ridge(10, 3, 1.0, function="tan"), "function"),
        (lambda: make_periodic_ridge(10, 3, 1.0, noise=-1), "noise"),
        (
            lambda: make_clipped_relu_network(10, 5, 4),
            "n_features=5 must be >= n_hidden \\+ 2",
        ),
        (
            lambda: make_clipped_relu_network(10, 3, 4, distribution="gaussian"),
            "n_hidden=4 must be <= n_features=3",
        ),
        (
            lambda: make_clipped_relu_network(10, 8, 2, distribution="uniform"),
            "distribution",
        ),
        (lambda: make_clipped_relu_network(10, 8, 2, noise=-1), "noise"),
    ],
)
def test_bad_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
