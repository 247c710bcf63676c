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
