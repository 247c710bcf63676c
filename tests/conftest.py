"""Shared pytest configuration: hypothesis profiles and the ``gpu`` marker."""

import os

import pytest
import torch
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci" if os.environ.get("CI") else "default")

# The test networks are tiny: one intra-op thread is as fast as several on an
# idle machine and much faster on a busy one, where torch's threads otherwise
# spin against other processes (measured up to 25x slower with 2 threads).
torch.set_num_threads(int(os.environ.get("SKTOPO_TEST_TORCH_THREADS", "1")))


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip_gpu = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip_gpu)


# Pythia jets shared by the physics tests of several modules: generated once per
# session (n_jobs=2) into a temporary folder, or into $SKTOPO_TEST_DATA to reuse
# them between sessions.  CPU time: QCD, top, W 200 jets each, 5-10 s each;
# gluino 100 jets, ~25 s (truth-matched gluino jets are rare, ~4 per CPU-second).
# Two chunks per process, so that both jobs work.
JET_SAMPLE_SIZES = {"qcd": 200, "top": 200, "w": 200, "gluino": 100}


@pytest.fixture(scope="session")
def jet_samples(tmp_path_factory):
    """``{process: Bunch}`` from :func:`sktopo.datasets.make_jets` for qcd, top, w, gluino."""
    pytest.importorskip("pythia8mc")
    pytest.importorskip("h5py")
    from sktopo.datasets import make_jets

    home = os.environ.get("SKTOPO_TEST_DATA") or tmp_path_factory.mktemp("jets")
    return {
        process: make_jets(
            process, n, random_state=2024, chunk_size=n // 2, n_jobs=2, data_home=home
        )
        for process, n in JET_SAMPLE_SIZES.items()
    }
