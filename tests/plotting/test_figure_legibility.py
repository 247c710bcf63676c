"""What the figures must let a reader see: marks that coincide, data under the model, legends
off the curves, readable 3-D ticks (issue 9, item 13)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from sktopo.plotting import CircleBreakPointDisplay, LatentCoordinateDisplay  # noqa: E402
from sktopo.plotting._manifold import ManifoldFitDisplay, SphereLossDisplay  # noqa: E402

TWO_PI = 2 * np.pi


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


class FakeDetector:
    def __init__(self, latent, X_model, errors):
        self.latent, self.X_model, self.errors = latent, X_model, errors

    def transform(self, X):
        return self.latent

    def reconstruct(self, X):
        return self.X_model

    def reconstruction_error(self, X):
        return self.errors


def _torn_circle(n=400, break_at=2.0, undersampled_angle=None):
    """A circle chart torn at ``break_at``: the latent code jumps and the loss peaks there."""
    phi = np.linspace(0.0, TWO_PI, n, endpoint=False)
    X = np.c_[np.cos(phi), np.sin(phi)]
    shifted = np.mod(phi - break_at, TWO_PI)
    errors = 1e-3 * (1.5 + np.sin(5 * phi)) + 3.0 * np.exp(-(np.minimum(shifted, TWO_PI - shifted)
                                                               / 0.05) ** 2)
    det = FakeDetector(shifted[:, None], 0.98 * X, errors)
    return CircleBreakPointDisplay.from_estimator(det, X, phi,
                                                  undersampled_angle=undersampled_angle)


def _vline(ax, label):
    (line,) = [ln for ln in ax.get_lines() if ln.get_label().startswith(label)]
    return line


def _points_under_legend(ax, x, y):
    ax.figure.canvas.draw()
    box = ax.get_legend().get_window_extent()
    xy = ax.transData.transform(np.c_[x, y])
    return int(np.sum(box.contains_points(xy) if hasattr(box, "contains_points") else
                      [box.contains(*p) for p in xy]))


def test_largest_jump_is_drawn_over_the_largest_loss_at_the_same_angle():
    disp = _torn_circle(undersampled_angle=2.0)
    ax = disp.axes_[0]
    jump, loss = _vline(ax, "largest jump"), _vline(ax, "largest loss")
    under = _vline(ax, "undersampled")
    # the three marks sit at (nearly) one angle here ...
    assert abs(jump.get_xdata()[0] - loss.get_xdata()[0]) < 0.05
    assert abs(under.get_xdata()[0] - loss.get_xdata()[0]) < 0.05
    # ... and stay distinguishable: the loss is a wide pale band under the thin lines
    assert loss.get_zorder() < jump.get_zorder() and loss.get_zorder() < under.get_zorder()
    assert loss.get_linewidth() > 2 * jump.get_linewidth()
    assert loss.get_alpha() < 0.5
    assert to_rgba(under.get_color()) != to_rgba(jump.get_color())
    # the scatter of the latent code is drawn over the band, under the jump line
    assert loss.get_zorder() < disp.latent_display_.lines_[0].get_zorder() < jump.get_zorder()


def test_latent_display_alone_draws_its_jump_line_over_its_worst_band():
    coordinate = np.linspace(0.0, 1.0, 50)
    latent = np.where(coordinate < 0.5, coordinate, coordinate - 1.0)[:, None]
    errors = np.where(np.abs(coordinate - 0.5) < 0.02, 1.0, 0.01)
    disp = LatentCoordinateDisplay.from_predictions(coordinate, latent, errors=errors)
    jump, worst = _vline(disp.ax_, "largest jump"), _vline(disp.ax_, "largest loss")
    assert worst.get_zorder() < jump.get_zorder()
    assert disp.ax_.get_legend().get_frame().get_alpha() == pytest.approx(0.9)


def test_data_points_stay_visible_under_the_model_points():
    ax = _torn_circle().axes_[2]
    data, model = _vline(ax, "data"), _vline(ax, "model")
    assert data.get_zorder() < model.get_zorder()
    # larger pale data dots: a halo around each model dot that sits on the data
    assert data.get_markersize() > 1.5 * model.get_markersize()
    # the break mark is a radial tick across the circle, leaving the centre to the legend
    r = np.hypot(*_vline(ax, "largest loss").get_data())
    assert r.min() > 0.5 and r.max() > 1.0


@pytest.mark.parametrize("panel", [1, 3])
def test_legends_do_not_cover_the_curves(panel):
    disp = _torn_circle()
    ax = disp.axes_[panel]
    x, y = ax.get_lines()[0].get_data() if panel == 3 else ax.get_lines()[1].get_data()
    assert len(x) == 400
    assert _points_under_legend(ax, x, y) == 0


def test_three_d_panels_have_few_readable_tick_labels():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    fig = plt.figure(figsize=(5.6, 4.8), layout="constrained")
    ax = fig.add_subplot(projection="3d")
    disp = ManifoldFitDisplay.from_predictions(X, 0.9 * X, n_worst=3, ax=ax)
    fig.canvas.draw()
    for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
        lo, hi = axis.get_view_interval()
        ticks = [t for t in axis.get_majorticklocs() if lo - 1e-9 <= t <= hi + 1e-9]
        assert 2 <= len(ticks) <= 3, ticks
        # round numbers: a unit sphere gets -1, 0, 1 rather than -0.75, -0.5, ...
        assert np.allclose(np.round(ticks), ticks)
    # the legend sits under the 3-D view, not on it
    legend = disp.ax_.get_legend()
    assert legend.get_window_extent().y1 <= ax.get_window_extent().y0 + 1


def test_mollweide_legend_sits_under_the_map():
    X = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])
    disp = SphereLossDisplay.from_predictions(X, [1e-3, 1.0, 1e-2], n_worst=1)
    disp.figure_.canvas.draw()
    assert (disp.ax_.get_legend().get_window_extent().y1
            <= disp.ax_.get_window_extent().y0 + 1)


def test_flat_fit_legend_sits_under_the_x_label():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1.0, 1.0, size=(300, 2))  # the data fill the view: no free corner
    fig, ax = plt.subplots(figsize=(5.6, 4.8), layout="constrained")
    disp = ManifoldFitDisplay.from_predictions(X, 0.9 * X, n_worst=3, ax=ax)
    fig.canvas.draw()
    legend = disp.ax_.get_legend().get_window_extent()
    assert legend.y1 <= ax.xaxis.label.get_window_extent().y0 + 1
    assert legend.y0 >= 0  # still inside the figure
