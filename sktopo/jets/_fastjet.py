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

from sktopo.jets._constituents import WORKING_MEMORY_MIB, iter_row_chunks, trim_padding
from sktopo.physics import cartesian_from_pt_eta_phi
from sktopo.utils._optional import import_optional

__all__ = ["CHUNK", "apply_per_chunk", "cluster_sequence"]

# At most this many jets go to FastJet in one call.
CHUNK = 5000

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
    constituents: NDArray,
    func: Callable[[NDArray[np.float64]], NDArray[np.float64]],
    shape: tuple[int, ...],
    chunk_size: int = CHUNK,
) -> NDArray[np.float64]:
    """Evaluate ``func`` on the non-empty jets chunk by chunk; empty jets give 0.

    ``func`` maps ``(k, m, 3)`` float64 non-empty jets to an array
    ``(k, *shape)``.  At most ``chunk_size`` jets, and about
    ``WORKING_MEMORY_MIB`` of their four-vectors, are handled at a time
    (converted to float64 chunk by chunk), so the memory beyond the output
    does not grow with the number of jets.
    """
    n, m = constituents.shape[:2]
    out = np.zeros((n, *shape))
    # FastJet's inputs (awkward four-vectors) take several times the float64 chunk
    row_bytes = max(m * 3 * 8 * 8, -(-WORKING_MEMORY_MIB * 2**20 // chunk_size))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="dcut and exclusive jets", category=UserWarning)
        for rows in iter_row_chunks(n, row_bytes):
            chunk = constituents[rows]
            nonempty = np.flatnonzero(np.any(chunk[..., 0] > 0, axis=1))
            if nonempty.size:
                jets = np.asarray(chunk[nonempty], dtype=np.float64)
                out[rows.start + nonempty] = func(trim_padding(jets))
    return out
