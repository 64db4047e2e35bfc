"""Thm 6 / Corollary 1 / App. C.1: directions from delta-derivative correlations
(``HighThresholdLayerRecovery(method="delta_correlation")``)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning

from sklearn_polynn import HighThresholdLayerRecovery
from sklearn_polynn import _high_threshold_delta as htd
from sklearn_polynn.datasets import make_high_threshold_network
from sklearn_polynn.metrics import parameter_recovery_error

T = 1.0


def _orthogonal_network(n_samples, activation="sign", n=10, d=3, seed=0):
    """Corollary 1's setting: orthonormal ``W*``, units ``u(w_i^T x - t)``, ``P``
    with a linear part ``c_i ~ U[1/2, 3/2]`` and pairwise products of random
    sign ``+-U[0, 1/2]`` (not monotone)."""
    X, y, truth = make_high_threshold_network(
        n_samples,
        n,
        d,
        T,
        activation=activation,
        upper="polynomial",
        orthogonal=True,
        return_truth=True,
        random_state=seed,
    )
    return X, y, truth.hidden_weights, truth.upper_powers, truth.upper_coef


def _fit(X, y, activation="sign", **params):
    params = {"n_hidden": 3, "threshold": T, "random_state": 0, **params}
    return HighThresholdLayerRecovery(
        method="delta_correlation", activation=activation, **params
    ).fit(X, y)


def _max_angle(W, est):
    err, _ = parameter_recovery_error(W, est.hidden_weights_)
    return err


def test_corollary1_sign_units_orthogonal():
    # measured max angle 0.012 (data seeds 0-5: 0.007-0.021)
    X, y, W, _, _ = _orthogonal_network(50_000)
    est = _fit(X, y)
    assert _max_angle(W, est) < 0.03
    assert est.score(X, y) > 0.97  # measured 0.988
    assert est.recovery_trace_ is None  # refine is ignored


def test_number_of_units_from_thm6_test():
    X, y, W, _, _ = _orthogonal_network(50_000)
    est = _fit(X, y, n_hidden=None)
    assert est.n_hidden_ == 3
    assert _max_angle(W, est) < 0.03


def test_lemma8_value_at_w_and_contrast_far_from_w():
    # S(w_i*, t) -> phi(t) E[dP/dX_i | w_i^T x = t] (Lemma 8, Cor. 1's formula);
    # at angles >= 0.3 rad from every w_i*, |S| = O(h) (Claim 5)
    import array_api_compat.numpy as xp

    X, y, W, powers, coef = _orthogonal_network(100_000)
    f = y - np.median(y)
    h = 0.05
    at_w, se = htd.delta_correlation(X, f, W, T, h, 1, xp)
    expected = [htd.expected_jump(powers, coef, T, "sign", i) for i in range(3)]
    assert_allclose(at_w, expected, rtol=0.1)
    assert np.all(at_w > 10 * se)
    rng = np.random.RandomState(1)
    Z = rng.standard_normal((10, 200))
    Z /= np.linalg.norm(Z, axis=0)
    far = Z[:, np.max(np.abs(W.T @ Z), axis=0) < np.cos(0.3)]
    assert far.shape[1] > 150
    away = htd.delta_correlation(X, f, far, T, h, 1, xp)[0]
    # measured: S(w) = 0.339, 0.298, 0.192 against 0.344, 0.296, 0.196;
    # ratio min S(w) / max |S(far)| = 6.1
    assert np.min(at_w) > 4 * np.max(np.abs(away))


def test_without_density_ratio_the_far_correlation_is_large():
    # the paper's C2 differentiates phi(s) m(s): its phi'(s) E[P | z^T x = s]
    # term (Claim 4) dominates far from every w_i* at h = 0.5
    import array_api_compat.numpy as xp

    X, y, W, _, _ = _orthogonal_network(100_000)
    f = y - np.median(y)
    h = 0.5
    rng = np.random.RandomState(1)
    Z = rng.standard_normal((10, 50))
    Z /= np.linalg.norm(Z, axis=0)
    tilted = np.abs(htd.delta_correlation(X, f, Z, T, h, 1, xp)[0])
    V = (X @ Z - T) / h
    plain = np.abs(f @ (V * np.exp(-V * V / 2)) / len(f) / h)  # g = phi m
    assert np.median(plain) > 3 * np.median(tilted)  # measured 0.112 / 0.029


@pytest.mark.parametrize("broken", ["flipped_sign", "no_continuation"])
def test_broken_variants_fail(broken, monkeypatch):
    X, y, W, _, _ = _orthogonal_network(50_000)
    if broken == "flipped_sign":
        # C2 with the two deltas swapped: maximises -S
        real = htd.delta_correlation

        def flipped(*args, **kwargs):
            return tuple(
                -a if k != 1 else a for k, a in enumerate(real(*args, **kwargs))
            )

        monkeypatch.setattr(htd, "delta_correlation", flipped)
    else:
        # no smoothing schedule: the ascent starts at the final bandwidth, where
        # the peaks are O(h) wide needles that random starts miss
        monkeypatch.setattr(htd, "START_BANDWIDTH", htd.final_bandwidth(20_000, 1))
    with pytest.warns(ConvergenceWarning, match="fail Thm 6's test"):
        est = _fit(X, y)
    assert _max_angle(W, est) > 0.5


def test_appendix_c1_relu_units():
    # delta'' correlation; measured max angle 0.096 (data seeds 0-5: 0.075-0.105)
    X, y, W, powers, coef = _orthogonal_network(50_000, activation="relu")
    est = _fit(X, y, activation="relu")
    assert _max_angle(W, est) < 0.15
    expected = [htd.expected_jump(powers, coef, T, "relu", i) for i in range(3)]
    assert_allclose(np.sort(est.delta_correlation_), np.sort(expected), rtol=0.3)


def test_too_many_units_warns():
    X, y, _, _, _ = _orthogonal_network(50_000)
    with pytest.warns(ConvergenceWarning, match="1 of 4 directions fail"):
        est = _fit(X, y, n_hidden=4)
    assert est.n_hidden_ == 4


@pytest.mark.parametrize(
    "params, match",
    [
        ({"activation": "sigmoid"}, "activation='sign'.*or activation='relu'"),
        ({"threshold": None}, "threshold is required for method='delta_correlation'"),
    ],
)
def test_bad_parameters(params, match):
    X, y, _, _, _ = _orthogonal_network(2000)
    with pytest.raises(ValueError, match=match):
        _fit(X, y, **params)


def test_no_signal_raises():
    rng = np.random.RandomState(0)
    X = rng.standard_normal((20_000, 6))
    y = (rng.uniform(size=20_000) > 0.8).astype(float)  # independent of X
    with pytest.raises(ValueError, match="no direction passing Thm 6's test"):
        _fit(X, y, n_hidden=None)


def test_expected_jump_matches_corollary1_substitution():
    # 1/mu times the coefficient of X_i in P(mu (X_1 + 1), ..., mu (X_d + 1))
    powers = np.array([[1, 0], [0, 1], [1, 1]])
    coef = np.array([1.0, 2.0, 0.5])
    from scipy.stats import norm

    mu = norm.sf(T)
    assert htd.expected_jump(powers, coef, T, "sign", 0) == pytest.approx(
        norm.pdf(T) * (1.0 + 0.5 * mu)
    )
    with pytest.raises(ValueError, match="multilinear"):
        htd.expected_jump(np.array([[2, 0]]), np.array([1.0]), T, "sign", 0)


@pytest.mark.array_api
def test_array_api_strict_matches_numpy():
    import array_api_strict as xps
    import sklearn

    from sklearn_polynn._backend import device_of, to_numpy

    X, y, _, _, _ = _orthogonal_network(6000, n=6, d=2)
    params = {"n_hidden": 2, "threshold": T, "random_state": 0}
    reference = _fit(X, y, **params)
    device = xps.Device("device1")
    with sklearn.config_context(array_api_dispatch=True):
        est = _fit(
            xps.asarray(X, device=device), xps.asarray(y, device=device), **params
        )
        pred = est.predict(xps.asarray(X, device=device))
    assert device_of(est.hidden_weights_) == device
    assert device_of(pred) == device
    assert_allclose(to_numpy(est.hidden_weights_), reference.hidden_weights_, rtol=1e-8)
    assert_allclose(
        to_numpy(est.delta_correlation_), reference.delta_correlation_, rtol=1e-8
    )
    assert_allclose(to_numpy(pred), reference.predict(X), rtol=1e-8, atol=1e-10)


@pytest.mark.slow  # about 16 s: eight fits and the Lemma 8 profile
def test_reproduction_small(tmp_path):
    from sklearn_polynn.reproductions import get_reproduction

    result = get_reproduction("high-threshold-delta")(tmp_path, full=False, verbose=0)
    assert result["png"].endswith("high-threshold-delta.png")
    # measured peaks 0.344, 0.332, 0.336 against the limit 0.344
    assert_allclose(list(result["peak"].values()), result["corollary1_limit"], rtol=0.1)
    largest = {
        a: max(
            r["max_angle"]
            for r in result["recovery"]
            if r["n_samples"] == 100_000 and r["activation"] == a
        )
        for a in ("sign", "relu")
    }
    # measured 0.0064 (sign) and 0.053 (relu)
    assert largest["sign"] < 0.02 and largest["relu"] < 0.12


def test_standard_error_on_the_active_rows_equals_the_all_rows_one():
    """Thm 6's test runs on the rows with f != 0 only (f rescaled by their
    share r); its standard error must be that of the mean over all rows (the
    review found it 4-8 % low: the dropped rows' zero summands were missing)."""
    import array_api_compat.numpy as xp

    from sklearn_polynn._high_threshold_delta import delta_correlation

    rng = np.random.RandomState(0)
    X = rng.standard_normal((200_000, 3))
    f = (X[:, 0] > 1.5) + 0.3 * (X[:, 1] > 1.5)
    z = np.eye(3)[:, :1]
    value, stderr = delta_correlation(X, f, z, 1.5, 0.1, 1, xp)
    active = f != 0
    r = float(active.mean())
    args = (X[active], f[active] * r, z, 1.5, 0.1, 1, xp)
    value_a, stderr_a = delta_correlation(*args, active_fraction=r)
    assert_allclose(value_a, value, rtol=1e-12)
    assert_allclose(stderr_a, stderr, rtol=1e-12)
    assert delta_correlation(*args)[1][0] < 0.95 * stderr[0]  # without r
