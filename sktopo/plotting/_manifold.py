"""Displays of autoencoders on two-dimensional manifolds (arXiv:2102.08380, Figs. 6-9).

Besides their own attributes, ``SphereLossDisplay``, ``ManifoldFitDisplay`` and
``LossProfileDisplay`` all have ``errors`` (the losses),
``worst_index`` (index of the largest loss), ``worst_to_median`` (largest over
median loss; ``inf`` for a zero median), and after :meth:`plot`
``worst_indices_`` (the ``n_worst`` points marked, worst first), ``ax_`` and
``figure_``.
"""

import numpy as np

from sktopo.metrics._scorer import anomaly_score
from sktopo.plotting._histograms import _as_errors
from sktopo.plotting._style import headroom

__all__ = ["LossProfileDisplay", "ManifoldFitDisplay", "SphereLossDisplay", "longitude_latitude"]

_WORST_COLOR = "tab:red"
_MODEL_COLOR = "tab:blue"
_EXCISED_COLOR = "tab:green"


def longitude_latitude(X):
    """``(longitude, latitude)`` in radians of the directions of ``X``, shape ``(n_samples, 3)``.

    The longitude is the azimuth ``atan2(y, x)`` in ``(-pi, pi]``, the latitude
    ``pi/2 - theta = atan2(z, sqrt(x^2 + y^2))`` in ``[-pi/2, pi/2]``, with
    ``theta`` the polar angle from ``+z``: the coordinates of matplotlib's
    ``'mollweide'`` axes.  Points off the unit sphere (reconstructions) are
    taken along their direction; the origin maps to ``(0, 0)``.
    """
    X = _points(X, "X", (3,))
    return np.arctan2(X[:, 1], X[:, 0]), np.arctan2(X[:, 2], np.hypot(X[:, 0], X[:, 1]))


def _points(X, name, n_features, like=None):
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] not in n_features:
        raise ValueError(f"{name} must have shape (n_samples, n_features), n_features in "
                         f"{n_features}; got {X.shape}.")
    if like is not None and X.shape != like.shape:
        raise ValueError(f"{name} has shape {X.shape}, X {like.shape}.")
    return X


def _log_colors(errors):
    """Colour values and a LogNorm for ``errors``; zeros are raised to the smallest positive."""
    from matplotlib.colors import LogNorm

    positive = errors[errors > 0]
    lo = positive.min() if positive.size else 1e-12
    hi = positive.max() if positive.size else 1.0
    return np.maximum(errors, lo), LogNorm(vmin=lo, vmax=hi if hi > lo else 10 * lo)


def _tidy_3d_axes(ax, box_aspect=(1, 1, 1), *, nbins=2):
    """Readable 3-D axes: a few small tick labels, tight label pads, the box filling the axes.

    Matplotlib's defaults put up to nine crowded labels on each axis of a
    small 3-D panel, where they overlap, and draw the box well inside the
    axes, leaving a gap under the title.
    """
    from matplotlib.ticker import MaxNLocator

    for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
        axis.set_major_locator(MaxNLocator(nbins=nbins, steps=[1, 2, 5, 10]))
        axis.labelpad = -2
    ax.tick_params(labelsize="x-small", pad=0)
    ax.set_box_aspect(box_aspect, zoom=0.95)


class _LossDisplay:
    """Shared by the displays below: validated ``errors`` and the worst-loss statistics."""

    def _set_errors(self, errors, n_samples):
        self.errors = _as_errors(errors)
        if self.errors.size != n_samples:
            raise ValueError(f"errors has {self.errors.size} entries for {n_samples} points.")
        self.worst_index = int(np.argmax(self.errors))
        with np.errstate(divide="ignore", invalid="ignore"):  # x/0 -> inf, 0/0 -> nan
            self.worst_to_median = float(self.errors.max() / np.median(self.errors))

    def _set_worst(self, n_worst):
        """Indices of the ``n_worst`` largest errors, largest first (ties: lower index first)."""
        self.worst_indices_ = np.argsort(-self.errors, kind="stable")[: max(int(n_worst), 0)]
        return self.worst_indices_

    def _finish(self, ax, title, legend_loc, colorbar=None):
        """Colour bar, title and legend; ``legend_loc='below'`` puts the legend under the axes."""
        if colorbar is not None:
            ax.figure.colorbar(colorbar, ax=ax, shrink=0.7, label="loss")
        ax.set_title(title, fontsize="medium")
        if legend_loc == "below":  # off the picture: 3-D views and maps have no empty corner
            from matplotlib.transforms import ScaledTranslation

            # below the tick labels and the x label of ordinary axes (inches); 3-D views and
            # maps draw theirs inside the axes
            drop = 0.05 if ax.name in ("3d", "mollweide") else 0.42
            ax.legend(fontsize="x-small", loc="upper center", bbox_to_anchor=(0.5, 0.0),
                      bbox_transform=ax.transAxes + ScaledTranslation(
                          0.0, -drop, ax.figure.dpi_scale_trans),
                      ncols=3, markerscale=2.0)
        else:
            ax.legend(fontsize="x-small", loc=legend_loc, markerscale=2.0, framealpha=0.9)
        self.ax_, self.figure_ = ax, ax.figure
        return self


class SphereLossDisplay(_LossDisplay):
    """Losses on ``S^2`` in a Mollweide projection, the worst points marked.

    The centre panel of Figs. 6-7 of arXiv:2102.08380: every test point is
    drawn at its (longitude, latitude), coloured by its loss (log scale); the
    model's outputs, projected radially onto the sphere, can be overlaid in
    blue, so that the hole the network tears into the sphere shows as a
    region without blue points.

    Parameters
    ----------
    X : ndarray of shape (n_samples, 3)
        Points on (or near) the unit sphere.
    errors : ndarray of shape (n_samples,)
        Their losses.
    X_model : ndarray of shape (n_samples, 3), default=None
        The model's outputs, drawn along their directions.

    Attributes
    ----------
    longitude, latitude : ndarray of shape (n_samples,)
        See :func:`longitude_latitude`.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.plotting._manifold import SphereLossDisplay
    >>> X = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])
    >>> disp = SphereLossDisplay.from_predictions(X, [1e-3, 1.0, 1e-2], n_worst=1)
    >>> disp.worst_index, float(disp.latitude[1]), float(disp.longitude[2])
    (1, 1.5707963267948966, -1.5707963267948966)
    """

    def __init__(self, *, X, errors, X_model=None):
        self.X = _points(X, "X", (3,))
        self._set_errors(errors, self.X.shape[0])
        self.X_model = None if X_model is None else _points(X_model, "X_model", (3,), self.X)
        self.longitude, self.latitude = longitude_latitude(self.X)

    @classmethod
    def from_predictions(cls, X, errors, *, X_model=None, n_worst=10, excised_band=None,
                         ax=None):
        """Mollweide map of given losses.

        Parameters
        ----------
        X, errors, X_model : array-like
            As in the class parameters (``X_model`` drawn in blue).
        n_worst : int, default=10
            Worst points circled in black.
        excised_band : float, default=None
            Half-width ``h`` of a band ``|z| < h`` absent from training, drawn
            as two green lines at latitude ``+-arcsin(h)``.
        ax : matplotlib Axes with ``projection='mollweide'``, default=None

        Returns
        -------
        display : SphereLossDisplay
        """
        return cls(X=X, errors=errors, X_model=X_model).plot(
            ax=ax, n_worst=n_worst, excised_band=excised_band)

    @classmethod
    def from_estimator(cls, estimator, X, *, ax=None, n_worst=10, excised_band=None,
                       show_model=True):
        """:meth:`from_predictions` with a fitted detector's losses (and outputs) on ``X``."""
        X_model = estimator.reconstruct(X) if show_model else None
        return cls.from_predictions(X, anomaly_score(estimator, X), X_model=X_model,
                                    n_worst=n_worst, excised_band=excised_band, ax=ax)

    def plot(self, ax=None, *, n_worst=10, excised_band=None, marker_size=5.0):
        """Draw the map (parameters as in :meth:`from_predictions`); returns ``self``."""
        import matplotlib.pyplot as plt

        if ax is None:
            ax = plt.figure(figsize=(7.5, 4.4), layout="constrained").add_subplot(
                projection="mollweide")
        if ax.name != "mollweide":
            raise ValueError(f"ax must use projection='mollweide'; got {ax.name!r}.")
        colors, norm = _log_colors(self.errors)
        sc = ax.scatter(self.longitude, self.latitude, c=colors, norm=norm, s=marker_size,
                        cmap="YlOrRd", linewidths=0, rasterized=True)  # contrasts with blue
        if self.X_model is not None:  # on top: where the model puts nothing, a hole shows
            ax.scatter(*longitude_latitude(self.X_model), s=1.5, color=_MODEL_COLOR, alpha=0.9,
                       linewidths=0, rasterized=True, label="model output (direction)")
        worst = self._set_worst(n_worst)
        if worst.size:
            ax.scatter(self.longitude[worst], self.latitude[worst], s=40, facecolors="none",
                       edgecolors="k", linewidths=1.2, label=f"{worst.size} worst")
        if excised_band is not None:  # its two edges as one line, split by a NaN
            lon = np.r_[np.linspace(-np.pi, np.pi, 181), np.nan, np.linspace(np.pi, -np.pi, 181)]
            lat = np.arcsin(excised_band) * np.r_[np.ones(181), np.nan, -np.ones(181)]
            ax.plot(lon, lat, lw=1.2, color=_EXCISED_COLOR, label=f"|z| < {excised_band:g} excised")
        ax.grid(True, lw=0.4)
        ax.tick_params(labelsize="x-small")
        return self._finish(ax, f"Loss on the sphere (worst/median = "
                                f"{self.worst_to_median:.3g})", "below", sc)


class ManifoldFitDisplay(_LossDisplay):
    """The model's output against the data, coloured by loss.

    The left panels of Figs. 6-9 of arXiv:2102.08380: the data (grey) and the
    model's output for every point, coloured by that point's loss (log
    scale).  Surfaces in ``R^3`` are drawn on 3-D axes, curves in ``R^2`` on
    ordinary axes.  Red lines join the worst points to their outputs.

    Parameters
    ----------
    X : ndarray of shape (n_samples, 2 or 3)
        The data.
    X_model : ndarray of shape (n_samples, 2 or 3)
        The model's outputs.
    errors : ndarray of shape (n_samples,), default=None
        Losses; by default the squared distances ``||X_model - X||^2``.

    Attributes
    ----------
    n_features : int
        2 or 3 (3-D axes when 3).

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.plotting._manifold import ManifoldFitDisplay
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    >>> disp = ManifoldFitDisplay.from_predictions(X, 0.9 * X, n_worst=1)
    >>> disp.errors.round(6).tolist()
    [0.01, 0.01, 0.01]
    """

    def __init__(self, *, X, X_model, errors=None):
        self.X = _points(X, "X", (2, 3))
        self.X_model = _points(X_model, "X_model", (2, 3), self.X)
        self.n_features = self.X.shape[1]
        if errors is None:
            errors = np.sum((self.X_model - self.X) ** 2, axis=1)
        self._set_errors(errors, self.X.shape[0])

    @classmethod
    def from_predictions(cls, X, X_model, *, errors=None, n_worst=10, elev=None, azim=None,
                         ax=None):
        """Draw given model outputs against the data.

        Parameters
        ----------
        X, X_model, errors : array-like
            As in the class parameters.
        n_worst : int, default=10
            Worst points joined to their outputs in red.
        elev, azim : float, default=None
            Viewing angles of the 3-D axes (degrees; ignored in 2-D).
        ax : matplotlib Axes, default=None
            3-D axes (``projection='3d'``) for 3 features.

        Returns
        -------
        display : ManifoldFitDisplay
        """
        return cls(X=X, X_model=X_model, errors=errors).plot(
            ax=ax, n_worst=n_worst, elev=elev, azim=azim)

    @classmethod
    def from_estimator(cls, estimator, X, *, n_worst=10, elev=None, azim=None, ax=None):
        """:meth:`from_predictions` with a fitted detector's outputs and losses on ``X``."""
        return cls.from_predictions(X, estimator.reconstruct(X),
                                    errors=anomaly_score(estimator, X), n_worst=n_worst,
                                    elev=elev, azim=azim, ax=ax)

    def plot(self, ax=None, *, n_worst=10, elev=None, azim=None, marker_size=3.0):
        """Draw data and outputs (parameters as in :meth:`from_predictions`); returns ``self``."""
        import matplotlib.pyplot as plt

        three_d = self.n_features == 3
        if ax is None:
            ax = plt.figure(figsize=(5.6, 5.0), layout="constrained").add_subplot(
                projection="3d" if three_d else None)
        if three_d != (ax.name == "3d"):
            raise ValueError(f"{self.n_features} features need "
                             f"{'3-D' if three_d else '2-D'} axes; got {ax.name!r}.")
        ax.scatter(*self.X.T, s=marker_size, color="0.7", alpha=0.35, linewidths=0,
                   label="data", rasterized=True)
        colors, norm = _log_colors(self.errors)
        sc = ax.scatter(*self.X_model.T, c=colors, norm=norm, cmap="viridis", s=marker_size,
                        linewidths=0, label="model output", rasterized=True)
        worst = self._set_worst(n_worst)
        for k, i in enumerate(worst):
            ax.plot(*np.stack([self.X[i], self.X_model[i]], axis=1), color=_WORST_COLOR, lw=0.9,
                    label=f"{worst.size} worst: data to output" if k == 0 else None)
        if worst.size:
            ax.scatter(*self.X[worst].T, s=14, color=_WORST_COLOR, linewidths=0)
        ax.set(**{f"{a}label": f"${a}$" for a in "xyz"[: self.n_features]})
        if three_d:
            extent = np.ptp(np.vstack([self.X, self.X_model]), axis=0)
            _tidy_3d_axes(ax, np.maximum(extent, 1e-9))
            ax.view_init(elev=elev, azim=azim)
        else:
            ax.set_aspect("equal")
        return self._finish(ax, f"Model vs data (worst/median = {self.worst_to_median:.3g})",
                            "below", sc)  # data and model fill the view: no free corner


class LossProfileDisplay(_LossDisplay):
    """The loss against one intrinsic coordinate, with binned median and maximum.

    The right panel of Fig. 9 of arXiv:2102.08380 (loss against height on the
    double cone); equally the loss against the radius on the paraboloid or the
    longitude along a band of the sphere.  The loss axis is logarithmic.

    Parameters
    ----------
    coordinate : ndarray of shape (n_samples,)
        The coordinate of every point.
    errors : ndarray of shape (n_samples,)
        Their losses.
    bin_edges : ndarray of shape (n_bins + 1,)
        Increasing edges of the coordinate bins (the last bin includes its
        upper edge); points outside are not binned.

    Attributes
    ----------
    bin_centers, bin_counts : ndarray of shape (n_bins,)
        Centre of each bin and the points in it.
    bin_median, bin_max : ndarray of shape (n_bins,)
        Median and largest loss in each bin (NaN for empty bins).
    worst_coordinate : float
        Coordinate of the largest loss.

    Examples
    --------
    >>> from sktopo.plotting._manifold import LossProfileDisplay
    >>> disp = LossProfileDisplay.from_predictions(
    ...     [-0.9, -0.1, 0.1, 0.9], [2.0, 1.0, 8.0, 4.0], bins=[-1, 0, 1], xlabel="$z$")
    >>> disp.bin_median.tolist(), disp.bin_max.tolist(), disp.worst_coordinate
    ([1.5, 6.0], [2.0, 8.0], 0.1)
    """

    def __init__(self, *, coordinate, errors, bin_edges):
        from scipy.stats import binned_statistic

        self.coordinate = _as_errors(coordinate, "coordinate")
        self._set_errors(errors, self.coordinate.size)
        edges = np.asarray(bin_edges, dtype=float).ravel()
        if edges.size < 2 or np.any(np.diff(edges) <= 0):
            raise ValueError("bin_edges must be at least two increasing numbers.")
        self.bin_edges, self.bin_centers = edges, 0.5 * (edges[1:] + edges[:-1])
        self.bin_counts, self.bin_median, self.bin_max = (
            binned_statistic(self.coordinate, self.errors, statistic=s, bins=edges).statistic
            for s in ("count", "median", "max"))
        self.bin_counts = self.bin_counts.astype(int)
        self.worst_coordinate = float(self.coordinate[self.worst_index])

    @classmethod
    def from_predictions(cls, coordinate, errors, *, bins=20, xlabel="coordinate",
                         excised=(), n_worst=10, ax=None):
        """Loss profile of given losses.

        Parameters
        ----------
        coordinate, errors : array-like of shape (n_samples,)
        bins : int or array-like, default=20
            Number of equal-width bins over the coordinate's range, or the edges.
        xlabel : str, default='coordinate'
        excised : sequence of (low, high), default=()
            Coordinate intervals absent from training, shaded green.
        n_worst : int, default=10
            Worst points marked in red.
        ax : matplotlib Axes, default=None

        Returns
        -------
        display : LossProfileDisplay
        """
        coordinate = _as_errors(coordinate, "coordinate")
        if np.ndim(bins) == 0:
            if isinstance(bins, bool) or int(bins) != bins or bins < 1:
                raise ValueError(f"bins must be a positive int or bin edges; got {bins!r}.")
            bins = np.histogram_bin_edges(coordinate, bins=int(bins))
        return cls(coordinate=coordinate, errors=errors, bin_edges=bins).plot(
            ax=ax, xlabel=xlabel, excised=excised, n_worst=n_worst)

    @classmethod
    def from_estimator(cls, estimator, X, coordinate, **kwargs):
        """:meth:`from_predictions` with a detector's losses on ``X`` at ``coordinate``."""
        return cls.from_predictions(coordinate, anomaly_score(estimator, X), **kwargs)

    def plot(self, ax=None, *, xlabel="coordinate", excised=(), n_worst=10, marker_size=3.0):
        """Scatter the loss (log axis) against the coordinate with the binned profile.

        Parameters as in :meth:`from_predictions`; returns ``self``.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5.6, 4.2), layout="constrained")
        for k, (lo, hi) in enumerate(excised):
            ax.axvspan(lo, hi, color=_EXCISED_COLOR, alpha=0.15, lw=0,
                       label="excised from training" if k == 0 else None)
        positive = self.errors > 0  # a log axis cannot show zeros
        ax.scatter(self.coordinate[positive], self.errors[positive], s=marker_size, color="k",
                   linewidths=0, rasterized=True, alpha=0.6)
        for values, style, label in ((self.bin_max, "-", "binned max"),
                                     (self.bin_median, "--", "binned median")):
            shown = values > 0  # NaN (empty bin) and 0 compare False
            ax.plot(self.bin_centers[shown], values[shown], style, color=_MODEL_COLOR,
                    lw=1.3, marker=".", label=label)
        worst = self._set_worst(n_worst)
        worst = worst[self.errors[worst] > 0]
        if worst.size:
            ax.scatter(self.coordinate[worst], self.errors[worst], s=20, color=_WORST_COLOR,
                       edgecolors="k", linewidths=0.4, zorder=3, label=f"{worst.size} worst")
        ax.set(yscale="log", xlabel=xlabel, ylabel="loss $L$")
        headroom(ax, log=True)  # room for the legend above the peaks
        return self._finish(ax, f"Loss profile (worst at {self.worst_coordinate:.3g})", "best")
