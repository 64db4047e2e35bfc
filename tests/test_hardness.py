"""Tests for the Shamir (2018) hardness diagnostics (Thm 7, Fig. 2)."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sklearn_polynn.hardness import (
    gradient_variance,
    objective_landscape,
    periodic_gradient_bound,
)


def _unit(d, seed=0):
    v = np.random.RandomState(seed).standard_normal(d)
    return v / np.linalg.norm(v)


# ------------------------------------------------------------ gradient variance
def test_periodic_below_thm7_bound_relu_above():
    """Thm 7 at d = 200: the same ReLU neuron, a cos target and a ReLU target.

    The cos target's variance (upper confidence limit) is below the Thm 7 bound
    for the model's G^2; the ReLU target's (lower limit) is above it, by a
    wide margin both ways, and also after normalising by E[psi^2].
    """
    d, norm = 200, 3.0
    v = _unit(d)
    kw = {"activation": "relu", "norm": norm, "n_targets": 40, "n_samples": 2000}
    cos = gradient_variance(v, "cos", random_state=0, **kw)
    relu = gradient_variance(v, "relu", random_state=1, **kw)
    assert_allclose(cos.gradient_second_moment, d / 2, rtol=0.05)
    bound = periodic_gradient_bound(cos.gradient_second_moment, d, norm)
    assert cos.ci[1] < bound / 5
    assert relu.ci[0] > 5 * bound
    # normalised by the target energy the contrast remains
    assert relu.relative_variance > 10 * max(cos.ci[1], 0) / (
        4 * cos.target_second_moment * cos.gradient_second_moment
    )


def test_relu_variance_does_not_decay_with_d():
    out = [
        gradient_variance(
            _unit(d),
            "relu",
            activation="relu",
            norm=2.0,
            n_targets=40,
            n_samples=1000,
            random_state=0,
        ).variance
        for d in (10, 100)
    ]
    assert out[1] > 0.5 * out[0] > 0


def test_cos_variance_decays_exponentially_in_norm_and_d():
    """Eq. (2) with ||v|| = ||w*||: each step in d or norm costs decades."""

    def log10var(d, s):
        v = s * _unit(d)
        return gradient_variance(v, "cos", norm=s, method="quadrature").log10_variance

    by_norm = [log10var(20, s) for s in (0.5, 1.0, 2.0)]
    by_d = [log10var(d, 1.0) for d in (5, 20, 100)]
    assert np.all(np.diff(by_norm) < -4)
    assert np.all(np.diff(by_d) < -5)
    assert log10var(100, 2.0) < -40


@pytest.mark.parametrize(
    ("d", "s", "rho"), [(2, 0.3, 0.3), (3, 0.5, 0.4), (5, 0.4, 0.4)]
)
def test_quadrature_matches_monte_carlo(d, s, rho):
    v = rho * _unit(d, seed=d)
    exact = gradient_variance(v, "cos", norm=s, method="quadrature")
    mc = gradient_variance(
        v, "cos", norm=s, n_targets=300, n_samples=3000, random_state=0
    )
    lo, hi = mc.ci
    width = hi - lo
    assert lo - 0.5 * width < exact.variance < hi + 0.5 * width
    assert_allclose(mc.gradient_second_moment, exact.gradient_second_moment, rtol=0.02)
    assert_allclose(mc.target_second_moment, exact.target_second_moment, rtol=0.02)
    assert_allclose(
        mc.mean_gradient,
        exact.mean_gradient,
        atol=4 * np.sqrt(mc.resolution + exact.variance / 300),
    )


def test_monte_carlo_noise_is_subtracted():
    """A target that ignores w* has zero gradient variance: the raw spread of
    the per-target means (the resolution) must be removed, not reported."""
    v = _unit(5)
    res = gradient_variance(
        v,
        lambda t: 0.0 * t,
        activation="tanh",
        norm=1.0,
        n_targets=200,
        n_samples=500,
        random_state=0,
    )
    assert res.resolution > 1e-3
    assert res.ci[0] < 0 < res.ci[1]
    assert abs(res.variance) < 0.1 * res.resolution


def test_empirical_distribution_and_callable_model():
    """X given: exact gradients of the empirical objective; a callable model
    (linear f = v^T x, J = x) gives E[cos(w^T x) x] = 0 for symmetric X, and
    for sin the population variance up to sampling error."""
    rng = np.random.RandomState(0)
    X = rng.standard_normal((400, 3))
    X = np.vstack([X, -X])
    v = np.array([0.3, -0.2, 0.1])

    def linear(Z):
        return Z @ v, Z

    res = gradient_variance(linear, "cos", norm=1.0, X=X, n_targets=20, random_state=0)
    assert res.n_samples == 800 and res.resolution == 0
    assert abs(res.variance) < 1e-20
    sin = gradient_variance(linear, "sin", norm=0.3, X=X, n_targets=20, random_state=0)
    # population value: Var ||4 pi w* exp(-2 pi^2 s^2)|| = 16 pi^2 s^2 e^{-4 pi^2 s^2}
    s2 = 0.3**2
    expected = 16 * np.pi**2 * s2 * np.exp(-4 * np.pi**2 * s2)
    assert_allclose(sin.variance, expected, rtol=0.15)


def test_gradient_variance_bad_input():
    v = _unit(3)
    with pytest.raises(ValueError, match="target returned non-finite"):
        gradient_variance(
            v,
            lambda t: np.where(t > 0, np.inf, t),
            activation="relu",
            n_targets=3,
            n_samples=10,
        )
    with pytest.raises(ValueError, match="activation is required"):
        gradient_variance(v, lambda t: t)
    with pytest.raises(ValueError, match="target must be one of"):
        gradient_variance(v, "nope")
    with pytest.raises(ValueError, match="norm must be"):
        gradient_variance(v, "cos", norm=-1.0)
    with pytest.raises(ValueError, match="n_targets must be >= 2"):
        gradient_variance(v, "cos", n_targets=1)
    with pytest.raises(ValueError, match="method='quadrature' computes Eq. \\(2\\)"):
        gradient_variance(v, "relu", method="quadrature")
    with pytest.raises(ValueError, match="n_features is required"):
        gradient_variance(lambda X: (X[:, 0], X), "cos")
    with pytest.raises(ValueError, match="model returned non-finite"):
        gradient_variance(
            lambda X: (np.full(len(X), np.nan), X),
            "cos",
            n_features=3,
            n_targets=3,
            n_samples=10,
        )
    with pytest.raises(ValueError, match="model must return a pair"):
        gradient_variance(
            lambda X: X[:, 0], "cos", n_features=3, n_targets=3, n_samples=10
        )
    with pytest.raises(ValueError, match="method must be 'monte_carlo'"):
        gradient_variance(v, "cos", method="exact")
    with pytest.raises(ValueError, match="confidence must be in"):
        gradient_variance(v, "cos", confidence=1.5)
    with pytest.raises(ValueError, match="activation applies to a weight-vector"):
        gradient_variance(lambda X: (X[:, 0], X), "cos", activation="relu")
    with pytest.raises(ValueError, match="X has 2 features"):
        gradient_variance(v, "cos", X=np.ones((5, 2)))


def test_thm7_bound_form():
    # d >= 40 and large norm: only the exp(-d/20) term remains
    assert_allclose(periodic_gradient_bound(2.0, 200, 10.0), 80 * np.exp(-10))
    # small norm: the Fourier-concentration sum makes it vacuous (> 4 G^2)
    assert periodic_gradient_bound(1.0, 200, 0.5) > 4
    out = periodic_gradient_bound(1.0, [50, 100, 200], 3.0)
    assert out.shape == (3,) and np.all(np.diff(out) < 0)
    with pytest.raises(ValueError, match="n_features must be integers"):
        periodic_gradient_bound(1.0, 2.5, 1.0)
    with pytest.raises(ValueError, match="norm must be finite"):
        periodic_gradient_bound(1.0, 10, 0.0)


# ------------------------------------------------------------ objective landscape
def test_landscape_flat_away_from_minimum_at_w_star():
    land = objective_landscape(grid=121, extent=3.0)
    W1, W2 = np.meshgrid(land.w1, land.w2)
    pts = np.stack([W1, W2], axis=-1)
    w = np.array([2.0, 2.0])
    far = (
        (np.linalg.norm(pts - w, axis=-1) > 1.0)
        & (np.linalg.norm(pts + w, axis=-1) > 1.0)
        & (np.linalg.norm(pts, axis=-1) > 1.0)
    )
    assert far.mean() > 0.7
    assert np.ptp(land.loss[far]) < 1e-8
    assert_allclose(land.loss[far], 1.0, atol=1e-8)
    i, j = np.unravel_index(np.argmin(land.loss), land.loss.shape)
    assert {(land.w1[j], land.w2[i])} <= {(2.0, 2.0), (-2.0, -2.0)}
    assert land.loss.min() < 1e-12
    assert_allclose(land.loss.max(), 1.5, atol=1e-6)  # the maximum, at w = 0


@pytest.mark.parametrize("target", ["cos", "sin"])
def test_landscape_closed_form_matches_monte_carlo(target):
    axes = (np.linspace(-0.5, 2.5, 7), np.array([0.0, 1.9, 2.0]))
    exact = objective_landscape(target, grid=axes)
    mc = objective_landscape(
        target,
        grid=axes,
        method="monte_carlo",
        n_samples=40_000,
        batch_size=5000,
        random_state=0,
    )
    assert exact.loss.shape == mc.loss.shape == (3, 7)
    assert np.all(np.abs(mc.loss - exact.loss) < 5 * mc.standard_error + 1e-12)
    assert mc.standard_error.max() < 0.01


def test_landscape_monte_carlo_relu_has_no_plateau():
    """For a ReLU target the loss keeps varying far from w* (not flat)."""
    land = objective_landscape(
        "relu",
        grid=(np.array([-2.0, 0.0, 1.0]), np.array([2.0])),
        n_samples=5000,
        random_state=0,
    )
    assert np.min(np.diff(land.loss[0])) < -1.0


def test_landscape_bad_input():
    with pytest.raises(ValueError, match=r"needs about \d+ bytes"):
        objective_landscape(grid=20_000)
    with pytest.raises(ValueError, match=r"needs about \d+ bytes .*batch_size"):
        objective_landscape("relu", grid=400, batch_size=10_000, max_bytes=2**28)
    with pytest.raises(ValueError, match="target returned non-finite"):
        objective_landscape(lambda t: np.full_like(t, np.nan), grid=3, n_samples=10)
    with pytest.raises(ValueError, match="closed_form' exists for target"):
        objective_landscape("relu", method="closed_form")
    with pytest.raises(ValueError, match="weight must be a finite vector of length 2"):
        objective_landscape(weight=(1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match="grid must be an int"):
        objective_landscape(grid=([[1.0]], [1.0]))


def _eq2_log10var(d, rho, s):
    v = rho * _unit(d)
    return gradient_variance(v, "cos", norm=s, method="quadrature").log10_variance


def test_cos_variance_at_fixed_norm_falls_like_one_over_d():
    # Thm 7 needs d AND ||w*|| large: at fixed norms, once d >~ k**2
    # (k = 4 pi**2 ||v|| ||w*||, here ~97), Var ~ C / d with
    # C = 64 pi**4 k**2 s**2 exp(-4 pi**2 (rho**2 + s**2)): not exponential in d
    rho = s = 0.5
    k = 4 * math.pi**2 * rho * s
    C = 64 * math.pi**4 * k**2 * s**2 * math.exp(-4 * math.pi**2 * (rho**2 + s**2))
    d_var = {d: d * 10 ** _eq2_log10var(d, rho, s) for d in (1000, 3000, 10_000)}
    assert_allclose(d_var[10_000], C, rtol=0.03)  # corrections ~ k**2 / d = 1%
    assert_allclose(d_var[3000], d_var[10_000], rtol=0.05)
    assert_allclose(d_var[1000], d_var[10_000], rtol=0.15)
    # below d ~ k**2 it falls much faster than 1/d
    assert _eq2_log10var(10, rho, s) - _eq2_log10var(100, rho, s) > 3


def test_cos_variance_exponential_in_d_when_norm_grows_with_d():
    # ||w*|| = 0.1 sqrt(d): log Var is linear in d (10x d -> ~10x the decades)
    logs = {d: _eq2_log10var(d, 0.5, 0.1 * math.sqrt(d)) for d in (1000, 10_000)}
    assert logs[10_000] < -1000
    assert 8 < logs[10_000] / logs[1000] < 12


# ------------------------------------------------- Thm 5: the fixed-W* transport
def test_thm5_transport_to_fixed_network_keeps_labels_and_norm_bound():
    # Proof of Thm 5, Eq. (7)-(9): M^T W* = W, h(W*^T M x) = h(W^T x), and
    # ||M|| <= ||[W W_perp]||_F / min(1, s_min(W*))
    from scipy.linalg import null_space

    from sklearn_polynn.datasets import _clipped_relu_sum, make_teacher_network
    from sklearn_polynn.reproductions.shamir_thm5 import (
        make_problem,
        transported_boolean_problem,
    )

    d, k = 20, 3
    _, _, teacher = make_teacher_network(
        1, d, k, "relu", condition_number=5.0, random_state=0, return_truth=True
    )
    W_star = 0.3 * teacher.hidden_weights  # s_min < 1 exercises the bound
    X, y, truth = transported_boolean_problem(500, d, W_star, random_state=1)
    M, W = truth.transport, truth.boolean_weights
    assert_allclose(M.T @ W_star, W, atol=1e-10)
    assert_allclose(X, truth.boolean_inputs @ M.T)
    assert_allclose(_clipped_relu_sum(X, W_star), y, atol=1e-9)
    assert_allclose(_clipped_relu_sum(truth.boolean_inputs, W), y)
    assert 0.2 < y.mean() < 0.8  # both labels occur
    s_min = np.linalg.svd(W_star, compute_uv=False).min()
    frobenius = np.linalg.norm(np.hstack([W, null_space(W.T)]))
    assert np.linalg.norm(M, 2) <= frobenius / min(1.0, s_min) * (1 + 1e-12)
    # the reproduction's "boolean-fixed" kind: same labels as "boolean"
    _, y_fixed, _, _ = make_problem("boolean-fixed", 50, d, random_state=2)
    _, y_boolean, _, _ = make_problem("boolean", 50, d, random_state=2)
    assert_allclose(y_fixed, y_boolean, atol=1e-9)
