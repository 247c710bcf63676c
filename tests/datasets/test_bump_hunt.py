"""make_bump_hunt and the resonance sampler behind it (arXiv:2102.08380, Sec. 3)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats
from scipy.integrate import quad

from sktopo.datasets import make_bump_hunt
from sktopo.physics import PhaseSpaceSampler, dalitz_boundaries, invariant_mass_squared

P_MIN = 1e-3


def _assert_physical(X, masses, sqrt_s=1.0):
    n = len(masses)
    P = X.reshape(-1, n, 4)
    assert_allclose(P.sum(axis=1), [[sqrt_s, 0, 0, 0]] * len(P), rtol=0, atol=1e-12 * sqrt_s)
    on_shell = np.sqrt(np.sum(P[..., 1:] ** 2, axis=-1) + np.asarray(masses) ** 2)
    assert_allclose(P[..., 0], on_shell, rtol=0, atol=1e-12 * sqrt_s)


# ------------------------------------------------------------- the data set
def test_paper_setup_sideband_and_signal():
    data = make_bump_hunt(3_000, 2_000, 1_000, random_state=0)
    assert data.X_train.shape == (3_000, 12)
    assert data.X_test.shape == (2_000, 12)
    assert data.X_signal.shape == (1_000, 12)
    assert data.window == pytest.approx((0.225, 0.275))
    assert data.feature_names[:4] == ["E_1", "px_1", "py_1", "pz_1"]
    for X in (data.X_train, data.X_test):
        s12 = invariant_mass_squared(X, (0, 1))
        assert not np.any((s12 > 0.225) & (s12 < 0.275))
        _assert_physical(X, [0, 0, 0])
    assert_allclose(invariant_mass_squared(data.X_signal, (0, 1)), 0.25, rtol=0, atol=1e-12)
    _assert_physical(data.X_signal, [0, 0, 0])
    assert not np.allclose(data.X_train[:10], data.X_test[:10])


def test_reproducible():
    a = make_bump_hunt(50, 50, 50, random_state=3, width=0.01, smearing=0.01)
    b = make_bump_hunt(50, 50, 50, random_state=3, width=0.01, smearing=0.01)
    for key in ("X_train", "X_test", "X_signal"):
        assert_allclose(a[key], b[key])


def test_sideband_is_uniform_outside_the_window():
    data = make_bump_hunt(20_000, 0, 0, random_state=1)
    s12 = invariant_mass_squared(data.X_train, (0, 1))
    lo, hi = 0.225, 0.275
    excluded = (1 - lo) ** 2 - (1 - hi) ** 2  # mass of 1 - (1 - x)^2 in the window

    def cdf(x):
        raw = 1 - (1 - np.minimum(x, lo)) ** 2 + np.where(
            x > hi, (1 - hi) ** 2 - (1 - x) ** 2, 0.0
        )
        return raw / (1 - excluded)

    assert stats.kstest(s12, cdf).pvalue > P_MIN


def test_other_pair_and_massive_four_body():
    masses = [0.05, 0.1, 0.0, 0.02]
    data = make_bump_hunt(
        500, 500, 500, n_particles=4, masses=masses, pair=(1, 3),
        mass_squared=0.2, sqrt_s=1.0, random_state=2,
    )
    for X in (data.X_train, data.X_test):
        s = invariant_mass_squared(X, (1, 3))
        assert not np.any((s > 0.18) & (s < 0.22))
        _assert_physical(X, masses)
    assert_allclose(invariant_mass_squared(data.X_signal, (1, 3)), 0.2, atol=1e-12)
    _assert_physical(data.X_signal, masses)


def test_breit_wigner_spreads_the_signal():
    narrow = make_bump_hunt(0, 0, 2_000, width=0.005, random_state=4)
    s12 = invariant_mass_squared(narrow.X_signal, (0, 1))
    _assert_physical(narrow.X_signal, [0, 0, 0])
    assert np.std(s12) > 0
    # half the events within one half-width m Gamma = 0.25 * 0.005 of the peak
    assert np.mean(np.abs(s12 - 0.25) < 0.25 * 0.005) == pytest.approx(0.5, abs=0.05)
    wide = make_bump_hunt(0, 0, 2_000, width=0.05, random_state=4)
    s12_wide = invariant_mass_squared(wide.X_signal, (0, 1))
    assert np.median(np.abs(s12_wide - 0.25)) > 5 * np.median(np.abs(s12 - 0.25))


def test_relative_smearing_is_a_one_percent_effect():
    clean = make_bump_hunt(2_000, 0, 500, random_state=5)
    smeared = make_bump_hunt(2_000, 0, 500, random_state=5, smearing=0.01)
    ratio = smeared.X_train / clean.X_train
    assert np.std(ratio - 1) == pytest.approx(0.01, rel=0.05)
    assert abs(np.mean(ratio - 1)) < 1e-3
    # smeared events no longer conserve momentum exactly, at the percent level
    total = smeared.X_signal.reshape(-1, 3, 4).sum(axis=1)
    assert 1e-4 < np.std(total[:, 0]) < 3e-2


def test_absolute_smearing_in_units_of_sqrt_s():
    clean = make_bump_hunt(2_000, 0, 0, sqrt_s=10.0, mass_squared=25.0, random_state=6)
    smeared = make_bump_hunt(
        2_000, 0, 0, sqrt_s=10.0, mass_squared=25.0, random_state=6,
        smearing=0.01, smearing_mode="absolute",
    )
    assert np.std(smeared.X_train - clean.X_train) == pytest.approx(0.1, rel=0.05)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_particles": 2}, "n_particles >= 3"),
        ({"masses": [0.5, 0.4, 0.2]}, "no phase space"),
        ({"mass_squared": 1.2}, "outside the kinematic range"),
        ({"mass_squared": 0.95}, "outside the kinematic range"),  # window pokes out
        ({"window": (1.1, 0.9)}, "low < high"),
        ({"pair": (0, 3)}, "pair"),
        ({"pair": (1, 1)}, "pair"),
        ({"width": -0.1}, "width"),
        ({"smearing": -0.01}, "smearing"),
        ({"smearing_mode": "gaussian"}, "smearing_mode"),
        ({"n_train": -5}, "n_train"),
    ],
)
def test_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_bump_hunt(**{"n_train": 10, "n_test": 10, "n_signal": 10, **kwargs})


# --------------------------------------------- the resonance sampler itself
def test_three_body_signal_is_uniform_along_the_stripe():
    """At fixed s_12 the remaining measure is flat in s_13 on its range."""
    for masses in ([0.0, 0.0, 0.0], [0.1, 0.2, 0.3]):
        sampler = PhaseSpaceSampler(masses=masses, random_state=7).fit()
        X = sampler.sample_on_resonance(5_000, mass_squared=0.3)
        _assert_physical(X, masses)
        assert_allclose(invariant_mass_squared(X, (0, 1)), 0.3, atol=1e-12)
        s13 = invariant_mass_squared(X, (0, 2))
        lo, hi = dalitz_boundaries(0.3, 1.0, [masses[1], masses[0], masses[2]])
        assert np.all((s13 >= lo - 1e-12) & (s13 <= hi + 1e-12))
        assert stats.kstest((s13 - lo) / (hi - lo), "uniform").pvalue > P_MIN


def test_four_body_signal_matches_a_thin_slice_of_phase_space():
    """The conditional measure: compare with uniform events cut to a thin band."""
    sampler = PhaseSpaceSampler(n_particles=4, random_state=8).fit()
    signal = sampler.sample_on_resonance(4_000, mass_squared=0.25, pair=(0, 2))
    assert_allclose(invariant_mass_squared(signal, (0, 2)), 0.25, atol=1e-12)
    _assert_physical(signal, [0.0] * 4)
    X = sampler.sample(600_000)
    band = X[np.abs(invariant_mass_squared(X, (0, 2)) - 0.25) < 0.002]
    assert len(band) > 2_000
    for pair in [(0, 1), (1, 3), (2, 3), (0, 3)]:
        a, b = invariant_mass_squared(signal, pair), invariant_mass_squared(band, pair)
        assert stats.ks_2samp(a, b).pvalue > P_MIN, pair


def test_breit_wigner_line_shape_times_phase_space():
    """Massless 3 bodies: s_12 density is BW(s_12) (s - s_12) on [0, s]."""
    m2, width = 0.25, 0.2
    sampler = PhaseSpaceSampler(random_state=9).fit()
    X = sampler.sample_on_resonance(5_000, mass_squared=m2, width=width)
    _assert_physical(X, [0, 0, 0])
    s12 = invariant_mass_squared(X, (0, 1))

    def density(x):
        return (1 - x) / ((x - m2) ** 2 + (m2 * width) ** 2)

    norm = quad(density, 0, 1, points=[m2])[0]
    grid = np.linspace(0, 1, 4001)
    cdf_grid = np.concatenate(
        [[0.0], np.cumsum([quad(density, a, b)[0] for a, b in zip(grid[:-1], grid[1:])])]
    ) / norm
    assert stats.kstest(s12, lambda x: np.interp(x, grid, cdf_grid)).pvalue > P_MIN


def test_resonance_weights_and_errors():
    sampler = PhaseSpaceSampler(n_particles=4, masses=[0.1, 0.1, 0, 0], random_state=0).fit()
    X, w = sampler.sample_on_resonance(100, mass_squared=0.2, return_weights=True)
    assert X.shape == (100, 16) and w.shape == (100,) and np.all(w > 0)
    X = sampler.sample_on_resonance(50, mass_squared=0.2, width=0.01)
    assert X.shape == (50, 16)
    with pytest.raises(ValueError, match="outside the kinematic range"):
        sampler.sample_on_resonance(5, mass_squared=0.01)  # below (m1 + m2)^2
    with pytest.raises(ValueError, match="width"):
        sampler.sample_on_resonance(5, mass_squared=0.2, width=-1.0)
    with pytest.raises(ValueError, match="n_particles >= 3"):
        PhaseSpaceSampler(n_particles=2).fit().sample_on_resonance(5, mass_squared=0.5)
