"""One-hidden-layer network recovery of Zhong, Song, Jain, Bartlett & Dhillon (2017).

:class:`TensorInitOneHiddenLayer` fits ``y = sum_i v_i phi(w_i^T x)`` to samples with
``x ~ N(0, I)``: the method-of-moments tensor initialization (Algorithm 1, in
:mod:`sklearn_polynn._tensor`) puts the weights inside the region where the
empirical risk is locally strongly convex (Theorem 4.2), and gradient descent
(Algorithm 2) then converges linearly to the ground truth (Theorem 4.4, 6.1).
"""

import functools
import math
import warnings
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils import Bunch, check_random_state
from sklearn.utils.validation import check_is_fitted

from ._backend import (
    asarray,
    device_of,
    get_namespace,
    resolve_namespace,
    to_numpy,
)
from ._base import _PolynnEstimatorMixin
from ._compat import Interval, IntInterval, StrOptions, _fit_context
from ._optim import (
    EarlyStopping,
    early_stopping_split,
    make_optimizer,
    minimize,
)
from ._tensor import (
    _AUTO_GAP_RATIO,
    _times,
    _unit_mean,
    estimate_n_hidden,
    moment_orders,
    tensor_initialization,
)
from ._validation import (
    ITERATIVE_CONSTRAINTS,
    check_y_given,
    validate_fitted_input,
    validate_input,
    validate_sample_weight,
)
from .activations import Activation, get_activation
from .parallel import compute_if_dask, is_dask_collection, predict_blocks

__all__ = ["TensorInitOneHiddenLayer", "local_hessian"]

# tol=None: L-BFGS-B's ftol (decrease relative to max(loss, 1)) of 1e-16 stops a
# realizable teacher at loss ~1e-17, parameter error ~1e-8 (1e-10 stops at
# ~3e-6, measured); GD's plateau rule keeps its former 1e-10.
_DEFAULT_TOL = {"lbfgs": 1e-16, "gd": 1e-10}
# n_hidden=None: min(5, n_features) (Zhong et al. need k <= d).
_DEFAULT_N_HIDDEN = 5
_NAMED_ACTIVATIONS = {"relu", "leaky_relu", "squared_relu", "sigmoid", "tanh", "erf"}


def _min_samples_for_split(n_hidden, resample):
    """Algorithm 1 splits the samples into three parts of ``>= k + 1`` each.

    Fewer make the ``k``-dimensional moments of a part rank deficient; recovery
    itself needs ``O~(d)`` samples (Theorem 5.6), thousands for ``d = 10``.
    """
    return (3 if resample else 1) * (n_hidden + 1)


def _gaussian_deviation(X, projected_covariance, weights=None):
    """Why ``X`` does not look like ``N(0, I)``, or ``None``.

    Checks, with tolerances that scale with the sampling error, the feature
    means, the feature variances (one pass each) and the covariance of the
    projections ``V^T x`` that Algorithm 1 used (``k x k``, free). ``weights``
    (mean 1): weighted means and variances.
    """
    xp = get_namespace(X)
    n, d = X.shape
    k = projected_covariance.shape[0]
    column = None if weights is None else weights[:, None]
    means = xp.mean(_times(X, column), axis=0)
    if weights is None:
        variance = xp.var(X, axis=0)
    else:
        centered = X - means
        variance = xp.mean(centered * centered * column, axis=0)
    means, variance = compute_if_dask(means, variance)  # one pass on Dask
    mean = np.abs(to_numpy(means)).max()
    variance = np.asarray(to_numpy(variance))
    eigenvalues = np.linalg.eigvalsh(projected_covariance)
    if mean > 0.1 + 5.0 / math.sqrt(n):
        return f"a feature has mean {mean:.3g}"
    spread = 0.2 + 6.0 * math.sqrt(2.0 / n)
    if np.abs(variance - 1.0).max() > spread:
        return (
            f"feature variances range over [{variance.min():.3g}, {variance.max():.3g}]"
        )
    spread = 0.2 + 4.0 * math.sqrt(k / (n / 3.0))
    if np.abs(eigenvalues - 1.0).max() > spread:
        return (
            "the covariance along the recovered subspace has eigenvalues in "
            f"[{eigenvalues.min():.3g}, {eigenvalues.max():.3g}]"
        )
    return None


class TensorInitOneHiddenLayer(_PolynnEstimatorMixin, RegressorMixin, BaseEstimator):
    """One-hidden-layer network ``sum_i v_i phi(w_i^T x)`` by tensor init + GD.

    Implements the globally converging algorithm of Zhong et al. (2017) for
    Gaussian inputs ``x ~ N(0, I_d)``: the moment-based tensor initialization
    of Algorithm 1 (power method on ``P2``, reduced tensor ``R3 = P3(V, V, V)``,
    non-orthogonal CP decomposition, RecMagSign) followed by gradient descent on
    the squared loss (Algorithm 2). Sample complexity and time are linear in
    ``d``; the output weights ``v`` of a homogeneous activation are recovered
    exactly (as signs, their magnitude absorbed into ``||w_i||``).

    Parameters
    ----------
    n_hidden : int, "auto" or None, default=None
        Number of hidden units ``k``; must satisfy ``k <= n_features`` (the
        hidden weights of Zhong et al. are linearly independent: Assumption
        of Theorem 5.6). ``None``: ``min(5, n_features)``, so that the default
        fits data with fewer than 5 features.
        "auto": ``k`` at the largest eigen-gap of the empirical ``P2``
        (rank ``k`` by Claim 5.5), estimated on all samples before Algorithm 1
        (:func:`sklearn_polynn._tensor.estimate_n_hidden`); the estimate is
        limited to ``k < n_features / 2`` and stored in ``n_hidden_``. A
        ``UserWarning`` with the spectrum is raised when the largest ratio of
        consecutive ``|eigenvalues|`` is below 2.5 (no clear gap). Reliable
        for ``P2 = M_2`` (the ReLU family); for tanh and erf ``P2 =
        M_3(I, I, alpha)`` weighs unit ``i`` by ``alpha^T wbar_i`` and a unit
        with a small weight can be missed.
    activation : {"relu", "leaky_relu", "squared_relu", "sigmoid", "tanh", \
            "erf"}, Activation or (function, derivative), default="squared_relu"
        ``phi``. With ``init="tensor"`` the activation must satisfy the four
        items of Assumption 5.3, checked from its analytic ``m_j`` and its
        parity; a ``ValueError`` names the failed item. The sigmoid fails item
        4 (``M_2 = M_4 = 0`` but it is not odd, so ``v`` is not identifiable)
        and is supported with ``init="random"`` only. Homogeneous activations
        (the ReLU family) get RecMagSign, tanh and erf a least-squares fit of
        the magnitudes.
    init : {"tensor", "random"}, default="tensor"
        "tensor": Algorithm 1. "random": Gaussian ``W`` (entries
        ``N(0, 1/d)``) and ``v`` (``N(0, 1)``), the baseline of Fig. 1(c).
    solver : {"lbfgs", "gd"}, default="lbfgs"
        Local search on the empirical risk after the initialization (Algorithm
        2 uses gradient descent). "lbfgs": SciPy's L-BFGS-B, full batch. "gd":
        gradient descent with ``learning_rate``. The default is L-BFGS-B because
        it was measured faster and more accurate from the same tensor
        initialization (``benchmarks/bench_tensor_init.py``, squared ReLU,
        ``N=20000, d=20, k=5``: 48 iterations in 0.14x the fit time of GD
        with the paper's ``eta = 0.02``, recovery error 3e-9 against 4e-5
        after GD's 526 iterations; the line search ``learning_rate="auto"``:
        0.37x, 6e-6), and it needs no step size, so it neither
        diverges on whitened or rescaled inputs nor depends on the scale of
        ``y``.
    learning_rate : float or "auto", default="auto"
        Step of ``solver="gd"`` (ignored by "lbfgs"). "auto": Armijo
        backtracking line search, which follows the curvature of the loss and
        never increases it (see :mod:`sklearn_polynn._optim`). A float is a
        fixed step ``eta`` (0.02 in the paper's Sec. 7), an explicit choice: it
        diverges once the curvature, which grows with the scale of ``X`` and
        ``y``, exceeds ``2 / eta``.
    max_iter : int, default=1000
        Maximum iterations of the local search (epochs when ``batch_size`` is
        set).
    tol : float or None, default=None
        "gd": an iteration improves when the loss drops by more than ``tol``.
        "lbfgs": SciPy's ``ftol`` and ``gtol`` (stop when an iteration lowers
        the loss by less than ``tol * max(loss, 1)`` or the largest gradient
        entry is below ``tol``). ``None``: 1e-16 for "lbfgs" (on a realizable
        teacher the loss stops near 1e-17, parameter error near 1e-8; 1e-10
        would stop at error ~3e-6) and 1e-10 for "gd".
    n_iter_no_change : int, default=20
        "gd": stop after this many iterations without improvement. With early
        stopping (every solver): stop after this many iterations without an
        improvement of the validation score by more than the ``tol`` of the
        solver.
    fit_intercept : bool, default=True
        Add a trained output offset ``b`` to the network, ``f(x) = sum_i v_i
        phi(w_i^T x) + b``, started at the (weighted) mean residual of the
        initialization. Algorithm 1 is unchanged (its moments are orthogonal
        to a constant), and on the paper's teacher data the optimum is
        ``b = 0``; on real data without a teacher the offset is needed:
        without it, the defaults on ``make_friedman1(500)`` behind
        ``StandardScaler`` reach a *training* R^2 of -2.2 to -0.2 (5-fold
        CV R^2 -2.26, the squared-ReLU units cannot carry the target's mean
        of 14 from the tensor initialization), with it 0.80 (RidgeCV 0.70).
        ``False`` is the paper's model without bias. L-BFGS-B recovers a
        teacher with or without ``b`` (parameter error 4e-10 either way,
        whitened correlated inputs); plain GD is slowed by ``b``, which
        couples to ``||w_i||^2`` through the mean of ``phi`` (``1e6 y``
        teacher, ``learning_rate="auto"``: error 0.04 after 1000 iterations
        against 1e-12 after 165 without), so use ``fit_intercept=False``
        with ``solver="gd"`` on the paper's model. On inputs the
        initialization flags as far from ``N(0, I)``, a fit that ends
        (before ``max_iter``) worse than predicting the mean of ``y`` raises
        a ``ValueError`` that says to standardize or whiten ``X``.
    early_stopping : bool or "auto", default="auto"
        Hold out ``validation_fraction`` of the rows (drawn from
        ``random_state``), stop the local search when their R^2 has not
        improved for ``n_iter_no_change`` iterations (L-BFGS-B: checked at
        every iteration) and keep the weights of the best validation R^2, as
        ``MLPRegressor(early_stopping=True)``; Algorithm 1 then uses the
        other rows only. "auto": on when the network has more parameters
        than rows, ``n_hidden (n_features + 1) > n_samples`` (small data,
        where the local search can fit the noise), both parts get at least
        2 rows and a positive total ``sample_weight``, and the training part
        keeps the samples Algorithm 1 needs (``init="tensor"``); off
        otherwise (``True`` raises there), so the paper's large-sample
        recovery uses every row. Not with ``dask.array``
        input (``True`` raises; "auto" is off) nor with ``warm_start``
        continuation (ignored).
    validation_fraction : float in (0, 1), default=0.1
        Fraction of the rows held out for early stopping (rounded up; both
        parts need at least 2 rows).
    fit_output_weights : bool, default=False
        Also update ``v`` by gradient descent. ``False`` keeps ``v`` from the
        initialization (Algorithm 2); use ``True`` for non-homogeneous
        activations, whose ``v`` the initialization only estimates, and for
        ``init="random"`` (approach II of Fig. 1(c)).
    n_power_iter : int, default=100
        Maximum subspace iterations of the power method.
    n_projections : int, default=100
        Random slice pairs tried by the CP decomposition (``L`` of Sec. 7).
    resample : bool, default=True
        Algorithm 1's split of the samples into three parts, one per moment
        (``P2``, ``R3``, RecMagSign), as the analysis requires. ``False`` uses
        every sample for every moment, as the paper's experiments do ("we
        don't do the resampling", Sec. 7); in our measurements this roughly
        halves the initialization error at a given ``N``.
    tensor_alpha : {"adaptive", "random"}, default="adaptive"
        The vector ``alpha`` of Definition 5.4 in ``P2 = M_j(I, I, alpha, ..)``
        (``j >= 3``: tanh, erf) and ``P3 = M_4(I, I, I, alpha)`` (ReLU, leaky
        ReLU); unused by the squared ReLU (``P2 = M_2``, ``P3 = M_3``).
        "random": the paper's choice, one uniformly random unit ``alpha`` in
        ``R^d`` for both. "adaptive": ``P2`` uses the direction of ``M_1``,
        which lies in ``span(W*)``, and ``P3`` a random ``alpha`` of the
        recovered ``span(V)`` followed by a second pass with the ``alpha`` that
        weighs all recovered units equally. A random ``alpha`` in ``R^d`` weighs
        unit ``i`` by ``alpha^T wbar_i = O(d^{-1/2})``, and a unit with a small
        weight is lost in the noise; "adaptive" is the default because it was
        measured more accurate (see the Notes).
    batch_size : int or None, default=None
        Mini-batch size of ``solver="gd"``; ``None`` is full batch.
    gd_resample : bool, default=False
        Algorithm 2 with resampling, as its analysis (Theorem 6.1) assumes:
        the samples are partitioned into ``max_iter + 1`` parts, the
        initialization uses ``S_0`` only and gradient step ``q`` uses the
        fresh part ``S_q`` (``solver="gd"``, ``batch_size=None``). ``False``
        (default, as the paper's experiments): the initialization and every
        step use all samples.
    warm_start : bool, default=False
        When the estimator is already fitted, skip the initialization and
        continue the local search from the previous fit's weights (the
        ``init_*`` attributes and the ``loss_curve_`` are kept and extended).
    dtype : {"float64", "float32"}, default="float64"
        Precision of the computation.
    device : {None, "cpu", "cuda"}, default=None
        Where to compute; ``None`` follows the input.
    random_state : int, RandomState instance or None, default=None
        Seeds the split, the random directions, ``init="random"`` and the
        mini-batch order.
    verbose : int, default=0
        Print the loss every iteration when > 0.

    Attributes
    ----------
    hidden_weights_ : ndarray of shape (n_features_in_, n_hidden)
        Fitted ``W``; column ``i`` is ``w_i``.
    output_weights_ : ndarray of shape (n_hidden,)
        Fitted ``v``.
    n_hidden_ : int
        Number of hidden units fitted (``n_hidden``, or its estimate for
        "auto").
    p2_spectrum_ : ndarray of shape (n_features_in_,)
        With ``n_hidden="auto"``: the ``|eigenvalues|`` of ``P2`` in
        decreasing order, whose gap chose ``n_hidden_``.
    init_hidden_weights_ : ndarray of shape (n_features_in_, n_hidden)
        ``W`` before gradient descent (the tensor method's output).
    init_output_weights_ : ndarray of shape (n_hidden,)
        ``v`` before gradient descent.
    intercept_ : float
        Output offset ``b`` (0.0 with ``fit_intercept=False``).
    validation_scores_ : list of float or None
        R^2 on the held-out rows after every local-search iteration; ``None``
        without early stopping.
    best_validation_score_ : float or None
        The best of ``validation_scores_`` (or the score of the
        initialization, if no iteration improved on it), whose weights were
        kept; ``None`` without early stopping.
    loss_curve_ : list of float
        Loss ``(1/2N) sum (f(x) - y)^2`` at each iteration (L-BFGS-B: one
        entry per iteration; ``gd_resample``: on that iteration's part).
    n_iter_ : int
        Local-search iterations run (summed over ``warm_start`` fits).
    n_features_in_ : int
        Number of features seen during :term:`fit`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during :term:`fit`, when ``X`` has string
        feature names.

    See Also
    --------
    sklearn_polynn.WhiteningTransformer : Put it in front for ``x ~ N(0, Sigma)``.
    sklearn.neural_network.MLPRegressor : Generic network trained from a random
        initialization.

    Notes
    -----
    Sample use: with the defaults, Algorithm 1 splits the samples into three
    parts (``resample=True``) and the local search then uses all of them,
    full batch, at every iteration (no resampling, as in Sec. 7);
    ``gd_resample=True`` gives the partition of Algorithm 2 instead. The
    network has no bias or output offset (the model of the paper), so it
    cannot represent a constant: a constant ``y`` triggers a warning.
    Large or small targets need no rescaling with "lbfgs" or
    ``learning_rate="auto"``; a fixed ``learning_rate`` must be scaled by
    about ``1 / scale(y)`` for a homogeneous activation.

    Algorithm 1 splits the samples into three parts and needs at least
    ``3 (n_hidden + 1)`` of them (``n_hidden + 1`` with ``resample=False``);
    recovery needs ``O~(d)`` times a polynomial in ``k`` and the condition
    number (Theorem 5.6), in practice a few thousand for ``d = 10`` (see the
    Fig. 1 reproductions). The moments assume ``x ~ N(0, I)``; inputs that look
    otherwise trigger a warning. Three choices leave the population moments
    unchanged and lower the variance: ``y`` is replaced by its residual on
    lower-degree polynomials (orthogonal to the Hermite tensors of higher
    degree); ``alpha`` in ``P2`` is the direction of ``M_1`` when ``M_2 = 0``
    (a uniformly random ``alpha`` weighs the units by ``O(d^{-1/2})``); and
    when ``P3 = M_4(I, I, I, alpha)`` (ReLU) a second pass uses the ``alpha``
    of ``span(V)`` that weighs all recovered units equally
    (``tensor_alpha="adaptive"``). Measured median initialization error over 6
    seeds, ``N = 20000``, against ``tensor_alpha="random"`` (Definition 5.4):
    ReLU 0.16 vs 0.43 (``d = 10, k = 3``) and 0.37 vs 0.60 (``d = 20,
    k = 5``); tanh 0.15 vs 0.32 and 0.36 vs 0.80. ``P2`` is formed
    explicitly when ``d <= 40 k`` (one ``d x d`` GEMM beats many skinny ones)
    and is applied matrix-free otherwise. The CP decomposition is Jennrich's
    simultaneous diagonalization (exact for an exact low-rank tensor) refined by
    alternating least squares; it is chosen over Kuleshov et al.'s joint
    diagonalization because on a ``k x k x k`` tensor both cost nothing next
    to the ``O(N d k)`` passes over the data, and ALS gives the least-squares
    fit of all ``k^3`` entries.

    References
    ----------
    .. [1] K. Zhong, Z. Song, P. Jain, P. L. Bartlett and I. S. Dhillon,
       "Recovery guarantees for one-hidden-layer neural networks", ICML 2017,
       Algorithm 1, Algorithm 2, Theorems 4.4, 5.6 and 6.1.
    .. [2] V. Kuleshov, A. Chaganty and P. Liang, "Tensor factorization via
       matrix factorization", AISTATS 2015.

    Examples
    --------
    >>> from sklearn_polynn import TensorInitOneHiddenLayer
    >>> from sklearn_polynn.datasets import make_teacher_network
    >>> X, y = make_teacher_network(6000, 10, 3, random_state=0)
    >>> model = TensorInitOneHiddenLayer(n_hidden=3, max_iter=3000, random_state=0)
    >>> print(round(model.fit(X, y).score(X, y), 6))
    1.0
    """

    _parameter_constraints = {
        "n_hidden": [IntInterval(1, None, closed="left"), StrOptions({"auto"}), None],
        "activation": [StrOptions(_NAMED_ACTIVATIONS), Activation, tuple],
        "init": [StrOptions({"tensor", "random"})],
        "solver": [StrOptions({"lbfgs", "gd"})],
        "learning_rate": [
            Interval(Real, 0, None, closed="neither"),
            StrOptions({"auto"}),
        ],
        "gd_resample": ["boolean"],
        "warm_start": ["boolean"],
        "fit_output_weights": ["boolean"],
        "fit_intercept": ["boolean"],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_power_iter": [IntInterval(1, None, closed="left")],
        "n_projections": [IntInterval(1, None, closed="left")],
        "resample": ["boolean"],
        "tensor_alpha": [StrOptions({"adaptive", "random"})],
        "batch_size": [IntInterval(1, None, closed="left"), None],
        "dtype": [StrOptions({"float64", "float32"})],
        "device": [StrOptions({"cpu", "cuda"}), None],
        "random_state": ["random_state"],
        **ITERATIVE_CONSTRAINTS,
        "tol": [Interval(Real, 0, None, closed="left"), None],
    }

    def __init__(
        self,
        *,
        n_hidden=None,
        activation="squared_relu",
        init="tensor",
        solver="lbfgs",
        learning_rate="auto",
        max_iter=1000,
        tol=None,
        n_iter_no_change=20,
        fit_intercept=True,
        early_stopping="auto",
        validation_fraction=0.1,
        fit_output_weights=False,
        n_power_iter=100,
        n_projections=100,
        resample=True,
        tensor_alpha="adaptive",
        batch_size=None,
        gd_resample=False,
        warm_start=False,
        dtype="float64",
        device=None,
        random_state=None,
        verbose=0,
    ):
        self.n_hidden = n_hidden
        self.activation = activation
        self.init = init
        self.solver = solver
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.fit_intercept = fit_intercept
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.fit_output_weights = fit_output_weights
        self.n_power_iter = n_power_iter
        self.n_projections = n_projections
        self.resample = resample
        self.tensor_alpha = tensor_alpha
        self.batch_size = batch_size
        self.gd_resample = gd_resample
        self.warm_start = warm_start
        self.dtype = dtype
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Tensor-initialize (or randomly initialize) and run gradient descent.

        Parameters
        ----------
        X : array-like or dask.array of shape (n_samples, n_features)
            Inputs, assumed ``N(0, I)`` for ``init="tensor"``. On a
            ``dask.array`` every gradient step sums per-block gradients on the
            workers (full batch, ``batch_size=None``), the moments of
            Algorithm 1 are per-block reductions, and the fit gives the NumPy
            model up to floating-point summation order.
        y : array-like or dask.array of shape (n_samples,)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights, in the namespace and on the device of
            ``X`` (moved there otherwise). Both the moments of Algorithm 1
            (weighted means, including the control variates' normal equations
            and RecMagSign) and the squared loss of the local search are
            weighted. With ``resample=False`` (and ``gd_resample=False``,
            full batch) integer weights give the model of the data set with
            repeated rows; with ``resample=True`` the random split of
            Algorithm 1 keeps a weighted row whole in one part, so weights and
            repeated rows give different (equally valid) splits. Not
            supported for ``dask.array`` input.

        Returns
        -------
        self : TensorInitOneHiddenLayer
            Fitted estimator.
        """
        rng = check_random_state(self.random_state)
        activation = self._get_activation()
        check_y_given(self, y)
        X_gd = y_gd = None
        if is_dask_collection(X) or is_dask_collection(y):
            if sample_weight is not None:
                raise ValueError(
                    "sample_weight is not supported for dask input "
                    "(TensorInitOneHiddenLayer); got sample_weight of type "
                    f"{type(sample_weight).__name__}. Fit without sample_weight "
                    "or on NumPy / array-API arrays."
                )
            X, y, X_gd, y_gd = self._dask_input(X, y)
        warm = self.warm_start and hasattr(self, "hidden_weights_")
        X, y, ns = validate_input(
            self,
            X,
            y,
            reset=X_gd is None and not warm,
            dtype=self.dtype,
            device=self.device,
            fitted=self.hidden_weights_ if warm else None,
            method="fit",
        )
        if X_gd is not None:  # the data, not the one-row stand-in
            X, y = X_gd, y_gd
            ns = resolve_namespace("cpu")  # data-parallel steps: host parameters
        n_samples, n_features = X.shape
        weights = validate_sample_weight(sample_weight, X.shape[0], ns, X.dtype)
        self.n_hidden_ = self._resolve_n_hidden(X, y, activation, rng, warm, weights)
        if self.n_hidden_ > n_features:
            raise ValueError(
                f"n_hidden must be <= n_features (the hidden weights must be "
                f"linearly independent); got n_hidden={self.n_hidden} and "
                f"n_features={n_features}."
            )
        _warn_if_constant(y)
        held_out = None
        if not warm:
            X, y, weights, held_out = self._split_validation(
                X, y, weights, rng, X_gd is not None
            )
        X_init, y_init, w_init, gd_rows = X, y, weights, None
        self._input_deviation = None
        if self.gd_resample:
            X_init, y_init, w_init, gd_rows = self._resample_parts(X, y, weights, rng)
        if warm:
            W0, v0 = self._warm_start_weights(n_features)
        elif self.init == "tensor":
            W0, v0 = self._tensor_init(X_init, y_init, activation, rng, w_init)
        else:
            W0 = rng.standard_normal((n_features, self.n_hidden_)) / math.sqrt(
                n_features
            )
            v0 = rng.standard_normal(self.n_hidden_)
        W0 = ns.asarray(to_numpy(W0), X.dtype)
        v0 = ns.asarray(to_numpy(v0), X.dtype)
        b0 = None
        if self.fit_intercept:
            b0 = self._initial_intercept(X, y, W0, v0, activation, weights, warm)
            b0 = ns.asarray(np.array([b0]), X.dtype)
        validation = None
        if held_out is not None:
            validation = EarlyStopping(
                functools.partial(_r2_score, *held_out, activation=activation, v0=v0),
                self.n_iter_no_change,
                self._tol(),
            )
        result = gradient_descent(
            X,
            y,
            W0,
            v0,
            activation,
            solver=self.solver,
            learning_rate=self.learning_rate,
            max_iter=self.max_iter,
            tol=self._tol(),
            n_iter_no_change=self.n_iter_no_change,
            fit_output_weights=self.fit_output_weights,
            batch_size=self.batch_size,
            rng=rng,
            verbose=self.verbose,
            device=self.device,
            partition=gd_rows,
            sample_weight=weights,
            loss_curve=list(self.loss_curve_) if warm else None,
            stacklevel=5,  # minimize < gradient_descent < fit < _fit_context < user
            b0=b0,
            validation=validation,
        )
        b = result.params.get("b")
        if b is not None and self._input_deviation is not None:
            # before any fitted attribute changes: a rejected fit leaves none
            self._check_better_than_the_mean(y, weights, result)
        if not warm:
            self.init_hidden_weights_ = ns.output(W0)
            self.init_output_weights_ = ns.output(v0)
        self.hidden_weights_ = ns.output(result.params["W"])
        self.output_weights_ = ns.output(result.params.get("v", v0))
        self.intercept_ = 0.0 if b is None else float(b[0])
        # None when this call ran no early stopping (also warm_start calls)
        self.validation_scores_ = None if validation is None else validation.scores
        self.best_validation_score_ = (
            None if validation is None else validation.best_score
        )
        self.loss_curve_ = result.loss_curve
        self.n_iter_ = result.n_iter + (self.n_iter_ if warm else 0)
        return self

    def _resolve_n_hidden(self, X, y, activation, rng, warm, weights=None):
        """``n_hidden`` (``None``: ``min(5, n_features)``), or for "auto" the
        eigen-gap estimate (and a warning)."""
        if self.n_hidden is None:
            if not warm:
                self.__dict__.pop("p2_spectrum_", None)
            return min(_DEFAULT_N_HIDDEN, X.shape[1])
        if self.n_hidden != "auto":
            if not warm:
                self.__dict__.pop("p2_spectrum_", None)  # of an earlier "auto" fit
            return self.n_hidden
        if warm:  # continue with the units of the previous fit
            return self.hidden_weights_.shape[1]
        orders = moment_orders(activation)
        k, spectrum, gap = estimate_n_hidden(
            X, y, orders, rng, alpha=self.tensor_alpha, sample_weight=weights
        )
        self.p2_spectrum_ = spectrum
        if gap < _AUTO_GAP_RATIO:
            shown = np.array2string(spectrum[:12], precision=3)
            warnings.warn(
                "TensorInitOneHiddenLayer: n_hidden='auto' found no clear "
                f"eigen-gap in P2 (largest ratio of consecutive |eigenvalues| "
                f"{gap:.3g} < {_AUTO_GAP_RATIO}, at k={k}); |eigenvalues| in "
                f"decreasing order: {shown}. Using n_hidden={k}; set n_hidden "
                "explicitly or use more samples.",
                UserWarning,
                stacklevel=4,  # helper < fit < _fit_context < the user's call
            )
        return k

    def _split_validation(self, X, y, weights, rng, dask_input):
        """Training ``X, y, weights`` and the held-out ``(X, y, weights)``
        (None when early stopping is off). "auto" is on when ``n_hidden
        (n_features + 1) > n_samples`` and the training part keeps the
        samples that Algorithm 1 needs."""
        n_samples, n_features = X.shape
        min_train = 2
        if self.init == "tensor":
            min_train = _min_samples_for_split(self.n_hidden_, self.resample)
        split = early_stopping_split(
            self.early_stopping,
            self.validation_fraction,
            self.n_hidden_ * (n_features + 1) > n_samples,
            n_samples,
            rng,
            type(self).__name__,
            dask_input=dask_input,
            weights=weights,
            min_train=min_train,
        )
        if split is None:
            return X, y, weights, None
        train, held = split
        xp, dev = get_namespace(X), device_of(X)
        parts = []
        for rows in (train, held):
            rows = asarray(rows, xp, device=dev)
            w = None if weights is None else xp.take(weights, rows, axis=0)
            parts.append((xp.take(X, rows, axis=0), xp.take(y, rows, axis=0), w))
        return (*parts[0], parts[1])

    def _initial_intercept(self, X, y, W0, v0, activation, weights, warm):
        """``b`` where the local search starts: the previous fit's, or the
        (weighted) mean residual of the initial network."""
        if warm:
            return self.intercept_
        xp = get_namespace(X)
        residual = y - activation(X @ W0) @ v0
        w = _unit_mean(weights)
        (mean,) = compute_if_dask(xp.mean(_times(residual, w)))
        return float(mean)

    def _check_better_than_the_mean(self, y, weights, result):
        """Raise when the fit on non-Gaussian inputs ends (before ``max_iter``)
        worse than predicting the mean of ``y``, which ``W = 0, b = mean(y)``
        represents: the local search failed on the scale of the inputs (e.g.
        raw ``make_friedman2``, entries of RMS 540: training R^2 -5e19)."""
        xp = get_namespace(y)
        w = _unit_mean(weights)
        mean = xp.mean(_times(y, w))
        (variance,) = compute_if_dask(xp.mean(_times((y - mean) ** 2, w)))
        variance = float(variance)
        if result.status == "max_iter" or not result.loss_curve or variance <= 0:
            return  # unfinished: the ConvergenceWarning says so
        r2 = 1.0 - 2.0 * min(result.loss_curve) / variance
        if r2 < 0:
            raise ValueError(
                f"TensorInitOneHiddenLayer: the fit ends with a training R^2 of "
                f"{r2:.3g}, worse than predicting the mean of y: the inputs are "
                f"far from x ~ N(0, I) ({self._input_deviation}), and neither the "
                "tensor initialization nor the local search work on that scale. "
                "Standardize or whiten X (sklearn.preprocessing.StandardScaler, "
                "or sklearn_polynn.WhiteningTransformer in a Pipeline)."
            )

    def _tol(self):
        if self.tol is not None:
            return self.tol
        return _DEFAULT_TOL[self.solver]

    def _warm_start_weights(self, n_features):
        """The previous fit's weights, where ``warm_start`` continues from."""
        if self.hidden_weights_.shape != (n_features, self.n_hidden_):
            raise ValueError(
                "warm_start=True continues from the previous fit's weights of shape "
                f"{tuple(self.hidden_weights_.shape)}, but n_hidden={self.n_hidden} "
                f"and X has {n_features} features; set warm_start=False."
            )
        return self.hidden_weights_, self.output_weights_

    def _resample_parts(self, X, y, weights, rng):
        """Algorithm 2's partition: ``S_0`` for the initialization and one fresh
        part ``S_q`` of the remaining rows for each gradient iteration ``q``."""
        if is_dask_collection(X):
            raise ValueError("gd_resample=True is not supported for dask input.")
        if self.solver != "gd" or self.batch_size is not None:
            raise ValueError(
                "gd_resample=True (Zhong et al., Algorithm 2) takes a fresh part of "
                "the samples for every gradient-descent step: it needs solver='gd' "
                f"and batch_size=None; got solver={self.solver!r}, "
                f"batch_size={self.batch_size!r}."
            )
        n = X.shape[0]
        n_parts = self.max_iter + 1
        if n < n_parts * (self.n_hidden_ + 1):
            raise ValueError(
                f"gd_resample=True splits the samples into max_iter + 1 = {n_parts} "
                f"parts of at least n_hidden + 1 = {self.n_hidden_ + 1} rows; got "
                f"{n} samples. Lower max_iter or use more samples."
            )
        xp, dev = get_namespace(X), device_of(X)
        parts = [
            asarray(np.sort(p), xp, device=dev)
            for p in np.array_split(rng.permutation(n), n_parts)
        ]
        init_rows = [xp.take(a, parts[0], axis=0) for a in (X, y)]
        w0 = None if weights is None else xp.take(weights, parts[0], axis=0)
        return (*init_rows, w0, parts[1:])

    def _dask_input(self, X, y):
        """Validated, persisted Dask ``(X, y)`` and what the initialization reads.

        Both Algorithm 1 (its moments are per-block reductions) and gradient
        descent (per-block gradient sums) run on the Dask arrays; the shared
        input checks of :func:`validate_input` see a one-row stand-in, so
        nothing is gathered to the driver.
        """
        from .parallel import validate_dask_input

        X_gd, y_gd = validate_dask_input(self, X, y, dtype=self.dtype)
        return (*compute_if_dask(X_gd[:1], y_gd[:1]), X_gd, y_gd)

    def _get_activation(self):
        activation = get_activation(self.activation)
        if activation.homogeneous_degree == 0:
            raise ValueError(
                f"activation {activation.name!r} is homogeneous of degree 0: its "
                "gradient vanishes and ||w_i|| is not identifiable. Use one of "
                f"{sorted(_NAMED_ACTIVATIONS)}."
            )
        return activation

    def _tensor_init(self, X, y, activation, rng, weights=None):
        """Algorithm 1 with the input checks it needs."""
        orders = moment_orders(activation)
        n_samples, n_features = X.shape
        needed = _min_samples_for_split(self.n_hidden_, self.resample)
        if n_samples < needed:
            split = "splits the samples into three parts" if self.resample else "uses"
            raise ValueError(
                f"init='tensor' {split} (Zhong et al., Algorithm 1) and needs at "
                f"least {needed} samples for n_hidden={self.n_hidden_} "
                f"({self.n_hidden_ + 1} per moment); got {n_samples} sample(s). Use "
                "more samples or init='random'."
            )
        W0, v0, info = tensor_initialization(
            X,
            y,
            self.n_hidden_,
            activation,
            orders,
            rng,
            n_power_iter=self.n_power_iter,
            n_projections=self.n_projections,
            resample=self.resample,
            alpha=self.tensor_alpha,
            sample_weight=weights,
        )
        reason = _gaussian_deviation(
            X, info["projected_covariance"], _unit_mean(weights)
        )
        self._input_deviation = reason
        if reason is not None:
            warnings.warn(
                "TensorInitOneHiddenLayer: the tensor initialization assumes "
                f"x ~ N(0, I), but {reason}. Put "
                "sklearn_polynn.WhiteningTransformer in front (Pipeline) for "
                "correlated or scaled Gaussian inputs.",
                UserWarning,
                stacklevel=4,  # _tensor_init < fit < _fit_context < the user's call
            )
        return W0, v0

    def predict(self, X):
        """Network output ``sum_i v_i phi(w_i^T x)``.

        Parameters
        ----------
        X : array-like or dask.array of shape (n_samples, n_features)
            Inputs, in the namespace of the fit (a ``dask.array`` is predicted
            lazily, block by block).

        Returns
        -------
        y : ndarray of shape (n_samples,)
            ``sum_i v_i phi(w_i^T x) + b`` with the fitted ``W``, ``v`` and
            ``b = intercept_``, in the namespace and on the device of ``X``.
        """
        check_is_fitted(self)
        if is_dask_collection(X):  # lazy, block by block
            return predict_blocks(self.predict, X, self.dtype)
        X, ns = validate_fitted_input(self, X, "predict", dtype=self.dtype)
        W = ns.asarray(self.hidden_weights_, X.dtype)
        v = ns.asarray(self.output_weights_, X.dtype)
        return ns.output(self._get_activation()(X @ W) @ v + self.intercept_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # A fixed-shape network without bias or output offset, built for data of
        # the form sum_i v_i phi(w_i^T x): it fits generic regression data poorly.
        tags.regressor_tags.poor_score = True
        tags.array_api_support = True
        return tags


def _squared_loss_sums(params, X, y, weights=None, *, activation, v0):
    """Eq. (2) of Zhong et al. summed over the rows of one block, and its gradients.

    ``(1/2) sum_n w_n r_n^2`` with ``r = phi(X W) v - y`` (``w = 1`` without
    ``weights``); gradient sums ``X^T [w r * phi'(X W) * v]`` for ``W`` (two
    GEMMs) and ``phi(X W)^T (w r)`` for ``v`` when ``params`` holds it (else
    ``v0`` is fixed). Dividing by the number of rows gives the mean loss and
    gradient of the block (weights of mean 1: the weighted mean); summing over
    blocks first gives those of the whole data set.
    """
    W = params["W"]
    if "v" in params:
        v = params["v"]
    else:
        v = asarray(v0, get_namespace(X), dtype=X.dtype, device=device_of(X))
    pre = X @ W
    hidden = activation(pre)
    residual = hidden @ v - y
    if "b" in params:
        residual = residual + params["b"]
    weighted = _times(residual, weights)
    grads = {"W": X.T @ (weighted[:, None] * activation.derivative(pre) * v)}
    if "v" in params:
        grads["v"] = hidden.T @ weighted
    if "b" in params:
        grads["b"] = get_namespace(X).reshape(get_namespace(X).sum(weighted), (1,))
    return 0.5 * float(residual @ weighted), grads


def _r2_score(X, y, weights, params, *, activation, v0):
    """(Weighted) R^2 of the network ``params`` on held-out rows (early stopping)."""
    xp = get_namespace(X)
    w = _unit_mean(weights)
    half_rss, _ = _squared_loss_sums(params, X, y, w, activation=activation, v0=v0)
    centred = y - xp.mean(_times(y, w))
    total = float(centred @ _times(centred, w))
    return 1.0 - 2.0 * half_rss / total if total > 0 else -2.0 * half_rss


def gradient_descent(
    X,
    y,
    W0,
    v0,
    activation,
    *,
    learning_rate,
    max_iter,
    tol,
    n_iter_no_change,
    fit_output_weights,
    solver="gd",
    batch_size=None,
    rng=None,
    verbose=0,
    device=None,
    partition=None,
    sample_weight=None,
    loss_curve=None,
    stacklevel=2,
    b0=None,
    validation=None,
):
    """Algorithm 2, lines 7-9: local search on the empirical risk (Eq. 2).

    Minimizes ``f(W) = (1/2N) sum_n (sum_i v_i phi(w_i^T x_n) - y_n)^2`` (the
    row sums are :func:`_squared_loss_sums`) with
    :func:`sklearn_polynn._optim.minimize`: ``solver="lbfgs"`` (L-BFGS-B) or
    ``"gd"`` (gradient descent, fixed ``learning_rate`` or ``"auto"`` line
    search). Full batch on all samples unless ``batch_size`` (mini-batches) or
    ``partition`` (a list of row-index arrays, one fresh part per iteration:
    Algorithm 2 with resampling) is given. On a ``dask.array`` each evaluation
    sums the per-block gradients on the workers
    (:func:`sklearn_polynn.parallel.data_parallel_loss_grad`), the same step
    as the NumPy full batch. ``sample_weight`` (not for Dask) weighs the
    squared loss: ``f(W) = (1/2) sum_n w_n r_n^2 / sum_n w_n`` on the full
    batch, each mini-batch or part the same sum over its rows divided by its
    row count (an unbiased estimate). ``b0``: train an output offset ``b``
    from there (``fit_intercept``); ``validation``: early stopping (an
    :class:`~sklearn_polynn._optim.EarlyStopping`).

    Returns
    -------
    result : OptimizeResult
        ``params["W"]`` (and ``params["v"]`` when fitted).
    """
    n = X.shape[0]
    sums = functools.partial(_squared_loss_sums, activation=activation, v0=v0)
    w = _unit_mean(sample_weight)
    if is_dask_collection(X):
        if batch_size is not None and batch_size < n:
            raise ValueError(
                "batch_size must be None for dask input (data-parallel full-batch "
                f"gradient descent); got batch_size={batch_size}."
            )
        from .parallel import data_parallel_loss_grad

        loss_grad = data_parallel_loss_grad(sums, X, y, device=device)
    else:
        xp = get_namespace(X)

        def loss_grad(params, batch):
            if batch is None:
                Xb, yb, wb = X, y, w
            else:
                Xb, yb = xp.take(X, batch, axis=0), xp.take(y, batch, axis=0)
                wb = None if w is None else xp.take(w, batch, axis=0)
            loss, grads = sums(params, Xb, yb, wb)
            m = Xb.shape[0]
            return loss / m, {k: g / m for k, g in grads.items()}

    batches = None
    if partition is not None:

        def batches(iteration):
            return [partition[iteration]]

    elif batch_size is not None and batch_size < n:
        if solver == "lbfgs":
            raise ValueError(
                "solver='lbfgs' is full-batch: set batch_size=None, or use "
                f"solver='gd' for mini-batches; got batch_size={batch_size}."
            )
        dev = device_of(X)

        def batches(epoch):
            order = rng.permutation(n)
            return [
                asarray(order[s : s + batch_size], xp, device=dev)
                for s in range(0, n, batch_size)
            ]

    params = {"W": W0, "v": v0} if fit_output_weights else {"W": W0}
    if b0 is not None:
        params["b"] = b0
    return minimize(
        loss_grad,
        params,
        make_optimizer(solver, learning_rate),
        max_iter=max_iter if partition is None else len(partition),
        tol=tol,
        n_iter_no_change=n_iter_no_change,
        batches=batches,
        loss_curve=loss_curve,
        verbose=verbose,
        estimator_name="TensorInitOneHiddenLayer",
        stacklevel=stacklevel,
        validation=validation,
    )


def _warn_if_constant(y):
    """The network has no bias: its moments of a constant ``y`` are zero."""
    xp = get_namespace(y)
    if is_dask_collection(y):
        low, high = (float(v) for v in compute_if_dask(y.min(), y.max()))
    else:
        low, high = float(xp.min(y)), float(xp.max(y))
    if low == high:
        warnings.warn(
            f"TensorInitOneHiddenLayer: y is constant ({low:.6g}). The network "
            "sum_i v_i phi(w_i^T x) has no bias by design (Zhong et al. 2017), so "
            "the moments of Algorithm 1 carry no information: only intercept_ "
            "(fit_intercept=True) can fit a constant. Use another regressor.",
            UserWarning,
            stacklevel=4,  # helper < fit < _fit_context < the user's call
        )


# phi'' of the named activations (zero for the piecewise-linear ones: Property
# 3.3(b)); other activations use a central difference of phi'.
_SECOND_DERIVATIVES = {
    "relu": lambda z, xp: 0.0 * z,
    "leaky_relu": lambda z, xp: 0.0 * z,
    "linear": lambda z, xp: 0.0 * z,
    "squared_relu": lambda z, xp: xp.astype(z > 0, z.dtype) * 2.0,
    "tanh": lambda z, xp: -2.0 * xp.tanh(z) * (1.0 - xp.tanh(z) ** 2),
    "erf": lambda z, xp: -4.0 / math.sqrt(math.pi) * z * xp.exp(-z * z),
}


def _second_derivative(activation, z):
    """``phi''(z)``: closed form for the named activations, else a difference."""
    xp = get_namespace(z)
    if activation.name in _SECOND_DERIVATIVES:
        return _SECOND_DERIVATIVES[activation.name](z, xp)
    h = 1e-5 * xp.maximum(xp.abs(z), 1.0)
    return (activation.derivative(z + h) - activation.derivative(z - h)) / (2.0 * h)


def local_hessian(X, y, hidden_weights, output_weights, activation="squared_relu"):
    """Hessian of the empirical risk in ``W`` and its extreme eigenvalues.

    The local strong convexity diagnostic of Zhong et al. (2017), Theorem 4.2:
    for ``f(W) = (1/2N) sum_n (sum_i v_i phi(w_i^T x_n) - y_n)^2`` with ``v``
    fixed (Algorithm 2), the ``dk x dk`` Hessian

    ``d^2 f / dw_j dw_l = (1/N) sum_n [v_j v_l phi'(w_j^T x_n) phi'(w_l^T x_n)
    + delta_jl r_n v_j phi''(w_j^T x_n)] x_n x_n^T``

    with residuals ``r_n``. Theorem 4.2 bounds its spectrum near ``W*`` by
    ``Omega(v_min^2 rho(sigma_k) / (kappa^2 lambda)) I <= H <= O(k v_max^2
    sigma_1^{2p}) I``, and Theorem 4.4 turns the ratio into the linear rate of
    gradient descent: with step ``eta``, the slowest direction contracts by
    ``1 - eta lambda_min`` per iteration (the loss by its square).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Inputs (the samples of the empirical risk).
    y : array-like of shape (n_samples,)
        Targets.
    hidden_weights : array-like of shape (n_features, n_hidden)
        ``W``, e.g. ``hidden_weights_`` of a fitted
        :class:`TensorInitOneHiddenLayer` or the teacher's weights.
    output_weights : array-like of shape (n_hidden,)
        ``v`` (held fixed).
    activation : str, Activation or (function, derivative), default="squared_relu"
        ``phi``. ``phi''`` is exact for relu, leaky_relu, squared_relu, tanh,
        erf and linear, and a central difference of ``phi'`` otherwise.

    Returns
    -------
    result : Bunch
        ``hessian`` (ndarray of shape ``(d k, d k)``, ``W`` flattened column
        by column: entry ``j d + a`` is ``W[a, j]``), ``eigenvalues`` (in
        increasing order), ``min_eigenvalue``, ``max_eigenvalue`` and
        ``condition_number`` (``inf`` unless the Hessian is positive
        definite).

    See Also
    --------
    TensorInitOneHiddenLayer : Fits ``W`` by tensor initialization and local
        search; ``loss_curve_`` with ``solver="gd"`` shows the rate.

    References
    ----------
    .. [1] K. Zhong, Z. Song, P. Jain, P. L. Bartlett and I. S. Dhillon,
       "Recovery guarantees for one-hidden-layer neural networks", ICML 2017,
       Theorem 4.2, Theorem 4.4 and Remark 4.3.

    Examples
    --------
    >>> from sklearn_polynn.datasets import make_teacher_network
    >>> from sklearn_polynn.tensor_init import local_hessian
    >>> X, y, truth = make_teacher_network(
    ...     5000, 6, 2, random_state=0, return_truth=True
    ... )
    >>> h = local_hessian(X, y, truth.hidden_weights, truth.output_weights)
    >>> h.hessian.shape, bool(h.min_eigenvalue > 0)
    ((12, 12), True)
    """
    act = get_activation(activation)
    if not hasattr(X, "dtype"):  # lists, pandas-free plain sequences
        X = np.asarray(X, dtype=np.float64)
    xp = get_namespace(X)
    if not xp.isdtype(X.dtype, "real floating"):
        X = xp.astype(X, xp.float64)
    dev = device_of(X)
    W = asarray(hidden_weights, xp, dtype=X.dtype, device=dev)
    v = asarray(output_weights, xp, dtype=X.dtype, device=dev)
    y = asarray(y, xp, dtype=X.dtype, device=dev)
    n, d = X.shape
    if W.ndim != 2 or W.shape[0] != d or v.shape != (W.shape[1],):
        raise ValueError(
            "local_hessian needs hidden_weights of shape (n_features, n_hidden) "
            f"= ({d}, k) and output_weights of shape (k,); got "
            f"{tuple(W.shape)} and {tuple(v.shape)}."
        )
    k = W.shape[1]
    pre = X @ W
    residual = act(pre) @ v - y
    D = act.derivative(pre) * v  # (n, k): d prediction / d (w_j^T x)
    J = xp.reshape(D[:, :, None] * X[:, None, :], (n, k * d))
    hessian = to_numpy(J.T @ J) / n
    curvature = residual[:, None] * _second_derivative(act, pre) * v  # (n, k)
    for j in range(k):
        block = to_numpy(X.T @ (curvature[:, j : j + 1] * X)) / n
        hessian[j * d : (j + 1) * d, j * d : (j + 1) * d] += block
    hessian = (hessian + hessian.T) / 2.0
    eigenvalues = np.linalg.eigvalsh(hessian)
    low, high = float(eigenvalues[0]), float(eigenvalues[-1])
    return Bunch(
        hessian=hessian,
        eigenvalues=eigenvalues,
        min_eigenvalue=low,
        max_eigenvalue=high,
        condition_number=high / low if low > 0 else math.inf,
    )
