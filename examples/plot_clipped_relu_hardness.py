"""
=======================================================================
Clipped ReLU sums: hard on one input distribution, easy on another
=======================================================================

Shamir (2018), Thm 5: a network ``h(x) = [sum_i [<w_i, x>]_+]_[0,1]`` with
``n_d = omega(log d)`` linearly independent ReLUs cannot be learned in polynomial
time by any linearly invariant algorithm under *every* input distribution (under a
hardness assumption on refuting random K-SAT). The hard distributions are
intersections of halfspaces on the Boolean cube, which
:func:`~sklearn_polynn.datasets.make_clipped_relu_network` builds
(``distribution="boolean"``). On Gaussian inputs networks of the same size are
learned without trouble: the hardness is *distribution specific*.

We train :class:`~sklearn_polynn.ComplexTwoLayerRegressor` and scikit-learn's
``MLPRegressor`` with ``N = 100 d`` samples and ``n_d = ceil(2 ln d)`` units on
the Boolean clipped-ReLU problem and on a Gaussian ReLU teacher network
(:func:`~sklearn_polynn.datasets.make_teacher_network`), and report the test
``R^2`` (0 is the constant predictor). ``python -m sklearn_polynn reproduce
shamir-thm5`` runs ``d`` up to 320.
"""

# %%
# The two problems, two learners
# ------------------------------
# The fits run fixed iteration budgets, so the ConvergenceWarning is silenced.
import math
import warnings

import matplotlib.pyplot as plt
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

from sklearn_polynn import ComplexTwoLayerRegressor
from sklearn_polynn.datasets import make_clipped_relu_network, make_teacher_network

warnings.filterwarnings("ignore", category=ConvergenceWarning)


def problem(kind, d, seed):
    k = max(2, math.ceil(2 * math.log(d)))  # n_d = ceil(2 ln d) hidden ReLUs
    n = 100 * d + 1000
    if kind == "boolean":
        X, y = make_clipped_relu_network(
            n, d, k, distribution="boolean", random_state=seed
        )
    else:
        X, y = make_teacher_network(n, d, k, "relu", random_state=seed)
    return X[:-1000], y[:-1000], X[-1000:], y[-1000:]


learners = {
    "ComplexTwoLayerRegressor": lambda: ComplexTwoLayerRegressor(
        n_hidden=32, max_iter=200, random_state=0
    ),
    "MLPRegressor": lambda: MLPRegressor(
        hidden_layer_sizes=(64,), max_iter=200, early_stopping=True, random_state=0
    ),
}
dims = [10, 20, 30]
r2 = {}
for kind in ["teacher", "boolean"]:
    for d in dims:
        X_train, y_train, X_test, y_test = problem(kind, d, seed=d)
        for name, make in learners.items():
            score = make().fit(X_train, y_train).score(X_test, y_test)
            r2.setdefault((name, kind), []).append(score)
            print(f"{kind:<8} d = {d:3d}  {name:<25} test R^2 {score:6.3f}")

# %%
# Test R^2 against d
# ------------------
# On Gaussian teachers both learners stay near ``R^2 = 1``; on the Boolean
# clipped-ReLU networks ``R^2`` falls quickly as ``d`` grows (to about 0.1 at
# the ``d = 320`` of the full reproduction).
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True, layout="constrained")
for ax, name in zip(axes, learners):
    for kind, label in [
        ("teacher", "Gaussian ReLU teacher"),
        ("boolean", "Boolean clipped ReLU (Thm 5)"),
    ]:
        ax.plot(dims, r2[name, kind], "o-", label=label)
    ax.axhline(0.0, color="k", lw=0.8, ls="--")
    ax.set(xlabel="d  (N = 100 d)", title=name, xticks=dims)
    ax.legend()
axes[0].set_ylabel("test R^2")
plt.show()
