"""
===================================================================
Random complex features: error against hidden units (Andoni et al.)
===================================================================

Theorems 3.1 and 4.1 of Andoni, Panigrahy, Valiant & Zhang (2014): a two-layer
network whose bottom layer is random complex weights ``w_i ~ C(1/sqrt(n))^n``,
kept fixed, and whose top layer is trained learns any degree-``d`` polynomial
once the number of hidden units ``m`` is large enough.

Here :class:`~sklearn_polynn.RandomFeaturePolynomialRegressor` fits a random
sparse quadratic of ``n = 8`` variables for a range of ``m``, with the
exponential activation and with the truncated exponential ``phi_d`` of Thm 3.1,
and the test error is plotted against ``m``, next to the error of the explicit
top layer ``T_{p,r}(w_i)/m`` of the proof of Thm 3.1
(:func:`~sklearn_polynn.representation_weights`), which uses no data at all.
``python -m sklearn_polynn reproduce andoni-random-features`` runs ``n = 20``
and ``m`` up to 4000.
"""

# %%
# Fit the top layer for a range of widths
# ---------------------------------------
# ``n_components`` is the number of hidden units ``m``; ``weight_scale`` the
# radius ``r`` of the complex weights; ``activation="truncated"`` with
# ``degree=d`` is ``phi_d``, the Taylor polynomial of ``exp`` of degree ``d``.
import math

import matplotlib.pyplot as plt
import numpy as np

from sklearn_polynn import (
    ComplexRandomFeatures,
    RandomFeaturePolynomialRegressor,
    representation_weights,
)
from sklearn_polynn.datasets import make_sparse_polynomial

n, degree = 8, 2
m_values = [10, 25, 50, 100, 200, 400]
X, y = make_sparse_polynomial(4000, n, degree=degree, random_state=0)
X_train, y_train, X_test, y_test = X[:3000], y[:3000], X[3000:], y[3000:]


def relative_error(prediction, target):
    return np.mean((prediction - target) ** 2) / np.var(target)


errors = {"exp": [], "truncated phi_2": []}
for m in m_values:
    for label, activation in [("exp", "exp"), ("truncated phi_2", "truncated")]:
        model = RandomFeaturePolynomialRegressor(
            n_components=m,
            activation=activation,
            degree=degree,
            weight_scale=1 / math.sqrt(n),
            alpha=1e-8,
            random_state=0,
        ).fit(X_train, y_train)
        errors[label].append(relative_error(model.predict(X_test), y_test))
for label, values in errors.items():
    print(label, " ".join(f"m={m}: {e:.2g}" for m, e in zip(m_values, values)))

# %%
# The explicit top layer of Thm 3.1
# ---------------------------------
# On the complex unit circle (``distribution="circle"``: the inputs are angles
# ``theta`` and the network sees ``x = exp(i theta)``) the proof writes down the
# top layer for a given random bottom layer: ``representation_weights`` takes the
# polynomial (``truth``) and the bottom layer (``hidden_weights_`` of a fitted
# :class:`~sklearn_polynn.ComplexRandomFeatures`). No training data is used; the
# error falls like ``1/m``.
Xc, yc, truth = make_sparse_polynomial(
    2000, n, degree=degree, distribution="circle", return_truth=True, random_state=0
)
errors["Thm 3.1 explicit"] = []
for m in m_values:
    features = ComplexRandomFeatures(
        n_components=m,
        activation="exp",
        weight_scale=1 / math.sqrt(n),
        domain="circle",
        random_state=0,
    ).fit(Xc)
    W = features.hidden_weights_
    alpha = representation_weights(truth, W)
    prediction = (np.exp(np.exp(1j * Xc) @ W) @ alpha).real
    errors["Thm 3.1 explicit"].append(relative_error(prediction, yc))

# %%
# Error against m
# ---------------
# The dotted line is ``2m = C(n + d, d)``, the number of monomials of degree at
# most ``d``: each complex unit carries two real features. With ``phi_d`` the
# fit is exact (down to rounding, drawn at 1e-16) as soon as ``2m`` exceeds it;
# with ``exp`` the terms of degree above ``d`` leave an error that shrinks with
# ``m``.
fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
for label, values in errors.items():
    style = "--" if label.startswith("Thm") else "-o"
    ax.loglog(m_values, np.maximum(values, 1e-16), style, label=label, markersize=4)
ax.axvline(math.comb(n + degree, degree) / 2, color="gray", lw=0.8, ls=":")
ax.set_xlabel("hidden units m")
ax.set_ylabel("relative test MSE")
ax.set_title(f"sparse quadratic, n = {n}")
ax.grid(True, which="both", alpha=0.3)
ax.legend()
plt.show()
