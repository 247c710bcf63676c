"""Collider coordinates: (pT, eta, phi) of massless particles and four-vectors.

The conventions of the jet code: ``phi`` in ``(-pi, pi]`` (Pythia's), the
pseudorapidity ``eta = asinh(pz / pT)``, four-vectors ``(E, px, py, pz)`` in
GeV.  Small pure functions, shared by the jet generator, the jet loaders,
the jet images and the jet observables.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["cartesian_from_pt_eta_phi", "delta_r", "pt_eta_phi_from_cartesian", "wrap_phi"]


def wrap_phi(phi: ArrayLike) -> NDArray[np.float64]:
    """Map azimuthal angles into ``(-pi, pi]``.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.physics import wrap_phi
    >>> np.round(wrap_phi([0.5, 4.0, -4.0, np.pi]), 6).tolist()
    [0.5, -2.283185, 2.283185, 3.141593]
    """
    phi = np.asarray(phi, dtype=np.float64)
    return np.pi - np.mod(np.pi - phi, 2.0 * np.pi)


def delta_r(eta1: ArrayLike, phi1: ArrayLike, eta2: ArrayLike, phi2: ArrayLike) -> NDArray:
    """Angular distance ``sqrt(d_eta^2 + d_phi^2)``, ``d_phi`` wrapped into ``(-pi, pi]``.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.physics import delta_r
    >>> round(float(delta_r(0.0, 3.0, 0.3, -3.0)), 6)  # d_eta = 0.3, d_phi = 6 - 2 pi
    0.412546
    """
    deta = np.asarray(eta1, dtype=np.float64) - np.asarray(eta2, dtype=np.float64)
    dphi = wrap_phi(np.asarray(phi1, dtype=np.float64) - np.asarray(phi2, dtype=np.float64))
    return np.sqrt(deta**2 + dphi**2)


def pt_eta_phi_from_cartesian(p: ArrayLike) -> NDArray[np.float64]:
    """``(E, px, py, pz) -> (pT, eta, phi)``; zero four-vectors map to zeros.

    ``pT = sqrt(px^2 + py^2)``, ``eta = asinh(pz / pT)`` (pseudorapidity),
    ``phi = atan2(py, px)``.  A vector along the beam (``pT = 0``,
    ``pz != 0``) has an infinite pseudorapidity; it is returned as 0 with
    ``pT = 0``, i.e. treated as padding.

    Parameters
    ----------
    p : array-like of shape (..., 4)
        Four-vectors ``(E, px, py, pz)`` in GeV.

    Returns
    -------
    pt_eta_phi : ndarray of shape (..., 3)

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.physics import pt_eta_phi_from_cartesian
    >>> out = pt_eta_phi_from_cartesian([[5.0, 3.0, 4.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    >>> np.round(out, 6).tolist()
    [[5.0, 0.0, 0.927295], [0.0, 0.0, 0.0]]
    """
    p = np.asarray(p, dtype=np.float64)
    # contiguous components: on strided columns numpy's arctan2 can differ in the
    # last bit with where the arrays lie in memory (as in _cartesian_to_hyperspherical)
    _, px, py, pz = (np.array(p[..., k], order="C") for k in range(4))
    pt = np.hypot(px, py)
    safe = np.where(pt > 0, pt, 1.0)
    eta = np.where(pt > 0, np.arcsinh(pz / safe), 0.0)
    phi = np.where(pt > 0, np.arctan2(py, px), 0.0)
    return np.stack([pt, eta, phi], axis=-1)


def cartesian_from_pt_eta_phi(c: ArrayLike) -> NDArray[np.float64]:
    """Massless ``(pT, eta, phi) -> (E, px, py, pz)``; padding rows stay zero.

    Examples
    --------
    >>> from sktopo.physics import cartesian_from_pt_eta_phi
    >>> cartesian_from_pt_eta_phi([2.0, 0.0, 0.0]).tolist()
    [2.0, 2.0, 0.0, 0.0]
    """
    c = np.asarray(c, dtype=np.float64)
    pt, eta, phi = c[..., 0], c[..., 1], c[..., 2]
    return np.stack(
        [pt * np.cosh(eta), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)], axis=-1
    )
