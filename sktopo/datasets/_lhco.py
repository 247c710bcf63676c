""":func:`load_lhco`: the event files of the LHC Olympics 2020, read with h5py in row ranges."""

from __future__ import annotations

import os
from numbers import Integral

import numpy as np
from sklearn.utils import Bunch

from sktopo.datasets._read_hdf import open_frame

__all__ = ["load_lhco"]

N_PARTICLES = 700
_CHUNK = 5_000  # rows read at a time (two float64 copies of 2101 columns: ~170 MB)


def _check_row(value, name: str, allow_none: bool) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer >= 0{' or None' * allow_none}; got {value!r}.")
    if value < 0:
        raise ValueError(f"{name} must be >= 0; got {value!r}.")
    return int(value)


def load_lhco(
    path: str | os.PathLike,
    *,
    start: int = 0,
    stop: int | None = None,
    key: str | None = None,
) -> Bunch:
    """Load events of the LHC Olympics 2020 R&D or black-box files.

    The files (Kasieczka, Nachman, Shih et al., arXiv:2101.08320) are pandas
    tables written by ``DataFrame.to_hdf`` (key ``'df'``): one row per event,
    the 700 hardest particles as 2100 columns ``pT_1, eta_1, phi_1, pT_2,
    ...`` (pT in GeV, zero-padded), and in the R&D file a 2101st column, the
    label (1 for the signal, a 3.5 TeV W' decaying to X (500 GeV) Y (100 GeV),
    each to two quarks; 0 for QCD dijets).  The table is parsed with h5py
    alone (fixed or table format; PyTables and pandas are not needed, and
    nothing is unpickled), and only the rows ``[start, stop)`` are read, a
    few thousand at a time.

    Parameters
    ----------
    path : str or path-like
        The ``.h5`` file.
    start : int, default=0
        First row (event) to read.
    stop : int, default=None
        One past the last row; None (or beyond the end) reads to the end.
    key : str, default=None
        HDF5 key of the table; None takes the file's only pandas table.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``particles`` (n_events, 700, 3) float64 ``(pT, eta, phi)`` as
        stored (zero rows for padding); ``target`` (n_events,) int64 labels,
        or None for a file without the label column (the black boxes);
        ``index`` (the file's row of each event); ``settings`` and ``DESCR``.

    Raises
    ------
    ValueError
        If the table does not have 2100 or 2101 numeric columns, a value is
        NaN or infinite, a pT is negative, or a label is not 0 or 1 (the
        error names the row and the column).

    See Also
    --------
    sktopo.jets.dijet_features : the CATHODE features of each event.

    References
    ----------
    .. [1] G. Kasieczka, B. Nachman, D. Shih et al., "The LHC Olympics 2020:
       A Community Challenge for Anomaly Detection in High Energy Physics",
       arXiv:2101.08320.

    Examples
    --------
    >>> import os, tempfile
    >>> import h5py, numpy as np
    >>> from sktopo.datasets import load_lhco
    >>> rows = np.zeros((3, 2101))
    >>> rows[:, 0:3] = [1300.0, 0.1, 0.2]  # one particle per event
    >>> rows[:, 2100] = [0, 1, 0]  # the label column of the R&D file
    >>> with tempfile.TemporaryDirectory() as tmp:  # pandas' fixed layout, written by hand
    ...     path = os.path.join(tmp, "events.h5")
    ...     with h5py.File(path, "w") as fh:
    ...         g = fh.create_group("df")
    ...         g.attrs.update(pandas_type=b"frame", nblocks=1)
    ...         _ = g.create_dataset("block0_items", data=np.arange(2101).astype("S"))
    ...         _ = g.create_dataset("block0_values", data=rows)
    ...     data = load_lhco(path, start=1)
    >>> data.particles.shape, data.target.tolist()
    ((2, 700, 3), [1, 0])
    """
    start = _check_row(start, "start", False)
    stop = _check_row(stop, "stop", True)
    if stop is not None and stop < start:
        raise ValueError(f"stop must be >= start; got start={start}, stop={stop}.")
    fh, frame = open_frame(path, key)
    with fh:
        n_columns = len(frame.columns)
        if n_columns not in (3 * N_PARTICLES, 3 * N_PARTICLES + 1):
            raise ValueError(
                f"{frame.where!r} is not an LHC Olympics event file: its table {frame.key!r} "
                f"has {n_columns} columns, not 2100 (700 particles x (pT, eta, phi)) or 2101 "
                "(and a label)."
            )
        labelled = n_columns == 3 * N_PARTICLES + 1
        stop = frame.n_rows if stop is None else min(stop, frame.n_rows)
        start = min(start, stop)
        n = stop - start
        particles = np.empty((n, N_PARTICLES, 3))
        target = np.empty(n, dtype=np.int64) if labelled else None
        for lo in range(start, stop, _CHUNK):
            hi = min(lo + _CHUNK, stop)
            values = frame.read(frame.columns, lo, hi)
            _check(values, lo, frame)
            particles[lo - start : hi - start] = values[:, : 3 * N_PARTICLES].reshape(
                hi - lo, N_PARTICLES, 3
            )
            if labelled:
                target[lo - start : hi - start] = values[:, -1]
        settings = {"source": frame.where, "key": frame.key, "start": start, "stop": stop}
    return Bunch(
        particles=particles,
        target=target,
        index=np.arange(start, stop, dtype=np.int64),
        settings=settings,
        DESCR=(
            f"Events {start} to {stop} of the LHC Olympics 2020 file {frame.where} "
            f"({'with' if labelled else 'without'} labels)."
        ),
    )


def _check(values: np.ndarray, first_row: int, frame) -> None:
    """Finite values, pT >= 0, labels 0 or 1: or an error naming the row and the column."""
    problems = []
    bad = ~np.isfinite(values)
    if bad.any():
        problems.append((bad, "is {:g}; values must be finite"))
    pt = np.zeros_like(bad)
    pt[:, 0 : 3 * N_PARTICLES : 3] = values[:, 0 : 3 * N_PARTICLES : 3] < 0
    if pt.any():
        problems.append((pt, "is {:g}; pT must be >= 0 (0 marks padding)"))
    if values.shape[1] > 3 * N_PARTICLES:
        label = np.zeros_like(bad)
        y = values[:, -1]
        label[:, -1] = np.isfinite(y) & (y != 0) & (y != 1)
        if label.any():
            problems.append((label, "is {:g}; labels must be 0 or 1"))
    for mask, text in problems:
        i, j = np.argwhere(mask)[0]
        what = (
            "the label"
            if j == 3 * N_PARTICLES
            else f"particle {j // 3}, {('pT', 'eta', 'phi')[j % 3]}"
        )
        raise ValueError(
            f"{frame.where!r}, row {first_row + i}, column {frame.columns[j]!r} ({what}) "
            f"{text.format(float(values[i, j]))} ({int(mask.any(axis=1).sum())} such rows "
            f"in rows [{first_row}, {first_row + len(values)}))."
        )
