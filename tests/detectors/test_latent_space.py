"""AutoencoderDetector(latent_space='sphere' / 'torus'): codes on a closed manifold (issue 14)."""

import matplotlib
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from sktopo.datasets import make_circle, make_torus
from sktopo.detectors import AutoencoderDetector, ChartEnsembleDetector
from sktopo.metrics import BackgroundOnlySplit, make_anomaly_scorer
from sktopo.nn import StackedAutoencoder, project_latent
from sktopo.nn._modules import latent_width
from sktopo.plotting import CircleBreakPointDisplay, LatentCoordinateDisplay

matplotlib.use("Agg")


def tiny(**params):
    base = dict(latent_dim=1, hidden_layer_sizes=(8,), max_epochs=3, random_state=0)
    return AutoencoderDetector(**{**base, **params})


@pytest.fixture(scope="module")
def circle():
    return make_circle(300, random_state=0)


@pytest.fixture(scope="module")
def torus():
    return make_torus(300, kind="clifford", random_state=0)[0]


@pytest.mark.parametrize("latent_dim, space, width", [
    (1, "euclidean", 1), (3, "euclidean", 3), (1, "sphere", 2), (5, "sphere", 6),
    (1, "torus", 2), (3, "torus", 6)])
def test_latent_width(latent_dim, space, width):
    assert latent_width(latent_dim, space) == width
    module = StackedAutoencoder(7, latent_dim, (4,), latent_space=space)
    assert module.widths == (7, 4, width, 4, 7)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3).filter(lambda v: abs(v) > 1e-3), min_size=6, max_size=6))
def test_project_latent_lands_on_the_manifold(values):
    z = torch.tensor(values, dtype=torch.float64).reshape(1, 6)
    sphere = project_latent(z, "sphere")
    assert sphere.norm(dim=-1).item() == pytest.approx(1.0, abs=1e-12)
    torus = project_latent(z, "torus").reshape(3, 2)
    assert_allclose(torus.norm(dim=-1).numpy(), 1.0, atol=1e-12)
    # idempotent, and the direction is kept
    assert_allclose(project_latent(sphere, "sphere").numpy(), sphere.numpy(), atol=1e-15)
    assert_allclose((sphere * z.norm()).numpy(), z.numpy(), rtol=1e-12, atol=1e-9)
    assert project_latent(z, "euclidean") is z


def test_project_latent_hand_computed():
    z = torch.tensor([[3.0, 4.0, 0.0, -2.0]])
    sphere = project_latent(torch.tensor([[0.0, 3.0, 0.0, -4.0]]), "sphere")
    assert_allclose(sphere.numpy(), [[0.0, 0.6, 0.0, -0.8]], rtol=1e-6)
    assert_allclose(project_latent(z, "torus").numpy(), [[0.6, 0.8, 0.0, -1.0]], rtol=1e-6)
    # the origin stays at the origin (no division by zero)
    assert_array_equal(project_latent(torch.zeros(1, 2), "sphere").numpy(), [[0.0, 0.0]])
    with pytest.raises(ValueError, match="latent_space"):
        project_latent(z, "hyperbolic")


@pytest.mark.parametrize("space, latent_dim, n_codes", [("sphere", 1, 2), ("sphere", 2, 3),
                                                        ("torus", 2, 4)])
def test_codes_live_on_the_manifold(torus, space, latent_dim, n_codes):
    det = tiny(latent_space=space, latent_dim=latent_dim).fit(torus)
    Z = det.transform(torus)
    assert Z.shape == (300, n_codes)
    pairs = Z.reshape(300, -1, 2) if space == "torus" else Z[:, None, :]
    assert_allclose(np.linalg.norm(pairs, axis=-1), 1.0, atol=1e-12)
    names = det.get_feature_names_out()
    assert list(names) == [f"autoencoderdetector{i}" for i in range(n_codes)]
    # inverse_transform decodes transform's codes to the reconstruction
    assert_allclose(det.inverse_transform(Z), det.reconstruct(torus), rtol=1e-12, atol=1e-12)
    # codes off the manifold are projected first: a scaled code decodes the same
    scale = np.repeat(np.linspace(0.5, 3.0, n_codes // 2 if space == "torus" else 1)[None],
                      2 if space == "torus" else n_codes, axis=1)
    assert_allclose(det.inverse_transform(Z * scale), det.reconstruct(torus), rtol=1e-10)
    with pytest.raises(ValueError, match=f"has {n_codes} coordinates"):
        det.inverse_transform(Z[:, :-1])


def test_euclidean_module_is_unchanged(circle):
    X, _ = circle
    default = tiny().fit(X)
    explicit = tiny(latent_space="euclidean").fit(X)
    assert default.net_.module_.latent_space == "euclidean"
    assert "module__latent_space" not in default.net_.get_params()
    assert_array_equal(default.score_samples(X), explicit.score_samples(X))
    assert default.transform(X).shape == (300, 1)


def test_latent_activation_is_rejected_off_euclidean(circle):
    X, _ = circle
    with pytest.raises(ValueError, match="latent_activation='relu' cannot be combined"):
        tiny(latent_space="sphere", latent_activation="relu").fit(X)
    with pytest.raises(ValueError, match="latent_activation must be None"):
        StackedAutoencoder(2, 1, latent_activation="tanh", latent_space="torus")
    with pytest.raises(ValueError, match="latent_space"):
        tiny(latent_space="hyperbolic").fit(X)


def test_bottleneck_uses_the_intrinsic_dimension(circle):
    """latent_dim=1 on the circle is a bottleneck although the code has 2 numbers."""
    import warnings

    X, _ = circle
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)  # a tiny training, on purpose
        tiny(latent_space="sphere").fit(X)
    with pytest.raises(ValueError, match="larger than the number of input"):
        tiny(latent_space="torus", latent_dim=3).fit(X)


def test_ensemble_members_are_lone_sphere_autoencoders(circle):
    X, _ = circle
    template = tiny(latent_space="sphere", hidden_layer_sizes=(16,), max_epochs=5)
    ens = ChartEnsembleDetector(estimator=template, n_charts=3, random_state=1).fit(X)
    assert ens.module_.latent_space == "sphere"
    member_errors = ens.member_errors(X)
    for k, state in enumerate(ens.random_states_):
        alone = clone(template).set_params(random_state=int(state)).fit(X)
        assert_allclose(member_errors[:, k], alone.reconstruction_error(X), rtol=1e-4,
                        atol=1e-6 * member_errors[:, k].max())


@pytest.fixture(scope="module")
def trained_on_circle():
    """The paper's 5-layer net on 500 circle points, Adam, 100 epochs: R^1 and S^1."""
    X, _ = make_circle(500, random_state=0)
    common = dict(latent_dim=1, optimizer="adam", learning_rate=3e-3, max_epochs=100,
                  random_state=0)
    return {space: AutoencoderDetector(latent_space=space, **common).fit(X)
            for space in ("euclidean", "sphere")}


def test_sphere_latent_removes_the_break_point(trained_on_circle):
    X, phi = make_circle(1000, random_state=1)
    ratio = {}
    for space, det in trained_on_circle.items():
        errors = det.reconstruction_error(X)
        ratio[space] = errors.max() / np.median(errors)
    # measured: 110 (R^1) and 5.1 (S^1)
    assert ratio["euclidean"] > 30
    assert ratio["sphere"] < 20
    # the latent circle's code is continuous in the angle; the R^1 code jumps
    jump = {space: LatentCoordinateDisplay.from_estimator(
        det, X, phi, period=2 * np.pi).jump_to_median for space, det in trained_on_circle.items()}
    assert jump["euclidean"] > 5 * jump["sphere"]  # measured: 9.5 and 1.06
    # every code's angle follows the input angle once around the circle (winding number 1)
    Z = trained_on_circle["sphere"].transform(X)
    order = np.argsort(phi)
    angle = np.unwrap(np.arctan2(Z[order, 1], Z[order, 0]))
    assert abs(abs(angle[-1] - angle[0]) - 2 * np.pi) < 0.5


def test_circle_display_shows_the_latent_circle(trained_on_circle):
    X, phi = make_circle(400, random_state=2)
    disp = CircleBreakPointDisplay.from_estimator(trained_on_circle["sphere"], X, phi)
    assert disp.latent.shape == (400, 2)
    assert disp.latent_display_.jump_to_median < 20
    assert len(disp.latent_display_.lines_) == 2
    import matplotlib.pyplot as plt

    plt.close(disp.figure_)


def test_grid_search_over_latent_space():
    """Labelled validation data choose the latent space with the anomaly scorer."""
    X, _ = make_circle(300, random_state=0)
    rng = np.random.default_rng(0)
    signal = 0.4 * rng.normal(size=(60, 2))  # off the circle
    Xy = np.vstack([X, signal])
    y = np.r_[np.zeros(300), np.ones(60)]
    search = GridSearchCV(
        tiny(hidden_layer_sizes=(16,), optimizer="adam", learning_rate=1e-2, max_epochs=20),
        {"latent_space": ["euclidean", "sphere"]}, scoring=make_anomaly_scorer("roc_auc"),
        cv=BackgroundOnlySplit(cv=2), refit=False).fit(Xy, y)
    scores = search.cv_results_["mean_test_score"]
    assert scores.shape == (2,)
    assert np.all((scores >= 0) & (scores <= 1))
    assert search.best_params_["latent_space"] in ("euclidean", "sphere")
