"""Jet observables against hand-computed cases: masses, soft drop, N-subjettiness."""

import numpy as np
import pytest
from hypothesis import given
from numpy.testing import assert_allclose, assert_array_equal

from sktopo.jets import (
    jet_mass,
    jet_pt,
    n_constituents,
    nsubjettiness,
    softdrop_mass,
    tau21,
    tau32,
)
from sktopo.physics import boost
from sktopo.testing.strategies import jet_arrays

pytest.importorskip("fastjet")


def _from_four_momenta(p):
    """(E, px, py, pz) of massless particles -> (pT, eta, phi)."""
    pt = np.hypot(p[..., 1], p[..., 2])
    return np.stack([pt, np.arcsinh(p[..., 3] / pt), np.arctan2(p[..., 2], p[..., 1])], -1)


def _prongs(centres, pts, delta=0.05):
    """Each prong: two constituents of equal pT at (eta, phi +- delta)."""
    rows = []
    for (eta, phi), pt in zip(centres, pts, strict=True):
        rows += [[pt, eta, phi - delta], [pt, eta, phi + delta]]
    return np.array([rows])


def test_two_body_decay_mass_and_pt():
    """A W (80.4 GeV) at pT 850 GeV decaying to two massless quarks: jet mass 80.4."""
    rng = np.random.default_rng(0)
    m, pt_w = 80.4, 850.0
    cos_theta, phi = rng.uniform(-1, 1, 20), rng.uniform(-np.pi, np.pi, 20)
    sin_theta = np.sqrt(1 - cos_theta**2)
    k = 0.5 * m * np.stack([sin_theta * np.cos(phi), sin_theta * np.sin(phi), cos_theta], -1)
    rest = np.stack(
        [np.concatenate([[0.5 * m], +q]) for q in k] + [np.concatenate([[0.5 * m], -q]) for q in k]
    ).reshape(2, 20, 4)
    beta = np.array([pt_w / np.hypot(pt_w, m), 0.0, 0.0])
    lab = boost(rest, beta)  # (2, 20, 4)
    jets = np.zeros((20, 4, 3))
    jets[:, :2] = _from_four_momenta(lab).transpose(1, 0, 2)
    assert_allclose(jet_mass(jets), m, rtol=1e-9)
    assert_allclose(jet_pt(jets), pt_w, rtol=1e-9)
    assert_array_equal(n_constituents(jets), 2)
    # the textbook formula for two massless constituents
    (pt1, eta1, phi1), (pt2, eta2, phi2) = jets[:, 0].T, jets[:, 1].T
    m2 = 2 * pt1 * pt2 * (np.cosh(eta1 - eta2) - np.cos(phi1 - phi2))
    assert_allclose(jet_mass(jets) ** 2, m2, rtol=1e-9)


@given(jets=jet_arrays(min_constituents=0, max_constituents=6, n_slots=6))
def test_padding_and_order_do_not_matter(jets):
    padded = np.concatenate([jets, np.zeros((len(jets), 3, 3))], axis=1)
    shuffled = jets[:, ::-1]
    for f in (jet_mass, jet_pt, n_constituents):  # masses: sqrt of a rounding floor ~1e-8 E
        assert_allclose(f(padded), f(jets), rtol=1e-12, atol=1e-3)
        assert_allclose(f(shuffled), f(jets), rtol=1e-12, atol=1e-3)
        assert_allclose(f(jets.reshape(len(jets), -1)), f(jets))


def test_softdrop_hand_cases():
    # two hard prongs (mass 100) and a soft constituent merged last by C/A
    jet = np.array([[[100.0, 0.0, 0.0], [100.0, 0.0, np.pi / 3], [1.0, -1.0, np.pi / 6]]])
    assert jet_mass(jet)[0] > 101.0
    assert_allclose(softdrop_mass(jet), 100.0, rtol=1e-9)
    # asymmetric two prongs 0.5 apart: z = 6 / 101 = 0.059
    two = np.array([[[95.0, 0.0, 0.0], [6.0, 0.5, 0.0]]])
    full = jet_mass(two)
    assert_allclose(softdrop_mass(two), 0.0, atol=1e-9)  # beta = 0: z < 0.1, groomed away
    assert_allclose(softdrop_mass(two, z_cut=0.05), full)  # z > 0.05
    # beta = 1: z > 0.1 * (0.5 / 1.0) = 0.05 passes; with R0 = 0.4 the cut is 0.125
    assert_allclose(softdrop_mass(two, beta=1.0), full)
    assert_allclose(softdrop_mass(two, beta=1.0, R0=0.4), 0.0, atol=1e-9)
    # soft drop never adds mass; empty and one-constituent jets give 0
    jets = np.zeros((3, 3, 3))
    jets[1, 0] = (50.0, 0.1, 0.2)
    jets[2] = two[0, [0, 1, 1]] * [[1, 1, 1], [1, 1, 1], [0, 0, 0]]
    assert_allclose(softdrop_mass(jets), [0.0, 0.0, 0.0], atol=1e-9)


def test_softdrop_prefers_the_harder_branch():
    """Declustering follows the harder branch: a hard two-prong core inside, a
    soft third prong outside that fails the cut, then the core passes."""
    core = [[300.0, 0.0, 0.0], [200.0, 0.3, 0.0]]
    soft = [[20.0, -0.4, 0.8]]  # z = 20 / 520 < 0.1, further than 0.3 from both
    jet = np.array([core + soft])
    assert_allclose(softdrop_mass(jet), jet_mass(np.array([core])), rtol=1e-9)


@pytest.mark.parametrize("axes", ["kt", "onepass_kt"])
def test_nsubjettiness_hand_cases(axes):
    # two prongs of two constituents, symmetric about (0, 0)
    two = _prongs([(-0.4, 0.0), (0.4, 0.0)], [10.0, 10.0])
    tau = nsubjettiness(two, (1, 2, 3, 4), axes=axes)
    assert_allclose(tau[0], [np.hypot(0.4, 0.05), 0.05, tau[0, 2], 0.0], rtol=1e-6, atol=1e-9)
    assert 0.0 <= tau[0, 2] <= 0.05
    assert_allclose(tau21(two, axes=axes), 0.05 / np.hypot(0.4, 0.05), rtol=1e-6)
    # R0 scales tau by 1 / R0 (beta = 1); beta = 2 squares the distances
    assert_allclose(nsubjettiness(two, (2,), R0=0.5, axes=axes), 0.1, rtol=1e-6)
    assert_allclose(
        nsubjettiness(two, (2,), beta=2.0, R0=0.5, axes=axes), 0.05**2 / 0.25, rtol=1e-6
    )
    # three prongs: A and B (0.5 apart) share an axis at their mean rapidity
    three = _prongs([(-0.5, 0.0), (0.0, 0.0), (0.6, 0.0)], [10.0, 10.0, 10.0])
    tau2 = (4 * np.hypot(0.25, 0.05) + 2 * 0.05) / 6
    assert_allclose(nsubjettiness(three, (2, 3), axes=axes), [[tau2, 0.05]], rtol=1e-6)
    assert_allclose(tau32(three, axes=axes), 0.05 / tau2, rtol=1e-6)


def test_tau_ratios_separate_prongs():
    rng = np.random.default_rng(1)

    def spray(centres, n=30):
        rows = []
        for eta, phi in centres:
            pt = rng.exponential(10.0, n)
            rows += list(zip(pt, eta + rng.normal(0, 0.02, n), phi + rng.normal(0, 0.02, n)))
        return np.array(rows)

    one = spray([(0.0, 0.0)], 60)
    two = spray([(0.0, 0.0), (0.5, 0.3)])
    three = spray([(0.0, 0.0), (0.5, 0.3), (-0.2, 0.5)], 20)
    jets = np.stack([one, two, three])
    tau = nsubjettiness(jets)
    assert tau[0, 0] < 0.05  # one narrow prong: tau_1 small
    r21, r32 = tau21(jets), tau32(jets)
    assert r21[1] < 0.2 < r21[0]
    assert r32[2] < 0.3 < r32[1]


def test_few_constituents_give_zero():
    jets = np.zeros((3, 4, 3))
    jets[1, 0] = (10.0, 0.0, 0.0)
    jets[2, :2] = [(10.0, 0.0, 0.0), (5.0, 0.3, 0.1)]
    tau = nsubjettiness(jets)
    assert_array_equal(tau[:2], 0.0)
    assert tau[2, 0] > 0 and tau[2, 1] == 0.0 and tau[2, 2] == 0.0
    assert_array_equal(tau21(jets), [0.0, 0.0, 0.0])
    assert_array_equal(tau32(jets), [0.0, 0.0, 0.0])


def test_errors():
    jet = np.ones((1, 2, 3))
    with pytest.raises(ValueError, match="axes"):
        nsubjettiness(jet, axes="wta")
    with pytest.raises(ValueError, match="n_subjets"):
        nsubjettiness(jet, (0, 1))
    with pytest.raises(ValueError, match="shape"):
        jet_mass(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="pT must be >= 0"):
        jet_pt(-jet)


@pytest.mark.parametrize(
    "params",
    [
        dict(z_cut=np.nan),
        dict(beta=np.nan),
        dict(R0=np.nan),
        dict(z_cut=np.inf),
        dict(beta=np.inf),
        dict(R0=np.inf),
        dict(z_cut=-0.1),
        dict(z_cut=1.0),
        dict(R0=0.0),
        dict(R0=-1.0),
        dict(beta=-0.5),
        dict(beta=True),
        dict(z_cut="0.1"),
    ],
)
def test_softdrop_validates_every_parameter(params):
    """NaN z_cut or beta used to return zeros; z_cut < 0, R0 <= 0, beta < 0 were accepted."""
    jet = np.array([[[100.0, 0.0, 0.0], [100.0, 0.0, np.pi / 3]]])
    name = next(iter(params))
    with pytest.raises(ValueError, match=f"'{name}' parameter of softdrop_mass"):
        softdrop_mass(jet, **params)


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(beta=np.nan), "'beta' parameter"),
        (dict(beta=np.inf), "'beta' parameter"),
        (dict(R0=np.nan), "'R0' parameter"),
        (dict(R0=np.inf), "'R0' parameter"),
        (dict(R0=0.0), "'R0' parameter"),
        (dict(beta=0.0), "'beta' parameter"),
        (dict(n_subjets=(1.5,)), "n_subjets"),
        (dict(n_subjets=(True, 2)), "n_subjets"),
        (dict(n_subjets=("2",)), "n_subjets"),
        (dict(n_subjets="2"), "n_subjets"),
        (dict(n_subjets=()), "n_subjets"),
        (dict(n_subjets=(0, 1)), "n_subjets"),
        (dict(n_subjets=2), "n_subjets"),
    ],
)
def test_nsubjettiness_validates_every_parameter(params, match):
    """NaN / inf parameters used to give NaN or zeros; 1.5, True, '2' were coerced."""
    jet = np.array([[[50.0, 0.0, -0.2], [50.0, 0.0, 0.2]]])
    with pytest.raises(ValueError, match=match):
        nsubjettiness(jet, **params)
    if "n_subjets" not in params:
        for ratio in (tau21, tau32):
            with pytest.raises(ValueError, match=match):
                ratio(jet, **params)


def test_numpy_integers_and_floats_are_accepted():
    jet = np.array([[[50.0, 0.0, -0.2], [50.0, 0.0, 0.2]]])
    tau = nsubjettiness(jet, np.array([1, 2]), beta=np.float32(1.0), axes="kt")
    assert_allclose(tau, [[0.2, 0.0]], atol=1e-6)
    assert softdrop_mass(jet, z_cut=np.float64(0.0), beta=1, R0=np.int64(1)).shape == (1,)
