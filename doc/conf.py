"""Sphinx configuration of the sklearn-polynn documentation.

Build with ``make -C doc html`` (warnings are errors). The build is offline: no
intersphinx inventories are fetched. Set ``POLYNN_DOC_NO_GALLERY=1`` to skip
running the example gallery (fast builds). MathJax is bundled into the site
(sphinx-mathjax-offline), so the math renders without network.
"""

import os
import re
import sys
from datetime import date

import matplotlib
import sphinx.ext.autosummary

matplotlib.use("Agg")

sys.path.insert(0, os.path.abspath(".."))

import sklearn_polynn

# -- Project ----------------------------------------------------------------

project = "sklearn-polynn"
author = "sklearn-polynn developers"
copyright = f"{date.today().year}, {author}"
release = sklearn_polynn.__version__
version = ".".join(release.split(".")[:2])

# -- General ----------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    # Bundles MathJax 3 into _static/mathjax/ and points mathjax_path at it, so
    # the math renders without network (the docs extra installs it).
    "sphinx-mathjax-offline",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb"]
default_role = "literal"
# Right-hand page TOC: "fit()" rather than "WhiteningTransformer.fit()".
toc_object_entries_show_parents = "hide"
root_doc = "index"

# autodoc / autosummary: one page per public object, under generated/.
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"

# numpydoc: members are listed by the autosummary class template, not numpydoc
# (listing them twice makes duplicate-object warnings under -W).
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# Offline build: no intersphinx mapping, so nothing is downloaded. References to
# numpy/scikit-learn objects render as plain code instead of links.

# -- Example gallery ----------------------------------------------------------

_run_gallery = os.environ.get("POLYNN_DOC_NO_GALLERY", "") not in {"1", "true", "yes"}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Execute every examples/plot_*.py (a script not named plot_* would be shown
    # without being run); an exception in any of them fails the build.
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py|/_",
    "plot_gallery": _run_gallery,
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "matplotlib_animations": False,
    "reset_modules": ("matplotlib",),
    "show_memory": False,
    # "Examples using X" mini-galleries on the API pages.
    "doc_module": ("sklearn_polynn",),
    "backreferences_dir": os.path.join("generated", "backreferences"),
    "inspect_global_variables": False,
}

# -- HTML -------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-polynn {release}"
html_show_sourcelink = False
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_context = {"default_mode": "light"}


# -- Docstring fixes applied at build time ----------------------------------

# numpydoc type specs such as ``ndarray of shape (n_components_,)`` name fitted
# attributes, whose trailing underscore reStructuredText reads as a link target
# ("Unknown target name"). Escape it in the type part of parameter lines before
# numpydoc parses the docstring, so the docstrings can keep scikit-learn's style.
_PARAM_LINE = re.compile(r"^(\s*[\w*][\w, *]* : )(.+)$")
_TRAILING_UNDERSCORE = re.compile(r"(?<![`\w\\])([A-Za-z]\w*)_(?![\w`])")


def _escape_attribute_names(app, what, name, obj, options, lines):
    for i, line in enumerate(lines):
        match = _PARAM_LINE.match(line)
        if match and not line.lstrip().startswith(">>>"):
            head, spec = match.groups()
            lines[i] = head + _TRAILING_UNDERSCORE.sub(r"\1\\_", spec)


# scikit-learn adds ``set_{method}_request`` methods to every estimator class for
# metadata routing; they are not part of this package's API and their docstrings
# refer to scikit-learn's own documentation.
_SKIPPED_MEMBERS = re.compile(r"^set_\w+_request$")


def _skip_member(app, what, name, obj, skip, options):
    if _SKIPPED_MEMBERS.match(name):
        return True
    return None


# Sphinx's autosummary cuts the one-line summary at the first ". ", even inside an
# inline literal (``w_i . x``): it re-parses the whole stanza instead of the cut
# summary, so its own check never fires, and the broken literal is a -W error.
# Extend such a summary to the first sentence end outside inline literals.
_upstream_extract_summary = sphinx.ext.autosummary.extract_summary


def _first_sentence(text):
    inside_literal = False
    i = 0
    while i < len(text):
        if text.startswith("``", i):
            inside_literal = not inside_literal
            i += 2
            continue
        end = i + 1 == len(text) or text[i + 1].isspace()
        if text[i] == "." and end and not inside_literal:
            return text[: i + 1]
        i += 1
    return text


def _extract_summary(doc, settings):
    summary = _upstream_extract_summary(doc, settings)
    if summary.count("``") % 2 == 0:
        return summary
    stanza = []
    for line in doc:
        if line.strip():
            stanza.append(line.strip())
        elif stanza:
            break
    return _first_sentence(" ".join(stanza))


sphinx.ext.autosummary.extract_summary = _extract_summary


def setup(app):
    app.connect("autodoc-process-docstring", _escape_attribute_names, priority=400)
    app.connect("autodoc-skip-member", _skip_member)
