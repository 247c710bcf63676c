"""Reproductions of arXiv:2102.08380, Secs. 6 and 8 and App. B (spheres, latent size, circle)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sktopo.datasets import (  # noqa: E402
    make_circle,
    make_so3,
    make_sphere,
    make_su2,
    make_torus,
    make_trefoil,
)
from sktopo.experiments import EXPERIMENTS  # noqa: E402
from sktopo.experiments._circle_variants import (  # noqa: E402
    break_region_width,
    run_circle_square,
    run_circle_variants,
    run_sparse_circle,
    sparse_settings,
    square_settings,
    square_statistics,
    variant_settings,
)
from sktopo.experiments._higher import (  # noqa: E402
    GOOD_MINIMUM_RATIO,
    count_self_crossings,
    fit_and_score,
    latent_settings,
    loss_statistics,
    run_latent_dim,
    run_spheres_nd,
    spheres_settings,
)

# --------------------------------------------------------------------------- #
# Registry, settings and the small pure helpers
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    "name, run, paper",
    [("spheres-nd", run_spheres_nd, "Sec. 6, Fig. 10"), ("latent-dim", run_latent_dim, "Sec. 8"),
     ("circle-variants", run_circle_variants, "App. B.1"),
     ("sparse-circle", run_sparse_circle, "App. B.2"),
     ("circle-square", run_circle_square, "App. B.1, Fig. 16")],
)
def test_registered(name, run, paper):
    assert EXPERIMENTS[name].run is run
    assert paper in EXPERIMENTS[name].paper


def test_full_settings_are_the_papers():
    # Tab. 1 and Sec. 6: 7-layer net, SGD, 20,000 epochs; S^5 with 1e5 points, lr 0.1, batch 512
    spheres = spheres_settings(full=True)
    for name, latent_dim in (("S^4", 4), ("S^5", 5), ("SU(2)", 3)):
        d = spheres[name]["detector"]
        assert d["latent_dim"] == latent_dim and tuple(d["hidden_layer_sizes"]) == (64, 64)
        assert d["optimizer"] == "sgd" and d["max_epochs"] == 20_000
    assert spheres["S^5"]["n_train"] == 100_000
    assert spheres["S^5"]["detector"]["learning_rate"] == 0.1
    assert spheres["S^5"]["detector"]["batch_size"] == 512
    assert spheres["S^4"]["n_train"] == spheres["SU(2)"]["n_train"] == 10_000
    latent = latent_settings(full=True)
    assert [latent[k]["n_train"] for k in ("trefoil", "torus", "so3")] == [1000, 3000, 10_000]
    assert latent["so3"]["latent_dims"] == (3, 4, 5)
    sparse = sparse_settings(full=True)["detector"]
    assert (sparse["optimizer"], sparse["learning_rate"], sparse["max_epochs"]) == (
        "sgd", 1e-2, 100_000)
    base = variant_settings(full=True)["base"]
    assert (base["optimizer"], base["learning_rate"], base["max_epochs"]) == ("sgd", 1e-2, 20_000)
    assert "Adam" in variant_settings(full=True)["variants"]
    assert "SGD" in variant_settings(full=False)["variants"]
    # App. B.1, Fig. 16: the default circle net with d_l = 2; 1000 training, 3000 test points
    square = square_settings(full=True)
    assert (square["n_train"], square["n_test"]) == (1000, 3000)
    assert square["detector"] == dict(base, latent_dim=2)


def test_count_self_crossings_hand_made_curves():
    t = (np.arange(200) + 0.5) * 2 * np.pi / 200  # no vertex on a crossing
    assert count_self_crossings(np.c_[np.cos(t), np.sin(t)]) == 0
    assert count_self_crossings(np.c_[np.sin(t), np.sin(2 * t)]) == 1  # figure eight
    # a trefoil diagram (the (2, 3) torus knot projected to the plane): 3 crossings
    assert count_self_crossings(np.c_[np.sin(t) + 2 * np.sin(2 * t),
                                      np.cos(t) - 2 * np.cos(2 * t)]) == 3


def test_break_region_width_hand_computed():
    phi = np.arange(100) * 2 * np.pi / 100
    errors = np.full(100, 1e-3)
    errors[[9, 10, 11]] = [1.0, 5.0, 1.0]  # three points above 10 x median
    # the arc runs half-way to the first point below the threshold on each side: 3 spacings
    assert break_region_width(phi, errors) == pytest.approx(3 * 2 * np.pi / 100)
    errors[[50, 51]] = 2.0  # an arc apart from the worst point's does not count
    assert break_region_width(phi[::-1], errors[::-1]) == pytest.approx(3 * 2 * np.pi / 100)
    wrapped = np.roll(errors, -10)  # the arc around phi = 0 wraps around
    assert break_region_width(phi, wrapped) == pytest.approx(3 * 2 * np.pi / 100)
    assert break_region_width(phi, np.full(100, 1.0)) == 0.0


def test_loss_statistics_hand_computed():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [4.0, 0.0]])
    stats = loss_statistics(X, np.array([8.0, 4.0, 2.0, 1.0]), n_worst=2)
    assert stats["worst_loss"] == 8.0 and stats["median_loss"] == 3.0
    assert stats["worst_to_median"] == pytest.approx(8 / 3)
    assert stats["spearman"] == pytest.approx(-1.0)
    assert stats["spread"] == pytest.approx(1.0 / 1.5)  # distances 0, 1, 2, 4; median 1.5
    assert stats["near_to_far"] == pytest.approx(8.0 / 2.0)  # nearest 1 %: the worst point


def test_square_statistics_hand_computed():
    X = np.array([[1.0, 0.0], [0.0, -0.98], [0.1, 0.2], [0.5, 0.0], [1.0, 0.35],
                  [0.0, 1.2], [1.0, 1.0], [-1.0, 1.0]])  # r: 1, .98, .22, .5, 1.06, 1.2, 1.41 x2
    errors = np.array([1e-5, 3e-5, 2e-3, 4e-3, 5e-2, 6e-3, 3e-2, 5e-2])
    stats = square_statistics(X, errors)
    assert stats["median_near"] == pytest.approx(2e-5)  # 1 and .98; 1.06 is in no region
    assert stats["median_inside"] == pytest.approx(3e-3)
    assert stats["median_outside"] == pytest.approx(6e-3)  # 1.2 only
    assert stats["median_corners"] == pytest.approx(4e-2) and stats["n_corners"] == 2
    assert stats["corners_to_inside"] == pytest.approx(40 / 3)
    assert stats["outside_to_inside"] == pytest.approx(2.0)
    assert stats["fraction_below_level"] == pytest.approx(5 / 8)  # loss < 1e-2
    assert square_statistics(X[:6], errors[:6])["n_corners"] == 0
    assert np.isnan(square_statistics(X[:6], errors[:6])["median_corners"])  # and no warning


# --------------------------------------------------------------------------- #
# Smoke runs of the registered experiments with tiny settings
# --------------------------------------------------------------------------- #


def _shrink(settings, n=200, epochs=2):
    for s in settings.values():
        s.update(n_train=n, n_test=n)
        s["detector"]["max_epochs"] = epochs
    return settings


def test_spheres_nd_smoke(tmp_path):
    summary = run_spheres_nd(tmp_path, verbose=0, settings=_shrink(spheres_settings()))
    assert (tmp_path / "fig10_spheres.png").stat().st_size > 0
    assert set(summary["runs"]) == {"S^4", "S^5", "SU(2)"}
    for stats in summary["runs"].values():
        assert set(stats) == {"worst_loss", "median_loss", "worst_to_median", "spearman",
                              "spread", "near_to_far"}
        assert stats["worst_to_median"] >= 1.0 and -1.0 <= stats["spearman"] <= 1.0
    text = (tmp_path / "summary.txt").read_text()
    for phrase in ("Spearman", "worst/median", "5 orders of magnitude", "CPU-sized"):
        assert phrase in text


def test_latent_dim_smoke(tmp_path):
    settings = _shrink(latent_settings())
    settings["torus"]["n_seeds"] = 3
    summary = run_latent_dim(tmp_path, verbose=0, settings=settings)
    for name in ("trefoil.png", "clifford_torus.png", "so3.png", "summary.txt"):
        assert (tmp_path / name).stat().st_size > 0
    assert set(summary["trefoil"]) == {1, 2} and set(summary["so3"]) == {3, 4, 5}
    assert len(summary["trefoil"][2]["crossings"]) == 2
    assert len(summary["torus"][3]["worst_to_median"]) == 3
    assert 0 <= summary["torus"][3]["n_good"] <= 3
    text = (tmp_path / "summary.txt").read_text()
    for phrase in ("self-crossings", "good minimum", "SO(3), d_l=5", "paper:"):
        assert phrase in text


def test_circle_variants_smoke(tmp_path):
    settings = variant_settings()
    settings.update(n_train=100, n_test=200)
    settings["base"]["max_epochs"] = 2
    settings["variants"] = {k: settings["variants"][k] for k in ("ReLU", "beta = 5", "SGD")}
    summary = run_circle_variants(tmp_path, verbose=0, settings=settings)
    assert (tmp_path / "circle_variants.png").stat().st_size > 0
    assert list(summary["runs"]) == ["ReLU", "beta = 5", "SGD"]
    for r in summary["runs"].values():
        assert 0.0 <= r["break_width"] <= 2 * np.pi and r["worst_to_median"] >= 1.0
    assert "break width" in (tmp_path / "summary.txt").read_text()


def test_sparse_circle_smoke(tmp_path):
    settings = sparse_settings()
    settings["n_test"] = 200
    settings["detector"]["max_epochs"] = 5
    summary = run_sparse_circle(tmp_path, verbose=0, settings=settings)
    assert (tmp_path / "sparse_circle.png").stat().st_size > 0
    assert [r["n_train"] for r in summary["runs"].values()] == [12, 20, 20]
    for r in summary["runs"].values():
        assert {"train_max_loss", "train_median_loss", "break_offset", "break_width"} <= set(r)
        assert 0.0 <= r["break_offset"] <= 0.5
    assert "memorises" in (tmp_path / "summary.txt").read_text()


def test_circle_square_smoke(tmp_path):
    settings = square_settings()
    settings.update(n_train=100, n_test=300, n_circle=100)
    settings["detector"]["max_epochs"] = 2
    summary = run_circle_square(tmp_path, verbose=0, settings=settings)
    assert (tmp_path / "fig16_square.png").stat().st_size > 0
    for key in ("median_near", "median_inside", "median_outside", "median_corners", "n_corners",
                "corners_to_inside", "outside_to_inside", "fraction_below_level",
                "train_median_loss", "circle_worst_to_median", "worst_loss", "median_loss",
                "reference_circle_worst_to_median", "reference_median_loss"):
        assert key in summary
    assert summary["reference_latent_dim"] == 1 and 0.0 <= summary["fraction_below_level"] <= 1
    text = (tmp_path / "summary.txt").read_text()
    for phrase in ("corners / inside", "latent_dim=1", "paper: Fig. 16", "CPU-sized"):
        assert phrase in text
    settings["reference_latent_dim"] = None  # no reference net
    assert "reference_median_loss" not in run_circle_square(tmp_path, verbose=0,
                                                            settings=settings)


# --------------------------------------------------------------------------- #
# Reproductions.  Every threshold below holds with a wide margin on the seeds
# measured (numbers in the comments); only seed 0 runs here.
# --------------------------------------------------------------------------- #

ADAM = dict(optimizer="adam", learning_rate=3e-3, batch_size=64)


@pytest.mark.slow
def test_s4_breaks_at_a_single_point():
    # 4000 points, 200 Adam epochs, seeds 0, 1, 2, 6, 14, 15: worst/median 1.0e3-3.7e3,
    # Spearman -0.27 to -0.59, spread 0.21-0.26; seeds 0, 1, 6: near/far 25-140
    rng = np.random.RandomState(0)
    X_train, X_test = (make_sphere(4000, n_dim=4, random_state=rng)[0] for _ in range(2))
    detector = dict(latent_dim=4, hidden_layer_sizes=(64, 64), optimizer="adam",
                    learning_rate=1e-3, batch_size=128, max_epochs=200)
    _, errors = fit_and_score(X_train, X_test, detector, random_state=0)
    stats = loss_statistics(X_test, errors[:, 0])
    assert stats["worst_to_median"] > 100  # paper: ~1e5 after 20,000 SGD epochs
    assert stats["spearman"] < 0  # the loss falls with the distance from the worst point
    assert stats["spread"] < 0.5  # the worst points sit together
    assert stats["near_to_far"] > 5  # ... and the loss is high all around them


@pytest.mark.slow
def test_so3_is_not_cured_by_latent_dim_5_but_su2_is_by_4():
    # 3000 points, 80 epochs, seeds 0-2: SO(3) d_l=5 median 0.009-0.016, worst 1.9-5.0,
    # worst/median 190-300; SU(2) d_l=4 median 2e-5-3e-5, worst/median 3.6-5.2
    rng = np.random.RandomState(0)
    detector = dict(hidden_layer_sizes=(64, 64), optimizer="adam", learning_rate=1e-3,
                    batch_size=128, max_epochs=80)
    stats = {}
    for name, make, latent_dim in (("so3", make_so3, 5), ("su2", make_su2, 4)):
        X_train, X_test = (make(3000, random_state=rng)[0] for _ in range(2))
        _, errors = fit_and_score(X_train, X_test, dict(detector, latent_dim=latent_dim))
        stats[name] = loss_statistics(X_test, errors[:, 0])
    assert stats["su2"]["worst_to_median"] < 30 and stats["su2"]["worst_loss"] < 1e-2
    assert stats["so3"]["median_loss"] > 30 * stats["su2"]["median_loss"]
    assert stats["so3"]["worst_loss"] > 0.3 and stats["so3"]["worst_to_median"] > 50


@pytest.mark.slow
def test_trefoil_latent_curve_crosses_itself():
    # 400 epochs, seeds 0-3: 3 crossings each, worst/median 390-640
    rng = np.random.RandomState(0)
    X_train, X_test = (make_trefoil(1000, random_state=rng)[0] for _ in range(2))
    model, errors = fit_and_score(X_train, X_test, dict(ADAM, latent_dim=2, max_epochs=400))
    Z = model.transform(make_trefoil(400, sampling="equidistant")[0])
    assert count_self_crossings(Z) >= 1
    assert loss_statistics(X_test, errors[:, 0])["worst_to_median"] > 30


@pytest.mark.slow
def test_clifford_torus_rarely_finds_the_good_minimum():
    # 1500 points, 150 epochs, 4 seeds each for seeds 0-2 (and 24 seeds of the experiment):
    # worst/median 410-1050, never below GOOD_MINIMUM_RATIO
    rng = np.random.RandomState(0)
    X_train, X_test = (make_torus(1500, kind="clifford", random_state=rng)[0] for _ in range(2))
    _, errors = fit_and_score(X_train, X_test, dict(ADAM, latent_dim=3, max_epochs=150),
                              n_seeds=4)
    ratios = errors.max(axis=0) / np.median(errors, axis=0)
    assert np.sum(ratios < GOOD_MINIMUM_RATIO) <= 2  # paper: found "infrequently"


@pytest.mark.slow
def test_circle_with_relu_still_breaks():
    # 300 epochs, seeds 0-2: worst/median 750-1220, worst loss 3.8-3.9
    X_train, _ = make_circle(1000, sampling="equidistant")
    X_test, _ = make_circle(1000, random_state=1)
    _, errors = fit_and_score(X_train, X_test,
                              dict(ADAM, latent_dim=1, activation="relu", max_epochs=300))
    stats = loss_statistics(X_test, errors[:, 0])
    assert stats["worst_to_median"] > 20 and stats["worst_loss"] > 1.0


@pytest.mark.slow
def test_circle_adam_converges_faster_than_sgd():
    # 400 epochs, seeds 0-2: median test loss SGD 0.08-0.19, Adam 0.006-0.013
    X_train, _ = make_circle(1000, sampling="equidistant")
    X_test, _ = make_circle(1000, random_state=1)
    medians = {}
    for name, params in (("adam", ADAM), ("sgd", dict(ADAM, optimizer="sgd",
                                                      learning_rate=1e-2))):
        _, errors = fit_and_score(X_train, X_test, dict(params, latent_dim=1, max_epochs=400))
        medians[name] = np.median(errors)
    assert medians["sgd"] > 3 * medians["adam"]


@pytest.mark.slow
def test_sparse_circle_beta5_fits_training_points_better():
    # 20 points, 5000 full-batch GD epochs at lr 0.05, seeds 0-2: largest training loss
    # tanh 0.15-0.29, beta=5 0.002-0.05
    X_train, _ = make_circle(20, sampling="equidistant")
    X_test, _ = make_circle(200, random_state=1)
    detector = dict(latent_dim=1, optimizer="sgd", learning_rate=0.05, batch_size=20,
                    max_epochs=5000)
    worst = {}
    for beta in (1.0, 5.0):
        model, _ = fit_and_score(X_train, X_test, dict(detector, activation_beta=beta))
        worst[beta] = model.reconstruction_error(X_train).max()
    assert worst[5.0] < worst[1.0] / 2


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0])
def test_circle_latent_2_is_the_identity_on_the_square(seed, tmp_path):
    # 300 Adam epochs (~13 s for both nets), seeds 0-2: median loss on the training circle
    # 2e-7-7e-5, inside (r < 0.9) 3.0e-3-3.3e-3, outside (1.1 < r <= 1.3) 3.6e-3-4.4e-3, corners
    # (r > 1.3) 1.7e-2-2.0e-2; corners/inside 5.4-6.1, outside/inside 1.15-1.48; loss < 1e-2 on
    # 89-98% of the square; on the circle worst/median 3.5-4.5 (d_l = 2), 250-1040 (d_l = 1)
    settings = square_settings()
    settings["detector"]["max_epochs"] = 300
    s = run_circle_square(tmp_path, verbose=0, random_state=seed, settings=settings)
    assert s["train_median_loss"] < s["median_inside"] / 10  # smallest on the training circle
    assert s["median_near"] < s["median_inside"] / 3
    assert 0.3 < s["outside_to_inside"] < 3  # the same order elsewhere in the square ...
    assert s["corners_to_inside"] > 2  # ... except at the corners
    assert np.hypot(*s["worst_point"]) > 1.1
    assert s["fraction_below_level"] > 0.7  # output within 0.1 of the input: ~ the identity
    assert s["circle_worst_to_median"] < 20  # no break point with d_l = 2 ...
    assert s["reference_circle_worst_to_median"] > 50  # ... but one with d_l = 1


def test_progress_counts_the_trainings(tmp_path, caplog):
    """``[k/n] training ...`` before each of the n trainings (issue 9, item 12)."""
    settings = variant_settings()
    settings.update(n_train=50, n_test=100)
    settings["base"]["max_epochs"] = 1
    settings["variants"] = {k: settings["variants"][k] for k in ("ReLU", "SGD")}
    with caplog.at_level("INFO", logger="sktopo.experiments"):
        run_circle_variants(tmp_path, verbose=1, settings=settings)
    steps = [m for m in caplog.messages if m.startswith("[")]
    assert steps == ["[1/2] training ReLU", "[2/2] training SGD"]
