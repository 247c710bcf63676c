"""Kinematics kernels against hand-computed values and Lorentz invariance."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from sktopo.physics import (
    boost,
    boost_from_rest_frame,
    dalitz_boundaries,
    invariant_mass_squared,
    kallen,
    mass_squared_range,
    minkowski_dot,
    two_body_momentum,
)
from sktopo.testing.strategies import (
    boost_velocities,
    four_momenta,
    massless_events,
    rotation_matrices,
)


# ---------------------------------------------------------------- hand values
def test_minkowski_dot_metric_signature():
    assert minkowski_dot([5.0, 1.0, 2.0, 3.0], [5.0, 1.0, 2.0, 3.0]) == 11.0
    assert minkowski_dot([1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 1.0, 1.0]) == 0.0
    assert minkowski_dot([2.0, 1.0, 0.0, 0.0], [3.0, 1.0, 0.0, 0.0]) == 5.0


def test_minkowski_dot_broadcasts_and_checks_shape():
    p = np.array([[1.0, 0.0, 0.0, 1.0], [2.0, 0.0, 1.0, 0.0]])
    assert_allclose(minkowski_dot(p, [1.0, 0.0, 0.0, 0.0]), [1.0, 2.0])
    with pytest.raises(ValueError, match="last axis of size 4"):
        minkowski_dot([1.0, 0.0, 0.0], [1.0, 0.0, 0.0])


def test_invariant_mass_squared_pairs_and_subsets():
    # two back-to-back photons of E = 0.5 and a particle of mass 3 at rest
    event = np.array([0.5, 0, 0, 0.5, 0.5, 0, 0, -0.5, 3.0, 0, 0, 0])
    assert invariant_mass_squared(event, (0, 1)) == pytest.approx(1.0)
    assert invariant_mass_squared(event, (0,)) == pytest.approx(0.0)
    assert invariant_mass_squared(event, (2,)) == pytest.approx(9.0)
    assert invariant_mass_squared(event, (0, 1, 2)) == pytest.approx(16.0)
    assert invariant_mass_squared(event, (0, 2)) == pytest.approx(3.5**2 - 0.25)
    assert invariant_mass_squared(event[None, :], (1, 0)).shape == (1,)


@pytest.mark.parametrize(
    "particles, match",
    [((), "at least one"), ((0, 0), "distinct"), ((0, 3), "0-based"), ((-1,), "0-based")],
)
def test_invariant_mass_squared_bad_indices(particles, match):
    with pytest.raises(ValueError, match=match):
        invariant_mass_squared(np.zeros((2, 12)), particles)


def test_invariant_mass_squared_bad_width():
    with pytest.raises(ValueError, match="4 \\* n_particles"):
        invariant_mass_squared(np.zeros((2, 7)), (0,))


def test_boost_known_values():
    # gamma = 1.25 for beta = 0.6
    assert_allclose(boost([1.0, 0, 0, 0], [0, 0, 0.6]), [1.25, 0, 0, 0.75])
    assert_allclose(boost([2.0, 1.0, 0, 0], [0.6, 0, 0]), [3.25, 2.75, 0, 0])
    # transverse components are untouched by a longitudinal boost
    assert_allclose(boost([2.0, 0.3, 0.4, 1.0], [0, 0, 0.6]), [3.25, 0.3, 0.4, 2.75])
    # beta = 0 is the identity
    assert_allclose(boost([2.0, 0.3, 0.4, 1.0], [0, 0, 0]), [2.0, 0.3, 0.4, 1.0])


def test_collinear_boosts_add_velocities_relativistically():
    once = boost(boost([1.0, 0, 0, 0], [0.5, 0, 0]), [0.5, 0, 0])
    assert_allclose(once, boost([1.0, 0, 0, 0], [0.8, 0, 0]), rtol=1e-15)


def test_boost_rejects_superluminal():
    with pytest.raises(ValueError, match="\\|beta\\| < 1"):
        boost([1.0, 0, 0, 0], [0.6, 0.8, 0.0])


def test_boost_from_rest_frame_known_value():
    assert_allclose(
        boost_from_rest_frame([1.0, 0, 0, 0], [5.0, 3.0, 0, 0]), [1.25, 0.75, 0, 0]
    )
    # the exact mass argument gives the same result
    assert_allclose(
        boost_from_rest_frame([1.0, 0, 0, 0], [5.0, 3.0, 0, 0], 4.0), [1.25, 0.75, 0, 0]
    )


def test_kallen_values_and_symmetry():
    assert kallen(1.0, 0.0, 0.0) == 1.0
    assert kallen(4.0, 1.0, 1.0) == 0.0
    assert kallen(3.0, 1.0, 2.0) == kallen(1.0, 2.0, 3.0) == kallen(2.0, 3.0, 1.0)
    assert kallen(3.0, 1.0, 2.0) == pytest.approx(9 + 1 + 4 - 6 - 4 - 12)


def test_two_body_momentum_values():
    assert two_body_momentum(5.0, 3.0, 0.0) == pytest.approx(1.6)
    assert two_body_momentum(1.0, 0.0, 0.0) == pytest.approx(0.5)
    assert two_body_momentum(1.0, 0.3, 0.3) == pytest.approx(0.4)
    assert two_body_momentum(1.0, 0.6, 0.5) == 0.0  # below threshold
    M, m1, m2 = 3.0, 0.7, 1.1
    assert two_body_momentum(M, m1, m2) == pytest.approx(
        np.sqrt(kallen(M**2, m1**2, m2**2)) / (2 * M), rel=1e-14
    )


def test_mass_squared_range():
    lo, hi = mass_squared_range(1.0, [0.1, 0.2, 0.3], (0, 1))
    assert lo == pytest.approx(0.09) and hi == pytest.approx(0.49)
    assert mass_squared_range(2.0, [0, 0, 0, 0], (1, 3)) == (0.0, 4.0)
    with pytest.raises(ValueError, match="0-based"):
        mass_squared_range(1.0, [0, 0, 0], (0, 3))


def test_dalitz_boundaries_massless_triangle():
    s12 = np.array([0.1, 0.5, 0.9])
    lo, hi = dalitz_boundaries(s12, 1.0, [0, 0, 0])
    assert_allclose(lo, 0.0, atol=1e-15)
    assert_allclose(hi, 1.0 - s12, rtol=1e-14)
    lo, hi = dalitz_boundaries(np.array([-0.1, 1.1]), 1.0, [0, 0, 0])
    assert np.isnan(lo).all() and np.isnan(hi).all()


def test_dalitz_boundaries_massive_endpoints():
    m1, m2, m3 = 0.1, 0.2, 0.3
    # at both ends of the s12 range the s23 interval shrinks to a point (up
    # to the square-root sensitivity to the rounding of s12 at threshold)
    for s12 in [(m1 + m2) ** 2, (1.0 - m3) ** 2]:
        lo, hi = dalitz_boundaries(s12, 1.0, [m1, m2, m3])
        assert lo == pytest.approx(hi, abs=1e-7)
    # at threshold s12 = (m1 + m2)^2: s23 = m2^2 + m3^2 + 2 E2 E3 with the
    # pair at rest: E2 = m2 and E3 = (s - s12 - m3^2) / (2 (m1 + m2))
    e3 = (1.0 - (m1 + m2) ** 2 - m3**2) / (2 * (m1 + m2))
    lo, _ = dalitz_boundaries((m1 + m2) ** 2, 1.0, [m1, m2, m3])
    assert lo == pytest.approx(m2**2 + m3**2 + 2 * m2 * e3, abs=1e-7)


# ----------------------------------------------------------- property tests
@settings(max_examples=60, deadline=None)
@given(p=four_momenta(), beta=boost_velocities())
def test_boost_preserves_mass_and_inverts(p, beta):
    q = boost(p, beta)
    assert minkowski_dot(q, q) == pytest.approx(minkowski_dot(p, p), abs=1e-12 * q[0] ** 2)
    assert_allclose(boost(q, -beta), p, atol=1e-12 * q[0])


@settings(max_examples=60, deadline=None)
@given(p=four_momenta(), total=four_momenta(mass=1.0, max_momentum=5.0))
def test_boost_from_rest_frame_matches_velocity_boost(p, total):
    beta = total[1:] / total[0]
    assert_allclose(
        boost_from_rest_frame(p, total), boost(p, beta), atol=1e-12 * total[0] * (1 + p[0])
    )
    # a particle at rest moves with the system
    assert_allclose(boost_from_rest_frame([1.0, 0, 0, 0], total), total, rtol=1e-12)


def _apply_to_event(event, beta, rotation):
    n = event.shape[-1] // 4
    P = event.reshape(-1, n, 4).copy()
    P[..., 1:] = P[..., 1:] @ rotation.T
    return boost(P, beta).reshape(event.shape)


@settings(max_examples=40, deadline=None)
@given(
    events=massless_events(4, sqrt_s=2.0),
    beta=boost_velocities(),
    rotation=rotation_matrices(),
)
def test_invariant_masses_are_lorentz_invariant(events, beta, rotation):
    moved = _apply_to_event(events, beta, rotation)
    for pair in [(0, 1), (1, 3), (0, 2, 3), (0, 1, 2, 3)]:
        assert_allclose(
            invariant_mass_squared(moved, pair),
            invariant_mass_squared(events, pair),
            atol=1e-11 * 4.0 / (1 - beta @ beta),
        )


@settings(max_examples=30, deadline=None)
@given(rotation=rotation_matrices())
def test_rotation_strategy_gives_proper_rotations(rotation):
    assert_allclose(rotation @ rotation.T, np.eye(3), atol=1e-12)
    assert np.linalg.det(rotation) == pytest.approx(1.0)


@settings(max_examples=40, deadline=None)
@given(
    m=st.lists(st.floats(0.0, 0.3), min_size=3, max_size=3),
    t=st.floats(0.0, 1.0),
)
def test_dalitz_boundaries_contain_the_two_body_construction(m, t):
    """Build an event at the two Dalitz edges by hand and compare."""
    m1, m2, m3 = m
    s12 = ((m1 + m2) + t * (1.0 - m3 - m1 - m2)) ** 2
    lo, hi = dalitz_boundaries(s12, 1.0, [m1, m2, m3])
    if not np.isfinite(lo):  # s12 = 0 for massless 1, 2
        return
    assert (m2 + m3) ** 2 - 1e-12 <= lo <= hi + 1e-12
    assert hi <= (1.0 - m1) ** 2 + 1e-12
    if s12 < 1e-100:  # the hand construction divides by m12 and would overflow; the
        return  # bounds above are still checked (e.g. m2 = 2e-159 gives lo = hi = 1)
    # with p2 parallel / antiparallel to p3 in the (12) rest frame
    m12 = np.sqrt(s12)
    q = two_body_momentum(m12, m1, m2)
    e2 = np.sqrt(q * q + m2 * m2)
    p3 = two_body_momentum(1.0, m12, m3) / m12
    e3 = np.sqrt(p3 * p3 + m3 * m3)
    assert lo == pytest.approx(m2**2 + m3**2 + 2 * (e2 * e3 - q * p3), abs=1e-12)
    assert hi == pytest.approx(m2**2 + m3**2 + 2 * (e2 * e3 + q * p3), abs=1e-12)
