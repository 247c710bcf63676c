"""Scree plot: variance explained by each principal component (arXiv:1808.08992, Fig. 5)."""

from __future__ import annotations

import numpy as np

from sktopo.diagnostics._dimension import _n_components_for

__all__ = ["ScreePlotDisplay"]

_CUMULATIVE_COLOR = "tab:orange"
_THRESHOLD_COLOR = "0.4"


def _as_ratios(explained_variance_ratio):
    ratio = np.asarray(explained_variance_ratio, dtype=float)
    if ratio.ndim != 1 or ratio.size == 0:
        raise ValueError(
            f"explained_variance_ratio must be a non-empty 1-D array, got shape {ratio.shape}."
        )
    if not np.all(np.isfinite(ratio)) or np.any(ratio < 0):
        raise ValueError("explained_variance_ratio must be finite and non-negative.")
    if ratio.sum() > 1.0 + 1e-6:
        raise ValueError(
            f"explained_variance_ratio sums to {ratio.sum():.6g} > 1; pass shares of "
            "the total variance, not variances."
        )
    return ratio


class ScreePlotDisplay:
    """Scree plot: share of the variance carried by each principal component.

    The plot of arXiv:1808.08992 (Fig. 5, left) used to choose the latent
    dimension of an autoencoder: at the "elbow" of the curve, or where the
    cumulative share reaches 95 % or 99 %. Build it with :meth:`from_estimator`
    (a fitted PCA or PCADetector) or :meth:`from_predictions` (the ratios,
    e.g. from :func:`sktopo.diagnostics.pca_scree`); :meth:`plot` draws it.

    Parameters
    ----------
    explained_variance_ratio : ndarray of shape (n_components,)
        Share of the total variance of each component, in decreasing order.
    estimator_name : str, default=None
        Name shown in the legend.

    Attributes
    ----------
    cumulative_explained_variance_ratio : ndarray of shape (n_components,)
        Running sum of ``explained_variance_ratio``.
    n_components_at_threshold_ : int or None
        Fewest components reaching ``threshold`` (after :meth:`plot` with a
        threshold), else None.
    line_ : matplotlib Line2D
        Per-component shares.
    cumulative_line_ : matplotlib Line2D or None
        Cumulative share (on ``cumulative_ax_``), if drawn.
    ax_ : matplotlib Axes
        The axes of the per-component shares.
    cumulative_ax_ : matplotlib Axes or None
        Twin axes of the cumulative share, if drawn.
    figure_ : matplotlib Figure
        Their figure.

    See Also
    --------
    sktopo.diagnostics.pca_scree : Computes the ratios.
    sktopo.diagnostics.suggest_latent_dim : Compares with the TwoNN dimension.

    References
    ----------
    .. [1] M. Farina, Y. Nakai, D. Shih, "Searching for New Physics with Deep
       Autoencoders", Phys. Rev. D 101, 075021 (2020), arXiv:1808.08992, Fig. 5.

    Examples
    --------
    >>> from sktopo.plotting._scree import ScreePlotDisplay
    >>> disp = ScreePlotDisplay.from_predictions([0.7, 0.2, 0.08, 0.02], threshold=0.95)
    >>> disp.n_components_at_threshold_
    3
    >>> disp.ax_.get_xlabel()
    'principal component'
    """

    def __init__(self, *, explained_variance_ratio, estimator_name=None):
        self.explained_variance_ratio = _as_ratios(explained_variance_ratio)
        self.cumulative_explained_variance_ratio = np.cumsum(self.explained_variance_ratio)
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, threshold=None, cumulative=True, name=None):
        """Scree plot of a fitted PCA or PCADetector.

        Parameters
        ----------
        estimator : fitted estimator
            Anything with ``explained_variance_ratio_``
            (:class:`sklearn.decomposition.PCA`, :class:`sktopo.PCADetector`)
            or a fitted ``pca_`` that has it. Only the components it kept are
            shown; fit with all components for the full curve.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        threshold : float in (0, 1], default=None
            Cumulative share marked with dashed lines, e.g. 0.95 or 0.99.
        cumulative : bool, default=True
            Also draw the cumulative share.
        name : str, default=None
            Legend name; the estimator's class name by default.

        Returns
        -------
        display : ScreePlotDisplay
        """
        ratio = getattr(estimator, "explained_variance_ratio_", None)
        if ratio is None:
            ratio = getattr(getattr(estimator, "pca_", None), "explained_variance_ratio_", None)
        if ratio is None:
            raise TypeError(
                f"{type(estimator).__name__} has no explained_variance_ratio_; pass a "
                "fitted PCA or PCADetector."
            )
        display = cls(
            explained_variance_ratio=ratio,
            estimator_name=type(estimator).__name__ if name is None else name,
        )
        return display.plot(ax=ax, threshold=threshold, cumulative=cumulative)

    @classmethod
    def from_predictions(
        cls, explained_variance_ratio, *, ax=None, threshold=None, cumulative=True, name=None
    ):
        """Scree plot of given explained-variance ratios.

        Parameters
        ----------
        explained_variance_ratio : array-like of shape (n_components,)
            Share of the total variance per component, e.g.
            ``pca_scree(X).explained_variance_ratio``.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        threshold : float in (0, 1], default=None
            Cumulative share marked with dashed lines.
        cumulative : bool, default=True
            Also draw the cumulative share.
        name : str, default=None
            Legend name.

        Returns
        -------
        display : ScreePlotDisplay
        """
        display = cls(explained_variance_ratio=explained_variance_ratio, estimator_name=name)
        return display.plot(ax=ax, threshold=threshold, cumulative=cumulative)

    def plot(self, ax=None, *, threshold=None, cumulative=True, log_scale=False):
        """Draw the shares per component (left axis) and their running sum (right axis).

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        threshold : float in (0, 1], default=None
            Cumulative share marked by a horizontal line, and the number of
            components reaching it by a vertical line.
        cumulative : bool, default=True
            Draw the cumulative share on a twin axis.
        log_scale : bool, default=False
            Logarithmic axis for the per-component shares.

        Returns
        -------
        self : ScreePlotDisplay
        """
        import matplotlib.pyplot as plt

        n_at = None
        if threshold is not None:  # validates threshold before anything is drawn
            n_at = _n_components_for(self.cumulative_explained_variance_ratio, threshold)
        if ax is None:
            _, ax = plt.subplots(figsize=(5.6, 4.2), layout="constrained")
        ratio = self.explained_variance_ratio
        components = np.arange(1, ratio.size + 1)
        label = "variance share" if self.estimator_name is None else self.estimator_name
        (self.line_,) = ax.plot(components, ratio, "o-", ms=4, lw=1.2, label=label)
        if log_scale:
            ax.set_yscale("log")
        ax.set_xlabel("principal component")
        ax.set_ylabel("share of the variance")
        ax.set_title("Scree plot", fontsize="medium")
        if ratio.size <= 20:
            ax.set_xticks(components)

        self.cumulative_ax_, self.cumulative_line_ = None, None
        if cumulative:
            cax = ax.twinx()
            (self.cumulative_line_,) = cax.plot(
                components,
                self.cumulative_explained_variance_ratio,
                "s--",
                ms=3,
                lw=1.0,
                color=_CUMULATIVE_COLOR,
                label="cumulative",
            )
            cax.set_ylim(0.0, 1.05)
            cax.set_ylabel("cumulative share", color=_CUMULATIVE_COLOR)
            self.cumulative_ax_ = cax

        self.n_components_at_threshold_ = n_at
        if threshold is not None:
            if self.cumulative_ax_ is not None:
                self.cumulative_ax_.axhline(threshold, color=_THRESHOLD_COLOR, ls=":", lw=1.0)
            ax.axvline(
                n_at,
                color=_THRESHOLD_COLOR,
                ls=":",
                lw=1.0,
                label=f"{100 * threshold:g} % at {n_at} components",
            )
        handles, labels = ax.get_legend_handles_labels()
        if self.cumulative_line_ is not None:
            handles.append(self.cumulative_line_)
            labels.append("cumulative")
        ax.legend(handles, labels, fontsize="small", loc="center right")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self
