"""The mock bump hunt of arXiv:2102.08380, Sec. 3: sideband and signal events."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral, Real

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils import Bunch, check_random_state

from sktopo.physics import PhaseSpaceSampler, mass_squared_range
from sktopo.utils._random import draw_seeds

__all__ = ["make_bump_hunt"]


def _check_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
        raise ValueError(f"{name} must be a non-negative int; got {value!r}.")
    return int(value)


def _check_real(value, name: str, low: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite real number; got {value!r}.")
    if value < low:
        raise ValueError(f"{name} must be >= {low}; got {value!r}.")
    return float(value)


def _smear(X, smearing: float, mode: str, sqrt_s: float, rng: np.random.Generator):
    """Gaussian smearing of every momentum component.

    ``"relative"``: ``x -> x (1 + smearing * N(0, 1))`` (a resolution of
    ``smearing`` times the component); ``"absolute"``:
    ``x -> x + smearing * sqrt_s * N(0, 1)``.
    """
    if smearing == 0:
        return X
    noise = rng.standard_normal(X.shape)
    if mode == "relative":
        return X * (1.0 + smearing * noise)
    return X + (smearing * sqrt_s) * noise


def make_bump_hunt(
    n_train: int = 10_000,
    n_test: int = 10_000,
    n_signal: int = 10_000,
    *,
    n_particles: int = 3,
    sqrt_s: float = 1.0,
    masses: ArrayLike | None = None,
    mass_squared: float = 0.25,
    window: tuple[float, float] = (0.9, 1.1),
    pair: Sequence[int] = (0, 1),
    width: float = 0.0,
    smearing: float = 0.0,
    smearing_mode: str = "relative",
    random_state: int | np.random.RandomState | None = None,
) -> Bunch:
    """Sideband training/test events and resonance signal events (a mock bump hunt).

    Reproduces the set-up of arXiv:2102.08380, Sec. 3: background events are
    uniform in Lorentz-invariant ``n``-body phase space (their Eq. 3.1)
    *excluding* a window ``window[0] m_X^2 < s_pair < window[1] m_X^2`` in
    one pair's invariant mass (the "sideband" training and test sets); signal
    events have ``s_pair = m_X^2`` but are otherwise uniform in phase space
    (their Fig. 3), optionally with a Breit-Wigner line shape and Gaussian
    smearing of the momenta (their Sec. 3, last paragraph).

    Parameters
    ----------
    n_train, n_test, n_signal : int, default=10_000
        Sizes of the sideband training set, the sideband test set and the
        signal set.
    n_particles : int, default=3
        Final-state multiplicity, ``>= 3`` (the paper uses 3: ``Y Ybar Z``).
    sqrt_s : float, default=1.0
        Centre-of-mass energy (the paper's unit).
    masses : array-like of shape (n_particles,), default=None
        Final-state masses; None for massless (as in the paper).
    mass_squared : float, default=0.25
        ``m_X^2`` of the resonance decaying to the pair, in units of
        ``sqrt_s^2`` (the paper: ``s_YY = 0.25``).  Must lie strictly inside
        the pair's kinematic range.
    window : (float, float), default=(0.9, 1.1)
        Excluded region in units of ``m_X^2``: background events with
        ``window[0] m_X^2 < s_pair < window[1] m_X^2`` are removed.  The
        window must lie inside the kinematic range of ``s_pair``.
    pair : (int, int), default=(0, 1)
        **0-based** indices of the resonance's decay products (``Y, Ybar``);
        ``(0, 1)`` is the pair called ``s_12``.
    width : float, default=0.0
        Relative width ``Gamma_X / m_X`` of the signal's Breit-Wigner line
        shape; 0 puts every signal event exactly on ``s_pair = m_X^2``.  The
        paper's check used a 0.5 % width, ``width=0.005``.  See
        :meth:`~sktopo.physics.PhaseSpaceSampler.sample_on_resonance`.
    smearing : float, default=0.0
        Gaussian smearing applied to every momentum component of all three
        sets (the paper's check: "1% Gaussian smearing on all 4-momenta
        coordinates", ``smearing=0.01``).  The smeared events no longer
        conserve momentum exactly nor sit on their mass shells.
    smearing_mode : {"relative", "absolute"}, default="relative"
        ``"relative"``: each component ``x`` becomes ``x (1 + smearing z)``
        with ``z ~ N(0, 1)``, a resolution proportional to the component;
        ``"absolute"``: ``x + smearing * sqrt_s * z``.  The paper does not say
        which it used; relative is the usual reading of "1 % smearing".
    random_state : int, RandomState instance or None, default=None
        Seeds all random draws.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With keys

        ``X_train``, ``X_test`` : ndarray of shape (n, 4 * n_particles)
            Sideband events (no event inside the window before smearing).
        ``X_signal`` : ndarray of shape (n_signal, 4 * n_particles)
            Signal events.
        ``feature_names`` : list of str
            ``E_1, px_1, py_1, pz_1, E_2, ...``
        ``window`` : (float, float)
            The excluded interval of ``s_pair`` in absolute units.
        ``pair``, ``mass_squared``, ``sqrt_s`` : tuple of int, float, float
            The settings used.
        ``DESCR`` : str
            A description of the data set.

    Raises
    ------
    ValueError
        For ``n_particles < 3``, masses summing to ``sqrt_s`` or more, a
        pair or window outside the kinematic range, negative sizes, widths or
        smearing, or an unknown ``smearing_mode``.

    See Also
    --------
    sktopo.physics.PhaseSpaceSampler.sample : with ``exclude_window``.
    sktopo.physics.PhaseSpaceSampler.sample_on_resonance : the signal.

    References
    ----------
    .. [1] J. Batson, C. G. Haaf, Y. Kahn, D. A. Roberts, "Topological
       obstructions to autoencoding", arXiv:2102.08380, Sec. 3.

    Examples
    --------
    >>> from sktopo.datasets import make_bump_hunt
    >>> from sktopo.physics import invariant_mass_squared
    >>> data = make_bump_hunt(100, 100, 50, random_state=0)
    >>> data.X_train.shape, data.X_signal.shape
    ((100, 12), (50, 12))
    >>> s12 = invariant_mass_squared(data.X_train, (0, 1))
    >>> bool(((s12 > 0.225) & (s12 < 0.275)).any())
    False
    """
    n_train = _check_int(n_train, "n_train")
    n_test = _check_int(n_test, "n_test")
    n_signal = _check_int(n_signal, "n_signal")
    if isinstance(n_particles, bool) or not isinstance(n_particles, Integral):
        raise ValueError(f"n_particles must be an int; got {n_particles!r}.")
    if n_particles < 3:
        raise ValueError(
            f"a bump hunt needs n_particles >= 3; got {n_particles} (with two "
            "particles the pair mass is fixed to s)."
        )
    mass_squared = _check_real(mass_squared, "mass_squared")
    width = _check_real(width, "width")
    smearing = _check_real(smearing, "smearing")
    if smearing_mode not in ("relative", "absolute"):
        raise ValueError(
            f"smearing_mode must be 'relative' or 'absolute'; got {smearing_mode!r}."
        )
    low, high = (_check_real(v, "window") for v in window)

    rs = check_random_state(random_state)
    sampler = PhaseSpaceSampler(
        n_particles=n_particles,
        sqrt_s=sqrt_s,
        masses=masses,
        random_state=draw_seeds(rs, 1)[0],
    ).fit()
    pair = sampler._check_pair(pair)
    s_min, s_max = mass_squared_range(float(sqrt_s), sampler.masses_, pair)
    name = f"s_{pair[0] + 1}{pair[1] + 1}"
    if not s_min < mass_squared < s_max:
        raise ValueError(
            f"mass_squared={mass_squared:g} lies outside the kinematic range "
            f"({s_min:g}, {s_max:g}) of {name}."
        )
    excluded = (low * mass_squared, high * mass_squared)

    train_test = sampler.sample(n_train + n_test, pair=pair, exclude_window=excluded)
    signal = sampler.sample_on_resonance(
        n_signal, mass_squared=mass_squared, pair=pair, width=width
    )
    noise_rng = np.random.default_rng(draw_seeds(rs, 4))
    train_test = _smear(train_test, smearing, smearing_mode, float(sqrt_s), noise_rng)
    signal = _smear(signal, smearing, smearing_mode, float(sqrt_s), noise_rng)
    descr = (
        f"Mock bump hunt (arXiv:2102.08380, Sec. 3): {n_particles}-body phase "
        f"space at sqrt_s={sqrt_s:g}; sideband sets exclude "
        f"{excluded[0]:g} < {name} < {excluded[1]:g}; signal at "
        f"{name} = {mass_squared:g} (relative width {width:g}); "
        f"{smearing_mode} Gaussian smearing {smearing:g}."
    )
    return Bunch(
        X_train=train_test[:n_train],
        X_test=train_test[n_train:],
        X_signal=signal,
        feature_names=sampler.get_feature_names_out().tolist(),
        window=excluded,
        pair=pair,
        mass_squared=mass_squared,
        sqrt_s=float(sqrt_s),
        DESCR=descr,
    )
