"""Complex two-layer networks of Andoni, Panigrahy, Valiant & Zhang (2014): the
pieces shared by the random-feature model and the fully trained network.

Notation of the paper (Sec. 2): ``C(r)`` is the uniform distribution on complex
numbers of modulus exactly ``r``; ``N(s^2)`` a real Gaussian; inputs ``x`` are
real (Gaussian or uniform) or on the complex unit circle ``C(1)^n``. A network is
``g(x) = sum_i alpha_i phi(w_i . x)`` with ``w_i in C^n`` and ``alpha_i in C``.
Complex numbers live inside the models only: circle inputs are passed as real
angles ``theta`` with ``domain="circle"`` and mapped here to ``exp(i theta)``.

Array code follows the array API standard (``xp`` is the namespace of the
inputs). The pre-activations ``Z = x W`` are computed by one *real* GEMM for
both domains (:func:`preactivation_operand`): for real ``x`` against the
interleaved real view of ``W`` (half the flops of a complex GEMM), for circle
inputs ``x = cos(theta) + i sin(theta)`` as ``[cos theta, sin theta] @ [[Re W,
Im W], [-Im W, Re W]]`` with the columns interleaved, so the GEMM's output *is*
the real view of the complex ``Z`` (no complex x complex BLAS call, which on
some OpenBLAS builds also slows the ``exp`` that follows). For ``exp`` units
(the default) the GEMM is computed units by samples against
:func:`parts_operand` instead, so that ``Re Z`` and ``Im Z`` are two contiguous
blocks for the vectorized ``exp`` by parts (``_backend.exp_parts``; NumPy's
complex ``exp`` is a scalar loop), and the features come out in the ``[Re,
Im]`` layout without a copy (:func:`unit_features`).
"""

import numpy as np

from ._backend import (
    complex_dtype_for,
    complex_from_parts,
    complex_view,
    exp_parts,
    real_view,
)

__all__ = [
    "complex_inputs",
    "complex_preactivations",
    "deinterleave_permutation",
    "draw_complex_weights",
    "exp_by_parts",
    "feature_operand",
    "interleaved_features",
    "parts_operand",
    "preactivation_operand",
    "real_features",
    "real_inputs",
    "unit_features",
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
    ``domain="circle"`` reads ``X`` as angles and returns ``exp(i X) = cos X + i
    sin X`` (complex64 for float32 angles).
    """
    if domain == "circle":
        return complex_from_parts(xp.cos(X), xp.sin(X))
    return X


def complex_preactivations(Xc, W, xp):
    """``Z = X W``: entry ``(s, i)`` is ``w_i . x_s`` (no conjugation, as in the
    paper), for complex (or real) ``Xc``, as a complex GEMM. The hot loops use
    :func:`preactivation_operand` instead."""
    complex_dtype = complex_dtype_for(W.dtype, xp)
    if Xc.dtype != complex_dtype:
        Xc = xp.astype(Xc, complex_dtype)
    return xp.matmul(Xc, W)


def _interleave(re, im, xp):
    """Real ``(n, 2m)`` with columns ``(re_0, im_0, re_1, ...)``."""
    n, m = re.shape
    return xp.reshape(xp.stack([re, im], axis=-1), (n, 2 * m))


def preactivation_operand(W, domain, xp):
    """Real matrix ``B`` with ``real_inputs(X) @ B = real_view(x W)``.

    ``domain="real"``: ``B`` is the interleaved ``(n, 2m)`` real view of ``W``.
    ``domain="circle"``: ``x = cos + i sin``, so ``Re(x W) = cos Re W - sin Im
    W`` and ``Im(x W) = cos Im W + sin Re W``; ``B`` is ``(2n, 2m)``, the rows
    of ``[Re W, Im W]`` interleaved over ``[-Im W, Re W]``, read by
    ``[cos theta, sin theta]``. One real GEMM either way, whose output is the
    interleaved real view of ``Z`` (see :func:`interleaved_features`).

    Parameters
    ----------
    W : complex array of shape (n_features, n_units)
    domain : {"real", "circle"}
    xp : module

    Returns
    -------
    B : real array of shape (n_features or 2 n_features, 2 n_units)
    """
    return _operand(W, domain, xp, lambda a, b: _interleave(a, b, xp))


def parts_operand(W, domain, xp):
    """Real matrix ``B`` with ``real_inputs(X) @ B = [Re(x W), Im(x W)]``.

    The column blocks of :func:`preactivation_operand` (same entries, not
    interleaved): ``[Re W, Im W]`` for real inputs, ``[[Re W, Im W], [-Im W,
    Re W]]`` read by ``[cos theta, sin theta]`` on the circle. Its transpose
    times ``real_inputs(X).T`` is ``[Re Z^T; Im Z^T]``, the layout of
    ``_backend.exp_parts``.

    Parameters
    ----------
    W : complex array of shape (n_features, n_units)
    domain : {"real", "circle"}
    xp : module

    Returns
    -------
    B : real array of shape (n_features or 2 n_features, 2 n_units)
    """
    return _operand(W, domain, xp, lambda a, b: xp.concat([a, b], axis=1))


def _operand(W, domain, xp, join):
    """``join(Re W, Im W)``, over ``join(-Im W, Re W)`` on the circle (``x = cos
    + i sin``: ``Re(x W) = cos Re W - sin Im W``, ``Im(x W) = cos Im W + sin Re
    W``); ``join`` places the real and imaginary columns."""
    re, im = xp.real(W), xp.imag(W)
    B = join(re, im)
    if domain == "circle":
        B = xp.concat([B, join(-im, re)], axis=0)
    return B


def exp_by_parts(activation):
    """Whether ``phi = exp``, whose units :func:`unit_features` computes by real
    and imaginary parts (columns ``[Re, Im]``; other activations: interleaved)."""
    return getattr(activation, "name", None) == "exp"


def feature_operand(W, activation, domain, xp):
    """The real GEMM operand :func:`unit_features` uses for ``activation``:
    :func:`parts_operand` for ``exp``, else :func:`preactivation_operand`."""
    if exp_by_parts(activation):
        return parts_operand(W, domain, xp)
    return preactivation_operand(W, domain, xp)


def real_inputs(X, domain, xp):
    """``X`` (real domain) or ``[cos X, sin X]`` (circle): the left side of the
    real GEMM ``real_inputs(X) @ preactivation_operand(W)``, whose output is the
    interleaved real view of ``Z = x W`` (``complex_view`` gives ``Z``)."""
    if domain == "circle":
        return xp.concat([xp.cos(X), xp.sin(X)], axis=1)
    return X


def interleaved_features(X, W, activation, domain, xp, operand=None):
    """``phi(X W)`` of one batch as a real array with interleaved columns.

    The hidden units ``phi^{w_i}(x) = phi(w_i . x)`` of Andoni et al. (2014),
    eq. (2.1), viewed without a copy (NumPy, CuPy, PyTorch) as real numbers:
    column ``2i`` is ``Re phi^{w_i}``, column ``2i + 1`` is ``Im phi^{w_i}``.
    The path of :func:`unit_features` for activations other than ``exp``
    (whose complex ``exp`` here is NumPy's scalar loop); :func:`real_features`
    gives the ``[Re, Im]`` layout.

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
        Validated real inputs (angles when ``domain="circle"``).
    W : complex array of shape (n_features, n_units)
    activation : callable
        Holomorphic ``phi`` applied elementwise to complex arrays.
    domain : {"real", "circle"}
    xp : module
    operand : real array, default=None
        ``preactivation_operand(W, domain, xp)``, when the caller computes it
        once for many batches.

    Returns
    -------
    F : real array of shape (n_samples, 2 * n_units)
        A fresh array (safe to modify in place); entries where ``phi``
        overflowed are left non-finite for the caller to report.
    """
    if operand is None:
        operand = preactivation_operand(W, domain, xp)
    Z = complex_view(xp.matmul(real_inputs(X, domain, xp), operand))
    # NumPy warns on overflow; the callers check finiteness and explain.
    with np.errstate(over="ignore", invalid="ignore"):
        Phi = activation(Z)
    if Phi.dtype != Z.dtype:
        Phi = xp.astype(Phi, Z.dtype)
    return real_view(Phi)


def unit_features(X, W, activation, domain, xp, operand=None):
    """``phi(X W)`` of one batch as real columns, in the cheaper layout.

    ``exp`` (:func:`exp_by_parts`): columns ``[Re phi, Im phi]``, computed as
    ``exp_parts(B^T real_inputs(X)^T)`` with ``B = parts_operand(W)``, one real
    GEMM whose ``(2 m, n_samples)`` output holds ``Re Z^T`` and ``Im Z^T`` as
    contiguous blocks, then the vectorized ``exp`` by parts in place; the
    result is its transpose (Fortran-ordered on NumPy, no copy). Other
    activations: :func:`interleaved_features` (columns ``Re_0, Im_0, ...``).

    Parameters
    ----------
    X, W, activation, domain, xp
        As in :func:`interleaved_features`.
    operand : real array, default=None
        ``feature_operand(W, activation, domain, xp)``, when the caller
        computes it once for many batches.

    Returns
    -------
    F : real array of shape (n_samples, 2 * n_units)
        A fresh array (safe to modify in place); non-finite where ``phi``
        overflowed.
    """
    if not exp_by_parts(activation):
        return interleaved_features(X, W, activation, domain, xp, operand)
    if operand is None:
        operand = parts_operand(W, domain, xp)
    ZT = xp.matmul(operand.T, real_inputs(X, domain, xp).T)
    # NumPy warns on exp overflow; the callers check finiteness and explain.
    with np.errstate(over="ignore", invalid="ignore"):
        return exp_parts(ZT).T


def real_features(X, W, activation, domain, xp, operand=None):
    """Real feature matrix ``[Re phi(X W), Im phi(X W)]`` of one batch of rows.

    Split into real and imaginary parts so that a real linear model on top
    computes ``Re g(x) = sum_i Re(alpha_i) Re phi^{w_i}(x) - Im(alpha_i) Im
    phi^{w_i}(x)`` (Andoni et al. 2014, eq. 2.1).

    Parameters
    ----------
    X, W, activation, domain, xp, operand
        As in :func:`unit_features`.

    Returns
    -------
    F : real array of shape (n_samples, 2 * n_units)
        Columns ``[:n_units]`` hold ``Re phi``, ``[n_units:]`` hold ``Im phi``
        (for ``exp`` the array of :func:`unit_features` itself, no copy).
    """
    F = unit_features(X, W, activation, domain, xp, operand)
    if exp_by_parts(activation):
        return F
    return xp.concat([F[:, 0::2], F[:, 1::2]], axis=1)


def deinterleave_permutation(n_units, xp, device=None):
    """Indices taking interleaved columns ``(Re0, Im0, Re1, ...)`` to ``[Re, Im]``."""
    return xp.concat(
        [
            xp.arange(0, 2 * n_units, 2, device=device),
            xp.arange(1, 2 * n_units, 2, device=device),
        ]
    )
