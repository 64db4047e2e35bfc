"""What every estimator of the package shares beyond scikit-learn's base classes.

:class:`_PolynnEstimatorMixin` points the HTML representation of an estimator (in
Jupyter: the "?" icon and the parameter names) at this package's API reference
instead of scikit-learn's. List it first among the bases::

    class MyEstimator(_PolynnEstimatorMixin, RegressorMixin, BaseEstimator): ...
"""

__all__ = ["DOC_URL", "_PolynnEstimatorMixin"]

# The documentation site; the API pages are generated/sklearn_polynn.NAME.html
# (doc/api.rst documents every estimator under its top-level name).
DOC_URL = "https://sklearn-polynn.github.io/sklearn-polynn/"


class _PolynnEstimatorMixin:
    """HTML-repr documentation links to this package's API pages.

    scikit-learn's ``_get_doc_link`` builds the URL from ``_doc_link_template``
    with the fields returned by ``_doc_link_url_param_generator`` when the
    estimator's class lives under ``_doc_link_module``. Every public estimator
    is exported from the top-level package, so the page is named after
    ``sklearn_polynn.ClassName`` whatever module defines the class.
    """

    _doc_link_module = "sklearn_polynn"
    _doc_link_template = DOC_URL + "generated/{estimator_module}.{estimator_name}.html"

    def _doc_link_url_param_generator(self):
        return {
            "estimator_module": self._doc_link_module,
            "estimator_name": type(self).__name__,
        }
