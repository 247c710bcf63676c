"""Registry of paper reproductions runnable as ``sktopo reproduce NAME``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

__all__ = ["Experiment", "EXPERIMENTS", "logger", "register"]

#: Progress and summaries of the reproductions; ``sktopo reproduce`` shows its
#: INFO messages on standard output (``--quiet`` hides them).
logger = logging.getLogger("sktopo.experiments")


@dataclass(frozen=True)
class Experiment:
    """One reproduction: ``run(out_dir, full=False, verbose=1, random_state=0) -> summary``."""

    name: str
    paper: str
    description: str
    run: Callable


EXPERIMENTS: dict[str, Experiment] = {}


def register(name: str, *, paper: str, description: str):
    """Decorator adding a reproduction to :data:`EXPERIMENTS`."""

    def wrap(func):
        EXPERIMENTS[name] = Experiment(name, paper, description, func)
        return func

    return wrap
