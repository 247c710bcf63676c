"""mass_sculpting, mass_profile and MassSculptingDisplay.

Hand-counted histograms, distances and profiles; invariances of the profile.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sktopo.metrics import (  # noqa: E402
    MassProfileResult,
    MassSculptingResult,
    mass_profile,
    mass_sculpting,
)
from sktopo.plotting._sculpting import MassSculptingDisplay  # noqa: E402

MASS = np.arange(10.0)
EDGES = [0.0, 5.0, 10.0]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_fully_correlated_score_hand_counted():
    res = mass_sculpting(MASS, MASS, efficiencies=(1.0, 0.5, 0.1), bins=EDGES)
    assert isinstance(res, MassSculptingResult)
    np.testing.assert_array_equal(res.edges, EDGES)
    np.testing.assert_array_equal(res.efficiencies, [1.0, 0.5, 0.1])
    # cuts: all; score > 4 keeps 5..9; score > 8 keeps 9 (k = 1 despite (1 - 0.9) round-off)
    np.testing.assert_array_equal(res.thresholds, [-np.inf, 4.0, 8.0])
    # density = count / (n_kept * width 5)
    np.testing.assert_allclose(res.densities, [[0.1, 0.1], [0.0, 0.2], [0.0, 0.2]])
    s = res.summary
    np.testing.assert_array_equal(s["n_events"], [10, 5, 1])
    np.testing.assert_allclose(s["efficiency"], [1.0, 0.5, 0.1])
    np.testing.assert_allclose(s["mean"], [4.5, 7.0, 9.0])
    np.testing.assert_allclose(s["median"], [4.5, 7.0, 9.0])
    # JSD([0, 1] || [1/2, 1/2]) with mixture [1/4, 3/4], base 2
    jsd = 0.5 * np.log2(4 / 3) + 0.25 + 0.25 * np.log2(2 / 3)
    np.testing.assert_allclose(s["js_divergence"], [0.0, jsd, jsd], atol=1e-12)
    # KS: F_all(4) = 1/2 vs F_cut(4) = 0; F_all(8) = 9/10 vs F_{9}(8) = 0
    np.testing.assert_allclose(s["ks_statistic"], [0.0, 0.5, 0.9])


def test_uncorrelated_score_does_not_sculpt():
    mass = np.arange(20.0)
    score = mass % 10  # top half: masses 5..9 and 15..19, five in each bin
    res = mass_sculpting(mass, score, efficiencies=(1.0, 0.5), bins=[0.0, 10.0, 20.0])
    np.testing.assert_allclose(res.densities, [[0.05, 0.05], [0.05, 0.05]])
    np.testing.assert_allclose(res.summary["js_divergence"], [0.0, 0.0], atol=1e-12)


def test_sculpting_grows_with_correlation():
    rng = np.random.default_rng(0)
    mass = rng.exponential(100.0, size=4000)
    noise = rng.normal(size=4000)
    flat = mass_sculpting(mass, noise, efficiencies=(0.1,), bins=20)
    steep = mass_sculpting(mass, mass / 100.0 + noise, efficiencies=(0.1,), bins=20)
    assert steep.summary["ks_statistic"][0] > 5 * flat.summary["ks_statistic"][0]
    assert steep.summary["js_divergence"][0] > 5 * flat.summary["js_divergence"][0]
    assert steep.summary["mean"][0] > flat.summary["mean"][0]
    np.testing.assert_allclose(flat.densities.sum(axis=1) * np.diff(flat.edges)[0], 1.0)


def test_ties_cut_all_tied_events():
    res = mass_sculpting(MASS, np.zeros(10), efficiencies=(1.0, 0.5), bins=EDGES)
    np.testing.assert_array_equal(res.summary["n_events"], [10, 0])
    assert np.all(np.isnan(res.densities[1]))
    for key in ("mean", "median", "js_divergence", "ks_statistic"):
        assert np.isnan(res.summary[key][1])


def test_mass_range_and_int_bins():
    res = mass_sculpting(MASS, MASS, efficiencies=(1.0,), bins=4, mass_range=(0.0, 4.0))
    np.testing.assert_array_equal(res.edges, [0.0, 1.0, 2.0, 3.0, 4.0])
    # 0, 1, 2, 3, 4 fall in range (4 in the last, closed bin): densities of 5 events
    np.testing.assert_allclose(res.densities[0], [0.2, 0.2, 0.2, 0.4])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"anomaly_score": np.arange(9.0)}, "entries"),
        ({"mass": [0.0, np.nan] + [1.0] * 8}, "finite"),
        ({"efficiencies": (1.0, 0.0)}, r"\(0, 1\]"),
        ({"efficiencies": (1.5,)}, r"\(0, 1\]"),
        ({"efficiencies": (0.05,)}, "keeps no event"),
        ({"efficiencies": ()}, "non-empty"),
        ({"mass_range": (20.0, 30.0), "efficiencies": (1.0,)}, "inside the bins"),
    ],
)
def test_validation(kwargs, match):
    args = {"mass": MASS, "anomaly_score": MASS} | kwargs
    mass, score = args.pop("mass"), args.pop("anomaly_score")
    with pytest.raises(ValueError, match=match):
        mass_sculpting(mass, score, **args)


class FakeDetector:
    def __init__(self, scores):
        self.scores = np.asarray(scores, dtype=float)

    def score_samples(self, X):
        return self.scores


def test_display_draws_the_densities():
    disp = MassSculptingDisplay.from_predictions(MASS, MASS, efficiencies=(1.0, 0.5),
                                                 bins=EDGES, mass_label="$m_J$ [GeV]")
    assert len(disp.stairs_) == 2
    for stairs, density in zip(disp.stairs_, disp.result.densities):
        np.testing.assert_allclose(stairs.get_data().values, density)
        np.testing.assert_allclose(stairs.get_data().edges, EDGES)
    assert disp.ax_.get_xlabel() == "$m_J$ [GeV]"
    assert disp.figure_ is disp.ax_.figure
    labels = [t.get_text() for t in disp.ax_.get_legend().get_texts()]
    assert labels[0] == "no cut (n = 10)"
    assert labels[1].startswith(r"$\epsilon_B = 0.5$ (n = 5")


def test_display_from_estimator_uses_minus_score_samples():
    _, ax = plt.subplots()
    # score_samples = -mass: the anomaly score is the mass, the cut keeps high masses
    disp = MassSculptingDisplay.from_estimator(FakeDetector(-MASS), np.zeros((10, 1)), MASS,
                                               efficiencies=(1.0, 0.5), bins=EDGES, ax=ax,
                                               log_y=True)
    assert disp.ax_ is ax and ax.get_yscale() == "log"
    np.testing.assert_allclose(disp.result.densities[1], [0.0, 0.2])
    # on a log axis empty bins are left blank (NaN), not drawn at 0
    values = disp.stairs_[1].get_data().values
    assert np.isnan(values[0]) and values[1] == pytest.approx(0.2)


# ---------------------------------------------------------------- mass_profile
def test_profile_quantile_hand_computed():
    mass = np.array([5.0, 1.0, 4.0, 2.0, 6.0, 3.0])
    score = np.arange(1.0, 7.0)  # quantile bins {1, 2}, {3, 4}, {5, 6}
    res = mass_profile(mass, score, bins=3)
    assert isinstance(res, MassProfileResult) and res.binning == "quantile"
    np.testing.assert_array_equal(res.edges, [1.0, 3.0, 5.0, 6.0])
    np.testing.assert_array_equal(res.counts, [2, 2, 2])
    np.testing.assert_allclose(res.centers, [1.5, 3.5, 5.5])
    np.testing.assert_allclose(res.mean, [3.0, 3.0, 4.5])  # masses (5, 1), (4, 2), (6, 3)
    np.testing.assert_allclose(res.median, [3.0, 3.0, 4.5])
    # std(ddof=1) / sqrt(2) = |a - b| / 2
    np.testing.assert_allclose(res.sem, [2.0, 1.0, 1.5])
    assert res.overall_mean == pytest.approx(3.5)
    # rank differences 4, -1, 1, -2, 1, -3: rho = 1 - 6 * 32 / (6 * 35)
    assert res.spearman == pytest.approx(1.0 - 192.0 / 210.0)
    # index (0, 1, 2) against (3, 3, 4.5): 1.5 / sqrt(2 * 1.5)
    assert res.profile_correlation == pytest.approx(np.sqrt(3.0) / 2.0)


def test_profile_quantile_unequal_counts():
    # n = 7, 3 bins start at ranks floor(7 k / 3) = 0, 2, 4
    res = mass_profile(np.arange(7.0), np.arange(7.0), bins=3)
    np.testing.assert_array_equal(res.edges, [0.0, 2.0, 4.0, 6.0])
    np.testing.assert_array_equal(res.counts, [2, 2, 3])
    np.testing.assert_allclose(res.mean, [0.5, 2.5, 5.0])
    assert res.spearman == pytest.approx(1.0)
    assert res.profile_correlation == pytest.approx(np.corrcoef([0, 1, 2], [0.5, 2.5, 5])[0, 1])


def test_profile_log_bins_empty_and_single_event_bins():
    score = np.array([1.0, 2.0, 10.0, 20.0, 100.0])
    mass = np.array([1.0, 3.0, 5.0, 7.0, 9.0])
    res = mass_profile(mass, score, bins=2, binning="log")
    np.testing.assert_allclose(res.edges, [1.0, 10.0, 100.0])
    np.testing.assert_array_equal(res.counts, [2, 3])  # 10 opens the second bin
    np.testing.assert_allclose(res.mean, [2.0, 7.0])
    np.testing.assert_allclose(res.centers, [1.5, 20.0])
    np.testing.assert_allclose(res.sem, [1.0, 2.0 / np.sqrt(3.0)])

    res = mass_profile(mass, score, bins=4, binning="log")
    np.testing.assert_allclose(res.edges, np.geomspace(1.0, 100.0, 5))
    np.testing.assert_array_equal(res.counts, [2, 0, 2, 1])
    np.testing.assert_allclose(res.mean, [2.0, np.nan, 6.0, 9.0])
    np.testing.assert_allclose(res.median, [2.0, np.nan, 6.0, 9.0])
    np.testing.assert_allclose(res.centers, [1.5, np.nan, 15.0, 100.0])
    np.testing.assert_allclose(res.sem, [1.0, np.nan, 1.0, np.nan])  # one event: no error
    # over the filled bins 0, 2, 3 only
    assert res.profile_correlation == pytest.approx(np.corrcoef([0, 2, 3], [2, 6, 9])[0, 1])
    assert res.spearman == pytest.approx(1.0)


def test_profile_linear_bins_and_given_edges():
    score = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    mass = np.array([4.0, 2.0, 1.0, 1.0, 1.0])
    res = mass_profile(mass, score, bins=2, binning="linear")
    np.testing.assert_allclose(res.edges, [0.0, 2.0, 4.0])
    np.testing.assert_array_equal(res.counts, [2, 3])
    np.testing.assert_allclose(res.mean, [3.0, 1.0])
    np.testing.assert_allclose(res.sem, [1.0, 0.0])
    assert res.profile_correlation == pytest.approx(-1.0)

    # given edges: scores 0 and 4 fall outside and are left out of every number
    res = mass_profile(mass, score, bins=[0.5, 2.5, 3.5])
    assert res.binning == "edges"
    np.testing.assert_array_equal(res.counts, [2, 1])
    np.testing.assert_allclose(res.mean, [1.5, 1.0])
    assert res.overall_mean == pytest.approx(4.0 / 3.0)


def test_profile_of_uncorrelated_ranks_is_flat():
    # mass 0, 1 alternate in every bin: flat profile, zero correlations
    mass = np.tile([0.0, 1.0], 6)
    res = mass_profile(mass, np.arange(12.0), bins=3)
    np.testing.assert_allclose(res.mean, [0.5, 0.5, 0.5])
    assert np.isnan(res.profile_correlation)  # constant profile
    assert res.spearman == pytest.approx(np.corrcoef(np.arange(12), mass)[0, 1])

    res = mass_profile(np.ones(12), np.arange(12.0), bins=3)  # constant mass
    np.testing.assert_allclose(res.sem, [0.0, 0.0, 0.0])
    assert np.isnan(res.spearman) and np.isnan(res.profile_correlation)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"anomaly_score": np.arange(9.0)}, "entries"),
        ({"mass": [0.0, np.nan] + [1.0] * 8}, "mass must be finite"),
        ({"anomaly_score": [np.inf] + [1.0] * 9}, "anomaly_score must be finite"),
        ({"mass": np.ones((10, 1))}, "1-dimensional"),
        ({"mass": [], "anomaly_score": []}, "empty"),
        ({"mass": ["a"] * 10}, "numeric"),
        ({"anomaly_score": np.ones(10)}, "constant"),
        ({"binning": "equal"}, "binning must be one of"),
        ({"binning": "log"}, "positive anomaly scores"),  # the score 0
        ({"bins": 6}, "6 quantile bins need at least 12 events"),
        ({"anomaly_score": [0.0] * 5 + list(range(5)), "bins": 2}, "tied"),
        ({"bins": 0}, "positive int"),
        ({"bins": -2}, "positive int"),
        ({"bins": 2.5}, "1-d array"),
        ({"bins": [[0.0, 1.0]]}, "1-d array"),
        ({"bins": [0.0, 2.0, 1.0]}, "strictly increasing"),
        ({"bins": [0.0, np.nan]}, "finite"),
        ({"bins": [20.0, 30.0]}, "no anomaly score falls inside"),
    ],
)
def test_profile_validation(kwargs, match):
    args = {"mass": MASS, "anomaly_score": MASS} | kwargs
    mass, score = args.pop("mass"), args.pop("anomaly_score")
    with pytest.raises(ValueError, match=match):
        mass_profile(mass, score, **args)


def test_profile_bins_bool_is_rejected():
    with pytest.raises(ValueError, match="1-d array"):
        mass_profile(MASS, MASS, bins=True)


def test_profile_accepts_numpy_int_bins_and_int_arrays():
    res = mass_profile(np.arange(10), np.arange(10), bins=np.int64(2))
    np.testing.assert_array_equal(res.counts, [5, 5])
    np.testing.assert_allclose(res.mean, [2.0, 7.0])


DISTINCT = st.lists(st.integers(-1000, 1000), min_size=4, max_size=60, unique=True)
N_BINS = st.integers(1, 8)


@given(DISTINCT, N_BINS, st.sampled_from(["cube", "exp", "affine"]))
def test_profile_rises_for_a_score_increasing_with_mass(values, n_bins, kind):
    mass = np.asarray(values, dtype=float)
    n_bins = min(n_bins, mass.size // 2)
    f = {"cube": lambda x: x**3, "exp": lambda x: np.exp(x / 100.0),
         "affine": lambda x: 0.5 * x - 3.0}[kind]
    res = mass_profile(mass, f(mass), bins=n_bins)
    assert np.all(np.diff(res.mean) > 0)
    assert np.all(np.diff(res.median) > 0)
    assert res.spearman == pytest.approx(1.0)
    if n_bins > 1:
        assert res.profile_correlation > 0
    # a decreasing function of the mass: a falling profile
    res = mass_profile(mass, -f(mass), bins=n_bins)
    assert np.all(np.diff(res.mean) < 0) and res.spearman == pytest.approx(-1.0)


@given(DISTINCT, st.data(), N_BINS, st.sampled_from(["cube", "exp", "affine"]))
def test_quantile_profile_invariant_under_increasing_transform(values, data, n_bins, kind):
    score = np.asarray(values, dtype=float)
    mass = np.asarray(data.draw(st.lists(st.floats(-1e3, 1e3), min_size=score.size,
                                         max_size=score.size)))
    n_bins = min(n_bins, score.size // 2)
    f = {"cube": lambda x: x**3 + x, "exp": lambda x: np.exp(x / 100.0),
         "affine": lambda x: 3.0 * x - 7.0}[kind]
    a = mass_profile(mass, score, bins=n_bins)
    b = mass_profile(mass, f(score), bins=n_bins)
    np.testing.assert_array_equal(b.counts, a.counts)
    np.testing.assert_allclose(b.edges, f(a.edges), rtol=1e-12)
    for key in ("mean", "sem", "median"):
        np.testing.assert_array_equal(getattr(b, key), getattr(a, key))
    np.testing.assert_array_equal(b.profile_correlation, a.profile_correlation)
    np.testing.assert_allclose(b.spearman, a.spearman, rtol=1e-12, equal_nan=True)


@given(DISTINCT, N_BINS, st.sampled_from(["quantile", "linear", "log"]))
def test_profile_bins_partition_the_events(values, n_bins, binning):
    score = np.asarray(values, dtype=float) + (1001.0 if binning == "log" else 0.0)
    mass = np.sin(score)  # any mass
    n_bins = min(n_bins, score.size // 2)
    res = mass_profile(mass, score, bins=n_bins, binning=binning)
    assert res.counts.sum() == score.size and res.counts.size == n_bins
    assert np.all(np.diff(res.edges) > 0)
    assert res.edges[0] == score.min() and res.edges[-1] == score.max()
    filled = res.counts > 0
    assert np.all(res.centers[filled] >= res.edges[:-1][filled])
    assert np.all(res.centers[filled] <= res.edges[1:][filled])
    assert np.all(np.isnan(res.mean[~filled]))
    assert np.sum(res.mean[filled] * res.counts[filled]) == pytest.approx(
        mass.sum(), abs=1e-9 * score.size)
    if binning == "quantile":  # equally populated up to one event
        assert res.counts.max() - res.counts.min() <= 1


@given(st.integers(0, 2**32 - 1), st.sampled_from(["quantile", "log"]))
def test_profile_of_independent_score_is_flat_within_errors(seed, binning):
    # 6-sigma pulls: a false failure has probability ~1e-8 per bin
    rng = np.random.default_rng(seed)
    mass = rng.normal(100.0, 20.0, size=3000)
    score = rng.lognormal(0.0, 2.0, size=3000)  # heavy tail, independent of the mass
    res = mass_profile(mass, score, bins=6, binning=binning)
    ok = res.counts >= 100
    assert ok.sum() >= 3
    pull = (res.mean[ok] - res.overall_mean) / res.sem[ok]
    assert np.all(np.abs(pull) < 6.0)
    assert abs(res.spearman) < 6.0 / np.sqrt(mass.size)
