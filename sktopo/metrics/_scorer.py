"""Model selection of anomaly detectors on labelled validation data.

A detector's own ``score`` (mean ``score_samples``) rewards reconstructing
the data well, so it always prefers the largest latent space.  Choosing a
hyperparameter such as ``latent_dim`` for anomaly-detection power needs
labelled validation data and a metric of separation: :func:`make_anomaly_scorer`
builds such a scorer, and :class:`BackgroundOnlySplit` makes cross-validation
train on background only, as an anomaly detector must be.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import BaseCrossValidator, check_cv

from sktopo.base import BaseDetector
from sktopo.metrics._efficiency import (
    _EXPECTED_LABELS,
    _background_efficiency,
    _check_fraction,
    _check_labels,
    _check_labels_scores,
    _check_pos_label,
    efficiency_at_rejection,
    rejection_at_efficiency,
    significance_improvement,
)

__all__ = ["BackgroundOnlySplit", "anomaly_score", "make_anomaly_scorer"]


def anomaly_score(estimator, X):
    """Anomaly score of a fitted detector (higher = more anomalous).

    The one conversion from a fitted detector to the anomaly score every
    function of :mod:`sktopo.metrics` and every Display of
    :mod:`sktopo.plotting` takes.  For an sktopo detector it is
    ``estimator.anomaly_score(X)`` (the reconstruction error of an autoencoder,
    the chosen score of a VAE, a transport distance, ...); for any other
    outlier detector with ``score_samples`` (higher = more normal, the
    scikit-learn convention, e.g. :class:`~sklearn.ensemble.IsolationForest`)
    it is ``-estimator.score_samples(X)``; an object with an ``anomaly_score``
    method, or with only a ``reconstruction_error`` method, is scored by it.

    Parameters
    ----------
    estimator : fitted estimator
        Has a ``score_samples`` method, higher = more normal.
    X : array-like of shape (n_samples, n_features)

    Returns
    -------
    score : ndarray of shape (n_samples,)
        Higher = more anomalous.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo import PCADetector
    >>> from sktopo.metrics import anomaly_score
    >>> X = np.array([[0.0, 1.0], [0.0, -1.0], [4.0, 0.5], [4.0, -0.5]])
    >>> det = PCADetector(n_components=1).fit(X)  # principal axis: the x axis
    >>> anomaly_score(det, [[1.0, 2.0]])  # squared distance to the x axis
    array([4.])
    """
    if isinstance(estimator, BaseDetector) or callable(getattr(estimator, "anomaly_score", None)):
        return np.asarray(estimator.anomaly_score(X), dtype=float)
    if not hasattr(estimator, "score_samples") and hasattr(estimator, "reconstruction_error"):
        # a reconstruction model of one's own, duck-typed
        return np.asarray(estimator.reconstruction_error(X), dtype=float)
    if not hasattr(estimator, "score_samples"):
        raise TypeError(
            f"{type(estimator).__name__} has no score_samples method; an anomaly "
            "score needs an outlier detector (score_samples higher = more normal)."
        )
    return -np.asarray(estimator.score_samples(X), dtype=float)


def _roc_auc(y_true, anomaly_score, pos_label="auto"):
    is_signal, scores = _check_labels_scores(y_true, anomaly_score, pos_label)
    return float(roc_auc_score(is_signal, scores))


def _average_precision(y_true, anomaly_score, pos_label="auto"):
    is_signal, scores = _check_labels_scores(y_true, anomaly_score, pos_label)
    return float(average_precision_score(is_signal, scores))


# metric name -> (function of (y_true, anomaly_score, pos_label=, **kwargs), allowed kwargs)
_METRICS = {
    "roc_auc": (_roc_auc, frozenset()),
    "average_precision": (_average_precision, frozenset()),
    "efficiency_at_rejection": (
        efficiency_at_rejection,
        frozenset({"background_efficiency", "rejection"}),
    ),
    "rejection_at_efficiency": (rejection_at_efficiency, frozenset({"efficiency"})),
    "significance_improvement": (
        significance_improvement,
        frozenset({"background_efficiency", "rejection", "threshold"}),
    ),
}


def _validated_kwargs(kwargs):
    """Check the metric's arguments now (not at every fold); map deprecated ``rejection``."""
    kwargs = dict(kwargs)
    if "rejection" in kwargs or "background_efficiency" in kwargs:
        eps_b = _background_efficiency(kwargs.pop("background_efficiency", None),
                                       kwargs.pop("rejection", None), stacklevel=4)
        kwargs["background_efficiency"] = eps_b
    if "efficiency" in kwargs:
        kwargs["efficiency"] = _check_fraction(kwargs["efficiency"], "efficiency",
                                               allow_zero=False)
    if "threshold" in kwargs:
        threshold = kwargs["threshold"]
        if isinstance(threshold, bool) or not isinstance(threshold, Real) or np.isnan(threshold):
            raise ValueError(f"threshold must be a real number; got {threshold!r}.")
        if "background_efficiency" in kwargs:
            raise ValueError("give background_efficiency or threshold, not both.")
    return kwargs


class _AnomalyScorer:
    """``scorer(estimator, X, y)``: a metric of ``(y, anomaly_score(estimator, X))``."""

    def __init__(self, metric, kwargs, pos_label="auto"):
        self.metric = metric
        self.kwargs = kwargs
        self.pos_label = pos_label

    def __call__(self, estimator, X, y=None):
        if y is None:
            raise ValueError(
                f"the {self.metric!r} anomaly scorer needs labels y on the validation data: "
                f"{_EXPECTED_LABELS}."
            )
        func, _ = _METRICS[self.metric]
        return float(func(y, anomaly_score(estimator, X), pos_label=self.pos_label,
                          **self.kwargs))

    def __repr__(self):
        kwargs = dict(self.kwargs)
        if not (isinstance(self.pos_label, str) and self.pos_label == "auto"):
            kwargs["pos_label"] = self.pos_label
        args = [repr(self.metric)] + [f"{k}={v!r}" for k, v in sorted(kwargs.items())]
        return f"make_anomaly_scorer({', '.join(args)})"


def make_anomaly_scorer(metric="roc_auc", *, pos_label="auto", **kwargs):
    """Scorer ranking anomaly detectors by how well they separate labelled signal.

    The returned callable ``scorer(estimator, X, y) -> float`` computes
    ``metric(y, anomaly_score(estimator, X))`` with signal as the positive
    class.  The labels ``y`` are read as 1 = signal, 0 = background, or as
    scikit-learn's outlier labels, -1 = outlier = signal, 1 = inlier =
    background (see ``pos_label``).  The score is always taken through
    :func:`anomaly_score`, so its sign cannot be inverted by mistake: a
    detector that scores signal as more normal than background gets a ROC AUC
    below 0.5.  Pass it as ``scoring=`` to
    :class:`~sklearn.model_selection.GridSearchCV` or
    :func:`~sklearn.model_selection.cross_val_score` (scikit-learn accepts any
    callable with this signature); greater is better for every metric.

    Why a scorer: without one, model selection uses the detector's ``score``,
    the mean ``score_samples``, which rewards reconstructing everything well
    and so always prefers the largest latent space, signal included.  Choosing
    ``latent_dim`` or ``n_components`` for anomaly detection needs labelled
    validation data.  Those labels must not leak into training: with the
    default splitters the training folds would contain the signal too.  Use
    ``cv=BackgroundOnlySplit(...)``, whose training folds hold background
    only and whose test folds hold both classes, and ``refit=False``: a
    search's refit trains on all of ``X``, signal included, so fit the chosen
    model on the background yourself (see the example).

    Parameters
    ----------
    metric : {'roc_auc', 'average_precision', 'efficiency_at_rejection', \
'rejection_at_efficiency', 'significance_improvement'}, default='roc_auc'
        ``roc_auc`` and ``average_precision`` are scikit-learn's; the others
        are :func:`efficiency_at_rejection`, :func:`rejection_at_efficiency`
        and :func:`significance_improvement` of :mod:`sktopo.metrics`.
    pos_label : 'auto', int, float, bool or str, default='auto'
        The label of the signal in ``y``.  ``'auto'`` reads labels {0, 1} as
        1 = signal, 0 = background, and labels {-1, 1} (scikit-learn's
        ``predict`` convention) as -1 = outlier = signal, 1 = inlier =
        background.  Other labels, e.g. ``{'qcd', 'top'}``, need the signal's
        label here (``pos_label='top'``); with ``'auto'`` they raise a
        ValueError that says what was expected.
    **kwargs
        Passed to the metric: ``background_efficiency`` (efficiency_at_rejection,
        significance_improvement), ``efficiency`` (rejection_at_efficiency),
        ``threshold`` (significance_improvement).  Checked here, so a bad
        value (``background_efficiency=2.0``) fails at once rather than
        turning every fold of a search into NaN.  ``rejection`` (the fraction
        ``1 - eps_B``) is deprecated: use ``background_efficiency``.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y) -> float``.  Labels that cannot be read
        raise a ValueError saying what was expected.  ``BackgroundOnlySplit``
        checks the labels before any fit, so a search with it stops at once
        on a label mistake; with another splitter scikit-learn turns a
        scorer's error into a NaN score and a warning quoting it, unless
        ``error_score='raise'``.  ``rejection_at_efficiency`` and
        ``significance_improvement`` return ``inf`` when a cut selects no
        background; scikit-learn's search then warns about non-finite scores,
        so prefer ``efficiency_at_rejection`` or ``roc_auc`` for model
        selection on small validation sets.

    See Also
    --------
    BackgroundOnlySplit : Cross-validation that trains on background only.

    References
    ----------
    .. [1] M. Farina, Y. Nakai, D. Shih, "Searching for New Physics with Deep
       Autoencoders", Phys. Rev. D 101, 075021 (2020), arXiv:1808.08992.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sktopo import PCADetector
    >>> from sktopo.metrics import BackgroundOnlySplit, make_anomaly_scorer
    >>> rng = np.random.default_rng(0)
    >>> background = rng.normal(size=(200, 3)) * [3.0, 0.5, 0.1]
    >>> signal = rng.normal(size=(40, 3)) * [3.0, 0.5, 0.1] + [0.0, 4.0, 0.0]
    >>> X, y = np.vstack([background, signal]), np.r_[np.zeros(200), np.ones(40)]
    >>> search = GridSearchCV(PCADetector(), {"n_components": [1, 2]},
    ...                       scoring=make_anomaly_scorer("roc_auc"),
    ...                       cv=BackgroundOnlySplit(cv=3), refit=False).fit(X, y)
    >>> search.best_params_
    {'n_components': 1}
    >>> detector = PCADetector(**search.best_params_).fit(X[y == 0])

    scikit-learn's outlier labels (-1 = outlier = signal, 1 = inlier) select
    the same model:

    >>> y_outlier = np.where(y == 1, -1, 1)
    >>> GridSearchCV(PCADetector(), {"n_components": [1, 2]},
    ...              scoring=make_anomaly_scorer("roc_auc"),
    ...              cv=BackgroundOnlySplit(cv=3), refit=False).fit(X, y_outlier).best_params_
    {'n_components': 1}
    """
    if metric not in _METRICS:
        raise ValueError(f"metric must be one of {sorted(_METRICS)}; got {metric!r}.")
    _, allowed = _METRICS[metric]
    unknown = sorted(set(kwargs) - allowed)
    if unknown:
        raise TypeError(
            f"metric {metric!r} takes keyword arguments {sorted(allowed) or 'none'}; "
            f"got {unknown}."
        )
    return _AnomalyScorer(metric, _validated_kwargs(kwargs), _check_pos_label(pos_label))


class BackgroundOnlySplit(BaseCrossValidator):
    """Cross-validation for anomaly detectors: train on background, test on both.

    Wraps a splitter (by default stratified K-fold) and removes the signal
    events (``y == 1`` of labels {0, 1}, ``y == -1`` of scikit-learn's outlier
    labels {-1, 1}, or ``y == pos_label``) from every training fold, keeping the test folds as
    they are.  With stratified folds each test fold holds signal and
    background in the sample's proportions, so a labelled scorer such as
    :func:`make_anomaly_scorer` can measure separation while the detector is
    fitted, as in the real search, on background alone.  Every event is in
    exactly one test fold; a signal event is never trained on.

    A search's refit is not a fold: ``GridSearchCV(..., refit=True)`` refits
    on all of ``X``, signal included.  Pass ``refit=False`` and fit
    the best model on ``X[y == 0]``.

    Parameters
    ----------
    cv : int, cross-validation generator or iterable, default=5
        The wrapped splitter, as in :func:`~sklearn.model_selection.check_cv`
        for a classifier: an int gives
        :class:`~sklearn.model_selection.StratifiedKFold` with that many folds.
    pos_label : 'auto', int, float, bool or str, default='auto'
        The label of the signal, as in :func:`make_anomaly_scorer`: ``'auto'``
        reads labels {0, 1} as 1 = signal and labels {-1, 1} as -1 = signal.
        The labels are checked when the splits are made, before any fit.

    See Also
    --------
    make_anomaly_scorer : The scorer to use with it.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.metrics import BackgroundOnlySplit
    >>> y = np.array([0, 0, 0, 0, 1, 1])
    >>> for train, test in BackgroundOnlySplit(cv=2).split(np.zeros((6, 1)), y):
    ...     print(train, test)
    [2 3] [0 1 4]
    [0 1] [2 3 5]
    """

    def __init__(self, cv=5, pos_label="auto"):
        self.cv = cv
        self.pos_label = pos_label

    def split(self, X, y, groups=None):
        """Generate (train, test) indices; train indices are background only.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            1 for signal, 0 for background, or -1 for signal (outlier), 1 for
            background (inlier); both must occur.
        groups : array-like of shape (n_samples,), default=None
            Passed to the wrapped splitter.

        Yields
        ------
        train : ndarray
            Indices of the background events of the training fold.
        test : ndarray
            Indices of the test fold.
        """
        if y is None:
            raise ValueError(f"BackgroundOnlySplit.split needs y: {_EXPECTED_LABELS}.")
        is_signal = _check_labels(y, self.pos_label)
        for train, test in check_cv(self.cv, y, classifier=True).split(X, y, groups):
            train = np.asarray(train)
            train = train[~is_signal[train]]
            if train.size == 0:
                raise ValueError("a training fold holds no background event.")
            yield train, np.asarray(test)

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of splits, that of the wrapped splitter.

        Parameters
        ----------
        X, y, groups : object
            Passed to the wrapped splitter.

        Returns
        -------
        n_splits : int
        """
        return check_cv(self.cv, y, classifier=True).get_n_splits(X, y, groups)
