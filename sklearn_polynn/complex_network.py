"""Two-layer networks with complex weights trained end to end by Wirtinger gradient
descent, with random perturbations at critical points and residual peeling.

Implements Andoni, Panigrahy, Valiant & Zhang (2014): gradient descent on both
layers of ``g(x) = sum_i alpha_i phi(w_i . x)`` (Thm 4.2), random complex
perturbations to leave critical points (Thm 5.1; real perturbations do not
suffice, Lemma 5.7), and the iterative residual algorithm (Algorithm 1 of the
full version). The initial weights ``C(r)^n`` are drawn as for the
random-feature model (``_complex.py``); the inputs are kept real (circle points
``exp(i theta)`` as ``[cos theta, sin theta]``, :class:`_NetworkInput`), so every
product over the samples is a real GEMM on real views of the complex weights
(``_backend.real_view`` / ``complex_view``). The code is written against the
array API standard; the descent loop is the package's one loop,
``_optim.minimize``.
"""

import math
import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted, check_random_state

from ._backend import (
    Namespace,
    complex_dtype_for,
    complex_from_parts,
    complex_view,
    exp_inplace,
    exp_parts,
    real_view,
    row_batches,
    to_numpy,
)
from ._compat import Interval, IntInterval, StrOptions, _fit_context
from ._complex import draw_complex_weights, parts_operand
from ._optim import (
    SOLVERS,
    Adam,
    EarlyStopping,
    early_stopping_split,
    make_optimizer,
    minimize,
)
from ._validation import (
    ITERATIVE_CONSTRAINTS,
    check_dtype,
    check_y_given,
    validate_fitted_input,
    validate_input,
    validate_sample_weight,
)
from .activations import ACTIVATIONS, Activation, get_activation
from .hermite import GaussianTransfer, hermite_transfer
from .parallel import (
    compute_if_dask,
    is_dask_collection,
    persist_if_dask,
    predict_blocks,
)

__all__ = ["ComplexTwoLayerRegressor"]

_ADAM_LEARNING_RATE = 0.01
#: ``n_stages="auto"`` stops when a stage shrinks the residual by less than this
#: fraction, or after this many stages.
_AUTO_STAGE_MIN_DECREASE = 0.01
_AUTO_MAX_STAGES = 20
#: A stage "made no progress" when its loss fell by less than this fraction.
_NO_PROGRESS = 1e-3
#: Size of the output-weight perturbation of a dead unit, as a fraction of the
#: RMS residual spread over the ``m`` units (see ``_perturbed``).
_ALPHA_PERTURBATION = 1e-3
#: RMS pre-activation ``|w . x|`` at the initial weights outside this range, or
#: column scales further apart than the ratio, make a badly scaled input.
_SCALE_RANGE = (1e-2, 1e2)
_COLUMN_SCALE_RATIO = 1e3
#: Pre-activation RMS above which a divergence is blamed on the input scale.
_LARGE_PREACTIVATION = 3.0
_STANDARDIZE_HINT = (
    "Standardize or whiten X (sklearn.preprocessing.StandardScaler, or "
    "sklearn_polynn.WhiteningTransformer in a Pipeline)"
)


# ------------------------------------------------------------ complex products
def _is_complex(a, xp):
    return xp.isdtype(a.dtype, "complex floating")


def _concat(arrays, axis, xp):
    if any(is_dask_collection(a) for a in arrays):
        return np.concatenate(arrays, axis=axis)  # dispatches to dask.array
    return xp.concat(arrays, axis=axis)


class _NetworkInput:
    """The inputs ``x_s`` of the network, kept real so that every product with
    them is a real GEMM.

    ``domain="real"``: ``data`` is ``X``. ``domain="circle"``: ``x = exp(i
    theta)`` is stored as ``data = [cos theta, sin theta]`` of shape ``(N, 2n)``;
    a complex ``x W`` is then one real GEMM against a ``(2n, 2m)`` real matrix
    built from ``W`` (no complex x complex BLAS call, whose kernels also slow
    down the complex ``exp`` that follows on some OpenBLAS builds).
    """

    __slots__ = ("circle", "data", "n_features", "xp")

    def __init__(self, data, circle, xp):
        self.data, self.circle, self.xp = data, circle, xp
        self.n_features = data.shape[1] // 2 if circle else data.shape[1]

    @classmethod
    def from_validated(cls, X, domain, xp):
        """``X`` (angles for ``domain="circle"``) as the network's inputs."""
        if domain == "circle":
            return cls(_concat([xp.cos(X), xp.sin(X)], 1, xp), True, xp)
        return cls(X, False, xp)

    @classmethod
    def from_array(cls, X, xp):
        """The inputs ``x_s`` given as an array (complex for points on the circle)."""
        if _is_complex(X, xp):
            return cls(_concat([xp.real(X), xp.imag(X)], 1, xp), True, xp)
        return cls(X, False, xp)

    @property
    def n_samples(self):
        return self.data.shape[0]

    def rows(self, index):
        """The inputs of the rows ``index`` (``None``, a slice or an index array)."""
        if index is None:
            return self
        if isinstance(index, slice):
            return _NetworkInput(self.data[index, :], self.circle, self.xp)
        return _NetworkInput(
            self.xp.take(self.data, index, axis=0), self.circle, self.xp
        )

    def times(self, W):
        """``Z = X W``: entry ``(s, i)`` is ``w_i . x_s`` (no conjugation)."""
        xp, data = self.xp, self.data
        if self.circle:
            if not _is_complex(W, xp):
                W = xp.astype(W, complex_dtype_for(W.dtype, xp))
            # [cos, sin] @ [[Re W, Im W], [-Im W, Re W]], interleaved columns
            M = _concat([real_view(W), real_view(1j * W)], 0, xp)
            return complex_view(data @ M)
        if _is_complex(W, xp):
            return complex_view(data @ real_view(W))
        return data @ W

    def transpose_times(self, D):
        """``X^T D`` (no conjugation), for the hidden-weight gradient."""
        xp, data = self.xp, self.data
        if not _is_complex(D, xp):
            if self.circle:
                D = xp.astype(D, complex_dtype_for(D.dtype, xp))
            else:
                return data.T @ D
        G = data.T @ real_view(D)
        if not self.circle:
            return complex_view(G)
        n = self.n_features
        return complex_view(G[:n, :]) + 1j * complex_view(G[n:, :])

    def times_parts(self, W):
        """``Z = X W`` for complex ``W`` as the real ``(2m, N)`` array ``[Re Z^T;
        Im Z^T]`` (units by samples), by one real GEMM.

        The transposed layout keeps the real and the imaginary parts in two
        contiguous blocks, for the elementwise ``exp`` of
        :func:`~sklearn_polynn._backend.exp_parts`.
        """
        xp = self.xp
        if not _is_complex(W, xp):
            W = xp.astype(W, complex_dtype_for(W.dtype, xp))
        domain = "circle" if self.circle else "real"
        return parts_operand(W, domain, xp).T @ self.data.T

    def transpose_times_parts(self, QT):
        """``X^T Q`` (no conjugation, complex ``(n, m)``) for ``Q`` given as the
        real ``(2m, N)`` array ``QT = [Re Q^T; Im Q^T]``, by one real GEMM."""
        K = QT @ self.data
        m, n = QT.shape[0] // 2, self.n_features
        if self.circle:  # (c + i s)^T (Qr + i Qi)
            re, im = K[:m, :n] - K[m:, n:], K[m:, :n] + K[:m, n:]
        else:
            re, im = K[:m, :], K[m:, :]
        return complex_from_parts(re.T, im.T)


def _real_output(phi, alpha, xp):
    """``Re(phi @ alpha)`` by one real matrix-vector product."""
    if not _is_complex(phi, xp):
        return phi @ alpha
    if not _is_complex(alpha, xp):
        alpha = xp.astype(alpha, phi.dtype)
    # Re(phi a) = Re phi Re a - Im phi Im a = real(phi) @ real(conj a)
    return real_view(phi) @ real_view(xp.conj(alpha))


def _conj_residual_product(residual, phi, xp):
    """``sum_s r_s conj(phi_si)`` for a real residual, by a real product."""
    if not _is_complex(phi, xp):
        return residual @ phi
    return xp.conj(complex_view(residual @ real_view(phi)))


def _squared_norm(p, xp):
    """``sum |p|^2`` as a Python float."""
    if _is_complex(p, xp):
        return float(xp.sum(xp.real(p) ** 2 + xp.imag(p) ** 2))
    return float(xp.sum(p * p))


class _ExpParts:
    """The units ``phi(Z) = exp(Z)`` of complex pre-activations ``Z = X W``, held
    as the real ``(2m, N)`` array ``values = [Re phi^T; Im phi^T]`` (see
    :meth:`_NetworkInput.times_parts`): the layout of the fast ``exp`` path."""

    __slots__ = ("values",)

    def __init__(self, values):
        self.values = values


def _exp_by_parts(activation, W, inputs, xp):
    """Whether the units are ``exp`` of complex pre-activations (complex weights
    or circle inputs): the paper's setting, computed by :class:`_ExpParts`."""
    if isinstance(activation, GaussianTransfer) or activation.name != "exp":
        return False
    return inputs.circle or _is_complex(W, xp)


def _real_output_parts(PT, alpha, xp):
    """``Re(phi @ alpha) = Re phi Re alpha - Im phi Im alpha`` by one GEMV."""
    m = PT.shape[0] // 2
    if not _is_complex(alpha, xp):
        return alpha @ PT[:m, :]
    return _concat([xp.real(alpha), -xp.imag(alpha)], 0, xp) @ PT


# ------------------------------------------------------------------ the model
def _network_output(inputs, W, alpha, activation, xp):
    """``Re g(x_s)`` with ``g(x) = sum_i alpha_i phi(w_i . x)`` (Andoni et al.,
    Sec. 2); returns it and the pair ``(Z, phi(Z))`` the gradients reuse
    (``Z`` is ``None`` for ``exp``, computed in place; for ``exp`` of complex
    pre-activations ``phi`` is an :class:`_ExpParts`). For a
    :class:`~sklearn_polynn.hermite.GaussianTransfer` (``domain="gaussian"``)
    the units are ``psi(w_i . x, w_i^T w_i)`` (Lemma 6.1)."""
    if _exp_by_parts(activation, W, inputs, xp):
        phi = _ExpParts(exp_parts(inputs.times_parts(W)))
        return _real_output_parts(phi.values, alpha, xp), (None, phi)
    Z = inputs.times(W)
    if isinstance(activation, GaussianTransfer):
        phi = activation(Z, xp.sum(W * W, axis=0))
    elif activation.name == "exp":
        Z, phi = None, exp_inplace(Z)
    else:
        phi = activation(Z)
    return _real_output(phi, alpha, xp), (Z, phi)


def _activation_derivative(activation, Z, phi):
    """``phi'(Z)``; for ``exp`` it is ``phi(Z)`` itself (saves one complex exp)."""
    if activation.name == "exp":
        return phi
    return activation.derivative(Z)


def _wirtinger_gradients(
    inputs, cache, W, alpha, residual, activation, train_hidden, xp
):
    """Descent directions ``2 dL/d(conj u)`` of ``L = mean((Re g + b - y)^2) / 2``.

    Wirtinger calculus as in Sec. 4 and App. D of the full version: for a
    holomorphic ``g``, ``dRe g/d(conj u) = conj(dg/du) / 2``, so with residual
    ``r = Re g + b - y``

    * ``alpha_i``: ``mean_s r_s conj(phi(w_i . x_s))``  (``<p_i, e>`` of Thm 4.1);
    * ``w_ij``:   ``mean_s r_s conj(alpha_i phi'(w_i . x_s) x_sj)``;
    * ``b``:      ``mean_s r_s``.

    For real weights the real part is the ordinary gradient. Every product
    over the samples is a real GEMM / GEMV (see :class:`_NetworkInput`). The
    Hermite units of ``domain="gaussian"`` also depend on ``w_i^T w_i``; their
    ``W`` direction is
    :meth:`~sklearn_polynn.hermite.GaussianTransfer.hidden_weight_gradient`.
    """
    Z, phi = cache
    if isinstance(phi, _ExpParts):
        grads = _exp_parts_gradients(inputs, phi, alpha, residual, train_hidden, xp)
    else:
        grads = _generic_gradients(
            inputs, Z, phi, W, alpha, residual, activation, train_hidden, xp
        )
    if not _is_complex(alpha, xp):
        grads = {k: xp.real(g) if _is_complex(g, xp) else g for k, g in grads.items()}
    return grads


def _exp_parts_gradients(inputs, phi, alpha, residual, train_hidden, xp):
    """:func:`_wirtinger_gradients` for :class:`_ExpParts` units (``phi' =
    phi``): the hidden-weight direction is ``conj(alpha_i (X^T (r * phi))_ji)
    / N``, so the only passes over the batch are two GEMVs, one scaling and
    one GEMM."""
    n_samples = residual.shape[0]
    PT = phi.values
    m = PT.shape[0] // 2
    u = PT @ residual  # sum_s r_s [Re phi_s; Im phi_s]
    grads = {
        "output_weights": complex_from_parts(u[:m], -u[m:]) / n_samples,
        "intercept": xp.mean(residual, keepdims=True),
    }
    if train_hidden:
        PT *= residual  # in place: the values are this step's fresh array
        H = inputs.transpose_times_parts(PT)  # X^T (r * phi)
        grads["hidden_weights"] = xp.conj(H * alpha) / n_samples
    return grads


def _generic_gradients(
    inputs, Z, phi, W, alpha, residual, activation, train_hidden, xp
):
    """:func:`_wirtinger_gradients` for units given as one (real or complex)
    array ``phi`` (any activation, real weights, Hermite units)."""
    n_samples = residual.shape[0]
    grads = {
        "output_weights": _conj_residual_product(residual, phi, xp) / n_samples,
        "intercept": xp.mean(residual, keepdims=True),
    }
    if train_hidden and isinstance(activation, GaussianTransfer):
        grads["hidden_weights"] = activation.hidden_weight_gradient(
            inputs.data, W, alpha, residual
        )
    elif train_hidden:
        D = _activation_derivative(activation, Z, phi) * alpha
        D *= residual[:, None]  # in place: D is a fresh array
        G = inputs.transpose_times(D)
        grads["hidden_weights"] = (xp.conj(G) if _is_complex(G, xp) else G) / n_samples
    return grads


def _penalty(params, alpha_reg, n_samples, xp):
    """MLPRegressor's L2 term ``alpha / (2 N) * sum |weights|^2`` and its gradients."""
    if alpha_reg == 0.0:
        return 0.0, {}
    value, grads = 0.0, {}
    for key in ("output_weights", "hidden_weights"):
        if key in params:
            p = params[key]
            value += _squared_norm(p, xp)
            grads[key] = (alpha_reg / n_samples) * p
    return 0.5 * alpha_reg * value / n_samples, grads


class _StageProblem:
    """Loss and Wirtinger gradients of one network fitted to one target.

    ``params`` holds the trained arrays (``output_weights``, ``intercept`` and,
    unless only the top layer is trained, ``hidden_weights``); a frozen bottom
    layer is kept in ``fixed_hidden``. ``inputs`` is a :class:`_NetworkInput`
    (or a real / complex array of inputs ``x_s``, for tests).
    """

    def __init__(
        self,
        inputs,
        target,
        activation,
        *,
        alpha_reg,
        fixed_hidden,
        ns,
        chunk=None,
        weights=None,
    ):
        if not isinstance(inputs, _NetworkInput):
            inputs = _NetworkInput.from_array(inputs, ns.xp)
        self.inputs, self.target, self.activation = inputs, target, activation
        self.alpha_reg, self.fixed_hidden = alpha_reg, fixed_hidden
        self.ns, self.xp = ns, ns.xp
        self.chunk = chunk  # rows per evaluation of a full-batch loss_grad
        # _SampleWeights or None: the loss is sum_s w_s r_s^2 / (2 sum_s w_s)
        self.weights = weights

    def _weighted(self, residual, index):
        """``w_s r_s`` (weights of mean 1 over all rows), or ``r`` unweighted."""
        if self.weights is None:
            return residual
        return self.weights.rows(index, self.xp) * residual

    def _penalty_count(self, n_rows):
        """The ``N`` of the L2 term: rows, or their total weight."""
        return n_rows if self.weights is None else n_rows * self.weights.mean_raw

    def mean_square(self, residual):
        """(Weighted) ``mean r^2`` over all rows, as a Python float."""
        (value,) = compute_if_dask(
            self.xp.mean(self._weighted(residual, None) * residual)
        )
        return float(value)

    def _hidden(self, params):
        return params.get("hidden_weights", self.fixed_hidden)

    def _target_rows(self, index):
        if index is None:
            return self.target
        if isinstance(index, slice):
            return self.target[index]
        return self.xp.take(self.target, index, axis=0)

    def residual(self, params, index=None, inputs=None):
        """``Re g + b - y`` on the rows ``index`` (``inputs``: those rows of
        the inputs, if already gathered) and the units' cache."""
        inputs = self.inputs.rows(index) if inputs is None else inputs
        W, alpha = self._hidden(params), params["output_weights"]
        # Overflow of exp on a diverging step is caught by minimize (non-finite
        # loss: roll back and warn), so numpy's RuntimeWarning would only be noise.
        with np.errstate(over="ignore", invalid="ignore"):
            g, cache = _network_output(inputs, W, alpha, self.activation, self.xp)
            return g + params["intercept"] - self._target_rows(index), cache

    def _data_loss_grad(self, params, index):
        """Unpenalized ``(loss, grads)`` (means over the rows ``index``)."""
        xp = self.xp
        inputs = self.inputs.rows(index)  # one gather of a mini-batch's rows
        residual, cache = self.residual(params, index, inputs)
        weighted = self._weighted(residual, index)
        loss = 0.5 * xp.mean(weighted * residual)
        with np.errstate(over="ignore", invalid="ignore"):
            grads = _wirtinger_gradients(
                inputs,
                cache,
                self._hidden(params),
                params["output_weights"],
                weighted,
                self.activation,
                "hidden_weights" in params,
                xp,
            )
        # dask.array input: loss and gradients in one pass over the blocks
        loss, grads = compute_if_dask(loss, grads)
        return float(loss), grads, residual.shape[0]

    def _chunked_loss_grad(self, params):
        """Full-batch ``(loss, grads)`` accumulated over row chunks (memory
        ``O(chunk m)``; the full-batch solver "lbfgs" with ``batch_size``)."""
        n = self.target.shape[0]
        loss, grads = 0.0, None
        for start in range(0, n, self.chunk):
            rows = slice(start, min(start + self.chunk, n))
            part, part_grads, size = self._data_loss_grad(params, rows)
            weight = size / n
            loss += weight * part
            if grads is None:
                grads = {k: weight * g for k, g in part_grads.items()}
            else:
                grads = {k: g + weight * part_grads[k] for k, g in grads.items()}
        return loss, grads, n

    def loss_grad(self, params, index):
        """``(loss, grads)`` on one batch, the interface of ``_optim.minimize``."""
        xp = self.xp
        if (
            index is None
            and self.chunk is not None
            and self.chunk < (self.target.shape[0])
        ):
            loss, grads, n_samples = self._chunked_loss_grad(params)
        else:
            loss, grads, n_samples = self._data_loss_grad(params, index)
        reg, reg_grads = _penalty(
            params, self.alpha_reg, self._penalty_count(n_samples), xp
        )
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
            rows = slice(start, min(start + chunk, n))
            r, _ = self.residual(params, rows)
            wr = self._weighted(r, rows)
            s, sq = compute_if_dask(xp.sum(wr), xp.sum(wr * r))
            total += float(s)
            total_sq += float(sq)
        mean = total / n if recenter else 0.0
        reg, _ = _penalty(params, self.alpha_reg, self._penalty_count(n), xp)
        return 0.5 * (total_sq / n - mean * mean) + reg, mean


class _SampleWeights:
    """``sample_weight`` rescaled to mean 1 over the rows (``values``), so a
    row mean of ``w_s r_s^2`` is the weighted mean ``sum w r^2 / sum w`` and a
    mini-batch mean an unbiased estimate of it; ``mean_raw`` is the mean of
    the given weights (the L2 term divides by their sum, so integer weights
    are repeated rows)."""

    __slots__ = ("mean_raw", "values")

    def __init__(self, sample_weight, n_samples, ns, dtype):
        raw = validate_sample_weight(sample_weight, n_samples)
        self.mean_raw = float(raw.sum()) / n_samples  # > 0: checked by sklearn
        self.values = ns.asarray(raw / self.mean_raw, dtype)

    def rows(self, index, xp):
        if index is None:
            return self.values
        if isinstance(index, slice):
            return self.values[index]
        return xp.take(self.values, index, axis=0)


class _HeldOutRows:
    """The rows held out for early stopping, scored as the R^2 of the whole
    network (all stages so far) on the standardized target."""

    def __init__(self, inputs, target, activation, ns, weights):
        self.problem = _StageProblem(
            inputs,
            target,
            activation,
            alpha_reg=0.0,
            fixed_hidden=None,
            ns=ns,
            weights=weights,
        )
        xp = ns.xp
        w = 1.0 if weights is None else weights.values
        self.total = self.problem.mean_square(target - xp.mean(w * target))

    def for_stage(self, problem):
        """Follow the stage's frozen bottom layer (``train="top"``)."""
        self.problem.fixed_hidden = problem.fixed_hidden
        return self

    def score(self, params):
        residual, _ = self.problem.residual(params)
        mse = self.problem.mean_square(residual)
        return 1.0 - mse / self.total if self.total > 0 else -mse

    def next_stage(self, params):
        """Algorithm 1, line 5, on the held-out rows: the next target is the
        residual of the stage just fitted."""
        residual, _ = self.problem.residual(params)
        self.problem.target = -residual


def _at_zero_critical_point(params, xp):
    """Whether the hidden and output weights are all exactly 0."""
    if "hidden_weights" not in params:
        return False
    return not any(
        bool(xp.any(params[k] != 0)) for k in ("hidden_weights", "output_weights")
    )


def _noise(rng, shape, kind):
    """Host noise: ``C(1)`` entries (uniform phase, modulus 1) for "complex",
    ``N(0, 1)`` for "real"."""
    if kind == "complex":
        return np.exp(1j * rng.uniform(0.0, 2.0 * np.pi, size=shape))
    return rng.standard_normal(size=shape)


def _perturbed(params, rng, kind, scale, alpha_scale, ns):
    """Random perturbation at a critical point (Thm 5.1 / Lemma 5.7).

    ``kind="complex"`` adds ``delta_ij ~ C(scale)`` (uniform phase, modulus
    ``scale``) to each ``w_ij``, as in Thm 5.1 (``C(1/sqrt(n))`` at the default
    scale); ``kind="real"`` adds real ``N(0, scale^2)`` noise (the real
    perturbations of Lemma 5.7). A unit with ``|alpha_i| < alpha_scale`` is
    (nearly) invisible to a change of ``w_i``, so its ``alpha_i`` is perturbed
    jointly, by ``C(alpha_scale)`` (complex weights) or ``N(0, alpha_scale^2)``:
    at the all-zero start of Algorithm 1 (line 3) every unit is such a unit.
    Noise is drawn on the host so every namespace gets the same model.
    """
    W, alpha = params["hidden_weights"], params["output_weights"]
    xp = ns.xp
    complex_alpha = _is_complex(alpha, xp)
    delta_w = scale * _noise(rng, tuple(W.shape), kind)
    delta_a = alpha_scale * _noise(
        rng, tuple(alpha.shape), "complex" if complex_alpha else "real"
    )
    dead = np.abs(to_numpy(alpha)) < alpha_scale
    new = dict(params)
    new["hidden_weights"] = W + ns.asarray(delta_w, W.dtype)
    if dead.any():
        new["output_weights"] = alpha + ns.asarray(delta_a * dead, alpha.dtype)
    return new


class _PerturbationEscape:
    """``on_plateau`` callback of ``minimize``: Thm 5.1's escape from critical points.

    At a plateau, draw random perturbations of the hidden weights (and of the
    output weights of dead units, see :func:`_perturbed`) until one lowers the
    full training loss (intercepts re-centred) and continue from it, or stop
    when the stage's budget of ``max_tries`` perturbations is used up
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
        # Both losses at their best intercept, so that re-centring alone never
        # counts as progress.
        before, _ = self.problem.full_loss(params, self.chunk, recenter=True)
        m = params["output_weights"].shape[0]
        alpha_scale = _ALPHA_PERTURBATION * math.sqrt(2.0 * max(before, 0.0) / m)
        while len(self.records) < self.max_tries:
            new = _perturbed(
                params, self.rng, self.kind, self.scale, alpha_scale, self.problem.ns
            )
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


class _DecayingAdam(Adam):
    """Adam whose step after ``t`` steps is ``learning_rate / (1 + decay * t)``
    (``learning_rate_decay`` of the estimator, per step)."""

    def __init__(self, learning_rate, decay):
        super().__init__(learning_rate)
        self.initial_learning_rate, self.decay = learning_rate, decay

    def step(self, params, grads):
        self.learning_rate = self.initial_learning_rate / (1.0 + self.decay * self.t)
        return super().step(params, grads)


class ComplexTwoLayerRegressor(RegressorMixin, BaseEstimator):
    """Two-layer network with complex weights, both layers trained by gradient descent.

    The model is ``f(x) = Re g(x) + b`` with ``g(x) = sum_i alpha_i phi(w_i . x)``,
    ``w_i`` complex (the paper's setting) or real. Both layers are trained by
    Wirtinger gradient descent on ``mean((f(x) - y)^2) / 2`` (weighted by
    ``sample_weight`` if given; Andoni et al. 2014, Thm 4.2); at a plateau a
    random perturbation of the hidden weights is kept if it lowers the loss
    (Thm 5.1); ``n_stages > 1`` fits new networks to the residual of the
    frozen earlier ones (Algorithm 1).

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
    domain : {"real", "circle", "gaussian"}, default="real"
        "real": ``X`` holds real inputs; "circle": ``X`` holds angles ``theta``
        and the network sees ``exp(i theta)`` (inputs on ``C(1)^n``);
        "gaussian": ``X`` holds standard Gaussian inputs (whiten first) and
        each unit is the Hermite transfer function of ``activation``,
        ``psi(w_i . x, w_i^T w_i)`` (Lemma 6.1 of the full version, see
        :func:`~sklearn_polynn.hermite.hermite_transfer`; for "exp",
        ``exp(w . x - w^T w / 2)``), so that, as on the circle, a critical
        point of gradient descent ignores the variables the target ignores.
        Needs an activation with a known Taylor series ("exp", "truncated",
        "linear"). The option names the input distribution because ``psi``
        is defined by it: it is the activation that makes the Gaussian
        behave like the circle.
    weights : {"complex", "real"}, default="complex"
        "real" uses real weights (and real activations on real inputs), the
        setting of Lemma 5.7 where perturbations cannot escape.
    init : {"random", "zero"} or tuple of two arrays, default="random"
        "random": ``alpha = 0`` and ``w_i ~ C(r)^n`` (Thm 4.2); "zero": all
        weights 0 (Algorithm 1, line 3: a critical point, where the gradient
        is exactly 0, so training starts with the perturbation of line 5,
        which moves ``alpha`` and ``W`` jointly, see ``perturbation_scale``;
        with every solver; ``perturbation=None`` leaves the network there); a
        tuple ``(hidden_weights, output_weights)`` of shapes
        (n_features, n_hidden) and (n_hidden,) starts the first stage there
        (e.g. the critical point of Lemma 5.7).
    train : {"both", "top"}, default="both"
        "top" trains only ``alpha`` and ``b`` (Thm 4.1), for comparison.
    solver : {"adam", "gd", "lbfgs"}, default="adam"
        The optimizer of ``_optim.minimize`` (one loop for the package).
        "gd" is the paper's plain gradient descent (Thm 4.2, Algorithm 1);
        "lbfgs" is SciPy's L-BFGS-B on the real parameter vector (complex
        weights as (Re, Im) pairs, the Wirtinger direction as their
        gradient), full batch: ``batch_size`` is then only the row chunk of
        each evaluation (memory), ``tol`` is SciPy's ``ftol`` / ``gtol``, a
        ``loss_curve_`` entry is one L-BFGS iteration, and the perturbations
        of Thm 5.1 run at each L-BFGS convergence. The default stays Adam, by
        measurement (``benchmarks/bench_complex_network.py --solvers`` and
        ``--fig1``, one loaded 2-core run, 1 BLAS thread): at a fixed 300
        iterations L-BFGS is more accurate on the Fig. 1 tasks (relative test
        MSE 0.0006 vs 0.0022 for the n=10 quadratic, 0.013 vs 0.047 for the
        cubic, 0.0026 vs 0.0045 for the n=20 quadratic) at 1.3-2.4x the time
        per iteration, but with a time budget mini-batch Adam wins on large
        problems (n=20 cubic, 100 s: 0.035 vs 0.080; n=40 cubic, 82k rows:
        0.19 vs 0.98, L-BFGS managing 25 full-batch iterations), and on small
        real data L-BFGS's closer fit overfits more (5-fold CV R^2 at the
        class defaults after ``StandardScaler``: ``load_diabetes`` -22 vs
        -12, ``make_friedman1`` 0.71 vs 0.76; the slow Armijo "gd" overfits
        least there, 0.21 and 0.88, and is the worst on Fig. 1). Prefer
        "lbfgs" for full-batch problems of up to ~20k rows, and regularize
        (``alpha``, fewer ``n_hidden``) on small data.
    learning_rate : "auto" or float, default="auto"
        Step size. "auto": 0.01 for Adam; for "gd" the Armijo backtracking
        line search of ``_optim`` (the package-wide meaning of "auto", as in
        ``TensorInitOneHiddenLayer``: the step follows the curvature and the
        loss never increases); ignored by "lbfgs". A float is a fixed step;
        Thm 4.2's is ``lambda = 1 / (4 m mean|phi(w_i . x)|^2)`` (``1/(4m)``
        for units of unit norm), a worst-case bound that is far smaller than
        needed. (Before 0.1.0, "auto" for "gd" was that step times 8;
        the line search replaced it: it never diverges and needs no factor
        tuned by hand. Plain GD is far slower than Adam or L-BFGS either
        way: relative test MSE 0.092 on the n=10 Fig. 1 quadratic after 300
        iterations.) A fixed step that
        diverges is detected and rolled back, with a warning naming the
        likely cause (input scale or step size).
    learning_rate_decay : float, default=0.0
        Inverse-time decay of Adam's step: after ``e`` epochs (fractional,
        counted in mini-batch steps of the fit's data) the step is
        ``learning_rate / (1 + learning_rate_decay * e)``; ``partial_fit``
        continues the count. 0 is a constant step; ignored by "gd" and
        "lbfgs". It lets a large first step settle on long mini-batch runs:
        on the Fig. 1 n=40 cubic (82000 rows, ``batch_size=1000``, one BLAS
        thread) ``learning_rate=0.01`` with ``learning_rate_decay=0.01``
        reaches a relative test MSE of 0.05 in 58 s and 0.0094 after 270 s
        (float64; float32: 25-52 s and 0.006-0.009), a constant 0.005 in 93
        s and 0.045 (``benchmarks/bench_complex_network.py --fig1``).
    max_iter : int, default=2000
        Maximum epochs per stage.
    batch_size : int, default=None
        Mini-batch size ("gd", "adam"); ``None`` is full-batch gradient
        descent. For "lbfgs" (always full batch) the rows per evaluation.
    tol : float, default=1e-8
        An epoch improves when the loss drops by more than ``tol``.
    n_iter_no_change : int, default=50
        Epochs without improvement that make a plateau; with early stopping
        also the epochs without an improvement of the validation R^2 by more
        than ``tol`` that stop a stage.
    perturbation : {"auto", "complex", "real"} or None, default="auto"
        Perturbation tried at a plateau: "auto" is "complex" for complex
        weights and "real" for real ones; ``None`` stops at the first plateau.
    perturbation_scale : float, default=1.0
        Size of the perturbation of each ``w_ij``, in units of
        ``weight_scale``: complex perturbations are drawn from ``C(s r)``
        (uniform phase, modulus ``s r``), so the default is Thm 5.1's
        ``C(1/sqrt(n))``; real ones from ``N(0, (s r)^2)``. Output weights of
        units with ``|alpha_i|`` below ``0.1 * RMS(residual) / sqrt(m)`` (dead
        units, e.g. after ``init="zero"``) are perturbed jointly at that size.
    max_perturbations : int, default=10
        Perturbations tried per stage.
    n_stages : int or "auto", default=1
        Networks fitted one after the other to the residual (Algorithm 1).
        "auto" is the paper's "while ||P|| > delta": new stages until one
        shrinks the training residual by less than 1 % (a stage that does not
        shrink it at all is dropped), the residual loss is below ``tol``, or
        20 stages.
    alpha : float, default=0.0
        L2 penalty ``alpha / (2 N) * sum |weights|^2`` (as in ``MLPRegressor``).
    early_stopping : bool or "auto", default="auto"
        Hold out ``validation_fraction`` of the rows (a random split drawn
        from ``random_state``), score the network's R^2 on them after every
        epoch (L-BFGS-B: every iteration), stop a stage when it has not
        improved by more than ``tol`` for ``n_iter_no_change`` epochs, and
        keep the weights of the best score, as ``MLPRegressor(early_stopping=
        True)`` (the perturbations of Thm 5.1 still run at plateaus of the
        training loss; a stage after the first that does not raise the
        validation R^2 is dropped and ends the fit, also with a fixed
        ``n_stages``, so the returned network is the best one on the
        held-out rows). "auto": on in the overfit regime,
        ``alpha=0``, ``train="both"`` and ``n_hidden (n_features + 1) >
        n_samples`` (the rows' total weight) with at least 2 rows and a
        positive total ``sample_weight`` in each part (``True`` raises
        otherwise), off otherwise (and for ``dask.array`` input), so the paper's
        large-sample experiments train on every row. ``fit`` only:
        ``partial_fit`` and ``warm_start`` continuation ignore it. ``True``
        with ``dask.array`` input raises.
    validation_fraction : float in (0, 1), default=0.1
        Fraction of the rows held out for early stopping (rounded up).
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
        Training loss per epoch over all stages (of the standardized target,
        see Notes).
    n_iter_ : int
        Epochs run in total.
    validation_scores_ : list of float or None
        R^2 of the whole network on the held-out rows after every epoch (all
        stages); ``None`` without early stopping.
    best_validation_score_ : float or None
        The best validation R^2, that of the returned weights; ``None``
        without early stopping.
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
    sklearn.neural_network.MLPRegressor : Real two-layer network trained by Adam.
    sklearn_polynn.metrics.variable_dependence : Which inputs a fitted model uses
        (Lemma 6.1).

    Notes
    -----
    The network is fitted to the standardized target ``(y - mean(y)) /
    std(y)`` (unlike ``MLPRegressor``), so default step sizes work whatever
    the scale of ``y``; the fitted ``output_weights_``, ``intercept_`` and
    ``stages_`` are in the units of ``y``, while ``loss_curve_`` and the losses
    in ``perturbations_`` are those of the standardized target. An ``init``
    tuple is read in the units of ``y``.

    The theory assumes standardized real inputs (or the unit circle): a warning
    is raised when the pre-activations ``w . x`` at the initial weights have an
    RMS outside ``[0.01, 100]`` or the columns of ``X`` differ in scale by more
    than ``10^3``, and ``fit`` raises when ``phi(w . x)`` overflows at the
    initial weights; ``predict`` raises when it overflows on new inputs.

    One full-batch step costs two real GEMMs of ``N x n x 2m`` flops
    (``N x 2n x 2m`` for ``domain="circle"``; no complex x complex BLAS call)
    plus elementwise work; memory is ``O(N m)`` per batch. For the paper's
    ``exp`` units of complex pre-activations the elementwise work is real:
    ``exp(a + i b) = e^a (cos b + i sin b)`` on the real and imaginary parts
    (NumPy's complex ``exp`` is a scalar loop), so it costs less than the
    GEMMs; ``dtype="float32"`` halves the GEMMs again (a mini-batch Adam step
    on the Fig. 1 n=40 task, 200 units, batches of 1000, one BLAS thread:
    2.6-2.8x faster in float64 and 5-6x in float32 than with the complex
    ``exp``; see ``benchmarks/bench_complex_network.py --profile``).

    Full-network training overfits when the sample count is not well above
    the parameter count ``m (n + 1)``: hence ``early_stopping="auto"``, on
    exactly there (unless ``alpha > 0``). Measured with
    ``benchmarks/bench_sklearn_datasets.py --quick --defaults`` (5-fold
    shuffled CV R^2, ``random_state=0``, ``StandardScaler`` in front / raw
    ``X``; loaded 2-core machine, 1 BLAS thread): on ``load_diabetes``
    (1100 parameters, 353-row folds) the defaults give 0.45 / 0.44 (RidgeCV
    0.49), against -15.1 / -0.24 before early stopping; on
    ``make_friedman1(500, noise=1)`` 0.82 / 0.82 (was 0.80 / 0.93; RidgeCV
    0.70), on ``make_friedman2/3`` behind ``StandardScaler`` 1.000 / 0.92
    (was 1.000 / 0.95), in 0.25-2.6 s per fold (was 6.9-28 s). Without early stopping
    (``early_stopping=False``) ``fit`` warns (``UserWarning`` naming
    ``early_stopping``, ``alpha`` and ``n_hidden``) in that regime. The other
    remedies measured before: ``alpha=10`` gives 0.46 / 0.33 on diabetes
    and 0.92 / 0.72 on friedman1, ``alpha=1`` -10.6 / 0.49 and 0.93 / 0.90,
    ``n_hidden=4`` -0.27 / 0.39 and 0.94 / 0.93; a default L2 penalty was
    rejected because it makes the perturbations of Thm 5.1 lose against the
    penalty at the all-zero start of Algorithm 1 (no perturbation accepted),
    while early stopping leaves the paper's loss and start unchanged.

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
        "n_hidden": [IntInterval(1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS)), Activation, tuple],
        "degree": [IntInterval(0, None, closed="left"), None],
        "weight_scale": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "domain": [StrOptions({"real", "circle", "gaussian"})],
        "weights": [StrOptions({"complex", "real"})],
        "init": [StrOptions({"random", "zero"}), tuple],
        "train": [StrOptions({"both", "top"})],
        "solver": [StrOptions(set(SOLVERS))],
        "learning_rate": [
            StrOptions({"auto"}),
            Interval(numbers.Real, 0, None, closed="neither"),
        ],
        "learning_rate_decay": [Interval(numbers.Real, 0, None, closed="left")],
        "batch_size": [IntInterval(1, None, closed="left"), None],
        "perturbation": [StrOptions({"auto", "complex", "real"}), None],
        "perturbation_scale": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_perturbations": [IntInterval(0, None, closed="left")],
        "n_stages": [
            IntInterval(1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
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
        learning_rate_decay=0.0,
        max_iter=2000,
        batch_size=None,
        tol=1e-8,
        n_iter_no_change=50,
        perturbation="auto",
        perturbation_scale=1.0,
        max_perturbations=10,
        n_stages=1,
        alpha=0.0,
        early_stopping="auto",
        validation_fraction=0.1,
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
        self.learning_rate_decay = learning_rate_decay
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.perturbation = perturbation
        self.perturbation_scale = perturbation_scale
        self.max_perturbations = max_perturbations
        self.n_stages = n_stages
        self.alpha = alpha
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.warm_start = warm_start
        self.dtype = dtype
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ setup
    def _get_activation(self):
        """The activation, checked against the weights and input domain;
        ``domain="gaussian"``: its Hermite transfer function (Lemma 6.1)."""
        if self.domain == "gaussian":
            kwargs = {} if self.degree is None else {"degree": self.degree}
            return hermite_transfer(self.activation, **kwargs)
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

    def _dtypes(self, xp=np, real=None):
        """Real and weight dtypes in ``xp`` (``real`` overrides ``dtype``)."""
        if real is None:
            real = check_dtype(self.dtype)
            if xp is not np:
                real = xp.float32 if real == np.float32 else xp.float64
        cplx = complex_dtype_for(real, xp)
        return real, (cplx if self.weights == "complex" else real)

    def _scale(self, n_features):
        if self.weight_scale is None:
            return 1.0 / np.sqrt(n_features)
        return float(self.weight_scale)

    def _initial_params(self, stage, n_features, rng, ns, real):
        """Initial ``W``, ``alpha``, ``b`` of a stage (Thm 4.2; Algorithm 1, line 3),
        in the units of the standardized target."""
        _, wdtype = self._dtypes(ns.xp, real)
        m, scale = self.n_hidden, self._scale(n_features)
        if isinstance(self.init, tuple) and stage == 0:
            W, alpha = self._check_init(n_features)
            alpha = alpha / self._y_scale
        elif self.init == "zero":
            W, alpha = np.zeros((n_features, m)), np.zeros(m)
        elif self.weights == "complex":
            W = draw_complex_weights(rng, n_features, m, scale, "circle")
            alpha = np.zeros(m)
        else:
            W, alpha = scale * rng.standard_normal((n_features, m)), np.zeros(m)
        return {
            "hidden_weights": ns.asarray(W, wdtype),
            "output_weights": ns.asarray(alpha, wdtype),
            "intercept": ns.xp.zeros(1, dtype=real, device=ns.device),
        }

    def _check_init(self, n_features):
        if len(self.init) != 2:
            raise ValueError(
                "init must be 'random', 'zero' or a tuple (hidden_weights, "
                f"output_weights); got a tuple of length {len(self.init)}."
            )
        W, alpha = (np.asarray(to_numpy(a)) for a in self.init)
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

    def _learning_rate(self):
        """``learning_rate="auto"``: see the class docstring."""
        if self.learning_rate != "auto":
            return float(self.learning_rate)
        if self.solver == "adam":
            return _ADAM_LEARNING_RATE
        return "auto"  # "gd": Armijo line search; "lbfgs": unused

    def _make_optimizer(self, n_samples):
        """The solver's optimizer; Adam with ``learning_rate_decay`` decays."""
        if self.solver != "adam" or self.learning_rate_decay == 0.0:
            return make_optimizer(self.solver, self._learning_rate())
        steps = 1
        if self.batch_size is not None:
            steps = -(-n_samples // self.batch_size)  # mini-batches per epoch
        return _DecayingAdam(
            self._learning_rate(), self.learning_rate_decay / max(steps, 1)
        )

    def _batches(self, n_samples, rng, ns, dask_input=False):
        if self.batch_size is None or self.batch_size >= n_samples:
            return None
        if dask_input:
            raise ValueError(
                "batch_size must be None for dask input (data-parallel full-batch "
                f"gradient descent); got batch_size={self.batch_size}."
            )
        size = self.batch_size

        def batches(_):
            order = ns.asarray(rng.permutation(n_samples))
            return [order[rows] for rows in row_batches(n_samples, size)]

        return batches

    # ---------------------------------------------------------- diagnostics
    def _first_fit_moments(self, X, y, xp, weights=None):
        """Mean and standard deviation of ``y`` (weighted with
        ``sample_weight``) and the column RMS of ``X`` (None for
        ``domain="circle"``), in one pass over Dask blocks."""
        if weights is None:
            mean, std = xp.mean(y), xp.std(y)
        else:
            mean = xp.mean(weights.values * y)
            std = xp.sqrt(xp.mean(weights.values * (y - mean) ** 2))
        if self.domain == "circle":
            return (*compute_if_dask(mean, std), None)
        return compute_if_dask(mean, std, xp.sqrt(xp.mean(X * X, axis=0)))

    def _set_target_scaling(self, mean, std):
        """Fit on ``(y - mean) / std`` (undone in the fitted attributes)."""
        mean, std = float(mean), float(std)
        self._y_mean = mean
        self._y_scale = std if std > 1e-12 * max(abs(mean), 1e-300) else 1.0

    def _check_input_scale(self, n_features, rms):
        """RMS pre-activation ``|w . x|`` at the initial weights (``rms``: the
        column RMS of ``X``, None on the circle), with a warning when the inputs
        are badly scaled for the paper's ``N(0, I)`` / circle setting (Andoni
        et al., Sec. 2)."""
        if rms is None:  # domain="circle": |x_j| = 1
            return self._scale(n_features) * math.sqrt(n_features)
        rms = np.asarray(to_numpy(rms), dtype=float)
        scale = self._scale(n_features) * float(np.sqrt(np.sum(rms**2)))
        low, high = _SCALE_RANGE
        nonzero = rms[rms > 0]
        ratio = float(nonzero.max() / nonzero.min()) if nonzero.size else 1.0
        if not low <= scale <= high:
            warnings.warn(
                f"{type(self).__name__}: the inputs are badly scaled: the "
                f"pre-activations w . x at the initial weights have RMS {scale:.3g} "
                f"(weight_scale={self._scale(n_features):.3g}; the model assumes "
                "about 1, i.e. standardized inputs), so the network is nearly "
                f"{'linear' if scale < low else 'saturated'} and learns little. "
                f"{_STANDARDIZE_HINT}.",
                UserWarning,
                stacklevel=5,
            )
        elif ratio > _COLUMN_SCALE_RATIO:
            warnings.warn(
                f"{type(self).__name__}: the columns of X differ in scale by a "
                f"factor {ratio:.3g}; the small ones barely enter w . x. "
                f"{_STANDARDIZE_HINT}.",
                UserWarning,
                stacklevel=5,
            )
        return scale

    def _overfit_regime(self, n_samples, n_features):
        """An unregularized network with more trainable parameters per stage,
        ``n_hidden (n_features + 1)``, than (weighted) training rows."""
        n_params = self.n_hidden * (n_features + 1)
        return self.alpha == 0 and self.train == "both" and n_params > n_samples

    def _check_overfit_regime(self, n_samples, n_features):
        """Warn in the overfit regime without early stopping (see Notes)."""
        if not self._overfit_regime(n_samples, n_features):
            return
        n_params = self.n_hidden * (n_features + 1)
        warnings.warn(
            f"{type(self).__name__}: {n_params} trainable parameters per stage "
            f"(n_hidden * (n_features + 1)) for {n_samples:.4g} training rows, "
            "with alpha=0 and early_stopping=False: the network will overfit "
            "(5-fold CV R^2 -15 on sklearn's load_diabetes). Set "
            "early_stopping='auto' or True, alpha (alpha=10: CV R^2 0.46 there) "
            "or a smaller n_hidden.",
            UserWarning,
            stacklevel=5,
        )

    def _check_initial_loss(self, loss):
        """Raise when ``phi(w . x)`` overflows at the initial weights."""
        if math.isfinite(loss):
            return
        raise ValueError(
            f"{type(self).__name__}: the hidden units phi(w . x) overflow at the "
            "initial weights: the pre-activations w . x have RMS "
            f"{self._preactivation_scale:.3g} (about 1 is expected). "
            f"{_STANDARDIZE_HINT}, or lower weight_scale."
        )

    def _divergence_message(self, original, learning_rate):
        """The divergence warning of ``minimize`` with its likely cause."""
        head, _, _ = str(original).partition(" Likely cause: ")
        if self._preactivation_scale > _LARGE_PREACTIVATION:
            cause = (
                "The pre-activations w . x are large for this input scale (RMS "
                f"{self._preactivation_scale:.3g}) and exp(w . x) grows fast: "
                f"{_STANDARDIZE_HINT}, or lower weight_scale."
            )
        elif isinstance(learning_rate, numbers.Real):
            cause = (
                f"The step is too large for this problem: lower learning_rate "
                f"(now {learning_rate:.3g}), or use learning_rate='auto' with "
                "solver='gd' (line search) or solver='lbfgs'."
            )
        else:
            return str(original)
        return f"{head} {cause}"

    # --------------------------------------------------------------- training
    def _train(
        self, problem, params, optimizer, rng, *, stage, max_iter, warn, validation=None
    ):
        """Gradient descent with perturbation escape on one stage's network
        (``validation``: an ``EarlyStopping`` on the held-out rows)."""
        n_samples = problem.target.shape[0]
        full_batch = self.solver == "lbfgs"
        problem.chunk = self.batch_size if full_batch else None
        escape = _PerturbationEscape(
            problem,
            rng,
            kind=self._perturbation_kind() if self.train == "both" else None,
            scale=self.perturbation_scale * self._scale(problem.inputs.n_features),
            max_tries=self.max_perturbations,
            chunk=self.batch_size,
            stage=stage,
            curve=self.loss_curve_,
        )
        # checks batch_size against Dask input for every solver
        batches = self._batches(
            n_samples, rng, problem.ns, is_dask_collection(problem.target)
        )
        if _at_zero_critical_point(params, problem.xp):
            # Algorithm 1, line 3: all weights 0 is a critical point (zero
            # gradient once the intercept is centred), so the first step is
            # the perturbation of line 5.
            loss, _ = problem.full_loss(params, self.batch_size)
            params = escape(params, loss) or params
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = minimize(
                problem.loss_grad,
                params,
                optimizer,
                max_iter=max_iter,
                tol=self.tol,
                n_iter_no_change=self.n_iter_no_change,
                batches=None if full_batch else batches,
                on_plateau=escape,
                loss_curve=self.loss_curve_,
                verbose=self.verbose,
                warn_max_iter=warn,
                estimator_name=type(self).__name__,
                validation=validation,
            )
        for record in caught:
            message = record.message
            if result.status == "diverged" and "diverged" in str(message):
                message = self._divergence_message(
                    message, getattr(optimizer, "learning_rate", None)
                )
            warnings.warn(message, record.category, stacklevel=6)
        self.n_iter_ += result.n_iter
        self.perturbations_.extend(escape.records)
        self.n_perturbations_ += len(escape.records)
        self._status = result.status
        return result.params, result.n_iter

    def _stage_problem(self, inputs, target, act, params, ns, weights):
        """The stage's problem; the initial intercept is ``mean(target - Re g)``.

        Returns the problem and its initial loss (raises if it overflows).
        """
        fixed = params.pop("hidden_weights") if self.train == "top" else None
        problem = _StageProblem(
            inputs,
            target,
            act,
            alpha_reg=self.alpha,
            fixed_hidden=fixed,
            ns=ns,
            weights=weights,
        )
        loss, shift = problem.full_loss(params, self.batch_size, recenter=True)
        self._check_initial_loss(loss)
        params["intercept"] = params["intercept"] - shift
        return problem, loss

    def _warn_no_progress(self, stage, start, end, n_perturbations):
        warnings.warn(
            f"{type(self).__name__}: stage {stage} made no progress (training "
            f"loss {start:.4g} -> {end:.4g}): it started at a critical point that "
            f"gradient descent and {n_perturbations} random perturbations did not "
            "leave. Try init='random', a larger max_perturbations or "
            "perturbation_scale, or solver='adam'.",
            ConvergenceWarning,
            stacklevel=6,
        )

    def _fit_stages(self, inputs, y, act, rng, ns, weights, held_out=None):
        """Algorithm 1: fit, freeze, and fit the next network to the residual.

        ``held_out`` (a ``_HeldOutRows``): early stopping of every stage on the
        validation R^2 of the whole network.

        ``n_stages="auto"`` runs "while ||P|| > delta": it stops when a stage
        shrinks the residual by less than 1 % (and drops it when it did not
        shrink it at all), when the residual loss is below ``tol``, or after
        20 stages.
        """
        xp = ns.xp
        auto = self.n_stages == "auto"
        self.loss_curve_, self.n_iter_ = [], 0
        self.perturbations_, self.n_perturbations_, self.stages_ = [], 0, []
        self.validation_scores_ = None if held_out is None else []
        self.best_validation_score_ = None
        target, intercept, Ws, alphas = y, 0.0, [], []
        if weights is None:
            (previous,) = compute_if_dask(xp.mean((y - xp.mean(y)) ** 2))
        else:  # y has weighted mean 0 (_first_fit_moments)
            previous = xp.mean(weights.values * y * y)
        previous = float(previous)
        for stage in range(_AUTO_MAX_STAGES if auto else self.n_stages):
            params = self._initial_params(
                stage, inputs.n_features, rng, ns, real=y.dtype
            )
            problem, start_loss = self._stage_problem(
                inputs, target, act, params, ns, weights
            )
            optimizer = self._make_optimizer(problem.target.shape[0])
            n_tried = self.n_perturbations_
            validation = None
            if held_out is not None:
                validation = EarlyStopping(
                    held_out.for_stage(problem).score, self.n_iter_no_change, self.tol
                )
            params, n_iter = self._train(
                problem,
                params,
                optimizer,
                rng,
                stage=stage,
                max_iter=self.max_iter,
                warn=True,
                validation=validation,
            )
            if validation is not None:
                if stage > 0 and validation.best_score <= self.best_validation_score_:
                    # the stage did not help on the held-out rows: its best
                    # weights are the re-centred start, not the previous network
                    break
                self.validation_scores_.extend(validation.scores)
                self.best_validation_score_ = validation.best_score
                held_out.next_stage(params)
            residual, _ = problem.residual(params)
            residual_mse = problem.mean_square(residual)
            stalled = 0.5 * residual_mse > (1.0 - _NO_PROGRESS) * start_loss
            stalled = stalled and self._status != "diverged"  # warned already
            if stalled and (not auto or stage == 0):
                self._warn_no_progress(
                    stage,
                    start_loss,
                    0.5 * residual_mse,
                    self.n_perturbations_ - n_tried,
                )
            if auto and stage > 0 and residual_mse >= previous:
                break  # the stage did not shrink the residual: drop it
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
                    "residual_mse": residual_mse,
                }
            )
            (target,) = persist_if_dask(-residual)  # Algorithm 1, line 5: P = P - N'
            # partial_fit continues the optimizer state of a one-stage network
            self._optimizer = optimizer if stage == 0 else None
            shrunk = residual_mse < (1.0 - _AUTO_STAGE_MIN_DECREASE) * previous
            previous = residual_mse
            if auto and (not shrunk or 0.5 * residual_mse <= self.tol):
                break
        return _concat(Ws, 1, xp), _concat(alphas, 0, xp), intercept

    def _stages_to_output(self, ns):
        """Stage records in the units of ``y`` and in the output namespace."""
        scale = self._y_scale
        for k, stage in enumerate(self.stages_):
            stage["hidden_weights"] = ns.output(stage["hidden_weights"])
            stage["output_weights"] = ns.output(stage["output_weights"] * scale)
            stage["intercept"] = stage["intercept"] * scale + (
                self._y_mean if k == 0 else 0.0
            )
            stage["residual_mse"] = stage["residual_mse"] * scale**2

    def _fit(self, X, y, sample_weight, incremental):
        check_y_given(self, y)
        first = not hasattr(self, "hidden_weights_") or not (
            incremental or self.warm_start
        )
        X_dask = y_dask = None
        if is_dask_collection(X) or is_dask_collection(y):
            X, y, X_dask, y_dask = self._dask_input(X, y, first)
        X, y, ns = validate_input(
            self,
            X,
            y,
            reset=first and X_dask is None,
            dtype=self.dtype,
            device=self.device,
            ensure_min_samples=2 if first else 1,
        )
        if first:
            self._rng = check_random_state(self.random_state)
        held_out = None
        if first and not incremental:
            X, y, sample_weight, held_out = self._split_validation(
                X, y, sample_weight, ns, X_dask is not None
            )
        weights = None
        if sample_weight is not None:
            if X_dask is not None:
                raise ValueError(
                    f"{type(self).__name__} does not support sample_weight with "
                    "dask input; pass NumPy (or array-API) arrays."
                )
            weights = _SampleWeights(sample_weight, X.shape[0], ns, X.dtype)
        if X_dask is not None:  # gradient steps reduce over the Dask blocks
            X, y, ns = X_dask, y_dask, Namespace(np, "cpu", True)
        act = self._get_activation()
        self._perturbation_kind()
        xp = ns.xp
        inputs = _NetworkInput.from_validated(X, self.domain, xp)
        if first:
            mean, std, rms = self._first_fit_moments(X, y, xp, weights)
            self._set_target_scaling(mean, std)
            self._preactivation_scale = self._check_input_scale(X.shape[1], rms)
            if held_out is None:
                n_rows = X.shape[0] * (1.0 if weights is None else weights.mean_raw)
                self._check_overfit_regime(n_rows, X.shape[1])
        target = (y - self._y_mean) / self._y_scale
        if first and not incremental:
            if held_out is not None:
                held_out = self._held_out_rows(held_out, act, ns)
            W, alpha, b = self._fit_stages(
                inputs, target, act, self._rng, ns, weights, held_out
            )
            self._stages_to_output(ns)
        else:
            if first:
                self._start_incremental(inputs, target, act, ns, weights)
            W, alpha, b = self._continue(inputs, target, act, ns, incremental, weights)
        self.hidden_weights_ = ns.output(W)
        self.output_weights_ = ns.output(alpha * self._y_scale)
        self.intercept_ = float(b) * self._y_scale + self._y_mean
        return self

    def _split_validation(self, X, y, sample_weight, ns, dask_input):
        """Hold out ``validation_fraction`` of the rows when early stopping is
        on (``fit`` only): the training ``X, y, sample_weight`` and the held-out
        ``(X, y, sample_weight)`` or ``None``."""
        n_samples, n_features = X.shape
        raw = None
        if sample_weight is not None and not dask_input:
            raw = validate_sample_weight(sample_weight, n_samples)
        n_rows = n_samples if raw is None else float(raw.sum())
        split = early_stopping_split(
            self.early_stopping,
            self.validation_fraction,
            self._overfit_regime(n_rows, n_features),
            n_samples,
            self._rng,
            type(self).__name__,
            dask_input=dask_input,
            weights=raw,
        )
        self._early_stopping_on = split is not None
        if split is None:
            return X, y, sample_weight, None
        train, held = split

        def take(a, rows):
            return ns.xp.take(a, ns.asarray(rows), axis=0)

        parts = [
            (take(X, rows), take(y, rows), None if raw is None else raw[rows])
            for rows in (train, held)
        ]
        return (*parts[0], parts[1])

    def _held_out_rows(self, held_out, act, ns):
        """The held-out rows in the fit's input form and target units."""
        X, y, sample_weight = held_out
        weights = None
        if sample_weight is not None:
            weights = _SampleWeights(sample_weight, X.shape[0], ns, X.dtype)
        inputs = _NetworkInput.from_validated(X, self.domain, ns.xp)
        target = (y - self._y_mean) / self._y_scale
        return _HeldOutRows(inputs, target, act, ns, weights)

    def _dask_input(self, X, y, first):
        """Validated, persisted Dask ``(X, y)`` and a two-row stand-in.

        The array code of this module runs unchanged on ``dask.array`` input:
        its reductions over rows (loss, Wirtinger gradients, full losses of
        the perturbations) become per-block reductions, evaluated in one pass
        per step. :func:`validate_input` checks the stand-in.
        """
        from .parallel import validate_dask_input

        X, y = validate_dask_input(self, X, y, dtype=self.dtype, reset=first)
        return (*compute_if_dask(X[:2], y[:2]), X, y)

    def _start_incremental(self, inputs, y, act, ns, weights):
        """First ``partial_fit`` call: one stage's initial weights, no training yet
        (stored in the units of ``y``, as after a fit)."""
        params = self._initial_params(0, inputs.n_features, self._rng, ns, y.dtype)
        problem = _StageProblem(
            inputs, y, act, alpha_reg=0.0, fixed_hidden=None, ns=ns, weights=weights
        )
        loss, shift = problem.full_loss(params, self.batch_size, recenter=True)
        self._check_initial_loss(loss)
        self.hidden_weights_ = params["hidden_weights"]
        self.output_weights_ = params["output_weights"] * self._y_scale
        self.intercept_ = -shift * self._y_scale + self._y_mean
        self.loss_curve_, self.n_iter_, self.n_perturbations_ = [], 0, 0
        self.perturbations_, self.stages_ = [], []
        self.validation_scores_ = self.best_validation_score_ = None  # fit only

    def _continue(self, inputs, y, act, ns, incremental, weights):
        """``partial_fit`` (one epoch) or ``warm_start`` fit of all current units,
        in the units of the standardized target."""
        self.validation_scores_ = self.best_validation_score_ = None  # fit only
        real, wdtype = self._dtypes(ns.xp, y.dtype)
        params = {
            "hidden_weights": ns.asarray(self.hidden_weights_, wdtype),
            "output_weights": ns.asarray(self.output_weights_, wdtype) / self._y_scale,
            "intercept": ns.xp.zeros(1, dtype=real, device=ns.device),
        }
        b0 = (self.intercept_ - self._y_mean) / self._y_scale
        fixed = params.pop("hidden_weights") if self.train == "top" else None
        problem = _StageProblem(
            inputs,
            y - b0,
            act,
            alpha_reg=self.alpha,
            fixed_hidden=fixed,
            ns=ns,
            weights=weights,
        )
        if not incremental or getattr(self, "_optimizer", None) is None:
            self._optimizer = self._make_optimizer(problem.target.shape[0])
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
        b = b0 + float(params["intercept"][0])
        return W, params["output_weights"], b

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
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
            Real targets (standardized inside, see Notes).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights: the loss is the weighted mean
            ``sum_s w_s r_s^2 / (2 sum_s w_s)`` (and the L2 term divides by
            ``sum_s w_s``), so an integer weight repeats a row and a zero
            weight drops it; the target is standardized by its weighted mean
            and standard deviation. Not supported with Dask input.

        Returns
        -------
        self : ComplexTwoLayerRegressor
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch of (mini-batch) gradient descent on all units.

        The first call initialises the weights (one stage) and the target
        standardization (mean and standard deviation of its ``y``);
        ``n_stages`` applies to :meth:`fit` only.

        With ``solver="lbfgs"`` each call runs one L-BFGS-B iteration from a
        fresh curvature memory (the optimizer holds no state between calls).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs, as for :meth:`fit`.
        y : array-like of shape (n_samples,)
            Real targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights, as for :meth:`fit` (normalized within the call).

        Returns
        -------
        self : ComplexTwoLayerRegressor
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X):
        """``Re g(x) + b``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs, as for :meth:`fit` (angles for ``domain="circle"``).

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Predictions, in the namespace and on the device of ``X`` under
            array-API dispatch.

        Raises
        ------
        ValueError
            If ``phi(w . x)`` overflows for some rows (inputs far outside the
            scale of the training inputs).
        """
        check_is_fitted(self)
        if is_dask_collection(X):  # lazy, block by block
            return predict_blocks(self.predict, X, self.dtype)
        X, ns = validate_fitted_input(self, X, "predict", dtype=self.dtype)
        xp = ns.xp
        _, wdtype = self._dtypes(xp, X.dtype)
        W = ns.asarray(self.hidden_weights_, wdtype)
        alpha = ns.asarray(self.output_weights_, wdtype)
        act = self._get_activation()
        inputs = _NetworkInput.from_validated(X, self.domain, xp)
        with np.errstate(over="ignore", invalid="ignore"):
            g, _ = _network_output(inputs, W, alpha, act, xp)
        y = g + self.intercept_
        if not bool(xp.all(xp.isfinite(y))):
            raise ValueError(
                f"Predictions overflowed: phi(w . x) is not finite for "
                f"{int(xp.sum(xp.astype(~xp.isfinite(y), xp.int64)))} of "
                f"{y.shape[0]} rows of X, whose scale is far outside that of the "
                "training inputs. Transform X as for fit (the same StandardScaler "
                "or WhiteningTransformer, e.g. in a Pipeline)."
            )
        return ns.output(y)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.array_api_support = True
        return tags
