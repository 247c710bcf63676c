"""The density-ratio reproductions: kinematics helpers, metrics, and tiny runs."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sktopo.experiments import EXPERIMENTS  # noqa: E402
from sktopo.experiments._bump_hunt import bump_hunt_settings  # noqa: E402
from sktopo.experiments._density_ratio import (  # noqa: E402
    SPIN1_ANGLE_LIMIT,
    dalitz_features,
    density_ratio_settings,
    max_significance_improvement,
    run_density_ratio_bump_hunt,
    run_density_ratio_calibration,
    run_density_ratio_spin,
    sample_signal,
)
from sktopo.physics import PhaseSpaceSampler  # noqa: E402


def _tiny():
    s = density_ratio_settings()
    s.update(n_background=3000, n_reference=3000, n_test=3000, n_test_signal=1000,
             fractions=(0.03,), cv=2, n_permutations=20, n_toys=3, toy_size=300,
             toy_permutations=10, refit_toys=2, refit_toy_size=150, refit_permutations=3,
             spin_fraction=0.05, autoencoder=False,
             flow=dict(transforms=1, hidden_layer_sizes=(8,), max_epochs=2, batch_size=512))
    return s


def test_registered():
    for name, func in [("density-ratio-bump-hunt", run_density_ratio_bump_hunt),
                       ("density-ratio-calibration", run_density_ratio_calibration),
                       ("density-ratio-spin", run_density_ratio_spin)]:
        assert EXPERIMENTS[name].run is func
        assert EXPERIMENTS[name].runtime


def test_dalitz_features_hand_computed():
    # p1 = (1/2, 0, 0, 1/2), p2 = p3 = (1/4, 0, 0, -1/4): s_12 = s_13 = 1/2, s_23 = 0
    X = np.array([[0.5, 0, 0, 0.5, 0.25, 0, 0, -0.25, 0.25, 0, 0, -0.25]])
    np.testing.assert_allclose(dalitz_features(X), [[0.5, 1.0]])
    F = dalitz_features(PhaseSpaceSampler(random_state=0).fit().sample(2000))
    assert np.all(np.abs(F[:, 1]) <= 1 + 1e-12)
    # phase space is flat in (s_12, cos_theta) up to the Jacobian (1 - s_12): cos uniform
    assert abs(np.mean(F[:, 1])) < 0.05 and abs(np.mean(F[:, 1] ** 2) - 1 / 3) < 0.03
    assert abs(np.mean(F[:, 0]) - 1 / 3) < 0.02  # s_12 ~ 2 (1 - s) on [0, 1]


def test_spin_one_signal_has_cos_squared_decay_angle():
    sampler = PhaseSpaceSampler(random_state=0).fit()
    spin0 = dalitz_features(sample_signal(sampler, 3000, spin=0))
    spin1 = dalitz_features(sample_signal(sampler, 3000, spin=1, rng=0))
    np.testing.assert_allclose(spin1[:, 0], 0.25)
    assert abs(np.mean(spin0[:, 1] ** 2) - 1 / 3) < 0.02
    assert abs(np.mean(spin1[:, 1] ** 2) - 3 / 5) < 0.02  # <cos^2> under (3/2) cos^2


def test_spin1_angle_limit():
    t = np.linspace(0, 0.999, 100_001)
    assert np.max((1 - t**3) / np.sqrt(1 - t)) == pytest.approx(SPIN1_ANGLE_LIMIT, abs=1e-3)


def test_max_significance_improvement_hand_computed():
    y = np.r_[np.zeros(400), np.ones(4)]
    score = np.r_[np.arange(400.0), [1000.0, 1001.0, 1002.0, 1003.0]]
    # cuts keeping >= 100 background events: the best keeps 100 (eps_B = 1/4), eps_S = 1
    assert max_significance_improvement(y, score) == pytest.approx(2.0)
    assert max_significance_improvement(y, score, min_background=400) == pytest.approx(1.0)


def test_bump_hunt_tiny(tmp_path):
    s = _tiny()
    s["autoencoder"] = True
    ae = bump_hunt_settings()
    ae.update(n_train=500)
    ae["detector"]["max_epochs"] = 1
    s["autoencoder_settings"] = ae
    summary = run_density_ratio_bump_hunt(tmp_path, settings=s, verbose=0)
    row = summary["table"]["delta"][0.03]
    assert set(row) >= {"density ratio", "idealized", "window cut", "autoencoder"}
    assert row["density ratio"]["auc"] > 0.8  # 3 % of a delta line is easy
    assert 0 < row["density ratio"]["p_likelihood_ratio"] <= 1
    assert (tmp_path / "sic.png").exists() and (tmp_path / "summary.txt").exists()


def test_calibration_tiny(tmp_path):
    summary = run_density_ratio_calibration(tmp_path, settings=_tiny(), verbose=0)
    assert len(summary["pvalues"]["fold", "auc"]) == 3
    assert len(summary["pvalues"]["refit", "likelihood_ratio"]) == 2
    assert sum(summary["flagged_by_s12"]) == pytest.approx(sum(summary["expected_by_s12"]))
    assert "KS test" in (tmp_path / "summary.txt").read_text()


def test_spin_tiny(tmp_path):
    summary = run_density_ratio_spin(tmp_path, settings=_tiny(), verbose=0)
    assert set(summary["table"]) == {0, 1}
    for spin in (0, 1):
        assert summary["table"][spin]["window cut"]["auc"] > 0.9
        assert summary["sideband_ratio"][spin] > 0
    assert (tmp_path / "spin.png").exists()
