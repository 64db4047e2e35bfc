"""Thm 8 (``method="binary_exp"``, App. D.2) and App. B.7 (``sampling="biased"``)
of the high-threshold paper."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sklearn_polynn import HighThresholdLayerRecovery
from sklearn_polynn import _high_threshold_binary as htb
from sklearn_polynn._backend import get_namespace
from sklearn_polynn.datasets import make_high_threshold_network
from sklearn_polynn.metrics import parameter_recovery_error


def _binary_network(n_samples, seed, upper="linear", n_features=12, n_hidden=3):
    return make_high_threshold_network(
        n_samples,
        n_features,
        n_hidden,
        0.0,
        activation="exp",
        binary=True,
        ones_per_column=3,
        upper=upper,
        return_truth=True,
        random_state=seed,
    )


def _supports(W):
    return sorted(tuple(np.flatnonzero(w)) for w in np.asarray(W).T)


# ------------------------------------------------------------------ Thm 8
def test_exp_correlation_matches_the_closed_form_of_app_d2():
    """``g(z) - g(0) = sum_S c_S e^{|U_S|/2} (e^{sum_{U_S} z} - 1)`` (App. D.2)."""
    X, y, truth = make_high_threshold_network(
        400_000,
        6,
        2,
        0.0,
        activation="exp",
        binary=True,
        ones_per_column=2,
        upper="monotone",
        return_truth=True,
        random_state=0,
    )
    rng = np.random.RandomState(1)
    z = 0.4 * rng.uniform(size=6)
    value, _ = htb.exp_correlation(X, y - y.mean(), z, get_namespace(X))
    s = truth.hidden_weights.T @ z  # the sums s_i over the supports
    expected = sum(
        c * math.exp(2 * p.sum() / 2.0) * (math.exp(p @ s) - 1.0)
        for p, c in zip(truth.upper_powers, truth.upper_coef)
    )
    assert_allclose(value, expected, rtol=0.05)


@pytest.mark.parametrize("seed", [100, 101, 102, 103])
@pytest.mark.parametrize("n_hidden", [3, None])
def test_binary_exp_recovers_disjoint_supports_exactly(seed, n_hidden):
    """Thm 8: u = e^a, no threshold, binary disjoint W*, P >= 0: exact supports."""
    X, y, truth = _binary_network(50_000, seed)
    est = HighThresholdLayerRecovery(
        method="binary_exp", activation="exp", n_hidden=n_hidden
    ).fit(X, y)
    assert _supports(est.hidden_weights_) == _supports(truth.hidden_weights)
    assert_allclose(est.hidden_scale_, math.sqrt(3.0))
    assert est.n_iter_ > 0
    assert est.score(X, y) > 0.999


def test_binary_exp_needs_the_exp_activation():
    X, y, _ = _binary_network(2000, 0)
    with pytest.raises(ValueError, match="activation='exp'"):
        HighThresholdLayerRecovery(method="binary_exp", activation="relu").fit(X, y)


def test_binary_exp_with_too_many_hidden_units_says_so():
    X, y, _ = _binary_network(20_000, 0, n_features=9)
    with pytest.raises(ValueError, match="fewer than n_hidden=5|no further support"):
        HighThresholdLayerRecovery(
            method="binary_exp", activation="exp", n_hidden=5
        ).fit(X, y)


@pytest.mark.array_api
def test_binary_exp_on_array_api_strict_matches_numpy():
    import sklearn
    from array_api_strict import Device, asarray

    from sklearn_polynn._backend import device_of, to_numpy

    X, y, _ = _binary_network(20_000, 0)
    params = {"method": "binary_exp", "activation": "exp", "n_hidden": 3}
    ref = HighThresholdLayerRecovery(**params).fit(X, y)
    device = Device("device1")
    with sklearn.config_context(array_api_dispatch=True):
        est = HighThresholdLayerRecovery(**params).fit(
            asarray(X, device=device), asarray(y, device=device)
        )
        pred = est.predict(asarray(X, device=device))
    assert device_of(pred) == device and device_of(est.hidden_weights_) == device
    for attr in ("hidden_weights_", "hidden_scale_", "upper_coef_"):
        got = to_numpy(getattr(est, attr))
        assert_allclose(got, getattr(ref, attr), rtol=1e-8, atol=1e-10)
    assert_allclose(to_numpy(pred), ref.predict(X), rtol=1e-8, atol=1e-10)


# ---------------------------------------------------------------- App. B.7
def test_biased_oracle_rows_follow_f_times_the_gaussian():
    """Oracle rows: ``E_b[x] = E[f x] / E[f]``, estimated from Gaussian rows."""
    kwargs = {"activation": "sigmoid", "upper": "monotone", "random_state": 0}
    Xb, _ = make_high_threshold_network(20_000, 4, 2, 2.0, sampling="biased", **kwargs)
    X, y = make_high_threshold_network(400_000, 4, 2, 2.0, **kwargs)
    assert_allclose(Xb.mean(axis=0), (y @ X) / y.sum(), atol=0.03)
    # the tilt is large (a uniform keep would leave the mean at 0)
    assert np.linalg.norm(Xb.mean(axis=0)) > 0.3


def test_biased_oracle_needs_a_bounded_non_negative_f():
    with pytest.raises(ValueError, match="needs 0 <= f <= bound"):
        make_high_threshold_network(10, 4, 2, 2.0, activation="relu", sampling="biased")
    with pytest.raises(ValueError, match="needs 0 <= f <= bound"):
        make_high_threshold_network(  # pairwise products of both signs
            10,
            6,
            4,
            2.0,
            activation="sigmoid",
            upper="polynomial",
            random_state=0,
            sampling="biased",
        )


def test_sigmoid_at_a_log_threshold_is_recovered_through_the_oracle():
    """App. B.7 / Thm 13: sigmoid units at t = 6 (u_hat_4 > 0 only for t > 3),
    rows from the biased oracle: measured max angle 0.37 (N=1e4, n=10, d=3)."""
    X, y, truth = make_high_threshold_network(
        10_000,
        10,
        3,
        6.0,
        activation="sigmoid",
        upper="monotone",
        sampling="biased",
        return_truth=True,
        random_state=0,
    )
    est = HighThresholdLayerRecovery(
        activation="sigmoid",
        threshold=6.0,
        n_hidden=3,
        refine=False,
        sampling="biased",
        random_state=0,
    ).fit(X, y)
    err, _ = parameter_recovery_error(truth.hidden_weights, est.hidden_weights_)
    assert err < 0.45


@pytest.mark.parametrize(
    "params, option",
    [
        ({"refine": True}, "refine=True"),
        ({"refine": False, "control_variates": 1}, "control_variates > 0"),
    ],
)
def test_biased_sampling_refuses_the_gaussian_only_steps(params, option):
    X, y = make_high_threshold_network(
        2000, 4, 2, 2.0, activation="sigmoid", sampling="biased", random_state=0
    )
    message = f"{option} needs Gaussian rows .* sampling='biased'"
    with pytest.raises(ValueError, match=message):
        HighThresholdLayerRecovery(
            activation="sigmoid", threshold=2.0, sampling="biased", **params
        ).fit(X, y)


@pytest.mark.parametrize("method", ["binary_exp", "correlation_graph"])
def test_binary_supports_through_the_oracle(method):
    """``sampling="biased"``: ``f = 1``; ``binary_exp`` knows ``g(0) / E[f] =
    1`` exactly, the correlation graph needs no centring off the diagonal. Rows
    resampled with probability proportional to ``f`` (the oracle, approximately)
    give the supports."""
    X, y, truth = _binary_network(200_000, 100)
    rng = np.random.RandomState(0)
    rows = rng.choice(X.shape[0], size=50_000, p=y / y.sum())
    est = HighThresholdLayerRecovery(
        method=method, activation="exp", n_hidden=3, sampling="biased"
    ).fit(X[rows], y[rows])
    assert _supports(est.hidden_weights_) == _supports(truth.hidden_weights)


def test_binary_exp_warns_when_an_ascent_does_not_converge(monkeypatch):
    from sklearn.exceptions import ConvergenceWarning

    monkeypatch.setattr(htb, "MAX_ITER", 3)
    X, y, _ = _binary_network(20_000, 0)
    with pytest.warns(ConvergenceWarning, match="stopped at 3 iterations"):
        HighThresholdLayerRecovery(
            method="binary_exp", activation="exp", n_hidden=3
        ).fit(X, y)


def test_binary_exp_integer_weights_equal_repeated_rows():
    X, y, _ = _binary_network(20_000, 1)
    w = np.random.RandomState(0).randint(1, 4, X.shape[0])
    params = {"method": "binary_exp", "activation": "exp", "n_hidden": 3}
    weighted = HighThresholdLayerRecovery(**params).fit(X, y, sample_weight=w)
    repeated = HighThresholdLayerRecovery(**params).fit(
        np.repeat(X, w, axis=0), np.repeat(y, w)
    )
    assert_allclose(weighted.hidden_weights_, repeated.hidden_weights_)
    assert weighted.n_iter_ == repeated.n_iter_
    assert_allclose(weighted.upper_coef_, repeated.upper_coef_, rtol=1e-6)


def test_binary_exp_constant_y_is_a_clear_value_error():
    X, _, _ = _binary_network(2000, 0)
    with pytest.raises(ValueError, match="y is constant"):
        HighThresholdLayerRecovery(method="binary_exp", activation="exp").fit(
            X, np.full(2000, 3.0)
        )


def test_biased_oracle_gives_up_with_the_draws_needed(monkeypatch):
    """At a high threshold the oracle keeps almost no draw: it stops after a
    cap with the number of draws the request would need, instead of looping
    for hours."""
    from sklearn_polynn import datasets

    monkeypatch.setattr(datasets, "_BIASED_MAX_DRAWS", 400_000)
    with pytest.raises(ValueError, match="would need about .* draws"):
        make_high_threshold_network(
            1000, 4, 2, 4.5, activation="sign", sampling="biased", random_state=0
        )
