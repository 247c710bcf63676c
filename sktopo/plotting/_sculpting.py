"""Background mass spectra after harder and harder anomaly cuts (arXiv:1808.08992 Fig. 10)."""

from __future__ import annotations

import numpy as np

from sktopo.metrics import anomaly_score, mass_sculpting

__all__ = ["MassSculptingDisplay"]


class MassSculptingDisplay:
    """Normalised background mass histograms, one per cut on the anomaly score.

    The right panel of arXiv:1808.08992 Fig. 10: if the spectra stay the same
    as the cut gets harder, the cut does not sculpt the background and a bump
    hunt in mass after the cut is safe.  The numbers are those of
    :func:`sktopo.metrics.mass_sculpting`.

    Parameters
    ----------
    result : sktopo.metrics.MassSculptingResult
        Histograms and summary of the cuts.
    mass_label : str, default="mass"
        Label of the x axis.

    Attributes
    ----------
    stairs_ : list of matplotlib StepPatch
        One histogram per cut, in the order of ``result.efficiencies``.
    ax_ : matplotlib Axes
        The axes drawn on.
    figure_ : matplotlib Figure
        Their figure.

    See Also
    --------
    sktopo.metrics.mass_sculpting : The histograms and their distances.

    References
    ----------
    .. [1] M. Farina, Y. Nakai, D. Shih, "Searching for New Physics with Deep
       Autoencoders", Phys. Rev. D 101, 075021 (2020), arXiv:1808.08992, Fig. 10.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sktopo.plotting import MassSculptingDisplay
    >>> rng = np.random.default_rng(0)
    >>> mass = rng.exponential(100.0, size=2000)
    >>> score = mass + rng.normal(0.0, 50.0, size=2000)  # correlated: sculpts
    >>> disp = MassSculptingDisplay.from_predictions(
    ...     mass, score, efficiencies=(1.0, 0.1, 0.01), bins=20)
    >>> len(disp.stairs_)
    3
    >>> bool(disp.result.summary["mean"][-1] > disp.result.summary["mean"][0])
    True
    """

    def __init__(self, *, result, mass_label="mass"):
        self.result = result
        self.mass_label = mass_label

    @classmethod
    def from_predictions(cls, mass, anomaly_score, *, efficiencies=(1.0, 0.5, 0.1, 0.01),
                         bins=50, mass_range=None, mass_label="mass", log_y=False, ax=None):
        """Plot the mass spectra of background events with given anomaly scores.

        Parameters
        ----------
        mass : array-like of shape (n_events,)
            Mass of background events.
        anomaly_score : array-like of shape (n_events,)
            Their anomaly scores, higher = more anomalous.
        efficiencies : sequence of float in (0, 1], default=(1.0, 0.5, 0.1, 0.01)
            Background fractions kept by the cuts (Fig. 10 of the paper uses
            0.1, 0.01, 0.001); each must keep at least one event.
        bins : int or array-like, default=50
            Number of bins or bin edges, as in
            :func:`~sktopo.metrics.mass_sculpting`.
        mass_range : (float, float), default=None
            Range of the bins.
        mass_label : str, default="mass"
            Label of the x axis (add units, e.g. ``"$m_J$ [GeV]"``).
        log_y : bool, default=False
            Logarithmic density axis.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.

        Returns
        -------
        display : MassSculptingDisplay
        """
        result = mass_sculpting(mass, anomaly_score, efficiencies=efficiencies, bins=bins,
                                mass_range=mass_range)
        return cls(result=result, mass_label=mass_label).plot(ax=ax, log_y=log_y)

    @classmethod
    def from_estimator(cls, estimator, X, mass, *, efficiencies=(1.0, 0.5, 0.1, 0.01),
                       bins=50, mass_range=None, mass_label="mass", log_y=False, ax=None):
        """Plot the mass spectra after cuts on a fitted detector's anomaly score.

        The score is :func:`sktopo.metrics.anomaly_score`,
        ``-estimator.score_samples(X)``.

        Parameters
        ----------
        estimator : fitted detector
            Has ``score_samples`` (higher = more normal).
        X : array-like of shape (n_events, n_features)
            Background events.
        mass : array-like of shape (n_events,)
            Their mass.
        efficiencies, bins, mass_range, mass_label, log_y, ax
            As in :meth:`from_predictions`.

        Returns
        -------
        display : MassSculptingDisplay
        """
        return cls.from_predictions(mass, anomaly_score(estimator, X),
                                    efficiencies=efficiencies, bins=bins,
                                    mass_range=mass_range, mass_label=mass_label,
                                    log_y=log_y, ax=ax)

    def plot(self, ax=None, *, log_y=False):
        """Draw one normalised histogram per cut.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        log_y : bool, default=False
            Logarithmic density axis (empty bins are left blank).

        Returns
        -------
        self : MassSculptingDisplay
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5.6, 4.2), layout="constrained")
        res = self.result
        self.stairs_ = []
        for eps, density, n, js in zip(res.efficiencies, res.densities,
                                       res.summary["n_events"], res.summary["js_divergence"]):
            label = "no cut" if eps >= 1.0 else rf"$\epsilon_B = {eps:g}$"
            label += f" (n = {n:,}, JSD = {js:.3f})" if eps < 1.0 else f" (n = {n:,})"
            values = np.where(density > 0, density, np.nan) if log_y else density
            self.stairs_.append(ax.stairs(values, res.edges, lw=1.5, label=label,
                                          baseline=None if log_y else 0.0))
        if log_y:
            ax.set_yscale("log")
        ax.set_xlabel(self.mass_label)
        ax.set_ylabel("normalised density")
        ax.set_title("Background mass after anomaly cuts", fontsize="medium")
        ax.legend(fontsize="small", loc="best")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self
