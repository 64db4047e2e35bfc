"""
==================================================================
Complex perturbations escape critical points, real ones do not
==================================================================

Andoni, Panigrahy, Valiant & Zhang (2014) show that a two-layer network with
complex weights has no robust local minima in a large region of weight space: a
random complex perturbation of the hidden weights lowers the error with constant
probability (Thm 5.1). With real weights this fails (Lemma 5.7): at the point
``w_i = 0``, ``alpha_i = 1/m``, with a truncated-exponential activation, inputs
uniform on ``[-1, 1]^n`` and the target ``f = g(0) - sum_j L2(x_j)``, the
gradient is zero and a random real perturbation increases the error with high
probability.

:class:`~sklearn_polynn.ComplexTwoLayerRegressor` tries such a perturbation
whenever the loss stops improving (``perturbation="auto"``) and keeps it only if
the error decreases; ``perturbations_`` records each attempt. This example
starts it at the Lemma 5.7 point (``init=(hidden_weights, output_weights)``)
with ``weights="complex"`` and ``weights="real"``. ``python -m sklearn_polynn
reproduce andoni-perturbation`` runs 200 trials per setting.
"""

# %%
# The critical point of Lemma 5.7
# -------------------------------
# ``L2`` is the Legendre polynomial ``(3 x^2 - 1) / 2``; ``g(0) = 1``.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sklearn_polynn import ComplexTwoLayerRegressor

warnings.filterwarnings("ignore", category=ConvergenceWarning)

n, m = 5, 20
rng = np.random.RandomState(0)
X = rng.uniform(-1.0, 1.0, (4000, n))
y = 1.0 - ((3.0 * X**2 - 1.0) / 2.0).sum(axis=1)
critical_point = (np.zeros((n, m)), np.full(m, 1.0 / m))


def network(weights, **params):
    return ComplexTwoLayerRegressor(
        n_hidden=m,
        init=critical_point,
        weights=weights,
        activation="truncated",
        degree=4,
        **params,
    )


# %%
# One random perturbation, many trials
# ------------------------------------
# With ``max_iter=2`` and ``tol=1.0`` the loss "stops improving" at once, so the
# fit tries exactly one perturbation (``max_perturbations=1``) of size
# ``perturbation_scale / sqrt(n)`` and records the loss before and after it.
scales, trials = [0.03, 0.1, 0.3, 1.0], 20
lowered = {"complex": [], "real": []}
for weights in lowered:
    for scale in scales:
        changes = []
        for seed in range(trials):
            model = network(
                weights,
                perturbation_scale=scale,
                solver="gd",
                learning_rate=0.05,
                max_iter=2,
                tol=1.0,
                n_iter_no_change=1,
                max_perturbations=1,
                random_state=seed,
            ).fit(X, y)
            (record,) = model.perturbations_
            changes.append(record["loss_after"] < record["loss_before"])
        lowered[weights].append(float(np.mean(changes)))
    rates = ", ".join(f"{s:g}: {r:.2f}" for s, r in zip(scales, lowered[weights]))
    print(f"{weights:<7} fraction of perturbations lowering the error: {rates}")

# %%
# Gradient descent with perturbations at plateaus
# -----------------------------------------------
# The full fit: Adam from the critical point, a perturbation whenever the loss
# plateaus. Dotted lines mark the perturbations that were kept. With real
# weights every perturbation is rejected (its bars on the left are at 0) and
# the fit stops at the critical point once its 20 attempts are spent.
curves = {}
for weights in ["complex", "real"]:
    model = network(
        weights,
        perturbation_scale=0.1,
        max_iter=600,
        tol=1e-6,
        n_iter_no_change=20,
        max_perturbations=20,
        random_state=0,
    ).fit(X, y)
    kept = [p["iteration"] for p in model.perturbations_ if p["accepted"]]
    curves[weights] = (model.loss_curve_, kept)
    print(
        f"{weights}: loss {model.loss_curve_[0]:.3f} -> {model.loss_curve_[-1]:.3g}, "
        f"{model.n_perturbations_} perturbations tried, {len(kept)} kept"
    )

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
width = 0.38
for k, (weights, rates) in enumerate(lowered.items()):
    bars = ax1.bar(
        np.arange(len(scales)) + (k - 0.5) * width, rates, width, label=weights
    )
    ax1.bar_label(bars, fmt="%.2f", fontsize=8)  # a 0 bar is otherwise invisible
ax1.set_xticks(np.arange(len(scales)), [f"{s:g}" for s in scales])
ax1.set_xlabel("perturbation scale (units of 1/sqrt(n))")
ax1.set_ylabel("fraction of perturbations lowering the error")
ax1.set_ylim(0, 1)
ax1.legend(title="weights")
for weights, (curve, kept) in curves.items():
    (line,) = ax2.semilogy(np.arange(1, len(curve) + 1), curve, label=weights)
    for iteration in kept:
        ax2.axvline(iteration, color=line.get_color(), ls=":", alpha=0.6)
ax2.set_xlabel("iteration")
ax2.set_ylabel("training loss")
ax2.legend(title="weights")
plt.show()
