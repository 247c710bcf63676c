"""Samplers for the manifolds of App. C / Sec. 8 of arXiv:2102.08380.

The torus (donut in ``R^3`` and Clifford in ``R^4``), the trefoil knot in
``R^3``, and the group manifolds SU(2) (in ``R^8``) and SO(3) (in ``R^9``). The
group samplers are Haar-uniform: both start from a uniform unit quaternion
(a normalised Gaussian vector in ``R^4``), and the quaternion formulas live in
the small kernels below.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

from sktopo.datasets._manifolds import (
    TWO_PI,
    RandomStateLike,
    _add_noise,
    _check_choice,
    _check_n_samples,
    _check_noise,
    _check_real,
    _rejection_sample,
    _uniform_angles,
    _unit_gaussian_vectors,
    _wrap_angle,
)

__all__ = ["make_so3", "make_su2", "make_torus", "make_trefoil"]

# --------------------------------------------------------------------------- #
# Kernels: one formula each
# --------------------------------------------------------------------------- #


def _quaternion_to_su2(q: np.ndarray) -> np.ndarray:
    """Flattened SU(2) matrices from unit quaternions ``q = (a, b, c, d)``.

    ``U = [[a + ib, c + id], [-c + id, a - ib]]``; each row of the result is
    ``(Re U00, Im U00, Re U01, Im U01, Re U10, Im U10, Re U11, Im U11)``, the
    memory layout of a row-major complex128 2x2 matrix.
    """
    a, b, c, d = q.T
    return np.column_stack([a, b, c, d, -c, d, a, -b])


def _quaternion_to_rotation_matrix(q: np.ndarray) -> np.ndarray:
    """Row-major flattened rotation matrices from unit quaternions ``(w, x, y, z)``.

    The rotation is ``v -> q v q^*``, i.e. a rotation by ``2 atan2(|(x, y, z)|, w)``
    about the axis ``(x, y, z)``.
    """
    w, x, y, z = q.T
    return np.column_stack(
        [
            w * w + x * x - y * y - z * z,
            2.0 * (x * y - w * z),
            2.0 * (x * z + w * y),
            2.0 * (x * y + w * z),
            w * w - x * x + y * y - z * z,
            2.0 * (y * z - w * x),
            2.0 * (x * z - w * y),
            2.0 * (y * z + w * x),
            w * w - x * x - y * y + z * z,
        ]
    )


def _quaternion_to_rotation_vector(q: np.ndarray) -> np.ndarray:
    """Rotation vectors ``axis * angle`` (angle in ``[0, pi]``) of unit quaternions."""
    q = np.where(q[:, :1] < 0.0, -q, q)  # q and -q give the same rotation
    w, v = q[:, 0], q[:, 1:]
    sin_half = np.linalg.norm(v, axis=1)
    angle = 2.0 * np.arctan2(sin_half, w)
    # angle / sin_half -> 2 / w as the angle -> 0 (w -> 1 there).
    small = sin_half < 1e-8
    factor = np.where(small, 2.0 / np.where(small, w, 1.0), angle / np.where(small, 1.0, sin_half))
    return v * factor[:, None]


def _trefoil_points(s: np.ndarray) -> np.ndarray:
    """The trefoil ``(sin s + 2 sin 2s, cos s - 2 cos 2s, -sin 3s)``."""
    return np.column_stack(
        [np.sin(s) + 2.0 * np.sin(2.0 * s), np.cos(s) - 2.0 * np.cos(2.0 * s), -np.sin(3.0 * s)]
    )


def _trefoil_speed(s: np.ndarray) -> np.ndarray:
    """``|d/ds trefoil(s)| = sqrt(17 + 8 cos 3s + 9 cos^2 3s)``, in ``[sqrt(137)/3, sqrt(34)]``."""
    c3 = np.cos(3.0 * s)
    return np.sqrt(17.0 + 8.0 * c3 + 9.0 * c3 * c3)


# --------------------------------------------------------------------------- #
# Public samplers
# --------------------------------------------------------------------------- #


def make_torus(
    n_samples: int = 1000,
    *,
    kind: str = "donut",
    radii: tuple[float, float] | None = None,
    noise: float = 0.0,
    random_state: RandomStateLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Sample the 2-torus uniformly in surface area, embedded in ``R^3`` or ``R^4``.

    - ``kind='donut'``: with ``radii=(R, r)``, ``R > r > 0``,
      ``X = ((R + r cos theta) cos phi, (R + r cos theta) sin phi, r sin theta)``;
      ``theta`` goes around the tube, ``phi`` around the symmetry axis ``z``.
      The area element is ``r (R + r cos theta) dtheta dphi``, so ``theta`` is
      drawn by rejection with acceptance ``(R + r cos theta) / (R + r)``.
    - ``kind='clifford'``: the product of two circles in ``R^4``, with
      ``radii=(r1, r2)``, ``X = (r1 cos theta, r1 sin theta, r2 cos phi,
      r2 sin phi)``; the surface is flat, so ``theta`` and ``phi`` are uniform.
      The default radii ``1/sqrt(2)`` put it on the unit sphere ``S^3``.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of points.
    kind : {'donut', 'clifford'}, default='donut'
        The embedding (App. C.2 / Sec. 8 of the paper use both).
    radii : tuple of two floats or None, default=None
        ``(R, r)`` for the donut (default ``(2, 1)``, requires ``R > r > 0``);
        ``(r1, r2)`` for the Clifford torus (default ``(1/sqrt(2), 1/sqrt(2))``).
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to ``X`` (not to ``t``).
    random_state : int, RandomState instance or None, default=None
        Seed or RandomState, resolved with :func:`sklearn.utils.check_random_state`.

    Returns
    -------
    X : ndarray of shape (n_samples, 3) for 'donut', (n_samples, 4) for 'clifford'
        Points on the torus (plus noise).
    t : ndarray of shape (n_samples, 2)
        The angles ``(theta, phi)``, each in ``[0, 2 pi)``.

    References
    ----------
    .. [1] J. Batson, C. G. Haaf, Y. Kahn, D. A. Roberts, "Topological
       Obstructions to Autoencoding", arXiv:2102.08380, Sec. 8 and App. C.2.

    Examples
    --------
    >>> from sktopo.datasets import make_torus
    >>> X, t = make_torus(100, random_state=0)
    >>> X.shape, t.shape
    ((100, 3), (100, 2))
    >>> X, t = make_torus(100, kind="clifford", random_state=0)
    >>> X.shape
    (100, 4)
    """
    n_samples = _check_n_samples(n_samples)
    kind = _check_choice("kind", kind, ("donut", "clifford"))
    if radii is None:
        radii = (2.0, 1.0) if kind == "donut" else (np.sqrt(0.5), np.sqrt(0.5))
    if not isinstance(radii, tuple | list | np.ndarray) or len(radii) != 2:
        raise TypeError(f"radii must be a pair of positive floats or None, got {radii!r}.")
    r_a = _check_real("radii[0]", radii[0], low=0.0, low_open=True)
    r_b = _check_real("radii[1]", radii[1], low=0.0, low_open=True)
    if kind == "donut" and not r_a > r_b:
        raise ValueError(
            f"radii=(R, r) of a donut torus must satisfy R > r > 0, got {tuple(radii)!r}."
        )
    noise = _check_noise(noise)
    rng = check_random_state(random_state)

    if kind == "clifford":
        theta = _uniform_angles(rng, n_samples)
        phi = _uniform_angles(rng, n_samples)
        X = np.column_stack(
            [r_a * np.cos(theta), r_a * np.sin(theta), r_b * np.cos(phi), r_b * np.sin(phi)]
        )
        t = np.column_stack([theta, phi])
    else:
        R, r = r_a, r_b

        def draw(rng, size):
            theta = _uniform_angles(rng, size)
            keep = (R + r) * rng.random_sample(size) < R + r * np.cos(theta)
            phi = _uniform_angles(rng, size)
            ring = R + r * np.cos(theta)
            X = np.column_stack([ring * np.cos(phi), ring * np.sin(phi), r * np.sin(theta)])
            return X, np.column_stack([theta, phi]), keep

        X, t = _rejection_sample(draw, n_samples, rng)
    return _add_noise(X, noise, rng), t


def make_trefoil(
    n_samples: int = 1000,
    *,
    sampling: str = "uniform",
    noise: float = 0.0,
    random_state: RandomStateLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Sample the trefoil knot ``(sin s + 2 sin 2s, cos s - 2 cos 2s, -sin 3s)`` in ``R^3``.

    The standard parametrisation of the trefoil, a ``(2, 3)`` torus knot: it lies
    on the torus ``((x^2 + y^2 - 5) / 4)^2 + z^2 = 1``.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of points.
    sampling : {'uniform', 'arclength', 'equidistant'}, default='uniform'
        ``'uniform'``: ``s`` i.i.d. uniform on ``[0, 2 pi)``. ``'arclength'``:
        i.i.d. uniform in arc length along the knot (rejection on the speed
        ``|dX/ds| = sqrt(17 + 8 cos 3s + 9 cos^2 3s)``). ``'equidistant'``: the
        grid ``s_k = 2 pi k / n_samples`` (``random_state`` then only drives
        the noise).
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to ``X`` (not to ``t``).
    random_state : int, RandomState instance or None, default=None
        Seed or RandomState, resolved with :func:`sklearn.utils.check_random_state`.

    Returns
    -------
    X : ndarray of shape (n_samples, 3)
        Points on the knot (plus noise).
    t : ndarray of shape (n_samples,)
        The curve parameter ``s`` in ``[0, 2 pi)``.

    References
    ----------
    .. [1] J. Batson, C. G. Haaf, Y. Kahn, D. A. Roberts, "Topological
       Obstructions to Autoencoding", arXiv:2102.08380, Sec. 8 and App. C.1.

    Examples
    --------
    >>> from sktopo.datasets import make_trefoil
    >>> X, t = make_trefoil(100, random_state=0)
    >>> X.shape, t.shape
    ((100, 3), (100,))
    """
    n_samples = _check_n_samples(n_samples)
    sampling = _check_choice("sampling", sampling, ("uniform", "arclength", "equidistant"))
    noise = _check_noise(noise)
    rng = check_random_state(random_state)

    if sampling == "uniform":
        s = _uniform_angles(rng, n_samples)
    elif sampling == "equidistant":
        s = _wrap_angle(TWO_PI * (np.arange(n_samples) / n_samples))
    else:
        max_speed = np.sqrt(34.0)

        def draw(rng, size):
            s = _uniform_angles(rng, size)
            keep = max_speed * rng.random_sample(size) < _trefoil_speed(s)
            return s, s, keep

        s, _ = _rejection_sample(draw, n_samples, rng)
    return _add_noise(_trefoil_points(s), noise, rng), s


def make_su2(
    n_samples: int = 1000,
    *,
    noise: float = 0.0,
    random_state: RandomStateLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Sample SU(2) uniformly (Haar measure), embedded in ``R^8``.

    A uniform unit quaternion ``q = (a, b, c, d)`` (a normalised Gaussian vector,
    SU(2) being the 3-sphere) gives ``U = [[a + ib, c + id], [-c + id, a - ib]]``,
    unitary with determinant ``a^2 + b^2 + c^2 + d^2 = 1``.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of matrices.
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to ``X`` (not to ``t``).
    random_state : int, RandomState instance or None, default=None
        Seed or RandomState, resolved with :func:`sklearn.utils.check_random_state`.

    Returns
    -------
    X : ndarray of shape (n_samples, 8)
        Real and imaginary parts of the entries of ``U`` in row-major order,
        interleaved: ``(Re U00, Im U00, Re U01, Im U01, Re U10, Im U10, Re U11,
        Im U11)`` (plus noise). Without noise, ``X[:, 0::2] + 1j * X[:, 1::2]``
        reshaped to ``(n_samples, 2, 2)`` (equivalently
        ``X.view(complex).reshape(-1, 2, 2)``) recovers the matrices.
        Every row has norm ``sqrt(2)``.
    t : ndarray of shape (n_samples, 4)
        The unit quaternion ``(a, b, c, d)``.

    References
    ----------
    .. [1] J. Batson, C. G. Haaf, Y. Kahn, D. A. Roberts, "Topological
       Obstructions to Autoencoding", arXiv:2102.08380, Sec. 6 (Fig. 10) and
       App. C.3.

    Examples
    --------
    >>> from sktopo.datasets import make_su2
    >>> X, t = make_su2(100, random_state=0)
    >>> X.shape, t.shape
    ((100, 8), (100, 4))
    """
    n_samples = _check_n_samples(n_samples)
    noise = _check_noise(noise)
    rng = check_random_state(random_state)
    q = _unit_gaussian_vectors(rng, n_samples, 4)
    return _add_noise(_quaternion_to_su2(q), noise, rng), q


def make_so3(
    n_samples: int = 1000,
    *,
    noise: float = 0.0,
    random_state: RandomStateLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Sample SO(3) uniformly (Haar measure), as rotation matrices flattened to ``R^9``.

    A uniform unit quaternion (normalised Gaussian in ``R^4``) is mapped to its
    rotation matrix; SU(2) double covers SO(3), so the result is Haar-uniform and
    the rotation angle ``w`` has density ``(1 - cos w) / pi`` on ``[0, pi]``.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of rotations.
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to ``X`` (not to ``t``).
    random_state : int, RandomState instance or None, default=None
        Seed or RandomState, resolved with :func:`sklearn.utils.check_random_state`.

    Returns
    -------
    X : ndarray of shape (n_samples, 9)
        The rotation matrices flattened row-major, ``X.reshape(-1, 3, 3)``
        (plus noise).
    t : ndarray of shape (n_samples, 3)
        Rotation vectors ``axis * angle`` with angle in ``[0, pi]`` (the
        convention of :meth:`scipy.spatial.transform.Rotation.as_rotvec`).

    References
    ----------
    .. [1] J. Batson, C. G. Haaf, Y. Kahn, D. A. Roberts, "Topological
       Obstructions to Autoencoding", arXiv:2102.08380, Sec. 8 and App. C.3.

    Examples
    --------
    >>> from sktopo.datasets import make_so3
    >>> X, t = make_so3(100, random_state=0)
    >>> X.shape, t.shape
    ((100, 9), (100, 3))
    """
    n_samples = _check_n_samples(n_samples)
    noise = _check_noise(noise)
    rng = check_random_state(random_state)
    q = _unit_gaussian_vectors(rng, n_samples, 4)
    X = _quaternion_to_rotation_matrix(q)
    return _add_noise(X, noise, rng), _quaternion_to_rotation_vector(q)
