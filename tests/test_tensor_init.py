"""Tests for TensorInitOneHiddenLayer (Zhong et al. 2017, Algorithms 1 and 2)."""

import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline

from sklearn_polynn import TensorInitOneHiddenLayer, WhiteningTransformer
from sklearn_polynn.datasets import make_teacher_network
from sklearn_polynn.metrics import parameter_recovery_error
from sklearn_polynn.tensor_init import gradient_descent


def _teacher(n, d, k, activation="squared_relu", seed=0, **kwargs):
    return make_teacher_network(
        n, d, k, activation, random_state=seed, return_truth=True, **kwargs
    )


def _fit(X, y, **params):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*N\\(0, I\\)")  # Gaussian input
        return TensorInitOneHiddenLayer(**params).fit(X, y)


def _assert_paper_success(model, truth, init_bound=0.3):
    """Sec. 7: max_j ||w*_j - w_pi(j)|| / ||w*_j|| <= 0.01 and v exact."""
    W, v = truth.hidden_weights, truth.output_weights
    init_error, init_match = parameter_recovery_error(W, model.init_hidden_weights_)
    error, matching = parameter_recovery_error(W, model.hidden_weights_)
    assert init_error < init_bound, init_error
    assert error <= 0.01, error
    assert_array_equal(model.init_output_weights_[init_match], v)
    assert_array_equal(model.output_weights_[matching], v)


# ------------------------------------------------------------- recovery
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_recovery_d10_k3(seed):
    X, y, truth = _teacher(10_000, 10, 3, seed=seed)
    model = _fit(X, y, n_hidden=3, max_iter=3000, random_state=seed)
    _assert_paper_success(model, truth)


def test_recovery_paper_setting_d20_k5():
    X, y, truth = _teacher(20_000, 20, 5, seed=0)
    model = _fit(X, y, n_hidden=5, max_iter=3000, random_state=0)
    _assert_paper_success(model, truth)
    assert model.score(X, y) > 0.99999


def test_recovery_without_resampling():
    # Sec. 7 of the paper: the same samples serve every moment; this is enough
    # at N = 4000 for d = 20, k = 5, where the 3-way split of Alg. 1 is not.
    X, y, truth = _teacher(4000, 20, 5, seed=0)
    model = _fit(X, y, n_hidden=5, max_iter=3000, resample=False, random_state=0)
    _assert_paper_success(model, truth, init_bound=0.5)


def test_gradient_descent_converges_linearly():
    # Theorem 4.4: ||W_t - W*||^2 shrinks by a constant factor per step, so the
    # log-loss falls on a straight line once in the local convexity region.
    X, y, _ = _teacher(10_000, 10, 3, seed=1)
    model = _fit(
        X, y, n_hidden=3, solver="gd", learning_rate=0.02, max_iter=3000, random_state=1
    )
    log_loss = np.log(np.asarray(model.loss_curve_))
    # From loss 1e-3 on, every 50-iteration window has a clearly negative slope
    # of comparable size: a geometric decrease at a (roughly) constant rate.
    start = int(np.argmax(log_loss < np.log(1e-3)))
    windows = [np.arange(s, s + 50) for s in range(start, len(log_loss) - 50, 50)]
    assert len(windows) >= 4
    slopes = np.array([np.polyfit(w, log_loss[w], 1)[0] for w in windows])
    assert np.all(slopes < -0.005), slopes
    assert slopes.min() > 5 * slopes.max(), slopes
    assert model.loss_curve_[-1] < 1e-7 * model.loss_curve_[0]


@pytest.mark.parametrize(
    "activation, learning_rate, fit_v",
    [("relu", 0.2, False), ("tanh", 1.0, True), ("erf", 0.5, True)],
)
def test_recovery_for_other_activations(activation, learning_rate, fit_v):
    # ReLU: M3 = 0 (P3 = M4(I, I, I, alpha)); tanh, erf: M2 = 0 (P2 from M3).
    X, y, truth = _teacher(8000, 10, 3, activation, seed=0)
    model = _fit(
        X,
        y,
        n_hidden=3,
        activation=activation,
        learning_rate=learning_rate,
        fit_output_weights=fit_v,
        max_iter=3000,
        random_state=0,
    )
    W, v = truth.hidden_weights, truth.output_weights
    if activation != "relu":  # odd: (v, w) and (-v, -w) are the same unit
        W, v = W * np.sign(v), np.abs(v)
        assert np.all(model.output_weights_ > 0)
    init_error, _ = parameter_recovery_error(W, model.init_hidden_weights_)
    error, matching = parameter_recovery_error(
        W, model.hidden_weights_, v, model.output_weights_
    )
    assert init_error < 1.0
    assert error <= 0.01


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_paper_random_alpha_is_offered_and_the_adaptive_default_is_closer(activation):
    # Def. 5.4's random alpha (tensor_alpha="random") against the default: ReLU
    # uses alpha in P3 = M4(I, I, I, alpha), tanh in P2 = M3(I, I, alpha).
    # Measured (d=10, k=3, N=20000, 6 seeds, median init error): ReLU 0.16
    # adaptive vs 0.43 random, tanh 0.15 vs 0.32.
    assert TensorInitOneHiddenLayer().tensor_alpha == "adaptive"
    errors = {}
    for mode in ("adaptive", "random"):
        errors[mode] = []
        for seed in range(3):
            X, y, truth = _teacher(20_000, 10, 3, activation, seed=seed)
            model = TensorInitOneHiddenLayer(
                n_hidden=3,
                activation=activation,
                tensor_alpha=mode,
                max_iter=1,
                random_state=seed,
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(X, y)
            # odd tanh: (v, w) and (-v, -w) are the same unit
            W = truth.hidden_weights * np.sign(truth.output_weights)
            W0 = model.init_hidden_weights_ * np.sign(model.init_output_weights_)
            errors[mode].append(parameter_recovery_error(W, W0)[0])
    assert max(errors["random"]) < 1.0, errors  # the paper's alpha also works
    assert np.median(errors["adaptive"]) < np.median(errors["random"]), errors


def test_tensor_init_beats_random_init():
    # Fig. 1(c): approach I (tensor init, GD on W) vs II (random W and v).
    for seed in range(3):
        X, y, _ = _teacher(10_000, 10, 5, seed=seed)
        params = {"n_hidden": 5, "max_iter": 300, "random_state": seed}
        params.update(solver="gd", learning_rate=0.02)  # the paper's GD
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            tensor = _fit(X, y, **params)
            random = _fit(X, y, init="random", fit_output_weights=True, **params)
        assert tensor.loss_curve_[-1] < 0.1 * random.loss_curve_[-1]
        assert tensor.loss_curve_[0] < random.loss_curve_[0]


def test_whitening_pipeline_recovers_weights_in_input_space():
    # x ~ N(0, Sigma): whitening makes the inputs N(0, I) and the teacher
    # W' = M^{-1} W*; input_space_weights maps the fit back (Shamir, Thm 4).
    rng = np.random.RandomState(0)
    A = rng.standard_normal((10, 10))
    cov = A @ A.T / 10 + 0.2 * np.eye(10)
    X, y, truth = _teacher(10_000, 10, 3, seed=0, input_covariance=cov)
    with pytest.warns(UserWarning, match="WhiteningTransformer"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            TensorInitOneHiddenLayer(n_hidden=3, max_iter=5, random_state=0).fit(X, y)
    pipe = make_pipeline(
        WhiteningTransformer(),
        TensorInitOneHiddenLayer(n_hidden=3, max_iter=3000, random_state=0),
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*N\\(0, I\\)")
        pipe.fit(X, y)
    whitener, model = pipe[0], pipe[1]
    W_in = whitener.input_space_weights(model.hidden_weights_)
    error, matching = parameter_recovery_error(truth.hidden_weights, W_in)
    assert error <= 0.01
    assert_array_equal(model.output_weights_[matching], truth.output_weights)
    assert pipe.score(X, y) > 0.99999


# ---------------------------------------------------------- API behaviour
def test_fitted_attributes_and_determinism():
    X, y, _ = _teacher(3000, 8, 2, seed=3)
    params = {"n_hidden": 2, "max_iter": 50, "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = TensorInitOneHiddenLayer(**params).fit(X, y)
        b = TensorInitOneHiddenLayer(**params).fit(X, y)
    assert a.hidden_weights_.shape == a.init_hidden_weights_.shape == (8, 2)
    assert a.output_weights_.shape == a.init_output_weights_.shape == (2,)
    assert len(a.loss_curve_) == a.n_iter_ <= 50
    assert_array_equal(a.hidden_weights_, b.hidden_weights_)
    # v stays fixed without fit_output_weights (Algorithm 2).
    assert_array_equal(a.output_weights_, a.init_output_weights_)
    assert a.predict(X[:7]).shape == (7,)
    clone = pickle.loads(pickle.dumps(a))
    assert_array_equal(clone.predict(X[:5]), a.predict(X[:5]))


def test_fit_output_weights_updates_v():
    X, y, _ = _teacher(3000, 8, 2, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = TensorInitOneHiddenLayer(
            n_hidden=2,
            init="random",
            fit_output_weights=True,
            max_iter=20,
            random_state=0,
        ).fit(X, y)
    assert not np.allclose(model.output_weights_, model.init_output_weights_)


def test_minibatch_float32_and_verbose(capsys):
    X, y, truth = _teacher(6000, 8, 2, seed=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = TensorInitOneHiddenLayer(
            n_hidden=2,
            solver="gd",
            batch_size=500,
            dtype="float32",
            max_iter=3,
            verbose=1,
            random_state=0,
        ).fit(X, y)
    assert model.hidden_weights_.dtype == np.float32
    assert "Iteration 3, loss = " in capsys.readouterr().out
    assert model.predict(X).dtype == np.float32


def test_convergence_warning_on_max_iter():
    X, y, _ = _teacher(3000, 8, 2, seed=0)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        TensorInitOneHiddenLayer(n_hidden=2, max_iter=2, random_state=0).fit(X, y)


def test_gradient_descent_with_true_output_weights():
    # Approach III of Fig. 1(c): v = v*, W random; the private GD entry point.
    X, y, truth = _teacher(5000, 8, 2, seed=0)
    rng = np.random.RandomState(0)
    from sklearn_polynn.activations import get_activation

    result = gradient_descent(
        X,
        y,
        rng.standard_normal((8, 2)) / np.sqrt(8),
        truth.output_weights,
        get_activation("squared_relu"),
        learning_rate=0.02,
        max_iter=5,
        tol=0.0,
        n_iter_no_change=10,
        fit_output_weights=False,
    )
    assert result.loss_curve[-1] < result.loss_curve[0]


# ---------------------------------------------------------------- bad input
def test_more_hidden_units_than_features():
    X, y, _ = _teacher(500, 3, 3, seed=0)
    with pytest.raises(ValueError, match="n_hidden must be <= n_features"):
        TensorInitOneHiddenLayer(n_hidden=4).fit(X, y)


def test_too_few_samples_for_the_three_way_split():
    X, y, _ = _teacher(8, 10, 2, seed=0)
    with pytest.raises(ValueError, match="at least 9 samples.*got 8 sample"):
        TensorInitOneHiddenLayer(n_hidden=2).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        TensorInitOneHiddenLayer(n_hidden=2, init="random", max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="at least 3 samples.*got 2 sample"):
        TensorInitOneHiddenLayer(n_hidden=2, resample=False).fit(X[:2], y[:2])


@pytest.mark.parametrize("activation", ["linear", "sign"])
def test_activation_failing_assumption_5_3(activation):
    from sklearn_polynn.activations import get_activation

    X, y, _ = _teacher(500, 4, 2, seed=0)
    with pytest.raises(ValueError, match="Assumption 5.3|degree 0"):
        TensorInitOneHiddenLayer(n_hidden=2, activation=get_activation(activation)).fit(
            X, y
        )


def test_sigmoid_is_refused_by_the_tensor_init_and_fits_from_random():
    # Issue 14: the sigmoid failed every time (error 1.1-1.4); it breaks item 4
    # of Assumption 5.3 (M_2 = M_4 = 0 but not odd), so it is refused by name.
    X, y, _ = _teacher(2000, 4, 2, activation="sigmoid", seed=0)
    with pytest.raises(ValueError, match="'sigmoid' fails Assumption 5.3, item 4"):
        TensorInitOneHiddenLayer(n_hidden=2, activation="sigmoid").fit(X, y)
    model = TensorInitOneHiddenLayer(
        n_hidden=2, activation="sigmoid", init="random", fit_output_weights=True
    )
    assert model.fit(X, y).score(X, y) > 0.9


def test_unknown_activation_name():
    X, y, _ = _teacher(500, 4, 2, seed=0)
    with pytest.raises(ValueError, match="activation"):
        TensorInitOneHiddenLayer(n_hidden=2, activation="cubic").fit(X, y)


@pytest.mark.parametrize("shift", ["mean", "scale"])
def test_non_gaussian_input_warns_once(shift):
    X, y, _ = _teacher(3000, 6, 2, seed=0)
    X = X + 2.0 if shift == "mean" else X * 3.0
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        TensorInitOneHiddenLayer(n_hidden=2, max_iter=2, random_state=0).fit(X, y)
    messages = [w for w in record if issubclass(w.category, UserWarning)]
    messages = [w for w in messages if "N(0, I)" in str(w.message)]
    assert len(messages) == 1
    assert "WhiteningTransformer" in str(messages[0].message)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_input(bad):
    X, y, _ = _teacher(500, 4, 2, seed=0)
    X[3, 1] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        TensorInitOneHiddenLayer(n_hidden=2).fit(X, y)
    X[3, 1] = 0.0
    y[5] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        TensorInitOneHiddenLayer(n_hidden=2).fit(X, y)


@pytest.mark.gpu
def test_cuda_matches_cpu():
    X, y, _ = _teacher(3000, 8, 2, seed=0)
    params = {"n_hidden": 2, "max_iter": 30, "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cpu = TensorInitOneHiddenLayer(**params).fit(X, y)
        gpu = TensorInitOneHiddenLayer(device="cuda", **params).fit(X, y)
    assert isinstance(gpu.hidden_weights_, np.ndarray)
    assert_allclose(gpu.hidden_weights_, cpu.hidden_weights_, rtol=1e-6, atol=1e-8)


# ------------------------------------------------- solver, steps, edge cases
def _correlated_teacher(n=9000, d=10, k=3, seed=0):
    """x ~ N(0, Sigma) with the eigenvalues of Sigma spread over [1, 20]."""
    rng = np.random.RandomState(seed)
    Q = np.linalg.qr(rng.standard_normal((d, d)))[0]
    cov = (Q * np.linspace(1.0, 20.0, d)) @ Q.T
    return _teacher(n, d, k, seed=seed, input_covariance=cov)


def test_default_pipeline_recovers_weights_on_correlated_inputs():
    # The paper's fixed step 0.02 diverges here; the default (L-BFGS-B) may not.
    X, y, truth = _correlated_teacher()
    fixed = make_pipeline(
        WhiteningTransformer(),
        TensorInitOneHiddenLayer(
            n_hidden=3, solver="gd", learning_rate=0.02, random_state=0
        ),
    )
    with pytest.warns(ConvergenceWarning, match="learning_rate=0.02 is too large"):
        fixed.fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no divergence, no max_iter warning
        # GD on the paper's model without bias: a trained intercept slows plain
        # GD (coupled to ||w||^2 through the mean of phi), not L-BFGS-B
        gd = {"solver": "gd", "learning_rate": "auto", "fit_intercept": False}
        for params in ({}, gd):
            pipe = make_pipeline(
                WhiteningTransformer(),
                TensorInitOneHiddenLayer(n_hidden=3, random_state=0, **params),
            )
            pipe.fit(X, y)
            W_in = pipe[0].input_space_weights(pipe[1].hidden_weights_)
            error, _ = parameter_recovery_error(truth.hidden_weights, W_in)
            bound = 1e-4 if not params else 1e-2  # GD(auto): linear, slower
            assert error < bound, (params, error)


def test_lbfgs_default_recovers_to_high_precision():
    X, y, truth = _teacher(10_000, 10, 3, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = TensorInitOneHiddenLayer(n_hidden=3, random_state=0).fit(X, y)
    error, _ = parameter_recovery_error(truth.hidden_weights, model.hidden_weights_)
    assert error < 2e-8, error
    assert model.n_iter_ == len(model.loss_curve_) < 200


@pytest.mark.parametrize("seed", [0, 1])
def test_relu_teacher_converges_within_default_max_iter(seed):
    X, y, truth = _teacher(10_000, 10, 3, "relu", seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = TensorInitOneHiddenLayer(
            n_hidden=3, activation="relu", random_state=seed
        ).fit(X, y)
    error, _ = parameter_recovery_error(truth.hidden_weights, model.hidden_weights_)
    assert error < 1e-3, error
    assert model.n_iter_ < model.max_iter


def test_large_targets_do_not_diverge():
    X, y, truth = _teacher(6000, 8, 2, seed=0)
    # GD on the paper's model without bias (see the docstring of fit_intercept)
    gd = {"solver": "gd", "learning_rate": "auto", "fit_intercept": False}
    for params in ({}, gd):
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            model = TensorInitOneHiddenLayer(n_hidden=2, random_state=0, **params).fit(
                X, 1e6 * y
            )
        # squared ReLU is 2-homogeneous: the teacher is W* * 1e3
        error, _ = parameter_recovery_error(
            1e3 * truth.hidden_weights, model.hidden_weights_
        )
        assert error < 1e-3, (params, error)


def test_constant_target_warns_that_there_is_no_bias():
    X = np.random.RandomState(0).standard_normal((600, 4))
    with pytest.warns(UserWarning, match="y is constant.*no bias") as record:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            TensorInitOneHiddenLayer(n_hidden=2, init="random", max_iter=3).fit(
                X, np.full(600, 3.0)
            )
    assert any(w.filename == __file__ for w in record)  # stacklevel: the caller


def test_warm_start_continues_from_the_previous_weights():
    X, y, truth = _teacher(3000, 8, 2, seed=3)
    params = {"n_hidden": 2, "solver": "gd", "learning_rate": 0.02}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        once = TensorInitOneHiddenLayer(max_iter=20, random_state=0, **params).fit(X, y)
        model = TensorInitOneHiddenLayer(
            max_iter=10, warm_start=True, tol=0.0, random_state=0, **params
        )
        model.fit(X, y)
        init = model.init_hidden_weights_.copy()
        model.fit(X, y)
    # 10 + 10 fixed-step iterations from the same init = 20 in one go
    assert_allclose(model.hidden_weights_, once.hidden_weights_, rtol=1e-12)
    assert_array_equal(model.init_hidden_weights_, init)
    assert len(model.loss_curve_) == model.n_iter_ == 20
    model.set_params(n_hidden=1)
    with pytest.raises(ValueError, match="warm_start=True continues"):
        model.fit(X, y)


@pytest.mark.parametrize("name", ["n_hidden", "max_iter", "n_projections"])
def test_bool_counts_are_rejected(name):
    X, y, _ = _teacher(600, 4, 2, seed=0)
    with pytest.raises(
        TypeError, match=rf"The '{name}' parameter of \w+ must be an int"
    ):
        TensorInitOneHiddenLayer(**{name: True}).fit(X, y)


def test_unknown_solver_and_lbfgs_minibatches():
    X, y, _ = _teacher(600, 4, 2, seed=0)
    with pytest.raises(ValueError, match="'solver' parameter"):
        TensorInitOneHiddenLayer(solver="sgd").fit(X, y)
    with pytest.raises(ValueError, match="solver='lbfgs' is full-batch"):
        TensorInitOneHiddenLayer(n_hidden=2, batch_size=100).fit(X, y)


def test_gd_resample_uses_a_fresh_part_per_iteration():
    # Algorithm 2: S_0 for the initialization, S_q for step q.
    X, y, truth = _teacher(30_000, 8, 2, seed=1)
    params = {"n_hidden": 2, "solver": "gd", "max_iter": 20, "tol": 0.0}
    model = TensorInitOneHiddenLayer(gd_resample=True, random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
        # the initialization saw S_0 only: the same seed, replayed on S_0
        rng = np.random.RandomState(0)
        s0 = np.sort(np.array_split(rng.permutation(len(y)), 21)[0])
        on_s0 = TensorInitOneHiddenLayer(random_state=rng, **params).fit(X[s0], y[s0])
    assert_allclose(model.init_hidden_weights_, on_s0.init_hidden_weights_)
    assert model.n_iter_ == len(model.loss_curve_) == 20
    init_error, _ = parameter_recovery_error(
        truth.hidden_weights, model.init_hidden_weights_
    )
    error, _ = parameter_recovery_error(truth.hidden_weights, model.hidden_weights_)
    assert error < 0.5 * init_error
    with pytest.raises(ValueError, match="gd_resample=True.*needs solver='gd'"):
        TensorInitOneHiddenLayer(n_hidden=2, gd_resample=True).fit(X, y)
    with pytest.raises(ValueError, match="max_iter \\+ 1 = 3001 parts"):
        TensorInitOneHiddenLayer(
            n_hidden=2, solver="gd", gd_resample=True, max_iter=3000
        ).fit(X[:3000], y[:3000])


@pytest.mark.array_api
@pytest.mark.parametrize(
    "params",
    [
        {"solver": "gd", "batch_size": 200},  # line search on xp.take batches
        {"solver": "gd", "learning_rate": 0.02, "warm_start": True},
        {"solver": "lbfgs"},
    ],
    ids=["gd-auto-minibatch", "gd-fixed-warm-start", "lbfgs"],
)
def test_local_search_on_array_api_strict_matches_numpy(params):
    import sklearn

    xps = pytest.importorskip("array_api_strict")
    device = xps.Device("device1")
    X, y, _ = _teacher(1000, 5, 2, seed=0)
    common = {"n_hidden": 2, "init": "random", "fit_output_weights": True}
    common.update(max_iter=10, random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = TensorInitOneHiddenLayer(**common).fit(X, y).fit(X, y)
        X_xp, y_xp = xps.asarray(X, device=device), xps.asarray(y, device=device)
        with sklearn.config_context(array_api_dispatch=True):
            model = TensorInitOneHiddenLayer(**common).fit(X_xp, y_xp).fit(X_xp, y_xp)
    assert model.hidden_weights_.device == device
    assert len(model.loss_curve_) == len(reference.loss_curve_)
    got = np.asarray(model.hidden_weights_.to_device(xps.Device("CPU_DEVICE")))
    assert_allclose(got, reference.hidden_weights_, rtol=1e-8, atol=1e-10)


def test_default_lbfgs_on_dask_matches_numpy():
    da = pytest.importorskip("dask.array")
    import dask

    X, y, truth = _teacher(4000, 6, 2, seed=0)
    params = {"n_hidden": 2, "random_state": 0}
    reference = TensorInitOneHiddenLayer(**params).fit(X, y)
    with dask.config.set(scheduler="synchronous"):
        model = TensorInitOneHiddenLayer(**params).fit(
            da.from_array(X, chunks=(1000, -1)), da.from_array(y, chunks=1000)
        )
    assert isinstance(model.hidden_weights_, np.ndarray)
    # L-BFGS-B amplifies the summation-order differences slightly
    assert_allclose(model.hidden_weights_, reference.hidden_weights_, rtol=1e-6)
    error, _ = parameter_recovery_error(truth.hidden_weights, model.hidden_weights_)
    assert error < 1e-7


@pytest.mark.array_api
@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("tensor_alpha", ["adaptive", "random"])
def test_tensor_init_alpha_on_array_api_strict_matches_numpy(activation, tensor_alpha):
    import sklearn

    xps = pytest.importorskip("array_api_strict")
    device = xps.Device("device1")
    X, y, _ = _teacher(3000, 5, 2, activation, seed=0)
    params = {"n_hidden": 2, "activation": activation, "tensor_alpha": tensor_alpha}
    params.update(max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = TensorInitOneHiddenLayer(**params).fit(X, y)
        X_xp, y_xp = xps.asarray(X, device=device), xps.asarray(y, device=device)
        with sklearn.config_context(array_api_dispatch=True):
            model = TensorInitOneHiddenLayer(**params).fit(X_xp, y_xp)
    got = np.asarray(model.init_hidden_weights_.to_device(xps.Device("CPU_DEVICE")))
    assert_allclose(got, reference.init_hidden_weights_, rtol=1e-8, atol=1e-10)


# ------------------------------------------------------------ n_hidden="auto"
@pytest.mark.parametrize("k", [3, 5, 7])
def test_auto_n_hidden_from_the_eigen_gap_of_p2(k):
    X, y, truth = _teacher(10_000, 20, k, seed=k)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # a clear gap: no warning
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = TensorInitOneHiddenLayer(n_hidden="auto", max_iter=200, random_state=0)
        model.fit(X, y)
    assert model.n_hidden_ == k
    assert model.hidden_weights_.shape == (20, k)
    spectrum = model.p2_spectrum_
    assert spectrum[k - 1] > 2.5 * spectrum[k]
    error, _ = parameter_recovery_error(truth.hidden_weights, model.hidden_weights_)
    assert error < 0.01


def test_auto_n_hidden_without_a_gap_warns_with_the_spectrum():
    rng = np.random.RandomState(0)
    X, y = rng.standard_normal((4000, 10)), rng.standard_normal(4000)
    model = TensorInitOneHiddenLayer(n_hidden="auto", max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.warns(
            UserWarning, match=r"no clear eigen-gap.*\|eigenvalues\|.*\["
        ):
            model.fit(X, y)
    assert 1 <= model.n_hidden_ < 5
    assert model.p2_spectrum_.shape == (10,)
    # an explicit n_hidden afterwards drops the stale spectrum
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.set_params(n_hidden=2).fit(X, y)
    assert model.n_hidden_ == 2 and not hasattr(model, "p2_spectrum_")


@pytest.mark.array_api
def test_auto_n_hidden_on_array_api_strict_matches_numpy():
    import sklearn

    xps = pytest.importorskip("array_api_strict")
    device = xps.Device("device1")
    X, y, _ = _teacher(3000, 8, 2, seed=0)
    params = {"n_hidden": "auto", "max_iter": 3, "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = TensorInitOneHiddenLayer(**params).fit(X, y)
        X_xp, y_xp = xps.asarray(X, device=device), xps.asarray(y, device=device)
        with sklearn.config_context(array_api_dispatch=True):
            model = TensorInitOneHiddenLayer(**params).fit(X_xp, y_xp)
    assert model.n_hidden_ == reference.n_hidden_ == 2
    assert_allclose(model.p2_spectrum_, reference.p2_spectrum_, rtol=1e-10)
    got = np.asarray(model.hidden_weights_.to_device(xps.Device("CPU_DEVICE")))
    assert_allclose(got, reference.hidden_weights_, rtol=1e-8, atol=1e-10)


# ------------------------------------------------- local strong convexity
@pytest.mark.parametrize("activation", ["relu", "squared_relu"])
def test_local_hessian_is_positive_definite_at_the_teacher(activation):
    from sklearn_polynn.tensor_init import local_hessian

    X, y, truth = _teacher(10_000, 10, 3, activation, seed=0)
    h = local_hessian(X, y, truth.hidden_weights, truth.output_weights, activation)
    assert h.hessian.shape == (30, 30)
    assert_allclose(h.hessian, h.hessian.T)
    assert h.min_eigenvalue > 1e-3 * h.max_eigenvalue > 0
    assert h.condition_number == pytest.approx(h.max_eigenvalue / h.min_eigenvalue)


def test_local_hessian_is_singular_for_a_linear_activation():
    # Remark 4.3: rho = 0 for phi(z) = z; the Hessian is rank deficient.
    from sklearn_polynn.tensor_init import local_hessian

    X, _, truth = _teacher(5000, 6, 2, seed=0)
    W, v = truth.hidden_weights, truth.output_weights
    h = local_hessian(X, X @ W @ v, W, v, "linear")
    assert abs(h.min_eigenvalue) < 1e-10 * h.max_eigenvalue
    assert h.condition_number == np.inf
    with pytest.raises(ValueError, match="hidden_weights of shape"):
        local_hessian(X, X @ W @ v, W.T, v, "linear")


@pytest.mark.parametrize("activation, seed", [("relu", 0), ("squared_relu", 1)])
def test_gd_rate_matches_the_local_condition_number(activation, seed):
    # Theorem 4.4: fixed step eta = 1/lambda_max, the loss contracts by
    # (1 - eta lambda_min)^2 per iteration. Measured: equal to 1e-4 relative.
    from sklearn_polynn.tensor_init import local_hessian

    X, y, truth = _teacher(10_000, 10, 3, activation, seed=seed)
    at_truth = local_hessian(
        X, y, truth.hidden_weights, truth.output_weights, activation
    )
    eta = 1.0 / at_truth.max_eigenvalue
    model = _fit(
        X,
        y,
        n_hidden=3,
        activation=activation,
        solver="gd",
        learning_rate=eta,
        tol=0.0,
        n_iter_no_change=10**6,
        max_iter=300,
        fit_intercept=False,  # Theorem 4.4's loss: the network without bias
        random_state=0,
    )
    fitted = local_hessian(
        X, y, model.hidden_weights_, model.output_weights_, activation
    )
    loss = np.asarray(model.loss_curve_)
    late = np.flatnonzero(loss > 1e-26)[-100:]
    measured = -np.log(loss[late[-1]] / loss[late[0]]) / (late[-1] - late[0])
    predicted = -2.0 * np.log(1.0 - eta * fitted.min_eigenvalue)
    assert 0.5 < measured / predicted < 2.0, (measured, predicted)
    assert fitted.condition_number > 5  # a non-trivial rate is being checked


# --------------------------------------------- Fig. 1(b) in zhong-fig1a
def test_fig1b_dark_block_rule_is_the_papers_sum_of_v():
    from sklearn_polynn.reproductions.zhong_fig1a import v_recovered

    assert v_recovered([1.0, -1.0, 1.0], [1.0, 1.0, -1.0])  # permutation-free
    assert not v_recovered([1.0, 1.0, 1.0], [1.0, 1.0, -1.0])


def test_fig1a_reproduction_draws_panel_b_from_the_same_trials(tmp_path):
    pytest.importorskip("matplotlib")
    from sklearn_polynn.reproductions import zhong_fig1a

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = zhong_fig1a.run(
            tmp_path,
            full=False,
            d_values=(10,),
            n_values=(300, 6000),
            n_trials=2,
            max_iter=20,
            verbose=0,
        )
    rows = result["rows"]
    assert result["init_errors"].shape == result["v_ok"].shape == (1, 2)
    for j, n in enumerate((300, 6000)):
        cell = [r for r in rows if r["N"] == n]
        assert result["init_errors"][0, j] == pytest.approx(
            np.mean([r["init_error"] for r in cell])
        )
        assert result["v_ok"][0, j] == all(r["init_v_sum_ok"] for r in cell)
    # Fig. 1(b): more samples, a smaller initialization error
    assert result["init_errors"][0, 1] < result["init_errors"][0, 0]
    assert (tmp_path / "zhong-fig1a.png").exists()


@pytest.mark.array_api
def test_local_hessian_on_array_api_strict_matches_numpy():
    from sklearn_polynn.tensor_init import local_hessian

    xps = pytest.importorskip("array_api_strict")
    device = xps.Device("device1")
    X, y, truth = _teacher(2000, 5, 2, seed=0)
    W, v = truth.hidden_weights * 1.1, truth.output_weights  # residual != 0
    reference = local_hessian(X, y, W, v)
    got = local_hessian(
        xps.asarray(X, device=device),
        xps.asarray(y, device=device),
        xps.asarray(W, device=device),
        xps.asarray(v, device=device),
    )
    assert_allclose(got.hessian, reference.hessian, rtol=1e-10, atol=1e-12)
    assert local_hessian(X.tolist(), y, W, v).min_eigenvalue == pytest.approx(
        reference.min_eigenvalue
    )


# ------------------------------------------------------------- sample_weight
def _weighted_and_repeated(activation, seed=0):
    """A noisy teacher, integer weights in {0, .., 3} and the repeated rows."""
    X, y = make_teacher_network(600, 6, 2, activation, noise=0.3, random_state=seed)
    weights = np.random.RandomState(seed + 1).randint(0, 4, size=X.shape[0])
    return X, y, weights, np.repeat(X, weights, axis=0), np.repeat(y, weights)


@pytest.mark.parametrize(
    "activation, params",
    [
        ("squared_relu", {}),
        ("relu", {}),
        ("squared_relu", {"n_hidden": "auto"}),
        ("squared_relu", {"solver": "gd", "max_iter": 30}),
        ("tanh", {"fit_output_weights": True}),  # least-squares magnitudes
    ],
    ids=["squared_relu", "relu", "auto-k", "gd", "tanh"],
)
def test_integer_sample_weight_equals_repeated_rows(activation, params):
    # resample=False: every moment of Alg. 1 (control variates and RecMagSign
    # included) and the loss are weighted means, so weights == repeated rows.
    X, y, weights, X_rep, y_rep = _weighted_and_repeated(activation)
    common = {"n_hidden": 2, "activation": activation, "resample": False}
    common.update({"random_state": 0, "max_iter": 200, **params})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted = TensorInitOneHiddenLayer(**common).fit(X, y, sample_weight=weights)
        repeated = TensorInitOneHiddenLayer(**common).fit(X_rep, y_rep)
        plain = TensorInitOneHiddenLayer(**common).fit(X, y)
    assert weighted.n_iter_ == repeated.n_iter_
    assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=1e-8)
    assert_allclose(weighted.predict(X), repeated.predict(X), rtol=1e-8, atol=1e-10)
    if activation != "tanh":  # tanh's (w, v) ~ (-w, -v) is a tie in the grid
        assert_allclose(
            weighted.init_hidden_weights_, repeated.init_hidden_weights_, atol=1e-10
        )
        assert_allclose(weighted.hidden_weights_, repeated.hidden_weights_, atol=1e-8)
    # ... and the weights matter: the unweighted fit is another model.
    assert np.abs(weighted.predict(X) - plain.predict(X)).max() > 1e-3


def test_unit_sample_weight_is_the_unweighted_fit():
    X, y, truth = _teacher(3000, 6, 2, seed=0)
    params = {"n_hidden": 2, "random_state": 0}  # resample=True: same split
    reference = TensorInitOneHiddenLayer(**params).fit(X, y)
    model = TensorInitOneHiddenLayer(**params).fit(
        X, y, sample_weight=np.full(X.shape[0], 2.5)
    )
    assert_allclose(model.init_hidden_weights_, reference.init_hidden_weights_)
    assert_allclose(model.hidden_weights_, reference.hidden_weights_, atol=1e-10)


def test_weighted_tensor_init_recovers_a_teacher_with_resampling():
    # resample=True keeps a weighted row whole in one part: a different but
    # equally valid split; the teacher is still recovered.
    X, y, truth = _teacher(10_000, 10, 3, seed=0)
    weights = np.random.RandomState(0).uniform(0.2, 3.0, size=X.shape[0])
    model = TensorInitOneHiddenLayer(n_hidden=3, random_state=0)
    model.fit(X, y, sample_weight=weights)
    init_error, _ = parameter_recovery_error(
        truth.hidden_weights, model.init_hidden_weights_
    )
    error, _ = parameter_recovery_error(truth.hidden_weights, model.hidden_weights_)
    assert init_error < 0.3, init_error
    assert error < 1e-6, error


def test_sklearn_sample_weight_checks_pass_without_resampling():
    from sklearn.utils import estimator_checks as checks

    # early_stopping=False: its held-out rows are a random split, as Alg. 1's
    estimator = TensorInitOneHiddenLayer(
        n_hidden=1, max_iter=20, resample=False, early_stopping=False, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the checks' data is not N(0, I)
        for check in (
            checks.check_sample_weight_equivalence_on_dense_data,
            checks.check_sample_weights_not_an_array,
            checks.check_sample_weights_list,
            checks.check_sample_weights_not_overwritten,
            checks.check_sample_weights_shape,
        ):
            check("TensorInitOneHiddenLayer", estimator)


@pytest.mark.parametrize(
    "sample_weight, error, match",
    [
        (np.ones(5), ValueError, "sample_weight.shape == \\(5,\\), expected \\(50,\\)"),
        (-np.ones(50), ValueError, "Negative values in data passed to `sample_weight`"),
        (np.zeros(50), ValueError, "at least one non-zero number"),
        (np.full(50, np.nan), ValueError, "Input sample_weight contains NaN"),
    ],
    ids=["shape", "negative", "all-zero", "nan"],
)
def test_bad_sample_weight(sample_weight, error, match):
    X, y, _ = _teacher(50, 4, 1, seed=0)
    with pytest.raises(error, match=match):
        TensorInitOneHiddenLayer(n_hidden=1).fit(X, y, sample_weight=sample_weight)


def test_sample_weight_on_dask_is_refused():
    da = pytest.importorskip("dask.array")
    X, y, _ = _teacher(200, 4, 1, seed=0)
    Xd, yd = da.from_array(X, chunks=(100, -1)), da.from_array(y, chunks=100)
    with pytest.raises(ValueError, match="sample_weight is not supported for dask"):
        TensorInitOneHiddenLayer(n_hidden=1).fit(Xd, yd, sample_weight=np.ones(200))


@pytest.mark.array_api
@pytest.mark.parametrize("weights_on", ["host", "CPU_DEVICE", "device1"])
def test_sample_weight_on_array_api_strict_matches_numpy(weights_on):
    import sklearn

    xps = pytest.importorskip("array_api_strict")
    device = xps.Device("device1")
    X, y, weights, _, _ = _weighted_and_repeated("squared_relu")
    given = weights
    if weights_on != "host":  # mixed inputs: weights on another device follow X
        given = xps.asarray(weights, dtype=xps.float64, device=xps.Device(weights_on))
    params = {"n_hidden": 2, "resample": False, "random_state": 0, "max_iter": 50}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = TensorInitOneHiddenLayer(**params).fit(X, y, sample_weight=weights)
        with sklearn.config_context(array_api_dispatch=True):
            model = TensorInitOneHiddenLayer(**params).fit(
                xps.asarray(X, device=device),
                xps.asarray(y, device=device),
                sample_weight=given,
            )
    assert model.hidden_weights_.device == device
    got = np.asarray(model.hidden_weights_.to_device(xps.Device("CPU_DEVICE")))
    assert_allclose(got, reference.hidden_weights_, rtol=1e-8, atol=1e-10)


# ------------------------------------------- defaults on real data (issue 16)
def test_default_n_hidden_is_min_5_n_features():
    X, y, _ = _teacher(600, 4, 2, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = TensorInitOneHiddenLayer(max_iter=5, random_state=0).fit(X, y)
    assert model.n_hidden_ == 4 and model.hidden_weights_.shape == (4, 4)
    X, y, _ = _teacher(600, 8, 2, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = TensorInitOneHiddenLayer(max_iter=5, random_state=0).fit(X, y)
    assert model.n_hidden_ == 5
    # an explicit n_hidden > n_features stays a clear error
    with pytest.raises(ValueError, match="n_hidden must be <= n_features"):
        TensorInitOneHiddenLayer(n_hidden=9).fit(X, y)


def test_intercept_is_trained_and_zero_on_the_teacher():
    X, y, truth = _teacher(6000, 6, 2, seed=0)
    shifted = _fit(X, y + 7.0, n_hidden=2, random_state=0)
    plain = _fit(X, y, n_hidden=2, fit_intercept=False, random_state=0)
    assert plain.intercept_ == 0.0
    assert abs(shifted.intercept_ - 7.0) < 1e-6  # the teacher's offset, exactly
    for model in (shifted, plain):
        error, _ = parameter_recovery_error(truth.hidden_weights, model.hidden_weights_)
        assert error < 1e-6
    assert_allclose(shifted.predict(X) - 7.0, plain.predict(X), atol=1e-5)


def test_intercept_fixes_the_default_on_friedman1():
    """Issue 16: the squared-ReLU units cannot carry a target mean of 14:
    without the offset the training R^2 itself is negative."""
    from sklearn.datasets import make_friedman1
    from sklearn.preprocessing import StandardScaler

    X, y = make_friedman1(400, noise=1.0, random_state=0)
    X = StandardScaler().fit_transform(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with_b = TensorInitOneHiddenLayer(random_state=0).fit(X, y)
        without = TensorInitOneHiddenLayer(fit_intercept=False, random_state=0)
        without.fit(X, y)
    assert with_b.score(X, y) > 0.7
    assert without.score(X, y) < 0.3


@pytest.mark.parametrize("solver", ["lbfgs", "gd"])
def test_early_stopping_keeps_the_best_held_out_weights(solver):
    from sklearn.metrics import r2_score

    from sklearn_polynn._optim import validation_split

    rng = np.random.RandomState(0)
    X = rng.standard_normal((300, 6))
    y = X[:, 0] ** 2 - X[:, 1] + 0.5 * rng.standard_normal(300)
    params = {"n_hidden": 4, "solver": solver, "early_stopping": True}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = TensorInitOneHiddenLayer(**params, random_state=0).fit(X, y)
        again = TensorInitOneHiddenLayer(**params, random_state=0).fit(X, y)
    _, held = validation_split(300, 0.1, np.random.RandomState(0))
    assert_allclose(
        r2_score(y[held], model.predict(X[held])),
        model.best_validation_score_,
        rtol=1e-8,
    )
    assert model.best_validation_score_ >= max(model.validation_scores_)
    assert len(model.validation_scores_) == model.n_iter_
    assert_allclose(again.hidden_weights_, model.hidden_weights_)


def test_early_stopping_auto_is_off_for_large_samples():
    X, y, _ = _teacher(2000, 6, 2, seed=0)
    model = _fit(X, y, n_hidden=2, random_state=0)
    assert model.validation_scores_ is None and model.best_validation_score_ is None
    X, y, _ = _teacher(30, 6, 2, seed=0)  # 5 (6 + 1) = 35 > 30 rows: on
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = TensorInitOneHiddenLayer(init="random", random_state=0).fit(X, y)
    assert model.validation_scores_ is not None


@pytest.mark.parametrize("fraction", [0.0, 1.0, 1.5])
def test_validation_fraction_out_of_range_is_rejected(fraction):
    X, y, _ = _teacher(100, 4, 2, seed=0)
    with pytest.raises(ValueError, match="validation_fraction"):
        TensorInitOneHiddenLayer(validation_fraction=fraction).fit(X, y)


def test_raw_friedman2_is_refused_with_advice_not_fitted_to_garbage():
    """Entries of X with RMS 540: before, training R^2 -5e19 (finite, useless)."""
    from sklearn.datasets import make_friedman2

    X, y = make_friedman2(400, noise=0.0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the N(0, I) warning
        est = TensorInitOneHiddenLayer(random_state=0)
        with pytest.raises(ValueError, match="worse than predicting the mean.*Stand"):
            est.fit(X, y)
    # the rejected model is not left behind as if fitted (review finding)
    assert not hasattr(est, "hidden_weights_") and not hasattr(est, "intercept_")


def test_default_early_stopping_keeps_the_samples_algorithm_1_needs():
    """15 rows, 4 features: the default n_hidden=4 overfits, but holding out
    10 % would leave 13 rows, fewer than Algorithm 1's 3 (k + 1) = 15, and the
    error said "got 13 sample(s)" for 15 given (review finding): "auto" stays
    off there."""
    X, y = make_teacher_network(15, 4, 4, random_state=0)
    est = TensorInitOneHiddenLayer(random_state=0).fit(X, y)
    assert est.validation_scores_ is None


def test_early_stopping_with_zero_weight_on_the_held_out_rows():
    from sklearn_polynn._optim import validation_split

    X, y = make_teacher_network(40, 6, 6, random_state=0)
    _, held = validation_split(40, 0.1, np.random.RandomState(0))
    weights = np.ones(40)
    weights[held] = 0.0
    kw = {"n_hidden": 6, "init": "random", "random_state": 0}  # 42 > 40 rows
    est = TensorInitOneHiddenLayer(early_stopping="auto", **kw)
    est.fit(X, y, sample_weight=weights)  # "auto": off for this split
    assert est.validation_scores_ is None
    est.fit(X, y)  # on without the weights
    assert est.validation_scores_ is not None
    with pytest.raises(ValueError, match="sample_weight 0"):
        TensorInitOneHiddenLayer(early_stopping=True, **kw).fit(
            X, y, sample_weight=weights
        )
