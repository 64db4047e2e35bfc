"""WhiteningTransformer: identity second moment and Shamir (2018) Thm 4 invariance."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline

from sklearn_polynn import WhiteningTransformer


def _correlated(seed, n=400, d=5, kappa=1e3):
    rng = np.random.RandomState(seed)
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    A = q @ np.diag(np.geomspace(1.0, kappa, d)) @ q.T
    return rng.standard_normal((n, d)) @ A, rng


@pytest.mark.parametrize("center", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_whitened_training_data_has_identity_second_moment(center, seed):
    X, _ = _correlated(seed)
    X = X + 3.0 * center
    Z = WhiteningTransformer(center=center).fit_transform(X)
    assert_allclose(Z.T @ Z / len(Z), np.eye(X.shape[1]), atol=1e-9)
    if center:
        assert_allclose(Z.mean(axis=0), 0.0, atol=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_linear_invariance_up_to_an_orthogonal_matrix(seed):
    """Thm 4: whiten(X A) = whiten(X) Q for an orthogonal Q, for any invertible A."""
    X, rng = _correlated(seed, kappa=10.0)
    A, _ = _correlated(seed + 100, n=X.shape[1], d=X.shape[1], kappa=1e3)
    Z = WhiteningTransformer().fit_transform(X)
    Z_transformed = WhiteningTransformer().fit_transform(X @ A)
    Q = np.linalg.lstsq(Z, Z_transformed, rcond=None)[0]
    assert_allclose(Q.T @ Q, np.eye(X.shape[1]), atol=1e-6)
    assert_allclose(Z @ Q, Z_transformed, atol=1e-6)
    # new points too: the map itself differs by Q
    X_new = rng.standard_normal((7, X.shape[1]))
    assert_allclose(
        WhiteningTransformer().fit(X).transform(X_new) @ Q,
        WhiteningTransformer().fit(X @ A).transform(X_new @ A),
        atol=1e-6,
    )


def test_linear_model_after_whitening_is_linearly_invariant():
    X, rng = _correlated(0, kappa=1e3)
    y = X @ rng.standard_normal(X.shape[1])
    A, _ = _correlated(7, n=5, d=5, kappa=1e3)
    pipe = make_pipeline(WhiteningTransformer(), LinearRegression())
    assert_allclose(
        pipe.fit(X, y).predict(X[:20]),
        pipe.fit(X @ A, y).predict(X[:20] @ A),
        rtol=1e-6,
    )


def test_inverse_transform_roundtrip_and_input_space_weights():
    X, rng = _correlated(3)
    wt = WhiteningTransformer(center=True).fit(X)
    Z = wt.transform(X)
    assert_allclose(wt.inverse_transform(Z), X, rtol=1e-8, atol=1e-8)
    W_white = rng.standard_normal((5, 3))
    W_in = wt.input_space_weights(W_white)
    assert W_in.shape == (5, 3)
    # a unit on whitened data equals the mapped unit on centered inputs
    assert_allclose(Z @ W_white, (X - wt.mean_) @ W_in, rtol=1e-8, atol=1e-8)
    assert wt.input_space_weights(W_white[:, 0]).shape == (5,)


def test_rank_deficient_input_is_detected():
    rng = np.random.RandomState(0)
    B = rng.standard_normal((300, 3))
    X = np.hstack([B, B[:, :2] @ rng.standard_normal((2, 2))])  # rank 3 of 5
    with pytest.warns(UserWarning, match="detected rank 3 < 5"):
        wt = WhiteningTransformer().fit(X)
    assert wt.n_components_ == 3
    Z = wt.transform(X)
    assert_allclose(Z.T @ Z / len(Z), np.eye(3), atol=1e-8)
    assert wt.get_feature_names_out().tolist() == [
        "whiteningtransformer0",
        "whiteningtransformer1",
        "whiteningtransformer2",
    ]


def test_n_components_caps_output_and_does_not_warn():
    X, _ = _correlated(1)
    wt = WhiteningTransformer(n_components=2).fit(X)
    assert wt.transform(X).shape == (X.shape[0], 2)


def test_bad_input():
    with pytest.raises(ValueError, match="nothing to whiten"):
        WhiteningTransformer().fit(np.zeros((10, 3)))
    with pytest.raises(ValueError, match="NaN"):
        WhiteningTransformer().fit(np.array([[1.0, np.nan], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="Complex data not supported"):
        WhiteningTransformer().fit(np.ones((4, 2)) * 1j)
    with pytest.raises(ValueError, match="n_components"):
        WhiteningTransformer(n_components=0).fit(np.eye(3))
    wt = WhiteningTransformer().fit(np.eye(3) + 0.1)
    with pytest.raises(ValueError, match="must have 3 rows"):
        wt.input_space_weights(np.ones((2, 2)))
    with pytest.raises(ValueError, match="3 features"):
        wt.transform(np.ones((2, 4)))


def test_does_not_mutate_input_and_set_output_pandas():
    X, _ = _correlated(2)
    X_copy = X.copy()
    WhiteningTransformer(center=True).fit(X).transform(X)
    assert_allclose(X, X_copy, rtol=0)
    pd = pytest.importorskip("pandas")
    out = WhiteningTransformer().set_output(transform="pandas").fit_transform(X)
    assert isinstance(out, pd.DataFrame)


@pytest.mark.gpu
def test_cuda_matches_cpu():
    X, _ = _correlated(0)
    cpu = WhiteningTransformer(center=True).fit(X)
    gpu = WhiteningTransformer(center=True, device="cuda").fit(X)
    assert isinstance(gpu.whitening_matrix_, np.ndarray)
    assert_allclose(np.abs(gpu.transform(X)), np.abs(cpu.transform(X)), rtol=1e-8)
