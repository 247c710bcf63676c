"""PCADetector: reconstruction error against hand-computed projections."""

import pickle

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from sktopo import PCADetector


@pytest.fixture
def plane_data():
    """Points spread along x and y, thin in z: the best plane is z = 0."""
    rng = np.random.RandomState(0)
    return rng.normal(size=(500, 3)) * [5.0, 2.0, 0.1]


def test_error_is_distance_to_principal_plane(plane_data):
    det = PCADetector(n_components=2).fit(plane_data)
    mean = plane_data.mean(axis=0)
    # The leading axes of this data are (to good approximation) x and y.
    normal = det.pca_.components_
    axis = np.cross(normal[0], normal[1])
    expected = ((plane_data - mean) @ axis) ** 2
    np.testing.assert_allclose(det.reconstruction_error(plane_data), expected, rtol=1e-9)
    # Hand-made points: a point off the plane by 3 has error 9 (in the fitted frame).
    probe = mean + 3.0 * axis
    assert det.reconstruction_error(probe[None])[0] == pytest.approx(9.0)
    assert det.predict(probe[None])[0] == -1


def test_contract(plane_data):
    det = PCADetector(n_components=2, contamination=0.1).fit(plane_data)
    s = det.score_samples(plane_data)
    np.testing.assert_array_equal(s, -det.reconstruction_error(plane_data))
    np.testing.assert_array_equal(det.decision_function(plane_data), s - det.offset_)
    assert np.mean(det.predict(plane_data) == -1) == pytest.approx(0.1, abs=0.01)
    assert det.score(plane_data) == pytest.approx(s.mean())
    Z = det.transform(plane_data)
    assert Z.shape == (500, 2)
    np.testing.assert_allclose(det.inverse_transform(Z), det.reconstruct(plane_data), atol=1e-10)
    assert det.explained_variance_ratio_.shape == (2,)
    assert det.explained_variance_ratio_[0] > 0.8


def test_whiten_changes_codes_not_scores(plane_data):
    a = PCADetector(n_components=2).fit(plane_data)
    b = PCADetector(n_components=2, whiten=True).fit(plane_data)
    np.testing.assert_allclose(a.score_samples(plane_data), b.score_samples(plane_data),
                               rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(b.transform(plane_data).std(axis=0), 1.0, rtol=1e-2)


def test_n_components_float_and_mle(plane_data):
    det = PCADetector(n_components=0.8).fit(plane_data)
    assert det.n_components_ == 1
    assert PCADetector(n_components="mle").fit(plane_data).n_components_ >= 1


def test_errors_and_pickle(plane_data):
    with pytest.raises(ValueError, match="n_features=3"):
        PCADetector(n_components=4).fit(plane_data)
    with pytest.raises(ValueError, match="n_components"):
        PCADetector(n_components=0).fit(plane_data)
    det = PCADetector(n_components=2).fit(plane_data)
    with pytest.raises(ValueError, match="2 features"):
        det.score_samples(plane_data[:, :2])
    with pytest.raises(ValueError, match="n_components_=2"):
        det.inverse_transform(np.zeros((2, 3)))
    clone = pickle.loads(pickle.dumps(det))
    np.testing.assert_array_equal(clone.score_samples(plane_data), det.score_samples(plane_data))


def test_grid_search_prefers_more_components(plane_data):
    search = GridSearchCV(PCADetector(), {"n_components": [1, 2]}, cv=3).fit(plane_data)
    assert search.best_params_ == {"n_components": 2}
