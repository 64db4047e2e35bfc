"""
=====================================================================
Complex two-layer networks learn sparse polynomials (Andoni et al.)
=====================================================================

Figure 1 of Andoni, Panigrahy, Valiant & Zhang (2014): a two-layer network with
complex weights and ``5n`` hidden units, both layers trained by (Wirtinger)
gradient descent, learns a random ``n``-sparse quadratic or cubic polynomial of
``n`` Gaussian variables; the training error drops sharply after a number of
iterations that grows with ``n``.

This example fits :class:`~sklearn_polynn.ComplexTwoLayerRegressor` on data from
:func:`~sklearn_polynn.datasets.make_sparse_polynomial` for ``n = 5`` and
``n = 10`` and plots the training curves (``loss_curve_``) and the held-out
error. ``python -m sklearn_polynn reproduce andoni-fig1`` runs the paper's
``n = 10 .. 80``.
"""

# %%
# Fit 5n complex units to an n-sparse quadratic
# ---------------------------------------------
# The relative mean squared error divides by the variance of the target, so 1 is
# the constant predictor and 0 a perfect fit. The fits run a fixed budget of
# iterations, so the ConvergenceWarning is silenced.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from sklearn_polynn import ComplexTwoLayerRegressor
from sklearn_polynn.datasets import make_sparse_polynomial

warnings.filterwarnings("ignore", category=ConvergenceWarning)

curves = {}
for degree in [2, 3]:
    for n in [5, 10]:
        X, y = make_sparse_polynomial(4000, n, degree=degree, random_state=n)
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.5, random_state=0
        )
        model = ComplexTwoLayerRegressor(
            n_hidden=5 * n, learning_rate=0.02, max_iter=400, random_state=0
        ).fit(X_train, y_train)
        test_error = np.mean((model.predict(X_test) - y_test) ** 2) / np.var(y_test)
        curves[degree, n] = 2 * np.asarray(model.loss_curve_)
        print(
            f"degree {degree}, n = {n:2d}, {5 * n} units: "
            f"relative test MSE {test_error:.4f} after {model.n_iter_} iterations"
        )

# %%
# Training curves
# ---------------
# ``loss_curve_`` is the training objective per iteration, computed on the
# standardized target ``(y - mean) / std``: half the relative MSE (doubled in
# the plot, so 1 is the constant predictor). The larger ``n``, the later the
# error drops. The occasional spikes are Adam overshooting at this fixed
# learning rate; it recovers within a few iterations.
fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True, layout="constrained")
for ax, degree in zip(axes, [2, 3]):
    for n in [5, 10]:
        ax.semilogy(curves[degree, n], label=f"n = {n}, {5 * n} units")
    ax.set_title(f"{'quadratic' if degree == 2 else 'cubic'}, n-sparse")
    ax.set_xlabel("iteration")
    ax.legend()
axes[0].set_ylabel("relative training MSE")
plt.show()
