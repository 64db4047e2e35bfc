"""The one optimisation module shared by every iterative estimator.

Estimators describe their model by a function ``loss_grad(params, batch)`` and
hand it with an optimizer from :func:`make_optimizer` to :func:`minimize`. The
module owns everything else, following the contract of scikit-learn's
``MLPRegressor``: the step rule, ``tol`` / ``n_iter_no_change`` plateau
detection, ``loss_curve``, ``verbose`` output (``Iteration %d, loss = %.8f``), a
``ConvergenceWarning`` on ``max_iter``, and divergence rollback.

The ``loss_grad`` contract
--------------------------
``loss_grad(params, batch) -> (loss, grads)``: ``params`` is a dict of arrays
(real or complex, any shapes, in the data's namespace and device), ``batch`` a
batch key (``None`` for the full batch). ``loss`` is a scalar (a Python float
or a 0-d array) and ``grads`` a dict with the same keys, shapes and dtypes: for
a real array the gradient ``dE/dp``; for a complex array the Wirtinger descent
direction ``2 dE/d(conj z) = dE/dRe z + i dE/dIm z``, so that the update
``z <- z - lr * g`` applies to real and complex arrays alike.

Solvers (``make_optimizer(solver, learning_rate)``)
---------------------------------------------------
``"gd"``
    Gradient descent. A float ``learning_rate`` is a fixed step (an explicit
    choice: it diverges when the curvature of the loss, which grows with the
    scale of the inputs and targets, exceeds ``2 / learning_rate``).
    ``learning_rate="auto"`` chooses the step by Armijo backtracking
    (Nocedal & Wright 2006, Alg. 3.1): a trial step ``lr`` is accepted when
    ``E(p - lr g) <= E(p) - 1e-4 lr ||g||^2`` (halved otherwise); the step grows
    by 1.25 after a step accepted at the first trial (and doubles while
    accepted during the first iteration, from ``1.0``), so it follows the
    curvature of the problem. The loss never increases, so a default fit does
    not diverge on whitened, rescaled or large-valued data. The accepted
    trial's ``(loss, grads)`` is reused by the next iteration, so a step costs
    one ``loss_grad`` call when the first trial is accepted. With mini-batches
    the search runs on each batch (a stochastic line search).
``"adam"``
    Adam with the fixed ``learning_rate``.
``"lbfgs"``
    SciPy's L-BFGS-B (``scipy.optimize.minimize(method="L-BFGS-B")``) on the
    real parameter vector: the dict is flattened in key order, a complex array
    as its real parts then its imaginary parts, whose real gradient is
    ``(Re g, Im g)`` of the Wirtinger direction above. Only this small vector
    goes to the host (:func:`~sklearn_polynn._backend.to_numpy`); each
    evaluation moves the parameters back into the data's namespace and device
    and ``loss_grad`` computes there. ``learning_rate`` is ignored. Full batch
    only: ``batches`` must be ``None``. ``tol`` is SciPy's ``ftol`` and
    ``gtol``: it stops when an iteration lowers the loss by less than
    ``tol * max(|loss|, 1)`` (the GD rule's absolute ``tol`` for losses <= 1)
    or when the largest gradient entry is below ``tol``; ``n_iter_no_change``
    is not used. ``on_plateau`` is called when L-BFGS-B converges; new
    parameters restart it (fresh curvature memory) for the remaining
    iterations. ``loss_curve`` gets one entry per L-BFGS iteration (the loss
    at its accepted point; line-search evaluations are not counted; a start
    that already satisfies ``tol`` counts as one iteration, as in
    scikit-learn),
    ``verbose`` prints each, and ``n_iter`` counts iterations. Stopping on
    ``max_iter`` (or SciPy's evaluation limit) or on a line-search failure
    emits a ``ConvergenceWarning`` quoting SciPy's message; the optimizer holds
    no state between calls (``partial_fit`` restarts its memory).

Divergence (``"gd"`` with a fixed step, ``"adam"``): a non-finite loss, or one
10x above the first loss of the run, restores the best parameters and stops
with a warning that names the step size and the scale of the data as the
likely cause.

Early stopping (``validation=EarlyStopping(score, ...)``), as scikit-learn's
``MLPRegressor(early_stopping=True)``: after every iteration (epoch; "lbfgs":
every L-BFGS iteration, from SciPy's callback) ``score(params)`` is evaluated
on rows held out of training (the estimator's split, see
:func:`validation_split`), higher is better (R^2). An iteration improves when
its score exceeds the best so far by more than ``tol``; ``n_iter_no_change``
iterations without improvement stop the run (status "converged", no
``on_plateau`` call), and whatever stops it (also ``max_iter``, a plateau of the
training loss or a divergence) the parameters with the best validation score
are returned. The training-loss plateau rule and ``on_plateau`` still apply
while the validation score improves. A non-finite score counts as no
improvement.
"""

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._backend import asarray, device_of, get_namespace, to_numpy

__all__ = [
    "LBFGS",
    "EarlyStopping",
    "SOLVERS",
    "Adam",
    "GradientDescent",
    "OptimizeResult",
    "can_split",
    "early_stopping_split",
    "make_optimizer",
    "minimize",
    "validation_split",
]

_DIVERGENCE_FACTOR = 10.0
# OptimizeResult.status of scipy.optimize.minimize when the callback raised
# StopIteration.
_SCIPY_CALLBACK_STOP = 99
SOLVERS = ("gd", "adam", "lbfgs")
# Armijo backtracking of learning_rate="auto".
_ARMIJO_C = 1e-4
_SHRINK = 0.5
_GROW = 1.25
_MAX_BACKTRACKS = 60


class GradientDescent:
    """Gradient descent ``p <- p - lr * g``, fixed step or Armijo line search.

    Parameters
    ----------
    learning_rate : float or "auto"
        Fixed step, or ``"auto"``: Armijo backtracking (see the module notes).

    Attributes
    ----------
    step_size : float
        The last accepted step (``"auto"``), else ``learning_rate``.
    """

    def __init__(self, learning_rate):
        self.learning_rate = learning_rate
        self.step_size = 1.0 if learning_rate == "auto" else learning_rate
        self._first = True

    @property
    def line_search(self):
        return self.learning_rate == "auto"

    def step(self, params, grads):
        """Return the updated parameter dict (fixed step)."""
        return _moved(params, grads, self.step_size)

    def search(self, params, grads, loss, evaluate):
        """Armijo backtracking from ``params``; ``evaluate(p) -> (loss, grads)``.

        Returns
        -------
        params, (loss, grads) : the accepted point and its evaluation, or the
            start and ``None`` when no step lowers the loss (converged to
            rounding).
        """
        decrease = _ARMIJO_C * sum(
            float(_sum_squared_modulus(g)) for g in grads.values()
        )
        if decrease == 0.0:
            return params, None
        lr, accepted, expanding = self.step_size, None, self._first
        self._first = False
        for trial in range(_MAX_BACKTRACKS):
            candidate = _moved(params, grads, lr)
            value = evaluate(candidate)
            t_loss = float(value[0])
            if math.isfinite(t_loss) and t_loss <= loss - lr * decrease:
                accepted = (trial, lr, candidate, value)
                if not expanding:
                    break
                lr *= 2.0  # first iteration: expand while accepted
            elif accepted is not None:  # the expansion overshot: keep the last
                break
            else:
                expanding = False
                lr *= _SHRINK
        if accepted is None:
            return params, None
        trial, lr, candidate, value = accepted
        self.step_size = lr * _GROW if trial == 0 else lr
        return candidate, value


class Adam:
    """Adam (Kingma & Ba 2015), for real and complex parameters.

    For complex parameters the second moment accumulates ``|g|**2``, so the update
    is invariant to a global phase of the gradient.

    Parameters
    ----------
    learning_rate : float
    beta_1, beta_2 : float, default=(0.9, 0.999)
    epsilon : float, default=1e-8
    """

    line_search = False

    def __init__(self, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.first = {}
        self.second = {}

    def step(self, params, grads):
        """Return the updated parameter dict; moments are kept between calls."""
        self.t += 1
        b1, b2 = self.beta_1, self.beta_2
        scale = self.learning_rate * (1 - b2**self.t) ** 0.5 / (1 - b1**self.t)
        new = {}
        for k, p in params.items():
            g = grads[k]
            sq = _squared_modulus(g)
            self.first[k] = b1 * self.first.get(k, 0) + (1 - b1) * g
            self.second[k] = b2 * self.second.get(k, 0) + (1 - b2) * sq
            new[k] = p - scale * self.first[k] / (self.second[k] ** 0.5 + self.epsilon)
        return new


class LBFGS:
    """SciPy's L-BFGS-B on the real parameter vector (see the module notes).

    Parameters
    ----------
    memory : int, default=10
        Stored correction pairs (SciPy's ``maxcor``).
    """

    line_search = False
    learning_rate = None

    def __init__(self, memory=10):
        self.memory = memory


def _moved(params, grads, lr):
    return {k: p - lr * grads[k] for k, p in params.items()}


def _squared_modulus(g):
    """``|g|**2`` elementwise, real, for real and complex arrays."""
    xp = get_namespace(g)
    if xp.isdtype(g.dtype, "complex floating"):
        return xp.real(g) ** 2 + xp.imag(g) ** 2
    return g * g


def _sum_squared_modulus(g):
    return get_namespace(g).sum(_squared_modulus(g))


class EarlyStopping:
    """Validation-score early stopping for :func:`minimize` (see the module notes).

    Parameters
    ----------
    score : callable
        ``score(params) -> float`` on the held-out rows, higher is better
        (e.g. R^2, as ``MLPRegressor``).
    n_iter_no_change : int
        Iterations whose score does not exceed the best by more than ``tol``
        that stop the run.
    tol : float
        Minimum improvement of the score.

    Attributes
    ----------
    scores : list of float
        The score after every iteration (extended across :func:`minimize`
        calls that share this object).
    best_score : float
        The highest score (``-inf`` before the first iteration).
    best_params : dict or None
        The parameters with ``best_score``.
    """

    def __init__(self, score, n_iter_no_change, tol):
        self.score = score
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.scores = []
        self.best_score = -math.inf
        self.best_params = None
        self._no_improvement = 0

    def start(self, params):
        """Score the starting parameters (the fallback if nothing improves) and
        reset the patience counter; not recorded in ``scores``."""
        self._no_improvement = 0
        if self.best_params is None:
            self.best_score, self.best_params = self._evaluate(params), params

    def update(self, params):
        """Record the score of ``params``; ``True`` when the run should stop."""
        value = self._evaluate(params)
        self.scores.append(value)
        if value > self.best_score + self.tol:
            self._no_improvement = 0
        else:
            self._no_improvement += 1
        if value > self.best_score:
            self.best_score, self.best_params = value, params
        return self._no_improvement >= self.n_iter_no_change

    def _evaluate(self, params):
        value = float(self.score(params))
        return value if math.isfinite(value) else -math.inf


def can_split(n_samples, validation_fraction):
    """Whether :func:`validation_split` leaves at least 2 rows in each part
    (``early_stopping="auto"`` stays off otherwise)."""
    n_validation = math.ceil(validation_fraction * n_samples)
    return n_validation >= 2 and n_samples - n_validation >= 2


def validation_split(n_samples, validation_fraction, rng, estimator_name="estimator"):
    """Row indices of a random train / validation split, as
    ``train_test_split(test_size=validation_fraction)`` of ``MLPRegressor``.

    Parameters
    ----------
    n_samples : int
    validation_fraction : float in (0, 1)
        Fraction of the rows held out (rounded up).
    rng : numpy.random.RandomState
        The estimator's generator (one seed, one split).
    estimator_name : str
        Used in the error message.

    Returns
    -------
    train, validation : ndarray of int
        Sorted host index arrays.

    Raises
    ------
    ValueError
        If either part would have fewer than 2 rows.
    """
    n_validation = math.ceil(validation_fraction * n_samples)
    if not can_split(n_samples, validation_fraction):
        raise ValueError(
            f"{estimator_name}: early stopping holds out validation_fraction="
            f"{validation_fraction} of {n_samples} samples ({n_validation} rows), "
            "but both the validation and the training part need at least 2. "
            "Change validation_fraction, use more samples, or set "
            "early_stopping=False."
        )
    order = rng.permutation(n_samples)
    return np.sort(order[n_validation:]), np.sort(order[:n_validation])


def early_stopping_split(
    early_stopping,
    validation_fraction,
    overfit,
    n_samples,
    rng,
    estimator_name,
    *,
    dask_input=False,
    weights=None,
    min_train=2,
):
    """Resolve an estimator's ``early_stopping`` and draw its validation split.

    Parameters
    ----------
    early_stopping : {"auto", True, False}
        "auto": on when ``overfit`` and the split is usable, off otherwise;
        True: on, with a ``ValueError`` when the split is not usable.
    validation_fraction : float in (0, 1)
    overfit : bool
        The estimator's rule for "auto" (more parameters than rows).
    n_samples : int
    rng : numpy.random.RandomState
        The estimator's generator (drawn only when early stopping is on).
    estimator_name : str
    dask_input : bool, default=False
        Early stopping is not supported on Dask input ("auto" is off there).
    weights : array of shape (n_samples,), default=None
        ``sample_weight``: both parts need a positive total weight.
    min_train : int, default=2
        Training rows the fit needs (e.g. Algorithm 1's moments).

    Returns
    -------
    split : (train, validation) or None
        Sorted host index arrays (:func:`validation_split`), or None when early
        stopping is off.
    """
    auto = early_stopping == "auto"
    if not early_stopping or (auto and (dask_input or not overfit)):
        return None
    if dask_input:
        raise ValueError(
            f"{estimator_name}: early_stopping=True is not supported with dask "
            "input; set early_stopping=False (or 'auto')."
        )
    n_train = n_samples - math.ceil(validation_fraction * n_samples)
    if auto and (not can_split(n_samples, validation_fraction) or n_train < min_train):
        return None
    if n_train < min_train:
        raise ValueError(
            f"{estimator_name}: early_stopping=True holds out validation_fraction="
            f"{validation_fraction} of {n_samples} samples, leaving {n_train} "
            f"training rows; the fit needs at least {min_train}. Use more samples, "
            "a smaller validation_fraction, or early_stopping=False."
        )
    train, validation = validation_split(
        n_samples, validation_fraction, rng, estimator_name
    )
    if weights is not None:
        weights = np.asarray(to_numpy(weights), dtype=float)
        if min(weights[train].sum(), weights[validation].sum()) <= 0:
            if auto:
                return None
            raise ValueError(
                f"{estimator_name}: early_stopping=True drew a validation split "
                "in which the training or the validation rows all have "
                "sample_weight 0; set early_stopping=False or change "
                "validation_fraction or random_state."
            )
    return train, validation


def make_optimizer(solver, learning_rate):
    """Optimizer for an estimator's ``solver`` and ``learning_rate`` parameters.

    Parameters
    ----------
    solver : {"gd", "adam", "lbfgs"}
    learning_rate : float or "auto"
        Step of "gd" (``"auto"``: Armijo line search) and "adam" (float only);
        ignored by "lbfgs".

    Returns
    -------
    optimizer : GradientDescent, Adam or LBFGS
    """
    if solver == "gd":
        return GradientDescent(learning_rate)
    if solver == "adam":
        if learning_rate == "auto":
            raise ValueError(
                "learning_rate='auto' (line search) is for solver='gd'; give "
                "solver='adam' a float learning_rate."
            )
        return Adam(learning_rate)
    if solver == "lbfgs":
        return LBFGS()
    raise ValueError(
        f"solver must be one of {', '.join(repr(s) for s in SOLVERS)}; got {solver!r}."
    )


@dataclass
class OptimizeResult:
    """What :func:`minimize` returns.

    Attributes
    ----------
    params : dict of arrays
        The last parameters, or after a divergence the parameters at the start
        of the iteration with the lowest loss; with early stopping, the
        parameters with the best validation score.
    loss_curve : list of float
        Loss per iteration (mean over the mini-batches of an epoch).
    n_iter : int
        Iterations run in this call.
    status : {"converged", "max_iter", "diverged", "failed"}
        "failed": L-BFGS-B stopped on a line-search failure.
    best_loss : float
    message : str
        SciPy's message for "lbfgs", else empty.
    """

    params: dict
    loss_curve: list = field(default_factory=list)
    n_iter: int = 0
    status: str = "max_iter"
    best_loss: float = float("inf")
    message: str = ""


def minimize(
    loss_grad,
    params,
    optimizer,
    *,
    max_iter,
    tol=1e-4,
    n_iter_no_change=10,
    batches=None,
    on_plateau=None,
    loss_curve=None,
    verbose=0,
    warn_max_iter=True,
    estimator_name="estimator",
    stacklevel=2,
    validation=None,
):
    """Minimize ``loss_grad`` from ``params`` until convergence, ``max_iter``, or
    divergence.

    Parameters
    ----------
    loss_grad : callable
        ``loss_grad(params, batch) -> (loss, grads)``, see the module notes.
    params : dict of str -> array
        Starting parameters (not modified).
    optimizer : GradientDescent, Adam or LBFGS
        From :func:`make_optimizer`; holds the step rule and its state (reused
        by ``partial_fit``).
    max_iter : int
        Maximum number of iterations (epochs when ``batches`` is given).
    tol : float, default=1e-4
        An iteration improves when its loss is below ``best_loss - tol``
        ("lbfgs": SciPy's ``ftol`` and ``gtol``).
    n_iter_no_change : int, default=10
        Iterations without improvement that make a plateau (not "lbfgs").
    batches : callable, default=None
        ``batches(iteration) -> iterable of batch keys`` passed to ``loss_grad``;
        ``None`` runs one full-batch step (key ``None``) per iteration. Must be
        ``None`` for "lbfgs".
    on_plateau : callable, default=None
        ``on_plateau(params, best_loss) -> params or None``. Called on a plateau
        (``n_iter_no_change`` iterations without improvement, or a full-batch
        line search that finds no descent step; "lbfgs": on convergence);
        returning new parameters continues from them
        (used for the random perturbations of Andoni et al., Thm 5.1), ``None``
        stops as converged.
    loss_curve : list, default=None
        Existing curve to extend (``partial_fit``, ``warm_start``).
    verbose : int, default=0
        Print ``Iteration %d, loss = %.8f`` every iteration when > 0.
    warn_max_iter : bool, default=True
        Emit a ``ConvergenceWarning`` when stopping on ``max_iter``.
    estimator_name : str
        Used in warning messages.
    stacklevel : int, default=2
        ``stacklevel`` of the warnings as if ``minimize`` emitted them: 2 points
        at the caller of ``minimize``; an estimator passes the depth of its
        ``fit`` caller (the user's line).
    validation : EarlyStopping, default=None
        Early stopping on a held-out score (see the module notes); its
        ``scores``, ``best_score`` and ``best_params`` are updated in place.

    Returns
    -------
    result : OptimizeResult
    """
    if isinstance(optimizer, LBFGS):
        if batches is not None:
            raise ValueError(
                f"{estimator_name}: solver='lbfgs' runs full-batch L-BFGS-B; "
                "mini-batches are not supported (set batch_size=None or use "
                "solver='gd' / 'adam')."
            )
        return _minimize_lbfgs(
            loss_grad,
            params,
            optimizer,
            max_iter=max_iter,
            tol=tol,
            on_plateau=on_plateau,
            loss_curve=loss_curve,
            verbose=verbose,
            warn_max_iter=warn_max_iter,
            estimator_name=estimator_name,
            stacklevel=stacklevel + 1,
            validation=validation,
        )
    result = _minimize_steps(
        loss_grad,
        params,
        optimizer,
        max_iter=max_iter,
        tol=tol,
        n_iter_no_change=n_iter_no_change,
        batches=batches,
        on_plateau=on_plateau,
        loss_curve=loss_curve,
        verbose=verbose,
        estimator_name=estimator_name,
        stacklevel=stacklevel,
        validation=validation,
    )
    if result.status == "max_iter" and warn_max_iter:
        _warn_max_iter(estimator_name, max_iter, stacklevel)
    if validation is not None and validation.best_params is not None:
        result.params = validation.best_params
    return result


def _minimize_steps(
    loss_grad,
    params,
    optimizer,
    *,
    max_iter,
    tol,
    n_iter_no_change,
    batches,
    on_plateau,
    loss_curve,
    verbose,
    estimator_name,
    stacklevel,
    validation,
):
    """The "gd" / "adam" loop of :func:`minimize`."""
    stacklevel += 1
    curve = [] if loss_curve is None else loss_curve
    start = len(curve)
    best_loss = min(curve) if curve else float("inf")
    # Optimizer steps return new arrays, so holding a reference is a snapshot.
    best_params = params
    no_improvement = 0
    status = "max_iter"
    n_iter = 0
    reference_loss = None  # first loss of this call: divergence is judged against it
    pending = None  # (loss, grads) at params, from the last line search
    if validation is not None:
        validation.start(params)
    for n_iter in range(1, max_iter + 1):
        epoch_start = params
        losses = []
        stuck = False  # the line search found no descent step: a critical point
        for key in [None] if batches is None else batches(n_iter - 1):
            if pending is not None and key is None:
                loss, grads = pending
            else:
                loss, grads = loss_grad(params, key)
            pending = None
            loss = float(loss)
            if reference_loss is None:
                reference_loss = loss
                if not math.isfinite(loss):
                    _warn_divergence(
                        estimator_name, loss, optimizer, stacklevel, at_start=True
                    )
                    return OptimizeResult(params, curve, 0, "diverged", best_loss)
            if _diverged(loss, reference_loss):
                _warn_divergence(estimator_name, loss, optimizer, stacklevel)
                return OptimizeResult(
                    best_params, curve, n_iter - 1, "diverged", best_loss
                )
            losses.append(loss)
            if optimizer.line_search:
                params, pending = optimizer.search(
                    params, grads, loss, lambda p, key=key: loss_grad(p, key)
                )
                stuck = pending is None and batches is None
            else:
                params = optimizer.step(params, grads)
        epoch_loss = sum(losses) / len(losses)
        curve.append(epoch_loss)
        if verbose:
            print(f"Iteration {start + n_iter}, loss = {epoch_loss:.8f}")
        no_improvement = 0 if epoch_loss < best_loss - tol else no_improvement + 1
        if epoch_loss < best_loss:
            best_loss, best_params = epoch_loss, epoch_start
        if validation is not None and validation.update(params):
            status = "converged"
            break
        if stuck or no_improvement >= n_iter_no_change:
            new_params = None if on_plateau is None else on_plateau(params, best_loss)
            if new_params is None:
                status = "converged"
                break
            params, no_improvement, pending = new_params, 0, None
    return OptimizeResult(params, curve, n_iter, status, min([best_loss, *curve[-1:]]))


def _warn_max_iter(estimator_name, max_iter, stacklevel, detail=""):
    warnings.warn(
        f"{estimator_name}: maximum iterations ({max_iter}) reached and the "
        f"optimization has not converged yet{detail}; increase max_iter.",
        ConvergenceWarning,
        stacklevel=stacklevel + 1,
    )


def _diverged(loss, reference_loss):
    """Non-finite loss, or one grown 10x above the first loss of the run."""
    if not math.isfinite(loss):
        return True
    return reference_loss > 0 and loss > _DIVERGENCE_FACTOR * reference_loss


def _warn_divergence(estimator_name, loss, optimizer, stacklevel, at_start=False):
    if at_start:
        cause = (
            "the loss is not finite at the starting parameters: the inputs or "
            "targets are too large for the model's floating-point range; rescale "
            "them (e.g. StandardScaler, WhiteningTransformer)."
        )
    elif optimizer.line_search:
        cause = "the line search could not keep the loss finite."
    else:
        cause = (
            f"the step learning_rate={optimizer.learning_rate!r} is too large for "
            "the curvature of this loss, which grows with the scale of the inputs "
            "and targets (unwhitened, correlated or large-valued X or y). Lower "
            "learning_rate, rescale the data, or use learning_rate='auto' (line "
            "search) or solver='lbfgs'."
        )
    warnings.warn(
        f"{estimator_name}: the loss diverged (reached {loss:.3g}); the last good "
        f"weights were restored. Likely cause: {cause}",
        ConvergenceWarning,
        stacklevel=stacklevel + 1,
    )


# ---------------------------------------------------------------------- L-BFGS-B
class _ParamVector:
    """Flattens a dict of (real or complex) arrays to one real host vector."""

    def __init__(self, params):
        self.keys = list(params)
        first = next(iter(params.values()))
        self.xp = get_namespace(first)
        self.device = device_of(first)
        self.specs = []
        for k in self.keys:
            p = params[k]
            complex_ = bool(self.xp.isdtype(p.dtype, "complex floating"))
            self.specs.append((tuple(p.shape), p.dtype, complex_, math.prod(p.shape)))

    def flatten(self, arrays):
        """Real float64 host vector; a complex array as (Re, Im)."""
        parts = []
        for k, (_, _, complex_, _) in zip(self.keys, self.specs):
            a = np.asarray(to_numpy(arrays[k])).ravel()
            parts.extend([a.real, a.imag] if complex_ else [a])
        return np.concatenate(parts).astype(np.float64, copy=False)

    def unflatten(self, x):
        """The params dict in the data's namespace and device."""
        params, offset = {}, 0
        for k, (shape, dtype, complex_, size) in zip(self.keys, self.specs):
            a = x[offset : offset + size].reshape(shape)
            offset += size
            if complex_:
                a = a + 1j * x[offset : offset + size].reshape(shape)
                offset += size
            params[k] = asarray(a, self.xp, dtype=dtype, device=self.device)
        return params


def _minimize_lbfgs(
    loss_grad,
    params,
    optimizer,
    *,
    max_iter,
    tol,
    on_plateau,
    loss_curve,
    verbose,
    warn_max_iter,
    estimator_name,
    stacklevel,
    validation=None,
):
    """``minimize`` with SciPy's L-BFGS-B (see the module notes); early stopping
    scores every iteration in SciPy's callback and ends the run by raising
    ``StopIteration`` there."""
    from scipy.optimize import minimize as scipy_minimize

    curve = [] if loss_curve is None else loss_curve
    start = len(curve)
    vector = _ParamVector(params)

    def fun(x):
        loss, grads = loss_grad(vector.unflatten(x), None)
        loss = float(loss)
        if not math.isfinite(loss):
            return math.inf, np.zeros_like(x)  # makes the line search backtrack
        return loss, vector.flatten(grads)

    def callback(intermediate_result):
        curve.append(float(intermediate_result.fun))
        if verbose:
            print(f"Iteration {len(curve)}, loss = {curve[-1]:.8f}")
        if validation is not None and validation.update(
            vector.unflatten(np.array(intermediate_result.x, copy=True))
        ):
            raise StopIteration

    x = vector.flatten(params)
    if validation is not None:
        validation.start(params)
    n_iter, remaining = 0, max_iter
    status, message = "max_iter", ""
    while remaining > 0:
        before = len(curve)
        res = scipy_minimize(
            fun,
            x,
            jac=True,
            method="L-BFGS-B",
            callback=callback,
            options={
                "maxiter": remaining,
                "maxfun": max(15000, 20 * remaining),
                "ftol": tol,
                "gtol": tol,
                "maxcor": optimizer.memory,
            },
        )
        x, message = res.x, str(res.message)
        if len(curve) == before:  # converged at the start: record its loss
            curve.append(float(res.fun))
        done = len(curve) - before
        n_iter += done
        remaining -= max(done, 1)
        if validation is not None and res.status == _SCIPY_CALLBACK_STOP:
            status = "converged"  # the validation score stopped improving
            break
        if res.status != 0:
            status = "max_iter" if res.status == 1 else "failed"
            break
        status = "converged"
        new = None if on_plateau is None else on_plateau(vector.unflatten(x), res.fun)
        if new is None:
            break
        x, status = vector.flatten(new), "max_iter"
    if status == "failed" or (status == "max_iter" and warn_max_iter):
        if status == "failed":
            warnings.warn(
                f"{estimator_name}: L-BFGS-B stopped after {n_iter} iterations: "
                f"{message}",
                ConvergenceWarning,
                stacklevel=stacklevel,
            )
        else:
            _warn_max_iter(
                estimator_name, max_iter, stacklevel, f" (L-BFGS-B: {message})"
            )
    best = min(curve[start:], default=float(fun(x)[0]))
    params = vector.unflatten(x)
    if validation is not None and validation.best_params is not None:
        params = validation.best_params
    return OptimizeResult(params, curve, n_iter, status, best, message)
