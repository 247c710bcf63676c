"""Chunked float64 inference for fitted :class:`~sktopo.nn.StackedAutoencoder` modules.

Training runs in float32; every score, code and reconstruction the library
returns comes from a float64 copy of the trained weights, evaluated in chunks of
``chunk_size`` rows so that memory stays bounded for arrays of any length and
the result for a row does not depend on which other rows share its chunk.
"""

from __future__ import annotations

import copy

import numpy as np
import torch

from sktopo.nn._modules import squared_error

__all__ = ["DEFAULT_CHUNK_SIZE", "apply_chunked", "float64_copy"]

DEFAULT_CHUNK_SIZE = 65536


def float64_copy(module: torch.nn.Module) -> torch.nn.Module:
    """A float64 evaluation-mode copy of ``module`` on the device of its parameters."""
    return copy.deepcopy(module).double().eval()


def module_device(module: torch.nn.Module) -> torch.device:
    """Device of the module's parameters."""
    return next(module.parameters()).device


def apply_chunked(module, X, fn, *, chunk_size=DEFAULT_CHUNK_SIZE, members=None):
    """Evaluate ``fn(module64, Xc)`` on row chunks of ``X`` and concatenate the results.

    Parameters
    ----------
    module : StackedAutoencoder
        The trained module (any dtype, any device).
    X : ndarray of shape (n_samples, n_in)
        Validated input.
    fn : {'errors', 'reconstruct', 'encode', 'decode'}
        What to compute.  ``'errors'`` returns (n_samples, n_members) squared
        errors; the others return arrays of shape (n_members, n_samples, width).
    chunk_size : int
        Rows per chunk.
    members : int or None
        Member to keep for the array-valued outputs (``None`` keeps all).

    Returns
    -------
    ndarray of float64
    """
    module64 = float64_copy(module)
    device = module_device(module64)
    n_members = module64.n_members
    step = {
        "errors": lambda x: squared_error(module64(x), x).T,
        "reconstruct": module64,
        "encode": module64.encode,
        "decode": module64.decode,
    }[fn]
    out = []
    with torch.inference_mode():
        for start in range(0, X.shape[0], chunk_size):
            chunk = torch.from_numpy(np.array(X[start : start + chunk_size], dtype=np.float64))
            chunk = chunk.to(device)
            result = step(chunk.unsqueeze(0).expand(n_members, -1, -1))
            if members is not None and fn != "errors":
                result = result[members]
            out.append(result.cpu().numpy())
    axis = 0 if fn == "errors" or members is not None else 1
    return np.concatenate(out, axis=axis)
