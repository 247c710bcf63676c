"""PhaseSpaceSampler: exactness, invertibility, and flatness of the distribution."""

from itertools import combinations
from math import pi

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats
from scipy.integrate import quad
from sklearn.pipeline import make_pipeline

from sktopo.physics import (
    DalitzFeatures,
    PhaseSpaceSampler,
    dalitz_boundaries,
    invariant_mass_squared,
    kallen,
)
from sktopo.testing.strategies import mass_lists, unit_cube_points

P_MIN = 1e-3  # KS p-value threshold: with fixed seeds, any seed passes this


def _check_event_exact(X, sqrt_s, masses):
    """Momentum conservation and mass shells to 1e-12 sqrt_s."""
    n = len(masses)
    P = X.reshape(-1, n, 4)
    assert_allclose(P.sum(axis=1), [[sqrt_s, 0, 0, 0]] * len(P), rtol=0, atol=1e-12 * sqrt_s)
    on_shell = np.sqrt(np.sum(P[..., 1:] ** 2, axis=-1) + np.asarray(masses) ** 2)
    assert_allclose(P[..., 0], on_shell, rtol=0, atol=1e-12 * sqrt_s)
    assert np.all(P[..., 0] >= np.asarray(masses) - 1e-12 * sqrt_s)


def _rambo(n_events, n, sqrt_s, rng, masses=None):
    """Classic RAMBO (Kleiss, Stirling, Ellis 1986), written independently.

    Isotropic massless momenta with energies -log(r1 r2), boosted to the
    centre-of-mass frame and scaled to sqrt_s; with masses, the momenta are
    rescaled by xi and the events carry the classic RAMBO weight.
    """
    r = rng.random((n_events, n, 4))
    cos_t, phi = 2 * r[..., 0] - 1, 2 * pi * r[..., 1]
    q0 = -np.log(r[..., 2] * r[..., 3])
    sin_t = np.sqrt(1 - cos_t**2)
    q = np.stack(
        [q0, q0 * sin_t * np.cos(phi), q0 * sin_t * np.sin(phi), q0 * cos_t], axis=-1
    )
    Q = q.sum(axis=1)
    M = np.sqrt(Q[:, 0] ** 2 - np.sum(Q[:, 1:] ** 2, axis=1))
    b = -Q[:, 1:] / M[:, None]
    x, gamma = sqrt_s / M, Q[:, 0] / M
    a = 1 / (1 + gamma)
    bq = np.einsum("ej,enj->en", b, q[..., 1:])
    p = np.empty_like(q)
    p[..., 0] = x[:, None] * (gamma[:, None] * q[..., 0] + bq)
    p[..., 1:] = x[:, None, None] * (
        q[..., 1:] + b[:, None, :] * q[..., :1] + (a[:, None] * bq)[..., None] * b[:, None, :]
    )
    if masses is None:
        return p.reshape(n_events, 4 * n), np.ones(n_events)
    m = np.asarray(masses)
    xi = np.full(n_events, 0.5)
    for _ in range(60):  # Newton for sum_i sqrt(m_i^2 + xi^2 E_i^2) = sqrt_s
        e = np.sqrt(m**2 + (xi[:, None] * p[..., 0]) ** 2)
        f = e.sum(axis=1) - sqrt_s
        xi -= f / np.sum(xi[:, None] * p[..., 0] ** 2 / e, axis=1)
    k = p * xi[:, None, None]
    k[..., 0] = np.sqrt(m**2 + k[..., 0] ** 2)
    kabs = xi[:, None] * p[..., 0]
    w = (
        (kabs.sum(axis=1) / sqrt_s) ** (2 * n - 3)
        * np.prod(kabs / k[..., 0], axis=1)
        * sqrt_s
        / np.sum(kabs**2 / k[..., 0], axis=1)
    )
    return k.reshape(n_events, 4 * n), w


def _unweight(X, w, rng):
    return X[rng.random(len(w)) * w.max() < w]


# ------------------------------------------------------------------ basics
def test_fit_attributes_and_feature_names():
    sampler = PhaseSpaceSampler(n_particles=4, masses=[0.1, 0, 0, 0.2]).fit()
    assert sampler.n_features_in_ == 8
    assert_allclose(sampler.masses_, [0.1, 0, 0, 0.2])
    names = sampler.get_feature_names_out()
    assert names[:5].tolist() == ["E_1", "px_1", "py_1", "pz_1", "E_2"]
    assert len(names) == 16
    assert sampler.max_weight_ > 0


def test_phase_space_volume_closed_forms():
    assert PhaseSpaceSampler(n_particles=2).phase_space_volume() == pytest.approx(1 / (8 * pi))
    # three bodies: (1 / (128 pi^3 s)) * (area s^2 / 2) of the Dalitz triangle
    sampler = PhaseSpaceSampler(n_particles=3, sqrt_s=2.0)
    assert sampler.phase_space_volume() == pytest.approx(4.0 / (256 * pi**3))
    # recursion V_(n+1) / V_n = s / (16 pi^2 n (n - 1))
    v4 = PhaseSpaceSampler(n_particles=4, sqrt_s=2.0).phase_space_volume()
    assert v4 / sampler.phase_space_volume() == pytest.approx(4.0 / (16 * pi**2 * 3 * 2))


def test_fit_with_cube_data_and_pipeline_into_dalitz_features():
    U = np.random.default_rng(0).random((50, 5))
    pipe = make_pipeline(PhaseSpaceSampler(n_particles=3), DalitzFeatures(normalize=True))
    S = pipe.fit_transform(U)
    assert S.shape == (50, 3)
    assert_allclose(S.sum(axis=1), 1.0, atol=1e-12)
    assert np.all(S >= -1e-12)


# ------------------------------------------------------- exactness properties
@settings(max_examples=40, deadline=None)
@given(
    data=st.data(),
    n=st.integers(2, 7),
    sqrt_s=st.sampled_from([0.5, 1.0, 91.2]),
)
def test_transform_conserves_momentum_and_mass_shells(data, n, sqrt_s):
    U = data.draw(unit_cube_points(n))
    X = PhaseSpaceSampler(n_particles=n, sqrt_s=sqrt_s).fit().transform(U)
    assert X.shape == (len(U), 4 * n)
    _check_event_exact(X, sqrt_s, [0.0] * n)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), n=st.integers(2, 6))
def test_massive_transform_conserves_momentum_and_mass_shells(data, n):
    masses = data.draw(mass_lists(n, sqrt_s=2.0))
    U = data.draw(unit_cube_points(n))
    sampler = PhaseSpaceSampler(n_particles=n, sqrt_s=2.0, masses=masses).fit()
    _check_event_exact(sampler.transform(U), 2.0, masses)
    assert np.all(sampler.weights(U) >= 0)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_three_body_invariants_sum_rule(data):
    masses = data.draw(mass_lists(3))
    U = data.draw(unit_cube_points(3))
    X = PhaseSpaceSampler(masses=masses).fit().transform(U)
    total = sum(invariant_mass_squared(X, pair) for pair in [(0, 1), (0, 2), (1, 2)])
    assert_allclose(total, 1.0 + np.sum(np.square(masses)), atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), n=st.integers(2, 6), massive=st.booleans())
def test_cube_round_trip(data, n, massive):
    masses = data.draw(mass_lists(n)) if massive else None
    # The inverse loses ~gamma^2 ulp for a subsystem of mass M moving with
    # gamma ~ sqrt_s / M (the cube's faces); a margin of 1e-3 keeps the worst
    # case for n <= 6 near 1e-9 (measured), so 1e-8 is a safe bound.
    U = data.draw(unit_cube_points(n, margin=1e-3))
    sampler = PhaseSpaceSampler(n_particles=n, masses=masses).fit()
    X = sampler.transform(U)
    assert_allclose(sampler.inverse_transform(X), U, rtol=0, atol=1e-8)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), n=st.integers(2, 6), massive=st.booleans())
def test_event_round_trip(data, n, massive):
    masses = data.draw(mass_lists(n)) if massive else None
    U = data.draw(unit_cube_points(n, margin=1e-3))  # see test_cube_round_trip
    sampler = PhaseSpaceSampler(n_particles=n, masses=masses).fit()
    X = sampler.transform(U)
    assert_allclose(sampler.transform(sampler.inverse_transform(X)), X, rtol=0, atol=1e-8)


# --------------------------------------------------------------- weights
def test_two_body_weight_is_the_exact_volume_ratio():
    sampler = PhaseSpaceSampler(n_particles=2, masses=[0.3, 0.2]).fit()
    U = np.random.default_rng(1).random((10, 2))
    expected = np.sqrt(kallen(1.0, 0.09, 0.04))  # Phi_2 / V_2 = lambda^(1/2) / s
    assert_allclose(sampler.weights(U), expected, rtol=1e-14)
    assert_allclose(PhaseSpaceSampler(n_particles=5).fit().weights(np.full((3, 11), 0.3)), 1.0)


def test_massive_three_body_mean_weight_is_the_dalitz_area():
    masses = [0.1, 0.2, 0.3]
    sampler = PhaseSpaceSampler(masses=masses, random_state=3).fit()
    _, w = sampler.sample(400_000, return_weights=True)

    def length(x):
        lo, hi = dalitz_boundaries(x, 1.0, masses)
        return hi - lo

    area = quad(length, 0.09, 0.49, limit=200)[0]
    # Phi_3 = area / (128 pi^3 s) and V_3 = s / (256 pi^3): ratio = area / (s^2 / 2)
    assert w.mean() == pytest.approx(area / 0.5, abs=5 * w.std() / np.sqrt(len(w)))


# ---------------------------------------------------------- distributions
def test_massless_three_body_fills_dalitz_triangle_uniformly():
    X = PhaseSpaceSampler(random_state=0).fit().sample(20_000)
    for pair in [(0, 1), (0, 2), (1, 2)]:
        s = invariant_mass_squared(X, pair)
        assert stats.kstest(s, lambda x: 1 - (1 - x) ** 2).pvalue > P_MIN
    # uniform in the triangle: s_13 / (1 - s_12) is uniform at every s_12
    s12, s13 = invariant_mass_squared(X, (0, 1)), invariant_mass_squared(X, (0, 2))
    assert stats.kstest(s13 / (1 - s12), "uniform").pvalue > P_MIN


def test_orientations_are_isotropic():
    X = PhaseSpaceSampler(n_particles=3, random_state=1).fit().sample(20_000)
    for i in range(3):
        p = X[:, 4 * i + 1 : 4 * i + 4]
        cos_t = p[:, 2] / np.linalg.norm(p, axis=1)
        phi = np.arctan2(p[:, 1], p[:, 0])
        assert stats.kstest(cos_t, "uniform", args=(-1, 2)).pvalue > P_MIN
        assert stats.kstest(phi, "uniform", args=(-pi, 2 * pi)).pvalue > P_MIN


@pytest.mark.parametrize("n", [4, 5])
def test_massless_agrees_with_classic_rambo(n):
    rng = np.random.default_rng(10 + n)
    X = PhaseSpaceSampler(n_particles=n, sqrt_s=2.0, random_state=n).fit().sample(10_000)
    Y, _ = _rambo(10_000, n, 2.0, rng)
    _check_event_exact(Y, 2.0, [0.0] * n)  # the reference itself is right
    for pair in combinations(range(n), 2):
        a, b = invariant_mass_squared(X, pair), invariant_mass_squared(Y, pair)
        assert stats.ks_2samp(a, b).pvalue > P_MIN, pair
    assert stats.ks_2samp(X[:, 0], Y[:, 0]).pvalue > P_MIN  # energy of particle 1


@pytest.mark.parametrize("n, masses", [(3, [0.1, 0.2, 0.3]), (4, [0.1, 0.0, 0.05, 0.2])])
def test_massive_agrees_with_classic_rambo(n, masses):
    rng = np.random.default_rng(20 + n)
    sampler = PhaseSpaceSampler(n_particles=n, masses=masses, random_state=n).fit()
    X = sampler.sample(8_000)
    _check_event_exact(X, 1.0, masses)
    Y = _unweight(*_rambo(60_000, n, 1.0, rng, masses), rng)[:8_000]
    _check_event_exact(Y, 1.0, masses)
    assert len(Y) > 4_000
    for pair in combinations(range(n), 2):
        a, b = invariant_mass_squared(X, pair), invariant_mass_squared(Y, pair)
        assert stats.ks_2samp(a, b).pvalue > P_MIN, pair


def test_massive_three_body_is_flat_in_the_dalitz_plane():
    masses = [0.1, 0.2, 0.3]
    X = PhaseSpaceSampler(masses=masses, random_state=5).fit().sample(10_000)
    s12, s23 = invariant_mass_squared(X, (0, 1)), invariant_mass_squared(X, (1, 2))
    lo, hi = dalitz_boundaries(s12, 1.0, masses)
    assert np.all((s23 >= lo - 1e-12) & (s23 <= hi + 1e-12))
    # flat: the position of s23 within its range is uniform at every s12
    assert stats.kstest((s23 - lo) / (hi - lo), "uniform").pvalue > P_MIN


def test_weighted_and_unweighted_samples_agree():
    masses = [0.2, 0.1, 0.1, 0.1]
    sampler = PhaseSpaceSampler(n_particles=4, masses=masses, random_state=2).fit()
    X = sampler.sample(6_000)
    Xw, w = sampler.sample(60_000, return_weights=True)
    Y = _unweight(Xw, w, np.random.default_rng(0))
    a, b = invariant_mass_squared(X, (0, 1)), invariant_mass_squared(Y, (0, 1))
    assert stats.ks_2samp(a, b).pvalue > P_MIN


# ---------------------------------------------------------------- sampling
def test_sampling_is_reproducible_and_fresh():
    first = PhaseSpaceSampler(random_state=0).fit()
    a, b = first.sample(5), first.sample(5)
    assert not np.allclose(a, b)
    again = PhaseSpaceSampler(random_state=0).fit()
    assert_allclose(again.sample(5), a)
    assert_allclose(first.fit().sample(5), a)  # fit resets the stream


def test_sample_shapes_and_weights():
    sampler = PhaseSpaceSampler(n_particles=5, random_state=0).fit()
    X, w = sampler.sample(7, return_weights=True)
    assert X.shape == (7, 20) and X.flags.c_contiguous
    assert_allclose(w, 1.0)
    assert sampler.sample(0).shape == (0, 20)
    massive = PhaseSpaceSampler(n_particles=3, masses=[0.1, 0.1, 0.1], max_weight=50.0)
    assert massive.fit().max_weight_ == 50.0
    assert massive.sample(3).shape == (3, 12)


def test_sample_excluding_a_window():
    sampler = PhaseSpaceSampler(n_particles=4, random_state=0).fit()
    X = sampler.sample(3_000, pair=(1, 3), exclude_window=(0.1, 0.3))
    s = invariant_mass_squared(X, (1, 3))
    assert len(X) == 3_000
    assert not np.any((s > 0.1) & (s < 0.3))
    assert np.any(s < 0.1) and np.any(s > 0.3)


# ----------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_particles": 1}, "n_particles"),
        ({"sqrt_s": 0.0}, "sqrt_s"),
        ({"masses": [0.5, 0.3, 0.3]}, "no phase space"),
        ({"masses": [0.1, 0.1]}, "3 values"),
        ({"masses": [-0.1, 0.1, 0.1]}, ">= 0"),
        ({"max_weight": "big"}, "max_weight"),
    ],
)
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        PhaseSpaceSampler(**params).fit()


def test_bad_inputs():
    sampler = PhaseSpaceSampler(n_particles=3).fit()
    with pytest.raises(ValueError, match="unit cube"):
        sampler.transform(np.full((2, 5), 1.5))
    with pytest.raises(ValueError, match="5 features"):
        sampler.transform(np.full((2, 4), 0.5))
    with pytest.raises(ValueError, match="n_features = 4"):
        sampler.fit(np.full((2, 4), 0.5))
    sampler.fit()
    with pytest.raises(ValueError, match="4 \\* 3 = 12"):
        sampler.inverse_transform(np.zeros((2, 8)))
    with pytest.raises(ValueError, match="total four-momentum"):
        sampler.inverse_transform(np.ones((2, 12)))
    with pytest.raises(ValueError, match="n_samples"):
        sampler.sample(-1)
    with pytest.raises(ValueError, match="pair"):
        sampler.sample(3, pair=(0, 0), exclude_window=(0.1, 0.2))
    with pytest.raises(ValueError, match="outside the kinematic range"):
        sampler.sample(3, exclude_window=(0.5, 1.2))
    with pytest.raises(ValueError, match="whole range"):
        sampler.sample(3, exclude_window=(0.0, 1.0))
    with pytest.raises(ValueError, match="low < high"):
        sampler.sample(3, exclude_window=(0.3, 0.2))


# Numeric limits (issue 9, item 5)
@pytest.mark.parametrize("sqrt_s", [1e155, 1e200, 1e101, 1e-101, 1e-200])
def test_sqrt_s_outside_the_safe_range_is_refused(sqrt_s):
    with pytest.raises(ValueError, match=r"sqrt_s.*\[1e-100, 1e\+100\]"):
        PhaseSpaceSampler(sqrt_s=sqrt_s).fit()


@pytest.mark.parametrize("sqrt_s", [1e-100, 1e100])
@pytest.mark.parametrize("massive", [False, True])
def test_events_are_finite_at_the_ends_of_the_range(sqrt_s, massive):
    masses = np.array([0.1, 0.2, 0.05, 0.1]) * sqrt_s if massive else None
    sampler = PhaseSpaceSampler(n_particles=4, sqrt_s=sqrt_s, masses=masses,
                                random_state=0).fit()
    X = sampler.sample(500)
    assert np.all(np.isfinite(X))
    assert_allclose(X.reshape(-1, 4, 4).sum(axis=1) / sqrt_s, [[1, 0, 0, 0]] * 500, atol=1e-12)
    S = DalitzFeatures().fit_transform(X) / sqrt_s**2
    assert np.all(np.isfinite(S)) and S.min() >= 0 and S.max() <= 1 + 1e-12
    assert_allclose(sampler.transform(sampler.inverse_transform(X)) / sqrt_s, X / sqrt_s,
                    atol=1e-9)


def test_log_phase_space_volume_is_exact_in_logs():
    from math import factorial, log

    for n, sqrt_s in [(2, 1.0), (3, 2.0), (4, 1e100), (100, 1.0), (300, 1e-100)]:
        expected = ((4 - 3 * n) * log(2 * pi) + (n - 1) * log(pi / 2)
                    + 2 * (n - 2) * log(sqrt_s) - log(factorial(n - 1) * factorial(n - 2)))
        got = PhaseSpaceSampler(n_particles=n, sqrt_s=sqrt_s).log_phase_space_volume()
        assert got == pytest.approx(expected, rel=1e-12)
    assert np.exp(PhaseSpaceSampler(n_particles=2).log_phase_space_volume()) == pytest.approx(
        1 / (8 * pi))


@pytest.mark.parametrize("n, sqrt_s, power", [(100, 1.0, -526.8), (4, 1e100, 393.1)])
def test_phase_space_volume_outside_float_range_raises(n, sqrt_s, power):
    sampler = PhaseSpaceSampler(n_particles=n, sqrt_s=sqrt_s)
    with pytest.raises(ValueError, match=rf"10\^{power}.*log_phase_space_volume"):
        sampler.phase_space_volume()


def test_hundred_particles_sample_and_invert():
    sampler = PhaseSpaceSampler(n_particles=100, random_state=0).fit()
    X = sampler.sample(50)
    assert_allclose(X.reshape(-1, 100, 4).sum(axis=1), [[1, 0, 0, 0]] * 50, atol=1e-12)
    assert_allclose(sampler.transform(sampler.inverse_transform(X)), X, atol=1e-10)


# Silent coercion of particle indices (issue 9, item 6)
BAD_PAIRS = [((0.7, 1.9), "0.7 is not an int"), ((0.0, 1.0), "0.0 is not an int"),
             ("01", "got '01'"), ((True, 1), "True is not an int"), (1, "got 1"),
             ((0, 0), "not distinct"), ((0, 3), "out of range"), ((0, 1, 2), "3 indices")]


@pytest.mark.parametrize("pair, match", BAD_PAIRS)
def test_sample_rejects_bad_pairs(pair, match):
    sampler = PhaseSpaceSampler(random_state=0).fit()
    with pytest.raises(ValueError, match=f"pair must .*{match}"):
        sampler.sample(3, pair=pair)
    with pytest.raises(ValueError, match=f"pair must .*{match}"):
        sampler.sample_on_resonance(3, mass_squared=0.25, pair=pair)


def test_sample_accepts_numpy_integer_pairs():
    sampler = PhaseSpaceSampler(random_state=0).fit()
    X = sampler.sample(20, pair=np.array([1, 2]), exclude_window=(0.2, 0.3))
    s23 = DalitzFeatures(pairs=[(np.int64(1), np.int64(2))]).fit_transform(X)[:, 0]
    assert not np.any((s23 > 0.2) & (s23 < 0.3))


def test_make_bump_hunt_uses_the_same_checks():
    from sktopo.datasets import make_bump_hunt

    with pytest.raises(ValueError, match="0.7 is not an int"):
        make_bump_hunt(10, 10, 10, pair=(0.7, 1.9), random_state=0)
    with pytest.raises(ValueError, match=r"sqrt_s.*\[1e-100, 1e\+100\]"):
        make_bump_hunt(10, 10, 10, sqrt_s=1e160, random_state=0)


@pytest.mark.parametrize("param", ["sqrt_s", "max_weight"])
def test_bool_numbers_are_refused(param):
    with pytest.raises(ValueError, match=f"{param} must be a number, not a bool"):
        PhaseSpaceSampler(masses=[0.1, 0.1, 0.1], **{param: True}).fit()


@pytest.mark.parametrize(
    "kwargs, match",
    [({"mass_squared": True}, "mass_squared must be a real number"),
     ({"mass_squared": "0.25"}, "mass_squared must be a real number"),
     ({"mass_squared": 0.25, "width": True}, "width must be a real number")],
)
def test_resonance_numbers_are_not_coerced(kwargs, match):
    sampler = PhaseSpaceSampler(random_state=0).fit()
    with pytest.raises(ValueError, match=match):
        sampler.sample_on_resonance(3, **kwargs)


@pytest.mark.parametrize("window, match", [(("0.2", 0.3), "window must be a real number"),
                                           ((False, 0.3), "window must be a real number"),
                                           ("ab", r"window must be \(low, high\)"),
                                           ((0.1, 0.2, 0.3), r"window must be \(low, high\)")])
def test_exclude_window_is_not_coerced(window, match):
    sampler = PhaseSpaceSampler(random_state=0).fit()
    with pytest.raises(ValueError, match=match):
        sampler.sample(3, exclude_window=window)
