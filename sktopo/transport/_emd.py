"""Exact energy mover's distance between weighted point clouds (arXiv:1902.02346).

An *event* is a weighted point cloud: non-negative weights ``E_i`` (the
constituents' pT, or pixel intensities) at positions ``x_i``.  The energy
mover's distance of Komiske, Metodiev and Thaler is

.. math::

    \\mathrm{EMD}_R(\\mathcal{E}, \\mathcal{E}') = \\min_{f_{ij} \\ge 0}
    \\sum_{ij} f_{ij} \\frac{d_{ij}}{R} + \\Big|\\sum_i E_i - \\sum_j E'_j\\Big|,

with ``sum_j f_ij <= E_i``, ``sum_i f_ij <= E'_j`` and
``sum_ij f_ij = min(sum E, sum E')``.  For two events of equal total (unit-sum
jet images) it is the Wasserstein-1 distance divided by ``R``.

Two kinds of event sets are handled by one pair kernel:

* **clouds** -- a sequence of ``(weights, coords)`` with ``coords`` of shape
  ``(n, 2)`` holding ``(y or eta, phi)``; the ground distance is
  :func:`sktopo.physics.delta_r` (``phi`` wraps at ``+-pi``);
* **histograms** -- a 2-D array ``(n_events, n_bins)`` of weights on bins at
  fixed positions (pixel centres of square images by default, see
  :func:`pixel_centers`); the ground distance is Euclidean in a flat chart
  (no wrapping: image coordinates are relative to the jet axis).

The linear program is solved exactly by POT's network simplex (the C solver
behind :func:`ot.emd2`, called directly, without its checks).  **Exact or an
error:** the iteration limit grows with the problem (at least
``ITER_PER_NODE = 50`` per point, measured 4-8 needed on random 5000-bin
histograms), POT's result code is checked on every solve, a solve that stops
at its limit is repeated with 10 and 100 times the limit, and if even that
does not reach optimality a RuntimeError reports the dual residual.  (Before,
POT's "numItermax reached" warning came with costs off by up to 46 %.)  The unbalanced
problem becomes a balanced one by a dummy point at cost 1 (that is, ``R``)
from every point, which receives the energy difference.  For histograms the
mass two events share in the same bin is removed before solving: for a metric
ground distance an optimal flow can always leave it in place, so the value is
unchanged and the program is smaller.
"""

from __future__ import annotations

import copy
from math import isqrt
from numbers import Integral, Real

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.spatial.distance import cdist

from sktopo.physics import delta_r
from sktopo.utils._optional import import_optional

__all__ = ["EventSet", "as_event_set", "emd", "pixel_centers", "resolve_solver"]

#: Iteration limit of the network simplex's first try (POT's default); raised with the
#: problem's size (``ITER_PER_NODE``) and on retries (``RETRY_GROWTH``), see PairKernel.solve.
MAX_ITER = 100_000
#: The first try allows at least this many iterations per node of the transport problem
#: (random 5000-bin histograms need 4-8 per node, measured; degenerate ones more).
ITER_PER_NODE = 50
#: A try that stops at its limit is repeated with RETRY_GROWTH times the limit, RETRIES times.
RETRY_GROWTH = 10
RETRIES = 2
# POT's network-simplex result codes
_OPTIMAL, _MAX_ITER_REACHED = 1, 3
_MESSAGES = {0: "the problem is infeasible", 2: "the problem is unbounded"}

#: Histograms with at most this many bins keep the full bin-to-bin distance matrix.
_MAX_DENSE_BINS = 4096

# A total-energy gap below this fraction of the larger total is rounding: no dummy point.
_BALANCE_RTOL = 1e-12


def _lp():
    """POT's network-simplex entry point (imported on first use)."""
    from ot.lp.emd_wrap import emd_c

    return emd_c


def pixel_centers(n_pixels: int, extent: float = 1.6) -> NDArray[np.float64]:
    """Centres ``(x, y)`` of the pixels of a square image, in the order of ``JetImages``.

    Row ``r`` (along ``y`` = phi, row 0 at the bottom) and column ``c``
    (along ``x`` = eta) of an ``n_pixels x n_pixels`` image over
    ``[-extent, extent]^2`` have flat index ``r * n_pixels + c``.

    Parameters
    ----------
    n_pixels : int
        Pixels per side.
    extent : float, default=1.6
        Half-width of the image (radians), as in :class:`~sktopo.JetImages`.
        For an image zero-padded to ``pad_to`` pixels pass
        ``extent * pad_to / n_pixels``.

    Returns
    -------
    centers : ndarray of shape (n_pixels**2, 2)
        ``(x, y)`` of each pixel centre.

    Examples
    --------
    >>> from sktopo.transport import pixel_centers
    >>> pixel_centers(2, extent=1.0).tolist()
    [[-0.5, -0.5], [0.5, -0.5], [-0.5, 0.5], [0.5, 0.5]]
    """
    width = 2.0 * extent / n_pixels
    centers = -extent + (np.arange(n_pixels) + 0.5) * width
    y, x = np.meshgrid(centers, centers, indexing="ij")
    return np.stack([x.ravel(), y.ravel()], axis=1)


def _check_R(R):
    if isinstance(R, bool) or not isinstance(R, Real) or not np.isfinite(R) or R <= 0:
        raise ValueError(f"R must be a positive finite number, got {R!r}.")
    return float(R)


def _check_weights(w, what):
    if not np.all(np.isfinite(w)):
        raise ValueError(f"{what} must be finite (no NaN or infinity).")
    if np.any(w < 0):
        raise ValueError(f"{what} must be non-negative (energies or intensities).")


def _check_cloud(event, index=None):
    where = "event" if index is None else f"event {index}"
    try:
        weights, coords = event
    except (TypeError, ValueError):
        raise ValueError(f"{where} must be a pair (weights, coords).") from None
    weights = np.asarray(weights, dtype=np.float64)
    coords = np.asarray(coords, dtype=np.float64)
    if weights.ndim != 1 or coords.shape != (weights.shape[0], 2):
        raise ValueError(
            f"{where}: weights must have shape (n,) and coords shape (n, 2) of (y, phi); got "
            f"{weights.shape} and {coords.shape}."
        )
    _check_weights(weights, f"{where}: weights")
    if not np.all(np.isfinite(coords)):
        raise ValueError(f"{where}: coords must be finite.")
    keep = weights > 0
    return np.ascontiguousarray(weights[keep]), np.ascontiguousarray(coords[keep])


class EventSet:
    """Events prepared once for many pair distances (supports, ground distances).

    Build it with :func:`as_event_set`.  ``kind`` is ``'cloud'`` (``events``
    is a list of ``(weights, coords)`` without zero weights) or
    ``'histogram'`` (``X`` is a C-ordered float64 array of weights on the
    bins at ``positions``).
    """

    def __init__(self, kind, *, events=None, X=None, positions=None):
        self.kind = kind
        self.events = events
        self.X = X
        self.positions = positions

    def __len__(self):
        return len(self.events) if self.kind == "cloud" else self.X.shape[0]

    def totals(self):
        """Total weight of each event."""
        if self.kind == "cloud":
            return np.array([w.sum() for w, _ in self.events])
        return self.X.sum(axis=1)

    def supports(self):
        """``(weights, coords)`` of each event's non-zero entries."""
        if self.kind == "cloud":
            return self.events
        out = []
        for x in self.X:
            nz = np.flatnonzero(x)
            out.append((x[nz], self.positions[nz]))
        return out


def as_event_set(A, *, positions=None, extent=1.6, normalize=False) -> EventSet:
    """Check events and prepare them for :func:`pairwise_emd`.

    Parameters
    ----------
    A : sequence of (weights, coords) or array-like of shape (n_events, n_bins) or EventSet
        Point clouds, or histograms (e.g. flattened square images).
    positions : array-like of shape (n_bins, d), default=None
        Bin positions of histograms; ``None`` means square images over
        ``[-extent, extent]^2`` (:func:`pixel_centers`; ``n_bins`` must then
        be a perfect square).
    extent : float, default=1.6
        Half-width of the images when ``positions`` is None.
    normalize : bool, default=False
        Divide every event by its total (then zero-total events are an error).

    Returns
    -------
    events : EventSet
    """
    if isinstance(A, EventSet):
        return A
    if not (isinstance(A, (list, tuple)) and len(A) > 0 and all(_is_cloud(ev) for ev in A)):
        return _histograms(A, positions, extent, normalize)
    events = [_check_cloud(ev, k) for k, ev in enumerate(A)]
    if normalize:
        events = [(w / _nonzero_total(w.sum(), k), c) for k, (w, c) in enumerate(events)]
    return EventSet("cloud", events=events)


def _is_cloud(event):
    return (isinstance(event, (list, tuple)) and len(event) == 2
            and np.ndim(event[0]) == 1 and np.ndim(event[1]) == 2)


def _nonzero_total(total, k):
    if total <= 0:
        raise ValueError(f"event {k} has zero total weight and cannot be normalized.")
    return total


def _histograms(X, positions, extent, normalize):
    X = np.array(X, dtype=np.float64, order="C")
    if X.ndim != 2:
        raise ValueError(f"histograms must be a 2-D array (n_events, n_bins); got shape {X.shape}.")
    _check_weights(X, "histogram weights")
    n_bins = X.shape[1]
    if positions is None:
        side = isqrt(n_bins)
        if side * side != n_bins:
            raise ValueError(
                f"images must have a square number of pixels; got n_bins={n_bins}. Pass the bin "
                "positions explicitly for other histograms."
            )
        positions = pixel_centers(side, extent)
    positions = np.asarray(positions, dtype=np.float64)
    if positions.ndim == 1:
        positions = positions[:, None]
    if positions.ndim != 2 or positions.shape[0] != n_bins:
        raise ValueError(
            f"positions must have shape (n_bins, d) with n_bins={n_bins}; got {positions.shape}."
        )
    if normalize:
        totals = X.sum(axis=1)
        if np.any(totals <= 0):
            k = int(np.flatnonzero(totals <= 0)[0])
            _nonzero_total(0.0, k)
        X /= totals[:, None]
    return EventSet("histogram", X=X, positions=positions)


def same_kind(A: EventSet, B: EventSet):
    """Raise ``ValueError`` unless two event sets can be compared."""
    if A.kind != B.kind:
        raise ValueError("cannot compare point clouds with histograms.")
    if A.kind == "histogram" and (
        A.positions.shape != B.positions.shape or not np.array_equal(A.positions, B.positions)
    ):
        raise ValueError(
            f"the two sets of histograms have different bins ({A.X.shape[1]} and "
            f"{B.X.shape[1]} bins, or other positions)."
        )


class PairKernel:
    """Exact EMD of one pair of events of a set, with per-set data precomputed.

    ``kernel(i, j)`` is the distance between event ``i`` of ``A`` and event
    ``j`` of ``B``.  The bin-to-bin distance matrix (divided by ``R``) is
    computed once for histograms of up to 4096 bins.
    """

    def __init__(self, A: EventSet, B: EventSet, R: float, max_iter: int = MAX_ITER,
                 solver: str = "pot"):
        same_kind(A, B)
        self.A, self.B, self.R, self.max_iter = A, B, R, int(max_iter)
        self.solver = solver
        self._D = None
        if solver == "pot" and A.kind == "histogram" and A.positions.shape[0] <= _MAX_DENSE_BINS:
            self._D = cdist(A.positions, A.positions) / R
        self._start()

    def _start(self):
        """Set up the solver (again after unpickling; one per thread: not thread-safe)."""
        self._emd_c = _lp()  # also the fallback of 'wasserstein'
        if self.solver != "pot":
            wasserstein = import_optional("wasserstein", "transport")
            cls = wasserstein.EMD if self.A.kind == "histogram" else wasserstein.EMDYPhi
            self._wasserstein = cls(R=self.R, norm=False, n_iter_max=self.max_iter)

    def fresh(self):
        """A copy with its own solver state, for another thread."""
        other = copy.copy(self)
        other._start()
        return other

    def __getstate__(self):  # the solver is set up again after unpickling
        state = self.__dict__.copy()
        for key in ("_emd_c", "_wasserstein"):
            state.pop(key, None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._start()

    def __call__(self, i, j):
        if self.A.kind == "histogram":
            diff = self.A.X[i] - self.B.X[j]
            p = np.flatnonzero(diff > 0)
            q = np.flatnonzero(diff < 0)
            a = diff[p]
            b = -diff[q]
            if self.solver != "pot":
                if a.size == 0 or b.size == 0:
                    return float(abs(a.sum() - b.sum()))
                pos = self.A.positions
                try:
                    return self._wasserstein(a, pos[p], b, pos[q])
                except RuntimeError:  # e.g. its supply check on denormal weights: use POT
                    M = cdist(pos[p], pos[q]) / self.R
                    return self.solve(a, b, M)
            if self._D is not None:
                M = self._D[p[:, None], q]
            else:
                pos = self.A.positions
                M = cdist(pos[p], pos[q]) / self.R
        else:
            a, c0 = self.A.events[i]
            b, c1 = self.B.events[j]
            if self.solver != "pot":
                if a.size == 0 or b.size == 0:
                    return float(abs(a.sum() - b.sum()))
                try:
                    return self._wasserstein(a, c0, b, c1)
                except RuntimeError:  # e.g. its supply check on denormal weights: use POT
                    pass
            M = delta_r(c0[:, 0, None], c0[:, 1, None], c1[None, :, 0], c1[None, :, 1])
            M /= self.R
        return self.solve(a, b, M)

    def solve(self, a, b, M):
        """Unbalanced EMD of weights ``a``, ``b`` (positive) with costs ``M`` in units of R.

        Exact or an error: POT's network simplex runs with an iteration
        limit of at least ``max_iter`` and ``ITER_PER_NODE`` per node of the
        problem; a run that stops at its limit (POT's result code, the
        ``'warning'`` of ``ot.emd2(..., log=True)``) is repeated with
        ``RETRY_GROWTH`` times the limit, ``RETRIES`` times, and then raises
        a RuntimeError reporting the dual residual.  A non-optimal cost is
        never returned.
        """
        ea = a.sum()
        eb = b.sum()
        if a.size == 0 or b.size == 0:
            return float(abs(ea - eb))
        gap = ea - eb
        if gap > _BALANCE_RTOL * ea:
            b = np.append(b, gap)
            M = np.hstack([M, np.ones((M.shape[0], 1))])
        elif -gap > _BALANCE_RTOL * eb:
            a = np.append(a, -gap)
            M = np.vstack([M, np.ones((1, M.shape[1]))])
        b = b * (a.sum() / b.sum())
        M = np.ascontiguousarray(M, dtype=np.float64)
        limit = max(self.max_iter, ITER_PER_NODE * (a.size + b.size))
        for _ in range(RETRIES + 1):
            _, cost, u, v, code = self._emd_c(a, b, M, limit, 1)
            if code == _OPTIMAL:
                return float(cost)
            if code != _MAX_ITER_REACHED:
                raise RuntimeError(
                    f"POT's network simplex failed: {_MESSAGES.get(code, f'result code {code}')} "
                    f"({a.size} x {b.size} problem)."
                )
            last, limit = limit, limit * RETRY_GROWTH
        # u_i + v_j <= M_ij holds at the optimum; its largest violation measures how far off
        residual = float(np.max(u[:, None] + v[None, :] - M))
        raise RuntimeError(
            f"the exact EMD of a {a.size} x {b.size} transport problem did not reach "
            f"optimality within {last:,} network-simplex iterations (after {RETRIES} "
            f"retries): the cost reached, {float(cost):.12g}, is only an upper bound, and the "
            f"dual residual max(u_i + v_j - M_ij) is {residual:.3g} (in units of R; 0 at the "
            "optimum).  Pass a larger max_iter."
        )


def emd(ev0, ev1, *, R: float = 1.0, positions: ArrayLike | None = None,
        extent: float = 1.6, solver: str = "auto") -> float:
    """Exact energy mover's distance between two events.

    Parameters
    ----------
    ev0, ev1 : (weights, coords) or array-like of shape (n_bins,)
        Two point clouds, ``weights`` of shape ``(n,)`` (non-negative, e.g.
        pT) and ``coords`` of shape ``(n, 2)`` holding ``(y, phi)`` (phi in
        radians, wrapped at ``+-pi``); or two histograms on the same bins
        (by default flattened square images, see :func:`pixel_centers`).
    R : float, default=1.0
        The EMD's angular scale: transport over ``Delta R`` costs
        ``Delta R / R`` per unit energy, destroying or creating energy costs
        1 per unit.  Komiske et al. recommend ``R`` at least half the largest
        distance between particles of a jet for the EMD to be a metric.
    positions : array-like of shape (n_bins, d), default=None
        Bin positions of histograms (default: pixel centres of a square image).
    extent : float, default=1.6
        Half-width of the images when ``positions`` is None.
    solver : {'auto', 'pot', 'wasserstein'}, default='auto'
        Exact solver, see :func:`pairwise_emd`.

    Returns
    -------
    distance : float
        ``sum f_ij d_ij / R + |sum E - sum E'|`` at the optimal flow, in the
        unit of the weights.

    Raises
    ------
    ValueError
        For negative or non-finite weights, mismatched shapes or ``R <= 0``.
    RuntimeError
        If the network simplex does not reach optimality even after its
        iteration limit was raised 100-fold (the message gives the dual
        residual); a non-optimal value is never returned.

    See Also
    --------
    pairwise_emd : Distances between all pairs of two sets of events.

    References
    ----------
    .. [1] P. T. Komiske, E. M. Metodiev, J. Thaler, "Metric Space of
       Collider Events", Phys. Rev. Lett. 123, 041801 (2019), arXiv:1902.02346.

    Examples
    --------
    Two particles of energy 1 at distance 0.5, and ``R = 0.4``:

    >>> from sktopo.transport import emd
    >>> round(emd(([1.0], [[0.0, 0.0]]), ([1.0], [[0.3, 0.4]]), R=0.4), 12)
    1.25

    Unequal energies: the extra 0.5 costs 0.5.

    >>> emd(([1.0], [[0.0, 0.0]]), ([1.5], [[0.0, 0.0]]))
    0.5

    Two 2 x 2 images, one hot pixel each, one pixel apart (pixel 1.0 wide):

    >>> emd([1, 0, 0, 0], [0, 1, 0, 0], extent=1.0)
    1.0
    """
    R = _check_R(R)
    if _is_cloud(ev0) and _is_cloud(ev1):
        A = as_event_set([ev0])
        B = as_event_set([ev1])
    else:
        x0 = np.asarray(ev0, dtype=np.float64)
        x1 = np.asarray(ev1, dtype=np.float64)
        if x0.ndim != 1 or x0.shape != x1.shape:
            raise ValueError(
                "two histograms must be 1-D arrays of the same length (or pass two (weights, "
                f"coords) tuples); got shapes {x0.shape} and {x1.shape}."
            )
        A = as_event_set(x0[None], positions=positions, extent=extent)
        B = as_event_set(x1[None], positions=A.positions)
    return PairKernel(A, B, R, solver=resolve_solver(solver))(0, 0)


def resolve_solver(solver):
    """``'pot'`` or ``'wasserstein'`` for ``solver`` (``'auto'``: the latter if installed)."""
    if solver not in ("auto", "pot", "wasserstein"):
        raise ValueError(f"solver must be 'auto', 'pot' or 'wasserstein', got {solver!r}.")
    if solver == "auto":
        try:
            import_optional("wasserstein", "transport")
        except ImportError:
            return "pot"
        return "wasserstein"
    return solver


def check_max_iter(max_iter):
    if isinstance(max_iter, bool) or not isinstance(max_iter, Integral) or max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer, got {max_iter!r}.")
    return int(max_iter)
