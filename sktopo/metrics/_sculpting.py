"""Mass sculpting: how cuts on an anomaly score distort the background mass spectrum.

A bump hunt after an anomaly cut needs a background mass distribution that
the cut leaves smooth.  If the anomaly score is correlated with the mass, a
hard cut sculpts the background into a spurious shape (arXiv:1808.08992,
Sec. V and Fig. 10).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial.distance import jensenshannon
from scipy.stats import ks_2samp

from sktopo.metrics._efficiency import (
    _check_fraction,
    _check_scores,
    _count,
    _threshold_keeping,
)

__all__ = ["MassSculptingResult", "mass_sculpting"]


@dataclass(frozen=True)
class MassSculptingResult:
    """Mass histograms of a background sample after successively harder cuts.

    Attributes
    ----------
    edges : ndarray of shape (n_bins + 1,)
        Bin edges of the mass, shared by all cuts.
    densities : ndarray of shape (n_cuts, n_bins)
        Normalised histogram (unit integral over the bins) of the mass of the
        events passing each cut.
    efficiencies : ndarray of shape (n_cuts,)
        Requested background efficiencies (fraction kept), as given.
    thresholds : ndarray of shape (n_cuts,)
        Cuts: events with ``anomaly_score > thresholds[i]`` pass (-inf: all).
    summary : dict of str to ndarray of shape (n_cuts,)
        ``'n_events'`` passing; ``'efficiency'``, the fraction actually kept
        (``<=`` the requested one); ``'mean'`` and ``'median'`` mass of those
        events; ``'js_divergence'``, the Jensen-Shannon divergence (base 2,
        in [0, 1]) between the binned cut and uncut mass distributions; and
        ``'ks_statistic'``, the two-sample Kolmogorov-Smirnov statistic
        ``sup |F_cut - F_all|`` of the unbinned masses.
    """

    edges: np.ndarray
    densities: np.ndarray
    efficiencies: np.ndarray
    thresholds: np.ndarray
    summary: dict


def mass_sculpting(mass, anomaly_score, *, efficiencies=(1.0, 0.5, 0.1, 0.01), bins=50,
                   mass_range=None):
    """Background mass spectrum after cuts that keep a fraction of the background.

    For each efficiency ``eps`` the cut keeps the most anomalous events, those
    with ``anomaly_score > t`` where ``t`` is the smallest score leaving at
    most ``floor(eps * n)`` events above it (the cut of
    :func:`threshold_at_rejection` with rejection ``1 - eps``; ``eps = 1``
    keeps all).  Scores tied at the threshold are all cut, so a cut may keep
    fewer events than ``eps * n`` (none, if all scores are equal); the
    density and statistics of a cut keeping no event are NaN.
    ``eps = 0.1, 0.01, 0.001`` are the cuts reducing the QCD
    background "by a factor of 10, 100 and 1000" in arXiv:1808.08992 Fig. 10
    (right).  An unsculpted spectrum has ``js_divergence`` and
    ``ks_statistic`` near zero at every cut; both grow with the correlation
    between score and mass.

    Parameters
    ----------
    mass : array-like of shape (n_events,)
        Mass (or any variable to bump-hunt in) of background events.
    anomaly_score : array-like of shape (n_events,)
        Their anomaly scores, higher = more anomalous.
    efficiencies : sequence of float in (0, 1], default=(1.0, 0.5, 0.1, 0.01)
        Background fractions kept by the cuts; each must keep at least one
        event (``eps * n >= 1``).
    bins : int or array-like, default=50
        Number of equal-width bins spanning ``mass_range``, or the bin edges.
    mass_range : (float, float), default=None
        Range of the bins; the range of ``mass`` when None.  Events outside
        are left out of the densities and of ``js_divergence`` (NaN for a cut
        keeping no event inside the bins).

    Returns
    -------
    result : MassSculptingResult
        ``edges``, ``densities``, ``efficiencies``, ``thresholds``, ``summary``.

    See Also
    --------
    sktopo.plotting.MassSculptingDisplay : Draws the densities.

    References
    ----------
    .. [1] M. Farina, Y. Nakai, D. Shih, "Searching for New Physics with Deep
       Autoencoders", Phys. Rev. D 101, 075021 (2020), arXiv:1808.08992, Fig. 10.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.metrics import mass_sculpting
    >>> mass = np.arange(10.0)
    >>> res = mass_sculpting(mass, anomaly_score=mass, efficiencies=(1.0, 0.5),
    ...                      bins=[0.0, 5.0, 10.0])
    >>> res.densities          # the cut keeps masses 5..9 only
    array([[0.1, 0.1],
           [0. , 0.2]])
    >>> res.thresholds, res.summary["mean"]
    (array([-inf,   4.]), array([4.5, 7. ]))
    """
    mass = _check_scores(mass, "mass")
    scores = _check_scores(anomaly_score)
    if mass.shape != scores.shape:
        raise ValueError(f"mass has {mass.size} entries but anomaly_score has {scores.size}.")
    effs = np.atleast_1d(np.asarray(efficiencies, dtype=float))
    if effs.ndim != 1 or effs.size == 0:
        raise ValueError("efficiencies must be a non-empty sequence of floats.")
    exact = [_check_fraction(float(eps), "each efficiency", allow_zero=False) for eps in effs]
    for eps, frac in zip(effs, exact):
        if _count(scores.size, frac) < 1:
            raise ValueError(
                f"efficiency {eps:g} keeps no event of {scores.size}; "
                f"it needs at least {int(np.ceil(1.0 / eps))} events."
            )
    edges = np.histogram_bin_edges(mass, bins=bins, range=mass_range)

    all_counts = np.histogram(mass, bins=edges)[0]
    if all_counts.sum() == 0:
        raise ValueError("no mass value falls inside the bins.")
    thresholds = np.array([_threshold_keeping(scores, frac) for frac in exact])
    densities = np.empty((effs.size, edges.size - 1))
    summary = {key: np.empty(effs.size) for key in
               ("n_events", "efficiency", "mean", "median", "js_divergence", "ks_statistic")}
    for i, t in enumerate(thresholds):
        kept = mass[scores > t]
        counts = np.histogram(kept, bins=edges)[0]
        total = counts.sum()
        summary["n_events"][i] = kept.size
        summary["efficiency"][i] = kept.size / mass.size
        if total:
            densities[i] = counts / (total * np.diff(edges))
            summary["js_divergence"][i] = jensenshannon(counts, all_counts, base=2) ** 2
        else:
            densities[i] = np.nan
            summary["js_divergence"][i] = np.nan
        if kept.size:
            summary["mean"][i] = np.mean(kept)
            summary["median"][i] = np.median(kept)
            summary["ks_statistic"][i] = ks_2samp(kept, mass, method="asymp").statistic
        else:
            summary["mean"][i] = summary["median"][i] = summary["ks_statistic"][i] = np.nan
    summary["n_events"] = summary["n_events"].astype(int)
    return MassSculptingResult(edges=edges, densities=densities, efficiencies=effs,
                               thresholds=thresholds, summary=summary)
