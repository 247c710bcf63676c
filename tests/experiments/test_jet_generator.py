"""jet-generator (arXiv:1808.08992 Fig. 7): fixed-threshold efficiencies and a tiny run."""

import numpy as np
import pytest
from sklearn.utils import Bunch

from sktopo.experiments import EXPERIMENTS
from sktopo.experiments._jet_data import with_images
from sktopo.experiments._jet_generator import (
    PAPER_GENERATOR,
    fixed_threshold_efficiencies,
    jet_generator_settings,
    run_jet_generator,
)


def test_registered_with_paper_numbers():
    assert "jet-generator" in EXPERIMENTS
    assert PAPER_GENERATOR["pythia"] == {"E10": 0.71, "E100": 0.19}
    settings = jet_generator_settings()
    assert settings["other_shower"] == "vincia"
    assert settings["other_sizes"] == {"QCD": 1000, "top": 1000}
    assert jet_generator_settings(full=True)["other_sizes"]["QCD"] == 100_000


def test_fixed_thresholds_by_hand():
    qcd = np.arange(1000.0)
    # the other generator's QCD is shifted up by 5: fewer of it pass below the threshold
    out = fixed_threshold_efficiencies(qcd, qcd + 500, qcd + 5, qcd + 400)
    assert out["E10"]["threshold"] == pytest.approx(899.1)
    assert out["E10"]["eps_S"] == pytest.approx(0.6)
    assert out["E10"]["other_eps_S"] == pytest.approx(0.5)
    assert out["E10"]["other_rejection"] == pytest.approx(0.895)
    assert out["E100"]["threshold"] == pytest.approx(989.01)
    assert out["E100"]["other_rejection"] == pytest.approx(0.985)


@pytest.mark.slow
def test_jet_generator_smoke(tmp_path, jet_samples):
    """Tiny run on the session's jets (the same shower stands in for the other generator)."""
    qcd = with_images(Bunch(**jet_samples["qcd"]))
    top = with_images(Bunch(**jet_samples["top"]))
    samples = {"train": Bunch(images=qcd.images[:120]), "QCD": Bunch(images=qcd.images[120:]),
               "top": Bunch(images=top.images[:100]),
               "other QCD": Bunch(images=qcd.images[120:]),
               "other top": Bunch(images=top.images[100:])}
    settings = jet_generator_settings(scale=0.01)
    settings.update(channels=(4, 4, 4), batch_size=64, max_epochs={"dense": 1, "CNN": 2})
    summary = run_jet_generator(tmp_path, verbose=0, settings=settings, samples=samples)
    assert (tmp_path / "fig7_generator.png").stat().st_size > 0
    text = (tmp_path / "summary.txt").read_text()
    assert "Vincia" in text and "0.71" in text and "0.87" in text
    table = summary["table"]
    for name in ("E10", "E100"):
        row = table[name]
        assert 0.0 <= row["eps_S"] <= 1.0 and 0.0 <= row["other_eps_S"] <= 1.0
    # the same QCD jets on both sides: the rejection is the working point's
    assert table["E10"]["other_rejection"] == pytest.approx(0.9, abs=0.02)
    assert len(summary["checks"]) == 1
