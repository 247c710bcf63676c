"""Metrics of anomaly detection in the particle-physics conventions.

Signal efficiency at fixed background rejection (E10, E100), background
rejection ``1 / eps_B`` at fixed signal efficiency, the physics ROC curve,
the significance improvement ``eps_S / sqrt(eps_B)``, the mass profile of a
score and mass sculpting by a cut, and model selection on labelled validation
data (arXiv:1808.08992).

Every metric takes labels and an anomaly score, higher = more anomalous.
Labels are read with ``pos_label='auto'``: ``{0, 1}`` as 1 = signal,
scikit-learn's outlier convention ``{-1, 1}`` as -1 = outlier = signal; any
other pair needs an explicit ``pos_label``.  For a fitted detector the score is
``anomaly_score(detector, X)`` (``detector.anomaly_score(X)`` for an sktopo
detector, ``-detector.score_samples(X)`` for any other).
"""

from sktopo.metrics._efficiency import (
    efficiency_at_rejection,
    physics_roc_curve,
    rejection_at_efficiency,
    significance_improvement,
    significance_improvement_curve,
    threshold_at_rejection,
)
from sktopo.metrics._scorer import BackgroundOnlySplit, anomaly_score, make_anomaly_scorer
from sktopo.metrics._sculpting import (
    MassProfileResult,
    MassSculptingResult,
    mass_profile,
    mass_sculpting,
)

__all__ = [
    "BackgroundOnlySplit",
    "MassProfileResult",
    "MassSculptingResult",
    "anomaly_score",
    "efficiency_at_rejection",
    "make_anomaly_scorer",
    "mass_profile",
    "mass_sculpting",
    "physics_roc_curve",
    "rejection_at_efficiency",
    "significance_improvement",
    "significance_improvement_curve",
    "threshold_at_rejection",
]
