"""Torch intra-op threads: chosen from the work, set for one call, then restored.

torch uses every core by default.  For the small dense networks of the papers
(64 hidden units) extra threads are pure overhead, and when another process is
busy on the machine they spin against it: a circle fit took 36 s with torch's
default threads against 1.9 s with one (see ``benchmarks/bench_threads.py``).
Every sktopo training and scoring call therefore runs under
:func:`torch_threads`, with the count from :func:`choose_threads`: one thread
below :data:`PARALLEL_FLOPS` floating-point operations per step, all available
cores above (large convolutional networks).  A detector's ``n_threads``
parameter overrides the choice; the caller's setting is restored afterwards.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

import torch

from sktopo._config import get_config

__all__ = ["PARALLEL_FLOPS", "available_cores", "choose_threads", "torch_threads"]

#: Floating-point operations per training step (or scoring chunk) from which
#: intra-op threads pay off; below it one thread is used.
PARALLEL_FLOPS = 1e9


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def choose_threads(n_threads: int | None, flops_per_step: float) -> int:
    """Intra-op threads for a computation.

    Parameters
    ----------
    n_threads : int or None
        The user's choice: a positive count, ``-1`` for all available cores, or
        ``None`` for the ``n_threads`` of :func:`sktopo.get_config` if set, else
        a choice from ``flops_per_step``.
    flops_per_step : float
        Floating-point operations of one step (a forward and backward pass over
        a batch, or a scoring chunk).

    Returns
    -------
    n : int
        At least 1.

    Examples
    --------
    >>> from sktopo.utils._threads import choose_threads
    >>> choose_threads(None, 5e6)  # a small dense autoencoder: one thread
    1
    >>> choose_threads(3, 5e6)
    3
    """
    if n_threads is None:
        n_threads = get_config()["n_threads"]
    if n_threads is None:
        return 1 if flops_per_step < PARALLEL_FLOPS else available_cores()
    if n_threads == -1:
        return available_cores()
    return int(n_threads)


@contextmanager
def torch_threads(n: int):
    """Run the block with ``torch.set_num_threads(n)``, restoring the caller's count.

    Examples
    --------
    >>> import torch
    >>> from sktopo.utils._threads import torch_threads
    >>> before = torch.get_num_threads()
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    old = torch.get_num_threads()
    if n != old:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if torch.get_num_threads() != old:
            torch.set_num_threads(old)
