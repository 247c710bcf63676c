"""pandas HDF5 frames (``DataFrame.to_hdf``) read with h5py alone, never unpickling.

pandas writes a frame through PyTables in one of two layouts (see
``pandas.io.pytables``):

* **fixed** (``format='fixed'``, the default): a group with the attributes
  ``pandas_type='frame'`` and ``nblocks``; ``axis0`` holds the column names in
  frame order, and each dtype block ``i`` its names in ``block{i}_items`` and
  its values in ``block{i}_values``, stored as ``(rows, items)`` when the
  attribute ``transposed`` is true and ``(items, rows)`` otherwise.  A column
  of Python objects (strings included) is a PyTables ``VLARRAY`` of pickles
  (attribute ``PSEUDOATOM='object'``);
* **table** (``format='table'``, the LHC Olympics files): a group with
  ``pandas_type='frame_table'`` holding one compound dataset ``table`` with
  the field ``index`` and a field per dtype block, ``values_block_{i}`` of
  shape ``(items,)`` (or one field per data column, named as the column).
  The names of a block's columns, and the frame's column order, are small
  lists that PyTables stores as protocol-0 pickles in the attributes
  ``values_block_{i}_kind`` and ``non_index_axes``.

Here the values are read with h5py, in row ranges; a column stored as
pickled objects is refused with an error naming it; and the attribute lists
are decoded by :func:`literal_unpickle`, which walks the pickle's opcodes
with :mod:`pickletools` and accepts only literals (lists, tuples, dicts,
strings, numbers, None): nothing is imported or called.
"""

from __future__ import annotations

import os
import pickletools
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from sktopo.utils._optional import import_optional

__all__ = ["PandasFrame", "UnsafePickleError", "literal_unpickle", "open_frame", "pandas_keys"]

# pickletools opcode names that build literals only
_PUSH = {
    "NONE": lambda arg: None,
    "NEWTRUE": lambda arg: True,
    "NEWFALSE": lambda arg: False,
    "EMPTY_LIST": lambda arg: [],
    "EMPTY_TUPLE": lambda arg: (),
    "EMPTY_DICT": lambda arg: {},
}
_VALUE = {
    "INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4", "FLOAT", "BINFLOAT",
    "UNICODE", "SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "STRING", "BINSTRING",
    "SHORT_BINSTRING", "BINBYTES", "SHORT_BINBYTES", "BINBYTES8",
}  # fmt: skip
_IGNORED = {"PROTO", "FRAME"}


class UnsafePickleError(ValueError):
    """A pickle that does more than build a literal (it would import or call)."""


def literal_unpickle(data: bytes):
    """Decode a pickle that holds only literals, without executing it.

    Parameters
    ----------
    data : bytes
        The pickle (PyTables stores attribute lists as protocol-0 pickles).

    Returns
    -------
    value : list, tuple, dict, str, bytes, int, float, bool or None

    Raises
    ------
    UnsafePickleError
        If the pickle uses any opcode other than those that build literals
        (``GLOBAL``, ``REDUCE``, ``BUILD``, ``INST``, ...).

    Examples
    --------
    >>> import pickle
    >>> from sktopo.datasets._read_hdf import literal_unpickle
    >>> literal_unpickle(pickle.dumps([(1, ["E_0", "PX_0"])], protocol=0))
    [(1, ['E_0', 'PX_0'])]
    >>> literal_unpickle(pickle.dumps(print))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    sktopo.datasets._read_hdf.UnsafePickleError: ...
    """
    stack: list = []
    marks: list[int] = []
    memo: dict = {}

    def pop_mark() -> list:
        if not marks:
            raise UnsafePickleError("malformed pickle (no MARK)")
        at = marks.pop()
        items = stack[at:]
        del stack[at:]
        return items

    try:
        for op, arg, _ in pickletools.genops(bytes(data)):
            name = op.name
            if name in _IGNORED:
                continue
            if name in _PUSH:
                stack.append(_PUSH[name](arg))
            elif name in _VALUE:
                stack.append(arg)
            elif name == "MARK":
                marks.append(len(stack))
            elif name == "LIST":
                stack.append(pop_mark())
            elif name == "TUPLE":
                stack.append(tuple(pop_mark()))
            elif name in ("TUPLE1", "TUPLE2", "TUPLE3"):
                k = int(name[-1])
                items = tuple(stack[-k:])
                del stack[-k:]
                stack.append(items)
            elif name == "DICT":
                items = pop_mark()
                stack.append(dict(zip(items[::2], items[1::2])))
            elif name == "APPEND":
                value = stack.pop()
                stack[-1].append(value)
            elif name == "APPENDS":
                items = pop_mark()
                stack[-1].extend(items)
            elif name == "SETITEM":
                value, key = stack.pop(), stack.pop()
                stack[-1][key] = value
            elif name == "SETITEMS":
                items = pop_mark()
                stack[-1].update(zip(items[::2], items[1::2]))
            elif name in ("PUT", "BINPUT", "LONG_BINPUT"):
                memo[arg] = stack[-1]
            elif name == "MEMOIZE":
                memo[len(memo)] = stack[-1]
            elif name in ("GET", "BINGET", "LONG_BINGET"):
                stack.append(memo[arg])
            elif name == "STOP":
                if len(stack) != 1:
                    raise UnsafePickleError("malformed pickle")
                return stack[0]
            else:
                raise UnsafePickleError(
                    f"the pickle uses {name!r}, which would import or call code; "
                    "sktopo reads only pickles of plain literals"
                )
    except UnsafePickleError:
        raise
    except Exception as exc:  # pickletools' own parse errors, a malformed stack
        raise UnsafePickleError(f"malformed pickle ({exc})") from exc
    raise UnsafePickleError("malformed pickle (no STOP)")


def _text(value) -> str:
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf-8")
    return str(value)


def _attr_text(attrs, name: str, default: str | None = None) -> str | None:
    return _text(attrs[name]) if name in attrs else default


def _is_pickled(dataset) -> bool:
    """A PyTables VLARRAY of pickled objects (or any dataset h5py sees as objects)."""
    return (
        _attr_text(dataset.attrs, "PSEUDOATOM") == "object"
        or _attr_text(dataset.attrs, "CLASS") == "VLARRAY"
        or dataset.dtype.kind == "O"
    )


def pandas_keys(fh) -> list[str]:
    """Top-level keys of an open h5py file that hold a pandas frame."""
    return [
        k for k in fh if _attr_text(fh[k].attrs, "pandas_type") in ("frame", "frame_table")
    ]


class PandasFrame:
    """A pandas frame in an HDF5 file, read with h5py in row ranges.

    Parameters
    ----------
    fh : h5py.File
        The open file (the caller closes it).
    key : str
        Key of the frame (``to_hdf(key=...)``).
    where : str
        How to name the file in errors.

    Attributes
    ----------
    columns : list of str
        Column names in frame order (as text: ``'E_0'``, ``'0'`` ...).
    n_rows : int
    layout : {'fixed', 'table'}
    """

    def __init__(self, fh, key: str, where: str):
        self.where = where
        self.key = key
        if key not in fh:
            raise KeyError(f"{where!r} has no table {key!r}; it holds {list(fh)}.")
        group = fh[key]
        kind = _attr_text(group.attrs, "pandas_type") if hasattr(group, "attrs") else None
        if kind == "frame" and "nblocks" in group.attrs:
            self._init_fixed(group)
        elif kind == "frame_table" and "table" in group:
            self._init_table(group)
        else:
            raise ValueError(
                f"{key!r} in {where!r} is not a pandas frame written by DataFrame.to_hdf "
                "(neither the fixed-format nor the table-format layout)."
            )
        self._position = {name: j for j, name in enumerate(self.columns)}

    # -- the two layouts ---------------------------------------------------------------
    def _init_fixed(self, group) -> None:
        self.layout = "fixed"
        self._blocks = []  # (dataset, names, rows_first)
        pickled: list[str] = []
        n_rows = None
        for b in range(int(group.attrs["nblocks"])):
            items_ds, values = group[f"block{b}_items"], group[f"block{b}_values"]
            if _is_pickled(items_ds):
                raise ValueError(
                    f"the column names of block {b} of {self.key!r} in {self.where!r} are "
                    "stored as pickled Python objects; sktopo never unpickles data: save "
                    "the frame with string column names."
                )
            names = [_text(x) for x in items_ds[()]]
            if _is_pickled(values):
                pickled += names
                continue
            if "transposed" in values.attrs:
                rows_first = bool(values.attrs["transposed"])
            else:
                rows_first = values.ndim == 2 and values.shape[1] == len(names)
            if values.ndim != 2 or values.shape[1 if rows_first else 0] != len(names):
                raise ValueError(
                    f"block {b} of {self.key!r} in {self.where!r} has shape {values.shape} "
                    f"for {len(names)} columns."
                )
            rows = values.shape[0 if rows_first else 1]
            if n_rows is not None and rows != n_rows:
                raise ValueError(
                    f"the blocks of {self.key!r} in {self.where!r} have {n_rows} and {rows} rows."
                )
            n_rows = rows
            self._blocks.append((values, names, rows_first))
        if pickled:
            raise ValueError(
                f"column(s) {pickled} of {self.key!r} in {self.where!r} hold pickled Python "
                "objects; sktopo never unpickles data (a pickle can run code). Convert "
                "them to numbers (or drop them) and save the file again."
            )
        axis0 = group["axis0"] if "axis0" in group else None
        if axis0 is not None and not _is_pickled(axis0):
            self.columns = [_text(x) for x in axis0[()]]
        else:
            self.columns = [n for _, names, _ in self._blocks for n in names]
        self.n_rows = int(n_rows or 0)

    def _init_table(self, group) -> None:
        self.layout = "table"
        table = group["table"]
        self._table = table
        self._blocks = []  # (field, names)
        for field in table.dtype.names:
            if field == "index":
                continue
            kind = table.attrs.get(f"{field}_kind")
            if field.startswith("values_block_"):
                if kind is None:
                    raise ValueError(
                        f"{self.key!r} in {self.where!r}: no column names for {field!r}."
                    )
                names = [_text(x) for x in self._literal(kind, f"{field}_kind")]
            else:  # a data column: the field is named as the column
                names = [field]
            self._blocks.append((field, names))
        order = group.attrs.get("non_index_axes")
        columns = [n for _, names in self._blocks for n in names]
        if order is not None:
            axes = self._literal(order, "non_index_axes")
            if axes and len(axes[0]) == 2 and sorted(map(_text, axes[0][1])) == sorted(columns):
                columns = [_text(x) for x in axes[0][1]]
        self.columns = columns
        self.n_rows = int(table.shape[0])

    def _literal(self, raw, name: str):
        try:
            return literal_unpickle(bytes(raw))
        except UnsafePickleError as exc:
            raise ValueError(
                f"the attribute {name!r} of {self.key!r} in {self.where!r} is not a plain "
                f"list ({exc}); sktopo never unpickles code."
            ) from None

    # -- reading -----------------------------------------------------------------------
    def has(self, name: str) -> bool:
        return name in self._position

    def read(
        self, columns: Sequence[str], start: int = 0, stop: int | None = None, dtype=np.float64
    ) -> NDArray:
        """Rows ``[start, stop)`` of ``columns``, shape ``(rows, len(columns))``.

        Only the blocks that hold a requested column are read, and only the
        requested rows of them.
        """
        stop = self.n_rows if stop is None else min(int(stop), self.n_rows)
        start = min(max(int(start), 0), stop)
        missing = [c for c in columns if c not in self._position]
        if missing:
            raise KeyError(
                f"{self.key!r} in {self.where!r} has no column(s) {missing[:5]}; "
                f"it has {self.columns[:8]}{' ...' if len(self.columns) > 8 else ''}."
            )
        wanted = {name: j for j, name in enumerate(columns)}
        out = np.empty((stop - start, len(columns)), dtype=dtype)
        for block in self._blocks:
            names = block[1]
            take = [(k, wanted[n]) for k, n in enumerate(names) if n in wanted]
            if not take:
                continue
            values = self._read_block(block, start, stop)
            if values.dtype.kind not in "biuf":
                raise ValueError(
                    f"column {names[take[0][0]]!r} of {self.key!r} in {self.where!r} is not "
                    f"numeric (dtype {values.dtype})."
                )
            src, dst = (np.array(x, dtype=np.intp) for x in zip(*take))
            if len(src) == values.shape[1] and np.array_equal(dst, np.arange(len(columns))):
                out[...] = values
            else:
                out[:, dst] = values[:, src]
        return out

    def _read_block(self, block, start: int, stop: int) -> NDArray:
        if self.layout == "fixed":
            values, _, rows_first = block
            return values[start:stop] if rows_first else values[:, start:stop].T
        field = block[0]
        values = self._table.fields(field)[start:stop]
        return values.reshape(stop - start, -1)


def open_frame(path: str | os.PathLike, key: str | None):
    """``(h5py.File, PandasFrame)`` for ``key``, or the file's only frame when None."""
    h5py = import_optional("h5py", "data")
    where = os.fspath(path)
    fh = h5py.File(where, "r")
    try:
        if key is None:
            keys = pandas_keys(fh)
            if len(keys) != 1:
                raise ValueError(
                    f"{where!r} holds {len(keys)} pandas frames ({keys}); pass key= to pick one."
                )
            key = keys[0]
        return fh, PandasFrame(fh, key, where)
    except BaseException:
        fh.close()
        raise
