"""The "exact" EMD is exact or raises: POT's iteration limit is raised as needed.

Before issue 19, POT's network simplex stopped at 100,000 iterations with only
a "numItermax reached" warning, and 2 of 4 distances between 5000-bin
histograms were off by up to 46 %.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.optimize import linprog
from scipy.spatial.distance import cdist

from sktopo.transport import _emd, emd, pairwise_emd


def _w1_on_a_line(x, y, step):
    """Wasserstein-1 of two equal-total histograms on equally spaced 1-D bins: |CDF difference|."""
    return float(np.abs(np.cumsum(x - y)[:-1]).sum() * step)


def _emd_linprog(x, y, positions, R=1.0):
    """The EMD's linear program as written in arXiv:1902.02346, solved by HiGHS."""
    n, m = len(x), len(y)
    cost = (cdist(positions, positions) / R).ravel()
    rows = np.zeros((n, n * m))
    cols = np.zeros((m, n * m))
    for i in range(n):
        rows[i, i * m:(i + 1) * m] = 1.0
    for j in range(m):
        cols[j, j::m] = 1.0
    res = linprog(
        cost, A_ub=np.vstack([rows, cols]), b_ub=np.concatenate([x, y]),
        A_eq=np.ones((1, n * m)), b_eq=[min(x.sum(), y.sum())], method="highs",
    )
    assert res.status == 0
    return res.fun + abs(x.sum() - y.sum())


@pytest.mark.slow
def test_5000_bin_histograms_are_exact_with_a_small_first_limit():
    """A first limit of 2,000 iterations (the network simplex needs ~40,000 here): the old
    code returned the unfinished costs with a warning, now the limit grows with the problem."""
    rng = np.random.default_rng(19)
    n_bins = 5000
    positions = np.linspace(0.0, 1.0, n_bins)[:, None]
    X = rng.random((2, n_bins))
    Y = rng.random((2, n_bins))
    X /= X.sum(axis=1, keepdims=True)
    Y /= Y.sum(axis=1, keepdims=True)
    D = pairwise_emd(X, Y, positions=positions, solver="pot", max_iter=2000)
    step = 1.0 / (n_bins - 1)
    ref = [[_w1_on_a_line(x, y, step) for y in Y] for x in X]
    assert_allclose(D, ref, rtol=1e-9)


def test_retries_with_a_larger_limit(monkeypatch):
    """A solve that stops at its limit is repeated with RETRY_GROWTH times the limit."""
    monkeypatch.setattr(_emd, "ITER_PER_NODE", 1)
    rng = np.random.default_rng(0)
    positions = rng.uniform(-1, 1, (60, 2))
    x, y = rng.random(60), rng.random(60) * 1.3  # unequal totals: the dummy point too
    limits = []
    real = _emd._lp()

    def recording(a, b, M, limit, threads):
        limits.append(limit)
        return real(a, b, M, limit, threads)

    monkeypatch.setattr(_emd, "_lp", lambda: recording)
    value = pairwise_emd(x[None], y[None], positions=positions, solver="pot", max_iter=1)[0, 0]
    assert limits[0] <= 61 and len(limits) >= 2
    assert all(b == 10 * a for a, b in zip(limits, limits[1:]))
    assert_allclose(value, _emd_linprog(x, y, positions), rtol=1e-7)


def test_still_not_optimal_raises_with_the_residual(monkeypatch):
    monkeypatch.setattr(_emd, "ITER_PER_NODE", 1)
    monkeypatch.setattr(_emd, "RETRIES", 0)
    rng = np.random.default_rng(1)
    positions = rng.uniform(-1, 1, (30, 2))
    x, y = rng.random(30), rng.random(30)
    with pytest.raises(RuntimeError, match=r"did not reach optimality.*dual residual"):
        pairwise_emd(x[None], y[None], positions=positions, solver="pot", max_iter=1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_agrees_with_linprog_on_small_histograms(seed):
    rng = np.random.default_rng(seed)
    positions = rng.uniform(-1, 1, (15, 2))
    x = rng.random(15) * (rng.random(15) < 0.7)
    y = rng.random(15) * (rng.random(15) < 0.7) * 2.0
    assert_allclose(
        emd(x, y, positions=positions, R=0.8, solver="pot"),
        _emd_linprog(x, y, positions, R=0.8),
        rtol=1e-7,
    )
