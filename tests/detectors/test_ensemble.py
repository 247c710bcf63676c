"""Tests of ChartEnsembleDetector (arXiv:2102.08380, Sec. 9)."""

import pickle

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.utils import check_random_state

from sktopo.datasets import make_circle
from sktopo.detectors import AutoencoderDetector, PCADetector
from sktopo.detectors._ensemble import ChartEnsembleDetector, _aggregate


def tiny_template(**params):
    return AutoencoderDetector(
        **{"latent_dim": 1, "hidden_layer_sizes": (8,), "max_epochs": 4, **params}
    )


@pytest.fixture(scope="module")
def circle():
    X, _ = make_circle(120, random_state=0)
    return X


@pytest.fixture(scope="module")
def fitted(circle):
    return ChartEnsembleDetector(estimator=tiny_template(), n_charts=5, random_state=0).fit(circle)


# --------------------------------------------------------------------------- #
# The aggregation rule, on hand-made member losses
# --------------------------------------------------------------------------- #

ODD = np.array(
    [
        [3.0, 1.0, 2.0],  # sorted 1 (m1), 2 (m2), 3 (m0): median member 2
        [0.5, 9.0, 4.0],  # 0.5 (m0), 4 (m2), 9 (m1): median member 2
        [7.0, 7.0, 1.0],  # tie 7, 7: stable order puts m0 first -> median member 0
    ]
)

EVEN = np.array(
    [
        [4.0, 1.0, 3.0, 2.0],  # 1 (m1), 2 (m3), 3 (m2), 4 (m0): lower median = m3
        [10.0, 20.0, 30.0, 40.0],  # lower median = m1 (loss 20, not 25)
    ]
)


@pytest.mark.parametrize(
    "member_errors, rule, errors, index",
    [
        (ODD, "median", [2.0, 4.0, 7.0], [2, 2, 0]),
        (ODD, "min", [1.0, 0.5, 1.0], [1, 0, 2]),
        (EVEN, "median", [2.0, 20.0], [3, 1]),
        (EVEN, "min", [1.0, 10.0], [1, 0]),
        (np.array([[5.0], [0.25]]), "median", [5.0, 0.25], [0, 0]),
    ],
)
def test_aggregate_hand_computed(member_errors, rule, errors, index):
    got_errors, got_index = _aggregate(member_errors, rule)
    assert_array_equal(got_errors, errors)
    assert_array_equal(got_index, index)


def test_aggregate_mean_has_no_member():
    errors, index = _aggregate(EVEN, "mean")
    assert_allclose(errors, [2.5, 25.0])
    assert index is None


def test_aggregate_median_is_numpy_median_for_odd_members():
    errors = check_random_state(0).exponential(size=(50, 7))
    assert_array_equal(_aggregate(errors, "median")[0], np.median(errors, axis=1))


def test_aggregate_rejects_bad_rule_and_shape():
    with pytest.raises(ValueError, match="Unknown aggregation rule"):
        _aggregate(ODD, "max")
    with pytest.raises(ValueError, match="shape"):
        _aggregate(np.ones(3), "median")


# --------------------------------------------------------------------------- #
# The fitted detector
# --------------------------------------------------------------------------- #


def test_fitted_attributes(fitted, circle):
    expected_states = check_random_state(0).randint(0, 2**31 - 1, size=5)
    assert_array_equal(fitted.random_states_, expected_states)
    assert fitted.module_.n_members == 5
    assert len(fitted.nets_) == 1
    assert fitted.loss_curves_.shape == (4, 5)
    assert np.isfinite(fitted.loss_curves_).all()
    assert fitted.validation_loss_curves_ is None
    assert fitted.n_iter_ == 4
    assert fitted.n_features_in_ == 2
    assert isinstance(fitted.estimator_, AutoencoderDetector)
    assert fitted.member_errors(circle).shape == (120, 5)
    assert fitted.member_errors(circle).dtype == np.float64


def test_detector_contract(fitted, circle):
    scores = fitted.score_samples(circle)
    median = np.median(fitted.member_errors(circle), axis=1)  # n_charts odd
    assert_allclose(scores, -median)
    assert_allclose(fitted.decision_function(circle), scores - fitted.offset_)
    labels = fitted.predict(circle)
    assert set(np.unique(labels)) <= {-1, 1}
    assert (labels == -1).any()
    assert fitted.score(circle) == pytest.approx(scores.mean())


def test_member_reconstructions(fitted, circle):
    X_hat = fitted.member_reconstructions(circle)
    assert X_hat.shape == (120, 5, 2) and X_hat.dtype == np.float64
    assert_allclose(((X_hat - circle[:, None]) ** 2).sum(axis=-1), fitted.member_errors(circle),
                    rtol=1e-12, atol=1e-15)
    index = fitted.chart_index(circle)
    assert_array_equal(X_hat[np.arange(120), index], fitted.reconstruct(circle))
    with pytest.raises(ValueError, match="features"):
        fitted.member_reconstructions(circle[:, :1])


@pytest.mark.parametrize("aggregate", ["median", "min"])
@pytest.mark.parametrize("n_charts", [3, 4])
def test_reconstruct_matches_reconstruction_error(circle, aggregate, n_charts):
    ens = ChartEnsembleDetector(
        estimator=tiny_template(), n_charts=n_charts, aggregate=aggregate, random_state=1
    ).fit(circle)
    X_hat = ens.reconstruct(circle)
    assert_allclose(((circle - X_hat) ** 2).sum(axis=1), ens.reconstruction_error(circle),
                    rtol=1e-12, atol=1e-15)
    index = ens.chart_index(circle)
    member_errors = ens.member_errors(circle)
    chosen = member_errors[np.arange(len(index)), index]
    assert_array_equal(chosen, ens.reconstruction_error(circle))
    if aggregate == "min":
        assert_array_equal(index, member_errors.argmin(axis=1))
    else:
        # the chosen member's loss has (n_charts - 1) // 2 members strictly below it
        below = (member_errors < ens.reconstruction_error(circle)[:, None]).sum(axis=1)
        assert (below <= (n_charts - 1) // 2).all()
        at_most = (member_errors <= ens.reconstruction_error(circle)[:, None]).sum(axis=1)
        assert (at_most >= (n_charts - 1) // 2 + 1).all()


def test_mean_aggregate_conventions(circle):
    ens = ChartEnsembleDetector(
        estimator=tiny_template(), n_charts=3, aggregate="mean", random_state=0
    ).fit(circle)
    assert not hasattr(ens, "chart_index")
    assert_allclose(ens.reconstruction_error(circle), ens.member_errors(circle).mean(axis=1))
    outputs = np.stack(
        [
            AutoencoderDetector(
                **{**tiny_template().get_params(), "random_state": int(s)}
            ).fit(circle).reconstruct(circle)
            for s in ens.random_states_
        ]
    )
    assert_allclose(ens.reconstruct(circle), outputs.mean(axis=0), rtol=1e-4, atol=1e-6)
    # Jensen: the mean output is at least as close as the mean loss says
    distance = ((circle - ens.reconstruct(circle)) ** 2).sum(axis=1)
    assert (distance <= ens.reconstruction_error(circle) + 1e-12).all()


@pytest.mark.filterwarnings("ignore::sktopo.exceptions.NoBottleneckWarning")  # latent 2 = input
def test_default_template_is_autoencoder(circle):
    # the default AutoencoderDetector trains 200 epochs: keep the data tiny
    ens = ChartEnsembleDetector(n_charts=1, random_state=0).fit(circle[:10])
    assert type(ens.estimator_) is AutoencoderDetector
    assert ens.estimator_.get_params() == AutoencoderDetector().get_params()
    assert ens.estimator is None
    assert ens.loss_curves_.shape == (200, 1)


def test_template_random_state_is_ignored(circle):
    a = ChartEnsembleDetector(estimator=tiny_template(random_state=1), n_charts=2, random_state=0)
    b = ChartEnsembleDetector(estimator=tiny_template(random_state=7), n_charts=2, random_state=0)
    assert_array_equal(a.fit(circle).score_samples(circle), b.fit(circle).score_samples(circle))


def test_determinism(fitted, circle):
    again = clone(fitted).fit(circle)
    assert_array_equal(again.score_samples(circle), fitted.score_samples(circle))
    assert_array_equal(again.member_errors(circle), fitted.member_errors(circle))
    other = clone(fitted).set_params(random_state=1).fit(circle)
    assert not np.array_equal(other.member_errors(circle), fitted.member_errors(circle))


def test_pickle_round_trip(fitted, circle):
    restored = pickle.loads(pickle.dumps(fitted))
    assert_array_equal(restored.score_samples(circle), fitted.score_samples(circle))
    assert_array_equal(restored.chart_index(circle), fitted.chart_index(circle))
    assert_array_equal(restored.reconstruct(circle), fitted.reconstruct(circle))


def test_float32_input(fitted, circle):
    assert_allclose(
        fitted.score_samples(circle.astype(np.float32)),
        fitted.score_samples(circle.astype(np.float32).astype(np.float64)),
    )


# --------------------------------------------------------------------------- #
# Errors
# --------------------------------------------------------------------------- #


def test_not_fitted(circle):
    ens = ChartEnsembleDetector(estimator=tiny_template())
    for method in ("score_samples", "member_errors", "chart_index", "reconstruct", "predict"):
        with pytest.raises(NotFittedError):
            getattr(ens, method)(circle)


def test_bad_input(fitted, circle):
    X = circle.copy()
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clone(fitted).fit(X)
    with pytest.raises(ValueError, match="NaN"):
        fitted.score_samples(X)
    with pytest.raises(ValueError, match="features"):
        fitted.score_samples(np.ones((4, 3)))
    with pytest.raises(ValueError, match="features"):
        fitted.member_errors(np.ones((4, 3)))


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"estimator": PCADetector()}, TypeError, "AutoencoderDetector"),
        ({"estimator": "ae"}, TypeError, "AutoencoderDetector"),
        ({"n_charts": 0}, ValueError, "n_charts"),
        ({"n_charts": 2.0}, ValueError, "n_charts"),
        ({"aggregate": "max"}, ValueError, "aggregate"),
        ({"n_jobs": "2"}, ValueError, "n_jobs"),
        ({"n_jobs": 1.5}, ValueError, "n_jobs"),
        ({"contamination": 0.7}, ValueError, "contamination"),
        ({"estimator": tiny_template(latent_dim=0)}, ValueError, "latent_dim"),
        ({"estimator": tiny_template(latent_dim=3)}, ValueError, "n_features=2"),
    ],
)
def test_bad_params(circle, params, error, match):
    ens = ChartEnsembleDetector(**{"estimator": tiny_template(), "n_charts": 2, **params})
    with pytest.raises(error, match=match):
        ens.fit(circle)


# --------------------------------------------------------------------------- #
# Training: one stacked net, member k == an AutoencoderDetector, grouping-invariant
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_member_k_is_the_lone_autoencoder(circle, optimizer):
    template = tiny_template(hidden_layer_sizes=(16,), optimizer=optimizer, max_epochs=6)
    ens = ChartEnsembleDetector(estimator=template, n_charts=4, random_state=3).fit(circle)
    member_errors = ens.member_errors(circle)
    for k, state in enumerate(ens.random_states_):
        alone = clone(template).set_params(random_state=int(state)).fit(circle)
        # measured: <= 1e-5 relative (float32 training, batched vs single products)
        assert_allclose(member_errors[:, k], alone.reconstruction_error(circle), rtol=1e-4,
                        atol=1e-6 * member_errors[:, k].max())
        assert_allclose(ens.loss_curves_[:, k], alone.loss_curve_, rtol=1e-4)


@pytest.mark.parametrize("n_jobs", [2, 3, 5])
def test_grouping_does_not_change_members(circle, n_jobs):
    template = tiny_template()
    ref = ChartEnsembleDetector(estimator=template, n_charts=5, n_jobs=1, random_state=0)
    ref.fit(circle)
    with joblib.parallel_backend("threading"):
        grouped = clone(ref).set_params(n_jobs=n_jobs).fit(circle)
    assert len(grouped.nets_) == n_jobs
    assert grouped.module_.n_members == 5
    assert_array_equal(grouped.random_states_, ref.random_states_)
    assert_allclose(grouped.member_errors(circle), ref.member_errors(circle), rtol=1e-6)
    assert_allclose(grouped.loss_curves_, ref.loss_curves_, rtol=1e-6)
    assert_allclose(grouped.score_samples(circle), ref.score_samples(circle), rtol=1e-6)
    assert grouped.offset_ == pytest.approx(ref.offset_, rel=1e-6)


def test_more_jobs_than_charts(circle):
    with joblib.parallel_backend("threading"):
        ens = ChartEnsembleDetector(estimator=tiny_template(), n_charts=2, n_jobs=4).fit(circle)
    assert len(ens.nets_) == 2
    assert ens.member_errors(circle).shape == (120, 2)


def test_early_stopping_curves(circle):
    template = tiny_template(early_stopping=True, n_iter_no_change=1, max_epochs=30)
    with joblib.parallel_backend("threading"):
        ens = ChartEnsembleDetector(estimator=template, n_charts=3, n_jobs=3, random_state=0)
        ens.fit(circle)
    assert ens.loss_curves_.shape == ens.validation_loss_curves_.shape == (ens.n_iter_, 3)
    lengths = [len(net.history) for net in ens.nets_]
    for k, n_epochs in enumerate(lengths):
        assert np.isfinite(ens.loss_curves_[:n_epochs, k]).all()
        assert np.isnan(ens.loss_curves_[n_epochs:, k]).all()


@pytest.mark.slow
def test_grouping_with_processes(circle):
    """Default (loky) backend: groups are trained in worker processes and shipped back."""
    ref = ChartEnsembleDetector(estimator=tiny_template(), n_charts=4, random_state=0).fit(circle)
    grouped = clone(ref).set_params(n_jobs=2).fit(circle)
    assert len(grouped.nets_) == 2
    assert_allclose(grouped.member_errors(circle), ref.member_errors(circle), rtol=1e-6)


@pytest.mark.filterwarnings("ignore::sktopo.exceptions.NoBottleneckWarning")  # latent 2 = input
def test_grid_search(circle):
    template = tiny_template(max_epochs=2)
    search = GridSearchCV(
        ChartEnsembleDetector(estimator=template, random_state=0),
        {"estimator__latent_dim": [1, 2], "n_charts": [1, 3]},
        cv=2,
    ).fit(circle)
    assert len(search.cv_results_["params"]) == 4
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_.estimator_.latent_dim == search.best_params_[
        "estimator__latent_dim"
    ]
    assert search.best_estimator_.module_.n_members == search.best_params_["n_charts"]
