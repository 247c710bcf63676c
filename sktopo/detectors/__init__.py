"""Anomaly detectors: reconstruction-error models with the scikit-learn outlier contract."""

from sktopo.detectors._autoencoder import AutoencoderDetector
from sktopo.detectors._conv import ConvAutoencoderDetector
from sktopo.detectors._ensemble import ChartEnsembleDetector
from sktopo.detectors._pca import PCADetector

__all__ = [
    "AutoencoderDetector",
    "ChartEnsembleDetector",
    "ConvAutoencoderDetector",
    "PCADetector",
]
