"""The formulas of the ICLR 2019 submission "Recovering the Lowest Layer of Deep
Networks with High Threshold Activations", one function each.

The estimator :class:`~sklearn_polynn.HighThresholdLayerRecovery` composes them:

* Sec. 2 / Ge, Lee & Ma (2017): the landscape-design loss ``G(z)`` with the
  weighted Hermite polynomials ``H_2, H_4`` (:func:`landscape_loss`), its
  simultaneous version of App. B.4 (:func:`simultaneous_loss`) and the
  sphere-constrained ``H_4`` objective of Thm 9 (:func:`even_loss`);
* Sec. 2.1, Algorithms 1-2: :func:`estimate_tan_alpha` (probit fit of the
  band curve), :func:`estimate_tan_alpha_bands` (band frequencies, as
  Algorithm 2 states it) and :func:`refine_estimate` (decisions and reports on
  disjoint halves of the rows);
* Thm 7, App. D.1, Algorithm 3: :func:`correlation_graph_supports`;
* the upper polynomial ``P``: :func:`multilinear_powers`,
  :func:`multilinear_features`.

Every expectation over the data is an average over row batches of ``X``: one
evaluation of a loss and its gradient costs one GEMM ``X @ Z``, the products
``X.T @ R`` with twice as many columns, elementwise moments, and
``O(batch * n_columns)`` memory.
"""

import math

import numpy as np
from scipy.optimize import minimize as scipy_minimize
from scipy.special import ndtr
from scipy.stats import norm

from ._backend import asarray, device_of, get_namespace, row_batches, to_numpy

BATCH_ROWS = 65536
"""Rows of ``X`` per batch in the empirical expectations."""

_SQRT2, _SQRT12, _SQRT24 = math.sqrt(2.0), math.sqrt(12.0), math.sqrt(24.0)


def _diag(v):
    """The diagonal matrix of vector ``v`` (``xp.diag`` is not in the standard)."""
    xp = get_namespace(v)
    n = v.shape[0]
    return v[:, None] * xp.eye(n, dtype=v.dtype, device=device_of(v))


def _projection_moments(X, f, Z, xp, batch_rows):
    """One pass over ``X``: ``S_k = mean(f p**k)`` (k = 0, 2, 4) and ``X^T (f p**3)
    / N``, ``X^T (f p) / N`` for the projections ``p = X Z`` (column by column).

    The weighted Hermite polynomials of Sec. 2 are polynomials in ``p`` and
    ``q = ||z||**2`` (``H_2 = (p**2 - q) / sqrt(2)``, ``H_4 = (p**4 - 6 q p**2 +
    3 q**2) / sqrt(24)``), so these moments give ``E[f H_2]``, ``E[f H_4]`` and
    their gradients with three elementwise products per batch and two GEMMs.
    """
    n_samples = X.shape[0]
    s0 = s2 = s4 = back3 = back1 = 0.0
    for rows in row_batches(n_samples, batch_rows):
        Xb, fb = X[rows, ...], f[rows]
        P = Xb @ Z
        fp = fb[:, None] * P
        fp2 = fp * P
        fp3 = fp2 * P
        s0 = s0 + xp.sum(fb)
        s2 = s2 + xp.sum(fp2, axis=0)
        s4 = s4 + xp.sum(fp3 * P, axis=0)
        back3 = back3 + Xb.T @ fp3
        back1 = back1 + Xb.T @ fp
    moments = (s0 / n_samples, s2 / n_samples, s4 / n_samples)
    return moments, back3 / n_samples, back1 / n_samples


def hermite_correlations(X, f, Z, xp, batch_rows=BATCH_ROWS):
    """``(E[f H_2(z, x)], E[f H_4(z, x)])`` for each column ``z`` of ``Z``."""
    (s0, s2, s4), _, _ = _projection_moments(X, f, Z, xp, batch_rows)
    q = xp.sum(Z * Z, axis=0)
    return (s2 - q * s0) / _SQRT2, (s4 - 6.0 * q * s2 + 3.0 * q * q * s0) / _SQRT24


def landscape_loss(X, f, Z, u2, u4, penalty, xp, batch_rows=BATCH_ROWS):
    """Landscape-design loss ``G(z)`` of Sec. 2 and its gradient, column by column.

    ``G(z) = -sgn(u4) E[f H_4(z, x)] + lam (E[f H_2(z, x)] - u2)**2`` (Sec. 2,
    "One-hidden-layer to Deep Neural Network"; Ge, Lee & Ma 2017), divided by
    ``|u4|`` and with ``lam = penalty |u4| / u2**2`` (Claim 2 takes ``lam =
    Theta(|u4| / u2**2)`` in this normalisation), i.e.

        G(z) / |u4| = -m4(z) + penalty (m2(z) - 1)**2,
        m4 = E[f H_4] / u4,  m2 = E[f H_2] / u2,

    which for ``f_lin = sum_i c_i u(w_i^T x - t)`` is ``-sum_i c_i (w_i^T z)**4
    + penalty (sum_i c_i (w_i^T z)**2 - 1)**2``, whose local minima are the
    columns of ``(T W*^T)^{-1}``, ``T = diag(sqrt(c_i))``.

    Parameters
    ----------
    X : array of shape (n_samples, n)
    f : array of shape (n_samples,)
        Labels (the constant ``c0`` already subtracted).
    Z : array of shape (n, n_columns)
        One direction per column (independent restarts).
    u2, u4 : float
        Hermite coefficients of the thresholded activation.
    penalty : float
    xp : module

    Returns
    -------
    loss : float
        Sum over the columns.
    grad : array of shape (n, n_columns)
    per_column : array of shape (n_columns,)
    """
    (s0, s2, s4), back3, back1 = _projection_moments(X, f, Z, xp, batch_rows)
    q = xp.sum(Z * Z, axis=0)
    m2 = (s2 - q * s0) / (_SQRT2 * u2)
    m4 = (s4 - 6.0 * q * s2 + 3.0 * q * q * s0) / (_SQRT24 * u4)
    grad_m4 = (4.0 * back3 - 12.0 * q * back1 + 12.0 * (q * s0 - s2) * Z) / (
        _SQRT24 * u4
    )
    grad_m2 = (2.0 * back1 - 2.0 * s0 * Z) / (_SQRT2 * u2)
    loss = -m4 + penalty * (m2 - 1.0) ** 2
    grad = -grad_m4 + 2.0 * penalty * (m2 - 1.0) * grad_m2
    return float(xp.sum(loss)), grad, loss


def even_loss(X, f, Z, u4, xp, batch_rows=BATCH_ROWS):
    """Thm 9 objective ``-E[f H_4(z, x)] / (u4 ||z||**4)`` and its gradient.

    For even activations at threshold 0 and orthonormal ``W*``,
    ``E[f H_4(z)] = sum_i a_i z_i**4 + sum_{i != j} g_ij z_i**2 z_j**2`` (App.
    D.3, with the weighted ``H_4`` the ``(2||z||**2 - 1)`` terms vanish), whose
    maxima on the unit sphere are the ``w_i`` when ``g_ij < a_i + a_j``. The
    ratio is scale invariant, so plain gradient steps stay near the sphere.

    Returns
    -------
    loss : float
    grad : array of shape (n, n_columns)
    per_column : array of shape (n_columns,)
    """
    (s0, s2, s4), back3, back1 = _projection_moments(X, f, Z, xp, batch_rows)
    q = xp.sum(Z * Z, axis=0)
    m4 = (s4 - 6.0 * q * s2 + 3.0 * q * q * s0) / (_SQRT24 * u4)
    grad_m4 = (4.0 * back3 - 12.0 * q * back1 + 12.0 * (q * s0 - s2) * Z) / (
        _SQRT24 * u4
    )
    loss = -m4 / q**2
    grad = -grad_m4 / q**2 + 4.0 * m4 * Z / q**3
    return float(xp.sum(loss)), grad, loss


def simultaneous_loss(X, f, B, u2, u4, penalty, gamma, xp, batch_rows=BATCH_ROWS):
    """Simultaneous-recovery loss of App. B.4 (Ge, Lee & Ma 2017) and its gradient.

    ``G(B) = sum_{j != k} m4(b_j, b_k) - gamma sum_j m4(b_j, b_j)
    + penalty sum_j (m2(b_j) - 1)**2`` with ``m4(v, w) = E[f He_4(x)[v, v, w,
    w]] / (sqrt(24) u4)`` (equal to ``sum_i c_i (w_i^T v)**2 (w_i^T w)**2`` for
    ``f_lin``) and ``m2`` as in :func:`landscape_loss`. The fourth Hermite
    tensor contracted with ``v, v, w, w`` is ``2 H_2(v) H_2(w) - 4 (v^T w)
    (v^T x)(w^T x) + 2 (v^T w)**2`` (the paper's ``psi``, eq. (1), whose signs
    are garbled in the available text); summed over all ordered pairs it is
    ``S**2 - 2 tr(Q) S - 4 p^T Q p + tr(Q)**2 + 2 ||Q||_F**2`` with ``p = B^T
    x``, ``S = ||p||**2`` and ``Q = B^T B``, so one evaluation is ``O(N n d)``.
    Its local minima satisfy ``B^{-T} = P D W* T^{-1}`` (Theorem 11).

    Returns
    -------
    loss : float
    grad : array of shape (n, d)
    """
    n_samples, d = X.shape[0], B.shape[1]
    Q = B.T @ B
    qd, trq = xp.linalg.diagonal(Q), xp.linalg.trace(Q)
    # E[f S^2], E[f S], E[f p^T Q p], E[f]; E[f p_j^4], E[f p_j^2]; E[f p p^T]
    e_s2 = e_s = e_pqp = e_f = diag4 = diag2 = fpp = back = 0.0
    for rows in row_batches(n_samples, batch_rows):
        Xb = X[rows, ...]
        P = Xb @ B
        fb = f[rows][:, None]
        P2 = P * P  # products, not **: pow is an order of magnitude slower
        S = xp.sum(P2, axis=1, keepdims=True)
        PQ = P @ Q
        fP = fb * P
        e_s2 = e_s2 + xp.sum(fb * S * S)
        e_s = e_s + xp.sum(fb * S)
        e_pqp = e_pqp + xp.sum(fP * PQ)
        e_f = e_f + xp.sum(fb)
        fP2 = fP * P
        diag4 = diag4 + xp.sum(fP2 * P2, axis=0)
        diag2 = diag2 + xp.sum(fP2, axis=0)
        fpp = fpp + P.T @ fP
        # d/dP of [all-pairs sum - (1 + gamma) diagonal sum]; and f p for m2
        dall = 4.0 * (S - trq) * P - 8.0 * PQ
        ddiag = (4.0 * P2 - 12.0 * qd) * P
        weights = xp.concat([fb * (dall - (1.0 + gamma) * ddiag), fP], axis=1)
        back = back + Xb.T @ weights
    e_s2, e_s, e_pqp, e_f = (v / n_samples for v in (e_s2, e_s, e_pqp, e_f))
    diag4, diag2, fpp = diag4 / n_samples, diag2 / n_samples, fpp / n_samples
    back = back / n_samples
    all_pairs = e_s2 - 2 * trq * e_s - 4 * e_pqp + e_f * (trq**2 + 2 * xp.sum(Q * Q))
    diag_terms = diag4 - 6 * qd * diag2 + 3 * qd**2 * e_f
    scale = _SQRT24 * u4
    quartic = (all_pairs - (1.0 + gamma) * xp.sum(diag_terms)) / scale
    m2 = (diag2 - qd * e_f) / (_SQRT2 * u2)
    loss = quartic + penalty * xp.sum((m2 - 1.0) ** 2)
    # through Q = B^T B: dL/dB = 2 B dL/dQ (dL/dQ symmetric)
    eye = xp.eye(d, dtype=X.dtype, device=device_of(X))
    dq_all = -2 * e_s * eye - 4 * fpp + e_f * (2 * trq * eye + 4 * Q)
    dq_diag = _diag(-6 * diag2 + 6 * qd * e_f)
    coef = 2.0 * penalty * (m2 - 1.0) / (_SQRT2 * u2)
    dq = (dq_all - (1.0 + gamma) * dq_diag) / scale - _diag(coef * e_f)
    grad = back[:, :d] / scale + 2.0 * coef * back[:, d:] + 2.0 * B @ dq
    return float(loss), grad


# ---------------------------------------------------------------- refinement
_P_LOW, _P_HIGH = 0.4, 0.6
_PROBIT_GAP = float(norm.ppf(_P_HIGH) - norm.ppf(_P_LOW))
BAND_SAMPLES = 100
"""Samples each band ``l(z, t', eps)`` of EstimateTanAlpha should hold."""
MAX_BAND_WIDTH = 0.1
"""Widest band ``eps`` EstimateTanAlpha accepts."""


def min_samples_for_bands(threshold):
    """Samples needed so a band of width ``MAX_BAND_WIDTH`` at ``t`` holds
    ``BAND_SAMPLES`` of them on average (``x^T z ~ N(0, 1)``)."""
    mass = norm.cdf(threshold) - norm.cdf(threshold - MAX_BAND_WIDTH)
    return int(math.ceil(BAND_SAMPLES / mass))


def _band_probit_fit(s, positive, threshold, start=None, weights=None):
    """Maximum-likelihood fit of the band probability curve of Lemmas 4-5.

    For ``x`` in the band ``l(z, t', eps)``, ``eps -> 0``, Lemma 4 gives
    ``Pr[w^T x >= t] = Phi^c((t - t' cos a) / sin a) = Phi((t' - m) / tau)``
    with ``m = t / cos a`` and ``tau = tan a``, and Lemma 5 adds the other
    units' firing probability ``eta = d e^{-Omega(t^2)}``:
    ``Pr[sgn f | band] = eta + (1 - eta) Phi((t' - m) / tau)``. The three
    parameters are fitted jointly over all bands (probit regression on the
    samples near ``t``, L-BFGS on ``(m, log tau, logit eta)`` with the exact
    gradient), which needs far fewer samples than band-by-band frequencies.

    Returns
    -------
    params : ndarray of shape (3,)
        ``(m, log tau, logit eta)``.
    """

    def nll(params):
        m, log_tau, logit_eta = params
        tau, eta = math.exp(log_tau), 1.0 / (1.0 + math.exp(-logit_eta))
        r = (s - m) / tau
        cdf, pdf = ndtr(r), np.exp(-0.5 * r * r) / math.sqrt(2.0 * math.pi)
        prob = np.clip(eta + (1.0 - eta) * cdf, 1e-300, 1.0 - 1e-16)
        terms = positive * np.log(prob) + (1 - positive) * np.log1p(-prob)
        dprob = (1 - positive) / (1.0 - prob) - positive / prob
        if weights is not None:
            terms, dprob = weights * terms, weights * dprob
        value = -np.sum(terms)
        grad = np.array(
            [
                np.sum(dprob * (1.0 - eta) * pdf) * (-1.0 / tau),
                np.sum(dprob * (1.0 - eta) * pdf * -r),
                np.sum(dprob * (1.0 - cdf)) * eta * (1.0 - eta),
            ]
        )
        return value, grad

    if start is None:
        start = np.array([threshold * 1.01, math.log(0.1), -4.0])
    bounds = [(threshold - 1.0, threshold + 2.0), (math.log(1e-6), 2.0), (-20, 0)]
    result = scipy_minimize(nll, start, jac=True, method="L-BFGS-B", bounds=bounds)
    return result.x


def estimate_tan_alpha(
    s, positive, threshold, start=None, return_params=False, weights=None
):
    """EstimateTanAlpha (Algorithm 2): ``tan(alpha)`` between ``z`` and ``w*``.

    Reads ``t_1, t_2`` where ``Pr[sgn f | x in l(z, t', eps)]`` is 0.4 and 0.6
    and returns ``(t_2 - t_1) / (Phi^{-1}(0.6) - Phi^{-1}(0.4))``. The band
    probabilities as a function of ``t'`` are the probit curve of Lemma 4,
    fitted to the samples with ``z^T x`` within ``[t - 1, t + 2]``
    (:func:`_band_probit_fit`); ``t_1, t_2`` are read off that curve.

    Parameters
    ----------
    s : ndarray of shape (n_samples,)
        Projections ``z^T x`` (host array).
    positive : ndarray of shape (n_samples,)
        ``1.0`` where ``f(x) > c0``.
    threshold : float
    start : ndarray of shape (3,), default=None
        Warm start of the fit (the parameters of a nearby direction).
    return_params : bool, default=False
        Also return the fitted parameters.
    weights : ndarray of shape (n_samples,), default=None
        Sample weights of the likelihood.

    Returns
    -------
    tan_alpha : float
        ``inf`` when no sample near ``t`` is positive.
    params : ndarray of shape (3,) or None
        Only with ``return_params``.
    """
    window = (s > threshold - 1.0) & (s < threshold + 2.0)
    s_w, pos_w = s[window], positive[window]
    w_w = None if weights is None else weights[window]
    if w_w is not None:  # zero-weight rows do not count
        s_w, pos_w, w_w = s_w[w_w > 0], pos_w[w_w > 0], w_w[w_w > 0]
    params = None
    if pos_w.sum() == 0 or pos_w.sum() == pos_w.size:
        tan_alpha = float("inf")
    else:
        params = _band_probit_fit(s_w, pos_w, threshold, start, w_w)
        m, tau = params[0], math.exp(params[1])
        t1 = m + tau * float(norm.ppf(_P_LOW))
        t2 = m + tau * float(norm.ppf(_P_HIGH))
        tan_alpha = (t2 - t1) / _PROBIT_GAP
    return (tan_alpha, params) if return_params else tan_alpha


def estimate_tan_alpha_bands(s, positive, threshold, weights=None):
    """EstimateTanAlpha as Algorithm 2 states it: band frequencies.

    The samples of the window ``z^T x in [t - 1, t + 2]`` are sorted by
    ``z^T x`` and cut into consecutive bands ``l(z, t', eps)`` of
    ``BAND_SAMPLES`` samples each (``eps`` the band's width, ``t'`` its upper
    end); the frequency of ``sgn f`` in each band estimates
    ``Pr[sgn f | x in l(z, t', eps)]``, made non-decreasing in ``t'`` (pool
    adjacent violators, Lemma 4's curve is monotone), and ``t_1, t_2`` are
    where it crosses 0.4 and 0.6 (linear interpolation). Returns
    ``(t_2 - t_1) / (Phi^{-1}(0.6) - Phi^{-1}(0.4))``, or ``inf`` when the
    frequencies never reach 0.4 or never stay below 0.6.

    Parameters
    ----------
    s : ndarray of shape (n_samples,)
        Projections ``z^T x`` (host array).
    positive : ndarray of shape (n_samples,)
    threshold : float
    weights : ndarray of shape (n_samples,), default=None

    Returns
    -------
    tan_alpha : float
    """
    from sklearn.isotonic import IsotonicRegression

    window = (s > threshold - 1.0) & (s < threshold + 2.0)
    order = np.argsort(s[window], kind="stable")
    s_w, pos_w = s[window][order], positive[window][order]
    w_w = np.ones_like(s_w) if weights is None else weights[window][order]
    n_bands = s_w.size // BAND_SAMPLES
    if n_bands < 3:
        return float("inf")
    cut = n_bands * BAND_SAMPLES
    start = s_w.size - cut  # keep the bands nearest the top of the window
    bands = slice(start, s_w.size)
    shape = (n_bands, BAND_SAMPLES)
    w_b = w_w[bands].reshape(shape)
    freq = (pos_w[bands].reshape(shape) * w_b).sum(1) / np.maximum(w_b.sum(1), 1e-300)
    upper = s_w[bands].reshape(shape)[:, -1]
    freq = IsotonicRegression().fit_transform(upper, freq, sample_weight=w_b.sum(1))
    t1, t2 = _crossing(upper, freq, _P_LOW), _crossing(upper, freq, _P_HIGH)
    if not (np.isfinite(t1) and np.isfinite(t2)):
        return float("inf")
    return max(t2 - t1, 0.0) / _PROBIT_GAP


def _crossing(x, p, level):
    """First ``x`` where the non-decreasing ``p`` reaches ``level`` (linear
    interpolation); ``nan`` when it starts above or never reaches it."""
    above = np.flatnonzero(p >= level)
    if above.size == 0 or above[0] == 0:
        return float("nan")
    k = above[0]
    if p[k] == p[k - 1]:
        return float(x[k])
    return float(x[k - 1] + (level - p[k - 1]) * (x[k] - x[k - 1]) / (p[k] - p[k - 1]))


def _window(X, positive, weights, direction, threshold):
    """Host copies of ``z^T x``, ``positive`` and the weights on the samples of
    EstimateTanAlpha's window ``[t - 1, t + 2]``: the projection runs in the
    data's namespace, only the window (a few percent of the rows) goes to the
    host fit."""
    s = X @ direction
    window = (s > threshold - 1.0) & (s < threshold + 2.0)
    w = None if weights is None else to_numpy(weights[window])
    return to_numpy(s[window]), to_numpy(positive[window]), w


REFINE_MIN_DROP = 0.5
"""Algorithm 1's acceptance: a candidate must lower the search-half estimate of
the angle by the factor ``1 - REFINE_MIN_DROP / n`` (Lemma 7: a good
perturbation lowers it by ``Omega(alpha / n)``); smaller drops are noise."""


def refine_estimate(
    X,
    positive,
    z,
    threshold,
    n_iter,
    rng,
    xp,
    weights=None,
    min_drop=None,
    tan_alpha="probit",
):
    """RefineEstimate (Algorithm 1, Thm 5): random local search on the sphere.

    Each step perturbs ``z`` by ``N(0, (alpha / n)**2)`` normal to ``z`` (Lemma
    7: ``Theta(alpha / d)`` in the ambient dimension), renormalises, and keeps
    the candidate when EstimateTanAlpha on the *search* half of the rows (the
    even rows) reports an angle smaller by the factor ``1 - min_drop / n``
    (step 4 of Algorithm 1). The reported angle of each kept direction is
    EstimateTanAlpha on the *report* half (the odd rows), which no accept
    decision has seen: comparing hundreds of candidates on the same samples
    selects for their noise, so the search half's estimate of the winner is
    optimistic, the report half's is not.

    Parameters
    ----------
    X : array of shape (n_samples, n)
    positive : array of shape (n_samples,)
        ``1.0`` where ``f(x) > c0`` (namespace ``xp``).
    z : array of shape (n,)
    threshold : float
    n_iter : int
    rng : numpy.random.RandomState
        Draws the perturbations on the host.
    xp : module
    weights : array of shape (n_samples,), default=None
        Sample weights (namespace ``xp``).
    min_drop : float, default=None
        ``REFINE_MIN_DROP`` when None; 0 accepts every improvement.
    tan_alpha : {"probit", "bands"}, default="probit"
        :func:`estimate_tan_alpha` (probit fit) or
        :func:`estimate_tan_alpha_bands` (Algorithm 2's band frequencies).

    Returns
    -------
    z : array of shape (n,)
        Refined unit direction (namespace ``xp``).
    trace : ndarray of shape (n_iter + 1,)
        Report-half angle estimate ``arctan(tan alpha)`` of the kept ``z``
        after each step.
    """
    n = X.shape[1]
    drop = 1.0 - (REFINE_MIN_DROP if min_drop is None else min_drop) / n
    z = z / xp.linalg.vector_norm(z)
    halves = [
        (
            X[start::2, ...],
            positive[start::2],
            None if weights is None else weights[start::2],
        )
        for start in (0, 1)
    ]

    def angle(half, direction, start):
        # the probit fit (scipy L-BFGS) runs on the host, on the window only
        Xh, ph, wh = halves[half]
        s, pos, w = _window(Xh, ph, wh, direction, threshold)
        if tan_alpha == "bands":
            return math.atan(estimate_tan_alpha_bands(s, pos, threshold, w)), None
        value, params = estimate_tan_alpha(
            s, pos, threshold, start=start, return_params=True, weights=w
        )
        return math.atan(value), params

    alpha, params = angle(0, z, None)
    reported, report_params = angle(1, z, params)
    trace = [reported]
    for _ in range(n_iter):
        step = asarray(rng.standard_normal(n), xp, dtype=X.dtype, device=device_of(X))
        step = step - (step @ z) * z
        candidate = z + (min(reported, 0.5) / n) * step
        candidate = candidate / xp.linalg.vector_norm(candidate)
        new_alpha, new_params = angle(0, candidate, params)
        if new_alpha < alpha * drop:
            z, alpha, params = candidate, new_alpha, new_params
            reported, report_params = angle(1, z, report_params)
        trace.append(reported)
    return z, np.asarray(trace)


# ---------------------------------------------------------- correlation graph
WEAK_GAP_RATIO = 1.5
"""Gap ratios below this get a warning: the cut may be noise (Thm 7 assumes a
constant-factor gap between clique and cross correlations)."""


def correlation_matrix(X, f, xp, batch_rows=BATCH_ROWS):
    """``alpha_ij = E[f x_i x_j]`` of Algorithm 3 (App. D.1), by row batches."""
    out = xp.zeros((X.shape[1], X.shape[1]), dtype=X.dtype, device=device_of(X))
    for rows in row_batches(X.shape[0], batch_rows):
        Xb = X[rows, ...]
        out = out + Xb.T @ (f[rows][:, None] * Xb)
    return out / X.shape[0]


def correlation_graph_supports(alpha, n_hidden):
    """ConstructCorrelationGraph (Algorithm 3) and its cliques (Thm 7).

    Edges join ``i != j`` with ``alpha_ij >= rho``. The cut ``rho`` is placed
    in a gap of the sorted off-diagonal correlations: the gaps are tried from
    the largest ratio ``alpha_(k) / max(alpha_(k+1), noise)`` down, and the
    first whose graph is a union of cliques (disjoint binary supports), with
    ``n_hidden`` of them when given, is kept. Thm 7's within-clique values are
    the coefficients of ``X_r`` in ``P(mu (X + 1))``; its constant-factor gap
    is not imposed (separable instances with a smaller gap are common at
    moderate N), but returned, so the caller can judge it.

    Returns
    -------
    supports : list of ndarray
        Coordinates of each clique (size >= 2), largest correlation first.
    gap_ratio : float
        ``alpha_(k) / max(alpha_(k+1), noise)`` at the cut.

    Raises
    ------
    ValueError
        When no cut gives the cliques, saying what the largest gaps gave.
    """
    alpha = np.asarray(to_numpy(alpha))
    alpha = (alpha + alpha.T) / 2.0
    n = alpha.shape[0]
    iu = np.triu_indices(n, k=1)
    values = np.sort(alpha[iu])[::-1]
    if values.size < 1 or values[0] <= 0:
        raise _no_gap_error("no correlation E[f x_i x_j] (i != j) is positive", None)
    # most pairs are unrelated: their spread is the noise level of the estimates
    noise = 1.4826 * np.median(np.abs(values)) + 1e-300
    floor = np.maximum(values[1:], noise) if values.size > 1 else np.array([noise])
    ratios = values[: floor.size] / floor
    outcomes = []
    for cut in np.argsort(-ratios, kind="stable"):
        if not values[cut] > floor[cut]:
            break  # no gap left: the rest sit at the noise level
        rho = (values[cut] + floor[cut]) / 2.0  # inside the gap
        supports, outcome = _clique_supports(alpha, rho, n_hidden)
        if supports is not None:
            return supports, float(ratios[cut])
        outcomes.append(f"ratio {ratios[cut]:.3g}: {outcome}")
    raise _no_gap_error(
        "no cut of the sorted correlations E[f x_i x_j] gives a graph of "
        + ("disjoint cliques" if n_hidden is None else f"{n_hidden} disjoint cliques"),
        outcomes,
    )


def _clique_supports(alpha, rho, n_hidden):
    """Components of the graph ``alpha_ij >= rho`` if all are cliques (and
    ``n_hidden`` of them when given), else ``(None, what failed)``."""
    adjacency = alpha >= rho
    np.fill_diagonal(adjacency, False)
    supports = _components(adjacency)
    for support in supports:
        block = adjacency[np.ix_(support, support)]
        if np.count_nonzero(block) != support.size * (support.size - 1):
            return None, f"a component of {support.size} coordinates is not a clique"
    if n_hidden is not None and len(supports) != n_hidden:
        return None, f"{len(supports)} cliques of size >= 2"
    return supports, ""


def _components(adjacency):
    """Connected components of size >= 2 of a boolean adjacency matrix."""
    n = adjacency.shape[0]
    seen = np.zeros(n, dtype=bool)
    out = []
    for start in range(n):
        if seen[start] or not adjacency[start].any():
            continue
        stack, members = [start], []
        seen[start] = True
        while stack:
            i = stack.pop()
            members.append(i)
            for j in np.flatnonzero(adjacency[i] & ~seen):
                seen[j] = True
                stack.append(j)
        out.append(np.sort(np.asarray(members)))
    return out


def _no_gap_error(reason, outcomes):
    detail = ""
    if outcomes:
        shown = "; ".join(outcomes[:3])
        more = f" (and {len(outcomes) - 3} smaller gaps)" if len(outcomes) > 3 else ""
        detail = f" Largest gaps: {shown}{more}."
    return ValueError(
        f"method='correlation_graph' (Thm 7) found no usable gap: {reason}.{detail} "
        "The method needs W* with binary (0/1) columns on disjoint supports and "
        "enough samples for the clique correlations to stand out; use "
        "method='landscape' for general W*, or more samples."
    )


# ------------------------------------------------------------ upper polynomial
def multilinear_powers(n_hidden, degree, unit_degree=1):
    """Exponents (n_terms, n_hidden) of the monomials of ``P`` fitted on top.

    Every monomial of total degree 1..``degree`` with each exponent at most
    ``unit_degree``: ``unit_degree=1`` gives the multilinear monomials of
    Assumption 1, larger values the powers of one unit of App. B.8 (ordered by
    total degree, then by the units involved).
    """
    from itertools import combinations_with_replacement

    rows = []
    for total in range(1, degree + 1):
        for units in combinations_with_replacement(range(n_hidden), total):
            row = np.bincount(np.asarray(units), minlength=n_hidden)
            if row.max() <= unit_degree:
                rows.append(row.astype(np.intp))
    return np.asarray(rows, dtype=np.intp).reshape(-1, n_hidden)


def multilinear_features(H, powers, xp):
    """``prod_{j in S} H_j`` for each monomial ``S`` (row of ``powers``)."""
    columns = []
    for row in np.asarray(to_numpy(powers)):
        column = None
        for j in np.flatnonzero(row):
            for _ in range(int(row[j])):
                column = H[:, int(j)] if column is None else column * H[:, int(j)]
        columns.append(column)
    return xp.stack(columns, axis=1)
