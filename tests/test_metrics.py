"""Tests for sklearn_polynn.metrics: recovery error, matching, principal angles."""

import itertools
import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_polynn.datasets import make_teacher_network
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
