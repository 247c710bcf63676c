"""Registry of paper reproductions runnable as ``sktopo reproduce NAME``.

Besides the registry this module holds how every reproduction reports: its
progress messages (:func:`log_step`, ``[k/n] training ...`` through the
``sktopo.experiments`` logger) and the writing of its ``summary.txt``
(:func:`write_summary`: atomic, and never for an interrupted run).  What the
reproductions draw and write alike (figures outside pyplot, the lines of the
paper's statements) is in :mod:`sktopo.experiments._common`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sktopo.utils._atomic import atomic_path

__all__ = [
    "EXPERIMENTS",
    "Experiment",
    "atomic_write_text",
    "log_step",
    "logger",
    "register",
    "write_summary",
]

#: Progress and summaries of the reproductions; ``sktopo reproduce`` shows its
#: INFO messages on standard output (``--quiet`` hides them).
logger = logging.getLogger("sktopo.experiments")


@dataclass(frozen=True)
class Experiment:
    """One reproduction: ``run(out_dir, full=False, verbose=1, random_state=0) -> summary``.

    ``runtime`` and ``full_runtime`` are rough wall-clock estimates on one CPU
    core (torch at one thread) for the CPU-sized default and for ``--full``
    (from docs/reproductions.rst and measured runs), shown by ``sktopo
    reproduce --list``.  :func:`register` requires both; None only for an
    :class:`Experiment` made by hand (a test's stand-in).
    """

    name: str
    paper: str
    description: str
    run: Callable
    runtime: str | None = None
    full_runtime: str | None = None


EXPERIMENTS: dict[str, Experiment] = {}

# Set by ``sktopo reproduce`` when the user interrupts a run (SIGINT): the next
# progress step or summary write then raises KeyboardInterrupt even if a
# training loop swallowed the first one.
_interrupt = {"requested": False}


def register(name: str, *, paper: str, description: str, runtime: str, full_runtime: str):
    """Decorator adding a reproduction to :data:`EXPERIMENTS`.

    ``runtime`` and ``full_runtime`` (see :class:`Experiment`) are declared
    here, next to the reproduction they time, and nowhere else.
    """

    def wrap(func):
        EXPERIMENTS[name] = Experiment(name, paper, description, func, runtime, full_runtime)
        return func

    return wrap


def request_interrupt() -> None:
    """Record a user interrupt (called by the CLI's SIGINT handler)."""
    _interrupt["requested"] = True


def clear_interrupt() -> None:
    """Forget a recorded interrupt (at the start of a run)."""
    _interrupt["requested"] = False


def interrupt_requested() -> bool:
    """Whether the user interrupted the current run."""
    return _interrupt["requested"]


def _check_interrupt() -> None:
    if _interrupt["requested"]:
        raise KeyboardInterrupt


def log_step(step: int, n_steps: int, message: str, *args, verbose: int = 1) -> None:
    """Log ``[step/n_steps] message`` (%-style ``args``) when ``verbose``: overall progress.

    Call it before each training of a reproduction, e.g.
    ``log_step(2, 3, "training latent_dim=%d", 2, verbose=verbose)``.  It is
    also where a run stops after a user interrupt.

    Examples
    --------
    >>> from sktopo.experiments import log_step
    >>> log_step(1, 3, "training latent_dim=%d", 1)  # INFO: "[1/3] training latent_dim=1"
    """
    _check_interrupt()
    if verbose:
        logger.info(f"[{step}/{n_steps}] {message}", *args)


def atomic_write_text(path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and a rename.

    A reader never sees a half-written file, and an interrupted write leaves
    the old file (or none) in place.
    """
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return path


def write_summary(out_dir, text: str, verbose: int = 1) -> Path:
    """Write ``out_dir/summary.txt`` (atomically) and log it when ``verbose``.

    Call it last, once every number of the run is known: an interrupted run
    then writes no summary.

    Examples
    --------
    >>> import tempfile
    >>> from sktopo.experiments import write_summary
    >>> with tempfile.TemporaryDirectory() as out:
    ...     path = write_summary(out, "worst/median 616", verbose=0)
    ...     print(path.name, path.read_text().strip())
    summary.txt worst/median 616
    """
    _check_interrupt()
    path = atomic_write_text(Path(out_dir) / "summary.txt", text)
    if verbose:
        logger.info(text)
    return path
