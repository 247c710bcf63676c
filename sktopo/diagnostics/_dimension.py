"""How many latent dimensions? TwoNN intrinsic dimension and the PCA scree.

An autoencoder whose latent dimension equals the intrinsic dimension ``d`` of
the data is the setting of arXiv:2102.08380; arXiv:1808.08992 (Fig. 5) picks
the latent dimension from the "elbow" of the PCA scree plot or from the number
of components reaching 95 % or 99 % of the variance. The two counts differ on
curved data: a circle has intrinsic dimension 1 but needs two principal
components.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from numbers import Real

import numpy as np
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import check_array

from sktopo.utils._validation import IntInterval

__all__ = [
    "LatentDimSuggestion",
    "ScreeResult",
    "estimate_intrinsic_dimension",
    "pca_scree",
    "suggest_latent_dim",
]


# --------------------------------------------------------------------------- #
# TwoNN kernel (also used by _breaks.py and _topology.py)
# --------------------------------------------------------------------------- #

_TIE_RTOL = 1e-9  # r2 <= r1 * (1 + _TIE_RTOL) counts as a tie
_GRID_TIE_SHARE = 0.5  # above this share of ties, TwoNN falls back to local PCA
_LOCAL_PCA_NEIGHBORS = 10
_LOCAL_PCA_MAX_CENTERS = 500


def _twonn_from_distances(r1, r2, *, method="twonn", discard_fraction=0.1):
    """TwoNN estimate from first and second nearest-neighbour distances.

    ``mu = r2 / r1`` follows the Pareto law ``P(mu > x) = x**(-d)`` on a
    manifold of dimension ``d`` with locally constant density (Facco et al.
    2017). Samples with ``r1 == 0`` (duplicates) carry no information and are
    dropped. Returns NaN when fewer than 3 usable samples remain.
    """
    r1 = np.asarray(r1, dtype=np.float64)
    r2 = np.asarray(r2, dtype=np.float64)
    # Ties r2 = r1 (regular grids) carry no information either: log(mu) would be
    # rounding noise around 0 and blow the estimate up.
    keep = (r1 > 0.0) & (r2 > r1 * (1.0 + _TIE_RTOL))
    log_mu = np.log(r2[keep] / r1[keep])
    n = log_mu.size
    if n < 3:
        return float("nan")
    if method == "twonn_mle":
        # Maximum likelihood, with the (n - 1) / n small-sample bias correction.
        total = log_mu.sum()
        return float((n - 1) / total) if total > 0 else float("inf")
    # Facco et al.: fit -log(1 - F_emp(mu)) = d * log(mu) through the origin,
    # dropping the largest mu (the tail where 1 - F_emp -> 0 is noisy).
    log_mu = np.sort(log_mu)
    n_fit = max(2, int(np.floor(n * (1.0 - discard_fraction))))
    x = log_mu[:n_fit]
    y = -np.log1p(-np.arange(1, n_fit + 1) / n)
    denom = np.dot(x, x)
    return float(np.dot(x, y) / denom) if denom > 0 else float("inf")


def _tie_share(r1, r2):
    """Share of samples whose first two neighbours are equidistant (of those with ``r1 > 0``)."""
    positive = r1 > 0.0
    if not np.any(positive):
        return 1.0
    return float(np.mean(r2[positive] <= r1[positive] * (1.0 + _TIE_RTOL)))


def _local_pca_dimension(X, *, n_neighbors=_LOCAL_PCA_NEIGHBORS, variance=0.95, centers=None):
    """Median over ``centers`` of the components reaching ``variance`` in each neighbourhood.

    Each neighbourhood is a sample and its ``n_neighbors`` nearest neighbours,
    centred; its dimension is the number of principal components needed to
    explain the share ``variance`` of its variance.  Unlike TwoNN this does not
    assume random sampling, so it works on regular grids.
    """
    n_samples = X.shape[0]
    k = min(n_neighbors, n_samples - 1)
    centers = np.arange(n_samples) if centers is None else centers
    _, index = NearestNeighbors(n_neighbors=k + 1).fit(X).kneighbors(X[centers])
    hoods = X[index] - X[index].mean(axis=1, keepdims=True)
    sv2 = np.linalg.svd(hoods, compute_uv=False) ** 2
    total = sv2.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        cum = np.cumsum(sv2, axis=1) / total
    dims = 1 + np.sum(cum < variance - 1e-12, axis=1)
    return float(np.median(dims[total[:, 0] > 0])) if np.any(total > 0) else float("nan")


def _nearest_neighbors(X, n_neighbors):
    """Distances and indices of the ``n_neighbors`` nearest other rows of every row."""
    nn = NearestNeighbors(n_neighbors=n_neighbors).fit(X)
    return nn.kneighbors()  # excludes each sample itself


def _as_points(X, name="X", min_samples=3):
    X = check_array(X, dtype=np.float64, ensure_min_samples=min_samples, input_name=name)
    return X


# --------------------------------------------------------------------------- #
# Public functions
# --------------------------------------------------------------------------- #


@validate_params(
    {
        "X": ["array-like"],
        "method": [StrOptions({"twonn", "twonn_mle", "local_pca"})],
        "discard_fraction": [Interval(Real, 0.0, 1.0, closed="left")],
        "max_samples": [IntInterval(3, None, closed="left"), None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def estimate_intrinsic_dimension(
    X, *, method="twonn", discard_fraction=0.1, max_samples=None, random_state=None
):
    """Intrinsic dimension of a point cloud by the TwoNN estimator.

    For every sample the ratio ``mu = r2 / r1`` of the distances to its second
    and first nearest neighbours is computed. If the density is roughly
    constant over the scale of the second neighbour, ``mu`` follows a Pareto
    law ``P(mu > x) = x**(-d)`` whose exponent ``d`` is the intrinsic
    dimension, whatever the density and the embedding dimension.

    - ``method='twonn'`` (Facco et al.): sort the ``mu``, assign each its
      empirical CDF ``F = i / N``, and fit ``-log(1 - F) = d log(mu)`` by least
      squares through the origin, discarding the largest ``discard_fraction``
      of the ``mu`` (10 % in the paper), where ``1 - F`` is tiny and noisy.
    - ``method='twonn_mle'``: the maximum-likelihood estimate of the Pareto
      exponent, ``d = (N - 1) / sum(log mu)`` (the ``N - 1`` removes the
      small-sample bias). It uses all samples and has the smaller variance,
      but noise in the largest ``mu`` pulls it down.

    - ``method='local_pca'``: for (up to 500) samples, the number of
      principal components explaining 95 % of the variance of the sample and
      its 10 nearest neighbours; the median over samples.  It does not assume
      random sampling, and is an integer (or half-integer).

    Exact duplicates (``r1 = 0``) are ignored. The estimate looks at the
    scale of the two nearest neighbours, so noise larger than the sample
    spacing inflates it towards the embedding dimension.

    On a regular grid (e.g. ``make_circle(..., sampling='equidistant')``)
    the first two neighbours are equidistant and ``mu = 1`` exactly, which
    TwoNN's Pareto law does not allow; ties are dropped, and when more than
    half of the samples are ties the TwoNN methods warn and return the
    ``'local_pca'`` estimate instead.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The data, at least 3 samples.
    method : {'twonn', 'twonn_mle', 'local_pca'}, default='twonn'
        Linear fit of Facco et al., the maximum-likelihood estimate, or
        local PCA.
    discard_fraction : float in [0, 1), default=0.1
        Share of the largest ratios left out of the linear fit
        (``method='twonn'`` only).
    max_samples : int or None, default=None
        Estimate on a random subset of this many samples (drawn with
        ``random_state``) to bound the cost on large data sets; ``None`` uses
        every sample. Subsampling makes the neighbours farther apart, which
        TwoNN tolerates as long as the manifold stays locally flat at that scale.
    random_state : int, RandomState instance or None, default=None
        Seeds the subset of ``max_samples``; unused otherwise.

    Returns
    -------
    dimension : float
        The estimated intrinsic dimension (not rounded).

    See Also
    --------
    suggest_latent_dim : TwoNN and PCA counts side by side.

    References
    ----------
    .. [1] E. Facco, M. d'Errico, A. Rodriguez, A. Laio, "Estimating the
       intrinsic dimension of datasets by a minimal neighborhood information",
       Sci. Rep. 7, 12140 (2017), doi:10.1038/s41598-017-11873-y.

    Examples
    --------
    >>> from sktopo.datasets import make_circle, make_sphere
    >>> from sktopo.diagnostics import estimate_intrinsic_dimension
    >>> X, _ = make_circle(2000, random_state=0)
    >>> round(estimate_intrinsic_dimension(X))
    1
    >>> X, _ = make_sphere(2000, n_dim=2, random_state=0)
    >>> round(estimate_intrinsic_dimension(X, method="twonn_mle"))
    2
    """
    X = _as_points(X)
    if max_samples is not None and max_samples < X.shape[0]:
        rng = check_random_state(random_state)
        X = X[rng.choice(X.shape[0], size=max_samples, replace=False)]
    X = np.unique(X, axis=0)  # duplicates have r1 = 0
    if X.shape[0] < 3:
        raise ValueError("TwoNN needs at least 3 distinct samples.")
    rng = check_random_state(random_state)
    if method != "local_pca":
        dist, _ = _nearest_neighbors(X, 2)
        ties = _tie_share(dist[:, 0], dist[:, 1])
        if ties <= _GRID_TIE_SHARE:
            return _twonn_from_distances(
                dist[:, 0], dist[:, 1], method=method, discard_fraction=discard_fraction
            )
        warnings.warn(
            f"{ties:.0%} of the samples have equidistant first and second neighbours, as on "
            "a regular grid; TwoNN assumes randomly sampled data, so the local-PCA estimate "
            "(method='local_pca') is returned instead.",
            UserWarning,
            stacklevel=2,
        )
    return _local_pca_estimate(X, rng)


def _local_pca_estimate(X, rng):
    """:func:`_local_pca_dimension` on at most ``_LOCAL_PCA_MAX_CENTERS`` random samples."""
    n = X.shape[0]
    centers = (rng.choice(n, size=_LOCAL_PCA_MAX_CENTERS, replace=False)
               if n > _LOCAL_PCA_MAX_CENTERS else None)
    return _local_pca_dimension(X, centers=centers)


def _intrinsic_dimension_quiet(X, *, max_samples=None, random_state=None):
    """TwoNN, or local PCA on grid-like data, without the warning (for other diagnostics)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*equidistant first and second neighbours")
        return estimate_intrinsic_dimension(X, max_samples=max_samples,
                                            random_state=random_state)


@dataclass(frozen=True, eq=False)
class ScreeResult:
    """Explained variance of each principal component, for a scree plot.

    Attributes
    ----------
    explained_variance : ndarray of shape (n_components,)
        Variance along each principal axis (``ddof=1``), in decreasing order.
    explained_variance_ratio : ndarray of shape (n_components,)
        The same divided by the total variance of the data.
    cumulative_explained_variance_ratio : ndarray of shape (n_components,)
        Running sum of ``explained_variance_ratio``.
    """

    explained_variance: np.ndarray
    explained_variance_ratio: np.ndarray
    cumulative_explained_variance_ratio: np.ndarray

    def n_components_for(self, fraction):
        """Fewest leading components whose variance share reaches ``fraction``.

        Parameters
        ----------
        fraction : float in (0, 1]
            Target share of the total variance, e.g. 0.95 or 0.99.

        Returns
        -------
        n_components : int
            Number of components; the number computed if even all of them
            fall short (possible when ``n_components`` was limited).
        """
        return _n_components_for(self.cumulative_explained_variance_ratio, fraction)


def _n_components_for(cumulative, fraction):
    """Fewest leading components whose cumulative variance share reaches ``fraction``."""
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction!r}.")
    # Tolerate rounding in the running sum (1 - 1e-16 should reach 1.0).
    reached = np.flatnonzero(np.asarray(cumulative) >= fraction - 1e-12)
    return int(reached[0] + 1) if reached.size else int(len(cumulative))


@validate_params(
    {
        "X": ["array-like"],
        "n_components": [IntInterval(1, None, closed="left"), None],
    },
    prefer_skip_nested_validation=True,
)
def pca_scree(X, n_components=None):
    """Explained-variance ratios of the principal components (the scree plot).

    The scree plot of arXiv:1808.08992 (Fig. 5, left) shows the share of the
    variance carried by each principal component in decreasing order; the
    latent dimension is read off at its "elbow", or as the number of
    components reaching 95 % or 99 % of the variance. Ratios are relative to
    the total variance of ``X``, so they sum to 1 over all components.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The data (at least 2 samples, not all equal); centred internally.
    n_components : int or None, default=None
        Number of leading components to return; ``None`` returns
        ``min(n_samples, n_features)``.

    Returns
    -------
    result : ScreeResult
        ``explained_variance``, ``explained_variance_ratio`` and
        ``cumulative_explained_variance_ratio``.

    Raises
    ------
    ValueError
        If every sample is the same point: the ratios would be 0 / 0.

    See Also
    --------
    sktopo.plotting.ScreePlotDisplay : Draws the result.
    suggest_latent_dim : Compares the PCA count with the TwoNN dimension.

    References
    ----------
    .. [1] M. Farina, Y. Nakai, D. Shih, "Searching for New Physics with Deep
       Autoencoders", Phys. Rev. D 101, 075021 (2020), arXiv:1808.08992, Fig. 5.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.diagnostics import pca_scree
    >>> X = np.array([[3.0, 0, 0], [-3, 0, 0], [0, 2, 0], [0, -2, 0], [0, 0, 1], [0, 0, -1]])
    >>> scree = pca_scree(X)
    >>> np.round(scree.explained_variance_ratio * 14, 6)
    array([9., 4., 1.])
    >>> scree.n_components_for(0.9)
    2
    """
    X = check_array(X, dtype=np.float64, ensure_min_samples=2)
    max_components = min(X.shape)
    if n_components is None:
        n_components = max_components
    elif n_components > max_components:
        raise ValueError(
            f"n_components={n_components} exceeds min(n_samples, n_features)={max_components}."
        )
    if not np.any(np.ptp(X, axis=0)):
        raise ValueError(
            "X has zero variance (every sample is the same point): no principal component "
            "carries any variance, so there is no scree to read."
        )
    pca = PCA(n_components=n_components, svd_solver="full").fit(X)
    ratio = np.asarray(pca.explained_variance_ratio_, dtype=np.float64)
    return ScreeResult(
        explained_variance=np.asarray(pca.explained_variance_, dtype=np.float64),
        explained_variance_ratio=ratio,
        cumulative_explained_variance_ratio=np.cumsum(ratio),
    )


@dataclass(frozen=True)
class LatentDimSuggestion:
    """TwoNN and PCA counts of the latent dimension, with a plain-words note.

    Attributes
    ----------
    twonn : float
        TwoNN intrinsic dimension (not rounded).
    twonn_dim : int
        ``twonn`` rounded to the nearest integer, at least 1.
    pca_dim : int
        Fewest principal components reaching ``variance_threshold``.
    variance_threshold : float
        The variance share used for ``pca_dim``.
    note : str
        What the two counts say together.
    """

    twonn: float
    twonn_dim: int
    pca_dim: int
    variance_threshold: float
    note: str


def _latent_dim_note(twonn, twonn_dim, pca_dim, threshold):
    pct = f"{100 * threshold:g} %"
    if pca_dim == twonn_dim:
        return (
            f"TwoNN ({twonn:.2f}) and PCA ({pca_dim} components for {pct} of the "
            f"variance) agree: the data look flat, close to a {pca_dim}-dimensional "
            f"linear subspace, and a latent space of dimension {pca_dim} (even a "
            f"PCA detector) should describe them."
        )
    if pca_dim > twonn_dim:
        return (
            f"The data look like a curved {twonn_dim}-dimensional manifold (TwoNN "
            f"{twonn:.2f}) spread over {pca_dim} linear dimensions (PCA needs "
            f"{pca_dim} components for {pct} of the variance). An autoencoder with "
            f"latent_dim={twonn_dim} can compress them, PCA cannot. If the manifold "
            f"is closed (a circle, a sphere, a torus), a latent space of dimension "
            f"{twonn_dim} forces a break point: run topology_check before choosing."
        )
    return (
        f"TwoNN ({twonn:.2f}) exceeds the number of principal components needed for "
        f"{pct} of the variance ({pca_dim}): noise on a scale comparable to the "
        f"sample spacing, or too few samples, inflates TwoNN. Prefer the PCA count, "
        f"or look at the scree plot for an elbow."
    )


@validate_params(
    {
        "X": ["array-like"],
        "variance_threshold": [Interval(Real, 0.0, 1.0, closed="right")],
        "max_samples": [IntInterval(3, None, closed="left"), None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def suggest_latent_dim(X, *, variance_threshold=0.99, max_samples=10_000, random_state=None):
    """Suggest a latent dimension from TwoNN and from the PCA variance share.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The data, at least 3 samples.
    variance_threshold : float in (0, 1], default=0.99
        Variance share the PCA count must reach (arXiv:1808.08992 mentions
        95 % and 99 %).
    max_samples : int or None, default=10_000
        TwoNN runs on at most this many samples (see
        :func:`estimate_intrinsic_dimension`); PCA always uses all.
    random_state : int, RandomState instance or None, default=None
        Seeds the TwoNN subset.

    Returns
    -------
    suggestion : LatentDimSuggestion
        ``twonn``, ``twonn_dim``, ``pca_dim`` and a ``note`` in plain words.

    See Also
    --------
    estimate_intrinsic_dimension, pca_scree, topology_check

    References
    ----------
    .. [1] E. Facco, M. d'Errico, A. Rodriguez, A. Laio, Sci. Rep. 7, 12140
       (2017), doi:10.1038/s41598-017-11873-y.
    .. [2] M. Farina, Y. Nakai, D. Shih, arXiv:1808.08992, Fig. 5.

    Examples
    --------
    >>> from sktopo.datasets import make_circle
    >>> from sktopo.diagnostics import suggest_latent_dim
    >>> X, _ = make_circle(2000, random_state=0)
    >>> s = suggest_latent_dim(X)
    >>> s.twonn_dim, s.pca_dim
    (1, 2)
    >>> "curved 1-dimensional manifold" in s.note
    True
    """
    X = _as_points(X)
    twonn = estimate_intrinsic_dimension(X, max_samples=max_samples, random_state=random_state)
    twonn_dim = max(1, int(np.rint(twonn))) if np.isfinite(twonn) else X.shape[1]
    pca_dim = pca_scree(X).n_components_for(variance_threshold)
    return LatentDimSuggestion(
        twonn=twonn,
        twonn_dim=twonn_dim,
        pca_dim=pca_dim,
        variance_threshold=float(variance_threshold),
        note=_latent_dim_note(twonn, twonn_dim, pca_dim, variance_threshold),
    )
