"""
=====================================================================
Complex two-layer networks learn sparse polynomials (Andoni et al.)
=====================================================================

Figure 1 of Andoni, Panigrahy, Valiant & Zhang (2014): a two-layer network with
complex weights and ``5n`` hidden units, both layers trained by (Wirtinger)
gradient descent, learns a random ``n``-sparse quadratic or cubic polynomial of
``n`` Gaussian variables; the training error drops sharply after a number of
iterations that grows with ``n``.

The same code runs at paper scale (``n`` = 10, 20, 40, 80) with
``POLYNN_FULL=1`` or ``python -m sklearn_polynn reproduce andoni-fig1``; by
default this example uses ``n`` = 5 and 10 so it runs in well under a minute.
"""

# %%
# Fit the networks
# ----------------
# One network per degree and ``n``; the two smallest ``n`` are also fitted with
# the bottom layer frozen at its random initialisation (``train="top"``, the
# setting of Thm 4.1) and the same number of units. The training set is five
# times the number of real parameters ``10 n (n + 1)``: with fewer samples the
# full network overfits.
import os
import tempfile

import matplotlib.pyplot as plt

from sklearn_polynn.reproductions.andoni_fig1 import run

FULL = os.environ.get("POLYNN_FULL") == "1"
output_dir = tempfile.mkdtemp()
result = run(output_dir, full=FULL, random_state=0, verbose=0)

# %%
# Training error per iteration
# ----------------------------
image = plt.imread(result["png"])
fig, ax = plt.subplots(figsize=(11, 4))
ax.imshow(image)
ax.axis("off")
plt.show()

# %%
# Full network versus top layer only
# ----------------------------------
# Final relative mean squared errors (``MSE / Var y``) on the training set and
# on 5000 fresh samples. With the same ``5n`` units, training only the top layer
# (a random-feature model) cannot fit the polynomial; training both layers can.
header = f"{'degree':>6} {'n':>4} {'units':>5} {'train':>5} {'N':>6} {'iters':>5}"
print(header + f" {'rel. train MSE':>15} {'rel. test MSE':>14}")
for row in result["rows"]:
    print(
        f"{row['degree']:>6} {row['n']:>4} {row['n_hidden']:>5} {row['train']:>5} "
        f"{row['n_train']:>6} {row['iterations']:>5} {row['rel_train_mse']:>15.4f} "
        f"{row['rel_test_mse']:>14.4f}"
    )
