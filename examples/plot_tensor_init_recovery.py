"""
============================================================================
Tensor initialization + GD recover a one-hidden-layer network (Zhong et al.)
============================================================================

Figure 1 of Zhong, Song, Jain, Bartlett & Dhillon (2017). A teacher network
``y = sum_i v_i phi(w_i^T x)`` with ``k = 5`` squared-ReLU units, ``W* = U Sigma
V^T`` (condition number 2), random signs ``v_i`` and Gaussian inputs is recovered
by :class:`~sklearn_polynn.TensorInitOneHiddenLayer`: the method-of-moments
tensor initialization (Algorithm 1) lands close to ``W*`` and recovers ``v*``
exactly, and gradient descent then converges linearly (Algorithm 2).

The panels show:

* (a) the recovery rate over dimension ``d`` and sample size ``N``;
* (b) the error of the tensor initialization alone;
* (c) the objective during gradient descent from the tensor initialization,
  from a random initialization of both layers, and from random ``W`` with the
  true ``v``.

By default this example runs a small grid (well under a minute); with
``POLYNN_FULL=1`` (or ``python -m sklearn_polynn reproduce zhong-fig1a`` and
``zhong-fig1c``) it runs the paper's grid ``d = 10..100``, ``N = 1000..10000``
with 10 trials per cell.
"""

# %%
# Recovery rate over d x N (Fig. 1a)
# ----------------------------------
# A trial succeeds when every ``w*_j`` is recovered to relative error 0.01
# (best permutation) and ``v`` exactly.
import os
import tempfile

import matplotlib.pyplot as plt

from sklearn_polynn.reproductions import zhong_fig1a, zhong_fig1c

FULL = os.environ.get("POLYNN_FULL") == "1"
output_dir = tempfile.mkdtemp()
fig1a = zhong_fig1a.run(output_dir, full=FULL, random_state=0, verbose=0)
for d, rates in zip(fig1a["d_values"], fig1a["rates"]):
    cells = "  ".join(f"N={n}: {rate:.2f}" for n, rate in zip(fig1a["n_values"], rates))
    print(f"d = {d:3d}  {cells}")

fig, ax = plt.subplots(figsize=(6, 5))
ax.imshow(plt.imread(fig1a["png"]))
ax.axis("off")
plt.show()

# %%
# Tensor initialization error and gradient descent (Fig. 1b, 1c)
# --------------------------------------------------------------
# Left: mean error of the initialization alone (red cells: some trial got a
# wrong sign in ``v``). Right: the objective per iteration at ``d = 10``,
# ``N = 10000``.
fig1c = zhong_fig1c.run(output_dir, full=FULL, random_state=0, verbose=0)
for label, loss in fig1c["final_loss"].items():
    print(f"{label:<34} final objective {loss:.3g}")

fig, ax = plt.subplots(figsize=(11, 4.5))
ax.imshow(plt.imread(fig1c["png"]))
ax.axis("off")
plt.show()
