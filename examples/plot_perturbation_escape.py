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
whenever the loss stops improving and keeps it only if the error decreases. We
start it at the Lemma 5.7 point with real and with complex weights. Set
``POLYNN_FULL=1`` (or run ``python -m sklearn_polynn reproduce
andoni-perturbation``) for 200 trials per setting instead of 40.
"""

# %%
# Run both experiments
# --------------------
import os
import tempfile

import matplotlib.pyplot as plt

from sklearn_polynn.reproductions.andoni_perturbation import run

FULL = os.environ.get("POLYNN_FULL") == "1"
result = run(tempfile.mkdtemp(), full=FULL, random_state=0, verbose=0)

# %%
# Fraction of single perturbations that lower the error
# -----------------------------------------------------
# Complex perturbations help in a constant fraction of trials at every scale;
# real ones essentially never do (the few successes at the smallest scale come
# from the sampling noise of the finite training set).
for row in result["rows"]:
    print(
        f"{row['weights']:<7} scale {row['scale']:<5g} lowered the error in "
        f"{row['fraction_lowered']:.2f} of {row['trials']} trials"
    )

# %%
# Gradient descent from the critical point
# ----------------------------------------
# With complex weights the first kept perturbation lets Adam leave the critical
# point and fit the target; with real weights every perturbation is rejected and
# training stops where it started.
for weights, summary in result["escape"].items():
    print(
        f"{weights:<7} loss {summary['first_loss']:.3g} -> {summary['final_loss']:.3g}"
        f", perturbations kept {summary['perturbations_kept']} of "
        f"{summary['perturbations_tried']}"
    )

fig, ax = plt.subplots(figsize=(11, 4))
ax.imshow(plt.imread(result["png"]))
ax.axis("off")
plt.show()
