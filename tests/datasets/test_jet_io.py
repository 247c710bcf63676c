"""load_jets and the jet kinematics kernels, on small files written here in the public layouts."""

import pickle
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from sktopo.datasets import iter_jets, load_jets
from sktopo.datasets._jet_io import jet_four_momentum, sort_and_pad
from sktopo.physics import (
    cartesian_from_pt_eta_phi,
    delta_r,
    pt_eta_phi_from_cartesian,
    wrap_phi,
)

h5py = pytest.importorskip("h5py")


def test_kinematics_do_not_depend_on_where_the_momenta_lie_in_memory():
    # numpy's arctan2 on strided columns can differ in the last bit with the address
    # of the data; the kernel works on contiguous components
    P = np.random.default_rng(0).normal(size=(300, 4))
    reference = pt_eta_phi_from_cartesian(P)
    for offset in range(16):
        buffer = np.empty(P.size + 16)
        moved = buffer[offset:offset + P.size].reshape(P.shape)
        moved[...] = P
        assert_array_equal(pt_eta_phi_from_cartesian(moved), reference)
    assert pt_eta_phi_from_cartesian(P[0]).shape == (3,)  # one momentum: one triple


def test_kinematics_hand_values():
    # (E, px, py, pz) = (13, 3, 4, 12): pT 5, eta = asinh(12 / 5), phi = atan2(4, 3)
    out = pt_eta_phi_from_cartesian([13.0, 3.0, 4.0, 12.0])
    assert_allclose(out, [5.0, np.arcsinh(2.4), np.arctan2(4.0, 3.0)])
    assert_allclose(np.arcsinh(2.4), np.log(5.0), rtol=1e-15)  # |p| = 13: eta = ln((13+12)/5)
    assert_array_equal(pt_eta_phi_from_cartesian([[1.0, 0.0, 0.0, 1.0]]), [[0.0, 0.0, 0.0]])
    assert_allclose(cartesian_from_pt_eta_phi([5.0, np.log(5.0), 0.0]), [13.0, 5.0, 0.0, 12.0])
    assert_allclose(wrap_phi([np.pi, -np.pi, 3 * np.pi, 0.1]), [np.pi, np.pi, np.pi, 0.1])
    assert_allclose(delta_r(0.0, np.pi - 0.1, 0.0, -np.pi + 0.1), 0.2)
    # two massless 50 GeV particles at 90 degrees: m^2 = 2 * 50 * 50
    jet = jet_four_momentum([[[50.0, 50.0, 0.0, 0.0], [50.0, 0.0, 50.0, 0.0], [0, 0, 0, 0]]])
    assert_allclose(jet, [[np.hypot(50, 50), 0.0, np.pi / 4, np.sqrt(5000.0)]])


finite = st.floats(-50.0, 50.0, allow_nan=False)


@given(pt=st.floats(1e-3, 3e3), eta=st.floats(-4.0, 4.0), phi=finite)
def test_round_trip(pt, eta, phi):
    back = pt_eta_phi_from_cartesian(cartesian_from_pt_eta_phi([pt, eta, phi]))
    assert_allclose(back[:2], [pt, eta], rtol=1e-9, atol=1e-9)
    assert abs(wrap_phi(back[2] - phi)) < 1e-9
    assert -np.pi < back[2] <= np.pi


@given(eta=finite, phi1=finite, phi2=finite, shift=st.integers(-3, 3))
def test_delta_r_wraps(eta, phi1, phi2, shift):
    d = delta_r(eta, phi1, eta, phi2 + 2 * np.pi * shift)
    assert 0 <= d <= np.pi + 1e-12
    assert_allclose(d, delta_r(eta, phi2, eta, phi1), atol=1e-9)


def test_sort_and_pad():
    c = [
        [[1.0, 0.1, 0.2], [5.0, 0.5, 0.6], [0.0, 7.0, 7.0]],
        [[2.0, 0.0, 0.0], [0, 0, 0], [0, 0, 0]],
    ]
    out, n = sort_and_pad(c, 4)
    assert out.shape == (2, 4, 3)
    assert_array_equal(n, [2, 1])
    assert_array_equal(out[0, :2, 0], [5.0, 1.0])
    assert not out[0, 2:].any() and not out[1, 1:].any()
    cut, n = sort_and_pad(c, 1)
    assert_array_equal(cut[:, 0, 0], [5.0, 2.0])
    assert_array_equal(n, [2, 1])  # counted before the cut
    assert sort_and_pad(c)[0].shape == (2, 2, 3)


def _toptag_columns(p4, labels):
    """Columns of the top-tagging reference set: E_i, PX_i, PY_i, PZ_i for i < 200, ..."""
    cols = {}
    for i in range(p4.shape[1]):
        for k, name in enumerate(("E", "PX", "PY", "PZ")):
            cols[f"{name}_{i}"] = p4[:, i, k]
    cols["truthE"] = np.zeros(len(p4))
    cols["ttv"] = np.zeros(len(p4))
    return cols


def write_pandas_fixed(path, columns, ints, transposed=True):
    """A DataFrame in pandas' HDF5 'fixed' format (``to_hdf(key='table')``), without PyTables.

    Layout of ``pandas.io.pytables.BlockManagerFixed``: one float32 block and
    one int64 block, each ``block{i}_items`` (names) and ``block{i}_values``
    stored as (rows, items) with the attribute ``transposed``.
    """
    n = len(next(iter(columns.values())))
    with h5py.File(path, "w") as fh:
        g = fh.create_group("table")
        g.attrs.update(pandas_type=b"frame", pandas_version=b"0.15.2", ndim=2, nblocks=2)
        names = list(columns) + list(ints)
        g.create_dataset("axis0", data=np.array(names, dtype="S"))
        g.create_dataset("axis1", data=np.arange(n, dtype=np.int64))
        for b, block, dtype in ((0, columns, np.float32), (1, ints, np.int64)):
            values = np.stack([np.asarray(v, dtype=dtype) for v in block.values()], axis=1)
            g.create_dataset(f"block{b}_items", data=np.array(list(block), dtype="S"))
            ds = g.create_dataset(f"block{b}_values", data=values if transposed else values.T)
            ds.attrs["transposed"] = transposed


def _random_jets(n_jets=4, n=200, seed=0):
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 30, n_jets)
    c = np.zeros((n_jets, n, 3))
    for j, m in enumerate(counts):
        c[j, :m, 0] = rng.exponential(30.0, m) + 1.0
        c[j, :m, 1] = rng.normal(0.0, 0.3, m)
        c[j, :m, 2] = wrap_phi(rng.normal(3.0, 0.3, m))  # straddles phi = pi
    return c, counts


@pytest.mark.parametrize("transposed", [True, False])
def test_load_top_tagging_layout(tmp_path, transposed):
    c, counts = _random_jets()
    p4 = cartesian_from_pt_eta_phi(c)
    labels = np.array([1, 0, 1, 1])
    path = tmp_path / "test.h5"
    write_pandas_fixed(path, _toptag_columns(p4, labels), {"is_signal_new": labels}, transposed)
    data = load_jets(path)
    assert data.constituents.shape == (4, int(counts.max()), 3)
    assert_array_equal(data.target, labels)
    assert_array_equal(data.n_constituents, counts)
    order = np.argsort(-c[0, : counts[0], 0], kind="stable")
    # float32 storage, as in the published files
    assert_allclose(data.constituents[0, : counts[0]], c[0, order], rtol=1e-5, atol=1e-5)
    assert np.all(np.diff(data.constituents[..., 0], axis=1) <= 0)
    assert_allclose(data.jets, jet_four_momentum(p4.astype(np.float32)), rtol=1e-6)
    assert "top-tagging" in data.settings["layout"]
    padded = load_jets(path, max_constituents=200)
    assert padded.constituents.shape == (4, 200, 3) and not padded.constituents[:, 30:].any()
    with pytest.raises(KeyError, match="no table 'other'"):
        load_jets(path, key="other")


def test_load_arrays(tmp_path):
    c, counts = _random_jets(n=40)
    np.save(tmp_path / "c.npy", c)
    a = load_jets(tmp_path / "c.npy", max_constituents=40)
    assert_allclose(np.sort(a.constituents[..., 0], axis=1), np.sort(c[..., 0], axis=1))
    assert_array_equal(a.n_constituents, counts)
    assert a.target is None
    # the jet of massless constituents
    assert_allclose(a.jets, jet_four_momentum(cartesian_from_pt_eta_phi(c)))
    p4 = cartesian_from_pt_eta_phi(c)
    np.savez(tmp_path / "p.npz", constituents=p4, labels=np.array([0, 1, 1, 0]))
    b = load_jets(tmp_path / "p.npz", max_constituents=40)
    assert_allclose(b.constituents, a.constituents, atol=1e-9)
    assert_array_equal(b.target, [0, 1, 1, 0])
    assert "(E, px, py, pz)" in b.settings["layout"]


def test_load_errors(tmp_path):
    np.save(tmp_path / "bad.npy", np.zeros((3, 5)))
    with pytest.raises(ValueError, match="3 or 4"):
        load_jets(tmp_path / "bad.npy")
    (tmp_path / "x.csv").write_text("1,2")
    with pytest.raises(ValueError, match="unknown jet file type"):
        load_jets(tmp_path / "x.csv")
    np.savez(tmp_path / "two.npz", a=np.zeros((1, 2, 3)), b=np.zeros((1, 2, 3)))
    with pytest.raises(ValueError, match="'constituents'"):
        load_jets(tmp_path / "two.npz")
    with h5py.File(tmp_path / "plain.h5", "w") as fh:
        fh.create_dataset("table", data=np.zeros(3))
    with pytest.raises(ValueError, match="fixed-format"):
        load_jets(tmp_path / "plain.h5")


# -- no file runs code; clear errors instead of silent changes (issue 19) ----------------------
class _Payload:
    """Unpickling this writes a marker file: what a crafted data file would do."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').write('pwned')",))


def _toptag_frame(n=3, m=30):
    pd = pytest.importorskip("pandas")
    c, _ = _random_jets(n_jets=n, n=m)  # m >= 30: the multiplicities go up to 29
    p4 = cartesian_from_pt_eta_phi(c)
    frame = pd.DataFrame(_toptag_columns(p4, None))
    frame["is_signal_new"] = np.arange(n) % 2
    return frame, c


@pytest.mark.parametrize("hide_pytables", [False, True])
def test_pickled_column_is_refused_and_never_run(tmp_path, monkeypatch, hide_pytables):
    pytest.importorskip("tables")
    frame, _ = _toptag_frame()
    marker = tmp_path / "marker"
    frame["payload"] = [_Payload(marker), 1.0, 2.0]  # an object column: PyTables pickles it
    path = tmp_path / "crafted.h5"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas' PerformanceWarning about pickling
        frame.to_hdf(path, key="table", format="fixed")
    assert not marker.exists()
    if hide_pytables:  # the old reader crashed with IndexError here
        monkeypatch.setitem(sys.modules, "tables", None)
    with pytest.raises(ValueError, match=r"column\(s\) \['payload'\].*pickled"):
        load_jets(path)
    with pytest.raises(ValueError, match="payload"):
        list(iter_jets(path, chunk_size=2))
    assert not marker.exists()


def test_pickled_table_attribute_is_refused_and_never_run(tmp_path):
    pytest.importorskip("tables")
    frame, c = _toptag_frame()
    path = tmp_path / "table.h5"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame.to_hdf(path, key="table", format="table")
    assert_array_equal(load_jets(path).target, [0, 1, 0])  # the honest file reads
    marker = tmp_path / "marker"
    with h5py.File(path, "a") as fh:  # PyTables keeps column lists as pickles: swap one
        fh["table/table"].attrs["values_block_0_kind"] = np.bytes_(
            pickle.dumps(_Payload(marker), protocol=0)
        )
    with pytest.raises(ValueError, match="values_block_0_kind.*not a plain list"):
        load_jets(path)
    assert not marker.exists()


def test_nan_pt_in_array_file_is_an_error_not_padding(tmp_path):
    c, counts = _random_jets(n=40)
    c[2, 1, 0] = np.nan
    np.save(tmp_path / "c.npy", c)
    with pytest.raises(ValueError, match=r"constituents\[2, 1, 0\] \(pT\) is nan.*on_invalid"):
        load_jets(tmp_path / "c.npy")
    kept = load_jets(tmp_path / "c.npy", on_invalid="drop")
    assert_array_equal(kept.index, [0, 1, 3])
    assert_array_equal(kept.n_constituents, counts[[0, 1, 3]])
    with pytest.raises(ValueError, match="on_invalid must be"):
        load_jets(tmp_path / "c.npy", on_invalid="ignore")
    c[2, 1, 0] = -5.0
    np.save(tmp_path / "neg.npy", c)
    with pytest.raises(ValueError, match=r"\(pT\) is negative"):
        load_jets(tmp_path / "neg.npy")


def test_nan_momentum_in_table_is_an_error_naming_the_column(tmp_path):
    c, _ = _random_jets()
    p4 = cartesian_from_pt_eta_phi(c)
    p4[1, 3, 1] = np.nan  # PX_3 of row 1
    labels = np.array([1, 0, 1, 1])
    path = tmp_path / "nan.h5"
    write_pandas_fixed(path, _toptag_columns(p4, labels), {"is_signal_new": labels})
    with pytest.raises(ValueError, match=r"column PX_3, row 1 is nan"):
        load_jets(path)
    kept = load_jets(path, on_invalid="drop")
    assert_array_equal(kept.index, [0, 2, 3])
    assert np.isfinite(kept.jets).all() and np.isfinite(kept.constituents).all()
    assert_array_equal(kept.target, [1, 1, 1])


def test_labels_must_be_zero_or_one_and_one_per_jet(tmp_path):
    c, _ = _random_jets()
    p4 = cartesian_from_pt_eta_phi(c)
    path = tmp_path / "nan_label.h5"
    columns = {**_toptag_columns(p4, None), "is_signal_new": [1.0, np.nan, 0.0, 1.0]}
    write_pandas_fixed(path, columns, {"other": np.zeros(4)})
    with pytest.raises(ValueError, match="label 'is_signal_new' of row 1 is NaN"):
        load_jets(path)  # it was -9223372036854775808
    assert_array_equal(load_jets(path, on_invalid="drop").target, [1, 0, 1])
    np.savez(tmp_path / "two.npz", constituents=c, target=[0, 2, 1, 1])
    with pytest.raises(ValueError, match="labels must be 0 or 1.*row 1.*is 2"):
        load_jets(tmp_path / "two.npz")
    c6 = np.concatenate([c, c[:2]])
    np.savez(tmp_path / "short.npz", constituents=c6, y=[0, 1, 0, 1, 0])
    with pytest.raises(ValueError, match="5 labels.*for 6 jets"):
        load_jets(tmp_path / "short.npz")
    np.savez(tmp_path / "bool.npz", constituents=c, y=np.array([True, False, True, True]))
    assert_array_equal(load_jets(tmp_path / "bool.npz").target, [1, 0, 1, 1])


@pytest.mark.parametrize("bad", [-1, 0, 2.5, True, "3", np.float64(3.0)])
def test_max_constituents_must_be_a_positive_integer(tmp_path, bad):
    c, _ = _random_jets(n=30)
    np.save(tmp_path / "c.npy", c)
    with pytest.raises((TypeError, ValueError), match="max_constituents must be an integer >= 1"):
        load_jets(tmp_path / "c.npy", max_constituents=bad)
    with pytest.raises((TypeError, ValueError), match="max_constituents must be an integer"):
        iter_jets(tmp_path / "c.npy", chunk_size=2, max_constituents=bad)
    with pytest.raises((TypeError, ValueError), match="chunk_size must be an integer"):
        iter_jets(tmp_path / "c.npy", chunk_size=bad)
    assert load_jets(tmp_path / "c.npy", max_constituents=np.int64(3)).constituents.shape[1] == 3


def test_object_arrays_in_npz_are_refused(tmp_path):
    np.savez(tmp_path / "obj.npz", constituents=np.array([[[1.0, 0, 0]]]),
             target=np.array([_Payload(tmp_path / "m"), 1], dtype=object))  # fmt: skip
    with pytest.raises(ValueError, match="pickles"):
        load_jets(tmp_path / "obj.npz")
    assert not (tmp_path / "m").exists()
