"""Torch modules and the one skorch-based training path shared by all neural estimators.

* modules: stacked dense and convolutional autoencoders and VAEs, a conditional
  flow, and their loss modules;
* :mod:`specs <sktopo.nn._specs>`: :class:`DenseSpec` and :class:`ConvSpec`
  describe (validate, size and cost) a network once;
* :class:`TrainingConfig`: the validated options of a training;
* :class:`StackedNet` and :func:`train_stacked`: the training path (skorch's loop);
* callbacks: :class:`MemberLossRecorder`, :class:`DivergenceCheck`,
  :class:`MemberEarlyStopping`, :class:`ProgressBar`;
* the normalized autoencoder's pieces: :class:`StackedNAE` (module),
  :class:`NAELoss` (loss), :class:`NegativeSampler` (callback),
  :class:`LangevinSchedule` and :func:`sample_negatives`.
"""

from sktopo.exceptions import TrainingDivergedError
from sktopo.nn._callbacks import (
    DivergenceCheck,
    MemberEarlyStopping,
    MemberLossRecorder,
    ProgressBar,
    StopTraining,
)
from sktopo.nn._config import TrainingConfig
from sktopo.nn._conv import StackedConvAutoencoder
from sktopo.nn._flow import ConditionalFlow, StackedNegativeLogLikelihood
from sktopo.nn._members import keep_member, merge_modules
from sktopo.nn._modules import (
    ACTIVATIONS,
    LATENT_SPACES,
    StackedAutoencoder,
    StackedSquaredError,
    TemperedTanh,
    make_activation,
    project_latent,
)
from sktopo.nn._nae import (
    LangevinSchedule,
    NAELoss,
    NAEModule,
    NegativeSampler,
    StackedNAE,
    sample_negatives,
)
from sktopo.nn._specs import ConvSpec, DenseSpec
from sktopo.nn._training import MemberBatches, StackedNet, build_net, train_stacked
from sktopo.nn._vae import StackedConvVAE, StackedVAE, StackedVAELoss

__all__ = [
    "ACTIVATIONS",
    "ConditionalFlow",
    "ConvSpec",
    "DenseSpec",
    "DivergenceCheck",
    "LATENT_SPACES",
    "LangevinSchedule",
    "MemberBatches",
    "MemberEarlyStopping",
    "MemberLossRecorder",
    "NAELoss",
    "NAEModule",
    "NegativeSampler",
    "ProgressBar",
    "StackedAutoencoder",
    "StackedConvAutoencoder",
    "StackedConvVAE",
    "StackedNAE",
    "StackedNegativeLogLikelihood",
    "StackedNet",
    "StackedSquaredError",
    "StackedVAE",
    "StackedVAELoss",
    "StopTraining",
    "TemperedTanh",
    "TrainingConfig",
    "TrainingDivergedError",
    "build_net",
    "keep_member",
    "make_activation",
    "merge_modules",
    "project_latent",
    "sample_negatives",
    "train_stacked",
]
