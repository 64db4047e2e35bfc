"""Diagnostics for the negative results of Shamir (2018), Section 4.

Shamir shows that for a periodic target ``x -> psi(w*^T x)`` and a smooth input
distribution, the gradient of the squared loss at any fixed point barely depends
on ``w*`` (Thm 7), so gradient methods cannot find ``w*``; in two dimensions the
objective is flat everywhere except near ``+-w*`` (Fig. 2). This module measures
both effects:

* :func:`gradient_variance` -- the variance over a random ``w*`` of the
  population gradient at a fixed point (Thm 7, measured), by Monte Carlo with a
  confidence interval, or to full precision by quadrature for the objective of
  Eq. (2) under Gaussian inputs;
* :func:`periodic_gradient_bound` -- the right-hand side of Thm 7 with the
  constants of its proof, to draw beside the measurement;
* :func:`objective_landscape` -- the objective of Eq. (2) on a 2-D grid of ``w``
  (Fig. 2), in closed form for ``cos``/``sin`` targets under Gaussian inputs and
  by batched Monte Carlo otherwise.

These are host (NumPy) computations: they are diagnostics, not estimators.
"""

import functools
import math
import numbers

import numpy as np
from scipy import special, stats
from sklearn.utils import Bunch, check_random_state

from ._validation import check_positive_int
from .activations import ACTIVATIONS, get_activation

__all__ = ["gradient_variance", "objective_landscape", "periodic_gradient_bound"]

_TWO_PI = 2.0 * math.pi
_PERIODIC = ("cos", "sin")


# --------------------------------------------------------------- targets, models
def _periodic(name):
    """``psi(t) = cos(2 pi t)`` or ``sin(2 pi t)`` with derivative (period 1)."""
    if name == "cos":
        return (
            lambda t: np.cos(_TWO_PI * t),
            lambda t: -_TWO_PI * np.sin(_TWO_PI * t),
        )
    return (
        lambda t: np.sin(_TWO_PI * t),
        lambda t: _TWO_PI * np.cos(_TWO_PI * t),
    )


def _resolve_function(spec, name, *, need_derivative):
    """``(psi, dpsi)`` for a target/activation given by name or as callable(s)."""
    if isinstance(spec, str) and spec in _PERIODIC:
        return _periodic(spec)
    if isinstance(spec, str) and spec in ACTIVATIONS:
        act = get_activation(spec)
        return act.function, act.derivative
    if callable(spec) and not need_derivative:
        return spec, None
    if isinstance(spec, tuple) and len(spec) == 2 and all(map(callable, spec)):
        return spec
    allowed = ", ".join(map(repr, _PERIODIC + tuple(ACTIVATIONS)))
    what = "a (function, derivative) pair" if need_derivative else "a callable"
    raise ValueError(f"{name} must be one of {allowed}, or {what}; got {spec!r}.")


def _evaluate(function, t, name):
    """Apply a user-visible function and insist on finite values of ``t``'s shape."""
    values = np.asarray(function(t), dtype=np.float64)
    if values.shape != np.shape(t):
        raise ValueError(
            f"{name} must return an array of the same shape as its input "
            f"{np.shape(t)}; got shape {values.shape}."
        )
    if not np.all(np.isfinite(values)):
        raise ValueError(
            f"{name} returned non-finite values (NaN or inf) for some inputs; "
            "it must map every real number to a finite real number."
        )
    return values


def _neuron_model(weight, activation):
    """``f(v, x) = sigma(v^T x)`` and its Jacobian ``sigma'(v^T x) x`` at ``v``."""
    sigma, dsigma = activation

    def model(X):
        t = X @ weight
        return (
            _evaluate(sigma, t, "activation"),
            _evaluate(dsigma, t, "activation derivative")[:, None] * X,
        )

    return model


def _call_model(model, X):
    """Evaluate ``model(X) -> (f, J)`` and validate shapes and finiteness."""
    out = model(X)
    if not (isinstance(out, tuple) and len(out) == 2):
        raise ValueError(
            "model must return a pair (predictions of shape (n_samples,), "
            f"jacobian of shape (n_samples, n_params)); got {type(out).__name__}."
        )
    f = np.asarray(out[0], dtype=np.float64)
    J = np.asarray(out[1], dtype=np.float64)
    if f.shape != (len(X),) or J.ndim != 2 or J.shape[0] != len(X):
        raise ValueError(
            f"model returned predictions of shape {f.shape} and jacobian of shape "
            f"{J.shape}; expected ({len(X)},) and ({len(X)}, n_params)."
        )
    if not (np.all(np.isfinite(f)) and np.all(np.isfinite(J))):
        raise ValueError("model returned non-finite predictions or jacobian entries.")
    return f, J


def _check_norm(norm):
    if (
        not isinstance(norm, numbers.Real)
        or isinstance(norm, bool)
        or not math.isfinite(norm)
        or norm <= 0
    ):
        raise ValueError(f"norm must be a finite number > 0; got {norm!r}.")
    return float(norm)


def _random_directions(rng, n_directions, n_features):
    """Rows uniformly distributed on the unit sphere of ``R^d``."""
    U = rng.standard_normal((n_directions, n_features))
    return U / np.linalg.norm(U, axis=1, keepdims=True)


def _resolve_model(model, activation, target, n_features, X):
    """Return ``(model callable, n_features, weight or None)`` for gradient_variance."""
    if callable(model):
        if activation is not None:
            raise ValueError(
                "activation applies to a weight-vector model only; a callable model "
                "returns its own predictions and jacobian."
            )
        if X is not None:
            return model, X.shape[1], None
        if n_features is None:
            raise ValueError(
                "n_features is required when model is a callable and X is None."
            )
        return model, check_positive_int(n_features, "n_features"), None
    weight = np.asarray(model, dtype=np.float64)
    if weight.ndim != 1 or weight.size == 0 or not np.all(np.isfinite(weight)):
        raise ValueError(
            "model must be a callable X -> (predictions, jacobian) or a finite 1-D "
            f"weight vector v of the neuron x -> sigma(v^T x); got {model!r}."
        )
    d = weight.shape[0]
    if X is not None and X.shape[1] != d:
        raise ValueError(f"X has {X.shape[1]} features but the weight has {d}.")
    if n_features is not None and n_features != d:
        raise ValueError(f"n_features={n_features} differs from len(model)={d}.")
    if activation is None:
        if callable(target):
            raise ValueError(
                "activation is required when target is a callable and model is a "
                "weight vector (the neuron needs sigma and sigma')."
            )
        activation = target
    sigma = _resolve_function(activation, "activation", need_derivative=True)
    return _neuron_model(weight, sigma), d, weight


# ------------------------------------------------------------ gradient variance
def _population_gradient_draws(model, psi, W_star, n_samples, rng):
    """Per-target Monte Carlo gradients on fresh Gaussian inputs.

    For each ``w*`` (row of ``W_star``) draws ``n_samples`` fresh ``x ~ N(0, I)``
    and averages ``q(x) = 2 (f(v, x) - psi(w*^T x)) df/dv(v, x)``, the integrand
    of ``grad F_{w*}(v)`` in Shamir (2018), Sec. 4.2. Also returns the
    Monte Carlo variance of each mean, ``tr Cov(q) / n``, estimated unbiasedly.
    """
    n_targets, d = W_star.shape
    means, noise = [], np.empty(n_targets)
    g2 = psi2 = 0.0
    for j, w in enumerate(W_star):
        X = rng.standard_normal((n_samples, d))
        f, J = _call_model(model, X)
        y = _evaluate(psi, X @ w, "target")
        Q = 2.0 * (f - y)[:, None] * J
        m = Q.mean(axis=0)
        noise[j] = (np.sum(Q * Q) - n_samples * (m @ m)) / (
            n_samples * (n_samples - 1.0)
        )
        means.append(m)
        g2 += np.sum(J * J) / n_samples
        psi2 += np.mean(y * y)
    return np.asarray(means), noise, g2 / n_targets, psi2 / n_targets


def _empirical_gradient_draws(model, psi, W_star, X):
    """Exact gradients of the empirical objective on the rows of ``X``."""
    f, J = _call_model(model, X)
    n = len(X)
    block = max(1, 2**22 // n)
    means, psi2 = [], 0.0
    for start in range(0, len(W_star), block):
        Y = _evaluate(psi, X @ W_star[start : start + block].T, "target")
        means.append((2.0 / n) * ((f[:, None] - Y).T @ J))
        psi2 += np.sum(Y * Y) / n
    noise = np.zeros(len(W_star))
    return np.vstack(means), noise, np.sum(J * J) / n, psi2 / len(W_star)


def _variance_components(means, noise, confidence):
    """Between-target variance minus the Monte Carlo noise, with a normal CI.

    ``z_j = T/(T-1) ||g_j - mean(g)||^2 - noise_j`` has mean
    ``Var_{w*}(grad F)`` (the one-way random-effects estimator); the interval is
    ``mean(z) +- z_{(1+c)/2} sd(z) / sqrt(T)``.
    """
    T = len(means)
    dev2 = np.sum((means - means.mean(axis=0)) ** 2, axis=1) * (T / (T - 1.0))
    z = dev2 - noise
    estimate = float(z.mean())
    se = float(z.std(ddof=1) / math.sqrt(T))
    half = stats.norm.ppf(0.5 + confidence / 2.0) * se
    return estimate, se, (estimate - half, estimate + half), float(noise.mean())


def _logsumexp_signed(log_w, values):
    """``log|sum_i exp(log_w_i) values_i|`` and its sign, without overflow."""
    m = np.max(log_w)
    total = float(np.sum(np.exp(log_w - m) * values))
    if total == 0.0:
        return -np.inf, 0.0
    return m + math.log(abs(total)), math.copysign(1.0, total)


@functools.lru_cache(maxsize=4)
def _legendre_nodes(n_nodes):
    """Gauss--Legendre nodes and weights on [-1, 1] (cached: reused per d)."""
    return special.roots_legendre(n_nodes)


def _cosine_direction_law(n_features, n_nodes):
    """Nodes ``t`` and log-weights for ``t = u^T e``, ``u`` uniform on the sphere.

    ``t = cos(phi)`` has density proportional to ``sin(phi)^(d-2)`` on
    ``[0, pi]``; Gauss--Legendre in ``phi``, normalised to sum to one.
    """
    if n_features == 1:
        return np.array([-1.0, 1.0]), np.log([0.5, 0.5])
    x, w = _legendre_nodes(n_nodes)
    phi = 0.5 * math.pi * (x + 1.0)
    log_w = np.log(w) + (n_features - 2) * np.log(np.sin(phi))
    m = log_w.max()
    log_w -= m + math.log(np.sum(np.exp(log_w - m)))
    return np.cos(phi), log_w


def _eq2_gradient_variance(rho, s, n_features, n_nodes=4096):
    """``Var_{w*} grad F_{w*}(v)`` for Eq. (2) under ``x ~ N(0, I_d)``, exactly.

    Shamir (2018), Eq. (2) and Thm 7: ``F(v) = E (cos 2pi v^T x - cos 2pi w*^T x)^2``
    with ``||v|| = rho`` and ``w*`` uniform on the sphere of radius ``s``. From
    ``E[sin(c^T x) x] = c exp(-||c||^2 / 2)`` the ``w*``-dependent part of the
    gradient is ``4 pi^2 [rho (E+ + E-) v/|v| + s (E+ - E-) w*/s]`` with
    ``E+- = exp(-2 pi^2 (rho^2 + s^2 +- 2 rho s t))``, ``t`` the cosine between
    ``v`` and ``w*``; its variance over ``t`` reduces to

    ``32 pi^4 e^{-4 pi^2 (rho^2+s^2)} [J1 + rho^2 - s^2 - 2 J2^2]``,
    ``J1 = E[e^{2 k t} (rho^2 + s^2 - 2 rho s t)]``, ``J2 = E[(rho - s t) e^{k t}]``,
    ``k = 4 pi^2 rho s``, computed in log space. Returns ``(log variance,
    log|J2| + log sign, sign of J2)`` (natural logs; ``-inf`` when it is 0 to
    working precision).
    """
    t, log_w = _cosine_direction_law(n_features, n_nodes)
    k = 4.0 * math.pi**2 * rho * s
    q = rho**2 + s**2 - 2.0 * rho * s * t
    log_j1, _ = _logsumexp_signed(log_w + 2.0 * k * t, q)
    log_j2, sign_j2 = _logsumexp_signed(log_w + k * t, rho - s * t)
    scale = max(log_j1, 2.0 * log_j2, 0.0)
    bracket = (
        math.exp(log_j1 - scale)
        + (rho**2 - s**2) * math.exp(-scale)
        - 2.0 * math.exp(2.0 * log_j2 - scale)
    )
    if bracket <= 0.0:
        return -np.inf, log_j2, sign_j2
    log_var = (
        math.log(32.0 * math.pi**4)
        - 4.0 * math.pi**2 * (rho**2 + s**2)
        + scale
        + math.log(bracket)
    )
    return log_var, log_j2, sign_j2


def _eq2_quadrature_result(weight, norm):
    """Bunch fields of :func:`gradient_variance` for ``method="quadrature"``."""
    d = weight.shape[0]
    rho = float(np.linalg.norm(weight))
    log_var, log_j2, sign_j2 = _eq2_gradient_variance(rho, norm, d)
    b2 = (_TWO_PI * rho) ** 2
    # E||d f/dv||^2 = 4 pi^2 E[sin^2(b^T x) ||x||^2], b = 2 pi v
    g2 = 2.0 * math.pi**2 * (d - math.exp(-2.0 * b2) * (d - 4.0 * b2))
    psi2 = 0.5 * (1.0 + math.exp(-2.0 * (_TWO_PI * norm) ** 2))
    # E_{w*} grad F = 2 E[f J] + E_{w*}[w*-part]; 2 E[f J] = -4 pi b e^{-2||b||^2}
    mean = -4.0 * math.pi * _TWO_PI * weight * math.exp(-2.0 * b2)
    if rho > 0 and np.isfinite(log_j2):
        coef = 8.0 * math.pi**2 * math.exp(-2.0 * math.pi**2 * (rho**2 + norm**2))
        mean = mean + sign_j2 * coef * math.exp(log_j2) * weight / rho
    variance = math.exp(log_var) if np.isfinite(log_var) else 0.0
    return Bunch(
        variance=variance,
        log10_variance=log_var / math.log(10.0),
        ci=(variance, variance),
        standard_error=0.0,
        resolution=0.0,
        mean_gradient=mean,
        gradient_second_moment=g2,
        target_second_moment=psi2,
        relative_variance=variance / (4.0 * psi2 * g2) if g2 > 0 else 0.0,
        n_targets=None,
        n_samples=None,
    )


def _check_gradient_variance_args(method, X, n_targets, n_samples, confidence):
    if method not in ("monte_carlo", "quadrature"):
        raise ValueError(
            f"method must be 'monte_carlo' or 'quadrature'; got {method!r}."
        )
    if X is not None:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[0] < 1 or not np.all(np.isfinite(X)):
            raise ValueError(
                "X must be a finite 2-D array of shape (n_samples, n_features)."
            )
    if check_positive_int(n_targets, "n_targets") < 2:
        raise ValueError(f"n_targets must be >= 2 for a variance; got {n_targets}.")
    if check_positive_int(n_samples, "n_samples") < 2:
        raise ValueError(f"n_samples must be >= 2; got {n_samples}.")
    if not isinstance(confidence, numbers.Real) or not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1); got {confidence!r}.")
    return X


def gradient_variance(
    model,
    target="cos",
    *,
    norm=1.0,
    n_features=None,
    activation=None,
    X=None,
    method="monte_carlo",
    n_targets=100,
    n_samples=10_000,
    confidence=0.95,
    random_state=None,
):
    """Variance over a random ``w*`` of the population gradient at a fixed point.

    For the objective ``F_{w*}(v) = E_x (f(v, x) - psi(w*^T x))^2`` with ``w*``
    uniform on the sphere of radius ``norm``, returns
    ``Var_{w*}(grad F_{w*}(v)) = E_{w*} ||grad F_{w*}(v) - E_{w*} grad F_{w*}(v)||^2``,
    the quantity bounded by Shamir (2018), Thm 7. For a periodic ``psi`` it is
    exponentially small in ``norm**2`` (the gradient carries no signal about
    ``w*``), and exponentially small in ``d`` when ``norm`` grows with ``d``; at
    a fixed ``norm`` it falls only like ``1/d`` once ``d >~ (4 pi**2 ||v||
    norm)**2`` (see Notes). For a ReLU target it is not small.

    Parameters
    ----------
    model : array-like of shape (n_features,) or callable
        The fixed point ``v``. A weight vector ``v`` means the single neuron
        ``f(v, x) = sigma(v^T x)`` with ``sigma`` given by ``activation`` (the
        model of Eq. (2) when ``sigma = psi``). A callable ``model(X) ->
        (predictions, jacobian)`` returns ``f(v, x_i)`` of shape (n_samples,)
        and ``df/dv(v, x_i)`` of shape (n_samples, n_params) for any network.
    target : {"cos", "sin"}, activation name, or callable, default="cos"
        ``psi``: "cos"/"sin" are ``cos(2 pi t)``/``sin(2 pi t)`` (period 1,
        values in [-1, 1], as Thm 7 requires); a name of
        :data:`~sklearn_polynn.activations.ACTIVATIONS` (e.g. "relu"); or a
        vectorised callable, which must return finite values.
    norm : float, default=1.0
        ``||w*||`` (the theorem's ``2 r``).
    n_features : int, default=None
        ``d``; needed only when ``model`` is a callable and ``X`` is None.
    activation : str or (function, derivative), default=None
        ``sigma`` of the neuron when ``model`` is a weight vector; ``None`` uses
        ``target`` (then ``target`` must be a name).
    X : array-like of shape (n_samples, n_features), default=None
        ``None``: ``x ~ N(0, I_d)``, with ``n_samples`` fresh inputs per target.
        An array: the empirical distribution of its rows (the gradient of the
        empirical objective, computed exactly for each target).
    method : {"monte_carlo", "quadrature"}, default="monte_carlo"
        "quadrature": exact to ~1e-11 relative precision, computed in log
        space (so even 1e-300 is resolved), for Eq. (2) -- target "cos", a
        weight-vector model with activation "cos" (or None), Gaussian inputs.
    n_targets : int, default=100
        Number of random ``w*`` (Monte Carlo only).
    n_samples : int, default=10000
        Inputs per target when ``X`` is None (Monte Carlo only).
    confidence : float, default=0.95
        Level of the normal confidence interval over targets.
    random_state : int, RandomState instance or None, default=None
        Seed for ``w*`` and the inputs.

    Returns
    -------
    result : Bunch
        ``variance`` (unbiased; may be slightly negative when below the Monte
        Carlo ``resolution``), ``ci`` (low, high), ``standard_error``,
        ``resolution`` (mean Monte Carlo variance of one target's gradient; the
        estimate subtracts it), ``mean_gradient`` (n_params,),
        ``gradient_second_moment`` ``G^2 = E||df/dv||^2``,
        ``target_second_moment`` ``E psi(w*^T x)^2``, ``relative_variance``
        ``variance / (4 E[psi^2] G^2)`` (in [0, 1] by Cauchy--Schwarz),
        ``log10_variance`` (quadrature only), and the settings used.

    See Also
    --------
    periodic_gradient_bound : The right-hand side of Thm 7.
    objective_landscape : The objective of Eq. (2) on a grid (Fig. 2).
    sklearn_polynn.datasets.make_periodic_ridge : Samples of ``psi(w*^T x)``.

    Notes
    -----
    *How the variance scales with d (Eq. (2), Gaussian inputs).* Thm 7's bound
    is ``exp(-Omega(min{d, r**2}))``: it needs *both* ``d`` and ``||w*||`` large.
    At a fixed ``||w*|| = s`` and ``||v|| = rho`` the cosine ``t`` between ``v``
    and ``w*`` is ``~ N(0, 1/d)``, and once ``d >~ k**2``, ``k = 4 pi**2 rho s``
    (so that ``k t << 1``), the variance falls only like ``1/d``:

        ``Var ~ 64 pi**4 k**2 s**2 exp(-4 pi**2 (rho**2 + s**2)) / d``

    (the linear term of ``exp(+-k t)``; the relative correction is of order
    ``k**2 / d``, 1.3% by "quadrature" at ``rho = s = 0.5``, ``d = 10**4``).
    Below ``d ~ k**2`` it falls faster than ``1/d``. The exponentially small
    factor ``exp(-4 pi**2 (rho**2 + s**2))`` is set by the norms, not by ``d``:
    the decay is exponential in ``d`` only when ``||w*||`` grows with ``d``
    (with ``s = c sqrt(d)``, ``log Var`` falls linearly in ``d``).

    Monte Carlo with ``X=None`` draws ``T = n_targets`` directions and, for
    each, ``n`` fresh inputs; the mean ``g_j`` of ``q = 2 (f - psi) df/dv`` has
    variance ``Var_{w*} + tr Cov(q)/n``, so the estimator subtracts the
    per-target sample estimate of ``tr Cov(q)/n`` (one-way random effects). The
    interval is a normal interval over targets; it is unreliable when the
    gradient is dominated by rare targets (small ``n_targets``, ``w*`` near
    ``+-v`` in low ``d``) -- use ``method="quadrature"`` there when it applies.

    References
    ----------
    .. [1] O. Shamir, "Distribution-specific hardness of learning neural
       networks", JMLR 19(32), 2018, Eq. (1)-(2), Thm 7 and its proof (Sec. 5.3).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_polynn.hardness import gradient_variance
    >>> v = np.array([0.5, 0.0, 0.0])
    >>> small = gradient_variance(v, "cos", norm=0.5, method="quadrature")
    >>> large = gradient_variance(v, "cos", norm=1.5, method="quadrature")
    >>> round(float(small.log10_variance), 1), round(float(large.log10_variance), 1)
    (0.3, -15.7)
    """
    X = _check_gradient_variance_args(method, X, n_targets, n_samples, confidence)
    norm = _check_norm(norm)
    psi, _ = _resolve_function(target, "target", need_derivative=False)
    model_fn, d, weight = _resolve_model(model, activation, target, n_features, X)
    settings = {"n_features": d, "norm": norm, "method": method}
    if method == "quadrature":
        if not (
            weight is not None
            and X is None
            and isinstance(target, str)
            and target == "cos"
            and activation in (None, "cos")
        ):
            raise ValueError(
                "method='quadrature' computes Eq. (2) exactly: it needs "
                "target='cos', a weight-vector model with activation 'cos' (or "
                "None) and X=None (Gaussian inputs); use method='monte_carlo'."
            )
        return Bunch(**_eq2_quadrature_result(weight, norm), **settings)
    rng = check_random_state(random_state)
    W_star = norm * _random_directions(rng, n_targets, d)
    if X is None:
        draws = _population_gradient_draws(model_fn, psi, W_star, n_samples, rng)
    else:
        draws = _empirical_gradient_draws(model_fn, psi, W_star, X)
        n_samples = len(X)
    means, noise, g2, psi2 = draws
    estimate, se, ci, resolution = _variance_components(means, noise, confidence)
    return Bunch(
        variance=estimate,
        ci=ci,
        confidence=confidence,
        standard_error=se,
        resolution=resolution,
        mean_gradient=means.mean(axis=0),
        gradient_second_moment=g2,
        target_second_moment=psi2,
        relative_variance=estimate / (4.0 * psi2 * g2) if psi2 * g2 > 0 else 0.0,
        n_targets=n_targets,
        n_samples=n_samples,
        **settings,
    )


# ------------------------------------------------------------------ Thm 7 bound
def _fourier_concentration(r, n_features, input_variance):
    """``eps(r)`` of Definition 6 for ``N(0, sigma^2 I_d)``, exactly.

    With ``phi^2`` the density, ``phi_hat`` is proportional to
    ``exp(-4 pi^2 sigma^2 ||xi||^2)``, so ``|phi_hat|^2`` is the
    ``N(0, I / (16 pi^2 sigma^2))`` density and
    ``eps(r) = sqrt(P(chi^2_d >= 16 pi^2 sigma^2 r^2))``.
    """
    return np.sqrt(stats.chi2.sf(16.0 * math.pi**2 * input_variance * r**2, n_features))


def _thm7_bound(g2, n_features, norm, input_variance):
    """``4 * 10 G^2 (exp(-d/20) + sum_{n>=1} eps(n r))`` with ``r = norm / 2``.

    Shamir (2018), Thm 7 with the constants of its proof (Lemma 17: ``c2 = 10``,
    ``c3 = 1/20``, ``d >= 40``). The proof writes the gradient without the
    factor 2 of the squared loss; the gradient of ``E (f - psi)^2`` is twice
    that, hence the factor 4 on the variance.
    """
    r = norm / 2.0
    # beyond this n, 16 pi^2 sigma^2 (n r)^2 exceeds d + 50 sqrt(2d) + 1000 and
    # the chi-square tail is below exp(-400): negligible against exp(-d/20)
    tail = n_features + 50.0 * math.sqrt(2.0 * n_features) + 1000.0
    n_max = math.ceil(math.sqrt(tail / (16.0 * math.pi**2 * input_variance)) / r)
    n = np.arange(1, max(n_max, 1) + 1)
    eps_sum = float(np.sum(_fourier_concentration(n * r, n_features, input_variance)))
    return 40.0 * g2 * (math.exp(-n_features / 20.0) + eps_sum)


def periodic_gradient_bound(
    gradient_second_moment, n_features, norm, *, input_variance=1.0
):
    """Upper bound of Thm 7 on the gradient variance for periodic targets.

    For ``psi`` of period 1 with values in ``[-1, 1]``, inputs
    ``x ~ N(0, sigma^2 I_d)`` and ``w*`` uniform on the sphere of radius
    ``norm = 2 r``, Shamir (2018), Thm 7 gives

    ``Var_{w*}(grad F_{w*}(v)) <= 40 G^2 (exp(-d/20) + sum_{n>=1} eps(n r))``

    where ``G^2 = E||df/dv(v, x)||^2``, ``eps(r) = sqrt(P(chi^2_d >= 16 pi^2
    sigma^2 r^2))`` is the exact Fourier concentration of the Gaussian
    (Definition 6), and ``40 = 4 * 10``: 10 is the constant of the proof
    (Lemma 17) and 4 the square of the factor 2 in the gradient of the
    squared loss, which the proof omits.

    Parameters
    ----------
    gradient_second_moment : float or array-like
        ``G^2 = E||df/dv||^2`` at the point ``v`` (``gradient_variance``
        returns it).
    n_features : int or array-like of int
        ``d``. The proof needs ``d >= 40``; for smaller ``d`` the expression is
        returned anyway and is vacuous (above the trivial bound ``4 G^2``).
    norm : float or array-like
        ``||w*||`` for a period-1 ``psi`` (for period ``P`` pass ``norm / P``).
    input_variance : float, default=1.0
        ``sigma^2``; for a general covariance pass its smallest eigenvalue
        (then the bound is still valid, if looser).

    Returns
    -------
    bound : float or ndarray
        Broadcast over the array-like arguments.

    See Also
    --------
    gradient_variance : The measured left-hand side.

    Notes
    -----
    The bound is below the trivial ``4 G^2`` only when both terms are small:
    ``40 exp(-d/20) < 4`` needs ``d > 46``, and ``eps(r)`` is small only when
    ``4 pi sigma r`` exceeds about ``sqrt(d)`` (the radius of the Gaussian's
    Fourier mass), i.e. ``||w*|| > sqrt(d) / (2 pi sigma)`` roughly. At fixed
    ``||w*||`` it is therefore not monotone in ``d``.

    References
    ----------
    .. [1] O. Shamir, "Distribution-specific hardness of learning neural
       networks", JMLR 19(32), 2018, Thm 7, Definition 6, Lemma 17.

    Examples
    --------
    >>> from sklearn_polynn.hardness import periodic_gradient_bound
    >>> print(f"{periodic_gradient_bound(1.0, n_features=200, norm=3.0):.2e}")
    2.19e-03
    """
    g2, d, norm = np.broadcast_arrays(
        np.asarray(gradient_second_moment, dtype=np.float64),
        np.asarray(n_features),
        np.asarray(norm, dtype=np.float64),
    )
    if np.any(~np.isfinite(g2)) or np.any(g2 < 0):
        raise ValueError("gradient_second_moment must be finite and >= 0.")
    if not np.issubdtype(d.dtype, np.integer) or np.any(d < 1):
        raise ValueError(f"n_features must be integers >= 1; got {n_features!r}.")
    if np.any(~np.isfinite(norm)) or np.any(norm <= 0):
        raise ValueError(f"norm must be finite and > 0; got {norm!r}.")
    if not (isinstance(input_variance, numbers.Real) and input_variance > 0):
        raise ValueError(f"input_variance must be > 0; got {input_variance!r}.")
    out = np.array(
        [
            _thm7_bound(float(a), int(b), float(c), float(input_variance))
            for a, b, c in zip(g2.ravel(), d.ravel(), norm.ravel())
        ]
    ).reshape(g2.shape)
    return float(out) if out.ndim == 0 else out


# ------------------------------------------------------------ objective landscape
def _trig_gaussian_correlation(target, A, c):
    """``E[psi(a^T x) psi(c^T x)]``, ``x ~ N(0, I)``, for rows ``a`` of ``A``.

    ``psi = cos(2 pi .)``: ``(e^{-|a-c|^2/2} + e^{-|a+c|^2/2}) / 2`` with the
    ``2 pi`` folded into ``a, c``; ``sin``: the same with a minus sign (from
    ``E[e^{i u^T x}] = e^{-|u|^2/2}``).
    """
    A = _TWO_PI * A
    c = _TWO_PI * np.asarray(c)
    minus = np.exp(-0.5 * np.sum((A - c) ** 2, axis=-1))
    plus = np.exp(-0.5 * np.sum((A + c) ** 2, axis=-1))
    return 0.5 * (minus + plus) if target == "cos" else 0.5 * (minus - plus)


def _eq2_objective_closed_form(target, W, w_star):
    """Eq. (2) of Shamir (2018), ``E (psi(w^T x) - psi(w*^T x))^2``, exactly."""
    return (
        _trig_gaussian_correlation(target, W, W)
        + _trig_gaussian_correlation(target, w_star[None, :], w_star)
        - 2.0 * _trig_gaussian_correlation(target, W, w_star)
    )


def _eq2_objective_monte_carlo(psi, W, w_star, n_samples, batch_size, rng):
    """Eq. (2) by Monte Carlo with the same inputs at every grid point.

    Memory stays ``O(batch_size * n_grid)``: inputs come in batches and only
    the running sums of the loss and its square are kept.
    """
    total = np.zeros(len(W))
    total_sq = np.zeros(len(W))
    for start in range(0, n_samples, batch_size):
        X = rng.standard_normal((min(batch_size, n_samples - start), len(w_star)))
        y = _evaluate(psi, X @ w_star, "target")
        loss = (_evaluate(psi, X @ W.T, "target") - y[:, None]) ** 2
        total += loss.sum(axis=0)
        total_sq += (loss**2).sum(axis=0)
    mean = total / n_samples
    var = np.maximum(total_sq / n_samples - mean**2, 0.0)
    return mean, np.sqrt(var / max(n_samples - 1, 1))


def _grid_axes(grid, extent):
    """The two 1-D axes of the ``w`` grid."""
    if isinstance(grid, numbers.Integral) and not isinstance(grid, bool):
        n = check_positive_int(grid, "grid")
        if not (isinstance(extent, numbers.Real) and 0 < extent < np.inf):
            raise ValueError(f"extent must be a finite number > 0; got {extent!r}.")
        axis = np.linspace(-extent, extent, n)
        return axis, axis
    try:
        w1, w2 = (np.asarray(a, dtype=np.float64) for a in grid)
    except (TypeError, ValueError):
        w1 = w2 = None
    if w1 is None or any(a.ndim != 1 or a.size == 0 for a in (w1, w2)):
        raise ValueError(
            "grid must be an int (points per axis on [-extent, extent]) or a pair "
            f"of non-empty 1-D arrays (w1 values, w2 values); got {grid!r}."
        )
    if not (np.all(np.isfinite(w1)) and np.all(np.isfinite(w2))):
        raise ValueError("grid values must be finite.")
    return w1, w2


def _landscape_bytes(n_grid, method, batch_size):
    """Estimated peak bytes: grid, outputs and (Monte Carlo) one batch block."""
    per_point = 12 if method == "closed_form" else 6 + 3 * batch_size
    return 8 * n_grid * per_point


def objective_landscape(
    target="cos",
    *,
    weight=(2.0, 2.0),
    grid=101,
    extent=3.0,
    method="auto",
    n_samples=100_000,
    batch_size=1024,
    max_bytes=2**30,
    random_state=None,
):
    """Expected squared loss of ``x -> psi(w^T x)`` on a 2-D grid of ``w`` (Fig. 2).

    Evaluates Eq. (2) of Shamir (2018),
    ``F(w) = E_{x ~ N(0, I_2)} (psi(w^T x) - psi(w*^T x))^2``, at every point
    of a grid. For ``psi = cos(2 pi .)`` and ``w* = (2, 2)`` this is Fig. 2: a
    maximum at 0, minima at ``+-w*``, and a plateau everywhere else.

    Parameters
    ----------
    target : {"cos", "sin"}, activation name, or callable, default="cos"
        ``psi`` (see :func:`gradient_variance`); a callable must be vectorised
        and return finite values.
    weight : array-like of shape (2,), default=(2.0, 2.0)
        ``w*``.
    grid : int or pair of 1-D arrays, default=101
        An int ``n``: ``n x n`` points on ``[-extent, extent]^2``; or the axes
        ``(w1 values, w2 values)``.
    extent : float, default=3.0
        Half-width of the square grid when ``grid`` is an int.
    method : {"auto", "closed_form", "monte_carlo"}, default="auto"
        "closed_form" (exact, for "cos"/"sin": ``E[cos(a^T x) cos(c^T x)] =
        (e^{-|a-c|^2/2} + e^{-|a+c|^2/2}) / 2``); "monte_carlo" (any ``psi``,
        the same ``n_samples`` inputs at every grid point, in batches);
        "auto" picks the closed form when it exists.
    n_samples : int, default=100000
        Monte Carlo inputs.
    batch_size : int, default=1024
        Monte Carlo inputs per batch; memory is ``O(batch_size * n_grid)``.
    max_bytes : int, default=2**30
        Refuse (``ValueError`` with the estimate) grids whose computation
        would need more memory than this.
    random_state : int, RandomState instance or None, default=None
        Seed of the Monte Carlo inputs.

    Returns
    -------
    result : Bunch
        ``w1`` (n1,), ``w2`` (n2,), ``loss`` (n2, n1) with ``loss[i, j] =
        F((w1[j], w2[i]))`` (the ``np.meshgrid`` layout), ``standard_error``
        (n2, n1; zeros for the closed form), ``weight``, ``method``,
        ``n_samples`` (None for the closed form).

    See Also
    --------
    gradient_variance : The same flatness, as gradient variance over ``w*``.

    References
    ----------
    .. [1] O. Shamir, "Distribution-specific hardness of learning neural
       networks", JMLR 19(32), 2018, Eq. (2) and Fig. 2.

    Examples
    --------
    >>> from sklearn_polynn.hardness import objective_landscape
    >>> land = objective_landscape(grid=61, extent=3.0)
    >>> round(float(land.loss.min()), 6), round(float(land.loss.max()), 3)
    (0.0, 1.5)
    >>> round(float(land.loss[30, 45]), 6)  # w = (1.5, 0): the plateau
    1.0
    """
    psi, _ = _resolve_function(target, "target", need_derivative=False)
    w_star = np.asarray(weight, dtype=np.float64)
    if w_star.shape != (2,) or not np.all(np.isfinite(w_star)):
        raise ValueError(f"weight must be a finite vector of length 2; got {weight!r}.")
    closed = isinstance(target, str) and target in _PERIODIC
    if method == "auto":
        method = "closed_form" if closed else "monte_carlo"
    elif method not in ("closed_form", "monte_carlo"):
        raise ValueError(
            f"method must be 'auto', 'closed_form' or 'monte_carlo'; got {method!r}."
        )
    if method == "closed_form" and not closed:
        raise ValueError(
            "method='closed_form' exists for target 'cos' or 'sin' only; "
            f"got target={target!r}. Use method='monte_carlo'."
        )
    n_samples = check_positive_int(n_samples, "n_samples")
    batch_size = min(check_positive_int(batch_size, "batch_size"), n_samples)
    w1, w2 = _grid_axes(grid, extent)
    n_grid = w1.size * w2.size
    needed = _landscape_bytes(n_grid, method, batch_size)
    if needed > max_bytes:
        raise ValueError(
            f"A grid of {w1.size} x {w2.size} = {n_grid} points needs about "
            f"{needed} bytes ({needed / 2**30:.2f} GiB) with method={method!r}"
            + (f" and batch_size={batch_size}" if method == "monte_carlo" else "")
            + f", more than max_bytes={max_bytes}. Use a coarser grid"
            + (", a smaller batch_size" if method == "monte_carlo" else "")
            + " or raise max_bytes."
        )
    G1, G2 = np.meshgrid(w1, w2)
    W = np.column_stack([G1.ravel(), G2.ravel()])
    if method == "closed_form":
        loss = _eq2_objective_closed_form(target, W, w_star)
        se, used = np.zeros_like(loss), None
    else:
        rng = check_random_state(random_state)
        loss, se = _eq2_objective_monte_carlo(
            psi, W, w_star, n_samples, batch_size, rng
        )
        used = n_samples
    shape = (w2.size, w1.size)
    return Bunch(
        w1=w1,
        w2=w2,
        loss=loss.reshape(shape),
        standard_error=se.reshape(shape),
        weight=w_star,
        method=method,
        n_samples=used,
    )
