"""Dalitz-plane display of a detector on three-body events (arXiv:2102.08380, Figs. 2, 3, 11)."""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

from sktopo.metrics._scorer import anomaly_score
from sktopo.physics import dalitz_boundaries, invariant_mass_squared

__all__ = ["DalitzPlotDisplay"]

_SHOW = ("predictions", "data")
_DATA_COLOR = "tab:blue"
_PRED_COLOR = "tab:red"
_N_BOUNDARY = 401  # points per branch of the kinematic boundary


def _check_particles(pair, other, n_particles):
    """Validate ``pair`` and ``other`` as distinct 0-based particle indices."""
    a, b = (int(i) for i in pair)
    c = int(other)
    if len({a, b, c}) != 3 or min(a, b, c) < 0 or max(a, b, c) >= n_particles:
        raise ValueError(
            f"pair and other must be three distinct 0-based particle indices in "
            f"[0, {n_particles - 1}]; got pair={tuple(pair)!r}, other={other!r}."
        )
    return (a, b), c


def _check_events(X, name="X"):
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] % 4 or X.shape[1] < 12:
        raise ValueError(f"{name} must have shape (n_events, 4 * n_particles) with "
                         f"n_particles >= 3; got shape {X.shape}.")
    return X


def dalitz_coordinates(X, pair=(0, 1), other=2):
    """``(s_ab, s_ac)`` of events (also off-shell ones), ``pair = (a, b)``, ``other = c``."""
    (a, b), c = pair, other
    return np.column_stack([invariant_mass_squared(X, (a, b)), invariant_mass_squared(X, (a, c))])


def _s_label(i, j):
    """``$s_{12}$`` for the 0-based pair ``(1, 0)`` (1-based, ascending)."""
    i, j = sorted((i + 1, j + 1))
    sep = "," if j >= 10 else ""
    return f"$s_{{{i}{sep}{j}}}$"


def _kinematics_from_data(X, particles):
    """Median total energy and masses of ``particles`` in the events ``X``.

    Medians are robust against smearing; masses below ``1e-6 sqrt_s`` are 0.
    """
    n_particles = X.shape[1] // 4
    sqrt_s = float(np.sqrt(max(np.median(invariant_mass_squared(X, range(n_particles))), 0.0)))
    masses = []
    for i in particles:
        m = float(np.sqrt(max(np.median(invariant_mass_squared(X, (i,))), 0.0)))
        masses.append(m if m > 1e-6 * sqrt_s else 0.0)
    return sqrt_s, masses


def dalitz_boundary_curve(sqrt_s, masses):
    """Closed outline of the Dalitz region in the ``(s_ab, s_ac)`` plane.

    Parameters
    ----------
    sqrt_s : float
        Total energy of the three-body system.
    masses : sequence of 3 floats
        ``(m_a, m_b, m_c)``; all zero gives the triangle ``s_ab + s_ac <= s``.

    Returns
    -------
    outline : ndarray of shape (2 * 401 + 1, 2)
        The lower branch left to right, the upper one back, closed.
    """
    m_a, m_b, m_c = (float(m) for m in masses)
    x_lo, x_hi = (m_a + m_b) ** 2, (sqrt_s - m_c) ** 2
    x = np.linspace(x_lo, x_hi, _N_BOUNDARY)
    x[0] = max(x_lo, 1e-12 * x_hi)  # s_ab = 0 is the massless corner; stay just inside
    # s_ab is s_12 and s_ac is s_23 of dalitz_boundaries with particles (b, a, c).
    lo, hi = dalitz_boundaries(x, sqrt_s, (m_b, m_a, m_c))
    outline = np.column_stack([np.r_[x, x[::-1]], np.r_[lo, hi[::-1]]])
    return np.vstack([outline, outline[:1]])


class DalitzPlotDisplay:
    """A detector's view of three-body events in the Dalitz plane.

    Draws the Dalitz plot ``s_ab`` (x) against ``s_ac`` (y) of the data or of
    the model's reconstructions, coloured by loss on a log scale, inside the
    kinematic boundary; optionally an excised window in ``s_ab`` (shaded, its
    edges in black), a random fraction of the points only (the paper shows
    5 %), and the ``n_worst`` worst-loss events (blue) with arrows to their
    reconstructions (red), as in arXiv:2102.08380, Figs. 2, 3 and 11.

    The reconstructions' coordinates use the same kernel,
    :func:`~sktopo.physics.invariant_mass_squared`, as the data's; the
    reconstructed four-vectors are off-shell, so their points may leave the
    physical region.

    Build it with :meth:`from_estimator` or :meth:`from_predictions`;
    :meth:`plot` draws it.

    Parameters
    ----------
    s_data : ndarray of shape (n_events, 2)
        ``(s_ab, s_ac)`` of the events.
    s_pred : ndarray of shape (n_events, 2) or None
        ``(s_ab, s_ac)`` of the reconstructions (None: data only, no arrows).
    errors : ndarray of shape (n_events,)
        Loss of every event.
    pair : (int, int), default=(0, 1)
        0-based particles ``(a, b)`` of the x axis.
    other : int, default=2
        The third particle ``c``; the y axis is ``s_ac``.
    window : (float, float) or None, default=None
        Excised interval of ``s_ab`` (absolute units), drawn shaded.
    sqrt_s : float, default=1.0
        Total energy, for the boundary.
    masses : sequence of 3 floats, default=(0, 0, 0)
        ``(m_a, m_b, m_c)``, for the boundary.

    Attributes
    ----------
    boundary : ndarray of shape (n_points, 2)
        Closed outline of the physical region.
    worst_order : ndarray of shape (n_events,)
        Event indices by decreasing loss.
    worst_indices_ : ndarray of int
        The ``n_worst`` events marked by :meth:`plot`, worst first.
    shown_indices_ : ndarray of int
        The events drawn in the coloured cloud.
    arrows_ : list of matplotlib Annotation
        One arrow per worst event (empty without reconstructions).
    scatter_ : matplotlib PathCollection or None
        The coloured cloud.
    colorbar_ : matplotlib Colorbar or None
        Its colour bar.
    ax_ : matplotlib Axes
        The axes drawn on.
    figure_ : matplotlib Figure
        Their figure.

    See Also
    --------
    LossHistogramDisplay : the loss distributions of several sets.
    LossDistanceDisplay : loss against distance from the worst event.
    sktopo.physics.DalitzFeatures : the same invariants as features.

    References
    ----------
    .. [1] J. Batson, C. G. Haaf, Y. Kahn, D. A. Roberts, "Topological
       Obstructions to Autoencoding", arXiv:2102.08380, Secs. 3 and 7.

    Examples
    --------
    >>> from sktopo.physics import PhaseSpaceSampler
    >>> from sktopo.plotting import DalitzPlotDisplay
    >>> X = PhaseSpaceSampler(random_state=0).fit().sample(200)
    >>> X_hat = X + 0.01
    >>> disp = DalitzPlotDisplay.from_predictions(X, X_hat, n_worst=3)
    >>> len(disp.arrows_)
    3
    """

    def __init__(self, *, s_data, s_pred=None, errors, pair=(0, 1), other=2, window=None,
                 sqrt_s=1.0, masses=(0.0, 0.0, 0.0)):
        self.s_data = np.asarray(s_data, dtype=float)
        self.s_pred = None if s_pred is None else np.asarray(s_pred, dtype=float)
        self.errors = np.asarray(errors, dtype=float).ravel()
        n = self.s_data.shape[0]
        if (self.s_data.shape != (n, 2) or self.errors.shape != (n,)
                or (self.s_pred is not None and self.s_pred.shape != (n, 2))):
            raise ValueError("s_data and s_pred must have shape (n_events, 2) and errors "
                             "shape (n_events,).")
        self.pair = tuple(int(i) for i in pair)
        self.other = int(other)
        self.window = None if window is None else tuple(float(w) for w in window)
        self.sqrt_s = float(sqrt_s)
        self.masses = tuple(float(m) for m in masses)
        self.boundary = dalitz_boundary_curve(self.sqrt_s, self.masses)
        self.worst_order = np.argsort(-self.errors, kind="stable")

    @classmethod
    def from_predictions(cls, X, X_pred, *, errors=None, pair=(0, 1), other=2, window=None,
                         sqrt_s=None, masses=None, show="predictions", n_worst=10,
                         subsample=1.0, random_state=0, ax=None):
        """Dalitz plot of events and their reconstructions.

        Parameters
        ----------
        X : array-like of shape (n_events, 4 * n_particles)
            Events ``(E, px, py, pz)`` per particle, ``n_particles >= 3``.
        X_pred : array-like of the same shape
            Their reconstructions.
        errors : array-like of shape (n_events,), default=None
            Loss per event; None computes ``sum((X - X_pred) ** 2, axis=1)``.
        pair, other, window
            See the class.
        sqrt_s, masses : float and sequence of 3 floats, default=None
            For the boundary; None takes the medians of the total invariant
            mass and of the particles' masses in ``X``.
        show, n_worst, subsample, random_state
            See :meth:`plot`.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.

        Returns
        -------
        display : DalitzPlotDisplay
        """
        X = _check_events(X, "X")
        X_pred = _check_events(X_pred, "X_pred")
        if X_pred.shape != X.shape:
            raise ValueError(f"X_pred has shape {X_pred.shape}; X has {X.shape}.")
        pair, other = _check_particles(pair, other, X.shape[1] // 4)
        if errors is None:
            errors = np.sum((X - X_pred) ** 2, axis=1)
        inferred_sqrt_s, inferred_masses = _kinematics_from_data(X, (*pair, other))
        display = cls(
            s_data=dalitz_coordinates(X, pair, other), errors=errors, pair=pair, other=other,
            s_pred=dalitz_coordinates(X_pred, pair, other), window=window,
            sqrt_s=inferred_sqrt_s if sqrt_s is None else sqrt_s,
            masses=inferred_masses if masses is None else masses,
        )
        return display.plot(ax=ax, show=show, n_worst=n_worst, subsample=subsample,
                            random_state=random_state)

    @classmethod
    def from_estimator(cls, estimator, X, *, pair=(0, 1), other=2, window=None, sqrt_s=None,
                       masses=None, show="predictions", n_worst=10, subsample=1.0,
                       random_state=0, ax=None):
        """Dalitz plot of a fitted detector's reconstructions of ``X``.

        Parameters
        ----------
        estimator : fitted detector
            Needs ``reconstruct`` and an anomaly score, e.g. a fitted
            :class:`~sktopo.AutoencoderDetector`.
        X : array-like of shape (n_events, 4 * n_particles)
            Events, ``n_particles >= 3``.
        pair, other, window, sqrt_s, masses, show, n_worst, subsample, random_state, ax
            As in :meth:`from_predictions`.

        Returns
        -------
        display : DalitzPlotDisplay
        """
        X = _check_events(X, "X")
        return cls.from_predictions(
            X, estimator.reconstruct(X), errors=anomaly_score(estimator, X), pair=pair,
            other=other, window=window, sqrt_s=sqrt_s, masses=masses, show=show,
            n_worst=n_worst, subsample=subsample, random_state=random_state, ax=ax,
        )

    def _subsample(self, subsample, random_state):
        n_events = self.errors.shape[0]
        if not 0.0 <= subsample <= 1.0:
            raise ValueError(f"subsample must lie in [0, 1]; got {subsample!r}.")
        n_shown = int(round(subsample * n_events))
        if n_shown == n_events:
            shown = np.arange(n_events)
        else:
            shown = check_random_state(random_state).choice(n_events, n_shown, replace=False)
        return shown[np.argsort(self.errors[shown], kind="stable")]  # worst drawn on top

    def _limits(self, cloud, marked):
        """Axis limits holding the boundary, the central 99 % of ``cloud`` and ``marked``."""
        parts = [self.boundary, marked]
        if len(cloud):
            parts.append(np.nanpercentile(cloud, [0.5, 99.5], axis=0))
        box = np.vstack(parts)
        lo, hi = np.nanmin(box, axis=0), np.nanmax(box, axis=0)
        return lo - 0.04 * (hi - lo), hi + 0.04 * (hi - lo)

    def plot(self, ax=None, *, show="predictions", n_worst=10, subsample=1.0, random_state=0,
             cmap="viridis", colorbar=True, marker_size=4.0):
        """Draw the Dalitz plot.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        show : {'predictions', 'data'}, default='predictions'
            Where the coloured cloud is drawn: at the reconstructions' or at
            the events' Dalitz coordinates.
        n_worst : int, default=10
            Worst-loss events drawn in blue at their true coordinates, with
            red arrows to their reconstructions; 0 for none.
        subsample : float in [0, 1], default=1.0
            Fraction of the events in the coloured cloud (``0.05`` as in the
            paper; ``0`` for no cloud).
        random_state : int, RandomState instance or None, default=0
            Draws the subsample.
        cmap : str, default='viridis'
            Colour map of the loss.
        colorbar : bool, default=True
            Add a colour bar (only when a cloud is drawn).
        marker_size : float, default=4.0
            Marker area of the cloud.

        Returns
        -------
        self : DalitzPlotDisplay
        """
        import matplotlib.pyplot as plt
        from matplotlib.colors import LogNorm

        if show not in _SHOW:
            raise ValueError(f"show must be one of {_SHOW}; got {show!r}.")
        if show == "predictions" and self.s_pred is None:
            raise ValueError("show='predictions' needs the reconstructions (s_pred).")
        if ax is None:
            _, ax = plt.subplots(figsize=(5.6, 4.8), layout="constrained")
        cloud = self.s_pred if show == "predictions" else self.s_data
        self.shown_indices_ = self._subsample(float(subsample), random_state)
        self.worst_indices_ = self.worst_order[: max(int(n_worst), 0)]

        self._draw_region(ax)
        self.scatter_ = self.colorbar_ = None
        if self.shown_indices_.size:
            positive = self.errors[self.errors > 0]
            vmin = positive.min() if positive.size else 1e-12
            norm = LogNorm(vmin=vmin, vmax=max(self.errors.max(), vmin * 10))
            pts = cloud[self.shown_indices_]
            self.scatter_ = ax.scatter(
                pts[:, 0], pts[:, 1], c=np.maximum(self.errors[self.shown_indices_], vmin),
                s=marker_size, cmap=cmap, norm=norm, linewidths=0, rasterized=True,
            )
            if colorbar:
                self.colorbar_ = ax.figure.colorbar(self.scatter_, ax=ax, label="loss $L$")
        self.arrows_ = self._draw_worst(ax)

        marked = [self.s_data[self.worst_indices_]]
        if self.s_pred is not None:
            marked.append(self.s_pred[self.worst_indices_])
        lo, hi = self._limits(cloud[self.shown_indices_], np.vstack(marked))
        (a, b), c = self.pair, self.other
        ax.set(xlim=(lo[0], hi[0]), ylim=(lo[1], hi[1]), xlabel=_s_label(a, b),
               ylabel=_s_label(a, c))
        ax.set_title(self._title(show), fontsize="medium")
        if self.worst_indices_.size or self.window is not None:
            ax.legend(fontsize="small", loc="upper right")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    def _title(self, show):
        n_shown, n = self.shown_indices_.size, self.errors.size
        if not n_shown:
            return f"The {self.worst_indices_.size} worst events and their reconstructions"
        what = "Reconstructions" if show == "predictions" else "Events"
        return f"{what}, coloured by loss" + (
            f" ({100 * n_shown / n:.3g}% shown)" if n_shown < n else "")

    def _draw_region(self, ax):
        """The kinematic boundary and, if any, the excised window."""
        self.boundary_ = ax.plot(self.boundary[:, 0], self.boundary[:, 1], color="k", lw=1.0,
                                 zorder=0.9)[0]
        if self.window is None:
            return
        x_b = self.boundary[:, 0]
        lo_w, hi_w = max(self.window[0], x_b.min()), min(self.window[1], x_b.max())
        half = (len(self.boundary) - 1) // 2
        xs = np.linspace(lo_w, hi_w, 50)
        lower = np.interp(xs, x_b[:half], self.boundary[:half, 1])
        upper = np.interp(xs, x_b[:half], self.boundary[half:-1, 1][::-1])
        ax.fill_between(xs, lower, upper, color="0.5", alpha=0.25, lw=0, zorder=0.8,
                        label="excised window")
        ax.vlines([xs[0], xs[-1]], [lower[0], lower[-1]], [upper[0], upper[-1]], color="k",
                  lw=1.0, zorder=0.9)

    def _draw_worst(self, ax):
        """Blue worst events, red arrows to their reconstructions."""
        idx = self.worst_indices_
        if not idx.size:
            return []
        start = self.s_data[idx]
        ax.scatter(start[:, 0], start[:, 1], s=22, color=_DATA_COLOR, edgecolors="k",
                   linewidths=0.4, zorder=3, label=f"{idx.size} worst events")
        if self.s_pred is None:
            return []
        end = self.s_pred[idx]
        ax.scatter(end[:, 0], end[:, 1], s=12, color=_PRED_COLOR, zorder=3,
                   label="their reconstructions")
        return [
            ax.annotate("", xy=tuple(e), xytext=tuple(s0), zorder=3,
                        arrowprops=dict(arrowstyle="-|>", color=_PRED_COLOR, lw=0.9,
                                        shrinkA=0, shrinkB=0))
            for s0, e in zip(start, end)
        ]
