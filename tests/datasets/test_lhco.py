"""load_lhco on small files in the LHC Olympics 2020 layout, written by pandas as the originals."""

import tracemalloc
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from sktopo.datasets import load_lhco

h5py = pytest.importorskip("h5py")


def _events(n=12, seed=0, labelled=True):
    """Rows of 700 x (pT, eta, phi), zero-padded, and a 0/1 label column (R&D files)."""
    rng = np.random.default_rng(seed)
    rows = np.zeros((n, 2100 + labelled))
    for i, k in enumerate(rng.integers(1, 700, n)):
        particles = np.c_[rng.exponential(20.0, k), rng.normal(0, 1.5, k), rng.uniform(-3, 3, k)]
        rows[i, : 3 * k] = particles.ravel()
    if labelled:
        rows[:, -1] = rng.integers(0, 2, n)
    return rows


def _write(path, rows, fmt="table"):
    """``DataFrame.to_hdf`` with integer column names under key 'df', as the LHCO files."""
    pd = pytest.importorskip("pandas")
    pytest.importorskip("tables")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTables' NaturalNameWarning etc.
        pd.DataFrame(rows).to_hdf(path, key="df", format=fmt)


@pytest.mark.parametrize("fmt", ["table", "fixed"])
@pytest.mark.parametrize("labelled", [True, False], ids=["R&D", "black box"])
def test_round_trip(tmp_path, fmt, labelled):
    rows = _events(labelled=labelled)
    path = tmp_path / "events.h5"
    _write(path, rows, fmt)
    data = load_lhco(path)
    assert data.particles.shape == (12, 700, 3) and data.particles.dtype == np.float64
    assert_array_equal(data.particles, rows[:, :2100].reshape(12, 700, 3))
    if labelled:
        assert data.target.dtype == np.int64
        assert_array_equal(data.target, rows[:, 2100])
    else:
        assert data.target is None
    assert_array_equal(data.index, np.arange(12))
    part = load_lhco(path, start=3, stop=7)
    assert_array_equal(part.particles, data.particles[3:7])
    assert_array_equal(part.index, [3, 4, 5, 6])
    if labelled:
        assert_array_equal(part.target, data.target[3:7])
    assert load_lhco(path, start=10, stop=100).particles.shape == (2, 700, 3)
    assert load_lhco(path, start=50).particles.shape == (0, 700, 3)


def test_reads_only_the_rows_asked_for(tmp_path):
    path = tmp_path / "big.h5"
    _write(path, _events(n=3000, labelled=True))  # 50 MB of float64
    tracemalloc.start()
    try:
        data = load_lhco(path, start=1000, stop=1010)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert data.particles.shape == (10, 700, 3)
    assert peak < 2e6, peak  # 10 rows: ~0.5 MB of arrays, not the file


def test_errors_name_the_row_and_column(tmp_path):
    rows = _events()
    rows[4, 3 * 5 + 1] = np.nan  # particle 5's eta in event 4
    _write(tmp_path / "nan.h5", rows)
    with pytest.raises(ValueError, match=r"row 4, column '16' \(particle 5, eta\) is nan"):
        load_lhco(tmp_path / "nan.h5")
    assert load_lhco(tmp_path / "nan.h5", stop=4).particles.shape[0] == 4  # other rows read
    rows = _events()
    rows[2, -1] = 3.0
    _write(tmp_path / "label.h5", rows)
    with pytest.raises(ValueError, match=r"row 2, column '2100' \(the label\) is 3; labels must"):
        load_lhco(tmp_path / "label.h5")
    rows = _events()
    rows[1, 3 * 2] = -1.0
    _write(tmp_path / "negative.h5", rows)
    with pytest.raises(ValueError, match=r"row 1.*particle 2, pT\) is -1; pT must be >= 0"):
        load_lhco(tmp_path / "negative.h5")
    _write(tmp_path / "narrow.h5", _events()[:, :300])
    with pytest.raises(ValueError, match="300 columns, not 2100"):
        load_lhco(tmp_path / "narrow.h5")
    for bad, error in ((-1, ValueError), (1.5, TypeError), (True, TypeError), ("3", TypeError)):
        with pytest.raises(error, match="start must be"):
            load_lhco(tmp_path / "narrow.h5", start=bad)
    with pytest.raises(ValueError, match="stop must be >= start"):
        load_lhco(tmp_path / "narrow.h5", start=5, stop=2)


def test_key_and_pickled_columns(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("tables")
    rows = _events(n=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pd.DataFrame(rows).to_hdf(tmp_path / "two.h5", key="a", format="table")
        pd.DataFrame(rows).to_hdf(tmp_path / "two.h5", key="b", format="table")
    with pytest.raises(ValueError, match="2 pandas frames.*key="):
        load_lhco(tmp_path / "two.h5")
    assert_array_equal(load_lhco(tmp_path / "two.h5", key="b").target, rows[:, -1])
    frame = pd.DataFrame(rows)
    frame[2100] = frame[2100].astype(object)  # a label column of Python objects: pickled
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame.to_hdf(tmp_path / "objects.h5", key="df", format="fixed")
    with pytest.raises(ValueError, match=r"column\(s\) \['2100'\].*pickled"):
        load_lhco(tmp_path / "objects.h5")
