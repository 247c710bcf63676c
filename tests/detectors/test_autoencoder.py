"""AutoencoderDetector: contract, numbers, reproducibility, errors, model selection."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
import torch
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sktopo.nn._inference as inference
from sktopo import AutoencoderDetector
from sktopo.datasets import make_circle, make_sphere
from sktopo.nn._training import member_seeds
from sktopo.nn import TrainingDivergedError

FAST = dict(hidden_layer_sizes=(16,), max_epochs=5, batch_size=32, random_state=0)


@pytest.fixture(scope="module")
def circle():
    X, phi = make_circle(300, random_state=0)
    return X, phi


@pytest.fixture(scope="module")
def fitted(circle):
    X, _ = circle
    return AutoencoderDetector(latent_dim=1, **FAST).fit(X)


def _numpy_forward(det, X):
    """The autoencoder evaluated by hand from its weights (float64)."""
    module = det.net_.module_
    n_layers = module.n_layers
    n_enc = module.n_encoder_layers
    h = np.asarray(X, dtype=np.float64)
    latent = None
    for i in range(n_layers):
        W = getattr(module, f"weight_{i}")[0].detach().double().numpy()
        b = getattr(module, f"bias_{i}")[0].detach().double().numpy()
        h = h @ W + b
        if i == n_enc - 1:
            latent = h.copy()
        elif i != n_layers - 1:
            h = np.tanh(h)
    return latent, h


def test_architecture_matches_paper():
    X, _ = make_sphere(50, n_dim=4, random_state=0)  # 5 features
    det = AutoencoderDetector(latent_dim=4, hidden_layer_sizes=(64, 64), max_epochs=1).fit(X)
    assert det.net_.module_.widths == (5, 64, 64, 4, 64, 64, 5)


def test_outputs_match_hand_computed_forward(circle, fitted):
    X, _ = circle
    latent, output = _numpy_forward(fitted, X)
    np.testing.assert_allclose(fitted.transform(X), latent, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fitted.reconstruct(X), output, rtol=1e-12, atol=1e-12)
    errors = np.sum((X - output) ** 2, axis=1)
    np.testing.assert_allclose(fitted.reconstruction_error(X), errors, rtol=1e-12)
    np.testing.assert_allclose(fitted.score_samples(X), -errors, rtol=1e-12)
    np.testing.assert_allclose(fitted.inverse_transform(latent), output, rtol=1e-12, atol=1e-12)


def test_outputs_are_float64_even_for_float32_input(circle, fitted):
    X, _ = circle
    X32 = X.astype(np.float32)
    for out in (fitted.score_samples(X32), fitted.transform(X32), fitted.reconstruct(X32)):
        assert out.dtype == np.float64


def test_decision_predict_score_contract(circle, fitted):
    X, _ = circle
    s = fitted.score_samples(X)
    np.testing.assert_array_equal(fitted.decision_function(X), s - fitted.offset_)
    np.testing.assert_array_equal(fitted.predict(X), np.where(s < fitted.offset_, -1, 1))
    assert fitted.score(X) == pytest.approx(s.mean())
    # 'auto' flags 1 % of the training data.
    assert np.mean(fitted.predict(X) == -1) == pytest.approx(0.01, abs=0.005)


@pytest.mark.parametrize("contamination", [0.05, 0.2, 0.5])
def test_contamination_sets_training_outlier_share(circle, contamination):
    X, _ = circle
    det = AutoencoderDetector(latent_dim=1, contamination=contamination, **FAST).fit(X)
    assert np.mean(det.predict(X) == -1) == pytest.approx(contamination, abs=0.01)


def test_same_seed_bitwise_identical_other_seed_differs(circle):
    X, _ = circle
    a = AutoencoderDetector(latent_dim=1, **FAST).fit(X).score_samples(X)
    b = AutoencoderDetector(latent_dim=1, **FAST).fit(X).score_samples(X)
    np.testing.assert_array_equal(a, b)
    c = AutoencoderDetector(latent_dim=1, **{**FAST, "random_state": 1}).fit(X).score_samples(X)
    assert not np.array_equal(a, c)


def test_pickle_round_trip(circle, fitted):
    X, _ = circle
    clone = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(clone.score_samples(X), fitted.score_samples(X))
    np.testing.assert_array_equal(clone.predict(X), fitted.predict(X))


def test_chunked_scoring_gives_same_numbers(circle, fitted, monkeypatch):
    X, _ = circle
    full = fitted.score_samples(X)
    chunks = []
    real = inference.iter_chunks

    def counting(X, rows, dtype=np.float64):
        for sl, chunk in real(X, rows, dtype):
            chunks.append(chunk.shape[0])
            yield sl, chunk

    monkeypatch.setattr(inference, "iter_chunks", counting)
    # sklearn's working_memory caps the chunk: here at the 16-row minimum
    with sklearn.config_context(working_memory=1e-6):
        small = fitted.score_samples(X)
    assert max(chunks) == 16 and len(chunks) == -(-X.shape[0] // 16)
    np.testing.assert_allclose(small, full, rtol=1e-13, atol=1e-15)


def test_loss_curve_and_attributes(circle):
    X, _ = circle
    det = AutoencoderDetector(latent_dim=1, optimizer="adam", **{**FAST, "max_epochs": 30}).fit(X)
    assert len(det.loss_curve_) == det.n_iter_ == 30
    assert det.loss_curve_[-1] < 0.5 * det.loss_curve_[0]
    assert det.validation_loss_curve_ is None
    assert det.n_features_in_ == 2
    assert det.device_ == "cpu"


def test_early_stopping_stops_and_restores_best(circle):
    X, _ = circle
    det = AutoencoderDetector(
        latent_dim=1,
        learning_rate=1e-7,  # nothing improves by tol: stops after patience
        early_stopping=True,
        n_iter_no_change=3,
        tol=1e-3,
        **{**FAST, "max_epochs": 50},
    ).fit(X)
    assert det.n_iter_ == 4
    assert len(det.validation_loss_curve_) == 4
    det = AutoencoderDetector(
        latent_dim=1, optimizer="adam", early_stopping=True, n_iter_no_change=2, tol=0.0,
        **{**FAST, "max_epochs": 40},
    ).fit(X)
    # The restored weights are those of the best validation epoch: their loss on
    # the held-out rows (drawn from the split seed) is the curve's minimum.
    assert det.net_.history[-1, "restored_best"]
    split_seed = member_seeds(0)[2]
    n_valid = int(np.ceil(0.1 * len(X)))
    valid_rows = np.random.RandomState(split_seed).permutation(len(X))[:n_valid]
    restored = det.reconstruction_error(X[valid_rows]).mean()
    assert restored == pytest.approx(min(det.validation_loss_curve_), rel=1e-4)
    assert det.validation_loss_curve_[-1] > min(det.validation_loss_curve_) or det.n_iter_ == 40


@pytest.mark.parametrize("activation", ["tanh", "relu", "elu", "gelu", "sigmoid"])
def test_activations_train(circle, activation):
    X, _ = circle
    det = AutoencoderDetector(latent_dim=1, activation=activation, **FAST).fit(X)
    assert np.all(np.isfinite(det.score_samples(X)))


def test_tempered_tanh_changes_the_network(circle):
    X, _ = circle
    a = AutoencoderDetector(latent_dim=1, **FAST).fit(X).reconstruct(X)
    b = AutoencoderDetector(latent_dim=1, activation_beta=5.0, **FAST).fit(X).reconstruct(X)
    assert not np.allclose(a, b)


def test_divergence_raises_clear_error(circle):
    X, _ = circle
    with pytest.raises(TrainingDivergedError, match="diverged.*learning rate"):
        AutoencoderDetector(latent_dim=1, learning_rate=100.0, **FAST).fit(X * 100)


def test_verbose_shows_progress_bar(circle, capsys):
    X, _ = circle
    AutoencoderDetector(latent_dim=1, verbose=1, **FAST).fit(X)
    assert "epoch" in capsys.readouterr().err
    AutoencoderDetector(latent_dim=1, **FAST).fit(X)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


BAD_FIT_INPUTS = [
    (np.array([[0.0, np.nan], [1.0, 1.0]]), ValueError, "NaN"),
    (np.array([[0.0, np.inf], [1.0, 1.0]]), ValueError, "infinity"),
    (np.empty((0, 2)), ValueError, "0 sample"),
    (np.array([[0.0, 1.0]]), ValueError, "1 sample"),
    (np.array([["a", "b"], ["c", "d"]]), ValueError, "string|convert"),
    (np.zeros((4, 2, 2)), ValueError, "dim 3"),
    (sp.csr_matrix(np.eye(3)), TypeError, "[Ss]parse"),
]


@pytest.mark.parametrize("X, error, match", BAD_FIT_INPUTS)
def test_bad_fit_input(X, error, match):
    with pytest.raises(error, match=match):
        AutoencoderDetector(latent_dim=1, **FAST).fit(X)


def test_wrong_n_features_at_score_time(fitted):
    with pytest.raises(ValueError, match="3 features"):
        fitted.score_samples(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="latent_dim=1"):
        fitted.inverse_transform(np.zeros((5, 2)))


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(latent_dim=0), "latent_dim"),
        (dict(latent_dim=3), "n_features=2"),
        (dict(hidden_layer_sizes=(8, 0)), "hidden_layer_sizes"),
        (dict(activation="swish"), "activation"),
        (dict(optimizer="lbfgs"), "optimizer"),
        (dict(learning_rate=-1.0), "learning_rate"),
        (dict(contamination=0.7), "contamination"),
        (dict(device="tpu"), "device"),
        (dict(early_stopping=True, validation_fraction=0.999), "no training or no validation"),
    ],
)
def test_bad_params(circle, params, match):
    X, _ = circle
    with pytest.raises(ValueError, match=match):
        AutoencoderDetector(**{**dict(latent_dim=1, **FAST), **params}).fit(X[:20])


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-CUDA error")
def test_cuda_requested_without_cuda(circle):
    X, _ = circle
    with pytest.raises(ValueError, match="no CUDA device"):
        AutoencoderDetector(latent_dim=1, device="cuda", **FAST).fit(X)


def test_auto_device_falls_back_to_cpu(circle):
    X, _ = circle
    det = AutoencoderDetector(latent_dim=1, device="auto", **FAST).fit(X)
    assert det.device_ == ("cuda" if torch.cuda.is_available() else "cpu")


def test_pipeline_and_cross_validation(circle):
    X, _ = circle
    pipe = make_pipeline(StandardScaler(), AutoencoderDetector(latent_dim=1, **FAST)).fit(X)
    assert pipe.score_samples(X).shape == (300,)
    scores = cross_val_score(AutoencoderDetector(latent_dim=1, **FAST), X, cv=3)
    assert scores.shape == (3,) and np.all(scores < 0)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sktopo.exceptions.NoBottleneckWarning")  # latent 2 = input
def test_grid_search_over_latent_dim_picks_two():
    X, _ = make_circle(600, random_state=0)
    search = GridSearchCV(
        AutoencoderDetector(optimizer="adam", learning_rate=3e-3, max_epochs=40, random_state=0),
        {"latent_dim": [1, 2]},
        cv=3,
    ).fit(X)
    assert search.best_params_ == {"latent_dim": 2}


@pytest.mark.filterwarnings("ignore::sktopo.exceptions.NoBottleneckWarning")  # latent 2 = input
@pytest.mark.slow
def test_circle_break_point_reproduces_paper():
    """Sec. 4: latent_dim=1 has a break point (worst >> median); latent_dim=2 does not."""
    X, _ = make_circle(1000, sampling="equidistant")
    X_test, phi = make_circle(1000, random_state=1)
    settings = dict(optimizer="adam", learning_rate=3e-3, max_epochs=300, random_state=3)
    e1 = AutoencoderDetector(latent_dim=1, **settings).fit(X).reconstruction_error(X_test)
    e2 = AutoencoderDetector(latent_dim=2, **settings).fit(X).reconstruction_error(X_test)
    ratio1 = e1.max() / np.median(e1)
    ratio2 = e2.max() / np.median(e2)
    assert ratio1 > 30  # paper: ~10^3 after 20,000 SGD epochs
    assert ratio1 > 10 * ratio2
    assert e1.max() > 100 * e2.max()
    # The loss is concentrated: a narrow region around the worst angle.
    worst = phi[np.argmax(e1)]
    far = np.abs(np.angle(np.exp(1j * (phi - worst)))) > 1.0
    assert e1[far].max() < 0.1 * e1.max()


@pytest.mark.slow
def test_undersampled_circle_break_moves_to_gap():
    """Fig. 5: the break point lies in the undersampled region."""
    phi_u = 2.0
    X, _ = make_circle(1000, sampling="normal", undersampled_angle=phi_u, random_state=0)
    X_test, phi = make_circle(1000, random_state=1)
    det = AutoencoderDetector(
        latent_dim=1, optimizer="adam", learning_rate=3e-3, max_epochs=300, random_state=0
    ).fit(X)
    worst = phi[np.argmax(det.reconstruction_error(X_test))]
    assert abs(np.angle(np.exp(1j * (worst - phi_u)))) < 0.6


@pytest.mark.gpu
def test_cuda_training_then_cpu_scoring(circle, tmp_path):
    X, _ = circle
    det = AutoencoderDetector(latent_dim=1, device="cuda", **FAST).fit(X)
    assert det.device_ == "cuda"
    assert next(det.net_.module_.parameters()).is_cuda
    cuda_scores = det.score_samples(X)
    det_cpu = AutoencoderDetector(latent_dim=1, device="cpu", **FAST).fit(X)
    np.testing.assert_allclose(cuda_scores, det_cpu.score_samples(X), rtol=1e-3, atol=1e-6)
    # Move to CPU explicitly and score there.
    det.net_.module_.to("cpu")
    np.testing.assert_allclose(det.score_samples(X), cuda_scores, rtol=1e-10)


@pytest.mark.skipif(torch.cuda.is_available(), reason="simulates a CPU-only machine")
def test_cuda_pickle_loads_on_cpu_only_machine(circle, fitted):
    """A net pickled with device='cuda' is mapped to the CPU where CUDA is absent."""
    from skorch.exceptions import DeviceWarning

    X, _ = circle
    expected = fitted.score_samples(X)
    fitted.net_.device = "cuda"  # as if trained on a GPU
    try:
        blob = pickle.dumps(fitted)
    finally:
        fitted.net_.device = "cpu"
    with pytest.warns(DeviceWarning, match="(?i)cuda"):
        loaded = pickle.loads(blob)
    assert str(loaded.net_.device) == "cpu"
    np.testing.assert_array_equal(loaded.score_samples(X), expected)
