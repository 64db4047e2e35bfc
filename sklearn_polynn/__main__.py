"""Command line: ``python -m sklearn_polynn {demo,reproduce,bench}``."""

import argparse
import subprocess
import sys
from pathlib import Path

__all__ = ["main"]


def _demo(args):
    from ._demo import run_demo

    run_demo(random_state=args.random_state)
    return 0


def _reproduce(args):
    from .reproductions import REPRODUCTIONS, get_reproduction

    if args.list or args.name is None:
        for name, (_, description) in sorted(REPRODUCTIONS.items()):
            print(f"{name:<24} {description}")
        return 0
    run = get_reproduction(args.name)
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    result = run(output, full=not args.small, random_state=args.random_state, verbose=1)
    for key, value in result.items():
        if isinstance(value, str | Path | int | float):  # headline numbers and paths
            print(f"{key}: {value}")
    return 0


def _bench(args):
    bench_dir = Path(args.path)
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
        "demo", help="fit every estimator on its paper's task (small, < 1 min)"
    )
    demo.add_argument("--random-state", type=int, default=0)
    demo.set_defaults(func=_demo)

    rep = sub.add_parser("reproduce", help="run one paper-scale reproduction")
    rep.add_argument("name", nargs="?", help="reproduction name (omit to list)")
    rep.add_argument("--list", action="store_true", help="list reproductions")
    rep.add_argument(
        "--output", default="results", help="folder for the PNG and CSV (results/)"
    )
    rep.add_argument(
        "--small", action="store_true", help="run at the gallery's small size"
    )
    rep.add_argument("--random-state", type=int, default=0)
    rep.set_defaults(func=_reproduce)

    bench = sub.add_parser("bench", help="run the scripts in benchmarks/")
    bench.add_argument(
        "--path", default="benchmarks", help="folder with bench_*.py (benchmarks/)"
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
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
