"""VAEDetector: deterministic scores, the score options, the beta switch, errors, detection."""

import pickle

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.utils._param_validation import InvalidParameterError

from sktopo import VAEDetector
from sktopo.nn._vae import SCORES

FAST = dict(hidden_layer_sizes=(16,), max_epochs=8, batch_size=32, random_state=0)


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 6))
    X_test = rng.normal(size=(200, 6))
    X_test[100:] += 3.0  # a shifted Gaussian blob: the anomalies
    y_test = np.r_[np.zeros(100), np.ones(100)]
    return X, X_test, y_test


@pytest.fixture(scope="module")
def fitted(blobs):
    return VAEDetector(latent_dim=2, beta=0.5, **FAST).fit(blobs[0])


def _numpy_stats(det, X):
    """Encoder mean and log-variance and the decoded mean, by hand from the weights (ReLU)."""
    m = det.net_.module_

    def w(name):
        return getattr(m, f"{name}_weight")[0].detach().double().numpy(), \
            getattr(m, f"{name}_bias")[0].detach().double().numpy()

    W, b = w("enc0")
    h = np.maximum(X @ W + b, 0.0)
    mu = h @ w("mu")[0] + w("mu")[1]
    logvar = h @ w("logvar")[0] + w("logvar")[1]
    W, b = w("dec0")
    h = np.maximum(mu @ W + b, 0.0)
    W, b = w("dec1")
    return mu, logvar, h @ W + b


def test_scores_are_deterministic(fitted, blobs):
    _, X_test, _ = blobs
    first = fitted.score_samples(X_test)
    assert np.array_equal(first, fitted.score_samples(X_test))
    assert np.array_equal(fitted.transform(X_test), fitted.transform(X_test))


def test_random_state_gives_bitwise_identical_fits(fitted, blobs):
    X, X_test, _ = blobs
    again = VAEDetector(latent_dim=2, beta=0.5, **FAST).fit(X)
    assert np.array_equal(fitted.score_samples(X_test), again.score_samples(X_test))
    assert fitted.loss_curve_ == again.loss_curve_
    other = VAEDetector(latent_dim=2, beta=0.5, **dict(FAST, random_state=1)).fit(X)
    assert not np.allclose(fitted.score_samples(X_test), other.score_samples(X_test))


def test_every_score_against_a_hand_computation(fitted, blobs):
    _, X_test, _ = blobs
    mu, logvar, x_hat = _numpy_stats(fitted, X_test)
    rec = ((x_hat - X_test) ** 2).sum(1)
    kl = 0.5 * (mu**2 + np.exp(logvar) - 1 - logvar).sum(1)
    expected = {"reconstruction": rec, "kl": kl, "elbo": rec + 0.5 * kl,
                "latent_norm": np.linalg.norm(mu, axis=1)}
    scores = fitted.scores_by_type(X_test)
    assert sorted(scores) == sorted(SCORES)
    for name in SCORES:
        np.testing.assert_allclose(scores[name], expected[name], rtol=1e-10, err_msg=name)
        det = pickle.loads(pickle.dumps(fitted)).set_params(score_type=name)
        np.testing.assert_allclose(det.score_samples(X_test), -expected[name], rtol=1e-10)
    np.testing.assert_allclose(fitted.transform(X_test), mu, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fitted.reconstruct(X_test), x_hat, rtol=1e-10, atol=1e-12)


def test_contract(fitted, blobs):
    X, X_test, _ = blobs
    labels = fitted.predict(X)
    assert set(np.unique(labels)) <= {-1, 1}
    assert np.mean(labels == -1) == pytest.approx(0.01, abs=0.005)
    np.testing.assert_allclose(fitted.decision_function(X_test),
                               fitted.score_samples(X_test) - fitted.offset_)
    assert fitted.score(X_test) == pytest.approx(fitted.score_samples(X_test).mean())
    assert fitted.inverse_transform(fitted.transform(X_test)).shape == X_test.shape
    assert len(fitted.loss_curve_) == fitted.n_iter_ == FAST["max_epochs"]
    assert fitted.loss_curve_[-1] < fitted.loss_curve_[0]


def test_beta_switches_the_kl_term_on(blobs):
    # beta = 0: nothing pulls q(z|x) towards the prior, the variances collapse and the
    # KL grows; with beta = 1 it is kept small.  The training losses differ accordingly.
    X = blobs[0]
    kl = {}
    for beta in (0.0, 1.0):
        det = VAEDetector(latent_dim=2, beta=beta, **dict(FAST, max_epochs=20)).fit(X)
        kl[beta] = det.scores_by_type(X)["kl"].mean()
        if beta == 0.0:
            scores = det.scores_by_type(X)
            np.testing.assert_array_equal(scores["elbo"], scores["reconstruction"])
    assert kl[1.0] < 0.5 * kl[0.0]


def test_detects_a_shifted_blob(blobs):
    X, X_test, y_test = blobs
    det = VAEDetector(latent_dim=2, beta=1.0, **dict(FAST, max_epochs=30)).fit(X)
    for name, score in det.scores_by_type(X_test).items():
        assert roc_auc_score(y_test, score) > 0.85, name


def test_cross_entropy_on_unit_sum_inputs():
    rng = np.random.RandomState(0)
    X = rng.exponential(size=(200, 9))
    X /= X.sum(axis=1, keepdims=True)
    det = VAEDetector(latent_dim=2, reconstruction="cross_entropy", score_type="reconstruction",
                      beta=0.1, **FAST).fit(X)
    np.testing.assert_allclose(det.reconstruct(X).sum(axis=1), 1.0)
    entropy = -(X * np.log(X)).sum(axis=1)
    # the cross-entropy of a reconstruction is at least the input's own entropy
    assert np.all(-det.score_samples(X) >= entropy - 1e-9)


@pytest.mark.parametrize(
    "params, error, match",
    [
        (dict(beta=-1.0), InvalidParameterError, "beta"),
        (dict(reconstruction="l1"), InvalidParameterError, "reconstruction"),
        (dict(score_type="sample"), InvalidParameterError, "score_type"),
        (dict(latent_dim=0), InvalidParameterError, "latent_dim"),
        (dict(latent_dim=7), ValueError, "bottleneck"),
        (dict(hidden_layer_sizes=(4, 0)), ValueError, "positive integers"),
        (dict(reconstruction="cross_entropy", output_activation="tanh"), ValueError,
         "softmax output"),
    ],
)
def test_bad_parameters(blobs, params, error, match):
    with pytest.raises(error, match=match):
        VAEDetector(**dict(FAST, **params)).fit(blobs[0])


@pytest.fixture(scope="module")
def images():
    rng = np.random.RandomState(0)
    X = rng.exponential(size=(96, 10 * 10))
    return X / X.sum(axis=1, keepdims=True)


CONV = dict(architecture="conv", latent_dim=2, channels=(3, 3), dense_width=6,
            max_epochs=3, batch_size=32, random_state=0)


@pytest.mark.parametrize("reconstruction", ["mse", "cross_entropy"])
def test_conv_vae(images, reconstruction):
    import sktopo

    det = VAEDetector(reconstruction=reconstruction, beta=0.1, output_activation="softmax",
                      **CONV).fit(images)
    assert type(det.net_.module_).__name__ == "StackedConvVAE"
    assert det.transform(images).shape == (96, 2)
    np.testing.assert_allclose(det.reconstruct(images).sum(axis=1), 1.0, rtol=1e-5)
    first = det.score_samples(images)
    assert np.array_equal(first, det.score_samples(images))
    again = VAEDetector(reconstruction=reconstruction, beta=0.1, output_activation="softmax",
                        **CONV).fit(images)
    assert np.array_equal(first, again.score_samples(images))
    # elbo = reconstruction + beta * kl, from one pass
    s = det.scores_by_type(images)
    np.testing.assert_allclose(s["elbo"], s["reconstruction"] + 0.1 * s["kl"], rtol=1e-6)
    with sktopo.config_context(scoring_precision="float64"):
        full = det.score_samples(images)
        np.testing.assert_allclose(det.score_samples(images[:7]), full[:7], rtol=1e-12)
    np.testing.assert_allclose(full, first, rtol=1e-4)
    restored = pickle.loads(pickle.dumps(det))
    assert np.array_equal(restored.score_samples(images), first)


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(kernel_size=2), "kernel_size must be odd"),
        (dict(n_pool=3), "n_pool=3"),
        (dict(image_shape=(5, 5)), "image_shape"),
    ],
)
def test_conv_bad_parameters(images, params, match):
    with pytest.raises(ValueError, match=match):
        VAEDetector(**dict(CONV, **params)).fit(images)
