"""Paper-scale reproductions behind ``python -m sklearn_polynn reproduce NAME``.

Each entry of :data:`REPRODUCTIONS` names a module of this package that defines
``run(output_dir, *, full=True, random_state=0, verbose=1) -> dict``: it computes
the figure's numbers, writes ``NAME.csv`` and ``NAME.png`` to ``output_dir``, and
returns the paths and the headline numbers. The gallery scripts in ``examples/``
call the same functions at a small size, so the figure is computed in one place.
"""

import importlib

__all__ = ["REPRODUCTIONS", "get_reproduction"]

REPRODUCTIONS = {
    # name: (module, one-line description)
    "high-threshold": (
        "sklearn_polynn.reproductions.high_threshold",
        "ICLR 2019 high-threshold nets: error vs t, RefineEstimate, vs MLPRegressor",
    ),
    "andoni-fig1": (
        "sklearn_polynn.reproductions.andoni_fig1",
        "Andoni et al. 2014 Fig. 1: 5n-unit complex nets learn n-sparse polynomials",
    ),
    "andoni-random-features": (
        "sklearn_polynn.reproductions.random_features_vs_m",
        "Andoni et al. 2014 Thm 3.1/4.1: random complex features, error vs m",
    ),
    "andoni-perturbation": (
        "sklearn_polynn.reproductions.andoni_perturbation",
        "Andoni et al. 2014 Thm 5.1 vs Lemma 5.7: complex perturbations escape",
    ),
    "zhong-fig1a": (
        "sklearn_polynn.reproductions.zhong_fig1a",
        "Zhong et al. 2017 Fig. 1(a): recovery rate over d x N (tensor init + GD)",
    ),
    "zhong-fig1c": (
        "sklearn_polynn.reproductions.zhong_fig1c",
        "Zhong et al. 2017 Fig. 1(b)/(c): tensor init error; GD from tensor vs random",
    ),
    "shamir-fig2": (
        "sklearn_polynn.reproductions.shamir_fig2",
        "Shamir 2018 Fig. 2 + Thm 7: flat objective, gradient variance vs d, |w*|",
    ),
    "shamir-thm4": (
        "sklearn_polynn.reproductions.shamir_thm4",
        "Shamir 2018 Thm 4: whitening makes tensor init + GD linearly invariant",
    ),
    "shamir-thm5": (
        "sklearn_polynn.reproductions.shamir_thm5",
        "Shamir 2018 Thm 5: clipped ReLU sums, hard Boolean vs Gaussian inputs",
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
    module, _ = REPRODUCTIONS[name]
    return importlib.import_module(module).run
