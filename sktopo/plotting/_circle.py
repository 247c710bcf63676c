"""Display of an autoencoder trained on the circle (arXiv:2102.08380, Figs. 4-5)."""

from __future__ import annotations

import numpy as np

from sktopo.metrics._scorer import anomaly_score
from sktopo.plotting._style import headroom

__all__ = ["CircleBreakPointDisplay"]

_PANELS = ("latent", "angle", "points", "loss")
_BREAK_COLOR = "tab:red"
# Not purple: the latent panel marks the largest jump of the latent code in purple.
_UNDERSAMPLED_COLOR = "tab:green"
# The largest loss is a wide pale band under everything else, so that a line drawn at the
# same angle (the latent code's largest jump, the undersampled angle) stays visible on it.
_BAND = dict(lw=5.0, alpha=0.3, ls="-", zorder=0.5)
_LINE = dict(lw=1.4, ls="--", zorder=2.5)
_LEGEND = dict(fontsize="small", framealpha=0.9)


class CircleBreakPointDisplay:
    """How a detector represents the circle, and where it breaks it.

    The four panels of Fig. 4 of arXiv:2102.08380: the latent code against the
    input angle (``'latent'``), the model's angle ``atan2(y_hat, x_hat)`` against
    the input angle (``'angle'``), the model's points against the data in the
    plane (``'points'``) and the loss against the input angle on a log axis
    (``'loss'``).  The break point (the angle of the largest loss) is marked
    by a pale red band; an undersampled angle, if given, by a dashed green
    line (Fig. 5).

    Build it with :meth:`from_estimator`; :meth:`plot` draws it.

    Parameters
    ----------
    phi : ndarray of shape (n_samples,)
        Input angles in radians.
    X : ndarray of shape (n_samples, 2)
        Input points.
    X_model : ndarray of shape (n_samples, 2)
        The detector's reconstructions.
    errors : ndarray of shape (n_samples,)
        Squared reconstruction errors.
    latent : ndarray of shape (n_samples, latent_dim) or None
        Latent codes (``None`` hides the ``'latent'`` panel).
    undersampled_angle : float or None
        Angle around which training data were sparse.

    Attributes
    ----------
    break_angle : float
        Input angle of the largest loss, in [0, 2 pi).
    worst_to_median : float
        Largest over median loss.
    axes_ : ndarray of matplotlib Axes
        The panels drawn (after :meth:`plot`).
    latent_display_ : LatentCoordinateDisplay
        The ``'latent'`` panel (when drawn); its ``jump_coordinate`` is the
        angle where the latent code jumps.
    figure_ : matplotlib Figure
        Their figure.
    """

    def __init__(self, *, phi, X, X_model, errors, latent=None, undersampled_angle=None):
        self.phi = np.asarray(phi, dtype=float)
        self.X = np.asarray(X, dtype=float)
        self.X_model = np.asarray(X_model, dtype=float)
        self.errors = np.asarray(errors, dtype=float)
        self.latent = None if latent is None else np.asarray(latent, dtype=float)
        self.undersampled_angle = undersampled_angle
        worst = int(np.argmax(self.errors))
        self.break_angle = float(np.mod(self.phi[worst], 2 * np.pi))
        self.worst_to_median = float(self.errors[worst] / np.median(self.errors))

    @classmethod
    def from_estimator(
        cls, estimator, X, phi, *, undersampled_angle=None, panels=_PANELS, axes=None
    ):
        """Evaluate a fitted detector on circle points and plot the result.

        Parameters
        ----------
        estimator : fitted detector
            Needs ``reconstruct`` and an anomaly score (and ``transform``
            for the ``'latent'`` panel).
        X : array-like of shape (n_samples, 2)
            Points on the circle, e.g. a uniformly sampled test set.
        phi : array-like of shape (n_samples,)
            Their angles.
        undersampled_angle : float, optional
            Marked by a dashed green line.
        panels : sequence of {'latent', 'angle', 'points', 'loss'}
            Panels to draw, in order.
        axes : array of matplotlib Axes, optional
            One per panel; a new figure when omitted.

        Returns
        -------
        display : CircleBreakPointDisplay
        """
        X = np.asarray(X, dtype=float)
        latent = estimator.transform(X) if "latent" in panels else None
        display = cls(
            phi=phi,
            X=X,
            X_model=estimator.reconstruct(X),
            errors=anomaly_score(estimator, X),
            latent=latent,
            undersampled_angle=undersampled_angle,
        )
        return display.plot(axes=axes, panels=panels)

    def _mark(self, ax, *, vertical=True):
        marks = [(self.break_angle, _BREAK_COLOR, r"largest loss $\phi_0$", _BAND)]
        if self.undersampled_angle is not None:
            marks.append((np.mod(self.undersampled_angle, 2 * np.pi), _UNDERSAMPLED_COLOR,
                          r"undersampled $\phi_u$", _LINE))
        for angle, color, label, style in marks:
            if vertical:
                ax.axvline(angle, color=color, label=label, **style)
            else:  # a radial tick across the circle; the centre stays free for the legend
                r = np.array([0.6, 1.2])
                ax.plot(r * np.cos(angle), r * np.sin(angle), color=color, label=label, **style)

    def plot(self, axes=None, *, panels=_PANELS):
        """Draw the panels.

        Parameters
        ----------
        axes : array of matplotlib Axes, optional
            One per panel; by default a new figure with a 2-column grid.
        panels : sequence of {'latent', 'angle', 'points', 'loss'}
            Panels to draw, in order.

        Returns
        -------
        self : CircleBreakPointDisplay
        """
        import matplotlib.pyplot as plt

        panels = tuple(panels)
        unknown = set(panels) - set(_PANELS)
        if unknown:
            raise ValueError(f"Unknown panels {sorted(unknown)}; choose from {_PANELS}.")
        if "latent" in panels and self.latent is None:
            raise ValueError("The 'latent' panel needs latent codes (latent=...).")
        if axes is None:
            n_rows = -(-len(panels) // 2)
            ncols = min(2, len(panels))
            fig, axes = plt.subplots(n_rows, ncols, figsize=(5.2 * ncols, 4.2 * n_rows),
                                     squeeze=False, layout="constrained")
        axes = np.asarray(axes, dtype=object).ravel()
        if axes.size < len(panels):
            raise ValueError(f"Need {len(panels)} axes, got {axes.size}.")
        order = np.argsort(np.mod(self.phi, 2 * np.pi))
        phi = np.mod(self.phi, 2 * np.pi)[order]
        for ax, panel in zip(axes, panels):
            getattr(self, f"_plot_{panel}")(ax, order, phi)
        self.axes_ = axes[: len(panels)]
        self.figure_ = self.axes_[0].figure
        return self

    def _plot_latent(self, ax, order, phi):
        from sktopo.plotting._latent import LatentCoordinateDisplay

        self.latent_display_ = LatentCoordinateDisplay(
            coordinate=self.phi, latent=self.latent, errors=self.errors, period=2 * np.pi
        ).plot(ax, xlabel=r"input $\phi$", mark_worst=False)
        self._mark(ax)
        ax.set(ylabel="latent code", title="Latent representation")
        headroom(ax)
        ax.legend(loc="best", **_LEGEND)

    def _plot_angle(self, ax, order, phi):
        model_phi = np.arctan2(self.X_model[order, 1], self.X_model[order, 0])
        wrapped = np.where(phi > np.pi, phi - 2 * np.pi, phi)
        ax.plot(phi, wrapped, "-", lw=0.8, color="0.6", label="identity")
        ax.plot(phi, model_phi, ".", ms=2.5, color="k", label="model")
        self._mark(ax)
        ax.set(xlabel=r"input $\phi$", ylabel=r"model $\phi$", title="Model angle")
        ax.legend(loc="best", **_LEGEND)

    def _plot_points(self, ax, order, phi):
        # Data as large pale dots, the model as small dark ones on top: where the model sits
        # on the data a pale halo shows around each of its points, and both stay visible.
        ax.plot(self.X[:, 0], self.X[:, 1], "o", ms=5.0, mew=0, color="0.75", zorder=1,
                label="data")
        ax.plot(self.X_model[:, 0], self.X_model[:, 1], ".", ms=2.5, color="tab:blue",
                zorder=2, label="model")
        self._mark(ax, vertical=False)
        ax.set_aspect("equal")
        ax.set(xlabel="$x$", ylabel="$y$", title="Model points vs data")
        ax.legend(loc="center", markerscale=1.5, **_LEGEND)

    def _plot_loss(self, ax, order, phi):
        ax.semilogy(phi, self.errors[order], ".", ms=2.5, color="k")
        self._mark(ax)
        ax.set(xlabel=r"input $\phi$", ylabel="loss (squared error)",
               title=f"Loss (worst/median = {self.worst_to_median:.3g})")
        headroom(ax, log=True)
        ax.legend(loc="best", **_LEGEND)

