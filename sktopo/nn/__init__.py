"""Torch modules and the one skorch-based training path shared by all neural detectors."""

from sktopo.exceptions import TrainingDivergedError
from sktopo.nn._conv import StackedConvAutoencoder
from sktopo.nn._flow import ConditionalFlow, StackedNegativeLogLikelihood
from sktopo.nn._modules import (
    ACTIVATIONS,
    LATENT_SPACES,
    StackedAutoencoder,
    StackedSquaredError,
    TemperedTanh,
    make_activation,
    project_latent,
)
from sktopo.nn._training import (
    MemberBatches,
    ReconstructionNet,
    StopTraining,
    TrainingMonitor,
    build_net,
    train_stacked,
)
from sktopo.nn._vae import StackedConvVAE, StackedVAE, StackedVAELoss

__all__ = [
    "ACTIVATIONS",
    "ConditionalFlow",
    "LATENT_SPACES",
    "MemberBatches",
    "ReconstructionNet",
    "StackedAutoencoder",
    "StackedConvAutoencoder",
    "StackedConvVAE",
    "StackedNegativeLogLikelihood",
    "StackedSquaredError",
    "StackedVAE",
    "StackedVAELoss",
    "StopTraining",
    "TemperedTanh",
    "TrainingDivergedError",
    "TrainingMonitor",
    "build_net",
    "make_activation",
    "project_latent",
    "train_stacked",
]
