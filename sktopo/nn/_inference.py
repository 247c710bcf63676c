"""Chunked float64 inference for fitted :class:`~sktopo.nn.StackedAutoencoder` modules.

Training runs in float32; every score, code and reconstruction the library
returns comes from a float64 copy of the trained weights of a dense network
(float32 for a convolutional one, whose float64 kernels are several times
slower on a CPU; ``sktopo.config_context(scoring_precision=...)`` overrides
both), evaluated on the row chunks of :mod:`sktopo.utils._chunks` (scikit-learn's
``working_memory`` caps them, see :func:`sklearn.set_config`), and only the
chunk is converted to float64, so
the memory a scoring call needs beyond its input and its output does not grow
with the number of rows.  The result for a row does not depend on which other
rows share its chunk (up to floating-point rounding of order 1e-16).
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from tqdm.auto import tqdm

from sktopo._config import get_config
from sktopo.nn._modules import squared_error
from sktopo.utils._chunks import CHUNK_MEMORY_MIB, chunk_rows, iter_chunks
from sktopo.utils._threads import torch_threads

__all__ = [
    "CHUNK_MEMORY_MIB",
    "apply_chunked",
    "chunk_rows",
    "float64_copy",
    "iter_chunks",
]

#: Above this many chunks, a verbose scoring call shows a progress bar.
PROGRESS_MIN_CHUNKS = 100

def float64_copy(module: torch.nn.Module, dtype=torch.float64) -> torch.nn.Module:
    """A float64 (or ``dtype``) evaluation-mode copy of ``module`` on its device."""
    return copy.deepcopy(module).to(dtype).eval()


def module_device(module: torch.nn.Module) -> torch.device:
    """Device of the module's parameters."""
    return next(module.parameters()).device


def inference_row_bytes(module) -> float:
    """Working memory per row of one float64 forward pass through a stacked module."""
    if hasattr(module, "row_bytes"):
        return module.row_bytes()
    widths = getattr(module, "widths", None)
    n_members = getattr(module, "n_members", 1)
    width = max(widths) if widths else 64
    # two live activations of the widest layer per member, the output and the chunk
    return 8.0 * n_members * (2 * width + (widths[-1] if widths else width)) + 16.0 * width


def apply_chunked(module, X, fn, *, rows=None, members=None, reduce=None, n_threads=1,
                  verbose=0):
    """Evaluate ``fn`` of a stacked module on row chunks of ``X``, in float64.

    The forward pass runs in the configured ``scoring_precision`` (``'auto'``:
    the module's ``auto_scoring_dtype``, float64 unless it says otherwise);
    the result is float64 (int for an index-valued ``reduce``).

    Parameters
    ----------
    module : StackedAutoencoder
        The trained module (any dtype, any device).
    X : ndarray of shape (n_samples, n_in)
        Validated input with ``n_samples >= 1`` (any float dtype; each chunk is
        converted on its own).
    fn : {'errors', 'reconstruct', 'encode', 'decode'}
        What to compute.  ``'errors'`` gives (n_samples, n_members) squared
        errors; the others arrays of shape (n_members, n_samples, width).
    rows : int or None
        Rows per chunk; ``None`` sizes chunks by :func:`chunk_rows`.
    members : int or None
        Member to keep for the array-valued outputs, giving (n_samples, width)
        (``None`` keeps all).
    reduce : callable or None
        Only with ``'errors'``: maps a chunk's (rows, n_members) errors to
        (rows,) values (an ensemble's aggregate), so that the full
        (n_samples, n_members) matrix is never held; the result is (n_samples,).
    n_threads : int
        Torch intra-op threads for the pass (restored afterwards).
    verbose : int
        Show a progress bar over the chunks when there are more than
        :data:`PROGRESS_MIN_CHUNKS` of them.

    Returns
    -------
    ndarray of float64
    """
    precision = get_config()["scoring_precision"]
    if precision == "auto":
        dtype = getattr(module, "auto_scoring_dtype", torch.float64)
    else:
        dtype = torch.float32 if precision == "float32" else torch.float64
    single = dtype == torch.float32
    module64 = float64_copy(module, dtype)
    device = module_device(module64)
    n_members = module64.n_members
    step = {
        "errors": lambda x: squared_error(module64(x), x).T,
        "reconstruct": module64,
        "encode": module64.encode,
        "decode": module64.decode,
    }[fn]
    if rows is None:
        rows = chunk_rows(inference_row_bytes(module64) / (2 if single else 1),
                          min_rows=getattr(module64, "min_chunk_rows", 16))
    n = X.shape[0]
    out = None
    n_chunks = -(-n // rows)
    bar = tqdm(total=n, unit="row", desc=f"scoring ({fn})", unit_scale=True,
               disable=not verbose or n_chunks <= PROGRESS_MIN_CHUNKS)
    with bar, torch_threads(n_threads), torch.inference_mode():
        for sl, chunk in iter_chunks(X, rows, np.float32 if single else np.float64):
            bar.update(sl.stop - sl.start)
            x = torch.from_numpy(chunk).to(device)
            result = step(x.unsqueeze(0).expand(n_members, -1, -1))
            if fn == "errors":
                result = result.cpu().numpy()
                if reduce is not None:
                    result = reduce(result)
            else:
                if members is not None:
                    result = result[members]
                result = result.cpu().numpy()
            if out is None:
                out = _allocate(result, n, row_axis=0 if fn == "errors" or members is not None
                                else 1)
            if fn == "errors" or members is not None:
                out[sl] = result
            else:
                out[:, sl] = result
    return out


def _allocate(first, n, row_axis):
    shape = list(first.shape)
    shape[row_axis] = n
    dtype = np.float64 if first.dtype.kind == "f" else first.dtype
    return np.empty(shape, dtype=dtype)
