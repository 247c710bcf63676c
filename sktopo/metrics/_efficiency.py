"""Signal efficiency, background rejection and significance improvement of a cut.

A cut on the anomaly score (higher = more anomalous) selects a fraction
``eps_S`` of the signal (y = 1) and ``eps_B`` of the background (y = 0).  In
sktopo the background **rejection** is always ``1 / eps_B`` (the ROC plots of
arXiv:1808.08992, Fig. 4); a cut is fixed by its **background efficiency**
``eps_B`` (E10 of its Table I, eps_S at 90 % of the background rejected, is
``background_efficiency=0.1``).  Each number is the best cut under a
constraint, read off the step-wise ROC curve without interpolation:
``efficiency_at_rejection(background_efficiency=b)`` = max eps_S over cuts
with eps_B <= b; ``rejection_at_efficiency(e)`` = 1 / min eps_B over cuts with
eps_S >= e.  The old ``rejection=`` parameter, the fraction ``1 - eps_B``, is
deprecated.

Labels come in either of two conventions, read by ``pos_label='auto'``: y in
{0, 1} with 1 = signal, 0 = background (the physics convention), or
scikit-learn's outlier labels, y in {-1, 1} with -1 = outlier = signal, 1 =
inlier = background (what a detector's ``predict`` returns).  Any other pair
of labels needs ``pos_label``, the label of the signal; labels that cannot be
read raise a ValueError saying what was expected.
"""

from __future__ import annotations

import math
import warnings
from numbers import Real

import numpy as np
from sklearn.metrics import roc_curve
from sklearn.utils._param_validation import StrOptions, validate_params

__all__ = [
    "efficiency_at_rejection",
    "physics_roc_curve",
    "rejection_at_efficiency",
    "significance_improvement",
    "significance_improvement_curve",
    "threshold_at_rejection",
]


# Types are checked by validate_params; ranges and label conventions by the
# hand-written checks below (their messages say what was expected).
_LABELS = ["array-like"]
_SCORES = ["array-like"]
_FRACTION = [Real, None]
_POS_LABEL = [StrOptions({"auto"}), Real, str, bool, "boolean"]


def _check_fraction(value, name, *, allow_zero=True):
    """Check a fraction in [0, 1] (or (0, 1]); return it as a float."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{name} must be a real number in [0, 1]; got {value!r}.")
    value = float(value)
    low_ok = value >= 0.0 if allow_zero else value > 0.0
    if not (low_ok and value <= 1.0):
        interval = "[0, 1]" if allow_zero else "(0, 1]"
        raise ValueError(f"{name} must be in {interval}; got {value!r}.")
    return value


_DEFAULT_BACKGROUND_EFFICIENCY = 0.1


def _background_efficiency(background_efficiency, rejection, *, default=None, stacklevel=3):
    """``eps_B`` from ``background_efficiency`` or the deprecated ``rejection = 1 - eps_B``.

    Returns ``default`` when neither is given; warns (FutureWarning) for ``rejection``.
    """
    if rejection is not None:
        if background_efficiency is not None:
            raise ValueError("give background_efficiency, not also the deprecated rejection.")
        rejection = _check_fraction(rejection, "rejection")
        warnings.warn(
            "rejection= (the fraction 1 - eps_B of the background rejected) is deprecated and "
            f"will be removed in sktopo 0.3; pass background_efficiency={1.0 - rejection:.6g} "
            "(eps_B) instead. In sktopo 'rejection' means 1 / eps_B, as returned by "
            "rejection_at_efficiency.",
            FutureWarning,
            stacklevel=stacklevel,
        )
        return 1.0 - rejection
    if background_efficiency is None:
        return default
    return _check_fraction(background_efficiency, "background_efficiency")


def _check_scores(anomaly_score, name="anomaly_score"):
    scores = np.asarray(anomaly_score)
    if scores.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional; got shape {scores.shape}.")
    if scores.size == 0:
        raise ValueError(f"{name} must not be empty.")
    if scores.dtype.kind not in "biuf":  # bool, int, unsigned, float
        raise ValueError(f"{name} must be numeric; got dtype {scores.dtype}.")
    scores = scores.astype(float)
    if not np.all(np.isfinite(scores)):
        raise ValueError(f"{name} must be finite (no NaN or inf).")
    return scores


_EXPECTED_LABELS = (
    "labels 1 = signal, 0 = background, or scikit-learn's outlier labels -1 = outlier "
    "(signal), 1 = inlier (background)"
)


def _check_pos_label(pos_label):
    """Check ``pos_label``: ``'auto'`` or one label (a number, bool or string)."""
    if isinstance(pos_label, str):
        return pos_label
    if isinstance(pos_label, (bool, np.bool_, Real)) and not np.isnan(pos_label):
        return pos_label
    raise ValueError(
        f"pos_label must be 'auto' or the label of the signal class (a number or a string); "
        f"got {pos_label!r}."
    )


def _check_labels(y_true, pos_label="auto"):
    """Read binary labels as ``is_signal``, with both classes present.

    ``pos_label='auto'``: labels {0, 1} (or bool) read 1 as signal, labels
    {-1, 1} read -1 (outlier) as signal; anything else is an error that says
    what was expected.  Otherwise ``y_true`` holds exactly two labels, one of
    them ``pos_label``, the signal's.
    """
    pos_label = _check_pos_label(pos_label)
    y = np.asarray(y_true)
    if y.ndim != 1:
        raise ValueError(f"y_true must be 1-dimensional; got shape {y.shape}.")
    try:
        labels = np.unique(y).tolist()
    except TypeError as exc:
        raise ValueError(f"y_true must hold {_EXPECTED_LABELS}; got labels of mixed "
                         "types.") from exc
    auto = isinstance(pos_label, str) and pos_label == "auto"
    if auto:
        numeric = all(isinstance(v, (bool, Real)) for v in labels)
        if numeric and set(labels) <= {0, 1}:
            pos_label = 1
        elif numeric and set(labels) <= {-1, 1}:
            pos_label = -1
        else:
            raise ValueError(
                f"y_true must hold {_EXPECTED_LABELS}; got {labels}. For other labels pass "
                "pos_label=<the label of the signal>."
            )
    elif pos_label not in labels or len(labels) > 2:
        raise ValueError(
            f"y_true must hold two labels, pos_label={pos_label!r} for signal and one other "
            f"for background; got {labels}."
        )
    if len(labels) < 2:
        raise ValueError(
            f"y_true must contain both signal and background; got only the label {labels[0]!r}."
            if labels else "y_true must not be empty."
        )
    return y.astype(float) == pos_label if auto else np.asarray(y == pos_label, dtype=bool)


def _check_labels_scores(y_true, anomaly_score, pos_label="auto"):
    """Validate labelled scores; return (is_signal bool array, float scores)."""
    is_signal = _check_labels(y_true, pos_label)
    scores = _check_scores(anomaly_score)
    if is_signal.size != scores.size:
        raise ValueError(f"y_true has {is_signal.size} entries but anomaly_score {scores.size}.")
    return is_signal, scores


def _count(n, fraction, rounding=math.floor):
    """``rounding(fraction * n)``; a product within ``1e-12 n`` of an integer is that integer.

    So round-off loses no event: (1 - 0.9) * 10 = 0.9999999999999998 counts as 1.
    """
    x = fraction * n
    nearest = round(x)
    return int(nearest) if abs(x - nearest) <= 1e-12 * n else int(rounding(x))


def _threshold_keeping(scores, fraction):
    """Smallest ``t`` among ``scores`` (or -inf) with ``mean(scores > t) <= fraction``.

    The one place the cut of every efficiency, significance and sculpting
    function is computed: the ``(n - k)``-th smallest score, ``k = floor(fraction * n)``.
    """
    ordered = np.sort(scores)
    k = _count(ordered.size, fraction)
    return -np.inf if k >= ordered.size else float(ordered[ordered.size - k - 1])


@validate_params(
    {"background_score": _SCORES, "rejection": _FRACTION, "background_efficiency": _FRACTION},
    prefer_skip_nested_validation=True,
)
def threshold_at_rejection(background_score, rejection=None, *, background_efficiency=None):
    """Cut on the anomaly score that lets through a given fraction of the background.

    Events pass when ``anomaly_score > threshold``, strictly (as a detector
    predicts -1 when ``-score_samples > -offset_``).  The threshold is the
    smallest background score ``t`` with ``mean(background_score > t) <=
    eps_B`` (``background_efficiency``): the ``(n_B - k)``-th smallest
    background score, ``k = floor(eps_B * n_B)``, or ``-inf`` when ``k = n_B``
    (a product within ``1e-12 n_B`` of an integer counts as it: 0.1 * 10 is
    1).  The passing background fraction is ``k / n_B <= eps_B``, or less when
    background ties with ``t`` (ties at the threshold are all rejected).  The
    background rejection of the cut is then ``1 / eps_B`` or more.

    Parameters
    ----------
    background_score : array-like of shape (n_background,)
        Anomaly scores of background events, higher = more anomalous.
    rejection : float in [0, 1], default=None
        Deprecated: the fraction ``1 - eps_B`` of the background to reject;
        use ``background_efficiency=1 - rejection``.
    background_efficiency : float in [0, 1], default=None
        Largest fraction ``eps_B`` of the background to let through; None
        means 0.1.

    Returns
    -------
    threshold : float
        Select events with ``anomaly_score > threshold``.

    References
    ----------
    .. [1] M. Farina, Y. Nakai, D. Shih, "Searching for New Physics with Deep
       Autoencoders", Phys. Rev. D 101, 075021 (2020), arXiv:1808.08992.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.metrics import threshold_at_rejection
    >>> background = np.arange(10.0)  # 0, 1, ..., 9
    >>> threshold_at_rejection(background, background_efficiency=0.1)  # keeps only 9
    8.0
    >>> threshold_at_rejection(background, background_efficiency=1.0)
    -inf
    """
    eps_b = _background_efficiency(background_efficiency, rejection,
                                   default=_DEFAULT_BACKGROUND_EFFICIENCY)
    scores = _check_scores(background_score, "background_score")
    return _threshold_keeping(scores, eps_b)


@validate_params(
    {"y_true": _LABELS, "anomaly_score": _SCORES, "rejection": _FRACTION,
     "background_efficiency": _FRACTION, "pos_label": _POS_LABEL},
    prefer_skip_nested_validation=True,
)
def efficiency_at_rejection(y_true, anomaly_score, rejection=None, *,
                            background_efficiency=None, pos_label="auto"):
    """Signal efficiency at a given background efficiency (E10, E100 of arXiv:1808.08992).

    Events pass ``anomaly_score > t``, ``t`` = :func:`threshold_at_rejection`
    of the background scores (the smallest background score leaving at most
    ``floor(eps_B * n_B)`` background events above it); signal tied with
    ``t`` fails.  ``mean(signal_score > t)`` is the largest eps_S of any cut
    with background efficiency ``<= eps_B``, i.e. background rejection
    ``1 / eps_B`` or more (the step-wise ROC curve, no interpolation).
    ``background_efficiency=0.1`` is E10, ``0.01`` E100.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        1 for signal, 0 for background; or scikit-learn's outlier labels,
        -1 for signal (outlier), 1 for background (inlier).  Both classes
        must occur.
    anomaly_score : array-like of shape (n_samples,)
        Higher = more anomalous, e.g. ``-detector.score_samples(X)``.
    rejection : float in [0, 1], default=None
        Deprecated: the fraction ``1 - eps_B``; use
        ``background_efficiency=1 - rejection``.
    background_efficiency : float in [0, 1], default=None
        Background efficiency ``eps_B`` of the cut (at most); None means 0.1.
    pos_label : 'auto', int, float, bool or str, default='auto'
        The label of the signal.  ``'auto'`` reads labels {0, 1} as 1 =
        signal and labels {-1, 1} as -1 = signal; other labels need
        ``pos_label`` (a ValueError says so).

    Returns
    -------
    efficiency : float
        Signal efficiency ``eps_S`` in [0, 1].

    See Also
    --------
    rejection_at_efficiency : The dual quantity.
    threshold_at_rejection : The cut itself.

    References
    ----------
    .. [1] M. Farina, Y. Nakai, D. Shih, "Searching for New Physics with Deep
       Autoencoders", Phys. Rev. D 101, 075021 (2020), arXiv:1808.08992,
       Table I.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.metrics import efficiency_at_rejection
    >>> y = np.r_[np.zeros(10), np.ones(4)]
    >>> score = np.r_[np.arange(10.0), [2.5, 7.5, 8.5, 10.0]]  # background 0..9
    >>> efficiency_at_rejection(y, score, background_efficiency=0.1)   # cut: score > 8
    0.5
    >>> efficiency_at_rejection(y, score, background_efficiency=0.01)  # cut: score > 9
    0.25
    >>> outlier = np.where(y == 1, -1, 1)  # scikit-learn's labels: -1 = outlier = signal
    >>> efficiency_at_rejection(outlier, score, background_efficiency=0.1)
    0.5
    """
    eps_b = _background_efficiency(background_efficiency, rejection,
                                   default=_DEFAULT_BACKGROUND_EFFICIENCY)
    is_signal, scores = _check_labels_scores(y_true, anomaly_score, pos_label)
    t = _threshold_keeping(scores[~is_signal], eps_b)
    return float(np.mean(scores[is_signal] > t))


@validate_params(
    {"y_true": _LABELS, "anomaly_score": _SCORES, "efficiency": [Real],
     "pos_label": _POS_LABEL},
    prefer_skip_nested_validation=True,
)
def rejection_at_efficiency(y_true, anomaly_score, efficiency=0.5, *, pos_label="auto"):
    """Background rejection ``1 / eps_B`` at a given signal efficiency.

    Events pass ``anomaly_score >= u``, ``u`` the ``m``-th largest signal
    score, ``m = ceil(efficiency * n_S)``: the hardest cut keeping at least
    that signal fraction; background tied with ``u`` passes.  ``eps_B =
    mean(background_score >= u)`` is the smallest eps_B of any cut with
    ``eps_S >= efficiency`` (the step-wise ROC curve, no interpolation).
    ``eps_B = 0`` gives ``inf``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        1 for signal, 0 for background; or scikit-learn's outlier labels,
        -1 for signal (outlier), 1 for background (inlier).  Both classes
        must occur.
    anomaly_score : array-like of shape (n_samples,)
        Higher = more anomalous.
    efficiency : float in (0, 1], default=0.5
        Signal efficiency ``eps_S``.
    pos_label : 'auto', int, float, bool or str, default='auto'
        The label of the signal.  ``'auto'`` reads labels {0, 1} as 1 =
        signal and labels {-1, 1} as -1 = signal; other labels need
        ``pos_label`` (a ValueError says so).

    Returns
    -------
    rejection : float
        ``1 / eps_B`` in [1, inf].

    See Also
    --------
    efficiency_at_rejection : The dual quantity.

    References
    ----------
    .. [1] M. Farina, Y. Nakai, D. Shih, "Searching for New Physics with Deep
       Autoencoders", Phys. Rev. D 101, 075021 (2020), arXiv:1808.08992, Fig. 4.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.metrics import rejection_at_efficiency
    >>> y = np.r_[np.zeros(10), np.ones(4)]
    >>> score = np.r_[np.arange(10.0), [2.5, 7.5, 8.5, 10.0]]
    >>> rejection_at_efficiency(y, score, efficiency=0.5)   # cut: score >= 8.5
    10.0
    >>> rejection_at_efficiency(y, score, efficiency=0.25)  # cut: score >= 10
    inf
    """
    efficiency = _check_fraction(efficiency, "efficiency", allow_zero=False)
    is_signal, scores = _check_labels_scores(y_true, anomaly_score, pos_label)
    signal = np.sort(scores[is_signal])
    m = max(_count(signal.size, efficiency, math.ceil), 1)
    u = signal[signal.size - m]
    eps_b = float(np.mean(scores[~is_signal] >= u))
    return np.inf if eps_b == 0.0 else 1.0 / eps_b


@validate_params(
    {"y_true": _LABELS, "anomaly_score": _SCORES, "drop_intermediate": ["boolean"],
     "pos_label": _POS_LABEL},
    prefer_skip_nested_validation=True,
)
def physics_roc_curve(y_true, anomaly_score, *, drop_intermediate=True, pos_label="auto"):
    """ROC curve in the physics convention: ``1 / eps_B`` against ``eps_S``.

    :func:`sklearn.metrics.roc_curve` with signal as the positive class:
    ``eps_S`` = tpr, ``eps_B`` = fpr; events pass ``thresholds[i]`` when
    ``anomaly_score >= thresholds[i]`` (sklearn's convention).  Points with
    ``eps_B = 0`` (the hardest cuts, sklearn's ``threshold = inf`` included)
    are dropped: ``1 / eps_B`` is infinite there, off a log axis.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        1 for signal, 0 for background; or scikit-learn's outlier labels,
        -1 for signal (outlier), 1 for background (inlier).  Both classes
        must occur.
    anomaly_score : array-like of shape (n_samples,)
        Higher = more anomalous.
    drop_intermediate : bool, default=True
        Passed to :func:`~sklearn.metrics.roc_curve`.
    pos_label : 'auto', int, float, bool or str, default='auto'
        The label of the signal.  ``'auto'`` reads labels {0, 1} as 1 =
        signal and labels {-1, 1} as -1 = signal; other labels need
        ``pos_label`` (a ValueError says so).

    Returns
    -------
    eps_s : ndarray of shape (n_points,)
        Signal efficiency, increasing.
    rejection : ndarray of shape (n_points,)
        Background rejection ``1 / eps_B``, finite, non-increasing.
    thresholds : ndarray of shape (n_points,)
        Decreasing cuts on the anomaly score.

    References
    ----------
    .. [1] M. Farina, Y. Nakai, D. Shih, "Searching for New Physics with Deep
       Autoencoders", Phys. Rev. D 101, 075021 (2020), arXiv:1808.08992, Fig. 4.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.metrics import physics_roc_curve
    >>> eps_s, rejection, thresholds = physics_roc_curve(
    ...     [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], drop_intermediate=False)
    >>> eps_s, rejection, thresholds
    (array([0.5, 1. , 1. ]), array([2., 2., 1.]), array([0.4 , 0.35, 0.1 ]))
    """
    is_signal, scores = _check_labels_scores(y_true, anomaly_score, pos_label)
    fpr, tpr, thresholds = roc_curve(is_signal.astype(int), scores, pos_label=1,
                                     drop_intermediate=drop_intermediate)
    keep = fpr > 0
    return tpr[keep], 1.0 / fpr[keep], thresholds[keep]


@validate_params(
    {"y_true": _LABELS, "anomaly_score": _SCORES, "rejection": _FRACTION,
     "threshold": [Real, None], "background_efficiency": _FRACTION, "pos_label": _POS_LABEL},
    prefer_skip_nested_validation=True,
)
def significance_improvement(y_true, anomaly_score, *, rejection=None, threshold=None,
                             background_efficiency=None, pos_label="auto"):
    """Significance improvement ``eps_S / sqrt(eps_B)`` of one cut (SIC).

    A cut turns a significance ``S / sqrt(B)`` into ``eps_S S / sqrt(eps_B
    B)``.  Events pass ``anomaly_score > t``, ``t`` given (``threshold``) or
    :func:`threshold_at_rejection` of the background scores
    (``background_efficiency``); give at most one,
    ``background_efficiency=0.1`` when neither.  With ``eps_B = 0`` the
    result is ``inf``, or ``0.0`` if no signal passes either.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        1 for signal, 0 for background; or scikit-learn's outlier labels,
        -1 for signal (outlier), 1 for background (inlier).  Both classes
        must occur.
    anomaly_score : array-like of shape (n_samples,)
        Higher = more anomalous.
    rejection : float in [0, 1], default=None
        Deprecated: the fraction ``1 - eps_B``; use
        ``background_efficiency=1 - rejection``.
    threshold : float, default=None
        Explicit cut: select ``anomaly_score > threshold``.
    background_efficiency : float in [0, 1], default=None
        Background efficiency fixing the cut (``eps_B <=
        background_efficiency``).
    pos_label : 'auto', int, float, bool or str, default='auto'
        The label of the signal.  ``'auto'`` reads labels {0, 1} as 1 =
        signal and labels {-1, 1} as -1 = signal; other labels need
        ``pos_label`` (a ValueError says so).

    Returns
    -------
    sic : float

    See Also
    --------
    significance_improvement_curve : SIC of every cut.

    References
    ----------
    .. [1] M. Farina, Y. Nakai, D. Shih, "Searching for New Physics with Deep
       Autoencoders", Phys. Rev. D 101, 075021 (2020), arXiv:1808.08992.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.metrics import significance_improvement
    >>> y = np.r_[np.zeros(10), np.ones(4)]
    >>> score = np.r_[np.arange(10.0), [2.5, 7.5, 8.5, 10.0]]
    >>> sic = significance_improvement(y, score, background_efficiency=0.1)
    >>> round(sic, 4)  # 0.5 / sqrt(0.1)
    1.5811
    >>> round(significance_improvement(y, score, threshold=5.0), 4)  # 0.75 / sqrt(0.4)
    1.1859
    """
    eps_b = _background_efficiency(background_efficiency, rejection)
    if eps_b is not None and threshold is not None:
        raise ValueError("give background_efficiency or threshold, not both.")
    is_signal, scores = _check_labels_scores(y_true, anomaly_score, pos_label)
    if threshold is None:
        eps_b = _DEFAULT_BACKGROUND_EFFICIENCY if eps_b is None else eps_b
        threshold = _threshold_keeping(scores[~is_signal], eps_b)
    elif isinstance(threshold, bool) or not isinstance(threshold, Real) or np.isnan(threshold):
        raise ValueError(f"threshold must be a real number; got {threshold!r}.")
    eps_s = np.mean(scores[is_signal] > threshold)
    eps_b = np.mean(scores[~is_signal] > threshold)
    if eps_b == 0:
        return np.inf if eps_s > 0 else 0.0
    return float(eps_s / np.sqrt(eps_b))


@validate_params(
    {"y_true": _LABELS, "anomaly_score": _SCORES, "drop_intermediate": ["boolean"],
     "pos_label": _POS_LABEL},
    prefer_skip_nested_validation=True,
)
def significance_improvement_curve(y_true, anomaly_score, *, drop_intermediate=True,
                                   pos_label="auto"):
    """Significance improvement ``eps_S / sqrt(eps_B)`` along the ROC curve.

    At the points of :func:`physics_roc_curve` (``eps_B > 0``; events pass
    when ``anomaly_score >= thresholds[i]``): ``sic = eps_S * sqrt(1 / eps_B)``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        1 for signal, 0 for background; or scikit-learn's outlier labels,
        -1 for signal (outlier), 1 for background (inlier).  Both classes
        must occur.
    anomaly_score : array-like of shape (n_samples,)
        Higher = more anomalous.
    drop_intermediate : bool, default=True
        As in :func:`physics_roc_curve`.
    pos_label : 'auto', int, float, bool or str, default='auto'
        The label of the signal.  ``'auto'`` reads labels {0, 1} as 1 =
        signal and labels {-1, 1} as -1 = signal; other labels need
        ``pos_label`` (a ValueError says so).

    Returns
    -------
    eps_s : ndarray of shape (n_points,)
        Signal efficiency, increasing.
    sic : ndarray of shape (n_points,)
        ``eps_S / sqrt(eps_B)``.
    thresholds : ndarray of shape (n_points,)
        Decreasing cuts on the anomaly score.

    References
    ----------
    .. [1] M. Farina, Y. Nakai, D. Shih, "Searching for New Physics with Deep
       Autoencoders", Phys. Rev. D 101, 075021 (2020), arXiv:1808.08992.

    Examples
    --------
    >>> from sktopo.metrics import significance_improvement_curve
    >>> eps_s, sic, _ = significance_improvement_curve(
    ...     [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], drop_intermediate=False)
    >>> eps_s, sic.round(4)
    (array([0.5, 1. , 1. ]), array([0.7071, 1.4142, 1.    ]))
    """
    eps_s, rejection, thresholds = physics_roc_curve(
        y_true, anomaly_score, drop_intermediate=drop_intermediate, pos_label=pos_label
    )
    return eps_s, eps_s * np.sqrt(rejection), thresholds
