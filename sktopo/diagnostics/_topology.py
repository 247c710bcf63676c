"""Does the data's topology force a break? Persistent homology before training.

Footnote 10 of arXiv:2102.08380: if the data have persistent first homology at
the scale of the break region, they behave like a circle and an autoencoder
with a one-dimensional latent space must have a bad point. More generally, a
compact subset of ``R^m`` has no ``k``-dimensional homology for ``k >= m``, so a
continuous encoder into an ``m``-dimensional latent space cannot be one-to-one
on data with a persistent ``k``-dimensional hole, ``k >= m``: it must tear them.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb
from numbers import Real

import numpy as np
from scipy.spatial.distance import pdist, squareform
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import check_array

from sktopo.diagnostics._dimension import _intrinsic_dimension_quiet
from sktopo.utils._optional import import_optional
from sktopo.utils._validation import IntInterval

__all__ = [
    "LatentSpaceSuggestion",
    "TopologyCheckResult",
    "suggest_latent_space",
    "topology_check",
]

_TWONN_MAX_SAMPLES = 10_000


def _maxmin_landmarks(X, n_landmarks, *, start=0):
    """Greedy farthest-point (maxmin) subsample of ``n_landmarks`` rows of ``X``.

    Starting from row ``start``, repeatedly add the row farthest from those
    already chosen. Returns the chosen indices, in the order chosen, and the
    covering radius: the largest distance from a row of ``X`` to its nearest
    landmark. Cost ``O(n_samples * n_landmarks)``.
    """
    n_landmarks = min(n_landmarks, X.shape[0])
    chosen = np.empty(n_landmarks, dtype=np.intp)
    chosen[0] = start
    nearest = np.linalg.norm(X - X[start], axis=1)
    for i in range(1, n_landmarks):
        chosen[i] = int(np.argmax(nearest))
        np.minimum(nearest, np.linalg.norm(X - X[chosen[i]], axis=1), out=nearest)
    return chosen, float(nearest.max())


def _count_features(lifetimes, floor, gap_ratio):
    """Number of persistent features among ``lifetimes`` (one homology dimension).

    Candidates outlive ``floor``. Sorted in decreasing order, the count is the
    position of the widest ratio gap ``l_i / l_{i+1}`` among them (the gap after
    the last candidate is measured to the next, shorter, lifetime, or to the
    floor if there is none), provided that gap is at least ``gap_ratio``;
    otherwise nothing counts.
    """
    lifetimes = np.sort(np.asarray(lifetimes, dtype=np.float64))[::-1]
    n_candidates = int(np.count_nonzero(lifetimes > floor))
    if n_candidates == 0:
        return 0
    upper = lifetimes[:n_candidates]
    lower = np.append(lifetimes[1:], floor)[:n_candidates]
    with np.errstate(divide="ignore"):
        gaps = np.where(lower > 0.0, upper / np.where(lower > 0.0, lower, 1.0), np.inf)
    best = int(np.argmax(gaps))
    return best + 1 if gaps[best] >= gap_ratio else 0


_SHAPES = {
    # (intrinsic dimension, betti numbers b0..b2): name
    (1, (1, 1, 0)): "a circle",
    (2, (1, 0, 1)): "a 2-sphere",
    (2, (1, 2, 1)): "a torus",
}


def _describe(betti, dim):
    b = tuple(int(v) for v in betti[:3]) + (0,) * (3 - min(3, betti.size))
    numbers = ", ".join(f"b{k} = {v}" for k, v in enumerate(betti))
    shape = _SHAPES.get((dim, b))
    if shape is None and 1 <= dim < betti.size and betti[dim] >= 1:
        shape = f"a closed {dim}-dimensional manifold"
    if shape is None:
        return f"The data have non-trivial topology ({numbers})."
    return f"The data look like {shape} ({numbers})."


def _holes(k, count):
    """``count`` holes of dimension ``k`` in words: 'a loop', '2 independent loops', ..."""
    count = int(count)
    if k == 1:
        return "a loop" if count == 1 else f"{count} independent loops"
    if k == 2:
        return "an enclosed cavity" if count == 1 else f"{count} enclosed cavities"
    return f"a {k}-dimensional hole" if count == 1 else f"{count} {k}-dimensional holes"


def _topology_warnings(betti, dim, twonn, latent_dim, max_dim):
    """Plain-words warnings from Betti numbers and the (assumed) latent dimension."""
    messages = []
    if latent_dim is None:
        latent = dim
        assumed = (
            f" (assuming a latent space as large as the data's apparent dimension, "
            f"{dim}, from the TwoNN estimate {twonn:.2f})"
        )
    else:
        latent, assumed = latent_dim, ""
    holes = [k for k in range(1, betti.size) if betti[k] > 0]
    blocking = [k for k in holes if k >= latent]
    if blocking:
        top = max(blocking)
        what = " and ".join(_holes(k, betti[k]) for k in blocking)
        messages.append(
            f"{_describe(betti, dim)} A latent space of dimension {latent}{assumed} "
            f"cannot hold {what}: any continuous encoder into it must tear the data "
            f"somewhere. Expect a break point (or a tear along a curve), a region where "
            f"nearby inputs get distant codes and the reconstruction error is large "
            f"(arXiv:2102.08380, Sec. 4 and footnote 10). Consider a larger latent "
            f"space (dimension {top + 1} or more) or a ChartEnsembleDetector, which "
            f"covers the data with several charts."
        )
    elif holes:
        parts = [f"{_holes(k, betti[k])} (b{k} = {betti[k]})" for k in holes]
        message = (
            f"The data have {' and '.join(parts)}. A latent space of dimension "
            f"{latent}{assumed} can hold them without a break in principle, but "
            f"autoencoders often still tear or pinch such data (arXiv:2102.08380, "
            f"Sec. 8 and App. C): check the losses with locate_breaks or "
            f"loss_vs_distance after training."
        )
        if latent_dim is None:
            top = max(holes)
            message += (
                f" Noise raises the TwoNN estimate: if the data are really a "
                f"{top}-dimensional manifold plus noise, a {top}-dimensional latent "
                f"space would have to break them (pass latent_dim={top} to check)."
            )
        messages.append(message)
    if dim > max_dim:
        messages.append(
            f"The data look {dim}-dimensional (TwoNN {twonn:.2f}) but homology was "
            f"computed only up to dimension {max_dim}: a closed {dim}-dimensional "
            f"manifold (a {dim}-sphere, say) would go unnoticed here. Raise max_dim "
            f"(much slower) or look for a single break point with loss_vs_distance."
        )
    return messages


@dataclass(frozen=True, eq=False)
class TopologyCheckResult:
    """Persistent Betti numbers of the data and what they mean for the latent space.

    Attributes
    ----------
    betti : ndarray of shape (max_dim + 1,)
        Persistent Betti numbers ``b0, b1, ..., b_max_dim`` of the subsample:
        connected pieces, independent loops, enclosed cavities, ...
    diagrams : list of ndarray of shape (n_features_k, 2)
        ripser's persistence diagrams (birth, death) for each dimension, in the
        units of ``X``. Features still alive at ``max_scale`` have death ``inf``.
    warnings : list of str
        Plain-words warnings; empty when nothing stands in the way of the
        latent space (e.g. a paraboloid).
    landmarks : ndarray of int
        Indices of the samples used, in the order the farthest-point
        selection chose them.
    resolution : float
        Largest distance from a landmark to its nearest other landmark: the
        subsample cannot see holes smaller than this.
    lifetime_threshold : float
        ``persistence_threshold * resolution``: the shortest lifetime a
        feature of dimension >= 1 needs to count.
    max_scale : float
        Scale at which the filtration stopped, ``max_scale * resolution``.
    intrinsic_dimension : float
        TwoNN estimate of the dimension of ``X``.
    latent_dim : int
        The latent dimension the warnings refer to: the one given, or the
        rounded ``intrinsic_dimension``.
    """

    betti: np.ndarray
    diagrams: list
    warnings: list
    landmarks: np.ndarray
    resolution: float
    lifetime_threshold: float
    max_scale: float
    intrinsic_dimension: float
    latent_dim: int


@validate_params(
    {
        "X": ["array-like"],
        "latent_dim": [IntInterval(1, None, closed="left"), None],
        "max_dim": [IntInterval(0, None, closed="left")],
        "n_subsample": [IntInterval(4, None, closed="left")],
        "random_state": ["random_state"],
        "persistence_threshold": [Interval(Real, 0.0, None, closed="neither")],
        "gap_ratio": [Interval(Real, 1.0, None, closed="left")],
        "max_scale": [Interval(Real, 3.0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def topology_check(
    X,
    *,
    latent_dim=None,
    max_dim=2,
    n_subsample=300,
    random_state=None,
    persistence_threshold=0.85,
    gap_ratio=1.5,
    max_scale=4.0,
):
    """Persistent homology of the data, and whether a latent space can chart them.

    A closed manifold cannot be mapped one-to-one into a latent space of its
    own dimension: the circle into ``R^1``, the sphere ``S^2`` or the torus into
    ``R^2``. An autoencoder with such a latent space must tear the data, and
    its loss peaks at the tear (arXiv:2102.08380; footnote 10 phrases this with
    persistent homology). This function computes persistent Betti numbers on a
    subsample and warns, in plain words, when the data have a ``k``-dimensional
    hole with ``k >= latent_dim`` -- a compact subset of ``R^m`` has none, so
    the encoder cannot be continuous and injective.

    **Subsample.** Vietoris-Rips persistent homology grows fast with the number
    of points, so it runs on ``n_subsample`` landmarks chosen by greedy
    farthest-point (maxmin) selection, started from a sample drawn with
    ``random_state``. Unlike a random subsample, the landmarks cover the data
    evenly (every sample lies within the covering radius of a landmark), so
    small holes are not faked by sparse regions. This works best with several
    times more samples than landmarks; with ``n_samples <= n_subsample`` every
    sample is used, and a sparse random sample may miss holes or show spurious
    ones.

    **Which features count.** Let ``r`` be the *resolution*, the largest
    distance from a landmark to its nearest other landmark. Rips features
    born from sampling noise die within about ``0.7 r`` of their birth on
    well-sampled manifolds, while holes of the manifold live several ``r``
    (measured on the library's samplers with 150-300 landmarks). In dimension
    ``k >= 1`` a feature counts when

    1. its lifetime exceeds ``persistence_threshold * r`` (default ``0.85 r``),
       and
    2. it lies above the widest gap of the sorted lifetimes: the count is the
       number of features before the largest ratio between consecutive
       lifetimes (the last candidate compared with the longest discarded one,
       or with the floor if none), if that ratio is at least ``gap_ratio``.
       This drops Rips features of the geometry that are shorter than the
       real holes but outlive the floor (a densely sampled torus shows a
       third, shorter loop).

    Connected pieces (``b0``) count when they stay apart beyond
    ``(2 + persistence_threshold) r``, since neighbouring landmarks of one
    piece can be up to about ``2 r`` apart. The filtration stops at
    ``max_scale * r`` (``thresh`` of ripser), which keeps the cost to about a
    second for curves and surfaces with 300 landmarks (3- and 4-dimensional
    manifolds such as SO(3) or ``S^4`` take 10-20 s); features alive there
    have their lifetime cut at that scale.
    Holes born at a scale much larger than ``r`` (e.g. between strands of a
    knot) are not topology of the manifold and are left out by that cut.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The data, at least 4 samples; Euclidean distances.
    latent_dim : int or None, default=None
        Latent dimension you intend to use. ``None`` assumes the data's
        apparent dimension (the rounded TwoNN estimate), the setting of
        arXiv:2102.08380. Noise raises TwoNN (a noisy sphere reads about 3), so
        pass it explicitly for noisy data.
    max_dim : int, default=2
        Highest homology dimension computed. Dimension 2 costs much more than 1.
    n_subsample : int, default=300
        Number of landmarks. 150-300 suit curves and surfaces; a torus needs
        at least about 200 for its cavity (``b2``) to stand out.
    random_state : int, RandomState instance or None, default=None
        Picks the first landmark (and the TwoNN subset on data with more than
        10 000 samples). Fixed seeds give reproducible results.
    persistence_threshold : float, default=0.85
        Shortest lifetime that can count, in units of the resolution ``r``.
    gap_ratio : float, default=1.5
        Smallest ratio between the last counted and the first uncounted
        lifetime.
    max_scale : float, default=4.0
        Scale (in units of ``r``) where the filtration stops; at least 3.

    Returns
    -------
    result : TopologyCheckResult
        ``betti``, ``diagrams``, ``warnings`` and the scales used.

    Raises
    ------
    ImportError
        If ripser (a core dependency of sktopo) cannot be imported.

    See Also
    --------
    estimate_intrinsic_dimension : The apparent dimension used by default.
    locate_breaks : Where a trained detector actually breaks the data.

    Notes
    -----
    Homology uses coefficients in Z/2 (ripser's default), so non-orientable
    manifolds also show their top class: SO(3) = RP^3 has ``b1 = b2 = b3 = 1``.
    Holes of dimension above ``max_dim`` are not seen; a warning says so when
    the data look higher-dimensional than ``max_dim``.

    References
    ----------
    .. [1] J. Batson, C. G. Haaf, Y. Kahn, D. A. Roberts, "Topological
       Obstructions to Autoencoding", arXiv:2102.08380, footnote 10, Secs. 4-8.
    .. [2] H. Edelsbrunner, J. Harer, "Computational Topology: An
       Introduction", American Mathematical Society (2010).
    .. [3] U. Bauer, "Ripser: efficient computation of Vietoris-Rips
       persistence barcodes", J. Appl. Comput. Topol. 5, 391 (2021),
       arXiv:1908.02518; C. Tralie, N. Saul, R. Bar-On, "Ripser.py: A lean
       persistent homology library for Python", J. Open Source Softw. 3, 925
       (2018).
    .. [4] V. de Silva, G. Carlsson, "Topological estimation using witness
       complexes", Eurographics Symposium on Point-Based Graphics (2004)
       (maxmin landmarks).

    Examples
    --------
    >>> from sktopo.datasets import make_circle
    >>> from sktopo.diagnostics import topology_check
    >>> X, _ = make_circle(500, random_state=0)
    >>> res = topology_check(X, max_dim=1, n_subsample=100, random_state=0)
    >>> res.betti
    array([1, 1])
    >>> "expect a break point" in res.warnings[0].lower()
    True
    """
    ripser = import_optional("ripser", "topology")
    X = check_array(X, dtype=np.float64, ensure_min_samples=4)
    rng = check_random_state(random_state)
    n_samples = X.shape[0]

    if n_samples > n_subsample:
        landmarks, _ = _maxmin_landmarks(X, n_subsample, start=int(rng.randint(n_samples)))
    else:
        landmarks = np.arange(n_samples)
    dist = squareform(pdist(X[landmarks]))
    off_diagonal = dist + np.diag(np.full(landmarks.size, np.inf))
    resolution = float(off_diagonal.min(axis=1).max())
    if not resolution > 0.0:
        raise ValueError("All samples coincide; there is no topology to measure.")

    cap = max_scale * resolution
    # A distance matrix (not points) avoids ripser's "more columns than rows"
    # warning for wide data and reuses the distances computed above.
    diagrams = ripser.ripser(dist, maxdim=max_dim, thresh=cap, distance_matrix=True)["dgms"]

    floor = persistence_threshold * resolution
    betti = np.zeros(max_dim + 1, dtype=np.intp)
    deaths0 = diagrams[0][:, 1]
    betti[0] = np.count_nonzero(deaths0 > floor + 2.0 * resolution)
    for k in range(1, max_dim + 1):
        births, deaths = diagrams[k][:, 0], diagrams[k][:, 1]
        betti[k] = _count_features(np.minimum(deaths, cap) - births, floor, gap_ratio)

    twonn = _intrinsic_dimension_quiet(X, max_samples=_TWONN_MAX_SAMPLES, random_state=rng)
    dim = max(1, int(np.rint(twonn))) if np.isfinite(twonn) else X.shape[1]
    messages = _topology_warnings(betti, dim, twonn, latent_dim, max_dim)
    return TopologyCheckResult(
        betti=betti,
        diagrams=list(diagrams),
        warnings=messages,
        landmarks=landmarks,
        resolution=resolution,
        lifetime_threshold=floor,
        max_scale=cap,
        intrinsic_dimension=float(twonn),
        latent_dim=int(dim if latent_dim is None else latent_dim),
    )


@dataclass(frozen=True)
class LatentSpaceSuggestion:
    """A latent space with the data's topology, and why.

    Attributes
    ----------
    latent_space : {'euclidean', 'sphere', 'torus'}
        Suggested ``AutoencoderDetector(latent_space=...)``.
    latent_dim : int
        Suggested ``latent_dim``: the data's apparent dimension.
    betti : ndarray
        The persistent Betti numbers it rests on.
    reason : str
        The reasoning in plain words.
    topology : TopologyCheckResult
        The full result of :func:`topology_check`.
    """

    latent_space: str
    latent_dim: int
    betti: np.ndarray
    reason: str
    topology: TopologyCheckResult

    @property
    def params(self):
        """``dict(latent_dim=..., latent_space=...)`` for ``AutoencoderDetector(**params)``."""
        return {"latent_dim": self.latent_dim, "latent_space": self.latent_space}


def _is_sphere(betti, dim):
    return dim < betti.size and betti[dim] == 1 and not np.any(betti[1:dim])


def _is_torus(betti, dim):
    top = min(dim, betti.size - 1)
    return dim >= 2 and all(betti[k] == comb(dim, k) for k in range(1, top + 1))


def _latent_space_choice(betti, dim, twonn, max_dim):
    """``(latent_space, reason)`` from Betti numbers and the apparent dimension."""
    numbers = ", ".join(f"b{k} = {v}" for k, v in enumerate(betti))
    seen = f"The data look {dim}-dimensional (TwoNN {twonn:.2f}) with {numbers}."
    holes = [k for k in range(1, betti.size) if betti[k] > 0]
    if betti[0] > 1:
        return "euclidean", (
            f"{seen} They fall into {betti[0]} separate pieces: a sphere or torus latent "
            f"space describes one connected manifold. Look at each piece on its own; "
            f"meanwhile a Euclidean latent space of dimension {dim} is suggested."
        )
    if _is_sphere(betti, dim):
        name = "a circle" if dim == 1 else f"a {dim}-sphere"
        return "sphere", (
            f"{seen} A class in the top dimension ({_holes(dim, 1)}) and no other hole: "
            f"the data look like {name}. A Euclidean latent space of dimension {dim} "
            f"must tear them at a break point (arXiv:2102.08380), and a larger one does "
            f"not help in practice (Sec. 8); a latent sphere S^{dim} has the same "
            f"topology, so the encoder need not tear anything."
        )
    if _is_torus(betti, dim):
        return "torus", (
            f"{seen} {_holes(1, dim).capitalize()} and the higher holes of a product of "
            f"{dim} circles (b_k = C({dim}, k)): the data look like a {dim}-torus. A "
            f"Euclidean latent space of dimension {dim} must tear it; a latent torus "
            f"(S^1)^{dim} has the same topology."
        )
    if not holes:
        if dim > max_dim:
            return "euclidean", (
                f"{seen} No hole up to dimension {max_dim}, but a closed "
                f"{dim}-dimensional manifold (S^{dim}, massless n-body phase space) "
                f"has its only hole in dimension {dim}, which was not computed. If the "
                f"data are known to be a sphere, take latent_space='sphere'; else raise "
                f"max_dim (much slower) or look for a break point with loss_vs_distance."
            )
        return "euclidean", (
            f"{seen} No hole: the data are like a piece of R^{dim}, which a Euclidean "
            f"latent space of dimension {dim} holds without tearing."
        )
    if len(holes) == 1 and betti[holes[0]] == 1 and holes[0] < dim:
        k = holes[0]
        return "euclidean", (
            f"{seen} There is {_holes(k, 1)} but no class in the top dimension: the data "
            f"look like a thickened {k}-sphere (an annulus, a shell), which R^{dim} "
            f"holds. If they are a {k}-sphere plus noise (noise raises TwoNN), take "
            f"latent_space='sphere' with latent_dim={k}."
        )
    return "euclidean", (
        f"{seen} This is neither a sphere nor a torus (SO(3) = RP^3, for instance, has "
        f"b1 = b2 = b3 = 1 over Z/2), and no latent space offered here has this "
        f"topology. A Euclidean latent space of dimension {dim} will tear the data; "
        f"a ChartEnsembleDetector averages the tear away."
    )


@validate_params(
    {
        "X": ["array-like", TopologyCheckResult],
        "max_dim": [IntInterval(0, None, closed="left")],
        "n_subsample": [IntInterval(4, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def suggest_latent_space(X, *, max_dim=2, n_subsample=300, random_state=None):
    """Suggest a latent space with the data's topology from their Betti numbers.

    A Euclidean latent space cannot hold a closed manifold of its own
    dimension (arXiv:2102.08380), but a latent space with the data's topology
    can: an encoder onto a latent circle can be a homeomorphism of circle data.
    The rule, on the persistent Betti numbers ``b_k`` of :func:`topology_check`
    and the apparent dimension ``d`` (rounded TwoNN):

    - ``b_d = 1`` and ``b_k = 0`` for ``0 < k < d`` (one top-dimensional
      class, no other hole): ``'sphere'``, ``S^d``;
    - ``b_1 = d >= 2`` and ``b_k = C(d, k)`` up to ``max_dim`` (the homology
      of ``d`` circles): ``'torus'``;
    - no hole up to ``max_dim``, or anything else: ``'euclidean'``, with a
      note when the top dimension was not computed (``d > max_dim``: a
      5-sphere such as three-body phase space goes unnoticed) or the data
      fall into several pieces.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features) or TopologyCheckResult
        The data (see :func:`topology_check`), or a result of it to reuse.
    max_dim, n_subsample, random_state
        Passed to :func:`topology_check` (ignored for a result).

    Returns
    -------
    suggestion : LatentSpaceSuggestion
        ``latent_space``, ``latent_dim``, ``betti``, ``reason``; ``params``
        goes straight into :class:`~sktopo.detectors.AutoencoderDetector`.

    See Also
    --------
    topology_check : The Betti numbers.
    suggest_latent_dim : The dimension alone, from TwoNN and PCA.

    Notes
    -----
    The suggestion removes the false positives of a closed manifold (its
    break point); it does not make a resonance on a submanifold stand out
    (the network still interpolates it).  Without labels this is a choice of
    topology only; with labels, ``GridSearchCV`` over ``latent_space`` with
    :func:`~sktopo.metrics.make_anomaly_scorer` chooses by detection power.

    References
    ----------
    .. [1] J. Batson, C. G. Haaf, Y. Kahn, D. A. Roberts, "Topological
       Obstructions to Autoencoding", arXiv:2102.08380, Secs. 4-8.
    .. [2] T. R. Davidson, L. Falorsi, N. De Cao, T. Kipf, J. M. Tomczak,
       "Hyperspherical Variational Auto-Encoders", arXiv:1804.00891.

    Examples
    --------
    >>> from sktopo.datasets import make_circle
    >>> from sktopo.diagnostics import suggest_latent_space
    >>> X, _ = make_circle(500, random_state=0)
    >>> s = suggest_latent_space(X, max_dim=1, n_subsample=100, random_state=0)
    >>> s.params
    {'latent_dim': 1, 'latent_space': 'sphere'}
    """
    if isinstance(X, TopologyCheckResult):
        result = X
    else:
        result = topology_check(X, max_dim=max_dim, n_subsample=n_subsample,
                                random_state=random_state)
    twonn = result.intrinsic_dimension
    dim = max(1, int(np.rint(twonn))) if np.isfinite(twonn) else result.latent_dim
    betti = np.asarray(result.betti)
    latent_space, reason = _latent_space_choice(betti, dim, twonn, betti.size - 1)
    return LatentSpaceSuggestion(latent_space=latent_space, latent_dim=int(dim),
                                 betti=betti, reason=reason, topology=result)
