"""sktopo: topology-aware anomaly detection for physics data, in scikit-learn style.

Public estimators and transformers are importable from here and from their
subpackages (:mod:`sktopo.detectors`, :mod:`sktopo.physics`,
:mod:`sktopo.datasets`, :mod:`sktopo.jets`).
"""

from sktopo._config import config_context, get_config, set_config
from sktopo.detectors import (
    AutoencoderDetector,
    ChartEnsembleDetector,
    ConvAutoencoderDetector,
    DensityRatioDetector,
    PCADetector,
    SidebandReference,
    TransportDetector,
    VAEDetector,
)
from sktopo.jets import JetImages
from sktopo.physics import DalitzFeatures, PhaseSpaceSampler

__version__ = "0.1.0.dev0"

__all__ = [
    "AutoencoderDetector",
    "ChartEnsembleDetector",
    "ConvAutoencoderDetector",
    "DalitzFeatures",
    "DensityRatioDetector",
    "JetImages",
    "PCADetector",
    "PhaseSpaceSampler",
    "SidebandReference",
    "TransportDetector",
    "VAEDetector",
    "__version__",
    "config_context",
    "get_config",
    "set_config",
]
