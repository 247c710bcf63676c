"""IntInterval: sklearn's int constraint without bools."""

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError, validate_params

from sktopo.utils._validation import IntInterval


@validate_params({"k": [IntInterval(1, None, closed="left"), None]},
                 prefer_skip_nested_validation=True)
def _f(k):
    return k


@pytest.mark.parametrize("value", [1, 7, np.int64(3), np.uint8(2), None])
def test_accepts_ints(value):
    assert _f(value) == value


@pytest.mark.parametrize("value", [True, False, np.True_, 1.0, 2.5, "1", 0, -1])
def test_refuses_bools_floats_and_out_of_range(value):
    with pytest.raises(InvalidParameterError, match=r"must be an int in the range \[1, inf\)"):
        _f(value)
