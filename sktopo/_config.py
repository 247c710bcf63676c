"""Global settings of sktopo, in the manner of :func:`sklearn.set_config`."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from numbers import Integral

__all__ = ["config_context", "get_config", "set_config", "validate_n_threads"]

_DEFAULTS = {"scoring_precision": "auto", "n_threads": None}
_PRECISIONS = ("auto", "float64", "float32")
_local = threading.local()


def _config() -> dict:
    if not hasattr(_local, "config"):
        _local.config = dict(_DEFAULTS)
    return _local.config


def validate_n_threads(n_threads) -> None:
    """Raise ``ValueError`` unless ``n_threads`` is None, -1 or a positive int (not a bool).

    For places without ``_parameter_constraints`` (:func:`set_config`);
    estimators declare ``sktopo.utils._validation.N_THREADS_CONSTRAINT``.

    Examples
    --------
    >>> from sktopo._config import validate_n_threads
    >>> validate_n_threads(-1)
    >>> validate_n_threads(0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: n_threads must be None (chosen from the work), -1 (all cores) or a positive ...
    """
    if n_threads is None:
        return
    if type(n_threads).__name__ in ("bool", "bool_") or not isinstance(n_threads, Integral) or not (
        n_threads >= 1 or n_threads == -1
    ):
        raise ValueError(
            f"n_threads must be None (chosen from the work), -1 (all cores) or a "
            f"positive integer, got {n_threads!r}."
        )


def get_config() -> dict:
    """The current settings (a copy).

    Returns
    -------
    config : dict
        ``scoring_precision``: the float type of the forward passes that
        compute scores, codes and reconstructions of the neural detectors;
        ``n_threads``: torch threads for detectors whose ``n_threads`` is None.

    Examples
    --------
    >>> import sktopo
    >>> sktopo.get_config()["scoring_precision"]
    'auto'
    """
    return dict(_config())


_UNSET = object()


def set_config(scoring_precision: str | None = None, n_threads=_UNSET) -> None:
    """Change settings for the current thread.

    Parameters
    ----------
    scoring_precision : {'auto', 'float64', 'float32'}, default=None
        Float type of the forward passes that score.  ``'float64'`` scores
        with a float64 copy of the trained weights, so that a sample's score
        does not depend on which other samples share its chunk (up to
        ~1e-16).  ``'float32'`` scores in single precision, 2-3x faster on a
        CPU; scores then agree with float64 to ~1e-6 relative and may depend
        on the chunk at that level.  ``'auto'`` (the initial setting) is
        float64 for dense networks and float32 for convolutional ones, whose
        float64 kernels are 3-10x slower on a CPU.  Outputs are float64
        either way.  ``None`` leaves it unchanged.
    n_threads : int or None, optional
        Torch intra-op threads for every neural detector whose own
        ``n_threads`` is None (``sktopo reproduce --threads`` sets it).
        ``None`` (the initial setting) lets each detector choose from its
        network's size; ``-1`` means all available cores.

    Notes
    -----
    Settings are per thread and are not passed to joblib worker processes.
    """
    if scoring_precision is not None:
        if scoring_precision not in _PRECISIONS:
            raise ValueError(
                f"scoring_precision must be one of {_PRECISIONS}, got {scoring_precision!r}."
            )
        _config()["scoring_precision"] = scoring_precision
    if n_threads is not _UNSET:
        validate_n_threads(n_threads)
        _config()["n_threads"] = n_threads


@contextmanager
def config_context(**settings):
    """Temporarily change settings (see :func:`set_config`) within a ``with`` block.

    Examples
    --------
    >>> import sktopo
    >>> with sktopo.config_context(scoring_precision="float32"):
    ...     sktopo.get_config()["scoring_precision"]
    'float32'
    >>> sktopo.get_config()["scoring_precision"]
    'auto'
    """
    old = get_config()
    set_config(**settings)
    try:
        yield
    finally:
        _config().update(old)
