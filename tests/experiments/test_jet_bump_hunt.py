"""jet-bump-hunt (arXiv:1808.08992 Fig. 11): S/B and significance by hand, and a tiny run."""

import numpy as np
import pytest
from sklearn.utils import Bunch

from sktopo.experiments import EXPERIMENTS
from sktopo.experiments._jet_bump_hunt import (
    PAPER_BUMP_HUNT,
    bump_hunt_table,
    jet_bump_hunt_settings,
    poisson_interval,
    run_jet_bump_hunt,
)
from sktopo.experiments._jet_data import with_images


def test_registered_with_paper_numbers():
    assert "jet-bump-hunt" in EXPERIMENTS
    assert PAPER_BUMP_HUNT["S/B before"] == 0.04 and PAPER_BUMP_HUNT["S/B after"] == 0.25
    settings = jet_bump_hunt_settings()
    assert settings["sizes"]["signal_train"] == 10  # 1e-3 of 10,000 training jets
    assert settings["rejections"][-1] == 1000
    assert jet_bump_hunt_settings(full=True)["channels"] == (128, 128, 128)


def test_table_by_hand():
    # 1000 QCD jets, half of them in the window; loss = index, so the cut at
    # rejection 10 keeps the 100 highest losses, 50 of them in the window.
    loss_b = np.arange(1000.0)
    mass_b = np.where(np.arange(1000) % 2 == 0, 400.0, 100.0)
    # 20 gluinos, all in the window; 10 pass any cut (loss 5000), 10 never (loss -1).
    loss_s = np.r_[np.full(10, 5000.0), np.full(10, -1.0)]
    mass_s = np.full(20, 400.0)
    before, after = bump_hunt_table(loss_b, mass_b, loss_s, mass_s, signal_fraction=0.01,
                                    rejections=(10,))
    # signal weight = 0.01 * 1000 / 20 = 0.5 per jet: S = 10 in the window of 500 QCD
    assert before["s_over_b"] == pytest.approx(10 / 500)
    assert before["significance"] == pytest.approx(1.0)
    assert after["eps_B"] == pytest.approx(0.1) and after["eps_S"] == pytest.approx(0.5)
    assert after["significance"] == pytest.approx(0.5 / np.sqrt(0.1))
    assert after["n_qcd_window"] == 50
    assert after["s_over_b"] == pytest.approx(5 / 50)
    lo, hi = after["s_over_b_interval"]
    assert lo < after["s_over_b"] < hi
    # S / sqrt(B) in the window: (5 / sqrt(50)) / (10 / sqrt(500))
    assert after["window_significance"] == pytest.approx((5 / np.sqrt(50)) / (10 / np.sqrt(500)))


@pytest.mark.parametrize("n", [0, 1, 5, 50])
def test_poisson_interval_covers_the_count(n):
    lo, hi = poisson_interval(n)
    assert lo <= n <= hi
    # Garwood 68 % limits for n = 5: 2.84 - 8.38
    if n == 5:
        assert (lo, hi) == (pytest.approx(2.840, abs=2e-3), pytest.approx(8.382, abs=2e-3))


@pytest.mark.slow
def test_jet_bump_hunt_smoke(tmp_path, jet_samples):
    """Tiny run on the session's jets: the table, the figure and the paper's numbers."""
    qcd = with_images(Bunch(**jet_samples["qcd"]))
    glu = with_images(Bunch(**jet_samples["gluino"]))
    samples = {"train": Bunch(images=qcd.images[:100]),
               "gluino_train": Bunch(images=glu.images[:5]),
               "QCD": Bunch(images=qcd.images[100:], mass=qcd.mass[100:]),
               "gluino": Bunch(images=glu.images[5:], mass=glu.mass[5:])}
    settings = jet_bump_hunt_settings(scale=0.01)
    settings["sizes"].update(train=100, signal_train=1)
    settings.update(channels=(2, 2, 2), max_epochs=2, rejections=(10.0, 100.0, 1000.0))
    summary = run_jet_bump_hunt(tmp_path, verbose=0, settings=settings, samples=samples)
    assert (tmp_path / "fig11_bump_hunt.png").stat().st_size > 0
    text = (tmp_path / "summary.txt").read_text()
    assert "~4%" in text and "~25%" in text and "1.25" in text
    rows = summary["tables"]["CNN"]
    assert [r["rejection"] for r in rows] == [1.0, 10.0, 100.0, 1000.0]
    assert rows[0]["eps_B"] == 1.0 and rows[0]["eps_S"] == 1.0
    assert all(r["eps_B"] <= 1.0 / r["rejection"] + 1e-12 for r in rows)
