"""Shared input checks, through scikit-learn's ``validate_data`` in the input's
array namespace.

Under ``array_api_dispatch`` scikit-learn validates any array-API input in its
own namespace; ``device="cuda"`` with CuPy input and no dispatch is checked here
natively with the same rules (2-D, real, finite, enough samples) and the same
error classes, so the data never leaves the GPU.
"""

import numbers

import numpy as np
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from ._backend import (
    _is_array,
    _is_numpy_array,
    asarray,
    check_same_namespace,
    device_of,
    dispatch_enabled,
    get_namespace,
    is_numpy_namespace,
    real_dtype_for,
    resolve_namespace,
    to_numpy,
)
from ._compat import Interval, IntInterval, _check_sample_weight

__all__ = [
    "ITERATIVE_CONSTRAINTS",
    "check_dtype",
    "check_int",
    "check_positive_int",
    "check_y_given",
    "validate_fitted_input",
    "validate_input",
    "validate_sample_weight",
]

_COMPLEX_HINT = (
    "Complex data not supported; X must be real. For inputs on the complex unit "
    "circle pass the angles theta (X = angle(z)) with domain='circle'."
)


#: ``_parameter_constraints`` of the stopping parameters every estimator passes
#: to :func:`sklearn_polynn._optim.minimize` (plus ``verbose``).
ITERATIVE_CONSTRAINTS = {
    "max_iter": [IntInterval(1, None, closed="left")],
    "tol": [Interval(numbers.Real, 0, None, closed="left")],
    "n_iter_no_change": [IntInterval(1, None, closed="left")],
    "verbose": ["verbose"],
}


def check_y_given(estimator, y):
    """Raise the ValueError scikit-learn expects from fit(X, y=None)."""
    if y is None:
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target y "
            "is None."
        )


def check_dtype(dtype):
    """Map an estimator's ``dtype`` parameter to the real NumPy dtype to compute in."""
    if dtype in ("float64", np.float64):
        return np.float64
    if dtype in ("float32", np.float32):
        return np.float32
    raise ValueError(f"dtype must be 'float64' or 'float32'; got {dtype!r}.")


def validate_input(
    estimator,
    X,
    y=None,
    *,
    reset,
    dtype="float64",
    device=None,
    ensure_min_samples=1,
    fitted=None,
    method="predict",
):
    """Validate ``X`` (and ``y``) and move them to the namespace that computes.

    Parameters
    ----------
    estimator : estimator instance
        Receives ``n_features_in_`` (and ``feature_names_in_``) when ``reset``.
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,), default=None
        Regression target; validated as numeric and finite when given. Under
        array-API dispatch a NumPy ``y`` follows ``X`` to its namespace/device.
    reset : bool
        True in ``fit``, False in ``predict``/``transform``/``partial_fit`` after
        the first call.
    dtype : {"float64", "float32"} or None, default="float64"
        Real dtype to compute in (float32 where the device has no float64);
        ``None`` keeps float32 input float32 and computes everything else in
        float64.
    device : {None, "cpu", "cuda"}, default=None
        See :func:`~sklearn_polynn._backend.resolve_namespace`.
    ensure_min_samples : int, default=1
        Minimum number of rows the method needs.
    fitted : array, default=None
        A fitted attribute: when given, ``X`` must be in its namespace and on its
        device (``predict`` after ``fit`` under dispatch).
    method : str, default="predict"
        The calling method, named in the error when ``fitted`` does not match.

    Returns
    -------
    X, y : arrays in namespace ``ns.xp`` on ``ns.device``
    ns : :class:`~sklearn_polynn._backend.Namespace`
    """
    real_dtype = None if dtype is None else check_dtype(dtype)
    ns = resolve_namespace(device, X, y)
    if device is None and fitted is not None:
        check_same_namespace(estimator, X, fitted, method)
    foreign = _is_array(X) and not _is_numpy_array(X)
    if foreign and not dispatch_enabled() and device == "cuda":
        X, y = _validate_native(
            estimator, X, y, reset=reset, ensure_min_samples=ensure_min_samples
        )
    else:
        X, y = _validate_sklearn(
            estimator, X, y, reset=reset, ensure_min_samples=ensure_min_samples
        )
    if real_dtype is None:  # preserve the validated float32 / float64
        real_dtype = np.float32 if _is_float32(X) else np.float64
    precision = "float32" if real_dtype == np.float32 else "float64"
    target = real_dtype_for(ns.xp, ns.device, precision)
    X = ns.asarray(X)
    if X.dtype != target:
        X = ns.xp.astype(X, target)
    if y is not None:
        y = ns.asarray(y)
        if y.dtype != target:
            y = ns.xp.astype(y, target)
    return X, y, ns


def validate_sample_weight(sample_weight, n_samples, ns=None, dtype=None):
    """Check ``sample_weight`` as scikit-learn does and move it where ``X`` is.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,), float or None
        Any namespace or device (it follows ``X``).
    n_samples : int
        Rows of ``X``.
    ns : :class:`~sklearn_polynn._backend.Namespace`, default=None
        Where to move the checked weights; ``None`` returns them on the host.
    dtype : dtype, default=None
        Their dtype in ``ns`` (``X.dtype``); host weights are float64.

    Returns
    -------
    weights : array of shape (n_samples,) or None
        Finite and non-negative (scikit-learn's ``_check_sample_weight``);
        ``None`` when ``sample_weight`` is ``None``.
    """
    if sample_weight is None:
        return None
    host = _check_sample_weight(
        to_numpy(sample_weight) if _is_array(sample_weight) else sample_weight,
        np.empty((n_samples, 0)),
        dtype=np.float64,
        ensure_non_negative=True,
    )
    return host if ns is None else ns.asarray(host, dtype)


def validate_fitted_input(
    estimator, X, method, *, dtype="float64", fitted="hidden_weights_"
):
    """``check_is_fitted`` + :func:`validate_input` for ``predict``/``transform``.

    Parameters
    ----------
    estimator : fitted estimator with a ``device`` parameter
    X : array-like of shape (n_samples, n_features)
    method : str
        The calling method, named in a namespace-mismatch error.
    dtype : {"float64", "float32"} or None, default="float64"
    fitted : str, default="hidden_weights_"
        The fitted array attribute whose namespace and device ``X`` must match.

    Returns
    -------
    X : array in namespace ``ns.xp``
    ns : :class:`~sklearn_polynn._backend.Namespace`
    """
    check_is_fitted(estimator, fitted)
    X, _, ns = validate_input(
        estimator,
        X,
        reset=False,
        dtype=dtype,
        device=estimator.device,
        fitted=getattr(estimator, fitted),
        method=method,
    )
    return X, ns


def _validate_sklearn(estimator, X, y, *, reset, ensure_min_samples):
    """scikit-learn's ``validate_data`` in the input's namespace (under dispatch)."""
    xp = get_namespace(X) if dispatch_enabled() else get_namespace()
    if y is not None and dispatch_enabled() and _is_array(y):
        y = asarray(y, xp, device=device_of(X))  # y follows X (namespace, device)
    kwargs = {
        "reset": reset,
        "dtype": [_plain_dtype(xp, "float64"), _plain_dtype(xp, "float32")],
        "ensure_min_samples": ensure_min_samples,
    }
    try:
        if y is None:
            X = validate_data(estimator, X, **kwargs)
        else:
            X, y = validate_data(estimator, X, y, y_numeric=True, **kwargs)
    except ValueError as exc:
        if "Complex data not supported" in str(exc):
            raise ValueError(_COMPLEX_HINT) from exc
        raise
    if y is not None:
        y = column_or_1d(y, warn=True)
    return X, y


def _is_float32(X):
    return str(X.dtype).endswith("float32")


def _plain_dtype(xp, name):
    """``xp``'s dtype object (plain NumPy dtypes for NumPy, as sklearn expects)."""
    if is_numpy_namespace(xp):
        return getattr(np, name)
    return getattr(xp, name)


def _validate_native(estimator, X, y, *, reset, ensure_min_samples):
    """The checks of ``validate_data`` in the input's own namespace, without a
    host copy (``device="cuda"`` with CuPy input and no array-API dispatch)."""
    xp = get_namespace(X, y)
    dev = device_of(X)
    if X.ndim != 2:
        raise ValueError(
            f"Expected 2D array, got {X.ndim}D array instead; reshape your data."
        )
    if xp.isdtype(X.dtype, "complex floating"):
        raise ValueError(_COMPLEX_HINT)
    if X.shape[0] < ensure_min_samples:
        raise ValueError(
            f"Found array with {X.shape[0]} sample(s) (shape={tuple(X.shape)}) while "
            f"a minimum of {ensure_min_samples} is required."
        )
    if not xp.isdtype(X.dtype, "real floating"):
        X = xp.astype(X, xp.float64)
    if not bool(xp.all(xp.isfinite(X))):
        raise ValueError("Input X contains NaN or infinity.")
    if reset:
        estimator.n_features_in_ = X.shape[1]
    elif X.shape[1] != estimator.n_features_in_:
        raise ValueError(
            f"X has {X.shape[1]} features, but {type(estimator).__name__} is "
            f"expecting {estimator.n_features_in_} features as input."
        )
    if y is not None:
        y = xp.reshape(asarray(y, xp, device=dev), (-1,))
        if not xp.isdtype(y.dtype, "real floating"):
            y = xp.astype(y, xp.float64)
        if y.shape[0] != X.shape[0]:
            raise ValueError(
                f"Found input variables with inconsistent numbers of samples: "
                f"[{X.shape[0]}, {y.shape[0]}]"
            )
        if not bool(xp.all(xp.isfinite(y))):
            raise ValueError("Input y contains NaN or infinity.")
    return X, y


def check_int(value, name, *, minimum=1, allowed=None):
    """Return ``int(value)``, or raise ``ValueError`` naming ``name``.

    ``value`` must be an integer (not ``bool``) ``>= minimum``; ``allowed``
    words the allowed values in the message (default ``"an integer >=
    {minimum}"``).
    """
    if (
        not isinstance(value, numbers.Integral)
        or isinstance(value, bool)
        or value < minimum
    ):
        if allowed is None:
            allowed = f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {allowed}; got {value!r}.")
    return int(value)


def check_positive_int(value, name):
    """Raise ``ValueError`` naming ``name`` unless ``value`` is an int >= 1."""
    return check_int(value, name, minimum=1)
