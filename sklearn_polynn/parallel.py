"""Distributed fitting with Dask: per-chunk sufficient statistics, one solve.

The top layer of :class:`~sklearn_polynn.RandomFeaturePolynomialRegressor`
(Andoni et al. 2014, Thm 3.1/4.1) is a ridge regression on the random features
``F = [Re phi(XW), Im phi(XW)]``. Its sufficient statistics (row count, means,
centered Gram ``F^T F``, ``F^T y``, ``y^T y``) are exactly mergeable, so a
``dask.array`` is processed chunk by chunk in parallel, the per-chunk statistics
are combined by a binary tree reduction, and one solve on the driver gives the
same model as a NumPy ``fit`` (to floating-point tolerance). Only ``O(m^2)``
numbers per chunk travel, never the ``O(n_samples m)`` features.

``RandomFeaturePolynomialRegressor.fit`` and ``partial_fit`` dispatch here when
``X`` or ``y`` is a Dask collection; :func:`dask_statistics` is the entry point.
Gradient-descent estimators fit on Dask input by data-parallel full-batch
steps: :func:`data_parallel_loss_grad` turns an estimator's per-block function
``(params, X_block, y_block) -> (sum_loss, sum_grads)`` into the
``loss_grad`` of :func:`~sklearn_polynn._optim.minimize`, mapping it over the
row blocks on the workers and summing the results by the same tree reduction,
so each step equals the NumPy full-batch step (used by
:class:`~sklearn_polynn.TensorInitOneHiddenLayer`). Estimators whose array code
runs unchanged on ``dask.array`` input (NumPy functions dispatch to Dask, and
reductions over rows become per-block reductions) use :func:`compute_if_dask`
to evaluate a step's loss and gradients in one pass and :func:`persist_if_dask`
to keep per-row intermediates on the workers
(:class:`~sklearn_polynn.ComplexTwoLayerRegressor`, and the moments of
Algorithm 1 in ``_tensor.py``).

Model selection over a cluster needs nothing from this module: run
``GridSearchCV`` under ``joblib.parallel_config(backend="dask")`` with a
``distributed.Client`` open.

Dask is optional: ``pip install "sklearn-polynn[dask]"``.
"""

import numpy as np
from sklearn.utils import check_random_state

from ._backend import get_namespace, resolve_namespace, to_numpy
from ._validation import check_dtype, check_y_given

__all__ = [
    "compute_if_dask",
    "dask_statistics",
    "data_parallel_loss_grad",
    "is_dask_collection",
    "persist_if_dask",
    "predict_blocks",
    "tree_merge",
    "validate_dask_input",
]

_DASK_HINT = (
    "Fitting on dask arrays needs Dask. Install it with "
    '`pip install "sklearn-polynn[dask]"` (or `pip install "dask[distributed]"`).'
)


_COMPLEX_MESSAGE = (
    "Complex data not supported; X must be real. For inputs on the complex "
    "unit circle pass the angles theta with domain='circle'."
)


def _import_dask():
    """Return ``(dask, dask.array)`` or raise an ImportError with install advice."""
    try:
        import dask
        import dask.array as da
    except ImportError as exc:  # optional dependency
        raise ImportError(_DASK_HINT) from exc
    return dask, da


def _chunk_statistics(X, y, W, spec, sample_weight=None):
    """Sufficient statistics of one chunk of rows (runs on a worker, NumPy).

    ``spec`` is a ``_FeatureSpec`` of plain values, so the task pickles to any
    worker. ``sample_weight`` is the chunk's weights (validated) or ``None``.
    """
    from .random_features import _accumulate_statistics

    real_dtype = check_dtype(spec.dtype)
    X = np.asarray(X)
    if X.dtype.kind == "c":
        raise ValueError(_COMPLEX_MESSAGE)
    X = X.astype(real_dtype, copy=False)
    y = np.asarray(y, dtype=real_dtype).reshape(-1)
    if X.shape[0] == 0:
        return None
    if not np.isfinite(X).all():
        raise ValueError("Input X contains NaN or infinity.")
    if not np.isfinite(y).all():
        raise ValueError("Input y contains NaN or infinity.")
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=real_dtype).reshape(-1)
        if not np.isfinite(sample_weight).all() or (sample_weight < 0).any():
            raise ValueError("sample_weight must be finite and non-negative.")
        if not sample_weight.sum() > 0:
            return None
    xp = get_namespace()
    return _accumulate_statistics(X, y, W, spec, xp, spec.batch, sample_weight)


def _merge(a, b):
    """Merge two statistics (either may be ``None`` for an empty chunk)."""
    if a is None:
        return b
    return a.merge(b)


def tree_merge(parts, merge):
    """Combine ``parts`` pairwise in a balanced binary tree of ``merge`` calls.

    Neighbouring parts are merged level by level, so ``n`` parts need
    ``ceil(log2(n))`` rounds of independent merges; with ``dask.delayed``
    merges each round runs in parallel and no worker holds more than two
    partial results. The result equals ``functools.reduce(merge, parts)`` for
    an associative ``merge`` (up to floating-point summation order).

    Parameters
    ----------
    parts : list
        Leaves (values or ``dask.delayed`` objects); must be non-empty.
    merge : callable
        Associative binary operation (wrapped in ``dask.delayed`` by the caller
        for a lazy graph).

    Returns
    -------
    root : object
        ``merge`` of all parts; depth ``ceil(log2(len(parts)))``.

    See Also
    --------
    dask_statistics : Tree reduction of per-chunk sufficient statistics.
    data_parallel_loss_grad : Tree reduction of per-block loss and gradients.

    Examples
    --------
    >>> from operator import add
    >>> from sklearn_polynn.parallel import tree_merge
    >>> tree_merge([1, 2, 3, 4, 5], add)
    15
    """
    parts = list(parts)
    if not parts:
        raise ValueError("tree_merge needs at least one part.")
    while len(parts) > 1:
        merged = [merge(parts[i], parts[i + 1]) for i in range(0, len(parts) - 1, 2)]
        if len(parts) % 2:
            merged.append(parts[-1])
        parts = merged
    return parts[0]


def _dask_array(value, da, name):
    """A dask array from a dask array, a dask DataFrame/Series (its values, with
    known chunk sizes; column names are not kept, since the per-block
    ``predict`` sees arrays) or array-like."""
    if isinstance(value, da.Array):
        return value
    if _is_dask_frame(value):
        value = value.to_dask_array(lengths=True)
    elif is_dask_collection(value):
        raise TypeError(
            f"{name} must be a dask array or a dask DataFrame/Series; got "
            f"{type(value).__module__}.{type(value).__name__}. Convert it with "
            "to_dask_array(lengths=True) (or compute it)."
        )
    else:
        value = da.asarray(value)
    return value


def _is_dask_frame(value):
    """Whether ``value`` is a dask DataFrame or Series (``dask.dataframe``, or
    ``dask_expr`` in recent Dask)."""
    module = type(value).__module__
    return module.startswith(("dask.dataframe", "dask_expr")) and hasattr(
        value, "to_dask_array"
    )


def _as_dask_inputs(X, y, da, sample_weight=None):
    """Check shapes lazily and align ``y``'s (and ``sample_weight``'s) chunks
    with ``X``'s rows."""
    X = _dask_array(X, da, "X")
    if X.ndim != 2:
        raise ValueError(
            f"Expected 2D array, got {X.ndim}D array instead; reshape your data."
        )
    if X.shape[1] < 1:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={X.shape}) while a minimum of "
            "1 is required."
        )
    if X.dtype.kind == "c":
        raise ValueError(_COMPLEX_MESSAGE)
    if X.dtype.kind not in "fiub":
        raise ValueError(f"X must be numeric; got dtype {X.dtype}.")
    if any(np.isnan(c) for c in X.chunks[0]):
        raise ValueError(
            "X has unknown chunk sizes; call X.compute_chunk_sizes() first."
        )
    y = _dask_array(y, da, "y")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.reshape(-1)
    if y.ndim != 1:
        raise ValueError(
            f"y must be 1-D (one target); got shape {y.shape}. Fit one "
            "estimator per target column (e.g. MultiOutputRegressor)."
        )
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            "Found input variables with inconsistent numbers of samples: "
            f"[{X.shape[0]}, {y.shape[0]}]"
        )
    if X.shape[0] < 1:
        raise ValueError(
            "Found array with 0 sample(s) while a minimum of 1 is required."
        )
    X = X.rechunk({1: -1})
    if sample_weight is not None:
        sample_weight = _dask_array(sample_weight, da, "sample_weight")
        if sample_weight.ndim == 0:
            sample_weight = da.full(X.shape[0], sample_weight, chunks=X.chunks[0])
        if sample_weight.shape != (X.shape[0],):
            raise ValueError(
                f"sample_weight.shape == {sample_weight.shape}, expected "
                f"({X.shape[0]},)!"
            )
        sample_weight = sample_weight.rechunk((X.chunks[0],))
    return X, y.rechunk((X.chunks[0],)), sample_weight


def _check_n_features(est, n_features, reset):
    if reset:
        est.n_features_in_ = int(n_features)
        if hasattr(est, "feature_names_in_"):
            del est.feature_names_in_
    elif n_features != est.n_features_in_:
        raise ValueError(
            f"X has {n_features} features, but {type(est).__name__} is expecting "
            f"{est.n_features_in_} features as input."
        )


def _real_dtype_name(dtype, data_dtype):
    """The estimator's ``dtype`` parameter, or (``None``) float32 for float32
    data and float64 otherwise."""
    if dtype is not None:
        return "float32" if check_dtype(dtype) == np.float32 else "float64"
    return "float32" if np.dtype(data_dtype) == np.float32 else "float64"


def dask_statistics(est, X, y, *, reset, sample_weight=None):
    """Top-layer sufficient statistics of a Dask dataset, by tree reduction.

    Every row block of ``X`` is turned into the random features of ``est``'s
    bottom layer and reduced to its sufficient statistics (the Gram matrix
    ``Phi^T Phi``, ``Phi^T y`` and the sums needed for centring) on the worker
    that holds it; the per-block statistics are merged by :func:`tree_merge`
    and only the merged ``n_components``-sized statistics come back to the
    driver, where one ridge solve gives the top layer. Used by
    :class:`~sklearn_polynn.random_features.RandomFeaturePolynomialRegressor`
    for Dask input.

    Parameters
    ----------
    est : RandomFeaturePolynomialRegressor
        Receives ``n_features_in_`` and, when ``reset``, a fresh bottom layer.
    X : dask.array or dask DataFrame of shape (n_samples, n_features)
        Training inputs; any row chunking (columns are gathered per block).
    y : dask.array, dask Series or array-like of shape (n_samples,)
        Targets; rechunked to ``X``'s row chunks.
    reset : bool
        True in ``fit`` and the first ``partial_fit``.
    sample_weight : dask.array or array-like of shape (n_samples,), default=None
        Row weights (weighted statistics, see ``_accumulate_statistics``).

    Returns
    -------
    stats : SufficientStatistics
        Summed over all chunks (NumPy arrays).
    ns : :class:`~sklearn_polynn._backend.Namespace`
        Where the solve runs (CuPy with ``device="cuda"``, else NumPy).
    W : complex array
        The bottom layer, in ``ns.xp``.
    n_rows : int
        Rows of ``X``.

    See Also
    --------
    tree_merge : The reduction used to merge the per-block statistics.
    sklearn_polynn.random_features.RandomFeaturePolynomialRegressor : The
        estimator whose ``fit`` and ``partial_fit`` call this for Dask input.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn_polynn.datasets import make_sparse_polynomial
    >>> from sklearn_polynn.parallel import dask_statistics
    >>> from sklearn_polynn.random_features import RandomFeaturePolynomialRegressor
    >>> X, y = make_sparse_polynomial(200, 4, random_state=0)
    >>> est = RandomFeaturePolynomialRegressor(n_components=20, random_state=0)
    >>> stats, ns, W, n_rows = dask_statistics(
    ...     est, da.from_array(X, chunks=50), da.from_array(y, chunks=50), reset=True
    ... )
    >>> n_rows
    200
    """
    from .random_features import _draw_bottom_layer, _FeatureSpec

    dask, da = _import_dask()
    X, y, sample_weight = _as_dask_inputs(X, y, da, sample_weight)
    _check_n_features(est, X.shape[1], reset)
    ns = resolve_namespace(est.device)
    dtype = _real_dtype_name(est.dtype, X.dtype)
    if reset:
        rng = check_random_state(est.random_state)
        host = resolve_namespace("cpu")
        W = to_numpy(_draw_bottom_layer(est, X.shape[1], rng, host, dtype))
    else:
        W = to_numpy(est.hidden_weights_)
    spec = _FeatureSpec.from_estimator(est, dtype)
    W_key = dask.delayed(W, pure=True)
    chunk = dask.delayed(_chunk_statistics, pure=True)
    weights = (
        [None] * X.numblocks[0]
        if sample_weight is None
        else list(sample_weight.to_delayed().ravel())
    )
    leaves = [
        chunk(xb, yb, W_key, spec, wb)
        for xb, yb, wb in zip(X.to_delayed().ravel(), y.to_delayed().ravel(), weights)
    ]
    root = tree_merge(leaves, dask.delayed(_merge, pure=True))
    (stats,) = dask.compute(root)
    if stats is None:
        raise ValueError(
            "Found array with 0 sample(s) while a minimum of 1 is required."
            if sample_weight is None
            else "sample_weight sums to zero: at least one row needs a positive weight."
        )
    return stats, ns, ns.asarray(W), int(X.shape[0])


# ------------------------------------------------------- data-parallel gradients
def is_dask_collection(obj):
    """Whether ``obj`` is a Dask object (array, DataFrame, delayed...).

    Decided from the module of ``type(obj)``, so it never imports Dask and
    costs nothing on the NumPy path; every estimator calls it first to route
    Dask input to its Dask code (:func:`dask_statistics` accepts arrays and
    DataFrames, :func:`validate_dask_input` arrays).

    Parameters
    ----------
    obj : object
        Any value.

    Returns
    -------
    is_dask : bool
        True for instances of classes defined in ``dask`` (or its
        submodules).

    See Also
    --------
    compute_if_dask : Evaluate the Dask collections among several values.

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> from sklearn_polynn.parallel import is_dask_collection
    >>> is_dask_collection(da.ones(3)), is_dask_collection(np.ones(3))
    (True, False)
    """
    return type(obj).__module__.split(".")[0] == "dask"


def predict_blocks(predict, X, dtype):
    """Lazy ``predict`` of a Dask ``X``, one block of rows at a time.

    ``X`` is rechunked to whole rows and ``predict`` is mapped over its row
    blocks (``dask.array.map_blocks``), so a prediction on data larger than
    memory runs block by block on the workers; nothing is computed until the
    result is. A dask DataFrame is converted to a dask array first.

    Parameters
    ----------
    predict : callable
        Maps a NumPy block of shape ``(n, n_features)`` to ``(n,)`` values
        (a fitted estimator's ``predict``).
    X : dask.array or dask DataFrame of shape (n_samples, n_features)
        Inputs.
    dtype : {"float64", "float32"} or None
        The estimator's ``dtype`` parameter (``None``: float32 for float32
        ``X``, else float64).

    Returns
    -------
    y : dask.array of shape (n_samples,)
        The lazy predictions.

    See Also
    --------
    is_dask_collection : How estimators detect Dask input.

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> from sklearn_polynn.parallel import predict_blocks
    >>> X = da.from_array(np.arange(8.0).reshape(4, 2), chunks=(2, 1))
    >>> y = predict_blocks(lambda block: block.sum(axis=1), X, None)
    >>> y.compute().tolist()
    [1.0, 5.0, 9.0, 13.0]
    """
    _, da = _import_dask()
    X = _dask_array(X, da, "X")
    if X.ndim == 2:
        X = X.rechunk({1: -1})
    dtype = check_dtype(_real_dtype_name(dtype, X.dtype))
    return X.map_blocks(predict, drop_axis=1, dtype=dtype)


def validate_dask_input(est, X, y, *, dtype, reset=True):
    """Check a Dask ``(X, y)`` pair and keep it in (cluster) memory.

    Shapes and dtypes are checked lazily, ``X`` is rechunked to whole rows and
    ``y`` aligned with its row chunks, both are cast to ``dtype``, checked to
    be finite block by block and persisted (a gradient-descent fit reads them
    once per iteration), all in one graph execution (one ``dask.persist``).
    On a local scheduler a non-finite block raises here; on a
    ``distributed.Client`` (where ``persist`` returns at once) it raises at the
    first computation that reads the block, still inside ``fit``. Sets
    ``est.n_features_in_``.

    Parameters
    ----------
    est : estimator
        The estimator being fitted; receives ``n_features_in_`` (or has it
        checked when ``reset=False``).
    X : dask.array or array-like of shape (n_samples, n_features)
        Training inputs.
    y : dask.array or array-like of shape (n_samples,)
        Targets; must not be ``None``.
    dtype : str
        The estimator's computation dtype.
    reset : bool, default=True
        Whether to set ``est.n_features_in_`` (``fit``) rather than check
        ``X``'s columns against it (``partial_fit``).

    Returns
    -------
    X, y : dask.array
        Persisted, with matching row chunks.

    See Also
    --------
    data_parallel_loss_grad : The full-batch loss and gradient on the
        validated arrays.

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> from sklearn_polynn import TensorInitOneHiddenLayer
    >>> from sklearn_polynn.parallel import validate_dask_input
    >>> X = da.from_array(np.ones((6, 2)), chunks=(3, 1))
    >>> est = TensorInitOneHiddenLayer()
    >>> Xd, yd = validate_dask_input(est, X, np.arange(6.0), dtype="float64")
    >>> Xd.chunks, est.n_features_in_
    (((3, 3), (2,)), 2)
    """
    dask, da = _import_dask()
    check_y_given(est, y)
    X, y, _ = _as_dask_inputs(X, y, da)
    _check_n_features(est, X.shape[1], reset)
    real_dtype = check_dtype(dtype)
    # One graph execution: each block is cast and checked where it is persisted
    # (a separate finiteness ``compute`` would cost a second round trip, and a
    # new process pool under ``scheduler="processes"``).
    X, y = dask.persist(
        X.astype(real_dtype).map_blocks(_finite_block, "X", dtype=real_dtype),
        y.astype(real_dtype).map_blocks(_finite_block, "y", dtype=real_dtype),
    )
    return X, y


def _finite_block(block, what):
    """``block`` unchanged, or a ValueError if it holds NaN or infinity (runs on
    a worker inside the persist of :func:`validate_dask_input`)."""
    if not np.isfinite(block).all():
        raise ValueError(f"Input {what} contains NaN or infinity.")
    return block


def _chunk_sums(chunk_loss_grad, params, X, y, device):
    """``chunk_loss_grad`` on one block of rows, in the block's namespace.

    Runs on a worker. ``device="cuda"`` moves the block to the GPU; the sums
    come back as NumPy arrays (``None`` for an empty block).
    """
    if X.shape[0] == 0:
        return None
    ns = resolve_namespace(device, X)
    X, y = ns.asarray(X), ns.asarray(y)
    params = {k: ns.asarray(p) for k, p in params.items()}
    loss, grads = chunk_loss_grad(params, X, y)
    return float(loss), {k: to_numpy(g) for k, g in grads.items()}


def _add_sums(a, b):
    """Sum two ``(loss, grads)`` pairs (either may be ``None``)."""
    if a is None:
        return b
    if b is None:
        return a
    return a[0] + b[0], {k: g + b[1][k] for k, g in a[1].items()}


def data_parallel_loss_grad(chunk_loss_grad, X, y, *, device=None):
    """Full-batch ``loss_grad`` for :func:`~sklearn_polynn._optim.minimize` on Dask.

    Every call maps ``chunk_loss_grad`` over the row blocks of ``X`` and ``y``
    (in parallel on the workers, each block where it lives), sums the
    per-block results by a balanced binary tree (:func:`tree_merge`) and
    divides by the number of rows. For a loss that is a mean over rows this is
    the loss and gradient of the whole data set, i.e. the same step as the
    NumPy full batch, up to floating-point summation order. Only the
    parameters travel to the workers and only their gradients come back.

    Parameters
    ----------
    chunk_loss_grad : callable
        ``chunk_loss_grad(params, X_block, y_block) -> (sum_loss, sum_grads)``:
        the loss and the gradient dict **summed** (not averaged) over the rows
        of one block. Must be picklable for multi-process clusters (a
        module-level function or a ``functools.partial`` of one).
    X : dask.array of shape (n_samples, n_features)
        Whole rows per block (see :func:`validate_dask_input`).
    y : dask.array of shape (n_samples,)
        Same row chunks as ``X``.
    device : {None, "cpu", "cuda"}, default=None
        Where each block is computed; ``None`` follows the block's type.

    Returns
    -------
    loss_grad : callable
        ``loss_grad(params, batch) -> (mean_loss, mean_grads)`` with NumPy
        gradients; ``batch`` must be ``None`` (full batch).

    See Also
    --------
    validate_dask_input : Prepares ``X`` and ``y`` (whole-row blocks, persisted).
    tree_merge : The reduction that sums the per-block results.

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> from sklearn_polynn.parallel import data_parallel_loss_grad
    >>> def chunk_loss_grad(params, X, y):
    ...     r = X @ params["w"] - y
    ...     return (r**2).sum() / 2, {"w": X.T @ r}
    >>> X = da.from_array(np.eye(4), chunks=(2, 4))
    >>> y = da.from_array(np.ones(4), chunks=2)
    >>> loss_grad = data_parallel_loss_grad(chunk_loss_grad, X, y)
    >>> loss, grads = loss_grad({"w": np.zeros(4)}, None)
    >>> float(loss), grads["w"].tolist()
    (0.5, [-0.25, -0.25, -0.25, -0.25])
    """
    dask, _ = _import_dask()
    n_samples = X.shape[0]
    blocks = list(zip(X.to_delayed().ravel(), y.to_delayed().ravel()))
    leaf = dask.delayed(_chunk_sums, pure=False)
    merge = dask.delayed(_add_sums, pure=False)

    def loss_grad(params, batch):
        if batch is not None:
            raise ValueError("Dask input is fitted full batch; batch must be None.")
        leaves = [leaf(chunk_loss_grad, params, xb, yb, device) for xb, yb in blocks]
        (total,) = dask.compute(tree_merge(leaves, merge))
        loss, grads = total
        return loss / n_samples, {k: g / n_samples for k, g in grads.items()}

    return loss_grad


def compute_if_dask(*values):
    """Evaluate all Dask collections among ``values`` in one ``dask.compute``.

    For an estimator whose array code also runs on ``dask.array`` input (the
    NumPy functions dispatch to Dask's blockwise operations, and reductions
    over rows become per-block reductions), this evaluates e.g. a loss and its
    gradients in one pass over the blocks. Values that are not Dask
    collections are returned unchanged, so the NumPy/CuPy path is untouched.

    Parameters
    ----------
    *values : object
        Dask collections or any other values (arrays, floats...).

    Returns
    -------
    values : tuple
        Same structure as ``values``, Dask collections replaced by results.

    See Also
    --------
    persist_if_dask : Keep Dask collections in memory instead of computing.

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> from sklearn_polynn.parallel import compute_if_dask
    >>> total, scale = compute_if_dask(da.ones(4, chunks=2).sum(), 2.0)
    >>> float(total), scale
    (4.0, 2.0)
    """
    if not any(_contains_dask(v) for v in values):
        return values
    dask, _ = _import_dask()
    return dask.compute(*values)


def persist_if_dask(*values):
    """``values`` with the Dask collections persisted in (cluster) memory.

    ``dask.persist`` evaluates the task graphs once and keeps the resulting
    blocks in memory (on the workers of a distributed cluster), so an
    iterative fit that reads the data once per iteration does not recompute
    the graph that produced it. All collections are persisted in one call, so
    shared inputs are computed once.

    Parameters
    ----------
    *values : object
        Dask collections or any other values.

    Returns
    -------
    values : tuple
        Same order; values that are not Dask collections are unchanged.

    See Also
    --------
    compute_if_dask : Evaluate the Dask collections to concrete results.

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> from sklearn_polynn.parallel import persist_if_dask
    >>> X, w = persist_if_dask(da.ones((4, 2), chunks=2), np.zeros(2))
    >>> X.shape, w.tolist()
    ((4, 2), [0.0, 0.0])
    """
    if not any(is_dask_collection(v) for v in values):
        return values
    dask, _ = _import_dask()
    return dask.persist(*values)


def _contains_dask(value):
    if isinstance(value, dict):
        return any(_contains_dask(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_contains_dask(v) for v in value)
    return is_dask_collection(value)
