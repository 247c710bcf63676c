"""Jet images: the preprocessing of Macaluso and Shih (arXiv:1803.00107).

The steps are small pure functions on per-constituent arrays ``pt, x, y`` of
shape ``(n_jets, n_constituents)`` (``x`` along eta, ``y`` along phi), so the
transformer, the tests and the user guide share one implementation.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from sktopo.jets._constituents import as_constituents, trim_padding
from sktopo.physics import wrap_phi

__all__ = ["JetImages"]

_CHUNK = 4096
# float32 input is kept as it is and converted chunk by chunk
_FLOATS = (np.float64, np.float32)
# With an even number of pixels the image halves meet at the axis: constituents
# closer than this (radians) to it count for neither half when choosing the
# flips, so rounding cannot flip an image.  (Odd: the central row/column is out.)
_FLIP_TOL = 1e-9


def _weighted_mean(w: NDArray, v: NDArray) -> NDArray:
    total = w.sum(axis=1)
    mean = np.zeros_like(total)
    np.divide((w * v).sum(axis=1), total, out=mean, where=total > 0)
    return mean


def _center(pt: NDArray, eta: NDArray, phi: NDArray) -> tuple[NDArray, NDArray]:
    """Shift each jet so that its pT-weighted centroid is at ``(0, 0)``.

    Azimuths are first taken relative to the hardest constituent and wrapped
    into ``[-pi, pi)``, so a jet straddling ``phi = pi`` is not torn apart.
    """
    lead = np.take_along_axis(phi, np.argmax(pt, axis=1)[:, None], axis=1)
    dphi = wrap_phi(phi - lead)
    x = eta - _weighted_mean(pt, eta)[:, None]
    y = wrap_phi(dphi - _weighted_mean(pt, dphi)[:, None])
    return x, y


def _principal_angle(pt: NDArray, x: NDArray, y: NDArray) -> NDArray:
    """Angle (radians, from the x axis) of the major principal axis of the
    pT-weighted second moments about the origin, one per jet."""
    sxx = (pt * x * x).sum(axis=1)
    syy = (pt * y * y).sum(axis=1)
    sxy = (pt * x * y).sum(axis=1)
    return 0.5 * np.arctan2(2.0 * sxy, sxx - syy)


def _rotate(pt: NDArray, x: NDArray, y: NDArray) -> tuple[NDArray, NDArray]:
    """Rotate each jet about the origin so its major principal axis is along y."""
    alpha = (0.5 * np.pi - _principal_angle(pt, x, y))[:, None]
    cos, sin = np.cos(alpha), np.sin(alpha)
    return x * cos - y * sin, x * sin + y * cos


def _flip_sign(w: NDArray, v: NDArray, dead_zone: float) -> NDArray:
    """``-1`` where more weight lies at ``v < -dead_zone`` than at ``v > dead_zone``, else 1."""
    positive = (w * (v > dead_zone)).sum(axis=1)
    negative = (w * (v < -dead_zone)).sum(axis=1)
    return np.where(negative > positive, -1.0, 1.0)[:, None]


def _flip(
    pt: NDArray, x: NDArray, y: NDArray, dead_zone: float = _FLIP_TOL, extent: float = np.inf
) -> tuple[NDArray, NDArray]:
    """Reflect each jet so that the right half and the upper half hold more pT than
    the opposite halves: the hardest activity lands in the upper-right quadrant.

    Only constituents inside the window ``|x|, |y| < extent`` count, and none
    within ``dead_zone`` of the axis (the central column or row of pixels
    when the image has an odd number of them), so the image's own half sums
    decide, as in arXiv:1803.00107.
    """
    w = pt * ((np.abs(x) < extent) & (np.abs(y) < extent))
    return x * _flip_sign(w, x, dead_zone), y * _flip_sign(w, y, dead_zone)


def _pixelate(
    pt: NDArray, x: NDArray, y: NDArray, n_pixels: int, extent: float
) -> NDArray[np.float64]:
    """Sum pT into ``n_pixels x n_pixels`` square pixels over ``[-extent, extent]^2``.

    Returns ``(n_jets, n_pixels, n_pixels)`` indexed ``[row, column]`` =
    ``[y bin, x bin]``, row 0 at the lowest ``y``; constituents outside the
    window are dropped.
    """
    n_jets = pt.shape[0]
    width = 2.0 * extent / n_pixels
    col = np.floor((x + extent) / width)
    row = np.floor((y + extent) / width)
    inside = (col >= 0) & (col < n_pixels) & (row >= 0) & (row < n_pixels) & (pt > 0)
    jet = np.broadcast_to(np.arange(n_jets)[:, None], pt.shape)
    row, col = row[inside].astype(np.int64), col[inside].astype(np.int64)
    index = (jet[inside] * n_pixels + row) * n_pixels + col
    counts = np.bincount(index, weights=pt[inside], minlength=n_jets * n_pixels * n_pixels)
    # with nothing inside the window bincount returns int64 zeros, whatever the weights
    return counts.astype(np.float64, copy=False).reshape(n_jets, n_pixels, n_pixels)


class JetImages(TransformerMixin, BaseEstimator):
    """Preprocessed jet images from jet constituents.

    The preprocessing of arXiv:1808.08992 (after Macaluso and Shih,
    arXiv:1803.00107), each step switchable:

    1. ``center``: shift the jet so that its pT-weighted centroid in
       ``(eta, phi)`` is at the origin (``phi`` wraps at ``+-pi``);
    2. ``rotate``: rotate about the origin so that the major principal axis
       of the pT-weighted second moments points along the vertical (phi) axis;
    3. ``flip``: reflect so that the right half and the upper half of the
       image hold more pT than the opposite halves (the central column and
       row of pixels excluded);
    4. pixelate: sum pT into ``n_pixels x n_pixels`` pixels covering
       ``[-extent, extent]`` in both directions (constituents outside are
       dropped);
    5. ``normalize``: divide by the total intensity, so each image sums to 1.

    Optionally the image is zero-padded to ``pad_to x pad_to`` (the CNN of
    arXiv:1808.08992 takes 40 x 40).

    Parameters
    ----------
    n_pixels : int, default=37
        Pixels per side.  An odd number puts the centroid at the centre of a
        pixel.
    extent : float, default=1.6
        Half-width of the image in eta and phi (radians); the default pixel
        is ``3.2 / 37 = 0.0865`` wide.
    center : bool, default=True
        Step 1.  Without it, the image is placed at the jet's absolute
        ``(eta, phi)`` (phi wrapped into ``[-pi, pi)``).
    rotate : bool, default=True
        Step 2.
    flip : bool, default=True
        Step 3.
    normalize : bool, default=True
        Step 5.  Without it, pixels hold pT in the unit of the input.
    pad_to : int or None, default=None
        Zero-pad the ``n_pixels`` image to ``pad_to`` pixels per side
        (``(pad_to - n_pixels) // 2`` before, the rest after).

    Attributes
    ----------
    n_features_in_ : int
        ``3 * n_constituents`` (the flattened input width).
    n_constituents_ : int
        Constituent slots per jet, padding included.
    image_shape_ : tuple of int
        ``(height, width)`` of the output images.
    feature_names_in_ : ndarray of str
        Defined only when ``X`` has string feature names.

    See Also
    --------
    sktopo.jets.jet_mass, sktopo.jets.nsubjettiness : scalar jet observables.

    Notes
    -----
    **Input.**  Constituents ``(n_jets, n_constituents, 3)`` of
    ``(pT, eta, phi)``, zero-padded (``pT = 0`` is ignored), as
    :func:`sktopo.datasets.make_jets` returns them, or their flattened form
    ``(n_jets, 3 * n_constituents)`` (``X.reshape(len(X), -1)``, rows
    ``pT_1, eta_1, phi_1, pT_2, ...``), which is what scikit-learn passes
    between the steps of a :class:`~sklearn.pipeline.Pipeline`.

    **Output.**  ``transform`` returns ``(n_jets, height * width)`` float64,
    so it can precede PCA or a dense autoencoder.  Each row is an image
    flattened row by row; rows run along the (rotated) phi direction, bottom
    to top, columns along eta, left to right, so
    ``plt.imshow(images[0].reshape(jet_images.image_shape_), origin="lower")``
    draws it upright.  For a CNN, ``images.reshape(-1, 1, *jet_images.image_shape_)``
    is the ``(n, 1, H, W)`` view (no copy).  Jets with no constituent inside
    the window give an all-zero image (also when no jet of the input has
    one, e.g. a batch of empty jets).

    **Checks.**  ``fit`` and ``transform`` refuse NaN and infinity, negative
    pT, and real constituents (``pT > 0``) outside the physical ranges
    ``|eta| <= 50`` and ``|phi| <= 4 pi`` (any angle within two turns;
    phi is wrapped): far beyond any detector, such values are unit mistakes
    or corrupt files, and at ``|eta| ~ 1e20`` the pixel positions would lose
    all precision.  The error names the jet and the constituent.

    The preprocessing commutes with rotations and translations of the jet in
    the ``(eta, phi)`` plane: they change the image only where a constituent
    sits on a pixel edge.  Work is done in chunks of a few thousand jets, so
    the memory beyond the output stays bounded.

    References
    ----------
    .. [1] S. Macaluso, D. Shih, "Pulling Out All the Tops with Computer
       Vision and Deep Learning", arXiv:1803.00107.
    .. [2] M. Farina, Y. Nakai, D. Shih, "Searching for New Physics with Deep
       Autoencoders", arXiv:1808.08992.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.jets import JetImages
    >>> jets = np.array([[[300.0, 0.2, 3.1], [100.0, 0.5, -3.1], [0.0, 0.0, 0.0]]])
    >>> images = JetImages(n_pixels=9, extent=0.9).fit_transform(jets)
    >>> images.shape
    (1, 81)
    >>> float(images.sum())
    1.0
    >>> np.argwhere(images.reshape(9, 9) > 0).tolist()  # [row, column] of the lit pixels
    [[4, 4], [5, 4]]
    >>> JetImages(pad_to=40).fit(jets).image_shape_
    (40, 40)
    """

    _parameter_constraints: dict = {
        "n_pixels": [Interval(Integral, 1, None, closed="left")],
        "extent": [Interval(Real, 0, None, closed="neither")],
        "center": ["boolean"],
        "rotate": ["boolean"],
        "flip": ["boolean"],
        "normalize": ["boolean"],
        "pad_to": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        *,
        n_pixels: int = 37,
        extent: float = 1.6,
        center: bool = True,
        rotate: bool = True,
        flip: bool = True,
        normalize: bool = True,
        pad_to: int | None = None,
    ) -> None:
        self.n_pixels = n_pixels
        self.extent = extent
        self.center = center
        self.rotate = rotate
        self.flip = flip
        self.normalize = normalize
        self.pad_to = pad_to

    @staticmethod
    def _as_2d(X):
        """Flatten 3-D constituents to ``(n_jets, 3 * n_constituents)``; leave 2-D input."""
        if getattr(X, "ndim", None) is None:
            X = np.asarray(X)
        if X.ndim == 3:
            if X.shape[2] != 3:
                raise ValueError(
                    "3-D constituents must have shape (n_jets, n_constituents, 3) of "
                    f"(pT, eta, phi); got shape {X.shape}."
                )
            return np.asarray(X).reshape(X.shape[0], -1)
        return X

    def fit(self, X: ArrayLike, y: None = None) -> JetImages:
        """Check the input layout and the parameters.

        Parameters
        ----------
        X : array-like of shape (n_jets, n_constituents, 3) or (n_jets, 3 * n_constituents)
            Constituents ``(pT, eta, phi)``, zero-padded.
        y : None
            Ignored.

        Returns
        -------
        self : JetImages
        """
        self._validate_params()
        X = validate_data(
            self, self._as_2d(X), reset=True, dtype=_FLOATS, ensure_all_finite=False
        )
        if X.shape[1] % 3 != 0:
            raise ValueError(
                "JetImages expects constituents (n_jets, n_constituents, 3) or their "
                f"flattened form with 3 * n_constituents columns; got n_features = {X.shape[1]}."
            )
        as_constituents(X, dtype=None)  # finite, pT >= 0, physical eta and phi
        if self.pad_to is not None and self.pad_to < self.n_pixels:
            raise ValueError(f"pad_to={self.pad_to} must be at least n_pixels={self.n_pixels}.")
        self.n_constituents_ = X.shape[1] // 3
        side = self.n_pixels if self.pad_to is None else self.pad_to
        self.image_shape_ = (side, side)
        return self

    def transform(self, X: ArrayLike) -> NDArray[np.float64]:
        """Preprocess and pixelate each jet.

        Parameters
        ----------
        X : array-like of shape (n_jets, n_constituents, 3) or (n_jets, 3 * n_constituents)
            Constituents ``(pT, eta, phi)``, zero-padded, with ``pT >= 0``.

        Returns
        -------
        images : ndarray of shape (n_jets, height * width)
            Flattened images, row by row (see Notes); reshape to
            ``(-1, 1, *image_shape_)`` for a CNN.
        """
        check_is_fitted(self)
        X = validate_data(
            self, self._as_2d(X), reset=False, dtype=_FLOATS, ensure_all_finite=False
        )
        constituents = as_constituents(X, dtype=None)
        height, width = self.image_shape_
        out = np.zeros((constituents.shape[0], height, width))
        before = (height - self.n_pixels) // 2
        window = out[:, before : before + self.n_pixels, before : before + self.n_pixels]
        for start in range(0, constituents.shape[0], _CHUNK):
            chunk = slice(start, start + _CHUNK)
            jets = np.asarray(constituents[chunk], dtype=np.float64)  # float32: chunk by chunk
            window[chunk] = self._images(trim_padding(jets))
        return out.reshape(len(out), -1)

    def _images(self, constituents: NDArray[np.float64]) -> NDArray[np.float64]:
        pt, eta, phi = (constituents[..., k] for k in range(3))
        if self.center:
            x, y = _center(pt, eta, phi)
        else:
            x, y = eta, wrap_phi(phi)
        if self.rotate:
            x, y = _rotate(pt, x, y)
        if self.flip:
            extent = float(self.extent)
            odd = self.n_pixels % 2 == 1
            dead_zone = extent / self.n_pixels if odd else _FLIP_TOL
            x, y = _flip(pt, x, y, dead_zone, extent)
        images = _pixelate(pt, x, y, self.n_pixels, float(self.extent))
        if self.normalize:
            total = images.sum(axis=(1, 2), keepdims=True)
            np.divide(images, total, out=images, where=total > 0)
        return images

    def get_feature_names_out(self, input_features=None) -> NDArray[np.object_]:
        """Pixel names ``pixel_<row>_<column>`` (0-based, row 0 at the bottom)."""
        check_is_fitted(self)
        height, width = self.image_shape_
        return np.asarray(
            [f"pixel_{row}_{col}" for row in range(height) for col in range(width)],
            dtype=object,
        )
