"""Hypothesis strategies for relativistic kinematics.

Four-vectors are ``(E, px, py, pz)`` in the metric ``(+, -, -, -)``; events
are flat arrays of ``4 * n_particles`` numbers.  Strategies that need the
sampler build events through :class:`sktopo.physics.PhaseSpaceSampler`.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

__all__ = [
    "boost_velocities",
    "four_momenta",
    "mass_lists",
    "massless_events",
    "rotation_matrices",
    "unit_cube_points",
]


def _finite(min_value: float, max_value: float) -> st.SearchStrategy[float]:
    return st.floats(
        min_value=min_value, max_value=max_value, allow_nan=False, allow_infinity=False
    )


@st.composite
def four_momenta(
    draw, *, mass: float | None = None, max_momentum: float = 1.0
) -> np.ndarray:
    """A physical four-momentum ``(E, px, py, pz)`` on its mass shell.

    Parameters
    ----------
    mass : float or None, default=None
        Fixed mass; None draws one in ``[0, max_momentum]``.
    max_momentum : float, default=1.0
        Bound on each momentum component.
    """
    p = draw(arrays(np.float64, 3, elements=_finite(-max_momentum, max_momentum)))
    m = draw(_finite(0.0, max_momentum)) if mass is None else float(mass)
    return np.concatenate([[np.sqrt(m * m + p @ p)], p])


@st.composite
def unit_cube_points(
    draw,
    n_particles: int = 3,
    *,
    n_points: int | None = None,
    margin: float = 0.0,
) -> np.ndarray:
    """Points of ``[margin, 1 - margin]^(3 n - 4)``, shape ``(n_points, 3 n - 4)``.

    Parameters
    ----------
    n_particles : int, default=3
        Sets the cube's dimension ``3 n - 4`` (the input of
        ``PhaseSpaceSampler.transform``).
    n_points : int or None, default=None
        Number of rows; None draws 1 to 5.
    margin : float, default=0.0
        Keep away from the cube's faces (where the phase-space map has
        collinear or soft limits).
    """
    rows = draw(st.integers(1, 5)) if n_points is None else n_points
    return draw(
        arrays(np.float64, (rows, 3 * n_particles - 4), elements=_finite(margin, 1.0 - margin))
    )


@st.composite
def massless_events(
    draw,
    n_particles: int = 3,
    *,
    sqrt_s: float = 1.0,
    n_events: int | None = None,
    margin: float = 1e-6,
) -> np.ndarray:
    """Massless centre-of-mass events, shape ``(n_events, 4 * n_particles)``.

    Built by ``PhaseSpaceSampler.transform`` from :func:`unit_cube_points`,
    so they conserve momentum and lie on their mass shells to rounding.
    """
    from sktopo.physics import PhaseSpaceSampler

    U = draw(unit_cube_points(n_particles, n_points=n_events, margin=margin))
    sampler = PhaseSpaceSampler(n_particles=n_particles, sqrt_s=sqrt_s).fit()
    return sampler.transform(U)


@st.composite
def boost_velocities(draw, *, max_speed: float = 0.99) -> np.ndarray:
    """A velocity three-vector with ``|beta| <= max_speed < 1``."""
    direction = draw(arrays(np.float64, 3, elements=_finite(-1.0, 1.0)))
    norm = np.sqrt(direction @ direction)
    if norm < 1e-3:
        direction, norm = np.array([0.0, 0.0, 1.0]), 1.0
    speed = draw(_finite(0.0, max_speed))
    return direction * (speed / norm)


@st.composite
def rotation_matrices(draw) -> np.ndarray:
    """A proper rotation (3 x 3 orthogonal matrix, determinant +1).

    Drawn from a unit quaternion, so every rotation can occur.
    """
    q = draw(arrays(np.float64, 4, elements=_finite(-1.0, 1.0)))
    norm = np.sqrt(q @ q)
    if norm < 1e-3:
        q, norm = np.array([1.0, 0.0, 0.0, 0.0]), 1.0
    w, x, y, z = q / norm
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


@st.composite
def mass_lists(
    draw, n_particles: int = 3, *, sqrt_s: float = 1.0, max_fraction: float = 0.9
) -> list[float]:
    """Masses ``>= 0`` of ``n_particles`` particles summing to at most
    ``max_fraction * sqrt_s`` (so some phase space is left); zeros included."""
    raw = draw(st.lists(_finite(0.0, 1.0), min_size=n_particles, max_size=n_particles))
    total = draw(_finite(0.0, max_fraction * sqrt_s))
    weight = sum(raw)
    if weight == 0:
        return [0.0] * n_particles
    return [total * r / weight for r in raw]
