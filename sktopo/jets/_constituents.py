"""The constituent layout shared by the jet images and the jet observables.

A jet sample is an array of shape ``(n_jets, n_constituents, 3)`` holding
``(pT, eta, phi)`` per constituent: transverse momentum (any unit, GeV in
:func:`sktopo.datasets.make_jets`), pseudorapidity and azimuth in radians.
Jets with fewer constituents are zero-padded; a constituent with ``pT == 0``
is padding and is ignored everywhere.  The flattened form ``(n_jets,
3 * n_constituents)``, i.e. ``constituents.reshape(n_jets, -1)`` with rows
``(pT_1, eta_1, phi_1, pT_2, ...)``, is accepted too, because scikit-learn
transformers take 2-D input.

**Physical ranges.**  Every value must be finite.  A real constituent
(``pT > 0``) must have ``|eta| <= MAX_ABS_ETA`` (50) and
``|phi| <= MAX_ABS_PHI`` (``4 pi``, any angle within two turns; it is
wrapped where needed).  No particle at any collider comes near these bounds
(the LHC's beams have rapidity 9.6; a 1 MeV particle along a 7 TeV beam has
``eta`` 16.5), so a value beyond them is a unit mistake or a corrupt file
and is refused with an error naming the jet and the constituent.  Padding
rows are not range-checked (only for finiteness).

:func:`jet_kinematics` is *the* jet four-momentum helper of the library:
the jet ``(pT, eta, phi, m)`` from its constituents, in either
``(pT, eta, phi)`` (massless) or ``(E, px, py, pz)`` layout, computed in
row chunks (bounded memory) and without overflow or cancellation at large
``|eta|``.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "MAX_ABS_ETA",
    "MAX_ABS_PHI",
    "as_constituents",
    "iter_row_chunks",
    "jet_kinematics",
    "trim_padding",
]

MAX_ABS_ETA = 50.0
MAX_ABS_PHI = 4.0 * np.pi

# Temporaries of the chunked computations: at most about this many MiB at once.
WORKING_MEMORY_MIB = 8
# Jets whose real constituents all lie within |eta| <= this are summed directly
# (E = pT cosh eta, ...); wider ones in the frame boosted along the beam to the
# hardest constituent's eta, where nothing overflows or cancels.  Below it the
# direct sum loses at most ~1e-12 of the mass, and its numbers are the historic ones.
_ETA_DIRECT = 5.0
_LAYOUTS = {"pt_eta_phi": 3, "cartesian": 4}


def iter_row_chunks(n_rows: int, row_bytes: int) -> Iterator[slice]:
    """Slices of at most ``WORKING_MEMORY_MIB / row_bytes`` rows covering ``range(n_rows)``.

    ``row_bytes`` is the temporary memory one row needs (at least one row per
    chunk), so the extra memory of a chunked computation does not grow with
    ``n_rows``.

    Examples
    --------
    >>> from sktopo.jets._constituents import iter_row_chunks
    >>> [(s.start, s.stop) for s in iter_row_chunks(5, 4 * 2**20)]
    [(0, 2), (2, 4), (4, 5)]
    """
    step = max(1, (WORKING_MEMORY_MIB * 2**20) // max(int(row_bytes), 1))
    for start in range(0, n_rows, step):
        yield slice(start, min(start + step, n_rows))


def _reshape(X: np.ndarray, width: int, what: str) -> np.ndarray:
    if width == 3 and X.ndim == 2:
        if X.shape[1] % 3 != 0 or X.shape[1] == 0:
            raise ValueError(
                "flattened constituents need 3 * n_constituents columns "
                f"(pT, eta, phi per constituent); got shape {X.shape}."
            )
        return X.reshape(X.shape[0], -1, 3)
    if X.ndim != 3 or X.shape[2] != width:
        if width == 3:
            raise ValueError(
                "constituents must have shape (n_jets, n_constituents, 3) of "
                f"(pT, eta, phi) or (n_jets, 3 * n_constituents); got shape {X.shape}."
            )
        raise ValueError(
            f"{what} must have shape (n_jets, n_constituents, 4) of (E, px, py, pz); "
            f"got shape {X.shape}."
        )
    return X


def _first(mask: NDArray[np.bool_], offset: int) -> tuple[int, ...]:
    index = np.unravel_index(int(np.argmax(mask)), mask.shape)
    return (int(index[0]) + offset, *(int(i) for i in index[1:]))


def _check_chunk(c: np.ndarray, offset: int) -> None:
    finite = np.isfinite(c)
    if not finite.all():
        jet, k, col = _first(~finite, offset)
        name = ("pT", "eta", "phi")[col]
        raise ValueError(
            f"constituents must be finite (no NaN or inf): jet {jet}, constituent {k} has "
            f"{name} = {c[jet - offset, k, col]}."
        )
    pt = c[..., 0]
    if (pt < 0).any():
        jet, k = _first(pt < 0, offset)
        raise ValueError(
            f"constituent pT must be >= 0 (0 marks padding): jet {jet}, constituent {k} "
            f"has pT = {pt[jet - offset, k]}."
        )
    real = pt > 0
    for col, name, bound in ((1, "eta", MAX_ABS_ETA), (2, "phi", MAX_ABS_PHI)):
        bad = real & (np.abs(c[..., col]) > bound)
        if bad.any():
            jet, k = _first(bad, offset)
            raise ValueError(
                f"jet {jet}, constituent {k} has {name} = {c[jet - offset, k, col]}, beyond "
                f"the physical range |{name}| <= {bound:.6g} (see sktopo.jets._constituents): "
                "a unit mistake or a corrupt value?"
            )


def as_constituents(constituents: ArrayLike, *, dtype=np.float64) -> np.ndarray:
    """Check a jet sample and return it as an array ``(n_jets, n_const, 3)``.

    Accepts the 3-D layout or its flattened 2-D form ``(n_jets, 3 * n_const)``
    (returned as a view).  Checks, chunk by chunk (bounded extra memory),
    that every value is finite, ``pT >= 0``, and that real constituents lie
    within the physical ranges ``|eta| <= MAX_ABS_ETA``,
    ``|phi| <= MAX_ABS_PHI``; the error names the first offending jet and
    constituent.

    Parameters
    ----------
    constituents : array-like
    dtype : dtype or None, default=np.float64
        The returned dtype; ``None`` keeps a floating input's dtype (no copy),
        converting other input to float64.

    Returns
    -------
    constituents : ndarray of shape (n_jets, n_constituents, 3)

    Examples
    --------
    >>> from sktopo.jets._constituents import as_constituents
    >>> as_constituents([[1.0, 0.5, 0.1, 0.0, 0.0, 0.0]]).shape
    (1, 2, 3)
    >>> as_constituents([[[1.0, 1e20, 0.0]]])
    Traceback (most recent call last):
    ...
    ValueError: jet 0, constituent 0 has eta = 1e+20, beyond the physical range |eta| <= 50 ...
    """
    X = np.asarray(constituents)
    if dtype is not None:
        X = np.asarray(X, dtype=dtype)
    elif not np.issubdtype(X.dtype, np.floating):
        X = np.asarray(X, dtype=np.float64)
    X = _reshape(X, 3, "constituents")
    for rows in iter_row_chunks(X.shape[0], X.shape[1] * 3 * 8 * 3):
        _check_chunk(X[rows], rows.start)
    return X


def trim_padding(constituents: NDArray[np.float64]) -> NDArray[np.float64]:
    """Drop the trailing constituent slots that are padding in every jet (a view)."""
    used = np.flatnonzero((constituents[..., 0] > 0).any(axis=0))
    return constituents[:, : used[-1] + 1 if used.size else 1]


def _column(c: np.ndarray, k: int) -> NDArray[np.float64]:
    # contiguous float64 copies: numpy's transcendental functions can differ in
    # the last bit between strided and contiguous input
    return np.array(c[..., k], dtype=np.float64, order="C")


def _kinematics_pt_eta_phi(c: np.ndarray) -> NDArray[np.float64]:
    """(pT, eta, phi, m) of the jets of one chunk (r, m, 3) of massless constituents."""
    pt, eta, phi = _column(c, 0), _column(c, 1), _column(c, 2)
    real = pt > 0
    eta = np.where(real, eta, 0.0)
    phi = np.where(real, phi, 0.0)
    wide = (np.abs(eta) > _ETA_DIRECT).any(axis=1)
    ref = np.zeros(len(c))
    if wide.any():
        lead = np.argmax(pt[wide], axis=1)
        ref[wide] = eta[wide][np.arange(lead.size), lead]
        eta[wide] = np.where(real[wide], eta[wide] - ref[wide, None], 0.0)
    # sums along the contiguous last axis (pairwise summation, as np.sum of one jet)
    px = (pt * np.cos(phi)).sum(axis=-1)
    py = (pt * np.sin(phi)).sum(axis=-1)
    pz = (pt * np.sinh(eta)).sum(axis=-1)
    e = (pt * np.cosh(eta)).sum(axis=-1)
    jet_pt = np.hypot(px, py)
    mass2 = e * e - px * px - py * py - pz * pz
    mass = np.sqrt(np.maximum(mass2, 0.0))
    has_pt = jet_pt > 0
    safe = np.where(has_pt, jet_pt, 1.0)
    jet_eta = np.where(has_pt, np.arcsinh(pz / safe), 0.0)
    if wide.any():
        # the boost adds ref to the jet's rapidity, not to its pseudorapidity
        y = np.arctanh(pz[wide] / e[wide]) + ref[wide]
        m_t = np.sqrt(jet_pt[wide] ** 2 + mass[wide] ** 2)
        jet_eta[wide] = np.where(
            has_pt[wide], np.arcsinh(m_t / safe[wide] * np.sinh(y)), 0.0
        )
    jet_phi = np.where(has_pt, np.arctan2(py, px), 0.0)
    return np.stack([jet_pt, jet_eta, jet_phi, mass], axis=-1)


def _kinematics_cartesian(p: np.ndarray) -> NDArray[np.float64]:
    """(pT, eta, phi, m) of the jets of one chunk (r, m, 4) of (E, px, py, pz)."""
    e, px, py, pz = (_column(p, k).sum(axis=-1) for k in range(4))
    jet_pt = np.hypot(px, py)
    has_pt = jet_pt > 0
    safe = np.where(has_pt, jet_pt, 1.0)
    mass = np.sqrt(np.maximum(e * e - px * px - py * py - pz * pz, 0.0))
    return np.stack(
        [
            jet_pt,
            np.where(has_pt, np.arcsinh(pz / safe), 0.0),
            np.where(has_pt, np.arctan2(py, px), 0.0),
            mass,
        ],
        axis=-1,
    )


def jet_kinematics(
    constituents: ArrayLike, *, layout: str = "pt_eta_phi", check: bool = True
) -> NDArray[np.float64]:
    """Jet four-momenta ``(pT, eta, phi, m)``: the sum of each jet's constituents.

    The one jet four-momentum helper of sktopo (used by
    :func:`sktopo.datasets.make_jets`, the jet loaders and
    :func:`sktopo.jets.jet_pt` / :func:`sktopo.jets.jet_mass`).

    Parameters
    ----------
    constituents : array-like of shape (n_jets, n_constituents, 3 or 4)
        With ``layout='pt_eta_phi'``: ``(pT, eta, phi)`` of massless
        constituents (``E = pT cosh eta``, ``pz = pT sinh eta``), zero-padded,
        or the flattened ``(n_jets, 3 * n_constituents)``; checked as by
        :func:`as_constituents` (finite, ``pT >= 0``, physical eta and phi).
        With ``layout='cartesian'``: four-vectors ``(E, px, py, pz)``, zero
        rows for padding, massive constituents allowed; must be finite.
    layout : {'pt_eta_phi', 'cartesian'}, default='pt_eta_phi'
    check : bool, default=True
        Validate the input (``False`` only for input already checked).

    Returns
    -------
    jets : ndarray of shape (n_jets, 4)
        ``(pT, eta, phi, m)``: ``pT = |sum (px, py)|``, ``eta = asinh(pz / pT)``,
        ``phi = atan2(py, px)`` in ``(-pi, pi]``,
        ``m = sqrt(max(E^2 - |p|^2, 0))``, in the unit of the input.  A jet
        with ``pT = 0`` (empty) has ``eta = phi = 0``.

    Notes
    -----
    Computed in row chunks of about ``WORKING_MEMORY_MIB`` (8 MiB) of
    temporaries, so the extra memory does not grow with the number of jets.
    Massless jets whose constituents reach beyond ``|eta| = 5`` are summed in
    the frame boosted along the beam to their hardest constituent (``m``,
    ``pT`` and ``phi`` are invariant, the rapidity shifts), so nothing
    overflows or cancels up to ``|eta| = MAX_ABS_ETA``; ``m`` then keeps its
    relative precision instead of a rounding floor of ``1e-8 E``.

    Examples
    --------
    Two massless 100 GeV constituents 60 degrees apart in phi: ``m = 100``.

    >>> import numpy as np
    >>> from sktopo.jets._constituents import jet_kinematics
    >>> jet = [[[100.0, 0.0, 0.0], [100.0, 0.0, np.pi / 3]]]
    >>> jet_kinematics(jet).round(6).tolist()
    [[173.205081, 0.0, 0.523599, 100.0]]
    >>> jet_kinematics([[[100.0, 30.0, 0.0], [100.0, 30.0, np.pi / 3]]])[:, 3].round(6).tolist()
    [100.0]

    Four-vectors: two back-to-back 1 GeV photons make a 2 GeV mass at rest.

    >>> jet_kinematics([[[1.0, 1.0, 0.0, 0.0], [1.0, -1.0, 0.0, 0.0]]], layout="cartesian").tolist()
    [[0.0, 0.0, 0.0, 2.0]]
    """
    if layout not in _LAYOUTS:
        raise ValueError(f"layout must be one of {sorted(_LAYOUTS)}; got {layout!r}.")
    width = _LAYOUTS[layout]
    X = np.asarray(constituents)
    if not np.issubdtype(X.dtype, np.floating):
        X = np.asarray(X, dtype=np.float64)
    X = _reshape(X, width, "four-vectors")
    if check and layout == "pt_eta_phi":
        X = as_constituents(X, dtype=None)
    out = np.empty((X.shape[0], 4))
    kernel = _kinematics_pt_eta_phi if width == 3 else _kinematics_cartesian
    for rows in iter_row_chunks(X.shape[0], X.shape[1] * 8 * 12):
        chunk = X[rows]
        if check and width == 4 and not np.isfinite(chunk).all():
            jet, k, col = _first(~np.isfinite(chunk), rows.start)
            raise ValueError(
                f"four-vectors must be finite (no NaN or inf): jet {jet}, constituent {k} has "
                f"{('E', 'px', 'py', 'pz')[col]} = {chunk[jet - rows.start, k, col]}."
            )
        out[rows] = kernel(chunk)
    return out
