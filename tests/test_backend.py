"""Device resolution, array movement and validation of CuPy/NumPy inputs."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sklearn_polynn import WhiteningTransformer, model_to_host
from sklearn_polynn._backend import (
    asarray,
    cupy_available,
    get_namespace,
    is_cupy_array,
    resolve_device,
    special_module,
    to_numpy,
    to_output,
)
from sklearn_polynn._validation import check_dtype, validate_input


def test_numpy_input_resolves_to_numpy_for_none_and_cpu():
    X = np.ones((3, 2))
    for device in (None, "cpu"):
        xp, to_host = resolve_device(device, X)
        assert xp is np and to_host
    assert get_namespace(X, None) is np
    assert not is_cupy_array(X)


def test_unknown_device_is_rejected_by_name():
    with pytest.raises(ValueError, match="device must be one of None, 'cpu' or 'cuda'"):
        resolve_device("gpu", np.ones(2))


@pytest.mark.skipif(cupy_available(), reason="checks the no-GPU error")
def test_cuda_without_cupy_or_gpu_raises_with_install_advice():
    with pytest.raises(ValueError, match=r"pip install \"sklearn-polynn\[gpu\]\""):
        resolve_device("cuda", np.ones(2))
    with pytest.raises(ValueError, match="device='cuda' needs CuPy"):
        WhiteningTransformer(device="cuda").fit(np.eye(3) + 1.0)


def test_numpy_roundtrip_helpers():
    a = np.arange(4.0)
    assert asarray(a, np, dtype=np.float32).dtype == np.float32
    assert asarray(None, np) is None
    assert to_numpy(a) is a
    assert to_output(a, True) is a
    assert special_module(np).erf(0.0) == 0.0


def test_validate_input_checks_and_dtype():
    est = WhiteningTransformer()
    X, y, xp, to_host = validate_input(est, [[1, 2], [3, 4]], [1, 2], reset=True)
    assert X.dtype == np.float64 and y.dtype == np.float64 and xp is np and to_host
    assert est.n_features_in_ == 2
    X32, *_ = validate_input(est, np.ones((2, 2)), reset=True, dtype="float32")
    assert X32.dtype == np.float32
    with pytest.raises(ValueError, match="domain='circle'"):
        validate_input(est, np.ones((2, 2)) * 1j, reset=True)
    with pytest.raises(ValueError, match="dtype must be 'float64' or 'float32'"):
        check_dtype("float16")
    with pytest.warns(Warning, match="column-vector y"):
        validate_input(est, np.ones((3, 2)), np.ones((3, 1)), reset=True)


def test_model_to_host_keeps_numpy_models_and_pickles():
    wt = WhiteningTransformer().fit(np.random.RandomState(0).standard_normal((20, 3)))
    assert model_to_host(wt) is wt
    again = pickle.loads(pickle.dumps(wt))
    assert_allclose(again.whitening_matrix_, wt.whitening_matrix_)


@pytest.mark.gpu
def test_cupy_input_stays_on_gpu_and_numpy_input_with_cuda_comes_back():
    import cupy

    X = np.random.RandomState(0).standard_normal((50, 4))
    Xg = cupy.asarray(X)
    xp, to_host = resolve_device(None, Xg)
    assert xp is cupy and not to_host
    wt = WhiteningTransformer().fit(Xg)
    assert is_cupy_array(wt.whitening_matrix_)
    model_to_host(wt)
    assert isinstance(wt.whitening_matrix_, np.ndarray)
    wt_cuda = WhiteningTransformer(device="cuda").fit(X)
    assert isinstance(wt_cuda.transform(X), np.ndarray)
    with pytest.raises(ValueError, match="NaN or infinity"):
        WhiteningTransformer().fit(cupy.asarray([[np.nan, 1.0], [1.0, 2.0]]))
