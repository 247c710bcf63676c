"""Torch modules and the one skorch-based training path shared by all neural detectors."""

from sktopo.nn._modules import (
    ACTIVATIONS,
    StackedAutoencoder,
    StackedSquaredError,
    TemperedTanh,
    make_activation,
)
from sktopo.nn._training import (
    MemberBatches,
    ReconstructionNet,
    TrainingDivergedError,
    TrainingMonitor,
    build_net,
)

__all__ = [
    "ACTIVATIONS",
    "MemberBatches",
    "ReconstructionNet",
    "StackedAutoencoder",
    "StackedSquaredError",
    "TemperedTanh",
    "TrainingDivergedError",
    "TrainingMonitor",
    "build_net",
    "make_activation",
]
