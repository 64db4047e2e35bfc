"""The one module that reaches into scikit-learn's private API.

A new scikit-learn release that moves these helpers breaks this file only.
"""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import (
    Hidden,
    Interval,
    Options,
    StrOptions,
    validate_params,
)

__all__ = [
    "Hidden",
    "Interval",
    "Options",
    "StrOptions",
    "_fit_context",
    "validate_params",
]
