"""TransportDetector: scores, representatives, determinism, jets."""

import numpy as np
import pytest

from sktopo import TransportDetector
from sktopo.transport import pairwise_emd


def _blobs(rng, n, centre):
    """1 x 9 histograms: most energy at ``centre``, some spread to neighbours."""
    X = np.zeros((n, 9))
    X[:, centre] = 1.0
    X[:, centre - 1] = rng.uniform(0, 0.3, n)
    X[:, centre + 1] = rng.uniform(0, 0.3, n)
    return X


def test_score_is_aggregated_emd_to_representatives():
    rng = np.random.default_rng(0)
    X = _blobs(rng, 40, 3)
    Y = _blobs(rng, 5, 6)
    for aggregate, reduce in [("min", lambda D: D.min(1)), ("mean", lambda D: D.mean(1)),
                              ("knn", lambda D: np.sort(D, 1)[:, :3].mean(1))]:
        det = TransportDetector(n_representatives=7, aggregate=aggregate, n_neighbors=3,
                                input="histogram", random_state=0).fit(X)
        D = pairwise_emd(Y, det.representatives_, positions=np.arange(9.0))
        np.testing.assert_allclose(det.transport_distances(Y), D)
        np.testing.assert_allclose(det.score_samples(Y), -reduce(D))
        np.testing.assert_array_equal(det.representatives_, X[det.representative_indices_])
    # the shifted blob is farther from the background than the background itself
    assert det.score_samples(Y).max() < det.score_samples(X).min()


def test_contamination_contract_on_nonnegative_data():
    rng = np.random.default_rng(1)
    X = _blobs(rng, 100, 4)
    det = TransportDetector(n_representatives=10, aggregate="mean", contamination=0.1,
                            input="histogram", random_state=0)
    labels = det.fit_predict(X)
    assert np.sum(labels == -1) == 10
    np.testing.assert_array_equal(labels, det.predict(X))
    np.testing.assert_array_equal(det.decision_function(X) < 0, labels == -1)


def test_determinism_with_random_state():
    rng = np.random.default_rng(2)
    X = _blobs(rng, 60, 4)
    for kind in ["random", "kmedoids"]:
        a = TransportDetector(n_representatives=5, representatives=kind, input="histogram",
                              max_samples=30, random_state=3).fit(X)
        b = TransportDetector(n_representatives=5, representatives=kind, input="histogram",
                              max_samples=30, random_state=3).fit(X)
        np.testing.assert_array_equal(a.representative_indices_, b.representative_indices_)
        np.testing.assert_array_equal(a.score_samples(X), b.score_samples(X))
    c = TransportDetector(n_representatives=5, input="histogram", random_state=4).fit(X)
    assert not np.array_equal(a.representative_indices_, c.representative_indices_)


def test_kmedoids_representatives_describe_background_better():
    rng = np.random.default_rng(5)
    X = np.vstack([_blobs(rng, 30, c) for c in (1, 4, 7)])
    med = TransportDetector(n_representatives=3, representatives="kmedoids", input="histogram",
                            max_samples=90, random_state=0).fit(X)
    # one representative in each blob: every event is close to one
    assert sorted(int(np.argmax(r)) for r in med.representatives_) == [1, 4, 7]
    assert med.anomaly_score(X).max() < 1.0


def test_errors():
    X = np.abs(np.random.default_rng(0).normal(size=(10, 9)))
    with pytest.raises(ValueError, match="perfect square"):
        TransportDetector().fit(X[:, :8])
    with pytest.raises(ValueError, match="Negative values"):
        TransportDetector(input="histogram").fit(-X)
    det = TransportDetector(n_representatives=50, n_neighbors=99, aggregate="knn").fit(X)
    assert det.n_representatives_ == 10
    with pytest.raises(ValueError, match="expecting 9 features"):
        det.score_samples(X[:, :4])


def test_jet_images_and_constituents_separate_top(jet_samples):
    from sklearn.metrics import roc_auc_score

    from sktopo.jets import JetImages

    qcd, top = jet_samples["qcd"].constituents, jet_samples["top"].constituents
    images = JetImages().fit(qcd)
    train, test_q, test_t = images.transform(qcd[:60]), images.transform(qcd[100:140]), \
        images.transform(top[:40])
    det = TransportDetector(n_representatives=15, random_state=0).fit(train)
    scores = -det.score_samples(np.vstack([test_q, test_t]))
    assert roc_auc_score(np.r_[np.zeros(40), np.ones(40)], scores) > 0.6
    # constituents (pT in TeV; positions relative to the jet axis, phi wrapped)
    c = TransportDetector(n_representatives=15, input="constituents", R=1.0, random_state=0)
    c.fit(_centred(qcd[:60]))
    flat = _centred(np.vstack([qcd[100:140], top[:40]]))
    assert roc_auc_score(np.r_[np.zeros(40), np.ones(40)], -c.score_samples(flat)) > 0.6


def _centred(jets):
    from sktopo.physics import wrap_phi

    pt, eta, phi = jets[..., 0], jets[..., 1], jets[..., 2]
    lead = phi[np.arange(len(phi)), np.argmax(pt, axis=1)][:, None]
    dphi = wrap_phi(phi - lead)
    w = pt / pt.sum(axis=1, keepdims=True)
    out = np.stack([pt / 1000.0, eta - (w * eta).sum(1, keepdims=True),
                    dphi - (w * dphi).sum(1, keepdims=True)], axis=-1)
    return out.reshape(len(jets), -1)


def test_sinkhorn_option_close_to_exact():
    rng = np.random.default_rng(6)
    X = _blobs(rng, 8, 4)
    exact = TransportDetector(n_representatives=4, input="histogram", random_state=0).fit(X)
    approx = TransportDetector(n_representatives=4, input="histogram", method="sinkhorn",
                               reg=0.05, device="cpu", random_state=0).fit(X)
    np.testing.assert_allclose(approx.transport_distances(X), exact.transport_distances(X),
                               atol=0.1)
