"""
============================================================================
Tensor initialization + GD recover a one-hidden-layer network (Zhong et al.)
============================================================================

Figure 1 of Zhong, Song, Jain, Bartlett & Dhillon (2017). A teacher network
``y = sum_i v_i phi(w_i^T x)`` with ``k`` squared-ReLU units, ``W* = U Sigma
V^T`` (condition number 2), random signs ``v_i`` and Gaussian inputs is recovered
by :class:`~sklearn_polynn.TensorInitOneHiddenLayer`: the method-of-moments
tensor initialization (Algorithm 1) lands close to ``W*`` and recovers ``v*``
exactly, and gradient descent then converges linearly (Algorithm 2).

This example fits the estimator on data from
:func:`~sklearn_polynn.datasets.make_teacher_network`, measures the recovery
with :func:`~sklearn_polynn.metrics.parameter_recovery_error`, and draws a small
version of Fig. 1(a) (recovery rate over ``d`` and ``N``) and Fig. 1(c) (the
objective during gradient descent from the tensor and from a random start).
``python -m sklearn_polynn reproduce zhong-fig1a`` runs the paper's grid.
"""

# %%
# One fit
# -------
# ``return_truth=True`` returns the generating weights with the data, so the
# fitted ``hidden_weights_`` can be compared with them (best permutation of the
# hidden units, relative error of the worst one). The fits below run fixed
# budgets of gradient steps, so the ConvergenceWarning is silenced.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sklearn_polynn import TensorInitOneHiddenLayer
from sklearn_polynn.datasets import make_teacher_network
from sklearn_polynn.metrics import parameter_recovery_error

warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y, truth = make_teacher_network(
    5000, 10, 3, "squared_relu", return_truth=True, random_state=0
)
model = TensorInitOneHiddenLayer(n_hidden=3, max_iter=2000, random_state=0)
model.fit(X, y)

init_error, _ = parameter_recovery_error(
    truth.hidden_weights, model.init_hidden_weights_
)
error, matching = parameter_recovery_error(truth.hidden_weights, model.hidden_weights_)
print(f"tensor initialization alone: relative error {init_error:.3f}")
print(f"after {model.n_iter_} gradient steps:  relative error {error:.2e}")
print(
    "output weights recovered exactly:",
    bool(np.array_equal(model.output_weights_[matching], truth.output_weights)),
)

# %%
# Recovery rate over d x N (Fig. 1a, small)
# -----------------------------------------
# A trial succeeds when every ``w*_j`` is recovered to relative error 0.01 (the
# paper's criterion). Each cell is the fraction of 2 seeds that succeed.
d_values, n_values, seeds = [5, 10], [250, 500, 1000, 2000], [0, 1]
rates = np.zeros((len(d_values), len(n_values)))
for i, d in enumerate(d_values):
    for j, n in enumerate(n_values):
        for seed in seeds:
            X, y, truth = make_teacher_network(
                n, d, 3, return_truth=True, random_state=seed
            )
            net = TensorInitOneHiddenLayer(n_hidden=3, max_iter=1000, random_state=seed)
            net.fit(X, y)
            err, _ = parameter_recovery_error(truth.hidden_weights, net.hidden_weights_)
            rates[i, j] += (err <= 0.01) / len(seeds)

fig, ax = plt.subplots(figsize=(5.5, 3.2), layout="constrained")
image = ax.imshow(rates, origin="lower", cmap="viridis", vmin=0, vmax=1, aspect="auto")
for (i, j), rate in np.ndenumerate(rates):  # the rate, readable on any color
    ax.text(
        j,
        i,
        f"{rate:.1f}",
        ha="center",
        va="center",
        color="black" if rate > 0.5 else "white",
    )
ax.set_xticks(range(len(n_values)), n_values)
ax.set_yticks(range(len(d_values)), d_values)
ax.set_xlabel("number of samples N")
ax.set_ylabel("dimension d")
ax.set_title("Recovery rate, k = 3 squared ReLU units")
fig.colorbar(image, ax=ax, label="fraction of successful trials")
plt.show()

# %%
# Gradient descent from the tensor and from a random start (Fig. 1c)
# ------------------------------------------------------------------
# ``loss_curve_`` holds the objective at every gradient step. From the tensor
# initialization it decreases linearly (a straight line on a log scale) right
# away; from a random start (``init="random"``) it stalls far above it here,
# as in the paper.
X, y = make_teacher_network(5000, 10, 3, random_state=1)
fig, ax = plt.subplots(figsize=(5.5, 3.2), layout="constrained")
for init in ["tensor", "random"]:
    net = TensorInitOneHiddenLayer(
        n_hidden=3, init=init, max_iter=600, tol=0.0, random_state=1
    ).fit(X, y)
    ax.semilogy(net.loss_curve_, label=f'init="{init}"')
ax.set_xlabel("gradient step")
ax.set_ylabel("training objective")
ax.legend()
plt.show()
