"""Seeds drawn from a ``random_state``: one helper, so every stream is drawn the same way."""

from __future__ import annotations

from sklearn.utils import check_random_state

__all__ = ["SEED_MAX", "draw_seeds"]

#: Seeds are ints in ``[0, SEED_MAX)``: valid for numpy, torch and the C++ generators.
SEED_MAX = 2**31 - 1


def draw_seeds(random_state, n: int) -> list[int]:
    """Draw ``n`` integer seeds from ``random_state``.

    ``check_random_state(random_state).randint(0, 2**31 - 1, size=n)`` as Python
    ints: the one way sktopo derives independent streams (network
    initialisation, batch order, ensemble members, generator chunks) from a
    user's ``random_state``.  A ``RandomState`` instance is advanced, as
    scikit-learn does.

    Parameters
    ----------
    random_state : int, RandomState instance or None
    n : int
        Number of seeds.

    Returns
    -------
    seeds : list of int
        ``n`` ints in ``[0, 2**31 - 1)``.

    Examples
    --------
    >>> from sktopo.utils._random import draw_seeds
    >>> draw_seeds(0, 3) == draw_seeds(0, 3)
    True
    >>> all(0 <= s < 2**31 - 1 for s in draw_seeds(None, 5))
    True
    """
    rng = check_random_state(random_state)
    return [int(s) for s in rng.randint(0, SEED_MAX, size=n)]
