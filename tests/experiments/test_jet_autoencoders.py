"""The jet-autoencoders reproduction (arXiv:1808.08992, Table I, Figs. 2-4 and 10)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.utils import Bunch  # noqa: E402

from sktopo.experiments import EXPERIMENTS  # noqa: E402
from sktopo.experiments._jet_autoencoders import (  # noqa: E402
    ARCHITECTURES,
    jet_autoencoder_settings,
    mass_correlation,
    qualitative_checks,
    run_jet_autoencoders,
    table_one,
)
from sktopo.experiments._jet_data import PAPER_TABLE_I, with_images  # noqa: E402


def test_registered():
    exp = EXPERIMENTS["jet-autoencoders"]
    assert exp.run is run_jet_autoencoders
    assert "arXiv:1808.08992" in exp.paper and "Table I" in exp.paper


def test_settings():
    cpu, full = jet_autoencoder_settings(), jet_autoencoder_settings(full=True)
    assert full["sizes"]["train"] == 100_000 and full["sizes"]["gluino"] == 100_000
    assert tuple(full["channels"]) == (128, 128, 128)
    assert full["trainings"] == {"dense": 5, "CNN": 5} and full["batch_size"] == 1024
    assert cpu["sizes"]["train"] < full["sizes"]["train"]
    assert cpu["latent_dim"] == full["latent_dim"] == 6
    assert jet_autoencoder_settings(scale=1e-6)["sizes"]["gluino"] == 50  # at least 50 jets


def _by_process(qcd, top, gluino):
    return {"QCD": np.asarray(qcd, float), "top": np.asarray(top, float),
            "gluino": np.asarray(gluino, float)}


def test_table_one_hand_computed():
    qcd = np.arange(100.0)  # 0..99: E10 cut at score > 89, E100 cut at score > 98
    one = _by_process(qcd[:, None], [[95.0], [50.0], [99.5], [10.0]], [[200.0], [0.0]])
    two = _by_process(np.c_[qcd, qcd], [[95.0, 95.0], [99.5, 0.0]], [[99.0, 98.5], [1, 2]])
    masses = {"QCD": qcd, "top": np.array([1.0, 2.0]), "gluino": np.array([150.0, 90.0])}
    table = table_one({"PCA": one, "dense": two}, masses)
    assert table["PCA"]["top"]["E10"] == 0.5 and table["PCA"]["top"]["E100"] == 0.25
    assert table["PCA"]["top"]["E10_std"] == 0.0
    assert table["PCA"]["gluino"]["E10"] == 0.5 and table["PCA"]["gluino"]["E100"] == 0.5
    # training 1: top 1.0/0.5, training 2: 0.5/0.0
    assert table["dense"]["top"]["E10_members"] == [1.0, 0.5]
    assert table["dense"]["top"]["E10"] == 0.75
    assert table["dense"]["top"]["E100"] == 0.25
    assert table["dense"]["top"]["E10_std"] == pytest.approx(np.std([1.0, 0.5], ddof=1))
    # jet mass row: tops light (no efficiency), gluino 150 passes every cut, 90 passes E10
    assert table["jet mass"]["top"]["E10"] == 0.0
    assert table["jet mass"]["gluino"]["E10"] == 1.0 and table["jet mass"]["gluino"]["E100"] == 0.5
    for arch in table:
        for signal in ("top", "gluino"):
            assert 0.0 <= table[arch][signal]["auc"] <= 1.0


def test_mass_correlation_profile_and_heavy_jets():
    rng = np.random.default_rng(0)
    mass = rng.gamma(3.0, 40.0, size=4000)
    tracking = mass_correlation(np.exp(mass / 100.0), mass)  # loss a monotone function of mass
    assert tracking["spearman"] == pytest.approx(1.0)
    assert tracking["spearman_heavy"] == pytest.approx(1.0)
    assert tracking["n_heavy"] == int(np.sum(mass > 250.0))
    summary = tracking["sculpting"].summary
    assert np.all(np.diff(summary["mean"]) > 0)  # harder cuts select heavier jets
    blind = mass_correlation(rng.lognormal(size=mass.size), mass)
    assert abs(blind["spearman"]) < 0.1
    assert np.all(blind["sculpting"].summary["ks_statistic"][:2] < 0.1)


def _row(e10, e100, auc=0.8):
    return {"E10": e10, "E100": e100, "auc": auc}


def test_qualitative_checks_follow_the_numbers():
    table = {"PCA": {"top": _row(0.5, 0.04), "gluino": _row(0.9, 0.4)},
             "dense": {"top": _row(0.6, 0.1), "gluino": _row(0.9, 0.4)},
             "CNN": {"top": _row(0.7, 0.2), "gluino": _row(0.7, 0.2)}}
    corr = {"PCA": {"spearman": 0.9, "spearman_heavy": 0.6},
            "dense": {"spearman": 0.8, "spearman_heavy": 0.5},
            "CNN": {"spearman": 0.6, "spearman_heavy": 0.0}}
    checks = qualitative_checks(table, corr, {"mean_abs_difference": 0.01})
    assert all(ok for ok, _ in checks.values())
    table["CNN"]["top"] = _row(0.4, 0.2)
    table["PCA"]["gluino"] = _row(0.05, 0.4, auc=0.6)
    corr["CNN"]["spearman_heavy"] = 0.5
    checks = qualitative_checks(table, corr, {"mean_abs_difference": 0.2})
    assert not any(ok for ok, _ in checks.values())
    assert all(isinstance(evidence, str) for _, evidence in checks.values())


@pytest.mark.slow
def test_jet_autoencoders_smoke(tmp_path, jet_samples):
    """Tiny run on the session's Pythia jets: structure and robust facts only."""
    qcd = with_images(Bunch(**jet_samples["qcd"]))
    n_train = 120
    samples = {
        "train": Bunch(images=qcd.images[:n_train], mass=qcd.mass[:n_train]),
        "QCD": Bunch(images=qcd.images[n_train:], mass=qcd.mass[n_train:]),
        "top": with_images(Bunch(**jet_samples["top"])),
        "gluino": with_images(Bunch(**jet_samples["gluino"])),
    }
    settings = jet_autoencoder_settings(scale=0.01)
    settings.update(channels=(4, 4, 4), trainings={"dense": 2, "CNN": 2}, batch_size=64,
                    max_epochs={"dense": 2, "CNN": 1})
    summary = run_jet_autoencoders(tmp_path, verbose=0, random_state=0, settings=settings,
                                   samples=samples)
    for name in ("fig2_loss.png", "fig3_images.png", "fig4_roc.png", "fig10_mass.png",
                 "summary.txt"):
        assert (tmp_path / name).stat().st_size > 0
    assert summary["sizes"] == {"train": 120, "QCD": 80, "top": 200, "gluino": 100}
    table = summary["table"]
    assert set(table) == {*ARCHITECTURES, "jet mass"}
    for arch, row in table.items():
        for signal in ("top", "gluino"):
            assert 0.0 <= row[signal]["E100"] <= row[signal]["E10"] <= 1.0
            n = 1 if arch in ("PCA", "jet mass") else 2
            assert len(row[signal]["E10_members"]) == n
    # PCA and the jet mass tell tops and gluinos from QCD, even at this size
    for arch in ("PCA", "jet mass"):
        assert table[arch]["top"]["auc"] > 0.5 and table[arch]["gluino"]["auc"] > 0.5
    assert len(summary["checks"]) == 5
    assert summary["paper"] == PAPER_TABLE_I
    text = (tmp_path / "summary.txt").read_text()
    for phrase in ("Table I", "0.51/0.04", "0.77/0.23", "jet mass", "CPU-sized", "Spearman"):
        assert phrase in text
