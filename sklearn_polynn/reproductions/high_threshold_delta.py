"""ICLR 2019 submission "Recovering the Lowest Layer of Deep Networks with High
Threshold Activations", Sec. 3: Thm 6 / Corollary 1 / App. C.1.

Data: Corollary 1's setting, ``f(x) = P(u(w_1^T x - t), ..., u(w_d^T x - t))``
with orthonormal ``W*`` (``make_high_threshold_network(orthogonal=True)``), a
low threshold ``t = 1``, and ``P`` with a linear part plus pairwise products of
random sign (``upper="polynomial"``: not monotone).

(a) Recovery: the max angle of
    ``HighThresholdLayerRecovery(method="delta_correlation")`` against the
    sample size, for 0/1 "sign" units (the ``delta'`` correlation, Thm 6) and
    ReLU units (``delta''``, App. C.1).
(b) Lemma 8: the smoothed ``delta'`` correlation ``S_1(z, t; h)`` at ``z =
    cos(a) w_1* + sin(a) v`` (``v`` orthogonal to ``W*``) against the angle
    ``a``, for several bandwidths ``h``, with Corollary 1's limit ``phi(t)
    E[dP/dX_1 | w_1*^T x = t]`` marked: a peak of width ``O(h)`` at ``a = 0``
    whose height tends to the limit, and values ``O(h)`` away from it (Claim
    5).
"""

import array_api_compat.numpy as np_xp
import numpy as np

from .. import _high_threshold_delta as htd
from ..datasets import make_high_threshold_network
from ..high_threshold import HighThresholdLayerRecovery
from ..metrics import parameter_recovery_error
from ._io import fit_quietly, output_paths, progress, pyplot, save_figure, write_csv

__all__ = ["run"]

NAME = "high-threshold-delta"

THRESHOLD = 1.0


def _data(n_samples, n, d, activation, seed):
    return make_high_threshold_network(
        n_samples,
        n,
        d,
        THRESHOLD,
        activation=activation,
        upper="polynomial",
        orthogonal=True,
        return_truth=True,
        random_state=seed,
    )


def _recovery(n, d, sample_sizes, seeds, verbose):
    rows = []
    for activation in ("sign", "relu"):
        for n_samples in sample_sizes:
            for seed in seeds:
                X, y, truth = _data(n_samples, n, d, activation, seed)
                est = HighThresholdLayerRecovery(
                    method="delta_correlation",
                    activation=activation,
                    threshold=THRESHOLD,
                    n_hidden=d,
                    random_state=seed,
                )
                fit_quietly(est, X, y)
                angle, _ = parameter_recovery_error(
                    truth.hidden_weights, est.hidden_weights_
                )
                rows.append(
                    {
                        "panel": "a",
                        "activation": activation,
                        "n_samples": n_samples,
                        "seed": seed,
                        "max_angle": float(angle),
                    }
                )
                progress(
                    verbose,
                    f"  {activation:4s} N={n_samples:>8d} seed {seed}: max angle "
                    f"{angle:.4f} rad",
                )
    return rows


def _profile(n, d, n_samples, bandwidths, angles, seed):
    X, y, truth = _data(n_samples, n, d, "sign", seed)
    W = truth.hidden_weights
    rng = np.random.RandomState(seed)
    v = rng.standard_normal(n)
    v -= W @ (W.T @ v)
    v /= np.linalg.norm(v)
    Z = np.cos(angles)[None, :] * W[:, :1] + np.sin(angles)[None, :] * v[:, None]
    f = y - np.median(y)
    limit = htd.expected_jump(
        truth.upper_powers, truth.upper_coef, THRESHOLD, "sign", 0
    )
    rows = []
    for h in bandwidths:
        values = htd.delta_correlation(X, f, Z, THRESHOLD, h, 1, np_xp)[0]
        for a, value in zip(angles, values):
            rows.append(
                {
                    "panel": "b",
                    "bandwidth": h,
                    "angle": float(a),
                    "correlation": float(value),
                    "corollary1_limit": limit,
                }
            )
    return rows, limit


def _plot(recovery, profile, limit, bandwidths, path):
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for k, activation in enumerate(("sign", "relu")):
        rows = [r for r in recovery if r["activation"] == activation]
        sizes = sorted({r["n_samples"] for r in rows})
        worst = [
            max(r["max_angle"] for r in rows if r["n_samples"] == s) for s in sizes
        ]
        axes[0].plot(sizes, worst, "o-", color=f"C{k}", label=activation)
    axes[0].set(
        xscale="log",
        yscale="log",
        xlabel="samples N",
        ylabel="max angle to W* (rad, worst seed)",
        title="(a) delta_correlation recovery, t = 1",
    )
    axes[0].legend()
    for k, h in enumerate(bandwidths):
        rows = [r for r in profile if r["bandwidth"] == h]
        axes[1].plot(
            [r["angle"] for r in rows],
            [r["correlation"] for r in rows],
            "-",
            color=f"C{k}",
            label=f"h = {h:g}",
        )
    axes[1].axhline(limit, color="k", ls="--", lw=1, label="Cor. 1 limit")
    axes[1].set(
        xlabel="angle between z and w_1* (rad)",
        ylabel="S_1(z, t; h)",
        title="(b) Lemma 8: delta' correlation near w_1*",
    )
    axes[1].legend()
    save_figure(fig, path)


def run(output_dir, *, full=True, random_state=0, verbose=1):
    """Reproduce Thm 6 / Cor. 1 / App. C.1 and write ``high-threshold-delta.{csv,png}``.

    Parameters
    ----------
    output_dir : str or Path
    full : bool, default=True
        Paper scale (``n = 10``, ``d = 3``, ``N`` from 1e4 to 1e6, 3 seeds) or
        the gallery's small size (``N`` from 2e4 to 1e5, 1 seed).
    random_state : int, default=0
    verbose : int, default=1

    Returns
    -------
    result : dict
        ``csv``, ``png``, ``recovery`` (panel (a) rows: activation, N, seed,
        max angle), ``profile`` (panel (b) rows), ``corollary1_limit``,
        ``peak`` (``S_1`` at ``w_1*`` per bandwidth).
    """
    n, d = 10, 3
    seeds = [random_state + s for s in range(3 if full else 1)]
    sizes = [10_000, 30_000, 100_000, 300_000, 1_000_000] if full else [20_000, 100_000]
    bandwidths = [0.2, 0.05, 0.02]
    angles = np.linspace(0.0, 0.6, 61)
    progress(verbose, f"{NAME}: (a) recovery, n={n}, d={d}, t={THRESHOLD:g}")
    recovery = _recovery(n, d, sizes, seeds, verbose)
    progress(verbose, f"{NAME}: (b) Lemma 8 profile")
    profile, limit = _profile(
        n, d, 1_000_000 if full else 200_000, bandwidths, angles, random_state
    )
    csv_path, png_path = output_paths(output_dir, NAME)
    header = sorted({key for row in recovery + profile for key in row})
    write_csv(csv_path, recovery + profile, header)
    _plot(recovery, profile, limit, bandwidths, png_path)
    peak = {r["bandwidth"]: r["correlation"] for r in profile if r["angle"] == 0.0}
    return {
        "csv": str(csv_path),
        "png": str(png_path),
        "recovery": recovery,
        "profile": profile,
        "corollary1_limit": limit,
        "peak": peak,
    }
