"""k-medoids (FasterPAM of the ``kmedoids`` package) on precomputed distances."""

import numpy as np
import pytest

from sktopo.transport import kmedoids, pairwise_emd


def _cost(D, medoids):
    return D[medoids].min(axis=0).sum()


def _blobs(seed, n=60, k=4):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=5.0, size=(k, 3))
    X = centres[rng.integers(k, size=n)] + rng.normal(size=(n, 3))
    return np.linalg.norm(X[:, None] - X[None], axis=-1)


def test_cluster_medians_on_a_line():
    x = np.array([0.0, 1.0, 1.1, 5.0, 5.2, 5.9, 20.0, 21.0, 23.0])
    D = np.abs(x[:, None] - x[None, :])
    assert kmedoids(D, 3).tolist() == [1, 4, 7]
    assert kmedoids(D, 1).tolist() == [4]  # the point of smallest summed distance
    assert kmedoids(D, 9).tolist() == list(range(9))


def test_medoids_of_jet_like_images():
    # three groups of images around three pixels: one medoid each, the unspread one
    X = np.zeros((9, 25))
    for k, (pixel, spread) in enumerate([(0, 1), (0, 0), (0, 5), (12, 1), (12, 0), (12, 5),
                                         (24, -1), (24, 0), (24, -5)]):
        X[k, pixel] = 0.8
        X[k, pixel + spread] += 0.2
    assert kmedoids(pairwise_emd(X), 3).tolist() == [1, 4, 7]


@pytest.mark.parametrize("seed", range(3))
def test_no_single_swap_lowers_the_cost(seed):
    # FasterPAM stops at a SWAP optimum: the alternating updates it replaced did not
    D = _blobs(seed)
    medoids = kmedoids(D, 4)
    best = _cost(D, medoids)
    for i in range(medoids.size):
        for x in np.setdiff1d(np.arange(D.shape[0]), medoids):
            swapped = medoids.copy()
            swapped[i] = x
            assert _cost(D, swapped) >= best - 1e-9


def test_seeding():
    D = _blobs(0, n=80)
    first = kmedoids(D, 5)
    assert first.dtype == np.intp and np.all(np.diff(first) > 0)
    np.testing.assert_array_equal(kmedoids(D, 5), first)  # the default is a fixed seed
    np.testing.assert_array_equal(kmedoids(D, 5, random_state=3), kmedoids(D, 5, random_state=3))
    a, b = np.random.RandomState(7), np.random.RandomState(7)
    np.testing.assert_array_equal(kmedoids(D, 5, random_state=a), kmedoids(D, 5, random_state=b))


def test_accepts_lists_and_other_dtypes():
    x = np.array([0, 1, 2, 10, 11, 12])
    D = np.abs(x[:, None] - x[None, :])  # integers
    assert kmedoids(D, 2).tolist() == [1, 4]
    assert kmedoids(D.tolist(), 2).tolist() == [1, 4]
    assert kmedoids(np.asfortranarray(D.astype(np.float32)), 2).tolist() == [1, 4]


@pytest.mark.parametrize("n_medoids", [0, 10, 2.0, True])
def test_invalid_n_medoids(n_medoids):
    D = np.zeros((9, 9))
    with pytest.raises(ValueError, match="n_medoids"):
        kmedoids(D, n_medoids)


def test_invalid_input():
    with pytest.raises(ValueError, match="square"):
        kmedoids(np.zeros((3, 4)), 2)
    with pytest.raises(ValueError, match="max_iter"):
        kmedoids(np.zeros((3, 3)), 2, max_iter=0)
