"""The jet-latent-dim and jet-contamination reproductions (arXiv:1808.08992, Figs. 5, 6, 8, 9)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.utils import Bunch  # noqa: E402

from sktopo.experiments import EXPERIMENTS  # noqa: E402
from sktopo.experiments._jet_data import with_images  # noqa: E402
from sktopo.experiments._jet_latent import (  # noqa: E402
    contaminated_training_set,
    contamination_checks,
    contamination_settings,
    latent_dim_settings,
    run_jet_contamination,
    run_jet_latent_dim,
)


def test_registered():
    assert EXPERIMENTS["jet-latent-dim"].run is run_jet_latent_dim
    assert EXPERIMENTS["jet-contamination"].run is run_jet_contamination
    assert "Fig" in EXPERIMENTS["jet-latent-dim"].paper
    assert "arXiv:1808.08992" in EXPERIMENTS["jet-contamination"].paper


def test_settings():
    cpu, full = latent_dim_settings(), latent_dim_settings(full=True)
    assert 6 in cpu["latent_dims"]["dense"] and 6 in cpu["latent_dims"]["CNN"]
    assert full["sizes"]["train"] == 100_000 and full["trainings"] == {"dense": 5, "CNN": 5}
    cont, cont_full = contamination_settings(), contamination_settings(full=True)
    assert cont["fractions"][0] == 0.0 and max(cont["fractions"]) == 0.1
    assert cont["sizes"]["signal_train"] == round(0.1 * cont["sizes"]["train"])
    assert cont_full["sizes"]["signal_train"] == 10_000
    assert cont_full["channels"] == (128, 128, 128)


def test_contaminated_training_set():
    background, signal = np.zeros((50, 3)), np.arange(30.0).reshape(10, 3) + 1
    X, is_signal = contaminated_training_set(background, signal, 0.1, n_train=40,
                                             random_state=1)
    assert X.shape == (40, 3) and is_signal.sum() == 4
    np.testing.assert_array_equal(np.sort(X[is_signal, 0]), [1, 4, 7, 10])  # the first four
    assert np.all(X[~is_signal] == 0)
    assert not np.all(is_signal[-4:])  # shuffled
    X0, s0 = contaminated_training_set(background, signal, 0.0, n_train=40)
    assert s0.sum() == 0 and X0.shape == (40, 3)
    with pytest.raises(ValueError, match="signal"):
        contaminated_training_set(background, signal, 0.5, n_train=40)


def test_contamination_checks_follow_the_numbers():
    def curve(e10, e100):
        return {"x": [0.0, 0.05, 0.1], "E10_mean": e10, "E100_mean": e100}

    curves = {"top": {"PCA": curve([0.5, 0.45, 0.4], [0.05, 0.04, 0.04])},
              "gluino": {"CNN": curve([0.8, 0.75, 0.7], [0.2, 0.15, 0.1])}}
    checks = contamination_checks(curves)
    assert len(checks) == 3 and all(ok for ok, _ in checks.values())
    curves["top"]["PCA"]["E10_mean"][-1] = 0.1  # -80 %: dramatic
    curves["gluino"]["CNN"]["E10_mean"][-1] = 0.2
    checks = contamination_checks(curves)
    assert not any(ok for name, (ok, _) in checks.items() if "E100 ~ 0.1" not in name)


def _samples(jet_samples):
    qcd = with_images(Bunch(**jet_samples["qcd"]))
    top = with_images(Bunch(**jet_samples["top"]))
    gluino = with_images(Bunch(**jet_samples["gluino"]))

    def part(b, sl):
        return Bunch(images=b.images[sl], mass=b.mass[sl])

    return {"train": part(qcd, slice(0, 120)), "QCD": part(qcd, slice(120, None)),
            "top": part(top, slice(0, 150)), "gluino": part(gluino, slice(0, 80)),
            "top_train": part(top, slice(150, None)), "gluino_train": part(gluino, slice(80, None))}


def _tiny(settings):
    settings.update(channels=(2, 2, 2), trainings={"dense": 2, "CNN": 1}, batch_size=64,
                    max_epochs={"dense": 2, "CNN": 1})
    return settings


@pytest.mark.slow
def test_jet_latent_dim_smoke(tmp_path, jet_samples):
    """Tiny run on the session's Pythia jets: structure and robust facts only."""
    samples = _samples(jet_samples)
    settings = _tiny(latent_dim_settings(scale=0.01))
    settings.update(latent_dims={"PCA": (1, 2, 4, 8), "dense": (2, 6), "CNN": (6,)}, n_scree=10)
    summary = run_jet_latent_dim(tmp_path, verbose=0, settings=settings, samples=samples)
    for name in ("fig5_latent_dim.png", "fig6_top_efficiency.png", "summary.txt"):
        assert (tmp_path / name).stat().st_size > 0
    assert summary["sizes"] == {"train": 120, "QCD": 80, "top": 150}
    ratio = np.asarray(summary["scree"]["ratio"])
    assert ratio.size == 10 and np.all(np.diff(ratio) <= 1e-12) and ratio.sum() <= 1 + 1e-9
    results = summary["results"]
    assert results["PCA"]["k"] == [1, 2, 4, 8] and results["CNN"]["k"] == [6]
    # PCA subspaces are nested: projecting on more components never leaves a larger
    # residual, on any jet (up to the randomized SVD's precision)
    pca_loss = np.asarray(results["PCA"]["loss_mean"])
    assert np.all(np.diff(pca_loss) <= 1e-3 * pca_loss[:-1])
    assert pca_loss[-1] < pca_loss[0]
    for r in results.values():
        for key in ("E10_mean", "E100_mean", "auc_mean"):
            assert all(0.0 <= v <= 1.0 for v in r[key])
        assert all(e100 <= e10 for e10, e100 in zip(r["E10_mean"], r["E100_mean"]))
    assert len(results["dense"]["loss_std"]) == 2
    assert [len(m) for m in results["dense"]["loss_members"]] == [2, 2]  # two trainings
    assert np.mean(results["dense"]["loss_members"][0]) == pytest.approx(
        results["dense"]["loss_mean"][0])
    assert len(summary["checks"]) == 3
    text = (tmp_path / "summary.txt").read_text()
    for phrase in ("Fig. 5", "Fig. 6", "scree", "CPU-sized", "0.51/0.04"):
        assert phrase in text


@pytest.mark.slow
def test_jet_contamination_smoke(tmp_path, jet_samples):
    samples = _samples(jet_samples)
    settings = _tiny(contamination_settings(scale=0.01))
    settings["sizes"]["train"] = 100
    settings.update(fractions=(0.0, 0.2), cnn_runs={"gluino": (0.0, 0.2)})
    summary = run_jet_contamination(tmp_path, verbose=0, settings=settings, samples=samples)
    for name in ("fig8_top_contamination.png", "fig8b_gluino_contamination.png",
                 "fig9_gluino_roc.png", "summary.txt"):
        assert (tmp_path / name).stat().st_size > 0
    curves = summary["curves"]
    assert set(curves["top"]) == {"PCA", "dense"}
    assert set(curves["gluino"]) == {"PCA", "dense", "CNN"}
    for by_arch in curves.values():
        for c in by_arch.values():
            assert c["x"] == [0.0, 0.2]
            for key in ("E10_mean", "E100_mean", "auc_mean"):
                assert all(0.0 <= v <= 1.0 for v in c[key])
    assert len(curves["gluino"]["dense"]["E10_members"][0]) == 2
    assert summary["sizes"]["train"] == 100
    text = (tmp_path / "summary.txt").read_text()
    for phrase in ("Fig. 8", "Fig. 9", "clean test", "CPU-sized"):
        assert phrase in text
