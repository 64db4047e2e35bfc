"""Tests for ``sklearn_polynn.random_features`` (Andoni et al. 2014, Thm 3.1/4.1)."""

import math
import pickle
import warnings

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose
from scipy.linalg import LinAlgWarning
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline

from sklearn_polynn import (
    ComplexRandomFeatures,
    RandomFeaturePolynomialRegressor,
    representation_weights,
)
from sklearn_polynn._complex import draw_complex_weights
from sklearn_polynn.datasets import make_sparse_polynomial


def _split(n_train, n_test, n_features, degree, distribution="gaussian", seed=0):
    X, y = make_sparse_polynomial(
        n_train + n_test,
        n_features,
        degree=degree,
        distribution=distribution,
        random_state=seed,
    )
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


def _test_r2(est, X, y, Xt, yt):
    return est.fit(X, y).score(Xt, yt)


# --------------------------------------------------------------------------- #
# Must reproduce 1: learns degree-d polynomials (Thm 3.1 + ridge top layer)
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("distribution", ["gaussian", "circle"])
@pytest.mark.parametrize("n_features, degree", [(10, 2), (10, 3), (20, 2), (20, 3)])
def test_learns_sparse_polynomials(distribution, n_features, degree):
    # phi_d spans the C(n+d, d) polynomials of degree <= d: Re/Im of each unit
    # give 2 real ones for real inputs; circle targets Re p(e^{i theta}) need
    # Re and Im of each complex monomial, hence m >= C(n+d, d) there.
    dim = math.comb(n_features + degree, degree)
    m = int(1.05 * dim) + 5 if distribution == "circle" else dim // 2 + 20
    n_train = max(2 * (2 * m), 600)
    X, y, Xt, yt = _split(n_train, 500, n_features, degree, distribution)
    domain = "circle" if distribution == "circle" else "real"
    # A fixed small penalty: this is about capacity (alpha="auto" would add an
    # eigendecomposition of the 2m x 2m Gram, up to 3720 x 3720 here).
    est = RandomFeaturePolynomialRegressor(
        n_components=m, degree=degree, domain=domain, alpha=1e-6, random_state=0
    )
    assert est.get_params()["activation"] == "auto"
    r2 = _test_r2(est, X, y, Xt, yt)
    assert est.activation_ == "truncated"
    assert r2 >= 0.99, r2


def test_exp_activation_learns_with_small_weight_scale():
    X, y, Xt, yt = _split(3000, 500, 10, 2)
    est = RandomFeaturePolynomialRegressor(
        n_components=300,
        activation="exp",
        weight_scale=0.3 / math.sqrt(10),
        random_state=0,
    )
    assert _test_r2(est, X, y, Xt, yt) >= 0.99


def test_exp_error_falls_as_units_grow():
    # Thm 3.1: with exp and weights C(1/sqrt(n))^n the error falls with m.
    X, y, Xt, yt = _split(4000, 1000, 8, 3, seed=1)
    errors = []
    for m in (25, 100, 400):
        est = RandomFeaturePolynomialRegressor(
            n_components=m, activation="exp", random_state=0
        )
        errors.append(1.0 - _test_r2(est, X, y, Xt, yt))
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 0.5 * errors[0]


def test_default_activation_is_exp_without_degree():
    X, y, _, _ = _split(200, 0, 3, 2)
    est = RandomFeaturePolynomialRegressor(n_components=10, random_state=0).fit(X, y)
    assert est.activation_ == "exp"
    assert est.weight_scale_ == pytest.approx(1 / math.sqrt(3))


# --------------------------------------------------------------------------- #
# Bottom layer: the paper's C(r)^n, and the transformer
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("distribution", ["circle", "gaussian"])
def test_hidden_weight_distribution(distribution):
    X = np.zeros((3, 16))
    est = ComplexRandomFeatures(
        n_components=4000, weight_distribution=distribution, random_state=0
    ).fit(X)
    W = est.hidden_weights_
    assert W.shape == (16, 4000) and W.dtype == np.complex128
    r = 1 / math.sqrt(16)
    if distribution == "circle":  # C(r): modulus exactly r, uniform phase
        assert_allclose(np.abs(W), r, rtol=1e-12)
        assert abs(np.mean(np.exp(1j * np.angle(W)))) < 0.02
    else:  # complex Gaussian with E|w|^2 = r^2: moduli vary
        assert np.std(np.abs(W)) > 0.1 * r
    assert np.mean(np.abs(W) ** 2) == pytest.approx(r**2, rel=0.02)


def test_transform_is_re_im_of_hidden_units():
    rng = np.random.RandomState(0)
    X = rng.standard_normal((50, 4))
    est = ComplexRandomFeatures(n_components=7, activation="exp", batch_size=13)
    F = est.set_params(random_state=0).fit_transform(X)
    Phi = np.exp(X @ est.hidden_weights_)
    assert_allclose(F, np.hstack([Phi.real, Phi.imag]), rtol=1e-12)
    names = est.get_feature_names_out()
    assert names.shape == (14,) and names[0] == "complexrandomfeatures0"


def test_transform_circle_domain_reads_angles():
    rng = np.random.RandomState(0)
    theta = rng.uniform(0, 2 * np.pi, (20, 3))
    est = ComplexRandomFeatures(
        n_components=5, degree=2, domain="circle", random_state=0
    ).fit(theta)
    z = np.exp(1j * theta) @ est.hidden_weights_
    phi = 1 + z + z**2 / 2
    assert_allclose(est.transform(theta), np.hstack([phi.real, phi.imag]), rtol=1e-12)


def test_pipeline_with_ridge_matches_regressor():
    X, y, Xt, _ = _split(400, 50, 5, 2)
    kw = {"n_components": 40, "degree": 2, "random_state": 3}
    pipe = make_pipeline(ComplexRandomFeatures(**kw), Ridge(alpha=1e-3)).fit(X, y)
    reg = RandomFeaturePolynomialRegressor(alpha=1e-3, **kw).fit(X, y)
    assert_allclose(reg.predict(Xt), pipe.predict(Xt), rtol=1e-7, atol=1e-9)
    coef = pipe[-1].coef_
    assert_allclose(reg.output_weights_, coef[:40] - 1j * coef[40:], atol=1e-7)


# --------------------------------------------------------------------------- #
# Must reproduce 3: exact streaming (batches, partial_fit, any order)
# --------------------------------------------------------------------------- #
def test_partial_fit_on_shuffled_chunks_equals_fit():
    X, y, Xt, _ = _split(1000, 200, 6, 3, seed=2)
    kw = {"n_components": 60, "activation": "exp", "random_state": 1}
    full = RandomFeaturePolynomialRegressor(batch_size=128, **kw).fit(X, y)
    rng = np.random.RandomState(0)
    order = rng.permutation(len(X))
    bounds = np.sort(rng.choice(np.arange(1, len(X)), size=6, replace=False))
    chunks = np.split(order, bounds)
    inc = RandomFeaturePolynomialRegressor(**kw)
    for idx in rng.permutation(len(chunks)):
        inc.partial_fit(X[chunks[idx]], y[chunks[idx]])
    assert inc.n_samples_seen_ == len(X)
    assert_allclose(inc.hidden_weights_, full.hidden_weights_)
    p_full, p_inc = full.predict(Xt), inc.predict(Xt)
    assert np.max(np.abs(p_full - p_inc)) < 1e-8 * np.max(np.abs(p_full))


@pytest.mark.parametrize("batch_size", [1, 7, None])
def test_batch_size_does_not_change_the_model(batch_size):
    X, y, Xt, _ = _split(300, 50, 4, 2)
    kw = {"n_components": 20, "activation": "exp", "random_state": 0}
    ref = RandomFeaturePolynomialRegressor(batch_size=10**6, **kw).fit(X, y)
    est = RandomFeaturePolynomialRegressor(batch_size=batch_size, **kw).fit(X, y)
    assert_allclose(est.predict(Xt), ref.predict(Xt), rtol=1e-8, atol=1e-10)


def test_statistics_are_centered_stably():
    # Features with a huge common offset (exp of w.x + 20): naive uncentered
    # accumulation would lose the variance to cancellation.
    X, y, Xt, yt = _split(2000, 300, 3, 2)
    kw = {"n_components": 30, "degree": 2, "alpha": 1e-6, "random_state": 0}
    est = RandomFeaturePolynomialRegressor(batch_size=100, **kw)
    with warnings.catch_warnings():
        # 2m = 60 > C(5, 2) = 10: the Gram is singular, lstsq fallback expected;
        # X + 1e3 is far from unit scale (warned).
        warnings.simplefilter("ignore", LinAlgWarning)
        warnings.simplefilter("ignore", UserWarning)
        est.fit(X + 1e3, y)
    assert est.score(Xt + 1e3, yt) > 0.999


def test_partial_fit_continues_after_fit():
    X, y, Xt, _ = _split(600, 50, 4, 2)
    kw = {"n_components": 25, "degree": 2, "random_state": 0}
    one = RandomFeaturePolynomialRegressor(**kw).fit(X, y)
    two = RandomFeaturePolynomialRegressor(**kw).fit(X[:250], y[:250])
    two.partial_fit(X[250:], y[250:])
    assert_allclose(two.predict(Xt), one.predict(Xt), rtol=1e-8, atol=1e-10)
    # fit() starts over
    two.fit(X[:250], y[:250])
    assert two.n_samples_seen_ == 250


# --------------------------------------------------------------------------- #
# Solvers
# --------------------------------------------------------------------------- #
def test_lstsq_matches_cholesky():
    X, y, Xt, _ = _split(500, 50, 4, 2)
    kw = {"n_components": 30, "activation": "exp", "alpha": 1e-3, "random_state": 0}
    a = RandomFeaturePolynomialRegressor(solver="cholesky", **kw).fit(X, y)
    b = RandomFeaturePolynomialRegressor(solver="lstsq", **kw).fit(X, y)
    assert a.solver_ == "cholesky" and b.solver_ == "lstsq"
    assert_allclose(a.predict(Xt), b.predict(Xt), rtol=1e-6, atol=1e-8)


def test_auto_falls_back_to_lstsq_on_singular_gram():
    # phi_2 on 3 inputs spans only C(5, 2) = 10 real functions: with 2m = 80
    # features and alpha = 0 the Gram is singular.
    X, y, Xt, yt = _split(400, 100, 3, 2)
    est = RandomFeaturePolynomialRegressor(
        n_components=40, degree=2, alpha=0.0, random_state=0
    )
    with pytest.warns(LinAlgWarning, match="not numerically positive definite"):
        est.fit(X, y)
    assert est.solver_ == "lstsq"
    assert np.all(np.isfinite(est.predict(Xt)))
    assert est.score(Xt, yt) > 0.999999


def test_alpha_array_selects_by_gcv_with_one_eigendecomposition():
    X, y, Xt, _ = _split(150, 30, 3, 2)
    y = y + 0.3 * np.random.RandomState(1).standard_normal(len(y))
    alphas = np.logspace(-6, 3, 10)
    kw = {"n_components": 15, "activation": "exp", "random_state": 0}
    est = RandomFeaturePolynomialRegressor(alpha=alphas, **kw).fit(X, y)
    assert est.solver_ == "eigen" and est.gcv_scores_.shape == (10,)
    # brute-force GCV with the explicit hat matrix (intercept included)
    F = ComplexRandomFeatures(**kw).fit(X).transform(X)
    Fc, yc, n = F - F.mean(0), y - y.mean(), len(y)
    expected = []
    for a in alphas:
        H = Fc @ np.linalg.solve(Fc.T @ Fc + a * np.eye(F.shape[1]), Fc.T)
        H += 1.0 / n
        resid = y - (H @ yc + y.mean())
        # modified GCV (Kim & Gu 2004): degrees of freedom weighted by 1.4
        expected.append(np.mean(resid**2) / (1 - 1.4 * np.trace(H) / n) ** 2)
    assert_allclose(est.gcv_scores_, expected, rtol=1e-6)
    assert est.alpha_ == alphas[int(np.argmin(expected))]
    single = RandomFeaturePolynomialRegressor(alpha=est.alpha_, **kw).fit(X, y)
    assert_allclose(est.predict(Xt), single.predict(Xt), rtol=1e-6, atol=1e-8)


# --------------------------------------------------------------------------- #
# Must reproduce 2: Thm 4.1, gradient descent on the top layer
# --------------------------------------------------------------------------- #
def test_gd_converges_to_the_ridge_solution():
    X, y, Xt, _ = _split(400, 50, 3, 2)
    kw = {"n_components": 20, "degree": 2, "alpha": 1.0, "random_state": 0}
    ridge = RandomFeaturePolynomialRegressor(**kw).fit(X, y)
    gd = RandomFeaturePolynomialRegressor(
        solver="gd", max_iter=5000, tol=1e-14, **kw
    ).fit(X, y)
    assert gd.solver_ == "gd" and gd.n_iter_ < 5000
    assert gd.loss_curve_[0] > 10 * gd.loss_curve_[-1]
    assert_allclose(gd.predict(Xt), ridge.predict(Xt), rtol=1e-5, atol=1e-6)


def test_gd_loss_is_non_increasing_for_step_below_one_over_m():
    X, y, _, _ = _split(400, 0, 3, 2)
    m = 20
    est = RandomFeaturePolynomialRegressor(
        n_components=m,
        degree=2,
        solver="gd",
        learning_rate=1.0 / m,
        max_iter=200,
        tol=0.0,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    curve = np.asarray(est.loss_curve_)
    assert est.learning_rate_ == 1.0 / m and len(curve) == 200
    assert np.all(np.diff(curve) <= 1e-12 * curve[0])
    assert curve[-1] < 0.1 * curve[0]


def test_gd_partial_fit_warm_starts_and_extends_curve(capsys):
    X, y, _, _ = _split(300, 0, 3, 2)
    est = RandomFeaturePolynomialRegressor(
        n_components=10,
        degree=2,
        solver="gd",
        max_iter=5,
        tol=0.0,
        verbose=1,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.partial_fit(X, y)
        est.partial_fit(X, y)
    assert est.n_iter_ == 10 and len(est.loss_curve_) == 10
    assert "Iteration 10, loss = " in capsys.readouterr().out


# --------------------------------------------------------------------------- #
# Thm 3.1: explicit top-layer weights T_{p,r}(w) / m
# --------------------------------------------------------------------------- #
def _representation_error(poly, x, W, **kw):
    alpha = representation_weights(poly, W, **kw)
    z = x @ W
    phi = np.exp(z) if kw.get("activation", "exp") == "exp" else 1 + z + z**2 / 2
    g = phi @ alpha
    monos, coefs = poly
    p = sum(c * np.prod(x[:, mono], axis=1) for mono, c in zip(monos, coefs))
    return np.sqrt(np.mean(np.abs(g - p) ** 2) / np.mean(np.abs(p) ** 2))


@pytest.mark.parametrize("distribution", ["circle", "gaussian"])
@pytest.mark.parametrize("inputs", ["circle", "gaussian"])
def test_representation_error_shrinks_with_m(distribution, inputs):
    n = 4
    rng = np.random.RandomState(0)
    # x0 x1 - 0.5 x2^2 + 0.3 x3 + 0.2: repeated index (x2^2) exercises J!
    poly = ([[0, 1], [2, 2], [3], []], [1.0, -0.5, 0.3, 0.2])
    if inputs == "circle":
        x = np.exp(1j * rng.uniform(0, 2 * np.pi, (300, n)))
    else:
        x = rng.standard_normal((300, n))
    errors = []
    for m in (300, 3000, 30000):
        W = draw_complex_weights(rng, n, m, 1 / math.sqrt(n), distribution)
        errors.append(
            _representation_error(poly, x, W, weight_distribution=distribution)
        )
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < errors[0] / 4  # ~ 1/sqrt(m): a factor 10 expected
    assert errors[2] < 0.1


def test_representation_weights_truncated_and_bunch_input():
    X, y, truth = make_sparse_polynomial(
        200, 5, degree=2, distribution="circle", return_truth=True, random_state=0
    )
    rng = np.random.RandomState(1)
    W = draw_complex_weights(rng, 5, 40000, 1 / math.sqrt(5), "circle")
    alpha = representation_weights(truth, W, activation="truncated", degree=2)
    z = np.exp(1j * X) @ W
    pred = ((1 + z + z**2 / 2) @ alpha).real
    assert np.sqrt(np.mean((pred - y) ** 2)) < 0.1 * np.std(y)
    with pytest.raises(ValueError, match="cannot represent a monomial of degree 2"):
        representation_weights(truth, W, activation="truncated", degree=1)
    with pytest.raises(ValueError, match="outside"):
        representation_weights(([[7]], [1.0]), W)
    with pytest.raises(TypeError, match="monomials"):
        representation_weights("x0*x1", W)


# --------------------------------------------------------------------------- #
# dtype, pickling, bad input
# --------------------------------------------------------------------------- #
def test_float32_matches_float64():
    X, y, Xt, yt = _split(800, 100, 5, 2)
    kw = {"n_components": 40, "degree": 2, "alpha": 1e-4, "random_state": 0}
    a = RandomFeaturePolynomialRegressor(**kw).fit(X, y)
    with warnings.catch_warnings():
        # float32 rounding makes the singular Gram (2m > C(7, 2)) indefinite
        warnings.simplefilter("ignore", LinAlgWarning)
        b = RandomFeaturePolynomialRegressor(dtype="float32", **kw).fit(X, y)
    assert b.hidden_weights_.dtype == np.complex64
    assert b.output_weights_.dtype == np.complex64
    assert b.predict(Xt).dtype == np.float32
    assert_allclose(b.predict(Xt), a.predict(Xt), atol=1e-3 * np.std(yt))


def test_pickle_roundtrip_keeps_predictions():
    X, y, Xt, _ = _split(200, 20, 3, 2)
    est = RandomFeaturePolynomialRegressor(n_components=10, degree=2, random_state=0)
    est.fit(X, y)
    clone = pickle.loads(pickle.dumps(est))
    assert_allclose(clone.predict(Xt), est.predict(Xt))


def test_complex_input_is_rejected_with_circle_hint():
    X = np.ones((10, 2), dtype=complex)
    with pytest.raises(ValueError, match="domain='circle'"):
        RandomFeaturePolynomialRegressor(n_components=3).fit(X, np.ones(10))
    with pytest.raises(ValueError, match="domain='circle'"):
        ComplexRandomFeatures(n_components=3).fit(X)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_components": 0}, "n_components"),
        ({"activation": "truncated"}, "degree must be set"),
        ({"alpha": -1.0}, "alpha"),
        ({"alpha": [1.0, -1.0]}, "alpha must be"),
        ({"alpha": [1e-3, 1.0], "solver": "gd"}, "solver='gd'"),
        ({"weight_distribution": "normal"}, "weight_distribution"),
        ({"domain": "complex"}, "domain"),
    ],
)
def test_bad_parameters(params, match):
    X, y, _, _ = _split(30, 0, 3, 2)
    with pytest.raises(ValueError, match=match):
        RandomFeaturePolynomialRegressor(**params).fit(X, y)


def test_non_finite_inputs_are_rejected():
    X, y, _, _ = _split(30, 0, 3, 2)
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        RandomFeaturePolynomialRegressor(n_components=3).fit(Xn, y)
    yn = y.copy()
    yn[3] = np.inf
    with pytest.raises(ValueError, match="[Ii]nf"):
        RandomFeaturePolynomialRegressor(n_components=3).fit(X, yn)


def test_partial_fit_with_other_n_features_raises():
    X, y, _, _ = _split(30, 0, 3, 2)
    est = RandomFeaturePolynomialRegressor(n_components=3).partial_fit(X, y)
    with pytest.raises(ValueError, match="3 features"):
        est.partial_fit(X[:, :2], y)


def test_exp_overflow_is_reported_never_nan():
    X, y, _, _ = _split(50, 0, 3, 2)
    est = RandomFeaturePolynomialRegressor(n_components=5, activation="exp")
    with pytest.raises(ValueError, match="weight_scale"):
        est.fit(X * 1e4, y)
    est.fit(X, y)
    with pytest.raises(ValueError, match="weight_scale"):
        est.predict(X * 1e4)
    with pytest.raises(ValueError, match="weight_scale"):
        ComplexRandomFeatures(n_components=5, activation="exp").fit(X).transform(
            X * 1e4
        )


# --------------------------------------------------------------------------- #
# GPU (skipped without CuPy and a CUDA device; see conftest.py)
# --------------------------------------------------------------------------- #
@pytest.mark.gpu
@pytest.mark.parametrize("solver", ["auto", "lstsq"])
def test_gpu_predictions_match_cpu_in_float64(solver):
    X, y, Xt, _ = _split(3000, 300, 10, 3)
    kw = {"n_components": 400, "activation": "exp", "alpha": 1e-3, "random_state": 0}
    cpu = RandomFeaturePolynomialRegressor(solver=solver, **kw).fit(X, y)
    gpu = RandomFeaturePolynomialRegressor(solver=solver, device="cuda", **kw)
    gpu.fit(X, y)
    assert isinstance(gpu.output_weights_, np.ndarray)  # numpy in -> numpy out
    p_cpu, p_gpu = cpu.predict(Xt), gpu.predict(Xt)
    assert isinstance(p_gpu, np.ndarray)
    assert np.max(np.abs(p_gpu - p_cpu)) <= 1e-6 * np.max(np.abs(p_cpu))


@pytest.mark.gpu
def test_gpu_learns_cubic_in_40_variables():
    # C(43, 3) = 12341 <= 2m: phi_3 spans every cubic; m ~ 1e4 as in the issue.
    X, y, Xt, yt = _split(40000, 2000, 40, 3)
    est = RandomFeaturePolynomialRegressor(
        n_components=10000, degree=3, alpha=1e-6, device="cuda", random_state=0
    )
    assert est.fit(X, y).score(Xt, yt) >= 0.99


@pytest.mark.gpu
@pytest.mark.array_api
def test_gpu_cupy_in_cupy_out_and_partial_fit_matches():
    from sklearn_polynn._backend import _import_cupy, model_to_host

    cp = _import_cupy()
    X, y, Xt, _ = _split(1000, 100, 5, 2)
    kw = {"n_components": 50, "degree": 2, "alpha": 1e-4, "random_state": 0}
    ref = RandomFeaturePolynomialRegressor(**kw).fit(X, y)
    est = RandomFeaturePolynomialRegressor(**kw)
    try:  # CuPy in, CuPy out is array-API dispatch (needs SCIPY_ARRAY_API=1)
        with sklearn.config_context(array_api_dispatch=True):
            est.partial_fit(cp.asarray(X[:400]), cp.asarray(y[:400]))
            est.partial_fit(cp.asarray(X[400:]), cp.asarray(y[400:]))
            pred = est.predict(cp.asarray(Xt))
    except (RuntimeError, ImportError) as exc:
        pytest.skip(f"array-API dispatch unavailable: {exc}")
    assert type(pred).__module__.startswith("cupy")
    assert_allclose(cp.asnumpy(pred), ref.predict(Xt), rtol=1e-6, atol=1e-8)
    host = model_to_host(pickle.loads(pickle.dumps(est)))
    assert isinstance(host.output_weights_, np.ndarray)
    f32 = RandomFeaturePolynomialRegressor(dtype="float32", device="cuda", **kw)
    assert f32.fit(X, y).predict(Xt).dtype == np.float32


# --------------------------------------------------------------------------- #
# Issue 13: the circle domain runs no complex x complex GEMM
# --------------------------------------------------------------------------- #
class _RealMatmulOnly:
    """NumPy's array-API namespace whose ``matmul`` refuses complex operands."""

    def __init__(self):
        import array_api_compat.numpy

        self._xp = array_api_compat.numpy
        self.calls = 0

    def __getattr__(self, name):
        return getattr(self._xp, name)

    def matmul(self, a, b):
        assert not np.iscomplexobj(a) and not np.iscomplexobj(b), "complex GEMM"
        self.calls += 1
        return np.matmul(a, b)


@pytest.mark.parametrize("domain", ["real", "circle"])
def test_features_use_one_real_gemm_per_batch(domain):
    from sklearn_polynn._complex import interleaved_features
    from sklearn_polynn.activations import get_activation

    rng = np.random.RandomState(0)
    X = rng.uniform(0, 2 * np.pi, (40, 5)) if domain == "circle" else rng.randn(40, 5)
    W = draw_complex_weights(rng, 5, 7, 0.4)
    xp = _RealMatmulOnly()
    F = interleaved_features(X, W, get_activation("exp"), domain, xp)
    assert xp.calls == 1
    Xc = np.exp(1j * X) if domain == "circle" else X
    Phi = np.exp(Xc @ W)
    assert_allclose(F[:, 0::2] + 1j * F[:, 1::2], Phi, rtol=1e-12)


@pytest.mark.parametrize("degree", [2, None])  # truncated phi_2; exp by parts
def test_statistics_use_no_complex_gemm_on_the_circle(degree):
    from sklearn_polynn.random_features import _accumulate_statistics

    theta = np.random.RandomState(1).uniform(0, 2 * np.pi, (300, 4))
    y = np.cos(theta[:, 0] + theta[:, 1])
    est = RandomFeaturePolynomialRegressor(
        n_components=10, degree=degree, domain="circle", alpha=1e-6, random_state=0
    ).fit(theta, y)
    W = est.hidden_weights_
    stats = _accumulate_statistics(theta, y, W, est, _RealMatmulOnly(), 64)
    F = ComplexRandomFeatures(
        n_components=10, degree=degree, domain="circle", random_state=0
    ).fit_transform(theta)
    Fc = F - F.mean(0)
    assert_allclose(stats.scatter, Fc.T @ Fc, rtol=1e-9, atol=1e-9)


def _old_complex_exp_path(monkeypatch):
    """Route ``exp`` units through the complex ``exp`` of the interleaved path
    (the computation before ``exp`` by parts)."""
    import sklearn_polynn._complex as complex_module
    import sklearn_polynn.random_features as rf_module

    for module in (complex_module, rf_module):
        monkeypatch.setattr(module, "exp_by_parts", lambda activation: False)


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-12), ("float32", 1e-5)])
@pytest.mark.parametrize("domain", ["real", "circle"])
def test_exp_units_by_parts_equal_the_complex_exp(domain, dtype, rtol):
    from sklearn_polynn._complex import interleaved_features, real_features
    from sklearn_polynn.activations import get_activation

    rng = np.random.RandomState(0)
    X = rng.uniform(0, 2 * np.pi, (50, 6)) if domain == "circle" else rng.randn(50, 6)
    X = X.astype(dtype)
    W = draw_complex_weights(rng, 6, 9, 0.5)
    W = W.astype(np.complex64 if dtype == "float32" else np.complex128)
    xp = _RealMatmulOnly()
    F = real_features(X, W, get_activation("exp"), domain, xp)
    assert xp.calls == 1 and F.dtype == dtype and F.shape == (50, 18)
    old = interleaved_features(X, W, get_activation("exp"), domain, xp)
    old = np.concatenate([old[:, 0::2], old[:, 1::2]], axis=1)
    assert_allclose(F, old, rtol=rtol, atol=rtol * np.abs(old).max())


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("domain", ["real", "circle"])
def test_exp_fit_by_parts_equals_the_complex_exp_fit(monkeypatch, domain, weighted):
    rng = np.random.RandomState(3)
    X = rng.uniform(0, 2 * np.pi, (700, 5)) if domain == "circle" else rng.randn(700, 5)
    y = np.cos(X[:, 0] + X[:, 1]) if domain == "circle" else X[:, 0] * X[:, 1] ** 2
    weight = rng.uniform(0.5, 2.0, len(y)) if weighted else None
    kw = {"n_components": 30, "domain": domain, "alpha": 1e-3, "batch_size": 256}
    new = RandomFeaturePolynomialRegressor(random_state=0, **kw)
    new.fit(X, y, sample_weight=weight)
    F = ComplexRandomFeatures(n_components=30, domain=domain, random_state=0)
    F = F.fit(X).transform(X)
    with monkeypatch.context() as patch:
        _old_complex_exp_path(patch)
        old = RandomFeaturePolynomialRegressor(random_state=0, **kw)
        old.fit(X, y, sample_weight=weight)
        F_old = ComplexRandomFeatures(n_components=30, domain=domain, random_state=0)
        F_old = F_old.fit(X).transform(X)
        y_old = old.predict(X)
    assert new.activation_ == "exp"
    assert_allclose(new.output_weights_, old.output_weights_, rtol=1e-9)
    assert_allclose(new.intercept_, old.intercept_, rtol=1e-9)
    assert_allclose(new.predict(X), y_old, rtol=1e-9, atol=1e-12)
    assert_allclose(F, F_old, rtol=1e-12, atol=1e-14)


# --------------------------------------------------------------------------- #
# Issue 16: data-driven default penalty, bad parameters, input scale
# --------------------------------------------------------------------------- #
@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_default_alpha_is_safe_on_diabetes(seed):
    # RidgeCV gets 0.48; before alpha="auto" the default scored -52.8 .. 0.26.
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import cross_val_score

    X, y = load_diabetes(return_X_y=True)
    est = RandomFeaturePolynomialRegressor(n_components=300, random_state=seed)
    assert est.get_params()["alpha"] == "auto"
    r2 = cross_val_score(est, X, y, cv=5).mean()
    assert r2 >= 0.40, r2


def test_alpha_auto_picks_a_penalty_on_noisy_data_and_fits_exact_data():
    X, y, Xt, yt = _split(400, 200, 4, 2)
    kw = {"n_components": 40, "degree": 2, "random_state": 0}
    exact = RandomFeaturePolynomialRegressor(**kw).fit(X, y)
    assert exact.solver_ == "eigen" and exact.gcv_scores_.shape == (23,)
    assert exact.score(Xt, yt) > 0.9999
    noise = 2.0 * np.random.RandomState(0).standard_normal(len(y))
    noisy = RandomFeaturePolynomialRegressor(**kw).fit(X, y + noise)
    assert noisy.alpha_ > 100 * exact.alpha_  # noise -> more regularization


@pytest.mark.parametrize("param", ["n_components", "degree", "batch_size"])
def test_boolean_integer_parameters_are_rejected(param):
    X, y, _, _ = _split(30, 0, 3, 2)
    with pytest.raises(
        ValueError, match=rf"The '{param}' parameter of \w+ must be an int"
    ):
        RandomFeaturePolynomialRegressor(**{param: True}).fit(X, y)
    with pytest.raises(
        ValueError, match=rf"The '{param}' parameter of \w+ must be an int"
    ):
        ComplexRandomFeatures(**{param: True}).fit(X)


@pytest.mark.parametrize("scale", [1e-4, 1e-8, 1e3])
def test_badly_scaled_inputs_warn_with_the_fix(scale):
    X, y, _, _ = _split(200, 0, 3, 2)
    with pytest.warns(UserWarning, match="StandardScaler") as record:
        RandomFeaturePolynomialRegressor(n_components=10, degree=2).fit(X * scale, y)
    assert record[0].filename == __file__  # stacklevel: the user's line
    with pytest.warns(UserWarning, match="WhiteningTransformer"):
        ComplexRandomFeatures(n_components=10, degree=2).fit(X * scale)


def test_unit_scale_inputs_do_not_warn():
    X, y, _, _ = _split(200, 0, 3, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        RandomFeaturePolynomialRegressor(n_components=10, degree=2).fit(X, y)
        RandomFeaturePolynomialRegressor(n_components=10, degree=2).partial_fit(X, y)


# --------------------------------------------------------------------------- #
# Issue 17: sample_weight, lazy partial_fit, float32, n_iter_, LinAlgWarning
# --------------------------------------------------------------------------- #
def test_integer_sample_weight_equals_repeated_rows():
    X, y, Xt, _ = _split(300, 50, 4, 2)
    w = np.random.RandomState(0).randint(0, 4, len(y))
    kw = {"n_components": 30, "activation": "exp", "random_state": 0}
    for alpha in (1e-3, "auto"):
        weighted = RandomFeaturePolynomialRegressor(alpha=alpha, **kw)
        weighted.fit(X, y, sample_weight=w)
        rows = np.repeat(np.arange(len(y)), w)
        repeated = RandomFeaturePolynomialRegressor(alpha=alpha, **kw)
        repeated.fit(X[rows], y[rows])
        assert weighted.alpha_ == pytest.approx(repeated.alpha_, rel=1e-10)
        assert_allclose(weighted.predict(Xt), repeated.predict(Xt), rtol=1e-10)
    # weighted partial_fit chunks merge exactly too
    inc = RandomFeaturePolynomialRegressor(alpha=1e-3, **kw)
    for part in np.array_split(np.arange(len(y)), 3):
        inc.partial_fit(X[part], y[part], sample_weight=w[part])
    ref = RandomFeaturePolynomialRegressor(alpha=1e-3, **kw).fit(X, y, w)
    assert_allclose(inc.predict(Xt), ref.predict(Xt), rtol=1e-10)
    assert inc.n_samples_seen_ == len(y)


def test_sample_weight_errors():
    X, y, _, _ = _split(30, 0, 3, 2)
    est = RandomFeaturePolynomialRegressor(n_components=5)
    with pytest.raises(ValueError, match="[Nn]egative"):
        est.fit(X, y, sample_weight=-np.ones(30))
    with pytest.raises(ValueError, match=r"sample_weight.shape"):
        est.fit(X, y, sample_weight=np.ones(29))


def test_sample_weight_is_routed_by_cross_validate():
    from sklearn.model_selection import cross_validate

    X, y, _, _ = _split(200, 0, 3, 2)
    w = np.random.RandomState(0).uniform(0.5, 2.0, len(y))
    with sklearn.config_context(enable_metadata_routing=True):
        est = RandomFeaturePolynomialRegressor(n_components=10, degree=2)
        est.set_fit_request(sample_weight=True).set_score_request(sample_weight=True)
        out = cross_validate(est, X, y, cv=3, params={"sample_weight": w})
    assert np.all(out["test_score"] > 0.999)


def test_partial_fit_solves_once_lazily(monkeypatch):
    from sklearn_polynn import random_features

    calls = []
    solve = random_features.gcv_path
    monkeypatch.setattr(
        random_features, "gcv_path", lambda *a: calls.append(1) or solve(*a)
    )
    X, y, Xt, _ = _split(400, 50, 4, 2)
    kw = {"n_components": 20, "degree": 2, "random_state": 0}
    inc = RandomFeaturePolynomialRegressor(**kw)
    for part in np.array_split(np.arange(len(y)), 20):
        inc.partial_fit(X[part], y[part])
    assert calls == []  # nothing solved yet
    pred = inc.predict(Xt)
    assert calls == [1]
    inc.predict(Xt)
    assert calls == [1]
    full = RandomFeaturePolynomialRegressor(**kw).fit(X, y)
    assert_allclose(pred, full.predict(Xt), rtol=1e-8, atol=1e-10)
    clone = pickle.loads(pickle.dumps(RandomFeaturePolynomialRegressor(**kw)))
    clone.partial_fit(X, y)
    assert_allclose(pickle.loads(pickle.dumps(clone)).predict(Xt), pred, rtol=1e-8)
    assert not hasattr(RandomFeaturePolynomialRegressor(), "output_weights_")


def test_complex_random_features_preserve_float32():
    X = np.random.RandomState(0).standard_normal((50, 4))
    est = ComplexRandomFeatures(n_components=6, degree=2, random_state=0)
    F32 = est.fit_transform(X.astype(np.float32))
    assert F32.dtype == np.float32 and est.hidden_weights_.dtype == np.complex64
    assert "float32" in est.__sklearn_tags__().transformer_tags.preserves_dtype
    F64 = est.fit_transform(X)
    assert F64.dtype == np.float64 and est.hidden_weights_.dtype == np.complex128
    assert_allclose(F32, F64, rtol=1e-4, atol=1e-5)


def test_n_iter_is_none_for_closed_form_solvers():
    X, y, _, _ = _split(100, 0, 3, 2)
    kw = {"n_components": 8, "degree": 2, "random_state": 0}
    assert RandomFeaturePolynomialRegressor(**kw).fit(X, y).n_iter_ is None
    assert RandomFeaturePolynomialRegressor(alpha=1e-3, **kw).fit(X, y).n_iter_ is None
    gd = RandomFeaturePolynomialRegressor(solver="gd", max_iter=5, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert gd.fit(X, y).n_iter_ == 5


def test_cholesky_fallback_warns_linalg_warning_at_the_callers_line():
    X, y, _, _ = _split(400, 0, 3, 2)
    kw = {"n_components": 40, "degree": 2, "alpha": 0.0, "random_state": 0}
    with pytest.warns(LinAlgWarning, match="falling back") as record:
        RandomFeaturePolynomialRegressor(**kw).fit(X, y)
    assert record[0].filename == __file__
    inc = RandomFeaturePolynomialRegressor(**kw).partial_fit(X, y)
    with pytest.warns(LinAlgWarning, match="falling back") as record:
        inc.predict(X)  # the lazy solve warns where the weights are first read
    assert record[0].filename == __file__


def test_default_alpha_on_noise_free_friedman3_does_not_interpolate():
    """Issue 16: with 2000 real features for 400 rows and a noise-free target,
    plain GCV chose the smallest penalty of the grid (test R^2 -2.1 on this
    fold; the modified GCV of Kim & Gu 2004 keeps it above 0.8)."""
    from sklearn.datasets import make_friedman3
    from sklearn.model_selection import KFold
    from sklearn.preprocessing import StandardScaler

    X, y = make_friedman3(500, noise=0.0, random_state=0)
    train, test = list(KFold(5, shuffle=True, random_state=0).split(X))[2]
    scaler = StandardScaler().fit(X[train])
    est = RandomFeaturePolynomialRegressor(random_state=0)
    est.fit(scaler.transform(X[train]), y[train])
    assert est.score(scaler.transform(X[test]), y[test]) > 0.8


def test_default_alpha_on_few_rows_ranks_the_penalties():
    """On 20 rows with 1000 features the modified GCV's inflated ``1.4 df``
    exceeds ``n`` at every penalty: every score was inf and argmin took the
    smallest penalty (near interpolation); plain GCV ranks the grid there."""
    from sklearn.datasets import make_friedman1
    from sklearn.preprocessing import StandardScaler

    X, y = make_friedman1(20, noise=1.0, random_state=0)
    est = RandomFeaturePolynomialRegressor(random_state=0)
    est.fit(StandardScaler().fit_transform(X), y)
    scores = np.asarray(est.gcv_scores_)
    assert np.isfinite(scores).sum() > len(scores) // 2
    assert scores[0] > scores.min()  # the smallest penalty is not the choice


def test_gram_of_fortran_ordered_features_reads_them_in_place(monkeypatch):
    # the [Re, Im] features of exp by parts are the transpose of a C-ordered
    # (2m, rows) array: dsyrk reads them with trans=1, no copy
    import scipy.linalg.blas

    from sklearn_polynn._backend import add_gram, gram_accumulator

    dsyrk, seen = scipy.linalg.blas.dsyrk, []

    def spy(alpha, a, **kw):
        seen.append((np.shares_memory(a, F), kw["trans"]))
        return dsyrk(alpha, a, **kw)

    monkeypatch.setattr(scipy.linalg.blas, "dsyrk", spy)
    F = np.random.RandomState(0).standard_normal((6, 9)).T  # (9, 6) Fortran
    S, full = add_gram(gram_accumulator(6, np, None), F, np)
    assert seen == [(True, 1)] and not full
    assert_allclose(np.triu(S), np.triu(F.T @ F), rtol=1e-12)


@pytest.mark.array_api
@pytest.mark.parametrize("domain", ["real", "circle"])
def test_exp_units_by_parts_on_array_api_strict_match_numpy(domain):
    """The exp-by-parts path (``degree=None``: exp units) outside NumPy (the
    generic ``exp_parts`` fallback): fit, predict and transform on
    array_api_strict's non-default device equal NumPy."""
    from array_api_strict import Device, asarray

    from sklearn_polynn._backend import device_of, to_numpy

    rng = np.random.RandomState(0)
    X = rng.uniform(0, 2 * np.pi, (300, 3)) if domain == "circle" else rng.randn(300, 3)
    y = np.cos(X[:, 0]) * X[:, 1]
    kw = {"n_components": 40, "domain": domain, "alpha": 1e-3, "random_state": 0}
    ref = RandomFeaturePolynomialRegressor(**kw).fit(X, y)
    features = ComplexRandomFeatures(n_components=40, domain=domain, random_state=0)
    F_ref = features.fit(X).transform(X)
    device = Device("device1")
    Xs, ys = asarray(X, device=device), asarray(y, device=device)
    with sklearn.config_context(array_api_dispatch=True):
        est = RandomFeaturePolynomialRegressor(**kw).fit(Xs, ys)
        pred = est.predict(Xs)
        F = ComplexRandomFeatures(n_components=40, domain=domain, random_state=0)
        F = F.fit(Xs).transform(Xs)
    assert est.activation_ == "exp"  # the exp-by-parts path
    assert device_of(pred) == device and device_of(F) == device
    assert_allclose(to_numpy(est.output_weights_), ref.output_weights_, rtol=1e-8)
    assert_allclose(to_numpy(pred), ref.predict(X), rtol=1e-8, atol=1e-10)
    assert_allclose(to_numpy(F), F_ref, rtol=1e-10, atol=1e-12)
