"""The shared gradient-descent loop: steps, stopping, plateaus, divergence, verbose."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning

from sklearn_polynn._optim import Adam, GradientDescent, make_optimizer, minimize


def _quadratic(target):
    """E(p) = |p - target|^2; descent gradient 2 (p - target) = 2 dE/d(conj p)."""

    def loss_grad(params, batch):
        r = params["p"] - target
        return float(np.sum((r * r.conj()).real)), {"p": 2 * r}

    return loss_grad


@pytest.mark.parametrize("target", [np.array([1.0, -2.0]), np.array([1 + 2j, -1j])])
@pytest.mark.parametrize("solver", ["gd", "adam"])
def test_converges_on_real_and_complex_quadratics(target, solver):
    # Adam oscillates around the optimum at a constant step: looser tolerance
    lr, patience, atol = (0.1, 10, 1e-5) if solver == "gd" else (0.01, 200, 1e-3)
    res = minimize(
        _quadratic(target),
        {"p": np.zeros_like(target)},
        make_optimizer(solver, lr),
        max_iter=20000,
        tol=1e-14,
        n_iter_no_change=patience,
    )
    assert res.status == "converged"
    assert_allclose(res.params["p"], target, atol=atol)
    assert res.loss_curve[0] > res.loss_curve[-1]


def test_gd_loss_curve_is_monotone_and_geometric():
    res = minimize(
        _quadratic(np.ones(3)),
        {"p": np.zeros(3)},
        GradientDescent(0.1),
        max_iter=20,
        tol=0.0,
        n_iter_no_change=100,
        warn_max_iter=False,
    )
    curve = np.array(res.loss_curve)
    # exact contraction factor (1 - 2 lr)^2 = 0.64 per step
    assert_allclose(curve[1:] / curve[:-1], 0.64, rtol=1e-12)
    assert res.n_iter == 20 and res.status == "max_iter"


def test_max_iter_warns_and_verbose_prints(capsys):
    with pytest.warns(ConvergenceWarning, match="maximum iterations \\(3\\)"):
        minimize(
            _quadratic(np.ones(2)),
            {"p": np.zeros(2)},
            GradientDescent(0.01),
            max_iter=3,
            verbose=1,
            estimator_name="Toy",
        )
    out = capsys.readouterr().out
    assert "Iteration 1, loss = 2.00000000" in out and "Iteration 3" in out


def test_divergence_restores_best_parameters_and_warns():
    with pytest.warns(ConvergenceWarning, match="Lower learning_rate"):
        res = minimize(
            _quadratic(np.ones(2)),
            {"p": np.zeros(2)},
            GradientDescent(5.0),
            max_iter=100,
            tol=0.0,
        )
    assert res.status == "diverged"
    assert np.all(np.isfinite(res.params["p"]))
    assert_allclose(res.params["p"], 0.0)  # the start had the lowest loss


def test_plateau_callback_can_continue_or_stop():
    calls = []

    def on_plateau(params, best):
        calls.append(best)
        return None if len(calls) == 2 else {"p": params["p"] + 1.0}

    res = minimize(
        _quadratic(np.zeros(1)),
        {"p": np.ones(1)},
        GradientDescent(0.5),
        max_iter=100,
        tol=1e-12,
        n_iter_no_change=3,
        on_plateau=on_plateau,
    )
    assert len(calls) == 2 and res.status == "converged"
    assert_allclose(res.params["p"], 0.0)  # GD(0.5) solves the quadratic in a step


def test_minibatches_and_continued_loss_curve():
    seen = []

    def loss_grad(params, batch):
        seen.append(batch)
        return _quadratic(np.ones(1))(params, batch)

    curve = [10.0]
    res = minimize(
        loss_grad,
        {"p": np.zeros(1)},
        Adam(0.1),
        max_iter=2,
        tol=0.0,
        batches=lambda it: [(it, 0), (it, 1)],
        loss_curve=curve,
        warn_max_iter=False,
    )
    assert seen == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert res.loss_curve is curve and len(curve) == 3


def test_params_are_not_modified_in_place():
    start = {"p": np.zeros(2)}
    minimize(
        _quadratic(np.ones(2)),
        start,
        make_optimizer("adam", 0.1),
        max_iter=5,
        warn_max_iter=False,
    )
    assert_allclose(start["p"], 0.0)


def test_unknown_solver():
    with pytest.raises(ValueError, match="solver must be 'gd' or 'adam'"):
        make_optimizer("lbfgs", 0.1)
