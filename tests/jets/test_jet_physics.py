"""Jet observables and images on Pythia jets: the qualitative physics, wide tolerances.

Uses the session fixture ``jet_samples`` of tests/conftest.py ({'qcd', 'top', 'w',
'gluino'} -> Bunch from :func:`sktopo.datasets.make_jets`, a few hundred jets
each, pT in [800, 900] GeV, anti-kT R = 1.0, truth-matched signal jets).
"""

import numpy as np
import pytest

from sktopo.jets import JetImages, jet_mass, jet_pt, n_constituents, nsubjettiness, softdrop_mass

pytest.importorskip("fastjet")


@pytest.fixture(scope="module")
def observables(jet_samples):
    out = {}
    for process, bunch in jet_samples.items():
        c = bunch.constituents
        tau = nsubjettiness(c, (1, 2, 3))
        out[process] = {
            "mass": jet_mass(c),
            "sd_mass": softdrop_mass(c),
            "pt": jet_pt(c),
            "n": n_constituents(c),
            "tau21": tau[:, 1] / tau[:, 0],
            "tau32": tau[:, 2] / tau[:, 1],
        }
    return out


def _mode(values, bins):
    counts, edges = np.histogram(values, bins=bins)
    k = np.argmax(counts)
    return 0.5 * (edges[k] + edges[k + 1])


def test_constituent_kinematics_match_the_jets(jet_samples, observables):
    """pT and mass from the massless constituents agree with the clustered jets."""
    for process, bunch in jet_samples.items():
        obs = observables[process]
        assert np.all(obs["n"] >= 2)
        np.testing.assert_allclose(obs["pt"], bunch.jets[:, 0], rtol=0.01)
        assert np.all((obs["pt"] > 790) & (obs["pt"] < 910))
        # massless constituents: a few per cent below the jet mass (hadron masses)
        ratio = np.median(obs["mass"] / bunch.jets[:, 3])
        assert 0.85 < ratio <= 1.0, (process, ratio)
        assert np.all(obs["sd_mass"] <= obs["mass"] + 1e-6)


def test_mass_peaks(observables):
    top, w, gluino, qcd = (observables[p] for p in ("top", "w", "gluino", "qcd"))
    assert 150 < _mode(top["mass"], np.arange(50, 400, 20)) < 200
    assert 140 < np.median(top["mass"]) < 210
    # ungroomed W jets collect underlying event (median ~112 GeV); soft drop restores ~80
    assert np.median(w["mass"]) > 90
    assert 65 < np.median(w["sd_mass"]) < 95
    assert 350 < np.median(gluino["mass"]) < 470
    # QCD: falling; most groomed masses far below the W and top
    assert np.median(qcd["sd_mass"]) < 80
    counts, _ = np.histogram(qcd["mass"], bins=[0, 100, 200, 300, 400])
    assert counts[0] + counts[1] > 3 * counts[2] > 0 and counts[2] > counts[3]


def test_prong_counting(observables):
    qcd, top, w = observables["qcd"], observables["top"], observables["w"]
    assert np.median(top["tau32"]) < np.median(qcd["tau32"]) - 0.05
    assert np.median(w["tau21"]) < np.median(qcd["tau21"]) - 0.1
    # tagging power: the cut at the QCD median keeps most signal
    assert np.mean(top["tau32"] < np.median(qcd["tau32"])) > 0.65
    assert np.mean(w["tau21"] < np.median(qcd["tau21"])) > 0.7


def test_average_images(jet_samples):
    """Fig. 3 of arXiv:1808.08992 (top row): QCD energy is concentrated in the core,
    top and gluino jets spread it further out."""
    images = JetImages()
    centre = {}
    for process, bunch in jet_samples.items():
        mean = images.fit_transform(bunch.constituents).mean(axis=0).reshape(37, 37)
        np.testing.assert_allclose(mean.sum(), 1.0, rtol=1e-9)
        centre[process] = mean[16:21, 16:21].sum()  # within ~0.2 of the centroid
        # flip convention: more intensity in the upper than lower half, right than left
        assert mean[19:].sum() >= mean[:18].sum() and mean[:, 19:].sum() >= mean[:, :18].sum()
    assert centre["qcd"] > centre["top"] + 0.1
    assert centre["qcd"] > centre["gluino"] + 0.1
