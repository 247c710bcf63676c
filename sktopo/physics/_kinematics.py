"""Relativistic kinematics kernels: small pure functions, one quantity each.

Conventions used throughout :mod:`sktopo.physics`:

* natural units (c = 1); energies, momenta and masses share one unit, set by
  the caller (the samplers use ``sqrt_s``, the centre-of-mass energy);
* four-vectors are stored on the **last axis** in the order ``(E, px, py, pz)``;
* the Minkowski metric has signature ``(+, -, -, -)``, so ``p . p = m**2 >= 0``
  for a physical particle;
* an event of ``n`` particles is a row of ``4 * n`` numbers, the particles'
  four-vectors concatenated; particles are addressed by **0-based** index.

All kernels broadcast over leading axes and are vectorised over events.  They
never loop over events and they clip tiny negative rounding errors before
square roots, so they emit no ``RuntimeWarning`` on physical input.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "boost",
    "boost_from_rest_frame",
    "dalitz_boundaries",
    "invariant_mass_squared",
    "kallen",
    "mass_squared_range",
    "minkowski_dot",
    "two_body_momentum",
]


def _component_major(shape: tuple[int, ...]) -> NDArray[np.float64]:
    """Empty array of ``shape`` (last axis 4) stored component by component.

    Element-wise kernels then read and write contiguous memory per component.
    """
    return np.moveaxis(np.empty((shape[-1], *shape[:-1])), 0, -1)


def _check_last_axis(p: NDArray, size: int, name: str) -> None:
    if p.ndim == 0 or p.shape[-1] != size:
        raise ValueError(
            f"{name} must have a last axis of size {size}; got shape {p.shape}."
        )


def _check_particles(
    particles, n_particles: int, name: str = "particles", *, size: int | None = None
) -> list[int]:
    """Validate 0-based particle indices: distinct ints in ``[0, n_particles - 1]``.

    Floats (``0.7``), bools and strings (``'01'``) are rejected, never truncated
    or iterated: an index is an int.  ``size`` fixes how many there must be
    (2 for a pair).  The one check of every ``particles`` / ``pair`` argument.
    """
    what = (f"two distinct 0-based particle indices (ints in [0, {n_particles - 1}])"
            if size == 2 else
            f"distinct 0-based particle indices (ints in [0, {n_particles - 1}])")
    if isinstance(particles, (str, bytes)) or not isinstance(particles, (Sequence, np.ndarray)):
        raise ValueError(f"{name} must be a sequence of {what}; got {particles!r}.")
    items = list(particles)
    bad = [i for i in items
           if isinstance(i, (bool, np.bool_)) or not isinstance(i, (Integral, np.integer))]
    if bad:
        raise ValueError(f"{name} must hold {what}; got {particles!r} ({bad[0]!r} is not an int).")
    items = [int(i) for i in items]
    if not items:
        raise ValueError(f"{name} must name at least one particle; got {particles!r}.")
    problem = None
    if size is not None and len(items) != size:
        problem = f"{len(items)} indices"
    elif len(set(items)) != len(items):
        problem = "indices not distinct"
    elif min(items) < 0 or max(items) >= n_particles:
        problem = "index out of range"
    if problem:
        raise ValueError(f"{name} must be {what}; got {particles!r} ({problem}).")
    return items


def minkowski_dot(p: ArrayLike, q: ArrayLike) -> NDArray[np.float64]:
    """Minkowski scalar product ``p . q = E_p E_q - p_vec . q_vec``.

    Parameters
    ----------
    p, q : array-like of shape (..., 4)
        Four-vectors ``(E, px, py, pz)``; leading axes broadcast.

    Returns
    -------
    dot : ndarray of shape (...)
        The scalar product in the metric ``(+, -, -, -)``, in units of
        (energy)^2.

    Examples
    --------
    >>> from sktopo.physics import minkowski_dot
    >>> float(minkowski_dot([5.0, 1.0, 2.0, 3.0], [5.0, 1.0, 2.0, 3.0]))
    11.0
    """
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    _check_last_axis(p, 4, "p")
    _check_last_axis(q, 4, "q")
    return (
        p[..., 0] * q[..., 0]
        - p[..., 1] * q[..., 1]
        - p[..., 2] * q[..., 2]
        - p[..., 3] * q[..., 3]
    )


def invariant_mass_squared(
    momenta: ArrayLike, particles: Sequence[int]
) -> NDArray[np.float64]:
    """Invariant mass squared ``(sum_{i in particles} p_i)^2`` of a subset.

    Parameters
    ----------
    momenta : array-like of shape (..., 4 * n_particles)
        Events, each the concatenation ``(E_1, px_1, py_1, pz_1, E_2, ...)``
        of the particles' four-momenta.
    particles : sequence of int
        **0-based** indices of the particles to combine, e.g. ``(0, 1)`` for
        the pair written ``s_12`` in the physics literature.  Any non-empty
        subset of distinct indices is allowed.

    Returns
    -------
    s : ndarray of shape (...)
        Invariant mass squared in (energy)^2; negative for a space-like sum
        (possible only for unphysical input).

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.physics import invariant_mass_squared
    >>> event = np.array([0.5, 0.0, 0.0, 0.5, 0.5, 0.0, 0.0, -0.5])
    >>> float(invariant_mass_squared(event, (0, 1)))
    1.0
    """
    momenta = np.asarray(momenta, dtype=np.float64)
    if momenta.ndim == 0 or momenta.shape[-1] % 4 != 0 or momenta.shape[-1] == 0:
        raise ValueError(
            "momenta must have a last axis of size 4 * n_particles; got shape "
            f"{momenta.shape}."
        )
    particles = _check_particles(particles, momenta.shape[-1] // 4)
    total = momenta[..., 4 * particles[0] : 4 * particles[0] + 4]
    for i in particles[1:]:
        total = total + momenta[..., 4 * i : 4 * i + 4]
    return minkowski_dot(total, total)


def boost_from_rest_frame(
    p: ArrayLike, total: ArrayLike, mass: ArrayLike | None = None
) -> NDArray[np.float64]:
    """Take four-vectors from the rest frame of a system to the lab frame.

    ``p`` is given in the rest frame of a system whose lab four-momentum is
    ``total = (Q0, Q_vec)`` with mass ``M``; the pure boost (no rotation) is

    ``E' = (Q0 E + Q_vec . p_vec) / M``,
    ``p_vec' = p_vec + Q_vec (E + E') / (Q0 + M)``.

    Written in terms of ``total / M`` rather than the velocity, it keeps an
    absolute accuracy of a few ulp of ``Q0`` even for ``gamma >> 1``.

    Parameters
    ----------
    p : array-like of shape (..., 4)
        Four-vectors ``(E, px, py, pz)`` in the system's rest frame.
    total : array-like of shape (..., 4)
        Lab four-momentum of the system; must be time-like with ``Q0 > 0``.
    mass : array-like of shape (...), default=None
        The system's mass ``M > 0`` if known exactly (more accurate than
        ``sqrt(total . total)`` for a fast system); computed when None.

    Returns
    -------
    p_lab : ndarray of shape (..., 4)
        The boosted four-vectors.  To go *into* the rest frame instead, pass
        ``total`` with its three-momentum negated.

    See Also
    --------
    boost : the same transformation parametrised by the velocity.

    Examples
    --------
    >>> from sktopo.physics import boost_from_rest_frame
    >>> boost_from_rest_frame([1.0, 0.0, 0.0, 0.0], [5.0, 3.0, 0.0, 0.0]).tolist()
    [1.25, 0.75, 0.0, 0.0]
    """
    p = np.asarray(p, dtype=np.float64)
    total = np.asarray(total, dtype=np.float64)
    _check_last_axis(p, 4, "p")
    _check_last_axis(total, 4, "total")
    if mass is None:
        mass = np.sqrt(np.maximum(minkowski_dot(total, total), 0.0))
    else:
        mass = np.asarray(mass, dtype=np.float64)
    q0 = total[..., 0]
    e_lab = (
        q0 * p[..., 0]
        + total[..., 1] * p[..., 1]
        + total[..., 2] * p[..., 2]
        + total[..., 3] * p[..., 3]
    ) / mass
    coef = (p[..., 0] + e_lab) / (q0 + mass)
    out = _component_major(np.broadcast_shapes(p.shape, total.shape))
    out[..., 0] = e_lab
    out[..., 1] = p[..., 1] + coef * total[..., 1]
    out[..., 2] = p[..., 2] + coef * total[..., 2]
    out[..., 3] = p[..., 3] + coef * total[..., 3]
    return out


def boost(p: ArrayLike, beta: ArrayLike) -> NDArray[np.float64]:
    """Lorentz boost of four-vectors by a velocity three-vector.

    Active convention: a particle at rest, boosted by ``beta``, moves with
    velocity ``beta`` afterwards.  Equivalently, ``boost(p, beta)`` expresses
    ``p`` in a frame that moves with velocity ``-beta`` relative to the
    original one.  ``boost(boost(p, beta), -beta)`` returns ``p``.

    Parameters
    ----------
    p : array-like of shape (..., 4)
        Four-vectors ``(E, px, py, pz)``.
    beta : array-like of shape (..., 3)
        Velocity in units of c, ``|beta| < 1``; broadcasts against ``p``.

    Returns
    -------
    p_boosted : ndarray of shape (..., 4)

    Raises
    ------
    ValueError
        If some ``|beta| >= 1``.

    See Also
    --------
    boost_from_rest_frame : the same boost, parametrised by a four-momentum.

    Examples
    --------
    A particle of unit mass boosted to ``beta = 0.6`` along z has
    ``gamma = 1.25``:

    >>> from sktopo.physics import boost
    >>> boost([1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.6]).tolist()
    [1.25, 0.0, 0.0, 0.75]
    """
    beta = np.asarray(beta, dtype=np.float64)
    _check_last_axis(beta, 3, "beta")
    beta2 = np.sum(beta * beta, axis=-1)
    if np.any(beta2 >= 1.0):
        raise ValueError("boost velocities must satisfy |beta| < 1.")
    gamma = 1.0 / np.sqrt(1.0 - beta2)
    total = np.concatenate([gamma[..., None], gamma[..., None] * beta], axis=-1)
    return boost_from_rest_frame(p, total, np.ones_like(gamma))


def kallen(a: ArrayLike, b: ArrayLike, c: ArrayLike) -> NDArray[np.float64]:
    """Källén triangle function ``lambda(a, b, c) = a^2 + b^2 + c^2 - 2ab - 2bc - 2ca``.

    Parameters
    ----------
    a, b, c : array-like
        Usually squared masses, e.g. ``lambda(M^2, m1^2, m2^2)``; broadcast.

    Returns
    -------
    lam : ndarray
        Units of (energy)^4 for squared-mass arguments.  For a two-body decay
        ``sqrt(lambda(M^2, m1^2, m2^2)) / (2 M)`` is the daughters' momentum,
        see :func:`two_body_momentum` (which uses the factorised, more
        accurate form near threshold).

    Examples
    --------
    >>> from sktopo.physics import kallen
    >>> float(kallen(1.0, 0.0, 0.0)), float(kallen(4.0, 1.0, 1.0))
    (1.0, 0.0)
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    c = np.asarray(c, dtype=np.float64)
    return (a - b - c) ** 2 - 4.0 * b * c


def two_body_momentum(M: ArrayLike, m1: ArrayLike, m2: ArrayLike) -> NDArray[np.float64]:
    """Momentum of either daughter in the two-body decay ``M -> m1 m2``.

    ``q = sqrt(lambda(M^2, m1^2, m2^2)) / (2 M)``, evaluated in the factorised
    form ``sqrt((M - m1 - m2)(M + m1 + m2)(M - m1 + m2)(M + m1 - m2)) / (2 M)``
    (each factor scaled by ``1 / M``), which stays accurate near threshold.
    Below threshold (``M < m1 + m2``, up to rounding) it returns 0.

    Parameters
    ----------
    M : array-like
        Mass of the decaying system, ``M > 0``.
    m1, m2 : array-like
        Daughter masses, ``>= 0``.

    Returns
    -------
    q : ndarray
        Momentum magnitude in the rest frame of ``M`` (same unit as ``M``).

    Examples
    --------
    >>> from sktopo.physics import two_body_momentum
    >>> round(float(two_body_momentum(5.0, 3.0, 0.0)), 12)
    1.6
    >>> float(two_body_momentum(1.0, 0.0, 0.0))
    0.5
    """
    M = np.asarray(M, dtype=np.float64)
    m1 = np.asarray(m1, dtype=np.float64)
    m2 = np.asarray(m2, dtype=np.float64)
    inv = 1.0 / M  # factors scaled to O(1): no under/overflow for tiny or huge M
    prod = ((M - m1 - m2) * inv) * ((M + m1 + m2) * inv)
    prod = prod * (((M - m1 + m2) * inv) * ((M + m1 - m2) * inv))
    return (0.5 * M) * np.sqrt(np.maximum(prod, 0.0))


def mass_squared_range(
    sqrt_s: float, masses: Sequence[float], particles: Sequence[int]
) -> tuple[float, float]:
    """Kinematic range of the invariant mass squared of a subset of particles.

    In an ``n``-body event of total mass ``sqrt_s``, the subset ``S`` has
    ``(sum_{i in S} m_i)^2 <= s_S <= (sqrt_s - sum_{i not in S} m_i)^2``.

    Parameters
    ----------
    sqrt_s : float
        Total (centre-of-mass) energy.
    masses : sequence of float
        The ``n`` particle masses.
    particles : sequence of int
        **0-based** indices of the subset.

    Returns
    -------
    (s_min, s_max) : tuple of float

    Examples
    --------
    >>> from sktopo.physics import mass_squared_range
    >>> mass_squared_range(1.0, [0.1, 0.2, 0.3], (0, 1))
    (0.09000000000000002, 0.48999999999999994)
    """
    masses = [float(m) for m in masses]
    inside = set(_check_particles(particles, len(masses)))
    m_in = sum(masses[i] for i in inside)
    m_out = sum(m for i, m in enumerate(masses) if i not in inside)
    return m_in**2, (float(sqrt_s) - m_out) ** 2


def dalitz_boundaries(
    s12: ArrayLike, sqrt_s: float, masses: Sequence[float]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Range of ``s_23`` at fixed ``s_12`` in three-body phase space.

    The PDG kinematics review formula: in the rest frame of the (12) system,
    ``s_23 = m2^2 + m3^2 + 2 (E2* E3* -/+ p2* p3*)``, i.e. ::

        s_23^(min/max) = m2^2 + m3^2 + [(s12 - m1^2 + m2^2)(s - s12 - m3^2)
            -/+ lambda^(1/2)(s12, m1^2, m2^2) lambda^(1/2)(s, s12, m3^2)] / (2 s12)

    with ``s_ij = (p_i + p_j)^2`` and particles numbered 1, 2, 3 as in the
    physics literature (``masses[0]`` is ``m1``).  For the range of ``s_13``
    at fixed ``s_12`` pass ``(m2, m1, m3)``.

    Parameters
    ----------
    s12 : array-like
        Values of ``s_12`` in (energy)^2.
    sqrt_s : float
        Total energy of the three-body system.
    masses : sequence of 3 floats
        ``(m1, m2, m3)``.

    Returns
    -------
    s23_min, s23_max : ndarray
        Same shape as ``s12``; NaN where ``s12`` lies outside its kinematic
        range ``(m1 + m2)^2 <= s12 <= (sqrt_s - m3)^2`` or ``s12 <= 0``.

    Examples
    --------
    Massless particles fill the triangle ``s_23 <= s - s_12``:

    >>> from sktopo.physics import dalitz_boundaries
    >>> lo, hi = dalitz_boundaries(0.25, 1.0, [0.0, 0.0, 0.0])
    >>> float(lo), float(hi)
    (0.0, 0.75)
    """
    if len(masses) != 3:
        raise ValueError(f"dalitz_boundaries needs 3 masses; got {len(masses)}.")
    m1, m2, m3 = (float(m) for m in masses)
    s = float(sqrt_s) ** 2
    s12 = np.asarray(s12, dtype=np.float64)
    valid = (s12 > 0) & (s12 >= (m1 + m2) ** 2) & (s12 <= (sqrt_s - m3) ** 2)
    s12_safe = np.where(valid, s12, 1.0)
    m12 = np.sqrt(s12_safe)
    # lambda^(1/2)(s12, m1^2, m2^2) and lambda^(1/2)(s, s12, m3^2) via the
    # two-body momentum kernel: lambda^(1/2)(M^2, a^2, b^2) = 2 M q(M, a, b).
    root12 = 2.0 * m12 * two_body_momentum(m12, m1, m2)
    root3 = 2.0 * sqrt_s * two_body_momentum(sqrt_s, m12, m3)
    energies = (s12_safe - m1**2 + m2**2) * (s - s12_safe - m3**2)
    base = m2**2 + m3**2
    lo = base + (energies - root12 * root3) / (2.0 * s12_safe)
    hi = base + (energies + root12 * root3) / (2.0 * s12_safe)
    lo = np.where(valid, np.maximum(lo, (m2 + m3) ** 2), np.nan)
    hi = np.where(valid, np.minimum(hi, (sqrt_s - m1) ** 2), np.nan)
    return lo, hi
