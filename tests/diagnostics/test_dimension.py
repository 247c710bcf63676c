"""TwoNN intrinsic dimension, the PCA scree and ScreePlotDisplay."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy.stats import special_ortho_group  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402

from sktopo import PCADetector  # noqa: E402
from sktopo.datasets import make_circle, make_sphere  # noqa: E402
from sktopo.diagnostics import (  # noqa: E402
    estimate_intrinsic_dimension,
    pca_scree,
    suggest_latent_dim,
)
from sktopo.diagnostics._dimension import _twonn_from_distances  # noqa: E402
from sktopo.plotting._scree import ScreePlotDisplay  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --------------------------------------------------------------------------- #
# TwoNN
# --------------------------------------------------------------------------- #

MANIFOLDS = {
    "circle": (lambda seed: make_circle(2000, random_state=seed)[0], 1),
    "S2": (lambda seed: make_sphere(2000, n_dim=2, random_state=seed)[0], 2),
    "S4": (lambda seed: make_sphere(2000, n_dim=4, random_state=seed)[0], 4),
    "gaussian3": (lambda seed: np.random.RandomState(seed).normal(size=(2000, 3)), 3),
}


@pytest.mark.parametrize("method", ["twonn", "twonn_mle"])
@pytest.mark.parametrize("name", list(MANIFOLDS))
def test_twonn_on_known_manifolds(name, method):
    sample, dim = MANIFOLDS[name]
    for seed in (0, 1):
        estimate = estimate_intrinsic_dimension(sample(seed), method=method)
        assert estimate == pytest.approx(dim, rel=0.15), (seed, estimate)


def test_twonn_ignores_embedding_and_rotation():
    X, _ = make_sphere(1500, n_dim=2, random_state=0)
    Q = special_ortho_group.rvs(7, random_state=0)
    wide = np.hstack([X, np.zeros((1500, 4))]) @ Q.T
    a = estimate_intrinsic_dimension(X)
    assert estimate_intrinsic_dimension(wide) == pytest.approx(a, rel=1e-9)


def test_twonn_kernel_by_hand():
    # mu = r2 / r1 = e for all samples: sum(log mu) = n, MLE = (n - 1) / n
    r1 = np.ones(10)
    r2 = np.full(10, np.e)
    assert _twonn_from_distances(r1, r2, method="twonn_mle") == pytest.approx(0.9)
    # duplicates (r1 = 0) are dropped; fewer than 3 usable samples give NaN
    assert np.isnan(_twonn_from_distances([0.0, 0.0, 1.0], [1.0, 1.0, 2.0]))


def test_twonn_linear_fit_recovers_pareto_exponent():
    # mu at the exact quantiles of P(mu > x) = x**-d: the fit returns d
    d, n = 3.0, 1000
    F = np.arange(1, n + 1) / n
    mu = (1.0 - F[:-1]) ** (-1.0 / d)
    assert _twonn_from_distances(np.ones(n - 1), mu) == pytest.approx(d, rel=1e-2)


def test_twonn_duplicates_and_max_samples():
    X, _ = make_circle(1000, random_state=0)
    doubled = np.vstack([X, X[:300]])
    assert estimate_intrinsic_dimension(doubled) == pytest.approx(
        estimate_intrinsic_dimension(X), rel=1e-12
    )
    a = estimate_intrinsic_dimension(X, max_samples=400, random_state=5)
    b = estimate_intrinsic_dimension(X, max_samples=400, random_state=5)
    assert a == b
    assert a == pytest.approx(1.0, rel=0.15)


def test_twonn_kernel_drops_ties():
    r1 = np.array([1.0, 1.0, 1.0, 1.0, 1.0])
    r2 = np.array([1.0, 1.0 + 1e-13, np.e, np.e, np.e])  # two ties (one by rounding)
    # MLE on the three log(mu) = 1: (3 - 1) / 3
    assert _twonn_from_distances(r1, r2, method="twonn_mle") == pytest.approx(2 / 3)
    assert np.isnan(_twonn_from_distances(r1[:2], r2[:2]))


@pytest.mark.parametrize("method", ["twonn", "twonn_mle"])
def test_regular_grid_warns_and_falls_back_to_local_pca(method):
    X, _ = make_circle(1000, sampling="equidistant")  # r2 == r1 for every sample
    with pytest.warns(UserWarning, match="regular grid"):
        assert estimate_intrinsic_dimension(X, method=method) == 1.0
    g = np.linspace(0.0, 1.0, 30)
    square = np.column_stack([a.ravel() for a in np.meshgrid(g, g)])
    with pytest.warns(UserWarning, match="100% of the samples"):
        assert estimate_intrinsic_dimension(square) == 2.0


@pytest.mark.parametrize(("name", "expected"), [("circle", 1), ("S2", 2), ("S4", 4)])
def test_local_pca_on_known_manifolds(name, expected):
    X = MANIFOLDS[name][0](0)
    assert estimate_intrinsic_dimension(X, method="local_pca", random_state=0) == expected


def test_local_pca_on_a_flat_plane_in_high_dimensions():
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(800, 2)) @ special_ortho_group.rvs(7, random_state=0)[:2]
    assert estimate_intrinsic_dimension(X, method="local_pca", random_state=0) == 2.0


def test_twonn_validation():
    with pytest.raises(ValueError, match="method"):
        estimate_intrinsic_dimension(np.eye(5), method="pca")
    with pytest.raises(ValueError, match="3 distinct samples"):
        estimate_intrinsic_dimension(np.ones((5, 2)))
    with pytest.raises(ValueError):
        estimate_intrinsic_dimension(np.eye(2))


# --------------------------------------------------------------------------- #
# Scree
# --------------------------------------------------------------------------- #


def _known_variances():
    # +-a, +-b, +-c along three orthogonal axes: variances proportional to 9, 4, 1
    X = np.array([[3.0, 0, 0], [-3, 0, 0], [0, 2, 0], [0, -2, 0], [0, 0, 1], [0, 0, -1]])
    return X @ special_ortho_group.rvs(3, random_state=1).T + [1.0, -2.0, 0.5]


def test_scree_by_hand():
    scree = pca_scree(_known_variances())
    np.testing.assert_allclose(scree.explained_variance_ratio, [9 / 14, 4 / 14, 1 / 14])
    np.testing.assert_allclose(scree.cumulative_explained_variance_ratio, [9 / 14, 13 / 14, 1.0])
    np.testing.assert_allclose(scree.explained_variance, [18 / 5, 8 / 5, 2 / 5])  # ddof = 1
    assert scree.n_components_for(0.5) == 1
    assert scree.n_components_for(0.9) == 2
    assert scree.n_components_for(0.99) == 3
    assert scree.n_components_for(1.0) == 3


def test_scree_with_fewer_components():
    scree = pca_scree(_known_variances(), n_components=2)
    np.testing.assert_allclose(scree.explained_variance_ratio, [9 / 14, 4 / 14])
    assert scree.n_components_for(0.99) == 2  # all computed ones, still short
    with pytest.raises(ValueError, match="exceeds"):
        pca_scree(_known_variances(), n_components=4)
    with pytest.raises(ValueError, match="fraction"):
        scree.n_components_for(1.5)


def test_suggest_latent_dim():
    X, _ = make_circle(2000, random_state=0)
    s = suggest_latent_dim(X)
    assert (s.twonn_dim, s.pca_dim) == (1, 2)
    assert "topology_check" in s.note
    flat = np.random.RandomState(0).normal(size=(2000, 3)) * [3.0, 2.0, 1.0]
    s = suggest_latent_dim(flat, random_state=0)
    assert (s.twonn_dim, s.pca_dim) == (3, 3)
    assert "agree" in s.note
    # a thin third direction: PCA at 99 % ignores it, TwoNN (small scales) does not
    thin = np.random.RandomState(0).normal(size=(2000, 3)) * [3.0, 3.0, 0.1]
    s = suggest_latent_dim(thin, random_state=0)
    assert s.pca_dim == 2 and s.twonn_dim == 3
    assert "noise" in s.note


# --------------------------------------------------------------------------- #
# ScreePlotDisplay
# --------------------------------------------------------------------------- #


def test_display_from_predictions():
    ratios = [0.7, 0.2, 0.08, 0.02]
    disp = ScreePlotDisplay.from_predictions(ratios, threshold=0.95, name="jets")
    np.testing.assert_allclose(disp.line_.get_ydata(), ratios)
    np.testing.assert_allclose(disp.line_.get_xdata(), [1, 2, 3, 4])
    np.testing.assert_allclose(disp.cumulative_line_.get_ydata(), [0.7, 0.9, 0.98, 1.0])
    assert disp.n_components_at_threshold_ == 3
    assert disp.figure_ is disp.ax_.figure
    assert disp.cumulative_ax_ is not None


def test_display_from_estimator_pca_and_detector():
    X = _known_variances()
    disp = ScreePlotDisplay.from_estimator(PCA().fit(X))
    np.testing.assert_allclose(disp.explained_variance_ratio, [9 / 14, 4 / 14, 1 / 14])
    assert disp.estimator_name == "PCA"
    det = PCADetector(n_components=2).fit(X)
    disp = ScreePlotDisplay.from_estimator(det, cumulative=False)
    np.testing.assert_allclose(disp.explained_variance_ratio, [9 / 14, 4 / 14])
    assert disp.cumulative_line_ is None
    with pytest.raises(TypeError, match="explained_variance_ratio_"):
        ScreePlotDisplay.from_estimator(object())


def test_display_draws_on_given_axes():
    fig, ax = plt.subplots()
    disp = ScreePlotDisplay(explained_variance_ratio=[0.6, 0.4])
    assert disp.plot(ax=ax, log_scale=True) is disp
    assert disp.ax_ is ax and disp.figure_ is fig
    assert ax.get_yscale() == "log"
    assert disp.n_components_at_threshold_ is None


@pytest.mark.parametrize("bad", [[], [[0.5, 0.5]], [0.5, np.nan], [0.7, -0.1], [3.0, 1.0]])
def test_display_rejects_bad_ratios(bad):
    with pytest.raises(ValueError):
        ScreePlotDisplay(explained_variance_ratio=bad)


def test_display_rejects_bad_threshold_before_drawing():
    n_figures = len(plt.get_fignums())
    with pytest.raises(ValueError, match="fraction"):
        ScreePlotDisplay.from_predictions([0.5, 0.5], threshold=1.5)
    assert len(plt.get_fignums()) == n_figures


@pytest.mark.parametrize("X", [np.ones((50, 3)), np.tile([[1.0, -2.0]], (4, 1))])
def test_pca_scree_on_constant_data_says_so(X):
    """No NaN ratios (0 / 0): a clear error (issue 9, item 5)."""
    with pytest.raises(ValueError, match="zero variance .* no scree to read"):
        pca_scree(X)


def test_pca_scree_tiny_but_nonzero_variance_is_fine():
    X = np.array([[0.0, 0.0], [1e-150, 0.0], [2e-150, 0.0]])
    scree = pca_scree(X)
    np.testing.assert_allclose(scree.explained_variance_ratio, [1.0, 0.0], atol=1e-12)


@pytest.mark.parametrize("value", [True, False])
def test_bool_counts_are_refused(value):
    X, _ = make_circle(100, random_state=0)
    with pytest.raises(ValueError, match=f"'n_components' parameter .* Got {value}"):
        pca_scree(X, n_components=value)
    with pytest.raises(ValueError, match=f"'max_samples' parameter .* Got {value}"):
        estimate_intrinsic_dimension(X, max_samples=value)
