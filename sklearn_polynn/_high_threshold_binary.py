"""Theorem 8 of the ICLR 2019 submission "Recovering the Lowest Layer of Deep
Networks with High Threshold Activations" (Sec. 4, proof in App. D.2).

For ``u(a) = e^a`` with no threshold, binary ``w_i* in {0, 1}^n`` with
disjoint supports ``S_i`` and ``P`` multilinear with non-negative coefficients
``c_S``, the exponential correlation

    g(z) = e^{-||z||^2 / 2} E[f(x) e^{z^T x}]
         = sum_S c_S e^{|U_S| / 2} exp(sum_{p in U_S} z_p),  U_S = cup_{i in S} S_i,

depends on ``z`` only through the sums ``s_i = sum_{p in S_i} z_p`` (App. D.2,
the display before the optimisation problem). The paper maximises ``h(z) =
g(z) - lambda ||z||_1 - gamma ||z||_2^2`` and shows (Lemmas 21-23) that at a
local maximum the mass of ``z`` sits on one support, equally split
(Lemma 22), and is near zero elsewhere (Lemma 21).

As written ``h`` is unbounded (``g`` grows exponentially, the penalties
quadratically), so its "local maxima" need a bounded domain. Here
``lambda`` is traded for its constraint: ``z`` lives on the scaled simplex
``{z >= 0, ||z||_1 = r}`` (the paper's Lemma 21 preamble already restricts to
``z >= 0``). On it ``g`` is a convex function of ``s`` on a simplex, whose
local maxima are its vertices ``s = r e_i`` whenever ``P``'s linear
coefficient ``c_i`` dominates there (``e^r c_i > `` the competing gradient;
for comparable coefficients any ``r > 0`` works), and the ``gamma`` term
spreads the vertex's mass equally over ``S_i`` (Lemma 22). The objective is
``log(g(z) - g(0)) - gamma ||z||_2^2 / r``: ``g(0) = E[f]`` is subtracted
with the centred labels (a control variate: ``E[e^{z^T x - ||z||^2 / 2}] = 1``),
and the logarithm makes the step free of the scale of ``y``. It is maximised
by exponentiated-gradient (mirror) ascent on the simplex, the support read off
as ``z_j > max(z) / 4``, and the found coordinates removed before the next
support is searched for (deflation).

Every evaluation costs one product ``X z`` and one ``X^T e``. The estimator's
variance grows like ``e^{||w_i + z||^2}`` per term, i.e. exponentially in the
support sizes (the "low l1-norm" of Sec. 1): the theorem is for small
supports.
"""

import math

import numpy as np

from ._backend import asarray, device_of, row_batches, to_numpy

RADIUS = 0.5
"""``r = ||z||_1`` of the simplex the correlation is maximised on."""

PENALTY = 0.75
"""``gamma`` of ``- gamma ||z||_2^2 / r`` (App. D.2's ``gamma ||z||_2^2``).

Too small and sampling noise collapses a maximum's mass onto part of its
support; too large and the mass leaks onto a second support (pairwise
products of ``P`` make ``g`` nearly flat between two supports). These three
constants were chosen by measurement (n=12, d=3, three ones per column,
``make_high_threshold_network(upper="monotone")``, seeds 108-115, exact
supports at N=1e5 / 5e4): ``r=1, gamma=1``, support above ``max z / 2``:
7/8, 4/8; ``r=1/2, gamma=1/2``: 4/8, 1/8 (above ``max z / 4``: 7/8, 5/8);
``r=1/2, gamma=3/4``, above ``max z / 4``: 7/8, 6/8 (``upper="linear"``:
8/8 for all but ``r=1/2, gamma=1/2, max z / 2`` at 5e4, 4/8). Smaller
``r`` lowers the variance (``e^{||w_i + z||^2}`` per term) but also the
curvature that separates the supports (``r = 1/4``: 0-1/8)."""

SUPPORT_LEVEL = 0.25
"""The support of a maximum ``z``: coordinates with ``z_j > SUPPORT_LEVEL max(z)``."""

STEP = 0.5
"""Step of the exponentiated-gradient ascent, in units of the log-gradient."""

MAX_ITER = 3000
TOL = 1e-7
"""Largest change of ``z / r`` below which the ascent has converged."""

STOP_RATIO = 0.1
"""With ``n_hidden=None``: a support whose correlation ``g(z) - g(0)`` is below
this fraction of the first one's is noise, and the search stops."""

BATCH_ROWS = 65536


def exp_correlation(X, f, z, xp, baseline=0.0, batch_rows=BATCH_ROWS):
    """``g(z) - g(0)`` and its gradient: the row mean of ``f e^{z^T x -
    ||z||^2 / 2}`` less ``baseline``.

    ``g(z) = e^{-||z||^2 / 2} E[f e^{z^T x}]`` (App. D.2) and
    ``grad g = e^{-||z||^2 / 2} E[f e^{z^T x} (x - z)]``. Gaussian rows: ``f``
    the centred labels, ``baseline = 0``; rows of App. B.7's oracle: ``f = 1``
    and ``baseline = 1`` (``g(0) / E[f]``, exact). ``z`` is a host vector, the
    returned value a float and the gradient a host array.
    """
    zd = asarray(z, xp, dtype=X.dtype, device=device_of(X))
    half = float(z @ z) / 2.0
    value, back = 0.0, 0.0
    for rows in row_batches(X.shape[0], batch_rows):
        Xb = X[rows, ...]
        e = f[rows] * xp.exp(Xb @ zd - half)
        value = value + xp.sum(e)
        back = back + e @ Xb
    value = float(value) / X.shape[0]
    grad = np.asarray(to_numpy(back), dtype=float) / X.shape[0] - value * z
    return value - baseline, grad


def exp_landscape_maximum(X, f, active, xp, radius=None, gamma=None, baseline=0.0):
    """Maximise ``log(g(z) - g(0)) - gamma ||z||^2 / r`` over ``z >= 0``,
    ``||z||_1 = r``, supported on the host mask ``active``, from the uniform
    start.

    Returns ``z`` (host), ``g(z) - g(0)`` there and the number of iterations
    (:data:`MAX_ITER`: not converged). A non-positive correlation at the start
    (no signal left on ``active``) returns ``z`` with that value; the caller
    decides. ``radius`` and ``gamma`` default to :data:`RADIUS` and
    :data:`PENALTY`.
    """
    radius = RADIUS if radius is None else radius
    gamma = PENALTY if gamma is None else gamma
    z = np.where(active, radius / np.count_nonzero(active), 0.0)
    value, grad = exp_correlation(X, f, z, xp, baseline)
    n_iter = 0
    for n_iter in range(1, MAX_ITER + 1):
        if not value > 0:
            break
        step = grad / value - 2.0 * gamma * z / radius
        step = np.where(active, step - step[active].max(), -np.inf)
        with np.errstate(divide="ignore"):
            logz = np.log(z) + STEP * step
        new = np.exp(logz - logz[active].max())
        new = radius * new / new.sum()
        change = float(np.max(np.abs(new - z))) / radius
        z = new
        value, grad = exp_correlation(X, f, z, xp, baseline)
        if change < TOL:
            break
    return z, value, n_iter


def exp_binary_supports(X, f, n_hidden, xp, radius=None, gamma=None, baseline=0.0):
    """Supports of disjoint binary ``W*`` (Thm 8): one maximum of the
    exponential correlation per support, found coordinates removed.

    ``f`` and ``baseline`` as in :func:`exp_correlation`. With
    ``n_hidden=None`` the search stops at the first support whose correlation
    is below :data:`STOP_RATIO` of the first one's, or when every coordinate
    is used.

    Returns
    -------
    supports : list of ndarray
        Coordinates of each support, in the order found.
    values : list of float
        ``g(z) - g(0)`` at each maximum.
    n_iter : int
        Ascent iterations, summed over the supports.
    converged : bool
        Whether every ascent stopped before :data:`MAX_ITER`.

    Raises
    ------
    ValueError
        When fewer than ``n_hidden`` supports carry a positive correlation.
    """
    n = X.shape[1]
    active = np.ones(n, dtype=bool)
    supports, values, total, converged = [], [], 0, True
    while np.any(active) and (n_hidden is None or len(supports) < n_hidden):
        z, value, n_iter = exp_landscape_maximum(
            X, f, active, xp, radius, gamma, baseline
        )
        total += n_iter
        converged = converged and n_iter < MAX_ITER
        if not value > 0:
            if n_hidden is None and supports:
                break
            raise ValueError(
                f"method='binary_exp' (Thm 8): the exponential correlation "
                f"E[(f - E f) e^(z^T x - |z|^2 / 2)] on the {np.count_nonzero(active)} "
                f"coordinates left after {len(supports)} supports is {value:.3g} "
                "<= 0: no further support with a positive coefficient. Thm 8 "
                "needs u = exp, disjoint binary columns and P with non-negative "
                "coefficients; check n_hidden."
            )
        if n_hidden is None and supports and value < STOP_RATIO * values[0]:
            break
        support = np.flatnonzero(z > SUPPORT_LEVEL * z.max())
        supports.append(support)
        values.append(value)
        active[support] = False
    if n_hidden is not None and len(supports) < n_hidden:
        raise ValueError(
            f"method='binary_exp' (Thm 8) found {len(supports)} disjoint supports "
            f"covering all {n} features, fewer than n_hidden={n_hidden}."
        )
    return supports, values, total, converged


def binary_columns(supports, n_features):
    """Unit columns ``1_S / sqrt(|S|)`` and their scales ``sqrt(|S|)``."""
    W = np.zeros((n_features, len(supports)))
    for j, support in enumerate(supports):
        W[support, j] = 1.0 / math.sqrt(support.size)
    return W, np.array([math.sqrt(s.size) for s in supports])
