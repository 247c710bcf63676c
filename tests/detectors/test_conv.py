"""ConvAutoencoderDetector, the stacked CNN module and the dense jet-image network."""

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from sktopo import AutoencoderDetector, ChartEnsembleDetector, ConvAutoencoderDetector
from sktopo.nn import StackedConvAutoencoder
from sktopo.nn._specs import ConvSpec
from sktopo.utils._threads import PARALLEL_FLOPS

SMALL = dict(channels=(4, 4), dense_width=8, latent_dim=3, batch_size=64, random_state=0)


def _blobs(n, n_prongs, rng, side=12):
    """Normalised toy 'jet images': Gaussian prongs at fixed places, random widths."""
    y, x = np.mgrid[0:side, 0:side] + 0.5
    centres = [(side / 2, side / 2), (side / 2 + 3, side / 2 - 2), (side / 2 - 3, side / 2 - 2)]
    images = np.zeros((n, side, side))
    for k in range(n_prongs):
        cy, cx = centres[k]
        width = rng.uniform(0.6, 1.2, size=(n, 1, 1))
        weight = rng.uniform(0.5, 1.0, size=(n, 1, 1))
        images += weight * np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * width**2))
    images += rng.uniform(0, 1e-3, size=images.shape)
    images /= images.sum(axis=(1, 2), keepdims=True)
    return images.reshape(n, -1)


def test_stacked_members_are_independent():
    x = torch.rand(3, 5, 37 * 37, dtype=torch.float32)
    stacked = StackedConvAutoencoder((37, 37), channels=(3, 3, 3), init_seeds=(11, 12, 13))
    for k, seed in enumerate((11, 12, 13)):
        solo = StackedConvAutoencoder((37, 37), channels=(3, 3, 3), init_seeds=(seed,))
        torch.testing.assert_close(solo(x[k : k + 1]), stacked(x)[k : k + 1])


def test_paper_network_shapes_and_cost():
    module = StackedConvAutoencoder((37, 37))  # the paper's defaults
    assert module.padded_shape == (40, 40)
    assert module.map_shape == (128, 10, 10)  # Dense(12800) reshaped to 10 x 10 x 128
    assert module.dense3_weight.shape == (1, 32, 12800)
    z = module.encode(torch.rand(1, 2, 37 * 37))
    assert z.shape == (1, 2, 6)
    flops = ConvSpec.from_params(37 * 37, image_shape=None, channels=(128, 128, 128), n_pool=2,
                                 dense_width=32, kernel_size=3, code_width=6).flops
    assert 2.5e8 < flops < 4e8
    # large enough that training picks all cores, unlike the dense nets
    assert 1024 * flops > PARALLEL_FLOPS


def test_detects_three_prongs_when_trained_on_one():
    rng = np.random.RandomState(0)
    X_train = _blobs(600, 1, rng)
    X_test = np.vstack([_blobs(200, 1, rng), _blobs(200, 3, rng)])
    y = np.r_[np.zeros(200), np.ones(200)]
    det = ConvAutoencoderDetector(max_epochs=40, early_stopping=False, learning_rate=3e-3,
                                  **SMALL).fit(X_train)
    assert det.image_shape_ == (12, 12)
    assert roc_auc_score(y, -det.score_samples(X_test)) > 0.9
    assert det.loss_curve_[-1] < det.loss_curve_[0]
    np.testing.assert_allclose(det.reconstruct(X_test).sum(axis=1), 1.0, rtol=1e-6)  # float32


def test_random_state_gives_identical_scores():
    X = _blobs(100, 1, np.random.RandomState(1))
    a = ConvAutoencoderDetector(max_epochs=2, **SMALL).fit(X).score_samples(X)
    b = ConvAutoencoderDetector(max_epochs=2, **SMALL).fit(X).score_samples(X)
    np.testing.assert_array_equal(a, b)


def test_ensemble_of_cnns_matches_single_trainings():
    X = _blobs(120, 1, np.random.RandomState(2))
    template = ConvAutoencoderDetector(max_epochs=3, early_stopping=False,
                                       **{**SMALL, "random_state": None})
    ens = ChartEnsembleDetector(template, n_charts=3, random_state=0).fit(X)
    errors = ens.member_errors(X)
    assert errors.shape == (120, 3)
    for k, state in enumerate(ens.random_states_):
        solo = ConvAutoencoderDetector(max_epochs=3, early_stopping=False,
                                       **{**SMALL, "random_state": int(state)}).fit(X)
        np.testing.assert_allclose(errors[:, k], solo.reconstruction_error(X), rtol=1e-4)


def test_non_square_width_is_one_row_and_explicit_shape():
    X = np.random.RandomState(0).rand(40, 10)
    det = ConvAutoencoderDetector(max_epochs=1, **SMALL).fit(X)
    assert det.image_shape_ == (1, 10)
    det = ConvAutoencoderDetector(image_shape=(2, 5), max_epochs=1, **SMALL).fit(X)
    assert det.image_shape_ == (2, 5)


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(image_shape=(3, 3)), "does not hold n_features=10"),
        (dict(channels=(4,), n_pool=2), "n_pool=2 poolings"),
        (dict(kernel_size=4), "kernel_size must be odd"),
        (dict(channels=(4, 0)), "positive integers"),
    ],
)
def test_bad_shapes(params, match):
    X = np.random.RandomState(0).rand(40, 10)
    with pytest.raises(ValueError, match=match):
        ConvAutoencoderDetector(max_epochs=1, **{**SMALL, **params}).fit(X)


def test_dense_jet_network_of_the_paper_is_expressible():
    """arXiv:1808.08992 App. 1: relu latent code and relu + softmax output."""
    X = _blobs(200, 1, np.random.RandomState(3))
    det = AutoencoderDetector(
        latent_dim=6, hidden_layer_sizes=(32,), activation="relu", latent_activation="relu",
        output_activation=("relu", "softmax"), optimizer="adam", learning_rate=1e-3,
        batch_size=1024, early_stopping=True, n_iter_no_change=5, max_epochs=5, random_state=0,
    ).fit(X)
    assert (det.transform(X) >= 0).all()
    np.testing.assert_allclose(det.reconstruct(X).sum(axis=1), 1.0, rtol=1e-10)
    with pytest.raises(ValueError, match="Unknown activation"):
        AutoencoderDetector(output_activation=("relu", "nope"), max_epochs=1).fit(X)


def test_cnn_scores_in_float32_by_default_and_float64_on_request():
    import sktopo

    X = _blobs(40, 1, np.random.RandomState(4))
    det = ConvAutoencoderDetector(max_epochs=1, **SMALL).fit(X)
    auto = det.score_samples(X)
    with sktopo.config_context(scoring_precision="float32"):
        np.testing.assert_array_equal(det.score_samples(X), auto)
    with sktopo.config_context(scoring_precision="float64"):
        exact = det.score_samples(X)
    np.testing.assert_allclose(auto, exact, rtol=1e-4)
    assert auto.dtype == exact.dtype == np.float64


def test_float64_scores_do_not_depend_on_the_batch():
    """What sklearn's check_methods_subset_invariance asks, with scoring_precision='float64'."""
    import sktopo

    rng = np.random.RandomState(5)
    X = _blobs(60, 1, rng)
    det = ConvAutoencoderDetector(max_epochs=1, **SMALL).fit(X)
    with sktopo.config_context(scoring_precision="float64"):
        whole = det.score_samples(X)
        parts = np.concatenate([det.score_samples(X[i : i + 7]) for i in range(0, 60, 7)])
    np.testing.assert_allclose(parts, whole, rtol=1e-12)


@pytest.mark.parametrize("n_charts", [1, 3])
def test_early_stopping_restores_every_members_best_weights(n_charts):
    """Grouped-conv parameters are (members * channels, ...): each member's rows are restored."""
    from sktopo.nn._training import member_seeds

    rng = np.random.RandomState(6)
    X = _blobs(200, 1, rng)
    template = ConvAutoencoderDetector(max_epochs=8, early_stopping=True, n_iter_no_change=2,
                                       learning_rate=3e-2, **{**SMALL, "random_state": None})
    ens = ChartEnsembleDetector(template, n_charts=n_charts, random_state=0).fit(X)
    errors = ens.member_errors(X)
    n_valid = int(np.ceil(0.1 * X.shape[0]))
    for k, state in enumerate(ens.random_states_):
        valid = np.random.RandomState(member_seeds(int(state))[2]).permutation(200)[:n_valid]
        best = np.nanmin(ens.validation_loss_curves_[:, k])
        np.testing.assert_allclose(errors[valid, k].mean(), best, rtol=1e-3)


def test_keras_initialisation():
    """'keras': Glorot-uniform weights and zero biases (the jet papers' code); 'torch' otherwise."""
    from sktopo.nn import StackedAutoencoder

    keras = StackedAutoencoder(100, 6, (32,), init="keras", init_seeds=(0, 1))
    torch_init = StackedAutoencoder(100, 6, (32,), init_seeds=(0, 1))
    keras_bias, torch_bias = keras.bias_0.detach(), torch_init.bias_0.detach()
    assert float(keras_bias.abs().max()) == 0.0 < float(torch_bias.abs().max())
    assert float(keras.weight_0.detach().abs().max()) <= np.sqrt(6 / (100 + 32))
    assert float(torch_init.weight_0.detach().abs().max()) <= 1 / np.sqrt(100)
    cnn = StackedConvAutoencoder((12, 12), channels=(4, 4), init_seeds=(0,))
    biases = [p.detach() for n, p in cnn.named_parameters() if "bias" in n]
    assert all(float(b.abs().max()) == 0.0 for b in biases)
    with pytest.raises(ValueError, match="init"):
        AutoencoderDetector(init="he", max_epochs=1).fit(np.random.rand(20, 3))


# --- the dense decoder ------------------------------------------------------------------


def test_dense_decoder_members_shapes_and_cost():
    """decoder='dense': code -> dense_width -> decoder_layer_sizes -> one unit per pixel."""
    x = torch.rand(2, 5, 8 * 8, dtype=torch.float32)
    kw = dict(latent_dim=2, channels=(2, 3), n_pool=1, dense_width=4, decoder="dense",
              decoder_layer_sizes=(5,))
    stacked = StackedConvAutoencoder((8, 8), init_seeds=(3, 4), **kw)
    for k, seed in enumerate((3, 4)):
        solo = StackedConvAutoencoder((8, 8), init_seeds=(seed,), **kw)
        torch.testing.assert_close(solo(x[k : k + 1]), stacked(x)[k : k + 1])
    shapes = {n: tuple(p.shape) for n, p in stacked.named_parameters() if "dec" in n
              or n.startswith(("dense3", "dense4"))}
    # no decoder convolutions; a weight and a bias per output pixel in the last layer
    assert shapes == {"dense3_weight": (2, 4, 5), "dense3_bias": (2, 1, 5),
                      "dense4_weight": (2, 5, 64), "dense4_bias": (2, 1, 64)}
    out = stacked(x)
    assert out.shape == x.shape
    np.testing.assert_allclose(out.detach().sum(-1).numpy(), 1.0, rtol=1e-5)  # softmax
    # by hand: encoder convs 8*8*1*2*9 + 4*4*2*3*9 = 2016, dense 48*4 + 4*2 = 200,
    # decoder 2*4 + 4*5 + 5*64 = 348 multiply-adds
    spec = ConvSpec.from_params(64, image_shape=None, channels=(2, 3), n_pool=1, dense_width=4,
                                kernel_size=3, code_width=2, decoder="dense",
                                decoder_layer_sizes=(5,))
    assert spec.flops == 2.0 * (2016 + 200 + 348)
    with pytest.raises(ValueError, match="decoder must be one of"):
        StackedConvAutoencoder((8, 8), decoder="deconv")


def test_dense_decoder_in_the_detector():
    rng = np.random.RandomState(0)
    X = _blobs(120, 1, rng)
    det = ConvAutoencoderDetector(decoder="dense", decoder_layer_sizes=(16,), max_epochs=2,
                                  **SMALL).fit(X)
    module = det.net_.module_
    assert module.decoder == "dense" and module.decoder_layer_sizes == (16,)
    np.testing.assert_allclose(det.reconstruct(X).sum(axis=1), 1.0, rtol=1e-5)
    conv = ConvAutoencoderDetector(max_epochs=2, **SMALL).fit(X)
    assert conv.net_.module_.decoder == "conv"
    with pytest.raises(ValueError, match="decoder_layer_sizes"):
        ConvAutoencoderDetector(decoder="dense", decoder_layer_sizes=(4, 0), max_epochs=1,
                                **SMALL).fit(X)
