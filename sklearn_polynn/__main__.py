"""Command line: ``python -m sklearn_polynn {demo,reproduce,bench}``."""

import argparse
import importlib.util
import numbers
import subprocess
import sys
from pathlib import Path

__all__ = ["main"]

SOURCE_URL = "https://github.com/sklearn-polynn/sklearn-polynn"
PLOT_HINT = 'pip install "sklearn-polynn[plot]"'
# A source checkout has benchmarks/ next to the package; a wheel does not.
_CHECKOUT_BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


class _CommandError(Exception):
    """A user error: printed as one line on stderr, exit status ``code``."""

    def __init__(self, message, code=1):
        super().__init__(message)
        self.code = code


def _demo(args):
    from ._demo import run_demo

    rows = run_demo(random_state=args.random_state)
    return 0 if all(row["passed"] for row in rows) else 1


def _format_value(value, digits=3):
    """Headline numbers rounded to ``digits`` significant digits; flat dicts and
    short lists of numbers element-wise. None for anything else (not printed)."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return f"{float(value):.{digits}g}"
    if isinstance(value, str | Path):
        return str(value)
    if isinstance(value, dict) and 0 < len(value) <= 12:
        if all(isinstance(v, numbers.Number | str) for v in value.values()):
            return ", ".join(
                f"{k}: {_format_value(v, digits)}" for k, v in value.items()
            )
        return None
    if isinstance(value, list | tuple) and 0 < len(value) <= 12:
        parts = [_format_value(v, digits) for v in value]
        if all(text is not None and "," not in text for text in parts):
            return "[" + ", ".join(parts) + "]"
    return None


def _list_reproductions(file=None):
    from .reproductions import REPRODUCTIONS
    from .reproductions._io import format_duration

    out = sys.stdout if file is None else file
    print(
        "Reproductions (python -m sklearn_polynn reproduce NAME [--small]); times "
        "on 2 CPU cores:",
        file=out,
    )
    for name, entry in sorted(REPRODUCTIONS.items()):
        print(f"\n{name}\n    {entry.description}", file=out)
        print(
            f"    paper scale: {entry.size}; about "
            f"{format_duration(60 * entry.minutes, rough=True)} (estimated)",
            file=out,
        )
        print(
            f"    --small:     {entry.small_size}; about "
            f"{format_duration(entry.small_seconds, rough=True)} (measured)",
            file=out,
        )


def _require_matplotlib(what):
    if importlib.util.find_spec("matplotlib") is None:
        raise _CommandError(
            f"{what} draws its figure with matplotlib, which is not installed: "
            f"{PLOT_HINT}"
        )


def _reproduce(args):
    from .reproductions import REPRODUCTIONS, get_reproduction
    from .reproductions._io import format_duration, heartbeat

    if args.list or args.name is None:
        _list_reproductions()
        return 0
    if args.name not in REPRODUCTIONS:
        known = ", ".join(sorted(REPRODUCTIONS))
        raise _CommandError(
            f"unknown reproduction {args.name!r}; choose one of: {known}", code=2
        )
    _require_matplotlib("reproduce")  # before minutes of computing
    entry = REPRODUCTIONS[args.name]
    expected = entry.small_seconds if args.small else 60 * entry.minutes
    size = entry.small_size if args.small else entry.size
    print(
        f"{args.name}: {size} "
        f"(about {format_duration(expected, rough=True)} on 2 cores)",
        flush=True,
    )
    run = get_reproduction(args.name)
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    with heartbeat(1, expected_seconds=expected):
        result = run(
            output, full=not args.small, random_state=args.random_state, verbose=1
        )
    print("\nResults:")
    for key, value in result.items():
        text = _format_value(value)
        if text is not None:
            print(f"  {key}: {text}")
    return 0


def _bench_folder(path):
    """The folder of bench_*.py scripts: ``path`` when given, else ``benchmarks/``
    in the current directory or in the source checkout this package runs from."""
    if path is not None:
        return Path(path)
    for folder in (Path("benchmarks"), _CHECKOUT_BENCHMARKS):
        if any(folder.glob("bench_*.py")):
            return folder
    raise _CommandError(
        "bench runs the scripts of benchmarks/, which are part of the source "
        "checkout, not of the installed package: "
        f"git clone {SOURCE_URL} && cd sklearn-polynn && "
        'pip install -e ".[test]" && python -m sklearn_polynn bench '
        "(or pass --path FOLDER)"
    )


def _bench(args):
    bench_dir = _bench_folder(args.path)
    scripts = sorted(bench_dir.glob("bench_*.py"))
    if args.only:
        scripts = [s for s in scripts if args.only in s.stem]
    if not scripts:
        print(f"No bench_*.py scripts found in {bench_dir}.", file=sys.stderr)
        return 1
    options = (["--quick"] if args.quick else []) + (
        ["--device", args.device] if args.device else []
    )
    failed = []
    for i, script in enumerate(scripts, 1):
        print(f"[{i}/{len(scripts)}] {script.name}", flush=True)
        code = subprocess.call([sys.executable, str(script), *options])
        if code != 0:
            failed.append(f"{script.name} (exit status {code})")
    if failed:
        print("Failed: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_polynn",
        description="sklearn-polynn: demo, paper reproductions and benchmarks.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser(
        "demo",
        help="fit every estimator on its paper's task, PASS/FAIL per row "
        "(about 15 s on 2 cores)",
    )
    demo.add_argument("--random-state", type=int, default=0)
    demo.set_defaults(func=_demo)

    rep = sub.add_parser(
        "reproduce",
        help="run one paper reproduction (omit NAME to list them)",
        description="Run one paper reproduction; writes NAME.csv and NAME.png. "
        f"Needs matplotlib: {PLOT_HINT}.",
    )
    rep.add_argument("name", nargs="?", help="reproduction name (omit to list)")
    rep.add_argument("--list", action="store_true", help="list reproductions")
    rep.add_argument(
        "--output", default="results", help="folder for the PNG and CSV (results/)"
    )
    rep.add_argument(
        "--small",
        action="store_true",
        help="run at the gallery's small size (seconds to a few minutes)",
    )
    rep.add_argument("--random-state", type=int, default=0)
    rep.set_defaults(func=_reproduce)

    bench = sub.add_parser(
        "bench", help="run the scripts in benchmarks/ (from a source checkout)"
    )
    bench.add_argument(
        "--path",
        default=None,
        help="folder with bench_*.py (default: benchmarks/ here or in the "
        "source checkout)",
    )
    bench.add_argument("--only", help="run only scripts whose name contains this")
    bench.add_argument("--quick", action="store_true", help="small sizes")
    bench.add_argument(
        "--device", choices=["cpu", "cuda"], help="passed on to every script"
    )
    bench.set_defaults(func=_bench)
    return parser


def main(argv=None):
    """Entry point of ``python -m sklearn_polynn``."""
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except _CommandError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.code


if __name__ == "__main__":
    sys.exit(main())
