"""The array API backend: the one module that knows about namespaces and devices.

Array code in this package is written against the `array API standard
<https://data-apis.org/array-api/2023.12/>`_ (2023.12, complex dtypes included)
through :func:`array_api_compat.array_namespace`: an algorithm receives ``xp``
(the namespace of its input) and uses ``xp.*`` functions only, creating arrays with
``device=`` of its input. No other module imports CuPy or PyTorch.

Which namespace computes (:func:`resolve_namespace`), as scikit-learn's own
array-API estimators do:

* ``sklearn.set_config(array_api_dispatch=True)`` (scikit-learn >= 1.8 also
  needs ``SCIPY_ARRAY_API=1`` in the environment before SciPy is imported):
  input of any namespace (NumPy, CuPy, PyTorch, ``array_api_strict``) computes in
  that namespace, on that device; fitted attributes and outputs stay there.
* Without dispatch: NumPy (scikit-learn's ``validate_data`` converts the input).
* ``device="cuda"``, a convenience independent of dispatch: NumPy input is moved
  to CuPy, computed there, and fitted attributes and outputs come back as NumPy,
  so a pickled model loads on a machine without a GPU. ``device="cpu"`` computes
  with NumPy whatever the input.

Random weights are drawn on the host with NumPy from ``random_state`` and moved
with :func:`asarray`, so one seed gives one model on every namespace.

What the standard lacks lives in one table here; each entry names the library
that provides it per namespace and the fallback built from standard functions:

* :func:`erf`, :func:`expit`: ``scipy.special`` (NumPy), ``cupyx.scipy.special``
  (CuPy), ``torch.special``; fallback: Maclaurin series / continued fraction
  (``erf``), ``exp`` of the non-positive part (``expit``).
* :func:`solve_triangular`: ``scipy.linalg``, ``cupyx.scipy.linalg``,
  ``torch.linalg.solve_triangular``; fallback: ``xp.linalg.solve``.
* :func:`lstsq`: ``numpy.linalg`` / ``cupy.linalg`` / ``torch.linalg``;
  fallback: ``xp.linalg.pinv(A) @ B``.
* :func:`real_view`, :func:`complex_view` (complex ``(n, m)`` as real
  ``(n, 2m)`` interleaved, and back): ``ndarray.view`` (NumPy, CuPy),
  ``torch.view_as_real`` / ``view_as_complex``; fallback: a copy through
  ``stack`` / ``real + 1j * imag``.
* :func:`complex_from_parts` (``re + i im`` from two real arrays): a complex
  buffer filled through its ``.real`` / ``.imag`` (NumPy, CuPy),
  ``torch.complex``; fallback: ``astype(re, complex) + 1j * astype(im, complex)``.
* :func:`exp_inplace`: ``exp(out=)`` (NumPy, CuPy), ``Tensor.exp_``; fallback:
  ``xp.exp`` (a new array).
* :func:`exp_parts` (``exp`` of a complex array held as real ``[Re; Im]``
  halves): NumPy in place, with ``cos``/``sin`` from the half-angle tangent
  (NumPy's float64 ``cos``/``sin`` are scalar loops, its ``tan`` and ``exp``
  vectorized); fallback: ``xp.exp``, ``xp.cos``, ``xp.sin``.
* :func:`add_gram` (``S += F^T F``): BLAS ``dsyrk`` (NumPy float64); fallback: a
  GEMM.
"""

import functools
import math

import numpy as np
import sklearn

__all__ = [
    "Namespace",
    "add_gram",
    "asarray",
    "check_same_namespace",
    "complex_dtype_for",
    "complex_from_parts",
    "complex_view",
    "cupy_available",
    "device_of",
    "dispatch_enabled",
    "erf",
    "exp_inplace",
    "exp_parts",
    "expit",
    "get_namespace",
    "gram_accumulator",
    "is_numpy_namespace",
    "lstsq",
    "model_to_host",
    "namespace_name",
    "real_dtype_for",
    "real_view",
    "resolve_namespace",
    "row_batches",
    "solve_triangular",
    "to_numpy",
    "to_output",
]

_VALID_DEVICES = (None, "cpu", "cuda")

_CUPY_INSTALL_HINT = (
    "device='cuda' needs CuPy and a CUDA GPU. Install the GPU extra with "
    "`pip install \"sklearn-polynn[gpu]\"` (CuPy for CUDA 12), or use device='cpu'."
)


# --------------------------------------------------------------------------- #
# Namespaces
# --------------------------------------------------------------------------- #
@functools.cache
def _compat():
    import array_api_compat

    return array_api_compat


@functools.cache
def _numpy_namespace():
    """The array-API view of NumPy (``array_api_compat.numpy``)."""
    import array_api_compat.numpy

    return array_api_compat.numpy


@functools.cache
def _import_cupy():
    """Return the ``cupy`` module, or ``None`` when it cannot be imported."""
    try:
        import cupy
    except Exception:  # ImportError, or a CUDA library failing to load
        return None
    return cupy


@functools.cache
def cupy_available():
    """Whether CuPy imports and sees at least one CUDA device.

    Returns
    -------
    available : bool
    """
    cupy = _import_cupy()
    if cupy is None:
        return False
    try:
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # no driver, or no device
        return False


def _cupy_namespace():
    if not cupy_available():
        raise ValueError(_CUPY_INSTALL_HINT)
    import array_api_compat.cupy

    return array_api_compat.cupy


def _is_numpy_array(array):
    return isinstance(array, np.ndarray | np.generic)


def _is_array(array):
    """Whether ``array`` is an array of some array-API namespace (not a list)."""
    if array is None or isinstance(array, list | tuple | int | float | complex):
        return False
    return _is_numpy_array(array) or _compat().is_array_api_obj(array)


def dispatch_enabled():
    """Whether ``sklearn.set_config(array_api_dispatch=True)`` is in effect."""
    return bool(sklearn.get_config().get("array_api_dispatch", False))


def get_namespace(*arrays):
    """Array-API namespace of the given arrays (compute-side helper).

    Unlike :func:`resolve_namespace`, this ignores scikit-learn's dispatch
    setting: it is for arrays that are already in the namespace the algorithm
    computes in. NumPy arrays, lists and ``None`` give ``array_api_compat.numpy``.

    Parameters
    ----------
    *arrays : array or None

    Returns
    -------
    xp : module
    """
    arrays = [a for a in arrays if _is_array(a) and not _is_numpy_array(a)]
    if not arrays:
        return _numpy_namespace()
    return _compat().array_namespace(*arrays)


def namespace_name(xp):
    """Short readable name of a namespace (``"numpy"``, ``"cupy"``, ``"torch"``...)."""
    name = getattr(xp, "__name__", str(xp))
    return name.removeprefix("array_api_compat.")


def is_numpy_namespace(xp):
    """Whether ``xp`` is NumPy (plain or through ``array_api_compat``)."""
    return namespace_name(xp) == "numpy"


def device_of(*arrays):
    """The device the (non-``None``) arrays live on; ``"cpu"`` for none.

    Raises
    ------
    ValueError
        If the arrays live on different devices.
    """
    devices = []
    for a in arrays:
        if _is_array(a):
            d = _compat().device(a)
            if all(d != e for e in devices):
                devices.append(d)
    if len(devices) > 1:
        raise ValueError(
            f"Input arrays live on different devices {devices}; move them to one "
            "device first."
        )
    return devices[0] if devices else "cpu"


class Namespace:
    """Where a call computes and where its results go.

    Attributes
    ----------
    xp : module
        The array-API namespace to compute with.
    device : object
        The device to create arrays on (``xp.zeros(..., device=ns.device)``).
    to_host : bool
        Whether results go back to NumPy (``device="cuda"`` / ``"cpu"`` with
        non-NumPy input, or no dispatch).
    """

    __slots__ = ("device", "to_host", "xp")

    def __init__(self, xp, device, to_host):
        self.xp = xp
        self.device = device
        self.to_host = to_host

    def asarray(self, array, dtype=None):
        """Move ``array`` (a host array, a list...) to this namespace and device."""
        return asarray(array, self.xp, dtype=dtype, device=self.device)

    def output(self, array):
        """``array`` as it is returned to the user (NumPy when ``to_host``)."""
        return to_output(array, self.to_host)

    def __repr__(self):
        return (
            f"Namespace({namespace_name(self.xp)}, device={self.device!r}, "
            f"to_host={self.to_host})"
        )


def resolve_namespace(device, X=None, *others):
    """Resolve an estimator's ``device`` parameter against its input.

    Parameters
    ----------
    device : {None, "cpu", "cuda"}
        The estimator's ``device`` parameter.
    X : array-like, default=None
        The main input of the call; it alone decides the namespace.
    *others : array-like or None
        Other inputs (``y``, ``sample_weight``): they follow ``X``
        (scikit-learn's "everything follows X" rule) and are ignored here.

    Returns
    -------
    namespace : Namespace
        ``device=None``: the namespace and device of ``X`` under array-API
        dispatch, else NumPy. ``"cpu"``: NumPy. ``"cuda"``: CuPy, with results
        back on the host unless ``X`` already was CuPy under dispatch.

    Raises
    ------
    ValueError
        If ``device`` is not one of None, "cpu", "cuda", or if "cuda" is asked
        for without CuPy or a CUDA device.
    """
    del others  # they follow X
    if device not in _VALID_DEVICES:
        raise ValueError(
            f"device must be one of None, 'cpu' or 'cuda'; got {device!r}."
        )
    dispatch = dispatch_enabled()
    foreign = _is_array(X) and not _is_numpy_array(X)
    if device == "cpu":
        return Namespace(_numpy_namespace(), "cpu", True)
    if device == "cuda":
        xp = _cupy_namespace()
        stays = dispatch and foreign and namespace_name(get_namespace(X)) == "cupy"
        dev = device_of(X) if stays else xp.empty(0).device
        return Namespace(xp, dev, not stays)
    if dispatch and foreign:
        return Namespace(get_namespace(X), device_of(X), False)
    return Namespace(_numpy_namespace(), "cpu", True)


def real_dtype_for(xp, device, requested="float64"):
    """Real dtype to compute in: ``requested``, or float32 where the device has
    no float64 (e.g. PyTorch on Apple MPS), as scikit-learn falls back."""
    if requested in ("float32", np.float32):
        return xp.float32
    if not _supports_float64(xp, device):
        return xp.float32
    return xp.float64


#: (namespace name, device) -> whether float64 arrays can be made there; probed
#: once per device, not on every validate_input call.
_FLOAT64_SUPPORT = {}


def _supports_float64(xp, device):
    key = (namespace_name(xp), str(device))
    if key not in _FLOAT64_SUPPORT:
        try:
            xp.zeros(1, dtype=xp.float64, device=device)
        except Exception:  # e.g. TypeError on MPS
            _FLOAT64_SUPPORT[key] = False
        else:
            _FLOAT64_SUPPORT[key] = True
    return _FLOAT64_SUPPORT[key]


def complex_dtype_for(real_dtype, xp):
    """``complex64`` for float32, ``complex128`` for float64 (in ``xp``)."""
    return xp.complex64 if real_dtype == xp.float32 else xp.complex128


# --------------------------------------------------------------------------- #
# Moving arrays
# --------------------------------------------------------------------------- #
def asarray(array, xp, dtype=None, device=None):
    """Move ``array`` into namespace ``xp`` on ``device`` (copy only when needed).

    Foreign arrays are first brought to the host (:func:`to_numpy`), so this
    also moves GPU arrays to NumPy when ``xp`` is NumPy.
    """
    if array is None:
        return None
    if is_numpy_namespace(xp):
        return np.asarray(to_numpy(array), dtype=dtype)
    if _is_array(array) and namespace_name(get_namespace(array)) != namespace_name(xp):
        array = to_numpy(array)
    if device is None and _is_array(array) and not _is_numpy_array(array):
        device = _compat().device(array)
    if _is_array(array) and not _is_numpy_array(array):
        if device is not None and _compat().device(array) != device:
            array = _compat().to_device(array, device)
        return (
            array if dtype is None or array.dtype == dtype else xp.astype(array, dtype)
        )
    return xp.asarray(array, dtype=dtype, device=device)


def to_numpy(array):
    """Return ``array`` as a NumPy array (an explicit copy off any device)."""
    if array is None or _is_numpy_array(array):
        return array
    if not _is_array(array):
        return np.asarray(array)
    name = namespace_name(get_namespace(array))
    if name == "cupy":
        return array.get()
    if name == "torch":
        return array.detach().cpu().numpy()
    if name == "array_api_strict":
        import array_api_strict

        return np.asarray(array.to_device(array_api_strict.Device("CPU_DEVICE")))
    return np.asarray(_compat().to_device(array, "cpu"))


def to_output(array, to_host):
    """Return ``array`` on the host when ``to_host`` is true, else unchanged."""
    return to_numpy(array) if to_host else array


def model_to_host(estimator):
    """Move every fitted array attribute of ``estimator`` to NumPy, in place.

    Use this on a model fitted on CuPy or PyTorch input (under array-API
    dispatch) before pickling it for a machine without a GPU. Attributes ending
    in ``_`` or starting with ``_`` (and lists/tuples/dicts of arrays) are
    converted; the estimator is returned for chaining.

    Parameters
    ----------
    estimator : estimator instance
        A fitted estimator of this package.

    Returns
    -------
    estimator : estimator instance
        The same object, now holding NumPy arrays only.

    See Also
    --------
    sklearn_polynn.show_versions : Which array libraries and devices are
        installed.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_polynn import WhiteningTransformer, model_to_host
    >>> X = np.random.default_rng(0).standard_normal((50, 3))
    >>> model = model_to_host(WhiteningTransformer().fit(X))
    >>> type(model.whitening_matrix_).__name__
    'ndarray'
    """

    def convert(value):
        if _is_array(value) and not _is_numpy_array(value):
            return to_numpy(value)
        if isinstance(value, list | tuple):
            return type(value)(convert(v) for v in value)
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        return value

    for name, value in list(vars(estimator).items()):
        if name.endswith("_") or name.startswith("_"):
            setattr(estimator, name, convert(value))
    return estimator


def check_same_namespace(estimator, X, fitted, method):
    """Raise if ``X`` is not in the namespace/device of a fitted attribute.

    Under array-API dispatch, ``predict``/``transform`` must get input of the
    namespace and device ``fit`` saw (scikit-learn's rule); the message names
    the method, both namespaces and the fix.

    Parameters
    ----------
    estimator : estimator instance
    X : array-like
        The input of ``method``.
    fitted : array
        A fitted array attribute of ``estimator``.
    method : str
        The calling method, for the message (``"predict"``).
    """
    if not dispatch_enabled() or not _is_array(fitted):
        return
    fitted_name = namespace_name(get_namespace(fitted))
    input_name = namespace_name(get_namespace(X)) if _is_array(X) else "numpy"
    if fitted_name == input_name == "numpy":
        return
    prefix = (
        f"Inputs passed to {type(estimator).__name__}.{method}() must use the same "
        "namespace and the same device as those passed to fit(): "
    )
    if fitted_name != input_name:
        raise ValueError(
            f"{prefix}the model was fitted on {fitted_name} arrays but got "
            f"{input_name} input. Pass {fitted_name} arrays, or for NumPy input "
            "move the model with sklearn_polynn.model_to_host(estimator)."
        )
    if device_of(X) != device_of(fitted):
        raise ValueError(
            f"{prefix}the model was fitted on device {device_of(fitted)!r} but got "
            f"input on device {device_of(X)!r}."
        )


# --------------------------------------------------------------------------- #
# What the standard lacks
# --------------------------------------------------------------------------- #
def _native_special(xp):
    """The special-function module of ``xp``, or ``None`` for the fallback."""
    name = namespace_name(xp)
    if name == "numpy":
        import scipy.special

        return scipy.special
    if name == "cupy":
        import cupyx.scipy.special

        return cupyx.scipy.special
    if name == "torch":
        import torch

        return torch.special
    return None


def erf(z):
    """Error function, elementwise (real input).

    ``scipy.special.erf`` / ``cupyx.scipy.special.erf`` / ``torch.special.erf``;
    for other namespaces a fallback from standard functions: the Maclaurin
    series for ``|z| < 2.5`` and Lentz's continued fraction of ``erfc`` beyond,
    accurate to ~1e-14 in float64.
    """
    xp = get_namespace(z)
    special = _native_special(xp)
    if special is not None:
        return special.erf(z)
    return _erf_fallback(z, xp)


def _erf_fallback(z, xp):
    a = xp.abs(z)
    small = xp.where(a < 2.5, a, xp.zeros_like(a))
    term = total = small  # rebound below, never written in place
    x2 = small * small
    for n in range(1, 80):  # term_n = (-1)^n x^(2n+1) / (n! (2n+1))
        term = -term * x2 / n
        total = total + term / (2 * n + 1)
    series = (2.0 / math.sqrt(math.pi)) * total
    large = xp.where(a >= 2.5, a, 2.5 * xp.ones_like(a))
    # erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...))))
    frac = large
    for k in range(60, 0, -1):
        frac = large + (k / 2.0) / frac
    tail = 1.0 - xp.exp(-large * large) / (math.sqrt(math.pi) * frac)
    value = xp.where(a < 2.5, series, tail)
    return xp.where(z < 0, -value, value)


def expit(z):
    """Logistic sigmoid ``1 / (1 + exp(-z))``, without overflow.

    Native: ``scipy.special.expit`` / ``cupyx`` / ``torch.special.expit``;
    fallback: ``exp`` of the non-positive part only.
    """
    xp = get_namespace(z)
    special = _native_special(xp)
    if special is not None:
        return special.expit(z)
    e = xp.exp(-xp.abs(z))
    return xp.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def solve_triangular(L, B, *, lower, xp):
    """Solve ``L X = B`` for triangular ``L``.

    ``scipy.linalg`` (NumPy), ``cupyx.scipy.linalg`` (CuPy),
    ``torch.linalg.solve_triangular``; fallback: ``xp.linalg.solve``.
    """
    name = namespace_name(xp)
    if name == "numpy":
        import scipy.linalg

        return scipy.linalg.solve_triangular(L, B, lower=lower)
    if name == "cupy":
        import cupyx.scipy.linalg

        return cupyx.scipy.linalg.solve_triangular(L, B, lower=lower)
    if name == "torch":
        import torch

        vector = B.ndim == 1
        out = torch.linalg.solve_triangular(
            L, B[:, None] if vector else B, upper=not lower
        )
        return out[:, 0] if vector else out
    return xp.linalg.solve(L, B)


def lstsq(A, B, xp, rcond=None):
    """Least-squares solution of ``A X = B`` (minimum norm).

    ``numpy.linalg.lstsq`` / ``cupy.linalg.lstsq`` / ``torch.linalg.lstsq``
    (``gelsd`` on the CPU); fallback: ``pinv(A) @ B``.
    """
    name = namespace_name(xp)
    if name in ("numpy", "cupy"):
        return xp.linalg.lstsq(A, B, rcond=rcond)[0]
    if name == "torch":
        import torch

        driver = "gelsd" if A.device.type == "cpu" else None
        vector = B.ndim == 1
        out = torch.linalg.lstsq(
            A, B[:, None] if vector else B, rcond=rcond, driver=driver
        )
        return out.solution[:, 0] if vector else out.solution
    return xp.linalg.pinv(A) @ B


def real_view(Z):
    """Complex ``(..., m)`` as real ``(..., 2m)`` with interleaved (Re, Im) columns.

    A view for NumPy/CuPy/Dask (``ndarray.view``) and PyTorch (``view_as_real``); a
    copy through ``stack`` otherwise.
    """
    xp = get_namespace(Z)
    name = namespace_name(xp)
    shape = (*Z.shape[:-1], 2 * Z.shape[-1])
    if name in ("numpy", "cupy"):
        real = np.float32 if Z.dtype == xp.complex64 else np.float64
        return xp.ascontiguousarray(Z).view(real)
    if name == "dask.array":  # blockwise ndarray.view (rows of a chunk are C-ordered)
        return Z.view(np.float32 if Z.dtype == np.complex64 else np.float64)
    if name == "torch":
        return _torch().view_as_real(Z.contiguous()).reshape(shape)
    return xp.reshape(xp.stack([xp.real(Z), xp.imag(Z)], axis=-1), shape)


def complex_view(F):
    """Inverse of :func:`real_view`: real ``(..., 2m)`` interleaved to complex."""
    xp = get_namespace(F)
    name = namespace_name(xp)
    if name in ("numpy", "cupy"):
        cplx = np.complex64 if F.dtype == xp.float32 else np.complex128
        return xp.ascontiguousarray(F).view(cplx)
    if name == "dask.array":
        return F.view(np.complex64 if F.dtype == np.float32 else np.complex128)
    if name == "torch":
        shape = (*F.shape[:-1], F.shape[-1] // 2, 2)
        return _torch().view_as_complex(F.contiguous().reshape(shape))
    return complex_from_parts(F[..., 0::2], F[..., 1::2])


def complex_from_parts(re, im):
    """Complex array ``re + i im`` from two real arrays of one shape and dtype
    (complex64 for float32).

    NumPy/CuPy fill a complex buffer through ``.real``/``.imag`` (no complex
    temporaries); ``torch.complex``; fallback from standard functions.
    """
    xp = get_namespace(re, im)
    name = namespace_name(xp)
    cplx = complex_dtype_for(re.dtype, xp)
    if name in ("numpy", "cupy"):
        out = xp.empty(re.shape, dtype=cplx)
        out.real[...] = re
        out.imag[...] = im
        return out
    if name == "torch":
        return _torch().complex(re, im)
    return xp.astype(re, cplx) + 1j * xp.astype(im, cplx)


def exp_inplace(Z):
    """``exp(Z)``, overwriting ``Z`` where the namespace allows (saves a buffer)."""
    xp = get_namespace(Z)
    name = namespace_name(xp)
    if name in ("numpy", "cupy"):
        return xp.exp(Z, out=Z)
    if name == "torch":
        return Z.exp_()
    return xp.exp(Z)


def exp_parts(Z):
    """``exp(A + i B)`` for a complex array given by its parts ``Z = [A; B]``
    (the two halves of the first axis), in the same layout ``[Re; Im]``.

    ``exp(a + i b) = e^a (cos b + i sin b)`` by real elementwise functions,
    which vectorize where the complex ``exp`` does not (NumPy's complex ``exp``
    and, since NumPy 2.0, its float64 ``cos``/``sin`` are scalar loops; its
    ``exp`` and ``tan`` are SIMD). For a C-ordered ``Z`` both halves are
    contiguous blocks. On NumPy the result overwrites ``Z`` (pass a fresh
    array) and ``(cos b, sin b)`` come from ``t = tan(b / 2)`` by the
    half-angle formulas ``(1 - t^2, 2 t) / (1 + t^2)``: one vectorized call
    instead of two scalar ones, error within 4 ulp of ``|exp|`` (tested
    against ``np.cos`` / ``np.sin``). Elsewhere (CuPy, PyTorch,
    ``array_api_strict``, Dask) a new array from ``xp.exp``, ``xp.cos`` and
    ``xp.sin``. Overflow of ``e^a`` gives non-finite entries (NumPy warns
    unless the caller silences it).

    Parameters
    ----------
    Z : real array of shape (2 m, ...)

    Returns
    -------
    out : real array of shape (2 m, ...)
        ``[Re exp(A + i B); Im exp(A + i B)]``.
    """
    xp = get_namespace(Z)
    m = Z.shape[0] // 2
    if namespace_name(xp) == "numpy":
        a, t = Z[:m, ...], Z[m:, ...]
        np.multiply(t, 0.5, out=t)
        np.tan(t, out=t)  # t = tan(b / 2)
        s = np.multiply(t, t)
        s += 1.0  # 1 + t^2
        np.exp(a, out=a)
        np.divide(a, s, out=a)  # e^a / (1 + t^2)
        np.multiply(t, a, out=t)
        t += t  # e^a sin b = 2 t e^a / (1 + t^2)
        np.subtract(2.0, s, out=s)  # 1 - t^2
        a *= s  # e^a cos b = (1 - t^2) e^a / (1 + t^2)
        return Z
    a, b = Z[:m, ...], Z[m:, ...]
    e = xp.exp(a)
    return xp.concat([e * xp.cos(b), e * xp.sin(b)], axis=0)


def add_gram(S, F, xp):
    """``S += F^T F`` (float64 accumulator); returns the updated ``S``.

    NumPy float64: BLAS ``dsyrk`` on ``F.T`` (Fortran-ordered view of the
    C-ordered batch, no copy; a Fortran-ordered ``F``, such as the transposed
    units-by-samples features of ``exp`` by parts, is read as ``F`` with
    ``trans=1``, no copy either) into the Fortran-ordered accumulator, upper
    triangle only: half the flops of a GEMM and no ``m x m`` temporary.
    Elsewhere: a GEMM, accumulated in float64 (full matrix).

    Returns
    -------
    S : array
    full : bool
        Whether ``S`` holds the full matrix (``False``: upper triangle only).
    """
    if is_numpy_namespace(xp) and F.dtype == np.float64 and S.flags.f_contiguous:
        import scipy.linalg.blas  # numpy has no in-place rank-k update

        fortran = F.flags.f_contiguous and not F.flags.c_contiguous
        a, trans = (F, 1) if fortran else (F.T, 0)
        out = scipy.linalg.blas.dsyrk(1.0, a, beta=1.0, c=S, trans=trans, overwrite_c=1)
        if out is not S:  # f2py copied instead of updating in place
            S[...] = out
        return S, False
    return S + xp.astype(xp.matmul(F.T, F), xp.float64), True


def gram_accumulator(n, xp, device):
    """Zero float64 ``(n, n)`` accumulator for :func:`add_gram` (Fortran-ordered
    on NumPy, so ``dsyrk`` updates it in place)."""
    if is_numpy_namespace(xp):
        return np.zeros((n, n), dtype=np.float64, order="F")
    return xp.zeros((n, n), dtype=xp.float64, device=device)


@functools.cache
def _torch():
    import torch

    return torch


def row_batches(n_samples, batch_size):
    """Slices ``[start, stop)`` covering ``range(n_samples)`` in ``batch_size`` rows."""
    for start in range(0, n_samples, batch_size):
        yield slice(start, min(start + batch_size, n_samples))
