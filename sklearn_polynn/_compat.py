"""The one module that reaches into scikit-learn's private API.

A new scikit-learn release that moves these helpers breaks this file only.
"""

import numbers

from sklearn.base import _fit_context
from sklearn.utils._param_validation import (
    Hidden,
    Interval,
    Options,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import _check_sample_weight

__all__ = [
    "Hidden",
    "IntInterval",
    "Interval",
    "Options",
    "StrOptions",
    "_check_sample_weight",
    "_fit_context",
    "validate_params",
]


class IntInterval(Interval):
    """``Interval(numbers.Integral, ...)`` that also rejects ``bool``.

    ``True`` is an ``Integral`` in Python, so scikit-learn's ``Interval`` lets
    ``n_components=True`` through to crash deep inside NumPy; this one makes
    parameter validation reject it with the usual message naming the parameter.

    Examples
    --------
    >>> from sklearn_polynn._compat import IntInterval
    >>> IntInterval(1, None, closed="left").is_satisfied_by(True)
    False
    """

    def __init__(self, left, right, *, closed):
        super().__init__(numbers.Integral, left, right, closed=closed)

    def is_satisfied_by(self, val):
        return not isinstance(val, bool) and super().is_satisfied_by(val)
