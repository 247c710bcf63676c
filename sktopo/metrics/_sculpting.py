"""Mass sculpting: how cuts on an anomaly score distort the background mass spectrum.

A bump hunt after an anomaly cut needs a background mass distribution that
the cut leaves smooth.  If the anomaly score is correlated with the mass, a
hard cut sculpts the background into a spurious shape (arXiv:1808.08992,
Sec. V and Fig. 10).  :func:`mass_profile` measures the correlation (the mean
mass in bins of increasing score, Fig. 10 left); :func:`mass_sculpting` its
consequence (the mass spectrum after harder and harder cuts, Fig. 10 right).
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral

import numpy as np
from scipy.spatial.distance import jensenshannon
from scipy.stats import ks_2samp, rankdata
from sklearn.utils._param_validation import validate_params

from sktopo.metrics._efficiency import (
    _check_fraction,
    _check_scores,
    _count,
    _threshold_keeping,
)

__all__ = ["MassProfileResult", "MassSculptingResult", "mass_profile", "mass_sculpting"]

#: Ways :func:`mass_profile` places a number of score bins.
BINNINGS = ("quantile", "log", "linear")


def _check_mass_scores(mass, anomaly_score):
    """Validate the paired mass and score arrays; return them as float arrays."""
    mass = _check_scores(mass, "mass")
    scores = _check_scores(anomaly_score)
    if mass.shape != scores.shape:
        raise ValueError(f"mass has {mass.size} entries but anomaly_score has {scores.size}.")
    return mass, scores


def _pearson(x, y):
    """Pearson correlation of two 1-d arrays; NaN when either is constant or too short."""
    if x.size < 2:
        return np.nan
    dx, dy = x - x.mean(), y - y.mean()
    norm = np.sqrt(np.sum(dx * dx) * np.sum(dy * dy))
    return float(np.clip(np.sum(dx * dy) / norm, -1.0, 1.0)) if norm > 0 else np.nan


def _profile_edges(scores, bins, binning):
    """Score bin edges, strictly increasing; the name of the binning used."""
    if not isinstance(bins, (Integral, np.integer)) or isinstance(bins, bool):
        edges = np.asarray(bins, dtype=float)
        if edges.ndim != 1 or edges.size < 2:
            raise ValueError("bins must be a positive int or a 1-d array of at least 2 edges.")
        if not (np.all(np.isfinite(edges)) and np.all(np.diff(edges) > 0)):
            raise ValueError("bin edges must be finite and strictly increasing.")
        return edges, "edges"
    n_bins = int(bins)
    if n_bins < 1:
        raise ValueError(f"bins must be a positive int; got {n_bins}.")
    if binning not in BINNINGS:
        raise ValueError(f"binning must be one of {BINNINGS}; got {binning!r}.")
    low, high = scores.min(), scores.max()
    if low == high:
        raise ValueError("anomaly_score is constant: there is no profile to measure.")
    if binning == "quantile":
        if 2 * n_bins > scores.size:
            raise ValueError(
                f"{n_bins} quantile bins need at least {2 * n_bins} events (two a bin, for a "
                f"standard error); got {scores.size}."
            )
        ordered = np.sort(scores)
        # bin k starts at the score of rank floor(k n / n_bins): equal counts up to ties
        edges = np.append(ordered[(np.arange(n_bins) * scores.size) // n_bins], high)
        if not np.all(np.diff(edges) > 0):
            raise ValueError(
                f"anomaly_score has too many tied values for {n_bins} quantile bins "
                "(two bin edges coincide); use fewer bins or binning='linear'."
            )
    elif binning == "log":
        if low <= 0:
            raise ValueError(
                f"binning='log' needs positive anomaly scores; the smallest is {low:g}."
            )
        edges = np.geomspace(low, high, n_bins + 1)
        edges[[0, -1]] = low, high
    else:
        edges = np.linspace(low, high, n_bins + 1)
    return edges, binning


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


@validate_params(
    {"mass": ["array-like"], "anomaly_score": ["array-like"], "efficiencies": ["array-like"],
     "bins": "no_validation", "mass_range": [tuple, list, None]},
    prefer_skip_nested_validation=True,
)
def mass_sculpting(mass, anomaly_score, *, efficiencies=(1.0, 0.5, 0.1, 0.01), bins=50,
                   mass_range=None):
    """Background mass spectrum after cuts that keep a fraction of the background.

    For each efficiency ``eps`` the cut keeps the most anomalous events, those
    with ``anomaly_score > t`` where ``t`` is the smallest score leaving at
    most ``floor(eps * n)`` events above it (the cut of
    :func:`threshold_at_rejection` with ``background_efficiency=eps``; ``eps = 1``
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
    mass_profile : The mean mass in bins of the score, the correlation behind sculpting.
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
    mass, scores = _check_mass_scores(mass, anomaly_score)
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


@dataclass(frozen=True)
class MassProfileResult:
    """Mass of background events in bins of increasing anomaly score.

    Attributes
    ----------
    edges : ndarray of shape (n_bins + 1,)
        Bin edges of the anomaly score, strictly increasing.  Bins are
        half-open ``[edges[i], edges[i + 1])`` except the last, which is closed.
    centers : ndarray of shape (n_bins,)
        Median anomaly score of the events in each bin (NaN for an empty
        bin): the bin's position on a score axis, inside the bin whatever the
        binning.
    mean : ndarray of shape (n_bins,)
        Mean mass of the events in each bin (NaN for an empty bin).
    sem : ndarray of shape (n_bins,)
        Standard error of that mean, ``std(ddof=1) / sqrt(count)`` (NaN for a
        bin with fewer than two events).
    median : ndarray of shape (n_bins,)
        Median mass in each bin (NaN for an empty bin).
    counts : ndarray of shape (n_bins,) of int
        Number of events in each bin.
    binning : str
        ``'quantile'``, ``'log'``, ``'linear'``, or ``'edges'`` when the edges
        were given.
    overall_mean : float
        Mean mass of all events inside the bins: the profile of a score
        uncorrelated with the mass is flat at this value.
    spearman : float
        Spearman rank correlation of anomaly score and mass over all events
        inside the bins (NaN if either is constant): 0 for a score that does
        not know the mass, +-1 for a monotone function of it.
    profile_correlation : float
        Pearson correlation of the bin index and the bin's mean mass, over
        the bins holding an event (NaN with fewer than two such bins or a
        constant profile): +1 for a rising profile, -1 for a falling one.
    """

    edges: np.ndarray
    centers: np.ndarray
    mean: np.ndarray
    sem: np.ndarray
    median: np.ndarray
    counts: np.ndarray
    binning: str
    overall_mean: float
    spearman: float
    profile_correlation: float


@validate_params(
    {"mass": ["array-like"], "anomaly_score": ["array-like"], "bins": "no_validation",
     "binning": [str]},
    prefer_skip_nested_validation=True,
)
def mass_profile(mass, anomaly_score, *, bins=10, binning="quantile"):
    """Mean mass in bins of increasing anomaly score: is the score correlated with mass?

    The left panel of arXiv:1808.08992 Fig. 10 ("the average mass in bins of
    increasing reconstruction error").  A flat profile at ``overall_mean``
    means cuts on the score leave the mass spectrum of the background as it
    is, so a bump hunt in mass after the cut is safe; a rising (falling)
    profile means a cut selects heavy (light) events, and a profile that
    bends in the last bins means the hardest cuts select a particular mass
    region: :func:`mass_sculpting` shows the spectra after such cuts.

    Parameters
    ----------
    mass : array-like of shape (n_events,)
        Mass (or any variable to bump-hunt in) of background events.
    anomaly_score : array-like of shape (n_events,)
        Their anomaly scores, higher = more anomalous; not constant.
    bins : int or array-like, default=10
        Number of score bins placed by ``binning``, or the bin edges
        (strictly increasing; events outside them are left out of every
        number, and ``binning`` is not used).
    binning : {"quantile", "log", "linear"}, default="quantile"
        How ``bins`` bins are placed between the smallest and the largest
        score.

        - ``"quantile"``: equally populated bins (bin ``k`` starts at the
          score of rank ``floor(k n / bins)``), so every point of the profile
          has the same statistical weight however heavy the tail of the
          score; the profile is unchanged by any strictly increasing
          transformation of the score (loss or log-loss, ``score_samples`` of
          another scale).  Needs ``n_events >= 2 * bins`` and no two edges tied
          (a ``ValueError`` says so).
        - ``"log"``: log-spaced edges, as in Fig. 10 of the paper;
          positive scores only.  The tail bins of a heavy-tailed loss hold few
          events: empty bins give NaN.
        - ``"linear"``: equal-width edges.

    Returns
    -------
    result : MassProfileResult
        ``edges``, ``centers``, ``mean``, ``sem``, ``median``, ``counts``,
        ``binning``, ``overall_mean``, ``spearman``, ``profile_correlation``.

    Raises
    ------
    ValueError
        For masses or scores that are not finite 1-d numeric arrays of the
        same non-zero length, a constant score, an unknown binning,
        non-positive scores with ``binning='log'``, quantile bins that
        cannot be filled, bad edges, or no event inside given edges.

    See Also
    --------
    mass_sculpting : The mass spectrum after cuts on the score.
    sktopo.plotting.MassProfileDisplay : Draws the profile.

    Notes
    -----
    Empty bins (possible with ``'log'``, ``'linear'`` and given edges) have
    NaN ``centers``, ``mean`` and ``median``; bins with one event have a NaN
    ``sem``.  Neither raises nor warns.

    References
    ----------
    .. [1] M. Farina, Y. Nakai, D. Shih, "Searching for New Physics with Deep
       Autoencoders", Phys. Rev. D 101, 075021 (2020), arXiv:1808.08992, Fig. 10.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.metrics import mass_profile
    >>> mass = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    >>> score = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])   # rises with the mass
    >>> res = mass_profile(mass, score, bins=3)
    >>> res.edges
    array([0.1, 0.3, 0.5, 0.6])
    >>> res.mean, res.counts
    (array([1.5, 3.5, 5.5]), array([2, 2, 2]))
    >>> res.spearman, res.profile_correlation
    (1.0, 1.0)
    """
    mass, scores = _check_mass_scores(mass, anomaly_score)
    edges, binning = _profile_edges(scores, bins, binning)
    inside = (scores >= edges[0]) & (scores <= edges[-1])
    if not inside.any():
        raise ValueError("no anomaly score falls inside the bins.")
    mass, scores = mass[inside], scores[inside]
    n_bins = edges.size - 1
    index = np.minimum(np.searchsorted(edges, scores, side="right") - 1, n_bins - 1)
    counts = np.bincount(index, minlength=n_bins)
    centers, mean, sem, median = (np.full(n_bins, np.nan) for _ in range(4))
    for k in np.flatnonzero(counts):
        m = mass[index == k]
        centers[k] = np.median(scores[index == k])
        mean[k] = m.mean()
        median[k] = np.median(m)
        if m.size > 1:
            sem[k] = m.std(ddof=1) / np.sqrt(m.size)
    filled = counts > 0
    spearman = _pearson(rankdata(scores), rankdata(mass))
    return MassProfileResult(
        edges=edges, centers=centers, mean=mean, sem=sem, median=median, counts=counts,
        binning=binning, overall_mean=float(mass.mean()), spearman=spearman,
        profile_correlation=_pearson(np.flatnonzero(filled).astype(float), mean[filled]),
    )
