"""Synthetic regression tasks from the five papers, with their ground truth.

* :func:`make_sparse_polynomial` -- sparse polynomials of Andoni, Panigrahy,
  Valiant & Zhang (2014), Sec. 6.1 / Fig. 1, over Gaussian, uniform or
  complex-unit-circle inputs.
* :func:`make_teacher_network` -- the one-hidden-layer teacher of Zhong, Song,
  Jain, Bartlett & Dhillon (2017), Sec. 7.
* :func:`make_high_threshold_network` -- ``P(u(W*^T x - t))`` of the ICLR 2019
  submission "Recovering the lowest layer of deep networks with high threshold
  activations", Assumption 1 / Thm 7.
* :func:`make_periodic_ridge` -- ``psi(w*^T x)`` of Shamir (2018), Thm 7 / Fig. 2.
* :func:`make_clipped_relu_network` -- ``[sum_i [<w_i, x>]_+]_[0,1]`` of Shamir
  (2018), Thm 5 (with the construction of Thm 11 / Prop. 12).

Every generator takes ``noise`` (standard deviation of additive Gaussian noise on
``y``), ``random_state`` and ``return_truth``. With ``return_truth=True`` a third
value is returned: a :class:`~sklearn.utils.Bunch` holding every generating
parameter, enough to recompute the noiseless ``y`` exactly from ``X``. The
generating parameters are drawn before ``X``, so for a fixed ``random_state`` they
do not depend on ``n_samples``. Hidden units are columns throughout: hidden weight
matrices have shape ``(n_features, n_hidden)``.
"""

import itertools
import math
from numbers import Real

import numpy as np
from scipy.stats import binom
from sklearn.utils import Bunch, check_random_state

from ._compat import Interval, IntInterval, StrOptions, validate_params
from .activations import Activation, get_activation

__all__ = [
    "make_clipped_relu_network",
    "make_high_threshold_network",
    "make_periodic_ridge",
    "make_sparse_polynomial",
    "make_teacher_network",
]

_SECOND_MOMENT = {"gaussian": 1.0, "uniform": 1.0 / 3.0}
_MAX_ONES_PER_COLUMN = 3


# ----------------------------------------------------------------- shared helpers
#: ``validate_params`` constraints of the parameters every generator takes.
_GENERATOR_CONSTRAINTS = {
    "n_samples": [IntInterval(1, None, closed="left")],
    "n_features": [IntInterval(1, None, closed="left")],
    "noise": [Interval(Real, 0, None, closed="left")],
    "return_truth": ["boolean"],
    "random_state": ["random_state"],
}


def _add_noise(y, noise, rng):
    """Add ``N(0, noise**2)`` noise to ``y`` (no draw at all when ``noise == 0``)."""
    if noise > 0:
        y = y + noise * rng.standard_normal(y.shape[0])
    return y


def _finish(X, y, truth, noise, rng, return_truth):
    y = _add_noise(y, noise, rng)
    if return_truth:
        truth["noise"] = float(noise)
        return X, y, truth
    return X, y


def _random_orthonormal(rng, n_rows, n_cols):
    """Haar-random ``n_rows x n_cols`` matrix with orthonormal columns.

    QR of a Gaussian matrix, as in Zhong et al. (2017), Sec. 7; the signs of
    ``diag(R)`` are folded into ``Q`` so that the distribution is exactly Haar.
    """
    Q, R = np.linalg.qr(rng.standard_normal((n_rows, n_cols)))
    signs = np.sign(np.diag(R))
    signs[signs == 0] = 1.0
    return Q * signs


def _random_unit_columns(rng, n_rows, n_cols):
    """Independent uniformly random directions on the sphere, as columns."""
    W = rng.standard_normal((n_rows, n_cols))
    return W / np.linalg.norm(W, axis=0)


def _check_hidden_le_features(n_hidden, n_features, why):
    if n_hidden > n_features:
        raise ValueError(
            f"n_hidden={n_hidden} must be <= n_features={n_features}: {why}."
        )


# ---------------------------------------------------------------- sparse polynomial
def _random_distinct_subsets(rng, n_features, degree, n_terms):
    """``n_terms`` distinct sorted ``degree``-subsets of ``range(n_features)``.

    Uniform over all subsets of size ``degree``, without replacement: by
    enumeration when the subsets are few, by rejection otherwise (then at most
    half of them are wanted, so each draw is new with probability >= 1/2).
    """
    n_possible = math.comb(n_features, degree)
    if n_terms > n_possible // 2:
        subsets = np.array(list(itertools.combinations(range(n_features), degree)))
        return subsets[rng.permutation(n_possible)[:n_terms]]
    chosen, seen = [], set()
    while len(chosen) < n_terms:
        subset = tuple(sorted(rng.choice(n_features, size=degree, replace=False)))
        if subset not in seen:
            seen.add(subset)
            chosen.append(subset)
    return np.array(chosen, dtype=np.intp)


def _random_distinct_multisets(rng, n_features, degree, n_terms):
    """``n_terms`` distinct sorted ``degree``-multisets of ``range(n_features)``.

    Uniform over all ``C(n_features + degree - 1, degree)`` multisets, without
    replacement, through the stars-and-bars bijection: a sorted subset
    ``s_0 < ... < s_{d-1}`` of ``range(n_features + degree - 1)`` maps to the
    multiset ``s_k - k``. (Sorting i.i.d. draws would not be uniform: ``x_0 x_1``
    would come twice as often as ``x_0**2``.)
    """
    subsets = _random_distinct_subsets(rng, n_features + degree - 1, degree, n_terms)
    return subsets - np.arange(degree, dtype=subsets.dtype)


def _gaussian_or_uniform_moment(power, distribution):
    """``E[x**power]`` for ``x ~ N(0, 1)`` or ``U[-1, 1]`` (0 for odd powers)."""
    if power % 2:
        return 0.0
    if distribution == "gaussian":
        return float(math.prod(range(power - 1, 0, -2)))  # (p - 1)!!
    return 1.0 / (power + 1)


def _monomial_mean_and_second_moments(monomials, distribution):
    """Means ``E[m_j]`` and the matrix ``E[m_j m_k]`` of monomials with repeats.

    ``m_j = prod_i x_i**J_ji``; for independent symmetric coordinates
    ``E[m_j m_k] = prod_i E[x_i**(J_ji + J_ki)]``, nonzero only when the
    exponent vectors have the same parity (``J_j = J_k mod 2``), so only those
    pairs are evaluated. ``E[m_j] != 0`` only when every exponent is even.
    """
    n_terms = len(monomials)
    counts = [
        dict(zip(*np.unique(row, return_counts=True), strict=True))
        for row in monomials.tolist()
    ]
    parity = [frozenset(i for i, c in count.items() if c % 2) for count in counts]

    def moment(count):
        return math.prod(
            _gaussian_or_uniform_moment(int(c), distribution) for c in count.values()
        )

    means = np.array(
        [moment(count) if not odd else 0.0 for count, odd in zip(counts, parity)]
    )
    second = np.zeros((n_terms, n_terms))
    groups = {}
    for j, odd in enumerate(parity):
        groups.setdefault(odd, []).append(j)
    for members in groups.values():
        for j in members:
            for k in members:
                joint = dict(counts[j])
                for i, c in counts[k].items():
                    joint[i] = joint.get(i, 0) + c
                second[j, k] = moment(joint)
    return means, second


def _monomial_variance(degree, distribution):
    """``E[m(x)^2]`` of one monomial of ``degree`` distinct variables.

    Products of distinct independent variables are orthogonal and have mean zero
    (degree >= 1), so ``Var p = sum_j c_j^2 E[m_j^2]``. Per variable
    ``E[x^2] = 1`` (N(0, 1)) or ``1/3`` (U[-1, 1]); on the circle the monomial is
    ``Re prod_j e^{i theta_j} = cos(sum_j theta_j)`` with ``E cos^2 = 1/2``
    (distinct monomials have distinct integer frequencies, hence are orthogonal).
    """
    if distribution == "circle":
        return 0.5
    return _SECOND_MOMENT[distribution] ** degree


def _sparse_polynomial_values(X, monomials, coefficients, distribution):
    """``y = sum_j c_j prod_{i in S_j} x_i`` (``Re p(e^{i theta})`` on the circle).

    Andoni et al. (2014), Sec. 6.1: a sparse polynomial over real inputs, or over
    ``x = e^{i theta}`` uniform on the unit circle, where it is evaluated as
    ``sum_j c_j cos(sum_{i in S_j} theta_i)``.
    """
    if distribution == "circle":
        return np.cos(X[:, monomials].sum(axis=2)) @ coefficients
    return np.prod(X[:, monomials], axis=2) @ coefficients


@validate_params(
    {
        **_GENERATOR_CONSTRAINTS,
        "n_terms": [IntInterval(1, None, closed="left"), None],
        "degree": [IntInterval(1, None, closed="left")],
        "distribution": [StrOptions({"gaussian", "uniform", "circle"})],
        "repeated_variables": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def make_sparse_polynomial(
    n_samples,
    n_features,
    n_terms=None,
    degree=2,
    *,
    distribution="gaussian",
    repeated_variables=False,
    noise=0.0,
    return_truth=False,
    random_state=None,
):
    """Random sparse polynomial of ``n_terms`` monomials, scaled to unit variance.

    ``y = sum_j c_j prod_{i in S_j} x_i`` where the ``S_j`` are ``n_terms``
    distinct subsets of exactly ``degree`` distinct variables drawn uniformly
    without replacement, and ``c_j = +-s`` with random signs and ``s`` chosen so
    that the noiseless ``y`` has exactly unit population variance (and mean zero).
    With ``repeated_variables=True`` the ``S_j`` are multisets: monomials such
    as ``x_i**2`` or ``x_i**2 x_j`` are drawn too, uniformly among all
    monomials of degree ``degree``.

    Parameters
    ----------
    n_samples : int
        Number of samples.
    n_features : int
        Number of input variables ``n``.
    n_terms : int, default=None
        Number of monomials; ``None`` means ``n_features`` (the ``n``-sparse
        polynomials of Andoni et al., Fig. 1). At most ``C(n_features, degree)``.
    degree : int, default=2
        Degree of every monomial (2: quadratic, 3: cubic, as in Fig. 1).
    distribution : {"gaussian", "uniform", "circle"}, default="gaussian"
        Inputs i.i.d. ``N(0, 1)``, uniform on ``[-1, 1]``, or uniform on the
        complex unit circle. For "circle", ``X`` holds the real angles
        ``theta`` in ``[0, 2 pi)`` and ``y = Re p(e^{i theta})`` (use
        ``domain="circle"`` in the estimators).
    repeated_variables : bool, default=False
        Whether a monomial may use a variable more than once. False (the
        default, and the only behaviour before this option): multilinear
        monomials of ``degree`` distinct variables, which are orthogonal with
        mean zero under all three distributions. True: all
        ``C(n_features + degree - 1, degree)`` monomials of degree ``degree``
        (Andoni et al.'s "randomly chosen monomials" of Fig. 1 include them);
        under "gaussian" and "uniform" such monomials are correlated and may
        have a nonzero mean (``E[x_i**2] > 0``), so ``s`` is set from the exact
        covariance of the monomials and the constant ``truth.intercept =
        -E[sum_j c_j m_j]`` is added to keep ``y`` at mean zero and unit
        variance. On the circle they stay orthogonal (distinct frequencies).
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to ``y``.
    return_truth : bool, default=False
        Also return the generating parameters.
    random_state : int, RandomState instance or None, default=None
        Seed for the monomials, signs, inputs and noise.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The input samples.
    y : ndarray of shape (n_samples,)
        The target values (with ``noise`` added when ``noise > 0``).
    truth : Bunch
        Only with ``return_truth=True``: ``monomials`` (n_terms, degree) int
        variable indices, ``coefficients`` (n_terms,) the real coefficients
        ``c_j`` of ``p``, ``intercept`` (0.0 unless ``repeated_variables``),
        ``degree``, ``distribution``, ``repeated_variables``, ``noise``. Rows
        of ``monomials`` are sorted; with repeats an index appears once per
        power (``x_2**2 x_5`` is ``[2, 2, 5]``).

    See Also
    --------
    make_teacher_network : Targets that are one-hidden-layer networks.

    Notes
    -----
    The variance is computed exactly, not estimated: distinct monomials of
    distinct variables are orthogonal under all three distributions, and
    ``E[m^2] = 1`` (Gaussian), ``3**-degree`` (uniform) or ``1/2`` (circle,
    where ``Re prod e^{i theta_j} = cos(sum theta_j)``).

    References
    ----------
    .. [1] A. Andoni, R. Panigrahy, G. Valiant and L. Zhang, "Learning polynomials
       with neural networks", ICML 2014, Sec. 6.1 and Fig. 1.

    Examples
    --------
    >>> from sklearn_polynn.datasets import make_sparse_polynomial
    >>> X, y, truth = make_sparse_polynomial(
    ...     1000, 5, degree=2, random_state=0, return_truth=True)
    >>> X.shape, truth.monomials.shape
    ((1000, 5), (5, 2))
    >>> round(float(abs(truth.coefficients[0])), 4)
    0.4472
    """
    n_terms = n_features if n_terms is None else n_terms
    if degree > n_features and not repeated_variables:
        raise ValueError(
            f"degree={degree} must be <= n_features={n_features}: each monomial "
            "uses exactly `degree` distinct variables (pass "
            "repeated_variables=True to allow powers such as x_i**2)."
        )
    pool = n_features + degree - 1 if repeated_variables else n_features
    n_possible = math.comb(pool, degree)
    if n_terms > n_possible:
        raise ValueError(
            f"n_terms={n_terms} is larger than the number of distinct monomials "
            f"of degree {degree} in {n_features} variables, "
            f"C({pool}, {degree}) = {n_possible}."
        )
    rng = check_random_state(random_state)
    if repeated_variables:
        monomials = _random_distinct_multisets(rng, n_features, degree, n_terms)
    else:
        monomials = _random_distinct_subsets(rng, n_features, degree, n_terms)
    signs = rng.choice([-1.0, 1.0], size=n_terms)
    intercept = 0.0
    if repeated_variables and distribution != "circle":
        means, second = _monomial_mean_and_second_moments(monomials, distribution)
        mean = float(signs @ means)
        scale = 1.0 / math.sqrt(float(signs @ second @ signs) - mean**2)
        intercept = -scale * mean
    else:
        scale = 1.0 / math.sqrt(n_terms * _monomial_variance(degree, distribution))
    coefficients = scale * signs
    if distribution == "gaussian":
        X = rng.standard_normal((n_samples, n_features))
    elif distribution == "uniform":
        X = rng.uniform(-1.0, 1.0, size=(n_samples, n_features))
    else:
        X = rng.uniform(0.0, 2.0 * np.pi, size=(n_samples, n_features))
    y = _sparse_polynomial_values(X, monomials, coefficients, distribution)
    y = y + intercept if intercept else y
    truth = Bunch(
        monomials=monomials,
        coefficients=coefficients,
        intercept=intercept,
        degree=degree,
        distribution=distribution,
        repeated_variables=repeated_variables,
    )
    return _finish(X, y, truth, noise, rng, return_truth)


# -------------------------------------------------------------------- teacher network
def _teacher_weights(rng, n_features, n_hidden, condition_number):
    """``W* = U Sigma V^T`` of Zhong et al. (2017), Sec. 7.

    ``U`` (d x k) and ``V`` (k x k) have orthonormal columns (QR of Gaussian
    matrices) and ``Sigma = diag(linspace(1, kappa, k))``.
    """
    U = _random_orthonormal(rng, n_features, n_hidden)
    V = _random_orthonormal(rng, n_hidden, n_hidden)
    singular_values = np.linspace(1.0, condition_number, n_hidden)
    return (U * singular_values) @ V.T


def _teacher_output_weights(rng, output_weights, n_hidden):
    if isinstance(output_weights, str):
        if output_weights == "sign":
            return rng.choice([-1.0, 1.0], size=n_hidden)
        return np.ones(n_hidden)
    v = np.array(output_weights, dtype=np.float64)  # a copy: never alias the input
    if v.shape != (n_hidden,) or not np.all(np.isfinite(v)):
        raise ValueError(
            "output_weights must be 'sign', 'ones' or a finite array of shape "
            f"(n_hidden,) = ({n_hidden},); got shape {v.shape}."
        )
    return v


def _check_input_covariance(input_covariance, n_features):
    """Copy of ``input_covariance`` and its Cholesky factor; raise if not SPD."""
    cov = np.array(input_covariance, dtype=np.float64)
    if cov.shape != (n_features, n_features):
        raise ValueError(
            "input_covariance must have shape (n_features, n_features) = "
            f"({n_features}, {n_features}); got {cov.shape}."
        )
    if not np.all(np.isfinite(cov)):
        raise ValueError("input_covariance must be finite.")
    if not np.allclose(cov, cov.T, rtol=1e-10, atol=1e-12 * np.abs(cov).max()):
        raise ValueError("input_covariance must be symmetric.")
    try:
        cholesky = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        raise ValueError(
            "input_covariance must be positive definite (it is singular or "
            "not positive semi-definite)."
        ) from None
    return cov, cholesky


@validate_params(
    {
        **_GENERATOR_CONSTRAINTS,
        "n_hidden": [IntInterval(1, None, closed="left")],
        "activation": [str, Activation, tuple],
        "condition_number": [Interval(Real, 0, None, closed="neither")],
        "output_weights": [StrOptions({"sign", "ones"}), "array-like"],
        "input_covariance": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def make_teacher_network(
    n_samples,
    n_features,
    n_hidden,
    activation="squared_relu",
    *,
    condition_number=2.0,
    output_weights="sign",
    input_covariance=None,
    noise=0.0,
    return_truth=False,
    random_state=None,
):
    """One-hidden-layer teacher network ``y = sum_i v_i phi(w_i^T x)``.

    The distribution ``D`` of Zhong et al. (2017), Eq. (1), with the ground truth
    of their Sec. 7: ``W* = U Sigma V^T`` with random orthonormal ``U`` (d x k),
    ``V`` (k x k) and singular values ``linspace(1, kappa, k)``; ``v_i`` random
    signs; ``x ~ N(0, I)`` (or ``N(0, input_covariance)``).

    Parameters
    ----------
    n_samples : int
        Number of samples.
    n_features : int
        Input dimension ``d``.
    n_hidden : int
        Number of hidden units ``k <= d``.
    activation : str, Activation or (function, derivative), default="squared_relu"
        Anything :func:`~sklearn_polynn.activations.get_activation` accepts;
        Zhong et al.'s experiments use the squared ReLU.
    condition_number : float, default=2.0
        ``kappa = sigma_1(W*) / sigma_k(W*) >= 1``.
    output_weights : {"sign", "ones"} or array-like of shape (n_hidden,), \
            default="sign"
        "sign": i.i.d. uniform on ``{-1, +1}`` (the paper's choice); "ones":
        all ``+1``; or explicit values.
    input_covariance : array-like of shape (n_features, n_features), default=None
        Positive definite covariance of ``x``; ``None`` is the identity.
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to ``y``.
    return_truth : bool, default=False
        Also return the generating parameters.
    random_state : int, RandomState instance or None, default=None
        Seed for the weights, inputs and noise.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The input samples.
    y : ndarray of shape (n_samples,)
        The target values (with ``noise`` added when ``noise > 0``).
    truth : Bunch
        Only with ``return_truth=True``: ``hidden_weights`` (d, k) ``W*``,
        ``output_weights`` (k,) ``v*``, ``activation`` (as given, so that
        ``get_activation(truth.activation)`` rebuilds it), ``input_covariance``
        (d, d), ``singular_values`` (k,), ``noise``.

    See Also
    --------
    sklearn_polynn.metrics.parameter_recovery_error : Compare a fit with ``W*``.

    References
    ----------
    .. [1] K. Zhong, Z. Song, P. Jain, P. L. Bartlett and I. S. Dhillon, "Recovery
       guarantees for one-hidden-layer neural networks", ICML 2017, Eq. (1) and
       Sec. 7.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_polynn.datasets import make_teacher_network
    >>> X, y, truth = make_teacher_network(
    ...     500, 10, 3, condition_number=2.0, random_state=0, return_truth=True)
    >>> np.round(np.linalg.svd(truth.hidden_weights, compute_uv=False), 6)
    array([2. , 1.5, 1. ])
    """
    _check_hidden_le_features(
        n_hidden, n_features, "W* = U Sigma V^T must have full column rank"
    )
    if condition_number < 1:
        raise ValueError(
            "condition_number must be >= 1 (it is sigma_1 / sigma_k); got "
            f"{condition_number}."
        )
    phi = get_activation(activation)
    if input_covariance is None:
        cov, cholesky = np.eye(n_features), None
    else:
        cov, cholesky = _check_input_covariance(input_covariance, n_features)
    rng = check_random_state(random_state)
    W = _teacher_weights(rng, n_features, n_hidden, condition_number)
    v = _teacher_output_weights(rng, output_weights, n_hidden)
    X = rng.standard_normal((n_samples, n_features))
    if cholesky is not None:
        X = X @ cholesky.T
    y = phi(X @ W) @ v
    truth = Bunch(
        hidden_weights=W,
        output_weights=v,
        activation=activation,
        input_covariance=cov,
        singular_values=np.linspace(1.0, condition_number, n_hidden),
    )
    return _finish(X, y, truth, noise, rng, return_truth)


# ------------------------------------------------------------ high threshold network
def _threshold_activation(activation, threshold):
    """``u_t(a) = u(a - t)``, the high-threshold unit of the ICLR 2019 submission.

    ``"sign"`` is the 0/1 threshold unit ``1[a > t]`` the paper uses for unions
    of halfspaces (App. B.6; Assumption 2 needs a positive activation); every
    other value goes through :func:`~sklearn_polynn.activations.get_activation`,
    e.g. "relu" gives ``max(0, a - t)`` and "exp" gives ``e^{a - t}`` (Thm 7 with
    ``rho = 1``).
    """
    if isinstance(activation, str) and activation == "sign":
        return lambda a: (a > threshold).astype(np.float64)
    phi = get_activation(activation)
    return lambda a: phi(a - threshold)


def _binary_hidden_weights(rng, n_features, n_hidden, ones_per_column):
    """0/1 columns with ``ones_per_column`` ones on disjoint random supports.

    The sparse binary ``W*`` of Thm 7 / App. D.1 ("0, 1 vectors that select the
    coordinates of x", supports ``T_p`` pairwise disjoint); not normalised.
    """
    W = np.zeros((n_features, n_hidden))
    rows = rng.permutation(n_features)[: n_hidden * ones_per_column]
    W[rows, np.repeat(np.arange(n_hidden), ones_per_column)] = 1.0
    return W


def _upper_polynomial(rng, n_hidden, upper):
    """Exponents, coefficients and constant of the upper polynomial ``P``.

    Assumption 1: ``P = c0 + sum_i c_i X_i + sum_{|S|>1} c_S prod_{j in S} X_j``
    with ``c_i = Theta(1)`` and ``|c_S| = O(1)``. Here ``c0 = 0``, ``c_i ~
    U[1/2, 3/2]`` and, unless ``upper="linear"``, every pair ``i < j`` gets
    ``c_ij ~ U[0, 1/2]`` ("monotone", "powers") or ``+-U[0, 1/2]`` with random
    signs ("polynomial"); "powers" (App. B.8) then adds ``c_i2 X_i**2`` and
    ``c_i3 X_i**3`` with ``c_i2, c_i3 ~ U[0, 1/2]``.
    """
    powers = [np.eye(n_hidden, dtype=np.intp)]
    coef = [rng.uniform(0.5, 1.5, size=n_hidden)]
    if upper != "linear" and n_hidden > 1:
        first, second = np.triu_indices(n_hidden, k=1)
        pair_powers = np.zeros((first.size, n_hidden), dtype=np.intp)
        pair_powers[np.arange(first.size), first] = 1
        pair_powers[np.arange(first.size), second] = 1
        pair_coef = rng.uniform(0.0, 0.5, size=first.size)
        if upper == "polynomial":
            pair_coef *= rng.choice([-1.0, 1.0], size=first.size)
        powers.append(pair_powers)
        coef.append(pair_coef)
    if upper == "powers":
        for degree in (2, 3):
            powers.append(degree * np.eye(n_hidden, dtype=np.intp))
            coef.append(rng.uniform(0.0, 0.5, size=n_hidden))
    return np.vstack(powers), np.concatenate(coef), 0.0


def _upper_polynomial_values(H, powers, coef, c0):
    """``P(H) = c0 + sum_r coef_r prod_i H_i^{powers_ri}``, row by row of ``H``."""
    y = np.full(H.shape[0], float(c0))
    for exponents, c in zip(powers, coef):
        support = np.flatnonzero(exponents)
        y += c * np.prod(H[:, support] ** exponents[support], axis=1)
    return y


@validate_params(
    {
        **_GENERATOR_CONSTRAINTS,
        "n_hidden": [IntInterval(1, None, closed="left")],
        "threshold": [Interval(Real, 0, None, closed="left")],
        "activation": [str, Activation, tuple],
        "upper": [StrOptions({"linear", "monotone", "polynomial", "powers"})],
        "binary": ["boolean"],
        "ones_per_column": [IntInterval(1, None, closed="left"), None],
        "sampling": [StrOptions({"gaussian", "biased"})],
    },
    prefer_skip_nested_validation=True,
)
def make_high_threshold_network(
    n_samples,
    n_features,
    n_hidden,
    threshold,
    *,
    activation="relu",
    upper="linear",
    binary=False,
    ones_per_column=None,
    orthogonal=False,
    sampling="gaussian",
    noise=0.0,
    return_truth=False,
    random_state=None,
):
    """Deep network ``f(x) = P(u(W*^T x - t))`` with a high-threshold lowest layer.

    The model of the ICLR 2019 submission (Sec. 1, Assumption 1):
    ``x ~ N(0, I_n)``, hidden units ``X_i = u(w_i*^T x - t)`` and a polynomial
    ``P`` of degree at most 1 in each ``X_i`` (``upper="powers"``: up to 3,
    App. B.8) modelling the upper layers.

    Parameters
    ----------
    n_samples : int
        Number of samples.
    n_features : int
        Input dimension (the paper's ``n``).
    n_hidden : int
        Number of lowest-layer units (the paper's ``d``).
    threshold : float
        Threshold ``t >= 0`` (the theorems need ``t = Omega(sqrt(log d))``).
    activation : str, Activation or (function, derivative), default="relu"
        The unit ``u``, applied as ``u(a - t)``: "relu" gives ``max(0, a - t)``;
        "sign" gives the 0/1 unit ``1[a > t]`` (union of halfspaces, App. B.6);
        "sigmoid" gives ``1 / (1 + e^{-(a - t)})`` (App. B.7); "exp" gives
        ``e^{a - t}`` (Thm 7 with ``rho = 1``); anything else
        :func:`~sklearn_polynn.activations.get_activation` accepts is applied to
        ``a - t`` as well.
    upper : {"linear", "monotone", "polynomial", "powers"}, default="linear"
        The polynomial ``P`` (``c0 = 0``, linear coefficients ``c_i ~ U[1/2,
        3/2]`` always): "linear" is ``sum_i c_i X_i``; "monotone" adds every
        pairwise product ``c_ij X_i X_j`` with ``c_ij ~ U[0, 1/2]`` (non-negative
        coefficients, so ``P`` is monotone on the non-negative orthant where
        the positive units live, as Thm 5 needs); "polynomial" adds the pairwise
        products with coefficients ``+-U[0, 1/2]`` of random signs (not
        monotone, still Assumption 1); "powers" is "monotone" plus
        ``c_i2 X_i**2 + c_i3 X_i**3`` with ``c_i2, c_i3 ~ U[0, 1/2]`` (App. B.8,
        "P with higher degree in one variable", Assumption 4), which
        multilinear monomials cannot represent.
    binary : bool, default=False
        False: columns of ``W*`` are independent uniformly random unit vectors
        (needs ``n_hidden <= n_features`` for full column rank). True: sparse
        binary columns of Thm 7 / App. D.1, each with ``ones_per_column`` ones
        on pairwise disjoint random supports, not normalised (so ``w_i^T x ~
        N(0, ones_per_column)``).
    ones_per_column : int, default=None
        Ones per column when ``binary=True``; ``None`` means
        ``min(3, n_features // n_hidden)``. Ignored when ``binary=False``.
    orthogonal : bool, default=False
        Orthonormal columns of ``W*`` (the Q factor of the random columns'
        QR), as Corollary 1 and Thm 9 assume. Ignored when ``binary=True``
        (disjoint supports are orthogonal already).
    sampling : {"gaussian", "biased"}, default="gaussian"
        "gaussian": ``x ~ N(0, I_n)``. "biased": the oracle of App. B.7, which
        keeps a Gaussian draw with probability proportional to ``f(x)``, so
        the rows follow the density ``f(x) phi(x) / E[f]`` (rejection
        sampling against the bound ``c0 + sum_r |coef_r|``; about ``bound /
        E[f]`` Gaussian draws per row). Needs ``f >= 0`` and bounded: units
        with values in ``[0, 1]`` ("sigmoid", "sign") and ``P`` with
        non-negative coefficients ("linear", "monotone", "powers"). Fit with
        ``HighThresholdLayerRecovery(sampling="biased")``.
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to ``y``.
    return_truth : bool, default=False
        Also return the generating parameters.
    random_state : int, RandomState instance or None, default=None
        Seed for the weights, polynomial, inputs and noise.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The input samples.
    y : ndarray of shape (n_samples,)
        The target values (with ``noise`` added when ``noise > 0``).
    truth : Bunch
        Only with ``return_truth=True``: ``hidden_weights`` (n_features,
        n_hidden) ``W*``, ``threshold``, ``activation`` (as given), ``upper``,
        ``upper_powers`` (n_terms, n_hidden) int exponents, ``upper_coef``
        (n_terms,), ``c0``, ``binary``, ``ones_per_column`` (None unless
        binary), ``noise``. Then ``y = c0 + sum_r upper_coef[r] prod_i
        H[:, i] ** upper_powers[r, i]`` with ``H = u(X @ W* - t)``.

    See Also
    --------
    make_teacher_network : One hidden layer, no threshold.

    References
    ----------
    .. [1] Anonymous, "Recovering the lowest layer of deep networks with high
       threshold activations", ICLR 2019 submission, Sec. 1-2 (Assumptions 1-3),
       App. B.6-B.7, Thm 7 and App. D.1.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_polynn.datasets import make_high_threshold_network
    >>> X, y, truth = make_high_threshold_network(
    ...     2000, 8, 3, threshold=1.5, random_state=0, return_truth=True)
    >>> np.round(np.linalg.norm(truth.hidden_weights, axis=0), 6)
    array([1., 1., 1.])
    >>> round(float(np.mean(y > 0)), 1)
    0.2
    """
    if binary:
        _check_hidden_le_features(
            n_hidden, n_features, "binary columns need disjoint supports"
        )
        if ones_per_column is None:
            ones_per_column = min(_MAX_ONES_PER_COLUMN, n_features // n_hidden)
        if n_hidden * ones_per_column > n_features:
            raise ValueError(
                f"ones_per_column={ones_per_column} is too large: n_hidden * "
                f"ones_per_column = {n_hidden * ones_per_column} disjoint ones do "
                f"not fit in n_features={n_features}."
            )
    else:
        _check_hidden_le_features(n_hidden, n_features, "W* must have full column rank")
        ones_per_column = None
    u = _threshold_activation(activation, threshold)
    rng = check_random_state(random_state)
    if binary:
        W = _binary_hidden_weights(rng, n_features, n_hidden, ones_per_column)
    else:
        W = _random_unit_columns(rng, n_features, n_hidden)
        if orthogonal:
            W = np.linalg.qr(W)[0]
    powers, coef, c0 = _upper_polynomial(rng, n_hidden, upper)
    if sampling == "biased":
        X, y = _biased_rows(rng, n_samples, n_features, W, u, powers, coef, c0)
    else:
        X = rng.standard_normal((n_samples, n_features))
        y = _upper_polynomial_values(u(X @ W), powers, coef, c0)
    truth = Bunch(
        hidden_weights=W,
        threshold=float(threshold),
        activation=activation,
        upper=upper,
        upper_powers=powers,
        upper_coef=coef,
        c0=c0,
        binary=binary,
        ones_per_column=ones_per_column,
        sampling=sampling,
    )
    return _finish(X, y, truth, noise, rng, return_truth)


_BIASED_MAX_DRAWS = 200_000_000  # Gaussian draws before the oracle gives up
_BIASED_CHUNK = 200_000


def _biased_rows(rng, n_samples, n_features, W, u, powers, coef, c0):
    """App. B.7's oracle by rejection: Gaussian draws kept with probability
    ``f(x) / bound``, ``bound = c0 + sum_r coef_r`` (every unit in ``[0, 1]``)."""
    probe = np.asarray(u(np.linspace(-50.0, 50.0, 1001)), dtype=float)
    if probe.min() < 0.0 or probe.max() > 1.0 or min(c0, coef.min()) < 0.0:
        raise ValueError(
            "sampling='biased' (the oracle of App. B.7 keeps x with probability "
            "proportional to f(x)) needs 0 <= f <= bound: units with values in "
            "[0, 1] (activation='sigmoid' or 'sign') and P with non-negative "
            "coefficients (upper='linear', 'monotone' or 'powers')."
        )
    bound = c0 + float(coef.sum())
    kept_x, kept_y, count, drawn = [], [], 0, 0
    while count < n_samples:
        X = rng.standard_normal((_BIASED_CHUNK, n_features))
        y = _upper_polynomial_values(u(X @ W), powers, coef, c0)
        keep = rng.uniform(size=y.shape[0]) * bound < y
        kept_x.append(X[keep])
        kept_y.append(y[keep])
        count += int(keep.sum())
        drawn += _BIASED_CHUNK
        if drawn >= _BIASED_MAX_DRAWS and count < n_samples:
            raise ValueError(
                f"sampling='biased': the oracle kept {count} of {drawn} Gaussian "
                f"draws (E[f] / bound about {count / drawn:.2g}); {n_samples} rows "
                f"would need about {n_samples * drawn / max(count, 1):.3g} draws. "
                "Lower the threshold or n_samples."
            )
    return np.concatenate(kept_x)[:n_samples], np.concatenate(kept_y)[:n_samples]


# ------------------------------------------------------------------- periodic ridge
def _periodic_function(function):
    """``psi`` of Shamir (2018), Thm 7: period 1, values in ``[-1, 1]``."""
    if function == "cos":
        return lambda z: np.cos(2.0 * np.pi * z)
    if function == "sin":
        return lambda z: np.sin(2.0 * np.pi * z)
    return function


@validate_params(
    {
        **_GENERATOR_CONSTRAINTS,
        "norm": [Interval(Real, 0, None, closed="neither")],
        "function": [StrOptions({"cos", "sin"}), callable],
    },
    prefer_skip_nested_validation=True,
)
def make_periodic_ridge(
    n_samples,
    n_features,
    norm,
    *,
    function="cos",
    noise=0.0,
    return_truth=False,
    random_state=None,
):
    """Periodic ridge function ``y = psi(w*^T x)`` with ``||w*|| = norm``.

    Shamir (2018), Thm 7 / Fig. 2: ``x ~ N(0, I_d)``, ``w*`` of the given norm in
    a uniformly random direction, ``psi`` periodic with period 1. For moderately
    large ``norm`` and ``d``, gradients of the squared loss carry almost no
    information about ``w*``.

    Parameters
    ----------
    n_samples : int
        Number of samples.
    n_features : int
        Input dimension ``d``.
    norm : float
        ``||w*|| > 0`` (the theorem's ``2 r``; Fig. 2 uses ``w* = (2, 2)``).
    function : {"cos", "sin"} or callable, default="cos"
        "cos": ``psi(z) = cos(2 pi z)`` (the paper's example, Eq. (2)); "sin":
        ``sin(2 pi z)``; or a vectorised callable, which Thm 7 wants periodic
        with period 1, of bounded variation, with values in ``[-1, 1]``.
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to ``y``.
    return_truth : bool, default=False
        Also return the generating parameters.
    random_state : int, RandomState instance or None, default=None
        Seed for the direction, inputs and noise.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The input samples.
    y : ndarray of shape (n_samples,)
        The target values (with ``noise`` added when ``noise > 0``).
    truth : Bunch
        Only with ``return_truth=True``: ``weight`` (d,) ``w*``, ``norm``,
        ``function`` (as given), ``noise``.

    See Also
    --------
    make_clipped_relu_network : Shamir's other family of hard targets.

    References
    ----------
    .. [1] O. Shamir, "Distribution-specific hardness of learning neural
       networks", JMLR 19, 2018, Eq. (2), Fig. 2 and Thm 7.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_polynn.datasets import make_periodic_ridge
    >>> X, y, truth = make_periodic_ridge(
    ...     100, 5, norm=3.0, random_state=0, return_truth=True)
    >>> round(float(np.linalg.norm(truth.weight)), 6)
    3.0
    """
    psi = _periodic_function(function)
    rng = check_random_state(random_state)
    w = norm * _random_unit_columns(rng, n_features, 1)[:, 0]
    X = rng.standard_normal((n_samples, n_features))
    y = np.asarray(psi(X @ w), dtype=np.float64)
    if y.shape != (n_samples,) or not np.all(np.isfinite(y)):
        raise ValueError(
            "function must map an array of shape (n_samples,) to finite values "
            f"of the same shape; got shape {y.shape}."
        )
    truth = Bunch(weight=w, norm=float(norm), function=function)
    return _finish(X, y, truth, noise, rng, return_truth)


# --------------------------------------------------------------- clipped ReLU sums
def _clipped_relu_sum(X, W):
    """``h(W^T x) = [sum_i [<w_i, x>]_+]_[0,1]`` (Shamir 2018, Sec. 3, Thm 5)."""
    return np.clip(np.maximum(X @ W, 0.0).sum(axis=1), 0.0, 1.0)


def _halfspace_biases(n_nonzero, n_negative, target):
    """Integer biases ``b`` making ``P(<a, x'> >= b)`` closest to ``target``.

    For ``a in {-1, 0, 1}^p`` and ``x'`` uniform on ``{0, 1}^p``,
    ``<a, x'> + n_negative ~ Binomial(n_nonzero, 1/2)``, computed exactly.
    """
    counts = np.arange(n_nonzero.max() + 1)
    # P(Bin(m, 1/2) >= j) for every unit (rows) and j = 0..max m (columns)
    at_least = binom.sf(counts[None, :] - 1, n_nonzero[:, None], 0.5)
    closest = np.argmin(np.abs(at_least - target), axis=1)
    return closest - n_negative


def _boolean_hard_instance(rng, n_features, n_hidden):
    """Weights and inputs of the reduction in Shamir (2018), Thm 11 and Prop. 12.

    Inputs ``x = (x', 1, 0, ..., 0)`` with ``x'`` uniform on ``{0, 1}^p``,
    ``p = n_features - n_hidden - 1``. Unit ``i`` has the integer weight
    ``(-a_i, b_i, e_i)``: ``[<w_i, x>]_+ = [b_i - <a_i, x'>]_+`` is a non-negative
    integer, positive exactly when the halfspace ``<a_i, x'> >= b_i`` is
    violated, so ``1 - y`` is the intersection of the ``n_hidden`` halfspaces
    (Thm 11). The identity block ``e_i`` (zero on the data) makes
    ``s_min(W*) >= 1`` (Prop. 12). ``a_i`` has i.i.d. entries uniform on
    ``{-1, 0, 1}`` (at least one non-zero) and ``b_i`` is the integer making
    ``P(<a_i, x'> >= b_i)`` closest to ``2^(-1/n_hidden)``, so that, were the
    halfspaces independent, half the labels would be 1.
    """
    n_bits = n_features - n_hidden - 1
    A = rng.randint(-1, 2, size=(n_bits, n_hidden)).astype(np.float64)
    empty = ~A.any(axis=0)
    A[rng.randint(n_bits, size=empty.sum()), np.flatnonzero(empty)] = 1.0
    b = _halfspace_biases(
        np.count_nonzero(A, axis=0), (A < 0).sum(axis=0), 2.0 ** (-1.0 / n_hidden)
    )
    W = np.vstack([-A, b[None, :].astype(np.float64), np.eye(n_hidden)])
    return W


@validate_params(
    {
        **_GENERATOR_CONSTRAINTS,
        "n_hidden": [IntInterval(1, None, closed="left")],
        "distribution": [StrOptions({"boolean", "gaussian"})],
    },
    prefer_skip_nested_validation=True,
)
def make_clipped_relu_network(
    n_samples,
    n_features,
    n_hidden,
    *,
    distribution="boolean",
    noise=0.0,
    return_truth=False,
    random_state=None,
):
    """Clipped sum of ReLUs ``y = [sum_i [<w_i, x>]_+]_[0,1]`` (Shamir 2018, Thm 5).

    These depth-3 ReLU networks are hard for every linearly-invariant algorithm
    (e.g. gradient methods after whitening) under some input distribution.

    Parameters
    ----------
    n_samples : int
        Number of samples.
    n_features : int
        Input dimension ``d``.
    n_hidden : int
        Number of ReLUs ``n_d``.
    distribution : {"boolean", "gaussian"}, default="boolean"
        "boolean": the construction of the hardness proof (Thm 11, Prop. 12):
        ``x = (x', 1, 0, ..., 0)`` with ``x'`` uniform on ``{0, 1}^p``,
        ``p = d - n_hidden - 1 >= 1``, and integer weights
        ``w_i = (-a_i, b_i, e_i)`` with ``a_i`` uniform on ``{-1, 0, 1}^p``;
        then ``1 - y`` is an intersection of halfspaces, ``y`` is 0/1, about
        half the labels are 1, and ``s_min(W*) >= 1``. The hard distributions
        of Thm 5 are supported on such inputs (up to a linear map). "gaussian":
        ``x ~ N(0, I_d)`` and columns of ``W*`` uniformly random directions of
        norm ``sqrt(2 pi) / n_hidden``, so that ``E[sum_i [<w_i, x>]_+] = 1``
        sits at the clipping level (needs ``n_hidden <= n_features``).
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to ``y``.
    return_truth : bool, default=False
        Also return the generating parameters.
    random_state : int, RandomState instance or None, default=None
        Seed for the weights, inputs and noise.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The input samples.
    y : ndarray of shape (n_samples,)
        The target values (with ``noise`` added when ``noise > 0``).
    truth : Bunch
        Only with ``return_truth=True``: ``hidden_weights`` (d, n_hidden),
        ``distribution``, ``noise``.

    See Also
    --------
    make_periodic_ridge : Shamir's hard targets for gradient methods.
    sklearn_polynn.preprocessing.WhiteningTransformer : Thm 4's whitening.

    References
    ----------
    .. [1] O. Shamir, "Distribution-specific hardness of learning neural
       networks", JMLR 19, 2018, Thm 5, Thm 11 and Prop. 12.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_polynn.datasets import make_clipped_relu_network
    >>> X, y, truth = make_clipped_relu_network(
    ...     1000, 10, 3, random_state=0, return_truth=True)
    >>> sorted(np.unique(y).tolist())
    [0.0, 1.0]
    >>> bool(np.linalg.svd(truth.hidden_weights, compute_uv=False).min() >= 1)
    True
    """
    rng = check_random_state(random_state)
    if distribution == "boolean":
        if n_features < n_hidden + 2:
            raise ValueError(
                f"n_features={n_features} must be >= n_hidden + 2 = {n_hidden + 2} "
                "for distribution='boolean' (Boolean inputs, a bias coordinate and "
                "one padding coordinate per hidden unit)."
            )
        W = _boolean_hard_instance(rng, n_features, n_hidden)
        n_bits = n_features - n_hidden - 1
        X = np.zeros((n_samples, n_features))
        X[:, :n_bits] = rng.randint(0, 2, size=(n_samples, n_bits))
        X[:, n_bits] = 1.0
    else:
        _check_hidden_le_features(
            n_hidden, n_features, "Thm 5 needs linearly independent w_i"
        )
        W = (
            math.sqrt(2.0 * np.pi)
            / n_hidden
            * _random_unit_columns(rng, n_features, n_hidden)
        )
        X = rng.standard_normal((n_samples, n_features))
    y = _clipped_relu_sum(X, W)
    truth = Bunch(hidden_weights=W, distribution=distribution)
    return _finish(X, y, truth, noise, rng, return_truth)
