"""ROC curve in the physics convention: background rejection against signal efficiency.

The plots of arXiv:1808.08992 Fig. 4: ``1 / eps_B`` on a log axis against
``eps_S``, with the random tagger ``1 / eps_B = 1 / eps_S`` for reference.
"""

from __future__ import annotations

import numpy as np

from sktopo.metrics import anomaly_score, physics_roc_curve
from sktopo.metrics._efficiency import _check_labels_scores

__all__ = ["PhysicsRocDisplay"]


class PhysicsRocDisplay:
    """Background rejection ``1 / eps_B`` (log axis) against signal efficiency ``eps_S``.

    Create it with :meth:`from_predictions` or :meth:`from_estimator`; the
    curve is that of :func:`sktopo.metrics.physics_roc_curve` (cuts that
    select no background, where ``1 / eps_B`` is infinite, are not drawn).

    Parameters
    ----------
    eps_s : ndarray of shape (n_points,)
        Signal efficiencies.
    rejection : ndarray of shape (n_points,)
        Background rejections ``1 / eps_B``, finite and positive.
    roc_auc : float, default=None
        Area under the ordinary ROC curve, shown in the legend when given.
    name : str, default=None
        Name of the curve in the legend.

    Attributes
    ----------
    line_ : matplotlib Line2D
        The curve.
    chance_level_ : matplotlib Line2D or None
        The random tagger ``1 / eps_S``; None if not drawn.
    ax_ : matplotlib Axes
        The axes drawn on.
    figure_ : matplotlib Figure
        Their figure.

    See Also
    --------
    sktopo.metrics.physics_roc_curve : The points drawn.
    sklearn.metrics.RocCurveDisplay : The ordinary ROC curve.

    References
    ----------
    .. [1] M. Farina, Y. Nakai, D. Shih, "Searching for New Physics with Deep
       Autoencoders", Phys. Rev. D 101, 075021 (2020), arXiv:1808.08992, Fig. 4.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.plotting import PhysicsRocDisplay
    >>> rng = np.random.default_rng(0)
    >>> y = np.r_[np.zeros(500), np.ones(100)]
    >>> score = np.r_[rng.normal(size=500), rng.normal(2.0, size=100)]
    >>> disp = PhysicsRocDisplay.from_predictions(y, score, name="toy")
    >>> disp.ax_.get_yscale()
    'log'
    """

    def __init__(self, *, eps_s, rejection, roc_auc=None, name=None):
        self.eps_s = np.asarray(eps_s, dtype=float)
        self.rejection = np.asarray(rejection, dtype=float)
        if self.eps_s.ndim != 1 or self.eps_s.shape != self.rejection.shape:
            raise ValueError("eps_s and rejection must be 1-d arrays of the same length.")
        if not np.all(np.isfinite(self.rejection) & (self.rejection > 0)):
            raise ValueError("rejection must be finite and positive.")
        self.roc_auc = roc_auc
        self.name = name

    @classmethod
    def from_predictions(cls, y_true, anomaly_score, *, name=None, ax=None,
                         plot_chance_level=True):
        """Plot the curve of given anomaly scores.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            1 for signal, 0 for background; both must occur.
        anomaly_score : array-like of shape (n_samples,)
            Higher = more anomalous.
        name : str, default=None
            Name of the curve in the legend.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        plot_chance_level : bool, default=True
            Draw the random tagger ``1 / eps_S``.

        Returns
        -------
        display : PhysicsRocDisplay
        """
        from sklearn.metrics import roc_auc_score

        is_signal, scores = _check_labels_scores(y_true, anomaly_score)
        eps_s, rejection, _ = physics_roc_curve(is_signal, scores)
        display = cls(eps_s=eps_s, rejection=rejection,
                      roc_auc=float(roc_auc_score(is_signal, scores)), name=name)
        return display.plot(ax=ax, plot_chance_level=plot_chance_level)

    @classmethod
    def from_estimator(cls, estimator, X, y, *, name=None, ax=None, plot_chance_level=True):
        """Plot the curve of a fitted detector on labelled data.

        The anomaly score is :func:`sktopo.metrics.anomaly_score`,
        ``-estimator.score_samples(X)``.

        Parameters
        ----------
        estimator : fitted detector
            Has ``score_samples`` (higher = more normal).
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            1 for signal, 0 for background.
        name : str, default=None
            Name of the curve; the estimator's class name when None.
        ax : matplotlib Axes, default=None
        plot_chance_level : bool, default=True

        Returns
        -------
        display : PhysicsRocDisplay
        """
        name = type(estimator).__name__ if name is None else name
        return cls.from_predictions(y, anomaly_score(estimator, X), name=name, ax=ax,
                                    plot_chance_level=plot_chance_level)

    def plot(self, ax=None, *, name=None, plot_chance_level=True):
        """Draw the curve.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        name : str, default=None
            Legend name, overriding the display's ``name``.
        plot_chance_level : bool, default=True
            Draw the random tagger ``1 / eps_S``.

        Returns
        -------
        self : PhysicsRocDisplay
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5.0, 4.2), layout="constrained")
        name = self.name if name is None else name
        label = name
        if self.roc_auc is not None:
            label = f"{name} (AUC = {self.roc_auc:.3f})" if name else f"AUC = {self.roc_auc:.3f}"
        (self.line_,) = ax.plot(self.eps_s, self.rejection, lw=1.5, label=label)
        self.chance_level_ = None
        if plot_chance_level:
            positive = self.eps_s[self.eps_s > 0]
            lo = min(positive.min(), 1e-2) if positive.size else 1e-2
            x = np.geomspace(lo, 1.0, 200)
            (self.chance_level_,) = ax.plot(x, 1.0 / x, "k--", lw=1.0,
                                            label=r"random ($1/\epsilon_S$)")
        ax.set_yscale("log")
        ax.set_xlim(0.0, 1.0)
        ax.set_xlabel(r"signal efficiency $\epsilon_S$")
        ax.set_ylabel(r"background rejection $1/\epsilon_B$")
        if label is not None or plot_chance_level:
            ax.legend(fontsize="small", loc="best")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self
