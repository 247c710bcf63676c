"""SidebandReference: a conditional flow on sidebands, sampled in the window (CATHODE)."""

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError
from sklearn.metrics import roc_auc_score

from sktopo import DensityRatioDetector, SidebandReference

FAST = dict(transforms=2, hidden_layer_sizes=(16,), batch_size=128, learning_rate=3e-3)


def _linear_data(n=1500, seed=0):
    rng = np.random.RandomState(seed)
    m = rng.uniform(0, 1, n)
    return np.c_[m, rng.normal(m, 0.1)]


@pytest.fixture(scope="module")
def fitted():
    return SidebandReference(feature=0, window=(0.4, 0.6), max_epochs=15, random_state=0,
                             preprocessing="standard", **FAST).fit(_linear_data())


def test_signal_region_hand_computed():
    ref = SidebandReference(feature=1, window=(0.0, 1.0))
    mask = ref.signal_region([[5.0, -0.5], [5.0, 0.0], [5.0, 0.5], [5.0, 1.0], [5.0, 2.0]])
    np.testing.assert_array_equal(mask, [False, False, True, False, False])


def test_samples_interpolate_into_the_window(fitted):
    S = fitted.sample(4000, random_state=0)
    assert S.shape == (4000, 2)
    assert np.all((S[:, 0] > 0.4) & (S[:, 0] < 0.6))
    # x follows m: the flow trained on m < 0.4 and m > 0.6 puts x around m inside
    assert abs(S[:, 1].mean() - 0.5) < 0.03
    assert np.corrcoef(S[:, 0], S[:, 1])[0, 1] > 0.2
    assert 0.07 < np.std(S[:, 1] - S[:, 0]) < 0.15  # the true conditional width is 0.1
    assert fitted.n_sideband_ == np.sum(~fitted.signal_region(_linear_data()))
    assert np.isfinite(fitted.best_validation_loss_) and 1 <= fitted.n_iter_ <= 15


def test_mass_drawn_from_the_window_data(fitted):
    S = SidebandReference(**{**fitted.get_params(), "bandwidth": 0.0})
    S = S.fit(_linear_data()).sample(500, random_state=1)
    assert np.isin(S[:, 0], fitted.window_mass_).all()


def test_deterministic(fitted):
    np.testing.assert_array_equal(fitted.sample(100), fitted.sample(100))
    np.testing.assert_array_equal(fitted.sample(100, random_state=3),
                                  fitted.sample(100, random_state=3))
    again = SidebandReference(**fitted.get_params()).fit(_linear_data())
    np.testing.assert_array_equal(fitted.sample(100, random_state=3),
                                  again.sample(100, random_state=3))


def test_leaves_global_torch_rng_alone():
    state = torch.random.get_rng_state()
    SidebandReference(window=(0.4, 0.6), max_epochs=1, random_state=0, **FAST).fit(
        _linear_data(300)).sample(10)
    assert torch.equal(state, torch.random.get_rng_state())


def test_keyboard_interrupt_propagates(monkeypatch):
    def interrupt(self, *args, **kwargs):
        raise KeyboardInterrupt

    refit = SidebandReference(window=(0.4, 0.6), max_epochs=1, random_state=0, **FAST)
    refit.fit(_linear_data(300))
    monkeypatch.setattr(torch.optim.Adam, "step", interrupt)
    ref = SidebandReference(window=(0.4, 0.6), max_epochs=3, random_state=0, **FAST)
    with pytest.raises(KeyboardInterrupt):
        ref.fit(_linear_data(300))
    fitted = ("flow_", "window_mass_", "n_sideband_", "n_iter_", "best_validation_loss_",
              "preprocessing_", "sample_seed_", "net_")
    assert not any(hasattr(ref, name) for name in fitted)
    # an interrupted refit leaves no usable (stale) flow either
    with pytest.raises(KeyboardInterrupt):
        refit.fit(_linear_data(300, seed=1))
    with pytest.raises(NotFittedError):
        refit.sample(5)


def test_clear_errors():
    X = _linear_data(300)
    with pytest.raises(ValueError, match="sideband"):
        SidebandReference(window=(-1.0, 2.0)).fit(X)
    with pytest.raises(ValueError, match="no row of X lies inside"):
        SidebandReference(window=(5.0, 6.0)).fit(X)
    with pytest.raises(ValueError, match="at least one other"):
        SidebandReference(window=(0.4, 0.6)).fit(X[:, :1])
    with pytest.raises(ValueError, match="not a column"):
        SidebandReference(feature=2, window=(0.4, 0.6)).fit(X)
    with pytest.raises(ValueError, match="low < high"):
        SidebandReference(window=(0.6, 0.4)).fit(X)
    with pytest.raises(ValueError, match="device"):
        SidebandReference(window=(0.4, 0.6), device="tpu").fit(X)


def test_trains_on_the_one_training_path(capsys):
    # skorch's loop through train_stacked: a progress bar over epochs when verbose,
    # early stopping that keeps the best validation state
    ref = SidebandReference(window=(0.4, 0.6), max_epochs=40, n_iter_no_change=2,
                            random_state=0, verbose=1, **FAST).fit(_linear_data(600))
    assert "epochs" in capsys.readouterr().err
    assert ref.n_iter_ < 40  # patience 2 stops it early
    with pytest.warns(FutureWarning, match="n_iter_"):
        assert ref.n_epochs_ == ref.n_iter_
    assert next(ref.flow_.parameters()).device.type == "cpu"


@pytest.mark.slow
def test_density_ratio_with_sideband_reference_finds_a_localised_signal():
    # background: x ~ N(m, 0.1); signal at m ~ 0.5 with x ~ N(0.8, 0.02), 5 % of the window
    rng = np.random.RandomState(0)
    X = _linear_data(6000, seed=1)
    signal = np.c_[rng.normal(0.5, 0.02, 150), rng.normal(0.8, 0.02, 150)]
    data = np.vstack([X, signal])
    truth = np.r_[np.zeros(len(X)), np.ones(len(signal))]
    det = DensityRatioDetector(
        reference=SidebandReference(feature=0, window=(0.4, 0.6), max_epochs=30,
                                    random_state=0, **FAST),
        n_reference=4000, cv=3, random_state=0).fit(data)
    inside = det.support_mask_
    np.testing.assert_array_equal(inside, (data[:, 0] > 0.4) & (data[:, 0] < 0.6))
    np.testing.assert_array_equal(det.columns_, [1])  # the classifier does not see m
    assert np.isnan(det.oof_score_samples_[~inside]).all()
    assert roc_auc_score(truth[inside], -det.oof_score_samples_[inside]) > 0.85
    assert det.global_test(n_permutations=99, random_state=0).pvalue <= 0.02


def test_resonant_feature_in_any_column():
    # a generic (features, resonant feature) table: m in the middle column of three
    rng = np.random.RandomState(0)
    m = rng.uniform(0, 1, 800)
    X = np.c_[rng.normal(size=800), m, rng.normal(m, 0.1)]
    ref = SidebandReference(feature=1, window=(0.4, 0.6), max_epochs=2, random_state=0,
                            **FAST).fit(X)
    S = ref.sample(300, random_state=0)
    assert S.shape == (300, 3)
    assert np.all((S[:, 1] > 0.4) & (S[:, 1] < 0.6))
    det = DensityRatioDetector(reference=ref, cv=2, random_state=0).fit(X)
    np.testing.assert_array_equal(det.columns_, [0, 2])
    assert det.score_samples(X[:5]).shape == (5,)


def test_fit_and_sample_leave_torch_global_generator_alone():
    """zuko needs torch's global generator; the caller's state is restored."""
    import torch

    from sktopo import SidebandReference

    rng = np.random.RandomState(0)
    m = rng.uniform(0, 1, 400)
    X = np.c_[m, rng.normal(m, 0.1)]
    torch.manual_seed(123)
    state = torch.random.get_rng_state()
    ref = SidebandReference(feature=0, window=(0.4, 0.6), max_epochs=2, random_state=0).fit(X)
    ref.sample(50, random_state=0)
    assert torch.equal(torch.random.get_rng_state(), state)


def test_estimator_contracts_on_valid_data(tmp_path):
    """What sklearn's generic checks test, on data with a sideband (see tests/test_common.py)."""
    import pickle

    from sklearn.base import clone

    X = _linear_data(300)
    params = dict(window=(0.4, 0.6), max_epochs=2, random_state=0, **FAST)
    ref = SidebandReference(**params)
    assert ref.fit(X) is ref and ref.n_features_in_ == 2
    samples = ref.sample(20)
    again = clone(ref).fit(X)  # idempotent, and clone leaves the parameters alone
    np.testing.assert_array_equal(again.sample(20), samples)
    assert again.get_params() == ref.get_params()
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(ref)).sample(20), samples)
    np.testing.assert_array_equal(
        clone(ref).fit(X.astype(np.float32)).sample(20).shape, samples.shape)
    path = tmp_path / "x.npy"
    np.save(path, X)
    readonly = np.load(path, mmap_mode="r")
    np.testing.assert_array_equal(clone(ref).fit(readonly).sample(20), samples)
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clone(ref).fit(bad)
    with pytest.raises(NotFittedError):
        SidebandReference(**params).sample(3)
