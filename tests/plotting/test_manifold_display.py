"""SphereLossDisplay, ManifoldFitDisplay, LossProfileDisplay: values on hand-made data."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sktopo.datasets import make_sphere  # noqa: E402
from sktopo.plotting._manifold import (  # noqa: E402
    LossProfileDisplay,
    ManifoldFitDisplay,
    SphereLossDisplay,
    longitude_latitude,
)

HALF_PI = np.pi / 2
# (point, longitude, latitude)
KNOWN = [
    ((1.0, 0.0, 0.0), 0.0, 0.0),
    ((0.0, 1.0, 0.0), HALF_PI, 0.0),
    ((0.0, -1.0, 0.0), -HALF_PI, 0.0),
    ((-1.0, 0.0, 0.0), np.pi, 0.0),
    ((0.0, 0.0, 1.0), 0.0, HALF_PI),
    ((0.0, 0.0, -1.0), 0.0, -HALF_PI),
    ((0.5, 0.5, np.sqrt(0.5)), np.pi / 4, np.pi / 4),
    ((2.0, 2.0, 0.0), np.pi / 4, 0.0),  # off the sphere: its direction
    ((0.0, 0.0, 0.0), 0.0, 0.0),
]


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


def test_longitude_latitude_known_points():
    X = np.array([p for p, _, _ in KNOWN])
    lon, lat = longitude_latitude(X)
    np.testing.assert_allclose(lon, [lo for _, lo, _ in KNOWN], atol=1e-15)
    np.testing.assert_allclose(lat, [la for _, _, la in KNOWN], atol=1e-15)


def test_longitude_latitude_matches_sphere_angles():
    X, t = make_sphere(500, random_state=0)  # t = (polar angle theta, azimuth phi in [0, 2 pi))
    lon, lat = longitude_latitude(X)
    np.testing.assert_allclose(lat, HALF_PI - t[:, 0], atol=1e-12)
    np.testing.assert_allclose(np.mod(lon, 2 * np.pi), t[:, 1], atol=1e-12)
    assert np.all((lon > -np.pi) & (lon <= np.pi))


def test_longitude_latitude_rejects_bad_shape():
    with pytest.raises(ValueError, match="n_features in"):
        longitude_latitude(np.zeros((4, 2)))


def test_sphere_display_values_and_worst_points():
    X = np.array([p for p, _, _ in KNOWN[:7]])
    errors = np.array([1e-3, 5.0, 1e-2, 0.0, 5.0, 2e-3, 0.3])  # a zero: log colours must cope
    disp = SphereLossDisplay.from_predictions(X, errors, n_worst=3, excised_band=0.1)
    assert disp.worst_index == 1
    np.testing.assert_array_equal(disp.worst_indices_, [1, 4, 6])  # ties: lower index first
    assert disp.worst_to_median == pytest.approx(5.0 / 1e-2)
    np.testing.assert_allclose(disp.latitude[4], HALF_PI)
    assert disp.ax_.name == "mollweide"
    assert disp.figure_ is disp.ax_.figure
    # the colour-coded test points sit at (longitude, latitude)
    offsets = disp.ax_.collections[0].get_offsets()
    np.testing.assert_allclose(offsets, np.column_stack([disp.longitude, disp.latitude]))
    worst = disp.ax_.collections[1].get_offsets()
    np.testing.assert_allclose(worst[:, 1], disp.latitude[[1, 4, 6]])
    (band,) = disp.ax_.lines
    latitudes = band.get_ydata()[np.isfinite(band.get_ydata())]
    np.testing.assert_allclose(np.unique(latitudes), [-np.arcsin(0.1), np.arcsin(0.1)])


def test_sphere_display_from_estimator_overlays_model_directions():
    X, _ = make_sphere(50, random_state=1)
    X_model = 0.5 * X[::-1]
    errors = np.linspace(0.01, 1.0, 50)
    disp = SphereLossDisplay.from_estimator(FakeDetector(X_model, errors), X, n_worst=5)
    np.testing.assert_array_equal(disp.worst_indices_, [49, 48, 47, 46, 45])
    model_points = disp.ax_.collections[1].get_offsets()  # drawn over the test points
    np.testing.assert_allclose(model_points, np.column_stack(longitude_latitude(X[::-1])))
    no_model = SphereLossDisplay.from_estimator(FakeDetector(X_model, errors), X,
                                                show_model=False)
    assert no_model.X_model is None


def test_sphere_display_needs_mollweide_axes():
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="mollweide"):
        SphereLossDisplay.from_predictions(np.eye(3), [1.0, 2.0, 3.0], ax=ax)
    with pytest.raises(ValueError, match="entries"):
        SphereLossDisplay(X=np.eye(3), errors=[1.0, 2.0])


def test_manifold_fit_display_3d():
    X = np.array([[0.0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, -1]])
    X_model = X.copy()
    X_model[2] = [0.0, -1, 0]  # one point torn to its antipode: loss 4
    X_model[0] = [0.0, 0, 0.9]  # loss 0.01
    disp = ManifoldFitDisplay.from_predictions(X, X_model, n_worst=2, elev=30, azim=-45)
    np.testing.assert_allclose(disp.errors, [0.01, 0.0, 4.0, 0.0], atol=1e-15)
    assert disp.n_features == 3 and disp.worst_index == 2
    np.testing.assert_array_equal(disp.worst_indices_, [2, 0])
    assert disp.ax_.name == "3d"
    assert (disp.ax_.elev, disp.ax_.azim) == (30, -45)
    segments = [np.column_stack(line.get_data_3d()) for line in disp.ax_.lines]
    np.testing.assert_allclose(segments[0], [X[2], X_model[2]])
    np.testing.assert_allclose(segments[1], [X[0], X_model[0]])


def test_manifold_fit_display_2d_from_estimator():
    phi = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    X = np.column_stack([np.cos(phi), np.sin(phi)])
    errors = np.r_[np.full(39, 1e-4), 2.0]
    disp = ManifoldFitDisplay.from_estimator(FakeDetector(0.9 * X, errors), X, n_worst=1)
    np.testing.assert_array_equal(disp.errors, errors)  # the estimator's, not recomputed
    assert disp.ax_.name == "rectilinear" and disp.n_features == 2
    np.testing.assert_array_equal(disp.worst_indices_, [39])
    np.testing.assert_allclose(disp.ax_.collections[1].get_offsets(), 0.9 * X)


def test_manifold_fit_display_checks_axes_and_shapes():
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="3-D axes"):
        ManifoldFitDisplay.from_predictions(np.eye(3), np.eye(3), ax=ax)
    with pytest.raises(ValueError, match="X_model has shape"):
        ManifoldFitDisplay(X=np.eye(3), X_model=np.eye(3)[:2])
    with pytest.raises(ValueError, match="n_features"):
        ManifoldFitDisplay(X=np.zeros((3, 4)), X_model=np.zeros((3, 4)))


def test_loss_profile_bins_hand_computed():
    z = np.array([-1.0, -0.6, -0.4, 0.0, 0.5, 1.0])
    errors = np.array([3.0, 1.0, 2.0, 0.5, 10.0, 4.0])
    disp = LossProfileDisplay(coordinate=z, errors=errors, bin_edges=[-1.0, -0.5, 0.0, 0.5, 1.0])
    np.testing.assert_array_equal(disp.bin_counts, [2, 1, 1, 2])  # 1.0 falls in the last bin
    np.testing.assert_allclose(disp.bin_median, [2.0, 2.0, 0.5, 7.0])
    np.testing.assert_allclose(disp.bin_max, [3.0, 2.0, 0.5, 10.0])
    np.testing.assert_allclose(disp.bin_centers, [-0.75, -0.25, 0.25, 0.75])
    assert disp.worst_index == 4 and disp.worst_coordinate == 0.5
    assert disp.worst_to_median == pytest.approx(10.0 / 2.5)


def test_loss_profile_empty_bins_and_zero_losses_are_drawn():
    disp = LossProfileDisplay.from_predictions(
        [0.1, 0.2, 0.9], [0.0, 1e-3, 1e-1], bins=[0.0, 0.3, 0.6, 1.0], xlabel="$z$",
        excised=[(0.3, 0.6)], n_worst=2)
    assert np.isnan(disp.bin_median[1]) and np.isnan(disp.bin_max[1])
    np.testing.assert_array_equal(disp.worst_indices_, [2, 1])
    assert disp.ax_.get_yscale() == "log" and disp.ax_.get_xlabel() == "$z$"
    assert len(disp.ax_.patches) == 1  # the excised span
    points = disp.ax_.collections[0].get_offsets()
    assert points.shape[0] == 2  # the zero loss is left off the log axis


def test_loss_profile_from_estimator_and_default_bins():
    X = np.linspace(-1, 1, 101)[:, None]
    errors = np.exp(-X[:, 0] ** 2)
    disp = LossProfileDisplay.from_estimator(FakeDetector(X, errors), X, X[:, 0], bins=4)
    np.testing.assert_allclose(disp.bin_edges, [-1.0, -0.5, 0.0, 0.5, 1.0])
    assert disp.bin_counts.sum() == 101
    assert disp.worst_coordinate == 0.0


@pytest.mark.parametrize("bins", [0, 2.5, True])
def test_loss_profile_rejects_bad_bins(bins):
    with pytest.raises(ValueError, match="bins"):
        LossProfileDisplay.from_predictions([0.0, 1.0], [1.0, 2.0], bins=bins)


def test_worst_to_median_with_zero_median():
    disp = ManifoldFitDisplay.from_predictions(np.eye(3), np.eye(3), n_worst=0)
    assert np.isnan(disp.worst_to_median) and disp.worst_indices_.size == 0
    disp = LossProfileDisplay.from_predictions([0.0, 1.0, 2.0], [0.0, 0.0, 1.0])
    assert disp.worst_to_median == np.inf
