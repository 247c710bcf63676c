"""complexity_check: hand-computed complexity measures, the rank correlation, the warnings."""

import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn.utils._param_validation import InvalidParameterError

from sktopo.diagnostics import ComplexityBiasWarning, ComplexityCheckResult, complexity_check
from sktopo.diagnostics._complexity import (
    _spearman,
    image_entropy,
    lit_pixels,
    multiplicity,
)

# --------------------------------------------------------------------------- #
# The measures, by hand
# --------------------------------------------------------------------------- #


def test_image_entropy_hand_computed():
    X = np.array(
        [
            [0.5, 0.0, 0.25, 0.25],  # -(1/2 ln 1/2 + 2 * 1/4 ln 1/4) = 1.5 ln 2
            [3.0, 0.0, 0.0, 0.0],  # one lit pixel: 0
            [1.0, 1.0, 1.0, 1.0],  # four equal pixels: ln 4, whatever the total
            [0.0, 0.0, 0.0, 0.0],  # empty image: 0, no NaN
            [2.0, -1.0, 2.0, 0.0],  # negative pixels count as zero: ln 2
        ]
    )
    np.testing.assert_allclose(
        image_entropy(X), [1.5 * np.log(2), 0.0, np.log(4), 0.0, np.log(2)], atol=1e-15
    )


def test_image_entropy_is_scale_free():
    X = np.random.RandomState(0).exponential(size=(5, 30))
    np.testing.assert_allclose(image_entropy(X), image_entropy(7.5 * X))


def test_lit_pixels_counts_above_threshold():
    X = np.array([[0.5, 0.0, 0.25, 0.25], [1.0, 0.0, 0.0, 1e-4]])
    np.testing.assert_array_equal(lit_pixels(X), [3, 2])
    np.testing.assert_array_equal(lit_pixels(X, pixel_threshold=1e-3), [3, 1])
    np.testing.assert_array_equal(lit_pixels(X, pixel_threshold=0.3), [1, 1])


def test_multiplicity_counts_real_constituents():
    c = np.zeros((3, 4, 3))
    c[0, :2, 0] = [10.0, 1.0]
    c[1, :4, 0] = [5.0, 4.0, 3.0, 2.0]
    c[:, :, 1] = 0.1  # eta of padding is ignored
    np.testing.assert_array_equal(multiplicity(c), [2, 4, 0])
    np.testing.assert_array_equal(multiplicity(c.reshape(3, -1)), [2, 4, 0])


def test_spearman_matches_scipy_with_ties():
    rng = np.random.RandomState(1)
    a = rng.randint(0, 5, size=50).astype(float)
    b = a + rng.normal(size=50)
    assert _spearman(a, b) == pytest.approx(spearmanr(a, b)[0], abs=1e-12)
    assert np.isnan(_spearman(np.ones(5), np.arange(5.0)))


# --------------------------------------------------------------------------- #
# complexity_check
# --------------------------------------------------------------------------- #


def _images(n=300, seed=0):
    """Binary 6 x 6 images with between 1 and 30 lit pixels, and matching constituents."""
    rng = np.random.RandomState(seed)
    k = rng.randint(1, 31, size=n)
    X = np.zeros((n, 36))
    constituents = np.zeros((n, 40, 3))
    for i in range(n):
        X[i, rng.choice(36, size=k[i], replace=False)] = 1.0 / k[i]
        constituents[i, : k[i] + 2, 0] = 1.0  # multiplicity = lit pixels + 2
    return X, constituents, k


def test_score_ranking_by_lit_pixels_warns_in_plain_words():
    X, constituents, k = _images()
    score = k + np.random.RandomState(2).normal(scale=0.1, size=k.size)
    with pytest.warns(ComplexityBiasWarning, match="ranks the background by complexity"):
        res = complexity_check(score, X, constituents=constituents)
    assert isinstance(res, ComplexityCheckResult)
    # Equal pixels: entropy = log(k), lit pixels = k, multiplicity = k + 2; all monotone in k.
    np.testing.assert_array_equal(res.measures["lit_pixels"], k)
    np.testing.assert_array_equal(res.measures["multiplicity"], k + 2)
    np.testing.assert_allclose(res.measures["entropy"], np.log(k), atol=1e-12)
    for rho in res.correlations.values():
        assert rho > 0.99
    assert len(res.warnings) == 3
    assert "more complex jets" in res.warnings[0]
    assert "NormalizedAutoencoderDetector" in res.warnings[0]
    assert res.max_abs_correlation > 0.99
    assert res.n_samples == k.size


def test_score_preferring_simple_jets_warns_the_other_way():
    X, _, k = _images(seed=3)
    with pytest.warns(ComplexityBiasWarning):
        res = complexity_check(-image_entropy(X), X)
    assert set(res.correlations) == {"lit_pixels", "entropy"}
    assert res.correlations["entropy"] == pytest.approx(-1.0)
    assert all("simpler jets" in w for w in res.warnings)


def test_unrelated_score_gives_no_warning():
    X, constituents, _ = _images(seed=4)
    score = np.random.RandomState(5).normal(size=X.shape[0])
    res = complexity_check(score, X, constituents=constituents)  # warnings are errors here
    assert res.warnings == []
    assert max(abs(v) for v in res.correlations.values()) < 0.3


def test_threshold_and_warn_flag():
    X, _, k = _images(seed=6)
    score = k + np.random.RandomState(7).normal(scale=8.0, size=k.size)
    rho = complexity_check(score, X, threshold=0.99, warn=False).correlations["lit_pixels"]
    assert 0.2 < rho < 0.99
    res = complexity_check(score, X, threshold=rho / 2, warn=False)
    assert len(res.warnings) == 2  # silent, but reported
    assert complexity_check(score, X, threshold=0.99).warnings == []


def test_constant_score_gives_nan_and_no_warning():
    X, _, _ = _images(n=50)
    res = complexity_check(np.zeros(50), X)
    assert all(np.isnan(v) for v in res.correlations.values())
    assert np.isnan(res.max_abs_correlation)
    assert res.warnings == []


def test_three_dimensional_images_and_image_shape():
    X, _, k = _images(n=60)
    flat = complexity_check(k, X, warn=False)
    cube = complexity_check(k, X.reshape(60, 6, 6), image_shape=(6, 6), warn=False)
    assert flat.correlations == cube.correlations
    with pytest.raises(ValueError, match="36 pixels but image_shape"):
        complexity_check(k, X, image_shape=(5, 5), warn=False)
    with pytest.raises(ValueError, match="not image_shape"):
        complexity_check(k, X.reshape(60, 6, 6), image_shape=(4, 9), warn=False)


def test_bad_inputs_are_refused_with_actionable_errors():
    X, constituents, k = _images(n=40)
    with pytest.raises(ValueError, match="needs the jets"):
        complexity_check(k)
    with pytest.raises(ValueError, match="scores has 39 samples but X has 40"):
        complexity_check(k[:39], X)
    with pytest.raises(ValueError, match="but constituents has 40"):
        complexity_check(k[:39], constituents=constituents)
    with pytest.raises(ValueError, match="NaN"):
        complexity_check(np.r_[np.nan, k[1:]], X)
    with pytest.raises(ValueError, match="one number per sample"):
        complexity_check(np.ones((40, 2)), X)
    with pytest.raises(ValueError, match="at least min_samples=10"):
        complexity_check(k[:5], X[:5])
    with pytest.raises(InvalidParameterError):
        complexity_check(k, X, threshold=1.5)
    with pytest.raises(InvalidParameterError):
        complexity_check(k, X, pixel_threshold=-1.0)
