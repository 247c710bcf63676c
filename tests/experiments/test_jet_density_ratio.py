"""jet-bump-hunt-density-ratio: window metrics by hand, features, and a tiny run."""

import numpy as np
import pytest
from sklearn.utils import Bunch

from sktopo.experiments import EXPERIMENTS
from sktopo.experiments._jet_data import with_images
from sktopo.experiments._jet_density_ratio import (
    FEATURES,
    jet_density_ratio_settings,
    jet_features,
    run_jet_density_ratio,
    window_metrics,
)


def test_registered():
    assert "jet-bump-hunt-density-ratio" in EXPERIMENTS
    settings = jet_density_ratio_settings()
    assert settings["fractions"] == (1e-3, 1e-2)
    assert settings["window"] == (350.0, 450.0)


def test_window_metrics_by_hand():
    # 100 background scores 0..99, 4 signal scores: 99.5 (above all), 50.5 (above 49)
    y = np.r_[np.zeros(100), np.ones(4)]
    score = np.r_[np.arange(100.0), 99.5, 99.5, 50.5, 50.5]
    out = window_metrics(y, score, min_background=1)
    # AUC: two signals beat all 100, two beat 51 of them
    assert out["auc"] == pytest.approx((2 * 100 + 2 * 51) / 400)
    # best cut: keep the top background event only -> eps_S 0.5, eps_B 0.01 -> SIC 5
    assert out["max_sic"] == pytest.approx(0.5 * np.sqrt(100))
    # at least 49 background events kept: eps_S = 1, eps_B = 0.49 -> SIC 1/0.7
    assert window_metrics(y, score, min_background=49)["max_sic"] == pytest.approx(1 / 0.7)


def test_features_of_jets(jet_samples):
    qcd = with_images(Bunch(**jet_samples["qcd"]))
    F = jet_features(qcd)
    assert F.shape == (qcd.images.shape[0], len(FEATURES))
    np.testing.assert_allclose(F[:, 0], qcd.mass)
    assert np.all((F[:, 1:3] >= 0) & (F[:, 1:3] <= 1.0 + 1e-9))  # N-subjettiness ratios
    assert np.all(F[:, 3] > 0)


@pytest.mark.slow
def test_jet_density_ratio_smoke(tmp_path, jet_samples):
    qcd = with_images(Bunch(**jet_samples["qcd"]))
    glu = with_images(Bunch(**jet_samples["gluino"]))

    def part(b, sl):
        return Bunch(images=b.images[sl], mass=b.mass[sl], constituents=b.constituents[sl])

    samples = {"train": part(qcd, slice(0, 100)), "gluino_train": part(glu, slice(0, 5)),
               "QCD": part(qcd, slice(100, 200)), "gluino": part(glu, slice(5, 100))}
    settings = jet_density_ratio_settings(scale=0.01)
    settings["sizes"].update(train=100, signal_train=1, QCD=100, gluino=95)
    # a wide window keeps enough events on both sides at this size
    settings.update(channels=(2, 2, 2), max_epochs=1, fractions=(0.2,), window=(200.0, 600.0),
                    cv=2, n_permutations=10, flow=dict(max_epochs=2, n_iter_no_change=2))
    summary = run_jet_density_ratio(tmp_path, verbose=0, settings=settings, samples=samples)
    assert (tmp_path / "jet_density_ratio.png").stat().st_size > 0
    res = summary["results"][0.2]
    for name in ("CNN loss", "density ratio (sidebands)", "idealized density ratio"):
        assert 0.0 <= res[name]["auc"] <= 1.0
    assert 0.0 < res["density ratio (sidebands)"]["pvalue"] <= 1.0
    assert "CATHODE" in (tmp_path / "summary.txt").read_text()
