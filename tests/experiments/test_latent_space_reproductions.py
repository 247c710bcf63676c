"""The ``topological-latent*`` and ``bump-hunt-sphere-latent`` reproductions at tiny sizes."""

import numpy as np

from sktopo.experiments import EXPERIMENTS
from sktopo.experiments._latent_space import (
    METHODS,
    bump_hunt_latent_settings,
    compare_latent_spaces,
    format_bump_hunt_latent_summary,
    format_latent_summary,
    run_bump_hunt_sphere_latent,
    run_topological_latent,
    topological_latent_settings,
)


def _tiny(settings, n=200, epochs=3):
    for s in settings.values():
        s.update(n_train=n, n_test=n, n_charts=3)
        s["detector"]["max_epochs"] = epochs
    return settings


def test_registered():
    for name in ("topological-latent", "topological-latent-nd", "bump-hunt-sphere-latent"):
        assert name in EXPERIMENTS


def test_settings():
    low = topological_latent_settings()
    assert list(low) == ["circle", "S^2", "double cone", "Clifford torus"]
    assert low["Clifford torus"]["latent_space"] == "torus"
    assert low["circle"]["detector"]["hidden_layer_sizes"] == (64,)
    high = topological_latent_settings(manifolds=("S^5", "phase space"))
    assert high["phase space"]["detector"]["latent_dim"] == 5
    assert high["S^5"]["detector"]["hidden_layer_sizes"] == (64, 64)
    assert topological_latent_settings(full=True)["circle"]["detector"]["max_epochs"] == 20_000


def test_compare_latent_spaces_groups_members():
    rng = np.random.default_rng(0)
    phi = rng.uniform(0, 2 * np.pi, 150)
    X = np.c_[np.cos(phi), np.sin(phi)]
    detector = dict(latent_dim=1, hidden_layer_sizes=(8,), max_epochs=2)
    errors, models = compare_latent_spaces(X, X, detector, "sphere", n_seeds=2, n_charts=3)
    assert set(errors) == set(METHODS)
    assert all(e.shape == (150, 2) for e in errors.values())
    member = models["euclidean"].member_errors(X)
    assert member.shape == (150, 6)
    # seed s: its chart is member 3 s; its ensemble the median of members 3 s .. 3 s + 2
    np.testing.assert_array_equal(errors["euclidean"][:, 1], member[:, 3])
    np.testing.assert_array_equal(errors["ensemble"][:, 1], np.median(member[:, 3:6], axis=1))
    assert models["topological"].module_.latent_space == "sphere"


def test_run_topological_latent(tmp_path):
    settings = _tiny(topological_latent_settings(manifolds=("circle", "Clifford torus")))
    summary = run_topological_latent(tmp_path, verbose=0, settings=settings)
    for name in ("circle", "Clifford torus"):
        for method in METHODS:
            stats = summary["runs"][name][method]
            assert len(stats["worst_to_median"]) == 2
            assert all(r >= 1.0 for r in stats["worst_to_median"])
    for png in ("topological_latent.png", "circle_latent.png"):
        assert (tmp_path / png).stat().st_size > 10_000
    text = (tmp_path / "summary.txt").read_text()
    assert text == format_latent_summary(summary)
    assert "Clifford torus (latent torus)" in text


def test_run_bump_hunt_sphere_latent(tmp_path):
    settings = bump_hunt_latent_settings()
    settings.update(n_train=300, n_test=300, n_signal=300, n_seeds=1)
    settings["detector"]["max_epochs"] = 2
    summary = run_bump_hunt_sphere_latent(tmp_path, verbose=0, settings=settings)
    for space in ("euclidean", "sphere"):
        (run,) = summary["runs"][space]
        assert 0.0 <= run["auc"] <= 1.0
    assert (tmp_path / "bump_hunt_latent.png").stat().st_size > 10_000
    assert (tmp_path / "summary.txt").read_text() == format_bump_hunt_latent_summary(summary)
