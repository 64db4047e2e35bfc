"""HighThresholdLayerRecovery: recover the lowest layer of a deep network whose
first layer uses a high threshold (ICLR 2019 submission "Recovering the Lowest
Layer of Deep Networks with High Threshold Activations").

For ``f(x) = P(u(w_1^T x - t), ..., u(w_d^T x - t))`` with ``x ~ N(0, I_n)``, a
high threshold ``t`` and an unknown polynomial ``P`` (the upper layers), the
estimator recovers ``W*`` with one of the paper's methods (landscape design,
Sec. 2 / App. B.4; RefineEstimate, Sec. 2.1; correlation graph, Thm 7; the
``H_4`` objective for even activations, Thm 9), then fits ``P`` by ridge
regression on multilinear monomials of the recovered hidden units. The formulas
live in :mod:`sklearn_polynn._high_threshold`.
"""

import math
import warnings
from numbers import Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    RegressorMixin,
    TransformerMixin,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state

from . import _high_threshold as _ht
from . import _high_threshold_binary as _htb
from . import _high_threshold_delta as _htd
from ._backend import asarray, device_of, lstsq, to_numpy
from ._base import _PolynnEstimatorMixin
from ._compat import Interval, IntInterval, StrOptions, _fit_context
from ._optim import make_optimizer, minimize
from ._validation import (
    ITERATIVE_CONSTRAINTS,
    check_y_given,
    validate_fitted_input,
    validate_input,
    validate_sample_weight,
)
from .activations import Activation, _step, _zero, get_activation
from .hermite import hermite_coefficients

__all__ = ["HighThresholdLayerRecovery"]

_METHODS = {
    "landscape",
    "simultaneous",
    "correlation_graph",
    "even",
    "delta_correlation",
    "binary_exp",
}
_SAME_MINIMUM = 0.5  # |cosine| (in the E[f H_2] metric) above which two minima agree
_SIMULTANEOUS_GAMMA = 0.01  # Theorem 10/11: gamma <= c, "c = 0.01 suffices"
_EVEN_OVERLAP = 0.2  # |cos| between Thm 9 maxima above which W* is not orthonormal
_SYNTHETIC_FACTOR = 4  # Gaussian draws per row for E[g phi] (control variates)
_MIN_SYNTHETIC = 200_000
_SYNTHETIC_CHUNK = 250_000
_ACTIVE_PER_FEATURE = 25  # active samples per feature for ~0.2 rad (sqrt(n / N_a))


def _hidden_unit(activation):
    """The unit ``u`` applied to ``w^T x - t``; "sign" is the 0/1 step ``1[a > 0]``
    of the paper's union of halfspaces (App. B.6), as in
    :func:`~sklearn_polynn.datasets.make_high_threshold_network`."""
    if isinstance(activation, str) and activation == "sign":
        return Activation("step", _step, _zero)
    return get_activation(activation)


def _unit_hermite_coefficients(activation, unit, threshold, max_degree=4):
    """``u_hat_k = E[u(g - t) h_k(g)]``, ``k = 0..max_degree``, ``g ~ N(0, 1)``.

    The step ``1[g > t]`` is the derivative of ``max(0, g - t)``, and Gaussian
    integration by parts (``E[u' He_k] = E[u He_{k+1}]``) gives its normalized
    coefficients as ``sqrt(k + 1)`` times those of the thresholded ReLU.
    """
    if isinstance(activation, str) and activation in ("relu", "sign"):
        relu_t = get_activation("high_threshold_relu", threshold=threshold)
        coef = hermite_coefficients(relu_t, max_degree + 1)
        if activation == "relu":
            return coef[: max_degree + 1]
        return np.sqrt(np.arange(1, max_degree + 2)) * coef[1:]
    shifted = Activation(
        "custom",
        lambda g: unit(g - threshold),
        lambda g: unit.derivative(g - threshold),
    )
    return hermite_coefficients(shifted, max_degree)


class HighThresholdLayerRecovery(
    _PolynnEstimatorMixin,
    ClassNamePrefixFeaturesOutMixin,
    RegressorMixin,
    TransformerMixin,
    BaseEstimator,
):
    """Recover the lowest layer of a deep network with high-threshold activations.

    The target is ``f(x) = P(u(w_1*^T x - t), ..., u(w_d*^T x - t))`` for
    Gaussian inputs ``x ~ N(0, I_n)``, a high threshold ``t`` and an unknown
    polynomial ``P`` with linear terms (the upper layers). ``fit`` recovers the
    directions ``w_i*`` (the columns of ``hidden_weights_``) and then fits ``P``
    by ridge regression on the multilinear monomials of the recovered hidden
    units ``u(w_i^T x - t)``, so ``predict`` and ``score`` work.

    Parameters
    ----------
    n_hidden : int, default=None
        Number of lowest-layer units ``d``. None: the number of cliques for
        ``method="correlation_graph"``, the supports whose correlation exceeds
        a tenth of the first's for "binary_exp", the number of maximisers
        passing Thm 6's test for "delta_correlation", otherwise the position of
        the largest gap in the spectrum of ``E[f (x x^T - I)]`` (a heuristic).
    activation : str, Activation or (function, derivative), default="relu"
        The unit ``u`` applied to ``w^T x - t``. "sign" is the 0/1 step
        ``1[a > 0]`` (unions of halfspaces, App. B.6); "exp" is ``e^a`` (Thm 7);
        anything :func:`~sklearn_polynn.activations.get_activation` accepts.
    threshold : float, default=None
        The threshold ``t``. Required (the paper gives no way to estimate it)
        for "landscape" and "simultaneous", where it must be >= 0; optional for
        "correlation_graph" and "binary_exp" (it only rescales ``P``'s
        coefficients) and for "even" (which needs ``t = 0``); required for
        "delta_correlation" (the plane ``z^T x = t``).
    method : {"landscape", "simultaneous", "correlation_graph", "even", \
            "binary_exp", "delta_correlation"}, default="landscape"
        "landscape": the one-by-one landscape-design loss ``G(z)`` (Sec. 2,
        Claim 2) minimised from random restarts; "simultaneous": the single
        objective of App. B.4 (Theorem 11); "correlation_graph": cliques of the
        graph of ``E[f x_i x_j]`` for binary ``W*`` with disjoint supports and
        ``u = exp`` (Thm 7, Algorithm 3); "even": even activations at threshold
        0 with orthonormal ``W*`` (Thm 9); "binary_exp": binary ``W*`` with
        disjoint supports, ``u = exp`` and ``P`` with non-negative coefficients,
        with no threshold and no coefficient gap (Thm 8, App. D.2): the local
        maxima of ``e^{-|z|^2/2} E[f e^{z^T x}]`` over ``z >= 0``, ``|z|_1 =
        1/2`` (see :mod:`sklearn_polynn._high_threshold_binary`), one support
        at a time; "delta_correlation": maximisers of
        the smoothed ``delta'`` ("sign" units, Thm 6 / Corollary 1) or
        ``delta''`` ("relu", App. C.1) correlation on the plane ``z^T x = t``,
        found by a continuation ascent and accepted by Thm 6's test on
        held-out rows (:mod:`sklearn_polynn._high_threshold_delta`); needs no
        linear term in ``P`` and no high threshold, only ``E[dP/dX_i | w_i*^T
        x = t] > 0``.
    refine : bool, default=True
        Run RefineEstimate / EstimateTanAlpha (Sec. 2.1, Algorithms 1-2, Thm 5)
        on each recovered direction, for monotone ``P`` and activations that
        vanish below the threshold ("relu", "sign"); ignored by
        "correlation_graph" (exact already) and "even". The accept decisions
        use the even rows, the reported angles (``recovery_trace_``) the odd
        rows. Also ignored by "delta_correlation" (Thm 6 does not assume a
        monotone ``P``, and its search ends at the bandwidth's precision).
    refine_iter : int, default=200
        RefineEstimate steps per direction.
    tan_alpha : {"probit", "bands"}, default="probit"
        How EstimateTanAlpha (Algorithm 2) reads ``t_1, t_2``: "probit" fits
        the band-probability curve of Lemmas 4-5 to all samples near ``t``;
        "bands" counts the frequency of ``sgn f`` band by band, as Algorithm
        2 states it. Measured (n=20, t=sqrt(2 log n), known angles 0.02-0.2,
        N = 1e5..1e6): relative RMS error 0.01-0.14 (probit) against 0.09-0.73
        (bands), hence the default.
    upper_degree : int, default=2
        Largest total degree of the monomials of the hidden units used to fit
        ``P``.
    unit_degree : int, default=1
        Largest exponent of one hidden unit in those monomials: 1 gives the
        multilinear ``P`` of Assumption 1; ``unit_degree = upper_degree``
        also fits powers ``X_i**k`` (App. B.8).
    alpha : float, default=1e-6
        Ridge penalty of the fit of ``P``, on the monomials standardised to
        unit variance.
    solver : {"lbfgs", "gd"}, default="lbfgs"
        Minimiser of the landscape losses ("landscape", "simultaneous") and of
        the Thm 9 objective ("even"), through
        :func:`sklearn_polynn._optim.minimize`. "lbfgs": SciPy's L-BFGS-B on
        all restarts of a round at once (their losses are summed; each column
        is an independent problem). "gd": gradient descent with
        ``learning_rate``, preconditioned by the ``E[f H_2]`` metric. Both
        minimise the same loss from the same starts and reach the same
        minima (measured, n=20, d=3, ``t = sqrt(2 log n)``, N=3e5, seeds 0-2:
        identical max angles, 0.077 "landscape", 0.083 "simultaneous");
        L-BFGS-B needs 10-27 iterations per round against 115-275 for "gd"
        (25-31 against 303-401 "simultaneous", 4-5 against 38-53 "even"), and
        0.2-0.4x the fit time
        on this 2-core box, hence the default.
    learning_rate : float or "auto", default="auto"
        Step of ``solver="gd"`` (ignored by "lbfgs"); "auto" scales it by the
        curvature of the loss at its minima.
    max_iter : int, default=2000
        Iterations per round of restarts (L-BFGS-B or gradient iterations).
    n_restarts : int, default=None
        Largest number of random starts of the landscape loss (None: ``8 d``);
        for "delta_correlation", the starts per direction (None: 4 for
        "sign", 8 for "relu").
    control_variates : int, default=0
        Rounds of control-variate re-estimation for "landscape" and
        "simultaneous" ("even", where it measured worse, 0.034 -> 0.044 at the
        tests' sizes, and "correlation_graph" ignore it). Each round fits
        ``P`` on the current ``W``, then estimates every moment ``E[f
        phi(x)]`` of the subspace step and of the loss as ``E[(f - g) phi]``
        on the rows plus ``E[g phi]`` under ``x ~ N(0, I)`` on synthetic
        Gaussian draws (``g`` the fitted ``P``), and recovers ``W`` again.
        The moments stay unbiased; their variance falls with that of ``f -
        g``. Measured (``refine=False``, monotone ``P``, ``t = sqrt(2 log
        n)``, one data seed, 2-core CPU, one BLAS thread,
        ``benchmarks/bench_high_threshold.py``): ReLU, n=20, d=3, N=3e5: max
        angle 0.077 -> 0.014 after one round (fit 0.3 s -> 0.8 s); "sign"
        units, t=2, N=1e5: 0.18 -> 0.04; ReLU, n=100, d=10, N=1e6: 0.32 ->
        0.14 -> 0.09 after two rounds (fit 1.5 s -> 13 s -> 29 s), N=5e5:
        0.58 -> 0.18. Over six data seeds at n=100, d=10, N=1e6 (seeds 0-5,
        ``solver="lbfgs"``): plain 0.22-0.32; two rounds 0.067-0.091 on five
        seeds (fit 0.6 s -> 11 s), but on seed 5 the second round's L-BFGS
        restarts leave the bounded region, only 9 of the 10 minima are found
        (warned) and the max angle is 1.27 (one round: 0.115; two rounds with
        ``solver="gd"``: 0.096 in 46 s). Hence the default 0, the paper's
        plain moments.
    sampling : {"gaussian", "biased"}, default="gaussian"
        How the rows were drawn. "gaussian": ``x ~ N(0, I)``, and every
        correlation is the row mean of ``(y - c0) g(x)``. "biased": from App.
        B.7's oracle, which keeps a Gaussian draw with probability
        proportional to ``f(x) >= 0`` (e.g.
        ``make_high_threshold_network(sampling="biased")``), so the row mean of
        ``g(x)`` is ``E[f g] / E[f]``: the correlations up to one scale, which
        the methods do not need. For units that are rarely on (the sigmoid at
        ``t = Omega(log d)``, Thm 13), every row then carries signal. Not with
        ``refine=True`` or ``control_variates > 0`` (both need Gaussian rows).
    tol : float, default=1e-8
        Improvement of the loss below which an iteration counts as no change.
    n_iter_no_change : int, default=10
        Iterations without improvement that stop gradient descent.
    device : {None, "cpu", "cuda"}, default=None
        Where to compute (see :func:`~sklearn_polynn._backend.resolve_namespace`).
    random_state : int, RandomState instance or None, default=None
        Seeds the restarts and the refinement perturbations.
    verbose : int, default=0
        Print the loss of every gradient iteration.

    Attributes
    ----------
    hidden_weights_ : ndarray of shape (n_features, n_hidden)
        Recovered directions ``w_i``, unit columns.
    hidden_scale_ : ndarray of shape (n_hidden,)
        Norms of the lowest-layer weights (1, or ``sqrt(ones)`` for the binary
        columns of "correlation_graph" and "binary_exp"); the hidden units are
        ``u(hidden_scale_ * hidden_weights_^T x - threshold_)``.
    threshold_ : float
    n_hidden_ : int
    upper_powers_ : ndarray of shape (n_terms, n_hidden)
        Exponents of the monomials of ``P`` (0/1 unless ``unit_degree > 1``).
    upper_coef_ : ndarray of shape (n_terms,)
    upper_intercept_ : float
        ``predict(X) = upper_intercept_ + sum_r upper_coef_[r] prod_i
        transform(X)[:, i] ** upper_powers_[r, i]``.
    n_restarts_ : int
        Random starts used (0 for the non-iterative methods).
    n_iter_ : int
        Iterations (L-BFGS-B or gradient) of the last round of restarts (of
        the last ``control_variates`` round).
    loss_curve_ : list of float
        Loss per iteration of that round (summed over its restarts).
    delta_correlation_ : ndarray of shape (n_hidden,) or None
        ``method="delta_correlation"``: the correlation ``S_k`` of each
        recovered direction on the held-out rows (about ``phi(t) E[dP/dX_i |
        w_i*^T x = t]``, Lemma 8); None for the other methods.
    correlation_gap_ratio_ : float or None
        ``method="correlation_graph"``: ratio of the sorted correlations
        ``E[f x_i x_j]`` on both sides of the cut (a warning below 1.5); None
        for the other methods.
    recovery_trace_ : ndarray of shape (n_hidden, refine_iter + 1) or None
        EstimateTanAlpha's angle (radians) of each direction after each
        refinement step, estimated on the half of the rows that no accept
        decision used (an honest estimate: not monotone, and within a factor 2
        of the true angle in the tests); None without refinement.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when ``X`` has string feature names.

    See Also
    --------
    sklearn_polynn.datasets.make_high_threshold_network : Data of this model.
    sklearn.neural_network.MLPRegressor : The generic alternative.

    Notes
    -----
    For ``n_features > n_hidden`` the landscape methods first project onto the
    top-``d`` eigenspace of ``E[f (x x^T - I)] = u_hat_2 W* C W*^T + ...`` (the
    "variant of PCA" of Sec. 1), since ``G`` is flat orthogonally to
    ``span(W*)``; minima ``z`` there are columns of ``(T W*^T)^{-1}`` (Claim
    2), inverted and normalised into directions, whose signs are fixed by
    ``sgn(u_hat_1 E[f w^T x])`` (a positive linear term, Sec. 2). The constant
    ``c0`` of ``P`` is the median of ``y`` (footnote 6). Every expectation is
    ``E[(y - c0) g(x)]``, so only the rows with ``y != c0`` (a fraction about
    ``d Phi^c(t)``) are visited after the first pass.

    RefineEstimate reads ``sgn(f(x) - c0)`` off the labels, so it assumes
    noise-free ``y`` as the paper does. EstimateTanAlpha's band probabilities
    ``Pr[sgn f | z^T x in [t' - eps, t']]`` are fitted jointly over all bands
    with the probit curve of Lemmas 4-5 (plus a floor for the other units),
    and ``t_1, t_2`` (probabilities 0.4, 0.6) are read off the fit; band by
    band frequencies need far more samples for the same precision. Each step
    of Algorithm 1 costs one product ``X z`` on half the rows. A candidate is
    kept when its angle estimated on the even rows drops by the factor
    ``1 - 0.5 / n`` (Algorithm 1, step 4; Lemma 7), and each kept direction is
    re-estimated on the odd rows: comparing hundreds of candidates on one set
    of samples selects for its noise, so the accepting half's estimate of the
    winner is optimistic (measured: 3x at 200 steps, 25x or more at 600 when
    the same rows decided and reported), while the other half's is not. The
    price is the search seeing half the data (at n=20, d=3, N=3e5, 600 steps:
    true angles 0.006-0.012 rad, against 0.002-0.006 when all rows decided).

    References
    ----------
    .. [1] Anonymous, "Recovering the Lowest Layer of Deep Networks with High
       Threshold Activations", ICLR 2019 submission: Sec. 2 (Claim 2), Sec. 2.1
       (Algorithms 1-2, Theorem 5), App. B.4 (Theorem 11), Thm 7 (App. D.1,
       Algorithm 3), Thm 9 (App. D.3), Thm 6 / Corollary 1 (Sec. 3, App. C,
       C.1).
    .. [2] R. Ge, J. D. Lee, T. Ma, "Learning One-hidden-layer Neural Networks
       with Landscape Design", arXiv:1711.00501, 2017.

    Examples
    --------
    >>> from sklearn_polynn import HighThresholdLayerRecovery
    >>> from sklearn_polynn.datasets import make_high_threshold_network
    >>> from sklearn_polynn.metrics import parameter_recovery_error
    >>> X, y, truth = make_high_threshold_network(
    ...     50000, 6, 2, threshold=2.0, return_truth=True, random_state=0)
    >>> est = HighThresholdLayerRecovery(threshold=2.0, refine=False,
    ...                                  random_state=0).fit(X, y)
    >>> est.n_hidden_
    2
    >>> err, _ = parameter_recovery_error(truth.hidden_weights, est.hidden_weights_)
    >>> print(round(err, 2))
    0.05
    >>> print(round(est.score(X, y), 2))
    0.99
    """

    _parameter_constraints = {
        "n_hidden": [IntInterval(1, None, closed="left"), None],
        "activation": [str, Activation, tuple],
        "threshold": [Interval(Real, None, None, closed="neither"), None],
        "method": [StrOptions(_METHODS)],
        "refine": ["boolean"],
        "refine_iter": [IntInterval(0, None, closed="left")],
        "tan_alpha": [StrOptions({"probit", "bands"})],
        "upper_degree": [IntInterval(1, None, closed="left")],
        "unit_degree": [IntInterval(1, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "solver": [StrOptions({"lbfgs", "gd"})],
        "learning_rate": [
            Interval(Real, 0, None, closed="neither"),
            StrOptions({"auto"}),
        ],
        "n_restarts": [IntInterval(1, None, closed="left"), None],
        "control_variates": [IntInterval(0, None, closed="left")],
        "sampling": [StrOptions({"gaussian", "biased"})],
        "device": [StrOptions({"cpu", "cuda"}), None],
        "random_state": ["random_state"],
        **ITERATIVE_CONSTRAINTS,
    }

    def __init__(
        self,
        *,
        n_hidden=None,
        activation="relu",
        threshold=None,
        method="landscape",
        refine=True,
        refine_iter=200,
        tan_alpha="probit",
        upper_degree=2,
        unit_degree=1,
        alpha=1e-6,
        solver="lbfgs",
        learning_rate="auto",
        max_iter=2000,
        n_restarts=None,
        control_variates=0,
        sampling="gaussian",
        tol=1e-8,
        n_iter_no_change=10,
        device=None,
        random_state=None,
        verbose=0,
    ):
        self.n_hidden = n_hidden
        self.activation = activation
        self.threshold = threshold
        self.method = method
        self.refine = refine
        self.refine_iter = refine_iter
        self.tan_alpha = tan_alpha
        self.upper_degree = upper_degree
        self.unit_degree = unit_degree
        self.alpha = alpha
        self.solver = solver
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.n_restarts = n_restarts
        self.control_variates = control_variates
        self.sampling = sampling
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # A few thresholded units: not a general-purpose regressor.
        tags.regressor_tags.poor_score = True
        tags.array_api_support = True
        return tags

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Recover the lowest layer from ``(X, y)``, then fit the upper polynomial.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs, assumed ``N(0, I)`` (whiten first otherwise: a warning
            says so when the second moment of ``X`` is far from ``I``).
        y : array-like of shape (n_samples,)
            Targets ``f(x)``, noise-free for ``refine=True`` (RefineEstimate
            reads ``sgn(f(x) - c0)`` off them).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights. Every expectation of the recovery becomes a
            weighted mean (``c0`` a weighted median, EstimateTanAlpha a
            weighted likelihood) and the ridge of ``P`` a weighted ridge, so
            integer weights give the model of the repeated rows (with
            ``refine=True`` only statistically: RefineEstimate splits the rows
            into even and odd halves).

        Returns
        -------
        self : HighThresholdLayerRecovery
            The fitted estimator.
        """
        check_y_given(self, y)
        rng = check_random_state(self.random_state)
        X, y, ns = validate_input(
            self, X, y, reset=True, device=self.device, ensure_min_samples=2
        )
        xp = ns.xp
        weights = None
        if sample_weight is not None:
            weights = validate_sample_weight(sample_weight, X.shape[0], ns, X.dtype)
            if float(xp.sum(weights)) <= 0:
                raise ValueError("sample_weight must have a positive sum.")
        if self.sampling == "gaussian":
            _warn_if_not_standard_gaussian(X, xp)
        unit = _hidden_unit(self.activation)
        threshold = self._resolve_threshold()
        if self.n_hidden is not None and self.n_hidden > X.shape[1]:
            raise ValueError(
                f"n_hidden={self.n_hidden} exceeds n_features={X.shape[1]}: the "
                f"method {self.method!r} needs W* of full column rank (n_hidden <= "
                "n_features)."
            )
        f = y - _median(y, weights, xp)
        if not bool(xp.any(f != 0)):
            raise ValueError(
                f"y is constant (every sample equals {_median(y, weights, xp):g}"
                f"{' or has zero weight' if weights is not None else ''}): it carries "
                "no information about the hidden layer, so there is nothing to "
                "recover. Fit a constant model (sklearn.dummy.DummyRegressor)."
            )
        if self.sampling == "biased":
            # oracle rows follow f(x) phi(x) / E[f]: E_b[g] = E[f g] / E[f]
            f = xp.ones_like(y)
            if self.control_variates and self.method in ("landscape", "simultaneous"):
                raise ValueError(_biased_needs_gaussian("control_variates > 0"))
        relative = None if weights is None else weights / xp.mean(weights)
        if relative is not None:
            # E_w[f g(x)] = mean(f w / mean(w) g(x)): weighted means everywhere
            f = f * relative
        refine = self._check_refine(unit, threshold, f, xp)
        self.n_restarts_, self.n_iter_, self.loss_curve_ = 0, 0, []
        self.correlation_gap_ratio_ = self.delta_correlation_ = None
        if self.method == "correlation_graph":
            W, scale = self._fit_correlation_graph(X, f, relative, ns)
        elif self.method == "delta_correlation":
            W, scale = self._fit_delta_correlation(X, f, threshold, rng, ns)
        elif self.method == "binary_exp":
            W, scale = self._fit_binary_exp(X, f, relative, ns)
        else:
            coef = _unit_hermite_coefficients(self.activation, unit, threshold)
            W = self._fit_landscape_family(X, f, coef, rng, ns)
            scale = xp.ones(W.shape[1], dtype=X.dtype, device=ns.device)
            rounds = 0 if self.method == "even" else self.control_variates
            for _ in range(rounds):
                self._set_layer(W, scale, threshold, None, ns)
                self._fit_upper(X, y, weights, ns)
                # f - g, g the fitted P without its constant (0 where every
                # unit is off), weighted like f
                g = self._predict_array(X, ns) - self.upper_intercept_
                residual = f - (g if relative is None else g * relative)
                W = self._fit_landscape_family(X, f, coef, rng, ns, residual)
        trace = None
        if refine:
            W, trace = self._refine(X, f, weights, W, threshold, rng, xp)
        self._set_layer(W, scale, threshold, trace, ns)
        self._fit_upper(X, y, weights, ns)
        return self

    def _set_layer(self, W, scale, threshold, trace, ns):
        self.threshold_ = float(threshold)
        self.n_hidden_ = int(W.shape[1])
        self.hidden_weights_ = ns.output(W)
        self.hidden_scale_ = ns.output(scale)
        self.recovery_trace_ = None if trace is None else ns.output(ns.asarray(trace))

    def _resolve_threshold(self):
        """The threshold ``t`` the method needs (the paper never estimates it)."""
        t = self.threshold
        if self.method == "delta_correlation":
            if t is None:
                raise ValueError(
                    "threshold is required for method='delta_correlation': Thm 6 "
                    "correlates with delta derivatives on the plane z^T x = t. Pass "
                    "threshold=t."
                )
            return float(t)
        if self.method in ("landscape", "simultaneous"):
            if t is None:
                raise ValueError(
                    f"threshold is required for method={self.method!r}: the paper "
                    "(Sec. 2) assumes t is known, as the loss uses the Hermite "
                    "coefficients of u(. - t). Pass threshold=t >= 0."
                )
            if t < 0:
                raise ValueError(
                    f"threshold must be >= 0 for method={self.method!r} (a high "
                    f"threshold, t = Omega(sqrt(log d))); got {t!r}."
                )
            return float(t)
        if self.method == "even":
            if t not in (None, 0, 0.0):
                raise ValueError(
                    "method='even' (Thm 9) works at threshold 0; got "
                    f"threshold={t!r}. Use threshold=None or 0."
                )
            return 0.0
        return 0.0 if t is None else float(t)

    def _check_refine(self, unit, threshold, f, xp):
        """Whether to refine; ValueError where Sec. 2.1's conditions fail."""
        if not self.refine or self.method in (
            "correlation_graph",
            "even",
            "delta_correlation",
            "binary_exp",
        ):
            return False
        if self.refine_iter == 0:
            return False
        if self.sampling == "biased":
            raise ValueError(_biased_needs_gaussian("refine=True"))
        probe = np.linspace(-4.0, -1e-3, 64)
        if np.any(np.asarray(to_numpy(unit(probe))) != 0.0):
            raise ValueError(
                "refine=True (RefineEstimate, Sec. 2.1) needs an activation that is "
                "0 below the threshold, such as 'relu' or 'sign'; got "
                f"activation={self.activation!r}. Set refine=False."
            )
        if threshold <= 0:
            raise ValueError(
                "refine=True needs a positive threshold (Sec. 2.1); got "
                f"threshold={threshold!r}. Set refine=False."
            )
        needed = _ht.min_samples_for_bands(threshold)
        if f.shape[0] < needed:
            raise ValueError(
                f"refine=True: EstimateTanAlpha needs about {_ht.BAND_SAMPLES} "
                f"samples in each band of width {_ht.MAX_BAND_WIDTH} at the "
                f"threshold t={threshold:g}, i.e. at least {needed} samples; got "
                f"{f.shape[0]}. Provide more samples or set refine=False."
            )
        active = int(xp.count_nonzero(f > 0)) / f.shape[0]
        if active >= 0.5:
            raise ValueError(
                f"refine=True needs most samples to have every hidden unit off (f "
                f"= c0), but {active:.0%} of y exceed its median; the threshold is "
                "too low or P is not monotone. Set refine=False."
            )
        return True

    # ------------------------------------------------- landscape-type methods
    def _fit_landscape_family(self, X, f, coef, rng, ns, control=None):
        """Subspace of ``E[f H_2]``, then the method's loss, then ``W``.

        ``control``: the residual ``r = f - g`` of the fitted model ``g`` (a
        control-variate round, see :meth:`_control_variate_data`); None: the
        plain moments of ``f``.
        """
        xp = ns.xp
        u1, u2, u4 = (float(c) for c in (coef[1], coef[2], coef[4]))
        if abs(u2) < 1e-300 or abs(u4) < 1e-300:
            raise ValueError(
                f"method={self.method!r} needs u_hat_2 != 0 and u_hat_4 != 0 for "
                f"the activation at this threshold; got {u2:.3g}, {u4:.3g}."
            )
        Xa, fa = _active_rows(X, f, xp)
        if control is None:
            _warn_if_few_active(int(xp.count_nonzero(fa != 0)), X.shape[1])
            U, metric = self._principal_subspace(_second_moment(Xa, fa, xp), u2, xp)
            Xr, f = Xa @ U, fa
        else:
            U, metric, Xr, f = self._control_variate_data(X, control, u2, rng, ns)
        if self.method == "landscape":
            Wr = self._inverse_columns(
                self._landscape_minima(Xr, f, metric, u2, u4, rng, xp), xp
            )
        elif self.method == "simultaneous":
            Wr = self._inverse_columns(
                self._simultaneous_minimum(Xr, f, metric, u2, u4, rng, xp), xp
            )
        else:
            Wr = self._even_maxima(Xr, f, metric, u4, rng, xp)
        W = U @ Wr
        W = W / xp.linalg.vector_norm(W, axis=0)
        if u1 != 0.0 and self.method != "even":
            # E[f x] = u1 W* c (+ small product terms) with c_i > 0 (Sec. 2's
            # positive linear part): the signs of W^+ E[f x] / u1 fix the columns'.
            # Jointly, not column by column: correlated columns would bleed in.
            moment = (fa @ Xa) / u1
            signs = xp.sign(lstsq(W, moment, xp))
            W = W * xp.where(signs == 0, 1.0, signs)
        elif self.method == "even":
            # u even: w and -w give the same f; largest entry positive by convention
            # (host: W is n x d)
            W_host = to_numpy(W)
            columns = np.arange(W_host.shape[1])
            largest = W_host[np.argmax(np.abs(W_host), axis=0), columns]
            W = W * ns.asarray(np.sign(largest), dtype=W.dtype)
        return W

    def _principal_subspace(self, M, u2, xp):
        """Top-``d`` eigenspace of ``M / (sqrt(2) u_hat_2)``, ``M = E[f (x x^T -
        I)]`` (:func:`_second_moment`).

        In expectation this is ``W* C W*^T`` plus the small product terms (Sec.
        1's "variant of PCA"); it is also the metric in which the minima of
        ``G`` are orthonormal. Returns the basis (n, d) and the diagonal metric
        (d, d) of absolute eigenvalues.
        """
        n = M.shape[0]
        M = M / (math.sqrt(2.0) * u2)
        evals, evecs = xp.linalg.eigh((M + M.T) / 2)
        magnitude = xp.abs(evals)
        order = xp.argsort(-magnitude)
        d = self.n_hidden
        if d is None:
            sorted_mag = to_numpy(xp.take(magnitude, order))
            if n == 1:
                d = 1
            else:
                # gaps below the median (noise directions when d << n) don't count
                floor = max(float(np.median(sorted_mag)), 1e-300)
                ratios = sorted_mag[:-1] / np.maximum(sorted_mag[1:], floor)
                d = int(np.argmax(ratios)) + 1
        keep = order[:d]
        kept = xp.maximum(xp.take(magnitude, keep), 1e-12 * float(xp.max(magnitude)))
        return xp.take(evecs, keep, axis=1), _ht._diag(kept)

    def _control_variate_data(self, X, control, u2, rng, ns):
        """Moments of ``f`` as ``E[(f - g) phi] + E[g phi]`` (control variates).

        ``g`` is the ``P`` fitted in the previous round, less its constant: the
        first term is a sample mean of the residual ``r = f - g``, whose
        variance is a fraction of ``f``'s once ``g`` is close; the second is an
        expectation under the known input law ``x ~ N(0, I_n)`` (Sec. 1), so
        it is computed on synthetic Gaussian draws as large as we like, and
        only in ``d`` dimensions: ``g`` depends on ``x`` through ``B^T x``
        (``B`` an orthonormal basis of the previous ``span(W)``), so
        ``E[g (x x^T - I)] = B E[g (s s^T - I)] B^T`` with ``s ~ N(0, I_d)``,
        and the projections ``U^T x`` the losses need are ``U^T B s`` plus an
        independent Gaussian of covariance ``I - U^T B B^T U``. The sum is
        an unbiased estimate for any fixed ``g`` (the same expectations as
        the plain moments); it is ``_tensor.py``'s use of the fitted
        low-degree part for Zhong et al.'s moments, applied to ``E[f H_2]``
        and ``E[f H_4]``. Returns the subspace ``U``, its metric, and the
        projected rows and weights of real and synthetic data combined so
        that the losses' row means are the sum of the two means.
        """
        xp = ns.xp
        Xa, ra = _active_rows(X, control, xp)
        W = np.asarray(to_numpy(self.hidden_weights_))
        B = np.linalg.qr(W)[0]
        S, gs, g_mean = self._synthetic_model(B, W, X.shape[0], rng)
        d = B.shape[1]
        A = (S.T @ (gs[:, None] * S)) / S.shape[0] - g_mean * np.eye(d)
        Bx = ns.asarray(B, dtype=X.dtype)
        M = _second_moment(Xa, ra, xp) + Bx @ ns.asarray(A, dtype=X.dtype) @ Bx.T
        U, metric = self._principal_subspace(M, u2, xp)
        C = np.asarray(to_numpy(U)).T @ B  # U^T B, (d_U, d)
        cov = np.eye(C.shape[0]) - C @ C.T
        evals, evecs = np.linalg.eigh((cov + cov.T) / 2.0)
        L = evecs * np.sqrt(np.clip(evals, 0.0, None))
        E = rng.standard_normal((S.shape[0], C.shape[0]))
        Xs = ns.asarray(S @ C.T + E @ L.T, dtype=X.dtype)
        n_real, n_syn = Xa.shape[0], S.shape[0]
        total = n_real + n_syn
        weights = xp.concat(
            [ra * (total / n_real), ns.asarray(gs * (total / n_syn), dtype=X.dtype)]
        )
        return U, metric, xp.concat([Xa @ U, Xs]), weights

    def _synthetic_model(self, B, W, n_samples, rng):
        """Host draws ``s ~ N(0, I_d)`` where the fitted ``g(B s) != 0``, with
        ``g`` rescaled so means over them are means over all draws, and the
        mean of ``g`` over all draws.

        ``_SYNTHETIC_FACTOR * n_samples`` draws (at least
        ``_MIN_SYNTHETIC``), in chunks, so their Monte Carlo error is below the
        real rows'."""
        unit = _hidden_unit(self.activation)
        proj = B.T @ (W * np.asarray(to_numpy(self.hidden_scale_)))
        powers = np.asarray(to_numpy(self.upper_powers_))
        coef = np.asarray(to_numpy(self.upper_coef_))
        draws = max(_SYNTHETIC_FACTOR * n_samples, _MIN_SYNTHETIC)
        kept_s, kept_g, total = [], [], 0.0
        for start in range(0, draws, _SYNTHETIC_CHUNK):
            S = rng.standard_normal((min(_SYNTHETIC_CHUNK, draws - start), B.shape[1]))
            H = np.asarray(to_numpy(unit(S @ proj - self.threshold_)))
            on = np.any(H != 0, axis=1)  # g = P(H) - P(0) vanishes elsewhere
            g = _ht.multilinear_features(H[on], powers, np) @ coef
            total += float(g.sum())
            kept_s.append(S[on][g != 0])
            kept_g.append(g[g != 0])
        S, g = np.concatenate(kept_s), np.concatenate(kept_g)
        if S.shape[0] == 0:
            S, g = np.zeros((1, B.shape[1])), np.zeros(1)
        return S, g * (S.shape[0] / draws), total / draws

    def _predict_array(self, X, ns):
        Phi = _ht.multilinear_features(self._hidden(X, ns), self.upper_powers_, ns.xp)
        coef = ns.asarray(self.upper_coef_, dtype=X.dtype)
        return Phi @ coef + self.upper_intercept_

    def _penalty(self, metric, xp):
        """``lam |u4| / u2**2`` of Claim 2: above ``1 / min c_i`` so G is bounded."""
        smallest = float(xp.min(xp.linalg.diagonal(metric)))
        if not smallest > 0:
            raise ValueError(
                f"method={self.method!r}: E[f H_2] vanishes on the recovered "
                "subspace (y carries no second-order signal along any direction); "
                "check that y depends on X through thresholded units."
            )
        return max(2.0, 4.0 / smallest)

    def _learning_rate(self, penalty):
        if self.learning_rate != "auto":
            return float(self.learning_rate)
        # metric-preconditioned curvature at a minimum is about 8 * penalty + 12
        return 0.5 / (8.0 * penalty + 12.0)

    def _random_starts(self, metric, found, count, rng, xp):
        """Random directions normalised to ``m2(z) = 1``, and orthogonal (in the
        metric) to the minima already found, where the missing minima lie."""
        d = metric.shape[0]
        Z = asarray(
            rng.standard_normal((d, count)),
            xp,
            dtype=metric.dtype,
            device=device_of(metric),
        )
        if found is not None and found.shape[1] < d:
            G = found.T @ metric @ found
            Z = Z - found @ xp.linalg.solve(G, found.T @ metric @ Z)
        norms = xp.sqrt(xp.sum(Z * (metric @ Z), axis=0))
        return Z / norms

    def _run_gd(self, loss_grad, params, lr):
        # a run that leaves the bounded region overflows; minimize() then rolls
        # back and warns, so the floating-point warnings are noise
        with np.errstate(over="ignore", invalid="ignore"):
            result = self._minimize(loss_grad, params, lr)
        self.n_iter_ = result.n_iter
        self.loss_curve_ = list(result.loss_curve)
        return result.params

    def _minimize(self, loss_grad, params, lr):
        return minimize(
            loss_grad,
            params,
            make_optimizer(self.solver, lr),
            max_iter=self.max_iter,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            verbose=self.verbose,
            estimator_name=type(self).__name__,
            stacklevel=8,
        )

    def _landscape_minima(self, Xr, f, metric, u2, u4, rng, xp):
        """Distinct local minima of ``G`` from rounds of random restarts (Sec. 2)."""
        d = metric.shape[0]
        penalty = self._penalty(metric, xp)
        budget = 8 * d if self.n_restarts is None else self.n_restarts
        root = _metric_root(metric, xp)

        def loss_grad(params, _):
            Z = params["Y"] / root
            loss, grad, _ = _ht.landscape_loss(Xr, f, Z, u2, u4, penalty, xp)
            return loss, {"Y": grad / root}

        found, used, candidates, losses = None, 0, [], []
        while used < budget and (found is None or found.shape[1] < d):
            missing = d if found is None else d - found.shape[1]
            count = min(budget - used, 2 * missing)
            Z0 = self._random_starts(metric, found, count, rng, xp)
            lr = self._learning_rate(penalty)
            Z = self._run_gd(loss_grad, {"Y": Z0 * root}, lr)["Y"] / root
            used += count
            per_column = _ht.landscape_loss(Xr, f, Z, u2, u4, penalty, xp)[2]
            candidates.append(Z)
            losses.append(per_column)
            found = _select_minima(
                xp.concat(candidates, axis=1),
                xp.concat(losses),
                metric,
                d,
                xp,
            )
        self.n_restarts_ = used
        if found.shape[1] < d:
            warnings.warn(
                f"{type(self).__name__}: only {found.shape[1]} of {d} distinct "
                f"minima found in {used} restarts; the rest are filled with "
                "directions orthogonal to them. Increase n_restarts.",
                ConvergenceWarning,
                stacklevel=5,
            )
            fill = self._random_starts(metric, found, d - found.shape[1], rng, xp)
            found = xp.concat([found, fill], axis=1)
        return found

    def _simultaneous_minimum(self, Xr, f, metric, u2, u4, rng, xp):
        """Minimise App. B.4's single objective over all columns at once."""
        d = metric.shape[0]
        penalty = self._penalty(metric, xp)
        root = _metric_root(metric, xp)

        def loss_grad(params, _):
            loss, grad = _ht.simultaneous_loss(
                Xr, f, params["Y"] / root, u2, u4, penalty, _SIMULTANEOUS_GAMMA, xp
            )
            return loss, {"Y": grad / root}

        B0 = self._random_starts(metric, None, d, rng, xp)
        self.n_restarts_ = 1
        lr = self._learning_rate(penalty)
        return self._run_gd(loss_grad, {"Y": B0 * root}, lr)["Y"] / root

    def _even_maxima(self, Xr, f, metric, u4, rng, xp):
        """Thm 9: maxima of ``E[f H_4(z)] sgn(u4)`` on the sphere, one by one.

        ``W*`` is orthonormal there, so each new start is orthogonal to the
        maxima found; the maxima are the directions themselves.
        """
        d = metric.shape[0]
        eye = xp.eye(d, dtype=Xr.dtype, device=device_of(Xr))

        def loss_grad(params, _):
            loss, grad, _ = _ht.even_loss(Xr, f, params["Z"], u4, xp)
            return loss, {"Z": grad}

        columns, overlap = [], 0.0
        for _ in range(d):
            found = xp.stack(columns, axis=1) if columns else None
            z0 = self._random_starts(eye, found, 1, rng, xp)
            lr = 0.5 / 12.0 if self.learning_rate == "auto" else self.learning_rate
            z = self._run_gd(loss_grad, {"Z": z0}, lr)["Z"][:, 0]
            z = z / xp.linalg.vector_norm(z)
            if found is not None:
                # for orthonormal W* the gradient has no component along the
                # maxima found (even powers only), so an ascent started
                # orthogonal to them stays so; a drift measures W^T W - I
                overlap = max(overlap, float(xp.max(xp.abs(found.T @ z))))
                z = z - found @ (found.T @ z)  # keep it orthogonal
            columns.append(z / xp.linalg.vector_norm(z))
        self.n_restarts_ = d
        if overlap > _EVEN_OVERLAP:
            warnings.warn(
                f"{type(self).__name__}: method='even' (Thm 9) assumes orthonormal "
                f"W*, but ascents started orthogonal to the maxima found drifted "
                f"back towards them (|cos| up to {overlap:.2f}): W* looks "
                "non-orthonormal, and the recovered columns (orthogonalised) are "
                "then biased. Whiten first if W* is orthonormal after whitening, or "
                "use method='landscape'.",
                UserWarning,
                stacklevel=5,
            )
        return xp.stack(columns, axis=1)

    @staticmethod
    def _inverse_columns(Z, xp):
        """Directions of ``W*`` from minima ``Z = (T W*^T)^{-1} P D``: ``Z^{-T}``."""
        return xp.linalg.inv(Z).T

    # ------------------------------------------------------------- refinement
    def _refine(self, X, f, weights, W, threshold, rng, xp):
        """RefineEstimate (Algorithm 1) on each column; returns W and the traces."""
        positive = xp.astype(f > 0, X.dtype)
        columns, traces = [], []
        for j in range(W.shape[1]):
            z, trace = _ht.refine_estimate(
                X,
                positive,
                W[:, j],
                threshold,
                self.refine_iter,
                rng,
                xp,
                weights=weights,
                tan_alpha=self.tan_alpha,
            )
            columns.append(z)
            traces.append(trace)
        return xp.stack(columns, axis=1), np.stack(traces)

    # ------------------------------------------------------ correlation graph
    def _fit_correlation_graph(self, X, f, relative, ns):
        """Thm 7: supports of binary ``W*`` from the cliques of Algorithm 3.

        ``f`` is already multiplied by the relative weights ``relative`` (None:
        unweighted), so ``E_w[(f - E_w f) x x^T]`` centres with them."""
        xp = ns.xp
        centred = f
        if self.sampling == "gaussian":  # oracle rows: off-diagonals need no centring
            mean = xp.mean(f)
            centred = f - (mean if relative is None else mean * relative)
        alpha = _ht.correlation_matrix(X, centred, xp)
        supports, gap_ratio = _ht.correlation_graph_supports(alpha, self.n_hidden)
        self.correlation_gap_ratio_ = gap_ratio
        if gap_ratio < _ht.WEAK_GAP_RATIO:
            warnings.warn(
                f"{type(self).__name__}: the correlation-graph cut sits in a gap of "
                f"ratio {gap_ratio:.3g} only (Thm 7 assumes a constant-factor gap); "
                "the supports may be wrong. Use more samples.",
                UserWarning,
                stacklevel=4,
            )
        W = np.zeros((X.shape[1], len(supports)))
        for j, support in enumerate(supports):
            W[support, j] = 1.0 / math.sqrt(support.size)
        scale = np.array([math.sqrt(s.size) for s in supports])
        return ns.asarray(W, dtype=X.dtype), ns.asarray(scale, dtype=X.dtype)

    # ------------------------------------------------------- delta correlation
    def _fit_delta_correlation(self, X, f, threshold, rng, ns):
        """Thm 6 / App. C.1: maximisers of the ``delta^(k)`` correlation."""
        xp = ns.xp
        order = _htd.order_for_activation(self.activation)
        if order is None:
            raise ValueError(
                "method='delta_correlation' needs activation='sign' (Thm 6, the "
                "delta' correlation) or activation='relu' (App. C.1, delta''): "
                "units with a jump or a kink at the threshold; got "
                f"activation={self.activation!r}."
            )
        Xa, fa = _active_rows(X, f, xp)
        n_active = int(xp.count_nonzero(fa != 0))
        active_fraction = Xa.shape[0] / X.shape[0]  # 1 when no rows were dropped
        starts = (
            _htd.DEFAULT_STARTS[order] if self.n_restarts is None else self.n_restarts
        )
        W, values, _, passed, bandwidth = _htd.find_directions(
            Xa,
            fa,
            threshold,
            order,
            rng,
            xp,
            n_directions=self.n_hidden,
            n_starts=starts,
            n_active=n_active,
            active_fraction=active_fraction,
        )
        if W.shape[1] == 0:
            raise ValueError(
                "method='delta_correlation' found no direction passing Thm 6's "
                "test (the correlation of the best maximiser on held-out rows is "
                "not significantly positive): y shows no jump (sign) or kink "
                f"(relu) on any plane z^T x = {threshold:g}. Check threshold and "
                "activation, or provide more samples."
            )
        if not bool(np.all(passed)):
            warnings.warn(
                f"{type(self).__name__}: {int(np.sum(~passed))} of {passed.size} "
                "directions fail Thm 6's test on held-out rows (correlations "
                f"{np.array2string(values, precision=3)} at bandwidth "
                f"{max(bandwidth, _htd.TEST_BANDWIDTH):.3g}): n_hidden may exceed "
                "the number of units, or the samples are too few.",
                ConvergenceWarning,
                stacklevel=4,
            )
        self.n_restarts_ = starts * W.shape[1]
        self.delta_correlation_ = ns.output(ns.asarray(values, dtype=X.dtype))
        return W, xp.ones(W.shape[1], dtype=X.dtype, device=ns.device)

    # ------------------------------------------------------- binary exp
    def _fit_binary_exp(self, X, f, relative, ns):
        """Thm 8 (App. D.2): supports of disjoint binary ``W*`` from the maxima
        of the exponential correlation; ``f`` already weighted, as in
        :meth:`_fit_correlation_graph`."""
        if not (isinstance(self.activation, str) and self.activation == "exp"):
            raise ValueError(
                "method='binary_exp' (Thm 8) is for the activation u(a) = e^a: "
                f"set activation='exp'; got activation={self.activation!r}."
            )
        xp = ns.xp
        if self.sampling == "biased":  # f = 1: g(0) / E[f] = 1 is known exactly
            centred, baseline = f, 1.0
        else:
            mean = xp.mean(f)
            centred = f - (mean if relative is None else mean * relative)
            baseline = 0.0
        supports, _, n_iter, converged = _htb.exp_binary_supports(
            X, centred, self.n_hidden, xp, baseline=baseline
        )
        if not converged:
            warnings.warn(
                f"{type(self).__name__}: method='binary_exp': an ascent of the "
                f"exponential correlation stopped at {_htb.MAX_ITER} iterations "
                "before converging (a nearly flat ridge between two supports); "
                "the supports may be wrong. Use more samples.",
                ConvergenceWarning,
                stacklevel=4,
            )
        self.n_iter_ = n_iter
        W, scale = _htb.binary_columns(supports, X.shape[1])
        return ns.asarray(W, dtype=X.dtype), ns.asarray(scale, dtype=X.dtype)

    # ------------------------------------------------------- upper polynomial
    def _hidden(self, X, ns):
        W = ns.asarray(self.hidden_weights_, dtype=X.dtype)
        scale = ns.asarray(self.hidden_scale_, dtype=X.dtype)
        return _hidden_unit(self.activation)((X @ W) * scale - self.threshold_)

    def _fit_upper(self, X, y, weights, ns):
        """Ridge on the multilinear monomials of the recovered hidden units,
        ``sum_i w_i r_i**2 + alpha ||coef_std||**2`` (``w = 1`` unweighted).

        With a high threshold most rows have every unit off, hence a zero row
        of monomials: those rows enter the least squares as one aggregated row
        (``sqrt(W_0) (0 - mean) / std`` against ``sqrt(W_0) (mean_0(y) -
        mean(y))``, ``W_0`` their total weight), which leaves the solution
        unchanged and the cost proportional to the active rows."""
        xp = ns.xp
        powers = _ht.multilinear_powers(
            self.n_hidden_, self.upper_degree, self.unit_degree
        )
        H = self._hidden(X, ns)
        on = xp.any(H != 0, axis=1)
        if int(xp.count_nonzero(on)) > X.shape[0] // 2:  # dense: no zero rows
            on = xp.ones(X.shape[0], dtype=xp.bool, device=ns.device)
        off = xp.logical_not(on)
        w = xp.ones_like(y) if weights is None else weights
        w_on, w_off = w[on], w[off]
        Phi, y_on = _ht.multilinear_features(H[on], powers, xp), y[on]
        total, w0 = xp.sum(w), float(xp.sum(w_off))
        mean_phi, mean_y = (w_on @ Phi) / total, (w @ y) / total
        # zero rows add W_0 mean**2 to the centred sum of squares
        spread = w_on @ ((Phi - mean_phi) ** 2) + w0 * mean_phi**2
        std = xp.sqrt(spread / total)
        std = xp.where(std > 0, std, 1.0)
        root = xp.sqrt(w_on)
        rows = (Phi - mean_phi) / std * root[:, None]
        rhs = (y_on - mean_y) * root
        if w0 > 0:
            mean_off = (w_off @ y[off]) / w0
            rows = xp.concat([rows, (-(w0**0.5) * mean_phi / std)[None, :]])
            rhs = xp.concat([rhs, xp.reshape(w0**0.5 * (mean_off - mean_y), (1,))])
        # ridge as least squares on [Phi_std; sqrt(alpha) I]: no squared condition
        m = Phi.shape[1]
        eye = xp.eye(m, dtype=X.dtype, device=ns.device)
        A = xp.concat([rows, self.alpha**0.5 * eye])
        b = xp.concat([rhs, xp.zeros(m, dtype=y.dtype, device=ns.device)])
        coef = lstsq(A, b, xp) / std
        self.upper_powers_ = ns.output(ns.asarray(powers))
        self.upper_coef_ = ns.output(coef)
        self.upper_intercept_ = float(mean_y - mean_phi @ coef)

    def transform(self, X):
        """Compute the outputs of the recovered hidden layer, ``u(w_i^T x - t)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs, in the namespace (and on the device) of the fit.

        Returns
        -------
        H : ndarray of shape (n_samples, n_hidden_)
            ``u(hidden_scale_ * hidden_weights_^T x - threshold_)``, one column
            per recovered unit.
        """
        X, ns = validate_fitted_input(self, X, "transform")
        return ns.output(self._hidden(X, ns))

    def predict(self, X):
        """Predict with the recovered layer and the fitted upper polynomial.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs, in the namespace (and on the device) of the fit.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            ``P`` of the hidden units: ``upper_intercept_`` plus the fitted
            monomials ``upper_coef_``.
        """
        X, ns = validate_fitted_input(self, X, "predict")
        return ns.output(self._predict_array(X, ns))

    @property
    def _n_features_out(self):
        """Number of transformed output features (for get_feature_names_out)."""
        return self.n_hidden_


def _biased_needs_gaussian(option):
    return (
        f"{option} needs Gaussian rows (RefineEstimate reads sgn(f - c0) off "
        "them; control variates add expectations under N(0, I)), but "
        "sampling='biased' rows follow App. B.7's oracle. Set refine=False and "
        "control_variates=0."
    )


def _second_moment(X, f, xp):
    """``E[f (x x^T - I)]`` (the ``sqrt(2) E[f H_2]`` matrix of Sec. 1)."""
    M = _ht.correlation_matrix(X, f, xp)
    eye = xp.eye(M.shape[0], dtype=M.dtype, device=device_of(M))
    return M - xp.mean(f) * eye


def _active_rows(X, f, xp):
    """Rows where ``f != 0``, with ``f`` rescaled so batch means stay means over
    all ``N`` rows: every expectation is ``E[f g(x)]``, and with a high threshold
    most samples have ``f = c0``, i.e. ``f - c0 = 0`` (exact, not a sample)."""
    active = f != 0
    n_active = int(xp.count_nonzero(active))
    if n_active == 0 or n_active > f.shape[0] // 2:
        return X, f
    return X[active], f[active] * (n_active / f.shape[0])


def _median(y, weights, xp):
    """(Weighted) median of ``y`` as a float; the standard has no ``median``.

    With weights: the median of ``y`` with each row repeated ``weights`` times
    (exactly so for integer weights): the mean of the first sorted values whose
    cumulative weight reaches and exceeds half the total.
    """
    if weights is None:
        s = xp.sort(y)
        n = s.shape[0]
        if n % 2:
            return float(s[n // 2])
        return (float(s[n // 2 - 1]) + float(s[n // 2])) / 2.0
    order = xp.argsort(y)
    ys = xp.take(y, order)
    cumulative = xp.cumulative_sum(xp.take(weights, order))
    half = float(cumulative[-1]) / 2.0
    lower = min(int(xp.count_nonzero(cumulative < half)), ys.shape[0] - 1)
    upper = min(int(xp.count_nonzero(cumulative <= half)), ys.shape[0] - 1)
    return (float(ys[lower]) + float(ys[upper])) / 2.0


def _warn_if_few_active(n_active, n_features):
    """Warn when too few samples have a hidden unit on (``y != c0``).

    With a high threshold only ``N d Phi^c(t)`` samples carry signal; the
    subspace step estimates an ``n x n`` matrix from them, whose angle error is
    about ``sqrt(n / N_active)`` (measured: n=20, t=3.5, N=3e5 has ~200 active
    samples and errors of 0.4-1.1 rad). Below ``25 n`` active samples (error
    around 0.2 rad) the recovery is unreliable.
    """
    needed = _ACTIVE_PER_FEATURE * n_features
    if n_active < needed:
        warnings.warn(
            f"HighThresholdLayerRecovery: only {n_active} samples have y != "
            f"median(y) (a hidden unit above the threshold); recovering W* in "
            f"{n_features} dimensions needs about {needed} of them (expected "
            f"angle error sqrt(n / active) = "
            f"{math.sqrt(n_features / max(n_active, 1)):.2g} rad). Provide about "
            f"{math.ceil(needed / max(n_active, 1))}x more samples or use a lower "
            "threshold.",
            UserWarning,
            stacklevel=5,
        )


_SCALE_CHECK_ROWS = 20000
"""Rows of ``X`` whose second moment :func:`_warn_if_not_standard_gaussian` checks."""


def _warn_if_not_standard_gaussian(X, xp):
    """Warn when ``E[x x^T]`` is far from ``I`` (the paper's ``x ~ N(0, I_n)``).

    The eigenvalues of ``X^T X / m`` on the first ``m <= 20000`` rows (one
    ``n x n`` product, host eigenvalues) should lie within the sampling spread
    ``(1 +- sqrt(n / m))**2``; outside twice that range the Hermite
    correlations of every method are biased (badly scaled or correlated
    columns), and whitening fixes it.
    """
    m, n = min(X.shape[0], _SCALE_CHECK_ROWS), X.shape[1]
    Xs = X[:m, ...]
    evals = np.linalg.eigvalsh(to_numpy(Xs.T @ Xs) / m)
    spread = math.sqrt(n / m)
    low = 0.5 * (1.0 - spread) ** 2 if spread < 1 else 0.0
    high = 2.0 * (1.0 + spread) ** 2
    if evals[0] < low or evals[-1] > high:
        warnings.warn(
            "HighThresholdLayerRecovery assumes x ~ N(0, I) (Sec. 1), but the "
            f"eigenvalues of X^T X / N lie in [{evals[0]:.3g}, {evals[-1]:.3g}] "
            f"(expected within [{low:.2g}, {high:.2g}] for {m} samples). Whiten the "
            "input first: make_pipeline(WhiteningTransformer(), "
            "HighThresholdLayerRecovery(...)).",
            UserWarning,
            stacklevel=4,
        )


def _metric_root(metric, xp):
    """``sqrt(diag(metric))`` as a column, for the change of variables
    ``Y = metric**(1/2) Z``: gradient steps on ``Y`` are the metric-preconditioned
    steps ``Z <- Z - lr metric^{-1} grad_Z`` (the metric is diagonal, see
    ``_principal_subspace``), and ``grad_Y`` is a true gradient, as L-BFGS-B's
    line search needs."""
    return xp.sqrt(xp.linalg.diagonal(metric))[:, None]


def _select_minima(Z, losses, metric, d, xp):
    """Distinct minima, lowest loss first: ``|cos|`` in the metric below 0.5.

    True minima are orthonormal in the ``E[f H_2]`` metric (they are columns of
    ``(T W*^T)^{-1}``), so runs that found the same minimum (up to sign) have
    ``|cos|`` near 1 and different minima near 0.
    """
    Z, losses = to_numpy(Z), to_numpy(losses)
    M = to_numpy(metric)
    norms = np.sqrt(np.einsum("ij,ij->j", Z, M @ Z))
    Zn = Z / norms
    chosen = []
    for j in np.argsort(losses):
        if not np.isfinite(losses[j]):
            continue
        if all(abs(Zn[:, j] @ M @ Zn[:, i]) < _SAME_MINIMUM for i in chosen):
            chosen.append(j)
        if len(chosen) == d:
            break
    return asarray(Zn[:, chosen], xp, dtype=metric.dtype, device=device_of(metric))
