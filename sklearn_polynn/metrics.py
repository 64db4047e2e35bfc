"""How well a fitted network recovers the generating one, and what it depends on.

* :func:`parameter_recovery_error` -- Zhong et al. (2017), Sec. 7: the largest
  relative error ``||w*_j - w_pi(j)|| / ||w*_j||`` over the best matching ``pi``
  of hidden units (optionally up to sign, and including output weights).
* :func:`max_principal_angle` -- the largest principal angle between two column
  spaces, for methods that recover ``span(W*)`` rather than ``W*``.
* :func:`variable_dependence` -- how much a fitted model depends on each input
  variable (Andoni et al. 2014, Lemma 6.1: at a critical point of gradient
  descent the network ignores the variables the target does not use).

Hidden units are columns: weight matrices have shape ``(n_features, n_hidden)``.
NumPy and CuPy inputs are accepted; the computation runs on the host (the
matrices are ``n_features x n_hidden``, tiny next to the data).
"""

import numpy as np
from scipy.linalg import subspace_angles
from scipy.optimize import linear_sum_assignment
from sklearn.utils import check_random_state

from ._backend import asarray, device_of, get_namespace, is_numpy_namespace, to_numpy
from ._compat import IntInterval, validate_params

__all__ = ["max_principal_angle", "parameter_recovery_error", "variable_dependence"]


def _as_weight_matrix(W, name):
    """Host float64 copy of a 2-D, finite weight matrix; ValueError otherwise."""
    W = np.array(to_numpy(W), dtype=np.float64)
    if W.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_features, n_hidden) (hidden "
            f"units are columns); got an array with {W.ndim} dimension(s)."
        )
    if W.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {W.shape}.")
    if not np.all(np.isfinite(W)):
        raise ValueError(f"{name} must be finite (no NaN or inf).")
    return W


def _as_output_weights(v, name, n_hidden):
    v = np.array(to_numpy(v), dtype=np.float64)
    if v.shape != (n_hidden,):
        raise ValueError(
            f"{name} must have shape (n_hidden,) = ({n_hidden},); got {v.shape}."
        )
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{name} must be finite (no NaN or inf).")
    return v


def _relative_error_matrix(W_true, W_est, sign_invariant):
    """``C[j, l] = ||w*_j - s w_l|| / ||w*_j||`` and the signs ``s`` used.

    With ``sign_invariant``, ``s = +-1`` is the sign of ``<w*_j, w_l>`` (which
    minimises ``||w*_j - s w_l||``, since ``||a - b||^2 - ||a + b||^2 =
    -4 <a, b>``); otherwise ``s = 1``.
    """
    signs = np.ones((W_true.shape[1], W_est.shape[1]))
    if sign_invariant:
        signs = np.where(W_true.T @ W_est < 0, -1.0, 1.0)
    # one true column at a time: exact differences (no cancellation) in O(d k) memory
    distances = np.stack(
        [
            np.linalg.norm(W_true[:, [j]] - signs[j] * W_est, axis=0)
            for j in range(W_true.shape[1])
        ]
    )
    return distances / np.linalg.norm(W_true, axis=0)[:, None]


def _bottleneck_assignment(cost):
    """Permutation minimising ``max_j cost[j, pi(j)]``; ties broken by the sum.

    ``linear_sum_assignment`` minimises the sum, not the maximum. The optimal
    bottleneck value is one of the entries of ``cost``: binary search over the
    sorted entries for the smallest threshold ``tau`` such that a perfect matching
    uses only entries ``<= tau`` (feasibility = a zero-cost assignment on the 0/1
    matrix ``cost > tau``), then, among those matchings, take the one with the
    smallest total cost.
    """
    values = np.unique(cost)
    lo, hi = 0, values.size - 1
    while lo < hi:
        mid = (lo + hi) // 2
        blocked = (cost > values[mid]).astype(np.float64)
        rows, cols = linear_sum_assignment(blocked)
        if blocked[rows, cols].any():
            lo = mid + 1
        else:
            hi = mid
    tau = values[lo]
    # entries above tau can never be used: make them costlier than any full sum
    penalty = cost.shape[0] * (tau + 1.0) + 1.0
    rows, cols = linear_sum_assignment(np.where(cost > tau, penalty, cost))
    return cols[np.argsort(rows)]


@validate_params(
    {
        "W_true": ["array-like"],
        "W_est": ["array-like"],
        "v_true": ["array-like", None],
        "v_est": ["array-like", None],
        "sign_invariant": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def parameter_recovery_error(
    W_true, W_est, v_true=None, v_est=None, *, sign_invariant=False
):
    """Largest relative error of the recovered hidden units, best matching.

    Zhong et al.'s success criterion: with hidden units matched by a permutation
    ``pi``, ``max_j ||w*_j - w_pi(j)|| / ||w*_j||``, minimised over ``pi``. When
    output weights are given, the error also includes
    ``max_j |v*_j - v_pi(j)| / |v*_j|`` and the matching accounts for both.

    Parameters
    ----------
    W_true : array-like of shape (n_features, n_hidden)
        Ground-truth hidden weights ``W*`` (columns are hidden units, none zero).
    W_est : array-like of shape (n_features, n_hidden)
        Estimated hidden weights, same shape as ``W_true``.
    v_true : array-like of shape (n_hidden,), default=None
        Ground-truth output weights ``v*`` (no zero entries). Give both or
        neither of ``v_true`` and ``v_est``.
    v_est : array-like of shape (n_hidden,), default=None
        Estimated output weights.
    sign_invariant : bool, default=False
        Also allow each estimated unit to match as ``-w`` (for models that only
        identify ``w`` up to sign, e.g. even activations). The sign chosen for
        the pair ``(j, l)`` is that of ``<w*_j, w_l>``; output weights are
        compared without a sign flip.

    Returns
    -------
    error : float
        ``max_j max(||w*_j - s_j w_pi(j)|| / ||w*_j||, |v*_j - v_pi(j)| /
        |v*_j|)`` (the second term only with output weights), minimised over
        ``pi`` (and the signs ``s_j`` when ``sign_invariant``).
    matching : ndarray of int, shape (n_hidden,)
        ``pi``: estimated column ``matching[j]`` is matched to true column ``j``,
        so ``W_est[:, matching]`` is aligned with ``W_true``. Among matchings
        with the optimal maximum error, the one with the smallest total error.

    See Also
    --------
    max_principal_angle : Compare column spaces instead of columns.
    sklearn_polynn.datasets.make_teacher_network : Data with known ``W*, v*``.

    Notes
    -----
    The minimax (bottleneck) matching is found exactly, by binary search over
    the entries of the error matrix with a feasibility test by
    :func:`scipy.optimize.linear_sum_assignment` (which on its own would
    minimise the sum of errors, not the maximum).

    References
    ----------
    .. [1] K. Zhong, Z. Song, P. Jain, P. L. Bartlett and I. S. Dhillon, "Recovery
       guarantees for one-hidden-layer neural networks", ICML 2017, Sec. 7.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_polynn.metrics import parameter_recovery_error
    >>> W = np.array([[1.0, 0.0], [0.0, 2.0]])
    >>> W_est = np.array([[0.0, 1.1], [2.0, 0.0]])  # units swapped, one off by 10%
    >>> error, matching = parameter_recovery_error(W, W_est)
    >>> round(error, 6), matching.tolist()
    (0.1, [1, 0])
    """
    W_true = _as_weight_matrix(W_true, "W_true")
    W_est = _as_weight_matrix(W_est, "W_est")
    if W_true.shape != W_est.shape:
        raise ValueError(
            "W_true and W_est must have the same shape (n_features, n_hidden); "
            f"got {W_true.shape} and {W_est.shape}."
        )
    if not np.all(np.linalg.norm(W_true, axis=0) > 0):
        raise ValueError("W_true must not have a zero column (relative error).")
    if (v_true is None) != (v_est is None):
        raise ValueError("Give both v_true and v_est, or neither.")
    cost = _relative_error_matrix(W_true, W_est, sign_invariant)
    if v_true is not None:
        n_hidden = W_true.shape[1]
        v_true = _as_output_weights(v_true, "v_true", n_hidden)
        v_est = _as_output_weights(v_est, "v_est", n_hidden)
        if np.any(v_true == 0):
            raise ValueError("v_true must not have a zero entry (relative error).")
        v_cost = np.abs(v_true[:, None] - v_est[None, :]) / np.abs(v_true)[:, None]
        cost = np.maximum(cost, v_cost)
    matching = _bottleneck_assignment(cost)
    error = float(cost[np.arange(cost.shape[0]), matching].max())
    return error, matching


@validate_params(
    {"A": ["array-like"], "B": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def max_principal_angle(A, B):
    """Largest principal angle between the column spaces of ``A`` and ``B``.

    The recovery criterion for methods that identify the span of the hidden
    weights rather than each unit (the high-threshold network's landscape
    step, Zhong et al.'s subspace estimate): it is invariant to any
    invertible mixing of the columns, so it compares subspaces, not units.
    Computed from the singular values of ``Q_A^T Q_B`` for orthonormal bases
    ``Q_A``, ``Q_B``.

    Parameters
    ----------
    A : array-like of shape (n_features, k)
        Columns spanning the first subspace.
    B : array-like of shape (n_features, l)
        Columns spanning the second subspace.

    Returns
    -------
    angle : float
        In radians, in ``[0, pi/2]``; 0 when one space contains the other.

    See Also
    --------
    parameter_recovery_error : Compare individual hidden units.
    scipy.linalg.subspace_angles : All the principal angles.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_polynn.metrics import max_principal_angle
    >>> A = np.array([[1.0], [0.0]])
    >>> B = np.array([[1.0], [1.0]])
    >>> round(max_principal_angle(A, B) / np.pi, 6)
    0.25
    """
    A = _as_weight_matrix(A, "A")
    B = _as_weight_matrix(B, "B")
    if A.shape[0] != B.shape[0]:
        raise ValueError(
            "A and B must have the same number of rows (n_features); got "
            f"{A.shape[0]} and {B.shape[0]}."
        )
    return float(subspace_angles(A, B).max())


def _prediction_function(model):
    """``model.predict`` or ``model`` itself; TypeError for anything else."""
    predict = getattr(model, "predict", None)
    if callable(predict):
        return predict
    if callable(model):
        return model
    raise TypeError(
        "model must be a fitted estimator with a predict method or a callable "
        f"f(X) -> predictions; got {type(model).__name__}."
    )


def _in_namespace_of(X, predict):
    """``predict`` taking host arrays, calling it in the namespace/device of ``X``."""
    xp = get_namespace(X)
    if is_numpy_namespace(xp):
        return predict
    device = device_of(X)
    return lambda A: predict(asarray(A, xp, device=device))


def _predictions(predict, X):
    """Host predictions as a 1-D array; ValueError if not finite."""
    values = np.asarray(to_numpy(predict(X)))
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.shape != (X.shape[0],):
        raise ValueError(
            "model must return one prediction per sample, shape "
            f"({X.shape[0]},); got shape {values.shape}."
        )
    if not np.all(np.isfinite(values)):
        raise ValueError("model returned non-finite predictions (NaN or inf).")
    return values


@validate_params(
    {
        "model": "no_validation",
        "X": ["array-like"],
        "y": ["array-like", None],
        "n_repeats": [IntInterval(1, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def variable_dependence(model, X, y=None, *, n_repeats=5, random_state=None):
    """How much a model depends on each input variable (Lemma 6.1 diagnostic).

    For each variable ``i``, ``x_i`` is resampled with the other coordinates
    fixed (column ``i`` of ``X`` is permuted) and the squared change of the
    prediction ``g`` is averaged:

        ``D_i = E_{x, x_i'} [(g(x) - g(x_1..x_i'..x_n))**2] / 2
        = E_{x_{-i}} Var_{x_i}[g(x) | x_{-i}]``

    (the total-effect numerator of Sobol's sensitivity indices, estimated as
    Jansen does; the equality needs independent coordinates, as for the
    Gaussian ``N(0, I)`` and circle ``C(1)**n`` inputs of the paper).
    ``D_i = 0`` exactly when ``g`` does not depend on ``x_i``. The result is
    ``D_i`` relative to ``Var y`` (or to ``Var g`` when ``y`` is not given).

    Lemma 6.1 of Andoni et al. (full version, Sec. 6.2) says that when the target
    does not depend on ``x_i``, gradient descent can only stop (zero gradient)
    at a network that does not depend on ``x_i`` either: for circle inputs with
    any activation, and for Gaussian inputs with the Hermite transfer function
    (:func:`~sklearn_polynn.hermite.hermite_transfer`). This function measures
    that on a fitted model.

    Parameters
    ----------
    model : estimator or callable
        A fitted estimator (its ``predict`` is used) or a callable
        ``f(X) -> predictions`` of shape (n_samples,).
    X : array-like of shape (n_samples, n_features)
        Inputs in the form ``model`` takes (angles for ``domain="circle"``);
        fresh samples of the input distribution, not the training set. An
        array of another array-API namespace (a model fitted under dispatch) is
        permuted on the host and passed to ``model`` in its own namespace and
        on its own device.
    y : array-like of shape (n_samples,), default=None
        Targets at ``X``; when given, the result is relative to ``Var y``.
    n_repeats : int, default=5
        Independent permutations per variable, averaged.
    random_state : int, RandomState instance or None, default=None
        Seeds the permutations.

    Returns
    -------
    dependence : ndarray of shape (n_features,)
        ``D_i / Var y`` (or ``D_i / Var g``). For an additive model
        ``g = sum_i g_i(x_i)`` it is the share of the variance due to each
        ``x_i``; in general the entries may sum to more than 1 (interactions
        are counted for every variable involved).

    Raises
    ------
    ValueError
        If ``X`` is not 2-D with at least 2 samples, ``y`` has the wrong length,
        the normalizing variance is 0, or ``model`` returns non-finite or
        wrongly shaped predictions.
    TypeError
        If ``model`` has no ``predict`` method and is not callable.

    See Also
    --------
    sklearn.inspection.permutation_importance : The change of the score (not
        of the prediction) under the same permutations.

    References
    ----------
    .. [1] A. Andoni, R. Panigrahy, G. Valiant, L. Zhang, "Learning Polynomials
       with Neural Networks", ICML 2014; full version, Sec. 6.2, Lemma 6.1.
    .. [2] M. J. W. Jansen, "Analysis of variance designs for model output",
       Computer Physics Communications 117 (1999).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_polynn.metrics import variable_dependence
    >>> X = np.random.default_rng(0).standard_normal((20000, 3))
    >>> g = lambda X: X[:, 0] + 2 * X[:, 1]  # ignores x_2; Var g = 5
    >>> np.round(variable_dependence(g, X, random_state=0), 1)
    array([0.2, 0.8, 0. ])
    """
    predict = _prediction_function(model)
    predict = _in_namespace_of(X, predict)
    X = np.array(to_numpy(X), copy=True)
    if X.ndim != 2 or X.shape[0] < 2:
        raise ValueError(
            "X must be a 2-D array (n_samples, n_features) with at least 2 "
            f"samples; got shape {X.shape}."
        )
    rng = check_random_state(random_state)
    base = _predictions(predict, X)
    if y is None:
        scale = float(np.var(base))
        what = "Var g(X) (the model is constant on X)"
    else:
        y = np.asarray(to_numpy(y), dtype=np.float64).ravel()
        if y.shape != (X.shape[0],):
            raise ValueError(
                f"y must have shape (n_samples,) = ({X.shape[0]},); got {y.shape}."
            )
        scale = float(np.var(y))
        what = "Var y (y is constant)"
    if not scale > 0.0:
        raise ValueError(f"Cannot normalize the dependence: {what} is 0.")
    dependence = np.zeros(X.shape[1])
    for i in range(X.shape[1]):
        column = X[:, i].copy()
        for _ in range(n_repeats):
            X[:, i] = column[rng.permutation(X.shape[0])]
            change = _predictions(predict, X) - base
            dependence[i] += 0.5 * np.mean(np.abs(change) ** 2)
        X[:, i] = column
    return dependence / (n_repeats * scale)
