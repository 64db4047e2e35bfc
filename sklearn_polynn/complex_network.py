"""Two-layer networks with complex weights trained end to end by Wirtinger gradient
descent, with random perturbations at critical points and residual peeling.

Implements Andoni, Panigrahy, Valiant & Zhang (2014): gradient descent on both
layers of ``g(x) = sum_i alpha_i phi(w_i . x)`` (Thm 4.2), random complex
perturbations to leave critical points (Thm 5.1; real perturbations do not
suffice, Lemma 5.7), and the iterative residual algorithm (Algorithm 1 of the
full version). The forward pieces (weights ``C(r)^n``, circle inputs,
pre-activations) are shared with the random-feature model in ``_complex.py``;
the descent loop is the package's one loop, ``_optim.minimize``.
"""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, check_random_state

from ._backend import asarray, to_numpy, to_output
from ._compat import Interval, StrOptions, _fit_context
from ._complex import complex_inputs, complex_preactivations, draw_complex_weights
from ._optim import make_optimizer, minimize
from ._validation import (
    ITERATIVE_CONSTRAINTS,
    check_dtype,
    check_y_given,
    validate_input,
)
from .activations import ACTIVATIONS, Activation, get_activation
from .parallel import (
    compute_if_dask,
    is_dask_collection,
    persist_if_dask,
    predict_blocks,
)

__all__ = ["ComplexTwoLayerRegressor"]

_ADAM_LEARNING_RATE = 0.01
_GD_PRACTICAL_FACTOR = 8.0


def _preactivations(Xc, W, xp):
    """``Z = X W`` (entry ``(s, i)`` is ``w_i . x_s``), cheapest kernel for the types.

    Real ``X`` times complex ``W`` is one real GEMM against the interleaved
    ``(n, 2m)`` real view of ``W`` (half the flops of a complex GEMM and no
    complex copy of ``X``); complex inputs go through the shared
    :func:`~sklearn_polynn._complex.complex_preactivations`.
    """
    if Xc.dtype.kind == "c":
        return complex_preactivations(Xc, W, xp)
    if W.dtype.kind != "c":
        return xp.matmul(Xc, W)
    real_view = xp.ascontiguousarray(W).view(Xc.dtype)
    return xp.matmul(Xc, real_view).view(W.dtype)


def _input_transpose_times(Xc, D, xp):
    """``X^T D`` for the hidden-weight gradient, same kernel choice as the forward."""
    if Xc.dtype.kind == "c" or D.dtype.kind != "c":
        return xp.matmul(Xc.T, D)
    real_view = xp.ascontiguousarray(D).view(Xc.dtype)
    return xp.matmul(Xc.T, real_view).view(D.dtype)


def _network_output(Xc, W, alpha, activation, xp):
    """``g(x_s) = sum_i alpha_i phi(w_i . x_s)`` (Andoni et al., Sec. 2).

    Returns ``g`` and the pair ``(Z, phi(Z))`` the gradients reuse.
    """
    Z = _preactivations(Xc, W, xp)
    phi = activation(Z)
    return phi @ alpha, (Z, phi)


def _activation_derivative(activation, Z, phi):
    """``phi'(Z)``; for ``exp`` it is ``phi(Z)`` itself (saves one complex exp)."""
    if activation.name == "exp":
        return phi
    return activation.derivative(Z)


def _wirtinger_gradients(Xc, cache, alpha, residual, activation, train_hidden, xp):
    """Descent directions ``2 dL/d(conj u)`` of ``L = mean((Re g + b - y)^2) / 2``.

    Wirtinger calculus as in Sec. 4 and App. D of the full version: for a
    holomorphic ``g``, ``dRe g/d(conj u) = conj(dg/du) / 2``, so with residual
    ``r = Re g + b - y``

    * ``alpha_i``: ``mean_s r_s conj(phi(w_i . x_s))``  (``<p_i, e>`` of Thm 4.1);
    * ``w_ij``:   ``mean_s r_s conj(alpha_i phi'(w_i . x_s) x_sj)``;
    * ``b``:      ``mean_s r_s``.

    For real weights the real part is the ordinary gradient.
    """
    n_samples = residual.shape[0]
    Z, phi = cache
    grads = {
        # residual is real: sum_s r_s conj(phi_si) = conj(r @ phi), no conj copy.
        "output_weights": (residual @ phi).conj() / n_samples,
        "intercept": xp.mean(residual, keepdims=True),
    }
    if train_hidden:
        D = _activation_derivative(activation, Z, phi) * alpha
        D *= residual[:, None]
        grads["hidden_weights"] = _input_transpose_times(Xc, D, xp).conj() / n_samples
    if alpha.dtype.kind != "c":
        grads = {k: g.real for k, g in grads.items()}
    return grads


def _penalty(params, alpha_reg, n_samples):
    """MLPRegressor's L2 term ``alpha / (2 N) * sum |weights|^2`` and its gradients."""
    if alpha_reg == 0.0:
        return 0.0, {}
    value, grads = 0.0, {}
    for key in ("output_weights", "hidden_weights"):
        if key in params:
            p = params[key]
            value += float((p * p.conj()).real.sum())
            grads[key] = (alpha_reg / n_samples) * p
    return 0.5 * alpha_reg * value / n_samples, grads


class _StageProblem:
    """Loss and Wirtinger gradients of one network fitted to one target.

    ``params`` holds the trained arrays (``output_weights``, ``intercept`` and,
    unless only the top layer is trained, ``hidden_weights``); a frozen bottom
    layer is kept in ``fixed_hidden``.
    """

    def __init__(self, Xc, target, activation, *, alpha_reg, fixed_hidden, xp):
        self.Xc, self.target, self.activation = Xc, target, activation
        self.alpha_reg, self.fixed_hidden, self.xp = alpha_reg, fixed_hidden, xp

    def _hidden(self, params):
        return params.get("hidden_weights", self.fixed_hidden)

    def residual(self, params, index=None):
        Xc = self.Xc if index is None else self.Xc[index]
        y = self.target if index is None else self.target[index]
        W, alpha = self._hidden(params), params["output_weights"]
        # Overflow of exp on a diverging step is caught by minimize (non-finite
        # loss: roll back and warn), so numpy's RuntimeWarning would only be noise.
        with np.errstate(over="ignore", invalid="ignore"):
            g, cache = _network_output(Xc, W, alpha, self.activation, self.xp)
            return g.real + params["intercept"] - y, cache

    def loss_grad(self, params, index):
        """``(loss, grads)`` on one batch, the interface of ``_optim.minimize``."""
        xp = self.xp
        residual, cache = self.residual(params, index)
        n_samples = residual.shape[0]
        loss = 0.5 * xp.mean(residual * residual)
        grads = _wirtinger_gradients(
            self.Xc if index is None else self.Xc[index],
            cache,
            params["output_weights"],
            residual,
            self.activation,
            "hidden_weights" in params,
            xp,
        )
        # dask.array input: loss and gradients in one pass over the blocks
        loss, grads = compute_if_dask(loss, grads)
        loss = float(loss)
        reg, reg_grads = _penalty(params, self.alpha_reg, n_samples)
        for key, g in reg_grads.items():
            grads[key] = grads[key] + g
        return loss + reg, grads

    def full_loss(self, params, chunk=None, recenter=False):
        """Training loss on all samples (in chunks), optionally with the best intercept.

        Returns ``(loss, intercept_shift)``; with ``recenter`` the loss is the one
        at intercept ``b - mean(r)``, so a constant offset of a perturbation is
        not counted against it.
        """
        xp = self.xp
        n = self.target.shape[0]
        chunk = n if chunk is None else chunk
        total, total_sq = 0.0, 0.0
        for start in range(0, n, chunk):
            r, _ = self.residual(params, slice(start, start + chunk))
            total += float(xp.sum(r))
            total_sq += float(xp.sum(r * r))
        mean = total / n if recenter else 0.0
        reg, _ = _penalty(params, self.alpha_reg, n)
        return 0.5 * (total_sq / n - mean * mean) + reg, mean


def _perturbed(params, rng, kind, scale, xp):
    """Random perturbation of the hidden weights (Thm 5.1 / Lemma 5.7).

    ``kind="complex"`` adds circularly-symmetric complex Gaussian noise with
    ``E|delta_ij|^2 = scale^2`` to each ``w_ij`` (Thm 5.1 draws ``delta`` from
    ``C(r)^n``); ``kind="real"`` adds real Gaussian noise ``N(0, scale^2)``
    (the real perturbations of Lemma 5.7). A unit whose ``alpha_i`` is exactly 0
    is invisible to a change of ``w_i``, so its ``alpha_i`` is perturbed too,
    at scale ``scale / sqrt(m)`` (the all-zero start of Algorithm 1, line 3).
    Noise is drawn on the host so CPU and GPU runs agree.
    """
    W, alpha = params["hidden_weights"], params["output_weights"]

    def noise(shape, complex_noise):
        if complex_noise:
            parts = rng.standard_normal(size=(2, *shape))
            return (parts[0] + 1j * parts[1]) / np.sqrt(2.0)
        return rng.standard_normal(size=shape)

    delta_w = scale * noise(W.shape, kind == "complex")
    delta_a = noise(alpha.shape, alpha.dtype.kind == "c") * scale / np.sqrt(len(alpha))
    dead = asarray(alpha == 0, np).astype(float)
    new = dict(params)
    new["hidden_weights"] = W + asarray(delta_w, xp, dtype=W.dtype)
    new["output_weights"] = alpha + asarray(delta_a * dead, xp, dtype=alpha.dtype)
    return new


class _PerturbationEscape:
    """``on_plateau`` callback of ``minimize``: Thm 5.1's escape from critical points.

    At a plateau, draw random perturbations of the hidden weights until one
    lowers the full training loss (intercepts re-centred) and continue from
    it, or stop when the stage's budget of ``max_tries`` perturbations is used up
    (Algorithm 1, line 5: no progress even after the local perturbation).
    """

    def __init__(self, problem, rng, *, kind, scale, max_tries, chunk, stage, curve):
        self.problem, self.rng, self.kind, self.scale = problem, rng, kind, scale
        self.max_tries, self.chunk = max_tries, chunk
        self.stage, self.curve = stage, curve
        self.records = []

    def __call__(self, params, best_loss):
        if self.kind is None or "hidden_weights" not in params:
            return None
        xp = self.problem.xp
        # Both losses at their best intercept, so that re-centring alone never
        # counts as progress.
        before, _ = self.problem.full_loss(params, self.chunk, recenter=True)
        while len(self.records) < self.max_tries:
            new = _perturbed(params, self.rng, self.kind, self.scale, xp)
            after, shift = self.problem.full_loss(new, self.chunk, recenter=True)
            accepted = bool(after < before)
            self.records.append(
                {
                    "stage": self.stage,
                    "iteration": len(self.curve),
                    "loss_before": before,
                    "loss_after": after,
                    "accepted": accepted,
                }
            )
            if accepted:
                new["intercept"] = new["intercept"] - shift
                return new
        return None


class ComplexTwoLayerRegressor(RegressorMixin, BaseEstimator):
    """Two-layer network with complex weights, both layers trained by gradient descent.

    The model is ``f(x) = Re g(x) + b`` with ``g(x) = sum_i alpha_i phi(w_i . x)``,
    ``w_i`` complex (the paper's setting) or real. Both layers are trained by
    Wirtinger gradient descent on ``mean((f(x) - y)^2) / 2`` (Andoni et al.
    2014, Thm 4.2); at a plateau a random perturbation of the hidden weights is
    kept if it lowers the loss (Thm 5.1); ``n_stages > 1`` fits new networks to
    the residual of the frozen earlier ones (Algorithm 1).

    Parameters
    ----------
    n_hidden : int, default=100
        Hidden units ``m`` per stage.
    activation : str, Activation or (callable, callable), default="exp"
        ``phi``; see :func:`sklearn_polynn.activations.get_activation`. Complex
        weights or ``domain="circle"`` need a holomorphic activation ("exp",
        "truncated", "tanh", "linear").
    degree : int, default=None
        Degree of ``activation="truncated"`` (the paper's ``phi_d``).
    weight_scale : float, default=None
        Modulus ``r`` of the initial hidden weights, ``w_ij ~ C(r)``; ``None``
        means ``1/sqrt(n_features)`` (Thm 4.2). Real weights are ``N(0, r^2)``.
        Also the unit of ``perturbation_scale``.
    domain : {"real", "circle"}, default="real"
        "real": ``X`` holds real inputs; "circle": ``X`` holds angles ``theta``
        and the network sees ``exp(i theta)`` (inputs on ``C(1)^n``).
    weights : {"complex", "real"}, default="complex"
        "real" uses real weights (and real activations on real inputs), the
        setting of Lemma 5.7 where perturbations cannot escape.
    init : {"random", "zero"} or tuple of two arrays, default="random"
        "random": ``alpha = 0`` and ``w_i ~ C(r)^n`` (Thm 4.2); "zero": all
        weights 0 (Algorithm 1, line 3; perturbations break the symmetry); a
        tuple ``(hidden_weights, output_weights)`` of shapes
        (n_features, n_hidden) and (n_hidden,) starts the first stage there
        (e.g. the critical point of Lemma 5.7).
    train : {"both", "top"}, default="both"
        "top" trains only ``alpha`` and ``b`` (Thm 4.1), for comparison.
    solver : {"adam", "gd"}, default="adam"
        "gd" is the paper's plain gradient descent.
    learning_rate : "auto" or float, default="auto"
        "auto": 0.01 for Adam; for "gd", Thm 4.2's ``lambda = 1/(4m)`` for units
        of unit norm, i.e. ``1 / (4 m mean|phi(w_i . x)|^2)`` at the initial
        weights, times a practical factor 8: the theorem's bound is worst case;
        on the Fig. 1 tasks factor 16 was still stable and 32 diverged.
        Divergence is detected and rolled back either way.
    max_iter : int, default=2000
        Maximum epochs per stage.
    batch_size : int, default=None
        Mini-batch size; ``None`` is full-batch gradient descent.
    tol : float, default=1e-8
        An epoch improves when the loss drops by more than ``tol``.
    n_iter_no_change : int, default=50
        Epochs without improvement that make a plateau.
    perturbation : {"auto", "complex", "real"} or None, default="auto"
        Perturbation tried at a plateau: "auto" is "complex" for complex
        weights and "real" for real ones; ``None`` stops at the first plateau.
    perturbation_scale : float, default=1e-2
        Standard deviation of the perturbation of each ``w_ij``, in units of
        ``weight_scale``.
    max_perturbations : int, default=10
        Perturbations tried per stage.
    n_stages : int, default=1
        Networks fitted one after the other to the residual (Algorithm 1).
    alpha : float, default=0.0
        L2 penalty ``alpha / (2 N) * sum |weights|^2`` (as in ``MLPRegressor``).
    warm_start : bool, default=False
        Continue training all units of the previous fit (no new stages).
    dtype : {"float64", "float32"}, default="float64"
        Real precision; complex arrays use the matching complex type.
    device : {None, "cpu", "cuda"}, default=None
        Where to compute; see the package's device rules.
    random_state : int, RandomState instance or None, default=None
        Initial weights, perturbations and mini-batch order.
    verbose : int, default=0
        Print ``Iteration %d, loss = %.8f`` per epoch when > 0.

    Attributes
    ----------
    hidden_weights_ : ndarray of shape (n_features, n_stages * n_hidden)
        Bottom layer ``W``, one column per unit (all stages), complex (or real
        for ``weights="real"``).
    output_weights_ : ndarray of shape (n_stages * n_hidden,)
        Top layer ``alpha``.
    intercept_ : float
        ``b``.
    loss_curve_ : list of float
        Training loss per epoch over all stages.
    n_iter_ : int
        Epochs run in total.
    n_perturbations_ : int
        Perturbations tried; ``perturbations_`` says which were kept.
    perturbations_ : list of dict
        One record per perturbation: ``stage``, ``iteration``, ``loss_before``,
        ``loss_after``, ``accepted``.
    stages_ : list of dict
        Per stage: ``hidden_weights``, ``output_weights``, ``intercept``,
        ``n_iter``, ``residual_mse`` (training MSE of the model after the stage).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` has string column names.

    See Also
    --------
    sklearn.neural_network.MLPRegressor : real two-layer network trained by Adam.

    Notes
    -----
    One full-batch step costs two GEMMs of size ``N x n x m`` (forward
    pre-activations and the hidden-weight gradient) plus elementwise work;
    memory is ``O(N m)`` per batch. Full-network training overfits when the
    sample count is not well above the parameter count ``m (n + 1)``.

    References
    ----------
    .. [1] A. Andoni, R. Panigrahy, G. Valiant, L. Zhang, "Learning Polynomials
       with Neural Networks", ICML 2014; Thm 4.2, Thm 5.1, Lemma 5.7, Fig. 1,
       and Algorithm 1 of the full version.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_polynn import ComplexTwoLayerRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.standard_normal((500, 3))
    >>> y = X[:, 0] * X[:, 1] + X[:, 2]
    >>> reg = ComplexTwoLayerRegressor(n_hidden=20, tol=1e-5, random_state=0)
    >>> print(round(reg.fit(X, y).score(X, y), 3))
    1.0
    """

    _parameter_constraints = {
        "n_hidden": [Interval(numbers.Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS)), Activation, tuple],
        "degree": [Interval(numbers.Integral, 0, None, closed="left"), None],
        "weight_scale": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "domain": [StrOptions({"real", "circle"})],
        "weights": [StrOptions({"complex", "real"})],
        "init": [StrOptions({"random", "zero"}), tuple],
        "train": [StrOptions({"both", "top"})],
        "solver": [StrOptions({"adam", "gd"})],
        "learning_rate": [
            StrOptions({"auto"}),
            Interval(numbers.Real, 0, None, closed="neither"),
        ],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "perturbation": [StrOptions({"auto", "complex", "real"}), None],
        "perturbation_scale": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_perturbations": [Interval(numbers.Integral, 0, None, closed="left")],
        "n_stages": [Interval(numbers.Integral, 1, None, closed="left")],
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "dtype": [StrOptions({"float64", "float32"})],
        "device": [StrOptions({"cpu", "cuda"}), None],
        "random_state": ["random_state"],
        **ITERATIVE_CONSTRAINTS,
    }

    def __init__(
        self,
        *,
        n_hidden=100,
        activation="exp",
        degree=None,
        weight_scale=None,
        domain="real",
        weights="complex",
        init="random",
        train="both",
        solver="adam",
        learning_rate="auto",
        max_iter=2000,
        batch_size=None,
        tol=1e-8,
        n_iter_no_change=50,
        perturbation="auto",
        perturbation_scale=1e-2,
        max_perturbations=10,
        n_stages=1,
        alpha=0.0,
        warm_start=False,
        dtype="float64",
        device=None,
        random_state=None,
        verbose=0,
    ):
        self.n_hidden = n_hidden
        self.activation = activation
        self.degree = degree
        self.weight_scale = weight_scale
        self.domain = domain
        self.weights = weights
        self.init = init
        self.train = train
        self.solver = solver
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.perturbation = perturbation
        self.perturbation_scale = perturbation_scale
        self.max_perturbations = max_perturbations
        self.n_stages = n_stages
        self.alpha = alpha
        self.warm_start = warm_start
        self.dtype = dtype
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ setup
    def _get_activation(self):
        """The activation, checked against the weights and input domain."""
        act = get_activation(self.activation, degree=self.degree)
        if (self.weights == "complex" or self.domain == "circle") and not (
            act.complex_input
        ):
            raise ValueError(
                f"activation={self.activation!r} is not holomorphic, so it cannot "
                "take complex pre-activations (weights='complex' or "
                "domain='circle'); use 'exp', 'truncated', 'tanh' or 'linear', or "
                "weights='real' with domain='real'."
            )
        return act

    def _perturbation_kind(self):
        if self.perturbation is None:
            return None
        if self.perturbation == "auto":
            return self.weights
        if self.perturbation == "complex" and self.weights == "real":
            raise ValueError(
                "perturbation='complex' needs weights='complex'; real weights take "
                "perturbation='real' (or 'auto')."
            )
        return self.perturbation

    def _dtypes(self):
        real = check_dtype(self.dtype)
        cplx = np.complex64 if real == np.float32 else np.complex128
        return real, (cplx if self.weights == "complex" else real)

    def _scale(self, n_features):
        if self.weight_scale is None:
            return 1.0 / np.sqrt(n_features)
        return float(self.weight_scale)

    def _inputs(self, X, xp):
        return complex_inputs(X, self.domain, xp)

    def _initial_params(self, stage, n_features, rng, xp):
        """Initial ``W``, ``alpha``, ``b`` of a stage (Thm 4.2; Algorithm 1, line 3)."""
        _, wdtype = self._dtypes()
        m, scale = self.n_hidden, self._scale(n_features)
        if isinstance(self.init, tuple) and stage == 0:
            W, alpha = self._check_init(n_features)
        elif self.init == "zero":
            W, alpha = np.zeros((n_features, m)), np.zeros(m)
        elif self.weights == "complex":
            W = draw_complex_weights(rng, n_features, m, scale, "circle")
            alpha = np.zeros(m)
        else:
            W, alpha = scale * rng.standard_normal((n_features, m)), np.zeros(m)
        return {
            "hidden_weights": asarray(W, xp, dtype=wdtype),
            "output_weights": asarray(alpha, xp, dtype=wdtype),
            "intercept": xp.zeros(1, dtype=self._dtypes()[0]),
        }

    def _check_init(self, n_features):
        if len(self.init) != 2:
            raise ValueError(
                "init must be 'random', 'zero' or a tuple (hidden_weights, "
                f"output_weights); got a tuple of length {len(self.init)}."
            )
        W, alpha = (to_numpy(a) for a in self.init)
        expected = ((n_features, self.n_hidden), (self.n_hidden,))
        if (W.shape, alpha.shape) != expected:
            raise ValueError(
                f"init arrays must have shapes {expected[0]} and {expected[1]} "
                f"(n_features, n_hidden); got {W.shape} and {alpha.shape}."
            )
        if self.weights == "real" and (np.iscomplexobj(W) or np.iscomplexobj(alpha)):
            raise ValueError("init arrays must be real for weights='real'.")
        if not (np.isfinite(W).all() and np.isfinite(alpha).all()):
            raise ValueError("init arrays must be finite.")
        return W, alpha

    def _learning_rate(self, problem, params):
        """``learning_rate="auto"``: see the class docstring."""
        if self.learning_rate != "auto":
            return float(self.learning_rate)
        if self.solver == "adam":
            return _ADAM_LEARNING_RATE
        xp = problem.xp
        n = min(problem.target.shape[0], 10000)
        W = problem._hidden(params)
        phi = problem.activation(_preactivations(problem.Xc[:n], W, xp))
        unit_norm = max(float(xp.mean((phi * phi.conj()).real)), 1e-12)
        m = W.shape[1]
        return _GD_PRACTICAL_FACTOR / (4.0 * m * unit_norm)

    def _batches(self, n_samples, rng, xp, dask_input=False):
        if self.batch_size is None or self.batch_size >= n_samples:
            return None
        if dask_input:
            raise ValueError(
                "batch_size must be None for dask input (data-parallel full-batch "
                f"gradient descent); got batch_size={self.batch_size}."
            )
        size = self.batch_size

        def batches(_):
            order = asarray(rng.permutation(n_samples), xp)
            return [order[i : i + size] for i in range(0, n_samples, size)]

        return batches

    # --------------------------------------------------------------- training
    def _train(self, problem, params, optimizer, rng, *, stage, max_iter, warn):
        """Gradient descent with perturbation escape on one stage's network."""
        n_samples = problem.target.shape[0]
        escape = _PerturbationEscape(
            problem,
            rng,
            kind=self._perturbation_kind() if self.train == "both" else None,
            scale=self.perturbation_scale * self._scale(problem.Xc.shape[1]),
            max_tries=self.max_perturbations,
            chunk=self.batch_size,
            stage=stage,
            curve=self.loss_curve_,
        )
        result = minimize(
            problem.loss_grad,
            params,
            optimizer,
            max_iter=max_iter,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            batches=self._batches(
                n_samples, rng, problem.xp, is_dask_collection(problem.Xc)
            ),
            on_plateau=escape,
            loss_curve=self.loss_curve_,
            verbose=self.verbose,
            warn_max_iter=warn,
            estimator_name=type(self).__name__,
        )
        self.n_iter_ += result.n_iter
        self.perturbations_.extend(escape.records)
        self.n_perturbations_ += len(escape.records)
        return result.params, result.n_iter

    def _stage_problem(self, Xc, target, act, params, xp):
        """The stage's problem; the initial intercept is ``mean(target - Re g)``."""
        fixed = params.pop("hidden_weights") if self.train == "top" else None
        problem = _StageProblem(
            Xc, target, act, alpha_reg=self.alpha, fixed_hidden=fixed, xp=xp
        )
        _, shift = problem.full_loss(params, self.batch_size, recenter=True)
        params["intercept"] = params["intercept"] - shift
        return problem

    def _fit_stages(self, Xc, y, act, rng, xp):
        """Algorithm 1: fit, freeze, and fit the next network to the residual."""
        self.loss_curve_, self.n_iter_ = [], 0
        self.perturbations_, self.n_perturbations_, self.stages_ = [], 0, []
        target, intercept, Ws, alphas = y, 0.0, [], []
        for stage in range(self.n_stages):
            params = self._initial_params(stage, Xc.shape[1], rng, xp)
            problem = self._stage_problem(Xc, target, act, params, xp)
            optimizer = make_optimizer(
                self.solver, self._learning_rate(problem, params)
            )
            params, n_iter = self._train(
                problem,
                params,
                optimizer,
                rng,
                stage=stage,
                max_iter=self.max_iter,
                warn=True,
            )
            residual, _ = problem.residual(params)
            Ws.append(problem._hidden(params))
            alphas.append(params["output_weights"])
            b = float(params["intercept"][0])
            intercept += b
            self.stages_.append(
                {
                    "hidden_weights": Ws[-1],
                    "output_weights": alphas[-1],
                    "intercept": b,
                    "n_iter": n_iter,
                    "residual_mse": float(xp.mean(residual * residual)),
                }
            )
            (target,) = persist_if_dask(-residual)  # Algorithm 1, line 5: P = P - N'
            self._optimizer = optimizer
        return xp.concatenate(Ws, axis=1), xp.concatenate(alphas), intercept

    def _fit(self, X, y, incremental):
        check_y_given(self, y)
        first = not hasattr(self, "hidden_weights_") or not (
            incremental or self.warm_start
        )
        X_dask = y_dask = None
        if is_dask_collection(X) or is_dask_collection(y):
            X, y, X_dask, y_dask = self._dask_input(X, y, first)
        X, y, xp, to_host = validate_input(
            self,
            X,
            y,
            reset=first and X_dask is None,
            dtype=self.dtype,
            device=self.device,
            ensure_min_samples=2 if first else 1,
        )
        if X_dask is not None:  # gradient steps reduce over the Dask blocks
            X, y, xp, to_host = X_dask, y_dask, np, True
        act = self._get_activation()
        self._perturbation_kind()
        Xc = self._inputs(X, xp)
        if first and not incremental:
            self._rng = check_random_state(self.random_state)
            W, alpha, b = self._fit_stages(Xc, y, act, self._rng, xp)
        else:
            if first:
                self._rng = check_random_state(self.random_state)
                self._start_incremental(Xc, y, act, xp)
            W, alpha, b = self._continue(Xc, y, act, xp, incremental)
        self.hidden_weights_ = to_output(W, to_host)
        self.output_weights_ = to_output(alpha, to_host)
        self.intercept_ = float(b)
        for stage in self.stages_:
            for key in ("hidden_weights", "output_weights"):
                stage[key] = to_output(stage[key], to_host)
        return self

    def _dask_input(self, X, y, first):
        """Validated, persisted Dask ``(X, y)`` and a two-row stand-in.

        The array code of this module runs unchanged on ``dask.array`` input:
        its reductions over rows (loss, Wirtinger gradients, full losses of
        the perturbations) become per-block reductions, evaluated in one pass
        per step. :func:`validate_input` checks the stand-in.
        """
        from .parallel import validate_dask_input

        X, y = validate_dask_input(self, X, y, dtype=self.dtype, reset=first)
        return X[:2].compute(), y[:2].compute(), X, y

    def _start_incremental(self, Xc, y, act, xp):
        """First ``partial_fit`` call: one stage's initial weights, no training yet."""
        params = self._initial_params(0, Xc.shape[1], self._rng, xp)
        self.hidden_weights_ = params["hidden_weights"]
        self.output_weights_ = params["output_weights"]
        _, shift = _StageProblem(
            Xc, y, act, alpha_reg=0.0, fixed_hidden=None, xp=xp
        ).full_loss(params, self.batch_size, recenter=True)
        self.intercept_ = -shift
        self.loss_curve_, self.n_iter_, self.n_perturbations_ = [], 0, 0
        self.perturbations_, self.stages_ = [], []

    def _continue(self, Xc, y, act, xp, incremental):
        """``partial_fit`` (one epoch) or ``warm_start`` fit of all current units."""
        _, wdtype = self._dtypes()
        params = {
            "hidden_weights": asarray(self.hidden_weights_, xp, dtype=wdtype),
            "output_weights": asarray(self.output_weights_, xp, dtype=wdtype),
            "intercept": xp.zeros(1, dtype=self._dtypes()[0]),
        }
        fixed = params.pop("hidden_weights") if self.train == "top" else None
        problem = _StageProblem(
            Xc,
            y - self.intercept_,
            act,
            alpha_reg=self.alpha,
            fixed_hidden=fixed,
            xp=xp,
        )
        if not incremental or not hasattr(self, "_optimizer"):
            self._optimizer = make_optimizer(
                self.solver, self._learning_rate(problem, params)
            )
        params, _ = self._train(
            problem,
            params,
            self._optimizer,
            self._rng,
            stage=len(self.stages_),
            max_iter=1 if incremental else self.max_iter,
            warn=not incremental,
        )
        W = problem._hidden(params)
        b = self.intercept_ + float(params["intercept"][0])
        return W, params["output_weights"], b

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the network (all stages) by gradient descent with perturbations.

        Parameters
        ----------
        X : array-like or dask.array of shape (n_samples, n_features)
            Real inputs, or angles for ``domain="circle"``. On a ``dask.array``
            every reduction over the samples (loss and gradients of a step,
            the full losses of the perturbations) runs per block on the
            workers, full batch (``batch_size=None``), and gives the NumPy
            model up to floating-point summation order.
        y : array-like or dask.array of shape (n_samples,)

        Returns
        -------
        self : ComplexTwoLayerRegressor
        """
        return self._fit(X, y, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y):
        """One epoch of (mini-batch) gradient descent on all units.

        The first call initialises the weights (one stage); ``n_stages`` applies
        to :meth:`fit` only.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : ComplexTwoLayerRegressor
        """
        return self._fit(X, y, incremental=True)

    def predict(self, X):
        """``Re g(x) + b``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        if is_dask_collection(X):  # lazy, block by block
            return predict_blocks(self.predict, X, self.dtype)
        X, _, xp, to_host = validate_input(
            self, X, reset=False, dtype=self.dtype, device=self.device
        )
        _, wdtype = self._dtypes()
        W = asarray(self.hidden_weights_, xp, dtype=wdtype)
        alpha = asarray(self.output_weights_, xp, dtype=wdtype)
        act = get_activation(self.activation, degree=self.degree)
        g, _ = _network_output(self._inputs(X, xp), W, alpha, act, xp)
        return to_output(g.real + self.intercept_, to_host)
