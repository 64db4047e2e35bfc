"""NumPy / CuPy backend: the one place that knows about devices.

Every estimator resolves its ``device`` parameter once per call with
:func:`resolve_device`, which returns the array namespace ``xp`` (``numpy`` or
``cupy``) that the algorithm code then uses exclusively, and whether results must
be moved back to the host. ``cupy`` is imported here and nowhere else.

Conventions (see ``DESIGN.md``):

* ``device=None`` follows the input: NumPy in, NumPy compute; CuPy in, CuPy
  compute and CuPy out.
* ``device="cpu"`` computes with NumPy (CuPy input is copied to the host).
* ``device="cuda"`` computes with CuPy; NumPy input gives NumPy fitted attributes
  and predictions, so a pickled model loads on a machine without a GPU.
* Random weights are drawn on the host with NumPy and then moved with
  :func:`asarray`, so the same ``random_state`` gives the same model everywhere.
"""

import functools

import numpy as np

__all__ = [
    "asarray",
    "cupy_available",
    "get_namespace",
    "is_cupy_array",
    "linalg_module",
    "model_to_host",
    "resolve_device",
    "row_batches",
    "special_module",
    "to_output",
    "to_numpy",
]

_VALID_DEVICES = (None, "cpu", "cuda")

_CUPY_INSTALL_HINT = (
    "device='cuda' needs CuPy and a CUDA GPU. Install the GPU extra with "
    "`pip install \"sklearn-polynn[gpu]\"` (CuPy for CUDA 12), or use device='cpu'."
)


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


def is_cupy_array(array):
    """Whether ``array`` is a ``cupy.ndarray`` (without importing CuPy)."""
    return type(array).__module__.split(".")[0] == "cupy"


def get_namespace(*arrays):
    """Array namespace of the given arrays: ``cupy`` if any is a CuPy array.

    Parameters
    ----------
    *arrays : array-like or None
        ``None`` entries are ignored.

    Returns
    -------
    xp : module
        ``numpy`` or ``cupy``.
    """
    if any(is_cupy_array(a) for a in arrays if a is not None):
        return _import_cupy()
    return np


def resolve_device(device, *arrays):
    """Resolve an estimator's ``device`` parameter against its input arrays.

    Parameters
    ----------
    device : {None, "cpu", "cuda"}
        The estimator's ``device`` parameter.
    *arrays : array-like
        The inputs of the call (``X``, ``y``, ...).

    Returns
    -------
    xp : module
        The namespace to compute with (``numpy`` or ``cupy``).
    to_host : bool
        Whether results must be returned as NumPy arrays (input was not CuPy).

    Raises
    ------
    ValueError
        If ``device`` is not one of None, "cpu", "cuda", or if "cuda" is asked
        for without CuPy or a CUDA device.
    """
    if device not in _VALID_DEVICES:
        raise ValueError(
            f"device must be one of None, 'cpu' or 'cuda'; got {device!r}."
        )
    input_on_gpu = any(is_cupy_array(a) for a in arrays if a is not None)
    if device == "cpu":
        return np, True
    if device == "cuda" or input_on_gpu:
        if not cupy_available():
            raise ValueError(_CUPY_INSTALL_HINT)
        return _import_cupy(), not input_on_gpu
    return np, True


def asarray(array, xp, dtype=None):
    """Move ``array`` into namespace ``xp`` (host <-> device copy when needed)."""
    if array is None:
        return None
    if xp is np:
        return np.asarray(to_numpy(array), dtype=dtype)
    return xp.asarray(array, dtype=dtype)


def to_numpy(array):
    """Return ``array`` as a NumPy array (copies CuPy arrays to the host)."""
    if is_cupy_array(array):
        return array.get()
    return np.asarray(array)


def to_output(array, to_host):
    """Return ``array`` on the host when ``to_host`` is true, else unchanged."""
    return to_numpy(array) if to_host else array


def model_to_host(estimator):
    """Move every fitted CuPy array attribute of ``estimator`` to the host, in place.

    Use this on a model fitted on CuPy input before pickling it for a machine
    without a GPU. Attributes ending in ``_`` (and lists/tuples/dicts of
    arrays) are converted; the estimator is returned for chaining.

    Parameters
    ----------
    estimator : estimator instance
        A fitted estimator of this package.

    Returns
    -------
    estimator : estimator instance
        The same object, now holding NumPy arrays only.
    """

    def convert(value):
        if is_cupy_array(value):
            return value.get()
        if isinstance(value, list | tuple):
            return type(value)(convert(v) for v in value)
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        return value

    for name, value in list(vars(estimator).items()):
        if name.endswith("_") or name.startswith("_"):
            setattr(estimator, name, convert(value))
    return estimator


def special_module(xp):
    """``scipy.special`` for NumPy, ``cupyx.scipy.special`` for CuPy."""
    if xp is np:
        import scipy.special

        return scipy.special
    import cupyx.scipy.special

    return cupyx.scipy.special


def linalg_module(xp):
    """``scipy.linalg`` for NumPy, ``cupyx.scipy.linalg`` for CuPy.

    Used for the triangular solves.
    """
    if xp is np:
        import scipy.linalg

        return scipy.linalg
    import cupyx.scipy.linalg

    return cupyx.scipy.linalg


def row_batches(n_samples, batch_size):
    """Slices ``[start, stop)`` covering ``range(n_samples)`` in ``batch_size`` rows."""
    for start in range(0, n_samples, batch_size):
        yield slice(start, min(start + batch_size, n_samples))
