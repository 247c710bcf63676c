"""Import optional dependencies with an error message that names the extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["import_optional"]


def import_optional(module_name: str, extra: str) -> ModuleType:
    """Import an optional dependency, or explain which extra provides it.

    Parameters
    ----------
    module_name : str
        Dotted name of the module to import, e.g. ``'ripser'``.
    extra : str
        Name of the ``sktopo`` extra (``[project.optional-dependencies]`` in
        ``pyproject.toml``) that installs it, e.g. ``'topology'``.

    Returns
    -------
    module : module
        The imported module.

    Raises
    ------
    ImportError
        If the module cannot be imported. The message names the package and the
        command ``pip install "sktopo[<extra>]"``; the original error is chained
        as ``__cause__``. An import error raised *inside* an installed package
        (e.g. one of its own dependencies is missing) is re-raised with the same
        advice, still chaining the original error.

    Examples
    --------
    >>> from sktopo.utils._optional import import_optional
    >>> math = import_optional("math", "topology")
    >>> math.sqrt(4.0)
    2.0
    >>> import_optional("surely_not_a_module_xyz", "topology")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    ImportError: This feature needs the optional dependency 'surely_not_a_module_xyz'...
    """
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        raise ImportError(
            f"This feature needs the optional dependency {module_name!r}, which could "
            f'not be imported ({exc}). Install it with: pip install "sktopo[{extra}]"'
        ) from exc
