"""Tests for the manifold samplers of arXiv:2102.08380 (sktopo.datasets)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.spatial.transform import Rotation
from scipy.special import betaincc

import sktopo.datasets as datasets
from sktopo.datasets import (
    make_circle,
    make_double_cone,
    make_paraboloid,
    make_so3,
    make_sphere,
    make_su2,
    make_torus,
    make_trefoil,
)
from sktopo.datasets._groups import (
    _quaternion_to_rotation_matrix,
    _quaternion_to_rotation_vector,
    _trefoil_speed,
)
from sktopo.testing import strategies as public_strategies
from sktopo.testing._manifold_strategies import (
    MANIFOLD_SAMPLERS,
    manifold_cases,
    sample_sizes,
    seeds,
    sphere_dims,
)

TWO_PI = 2 * np.pi
ATOL = 1e-12
P_MIN = 1e-3  # KS p-value threshold; the seeds are fixed, so these are deterministic
PROPERTY = settings(max_examples=60, deadline=None)


# --------------------------------------------------------------------------- #
# Independent reference formulas (written here, not imported from the library)
# --------------------------------------------------------------------------- #


def expected_shapes(name, n, kw):
    """(X shape, t shape) for a sampler call."""
    return {
        "make_circle": ((n, 2), (n,)),
        "make_sphere": ((n, kw.get("n_dim", 2) + 1), (n, kw.get("n_dim", 2))),
        "make_paraboloid": ((n, 3), (n, 2)),
        "make_double_cone": ((n, 3), (n, 2)),
        "make_torus": ((n, 4 if kw.get("kind") == "clifford" else 3), (n, 2)),
        "make_trefoil": ((n, 3), (n,)),
        "make_su2": ((n, 8), (n, 4)),
        "make_so3": ((n, 9), (n, 3)),
    }[name]


def torus_radii(kw):
    if kw.get("radii") is not None:
        return kw["radii"]
    return (2.0, 1.0) if kw.get("kind", "donut") == "donut" else (2**-0.5, 2**-0.5)


def su2_matrices(X):
    return (X[:, 0::2] + 1j * X[:, 1::2]).reshape(-1, 2, 2)


def implicit_residuals(name, X, kw):
    """Residuals of the manifold's defining equations; all zero on the manifold."""
    if name in ("make_circle", "make_sphere"):
        return [np.sum(X**2, axis=1) - 1]
    if name == "make_paraboloid":
        return [X[:, 2] - X[:, 0] ** 2 - X[:, 1] ** 2]
    if name == "make_double_cone":
        half, r = kw["height"] / 2, kw["radius"]
        return [np.hypot(X[:, 0], X[:, 1]) - r * (1 - np.abs(X[:, 2]) / half)]
    if name == "make_torus":
        a, b = torus_radii(kw)
        if kw.get("kind") == "clifford":
            return [X[:, 0] ** 2 + X[:, 1] ** 2 - a**2, X[:, 2] ** 2 + X[:, 3] ** 2 - b**2]
        return [(np.hypot(X[:, 0], X[:, 1]) - a) ** 2 + X[:, 2] ** 2 - b**2]
    if name == "make_trefoil":  # the (2, 3) torus knot lies on this torus
        return [((X[:, 0] ** 2 + X[:, 1] ** 2 - 5) / 4) ** 2 + X[:, 2] ** 2 - 1]
    if name == "make_su2":
        U = su2_matrices(X)
        UhU = np.conj(np.swapaxes(U, 1, 2)) @ U
        return [(UhU - np.eye(2)).ravel(), np.linalg.det(U) - 1]
    if name == "make_so3":
        R = X.reshape(-1, 3, 3)
        return [(np.swapaxes(R, 1, 2) @ R - np.eye(3)).ravel(), np.linalg.det(R) - 1]
    raise AssertionError(name)


def sphere_from_angles(t):
    """X from (theta_1, ..., theta_{n-1}, phi); z = cos(theta_1) is the last axis."""
    n_dim = t.shape[1]
    cols = {}
    s = np.ones(len(t))
    for k in range(n_dim - 1):
        cols[n_dim - k] = s * np.cos(t[:, k])
        s = s * np.sin(t[:, k])
    cols[0], cols[1] = s * np.cos(t[:, -1]), s * np.sin(t[:, -1])
    return np.column_stack([cols[j] for j in range(n_dim + 1)])


def reconstruct(name, t, kw):
    """X as a function of the intrinsic coordinates t."""
    if name == "make_circle":
        return np.column_stack([np.cos(t), np.sin(t)])
    if name == "make_sphere":
        return sphere_from_angles(t)
    if name == "make_paraboloid":
        return np.column_stack([t, t[:, 0] ** 2 + t[:, 1] ** 2])
    if name == "make_double_cone":
        z, phi = t.T
        rho = kw["radius"] * (1 - 2 * np.abs(z) / kw["height"])
        return np.column_stack([rho * np.cos(phi), rho * np.sin(phi), z])
    if name == "make_torus":
        a, b = torus_radii(kw)
        th, ph = t.T
        if kw.get("kind") == "clifford":
            return np.column_stack([a * np.cos(th), a * np.sin(th), b * np.cos(ph), b * np.sin(ph)])
        ring = a + b * np.cos(th)
        return np.column_stack([ring * np.cos(ph), ring * np.sin(ph), b * np.sin(th)])
    if name == "make_trefoil":
        s = t
        return np.column_stack(
            [np.sin(s) + 2 * np.sin(2 * s), np.cos(s) - 2 * np.cos(2 * s), -np.sin(3 * s)]
        )
    if name == "make_su2":
        a, b, c, d = t.T
        U = np.stack([a + 1j * b, c + 1j * d, -c + 1j * d, a - 1j * b], axis=1)
        return np.column_stack([U.real, U.imag])[:, [0, 4, 1, 5, 2, 6, 3, 7]]
    if name == "make_so3":
        return Rotation.from_rotvec(t).as_matrix().reshape(-1, 9)
    raise AssertionError(name)


def check_coordinate_ranges(name, t, kw):
    if name in ("make_circle", "make_trefoil"):
        assert np.all((t >= 0) & (t < TWO_PI))
    elif name == "make_sphere":
        assert np.all((t[:, :-1] >= 0) & (t[:, :-1] <= np.pi))
        assert np.all((t[:, -1] >= 0) & (t[:, -1] < TWO_PI))
    elif name == "make_double_cone":
        assert np.all(np.abs(t[:, 0]) <= kw["height"] / 2)
        assert np.all((t[:, 1] >= 0) & (t[:, 1] < TWO_PI))
    elif name == "make_torus":
        assert np.all((t >= 0) & (t < TWO_PI))
    elif name == "make_paraboloid":
        assert np.all(t[:, 0] ** 2 + t[:, 1] ** 2 <= kw["radius"] ** 2 * (1 + 1e-15))
    elif name == "make_su2":
        np.testing.assert_allclose(np.linalg.norm(t, axis=1), 1, atol=ATOL)
    elif name == "make_so3":
        assert np.all(np.linalg.norm(t, axis=1) <= np.pi + ATOL)


def check_excision(name, X, kw):
    """The excised region is empty (exact comparisons, no tolerance)."""
    if name == "make_sphere" and kw.get("excise_band") is not None:
        assert np.all(np.abs(X[:, -1]) >= kw["excise_band"])
    if name == "make_paraboloid" and kw.get("excise_below") is not None:
        assert np.all(X[:, 2] >= kw["excise_below"])
    if name == "make_double_cone" and kw.get("excise_equator") is not None:
        assert np.all(np.abs(X[:, 2]) >= kw["excise_equator"])


# --------------------------------------------------------------------------- #
# Property tests
# --------------------------------------------------------------------------- #


@PROPERTY
@given(case=manifold_cases(), n=sample_sizes(max_value=300), seed=seeds())
def test_samples_lie_on_manifold_and_match_coordinates(case, n, seed):
    name, kw = case
    X, t = getattr(datasets, name)(n, random_state=seed, **kw)

    x_shape, t_shape = expected_shapes(name, n, kw)
    assert X.shape == x_shape and t.shape == t_shape
    assert X.dtype == np.float64 and t.dtype == np.float64
    assert np.all(np.isfinite(X)) and np.all(np.isfinite(t))

    for residual in implicit_residuals(name, X, kw):
        np.testing.assert_allclose(np.abs(residual), 0, atol=ATOL)
    np.testing.assert_allclose(X, reconstruct(name, t, kw), rtol=0, atol=ATOL)
    check_coordinate_ranges(name, t, kw)
    check_excision(name, X, kw)


@PROPERTY
@given(case=manifold_cases(), n=sample_sizes(max_value=50), seed=seeds())
def test_same_random_state_gives_identical_arrays(case, n, seed):
    name, kw = case
    sampler = getattr(datasets, name)
    X1, t1 = sampler(n, random_state=seed, noise=0.1, **kw)
    X2, t2 = sampler(n, random_state=np.random.RandomState(seed), noise=0.1, **kw)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(t1, t2)


@pytest.mark.parametrize("n_dim", [1, 2, 3, 5])
def test_angles_do_not_depend_on_where_the_points_lie_in_memory(n_dim):
    # numpy's arctan2 on strided columns gave last-bit differences with the address
    # of the data (presumably SIMD vs scalar loops): the same points, other angles
    # (CI: make_sphere(200, n_dim=3, random_state=631) with and without noise)
    from sktopo.datasets._manifolds import _cartesian_to_hyperspherical

    X, _ = datasets.make_sphere(200, n_dim=n_dim, random_state=631)
    reference = _cartesian_to_hyperspherical(X)
    for offset in range(16):
        buffer = np.empty(X.size + 16)
        moved = buffer[offset:offset + X.size].reshape(X.shape)
        moved[...] = X
        np.testing.assert_array_equal(_cartesian_to_hyperspherical(moved), reference)


@PROPERTY
@given(case=manifold_cases(), seed=seeds())
def test_noise_moves_x_but_not_t(case, seed):
    name, kw = case
    sampler = getattr(datasets, name)
    X0, t0 = sampler(200, random_state=seed, **kw)
    X1, t1 = sampler(200, random_state=seed, noise=0.05, **kw)
    np.testing.assert_array_equal(t0, t1)
    np.testing.assert_allclose(np.std(X1 - X0), 0.05, rtol=0.25)


@pytest.mark.parametrize("name", MANIFOLD_SAMPLERS)
def test_defaults_and_single_sample(name):
    sampler = getattr(datasets, name)
    X, t = sampler(random_state=0)
    assert len(X) == len(t) == 1000
    X, t = sampler(1, random_state=0)
    assert X.shape[0] == t.shape[0] == 1
    assert X.flags.c_contiguous


# --------------------------------------------------------------------------- #
# Hand-computed values
# --------------------------------------------------------------------------- #


def test_equidistant_circle_is_the_exact_grid():
    X, t = make_circle(4, sampling="equidistant")
    np.testing.assert_allclose(t, [0, np.pi / 2, np.pi, 3 * np.pi / 2])
    np.testing.assert_allclose(X, [[1, 0], [0, 1], [-1, 0], [0, -1]], atol=ATOL)
    for n in (12, 20):  # the sparse circles of App. B.2
        _, t = make_circle(n, sampling="equidistant", phase=-np.pi)
        np.testing.assert_allclose(np.diff(np.sort(t)), TWO_PI / n, atol=ATOL)
        assert t[0] == pytest.approx(np.pi)


def test_equidistant_is_deterministic_without_noise():
    X1, _ = make_circle(20, sampling="equidistant", random_state=1)
    X2, _ = make_circle(20, sampling="equidistant", random_state=2)
    np.testing.assert_array_equal(X1, X2)
    X1, _ = make_trefoil(20, sampling="equidistant", random_state=1)
    X2, _ = make_trefoil(20, sampling="equidistant", random_state=2)
    np.testing.assert_array_equal(X1, X2)


def test_sphere_n2_angles_are_polar_then_azimuth():
    X, t = make_sphere(500, random_state=0)
    theta, phi = t.T
    np.testing.assert_allclose(X[:, 2], np.cos(theta), atol=ATOL)
    np.testing.assert_allclose(X[:, 0], np.sin(theta) * np.cos(phi), atol=ATOL)
    np.testing.assert_allclose(X[:, 1], np.sin(theta) * np.sin(phi), atol=ATOL)


def test_quaternion_kernels_hand_values():
    c = np.cos(np.pi / 4)
    q = np.array([[c, 0.0, 0.0, c], [1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]])
    R = _quaternion_to_rotation_matrix(q).reshape(-1, 3, 3)
    np.testing.assert_allclose(R[0], [[0, -1, 0], [1, 0, 0], [0, 0, 1]], atol=ATOL)
    np.testing.assert_allclose(R[1], np.eye(3), atol=ATOL)
    np.testing.assert_allclose(R[2], np.diag([1, -1, -1]), atol=ATOL)
    v = _quaternion_to_rotation_vector(np.vstack([q, -q]))
    np.testing.assert_allclose(v[:3], [[0, 0, np.pi / 2], [0, 0, 0], [np.pi, 0, 0]], atol=ATOL)
    np.testing.assert_allclose(np.linalg.norm(v[3:], axis=1), [np.pi / 2, 0, np.pi], atol=ATOL)


def test_su2_flattening_order():
    X, t = make_su2(5, random_state=0)
    a, b, c, d = t.T
    np.testing.assert_allclose(X[:, :4], np.column_stack([a, b, c, d]), atol=ATOL)
    np.testing.assert_allclose(X[:, 4:], np.column_stack([-c, d, a, -b]), atol=ATOL)
    np.testing.assert_array_equal(X.view(complex).reshape(-1, 2, 2), su2_matrices(X))
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), np.sqrt(2), atol=ATOL)


# --------------------------------------------------------------------------- #
# Distribution tests (KS with fixed seeds)
# --------------------------------------------------------------------------- #


def uniform_cdf(lo, hi):
    return stats.uniform(lo, hi - lo).cdf


def test_circle_uniform_angle():
    _, phi = make_circle(20_000, random_state=0)
    assert stats.kstest(phi, uniform_cdf(0, TWO_PI)).pvalue > P_MIN


def test_undersampled_circle_is_a_wrapped_normal_opposite_phi_u():
    phi_u, sigma = 1.0, np.pi / 3
    _, phi = make_circle(20_000, sampling="normal", undersampled_angle=phi_u, random_state=0)
    # Offset from the mean phi_u + pi, wrapped to [-pi, pi).
    d = np.mod(phi - phi_u, TWO_PI) - np.pi

    def wrapped_normal_cdf(x):  # P(-pi <= d <= x), summing the normal over windings k
        shift = TWO_PI * np.arange(-3, 4)[:, None]
        lower = stats.norm.cdf((shift - np.pi) / sigma)
        return np.sum(stats.norm.cdf((x + shift) / sigma) - lower, axis=0)

    assert stats.kstest(d, wrapped_normal_cdf).pvalue > P_MIN
    near_u = np.abs(np.mod(phi - phi_u + np.pi, TWO_PI) - np.pi) < np.pi / 6
    near_opposite = np.abs(d) < np.pi / 6
    assert near_u.sum() < 0.05 * near_opposite.sum()


@pytest.mark.parametrize("h", [None, 0.1, 0.6])
def test_sphere_s2_height_is_uniform(h):
    X, _ = make_sphere(20_000, excise_band=h, random_state=0)
    z = X[:, 2]
    lo = 0.0 if h is None else h
    assert stats.kstest(np.abs(z), uniform_cdf(lo, 1)).pvalue > P_MIN  # Archimedes
    assert stats.binomtest(int(np.sum(z > 0)), len(z)).pvalue > P_MIN
    phi = np.arctan2(X[:, 1], X[:, 0])
    assert stats.kstest(phi, uniform_cdf(-np.pi, np.pi)).pvalue > P_MIN


@pytest.mark.parametrize("n_dim, h", [(1, None), (4, None), (4, 0.3), (7, 0.5)])
def test_sphere_last_coordinate_law(n_dim, h):
    X, _ = make_sphere(20_000, n_dim=n_dim, excise_band=h, random_state=1)
    w = X[:, -1] ** 2  # Beta(1/2, n/2), truncated to w >= h^2 when excised
    a, b = 0.5, n_dim / 2
    h2 = 0.0 if h is None else h * h
    tail = betaincc(a, b, h2)
    u = (tail - betaincc(a, b, w)) / tail
    assert stats.kstest(u, uniform_cdf(0, 1)).pvalue > P_MIN
    # Rotation invariance of the remaining coordinates: x_1 is symmetric.
    assert stats.binomtest(int(np.sum(X[:, 0] > 0)), len(X)).pvalue > P_MIN


@pytest.mark.parametrize("c", [None, 0.2])
def test_paraboloid_uniform_in_disc(c):
    X, t = make_paraboloid(20_000, excise_below=c, random_state=0)
    lo = 0.0 if c is None else c
    assert stats.kstest(X[:, 2], uniform_cdf(lo, 4.0)).pvalue > P_MIN  # rho^2 uniform
    phi = np.arctan2(t[:, 1], t[:, 0])
    assert stats.kstest(phi, uniform_cdf(-np.pi, np.pi)).pvalue > P_MIN


@pytest.mark.parametrize("e", [None, 0.1])
def test_double_cone_height_sampling_is_uniform_in_z(e):
    _, t = make_double_cone(20_000, sampling="height", excise_equator=e, random_state=0)
    lo = 0.0 if e is None else e
    assert stats.kstest(np.abs(t[:, 0]), uniform_cdf(lo, 1)).pvalue > P_MIN
    assert stats.kstest(t[:, 1], uniform_cdf(0, TWO_PI)).pvalue > P_MIN


@pytest.mark.parametrize("e", [None, 0.25])
def test_double_cone_area_sampling_density_follows_radius(e):
    # Area element ∝ circle radius 1 - |z|: P(|z| <= s | |z| >= e) = 1 - ((1 - s) / (1 - e))^2.
    _, t = make_double_cone(20_000, sampling="area", excise_equator=e, random_state=0)
    lo = 0.0 if e is None else e
    s = np.abs(t[:, 0])
    assert stats.kstest(s, lambda x: 1 - ((1 - x) / (1 - lo)) ** 2).pvalue > P_MIN


def test_double_cone_area_mean_height_scales_with_height():
    _, t = make_double_cone(40_000, height=3.0, radius=2.0, sampling="area", random_state=3)
    half = 1.5
    # density of |z| ∝ (1 - |z|/half) on [0, half]: mean = half / 3
    assert np.mean(np.abs(t[:, 0])) == pytest.approx(half / 3, rel=0.02)


def test_donut_torus_surface_measure():
    R, r = 2.0, 1.0
    _, t = make_torus(20_000, radii=(R, r), random_state=0)
    theta, phi = t.T
    cdf = lambda x: (x + (r / R) * np.sin(x)) / TWO_PI  # noqa: E731  density ∝ R + r cos
    assert stats.kstest(theta, cdf).pvalue > P_MIN
    assert stats.kstest(phi, uniform_cdf(0, TWO_PI)).pvalue > P_MIN


def test_clifford_torus_angles_uniform():
    _, t = make_torus(20_000, kind="clifford", random_state=0)
    for angle in t.T:
        assert stats.kstest(angle, uniform_cdf(0, TWO_PI)).pvalue > P_MIN
    assert abs(stats.pearsonr(np.cos(t[:, 0]), np.cos(t[:, 1])).statistic) < 0.03


@pytest.mark.parametrize("sampling", ["uniform", "arclength"])
def test_trefoil_sampling(sampling):
    _, s = make_trefoil(20_000, sampling=sampling, random_state=0)
    if sampling == "uniform":
        cdf = uniform_cdf(0, TWO_PI)
    else:  # fraction of total arc length up to s, by the trapezoid rule on a fine grid
        grid = np.linspace(0, TWO_PI, 200_001)
        speed = _trefoil_speed(grid)
        # check the kernel's speed against a finite-difference derivative first
        h = 1e-6
        pts = lambda u: np.column_stack(  # noqa: E731
            [np.sin(u) + 2 * np.sin(2 * u), np.cos(u) - 2 * np.cos(2 * u), -np.sin(3 * u)]
        )
        fd = np.linalg.norm((pts(grid[::1000] + h) - pts(grid[::1000] - h)) / (2 * h), axis=1)
        np.testing.assert_allclose(speed[::1000], fd, rtol=1e-7)
        arc = np.concatenate([[0], np.cumsum((speed[1:] + speed[:-1]) / 2 * np.diff(grid))])
        cdf = lambda x: np.interp(x, grid, arc / arc[-1])  # noqa: E731
    assert stats.kstest(s, cdf).pvalue > P_MIN


def test_so3_rotation_angle_density():
    X, t = make_so3(20_000, random_state=0)
    omega = np.linalg.norm(t, axis=1)
    assert stats.kstest(omega, lambda w: (w - np.sin(w)) / np.pi).pvalue > P_MIN
    # the angle from the trace agrees: tr R = 1 + 2 cos w
    trace = X[:, 0] + X[:, 4] + X[:, 8]
    np.testing.assert_allclose(trace, 1 + 2 * np.cos(omega), atol=1e-10)
    # Haar measure moves any fixed vector uniformly over S^2: R e_z has uniform z.
    assert stats.kstest(X[:, 8], uniform_cdf(-1, 1)).pvalue > P_MIN


def test_su2_haar():
    X, t = make_su2(20_000, random_state=0)
    # Re tr U / 2 = a, the first coordinate of a uniform point on S^3:
    # density (2/pi) sqrt(1 - a^2).
    a = (X[:, 0] + X[:, 6]) / 2
    cdf = lambda x: 0.5 + (x * np.sqrt(1 - x**2) + np.arcsin(x)) / np.pi  # noqa: E731
    assert stats.kstest(a, cdf).pvalue > P_MIN
    for coord in t.T[1:]:
        assert stats.kstest(coord, cdf).pvalue > P_MIN


# --------------------------------------------------------------------------- #
# Bad input
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("name", MANIFOLD_SAMPLERS)
@pytest.mark.parametrize(
    "n_samples, exc, match",
    [
        (0, ValueError, r"n_samples must be an int >= 1, got 0"),
        (-5, ValueError, r"n_samples .* got -5"),
        (2.5, TypeError, r"n_samples must be an int .* float"),
        ("10", TypeError, r"n_samples"),
        (True, TypeError, r"n_samples"),
    ],
)
def test_bad_n_samples(name, n_samples, exc, match):
    with pytest.raises(exc, match=match):
        getattr(datasets, name)(n_samples)


@pytest.mark.parametrize("name", MANIFOLD_SAMPLERS)
@pytest.mark.parametrize("noise, exc", [(-0.1, ValueError), (np.nan, ValueError), ("a", TypeError)])
def test_bad_noise(name, noise, exc):
    with pytest.raises(exc, match=r"noise"):
        getattr(datasets, name)(10, noise=noise)


@pytest.mark.parametrize(
    "func, kwargs, exc, match",
    [
        (make_circle, {"sampling": "gauss"}, ValueError, r"sampling must be one of .*'gauss'"),
        (make_circle, {"sampling": "normal", "scale": 0.0}, ValueError, r"scale .* got 0.0"),
        (make_circle, {"phase": np.inf}, ValueError, r"phase"),
        (make_circle, {"undersampled_angle": None}, TypeError, r"undersampled_angle"),
        (make_sphere, {"n_dim": 0}, ValueError, r"n_dim must be an int >= 1, got 0"),
        (make_sphere, {"n_dim": 2.0}, TypeError, r"n_dim"),
        (make_sphere, {"excise_band": 1.0}, ValueError, r"excise_band .* whole sphere"),
        (make_sphere, {"excise_band": -0.1}, ValueError, r"excise_band .* got -0.1"),
        (make_paraboloid, {"radius": 0}, ValueError, r"radius"),
        (make_paraboloid, {"excise_below": 4.0}, ValueError, r"excise_below .* whole paraboloid"),
        (make_paraboloid, {"radius": 1, "excise_below": 1.5}, ValueError, r"excise_below.*1.5"),
        (make_double_cone, {"sampling": "uniform"}, ValueError, r"sampling must be one of"),
        (make_double_cone, {"excise_equator": 1.0}, ValueError, r"excise_equator .* double cone"),
        (make_double_cone, {"height": -2.0}, ValueError, r"height"),
        (make_double_cone, {"radius": "1"}, TypeError, r"radius"),
        (make_torus, {"kind": "bagel"}, ValueError, r"kind must be one of .*'bagel'"),
        (make_torus, {"radii": (1.0, 2.0)}, ValueError, r"R > r > 0"),
        (make_torus, {"radii": (1.0, 1.0)}, ValueError, r"R > r > 0"),
        (make_torus, {"radii": 2.0}, TypeError, r"radii must be a pair"),
        (make_torus, {"kind": "clifford", "radii": (1.0, 0.0)}, ValueError, r"radii\[1\]"),
        (make_trefoil, {"sampling": "arc"}, ValueError, r"sampling must be one of"),
    ],
)
def test_bad_arguments(func, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        func(10, **kwargs)


def test_arguments_after_n_samples_are_keyword_only():
    with pytest.raises(TypeError):
        make_sphere(10, 3)


def test_invalid_random_state_raises():
    with pytest.raises(ValueError, match="random_state|RandomState"):
        make_circle(10, random_state="seed")


# --------------------------------------------------------------------------- #
# Strategies
# --------------------------------------------------------------------------- #


def test_strategies_are_exported():
    from sktopo.testing import _manifold_strategies

    assert set(_manifold_strategies.__all__) <= set(public_strategies.__all__)
    for name in _manifold_strategies.__all__:
        assert getattr(public_strategies, name) is getattr(_manifold_strategies, name)
    assert set(MANIFOLD_SAMPLERS) <= set(datasets.__all__)


def test_manifold_cases_rejects_unknown_names():
    with pytest.raises(ValueError, match="make_blob"):
        manifold_cases(("make_blob",))


@settings(max_examples=20, deadline=None)
@given(n_dim=sphere_dims(), data=st.data())
def test_strategy_draws_are_in_range(n_dim, data):
    assert 1 <= n_dim <= 6
    name, kw = data.draw(manifold_cases(("make_sphere", "make_torus")))
    assert name in ("make_sphere", "make_torus")
    assert isinstance(kw, dict)
