"""Plots, following scikit-learn's Display pattern (``from_estimator`` / ``plot(ax)``).

matplotlib is imported only when a plot is drawn; nothing here calls ``plt.show()``.
"""

from sktopo.plotting._circle import CircleBreakPointDisplay

__all__ = ["CircleBreakPointDisplay"]
