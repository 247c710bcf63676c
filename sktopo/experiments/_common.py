"""What the reproductions draw and write alike: figures, and the lines of their summaries.

Figures are :class:`matplotlib.figure.Figure` objects made outside pyplot: a
reproduction never selects or switches the user's backend (no
``matplotlib.use``), opens no window, and leaves nothing in pyplot's list of
figures, whether it runs from ``sktopo reproduce``, a script or a notebook.
Progress messages, the summary file and the registry are in
:mod:`sktopo.experiments._registry`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

__all__ = ["check_lines", "figure", "save", "subplots", "training_line"]

#: Resolution of the saved figures.
DPI = 110


def figure(width: float, height: float):
    """An empty constrained-layout figure of ``width x height`` inches, outside pyplot.

    Examples
    --------
    >>> from sktopo.experiments._common import figure
    >>> fig = figure(4.0, 3.0)
    >>> fig.get_size_inches().tolist()
    [4.0, 3.0]
    """
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def subplots(n_rows: int, n_cols: int, width: float, height: float, *, squeeze: bool = False):
    """``(fig, axes)``: a grid of ``n_rows x n_cols`` panels of ``width x height`` inches each.

    As ``plt.subplots(..., layout="constrained")`` but outside pyplot (see the
    module's docstring); ``axes`` is 2-D unless ``squeeze``.

    Examples
    --------
    >>> from sktopo.experiments._common import subplots
    >>> fig, axes = subplots(2, 3, 4.0, 3.0)
    >>> axes.shape, fig.get_size_inches().tolist()
    ((2, 3), [12.0, 6.0])
    """
    fig = figure(width * n_cols, height * n_rows)
    return fig, fig.subplots(n_rows, n_cols, squeeze=squeeze)


def save(fig, path, *, dpi: int = DPI) -> Path:
    """Write ``fig`` to ``path`` (the format from its suffix) and return the path."""
    fig.savefig(path, dpi=dpi)
    return Path(path)


def check_lines(checks, heading: str = "The paper's statements, as measured here:") -> list[str]:
    """``heading``, then ``  [yes] statement: evidence`` (or ``[NO ]``) for each check.

    Parameters
    ----------
    checks : dict or list of dict
        ``{statement: (holds, evidence)}``, or dicts with the keys
        ``'statement'``, ``'holds'`` and ``'evidence'``.
    heading : str
        The first line.

    Examples
    --------
    >>> from sktopo.experiments._common import check_lines
    >>> print("\\n".join(check_lines({"the loss breaks": (True, "worst/median 616"),
    ...                               "at one point": (False, "two maxima")})))
    The paper's statements, as measured here:
      [yes] the loss breaks: worst/median 616
      [NO ] at one point: two maxima
    """
    if isinstance(checks, Mapping):
        rows = [(name, holds, evidence) for name, (holds, evidence) in checks.items()]
    else:
        rows = [(c["statement"], c["holds"], c["evidence"]) for c in checks]
    return [heading] + [f"  [{'yes' if holds else 'NO '}] {name}: {evidence}"
                        for name, holds, evidence in rows]


def training_line(n_train: int, what: str, detector: dict) -> str:
    """``training: 1,000 points, hidden (...), latent 2, sgd, lr=0.01, batch 64, 600 epochs``.

    ``detector`` holds the :class:`~sktopo.detectors.AutoencoderDetector`
    parameters ``hidden_layer_sizes``, ``latent_dim``, ``optimizer``,
    ``learning_rate``, ``batch_size`` and ``max_epochs``.
    """
    d = detector
    return (f"training: {n_train:,} {what}, hidden {tuple(d['hidden_layer_sizes'])}, "
            f"latent {d['latent_dim']}, {d['optimizer']}, lr={d['learning_rate']:g}, batch "
            f"{d['batch_size']}, {d['max_epochs']:,} epochs")
