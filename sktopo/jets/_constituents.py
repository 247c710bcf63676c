"""The constituent layout shared by the jet images and the jet observables.

A jet sample is an array of shape ``(n_jets, n_constituents, 3)`` holding
``(pT, eta, phi)`` per constituent: transverse momentum (any unit, GeV in
:func:`sktopo.datasets.make_jets`), pseudorapidity and azimuth in radians.
Jets with fewer constituents are zero-padded; a constituent with ``pT == 0``
is padding and is ignored everywhere.  The flattened form ``(n_jets,
3 * n_constituents)``, i.e. ``constituents.reshape(n_jets, -1)`` with rows
``(pT_1, eta_1, phi_1, pT_2, ...)``, is accepted too, because scikit-learn
transformers take 2-D input.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["as_constituents", "trim_padding"]


def as_constituents(constituents: ArrayLike) -> NDArray[np.float64]:
    """Check a jet sample and return it as a float64 array ``(n_jets, n_const, 3)``.

    Accepts the 3-D layout or its flattened 2-D form ``(n_jets, 3 * n_const)``.
    """
    X = np.asarray(constituents, dtype=np.float64)
    if X.ndim == 2:
        if X.shape[1] % 3 != 0 or X.shape[1] == 0:
            raise ValueError(
                "flattened constituents need 3 * n_constituents columns "
                f"(pT, eta, phi per constituent); got shape {X.shape}."
            )
        X = X.reshape(X.shape[0], -1, 3)
    elif X.ndim != 3 or X.shape[2] != 3:
        raise ValueError(
            "constituents must have shape (n_jets, n_constituents, 3) of "
            f"(pT, eta, phi) or (n_jets, 3 * n_constituents); got shape {X.shape}."
        )
    if not np.all(np.isfinite(X)):
        raise ValueError("constituents must be finite (no NaN or infinity).")
    if np.any(X[..., 0] < 0):
        raise ValueError("constituent pT must be >= 0 (0 marks padding).")
    return X


def trim_padding(constituents: NDArray[np.float64]) -> NDArray[np.float64]:
    """Drop the trailing constituent slots that are padding in every jet (a view)."""
    used = np.flatnonzero((constituents[..., 0] > 0).any(axis=0))
    return constituents[:, : used[-1] + 1 if used.size else 1]
