"""Torch modules and the one skorch-based training path shared by all neural detectors."""

from sktopo.exceptions import TrainingDivergedError
from sktopo.nn._conv import StackedConvAutoencoder
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
    StopTraining,
    TrainingMonitor,
    build_net,
    train_stacked,
)

__all__ = [
    "ACTIVATIONS",
    "MemberBatches",
    "ReconstructionNet",
    "StackedAutoencoder",
    "StackedConvAutoencoder",
    "StackedSquaredError",
    "StopTraining",
    "TemperedTanh",
    "TrainingDivergedError",
    "TrainingMonitor",
    "build_net",
    "make_activation",
    "train_stacked",
]
