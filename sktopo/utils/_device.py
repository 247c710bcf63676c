"""Torch device selection."""

from __future__ import annotations

import re

import torch

__all__ = ["resolve_device"]

_DEVICE_PATTERN = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")


def resolve_device(device: str | torch.device) -> str:
    """Resolve a user's ``device`` parameter to a concrete torch device string.

    Parameters
    ----------
    device : str or torch.device
        ``'cpu'``, ``'cuda'``, ``'cuda:N'``, ``'mps'`` or ``'auto'`` (CUDA when
        available, else CPU).

    Returns
    -------
    device : str

    Raises
    ------
    ValueError
        If the string is not a device name, or CUDA is requested but unavailable.
    """
    name = str(device)
    if not _DEVICE_PATTERN.match(name):
        raise ValueError(
            f"device={device!r} is not understood; use 'cpu', 'cuda', 'cuda:N', 'mps' or 'auto'."
        )
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={name!r} was requested but no CUDA device is available "
                "(torch.cuda.is_available() is False); use device='cpu' or 'auto'."
            )
        index = int(name.split(":")[1]) if ":" in name else 0
        if index >= torch.cuda.device_count():
            raise ValueError(
                f"device={name!r} was requested but only {torch.cuda.device_count()} "
                "CUDA device(s) exist."
            )
    if name == "mps" and not torch.backends.mps.is_available():
        raise ValueError("device='mps' was requested but MPS is not available.")
    return name
