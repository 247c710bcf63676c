"""MassProfileDisplay: the values drawn, overlays on one axes, labels, bad input."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sktopo.metrics import mass_profile  # noqa: E402
from sktopo.plotting import MassProfileDisplay  # noqa: E402

MASS = np.array([5.0, 1.0, 4.0, 2.0, 6.0, 3.0])
SCORE = np.arange(1.0, 7.0)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


class FakeDetector:
    def __init__(self, scores):
        self.scores = np.asarray(scores, dtype=float)

    def score_samples(self, X):
        return self.scores


def test_draws_the_result():
    disp = MassProfileDisplay.from_predictions(MASS, SCORE, bins=3, name="det",
                                               mass_label="$s_{12}$")
    res = disp.result
    np.testing.assert_allclose(disp.line_.get_xdata(), res.centers)
    np.testing.assert_allclose(disp.line_.get_ydata(), res.mean)
    # the error bars span mean -+ sem
    segments = disp.errorbar_.lines[2][0].get_segments()
    np.testing.assert_allclose([seg[:, 1] for seg in segments],
                               np.c_[res.mean - res.sem, res.mean + res.sem])
    assert disp.reference_line_.get_ydata()[0] == pytest.approx(res.overall_mean)
    assert disp.ax_.get_xscale() == "log"  # quantile bins of positive scores
    assert disp.ax_.get_ylabel() == "mean $s_{12}$"
    assert disp.ax_.get_xlabel() == "anomaly score"
    assert disp.figure_ is disp.ax_.figure
    labels = [t.get_text() for t in disp.ax_.get_legend().get_texts()]
    assert labels == ["all events (mean 3.5)", f"det (Spearman {res.spearman:.2f})"]


def test_empty_and_single_event_bins():
    score = np.array([1.0, 2.0, 10.0, 20.0, 100.0])
    mass = np.array([1.0, 3.0, 5.0, 7.0, 9.0])
    disp = MassProfileDisplay.from_predictions(mass, score, bins=4, binning="log")
    # the empty bin is left out; the one-event bin has a zero-length error bar
    np.testing.assert_allclose(disp.line_.get_xdata(), [1.5, 15.0, 100.0])
    np.testing.assert_allclose(disp.line_.get_ydata(), [2.0, 6.0, 9.0])
    last = disp.errorbar_.lines[2][0].get_segments()[-1]
    np.testing.assert_allclose(last[:, 1], [9.0, 9.0])
    assert disp.ax_.get_xscale() == "log"


def test_linear_axis_and_overrides():
    score = SCORE - 3.0  # negative scores: no log axis by default
    disp = MassProfileDisplay.from_predictions(MASS, score, bins=3, score_label="loss",
                                               plot_reference=False)
    assert disp.ax_.get_xscale() == "linear" and disp.reference_line_ is None
    assert disp.ax_.get_xlabel() == "loss"
    assert [t.get_text() for t in disp.ax_.get_legend().get_texts()] == [
        f"Spearman {disp.result.spearman:.2f}"]
    disp = MassProfileDisplay.from_predictions(MASS, SCORE, bins=3, binning="linear")
    assert disp.ax_.get_xscale() == "linear"
    disp = MassProfileDisplay.from_predictions(MASS, SCORE, bins=3, binning="linear",
                                               log_x=True)
    assert disp.ax_.get_xscale() == "log"
    with pytest.raises(ValueError, match="log_x=True needs positive scores"):
        MassProfileDisplay.from_predictions(MASS, score, bins=3, log_x=True)


def test_overlay_on_one_axes():
    _, ax = plt.subplots()
    first = MassProfileDisplay.from_predictions(MASS, SCORE, bins=3, name="a", ax=ax)
    second = MassProfileDisplay.from_predictions(MASS, SCORE[::-1], bins=3, name="b", ax=ax)
    assert first.ax_ is second.ax_ is ax
    # the uncut mean is the same: one reference line, shared
    assert second.reference_line_ is first.reference_line_
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0].startswith("all events") and labels[1].startswith("a (")
    assert labels[2].startswith("b (") and len(labels) == 3
    # another test set, another uncut mean: a second reference line
    third = MassProfileDisplay.from_predictions(MASS + 1.0, SCORE, bins=3, name="c", ax=ax)
    assert third.reference_line_ is not first.reference_line_
    assert len(ax.get_legend().get_texts()) == 5


def test_from_estimator_uses_minus_score_samples():
    disp = MassProfileDisplay.from_estimator(FakeDetector(-SCORE), np.zeros((6, 1)), MASS,
                                             bins=3)
    expected = mass_profile(MASS, SCORE, bins=3)
    np.testing.assert_array_equal(disp.result.mean, expected.mean)
    assert disp.name == "FakeDetector"
    assert disp.ax_.get_legend().get_texts()[1].get_text().startswith("FakeDetector (")
    disp = MassProfileDisplay.from_estimator(FakeDetector(-SCORE), np.zeros((6, 1)), MASS,
                                             bins=3, name="PCA", binning="log")
    assert disp.name == "PCA" and disp.result.binning == "log"


def test_plot_again_with_another_name():
    disp = MassProfileDisplay(result=mass_profile(MASS, SCORE, bins=3), name="x")
    _, ax = plt.subplots()
    disp.plot(ax=ax, name="y")
    assert disp.ax_ is ax
    assert ax.get_legend().get_texts()[1].get_text().startswith("y (")


@pytest.mark.parametrize(
    "mass, score, kwargs, match",
    [
        (MASS, SCORE[:5], {}, "entries"),
        (MASS, np.ones(6), {}, "constant"),
        (MASS, SCORE, {"bins": 4}, "at least 8 events"),
        (MASS, SCORE - 3.0, {"bins": 3, "binning": "log"}, "positive"),
    ],
)
def test_bad_input(mass, score, kwargs, match):
    with pytest.raises(ValueError, match=match):
        MassProfileDisplay.from_predictions(mass, score, **kwargs)


def test_from_estimator_without_score_samples():
    with pytest.raises(TypeError, match="score_samples"):
        MassProfileDisplay.from_estimator(object(), np.zeros((6, 1)), MASS, bins=3)
