"""Reproductions of arXiv:2102.08380, Sec. 5: sphere, excised sphere, paraboloid, double cone
(also with its equator excised)."""

import matplotlib

matplotlib.use("Agg")

from functools import partial  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sktopo.datasets import make_double_cone, make_sphere  # noqa: E402
from sktopo.experiments._registry import EXPERIMENTS  # noqa: E402
from sktopo.experiments._spheres import (  # noqa: E402
    _equator_band,
    equator_statistics,
    fit_and_evaluate,
    run_double_cone,
    run_excised_double_cone,
    run_excised_sphere,
    run_paraboloid,
    run_sphere,
    seed_statistics,
    sphere_settings,
    tip_statistics,
)
from sktopo.plotting._manifold import longitude_latitude  # noqa: E402

RUNS = {
    "sphere": (run_sphere, "Fig. 6", "fig6_sphere.png"),
    "excised-sphere": (run_excised_sphere, "Fig. 7", "fig7_excised_sphere.png"),
    "paraboloid": (run_paraboloid, "Fig. 8", "fig8_paraboloid.png"),
    "double-cone": (run_double_cone, "Fig. 9", "fig9_double_cone.png"),
    "excised-double-cone": (run_excised_double_cone, "Sec. 5.2", "excised_double_cone.png"),
}


def _settings(n, max_epochs):
    settings = sphere_settings(full=False)
    settings.update(n_train=n, n_test=n)
    settings["detector"]["max_epochs"] = max_epochs
    return settings


@pytest.mark.parametrize("name", RUNS)
def test_registered(name):
    run, figure, _ = RUNS[name]
    assert EXPERIMENTS[name].run is run
    assert figure in EXPERIMENTS[name].paper and "arXiv:2102.08380" in EXPERIMENTS[name].paper


def test_settings():
    cpu, full = sphere_settings(), sphere_settings(full=True)
    for s in (cpu, full):
        assert s["n_train"] == s["n_test"] == 3000
        assert s["detector"]["latent_dim"] == 2
        assert tuple(s["detector"]["hidden_layer_sizes"]) == (64,)
    assert full["detector"] == dict(latent_dim=2, hidden_layer_sizes=(64,), optimizer="sgd",
                                    learning_rate=1e-2, batch_size=64, max_epochs=20_000)
    assert cpu["detector"]["optimizer"] == "adam" and cpu["detector"]["max_epochs"] <= 600


def test_equator_statistics_hand_computed():
    train = np.arange(1.0, 101.0) / 100  # 99% quantile 0.9901
    lon = np.radians([-175.0, -165.0, 5.0, 15.0, 25.0])
    band = np.array([0.5, 0.5, 0.5, 20.0, 0.5])
    stats = equator_statistics(train, band, lon)
    assert stats["median_train_region"] == pytest.approx(0.505)
    assert stats["median_band"] == 0.5
    assert stats["q99_train_region"] == pytest.approx(0.9901)
    assert stats["interpolated_fraction"] == pytest.approx(0.8)
    assert stats["break_arc_degrees"] == 10.0  # one 10-degree bin above 10 x 0.99


def test_tip_statistics_hand_computed():
    z = np.array([-0.975, -0.5, -0.3, 0.3, 0.5, 0.975])
    errors = np.array([3.0, 1.0, 2.0, 100.0, 0.5, 2.0])
    stats = tip_statistics(z, errors, bins=4)  # bins [-1, -.5), [-.5, 0), [0, .5), [.5, 1]
    assert stats["median_tips"] == 2.5 and stats["max_tips"] == 3.0
    assert stats["median_bulk"] == pytest.approx(1.5)
    assert stats["tip_rise_bottom"] == pytest.approx(3.0 / 1.5)  # [3] over min(3, 1.5)
    assert stats["tip_rise_top"] == pytest.approx(1.25 / 1.25)  # median(0.5, 2) is the min


@pytest.mark.slow
@pytest.mark.parametrize("name", RUNS)
def test_run_smoke(name, tmp_path):
    run, _, png = RUNS[name]
    summary = run(tmp_path, verbose=0, random_state=1, settings=_settings(200, 2))
    assert (tmp_path / png).stat().st_size > 0
    text = (tmp_path / "summary.txt").read_text()
    assert "paper:" in text and "CPU-sized" in text
    for key in ("worst_loss", "median_loss", "worst_to_median", "worst_point", "settings"):
        assert key in summary
    assert summary["worst_loss"] >= summary["median_loss"] > 0


def test_equator_band_of_the_double_cone():
    X = _equator_band(500, 0, partial(make_double_cone, sampling="height"))
    assert np.all(np.abs(X[:, 2]) < 0.1) and 400 < X.shape[0] < 600
    np.testing.assert_allclose(np.hypot(X[:, 0], X[:, 1]), 1 - np.abs(X[:, 2]))  # on the cone


def test_excised_double_cone_smoke(tmp_path):
    summary = run_excised_double_cone(tmp_path, verbose=0, random_state=2,
                                      settings=_settings(200, 2))
    assert (tmp_path / "excised_double_cone.png").stat().st_size > 0
    for key in ("worst_z", "worst_abs_z", "worst_in_band", "worst_longitude", "n_band",
                "interpolated_fraction", "break_arc_degrees", "band_to_train_median",
                "tip_rise_bottom", "tip_rise_top", "max_tips"):
        assert key in summary
    assert summary["worst_in_band"] == (summary["worst_abs_z"] < 0.1)
    assert 0 <= summary["break_arc_degrees"] <= 360 and summary["n_band"] > 100
    text = (tmp_path / "summary.txt").read_text()
    assert "break arc" in text and "local maxima at the tips persist" in text


# Reproductions at test size: 1500 points, 300 Adam epochs (~5-20 s per network on one core).
# Measured on seeds 0-4 (CPU, torch 2.13):
#   sphere:          worst/median 571-1840                         (paper ~10^3)
#   excised sphere:  worst/median 701-1900; band points below the training region's 99% loss
#                    quantile 74-100%; the worst point lay in the band on 4 of 5 seeds
#                    (seed 2: |z| = 0.51), so that part is reported, not asserted
#   double cone:     |z_worst| 0.08-0.35; worst/median 397-928; largest tip loss 3.2-5.3 x the
#                    median; binned median at each tip over the lowest of its half 1.33-7.2
#   excised double cone (trained without |z| < 0.1), seeds 0-4: |z_worst| 0.004-0.053;
#                    worst/median 612-1153; band points below the training region's 99% loss
#                    quantile 83-91%; break arc 0-30 of 360 degrees; largest tip loss 2.3-5.7 x
#                    the median, but the tip bins' rise is 1.0 (no local maximum) on seed 0, so
#                    the tips are reported, not asserted (at 3000 points, 400 epochs, seeds 0-2:
#                    rise 1.7-12.7)
#   paraboloid:      8 seeds per run: on the paper's (unscaled) inputs most seeds tear the
#                    surface (worst 5-17 at radius 1.0-2.0, above the excised sphere's 2.6-3.8);
#                    the untorn chart (worst on the rim, > 100 x below the sphere's) was found by
#                    1, 0, 0 of 8 seeds (random_state 0-2; 1 of 8 at 3000 points, 400 epochs).
#                    On standardised inputs by 6, 4, 5 of 8 (6 of 8 at the CPU-sized default):
#                    that count is asserted (>= 2), the unscaled one only reported.
REPRO = _settings(1500, 300)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0])
def test_sphere_has_a_hole(seed):
    fit = fit_and_evaluate(make_sphere(1500, random_state=seed)[0],
                           make_sphere(1500, random_state=seed + 1)[0], REPRO, random_state=seed)
    assert fit.statistics()["worst_to_median"] > 100


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0])
def test_excised_sphere_interpolates_most_of_the_equator(seed):
    X_test, _ = make_sphere(1500, random_state=seed + 1)
    fit = fit_and_evaluate(make_sphere(1500, excise_band=0.1, random_state=seed)[0], X_test,
                           REPRO, random_state=seed)
    X_band = _equator_band(1500, seed + 2)
    lon, _ = longitude_latitude(X_band)
    stats = equator_statistics(fit.errors[np.abs(X_test[:, 2]) >= 0.1],
                               fit.detector.reconstruction_error(X_band), lon)
    assert stats["interpolated_fraction"] > 0.5
    assert fit.statistics()["worst_to_median"] > 100


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0])
def test_double_cone_breaks_in_the_bulk_with_bumps_at_the_tips(seed):
    X_test, t_test = make_double_cone(1500, sampling="height", random_state=seed + 1)
    fit = fit_and_evaluate(make_double_cone(1500, sampling="height", random_state=seed)[0],
                           X_test, REPRO, random_state=seed)
    z = t_test[:, 0]
    median = np.median(fit.errors)
    assert abs(z[fit.worst]) < 0.7  # the global maximum is not at a tip (z = +-1)
    assert fit.errors.max() > 100 * median
    stats = tip_statistics(z, fit.errors)
    assert stats["max_tips"] > 2 * median
    assert stats["tip_rise_bottom"] > 1.0 and stats["tip_rise_top"] > 1.0  # local maxima



@pytest.mark.slow
@pytest.mark.parametrize("seed", [0])
def test_excised_double_cone_breaks_on_the_equator(seed, tmp_path):
    s = run_excised_double_cone(tmp_path, verbose=0, random_state=seed, settings=REPRO)
    assert s["worst_abs_z"] < 0.15  # the break point lies on the (excised) equator ...
    assert s["worst_to_median"] > 100
    assert s["break_arc_degrees"] <= 90  # ... and the rest of the equator is interpolated
    assert s["interpolated_fraction"] > 0.5


def test_seed_statistics_hand_computed():
    # three test points: centre, mid-radius, rim (radius 2)
    X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 1.0], [0.0, 2.0, 4.0]])
    member_errors = np.array([[1e-4, 1e-4, 5.0, 1e-4],
                              [1e-4, 9.0, 1e-4, 1e-4],
                              [1e-3, 1e-4, 1e-4, 0.5]])
    stats = seed_statistics(X, member_errors, reference_worst=10.0)
    assert stats["worst"] == [1e-3, 9.0, 5.0, 0.5]
    assert stats["worst_radius"] == [2.0, 1.0, 0.0, 2.0]
    # seed 0: on the rim and 1e4 x below; seed 3: on the rim but only 20 x below
    assert stats["good"] == [True, False, False, False] and stats["n_good"] == 1
    assert seed_statistics(X, member_errors, 10.0, factor=10.0)["n_good"] == 2


@pytest.mark.slow
def test_paraboloid_untorn_chart_is_found_by_some_seeds(tmp_path):
    """Fig. 8: with standardised inputs most seeds interpolate the centre and break on the rim."""
    s = run_paraboloid(tmp_path, verbose=0, random_state=0, settings=REPRO)
    assert s["n_seeds"] == 8 and len(s["seed_worst"]) == 8
    assert s["n_good_standardized"] >= 2  # 4-6 of 8 on random_state 0-2
    assert 0 <= s["n_good"] <= 8  # 0-1 of 8: reported, not asserted
    assert "seeds finding the untorn chart" in (tmp_path / "summary.txt").read_text()
    assert (tmp_path / "fig8_paraboloid.png").stat().st_size > 0
