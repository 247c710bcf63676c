"""Plots, following scikit-learn's Display pattern (``from_estimator`` / ``plot(ax)``).

matplotlib is imported only when a plot is drawn; nothing here calls ``plt.show()``.
"""

from sktopo.plotting._circle import CircleBreakPointDisplay
from sktopo.plotting._dalitz import DalitzPlotDisplay
from sktopo.plotting._ensemble import MemberLossDisplay
from sktopo.plotting._histograms import LossDistanceDisplay, LossHistogramDisplay
from sktopo.plotting._latent import LatentCoordinateDisplay
from sktopo.plotting._manifold import (
    LossProfileDisplay,
    ManifoldFitDisplay,
    SphereLossDisplay,
    longitude_latitude,
)
from sktopo.plotting._roc import PhysicsRocDisplay
from sktopo.plotting._scree import ScreePlotDisplay
from sktopo.plotting._sculpting import MassProfileDisplay, MassSculptingDisplay

__all__ = [
    "CircleBreakPointDisplay",
    "DalitzPlotDisplay",
    "LatentCoordinateDisplay",
    "LossDistanceDisplay",
    "LossHistogramDisplay",
    "LossProfileDisplay",
    "ManifoldFitDisplay",
    "MassProfileDisplay",
    "MassSculptingDisplay",
    "MemberLossDisplay",
    "PhysicsRocDisplay",
    "ScreePlotDisplay",
    "SphereLossDisplay",
    "longitude_latitude",
]
