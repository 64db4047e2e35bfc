"""What every reproduction does around its numbers: output paths, the CSV, the
figure, quiet timed fits and progress lines.

Each ``run(output_dir, ...)`` of this package writes ``NAME.csv`` and
``NAME.png`` into ``output_dir``; these helpers are the one place that does it.
"""

import csv
import time
import warnings
from pathlib import Path

from sklearn.exceptions import ConvergenceWarning

__all__ = [
    "all_keys",
    "fit_quietly",
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


def progress(verbose, message):
    """Print ``message`` (flushed: runs take minutes) when ``verbose``."""
    if verbose:
        print(message, flush=True)
