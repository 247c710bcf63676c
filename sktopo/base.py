"""The detector contract, written once.

Every sktopo detector has one public anomaly score, :meth:`BaseDetector.anomaly_score`
(higher = more anomalous), and turns it into scikit-learn's outlier-detector API,
the same one as :class:`sklearn.ensemble.IsolationForest`:

* ``score_samples(X)`` = minus the anomaly score (higher = more normal);
* ``decision_function(X)`` = ``score_samples(X) - offset_`` (negative = outlier);
* ``predict(X)`` in {-1, +1};
* ``score(X)`` = mean of ``score_samples`` (so model selection needs no scorer).

A subclass implements ``_anomaly_score(X)`` on validated input.  Detectors that
reconstruct their input (autoencoders, PCA, chart ensembles) add
:class:`ReconstructionMixin`, which makes the squared reconstruction error
their anomaly score and gives them ``reconstruction_error`` and
``reconstruct``; detectors that reconstruct nothing (optimal transport, density
ratio) do not have those methods.

Scoring is done in row chunks by the subclasses (see
:mod:`sktopo.nn._inference`); the methods here add no copy of the input and at
most one array of the output's length, so memory stays bounded for any number
of rows.
"""

from __future__ import annotations

import warnings
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from sktopo.exceptions import NoBottleneckWarning, TrainingDivergedError
from sktopo.utils._stack import user_stacklevel

__all__ = ["AUTO_CONTAMINATION", "BaseDetector", "ReconstructionMixin", "renamed_score"]

#: Fraction of training samples flagged when ``contamination='auto'``.
AUTO_CONTAMINATION = 0.01


class BaseDetector(OutlierMixin, BaseEstimator):
    """Base class of every sktopo anomaly detector.

    Subclasses implement ``fit`` (calling :meth:`_set_offset` at its end) and
    ``_anomaly_score(X)`` on validated input (higher = more anomalous).

    ``contamination`` sets the threshold ``offset_``: with a float ``c`` the
    threshold is the ``c``-quantile of the training scores, so a fraction ``c``
    of the training data is predicted as outliers.  ``'auto'`` means
    ``c = 0.01`` (:data:`AUTO_CONTAMINATION`): a reconstruction error has no
    natural scale, so there is no data-free threshold as for IsolationForest;
    flag the worst 1 % of training points.  The threshold matters only for
    ``predict`` and ``decision_function``; ``score_samples`` never depends on it.
    """

    _parameter_constraints: dict = {
        "contamination": [StrOptions({"auto"}), Interval(Real, 0, 0.5, closed="right")],
    }

    def _validate_X(self, X, *, reset):
        return validate_data(
            self,
            X,
            reset=reset,
            dtype=[np.float64, np.float32],
            ensure_min_samples=2 if reset else 1,
        )

    def _set_offset(self, X):
        """Set ``offset_`` from the scores of the (validated) training data.

        Raises :class:`~sktopo.nn.TrainingDivergedError` if a training score is
        not finite (a model that blew up must never be returned) and warns if
        every training sample gets the same score (nothing can be ranked).
        """
        errors = self._anomaly_score(X)
        finite = np.isfinite(errors)
        if not finite.all():
            raise TrainingDivergedError(
                f"{np.count_nonzero(~finite)} of {errors.shape[0]} training samples get a "
                "non-finite anomaly score: the fitted model is unusable. "
                + self._non_finite_advice()
            )
        # equal to 12 significant digits: differences are float rounding, not a ranking
        if errors.shape[0] > 1 and np.ptp(errors) <= 1e-12 * np.max(np.abs(errors)):
            warnings.warn(
                f"All {errors.shape[0]} training samples get the same score "
                f"({-errors[0]:.3g}), so the detector ranks nothing. Is the data constant, or "
                f"scaled far from 1 (largest |x| = {float(np.max(np.abs(X))):.3g})? "
                "Standardise the features.",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
        contamination = AUTO_CONTAMINATION if self.contamination == "auto" else self.contamination
        self.offset_ = float(np.percentile(-errors, 100.0 * contamination))

    def _discard_fitted(self):
        """Remove every fitted attribute (a failed ``fit`` must not leave a usable model)."""
        for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("__")]:
            delattr(self, name)

    def _non_finite_advice(self):
        """What to try when the training scores are not finite (detectors override it)."""
        return (
            "Lower the learning rate, standardise the features, or use optimizer='adam'."
        )

    def _warn_no_bottleneck(self, width, n_features, name):
        """Warn that a code of ``width`` numbers for ``n_features`` inputs can be the identity."""
        if width >= n_features:
            warnings.warn(
                f"{name}={width} is not smaller than n_features={n_features}: the model does "
                "not compress, so it can learn to reconstruct every input exactly (an "
                "identity map) and anomalies with it; what it flags then depends on how far "
                f"training got, not on a bottleneck. Choose {name} < {n_features} for a "
                "reconstruction-based score (a non-compressing model is still useful as a "
                "reference, e.g. with no break point on a circle).",
                NoBottleneckWarning,
                stacklevel=user_stacklevel(),
            )

    def _anomaly_score(self, X):  # pragma: no cover - abstract
        raise NotImplementedError

    def anomaly_score(self, X):
        """Anomaly score of every sample: higher = more anomalous.

        The one public score of every sktopo detector; it ranks samples exactly
        in the reverse order of :meth:`score_samples` (it is ``-score_samples(X)``).
        What it measures depends on the detector: the squared reconstruction
        error for autoencoders and PCA, the chosen ``score_type`` of a VAE, a
        transport distance, minus a log density ratio.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Higher = more anomalous.
        """
        check_is_fitted(self)
        return self._anomaly_score(self._validate_X(X, reset=False))

    def _scores(self, X):
        """``score_samples`` computed in place (no second array of the output's length)."""
        scores = self.anomaly_score(X)
        np.negative(scores, out=scores)
        return scores

    def score_samples(self, X):
        """Normality score: minus :meth:`anomaly_score` (higher = more normal).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        return self._scores(X)

    def decision_function(self, X):
        """Shifted score, ``score_samples(X) - offset_``: negative for predicted outliers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        scores = self._scores(X)
        scores -= self.offset_
        return scores

    def predict(self, X):
        """Predict +1 for inliers and -1 for outliers (``decision_function < 0``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        errors = self._anomaly_score(self._validate_X(X, reset=False))
        # decision_function < 0  <=>  -error < offset_ (exact in IEEE arithmetic), with
        # no second float array of the output's length
        labels = np.ones(errors.shape[0], dtype=np.int64)
        labels[errors > -self.offset_] = -1
        return labels

    def score(self, X, y=None):
        """Mean of :meth:`score_samples` (minus the mean anomaly score).

        Lets :class:`~sklearn.model_selection.GridSearchCV` and
        :func:`~sklearn.model_selection.cross_val_score` rank models without a
        scorer.  Beware that this unsupervised score always prefers the model
        that reconstructs best, e.g. the largest latent space; to select for
        anomaly-detection power use a labelled validation set and an anomaly
        scorer.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        score : float
        """
        return float(np.mean(self.score_samples(X)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        return tags


class ReconstructionMixin:
    """Mixin of detectors that reconstruct their input (autoencoders, PCA, chart ensembles).

    Their anomaly score is the squared Euclidean reconstruction error.  A
    subclass implements ``_reconstruction_error(X)`` on validated input and a
    public ``reconstruct(X)``.
    """

    def _reconstruction_error(self, X):  # pragma: no cover - abstract
        raise NotImplementedError

    def _anomaly_score(self, X):
        return self._reconstruction_error(X)

    def reconstruction_error(self, X):
        """Squared Euclidean reconstruction error of every sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        errors : ndarray of shape (n_samples,)
            ``sum_j (x_j - x_hat_j)**2``; larger = more anomalous.
        """
        check_is_fitted(self)
        return self._reconstruction_error(self._validate_X(X, reset=False))


def renamed_score(old, new, version="0.3"):
    """A method ``old`` that warns (``FutureWarning``) and returns ``self.new(X)``.

    For names that no longer fit a detector, e.g. ``reconstruction_error`` on a
    detector that reconstructs nothing.
    """

    def method(self, X):
        warnings.warn(
            f"{type(self).__name__}.{old} is deprecated and will be removed in sktopo "
            f"{version}: {type(self).__name__} reconstructs nothing; use {new}(X), the one "
            "anomaly score of every sktopo detector (higher = more anomalous).",
            FutureWarning,
            stacklevel=2,
        )
        return getattr(self, new)(X)

    method.__name__ = old
    method.__doc__ = f"""Deprecated alias of :meth:`{new}` (removed in sktopo {version}).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
    return method
