"""Samplers for the sphere-like manifolds of arXiv:2102.08380 (Secs. 4-6, App. B).

Every sampler returns ``(X, t)``: the embedded points ``X`` (float64, one row per
sample) and their intrinsic coordinates ``t``, in the spirit of
:func:`sklearn.datasets.make_swiss_roll`. Without noise every row of ``X`` lies on
its manifold to rounding error, and ``X`` is a closed-form function of ``t``.

Excised regions are removed by sampling from the exact truncated distribution
(inverse transform) and then filtering with the exact excision test, resampling
the rare rows that rounding put on the wrong side; the requested number of
samples is always returned.

The small validation helpers and the rejection loop here are shared with
:mod:`sktopo.datasets._groups` (torus, trefoil, SU(2), SO(3)).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import betaincc, betainccinv
from sklearn.utils import check_random_state

from sktopo.utils._validation import check_int as _check_int
from sktopo.utils._validation import check_real as _check_real

__all__ = ["make_circle", "make_double_cone", "make_paraboloid", "make_sphere"]

TWO_PI = 2.0 * np.pi

RandomStateLike = int | np.random.RandomState | None

# --------------------------------------------------------------------------- #
# Validation helpers (shared with _groups.py)
# --------------------------------------------------------------------------- #


def _check_n_samples(n_samples: object) -> int:
    return _check_int("n_samples", n_samples, min_value=1)


def _check_noise(noise: object) -> float:
    return _check_real("noise", noise, low=0.0)


def _check_choice(name: str, value: object, options: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {list(options)}, got {value!r}.")
    return value


def _check_excision(name: str, value: object, limit: float, what: str) -> float | None:
    """Validate an optional excision width in ``[0, limit)``; ``None`` passes through."""
    if value is None:
        return None
    return _check_real(
        name,
        value,
        low=0.0,
        high=limit,
        high_open=True,
        hint=f" (a value >= {limit:g} would remove the whole {what})",
    )


# --------------------------------------------------------------------------- #
# Sampling kernels (shared with _groups.py)
# --------------------------------------------------------------------------- #


def _wrap_angle(angle: np.ndarray) -> np.ndarray:
    """Map angles to ``[0, 2 pi)``; guards ``np.mod`` returning exactly ``2 pi``."""
    angle = np.mod(angle, TWO_PI)
    return np.where(angle >= TWO_PI, 0.0, angle)


def _uniform_angles(rng: np.random.RandomState, size: int) -> np.ndarray:
    return _wrap_angle(TWO_PI * rng.random_sample(size))


def _unit_gaussian_vectors(rng: np.random.RandomState, size: int, dim: int) -> np.ndarray:
    """Uniform points on the unit sphere ``S^{dim-1}`` (normalised Gaussians)."""
    g = rng.standard_normal((size, dim))
    norm = np.linalg.norm(g, axis=1, keepdims=True)
    # A zero Gaussian vector has probability zero; replace it to stay finite.
    bad = norm[:, 0] == 0.0
    if np.any(bad):
        g[bad] = 0.0
        g[bad, 0] = 1.0
        norm[bad] = 1.0
    return g / norm


def _rejection_sample(
    draw: Callable[[np.random.RandomState, int], tuple[np.ndarray, np.ndarray, np.ndarray]],
    n_samples: int,
    rng: np.random.RandomState,
    *,
    max_rounds: int = 1000,
) -> tuple[np.ndarray, np.ndarray]:
    """Collect ``n_samples`` accepted rows from vectorised batches of proposals.

    ``draw(rng, size)`` returns ``(X, t, keep)`` for ``size`` proposals, ``keep``
    a boolean mask of the accepted ones. Batches are resized from the observed
    acceptance rate, so the loop runs over batches, never over samples.
    """
    X_parts, t_parts = [], []
    n_have, size = 0, n_samples
    for _ in range(max_rounds):
        X, t, keep = draw(rng, size)
        n_keep = int(np.count_nonzero(keep))
        X_parts.append(X[keep])
        t_parts.append(t[keep])
        n_have += n_keep
        if n_have >= n_samples:
            return (np.concatenate(X_parts)[:n_samples], np.concatenate(t_parts)[:n_samples])
        rate = max(n_keep, 1) / size
        size = min(int(np.ceil(1.1 * (n_samples - n_have) / rate)) + 16, 10**7)
    raise RuntimeError(  # pragma: no cover - acceptance rates here are >= 1/2
        f"rejection sampling accepted only {n_have} of {n_samples} samples."
    )


def _add_noise(X: np.ndarray, noise: float, rng: np.random.RandomState) -> np.ndarray:
    """Add isotropic Gaussian noise of standard deviation ``noise`` to ``X``."""
    X = np.ascontiguousarray(X, dtype=np.float64)
    if noise > 0.0:
        X = X + noise * rng.standard_normal(X.shape)
    return X


# --------------------------------------------------------------------------- #
# Hyperspherical coordinates
# --------------------------------------------------------------------------- #


def _cartesian_to_hyperspherical(X: np.ndarray) -> np.ndarray:
    """Hyperspherical angles of points of ``R^{n+1}``.

    ``t = (theta_1, ..., theta_{n-1}, phi)`` with polar angles ``theta_k`` in
    ``[0, pi]`` and azimuth ``phi``: the last coordinate is ``cos(theta_1)``,
    the one before it ``sin(theta_1) cos(theta_2)``, and so on; the first two
    are ``s cos(phi), s sin(phi)`` with ``s = sin(theta_1)...sin(theta_{n-1})``.

    Uses ``arctan2`` of partial norms, accurate near the poles. The azimuth is
    returned in ``[0, 2 pi)``, the polar angles in ``[0, pi]``.
    """
    X = np.atleast_2d(np.asarray(X, dtype=np.float64))
    n_dim = X.shape[1] - 1
    # Columns as contiguous arrays: on strided columns numpy's arctan2 gave results
    # that differ in the last bit with where the arrays lie in memory (presumably
    # its SIMD and scalar loops), so the same X could give different angles (CI).
    Xc = np.ascontiguousarray(X.T)
    partial_norm = np.ascontiguousarray(np.sqrt(np.cumsum(X**2, axis=1)).T)
    t = np.empty((n_dim, X.shape[0]))
    for k in range(n_dim - 1):  # theta_{k+1} is measured from axis n_dim - k
        col = n_dim - k
        t[k] = np.arctan2(partial_norm[col - 1], Xc[col])
    t[-1] = _wrap_angle(np.arctan2(Xc[1], Xc[0]))
    return np.ascontiguousarray(t.T)


# --------------------------------------------------------------------------- #
# Public samplers
# --------------------------------------------------------------------------- #


def make_circle(
    n_samples: int = 1000,
    *,
    sampling: str = "uniform",
    phase: float = 0.0,
    undersampled_angle: float = 0.0,
    scale: float = np.pi / 3,
    noise: float = 0.0,
    random_state: RandomStateLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Sample the unit circle ``S^1`` in ``R^2``, ``X = (cos phi, sin phi)``.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of points.
    sampling : {'uniform', 'equidistant', 'normal'}, default='uniform'
        - ``'uniform'``: ``phi`` i.i.d. uniform on ``[0, 2 pi)``.
        - ``'equidistant'``: the deterministic grid
          ``phi_k = phase + 2 pi k / n_samples``, ``k = 0, ..., n_samples - 1``,
          in that order (the training sets of Sec. 4 and the sparse circles of
          App. B.2, ``n_samples`` = 12 or 20). ``random_state`` is then used only
          for the noise.
        - ``'normal'``: the circle undersampled around ``undersampled_angle``
          (``phi_u``) of Sec. 4 / Fig. 5: ``phi`` is drawn from a normal
          distribution with mean ``phi_u + pi`` (the opposite point) and standard
          deviation ``scale``, then wrapped to ``[0, 2 pi)`` (a wrapped normal).
          Points are dense opposite ``phi_u`` and sparse around it.
    phase : float, default=0.0
        Offset of the equidistant grid (``sampling='equidistant'`` only).
    undersampled_angle : float, default=0.0
        The undersampled angle ``phi_u`` in radians (``sampling='normal'`` only).
    scale : float, default=pi/3
        Standard deviation in radians of the normal distribution
        (``sampling='normal'`` only); the paper uses ``pi / 3``.
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to ``X`` (not to ``t``).
    random_state : int, RandomState instance or None, default=None
        Seed or RandomState, resolved with :func:`sklearn.utils.check_random_state`.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        The points ``(cos phi, sin phi)`` (plus noise).
    t : ndarray of shape (n_samples,)
        The angle ``phi`` in ``[0, 2 pi)``.

    References
    ----------
    .. [1] J. Batson, C. G. Haaf, Y. Kahn, D. A. Roberts, "Topological
       Obstructions to Autoencoding", arXiv:2102.08380, Sec. 4 (Fig. 5) and
       App. B.2.

    Examples
    --------
    >>> from sktopo.datasets import make_circle
    >>> X, t = make_circle(100, random_state=0)
    >>> X.shape, t.shape
    ((100, 2), (100,))
    >>> X, t = make_circle(12, sampling="equidistant")
    >>> X.shape
    (12, 2)
    """
    n_samples = _check_n_samples(n_samples)
    sampling = _check_choice("sampling", sampling, ("uniform", "equidistant", "normal"))
    phase = _check_real("phase", phase)
    undersampled_angle = _check_real("undersampled_angle", undersampled_angle)
    scale = _check_real("scale", scale, low=0.0, low_open=True)
    noise = _check_noise(noise)
    rng = check_random_state(random_state)

    if sampling == "uniform":
        phi = _uniform_angles(rng, n_samples)
    elif sampling == "equidistant":
        phi = _wrap_angle(phase + TWO_PI * (np.arange(n_samples) / n_samples))
    else:
        phi = _wrap_angle(rng.normal(undersampled_angle + np.pi, scale, size=n_samples))
    X = np.column_stack([np.cos(phi), np.sin(phi)])
    return _add_noise(X, noise, rng), phi


def make_sphere(
    n_samples: int = 1000,
    *,
    n_dim: int = 2,
    excise_band: float | None = None,
    noise: float = 0.0,
    random_state: RandomStateLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Sample the unit sphere ``S^n`` in ``R^{n+1}`` uniformly (round measure).

    Without excision the points are normalised standard Gaussian vectors. With
    ``excise_band=h`` the band ``|z| < h`` around the equator is removed, ``z``
    being the last coordinate, and the rest of the sphere is sampled uniformly:
    ``z^2`` is drawn from its exact truncated law (``z^2 ~ Beta(1/2, n/2)`` on
    ``S^n``, so ``z`` is uniform on ``[-1, 1]`` for ``S^2``), the other
    coordinates uniformly on the sphere of radius ``sqrt(1 - z^2)``.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of points; exactly this many are returned even with excision.
    n_dim : int, default=2
        Intrinsic dimension ``n`` of the sphere (``n_dim=1`` is the circle).
    excise_band : float or None, default=None
        Half-width ``h`` in ``[0, 1)`` of the removed band ``|z| < h``; the
        paper excises ``|z| < 0.1`` on ``S^2`` (Sec. 5.1, Fig. 7).
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to ``X`` (not to ``t``).
    random_state : int, RandomState instance or None, default=None
        Seed or RandomState, resolved with :func:`sklearn.utils.check_random_state`.

    Returns
    -------
    X : ndarray of shape (n_samples, n_dim + 1)
        Points on the sphere (plus noise).
    t : ndarray of shape (n_samples, n_dim)
        Hyperspherical angles ``(theta_1, ..., theta_{n-1}, phi)``, polar
        angles in ``[0, pi]`` and the azimuth in ``[0, 2 pi)``, with
        ``x_{n+1} = cos theta_1``, ``x_n = sin theta_1 cos theta_2``, ...,
        ``x_3 = sin theta_1 ... sin theta_{n-2} cos theta_{n-1}``,
        ``(x_1, x_2) = sin theta_1 ... sin theta_{n-1} (cos phi, sin phi)``.
        For ``n_dim=2`` this is ``(theta, phi)``, polar angle then azimuth:
        ``X = (sin theta cos phi, sin theta sin phi, cos theta)``; for
        ``n_dim=1`` it is ``(phi,)``.

    References
    ----------
    .. [1] J. Batson, C. G. Haaf, Y. Kahn, D. A. Roberts, "Topological
       Obstructions to Autoencoding", arXiv:2102.08380, Sec. 5.1 (``S^2`` and
       the excised equator) and Sec. 6 (``S^4``, ``S^5``).

    Examples
    --------
    >>> from sktopo.datasets import make_sphere
    >>> X, t = make_sphere(100, random_state=0)
    >>> X.shape, t.shape
    ((100, 3), (100, 2))
    >>> X, t = make_sphere(50, n_dim=4, excise_band=0.1, random_state=0)
    >>> X.shape, t.shape
    ((50, 5), (50, 4))
    """
    n_samples = _check_n_samples(n_samples)
    n_dim = _check_int("n_dim", n_dim, min_value=1)
    h = _check_excision("excise_band", excise_band, 1.0, "sphere")
    noise = _check_noise(noise)
    rng = check_random_state(random_state)

    if h is None:
        X = _unit_gaussian_vectors(rng, n_samples, n_dim + 1)
    else:
        a, b = 0.5, 0.5 * n_dim  # z^2 ~ Beta(1/2, n/2) on S^n
        tail = betaincc(a, b, h * h)  # P(|z| >= h)

        def draw(rng, size):
            w = betainccinv(a, b, tail * (1.0 - rng.random_sample(size)))
            w = np.clip(w, h * h, 1.0)
            z = np.where(rng.random_sample(size) < 0.5, -1.0, 1.0) * np.sqrt(w)
            rest = np.sqrt(1.0 - w)[:, None] * _unit_gaussian_vectors(rng, size, n_dim)
            X = np.column_stack([rest, z])
            return X, X, np.abs(z) >= h

        X, _ = _rejection_sample(draw, n_samples, rng)
    t = _cartesian_to_hyperspherical(X)
    return _add_noise(X, noise, rng), t


def make_paraboloid(
    n_samples: int = 1000,
    *,
    radius: float = 2.0,
    excise_below: float | None = None,
    noise: float = 0.0,
    random_state: RandomStateLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Sample the paraboloid ``z = x^2 + y^2`` over the disc ``x^2 + y^2 <= radius^2``.

    As in Sec. 5.1 of the paper, ``(x, y)`` is uniform on the disc (uniform in
    ``x`` and ``y``, i.e. in projected area, *not* in surface area) and ``z`` is
    computed from it; the default ``radius=2`` gives the paper's ``z <= 4``.
    With ``excise_below=c`` the cap ``z < c`` is removed (the paper uses
    ``c = 0.2``, Fig. 8), leaving ``(x, y)`` uniform on the annulus
    ``c <= x^2 + y^2 <= radius^2``.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of points; exactly this many are returned even with excision.
    radius : float, default=2.0
        Radius of the disc in the ``(x, y)`` plane (``z <= radius**2``).
    excise_below : float or None, default=None
        Height ``c`` in ``[0, radius**2)``; points with ``z < c`` are removed.
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to ``X`` (not to ``t``).
    random_state : int, RandomState instance or None, default=None
        Seed or RandomState, resolved with :func:`sklearn.utils.check_random_state`.

    Returns
    -------
    X : ndarray of shape (n_samples, 3)
        The points ``(x, y, x^2 + y^2)`` (plus noise).
    t : ndarray of shape (n_samples, 2)
        The chart coordinates ``(x, y)``.

    References
    ----------
    .. [1] J. Batson, C. G. Haaf, Y. Kahn, D. A. Roberts, "Topological
       Obstructions to Autoencoding", arXiv:2102.08380, Sec. 5.1 (Fig. 8).

    Examples
    --------
    >>> from sktopo.datasets import make_paraboloid
    >>> X, t = make_paraboloid(100, excise_below=0.2, random_state=0)
    >>> X.shape, t.shape
    ((100, 3), (100, 2))
    """
    n_samples = _check_n_samples(n_samples)
    radius = _check_real("radius", radius, low=0.0, low_open=True)
    c = _check_excision("excise_below", excise_below, radius**2, "paraboloid")
    noise = _check_noise(noise)
    rng = check_random_state(random_state)
    r2_max, r2_min = radius**2, (0.0 if c is None else c)

    def draw(rng, size):
        # rho^2 uniform on [r2_min, r2_max] is uniform area on the annulus.
        rho = np.sqrt(r2_min + (r2_max - r2_min) * rng.random_sample(size))
        phi = _uniform_angles(rng, size)
        xy = np.column_stack([rho * np.cos(phi), rho * np.sin(phi)])
        z = xy[:, 0] ** 2 + xy[:, 1] ** 2
        keep = z <= r2_max
        if c is not None:
            keep &= z >= c
        return np.column_stack([xy, z]), xy, keep

    X, t = _rejection_sample(draw, n_samples, rng)
    return _add_noise(X, noise, rng), t


def make_double_cone(
    n_samples: int = 1000,
    *,
    height: float = 2.0,
    radius: float = 1.0,
    sampling: str = "height",
    excise_equator: float | None = None,
    noise: float = 0.0,
    random_state: RandomStateLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Sample a double cone (two right circular cones glued at their bases).

    Following Sec. 5.2 of the paper, the cone has total height ``height`` and
    equatorial radius ``radius`` (the paper's ``h = 2``, ``r = 1``): its tips
    are at ``z = +-height/2`` and the circle at height ``z`` has radius
    ``radius * (1 - 2 |z| / height)``. It is homeomorphic to ``S^2``, with
    non-differentiable tips.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of points; exactly this many are returned even with excision.
    height : float, default=2.0
        Distance between the two tips.
    radius : float, default=1.0
        Radius of the equator ``z = 0``.
    sampling : {'height', 'area'}, default='height'
        ``'height'``: ``z`` uniform on ``[-height/2, height/2]`` (the paper's
        choice, which oversamples the tips, Fig. 9). ``'area'``: uniform in
        surface area, so ``z`` has density proportional to the circle radius,
        ``1 - 2|z|/height``. The azimuth is uniform in both cases.
    excise_equator : float or None, default=None
        Half-width ``e`` in ``[0, height/2)``; points with ``|z| < e`` are
        removed (the excised equator of Sec. 5.2).
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to ``X`` (not to ``t``).
    random_state : int, RandomState instance or None, default=None
        Seed or RandomState, resolved with :func:`sklearn.utils.check_random_state`.

    Returns
    -------
    X : ndarray of shape (n_samples, 3)
        The points ``(rho cos phi, rho sin phi, z)`` with
        ``rho = radius * (1 - 2|z|/height)`` (plus noise).
    t : ndarray of shape (n_samples, 2)
        The coordinates ``(z, phi)``, ``phi`` in ``[0, 2 pi)``.

    References
    ----------
    .. [1] J. Batson, C. G. Haaf, Y. Kahn, D. A. Roberts, "Topological
       Obstructions to Autoencoding", arXiv:2102.08380, Sec. 5.2 (Fig. 9).

    Examples
    --------
    >>> from sktopo.datasets import make_double_cone
    >>> X, t = make_double_cone(100, sampling="area", random_state=0)
    >>> X.shape, t.shape
    ((100, 3), (100, 2))
    """
    n_samples = _check_n_samples(n_samples)
    height = _check_real("height", height, low=0.0, low_open=True)
    radius = _check_real("radius", radius, low=0.0, low_open=True)
    sampling = _check_choice("sampling", sampling, ("height", "area"))
    half = 0.5 * height
    e = _check_excision("excise_equator", excise_equator, half, "double cone")
    noise = _check_noise(noise)
    rng = check_random_state(random_state)
    s_min = 0.0 if e is None else e / half  # |z| / half lies in [s_min, 1]

    def draw(rng, size):
        u = rng.random_sample(size)
        if sampling == "height":
            s = s_min + (1.0 - s_min) * u
        else:  # density of s proportional to 1 - s: 1 - s = (1 - s_min) sqrt(u)
            s = 1.0 - (1.0 - s_min) * np.sqrt(u)
        z = np.where(rng.random_sample(size) < 0.5, -half, half) * s
        phi = _uniform_angles(rng, size)
        rho = _cone_radius(z, height=height, radius=radius)
        X = np.column_stack([rho * np.cos(phi), rho * np.sin(phi), z])
        keep = np.ones(size, dtype=bool) if e is None else np.abs(z) >= e
        return X, np.column_stack([z, phi]), keep

    X, t = _rejection_sample(draw, n_samples, rng)
    return _add_noise(X, noise, rng), t


def _cone_radius(z: np.ndarray, *, height: float = 2.0, radius: float = 1.0) -> np.ndarray:
    """Radius of the double cone's circle at height ``z``: ``radius (1 - 2|z|/height)``."""
    return radius * (1.0 - np.abs(z) / (0.5 * height))
