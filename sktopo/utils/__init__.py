"""Small utilities shared across sktopo, and deployment: secure model files and ONNX export."""

from sktopo.utils._device import resolve_device
from sktopo.utils._onnx import to_onnx
from sktopo.utils._optional import import_optional
from sktopo.utils._persist import load, save, trusted_types

__all__ = ["import_optional", "load", "resolve_device", "save", "to_onnx", "trusted_types"]
