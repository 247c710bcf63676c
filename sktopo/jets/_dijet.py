"""Dijet features of whole events: the inputs of CATHODE and the LHC Olympics searches."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sktopo.jets._constituents import as_constituents
from sktopo.jets._fastjet import _fastjet
from sktopo.jets._observables import tau21
from sktopo.physics import cartesian_from_pt_eta_phi
from sktopo.utils._optional import import_optional

__all__ = ["DIJET_FEATURES", "dijet_features"]

#: Names of the columns :func:`dijet_features` returns.
DIJET_FEATURES = ("m_jj", "m_j_min", "delta_m_j", "tau21_j_min", "tau21_j_max")
_EVENTS_PER_CALL = 2_000


def _padded(lengths: NDArray, values: NDArray) -> NDArray[np.float64]:
    """``(n, max(lengths), 3)`` zero-padded from per-event ``(lengths, values (total, 3))``."""
    n, width = len(lengths), int(lengths.max(initial=0))
    out = np.zeros((n, max(width, 1), 3))
    rows = np.repeat(np.arange(n), lengths)
    slots = np.arange(len(values)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    out[rows, slots] = values
    return out


def _leading_dijets(X: NDArray[np.float64], R: float) -> NDArray[np.float64]:
    """The features of one chunk of events (see :func:`dijet_features`)."""
    ak = import_optional("awkward", "jets")
    fastjet = _fastjet()
    n = len(X)
    real = X[..., 0] > 0
    counts = real.sum(axis=1)
    flat = X[real]  # (total, 3): the events' particles one after the other
    p = cartesian_from_pt_eta_phi(flat)
    events = ak.zip(
        {
            name: ak.unflatten(np.ascontiguousarray(p[:, k]), counts)
            for k, name in enumerate(("E", "px", "py", "pz"))
        },
        with_name="Momentum4D",
    )
    sequence = fastjet.ClusterSequence(events, fastjet.JetDefinition(fastjet.antikt_algorithm, R))
    jets = sequence.inclusive_jets()
    members = sequence.constituent_index()
    pt = np.hypot(jets.px, jets.py)
    order = ak.argsort(pt, axis=1, ascending=False, stable=True)[:, :2]
    n_jets = np.asarray(ak.num(order, axis=1))
    p4 = np.zeros((n, 2, 4))  # (E, px, py, pz) of the two leading jets, zero where absent
    tau = np.zeros((n, 2))
    event_offset = np.cumsum(counts) - counts
    for slot in (0, 1):
        has = n_jets > slot
        if not has.any():
            continue
        pick = order[has][:, slot : slot + 1]
        lead = jets[has][pick][:, 0]
        p4[has, slot] = np.stack(
            [np.asarray(lead[name], dtype=np.float64) for name in ("E", "px", "py", "pz")], axis=1
        )
        # the leading jet's particles, as (pT, eta, phi) of the input, padded per event
        index = members[has][pick][:, 0]
        sizes = np.asarray(ak.num(index, axis=1), dtype=np.int64)
        rows = np.repeat(event_offset[has], sizes) + np.asarray(ak.flatten(index), dtype=np.int64)
        tau[has, slot] = tau21(_padded(sizes, flat[rows]), R0=R)
    mass = np.sqrt(np.maximum(p4[..., 0] ** 2 - (p4[..., 1:] ** 2).sum(axis=-1), 0.0))
    total = p4.sum(axis=1)
    m_jj = np.sqrt(np.maximum(total[:, 0] ** 2 - (total[:, 1:] ** 2).sum(axis=-1), 0.0))
    light = np.argmin(mass, axis=1)  # ties: the harder jet counts as the lighter
    rows = np.arange(n)
    m_min, m_max = mass[rows, light], mass[rows, 1 - light]
    return np.stack(
        [m_jj, m_min, m_max - m_min, tau[rows, light], tau[rows, 1 - light]], axis=1
    )


def dijet_features(particles: ArrayLike, *, R: float = 1.0) -> NDArray[np.float64]:
    """The dijet features of CATHODE for each event, from its particles.

    Each event's particles are clustered with the anti-kT algorithm of
    radius ``R`` (FastJet); its two hardest jets (by pT) give

    ``(m_jj, m_j_min, m_j_max - m_j_min, tau21_j_min, tau21_j_max)``

    with ``m_jj`` the dijet invariant mass, ``m_j`` the jets' masses
    (``j_min`` the lighter of the two) and ``tau21 = tau_2 / tau_1`` their
    N-subjettiness ratios (:func:`tau21`, ``beta = 1``, ``R0 = R``,
    one-pass kT axes), the inputs of the LHC Olympics 2020 bump hunts
    (CATHODE, arXiv:2109.00546; CWoLa hunting).  Masses are in TeV for
    particles in GeV.

    Parameters
    ----------
    particles : array-like of shape (n_events, n_particles, 3)
        ``(pT [GeV], eta, phi)`` per particle, zero rows for padding: the
        ``particles`` of :func:`sktopo.datasets.load_lhco`.  Particles are
        taken as massless.
    R : float, default=1.0
        The anti-kT radius (the LHC Olympics analyses use 1.0).

    Returns
    -------
    features : ndarray of shape (n_events, 5)
        Columns named in ``DIJET_FEATURES``: ``m_jj``, ``m_j_min``,
        ``m_j_max - m_j_min`` [TeV], ``tau21_j_min``, ``tau21_j_max``.  An
        event with a single jet has a zero four-momentum as its second jet
        (``m_jj`` is then the one jet's mass, ``m_j_min = 0``); an event
        without particles is all zeros; ``tau21`` is 0 for a jet of one
        constituent.

    See Also
    --------
    sktopo.datasets.load_lhco : the events of the LHC Olympics files.
    sktopo.DensityRatioDetector, sktopo.SidebandReference : the bump hunt.

    References
    ----------
    .. [1] A. Hallin et al., "Classifying anomalies through outer density
       estimation", arXiv:2109.00546 (CATHODE).
    .. [2] G. Kasieczka, B. Nachman, D. Shih et al., "The LHC Olympics 2020",
       arXiv:2101.08320.
    .. [3] M. Cacciari, G. P. Salam, G. Soyez, "The anti-kt jet clustering
       algorithm", arXiv:0802.1189.

    Examples
    --------
    Two back-to-back two-prong jets of 1 TeV: each prong pair 0.2 apart.

    >>> import numpy as np
    >>> from sktopo.jets import dijet_features
    >>> event = [[[500.0, 0.1, 0.0], [500.0, -0.1, 0.0],
    ...           [500.0, 0.1, np.pi], [500.0, -0.1, np.pi]]]
    >>> dijet_features(event).round(3).tolist()  # m_j = 2 * 500 GeV * sin(0.1 / 2) * 2
    [[2.01, 0.1, 0.0, 0.0, 0.0]]
    """
    if isinstance(R, (bool, np.bool_)) or not isinstance(R, (Real, Integral)):
        raise TypeError(f"R must be a positive number; got {R!r}.")
    if not (np.isfinite(R) and R > 0):
        raise ValueError(f"R must be a positive, finite number; got {R!r}.")
    X = as_constituents(particles)
    out = np.zeros((len(X), 5))
    for start in range(0, len(X), _EVENTS_PER_CALL):
        chunk = X[start : start + _EVENTS_PER_CALL]
        if (chunk[..., 0] > 0).any():
            out[start : start + len(chunk)] = _leading_dijets(np.asarray(chunk), float(R))
    out[:, :3] /= 1000.0  # GeV -> TeV
    return out
