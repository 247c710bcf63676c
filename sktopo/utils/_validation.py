"""Parameter constraints shared by sktopo's estimators and functions.

scikit-learn's ``Interval(Integral, ...)`` accepts ``True`` and ``False``
(``bool`` is a subclass of ``int``), so ``latent_dim=True`` would silently
mean 1.  :class:`IntInterval` is the same constraint with bools refused.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval

__all__ = ["IntInterval"]


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
