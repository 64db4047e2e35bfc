"""The documentation cannot silently fall behind the code.

Cheap checks on the reStructuredText sources (Sphinx itself is not run here; the site
is built with ``make -C doc html``): every exported name is in the API reference and
every entry there exists, every public estimator and every reproduction is described
in the user guide, and every gallery script has the title sphinx-gallery needs.
"""

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest
from sklearn.base import BaseEstimator

import sklearn_polynn
from sklearn_polynn.reproductions import REPRODUCTIONS

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "doc"
API = DOC / "api.rst"
USER_GUIDE = DOC / "user_guide"
EXAMPLES = ROOT / "examples"

pytestmark = pytest.mark.skipif(
    not API.exists(), reason="doc/ sources are not part of this installation"
)


def _autosummary_entries(text):
    """``(current_module, entry)`` for each entry of each autosummary block."""
    entries = []
    module = None
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        current = re.match(r"\.\.\s+currentmodule::\s+(\S+)", line)
        if current:
            module = current.group(1)
        if re.match(r"\.\.\s+autosummary::", line):
            i += 1
            # options (":toctree: generated/") and blank lines, then the entries
            while i < len(lines) and (
                not lines[i].strip() or lines[i].strip().startswith(":")
            ):
                i += 1
            while i < len(lines) and lines[i].startswith((" ", "\t")):
                if lines[i].strip():
                    entries.append((module, lines[i].strip()))
                i += 1
            continue
        i += 1
    return entries


def _resolve(module, entry):
    """Import ``module.entry`` (a dotted path below ``module``)."""
    full = f"{module}.{entry}" if module else entry
    parts = full.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attr in parts[split:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(full)


def _public_names():
    return [name for name in sklearn_polynn.__all__ if not name.startswith("__")]


def _user_guide_text():
    return "\n".join(p.read_text() for p in sorted(USER_GUIDE.glob("*.rst")))


def test_autosummary_parser_reads_blocks():
    text = (
        ".. currentmodule:: pkg\n\n.. autosummary::\n   :toctree: generated/\n"
        "   :template: class.rst\n\n   A\n   mod.f\n\nNext paragraph\n"
    )
    assert _autosummary_entries(text) == [("pkg", "A"), ("pkg", "mod.f")]


def test_every_exported_name_is_in_the_api_reference():
    entries = [entry for _, entry in _autosummary_entries(API.read_text())]
    missing = []
    for name in _public_names():
        obj = getattr(sklearn_polynn, name)
        if inspect.ismodule(obj):
            # a public module is documented through its members ("activations.X")
            found = any(entry.startswith(f"{name}.") for entry in entries)
        else:
            found = name in entries
        if not found:
            missing.append(name)
    assert not missing, (
        f"{missing} are in sklearn_polynn.__all__ but not in an autosummary block of "
        "doc/api.rst; add them under their module's section."
    )


def test_every_api_entry_exists():
    entries = _autosummary_entries(API.read_text())
    assert entries, "doc/api.rst has no autosummary entries"
    broken = []
    for module, entry in entries:
        try:
            _resolve(module, entry)
        except (ImportError, AttributeError):
            broken.append(f"{module}.{entry}")
    assert not broken, f"doc/api.rst lists names that do not exist: {broken}"


def test_every_public_estimator_is_in_the_user_guide():
    text = _user_guide_text()
    missing = [
        name
        for name in _public_names()
        if inspect.isclass(getattr(sklearn_polynn, name))
        and issubclass(getattr(sklearn_polynn, name), BaseEstimator)
        and name not in text
    ]
    assert not missing, f"{missing} are not described in doc/user_guide/*.rst"


def test_every_reproduction_is_in_the_user_guide():
    text = _user_guide_text()
    # as a literal (``name`` or "reproduce name"): names such as "high-threshold"
    # are also ordinary words of the prose
    missing = [
        name
        for name in REPRODUCTIONS
        if f"``{name}``" not in text and f"reproduce {name}" not in text
    ]
    assert not missing, (
        f"reproductions {missing} are not mentioned in doc/user_guide/*.rst; compare "
        "their result with the paper's claim on the paper's page."
    )


def _has_rst_title(docstring):
    """Whether ``docstring`` starts with a reStructuredText section title.

    Accepts ``Title`` over an underline, with or without a matching overline, made
    of one repeated punctuation character at least as long as the title.
    """
    lines = [line.rstrip() for line in docstring.strip().splitlines()]

    def adornment(line):
        return len(line) >= 3 and len(set(line)) == 1 and not line[0].isalnum()

    if len(lines) >= 3 and adornment(lines[0]):
        over, title, under = lines[0], lines[1].strip(), lines[2]
        return over == under and bool(title) and len(under) >= len(title)
    if len(lines) >= 2 and lines[0] and adornment(lines[1]):
        return len(lines[1]) >= len(lines[0])
    return False


def test_title_check_accepts_both_title_styles():
    assert _has_rst_title("Title\n=====\n\nText.")
    assert _has_rst_title("\n=======\n Title\n=======\n")
    assert not _has_rst_title("Title\n===\n")  # underline too short
    assert not _has_rst_title("Just a sentence.\nAnd another.")


@pytest.mark.parametrize(
    "script", sorted(EXAMPLES.glob("plot_*.py")), ids=lambda p: p.name
)
def test_gallery_script_has_rst_title(script):
    docstring = ast.get_docstring(ast.parse(script.read_text()), clean=False)
    assert docstring, f"{script.name} needs a module docstring (sphinx-gallery)"
    assert _has_rst_title(docstring), (
        f"{script.name}: the docstring must start with an RST title, underlined "
        "(and optionally overlined) at least as long as the title"
    )


def _short_cell_titles(source):
    """Section titles in ``# %%`` text cells whose underline is too short."""
    comments = [
        line[2:].rstrip() if line.startswith("# ") else None
        for line in source.splitlines()
    ]
    short = []
    for title, under in zip(comments, comments[1:]):
        if not title or not under or len(under) < 3 or len(set(under)) != 1:
            continue
        if under[0] in "=-~^" and len(under) < len(title.strip()):
            short.append(title.strip())
    return short


def test_short_cell_titles_are_found():
    source = "# %%\n# A long title\n# ----\n# ok\n# --\n# Fine\n# ----\n"
    assert _short_cell_titles(source) == ["A long title"]


@pytest.mark.parametrize(
    "script", sorted(EXAMPLES.glob("plot_*.py")), ids=lambda p: p.name
)
def test_gallery_cell_titles_are_fully_underlined(script):
    short = _short_cell_titles(script.read_text())
    assert not short, (
        f"{script.name}: these cell titles have an underline shorter than the title "
        f"(a warning, hence an error, in the docs build): {short}"
    )


def _gallery_rst_blocks(source):
    """The module docstring and the ``# %%`` text cells of a gallery script."""
    blocks = [ast.get_docstring(ast.parse(source), clean=False) or ""]
    lines = source.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == "# %%":
            cell = []
            for following in lines[i + 1 :]:
                if following.startswith("#"):
                    cell.append(following[2:] if following.startswith("# ") else "")
                else:
                    break
            blocks.append("\n".join(cell))
    return blocks


def _rst_problems(text):
    """docutils warnings and errors for ``text`` (Sphinx roles accepted as-is)."""
    docutils_core = pytest.importorskip("docutils.core")
    from docutils import nodes
    from docutils.parsers.rst import roles

    def any_role(name, rawtext, text, lineno, inliner, options=None, content=None):
        return [nodes.literal(rawtext, text)], []

    for role in ("class", "func", "meth", "mod", "attr", "data", "obj", "doc", "ref"):
        roles.register_local_role(role, any_role)
    roles.register_local_role("term", any_role)
    doctree = docutils_core.publish_doctree(
        text,
        settings_overrides={"report_level": 5, "halt_level": 5, "warning_stream": ""},
    )
    return [
        msg.astext()
        for msg in doctree.findall(nodes.system_message)
        if msg["level"] >= 2
    ]


def test_rst_check_finds_a_broken_list():
    assert _rst_problems("(a) one;\n(b) two,\ncontinued.\n")
    assert not _rst_problems("Title\n=====\n\n(a) one;\n(b) two.\n")


@pytest.mark.parametrize(
    "script", sorted(EXAMPLES.glob("plot_*.py")), ids=lambda p: p.name
)
def test_gallery_text_is_valid_rst(script):
    problems = []
    for block in _gallery_rst_blocks(script.read_text()):
        problems += _rst_problems(block)
    assert not problems, f"{script.name}: reStructuredText problems: {problems}"


# -- numpydoc validation of the public API ------------------------------------
#
# scikit-learn's own rules (sklearn/tests/test_docstrings.py, ``filter_errors``):
# RT02, GL01 and GL02 are ignored everywhere; PR02 and GL08 on properties; ES01,
# SA01 and EX01 are required on class and function docstrings only, not methods.
_IGNORED_EVERYWHERE = {"RT02", "GL01", "GL02"}
_CLASS_LEVEL_ONLY = {"EX01", "SA01", "ES01"}


def _sklearn_filter(errors, method, klass=None):
    """scikit-learn's ``filter_errors``: the (code, message) pairs that count."""
    for code, message in errors:
        if code in _IGNORED_EVERYWHERE:
            continue
        if code in ("PR02", "GL08") and klass is not None and method is not None:
            if isinstance(getattr(klass, method), property):
                continue
        if method is not None and code in _CLASS_LEVEL_ONLY:
            continue
        yield code, message


def _defined_here(obj):
    obj = obj.fget if isinstance(obj, property) else obj
    return getattr(obj, "__module__", "").startswith("sklearn_polynn")


def _public_api():
    """``(import path, method or None, class or None)`` for every object listed
    in doc/api.rst and, for classes, every public method or property defined in
    this package (inherited scikit-learn methods are scikit-learn's to check)."""
    targets = []
    for module, entry in _autosummary_entries(API.read_text()):
        obj = _resolve(module, entry)
        path = f"{obj.__module__}.{obj.__qualname__}"
        if not inspect.isclass(obj):
            targets.append((path, None, None))
            continue
        targets.append((path, None, obj))
        for name in sorted(dir(obj)):
            member = inspect.getattr_static(obj, name, None)
            if name.startswith("_") or not _defined_here(getattr(obj, name, None)):
                continue
            if callable(getattr(obj, name)) or isinstance(member, property):
                targets.append((f"{path}.{name}", name, obj))
    return targets


def _numpydoc_problems():
    validate = pytest.importorskip("numpydoc.validate").validate
    problems = []
    for path, method, klass in _public_api():
        result = validate(path)
        for code, message in _sklearn_filter(result["errors"], method, klass):
            problems.append(f"{path}: {code} {message}")
    return problems


def test_public_api_collection_finds_classes_methods_and_functions():
    paths = {path for path, _, _ in _public_api()}
    assert "sklearn_polynn.preprocessing.WhiteningTransformer" in paths
    assert "sklearn_polynn.preprocessing.WhiteningTransformer.fit" in paths
    assert "sklearn_polynn.datasets.make_teacher_network" in paths
    assert "sklearn_polynn._show_versions.show_versions" in paths
    # scikit-learn's inherited methods are not ours to validate
    assert "sklearn_polynn.preprocessing.WhiteningTransformer.get_params" not in paths


def test_sklearn_filter_rules():
    errors = [("GL01", "a"), ("EX01", "b"), ("PR01", "c"), ("SA01", "d")]
    assert list(_sklearn_filter(errors, method=None)) == errors[1:]
    assert list(_sklearn_filter(errors, method="fit")) == [("PR01", "c")]


def test_public_docstrings_pass_numpydoc_validation():
    problems = _numpydoc_problems()
    assert not problems, (
        f"{len(problems)} numpydoc problems (scikit-learn's filter):\n"
        + "\n".join(problems)
    )
