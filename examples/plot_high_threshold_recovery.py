"""
==========================================================================
Recovering the lowest layer of a deep network with high-threshold units
==========================================================================

ICLR 2019 submission "Recovering the Lowest Layer of Deep Networks with High
Threshold Activations". The target is a deep network
``f(x) = P(relu(w_1^T x - t), ..., relu(w_d^T x - t))`` with Gaussian inputs,
an unknown monotone polynomial ``P`` for the upper layers (linear terms plus
small pairwise products) and a high threshold ``t``.
:class:`~sklearn_polynn.HighThresholdLayerRecovery` recovers the directions
``w_i`` with the landscape-design loss of Ge, Lee & Ma (Sec. 2), refines them
with RefineEstimate / EstimateTanAlpha (Sec. 2.1), then fits ``P``.

The panels show:

* (a) recovery error against the threshold at a fixed sample size;
* (b) the angle of each direction per refinement step, with Thm 5's
  ``(1 - c/n)^T`` rate;
* (c) prediction on held-out data, against ``MLPRegressor``.

By default this example runs ``n = 20``, ``d = 3`` with 200k samples (about
two minutes on two cores); with ``POLYNN_FULL=1`` (or ``python -m
sklearn_polynn reproduce high-threshold``) it runs ``n = 50``, ``d = 5`` with
one million samples and three seeds.
"""

# %%
# First, one fit: the recovered directions and the fitted polynomial
# ------------------------------------------------------------------
import math
import os
import tempfile

import matplotlib.pyplot as plt

from sklearn_polynn import HighThresholdLayerRecovery
from sklearn_polynn.datasets import make_high_threshold_network
from sklearn_polynn.metrics import parameter_recovery_error
from sklearn_polynn.reproductions import high_threshold

FULL = os.environ.get("POLYNN_FULL") == "1"
n, d = 20, 3
t = math.sqrt(2 * math.log(n))  # t = sqrt(2 eta log n) with eta = 1
X, y, truth = make_high_threshold_network(
    250_000, n, d, t, upper="monotone", return_truth=True, random_state=0
)
X_train, y_train, X_test, y_test = X[:200_000], y[:200_000], X[200_000:], y[200_000:]
est = HighThresholdLayerRecovery(n_hidden=d, threshold=t, random_state=0)
est.fit(X_train, y_train)
error, matching = parameter_recovery_error(truth.hidden_weights, est.hidden_weights_)
print(f"max ||w* - w|| = {error:.3f}, test R^2 = {est.score(X_test, y_test):.4f}")
# the first d monomials are the single units, in the order of the columns
print("linear coefficients of P, true:  ", truth.upper_coef[:d].round(3))
print("linear coefficients of P, fitted:", est.upper_coef_[:d][matching].round(3))

# %%
# The three panels
# ----------------
# Left: the landscape loss alone degrades at ``t = 0`` (the product terms of
# ``P`` are as large as the linear ones) and again at very high ``t`` (too few
# samples fire); refinement needs ``t > 0`` and enough samples near ``t``.
# Middle: refinement shrinks the angle geometrically. Right: held-out fit.
output_dir = tempfile.mkdtemp()
result = high_threshold.run(output_dir, full=FULL, random_state=0, verbose=0)
for method, threshold, seed, angle in result["errors"]:
    print(f"{method:<20} t = {threshold:4.2f} seed {seed}: max angle {angle:.3f}")
print(f"Thm 5 rate fitted: c = {result['refine_rate_c']:.2f}")
for name, seconds, r2 in result["prediction"]:
    print(f"{name:<28} test R^2 {r2:.4f}, fit {seconds:.1f} s")

fig, ax = plt.subplots(figsize=(15, 4.5))
ax.imshow(plt.imread(result["png"]))
ax.axis("off")
plt.show()
