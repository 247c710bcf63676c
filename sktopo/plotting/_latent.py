"""The latent code against an intrinsic coordinate of the data (arXiv:2102.08380, Fig. 4 left).

A chart of a closed manifold is continuous everywhere but at its break
point, where the latent code jumps from one end of its range to the other.
:class:`LatentCoordinateDisplay` draws every latent component against one
intrinsic coordinate (the angle on the circle, the height on a cone, the
parameter along a knot) and measures the largest jump.
"""

from __future__ import annotations

import numpy as np

from sktopo.metrics._scorer import anomaly_score
from sktopo.plotting._histograms import _as_errors

__all__ = ["LatentCoordinateDisplay"]

_JUMP_COLOR = "tab:purple"
_WORST_COLOR = "tab:red"


class LatentCoordinateDisplay:
    """Every latent component against an intrinsic coordinate, the largest jump marked.

    Sort the samples by ``coordinate``; the *jump* between neighbours ``i``
    and ``i + 1`` is the Euclidean distance of their latent codes, and their
    *speed* that jump over their coordinate difference (a finite-difference
    derivative of the chart, so that irregular sampling, e.g. a uniform
    random test set, does not matter).  A continuous chart has speeds of one
    order everywhere; a torn one jumps across the latent space between two
    neighbours, a speed far above the median.  With a
    ``period`` (``2 pi`` for an angle) the last and first samples are
    neighbours too, so a tear at the seam ``0 = 2 pi`` is not missed and a
    chart that merely wraps around is not mistaken for one.

    Parameters
    ----------
    coordinate : ndarray of shape (n_samples,)
        An intrinsic coordinate of every sample (at least 2 samples).
    latent : ndarray of shape (n_samples, latent_dim)
        Their latent codes (``estimator.transform(X)``).
    errors : ndarray of shape (n_samples,), default=None
        Their losses; when given, the coordinate of the largest loss is
        marked too, and the points can be coloured by loss.
    period : float, default=None
        Period of ``coordinate`` (e.g. ``2 * np.pi``); coordinates are then
        taken modulo ``period``.

    Attributes
    ----------
    order : ndarray of shape (n_samples,)
        Indices sorting ``coordinate``.
    jumps : ndarray of shape (n_samples - 1,) or (n_samples,)
        Latent distance between consecutive samples in that order (with a
        ``period``, the last entry joins the last sample to the first).
    speeds : ndarray of the shape of ``jumps``
        ``jumps`` over the coordinate differences (NaN where two samples
        share a coordinate).
    jump_coordinate : float
        Midpoint (modulo ``period``) of the coordinates joined by the
        largest speed, the tear.
    jump_to_median : float
        Largest over median speed (``inf`` for a zero median): a few for a
        continuous chart (its derivative varies), tens to thousands at a
        tear.
    worst_coordinate : float or None
        Coordinate of the largest loss (``None`` without ``errors``).
    lines_ : list of matplotlib Artists
        One scatter per latent component (after :meth:`plot`).
    ax_ : matplotlib Axes
        The axes drawn on.
    figure_ : matplotlib Figure
        Their figure.

    See Also
    --------
    CircleBreakPointDisplay : Uses this for its ``'latent'`` panel.
    sktopo.diagnostics.locate_breaks : Where the losses are large.

    References
    ----------
    .. [1] J. Batson, C. G. Haaf, Y. Kahn, D. A. Roberts, "Topological
       Obstructions to Autoencoding", JHEP 04 (2021) 280, arXiv:2102.08380,
       Fig. 4 (top left).

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.plotting import LatentCoordinateDisplay
    >>> phi = np.linspace(0.0, 2 * np.pi, 8, endpoint=False)
    >>> z = np.where(phi < 3.0, phi, phi - 2 * np.pi)  # a chart torn at phi ~ 3
    >>> disp = LatentCoordinateDisplay.from_predictions(phi, z, period=2 * np.pi)
    >>> round(disp.jump_coordinate, 3), round(disp.jump_to_median, 3)
    (2.749, 7.0)
    """

    def __init__(self, *, coordinate, latent, errors=None, period=None):
        coordinate = _as_errors(coordinate, "coordinate")
        if coordinate.size < 2:
            raise ValueError("coordinate needs at least 2 samples.")
        latent = np.asarray(latent, dtype=float)
        if latent.ndim == 1:
            latent = latent[:, None]
        if latent.ndim != 2 or latent.shape[0] != coordinate.size:
            raise ValueError(f"latent must have shape (n_samples, latent_dim) with n_samples = "
                             f"{coordinate.size}; got {latent.shape}.")
        if not np.all(np.isfinite(latent)):
            raise ValueError("latent must be finite.")
        if period is not None:
            period = float(period)
            if not period > 0:
                raise ValueError(f"period must be positive; got {period}.")
            coordinate = np.mod(coordinate, period)
        self.coordinate, self.latent, self.period = coordinate, latent, period
        self.errors = None if errors is None else _as_errors(errors)
        if self.errors is not None and self.errors.size != coordinate.size:
            raise ValueError(f"errors has {self.errors.size} entries for {coordinate.size} "
                             "samples.")

        self.order = np.argsort(coordinate, kind="stable")
        z, c = latent[self.order], coordinate[self.order]
        if period is not None:  # the seam: last sample to first
            z, c = np.vstack([z, z[:1]]), np.r_[c, c[0] + period]
        self.jumps = np.linalg.norm(np.diff(z, axis=0), axis=1)
        dc = np.diff(c)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.speeds = np.where(dc > 0, self.jumps / dc, np.nan)
        if np.all(np.isnan(self.speeds)):
            raise ValueError("coordinate needs at least 2 distinct values.")
        k = int(np.nanargmax(self.speeds))
        mid = 0.5 * (c[k] + c[k + 1])
        self.jump_coordinate = float(np.mod(mid, period) if period is not None else mid)
        median = np.nanmedian(self.speeds)
        self.jump_to_median = (float(self.speeds[k] / median) if median > 0
                               else float("inf"))
        self.worst_coordinate = (None if self.errors is None
                                 else float(coordinate[int(np.argmax(self.errors))]))

    @classmethod
    def from_predictions(cls, coordinate, latent, *, errors=None, period=None,
                         xlabel="intrinsic coordinate", color_by_loss=False, ax=None):
        """Draw given latent codes against the coordinate.

        Parameters
        ----------
        coordinate, latent, errors, period
            As in the class parameters.
        xlabel : str, default="intrinsic coordinate"
            Label of the x axis.
        color_by_loss : bool, default=False
            Colour the points by loss (log scale; needs ``errors``) instead of
            one colour per latent component.
        ax : matplotlib Axes, default=None
            A new figure when None.

        Returns
        -------
        display : LatentCoordinateDisplay
        """
        return cls(coordinate=coordinate, latent=latent, errors=errors, period=period).plot(
            ax=ax, xlabel=xlabel, color_by_loss=color_by_loss)

    @classmethod
    def from_estimator(cls, estimator, X, coordinate, *, period=None,
                       xlabel="intrinsic coordinate", color_by_loss=False, ax=None):
        """Draw a fitted detector's latent codes of ``X`` against ``coordinate``.

        Parameters
        ----------
        estimator : fitted detector
            Needs ``transform`` (the latent code, e.g.
            :class:`~sktopo.detectors.AutoencoderDetector` or
            :class:`~sktopo.detectors.PCADetector`, or a pipeline ending in
            one); its anomaly score, where it has one, marks the
            largest loss.
        X : array-like of shape (n_samples, n_features)
            Samples, e.g. a test set on the manifold.
        coordinate : array-like of shape (n_samples,)
            Their intrinsic coordinate.
        period, xlabel, color_by_loss, ax
            As in :meth:`from_predictions`.

        Returns
        -------
        display : LatentCoordinateDisplay
        """
        if not hasattr(estimator, "transform"):
            raise TypeError(f"{type(estimator).__name__} has no latent code (no transform); "
                            "for an ensemble, draw one member's detector.")
        errors = (anomaly_score(estimator, X)
                  if hasattr(estimator, "anomaly_score")
                  or hasattr(estimator, "reconstruction_error") else None)
        return cls.from_predictions(coordinate, estimator.transform(X), errors=errors,
                                    period=period, xlabel=xlabel, color_by_loss=color_by_loss,
                                    ax=ax)

    def plot(self, ax=None, *, xlabel="intrinsic coordinate", color_by_loss=False,
             mark_jump=True, mark_worst=True, marker_size=3.0):
        """Scatter every latent component against the coordinate.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            A new figure when None.
        xlabel : str, default="intrinsic coordinate"
            Label of the x axis.
        color_by_loss : bool, default=False
            See :meth:`from_predictions`.
        mark_jump : bool, default=True
            Dotted purple line at :attr:`jump_coordinate` (drawn on top).
        mark_worst : bool, default=True
            Pale red band at :attr:`worst_coordinate` (with ``errors``), under
            the points and the jump line, which stay visible when they coincide.
        marker_size : float, default=3.0

        Returns
        -------
        self : LatentCoordinateDisplay
        """
        import matplotlib.pyplot as plt

        if color_by_loss and self.errors is None:
            raise ValueError("color_by_loss needs errors.")
        if ax is None:
            _, ax = plt.subplots(figsize=(5.6, 4.2), layout="constrained")
        self.lines_ = []
        if color_by_loss:
            from sktopo.plotting._manifold import _log_colors

            colors, norm = _log_colors(self.errors)
            markers = "o^sDv<>p*h"
            for j in range(self.latent.shape[1]):
                self.lines_.append(ax.scatter(
                    self.coordinate, self.latent[:, j], c=colors, norm=norm, cmap="viridis",
                    s=marker_size * 3, marker=markers[j % len(markers)], linewidths=0,
                    label=f"$z_{{{j + 1}}}$", rasterized=True))
            ax.figure.colorbar(self.lines_[0], ax=ax, shrink=0.8, label="loss")
        else:
            for j in range(self.latent.shape[1]):
                self.lines_.append(ax.scatter(
                    self.coordinate, self.latent[:, j], s=marker_size * 3, linewidths=0,
                    label=f"$z_{{{j + 1}}}$", rasterized=True))
        if mark_jump:
            # on top of everything: it often coincides with the largest loss
            ax.axvline(self.jump_coordinate, color=_JUMP_COLOR, ls=":", lw=1.6, zorder=3,
                       label=f"largest jump ({self.jump_to_median:.3g}x median speed)")
        if mark_worst and self.worst_coordinate is not None:  # a pale band under the points
            ax.axvline(self.worst_coordinate, color=_WORST_COLOR, ls="-", lw=5.0, alpha=0.3,
                       zorder=0.5, label="largest loss")
        ax.set(xlabel=xlabel, ylabel="latent code")
        ax.set_title("Latent code against the intrinsic coordinate", fontsize="medium")
        ax.legend(fontsize="x-small", loc="best", markerscale=2.0, framealpha=0.9)
        self.ax_, self.figure_ = ax, ax.figure
        return self
