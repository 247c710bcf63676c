"""Exceptions and warnings raised by sktopo (as :mod:`sklearn.exceptions`)."""

from __future__ import annotations

__all__ = ["CacheIntegrityWarning", "NoBottleneckWarning", "TrainingDivergedError"]


class TrainingDivergedError(FloatingPointError):
    """Training blew up: a non-finite loss, a loss grown by orders of magnitude, or NaN scores.

    Also importable as ``sktopo.nn.TrainingDivergedError``.
    """


class NoBottleneckWarning(UserWarning):
    """The model's code is at least as wide as its input, so it can learn the identity.

    A reconstruction-error detector whose bottleneck (``latent_dim``,
    ``n_components``) is not smaller than the number of features does not
    compress: it can learn to reconstruct every input exactly, anomalies
    included, and what it flags then depends on how far training got rather
    than on a bottleneck.  It may still separate well (an under-trained
    network is far from the identity), and some experiments use it on purpose
    (the latent-2 reference of a circle in arXiv:2102.08380, Sec. 4, which has
    no break point); silence it there with :func:`warnings.catch_warnings`.
    """


class CacheIntegrityWarning(UserWarning):
    """A cached chunk of generated jets failed its checks and is generated again.

    Each chunk of :func:`sktopo.datasets.make_jets`'s cache records its index,
    seed, settings, row count and a checksum of its arrays; a swapped, short,
    duplicated or tampered chunk is never returned.
    """
