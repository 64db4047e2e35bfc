"""The command line and first-use helpers: ``python -m sklearn_polynn
{demo,reproduce,bench}``, ``show_versions`` and the HTML-repr documentation links.

The demo and the reproductions themselves fit estimators for seconds to hours;
here their rows and runs are stubbed, so what is checked is the reporting: the
PASS/FAIL logic, the verdict, the listing, the errors and the exit codes.
"""

import io
import math
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sklearn_polynn
from sklearn_polynn import WhiteningTransformer, _demo, reproductions
from sklearn_polynn import __main__ as cli
from sklearn_polynn.reproductions import REPRODUCTIONS, Reproduction, _io

# -- demo -------------------------------------------------------------------


def _stub(value, seconds=0.0, name="Stub"):
    def run(random_state):
        time.sleep(seconds)
        return name, "toy task", "metric", value

    return run


def test_demo_task_checks_its_bound():
    below = _demo.DemoTask(_stub(0.0), "<", 0.01, "paper")
    above = _demo.DemoTask(_stub(0.0), ">", 0.99, "paper")
    assert below.passed(0.005) and not below.passed(0.01)
    assert above.passed(0.999) and not above.passed(0.5)
    # NaN (a diverged fit) never passes, whichever the direction
    assert not below.passed(math.nan) and not above.passed(math.nan)
    assert below.expectation == "< 0.01" and above.expectation == "> 0.99"


def test_every_demo_task_states_its_paper_and_bound():
    for task in _demo.DEMO_TASKS:
        assert task.op in {"<", ">"} and math.isfinite(task.bound)
        assert re.search(r"(19|20)\d\d", task.source), task.source  # the paper


def test_run_demo_prints_expectation_pass_fail_and_verdict():
    tasks = [
        _demo.DemoTask(_stub(0.001, name="Good"), "<", 0.01, "Paper A, Thm 1"),
        _demo.DemoTask(
            _stub(0.5, name="Bad"), ">", 0.99, "Paper B, Fig. 2", note="What it is."
        ),
    ]
    out = io.StringIO()
    rows = _demo.run_demo(file=out, tasks=tasks)
    text = out.getvalue()
    assert [row["passed"] for row in rows] == [True, False]
    assert rows[0]["expectation"] == "< 0.01" and rows[1]["value"] == 0.5
    assert "[1/2] Good: toy task" in text
    assert re.search(r"metric = 0\.001 +paper: < 0\.01 +PASS", text)
    assert re.search(r"metric = 0\.5 +paper: > 0\.99 +FAIL", text)
    assert "Paper B, Fig. 2" in text and "Note. What it is." in text
    last = text.strip().splitlines()[-1]
    assert last.startswith("FAIL: 1 of 2 results miss") and "Bad" in last
    # not a terminal: no live progress line
    assert "\r" not in text


def test_run_demo_verdict_when_all_pass():
    tasks = [_demo.DemoTask(_stub(1.0), ">", 0.5, "Paper 2014")] * 3
    out = io.StringIO()
    _demo.run_demo(file=out, tasks=tasks)
    assert (
        out.getvalue().strip().splitlines()[-1].startswith("PASS: all 3 results match")
    )


def test_demo_exit_status_follows_the_verdict(monkeypatch, capsys):
    passing = [_demo.DemoTask(_stub(1.0), ">", 0.5, "Paper 2014")]
    monkeypatch.setattr(_demo, "DEMO_TASKS", passing)
    assert cli.main(["demo"]) == 0
    failing = [_demo.DemoTask(_stub(0.0), ">", 0.5, "Paper 2014")]
    monkeypatch.setattr(_demo, "DEMO_TASKS", failing)
    assert cli.main(["demo"]) == 1
    assert "FAIL" in capsys.readouterr().out


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_live_line_only_for_long_rows_on_a_terminal():
    terminal = _Terminal()
    with _demo._LiveLine("slow_task", terminal, delay=0.05, period=0.02):
        time.sleep(0.3)
    text = terminal.getvalue()
    assert "\r  running slow_task ... 0 s" in text
    assert text.endswith("\r\033[K")  # cleared before the row is printed
    quick = _Terminal()
    with _demo._LiveLine("quick_task", quick, delay=5.0):
        pass
    assert quick.getvalue() == ""


# -- reproduce --------------------------------------------------------------


def test_reproduce_lists_size_and_time_of_every_entry(capsys):
    assert cli.main(["reproduce"]) == 0
    out = capsys.readouterr().out
    for name, entry in REPRODUCTIONS.items():
        assert isinstance(entry, Reproduction)
        block = out.split(f"\n{name}\n", 1)[1].split("\n\n", 1)[0]
        assert entry.description in block
        assert f"paper scale: {entry.size}; about " in block
        assert f"--small:     {entry.small_size}; about " in block
    assert cli.main(["reproduce", "--list"]) == 0


def test_unknown_reproduction_is_one_line_exit_2():
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_polynn", "reproduce", "no-such-figure"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith("error: unknown reproduction 'no-such-figure'")
    assert "shamir-thm4" in lines[0]


def test_reproduce_without_matplotlib_fails_before_computing(monkeypatch, capsys):
    real_find_spec = cli.importlib.util.find_spec
    monkeypatch.setattr(
        cli.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "matplotlib" else real_find_spec(name, *a),
    )

    def must_not_run(name):
        raise AssertionError("computed before checking for matplotlib")

    monkeypatch.setattr(reproductions, "get_reproduction", must_not_run)
    assert cli.main(["reproduce", "shamir-thm4", "--small"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == (
        "error: reproduce draws its figure with matplotlib, which is not "
        'installed: pip install "sklearn-polynn[plot]"'
    )


def test_reproduce_runs_with_progress_and_rounded_headlines(
    monkeypatch, tmp_path, capsys
):
    calls = {}

    def run(output_dir, *, full, random_state, verbose):
        calls.update(full=full, random_state=random_state, verbose=verbose)
        _io.progress(verbose, "step 1 of 1")
        return {
            "csv": str(output_dir / "toy.csv"),
            "rows": [{"a": 1}] * 50,  # bulky: not printed
            "error": 0.0123456789,
            "max_change": {"alone": 1.23456e-3, "whitened": 9.87654e-12},
            "slopes": [-1.04321, -0.98765],
            "n_fits": 12,
        }

    entry = Reproduction("toy.module", "toy figure", "N=10", 1.0, "N=5", 2.0)
    monkeypatch.setitem(REPRODUCTIONS, "toy", entry)
    monkeypatch.setattr(reproductions, "get_reproduction", lambda name: run)
    code = cli.main(["reproduce", "toy", "--small", "--output", str(tmp_path / "o")])
    assert code == 0
    assert calls == {"full": False, "random_state": 0, "verbose": 1}
    out = capsys.readouterr().out
    assert out.startswith("toy: N=5 (about 2 s on 2 cores)\nstep 1 of 1\n")
    assert "  error: 0.0123\n" in out
    assert "  max_change: alone: 0.00123, whitened: 9.88e-12\n" in out
    assert "  slopes: [-1.04, -0.988]\n" in out
    assert "  n_fits: 12\n" in out
    assert "rows" not in out


def test_format_value():
    assert cli._format_value(3.14159) == "3.14"
    assert cli._format_value(True) == "True"
    assert cli._format_value({"a": {"b": 1.0}}) is None  # nested: not a headline
    assert cli._format_value(list(range(13))) is None
    assert cli._format_value(object()) is None


def test_format_duration():
    assert _io.format_duration(42.4) == "42 s"
    assert _io.format_duration(185) == "3 min 05 s"
    assert _io.format_duration(3720) == "1 h 02 min"
    assert _io.format_duration(540, rough=True) == "9 min"
    assert _io.format_duration(3 * 3600, rough=True) == "3 h"


def test_heartbeat_prints_only_after_silence():
    out = io.StringIO()
    with _io.heartbeat(1, expected_seconds=540, interval=0.05, file=out):
        time.sleep(0.4)
    lines = out.getvalue().splitlines()
    assert lines and all(
        re.fullmatch(r"\.\.\. still running: \d+ s elapsed \(expected about 9 min\)", x)
        for x in lines
    )
    quiet = io.StringIO()
    with _io.heartbeat(1, interval=10.0, file=quiet):
        time.sleep(0.05)
    with _io.heartbeat(0, interval=0.01, file=quiet):
        time.sleep(0.05)
    assert quiet.getvalue() == ""


# -- bench ------------------------------------------------------------------


def test_bench_outside_a_checkout_says_what_it_needs(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "_CHECKOUT_BENCHMARKS", tmp_path / "nowhere")
    assert cli.main(["bench", "--quick"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "source checkout" in err and "git clone https://github.com/" in err
    assert "python -m sklearn_polynn bench" in err


def test_bench_finds_the_checkout_from_any_directory(monkeypatch, tmp_path):
    checkout = tmp_path / "benchmarks"
    checkout.mkdir()
    (checkout / "bench_toy.py").write_text("pass\n")
    monkeypatch.chdir(tmp_path / "..")
    monkeypatch.setattr(cli, "_CHECKOUT_BENCHMARKS", checkout)
    assert cli._bench_folder(None) == checkout
    assert cli.main(["bench"]) == 0


# -- show_versions, HTML repr -----------------------------------------------


def test_show_versions_lists_system_dependencies_and_blas():
    out = io.StringIO()
    sklearn_polynn.show_versions(file=out)
    text = out.getvalue()
    for heading in ("System:", "Python dependencies:", "Optional packages:"):
        assert heading in text
    for package in ("sklearn-polynn", "numpy", "scipy", "scikit-learn"):
        assert re.search(rf"^ *{package}: \S", text, re.MULTILINE), package
    assert f"sklearn-polynn: {sklearn_polynn.__version__}" in text
    assert re.search(r"^ *torch: ", text, re.MULTILINE)
    assert "Threadpoolctl info:" in text


def test_html_repr_links_to_this_package_api_pages():
    est = WhiteningTransformer(center=False)
    url = est._get_doc_link()
    assert url == (
        "https://sklearn-polynn.github.io/sklearn-polynn/generated/"
        "sklearn_polynn.WhiteningTransformer.html"
    )
    html = est._repr_html_()
    assert f'href="{url}"' in html
    # the parameter names link to their entry on the same page
    assert f"{url}#:~:text=center" in html
    assert not re.search(r'href="[^"]*scikit-learn\.org', html)


# -- packaging --------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def pyproject():
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    path = ROOT / "pyproject.toml"
    if not path.exists():
        pytest.skip("not a source checkout")
    return tomllib.loads(path.read_text())["project"]


def test_pyproject_metadata(pyproject):
    assert pyproject["license"] == "BSD-3-Clause"  # SPDX expression
    assert pyproject["license-files"] == ["LICENSE"]
    assert {"Documentation", "Source", "Issues"} <= set(pyproject["urls"])
    versions = {
        c.rsplit(":: ", 1)[1]
        for c in pyproject["classifiers"]
        if c.startswith("Programming Language :: Python :: 3.")
    }
    assert versions == {"3.10", "3.11", "3.12", "3.13"}
    extras = pyproject["optional-dependencies"]
    assert any(dep.startswith("matplotlib") for dep in extras["plot"])
    assert any(dep.startswith("sphinx-mathjax-offline") for dep in extras["docs"])
    assert any(dep.startswith("ruff") for dep in extras["test"])
    # every runtime dependency is imported by the package
    source = "\n".join(p.read_text() for p in (ROOT / "sklearn_polynn").rglob("*.py"))
    for dep in pyproject["dependencies"]:
        name = re.split(r"[<>=!~ \[]", dep)[0]
        module = {"scikit-learn": "sklearn"}.get(name, name.replace("-", "_"))
        assert re.search(rf"^\s*(import|from) {module}\b", source, re.M), dep


def test_docs_bundle_mathjax():
    conf = ROOT / "doc" / "conf.py"
    if not conf.exists():
        pytest.skip("not a source checkout")
    assert '"sphinx-mathjax-offline"' in conf.read_text()
