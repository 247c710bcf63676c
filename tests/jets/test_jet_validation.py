"""The jet tools refuse bad input with errors that name where, and run in bounded memory.

Each test here failed on the code before issue 19: empty batches crashed
JetImages, huge eta shifted images silently, jet_mass returned NaN at
eta = 800, NaN parameters gave zeros, n_subjets were coerced, and
jet_mass / jet_pt took memory proportional to the input.
"""

import tracemalloc

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from sktopo.jets import JetImages, _constituents, _fastjet, jet_mass, jet_pt, n_constituents

# the helpers are looked up at call time, so that on older code each test fails on its own
MAX_ABS_ETA = 50.0


def jet_kinematics(*args, **kwargs):
    return _constituents.jet_kinematics(*args, **kwargs)


def as_constituents(*args, **kwargs):
    return _constituents.as_constituents(*args, **kwargs)


def apply_per_chunk(*args, **kwargs):
    return _fastjet.apply_per_chunk(*args, **kwargs)


def _two_prongs(eta):
    """Two massless 100 GeV constituents 60 degrees apart in phi: mass 100 GeV at any eta."""
    return np.array([[[100.0, eta, 0.0], [100.0, eta, np.pi / 3], [0.0, 0.0, 0.0]]])


# ---- JetImages -------------------------------------------------------------------------------


@pytest.mark.parametrize("normalize", [True, False])
def test_a_batch_of_empty_jets_gives_zero_images(normalize):
    """No constituent of the batch in the window: zero images, not UFuncTypeError."""
    images = JetImages(n_pixels=5, normalize=normalize).fit_transform(np.zeros((3, 4, 3)))
    assert images.shape == (3, 25) and images.dtype == np.float64
    assert_array_equal(images, 0.0)
    # every constituent outside the window (no centring): zero images as well
    far = np.zeros((2, 2, 3))
    far[:, 0] = (10.0, 5.0, 0.0)
    images = JetImages(n_pixels=5, extent=0.5, center=False).fit_transform(far)
    assert_array_equal(images, 0.0)


def test_non_physical_eta_is_refused_not_silently_imaged():
    jets = np.zeros((2, 3, 3))
    jets[:, 0] = (300.0, 0.2, 0.1)
    jets[:, 1] = (100.0, 0.5, -0.2)
    model = JetImages(n_pixels=9).fit(jets)
    shifted = jets.copy()
    shifted[1, :2, 1] += 1e20
    with pytest.raises(ValueError, match=r"jet 1, constituent 0 has eta = 1e\+20.*physical"):
        model.transform(shifted)
    with pytest.raises(ValueError, match="jet 1, constituent 0 has eta"):
        JetImages().fit(shifted)
    # padding (pT = 0) is not range-checked; a shift within the range commutes
    padded = jets.copy()
    padded[:, 2, 1] = 1e20
    assert_allclose(model.transform(padded), model.transform(jets))
    moved = jets.copy()
    moved[..., 1] += 30.0
    assert_allclose(model.transform(moved), model.transform(jets), atol=1e-12)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("column, name", [(0, "pT"), (1, "eta"), (2, "phi")])
def test_non_finite_input_names_jet_constituent_and_field(bad, column, name):
    jets = np.ones((4, 3, 3))
    jets[2, 1, column] = bad
    pattern = f"jet 2, constituent 1 has {name} = {bad}"
    with pytest.raises(ValueError, match=pattern):
        JetImages().fit_transform(jets)
    with pytest.raises(ValueError, match=pattern):
        JetImages().fit(np.ones((4, 3, 3))).transform(jets.reshape(4, -1))
    for func in (jet_mass, jet_pt, n_constituents):
        with pytest.raises(ValueError, match=pattern):
            func(jets)


def test_phi_beyond_two_turns_is_refused():
    jet = np.array([[[10.0, 0.0, 20.0]]])
    with pytest.raises(ValueError, match="phi = 20.*physical range"):
        jet_pt(jet)
    assert_allclose(jet_pt(np.array([[[10.0, 0.0, 2 * np.pi + 1.0]]])), 10.0)


# ---- jet_mass, jet_pt, the four-momentum helper ----------------------------------------------


def test_mass_at_large_eta_is_exact_or_refused():
    """eta = 800 overflowed cosh/sinh (NaN); eta = 30 lost the mass to cancellation."""
    with pytest.raises(ValueError, match=r"eta = 800.0, beyond the physical range \|eta\| <= 50"):
        jet_mass(_two_prongs(800.0))
    for eta in (0.0, 7.0, 30.0, -45.0, MAX_ABS_ETA):
        assert_allclose(jet_mass(_two_prongs(eta)), 100.0, rtol=1e-12)
        assert_allclose(jet_pt(_two_prongs(eta)), 100.0 * np.sqrt(3.0), rtol=1e-12)
        kin = jet_kinematics(_two_prongs(eta))
        assert np.all(np.isfinite(kin))
        # the jet's eta: asinh(pz / pT) with pz = 200 sinh(eta), pT = 100 sqrt(3)
        assert_allclose(kin[0, 1], np.arcsinh(200.0 * np.sinh(eta) / kin[0, 0]), rtol=1e-12)


def test_helper_matches_the_direct_sum_and_the_cartesian_layout():
    rng = np.random.default_rng(3)
    jets = np.zeros((50, 12, 3))
    for i in range(50):
        k = rng.integers(1, 12)
        jets[i, :k] = np.stack(
            [rng.exponential(30.0, k), rng.normal(6.0 * (i % 2), 0.4, k), rng.normal(0, 0.4, k)], 1
        )
    pt, eta, phi = jets[..., 0], jets[..., 1], jets[..., 2]
    p4 = np.stack([pt * np.cosh(eta), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)], -1)
    total = p4.sum(axis=1)
    mass = np.sqrt(np.maximum(total[:, 0] ** 2 - (total[:, 1:] ** 2).sum(axis=1), 0.0))
    kin = jet_kinematics(jets)
    assert_allclose(kin[:, 0], np.hypot(total[:, 1], total[:, 2]), rtol=1e-12)
    assert_allclose(kin[:, 1], np.arcsinh(total[:, 3] / kin[:, 0]), rtol=1e-12, atol=1e-12)
    assert_allclose(kin[:, 2], np.arctan2(total[:, 2], total[:, 1]), rtol=1e-12)
    # the direct sum has a rounding floor of ~1e-8 E (E ~ 1e4 GeV at eta = 6)
    assert_allclose(kin[:, 3], mass, rtol=1e-8, atol=1e-3)
    assert_allclose(jet_kinematics(p4, layout="cartesian"), kin, rtol=1e-8, atol=1e-3)
    with pytest.raises(ValueError, match="layout"):
        jet_kinematics(jets, layout="polar")
    with pytest.raises(ValueError, match="jet 0, constituent 0 has px = nan"):
        jet_kinematics(np.array([[[1.0, np.nan, 0.0, 0.0]]]), layout="cartesian")


def _peak_extra_bytes(func, *args):
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        result = func(*args)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    return peak, result


@pytest.fixture(scope="module")
def many_jets():
    """8,000 jets x 200 slots (37 MiB), 40 real constituents each."""
    rng = np.random.default_rng(0)
    jets = np.zeros((8000, 200, 3))
    jets[:, :40, 0] = rng.exponential(20.0, (8000, 40))
    jets[:, :40, 1] = rng.normal(0.0, 0.3, (8000, 40))
    jets[:, :40, 2] = rng.normal(0.0, 0.3, (8000, 40))
    return jets


@pytest.mark.parametrize("func", [jet_mass, jet_pt, n_constituents, jet_kinematics])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_observables_run_in_bounded_memory(many_jets, func, dtype):
    """The extra memory is a few row chunks (about 8 MiB), not proportional to the input.

    The code before issue 19 took over twice the input (cartesian four-vectors
    of every constituent at once, plus a float64 copy of float32 input): over
    70 MiB here, 2.4 GiB for 200k x 200 constituents.
    """
    jets = many_jets.astype(dtype, copy=False)
    peak, out = _peak_extra_bytes(func, jets)
    output = out.nbytes
    assert peak < 3 * 8 * 2**20 + 2 * output, f"{func.__name__}: {peak / 2**20:.1f} MiB extra"
    assert peak < jets.nbytes / 2


def test_fastjet_chunks_are_bounded(many_jets):
    """apply_per_chunk hands FastJet chunks of a few MiB, converted chunk by chunk."""
    sizes = []

    def record(jets):
        sizes.append(jets.nbytes)
        assert jets.dtype == np.float64
        return np.zeros(len(jets))

    peak, out = _peak_extra_bytes(apply_per_chunk, many_jets.astype(np.float32), record, ())
    assert out.shape == (8000,) and len(sizes) > 1
    assert max(sizes) <= 16 * 2**20
    assert peak < 40 * 2**20


def test_as_constituents_checks_layout_and_keeps_floats():
    x32 = np.ones((2, 6), dtype=np.float32)
    out = as_constituents(x32, dtype=None)
    assert out.dtype == np.float32 and out.shape == (2, 2, 3) and np.shares_memory(out, x32)
    assert as_constituents([[[1, 0, 0]]]).dtype == np.float64
    with pytest.raises(ValueError, match="3 \\* n_constituents"):
        as_constituents(np.ones((2, 5)))
    with pytest.raises(ValueError, match="pT must be >= 0.*jet 1, constituent 0 has pT = -1"):
        as_constituents(np.array([[[1.0, 0, 0]], [[-1.0, 0, 0]]]))
