"""Hermite polynomials and Gaussian Hermite expansions of activations.

* :func:`hermite_e` and :func:`normalized_hermite`: the probabilists' Hermite
  polynomials ``He_k`` and their orthonormal version ``h_k = He_k / sqrt(k!)``
  under ``N(0, 1)`` (ICLR 2019 submission on high-threshold networks, App. A.1,
  Facts 0-1).
* :func:`scaled_hermite`: the weighted Hermite polynomials
  ``H_k(z, x) = ||z||**k h_k(z^T x / ||z||)`` of the same paper (App. A.1, before
  Corollary 2), used in its landscape-design loss.
* :func:`hermite_coefficients`: ``u_hat_k = E[u(g) h_k(g)]``, ``g ~ N(0, 1)``, the
  Hermite coefficients of an activation (ICLR 2019 submission, Notation and
  Lemma 10).
* :func:`gamma_moments` and :func:`zhong_m_coefficients`: the moments
  ``gamma_j(sigma) = E[phi(sigma z) z**j]`` and ``m_1 .. m_4`` of Zhong et al. 2017,
  Definition 5.1.
* :func:`hermite_transfer` and :func:`hermite_transfer_features`: the transfer
  function ``psi_w(x) = sum_J c_J w**J He_J(x)`` of Andoni et al. 2014 (full
  version, Lemma 6.1) for Gaussian inputs, in closed form in ``w . x`` and
  ``w^T w``.

Gaussian expectations use closed forms where they exist (ReLU, leaky ReLU,
high-threshold ReLU, squared ReLU, sign, linear, exp, truncated exp, erf) and
quadrature otherwise: Gauss-Hermite for smooth activations, and composite
Gauss-Legendre split at the kink for piecewise-smooth ones (ReLU-like and sign),
on which Gauss-Hermite converges only algebraically.
"""

import functools
import math

import numpy as np
import scipy.special
import scipy.stats
from numpy.polynomial import hermite_e as _herme
from numpy.polynomial.legendre import leggauss

from ._backend import asarray, device_of, get_namespace, is_numpy_namespace, to_numpy
from ._validation import check_int
from .activations import get_activation

__all__ = [
    "GaussianTransfer",
    "gamma_moments",
    "hermite_coefficients",
    "hermite_e",
    "hermite_transfer",
    "hermite_transfer_features",
    "normalized_hermite",
    "scaled_hermite",
    "zhong_m_coefficients",
]

DEFAULT_N_NODES = 200
"""Default number of quadrature nodes (Gauss-Hermite, or Gauss-Legendre per piece)."""

# Activations whose kinks (points where they are not smooth) are known; the
# quadrature splits the real line there.
_KINKS = {"relu": 0.0, "leaky_relu": 0.0, "squared_relu": 0.0, "sign": 0.0}

# Half-width of the integration window beyond the largest kink: the standard
# Gaussian density is below 1e-31 outside [-12, 12]; the polynomial factor
# He_k(x) needs an extra 2 sqrt(k).
_WINDOW = 12.0


def _check_degree(k, name):
    """Return ``k`` as an ``int`` after checking it is a non-negative integer."""
    return check_int(k, name, minimum=0, allowed="a non-negative integer")


def _check_sigma(sigma):
    """Return ``sigma`` as a float64 NumPy array after checking it is > 0 and finite."""
    try:
        values = np.asarray(to_numpy(sigma), dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"sigma must be a positive finite number (or array of them); got {sigma!r}."
        ) from None
    if values.size == 0 or not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise ValueError(
            f"sigma must be a positive finite number (or array of them); got {sigma!r}."
        )
    return values


def _as_float_array(x, xp, device=None):
    """``x`` as an array of ``xp`` (on ``device``, or where it lives); integer and
    boolean input becomes float64."""
    x = asarray(x, xp, device=device)
    if xp.isdtype(x.dtype, ("bool", "integral")):
        x = xp.astype(x, xp.float64)
    return x


def _common_device(*arrays):
    """Device of the non-NumPy arrays among ``arrays`` (``None`` when all are host)."""
    foreign = [a for a in arrays if not is_numpy_namespace(get_namespace(a))]
    return device_of(*foreign) if foreign else None


def hermite_e(k, x):
    """Probabilists' Hermite polynomial ``He_k(x)``.

    ``He_0 = 1``, ``He_1 = x`` and ``He_{j+1}(x) = x He_j(x) - j He_{j-1}(x)``;
    they are orthogonal under ``N(0, 1)`` with ``E[He_j He_k] = k! delta_jk``.

    Parameters
    ----------
    k : int
        Degree, ``k >= 0``.
    x : array-like
        Points (an array of any array-API namespace, or a scalar); real or
        complex.

    Returns
    -------
    values : ndarray
        ``He_k(x)``, same shape and array namespace as ``x`` (integer input is
        converted to float64).

    See Also
    --------
    normalized_hermite : ``h_k = He_k / sqrt(k!)``.

    References
    ----------
    .. [1] "Recovering the Lowest Layer of Deep Networks with High Threshold
       Activations", ICLR 2019 submission, Appendix A.1.

    Examples
    --------
    >>> from sklearn_polynn.hermite import hermite_e
    >>> hermite_e(3, [1.0, 2.0, 3.0])  # x**3 - 3 x
    array([-2.,  2., 18.])
    """
    k = _check_degree(k, "k")
    xp = get_namespace(x)
    x = _as_float_array(x, xp)
    previous, current = xp.ones_like(x), x
    if k == 0:
        return previous
    for j in range(1, k):
        previous, current = current, x * current - j * previous
    return current


def normalized_hermite(k, x):
    """Normalized probabilists' Hermite polynomial ``h_k(x) = He_k(x) / sqrt(k!)``.

    The ``h_k`` are orthonormal under ``g ~ N(0, 1)``: ``E[h_j(g) h_k(g)] =
    delta_jk`` (Facts 0-1 of [1]_). They are evaluated with the stable recurrence
    ``sqrt(j + 1) h_{j+1} = x h_j - sqrt(j) h_{j-1}``, which avoids the overflow
    of ``He_k`` and ``k!`` for large ``k``.

    Parameters
    ----------
    k : int
        Degree, ``k >= 0``.
    x : array-like
        Points (an array of any array-API namespace, or a scalar); real or
        complex.

    Returns
    -------
    values : ndarray
        ``h_k(x)``, same shape and array namespace as ``x``.

    See Also
    --------
    hermite_e : The unnormalized ``He_k``.
    scaled_hermite : ``H_k(z, x) = ||z||**k h_k(z^T x / ||z||)``.

    References
    ----------
    .. [1] "Recovering the Lowest Layer of Deep Networks with High Threshold
       Activations", ICLR 2019 submission, Appendix A.1.

    Examples
    --------
    >>> from sklearn_polynn.hermite import normalized_hermite
    >>> print(round(float(normalized_hermite(2, 2.0)), 6))  # (x**2 - 1) / sqrt(2)
    2.12132
    """
    k = _check_degree(k, "k")
    x = _as_float_array(x, get_namespace(x))
    return _normalized_hermite_recurrence(k, x, 1.0)


def _normalized_hermite_recurrence(k, a, s2):
    """Homogenized ``h_k``: ``s**k h_k(a / s)`` from ``a`` and ``s2 = s**2``.

    ``sqrt(j + 1) G_{j+1} = a G_j - sqrt(j) s2 G_{j-1}`` with ``G_0 = 1``,
    ``G_1 = a``; with ``s2 = 1`` this is ``h_k(a)``. No division by ``s``, so
    ``s = 0`` gives the limit ``a**k / sqrt(k!)``.
    """
    previous, current = get_namespace(a).ones_like(a), a
    if k == 0:
        return previous
    for j in range(1, k):
        previous, current = (
            current,
            (a * current - math.sqrt(j) * s2 * previous) / math.sqrt(j + 1),
        )
    return current


def scaled_hermite(k, X, Z):
    """Weighted Hermite features ``H_k(z, x) = ||z||**k h_k(z^T x / ||z||)``.

    For ``x ~ N(0, I)``, ``z^T x ~ N(0, ||z||**2)`` and these are the Hermite
    polynomials orthonormal for that variance (the ``H_l^sigma`` with ``sigma =
    ||z||`` of [1]_, App. A.1): ``E[H_j(z, x) H_k(z', x)] = delta_jk (z^T z')**k``
    (Corollary 2 of [1]_), and ``H_k(c z, x) = c**k H_k(z, x)``. ``H_k`` is a
    polynomial in ``z`` (``H_k(0, x) = 0`` for ``k >= 1``), computed without
    dividing by ``||z||``.

    Parameters
    ----------
    k : int
        Degree, ``k >= 0``.
    X : array-like of shape (n_samples, n_features)
        Inputs, an array of any array-API namespace.
    Z : array-like of shape (n_features, n_directions) or (n_features,)
        Directions ``z``, one per column (not necessarily unit norm).

    Returns
    -------
    H : ndarray of shape (n_samples, n_directions) or (n_samples,)
        ``H[s, j] = H_k(Z[:, j], X[s])``, in the array namespace of the input.

    See Also
    --------
    normalized_hermite : ``h_k``, the case ``||z|| = 1``.

    References
    ----------
    .. [1] "Recovering the Lowest Layer of Deep Networks with High Threshold
       Activations", ICLR 2019 submission, App. A.1 (weighted Hermite
       polynomials, Corollary 2) and Sec. 2 (loss with ``H_2``, ``H_4``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_polynn.hermite import scaled_hermite
    >>> X = np.array([[1.0, 2.0]])
    >>> Z = np.array([[2.0], [0.0]])  # z = (2, 0): H_2 = (z.x)**2 - ||z||**2
    >>> print(np.round(scaled_hermite(2, X, Z) * np.sqrt(2), 6))
    [[0.]]
    """
    k = _check_degree(k, "k")
    xp = get_namespace(X, Z)
    device = _common_device(X, Z)
    X = _as_float_array(X, xp, device)
    Z = _as_float_array(Z, xp, device)
    if X.ndim != 2:
        raise ValueError(
            f"X must be a 2-D array (n_samples, n_features); got shape {X.shape}."
        )
    if Z.ndim not in (1, 2) or Z.shape[0] != X.shape[1]:
        raise ValueError(
            "Z must have shape (n_features, n_directions) or (n_features,) with "
            f"n_features = X.shape[1] = {X.shape[1]}; got shape {Z.shape}."
        )
    projections = X @ Z
    squared_norms = xp.sum(Z * Z, axis=0)
    return _normalized_hermite_recurrence(k, projections, squared_norms)


# --------------------------------------------------------------------------
# Gaussian expectations E[phi(sigma g) He_k(g)], g ~ N(0, 1)
# --------------------------------------------------------------------------


@functools.cache
def _gauss_hermite_rule(n_nodes):
    """Nodes and probability weights of ``n_nodes``-point Gauss-Hermite (``He``).

    ``scipy.special.roots_hermitenorm`` is used rather than
    ``numpy.polynomial.hermite_e.hermegauss`` (same rule), whose weights overflow
    beyond about 370 nodes.
    """
    nodes, weights = scipy.special.roots_hermitenorm(n_nodes)
    return nodes, weights / math.sqrt(2.0 * math.pi)


@functools.cache
def _split_legendre_rule(kinks, n_nodes, max_degree):
    """Gaussian quadrature split at ``kinks``: Gauss-Legendre on each smooth piece.

    The real line is cut to ``[-L, L]`` with ``L = max|kink| + 12 + 2 sqrt(K)``
    (the density times ``He_K`` is negligible outside) and split at the kinks;
    each piece gets ``n_nodes`` Gauss-Legendre nodes, with weights multiplied by
    the standard normal density. Exponentially accurate for functions that are
    smooth between kinks.
    """
    reach = max((abs(t) for t in kinks), default=0.0)
    half_width = reach + _WINDOW + 2.0 * math.sqrt(max_degree)
    breaks = [-half_width, *sorted(kinks), half_width]
    unit_nodes, unit_weights = leggauss(n_nodes)
    nodes, weights = [], []
    for a, b in zip(breaks[:-1], breaks[1:]):
        if b <= a:
            continue
        x = 0.5 * (a + b) + 0.5 * (b - a) * unit_nodes
        nodes.append(x)
        weights.append(0.5 * (b - a) * unit_weights * scipy.stats.norm.pdf(x))
    return np.concatenate(nodes), np.concatenate(weights)


def _quadrature_coefficients(function, max_degree, kinks=(), n_nodes=DEFAULT_N_NODES):
    """``E[f(g) h_k(g)]`` for ``k = 0..max_degree`` by quadrature.

    Gauss-Hermite when ``f`` is smooth (``kinks`` empty), else composite
    Gauss-Legendre split at the kinks (:func:`_split_legendre_rule`). The
    ``h_k`` come from the normalized recurrence, so large ``k`` do not overflow.
    """
    if kinks:
        nodes, weights = _split_legendre_rule(tuple(kinks), n_nodes, max_degree)
    else:
        nodes, weights = _gauss_hermite_rule(n_nodes)
    values = np.asarray(to_numpy(function(nodes))) * weights
    out = np.empty(max_degree + 1, dtype=np.result_type(values, np.float64))
    previous, current = np.ones_like(nodes), nodes
    out[0] = np.sum(values)
    for k in range(1, max_degree + 1):
        if k >= 2:
            previous, current = (
                current,
                (nodes * current - math.sqrt(k - 1) * previous) / math.sqrt(k),
            )
        out[k] = np.sum(values * current)
    return out


def _sqrt_factorials(max_degree):
    """``sqrt(k!)`` for ``k = 0..max_degree`` (via ``lgamma``, no overflow)."""
    return np.exp(0.5 * scipy.special.gammaln(np.arange(max_degree + 1) + 1.0))


def _threshold_relu_coefficients(t, max_degree):
    """Hermite coefficients ``E[max(0, g - t) h_k(g)]``, ``g ~ N(0, 1)``, exactly.

    Gaussian integration by parts gives ``E[f(g) He_k(g)] = E[f^(k)(g)]``; with
    ``f' = 1[g > t]`` and ``f'' = delta_t``: ``phi(t) - t Phi^c(t)``,
    ``Phi^c(t)``, and ``phi(t) He_{k-2}(t) / sqrt(k!) = phi(t) h_{k-2}(t) /
    sqrt(k (k - 1))`` for ``k >= 2`` (``phi, Phi^c``: standard normal density and
    tail). These are the coefficients bounded in Lemma 10 of the ICLR 2019
    submission (``u_hat_2 = phi(t) / sqrt(2)``, ``u_hat_4 = phi(t) (t**2 - 1) /
    sqrt(24)``); ``t = 0`` is the ReLU.
    """
    pdf, tail = scipy.stats.norm.pdf(t), scipy.stats.norm.sf(t)
    out = np.empty(max_degree + 1)
    out[0] = pdf - t * tail
    if max_degree >= 1:
        out[1] = tail
    for k in range(2, max_degree + 1):
        out[k] = pdf * float(normalized_hermite(k - 2, t)) / math.sqrt(k * (k - 1))
    return out


def _squared_relu_coefficients(max_degree):
    """``E[max(0, g)**2 h_k(g)]``: ``1/2``, ``2 phi(0)``, ``1/sqrt(2)``, then
    ``2 phi(0) He_{k-3}(0) / sqrt(k!)`` (by parts: the third derivative is
    ``2 delta_0``)."""
    pdf0 = 1.0 / math.sqrt(2.0 * math.pi)
    out = [0.5, 2.0 * pdf0, 1.0 / math.sqrt(2.0)]
    for k in range(3, max_degree + 1):
        h_at_zero = float(normalized_hermite(k - 3, 0.0))
        out.append(2.0 * pdf0 * h_at_zero / math.sqrt(k * (k - 1) * (k - 2)))
    return np.array(out[: max_degree + 1])


def _sign_coefficients(max_degree):
    """``E[sign(g) h_k(g)]``: 0, then ``2 phi(0) He_{k-1}(0) / sqrt(k!)``
    (by parts: the derivative is ``2 delta_0``)."""
    pdf0 = 1.0 / math.sqrt(2.0 * math.pi)
    out = [0.0]
    for k in range(1, max_degree + 1):
        out.append(2.0 * pdf0 * float(normalized_hermite(k - 1, 0.0)) / math.sqrt(k))
    return np.array(out)


def _erf_coefficients(sigma, max_degree):
    """``E[erf(sigma g) h_k(g)]``: 0 for even ``k``; for odd ``k`` the
    unnormalized ``E[erf(sigma g) He_k(g)]`` is
    ``2 sigma**k (-2)**((k-1)/2) (k-2)!! / sqrt(pi (1 + 2 sigma**2)**k)``.

    From ``E[f He_k] = E[f^(k)]`` with ``erf^(k)(x) = 2/sqrt(pi)
    (-sqrt(2))**(k-1) He_{k-1}(sqrt(2) x) exp(-x**2)`` and ``E[He_m(s g)] =
    (s**2 - 1)**(m/2) (m-1)!!`` for even ``m``. Evaluated by the ratio
    ``c_{k+2} / c_k = -r k / sqrt((k+1)(k+2))``, ``r = 2 sigma**2 / (1 + 2 sigma**2)``.
    """
    out = np.zeros(max_degree + 1)
    ratio = 2.0 * sigma**2 / (1.0 + 2.0 * sigma**2)
    value = 2.0 * sigma / math.sqrt(math.pi * (1.0 + 2.0 * sigma**2))
    for k in range(1, max_degree + 1, 2):
        out[k] = value
        value *= -ratio * k / math.sqrt((k + 1) * (k + 2))
    return out


def _exp_coefficients(sigma, max_degree):
    """``E[exp(sigma g) h_k(g)] = sigma**k exp(sigma**2 / 2) / sqrt(k!)``."""
    out = np.empty(max_degree + 1)
    out[0] = math.exp(sigma**2 / 2.0)
    for k in range(1, max_degree + 1):
        out[k] = out[k - 1] * sigma / math.sqrt(k)
    return out


def _truncated_exp_coefficients(degree, sigma, max_degree):
    """``E[phi_d(sigma g) h_k(g)]`` exactly, ``phi_d(z) = sum_{j<=d} z**j / j!``.

    ``phi_d(sigma x)`` is expanded in the ``He`` basis; the coefficient ``a_k``
    of ``He_k`` gives ``E[phi_d(sigma g) h_k(g)] = a_k sqrt(k!)`` (orthogonality).
    """
    monomial = np.cumprod([1.0] + [sigma / j for j in range(1, degree + 1)])
    in_he_basis = _herme.poly2herme(monomial)
    out = np.zeros(max_degree + 1)
    n = min(len(in_he_basis), max_degree + 1)
    out[:n] = in_he_basis[:n] * _sqrt_factorials(n - 1)
    return out


def _closed_form_coefficients(activation, sigma, max_degree):
    """``E[phi(sigma g) h_k(g)]`` in closed form, or ``None`` if none is known.

    Uses positive homogeneity ``phi(sigma z) = sigma**p phi(z)`` for the
    ReLU family and ``max(0, sigma g - t) = sigma max(0, g - t / sigma)``.
    """
    name, params = activation.name, dict(activation.params)
    K = max_degree
    if name == "relu":
        return sigma * _threshold_relu_coefficients(0.0, K)
    if name == "high_threshold_relu":
        return sigma * _threshold_relu_coefficients(params["threshold"] / sigma, K)
    if name == "leaky_relu":
        slope = params["negative_slope"]
        out = (1.0 - slope) * sigma * _threshold_relu_coefficients(0.0, K)
        if K >= 1:
            out[1] += slope * sigma
        return out
    if name == "squared_relu":
        return sigma**2 * _squared_relu_coefficients(K)
    if name == "sign":
        return _sign_coefficients(K)
    if name == "linear":
        out = np.zeros(K + 1)
        if K >= 1:
            out[1] = sigma
        return out
    if name == "exp":
        return _exp_coefficients(sigma, K)
    if name == "truncated":
        return _truncated_exp_coefficients(params["degree"], sigma, K)
    if name == "erf":
        return _erf_coefficients(sigma, K)
    return None


def _activation_kinks(activation, sigma):
    """Points where ``phi(sigma x)`` is not smooth (empty for smooth activations)."""
    if activation.name == "high_threshold_relu":
        return (dict(activation.params)["threshold"] / sigma,)
    if activation.name in _KINKS:
        return (_KINKS[activation.name] / sigma,)
    return ()


def _scaled_activation_coefficients(
    activation, sigma, max_degree, n_nodes, method="auto"
):
    """``E[phi(sigma g) h_k(g)]``, ``k = 0..max_degree``, for scalar ``sigma > 0``.

    ``method="auto"`` uses the closed form when one is known, else quadrature;
    ``"quadrature"`` forces quadrature (used by the tests to check closed forms).
    """
    if method == "auto":
        exact = _closed_form_coefficients(activation, sigma, max_degree)
        if exact is not None:
            return exact
    kinks = _activation_kinks(activation, sigma)
    return _quadrature_coefficients(
        lambda x: activation.function(sigma * x), max_degree, kinks, n_nodes
    )


def _check_n_nodes(n_nodes):
    if n_nodes is None:
        return DEFAULT_N_NODES
    return check_int(n_nodes, "n_nodes", minimum=2, allowed="an integer >= 2 or None")


def hermite_coefficients(activation, max_degree, *, n_nodes=None):
    """Gaussian Hermite coefficients ``u_hat_k = E[u(g) h_k(g)]``, ``g ~ N(0, 1)``.

    ``u = sum_k u_hat_k h_k`` in ``L2(N(0, 1))`` (ICLR 2019 submission, Notation
    and App. A.1). Closed forms are used for "relu", "leaky_relu",
    "high_threshold_relu", "squared_relu", "sign", "linear", "exp", "truncated"
    and "erf" (derived by Gaussian integration by parts, ``E[u(g) He_k(g)] =
    E[u^(k)(g)]``); "sigmoid", "tanh" and custom activations use quadrature.

    Parameters
    ----------
    activation : str, Activation, or (function, derivative) tuple
        Anything :func:`~sklearn_polynn.activations.get_activation` accepts
        (pass ``get_activation("high_threshold_relu", threshold=t)`` for a
        threshold, ``get_activation("truncated", degree=d)`` for a degree).
    max_degree : int
        Largest ``k``; ``max_degree >= 0``.
    n_nodes : int, default=None
        Quadrature nodes when no closed form is known (None: 200). Smooth
        activations use Gauss-Hermite; activations with a kink (ReLU family,
        sign) use Gauss-Legendre with ``n_nodes`` nodes on each side of the
        kink. Custom activations are assumed smooth: a kink in them slows
        convergence to algebraic.

    Returns
    -------
    coefficients : ndarray of shape (max_degree + 1,)
        ``coefficients[k] = E[u(g) h_k(g)]``.

    See Also
    --------
    gamma_moments : ``E[phi(sigma z) z**j]`` of Zhong et al.
    normalized_hermite : ``h_k``.

    Notes
    -----
    For the high-threshold ReLU ``u_t(a) = max(0, a - t)``:
    ``u_hat_0 = phi(t) - t Phi^c(t)``, ``u_hat_1 = Phi^c(t)`` and
    ``u_hat_k = phi(t) He_{k-2}(t) / sqrt(k!)`` for ``k >= 2``, so
    ``u_hat_2, u_hat_4 = t**Theta(1) exp(-t**2 / 2)`` (Lemma 10 of [1]_).

    References
    ----------
    .. [1] "Recovering the Lowest Layer of Deep Networks with High Threshold
       Activations", ICLR 2019 submission, Notation (Sec. 1) and Lemma 10.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_polynn.hermite import hermite_coefficients
    >>> np.round(hermite_coefficients("relu", 4), 6)
    array([ 0.398942,  0.5     ,  0.282095,  0.      , -0.081435])
    """
    activation = get_activation(activation)
    max_degree = _check_degree(max_degree, "max_degree")
    n_nodes = _check_n_nodes(n_nodes)
    return _scaled_activation_coefficients(activation, 1.0, max_degree, n_nodes)


def _monomials_from_hermite(expectations, max_order):
    """``E[phi z**j]`` from ``E[phi He_k]`` using ``z**j = sum_k c_jk He_k(z)``."""
    out = np.empty(max_order + 1, dtype=expectations.dtype)
    for j in range(max_order + 1):
        in_he_basis = _herme.poly2herme([0.0] * j + [1.0])
        out[j] = np.dot(in_he_basis, expectations[: j + 1])
    return out


def gamma_moments(activation, sigma, max_order=4):
    """Zhong et al.'s moments ``gamma_j(sigma) = E[phi(sigma z) z**j]``, z ~ N(0, 1).

    Computed from the Hermite expectations ``E[phi(sigma z) He_k(z)]`` (closed
    form or quadrature, see :func:`hermite_coefficients`) and the exact
    expansion of ``z**j`` in the ``He`` basis.

    Parameters
    ----------
    activation : str, Activation, or (function, derivative) tuple
        Anything :func:`~sklearn_polynn.activations.get_activation` accepts.
    sigma : float or array-like of float
        Scale ``sigma > 0`` (Zhong et al. use ``sigma = ||w_i*||``); an array
        gives the moments for each entry.
    max_order : int, default=4
        Largest ``j``; ``max_order >= 0``.

    Returns
    -------
    gamma : ndarray of shape (max_order + 1,) + sigma.shape
        ``gamma[j] = gamma_j(sigma)``; in the array namespace of ``sigma``.

    See Also
    --------
    zhong_m_coefficients : ``m_1 .. m_4`` built from these.

    References
    ----------
    .. [1] K. Zhong, Z. Song, P. Jain, P. L. Bartlett, I. S. Dhillon, "Recovery
       Guarantees for One-hidden-layer Neural Networks", ICML 2017,
       Definition 5.1.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_polynn.hermite import gamma_moments
    >>> np.round(gamma_moments("relu", 2.0), 6)  # 2 E[z**(j+1); z > 0]
    array([0.797885, 1.      , 1.595769, 3.      , 6.383076])
    """
    activation = get_activation(activation)
    max_order = _check_degree(max_order, "max_order")
    xp = get_namespace(sigma)
    device = _common_device(sigma)
    sigmas = _check_sigma(sigma)
    out = np.empty((max_order + 1, sigmas.size))
    for i, s in enumerate(sigmas.ravel()):
        coefficients = _scaled_activation_coefficients(
            activation, float(s), max_order, DEFAULT_N_NODES
        )
        expectations = coefficients * _sqrt_factorials(max_order)  # E[phi He_k]
        out[:, i] = _monomials_from_hermite(expectations, max_order)
    out = out.reshape((max_order + 1, *sigmas.shape))
    return out if device is None else asarray(out, xp, device=device)


def zhong_m_coefficients(activation, sigma=1.0):
    """Zhong et al.'s ``m_1, m_2, m_3, m_4`` at scale ``sigma``.

    ``m_1 = gamma_1``, ``m_2 = gamma_2 - gamma_0``, ``m_3 = gamma_3 - 3 gamma_1``,
    ``m_4 = gamma_4 + 3 gamma_0 - 6 gamma_2`` (Definition 5.1 of [1]_); they are
    the coefficients of ``w``, ``w w^T``, ... in the moments ``M_1 .. M_4``, and
    equal ``E[phi(sigma z) He_j(z)]``. ReLU has ``m_3 = 0``; sigmoid, tanh and erf
    have ``m_2 = m_4 = 0``.

    Parameters
    ----------
    activation : str, Activation, or (function, derivative) tuple
        Anything :func:`~sklearn_polynn.activations.get_activation` accepts.
    sigma : float or array-like of float, default=1.0
        Scale ``sigma = ||w_i*|| > 0``.

    Returns
    -------
    m : tuple of 4 floats (or arrays shaped like ``sigma``)
        ``(m_1, m_2, m_3, m_4)``.

    See Also
    --------
    gamma_moments : The ``gamma_j`` these are built from.

    References
    ----------
    .. [1] K. Zhong, Z. Song, P. Jain, P. L. Bartlett, I. S. Dhillon, "Recovery
       Guarantees for One-hidden-layer Neural Networks", ICML 2017,
       Definition 5.1.

    Examples
    --------
    >>> from sklearn_polynn.hermite import zhong_m_coefficients
    >>> print([round(float(m), 6) for m in zhong_m_coefficients("erf")])
    [0.65147, 0.0, -0.434313, 0.0]
    """
    g = gamma_moments(activation, sigma, max_order=4)
    return (g[1], g[2] - g[0], g[3] - 3 * g[1], g[4] + 3 * g[0] - 6 * g[2])


# --------------------------------------------------------------------------
# Andoni et al. Sec. 6.2: the Hermite transfer function psi for Gaussian inputs
# --------------------------------------------------------------------------

_TRANSFER_ACTIVATIONS = ("exp", "truncated", "linear")


def _hermite_sum(b, Z, S2, xp):
    """``sum_l b[l] T_l(Z, S2)``, ``T_l = G_l / l!`` (``G_l``: homogenized ``He_l``).

    ``G_l(z, s2) = s**l He_l(z / s)``, ``s**2 = s2``, satisfies
    ``G_{l+1} = z G_l - l s2 G_{l-1}``, so ``T_{l+1} = (z T_l - s2 T_{l-1}) /
    (l + 1)``; no factorials, no division by ``s``.
    """
    previous, current = xp.zeros_like(Z), xp.ones_like(Z)
    total = b[0] * current if b else xp.zeros_like(Z)
    for degree in range(1, len(b)):
        previous, current = current, (Z * current - S2 * previous) / degree
        if b[degree] != 0.0:
            total = total + b[degree] * current
    return total


class GaussianTransfer:
    """The Hermite transfer function ``psi`` of an activation, for ``x ~ N(0, I)``.

    For an activation with Taylor series ``phi(z) = sum_l a_l z**l``, the hidden
    unit ``phi(w . x) = sum_J c_J w**J x**J`` (``c_J = a_|J| |J|! / J!``, ``J``
    a vector of degrees, ``J! = prod_i J_i!``) is a sum of monomials, orthogonal
    under complex inputs ``x in C(1)**n``. Lemma 6.1 of Andoni et al. (full
    version, Sec. 6.2) replaces each monomial ``x**J`` by the Hermite polynomial
    ``He_J(x) = prod_i He_{J_i}(x_i)``, orthogonal under ``x ~ N(0, I)``:

        ``psi_w(x) = sum_J c_J w**J He_J(x)``.

    By the Hermite addition theorem, ``sum_{|J| = l} (l! / J!) w**J He_J(x) =
    G_l(w . x, w^T w)`` with ``G_l(z, s**2) = s**l He_l(z / s)`` (a polynomial in
    ``z`` and ``s**2``; ``w^T w = sum_i w_i**2``, no conjugate), so

        ``psi_w(x) = sum_l a_l G_l(w . x, w^T w) = E_g[phi(w . x + i s g)]``,
        ``g ~ N(0, 1)``, ``s**2 = w^T w``,

    a function of the pre-activation ``z = w . x`` and of ``s2 = w^T w``. For
    ``phi = exp`` it is ``psi_w(x) = exp(w . x - w^T w / 2)`` (the Hermite
    generating function). ``psi`` is holomorphic in ``w`` and

        ``d psi_w(x) / dw = x psi'(z, s2) - w psi''(z, s2)``,

    where ``psi'`` and ``psi''`` are the transfer functions of ``phi'`` and
    ``phi''`` (``dG_l/dz = l G_{l-1}``, ``dG_l/ds2 = -l (l - 1) G_{l-2} / 2``).

    For "exp", ``psi_w(x) = exp(-w^T w / 2) exp(w . x)``: a network of ``psi``
    units is the plain exp network with output weights ``alpha_j exp(-w_j^T w_j
    / 2)``, a smooth invertible change of parameters, so the two losses have the
    same critical points and Lemma 6.1 holds on Gaussian inputs for the plain
    exp activation too (only the gradient-descent path differs). For the
    truncated exponential ``phi_d`` the two units differ (``phi_d(w . x) =
    sum_{j, k} G_j / j! (w^T w / 2)**k / k!`` over ``j + 2k <= d``).

    Use :func:`hermite_transfer` to build one.

    Parameters
    ----------
    activation : Activation
        The activation ``phi`` it is built from.
    taylor : tuple of float or None
        ``b_l = a_l l!`` (so ``psi = sum_l b_l G_l / l!``); ``None`` for "exp"
        (all ``b_l = 1``, evaluated in closed form).

    Attributes
    ----------
    activation : Activation
        The ``activation`` parameter.
    taylor : tuple of float or None
        The ``taylor`` parameter.

    See Also
    --------
    hermite_transfer : Build the transfer function of an activation.
    hermite_transfer_features : Evaluate ``psi`` units on a data matrix.

    References
    ----------
    .. [1] A. Andoni, R. Panigrahy, G. Valiant, L. Zhang, "Learning Polynomials
       with Neural Networks", ICML 2014; full version, Sec. 6.2, Lemma 6.1.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_polynn.hermite import hermite_transfer
    >>> psi = hermite_transfer("truncated", degree=2)  # 1 + z + (z**2 - s2) / 2
    >>> print(psi.derivative(np.array([3.0]), np.array([1.0])))  # 1 + z
    [4.]
    >>> print(psi.s2_derivative(np.array([3.0]), np.array([1.0])))
    [-0.5]
    """

    def __init__(self, activation, taylor):
        self.activation = activation
        self.taylor = taylor

    def __repr__(self):
        return f"GaussianTransfer({self.activation.name!r}, taylor={self.taylor})"

    def _shifted(self, Z, S2, shift):
        xp = get_namespace(Z, S2)
        if self.taylor is None:  # exp: psi = exp(z - s2 / 2), shift-invariant
            return xp.exp(Z - 0.5 * S2)
        return _hermite_sum(self.taylor[shift:], Z, S2, xp)

    def __call__(self, Z, S2):
        """``psi(Z, S2)`` elementwise; ``S2`` broadcasts (e.g. shape (n_units,))."""
        return self._shifted(Z, S2, 0)

    def derivative(self, Z, S2):
        """``d psi / dz``: the transfer function of ``phi'``.

        Parameters
        ----------
        Z : array
            Pre-activations ``w . x`` (e.g. ``X @ W``).
        S2 : array
            ``w^T w`` of each unit; broadcasts against ``Z``.

        Returns
        -------
        dpsi : array
            ``d psi / dz`` elementwise, in the namespace of ``Z``.
        """
        return self._shifted(Z, S2, 1)

    def s2_derivative(self, Z, S2):
        """``d psi / d s2 = -psi''(Z, S2) / 2`` (heat equation of ``G_l``).

        Parameters
        ----------
        Z : array
            Pre-activations ``w . x`` (e.g. ``X @ W``).
        S2 : array
            ``w^T w`` of each unit; broadcasts against ``Z``.

        Returns
        -------
        dpsi_ds2 : array
            ``d psi / d s2`` elementwise, in the namespace of ``Z``.
        """
        return -0.5 * self._shifted(Z, S2, 2)

    def hidden_weight_gradient(self, X, W, coefficients, residual):
        """Wirtinger descent direction for ``W`` of a network of ``psi`` units.

        For ``g(x) = sum_j alpha_j psi_{w_j}(x)`` and ``L = mean_s (Re g(x_s) +
        b - y_s)**2 / 2`` with residuals ``r``, returns ``2 dL/d conj(W) =
        mean_s r_s conj(dg(x_s)/dW)``, i.e. ``conj(X^T D + 2 W diag(c)) / N``
        with ``D = r alpha psi_z`` and ``c_j = sum_s r_s alpha_j psi_s2[s, j]``
        (``d psi_w / dw = x psi_z + 2 w psi_s2``), the convention of
        :class:`~sklearn_polynn.ComplexTwoLayerRegressor`'s gradients.

        Parameters
        ----------
        X : array of shape (n_samples, n_features)
            Inputs (standard Gaussian for Lemma 6.1).
        W : array of shape (n_features, n_units)
            Hidden weights, in the namespace of ``X``.
        coefficients : array of shape (n_units,)
            Output weights ``alpha``.
        residual : real array of shape (n_samples,)
            ``Re g(x_s) + b - y_s``.

        Returns
        -------
        gradient : array of shape (n_features, n_units)
            ``2 dL/d conj(W)``; a descent step is ``W - lr * gradient``.
        """
        xp = get_namespace(X, W)
        Z, S2 = X @ W, xp.sum(W * W, axis=0)
        D = self.derivative(Z, S2) * coefficients * residual[:, None]
        c = residual @ (self.s2_derivative(Z, S2) * coefficients)
        return xp.conj(X.T @ D + 2.0 * W * c) / X.shape[0]


def hermite_transfer(activation, *, degree=None):
    """The Hermite transfer function ``psi`` of Andoni et al., Lemma 6.1.

    ``psi_w(x) = sum_J c_J w**J He_J(x)``: the hidden unit ``phi(w . x) = sum_J
    c_J w**J x**J`` with every monomial ``x**J`` replaced by the Hermite
    polynomial ``He_J(x)``, for standard Gaussian inputs ``x ~ N(0, I)`` (see
    :class:`GaussianTransfer` for the closed form in ``w . x`` and ``w^T w``).
    For ``x ~ N(0, I)`` and any ``J``:

        ``E_x[psi_w(x) He_J(x)] = J! c_J w**J``

    (``= w**J`` for "exp"), the Gaussian counterpart of
    ``E_{x in C(1)^n}[phi(w . x) conj(x**J)] = c_J w**J``. With it, Lemma 6.1's
    proof goes through on Gaussian inputs: for a target that does not depend on
    ``x_1``, ``sum_i w_i1 <de/dw_i1, e> = E|dg/dx_1|**2``, so a critical point of
    gradient descent has ``g`` independent of ``x_1``. Inputs must be standard
    Gaussian (whiten first, e.g. with
    :class:`~sklearn_polynn.WhiteningTransformer`).

    Parameters
    ----------
    activation : {"exp", "truncated", "linear"} or Activation
        A holomorphic activation with a known Taylor series.
    degree : int, default=None
        Degree of "truncated" (required for it).

    Returns
    -------
    transfer : GaussianTransfer
        ``transfer(Z, S2)`` with ``Z = X @ W`` and ``S2 = sum(W * W, axis=0)``
        (see :func:`hermite_transfer_features`); ``transfer.derivative`` and
        ``transfer.s2_derivative`` give ``d psi / dz`` and ``d psi / d s2``.

    Raises
    ------
    ValueError
        If the activation has no known Taylor series (the message names the
        allowed ones).

    See Also
    --------
    hermite_transfer_features : Evaluate ``psi`` units on a data matrix.
    sklearn_polynn.metrics.variable_dependence : The Lemma 6.1 diagnostic of
        a fitted model.

    References
    ----------
    .. [1] A. Andoni, R. Panigrahy, G. Valiant, L. Zhang, "Learning Polynomials
       with Neural Networks", ICML 2014; full version, Sec. 6.2, Lemma 6.1.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_polynn.hermite import hermite_transfer
    >>> psi = hermite_transfer("truncated", degree=2)  # 1 + z + (z**2 - s2) / 2
    >>> print(psi(np.array([3.0]), np.array([1.0])))
    [8.]
    >>> print(hermite_transfer("exp")(np.array([1.0]), np.array([2.0])))  # e**0
    [1.]
    """
    kwargs = {} if degree is None else {"degree": degree}
    activation = get_activation(activation, **kwargs)
    if activation.name not in _TRANSFER_ACTIVATIONS:
        raise ValueError(
            "The Hermite transfer function of Andoni et al. (Lemma 6.1) needs an "
            "activation with a known Taylor series: one of "
            f"{', '.join(map(repr, _TRANSFER_ACTIVATIONS))}; got "
            f"{activation.name!r}."
        )
    if activation.name == "exp":
        return GaussianTransfer(activation, None)
    if activation.name == "linear":
        return GaussianTransfer(activation, (0.0, 1.0))
    return GaussianTransfer(
        activation, (1.0,) * (dict(activation.params)["degree"] + 1)
    )


def hermite_transfer_features(X, W, transfer):
    """Hidden units ``Psi[s, j] = psi_{w_j}(x_s)`` of Lemma 6.1 (Gaussian inputs).

    Computes ``transfer(X @ W, sum(W * W, axis=0))``: one GEMM for the
    pre-activations and one column reduction for ``w_j^T w_j`` (no
    conjugate), so the cost is that of the plain features ``phi(X W)``. The
    result is a feature matrix for any linear top layer, as the random
    features of Thm 3.1 are for complex inputs.

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
        Standard Gaussian inputs, any array-API namespace.
    W : array of shape (n_features, n_units)
        Weights (real or complex), in the namespace and on the device of ``X``
        (a NumPy ``W`` is moved there).
    transfer : GaussianTransfer, str or Activation
        From :func:`hermite_transfer` (a name is passed to it).

    Returns
    -------
    Psi : array of shape (n_samples, n_units)
        In the namespace and on the device of ``X``.

    See Also
    --------
    hermite_transfer : Build the transfer function ``psi``.
    GaussianTransfer : The transfer function object and its derivatives.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_polynn.hermite import hermite_transfer_features
    >>> X = np.array([[1.0, 0.0]]); W = np.array([[1.0], [1.0]])
    >>> print(hermite_transfer_features(X, W, "exp"))  # exp(1 - 2 / 2)
    [[1.]]
    """
    if not isinstance(transfer, GaussianTransfer):
        transfer = hermite_transfer(transfer)
    xp = get_namespace(X, W)
    device = _common_device(X, W)
    X = _as_float_array(X, xp, device)
    W = _as_float_array(W, xp, device)
    return transfer(X @ W, xp.sum(W * W, axis=0))
