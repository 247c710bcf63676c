"""Secure model files: every fitted estimator round-trips through skops, nothing else loads."""

import json
import os
import pickle
import zipfile

import joblib
import numpy as np
import pytest

pytest.importorskip("skops")

import skops.io as sio  # noqa: E402
import torch  # noqa: E402

from sktopo import (  # noqa: E402
    AutoencoderDetector,
    ChartEnsembleDetector,
    ConvAutoencoderDetector,
    ConvNormalizedAutoencoderDetector,
    DalitzFeatures,
    DensityRatioDetector,
    JetImages,
    NormalizedAutoencoderDetector,
    PCADetector,
    PhaseSpaceSampler,
    SidebandReference,
    TransportDetector,
    VAEDetector,
)
from sktopo.utils import load, save, trusted_types  # noqa: E402

RNG = np.random.default_rng(0)
X_TRAIN = RNG.normal(size=(80, 6))
X_TEST = RNG.normal(size=(40, 6))  # not seen in fit
IMAGES = RNG.random(size=(64, 36))
IMAGES /= IMAGES.sum(axis=1, keepdims=True)
IMAGES_TEST = IMAGES[::-1][:16] ** 2
MASS = RNG.uniform(0, 1, 300)
EVENTS = np.c_[MASS, RNG.normal(MASS, 0.1)]


def _sideband():
    return SidebandReference(feature=0, window=(0.4, 0.6), max_epochs=2, random_state=0)


# name: (estimator, training data, unseen data scored after loading)
DETECTORS = {
    "autoencoder": (AutoencoderDetector(latent_dim=2, hidden_layer_sizes=(8,), max_epochs=2,
                                        random_state=0), X_TRAIN, X_TEST),
    "autoencoder-adam-early-stopping": (
        AutoencoderDetector(latent_dim=2, hidden_layer_sizes=(8,), optimizer="adam",
                            early_stopping=True, n_iter_no_change=1, max_epochs=3,
                            random_state=0), X_TRAIN, X_TEST),
    "autoencoder-sphere": (AutoencoderDetector(latent_dim=1, hidden_layer_sizes=(8,),
                                               latent_space="sphere", max_epochs=2,
                                               random_state=0), X_TRAIN, X_TEST),
    "autoencoder-torus": (AutoencoderDetector(latent_dim=1, hidden_layer_sizes=(8,),
                                              latent_space="torus", max_epochs=2,
                                              random_state=0), X_TRAIN, X_TEST),
    "autoencoder-n-init": (AutoencoderDetector(latent_dim=1, hidden_layer_sizes=(8,), n_init=2,
                                               max_epochs=2, random_state=0), X_TRAIN, X_TEST),
    "conv": (ConvAutoencoderDetector(latent_dim=2, channels=(2,), n_pool=1, dense_width=4,
                                     max_epochs=2, random_state=0), IMAGES, IMAGES_TEST),
    "vae": (VAEDetector(latent_dim=1, hidden_layer_sizes=(4,), max_epochs=2, random_state=0),
            X_TRAIN, X_TEST),
    "vae-conv": (VAEDetector(latent_dim=2, architecture="conv", channels=(2,), n_pool=1,
                             hidden_layer_sizes=(4,), max_epochs=2, random_state=0),
                 IMAGES, IMAGES_TEST),
    "ensemble": (ChartEnsembleDetector(AutoencoderDetector(latent_dim=1, hidden_layer_sizes=(8,),
                                                           max_epochs=2),
                                       n_charts=3, random_state=0), X_TRAIN, X_TEST),
    "ensemble-conv": (ChartEnsembleDetector(ConvAutoencoderDetector(
        latent_dim=2, channels=(2,), n_pool=1, dense_width=4, max_epochs=2), n_charts=2,
        random_state=0), IMAGES, IMAGES_TEST),
    "pca": (PCADetector(n_components=2), X_TRAIN, X_TEST),
    "nae": (NormalizedAutoencoderDetector(latent_dim=2, hidden_layer_sizes=(8,), max_epochs=2,
                                          nae_epochs=1, latent_steps=2, data_steps=2,
                                          batch_size=32, random_state=0), IMAGES, IMAGES_TEST),
    "nae-conv": (ConvNormalizedAutoencoderDetector(
        latent_dim=2, channels=(2,), n_pool=1, dense_width=4, max_epochs=2, nae_epochs=1,
        latent_steps=2, data_steps=2, batch_size=32, random_state=0), IMAGES, IMAGES_TEST),
    "nae-softmax": (NormalizedAutoencoderDetector(
        latent_dim=2, hidden_layer_sizes=(8,), output_activation="softmax", max_epochs=2,
        nae_epochs=1, latent_steps=2, data_steps=2, batch_size=32, random_state=0),
        IMAGES, IMAGES_TEST),
    "transport": (TransportDetector(n_representatives=5, input="histogram", random_state=0),
                  np.abs(X_TRAIN), np.abs(X_TEST)),
    "density-ratio": (DensityRatioDetector(cv=2, reference=RNG.normal(size=(80, 6)),
                                           random_state=0), X_TRAIN, X_TEST),
    "density-ratio-sideband": (DensityRatioDetector(cv=2, reference=_sideband(), random_state=0),
                               EVENTS, EVENTS[::7]),
}


@pytest.fixture(scope="module")
def fitted():
    """Every detector of :data:`DETECTORS`, fitted once for the module."""
    return {name: est.fit(X) for name, (est, X, _) in DETECTORS.items()}


@pytest.mark.parametrize("name", sorted(DETECTORS))
def test_round_trip_scores_are_bitwise_equal(name, fitted, tmp_path):
    detector, X_new = fitted[name], DETECTORS[name][2]
    path = tmp_path / "model.skops"
    save(detector, path)
    trust_trees = name.startswith("density-ratio")  # HistGradientBoosting trees
    loaded = load(path, trust_trees=trust_trees)
    assert type(loaded) is type(detector)
    assert loaded.get_params(deep=False).keys() == detector.get_params(deep=False).keys()
    np.testing.assert_array_equal(loaded.score_samples(X_new), detector.score_samples(X_new))
    np.testing.assert_array_equal(loaded.predict(X_new), detector.predict(X_new))
    assert loaded.offset_ == detector.offset_
    # pickle and joblib still work, on the original and on the loaded estimator
    again = pickle.loads(pickle.dumps(loaded))
    np.testing.assert_array_equal(again.score_samples(X_new), detector.score_samples(X_new))
    joblib.dump(detector, tmp_path / "model.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "model.joblib").score_samples(X_new),
                                  detector.score_samples(X_new))


def test_loaded_net_is_the_trained_one(fitted, tmp_path):
    """Optimizer state, parameters shared with it, seeds: a refit repeats the fit bitwise."""
    detector = fitted["autoencoder-adam-early-stopping"]
    save(detector, tmp_path / "ae.skops")
    loaded = load(tmp_path / "ae.skops")
    net = loaded.net_
    params = dict(net.module_.named_parameters())
    group = net.optimizer_.param_groups[0]["params"]
    assert all(any(p is q for q in params.values()) for p in group)
    assert set(net.optimizer_.state[group[0]]) == {"step", "exp_avg", "exp_avg_sq"}
    for name, value in detector.net_.module_.state_dict().items():
        assert torch.equal(net.module_.state_dict()[name], value)
    assert loaded.loss_curve_ == detector.loss_curve_
    assert len(net.history) == len(detector.net_.history)
    loaded.fit(X_TRAIN)
    np.testing.assert_array_equal(loaded.score_samples(X_TEST), detector.score_samples(X_TEST))


def test_transformers_and_references_round_trip(tmp_path):
    sampler = PhaseSpaceSampler(n_particles=3, random_state=0).fit()
    X = sampler.sample(20)
    dalitz = DalitzFeatures().fit(X)
    jets = np.array([[[300.0, 0.2, 3.1], [100.0, 0.5, -3.1], [0.0, 0.0, 0.0]]])
    images = JetImages(n_pixels=9, extent=0.9).fit(jets)
    reference = _sideband().fit(EVENTS)
    for est, check in [
        (sampler, lambda e: e.transform(e.inverse_transform(X))),
        (dalitz, lambda e: e.transform(X)),
        (images, lambda e: e.transform(jets)),
        (reference, lambda e: e.sample(50, random_state=1)),
    ]:
        save(est, tmp_path / "est.skops")
        loaded = load(tmp_path / "est.skops")
        assert type(loaded) is type(est)
        np.testing.assert_array_equal(check(loaded), check(est))


def test_density_ratio_trees_need_explicit_trust(fitted, tmp_path):
    save(fitted["density-ratio"], tmp_path / "dr.skops")
    with pytest.raises(TypeError, match="trust_trees=True"):
        load(tmp_path / "dr.skops")


def _cuda_left(detector):
    """What a CUDA fit leaves besides the tensors' device (not reproducible without a GPU)."""
    detector.set_params(device=torch.device("cuda"))  # a torch.device is a valid parameter
    detector.device_ = "cuda"
    detector.net_.device = "cuda"
    return detector


def test_model_trained_on_cuda_loads_on_cpu(tmp_path, monkeypatch):
    detector = _cuda_left(AutoencoderDetector(latent_dim=2, hidden_layer_sizes=(8,),
                                              max_epochs=2, random_state=0).fit(X_TRAIN))
    expected = detector.score_samples(X_TEST)
    save(detector, tmp_path / "cuda.skops")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    loaded = load(tmp_path / "cuda.skops")
    assert loaded.net_.device == "cpu"
    assert loaded.get_params()["device"] == torch.device("cuda")  # the user's parameter: kept
    assert all(p.device.type == "cpu" for p in loaded.net_.module_.parameters())
    np.testing.assert_array_equal(loaded.score_samples(X_TEST), expected)


@pytest.mark.gpu
def test_real_cuda_round_trip(tmp_path, monkeypatch):
    detector = AutoencoderDetector(latent_dim=2, hidden_layer_sizes=(8,), max_epochs=2,
                                   device="cuda", random_state=0).fit(X_TRAIN)
    assert next(detector.net_.module_.parameters()).is_cuda
    save(detector, tmp_path / "gpu.skops")
    on_gpu = detector.score_samples(X_TEST)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    loaded = load(tmp_path / "gpu.skops")
    assert all(p.device.type == "cpu" for p in loaded.net_.module_.parameters())
    detector.net_.module_.cpu()  # the same weights scored on the CPU: bitwise equal
    np.testing.assert_array_equal(loaded.score_samples(X_TEST), detector.score_samples(X_TEST))
    np.testing.assert_allclose(loaded.score_samples(X_TEST), on_gpu, rtol=1e-10)


def _edit_schema(src, dst, edit):
    """Copy the skops file ``src`` to ``dst`` with ``edit(schema)`` applied."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "schema.json":
                schema = json.loads(data)
                edit(schema)
                data = json.dumps(schema)
            zout.writestr(item, data)


def _find(node, predicate):
    """First dict in a schema tree for which ``predicate`` holds."""
    if isinstance(node, dict):
        if predicate(node):
            return node
        children = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        found = _find(child, predicate)
        if found is not None:
            return found
    return None


def test_untrusted_function_is_refused(tmp_path):
    detector = PCADetector(n_components=1).fit(X_TRAIN)
    detector.hook_ = os.system  # what a malicious file would smuggle in
    path = tmp_path / "evil.skops"
    sio.dump(detector, path)  # plain skops writes it; sktopo.utils.load must refuse it
    with pytest.raises(TypeError, match=r"not part of a fitted sktopo estimator.*system"):
        load(path)


def test_net_as_plain_object_is_refused(tmp_path):
    """A skorch net rebuilt by its own __setstate__ would unpickle: never trusted that way."""
    detector = AutoencoderDetector(latent_dim=2, hidden_layer_sizes=(8,), max_epochs=1,
                                   random_state=0).fit(X_TRAIN)
    save(detector, tmp_path / "ok.skops")
    net_name = type(detector.net_).__name__

    def as_object_node(schema):
        node = _find(schema, lambda n: n.get("__class__") == net_name)
        node["__loader__"] = "ObjectNode"

    _edit_schema(tmp_path / "ok.skops", tmp_path / "evil.skops", as_object_node)
    with pytest.raises(TypeError, match=net_name):
        load(tmp_path / "evil.skops")


def test_tensor_node_claiming_another_type_is_refused(tmp_path):
    detector = AutoencoderDetector(latent_dim=2, hidden_layer_sizes=(8,), max_epochs=1,
                                   random_state=0).fit(X_TRAIN)
    save(detector, tmp_path / "ok.skops")

    def disguise(schema):
        node = _find(schema, lambda n: n.get("__loader__", "").endswith("TensorNode"))
        node["__module__"], node["__class__"] = "builtins", "eval"

    _edit_schema(tmp_path / "ok.skops", tmp_path / "evil.skops", disguise)
    with pytest.raises(TypeError, match="builtins.eval"):
        load(tmp_path / "evil.skops")


def test_save_refuses_what_load_would_refuse(tmp_path):
    with pytest.raises(TypeError, match="sktopo estimators"):
        save({"not": "an estimator"}, tmp_path / "x.skops")
    detector = PCADetector(n_components=1).fit(X_TRAIN)
    detector.transform_hook_ = lambda x: x
    with pytest.raises(TypeError, match="would refuse"):
        save(detector, tmp_path / "x.skops")
    assert not any(tmp_path.iterdir())  # nothing written


def test_trusted_types_are_built_from_the_library(fitted):
    names = set(trusted_types())
    for detector in fitted.values():
        for value in vars(detector).values():
            for obj in value if isinstance(value, list) else [value]:
                cls = type(obj)
                if cls.__module__.startswith(("sktopo.", "skorch.")):
                    assert f"{cls.__module__}.{cls.__name__}" in names
    assert not names & {"builtins.eval", "builtins.exec", "posix.system", "os.system"}
    assert set(trusted_types(trust_trees=True)) - names == {
        "sklearn.tree._tree.Tree",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    }


def test_user_callbacks_round_trip_and_file_callbacks_are_refused(tmp_path):
    from skorch.callbacks import LoadInitState, LRScheduler

    if "callbacks" not in AutoencoderDetector().get_params():
        pytest.skip("this version of the detectors takes no callbacks")
    params = dict(latent_dim=1, hidden_layer_sizes=(8,), max_epochs=2, random_state=0)
    detector = AutoencoderDetector(
        callbacks=[LRScheduler(policy="StepLR", step_size=1)], **params).fit(X_TRAIN)
    save(detector, tmp_path / "lr.skops")
    loaded = load(tmp_path / "lr.skops")
    np.testing.assert_array_equal(loaded.score_samples(X_TEST), detector.score_samples(X_TEST))
    scheduler = dict(loaded.net_.callbacks_)["LRScheduler"].lr_scheduler_
    assert scheduler.optimizer is loaded.net_.optimizer_
    # a callback that unpickles a checkpoint when the net trains again is never trusted
    checkpoint = AutoencoderDetector(
        callbacks=[LoadInitState(checkpoint=None)], **params).fit(X_TRAIN)
    with pytest.raises(TypeError, match="LoadInitState"):
        save(checkpoint, tmp_path / "checkpoint.skops")
