"""DensityRatioDetector: prior-corrected log ratios, out-of-fold scores, the global test."""

import joblib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from sktopo import DensityRatioDetector, PhaseSpaceSampler
from sktopo.detectors import GlobalTestResult


class ConstantProbability(ClassifierMixin, BaseEstimator):
    """Predicts the same P(data) for every row."""

    def __init__(self, p=0.75):
        self.p = p

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):
        return np.tile([1.0 - self.p, self.p], (len(X), 1))


class SeededSampler:
    """A reference with ``sample(n, random_state)``."""

    def sample(self, n, random_state=None):
        return np.random.default_rng(random_state).uniform(size=(n, 2))


def _bump_data(n_background=2000, n_bump=200, seed=0):
    rng = np.random.RandomState(seed)
    X = np.vstack([rng.uniform(size=(n_background, 2)),
                   rng.normal([0.5, 0.5], 0.03, size=(n_bump, 2))])
    y = np.r_[np.zeros(n_background), np.ones(n_bump)]
    return X, y, rng.uniform(size=(n_background, 2))


def test_prior_corrected_log_ratio_hand_computed():
    # 100 data rows, 300 reference rows, 2 stratified folds: every fold trains on 50 + 150,
    # so r = logit(0.75) + log(150 / 50) = log 3 + log 3.
    X = np.random.RandomState(0).normal(size=(100, 2))
    ref = np.random.RandomState(1).normal(size=(300, 2))
    det = DensityRatioDetector(reference=ref, classifier=ConstantProbability(0.75), cv=2,
                               random_state=0).fit(X)
    np.testing.assert_allclose(det.priors_, np.log(3.0))
    np.testing.assert_allclose(det.score_samples(X[:5]), -2 * np.log(3.0))
    np.testing.assert_allclose(det.oof_score_samples_, -2 * np.log(3.0))
    np.testing.assert_allclose(det.oof_reference_scores_, -2 * np.log(3.0))
    np.testing.assert_allclose(det.log_density_ratio(X[:3]), 2 * np.log(3.0))
    assert det.n_reference_ == 300


@settings(max_examples=20, deadline=None)
@given(p=st.floats(0.01, 0.99), n_data=st.integers(4, 40), n_ref=st.integers(4, 40))
def test_log_ratio_is_logit_plus_prior(p, n_data, n_ref):
    rng = np.random.RandomState(0)
    det = DensityRatioDetector(reference=rng.normal(size=(n_ref, 1)),
                               classifier=ConstantProbability(p), cv=2,
                               random_state=0).fit(rng.normal(size=(n_data, 1)))
    fold_id = det.oof_folds_
    is_data = np.arange(fold_id.size) < n_data
    oof = np.r_[det.oof_score_samples_, det.oof_reference_scores_]
    expected = np.log(p / (1 - p)) + det.priors_[fold_id]
    np.testing.assert_allclose(-oof, expected, rtol=1e-12)
    for k in range(2):  # each fold's prior is log(n_ref / n_data) of its training rows
        train = fold_id != k
        assert det.priors_[k] == pytest.approx(
            np.log(np.sum(train & ~is_data) / np.sum(train & is_data)))


def test_probabilities_are_clipped():
    X = np.zeros((20, 1))
    det = DensityRatioDetector(reference=np.ones((20, 1)), classifier=ConstantProbability(1.0),
                               cv=2, random_state=0).fit(X)
    assert np.all(np.isfinite(det.score_samples(X)))
    np.testing.assert_allclose(det.log_density_ratio(X[:1]), np.log((1 - 1e-6) / 1e-6))


def test_finds_a_bump_inside_the_background():
    X, y, ref = _bump_data()
    det = DensityRatioDetector(reference=ref, random_state=0).fit(X)
    assert roc_auc_score(y, -det.oof_score_samples_) > 0.9
    s = det.score_samples([[0.5, 0.5], [0.1, 0.9]])
    assert s[0] < s[1]
    assert det.predict([[0.5, 0.5]])[0] == -1
    result = det.global_test(n_permutations=99, random_state=0)
    assert isinstance(result, GlobalTestResult)
    assert result.pvalue == pytest.approx(0.01) and result.significance > 3
    assert result.null_statistics.shape == (99,)
    assert det.global_test(statistic="auc", n_permutations=99, random_state=0).pvalue < 0.05


def test_out_of_fold_scores_are_honest():
    # data and reference from the same distribution: in-sample ratios overfit, held-out ones
    # do not (they are centred on the reference's)
    rng = np.random.RandomState(0)
    X, ref = rng.uniform(size=(1000, 2)), rng.uniform(size=(1000, 2))
    det = DensityRatioDetector(reference=ref, random_state=0).fit(X)
    oof_gap = np.mean(det.oof_score_samples_) - np.mean(det.oof_reference_scores_)
    in_sample = np.mean(det.score_samples(X)) - np.mean(det.score_samples(ref))
    assert in_sample < oof_gap - 0.1  # training rows look more data-like in-sample
    assert abs(roc_auc_score(np.r_[np.ones(1000), np.zeros(1000)],
                             -np.r_[det.oof_score_samples_, det.oof_reference_scores_]) - 0.5
               ) < 0.05


def test_predict_flags_contamination_of_training_rows():
    X, _, ref = _bump_data()
    det = DensityRatioDetector(reference=ref, contamination=0.05, random_state=0).fit(X)
    assert np.mean(det.predict(X) == -1) == pytest.approx(0.05, abs=0.005)
    np.testing.assert_allclose(det.decision_function(X), det.score_samples(X) - det.offset_)


def test_deterministic_and_parallel_folds_agree():
    X, _, ref = _bump_data(600, 60)
    a = DensityRatioDetector(reference=ref, cv=3, random_state=1).fit(X)
    b = DensityRatioDetector(reference=ref, cv=3, random_state=1).fit(X)
    with joblib.parallel_config(backend="threading"):  # processes take ~20 s to start here
        c = DensityRatioDetector(reference=ref, cv=3, random_state=1, n_jobs=2).fit(X)
    for other in (b, c):
        np.testing.assert_array_equal(a.oof_score_samples_, other.oof_score_samples_)
        np.testing.assert_array_equal(a.score_samples(ref[:50]), other.score_samples(ref[:50]))
    ga = a.global_test(n_permutations=20, random_state=3)
    gb = b.global_test(n_permutations=20, random_state=3)
    np.testing.assert_array_equal(ga.null_statistics, gb.null_statistics)


def test_scoring_in_chunks_is_exact():
    import sklearn

    X, _, ref = _bump_data(400, 40)
    det = DensityRatioDetector(reference=ref, cv=2, random_state=0).fit(X)
    expected = det.score_samples(ref)
    with sklearn.config_context(working_memory=1e-4):  # 16-row chunks
        np.testing.assert_array_equal(det.score_samples(ref), expected)


def test_references_box_sampler_and_seeded_sampler():
    X, _, _ = _bump_data(500, 50)
    box = DensityRatioDetector(random_state=0).fit(X)
    assert box.n_reference_ == len(X) and box.reference_ is None
    seeded = DensityRatioDetector(reference=SeededSampler(), n_reference=700, cv=2,
                                  random_state=0)
    a, b = seeded.fit(X).oof_reference_scores_, seeded.fit(X).oof_reference_scores_
    np.testing.assert_array_equal(a, b)
    assert a.shape == (700,)
    # an unfitted PhaseSpaceSampler is cloned and fitted: events of 12 numbers
    events = PhaseSpaceSampler(random_state=0).fit().sample(300)
    det = DensityRatioDetector(reference=PhaseSpaceSampler(random_state=1), cv=2,
                               random_state=0).fit(events)
    assert det.n_reference_ == 300 and hasattr(det.reference_, "max_weight_")
    linear = DensityRatioDetector(reference=SeededSampler(), classifier=LogisticRegression(),
                                  cv=2, random_state=0).fit(X)
    assert linear.estimators_[0].coef_.shape == (1, 2)


def test_array_reference_subsampled():
    X, _, ref = _bump_data(300, 30)
    det = DensityRatioDetector(reference=ref, n_reference=100, cv=2, random_state=0).fit(X)
    assert det.n_reference_ == 100
    with pytest.raises(ValueError, match="exceeds the 300 rows"):
        DensityRatioDetector(reference=ref, n_reference=301).fit(X)


def test_clear_errors():
    X, _, ref = _bump_data(300, 30)
    with pytest.raises(ValueError, match="same feature space"):
        DensityRatioDetector(reference=np.zeros((50, 3))).fit(X)
    with pytest.raises(ValueError, match="too few events for cv=5"):
        DensityRatioDetector(reference=ref).fit(X[:4])
    det = DensityRatioDetector(reference=ref, cv=2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="statistic"):
        det.global_test(statistic="chi2")
    with pytest.raises(ValueError, match="n_permutations"):
        det.global_test(n_permutations=0)
    with pytest.raises(ValueError, match="method"):
        det.global_test(method="pooled")
    with pytest.raises(ValueError, match="expecting 2 features"):
        det.score_samples(np.zeros((2, 3)))


@pytest.mark.parametrize("method", ["fold", pytest.param("refit", marks=pytest.mark.slow)])
def test_global_test_is_calibrated_without_signal(method):
    # signal-free toys: p-values spread over (0, 1] (the experiment
    # 'density-ratio-calibration' runs 100 + 30 toys and KS tests)
    pvalues = []
    for seed in range(6):
        rng = np.random.RandomState(seed)
        det = DensityRatioDetector(reference=rng.uniform(size=(150, 2)), cv=3,
                                   classifier=LogisticRegression(),
                                   store_training_data=method == "refit",
                                   random_state=seed).fit(rng.uniform(size=(150, 2)))
        pvalues.append(det.global_test(method=method, n_permutations=9,
                                       random_state=seed).pvalue)
    assert min(pvalues) > 0.05 and 0.25 < np.mean(pvalues) < 0.75


def test_refit_test_finds_a_signal():
    X, _, ref = _bump_data(300, 60)
    det = DensityRatioDetector(reference=ref, cv=2, random_state=0, store_training_data=True).fit(X)
    result = det.global_test(method="refit", statistic="auc", n_permutations=9, random_state=0)
    assert result.pvalue == pytest.approx(0.1) and result.significance > 3


def test_training_matrix_is_kept_only_on_request():
    """The data and reference rows stay out of a fitted detector unless a refit test needs them."""
    import pickle

    X, _, ref = _bump_data(300, 60)
    lean = DensityRatioDetector(reference=ref, cv=2, random_state=0).fit(X)
    full = DensityRatioDetector(reference=ref, cv=2, random_state=0,
                                store_training_data=True).fit(X)
    assert lean.training_data_ is None and full.training_data_[0].shape[0] == len(X) + len(ref)
    assert len(pickle.dumps(lean)) < len(pickle.dumps(full)) - 8 * full.training_data_[0].size
    np.testing.assert_array_equal(lean.score_samples(X), full.score_samples(X))
    a, b = (d.global_test(n_permutations=9, random_state=0) for d in (lean, full))
    assert (a.statistic, a.pvalue) == (b.statistic, b.pvalue)
    with pytest.raises(ValueError, match="store_training_data=True"):
        lean.global_test(method="refit", n_permutations=9)
