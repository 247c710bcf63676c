"""JetImages: hypothesis invariants of the preprocessing, hand-made images, the contract."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.pipeline import make_pipeline

from sktopo.jets import JetImages
from sktopo.jets._images import _center, _flip, _rotate
from sktopo.testing.strategies import jet_arrays, jet_constituents, plane_motions

N_PIXELS, EXTENT = 37, 1.6
WIDTH = 2 * EXTENT / N_PIXELS


def _wrap(phi):
    return np.mod(phi + np.pi, 2 * np.pi) - np.pi


def _move(jet, angle, d_eta, d_phi):
    """Rotate a jet by ``angle`` about its seed (hardest constituent), then translate it."""
    out = jet.copy()
    real = jet[:, 0] > 0
    eta0, phi0 = jet[0, 1], jet[0, 2]
    x, y = jet[real, 1] - eta0, _wrap(jet[real, 2] - phi0)
    c, s = np.cos(angle), np.sin(angle)
    out[real, 1] = eta0 + d_eta + c * x - s * y
    out[real, 2] = _wrap(phi0 + d_phi + s * x + c * y)
    return out


def _canonical(jet):
    """The preprocessed continuous coordinates of the real constituents of one jet."""
    pt, eta, phi = (jet[None, :, k] for k in range(3))
    x, y = _flip(pt, *_rotate(pt, *_center(pt, eta, phi)), WIDTH / 2, EXTENT)
    real = jet[:, 0] > 0
    return pt[0, real], x[0, real], y[0, real]


def _is_generic(jet):
    """True where the preprocessing has no near-tie: a clear principal axis, clear
    flips, and no constituent within rounding of an axis or a pixel edge."""
    pt, x, y = _canonical(jet)
    if np.ptp(jet[jet[:, 0] > 0, 1]) < 1e-9 and np.ptp(jet[jet[:, 0] > 0, 2]) < 1e-9:
        return True  # all at one point: one lit pixel whatever the motion
    sxx, syy, sxy = (pt * x * x).sum(), (pt * y * y).sum(), (pt * x * y).sum()
    gap = np.hypot(sxx - syy, 2 * sxy) / (sxx + syy)
    if gap < 1e-3:
        return False
    inside = (np.abs(x) < EXTENT) & (np.abs(y) < EXTENT)
    for v in (x, y):
        # the flips ignore the central row and column of pixels, |v| < WIDTH / 2
        counted = inside & (np.abs(v) > WIDTH / 2)
        balance = (pt * (v > 0) * counted).sum() - (pt * (v < 0) * counted).sum()
        if 0 < abs(balance) < 1e-6 * pt.sum() or (balance == 0 and counted.any()):
            return False
        edge = np.abs((v + EXTENT) / WIDTH - np.round((v + EXTENT) / WIDTH))
        if np.any(edge < 1e-6):
            return False
    return True


def _image(jet, **params):
    return JetImages(**params).fit_transform(jet[None])[0]


@settings(max_examples=150)
@given(jet=jet_constituents(max_constituents=8), motion=plane_motions())
def test_rigid_motions_leave_the_image_unchanged(jet, motion):
    assume(_is_generic(jet))
    moved = _move(jet, *motion)
    assume(_is_generic(moved))
    assert_allclose(_image(moved), _image(jet), atol=1e-9)


@given(jet=jet_constituents(max_constituents=8), d_eta=st.floats(-1, 1), d_phi=st.floats(-4, 4))
def test_translations_commute_with_centering_alone(jet, d_eta, d_phi):
    """Centring alone (no rotation, no flip) already removes any translation, phi wrap included."""
    assume(_is_generic(jet))
    moved = _move(jet, 0.0, d_eta, d_phi)
    params = dict(rotate=False, flip=False)
    assert_allclose(_image(moved, **params), _image(jet, **params), atol=1e-9)


@given(jets=jet_arrays(max_constituents=6, max_spread=0.5))
def test_total_intensity_is_one(jets):
    images = JetImages().fit_transform(jets)
    assert images.shape == (len(jets), N_PIXELS**2)
    assert_allclose(images.sum(axis=1), 1.0, rtol=1e-12)
    assert np.all(images >= 0)


@given(jet=jet_constituents(min_constituents=1, max_constituents=1, n_slots=4))
def test_one_constituent_lights_the_centre_pixel(jet):
    image = _image(jet).reshape(N_PIXELS, N_PIXELS)
    assert np.count_nonzero(image) == 1
    assert image[N_PIXELS // 2, N_PIXELS // 2] == 1.0


@given(jet=jet_constituents(min_constituents=2, max_constituents=6, max_spread=0.4))
def test_phi_wraparound(jet):
    """A jet straddling phi = pi gives the same image as the same jet at phi = 0."""
    assume(_is_generic(jet))
    at_zero = jet.copy()
    at_pi = jet.copy()
    real = jet[:, 0] > 0
    dphi = _wrap(jet[real, 2] - jet[0, 2])
    at_zero[real, 2] = dphi - np.average(dphi, weights=jet[real, 0])  # centroid at phi = 0
    at_pi[real, 2] = _wrap(at_zero[real, 2] + np.pi)
    assume(_is_generic(at_pi) and _is_generic(at_zero))
    # the jet at pi straddles the boundary unless it has no extent in phi
    assert np.ptp(at_pi[real, 2]) > np.pi or np.ptp(at_zero[real, 2]) < 1e-12
    assert_allclose(_image(at_pi), _image(at_zero), atol=1e-9)


def test_hand_made_two_prong_image():
    """A 4:1 two-prong jet 0.4 apart in eta, at phi = pi: the centroid is 0.08 from the
    hard prong.  Pixels of 0.2 over [-0.9, 0.9]; the centre pixel spans [-0.1, 0.1]."""
    jet = np.array([[[400.0, 0.0, np.pi], [100.0, 0.4, -np.pi], [0.0, 0.0, 0.0]]])
    plain = JetImages(n_pixels=9, extent=0.9, rotate=False, flip=False).fit_transform(jet)
    expected = np.zeros((9, 9))
    expected[4, 4] = 0.8  # x = -0.08
    expected[4, 6] = 0.2  # x = +0.32 -> column floor((0.32 + 0.9) / 0.2) = 6
    assert_allclose(plain.reshape(9, 9), expected, atol=1e-15)
    # rotated: the axis turns vertical, hard prong at y = -0.08, soft at y = +0.32;
    # the flip ignores the central row (|y| < 0.1), so the soft prong decides: it stays up
    image = JetImages(n_pixels=9, extent=0.9).fit_transform(jet)
    expected = np.zeros((9, 9))
    expected[4, 4] = 0.8
    expected[6, 4] = 0.2  # row floor((0.32 + 0.9) / 0.2) = 6
    assert_allclose(image.reshape(9, 9), expected, atol=1e-15)
    # mirrored in eta: the rotation turns it the other way, the flip restores it
    mirrored = jet * [1, -1, 1]
    assert_allclose(JetImages(n_pixels=9, extent=0.9).fit_transform(mirrored), image, atol=1e-15)
    assert_allclose(image.reshape(9, 9), expected, atol=1e-15)


def test_steps_switch_off_and_padding():
    jet = np.array([[[10.0, 0.3, 0.55], [0.0, 0.0, 0.0]]])
    raw = JetImages(
        n_pixels=8, extent=1.0, center=False, rotate=False, flip=False, normalize=False
    ).fit_transform(jet)
    image = raw.reshape(8, 8)
    assert image[6, 5] == 10.0 and image.sum() == 10.0  # row from phi, column from eta
    padded = JetImages(pad_to=40).fit(jet)
    assert padded.image_shape_ == (40, 40)
    big = padded.transform(jet).reshape(40, 40)
    assert big[1 + 18, 1 + 18] == 1.0  # 37 -> 40 pads 1 pixel before, 2 after
    with pytest.raises(ValueError, match="pad_to"):
        JetImages(pad_to=30).fit(jet)


def test_input_layouts_pipeline_and_names():
    rng = np.random.default_rng(0)
    jets = np.zeros((50, 12, 3))
    jets[:, :, 0] = np.sort(rng.exponential(10.0, (50, 12)), axis=1)[:, ::-1]
    jets[:, :, 1:] = rng.normal(0.0, 0.3, (50, 12, 2))
    jets[:, 9:, :] = 0.0
    transformer = JetImages(n_pixels=15)
    images = transformer.fit_transform(jets)
    assert transformer.n_features_in_ == 36 and transformer.n_constituents_ == 12
    assert_array_equal(images, JetImages(n_pixels=15).fit_transform(jets.reshape(50, -1)))
    assert_array_equal(images, transformer.transform(jets.reshape(50, -1)))
    assert images.dtype == np.float64 and images.shape == (50, 225)
    assert images.reshape(-1, 1, *transformer.image_shape_).shape == (50, 1, 15, 15)
    names = transformer.get_feature_names_out()
    assert names[0] == "pixel_0_0" and names[16] == "pixel_1_1" and len(names) == 225
    pipe = make_pipeline(clone(transformer), PCA(n_components=3)).fit(jets.reshape(50, -1))
    assert pipe.transform(jets.reshape(50, -1)).shape == (50, 3)
    # average image: the hardest activity in the upper-right quadrant
    mean = images.mean(axis=0).reshape(15, 15)
    assert mean[8:, 8:].sum() > mean[:7, :7].sum()


def test_errors():
    with pytest.raises(ValueError, match="3 \\* n_constituents"):
        JetImages().fit(np.ones((4, 5)))
    with pytest.raises(ValueError, match="n_constituents, 3"):
        JetImages().fit(np.ones((4, 5, 2)))
    fitted = JetImages().fit(np.ones((4, 2, 3)))
    with pytest.raises(ValueError, match="pT must be >= 0"):
        fitted.transform(-np.ones((4, 2, 3)))
    with pytest.raises(ValueError, match="features"):
        fitted.transform(np.ones((4, 3, 3)))


def test_empty_jet_gives_zero_image():
    jets = np.zeros((2, 3, 3))
    jets[1, 0] = (5.0, 0.1, 0.1)
    images = JetImages().fit_transform(jets)
    assert images[0].sum() == 0.0 and images[1].sum() == 1.0
