"""Diagnostics: does the data's topology force a break, and where does a detector break it?

- Before training: :func:`topology_check` (persistent homology, needs the
  ``topology`` extra), :func:`estimate_intrinsic_dimension` (TwoNN),
  :func:`pca_scree` and :func:`suggest_latent_dim` pick the latent dimension,
  :func:`suggest_latent_space` a latent space with the data's topology.
- After training: :func:`loss_vs_distance` and :func:`locate_breaks` read the
  losses of a detector (arXiv:2102.08380, Secs. 5-8); :func:`complexity_check`
  tells whether its score ranks jets by complexity (arXiv:2104.09051).
"""

from sktopo.diagnostics._breaks import (
    BreakRegions,
    LossDistanceResult,
    locate_breaks,
    loss_vs_distance,
)
from sktopo.diagnostics._complexity import (
    ComplexityBiasWarning,
    ComplexityCheckResult,
    complexity_check,
)
from sktopo.diagnostics._dimension import (
    LatentDimSuggestion,
    ScreeResult,
    estimate_intrinsic_dimension,
    pca_scree,
    suggest_latent_dim,
)
from sktopo.diagnostics._topology import (
    LatentSpaceSuggestion,
    TopologyCheckResult,
    suggest_latent_space,
    topology_check,
)

__all__ = [
    "BreakRegions",
    "ComplexityBiasWarning",
    "ComplexityCheckResult",
    "LatentDimSuggestion",
    "LatentSpaceSuggestion",
    "LossDistanceResult",
    "ScreeResult",
    "TopologyCheckResult",
    "complexity_check",
    "estimate_intrinsic_dimension",
    "locate_breaks",
    "loss_vs_distance",
    "pca_scree",
    "suggest_latent_dim",
    "suggest_latent_space",
    "topology_check",
]
