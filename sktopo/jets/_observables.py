"""Jet observables: small pure functions of the constituents, vectorised over jets.

Every function takes ``constituents`` of shape ``(n_jets, n_constituents, 3)``
holding ``(pT, eta, phi)`` (or the flattened ``(n_jets, 3 * n_constituents)``),
ignores zero-padding (``pT == 0``) and returns one number per jet (or one row
for :func:`nsubjettiness`).  Constituents are treated as **massless**:
``E = pT cosh(eta)``, ``pz = pT sinh(eta)``.  Masses and momenta come out in the
unit of ``pT`` (GeV for :func:`sktopo.datasets.make_jets`).

**Input checks.**  Every value must be finite, ``pT >= 0``, and a real
constituent must lie in the physical ranges ``|eta| <= 50`` and
``|phi| <= 4 pi`` (see :mod:`sktopo.jets._constituents`); the error names the
first offending jet and constituent.  Every parameter is validated (finite,
in its documented range, no bools).

**Memory.**  Every observable works through the jets in row chunks (a few
MiB of temporaries for :func:`jet_pt`, :func:`jet_mass` and
:func:`n_constituents`, at most 5,000 jets at a time for FastJet), so the
memory beyond the input and the output does not grow with the number of
jets; float32 input is converted chunk by chunk, not copied whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.utils._param_validation import StrOptions, validate_params

from sktopo.jets._constituents import (
    as_constituents,
    iter_row_chunks,
    jet_kinematics,
)
from sktopo.jets._fastjet import apply_per_chunk, cluster_sequence
from sktopo.utils._optional import import_optional
from sktopo.utils._validation import RealInterval

__all__ = [
    "jet_mass",
    "jet_pt",
    "n_constituents",
    "nsubjettiness",
    "softdrop_mass",
    "tau21",
    "tau32",
]

_AXES = {"onepass_kt": "OnePass_KT_Axes", "kt": "KT_Axes"}


# finite by construction: the open bound at infinity refuses inf, and NaN is in no interval
_Z_CUT = RealInterval(0.0, 1.0, closed="left")
_NONNEGATIVE = RealInterval(0.0, np.inf, closed="left")
_POSITIVE = RealInterval(0.0, np.inf, closed="neither")


def _check_n_subjets(n_subjets) -> list[int]:
    """A non-empty sequence of ints >= 1; bools, floats and strings are refused."""
    if isinstance(n_subjets, (str, bytes)) or not isinstance(n_subjets, Sequence | np.ndarray):
        raise ValueError(
            f"n_subjets must be a non-empty sequence of integers >= 1; got {n_subjets!r}."
        )
    values = list(n_subjets)
    bad = [
        n for n in values
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, Integral) or n < 1
    ]
    if not values or bad:
        raise ValueError(
            "n_subjets must be a non-empty sequence of integers >= 1 (no bools, floats or "
            f"strings); got {n_subjets!r}."
        )
    return [int(n) for n in values]


def jet_pt(constituents: ArrayLike) -> NDArray[np.float64]:
    """Transverse momentum of each jet, ``|sum_i (px_i, py_i)|``.

    Parameters
    ----------
    constituents : array-like of shape (n_jets, n_constituents, 3)
        ``(pT, eta, phi)`` per constituent, zero-padded; or the flattened
        ``(n_jets, 3 * n_constituents)``.

    Returns
    -------
    pt : ndarray of shape (n_jets,)
        In the unit of the constituents' pT.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.jets import jet_pt
    >>> jet = [[[3.0, 0.0, 0.0], [4.0, 0.5, np.pi / 2], [0.0, 0.0, 0.0]]]
    >>> jet_pt(jet).round(12).tolist()  # perpendicular in phi: sqrt(3^2 + 4^2)
    [5.0]
    """
    return np.ascontiguousarray(jet_kinematics(constituents)[:, 0])


def jet_mass(constituents: ArrayLike) -> NDArray[np.float64]:
    """Invariant mass of each jet from its massless constituents.

    ``m^2 = (sum_i p_i)^2``; for two constituents
    ``m^2 = 2 pT_1 pT_2 (cosh(eta_1 - eta_2) - cos(phi_1 - phi_2))``.  Real
    constituents are massive hadrons, so this is a few per cent below the
    mass from their true four-momenta (measured: 6 % for QCD jets, 3 % for
    top jets in the median).

    Parameters
    ----------
    constituents : array-like of shape (n_jets, n_constituents, 3)
        ``(pT, eta, phi)`` per constituent, zero-padded; or flattened.

    Returns
    -------
    mass : ndarray of shape (n_jets,)
        In the unit of pT; exactly 0 for jets with fewer than two
        constituents.  Computed as ``sqrt(E^2 - |p|^2)``, so a nearly massless
        jet shows a rounding floor of about ``1e-8 E``.  Jets reaching beyond
        ``|eta| = 5`` are summed in the frame boosted along the beam to their
        hardest constituent (the mass is invariant), so large ``|eta|``
        neither overflows nor cancels; ``|eta| > 50`` is refused.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.jets import jet_mass
    >>> jet = [[[100.0, 0.0, 0.0], [100.0, 0.0, np.pi / 3]]]
    >>> jet_mass(jet).round(9).tolist()  # 2 * 100 * 100 * (1 - cos 60 deg)
    [100.0]
    """
    X = as_constituents(constituents, dtype=None)
    mass = np.ascontiguousarray(jet_kinematics(X, check=False)[:, 3])
    # one massless constituent is massless exactly, not up to rounding
    mass[_count(X) < 2] = 0.0
    return mass


def n_constituents(constituents: ArrayLike) -> NDArray[np.int64]:
    """Number of constituents with ``pT > 0`` (padding excluded) in each jet.

    Examples
    --------
    >>> from sktopo.jets import n_constituents
    >>> n_constituents([[[5.0, 0.1, 0.2], [0.0, 0.0, 0.0]], [[1.0, 0, 0], [2.0, 0, 0]]]).tolist()
    [1, 2]
    """
    return _count(as_constituents(constituents, dtype=None))


def _count(X: NDArray) -> NDArray[np.int64]:
    out = np.empty(X.shape[0], dtype=np.int64)
    for rows in iter_row_chunks(X.shape[0], X.shape[1] * 8):
        out[rows] = np.count_nonzero(X[rows, :, 0] > 0, axis=1)
    return out


@validate_params(
    {
        "constituents": ["array-like"],
        "z_cut": [_Z_CUT],
        "beta": [_NONNEGATIVE],
        "R0": [_POSITIVE],
    },
    prefer_skip_nested_validation=True,
)
def softdrop_mass(
    constituents: ArrayLike,
    *,
    z_cut: float = 0.1,
    beta: float = 0.0,
    R0: float = 1.0,
) -> NDArray[np.float64]:
    """Soft-drop groomed jet mass (modified mass-drop tagger for ``beta = 0``).

    The jet is reclustered with the Cambridge/Aachen algorithm and declustered
    from the last merging down, following the harder branch: at each step the
    two branches ``j1, j2`` pass if

    ``min(pT_1, pT_2) / (pT_1 + pT_2) > z_cut * (Delta R_12 / R0)^beta``

    and otherwise the softer branch is dropped.  The groomed jet is the first
    merging that passes (or the last single constituent); its invariant mass
    is returned.  Computed with FastJet's soft-drop implementation.

    Parameters
    ----------
    constituents : array-like of shape (n_jets, n_constituents, 3)
        ``(pT, eta, phi)`` per constituent, zero-padded; or flattened.
    z_cut : float in [0, 1), default=0.1
        Soft threshold on the momentum fraction (``0``: no grooming).
    beta : float >= 0, default=0.0
        Angular exponent; ``0`` is the modified mass-drop tagger, larger
        values groom less.
    R0 : float > 0, default=1.0
        Jet radius of the angular factor (the anti-kT radius of
        :func:`sktopo.datasets.make_jets`).

    Every parameter must be finite (NaN and infinity are refused, as are
    bools).

    Returns
    -------
    mass : ndarray of shape (n_jets,)
        Groomed mass (massless constituents) in the unit of pT; 0 for empty
        jets and for jets groomed down to one constituent.

    References
    ----------
    .. [1] A. J. Larkoski, S. Marzani, G. Soyez, J. Thaler, "Soft Drop",
       arXiv:1402.2657.
    .. [2] M. Cacciari, G. P. Salam, G. Soyez, "FastJet user manual",
       arXiv:1111.6097.

    Examples
    --------
    Two hard prongs and a soft constituent at a wider angle, which the
    Cambridge/Aachen algorithm merges last and soft drop removes:

    >>> import numpy as np
    >>> from sktopo.jets import jet_mass, softdrop_mass
    >>> jet = np.array([[[100.0, 0.0, 0.0], [100.0, 0.0, np.pi / 3], [1.0, -1.0, np.pi / 6]]])
    >>> float(jet_mass(jet)[0]) > 100.5
    True
    >>> softdrop_mass(jet).round(6).tolist()
    [100.0]
    """
    X = as_constituents(constituents, dtype=None)
    ak = import_optional("awkward", "jets")

    def groom(jets):
        result = cluster_sequence(jets, "ca").exclusive_jets_softdrop_grooming(
            njets=1, beta=float(beta), symmetry_cut=float(z_cut), R0=float(R0)
        )
        mass = np.asarray(result.msoftdrop, dtype=np.float64).reshape(-1)
        # groomed down to one constituent: massless exactly, not up to rounding
        return np.where(np.asarray(ak.num(result.constituents, axis=-1)).reshape(-1) < 2, 0.0, mass)

    return np.clip(apply_per_chunk(X, groom, ()), 0.0, None)


@validate_params(
    {
        "constituents": ["array-like"],
        "n_subjets": ["array-like"],
        "beta": [_POSITIVE],
        "R0": [_POSITIVE],
        "axes": [StrOptions(set(_AXES))],
    },
    prefer_skip_nested_validation=True,
)
def nsubjettiness(
    constituents: ArrayLike,
    n_subjets: Sequence[int] = (1, 2, 3),
    *,
    beta: float = 1.0,
    R0: float = 1.0,
    axes: str = "onepass_kt",
) -> NDArray[np.float64]:
    """N-subjettiness ``tau_N`` of each jet, normalised.

    ``tau_N = sum_i pT_i min_k (Delta R_ik)^beta / (sum_i pT_i R0^beta)``, with
    ``Delta R_ik^2 = (y_i - y_k)^2 + (phi_i - phi_k)^2`` the distance of
    constituent ``i`` to subjet axis ``k`` of ``N``.  ``tau_N`` is small when
    the jet has ``N`` or fewer hard prongs; it is 0 for a jet of at most
    ``N`` constituents.  Computed with FastJet's Nsubjettiness (fjcontrib).

    Parameters
    ----------
    constituents : array-like of shape (n_jets, n_constituents, 3)
        ``(pT, eta, phi)`` per constituent, zero-padded; or flattened.
    n_subjets : sequence of int, default=(1, 2, 3)
        The values of ``N``, each an int >= 1 (bools, floats and strings are
        refused, not coerced).
    beta : float > 0, default=1.0
        Angular exponent; finite.
    R0 : float > 0, default=1.0
        Characteristic jet radius in the normalisation; finite.
    axes : {'onepass_kt', 'kt'}, default='onepass_kt'
        ``'kt'``: the ``N`` exclusive-kT subjets; ``'onepass_kt'``: those
        refined by one pass of the minimisation of ``tau_N``, as used by
        ATLAS and CMS.

    Returns
    -------
    tau : ndarray of shape (n_jets, len(n_subjets))
        Dimensionless; 0 for empty jets.

    See Also
    --------
    tau21, tau32 : the ratios used to tag two- and three-prong jets.

    References
    ----------
    .. [1] J. Thaler, K. Van Tilburg, "Identifying Boosted Objects with
       N-subjettiness", arXiv:1011.2268; "Maximizing Boosted Top
       Identification by Minimizing N-subjettiness", arXiv:1108.2701.

    Examples
    --------
    Two equal constituents 0.4 apart: one axis between them is 0.2 from each.

    >>> from sktopo.jets import nsubjettiness
    >>> jet = [[[50.0, 0.0, -0.2], [50.0, 0.0, 0.2]]]
    >>> nsubjettiness(jet, axes="kt").round(9).tolist()
    [[0.2, 0.0, 0.0]]
    """
    n_subjets = _check_n_subjets(n_subjets)
    X = as_constituents(constituents, dtype=None)

    def taus(jets):
        result = cluster_sequence(jets, "kt").njettiness(
            measure_definition="NormalizedMeasure",
            axes_definition=_AXES[axes],
            njets=n_subjets,
            beta=float(beta),
            R0=float(R0),
        )
        return np.asarray(result, dtype=np.float64).reshape(len(jets), len(n_subjets))

    return apply_per_chunk(X, taus, (len(n_subjets),))


def _ratio(numerator: NDArray[np.float64], denominator: NDArray[np.float64]):
    out = np.zeros_like(numerator)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def tau21(constituents: ArrayLike, **params) -> NDArray[np.float64]:
    """``tau_2 / tau_1``: small for two-prong jets (W, Z, H), near 1 for one prong.

    Parameters
    ----------
    constituents : array-like of shape (n_jets, n_constituents, 3)
        ``(pT, eta, phi)`` per constituent, zero-padded; or flattened.
    **params
        ``beta``, ``R0``, ``axes`` of :func:`nsubjettiness`.

    Returns
    -------
    ratio : ndarray of shape (n_jets,)
        0 where ``tau_1 = 0`` (a jet of at most one constituent).

    Examples
    --------
    >>> from sktopo.jets import tau21
    >>> tau21([[[50.0, 0.0, -0.2], [50.0, 0.0, 0.2], [0.0, 0.0, 0.0]]]).tolist()
    [0.0]
    """
    tau = nsubjettiness(constituents, (1, 2), **params)
    return _ratio(tau[:, 1], tau[:, 0])


def tau32(constituents: ArrayLike, **params) -> NDArray[np.float64]:
    """``tau_3 / tau_2``: small for three-prong jets (hadronic top).

    Parameters
    ----------
    constituents : array-like of shape (n_jets, n_constituents, 3)
        ``(pT, eta, phi)`` per constituent, zero-padded; or flattened.
    **params
        ``beta``, ``R0``, ``axes`` of :func:`nsubjettiness`.

    Returns
    -------
    ratio : ndarray of shape (n_jets,)
        0 where ``tau_2 = 0`` (a jet of at most two constituents).

    Examples
    --------
    >>> from sktopo.jets import tau32
    >>> jet = [[[40.0, 0.0, 0.0], [30.0, 0.3, 0.3], [30.0, -0.3, 0.3]]]
    >>> tau32(jet).tolist()  # three constituents: tau_3 = 0
    [0.0]
    """
    tau = nsubjettiness(constituents, (2, 3), **params)
    return _ratio(tau[:, 1], tau[:, 0])
