"""complexity-bias (arXiv:2104.09051, arXiv:2206.14225): settings, checks, stand-ins, a tiny run."""

import json

import numpy as np
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.utils import Bunch

from sktopo.detectors import (
    AutoencoderDetector,
    ConvAutoencoderDetector,
    NormalizedAutoencoderDetector,
    PCADetector,
    TransportDetector,
    VAEDetector,
)
from sktopo.experiments import EXPERIMENTS
from sktopo.experiments._complexity_bias import (
    DIRECTIONS,
    complexity_bias_checks,
    complexity_bias_settings,
    run_complexity_bias,
)
from sktopo.experiments._jet_data import with_images

NAMES = ("PCA", "dense AE", "CNN AE", "VAE", "transport", "NAE")


def test_registered():
    exp = EXPERIMENTS["complexity-bias"]
    assert exp.run is run_complexity_bias
    assert "arXiv:2104.09051" in exp.paper and "arXiv:2206.14225" in exp.paper
    assert exp.runtime and exp.full_runtime


def test_settings():
    s = complexity_bias_settings()
    assert s["sizes"] == {"train QCD": 2000, "train top": 2000, "QCD": 1000, "top": 1000,
                          "W": 500, "gluino": 200}
    assert s["n_seeds"] == 2 and tuple(s["detectors"]) == NAMES
    classes = (PCADetector, AutoencoderDetector, ConvAutoencoderDetector, VAEDetector,
               TransportDetector, NormalizedAutoencoderDetector)
    for (name, det), cls in zip(s["detectors"].items(), classes):
        assert type(det) is cls, name
    dense = s["detectors"]["dense AE"].get_params()
    assert dense["latent_dim"] == 16 and tuple(dense["hidden_layer_sizes"]) == (256, 64)
    assert dense["optimizer"] == "adam" and dense["max_epochs"] == 100
    vae = s["detectors"]["VAE"].get_params()
    assert (vae["latent_dim"], vae["beta"], vae["output_activation"]) == (6, 1e-3, "softmax")
    assert vae["score_type"] == "elbo"  # its default score
    assert s["detectors"]["PCA"].n_components == 16
    # the NAE exactly as its class makes it
    assert (s["detectors"]["NAE"].get_params()
            == NormalizedAutoencoderDetector().get_params())
    full = complexity_bias_settings(full=True)
    assert set(full["sizes"].values()) == {100_000}
    small = complexity_bias_settings(scale=0.25)["sizes"]
    assert small["train QCD"] == 500 and small["gluino"] == 50
    assert complexity_bias_settings(scale=1e-6)["sizes"]["W"] == 50  # at least 50 jets
    # templates: a fresh settings call gives unfitted, independent estimators
    assert clone(s["detectors"]["NAE"]).get_params() == s["detectors"]["NAE"].get_params()


def _fom(values):
    return {"AUC": {"mean": float(np.mean(values)), "seeds": list(values)},
            "E10": {"mean": 0.5, "seeds": [0.5] * len(values)},
            "E100": {"mean": 0.1, "seeds": [0.1] * len(values)}}


def _results(qcd_trained, top_trained):
    """``results`` with the given (per-seed) top AUC trained on QCD and QCD AUC trained on top."""
    return {name: {"QCD": {"top": _fom(qcd_trained[name])},
                   "top": {"QCD": _fom(top_trained[name])}} for name in qcd_trained}


def test_checks_follow_the_numbers():
    qcd = {"PCA": (0.88, 0.88), "dense AE": (0.90, 0.91), "CNN AE": (0.89, 0.88),
           "VAE": (0.86, 0.87), "NAE": (0.93, 0.92)}
    top = {"PCA": (0.25, 0.25), "dense AE": (0.30, 0.32), "CNN AE": (0.27, 0.26),
           "VAE": (0.25, 0.24), "NAE": (0.84, 0.85)}
    checks = complexity_bias_checks(_results(qcd, top))
    assert len(checks) == 5 and all(c["holds"] for c in checks)
    assert all(isinstance(c["evidence"], str) and c["evidence"] for c in checks)
    assert "0.84/0.85" in checks[3]["evidence"]
    # one seed of the dense AE not inverted; the NAE only 0.1 above it; the NAE trained on
    # QCD at 0.74 on average, below 0.5 on one seed, and not better than the CNN AE
    top.update({"dense AE": (0.30, 0.55), "NAE": (0.53, 0.52)})
    qcd.update({"NAE": (0.49, 0.99)})
    checks = complexity_bias_checks(_results(qcd, top))
    assert [c["holds"] for c in checks] == [False, False, False, False, False]
    # "better than every autoencoder" is strict
    qcd.update({"NAE": qcd["dense AE"]})
    assert not complexity_bias_checks(_results(qcd, top))[4]["holds"]


class _LitPixels(BaseEstimator):
    """Stand-in for a reconstruction error: the number of lit pixels (a complexity)."""

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, X):
        self.center_ = float((X > 0).sum(axis=1).mean())
        return self

    def anomaly_score(self, X):
        return (X > 0).sum(axis=1).astype(float)


class _Distance(_LitPixels):
    """Stand-in for a density: distance of the lit-pixel count to the training mean."""

    def anomaly_score(self, X):
        return np.abs(super().anomaly_score(X) - self.center_)


def _images(counts, n_pixels=16):
    """One image per count ``k``: the first ``k`` pixels lit equally (unit sum)."""
    X = np.zeros((len(counts), n_pixels))
    for i, k in enumerate(counts):
        X[i, :k] = 1.0 / k
    return X


def test_run_with_stand_ins_hand_computed(tmp_path):
    """Lit-pixel scores: QCD has 1-2 lit pixels, top 3-4; every number known by hand."""
    qcd, top = _images([1, 2] * 10), _images([3, 4] * 10)
    samples = {"train QCD": Bunch(images=qcd), "train top": Bunch(images=top),
               "QCD": Bunch(images=qcd), "top": Bunch(images=top),
               "W": Bunch(images=_images([2, 3] * 10)), "gluino": Bunch(images=top[:12])}
    settings = {"sizes": None, "n_seeds": 2,
                "detectors": {"PCA": _LitPixels(), "dense AE": _LitPixels(),
                              "NAE": _Distance()}}
    summary = run_complexity_bias(tmp_path, verbose=0, random_state=7, settings=settings,
                                  samples=samples)
    res = summary["results"]
    assert summary["seeds"] == [7, 8]
    # trained on QCD the lit pixels flag top (all above QCD): AUC, E10, E100 = 1
    assert res["dense AE"]["QCD"]["top"]["AUC"] == {"mean": 1.0, "seeds": [1.0, 1.0]}
    assert res["dense AE"]["QCD"]["top"]["E100"]["mean"] == 1.0
    # W: a 2 beats the ten 1s and ties the ten 2s (half each), a 3 beats all twenty QCD:
    # (10 * (10 + 10 * 0.5) + 10 * 20) / (20 * 20)
    assert res["dense AE"]["QCD"]["W"]["AUC"]["mean"] == pytest.approx(0.875)
    # trained on top, QCD is *more* normal than top: AUC 0
    assert res["dense AE"]["top"]["QCD"]["AUC"]["seeds"] == [0.0, 0.0]
    # the distance flags both ways
    assert res["NAE"]["QCD"]["top"]["AUC"]["mean"] == res["NAE"]["top"]["QCD"]["AUC"]["mean"] == 1
    checks = [c["holds"] for c in summary["checks"]]
    assert checks == [True, True, True, True, False]  # the NAE ties the AEs: not better
    # complexity_check: the lit-pixel score *is* a complexity (rho = 1, warns, not issued);
    # the distance is constant on the training class's jets (rho undefined)
    comp = summary["complexity"]
    assert comp["PCA"]["QCD"]["correlations"]["lit_pixels"] == pytest.approx(1.0)
    assert comp["PCA"]["top"]["n_warn"] == 2
    assert np.isnan(comp["NAE"]["QCD"]["correlations"]["lit_pixels"])
    assert comp["NAE"]["top"]["n_warn"] == 0
    assert set(summary["seconds"]["detectors"]) == {"PCA", "dense AE", "NAE"}
    record = json.loads((tmp_path / "summary.json").read_text())
    assert record["reproduction"] == "complexity-bias" and record["seed"] == 7
    assert record["summary"]["complexity"]["NAE"]["QCD"]["correlations"]["entropy"] == "nan"
    text = (tmp_path / "summary.txt").read_text()
    assert "2 of 2 seeds" in text and "[NO ] NAE better than every autoencoder" in text
    assert (tmp_path / "complexity_bias.png").read_bytes()[:4] == b"\x89PNG"


def test_required_detectors(tmp_path):
    settings = {"sizes": None, "n_seeds": 1, "detectors": {"PCA": _LitPixels()}}
    with pytest.raises(ValueError, match="dense AE"):
        run_complexity_bias(tmp_path, verbose=0, settings=settings, samples={})
    assert not (tmp_path / "summary.txt").exists()


def test_interrupted_run_writes_no_summary(tmp_path, monkeypatch):
    from sktopo.experiments import _registry

    qcd, top = _images([1, 2] * 10), _images([3, 4] * 10)
    samples = {"train QCD": Bunch(images=qcd), "train top": Bunch(images=top),
               "QCD": Bunch(images=qcd), "top": Bunch(images=top), "W": Bunch(images=qcd),
               "gluino": Bunch(images=top)}
    settings = {"sizes": None, "n_seeds": 1,
                "detectors": {"PCA": _LitPixels(), "dense AE": _LitPixels(),
                              "NAE": _Distance()}}
    monkeypatch.setitem(_registry._interrupt, "requested", True)
    with pytest.raises(KeyboardInterrupt):
        run_complexity_bias(tmp_path, verbose=0, settings=settings, samples=samples)
    assert not (tmp_path / "summary.txt").exists()
    assert not (tmp_path / "summary.json").exists()


@pytest.mark.slow
def test_complexity_bias_smoke(tmp_path, jet_samples):
    """Tiny run on the session's Pythia jets: every file, every number in range."""
    qcd = with_images(Bunch(**jet_samples["qcd"]))
    top = with_images(Bunch(**jet_samples["top"]))

    def part(data, rows):
        return Bunch(images=data.images[rows], constituents=data.constituents[rows])

    n = 120
    samples = {"train QCD": part(qcd, slice(None, n)), "train top": part(top, slice(None, n)),
               "QCD": part(qcd, slice(n, None)), "top": part(top, slice(n, None)),
               "W": with_images(Bunch(**jet_samples["w"])),
               "gluino": with_images(Bunch(**jet_samples["gluino"]))}
    settings = complexity_bias_settings(scale=0.01)
    d = settings["detectors"]
    tiny = dict(max_epochs=2, n_threads=1)
    d["dense AE"].set_params(hidden_layer_sizes=(16,), latent_dim=4, **tiny)
    d["CNN AE"].set_params(channels=(2, 2, 2), latent_dim=4, **tiny)
    d["VAE"].set_params(hidden_layer_sizes=(8,), **tiny)
    d["transport"].set_params(n_representatives=4)
    d["NAE"].set_params(hidden_layer_sizes=(16,), latent_dim=4, nae_epochs=1, latent_steps=2,
                        data_steps=2, buffer_size=64, **tiny)
    summary = run_complexity_bias(tmp_path, verbose=0, random_state=3, settings=settings,
                                  samples=samples, n_threads=1)
    for name in ("complexity_bias.png", "summary.json", "summary.txt"):
        assert (tmp_path / name).stat().st_size > 0
    assert summary["seeds"] == [3, 4]
    assert summary["settings"]["sizes"] == {"train QCD": 120, "train top": 120, "QCD": 80,
                                            "top": 80, "W": 200, "gluino": 100}
    res = summary["results"]
    assert tuple(res) == NAMES
    for name in NAMES:
        assert set(res[name]) == set(DIRECTIONS)
        for trained_on, anomalies in DIRECTIONS.items():
            assert tuple(res[name][trained_on]) == anomalies
            for row in res[name][trained_on].values():
                for fom in ("AUC", "E10", "E100"):
                    assert len(row[fom]["seeds"]) == 2
                    assert all(0.0 <= v <= 1.0 for v in row[fom]["seeds"]), (name, fom)
                    assert row[fom]["mean"] == pytest.approx(np.mean(row[fom]["seeds"]))
                assert row["E100"]["mean"] <= row["E10"]["mean"]
            comp = summary["complexity"][name][trained_on]
            assert len(comp["seeds"]) == 2 and 0 <= comp["n_warn"] <= 2
            assert set(comp["correlations"]) == {"multiplicity", "lit_pixels", "entropy"}
            for rho in comp["correlations"].values():
                assert np.isnan(rho) or -1.0 <= rho <= 1.0
    # PCA's reconstruction error is Finke et al.'s inversion even at this size
    assert res["PCA"]["top"]["QCD"]["AUC"]["mean"] < 0.5 < res["PCA"]["QCD"]["top"]["AUC"]["mean"]
    assert len(summary["checks"]) == 5
    assert all(t >= 0.0 for t in summary["seconds"]["detectors"].values())
    record = json.loads((tmp_path / "summary.json").read_text())
    assert set(record["summary"]["results"]["NAE"]) == {"QCD", "top"}
    text = (tmp_path / "summary.txt").read_text()
    for phrase in ("trained on", "gluino", "complexity_check", "NAE", "seed 3, 4",
                   "Finke et al.'s inversion"):
        assert phrase in text
