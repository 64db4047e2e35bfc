"""``sklearn_polynn.show_versions()``: what to paste into a bug report.

Modelled on :func:`sklearn.show_versions`: the Python interpreter and platform,
the versions of the packages this one uses (optional ones when installed), and
the BLAS/OpenMP libraries loaded, as threadpoolctl reports them.
"""

import platform
import sys
from importlib.metadata import PackageNotFoundError, version

__all__ = ["show_versions"]

# Distribution names: the runtime dependencies, then the optional backends and
# tools (reported as "not installed" when absent).
_DEPENDENCIES = (
    "numpy",
    "scipy",
    "scikit-learn",
    "joblib",
    "array-api-compat",
    "threadpoolctl",
)
_OPTIONAL = (
    "array-api-strict",
    "cupy-cuda12x",
    "cupy",
    "torch",
    "dask",
    "distributed",
    "pandas",
    "matplotlib",
)


def _system_info():
    return {
        "python": sys.version.replace("\n", " "),
        "executable": sys.executable,
        "machine": platform.platform(),
    }


def _package_versions(names):
    versions = {}
    for name in names:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return versions


def _blas_info():
    """threadpoolctl's view of the loaded BLAS/OpenMP libraries (after importing
    NumPy and SciPy's linear algebra, which load them)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return []
    import numpy  # noqa: F401
    import scipy.linalg  # noqa: F401

    return threadpool_info()


def show_versions(file=None):
    """Print system, dependency and BLAS information for bug reports.

    Lists the Python interpreter and platform, the versions of the runtime
    dependencies and of the optional packages (array-api-strict, CuPy, PyTorch,
    Dask, pandas, matplotlib; "not installed" when absent), and the BLAS and
    OpenMP libraries loaded with their thread counts, as threadpoolctl reports
    them. Paste its output into a bug report.

    Parameters
    ----------
    file : file-like, default=None
        Where to print; ``sys.stdout`` when None.

    See Also
    --------
    sklearn.show_versions : The same report for scikit-learn.

    Examples
    --------
    >>> import sklearn_polynn
    >>> sklearn_polynn.show_versions()  # doctest: +SKIP
    """
    out = sys.stdout if file is None else file
    print("\nSystem:", file=out)
    for key, value in _system_info().items():
        print(f"{key:>22}: {value}", file=out)
    from . import __version__

    print("\nPython dependencies:", file=out)
    print(f"{'sklearn-polynn':>22}: {__version__}", file=out)
    for key, value in _package_versions(_DEPENDENCIES).items():
        print(f"{key:>22}: {value}", file=out)
    optional = _package_versions(_OPTIONAL)
    if optional.get("cupy-cuda12x") and not optional.get("cupy"):
        del optional["cupy"]  # CuPy is distributed per CUDA version
    elif not optional.get("cupy-cuda12x"):
        del optional["cupy-cuda12x"]
    print("\nOptional packages:", file=out)
    for key, value in optional.items():
        print(f"{key:>22}: {value or 'not installed'}", file=out)
    libraries = _blas_info()
    print("\nThreadpoolctl info:", file=out)
    if not libraries:
        print(f"{'':>22}  (no BLAS/OpenMP library reported)", file=out)
    for lib in libraries:
        print("", file=out)
        for key in (
            "user_api",
            "internal_api",
            "num_threads",
            "prefix",
            "filepath",
            "version",
            "threading_layer",
            "architecture",
        ):
            if key in lib:
                print(f"{key:>22}: {lib[key]}", file=out)
