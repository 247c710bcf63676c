"""Small utilities shared across sktopo."""

from sktopo.utils._device import resolve_device

__all__ = ["resolve_device"]
