"""Users' skorch callbacks on the one training path (issue 18, item 4)."""

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback, Checkpoint, LRScheduler

from sktopo import (
    AutoencoderDetector,
    ChartEnsembleDetector,
    ConvAutoencoderDetector,
    SidebandReference,
    VAEDetector,
)
from sktopo.datasets import make_circle
from sktopo.nn import MemberLossRecorder, TrainingConfig
from sktopo.nn._config import check_callbacks

SMALL = dict(latent_dim=1, hidden_layer_sizes=(8,), random_state=0)


class Count(Callback):
    """Counts epochs and records the learning rate and the number of stacked networks."""

    def initialize(self):
        self.epochs_ = 0
        self.lrs_, self.members_ = [], []
        return self

    def on_epoch_end(self, net, **kwargs):
        self.epochs_ += 1
        self.lrs_.append(net.optimizer_.param_groups[0]["lr"])
        self.members_.append(net.module_.n_members)


@pytest.fixture(scope="module")
def circle():
    return make_circle(200, random_state=0)[0]


def test_a_user_callback_sees_every_epoch(circle):
    det = AutoencoderDetector(max_epochs=7, callbacks=[("count", Count())], **SMALL).fit(circle)
    count = dict(det.net_.callbacks_)["count"]
    assert count.epochs_ == 7 == det.n_iter_


def test_lr_scheduler_changes_the_learning_rate(circle):
    det = AutoencoderDetector(
        optimizer="adam", learning_rate=1e-2, max_epochs=6,
        callbacks=[LRScheduler(policy="StepLR", step_size=2, gamma=0.5), ("count", Count())],
        **SMALL).fit(circle)
    lrs = dict(det.net_.callbacks_)["count"].lrs_
    np.testing.assert_allclose(lrs, [1e-2, 5e-3, 5e-3, 2.5e-3, 2.5e-3, 1.25e-3])
    plain = AutoencoderDetector(optimizer="adam", learning_rate=1e-2, max_epochs=6,
                                **SMALL).fit(circle)
    assert det.loss_curve_[:2] == plain.loss_curve_[:2]  # same until the rate first drops
    assert det.loss_curve_[-1] != plain.loss_curve_[-1]


def test_plateau_scheduler_and_checkpoint_monitor_the_scalar_losses(circle, tmp_path):
    det = AutoencoderDetector(
        max_epochs=5, early_stopping=True, n_iter_no_change=50,
        callbacks=[LRScheduler(policy="ReduceLROnPlateau", monitor="valid_loss", patience=1),
                   Checkpoint(dirname=str(tmp_path), monitor="valid_loss_best")],
        **SMALL).fit(circle)
    history = det.net_.history
    assert all(isinstance(v, float) for v in history[:, "valid_loss"])
    assert history[:, "valid_loss"] == det.validation_loss_curve_
    assert (tmp_path / "params.pt").exists()
    assert any(history[:, "event_cp"])


def test_stacked_members_run_the_user_callback(circle):
    # an ensemble trains its charts as one stacked net: the callback sees all of them
    template = AutoencoderDetector(max_epochs=4, callbacks=[("count", Count())], **SMALL)
    ens = ChartEnsembleDetector(template, n_charts=3, random_state=0).fit(circle)
    count = dict(ens.nets_[0].callbacks_)["count"]
    assert count.epochs_ == 4 and count.members_ == [3] * 4
    # n_init: the trainings run stacked, the callback sees them too
    det = AutoencoderDetector(max_epochs=3, n_init=2, callbacks=[("count", Count())],
                              **SMALL).fit(circle)
    assert dict(det.net_.callbacks_)["count"].members_ == [2, 2, 2]


@pytest.mark.parametrize("make", [
    lambda cb: VAEDetector(latent_dim=1, hidden_layer_sizes=(4,), max_epochs=3, callbacks=cb,
                           random_state=0),
    lambda cb: ConvAutoencoderDetector(latent_dim=1, channels=(2,), n_pool=1, dense_width=4,
                                       max_epochs=3, early_stopping=False, callbacks=cb,
                                       random_state=0),
])
def test_every_neural_detector_takes_callbacks(make):
    rng = np.random.RandomState(0)
    X = rng.exponential(size=(64, 16))
    X /= X.sum(axis=1, keepdims=True)
    det = make([("count", Count())]).fit(X)
    assert dict(det.net_.callbacks_)["count"].epochs_ == 3


def test_sideband_reference_takes_callbacks():
    rng = np.random.RandomState(0)
    m = rng.uniform(0, 1, 1500)
    X = np.c_[m, rng.normal(m, 0.1)]
    ref = SidebandReference(window=(0.4, 0.6), max_epochs=3, transforms=1,
                            hidden_layer_sizes=(8,), callbacks=[("count", Count())],
                            random_state=0).fit(X)
    assert dict(ref.net_.callbacks_)["count"].epochs_ == ref.n_iter_ == 3


def test_library_callbacks_come_first_and_record_per_member_losses(circle):
    det = AutoencoderDetector(max_epochs=2, early_stopping=True, verbose=0,
                              callbacks=[Count()], **SMALL).fit(circle)
    names = [name for name, _ in det.net_.callbacks_]
    assert names[:3] == ["losses", "divergence", "early_stopping"] and names[-1] == "Count"
    recorder = dict(det.net_.callbacks_)["losses"]
    assert isinstance(recorder, MemberLossRecorder)
    row = det.net_.history[-1]
    assert row["train_loss_members"] == [row["train_loss"]]
    assert isinstance(row["train_loss_best"], bool)


def test_bad_callbacks_are_refused(circle):
    with pytest.raises(TypeError, match="wrap a single callback in a list"):
        check_callbacks(Count())
    with pytest.raises(TypeError, match="not an instance"):
        check_callbacks([Count])
    with pytest.raises(TypeError, match="skorch Callback"):
        check_callbacks([lambda net: None])
    with pytest.raises(ValueError, match="taken by sktopo"):
        AutoencoderDetector(max_epochs=1, callbacks=[("losses", Count())], **SMALL).fit(circle)
    with pytest.raises(ValueError, match="unique"):
        check_callbacks([("a", Count()), ("a", Count())])
    assert check_callbacks(None) == ()
    names = [n for n, _ in check_callbacks([Count(), Count()])]
    assert names == ["Count", "Count_2"]


def test_training_config_is_frozen_and_built_once(circle):
    det = AutoencoderDetector(batch_size=16, max_epochs=3, **SMALL)
    config = TrainingConfig.from_estimator(det, verbose=1)
    assert (config.batch_size, config.max_epochs, config.verbose) == (16, 3, 1)
    assert config.device == "cpu" and config.callbacks == ()
    with pytest.raises(AttributeError):
        config.max_epochs = 5
    with pytest.raises(ValueError, match="optimizer"):
        TrainingConfig(optimizer="lbfgs")


def test_gradient_callbacks_still_see_gradients(circle):
    seen = []

    class Grad(Callback):
        def on_grad_computed(self, net, named_parameters, **kwargs):
            seen.append(sum(float(p.grad.abs().sum()) for _, p in named_parameters))

    AutoencoderDetector(max_epochs=1, batch_size=100, callbacks=[Grad()], **SMALL).fit(circle)
    assert len(seen) == 2 and all(g > 0 for g in seen)
    assert torch.get_num_threads() >= 1
