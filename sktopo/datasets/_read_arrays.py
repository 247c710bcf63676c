"""Arrays of ``.npy`` / ``.npz`` files and HDF5 datasets, read row range by row range.

An ``.npy`` file is memory-mapped; an array inside an ``.npz`` (a zip of
``.npy`` files, compressed or not) is streamed from its zip member, rows in
order, so that neither needs the whole array in memory.  Object arrays are
refused (they are pickles), as ``numpy.load(allow_pickle=False)`` does.
"""

from __future__ import annotations

import os
import zipfile

import numpy as np
from numpy.typing import NDArray

__all__ = ["NpyMember", "npz_names", "open_npy"]


def _check_dtype(dtype: np.dtype, name: str, where: str) -> None:
    if dtype.hasobject:
        raise ValueError(
            f"the array {name!r} in {where!r} holds Python objects (pickles); sktopo "
            "never unpickles data: save it as a numeric array."
        )


def open_npy(path: str | os.PathLike) -> NDArray:
    """An ``.npy`` file memory-mapped read-only (pickles off)."""
    where = os.fspath(path)
    try:
        arr = np.load(where, mmap_mode="r", allow_pickle=False)
    except ValueError as exc:
        if "allow_pickle" in str(exc) or "Object arrays" in str(exc):
            raise ValueError(
                f"{where!r} holds Python objects (pickles); sktopo never unpickles data."
            ) from None
        raise
    return arr


def npz_names(path: str | os.PathLike) -> list[str]:
    """Names of the arrays of an ``.npz`` file (without the ``.npy`` suffix)."""
    with zipfile.ZipFile(path) as zf:
        return [n[:-4] if n.endswith(".npy") else n for n in zf.namelist()]


class NpyMember:
    """One array of an ``.npz`` file, read in row ranges, in order.

    Parameters
    ----------
    path : path-like
        The ``.npz`` file.
    name : str
        The array's name (``numpy.savez(path, name=...)``).

    Attributes
    ----------
    shape : tuple of int
    dtype : numpy.dtype
    """

    def __init__(self, path: str | os.PathLike, name: str):
        self.where = os.fspath(path)
        self.name = name
        self._zip = zipfile.ZipFile(self.where)
        try:
            self._fh = self._zip.open(f"{name}.npy")
            version = np.lib.format.read_magic(self._fh)
            if version == (1, 0):
                header = np.lib.format.read_array_header_1_0(self._fh)
            elif version == (2, 0):
                header = np.lib.format.read_array_header_2_0(self._fh)
            else:
                header = None
            if header is None or header[1]:  # other versions, Fortran order: read it whole
                self._fh.close()
                with np.load(self.where, allow_pickle=False) as npz:
                    try:
                        self._whole = np.ascontiguousarray(npz[name])
                    except ValueError as exc:
                        raise ValueError(
                            f"the array {name!r} in {self.where!r} holds Python objects "
                            f"(pickles); sktopo never unpickles data ({exc})."
                        ) from None
                self.shape, self.dtype = self._whole.shape, self._whole.dtype
            else:
                self._whole = None
                self.shape, _, self.dtype = header
                _check_dtype(self.dtype, name, self.where)
        except BaseException:
            self._zip.close()
            raise
        self._row_items = int(np.prod(self.shape[1:], dtype=np.int64))
        self._next = 0

    def __len__(self) -> int:
        return int(self.shape[0]) if self.shape else 1

    def read(self, start: int, stop: int) -> NDArray:
        """Rows ``[start, stop)``; ``start`` must be where the last read stopped."""
        if self._whole is not None:
            return self._whole[start:stop]
        if not self.shape:
            return np.frombuffer(self._fh.read(self.dtype.itemsize), self.dtype).copy()
        if start != self._next:
            raise RuntimeError("an .npz member is read in order")
        stop = min(stop, self.shape[0])
        count = (stop - start) * self._row_items
        data = self._fh.read(count * self.dtype.itemsize)
        if len(data) != count * self.dtype.itemsize:
            raise ValueError(
                f"the array {self.name!r} in {self.where!r} is truncated: its header says "
                f"{self.shape[0]} rows."
            )
        self._next = stop
        return np.frombuffer(data, self.dtype).reshape(stop - start, *self.shape[1:]).copy()

    def read_all(self) -> NDArray:
        return self.read(0, len(self)) if self.shape else self.read(0, 1)

    def close(self) -> None:
        if self._whole is None:
            self._fh.close()
        self._zip.close()
