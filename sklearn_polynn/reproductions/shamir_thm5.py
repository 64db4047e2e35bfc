"""Shamir (2018), Thm 5: clipped ReLU sums are hard on *some* input distribution.

Thm 5: for ``h(x) = [sum_i [<w_i, x>]_+]_[0,1]`` with ``n_d = omega(log d)``
linearly independent units, no linearly invariant algorithm (e.g. gradient
methods behind whitening) learns ``h`` in polynomial time under every input
distribution -- the hard distributions come from intersections of halfspaces on
the Boolean cube (Thm 11, Prop. 12). The same networks on Gaussian inputs are
learned easily: hardness is *distribution specific*.

For growing ``d`` (``n_d = ceil(2 ln d)`` units, ``N = 100 d`` training samples)
this measures the test ``R^2`` (0 = the constant predictor) of
``MLPRegressor`` and :class:`~sklearn_polynn.ComplexTwoLayerRegressor` on

* ``boolean``: :func:`~sklearn_polynn.datasets.make_clipped_relu_network` with
  the hard construction of the proof;
* ``teacher``: a Gaussian-input ReLU teacher network of the same size
  (:func:`~sklearn_polynn.datasets.make_teacher_network`);
* ``clipped-gaussian``: the clipped sum with Gaussian inputs (MLP only), to
  separate the effect of clipping from that of the input distribution.
"""

import math

from sklearn.metrics import r2_score
from sklearn.neural_network import MLPRegressor

from ..complex_network import ComplexTwoLayerRegressor
from ..datasets import make_clipped_relu_network, make_teacher_network
from ._io import output_paths, progress, pyplot, save_figure, timed_fit, write_csv

__all__ = ["hidden_units", "make_problem", "run"]

NAME = "shamir-thm5"
N_TEST = 2000


def hidden_units(n_features):
    """``n_d = ceil(2 ln d)``, a slowly growing ``omega(log d)`` choice."""
    return max(2, math.ceil(2.0 * math.log(n_features)))


def make_problem(kind, n_samples, n_features, random_state=0):
    """Training and test data for one ``kind`` of problem."""
    k = hidden_units(n_features)
    n = n_samples + N_TEST
    if kind == "teacher":
        X, y = make_teacher_network(n, n_features, k, "relu", random_state=random_state)
    else:
        dist = "boolean" if kind == "boolean" else "gaussian"
        X, y = make_clipped_relu_network(
            n, n_features, k, distribution=dist, random_state=random_state
        )
    return X[:n_samples], y[:n_samples], X[n_samples:], y[n_samples:]


def _learners(full, random_state):
    mlp = MLPRegressor(
        hidden_layer_sizes=(64,),
        max_iter=300 if full else 200,
        early_stopping=True,
        random_state=random_state,
    )
    complex_net = ComplexTwoLayerRegressor(
        n_hidden=32, max_iter=400 if full else 200, random_state=random_state
    )
    return {"MLPRegressor": mlp, "ComplexTwoLayerRegressor": complex_net}


def _plot(rows, path):
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, learner in zip(axes, ("MLPRegressor", "ComplexTwoLayerRegressor")):
        for k, kind in enumerate(("teacher", "clipped-gaussian", "boolean")):
            sel = [r for r in rows if r["learner"] == learner and r["kind"] == kind]
            if sel:
                ax.plot(
                    [r["n_features"] for r in sel],
                    [r["r2"] for r in sel],
                    "o-",
                    color=f"C{k}",
                    label=kind,
                )
        ax.axhline(0.0, color="k", lw=0.8, ls="--", label="constant predictor")
        ax.set(
            xscale="log",
            xlabel="d  (N = 100 d, $n_d = \\lceil 2 \\ln d\\rceil$)",
            title=learner,
        )
        ax.legend(fontsize=8)
    axes[0].set_ylabel("test $R^2$")
    fig.suptitle(
        "Shamir (2018) Thm 5: clipped ReLU sums on the hard Boolean "
        "distribution vs Gaussian teachers"
    )
    save_figure(fig, path, dpi=110)


def run(output_dir, *, full=True, random_state=0, verbose=1):
    """Measure test R^2 per ``d``; write ``shamir-thm5.{csv,png}``.

    Parameters
    ----------
    output_dir : str or Path
    full : bool, default=True
        ``d`` up to 320 (else up to 80, and ComplexTwoLayerRegressor only on the
        Boolean and teacher problems).
    random_state : int, default=0
    verbose : int, default=1

    Returns
    -------
    result : dict
        ``csv``, ``png``, ``rows`` and ``r2`` (``{(learner, kind): {d: R^2}}``).
    """
    csv_path, png_path = output_paths(output_dir, NAME)
    dims = [10, 20, 40, 80, 160, 320] if full else [10, 20, 40, 80]
    rows = []
    for d in dims:
        for kind in ("boolean", "teacher", "clipped-gaussian"):
            Xtr, ytr, Xte, yte = make_problem(kind, 100 * d, d, random_state + d)
            for name, learner in _learners(full, random_state).items():
                if name != "MLPRegressor" and kind == "clipped-gaussian" and not full:
                    continue
                seconds = timed_fit(learner, Xtr, ytr)
                r2 = float(r2_score(yte, learner.predict(Xte)))
                rows.append(
                    {
                        "learner": name,
                        "kind": kind,
                        "n_features": d,
                        "n_hidden": hidden_units(d),
                        "n_samples": 100 * d,
                        "r2": r2,
                        "seconds": seconds,
                    }
                )
                progress(
                    verbose, f"d={d:<4} {kind:<17} {name:<25} test R^2 = {r2:6.3f}"
                )
    write_csv(csv_path, rows)
    _plot(rows, png_path)
    r2 = {}
    for r in rows:
        r2.setdefault((r["learner"], r["kind"]), {})[r["n_features"]] = r["r2"]
    return {"csv": str(csv_path), "png": str(png_path), "rows": rows, "r2": r2}
