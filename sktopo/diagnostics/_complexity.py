"""Does a score rank jets by complexity? The complexity bias of reconstruction errors.

A reconstruction error measures how hard an input is to compress, not how
unlikely it is.  Trained on QCD jets, an autoencoder flags top jets (more
prongs, more lit pixels); trained on top jets, it calls QCD jets *more*
normal than tops (Finke, Kraemer, Morandini, Mueck, Oleksiyuk,
arXiv:2104.09051).  :func:`complexity_check` measures this on the
background: the rank correlation of a score with simple measures of
complexity that have nothing to do with the physics a search is after.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from numbers import Real

import numpy as np
from scipy.stats import rankdata
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import check_array

from sktopo.utils._validation import IntInterval

__all__ = [
    "ComplexityBiasWarning",
    "ComplexityCheckResult",
    "complexity_check",
    "image_entropy",
    "lit_pixels",
    "multiplicity",
]

# Plain-words names of the measures, in the order they are reported.
_MEASURES = {
    "multiplicity": "the constituent multiplicity",
    "lit_pixels": "the number of lit pixels",
    "entropy": "the image entropy",
}


class ComplexityBiasWarning(UserWarning):
    """A score ranks the background by complexity (multiplicity, lit pixels, entropy).

    Issued by :func:`~sktopo.diagnostics.complexity_check` when the rank
    correlation of a score with a complexity measure exceeds its threshold.
    """


def multiplicity(constituents):
    """Number of real constituents (``pT > 0``) per jet.

    Parameters
    ----------
    constituents : array-like of shape (n_jets, n_constituents, 3)
        Zero-padded ``(pT, eta, phi)`` per constituent; the flattened form
        ``(n_jets, 3 * n_constituents)`` is accepted too.

    Returns
    -------
    n : ndarray of shape (n_jets,), dtype int

    Examples
    --------
    >>> from sktopo.diagnostics._complexity import multiplicity
    >>> multiplicity([[[5.0, 0.1, 0.2], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]])
    array([2])
    """
    from sktopo.jets._constituents import as_constituents

    pt = as_constituents(constituents)[:, :, 0]
    return np.count_nonzero(pt > 0.0, axis=1)


def lit_pixels(X, *, pixel_threshold=0.0):
    """Number of pixels brighter than ``pixel_threshold`` per image.

    Parameters
    ----------
    X : ndarray of shape (n_images, n_pixels)
    pixel_threshold : float, default=0.0

    Returns
    -------
    n : ndarray of shape (n_images,), dtype int

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.diagnostics._complexity import lit_pixels
    >>> lit_pixels(np.array([[0.5, 0.0, 0.25, 0.25], [1.0, 0.0, 0.0, 0.0]]))
    array([3, 1])
    """
    return np.count_nonzero(np.asarray(X) > pixel_threshold, axis=1)


def image_entropy(X):
    """Shannon entropy (nats) of each image, read as a distribution over its pixels.

    ``H = -sum_i p_i log p_i`` with ``p_i = x_i / sum_j x_j`` over the pixels
    with ``x_i > 0`` (negative pixels count as zero).  One lit pixel has
    ``H = 0``; ``k`` equally bright pixels have ``H = log k``.  An empty image
    has ``H = 0``.

    Parameters
    ----------
    X : ndarray of shape (n_images, n_pixels)

    Returns
    -------
    H : ndarray of shape (n_images,)

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.diagnostics._complexity import image_entropy
    >>> H = image_entropy(np.array([[0.5, 0.0, 0.25, 0.25], [3.0, 0.0, 0.0, 0.0]]))
    >>> bool(np.allclose(H, [1.5 * np.log(2), 0.0]))
    True
    """
    X = np.clip(np.asarray(X, dtype=np.float64), 0.0, None)
    total = X.sum(axis=1, keepdims=True)
    p = np.divide(X, total, out=np.zeros_like(X), where=total > 0)
    plogp = np.zeros_like(p)
    np.multiply(p, np.log(p, out=np.zeros_like(p), where=p > 0), out=plogp, where=p > 0)
    return -plogp.sum(axis=1)


def _spearman(a, b):
    """Spearman's rank correlation (average ranks for ties); NaN if either is constant."""
    ra, rb = rankdata(a), rankdata(b)
    ra -= ra.mean()
    rb -= rb.mean()
    denom = np.sqrt((ra * ra).sum() * (rb * rb).sum())
    return float((ra * rb).sum() / denom) if denom > 0 else float("nan")


def _bias_warning(name, rho, threshold):
    what = _MEASURES[name]
    if rho > 0:
        direction = (
            "higher scores go with more complex jets: the score flags jets with more "
            "structure than the background (top or W jets against QCD) whether or not "
            "they are rare, and would call jets simpler than the background normal"
        )
    else:
        direction = (
            "higher scores go with simpler jets: the score flags jets with less "
            "structure than the background and would call more complex jets normal"
        )
    return (
        f"The score ranks the background by complexity: Spearman's rho with {what} is "
        f"{rho:+.2f} (|rho| >= {threshold:g}), so {direction}. A reconstruction error "
        f"measures how hard a jet is to compress, not how unlikely it is "
        f"(arXiv:2104.09051); trained the other way round, such a detector misses "
        f"the signal. Check the detector in both directions (train on signal-like jets, "
        f"score the background), or use a NormalizedAutoencoderDetector, whose energy "
        f"is normalised by sampling (arXiv:2206.14225)."
    )


@dataclass(frozen=True, eq=False)
class ComplexityCheckResult:
    """How much a score ranks the background by complexity.

    Attributes
    ----------
    correlations : dict of str to float
        Spearman's rank correlation of the score with each complexity
        measure computed: ``'multiplicity'`` (from constituents),
        ``'lit_pixels'`` and ``'entropy'`` (from images). NaN where the
        measure (or the score) is constant.
    measures : dict of str to ndarray of shape (n_samples,)
        The complexity measures themselves, per sample.
    warnings : list of str
        Plain-words warnings, one per measure with ``|rho| >= threshold``;
        empty when the score does not rank by complexity.
    threshold : float
        The ``|rho|`` from which a correlation is reported as a bias.
    n_samples : int
        Number of background samples.
    """

    correlations: dict
    measures: dict
    warnings: list
    threshold: float
    n_samples: int

    @property
    def max_abs_correlation(self):
        """The largest ``|rho|`` among the measures (NaN if none is defined)."""
        values = [abs(v) for v in self.correlations.values() if np.isfinite(v)]
        return max(values) if values else float("nan")


@validate_params(
    {
        "scores": ["array-like"],
        "X": ["array-like", None],
        "constituents": ["array-like", None],
        "image_shape": [tuple, None],
        "pixel_threshold": [Interval(Real, 0.0, None, closed="left")],
        "threshold": [Interval(Real, 0.0, 1.0, closed="neither")],
        "warn": ["boolean"],
        "min_samples": [IntInterval(3, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def complexity_check(
    scores,
    X=None,
    *,
    constituents=None,
    image_shape=None,
    pixel_threshold=0.0,
    threshold=0.3,
    warn=True,
    min_samples=10,
):
    """How much an anomaly score ranks the background by complexity.

    Reconstruction-based detectors flag inputs that are hard to compress:
    trained on QCD jets, an autoencoder's error grows with the number of
    prongs and lit pixels, so top jets look anomalous; trained on top jets,
    QCD jets look *more* normal than the tops themselves (arXiv:2104.09051).
    The bias shows on the background alone, without any signal: the score
    is rank-correlated with measures of complexity.  This function computes
    Spearman's rank correlation of ``scores`` with

    - the constituent multiplicity (from zero-padded ``constituents``),
    - the number of lit pixels (pixels above ``pixel_threshold``), and
    - the image entropy ``-sum p log p`` of the pixel intensities
      normalised to unit sum (from the images ``X``),

    and warns, in plain words, when ``|rho|`` reaches ``threshold``.  A
    detector free of the bias (a density, or a normalized autoencoder)
    can still correlate with complexity where the background density does,
    so read a warning as "check this detector in both directions" rather
    than "this detector is wrong".

    Parameters
    ----------
    scores : array-like of shape (n_samples,)
        Anomaly scores (higher = more anomalous, as ``anomaly_score``) of
        *background* samples, e.g. the held-out part of the training class.
    X : array-like of shape (n_samples, n_pixels) or (n_samples, h, w), default=None
        Jet images of the same samples (e.g. from
        :class:`~sktopo.jets.JetImages`), for the lit pixels and the entropy.
    constituents : array-like of shape (n_samples, n_constituents, 3), default=None
        Zero-padded ``(pT, eta, phi)`` of the same jets, for the multiplicity.
    image_shape : tuple of int (h, w), default=None
        Checks that each image of ``X`` has ``h * w`` pixels.
    pixel_threshold : float, default=0.0
        A pixel is lit when brighter than this (in the units of ``X``).
    threshold : float, default=0.3
        ``|rho|`` from which a correlation counts as a complexity bias.
    warn : bool, default=True
        Also issue each warning as a :class:`ComplexityBiasWarning`.
    min_samples : int, default=10
        Fewest samples accepted: a rank correlation of a handful of jets
        means nothing.

    Returns
    -------
    result : ComplexityCheckResult
        ``correlations``, ``measures``, ``warnings``.

    Raises
    ------
    ValueError
        If neither ``X`` nor ``constituents`` is given, the lengths differ,
        or the images do not match ``image_shape``.

    Warns
    -----
    ComplexityBiasWarning
        One per measure with ``|rho| >= threshold`` (when ``warn``).

    See Also
    --------
    topology_check : The other way a reconstruction error fails for
        reasons unrelated to physics: the topology of the data.

    References
    ----------
    .. [1] T. Finke, M. Kraemer, A. Morandini, A. Mueck, I. Oleksiyuk,
       "Autoencoders for unsupervised anomaly detection in high energy
       physics", arXiv:2104.09051.
    .. [2] B. M. Dillon, L. Favaro, T. Plehn, P. Sorrenson, M. Kraemer, "A
       normalized autoencoder for LHC triggers", arXiv:2206.14225.

    Examples
    --------
    A score that is the number of lit pixels plus a little noise ranks by
    complexity:

    >>> import numpy as np
    >>> from sktopo.diagnostics import complexity_check
    >>> rng = np.random.RandomState(0)
    >>> X = (rng.uniform(size=(200, 25)) < rng.uniform(0.1, 0.9, size=(200, 1))) * 1.0
    >>> score = X.sum(axis=1) + rng.normal(scale=0.5, size=200)
    >>> res = complexity_check(score, X, warn=False)
    >>> round(res.correlations["lit_pixels"], 2) > 0.9
    True
    >>> "ranks the background by complexity" in res.warnings[0]
    True

    A score unrelated to the images does not:

    >>> complexity_check(rng.normal(size=200), X).warnings
    []
    """
    if X is None and constituents is None:
        raise ValueError(
            "complexity_check needs the jets: pass the images X (for the lit pixels and "
            "the entropy), constituents= (for the multiplicity), or both."
        )
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim == 2 and scores.shape[1] == 1:
        scores = scores[:, 0]
    if scores.ndim != 1:
        raise ValueError(f"scores must be one number per sample; got shape {scores.shape}.")
    if not np.all(np.isfinite(scores)):
        raise ValueError("scores contain NaN or infinite values.")
    n = scores.shape[0]
    if n < min_samples:
        raise ValueError(
            f"complexity_check needs at least min_samples={min_samples} samples; got {n}."
        )
    measures = {}
    if constituents is not None:
        counts = multiplicity(constituents)
        _check_length(counts.shape[0], n, "constituents")
        measures["multiplicity"] = counts
    if X is not None:
        X = np.asarray(X)
        if X.ndim == 3:
            if image_shape is not None and tuple(X.shape[1:]) != tuple(image_shape):
                raise ValueError(
                    f"The images have shape {X.shape[1:]}, not image_shape={image_shape}."
                )
            X = X.reshape(X.shape[0], -1)
        X = check_array(X, dtype=np.float64, input_name="X", ensure_min_samples=1)
        if image_shape is not None:
            h_w = _image_size(image_shape)
            if X.shape[1] != h_w:
                raise ValueError(
                    f"The images have {X.shape[1]} pixels but image_shape={image_shape} "
                    f"has {h_w}."
                )
        _check_length(X.shape[0], n, "X")
        measures["lit_pixels"] = lit_pixels(X, pixel_threshold=pixel_threshold)
        measures["entropy"] = image_entropy(X)
    correlations = {name: _spearman(scores, values) for name, values in measures.items()}
    messages = [
        _bias_warning(name, rho, threshold)
        for name, rho in correlations.items()
        if np.isfinite(rho) and abs(rho) >= threshold
    ]
    if warn:
        for message in messages:
            warnings.warn(message, ComplexityBiasWarning, stacklevel=2)
    return ComplexityCheckResult(
        correlations=correlations,
        measures=measures,
        warnings=messages,
        threshold=float(threshold),
        n_samples=int(n),
    )


def _check_length(m, n, what):
    if m != n:
        raise ValueError(f"scores has {n} samples but {what} has {m}; pass the same jets.")


def _image_size(image_shape):
    if len(image_shape) != 2 or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0
        for v in image_shape
    ):
        raise ValueError(f"image_shape must be two positive ints (h, w); got {image_shape!r}.")
    return int(image_shape[0]) * int(image_shape[1])
