"""sktopo: topology-aware anomaly detection for physics data, in scikit-learn style.

Public estimators and transformers are importable from here and from their
subpackages (:mod:`sktopo.detectors`, :mod:`sktopo.physics`,
:mod:`sktopo.datasets`, :mod:`sktopo.jets`).
"""

import importlib
from typing import TYPE_CHECKING

from sktopo._config import config_context, get_config, set_config

__version__ = "0.1.0.dev0"

# The estimators are imported on first use (PEP 562), so that ``import sktopo``
# does not import torch: ``sktopo --version`` and ``sktopo reproduce --list``
# answer at once.  ``from sktopo import AutoencoderDetector`` works as before.
_LAZY = {
    "AutoencoderDetector": "sktopo.detectors",
    "ChartEnsembleDetector": "sktopo.detectors",
    "ConvAutoencoderDetector": "sktopo.detectors",
    "ConvNormalizedAutoencoderDetector": "sktopo.detectors",
    "DensityRatioDetector": "sktopo.detectors",
    "NormalizedAutoencoderDetector": "sktopo.detectors",
    "PCADetector": "sktopo.detectors",
    "SidebandReference": "sktopo.detectors",
    "TransportDetector": "sktopo.detectors",
    "VAEDetector": "sktopo.detectors",
    "JetImages": "sktopo.jets",
    "DalitzFeatures": "sktopo.physics",
    "PhaseSpaceSampler": "sktopo.physics",
}
_SUBPACKAGES = frozenset({
    "base", "datasets", "detectors", "diagnostics", "exceptions", "experiments", "jets",
    "metrics", "nn", "physics", "plotting", "testing", "transport", "utils",
})

if TYPE_CHECKING:  # for type checkers and IDEs, which do not run __getattr__
    from sktopo.detectors import (  # noqa: F401
        AutoencoderDetector,
        ChartEnsembleDetector,
        ConvAutoencoderDetector,
        ConvNormalizedAutoencoderDetector,
        DensityRatioDetector,
        NormalizedAutoencoderDetector,
        PCADetector,
        SidebandReference,
        TransportDetector,
        VAEDetector,
    )
    from sktopo.jets import JetImages  # noqa: F401
    from sktopo.physics import DalitzFeatures, PhaseSpaceSampler  # noqa: F401


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _SUBPACKAGES:
        value = importlib.import_module(f"sktopo.{name}")
    else:
        raise AttributeError(f"module 'sktopo' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | _SUBPACKAGES)


__all__ = [
    "AutoencoderDetector",
    "ChartEnsembleDetector",
    "ConvAutoencoderDetector",
    "ConvNormalizedAutoencoderDetector",
    "DalitzFeatures",
    "DensityRatioDetector",
    "JetImages",
    "NormalizedAutoencoderDetector",
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
