"""Complex two-layer networks of Andoni, Panigrahy, Valiant & Zhang (2014): the
pieces shared by the random-feature model and the fully trained network.

Notation of the paper (Sec. 2): ``C(r)`` is the uniform distribution on complex
numbers of modulus exactly ``r``; ``N(s^2)`` a real Gaussian; inputs ``x`` are
real (Gaussian or uniform) or on the complex unit circle ``C(1)^n``. A network is
``g(x) = sum_i alpha_i phi(w_i . x)`` with ``w_i in C^n`` and ``alpha_i in C``.
Complex numbers live inside the models only: circle inputs are passed as real
angles ``theta`` with ``domain="circle"`` and mapped here to ``exp(i theta)``.
"""

import numpy as np

__all__ = [
    "complex_inputs",
    "complex_preactivations",
    "deinterleave_permutation",
    "draw_complex_weights",
    "interleaved_features",
    "real_features",
]

WEIGHT_DISTRIBUTIONS = ("circle", "gaussian")


def draw_complex_weights(rng, n_features, n_units, scale, distribution="circle"):
    """Draw a bottom layer ``W`` of shape (n_features, n_units) on the host.

    Parameters
    ----------
    rng : numpy.random.RandomState
    n_features, n_units : int
    scale : float
        Modulus ``r`` of each entry (the paper's ``C(r)``, default ``1/sqrt(n)``
        in Thm 3.1); for "gaussian", ``E|w_ij|^2 = r^2``.
    distribution : {"circle", "gaussian"}
        "circle": entries uniform on ``{|w| = r}`` (the paper's ``C(r)^n``);
        "gaussian": circularly-symmetric complex Gaussian ``CN(0, r^2)``.

    Returns
    -------
    W : ndarray of complex128, shape (n_features, n_units)
    """
    shape = (n_features, n_units)
    if distribution == "circle":
        return scale * np.exp(1j * rng.uniform(0.0, 2.0 * np.pi, size=shape))
    if distribution == "gaussian":
        parts = rng.standard_normal(size=(2, *shape))
        return scale * (parts[0] + 1j * parts[1]) / np.sqrt(2.0)
    raise ValueError(
        f"weight_distribution must be one of {WEIGHT_DISTRIBUTIONS}; "
        f"got {distribution!r}."
    )


def complex_inputs(X, domain, xp):
    """Map validated real ``X`` to the inputs of the complex network.

    ``domain="real"`` keeps ``X`` (real Gaussian / uniform inputs);
    ``domain="circle"`` reads ``X`` as angles and returns ``exp(i X)``.
    """
    if domain == "circle":
        return xp.exp(1j * X)
    return X


def complex_preactivations(Xc, W, xp):
    """``Z = X W``: entry ``(s, i)`` is ``w_i . x_s`` (no conjugation, as in the
    paper)."""
    complex_dtype = xp.complex64 if W.dtype == xp.complex64 else xp.complex128
    return xp.matmul(Xc.astype(complex_dtype, copy=False), W)


def interleaved_features(X, W, activation, domain, xp):
    """``phi(X W)`` of one batch as a real array with interleaved columns.

    The hidden units ``phi^{w_i}(x) = phi(w_i . x)`` of Andoni et al. (2014),
    eq. (2.1), viewed without a copy as real numbers: column ``2i`` is ``Re
    phi^{w_i}``, column ``2i + 1`` is ``Im phi^{w_i}``. The fast path for
    accumulating Gram matrices; :func:`real_features` gives the ``[Re, Im]``
    layout.

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
        Validated real inputs (angles when ``domain="circle"``).
    W : complex array of shape (n_features, n_units)
    activation : callable
        Holomorphic ``phi`` applied elementwise to complex arrays.
    domain : {"real", "circle"}
    xp : module

    Returns
    -------
    F : real array of shape (n_samples, 2 * n_units)
        A view of a fresh complex array (safe to modify in place); entries where
        ``phi`` overflowed are left non-finite for the caller to report.
    """
    Z = complex_preactivations(complex_inputs(X, domain, xp), W, xp)
    # NumPy warns on exp overflow; the callers check finiteness and explain.
    with np.errstate(over="ignore", invalid="ignore"):
        if getattr(activation, "name", None) == "exp":
            Phi = xp.exp(Z, out=Z)  # in place: saves a batch-sized buffer
        else:
            Phi = activation(Z)
    Phi = xp.ascontiguousarray(Phi.astype(Z.dtype, copy=False))
    real_dtype = xp.float32 if Z.dtype == xp.complex64 else xp.float64
    return Phi.view(real_dtype)


def real_features(X, W, activation, domain, xp):
    """Real feature matrix ``[Re phi(X W), Im phi(X W)]`` of one batch of rows.

    Split into real and imaginary parts so that a real linear model on top
    computes ``Re g(x) = sum_i Re(alpha_i) Re phi^{w_i}(x) - Im(alpha_i) Im
    phi^{w_i}(x)`` (Andoni et al. 2014, eq. 2.1).

    Parameters
    ----------
    X, W, activation, domain, xp
        As in :func:`interleaved_features`.

    Returns
    -------
    F : real array of shape (n_samples, 2 * n_units)
        Columns ``[:n_units]`` hold ``Re phi``, ``[n_units:]`` hold ``Im phi``.
    """
    F = interleaved_features(X, W, activation, domain, xp)
    return xp.concatenate([F[:, 0::2], F[:, 1::2]], axis=1)


def deinterleave_permutation(n_units, xp):
    """Indices taking interleaved columns ``(Re0, Im0, Re1, ...)`` to ``[Re, Im]``."""
    return xp.concatenate([xp.arange(0, 2 * n_units, 2), xp.arange(1, 2 * n_units, 2)])
