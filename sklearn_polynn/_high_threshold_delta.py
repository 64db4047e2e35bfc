"""Thm 6 / Corollary 1 / App. C.1 of the ICLR 2019 submission "Recovering the
Lowest Layer of Deep Networks with High Threshold Activations": directions of
the lowest layer from correlations with derivatives of a delta on a plane.

For ``f(x) = P(X_1, ..., X_d)``, ``X_i = u(w_i*^T x - t)``, ``x ~ N(0, I_n)``,
write ``g_z(s) = E[f delta(z^T x - s)] = phi(s) m_z(s)``, ``m_z(s) = E[f | z^T x
= s]`` (Claim 3). For the 0/1 unit ``u = 1[a > 0]`` (the paper's sgn: the proof
of Lemma 8 uses ``u = 0`` below the threshold and ``1`` above) and ``z = w_i*``,
``m_z`` jumps at ``s = t`` by ``E[dP/dX_i | w_i*^T x = t]``; for ``z`` at an
angle ``alpha_i`` from every ``w_i*`` it is smooth, with slope ``sum_i
cot(alpha_i) phi(t tan(alpha_i / 2)) E[dP/dX_i | ...]`` (Claims 4-5). Sec. 3
measures the jump with ``C2(f, z, s) = E[f (delta(z^T x - s - eps) - delta(z^T
x - s + eps))] = g_z(s + eps) - g_z(s - eps)``: ``phi(t) E[dP/dX_i | w_i*^T x
= t] + O(eps)`` at ``z = w_i*`` (Lemma 8), ``O(eps d^O(1) / eps_2)`` when every
``alpha_i >= eps_2`` (Claim 5). For ReLU (App. C.1) ``m_z`` has a kink instead
(``d X_i / d s`` jumps from 0 to 1), which the second derivative ``delta''``
measures (``C3``, Lemma 19).

What is computed here (:func:`delta_correlation`) is that statistic with a
smooth kernel of bandwidth ``h`` (the paper's ``eps``) and order ``k`` (1:
``delta'``, sgn units; 2: ``delta''``, ReLU units)::

    S_k(z, s; h) = E[f He_k(v) exp(-(1 - h**2) v**2 / 2 + s h v)] / h**k,
    v = (z^T x - s) / h,

``He_k`` the probabilists' Hermite polynomial. It is ``sqrt(2 pi) h`` times the
``k``-th derivative in ``s`` of ``E[f phi_h(z^T x - s) / phi(z^T x)] phi(s)``,
i.e. of the conditional mean ``m_z`` smoothed by a Gaussian of width ``h``,
times ``phi(s)``: the exponential factor is ``e^{-v^2 / 2}`` divided by the
density ratio ``phi(z^T x) / phi(s)``. Hence, as ``h -> 0``:

* a jump ``J`` of ``phi(s) m_z`` (k = 1) or of its slope (k = 2) at ``s``
  gives ``S_k -> J``, so ``S_k(w_i*, t) -> phi(t) E[dP/dX_i | w_i*^T x = t]``
  for both sgn (k = 1) and ReLU (k = 2) units (Lemma 8 / Lemma 19 without
  their ``O(eps)`` and smooth terms);
* a smooth ``m_z`` gives ``S_k = O(h)``: ``sqrt(2 pi) h phi(s) m_z'(s)`` for
  ``k = 1`` (Claim 5's bound), and constant and linear parts of ``m_z`` cancel
  exactly for both orders (``He_k`` is orthogonal to them).

Dividing out the density ratio is the one change from the paper's ``C2``: the
paper differentiates ``g_z = phi m_z``, whose term ``phi'(s) E[P | z^T x = s]``
(Claim 4) is at finite ``eps`` the largest part of the correlation at
directions far from every ``w_i*`` (measured, n=10, d=3, t=1, ``h=0.5``,
N=1e5: median ``|C|`` over 50 random directions 0.112 and -0.01 to 0.09 at
the ``w_i*``; with the ratio divided out 0.029 and 0.19-0.34).

Choice of ``h`` (bias-variance). At ``z = w_i*`` the bias is ``sqrt(2 pi) h
phi(t) m'`` (``m'`` the slope of the smooth part) and the variance is
``c_k E[f^2 | z^T x = t] phi(t) / (N h^{2k-1})`` (``c_1 = sqrt(pi) / 2``,
``c_2 = 3 sqrt(pi) / 4``), so the mean squared error of the test statistic is
smallest at ``h ~ N^{-1/(2k+1)}`` (the rate of Thm 6's proof, which takes
``eps`` polynomially small so that ``poly(d / eps)`` samples suffice). What
the search needs is the location of the peak, not its height: the peak is
``O(h)`` wide with curvature ``J / h^2`` in the angle, and the noise of the
gradient is ``O((N h^{2k+1})^{-1/2})``, so the maximiser's angle error is about
``h^{3/2 - k} / (J sqrt(N))``: it falls with ``h`` for ``k = 1`` (until too few
rows fall in the window) and grows as ``h`` shrinks for ``k = 2``. The search
ends at ``h_final = clip(N_active^{-1/3}, 0.015, 0.2)`` for sign units
(``N_active`` the rows with ``f != 0``; measured with a prototype of the
search on all rows, n=10, d=3: max angles
0.011, 0.0045, 0.0041, 0.0032, 0.0019 at ``h_final`` = 0.2, 0.1, 0.05, 0.03,
0.015, 8e4 active rows) and at ``h_final = 0.25`` for ReLU units (measured
0.04-0.09 rad at 0.2-0.3 against 0.05-0.15 at 0.1 and 0.07-0.26 at 0.05, 2e4
active rows).

What the paper proves and what is implemented. Thm 6 is a *test*: with
``eps = O(eps_3 eps_2 phi(t) d^-c)`` and ``poly(d / eps)`` samples one can
decide whether a given ``z`` is within ``eps_2`` of some ``w_i*``; finding the
``w_i*`` by testing every point of an ``eps_2``-net of the sphere costs
``(1 / eps_2)^n`` tests (polynomial *sample* complexity only, as Sec. 1 says).
:func:`find_directions` replaces the net by a continuation method: gradient
ascent of ``S_k(z, t; h)`` on the sphere from random starts while ``h``
shrinks geometrically from 0.5 (where the peaks are ``O(1)`` wide and attract
random starts) to ``h_final`` (where their width is ``O(h)``), one direction
per round, with later rounds started and (at the coarse bandwidths) kept
orthogonal to the directions found, so that they do not fall into the same
peak, then released (non-orthogonal ``W*``). Thm 6's test, on rows the search
has not seen, then accepts or rejects each maximiser (:func:`passes_test`).
It maximises ``S_k`` rather than ``|S_k|``: Thm 6 assumes ``E[dP/dX_i |
w_i*^T x = t] >= eps_3 > 0`` (pass ``-y`` for units that lower ``f``). The
ascent has no guarantee (it can stall at a spurious point, which the test then
rejects); for orthogonal ``W*`` (Corollary 1) the constrained rounds search
exactly the complement where the missing directions lie.
"""

import numpy as np
from scipy.stats import norm

from ._backend import asarray, device_of, row_batches, to_numpy

BATCH_ROWS = 65536
"""Rows of ``X`` per batch in the empirical expectations."""

START_BANDWIDTH = 0.5
"""Bandwidth of the first level of the continuation (must stay below 1: the
density-ratio factor ``exp(-(1 - h^2) v^2 / 2)`` must decay)."""

MIN_BANDWIDTH, MAX_BANDWIDTH = 0.015, 0.2
"""Clip of the final bandwidth ``N_active^{-1/3}`` of ``k = 1``."""

RELU_BANDWIDTH = 0.25
"""Final bandwidth of ``k = 2`` (ReLU)."""

COARSE_BANDWIDTH = 0.3
"""Bandwidths at or above this keep a round's ascent orthogonal to the
directions already found; below it the ascent is free (a local refinement)."""

FREE_LEVEL = 2
"""Level from which a round's maximiser climbs again without the orthogonality
constraint (kept unless it lands on a found direction): for non-orthogonal
``W*`` the constrained maximiser sits near the projection of the missing
``w_j*`` on the complement, up to 0.6 rad off (measured, ReLU units, random
unit columns in n=10: the third direction missed in 3 of 4 seeds without this
step, found in 4 of 4 with it, max angles 0.07-0.12)."""

DUPLICATE_COS = 0.9
"""``|cos|`` with a direction already found above which a maximiser is that
direction again (not a new one)."""

DEFAULT_STARTS = {1: 4, 2: 8}
"""Random starts per round of :func:`find_directions`, by order: the ReLU
(``delta''``) landscape at the coarse bandwidths has flat regions where a
third of the starts stall (measured, n=10), the sign one hardly any."""

LEVELS, STEPS = 8, 6
"""Bandwidth levels of the continuation and ascent steps per level."""

TEST_Z = 6.0
"""Thm 6's test: a maximiser is a direction when ``S >= TEST_Z`` standard
errors and ``>= TEST_RELATIVE`` times the largest ``S`` found (measured: true
directions 0.23-0.37 at 12-24 standard errors, spurious maximisers below 0.1
of them, n=10, d=3, t=1, 2e4 active rows)."""

TEST_RELATIVE = 0.25

TEST_BANDWIDTH = 0.1
"""Smallest bandwidth of the test: the peak at ``w_i*`` is ``O(h)`` wide, and
the search's maximiser of a weak unit can sit a few ``h_final`` off it
(measured: 0.03-0.06 rad at ``h_final = 0.037``, 1e4 search rows)."""

_MAX_EXPONENT = 700.0


def order_for_activation(activation):
    """Derivative order of the delta: 1 for the 0/1 unit "sign" (Thm 6), 2 for
    "relu" (App. C.1); None otherwise (no jump or kink at the threshold)."""
    if isinstance(activation, str):
        return {"sign": 1, "relu": 2}.get(activation)
    return None


def final_bandwidth(n_active, order):
    """Final bandwidth of the search: ``clip(N_active^{-1/3}, 0.015, 0.2)`` for
    ``k = 1``, ``RELU_BANDWIDTH`` for ``k = 2`` (module docstring)."""
    if order == 2:
        return RELU_BANDWIDTH
    h = max(n_active, 1) ** (-1.0 / 3.0)
    return min(max(h, MIN_BANDWIDTH), MAX_BANDWIDTH)


def _hermite_e(v, k):
    """Probabilists' Hermite polynomial ``He_k(v)`` (``He_{k+1} = v He_k - k
    He_{k-1}``)."""
    previous, current = 1.0, v
    if k == 0:
        return v * 0.0 + 1.0
    for j in range(1, k):
        previous, current = current, v * current - j * previous
    return current


def delta_correlation(
    X,
    f,
    Z,
    threshold,
    bandwidth,
    order,
    xp,
    *,
    gradient=False,
    active_fraction=1.0,
    batch_rows=BATCH_ROWS,
):
    """The smoothed ``delta^(k)`` correlation ``S_k(z, t; h)`` of each column of ``Z``.

    Parameters
    ----------
    X : array of shape (n_samples, n)
    f : array of shape (n_samples,)
        Labels less ``c0`` (rows with ``f = 0`` may be dropped if ``f`` is
        rescaled so that means stay means over all rows).
    Z : array of shape (n, m)
        Unit columns.
    threshold : float
        The plane's offset ``s`` (the units' threshold ``t``).
    bandwidth : float
        ``h`` in ``(0, 1)``.
    order : {1, 2}
        1: ``delta'`` (sgn units, Lemma 8); 2: ``delta''`` (ReLU, Lemma 19).
    xp : module
    gradient : bool, default=False
        Also return the Euclidean gradient in ``Z``.
    active_fraction : float, default=1.0
        ``r``: ``X`` holds only the rows with ``f != 0``, a fraction ``r`` of
        the sample, and ``f`` is rescaled by ``r`` (``_active_rows``); the
        standard error is that of the mean over all ``n_samples / r`` rows,
        the dropped rows' zero summands included.
    batch_rows : int, default=BATCH_ROWS

    Returns
    -------
    values : array of shape (m,)
    stderr : array of shape (m,)
        Standard error of each value (sample standard deviation of the summand
        over the square root of the number of rows it represents).
    grad : array of shape (n, m)
        Only with ``gradient=True``.
    """
    h, s = float(bandwidth), float(threshold)
    n_samples = X.shape[0]
    total = squares = back = 0.0
    for rows in row_batches(n_samples, batch_rows):
        Xb, fb = X[rows, ...], f[rows]
        P = Xb @ Z
        V = (P - s) / h
        exponent = xp.minimum(-(1.0 - h * h) * V * V / 2.0 + s * h * V, _MAX_EXPONENT)
        weight = fb[:, None] * xp.exp(exponent)
        term = _hermite_e(V, order) * weight
        total = total + xp.sum(term, axis=0)
        squares = squares + xp.sum(term * term, axis=0)
        if gradient:
            # d/dp [He_k(v) e^{-v^2/2} / (phi(p) / phi(s))] = (-He_{k+1}(v) / h +
            # He_k(v) p) (same factor): He_k' - v He_k = -He_{k+1}
            slope = (_hermite_e(V, order) * P - _hermite_e(V, order + 1) / h) * weight
            back = back + Xb.T @ slope
    scale = h**order
    mean = total / n_samples
    # summand u over all N = n_samples / r rows (0 on the dropped ones; the kept
    # ones rescaled by r): E[u^2] = squares / (r n_samples), SE^2 = Var u / N
    r = float(active_fraction)
    variance = xp.maximum(squares / (r * n_samples) - mean * mean, 0.0)
    spread = xp.sqrt(variance * r / n_samples)
    if gradient:
        return mean / scale, spread / scale, back / (n_samples * scale)
    return mean / scale, spread / scale


def expected_jump(powers, coef, threshold, activation, index):
    """Corollary 1's limit ``phi(t) E[dP/dX_i | w_i*^T x = t]`` for orthonormal ``W*``.

    The ``X_j``, ``j != i``, are then independent of ``w_i*^T x``, so the
    conditional mean is ``dP/dX_i`` at ``X_j = mu = E[u(g - t)]`` (``Phi^c(t)``
    for "sign", ``phi(t) - t Phi^c(t)`` for "relu"), i.e. ``1 / mu`` times the
    coefficient of ``X_i`` in ``P(mu (X_1 + 1), ..., mu (X_d + 1))`` (Sec. 3).

    Parameters
    ----------
    powers : ndarray of shape (n_terms, d)
        0/1 exponents of the monomials of ``P`` (multilinear, Assumption 1).
    coef : ndarray of shape (n_terms,)
    threshold : float
    activation : {"sign", "relu"}
    index : int
        The unit ``i``.

    Returns
    -------
    float
    """
    powers, coef = np.asarray(powers), np.asarray(coef, dtype=float)
    if np.any(powers > 1):
        raise ValueError("expected_jump needs a multilinear P (exponents 0 or 1).")
    t = float(threshold)
    mu = norm.sf(t) if activation == "sign" else norm.pdf(t) - t * norm.sf(t)
    with_i = powers[:, index] == 1
    others = np.delete(powers[with_i], index, axis=1).sum(axis=1)
    return float(norm.pdf(t) * np.sum(coef[with_i] * mu**others))


def passes_test(values, stderr, reference=None):
    """Thm 6's test on maximisers: ``S >= TEST_Z`` standard errors and ``>=
    TEST_RELATIVE`` times ``reference`` (default: the largest ``S``)."""
    values = np.asarray(values, dtype=float)
    se = np.asarray(stderr, dtype=float)
    if reference is None:
        reference = float(values.max()) if values.size else 0.0
    return (values >= TEST_Z * se) & (values >= TEST_RELATIVE * reference)


def _ascend(X, f, Z, threshold, bandwidths, order, xp, basis=None):
    """Gradient ascent of ``S_k`` on the sphere, column by column, one
    bandwidth level after another.

    Each step moves along the geodesic of the tangent gradient by an angle that
    starts at ``h`` on every level, doubles after an accepted step and shrinks
    fourfold after a rejected one (at most three tries per step). ``basis``
    (n, r), orthonormal: at bandwidths ``>= COARSE_BANDWIDTH`` the tangent
    direction is projected off ``span(basis)``.
    """
    m = Z.shape[1]
    for h in bandwidths:
        value, _, grad = delta_correlation(
            X, f, Z, threshold, h, order, xp, gradient=True
        )
        angle = xp.full((m,), h, dtype=Z.dtype, device=device_of(Z))
        for _ in range(STEPS):
            T = grad - Z * xp.sum(Z * grad, axis=0)
            if basis is not None and h >= COARSE_BANDWIDTH:
                T = T - basis @ (basis.T @ T)
            T = T / xp.maximum(xp.linalg.vector_norm(T, axis=0), 1e-12)
            for _ in range(3):
                C = xp.cos(angle) * Z + xp.sin(angle) * T
                C = C / xp.linalg.vector_norm(C, axis=0)
                trial = delta_correlation(X, f, C, threshold, h, order, xp)[0]
                accept = trial > value
                Z = xp.where(accept, C, Z)
                value = xp.where(accept, trial, value)
                angle = xp.where(accept, 2.0 * angle, angle / 4.0)
                if bool(xp.all(accept)):
                    break
            value, _, grad = delta_correlation(
                X, f, Z, threshold, h, order, xp, gradient=True
            )
    return Z


def find_directions(
    X,
    f,
    threshold,
    order,
    rng,
    xp,
    *,
    n_directions=None,
    n_starts=None,
    bandwidth=None,
    n_active=None,
    active_fraction=1.0,
):
    """Directions ``w_i*`` as the maximisers of ``S_k(z, t; h)`` that pass Thm 6's test.

    The even rows search, the odd rows test. Round ``r`` draws ``n_starts``
    random unit starts orthogonal to the ``r`` directions found, runs the
    continuation ascent on the even rows (:func:`_ascend`, bandwidths from
    ``START_BANDWIDTH`` down to ``bandwidth`` in ``LEVELS`` geometric levels,
    orthogonal to the found directions while ``h >= COARSE_BANDWIDTH``), and
    takes the start with the largest ``S``; Thm 6's test (:func:`passes_test`)
    then judges it by ``S`` (at bandwidth ``max(bandwidth, TEST_BANDWIDTH)``)
    on the odd rows, which the search has not seen (on
    the search rows the maximum over the sphere of the noise alone reaches six
    standard errors: measured, ReLU units, n=10). An accepted maximiser is
    polished by one more level of ascent at ``bandwidth`` on all rows. With
    ``n_directions=None`` the search stops at the first maximiser that fails
    the test (or at ``n`` directions); otherwise it runs ``n_directions``
    rounds and keeps every maximiser (``passed`` says which passed).

    Parameters
    ----------
    X : array of shape (n_samples, n)
    f : array of shape (n_samples,)
    threshold : float
    order : {1, 2}
    rng : numpy.random.RandomState
        Draws the starts on the host.
    xp : module
    n_directions : int, default=None
    n_starts : int, default=None
        Starts per round; None: ``DEFAULT_STARTS[order]``.
    bandwidth : float, default=None
        Final ``h``; None: :func:`final_bandwidth` of ``n_active``.
    n_active : int, default=None
        Rows with ``f != 0`` behind ``X`` (for the default bandwidth); None:
        ``X.shape[0]``.
    active_fraction : float, default=1.0
        Share of the sample that ``X`` holds (only the rows with ``f != 0``,
        ``f`` rescaled by it), for the test's standard errors
        (:func:`delta_correlation`).

    Returns
    -------
    directions : array of shape (n, r)
        Unit columns (namespace ``xp``).
    values, stderr : ndarray of shape (r,)
        ``S_k`` of the (unpolished) maximisers on the test rows at bandwidth
        ``max(bandwidth, TEST_BANDWIDTH)``, and its standard error (host).
    passed : ndarray of shape (r,) of bool
    bandwidth : float
    """
    n = X.shape[1]
    if n_starts is None:
        n_starts = DEFAULT_STARTS[order]
    if bandwidth is None:
        bandwidth = final_bandwidth(X.shape[0] if n_active is None else n_active, order)
    bandwidths = np.geomspace(START_BANDWIDTH, bandwidth, LEVELS)
    tested = max(bandwidth, TEST_BANDWIDTH)
    search, held = (X[0::2, ...], f[0::2]), (X[1::2, ...], f[1::2])
    limit = n if n_directions is None else n_directions
    found, values, errors = [], [], []
    dev = device_of(X)
    while len(found) < limit:
        basis = None
        starts = rng.standard_normal((n, n_starts))
        if found:
            B = np.linalg.qr(np.stack(found, axis=1))[0]
            starts = starts - B @ (B.T @ starts)
            basis = asarray(B, xp, dtype=X.dtype, device=dev)
        starts = starts / np.linalg.norm(starts, axis=0)
        Z = asarray(starts, xp, dtype=X.dtype, device=dev)
        Z = _ascend(*search, Z, threshold, bandwidths, order, xp, basis)
        value = to_numpy(
            delta_correlation(*search, Z, threshold, bandwidth, order, xp)[0]
        )
        if found:
            # released below COARSE_BANDWIDTH, a start may climb a found peak
            overlap = np.max(np.abs(np.stack(found) @ to_numpy(Z)), axis=0)
            value = np.where(overlap > DUPLICATE_COS, -np.inf, value)
        if not np.any(np.isfinite(value)):
            if n_directions is None:
                break
            # every start climbed a found peak: report a start (orthogonal to
            # the found directions), which the test then rejects
            z = asarray(starts[:, :1], xp, dtype=X.dtype, device=dev)
        else:
            best = int(np.argmax(value))
            z = Z[:, best : best + 1]
        if found and np.any(np.isfinite(value)):
            # the constrained maximiser is near the projection of a missing
            # w_j on the complement; climb again without the constraint
            free = _ascend(*search, z, threshold, bandwidths[FREE_LEVEL:], order, xp)
            overlap = np.max(np.abs(np.stack(found) @ to_numpy(free)))
            z = z if overlap > DUPLICATE_COS else free
        test, error = (
            float(to_numpy(a)[0])
            for a in delta_correlation(
                *held, z, threshold, tested, order, xp, active_fraction=active_fraction
            )
        )
        ok = passes_test([test], [error], max(values + [test]))[0]
        if n_directions is None and not ok:
            break
        z = _ascend(X, f, z, threshold, [bandwidth], order, xp)
        found.append(np.asarray(to_numpy(z[:, 0]), dtype=float))
        values.append(test)
        errors.append(error)
    values, errors = np.asarray(values), np.asarray(errors)
    passed = passes_test(values, errors)
    # host copies of float columns are exact, so this is the ascent's output
    directions = (
        asarray(np.stack(found, axis=1), xp, dtype=X.dtype, device=dev)
        if found
        else xp.zeros((n, 0), dtype=X.dtype, device=dev)
    )
    return directions, values, errors, passed, float(bandwidth)
