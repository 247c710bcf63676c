""":func:`iter_jets`: a jet file of any format, chunk by chunk, in bounded memory."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

from sklearn.utils import Bunch

from sktopo.datasets._formats import (
    assemble,
    check_count,
    check_on_invalid,
    describe,
    open_source,
)

__all__ = ["JetChunks", "iter_jets"]


class JetChunks:
    """The iterator :func:`iter_jets` returns: chunks of jets, the file open meanwhile.

    Iterating yields one :class:`~sklearn.utils.Bunch` per chunk and closes
    the file at the end; leaving the loop early (``break``, an exception,
    Ctrl-C) closes it when this object is closed or collected, or at the end
    of a ``with`` block.

    Attributes
    ----------
    n_jets : int
        Rows (jets) in the file.
    chunk_size : int
    settings : dict
        ``source``, ``format``, ``layout``, ``max_constituents`` (the width of
        every chunk's ``constituents``) and ``label``.
    """

    def __init__(self, source, chunk_size: int, width: int, on_invalid: str):
        self._source = source
        self.chunk_size = chunk_size
        self.n_jets = int(source.n_rows)
        self.settings = describe(source, width)
        self._chunks = self._generate(width, on_invalid)

    def _generate(self, width: int, on_invalid: str) -> Iterator[Bunch]:
        try:
            for chunk in self._source.chunks(self.chunk_size):
                out = assemble(self._source, chunk, width, on_invalid)
                out.settings = self.settings
                out.DESCR = (
                    f"Jets {chunk.start} to {chunk.start + len(chunk.values)} of "
                    f"{self.settings['source']} ({self.settings['layout']})."
                )
                yield out
        finally:
            self._source.close()

    def __len__(self) -> int:
        """Number of chunks."""
        return -(-self.n_jets // self.chunk_size)

    def __iter__(self) -> JetChunks:
        return self

    def __next__(self) -> Bunch:
        return next(self._chunks)

    def close(self) -> None:
        """Stop early and close the file."""
        self._chunks.close()
        self._source.close()

    def __enter__(self) -> JetChunks:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def iter_jets(
    path: str | os.PathLike,
    *,
    chunk_size: int,
    format: str | None = None,
    key: str = "table",
    fields: Sequence[str] | None = None,
    tree: str | None = None,
    label: str | None = None,
    max_constituents: int | None = None,
    on_invalid: str = "raise",
) -> JetChunks:
    """Read a jet file chunk by chunk, each chunk in the layout of :func:`load_jets`.

    Only one chunk is in memory at a time (HDF5 row slices with h5py,
    ``.npy`` memory-mapped, ``.npz`` arrays streamed from the zip, Parquet
    record batches with pyarrow, ROOT steps with uproot), so a file larger
    than memory can be imaged, scored and written out chunk by chunk.  The
    chunks, concatenated, equal ``load_jets(path, max_constituents=w, ...)``
    with ``w = settings['max_constituents']``.

    Parameters
    ----------
    path : str or path-like
        The file, of any format :func:`load_jets` reads.
    chunk_size : int
        Jets per chunk (the last may be shorter; ``on_invalid='drop'`` may
        shorten any).
    format, key, fields, tree, label, on_invalid
        As in :func:`load_jets`.
    max_constituents : int, default=None
        Width of every chunk's ``constituents`` (the hardest kept).  None
        takes the file's stored width (200 for the top-tagging files, 30 or
        150 for JetNet, ...), or for ROOT / Parquet the longest jet in the
        file, found by a first pass over one field's list lengths.

    Returns
    -------
    chunks : iterator of :class:`~sklearn.utils.Bunch`
        Each with ``constituents``, ``jets``, ``n_constituents``, ``target``,
        ``index`` (the file's rows), ``settings`` and ``DESCR`` as in
        :func:`load_jets`.  ``len(chunks)`` is the number of chunks and
        ``chunks.n_jets`` the number of rows in the file (for progress
        bars); it is also a context manager that closes the file.

    See Also
    --------
    load_jets : the whole file at once.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sktopo.datasets import iter_jets
    >>> rng = np.random.default_rng(0)
    >>> jets = np.abs(rng.normal(size=(10, 5, 3)))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     np.save(os.path.join(tmp, "jets.npy"), jets)
    ...     with iter_jets(os.path.join(tmp, "jets.npy"), chunk_size=4) as chunks:
    ...         print(len(chunks), [c.constituents.shape for c in chunks])
    3 [(4, 5, 3), (4, 5, 3), (2, 5, 3)]
    """
    chunk_size = check_count(chunk_size, "chunk_size", allow_none=False)
    width = check_count(max_constituents, "max_constituents")
    check_on_invalid(on_invalid)
    source = open_source(path, format=format, key=key, fields=fields, tree=tree, label=label)
    try:
        if width is None:
            width = source.width if source.width is not None else source.max_length(chunk_size)
    except BaseException:
        source.close()
        raise
    return JetChunks(source, chunk_size, width, on_invalid)
