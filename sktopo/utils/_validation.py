"""Parameter constraints shared by sktopo's estimators and functions.

scikit-learn's ``Interval(Integral, ...)`` accepts ``True`` and ``False``
(``bool`` is a subclass of ``int``), so ``latent_dim=True`` would silently
mean 1.  :class:`IntInterval` is the same constraint with bools refused.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, InvalidParameterError, Options

from sktopo._config import validate_n_threads

__all__ = [
    "IntInterval",
    "N_THREADS_CONSTRAINT",
    "RealInterval",
    "check_int",
    "check_real",
    "validate_n_threads",
]


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



class RealInterval(Interval):
    """``Interval(Real, left, right, closed=...)`` that refuses bools (``beta=True`` is not 1.0).

    An open bound at infinity also refuses ``inf``, and NaN lies in no
    interval, so a finite number is required.

    Examples
    --------
    >>> from sktopo.utils._validation import RealInterval
    >>> z_cut = RealInterval(0.0, 1.0, closed="left")
    >>> z_cut.is_satisfied_by(0.1), z_cut.is_satisfied_by(True), z_cut.is_satisfied_by(float("nan"))
    (True, False, False)
    """

    def __init__(self, left, right, *, closed):
        super().__init__(Real, left, right, closed=closed)

    def is_satisfied_by(self, val):
        if isinstance(val, (bool, np.bool_)):
            return False
        return super().is_satisfied_by(val)

#: ``n_threads`` of every estimator and of :func:`sktopo.set_config`: None (chosen
#: from the work), -1 (all available cores) or a positive int.
N_THREADS_CONSTRAINT = [IntInterval(1, None, closed="left"), Options(Integral, {-1}), None]


def check_int(name: str, value: object, *, min_value: int) -> int:
    """``value`` as an int >= ``min_value``, else an error naming ``name``.

    Bools, floats and strings are refused (``TypeError``), as scikit-learn's
    parameter validation does: the error is an ``InvalidParameterError``, a
    subclass of both ``ValueError`` and ``TypeError``.

    Examples
    --------
    >>> from sktopo.utils._validation import check_int
    >>> check_int("n_samples", 3, min_value=1)
    3
    >>> check_int("n_samples", True, min_value=1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sklearn.utils._param_validation.InvalidParameterError: n_samples must be an int >= 1, ...
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
        raise InvalidParameterError(
            f"{name} must be an int >= {min_value}, got {value!r} "
            f"of type {type(value).__name__}."
        )
    if value < min_value:
        raise ValueError(f"{name} must be an int >= {min_value}, got {value!r}.")
    return int(value)


def check_real(
    name: str,
    value: object,
    *,
    low: float = -np.inf,
    high: float = np.inf,
    low_open: bool = False,
    high_open: bool = False,
    hint: str = "",
) -> float:
    """``value`` as a finite float in the given interval, else an error naming ``name``.

    Bools and strings are refused (``InvalidParameterError``, a ``ValueError``
    and a ``TypeError``); NaN, infinities and values outside the interval
    raise ``ValueError``; ``hint`` is added to that message.

    Examples
    --------
    >>> from sktopo.utils._validation import check_real
    >>> check_real("noise", 0.1, low=0.0)
    0.1
    >>> check_real("z_cut", float("nan"), low=0.0, high=1.0, high_open=True)
    Traceback (most recent call last):
    ...
    ValueError: z_cut must be a finite number in [0, 1), got nan.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
        raise InvalidParameterError(
            f"{name} must be a real number, got {value!r} of type {type(value).__name__}."
        )
    value = float(value)
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if not np.isfinite(value) or too_low or too_high:
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ValueError(f"{name} must be a finite number in {interval}{hint}, got {value!r}.")
    return value
