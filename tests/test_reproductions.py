"""The reproductions' shared output code (``sklearn_polynn.reproductions._io``) and
a smoke run of the fastest reproduction through it.

The paper-scale runs live behind ``python -m sklearn_polynn reproduce NAME``; here
only the helpers every ``run`` uses are checked, on tiny inputs.
"""

import csv
import importlib
import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning

from sklearn_polynn.reproductions import REPRODUCTIONS, _io, get_reproduction


def _read(path):
    with open(path, newline="") as fh:
        return list(csv.reader(fh))


def test_output_paths_creates_the_folder(tmp_path):
    csv_path, png_path = _io.output_paths(tmp_path / "a" / "b", "toy-name")
    assert (tmp_path / "a" / "b").is_dir()
    assert csv_path == tmp_path / "a" / "b" / "toy-name.csv"
    assert png_path == tmp_path / "a" / "b" / "toy-name.png"


def test_write_csv_dict_rows(tmp_path):
    path = tmp_path / "x.csv"
    rows = [{"b": 1, "a": 0.5}, {"b": 2, "a": "z"}]
    _io.write_csv(path, rows)
    assert _read(path) == [["b", "a"], ["1", "0.5"], ["2", "z"]]
    # rows of different kinds: the sorted union of keys, missing cells empty
    mixed = [{"b": 1}, {"a": 2, "c": True}]
    _io.write_csv(path, mixed, _io.all_keys(mixed))
    assert _read(path) == [["a", "b", "c"], ["", "1", ""], ["2", "", "True"]]


def test_write_csv_sequence_rows_need_a_header(tmp_path):
    path = tmp_path / "x.csv"
    _io.write_csv(path, [["a", 1, ""], ("b", 2.5, True)], ["k", "v", "ok"])
    assert _read(path) == [["k", "v", "ok"], ["a", "1", ""], ["b", "2.5", "True"]]
    with pytest.raises(ValueError, match="header is required"):
        _io.write_csv(path, [[1, 2]])


def test_save_figure_writes_png_and_closes(tmp_path):
    plt = _io.pyplot()
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    n_open = len(plt.get_fignums())
    _io.save_figure(fig, tmp_path / "f.png", dpi=50)
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(plt.get_fignums()) == n_open - 1


class _Noisy(RegressorMixin, BaseEstimator):
    """Warns like an iterative estimator that ran out of iterations."""

    def fit(self, X, y):
        warnings.warn("did not converge", ConvergenceWarning)
        warnings.warn("this estimator assumes x ~ N(0, I)", UserWarning)
        self.mean_ = float(np.mean(y))
        return self

    def predict(self, X):
        return np.full(len(X), self.mean_)


def test_fit_quietly_silences_only_what_it_is_told():
    X, y = np.zeros((3, 1)), np.array([1.0, 2.0, 3.0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = _io.fit_quietly(_Noisy(), X, y)
    assert model.mean_ == 2.0
    assert [w.category for w in caught] == [UserWarning]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _io.fit_quietly(_Noisy(), X, y, ignore_messages=(".*assumes x ~ N",))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("error", ConvergenceWarning)
        assert _io.timed_fit(_Noisy(), X, y) >= 0.0


def test_progress_prints_only_when_verbose(capsys):
    _io.progress(0, "hidden")
    _io.progress(1, "shown")
    assert capsys.readouterr().out == "shown\n"


@pytest.mark.parametrize("name", sorted(REPRODUCTIONS))
def test_every_reproduction_imports(name):
    module = importlib.import_module(REPRODUCTIONS[name][0])
    assert module.run is get_reproduction(name)
    assert module.NAME == name


@pytest.mark.slow  # fits estimators for a few seconds
def test_smallest_reproduction_writes_its_files(tmp_path):
    result = get_reproduction("shamir-thm4")(tmp_path / "out", full=False, verbose=0)
    assert result["csv"].endswith("shamir-thm4.csv")
    assert result["png"].endswith("shamir-thm4.png")
    rows = _read(result["csv"])
    assert rows[0] == sorted(rows[0])  # header: sorted union of the row keys
    assert len(rows) - 1 == len(result["rows"])
    # Thm 4 behind the shared code: whitening makes the fit linearly invariant
    assert result["max_change"]["whitened"] < 1e-4 < result["max_change"]["alone"]
