"""Shamir (2018), Fig. 2 and Thm 7: periodic targets leave gradients without signal.

Four panels:

(a) Fig. 2: the objective of Eq. (2), ``E (cos 2pi w^T x - cos 2pi w*^T x)^2``
    for ``x ~ N(0, I_2)`` and ``w* = (2, 2)``, on a grid of ``w`` (closed form):
    flat except near ``+-w*`` and the maximum at 0.
(b) Thm 7 versus ``d``: the variance over a random ``w*`` (uniform on the
    sphere of radius ``||w*||``) of the gradient of Eq. (2) at a point ``v``
    with ``||v|| = ||w*||``, computed exactly by quadrature, for several norms,
    next to Thm 7's bound (drawn where the proof applies, ``d >= 40``).
(c) The same versus ``||w*||`` for a few ``d``.
(d) The contrast with a ReLU target: one ReLU neuron at a fixed unit ``v``,
    gradient variance for ``cos(2pi w*^T x)`` and for ``relu(w*^T x)`` by Monte
    Carlo (95% intervals), against ``d``; the periodic one stays at the Monte
    Carlo resolution (upper limits drawn), the ReLU one does not decay.
"""

import numpy as np

from ..hardness import gradient_variance, objective_landscape, periodic_gradient_bound
from ._io import all_keys, output_paths, progress, pyplot, save_figure, write_csv

__all__ = ["run"]

NAME = "shamir-fig2"


def _unit(d, rng):
    v = rng.standard_normal(d)
    return v / np.linalg.norm(v)


def _eq2_rows(dims, norms, rng):
    """Exact (quadrature) gradient variance of Eq. (2) with Thm 7's bound."""
    rows = []
    for s in norms:
        for d in dims:
            res = gradient_variance(
                s * _unit(d, rng), "cos", norm=s, method="quadrature"
            )
            bound = periodic_gradient_bound(res.gradient_second_moment, d, s)
            rows.append(
                {
                    "panel": "eq2",
                    "target": "cos",
                    "model": "cos neuron, |v| = |w*|",
                    "n_features": d,
                    "norm": s,
                    "log10_variance": res.log10_variance,
                    "ci_low": "",
                    "ci_high": "",
                    "resolution": 0.0,
                    "log10_bound": np.log10(bound),
                    "gradient_second_moment": res.gradient_second_moment,
                }
            )
    return rows


def _relu_model_rows(dims, norm, n_targets, n_samples, random_state):
    """Monte Carlo gradient variance at a ReLU neuron for cos and ReLU targets."""
    rows = []
    for d in dims:
        v = _unit(d, np.random.RandomState(random_state + d))
        for target in ("cos", "relu"):
            res = gradient_variance(
                v,
                target,
                activation="relu",
                norm=norm,
                n_targets=n_targets,
                n_samples=n_samples,
                random_state=random_state,
            )
            bound = periodic_gradient_bound(res.gradient_second_moment, d, norm)
            rows.append(
                {
                    "panel": "relu_model",
                    "target": target,
                    "model": "relu neuron, |v| = 1",
                    "n_features": d,
                    "norm": norm,
                    "log10_variance": np.log10(res.variance)
                    if res.variance > 0
                    else -np.inf,
                    "variance": res.variance,
                    "ci_low": res.ci[0],
                    "ci_high": res.ci[1],
                    "resolution": res.resolution,
                    "log10_bound": np.log10(bound),
                    "gradient_second_moment": res.gradient_second_moment,
                }
            )
    return rows


def _landscape_summary(land):
    """Flatness away from +-w* and 0, and the location of the minimum."""
    W1, W2 = np.meshgrid(land.w1, land.w2)
    pts = np.stack([W1, W2], axis=-1)
    w = land.weight
    far = (
        (np.linalg.norm(pts - w, axis=-1) > 1.0)
        & (np.linalg.norm(pts + w, axis=-1) > 1.0)
        & (np.linalg.norm(pts, axis=-1) > 1.0)
    )
    i, j = np.unravel_index(np.argmin(land.loss), land.loss.shape)
    return {
        "landscape_plateau_fraction": float(far.mean()),
        "landscape_plateau_spread": float(np.ptp(land.loss[far])),
        "landscape_min": float(land.loss.min()),
        "landscape_argmin": (float(land.w1[j]), float(land.w2[i])),
        "landscape_max": float(land.loss.max()),
    }


def _plot(land, eq2, relu_rows, norms, dims_small, path):
    plt = pyplot()
    fig = plt.figure(figsize=(16, 4.2))
    ax = fig.add_subplot(1, 4, 1, projection="3d")
    W1, W2 = np.meshgrid(land.w1, land.w2)
    ax.plot_surface(W1, W2, land.loss, cmap="viridis", linewidth=0, antialiased=True)
    ax.set(xlabel="$w_1$", ylabel="$w_2$", title="(a) Eq. (2), $w^*=(2,2)$")

    ax = fig.add_subplot(1, 4, 2)
    for k, s in enumerate(norms):
        rows = [r for r in eq2 if r["norm"] == s]
        d = np.array([r["n_features"] for r in rows])
        ax.plot(
            d,
            [r["log10_variance"] for r in rows],
            "o-",
            color=f"C{k}",
            label=f"$\\|w^*\\|={s:g}$",
        )
        big = d >= 40
        ax.plot(
            d[big],
            [r["log10_bound"] for r, b in zip(rows, big) if b],
            "--",
            color=f"C{k}",
        )
    ax.set(
        xscale="log",
        xlabel="d",
        ylabel="log10 Var$_{w^*}$ grad",
        title="(b) Eq. (2) exactly; dashed: Thm 7 bound",
    )
    ax.legend(fontsize=8)

    ax = fig.add_subplot(1, 4, 3)
    for k, d in enumerate(dims_small):
        rows = sorted((r for r in eq2 if r["n_features"] == d), key=lambda r: r["norm"])
        ax.plot(
            [r["norm"] for r in rows],
            [r["log10_variance"] for r in rows],
            "o-",
            color=f"C{k}",
            label=f"d={d}",
        )
        if d >= 40:
            ax.plot(
                [r["norm"] for r in rows],
                [r["log10_bound"] for r in rows],
                "--",
                color=f"C{k}",
            )
    ax.set(
        xlabel="$\\|w^*\\|$",
        ylabel="log10 Var$_{w^*}$ grad",
        title="(c) vs $\\|w^*\\|$ (dashed: bound)",
    )
    ax.legend(fontsize=8)

    ax = fig.add_subplot(1, 4, 4)
    for k, target in enumerate(("relu", "cos")):
        rows = [r for r in relu_rows if r["target"] == target]
        d = np.array([r["n_features"] for r in rows])
        est = np.array([r["variance"] for r in rows])
        hi = np.array([r["ci_high"] for r in rows])
        lo = np.array([r["ci_low"] for r in rows])
        resolved = lo > 0
        ax.errorbar(
            d[resolved],
            est[resolved],
            yerr=[est[resolved] - lo[resolved], hi[resolved] - est[resolved]],
            fmt="o-",
            color=f"C{k}",
            label=f"{target} target",
        )
        if np.any(~resolved):
            ax.plot(
                d[~resolved],
                np.maximum(hi[~resolved], 1e-12),
                "v",
                color=f"C{k}",
                label=f"{target}: upper 95% limit",
            )
    bound = [r for r in relu_rows if r["target"] == "cos"]
    d = np.array([r["n_features"] for r in bound])
    ax.plot(
        d[d >= 40],
        [10 ** r["log10_bound"] for r in bound if r["n_features"] >= 40],
        "k--",
        label="Thm 7 bound",
    )
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="d",
        ylabel="Var$_{w^*}$ grad",
        title="(d) ReLU neuron: cos vs ReLU target",
    )
    ax.legend(fontsize=8)
    save_figure(fig, path, dpi=110)


def run(output_dir, *, full=True, random_state=0, verbose=1):
    """Compute the four panels; write ``shamir-fig2.{csv,png}``.

    Parameters
    ----------
    output_dir : str or Path
    full : bool, default=True
        Finer grid (241 x 241), more dimensions, and 200 targets x 10000 inputs
        per Monte Carlo point (else 121 x 121 and 40 x 2000).
    random_state : int, default=0
    verbose : int, default=1

    Returns
    -------
    result : dict
        ``csv``, ``png``, ``rows`` and the headline numbers: landscape
        flatness, the exact ``log10`` variance of Eq. (2) at the largest ``d``,
        and the ReLU/cos variance ratio per ``d``.
    """
    csv_path, png_path = output_paths(output_dir, NAME)
    rng = np.random.RandomState(random_state)
    land = objective_landscape(grid=241 if full else 121, extent=3.0)
    summary = _landscape_summary(land)
    dims = (
        [2, 5, 10, 20, 40, 60, 100, 200, 400] if full else [2, 5, 10, 20, 40, 100, 200]
    )
    norms = [0.5, 1.0, 1.5, 2.0]
    dims_small = [5, 20, 100]
    eq2 = _eq2_rows(dims, norms, rng)
    eq2 += _eq2_rows(dims_small, [0.25, 0.75, 1.25, 1.75, 2.5, 3.0], rng)
    mc_dims = [10, 20, 50, 100, 200, 400] if full else [10, 50, 200]
    n_targets, n_samples = (200, 10_000) if full else (40, 2000)
    relu_rows = _relu_model_rows(mc_dims, 3.0, n_targets, n_samples, random_state)
    ratios = {}
    for d in mc_dims:
        pair = {r["target"]: r for r in relu_rows if r["n_features"] == d}
        ratios[d] = pair["relu"]["variance"] / max(pair["cos"]["ci_high"], 1e-300)
        progress(
            verbose,
            f"d={d:<4} relu-target variance {pair['relu']['variance']:.3g}, "
            f"cos-target variance {pair['cos']['variance']:.3g} "
            f"(95% CI up to {pair['cos']['ci_high']:.3g}), "
            f"Thm 7 bound {10 ** pair['cos']['log10_bound']:.3g}",
        )
    rows = eq2 + relu_rows
    write_csv(csv_path, rows, all_keys(rows))
    _plot(land, eq2, relu_rows, norms, dims_small, png_path)
    top = max(dims)
    headline = {
        f"eq2_log10_variance_d{top}_norm{n:g}": next(
            r["log10_variance"]
            for r in eq2
            if r["n_features"] == top and r["norm"] == n
        )
        for n in norms
    }
    return {
        "csv": str(csv_path),
        "png": str(png_path),
        "rows": rows,
        **summary,
        **headline,
        "relu_over_cos_upper_ratio": ratios,
    }
