"""dijet_features against hand values and a per-event FastJet reference."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from sktopo.jets import dijet_features, jet_mass, tau21
from sktopo.physics import cartesian_from_pt_eta_phi, pt_eta_phi_from_cartesian

fastjet = pytest.importorskip("fastjet")
pytest.importorskip("awkward")


def _events(n=20, m=80, seed=0):
    """Dijet-like events: two hard sprays back to back plus soft particles, zero-padded."""
    rng = np.random.default_rng(seed)
    X = np.zeros((n, m, 3))
    for i in range(n):
        k = rng.integers(10, m)
        parts = []
        for axis_phi in (rng.uniform(-np.pi, np.pi), None):
            phi0 = axis_phi if axis_phi is not None else parts[0][0, 2] + np.pi
            eta0 = rng.normal(0, 1)
            j = k // 3
            parts.append(np.c_[rng.exponential(100.0, j) + 1, eta0 + rng.normal(0, 0.3, j),
                               phi0 + rng.normal(0, 0.3, j)])  # fmt: skip
        soft = k - 2 * (k // 3)
        parts.append(np.c_[rng.exponential(2.0, soft) + 0.1, rng.uniform(-2.5, 2.5, soft),
                           rng.uniform(-np.pi, np.pi, soft)])  # fmt: skip
        p = np.concatenate(parts)
        p[:, 2] = np.angle(np.exp(1j * p[:, 2]))
        X[i, : len(p)] = rng.permutation(p)
    return X


def _reference(X, R=1.0):
    """One event at a time with FastJet's PseudoJet interface."""
    out = []
    for event in X:
        real = event[event[:, 0] > 0]
        p = cartesian_from_pt_eta_phi(real)
        pseudo = [fastjet.PseudoJet(*map(float, (q[1], q[2], q[3], q[0]))) for q in p]
        for k, pj in enumerate(pseudo):
            pj.set_user_index(k)
        definition = fastjet.JetDefinition(fastjet.antikt_algorithm, R)
        sequence = fastjet.ClusterSequence(pseudo, definition)
        jets = fastjet.sorted_by_pt(sequence.inclusive_jets())[:2]
        masses, taus, total = [], [], np.zeros(4)
        for jet in jets:
            members = real[[c.user_index() for c in jet.constituents()]]
            masses.append(jet.m())
            taus.append(tau21(members[None], R0=R)[0])
            total += [jet.E(), jet.px(), jet.py(), jet.pz()]
        while len(masses) < 2:
            masses.append(0.0)
            taus.append(0.0)
        m_jj = np.sqrt(max(total[0] ** 2 - (total[1:] ** 2).sum(), 0.0))
        lo = int(np.argmin(masses))
        out.append([m_jj / 1e3, masses[lo] / 1e3, (masses[1 - lo] - masses[lo]) / 1e3,
                    taus[lo], taus[1 - lo]])  # fmt: skip
        del sequence
    return np.array(out)


def test_matches_per_event_fastjet():
    X = _events()
    features = dijet_features(X)
    assert features.shape == (20, 5)
    assert_allclose(features, _reference(X), rtol=1e-9, atol=1e-12)
    assert np.all(features[:, 2] >= 0) and np.all(features[:, 0] > features[:, 1])
    assert np.all((features[:, 3:] >= 0) & (features[:, 3:] <= 1))


def test_radius_and_chunks(monkeypatch):
    X = _events(n=7, seed=1)
    assert_allclose(dijet_features(X, R=0.4), _reference(X, R=0.4), rtol=1e-9, atol=1e-12)
    whole = dijet_features(X)
    monkeypatch.setattr("sktopo.jets._dijet._EVENTS_PER_CALL", 3)
    assert_array_equal(dijet_features(X), whole)
    # the order of the particles and the padding do not matter
    shuffled = X[:, ::-1]
    assert_allclose(dijet_features(np.concatenate([shuffled, np.zeros((7, 5, 3))], axis=1)), whole,
                    rtol=1e-12, atol=1e-15)  # fmt: skip


def test_hand_values_and_missing_jets():
    # two back-to-back pairs 0.2 apart in eta: m_j = 2 * 500 * sinh(0.1) GeV, tau21 = 0
    pair = [[500.0, 0.1, 0.0], [500.0, -0.1, 0.0], [500.0, 0.1, np.pi], [500.0, -0.1, np.pi]]
    one_jet = [[300.0, 0.0, 0.0], [200.0, 0.3, 0.1], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    empty = np.zeros((4, 3))
    features = dijet_features(np.array([pair, one_jet, empty]))
    m_j = 2 * 500.0 * np.sinh(0.1) / 1e3
    total = cartesian_from_pt_eta_phi(np.array(pair)).sum(axis=0)
    m_jj = np.sqrt(total[0] ** 2 - (total[1:] ** 2).sum()) / 1e3
    assert_allclose(features[0], [m_jj, m_j, 0.0, 0.0, 0.0], atol=1e-12)
    # one jet: the second is a zero four-momentum
    m_one = jet_mass(np.array([one_jet]))[0] / 1e3
    assert_allclose(features[1], [m_one, 0.0, m_one, 0.0, 0.0], rtol=1e-12)
    assert_array_equal(features[2], 0.0)
    # TeV: scaling every pT scales the masses, not tau21
    scaled = dijet_features(np.array([pair]) * [10.0, 1.0, 1.0])
    assert_allclose(scaled[0, :3], 10 * features[0, :3], rtol=1e-12)
    assert pt_eta_phi_from_cartesian(total)[0] < 1e-9  # back to back


@pytest.mark.parametrize("R,error", [(0.0, ValueError), (-1.0, ValueError), (np.nan, ValueError),
                                     (True, TypeError), ("1", TypeError)])  # fmt: skip
def test_invalid_input(R, error):
    with pytest.raises(error, match="R must be"):
        dijet_features(np.ones((1, 2, 3)), R=R)
    with pytest.raises(ValueError, match="finite"):
        dijet_features([[[np.nan, 0.0, 0.0]]])
