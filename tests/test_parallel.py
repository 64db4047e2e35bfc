"""Tests for ``sklearn_polynn.parallel``: Dask fit from per-chunk statistics."""

import sys

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.model_selection import GridSearchCV, KFold

from sklearn_polynn import RandomFeaturePolynomialRegressor
from sklearn_polynn.datasets import make_sparse_polynomial
from sklearn_polynn.parallel import _import_dask, tree_merge

da = pytest.importorskip("dask.array")

KW = {"n_components": 40, "activation": "exp", "random_state": 0}


@pytest.fixture(scope="module")
def data():
    X, y = make_sparse_polynomial(1500, 6, degree=3, random_state=0)
    return X[:1200], y[:1200], X[1200:]


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _assert_same_model(a, b, Xt):
    pa, pb = a.predict(Xt), b.predict(Xt)
    assert np.max(np.abs(pa - pb)) < 1e-8 * np.max(np.abs(pa))
    assert_allclose(a.hidden_weights_, b.hidden_weights_)


def test_dask_fit_equals_numpy_fit(data):
    X, y, Xt = data
    ref = RandomFeaturePolynomialRegressor(**KW).fit(X, y)
    Xd = da.from_array(X, chunks=((100, 300, 7, 493, 300), 3))  # uneven, split cols
    yd = da.from_array(y, chunks=250)  # chunks not aligned with X's
    est = RandomFeaturePolynomialRegressor(**KW).fit(Xd, yd)
    assert est.n_features_in_ == 6 and est.n_samples_seen_ == len(X)
    _assert_same_model(ref, est, Xt)
    # y as NumPy with X as Dask
    _assert_same_model(ref, RandomFeaturePolynomialRegressor(**KW).fit(Xd, y), Xt)


def test_dask_fit_on_local_cluster_equals_numpy_fit(data, client):
    X, y, Xt = data
    ref = RandomFeaturePolynomialRegressor(alpha=[1e-6, 1e-2, 1.0], **KW).fit(X, y)
    Xd, yd = da.from_array(X, chunks=(200, -1)), da.from_array(y, chunks=200)
    est = RandomFeaturePolynomialRegressor(alpha=[1e-6, 1e-2, 1.0], **KW).fit(Xd, yd)
    _assert_same_model(ref, est, Xt)
    assert est.alpha_ == ref.alpha_
    assert_allclose(est.gcv_scores_, ref.gcv_scores_, rtol=1e-8)


def test_partial_fit_mixes_dask_and_numpy_chunks(data):
    X, y, Xt = data
    ref = RandomFeaturePolynomialRegressor(**KW).fit(X, y)
    est = RandomFeaturePolynomialRegressor(**KW)
    est.partial_fit(da.from_array(X[600:], chunks=(150, -1)), y[600:])
    est.partial_fit(X[:600], y[:600])
    _assert_same_model(ref, est, Xt)


def test_predict_on_dask_array_is_lazy_and_equal(data):
    X, y, Xt = data
    est = RandomFeaturePolynomialRegressor(**KW).fit(X, y)
    pred = est.predict(da.from_array(Xt, chunks=(100, -1)))
    assert type(pred).__module__.startswith("dask")
    assert_allclose(pred.compute(), est.predict(Xt), rtol=1e-12)


def test_grid_search_under_joblib_dask_backend(data, client):
    X, y, _ = data
    grid = {"n_components": [10, 40], "alpha": [1e-6, 1e-1]}
    cv = KFold(3, shuffle=True, random_state=0)
    est = RandomFeaturePolynomialRegressor(activation="exp", random_state=0)
    local = GridSearchCV(est, grid, cv=cv).fit(X, y)
    with joblib.parallel_config(backend="dask"):
        remote = GridSearchCV(est, grid, cv=cv, n_jobs=-1).fit(X, y)
    assert remote.best_params_ == local.best_params_
    assert_allclose(
        remote.cv_results_["mean_test_score"],
        local.cv_results_["mean_test_score"],
        rtol=1e-10,
    )


def test_tree_merge_is_balanced():
    calls = []

    def merge(a, b):
        calls.append((a, b))
        return a + b

    assert tree_merge(range(1, 8), merge) == 28
    assert len(calls) == 6
    # first level pairs neighbours: a binary tree of depth ceil(log2 7) = 3
    assert calls[:3] == [(1, 2), (3, 4), (5, 6)]
    assert tree_merge([5], merge) == 5
    with pytest.raises(ValueError, match="at least one"):
        tree_merge([], merge)


def test_dask_bad_input(data):
    X, y, _ = data
    Xn = X.copy()
    Xn[777, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        RandomFeaturePolynomialRegressor(**KW).fit(
            da.from_array(Xn, chunks=(300, -1)), y
        )
    with pytest.raises(ValueError, match="domain='circle'"):
        RandomFeaturePolynomialRegressor(**KW).fit(
            da.from_array(X.astype(complex), chunks=(300, -1)), y
        )
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        RandomFeaturePolynomialRegressor(**KW).fit(
            da.from_array(X, chunks=(300, -1)), y[:-1]
        )
    est = RandomFeaturePolynomialRegressor(**KW).fit(X, y)
    with pytest.raises(ValueError, match="expecting 6 features"):
        est.partial_fit(da.from_array(X[:, :4], chunks=(300, -1)), y)


def test_missing_dask_gives_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "dask.array", None)
    with pytest.raises(ImportError, match=r"sklearn-polynn\[dask\]"):
        _import_dask()
