"""Named activation functions used across the papers, with their derivatives.

* ``"exp"`` and ``"truncated"`` (``phi_d(z) = sum_{k<=d} z**k / k!``): the complex
  activations of Andoni et al. 2014 (Thm 3.1, 4.1, Lemma 5.7); both are entire
  functions and are evaluated exactly for complex ``z``.
* ``"relu"``, ``"leaky_relu"``, ``"squared_relu"``, ``"sigmoid"``, ``"tanh"``,
  ``"erf"``: the activations of Zhong et al. 2017 (Table 1).
* ``"sign"`` and ``"high_threshold_relu"`` (``max(0, z - t)``): the threshold
  units of the ICLR 2019 submission on high-threshold networks.
* ``"linear"``: the identity.

Every activation works on arrays of any array-API namespace (NumPy, CuPy,
PyTorch...; the namespace is taken from the input). Look activations up by
name with :func:`get_activation`; a user-defined activation is a
``(function, derivative)`` pair.
"""

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass

from ._backend import erf, expit, get_namespace

__all__ = ["ACTIVATIONS", "Activation", "get_activation"]


@dataclass(frozen=True)
class Activation:
    """An activation ``sigma`` with its derivative.

    The object every estimator uses for its hidden units: calling it applies
    ``sigma`` elementwise in the input's array namespace, ``derivative`` gives
    ``sigma'`` (the complex derivative for holomorphic activations, as the
    Wirtinger gradients of Andoni et al. need), and the flags say which
    theorems apply (holomorphic for the complex networks, positive
    homogeneity for Zhong et al.'s magnitude step). Build one with
    :func:`get_activation`.

    Parameters
    ----------
    name : str
        Registry name (or ``"custom"``).
    function : callable
        ``function(z) -> sigma(z)``, elementwise, for arrays of any array-API
        namespace.
    derivative : callable
        ``derivative(z) -> sigma'(z)``, elementwise (complex derivative for
        holomorphic activations).
    complex_input : bool
        Whether ``function`` is holomorphic and may be applied to complex ``z``.
    homogeneous_degree : int or None
        ``p`` when ``sigma(c z) = c**p sigma(z)`` for ``c > 0`` (ReLU: 1,
        squared ReLU: 2); used by Zhong et al.'s RecMagSign.
    params : tuple of (str, value) pairs
        The parameters the activation was built with (``degree``, ``threshold``,
        ``negative_slope``); ``dict(activation.params)`` reads them.

    See Also
    --------
    get_activation : Look up an activation by name or wrap a user pair.
    sklearn_polynn.hermite.hermite_transfer : The Hermite transfer function
        of an activation for Gaussian inputs.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_polynn.activations import get_activation
    >>> relu = get_activation("relu")
    >>> relu(np.array([-1.0, 2.0]))
    array([0., 2.])
    >>> relu.derivative(np.array([-1.0, 2.0]))
    array([0., 1.])
    """

    name: str
    function: Callable
    derivative: Callable
    complex_input: bool = False
    homogeneous_degree: int | None = None
    params: tuple = ()

    def __call__(self, z):
        return self.function(z)


def _exp(z):
    return get_namespace(z).exp(z)


def _truncated_exp(degree):
    """``phi_d(z) = sum_{k=0}^{d} z**k / k!`` by Horner (Andoni et al. Sec. 3)."""

    def phi(z):
        out = 1.0 + 0 * z
        for k in range(degree, 0, -1):
            out = 1.0 + out * z / k
        return out

    return phi


def _relu(z):
    return get_namespace(z).maximum(z, 0.0)


def _float_dtype(z, xp):
    """Floating dtype of a derivative at ``z``: float64 for integer input."""
    if xp.isdtype(z.dtype, ("real floating", "complex floating")):
        return z.dtype
    return xp.float64


def _step(z, threshold=0.0):
    """``1[z > threshold]`` in the floating dtype of ``z`` (also for scalars)."""
    xp = get_namespace(z)
    z = xp.asarray(z)
    return xp.astype(z > threshold, _float_dtype(z, xp))


def _leaky_relu(slope):
    def f(z):
        return get_namespace(z).where(z > 0, z, slope * z)

    def df(z):
        xp = get_namespace(z)
        z = xp.asarray(z)
        one = xp.ones_like(z, dtype=_float_dtype(z, xp))
        return xp.where(z > 0, one, slope * one)

    return f, df


def _squared_relu(z):
    r = get_namespace(z).maximum(z, 0.0)
    return r * r


def _sigmoid(z):
    return expit(z)


def _sigmoid_derivative(z):
    s = _sigmoid(z)
    return s * (1.0 - s)


def _tanh(z):
    return get_namespace(z).tanh(z)


def _tanh_derivative(z):
    t = get_namespace(z).tanh(z)
    return 1.0 - t * t


def _erf(z):
    return erf(z)


def _erf_derivative(z):
    return (2.0 / math.sqrt(math.pi)) * get_namespace(z).exp(-z * z)


def _sign(z):
    xp = get_namespace(z)
    return xp.sign(xp.asarray(z))  # array_api_compat's sign needs an array


def _zero(z):
    return 0 * z


def _high_threshold_relu(threshold):
    def f(z):
        return get_namespace(z).maximum(z - threshold, 0.0)

    def df(z):
        return _step(z, threshold)

    return f, df


def _identity(z):
    return z


def _one(z):
    return 0 * z + 1.0


def _build(name, degree, threshold, negative_slope):
    """Construct a named activation; parameters are checked by the caller."""
    if name == "exp":
        return Activation("exp", _exp, _exp, complex_input=True)
    if name == "truncated":
        return Activation(
            "truncated",
            _truncated_exp(degree),
            _truncated_exp(degree - 1) if degree > 0 else _zero,
            complex_input=True,
            params=(("degree", degree),),
        )
    if name == "relu":
        return Activation("relu", _relu, _step, homogeneous_degree=1)
    if name == "leaky_relu":
        f, df = _leaky_relu(negative_slope)
        return Activation(
            "leaky_relu",
            f,
            df,
            homogeneous_degree=1,
            params=(("negative_slope", negative_slope),),
        )
    if name == "squared_relu":
        return Activation(
            "squared_relu",
            _squared_relu,
            lambda z: 2.0 * _relu(z),
            homogeneous_degree=2,
        )
    if name == "sigmoid":
        return Activation("sigmoid", _sigmoid, _sigmoid_derivative)
    if name == "tanh":
        return Activation("tanh", _tanh, _tanh_derivative, complex_input=True)
    if name == "erf":
        return Activation("erf", _erf, _erf_derivative)
    if name == "sign":
        return Activation("sign", _sign, _zero, homogeneous_degree=0)
    if name == "high_threshold_relu":
        f, df = _high_threshold_relu(threshold)
        return Activation(
            "high_threshold_relu", f, df, params=(("threshold", threshold),)
        )
    if name == "linear":
        return Activation(
            "linear", _identity, _one, complex_input=True, homogeneous_degree=1
        )
    raise AssertionError(name)  # pragma: no cover - guarded by get_activation


ACTIVATIONS = (
    "exp",
    "truncated",
    "relu",
    "leaky_relu",
    "squared_relu",
    "sigmoid",
    "tanh",
    "erf",
    "sign",
    "high_threshold_relu",
    "linear",
)
"""Names accepted by :func:`get_activation`."""


def get_activation(activation, *, degree=None, threshold=None, negative_slope=0.01):
    """Look up an activation by name, or wrap a ``(function, derivative)`` pair.

    Every estimator's ``activation`` parameter goes through this function, so
    the names accepted here are the names the estimators accept; which of
    them a given paper's guarantee covers is checked by the estimator (for
    example holomorphic activations for the complex networks).

    Parameters
    ----------
    activation : str, Activation, or tuple of two callables
        One of :data:`ACTIVATIONS`, an :class:`Activation` (returned as is), or
        ``(function, derivative)`` for a user-defined activation.
    degree : int, default=None
        Degree ``d`` of the truncated exponential; required for "truncated".
    threshold : float, default=None
        Threshold ``t`` of "high_threshold_relu"; required for it.
    negative_slope : float, default=0.01
        Slope for ``z < 0`` of "leaky_relu".

    Returns
    -------
    activation : Activation
        The activation with its derivative and flags.

    Raises
    ------
    ValueError
        Unknown name (the message lists the valid ones) or a missing/invalid
        ``degree`` / ``threshold``.

    See Also
    --------
    Activation : The returned object.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_polynn.activations import get_activation
    >>> phi = get_activation("truncated", degree=2)
    >>> phi(np.array([1.0 + 1.0j]))
    array([2.+2.j])
    """
    if isinstance(activation, Activation):
        return activation
    if isinstance(activation, tuple):
        if len(activation) != 2 or not all(callable(f) for f in activation):
            raise ValueError(
                "A custom activation must be a (function, derivative) pair of "
                f"callables; got {activation!r}."
            )
        return Activation("custom", activation[0], activation[1])
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(
            f"activation must be one of {', '.join(map(repr, ACTIVATIONS))}, an "
            f"Activation, or a (function, derivative) pair; got {activation!r}."
        )
    if activation == "truncated":
        if (
            isinstance(degree, bool)
            or not isinstance(degree, numbers.Real)
            or not float(degree).is_integer()
        ):
            raise ValueError(
                "degree must be a non-negative integer for activation='truncated'; "
                f"got {degree!r}."
            )
        if degree < 0:
            raise ValueError(f"degree must be >= 0; got {degree!r}.")
        degree = int(degree)
    if activation == "high_threshold_relu" and not _is_finite_real(threshold):
        raise ValueError(
            "threshold must be a finite number for activation='high_threshold_relu'; "
            f"got {threshold!r}."
        )
    if activation == "leaky_relu" and not _is_finite_real(negative_slope):
        raise ValueError(
            "negative_slope must be a finite number for activation='leaky_relu'; "
            f"got {negative_slope!r}."
        )
    return _build(activation, degree, threshold, negative_slope)


def _is_finite_real(value):
    """Whether ``value`` is a real number (not a bool) and finite."""
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )
