"""topology_check: persistent Betti numbers of the samplers, and its warnings."""

import sys

import numpy as np
import pytest

from sktopo.datasets import make_circle, make_paraboloid, make_sphere, make_torus
from sktopo.diagnostics import topology_check
from sktopo.diagnostics._topology import _count_features, _maxmin_landmarks
from sktopo.utils._optional import import_optional


@pytest.fixture
def ripser():
    return pytest.importorskip("ripser")


# --------------------------------------------------------------------------- #
# Building blocks (no ripser needed)
# --------------------------------------------------------------------------- #


def test_import_optional_names_the_extra():
    with pytest.raises(ImportError, match=r'pip install "sktopo\[topology\]"') as info:
        import_optional("sktopo_surely_missing_module", "topology")
    assert isinstance(info.value.__cause__, ModuleNotFoundError)
    assert import_optional("math", "topology").sqrt(9.0) == 3.0


def test_topology_check_without_ripser_raises_helpful_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "ripser", None)  # makes `import ripser` fail
    with pytest.raises(ImportError, match=r"sktopo\[topology\]"):
        topology_check(np.random.RandomState(0).normal(size=(20, 2)))


@pytest.mark.parametrize(
    "lifetimes, expected",
    [
        ([], 0),
        ([0.5, 0.3], 0),  # all below the floor 0.85
        ([3.0, 0.4], 1),
        ([3.0], 1),  # compared with the floor: 3.0 / 0.85 > 1.5
        ([0.9], 0),  # 0.9 / 0.85 < 1.5
        ([5.0, 4.8, 1.0, 0.5], 2),  # widest gap 4.8 / 1.0
        ([0.9, 0.88, 0.8], 0),  # above the floor but no clear gap (< 1.5)
        ([1.0, 0.95, 0.9, 0.3], 3),
        ([18.0, 8.0, 7.9, 0.5], 3),  # the widest gap wins, not the first one
        ([18.0, 2.0, 1.5, 1.2], 1),
    ],
)
def test_count_features_by_hand(lifetimes, expected):
    assert _count_features(lifetimes, 0.85, 1.5) == expected


def test_maxmin_landmarks_by_hand():
    X = np.array([[0.0], [1.0], [10.0], [4.0], [6.0]])
    idx, radius = _maxmin_landmarks(X, 3, start=0)
    # farthest from 0 is 10; then the point farthest from {0, 10} is 4 or 6 (4 first)
    np.testing.assert_array_equal(idx, [0, 2, 3])
    assert radius == 2.0  # 6 is 2 away from 4


# --------------------------------------------------------------------------- #
# Betti numbers of the samplers
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("seed", [0, 1])
def test_circle(ripser, seed):
    X, _ = make_circle(1000, random_state=seed)
    res = topology_check(X, n_subsample=150, random_state=seed)
    np.testing.assert_array_equal(res.betti, [1, 1, 0])
    assert res.latent_dim == 1
    assert len(res.diagrams) == 3
    assert res.landmarks.size == 150


@pytest.mark.parametrize("seed", [0, 1])
def test_sphere(ripser, seed):
    X, _ = make_sphere(2000, random_state=seed)
    res = topology_check(X, n_subsample=200, random_state=seed)
    np.testing.assert_array_equal(res.betti, [1, 0, 1])
    assert any("2-sphere" in w and "expect a break point" in w.lower() for w in res.warnings)


@pytest.mark.parametrize("seed", [0, 1])
def test_donut_torus(ripser, seed):
    X, _ = make_torus(2000, random_state=seed)
    res = topology_check(X, n_subsample=250, random_state=seed)
    np.testing.assert_array_equal(res.betti, [1, 2, 1])
    assert "torus" in res.warnings[0]


@pytest.mark.parametrize("seed", [0, 1])
def test_paraboloid_has_trivial_topology_and_no_warnings(ripser, seed):
    X, _ = make_paraboloid(2000, random_state=seed)
    res = topology_check(X, n_subsample=200, random_state=seed)
    np.testing.assert_array_equal(res.betti, [1, 0, 0])
    assert res.warnings == []


# --------------------------------------------------------------------------- #
# Warnings
# --------------------------------------------------------------------------- #


def test_circle_with_one_latent_dimension_warns_of_a_break(ripser):
    X, _ = make_circle(500, random_state=0)
    res = topology_check(X, latent_dim=1, max_dim=1, n_subsample=100, random_state=0)
    assert len(res.warnings) == 1
    text = res.warnings[0].lower()
    assert "circle" in text
    assert "expect a break point" in text
    assert "larger latent space" in text and "chartensembledetector" in text


def test_circle_with_two_latent_dimensions_gets_a_softer_note(ripser):
    X, _ = make_circle(500, random_state=0)
    res = topology_check(X, latent_dim=2, max_dim=1, n_subsample=100, random_state=0)
    assert len(res.warnings) == 1
    assert "a loop (b1 = 1)" in res.warnings[0]
    assert "expect a break point" not in res.warnings[0].lower()


def test_homology_below_the_data_dimension_is_flagged(ripser):
    X, _ = make_sphere(1000, random_state=0)
    res = topology_check(X, max_dim=1, n_subsample=100, random_state=0)
    assert any("only up to dimension 1" in w for w in res.warnings)


def test_two_separate_circles(ripser):
    X, _ = make_circle(400, random_state=0)
    X = np.vstack([X, X[:200] + [5.0, 0.0]])
    res = topology_check(X, max_dim=1, n_subsample=120, random_state=0)
    np.testing.assert_array_equal(res.betti, [2, 2])


# --------------------------------------------------------------------------- #
# Subsampling, reproducibility, wide data
# --------------------------------------------------------------------------- #


def test_reproducible_with_random_state(ripser):
    X, _ = make_circle(600, random_state=0)
    a = topology_check(X, max_dim=1, n_subsample=80, random_state=3)
    b = topology_check(X, max_dim=1, n_subsample=80, random_state=3)
    np.testing.assert_array_equal(a.landmarks, b.landmarks)
    for da, db in zip(a.diagrams, b.diagrams):
        np.testing.assert_array_equal(da, db)


def test_small_data_use_every_sample(ripser):
    X, _ = make_circle(60, random_state=0)
    res = topology_check(X, max_dim=1, n_subsample=100, random_state=0)
    np.testing.assert_array_equal(res.landmarks, np.arange(60))
    assert res.betti[1] == 1


def test_wide_data_raise_no_warning(ripser):
    # more features than points: ripser would warn if given the points themselves
    X = np.random.RandomState(0).normal(size=(30, 50))
    res = topology_check(X, max_dim=1, random_state=0)
    assert res.betti[0] >= 1


def test_identical_samples_are_rejected(ripser):
    with pytest.raises(ValueError, match="coincide"):
        topology_check(np.ones((10, 2)))


def test_equidistant_circle_reads_one_dimensional(ripser):
    """A regular grid defeats TwoNN (r2 == r1); the check falls back to local PCA."""
    X, _ = make_circle(1000, sampling="equidistant")
    result = topology_check(X, latent_dim=1, random_state=0)
    assert result.intrinsic_dimension == 1.0
    assert list(result.betti) == [1, 1, 0]
    assert len(result.warnings) == 1 and "circle" in result.warnings[0]


@pytest.mark.parametrize("param", ["latent_dim", "max_dim"])
def test_bool_counts_are_refused(param):
    """``latent_dim=True`` is not 1 (issue 9, item 6)."""
    X, _ = make_circle(50, random_state=0)
    with pytest.raises(ValueError, match=f"'{param}' parameter .* Got True"):
        topology_check(X, **{param: True})
