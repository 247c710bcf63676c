"""Small layout helpers shared by the Displays: keep legends and marks off the data."""

from __future__ import annotations

__all__ = ["headroom"]


def headroom(ax, *, share=0.3, log=False):
    """Raise the top of the y axis by ``share`` of its span (in decades if ``log``).

    Leaves an empty strip above the data, where ``loc='best'`` finds room for
    the legend instead of putting it on the points.

    Parameters
    ----------
    ax : matplotlib Axes
        Axes whose data are drawn (the current limits are extended).
    share : float, default=0.3
        Added span, as a fraction of the current one.
    log : bool, default=False
        Extend in decades (for a log axis; ignored unless both limits are positive).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from sktopo.plotting._style import headroom
    >>> fig, ax = plt.subplots()
    >>> ax.set_ylim(1e-3, 1.0)
    (0.001, 1.0)
    >>> headroom(ax, log=True)
    >>> round(float(ax.get_ylim()[1]), 3)
    7.943
    >>> plt.close(fig)
    """
    low, high = ax.get_ylim()
    if log:
        if low > 0 and high > low:
            ax.set_ylim(low, high * (high / low) ** share)
    elif high > low:
        ax.set_ylim(low, high + share * (high - low))
