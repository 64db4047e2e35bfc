"""What every reproduction does around its numbers: output paths, the CSV, the
figure, quiet timed fits and progress lines.

Each ``run(output_dir, ...)`` of this package writes ``NAME.csv`` and
``NAME.png`` into ``output_dir``; these helpers are the one place that does it.
"""

import csv
import sys
import threading
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

from sklearn.exceptions import ConvergenceWarning

__all__ = [
    "all_keys",
    "fit_quietly",
    "format_duration",
    "heartbeat",
    "output_paths",
    "progress",
    "pyplot",
    "save_figure",
    "timed_fit",
    "write_csv",
]


def output_paths(output_dir, name):
    """Create ``output_dir`` (with parents); return ``(NAME.csv, NAME.png)`` in it."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    return output_dir / f"{name}.csv", output_dir / f"{name}.png"


def all_keys(rows):
    """The sorted union of the keys of the dicts ``rows`` (a CSV header for rows
    of different kinds)."""
    return sorted({key for row in rows for key in row})


def write_csv(path, rows, header=None):
    """Write ``rows`` to the CSV file ``path`` under a header line.

    Parameters
    ----------
    path : str or Path
    rows : list of dict or list of sequence
        Dicts are written by key (a key missing from a row leaves its cell
        empty); sequences as they are.
    header : list of str, default=None
        The columns. Required for sequence rows; for dict rows it defaults to
        the keys of the first row.
    """
    rows = list(rows)
    with open(path, "w", newline="") as fh:
        if rows and isinstance(rows[0], dict):
            fields = list(rows[0]) if header is None else list(header)
            writer = csv.DictWriter(fh, fieldnames=fields)
            writer.writeheader()
        else:
            if header is None:
                raise ValueError("write_csv: header is required for sequence rows.")
            writer = csv.writer(fh)
            writer.writerow(header)
        writer.writerows(rows)


def pyplot():
    """``matplotlib.pyplot`` on the non-interactive Agg backend (files only)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path, dpi=120):
    """Lay out ``fig`` tightly, save it to ``path`` at ``dpi`` and close it."""
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    pyplot().close(fig)


def fit_quietly(model, X, y, *, ignore_messages=()):
    """``model.fit(X, y)`` without ConvergenceWarnings (the reproductions run fixed
    budgets), nor UserWarnings matching any regex of ``ignore_messages``.

    Returns the fitted ``model``.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for message in ignore_messages:
            warnings.filterwarnings("ignore", message=message, category=UserWarning)
        return model.fit(X, y)


def timed_fit(model, X, y):
    """:func:`fit_quietly` ``model`` on ``(X, y)``; return the wall seconds it took."""
    start = time.perf_counter()
    fit_quietly(model, X, y)
    return time.perf_counter() - start


# When progress() last printed (time.monotonic()): heartbeat() stays quiet while
# a reproduction reports its own progress.
_last_output = [0.0]


def progress(verbose, message):
    """Print ``message`` (flushed: runs take minutes) when ``verbose``."""
    if verbose:
        print(message, flush=True)
        _last_output[0] = time.monotonic()


def format_duration(seconds, rough=False):
    """``seconds`` as ``"42 s"``, ``"3 min 05 s"`` or ``"1 h 02 min"``; with
    ``rough``, one unit only (``"40 s"``, ``"9 min"``, ``"2.5 h"``)."""
    if rough:
        if seconds < 90:
            return f"{round(seconds)} s"
        if seconds < 90 * 60:
            return f"{round(seconds / 60)} min"
        return f"{seconds / 3600:.2g} h"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


@contextmanager
def heartbeat(verbose, expected_seconds=None, interval=30.0, file=None):
    """While the block runs, print the elapsed time after every ``interval``
    seconds without a :func:`progress` line, so that a long run is never silent.

    Parameters
    ----------
    verbose : int
        Nothing is printed (and no thread started) when 0.
    expected_seconds : float, default=None
        Added to each line as ``(expected about ...)``.
    interval : float, default=30.0
        Seconds of silence between two lines.
    file : file-like, default=None
        Where to print; ``sys.stdout`` when None.
    """
    if not verbose:
        yield
        return
    out = sys.stdout if file is None else file
    start = time.monotonic()
    _last_output[0] = start
    stop = threading.Event()
    expected = (
        f" (expected about {format_duration(expected_seconds, rough=True)})"
        if expected_seconds
        else ""
    )

    def beat():
        while not stop.wait(min(interval, 1.0)):
            now = time.monotonic()
            if now - _last_output[0] >= interval:
                print(
                    f"... still running: {format_duration(now - start)} "
                    f"elapsed{expected}",
                    file=out,
                    flush=True,
                )
                _last_output[0] = now

    thread = threading.Thread(target=beat, name="polynn-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
