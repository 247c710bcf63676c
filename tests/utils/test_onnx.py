"""ONNX export: onnxruntime gives the detector's anomaly score, for any batch size."""

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")

from sklearn.exceptions import NotFittedError  # noqa: E402

from sktopo import (  # noqa: E402
    AutoencoderDetector,
    ChartEnsembleDetector,
    ConvAutoencoderDetector,
    ConvNormalizedAutoencoderDetector,
    DensityRatioDetector,
    NormalizedAutoencoderDetector,
    PCADetector,
    TransportDetector,
    VAEDetector,
)
from sktopo.utils import to_onnx  # noqa: E402

RNG = np.random.default_rng(1)
X_TRAIN = RNG.normal(size=(120, 6))
X_TEST = RNG.normal(size=(37, 6)) * 1.5  # not seen in fit, some of it far out
IMAGES = RNG.random(size=(96, 36))
IMAGES /= IMAGES.sum(axis=1, keepdims=True)
IMAGES_TEST = RNG.random(size=(37, 36)) ** 3
IMAGES_TEST /= IMAGES_TEST.sum(axis=1, keepdims=True)


def _dense(**kw):
    return dict(latent_dim=2, hidden_layer_sizes=(8,), max_epochs=4, random_state=0, **kw)


EXPORTABLE = {
    "autoencoder": (AutoencoderDetector(**_dense()), X_TRAIN, X_TEST),
    "autoencoder-sphere": (AutoencoderDetector(**_dense(latent_space="sphere")), X_TRAIN, X_TEST),
    "autoencoder-torus": (AutoencoderDetector(**_dense(latent_space="torus")), X_TRAIN, X_TEST),
    "autoencoder-relu-softmax": (AutoencoderDetector(
        **_dense(activation="relu", latent_activation="relu",
                 output_activation=("relu", "softmax"))), X_TRAIN, X_TEST),
    "conv": (ConvAutoencoderDetector(latent_dim=2, channels=(2, 2), n_pool=1, dense_width=4,
                                     max_epochs=2, random_state=0), IMAGES, IMAGES_TEST),
    "vae-elbo": (VAEDetector(**_dense()), X_TRAIN, X_TEST),
    "vae-latent-norm": (VAEDetector(**_dense(score_type="latent_norm")), X_TRAIN, X_TEST),
    "vae-conv-cross-entropy": (VAEDetector(
        latent_dim=2, architecture="conv", channels=(2,), n_pool=1, hidden_layer_sizes=(4,),
        reconstruction="cross_entropy", score_type="reconstruction", max_epochs=2,
        random_state=0), IMAGES, IMAGES_TEST),
    "ensemble-median": (ChartEnsembleDetector(
        AutoencoderDetector(latent_dim=1, hidden_layer_sizes=(8,), max_epochs=3), n_charts=4,
        random_state=0), X_TRAIN, X_TEST),
    "ensemble-min": (ChartEnsembleDetector(
        AutoencoderDetector(latent_dim=1, hidden_layer_sizes=(8,), max_epochs=3), n_charts=3,
        aggregate="min", random_state=0), X_TRAIN, X_TEST),
    "pca": (PCADetector(n_components=2), X_TRAIN, X_TEST),
    "nae": (NormalizedAutoencoderDetector(latent_dim=2, hidden_layer_sizes=(8,), max_epochs=3,
                                          nae_epochs=1, latent_steps=2, data_steps=2,
                                          batch_size=32, random_state=0), IMAGES, IMAGES_TEST),
    "nae-conv": (ConvNormalizedAutoencoderDetector(
        latent_dim=2, channels=(2, 2), n_pool=1, dense_width=4, max_epochs=2, nae_epochs=1,
        latent_steps=2, data_steps=2, batch_size=32, random_state=0), IMAGES, IMAGES_TEST),
    "nae-softmax": (NormalizedAutoencoderDetector(
        latent_dim=2, hidden_layer_sizes=(8,), output_activation="softmax", max_epochs=3,
        nae_epochs=1, latent_steps=2, data_steps=2, batch_size=32, random_state=0),
        IMAGES, IMAGES_TEST),
}
SLOW = {"conv", "vae-conv-cross-entropy", "nae-conv"}


def _session(model):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), options,
                                providers=["CPUExecutionProvider"])


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in EXPORTABLE]
)
def test_onnxruntime_gives_the_anomaly_score(name, tmp_path):
    detector, X, X_new = EXPORTABLE[name]
    detector.fit(X)
    path = tmp_path / "detector.onnx"
    model = to_onnx(detector, X[:5], path=path)
    assert onnx.load(path) == model
    onnx.checker.check_model(model)
    (inp,), (out,) = model.graph.input, model.graph.output
    assert (inp.name, out.name) == ("X", "anomaly_score")
    assert inp.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert inp.type.tensor_type.shape.dim[1].dim_value == X.shape[1]
    assert not inp.type.tensor_type.shape.dim[0].dim_value  # batch size is symbolic
    session = _session(model)

    expected = -detector.score_samples(X_new)
    batch = X_new.astype(np.float32)
    scores = session.run(["anomaly_score"], {"X": batch})[0]
    assert scores.shape == (37,) and scores.dtype == np.float32
    np.testing.assert_allclose(scores, expected, rtol=1e-5)
    # dynamic batch: one row at a time gives the same scores
    singles = np.concatenate([session.run(None, {"X": batch[i : i + 1]})[0]
                              for i in range(0, 37, 6)])
    np.testing.assert_allclose(singles, expected[::6], rtol=1e-5)


@pytest.mark.parametrize("name", ["autoencoder-sphere", "vae-elbo", "ensemble-median", "pca",
                                  "nae"])
def test_float64_graph_is_the_library_formula(name):
    """In double precision the graph equals the library's score of the same float32 rows."""
    detector, X, X_new = EXPORTABLE[name]
    detector.fit(X)
    model = to_onnx(detector, X[:5], precision="float64")
    assert model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    batch = X_new.astype(np.float32)
    scores = _session(model).run(None, {"X": batch})[0]
    assert scores.dtype == np.float64
    np.testing.assert_allclose(scores, -detector.score_samples(batch), rtol=1e-12)


def test_float64_convolutions_are_refused():
    detector = ConvAutoencoderDetector(latent_dim=2, channels=(2,), n_pool=1, dense_width=4,
                                       max_epochs=1, random_state=0).fit(IMAGES)
    with pytest.raises(ValueError, match="no float64 convolution"):
        to_onnx(detector, IMAGES[:2], precision="float64")


def test_graph_is_the_library_score_not_a_threshold():
    detector = PCADetector(n_components=1).fit(X_TRAIN)
    scores = _session(to_onnx(detector, X_TRAIN)).run(None, {"X": X_TEST.astype(np.float32)})[0]
    # higher = more anomalous: the rows the detector flags have the largest scores
    flagged = detector.predict(X_TEST) == -1
    assert flagged.any() and (~flagged).any()
    assert scores[flagged].min() > scores[~flagged].max()


@pytest.mark.parametrize("detector, X", [
    (TransportDetector(n_representatives=3, input="histogram", random_state=0),
     np.abs(X_TRAIN)),
    (DensityRatioDetector(cv=2, reference=RNG.normal(size=(60, 6)), random_state=0), X_TRAIN),
])
def test_detectors_holding_data_are_not_exported(detector, X):
    detector.fit(X)
    with pytest.raises(NotImplementedError, match="not exported to ONNX.*not with a network"):
        to_onnx(detector, X[:5])


def test_mean_ensemble_and_bad_input_raise():
    ensemble = ChartEnsembleDetector(
        AutoencoderDetector(latent_dim=1, hidden_layer_sizes=(4,), max_epochs=1), n_charts=2,
        aggregate="mean", random_state=0).fit(X_TRAIN)
    with pytest.raises(ValueError, match="aggregate='median' or 'min'"):
        to_onnx(ensemble, X_TRAIN[:5])
    pca = PCADetector(n_components=2).fit(X_TRAIN)
    with pytest.raises(ValueError, match="features"):
        to_onnx(pca, X_TRAIN[:5, :4])
    with pytest.raises(NotFittedError):
        to_onnx(PCADetector(), X_TRAIN[:5])
    with pytest.raises(ValueError, match="precision"):
        to_onnx(pca, X_TRAIN[:5], precision="float16")
