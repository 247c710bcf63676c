"""Scoring runs in row chunks: memory beyond the output does not grow with the number of rows."""

import tracemalloc

import numpy as np
import pytest
import sklearn

from sktopo import AutoencoderDetector, ChartEnsembleDetector, PCADetector
from sktopo.exceptions import NoBottleneckWarning

N_ROWS = 200_000


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X_train = rng.normal(size=(300, 8)).astype(np.float32)
    X_big = rng.normal(size=(N_ROWS, 8)).astype(np.float32)
    return X_train, X_big


def _detectors():
    template = AutoencoderDetector(latent_dim=2, max_epochs=2, random_state=0)
    return {
        "ae": template,
        "pca": PCADetector(n_components=2),
        "ensemble": ChartEnsembleDetector(template, n_charts=16, random_state=0),
    }


def _numpy_peak(fn):
    """Peak of numpy (traced) allocations during ``fn()``, beyond what existed before."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    base, _ = tracemalloc.get_traced_memory()
    result = fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, peak - base


@pytest.mark.parametrize("name", ["ae", "pca", "ensemble"])
@pytest.mark.parametrize("method", ["score_samples", "decision_function", "predict"])
def test_scoring_memory_is_the_output_plus_one_chunk(data, name, method):
    X_train, X_big = data
    det = _detectors()[name].fit(X_train)
    out, peak = _numpy_peak(lambda: getattr(det, method)(X_big))
    output_bytes = out.nbytes
    # Before chunked conversion, PCA copied all of X to float64 (16 MB here), the
    # ensemble held all (n, 16) member errors (26 MB), and every method made one or
    # two more arrays of the output's length.
    assert peak < 1.3 * output_bytes + 9 * 2**20, (peak / 2**20, output_bytes / 2**20)


def test_working_memory_bounds_the_chunk(data):
    X_train, X_big = data
    det = ChartEnsembleDetector(
        AutoencoderDetector(latent_dim=2, max_epochs=2), n_charts=16, random_state=0
    ).fit(X_train)
    ref = det.score_samples(X_big[:5000])
    with sklearn.config_context(working_memory=0.25):
        small = det.score_samples(X_big[:5000])
    np.testing.assert_allclose(small, ref, rtol=1e-12)


def test_ensemble_chart_index_matches_member_errors(data):
    X_train, X_big = data
    det = ChartEnsembleDetector(
        AutoencoderDetector(latent_dim=2, max_epochs=2), n_charts=5, random_state=0
    ).fit(X_train)
    X = X_big[:3000]
    errors = det.member_errors(X)
    index = det.chart_index(X)
    assert index.dtype.kind == "i"
    np.testing.assert_array_equal(index, np.argsort(errors, axis=1, kind="stable")[:, 2])
    np.testing.assert_allclose(det.reconstruction_error(X), errors[np.arange(3000), index])


def test_identity_bottleneck_warns():
    X = np.random.RandomState(0).normal(size=(100, 2))
    with pytest.warns(NoBottleneckWarning, match="latent_dim=2 is not smaller than n_features=2"):
        AutoencoderDetector(max_epochs=1, random_state=0).fit(X)
    with pytest.warns(NoBottleneckWarning, match="n_components=2 is not smaller"):
        PCADetector().fit(X)
    with pytest.warns(NoBottleneckWarning, match="estimator__latent_dim=2"):
        ChartEnsembleDetector(AutoencoderDetector(max_epochs=1), n_charts=2).fit(X)


@pytest.mark.parametrize("bad", [True, False, 1.0])
def test_latent_dim_must_be_an_int(bad):
    X = np.random.RandomState(0).normal(size=(50, 3))
    with pytest.raises(ValueError, match="latent_dim"):
        AutoencoderDetector(latent_dim=bad, max_epochs=1).fit(X)
    with pytest.raises(ValueError, match="latent_dim"):
        ChartEnsembleDetector(AutoencoderDetector(latent_dim=bad, max_epochs=1), n_charts=2).fit(X)


def test_ensemble_takes_estimator_positionally_and_has_verbose(capsys):
    X = np.random.RandomState(0).normal(size=(60, 3))
    template = AutoencoderDetector(latent_dim=1, max_epochs=2)
    ens = ChartEnsembleDetector(template, n_charts=2, random_state=0, verbose=1).fit(X)
    assert ens.estimator is template
    assert "2/2" in capsys.readouterr().err


def test_float32_scoring_precision(data):
    import sktopo

    X_train, X_big = data
    det = ChartEnsembleDetector(
        AutoencoderDetector(latent_dim=2, max_epochs=2), n_charts=3, random_state=0
    ).fit(X_train)
    X = X_big[:2000]
    ref = det.score_samples(X)
    with sktopo.config_context(scoring_precision="float32"):
        single = det.score_samples(X)
        assert sktopo.get_config()["scoring_precision"] == "float32"
    assert sktopo.get_config()["scoring_precision"] == "auto"
    assert single.dtype == np.float64
    np.testing.assert_allclose(single, ref, rtol=1e-4)
    assert not np.array_equal(single, ref)  # it really ran in single precision
    with pytest.raises(ValueError, match="scoring_precision"):
        sktopo.set_config(scoring_precision="float16")


def test_verbose_scoring_shows_progress_over_many_chunks(data, capsys):
    X_train, X_big = data
    det = AutoencoderDetector(latent_dim=2, max_epochs=1, random_state=0, verbose=1).fit(X_train)
    capsys.readouterr()
    with sklearn.config_context(working_memory=0.05):  # many small chunks
        det.score_samples(X_big[:20_000])
    err = capsys.readouterr().err
    assert "scoring (errors)" in err and "20.0k/20.0k" in err
    det.score_samples(X_big[:100])  # few chunks: no bar
    assert "scoring" not in capsys.readouterr().err
