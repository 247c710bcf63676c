"""The transport-vs-VAE reproduction on a tiny sample (the paper's numbers need the full run)."""

import numpy as np
import pytest

from sktopo.experiments import EXPERIMENTS
from sktopo.experiments._transport_study import (
    VAE_SETTINGS,
    latent_emd_correlation,
    representative_scan,
    run_transport_study,
)


def test_registered():
    assert "transport-vs-vae" in EXPERIMENTS and "vae-latent-transport" in EXPERIMENTS


def test_representative_scan_scores_by_nearest_representative():
    # pool on a line; QCD near 0, signal near 10: more representatives, closer QCD
    pool = np.linspace(0.0, 2.0, 9)
    D_pool = np.abs(pool[:, None] - pool[None, :])
    qcd, sig = np.linspace(0.0, 2.0, 20), np.linspace(9.0, 11.0, 20)
    D_test = {"QCD": np.abs(qcd[:, None] - pool), "top": np.abs(sig[:, None] - pool)}
    table = representative_scan(D_pool, D_test, ("top",), (1, 3, 9))
    assert table[("kmedoids", 1)]["indices"] == [4]
    assert table[("kmedoids", 9)]["background"] == pytest.approx(
        np.abs(qcd[:, None] - pool).min(axis=1).mean())
    assert table[("kmedoids", 1)]["background"] > table[("kmedoids", 3)]["background"]
    assert table[("random", 3)]["top"]["auc"] == 1.0


def test_latent_correlation_of_monotone_map():
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(12, 2))
    D = np.linalg.norm(Z[:, None] - Z[None], axis=2)
    out = latent_emd_correlation(Z, D**2)
    assert out["spearman"] == pytest.approx(1.0)
    assert 0.8 < out["pearson"] < 1.0


def test_tiny_run_writes_figures_and_summary(jet_samples, tmp_path):
    from sktopo.jets import JetImages

    images = JetImages().fit(jet_samples["qcd"].constituents)
    samples = {"train": images.transform(jet_samples["qcd"].constituents[:80]),
               "QCD": images.transform(jet_samples["qcd"].constituents[100:120]),
               "top": images.transform(jet_samples["top"].constituents[:20]),
               "W": images.transform(jet_samples["w"].constituents[:20])}
    settings = {"n_train": 80, "n_pool": 12, "n_test": 20, "n_representatives": (2, 5),
                "max_epochs": 1, "vaes": VAE_SETTINGS[:1], "R": 1.0}
    summary = run_transport_study(tmp_path, settings=settings, samples=samples, verbose=0)
    for name in ("roc_transport_vs_vae.png", "representatives.png", "latent_vs_emd.png",
                 "summary.txt"):
        assert (tmp_path / name).stat().st_size > 0
    assert set(summary["transport"]) == {(k, n) for k in ("random", "kmedoids") for n in (2, 5)}
    assert -1 <= summary["correlations"][0]["spearman"] <= 1
    # transport to QCD representatives separates top from QCD even at this size
    assert summary["transport"][("kmedoids", 5)]["top"]["auc"] > 0.6
