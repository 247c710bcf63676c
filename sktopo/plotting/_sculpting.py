"""Background mass against anomaly score: profile and cut spectra (arXiv:1808.08992 Fig. 10)."""

from __future__ import annotations

import numpy as np

from sktopo.metrics import anomaly_score, mass_profile, mass_sculpting

__all__ = ["MassProfileDisplay", "MassSculptingDisplay"]

#: gid of the uncut-mean reference line, so overlays on one axes draw it once.
_REFERENCE_GID = "sktopo-mass-profile-overall-mean"


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


class MassProfileDisplay:
    """Mean mass in bins of increasing anomaly score, with standard errors.

    The left panel of arXiv:1808.08992 Fig. 10: a profile flat at the mean
    mass of all events (the dashed reference line) means cuts on the score do
    not select any mass; a rising profile means cutting on the score is
    roughly cutting on the mass.  The numbers are those of
    :func:`sktopo.metrics.mass_profile`.  Calls with the same ``ax`` overlay
    one curve per detector, each with its legend entry (as
    :class:`sklearn.metrics.RocCurveDisplay`).

    Parameters
    ----------
    result : sktopo.metrics.MassProfileResult
        The profile.
    name : str, default=None
        Name of the curve in the legend (the detector).
    mass_label : str, default="mass"
        Name of the mass; the y axis reads ``"mean " + mass_label``.
    score_label : str, default="anomaly score"
        Label of the x axis.

    Attributes
    ----------
    errorbar_ : matplotlib ErrorbarContainer
        The profile: markers at ``(result.centers, result.mean)`` with error
        bars ``result.sem``; empty bins are left out, a bin of one event has
        no error bar.
    line_ : matplotlib Line2D
        Its data line, ``errorbar_.lines[0]``.
    reference_line_ : matplotlib Line2D or None
        The horizontal line at ``result.overall_mean`` (shared with an
        earlier display on the same axes at the same value); None if not drawn.
    ax_ : matplotlib Axes
        The axes drawn on.
    figure_ : matplotlib Figure
        Their figure.

    See Also
    --------
    sktopo.metrics.mass_profile : The profile's numbers.
    MassSculptingDisplay : The mass spectra after cuts on the score.

    References
    ----------
    .. [1] M. Farina, Y. Nakai, D. Shih, "Searching for New Physics with Deep
       Autoencoders", Phys. Rev. D 101, 075021 (2020), arXiv:1808.08992, Fig. 10.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.plotting import MassProfileDisplay
    >>> rng = np.random.default_rng(0)
    >>> mass = rng.exponential(100.0, size=2000)
    >>> loss = np.exp(mass / 100.0 + rng.normal(size=2000))  # correlated with the mass
    >>> disp = MassProfileDisplay.from_predictions(mass, loss, name="correlated")
    >>> disp = MassProfileDisplay.from_predictions(mass, rng.lognormal(size=2000),
    ...                                            name="independent", ax=disp.ax_)
    >>> [t.get_text()[:11] for t in disp.ax_.get_legend().get_texts()]
    ['all events ', 'correlated ', 'independent']
    >>> disp.ax_.get_xscale()   # quantile bins of positive scores: log axis
    'log'
    """

    def __init__(self, *, result, name=None, mass_label="mass", score_label="anomaly score"):
        self.result = result
        self.name = name
        self.mass_label = mass_label
        self.score_label = score_label

    @classmethod
    def from_predictions(cls, mass, anomaly_score, *, bins=10, binning="quantile", name=None,
                         mass_label="mass", score_label="anomaly score", log_x=None,
                         plot_reference=True, ax=None):
        """Plot the mass profile of background events with given anomaly scores.

        Parameters
        ----------
        mass : array-like of shape (n_events,)
            Mass of background events.
        anomaly_score : array-like of shape (n_events,)
            Their anomaly scores, higher = more anomalous.
        bins : int or array-like, default=10
            Number of score bins or their edges, as in
            :func:`~sktopo.metrics.mass_profile`.
        binning : {"quantile", "log", "linear"}, default="quantile"
            Placement of ``bins`` bins (Fig. 10 of the paper uses ``"log"``).
        name : str, default=None
            Name of the curve in the legend.
        mass_label : str, default="mass"
            Name of the mass (add units, e.g. ``"$m_J$ [GeV]"``).
        score_label : str, default="anomaly score"
            Label of the x axis.
        log_x : bool, default=None
            Logarithmic score axis; None: logarithmic for ``"log"`` bins and
            for ``"quantile"`` bins of positive scores (a heavy-tailed loss),
            linear otherwise.
        plot_reference : bool, default=True
            Draw the mean mass of all events as a dashed horizontal line.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.  Pass the axes of an
            earlier display to overlay several detectors.

        Returns
        -------
        display : MassProfileDisplay
        """
        result = mass_profile(mass, anomaly_score, bins=bins, binning=binning)
        display = cls(result=result, name=name, mass_label=mass_label, score_label=score_label)
        return display.plot(ax=ax, log_x=log_x, plot_reference=plot_reference)

    @classmethod
    def from_estimator(cls, estimator, X, mass, *, bins=10, binning="quantile", name=None,
                       mass_label="mass", score_label="anomaly score", log_x=None,
                       plot_reference=True, ax=None):
        """Plot the mass profile of a fitted detector's anomaly score.

        The score is :func:`sktopo.metrics.anomaly_score`,
        ``-estimator.score_samples(X)`` (the reconstruction error of an
        sktopo detector).

        Parameters
        ----------
        estimator : fitted detector
            Has ``score_samples`` (higher = more normal).
        X : array-like of shape (n_events, n_features)
            Background events.
        mass : array-like of shape (n_events,)
            Their mass.
        name : str, default=None
            Name of the curve; the estimator's class name when None.
        bins, binning, mass_label, score_label, log_x, plot_reference, ax
            As in :meth:`from_predictions`.

        Returns
        -------
        display : MassProfileDisplay
        """
        name = type(estimator).__name__ if name is None else name
        return cls.from_predictions(mass, anomaly_score(estimator, X), bins=bins,
                                    binning=binning, name=name, mass_label=mass_label,
                                    score_label=score_label, log_x=log_x,
                                    plot_reference=plot_reference, ax=ax)

    def plot(self, ax=None, *, name=None, log_x=None, plot_reference=True):
        """Draw the profile.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        name : str, default=None
            Legend name, overriding the display's ``name``.
        log_x : bool, default=None
            Logarithmic score axis; None chooses as :meth:`from_predictions`.
        plot_reference : bool, default=True
            Draw the mean mass of all events as a dashed line, unless this
            axes already has that line at the same value.

        Returns
        -------
        self : MassProfileDisplay
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5.6, 4.2), layout="constrained")
        res = self.result
        name = self.name if name is None else name
        if log_x is None:
            log_x = res.binning == "log" or (res.binning == "quantile" and res.edges[0] > 0)
        if log_x and res.edges[0] <= 0:
            raise ValueError(
                f"log_x=True needs positive scores; the lowest bin edge is {res.edges[0]:g}."
            )
        self.reference_line_ = None
        if plot_reference:
            self.reference_line_ = self._reference_line(ax, res.overall_mean)
        corr = f"Spearman {res.spearman:.2f}"
        label = f"{name} ({corr})" if name else corr
        drawn = np.isfinite(res.mean)
        yerr = np.where(np.isfinite(res.sem), res.sem, 0.0)[drawn]
        self.errorbar_ = ax.errorbar(res.centers[drawn], res.mean[drawn], yerr=yerr,
                                     marker="o", ms=4, lw=1.5, capsize=2, label=label)
        self.line_ = self.errorbar_.lines[0]
        if log_x:
            ax.set_xscale("log")
        ax.set_xlabel(self.score_label)
        ax.set_ylabel(f"mean {self.mass_label}")
        ax.set_title(f"Mean {self.mass_label} in bins of increasing {self.score_label}",
                     fontsize="medium")
        ax.legend(fontsize="small", loc="best")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    def _reference_line(self, ax, value):
        """The dashed line at the uncut mean: an existing one at this value, or a new one."""
        for line in ax.get_lines():
            if line.get_gid() == _REFERENCE_GID and np.isclose(line.get_ydata()[0], value):
                return line
        line = ax.axhline(value, color="0.4", ls="--", lw=1.0,
                          label=f"all events (mean {value:.3g})")
        line.set_gid(_REFERENCE_GID)
        return line
