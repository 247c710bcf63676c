"""Parameter constraints shared by sktopo's estimators and functions.

scikit-learn's ``Interval(Integral, ...)`` accepts ``True`` and ``False``
(``bool`` is a subclass of ``int``), so ``latent_dim=True`` would silently
mean 1.  :class:`IntInterval` is the same constraint with bools refused.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, Options

__all__ = ["IntInterval", "N_THREADS_CONSTRAINT", "validate_n_threads"]


class IntInterval(Interval):
    """``Interval(Integral, left, right, closed=...)`` that refuses bools.

    Use it in ``_parameter_constraints`` or ``validate_params`` wherever an
    int is expected; the error then reads "must be an int in the range
    [1, inf). Got True instead."

    Examples
    --------
    >>> from sktopo.utils._validation import IntInterval
    >>> positive = IntInterval(1, None, closed="left")
    >>> positive.is_satisfied_by(3), positive.is_satisfied_by(True)
    (True, False)
    """

    def __init__(self, left, right, *, closed):
        super().__init__(Integral, left, right, closed=closed)

    def is_satisfied_by(self, val):
        if isinstance(val, (bool, np.bool_)):
            return False
        return super().is_satisfied_by(val)


#: ``n_threads`` of every estimator and of :func:`sktopo.set_config`: None (chosen
#: from the work), -1 (all available cores) or a positive int.
N_THREADS_CONSTRAINT = [IntInterval(1, None, closed="left"), Options(Integral, {-1}), None]


def validate_n_threads(n_threads) -> None:
    """Raise ``ValueError`` unless ``n_threads`` is None, -1 or a positive int (not a bool).

    For places without ``_parameter_constraints`` (:func:`sktopo.set_config`);
    estimators declare :data:`N_THREADS_CONSTRAINT`.

    Examples
    --------
    >>> from sktopo.utils._validation import validate_n_threads
    >>> validate_n_threads(-1)
    >>> validate_n_threads(0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: n_threads must be None (chosen from the work), -1 (all cores) or a positive ...
    """
    if n_threads is None:
        return
    if isinstance(n_threads, (bool, np.bool_)) or not isinstance(n_threads, Integral) or not (
        n_threads >= 1 or n_threads == -1
    ):
        raise ValueError(
            f"n_threads must be None (chosen from the work), -1 (all cores) or a "
            f"positive integer, got {n_threads!r}."
        )
