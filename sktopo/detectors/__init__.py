"""Anomaly detectors with the scikit-learn outlier contract.

Reconstruction-error models (autoencoders, PCA), the normalized autoencoder
(an energy-based model without the complexity bias), optimal transport, and the
density ratio of data to a reference (:class:`DensityRatioDetector`, with :class:`SidebandReference`).
"""

from sktopo.detectors._autoencoder import AutoencoderDetector
from sktopo.detectors._conv import ConvAutoencoderDetector
from sktopo.detectors._density_ratio import DensityRatioDetector, GlobalTestResult
from sktopo.detectors._ensemble import ChartEnsembleDetector
from sktopo.detectors._nae import NormalizedAutoencoderDetector
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
    "NormalizedAutoencoderDetector",
    "PCADetector",
    "SidebandReference",
    "TransportDetector",
    "VAEDetector",
]
