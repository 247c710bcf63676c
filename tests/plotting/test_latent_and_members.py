"""LatentCoordinateDisplay, MemberLossDisplay and CircleBreakPointDisplay: values drawn."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sktopo.datasets import make_circle, make_sphere  # noqa: E402
from sktopo.detectors import AutoencoderDetector, ChartEnsembleDetector  # noqa: E402
from sktopo.plotting import (  # noqa: E402
    CircleBreakPointDisplay,
    LatentCoordinateDisplay,
    MemberLossDisplay,
)

TWO_PI = 2 * np.pi


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


class FakeDetector:
    """Fixed latent codes, reconstructions and losses."""

    def __init__(self, latent, X_model, errors):
        self.latent, self.X_model, self.errors = latent, X_model, errors

    def transform(self, X):
        return self.latent

    def reconstruct(self, X):
        return self.X_model

    def reconstruction_error(self, X):
        return self.errors


# ----- LatentCoordinateDisplay ---------------------------------------------------------------


def test_jumps_by_hand():
    # coordinate given unsorted; latent jumps by 1 except one jump of 10 between c=2 and c=3
    coordinate = np.array([3.0, 0.0, 2.0, 1.0, 4.0])
    latent = np.array([13.0, 0.0, 2.0, 1.0, 14.0])
    disp = LatentCoordinateDisplay(coordinate=coordinate, latent=latent)
    np.testing.assert_array_equal(disp.order, [1, 3, 2, 0, 4])
    np.testing.assert_allclose(disp.jumps, [1.0, 1.0, 11.0, 1.0])
    assert disp.jump_coordinate == 2.5
    assert disp.jump_to_median == 11.0
    assert disp.worst_coordinate is None


def test_speeds_divide_by_the_coordinate_step():
    # irregular steps, constant slope 2: every speed is 2, the ratio 1
    coordinate = np.array([0.0, 0.1, 0.5, 0.6, 2.0])
    disp = LatentCoordinateDisplay(coordinate=coordinate, latent=2 * coordinate)
    np.testing.assert_allclose(disp.jumps, [0.2, 0.8, 0.2, 2.8])
    np.testing.assert_allclose(disp.speeds, 2.0)
    assert disp.jump_to_median == pytest.approx(1.0)
    # a duplicated coordinate has no speed and is skipped
    dup = LatentCoordinateDisplay(coordinate=[0.0, 1.0, 1.0, 2.0], latent=[0.0, 1.0, 5.0, 6.0])
    assert np.isnan(dup.speeds[1]) and dup.jump_to_median == 1.0
    with pytest.raises(ValueError, match="distinct"):
        LatentCoordinateDisplay(coordinate=[1.0, 1.0], latent=[0.0, 1.0])


def test_jumps_use_euclidean_latent_distance():
    latent = np.array([[0.0, 0.0], [3.0, 4.0], [3.0, 5.0]])
    disp = LatentCoordinateDisplay(coordinate=[0.0, 1.0, 2.0], latent=latent)
    np.testing.assert_allclose(disp.jumps, [5.0, 1.0])
    assert disp.jump_coordinate == 0.5


def test_period_closes_the_seam():
    phi = np.linspace(0.0, TWO_PI, 16, endpoint=False)
    # a chart that is continuous on the circle (the identity into R^2): no large jump
    identity = LatentCoordinateDisplay(coordinate=phi, latent=np.c_[np.cos(phi), np.sin(phi)],
                                       period=TWO_PI)
    assert identity.jumps.size == 16
    assert identity.jump_to_median == pytest.approx(1.0)
    # z = phi is continuous on [0, 2 pi) but tears at the seam; only the period sees it
    torn = LatentCoordinateDisplay(coordinate=phi, latent=phi, period=TWO_PI)
    assert torn.jump_to_median == pytest.approx(15.0)
    assert min(torn.jump_coordinate, TWO_PI - torn.jump_coordinate) == pytest.approx(np.pi / 16)
    no_period = LatentCoordinateDisplay(coordinate=phi, latent=phi)
    assert no_period.jump_to_median == pytest.approx(1.0)


@given(shift=st.floats(-20.0, 20.0), n=st.integers(8, 60))
def test_period_reduces_coordinates(shift, n):
    phi = np.linspace(0.0, TWO_PI, n, endpoint=False)
    latent = np.c_[np.cos(phi), np.sin(phi)]
    a = LatentCoordinateDisplay(coordinate=phi, latent=latent, period=TWO_PI)
    b = LatentCoordinateDisplay(coordinate=phi + TWO_PI * np.round(shift), latent=latent,
                                period=TWO_PI)
    assert np.all((b.coordinate >= 0) & (b.coordinate < TWO_PI))
    np.testing.assert_allclose(np.sort(b.jumps), np.sort(a.jumps), atol=1e-9)


def test_from_estimator_draws_every_component_and_marks():
    coordinate = np.array([0.0, 1.0, 2.0, 3.0])
    latent = np.array([[0.0, 1.0], [0.1, 1.1], [5.0, 1.2], [5.1, 1.3]])
    errors = np.array([0.1, 0.2, 9.0, 0.1])
    det = FakeDetector(latent, None, errors)
    disp = LatentCoordinateDisplay.from_estimator(det, np.zeros((4, 2)), coordinate,
                                                  xlabel="t")
    assert len(disp.lines_) == 2
    np.testing.assert_allclose(disp.lines_[1].get_offsets(), np.c_[coordinate, latent[:, 1]])
    assert disp.worst_coordinate == 2.0 and disp.jump_coordinate == 1.5
    assert disp.ax_.get_xlabel() == "t"
    vlines = [line.get_xdata()[0] for line in disp.ax_.get_lines()]
    assert vlines == [1.5, 2.0]
    colored = LatentCoordinateDisplay.from_estimator(det, np.zeros((4, 2)), coordinate,
                                                     color_by_loss=True)
    np.testing.assert_allclose(colored.lines_[0].get_array(), errors)


def test_from_estimator_with_a_pipeline_has_no_losses():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sktopo import PCADetector

    X, phi = make_circle(50, sampling="equidistant")
    pipe = make_pipeline(StandardScaler(), PCADetector(n_components=1)).fit(X)
    disp = LatentCoordinateDisplay.from_estimator(pipe, X, phi, period=TWO_PI)
    assert disp.errors is None and disp.worst_coordinate is None
    assert disp.latent.shape == (50, 1)


def test_latent_display_errors():
    with pytest.raises(ValueError, match="at least 2"):
        LatentCoordinateDisplay(coordinate=[1.0], latent=[[1.0]])
    with pytest.raises(ValueError, match="latent must have shape"):
        LatentCoordinateDisplay(coordinate=[1.0, 2.0], latent=np.zeros((3, 1)))
    with pytest.raises(ValueError, match="finite"):
        LatentCoordinateDisplay(coordinate=[1.0, np.nan], latent=[1.0, 2.0])
    with pytest.raises(ValueError, match="latent must be finite"):
        LatentCoordinateDisplay(coordinate=[1.0, 2.0], latent=[1.0, np.inf])
    with pytest.raises(ValueError, match="period"):
        LatentCoordinateDisplay(coordinate=[1.0, 2.0], latent=[1.0, 2.0], period=0)
    with pytest.raises(ValueError, match="errors has 3"):
        LatentCoordinateDisplay(coordinate=[1.0, 2.0], latent=[1.0, 2.0], errors=[1, 2, 3])
    with pytest.raises(ValueError, match="needs errors"):
        LatentCoordinateDisplay(coordinate=[1.0, 2.0], latent=[1.0, 2.0]).plot(
            color_by_loss=True)

    class NoTransform:
        pass

    with pytest.raises(TypeError, match="no latent code"):
        LatentCoordinateDisplay.from_estimator(NoTransform(), np.zeros((2, 2)), [0.0, 1.0])


def test_torn_circle_jumps_where_the_loss_peaks():
    """Latent 1 on S^1: the latent code jumps at the break point (arXiv:2102.08380, Fig. 4)."""
    X_train, _ = make_circle(200, sampling="equidistant")
    X_test, phi = make_circle(400, sampling="equidistant")
    det = AutoencoderDetector(latent_dim=1, optimizer="adam", learning_rate=3e-3,
                              batch_size=32, max_epochs=300, random_state=0).fit(X_train)
    disp = LatentCoordinateDisplay.from_estimator(det, X_test, phi, period=TWO_PI)
    assert disp.jump_to_median > 8  # 17-31 on seeds 0-7
    gap = np.abs(np.mod(disp.jump_coordinate - disp.worst_coordinate + np.pi, TWO_PI) - np.pi)
    assert gap < 0.3  # 0.008-0.04 rad on seeds 0-7


# ----- MemberLossDisplay ---------------------------------------------------------------------


def test_member_display_by_hand():
    member_errors = np.array([[1.0, 2.0, 3.0, 4.0],
                              [8.0, 1.0, 1.0, 1.0],
                              [1.0, 9.0, 2.0, 1.0]])
    disp = MemberLossDisplay(member_errors=member_errors, coordinate=[0.0, 1.0, 2.0])
    # lower median of 4 members: the 2nd smallest
    np.testing.assert_allclose(disp.errors, [2.0, 1.0, 1.0])
    np.testing.assert_array_equal(disp.member_worst_indices, [1, 2, 0, 0])
    np.testing.assert_allclose(disp.break_coordinates, [1.0, 2.0, 0.0, 0.0])
    np.testing.assert_allclose(disp.member_worst_to_median, [8.0, 4.5, 1.5, 4.0])
    assert disp.worst_to_median == 2.0
    assert disp.min_worst_to_median == 1.0
    assert disp.break_points is None


def test_member_display_profile_plot():
    member_errors = np.array([[1.0, 2.0], [5.0, 1.0], [1.0, 3.0]])
    disp = MemberLossDisplay.from_predictions(member_errors, errors=[9.0, 9.0, 9.0],
                                              coordinate=[2.0, 0.0, 1.0], xlabel="phi",
                                              aggregate_name="mean")
    lines = disp.ax_.get_lines()
    # per member: curve and triangle; then aggregate and min
    assert len(lines) == 2 * 2 + 2
    np.testing.assert_allclose(lines[0].get_xdata(), [0.0, 1.0, 2.0])
    np.testing.assert_allclose(lines[0].get_ydata(), [5.0, 1.0, 1.0])
    np.testing.assert_allclose(lines[-1].get_ydata(), [1.0, 1.0, 1.0])  # row min, sorted
    assert "mean" in lines[-2].get_label()
    assert disp.ax_.get_yscale() == "log" and disp.ax_.get_xlabel() == "phi"
    no_min = MemberLossDisplay.from_predictions(member_errors, coordinate=[0, 1, 2],
                                                show_min=False)
    assert len(no_min.ax_.get_lines()) == 5


def test_member_display_map_marks_every_member():
    X, _ = make_sphere(300, random_state=0)
    member_errors = np.full((300, 3), 0.01)
    member_errors[[10, 20, 30], [0, 1, 2]] = 5.0
    disp = MemberLossDisplay.from_predictions(member_errors, X=X, n_worst=4)
    np.testing.assert_allclose(disp.break_points, X[[10, 20, 30]])
    assert disp.ax_.name == "mollweide"
    # background, one scatter per member, the break points
    assert len(disp.ax_.collections) == 1 + 3 + 1
    assert all(len(c.get_offsets()) == 4 for c in disp.ax_.collections[1:4])


def test_member_display_errors():
    with pytest.raises(ValueError, match="n_samples, n_members"):
        MemberLossDisplay(member_errors=[1.0, 2.0])
    with pytest.raises(ValueError, match="finite"):
        MemberLossDisplay(member_errors=[[1.0, np.nan]])
    with pytest.raises(ValueError, match="coordinate has 1"):
        MemberLossDisplay(member_errors=np.ones((2, 2)), coordinate=[1.0])
    with pytest.raises(ValueError, match="errors has 3"):
        MemberLossDisplay(member_errors=np.ones((2, 2)), errors=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="X must have shape"):
        MemberLossDisplay(member_errors=np.ones((2, 2)), X=np.ones((3, 3)))
    with pytest.raises(ValueError, match="3 features"):
        MemberLossDisplay(member_errors=np.ones((2, 2)), X=np.ones((2, 2))).plot()
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="mollweide"):
        MemberLossDisplay(member_errors=np.ones((2, 2)), X=np.ones((2, 3))).plot(ax=ax)
    with pytest.raises(TypeError, match="member_errors"):
        MemberLossDisplay.from_estimator(AutoencoderDetector(), np.ones((2, 2)))


def test_member_display_from_ensemble_matches_the_ensemble():
    X, phi = make_circle(100, random_state=0)
    ens = ChartEnsembleDetector(estimator=AutoencoderDetector(latent_dim=1, max_epochs=3),
                                n_charts=3, aggregate="min", random_state=0).fit(X)
    disp = MemberLossDisplay.from_estimator(ens, X, coordinate=phi)
    np.testing.assert_allclose(disp.member_errors, ens.member_errors(X))
    np.testing.assert_allclose(disp.errors, ens.reconstruction_error(X))
    assert disp.aggregate_name == "min"
    np.testing.assert_allclose(disp.break_points, X[disp.member_worst_indices])


# ----- CircleBreakPointDisplay ---------------------------------------------------------------


def test_circle_display_values():
    phi = np.linspace(0.0, TWO_PI, 8, endpoint=False)
    X = np.c_[np.cos(phi), np.sin(phi)]
    errors = np.full(8, 0.01)
    errors[5] = 2.0
    latent = np.where(phi < 3.5, phi, phi - TWO_PI)[:, None]
    det = FakeDetector(latent, 0.9 * X, errors)
    disp = CircleBreakPointDisplay.from_estimator(det, X, phi - TWO_PI,  # angles reduced
                                                  undersampled_angle=1.0)
    assert disp.break_angle == pytest.approx(phi[5])
    assert disp.worst_to_median == pytest.approx(200.0)
    assert len(disp.axes_) == 4
    assert disp.latent_display_.jump_coordinate == pytest.approx(0.5 * (phi[4] + phi[5]))
    titles = [ax.get_title() for ax in disp.axes_]
    assert titles[0] == "Latent representation" and "200" in titles[3]
    np.testing.assert_allclose(disp.axes_[3].get_lines()[0].get_ydata(), errors)


def test_circle_display_panels_and_errors():
    phi = np.linspace(0.0, TWO_PI, 6, endpoint=False)
    X = np.c_[np.cos(phi), np.sin(phi)]
    det = FakeDetector(None, X, np.ones(6))
    disp = CircleBreakPointDisplay.from_estimator(det, X, phi, panels=("points", "loss"))
    assert len(disp.axes_) == 2 and disp.latent is None
    with pytest.raises(ValueError, match="Unknown panels"):
        disp.plot(panels=("nope",))
    with pytest.raises(ValueError, match="latent codes"):
        disp.plot(panels=("latent",))
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="Need 2 axes"):
        disp.plot(axes=[ax], panels=("points", "loss"))
