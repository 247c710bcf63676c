"""Row chunks of bounded memory, without torch: every scoring pass of sktopo uses them.

A chunk holds as many rows as fit in :func:`chunk_memory_budget`
(:data:`CHUNK_MEMORY_MIB`, capped by scikit-learn's ``working_memory``, see
:func:`sklearn.set_config`), counted by scikit-learn's own
``get_chunk_n_rows``; only the chunk is converted to the working dtype, so the
memory of a pass beyond its input and output does not grow with the number of
rows.
"""

from __future__ import annotations

import warnings

import numpy as np
import sklearn
from sklearn.utils._chunking import get_chunk_n_rows

__all__ = ["CHUNK_MEMORY_MIB", "chunk_memory_budget", "chunk_rows", "iter_chunks"]

#: Working memory of one chunk, in MiB (capped by sklearn's ``working_memory``).
#: Small chunks stay in the processor's cache: 4-8 MiB scores fastest here.
CHUNK_MEMORY_MIB = 8


def chunk_memory_budget() -> float:
    """Bytes one chunk may use: ``min(CHUNK_MEMORY_MIB, sklearn working_memory)`` MiB."""
    return min(CHUNK_MEMORY_MIB, sklearn.get_config()["working_memory"]) * 2.0**20


def chunk_rows(row_bytes: float, *, min_rows: int = 16) -> int:
    """Rows per chunk for a computation needing ``row_bytes`` of working memory per row.

    At least ``min_rows`` (a chunk of a few rows wastes more in overhead than
    it saves in memory).

    Examples
    --------
    >>> from sktopo.utils._chunks import chunk_rows
    >>> chunk_rows(8 * 1024)  # 8 KiB per row in an 8 MiB budget
    1024
    >>> chunk_rows(1e9)
    16
    """
    budget = min(CHUNK_MEMORY_MIB, sklearn.get_config()["working_memory"])
    with warnings.catch_warnings():
        # a row larger than the budget: min_rows below says what happens
        warnings.simplefilter("ignore", UserWarning)
        rows = get_chunk_n_rows(max(row_bytes, 1.0), working_memory=budget)
    return max(min_rows, int(rows))


def iter_chunks(X, rows: int, dtype=np.float64):
    """Yield ``(slice, chunk)`` over ``X`` with each chunk converted to ``dtype`` alone.

    A chunk is a view of ``X`` where ``X`` already has that dtype and is
    writable, else a copy of those rows only.
    """
    n = X.shape[0]
    for start in range(0, n, rows):
        sl = slice(start, min(start + rows, n))
        chunk = np.asarray(X[sl], dtype=dtype)
        # torch cannot wrap read-only memory (e.g. a memory-mapped input)
        yield sl, chunk if chunk.flags.writeable else chunk.copy()
