"""Whitening, the preprocessing of Shamir (2018), Theorem 4.

An algorithm that is invariant to orthogonal transformations of its input becomes
invariant to *every* invertible linear transformation once its training data is
whitened: if ``X' = X A`` for invertible ``A``, the whitened versions of ``X`` and
``X'`` differ only by an orthogonal matrix. :class:`WhiteningTransformer` is that
whitening step, designed to sit in front of any estimator of this package in a
:class:`~sklearn.pipeline.Pipeline`.
"""

import math
import warnings
from numbers import Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils.validation import check_is_fitted

from ._backend import check_same_namespace, resolve_namespace, to_numpy
from ._base import _PolynnEstimatorMixin
from ._compat import Interval, IntInterval, StrOptions, _fit_context
from ._validation import validate_fitted_input, validate_input

__all__ = ["WhiteningTransformer"]


class WhiteningTransformer(
    _PolynnEstimatorMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    BaseEstimator,
):
    """Whiten inputs so that the training data has identity second moment.

    From the thin SVD of the (optionally centered) training matrix
    ``X = U D V^T``, each row ``x`` is mapped to ``sqrt(N) D^{-1} V^T x``, so the
    transformed training data ``Z`` satisfies ``Z^T Z / N = I``. This is the
    whitening of Shamir (2018), Theorem 4: for any invertible ``A``, whitening
    ``X A`` and whitening ``X`` give the same output up to an orthogonal matrix,
    which makes orthogonally invariant learners linearly invariant.

    Parameters
    ----------
    center : bool, default=False
        Subtract the training mean first. The theorems assume zero-mean inputs,
        so whitening does not center by default.
    n_components : int or None, default=None
        Keep at most this many directions (largest singular values first).
        ``None`` keeps every direction above ``tol``.
    tol : float or None, default=None
        Relative tolerance for the numerical rank: directions with singular value
        ``<= tol * D.max()`` are dropped (with a warning naming the detected
        rank). ``None`` uses ``max(N, d) * eps`` as
        :func:`numpy.linalg.matrix_rank`.
    device : {None, "cpu", "cuda"}, default=None
        Where to compute; ``None`` follows the input: its own namespace and
        device under ``sklearn.set_config(array_api_dispatch=True)``, else NumPy.
        ``"cuda"`` computes with CuPy and returns NumPy (see the user guide).
        float32 input stays float32.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
        Training mean (zeros when ``center=False``).
    singular_values_ : ndarray of shape (n_components_,)
        Kept singular values ``D`` of the training matrix.
    components_ : ndarray of shape (n_components_, n_features)
        Kept right singular vectors ``V^T``.
    whitening_matrix_ : ndarray of shape (n_features, n_components_)
        ``M = sqrt(N) V D^{-1}``; ``transform(X) = (X - mean_) @ M``.
    n_components_ : int
        Number of output features (the detected rank, capped by
        ``n_components``).
    n_samples_seen_ : int
        ``N``, the number of training rows.
    n_features_in_ : int
        Number of features seen during :term:`fit`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during :term:`fit`, when ``X`` has string
        feature names.

    See Also
    --------
    sklearn.decomposition.PCA : ``PCA(whiten=True)`` centers and scales to unit
        variance, with a different normalisation and no ``input_space_weights``.

    References
    ----------
    .. [1] O. Shamir, "Distribution-specific hardness of learning neural
       networks", JMLR 19(32), 2018, Theorem 4.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_polynn import WhiteningTransformer
    >>> rng = np.random.RandomState(0)
    >>> X = rng.standard_normal((500, 3)) @ np.diag([1.0, 10.0, 100.0])
    >>> Z = WhiteningTransformer().fit_transform(X)
    >>> bool(np.allclose(Z.T @ Z / len(Z), np.eye(3)))
    True
    """

    _parameter_constraints = {
        "center": ["boolean"],
        "n_components": [IntInterval(1, None, closed="left"), None],
        "tol": [Interval(Real, 0, 1, closed="left"), None],
        "device": [StrOptions({"cpu", "cuda"}), None],
    }

    def __init__(self, *, center=False, n_components=None, tol=None, device=None):
        self.center = center
        self.n_components = n_components
        self.tol = tol
        self.device = device

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Compute the whitening map from ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted transformer.
        """
        X, _, ns = validate_input(
            self, X, reset=True, dtype=None, device=self.device, ensure_min_samples=2
        )
        xp = ns.xp
        n_samples, n_features = X.shape
        if self.center:
            mean = xp.mean(X, axis=0)
        else:
            mean = xp.zeros(n_features, dtype=X.dtype, device=ns.device)
        _, s, vt = xp.linalg.svd(X - mean, full_matrices=False)
        rank = self._numerical_rank(to_numpy(s), n_samples, n_features)
        s, vt = s[:rank], vt[:rank, :]
        self.mean_ = ns.output(mean)
        self.singular_values_ = ns.output(s)
        self.components_ = ns.output(vt)
        self.whitening_matrix_ = ns.output(math.sqrt(n_samples) * vt.T / s[None, :])
        self.n_components_ = int(rank)
        self.n_samples_seen_ = int(n_samples)
        return self

    def _numerical_rank(self, s, n_samples, n_features):
        """Directions kept: above the rank tolerance, at most ``n_components``."""
        tol = (
            self.tol
            if self.tol is not None
            else max(n_samples, n_features) * (np.finfo(s.dtype).eps)
        )
        if s[0] == 0:
            raise ValueError(
                "X is identically zero (after centering, if center=True): "
                "there is nothing to whiten."
            )
        rank = int(np.sum(s > tol * s[0]))
        if rank < min(n_samples, n_features) and self.n_components is None:
            warnings.warn(
                f"X is rank deficient: detected rank {rank} < {n_features} "
                f"features (tol={tol:.3g} relative to the largest singular value). "
                f"The whitened output has {rank} columns; set n_components or tol "
                "to choose otherwise.",
                UserWarning,
            )
        if self.n_components is not None:
            rank = min(rank, self.n_components)
        return rank

    def transform(self, X):
        """Whiten ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to whiten (same columns as in ``fit``).

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components_)
            ``(X - mean_) @ whitening_matrix_``.
        """
        X, ns = validate_fitted_input(
            self, X, "transform", dtype=None, fitted="whitening_matrix_"
        )
        M = ns.asarray(self.whitening_matrix_, X.dtype)
        mean = ns.asarray(self.mean_, X.dtype)
        return ns.output((X - mean) @ M)

    def inverse_transform(self, Z):
        """Map whitened data back to the input space.

        Exact for inputs in the row space of the training data (always, when
        nothing was dropped).

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_components_)
            Whitened data, e.g. the output of :meth:`transform`.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            ``Z`` mapped back to the input space.
        """
        check_is_fitted(self)
        ns = resolve_namespace(self.device, Z)
        check_same_namespace(self, Z, self.components_, "inverse_transform")
        Z = ns.asarray(Z)
        if Z.ndim != 2 or Z.shape[1] != self.n_components_:
            raise ValueError(
                f"Z must have shape (n_samples, {self.n_components_}); "
                f"got {tuple(Z.shape)}."
            )
        dtype = self.components_.dtype
        if not ns.xp.isdtype(Z.dtype, "real floating"):
            Z = ns.xp.astype(Z, dtype)
        scaled = ns.asarray(self.singular_values_)[:, None] * ns.asarray(
            self.components_
        )
        unwhiten = ns.xp.astype(scaled, Z.dtype) / math.sqrt(self.n_samples_seen_)
        return ns.output(Z @ unwhiten + ns.asarray(self.mean_, Z.dtype))

    def input_space_weights(self, weights):
        """Map first-layer weights learned on whitened data to the input space.

        A unit computing ``w'^T z`` on whitened ``z = M^T (x - mean_)`` computes
        ``w^T (x - mean_)`` with ``w = M w'`` (for ``x' = A x``, ``w = A^T w'``).
        With ``center=True`` the unit also gains the offset ``-w^T mean_``.

        Parameters
        ----------
        weights : array-like of shape (n_components_, n_hidden) or (n_components_,)
            Weights learned on the whitened data (hidden units are columns).

        Returns
        -------
        weights_in : ndarray of shape (n_features, n_hidden) or (n_features,)
            The same units' weights acting on the un-whitened input.
        """
        check_is_fitted(self)
        ns = resolve_namespace(self.device, weights)
        check_same_namespace(
            self, weights, self.whitening_matrix_, "input_space_weights"
        )
        W = ns.asarray(weights)
        if W.ndim not in (1, 2) or W.shape[0] != self.n_components_:
            raise ValueError(
                f"weights must have {self.n_components_} rows (n_components_); "
                f"got shape {tuple(W.shape)}."
            )
        M = ns.asarray(self.whitening_matrix_)
        return ns.output(M @ ns.xp.astype(W, M.dtype, copy=False))

    @property
    def _n_features_out(self):
        return self.n_components_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.array_api_support = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
