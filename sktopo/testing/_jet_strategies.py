"""Hypothesis strategies for jets: constituents and rigid motions of the (eta, phi) plane.

A jet is an array ``(n_constituents, 3)`` of ``(pT, eta, phi)``, sorted by
decreasing pT and zero-padded, the layout of :func:`sktopo.datasets.make_jets`;
a jet sample stacks jets into ``(n_jets, n_constituents, 3)``.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

__all__ = ["jet_arrays", "jet_constituents", "plane_motions"]


def _finite(min_value: float, max_value: float) -> st.SearchStrategy[float]:
    return st.floats(
        min_value=min_value, max_value=max_value, allow_nan=False, allow_infinity=False
    )


@st.composite
def jet_constituents(
    draw,
    *,
    min_constituents: int = 1,
    max_constituents: int = 8,
    n_slots: int | None = None,
    max_spread: float = 0.5,
    min_pt: float = 1.0,
    max_pt: float = 500.0,
    eta_range: tuple[float, float] = (-2.0, 2.0),
) -> np.ndarray:
    """One jet: ``(n_slots, 3)`` of ``(pT, eta, phi)``, hardest first, zero-padded.

    Parameters
    ----------
    min_constituents, max_constituents : int, default=1, 8
        Range of the number of real (``pT > 0``) constituents.
    n_slots : int or None, default=None
        Rows of the output (padding included); None means
        ``max_constituents``.
    max_spread : float, default=0.5
        Constituents lie within ``+-max_spread`` of the jet's seed direction
        in eta and in phi, so every constituent is within ``2 sqrt(2)
        max_spread`` of the pT centroid.
    min_pt, max_pt : float, default=1.0, 500.0
        Range of constituent pT.
    eta_range : (float, float), default=(-2.0, 2.0)
        Range of the seed pseudorapidity.  The seed azimuth is anywhere in
        ``[-pi, pi)``, so jets straddling ``phi = pi`` occur; phi is wrapped.
    """
    slots = max_constituents if n_slots is None else n_slots
    n = draw(st.integers(min_constituents, max_constituents))
    eta0 = draw(_finite(*eta_range))
    phi0 = draw(_finite(-np.pi, np.pi))
    pt = np.sort(draw(st.lists(_finite(min_pt, max_pt), min_size=n, max_size=n)))[::-1]
    offsets = draw(
        st.lists(
            st.tuples(_finite(-max_spread, max_spread), _finite(-max_spread, max_spread)),
            min_size=n,
            max_size=n,
        )
    )
    jet = np.zeros((slots, 3))
    if n:
        d = np.asarray(offsets, dtype=np.float64)
        jet[:n, 0] = pt
        jet[:n, 1] = eta0 + d[:, 0]
        jet[:n, 2] = np.mod(phi0 + d[:, 1] + np.pi, 2.0 * np.pi) - np.pi
    return jet


@st.composite
def jet_arrays(draw, *, n_jets: int | None = None, **jet_kwargs) -> np.ndarray:
    """A sample ``(n_jets, n_slots, 3)`` of :func:`jet_constituents` jets.

    ``n_jets`` None draws 1 to 5; other keywords go to :func:`jet_constituents`.
    """
    rows = draw(st.integers(1, 5)) if n_jets is None else n_jets
    jet_kwargs.setdefault("n_slots", jet_kwargs.get("max_constituents", 8))
    return np.stack([draw(jet_constituents(**jet_kwargs)) for _ in range(rows)])


@st.composite
def plane_motions(draw, *, max_shift: float = 1.0) -> tuple[float, float, float]:
    """A rigid motion of the (eta, phi) plane: ``(angle, d_eta, d_phi)``.

    ``angle`` in ``[-pi, pi]`` (radians), ``d_eta`` in ``+-max_shift``, ``d_phi``
    anywhere in ``[-pi, pi]`` (so a motion can carry a jet across ``phi = pi``).
    """
    return (
        draw(_finite(-np.pi, np.pi)),
        draw(_finite(-max_shift, max_shift)),
        draw(_finite(-np.pi, np.pi)),
    )
