"""Issue 20: defaults that work on a first try, and training that fails loudly.

Every case here returned a broken model without an error (or a misleading
one) before: one exploding SGD step, a dead CNN, a cross-entropy VAE on data
that are not distributions, a collapsed flow, PCA on overflowing data, a fit
that ran out of epochs while still learning.
"""

import re
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sktopo import (
    AutoencoderDetector,
    ChartEnsembleDetector,
    ConvAutoencoderDetector,
    PCADetector,
    SidebandReference,
    VAEDetector,
)
from sktopo.datasets import make_circle
from sktopo.exceptions import NoBottleneckWarning, TrainingDivergedError
from sktopo.nn._training import resolve_batch_size


def _fitted_attributes(est):
    return [k for k in vars(est) if k.endswith("_") and not k.startswith("__")]


@pytest.mark.parametrize("lr", [1e6, 1e30])
def test_one_exploding_sgd_step_is_refused(lr):
    # one epoch of one batch: the per-epoch check only sees the loss before the step
    X, _ = make_circle(100, random_state=0)
    det = AutoencoderDetector(latent_dim=1, learning_rate=lr, max_epochs=1, batch_size=1000,
                              random_state=0)
    with pytest.raises(TrainingDivergedError, match="learning rate"):
        det.fit(X)
    assert _fitted_attributes(det) == []  # nothing usable is left behind


def test_one_exploding_sgd_step_is_refused_in_an_ensemble():
    X, _ = make_circle(100, random_state=0)
    template = AutoencoderDetector(latent_dim=1, learning_rate=1e6, max_epochs=1,
                                   batch_size=1000)
    ens = ChartEnsembleDetector(template, n_charts=3, random_state=0)
    with pytest.raises(TrainingDivergedError, match="member"):
        ens.fit(X)
    assert _fitted_attributes(ens) == []


@pytest.mark.parametrize("lr", [1e4, 1e8])
def test_dead_cnn_is_refused(lr):
    # a softmax output caps the loss, so no loss ever "diverges"; the output stops
    # depending on the input instead
    rng = np.random.RandomState(0)
    X = rng.exponential(size=(64, 64))
    X /= X.sum(axis=1, keepdims=True)
    det = ConvAutoencoderDetector(latent_dim=2, channels=(4, 4), dense_width=8,
                                  optimizer="sgd", learning_rate=lr, max_epochs=3,
                                  early_stopping=False, random_state=0)
    with pytest.raises(TrainingDivergedError, match="same output for every input|diverged"):
        det.fit(X)


def test_cross_entropy_vae_refuses_data_that_are_not_distributions():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(50, 6))
    det = VAEDetector(latent_dim=1, reconstruction="cross_entropy", max_epochs=1)
    with pytest.raises(ValueError, match=r"values in \[-.*rows outside \[0, 1\].*first row 0"):
        det.fit(X)
    P = np.abs(X)
    with pytest.raises(ValueError, match="must sum to one.*row 0 sums to"):
        det.fit(P / P.max())
    det.fit(P / P.sum(axis=1, keepdims=True))  # distributions are fine


def test_collapsed_flow_is_refused():
    rng = np.random.RandomState(0)
    m = rng.uniform(0, 1, 3000)
    X = np.c_[m, rng.normal(m, 0.1)]
    ref = SidebandReference(window=(0.4, 0.6), max_epochs=10, learning_rate=1e6,
                            random_state=0)
    with pytest.raises(TrainingDivergedError, match="collapsed or diverged"):
        ref.fit(X)
    assert not hasattr(ref, "flow_")


def test_pca_on_overflowing_data_says_so():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(100, 4)) * 1e200
    with pytest.raises(ValueError, match="overflow float64.*Standardise") as info:
        PCADetector(n_components=2).fit(X)
    assert "learning rate" not in str(info.value)


def test_nested_parameters_of_the_default_ensemble():
    ens = ChartEnsembleDetector().set_params(estimator__latent_dim=2)
    assert isinstance(ens.estimator, AutoencoderDetector) and ens.estimator.latent_dim == 2
    assert ens.get_params()["estimator__latent_dim"] == 2


def test_convergence_warning_when_epochs_run_out_while_learning():
    X, _ = make_circle(300, random_state=0)
    det = AutoencoderDetector(latent_dim=1, optimizer="adam", learning_rate=1e-3,
                              max_epochs=15, random_state=0)
    with pytest.warns(ConvergenceWarning, match=r"all max_epochs=15 epochs.*raise max_epochs"):
        det.fit(X)
    # a training that stopped early has converged by definition: no warning
    early = AutoencoderDetector(latent_dim=1, max_epochs=500, early_stopping=True,
                                n_iter_no_change=2, tol=10.0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        early.fit(X)
    assert early.n_iter_ < 500


def test_auto_batch_size():
    assert resolve_batch_size("auto", 360) == 32  # a few hundred images: ~11 steps per epoch
    assert resolve_batch_size("auto", 10_000) == 500
    assert resolve_batch_size("auto", 90_000) == 1024  # the paper's batch on its sample
    assert resolve_batch_size(1024, 360) == 360
    assert ConvAutoencoderDetector().batch_size == "auto"
    rng = np.random.RandomState(0)
    X = rng.exponential(size=(400, 64))
    X /= X.sum(axis=1, keepdims=True)
    det = ConvAutoencoderDetector(channels=(2,), n_pool=1, dense_width=4, max_epochs=1,
                                  early_stopping=False, random_state=0).fit(X)
    assert det.net_.batch_size == 32
    assert det.net_.history[-1, "train_batch_count"] == 13  # 400 rows in batches of 32


def test_no_bottleneck_warning_does_not_overclaim():
    X, _ = make_circle(100, random_state=0)
    with pytest.warns(NoBottleneckWarning) as record:
        AutoencoderDetector(latent_dim=2, max_epochs=2, random_state=0).fit(X)
    text = str(record[0].message)
    assert "identity" in text and "detects nothing" not in text
    assert re.search(r"latent_dim=2 is not smaller than n_features=2", text)


def test_warnings_point_at_the_callers_line():
    X, _ = make_circle(100, random_state=0)
    with pytest.warns((NoBottleneckWarning, ConvergenceWarning)) as record:
        AutoencoderDetector(latent_dim=2, max_epochs=3, random_state=0).fit(X)
    assert {w.filename for w in record} == {__file__}
