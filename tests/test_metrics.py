"""Tests for sklearn_polynn.metrics: recovery error, matching, principal angles."""

import itertools
import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_polynn.datasets import make_teacher_network
from sklearn_polynn.hermite import hermite_e
from sklearn_polynn.metrics import (
    _bottleneck_assignment,
    max_principal_angle,
    parameter_recovery_error,
)


@pytest.fixture
def permuted_flipped_perturbed():
    """W* = [e1, 2 e2, 3 e3] in R^4 and an estimate with, per true unit:
    w1 -> -(e1 + 0.01 e4)   (sign flipped, relative error 0.01 up to sign)
    w2 -> 2 e2 + 0.04 e4    (relative error 0.02)
    w3 -> 3 e3 + 0.15 e1    (relative error 0.05)
    stored in the column order [w3-estimate, w1-estimate, w2-estimate].
    """
    e = np.eye(4)
    W_true = np.column_stack([e[0], 2 * e[1], 3 * e[2]])
    W_est = np.column_stack(
        [3 * e[2] + 0.15 * e[0], -(e[0] + 0.01 * e[3]), 2 * e[1] + 0.04 * e[3]]
    )
    return W_true, W_est


def test_sign_invariant_error_and_matching(permuted_flipped_perturbed):
    W_true, W_est = permuted_flipped_perturbed
    error, matching = parameter_recovery_error(W_true, W_est, sign_invariant=True)
    assert_allclose(error, 0.05, rtol=1e-12)
    assert_array_equal(matching, [1, 2, 0])
    assert matching.dtype.kind == "i"


def test_without_sign_invariance_the_flip_costs_its_full_size(
    permuted_flipped_perturbed,
):
    W_true, W_est = permuted_flipped_perturbed
    error, matching = parameter_recovery_error(W_true, W_est)
    # ||e1 + (e1 + 0.01 e4)|| / ||e1|| = sqrt(4.0001); every other pairing of w1
    # is worse, and the other two units keep their matches (0.02, 0.05).
    assert_allclose(error, math.sqrt(4.0001), rtol=1e-12)
    assert_array_equal(matching, [1, 2, 0])


def test_flipping_back_with_inner_product_signs(permuted_flipped_perturbed):
    W_true, W_est = permuted_flipped_perturbed
    _, matching = parameter_recovery_error(W_true, W_est, sign_invariant=True)
    aligned = W_est[:, matching]
    signs = np.sign(np.sum(W_true * aligned, axis=0))
    assert_array_equal(signs, [-1, 1, 1])
    error, identity = parameter_recovery_error(W_true, aligned * signs)
    assert_allclose(error, 0.05, rtol=1e-12)
    assert_array_equal(identity, [0, 1, 2])


def test_exact_recovery_of_permutation_has_zero_error():
    rng = np.random.RandomState(0)
    W = rng.standard_normal((6, 5))
    perm = rng.permutation(5)
    error, matching = parameter_recovery_error(W, W[:, perm])
    assert error == 0.0
    assert_array_equal(W[:, perm][:, matching], W)


def test_output_weights_enter_error_and_matching():
    e = np.eye(3)
    W_true = np.column_stack([e[0], e[1], e[2]])
    v_true = np.array([1.0, -1.0, 2.0])
    perm = np.array([2, 0, 1])  # W_est[:, perm[j]] estimates unit j
    W_est = np.empty_like(W_true)
    v_est = np.empty_like(v_true)
    W_est[:, perm] = W_true * (1 + np.array([0.01, 0.03, 0.02]))
    v_est[perm] = v_true * (1 + np.array([0.0, 0.1, -0.04]))
    error, matching = parameter_recovery_error(W_true, W_est, v_true, v_est)
    assert_allclose(error, 0.1, rtol=1e-12)  # |(-1.1) - (-1)| / 1
    assert_array_equal(matching, perm)
    error_w, matching_w = parameter_recovery_error(W_true, W_est)
    assert_allclose(error_w, 0.03, rtol=1e-12)
    assert_array_equal(matching_w, perm)


def test_output_weights_disambiguate_identical_hidden_units():
    W = np.array([[1.0, 1.0], [0.0, 0.0]])  # two identical hidden units
    error, matching = parameter_recovery_error(
        W, W, np.array([1.0, -1.0]), np.array([-1.0, 1.0])
    )
    assert error == 0.0
    assert_array_equal(matching, [1, 0])


def test_relative_error_is_relative_to_each_true_column():
    W_true = np.diag([1.0, 100.0])
    W_est = np.diag([1.0, 101.0])
    error, _ = parameter_recovery_error(W_true, W_est)
    assert_allclose(error, 0.01, rtol=1e-12)


def test_matching_minimises_the_maximum_not_the_sum():
    # Sum-optimal (Hungarian) takes the diagonal (sum 1.0, max 1.0); the
    # minimax matching is the swap (max 0.6, sum 1.2).
    cost = np.array([[0.0, 0.6], [0.6, 1.0]])
    assert_array_equal(_bottleneck_assignment(cost), [1, 0])


def test_bottleneck_assignment_matches_brute_force():
    rng = np.random.RandomState(0)
    for trial in range(40):
        k = rng.randint(1, 6)
        cost = rng.rand(k, k)
        if trial % 2:
            cost = np.round(cost, 1)  # many ties
        best_max = min(
            max(cost[j, p[j]] for j in range(k))
            for p in itertools.permutations(range(k))
        )
        best_sum = min(
            sum(cost[j, p[j]] for j in range(k))
            for p in itertools.permutations(range(k))
            if max(cost[j, p[j]] for j in range(k)) == best_max
        )
        matching = _bottleneck_assignment(cost)
        assert sorted(matching.tolist()) == list(range(k))
        assert cost[np.arange(k), matching].max() == best_max
        assert_allclose(cost[np.arange(k), matching].sum(), best_sum, rtol=1e-12)


def test_recovery_error_of_teacher_with_noise():
    _, _, truth = make_teacher_network(5, 10, 4, random_state=0, return_truth=True)
    W = truth.hidden_weights
    rng = np.random.RandomState(1)
    perm = rng.permutation(4)
    delta = rng.standard_normal(W.shape)
    delta *= 1e-3 * np.linalg.norm(W, axis=0) / np.linalg.norm(delta, axis=0)
    W_est = np.empty_like(W)
    W_est[:, perm] = W + delta  # every unit off by exactly 1e-3 relative
    error, matching = parameter_recovery_error(
        W, W_est, truth.output_weights, truth.output_weights[np.argsort(perm)]
    )
    assert_allclose(error, 1e-3, rtol=1e-9)
    assert_array_equal(matching, perm)


def test_inputs_not_mutated_and_lists_accepted():
    W_true = [[1.0, 0.0], [0.0, 1.0]]
    W_est = np.array([[0.0, -1.0], [1.0, 0.0]])
    before = W_est.copy()
    error, matching = parameter_recovery_error(W_true, W_est, sign_invariant=True)
    assert error == 0.0 and matching.tolist() == [1, 0]
    assert_array_equal(W_est, before)


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((np.eye(3), np.eye(3)[:, :2]), {}, "same shape"),
        ((np.ones(3), np.ones(3)), {}, "W_true must be a 2-D array"),
        ((np.eye(2), np.ones((2, 2, 1))), {}, "W_est must be a 2-D array"),
        ((np.zeros((2, 0)), np.zeros((2, 0))), {}, "W_true must not be empty"),
        ((np.array([[np.nan, 1.0]]), np.eye(1, 2)), {}, "W_true must be finite"),
        ((np.eye(2), np.array([[np.inf, 0], [0, 1]])), {}, "W_est must be finite"),
        ((np.array([[1.0, 0.0], [0.0, 0.0]]), np.eye(2)), {}, "zero column"),
        ((np.eye(2), np.eye(2), np.ones(2)), {}, "both v_true and v_est"),
        ((np.eye(2), np.eye(2)), {"v_est": np.ones(2)}, "both v_true and v_est"),
        ((np.eye(2), np.eye(2), np.ones(3), np.ones(2)), {}, r"v_true must have"),
        ((np.eye(2), np.eye(2), np.ones(2), np.ones((2, 1))), {}, "v_est must have"),
        ((np.eye(2), np.eye(2), np.array([1.0, 0.0]), np.ones(2)), {}, "zero entry"),
        (
            (np.eye(2), np.eye(2), np.array([1.0, np.nan]), np.ones(2)),
            {},
            "v_true must be finite",
        ),
        ((np.eye(2), np.eye(2)), {"sign_invariant": "yes"}, "sign_invariant"),
    ],
)
def test_parameter_recovery_error_bad_input(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        parameter_recovery_error(*args, **kwargs)


# --------------------------------------------------------------- principal angles
def test_max_principal_angle_known_values():
    e = np.eye(3)
    assert_allclose(max_principal_angle(e[:, :1], e[:, :1] + e[:, 1:2]), np.pi / 4)
    assert_allclose(max_principal_angle(e[:, :1], e[:, 1:2]), np.pi / 2)
    # same plane, different basis: angle 0
    A = e[:, :2]
    B = A @ np.array([[2.0, 1.0], [-1.0, 3.0]])
    assert max_principal_angle(A, B) < 1e-7
    # a plane containing a line: the largest angle of the smaller space is 0
    assert max_principal_angle(e[:, :1], A) < 1e-7


def test_max_principal_angle_small_rotation():
    theta = 0.01
    A = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    B = np.array([[1.0, 0.0], [0.0, math.cos(theta)], [0.0, math.sin(theta)]])
    assert_allclose(max_principal_angle(A, B), theta, rtol=1e-8)
    assert_allclose(max_principal_angle(B, A), theta, rtol=1e-8)


@pytest.mark.parametrize(
    "A, B, match",
    [
        (np.eye(3), np.eye(2), "same number of rows"),
        (np.ones(3), np.eye(3), "A must be a 2-D array"),
        (np.eye(3), np.full((3, 1), np.nan), "B must be finite"),
    ],
)
def test_max_principal_angle_bad_input(A, B, match):
    with pytest.raises(ValueError, match=match):
        max_principal_angle(A, B)


@pytest.mark.gpu
def test_cupy_inputs_are_accepted():
    cupy = pytest.importorskip("cupy")
    e = np.eye(3)
    W_true = np.column_stack([e[0], 2 * e[1]])
    W_est = np.column_stack([-2 * e[1], e[0] * 1.1])
    error, matching = parameter_recovery_error(
        cupy.asarray(W_true), cupy.asarray(W_est), sign_invariant=True
    )
    assert isinstance(matching, np.ndarray)
    assert_allclose(error, 0.1, rtol=1e-12)
    assert_array_equal(matching, [1, 0])
    angle = max_principal_angle(cupy.asarray(W_true), cupy.asarray(W_est))
    assert angle < 1e-7


# --------------------------------------------------------------------------
# variable_dependence (Andoni et al. Lemma 6.1 diagnostic)
# --------------------------------------------------------------------------


def test_variable_dependence_known_values():
    # g = x_0 + 2 x_1 x_2 on N(0, I): E Var_{x_i}[g | rest] = 1, 4, 4, 0
    from sklearn_polynn.metrics import variable_dependence

    X = np.random.RandomState(0).standard_normal((20000, 4))
    X_before = X.copy()
    y = X[:, 0] + 2 * X[:, 1] * X[:, 2]
    d = variable_dependence(
        lambda X: X[:, 0] + 2 * X[:, 1] * X[:, 2], X, y, n_repeats=3, random_state=0
    )
    assert_allclose(d * np.var(y), [1.0, 4.0, 4.0, 0.0], atol=0.15)
    assert d[3] == 0.0
    assert_array_equal(X, X_before)  # the caller's X is not modified


def test_variable_dependence_uses_predict_and_normalizes_by_var_g():
    from sklearn_polynn.metrics import variable_dependence

    class Model:
        def predict(self, X):
            return X[:, 0] + 2 * X[:, 1]

    X = np.random.RandomState(1).standard_normal((5000, 3))
    by_model = variable_dependence(Model(), X, random_state=0)
    by_callable = variable_dependence(Model().predict, X, random_state=0)
    assert_array_equal(by_model, by_callable)
    assert_allclose(by_model, [0.2, 0.8, 0.0], atol=0.03)  # relative to Var g = 5


def test_variable_dependence_bad_input():
    from sklearn_polynn.metrics import variable_dependence

    X = np.random.RandomState(2).standard_normal((50, 3))
    with pytest.raises(TypeError, match="predict method or a callable"):
        variable_dependence(object(), X)
    with pytest.raises(ValueError, match=r"y must have shape \(n_samples,\) = \(50,\)"):
        variable_dependence(lambda X: X[:, 0], X, np.ones(49))
    with pytest.raises(ValueError, match="Var y"):
        variable_dependence(lambda X: X[:, 0], X, np.ones(50))
    with pytest.raises(ValueError, match=r"Var g\(X\)"):
        variable_dependence(lambda X: 0 * X[:, 0], X)
    with pytest.raises(ValueError, match="non-finite"):
        variable_dependence(lambda X: np.where(X[:, 0] > 0, np.nan, 1.0), X)
    with pytest.raises(ValueError, match="one prediction per sample"):
        variable_dependence(lambda X: X, X)
    with pytest.raises(ValueError, match="2-D array"):
        variable_dependence(lambda X: X, X[:, 0])
    with pytest.raises(ValueError, match="n_repeats"):
        variable_dependence(lambda X: X[:, 0], X, n_repeats=0)


class _PopulationNetwork:
    """``g = Re sum_i alpha_i u_{w_i}(x)`` fitted to a polynomial target on the
    *population* loss ``E (f - g)**2``, in closed form, so that "converged" means
    a critical point of the loss Lemma 6.1 is about.

    ``domain="gaussian"``: ``x ~ N(0, I)``, ``u_w = psi_w = exp(w.x - w^T w / 2)``
    (the Hermite transfer function), target ``f = sum_J f_J He_J(x)``;
    ``E[psi_w psi_v] = exp(w^T v)``, ``E[conj(psi_w) psi_v] = exp(w^H v)``,
    ``E[f psi_w] = sum_J f_J w**J``.
    ``domain="circle"``: ``x = exp(i theta)``, ``theta`` uniform, ``u_w = exp(w.x)``,
    ``f = Re sum_J f_J x**J``; ``E[u_w u_v] = 1``, ``E[conj(u_w) u_v] =
    prod_k S(conj(w_k) v_k)``, ``S(z) = sum_m z**m / m!**2``,
    ``E[f u_w] = sum_J f_J w**J / (2 J!)``.
    """

    def __init__(self, exponents, coefficients, domain):
        self.E = np.asarray(exponents)
        self.domain = domain
        fact = np.prod([[math.factorial(j) for j in row] for row in self.E], axis=1)
        c = np.asarray(coefficients, dtype=float)
        if domain == "gaussian":
            self.c, self.variance = c, float(np.sum(c**2 * fact))
        else:
            self.c, self.variance = c / (2 * fact), float(np.sum(c**2) / 2)

    def _target_correlation(self, W):
        """``b_i = E[f u_{w_i}]`` and its holomorphic gradient in ``w_i``."""
        E = self.E[:, :, None]  # (terms, n, 1)
        powers = W[None] ** E  # (terms, n, m)
        lower = W[None] ** np.maximum(E - 1, 0)
        b = self.c @ np.prod(powers, axis=1)
        grad = np.empty_like(W)
        for k in range(W.shape[0]):
            others = np.prod(np.delete(powers, k, axis=1), axis=1)
            grad[k] = (self.c * self.E[:, k]) @ (lower[:, k] * others)
        return b, grad

    def loss_grad(self, alpha, W):
        b, db = self._target_correlation(W)
        if self.domain == "gaussian":
            P, Q = np.exp(W.T @ W), np.exp(W.conj().T @ W)
            dP = W @ (alpha[:, None] * P.T)  # column i: sum_k alpha_k P_ik w_k
            dQ = W @ (alpha[:, None] * Q.T)
        else:
            z = W.conj()[:, :, None] * W[:, None, :]  # (n, i, k)
            terms = [z**m / math.factorial(m) ** 2 for m in range(20)]
            S = sum(terms)
            dS = sum(m * t for m, t in enumerate(terms)) / np.where(z == 0, 1, z)
            Q = np.prod(S, axis=0)
            P, dP = np.ones_like(Q), np.zeros_like(W)
            dQ = np.einsum("lik,ik,lk,k->li", dS / S, Q, W, alpha)
        loss = (
            self.variance
            - 2 * np.real(alpha @ b)
            + 0.5 * np.real(alpha @ P @ alpha + alpha.conj() @ Q @ alpha)
        )
        grad_alpha = -2 * b.conj() + (P @ alpha).conj() + Q @ alpha
        grad_W = -2 * (alpha * db).conj() + (alpha * dP).conj() + alpha.conj() * dQ
        return loss, grad_alpha, grad_W

    def fit(self, n_units, maxiter, seed=0):
        from scipy.optimize import minimize

        n, m = self.E.shape[1], n_units
        rng = np.random.RandomState(seed)
        start = np.concatenate(
            [0.1 * rng.standard_normal(2 * m), 0.3 * rng.standard_normal(2 * n * m)]
        )

        def unpack(p):
            W = p[2 * m :].reshape(2, n, m)
            return p[:m] + 1j * p[m : 2 * m], W[0] + 1j * W[1]

        def fun(p):
            loss, ga, gW = self.loss_grad(*unpack(p))
            grad = np.concatenate([ga.real, ga.imag, gW.real.ravel(), gW.imag.ravel()])
            return loss, grad

        options = {"maxiter": maxiter, "gtol": 1e-12, "ftol": 0.0}
        result = minimize(fun, start, jac=True, method="L-BFGS-B", options=options)
        self.alpha_, self.W_ = unpack(result.x)
        self.loss_ = result.fun
        return self

    def predict(self, X):
        if self.domain == "gaussian":
            from sklearn_polynn.hermite import hermite_transfer_features

            units = hermite_transfer_features(X, self.W_, "exp")
        else:
            units = np.exp(np.exp(1j * X) @ self.W_)
        return np.real(units @ self.alpha_)

    def sample(self, n_samples, seed):
        """Fresh inputs (angles on the circle) and the target at them."""
        rng = np.random.RandomState(seed)
        n = self.E.shape[1]
        if self.domain == "gaussian":
            X = rng.standard_normal((n_samples, n))
            y = sum(
                c
                * np.prod(
                    [hermite_e(int(j), X[:, k]) for k, j in enumerate(row)], axis=0
                )
                for row, c in zip(self.E, self.c)
            )
            return X, y
        X = rng.uniform(0, 2 * np.pi, (n_samples, n))
        y = np.real(
            np.exp(1j * X @ self.E.T)
            @ (
                2
                * self.c
                * np.prod([[math.factorial(j) for j in row] for row in self.E], axis=1)
            )
        )
        return X, y


def _exponents(n_features, monomials):
    E = np.zeros((len(monomials), n_features), dtype=int)
    for t, variables in enumerate(monomials):
        for k in variables:
            E[t, k] += 1
    return E


def test_population_network_gradient_matches_finite_differences():
    E = _exponents(5, [(0, 1), (2, 2), (0, 1, 2)])
    rng = np.random.RandomState(0)
    alpha = rng.standard_normal(3) + 1j * rng.standard_normal(3)
    W = 0.3 * (rng.standard_normal((5, 3)) + 1j * rng.standard_normal((5, 3)))
    h = 1e-6
    for domain in ("gaussian", "circle"):
        net = _PopulationNetwork(E, [1.0, 0.5, 0.7], domain)
        _, ga, gW = net.loss_grad(alpha, W)
        step = np.zeros_like(W)
        step[2, 1] = h
        numeric = [
            (net.loss_grad(alpha, W + s)[0] - net.loss_grad(alpha, W - s)[0]) / (2 * h)
            for s in (step, 1j * step)
        ]
        assert_allclose(gW[2, 1], numeric[0] + 1j * numeric[1], rtol=1e-6)
        X, y = net.sample(200_000, seed=1)
        net.alpha_, net.W_ = alpha, W
        loss = np.mean((y - net.predict(X)) ** 2)
        assert_allclose(net.loss_grad(alpha, W)[0], loss, rtol=0.03)


@pytest.mark.parametrize("domain", ["gaussian", "circle"])
def test_lemma_6_1_converged_network_ignores_irrelevant_variables(domain):
    # target on 3 of n = 10 variables; at a critical point of the population
    # loss the network's dependence on each of the 7 others is ~0 (Lemma 6.1)
    from sklearn_polynn.metrics import variable_dependence

    E = _exponents(10, [(0, 1), (2, 2), (0, 1, 2)])
    net = _PopulationNetwork(E, [1.0, 0.5, 0.7], domain).fit(n_units=4, maxiter=200)
    X, y = net.sample(2000, seed=2)
    d = variable_dependence(net, X, y, n_repeats=2, random_state=0)
    assert np.all(d[:3] > 0.1)
    assert np.all(d[3:] <= 1e-3), d


@pytest.mark.parametrize("domain", ["gaussian", "circle"])
def test_lemma_6_1_control_target_on_all_variables(domain):
    from sklearn_polynn.metrics import variable_dependence

    E = _exponents(10, [(k, (k + 1) % 10) for k in range(10)])
    net = _PopulationNetwork(E, np.ones(10), domain).fit(n_units=4, maxiter=200)
    X, y = net.sample(2000, seed=2)
    d = variable_dependence(net, X, y, n_repeats=2, random_state=0)
    assert np.all(d > 0.03), d


def test_variable_dependence_on_array_api_strict_device1():
    from sklearn_polynn.metrics import variable_dependence

    xps = pytest.importorskip("array_api_strict")
    device = xps.Device("device1")
    X = np.random.RandomState(3).standard_normal((500, 3))

    def g(A):
        assert A.device == device  # the model sees its own namespace and device
        return A[:, 0] + 2 * A[:, 1] * A[:, 2]

    got = variable_dependence(g, xps.asarray(X, device=device), random_state=0)
    expected = variable_dependence(
        lambda A: A[:, 0] + 2 * A[:, 1] * A[:, 2], X, random_state=0
    )
    assert_allclose(got, expected, rtol=1e-12)
