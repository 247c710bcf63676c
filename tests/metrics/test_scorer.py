"""make_anomaly_scorer and BackgroundOnlySplit: the sign, the labels, GridSearchCV, the splits."""

import pickle

import numpy as np
import pytest
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold, cross_val_score

from sktopo import PCADetector
from sktopo.metrics import (
    BackgroundOnlySplit,
    anomaly_score,
    efficiency_at_rejection,
    make_anomaly_scorer,
    physics_roc_curve,
    rejection_at_efficiency,
    significance_improvement,
    significance_improvement_curve,
)

SCALES = np.array([3.0, 0.5, 0.1])


@pytest.fixture(scope="module")
def data():
    """Background in a flat ellipsoid; signal displaced along its 2nd axis.

    PCA with 1 component leaves the 2nd axis in the error (signal error ~ 16,
    background ~ 0.26): it separates.  With 2 components only the 3rd axis
    is left, the same for both: it does not, though it reconstructs better.
    """
    rng = np.random.default_rng(0)
    background = rng.normal(size=(300, 3)) * SCALES
    signal = rng.normal(size=(60, 3)) * SCALES + [0.0, 4.0, 0.0]
    X = np.vstack([background, signal])
    y = np.r_[np.zeros(300), np.ones(60)]
    perm = rng.permutation(y.size)
    return X[perm], y[perm]


class InvertedDetector(PCADetector):
    """A detector with the sign wrong: anomaly_score = -reconstruction error."""

    def anomaly_score(self, X):
        return -self.reconstruction_error(X)


def test_anomaly_score_is_minus_score_samples(data):
    X, y = data
    det = PCADetector(n_components=1).fit(X[y == 0])
    np.testing.assert_array_equal(anomaly_score(det, X), -det.score_samples(X))
    np.testing.assert_allclose(anomaly_score(det, X), det.reconstruction_error(X))
    with pytest.raises(TypeError, match="score_samples"):
        anomaly_score(object(), X)


@pytest.mark.parametrize(
    "metric, kwargs, func",
    [
        ("roc_auc", {}, roc_auc_score),
        ("average_precision", {}, average_precision_score),
        ("efficiency_at_rejection", {"background_efficiency": 0.01},
         lambda y, s: efficiency_at_rejection(y, s, background_efficiency=0.01)),
        ("rejection_at_efficiency", {"efficiency": 0.2},
         lambda y, s: rejection_at_efficiency(y, s, efficiency=0.2)),
        ("significance_improvement", {"background_efficiency": 0.5},
         lambda y, s: significance_improvement(y, s, background_efficiency=0.5)),
        ("significance_improvement", {"threshold": 1.0},
         lambda y, s: significance_improvement(y, s, threshold=1.0)),
    ],
)
def test_scorer_value_uses_minus_score_samples(data, metric, kwargs, func):
    X, y = data
    det = PCADetector(n_components=2).fit(X[y == 0])
    scorer = make_anomaly_scorer(metric, **kwargs)
    assert scorer(det, X, y) == pytest.approx(func(y, -det.score_samples(X)))
    assert isinstance(scorer(det, X, y), float)


def test_scorer_sign_cannot_be_inverted(data):
    X, y = data
    scorer = make_anomaly_scorer("roc_auc")
    good = PCADetector(n_components=1).fit(X[y == 0])
    bad = InvertedDetector(n_components=1).fit(X[y == 0])
    assert scorer(good, X, y) > 0.95
    assert scorer(bad, X, y) == pytest.approx(1.0 - scorer(good, X, y))
    assert scorer(bad, X, y) < 0.5
    # separating detector scores higher with every metric
    for metric in ("average_precision", "efficiency_at_rejection"):
        s = make_anomaly_scorer(metric)
        assert s(good, X, y) > s(bad, X, y)


def test_scorer_validation(data):
    X, y = data
    det = PCADetector(n_components=1).fit(X)
    with pytest.raises(ValueError, match="metric must be one of"):
        make_anomaly_scorer("accuracy")
    with pytest.raises(TypeError, match="efficiency"):
        make_anomaly_scorer("efficiency_at_rejection", efficiency=0.5)
    with pytest.raises(TypeError, match="none"):
        make_anomaly_scorer("roc_auc", background_efficiency=0.1)
    with pytest.raises(ValueError, match="needs labels"):
        make_anomaly_scorer()(det, X)
    with pytest.raises(ValueError, match="both"):
        make_anomaly_scorer()(det, X, np.zeros(len(X)))
    scorer = make_anomaly_scorer("efficiency_at_rejection", background_efficiency=0.01)
    assert repr(scorer) == (
        "make_anomaly_scorer('efficiency_at_rejection', background_efficiency=0.01)")
    assert pickle.loads(pickle.dumps(scorer))(det, X, y) == scorer(det, X, y)


def test_background_only_split():
    y = np.r_[np.zeros(20), np.ones(10)]
    X = np.zeros((30, 1))
    cv = BackgroundOnlySplit(cv=5)
    assert cv.get_n_splits(X, y) == 5
    tests = []
    for train, test in cv.split(X, y):
        assert np.all(y[train] == 0) and train.size == 16
        assert set(y[test]) == {0.0, 1.0}  # stratified: 4 background, 2 signal
        assert np.sum(y[test] == 1) == 2
        assert not set(train) & set(test)
        tests.append(test)
    np.testing.assert_array_equal(np.sort(np.concatenate(tests)), np.arange(30))
    assert repr(cv) == "BackgroundOnlySplit(cv=5, pos_label='auto')"


def test_background_only_split_wraps_splitter_and_validates():
    y = np.array([0, 1] * 6)
    X = np.zeros((12, 1))
    cv = BackgroundOnlySplit(cv=KFold(3))
    assert cv.get_n_splits() == 3
    for (train, test), (k_train, k_test) in zip(cv.split(X, y), KFold(3).split(X)):
        np.testing.assert_array_equal(train, k_train[y[k_train] == 0])
        np.testing.assert_array_equal(test, k_test)
    with pytest.raises(ValueError, match="needs y"):
        next(cv.split(X, None))
    with pytest.raises(ValueError, match="1 = signal, 0 = background, or"):
        next(cv.split(X, np.array([0, 2] * 6)))
    with pytest.raises(ValueError, match="no background"):
        list(BackgroundOnlySplit(cv=[(np.array([1, 3]), np.array([0, 2]))]).split(X, y))


def test_grid_search_picks_the_separating_setting(data):
    X, y = data
    grid = {"n_components": [1, 2]}
    search = GridSearchCV(PCADetector(), grid, scoring=make_anomaly_scorer("roc_auc"),
                          cv=BackgroundOnlySplit(cv=3), refit=False).fit(X, y)
    assert search.best_params_ == {"n_components": 1}
    aucs = search.cv_results_["mean_test_score"]
    assert aucs[0] > 0.95 and aucs[1] < 0.75  # higher scorer value = better separation
    # the unsupervised default, mean score_samples, prefers the bigger latent space
    default = GridSearchCV(PCADetector(), grid, cv=BackgroundOnlySplit(cv=3),
                           refit=False).fit(X, y)
    assert default.best_params_ == {"n_components": 2}


def test_cross_val_score_with_efficiency_scorer(data):
    X, y = data
    scores = cross_val_score(PCADetector(n_components=1), X, y, cv=BackgroundOnlySplit(cv=3),
                             scoring=make_anomaly_scorer("efficiency_at_rejection",
                                                         background_efficiency=0.1))
    assert scores.shape == (3,) and np.all(scores > 0.9)


# Arguments checked at construction (issue 9, items 6 and 14)
@pytest.mark.parametrize(
    "metric, kwargs, match",
    [
        ("efficiency_at_rejection", {"background_efficiency": 2.0}, "background_efficiency"),
        ("efficiency_at_rejection", {"background_efficiency": -0.1}, "background_efficiency"),
        ("efficiency_at_rejection", {"background_efficiency": True}, "background_efficiency"),
        ("efficiency_at_rejection", {"background_efficiency": "0.1"}, "background_efficiency"),
        ("efficiency_at_rejection", {"rejection": 2.0}, "rejection"),
        ("efficiency_at_rejection", {"rejection": 0.9, "background_efficiency": 0.1},
         "not also"),
        ("rejection_at_efficiency", {"efficiency": 0.0}, "efficiency"),
        ("rejection_at_efficiency", {"efficiency": np.nan}, "efficiency"),
        ("significance_improvement", {"threshold": np.nan}, "threshold"),
        ("significance_improvement", {"threshold": 1.0, "background_efficiency": 0.1},
         "not both"),
    ],
)
def test_bad_metric_arguments_fail_at_construction(metric, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_anomaly_scorer(metric, **kwargs)


def test_bad_argument_fails_before_a_search(data):
    """No longer NaN scores in every fold and an arbitrary best_params_."""
    X, y = data
    with pytest.raises(ValueError, match="background_efficiency must be in"):
        GridSearchCV(PCADetector(), {"n_components": [1, 2]},
                     scoring=make_anomaly_scorer("efficiency_at_rejection",
                                                 background_efficiency=2.0),
                     cv=BackgroundOnlySplit(cv=3), refit=False).fit(X, y)


def test_deprecated_rejection_in_scorer_warns_once_and_converts(data):
    X, y = data
    det = PCADetector(n_components=1).fit(X)
    with pytest.warns(FutureWarning, match="background_efficiency=0.1 "):
        scorer = make_anomaly_scorer("efficiency_at_rejection", rejection=0.9)
    # calling it does not warn again (warnings are errors here)
    expected = efficiency_at_rejection(y, -det.score_samples(X), background_efficiency=0.1)
    assert scorer(det, X, y) == expected


# Labels: {1 signal, 0 background} or scikit-learn's outlier labels {-1 outlier, 1 inlier}
def _outlier_labels(y):
    """scikit-learn's ``predict`` convention: -1 = outlier (signal), 1 = inlier."""
    return np.where(y == 1, -1, 1)


@pytest.mark.parametrize("metric, kwargs", [
    ("roc_auc", {}),
    ("average_precision", {}),
    ("efficiency_at_rejection", {"background_efficiency": 0.1}),
    ("rejection_at_efficiency", {"efficiency": 0.5}),
    ("significance_improvement", {"background_efficiency": 0.1}),
])
def test_scorer_reads_outlier_labels(data, metric, kwargs):
    X, y = data
    det = PCADetector(n_components=1).fit(X[y == 0])
    scorer = make_anomaly_scorer(metric, **kwargs)
    expected = scorer(det, X, y)
    assert not np.isnan(expected)
    assert scorer(det, X, _outlier_labels(y)) == expected
    assert scorer(det, X, y.astype(bool)) == expected
    # explicit: the label of the signal
    labels = np.where(y == 1, "top", "qcd")
    assert make_anomaly_scorer(metric, pos_label="top", **kwargs)(det, X, labels) == expected
    assert make_anomaly_scorer(metric, pos_label=0, **kwargs)(det, X, 1 - y) == expected


def test_metrics_read_outlier_labels():
    y = np.r_[np.zeros(10), np.ones(4)]
    score = np.r_[np.arange(10.0), [2.5, 7.5, 8.5, 10.0]]
    outlier = _outlier_labels(y)
    for func, kwargs in [(efficiency_at_rejection, {"background_efficiency": 0.1}),
                         (rejection_at_efficiency, {"efficiency": 0.5}),
                         (significance_improvement, {"background_efficiency": 0.1})]:
        assert func(outlier, score, **kwargs) == func(y, score, **kwargs)
        assert func(1 - y, score, pos_label=0, **kwargs) == func(y, score, **kwargs)
    for func in (physics_roc_curve, significance_improvement_curve):
        for a, b in zip(func(outlier, score), func(y, score)):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("cv", [BackgroundOnlySplit(cv=3), StratifiedKFold(3)])
def test_grid_search_with_outlier_labels_picks_the_separating_setting(data, cv):
    """y in {-1, 1}: every candidate scored (no NaN), the right one chosen."""
    X, y = data
    grid = {"n_components": [1, 2]}
    ours = GridSearchCV(PCADetector(), grid, scoring=make_anomaly_scorer(), cv=cv,
                        refit=False).fit(X, y)
    search = GridSearchCV(PCADetector(), grid, scoring=make_anomaly_scorer(), cv=cv,
                          refit=False).fit(X, _outlier_labels(y))
    assert search.best_params_ == {"n_components": 1}
    aucs = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(aucs)) and aucs[0] > 0.95 and aucs[1] < 0.75
    np.testing.assert_array_equal(aucs, ours.cv_results_["mean_test_score"])


def test_background_only_split_trains_on_inliers_of_outlier_labels(data):
    X, y = data
    outlier = _outlier_labels(y)
    for train, test in BackgroundOnlySplit(cv=3).split(X, outlier):
        assert np.all(outlier[train] == 1) and set(outlier[test]) == {-1, 1}
    labels = np.where(y == 1, "top", "qcd")
    for train, _ in BackgroundOnlySplit(cv=3, pos_label="top").split(X, labels):
        assert np.all(labels[train] == "qcd")


def test_sklearn_outlier_detector_with_its_own_labels(data):
    """IsolationForest's predict labels (-1 outlier) score the same as the truth they copy."""
    X, y = data
    forest = IsolationForest(random_state=0).fit(X[y == 0])
    predicted = forest.predict(X)  # -1 = outlier, 1 = inlier
    auc = make_anomaly_scorer()(forest, X, predicted)
    assert auc == pytest.approx(roc_auc_score(predicted == -1, -forest.score_samples(X)))
    assert auc > 0.9


@pytest.mark.parametrize("y, pos_label, match", [
    ([0, 2] * 30, "auto", r"1 = signal, 0 = background, or scikit-learn's outlier labels "
                          r"-1 = outlier \(signal\), 1 = inlier \(background\); got \[0, 2\]"),
    ([-1, 0, 1] * 20, "auto", r"got \[-1, 0, 1\]"),
    (["qcd", "top"] * 30, "auto", "pos_label="),
    ([1] * 60, "auto", "both signal and background; got only the label 1"),
    ([-1] * 60, "auto", "both signal and background"),
    (["qcd", "top"] * 30, "gluino", "pos_label='gluino' for signal"),
    ([0, 1, 2] * 20, 1, "two labels"),
])
def test_unreadable_labels_say_what_was_expected(data, y, pos_label, match):
    X, _ = data
    det = PCADetector(n_components=1).fit(X)
    y = np.asarray(y)
    with pytest.raises(ValueError, match=match):
        make_anomaly_scorer(pos_label=pos_label)(det, X[:y.size], y)
    with pytest.raises(ValueError, match=match):
        next(BackgroundOnlySplit(cv=3, pos_label=pos_label).split(X[:y.size], y))


def test_label_mistake_stops_a_search_before_any_fit(data):
    """BackgroundOnlySplit reads the labels first: an error, not NaN in every fold."""
    X, y = data
    fits = []

    class Counting(PCADetector):
        def fit(self, X, y=None):
            fits.append(1)
            return super().fit(X, y)

    with pytest.raises(ValueError, match="1 = signal, 0 = background"):
        GridSearchCV(Counting(), {"n_components": [1, 2]}, scoring=make_anomaly_scorer(),
                     cv=BackgroundOnlySplit(cv=3), refit=False).fit(X, 2 * y)
    assert not fits


@pytest.mark.parametrize("pos_label", [None, np.nan, [1], object()])
def test_bad_pos_label(pos_label):
    with pytest.raises(ValueError, match="pos_label must be 'auto' or the label"):
        make_anomaly_scorer(pos_label=pos_label)


def test_pos_label_in_repr():
    assert repr(make_anomaly_scorer()) == "make_anomaly_scorer('roc_auc')"
    assert repr(make_anomaly_scorer(pos_label=-1)) == "make_anomaly_scorer('roc_auc', pos_label=-1)"
