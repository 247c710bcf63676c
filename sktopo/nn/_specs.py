"""Network descriptions, written once: validation, shapes and forward cost.

Every neural estimator of sktopo describes its network with one of these
frozen specs, built from its parameters in ``fit``:

* :class:`DenseSpec`: the multilayer networks (autoencoders, VAEs), widths
  ``(n_features, *hidden, code, *reversed(hidden), n_features)``;
* :class:`ConvSpec`: the convolutional networks of arXiv:1808.08992 (App. 2),
  image shape, convolutions, poolings and the dense layer around the code.

A spec validates its numbers (with errors that name the parameter), gives the
module's keyword arguments and counts the forward floating-point operations of
one row, from which torch threads are chosen.  :func:`flow_flops` does the
same for the conditional flow of :class:`~sktopo.detectors.SidebandReference`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral

__all__ = ["ConvSpec", "DenseSpec", "flow_flops", "padded_size", "positive_ints"]


def positive_ints(value, name: str) -> tuple[int, ...]:
    """``value`` (an int or a sequence of ints) as a non-empty tuple of positive ints.

    Parameters
    ----------
    value : int or sequence of int
    name : str
        The parameter's name, for the error message.

    Returns
    -------
    values : tuple of int

    Raises
    ------
    ValueError
        If ``value`` is empty or holds anything but positive integers (bools
        included).

    Examples
    --------
    >>> from sktopo.nn._specs import positive_ints
    >>> positive_ints(64, "hidden_layer_sizes"), positive_ints([8, 4], "channels")
    ((64,), (8, 4))
    """
    values = (value,) if isinstance(value, Integral) else tuple(value)
    if not values or any(isinstance(v, bool) or not isinstance(v, Integral) or v < 1
                         for v in values):
        raise ValueError(f"{name} must contain positive integers, got {value!r}.")
    return tuple(int(v) for v in values)


def _macs(widths) -> int:
    return sum(a * b for a, b in zip(widths[:-1], widths[1:]))


@dataclass(frozen=True)
class DenseSpec:
    """A dense encoder-decoder: ``n_features -> hidden -> code -> reversed(hidden) -> n_features``.

    Parameters
    ----------
    n_features : int
    hidden_layer_sizes : tuple of int
        Encoder widths; the decoder mirrors them.
    code_width : int
        Numbers the encoder outputs (``latent_dim``; ``latent_dim + 1`` on a
        sphere; ``2 * latent_dim`` on a torus or for a VAE's mean and
        log-variance).
    decoder_input : int or None, default=None
        Numbers the decoder reads, when not ``code_width`` (a VAE decodes
        ``latent_dim`` numbers).
    """

    n_features: int
    hidden_layer_sizes: tuple
    code_width: int
    decoder_input: int | None = None

    @classmethod
    def from_params(cls, n_features, hidden_layer_sizes, latent_dim, *, code_width=None,
                    decoder_input=None, model="an autoencoder"):
        """Validate the parameters of a dense network on ``n_features`` inputs.

        Raises
        ------
        ValueError
            If ``hidden_layer_sizes`` holds anything but positive integers, or
            ``latent_dim`` exceeds ``n_features`` (no bottleneck).
        """
        hidden = positive_ints(hidden_layer_sizes, "hidden_layer_sizes")
        if latent_dim > n_features:
            raise ValueError(
                f"latent_dim={latent_dim} is larger than the number of input "
                f"features, n_features={n_features}; {model} needs a bottleneck."
            )
        return cls(int(n_features), hidden, int(code_width or latent_dim), decoder_input)

    @property
    def flops(self) -> float:
        """Forward floating-point operations of one row through one network."""
        enc = (self.n_features, *self.hidden_layer_sizes, self.code_width)
        dec_in = self.code_width if self.decoder_input is None else self.decoder_input
        dec = (dec_in, *reversed(self.hidden_layer_sizes), self.n_features)
        return 2.0 * (_macs(enc) + _macs(dec))


def padded_size(size: int, n_pool: int) -> int:
    """``size`` rounded up to a multiple of ``2 ** n_pool`` (the images are zero-padded)."""
    step = 2**n_pool
    return -(-size // step) * step


def _image_shape(image_shape, n_features):
    if image_shape is not None:
        shape = positive_ints(image_shape, "image_shape")
        if len(shape) != 2 or shape[0] * shape[1] != n_features:
            raise ValueError(
                f"image_shape={image_shape!r} does not hold n_features={n_features} "
                "pixels; give (height, width) with height * width == n_features."
            )
        return shape
    side = math.isqrt(n_features)
    return (side, side) if side * side == n_features else (1, n_features)


@dataclass(frozen=True)
class ConvSpec:
    """A convolutional encoder-decoder for flattened images.

    Parameters
    ----------
    image_shape : tuple of int
        ``(height, width)``; ``height * width`` is the number of features.
    channels : tuple of int
        Channels of the encoder's convolutions.
    n_pool : int
        2 x 2 max-poolings after the first ``n_pool`` convolutions.
    dense_width : int
        Width of the dense layer around the code.
    kernel_size : int
        Odd side of the square kernels.
    code_width : int
        Numbers the encoder outputs (``2 * latent_dim`` for a VAE).
    decoder : {'conv', 'dense'}, default='conv'
        Convolutions with upsampling, or dense layers to the pixels.
    decoder_layer_sizes : tuple of int, default=()
        Hidden widths of a dense decoder after its ``dense_width`` layer.
    """

    image_shape: tuple
    channels: tuple
    n_pool: int
    dense_width: int
    kernel_size: int
    code_width: int
    decoder: str = "conv"
    decoder_layer_sizes: tuple = ()

    @classmethod
    def from_params(cls, n_features, *, image_shape, channels, n_pool, dense_width,
                    kernel_size, code_width, decoder="conv", decoder_layer_sizes=()):
        """Validate the parameters of a convolutional network on ``n_features`` pixels.

        ``image_shape=None`` reads a square image, else one row of pixels.

        Raises
        ------
        ValueError
            If ``image_shape`` does not hold ``n_features`` pixels, ``channels``
            holds anything but positive integers, there are more poolings than
            convolutions, ``kernel_size`` is even, or a dense decoder's
            ``decoder_layer_sizes`` holds anything but positive integers.
        """
        shape = _image_shape(image_shape, n_features)
        channels = positive_ints(channels, "channels")
        if n_pool > len(channels):
            raise ValueError(
                f"n_pool={n_pool} poolings need at least as many convolutions, got "
                f"channels={channels!r}."
            )
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd, got {kernel_size}.")
        sizes = positive_ints(decoder_layer_sizes, "decoder_layer_sizes") \
            if decoder == "dense" else ()
        return cls(shape, channels, int(n_pool), int(dense_width), int(kernel_size),
                   int(code_width), decoder, sizes)

    def module_kwargs(self) -> dict:
        """The shape arguments of :class:`~sktopo.nn.StackedConvAutoencoder` and its VAE."""
        return dict(image_shape=self.image_shape, channels=self.channels, n_pool=self.n_pool,
                    dense_width=self.dense_width, kernel_size=self.kernel_size)

    @property
    def flops(self) -> float:
        """Forward floating-point operations of one image through one network."""
        h, w = (padded_size(s, self.n_pool) for s in self.image_shape)
        k2 = self.kernel_size * self.kernel_size
        macs, c_in = 0, 1
        for i, c in enumerate(self.channels):  # encoder
            macs += h * w * c_in * c * k2
            c_in = c
            if i < self.n_pool:
                h, w = h // 2, w // 2
        flat = h * w * c_in
        if self.decoder == "dense":
            macs += flat * self.dense_width + self.dense_width * self.code_width
            pixels = math.prod(self.image_shape)
            return 2.0 * (macs + _macs((self.code_width, self.dense_width,
                                        *self.decoder_layer_sizes, pixels)))
        macs += 2 * (flat * self.dense_width + self.dense_width * self.code_width)  # dense
        for _ in range(self.n_pool):  # decoder
            macs += h * w * c_in * c_in * k2
            h, w = 2 * h, 2 * w
        macs += h * w * c_in * k2
        return 2.0 * macs


def flow_flops(n_features: int, n_context: int, hidden_features, transforms: int) -> float:
    """Forward floating-point operations of one row through a spline flow's conditioners."""
    hidden = tuple(hidden_features)
    return 2.0 * transforms * _macs((n_features + n_context, *hidden))
