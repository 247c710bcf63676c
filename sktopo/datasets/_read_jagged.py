"""Per-particle columns of ROOT files (uproot) and Parquet files (pyarrow), chunk by chunk.

Both readers yield, for each chunk of rows (jets), the jagged columns as
``(lengths, flat)`` numpy arrays (particles per jet, and the particles'
values one after the other) and the flat columns as numpy arrays.  Missing
values (Parquet nulls inside a list) come out as NaN, to be caught by the
loaders' finiteness check; a missing list is an error naming its row.
Nothing here unpickles or evaluates anything the file holds.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

import numpy as np
from numpy.typing import NDArray

from sktopo.utils._optional import import_optional

__all__ = ["ParquetColumns", "RootTree", "pad_jagged"]

Batch = tuple[int, dict[str, tuple[NDArray, NDArray]], dict[str, NDArray]]


def pad_jagged(lengths: NDArray, flat: NDArray, width: int | None = None) -> NDArray[np.float64]:
    """Scatter jagged values ``(lengths, flat)`` into a zero-padded ``(n, width)`` array.

    ``width`` defaults to the longest row.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.datasets._read_jagged import pad_jagged
    >>> pad_jagged(np.array([2, 0, 1]), np.array([1.0, 2.0, 3.0])).tolist()
    [[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]]
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    width = int(lengths.max(initial=0)) if width is None else int(width)
    out = np.zeros((len(lengths), width), dtype=np.float64)
    rows = np.repeat(np.arange(len(lengths)), lengths)
    starts = np.cumsum(lengths) - lengths
    slots = np.arange(int(lengths.sum())) - np.repeat(starts, lengths)
    out[rows, slots] = flat
    return out


class ParquetColumns:
    """A Parquet file's columns, read with pyarrow in batches of an exact size.

    Attributes
    ----------
    names : list of str
        Top-level column names.
    n_rows : int
    """

    def __init__(self, path: str | os.PathLike):
        import_optional("pyarrow", "data")
        pq = import_optional("pyarrow.parquet", "data")
        self.where = os.fspath(path)
        self._file = pq.ParquetFile(self.where)
        self._schema = self._file.schema_arrow
        self.names = list(self._schema.names)
        self.n_rows = int(self._file.metadata.num_rows)

    def is_jagged(self, name: str) -> bool:
        pa = import_optional("pyarrow", "data")
        t = self._schema.field(name).type
        return pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t)

    def _check(self, names: Sequence[str]) -> None:
        missing = [n for n in names if n not in self.names]
        if missing:
            raise KeyError(
                f"{self.where!r} has no column(s) {missing}; it has {self.names[:12]}"
                f"{' ...' if len(self.names) > 12 else ''}."
            )

    def batches(
        self, jagged: Sequence[str], flat: Sequence[str], chunk_size: int
    ) -> Iterator[Batch]:
        """``(start, {jagged name: (lengths, flat values)}, {flat name: values})`` per chunk."""
        pa = import_optional("pyarrow", "data")
        jagged, flat = list(jagged), list(flat)
        self._check(jagged + flat)
        for name in jagged:
            if not self.is_jagged(name):
                raise ValueError(
                    f"column {name!r} of {self.where!r} is not a list column "
                    f"(type {self._schema.field(name).type}); name per-particle columns."
                )
        pending, n_pending, start = [], 0, 0
        batches = self._file.iter_batches(batch_size=chunk_size, columns=jagged + flat)
        for batch in batches:
            pending.append(batch)
            n_pending += batch.num_rows
            while n_pending >= chunk_size:
                table = pa.Table.from_batches(pending).combine_chunks()
                head, rest = table.slice(0, chunk_size), table.slice(chunk_size)
                yield self._convert(head, start, jagged, flat)
                start += chunk_size
                pending = rest.to_batches()
                n_pending = rest.num_rows
        if n_pending:
            yield self._convert(pa.Table.from_batches(pending), start, jagged, flat)

    def _convert(self, table, start: int, jagged, flat) -> Batch:
        pc = import_optional("pyarrow.compute", "data")
        table = table.combine_chunks()
        out_jagged, out_flat = {}, {}
        for name in jagged:
            col = table.column(name).combine_chunks()
            if col.null_count:
                row = int(np.flatnonzero(col.is_null().to_numpy(zero_copy_only=False))[0])
                raise ValueError(
                    f"column {name!r} of {self.where!r} has a missing (null) list at row "
                    f"{start + row}."
                )
            lengths = pc.list_value_length(col).to_numpy(zero_copy_only=False)
            values = col.flatten().to_numpy(zero_copy_only=False)
            out_jagged[name] = (lengths.astype(np.int64), _as_float(values, name, self.where))
        for name in flat:
            values = table.column(name).combine_chunks().to_numpy(zero_copy_only=False)
            out_flat[name] = _as_float(values, name, self.where)
        return start, out_jagged, out_flat

    def close(self) -> None:
        self._file.close()


def _as_float(values, name: str, where: str) -> NDArray[np.float64]:
    values = np.asarray(values)
    if values.dtype.kind not in "biuf":
        raise ValueError(f"column {name!r} of {where!r} is not numeric (dtype {values.dtype}).")
    return values.astype(np.float64)


class RootTree:
    """A TTree (or RNTuple) of a ROOT file, read with uproot in steps of an exact size.

    Parameters
    ----------
    path : path-like
    tree : str or None
        Its name; None takes the file's only tree.

    Attributes
    ----------
    names : list of str
        The branch (field) names.
    n_rows : int
    """

    def __init__(self, path: str | os.PathLike, tree: str | None):
        uproot = import_optional("uproot", "data")
        self.where = os.fspath(path)
        self._file = uproot.open(self.where)
        try:
            classes = self._file.classnames(cycle=False)
            trees = [k for k, c in classes.items() if c in ("TTree", "ROOT::RNTuple")]
            if tree is None:
                if len(trees) != 1:
                    raise ValueError(
                        f"{self.where!r} holds {len(trees)} trees ({trees}); pass tree= to "
                        "name one."
                    )
                tree = trees[0]
            elif tree not in trees:
                raise KeyError(f"{self.where!r} has no tree {tree!r}; its trees: {trees}.")
            self.tree_name = tree
            self._tree = self._file[tree]
            self.names = list(self._tree.keys())
            self.n_rows = int(self._tree.num_entries)
        except BaseException:
            self._file.close()
            raise

    def is_jagged(self, name: str) -> bool:
        return True

    def batches(
        self, jagged: Sequence[str], flat: Sequence[str], chunk_size: int
    ) -> Iterator[Batch]:
        ak = import_optional("awkward", "data")
        jagged, flat = list(jagged), list(flat)
        missing = [n for n in jagged + flat if n not in self.names]
        if missing:
            raise KeyError(
                f"the tree {self.tree_name!r} of {self.where!r} has no branch(es) {missing}; "
                f"it has {self.names[:12]}{' ...' if len(self.names) > 12 else ''}."
            )
        start = 0
        # the expressions are exactly branch names (checked above): uproot evaluates nothing
        for arrays in self._tree.iterate(
            jagged + flat, step_size=int(chunk_size), library="ak"
        ):
            n = len(arrays)
            out_jagged, out_flat = {}, {}
            for name in jagged:
                col = arrays[name]
                if col.ndim != 2:
                    raise ValueError(
                        f"branch {name!r} of {self.where!r} is not one list of numbers per "
                        f"entry (type {col.type})."
                    )
                col = ak.fill_none(col, np.nan, axis=-1)
                lengths = ak.to_numpy(ak.num(col, axis=1)).astype(np.int64)
                values = ak.to_numpy(ak.flatten(col, axis=1))
                out_jagged[name] = (lengths, _as_float(values, name, self.where))
            for name in flat:
                col = arrays[name]
                if col.ndim != 1:
                    raise ValueError(
                        f"branch {name!r} of {self.where!r} is not one number per entry "
                        f"(type {col.type})."
                    )
                out_flat[name] = _as_float(ak.to_numpy(ak.fill_none(col, np.nan)), name,
                                           self.where)
            yield start, out_jagged, out_flat
            start += n

    def close(self) -> None:
        self._file.close()
