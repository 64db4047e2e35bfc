"""Cheap checks of the benchmark suite: every script imports, the harness's ratios
and table are right, and ``python -m sklearn_polynn bench`` reports failures.

Nothing here times anything; the benchmarks themselves run with
``python -m sklearn_polynn bench --quick``.
"""

import importlib
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from sklearn_polynn.__main__ import main as cli_main

BENCH_DIR = Path(__file__).resolve().parent.parent / "benchmarks"
SCRIPTS = sorted(BENCH_DIR.glob("bench_*.py"))


@pytest.fixture
def harness(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH_DIR))
    return importlib.import_module("_harness")


def _load(script):
    spec = importlib.util.spec_from_file_location(f"_bench_{script.stem}", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # no main(): guarded by __name__
    return module


def test_the_suite_has_the_documented_scripts():
    names = {s.stem for s in SCRIPTS}
    assert {
        "bench_random_features",
        "bench_sklearn_datasets",
        "bench_scaling",
    } <= names


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: s.stem)
def test_bench_script_imports_without_running(script, harness):
    module = _load(script)
    assert callable(module.main)
    assert module.__doc__ and module.__doc__.strip()
    # One format for all benches: every script reports through the harness.
    assert module.report is harness.report
    assert module.Row is harness.Row


def test_row_ratios(harness):
    row = harness.Row("fit", "N=10", 2.0, floor_seconds=0.5, peer_seconds=4.0)
    assert row.floor_ratio == pytest.approx(4.0)
    assert row.peer_ratio == pytest.approx(0.5)
    bare = harness.Row("fit", "N=10", 2.0)
    assert bare.floor_ratio is None and bare.peer_ratio is None
    assert harness.Row("fit", "N=10", 2.0, floor_seconds=0.0).floor_ratio is None


def test_report_markdown_and_json(harness, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(harness, "RESULTS_DIR", tmp_path)
    rows = [
        harness.Row("fit", "N=10 cpu", 1.5, floor_seconds=0.5),
        harness.Row(
            "fit",
            "N=10 cpu",
            1.5,
            peer_seconds=3.0,
            peer="MLPRegressor",
            metric="R^2",
            value=0.98765,
        ),
    ]
    harness.report("/x/bench_toy.py", rows, title="Toy")
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "### Toy"
    assert lines[2] == (
        "| benchmark | case | seconds | x floor | peer | x peer | metric | value |"
    )
    assert lines[3] == "|---|---|---:|---:|---|---:|---|---:|"
    assert lines[4] == "| fit | N=10 cpu | 1.5 | 3.00 |  |  |  |  |"
    assert lines[5] == (
        "| fit | N=10 cpu | 1.5 |  | MLPRegressor | 0.50 | R^2 | 0.9877 |"
    )
    assert len(lines) == 6
    record = json.loads((tmp_path / "bench_toy.json").read_text().splitlines()[-1])
    assert record["script"] == "bench_toy"
    assert [r["floor_ratio"] for r in record["rows"]] == [3.0, None]
    assert [r["peer_ratio"] for r in record["rows"]] == [None, 0.5]


def test_report_without_saving_writes_nothing(harness, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(harness, "RESULTS_DIR", tmp_path / "results")
    harness.report("bench_toy.py", [harness.Row("a", "b", 1.0)], save=False)
    assert "| a | b | 1 |" in capsys.readouterr().out
    assert not (tmp_path / "results").exists()


def test_parse_args_extra_options(harness):
    def extra(parser):
        parser.add_argument("--full", action="store_true")

    args = harness.parse_args("x", extra=extra, argv=["--quick", "--full"])
    assert args.quick and args.full and args.device == "cpu" and args.repeat == 3
    with pytest.raises(SystemExit):
        harness.parse_args("x", argv=["--full"])


def test_estimator_device_and_fit_and_score(harness, capsys):
    from sklearn.linear_model import LinearRegression

    assert harness.estimator_device(harness.parse_args("x", argv=[])) is None
    cuda = harness.parse_args("x", argv=["--device", "cuda"])
    assert harness.estimator_device(cuda) == "cuda"
    rng = np.random.RandomState(0)
    X = rng.standard_normal((40, 3))
    y = X @ np.array([1.0, -2.0, 0.5])
    results = harness.fit_and_score(
        {
            "ols": LinearRegression,
            "no_icpt": lambda: LinearRegression(fit_intercept=False),
        },
        X[:30],
        y[:30],
        X[30:],
        y[30:],
        "N=30",
    )
    assert list(results) == ["ols", "no_icpt"]
    seconds, r2 = results["ols"]
    assert seconds > 0 and r2 == pytest.approx(1.0)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("  ols            N=30: fit ")
    assert out[0].endswith("test R^2 = 1.000000")


def test_scaling_slope_and_grid(harness):
    scaling = _load(BENCH_DIR / "bench_scaling.py")
    sizes = [1_000, 10_000, 100_000]
    seconds = [2e-3 * (n / 1_000) ** 1.5 for n in sizes]
    assert scaling.loglog_slope(sizes, seconds) == pytest.approx(1.5)
    quick, gd_quick = scaling.sample_sizes(quick=True, full=False)
    assert quick == [1000, 3162, 10000] and gd_quick == 10_000
    default, _ = scaling.sample_sizes(quick=False, full=False)
    full, gd_full = scaling.sample_sizes(quick=False, full=True)
    assert default[-1] == 100_000 and full[-1] == 1_000_000 and gd_full == 100_000
    assert np.all(np.diff(full) > 0)
    for quick, full in [(True, False), (False, False), (False, True)]:
        ms, ds = scaling.width_sizes(quick, full)
        assert np.all(np.diff(ms) > 0) and np.all(np.diff(ds) > 0)


def _write(folder, name, body):
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(body)


def test_cli_bench_passes_options_and_succeeds(tmp_path, capsys):
    record = tmp_path / "argv.txt"
    _write(
        tmp_path / "b",
        "bench_ok.py",
        f"import sys\nopen({str(record)!r}, 'w').write(' '.join(sys.argv[1:]))\n",
    )
    assert cli_main(["bench", "--path", str(tmp_path / "b"), "--quick"]) == 0
    assert record.read_text() == "--quick"
    assert "[1/1] bench_ok.py" in capsys.readouterr().out


def test_cli_bench_fails_when_a_script_fails(tmp_path, capsys):
    folder = tmp_path / "b"
    _write(folder, "bench_a_fails.py", "raise SystemExit(3)\n")
    _write(folder, "bench_b_ok.py", "print('ran b')\n")
    assert cli_main(["bench", "--path", str(folder)]) == 1
    captured = capsys.readouterr()
    assert "Failed: bench_a_fails.py (exit status 3)" in captured.err
    # The other scripts still run.
    assert "[2/2] bench_b_ok.py" in captured.out


def test_cli_bench_only_filters_and_empty_folder_fails(tmp_path):
    folder = tmp_path / "b"
    _write(folder, "bench_a_fails.py", "raise SystemExit(3)\n")
    _write(folder, "bench_b_ok.py", "pass\n")
    assert cli_main(["bench", "--path", str(folder), "--only", "b_ok"]) == 0
    assert cli_main(["bench", "--path", str(folder), "--only", "nothing"]) == 1


def test_cli_module_entry_point_exits_nonzero(tmp_path):
    import subprocess

    folder = tmp_path / "b"
    _write(folder, "bench_fail.py", "raise RuntimeError('boom')\n")
    code = subprocess.call(
        [sys.executable, "-m", "sklearn_polynn", "bench", "--path", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert code == 1
