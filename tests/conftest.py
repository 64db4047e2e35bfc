"""Shared pytest setup: markers that skip cleanly when the machine lacks something.

* ``gpu``: needs CuPy and a CUDA device.
* ``array_api``: needs scikit-learn's array-API dispatch, which scikit-learn >= 1.8
  enables only with ``SCIPY_ARRAY_API=1`` set before SciPy is imported.
"""

import matplotlib
import pytest

from sklearn_polynn._backend import cupy_available

matplotlib.use("Agg")


def _dispatch_available():
    import sklearn

    try:
        with sklearn.config_context(array_api_dispatch=True):
            return True
    except (RuntimeError, ImportError):
        return False


def pytest_collection_modifyitems(config, items):
    skips = {}
    if not cupy_available():
        skips["gpu"] = pytest.mark.skip(reason="needs CuPy and a CUDA device")
    if not _dispatch_available():
        skips["array_api"] = pytest.mark.skip(
            reason="array-API dispatch needs SCIPY_ARRAY_API=1 set before SciPy "
            "is imported"
        )
    for item in items:
        for marker, skip in skips.items():
            if marker in item.keywords:
                item.add_marker(skip)
