"""Thin, private bridge to FastJet's Python bindings (``fastjet`` on PyPI).

Jets go to FastJet as one awkward array of massless four-momenta per chunk of
jets; FastJet's banner is silenced (it is cited in the docstrings instead) and
the bindings' spurious warning about exclusive jets with C/A is filtered.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import cache

import numpy as np
from numpy.typing import NDArray

from sktopo.physics import cartesian_from_pt_eta_phi
from sktopo.utils._optional import import_optional

__all__ = ["apply_per_chunk", "cluster_sequence"]

# Large enough that reclustering puts every constituent of a jet into one jet.
_RECLUSTER_R = 1000.0


@cache
def _fastjet():
    fastjet = import_optional("fastjet", "jets")
    swig = getattr(getattr(fastjet, "_swig", None), "ClusterSequence", None)
    if hasattr(swig, "set_fastjet_banner_stream") and hasattr(swig, "print_banner"):
        swig.set_fastjet_banner_stream(None)
        swig.print_banner()  # prints nowhere, and marks the banner as shown
    return fastjet


def cluster_sequence(constituents: NDArray[np.float64], algorithm: str):
    """Cluster each non-empty jet of ``constituents`` (n, m, 3) with ``'ca'`` or ``'kt'``."""
    fastjet = _fastjet()
    ak = import_optional("awkward", "jets")
    p = cartesian_from_pt_eta_phi(constituents)
    mask = constituents[..., 0] > 0
    counts = mask.sum(axis=1)
    fields = {
        name: ak.unflatten(np.ascontiguousarray(p[..., k][mask]), counts)
        for k, name in enumerate(("E", "px", "py", "pz"))
    }
    events = ak.zip(fields, with_name="Momentum4D")
    alg = {"ca": fastjet.cambridge_algorithm, "kt": fastjet.kt_algorithm}[algorithm]
    return fastjet.ClusterSequence(events, fastjet.JetDefinition(alg, _RECLUSTER_R))


def apply_per_chunk(
    constituents: NDArray[np.float64],
    func: Callable[[NDArray[np.float64]], NDArray[np.float64]],
    shape: tuple[int, ...],
    chunk_size: int,
) -> NDArray[np.float64]:
    """Evaluate ``func`` on the non-empty jets chunk by chunk; empty jets give 0.

    ``func`` maps ``(k, m, 3)`` non-empty jets to an array ``(k, *shape)``.
    """
    out = np.zeros((constituents.shape[0], *shape))
    nonempty = np.flatnonzero(np.any(constituents[..., 0] > 0, axis=1))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="dcut and exclusive jets", category=UserWarning)
        for start in range(0, nonempty.size, chunk_size):
            rows = nonempty[start : start + chunk_size]
            out[rows] = func(constituents[rows])
    return out
