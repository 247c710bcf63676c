"""AutoencoderDetector(n_init=...): keep the best of several trainings, chosen without labels."""

import pickle

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone

from sktopo.datasets import make_circle, make_torus
from sktopo.detectors import AutoencoderDetector, ChartEnsembleDetector
from sktopo.detectors._autoencoder import init_random_states
from sktopo.detectors._neural import NeuralDetector
from sktopo.nn._inference import apply_chunked


def train_autoencoders(X, det, random_states):
    """One stacked training of ``det``'s network, one member per random state."""
    return NeuralDetector._train_members(det, X, random_states)


def tiny(**params):
    base = dict(latent_dim=1, hidden_layer_sizes=(16,), max_epochs=8, optimizer="adam",
                learning_rate=3e-3, random_state=0)
    return AutoencoderDetector(**{**base, **params})


@pytest.fixture(scope="module")
def circle():
    return make_circle(200, random_state=0)[0]


@pytest.fixture(scope="module")
def fitted(circle):
    return tiny(n_init=4).fit(circle)


def test_init_random_states():
    assert init_random_states(7, 1) == [7]
    assert init_random_states(None, 1) == [None]
    states = init_random_states(7, 5)
    assert states[0] == 7 and len(set(states)) == 5
    assert all(isinstance(s, int) for s in states)
    # A larger n_init only adds trainings.
    assert init_random_states(7, 3) == states[:3]
    rng = np.random.RandomState(7)
    assert init_random_states(rng, 3)[1:] == states[1:3] and init_random_states(rng, 3)[0] is rng


@pytest.mark.parametrize("early_stopping", [False, True])
def test_n_init_1_is_the_plain_fit(circle, early_stopping):
    det = tiny(early_stopping=early_stopping).fit(circle)
    again = tiny(early_stopping=early_stopping, n_init=1).fit(circle)
    assert_array_equal(again.score_samples(circle), det.score_samples(circle))
    assert again.loss_curve_ == det.loss_curve_
    assert again.best_init_ == 0 and again.init_random_states_ == [0]
    final = min(det.validation_loss_curve_) if early_stopping else det.loss_curve_[-1]
    assert again.init_losses_.tolist() == [final]


def test_kept_member_is_member_k_of_the_stack(fitted, circle):
    """Bitwise: the kept module and losses are member ``best_init_`` of the stacked training."""
    params = fitted.get_params()
    stack = train_autoencoders(circle, fitted, init_random_states(0, 4))
    finals = np.asarray(stack.history[-1, "train_loss_members"])
    assert_array_equal(fitted.init_losses_, finals)
    assert fitted.best_init_ == int(np.argmin(finals))
    k = fitted.best_init_
    module = fitted.net_.module_
    assert module.n_members == 1
    assert fitted.net_.module__init_seeds == (stack.module__init_seeds[k],)
    for name, p in stack.module_.member_state(k).items():
        assert torch.equal(module.get_parameter(name), p)
    assert fitted.loss_curve_ == [v[k] for v in stack.history[:, "train_loss_members"]]
    assert fitted.n_iter_ == len(stack.history) == 8
    # Same weights; scoring a one-member module vs a 4-member one: float64 rounding only.
    assert_allclose(fitted.transform(circle),
                    apply_chunked(stack.module_, circle, "encode", members=k), rtol=1e-12)


def test_kept_member_is_the_lone_detector(fitted, circle):
    k = fitted.best_init_
    alone = clone(fitted).set_params(n_init=1, random_state=fitted.init_random_states_[k])
    alone.fit(circle)
    # measured 3e-8 relative: float32 training, batched vs single products (as in
    # test_ensemble.py::test_member_k_is_the_lone_autoencoder).
    errors = fitted.reconstruction_error(circle)
    assert_allclose(errors, alone.reconstruction_error(circle), rtol=1e-4,
                    atol=1e-6 * errors.max())
    assert_allclose(fitted.loss_curve_, alone.loss_curve_, rtol=1e-4)
    assert fitted.init_losses_[k] == pytest.approx(alone.init_losses_[0], rel=1e-4)


def test_best_init_is_argmin_and_no_worse_than_training_0(fitted, circle):
    assert fitted.init_losses_.shape == (4,)
    assert fitted.best_init_ == int(np.argmin(fitted.init_losses_))
    assert fitted.loss_curve_[-1] == fitted.init_losses_.min()
    plain = clone(fitted).set_params(n_init=1).fit(circle)
    # Training 0 is the plain fit (up to float32 rounding of the stacked products).
    assert fitted.init_losses_[0] == pytest.approx(plain.loss_curve_[-1], rel=1e-4)
    assert fitted.loss_curve_[-1] <= plain.loss_curve_[-1] * (1 + 1e-4)


def test_one_member_everywhere(fitted, circle):
    net = fitted.net_
    assert net.shuffle_seeds == (net.shuffle_seeds[0],)
    for state in net.optimizer_.state_dict()["state"].values():
        assert state["exp_avg"].shape[0] == 1
    assert all(len(v) == 1 for v in net.history[:, "train_loss_members"])
    assert fitted.reconstruct(circle).shape == circle.shape
    Z = fitted.transform(circle)
    assert_allclose(fitted.inverse_transform(Z), fitted.reconstruct(circle), rtol=1e-6,
                    atol=1e-7)
    again = pickle.loads(pickle.dumps(fitted))
    assert_array_equal(again.score_samples(circle), fitted.score_samples(circle))


def test_determinism(fitted, circle):
    again = tiny(n_init=4).fit(circle)
    assert_array_equal(again.score_samples(circle), fitted.score_samples(circle))
    assert_array_equal(again.init_losses_, fitted.init_losses_)


def test_early_stopping_picks_best_validation_loss(circle):
    det = tiny(n_init=3, early_stopping=True, max_epochs=6).fit(circle)
    stack = train_autoencoders(circle, det, det.init_random_states_)
    best = np.asarray(stack.history[:, "valid_loss_members"]).min(axis=0)
    assert_array_equal(det.init_losses_, best)
    assert det.best_init_ == int(np.argmin(best))
    assert min(det.validation_loss_curve_) == best.min()
    assert len(det.validation_loss_curve_) == det.n_iter_


@pytest.mark.parametrize("n_init", [0, -1, 1.5, "4"])
def test_bad_n_init(circle, n_init):
    with pytest.raises(ValueError, match="n_init"):
        tiny(n_init=n_init).fit(circle)


def test_rejected_inside_an_ensemble(circle):
    ens = ChartEnsembleDetector(estimator=tiny(n_init=2), n_charts=2, random_state=0)
    with pytest.raises(ValueError, match="use n_init on a single detector"):
        ens.fit(circle)


def test_torus_latent_on_the_clifford_torus():
    """Issue 14: a torus latent finds the good solution for some seeds; n_init keeps one.

    Measured (500 points, 60 Adam epochs, 12 seeds): a third of the seeds end
    with training loss ~3e-4 and test worst/median ~5, the others with ~0.07
    and ~15-19; the training loss alone tells them apart.  With random_state=2
    trainings 1 and 3 are good (losses 4e-4, 3e-4; worst/median 7.4, 7.7), 0 and
    2 not (0.079, 0.074; 16.3, 14.3): training 3 is kept.
    """
    X_train = make_torus(500, kind="clifford", random_state=0)[0]
    X_test = make_torus(500, kind="clifford", random_state=1)[0]
    det = AutoencoderDetector(latent_dim=2, latent_space="torus", hidden_layer_sizes=(64,),
                              optimizer="adam", learning_rate=3e-3, max_epochs=60, n_init=4,
                              random_state=2).fit(X_train)
    stack = train_autoencoders(X_train, det, det.init_random_states_)
    singles = np.stack([apply_chunked(stack.module_, X_test, "errors", reduce=lambda e: e[:, k])
                        for k in range(4)], axis=1)
    single_ratio = singles.max(axis=0) / np.median(singles, axis=0)
    errors = det.reconstruction_error(X_test)
    ratio = errors.max() / np.median(errors)
    assert ratio == pytest.approx(single_ratio[det.best_init_], rel=1e-3)
    assert det.best_init_ != 0
    assert ratio <= np.median(single_ratio)
    assert ratio < 10


def test_compare_latent_spaces_keeps_the_best_training_per_seed(circle):
    from sktopo.experiments._latent_space import compare_latent_spaces

    detector = dict(latent_dim=1, hidden_layer_sizes=(8,), max_epochs=3)
    errors, models = compare_latent_spaces(circle, circle, detector, "sphere", n_seeds=2,
                                           n_charts=2, n_init=3)
    final = models["topological"].loss_curves_[-1]
    assert final.shape == (6,)
    kept = models["kept"]
    assert_array_equal(kept, [np.argmin(final[:3]), 3 + np.argmin(final[3:])])
    assert_array_equal(errors["topological"], models["topological"].member_errors(circle)[:, kept])
