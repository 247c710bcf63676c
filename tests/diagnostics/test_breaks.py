"""loss_vs_distance and locate_breaks on hand-made losses over the library's samplers."""

import numpy as np
import pytest

from sktopo.datasets import make_circle, make_sphere, make_torus
from sktopo.diagnostics import BreakRegions, locate_breaks, loss_vs_distance


def _wrapped(angle):
    """Angle difference mapped to (-pi, pi]."""
    return np.angle(np.exp(1j * angle))


# --------------------------------------------------------------------------- #
# loss_vs_distance
# --------------------------------------------------------------------------- #


def test_loss_falling_with_distance_gives_spearman_minus_one():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(50, 3))
    X[7] = 0.0
    errors = np.exp(-np.linalg.norm(X, axis=1))  # worst at the origin, X[7]
    res = loss_vs_distance(X, errors)
    assert res.worst_index == 7
    np.testing.assert_allclose(res.distance, np.linalg.norm(X, axis=1), rtol=0, atol=1e-12)
    assert res.distance[7] == 0.0
    assert res.spearman == pytest.approx(-1.0, abs=1e-12)
    np.testing.assert_array_equal(res.error, errors)


def test_loss_growing_with_distance_gives_spearman_plus_one():
    X = np.array([[0.0], [1.0], [3.0], [6.0]])
    errors = np.array([10.0, 1.0, 2.0, 3.0])  # worst at x = 0, then rising with distance
    res = loss_vs_distance(X, errors)
    np.testing.assert_array_equal(res.distance, [0.0, 1.0, 3.0, 6.0])
    # ranks of distance (1, 2, 3, 4) vs error (4, 1, 2, 3): rho = 1 - 6 * 12 / 60 = -0.2
    assert res.spearman == pytest.approx(-0.2, abs=1e-12)


def test_loss_vs_distance_other_metric():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, -1.0]])
    res = loss_vs_distance(X, [5.0, 1.0, 0.5], metric="manhattan")
    np.testing.assert_allclose(res.distance, [0.0, 2.0, 3.0])
    assert res.spearman == pytest.approx(-1.0)


def test_constant_loss_has_nan_spearman_and_no_warning():
    # pytest turns warnings into errors: scipy's ConstantInputWarning would fail here.
    X = np.arange(10.0)[:, None]
    res = loss_vs_distance(X, np.full(10, 0.3))
    assert res.worst_index == 0
    assert np.isnan(res.spearman)


@pytest.mark.parametrize(
    "X, errors, match",
    [
        (np.zeros((5, 2)), np.zeros(4), "5 samples but errors has 4"),
        (np.zeros((5, 2)), np.zeros((5, 2)), "1-D array"),
        (np.zeros((5, 2)), [0, 1, np.nan, 0, 0], "NaN or infinite"),
        (np.zeros((5, 2)), [0, 1, np.inf, 0, 0], "NaN or infinite"),
        ([[0.0, np.nan], [1.0, 1.0]], [0, 1], "NaN"),
    ],
)
def test_loss_vs_distance_validates_inputs(X, errors, match):
    with pytest.raises(ValueError, match=match):
        loss_vs_distance(X, errors)


def test_column_vector_of_errors_is_accepted():
    X = np.arange(4.0)[:, None]
    res = loss_vs_distance(X, np.array([[3.0], [2.0], [1.0], [0.0]]))
    assert res.spearman == pytest.approx(-1.0)


# --------------------------------------------------------------------------- #
# locate_breaks: hand-made regions on a line
# --------------------------------------------------------------------------- #


def test_regions_on_a_line_by_hand():
    X = np.arange(100.0)[:, None]
    errors = np.zeros(100)
    errors[10:15] = [1.0, 2.0, 9.0, 2.0, 1.0]  # a region of 5, peak 9 at x = 12
    errors[50:53] = [3.0, 4.0, 3.0]  # a region of 3, peak 4 at x = 51
    errors[90] = 5.0  # a lone sample
    res = locate_breaks(X, errors, top=9, linkage_distance=1.5)
    assert isinstance(res, BreakRegions)
    assert res.n_regions == 3
    # ordered by the worst loss in each region: 9, 5, 4
    np.testing.assert_array_equal(res.max_error, [9.0, 5.0, 4.0])
    np.testing.assert_array_equal(res.peak_index, [12, 90, 51])
    np.testing.assert_array_equal(res.sizes, [5, 1, 3])
    np.testing.assert_allclose(res.centers[:, 0], [12.0, 90.0, 51.0])
    np.testing.assert_allclose(res.radius, [2.0, 0.0, 1.0])
    np.testing.assert_allclose(res.extent, [4.0, 0.0, 2.0])
    assert sorted(res.members[0]) == [10, 11, 12, 13, 14]
    assert res.members[0][0] == 12  # worst first
    assert res.labels[12] == 0 and res.labels[90] == 1 and res.labels[51] == 2
    assert np.count_nonzero(res.labels >= 0) == 9
    assert res.error_threshold == 1.0
    assert res.linkage_distance == 1.5


def test_gap_inside_a_contiguous_run_does_not_split_it():
    # high losses on x = 10..14 and 30..34 with nothing in between: one region,
    # although the gap (16) is far above the linkage distance (1.5)
    X = np.concatenate([np.arange(0.0, 15.0), np.arange(30.0, 45.0)])[:, None]
    errors = np.zeros(30)
    errors[10:20] = 1.0  # x = 10..14 and 30..34
    res = locate_breaks(X, errors, top=10, linkage_distance=1.5)
    assert res.n_regions == 1
    assert res.extent[0] == 24.0
    # one unselected sample in the gap separates the two runs
    X2 = np.vstack([X, [[22.0]]])
    res = locate_breaks(X2, np.append(errors, 0.0), top=10, linkage_distance=1.5)
    assert res.n_regions == 2


def test_min_region_size_drops_small_groups():
    X = np.arange(100.0)[:, None]
    errors = np.zeros(100)
    errors[10:15] = 5.0
    errors[90] = 9.0
    res = locate_breaks(X, errors, top=6, linkage_distance=1.5, min_region_size=2)
    assert res.n_regions == 1
    assert res.labels[90] == -1
    assert 90 in res.selected
    assert res.kind == "single puncture"
    res = locate_breaks(X, errors, top=6, linkage_distance=1.5, min_region_size=10)
    assert res.n_regions == 0
    assert res.kind == "no break region"
    assert res.centers.shape == (0, 1)


def test_quantile_selects_the_top_share():
    X = np.arange(200.0)[:, None]
    errors = np.arange(200.0)
    res = locate_breaks(X, errors, quantile=0.95)
    assert res.selected.size == 10
    np.testing.assert_array_equal(res.selected, np.arange(199, 189, -1))


def test_invalid_parameters():
    X = np.arange(10.0)[:, None]
    with pytest.raises(ValueError, match="quantile"):
        locate_breaks(X, np.arange(10.0), quantile=1.0)
    with pytest.raises(ValueError, match="top=11 exceeds"):
        locate_breaks(X, np.arange(10.0), top=11)
    with pytest.raises(ValueError, match="errors has 9"):
        locate_breaks(X, np.arange(9.0))


# --------------------------------------------------------------------------- #
# locate_breaks on the manifolds of arXiv:2102.08380
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_circle_with_one_bad_angle_gives_one_region_there(seed):
    X, phi = make_circle(2000, random_state=seed)
    rng = np.random.RandomState(seed)
    errors = np.exp(-(_wrapped(phi - 1.0) ** 2) / 0.05) + 0.01 * rng.random_sample(2000)
    res = locate_breaks(X, errors)
    assert res.n_regions == 1
    assert res.kind == "single puncture"
    np.testing.assert_allclose(res.centers[0], [np.cos(1.0), np.sin(1.0)], atol=0.02)
    assert res.sizes[0] == 20


@pytest.mark.parametrize("seed", [0, 1])
def test_sphere_with_one_bad_point_gives_one_region(seed):
    X, _ = make_sphere(2000, random_state=seed)
    bad = np.array([0.0, 0.6, 0.8])
    rng = np.random.RandomState(seed)
    errors = np.exp(-np.sum((X - bad) ** 2, axis=1) / 0.1) + 0.01 * rng.random_sample(2000)
    res = locate_breaks(X, errors)
    assert res.n_regions == 1
    assert res.kind == "single puncture"
    assert np.linalg.norm(res.centers[0] - bad) < 0.1
    assert 0.0 < res.radius[0] < 0.3


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_torus_torn_along_a_circle(seed):
    # large loss along the outer equator theta = 0, for every phi (Sec. 8, App. C.2)
    X, t = make_torus(2000, random_state=seed)
    rng = np.random.RandomState(seed)
    errors = np.exp(-(_wrapped(t[:, 0]) ** 2) / 0.05) + 0.01 * rng.random_sample(2000)
    res = locate_breaks(X, errors, quantile=0.95)
    assert res.kind == "tear along a submanifold"
    assert res.path_ratio > 0.9
    # the members go all the way round the axis of the torus
    member_phi = t[np.concatenate(res.members), 1]
    assert np.ptp(member_phi) > 1.8 * np.pi
    # ... and the loss does not fall with distance from the worst sample
    assert loss_vs_distance(X, errors).spearman > -0.5


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_scattered_high_losses_on_a_blob(seed):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(2000, 2))
    errors = rng.random_sample(2000)
    res = locate_breaks(X, errors)
    assert res.n_regions >= 10
    assert res.sizes.max() <= 8  # a few chance pairs or triples, never a big region
    assert res.kind == "scattered outliers"


def test_two_punctures_are_several_regions():
    X, _ = make_sphere(2000, random_state=0)
    errors = np.exp(-np.sum((X - [0, 0, 1]) ** 2, axis=1) / 0.05) + np.exp(
        -np.sum((X - [0, 0, -1]) ** 2, axis=1) / 0.05
    )
    res = locate_breaks(X, errors)
    assert res.n_regions == 2
    assert res.kind == "several break regions"
    np.testing.assert_allclose(np.sort(res.centers[:, 2]), [-1.0, 1.0], atol=0.05)


def test_deterministic():
    X, phi = make_circle(500, random_state=3)
    errors = np.cos(phi - 2.0)
    a, b = locate_breaks(X, errors), locate_breaks(X, errors)
    np.testing.assert_array_equal(a.labels, b.labels)
    np.testing.assert_array_equal(a.centers, b.centers)
    assert a.kind == b.kind


# --------------------------------------------------------------------------- #
# Nothing to find (issue 9, item 5)
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("n_samples", [5, 200, 1000])
@pytest.mark.parametrize("level", [0.0, 1.0, 3e-7])
def test_flat_loss_has_no_break(n_samples, level):
    """A flat loss read 'several break regions' or 'single puncture' before."""
    X, _ = make_circle(n_samples, random_state=0)
    rng = np.random.default_rng(0)
    errors = np.full(n_samples, level) * (1 + 1e-16 * rng.random(n_samples))
    regions = locate_breaks(X, errors)
    assert regions.kind == "no break region" and regions.n_regions == 0
    assert "flat" in regions.reason and "no break to find" in regions.reason
    assert regions.members == () and regions.centers.shape == (0, 2)
    assert np.all(regions.labels == -1) and regions.selected.size == 0


def test_identical_rows_have_no_break():
    X = np.tile([[0.3, -1.0, 2.0]], (100, 1))
    errors = np.random.default_rng(0).random(100)
    regions = locate_breaks(X, errors)
    assert regions.kind == "no break region" and regions.n_regions == 0
    assert "same point" in regions.reason


def test_real_break_has_no_reason():
    X, phi = make_circle(1000, random_state=0)
    regions = locate_breaks(X, np.exp(-((phi - np.pi) ** 2) / 0.01))
    assert regions.kind == "single puncture" and regions.reason == ""


def test_min_region_size_explains_no_region():
    X, phi = make_circle(1000, random_state=0)
    regions = locate_breaks(X, np.exp(-((phi - np.pi) ** 2) / 0.01), min_region_size=1000)
    assert regions.kind == "no break region" and "min_region_size=1000" in regions.reason


@pytest.mark.parametrize("param", ["top", "min_region_size"])
@pytest.mark.parametrize("value", [True, False])
def test_bool_counts_are_refused(param, value):
    X, phi = make_circle(100, random_state=0)
    with pytest.raises(ValueError, match=f"'{param}' parameter .* an int .* Got {value}"):
        locate_breaks(X, phi, **{param: value})
