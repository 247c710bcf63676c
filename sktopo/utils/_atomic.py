"""Atomic file writes: a temporary file in the target's folder, then a rename.

A reader never sees a half-written file, and an interrupted write (Ctrl-C, a
crash) leaves the previous file, or none, in place.  The file gets the
permissions an ordinary ``open(path, 'w')`` would give it (``0o666`` less the
umask), not the private ``0o600`` of :func:`tempfile.mkstemp`.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_path", "default_file_mode"]


def default_file_mode() -> int:
    """``0o666`` less the process's umask: the mode ``open(path, 'w')`` gives a new file."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def atomic_path(path):
    """Yield a temporary path next to ``path``; on success it replaces ``path``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from sktopo.utils._atomic import atomic_path
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     target = Path(folder) / "numbers.txt"
    ...     with atomic_path(target) as tmp:
    ...         _ = tmp.write_text("42")
    ...     print(target.read_text(), sorted(p.name for p in Path(folder).iterdir()))
    42 ['numbers.txt']
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
