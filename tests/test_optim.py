"""The shared gradient-descent loop: steps, stopping, plateaus, divergence, verbose."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning

from sklearn_polynn._optim import (
    Adam,
    EarlyStopping,
    GradientDescent,
    early_stopping_split,
    make_optimizer,
    minimize,
    validation_split,
)


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


def test_line_search_at_a_critical_point_calls_the_plateau_hook():
    # At a critical point (zero gradient) Armijo finds no descent step: that is
    # a plateau, so the Thm 5.1 perturbation hook must run instead of stopping.
    starts = []

    def on_plateau(params, best):
        starts.append(float(params["p"][0]))
        return {"p": np.array([3.0])} if len(starts) == 1 else None

    res = minimize(
        _quadratic(np.zeros(1)),
        {"p": np.zeros(1)},  # the minimum: gradient exactly 0
        make_optimizer("gd", "auto"),
        max_iter=200,
        tol=1e-12,
        n_iter_no_change=50,
        on_plateau=on_plateau,
    )
    assert starts[0] == 0.0 and len(starts) == 2  # called at once, then after 3.0
    assert res.status == "converged"
    assert_allclose(res.params["p"], 0.0, atol=1e-6)


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


def test_unknown_solver_lists_the_choices():
    with pytest.raises(
        ValueError, match="solver must be one of 'gd', 'adam', 'lbfgs'; got 'sgd'"
    ):
        make_optimizer("sgd", 0.1)
    with pytest.raises(ValueError, match="learning_rate='auto'.*solver='gd'"):
        make_optimizer("adam", "auto")


def test_divergence_warning_names_step_and_data_scale():
    with pytest.warns(
        ConvergenceWarning, match="learning_rate=5.0 is too large.*scale"
    ):
        minimize(
            _quadratic(np.ones(2)),
            {"p": np.zeros(2)},
            GradientDescent(5.0),
            max_iter=100,
            tol=0.0,
        )
    with pytest.warns(ConvergenceWarning, match="not finite at the starting"):
        res = minimize(
            _quadratic(np.ones(2)),
            {"p": np.full(2, np.inf)},
            GradientDescent(0.1),
            max_iter=100,
        )
    assert res.status == "diverged" and res.n_iter == 0


def _ill_conditioned(scale):
    """E(p) = 0.5 sum c_i (p_i - 1)^2 with curvatures c = scale * (1, 0.1)."""
    c = scale * np.array([1.0, 0.1])
    calls = []

    def loss_grad(params, batch):
        calls.append(1)
        r = params["p"] - 1.0
        return 0.5 * float(np.sum(c * r * r)), {"p": c * r}

    return loss_grad, calls


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e4])
def test_auto_step_converges_at_any_curvature_and_never_increases(scale):
    loss_grad, calls = _ill_conditioned(scale)
    res = minimize(
        loss_grad,
        {"p": np.zeros(2)},
        make_optimizer("gd", "auto"),
        max_iter=5000,
        tol=0.0,
        n_iter_no_change=5,
    )
    assert res.status == "converged"
    assert_allclose(res.params["p"], 1.0, atol=1e-6)
    assert np.all(np.diff(res.loss_curve) <= 0)
    # the accepted trial's evaluation is reused: ~1.3 calls per iteration
    assert len(calls) < 2 * res.n_iter + 20
    if scale == 1e4:  # a fixed step of the default size diverges there
        with pytest.warns(ConvergenceWarning, match="diverged"):
            minimize(
                loss_grad,
                {"p": np.zeros(2)},
                GradientDescent(0.02),
                max_iter=100,
                tol=0.0,
            )


def test_auto_step_on_complex_parameters():
    target = np.array([1 + 2j, -1j])
    res = minimize(
        _quadratic(target),
        {"p": np.zeros(2, complex)},
        make_optimizer("gd", "auto"),
        max_iter=1000,
        tol=1e-14,
    )
    assert res.status == "converged"
    assert_allclose(res.params["p"], target, atol=1e-6)


@pytest.mark.parametrize("target", [np.array([1.0, -2.0]), np.array([1 + 2j, -1j])])
def test_lbfgs_solves_quadratics(target):
    res = minimize(
        _quadratic(target),
        {"p": np.zeros_like(target)},
        make_optimizer("lbfgs", 0.1),
        max_iter=100,
        tol=1e-12,
    )
    assert res.status == "converged"
    assert res.params["p"].dtype == target.dtype
    assert_allclose(res.params["p"], target, atol=1e-8)
    assert len(res.loss_curve) == res.n_iter <= 5


def _mixed_loss(params, batch):
    """A non-quadratic loss of a real matrix and a complex vector, with the
    package's gradients (Wirtinger descent direction for the complex one)."""
    W, z = params["W"], params["z"]
    u = np.tanh(W).sum(axis=0) + np.abs(z) ** 2 + (z * z).real + z.imag
    loss = 0.5 * float(np.sum(u * u)) + float(np.sum(W**3))
    gW = (1 - np.tanh(W) ** 2) * u[None, :] + 3 * W**2
    # u = |z|^2 + Re(z^2) + Im z = 2 Re(z)^2 + Im z:
    # dE/dRe z + i dE/dIm z = u (4 Re z + i)
    gz = u * (4 * z.real + 1j)
    return loss, {"W": gW, "z": gz}


def test_lbfgs_real_gradient_matches_finite_differences():
    from sklearn_polynn._optim import _ParamVector

    rng = np.random.RandomState(0)
    params = {
        "W": rng.standard_normal((2, 3)),
        "z": rng.standard_normal(3) + 1j * rng.standard_normal(3),
    }
    vector = _ParamVector(params)
    x = vector.flatten(params)
    assert x.shape == (6 + 2 * 3,)
    grad = vector.flatten(_mixed_loss(vector.unflatten(x), None)[1])
    eps = 1e-6
    numeric = np.array(
        [
            (
                _mixed_loss(vector.unflatten(x + eps * e), None)[0]
                - _mixed_loss(vector.unflatten(x - eps * e), None)[0]
            )
            / (2 * eps)
            for e in np.eye(x.size)
        ]
    )
    assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)
    for key in params:
        assert_allclose(vector.unflatten(x)[key], params[key], rtol=0)


def test_lbfgs_curve_verbose_and_maxiter_warning(capsys):
    loss_grad, _ = _ill_conditioned(1.0)
    curve = [7.0]
    with pytest.warns(
        ConvergenceWarning, match=r"maximum iterations \(1\).*L-BFGS-B: STOP"
    ):
        res = minimize(
            loss_grad,
            {"p": np.zeros(2)},
            make_optimizer("lbfgs", None),
            max_iter=1,
            tol=0.0,
            loss_curve=curve,
            verbose=1,
            estimator_name="Toy",
        )
    assert res.status == "max_iter" and res.n_iter == 1
    assert res.loss_curve is curve and len(curve) == 2 and curve[1] < 0.55
    assert "Iteration 2, loss = " in capsys.readouterr().out


def test_lbfgs_rejects_minibatches_and_restarts_on_plateau():
    with pytest.raises(ValueError, match="mini-batches are not supported"):
        minimize(
            _quadratic(np.ones(1)),
            {"p": np.zeros(1)},
            make_optimizer("lbfgs", 0),
            max_iter=5,
            batches=lambda it: [0],
        )
    calls = []

    def on_plateau(params, best):
        calls.append(float(params["p"][0]))
        return None if len(calls) == 2 else {"p": params["p"] + 1.0}

    res = minimize(
        _quadratic(np.zeros(1)),
        {"p": np.ones(1)},
        make_optimizer("lbfgs", 0),
        max_iter=100,
        tol=1e-12,
        on_plateau=on_plateau,
    )
    assert len(calls) == 2 and res.status == "converged"
    assert_allclose(calls, 0.0, atol=1e-6)


def test_lbfgs_line_search_failure_warns_with_scipy_message():
    def wrong_gradient(params, batch):  # the gradient points uphill
        r = params["p"] - 1.0
        return float(r @ r), {"p": -2 * r}

    with pytest.warns(ConvergenceWarning, match="L-BFGS-B stopped.*ABNORMAL"):
        res = minimize(
            wrong_gradient,
            {"p": np.zeros(2)},
            make_optimizer("lbfgs", 0),
            max_iter=50,
            tol=1e-12,
        )
    assert res.status == "failed"


def test_lbfgs_keeps_parameters_in_their_namespace():
    xps = pytest.importorskip("array_api_strict")
    device = xps.Device("device1")
    target = xps.asarray([1.0, -2.0], device=device)
    seen = []

    def loss_grad(params, batch):
        p = params["p"]
        seen.append((type(p), p.device))
        r = p - target
        return float(xps.sum(r * r)), {"p": 2 * r}

    res = minimize(
        loss_grad,
        {"p": xps.zeros(2, dtype=xps.float64, device=device)},
        make_optimizer("lbfgs", 0),
        max_iter=20,
        tol=1e-12,
    )
    assert all(t is type(target) and d == device for t, d in seen)
    assert res.params["p"].device == device
    assert_allclose(
        np.asarray(res.params["p"].to_device(xps.Device("CPU_DEVICE"))),
        [1.0, -2.0],
        atol=1e-8,
    )


# ------------------------------------------------------------------ early stopping
def _overfit_problem():
    """Training loss ``(p - 1)^4`` pulls p to 1 over many iterations (every
    solver); the held-out score peaks at p = 0.5 on the way."""

    def loss_grad(params, batch):
        r = params["p"] - 1.0
        return float(np.sum(r**4)), {"p": 4 * r**3}

    def score(params):
        return -float((params["p"][0] - 0.5) ** 2)

    return loss_grad, score


@pytest.mark.parametrize("solver", ["gd", "adam", "lbfgs"])
def test_early_stopping_restores_the_best_validation_parameters(solver):
    loss_grad, score = _overfit_problem()
    validation = EarlyStopping(score, n_iter_no_change=5, tol=0.0)
    # L-BFGS-B's first step has unit length: from -1 it lands at 0, not at 1
    start = -1.0 if solver == "lbfgs" else 0.0
    res = minimize(
        loss_grad,
        {"p": np.full(1, start)},
        make_optimizer(solver, 0.1),
        max_iter=500,
        tol=0.0,
        n_iter_no_change=1000,
        validation=validation,
    )
    assert res.status == "converged"
    best = int(np.argmax(validation.scores))
    assert validation.best_score == max(validation.scores)
    assert_allclose(score(res.params), validation.best_score, rtol=0, atol=0)
    # it stopped n_iter_no_change iterations after the best one
    assert len(validation.scores) == best + 1 + 5 == res.n_iter
    # the training loss kept falling after the best iteration: a real restore
    assert res.loss_curve[-1] < res.loss_curve[best]
    assert abs(res.params["p"][0] - 0.5) < 0.3


def test_early_stopping_counts_tol_like_mlp():
    # scores rise by 1e-3 per step: tol=1e-2 counts every step as no improvement
    loss_grad = _quadratic(np.ones(1))
    values = iter(np.arange(100) * 1e-3)
    validation = EarlyStopping(lambda p: next(values), n_iter_no_change=4, tol=1e-2)
    res = minimize(
        loss_grad,
        {"p": np.zeros(1)},
        GradientDescent(1e-3),
        max_iter=50,
        tol=0.0,
        n_iter_no_change=1000,
        validation=validation,
    )
    # start scored 0.0 (not recorded); 4 steps of +1e-3 < tol stop the run
    assert res.n_iter == 4 and validation.scores == pytest.approx(
        [1e-3, 2e-3, 3e-3, 4e-3]
    )
    assert validation.best_score == pytest.approx(4e-3)  # best kept even if < tol


def test_early_stopping_at_max_iter_still_restores_and_warns():
    loss_grad, score = _overfit_problem()
    validation = EarlyStopping(score, n_iter_no_change=100, tol=0.0)
    with pytest.warns(ConvergenceWarning, match="maximum iterations"):
        res = minimize(
            loss_grad,
            {"p": np.zeros(1)},
            GradientDescent(0.1),
            max_iter=20,
            tol=0.0,
            validation=validation,
        )
    assert res.status == "max_iter"
    assert_allclose(score(res.params), validation.best_score)


def test_non_finite_validation_score_is_no_improvement():
    loss_grad = _quadratic(np.ones(1))
    validation = EarlyStopping(lambda p: float("nan"), n_iter_no_change=3, tol=0.0)
    res = minimize(
        loss_grad,
        {"p": np.zeros(1)},
        GradientDescent(0.1),
        max_iter=50,
        validation=validation,
    )
    assert res.n_iter == 3 and validation.scores == [-np.inf] * 3
    assert_allclose(res.params["p"], 0.0)  # the start is the fallback


def test_validation_split_is_reproducible_and_disjoint():
    a = validation_split(50, 0.1, np.random.RandomState(3))
    b = validation_split(50, 0.1, np.random.RandomState(3))
    c = validation_split(50, 0.1, np.random.RandomState(4))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[1], c[1])
    train, val = a
    assert len(val) == 5 and len(train) == 45  # ceil, as train_test_split
    assert np.array_equal(np.sort(np.concatenate([train, val])), np.arange(50))


@pytest.mark.parametrize("n, fraction", [(10, 0.01), (10, 0.95), (3, 0.5)])
def test_validation_split_too_small_part_is_a_clear_error(n, fraction):
    with pytest.raises(ValueError, match="validation_fraction=.*at least 2"):
        validation_split(n, fraction, np.random.RandomState(0), "Toy")


def _split(early_stopping, n=40, **kw):
    kw = {"overfit": True, "n_samples": n, **kw}
    rng = np.random.RandomState(0)
    return early_stopping_split(
        early_stopping, 0.1, rng=rng, estimator_name="Toy", **kw
    )


def test_early_stopping_split_auto_rule_and_forced_errors():
    assert _split(False) is None
    assert _split("auto", overfit=False) is None
    train, val = _split("auto")
    assert len(val) == 4 and len(train) == 36
    assert _split(True, overfit=False) is not None  # True ignores the rule
    # Dask: "auto" off, True a clear error
    assert _split("auto", dask_input=True) is None
    with pytest.raises(ValueError, match="early_stopping=True is not supported"):
        _split(True, dask_input=True)
    # too few training rows for the fit (e.g. Algorithm 1's moments)
    assert _split("auto", min_train=37) is None
    assert _split("auto", min_train=36) is not None
    with pytest.raises(ValueError, match="leaving 36 training rows.*at least 37"):
        _split(True, min_train=37)


def test_early_stopping_split_needs_weight_in_both_parts():
    """A sample_weight with a positive sum can still be 0 on every held-out row
    (review finding: the fits crashed with an error about the weights)."""
    _, val = validation_split(40, 0.1, np.random.RandomState(0))
    weights = np.ones(40)
    weights[val] = 0.0
    assert _split("auto", weights=weights) is None
    with pytest.raises(ValueError, match="all have sample_weight 0"):
        _split(True, weights=weights)
    weights = np.zeros(40)
    weights[val] = 1.0
    assert _split("auto", weights=weights) is None
    assert _split("auto", weights=np.ones(40)) is not None
