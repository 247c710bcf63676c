"""Loss distributions: histograms of several sets, and loss against distance.

The panels of arXiv:2102.08380 Fig. 3 (right), Fig. 12 (normalised loss
histograms on log axes) and Fig. 11 (left, the loss-versus-distance plot).
"""

from __future__ import annotations

import numpy as np

from sktopo.diagnostics._breaks import _spearman, loss_vs_distance
from sktopo.metrics._scorer import anomaly_score
from sktopo.plotting._style import headroom

__all__ = ["LossDistanceDisplay", "LossHistogramDisplay"]

_WORST_COLOR = "tab:blue"


def _as_errors(errors, name="errors"):
    errors = np.asarray(errors, dtype=float).ravel()
    if errors.size == 0:
        raise ValueError(f"{name} must not be empty.")
    if not np.all(np.isfinite(errors)):
        raise ValueError(f"{name} must be finite.")
    return errors


def _log_bin_edges(errors, bins):
    """``bins + 1`` log-spaced edges spanning the positive losses of all sets."""
    positive = np.concatenate([e[e > 0] for e in errors.values()])
    if positive.size == 0:
        raise ValueError("log-spaced bins need at least one positive loss.")
    lo, hi = positive.min(), positive.max()
    if hi <= lo:
        lo, hi = lo / 2, hi * 2
    return np.geomspace(lo, hi, int(bins) + 1)


class LossHistogramDisplay:
    """Normalised loss histograms of named sets on log-spaced bins and log axes.

    Each set's histogram is the fraction of its events per bin, so sets of
    different sizes compare directly (arXiv:2102.08380, Figs. 3 and 12).
    Losses ``<= 0`` fall outside every log bin and are not counted.

    Parameters
    ----------
    errors : dict of str to ndarray
        Loss of every event, per named set.
    bin_edges : ndarray of shape (n_bins + 1,)
        Increasing, positive bin edges.

    Attributes
    ----------
    fractions : dict of str to ndarray of shape (n_bins,)
        Fraction of each set's events in each bin.
    stairs_ : dict of str to matplotlib StepPatch
        The drawn histograms (after :meth:`plot`).
    ax_ : matplotlib Axes
        The axes drawn on.
    figure_ : matplotlib Figure
        Their figure.

    See Also
    --------
    DalitzPlotDisplay : where in the Dalitz plane the losses are large.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.plotting import LossHistogramDisplay
    >>> rng = np.random.default_rng(0)
    >>> disp = LossHistogramDisplay.from_predictions(
    ...     {"a": rng.lognormal(size=500), "b": rng.lognormal(1.0, size=300)}, bins=20)
    >>> float(round(disp.fractions["a"].sum(), 6))
    1.0
    """

    def __init__(self, *, errors, bin_edges):
        self.errors = {str(k): _as_errors(v, f"errors[{k!r}]") for k, v in errors.items()}
        if not self.errors:
            raise ValueError("errors must name at least one set.")
        edges = np.asarray(bin_edges, dtype=float).ravel()
        if edges.size < 2 or edges[0] <= 0 or np.any(np.diff(edges) <= 0):
            raise ValueError("bin_edges must be at least two increasing positive numbers.")
        self.bin_edges = edges
        self.fractions = {
            name: np.histogram(e, bins=edges)[0] / e.size for name, e in self.errors.items()
        }

    @classmethod
    def from_predictions(cls, errors, *, bins=50, cut=None, ax=None):
        """Histograms of given losses.

        Parameters
        ----------
        errors : dict of str to array-like of shape (n_events,)
            Loss of every event, per named set (the legend's labels).
        bins : int or array-like, default=50
            Number of log-spaced bins spanning the positive losses of all sets,
            or the bin edges.
        cut : float, default=None
            A loss threshold drawn as a dashed line.
        ax : matplotlib Axes, default=None

        Returns
        -------
        display : LossHistogramDisplay
        """
        errors = {str(k): _as_errors(v, f"errors[{k!r}]") for k, v in dict(errors).items()}
        if np.ndim(bins) == 0:
            if isinstance(bins, bool) or int(bins) != bins or bins < 1:
                raise ValueError(f"bins must be a positive int or bin edges; got {bins!r}.")
            edges = _log_bin_edges(errors, bins)
        else:
            edges = bins
        return cls(errors=errors, bin_edges=edges).plot(ax=ax, cut=cut)

    @classmethod
    def from_estimator(cls, estimator, X, *, bins=50, cut=None, ax=None):
        """Histograms of a fitted detector's losses on named sets.

        Parameters
        ----------
        estimator : fitted detector
            Needs ``anomaly_score`` (any sktopo detector) or ``score_samples``.
        X : dict of str to array-like of shape (n_events, n_features)
            The sets, e.g. ``{"sideband test": X_test, "signal": X_signal}``.
        bins, cut, ax
            As in :meth:`from_predictions`.

        Returns
        -------
        display : LossHistogramDisplay
        """
        errors = {name: anomaly_score(estimator, Xs) for name, Xs in dict(X).items()}
        return cls.from_predictions(errors, bins=bins, cut=cut, ax=ax)

    def plot(self, ax=None, *, cut=None):
        """Draw the histograms.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        cut : float, default=None
            A loss threshold drawn as a dashed vertical line.

        Returns
        -------
        self : LossHistogramDisplay
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5.6, 4.2), layout="constrained")
        self.stairs_ = {}
        floor = np.inf
        for name, frac in self.fractions.items():
            n = self.errors[name].size
            # NaN leaves a gap for empty bins instead of a drop to 0 on the log axis
            values = np.where(frac > 0, frac, np.nan)
            self.stairs_[name] = ax.stairs(values, self.bin_edges, lw=1.5, baseline=None,
                                           label=f"{name} (n = {n:,})")
            if np.any(frac > 0):
                floor = min(floor, frac[frac > 0].min())
        if cut is not None:
            ax.axvline(float(cut), color="k", ls="--", lw=1.0, label=f"cut $L = {cut:g}$")
        ax.set_xscale("log")
        ax.set_yscale("log")
        if np.isfinite(floor):
            ax.set_ylim(bottom=floor / 2)
        ax.set_xlabel("loss $L$")
        ax.set_ylabel("fraction of events per bin")
        ax.set_title("Normalised loss distributions", fontsize="medium")
        headroom(ax, share=0.4, log=True)  # room for the legend above the histograms
        ax.legend(fontsize="small", loc="best", framealpha=0.9)
        self.ax_ = ax
        self.figure_ = ax.figure
        return self


class LossDistanceDisplay:
    """Loss against Euclidean distance from the worst-loss event.

    The loss-versus-distance plot of arXiv:2102.08380 (Sec. 5, Figs. 10-11):
    on a manifold with the topology of a sphere the network tears the data at
    a single break point, so the loss falls with the distance from the
    worst event (negative :attr:`spearman`); tearing along a submanifold shows
    no such trend.

    Parameters
    ----------
    distances : ndarray of shape (n_events,)
        Distance of every event from the worst one.
    errors : ndarray of shape (n_events,)
        Loss of every event.

    Attributes
    ----------
    worst_index : int
        Index of the largest loss.
    spearman : float
        Spearman rank correlation of distance and loss
        (:func:`scipy.stats.spearmanr`); NaN if either is constant.
    worst_indices_ : ndarray of int
        The events marked by :meth:`plot`, worst first.
    ax_ : matplotlib Axes
        The axes drawn on.
    figure_ : matplotlib Figure
        Their figure.

    See Also
    --------
    DalitzPlotDisplay : the same losses in the Dalitz plane.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.plotting import LossDistanceDisplay
    >>> X = np.linspace(0.0, 1.0, 50)[:, None]
    >>> disp = LossDistanceDisplay.from_predictions(X, np.exp(-5 * X[:, 0]))
    >>> disp.worst_index, float(round(disp.spearman, 6))
    (0, -1.0)
    """

    def __init__(self, *, distances, errors):
        self.distances = _as_errors(distances, "distances")
        self.errors = _as_errors(errors)
        if self.distances.shape != self.errors.shape:
            raise ValueError(
                f"distances has {self.distances.size} entries, errors {self.errors.size}."
            )
        self.worst_index = int(np.argmax(self.errors))
        self.spearman = _spearman(self.distances, self.errors)

    @classmethod
    def from_predictions(cls, X, errors, *, n_worst=10, ax=None):
        """Loss against distance from the worst event, from given losses.

        Parameters
        ----------
        X : array-like of shape (n_events, n_features)
            The events (distances are Euclidean in this space).
        errors : array-like of shape (n_events,)
            Their losses.
        n_worst : int, default=10
            Worst events highlighted in blue.
        ax : matplotlib Axes, default=None

        Returns
        -------
        display : LossDistanceDisplay
        """
        result = loss_vs_distance(X, errors)
        return cls(distances=result.distance, errors=result.error).plot(ax=ax, n_worst=n_worst)

    @classmethod
    def from_estimator(cls, estimator, X, *, n_worst=10, ax=None):
        """Loss against distance from the worst event for a fitted detector.

        Parameters
        ----------
        estimator : fitted detector
            Needs ``anomaly_score`` (any sktopo detector) or ``score_samples``.
        X : array-like of shape (n_events, n_features)
        n_worst, ax
            As in :meth:`from_predictions`.

        Returns
        -------
        display : LossDistanceDisplay
        """
        return cls.from_predictions(X, anomaly_score(estimator, X), n_worst=n_worst,
                                    ax=ax)

    def plot(self, ax=None, *, n_worst=10, marker_size=3.0):
        """Scatter the loss (log axis) against the distance.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        n_worst : int, default=10
            Worst events highlighted in blue.
        marker_size : float, default=3.0
            Marker area.

        Returns
        -------
        self : LossDistanceDisplay
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5.6, 4.2), layout="constrained")
        positive = self.errors > 0
        ax.scatter(self.distances[positive], self.errors[positive], s=marker_size, color="k",
                   linewidths=0, rasterized=True)
        self.worst_indices_ = np.argsort(-self.errors, kind="stable")[: max(int(n_worst), 0)]
        worst = self.worst_indices_[self.errors[self.worst_indices_] > 0]
        if worst.size:
            ax.scatter(self.distances[worst], self.errors[worst], s=20, color=_WORST_COLOR,
                       edgecolors="k", linewidths=0.4, zorder=3,
                       label=f"{worst.size} worst events")
            ax.legend(fontsize="small", loc="upper right", framealpha=0.9)
        ax.set_yscale("log")
        headroom(ax, log=True)  # the legend's corner stays above the points
        ax.set_xlabel("Euclidean distance from the worst event")
        ax.set_ylabel("loss $L$")
        ax.set_title(f"Loss vs distance (Spearman $\\rho$ = {self.spearman:.2f})",
                     fontsize="medium")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self
