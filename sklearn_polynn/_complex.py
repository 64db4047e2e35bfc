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

__all__ = ["complex_inputs", "complex_preactivations", "draw_complex_weights"]

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
        f"weight_distribution must be one of {WEIGHT_DISTRIBUTIONS}; got {distribution!r}."
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
    """``Z = X W``: entry ``(s, i)`` is ``w_i . x_s`` (no conjugation, as in the paper)."""
    complex_dtype = xp.complex64 if W.dtype == xp.complex64 else xp.complex128
    return xp.matmul(Xc.astype(complex_dtype, copy=False), W)
