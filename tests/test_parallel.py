"""Tests for ``sklearn_polynn.parallel``: Dask fit from per-chunk statistics."""

import sys

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
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


# ----------------------------------------- data-parallel gradient descent (GD)
# Plain GD at a fixed step: run to rounding at tol=0, L-BFGS-B's iteration count
# depends on the summation order (Dask vs NumPy); its own equality test is in
# tests/test_tensor_init.py.
TI_KW = {
    "n_hidden": 3,
    "solver": "gd",
    "learning_rate": 0.02,
    "max_iter": 200,
    "tol": 0.0,
    "random_state": 0,
}


@pytest.fixture(scope="module")
def teacher():
    from sklearn_polynn.datasets import make_teacher_network

    X, y = make_teacher_network(2400, 8, 3, random_state=0)
    return X[:2000], y[:2000], X[2000:]


@pytest.fixture
def threads():
    """Dask's local threaded scheduler, even while a module's Client is open."""
    import dask

    with dask.config.set(scheduler="threads"):
        yield


def _assert_same_network(a, b, Xt, rtol):
    assert b.n_iter_ == a.n_iter_
    assert_allclose(b.init_hidden_weights_, a.init_hidden_weights_, rtol=rtol)
    assert_allclose(b.hidden_weights_, a.hidden_weights_, rtol=rtol, atol=1e-12)
    assert_allclose(b.output_weights_, a.output_weights_, rtol=rtol, atol=1e-12)
    assert_allclose(b.loss_curve_, a.loss_curve_, rtol=rtol)
    assert_allclose(b.predict(Xt), a.predict(Xt), rtol=rtol, atol=1e-12)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "kw",
    [
        {"init": "tensor"},
        {"init": "random", "fit_output_weights": True, "learning_rate": 0.05},
    ],
    ids=["tensor-init", "random-init-fit-v"],
)
def test_tensor_init_dask_fit_equals_numpy_fit(teacher, kw, threads):
    from sklearn_polynn import TensorInitOneHiddenLayer

    X, y, Xt = teacher
    kw = {**TI_KW, **kw}
    ref = TensorInitOneHiddenLayer(**kw).fit(X, y)
    # uneven row chunks, split columns, y chunked differently from X
    Xd = da.from_array(X, chunks=((300, 700, 1, 999), 5))
    yd = da.from_array(y, chunks=600)
    est = TensorInitOneHiddenLayer(**kw).fit(Xd, yd)
    assert est.n_features_in_ == 8
    assert isinstance(est.hidden_weights_, np.ndarray)
    _assert_same_network(ref, est, Xt, rtol=1e-9)
    # the GD really moved the weights (else the equality above is vacuous)
    assert np.abs(est.hidden_weights_ - est.init_hidden_weights_).max() > 1e-3
    pred = est.predict(da.from_array(Xt, chunks=(100, -1)))
    assert type(pred).__module__.startswith("dask")
    assert_allclose(pred.compute(), ref.predict(Xt), rtol=1e-9, atol=1e-12)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_tensor_init_dask_fit_on_local_cluster(teacher, client):
    from sklearn_polynn import TensorInitOneHiddenLayer

    X, y, Xt = teacher
    kw = {**TI_KW, "max_iter": 50}
    ref = TensorInitOneHiddenLayer(**kw).fit(X, y)
    Xd, yd = da.from_array(X, chunks=(500, -1)), da.from_array(y, chunks=500)
    est = TensorInitOneHiddenLayer(**kw).fit(Xd, yd)
    _assert_same_network(ref, est, Xt, rtol=1e-9)


def test_data_parallel_loss_grad_is_the_full_batch_mean(threads):
    from sklearn_polynn.parallel import data_parallel_loss_grad

    rng = np.random.RandomState(0)
    X, y = rng.standard_normal((103, 4)), rng.standard_normal(103)
    seen = []

    def chunk_sums(params, Xb, yb):
        seen.append(Xb.shape[0])
        r = Xb @ params["w"] - yb
        return 0.5 * float(r @ r), {"w": Xb.T @ r}

    Xd = da.from_array(X, chunks=(40, -1))
    loss_grad = data_parallel_loss_grad(chunk_sums, Xd, da.from_array(y, chunks=40))
    w = rng.standard_normal(4)
    loss, grads = loss_grad({"w": w}, None)
    r = X @ w - y
    assert sorted(seen) == [23, 40, 40]  # one call per block, nothing else
    assert_allclose(loss, 0.5 * np.mean(r * r), rtol=1e-12)
    assert_allclose(grads["w"], X.T @ r / len(y), rtol=1e-12)
    with pytest.raises(ValueError, match="full batch"):
        loss_grad({"w": w}, np.arange(5))


class _CountExecutions:
    """Counts Dask graph executions (``compute``/``persist``) while active."""

    def __init__(self):
        from dask.callbacks import Callback

        outer = self
        self.n = 0

        class _Count(Callback):
            def _start(self, dsk):
                outer.n += 1

        self._callback = _Count()

    def __enter__(self):
        self._callback.__enter__()
        return self

    def __exit__(self, *exc):
        self._callback.__exit__(*exc)


def test_validate_dask_input_is_one_graph_execution(threads):
    """Cast, finiteness check and persist in one pass: under
    ``scheduler="processes"`` every extra execution starts a new process pool."""
    from sklearn_polynn import TensorInitOneHiddenLayer
    from sklearn_polynn.parallel import validate_dask_input

    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 3)).astype(np.float32)
    y = rng.standard_normal(30)
    est = TensorInitOneHiddenLayer()
    with _CountExecutions() as count:
        Xd, yd = validate_dask_input(
            est,
            da.from_array(X, chunks=(7, 2)),
            da.from_array(y, chunks=5),
            dtype="float64",
        )
    assert count.n == 1
    assert Xd.dtype == np.float64 and Xd.chunks == yd.chunks[:1] + ((3,),)
    assert_array_equal(Xd.compute(), X.astype(np.float64))
    assert_array_equal(yd.compute(), y)
    for name, Xb, yb in [("X", X.copy(), y), ("y", X, y.copy())]:
        (Xb if name == "X" else yb)[11] = np.nan
        with pytest.raises(ValueError, match=f"^Input {name} contains NaN or infinity"):
            validate_dask_input(est, da.from_array(Xb, chunks=7), yb, dtype="float64")


@pytest.mark.parametrize(
    "activation, n_hidden, n_features, expected",
    [
        # dense P2: P2, R3's control variate, R3, RecMagSign's control variates
        # and directional moments
        ("squared_relu", 3, 8, 5),
        ("relu", 3, 8, 6),  # + a second R3 with the balanced alpha (P3 = M_4)
        ("tanh", 3, 8, 5),  # + M_1 for alpha, one gather for the magnitude fit
        # matrix-free P2 (d > 20 r): a persist instead of the dense P2, then one
        # per power iteration
        ("squared_relu", 1, 45, 5),
        ("tanh", 1, 45, 5),
    ],
)
def test_tensor_initialization_dask_graph_executions(
    activation, n_hidden, n_features, expected, threads
):
    """Algorithm 1 on Dask computes the independent reductions of each phase in
    one graph execution (each one is a new process pool under
    ``scheduler="processes"``) and equals the NumPy run."""
    from sklearn_polynn._tensor import moment_orders, tensor_initialization
    from sklearn_polynn.activations import get_activation
    from sklearn_polynn.datasets import make_teacher_network

    X, y = make_teacher_network(
        1500, n_features, n_hidden, activation=activation, random_state=1
    )
    act = get_activation(activation)
    kw = {"n_power_iter": 50, "n_projections": 20}
    W, v, info = tensor_initialization(
        X, y, n_hidden, act, moment_orders(act), np.random.RandomState(0), **kw
    )
    Xd, yd = da.from_array(X, chunks=(400, -1)), da.from_array(y, chunks=400)
    with _CountExecutions() as count:
        W_d, v_d, info_d = tensor_initialization(
            Xd, yd, n_hidden, act, moment_orders(act), np.random.RandomState(0), **kw
        )
    n_iter = info["n_power_iter"]
    if n_features > 20 * 2 * n_hidden:  # matrix-free
        assert n_iter > 2  # the products are really iterated
        expected += n_iter
    assert count.n == expected
    assert info_d["n_power_iter"] == n_iter
    assert_allclose(info_d["reduced_tensor"], info["reduced_tensor"], rtol=1e-9)
    assert_allclose(
        info_d["projected_covariance"], info["projected_covariance"], rtol=1e-12
    )
    assert_allclose(W_d, W, rtol=1e-9, atol=1e-12)
    assert_allclose(v_d, v, rtol=1e-9, atol=1e-12)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_tensor_init_dask_fit_graph_executions(teacher, threads):
    """A Dask fit runs a fixed, small number of graph executions: the input
    checks (persist, stand-in rows, constant-y check), Algorithm 1 (5 for the
    squared ReLU), the Gaussian-input check, the initial output offset
    (``fit_intercept=True``) and one per gradient step."""
    from sklearn_polynn import TensorInitOneHiddenLayer

    X, y, _ = teacher
    kw = {**TI_KW, "max_iter": 2}
    Xd, yd = da.from_array(X, chunks=(500, -1)), da.from_array(y, chunks=500)
    with _CountExecutions() as count:
        est = TensorInitOneHiddenLayer(**kw).fit(Xd, yd)
    assert est.n_iter_ == 2
    assert count.n <= 3 + 5 + 1 + 1 + 2


def test_tensor_init_dask_bad_input(teacher, threads):
    from sklearn_polynn import TensorInitOneHiddenLayer

    X, y, _ = teacher
    Xn = X.copy()
    Xn[1234, 3] = np.inf
    with pytest.raises(ValueError, match="NaN or infinity"):
        TensorInitOneHiddenLayer(**TI_KW).fit(da.from_array(Xn, chunks=(500, -1)), y)
    with pytest.raises(ValueError, match="batch_size must be None for dask"):
        TensorInitOneHiddenLayer(**TI_KW, init="random", batch_size=100).fit(
            da.from_array(X, chunks=(500, -1)), y
        )
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        TensorInitOneHiddenLayer(**TI_KW).fit(
            da.from_array(X, chunks=(500, -1)), y[:-1]
        )


@pytest.mark.parametrize(
    "activation, resample",
    [("squared_relu", True), ("relu", False), ("tanh", True)],
)
def test_tensor_moments_on_dask_equal_numpy(activation, resample, threads):
    """Algorithm 1 on a dask.array: P2 products, R3 and RecMagSign per block."""
    from sklearn_polynn._tensor import moment_orders, tensor_initialization
    from sklearn_polynn.activations import get_activation
    from sklearn_polynn.datasets import make_teacher_network

    X, y = make_teacher_network(3000, 8, 3, activation=activation, random_state=1)
    act = get_activation(activation)
    orders = moment_orders(act)
    kw = {"n_power_iter": 100, "n_projections": 50, "resample": resample}
    W, v, info = tensor_initialization(
        X, y, 3, act, orders, np.random.RandomState(0), **kw
    )
    Xd = da.from_array(X, chunks=(700, -1))
    yd = da.from_array(y, chunks=700)
    W_d, v_d, info_d = tensor_initialization(
        Xd, yd, 3, act, orders, np.random.RandomState(0), **kw
    )
    assert isinstance(W_d, np.ndarray)
    assert info_d["n_power_iter"] == info["n_power_iter"]
    assert_allclose(info_d["reduced_tensor"], info["reduced_tensor"], rtol=1e-9)
    assert_allclose(info_d["p2_eigenvalues"], info["p2_eigenvalues"], rtol=1e-9)
    assert_allclose(W_d, W, rtol=1e-9, atol=1e-12)
    assert_allclose(v_d, v, rtol=1e-9, atol=1e-12)


# ------------------------------------------------- ComplexTwoLayerRegressor
@pytest.fixture(scope="module")
def circle_data():
    X, y = make_sparse_polynomial(
        1500, 4, degree=2, distribution="circle", random_state=0
    )
    return X[:1200], y[:1200], X[1200:]


def _assert_same_complex_network(a, b, Xt, rtol):
    assert b.n_iter_ == a.n_iter_
    assert b.n_perturbations_ == a.n_perturbations_
    assert_allclose(b.hidden_weights_, a.hidden_weights_, rtol=rtol, atol=1e-12)
    assert_allclose(b.output_weights_, a.output_weights_, rtol=rtol, atol=1e-12)
    assert_allclose(b.loss_curve_, a.loss_curve_, rtol=rtol)
    assert_allclose(b.predict(Xt), a.predict(Xt), rtol=rtol, atol=1e-12)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "kw",
    [
        # plateaus: Thm 5.1's perturbations, accepted and rejected on full losses
        {"max_iter": 40, "tol": 1e-2, "n_iter_no_change": 3},
        # Algorithm 1: the second stage fits the (persisted) residual
        {"max_iter": 25, "n_stages": 2, "n_iter_no_change": 3},
        # real inputs times complex weights: the interleaved real-GEMM kernels
        {"max_iter": 30, "domain": "real", "solver": "adam"},
    ],
    ids=["perturbations", "two-stages", "real-inputs-adam"],
)
def test_complex_network_dask_fit_equals_numpy_fit(circle_data, kw, threads):
    from sklearn_polynn import ComplexTwoLayerRegressor

    X, y, Xt = circle_data
    kw = {"n_hidden": 8, "domain": "circle", "random_state": 0, **kw}
    ref = ComplexTwoLayerRegressor(**kw).fit(X, y)
    Xd = da.from_array(X, chunks=((300, 1, 899), 2))
    yd = da.from_array(y, chunks=500)
    est = ComplexTwoLayerRegressor(**kw).fit(Xd, yd)
    assert est.n_features_in_ == 4
    _assert_same_complex_network(ref, est, Xt, rtol=1e-9)
    assert ref.n_iter_ > 3
    if kw.get("tol") == 1e-2:
        assert ref.n_perturbations_ > 0
    pred = est.predict(da.from_array(Xt, chunks=(100, -1)))
    assert_allclose(pred.compute(), ref.predict(Xt), rtol=1e-9, atol=1e-12)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_complex_network_dask_on_local_cluster_and_partial_fit(circle_data, client):
    from sklearn_polynn import ComplexTwoLayerRegressor

    X, y, Xt = circle_data
    kw = {"n_hidden": 8, "domain": "circle", "max_iter": 15, "random_state": 0}
    Xd, yd = da.from_array(X, chunks=(400, -1)), da.from_array(y, chunks=400)
    _assert_same_complex_network(
        ComplexTwoLayerRegressor(**kw).fit(X, y),
        ComplexTwoLayerRegressor(**kw).fit(Xd, yd),
        Xt,
        rtol=1e-9,
    )
    a, b = ComplexTwoLayerRegressor(**kw), ComplexTwoLayerRegressor(**kw)
    for _ in range(3):
        a.partial_fit(X, y)
        b.partial_fit(Xd, yd)
    _assert_same_complex_network(a, b, Xt, rtol=1e-9)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("domain", ["circle", "real"])
def test_complex_network_dask_fit_graph_executions(circle_data, domain, threads):
    """A one-stage Dask fit: the input checks (persist, one gather of the
    stand-in rows), the target and input moments in one execution, the
    residual variance, the stage's start loss, one per gradient step, then the
    stage's residual (mean square and persist)."""
    from sklearn_polynn import ComplexTwoLayerRegressor

    X, y, _ = circle_data
    kw = {"n_hidden": 4, "domain": domain, "solver": "gd", "learning_rate": 0.01}
    kw["random_state"] = 0
    Xd, yd = da.from_array(X, chunks=(400, -1)), da.from_array(y, chunks=400)
    with _CountExecutions() as count:
        est = ComplexTwoLayerRegressor(**kw, max_iter=3, tol=0.0).fit(Xd, yd)
    assert est.n_iter_ == 3
    assert count.n <= 2 + 1 + 1 + 1 + est.n_iter_ + 2


def test_complex_network_dask_rejects_mini_batches(circle_data, threads):
    from sklearn_polynn import ComplexTwoLayerRegressor

    X, y, _ = circle_data
    with pytest.raises(ValueError, match="batch_size must be None for dask"):
        ComplexTwoLayerRegressor(n_hidden=4, batch_size=100, max_iter=2).fit(
            da.from_array(X, chunks=(400, -1)), y
        )


# --------------------------------------------------------------------------- #
# Issue 16/17: bad Dask input gets the NumPy errors; DataFrames; sample_weight
# --------------------------------------------------------------------------- #
def test_dask_zero_features_and_two_column_y_raise_clear_errors(data):
    X, y, _ = data
    with pytest.raises(ValueError, match=r"Found array with 0 feature\(s\)"):
        RandomFeaturePolynomialRegressor(**KW).fit(
            da.from_array(X[:, :0], chunks=(300, -1)), y
        )
    y2 = np.column_stack([y, y])
    with pytest.raises(ValueError, match=r"y must be 1-D .*got shape \(1200, 2\)"):
        RandomFeaturePolynomialRegressor(**KW).fit(
            da.from_array(X, chunks=(300, -1)), da.from_array(y2, chunks=(300, -1))
        )


def test_dask_dataframe_input_equals_numpy_fit(data):
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    X, y, Xt = data
    frame = dd.from_pandas(pd.DataFrame(X), npartitions=4)
    target = dd.from_pandas(pd.Series(y), npartitions=4)
    ref = RandomFeaturePolynomialRegressor(**KW).fit(X, y)
    est = RandomFeaturePolynomialRegressor(**KW).fit(frame, target)
    _assert_same_model(ref, est, Xt)
    lazy = est.predict(dd.from_pandas(pd.DataFrame(Xt), npartitions=2))
    assert_allclose(lazy.compute(), ref.predict(Xt), rtol=1e-10)


class _FrameStub:
    """Duck-typed dask DataFrame (dask.dataframe needs pyarrow, often absent)."""

    __module__ = "dask.dataframe.dask_expr._collection"

    def __init__(self, values, chunks):
        self._values, self._chunks = values, chunks

    def to_dask_array(self, lengths=False):
        assert lengths, "chunk sizes must be computed"
        return da.from_array(self._values, chunks=self._chunks)


def test_dask_frame_like_input_is_converted_with_lengths(data):
    X, y, Xt = data
    ref = RandomFeaturePolynomialRegressor(**KW).fit(X, y)
    est = RandomFeaturePolynomialRegressor(**KW).fit(
        _FrameStub(X, (300, -1)), _FrameStub(y, 300)
    )
    _assert_same_model(ref, est, Xt)
    lazy = est.predict(_FrameStub(Xt, (100, -1)))
    assert_allclose(lazy.compute(), ref.predict(Xt), rtol=1e-10)


def test_dask_other_collection_is_a_clear_type_error(data):
    import dask

    X, y, _ = data
    with pytest.raises(TypeError, match="X must be a dask array or a dask DataFrame"):
        RandomFeaturePolynomialRegressor(**KW).fit(dask.delayed(X), y)


def test_dask_sample_weight_equals_numpy(data):
    X, y, Xt = data
    w = np.random.RandomState(0).uniform(0, 3, len(y))
    ref = RandomFeaturePolynomialRegressor(**KW).fit(X, y, sample_weight=w)
    est = RandomFeaturePolynomialRegressor(**KW).fit(
        da.from_array(X, chunks=(250, -1)), y, sample_weight=da.from_array(w, 400)
    )
    _assert_same_model(ref, est, Xt)
    assert est.n_samples_seen_ == len(y)


def test_non_finite_dask_input_raises_in_fit_on_a_client(client):
    """On a distributed Client ``persist`` returns at once; the per-block
    finiteness check still makes ``fit`` raise the same ValueError."""
    from sklearn_polynn import TensorInitOneHiddenLayer

    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 4))
    X[123, 1] = np.nan
    with pytest.raises(ValueError, match="^Input X contains NaN or infinity"):
        TensorInitOneHiddenLayer(n_hidden=2, random_state=0).fit(
            da.from_array(X, chunks=100), X[:, 0] ** 2
        )
