"""Random complex bottom layer + trained top layer (Andoni, Panigrahy, Valiant &
Zhang 2014, Thm 3.1 and Thm 4.1).

A two-layer network ``g(x) = sum_i alpha_i phi(w_i . x) + b`` whose bottom layer
``w_i`` is drawn at random from ``C(r)^n`` and kept fixed learns any degree-``d``
polynomial by fitting the top layer ``alpha`` only, once the number of hidden units
``m`` is large enough (Thm 3.1: ``m = O(n^{2d} / eps^2)`` for ``phi = exp``).

* :class:`ComplexRandomFeatures` is the bottom layer as a transformer: it returns
  the real matrix ``[Re Phi, Im Phi]`` so that any scikit-learn linear model can
  sit on top.
* :class:`RandomFeaturePolynomialRegressor` fits the top layer by ridge regression
  from sufficient statistics (Gram ``Phi^T Phi`` and ``Phi^T y``) accumulated over
  row batches, so memory is ``O(batch_size * m + m^2)`` and ``partial_fit`` over any
  split of the rows, or a Dask fit (:mod:`sklearn_polynn.parallel`), gives the same
  model as ``fit``; or by gradient descent on the top layer as in Thm 4.1.
* :func:`representation_weights` is the explicit construction in the proof of
  Thm 3.1: top-layer weights ``alpha_i = T_{p,r}(w_i) / m``.
"""

import math
import numbers
import os
import sys
import warnings
from dataclasses import dataclass

import numpy as np
import sklearn
from scipy.linalg import LinAlgWarning
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    RegressorMixin,
    TransformerMixin,
)
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._backend import (
    Namespace,
    add_gram,
    asarray,
    complex_dtype_for,
    complex_from_parts,
    device_of,
    get_namespace,
    gram_accumulator,
    is_numpy_namespace,
    resolve_namespace,
    row_batches,
    to_numpy,
)
from ._base import _PolynnEstimatorMixin
from ._compat import Interval, IntInterval, StrOptions, _fit_context
from ._complex import (
    deinterleave_permutation,
    draw_complex_weights,
    exp_by_parts,
    feature_operand,
    real_features,
    unit_features,
)
from ._optim import make_optimizer, minimize
from ._top_layer import (
    SufficientStatistics,
    gcv_path,
    largest_eigenvalue,
    ridge_cholesky,
    ridge_eigen,
)
from ._validation import (
    ITERATIVE_CONSTRAINTS,
    check_dtype,
    check_y_given,
    validate_fitted_input,
    validate_input,
    validate_sample_weight,
)
from .activations import get_activation
from .parallel import is_dask_collection, predict_blocks

__all__ = [
    "ComplexRandomFeatures",
    "RandomFeaturePolynomialRegressor",
    "representation_weights",
]

# Feature-matrix entries per row batch when batch_size=None: 2**22 float64 entries
# (32 MiB, plus the complex pre-activations of the same batch), >= 1024 rows.
_BATCH_ELEMENTS = 2**22

_SHARED_CONSTRAINTS = {
    "n_components": [IntInterval(1, None, closed="left")],
    "activation": [StrOptions({"auto", "exp", "truncated"})],
    "degree": [IntInterval(0, None, closed="left"), None],
    "weight_scale": [Interval(numbers.Real, 0, None, closed="neither"), None],
    "weight_distribution": [StrOptions({"circle", "gaussian"})],
    "domain": [StrOptions({"real", "circle"})],
    "dtype": [StrOptions({"float64", "float32"}), None],
    "batch_size": [IntInterval(1, None, closed="left"), None],
    "device": [StrOptions({"cpu", "cuda"}), None],
    "random_state": ["random_state"],
}


# --------------------------------------------------------------------------- #
# Bottom layer
# --------------------------------------------------------------------------- #
def _resolve_activation(activation, degree):
    """``activation="auto"`` is ``phi_d`` (truncated exp) when ``degree`` is set,
    else ``exp``; returns ``(name, Activation)``."""
    name = activation
    if name == "auto":
        name = "exp" if degree is None else "truncated"
    if name == "truncated":
        if degree is None:
            raise ValueError(
                "degree must be set when activation='truncated' (phi_d needs d); "
                "pass degree=d or use activation='exp'."
            )
        return name, get_activation("truncated", degree=int(degree))
    return name, get_activation("exp")


def _weight_scale(weight_scale, n_features):
    """The modulus ``r`` of the hidden weights: ``1/sqrt(n)`` by default (Thm 3.1)."""
    return 1.0 / math.sqrt(n_features) if weight_scale is None else float(weight_scale)


def _batch_rows(batch_size, n_components):
    """Rows per batch: ``batch_size``, or about 32 MiB of features but at least
    1024 rows so the rank-k Gram update stays BLAS-3 efficient."""
    if batch_size is not None:
        return int(batch_size)
    return max(1024, _BATCH_ELEMENTS // (2 * n_components))


def _draw_bottom_layer(est, n_features, rng, ns, real_dtype=None):
    """Draw ``W`` on the host, set the public attributes, return ``W`` in ``ns``.

    ``W`` is complex64 when the computation dtype (``real_dtype``, else the
    estimator's ``dtype``) is float32.
    """
    est.activation_ = _resolve_activation(est.activation, est.degree)[0]
    est._degree = est.degree
    est.weight_scale_ = _weight_scale(est.weight_scale, n_features)
    W = draw_complex_weights(
        rng, n_features, est.n_components, est.weight_scale_, est.weight_distribution
    )
    if real_dtype is None:
        real_dtype = check_dtype(est.dtype or "float64")
    if _is_float32(real_dtype):
        W = W.astype(np.complex64)
    return ns.asarray(W)


def _is_float32(dtype):
    return str(dtype).endswith("float32")


def _is_complex64(dtype):
    return str(dtype).endswith("complex64")


_INTERNAL_DIRS = (os.path.dirname(__file__), os.path.dirname(sklearn.__file__))


def _external_stacklevel():
    """``stacklevel`` for a ``warnings.warn`` in the calling function that points
    at the first frame outside this package and scikit-learn (the user's call,
    whether it came through ``fit``, ``partial_fit`` or a lazy solve)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_INTERNAL_DIRS):
        frame, level = frame.f_back, level + 1
    return level


def _auto_alphas(G, xp):
    """``alpha="auto"``: 23 penalties from ``1e-10`` to ``10`` times the mean
    diagonal of the Gram (the scale of ``alpha`` relative to the data)."""
    scale = float(xp.sum(xp.linalg.diagonal(G))) / max(G.shape[0], 1)
    return max(scale, np.finfo(np.float64).tiny) * _AUTO_GRID


# Root mean square of the entries of X outside which a real-domain fit warns:
# Thm 3.1/4.1 assume x ~ N(0, I) (or uniform inputs of unit scale).
_SCALE_RANGE = (1e-2, 1e2)


def _check_input_scale(est, X, xp):
    """Warn once per fit when real-domain inputs are far from unit scale."""
    if est.domain != "real" or X.shape[0] == 0 or X.shape[1] == 0:
        return
    squares = 0.0
    for rows in row_batches(X.shape[0], 8192):  # no data-sized temporary
        block = X[rows, :]
        squares += float(xp.sum(block * block))
    rms = math.sqrt(squares / (X.shape[0] * X.shape[1]))
    low, high = _SCALE_RANGE
    if low <= rms <= high:
        return
    warnings.warn(
        f"The entries of X have root mean square {rms:.3g}, far from 1: "
        f"{type(est).__name__} assumes inputs of unit scale (x ~ N(0, I), Andoni "
        "et al. 2014), and the hidden units of badly scaled inputs are nearly "
        "constant (or overflow), so the fit can be poor. Standardize X first, "
        "e.g. make_pipeline(StandardScaler(), ...) or WhiteningTransformer().",
        UserWarning,
        stacklevel=_external_stacklevel(),
    )


@dataclass(frozen=True)
class _FeatureSpec:
    """What computing the features needs, as plain picklable values (Dask tasks);
    duck-types the fitted estimator for :func:`_checked_features`."""

    activation_: str
    degree: int | None
    domain: str
    weight_scale_: float
    dtype: str
    batch: int

    @classmethod
    def from_estimator(cls, est, dtype):
        return cls(
            est.activation_,
            est._degree,
            est.domain,
            est.weight_scale_,
            dtype,
            _batch_rows(est.batch_size, est.n_components),
        )

    @property
    def _activation(self):
        return _resolve_activation(self.activation_, self.degree)[1]


def _checked_features(X, W, est, xp, operand=None):
    """``real_features`` of one batch, with a clear error instead of inf/NaN
    (``operand``: ``feature_operand(W, est._activation, est.domain, xp)``)."""
    F = real_features(X, W, est._activation, est.domain, xp, operand)
    if not bool(xp.all(xp.isfinite(F))):
        raise ValueError(_overflow_message(est))
    return F


def _overflow_message(est):
    return (
        f"The hidden units phi(w.x) overflowed ({est.activation_}) for some "
        f"inputs: |w.x| is too large with weight_scale={est.weight_scale_:.3g}. "
        "Standardize X (e.g. StandardScaler) or pass a smaller weight_scale "
        "(the paper uses 1/sqrt(n_features) for unit-variance inputs)."
    )


def _accumulate_statistics(X, y, W, est, xp, batch_size, sample_weight=None):
    """Statistics of ``F = [Re phi(XW), Im phi(XW)]`` summed over row batches.

    Sums are taken around a shift (the first batch's means), which keeps the
    final centering ``S - n d d^T`` free of cancellation; the Gram is updated in
    place on the features of :func:`~sklearn_polynn._complex.unit_features` (no
    copy: ``[Re, Im]`` columns for ``exp``, else the interleaved real view of
    ``phi(XW)``, permuted to ``[Re, Im]`` once at the end), so memory is
    ``O(batch_size m + m^2)`` and the work beyond GEMM + ``phi`` + Gram is a few
    passes over each batch. With ``sample_weight`` ``w``, row ``s`` counts
    ``w_s`` times (the Gram of ``sqrt(w) F``; ``n`` is the weight sum), so
    integer weights equal repeated rows and weighted statistics merge exactly.
    Non-finite features (``exp`` overflow) surface as a non-finite Gram.
    """
    device = device_of(X)
    n_out = 2 * W.shape[1]
    activation = est._activation
    operand = feature_operand(W, activation, est.domain, xp)
    S = gram_accumulator(n_out, xp, device)
    sum_f = xp.zeros(n_out, dtype=xp.float64, device=device)
    cross = xp.zeros(n_out, dtype=xp.float64, device=device)
    sum_y = yy = n = 0.0
    shift_f = shift_y = None
    full = True
    # Overflowed features propagate to S and are reported below, not warned on.
    with np.errstate(over="ignore", invalid="ignore"):
        for rows in row_batches(X.shape[0], batch_size):
            F = unit_features(X[rows, :], W, activation, est.domain, xp, operand)
            if shift_f is None:
                shift_f, shift_y = xp.mean(F, axis=0), float(xp.mean(y[rows]))
            F -= shift_f
            yb = y[rows] - shift_y
            if sample_weight is None:
                wy = yb
                n += F.shape[0]
                sum_f += xp.sum(F, axis=0, dtype=xp.float64)
                sum_y += float(xp.sum(yb))
            else:
                root = xp.sqrt(sample_weight[rows])
                F *= root[:, None]  # the Gram of sqrt(w) F is sum_s w_s f_s f_s^T
                wy = root * yb
                n += float(xp.sum(sample_weight[rows]))
                sum_f += xp.astype(F.T @ root, xp.float64)
                sum_y += float(root @ wy)
            S, full = add_gram(S, F, xp)
            cross += xp.astype(F.T @ wy, xp.float64)
            yy += float(wy @ wy)
    if not bool(xp.all(xp.isfinite(xp.linalg.diagonal(S)))):
        raise ValueError(_overflow_message(est))
    if not full:  # NumPy's dsyrk filled the upper triangle; the lower one is zero
        upper, S = S, S.T + S
        np.fill_diagonal(S, np.diagonal(upper))
    d_f, d_y = sum_f / n, sum_y / n
    S -= n * (d_f[:, None] * d_f[None, :])  # S is a fresh array here
    mean_f, cross = xp.astype(shift_f, xp.float64) + d_f, cross - n * d_y * d_f
    if not exp_by_parts(activation):  # interleaved columns to [Re, Im]
        perm = deinterleave_permutation(W.shape[1], xp, device)
        S = xp.take(xp.take(S, perm, axis=0), perm, axis=1)
        mean_f, cross = xp.take(mean_f, perm, axis=0), xp.take(cross, perm, axis=0)
    return SufficientStatistics(n, mean_f, shift_y + d_y, S, cross, yy - n * d_y**2)


def _top_layer_gradient_descent(stats, beta0, est, alpha, xp, loss_curve=None):
    """Thm 4.1: gradient descent on the top layer only, bottom layer fixed.

    Loss ``L(beta) = (||y - F beta - b||^2 + alpha ||beta||^2) / (2N)``, computed
    exactly from the sufficient statistics (the proof's "access to the exact
    gradient"), with the intercept ``b`` at its optimum for each ``beta``. The
    gradient in ``beta = (Re alpha, -Im alpha)`` is the Wirtinger descent direction
    of the paper. The proof needs ``lambda ||P||^2 <= 1``; ``learning_rate="auto"``
    takes ``lambda = 1 / lambda_max(Hessian)``.
    """
    G, c, yy = stats.normal_equations(est.fit_intercept)
    n = stats.n
    if est.learning_rate == "auto":
        lr = 1.0 / max(largest_eigenvalue(G, xp) / n + alpha / n, 1e-300)
    else:
        lr = float(est.learning_rate)

    def loss_grad(params, _):
        beta = params["coef"]
        Gb = G @ beta
        loss = (yy - 2 * float(c @ beta) + float(beta @ Gb)) / (2 * n)
        loss += alpha * float(beta @ beta) / (2 * n)
        return loss, {"coef": (Gb - c + alpha * beta) / n}

    result = minimize(
        loss_grad,
        {"coef": beta0},
        make_optimizer("gd", lr),
        max_iter=est.max_iter,
        tol=est.tol,
        n_iter_no_change=est.n_iter_no_change,
        loss_curve=loss_curve,
        verbose=est.verbose,
        estimator_name=type(est).__name__,
    )
    return result.params["coef"], result.loss_curve, result.n_iter, lr


def _output_weights(beta, n_components):
    """Complex top layer ``alpha = beta_re - i beta_im`` of the real coefficients
    on ``[Re Phi, Im Phi]`` (so that ``F beta = Re(Phi alpha)``)."""
    return complex_from_parts(beta[:n_components], -beta[n_components:])


# Attributes set by the top-layer solve; after partial_fit they are computed
# on first access (RandomFeaturePolynomialRegressor.__getattr__).
_SOLVED_ATTRIBUTES = frozenset(
    {"output_weights_", "intercept_", "alpha_", "gcv_scores_", "solver_", "n_iter_"}
)


# Relative penalties of alpha="auto" (times the mean diagonal of the Gram).
_AUTO_GRID = np.logspace(-10, 1, 23)


def _alpha_grid(alpha):
    """``None`` for a scalar ``alpha``, ``"auto"``, or the validated 1-D float
    array of penalties."""
    if isinstance(alpha, str):
        return alpha
    if isinstance(alpha, numbers.Real):
        return None
    alphas = np.asarray(to_numpy(alpha), dtype=np.float64).ravel()
    if alphas.size == 0 or not np.all(np.isfinite(alphas)) or np.any(alphas < 0):
        raise ValueError(
            "alpha must be a float >= 0 or a non-empty array of finite floats "
            f">= 0; got {alpha!r}."
        )
    return alphas


# --------------------------------------------------------------------------- #
# Thm 3.1: explicit representation
# --------------------------------------------------------------------------- #
def _polynomial_terms(polynomial):
    """``(monomials, coefficients)`` from a ``make_sparse_polynomial`` truth Bunch,
    a dict with those keys, or a ``(monomials, coefficients)`` pair."""
    if hasattr(polynomial, "keys") and "monomials" in polynomial:
        monomials, coefficients = polynomial["monomials"], polynomial["coefficients"]
    elif isinstance(polynomial, tuple | list) and len(polynomial) == 2:
        monomials, coefficients = polynomial
    else:
        raise TypeError(
            "polynomial must be a Bunch/dict with 'monomials' and 'coefficients' "
            "(e.g. the truth of make_sparse_polynomial) or a (monomials, "
            f"coefficients) pair; got {type(polynomial).__name__}."
        )
    monomials = [np.asarray(mono, dtype=np.intp).ravel() for mono in monomials]
    coefficients = np.asarray(coefficients).ravel()
    if len(monomials) != coefficients.shape[0]:
        raise ValueError(
            f"polynomial has {len(monomials)} monomials but "
            f"{coefficients.shape[0]} coefficients."
        )
    return monomials, coefficients


def _representation_coefficient(exponents, activation, degree, scale, distribution):
    """``c_J(r) = 1 / (a_J E|w^J|^2)`` of Thm 3.1's proof (full version, Sec. 3).

    ``phi^w(x) = sum_J a_J w^J x^J`` with ``a_J = 1/J!`` for ``exp`` and for
    ``phi_d`` up to degree ``d`` (eq. 2.1). ``E|w^J|^2 = r^{2|J|}`` for ``w ~
    C(r)^n`` (Fact 2.1) and ``J! r^{2|J|}`` for complex Gaussian ``w``, so that
    ``E_w[c_J conj(w)^J phi^w(x)] = x^J`` (Observation 3.2).
    """
    order = int(exponents.sum())
    if activation == "truncated" and order > degree:
        raise ValueError(
            f"The truncated activation phi_{degree} cannot represent a monomial of "
            f"degree {order}; raise degree or use activation='exp'."
        )
    j_factorial = float(np.prod([math.factorial(int(j)) for j in exponents]))
    a_J = 1.0 / j_factorial
    moment = scale ** (2 * order)
    if distribution == "gaussian":
        moment *= j_factorial
    return 1.0 / (a_J * moment)


def representation_weights(
    polynomial,
    hidden_weights,
    *,
    activation="exp",
    degree=None,
    weight_scale=None,
    weight_distribution="circle",
):
    """Thm 3.1's explicit top layer ``alpha_i = T_{p,r}(w_i) / m`` for a polynomial.

    For ``p(x) = sum_J b_J x^J`` and random hidden weights ``w_1..w_m``, the proof
    of the Representation Theorem (Andoni et al. 2014, full version Sec. 3) sets
    ``T_{p,r}(w) = sum_J c_J(r) b_J conj(w)^J`` with ``c_J(r) = 1/(a_J r^{2|J|})``,
    so that ``E_w[T_{p,r}(w) phi^w(x)] = p(x)`` for every ``x`` (eq. 3.1); the
    average ``g(x) = sum_i alpha_i phi(w_i . x)`` then approximates ``p`` with
    error ``O(1/sqrt(m))`` (eq. 3.2).

    Parameters
    ----------
    polynomial : Bunch, dict or (monomials, coefficients)
        ``monomials``: sequence of integer index arrays (a variable repeated
        ``k`` times has power ``k``), e.g. the ``truth`` of
        :func:`~sklearn_polynn.datasets.make_sparse_polynomial`;
        ``coefficients``: the ``b_J``, real or complex.
    hidden_weights : complex array of shape (n_features, m)
        The random bottom layer, e.g. ``hidden_weights_`` of a fitted
        :class:`RandomFeaturePolynomialRegressor`.
    activation : {"exp", "truncated"}, default="exp"
    degree : int, default=None
        ``d`` of the truncated activation ``phi_d``.
    weight_scale : float, default=None
        ``r``; ``None`` infers ``sqrt(mean |w|^2)`` from ``hidden_weights``.
    weight_distribution : {"circle", "gaussian"}, default="circle"
        Law the weights were drawn from (``C(r)^n`` or complex Gaussian).

    Returns
    -------
    alpha : ndarray of complex128, shape (m,)
        Top-layer weights with ``sum_i alpha_i phi(w_i . x) ~= p(x)``.

    See Also
    --------
    RandomFeaturePolynomialRegressor : Fits the top layer from data instead.

    References
    ----------
    .. [1] A. Andoni, R. Panigrahy, G. Valiant, L. Zhang, "Learning Polynomials
       with Neural Networks", ICML 2014, Theorem 3.1 and its proof.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_polynn.random_features import representation_weights
    >>> rng = np.random.RandomState(0)
    >>> W = np.exp(2j * np.pi * rng.uniform(size=(2, 100000))) / np.sqrt(2)
    >>> alpha = representation_weights(([[0, 1]], [1.0]), W)  # p(x) = x0 * x1
    >>> x = np.array([0.3, -0.5])
    >>> round(float((np.exp(x @ W) @ alpha).real), 2)  # p(x) = -0.15, error ~ m^-1/2
    -0.15
    """
    if activation not in ("exp", "truncated"):
        raise ValueError(
            f"activation must be 'exp' or 'truncated'; got {activation!r}."
        )
    if activation == "truncated" and degree is None:
        raise ValueError("degree must be set when activation='truncated'.")
    if weight_distribution not in ("circle", "gaussian"):
        raise ValueError(
            "weight_distribution must be 'circle' or 'gaussian'; "
            f"got {weight_distribution!r}."
        )
    W = np.asarray(to_numpy(hidden_weights)).astype(np.complex128)
    if W.ndim != 2:
        raise ValueError(f"hidden_weights must be 2-D; got shape {W.shape}.")
    n_features, m = W.shape
    scale = math.sqrt(float(np.mean(np.abs(W) ** 2)))
    scale = scale if weight_scale is None else float(weight_scale)
    monomials, coefficients = _polynomial_terms(polynomial)
    T = np.zeros(m, dtype=np.complex128)
    for mono, b in zip(monomials, coefficients):
        if mono.size and (mono.min() < 0 or mono.max() >= n_features):
            raise ValueError(
                f"monomial {mono.tolist()} indexes a variable outside "
                f"[0, {n_features}) for hidden_weights with {n_features} rows."
            )
        exponents = np.bincount(mono, minlength=n_features)
        c_J = _representation_coefficient(
            exponents, activation, degree, scale, weight_distribution
        )
        T += c_J * b * np.prod(np.conj(W[mono]), axis=0)
    return T / m


# --------------------------------------------------------------------------- #
# Estimators
# --------------------------------------------------------------------------- #
_BOTTOM_LAYER_PARAMS = """\
    n_components : int, default=1000
        Number of hidden units ``m``.
    activation : {"auto", "exp", "truncated"}, default="auto"
        ``phi``: ``"exp"`` (``e^z``, Thm 3.1) or ``"truncated"``
        (``phi_d(z) = sum_{k<=d} z^k/k!``, the paper's truncated network).
        ``"auto"`` is ``"truncated"`` when ``degree`` is given, else ``"exp"``.
    degree : int, default=None
        ``d`` of ``phi_d``; required by ``"truncated"``, ignored by ``"exp"``.
    weight_scale : float, default=None
        Modulus ``r`` of each hidden weight entry; ``None`` is the paper's
        ``1/sqrt(n_features)``.
    weight_distribution : {"circle", "gaussian"}, default="circle"
        ``"circle"``: entries uniform on ``{|w| = r}``, the paper's ``C(r)^n``
        (Sec. 2 notation; Thm 3.1 and 4.1 draw from ``C(1/sqrt(n))^n``).
        ``"gaussian"``: circularly-symmetric complex Gaussian with ``E|w|^2 =
        r^2``, a common alternative with the same second moments.
    domain : {"real", "circle"}, default="real"
        ``"real"``: ``x = X``; ``"circle"``: ``X`` holds angles and ``x =
        exp(i X)`` (inputs uniform on the complex unit circle, the paper's
        ``C(1)^n``)."""

_DTYPE_PARAM = """\
    dtype : {"float64", "float32"} or None, default=DTYPE_DEFAULT
        Precision of the features (``complex64`` weights with ``"float32"``);
        ``None`` follows the input: float32 input stays float32 (complex64
        inside), anything else is computed in float64."""

_BATCH_PARAM = """\
    batch_size : int, default=None
        Rows per batch of the feature computation; ``None`` picks about
        ``2**22 / (2 m)`` rows (32 MiB of features)."""

_DEVICE_SEED_PARAMS = """\
    device : {None, "cpu", "cuda"}, default=None
        Where to compute; ``None`` follows the input: its own namespace and
        device under ``sklearn.set_config(array_api_dispatch=True)``, else
        NumPy. ``"cuda"`` computes with CuPy and returns NumPy (see the user
        guide on devices).
    random_state : int, RandomState instance or None, default=None
        Seed of the hidden weights (drawn on the host with NumPy, so the same
        seed gives the same model on CPU and GPU)."""


class ComplexRandomFeatures(
    _PolynnEstimatorMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    BaseEstimator,
):
    __doc__ = (
        """Random complex hidden layer ``[Re phi(w_i . x), Im phi(w_i . x)]``.

    The fixed bottom layer of Andoni et al. (2014), Thm 3.1: ``m`` weights
    ``w_i`` drawn i.i.d. from ``C(r)^n`` and the hidden units ``phi^{w_i}(x) =
    phi(w_i . x)``. ``transform`` returns the real matrix ``[Re Phi, Im Phi]``
    (``2 m`` columns) so any scikit-learn linear model can be the top layer:
    ``Re(sum_i alpha_i phi^{w_i}(x))`` is linear in it.

    Parameters
    ----------
"""
        + "\n".join(
            [
                _BOTTOM_LAYER_PARAMS,
                _DTYPE_PARAM.replace("DTYPE_DEFAULT", "None"),
                _BATCH_PARAM,
                _DEVICE_SEED_PARAMS,
            ]
        )
        + """

    Attributes
    ----------
    hidden_weights_ : ndarray of complex128 (complex64), shape (n_features_in_, \
n_components)
        The random bottom layer ``W``; column ``i`` is ``w_i`` (complex64 when
        fitted in float32).
    activation_ : str
        The activation used (``"exp"`` or ``"truncated"``).
    weight_scale_ : float
        The modulus ``r`` used.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when ``X`` has string feature names.

    See Also
    --------
    RandomFeaturePolynomialRegressor : These features + ridge, streamed.
    sklearn.kernel_approximation.PolynomialCountSketch : Random features for
        polynomial kernels.

    Notes
    -----
    Output columns ``[:n_components]`` are ``Re phi``, ``[n_components:]`` are
    ``Im phi``. With ``activation="truncated"`` the features span at most the
    ``C(n + d, d)`` real polynomials of degree ``<= d``; with ``"exp"`` they
    span all degrees, and Thm 3.1 needs ``m = O(n^{2d})`` units.

    References
    ----------
    .. [1] A. Andoni, R. Panigrahy, G. Valiant, L. Zhang, "Learning Polynomials
       with Neural Networks", ICML 2014, Theorem 3.1.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn_polynn import ComplexRandomFeatures
    >>> rng = np.random.RandomState(0)
    >>> X = rng.standard_normal((500, 3))
    >>> y = X[:, 0] * X[:, 1] - X[:, 2]
    >>> model = make_pipeline(
    ...     ComplexRandomFeatures(n_components=50, degree=2, random_state=0),
    ...     Ridge(alpha=1e-8),
    ... ).fit(X, y)
    >>> round(model.score(X, y), 4)
    1.0
    """
    )

    _parameter_constraints = dict(_SHARED_CONSTRAINTS)

    def __init__(
        self,
        *,
        n_components=1000,
        activation="auto",
        degree=None,
        weight_scale=None,
        weight_distribution="circle",
        domain="real",
        dtype=None,
        batch_size=None,
        device=None,
        random_state=None,
    ):
        self.n_components = n_components
        self.activation = activation
        self.degree = degree
        self.weight_scale = weight_scale
        self.weight_distribution = weight_distribution
        self.domain = domain
        self.dtype = dtype
        self.batch_size = batch_size
        self.device = device
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Draw the hidden weights for ``X.shape[1]`` inputs.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs (angles when ``domain="circle"``); only their
            number of columns, dtype and namespace are used.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        rng = check_random_state(self.random_state)
        X, _, ns = validate_input(
            self, X, reset=True, dtype=self.dtype, device=self.device
        )
        _check_input_scale(self, X, ns.xp)
        W = _draw_bottom_layer(self, X.shape[1], rng, ns, X.dtype)
        self.hidden_weights_ = ns.output(W)
        return self

    def transform(self, X):
        """Hidden-unit outputs ``[Re phi(X W), Im phi(X W)]``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs (angles when ``domain="circle"``).

        Returns
        -------
        F : ndarray of shape (n_samples, 2 * n_components)
            Real and imaginary parts of the hidden units; float32 for
            float32 input when ``dtype=None`` (complex64 inside).
        """
        X, ns = validate_fitted_input(self, X, "transform", dtype=self.dtype)
        xp = ns.xp
        W = ns.asarray(self.hidden_weights_, complex_dtype_for(X.dtype, xp))
        operand = feature_operand(W, self._activation, self.domain, xp)
        batch = _batch_rows(self.batch_size, W.shape[1])
        F = xp.empty((X.shape[0], 2 * W.shape[1]), dtype=X.dtype, device=ns.device)
        for rows in row_batches(X.shape[0], batch):
            F[rows, :] = _checked_features(X[rows, :], W, self, xp, operand)
        return ns.output(F)

    @property
    def _n_features_out(self):
        return 2 * self.n_components

    @property
    def _activation(self):
        """The fitted ``phi`` (rebuilt on access, so the model pickles)."""
        return _resolve_activation(self.activation_, self._degree)[1]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.array_api_support = True
        tags.transformer_tags.preserves_dtype = (
            ["float64", "float32"] if self.dtype is None else [self.dtype]
        )
        return tags


class RandomFeaturePolynomialRegressor(
    _PolynnEstimatorMixin, RegressorMixin, BaseEstimator
):
    __doc__ = (
        """Two-layer complex network with a random bottom layer and a trained top.

    ``g(x) = sum_i alpha_i phi(w_i . x) + b`` with ``w_i`` drawn once from
    ``C(r)^n`` (Andoni et al. 2014, Thm 3.1) and only ``alpha`` (complex) and
    ``b`` learned; the prediction is ``Re g(x)``. The top layer is fitted by ridge
    regression on the real features ``[Re Phi, Im Phi]`` from sufficient
    statistics accumulated over row batches (memory ``O(batch_size m + m^2)``,
    never ``O(n_samples m)``), or by gradient descent on the top layer as in
    Thm 4.1. ``partial_fit`` accumulates the same statistics, so any split of
    the rows gives the same model as ``fit``; ``fit`` on a ``dask.array``
    computes them per chunk in parallel (:mod:`sklearn_polynn.parallel`).

    Parameters
    ----------
"""
        + _BOTTOM_LAYER_PARAMS
        + """
    alpha : "auto", float or array-like of float, default="auto"
        Ridge penalty ``alpha ||alpha_top||^2`` added to the residual sum of
        squares (scikit-learn's ``Ridge`` convention). An array selects the best
        value by generalized cross-validation from one eigendecomposition of the
        Gram (``alpha_``, ``gcv_scores_``), so tuning costs one fit. The score
        is the modified GCV ``RSS/n / (1 - 1.4 df/n)^2`` of Kim & Gu (2004)
        (plain GCV picks a near-interpolating penalty on noise-free targets
        with more features than rows: 5-fold CV R^2 -1.09 instead of 0.92 on
        ``make_friedman3(500)`` behind ``StandardScaler``). ``"auto"``
        is that GCV path over 23 penalties from ``1e-10`` to ``10`` times the
        mean diagonal of the Gram (scale-free), so a default fit is regularized
        from the data; with ``solver="gd"`` the GCV choice is the penalty of
        the descent.
    solver : {"auto", "cholesky", "lstsq", "gd"}, default="auto"
        ``"cholesky"``: normal equations by Cholesky; falls back to
        ``"lstsq"`` with a warning when the Gram is not numerically positive
        definite. ``"lstsq"``: the SVD of the features through the
        eigendecomposition of their Gram, minimum-norm on its null space.
        ``"gd"``: gradient descent on the top layer from ``alpha = 0``
        (Thm 4.1), with ``loss_curve_``. ``"auto"``: ``"cholesky"`` (the
        eigendecomposition of the GCV path when ``alpha`` is ``"auto"`` or an
        array). The fallback warns with ``scipy.linalg.LinAlgWarning``.
    fit_intercept : bool, default=True
        Whether to fit the intercept ``b`` (the features and ``y`` are centred
        in the statistics); ``False`` fits ``g(x) = Re sum_i alpha_i
        phi(w_i . x)`` only.
"""
        + _BATCH_PARAM
        + """
    learning_rate : "auto" or float, default="auto"
        Step ``lambda`` of ``solver="gd"``. Thm 4.1's proof needs ``lambda
        ||P||^2 <= 1`` (``lambda < 1/m`` for unit-norm units); ``"auto"`` is
        ``1 / L`` with ``L`` the largest eigenvalue of the loss's Hessian.
    max_iter : int, default=1000
        Iterations of ``solver="gd"``.
    tol : float, default=1e-6
        ``solver="gd"`` stops when the loss has not improved by ``tol`` for
        ``n_iter_no_change`` iterations.
    n_iter_no_change : int, default=10
        Number of iterations without a ``tol`` improvement after which
        ``solver="gd"`` stops.
"""
        + "\n".join(
            [_DTYPE_PARAM.replace("DTYPE_DEFAULT", '"float64"'), _DEVICE_SEED_PARAMS]
        )
        + """
    verbose : int, default=0
        Print the loss per iteration (``solver="gd"``).

    Attributes
    ----------
    hidden_weights_ : ndarray of complex128 (complex64), shape (n_features_in_, \
n_components)
        The random bottom layer ``W``.
    output_weights_ : ndarray of complex128 (complex64), shape (n_components,)
        The top layer ``alpha``.
    intercept_ : float
        ``b``.
    alpha_ : float
        The penalty used (chosen by GCV when ``alpha`` is an array).
    gcv_scores_ : ndarray of shape (n_alphas,)
        Modified GCV estimate (see ``alpha``) of the mean squared error for
        each ``alpha``; only when ``alpha`` is an array or "auto".
    solver_ : str
        The solver that produced the weights (``"cholesky"``, ``"lstsq"``,
        ``"eigen"`` for an ``alpha`` array, or ``"gd"``).
    activation_ : str
        ``"exp"`` or ``"truncated"``.
    weight_scale_ : float
        The modulus ``r`` used.
    n_samples_seen_ : int
        Rows in the accumulated statistics (whatever their ``sample_weight``).
    n_iter_ : int or None
        Gradient-descent iterations (``solver="gd"``, summed over
        ``partial_fit`` calls); ``None`` for the closed-form solvers (as
        scikit-learn's ``Ridge``).
    loss_curve_ : list of float
        Loss ``(RSS + alpha ||beta||^2) / (2 n)`` per iteration; ``"gd"`` only.
    learning_rate_ : float
        The step used by ``"gd"``.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when ``X`` has string feature names.

    See Also
    --------
    ComplexRandomFeatures : The bottom layer alone, as a transformer.
    sklearn_polynn.parallel : Distributed fit from per-chunk statistics.
    representation_weights : Thm 3.1's explicit top layer for a known polynomial.

    Notes
    -----
    **Which activation.** Thm 3.1 uses ``phi = exp`` and weights from
    ``C(1/sqrt(n))^n``, and needs ``m = O(n^{2d})`` units: every degree is
    present in ``exp``, so the units spend capacity on degrees above ``d``.
    The truncated network ``phi_d`` spans exactly the polynomials of degree
    ``<= d`` and fits them exactly once ``2 m >= C(n + d, d)``. Measured on
    ``make_sparse_polynomial`` (n = 20, d = 3, Gaussian inputs, seed 0, 20 000 training
    rows): ``phi_3`` with ``m = 1000`` gives test R^2 = 1.0000; ``exp`` with
    ``r = 1/sqrt(n)`` gives 0.60 (m = 1000) and 0.83 (m = 2000); ``exp`` with a
    smaller ``r = 0.1/sqrt(n)`` gives 0.985 and 0.998, because higher degrees are
    damped by ``r^k``. Hence the default ``activation="auto"``: ``phi_d`` when the
    degree is known (pass ``degree``), and the paper's universal ``exp``
    otherwise, where a smaller ``weight_scale`` or more units are the remedies.

    **Circle domain.** With ``domain="circle"`` the target ``Re p(e^{i
    theta})`` lies in the span of ``Re``/``Im`` of the ``C(n + d, d)`` complex
    monomials, so ``phi_d`` needs ``m >= C(n + d, d)``.

    References
    ----------
    .. [1] A. Andoni, R. Panigrahy, G. Valiant, L. Zhang, "Learning Polynomials
       with Neural Networks", ICML 2014, Theorems 3.1 and 4.1.
    .. [2] G. H. Golub, M. Heath, G. Wahba, "Generalized cross-validation as a
       method for choosing a good ridge parameter", Technometrics, 1979.

    Examples
    --------
    >>> from sklearn_polynn import RandomFeaturePolynomialRegressor
    >>> from sklearn_polynn.datasets import make_sparse_polynomial
    >>> X, y = make_sparse_polynomial(2000, 10, degree=3, random_state=0)
    >>> reg = RandomFeaturePolynomialRegressor(
    ...     n_components=300, degree=3, random_state=0
    ... ).fit(X[:1500], y[:1500])
    >>> round(reg.score(X[1500:], y[1500:]), 4)
    1.0
    """
    )

    _parameter_constraints = {
        **_SHARED_CONSTRAINTS,
        "alpha": [
            StrOptions({"auto"}),
            Interval(numbers.Real, 0, None, closed="left"),
            "array-like",
        ],
        "solver": [StrOptions({"auto", "cholesky", "lstsq", "gd"})],
        "fit_intercept": ["boolean"],
        **ITERATIVE_CONSTRAINTS,
        "learning_rate": [
            StrOptions({"auto"}),
            Interval(numbers.Real, 0, None, closed="neither"),
        ],
    }

    def __init__(
        self,
        *,
        n_components=1000,
        activation="auto",
        degree=None,
        weight_scale=None,
        weight_distribution="circle",
        domain="real",
        alpha="auto",
        solver="auto",
        fit_intercept=True,
        batch_size=None,
        learning_rate="auto",
        max_iter=1000,
        tol=1e-6,
        n_iter_no_change=10,
        dtype="float64",
        device=None,
        random_state=None,
        verbose=0,
    ):
        self.n_components = n_components
        self.activation = activation
        self.degree = degree
        self.weight_scale = weight_scale
        self.weight_distribution = weight_distribution
        self.domain = domain
        self.alpha = alpha
        self.solver = solver
        self.fit_intercept = fit_intercept
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.dtype = dtype
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Draw the bottom layer and fit the top layer on all of ``X``.

        Parameters
        ----------
        X : array-like or dask.array of shape (n_samples, n_features)
            A ``dask.array`` (or dask DataFrame) is processed chunk by chunk in
            parallel.
        y : array-like or dask.array of shape (n_samples,)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights: row ``s`` counts ``w_s`` times in the
            sufficient statistics (integer weights equal repeated rows).

        Returns
        -------
        self : object
            The fitted regressor.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Add the rows of ``X`` to the statistics of the top layer.

        The first call draws the bottom layer as ``fit`` does; calls on any
        split of the rows, in any order, give the model of one ``fit`` (to
        floating-point tolerance). The closed-form solvers solve once, lazily,
        when the weights are first read (``predict``, ``output_weights_``...)
        after the last call; ``solver="gd"`` runs its iterations in every call,
        continuing from the current weights.

        Parameters
        ----------
        X : array-like or dask.array of shape (n_samples, n_features)
            A batch of training inputs.
        y : array-like or dask.array of shape (n_samples,)
            Target values of the batch.
        sample_weight : array-like of shape (n_samples,), default=None
            As in :meth:`fit`.

        Returns
        -------
        self : object
            The updated regressor.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def _fit(self, X, y, sample_weight, incremental):
        check_y_given(self, y)
        first = not (incremental and "_stats" in vars(self))
        alphas = _alpha_grid(self.alpha)  # validated before the data pass
        if self.solver == "gd" and isinstance(alphas, np.ndarray):
            raise ValueError(
                "alpha as an array (GCV path) needs solver 'auto', 'cholesky' or "
                "'lstsq'; got solver='gd'."
            )
        if is_dask_collection(X) or is_dask_collection(y):
            from .parallel import dask_statistics

            stats, ns, W, n_rows = dask_statistics(
                self, X, y, reset=first, sample_weight=sample_weight
            )
            stats = stats.to(ns)  # computed with NumPy on the workers
        else:
            X, y, ns = validate_input(
                self,
                X,
                y,
                reset=first,
                dtype=self.dtype,
                device=self.device,
                fitted=None if first else self.hidden_weights_,
                method="partial_fit",
            )
            if sample_weight is not None:
                sample_weight = validate_sample_weight(
                    sample_weight, X.shape[0], ns, X.dtype
                )
            if first:
                _check_input_scale(self, X, ns.xp)
                rng = check_random_state(self.random_state)
                W = _draw_bottom_layer(self, X.shape[1], rng, ns, X.dtype)
            else:
                W = ns.asarray(self.hidden_weights_)
            batch = _batch_rows(self.batch_size, self.n_components)
            stats = _accumulate_statistics(X, y, W, self, ns.xp, batch, sample_weight)
            n_rows = X.shape[0]
        if not first:
            stats = self._stats.to(ns).merge(stats)
        if not stats.n > 0:
            raise ValueError(
                "sample_weight sums to zero: at least one row needs a positive weight."
            )
        self.hidden_weights_ = ns.output(W)
        self._stats = stats.to(resolve_namespace("cpu")) if ns.to_host else stats
        self.n_samples_seen_ = (0 if first else self.n_samples_seen_) + int(n_rows)
        if self.solver == "gd":
            self._solve(stats, ns, warm=not first)
        else:  # closed form: solve when the weights are first read
            for name in _SOLVED_ATTRIBUTES:
                vars(self).pop(name, None)
            self._pending_solve = True
            if not incremental:
                self._solve_pending()
        return self

    def __getattr__(self, name):
        # The closed-form top layer is solved lazily after partial_fit: reading
        # any solved attribute solves once from the accumulated statistics.
        state = vars(self)
        if name in _SOLVED_ATTRIBUTES and state.get("_pending_solve", False):
            self._solve_pending()
            if name in state:
                return state[name]
        raise AttributeError(
            f"{type(self).__name__!r} object has no attribute {name!r}"
        )

    def _solve_pending(self):
        """Solve the top layer from ``_stats`` (after ``fit``/``partial_fit``)."""
        stats = self._stats
        if self.device == "cuda" and is_numpy_namespace(get_namespace(stats.scatter)):
            ns = resolve_namespace("cuda")
            stats = stats.to(ns)
        else:
            xp = get_namespace(stats.scatter)
            ns = Namespace(xp, device_of(stats.scatter), is_numpy_namespace(xp))
        self._solve(stats, ns, warm=False)
        self._pending_solve = False

    def _solve(self, stats, ns, warm):
        """Fit the top layer from the statistics; sets the fitted attributes."""
        xp = ns.xp
        G, c, yy = stats.normal_equations(self.fit_intercept)
        alphas = _alpha_grid(self.alpha)
        if isinstance(alphas, str):  # "auto": a grid scaled to the Gram
            alphas = _auto_alphas(G, xp)
        self.n_iter_ = None
        if self.solver == "gd":
            alpha = (
                float(self.alpha)
                if alphas is None
                else self._gcv_alpha(G, c, yy, stats, alphas, ns)
            )
            beta = self._solve_gd(stats, alpha, xp, warm)
        elif alphas is not None:
            beta = self._gcv_alpha(G, c, yy, stats, alphas, ns, coef=True)
            self.solver_ = "eigen"
        else:
            beta = self._solve_closed_form(G, c, xp)
        intercept = stats.y_mean - float(stats.f_mean @ beta)
        self.intercept_ = float(intercept) if self.fit_intercept else 0.0
        alpha_top = _output_weights(beta, self.n_components)
        if _is_complex64(self.hidden_weights_.dtype):
            alpha_top = xp.astype(alpha_top, xp.complex64)
        self.output_weights_ = ns.output(alpha_top)

    def _gcv_alpha(self, G, c, yy, stats, alphas, ns, coef=False):
        """GCV over ``alphas``: sets ``alpha_``, ``gcv_scores_``; returns the
        coefficients (``coef=True``) or the chosen penalty."""
        alpha_, scores, beta = gcv_path(
            G, c, yy, stats.n, alphas, self.fit_intercept, ns.xp
        )
        self.alpha_ = float(alpha_)
        self.gcv_scores_ = ns.output(ns.asarray(scores))
        return beta if coef else self.alpha_

    def _solve_closed_form(self, G, c, xp):
        """Cholesky (``"auto"``/``"cholesky"``, falling back with a warning) or
        the eigendecomposition (``"lstsq"``)."""
        self.alpha_ = float(self.alpha)
        if self.solver in ("auto", "cholesky"):
            beta = ridge_cholesky(G, c, self.alpha_, xp)
            if beta is not None:
                self.solver_ = "cholesky"
                return beta
            warnings.warn(
                "The Gram matrix of the hidden units is not numerically positive "
                f"definite (alpha={self.alpha_:g}); falling back to solver='lstsq'. "
                "Increase alpha (or use alpha='auto') to avoid this.",
                LinAlgWarning,
                stacklevel=_external_stacklevel(),
            )
        self.solver_ = "lstsq"
        return ridge_eigen(G, c, self.alpha_, xp)

    def _solve_gd(self, stats, alpha, xp, warm):
        """Thm 4.1 gradient descent, warm-started in ``partial_fit``."""
        self.alpha_ = alpha
        self.solver_ = "gd"
        device = device_of(stats.scatter)
        if warm and "output_weights_" in vars(self):
            beta0 = xp.astype(asarray(self._real_coef(), xp, device=device), xp.float64)
            curve, n_before = list(self.loss_curve_), self._gd_iterations
        else:
            beta0 = xp.zeros(2 * self.n_components, dtype=xp.float64, device=device)
            curve, n_before = None, 0
        beta, curve, n_iter, lr = _top_layer_gradient_descent(
            stats, beta0, self, alpha, xp, loss_curve=curve
        )
        self.loss_curve_, self.learning_rate_ = curve, lr
        self._gd_iterations = n_before + n_iter
        self.n_iter_ = self._gd_iterations
        return beta

    @property
    def _activation(self):
        """The fitted ``phi`` (rebuilt on access, so the model pickles)."""
        return _resolve_activation(self.activation_, self._degree)[1]

    def _real_coef(self):
        """``beta = (Re alpha, -Im alpha)`` on ``[Re Phi, Im Phi]``."""
        a = self.output_weights_
        xp = get_namespace(a)
        return xp.concat([xp.real(a), -xp.imag(a)])

    def predict(self, X):
        """``Re g(x) = Re sum_i alpha_i phi(w_i . x) + b``, in row batches.

        Parameters
        ----------
        X : array-like or dask.array of shape (n_samples, n_features)
            Inputs; a ``dask.array`` gives a lazy ``dask.array`` prediction.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Predicted values.
        """
        check_is_fitted(self)
        if is_dask_collection(X):
            return predict_blocks(self.predict, X, self.dtype)
        X, ns = validate_fitted_input(self, X, "predict", dtype=self.dtype)
        xp = ns.xp
        W = ns.asarray(self.hidden_weights_)
        beta = ns.asarray(self._real_coef(), X.dtype)
        operand = feature_operand(W, self._activation, self.domain, xp)
        batch = _batch_rows(self.batch_size, W.shape[1])
        y = xp.empty(X.shape[0], dtype=X.dtype, device=ns.device)
        for rows in row_batches(X.shape[0], batch):
            F = _checked_features(X[rows, :], W, self, xp, operand)
            y[rows] = F @ beta + self.intercept_
        if not bool(xp.all(xp.isfinite(y))):
            raise ValueError(
                "Predictions overflowed; standardize X or refit with a smaller "
                "weight_scale or a larger alpha."
            )
        return ns.output(y)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.array_api_support = True
        return tags
