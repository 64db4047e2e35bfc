"""ICLR 2019 submission "Recovering the Lowest Layer of Deep Networks with High
Threshold Activations": the three claims of Sec. 2 at a glance.

Data: ``f(x) = P(relu(w_1^T x - t), ..., relu(w_d^T x - t))`` with ``x ~ N(0,
I_n)``, unit columns ``w_i`` and a monotone ``P`` with linear terms plus small
pairwise products (Assumption 1, :func:`~sklearn_polynn.datasets.
make_high_threshold_network` with ``upper="monotone"``).

(a) The role of the threshold: the max recovery error of the landscape-design
    loss (Sec. 2, Claim 2) and of landscape + RefineEstimate (Sec. 2.1) against
    ``t`` at a fixed sample size, ``t = sqrt(2 log n)`` marked. At ``t = 0`` the
    product terms of ``P`` bias the landscape; at very high ``t`` too few
    samples fire and the estimates get noisy.
(b) Refinement (Algorithms 1-2, Thm 5): the EstimateTanAlpha angle of each
    column per RefineEstimate step and the true max error after ``T`` steps,
    with Thm 5's rate ``alpha_0 (1 - c/n)^T`` fitted.
(c) Prediction: test R^2 and fit time of
    :class:`~sklearn_polynn.HighThresholdLayerRecovery` against
    :class:`~sklearn.neural_network.MLPRegressor` on the same data.
(d) EstimateTanAlpha (Algorithm 2): relative RMS error of the angle estimate at
    known angles against the sample size, the probit fit of the band curve
    (the default) against the band-by-band frequencies the algorithm states.
(e) Fitting ``P``: test R^2 with multilinear monomials and with powers of one
    unit (``unit_degree``), on multilinear ("monotone") and App. B.8
    ("powers") upper polynomials.
"""

import math

import numpy as np
from sklearn.neural_network import MLPRegressor

from .. import _high_threshold as ht
from ..datasets import make_high_threshold_network
from ..high_threshold import HighThresholdLayerRecovery
from ..metrics import parameter_recovery_error
from ._io import (
    fit_quietly,
    output_paths,
    progress,
    pyplot,
    save_figure,
    timed_fit,
    write_csv,
)

__all__ = ["run"]

NAME = "high-threshold"


def _max_angle(W_true, W_est):
    """Largest angle (radians) between matched columns (Hungarian matching)."""
    _, matching = parameter_recovery_error(W_true, W_est)
    cosines = np.sum(W_true * W_est[:, matching], axis=0)
    return float(np.max(np.arccos(np.clip(cosines, -1.0, 1.0))))


def _estimator(threshold, n_hidden, seed, **params):
    return HighThresholdLayerRecovery(
        n_hidden=n_hidden, threshold=threshold, random_state=seed, **params
    )


def _fit(X, y, threshold, n_hidden, seed, **params):
    return fit_quietly(_estimator(threshold, n_hidden, seed, **params), X, y)


def _error_vs_threshold(n, d, n_samples, thresholds, seeds, refine_iter, verbose):
    """Panel (a): max angle of landscape / landscape + refine against ``t``."""
    rows = []
    for t in thresholds:
        for seed in seeds:
            X, y, truth = make_high_threshold_network(
                n_samples,
                n,
                d,
                t,
                upper="monotone",
                return_truth=True,
                random_state=seed,
            )
            plain = _fit(X, y, t, d, seed, refine=False, max_iter=500)
            rows.append(
                (
                    "landscape",
                    t,
                    seed,
                    _max_angle(truth.hidden_weights, plain.hidden_weights_),
                )
            )
            try:
                refined = _fit(X, y, t, d, seed, refine_iter=refine_iter, max_iter=500)
                angle = _max_angle(truth.hidden_weights, refined.hidden_weights_)
            except ValueError:  # t = 0, or too few samples for the bands
                angle = float("nan")
            rows.append(("landscape + refine", t, seed, angle))
            progress(
                verbose,
                f"t={t:.2f} seed={seed}: landscape {rows[-2][3]:.3f}, "
                f"+ refine {angle:.3f}",
            )
    return rows


def _refinement(n, d, n_samples, t, iterations, seed, verbose):
    """Panel (b): estimated angles per step, true error after ``T`` steps."""
    X, y, truth = make_high_threshold_network(
        n_samples, n, d, t, upper="monotone", return_truth=True, random_state=seed
    )
    true_angles = []
    for n_iter in iterations:
        params = {"refine": False} if n_iter == 0 else {"refine_iter": n_iter}
        est = _fit(X, y, t, d, seed, **params)
        true_angles.append(_max_angle(truth.hidden_weights, est.hidden_weights_))
        progress(verbose, f"refine_iter={n_iter}: true max angle {true_angles[-1]:.4f}")
    trace = est.recovery_trace_
    # Thm 5: alpha_T = alpha_0 (1 - c/n)^T  ->  log alpha linear in T
    steps = np.arange(trace.shape[1])
    slope = np.polyfit(steps, np.log(np.max(trace, axis=0)), 1)[0]
    c = float(-slope * n)
    return trace, np.asarray(true_angles), c


def _prediction(n, d, n_samples, t, seed, mlp_iter, verbose):
    """Panel (c): test R^2 and fit seconds, ours vs MLPRegressor."""
    X, y = make_high_threshold_network(
        2 * n_samples, n, d, t, upper="monotone", random_state=seed
    )
    X_train, y_train, X_test, y_test = (
        X[:n_samples],
        y[:n_samples],
        X[n_samples:],
        y[n_samples:],
    )
    contenders = {
        "HighThresholdLayerRecovery": _estimator(t, d, seed, refine_iter=100),
        "MLPRegressor(64)": MLPRegressor(
            hidden_layer_sizes=(64,), max_iter=mlp_iter, random_state=seed
        ),
    }
    results = []
    for name, model in contenders.items():
        seconds = timed_fit(model, X_train, y_train)
        results.append((name, seconds, model.score(X_test, y_test)))
    for name, seconds, r2 in results:
        progress(verbose, f"{name:<28} test R^2 {r2:.4f}  fit {seconds:.1f} s")
    return results


def _tan_alpha_errors(n, d, t, sample_sizes, alphas, seed, verbose):
    """Panel (d): relative RMS error of both EstimateTanAlpha variants."""
    X, y, truth = make_high_threshold_network(
        max(sample_sizes),
        n,
        d,
        t,
        upper="monotone",
        return_truth=True,
        random_state=seed,
    )
    positive = (y > np.median(y)).astype(float)
    rng = np.random.default_rng(seed)
    estimators = {"probit": ht.estimate_tan_alpha, "bands": ht.estimate_tan_alpha_bands}
    rows = []
    for n_samples in sample_sizes:
        errors = {name: [] for name in estimators}
        for alpha in alphas:
            for k in range(2 * d):
                w = truth.hidden_weights[:, k % d]
                v = rng.standard_normal(n)
                v -= (v @ w) * w
                z = math.cos(alpha) * w + math.sin(alpha) * v / np.linalg.norm(v)
                s = X[:n_samples] @ z
                for name, fun in estimators.items():
                    ratio = math.atan(fun(s, positive[:n_samples], t)) / alpha
                    errors[name].append(ratio - 1.0)
        for name, values in errors.items():
            rms = float(np.sqrt(np.mean(np.square(values))))
            rows.append((name, n_samples, rms))
            progress(
                verbose, f"EstimateTanAlpha {name:<6} N={n_samples}: rel RMS {rms:.3f}"
            )
    return rows


def _powers_r2(n, d, n_samples, t, seed, verbose):
    """Panel (e): test R^2 of multilinear and power monomials on both P."""
    rows = []
    for upper in ("monotone", "powers"):
        X, y = make_high_threshold_network(
            n_samples + n_samples // 2, n, d, t, upper=upper, random_state=seed
        )
        X_test, y_test = X[n_samples:], y[n_samples:]
        for unit_degree, degree in ((1, 2), (3, 3)):
            est = _fit(
                X[:n_samples],
                y[:n_samples],
                t,
                d,
                seed,
                refine=False,
                upper_degree=degree,
                unit_degree=unit_degree,
            )
            r2 = est.score(X_test, y_test)
            rows.append((upper, unit_degree, r2))
            progress(
                verbose, f"P={upper:<8} unit_degree={unit_degree}: test R^2 {r2:.4f}"
            )
    return rows


def _plot(
    errors,
    thresholds,
    t_star,
    trace,
    iterations,
    true_angles,
    c,
    n,
    prediction,
    tan_alpha,
    powers,
    path,
):
    plt = pyplot()
    fig, (ax_a, ax_b, ax_c, ax_d, ax_e) = plt.subplots(1, 5, figsize=(25, 4.5))
    for method, marker in (("landscape", "o"), ("landscape + refine", "s")):
        means = []
        for tt in thresholds:
            values = [e for m, t, _, e in errors if m == method and t == tt]
            finite = [e for e in values if np.isfinite(e)]
            means.append(np.mean(finite) if finite else np.nan)
        ax_a.semilogy(thresholds, means, marker=marker, label=method)
    ax_a.axvline(t_star, color="gray", ls="--", label="t = sqrt(2 log n)")
    ax_a.set_xlabel("threshold t")
    ax_a.set_ylabel("max angle to the true columns (rad)")
    ax_a.set_title("(a) recovery error vs threshold")
    ax_a.grid(True, which="both", alpha=0.3)
    ax_a.legend()
    steps = np.arange(trace.shape[1])
    for j, row in enumerate(trace):
        ax_b.semilogy(steps, row, alpha=0.7, label=f"EstimateTanAlpha, column {j}")
    ax_b.semilogy(iterations, true_angles, "ko-", label="true max angle")
    fit = np.max(trace[:, 0]) * (1 - c / n) ** steps
    ax_b.semilogy(steps, fit, "k:", label=f"(1 - c/n)^T, c = {c:.2f}")
    ax_b.set_xlabel("RefineEstimate step T")
    ax_b.set_ylabel("angle (rad)")
    ax_b.set_title("(b) refinement (Thm 5)")
    ax_b.grid(True, which="both", alpha=0.3)
    ax_b.legend(fontsize=8)
    names = [name for name, _, _ in prediction]
    misfit = [max(1.0 - r2, 1e-12) for _, _, r2 in prediction]
    ax_c.bar(names, misfit, color=["tab:blue", "tab:orange"])
    ax_c.set_yscale("log")
    for i, (_, seconds, r2) in enumerate(prediction):
        ax_c.text(
            i, misfit[i], f"R^2 {r2:.4f}\n{seconds:.1f} s", ha="center", va="bottom"
        )
    ax_c.set_ylim(min(misfit) / 3, max(misfit) * 5)
    ax_c.set_ylabel("1 - test R^2")
    ax_c.set_title("(c) prediction on the same data")
    for name, marker in (("probit", "o"), ("bands", "s")):
        sizes = [m for e, m, _ in tan_alpha if e == name]
        values = [r for e, _, r in tan_alpha if e == name]
        ax_d.loglog(sizes, values, marker=marker, label=f"EstimateTanAlpha, {name}")
    ax_d.set_xlabel("samples N")
    ax_d.set_ylabel("relative RMS error of the angle")
    ax_d.set_title("(d) Algorithm 2: probit fit vs band frequencies")
    ax_d.grid(True, which="both", alpha=0.3)
    ax_d.legend()
    labels = [f"{upper}\nunit_degree {k}" for upper, k, _ in powers]
    misfit = [max(1.0 - r2, 1e-12) for _, _, r2 in powers]
    ax_e.bar(labels, misfit, color=["tab:blue", "tab:orange"] * 2)
    ax_e.set_yscale("log")
    for i, (_, _, r2) in enumerate(powers):
        ax_e.text(i, misfit[i], f"R^2 {r2:.4f}", ha="center", va="bottom")
    ax_e.set_ylabel("1 - test R^2")
    ax_e.set_title("(e) fitting P: multilinear vs powers (App. B.8)")
    save_figure(fig, path)


def run(output_dir, *, full=True, random_state=0, verbose=1):
    """Reproduce the high-threshold claims and write ``high-threshold.{csv,png}``.

    Parameters
    ----------
    output_dir : str or Path
    full : bool, default=True
        Paper scale (``n = 50``, ``d = 5``, one million samples, 3 seeds, 300
        refinement steps) or the gallery's small size (``n = 20``, ``d = 3``,
        200k samples, 1 seed, 100 steps).
    random_state : int, default=0
    verbose : int, default=1

    Returns
    -------
    result : dict
        ``csv``, ``png``, ``errors`` ((method, t, seed, max angle) rows),
        ``refine_true_angles``, ``refine_rate_c``, ``prediction`` ((name,
        seconds, test R^2) rows), ``tan_alpha`` ((estimator, N, relative RMS
        error) rows), ``powers`` ((upper, unit_degree, test R^2) rows).
    """
    n, d = (50, 5) if full else (20, 3)
    n_samples = 1_000_000 if full else 200_000
    seeds = [random_state + s for s in range(3 if full else 1)]
    refine_iter = 300 if full else 100
    t_star = math.sqrt(2.0 * math.log(n))
    thresholds = [0.0, 0.5, 1.5, 2.0, round(t_star, 2), 3.0, 3.5]
    if not full:
        thresholds = [0.0, 1.5, 2.0, round(t_star, 2), 3.0]
    errors = _error_vs_threshold(
        n, d, n_samples, thresholds, seeds, refine_iter, verbose
    )
    iterations = [0, refine_iter // 4, refine_iter // 2, refine_iter]
    trace, true_angles, c = _refinement(
        n, d, n_samples, t_star, iterations, random_state, verbose
    )
    prediction = _prediction(
        n, d, n_samples, t_star, random_state, 50 if full else 20, verbose
    )
    sample_sizes = [100_000, 300_000, 1_000_000] if full else [50_000, 200_000]
    tan_alpha = _tan_alpha_errors(
        n, d, t_star, sample_sizes, (0.2, 0.05, 0.02), random_state, verbose
    )
    powers = _powers_r2(n, d, n_samples, t_star, random_state, verbose)
    csv_path, png_path = output_paths(output_dir, NAME)
    rows = [["a", method, t, seed, "", angle] for method, t, seed, angle in errors]
    for j, row in enumerate(trace):
        for step, angle in enumerate(row):
            setting = f"estimated angle column {j}"
            rows.append(["b", setting, t_star, random_state, step, angle])
    for step, angle in zip(iterations, true_angles):
        rows.append(["b", "true max angle", t_star, random_state, step, angle])
    for name, seconds, r2 in prediction:
        rows.append(["c", f"{name} test R^2", t_star, random_state, "", r2])
        rows.append(["c", f"{name} fit seconds", t_star, random_state, "", seconds])
    for name, size, rms in tan_alpha:
        setting = f"EstimateTanAlpha {name} rel RMS error, N={size}"
        rows.append(["d", setting, t_star, random_state, "", rms])
    for upper, unit_degree, r2 in powers:
        setting = f"P {upper}, unit_degree={unit_degree} test R^2"
        rows.append(["e", setting, t_star, random_state, "", r2])
    write_csv(csv_path, rows, ["panel", "setting", "t", "seed", "step", "value"])
    _plot(
        errors,
        thresholds,
        t_star,
        trace,
        iterations,
        true_angles,
        c,
        n,
        prediction,
        tan_alpha,
        powers,
        png_path,
    )
    return {
        "csv": str(csv_path),
        "png": str(png_path),
        "errors": errors,
        "refine_true_angles": true_angles.tolist(),
        "refine_rate_c": c,
        "prediction": prediction,
        "tan_alpha": tan_alpha,
        "powers": powers,
    }
