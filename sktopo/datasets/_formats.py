"""The jet file formats of the field, each read chunk by chunk into one raw layout.

A *source* opens one file of one format and yields :class:`Chunk` objects:
the per-particle values as stored, ``(rows, slots, fields)``, with the
labels and any per-jet extras.  :func:`assemble` then validates a chunk
(NaN / inf, negative pT, labels other than 0/1: an error naming the file,
row, slot and field, or the jet dropped with ``on_invalid='drop'``) and
turns it into the layout of :func:`~sktopo.datasets.make_jets`.  Every
reader is h5py, numpy (pickles off), pyarrow or uproot: no file runs code.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from numbers import Integral
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sklearn.utils import Bunch

from sktopo.datasets._read_arrays import NpyMember, npz_names, open_npy
from sktopo.datasets._read_hdf import PandasFrame, pandas_keys
from sktopo.datasets._read_jagged import ParquetColumns, RootTree, pad_jagged
from sktopo.jets._constituents import MAX_ABS_ETA, MAX_ABS_PHI, jet_kinematics
from sktopo.physics import pt_eta_phi_from_cartesian, wrap_phi
from sktopo.utils._optional import import_optional

__all__ = [
    "FORMATS",
    "JETCLASS_FIELDS",
    "assemble",
    "check_count",
    "check_on_invalid",
    "describe",
    "infer_format",
    "open_source",
]

#: The formats :func:`~sktopo.datasets.load_jets` reads.
FORMATS = ("top-tagging", "jetnet", "energyflow", "root", "parquet", "array")
#: JetClass's per-particle branches (px, py, pz, E), the default ``fields``.
JETCLASS_FIELDS = ("part_px", "part_py", "part_pz", "part_energy")
_HDF5 = (".h5", ".hdf5", ".hdf")
_PARQUET = (".parquet", ".pq")
_NPZ_LABELS = ("target", "labels", "y", "is_signal_new")

#: Masses [GeV] of the particle ids of the energyflow quark/gluon samples (PDG 2024).
PDG_MASSES = {
    22: 0.0, 11: 0.000511, 13: 0.105658, 211: 0.139570, 321: 0.493677, 130: 0.497611,
    310: 0.497611, 2212: 0.938272, 2112: 0.939565, 3122: 1.115683, 3112: 1.197449,
    3222: 1.189370, 3312: 1.32171, 3322: 1.31486, 3334: 1.67245, 12: 0.0, 14: 0.0, 16: 0.0,
}  # fmt: skip


def check_count(value, name: str, *, allow_none: bool = True) -> int | None:
    """An integer >= 1 (numpy integers too); bools, floats and strings are refused."""
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer >= 1; got {value!r}.")
    if value < 1:
        raise ValueError(f"{name} must be an integer >= 1; got {value!r}.")
    return int(value)


def check_on_invalid(on_invalid) -> str:
    if on_invalid not in ("raise", "drop"):
        raise ValueError(f"on_invalid must be 'raise' or 'drop'; got {on_invalid!r}.")
    return on_invalid


@dataclass
class Chunk:
    """Rows ``[start, start + len(values))`` of a file, as stored."""

    start: int
    values: NDArray[np.float64]  # (rows, slots, fields)
    labels: NDArray[np.float64] | None = None
    extra: dict[str, NDArray] = field(default_factory=dict)

    def take(self, keep: NDArray[np.bool_]) -> Chunk:
        return Chunk(
            self.start,
            self.values[keep],
            None if self.labels is None else self.labels[keep],
            {k: v[keep] for k, v in self.extra.items()},
        )


class _Source:
    """One open file of one format; subclasses fill in the reading and conversion."""

    format = ""
    layout = ""
    field_names: tuple[str, ...] = ()
    label_name: str | None = None
    width: int | None = None  # stored slots per jet; None for jagged files
    pt_field: int | None = None  # the field that must be >= 0, if any
    eta_field: int | None = None  # a (pseudo)rapidity field, |value| <= MAX_ABS_ETA
    phi_field: int | None = None  # an azimuth field, |value| <= MAX_ABS_PHI (then wrapped)
    n_rows = 0

    def __init__(self, path: Path):
        self.path = path
        self.where_file = os.fspath(path)

    def chunks(self, chunk_size: int) -> Iterator[Chunk]:
        for start in range(0, self.n_rows, chunk_size):
            yield self.read(start, min(start + chunk_size, self.n_rows))

    def read(self, start: int, stop: int) -> Chunk:
        raise NotImplementedError

    def max_length(self, chunk_size: int) -> int:
        """The longest jet (a first pass over the file, ``chunk_size`` rows at a time)."""
        return int(self.width or 0)

    def where(self, row: int, slot: int, f: int) -> str:
        return f"row {row}, particle {slot}, field {self.field_names[f]!r}"

    def extra_checks(self, chunk: Chunk) -> list[tuple[NDArray[np.bool_], str]]:
        """Format-specific invalid rows: ``[(bad rows, message about the first), ...]``."""
        return []

    def convert(self, chunk: Chunk) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
        """``(constituents (pT, eta, phi), four-vectors (E, px, py, pz) or None)``."""
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _ptetaphi(values: NDArray[np.float64]) -> NDArray[np.float64]:
    c = np.array(values[..., :3], dtype=np.float64)
    c[..., 2] = np.where(c[..., 0] > 0, wrap_phi(c[..., 2]), 0.0)
    return c


# -- top-tagging: E_i, PX_i, PY_i, PZ_i ---------------------------------------------------
class _TopTagging(_Source):
    format = "top-tagging"
    field_names = ("E", "PX", "PY", "PZ")

    def __init__(self, path: Path, *, key: str, label: str | None):
        super().__init__(path)
        if path.suffix.lower() in _PARQUET:
            self._parquet = ParquetColumns(path)
            names, self._frame, self._fh = self._parquet.names, None, None
            self.layout = "top-tagging Parquet (E_i, PX_i, PY_i, PZ_i)"
            self.n_rows = self._parquet.n_rows
        else:
            h5py = import_optional("h5py", "data")
            self._parquet = None
            self._fh = h5py.File(self.where_file, "r")
            try:
                self._frame = PandasFrame(self._fh, key, self.where_file)
            except BaseException:
                self._fh.close()
                raise
            names = self._frame.columns
            self.layout = f"top-tagging table (E_i, PX_i, PY_i, PZ_i; {self._frame.layout})"
            self.n_rows = self._frame.n_rows
        present = set(names)
        n = 0
        while all(f"{c}_{n}" in present for c in self.field_names):
            n += 1
        if n == 0:
            self.close()
            hint = ""
            if len(names) in (2100, 2101):
                hint = " (2100 columns: an LHC Olympics event file? use load_lhco)"
            raise ValueError(
                "the table has no columns E_0, PX_0, PY_0, PZ_0, ... (the layout of the "
                f"top-tagging reference data set); columns: {sorted(names)[:8]}...{hint}"
            )
        self.width = n
        # the published files' column order: E_0, PX_0, PY_0, PZ_0, E_1, ... (rows reshape)
        self._columns = [f"{c}_{i}" for i in range(n) for c in self.field_names]
        if label is None and "is_signal_new" in present:
            label = "is_signal_new"
        if label is not None and label not in present:
            self.close()
            raise KeyError(f"{self.where_file!r} has no label column {label!r}.")
        self.label_name = label

    def chunks(self, chunk_size: int) -> Iterator[Chunk]:
        if self._parquet is None:
            yield from super().chunks(chunk_size)
            return
        flat = self._columns + ([self.label_name] if self.label_name else [])
        for start, _, cols in self._parquet.batches([], flat, chunk_size):
            values = np.stack([cols[c] for c in self._columns], axis=1)
            labels = cols[self.label_name] if self.label_name else None
            yield self._chunk(start, values, labels)

    def read(self, start: int, stop: int) -> Chunk:
        values = self._frame.read(self._columns, start, stop)
        labels = None
        if self.label_name:
            labels = self._frame.read([self.label_name], start, stop)[:, 0]
        return self._chunk(start, values, labels)

    def _chunk(self, start, values, labels) -> Chunk:
        return Chunk(start, values.reshape(len(values), self.width, 4), labels)

    def where(self, row, slot, f):
        return f"column {self.field_names[f]}_{slot}, row {row}"

    def convert(self, chunk):
        return pt_eta_phi_from_cartesian(chunk.values), chunk.values

    def close(self):
        if self._parquet is not None:
            self._parquet.close()
        if self._fh is not None:
            self._fh.close()


# -- plain arrays and the array files of JetNet and energyflow ------------------------------
class _Arrays(_Source):
    """Per-particle values in one array ``(n, m, f)`` of an .npy/.npz/HDF5 file."""

    array_name = "constituents"

    def __init__(self, path: Path):
        super().__init__(path)
        self._members: list = []
        self._h5 = None

    def _open_arrays(
        self,
        path: Path,
        array_name: str,
        label: str | None,
        extra: Sequence[str] = (),
        default_labels: Sequence[str] = (),
    ):
        self.array_name = array_name
        suffix = path.suffix.lower()
        if suffix == ".npy":
            self._values = open_npy(path)
            names = []
        elif suffix == ".npz":
            names = npz_names(path)
            self._values = self._member(path, array_name, names)
        else:
            h5py = import_optional("h5py", "data")
            self._h5 = h5py.File(self.where_file, "r")
            names = list(self._h5)
            if array_name not in names:
                raise KeyError(f"{self.where_file!r} has no dataset {array_name!r}.")
            self._values = self._h5[array_name]
            if self._values.dtype.kind not in "biuf":
                raise ValueError(
                    f"the dataset {array_name!r} of {self.where_file!r} is not numeric "
                    f"(dtype {self._values.dtype})."
                )
        shape = self._values.shape
        if len(shape) != 3:
            raise ValueError(
                f"{array_name!r} in {self.where_file!r} must have shape (n_jets, "
                f"n_constituents, 3 or 4); got {shape}."
            )
        self.n_rows, self.width = int(shape[0]), int(shape[1])
        self._labels = None
        if label is None:
            label = next((k for k in default_labels if k in names and k != array_name), None)
        if label is not None:
            if label not in names:
                raise KeyError(f"{self.where_file!r} has no label array {label!r}; it has {names}.")
            self._labels = self._array(path, label, names)
            n_labels = len(self._labels) if len(self._labels.shape) else 1
            if len(self._labels.shape) != 1 or n_labels != self.n_rows:
                raise ValueError(
                    f"{self.where_file!r} holds {n_labels} labels ({label!r}, shape "
                    f"{self._labels.shape}) for {self.n_rows} jets: labels must be one per jet."
                )
        self.label_name = label
        self._extra = {}
        for name in extra:
            if name in names:
                self._extra[name] = self._array(path, name, names)
                if len(self._extra[name]) != self.n_rows:
                    raise ValueError(
                        f"{name!r} in {self.where_file!r} has {len(self._extra[name])} rows "
                        f"for {self.n_rows} jets."
                    )

    def _member(self, path, name, names):
        if name not in names:
            raise KeyError(f"{self.where_file!r} has no array {name!r}; it has {names}.")
        member = NpyMember(path, name)
        self._members.append(member)
        return member

    def _array(self, path, name, names):
        if self._h5 is not None:
            ds = self._h5[name]
            if ds.dtype.kind not in "biuf":
                raise ValueError(f"the dataset {name!r} of {self.where_file!r} is not numeric.")
            return ds
        return self._member(path, name, names)

    @staticmethod
    def _slice(arr, start, stop):
        if isinstance(arr, NpyMember):
            return arr.read(start, stop)
        return np.asarray(arr[start:stop])

    def read(self, start, stop):
        values = self._slice(self._values, start, stop).astype(np.float64)
        labels = None
        if self._labels is not None:
            labels = self._slice(self._labels, start, stop).astype(np.float64)
        extra = {k: self._slice(v, start, stop).astype(np.float64) for k, v in self._extra.items()}
        return Chunk(start, values, labels, extra)

    def where(self, row, slot, f):
        name = self.field_names[f] if f < len(self.field_names) else f"field {f}"
        return f"{self.array_name}[{row}, {slot}, {f}] ({name})"

    def close(self):
        for m in self._members:
            m.close()
        if self._h5 is not None:
            self._h5.close()


class _PlainArray(_Arrays):
    format = "array"

    def __init__(self, path: Path, *, label: str | None):
        super().__init__(path)
        suffix = path.suffix.lower()
        name = "constituents"
        if suffix == ".npz":
            names = npz_names(path)
            if "constituents" not in names:
                arrays = [n for n in names if n not in _NPZ_LABELS]
                if len(names) == 1:
                    name = names[0]
                elif len(arrays) == 1 and label is None:
                    name = arrays[0]
                else:
                    raise ValueError(f"{path} holds {names}; name the array 'constituents'.")
        elif suffix == ".npy" and label is not None:
            raise ValueError("label= needs a file that holds labels (.npz, HDF5, ...), not .npy.")
        try:
            self._open_arrays(path, name, label, default_labels=_NPZ_LABELS)
        except BaseException:
            self.close()
            raise
        n_fields = self._values.shape[-1]
        if n_fields not in (3, 4):
            self.close()
            raise ValueError(
                "an array file must hold shape (n_jets, n_constituents, 3 or 4); got "
                f"{self._values.shape}."
            )
        if n_fields == 3:
            self.field_names, self.pt_field = ("pT", "eta", "phi"), 0
            self.eta_field, self.phi_field = 1, 2
            self.layout = "array (pT, eta, phi)"
        else:
            self.field_names, self.layout = ("E", "px", "py", "pz"), "array (E, px, py, pz)"

    def convert(self, chunk):
        if chunk.values.shape[-1] == 4:
            return pt_eta_phi_from_cartesian(chunk.values), chunk.values
        return _ptetaphi(chunk.values), None


class _JetNet(_Arrays):
    format = "jetnet"
    field_names = ("eta_rel", "phi_rel", "pT_rel", "mask")
    pt_field, eta_field, phi_field = 2, 0, 1

    def __init__(self, path: Path, *, label: str | None):
        super().__init__(path)
        if label is not None:
            raise ValueError("JetNet files hold one class each and no labels: leave label=None.")
        try:
            self._open_arrays(path, "particle_features", None, ("jet_features",))
        except BaseException:
            self.close()
            raise
        n_fields = self._values.shape[-1]
        if n_fields not in (3, 4):
            self.close()
            raise ValueError(
                "particle_features must hold (eta_rel, phi_rel, pT_rel[, mask]) per particle; "
                f"got shape {self._values.shape}."
            )
        jf = self._extra.get("jet_features")
        if jf is not None and (len(jf.shape) != 2 or jf.shape[1] < 3):
            self.close()
            raise ValueError(
                f"jet_features must have shape (n_jets, 4) = (pT, eta, mass, multiplicity); "
                f"got {jf.shape}."
            )
        self.layout = (
            "JetNet (pT_rel x jet pT, eta_rel + jet eta, phi_rel)"
            if jf is not None
            else "JetNet (pT_rel, eta_rel, phi_rel as stored)"
        )

    def extra_checks(self, chunk):
        checks = []
        if chunk.values.shape[-1] == 4:
            mask = chunk.values[..., 3]
            bad = ~np.isin(mask, (0.0, 1.0))
            if bad.any():
                i, s = np.argwhere(bad)[0]
                checks.append(
                    (bad.any(axis=1), f"mask particle_features[{chunk.start + i}, {s}, 3] = "
                     f"{float(mask[i, s]):g} is neither 0 nor 1")
                )
        return checks

    def convert(self, chunk):
        v = chunk.values
        real = v[..., 3] > 0 if v.shape[-1] == 4 else v[..., 2] > 0
        c = np.stack([v[..., 2], v[..., 0], v[..., 1]], axis=-1)
        jf = chunk.extra.get("jet_features")
        if jf is not None:
            c[..., 0] *= jf[:, None, 0]
            c[..., 1] += jf[:, None, 1]
        c[~real] = 0.0
        return _ptetaphi(c), None


class _EnergyFlow(_Arrays):
    format = "energyflow"
    field_names = ("pT", "y", "phi", "pid")
    pt_field, eta_field, phi_field = 0, 1, 2

    def __init__(self, path: Path, *, label: str | None):
        super().__init__(path)
        try:
            self._open_arrays(path, "X", label, default_labels=("y",))
        except BaseException:
            self.close()
            raise
        n_fields = self._values.shape[-1]
        if n_fields not in (3, 4):
            self.close()
            raise ValueError(
                f"X must hold (pT, y, phi[, pid]) per particle; got shape {self._values.shape}."
            )
        self.layout = "energyflow (pT, y, phi, pid)" if n_fields == 4 else "energyflow (pT, y, phi)"

    def extra_checks(self, chunk):
        v = chunk.values
        if v.shape[-1] != 4:
            return []
        pid = np.abs(v[..., 3])
        known = np.isin(pid, list(PDG_MASSES)) | (v[..., 0] == 0)
        if known.all():
            return []
        i, s = np.argwhere(~known)[0]
        unknown = sorted({int(p) for p in pid[~known] if np.isfinite(p)})
        return [(
            (~known).any(axis=1),
            f"X[{chunk.start + i}, {s}, 3] is the particle id {v[i, s, 3]:g}, whose mass "
            f"sktopo does not know (unknown ids: {unknown[:10]}; known: "
            f"{sorted(PDG_MASSES)})",
        )]  # fmt: skip

    def convert(self, chunk):
        v = chunk.values
        pt, y, phi = v[..., 0], v[..., 1], v[..., 2]
        real = pt > 0
        if v.shape[-1] == 3:
            return _ptetaphi(v[..., :3]), None
        ids = np.array(sorted(PDG_MASSES), dtype=np.float64)
        masses = np.array([PDG_MASSES[int(i)] for i in ids])
        at = np.searchsorted(ids, np.abs(np.where(real, v[..., 3], 22.0)))  # ids checked above
        mass = np.where(real, masses[np.minimum(at, len(ids) - 1)], 0.0)
        mt = np.sqrt(pt**2 + mass**2)
        p4 = np.stack([mt * np.cosh(y), pt * np.cos(phi), pt * np.sin(phi), mt * np.sinh(y)], -1)
        p4[~real] = 0.0
        eta = np.arcsinh(np.divide(p4[..., 3], pt, out=np.zeros_like(pt), where=real))
        c = np.stack([pt, eta, phi], axis=-1)
        return _ptetaphi(c), p4


# -- jagged per-particle fields: ROOT and Parquet ----------------------------------------------
class _Jagged(_Source):
    def __init__(self, path: Path, *, fields: Sequence[str], label: str | None, reader):
        super().__init__(path)
        try:
            self._check_fields(tuple(fields), label, reader)
        except BaseException:
            reader.close()
            raise

    def _check_fields(self, fields: tuple, label: str | None, reader) -> None:
        if len(fields) not in (3, 4) or not all(isinstance(f, str) for f in fields):
            raise ValueError(
                "fields must name three per-particle fields (pT, eta, phi) or four (px, py, "
                f"pz, E); got {fields!r}."
            )
        if label is not None and not isinstance(label, str):
            raise TypeError(f"label must be a field name or None; got {label!r}.")
        self.fields, self.label_name, self._reader = fields, label, reader
        self.field_names = fields
        self.n_rows = reader.n_rows
        missing = [f for f in (*fields, *([label] if label else [])) if f not in reader.names]
        if missing:
            raise KeyError(
                f"{self.where_file!r} has no field(s) {missing}; it has {reader.names[:12]}"
                f"{' ...' if len(reader.names) > 12 else ''}. Name them with fields= (and "
                "label=)."
            )
        if len(fields) == 3:
            self.pt_field, self.eta_field, self.phi_field = 0, 1, 2
            kind = "(pT, eta, phi)"
        else:
            kind = "(px, py, pz, E)"
        self.layout = f"{self.format} {kind} from {', '.join(fields)}"

    def chunks(self, chunk_size):
        flat = [self.label_name] if self.label_name else []
        for start, jagged, cols in self._reader.batches(self.fields, flat, chunk_size):
            lengths = jagged[self.fields[0]][0]
            for name in self.fields[1:]:
                if not np.array_equal(jagged[name][0], lengths):
                    row = int(np.flatnonzero(jagged[name][0] != lengths)[0])
                    raise ValueError(
                        f"the fields {self.fields[0]!r} and {name!r} of {self.where_file!r} "
                        f"have different numbers of particles at row {start + row}."
                    )
            values = np.stack([pad_jagged(lengths, jagged[n][1]) for n in self.fields], axis=-1)
            labels = cols[self.label_name] if self.label_name else None
            yield Chunk(start, values, labels)

    def max_length(self, chunk_size):
        longest = 0
        for _, jagged, _ in self._reader.batches(self.fields[:1], [], chunk_size):
            longest = max(longest, int(jagged[self.fields[0]][0].max(initial=0)))
        return longest

    def convert(self, chunk):
        v = chunk.values
        if v.shape[-1] == 3:
            return _ptetaphi(v), None
        p4 = np.ascontiguousarray(v[..., [3, 0, 1, 2]])
        return pt_eta_phi_from_cartesian(p4), p4

    def close(self):
        self._reader.close()


class _Root(_Jagged):
    format = "root"

    def __init__(self, path, *, fields, tree, label):
        super().__init__(path, fields=fields, label=label, reader=RootTree(path, tree))

    def where(self, row, slot, f):
        return f"branch {self.fields[f]!r}, entry {row}, particle {slot}"


class _Parquet(_Jagged):
    format = "parquet"

    def __init__(self, path, *, fields, label):
        super().__init__(path, fields=fields, label=label, reader=ParquetColumns(path))

    def where(self, row, slot, f):
        return f"column {self.fields[f]!r}, row {row}, particle {slot}"


# -- inference and opening -----------------------------------------------------------------
def infer_format(path: Path, key: str) -> str:
    """The format of a file, from its suffix and its contents."""
    suffix = path.suffix.lower()
    where = os.fspath(path)
    if suffix == ".npy":
        return "array"
    if suffix == ".npz":
        names = npz_names(path)
        if "particle_features" in names:
            return "jetnet"
        if "X" in names:
            return "energyflow"
        return "array"
    if suffix == ".root":
        return "root"
    if suffix in _PARQUET:
        names = ParquetColumns(path)
        try:
            return "top-tagging" if "E_0" in names.names else "parquet"
        finally:
            names.close()
    if suffix in _HDF5:
        h5py = import_optional("h5py", "data")
        with h5py.File(where, "r") as fh:
            if "particle_features" in fh:
                return "jetnet"
            if "constituents" in fh:
                return "array"
            if key in fh or pandas_keys(fh):
                return "top-tagging"
        raise ValueError(
            f"{where!r} is neither a JetNet file (particle_features) nor a pandas table "
            f"(the top-tagging layout under key={key!r}); pass format=."
        )
    raise ValueError(
        f"unknown jet file type {suffix!r}: use .h5/.hdf5, .npy, .npz, .root or .parquet "
        "(or pass format=)."
    )


def open_source(
    path,
    *,
    format: str | None = None,
    key: str = "table",
    fields: Sequence[str] | None = None,
    tree: str | None = None,
    label: str | None = None,
) -> _Source:
    """Open ``path`` as the named (or inferred) format."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file: {os.fspath(path)!r}")
    if format is None:
        format = infer_format(path, key)
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS} or None; got {format!r}.")
    if tree is not None and format != "root":
        raise ValueError(f"tree= applies to ROOT files; this is a {format!r} file.")
    if fields is not None and format not in ("root", "parquet"):
        raise ValueError(f"fields= applies to ROOT and Parquet files; this is a {format!r} file.")
    if isinstance(fields, str):
        raise TypeError("fields must be a sequence of three or four field names, not a string.")
    if format == "top-tagging":
        return _TopTagging(path, key=key, label=label)
    if format == "jetnet":
        return _JetNet(path, label=label)
    if format == "energyflow":
        return _EnergyFlow(path, label=label)
    if format == "array":
        return _PlainArray(path, label=label)
    fields = JETCLASS_FIELDS if fields is None else fields
    if format == "root":
        return _Root(path, fields=fields, tree=tree, label=label)
    return _Parquet(path, fields=fields, label=label)


# -- validation and the make_jets layout ------------------------------------------------------
def _invalid(source: _Source, chunk: Chunk) -> tuple[NDArray[np.bool_], str | None]:
    """Rows that cannot be read as jets, and a message naming the first problem."""
    v = chunk.values
    bad_rows = np.zeros(len(v), dtype=bool)
    first = None
    nonfinite = ~np.isfinite(v)
    if nonfinite.any():
        i, s, f = np.argwhere(nonfinite)[0]
        bad_rows |= nonfinite.any(axis=(1, 2))
        first = f"{source.where(chunk.start + i, s, f)} is {float(v[i, s, f]):g}"
    if source.pt_field is not None:
        negative = v[..., source.pt_field] < 0
        if negative.any():
            i, s = np.argwhere(negative)[0]
            bad_rows |= negative.any(axis=1)
            first = first or (
                f"{source.where(chunk.start + i, s, source.pt_field)} is negative "
                f"({float(v[i, s, source.pt_field]):g}); pT must be >= 0 (0 marks padding)"
            )
    for f, bound in ((source.eta_field, MAX_ABS_ETA), (source.phi_field, MAX_ABS_PHI)):
        if f is None:
            continue
        real = v[..., source.pt_field] > 0 if source.pt_field is not None else True
        beyond = real & (np.abs(v[..., f]) > bound)
        if beyond.any():
            i, s = np.argwhere(beyond)[0]
            bad_rows |= beyond.any(axis=1)
            first = first or (
                f"{source.where(chunk.start + i, s, f)} is {float(v[i, s, f]):g}, beyond the "
                f"physical range |{source.field_names[f]}| <= {bound:.6g} (a unit mistake or a "
                "corrupt value?)"
            )
    for name, arr in chunk.extra.items():
        bad = ~np.isfinite(arr).reshape(len(arr), -1)
        if bad.any():
            i, j = np.argwhere(bad)[0]
            bad_rows |= bad.any(axis=1)
            value = float(arr.reshape(len(arr), -1)[i, j])
            first = first or f"{name}[{chunk.start + i}, {j}] is {value:g}"
    if chunk.labels is not None:
        bad = ~np.isfinite(chunk.labels)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            bad_rows |= bad
            first = first or f"the label {source.label_name!r} of row {chunk.start + i} is NaN"
    for bad, message in source.extra_checks(chunk):
        bad_rows |= bad
        first = first or message
    return bad_rows, first


def _labels(source: _Source, chunk: Chunk) -> NDArray[np.int64] | None:
    y = chunk.labels
    if y is None:
        return None
    wrong = (y != 0) & (y != 1)
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        raise ValueError(
            f"labels must be 0 or 1: the label {source.label_name!r} of row {chunk.start + i} "
            f"in {source.where_file!r} is {float(y[i]):g} ({int(wrong.sum())} such rows in this "
            "chunk)."
        )
    return y.astype(np.int64)


def assemble(source: _Source, chunk: Chunk, width: int | None, on_invalid: str) -> Bunch:
    """Validate a chunk and build the :func:`make_jets` layout from it.

    ``width`` is the number of constituent slots (the hardest kept); None
    keeps the chunk's longest jet.
    """
    from sktopo.datasets._jet_io import sort_and_pad

    bad, message = _invalid(source, chunk)
    index = chunk.start + np.arange(len(chunk.values), dtype=np.int64)
    if bad.any():
        if on_invalid == "raise":
            raise ValueError(
                f"{int(bad.sum())} jet(s) of {source.where_file!r} in rows "
                f"[{chunk.start}, {chunk.start + len(bad)}) cannot be read: {message}. Fix the "
                "file, or pass on_invalid='drop' to leave such jets out."
            )
        chunk, index = chunk.take(~bad), index[~bad]
    target = _labels(source, chunk)
    c, p4 = source.convert(chunk)
    if p4 is None:  # massless constituents, checked above
        jets = jet_kinematics(c, layout="pt_eta_phi", check=False)
    else:
        jets = jet_kinematics(p4, layout="cartesian", check=False)
    constituents, counts = sort_and_pad(c, width)
    out = Bunch(
        constituents=constituents,
        jets=jets,
        n_constituents=counts,
        target=target,
        index=index,
    )
    if "jet_features" in chunk.extra:
        out.jet_features = chunk.extra["jet_features"]
    return out


def describe(source: _Source, width: int | None) -> dict:
    return {
        "source": source.where_file,
        "format": source.format,
        "layout": source.layout,
        "max_constituents": width,
        "label": source.label_name,
    }
