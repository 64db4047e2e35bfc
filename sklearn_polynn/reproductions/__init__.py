"""Paper-scale reproductions behind ``python -m sklearn_polynn reproduce NAME``.

Each entry of :data:`REPRODUCTIONS` names a module of this package that defines
``run(output_dir, *, full=True, random_state=0, verbose=1) -> dict``: it computes
the figure's numbers, writes ``NAME.csv`` and ``NAME.png`` to ``output_dir``, and
returns the paths and the headline numbers. The gallery scripts in ``examples/``
call the same functions at a small size, so the figure is computed in one place.
"""

import importlib
from typing import NamedTuple

__all__ = ["REPRODUCTIONS", "Reproduction", "get_reproduction"]


class Reproduction(NamedTuple):
    """One entry of :data:`REPRODUCTIONS`.

    ``size`` is the paper-scale problem (what ``reproduce NAME`` runs) and
    ``small_size`` the gallery's (``--small``); ``minutes`` is the expected
    paper-scale run time on two CPU cores, ``small_seconds`` the ``--small`` one.
    """

    module: str
    description: str
    size: str
    minutes: float
    small_size: str
    small_seconds: float


# Run times on the shared 2-core development machine, one BLAS thread:
# ``small_seconds`` measured as the CPU time (user + sys) of ``reproduce NAME
# --small``, i.e. the wall time of an otherwise idle machine (at load average 7-8
# the wall time was 2-3x that); ``minutes`` (paper scale) estimated from the small
# runs by the ratio of fits x samples x iterations, except shamir-thm4 (9 min,
# measured).
REPRODUCTIONS = {
    "high-threshold": Reproduction(
        "sklearn_polynn.reproductions.high_threshold",
        "ICLR 2019 high-threshold nets: error vs t, RefineEstimate, vs MLPRegressor",
        "n=50, d=5, N=1e6, 7 thresholds x 3 seeds",
        55,
        "n=20, d=3, N=2e5, 5 thresholds",
        65,
    ),
    "high-threshold-delta": Reproduction(
        "sklearn_polynn.reproductions.high_threshold_delta",
        "ICLR 2019 high-threshold nets, Thm 6 / Cor. 1 / App. C.1: delta' / delta''",
        "n=10, d=3, N=1e4..1e6, 3 seeds, sign and ReLU",
        4,
        "n=10, d=3, N=2e4, 1e5, 1 seed",
        9,
    ),
    "andoni-fig1": Reproduction(
        "sklearn_polynn.reproductions.andoni_fig1",
        "Andoni et al. 2014 Fig. 1: 5n-unit complex nets learn n-sparse polynomials",
        "n=10..80, degrees 2 and 3, 3000 iterations",
        140,
        "n=5, 10, 600 iterations",
        39,
    ),
    "andoni-random-features": Reproduction(
        "sklearn_polynn.reproductions.random_features_vs_m",
        "Andoni et al. 2014 Thm 3.1/4.1: random complex features, error vs m",
        "n=20, m=50..4000, N=20000",
        10,
        "n=8, m=10..400, N=3000",
        6,
    ),
    "andoni-perturbation": Reproduction(
        "sklearn_polynn.reproductions.andoni_perturbation",
        "Andoni et al. 2014 Thm 5.1 vs Lemma 5.7: complex perturbations escape",
        "n=10, m=40, 200 trials per setting",
        30,
        "n=5, m=20, 40 trials",
        15,
    ),
    "zhong-fig1a": Reproduction(
        "sklearn_polynn.reproductions.zhong_fig1a",
        "Zhong et al. 2017 Fig. 1(a)/(b): recovery rate, tensor-init error over d x N",
        "d=10..100 x N=1000..10000, 10 trials per cell",
        20,
        "d=10, 20 x N=1000..4000, 2 trials",
        5,
    ),
    "zhong-fig1c": Reproduction(
        "sklearn_polynn.reproductions.zhong_fig1c",
        "Zhong et al. 2017 Fig. 1(c): GD from the tensor init vs from random",
        "d=10..100 x N=1000..10000, 10 trials per cell",
        10,
        "d=10..40 x N=1000..8000, 3 trials",
        6,
    ),
    "shamir-fig2": Reproduction(
        "sklearn_polynn.reproductions.shamir_fig2",
        "Shamir 2018 Fig. 2 + Thm 7: flat objective, gradient variance vs d, |w*|",
        "d=2..400, 200 targets x 10000 inputs per point",
        4,
        "d=2..200, 40 targets x 2000 inputs",
        6,
    ),
    "shamir-thm4": Reproduction(
        "sklearn_polynn.reproductions.shamir_thm4",
        "Shamir 2018 Thm 4: whitening makes tensor init + GD linearly invariant",
        "d=20, k=4, N=20000, kappa up to 1e4",
        9,
        "d=8, k=3, N=4000, kappa up to 1e3",
        5,
    ),
    "shamir-thm5": Reproduction(
        "sklearn_polynn.reproductions.shamir_thm5",
        "Shamir 2018 Thm 5: clipped ReLU sums, hard Boolean vs Gaussian inputs",
        "d=10..320, N=100 d, 3 learners",
        15,
        "d=10..80",
        44,
    ),
}


def get_reproduction(name):
    """Return the ``run`` function of reproduction ``name``.

    Raises
    ------
    ValueError
        If ``name`` is not a known reproduction (the message lists them).
    """
    if name not in REPRODUCTIONS:
        known = ", ".join(sorted(REPRODUCTIONS)) or "(none yet)"
        raise ValueError(f"Unknown reproduction {name!r}; choose one of: {known}.")
    module = REPRODUCTIONS[name].module
    return importlib.import_module(module).run
