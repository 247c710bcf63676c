"""The stack level of the user's code, so that a warning points at the line that called sktopo."""

from __future__ import annotations

import os
import sys

__all__ = ["user_stacklevel"]

_LIBRARY_DIRS = tuple(
    os.path.dirname(os.path.dirname(os.path.abspath(p)))
    for p in (__file__,)
)


def user_stacklevel() -> int:
    """``stacklevel`` for :func:`warnings.warn`, called here, that names the first caller outside.

    Frames in sktopo, scikit-learn, skorch and torch are skipped, so a warning
    raised deep in a training points at the user's ``fit`` call.
    """
    skip = [_LIBRARY_DIRS[0]]
    for name in ("sklearn", "skorch", "torch", "joblib"):
        module = sys.modules.get(name)
        if module is not None and getattr(module, "__file__", None):
            skip.append(os.path.dirname(os.path.abspath(module.__file__)))
    frame = sys._getframe(1)  # the caller of user_stacklevel, which calls warnings.warn
    level = 1
    while frame is not None:
        filename = os.path.abspath(frame.f_code.co_filename)
        if not filename.startswith(tuple(skip)):
            return level
        frame = frame.f_back
        level += 1
    return 1
