"""Anomaly detectors with the scikit-learn outlier contract.

Reconstruction-error models (autoencoders, PCA), the normalized autoencoders
(energy-based models without the complexity bias, dense and convolutional),
optimal transport, and the density ratio of data to a reference
(:class:`DensityRatioDetector`, with :class:`SidebandReference`).
"""

from sktopo.detectors._autoencoder import AutoencoderDetector
from sktopo.detectors._conv import ConvAutoencoderDetector
from sktopo.detectors._density_ratio import DensityRatioDetector, GlobalTestResult
from sktopo.detectors._ensemble import ChartEnsembleDetector
from sktopo.detectors._nae import (
    ConvNormalizedAutoencoderDetector,
    NormalizedAutoencoderDetector,
)
from sktopo.detectors._pca import PCADetector
from sktopo.detectors._sideband import SidebandReference
from sktopo.detectors._transport import TransportDetector
from sktopo.detectors._vae import VAEDetector

__all__ = [
    "AutoencoderDetector",
    "ChartEnsembleDetector",
    "ConvAutoencoderDetector",
    "DensityRatioDetector",
    "GlobalTestResult",
    "ConvNormalizedAutoencoderDetector",
    "NormalizedAutoencoderDetector",
    "PCADetector",
    "SidebandReference",
    "TransportDetector",
    "VAEDetector",
]
