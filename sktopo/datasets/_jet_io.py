"""Jet four-momenta, constituent padding and :func:`load_jets`, a reader for users' jet files.

Constituent conventions shared by :func:`~sktopo.datasets.make_jets` and
:func:`load_jets`: a jet is an array of shape ``(max_constituents, 3)`` of
``(pT [GeV], eta, phi)`` rows, sorted by decreasing ``pT`` and zero-padded;
``phi`` lies in ``(-pi, pi]``.  Four-vectors are ``(E, px, py, pz)`` on the
last axis as in :mod:`sktopo.physics`.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.utils import Bunch

from sktopo.physics import (
    cartesian_from_pt_eta_phi,
    minkowski_dot,
    pt_eta_phi_from_cartesian,
    wrap_phi,
)
from sktopo.utils._optional import import_optional

__all__ = ["jet_four_momentum", "load_jets", "sort_and_pad"]


def jet_four_momentum(p: ArrayLike) -> NDArray[np.float64]:
    """Jets ``(pT, eta, phi, mass)`` from their constituents' four-vectors.

    Parameters
    ----------
    p : array-like of shape (n_jets, n_constituents, 4)
        ``(E, px, py, pz)`` per constituent, zero rows for padding.

    Returns
    -------
    jets : ndarray of shape (n_jets, 4)

    Examples
    --------
    Two massless back-to-back 1 GeV photons make a 2 GeV mass at rest:

    >>> from sktopo.datasets._jet_io import jet_four_momentum
    >>> jet_four_momentum([[[1.0, 1.0, 0.0, 0.0], [1.0, -1.0, 0.0, 0.0]]]).tolist()
    [[0.0, 0.0, 0.0, 2.0]]
    """
    total = np.asarray(p, dtype=np.float64).sum(axis=-2)
    mass = np.sqrt(np.maximum(minkowski_dot(total, total), 0.0))
    return np.concatenate([pt_eta_phi_from_cartesian(total), mass[..., None]], axis=-1)


def sort_and_pad(
    constituents: ArrayLike, max_constituents: int | None = None
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Sort constituents by decreasing ``pT``, zero the padding, cut or pad to a length.

    Parameters
    ----------
    constituents : array-like of shape (n_jets, n, 3)
        ``(pT, eta, phi)``; rows with ``pT <= 0`` are padding.
    max_constituents : int, default=None
        Length of the output's second axis (the hardest are kept); None keeps
        the longest jet's multiplicity.

    Returns
    -------
    constituents : ndarray of shape (n_jets, max_constituents, 3)
    n_constituents : ndarray of shape (n_jets,)
        Non-padding constituents per jet *before* any cut.

    Examples
    --------
    >>> from sktopo.datasets._jet_io import sort_and_pad
    >>> c, n = sort_and_pad([[[1.0, 0.1, 0.2], [0.0, 9.0, 9.0], [3.0, 0.3, 0.4]]], 3)
    >>> c.tolist(), n.tolist()
    ([[[3.0, 0.3, 0.4], [1.0, 0.1, 0.2], [0.0, 0.0, 0.0]]], [2])
    """
    c = np.array(constituents, dtype=np.float64, ndmin=3)
    if c.ndim != 3 or c.shape[-1] != 3:
        raise ValueError(f"constituents must have shape (n_jets, n, 3); got {c.shape}.")
    real = c[..., 0] > 0
    c[~real] = 0.0
    order = np.argsort(-c[..., 0], axis=1, kind="stable")
    c = np.take_along_axis(c, order[..., None], axis=1)
    counts = real.sum(axis=1).astype(np.int64)
    width = int(counts.max(initial=0)) if max_constituents is None else int(max_constituents)
    if width > c.shape[1]:
        c = np.concatenate([c, np.zeros((c.shape[0], width - c.shape[1], 3))], axis=1)
    return c[:, :width], counts


def pad_constituents(parts: NDArray[np.float64], max_constituents: int) -> tuple[NDArray, int]:
    """One jet's ``(n, 3)`` constituents sorted, cut and padded; also returns ``n``."""
    c, n = sort_and_pad(parts[None], max_constituents)
    return c[0], int(n[0])


def _read_pandas_fixed(path: str | os.PathLike, key: str) -> dict[str, NDArray]:
    """Columns of a DataFrame written by ``pandas.to_hdf(format='fixed')``, read with h5py.

    The fixed format stores each dtype block as ``block{i}_items`` (column
    names) and ``block{i}_values`` (rows x columns, attribute
    ``transposed``), see ``pandas.io.pytables.BlockManagerFixed``.
    """
    h5py = import_optional("h5py", "jets")
    with h5py.File(path, "r") as fh:
        if key not in fh:
            raise KeyError(f"{os.fspath(path)!r} has no table {key!r}; it holds {list(fh)}.")
        group = fh[key]
        if "nblocks" not in group.attrs:
            raise ValueError(
                f"{key!r} in {os.fspath(path)!r} is not a pandas fixed-format frame; a "
                "'table'-format file needs pandas with PyTables (pip install tables)."
            )
        columns: dict[str, NDArray] = {}
        for b in range(int(group.attrs["nblocks"])):
            items = [
                x.decode() if isinstance(x, bytes) else str(x) for x in group[f"block{b}_items"][()]
            ]
            values = group[f"block{b}_values"][()]
            if values.shape[-1] != len(items):
                values = values.T
            for j, name in enumerate(items):
                columns[name] = values[:, j]
    return columns


def _read_table(path: str | os.PathLike, key: str) -> dict[str, NDArray]:
    try:
        import tables  # noqa: F401
    except ImportError:
        return _read_pandas_fixed(path, key)
    pandas = import_optional("pandas", "jets")
    frame = pandas.read_hdf(path, key=key)
    return {str(c): frame[c].to_numpy() for c in frame.columns}


def _constituents_from_columns(columns: dict[str, NDArray]) -> NDArray[np.float64]:
    n = 0
    while f"E_{n}" in columns:
        n += 1
    if n == 0:
        raise ValueError(
            "the table has no columns E_0, PX_0, PY_0, PZ_0, ... (the layout of the "
            f"top-tagging reference data set); columns: {sorted(columns)[:8]}..."
        )
    p = np.stack(
        [
            np.stack([columns[f"{c}_{i}"] for c in ("E", "PX", "PY", "PZ")], axis=-1)
            for i in range(n)
        ],
        axis=1,
    )
    return p.astype(np.float64)


def load_jets(
    path: str | os.PathLike,
    *,
    key: str = "table",
    max_constituents: int | None = None,
) -> Bunch:
    """Load a user's own jets into the :func:`make_jets` layout.

    Two layouts are read:

    * **the top-tagging reference data set** (Kasieczka et al.,
      arXiv:1902.09914; ``.h5``/``.hdf5``): a pandas HDF5 table under ``key``
      with columns ``E_i, PX_i, PY_i, PZ_i`` (GeV) for ``i < 200``, zero for
      padding, and the label column ``is_signal_new``.  A fixed-format table
      (the published files) is read with h5py alone; pandas with PyTables is
      used instead when ``tables`` is installed;
    * **a plain array file** (``.npy`` or ``.npz``) of shape
      ``(n_jets, n_constituents, 3)``, read as ``(pT, eta, phi)``, or
      ``(n_jets, n_constituents, 4)``, read as ``(E, px, py, pz)``.  An
      ``.npz`` holds it under ``constituents`` (or as its only array) and may
      hold labels under ``target``, ``labels``, ``y`` or ``is_signal_new``.

    Parameters
    ----------
    path : str or path-like
        The file.
    key : str, default='table'
        HDF5 key of the table.
    max_constituents : int, default=None
        Keep the hardest ``max_constituents`` (zero-padding shorter jets);
        None keeps the longest jet's multiplicity.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``constituents`` (n_jets, max_constituents, 3) ``(pT, eta, phi)``
        sorted by decreasing pT; ``jets`` (n_jets, 4) ``(pT, eta, phi,
        mass)`` from the sum of the constituents (massive if four-vectors were
        given, massless otherwise); ``n_constituents``; ``target`` (labels,
        or None); ``settings`` (``{'source': path, 'layout': ...}``);
        ``DESCR``.

    See Also
    --------
    make_jets : generate jets with Pythia in this layout.

    References
    ----------
    .. [1] G. Kasieczka, T. Plehn et al., "The Machine Learning Landscape of
       Top Taggers", arXiv:1902.09914.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sktopo.datasets import load_jets
    >>> jets = np.array([[[100.0, 0.1, 0.0], [0.0, 0.0, 0.0], [300.0, 0.0, 0.1]]])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     np.save(os.path.join(tmp, "jets.npy"), jets)
    ...     data = load_jets(os.path.join(tmp, "jets.npy"))
    >>> data.constituents[0, :, 0].tolist(), data.n_constituents.tolist()
    ([300.0, 100.0], [2])
    """
    path = Path(path)
    suffix = path.suffix.lower()
    target = None
    if suffix in (".h5", ".hdf5", ".hdf"):
        columns = _read_table(path, key)
        p4 = _constituents_from_columns(columns)
        if "is_signal_new" in columns:
            target = np.asarray(columns["is_signal_new"]).astype(np.int64)
        layout = "top-tagging table (E_i, PX_i, PY_i, PZ_i)"
        arr = p4
    elif suffix in (".npy", ".npz"):
        loaded = np.load(path, allow_pickle=False)
        if suffix == ".npz":
            names = list(loaded.files)
            name = (
                "constituents"
                if "constituents" in names
                else (names[0] if len(names) == 1 else None)
            )
            if name is None:
                raise ValueError(f"{path} holds {names}; name the array 'constituents'.")
            arr = loaded[name]
            label = next(
                (k for k in ("target", "labels", "y", "is_signal_new") if k in names), None
            )
            if label is not None:
                target = np.asarray(loaded[label])
        else:
            arr = loaded
        arr = np.asarray(arr, dtype=np.float64)
        if arr.ndim != 3 or arr.shape[-1] not in (3, 4):
            raise ValueError(
                f"an array file must hold shape (n_jets, n_constituents, 3 or 4); got {arr.shape}."
            )
        layout = "array (pT, eta, phi)" if arr.shape[-1] == 3 else "array (E, px, py, pz)"
    else:
        raise ValueError(f"unknown jet file type {suffix!r}: use .h5/.hdf5, .npy or .npz.")
    if arr.shape[-1] == 4:
        p4 = arr
        c = pt_eta_phi_from_cartesian(p4)
    else:
        c = arr.copy()
        c[..., 2] = np.where(c[..., 0] > 0, wrap_phi(c[..., 2]), 0.0)
        p4 = cartesian_from_pt_eta_phi(np.where(c[..., :1] > 0, c, 0.0))
    constituents, counts = sort_and_pad(c, max_constituents)
    return Bunch(
        constituents=constituents,
        jets=jet_four_momentum(p4),
        n_constituents=counts,
        target=target,
        settings={"source": os.fspath(path), "layout": layout},
        DESCR=f"Jets read from {os.fspath(path)} ({layout}).",
    )
