"""Shared pytest setup: the ``gpu`` marker skips cleanly without CuPy and a GPU."""

import matplotlib
import pytest

from sklearn_polynn._backend import cupy_available

matplotlib.use("Agg")


def pytest_collection_modifyitems(config, items):
    if cupy_available():
        return
    skip_gpu = pytest.mark.skip(reason="needs CuPy and a CUDA device")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip_gpu)
