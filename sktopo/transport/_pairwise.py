"""All pair distances between two sets of events, exact or entropic, in parallel."""

from __future__ import annotations

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from numpy.typing import NDArray
from tqdm.auto import tqdm

from sktopo.transport._emd import (
    MAX_ITER,
    PairKernel,
    _check_R,
    as_event_set,
    check_max_iter,
    resolve_solver,
    same_kind,
)
from sktopo.utils._device import resolve_device

__all__ = ["pairwise_emd"]

#: Pairs per task: about 0.1-0.5 s of work for jet images, so that a progress bar
#: moves and an interrupt stops the computation within a fraction of a second.
PAIRS_PER_TASK = 1024

#: Smallest task when running in parallel (smaller ones cost more to dispatch than to solve).
MIN_PAIRS_PER_TASK = 64

#: Default iteration limit of the Sinkhorn solver.
SINKHORN_MAX_ITER = 1000


def _pairs(n_a, n_b, symmetric):
    """Row and column indices of the pairs to compute (upper triangle if symmetric)."""
    if symmetric:
        return np.triu_indices(n_a, k=1)
    rows = np.repeat(np.arange(n_a), n_b)
    cols = np.tile(np.arange(n_b), n_a)
    return rows, cols


def _exact_task(kernel, rows, cols):
    """``kernel(i, j)`` for a chunk of pairs (an exact ``PairKernel`` or a ``SinkhornKernel``)."""
    kernel = kernel.fresh()  # own solver state: tasks may run in threads
    return np.fromiter((kernel(i, j) for i, j in zip(rows.tolist(), cols.tolist())),
                       dtype=np.float64, count=rows.size)


def pairwise_emd(
    A,
    B=None,
    *,
    R: float = 1.0,
    positions=None,
    extent: float = 1.6,
    normalize: bool = False,
    method: str = "exact",
    solver: str = "auto",
    reg: float = 0.05,
    max_iter: int | None = None,
    device: str = "auto",
    n_jobs: int | None = None,
    verbose: int = 0,
) -> NDArray[np.float64]:
    """Energy mover's distances between all pairs of events of ``A`` and ``B``.

    Parameters
    ----------
    A : sequence of (weights, coords) or array-like of shape (n_a, n_bins)
        Point clouds (``coords`` of shape ``(n, 2)`` holding ``(y, phi)``,
        phi wrapped at ``+-pi``) or histograms on common bins (by default
        flattened square images, see :func:`pixel_centers`).  Weights must be
        non-negative; an event of zero total is allowed (its distance to an
        event of total ``E`` is ``E``) unless ``normalize``.
    B : same type as ``A``, default=None
        The second set; ``None`` computes the symmetric matrix of ``A`` with
        itself (each pair once, zero diagonal).
    R : float, default=1.0
        Angular scale of the EMD, see :func:`emd`.
    positions : array-like of shape (n_bins, d), default=None
        Bin positions for histograms (default: pixel centres of a square image
        of half-width ``extent``).
    extent : float, default=1.6
        Half-width of the images when ``positions`` is None.
    normalize : bool, default=False
        Divide each event by its total first (zero-total events are then an error).
    method : {'exact', 'sinkhorn'}, default='exact'
        ``'exact'``: network simplex (POT), exact to rounding.  ``'sinkhorn'``:
        entropic transport with regularisation ``reg``: POT's log-domain
        Sinkhorn, pair by pair on the CPU, in batches on a GPU ``device``.
        It is approximate and biased upwards (the transport cost of the
        blurred entropic plan, never below the exact value up to its
        convergence tolerance), and converges to the exact EMD as
        ``reg -> 0``.
    solver : {'auto', 'pot', 'wasserstein'}, default='auto'
        Exact solver: POT's network simplex, or the C++ one of the
        ``wasserstein`` package (behind energyflow's EMD; 20-40 % faster here,
        see ``benchmarks/bench_transport.py``).  ``'auto'`` uses
        ``wasserstein`` when it is installed, POT otherwise.  Both are exact;
        their values agree to rounding (1e-12).
    reg : float, default=0.05
        Entropic regularisation for ``'sinkhorn'``, in the unit of the cost
        (distance / R).
    max_iter : int, default=None
        Iteration limit of the solver: ``None`` means 100,000 for the network
        simplex and 1,000 Sinkhorn iterations (the latter stop earlier once
        the marginals are met to a relative 1e-6; small ``reg`` may need more).
    device : str, default='auto'
        Where ``'sinkhorn'`` runs (``'auto'``: CUDA when available): ``'cpu'``
        solves each pair with :func:`ot.sinkhorn2` (``method='sinkhorn_log'``);
        a GPU solves batches of pairs with POT's batched solver
        (:func:`ot.batch.solve_batch`) on torch tensors.
    n_jobs : int or None, default=None
        Parallel workers (joblib; ``None`` means 1 unless in a
        :func:`joblib.parallel_config` context, ``-1`` all cores) for
        ``'exact'`` and for ``'sinkhorn'`` on the CPU.  Threads with POT's
        network simplex, which releases the GIL; processes with
        ``'wasserstein'`` and Sinkhorn, whose solvers hold it (the exact
        solvers scale with the workers: 1.7-1.8x on two cores, see
        ``benchmarks/bench_transport.py``).
        ``joblib.parallel_config(backend=...)`` overrides the choice, e.g.
        ``backend='dask'`` for a Dask cluster.
    verbose : int, default=0
        Show a progress bar when positive.

    Returns
    -------
    D : ndarray of shape (n_a, n_b)
        ``D[i, j] = EMD_R(A[i], B[j])``.

    See Also
    --------
    emd : The distance between two events.

    References
    ----------
    .. [1] P. T. Komiske, E. M. Metodiev, J. Thaler, "Metric Space of
       Collider Events", Phys. Rev. Lett. 123, 041801 (2019), arXiv:1902.02346.

    Examples
    --------
    Three 1 x 3 "images" with bins at 0, 1 and 2:

    >>> import numpy as np
    >>> from sktopo.transport import pairwise_emd
    >>> X = np.eye(3)
    >>> pairwise_emd(X, positions=[0.0, 1.0, 2.0])
    array([[0., 1., 2.],
           [1., 0., 1.],
           [2., 1., 0.]])
    """
    R = _check_R(R)
    if max_iter is None:
        max_iter = MAX_ITER if method == "exact" else SINKHORN_MAX_ITER
    max_iter = check_max_iter(max_iter)
    if method not in ("exact", "sinkhorn"):
        raise ValueError(f"method must be 'exact' or 'sinkhorn', got {method!r}.")
    A = as_event_set(A, positions=positions, extent=extent, normalize=normalize)
    symmetric = B is None
    B = A if symmetric else as_event_set(B, positions=positions, extent=extent,
                                         normalize=normalize)
    same_kind(A, B)
    rows, cols = _pairs(len(A), len(B), symmetric)
    parallel = not (n_jobs in (None, 1) and _default_jobs() == 1)
    if method == "sinkhorn":
        from sktopo.transport._sinkhorn import SinkhornKernel, sinkhorn_batched

        if not (np.isfinite(reg) and reg > 0):
            raise ValueError(f"reg must be a positive number, got {reg!r}.")
        device = resolve_device(device)
        if device == "cpu":
            # POT's solver holds the GIL between its small array operations: processes
            values = _run_pairs(SinkhornKernel(A, B, R=R, reg=reg, max_iter=max_iter), rows,
                                cols, parallel, n_jobs, verbose, prefer="processes",
                                desc="Sinkhorn")
        else:
            values = sinkhorn_batched(A, B, rows, cols, R=R, reg=reg, max_iter=max_iter,
                                      device=device, verbose=verbose)
    else:
        solver = resolve_solver(solver)
        # POT's solver releases the GIL: threads share the events at no cost; the
        # wasserstein package's does not (measured), so it gets processes
        values = _run_pairs(PairKernel(A, B, R, max_iter, solver), rows, cols, parallel, n_jobs,
                            verbose, prefer="threads" if solver == "pot" else "processes",
                            desc="EMD")
    D = np.zeros((len(A), len(B)))
    D[rows, cols] = values
    if symmetric:
        D[cols, rows] = values
    return D


def _run_pairs(kernel, rows, cols, parallel, n_jobs, verbose, *, prefer, desc):
    """``kernel(i, j)`` of every pair, in chunks (serial, or in joblib workers ``prefer``)."""
    n = rows.size
    size = PAIRS_PER_TASK
    if parallel:
        # at least ~4 tasks per worker, so that no worker waits on a long last task
        workers = effective_n_jobs(n_jobs if n_jobs is not None else _default_jobs())
        size = int(min(PAIRS_PER_TASK, max(MIN_PAIRS_PER_TASK, -(-n // (4 * workers)))))
    starts = range(0, n, size)
    out = np.empty(n)
    bar = tqdm(total=n, unit="pair", desc=desc, unit_scale=True, disable=not verbose)
    try:
        if not parallel:
            for s in starts:
                out[s:s + size] = _exact_task(kernel, rows[s:s + size], cols[s:s + size])
                bar.update(min(size, n - s))
        else:
            runner = Parallel(n_jobs=n_jobs, prefer=prefer, return_as="generator")
            results = runner(
                delayed(_exact_task)(kernel, rows[s:s + size], cols[s:s + size]) for s in starts
            )
            for s, values in zip(starts, results):
                out[s:s + values.size] = values
                bar.update(values.size)
    finally:
        bar.close()
    return out


def _default_jobs():
    """Workers joblib would use for ``n_jobs=None`` (1 outside a parallel_config context)."""
    from joblib.parallel import get_active_backend

    backend, n_jobs = get_active_backend()
    return 1 if n_jobs in (None, 1) else n_jobs
