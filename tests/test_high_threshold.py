"""Tests of HighThresholdLayerRecovery (ICLR 2019 submission on high-threshold
networks): the paper's recovery claims at small scale, the formulas against finite
differences and quadrature, and the errors on bad input."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.integrate import quad
from scipy.stats import norm, ortho_group

from sklearn_polynn import HighThresholdLayerRecovery
from sklearn_polynn import _high_threshold as ht
from sklearn_polynn.datasets import make_high_threshold_network
from sklearn_polynn.hermite import scaled_hermite
from sklearn_polynn.high_threshold import _hidden_unit, _unit_hermite_coefficients
from sklearn_polynn.metrics import parameter_recovery_error

N_FEATURES, N_HIDDEN = 20, 3
T_HIGH = math.sqrt(2.0 * math.log(N_FEATURES))  # t = sqrt(2 eta log n), eta = 1


def _network(n_samples, threshold, seed, **kwargs):
    kwargs.setdefault("upper", "monotone")
    return make_high_threshold_network(
        n_samples,
        kwargs.pop("n_features", N_FEATURES),
        kwargs.pop("n_hidden", N_HIDDEN),
        threshold,
        return_truth=True,
        random_state=seed,
        **kwargs,
    )


def _error(truth, est, sign_invariant=False):
    return parameter_recovery_error(
        truth.hidden_weights, est.hidden_weights_, sign_invariant=sign_invariant
    )[0]


@pytest.fixture(scope="module")
def high_threshold_data():
    """n=20, d=3, t = sqrt(2 log n), P linear plus small products (Assumption 1)."""
    return _network(300_000, T_HIGH, seed=0)


# ------------------------------------------------------------ formulas
def _finite_difference(fun, P, eps=1e-6):
    grad = np.zeros_like(P)
    for idx in np.ndindex(P.shape):
        step = np.zeros_like(P)
        step[idx] = eps
        grad[idx] = (fun(P + step) - fun(P - step)) / (2 * eps)
    return grad


def test_loss_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    X, f = rng.standard_normal((300, 4)), rng.standard_normal(300)
    Z, B = rng.standard_normal((4, 3)), rng.standard_normal((4, 4))
    _, grad, _ = ht.landscape_loss(X, f, Z, 0.3, -0.2, 3.0, np, batch_rows=64)
    numeric = _finite_difference(
        lambda Z: ht.landscape_loss(X, f, Z, 0.3, -0.2, 3.0, np)[0], Z
    )
    assert_allclose(grad, numeric, rtol=1e-6, atol=1e-7)
    _, grad, _ = ht.even_loss(X, f, Z, -0.2, np, batch_rows=64)
    numeric = _finite_difference(lambda Z: ht.even_loss(X, f, Z, -0.2, np)[0], Z)
    assert_allclose(grad, numeric, rtol=1e-6, atol=1e-7)
    _, grad = ht.simultaneous_loss(X, f, B, 0.3, -0.2, 3.0, 0.01, np, batch_rows=64)
    numeric = _finite_difference(
        lambda B: ht.simultaneous_loss(X, f, B, 0.3, -0.2, 3.0, 0.01, np)[0], B
    )
    assert_allclose(grad, numeric, rtol=1e-6, atol=1e-7)


def test_hermite_correlations_match_the_hermite_module():
    rng = np.random.default_rng(3)
    X, f, Z = (
        rng.standard_normal((400, 5)),
        rng.standard_normal(400),
        rng.random((5, 3)),
    )
    e2, e4 = ht.hermite_correlations(X, f, Z, np, batch_rows=97)
    assert_allclose(e2, f @ scaled_hermite(2, X, Z) / 400, rtol=1e-10)
    assert_allclose(e4, f @ scaled_hermite(4, X, Z) / 400, rtol=1e-10)


def test_batches_do_not_change_the_loss():
    rng = np.random.default_rng(1)
    X, f, Z = rng.standard_normal((500, 5)), rng.standard_normal(500), np.eye(5)[:, :2]
    full = ht.landscape_loss(X, f, Z, 0.3, 0.2, 2.0, np)
    batched = ht.landscape_loss(X, f, Z, 0.3, 0.2, 2.0, np, batch_rows=37)
    assert_allclose(full[0], batched[0], rtol=1e-12)
    assert_allclose(full[1], batched[1], rtol=1e-10)


def test_landscape_loss_population_values():
    """For f = u(w^T x - t): E[f H_4(z)] / u4 = (w.z)^4, E[f H_2(z)] / u2 = (w.z)^2."""
    rng = np.random.default_rng(2)
    t = 0.5
    X = rng.standard_normal((400_000, 3))
    f = np.maximum(X[:, 0] - t, 0.0)
    f -= np.median(f)
    coef = _unit_hermite_coefficients("relu", _hidden_unit("relu"), t)
    z = np.array([[0.8], [0.9], [0.3]])
    # penalty 0: the loss is -m4 = -(w.z)^4
    loss = ht.landscape_loss(X, f, z, coef[2], coef[4], 0.0, np)[0]
    assert_allclose(loss, -(0.8**4), rtol=0.1)


@pytest.mark.parametrize("t", [0.0, 1.5, 2.5])
def test_step_hermite_coefficients_match_quadrature(t):
    """Step 1[g > t]: u_hat_k = sqrt(k+1) * (thresholded ReLU's u_hat_{k+1})."""
    coef = _unit_hermite_coefficients("sign", _hidden_unit("sign"), t)
    for k in range(5):
        He = np.polynomial.hermite_e.HermiteE.basis(k)
        exact = quad(lambda g: norm.pdf(g) * He(g), t, np.inf)[0] / math.sqrt(
            math.factorial(k)
        )
        assert_allclose(coef[k], exact, atol=1e-10)


def test_estimate_tan_alpha_measures_known_angles(high_threshold_data):
    X, y, truth = high_threshold_data
    positive = (y > np.median(y)).astype(float)
    w = truth.hidden_weights[:, 0]
    rng = np.random.default_rng(0)
    for alpha in (0.2, 0.05, 0.02):
        v = rng.standard_normal(N_FEATURES)
        v -= (v @ w) * w
        z = math.cos(alpha) * w + math.sin(alpha) * v / np.linalg.norm(v)
        estimate = math.atan(ht.estimate_tan_alpha(X @ z, positive, T_HIGH))
        assert estimate == pytest.approx(alpha, rel=0.3)


def _tan_alpha_errors(data, alphas, n_directions=4):
    """Relative errors of both EstimateTanAlpha variants at known angles."""
    X, y, truth = data
    positive = (y > np.median(y)).astype(float)
    rng = np.random.default_rng(0)
    errors = {"probit": [], "bands": []}
    for alpha in alphas:
        for k in range(n_directions):
            w = truth.hidden_weights[:, k % N_HIDDEN]
            v = rng.standard_normal(N_FEATURES)
            v -= (v @ w) * w
            z = math.cos(alpha) * w + math.sin(alpha) * v / np.linalg.norm(v)
            s = X @ z
            for name, fun in (
                ("probit", ht.estimate_tan_alpha),
                ("bands", ht.estimate_tan_alpha_bands),
            ):
                errors[name].append(math.atan(fun(s, positive, T_HIGH)) / alpha - 1)
    return {k: np.asarray(v) for k, v in errors.items()}


def test_band_frequencies_measure_known_angles_less_precisely(high_threshold_data):
    """Algorithm 2 as stated (band frequencies) is within 50% at 300k samples;
    the probit fit of the same bands is several times more precise (the
    default)."""
    errors = _tan_alpha_errors(high_threshold_data, (0.2, 0.05))
    assert np.all(np.abs(errors["bands"]) < 0.5)
    rms = {k: math.sqrt(np.mean(v**2)) for k, v in errors.items()}
    assert rms["probit"] < 0.5 * rms["bands"]


def test_refine_with_band_frequencies_reports_their_held_out_estimate(
    high_threshold_data,
):
    """tan_alpha="bands" runs RefineEstimate on Algorithm 2's frequencies, and
    recovery_trace_ is their estimate on the odd rows for the final direction.
    (Their noise, 10-70% at these sizes, is far above the 2.5% drop an accept
    needs, so they refine little: 0.077 -> 0.076 in 60 steps here.)"""
    X, y, _ = high_threshold_data
    X, y = X[:100_000], y[:100_000]
    est = HighThresholdLayerRecovery(
        n_hidden=N_HIDDEN, threshold=T_HIGH, tan_alpha="bands", refine_iter=10
    ).fit(X, y)
    positive = (y > np.median(y)).astype(float)
    for j in range(N_HIDDEN):
        s = X[1::2] @ est.hidden_weights_[:, j]
        expected = math.atan(ht.estimate_tan_alpha_bands(s, positive[1::2], T_HIGH))
        assert est.recovery_trace_[j, -1] == pytest.approx(expected, rel=1e-12)


# ----------------------------------------------------- recovery claims
def test_landscape_recovers_relu_network(high_threshold_data):
    """Claim 2: t = sqrt(2 log n), n=20, d=3 -> max error <= 0.1."""
    X, y, truth = high_threshold_data
    est = HighThresholdLayerRecovery(
        n_hidden=N_HIDDEN, threshold=T_HIGH, refine=False, random_state=0
    ).fit(X, y)
    assert est.hidden_weights_.shape == (N_FEATURES, N_HIDDEN)
    assert_allclose(np.linalg.norm(est.hidden_weights_, axis=0), 1.0)
    assert _error(truth, est) < 0.1
    assert est.n_restarts_ >= N_HIDDEN
    assert est.recovery_trace_ is None


def test_signs_are_fixed_jointly_for_correlated_columns():
    """E[f x] = u1 W* c: column by column, E[f w_j^T x] can have the wrong sign
    when the other columns correlate negatively with w_j; W^+ E[f x] cannot."""
    rng = np.random.default_rng(0)
    gram = np.full((3, 3), -0.4) + 1.4 * np.eye(3)
    W = np.zeros((6, 3))
    W[:3] = np.linalg.cholesky(gram).T
    X = rng.standard_normal((300_000, 6))
    H = np.maximum(X @ W - 2.0, 0.0)
    y = H @ np.array([0.5, 1.0, 1.5]) + 0.3 * H[:, 0] * H[:, 1]
    # the column-by-column rule is wrong for w_1 (c_1 = 0.5) here
    assert (y - np.median(y)) @ X @ W[:, 0] < 0
    est = HighThresholdLayerRecovery(
        n_hidden=3, threshold=2.0, refine=False, random_state=0
    ).fit(X, y)
    error, matching = parameter_recovery_error(W, est.hidden_weights_)
    assert np.all(np.sum(W * est.hidden_weights_[:, matching], axis=0) > 0.9)
    assert error == pytest.approx(
        parameter_recovery_error(W, est.hidden_weights_, sign_invariant=True)[0]
    )


def test_n_hidden_none_finds_the_number_of_units(high_threshold_data):
    X, y, _ = high_threshold_data
    est = HighThresholdLayerRecovery(threshold=T_HIGH, refine=False, random_state=0)
    assert est.fit(X, y).n_hidden_ == N_HIDDEN


def test_simultaneous_recovers_relu_network(high_threshold_data):
    """App. B.4 / Theorem 11: one objective for all of W*."""
    X, y, truth = high_threshold_data
    est = HighThresholdLayerRecovery(
        n_hidden=N_HIDDEN,
        threshold=T_HIGH,
        method="simultaneous",
        refine=False,
        random_state=0,
    ).fit(X, y)
    assert _error(truth, est) < 0.15


@pytest.mark.parametrize(
    "method, bound", [("landscape", 0.1), ("simultaneous", 0.15), ("even", 0.1)]
)
def test_lbfgs_recovers_as_gd_in_fewer_iterations(high_threshold_data, method, bound):
    """Issue 13: L-BFGS-B reaches the minima GD reaches, in fewer iterations."""
    if method == "even":
        W = ortho_group.rvs(10, random_state=0)[:, :3]
        X = np.random.default_rng(0).standard_normal((100_000, 10))
        H = np.abs(X @ W)
        y = H @ np.array([1.0, 0.8, 1.2]) + 0.2 * H[:, 0] * H[:, 1]
        params = {"activation": (np.abs, np.sign)}
    else:
        X, y, truth = high_threshold_data
        W, params = truth.hidden_weights, {"threshold": T_HIGH, "refine": False}
    fits = {
        solver: HighThresholdLayerRecovery(
            n_hidden=3, method=method, solver=solver, random_state=0, **params
        ).fit(X, y)
        for solver in ("lbfgs", "gd")
    }
    even = method == "even"
    errors = {
        solver: parameter_recovery_error(W, est.hidden_weights_, sign_invariant=even)[0]
        for solver, est in fits.items()
    }
    assert errors["lbfgs"] < bound
    assert errors["lbfgs"] == pytest.approx(errors["gd"], abs=2e-3)
    assert fits["lbfgs"].n_iter_ < 0.5 * fits["gd"].n_iter_
    assert len(fits["lbfgs"].loss_curve_) == fits["lbfgs"].n_iter_


@pytest.mark.parametrize("method", ["landscape", "simultaneous"])
def test_control_variates_sharpen_the_recovery(high_threshold_data, method):
    """Issue 15: moments as E[(f - g) phi] + E_N(0,I)[g phi] (g the fitted P)
    have the plain moments' mean and a fraction of their variance. Measured at
    these sizes: 0.077 -> 0.014 ("landscape"), 0.083 -> 0.028 ("simultaneous")."""
    X, y, truth = high_threshold_data
    params = {"n_hidden": N_HIDDEN, "threshold": T_HIGH, "refine": False}
    plain = HighThresholdLayerRecovery(method=method, random_state=0, **params)
    est = HighThresholdLayerRecovery(
        method=method, control_variates=1, random_state=0, **params
    )
    plain_error, error = _error(truth, plain.fit(X, y)), _error(truth, est.fit(X, y))
    assert error < 0.035
    assert error < 0.4 * plain_error
    assert est.score(X, y) > plain.score(X, y)


@pytest.mark.parametrize("weighted", [False, True])
def test_upper_fit_aggregating_zero_rows_equals_the_dense_ridge(weighted):
    """Rows with every unit off enter P's ridge as one aggregated row: the
    solution is the dense weighted ridge on all rows."""
    X, y, _ = _network(40_000, 2.0, seed=1, n_features=6, n_hidden=2)
    w = np.random.RandomState(0).uniform(0.5, 2.0, X.shape[0]) if weighted else None
    est = HighThresholdLayerRecovery(n_hidden=2, threshold=2.0, refine=False)
    est.fit(X, y, sample_weight=w)
    H = est.transform(X)
    assert np.mean(np.all(H == 0, axis=1)) > 0.8  # the aggregated path ran
    Phi = ht.multilinear_features(H, est.upper_powers_, np)
    w = np.ones_like(y) if w is None else w
    mean, mean_y = w @ Phi / w.sum(), w @ y / w.sum()
    std = np.sqrt(w @ (Phi - mean) ** 2 / w.sum())
    std[std == 0] = 1.0
    A = (Phi - mean) / std * np.sqrt(w)[:, None]
    A = np.vstack([A, np.sqrt(est.alpha) * np.eye(Phi.shape[1])])
    b = np.concatenate([(y - mean_y) * np.sqrt(w), np.zeros(Phi.shape[1])])
    coef = np.linalg.lstsq(A, b, rcond=None)[0] / std
    assert_allclose(est.upper_coef_, coef, rtol=1e-8)
    assert est.upper_intercept_ == pytest.approx(mean_y - mean @ coef, rel=1e-8)


def test_control_variates_leave_the_even_method_unchanged():
    W = ortho_group.rvs(8, random_state=0)[:, :2]
    X = np.random.default_rng(0).standard_normal((20_000, 8))
    y = np.abs(X @ W).sum(axis=1)
    params = {"method": "even", "activation": (np.abs, np.sign), "n_hidden": 2}
    a = HighThresholdLayerRecovery(random_state=0, **params).fit(X, y)
    b = HighThresholdLayerRecovery(control_variates=2, random_state=0, **params)
    assert_allclose(b.fit(X, y).hidden_weights_, a.hidden_weights_)


def test_unknown_solver_is_rejected(high_threshold_data):
    X, y, _ = high_threshold_data
    est = HighThresholdLayerRecovery(threshold=T_HIGH, solver="newton")
    with pytest.raises(ValueError, match=r"'solver' parameter .*'gd'.*Got 'newton'"):
        est.fit(X[:1000], y[:1000])


@pytest.mark.parametrize("solver", ["lbfgs", "gd"])
def test_max_iter_warning_points_at_the_callers_line(high_threshold_data, solver):
    from sklearn.exceptions import ConvergenceWarning

    X, y, _ = high_threshold_data
    est = HighThresholdLayerRecovery(
        n_hidden=N_HIDDEN,
        threshold=T_HIGH,
        refine=False,
        solver=solver,
        max_iter=2,
        n_restarts=3,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning, match="maximum iterations") as record:
        est.fit(X[:50_000], y[:50_000])
    assert {w.filename for w in record} == {__file__}


def test_threshold_zero_degrades_on_the_same_polynomial(high_threshold_data):
    """The role of t: same W* and P (same seed), t = 0 against t = sqrt(2 log n).

    At t = 0 the product terms of P are as large as the linear ones and the
    error is a bias (0.27 at 100k samples, 0.23 at 300k): it does not shrink
    with n_samples the way the high-threshold error does.
    """
    X, y, truth = high_threshold_data
    high = HighThresholdLayerRecovery(
        n_hidden=N_HIDDEN, threshold=T_HIGH, refine=False, random_state=0
    ).fit(X, y)
    X0, y0, truth0 = _network(100_000, 0.0, seed=0)
    assert_allclose(truth0.hidden_weights, truth.hidden_weights)
    assert_allclose(truth0.upper_coef, truth.upper_coef)
    zero = HighThresholdLayerRecovery(
        n_hidden=N_HIDDEN, threshold=0.0, refine=False, max_iter=300, random_state=0
    ).fit(X0, y0)
    assert _error(truth0, zero) > 0.2
    assert _error(truth0, zero) > 2.5 * _error(truth, high)


@pytest.fixture(scope="module")
def refined(high_threshold_data):
    """Landscape + 100 RefineEstimate steps on 200k samples, and without them."""
    X, y, _ = high_threshold_data
    X, y = X[:200_000], y[:200_000]
    params = {"n_hidden": N_HIDDEN, "threshold": T_HIGH, "random_state": 0}
    plain = HighThresholdLayerRecovery(refine=False, **params).fit(X, y)
    refined = HighThresholdLayerRecovery(refine_iter=100, **params).fit(X, y)
    return plain, refined


def test_refine_drives_the_error_down(high_threshold_data, refined):
    """Sec. 2.1 / Thm 5: RefineEstimate shrinks the angle of each column."""
    _, _, truth = high_threshold_data
    plain, est = refined
    assert _error(truth, est) < 0.5 * _error(truth, plain)
    trace = est.recovery_trace_
    assert trace.shape == (N_HIDDEN, 101)
    assert np.all(trace[:, -1] < 0.5 * trace[:, 0])
    # the estimated angles track the true ones
    true_angles = np.arccos(
        np.clip(np.abs(truth.hidden_weights.T @ est.hidden_weights_).max(0), 0, 1)
    )
    assert_allclose(np.sort(trace[:, -1]), np.sort(true_angles), atol=0.02)


@pytest.mark.parametrize("n_iter", [200, pytest.param(600, marks=pytest.mark.slow)])
def test_recovery_trace_is_an_honest_estimate(n_iter):
    """The reported angle is within a factor 2 of the true one (issue 15).

    When the rows that decide the accepts also report (the first version),
    this configuration reported 0.28x the true angle at 200 steps and 0.0x
    (tan alpha fitted to 0) at 600.
    """
    X, y, truth = _network(100_000, 2.146, 0, n_features=10, n_hidden=1)
    est = HighThresholdLayerRecovery(
        n_hidden=1, threshold=2.146, refine_iter=n_iter, random_state=0
    ).fit(X, y)
    true = _error(truth, est)
    reported = est.recovery_trace_[0, -1]
    assert 0.5 * true <= reported <= 2.0 * true
    assert true < 0.01


def test_refine_improves_with_more_samples(high_threshold_data, refined):
    """Arbitrary precision given enough samples: 4x the samples, smaller error."""
    X, y, truth = high_threshold_data
    few = HighThresholdLayerRecovery(
        n_hidden=N_HIDDEN, threshold=T_HIGH, refine_iter=100, random_state=0
    ).fit(X[:50_000], y[:50_000])
    assert _error(truth, refined[1]) < 0.7 * _error(truth, few)


def test_predict_once_w_is_recovered(high_threshold_data, refined):
    X, y, truth = high_threshold_data
    X_test, y_test = X[200_000:], y[200_000:]
    est = refined[1]
    assert _error(truth, est) < 0.05
    assert est.score(X_test, y_test) >= 0.99
    # the fitted polynomial is what predict evaluates
    H = est.transform(X_test)
    assert_allclose(H, np.maximum(X_test @ est.hidden_weights_ - T_HIGH, 0.0))
    monomials = np.prod(H[:, None, :] ** est.upper_powers_[None], axis=2)
    manual = est.upper_intercept_ + monomials @ est.upper_coef_
    assert_allclose(est.predict(X_test), manual, rtol=1e-10, atol=1e-12)


def test_union_of_halfspaces_with_step_units():
    """App. B.6: "sign" is the 0/1 unit 1[w^T x > t]; landscape + refinement."""
    X, y, truth = _network(200_000, 2.0, seed=0, n_features=10, activation="sign")
    est = HighThresholdLayerRecovery(
        n_hidden=3, threshold=2.0, activation="sign", refine_iter=60, random_state=0
    ).fit(X, y)
    assert _error(truth, est) < 0.05
    assert set(np.unique(est.transform(X[:1000]))) <= {0.0, 1.0}


def test_verbose_prints_the_loss(capsys):
    X, y, _ = _network(20_000, 2.0, seed=0, n_features=6, n_hidden=2)
    est = HighThresholdLayerRecovery(
        n_hidden=2, threshold=2.0, refine=False, verbose=1, random_state=0
    ).fit(X, y)
    out = capsys.readouterr().out
    assert "Iteration 1, loss = " in out
    assert len(est.loss_curve_) == est.n_iter_ > 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_correlation_graph_recovers_binary_supports_exactly(seed):
    """Thm 7: binary disjoint W*, u = exp(a - t): supports are the cliques."""
    X, y, truth = _network(
        50_000, 5.0, seed, n_features=12, activation="exp", binary=True
    )
    est = HighThresholdLayerRecovery(
        method="correlation_graph", activation="exp", n_hidden=3
    ).fit(X, y)
    true = sorted(tuple(np.flatnonzero(w)) for w in truth.hidden_weights.T)
    found = sorted(tuple(np.flatnonzero(w)) for w in est.hidden_weights_.T)
    assert found == true
    assert_allclose(est.hidden_scale_, math.sqrt(3.0))
    assert est.correlation_gap_ratio_ > 1.5
    assert est.score(X, y) > 0.999


def test_even_activation_recovers_orthonormal_weights():
    """Thm 9: even u (|a|), threshold 0, orthonormal W*."""
    rng = np.random.default_rng(0)
    W = ortho_group.rvs(10, random_state=0)[:, :3]
    X = rng.standard_normal((100_000, 10))
    H = np.abs(X @ W)
    y = H @ np.array([1.0, 0.8, 1.2]) + 0.2 * H[:, 0] * H[:, 1]
    est = HighThresholdLayerRecovery(
        method="even", activation=(np.abs, np.sign), n_hidden=3, random_state=0
    ).fit(X, y)
    error = parameter_recovery_error(W, est.hidden_weights_, sign_invariant=True)[0]
    assert error < 0.1
    assert est.score(X, y) > 0.99


def test_same_random_state_same_model(high_threshold_data):
    X, y, _ = high_threshold_data
    X, y = X[:100_000], y[:100_000]
    params = {
        "n_hidden": N_HIDDEN,
        "threshold": T_HIGH,
        "refine": False,
        "random_state": 3,
    }
    a = HighThresholdLayerRecovery(**params).fit(X, y)
    b = HighThresholdLayerRecovery(**params).fit(X, y)
    assert_allclose(a.hidden_weights_, b.hidden_weights_)


# ------------------------------------------------------------ bad input
def test_negative_threshold_is_rejected():
    X, y, _ = _network(2000, 2.0, seed=0)
    with pytest.raises(ValueError, match="threshold must be >= 0"):
        HighThresholdLayerRecovery(threshold=-1.0, refine=False).fit(X, y)


def test_missing_threshold_is_rejected():
    X, y, _ = _network(2000, 2.0, seed=0)
    with pytest.raises(ValueError, match="threshold is required"):
        HighThresholdLayerRecovery(refine=False).fit(X, y)


def test_more_hidden_units_than_features_is_rejected():
    X, y, _ = _network(2000, 2.0, seed=0, n_features=4)
    with pytest.raises(ValueError, match=r"n_hidden=5 exceeds n_features=4"):
        HighThresholdLayerRecovery(n_hidden=5, threshold=2.0).fit(X, y)


def _sparse_binary(seed, n_samples=50_000):
    """n=30, d=5 binary 5-sparse columns, u = exp: the issue-15 instances."""
    return _network(
        n_samples,
        5.0,
        seed,
        n_features=30,
        n_hidden=5,
        activation="exp",
        binary=True,
        ones_per_column=5,
        upper="linear",
    )


@pytest.mark.parametrize("seed, weak", [(2, True), (3, False)])
def test_correlation_graph_cuts_at_the_gap_giving_n_hidden_cliques(seed, weak):
    """Separable instances (every clique correlation above every cross one) with
    a gap ratio below 2 were rejected by the fixed 2x rule (1 of 12 accepted;
    now the 7 separable ones of the 12 are)."""
    import warnings

    X, y, truth = _sparse_binary(seed)
    est = HighThresholdLayerRecovery(
        method="correlation_graph", activation="exp", n_hidden=5
    )
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        est.fit(X, y)
    true = sorted(tuple(np.flatnonzero(w)) for w in truth.hidden_weights.T)
    found = sorted(tuple(np.flatnonzero(w)) for w in est.hidden_weights_.T)
    assert found == true
    assert (est.correlation_gap_ratio_ < 1.5) == weak
    assert any("gap of ratio" in str(w.message) for w in record) == weak


def test_correlation_graph_without_a_usable_gap_says_so():
    X, y, _ = _sparse_binary(0)  # largest cross correlation above a clique one
    est = HighThresholdLayerRecovery(
        method="correlation_graph", activation="exp", n_hidden=5
    )
    with pytest.raises(ValueError, match=r"no usable gap.*Largest gaps: ratio \d"):
        est.fit(X, y)


def test_correlation_graph_rejects_non_binary_weights():
    X, y, _ = _network(20_000, 5.0, seed=0, n_features=12, activation="exp")
    with pytest.raises(ValueError, match="no usable gap.*needs W\\* with binary"):
        HighThresholdLayerRecovery(
            method="correlation_graph", activation="exp", n_hidden=3
        ).fit(X, y)


def test_too_few_samples_for_the_bands_says_how_many():
    X, y, _ = _network(5000, T_HIGH, seed=0)
    needed = ht.min_samples_for_bands(T_HIGH)
    assert needed > 5000
    with pytest.raises(ValueError, match=f"at least {needed} samples; got 5000"):
        HighThresholdLayerRecovery(threshold=T_HIGH).fit(X, y)


def test_refine_needs_an_activation_that_vanishes_below_threshold():
    X, y, _ = _network(2000, 2.0, seed=0, activation="sigmoid")
    with pytest.raises(ValueError, match="0 below the threshold"):
        HighThresholdLayerRecovery(activation="sigmoid", threshold=2.0).fit(X, y)


def test_even_method_needs_threshold_zero():
    X, y, _ = _network(2000, 2.0, seed=0)
    with pytest.raises(ValueError, match="method='even'"):
        HighThresholdLayerRecovery(method="even", threshold=1.0).fit(X, y)


def test_vanishing_fourth_coefficient_is_reported():
    # relu at t = 1: u_hat_4 = phi(1) He_2(1) / sqrt(24) = 0
    X, y, _ = _network(2000, 1.0, seed=0)
    with pytest.raises(ValueError, match="u_hat_4 != 0"):
        HighThresholdLayerRecovery(threshold=1.0, refine=False).fit(X, y)


@pytest.mark.gpu
def test_cuda_matches_cpu(high_threshold_data):
    X, y, _ = high_threshold_data
    params = {
        "n_hidden": N_HIDDEN,
        "threshold": T_HIGH,
        "refine_iter": 20,
        "random_state": 0,
    }
    cpu = HighThresholdLayerRecovery(**params).fit(X, y)
    gpu = HighThresholdLayerRecovery(device="cuda", **params).fit(X, y)
    assert isinstance(gpu.hidden_weights_, np.ndarray)
    assert_allclose(gpu.hidden_weights_, cpu.hidden_weights_, atol=1e-6)
    assert_allclose(gpu.predict(X[:100]), cpu.predict(X[:100]), rtol=1e-6, atol=1e-9)


# ------------------------------------------- robustness (issue 16)
@pytest.mark.parametrize(
    "params",
    [
        {"threshold": 2.0, "refine": False},
        {"threshold": 2.0, "method": "simultaneous"},
        {"method": "correlation_graph", "activation": "exp"},
        {"method": "even"},
    ],
)
def test_constant_y_is_a_clear_value_error(params):
    X, _, _ = _network(2000, 2.0, seed=0)
    with pytest.raises(ValueError, match="y is constant"):
        HighThresholdLayerRecovery(**params).fit(X, np.full(2000, 3.0))


@pytest.mark.parametrize("transform", ["tiny", "ill_conditioned"])
def test_badly_scaled_input_warns_to_whiten(high_threshold_data, transform):
    X, y, _ = high_threshold_data
    X, y = X[:20_000], y[:20_000]
    if transform == "tiny":
        X = X * 1e-4
    else:
        X = X @ np.diag(np.geomspace(0.1, 10.0, X.shape[1]))
    est = HighThresholdLayerRecovery(n_hidden=N_HIDDEN, threshold=T_HIGH, refine=False)
    with pytest.warns(UserWarning, match="assumes x ~ N\\(0, I\\).*Whiten") as record:
        est.fit(X, y)
    assert any(w.filename == __file__ for w in record)  # stacklevel: the caller


def test_standard_gaussian_input_does_not_warn(high_threshold_data):
    import warnings

    X, y, _ = high_threshold_data
    est = HighThresholdLayerRecovery(n_hidden=N_HIDDEN, threshold=T_HIGH, refine=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        est.fit(X[:100_000], y[:100_000])


@pytest.mark.parametrize(
    "name", ["n_hidden", "refine_iter", "upper_degree", "max_iter"]
)
def test_boolean_integer_parameters_are_rejected(name):
    X, y, _ = _network(2000, 2.0, seed=0)
    est = HighThresholdLayerRecovery(threshold=2.0, refine=False, **{name: True})
    with pytest.raises(
        ValueError, match=rf"The '{name}' parameter of \w+ must be an int"
    ):
        est.fit(X, y)


# -------------------------------------- scikit-learn conventions (issue 17)
def test_feature_names_out_and_pandas_output(high_threshold_data):
    pd = pytest.importorskip("pandas")
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline

    X, y, _ = high_threshold_data
    X, y = X[:20_000], y[:20_000]
    params = {"n_hidden": N_HIDDEN, "threshold": T_HIGH, "refine": False}
    est = HighThresholdLayerRecovery(**params).fit(X, y)
    names = [f"highthresholdlayerrecovery{i}" for i in range(N_HIDDEN)]
    assert list(est.get_feature_names_out()) == names
    out = est.set_output(transform="pandas").transform(X)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == names
    pipe = make_pipeline(HighThresholdLayerRecovery(**params), Ridge())
    pipe.set_output(transform="pandas").fit(X, y)
    assert pipe.score(X, y) > 0.7  # linear in the units: misses the products of P
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    ct = ColumnTransformer([("ht", HighThresholdLayerRecovery(**params), list(frame))])
    ct.fit(frame, y)
    assert list(ct.get_feature_names_out()) == [f"ht__{n}" for n in names]


def test_weighted_median_is_the_median_of_repeated_rows():
    import array_api_compat.numpy as xp

    from sklearn_polynn.high_threshold import _median

    rng = np.random.RandomState(0)
    for size in (1, 2, 7, 10):
        y = rng.standard_normal(size)
        w = rng.randint(0, 4, size).astype(float)
        w[0] += 1.0  # positive total
        expected = np.median(np.repeat(y, w.astype(int)))
        assert _median(y, w, xp) == pytest.approx(expected, rel=1e-15)
        assert _median(y, None, xp) == np.median(y)


def test_integer_sample_weight_equals_repeated_rows():
    # refine=False: RefineEstimate's even/odd halves differ between the two fits
    X, y, _ = _network(60_000, 2.0, seed=1, n_features=6, n_hidden=2)
    w = np.random.RandomState(0).randint(0, 3, X.shape[0])
    params = {"n_hidden": 2, "threshold": 2.0, "refine": False, "random_state": 0}
    weighted = HighThresholdLayerRecovery(**params).fit(X, y, sample_weight=w)
    repeated = HighThresholdLayerRecovery(**params).fit(
        np.repeat(X, w, axis=0), np.repeat(y, w)
    )
    assert_allclose(weighted.hidden_weights_, repeated.hidden_weights_, atol=1e-6)
    assert_allclose(weighted.predict(X), repeated.predict(X), rtol=1e-6, atol=1e-8)
    unweighted = HighThresholdLayerRecovery(**params).fit(X, y)
    assert not np.allclose(unweighted.predict(X), weighted.predict(X), rtol=1e-6)


# ------------------------------------ silent degradation warnings (issue 15c)
def test_too_few_samples_above_the_threshold_warns_with_the_count():
    X, y, _ = _network(50_000, 3.5, seed=0)
    est = HighThresholdLayerRecovery(n_hidden=N_HIDDEN, threshold=3.5, refine=False)
    needed = 25 * N_FEATURES
    with pytest.warns(UserWarning, match=f"needs about {needed} of them") as record:
        est.fit(X, y)
    assert any(w.filename == __file__ for w in record)


def _even_network(W, n_samples=100_000):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_samples, W.shape[0]))
    H = np.abs(X @ W)
    return X, H @ np.array([1.0, 0.8, 1.2]) + 0.2 * H[:, 0] * H[:, 1]


@pytest.mark.parametrize("orthonormal", [True, False])
def test_even_method_warns_when_w_is_not_orthonormal(orthonormal):
    import warnings

    W = ortho_group.rvs(10, random_state=0)[:, :3]
    if not orthonormal:  # columns at |cos| 0.6 (Thm 9 assumes W^T W = I)
        W = W @ np.linalg.cholesky(np.full((3, 3), 0.6) + 0.4 * np.eye(3)).T
    X, y = _even_network(W)
    est = HighThresholdLayerRecovery(
        method="even", activation=(np.abs, np.sign), n_hidden=3, random_state=0
    )
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        est.fit(X, y)
    warned = [w for w in record if "assumes orthonormal" in str(w.message)]
    assert bool(warned) == (not orthonormal)


# ------------------------------------------ P with powers (issue 15e, App. B.8)
def test_powers_of_one_unit_are_fitted_when_asked():
    """On upper="powers" data (c_i2 X_i^2 + c_i3 X_i^3 terms) multilinear
    monomials miss the powers (test R^2 0.90 at 200k samples); unit_degree=3
    fits them (0.965). On multilinear data both fit alike (0.956, 0.952)."""
    X, y, _ = _network(150_000, T_HIGH, seed=0, upper="powers")
    X_test, y_test, X, y = X[100_000:], y[100_000:], X[:100_000], y[:100_000]
    params = {"n_hidden": N_HIDDEN, "threshold": T_HIGH, "refine": False}
    params["random_state"] = 0
    multilinear = HighThresholdLayerRecovery(**params).fit(X, y)
    powers = HighThresholdLayerRecovery(upper_degree=3, unit_degree=3, **params)
    powers.fit(X, y)
    assert powers.upper_powers_.max() == 3
    assert_allclose(powers.hidden_weights_, multilinear.hidden_weights_)
    assert powers.score(X_test, y_test) > multilinear.score(X_test, y_test) + 0.03
    # predict evaluates the fitted monomials, powers included
    H = powers.transform(X_test[:50])
    monomials = np.prod(H[:, None, :] ** powers.upper_powers_[None], axis=2)
    manual = powers.upper_intercept_ + monomials @ powers.upper_coef_
    assert_allclose(powers.predict(X_test[:50]), manual, rtol=1e-10, atol=1e-12)


def test_multilinear_powers_bound_each_exponent():
    powers = ht.multilinear_powers(3, 3, unit_degree=2)
    assert powers.sum(axis=1).max() == 3 and powers.max() == 2
    assert len({tuple(r) for r in powers.tolist()}) == len(powers)
    # 3 + 6 (degree 2: 3 pairs + 3 squares) + 7 (degree 3, no cubes) monomials
    assert len(powers) == 3 + 6 + 7
    assert_allclose(ht.multilinear_powers(4, 2), ht.multilinear_powers(4, 2, 1))


# ---------------------------------------------- array API (issue 12)


_ARRAY_API_CASES = {
    "refine_weighted": (
        {"n_hidden": 2, "threshold": 2.0, "refine_iter": 5, "unit_degree": 2},
        {"n_samples": 60_000, "threshold": 2.0, "upper": "powers"},
    ),
    "bands": (
        {"n_hidden": 2, "threshold": 2.0, "refine_iter": 5, "tan_alpha": "bands"},
        {"n_samples": 60_000, "threshold": 2.0},
    ),
    "simultaneous": (
        {"n_hidden": 2, "threshold": 2.0, "method": "simultaneous", "refine": False},
        {"n_samples": 4000, "threshold": 2.0},
    ),
    "correlation_graph": (
        {"n_hidden": 2, "method": "correlation_graph", "activation": "exp"},
        {"n_samples": 20_000, "threshold": 0.0, "activation": "exp", "binary": True},
    ),
    "even": (
        {"n_hidden": 2, "method": "even", "max_iter": 30},
        {"n_samples": 4000, "threshold": 0.0},
    ),
    "control_variates": (
        {"n_hidden": 2, "threshold": 2.0, "refine": False, "control_variates": 1},
        {"n_samples": 20_000, "threshold": 2.0},
    ),
    "landscape_gd": (
        {"n_hidden": 2, "threshold": 2.0, "refine": False, "solver": "gd"},
        {"n_samples": 20_000, "threshold": 2.0},
    ),
}


@pytest.mark.array_api
@pytest.mark.parametrize("case", sorted(_ARRAY_API_CASES))
def test_every_method_on_array_api_strict_matches_numpy(case):
    """The paths tests/test_array_api.py does not take (refinement, weights,
    powers, bands, the other methods) on array_api_strict's non-default device."""
    import warnings

    import sklearn
    from array_api_strict import Device, asarray

    from sklearn_polynn._backend import device_of, to_numpy

    params, data = _ARRAY_API_CASES[case]
    X, y = make_high_threshold_network(n_features=6, n_hidden=2, random_state=0, **data)
    w = np.random.RandomState(0).randint(1, 3, X.shape[0]).astype(float)
    fit_kwargs = {"sample_weight": w} if case == "refine_weighted" else {}
    device = Device("device1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = HighThresholdLayerRecovery(random_state=0, **params).fit(
            X, y, **fit_kwargs
        )
        with sklearn.config_context(array_api_dispatch=True):
            move = {k: asarray(v, device=device) for k, v in fit_kwargs.items()}
            est = HighThresholdLayerRecovery(random_state=0, **params).fit(
                asarray(X, device=device), asarray(y, device=device), **move
            )
            pred = est.predict(asarray(X, device=device))
    assert device_of(pred) == device and device_of(est.hidden_weights_) == device
    for attr in ("hidden_weights_", "upper_coef_", "recovery_trace_"):
        if getattr(ref, attr) is not None:
            got = to_numpy(getattr(est, attr))
            assert_allclose(got, getattr(ref, attr), rtol=1e-8, atol=1e-10)
    assert_allclose(to_numpy(pred), ref.predict(X), rtol=1e-8, atol=1e-10)
