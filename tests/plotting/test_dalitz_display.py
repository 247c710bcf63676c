"""DalitzPlotDisplay, LossHistogramDisplay, LossDistanceDisplay: values on hand-made data."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402

from sktopo.physics import PhaseSpaceSampler, mass_squared_range  # noqa: E402
from sktopo.plotting import (  # noqa: E402
    DalitzPlotDisplay,
    LossDistanceDisplay,
    LossHistogramDisplay,
)
from sktopo.plotting._dalitz import dalitz_boundary_curve, dalitz_coordinates  # noqa: E402

# Three massless particles at 120 degrees, E = 1/3 each: s_ij = 2 E_i E_j (1 - cos 120) = 1/3.
_C, _S = np.cos(2 * np.pi / 3), np.sin(2 * np.pi / 3)
MERCEDES = np.array([[1, 1, 0, 0, 1, _C, _S, 0, 1, _C, -_S, 0]]) / 3.0
# Two back-to-back particles and a particle at rest with zero energy: s_12 = 1, s_13 = s_23 = 0.
COLLINEAR = np.array([[0.5, 0.5, 0, 0, 0.5, -0.5, 0, 0, 0, 0, 0, 0]])


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


class FakeDetector:
    """Returns fixed reconstructions and losses, to check what the Displays draw."""

    def __init__(self, X_pred, errors):
        self.X_pred, self.errors = X_pred, errors

    def reconstruct(self, X):
        return self.X_pred

    def reconstruction_error(self, X):
        return self.errors


@pytest.fixture(scope="module")
def events():
    return PhaseSpaceSampler(random_state=0).fit().sample(200)


def test_dalitz_coordinates_hand_computed():
    np.testing.assert_allclose(dalitz_coordinates(MERCEDES), [[1 / 3, 1 / 3]], atol=1e-15)
    # off-shell reconstruction 2 X: every s_ij scales by 4
    np.testing.assert_allclose(dalitz_coordinates(2 * MERCEDES), [[4 / 3, 4 / 3]], atol=1e-14)
    np.testing.assert_allclose(dalitz_coordinates(COLLINEAR), [[1.0, 0.0]], atol=1e-15)
    # configurable pairs: x = s_13, y = s_12
    np.testing.assert_allclose(dalitz_coordinates(COLLINEAR, (0, 2), 1), [[0.0, 1.0]])
    np.testing.assert_allclose(dalitz_coordinates(COLLINEAR, (2, 1), 0), [[0.0, 0.0]])


def test_from_estimator_uses_reconstructions_and_given_losses():
    X = np.vstack([MERCEDES, COLLINEAR])
    X_pred = np.vstack([2 * MERCEDES, COLLINEAR])
    errors = np.array([0.5, 0.1])
    disp = DalitzPlotDisplay.from_estimator(FakeDetector(X_pred, errors), X, n_worst=1)
    np.testing.assert_allclose(disp.s_data, [[1 / 3, 1 / 3], [1, 0]], atol=1e-14)
    np.testing.assert_allclose(disp.s_pred, [[4 / 3, 4 / 3], [1, 0]], atol=1e-14)
    np.testing.assert_array_equal(disp.errors, errors)
    np.testing.assert_array_equal(disp.worst_indices_, [0])
    (arrow,) = disp.arrows_
    np.testing.assert_allclose(arrow.xy, [4 / 3, 4 / 3])
    np.testing.assert_allclose(arrow.xyann, [1 / 3, 1 / 3])
    assert disp.ax_.get_xlabel() == "$s_{12}$"
    assert disp.ax_.get_ylabel() == "$s_{13}$"
    assert disp.figure_ is disp.ax_.figure


def test_from_predictions_computes_squared_error(events):
    X_pred = events + 0.1
    disp = DalitzPlotDisplay.from_predictions(events, X_pred, n_worst=0)
    np.testing.assert_allclose(disp.errors, np.full(len(events), 12 * 0.01))
    assert disp.arrows_ == []


def test_worst_points_and_arrows(events):
    rng = np.random.default_rng(1)
    errors = rng.random(len(events))
    X_pred = events * 0.9
    disp = DalitzPlotDisplay.from_estimator(FakeDetector(X_pred, errors), events, n_worst=7)
    expected = np.argsort(errors)[::-1][:7]
    np.testing.assert_array_equal(disp.worst_indices_, expected)
    assert len(disp.arrows_) == 7
    for arrow, i in zip(disp.arrows_, expected):
        np.testing.assert_allclose(arrow.xyann, disp.s_data[i])
        np.testing.assert_allclose(arrow.xy, disp.s_pred[i])
    labels = disp.ax_.get_legend_handles_labels()[1]
    assert "7 worst events" in labels
    disp.plot(n_worst=0)
    assert disp.arrows_ == [] and disp.worst_indices_.size == 0


def test_subsample_and_show(events):
    errors = np.linspace(1e-4, 1e-1, len(events))
    X_pred = events * 1.1
    det = FakeDetector(X_pred, errors)
    disp = DalitzPlotDisplay.from_estimator(det, events, subsample=0.05, n_worst=0)
    assert disp.shown_indices_.size == 10
    assert len(set(disp.shown_indices_)) == 10
    # drawn in increasing loss, at the reconstructions' coordinates
    assert np.all(np.diff(errors[disp.shown_indices_]) >= 0)
    np.testing.assert_allclose(disp.scatter_.get_offsets(), disp.s_pred[disp.shown_indices_])
    assert "5% shown" in disp.ax_.get_title()
    assert disp.colorbar_ is not None
    assert disp.scatter_.norm.__class__.__name__ == "LogNorm"
    again = DalitzPlotDisplay.from_estimator(det, events, subsample=0.05, n_worst=0)
    np.testing.assert_array_equal(again.shown_indices_, disp.shown_indices_)  # seeded

    disp.plot(show="data", subsample=1.0, n_worst=0, colorbar=False)
    np.testing.assert_allclose(disp.scatter_.get_offsets(), disp.s_data[disp.shown_indices_])
    assert disp.colorbar_ is None

    disp.plot(subsample=0.0, n_worst=3)
    assert disp.scatter_ is None and disp.colorbar_ is None
    assert disp.ax_.get_title() == "The 3 worst events and their reconstructions"


def test_massless_boundary_is_the_triangle():
    outline = dalitz_boundary_curve(1.0, (0.0, 0.0, 0.0))
    x, y = outline.T
    assert np.all(x >= 0) and np.all(y >= -1e-12) and np.all(x + y <= 1 + 1e-12)
    np.testing.assert_allclose(outline[0], outline[-1])  # closed
    assert x.max() == pytest.approx(1.0) and y.max() == pytest.approx(1.0)
    assert x.min() == pytest.approx(0.0, abs=1e-9)


def test_massive_boundary_matches_kinematic_ranges():
    masses = (0.1, 0.2, 0.3)  # (m_a, m_b, m_c)
    outline = dalitz_boundary_curve(1.0, masses)
    x, y = outline.T
    x_range = mass_squared_range(1.0, masses, (0, 1))
    y_range = mass_squared_range(1.0, masses, (0, 2))
    assert x.min() == pytest.approx(x_range[0]) and x.max() == pytest.approx(x_range[1])
    assert y.min() == pytest.approx(y_range[0], rel=1e-3)
    assert y.max() == pytest.approx(y_range[1], rel=1e-3)
    # sampled massive events fall inside the outline
    from matplotlib.path import Path

    X = PhaseSpaceSampler(masses=[0.1, 0.2, 0.3], random_state=0).fit().sample(500)
    inside = Path(outline).contains_points(dalitz_coordinates(X), radius=1e-9)
    assert inside.mean() > 0.99


def test_kinematics_inferred_from_data():
    X = PhaseSpaceSampler(sqrt_s=2.0, masses=[0.1, 0.2, 0.3], random_state=0).fit().sample(300)
    disp = DalitzPlotDisplay.from_predictions(X, X, n_worst=0)
    assert disp.sqrt_s == pytest.approx(2.0)
    np.testing.assert_allclose(disp.masses, (0.1, 0.2, 0.3), rtol=1e-6)
    X0 = PhaseSpaceSampler(random_state=0).fit().sample(50)
    assert DalitzPlotDisplay.from_predictions(X0, X0, n_worst=0).masses == (0.0, 0.0, 0.0)


def test_window_and_configurable_pair(events):
    disp = DalitzPlotDisplay.from_predictions(
        events, events * 0.95, pair=(1, 2), other=0, window=(0.225, 0.275), n_worst=2
    )
    assert disp.ax_.get_xlabel() == "$s_{23}$"
    assert disp.ax_.get_ylabel() == "$s_{12}$"
    bands = [c for c in disp.ax_.collections if isinstance(c, PolyCollection)]
    assert any(c.get_label() == "excised window" for c in bands)
    np.testing.assert_allclose(disp.s_data[:, 0], dalitz_coordinates(events, (1, 2), 0)[:, 0])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(show="latent"), "show must be one of"),
        (dict(subsample=1.5), "subsample must lie in"),
        (dict(pair=(0, 0)), "three distinct"),
        (dict(other=3), "three distinct"),
    ],
)
def test_dalitz_errors(events, kwargs, match):
    with pytest.raises(ValueError, match=match):
        DalitzPlotDisplay.from_predictions(events, events, **kwargs)


def test_dalitz_rejects_bad_shapes(events):
    with pytest.raises(ValueError, match="n_particles >= 3"):
        DalitzPlotDisplay.from_predictions(events[:, :8], events[:, :8])
    with pytest.raises(ValueError, match="X_pred has shape"):
        DalitzPlotDisplay.from_predictions(events, events[:10])
    with pytest.raises(ValueError, match="needs the reconstructions"):
        DalitzPlotDisplay(s_data=np.zeros((3, 2)), errors=np.ones(3)).plot()


def test_loss_histogram_values_on_given_bins():
    errors = {"a": [1e-3, 1e-3, 1e-1, 1e-1], "b": [1e-2, 1e-2, 1e-2, 1e-2, 1e-2]}
    edges = [1e-4, 5e-3, 5e-2, 1.0]
    disp = LossHistogramDisplay.from_predictions(errors, bins=edges, cut=1e-2)
    np.testing.assert_allclose(disp.fractions["a"], [0.5, 0.0, 0.5])
    np.testing.assert_allclose(disp.fractions["b"], [0.0, 1.0, 0.0])
    assert disp.ax_.get_xscale() == "log" and disp.ax_.get_yscale() == "log"
    labels = disp.ax_.get_legend_handles_labels()[1]
    assert labels[:2] == ["a (n = 4)", "b (n = 5)"]
    assert "cut $L = 0.01$" in labels
    assert disp.ax_.get_xlabel() == "loss $L$"


def test_loss_histogram_log_bins_and_estimator():
    rng = np.random.default_rng(0)
    e1, e2 = rng.lognormal(-5, 1, 1000), rng.lognormal(-4, 1, 500)
    det = FakeDetector(None, None)
    det.reconstruction_error = lambda X: e1 if X == "one" else e2
    disp = LossHistogramDisplay.from_estimator(det, {"one": "one", "two": "two"}, bins=30)
    assert disp.bin_edges.size == 31
    np.testing.assert_allclose(np.diff(np.log(disp.bin_edges)), np.log(disp.bin_edges[1] /
                                                                       disp.bin_edges[0]))
    assert disp.bin_edges[0] == min(e1.min(), e2.min())
    assert disp.bin_edges[-1] == max(e1.max(), e2.max())
    for name in ("one", "two"):
        assert disp.fractions[name].sum() == pytest.approx(1.0)


def test_loss_histogram_ignores_nonpositive_losses_and_rejects_bad_input():
    disp = LossHistogramDisplay.from_predictions({"a": [0.0, 1e-3, 1e-2, 1e-1]}, bins=3)
    assert disp.fractions["a"].sum() == pytest.approx(0.75)
    with pytest.raises(ValueError, match="bins must be"):
        LossHistogramDisplay.from_predictions({"a": [1.0, 2.0]}, bins=0)
    with pytest.raises(ValueError, match="finite"):
        LossHistogramDisplay.from_predictions({"a": [1.0, np.nan]})
    with pytest.raises(ValueError, match="increasing positive"):
        LossHistogramDisplay(errors={"a": [1.0]}, bin_edges=[0.0, 1.0])


def test_loss_distance_on_decreasing_loss():
    # distinct distances on both sides of the worst point (no ties in the ranks)
    x = np.r_[-1.003 * np.linspace(0.01, 1.0, 20)[::-1], 0.0, np.linspace(0.01, 2.0, 40)]
    X = np.column_stack([x, np.zeros_like(x)])
    errors = np.exp(-3.0 * np.abs(x))  # worst at x = 0, falling with distance
    disp = LossDistanceDisplay.from_predictions(X, errors, n_worst=5)
    assert disp.worst_index == 20
    np.testing.assert_allclose(disp.distances, np.abs(x), atol=1e-12)
    assert disp.spearman == pytest.approx(-1.0)
    np.testing.assert_array_equal(np.sort(disp.worst_indices_), [18, 19, 20, 21, 22])
    assert disp.ax_.get_yscale() == "log"
    assert disp.ax_.get_xlabel() == "Euclidean distance from the worst event"
    assert disp.ax_.get_ylabel() == "loss $L$"
    assert "-1.00" in disp.ax_.get_title()


def test_loss_distance_from_estimator_noisy():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    errors = np.exp(-np.linalg.norm(X - X[0], axis=1)) * rng.uniform(0.5, 1.0, 300)
    errors[0] = 2.0
    disp = LossDistanceDisplay.from_estimator(FakeDetector(None, errors), X)
    assert disp.worst_index == 0
    assert disp.spearman < -0.5
    increasing = LossDistanceDisplay(distances=np.arange(5.0), errors=np.arange(1.0, 6.0))
    assert increasing.spearman == pytest.approx(1.0)
    flat = LossDistanceDisplay(distances=np.arange(5.0), errors=np.ones(5))
    assert np.isnan(flat.spearman)
