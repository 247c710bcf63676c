"""The energy mover's distance: hand-computed values, POT, metric properties, Sinkhorn."""

import importlib.util

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sktopo.physics import delta_r
from sktopo.transport import emd, kmedoids, pairwise_emd, pixel_centers


def _pot_emd(ev0, ev1, R):
    """The KMT EMD through ot.emd2 with a dummy point, written independently."""
    ot = pytest.importorskip("ot")
    (a, c0), (b, c1) = ev0, ev1
    M = delta_r(c0[:, 0, None], c0[:, 1, None], c1[None, :, 0], c1[None, :, 1]) / R
    ea, eb = a.sum(), b.sum()
    if ea > eb:
        b, M = np.append(b, ea - eb), np.hstack([M, np.ones((len(a), 1))])
    else:
        a, M = np.append(a, eb - ea), np.vstack([M, np.ones((1, M.shape[1]))])
    return float(ot.emd2(a, b, M))


def _cloud(rng, n):
    coords = np.column_stack([rng.normal(size=n), rng.uniform(-np.pi, np.pi, n)])
    return rng.random(n) + 0.01, coords


def test_two_particles_hand_computed():
    for d, R in [(0.5, 0.4), (1.0, 1.0), (0.3, 2.0)]:
        value = emd(([2.0], [[0.1, 0.2]]), ([2.0], [[0.1 + d, 0.2]]), R=R)
        assert value == pytest.approx(2.0 * d / R, rel=1e-12)


def test_energy_difference_term():
    # 1 unit moves 0.5 (cost 0.5 / R), 0.5 extra energy costs 0.5
    value = emd(([1.0], [[0.0, 0.0]]), ([1.5], [[0.0, 0.5]]), R=0.5)
    assert value == pytest.approx(1.0 + 0.5)
    # a zero-total event: its distance to an event is that event's energy
    assert emd(([0.0], [[0.0, 0.0]]), ([3.0, 1.0], [[0.0, 1.0], [2.0, 0.0]])) == 4.0


def test_phi_wraps():
    value = emd(([1.0], [[0.0, 3.1]]), ([1.0], [[0.0, -3.1]]), R=1.0)
    assert value == pytest.approx(2 * np.pi - 6.2)


def test_images_one_hot_pixel():
    n = 5
    width = 3.2 / n
    for i, j in [(0, 1), (0, 6), (12, 24), (0, 24)]:
        x0, x1 = np.zeros(n * n), np.zeros(n * n)
        x0[i], x1[j] = 1.0, 1.0
        (r0, c0), (r1, c1) = divmod(i, n), divmod(j, n)
        expected = width * np.hypot(r0 - r1, c0 - c1) / 0.8
        assert emd(x0, x1, R=0.8) == pytest.approx(expected, rel=1e-12)


def test_pixel_centers_match_jet_images():
    from sktopo.jets import JetImages

    # one constituent at (eta, phi) = (0, 0) plus one off axis: the lit pixels' centres
    jet = np.array([[[100.0, 0.0, 0.0], [50.0, 0.5, 0.9]]])
    image = JetImages(n_pixels=9, center=False, rotate=False, flip=False).fit(jet).transform(jet)
    lit = np.flatnonzero(image[0])
    centers = pixel_centers(9, 1.6)[lit]
    width = 3.2 / 9
    assert np.all(np.abs(centers - [[0.0, 0.0], [0.5, 0.9]]).min(axis=0) <= width / 2)


SOLVERS = ["pot", pytest.param("wasserstein", marks=pytest.mark.skipif(
    importlib.util.find_spec("wasserstein") is None, reason="needs the wasserstein package"))]


@pytest.mark.parametrize("solver", SOLVERS)
def test_agrees_with_pot_on_random_clouds(solver):
    rng = np.random.default_rng(0)
    events = [_cloud(rng, n) for n in (1, 3, 8, 15, 30)]
    events.append((np.zeros(0), np.zeros((0, 2))))  # an empty event
    D = pairwise_emd(events, R=0.6, solver=solver)
    assert D[-1, 0] == pytest.approx(events[0][0].sum())
    for i in range(len(events) - 1):
        for j in range(len(events) - 1):
            if i != j:
                assert D[i, j] == pytest.approx(_pot_emd(events[i], events[j], 0.6), abs=1e-12)


@pytest.mark.parametrize("solver", SOLVERS)
def test_agrees_with_pot_on_images(solver):
    ot = pytest.importorskip("ot")
    rng = np.random.default_rng(1)
    X = rng.random((6, 49)) * (rng.random((6, 49)) < 0.4)
    X /= X.sum(axis=1, keepdims=True)
    X[1, :] = X[0]  # identical
    X[2, :7] += X[0, :7]  # shares bins with 0, different total
    pos = pixel_centers(7)
    M = ot.dist(pos, pos, metric="euclidean")
    D = pairwise_emd(X[:3], X[3:], solver=solver)
    for i in range(3):
        for j in range(3):
            a, b = X[i], X[3 + j]
            if abs(a.sum() - b.sum()) < 1e-12:
                assert D[i, j] == pytest.approx(ot.emd2(a, b, M), abs=1e-12)
    # the unbalanced pair through clouds and the independent dummy construction
    cloud = [(X[k][X[k] > 0], pos[X[k] > 0]) for k in (2, 3)]
    assert pairwise_emd(X[2:3], X[3:4], solver=solver)[0, 0] == pytest.approx(
        _pot_emd(cloud[0], cloud[1], 1.0), abs=1e-12)


@pytest.mark.parametrize("solver", SOLVERS)
def test_parallel_and_symmetric_forms_agree(solver):
    rng = np.random.default_rng(2)
    X = rng.random((9, 25)) * (rng.random((9, 25)) < 0.5)
    D = pairwise_emd(X, solver=solver)
    assert np.allclose(D, D.T) and np.all(np.diag(D) == 0)
    np.testing.assert_allclose(pairwise_emd(X, X, n_jobs=2, solver=solver), D, atol=1e-12)
    np.testing.assert_allclose(pairwise_emd(X, solver="pot"), D, atol=1e-12)


def test_parallel_tasks_are_sized_by_the_workers(monkeypatch):
    # 20 x 20 = 400 pairs on 2 workers: at least 4 tasks a worker, but no task
    # under 64 pairs -> 7 tasks (6 of 64, one of 16); in one worker: one task
    import sktopo.transport._pairwise as pairwise_module

    sizes = []
    task = pairwise_module._exact_task

    def counting(kernel, rows, cols):
        sizes.append(rows.size)
        return task(kernel, rows, cols)

    monkeypatch.setattr(pairwise_module, "_exact_task", counting)
    rng = np.random.default_rng(3)
    X = rng.random((40, 9))
    D = pairwise_emd(X[:20], X[20:], solver="pot", n_jobs=2)
    assert sorted(sizes) == [16] + [64] * 6
    sizes.clear()
    np.testing.assert_array_equal(pairwise_emd(X[:20], X[20:], solver="pot"), D)
    assert sizes == [400]


weights = st.lists(st.floats(0.0, 10.0), min_size=1, max_size=6)


@st.composite
def clouds(draw):
    w = np.array(draw(weights))
    n = w.size
    coords = np.array(draw(st.lists(st.tuples(st.floats(-2, 2), st.floats(-np.pi, np.pi)),
                                    min_size=n, max_size=n)))
    return w, coords


@settings(max_examples=40)
@given(clouds(), clouds(), clouds(), st.floats(0.5, 3.0))
def test_metric_properties(e0, e1, e2, R):
    D = pairwise_emd([e0, e1, e2], R=R)
    assert emd(e0, e0, R=R) == pytest.approx(0.0, abs=1e-9)
    assert emd(e0, e1, R=R) == pytest.approx(emd(e1, e0, R=R), rel=1e-9, abs=1e-9)
    # metric for R >= half the largest distance (Komiske et al.): dphi <= pi, deta <= 4
    if R >= 0.5 * np.hypot(4.0, np.pi):
        assert D[0, 2] <= D[0, 1] + D[1, 2] + 1e-9


@settings(max_examples=30)
@given(st.lists(st.lists(st.floats(0.0, 1.0), min_size=9, max_size=9), min_size=3, max_size=3))
def test_metric_properties_on_images(rows):
    X = np.array(rows)
    D = pairwise_emd(X, R=2.0)  # images 3.2 wide: diagonal 4.5 <= 2 R
    assert np.all(D >= 0)
    assert D[0, 2] <= D[0, 1] + D[1, 2] + 1e-9
    assert pairwise_emd(X[:1], X[:1])[0, 0] == pytest.approx(0.0, abs=1e-12)


def test_clear_errors():
    with pytest.raises(ValueError, match="non-negative"):
        emd(([-1.0], [[0.0, 0.0]]), ([1.0], [[0.0, 0.0]]))
    with pytest.raises(ValueError, match="coords shape"):
        emd(([1.0, 2.0], [[0.0, 0.0]]), ([1.0], [[0.0, 0.0]]))
    with pytest.raises(ValueError, match="same length"):
        emd(np.ones(4), np.ones(9))
    with pytest.raises(ValueError, match="square"):
        pairwise_emd(np.ones((2, 5)))
    with pytest.raises(ValueError, match="different bins"):
        pairwise_emd(np.ones((2, 4)), np.ones((2, 9)))
    with pytest.raises(ValueError, match="zero total"):
        pairwise_emd(np.array([[1.0, 0, 0, 0], [0, 0, 0, 0]]), normalize=True)
    with pytest.raises(ValueError, match="R must be"):
        emd(np.ones(4), np.ones(4), R=0.0)
    with pytest.raises(ValueError, match="finite"):
        pairwise_emd(np.array([[np.nan, 0, 0, 1.0]]))


def test_normalize_makes_wasserstein():
    X = np.array([[2.0, 0, 0, 0], [0, 4.0, 0, 0]])
    assert pairwise_emd(X, extent=1.0, normalize=True)[0, 1] == pytest.approx(1.0)
    assert pairwise_emd(X, extent=1.0)[0, 1] == pytest.approx(2.0 + 2.0)


def test_sinkhorn_converges_to_exact():
    rng = np.random.default_rng(3)
    events = [_cloud(rng, n) for n in (3, 4, 5)]
    exact = pairwise_emd(events, R=1.0)
    errors = [np.abs(pairwise_emd(events, R=1.0, method="sinkhorn", reg=reg, max_iter=20000)
                     - exact).max()
              for reg in (0.1, 0.02, 0.004)]
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 2e-3
    # biased upwards: the entropic plan's cost is never below the exact optimum
    approx = pairwise_emd(events, R=1.0, method="sinkhorn", reg=0.1)
    assert np.all(approx[~np.eye(3, dtype=bool)] >= exact[~np.eye(3, dtype=bool)] - 1e-6)


def test_sinkhorn_matches_pot_sinkhorn():
    ot = pytest.importorskip("ot")
    rng = np.random.default_rng(4)
    X = rng.random((2, 16))
    X /= X.sum(axis=1, keepdims=True)
    pos = pixel_centers(4)
    M = ot.dist(pos, pos, metric="euclidean")
    ours = pairwise_emd(X[:1], X[1:], method="sinkhorn", reg=0.05)[0, 0]
    plan = ot.sinkhorn(X[0], X[1], M, 0.05, method="sinkhorn_log", stopThr=1e-12,
                       numItermax=100000)
    assert ours == pytest.approx(float((plan * M).sum()), rel=1e-4)


def test_kmedoids_true_medoids():
    # three clusters on a line: medoids are the cluster medians
    x = np.array([0.0, 1.0, 1.1, 5.0, 5.2, 5.9, 20.0, 21.0, 23.0])
    D = np.abs(x[:, None] - x[None, :])
    assert kmedoids(D, 3).tolist() == [1, 4, 7]
    assert kmedoids(D, 1).tolist() == [4]
    assert kmedoids(D, 9).tolist() == list(range(9))
    # in EMD: three groups of images around three pixels
    X = np.zeros((9, 25))
    for k, (pixel, spread) in enumerate([(0, 1), (0, 0), (0, 5), (12, 1), (12, 0), (12, 5),
                                         (24, -1), (24, 0), (24, -5)]):
        X[k, pixel] = 0.8
        X[k, pixel + spread] += 0.2
    assert kmedoids(pairwise_emd(X), 3).tolist() == [1, 4, 7]
    with pytest.raises(ValueError, match="n_medoids"):
        kmedoids(D, 10)


def test_dask_backend_matches_serial():
    distributed = pytest.importorskip("dask.distributed")
    import joblib

    rng = np.random.default_rng(7)
    X = rng.random((12, 16)) * (rng.random((12, 16)) < 0.6)
    ref = pairwise_emd(X, solver="pot")
    with (
        distributed.LocalCluster(n_workers=1, processes=False, threads_per_worker=2,
                                 dashboard_address=None) as cluster,
        distributed.Client(cluster),
        joblib.parallel_config(backend="dask"),
    ):
        D = pairwise_emd(X, solver="pot", n_jobs=2)
    np.testing.assert_allclose(D, ref, atol=1e-12)


def test_progress_bar_and_interrupt(monkeypatch, capsys):
    import sktopo.transport._emd as emd_module

    rng = np.random.default_rng(8)
    X = rng.random((40, 9))
    pairwise_emd(X, solver="pot", verbose=1)
    assert "EMD" in capsys.readouterr().err
    calls = []

    def interrupted(self, a, b, M):
        calls.append(1)
        raise KeyboardInterrupt

    monkeypatch.setattr(emd_module.PairKernel, "solve", interrupted)
    with pytest.raises(KeyboardInterrupt):
        pairwise_emd(X, solver="pot")
    assert len(calls) == 1  # stopped at the first pair, not after all 780


@pytest.mark.parametrize("solver", SOLVERS)
def test_denormal_weights(solver):
    # the wasserstein package rejects these (supply check); the kernel falls back to POT
    tiny = ([2.2e-313], [[0.0, 0.0]])
    assert emd(tiny, tiny, solver=solver) == pytest.approx(0.0, abs=1e-300)
    assert emd(tiny, ([2.2e-313], [[0.0, 1.0]]), solver=solver) == pytest.approx(2.2e-313)
