"""Exceptions and warnings raised by sktopo (as :mod:`sklearn.exceptions`)."""

from __future__ import annotations

__all__ = ["NoBottleneckWarning", "TrainingDivergedError"]


class TrainingDivergedError(FloatingPointError):
    """Training blew up: a non-finite loss, a loss grown by orders of magnitude, or NaN scores.

    Also importable as ``sktopo.nn.TrainingDivergedError``.
    """


class NoBottleneckWarning(UserWarning):
    """The model's code is at least as wide as its input, so it can learn the identity.

    A reconstruction-error detector whose bottleneck (``latent_dim``,
    ``n_components``) is not smaller than the number of features can
    reconstruct every input exactly and detects nothing.  Some experiments do
    this on purpose (the latent-2 reference of a circle in arXiv:2102.08380,
    Sec. 4); silence it there with :func:`warnings.catch_warnings`.
    """
