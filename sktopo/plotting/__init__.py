"""Plots, following scikit-learn's Display pattern (``from_estimator`` / ``plot(ax)``).

matplotlib is imported only when a plot is drawn; nothing here calls ``plt.show()``.
"""

from sktopo.plotting._circle import CircleBreakPointDisplay
from sktopo.plotting._dalitz import DalitzPlotDisplay
from sktopo.plotting._histograms import LossDistanceDisplay, LossHistogramDisplay

__all__ = [
    "CircleBreakPointDisplay",
    "DalitzPlotDisplay",
    "LossDistanceDisplay",
    "LossHistogramDisplay",
]
