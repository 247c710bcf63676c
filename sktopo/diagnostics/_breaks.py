"""Where does a detector break the data? Loss-versus-distance and break regions.

An autoencoder whose latent space cannot chart the data in one piece tears them, and
its loss peaks at the tear (arXiv:2102.08380): a single point on a sphere (Secs. 5-6,
the loss-versus-distance plot), a submanifold on a torus or SO(3) (Sec. 8, App. C).
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Real

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra, minimum_spanning_tree
from scipy.spatial.distance import pdist, squareform
from scipy.stats import spearmanr
from sklearn.metrics import pairwise_distances
from sklearn.neighbors import KDTree, kneighbors_graph, radius_neighbors_graph
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import check_array

from sktopo.diagnostics._dimension import (
    _GRID_TIE_SHARE,
    _local_pca_estimate,
    _nearest_neighbors,
    _tie_share,
    _twonn_from_distances,
)
from sktopo.diagnostics._topology import _maxmin_landmarks
from sktopo.utils._validation import IntInterval

__all__ = ["BreakRegions", "LossDistanceResult", "locate_breaks", "loss_vs_distance"]

# Auto linkage distance = _LINKAGE_FACTOR x the median distance to the
# n_neighbors-th nearest neighbour (see locate_breaks).
_LINKAGE_FACTOR = 3.0
# Shape thresholds of the kind guess (see locate_breaks, Notes).
_MIN_SAMPLES_FOR_SHAPE = 30
_CURVE_PATH_RATIO = 0.85
_CURVE_ELONGATION = 12.0
_SHAPE_MAX_POINTS = 1000
_MST_NEIGHBORS = 15
_DOMINANT_SHARE = 2.0 / 3.0

# The kind guesses, in the order _guess_kind tries them (see locate_breaks, Notes).
_PUNCTURE, _TEAR, _SEVERAL, _SCATTERED, _NONE = KINDS = (
    "single puncture", "tear along a submanifold", "several break regions",
    "scattered outliers", "no break region",
)  # fmt: skip


def _check_points_and_errors(X, errors, *, min_samples):
    X = check_array(X, dtype=np.float64, ensure_min_samples=min_samples, input_name="X")
    errors = np.asarray(errors)
    if errors.ndim == 2 and errors.shape[1] == 1:
        errors = errors[:, 0]
    if errors.ndim != 1:
        raise ValueError(
            f"errors must be a 1-D array with one loss per sample, got shape {errors.shape}."
        )
    if errors.shape[0] != X.shape[0]:
        raise ValueError(
            f"X has {X.shape[0]} samples but errors has {errors.shape[0]} entries; "
            "give one loss per sample."
        )
    try:
        errors = errors.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError("errors must be numeric.") from exc
    if not np.all(np.isfinite(errors)):
        raise ValueError(
            f"errors contains {np.sum(~np.isfinite(errors))} NaN or infinite value(s)."
        )
    return X, errors


@dataclass(frozen=True, eq=False)
class LossDistanceResult:
    """Loss of every sample against its distance from the worst-loss sample.

    Attributes
    ----------
    distance : ndarray of shape (n_samples,)
        Distance of every sample from ``X[worst_index]`` (0 for that sample).
    error : ndarray of shape (n_samples,)
        The losses, as given.
    worst_index : int
        Index of the largest loss (the first one if several are equal).
    spearman : float
        Spearman rank correlation between ``distance`` and ``error``. Close to
        -1: the loss falls with the distance from one point, the signature of
        a single puncture. Near 0: no such trend, as for a tear along a
        submanifold or scattered outliers. NaN when ``error`` or ``distance``
        is constant (a rank correlation is undefined then).
    """

    distance: np.ndarray
    error: np.ndarray
    worst_index: int
    spearman: float


def _spearman(x, y):
    """Spearman correlation; NaN (not a warning) when either input is constant."""
    if x.size < 2 or np.ptp(x) == 0.0 or np.ptp(y) == 0.0:
        return float("nan")
    return float(spearmanr(x, y).statistic)


@validate_params(
    {
        "X": ["array-like"],
        "errors": ["array-like"],
        "metric": [str, callable],
    },
    prefer_skip_nested_validation=True,
)
def loss_vs_distance(X, errors, *, metric="euclidean"):
    """Loss against distance from the worst-loss sample (the loss-versus-distance plot).

    Sec. 5 of arXiv:2102.08380 introduces this plot for data of any
    dimension: if the autoencoder breaks the manifold at a single point (the
    only option on a sphere ``S^n``, Sec. 6 and Fig. 10), the loss is
    anti-correlated with the distance from the worst sample. A loss that does
    not fall with distance points to a tear along a submanifold (torus,
    SO(3); Sec. 8 and App. C) or to scattered anomalies.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Input samples (at least 2).
    errors : array-like of shape (n_samples,)
        Their losses (e.g. reconstruction errors), finite.
    metric : str or callable, default='euclidean'
        Any metric of :func:`sklearn.metrics.pairwise_distances`; the paper
        uses the Euclidean distance in input space.

    Returns
    -------
    result : LossDistanceResult
        ``distance``, ``error``, ``worst_index`` and ``spearman``. With a
        constant loss, ``worst_index`` is 0 and ``spearman`` is NaN.

    Raises
    ------
    ValueError
        If ``errors`` is not one finite number per sample.

    See Also
    --------
    locate_breaks : Groups the high-loss samples into regions.
    sktopo.plotting.LossDistanceDisplay : Draws the plot.

    References
    ----------
    .. [1] J. Batson, C. G. Haaf, Y. Kahn, D. A. Roberts, "Topological
       Obstructions to Autoencoding", arXiv:2102.08380, Secs. 5-6 (Figs. 6, 10).

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.diagnostics import loss_vs_distance
    >>> X = np.linspace(0.0, 1.0, 11)[:, None]
    >>> res = loss_vs_distance(X, np.exp(-3.0 * X[:, 0]))
    >>> res.worst_index, res.spearman
    (0, -1.0)
    """
    X, errors = _check_points_and_errors(X, errors, min_samples=2)
    worst = int(np.argmax(errors))
    distance = pairwise_distances(X[worst : worst + 1], X, metric=metric)[0]
    distance[worst] = 0.0
    return LossDistanceResult(
        distance=distance,
        error=errors,
        worst_index=worst,
        spearman=_spearman(distance, errors),
    )


@dataclass(frozen=True, eq=False)
class BreakRegions:
    """High-loss samples grouped into regions (worst region first), with a guess of the kind.

    Attributes
    ----------
    n_regions : int
        Number of regions with at least ``min_region_size`` members.
    kind : str
        Plain-words guess: ``'single puncture'``, ``'tear along a
        submanifold'``, ``'several break regions'``, ``'scattered outliers'``
        or ``'no break region'`` (see :func:`locate_breaks`, Notes).
    centers : ndarray of shape (n_regions, n_features)
        Mean position of each region's members in input space (for a region
        wrapped around a loop it need not lie on the data).
    sizes : ndarray of shape (n_regions,)
        Number of members of each region.
    members : tuple of ndarray of int
        Sample indices of each region, worst loss first.
    radius : ndarray of shape (n_regions,)
        Largest distance of a member from its region's centre.
    extent : ndarray of shape (n_regions,)
        Largest distance between two members of a region (0 for a singleton).
    max_error : ndarray of shape (n_regions,)
        Largest loss in each region.
    peak_index : ndarray of shape (n_regions,)
        Index of the sample with that loss.
    labels : ndarray of shape (n_samples,)
        Region of every sample, -1 for samples in no region.
    selected : ndarray of int
        The high-loss samples that were clustered, worst first (including
        those left out of the regions for being in too small a group).
    error_threshold : float
        Smallest loss among the ``selected`` samples.
    linkage_distance : float
        Single-linkage distance used: members of a region are joined by a
        chain of steps no longer than this, or with no unselected sample
        between them.
    spacing : float
        Median nearest-neighbour distance in ``X``.
    intrinsic_dimension : float
        TwoNN estimate of the dimension of ``X``.
    path_ratio : float
        Share of the minimum spanning tree of the region members that lies on
        its longest path (near 1: the members line up along a curve). NaN if
        fewer than 2 distinct members.
    elongation : float
        Length of that longest path over ``spacing * n_members ** (1 / d)``,
        ``d`` the rounded intrinsic dimension: below about 10 for a compact
        blob of members, much more for a curve or for scattered members.
    reason : str
        Plain-words explanation when ``kind`` is ``'no break region'`` (a
        flat loss, coinciding samples, or every region below
        ``min_region_size``); empty otherwise.
    """

    n_regions: int
    kind: str
    centers: np.ndarray
    sizes: np.ndarray
    members: tuple
    radius: np.ndarray
    extent: np.ndarray
    max_error: np.ndarray
    peak_index: np.ndarray
    labels: np.ndarray
    selected: np.ndarray
    error_threshold: float
    linkage_distance: float
    spacing: float
    intrinsic_dimension: float
    path_ratio: float
    elongation: float
    reason: str = ""


def _select_top(errors, quantile, top):
    """Indices of the ``top`` largest errors (or the top ``1 - quantile``), worst first."""
    n = errors.size
    if top is None:
        top = max(1, int(np.ceil((1.0 - quantile) * n - 1e-9)))
    elif top > n:
        raise ValueError(f"top={top} exceeds the number of samples ({n}).")
    order = np.argsort(-errors, kind="stable")  # ties: lower index first
    return order[:top]


def _gabriel_graph(X, selected):
    """Spanning-tree edges between selected samples with no unselected sample between them.

    Candidate pairs are the edges of a minimum spanning tree of the selected
    samples (over their ``_MST_NEIGHBORS``-nearest-neighbour graph): between
    two groups it holds their closest pair. An edge is kept when the ball that
    has it as a diameter (the Gabriel condition) holds no unselected sample
    of ``X``. Returns a sparse adjacency matrix over the positions in ``selected``.
    """
    m = selected.size
    if m < 2:
        return csr_matrix((m, m))
    points = X[selected]
    knn = kneighbors_graph(points, n_neighbors=min(_MST_NEIGHBORS, m - 1), mode="distance")
    tree = minimum_spanning_tree(knn.maximum(knn.T)).tocoo()
    midpoints = 0.5 * (points[tree.row] + points[tree.col])
    is_selected = np.zeros(X.shape[0], dtype=bool)
    is_selected[selected] = True
    inside = KDTree(X).query_radius(midpoints, r=0.5 * tree.data)
    empty = np.array([bool(np.all(is_selected[ind])) for ind in inside], dtype=bool)
    data = np.ones(int(empty.sum()))
    return csr_matrix((data, (tree.row[empty], tree.col[empty])), shape=(m, m))


def _tree_path_shape(points):
    """(longest MST path length, its share of the total MST length) of ``points``."""
    points = np.unique(points, axis=0)  # a zero distance would read as "no edge"
    if points.shape[0] < 2:
        return 0.0, float("nan")
    if points.shape[0] > _SHAPE_MAX_POINTS:
        points = points[_maxmin_landmarks(points, _SHAPE_MAX_POINTS, start=0)[0]]
    tree = minimum_spanning_tree(squareform(pdist(points)))
    total = float(tree.sum())
    # Longest path in a tree: farthest node from any node, then farthest from it.
    far = int(np.argmax(dijkstra(tree, directed=False, indices=0)))
    longest = float(np.max(dijkstra(tree, directed=False, indices=far)))
    return longest, longest / total


def _guess_kind(sizes, dim, n_members, path_ratio, elongation):
    if sizes.size == 0:
        return _NONE
    if (
        dim >= 2
        and n_members >= _MIN_SAMPLES_FOR_SHAPE
        and path_ratio >= _CURVE_PATH_RATIO
        and elongation >= _CURVE_ELONGATION
    ):
        return _TEAR
    if sizes.max() >= _DOMINANT_SHARE * n_members:
        return _PUNCTURE
    if sizes.size <= 3:
        return _SEVERAL
    return _SCATTERED


@validate_params(
    {
        "X": ["array-like"],
        "errors": ["array-like"],
        "quantile": [Interval(Real, 0.0, 1.0, closed="neither")],
        "top": [IntInterval(1, None, closed="left"), None],
        "linkage_distance": [Interval(Real, 0.0, None, closed="neither"), None],
        "min_region_size": [IntInterval(1, None, closed="left")],
        "n_neighbors": [IntInterval(2, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def locate_breaks(
    X,
    errors,
    *,
    quantile=0.99,
    top=None,
    linkage_distance=None,
    min_region_size=1,
    n_neighbors=5,
):
    """Group the highest-loss samples into break regions and guess their kind.

    1. **Select** the samples with the largest loss: the top ``1 - quantile``
       share (at least one), or the ``top`` worst if ``top`` is given.
    2. **Cluster** them by single linkage at ``linkage_distance``: two selected
       samples share a region when a chain of selected samples joins them with
       steps no longer than that. By default it is three times the median
       distance from a sample of ``X`` to its ``n_neighbors``-th nearest
       neighbour, so the scale follows the sampling density of the whole data
       set: a break region, where every nearby sample has a large loss, forms
       one region, while isolated anomalies far apart stay singletons. An
       edge of the minimum spanning tree of the selected samples also joins
       its two ends, whatever its length, when no unselected sample lies
       between them (inside the ball that has the edge as a diameter, the
       Gabriel condition): a chance gap in the sampling inside a break region
       (common on curves) then does not split it.
    3. **Describe** each region (centre, size, radius, extent, worst loss) and
       guess the **kind** of break (Notes).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Input samples (at least 3), e.g. a test set on the data manifold.
    errors : array-like of shape (n_samples,)
        Their losses (e.g. reconstruction errors), finite.
    quantile : float in (0, 1), default=0.99
        Samples above this quantile of the loss are selected, precisely the
        ``ceil((1 - quantile) * n_samples)`` largest. Ignored if ``top`` is set.
    top : int or None, default=None
        Select exactly this many worst samples instead.
    linkage_distance : float or None, default=None
        Single-linkage distance; ``None`` uses the rule of step 2. Returned as
        ``linkage_distance`` in the result.
    min_region_size : int, default=1
        Regions with fewer members are dropped (their samples get label -1).
    n_neighbors : int, default=5
        Neighbour rank of the default linkage distance.

    Returns
    -------
    regions : BreakRegions
        ``n_regions``, ``kind``, per-region ``centers``, ``sizes``,
        ``members``, ``radius``, ``extent``, ``max_error``, and diagnostics.

    Raises
    ------
    ValueError
        If ``errors`` is not one finite number per sample.

    See Also
    --------
    loss_vs_distance : The loss-versus-distance view of the same losses.
    topology_check : Whether the data's topology forces a break at all.

    Notes
    -----
    The kind is a guess from the shape of the regions' members (all of them,
    ``M`` samples), with ``d`` the rounded TwoNN dimension of ``X``:

    - ``'tear along a submanifold'`` if ``d >= 2``, ``M >= 30`` and the
      members line up along a curve: the longest path of their minimum
      spanning tree holds at least 85 % of its length (``path_ratio``) and is
      at least 12 times ``spacing * M ** (1 / d)`` (``elongation``; compact
      blobs of samples stay below about 10, curves on the library's torus
      reach 20-40). This covers one long region as well as a chain of
      fragments along the torn curve (on a torus, arXiv:2102.08380 Sec. 8).
      With fewer members the shape cannot be told from chance (20 random
      points in a disc give path ratios up to 1; 30 up to about 0.8).
    - ``'single puncture'`` otherwise, if the largest region holds at least
      two thirds of the members: a compact break point as on a sphere
      (Secs. 4-6), possibly with a few stray high-loss samples.
    - ``'several break regions'`` for 2 or 3 regions, none dominant, e.g. a
      torus pinched at two places (App. C.2).
    - ``'scattered outliers'`` for more regions, none dominant: no break
      structure, isolated high-loss samples (real anomalies or noise).
    - ``'no break region'`` if ``min_region_size`` removed every region,
      and also, without any clustering, when there is no break to find: a
      flat loss (every sample has the same loss, to rounding) or samples that
      all coincide.  ``reason`` says which.

    On one-dimensional data (``d = 1``) a tear is always a point, so the
    curve test is skipped.

    References
    ----------
    .. [1] J. Batson, C. G. Haaf, Y. Kahn, D. A. Roberts, "Topological
       Obstructions to Autoencoding", arXiv:2102.08380, Secs. 4-6, 8, App. C.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.datasets import make_circle
    >>> from sktopo.diagnostics import locate_breaks
    >>> X, phi = make_circle(1000, random_state=0)
    >>> errors = np.exp(-((phi - np.pi) ** 2) / 0.01)  # large loss around phi = pi
    >>> regions = locate_breaks(X, errors)
    >>> regions.n_regions, regions.kind
    (1, 'single puncture')
    >>> np.round(regions.centers[0], 2)
    array([-1.,  0.])
    """
    X, errors = _check_points_and_errors(X, errors, min_samples=3)
    n_samples = X.shape[0]
    reason = _nothing_to_find(X, errors)
    if reason:
        return _no_break(X, errors, reason)
    k = min(max(n_neighbors, 2), n_samples - 1)
    nn_dist, _ = _nearest_neighbors(X, k)
    spacing = float(np.median(nn_dist[:, 0]))
    if _tie_share(nn_dist[:, 0], nn_dist[:, 1]) > _GRID_TIE_SHARE:  # a regular grid
        intrinsic = _local_pca_estimate(X, check_random_state(0))
    else:
        intrinsic = _twonn_from_distances(nn_dist[:, 0], nn_dist[:, 1])
    dim = max(1, int(np.rint(intrinsic))) if np.isfinite(intrinsic) else X.shape[1]
    if linkage_distance is None:
        linkage_distance = _LINKAGE_FACTOR * float(np.median(nn_dist[:, k - 1]))
        if linkage_distance <= 0.0:  # heavily duplicated data
            linkage_distance = float(np.finfo(np.float64).tiny)

    selected = _select_top(errors, quantile, top)
    points = X[selected]
    graph = radius_neighbors_graph(points, linkage_distance, mode="connectivity")
    graph = graph + _gabriel_graph(X, selected)
    _, component = connected_components(graph, directed=False)

    # Group by component; keep big enough ones; order by their worst loss.
    # ``selected`` is worst first, so each group's first member is its peak.
    groups = {}
    for position, label in enumerate(component):
        groups.setdefault(label, []).append(position)
    kept = [np.asarray(g) for g in groups.values() if len(g) >= min_region_size]
    kept.sort(key=lambda g: g[0])

    labels = np.full(n_samples, -1, dtype=np.intp)
    members, centers, radius, extent = [], [], [], []
    for region, positions in enumerate(kept):
        idx = selected[positions]
        labels[idx] = region
        pts = X[idx]
        center = pts.mean(axis=0)
        members.append(idx)
        centers.append(center)
        radius.append(float(np.max(np.linalg.norm(pts - center, axis=1))))
        extent.append(float(pdist(pts).max()) if idx.size > 1 else 0.0)

    in_regions = np.flatnonzero(labels >= 0)
    if in_regions.size >= 2:
        longest, path_ratio = _tree_path_shape(X[in_regions])
        elongation = longest / (spacing * in_regions.size ** (1.0 / dim)) if spacing else np.inf
    else:
        path_ratio, elongation = float("nan"), 0.0
    sizes = np.array([m.size for m in members], dtype=np.intp)
    kind = _guess_kind(sizes, dim, in_regions.size, path_ratio, elongation)
    reason = "" if kind != _NONE else (
        f"every group of high-loss samples has fewer than min_region_size="
        f"{min_region_size} members."
    )

    return BreakRegions(
        n_regions=len(members),
        kind=kind,
        centers=np.array(centers).reshape(len(members), X.shape[1]),
        sizes=sizes,
        members=tuple(members),
        radius=np.array(radius),
        extent=np.array(extent),
        max_error=np.array([errors[m[0]] for m in members]),
        peak_index=np.array([m[0] for m in members], dtype=np.intp),
        labels=labels,
        selected=selected,
        error_threshold=float(errors[selected[-1]]),
        linkage_distance=float(linkage_distance),
        spacing=spacing,
        intrinsic_dimension=float(intrinsic),
        path_ratio=float(path_ratio),
        elongation=float(elongation),
        reason=reason,
    )


def _nothing_to_find(X, errors):
    """Why there is no break to find in ``(X, errors)``, or ``''`` if there may be one."""
    scale = float(np.max(np.abs(errors)))
    if np.ptp(errors) <= 8 * np.finfo(np.float64).eps * scale:
        return (f"the loss is flat (every sample has loss {errors[0]:.6g}, to rounding): "
                "there is no break to find.")
    if not np.any(np.ptp(X, axis=0)):
        return ("all samples are the same point: their losses differ, but no region of "
                "the data can be told apart, so there is no break to find.")
    return ""


def _no_break(X, errors, reason):
    """The result 'no break region' without clustering (see :func:`_nothing_to_find`)."""
    empty = np.empty(0)
    return BreakRegions(
        n_regions=0, kind=_NONE, centers=np.empty((0, X.shape[1])),
        sizes=np.empty(0, dtype=np.intp), members=(), radius=empty, extent=empty,
        max_error=empty, peak_index=np.empty(0, dtype=np.intp),
        labels=np.full(X.shape[0], -1, dtype=np.intp), selected=np.empty(0, dtype=np.intp),
        error_threshold=float(np.max(errors)), linkage_distance=float("nan"),
        spacing=float("nan"), intrinsic_dimension=float("nan"), path_ratio=float("nan"),
        elongation=0.0, reason=reason,
    )
