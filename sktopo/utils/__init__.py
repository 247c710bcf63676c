"""Small utilities shared across sktopo."""

from sktopo.utils._device import resolve_device
from sktopo.utils._optional import import_optional

__all__ = ["import_optional", "resolve_device"]
