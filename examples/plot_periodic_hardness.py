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

This example draws Fig. 2 with
:func:`~sklearn_polynn.hardness.objective_landscape` (closed form), computes the
gradient variance of Eq. (2) *exactly* with
:func:`~sklearn_polynn.hardness.gradient_variance` (``method="quadrature"``)
next to Thm 7's bound (:func:`~sklearn_polynn.hardness.periodic_gradient_bound`),
and contrasts a periodic target with a ReLU target by Monte Carlo.
``python -m sklearn_polynn reproduce shamir-fig2`` runs finer grids and more
Monte Carlo samples.
"""

# %%
# Fig. 2: the objective is flat away from the minima
# --------------------------------------------------
# ``objective_landscape`` evaluates ``F`` on a grid over ``[-3, 3]^2``; ``loss``
# uses the ``np.meshgrid`` layout.
import matplotlib.pyplot as plt
import numpy as np

from sklearn_polynn.hardness import (
    gradient_variance,
    objective_landscape,
    periodic_gradient_bound,
)

land = objective_landscape("cos", weight=(2.0, 2.0), grid=121, extent=3.0)
print(f"loss: min {land.loss.min():.2g}, max {land.loss.max():.3g}")

# %%
# Thm 7: the gradient variance falls exponentially with d
# -------------------------------------------------------
# The variance over a uniformly random direction of ``w*`` (``||w*|| = norm``) of
# the gradient at a point ``v`` with ``||v|| = ||w*||``, computed exactly by
# quadrature (``log10_variance``: the values are far below double precision).
# The bound of Thm 7 takes the gradient's second moment; it is drawn for
# ``d >= 40``, where its proof applies: valid, and loose at these sizes.
rng = np.random.RandomState(0)
dims = [2, 5, 10, 20, 40, 100, 200]
exact_curves = {}
for norm in [1.0, 2.0]:
    exact, bound = [], []
    for d in dims:
        v = rng.standard_normal(d)
        v *= norm / np.linalg.norm(v)
        result = gradient_variance(v, "cos", norm=norm, method="quadrature")
        exact.append(result.log10_variance)
        G2 = result.gradient_second_moment
        bound.append(np.log10(periodic_gradient_bound(G2, d, norm)))
    exact_curves[norm] = (exact, bound)
    print(f"|w*| = {norm:g}: log10 variance at d = {dims[-1]}: {exact[-1]:.1f}")

# %%
# A ReLU target keeps its gradient signal
# ---------------------------------------
# The model is one ReLU neuron (``activation="relu"``); the targets are
# ``cos(2 pi w*^T x)`` and ``relu(w*^T x)`` with ``||w*|| = 3``, by Monte Carlo
# with fresh inputs per target. ``ci`` is the 95% interval; a periodic target's
# variance is indistinguishable from zero, so its upper limit is drawn.
mc_dims = [10, 50, 200]
monte_carlo = {}
for target in ["relu", "cos"]:
    estimate, upper = [], []
    for d in mc_dims:
        v = rng.standard_normal(d)
        v /= np.linalg.norm(v)
        result = gradient_variance(
            v,
            target,
            activation="relu",
            norm=3.0,
            n_targets=40,
            n_samples=2000,
            random_state=0,
        )
        estimate.append(result.variance)
        upper.append(result.ci[1])
    monte_carlo[target] = (estimate, upper)
    values = ", ".join(f"d={d}: {e:.2g}" for d, e in zip(mc_dims, estimate))
    print(f"{target} target, gradient variance: {values}")

# %%
# The figure
# ----------
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), layout="constrained")
image = axes[0].contourf(land.w1, land.w2, land.loss, levels=30, cmap="viridis")
fig.colorbar(image, ax=axes[0], label="F(w)")
axes[0].plot([2, -2], [2, -2], "r+", markersize=10, label="+-w*")
axes[0].set(xlabel="w_1", ylabel="w_2", title="(a) Eq. (2), w* = (2, 2)")
axes[0].legend(loc="lower right")

big = np.asarray(dims) >= 40
for norm, (exact, bound) in exact_curves.items():
    (line,) = axes[1].plot(dims, exact, "o-", label=f"|w*| = {norm:g}")
    axes[1].plot(
        np.asarray(dims)[big], np.asarray(bound)[big], "--", color=line.get_color()
    )
axes[1].set(
    xscale="log",
    xlabel="d",
    ylabel="log10 Var grad",
    title="(b) exact variance (dashed: Thm 7 bound)",
)
axes[1].legend()

axes[2].loglog(mc_dims, monte_carlo["relu"][0], "o-", label="relu target")
axes[2].loglog(
    mc_dims, monte_carlo["cos"][1], "v--", label="cos target: upper 95% limit"
)
axes[2].set(xlabel="d", ylabel="Var grad", title="(c) ReLU neuron: cos vs ReLU")
axes[2].legend()
plt.show()
