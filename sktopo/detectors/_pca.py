"""Linear reconstruction-error detector (PCA), the baseline of arXiv:1808.08992."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context
from sklearn.decomposition import PCA
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted

from sktopo.base import BaseDetector, ReconstructionMixin
from sktopo.utils._chunks import chunk_rows, iter_chunks
from sktopo.utils._validation import IntInterval

__all__ = ["PCADetector"]


class PCADetector(
    ReconstructionMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseDetector
):
    """Anomaly detector scoring samples by their PCA reconstruction error.

    The data are projected on the leading ``n_components`` principal axes and
    mapped back; the score is minus the squared Euclidean distance between a
    sample and its reconstruction.  This is the linear autoencoder that
    arXiv:1808.08992 uses as a baseline for jet images, and the natural first
    detector to try: it has no topology problem of its own (its latent space is
    a plane) and no training hyperparameters.

    Parameters
    ----------
    n_components : int, float or 'mle', default=2
        Number of principal components kept (an int smaller than or equal to
        ``n_features``); a float in (0, 1) keeps as many components as needed
        to explain that share of the variance; ``'mle'`` uses Minka's estimate.
    whiten : bool, default=False
        Whiten the latent codes returned by :meth:`transform`.  Reconstructions
        (and therefore scores) are the same either way.
    svd_solver : {'auto', 'full', 'covariance_eigh', 'arpack', 'randomized'}, default='auto'
        Passed to :class:`sklearn.decomposition.PCA`.
    contamination : 'auto' or float in (0, 0.5], default='auto'
        Share of training samples flagged by ``predict`` (``'auto'``: 1 %).
    random_state : int, RandomState instance or None, default=None
        Used by the randomized and arpack solvers.
    verbose : int, default=0
        ``1`` shows a progress bar over long scoring passes.

    Attributes
    ----------
    pca_ : sklearn.decomposition.PCA
        The fitted PCA.
    n_components_ : int
        Number of components kept.
    explained_variance_ratio_ : ndarray of shape (n_components_,)
        Share of the variance explained by each kept component.
    offset_ : float
        Threshold on ``score_samples``, see ``contamination``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit (only for inputs with string column names).

    See Also
    --------
    AutoencoderDetector : The nonlinear counterpart.

    References
    ----------
    .. [1] M. Farina, Y. Nakai, D. Shih, "Searching for New Physics with Deep
       Autoencoders", Phys. Rev. D 101, 075021 (2020), arXiv:1808.08992.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo import PCADetector
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(100, 3)) * [3.0, 1.0, 0.01]
    >>> det = PCADetector(n_components=2).fit(X)
    >>> bool(det.reconstruction_error(X).max() < 1e-2)
    True
    >>> det.predict([[0.0, 0.0, 5.0]])
    array([-1])
    """

    _parameter_constraints: dict = {
        **BaseDetector._parameter_constraints,
        "n_components": [
            IntInterval(1, None, closed="left"),
            Interval(Real, 0, 1, closed="neither"),
            StrOptions({"mle"}),
        ],
        "whiten": ["boolean"],
        "svd_solver": [StrOptions({"auto", "full", "covariance_eigh", "arpack", "randomized"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        n_components=2,
        whiten=False,
        svd_solver="auto",
        contamination="auto",
        random_state=None,
        verbose=0,
    ):
        self.n_components = n_components
        self.whiten = whiten
        self.svd_solver = svd_solver
        self.contamination = contamination
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the principal axes on ``X`` and set ``offset_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : ignored

        Returns
        -------
        self : PCADetector
            The fitted detector.
        """
        X = self._validate_X(X, reset=True)
        n_samples, n_features = X.shape
        largest = float(np.max(np.abs(X)))
        if largest > np.sqrt(np.finfo(np.float64).max / n_samples):
            raise ValueError(
                f"X has values up to {largest:.3g}: their squares summed over "
                f"{n_samples} samples overflow float64, so the principal axes cannot be "
                "computed. Standardise the features first, e.g. with "
                "make_pipeline(StandardScaler(), PCADetector())."
            )
        if isinstance(self.n_components, Integral) and self.n_components > min(
            n_samples, n_features
        ):
            raise ValueError(
                f"n_components={self.n_components} must be at most "
                f"min(n_samples, n_features)=min({n_samples}, n_features={n_features})."
            )
        self.pca_ = PCA(
            n_components=self.n_components,
            whiten=self.whiten,
            svd_solver=self.svd_solver,
            random_state=self.random_state,
        ).fit(X)
        self.n_components_ = int(self.pca_.n_components_)
        self._warn_no_bottleneck(self.n_components_, n_features, "n_components")
        self.explained_variance_ratio_ = self.pca_.explained_variance_ratio_
        self._set_offset(X)
        return self

    @property
    def _n_features_out(self):
        return self.n_components_

    def _non_finite_advice(self):
        return (
            "PCA has no learning rate: the features are too large or too small for "
            "float64 arithmetic. Standardise them (StandardScaler)."
        )

    def _chunks(self, X, fn):
        """``fn`` on float64 row chunks of ``X``, written into one preallocated output."""
        rows = chunk_rows(8.0 * (3 * X.shape[1] + self.n_components_))
        out = None
        chunks = iter_chunks(X, rows)
        if self.verbose and X.shape[0] > 100 * rows:
            from tqdm.auto import tqdm

            chunks = tqdm(chunks, total=-(-X.shape[0] // rows), desc="scoring", unit="chunk")
        for sl, chunk in chunks:
            result = fn(chunk)
            if out is None:
                out = np.empty((X.shape[0], *result.shape[1:]), dtype=np.float64)
            out[sl] = result
        return out

    def _reconstruct(self, X):
        pca = self.pca_
        # Reconstruction is whitening-independent: project on the axes, map back.
        return (X - pca.mean_) @ pca.components_.T @ pca.components_ + pca.mean_

    def _reconstruction_error(self, X):
        return self._chunks(X, lambda c: np.sum((c - self._reconstruct(c)) ** 2, axis=1))

    def reconstruct(self, X):
        """Projection of ``X`` on the principal subspace, in feature space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_hat : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        return self._chunks(self._validate_X(X, reset=False), self._reconstruct)

    def transform(self, X):
        """Principal-component coordinates of ``X`` (whitened if ``whiten``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components_)
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self._chunks(X, self.pca_.transform)

    def inverse_transform(self, Z):
        """Map principal-component coordinates back to feature space.

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_components_)

        Returns
        -------
        X_hat : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        Z = check_array(Z, dtype=[np.float64, np.float32])
        if Z.shape[1] != self.n_components_:
            raise ValueError(
                f"Z has {Z.shape[1]} features, but PCADetector has "
                f"n_components_={self.n_components_}."
            )
        return self._chunks(Z, self.pca_.inverse_transform)
