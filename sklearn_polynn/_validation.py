"""Shared input checks: NumPy input through scikit-learn, CuPy input natively.

scikit-learn's :func:`~sklearn.utils.validation.validate_data` converts its input
with ``numpy.asarray``, which CuPy refuses; CuPy input is therefore checked here
with the same rules (2-D, real, finite, enough samples) and the same error classes.
"""

import numbers

import numpy as np
from sklearn.utils.validation import column_or_1d, validate_data

from ._backend import asarray, is_cupy_array, resolve_device
from ._compat import Interval

__all__ = [
    "ITERATIVE_CONSTRAINTS",
    "check_dtype",
    "check_int",
    "check_positive_int",
    "check_y_given",
    "validate_input",
]

_COMPLEX_HINT = (
    "Complex data not supported; X must be real. For inputs on the complex unit "
    "circle pass the angles theta (X = angle(z)) with domain='circle'."
)


#: ``_parameter_constraints`` of the stopping parameters every estimator passes
#: to :func:`sklearn_polynn._optim.minimize` (plus ``verbose``).
ITERATIVE_CONSTRAINTS = {
    "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
    "tol": [Interval(numbers.Real, 0, None, closed="left")],
    "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
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
    skip_check_array=False,
):
    """Validate ``X`` (and ``y``) and move them to the compute namespace.

    Parameters
    ----------
    estimator : estimator instance
        Receives ``n_features_in_`` (and ``feature_names_in_``) when ``reset``.
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,), default=None
        Regression target; validated as numeric and finite when given.
    reset : bool
        True in ``fit``, False in ``predict``/``transform``/``partial_fit`` after
        the first call.
    dtype : {"float64", "float32"}, default="float64"
    device : {None, "cpu", "cuda"}, default=None
    ensure_min_samples : int, default=1
        Minimum number of rows the method needs.

    Returns
    -------
    X, y : arrays in namespace ``xp``
    xp : module
    to_host : bool
        Whether outputs go back to NumPy.
    """
    real_dtype = check_dtype(dtype)
    xp, to_host = resolve_device(device, X, y)
    if is_cupy_array(X) or is_cupy_array(y):
        X, y = _validate_cupy(
            estimator,
            X,
            y,
            reset=reset,
            dtype=real_dtype,
            ensure_min_samples=ensure_min_samples,
        )
        return asarray(X, xp), asarray(y, xp), xp, to_host
    kwargs = {
        "reset": reset,
        "dtype": [np.float64, np.float32],
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
    X = X.astype(real_dtype, copy=False)
    if y is not None:
        y = column_or_1d(y, warn=True).astype(real_dtype, copy=False)
    return asarray(X, xp), asarray(y, xp), xp, to_host


def _validate_cupy(estimator, X, y, *, reset, dtype, ensure_min_samples):
    """The checks of ``validate_data`` for CuPy arrays, without leaving the GPU."""
    from ._backend import get_namespace

    xp = get_namespace(X, y)
    X = xp.asarray(X)
    if X.ndim != 2:
        raise ValueError(
            f"Expected 2D array, got {X.ndim}D array instead; reshape your data."
        )
    if X.dtype.kind == "c":
        raise ValueError(_COMPLEX_HINT)
    if X.shape[0] < ensure_min_samples:
        raise ValueError(
            f"Found array with {X.shape[0]} sample(s) (shape={X.shape}) while a "
            f"minimum of {ensure_min_samples} is required."
        )
    X = X.astype(dtype, copy=False)
    if not bool(xp.isfinite(X).all()):
        raise ValueError("Input X contains NaN or infinity.")
    if reset:
        estimator.n_features_in_ = X.shape[1]
    elif X.shape[1] != estimator.n_features_in_:
        raise ValueError(
            f"X has {X.shape[1]} features, but {type(estimator).__name__} is "
            f"expecting {estimator.n_features_in_} features as input."
        )
    if y is not None:
        y = xp.asarray(y).astype(dtype, copy=False).reshape(-1)
        if y.shape[0] != X.shape[0]:
            raise ValueError(
                f"Found input variables with inconsistent numbers of samples: "
                f"[{X.shape[0]}, {y.shape[0]}]"
            )
        if not bool(xp.isfinite(y).all()):
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
