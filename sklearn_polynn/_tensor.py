"""Method-of-moments initialization of Zhong, Song, Jain, Bartlett & Dhillon (2017).

Algorithm 1 ("Initialization via Tensor Method") of the ICML 2017 paper, for the
network ``y = sum_i v_i phi(w_i^T x)`` with ``x ~ N(0, I_d)``:

1. split the samples into ``S2, S3, S4``;
2. ``V``: the top-``k`` eigenspace (by absolute eigenvalue) of the empirical
   ``P2`` (Definition 5.4), by subspace iteration that only applies ``P2`` to
   ``d x r`` blocks -- ``P2`` is never formed (``O(N d k)`` per iteration);
3. ``R3 = P3(V, V, V)``, a ``k x k x k`` tensor computed from ``Z = X V``
   without forming the ``d x d x d`` tensor (``O(N d k + N k^3)``);
4. a non-orthogonal CP decomposition of ``R3`` into ``k`` unit directions
   ``a_i ~ s_i V^T w_i / ||w_i||`` (Jennrich's simultaneous diagonalization over
   ``n_projections`` random slice pairs, then alternating least squares);
5. RecMagSign: the magnitudes ``||w_i||`` and signs ``s_i``, ``v_i`` from the
   moments along the recovered directions (homogeneous activations), or a
   least-squares fit of magnitudes and ``v`` (other activations).

The moments are ``M_j = E[y He_j(x)]`` with ``He_j`` the multivariate Hermite
tensors (Definition 5.1), ``M_j = sum_i v_i m_j(||w_i||) wbar_i^{(x) j}``
(Claim 5.2) with ``m_j(sigma) = E[phi(sigma z) He_j(z)]`` from
:func:`sklearn_polynn.hermite.zhong_m_coefficients`. Every contraction below is
the Wick expansion ``He_j(x)[u_1..u_j] = prod (x.u) - sum_pairs (u.u')
prod (x.u) + sum_pairings prod (u.u')``. (In the converted text of the paper,
``M_4`` reads ``... + I (x)~ I``, which with the stated definition of
``(x)~`` counts each of the three pairings twice; the single count is the one
for which Claim 5.2 holds, and is what the tests check.)

The same code runs on ``dask.array`` input (``X`` and ``y`` with whole rows per
block, persisted as by :func:`~sklearn_polynn.parallel.validate_dask_input`):
every pass over the samples is then a per-block reduction that Dask sums, and
the reductions that do not depend on each other through a host computation are
computed in one graph execution (:func:`_host`), since every execution costs a
scheduler round trip (a new process pool under ``scheduler="processes"``).
A host result is needed only where the algorithm solves or decomposes on the
driver, so the executions are:

1. ``P2`` (dense, ``d <= 20 r``): one, with the means and the first moment of
   its control variate; before it, one for ``M_1`` when ``alpha = M_1 /
   ||M_1||`` (``tensor_alpha="adaptive"`` with an odd activation, ``P2 =
   M_3(I, I, alpha)``). Matrix-free: one persist of ``X_2`` and the terms of
   ``P2``, then one per power iteration (each needs the previous block's
   QR and Rayleigh-Ritz step);
2. the normal equations of ``R3``'s control variate (needs ``V``), with the
   projected covariance;
3. ``R3`` (needs the residual's coefficients); a second ``R3`` for
   ``P3 = M_4(I, I, I, alpha)`` with the balanced ``alpha`` (needs the first
   decomposition);
4. RecMagSign (needs the directions): the normal equations of both moments'
   control variates, then both directional moments; or, for a non-homogeneous
   activation, the gathered ``N/3 x k`` projections of
   :func:`least_squares_magnitudes`.

That is 5 executions for the squared ReLU (6 for the ReLU, 5 for tanh), the
minimum for this order of host steps. The three parts of the split are not
persisted: each pass gathers its rows of the persisted ``X`` in its own graph.
"""

import itertools
import math
from dataclasses import dataclass

import numpy as np

from ._backend import asarray, device_of, get_namespace, to_numpy
from .hermite import gamma_moments, hermite_e, zhong_m_coefficients
from .parallel import compute_if_dask, is_dask_collection, persist_if_dask

__all__ = [
    "MomentOrders",
    "estimate_n_hidden",
    "moment_orders",
    "tensor_initialization",
]

# |m_j| below this fraction of max_j |gamma_j| counts as an exact zero of the
# activation's coefficient (closed forms give exact zeros; quadrature ~1e-13).
_ZERO_RTOL = 1e-8
# Scales at which a non-homogeneous activation's m_j(sigma) are inspected
# (Assumption 5.3, item 1: no zero of m_j for any norm ||w_i|| in this range).
_PROBE_SCALES = tuple(float(s) for s in np.geomspace(0.05, 20.0, 25))
# Subspace iteration stops when the top-k subspace moves less than this
# (sine of the largest principal angle between consecutive iterates).
_POWER_TOL = 1e-4
# Alternating least squares on the k x k x k tensor.
_ALS_MAX_ITER = 100
_ALS_TOL = 1e-10
# Singular values of RecMagSign's Gram system below this fraction of the largest
# are truncated: a failed decomposition with nearly dependent directions must
# not turn into huge magnitudes.
_GRAM_RCOND = 1e-3
# n_hidden="auto": an eigen-gap ratio of P2 below this is reported as unclear
# (measured, squared ReLU and ReLU teachers, d=20, k in {3, 5, 7}, N=1e4, two
# seeds: the ratio at the true k is 3.1-4.9, the largest other one 2.6; a y
# independent of X gives about 1.3).
_AUTO_GAP_RATIO = 2.5
# P2 is formed explicitly (one d x d GEMM, then cheap power iterations) when
# d <= this factor times the block width r = 2k: the matrix-free products cost
# 2 N d r per iteration, the dense matrix N d^2 once.
_DENSE_P2_FACTOR = 20
# Rows per block when forming the k x k x k moment (keeps memory O(block k^2)).
_BLOCK_ELEMENTS = 1 << 22


@dataclass(frozen=True)
class MomentOrders:
    """Which moments Algorithm 1 uses for an activation (Definition 5.4).

    Attributes
    ----------
    p2 : int
        ``j_2 = min{j >= 2 : M_j != 0}``: ``P2`` is ``M_2``, ``M_3(I, I, alpha)``
        or ``M_4(I, I, alpha, alpha)``.
    p3 : int
        ``j_3 = min{j >= 3 : M_j != 0}``: ``P3`` is ``M_3`` or
        ``M_4(I, I, I, alpha)``.
    odd : int or None
        Lowest non-zero odd moment (1 or 3): carries the signs ``s_i``.
    even : int or None
        Lowest non-zero even moment (2 or 4): carries the signs ``v_i``.
    m : tuple of 4 floats
        ``(m_1, m_2, m_3, m_4)`` at ``sigma = 1``.
    """

    p2: int
    p3: int
    odd: int | None
    even: int | None
    m: tuple


def moment_orders(activation):
    """Check Assumption 5.3 and pick the moments of Definition 5.4 for ``phi``.

    ``M_j = 0`` exactly when ``m_j(sigma) = 0`` for every scale; homogeneous
    activations have ``m_j(sigma) = sigma^p m_j(1)``, other activations are
    probed at ``sigma`` on a log grid over ``[0.05, 20]`` (their zeros come from
    symmetry, e.g. ``m_2 = m_4 = 0`` for odd ``phi - phi(0)``). No threshold on
    data is used. The four items of Assumption 5.3 are checked from these
    analytic ``m_j`` and the parity of ``phi`` (see :func:`_parity`).

    Parameters
    ----------
    activation : Activation
        The activation ``phi``.

    Returns
    -------
    orders : MomentOrders
        ``j_2``, ``j_3`` and the orders that carry the signs.

    Raises
    ------
    ValueError
        If an item of Assumption 5.3 fails, naming the item and the activation:
        1, some ``m_j`` that is not identically zero vanishes (changes sign) at
        a scale ``sigma``, so a unit of that norm drops out of ``M_j``; 2,
        ``M_3 = M_4 = 0`` (no rank-``k`` third-order tensor, e.g. linear or
        quadratic ``phi``); 3, ``M_1 = M_3 = 0`` but ``phi`` is not even; 4,
        ``M_2 = M_4 = 0`` but ``phi`` is not odd (e.g. the sigmoid: the odd
        moments fix each unit only up to ``(v_i, w_i) -> (-v_i, -w_i)``, which
        changes the output by ``v_i (phi(w_i^T x) + phi(-w_i^T x))``, the
        constant ``v_i`` for the sigmoid).
    """
    name = activation.name
    scales = (1.0,) if activation.homogeneous_degree else _PROBE_SCALES
    m = np.array([zhong_m_coefficients(activation, s) for s in scales], dtype=float)
    gammas = np.array([gamma_moments(activation, s, max_order=4) for s in scales])
    scale = np.maximum(np.abs(gammas).max(axis=1), 1e-300)[:, None]
    zero = np.abs(m) <= _ZERO_RTOL * scale  # (n_scales, 4)
    nonzero = [False] + [not bool(np.all(zero[:, j - 1])) for j in range(1, 5)]
    for j in range(1, 5):
        signs = np.sign(m[:, j - 1]) * ~zero[:, j - 1]
        if nonzero[j] and (np.any(signs == 0) or np.ptp(signs) > 0):
            where = np.flatnonzero(zero[:, j - 1] | (signs != signs[0]))[0]
            _fail_assumption(
                name,
                1,
                f"m_{j}(sigma) is not identically zero but vanishes or changes sign "
                f"near sigma = {scales[where]:.3g}, so a unit with ||w_i|| there "
                f"drops out of M_{j}",
            )
    if not (nonzero[3] or nonzero[4]):
        _fail_assumption(
            name,
            2,
            "m_3 = m_4 = 0 (M_3 = M_4 = 0): no third-order moment identifies the "
            "hidden units (e.g. a linear or quadratic activation)",
        )
    odd_part, even_part = _parity(activation)
    if not (nonzero[1] or nonzero[3]) and odd_part > 0:
        _fail_assumption(
            name,
            3,
            f"M_1 = M_3 = 0 but phi is not even (max |phi(z) - phi(-z)| = "
            f"{odd_part:.3g}), so the signs s_i of w_i are not identifiable",
        )
    if not (nonzero[2] or nonzero[4]) and even_part > 0:
        _fail_assumption(
            name,
            4,
            "M_2 = M_4 = 0 but phi is not odd (max |phi(z) + phi(-z)| = "
            f"{even_part:.3g}): M_1 and M_3 fix each unit only up to "
            "(v_i, w_i) -> (-v_i, -w_i), which changes the output by "
            "v_i (phi(w_i^T x) + phi(-w_i^T x)) (the constant v_i for the sigmoid), "
            "so v is not identifiable",
        )
    p2 = next(j for j in (2, 3, 4) if nonzero[j])
    p3 = next(j for j in (3, 4) if nonzero[j])
    odd = next((j for j in (1, 3) if nonzero[j]), None)
    even = next((j for j in (2, 4) if nonzero[j]), None)
    m1 = tuple(float(c) for c in zhong_m_coefficients(activation, 1.0))
    return MomentOrders(p2, p3, odd, even, m1)


def _fail_assumption(name, item, reason):
    raise ValueError(
        f"activation {name!r} fails Assumption 5.3, item {item}, of Zhong et al. "
        f"(2017): {reason}. init='tensor' cannot be used with it; use "
        "init='random' or an activation that satisfies Assumption 5.3 (relu, "
        "leaky_relu, squared_relu, tanh, erf)."
    )


def _parity(activation):
    """``(max |phi(z) - phi(-z)|, max |phi(z) + phi(-z)|)`` on ``|z| <= 8``.

    Each is set to 0 below ``_ZERO_RTOL`` times ``max |phi|``: ``phi`` is even
    when the first vanishes and odd when the second does (Assumption 5.3,
    items 3 and 4).
    """
    z = np.linspace(0.0, 8.0, 161)
    with np.errstate(all="ignore"):
        plus = np.asarray(activation(z), dtype=float)
        minus = np.asarray(activation(-z), dtype=float)
    tol = _ZERO_RTOL * max(float(np.max(np.abs(plus))), float(np.max(np.abs(minus))))
    odd_part = float(np.max(np.abs(plus - minus)))
    even_part = float(np.max(np.abs(plus + minus)))
    return (odd_part if odd_part > tol else 0.0), (
        even_part if even_part > tol else 0.0
    )


def _scalar(a):
    """``float(a)`` for a 0-d array; a Dask scalar stays lazy.

    On ``dask.array`` input every reduction of one phase of Algorithm 1 (see
    the module docstring) stays in the graph until the phase's single
    ``compute_if_dask`` call, so a mean that enters a later term of the same
    phase must not be computed on its own.
    """
    return a if is_dask_collection(a) else float(a)


def _host(*arrays):
    """``arrays`` as NumPy arrays on the host, the Dask ones from one graph execution.

    The small per-phase results of Algorithm 1 (``k x k^2`` moments, normal
    equations, ...) that a host computation (a solve, the CP decomposition)
    needs; computing them together makes one pass over the blocks.
    """
    return tuple(to_numpy(a) for a in compute_if_dask(*arrays))


def _to(a, ref, dtype="like"):
    """Host array ``a`` in the namespace, dtype and device of the array ``ref``.

    For a ``dask.array`` ``ref`` the small array stays a NumPy array on the
    driver (it multiplies the blocks where needed).
    """
    dtype = ref.dtype if dtype == "like" else dtype
    if is_dask_collection(ref):
        return np.asarray(a, dtype=dtype)
    return asarray(a, get_namespace(ref), dtype=dtype, device=device_of(ref))


def _outer(u, v):
    return u[:, None] * v[None, :]


def _unit_mean(weights):
    """``sample_weight`` rescaled to mean 1 over its rows (``None`` stays ``None``).

    Every moment of Algorithm 1 is a mean over the rows; with these weights
    ``mean(w * f)`` is the weighted mean ``sum w f / sum w``, so integer
    weights give exactly the moments of the data set with repeated rows.
    """
    if weights is None:
        return None
    return weights * (weights.shape[0] / float(get_namespace(weights).sum(weights)))


def _times(y, weights):
    """``y * weights`` (``y`` itself without weights): a weighted row quantity."""
    return y if weights is None else y * weights


# ----------------------------------------------------------------------------- P2
def _p2_terms(X, y, alpha, order):
    """The empirical ``P2`` of Definition 5.4 as ``X^T diag(c) X + sum u v^T + s I``.

    With ``a = X alpha`` (``alpha`` a unit vector), ``m = E[y x]``,
    ``m_a = E[y a x]`` and means over the rows, the Wick expansion gives

    * order 2, ``M_2 = E[y x x^T] - E[y] I``;
    * order 3, ``M_3(I, I, alpha) = E[y a x x^T] - m alpha^T - alpha m^T
      - E[y a] I``;
    * order 4, ``M_4(I, I, alpha, alpha) = E[y (a^2 - 1) x x^T]
      - 2 alpha m_a^T - 2 m_a alpha^T + 2 E[y] alpha alpha^T
      + (E[y] - E[y a^2]) I``.

    Returns
    -------
    c : array of shape (n,)
        Row weights (already divided by ``n``).
    rank_one : list of (u, v)
        Terms ``u v^T``.
    shift : float
        ``s``.
    """
    xp = get_namespace(X)
    n = X.shape[0]
    if order == 2:
        return y / n, [], -_scalar(xp.mean(y))
    a = X @ alpha
    ya = y * a
    if order == 3:
        first = X.T @ y / n
        return ya / n, [(-first, alpha), (-alpha, first)], -_scalar(xp.mean(ya))
    first_a = X.T @ ya / n
    mean_y = _scalar(xp.mean(y))
    rank_one = [(-2.0 * alpha, first_a), (-2.0 * first_a, alpha)]
    rank_one.append((2.0 * mean_y * alpha, alpha))
    return y * (a * a - 1.0) / n, rank_one, mean_y - _scalar(xp.mean(ya * a))


def _p2_matrix(X, y, alpha, order):
    """The empirical ``d x d`` matrix ``P2`` of Definition 5.4 (one GEMM).

    In the namespace of ``X``; for a ``dask.array`` computed in one graph
    execution together with the moments it is made of (``E[y]``, ``E[y x]``
    of the control variate...), see `_p2_terms`.
    """
    xp = get_namespace(X)
    c, rank_one, shift = _p2_terms(X, y, alpha, order)
    P2 = X.T @ (c[:, None] * X)
    P2 = P2 + shift * xp.eye(X.shape[1], dtype=X.dtype, device=device_of(X))
    for u, v in rank_one:
        P2 = P2 + _outer(u, v)
    (P2,) = compute_if_dask(P2)
    return P2


def _p2_operator(X, y, alpha, order, *, dense=False):
    """``U -> P2 U`` for the empirical ``P2`` of Definition 5.4 (see `_p2_terms`).

    Matrix-free (``dense=False``) each product costs two ``(N x d)(d x r)``
    GEMMs and ``P2`` is never formed. With ``dense=True`` the ``d x d`` matrix
    is formed once (one ``(d x N)(N x d)`` GEMM) and each product costs
    ``d^2 r``: cheaper when ``d`` is small next to ``r`` times the number of
    power iterations.

    On a ``dask.array`` the dense matrix costs one graph execution and the power
    iterations run on the driver; matrix-free, ``X``, the row weights and the
    small terms of ``P2`` are persisted in one execution and every product is
    one more (the minimum: each power iteration needs the previous one's
    orthogonalized block).
    """
    if dense:
        P2 = _p2_matrix(X, y, alpha, order)
        return lambda U: P2 @ U
    c, rank_one, shift = _p2_terms(X, y, alpha, order)
    X, c, shift, *flat = persist_if_dask(X, c, shift, *(a for t in rank_one for a in t))
    rank_one = list(zip(flat[::2], flat[1::2]))

    def matvec(U):
        out = X.T @ (c[:, None] * (X @ U)) + shift * U
        for u, v in rank_one:
            out = out + _outer(u, v @ U)
        (out,) = compute_if_dask(out)
        return out

    return matvec


def _top_eigenspace(matvec, n_features, n_hidden, rng, like, *, max_iter):
    """PowerMethod of Algorithm 1, line 4: top-``k`` eigenspace by ``|eigenvalue|``.

    Subspace iteration on a block of ``r = min(d, 2k)`` columns (the
    oversampling speeds convergence to the ratio ``|lambda_{r+1} / lambda_k|``),
    with a Rayleigh-Ritz step each iteration that keeps the ``k`` Ritz vectors of
    largest ``|eigenvalue|`` (``P2`` is indefinite when the ``v_i`` have mixed
    signs). Stops when the subspace moves less than ``1e-4`` (sine of the
    largest principal angle) or after ``max_iter`` iterations.

    Returns
    -------
    V : array of shape (d, k), orthonormal columns
    eigenvalues : ndarray of shape (k,)
    n_iter : int
    """
    r = min(n_features, 2 * n_hidden)
    Q = _to(np.linalg.qr(rng.standard_normal((n_features, r)))[0], like)
    V_old, n_iter = None, 0
    for n_iter in range(1, max_iter + 1):
        Y = matvec(Q)
        # r x r Rayleigh-Ritz problem: solved on the host (tiny).
        H = to_numpy(Q.T @ Y)
        values, vectors = np.linalg.eigh((H + H.T) / 2.0)
        top = np.argsort(-np.abs(values))[:n_hidden]
        V = Q @ _to(vectors[:, top], like)
        if V_old is not None:
            cosines = np.linalg.svd(to_numpy(V_old.T @ V), compute_uv=False)
            if math.sqrt(max(0.0, 1.0 - float(cosines.min()) ** 2)) < _POWER_TOL:
                break
        V_old = V
        Q = get_namespace(Y).linalg.qr(Y)[0]
    return V, values[top], n_iter


def estimate_n_hidden(X, y, orders, rng, *, alpha="adaptive", sample_weight=None):
    """Number of hidden units ``k`` from the eigen-gap of the empirical ``P2``.

    ``P2`` has rank ``k`` (Claim 5.5); its empirical estimate adds a noise
    spectrum of size ``O~(sqrt(d / N))``. With ``a_1 >= a_2 >= ...`` the
    absolute eigenvalues, ``k`` maximizes the ratio ``a_j / max(a_{j+1},
    median(a))`` over ``j < d`` (the median floor keeps the tail of the noise
    spectrum, whose smallest ``|eigenvalue|`` can be arbitrarily close to 0,
    from producing a spurious gap; it limits the estimate to ``k < d / 2``).
    The gap is *clear* when that ratio is at least ``_AUTO_GAP_RATIO``.

    Parameters
    ----------
    X : array of shape (n, d)
        Inputs, assumed ``N(0, I)``.
    y : array of shape (n,)
        Targets.
    orders : MomentOrders
        From :func:`moment_orders`.
    rng : numpy.random.RandomState
        For a random ``alpha``.
    alpha : {"adaptive", "random"}, default="adaptive"
        As in :func:`tensor_initialization`.
    sample_weight : array of shape (n,), default=None
        Row weights: every mean becomes a weighted mean.

    Returns
    -------
    k : int
        Position of the largest gap.
    spectrum : ndarray of shape (d,)
        ``|eigenvalues|`` of ``P2``, in decreasing order.
    gap : float
        The ratio at ``k``.
    """
    xp = get_namespace(X)
    w = _unit_mean(sample_weight)
    first = X.T @ _times(y, w) / X.shape[0]
    if alpha == "random":
        direction = _random_unit(rng, X.shape[1])
    else:
        direction = _p2_direction(first, orders, rng)
    # Control variate, as in Algorithm 1.
    residual = y - xp.mean(_times(y, w)) - X @ first
    P2 = to_numpy(_p2_matrix(X, _times(residual, w), _to(direction, X), orders.p2))
    spectrum = np.sort(np.abs(np.linalg.eigvalsh((P2 + P2.T) / 2.0)))[::-1]
    floor = max(float(np.median(spectrum)), 1e-300)
    ratios = spectrum[:-1] / np.maximum(spectrum[1:], floor)
    if ratios.size == 0:  # d = 1
        return 1, spectrum, float("inf")
    k = int(np.argmax(ratios)) + 1
    return k, spectrum, float(ratios[k - 1])


# ----------------------------------------------------------------------------- R3
def _symmetrized_outer(vector, matrix):
    """``T_abc = u_a S_bc + u_b S_ac + u_c S_ab`` (one Wick term family)."""
    return (
        vector[:, None, None] * matrix[None, :, :]
        + vector[None, :, None] * matrix[:, None, :]
        + vector[None, None, :] * matrix[:, :, None]
    )


def _weighted_cube_moment(Z, weights):
    """``sum_n weights_n z_n (x) z_n (x) z_n`` as a GEMM, in row blocks."""
    xp = get_namespace(Z)
    n, k = Z.shape
    out = xp.zeros((k, k * k), dtype=Z.dtype, device=device_of(Z))
    block = max(1, _BLOCK_ELEMENTS // (k * k))
    for start in range(0, n, block):
        stop = min(start + block, n)  # in-bounds slices (array API)
        Zb = Z[start:stop, :]
        pairs = xp.reshape(Zb[:, :, None] * Zb[:, None, :], (Zb.shape[0], k * k))
        out = out + (Zb * weights[start:stop, None]).T @ pairs
    return xp.reshape(out, (k, k, k))


def _reduced_third_moment(Z, y, order, beta, t=None):
    """``R3 = P3(V, V, V)`` of Algorithm 1, line 5, from ``Z = X V`` only.

    Since ``V`` has orthonormal columns, ``x^T V_a = z_a`` and ``V_a^T V_b =
    delta_ab``; with ``alpha = V beta`` (a random unit vector of ``span(V)``)
    also ``x^T alpha = z^T beta``. The Wick expansion then gives, with means
    over the rows,

    * order 3, ``M_3(V, V, V) = E[y z^{(x)3}] - sym(delta, E[y z])``;
    * order 4, ``M_4(V, V, V, alpha) = E[y t z^{(x)3}] - sym(delta, E[y t z])
      - sym(beta, E[y z z^T]) + E[y] sym(delta, beta)`` with ``t = z^T beta``,

    where ``sym(u, S)_abc = u_a S_bc + u_b S_ac + u_c S_ab``. Cost
    ``O(N k^3)``; the ``d x d x d`` tensor is never formed. The same expansion
    holds for any ``alpha`` in ``R^d`` (Definition 5.4's random vector) with
    ``t = x^T alpha`` and ``beta = V^T alpha`` (not unit): pass that ``t``.

    The moments are summed over the rows in one pass (one graph execution on
    a ``dask.array``) and combined on the host.

    Returns
    -------
    R3 : ndarray of shape (k, k, k) (host)
    """
    xp = get_namespace(Z)
    n, k = Z.shape
    eye = np.eye(k)
    if order == 3:
        cube, first = _host(_weighted_cube_moment(Z, y), y @ Z)
        return cube / n - _symmetrized_outer(first / n, eye)
    if t is None:
        t = Z @ _to(beta, Z)
    yt = y * t
    cube, second, first, mean = _host(
        _weighted_cube_moment(Z, yt), Z.T @ (y[:, None] * Z), yt @ Z, xp.mean(y)
    )
    return (
        cube / n
        - _symmetrized_outer(first / n, eye)
        - _symmetrized_outer(beta, second / n)
        + float(mean) * _symmetrized_outer(beta, eye)
    )


# ----------------------------------------------------------------- CP decomposition
def _khatri_rao(B, C):
    """Column-wise Kronecker product, rows indexed by ``(b, c)`` as ``b k + c``."""
    return (B[:, None, :] * C[None, :, :]).reshape(-1, B.shape[1])


def _cp_weights(T, A):
    """Least-squares ``lambda`` of ``T ~ sum_i lambda_i a_i^{(x)3}`` and residual.

    Batched over leading axes of ``A`` (``(..., k, k)``). Uses the normal
    equations of the Khatri-Rao design: ``(A^T A)^{o 3} lambda = T(a_i, a_i,
    a_i)``, and ``||T - sum||^2 = ||T||^2 - lambda . b``.
    """
    gram = np.swapaxes(A, -1, -2) @ A
    b = np.einsum("abc,...ai,...bi,...ci->...i", T, A, A, A)
    lam = np.linalg.lstsq(gram**3, b, rcond=None)[0] if A.ndim == 2 else None
    if lam is None:
        lam = np.linalg.solve(gram**3 + 1e-12 * np.eye(A.shape[-1]), b[..., None])
        lam = lam[..., 0]
    squared = float(np.sum(T * T)) - np.sum(lam * b, axis=-1)
    return lam, np.sqrt(np.maximum(squared, 0.0))


def _unit_columns(A, rng):
    """Normalize columns; a (numerically) zero column becomes a random unit one."""
    norms = np.linalg.norm(A, axis=0)
    bad = ~(norms > 1e-12 * max(float(norms.max(initial=0.0)), 1e-300))
    if np.any(bad):
        A = A.copy()
        A[:, bad] = rng.standard_normal((A.shape[0], int(bad.sum())))
        norms = np.linalg.norm(A, axis=0)
    return A / norms


def _jennrich(T, rng, n_projections):
    """Simultaneous diagonalization (Jennrich), best of ``n_projections`` pairs.

    ``T(I, I, g) = A diag(lambda * A^T g) A^T``, so the eigenvectors of
    ``T(I, I, g1) T(I, I, g2)^+`` are the columns of ``A`` for generic ``g1,
    g2`` (exact on a noiseless tensor). On an empirical tensor each random pair
    gives a candidate; the one with the smallest CP residual is kept. The
    random slices are those of Kuleshov, Chaganty & Liang (2015). All pairs
    are processed as one batch.
    """
    k = T.shape[0]
    g = rng.standard_normal((2, max(1, n_projections), k))
    slices1, slices2 = T @ g[0].T, T @ g[1].T  # (k, k, L)
    pencils = np.moveaxis(slices1, -1, 0) @ np.linalg.pinv(np.moveaxis(slices2, -1, 0))
    with np.errstate(all="ignore"):
        vectors = np.real(np.linalg.eig(pencils)[1])
        vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    finite = np.all(np.isfinite(vectors), axis=(1, 2))
    if not np.any(finite):
        return _unit_columns(np.eye(k), rng), float(np.linalg.norm(T))
    vectors = vectors[finite]
    with np.errstate(all="ignore"):
        residuals = np.nan_to_num(_cp_weights(T, vectors)[1], nan=np.inf)
    best = int(np.argmin(residuals))
    A = _unit_columns(vectors[best], rng)
    return A, _cp_weights(T, A)[1]


def _cp_als(T, A):
    """Alternating least squares for ``T ~ sum_i a_i (x) b_i (x) c_i`` from ``A``.

    Each factor is the least-squares solution with the other two fixed; the
    three factors of each component are finally averaged (signs aligned) into
    one unit direction, since ``T`` is symmetric.
    """
    k = T.shape[0]
    unfold = [T.reshape(k, -1), T.transpose(1, 0, 2).reshape(k, -1)]
    unfold.append(T.transpose(2, 0, 1).reshape(k, -1))
    factors = [A.copy(), A.copy(), A.copy()]
    previous = np.inf
    for _ in range(_ALS_MAX_ITER):
        for mode in range(3):
            B, C = (factors[m] for m in range(3) if m != mode)
            gram = (B.T @ B) * (C.T @ C)
            rhs = unfold[mode] @ _khatri_rao(B, C)
            factors[mode] = np.linalg.lstsq(gram, rhs.T, rcond=None)[0].T
        B, C = factors[1], factors[2]
        fit = float(np.linalg.norm(unfold[0] - factors[0] @ _khatri_rao(B, C).T))
        if abs(previous - fit) <= _ALS_TOL * max(float(np.linalg.norm(T)), 1e-300):
            break
        previous = fit
    A, B, C = factors
    signs_b = np.sign(np.sum(A * B, axis=0)) + (np.sum(A * B, axis=0) == 0)
    signs_c = np.sign(np.sum(A * C, axis=0)) + (np.sum(A * C, axis=0) == 0)
    norm = np.linalg.norm
    return (
        A / norm(A, axis=0)
        + signs_b * B / norm(B, axis=0)
        + signs_c * C / norm(C, axis=0)
    )


def symmetric_cp(T, rng, n_projections):
    """Non-orthogonal CP decomposition ``T ~ sum_i lambda_i a_i^{(x)3}`` (Alg. 1, l. 6).

    Jennrich's simultaneous diagonalization (best of ``n_projections`` random
    slice pairs) gives exact directions for an exact low-rank tensor; ALS then
    refines them to the least-squares CP fit of the noisy tensor, which uses
    all ``k^3`` entries. The ALS result is kept only when it fits better.

    Returns
    -------
    A : ndarray of shape (k, k)
        Unit columns ``a_i`` (each up to sign).
    lam : ndarray of shape (k,)
    """
    A, residual = _jennrich(T, rng, n_projections)
    if np.all(np.isfinite(T)) and np.linalg.norm(T) > 0:
        with np.errstate(all="ignore"):
            refined = _cp_als(T, A)
        if np.all(np.isfinite(refined)):
            refined = _unit_columns(refined, rng)
            smallest = np.linalg.svd(A, compute_uv=False).min()
            # ALS on a noisy tensor can drift to a degenerate fit: nearly
            # collinear components with large cancelling weights.
            degenerate = np.linalg.svd(refined, compute_uv=False).min() < 0.5 * smallest
            if _cp_weights(T, refined)[1] < residual and not degenerate:
                A = refined
    return A, _cp_weights(T, A)[0]


# --------------------------------------------------------------------- RecMagSign
def _directional_moments(T, y, order):
    """``n M_j(a_i, ..., a_i) = sum_n y_n He_j(x_n^T a_i)``, unit directions in T.

    For a unit vector ``a`` the Hermite tensor contracted with ``a`` ``j`` times
    is the scalar ``He_j(x^T a)``. One value per column, in the namespace of
    ``T`` (lazy on Dask).
    """
    return y @ hermite_e(order, T)


def _moment_weights(moments, order, gram):
    """RecMagSign's least squares: ``M_j(a_i, .., a_i) = sum_l c_l (a_l^T a_i)^j``.

    By Claim 5.2 with ``a_l = s_l wbar_l``, ``c_l = v_l m_j(||w_l||) s_l^j``; the
    ``k x k`` system has matrix ``(A^T A)^{o j}`` (elementwise power, positive
    definite for linearly independent ``a_l``). ``moments``: the host
    ``M_j(a_i, .., a_i)``.
    """
    return np.linalg.lstsq(gram**order, moments, rcond=_GRAM_RCOND)[0]


def rec_mag_sign(T, y, gram, orders, degree, weights=None):
    """RecMagSign for a homogeneous activation of degree ``p`` (Algorithm 1, line 7).

    With ``m_j(sigma) = sigma^p m_j(1)``, the weights of the even moment give
    ``v_l ||w_l||^p m_even(1)`` (the sign ``s_l`` cancels), those of the odd
    moment give ``s_l v_l ||w_l||^p m_odd(1)``. Hence ``v_l = sign(c_even /
    m_even)``, ``s_l = sign(c_odd / m_odd) v_l`` and ``||w_l|| =
    |c_even / m_even|^(1/p)`` (the even system's matrix ``(A^T A)^{o 2}`` stays
    well conditioned even when the directions are nearly dependent). For an odd
    activation (no even moment) ``v_l > 0`` is taken without loss of generality;
    for an even one (no odd moment) ``s_l = +1``.

    Parameters
    ----------
    T : array of shape (n, k)
        ``x^T (V a_l)`` on the samples of ``S4``.
    y : array of shape (n,)
    gram : ndarray of shape (k, k)
        ``A^T A`` of the unit directions.
    orders : MomentOrders
    degree : int
        Homogeneity degree ``p >= 1``.
    weights : array of shape (n,), default=None
        Row weights of mean 1 (:func:`_unit_mean`): weighted moments.

    Returns
    -------
    signs : ndarray of shape (k,)
        ``s_l``: the hidden weight is ``s_l ||w_l|| V a_l``.
    norms : ndarray of shape (k,)
    v : ndarray of shape (k,) in ``{-1, +1}``
    """
    m = orders.m
    k = gram.shape[0]
    used = [j for j in (orders.odd, orders.even) if j is not None]
    # Two passes over the rows (two graph executions on Dask): the normal
    # equations of both control variates, then both directional moments.
    residuals, _ = _polynomial_residuals([(T, y, j - 1, weights) for j in used])
    moments = _host(
        *(
            _directional_moments(T, _times(r, weights), j)
            for j, r in zip(used, residuals)
        )
    )
    coef = {
        j: _moment_weights(b / T.shape[0], j, gram) / m[j - 1]
        for j, b in zip(used, moments)
    }
    v = np.sign(coef[orders.even]) if orders.even else np.ones(k)
    v[v == 0] = 1.0
    signs = np.sign(coef[orders.odd]) * v if orders.odd else np.ones(k)
    signs[signs == 0] = 1.0
    norms = np.abs(coef[orders.even or orders.odd]) ** (1.0 / degree)
    return signs, norms, v


def least_squares_magnitudes(T, y, activation, n_sweeps=3, weights=None):
    """Magnitudes and ``v`` for a non-homogeneous activation, from the directions.

    Fits ``y ~ sum_l v_l phi(sigma_l x^T u_l)`` over signed scales ``sigma_l``
    (the sign plays the role of ``s_l``) by coordinate descent: each
    ``sigma_l`` in turn is chosen on a grid (``+-`` 50 log-spaced values in
    ``[0.05, 20]``, then a 1.2x-wide refinement grid) with ``v`` refitted by
    linear least squares for every candidate (variable projection). The
    moments of a non-homogeneous activation depend on ``||w_l||`` non-linearly
    (``m_j(sigma)``), which is why a direct fit replaces RecMagSign here.
    With ``weights`` every least-squares fit is weighted (rows scaled by
    ``sqrt(w)``).

    Returns
    -------
    scales : ndarray of shape (k,)
        Signed ``sigma_l``: the hidden weight is ``sigma_l u_l``.
    v : ndarray of shape (k,)
    """
    T, y, weights = _host(T, y, weights)  # one graph execution on Dask
    T, y = T.astype(np.float64), y.astype(np.float64)
    root = None if weights is None else np.sqrt(weights.astype(np.float64))
    y = y if root is None else y * root
    k = T.shape[1]
    coarse = np.geomspace(0.05, 20.0, 50)
    coarse = np.concatenate([-coarse[::-1], coarse])
    fine = np.geomspace(1 / 1.2, 1.2, 21)
    scales = np.ones(k)
    Phi = _times(
        np.asarray(activation(T * scales)), None if root is None else root[:, None]
    )
    for sweep in range(2 * n_sweeps):
        for i in range(k):
            grid = coarse if sweep < n_sweeps else scales[i] * fine
            others = np.delete(Phi, i, axis=1)
            scales[i] = _best_scale(T[:, i], y, others, grid, activation, root)
            Phi[:, i] = _times(activation(T[:, i] * scales[i]), root)
    v = np.linalg.lstsq(Phi, y, rcond=None)[0]
    return scales, v


def _best_scale(t, y, others, candidates, activation, root=None):
    """Grid ``sigma`` minimizing ``min_v ||y - others v_o - v phi(sigma t)||``.

    ``root``: square roots of the row weights (``y`` and ``others`` already
    carry them).
    """
    columns = np.asarray(activation(t[:, None] * candidates[None, :]))
    columns = columns if root is None else columns * root[:, None]
    if others.shape[1]:
        coef = np.linalg.lstsq(others, np.column_stack([y, columns]), rcond=None)[0]
        projected = np.column_stack([y, columns]) - others @ coef
    else:
        projected = np.column_stack([y, columns])
    r0, cols = projected[:, 0], projected[:, 1:]
    sq = np.sum(cols * cols, axis=0)
    gain = np.where(sq > 0, (cols.T @ r0) ** 2 / np.where(sq > 0, sq, 1.0), 0.0)
    return float(candidates[int(np.argmax(gain))])


# ------------------------------------------------------------------ Algorithm 1
def tensor_initialization(
    X,
    y,
    n_hidden,
    activation,
    orders,
    rng,
    *,
    n_power_iter,
    n_projections,
    resample=True,
    alpha="adaptive",
    sample_weight=None,
):
    """Algorithm 1 of Zhong et al. (2017): ``W0, v0`` from the moments of the data.

    Parameters
    ----------
    X : array of shape (n, d)
        Inputs, assumed ``N(0, I)``; NumPy or CuPy.
    y : array of shape (n,)
    n_hidden : int
        ``k <= d``.
    activation : Activation
    orders : MomentOrders
        From :func:`moment_orders`.
    rng : numpy.random.RandomState
        For the split, ``alpha``, the power-method start and the projections.
    n_power_iter : int
        Maximum subspace iterations.
    n_projections : int
        Random slice pairs tried by Jennrich's algorithm.
    resample : bool, default=True
        Split the samples into ``S2, S3, S4`` (Algorithm 1, line 2); ``False``
        uses all samples for every moment (the paper's experiments, Sec. 7).
    alpha : {"adaptive", "random"}, default="adaptive"
        The vector ``alpha`` of ``P2 = M_j(I, I, alpha, ...)`` (``j >= 3``) and
        ``P3 = M_4(I, I, I, alpha)``. "random": Definition 5.4, one uniformly
        random unit ``alpha`` in ``R^d`` for both. "adaptive": ``P2`` uses the
        direction of ``M_1`` (:func:`_p2_direction`), ``P3`` a random unit
        ``alpha`` of ``span(V)`` and then a second pass with the ``alpha`` of
        ``span(V)`` that weighs the recovered units equally
        (:func:`_balanced_direction`).
    sample_weight : array of shape (n,), default=None
        Non-negative row weights: every moment (including the control
        variates' normal equations and RecMagSign) is a weighted mean, so with
        ``resample=False`` integer weights give the initialization of the
        data set with repeated rows. With ``resample=True`` the split permutes
        rows (a weighted row stays whole in one part), which repeated rows do
        not.

    Returns
    -------
    W : array of shape (d, k)
        In the namespace of ``X``.
    v : ndarray of shape (k,) (host)
    info : dict
        ``subspace`` (d, k), ``p2_eigenvalues`` (k,), ``n_power_iter``,
        ``reduced_tensor`` (k, k, k), ``projected_covariance`` (k, k):
        ``E[z z^T]`` of ``z = V^T x`` on ``S3`` (identity for ``N(0, I)`` input).

    Notes
    -----
    Only ``k``-sized work (the Rayleigh-Ritz problems, the ``k x k x k``
    decomposition, RecMagSign's ``k x k`` systems and the magnitude grid search
    of non-homogeneous activations) runs on the host; every pass over ``X``
    runs in its namespace.
    """
    xp = get_namespace(X)
    n, d = X.shape
    if resample:
        # Sorted indices: the same random partition, read with better locality.
        split = np.array_split(rng.permutation(n), 3)
        parts = [_to(np.sort(p), X, dtype=None) for p in split]
        # On Dask the parts stay lazy: each pass below gathers its rows from the
        # (persisted) X inside its own graph execution.
        X2, y2, X3, y3, X4, y4 = (xp.take(a, p, axis=0) for p in parts for a in (X, y))
        w2, w3, w4 = (
            (None,) * 3
            if sample_weight is None
            else [_unit_mean(xp.take(sample_weight, p, axis=0)) for p in parts]
        )
    else:  # Sec. 7: "we don't do the resampling"
        (X2, y2), (X3, y3), (X4, y4) = (X, y), (X, y), (X, y)
        w2 = w3 = w4 = _unit_mean(sample_weight)
    first = X2.T @ _times(y2, w2) / X2.shape[0]
    if alpha == "random":  # Definition 5.4: one random alpha for P2 and P3
        alpha_p2 = alpha_p3 = _random_unit(rng, d)
    else:
        alpha_p2, alpha_p3 = _p2_direction(first, orders, rng), None
    # Control variate: E[c He_j(x)] = E[x^T b He_j(x)] = 0 for j >= 2, so removing
    # the mean and the linear part of y leaves the moment unchanged and lowers
    # its variance.
    y2 = _times(y2 - xp.mean(_times(y2, w2)) - X2 @ first, w2)
    dense = d <= _DENSE_P2_FACTOR * min(d, 2 * n_hidden)
    matvec = _p2_operator(X2, y2, _to(alpha_p2, X), orders.p2, dense=dense)
    V, eigenvalues, n_iter = _top_eigenspace(
        matvec, d, n_hidden, rng, X, max_iter=n_power_iter
    )
    Z3 = X3 @ V
    # Same control variate in span(V): polynomials of z of degree < j3; the
    # projected covariance comes from the same pass.
    (y3,), (covariance,) = _polynomial_residuals(
        [(Z3, y3, orders.p3 - 1, w3)], Z3.T @ _times(Z3, _column(w3))
    )
    y3 = _times(y3, w3)
    if alpha_p3 is not None and orders.p3 == 4:
        # M_4(V, V, V, alpha) for alpha in R^d: t = x^T alpha, beta = V^T alpha.
        t3 = X3 @ _to(alpha_p3, X)
        beta = to_numpy(V.T @ _to(alpha_p3, X))
        R3 = _reduced_third_moment(Z3, y3, orders.p3, beta, t=t3)
    else:
        R3 = _reduced_third_moment(Z3, y3, orders.p3, _random_unit(rng, n_hidden))
    A, _ = symmetric_cp(R3, rng, n_projections)
    if alpha_p3 is None and orders.p3 == 4:
        # P3 = M4(I, I, I, alpha) weighs unit i by alpha^T wbar_i; a second pass
        # with alpha chosen so that these weights are equal avoids a component
        # that the random alpha made (nearly) vanish.
        R3 = _reduced_third_moment(Z3, y3, orders.p3, _balanced_direction(A))
        A, _ = symmetric_cp(R3, rng, n_projections)
    directions = V @ _to(A, X)
    T4 = X4 @ directions
    if activation.homogeneous_degree:
        signs, norms, v = rec_mag_sign(
            T4, y4, A.T @ A, orders, activation.homogeneous_degree, w4
        )
        scales = signs * norms
    else:
        scales, v = least_squares_magnitudes(T4, y4, activation, weights=w4)
    W = directions * _to(scales, X)[None, :]
    info = {
        "subspace": V,
        "p2_eigenvalues": eigenvalues,
        "n_power_iter": n_iter,
        "reduced_tensor": R3,
        "projected_covariance": covariance / Z3.shape[0],
    }
    return W, v, info


def _polynomial_features(Z, degree):
    """All monomials of ``z`` of total degree ``<= degree`` (columns)."""
    xp = get_namespace(Z)
    k = Z.shape[1]
    columns = [xp.ones_like(Z[:, 0])]
    for deg in range(1, degree + 1):
        for combo in itertools.combinations_with_replacement(range(k), deg):
            col = Z[:, combo[0]]
            for c in combo[1:]:
                col = col * Z[:, c]
            columns.append(col)
    F = xp.stack(columns, axis=1)
    return F.rechunk({1: -1}) if is_dask_collection(F) else F  # whole rows/block


def _column(weights):
    """Row weights as a column (broadcast over the columns of a matrix)."""
    return None if weights is None else weights[:, None]


def _polynomial_residuals(fits, *extra):
    """Each ``y`` minus its least-squares fit by low-degree polynomials of ``z``.

    A control variate: for ``z ~ N(0, I)`` every polynomial of degree ``< j`` is
    orthogonal to the Hermite tensor ``He_j(z)``, so ``E[r He_j] = E[y He_j]``
    for the residual ``r``, with a smaller variance (up to an ``O(1/N)`` bias
    from fitting on the same samples). ``weights`` (mean 1): weighted least
    squares, i.e. weighted normal equations.

    Parameters
    ----------
    fits : list of (Z, y, degree, weights)
        Independent fits of ``y`` by the monomials of the rows of ``Z`` of
        total degree ``<= degree`` (``weights``: row weights or ``None``);
        their normal equations are summed over the rows together (one graph
        execution on Dask), with the arrays ``extra``.
    *extra : arrays
        Other small results of the same pass, returned on the host.

    Returns
    -------
    residuals : list of arrays
        One per fit, in the namespace of its ``Z``.
    extra : tuple of ndarrays
    """
    systems = []
    for Z, y, degree, weights in fits:
        F = _polynomial_features(Z, degree)
        if Z.shape[0] < 2 * F.shape[1]:  # too few samples to fit it: skip the fit
            systems.append((F, ()))
            continue
        # Normal equations (a k-sized system, solved on the host): much cheaper
        # than an SVD of F.
        Fw = _times(F, _column(weights))
        systems.append((F, (Fw.T @ F, Fw.T @ y)))
    computed = list(_host(*(a for _, system in systems for a in system), *extra))
    residuals = []
    for (F, system), (Z, y, _, weights) in zip(systems, fits):
        if not system:
            residuals.append(y - get_namespace(Z).mean(_times(y, weights)))
            continue
        gram, moment = computed.pop(0), computed.pop(0)
        ridge = 1e-10 * float(np.trace(gram)) / gram.shape[0]
        coef = np.linalg.solve(gram + ridge * np.eye(gram.shape[0]), moment)
        residuals.append(y - F @ (coef if is_dask_collection(F) else _to(coef, F)))
    return residuals, tuple(computed)


def _p2_direction(first_moment, orders, rng):
    """``alpha`` of Definition 5.4 for ``P2 = M_j(I, I, alpha, ...)``, ``j >= 3``.

    ``P2``'s eigenvalues carry ``(alpha^T wbar_i)^(j-2)``: a uniformly random
    ``alpha`` in ``R^d`` makes them ``O(d^{-1/2})``. When ``M_1 != 0`` its
    estimate lies in ``span(W*)``, and ``alpha = M_1 / ||M_1||`` keeps them
    ``Theta(1)``; otherwise ``alpha`` is random (the paper's choice).
    ``first_moment`` (in any namespace, or lazy on Dask) is brought to the host
    only when it is used (one graph execution on Dask).
    """
    if orders.p2 > 2 and orders.odd == 1:
        (first_moment,) = _host(first_moment)
        norm = float(np.linalg.norm(first_moment))
        if norm > 0:
            return first_moment / norm
    return _random_unit(rng, first_moment.shape[0])


def _balanced_direction(A):
    """Unit ``beta`` with equal ``|beta^T a_i|`` (solves ``A^T beta = 1``)."""
    beta = np.linalg.lstsq(A.T, np.ones(A.shape[1]), rcond=None)[0]
    return beta / np.linalg.norm(beta)


def _random_unit(rng, size):
    g = rng.standard_normal(size)
    return g / np.linalg.norm(g)
