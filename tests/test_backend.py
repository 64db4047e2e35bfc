"""The array-API backend: namespace and device resolution, moves, the gap table.

``array_api_strict`` on its non-default device stands in for a GPU: it refuses
implicit host copies and mixed devices, so the fallbacks of the gap table are
checked here without one.
"""

import math
import pickle

import numpy as np
import pytest
import scipy.special
import sklearn
from numpy.testing import assert_allclose

from sklearn_polynn import WhiteningTransformer, model_to_host
from sklearn_polynn._backend import (
    Namespace,
    add_gram,
    asarray,
    check_same_namespace,
    complex_view,
    cupy_available,
    device_of,
    dispatch_enabled,
    erf,
    exp_inplace,
    exp_parts,
    expit,
    get_namespace,
    gram_accumulator,
    is_numpy_namespace,
    lstsq,
    namespace_name,
    real_dtype_for,
    real_view,
    resolve_namespace,
    solve_triangular,
    to_numpy,
    to_output,
)
from sklearn_polynn._validation import check_dtype, validate_input

xps = pytest.importorskip("array_api_strict")
DEVICE1 = xps.Device("device1")


needs_dispatch = pytest.mark.array_api


def _strict(a):
    return xps.asarray(np.asarray(a), device=DEVICE1)


# ----------------------------------------------------------------- resolution
def test_numpy_input_resolves_to_numpy_for_none_and_cpu():
    X = np.ones((3, 2))
    for device in (None, "cpu"):
        ns = resolve_namespace(device, X)
        assert is_numpy_namespace(ns.xp) and ns.to_host and ns.device == "cpu"
    assert is_numpy_namespace(get_namespace(X, None, [1.0]))


def test_unknown_device_is_rejected_by_name():
    with pytest.raises(ValueError, match="device must be one of None, 'cpu' or 'cuda'"):
        resolve_namespace("gpu", np.ones(2))


@pytest.mark.skipif(cupy_available(), reason="checks the no-GPU error")
def test_cuda_without_cupy_or_gpu_raises_with_install_advice():
    with pytest.raises(ValueError, match=r"pip install \"sklearn-polynn\[gpu\]\""):
        resolve_namespace("cuda", np.ones(2))
    with pytest.raises(ValueError, match="device='cuda' needs CuPy"):
        WhiteningTransformer(device="cuda").fit(np.eye(3) + 1.0)


def test_without_dispatch_foreign_input_computes_with_numpy():
    assert not dispatch_enabled()
    ns = resolve_namespace(None, _strict(np.ones(2)))
    assert is_numpy_namespace(ns.xp) and ns.to_host


@needs_dispatch
def test_under_dispatch_input_namespace_and_device_compute():
    a = _strict(np.ones(2))
    with sklearn.config_context(array_api_dispatch=True):
        ns = resolve_namespace(None, a, None)
        assert namespace_name(ns.xp) == "array_api_strict"
        assert ns.device == DEVICE1 and not ns.to_host
        # device="cpu" still means NumPy, results on the host
        assert is_numpy_namespace(resolve_namespace("cpu", a).xp)


def test_mixed_devices_raise_naming_them():
    with pytest.raises(ValueError, match="different devices"):
        device_of(_strict([1.0]), xps.asarray([1.0]))


def test_namespace_repr_and_moves():
    ns = Namespace(xps, DEVICE1, False)
    assert "array_api_strict" in repr(ns)
    moved = ns.asarray(np.arange(3.0), dtype=xps.float32)
    assert moved.device == DEVICE1 and moved.dtype == xps.float32
    assert ns.output(moved) is moved
    assert_allclose(Namespace(xps, DEVICE1, True).output(moved), [0.0, 1.0, 2.0])


def test_asarray_and_to_numpy_round_trip_every_way():
    a = np.arange(4.0)
    assert asarray(a, np, dtype=np.float32).dtype == np.float32
    assert asarray(None, np) is None
    assert to_numpy(a) is a and to_output(a, True) is a
    strict = asarray(a, xps, device=DEVICE1)
    assert strict.device == DEVICE1
    assert asarray(strict, xps) is strict  # same namespace and device: no copy
    back = to_numpy(strict)
    assert isinstance(back, np.ndarray)
    assert_allclose(back, a)
    assert isinstance(asarray(strict, np), np.ndarray)


def test_real_dtype_for_follows_request():
    assert real_dtype_for(xps, DEVICE1) == xps.float64
    assert real_dtype_for(xps, DEVICE1, "float32") == xps.float32


# ----------------------------------------------------------------- validation
def test_validate_input_checks_and_dtype():
    est = WhiteningTransformer()
    X, y, ns = validate_input(est, [[1, 2], [3, 4]], [1, 2], reset=True)
    assert X.dtype == np.float64 and y.dtype == np.float64
    assert is_numpy_namespace(ns.xp) and ns.to_host
    assert est.n_features_in_ == 2
    X32, _, _ = validate_input(est, np.ones((2, 2)), reset=True, dtype="float32")
    assert X32.dtype == np.float32
    kept, _, _ = validate_input(
        est, np.ones((2, 2), np.float32), reset=True, dtype=None
    )
    assert kept.dtype == np.float32
    with pytest.raises(ValueError, match="domain='circle'"):
        validate_input(est, np.ones((2, 2)) * 1j, reset=True)
    with pytest.raises(ValueError, match="dtype must be 'float64' or 'float32'"):
        check_dtype("float16")
    with pytest.warns(Warning, match="column-vector y"):
        validate_input(est, np.ones((3, 2)), np.ones((3, 1)), reset=True)


def test_validate_input_does_not_mutate_the_callers_array():
    X = np.arange(6.0).reshape(3, 2)
    before = X.copy()
    out, _, _ = validate_input(WhiteningTransformer(), X, reset=True)
    WhiteningTransformer(center=True).fit_transform(X)
    assert_allclose(X, before)
    assert out.dtype == np.float64


@needs_dispatch
def test_validate_input_keeps_array_api_input_on_its_device():
    est = WhiteningTransformer()
    with sklearn.config_context(array_api_dispatch=True):
        X, y, ns = validate_input(
            est, _strict(np.ones((3, 2))), np.arange(3.0), reset=True
        )
        assert X.device == DEVICE1 and y.device == DEVICE1  # NumPy y follows X
        with pytest.raises(ValueError, match="Input X contains NaN"):
            validate_input(est, _strict([[np.nan, 1.0], [1.0, 2.0]]), reset=True)


@needs_dispatch
def test_check_same_namespace_names_method_and_both_namespaces():
    est = WhiteningTransformer()
    fitted = _strict(np.ones(2))
    with sklearn.config_context(array_api_dispatch=True):
        with pytest.raises(
            ValueError,
            match=r"WhiteningTransformer\.transform\(\) must use the same namespace.*"
            r"fitted on array_api_strict arrays but got numpy input",
        ):
            check_same_namespace(est, np.ones(2), fitted, "transform")
        with pytest.raises(ValueError, match="fitted on device"):
            check_same_namespace(est, xps.asarray([1.0]), fitted, "predict")
        check_same_namespace(est, _strict([1.0]), fitted, "predict")  # same: fine
    check_same_namespace(est, np.ones(2), fitted, "predict")  # no dispatch: no check


# ----------------------------------------------------------------- gap table
@pytest.mark.parametrize(
    "fn, reference", [(erf, scipy.special.erf), (expit, scipy.special.expit)]
)
def test_special_functions_native_and_fallback_match_scipy(fn, reference):
    z = np.concatenate([np.linspace(-8, 8, 401), [-40.0, -2.5, 2.5, 40.0, 0.0]])
    assert_allclose(fn(z), reference(z), rtol=1e-15, atol=1e-16)
    fallback = fn(_strict(z))  # array_api_strict: the standard-functions fallback
    assert fallback.device == DEVICE1
    assert_allclose(to_numpy(fallback), reference(z), rtol=1e-13, atol=1e-14)


def test_erf_fallback_is_not_a_loose_approximation():
    # Abramowitz-Stegun 7.1.26 (error 1.5e-7) would fail this.
    z = np.linspace(-4, 4, 1001)
    err = np.max(np.abs(to_numpy(erf(_strict(z))) - scipy.special.erf(z)))
    assert err < 1e-13


@pytest.mark.parametrize("lower", [True, False])
def test_solve_triangular_native_and_fallback(lower):
    rng = np.random.RandomState(0)
    L = np.tril(rng.standard_normal((5, 5))) + 5 * np.eye(5)
    L = L if lower else L.T
    b = rng.standard_normal((5, 2))
    expected = np.linalg.solve(L, b)
    assert_allclose(solve_triangular(L, b, lower=lower, xp=np), expected, rtol=1e-12)
    got = solve_triangular(_strict(L), _strict(b), lower=lower, xp=xps)
    assert_allclose(to_numpy(got), expected, rtol=1e-12)


def test_lstsq_native_and_fallback_give_the_minimum_norm_solution():
    rng = np.random.RandomState(1)
    A = rng.standard_normal((8, 3)) @ rng.standard_normal((3, 5))  # rank 3
    b = rng.standard_normal(8)
    expected = np.linalg.pinv(A) @ b
    assert_allclose(lstsq(A, b, np), expected, rtol=1e-10, atol=1e-12)
    assert_allclose(to_numpy(lstsq(_strict(A), _strict(b), xps)), expected, rtol=1e-10)


def test_real_and_complex_views_round_trip_and_interleave():
    rng = np.random.RandomState(2)
    Z = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
    F = real_view(Z)
    assert F.shape == (3, 8)
    assert_allclose(F[:, 0::2], Z.real)
    assert_allclose(F[:, 1::2], Z.imag)
    assert np.shares_memory(F, Z)  # a view on NumPy
    assert_allclose(complex_view(F), Z)
    Fs = real_view(_strict(Z))
    assert Fs.device == DEVICE1
    assert_allclose(to_numpy(Fs), F)
    assert_allclose(to_numpy(complex_view(Fs)), Z)
    assert real_view(Z.astype(np.complex64)).dtype == np.float32


def test_exp_inplace_overwrites_on_numpy_and_computes_elsewhere():
    Z = np.array([0.0 + 1j, 1.0 + 0j])
    expected = np.exp(Z)
    out = exp_inplace(Z)
    assert out is Z
    assert_allclose(Z, expected)
    s = exp_inplace(_strict(np.array([0.0 + 1j, 1.0 + 0j])))
    assert_allclose(to_numpy(s), expected)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_exp_parts_matches_complex_exp_to_rounding(dtype):
    """exp of [A; B] as e^A (cos B, sin B): the NumPy half-angle path overwrites
    Z and stays within 4 ulp (absolute, relative to |exp|) of the exact value,
    including angles at pi, pi/2 and far from 0; the generic path agrees."""
    rng = np.random.RandomState(0)
    b = np.concatenate(
        [rng.standard_normal(2000), 50 * rng.standard_normal(1000)]
        + [np.array([np.pi, -np.pi, np.pi / 2, 3 * np.pi, 0.0, 1e-30])]
    )
    a = rng.standard_normal(b.shape)
    Z = np.stack([a, b]).astype(dtype)  # (2, k): m = 1 unit row per half
    exact = np.exp(Z[0].astype(np.float64) + 1j * Z[1].astype(np.float64))
    out = exp_parts(Z)
    assert out is Z and out.dtype == dtype
    ulp = np.finfo(dtype).eps
    assert np.max(np.abs(out[0] + 1j * out[1] - exact) / np.abs(exact)) < 4 * ulp
    Zs = np.stack([a, b]).astype(dtype)
    strict = to_numpy(exp_parts(_strict(Zs)))
    assert_allclose(strict, out, rtol=0, atol=8 * ulp * np.abs(exact).max())


def test_add_gram_syrk_and_gemm_paths_agree():
    rng = np.random.RandomState(3)
    F1, F2 = rng.standard_normal((7, 4)), rng.standard_normal((5, 4))
    expected = F1.T @ F1 + F2.T @ F2
    S = gram_accumulator(4, np, "cpu")
    for F in (F1, F2):
        S, full = add_gram(S, F, np)
    assert not full  # dsyrk fills the upper triangle
    assert_allclose(np.triu(S), np.triu(expected), rtol=1e-12)
    Ss = gram_accumulator(4, xps, DEVICE1)
    for F in (F1, F2):
        Ss, full = add_gram(Ss, _strict(F), xps)
    assert full and Ss.device == DEVICE1
    assert_allclose(to_numpy(Ss), expected, rtol=1e-12)


# ----------------------------------------------------------------- models
def test_model_to_host_keeps_numpy_models_and_pickles():
    wt = WhiteningTransformer().fit(np.random.RandomState(0).standard_normal((20, 3)))
    assert model_to_host(wt) is wt
    again = pickle.loads(pickle.dumps(wt))
    assert_allclose(again.whitening_matrix_, wt.whitening_matrix_)


@needs_dispatch
def test_model_to_host_moves_array_api_attributes():
    X = np.random.RandomState(0).standard_normal((30, 3))
    with sklearn.config_context(array_api_dispatch=True):
        wt = WhiteningTransformer().fit(_strict(X))
    assert wt.whitening_matrix_.device == DEVICE1
    model_to_host(wt)
    assert isinstance(wt.whitening_matrix_, np.ndarray)
    assert_allclose(wt.transform(X), WhiteningTransformer().fit_transform(X))


@pytest.mark.gpu
@pytest.mark.array_api
def test_cupy_input_under_dispatch_stays_on_gpu_and_cuda_device_comes_back():
    import cupy

    X = np.random.RandomState(0).standard_normal((50, 4))
    Xg = cupy.asarray(X)
    with sklearn.config_context(array_api_dispatch=True):
        ns = resolve_namespace(None, Xg)
        assert namespace_name(ns.xp) == "cupy" and not ns.to_host
        wt = WhiteningTransformer().fit(Xg)
        assert namespace_name(get_namespace(wt.whitening_matrix_)) == "cupy"
        with pytest.raises(ValueError, match="NaN or infinity"):
            WhiteningTransformer().fit(cupy.asarray([[np.nan, 1.0], [1.0, 2.0]]))
    model_to_host(wt)
    assert isinstance(wt.whitening_matrix_, np.ndarray)
    wt_cuda = WhiteningTransformer(device="cuda").fit(X)
    assert isinstance(wt_cuda.whitening_matrix_, np.ndarray)
    assert_allclose(wt_cuda.transform(X), WhiteningTransformer().fit_transform(X))
    # device="cuda" with CuPy input and no dispatch: validated natively on the GPU
    wt_native = WhiteningTransformer(device="cuda").fit(Xg)
    assert isinstance(wt_native.whitening_matrix_, np.ndarray)


def test_erf_fallback_helper_matches_math_erf_at_scalars():
    for v in (-3.0, -0.5, 0.0, 1e-8, 0.7, 2.49, 2.51, 6.0):
        got = float(to_numpy(erf(_strict([v])))[0])
        assert math.isclose(got, math.erf(v), rel_tol=1e-13, abs_tol=1e-15)
