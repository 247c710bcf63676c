"""make_jets' cache can be trusted: a swapped, short, duplicated or tampered chunk is
generated again with a CacheIntegrityWarning, never returned."""

import shutil

import numpy as np
import pytest
from numpy.testing import assert_array_equal

pytest.importorskip("pythia8mc")
h5py = pytest.importorskip("h5py")

from sktopo.datasets import _jets, make_jets  # noqa: E402
from sktopo.datasets._jet_pythia import chunk_seed  # noqa: E402
from sktopo.exceptions import CacheIntegrityWarning  # noqa: E402

# Cheap settings: QCD without multi-parton interactions, two chunks of 10 jets.
FAST = dict(mpi=False, chunk_size=10, random_state=11)
ARRAYS = ("constituents", "jets", "n_constituents")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A cache of 20 jets (two chunks) and the jets it returned."""
    home = tmp_path_factory.mktemp("pristine")
    data = make_jets("qcd", 20, data_home=home, **FAST)
    return home, data


@pytest.fixture
def cache(pristine, tmp_path):
    """A private copy of the pristine cache: (data_home, chunk folder, reference Bunch)."""
    home, data = pristine
    shutil.copytree(home, tmp_path / "home")
    folder = tmp_path / "home" / "jets" / (data.cache_path.rsplit("/", 1)[-1])
    return tmp_path / "home", folder, data


def _reread(home, monkeypatch, expect_regenerated):
    calls = []
    real = _jets.generate_chunk

    def counting(config, seed, n_jets):
        calls.append(seed)
        return real(config, seed, n_jets)

    monkeypatch.setattr(_jets, "generate_chunk", counting)
    with pytest.warns(CacheIntegrityWarning, match="generated again") as record:
        data = make_jets("qcd", 20, data_home=home, **FAST)
    assert calls == expect_regenerated
    return data, " ".join(str(w.message) for w in record)


def _assert_same(a, b):
    for name in ARRAYS:
        assert_array_equal(a[name], b[name])


def _assert_clean_now(home, reference):
    """After regeneration the cache is whole again: read without a warning."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _assert_same(make_jets("qcd", 20, data_home=home, **FAST), reference)


def test_swapped_chunk_is_regenerated(cache, monkeypatch):
    """Chunk 1's file replaced by chunk 0's: 10 jets would be duplicated."""
    home, folder, ref = cache
    shutil.copy(folder / "chunk_000000.h5", folder / "chunk_000001.h5")
    data, message = _reread(home, monkeypatch, [chunk_seed(11, 1)])
    assert "chunk index 0, not 1" in message
    _assert_same(data, ref)
    assert len(np.unique(data.jets, axis=0)) == 20
    _assert_clean_now(home, ref)


def test_duplicated_chunk_with_edited_attributes_is_regenerated(cache, monkeypatch):
    """A copy of chunk 0 whose index and seed attributes were edited to chunk 1's."""
    home, folder, ref = cache
    shutil.copy(folder / "chunk_000000.h5", folder / "chunk_000001.h5")
    with h5py.File(folder / "chunk_000001.h5", "a") as fh:
        fh.attrs["chunk"] = 1
        fh.attrs["seed"] = chunk_seed(11, 1)
    data, message = _reread(home, monkeypatch, [chunk_seed(11, 1)])
    assert "checksum" in message
    _assert_same(data, ref)


def test_short_chunk_is_regenerated(cache, monkeypatch):
    """Datasets with fewer rows (5) than the attributes say (10)."""
    home, folder, ref = cache
    path = folder / "chunk_000001.h5"
    with h5py.File(path, "a") as fh:
        for name in ARRAYS:
            data = fh[name][:5]
            del fh[name]
            fh.create_dataset(name, data=data)
    data, message = _reread(home, monkeypatch, [chunk_seed(11, 1)])
    assert "shape" in message
    assert data.jets.shape == (20, 4)
    _assert_same(data, ref)


def test_tampered_chunk_with_the_right_key_is_regenerated(cache, monkeypatch):
    home, folder, ref = cache
    with h5py.File(folder / "chunk_000000.h5", "a") as fh:
        fh["jets"][3, 0] = 1234.5
    data, message = _reread(home, monkeypatch, [chunk_seed(11, 0)])
    assert "checksum does not match" in message
    _assert_same(data, ref)


def test_chunk_without_checksum_is_regenerated(cache, monkeypatch):
    home, folder, ref = cache
    with h5py.File(folder / "chunk_000001.h5", "a") as fh:
        del fh.attrs["sha256"]
    data, message = _reread(home, monkeypatch, [chunk_seed(11, 1)])
    assert "no checksum" in message
    _assert_same(data, ref)


def test_foreign_settings_and_wrong_seed_are_regenerated(cache, monkeypatch):
    home, folder, ref = cache
    with h5py.File(folder / "chunk_000000.h5", "a") as fh:
        fh.attrs["seed"] = 12345
    with h5py.File(folder / "chunk_000001.h5", "a") as fh:
        fh.attrs["settings"] = fh.attrs["settings"].replace('"mpi": false', '"mpi": true')
    data, message = _reread(home, monkeypatch, [chunk_seed(11, 0), chunk_seed(11, 1)])
    assert "seed 12345" in message and "settings differ" in message
    _assert_same(data, ref)


def test_unreadable_chunk_is_regenerated_and_writes_stay_atomic(cache, monkeypatch):
    home, folder, ref = cache
    (folder / "chunk_000001.h5").write_bytes(b"not an HDF5 file")
    data, message = _reread(home, monkeypatch, [chunk_seed(11, 1)])
    assert "cannot be read" in message
    _assert_same(data, ref)
    assert sorted(p.name for p in folder.iterdir()) == [
        "chunk_000000.h5", "chunk_000001.h5", "settings.json",
    ]


def test_each_chunk_records_its_identity(cache):
    _, folder, _ = cache
    for i in range(2):
        with h5py.File(folder / f"chunk_{i:06d}.h5") as fh:
            attrs = dict(fh.attrs)
            assert attrs["chunk"] == i and attrs["seed"] == chunk_seed(11, i)
            assert attrs["n_jets"] == 10 and len(attrs["sha256"]) == 64
            assert fh["jets"].shape == (10, 4)
