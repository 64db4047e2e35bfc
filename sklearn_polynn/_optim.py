"""The one gradient-descent loop shared by every iterative estimator.

Estimators describe their model by a function ``loss_grad(params, batch)`` that
returns the loss and the descent gradients of a dict of parameter arrays, and hand
it to :func:`minimize`. The loop owns everything else, following the contract of
scikit-learn's ``MLPRegressor``: the step rule (plain gradient descent or Adam),
``tol`` / ``n_iter_no_change`` plateau detection, ``loss_curve_``, ``verbose``
output (``Iteration %d, loss = %.8f``), a ``ConvergenceWarning`` on ``max_iter``,
and divergence rollback (a non-finite loss, or one 10x above the first loss of the
run, restores the best parameters and stops with a warning to lower the learning
rate).

Complex parameters use the descent direction ``2 dE/d(conj z) = dE/dRe z +
i dE/dIm z`` (Wirtinger calculus), so the same update ``z <- z - lr * g`` applies
to real and complex arrays alike.
"""

import math
import warnings
from dataclasses import dataclass, field

from sklearn.exceptions import ConvergenceWarning

from ._backend import get_namespace

__all__ = ["Adam", "GradientDescent", "OptimizeResult", "make_optimizer", "minimize"]

_DIVERGENCE_FACTOR = 10.0


class GradientDescent:
    """Plain gradient descent ``p <- p - learning_rate * g``.

    Parameters
    ----------
    learning_rate : float
        Step size.
    """

    def __init__(self, learning_rate):
        self.learning_rate = learning_rate

    def step(self, params, grads):
        """Return the updated parameter dict."""
        return {k: p - self.learning_rate * grads[k] for k, p in params.items()}


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


def _squared_modulus(g):
    """``|g|**2`` elementwise, real, for real and complex arrays."""
    xp = get_namespace(g)
    if xp.isdtype(g.dtype, "complex floating"):
        return xp.real(g) ** 2 + xp.imag(g) ** 2
    return g * g


def make_optimizer(solver, learning_rate):
    """Optimizer for an estimator's ``solver`` parameter ("gd" or "adam")."""
    if solver == "gd":
        return GradientDescent(learning_rate)
    if solver == "adam":
        return Adam(learning_rate)
    raise ValueError(f"solver must be 'gd' or 'adam'; got {solver!r}.")


@dataclass
class OptimizeResult:
    """What :func:`minimize` returns.

    Attributes
    ----------
    params : dict of arrays
        The last parameters, or after a divergence the parameters at the start
        of the iteration with the lowest loss.
    loss_curve : list of float
        Loss per iteration (mean over the mini-batches of an epoch).
    n_iter : int
        Iterations run in this call.
    status : {"converged", "max_iter", "diverged"}
    best_loss : float
    """

    params: dict
    loss_curve: list = field(default_factory=list)
    n_iter: int = 0
    status: str = "max_iter"
    best_loss: float = float("inf")


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
):
    """Run gradient descent until convergence, ``max_iter``, or divergence.

    Parameters
    ----------
    loss_grad : callable
        ``loss_grad(params, batch) -> (loss, grads)``: the loss (a scalar) at
        ``params`` and the descent gradient of each entry, for one batch key.
    params : dict of str -> array
        Starting parameters (not modified).
    optimizer : GradientDescent or Adam
        Holds the step rule and its state (reused by ``partial_fit``).
    max_iter : int
        Maximum number of iterations (epochs when ``batches`` is given).
    tol : float, default=1e-4
        An iteration improves when its loss is below ``best_loss - tol``.
    n_iter_no_change : int, default=10
        Iterations without improvement that make a plateau.
    batches : callable, default=None
        ``batches(iteration) -> iterable of batch keys`` passed to ``loss_grad``;
        ``None`` runs one full-batch step (key ``None``) per iteration.
    on_plateau : callable, default=None
        ``on_plateau(params, best_loss) -> params or None``. Called on a plateau;
        returning new parameters continues from them (used for the random
        perturbations of Andoni et al., Thm 5.1), ``None`` stops as converged.
    loss_curve : list, default=None
        Existing curve to extend (``partial_fit``, ``warm_start``).
    verbose : int, default=0
        Print ``Iteration %d, loss = %.8f`` every iteration when > 0.
    warn_max_iter : bool, default=True
        Emit a ``ConvergenceWarning`` when stopping on ``max_iter``.
    estimator_name : str
        Used in warning messages.

    Returns
    -------
    result : OptimizeResult
    """
    curve = [] if loss_curve is None else loss_curve
    start = len(curve)
    best_loss = min(curve) if curve else float("inf")
    # Optimizer steps return new arrays, so holding a reference is a snapshot.
    best_params = params
    no_improvement = 0
    status = "max_iter"
    n_iter = 0
    reference_loss = None  # first loss of this call: divergence is judged against it
    for n_iter in range(1, max_iter + 1):
        epoch_start = params
        losses = []
        for key in [None] if batches is None else batches(n_iter - 1):
            loss, grads = loss_grad(params, key)
            loss = float(loss)
            reference_loss = loss if reference_loss is None else reference_loss
            if _diverged(loss, reference_loss):
                _warn_divergence(estimator_name, loss)
                return OptimizeResult(
                    best_params, curve, n_iter - 1, "diverged", best_loss
                )
            losses.append(loss)
            params = optimizer.step(params, grads)
        epoch_loss = sum(losses) / len(losses)
        curve.append(epoch_loss)
        if verbose:
            print(f"Iteration {start + n_iter}, loss = {epoch_loss:.8f}")
        no_improvement = 0 if epoch_loss < best_loss - tol else no_improvement + 1
        if epoch_loss < best_loss:
            best_loss, best_params = epoch_loss, epoch_start
        if no_improvement >= n_iter_no_change:
            new_params = None if on_plateau is None else on_plateau(params, best_loss)
            if new_params is None:
                status = "converged"
                break
            params, no_improvement = new_params, 0
    if status == "max_iter" and warn_max_iter:
        warnings.warn(
            f"{estimator_name}: maximum iterations ({max_iter}) reached and the "
            "optimization has not converged yet; increase max_iter.",
            ConvergenceWarning,
        )
    return OptimizeResult(params, curve, n_iter, status, best_loss)


def _diverged(loss, reference_loss):
    """Non-finite loss, or one grown 10x above the first loss of the run."""
    if not math.isfinite(loss):
        return True
    return reference_loss > 0 and loss > _DIVERGENCE_FACTOR * reference_loss


def _warn_divergence(estimator_name, loss):
    warnings.warn(
        f"{estimator_name}: the loss diverged (reached {loss:.3g}); the last good "
        "weights were restored. Lower learning_rate.",
        ConvergenceWarning,
    )
