"""k-medoids on a precomputed distance matrix (PAM's BUILD, then alternating updates)."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["kmedoids"]


def _build(D, k):
    """PAM's greedy BUILD: the most central point, then the point that lowers the cost most."""
    medoids = [int(np.argmin(D.sum(axis=1)))]
    nearest = D[medoids[0]].copy()
    for _ in range(1, k):
        # total cost after adding candidate c: sum_j min(nearest_j, D[c, j])
        gain = np.maximum(nearest[None, :] - D, 0.0).sum(axis=1)
        gain[medoids] = -1.0
        c = int(np.argmax(gain))
        medoids.append(c)
        np.minimum(nearest, D[c], out=nearest)
    return np.array(medoids)


def kmedoids(D: ArrayLike, n_medoids: int, *, max_iter: int = 100) -> NDArray[np.intp]:
    """Indices of ``n_medoids`` medoids minimising the sum of distances to the nearest one.

    Starts from PAM's greedy BUILD (deterministic), then alternates: assign
    every point to its nearest medoid, move each medoid to the point of its
    cluster with the smallest summed distance to the cluster, until nothing
    changes.  A local optimum of the k-medoids cost ``sum_j min_m D[m, j]``.

    Parameters
    ----------
    D : array-like of shape (n, n)
        Symmetric matrix of distances.
    n_medoids : int
        Number of medoids, at most ``n``.
    max_iter : int, default=100
        Limit on the alternating updates.

    Returns
    -------
    medoids : ndarray of shape (n_medoids,)
        Row indices of the medoids, sorted.

    References
    ----------
    .. [1] L. Kaufman, P. J. Rousseeuw, "Partitioning Around Medoids", in
       Finding Groups in Data (1990).

    Examples
    --------
    Two groups on a line; their middles are the medoids:

    >>> import numpy as np
    >>> from sktopo.transport import kmedoids
    >>> x = np.array([0.0, 1.0, 2.0, 10.0, 11.0, 12.0])
    >>> kmedoids(np.abs(x[:, None] - x[None, :]), 2).tolist()
    [1, 4]
    """
    D = np.asarray(D, dtype=np.float64)
    if D.ndim != 2 or D.shape[0] != D.shape[1]:
        raise ValueError(f"D must be a square matrix; got shape {D.shape}.")
    n = D.shape[0]
    if isinstance(n_medoids, bool) or not isinstance(n_medoids, Integral) or not (
        1 <= n_medoids <= n
    ):
        raise ValueError(f"n_medoids must be an integer in [1, {n}], got {n_medoids!r}.")
    medoids = _build(D, int(n_medoids))
    for _ in range(max_iter):
        labels = np.argmin(D[medoids], axis=0)
        new = medoids.copy()
        for k in range(medoids.size):
            members = np.flatnonzero(labels == k)
            if members.size:
                new[k] = members[np.argmin(D[np.ix_(members, members)].sum(axis=1))]
        if np.array_equal(np.sort(new), np.sort(medoids)) and np.array_equal(new, medoids):
            break
        if np.unique(new).size < new.size:  # two clusters chose one point: stop (rare ties)
            break
        medoids = new
    return np.sort(medoids)
