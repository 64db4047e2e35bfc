"""
===================================================================
Random complex features: error against hidden units (Andoni et al.)
===================================================================

Theorems 3.1 and 4.1 of Andoni, Panigrahy, Valiant & Zhang (2014): a two-layer
network whose bottom layer is random complex weights ``w_i ~ C(1/sqrt(n))^n``,
kept fixed, and whose top layer is trained learns any degree-``d`` polynomial
once the number of hidden units ``m`` is large enough. Here
:class:`~sklearn_polynn.RandomFeaturePolynomialRegressor` fits random sparse
quadratics and cubics for a range of ``m`` and the test error is plotted against
``m`` (log-log) for three bottom layers, next to the error of the explicit top
layer ``T_{p,r}(w_i)/m`` constructed in the proof of Thm 3.1
(:func:`~sklearn_polynn.representation_weights`), which uses no data at all.

The same code runs at a larger scale (``n = 20``, ``m`` up to 4000) with
``POLYNN_FULL=1`` or ``python -m sklearn_polynn reproduce andoni-random-features``;
by default this example uses ``n = 8`` and runs in seconds.
"""

# %%
# Fit the top layer for each number of units
# -------------------------------------------
import os
import tempfile

import matplotlib.pyplot as plt

from sklearn_polynn.reproductions.random_features_vs_m import run

FULL = os.environ.get("POLYNN_FULL") == "1"
output_dir = tempfile.mkdtemp()
result = run(output_dir, full=FULL, random_state=0, verbose=0)

# %%
# Test error against m
# --------------------
# The truncated activation ``phi_d`` spans exactly the polynomials of degree
# ``<= d``: the error collapses to round-off once ``2m`` reaches their number
# ``C(n + d, d)`` (dotted line). ``exp`` spans every degree and needs many more
# units (Thm 3.1 asks for ``m = O(n^{2d})``); a smaller ``weight_scale`` damps
# the degrees above ``d`` by ``r^k`` and helps a lot. The explicit weights of the
# proof have error decaying like ``1/m`` (eq. 3.2 of the paper).
image = plt.imread(result["png"])
fig, ax = plt.subplots(figsize=(11, 4.2))
ax.imshow(image)
ax.axis("off")
plt.show()

# %%
# Log-log slopes
# --------------
# Slope of ``log(error)`` against ``log(m)`` and the error at the largest ``m``.
for label, summary in result["slopes"].items():
    print(
        f"{label:<34} slope {summary['slope']:7.2f}   "
        f"error at max m {summary['error_at_max_m']:.2e}"
    )
