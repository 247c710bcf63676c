"""NormalizedAutoencoderDetector: the NAE on the one skorch training path."""

import numpy as np
import pytest
from sklearn.base import clone
from skorch.callbacks import Callback

from sktopo.detectors._nae import NormalizedAutoencoderDetector
from sktopo.exceptions import TrainingDivergedError

FAST = dict(latent_dim=2, hidden_layer_sizes=(8,), max_epochs=2, nae_epochs=2, latent_steps=3,
            data_steps=3, batch_size=32, n_threads=1)


@pytest.fixture(scope="module")
def images():
    """Sparse non-negative 'images' of 25 pixels, normalised to unit sum."""
    rng = np.random.RandomState(0)
    X = rng.exponential(size=(96, 25)) ** 4 * (rng.uniform(size=(96, 25)) < 0.4)
    X[:, 12] += 1.0  # a bright core, as in a jet image
    return X / X.sum(axis=1, keepdims=True)


def test_scores_are_energy_over_temperature(images):
    det = NormalizedAutoencoderDetector(random_state=0, **FAST).fit(images)
    s = det.input_scale_
    assert s == pytest.approx(1.0 / images.max(axis=1).mean())
    expected = det.reconstruction_error(images) * s**2 / images.shape[1]
    np.testing.assert_allclose(det.anomaly_score(images), expected / det.temperature,
                               rtol=1e-12)
    np.testing.assert_allclose(det.energy(images), expected, rtol=1e-12)
    np.testing.assert_array_equal(det.score_samples(images), -det.anomaly_score(images))
    assert len(det.loss_curve_) == det.n_iter_ == FAST["max_epochs"] + FAST["nae_epochs"]
    assert np.all(np.isfinite(det.loss_curve_))


def test_temperature_divides_the_score_without_nae_epochs(images):
    params = dict(FAST, nae_epochs=0, random_state=0)
    a = NormalizedAutoencoderDetector(temperature=1.0, **params).fit(images)
    b = NormalizedAutoencoderDetector(temperature=4.0, **params).fit(images)
    np.testing.assert_allclose(b.anomaly_score(images), a.anomaly_score(images) / 4.0,
                               rtol=1e-12)


def test_bitwise_reproducible_and_seed_dependent(images):
    a = NormalizedAutoencoderDetector(random_state=3, **FAST).fit(images)
    b = NormalizedAutoencoderDetector(random_state=3, **FAST).fit(images)
    c = NormalizedAutoencoderDetector(random_state=4, **FAST).fit(images)
    np.testing.assert_array_equal(a.score_samples(images), b.score_samples(images))
    assert not np.array_equal(a.score_samples(images), c.score_samples(images))


def test_nae_epochs_change_the_autoencoder(images):
    ae = NormalizedAutoencoderDetector(random_state=0, **dict(FAST, nae_epochs=0)).fit(images)
    nae = NormalizedAutoencoderDetector(random_state=0, **FAST).fit(images)
    # same pre-training, then the NAE loss moves the weights
    assert not np.allclose(ae.score_samples(images), nae.score_samples(images))
    np.testing.assert_array_equal(ae.loss_curve_, nae.loss_curve_[: FAST["max_epochs"]])


def test_keep_total_and_its_error(images):
    det = NormalizedAutoencoderDetector(keep_total=True, random_state=0, **FAST).fit(images)
    assert np.all(np.isfinite(det.score_samples(images)))
    with pytest.raises(ValueError, match="positive total"):
        NormalizedAutoencoderDetector(keep_total=True, **FAST).fit(-images)


def test_unsupported_options_are_refused(images):
    with pytest.raises(ValueError, match="early_stopping"):
        NormalizedAutoencoderDetector(early_stopping=True, **FAST).fit(images)
    with pytest.raises(ValueError, match="n_init=1"):
        NormalizedAutoencoderDetector(n_init=2, **FAST).fit(images)


def test_clone_keeps_every_parameter():
    det = NormalizedAutoencoderDetector(temperature=0.5, latent_steps=7, keep_total=True)
    params = clone(det).get_params()
    assert params["temperature"] == 0.5 and params["latent_steps"] == 7
    assert params["keep_total"] is True


def test_divergent_langevin_is_caught(images):
    det = NormalizedAutoencoderDetector(temperature=1e-30, data_step_size=1e30,
                                        random_state=0, **FAST)
    with pytest.raises(TrainingDivergedError, match="Langevin|diverged"):
        det.fit(images)


class _Interrupt(Callback):
    def on_batch_begin(self, net, training=False, **kwargs):
        if training and len(net.history) > 2:  # in the NAE phase
            raise KeyboardInterrupt


def test_keyboard_interrupt_propagates(images):
    det = NormalizedAutoencoderDetector(callbacks=[_Interrupt()], random_state=0, **FAST)
    with pytest.raises(KeyboardInterrupt):
        det.fit(images)
