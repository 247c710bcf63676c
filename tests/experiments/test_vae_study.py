"""vae-hyperparameters (arXiv:2110.06948 Sec. 3): figures of merit, best cells and a tiny run."""

import numpy as np
import pytest
from sklearn.utils import Bunch

from sktopo.experiments import EXPERIMENTS
from sktopo.experiments._jet_data import with_images
from sktopo.experiments._vae_study import (
    _sensitivity,
    best_cells,
    figures_of_merit,
    run_vae_hyperparameters,
    vae_study_settings,
)


def test_settings():
    s = vae_study_settings()
    assert s["sizes"] == {"train": 10_000, "QCD": 5_000, "top": 5_000, "W": 5_000}
    assert s["betas"][0] == 0.0 and s["reconstructions"] == ("mse", "cross_entropy")
    assert vae_study_settings(full=True)["sizes"]["train"] == 100_000


def test_registered():
    assert "vae-hyperparameters" in EXPERIMENTS


def test_figures_of_merit_by_hand():
    qcd = np.arange(100.0)
    signal = np.r_[np.full(50, 95.5), np.full(50, 99.5)]
    out = figures_of_merit(qcd, signal)
    # E10: cut above the 10th-highest QCD score (89): every signal passes;
    # E100: cut above 98: half of the signal passes
    assert out["E10"] == 1.0 and out["E100"] == 0.5
    # 95.5 beats 96 QCD scores, 99.5 all 100
    assert out["AUC"] == pytest.approx((50 * 96 + 50 * 100) / 100 / 100)


def test_best_cells_picks_the_maximum():
    settings = dict(score_type="kl", reconstructions=("mse",), latent_dims=(2, 6),
                    betas=(0.0, 1.0))
    values = {(2, 0.0): 0.6, (2, 1.0): 0.9, (6, 0.0): 0.7, (6, 1.0): 0.5}
    results = {"kl": {"mse": {L: {b: {sig: {f: (values[L, b] if sig == "top"
                                                 else 1.5 - values[L, b], 0.0)
                                            for f in ("AUC", "E10", "E100")}
                                       for sig in ("top", "W")}
                                  for b in (0.0, 1.0)} for L in (2, 6)}}}
    best = best_cells(results, settings)
    assert best["top", "AUC"] == ("mse", 2, 1.0, 0.9)
    assert best["W", "AUC"] == ("mse", 6, 1.0, 1.0)


@pytest.mark.slow
def test_vae_study_smoke(tmp_path, jet_samples):
    """Tiny run on the session's jets: every figure, every number in range."""
    qcd = with_images(Bunch(**jet_samples["qcd"]))
    samples = {"train": Bunch(images=qcd.images[:120]), "QCD": Bunch(images=qcd.images[120:]),
               "top": with_images(Bunch(**jet_samples["top"])),
               "W": with_images(Bunch(**jet_samples["w"]))}
    settings = vae_study_settings(scale=0.01)
    settings.update(latent_dims=(2, 3), betas=(0.0, 0.1), n_seeds=2,
                    network=dict(settings["network"], hidden_layer_sizes=(8,), max_epochs=2,
                                 batch_size=64))
    summary = run_vae_hyperparameters(tmp_path, verbose=0, settings=settings, samples=samples)
    for name in ("heatmap_auc", "heatmap_e10", "heatmap_e100", "beta_sensitivity"):
        assert (tmp_path / f"{name}.png").stat().st_size > 0
    text = (tmp_path / "summary.txt").read_text()
    assert "best cell per signal" in text and "cross_entropy" in text
    res = summary["results"]
    for score in ("reconstruction", "kl", "elbo", "latent_norm"):
        for rec in ("mse", "cross_entropy"):
            for L in (2, 3):
                for b in (0.0, 0.1):
                    for sig in ("top", "W"):
                        for fom, (mean, std) in res[score][rec][L][b][sig].items():
                            assert 0.0 <= mean <= 1.0 and std >= 0.0, fom
    # with beta = 0 the elbo score is the reconstruction score
    assert res["elbo"]["mse"][2][0.0] == res["reconstruction"]["mse"][2][0.0]
    assert len(summary["checks"]) == 3
    assert (tmp_path / "results.json").stat().st_size > 0
    assert set(summary["references"]) and "image entropy" in text
    # no two positive betas a factor <= 3.5 apart in this grid: no step measured
    assert summary["sensitivity"]["top"][0] == 0.0


def test_sensitivity_only_counts_small_steps():
    settings = dict(reconstructions=("mse",), latent_dims=(2,), betas=(0.0, 0.1, 0.3, 3.0))
    auc = {0.0: 0.9, 0.1: 0.8, 0.3: 0.75, 3.0: 0.2}
    results = {"kl": {"mse": {2: {b: {sig: {"AUC": (auc[b], 0.0)} for sig in ("top", "W")}
                                  for b in auc}}}}
    worst = _sensitivity(results, settings, "kl")
    # 0 -> 0.1 (from zero) and 0.3 -> 3 (a factor 10) are not small changes
    assert worst["top"][0] == pytest.approx(0.05) and worst["top"][3:] == (0.1, 0.3)
