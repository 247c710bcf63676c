"""The field's jet formats: each round-trips a file written by its own writer, whole and chunked."""

import tracemalloc
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from sktopo.datasets import iter_jets, load_jets
from sktopo.datasets._formats import PDG_MASSES, infer_format
from sktopo.datasets._jet_io import jet_four_momentum, sort_and_pad
from sktopo.jets._constituents import jet_kinematics
from sktopo.physics import cartesian_from_pt_eta_phi, pt_eta_phi_from_cartesian, wrap_phi

h5py = pytest.importorskip("h5py")


def _jets(n=9, m=12, seed=0):
    """``(pT, eta, phi)`` (n, m, 3), zero-padded, unsorted; multiplicities; 0/1 labels."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, m + 1, n)
    counts[2] = 0  # an empty jet
    c = np.zeros((n, m, 3))
    for j, k in enumerate(counts):
        c[j, :k, 0] = rng.exponential(30.0, k) + 1.0
        c[j, :k, 1] = rng.normal(0.0, 0.4, k)
        c[j, :k, 2] = wrap_phi(rng.normal(3.0, 0.4, k))  # straddles phi = pi
    return c, counts, rng.integers(0, 2, n)


def _expected(c, p4=None, width=None):
    constituents, counts = sort_and_pad(c, width)
    jets = jet_kinematics(c) if p4 is None else jet_four_momentum(p4)
    return constituents, counts, jets


def _check(data, c, labels, p4=None, fmt=None):
    constituents, counts, jets = _expected(c, p4)
    assert_array_equal(data.constituents, constituents)
    assert_array_equal(data.n_constituents, counts)
    assert_array_equal(data.jets, jets)
    assert_array_equal(data.index, np.arange(len(c)))
    if labels is None:
        assert data.target is None
    else:
        assert data.target.dtype == np.int64
        assert_array_equal(data.target, labels)
    if fmt is not None:
        assert data.settings["format"] == fmt


def _jagged(a, counts):
    ak = pytest.importorskip("awkward")
    return ak.Array([a[j, :k].tolist() for j, k in enumerate(counts)])


# -- one writer per format ---------------------------------------------------------------------
def _write_top_tagging_pandas(path, c, counts, labels, fmt):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("tables")
    p4 = cartesian_from_pt_eta_phi(c).astype(np.float32)
    cols = {f"{F}_{i}": p4[:, i, k] for i in range(c.shape[1]) for k, F in
            enumerate(("E", "PX", "PY", "PZ"))}  # fmt: skip
    frame = pd.DataFrame(cols)
    frame["truthE"] = np.float32(0.0)
    frame["is_signal_new"] = labels
    if path.suffix == ".parquet":
        pytest.importorskip("pyarrow")
        frame.to_parquet(path)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PyTables' own warnings
            frame.to_hdf(path, key="table", format=fmt)
    return p4.astype(np.float64)


@pytest.mark.parametrize("name,fmt", [("t.h5", "fixed"), ("t.h5", "table"),
                                      ("t.parquet", None)])  # fmt: skip
def test_top_tagging_round_trip(tmp_path, name, fmt):
    c, counts, labels = _jets()
    path = tmp_path / name
    p4 = _write_top_tagging_pandas(path, c, counts, labels, fmt)
    data = load_jets(path)
    _check(data, pt_eta_phi_from_cartesian(p4), labels, p4, "top-tagging")
    assert_allclose(data.constituents, sort_and_pad(c)[0], rtol=1e-5, atol=1e-5)  # float32
    assert data.constituents.shape == (9, counts.max(), 3)


def test_jetnet_round_trip(tmp_path):
    c, counts, _ = _jets()
    n, m = len(c), 30
    pt_jet, eta_jet = np.linspace(500.0, 900.0, n), np.linspace(-1.0, 1.0, n)
    pf = np.zeros((n, m, 4))
    pf[:, :12, 0] = np.where(c[..., 0] > 0, c[..., 1] - eta_jet[:, None], 0.0)
    pf[:, :12, 1] = c[..., 2]
    pf[:, :12, 2] = c[..., 0] / pt_jet[:, None]
    pf[:, :12, 3] = c[..., 0] > 0
    jf = np.c_[pt_jet, eta_jet, np.full(n, 80.0), counts]
    with h5py.File(tmp_path / "t.hdf5", "w") as fh:  # the JetNet files: h5py datasets
        fh.create_dataset("particle_features", data=pf)
        fh.create_dataset("jet_features", data=jf)
    np.savez(tmp_path / "t.npz", particle_features=pf, jet_features=jf)
    expected = np.stack(
        [pf[..., 2] * pt_jet[:, None], pf[..., 0] + eta_jet[:, None], pf[..., 1]], axis=-1
    )
    expected[pf[..., 3] == 0] = 0.0
    for name in ("t.hdf5", "t.npz"):
        data = load_jets(tmp_path / name)
        _check(data, expected, None, fmt="jetnet")
        assert_array_equal(data.jet_features, jf)
        assert_allclose(data.constituents, sort_and_pad(c)[0], atol=1e-12, rtol=1e-12)
    # without jet_features: as stored
    np.savez(tmp_path / "bare.npz", particle_features=pf)
    bare = load_jets(tmp_path / "bare.npz")
    assert_allclose(bare.constituents[0, 0, 0], pf[0, :, 2].max())
    assert "as stored" in bare.settings["layout"]


def test_energyflow_round_trip(tmp_path):
    c, counts, labels = _jets()
    rng = np.random.default_rng(1)
    ids = rng.choice([22, 211, -211, 321, 130, 2112, -2212], c.shape[:2])
    pid = np.where(c[..., 0] > 0, ids, 0)
    X = np.concatenate([c, pid[..., None]], axis=-1)  # the "y" column holds rapidities here
    np.savez(tmp_path / "QG_jets.npz", X=X, y=labels)
    data = load_jets(tmp_path / "QG_jets.npz")
    # the massive four-vectors from (pT, y, phi, m(pid)), by hand
    mass = np.vectorize(lambda p: PDG_MASSES[abs(int(p))] if p else 0.0)(pid)
    mt = np.hypot(c[..., 0], mass)
    p4 = np.stack([mt * np.cosh(c[..., 1]), c[..., 0] * np.cos(c[..., 2]),
                   c[..., 0] * np.sin(c[..., 2]), mt * np.sinh(c[..., 1])], -1)  # fmt: skip
    p4[c[..., 0] == 0] = 0.0
    assert_allclose(data.jets, jet_four_momentum(p4), rtol=1e-12, atol=1e-9)
    assert data.jets[:, 3].max() > 0
    eta = np.arcsinh(np.divide(p4[..., 3], c[..., 0], out=np.zeros(c.shape[:2]),
                               where=c[..., 0] > 0))  # fmt: skip
    assert_allclose(data.constituents, sort_and_pad(np.stack([c[..., 0], eta, c[..., 2]], -1))[0],
                    atol=1e-12)  # fmt: skip
    assert_array_equal(data.target, labels)
    assert np.all(np.abs(eta) >= np.abs(c[..., 1]) - 1e-12)  # massive: |eta| >= |y|
    # without particle ids: massless, y = eta
    np.savez(tmp_path / "nopid.npz", X=c, y=labels)
    _check(load_jets(tmp_path / "nopid.npz"), c, labels, fmt="energyflow")


def _root_branches(c, counts, labels, fields):
    p4 = cartesian_from_pt_eta_phi(c)
    if len(fields) == 4:
        columns = [p4[..., 1], p4[..., 2], p4[..., 3], p4[..., 0]]
    else:
        columns = [c[..., 0], c[..., 1], c[..., 2]]
    branches = {f: _jagged(a, counts) for f, a in zip(fields, columns)}
    branches["is_top"] = labels.astype(np.int32)
    return branches, p4


@pytest.mark.parametrize("writer", ["ttree", "rntuple"])
@pytest.mark.parametrize(
    "fields", [None, ("pt", "eta", "phi")], ids=["jetclass", "pt-eta-phi"]
)
def test_root_round_trip(tmp_path, writer, fields):
    uproot = pytest.importorskip("uproot")
    c, counts, labels = _jets()
    names = fields or ("part_px", "part_py", "part_pz", "part_energy")
    branches, p4 = _root_branches(c, counts, labels, names)
    path = tmp_path / "jets.root"
    with uproot.recreate(path) as fh:
        if writer == "ttree":  # JetClass's files are TTrees
            fh.mktree("tree", {k: v.type.content if k != "is_top" else np.int32
                               for k, v in branches.items()})  # fmt: skip
            fh["tree"].extend(branches)
        else:
            fh["tree"] = branches
    data = load_jets(path, fields=fields, label="is_top")
    if fields is None:
        _check(data, pt_eta_phi_from_cartesian(p4), labels, p4, "root")
    else:
        _check(data, c, labels, fmt="root")
    assert data.constituents.shape[1] == counts.max()


@pytest.mark.parametrize("writer", ["pyarrow", "awkward"])
@pytest.mark.parametrize("fields", [None, ("pt", "eta", "phi")], ids=["jetclass", "pt-eta-phi"])
def test_parquet_round_trip(tmp_path, writer, fields):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    c, counts, labels = _jets()
    names = fields or ("part_px", "part_py", "part_pz", "part_energy")
    branches, p4 = _root_branches(c, counts, labels, names)
    path = tmp_path / "jets.parquet"
    if writer == "pyarrow":
        table = pa.table({k: (v.to_list() if k != "is_top" else v) for k, v in branches.items()})
        pq.write_table(table, path, row_group_size=4)  # batches cross row groups
    else:
        ak = pytest.importorskip("awkward")
        ak.to_parquet(ak.zip(branches, depth_limit=1), path)
    data = load_jets(path, fields=fields, label="is_top")
    if fields is None:
        _check(data, pt_eta_phi_from_cartesian(p4), labels, p4, "parquet")
    else:
        _check(data, c, labels, fmt="parquet")


def test_array_in_hdf5(tmp_path):
    c, _, labels = _jets()
    with h5py.File(tmp_path / "a.h5", "w") as fh:
        fh.create_dataset("constituents", data=c)
        fh.create_dataset("target", data=labels)
    _check(load_jets(tmp_path / "a.h5"), c, labels, fmt="array")


# -- iter_jets: the same Bunch, chunk by chunk, for every format --------------------------------
def _files(tmp_path):
    """One file per format, with the arguments that read it."""
    c, counts, labels = _jets(n=11)
    files = {}
    np.save(tmp_path / "a.npy", c)
    files["npy"] = (tmp_path / "a.npy", {})
    np.savez_compressed(tmp_path / "a.npz", constituents=c, y=labels)
    files["npz"] = (tmp_path / "a.npz", {})
    np.savez(tmp_path / "qg.npz", X=np.concatenate([c, 22.0 * (c[..., :1] > 0)], -1), y=labels)
    files["energyflow"] = (tmp_path / "qg.npz", {})
    pf = np.zeros((len(c), 30, 4))
    pf[:, :12, :3] = c[..., [1, 2, 0]]
    pf[:, :12, 3] = c[..., 0] > 0
    with h5py.File(tmp_path / "jetnet.hdf5", "w") as fh:
        fh.create_dataset("particle_features", data=pf)
        fh.create_dataset("jet_features", data=np.c_[np.ones((len(c), 3)), counts])
    files["jetnet"] = (tmp_path / "jetnet.hdf5", {})
    try:
        _write_top_tagging_pandas(tmp_path / "t.h5", c, counts, labels, "table")
        files["top-tagging"] = (tmp_path / "t.h5", {})
    except pytest.skip.Exception:
        pass
    try:
        uproot = pytest.importorskip("uproot")
        branches, _ = _root_branches(c, counts, labels, ("part_px", "part_py", "part_pz",
                                                         "part_energy"))  # fmt: skip
        with uproot.recreate(tmp_path / "j.root") as fh:
            fh["tree"] = branches
        files["root"] = (tmp_path / "j.root", {"label": "is_top"})
        pa = pytest.importorskip("pyarrow")
        pq = pytest.importorskip("pyarrow.parquet")
        table = pa.table({k: (v.to_list() if k != "is_top" else v) for k, v in branches.items()})
        pq.write_table(table, tmp_path / "j.parquet", row_group_size=5)
        files["parquet"] = (tmp_path / "j.parquet", {"label": "is_top"})
    except pytest.skip.Exception:
        pass
    return files


@pytest.mark.parametrize("chunk_size", [1, 4, 100])
def test_iter_jets_equals_load_jets(tmp_path, chunk_size):
    for fmt, (path, kwargs) in _files(tmp_path).items():
        chunks = iter_jets(path, chunk_size=chunk_size, **kwargs)
        assert len(chunks) == -(-11 // chunk_size) and chunks.n_jets == 11
        parts = list(chunks)
        assert [len(p.index) for p in parts[:-1]] == [chunk_size] * (len(parts) - 1), fmt
        width = chunks.settings["max_constituents"]
        assert {p.constituents.shape[1] for p in parts} == {width}, fmt
        whole = load_jets(path, max_constituents=width, **kwargs)
        for name in ("constituents", "jets", "n_constituents", "index", "target"):
            got = [p[name] for p in parts]
            if whole[name] is None:
                assert all(g is None for g in got), (fmt, name)
            else:
                # jets: sums over padded rows of another width may differ in the last bit
                assert_allclose(np.concatenate(got), whole[name], rtol=1e-15 if name == "jets"
                                else 0, atol=0, err_msg=f"{fmt} {name}")  # fmt: skip
        assert parts[0].settings["format"] == whole.settings["format"]
        # the widths iter_jets takes by default: the stored width, or the longest jet
        longest = load_jets(path, **kwargs).constituents.shape[1]
        assert width == {"jetnet": 30, "root": longest, "parquet": longest}.get(fmt, 12), fmt


def test_iter_jets_can_stop_early_and_closes(tmp_path):
    path, _ = _files(tmp_path)["jetnet"]
    with iter_jets(path, chunk_size=2) as chunks:
        first = next(chunks)
    assert first.constituents.shape == (2, 30, 3)
    with pytest.raises(StopIteration):
        next(chunks)
    with h5py.File(path, "a"):  # not held open any more
        pass


@pytest.mark.parametrize("fmt", ["npz", "npy", "top-tagging", "parquet"])
def test_iter_jets_memory_is_bounded(tmp_path, fmt):
    n, m = 20_000, 40
    rng = np.random.default_rng(0)
    c = np.zeros((n, m, 3))
    c[..., 0] = rng.exponential(10.0, (n, m)) + 1.0
    c[..., 1:] = rng.normal(0.0, 0.3, (n, m, 2))
    labels = rng.integers(0, 2, n)
    if fmt == "npz":
        path = tmp_path / "big.npz"
        np.savez(path, constituents=c, y=labels)
    elif fmt == "npy":
        path = tmp_path / "big.npy"
        np.save(path, c)
    elif fmt == "top-tagging":
        path = tmp_path / "big.h5"
        _write_top_tagging_pandas(path, c, None, labels, "fixed")
    else:
        pa = pytest.importorskip("pyarrow")
        pq = pytest.importorskip("pyarrow.parquet")
        path = tmp_path / "big.parquet"
        pq.write_table(pa.table({"pt": list(c[..., 0]), "eta": list(c[..., 1]),
                                 "phi": list(c[..., 2])}), path, row_group_size=1000)  # fmt: skip
    kwargs = {"fields": ("pt", "eta", "phi")} if fmt == "parquet" else {}
    size = c.nbytes  # 19 MB; a chunk of 200 jets is 0.2 MB
    del c
    tracemalloc.start()
    try:
        total = 0
        for chunk in iter_jets(path, chunk_size=200, **kwargs):
            total += len(chunk.index)
            del chunk
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == n
    assert peak < size / 8, (fmt, peak, size)


# -- inference and arguments ------------------------------------------------------------------
def test_format_inference(tmp_path):
    files = _files(tmp_path)
    expected = {"npy": "array", "npz": "array", "energyflow": "energyflow", "jetnet": "jetnet",
                "top-tagging": "top-tagging", "root": "root", "parquet": "parquet"}  # fmt: skip
    for key, (path, _) in files.items():
        assert infer_format(path, "table") == expected[key], key
    with pytest.raises(ValueError, match="format must be one of"):
        load_jets(files["npy"][0], format="csv")
    with pytest.raises(ValueError, match="tree= applies to ROOT"):
        load_jets(files["npy"][0], tree="t")
    with pytest.raises(ValueError, match="fields= applies"):
        load_jets(files["jetnet"][0], fields=("a", "b", "c"))
    with pytest.raises(FileNotFoundError):
        load_jets(tmp_path / "missing.h5")
    with pytest.raises(ValueError, match="unknown jet file type"):
        (tmp_path / "x.csv").write_text("1,2")
        load_jets(tmp_path / "x.csv")


def test_jagged_field_errors(tmp_path):
    if "root" not in (files := _files(tmp_path)):
        pytest.skip("uproot / pyarrow not installed")
    root, parquet = files["root"][0], files["parquet"][0]
    with pytest.raises(KeyError, match=r"no field\(s\) \['pt'\].*fields="):
        load_jets(root, fields=("pt", "part_py", "part_pz"))
    with pytest.raises(ValueError, match="three per-particle fields"):
        load_jets(parquet, fields=("part_px", "part_py"))
    with pytest.raises(TypeError, match="not a string"):
        load_jets(parquet, fields="part_px")
    with pytest.raises(ValueError, match="not a list column"):
        load_jets(parquet, fields=("is_top", "part_py", "part_pz"))
    with pytest.raises(KeyError, match="no tree 'other'"):
        load_jets(root, tree="other")
    uproot = pytest.importorskip("uproot")
    with uproot.recreate(tmp_path / "two.root") as fh:
        fh["a"] = {"x": np.zeros(2)}
        fh["b"] = {"x": np.zeros(2)}
    with pytest.raises(ValueError, match="2 trees.*tree="):
        load_jets(tmp_path / "two.root", fields=("x", "x", "x"))


@pytest.mark.parametrize("fmt", ["root", "parquet"])
def test_jagged_nan_names_the_field(tmp_path, fmt):
    c, counts, labels = _jets()
    c[4, 1, 1] = np.nan
    branches, _ = _root_branches(c, counts, labels, ("pt", "eta", "phi"))
    path = tmp_path / f"j.{fmt}"
    if fmt == "root":
        uproot = pytest.importorskip("uproot")
        with uproot.recreate(path) as fh:
            fh["events"] = branches
        where = "branch 'eta', entry 4, particle 1"
    else:
        pa = pytest.importorskip("pyarrow")
        pq = pytest.importorskip("pyarrow.parquet")
        pq.write_table(pa.table({k: (v.to_list() if k != "is_top" else v)
                                 for k, v in branches.items()}), path)  # fmt: skip
        where = "column 'eta', row 4, particle 1"
    with pytest.raises(ValueError, match=f"{where} is nan"):
        load_jets(path, fields=("pt", "eta", "phi"))
    dropped = load_jets(path, fields=("pt", "eta", "phi"), label="is_top", on_invalid="drop")
    assert 4 not in dropped.index and len(dropped.index) == 8
    assert_array_equal(dropped.target, np.delete(labels, 4))


def test_jetnet_and_energyflow_checks(tmp_path):
    pf = np.zeros((2, 30, 4))
    pf[:, 0] = [0.0, 0.0, 1.0, 1.0]
    pf[1, 1] = [0.1, 0.1, 0.5, 0.5]  # a mask that is neither 0 nor 1
    np.savez(tmp_path / "jetnet.npz", particle_features=pf)
    with pytest.raises(ValueError, match=r"mask particle_features\[1, 1, 3\] = 0.5"):
        load_jets(tmp_path / "jetnet.npz")
    with pytest.raises(ValueError, match="no labels"):
        load_jets(tmp_path / "jetnet.npz", label="y")
    X = np.zeros((2, 3, 4))
    X[:, 0] = [10.0, 0.0, 0.0, 211]
    X[1, 1] = [5.0, 0.1, 0.1, 9999]
    np.savez(tmp_path / "qg.npz", X=X, y=[0, 1])
    with pytest.raises(ValueError, match=r"X\[1, 1, 3\] is the particle id 9999"):
        load_jets(tmp_path / "qg.npz")
    assert_array_equal(load_jets(tmp_path / "qg.npz", on_invalid="drop").index, [0])


def test_angles_beyond_physical_ranges_are_refused(tmp_path):
    c, _, _ = _jets()
    c[3, 0, 1] = 1e20
    np.save(tmp_path / "eta.npy", c)
    with pytest.raises(ValueError, match=r"constituents\[3, 0, 1\] \(eta\) is 1e\+20, beyond"):
        load_jets(tmp_path / "eta.npy")
    c[3, 0, 1] = 0.0
    c[5, 0, 2] = 100.0
    np.save(tmp_path / "phi.npy", c)
    with pytest.raises(ValueError, match=r"\(phi\) is 100, beyond the physical range"):
        load_jets(tmp_path / "phi.npy")


@pytest.mark.parametrize("protocol", range(6))
def test_literal_unpickle_reads_literals_only(protocol, tmp_path):
    import pickle

    from sktopo.datasets._read_hdf import UnsafePickleError, literal_unpickle

    value = [(1, ["E_0", "PX_0"]), {"a": 1.5, 2: None}, True, -(2**70), "é"]
    if protocol >= 3:  # before 3, bytes pickle through a global (_codecs.encode)
        value.append(b"raw")
    assert literal_unpickle(pickle.dumps(value, protocol=protocol)) == value
    marker = tmp_path / "marker"
    for hostile in (print, np.float64(1.0), np.zeros(2), slice(1, 2)):
        with pytest.raises(UnsafePickleError):
            literal_unpickle(pickle.dumps(hostile, protocol=protocol))
    payload = pickle.dumps([1, eval], protocol=protocol)  # a global inside a literal
    with pytest.raises(UnsafePickleError, match="would import or call"):
        literal_unpickle(payload)
    with pytest.raises(UnsafePickleError, match="malformed"):
        literal_unpickle(b"(lp0\nI1\n")  # no STOP
    assert not marker.exists()


def test_npz_in_fortran_order_and_compressed(tmp_path):
    c, _, labels = _jets()
    np.savez(tmp_path / "f.npz", constituents=np.asfortranarray(c), y=labels)
    np.savez_compressed(tmp_path / "z.npz", constituents=c, y=labels)
    for name in ("f.npz", "z.npz"):
        _check(load_jets(tmp_path / name), c, labels, fmt="array")
        parts = list(iter_jets(tmp_path / name, chunk_size=4))
        assert_array_equal(np.concatenate([p.index for p in parts]), np.arange(9))
