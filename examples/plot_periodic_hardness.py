"""
=====================================================================
Periodic targets: a flat objective and gradients without signal
=====================================================================

Shamir (2018), Section 4: for a target ``psi(w*^T x)`` with ``psi`` periodic and
Gaussian inputs, the gradient of the squared loss at any point barely depends on
``w*``, so gradient methods cannot find it. Fig. 2 shows the objective of Eq. (2),
``F(w) = E (cos(2 pi w^T x) - cos(2 pi w*^T x))^2`` for ``d = 2`` and
``w* = (2, 2)``: flat everywhere except near ``+-w*`` and the maximum at 0. Thm 7
bounds the variance over a random ``w*`` of the gradient at any point.

This example reproduces Fig. 2 with
:func:`~sklearn_polynn.hardness.objective_landscape` (closed form), computes the
gradient variance of Eq. (2) *exactly* with
:func:`~sklearn_polynn.hardness.gradient_variance` (``method="quadrature"``),
draws Thm 7's bound (:func:`~sklearn_polynn.hardness.periodic_gradient_bound`,
with the constants of its proof) beside it, and contrasts a periodic target with
a ReLU target by Monte Carlo. Set ``POLYNN_FULL=1`` (or run ``python -m
sklearn_polynn reproduce shamir-fig2``) for a finer grid and more Monte Carlo
samples.
"""

# %%
# Compute the four panels
# -----------------------
import os
import tempfile

import matplotlib.pyplot as plt

from sklearn_polynn.reproductions.shamir_fig2 import run

FULL = os.environ.get("POLYNN_FULL") == "1"
result = run(tempfile.mkdtemp(), full=FULL, random_state=0, verbose=0)

# %%
# Fig. 2: the objective is flat away from the minima
# --------------------------------------------------
# On the grid, every point at distance more than 1 from ``0`` and ``+-w*`` has
# loss 1 up to a few parts in a billion; the minimum 0 is at ``+-w*`` and the
# maximum 1.5 at 0.
print(
    f"plateau: {result['landscape_plateau_fraction']:.0%} of the grid, loss spread "
    f"{result['landscape_plateau_spread']:.1e}; min {result['landscape_min']:.2g} at "
    f"{result['landscape_argmin']}; max {result['landscape_max']:.3g}"
)

# %%
# Thm 7: the gradient variance falls exponentially with d and the norm
# --------------------------------------------------------------------
# Panels (b) and (c) are exact: the gradient of Eq. (2) at a point ``v`` with
# ``||v|| = ||w*||``, averaged over a uniformly random direction of ``w*``. At
# ``d = 200`` and ``||w*|| = 2`` the variance is about ``1e-66``: no
# finite-precision gradient method can see ``w*``. Thm 7's bound (dashed, drawn for
# ``d >= 40`` where its proof applies) is valid but loose: its ``exp(-d/20)`` term
# with constant 40 dominates at these sizes.
for key, value in result.items():
    if key.startswith("eq2_log10_variance"):
        print(f"{key}: {value:.1f}")

# %%
# A ReLU target keeps its gradient signal
# ---------------------------------------
# Panel (d) takes one ReLU neuron as the model and compares the target
# ``cos(2 pi w*^T x)`` with ``relu(w*^T x)``, ``||w*|| = 3``, by Monte Carlo with
# fresh inputs per target (the Monte Carlo noise is subtracted; intervals are
# 95%). The ReLU target's variance does not decay with ``d``; the periodic one is
# indistinguishable from zero at the Monte Carlo resolution, below the bound of
# Thm 7 wherever that bound is non-trivial, while the ReLU target's exceeds it.
# The bound is not monotone in ``d``: its Fourier term ``eps(r)`` is small only
# when ``r = ||w*|| / 2`` exceeds the radius ``sqrt(d) / (4 pi)`` where the
# Gaussian's Fourier mass sits, so at ``||w*|| = 3`` it is non-trivial around
# ``d = 200`` and vacuous again at ``d = 400`` (``POLYNN_FULL=1``).
for d, ratio in result["relu_over_cos_upper_ratio"].items():
    print(f"d={d}: relu variance / cos upper 95% limit = {ratio:.0f}")

# %%
# The figure
# ----------
img = plt.imread(result["png"])
fig, ax = plt.subplots(figsize=(16, 4.2))
ax.imshow(img)
ax.axis("off")
plt.show()
