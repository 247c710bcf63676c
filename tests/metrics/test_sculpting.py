"""mass_sculpting and MassSculptingDisplay: hand-counted histograms and distances."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sktopo.metrics import MassSculptingResult, mass_sculpting  # noqa: E402
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
