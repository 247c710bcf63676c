"""Flat n-body phase space from the unit cube: RAMBO on diet, with masses.

The mathematics is that of Plätzer's "RAMBO on diet" (arXiv:1308.2922): a
bijection from ``[0, 1]^(3n - 4)`` onto massless n-body phase space with
constant Jacobian, plus the massive mapping with an event weight.  All work is
vectorised over events; the only Python loops run over particles (and over
the Newton iterations of the intermediate-mass equation).  Internally events
are held component-major, shape ``(4 n, n_events)``, so every numpy operation
reads contiguous memory.
"""

from __future__ import annotations

from math import lgamma, log
from numbers import Integral, Real

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from sktopo.physics._kinematics import (
    _check_particles,
    boost_from_rest_frame,
    invariant_mass_squared,
    mass_squared_range,
    minkowski_dot,
    two_body_momentum,
)
from sktopo.utils._random import draw_seeds
from sktopo.utils._validation import check_real

__all__ = ["PhaseSpaceSampler"]

_EPS = np.finfo(np.float64).eps
_TINY = 1e-100  # floor on the intermediate masses K_i / K_1 (cube boundary)
_N_PILOT = 100_000  # events used to estimate the largest massive weight
_SAFETY = 2.0  # safety factor applied to that estimate
_MAX_BATCH = 1_000_000
# Range of sqrt_s: events then hold numbers up to ~sqrt_s and invariant masses
# up to ~n^2 s, far from float64's limits (1e308, and 1e-308 for s's reciprocal).
_SQRT_S_MIN, _SQRT_S_MAX = 1e-100, 1e100
_LOG_FLOAT_MAX = log(np.finfo(np.float64).max)
_LOG_FLOAT_TINY = log(np.finfo(np.float64).tiny)


# The map from the cube (private; shared by transform, sample and the resonance)
def _r_from_u(u: NDArray, k: int) -> NDArray:
    """``r = (k + 1) u^k - k u^(k + 1)``: the CDF of Beta(k, 2) at ``u``."""
    return u**k * ((k + 1) - k * u)


def _ipow(u: NDArray, p: int) -> NDArray:
    """``u ** p`` for an integer ``p >= 0`` by repeated squaring (fast, exact-ish)."""
    result, base = np.ones_like(u), u
    while p:
        if p & 1:
            result = result * base
        p >>= 1
        if p:
            base = base * base
    return result


def _newton(x: NDArray, func, n_max: int = 100) -> NDArray:
    """Vectorised Newton iteration ``x <- x - f / f'`` until each step is a few ulp.

    ``func(x, idx)`` returns ``(f, fp)`` for the entries ``idx`` still
    iterating; converged entries leave the working set.
    """
    idx = np.arange(x.size)
    x_a = x.copy()
    for _ in range(n_max):
        f, fp = func(x_a, idx)
        step = np.divide(f, fp, out=np.zeros_like(f), where=fp != 0)
        x_a = x_a - step
        done = np.abs(step) <= 4 * _EPS * np.abs(x_a)
        if done.all():
            break
        if done.any():
            x[idx[done]] = x_a[done]
            idx, x_a = idx[~done], x_a[~done]
    x[idx] = x_a
    return x


def _u_from_r(r: NDArray, k: int) -> NDArray:
    """Invert :func:`_r_from_u` on ``[0, 1]`` to rounding, vectorised.

    ``k = 1``: closed form ``u = r / (1 + sqrt(1 - r))``.  ``k >= 2``: split at
    the inflection point ``u_m = (k - 1) / k``; below it Newton on
    ``g(u) = u^k (k + 1 - k u) = r`` from one fixed-point step of
    ``u = (r / (k + 1 - k u))^(1/k)``; above it Newton on ``v = 1 - u`` in
    ``1 - g = v^2 S(1 - v) = 1 - r``, ``S(u) = sum_(j<k) (j + 1) u^j`` (no
    cancellation near ``u = 1``), from one step of ``v = sqrt((1 - r) / S)``.
    A handful of steps reach a relative step below 4 ulp.
    """
    r = np.asarray(r, dtype=np.float64)
    if k == 1:
        return r / (1.0 + np.sqrt(1.0 - r))
    u = np.empty_like(r)
    low = r <= _r_from_u(np.float64((k - 1) / k), k)
    r_lo = r[low]
    if r_lo.size:
        u0 = (r_lo / (k + 1)) ** (1.0 / k)
        u0 = (r_lo / ((k + 1) - k * u0)) ** (1.0 / k)

        def f_low(x, idx):
            xk1 = _ipow(x, k - 1)
            return xk1 * x * ((k + 1) - k * x) - r_lo[idx], (k * (k + 1)) * xk1 * (1.0 - x)

        u[low] = _newton(u0, f_low)
    one_minus_r = 1.0 - r[~low]
    if one_minus_r.size:

        def s_poly(x):
            total = np.full_like(x, float(k))
            for j in range(k - 1, 0, -1):  # Horner: sum_j (j + 1) x^j
                total = total * x + j
            return total

        v0 = np.sqrt(2.0 * one_minus_r / (k * (k + 1)))
        v0 = np.sqrt(one_minus_r / s_poly(1.0 - v0))

        def f_high(v, idx):
            x = 1.0 - v
            return (
                v * v * s_poly(x) - one_minus_r[idx],
                (k * (k + 1)) * _ipow(x, k - 1) * v,
            )

        u[~low] = 1.0 - _newton(v0, f_high)
    return u


def _tail_sums(masses: list) -> list:
    """``tail[i] = sum_{j >= i} m_j`` (scalars or per-event arrays)."""
    tail = [masses[-1]]
    for m in masses[-2::-1]:
        tail.append(tail[-1] + m)
    return tail[::-1]


def _intermediate_masses(rows: NDArray, sqrt_s: float, masses: list) -> tuple:
    """Massless-construction masses ``K_i`` and shifted masses ``M_i``.

    ``rows`` holds the cube coordinates component-major, ``(3 n - 4, N)``; the
    first ``n - 2`` rows fix ``u_i = (K_i / K_(i-1))^2``.
    """
    n = len(masses)
    tail = _tail_sums(masses)
    k1 = sqrt_s - tail[0]
    K = [k1]
    for i in range(1, n - 1):
        u = _u_from_r(rows[i - 1], n - 1 - i)
        K.append(np.maximum(np.sqrt(u) * K[-1], _TINY * k1))
    K.append(0.0 * k1)
    M = [sqrt_s] + [K[i] + tail[i] for i in range(1, n - 1)] + [masses[-1]]
    return K, M


def _build_events(rows: NDArray, sqrt_s, masses: list, M: list) -> NDArray:
    """Four-momenta, component-major ``(4 n, N)``, total ``(sqrt_s, 0, 0, 0)``.

    Particle ``i`` is emitted with momentum ``q(M_i; M_(i+1), m_i)`` in the
    rest frame of the system ``Q_i`` of mass ``M_i``, in the direction
    ``cos(theta) = 2 r - 1``, ``phi = 2 pi r'`` (rows ``n - 2 + 2 i`` and
    ``n - 1 + 2 i``), boosted to the lab; ``Q_(i+1) = Q_i - p_i`` and the last
    particle is what remains.
    """
    n, n_events = len(masses), rows.shape[1]
    out = np.empty((4 * n, n_events))
    Q = None
    for i in range(n - 1):
        q = two_body_momentum(M[i], M[i + 1], masses[i])
        r_cos, phi = rows[n - 2 + 2 * i], (2.0 * np.pi) * rows[n - 1 + 2 * i]
        q_sin = (2.0 * q) * np.sqrt(r_cos * (1.0 - r_cos))
        rest = np.empty((4, n_events))
        rest[0] = np.sqrt(q * q + masses[i] ** 2) if np.any(masses[i]) else q
        rest[1] = q_sin * np.cos(phi)
        rest[2] = q_sin * np.sin(phi)
        rest[3] = q * (2.0 * r_cos - 1.0)
        if Q is None:  # the first system is at rest in the lab
            p = rest
            Q = -rest
            Q[0] = sqrt_s - rest[0]
        else:
            p = boost_from_rest_frame(rest.T, Q.T, M[i]).T
            Q = Q - p
        out[4 * i : 4 * i + 4] = p
    out[4 * (n - 1) :] = Q
    return out


def _event_weights(K: list, M: list, masses: list) -> NDArray:
    """Weight of the massive map relative to the massless volume ``V_n(s)``.

    ``w = (K_1/M_1)^(2n-4) prod_i rho(M_i, M_(i+1), m_i) / rho(K_i, K_(i+1), 0)
    prod_(i=2)^(n-1) M_i / K_i`` with ``rho(M, N, m) = q(M; N, m) / (4 M)``.
    On the zero-measure part of the cube's boundary where a two-body momentum
    of the massless construction vanishes the weight is ``+inf`` (or 0 where
    that meets a vanishing factor).
    """
    n = len(masses)
    w = (K[0] / M[0]) ** (2 * n - 4)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for i in range(n - 1):
            num = two_body_momentum(M[i], M[i + 1], masses[i]) * K[i]
            den = two_body_momentum(K[i], K[i + 1], 0.0) * M[i]
            num, den = np.broadcast_arrays(num, den)
            w = w * np.divide(num, den, out=np.full(num.shape, np.inf), where=den > 0)
        for i in range(1, n - 1):
            w = w * (M[i] / K[i])
    return np.where(np.isnan(w), 0.0, w)  # 0 * inf on the boundary: set to 0


class PhaseSpaceSampler(TransformerMixin, BaseEstimator):
    """Uniform sampler of Lorentz-invariant n-body phase space (RAMBO on diet).

    ``transform`` maps points of the unit cube ``[0, 1]^(3n - 4)`` to events
    in the centre-of-mass frame, total four-momentum ``(sqrt_s, 0, 0, 0)``,
    following Plätzer's "RAMBO on diet".  For massless particles the map has a
    constant Jacobian, so uniform points give events uniform in phase space,
    each of weight ``V_n(s)`` (:meth:`phase_space_volume`).  With masses the
    massive map of the same paper is used and events carry a weight
    (:meth:`weights`) that is **not** constant.

    Parameters
    ----------
    n_particles : int, default=3
        Number of final-state particles ``n >= 2``.
    sqrt_s : float, default=1.0
        Centre-of-mass energy in ``[1e-100, 1e100]``; it sets the unit of all
        momenta (beyond that range invariant masses would leave float64).
    masses : array-like of shape (n_particles,), default=None
        Particle masses ``>= 0`` with ``sum(masses) < sqrt_s``; None means
        massless.
    max_weight : "auto" or float, default="auto"
        Weight ceiling (relative to ``V_n(s)``) for accept-reject unweighting
        of massive events.  ``"auto"`` **estimates** it in ``fit`` as 2 x the
        largest of 100,000 pilot weights: the weight has integrable
        ``1/sqrt`` singularities at two-body thresholds, so no finite bound
        exists, but ``P(w > W) ~ W^-4``, so about 1e-6 of the events exceed
        the estimate (and are under-represented).  Unused for constant
        weights (massless, or two bodies).  Acceptance is a few per cent.
    random_state : int, RandomState instance or None, default=None
        Seeds the random stream, which is reset by ``fit``; successive calls
        to :meth:`sample` then draw fresh events.

    Attributes
    ----------
    n_features_in_ : int
        ``3 n - 4``, the dimension of the cube (input of ``transform``).
    masses_ : ndarray of shape (n_particles,)
        Validated masses.
    max_weight_ : float
        Weight ceiling for unweighting (the constant weight when it is
        constant).
    rng_ : numpy.random.Generator
        The stream :meth:`sample` draws from, seeded from ``random_state`` in
        ``fit`` (successive calls continue it; a refit restarts it).

    See Also
    --------
    DalitzFeatures : invariant masses of the pairs of particles.
    sktopo.datasets.make_bump_hunt : sideband and signal sets built from this.

    Notes
    -----
    Conventions: four-momenta ``(E, px, py, pz)``, metric ``(+, -, -, -)``,
    events of shape ``(n_events, 4 n)`` with particles concatenated, particle
    indices 0-based (feature names 1-based, ``E_1, px_1, ...``).  Weights are
    relative to the massless volume
    ``V_n(s) = (2 pi)^(4 - 3n) (pi / 2)^(n - 1) s^(n - 2) / ((n - 1)! (n - 2)!)``
    (measure ``d^3p / ((2 pi)^3 2E)`` per particle times
    ``(2 pi)^4 delta^4``), so the massive volume is ``V_n(s) E[w]``.

    References
    ----------
    .. [1] S. Plätzer, "RAMBO on diet", arXiv:1308.2922.
    .. [2] R. Kleiss, W. J. Stirling, S. D. Ellis, Comput. Phys. Commun. 40
       (1986) 359.
    .. [3] J. Batson, C. G. Haaf, Y. Kahn, D. A. Roberts, "Topological
       obstructions to autoencoding", arXiv:2102.08380, Sec. 3.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.physics import PhaseSpaceSampler
    >>> sampler = PhaseSpaceSampler(n_particles=3, random_state=0).fit()
    >>> X = sampler.sample(1000)
    >>> X.shape
    (1000, 12)
    >>> bool(np.allclose(X.reshape(-1, 3, 4).sum(axis=1), [1.0, 0.0, 0.0, 0.0]))
    True
    >>> U = sampler.inverse_transform(X)
    >>> bool(np.allclose(sampler.transform(U), X))
    True
    """

    _parameter_constraints: dict = {
        "n_particles": [Interval(Integral, 2, None, closed="left")],
        "sqrt_s": [Interval(Real, _SQRT_S_MIN, _SQRT_S_MAX, closed="both")],
        "masses": ["array-like", None],
        "max_weight": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        n_particles: int = 3,
        sqrt_s: float = 1.0,
        masses: ArrayLike | None = None,
        max_weight: str | float = "auto",
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.n_particles = n_particles
        self.sqrt_s = sqrt_s
        self.masses = masses
        self.max_weight = max_weight
        self.random_state = random_state

    # ------------------------------------------------------------- fitting
    def fit(self, X: ArrayLike | None = None, y: None = None) -> PhaseSpaceSampler:
        """Validate the parameters and reset the random stream.

        Parameters
        ----------
        X : None or array-like of shape (n_samples, 3 * n_particles - 4)
            Ignored apart from a check of its width; may be omitted.
        y : None
            Ignored.

        Returns
        -------
        self : PhaseSpaceSampler
        """
        self._validate_params()
        for name in ("n_particles", "sqrt_s", "max_weight"):
            if isinstance(getattr(self, name), (bool, np.bool_)):
                raise ValueError(f"{name} must be a number, not a bool; got {getattr(self, name)}.")
        n = self.n_particles
        if self.masses is None:
            masses = np.zeros(n)
        else:
            masses = np.asarray(self.masses, dtype=np.float64).reshape(-1)
        if masses.shape != (n,):
            raise ValueError(
                f"masses must hold n_particles={n} values; got {masses.size}."
            )
        if not np.all(np.isfinite(masses)) or np.any(masses < 0):
            raise ValueError(f"masses must be finite and >= 0; got {masses}.")
        if masses.sum() >= self.sqrt_s:
            raise ValueError(
                f"the masses sum to {masses.sum():g} >= sqrt_s={self.sqrt_s:g}: "
                "no phase space is left."
            )
        if X is not None:
            X = validate_data(self, X, reset=True, dtype=np.float64)
            if X.shape[1] != 3 * n - 4:
                raise ValueError(
                    f"X has n_features = {X.shape[1]} columns but a {n}-body sampler maps the "
                    f"unit cube of dimension 3 * n_particles - 4 = {3 * n - 4}."
                )
        else:
            self.n_features_in_ = 3 * n - 4
        self.masses_ = masses
        self.rng_ = np.random.default_rng(draw_seeds(self.random_state, 4))
        if self._constant_weight():
            self.max_weight_ = float(self._weights_rows(np.full((3 * n - 4, 1), 0.5))[0])
        elif self.max_weight == "auto":
            rows = self.rng_.random((3 * n - 4, _N_PILOT))
            self.max_weight_ = _SAFETY * float(np.max(self._weights_rows(rows)))
        else:
            self.max_weight_ = float(self.max_weight)
        return self

    def _constant_weight(self) -> bool:
        return self.n_particles == 2 or not np.any(self.masses_)

    def _mass_list(self) -> list:
        return [float(m) for m in self.masses_]

    # ------------------------------------------------------ cube <-> events
    def _check_cube(self, U: ArrayLike) -> NDArray:
        check_is_fitted(self)
        U = validate_data(self, U, reset=False, dtype=np.float64)
        if U.size and (U.min() < 0.0 or U.max() > 1.0):
            raise ValueError(
                "U must lie in the unit cube [0, 1]^(3 n - 4); got values in "
                f"[{U.min():g}, {U.max():g}]."
            )
        return U

    def _events_rows(self, rows: NDArray) -> NDArray:
        masses = self._mass_list()
        _, M = _intermediate_masses(rows, float(self.sqrt_s), masses)
        return _build_events(rows, float(self.sqrt_s), masses, M)

    def _weights_rows(self, rows: NDArray) -> NDArray:
        masses = self._mass_list()
        if not any(masses):
            return np.ones(rows.shape[1])
        K, M = _intermediate_masses(rows, float(self.sqrt_s), masses)
        return np.broadcast_to(_event_weights(K, M, masses), rows.shape[1:]).copy()

    def transform(self, U: ArrayLike) -> NDArray[np.float64]:
        """Map unit-cube points to phase-space events.

        Parameters
        ----------
        U : array-like of shape (n_events, 3 * n_particles - 4)
            Points of ``[0, 1]^(3n - 4)``: the first ``n - 2`` columns fix the
            intermediate masses, then two columns per emitted particle
            (``cos(theta) = 2 r - 1``, ``phi = 2 pi r'``).

        Returns
        -------
        X : ndarray of shape (n_events, 4 * n_particles)
            Four-momenta ``(E, px, py, pz)`` of the particles, concatenated.
            Uniform ``U`` gives uniform (massless) or weighted (massive,
            see :meth:`weights`) events.
        """
        U = self._check_cube(U)
        return np.ascontiguousarray(self._events_rows(np.ascontiguousarray(U.T)).T)

    def weights(self, U: ArrayLike) -> NDArray[np.float64]:
        """Phase-space weight of the events ``transform(U)``, relative to ``V_n(s)``.

        Parameters
        ----------
        U : array-like of shape (n_events, 3 * n_particles - 4)

        Returns
        -------
        w : ndarray of shape (n_events,)
            All ones for massless particles; for massive ones the weight of
            the massive map, with mean ``Phi_n(massive) / V_n(s)`` over the
            cube.
        """
        U = self._check_cube(U)
        return self._weights_rows(np.ascontiguousarray(U.T))

    def inverse_transform(self, X: ArrayLike) -> NDArray[np.float64]:
        """Map events back to the unit cube (massless or massive).

        Parameters
        ----------
        X : array-like of shape (n_events, 4 * n_particles)
            Events in the centre-of-mass frame with total four-momentum
            ``(sqrt_s, 0, 0, 0)`` and particles on their mass shells.

        Returns
        -------
        U : ndarray of shape (n_events, 3 * n_particles - 4)
            ``transform(U)`` reproduces ``X``.  The inverse is ill-conditioned
            where a subsystem of mass ``M`` is ultra-relativistic: it loses
            about ``(sqrt_s / M)^2`` ulp (1e-9 at worst for ``n <= 6`` and
            ``U`` within ``1e-3`` of the faces).  Directions of particles at
            rest in their emission frame map to ``r = 1/2, r' = 0``.
        """
        check_is_fitted(self)
        n, sqrt_s = self.n_particles, float(self.sqrt_s)
        X = check_array(X, dtype=np.float64)
        if X.shape[1] != 4 * n:
            raise ValueError(
                f"X has {X.shape[1]} columns; a {n}-body event has 4 * {n} = {4 * n}."
            )
        P = np.ascontiguousarray(X.T)  # component-major (4 n, N)
        Q = [P[4 * (n - 1) :]]
        for i in range(n - 2, -1, -1):
            Q.append(Q[-1] + P[4 * i : 4 * i + 4])
        Q = Q[::-1]  # Q[i] = sum_{j >= i} p_j
        total_error = np.abs(Q[0] - np.array([[sqrt_s], [0.0], [0.0], [0.0]]))
        if total_error.size and total_error.max() > 1e-6 * sqrt_s:
            raise ValueError(
                "X is not a centre-of-mass event of this sampler: the total "
                f"four-momentum differs from (sqrt_s, 0, 0, 0) by up to "
                f"{total_error.max():g}."
            )
        masses = self._mass_list()
        tail = _tail_sums(masses)
        U = np.empty((3 * n - 4, X.shape[0]))
        M2 = [sqrt_s**2] + [minkowski_dot(Q[i].T, Q[i].T) for i in range(1, n - 1)]
        M = [sqrt_s] + [np.sqrt(np.maximum(m2, 0.0)) for m2 in M2[1:]]
        K = [M[i] - tail[i] for i in range(n - 1)]
        for i in range(1, n - 1):
            if not any(masses):
                u = M2[i] / M2[i - 1]
            else:
                u = (K[i] / K[i - 1]) ** 2
            U[i - 1] = _r_from_u(np.clip(u, 0.0, 1.0), n - 1 - i)
        for i in range(n - 1):
            p = P[4 * i : 4 * i + 4]
            if i > 0:
                mirrored = Q[i] * np.array([[1.0], [-1.0], [-1.0], [-1.0]])
                p = boost_from_rest_frame(p.T, mirrored.T, M[i]).T
            pabs = np.sqrt(p[1] ** 2 + p[2] ** 2 + p[3] ** 2)
            cos_t = np.divide(p[3], pabs, out=np.zeros_like(pabs), where=pabs > 0)
            U[n - 2 + 2 * i] = np.clip(0.5 * (1.0 + cos_t), 0.0, 1.0)
            phi = np.arctan2(p[2], p[1]) / (2.0 * np.pi)
            U[n - 1 + 2 * i] = np.where(phi < 0, phi + 1.0, phi) % 1.0
        return U.T

    def get_feature_names_out(self, input_features=None) -> NDArray[np.object_]:
        """Names ``E_1, px_1, py_1, pz_1, E_2, ...`` (particles 1-based)."""
        check_is_fitted(self)
        names = [
            f"{c}_{i + 1}" for i in range(self.n_particles) for c in ("E", "px", "py", "pz")
        ]
        return np.asarray(names, dtype=object)

    def log_phase_space_volume(self) -> float:
        """Natural logarithm of :meth:`phase_space_volume`, finite for every ``n`` and ``sqrt_s``.

        ``log V_n(s) = (4 - 3n) log(2 pi) + (n - 1) log(pi / 2) + 2 (n - 2)
        log(sqrt_s) - log((n - 1)!) - log((n - 2)!)``, summed in logs so
        that it neither overflows nor underflows (``V_100(1) = 10^-527``).
        """
        self._validate_params()
        n, log_sqrt_s = self.n_particles, log(float(self.sqrt_s))
        return float(
            (4 - 3 * n) * log(2 * np.pi)
            + (n - 1) * log(np.pi / 2)
            + 2 * (n - 2) * log_sqrt_s
            - lgamma(n)
            - lgamma(n - 1)
        )

    def phase_space_volume(self) -> float:
        """Massless n-body volume ``V_n(s)``, the unit of the weights.

        ``V_n(s) = (2 pi)^(4 - 3n) (pi / 2)^(n - 1) s^(n - 2) / ((n - 1)! (n - 2)!)``;
        e.g. ``1 / (8 pi)`` for two bodies and ``s / (256 pi^3)`` for three.
        It is the massless volume even when ``masses`` are set (the massive
        volume is ``V_n(s)`` times the mean weight).  Computed from
        :meth:`log_phase_space_volume`; raises ``ValueError`` when the volume
        is outside float64's range (many particles: ``n_particles=100`` gives
        ``10^-527``), where the logarithm is the number to use.
        """
        log_volume = self.log_phase_space_volume()
        if not _LOG_FLOAT_TINY <= log_volume <= _LOG_FLOAT_MAX:
            raise ValueError(
                f"V_n(s) = 10^{log_volume / log(10):.1f} for n_particles={self.n_particles}, "
                f"sqrt_s={self.sqrt_s:g} is outside the range of float64 "
                "(1e-308 to 1e308); use log_phase_space_volume() instead."
            )
        return float(np.exp(log_volume))

    # ------------------------------------------------------------- sampling
    def _check_pair(self, pair) -> tuple[int, int]:
        return tuple(_check_particles(pair, self.n_particles, "pair", size=2))

    def _collect(self, n_samples: int, draw, max_weight: float | None) -> tuple:
        """Draw batches ``(X, w, keep)`` until ``n_samples`` events are kept.

        With ``max_weight`` set, events are also accepted with probability
        ``w / max_weight`` (accept-reject unweighting).
        """
        rng = self.rng_
        X, w, _ = draw(0)
        kept_X, kept_w, n_kept, n_drawn, n_accepted = [X], [w], 0, 0, 0
        while n_kept < n_samples:
            rate = (n_accepted + 1) / (n_drawn + 1)
            batch = int(min(max(1.1 * (n_samples - n_kept) / rate + 64, 1), _MAX_BATCH))
            X, w, keep = draw(batch)
            if max_weight is not None:
                keep &= rng.random(batch) * max_weight < w
            n_drawn += batch
            n_accepted += int(keep.sum())
            kept_X.append(X[keep])
            kept_w.append(w[keep])
            n_kept += len(kept_w[-1])
            if n_drawn > 1000 * n_samples + 10_000_000 and n_kept < n_samples:
                raise RuntimeError(
                    f"only {n_kept} of {n_samples} events accepted after "
                    f"{n_drawn} draws; the window or weights leave too little."
                )
        return np.concatenate(kept_X)[:n_samples], np.concatenate(kept_w)[:n_samples]

    def sample(
        self,
        n_samples: int = 1,
        *,
        return_weights: bool = False,
        pair: tuple[int, int] = (0, 1),
        exclude_window: tuple[float, float] | None = None,
    ) -> NDArray[np.float64] | tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Draw events uniformly from phase space.

        Parameters
        ----------
        n_samples : int, default=1
            Number of events.
        return_weights : bool, default=False
            False: unweighted events (massive ones by accept-reject against
            ``max_weight_``).  True: weighted events straight from the map,
            returned with their weights relative to ``V_n(s)`` (all ones for
            massless particles).
        pair : tuple of two int, default=(0, 1)
            0-based indices of the pair whose invariant mass ``exclude_window``
            refers to.
        exclude_window : (float, float) or None, default=None
            Sideband sampling: reject events with
            ``low < s_pair < high`` (absolute values, units of ``sqrt_s^2``).
            Must lie inside the pair's kinematic range and leave some of it.

        Returns
        -------
        X : ndarray of shape (n_samples, 4 * n_particles)
        w : ndarray of shape (n_samples,)
            Only with ``return_weights=True``.
        """
        check_is_fitted(self)
        n_samples = _check_count(n_samples)
        n, pair = self.n_particles, self._check_pair(pair)
        if exclude_window is not None:
            lo, hi = _check_window(exclude_window, self._pair_range(pair), pair)
        if exclude_window is None and self._constant_weight():
            rows = self.rng_.random((3 * n - 4, n_samples))
            X = np.ascontiguousarray(self._events_rows(rows).T)
            w = np.full(n_samples, self.max_weight_)
            return (X, w) if return_weights else X

        def draw(batch):
            rows = self.rng_.random((3 * n - 4, batch))
            X = self._events_rows(rows).T
            w = self._weights_rows(rows)
            keep = np.ones(batch, dtype=bool)
            if exclude_window is not None:
                s_pair = invariant_mass_squared(X, pair)
                keep = ~((s_pair > lo) & (s_pair < hi))
            return X, w, keep

        unweight = not (return_weights or self._constant_weight())
        X, w = self._collect(n_samples, draw, self.max_weight_ if unweight else None)
        return (X, w) if return_weights else X

    def _pair_range(self, pair: tuple[int, int]) -> tuple[float, float]:
        return mass_squared_range(float(self.sqrt_s), self.masses_, pair)

    def sample_on_resonance(
        self,
        n_samples: int = 1,
        *,
        mass_squared: float,
        pair: tuple[int, int] = (0, 1),
        width: float = 0.0,
        return_weights: bool = False,
    ) -> NDArray[np.float64] | tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Draw "signal" events with ``s_pair`` fixed (or Breit-Wigner distributed).

        The events are uniform on the submanifold ``s_pair = mass_squared`` of
        phase space, i.e. distributed as the restricted measure in the
        factorisation ``dPhi_n = dPhi_(n-1)(s; m_X, others) dPhi_2(m_X^2; m_a,
        m_b) d m_X^2 / (2 pi)``: an (n - 1)-body event with a resonance ``X``
        of mass ``sqrt(mass_squared)`` in place of the pair, then ``X -> a b``
        isotropic in the ``X`` rest frame.  For three bodies this makes the
        other Dalitz variable (``s_13`` for ``pair=(0, 1)``) uniform on its
        allowed range at fixed ``s_12``, the stripe of arXiv:2102.08380,
        Fig. 1.

        Parameters
        ----------
        n_samples : int, default=1
        mass_squared : float
            ``m_X^2`` in units of ``sqrt_s^2``, strictly inside the pair's
            kinematic range.
        pair : tuple of two int, default=(0, 1)
            0-based indices of the decay products of ``X``.
        width : float, default=0.0
            Relative width ``Gamma_X / m_X``.  0 puts every event exactly on
            ``s_pair = m_X^2``; otherwise ``s_pair`` follows the relativistic
            Breit-Wigner ``1 / ((s - m_X^2)^2 + m_X^2 Gamma_X^2)`` times the
            phase-space density, truncated to the kinematic range (e.g.
            ``width=0.005`` for the 0.5 % width of arXiv:2102.08380, Sec. 3).
        return_weights : bool, default=False
            As in :meth:`sample`; weights are relative to
            ``V_(n-1)(s) / (8 pi)``.  Unweighting is exact for three bodies
            (the weight is bounded by 1) and uses a pilot estimate times 2
            of the largest weight for more.

        Returns
        -------
        X : ndarray of shape (n_samples, 4 * n_particles)
        w : ndarray of shape (n_samples,)
            Only with ``return_weights=True``.
        """
        check_is_fitted(self)
        n_samples = _check_count(n_samples)
        n, pair = self.n_particles, self._check_pair(pair)
        if n < 3:
            raise ValueError(
                "sample_on_resonance needs n_particles >= 3: with two particles "
                "s_12 = s is fixed."
            )
        s_lo, s_hi = self._pair_range(pair)
        mass_squared = check_real("mass_squared", mass_squared)
        if not s_lo < mass_squared < s_hi:
            raise ValueError(
                f"mass_squared={mass_squared:g} lies outside the kinematic range "
                f"({s_lo:g}, {s_hi:g}) of s_{pair[0] + 1}{pair[1] + 1}."
            )
        width = check_real("width", width)
        if not (np.isfinite(width) and width >= 0):
            raise ValueError(f"width must be finite and >= 0; got {width}.")

        def draw(batch):
            X, w = _resonance_events(
                self.rng_, batch, float(self.sqrt_s), self._mass_list(), pair,
                mass_squared, width, (s_lo, s_hi),
            )
            return X, w, np.ones(batch, dtype=bool)

        constant = width == 0 and n == 3
        if return_weights or constant:
            return_X, w = draw(n_samples)[:2]
            return (return_X, w) if return_weights else return_X
        if n == 3:
            max_weight = 1.0  # both two-body factors are <= 1: a true bound
        else:
            max_weight = _SAFETY * float(np.max(draw(_N_PILOT)[1]))
        return self._collect(n_samples, draw, max_weight)[0]


def _resonance_events(rng, n_events, sqrt_s, masses, pair, mass_squared, width, s_range):
    """Weighted events with ``s_pair`` at (or Breit-Wigner around) ``mass_squared``.

    An (n - 1)-body event with ``X`` in place of the pair, then the two-body
    decay ``X -> a b`` built in the ``X`` rest frame and boosted.  The weight
    is the (n - 1)-body map's times ``lambda^(1/2)(s_X, m_a^2, m_b^2) / s_X``.
    """
    n, (a, b) = len(masses), pair
    others = [j for j in range(n) if j not in pair]
    if width == 0:
        s_x = np.full(n_events, mass_squared)
    else:  # truncated Cauchy in s by inverse CDF, kept off the thresholds
        scale, margin = mass_squared * width, 4 * _EPS * s_range[1]
        t_lo, t_hi = (np.arctan((s - mass_squared) / scale) for s in s_range)
        s_x = mass_squared + scale * np.tan(t_lo + (t_hi - t_lo) * rng.random(n_events))
        s_x = np.clip(s_x, s_range[0] + margin, s_range[1] - margin)
    m_x = np.sqrt(s_x)
    sub_masses = [m_x] + [masses[j] for j in others]
    rows = rng.random((3 * n - 5, n_events))
    K, M = _intermediate_masses(rows[:-2], sqrt_s, sub_masses)
    sub = _build_events(rows[:-2], sqrt_s, sub_masses, M)
    decay = _build_events(rows[-2:], m_x, [masses[a], masses[b]], [m_x, masses[b]])
    p_a = boost_from_rest_frame(decay[:4].T, sub[:4].T, m_x).T
    out = np.empty((4 * n, n_events))
    out[4 * a : 4 * a + 4] = p_a
    out[4 * b : 4 * b + 4] = sub[:4] - p_a
    for k, j in enumerate(others):
        out[4 * j : 4 * j + 4] = sub[4 * (k + 1) : 4 * (k + 2)]
    q = two_body_momentum(m_x, masses[a], masses[b])
    return out.T, _event_weights(K, M, sub_masses) * (2.0 * q / m_x)


def _check_count(n_samples) -> int:
    if isinstance(n_samples, bool) or not isinstance(n_samples, Integral) or n_samples < 0:
        raise ValueError(f"n_samples must be a non-negative int; got {n_samples!r}.")
    return int(n_samples)


def _check_window(window, s_range, pair) -> tuple[float, float]:
    """Validate an exclusion window ``(low, high)`` on ``s_pair``."""
    if isinstance(window, (str, bytes)) or len(window) != 2:
        raise ValueError(f"window must be (low, high); got {window!r}.")
    lo, hi = (check_real("window", v) for v in window)
    s_min, s_max = s_range
    name = f"s_{pair[0] + 1}{pair[1] + 1}"
    if not lo < hi:
        raise ValueError(f"window must satisfy low < high; got ({lo:g}, {hi:g}).")
    if lo < s_min or hi > s_max:
        raise ValueError(
            f"window ({lo:g}, {hi:g}) lies outside the kinematic range "
            f"[{s_min:g}, {s_max:g}] of {name}."
        )
    if lo <= s_min and hi >= s_max:
        raise ValueError(f"window ({lo:g}, {hi:g}) excludes the whole range of {name}.")
    return lo, hi
