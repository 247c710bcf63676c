"""Dalitz variables: invariant masses squared of pairs of particles."""

from __future__ import annotations

from itertools import combinations
from numbers import Integral

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from sktopo.physics._kinematics import _check_particles, invariant_mass_squared

__all__ = ["DalitzFeatures"]


class DalitzFeatures(TransformerMixin, BaseEstimator):
    """Invariant masses squared ``s_ij = (p_i + p_j)^2`` of pairs of particles.

    Turns events of four-momenta into Dalitz variables, e.g. to plot an
    autoencoder's reconstruction in the Dalitz plane as in arXiv:2102.08380,
    Figs. 2-3, or to feed a detector with Lorentz-invariant features.

    Parameters
    ----------
    pairs : list of (int, int) or None, default=None
        Pairs of **0-based** particle indices, e.g. ``[(0, 1), (0, 2)]``.
        None means all pairs ``i < j`` in lexicographic order.
    normalize : bool, default=False
        Divide by ``s``, the total invariant mass squared of each event, so
        that for massless particles the features lie in ``[0, 1]``.
    n_particles : int or None, default=None
        Number of particles per event.  None infers it at ``fit`` as
        ``n_features / 4``; the column count must then be a multiple of 4 and
        at least 8.

    Attributes
    ----------
    n_features_in_ : int
        ``4 * n_particles_``.
    n_particles_ : int
        Number of particles per event.
    pairs_ : list of tuple of int
        The pairs, 0-based.

    See Also
    --------
    PhaseSpaceSampler : uniform phase-space events.
    sktopo.physics.invariant_mass_squared : the kernel used here.

    Notes
    -----
    Events are rows ``(E_1, px_1, py_1, pz_1, E_2, ...)`` in the metric
    ``(+, -, -, -)``.  Output names follow the physics convention and are
    **1-based**: pair ``(0, 1)`` is ``s_12``; with 10 or more particles an
    underscore separates the indices, ``s_1_10``.  Random, unphysical input is
    accepted (``s_ij`` may then be negative); only the column count is
    checked.

    References
    ----------
    .. [1] R. H. Dalitz, Phil. Mag. 44 (1953) 1068.
    .. [2] J. Batson, C. G. Haaf, Y. Kahn, D. A. Roberts, arXiv:2102.08380.

    Examples
    --------
    >>> from sktopo.physics import DalitzFeatures, PhaseSpaceSampler
    >>> X = PhaseSpaceSampler(n_particles=3, random_state=0).fit().sample(5)
    >>> dalitz = DalitzFeatures().fit(X)
    >>> dalitz.get_feature_names_out().tolist()
    ['s_12', 's_13', 's_23']
    >>> S = dalitz.transform(X)
    >>> bool(abs(S.sum(axis=1) - 1.0).max() < 1e-12)  # s12 + s13 + s23 = s
    True
    """

    _parameter_constraints: dict = {
        "pairs": ["array-like", None],
        "normalize": ["boolean"],
        "n_particles": [Interval(Integral, 2, None, closed="left"), None],
    }

    def __init__(
        self,
        *,
        pairs: list[tuple[int, int]] | None = None,
        normalize: bool = False,
        n_particles: int | None = None,
    ) -> None:
        self.pairs = pairs
        self.normalize = normalize
        self.n_particles = n_particles

    def fit(self, X: ArrayLike, y: None = None) -> DalitzFeatures:
        """Check the column count and resolve the pairs.

        Parameters
        ----------
        X : array-like of shape (n_events, 4 * n_particles)
            Events of concatenated four-momenta.
        y : None
            Ignored.

        Returns
        -------
        self : DalitzFeatures
        """
        self._validate_params()
        X = validate_data(self, X, reset=True, dtype=np.float64)
        n_columns = X.shape[1]
        if self.n_particles is None:
            if n_columns % 4 != 0 or n_columns < 8:
                raise ValueError(
                    f"DalitzFeatures expects events of 4 * n_particles columns "
                    f"(E, px, py, pz per particle, n_particles >= 2); got "
                    f"n_features = {n_columns}, not a multiple of 4 of at least 8."
                )
            n = n_columns // 4
        else:
            n = self.n_particles
            if n_columns != 4 * n:
                raise ValueError(
                    f"X has n_features = {n_columns} columns but n_particles={n} "
                    f"needs 4 * {n} = {4 * n}."
                )
        if self.pairs is None:
            pairs = list(combinations(range(n), 2))
        else:
            if isinstance(self.pairs, (str, bytes)):
                raise ValueError(f"pairs must be a list of (int, int); got {self.pairs!r}.")
            pairs = [tuple(_check_particles(pair, n, "each pair", size=2)) for pair in self.pairs]
            if not pairs:
                raise ValueError("pairs must not be empty.")
        self.n_particles_ = n
        self.pairs_ = pairs
        return self

    def transform(self, X: ArrayLike) -> NDArray[np.float64]:
        """Compute the pair invariant masses squared.

        Parameters
        ----------
        X : array-like of shape (n_events, 4 * n_particles)

        Returns
        -------
        S : ndarray of shape (n_events, n_pairs)
            ``s_ij`` in units of (energy)^2, or ``s_ij / s`` with
            ``normalize=True``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        S = np.empty((X.shape[0], len(self.pairs_)))
        for column, pair in enumerate(self.pairs_):
            S[:, column] = invariant_mass_squared(X, pair)
        if self.normalize:
            s = invariant_mass_squared(X, range(self.n_particles_))
            if np.any(s <= 0):
                raise ValueError(
                    "normalize=True needs a time-like total momentum (s > 0) in "
                    f"every event; {int(np.sum(s <= 0))} events have s <= 0."
                )
            S /= s[:, None]
        return S

    def get_feature_names_out(self, input_features=None) -> NDArray[np.object_]:
        """Names ``s_12, s_13, ...`` (1-based particle numbers)."""
        check_is_fitted(self)
        sep = "_" if self.n_particles_ >= 10 else ""
        return np.asarray(
            [f"s_{i + 1}{sep}{j + 1}" for i, j in self.pairs_], dtype=object
        )
