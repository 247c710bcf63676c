"""Entropic EMD (``pairwise_emd(method='sinkhorn')``): POT's log-domain Sinkhorn."""

import warnings

import numpy as np
import ot
import pytest

from sktopo.physics import delta_r
from sktopo.transport import pairwise_emd, pixel_centers
from sktopo.transport._emd import as_event_set
from sktopo.transport._pairwise import _pairs
from sktopo.transport._sinkhorn import sinkhorn_batched


def _images(seed, n, side=5):
    rng = np.random.default_rng(seed)
    X = rng.random((n, side * side)) * (rng.random((n, side * side)) < 0.4)
    X[:, 0] += 0.01  # no empty image
    return X / X.sum(axis=1, keepdims=True)


def _clouds(seed, n):
    rng = np.random.default_rng(seed)
    return [(rng.random(k) + 0.1, np.column_stack([rng.normal(size=k),
                                                   rng.uniform(-np.pi, np.pi, k)]))
            for k in rng.integers(1, 6, size=n)]


def _pot(a, ca, b, cb, reg, cloud=False, R=1.0):
    """An independent reference: POT's sinkhorn_log to a tight tolerance, dummy point added."""
    M = (delta_r(ca[:, 0, None], ca[:, 1, None], cb[None, :, 0], cb[None, :, 1]) if cloud
         else ot.dist(ca, cb, metric="euclidean")) / R
    ea, eb = a.sum(), b.sum()
    if ea > eb:
        b, M = np.append(b, ea - eb), np.hstack([M, np.ones((len(a), 1))])
    elif eb > ea:
        a, M = np.append(a, eb - ea), np.vstack([M, np.ones((1, M.shape[1]))])
    total = max(ea, eb)
    plan = ot.sinkhorn(a / total, b / total, M, reg, method="sinkhorn_log", stopThr=1e-13,
                       numItermax=100_000)
    return float((plan * M).sum()) * total


def test_images_match_pot():
    X = _images(0, 5)
    pos = pixel_centers(5)
    D = pairwise_emd(X[:2], X[2:], method="sinkhorn", reg=0.05)
    for i in range(2):
        for j in range(3):
            a, b = X[i], X[2 + j]
            ref = _pot(a[a > 0], pos[a > 0], b[b > 0], pos[b > 0], 0.05)
            assert D[i, j] == pytest.approx(ref, rel=1e-5)


def test_clouds_of_unequal_energy_match_pot():
    events = _clouds(1, 4)
    D = pairwise_emd(events, method="sinkhorn", reg=0.1, R=0.8)
    assert np.allclose(D, D.T) and np.all(np.diag(D) == 0)
    for i, j in [(0, 1), (1, 3), (2, 3)]:
        (a, ca), (b, cb) = events[i], events[j]
        ref = _pot(a, ca, b, cb, 0.1, cloud=True, R=0.8)
        assert D[i, j] == pytest.approx(ref, rel=1e-5)


def test_energy_scales_out():
    X = _images(2, 2)
    one = pairwise_emd(X[:1], X[1:], method="sinkhorn", reg=0.05)[0, 0]
    assert pairwise_emd(3.0 * X[:1], 3.0 * X[1:], method="sinkhorn",
                        reg=0.05)[0, 0] == pytest.approx(3.0 * one, rel=1e-5)
    # all of an event against nothing: its energy moved to the dummy point at cost 1
    empty = (np.zeros(0), np.zeros((0, 2)))
    event = (np.array([0.5, 1.5]), np.array([[0.0, 0.0], [0.3, 1.0]]))
    D = pairwise_emd([empty, event, empty], method="sinkhorn")
    assert D[0, 1] == pytest.approx(2.0) and D[0, 2] == 0.0


def test_phi_wraps():
    # two points either side of phi = +-pi are 0.2 apart, not 2 pi - 0.2
    A = [(np.array([1.0]), np.array([[0.0, np.pi - 0.1]]))]
    B = [(np.array([1.0]), np.array([[0.0, -np.pi + 0.1]]))]
    assert pairwise_emd(A, B, method="sinkhorn", reg=0.01)[0, 0] == pytest.approx(0.2, rel=1e-6)


@pytest.mark.parametrize("kind", ["images", "clouds"])
def test_batched_solver_agrees(kind):
    # the GPU path (POT's batched solver on torch tensors), run here on the CPU
    events = _images(3, 7) if kind == "images" else _clouds(3, 7)
    A = as_event_set(events)
    rows, cols = _pairs(len(A), len(A), True)
    batched = sinkhorn_batched(A, A, rows, cols, R=1.0, reg=0.05, max_iter=1000, device="cpu")
    D = pairwise_emd(events, method="sinkhorn", reg=0.05)
    np.testing.assert_allclose(batched, D[rows, cols], rtol=2e-5)


def test_parallel_equals_serial():
    X = _images(4, 12)
    serial = pairwise_emd(X[:6], X[6:], method="sinkhorn")
    np.testing.assert_array_equal(pairwise_emd(X[:6], X[6:], method="sinkhorn", n_jobs=2),
                                  serial)


def test_iteration_limit_is_silent():
    # as before: an unconverged Sinkhorn returns its current value without a warning
    X = _images(5, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = pairwise_emd(X[:1], X[1:], method="sinkhorn", reg=0.001, max_iter=10)[0, 0]
    assert np.isfinite(value)


@pytest.mark.parametrize("reg", [0.0, -1.0, np.nan])
def test_invalid_reg(reg):
    with pytest.raises(ValueError, match="reg"):
        pairwise_emd(_images(6, 2), method="sinkhorn", reg=reg)
