"""A stack of independent convolutional autoencoders for images (arXiv:1808.08992, App. 2).

:class:`StackedConvAutoencoder` holds ``n_members`` networks of one shape, as
:class:`~sktopo.nn.StackedAutoencoder` does for dense ones: the members sit
side by side along the channel axis of grouped convolutions (``groups =
n_members``) and along the leading axis of batched dense layers, so several
trainings cost one forward and one backward pass and never mix.

Images come in flattened, ``(n_members, batch, height * width)``, like every
input of sktopo's detectors.  They are zero-padded on the bottom and right to
a multiple of ``2 ** n_pool`` (37 x 37 jet images become the paper's 40 x 40)
and the output is cropped back before the output activation, so
reconstructions compare with the input pixel by pixel and a softmax output sums
to one over the image's own pixels.  (The paper applies its softmax over the
padded 40 x 40 image, whose border is zero in every input; a trained network
puts almost nothing there, so the two agree once trained.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from sktopo.nn._modules import (
    init_layer,
    latent_width,
    make_activation,
    make_activations,
    project_latent,
)
from sktopo.nn._specs import padded_size, positive_ints

__all__ = ["DECODERS", "StackedConvAutoencoder"]

#: Decoders of :class:`StackedConvAutoencoder`: convolutions with upsampling, or dense layers.
DECODERS = ("conv", "dense")


class StackedConvAutoencoder(nn.Module):
    """``n_members`` independent convolutional autoencoders evaluated as one network.

    Encoder: ``len(channels)`` convolutions (``kernel_size``, 'same' padding,
    ``activation``), the first ``n_pool`` of them followed by a 2 x 2 max-pool;
    flatten; a dense layer of ``dense_width`` (``activation``); a dense layer to
    ``latent_dim`` (``latent_activation``, linear by default).  Decoder: dense
    ``dense_width`` (``activation``), dense to the pooled feature map
    (``activation``), then ``n_pool`` times a convolution (``activation``) and a
    2 x 2 upsampling, and a last one-channel convolution followed by
    ``output_activation`` over the pixels (softmax by default).  With the
    defaults on 37 x 37 images this is the network of arXiv:1808.08992, App. 2.

    With ``decoder='dense'`` the decoder is a multilayer network instead:
    dense ``dense_width``, dense ``decoder_layer_sizes`` (``activation``),
    dense to the unpadded pixels (one weight and bias per pixel), then
    ``output_activation``.  A small convolutional decoder shares one output
    bias and a few kernels across all pixels; on jet images it lights only
    the two or three brightest pixels of a reconstruction, which matters for
    a normalized autoencoder, whose negatives are decoded images.

    Parameters
    ----------
    image_shape : tuple of int
        ``(height, width)`` of the unpadded images.
    latent_dim : int, default=6
        Width of the latent code.
    channels : sequence of int, default=(128, 128, 128)
        Channels of the encoder's convolutions; the decoder uses the last.
    n_pool : int, default=2
        Number of 2 x 2 poolings (and upsamplings); at most ``len(channels)``.
    dense_width : int, default=32
        Width of the dense layers around the latent code.
    kernel_size : int, default=3
        Odd kernel size of the convolutions.
    activation : str, default='relu'
        Hidden activation.
    latent_activation : str or None, default=None
        Activation of the latent code.
    output_activation : str, sequence of str or None, default='softmax'
        Activation(s) over the output pixels.
    init_seeds : sequence of int
        One seed per member; member ``k``'s weights come from a generator
        seeded with ``init_seeds[k]`` alone.
    init : {'keras', 'torch'}, default='keras'
        Initialisation (see :func:`sktopo.nn.init_layer`): Keras' Glorot
        weights and zero biases, as in the paper's code, or PyTorch's default.
    latent_space : {'euclidean', 'sphere', 'torus'}, default='euclidean'
        Where the codes live (see :func:`~sktopo.nn.project_latent`): the
        encoder's last dense layer has ``latent_width(latent_dim,
        latent_space)`` outputs, projected onto the manifold.
    decoder : {'conv', 'dense'}, default='conv'
        The decoder's kind (see above).
    decoder_layer_sizes : sequence of int, default=(256,)
        With ``decoder='dense'``: widths of the hidden layers between the
        ``dense_width`` layer and the pixels.

    Examples
    --------
    >>> import torch
    >>> from sktopo.nn import StackedConvAutoencoder
    >>> ae = StackedConvAutoencoder((8, 8), 2, channels=(2, 2), dense_width=4,
    ...     decoder="dense", decoder_layer_sizes=(16,), init_seeds=(0, 1))
    >>> ae(torch.rand(2, 3, 64)).shape
    torch.Size([2, 3, 64])
    >>> ae.dense4_weight.shape  # member, hidden, pixels
    torch.Size([2, 16, 64])
    """

    #: Scoring precision under ``scoring_precision='auto'``: float64
    #: convolutions have no fast CPU kernels (3-10x slower than float32).
    auto_scoring_dtype = torch.float32
    #: Images per scoring chunk at least (convolutions are slow on tiny batches).
    min_chunk_rows = 256

    def __init__(
        self,
        image_shape: Sequence[int],
        latent_dim: int = 6,
        channels: Sequence[int] = (128, 128, 128),
        n_pool: int = 2,
        dense_width: int = 32,
        kernel_size: int = 3,
        activation: str = "relu",
        latent_activation: str | None = None,
        output_activation: str | Sequence[str] | None = "softmax",
        init_seeds: Sequence[int] = (0,),
        init: str = "keras",
        latent_space: str = "euclidean",
        decoder: str = "conv",
        decoder_layer_sizes: Sequence[int] = (256,),
    ):
        super().__init__()
        if decoder not in DECODERS:
            raise ValueError(f"decoder must be one of {DECODERS}, got {decoder!r}.")
        self.decoder = decoder
        self.decoder_layer_sizes = positive_ints(decoder_layer_sizes, "decoder_layer_sizes")
        self.init = init
        if latent_space != "euclidean" and latent_activation is not None:
            raise ValueError(
                f"latent_activation must be None with latent_space={latent_space!r}: the "
                "code is the projection of the encoder's linear output."
            )
        self.latent_space = latent_space
        self.image_shape = tuple(int(s) for s in image_shape)
        self.channels = tuple(int(c) for c in channels)
        self.n_pool = int(n_pool)
        self.kernel_size = int(kernel_size)
        self.latent_dim = int(latent_dim)
        code = latent_width(self.latent_dim, latent_space)
        self.n_members = len(init_seeds)
        self.padded_shape = tuple(padded_size(s, self.n_pool) for s in self.image_shape)
        h, w = self.padded_shape
        self.map_shape = (self.channels[-1], h >> self.n_pool, w >> self.n_pool)
        flat = math.prod(self.map_shape)
        self.activation = make_activation(activation)
        self.latent_activation = make_activations(latent_activation)
        self.output_activation = make_activations(output_activation)
        c_last = self.channels[-1]
        k = self.kernel_size
        self._enc_convs = [(c_in, c) for c_in, c in zip((1, *self.channels[:-1]), self.channels)]
        self._dense = [(flat, dense_width), (dense_width, code), (code, dense_width)]
        if decoder == "conv":
            self._dec_convs = [(c_last, c_last)] * self.n_pool + [(c_last, 1)]
            self._dense.append((dense_width, flat))
        else:
            self._dec_convs = []
            sizes = (dense_width, *self.decoder_layer_sizes, math.prod(self.image_shape))
            self._dense.extend(zip(sizes[:-1], sizes[1:]))
        members = [self._init_member(seed) for seed in init_seeds]
        for name in members[0]:
            stacked = torch.cat([m[name] for m in members]) if "conv" in name else \
                torch.stack([m[name] for m in members])
            self.register_parameter(name, nn.Parameter(stacked))
        self.widths = (math.prod(self.image_shape), code)
        self._k = k

    def _init_member(self, seed):
        gen = torch.Generator().manual_seed(int(seed))
        params = {}
        k2 = self.kernel_size**2
        for prefix, convs in (("enc", self._enc_convs), ("dec", self._dec_convs)):
            for i, (c_in, c_out) in enumerate(convs):
                shape = (c_out, c_in, self.kernel_size, self.kernel_size)
                params[f"{prefix}_conv{i}_weight"], params[f"{prefix}_conv{i}_bias"] = init_layer(
                    shape, c_in * k2, c_out * k2, (c_out,), self.init, gen)
        for i, (fan_in, fan_out) in enumerate(self._dense):
            params[f"dense{i}_weight"], params[f"dense{i}_bias"] = init_layer(
                (fan_in, fan_out), fan_in, fan_out, (1, fan_out), self.init, gen)
        return params

    def _conv(self, x, prefix, i):
        p = self._parameters
        return F.conv2d(x, p[f"{prefix}_conv{i}_weight"], p[f"{prefix}_conv{i}_bias"],
                        padding=self.kernel_size // 2, groups=self.n_members)

    def _dense_layer(self, x, i):
        p = self._parameters
        return torch.baddbmm(p[f"dense{i}_bias"], x, p[f"dense{i}_weight"])

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Latent codes, shape ``(n_members, batch, latent_dim)``."""
        m, b, _ = x.shape
        h, w = self.image_shape
        hp, wp = self.padded_shape
        img = x.reshape(m, b, h, w).transpose(0, 1)  # (batch, members, h, w)
        if (hp, wp) != (h, w):
            img = F.pad(img, (0, wp - w, 0, hp - h))
        for i in range(len(self._enc_convs)):
            img = self.activation(self._conv(img, "enc", i))
            if i < self.n_pool:
                img = F.max_pool2d(img, 2)
        flat = img.reshape(b, m, -1).transpose(0, 1)  # (members, batch, flat)
        z = self._dense_layer(self.activation(self._dense_layer(flat, 0)), 1)
        if self.latent_space != "euclidean":
            return project_latent(z, self.latent_space)
        return z if self.latent_activation is None else self.latent_activation(z)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Reconstructed images, flattened: ``(n_members, batch, height * width)``."""
        m, b, _ = z.shape
        if self.decoder == "dense":
            out = self.activation(self._dense_layer(z, 2))
            last = len(self._dense) - 1
            for i in range(3, last + 1):
                out = self._dense_layer(out, i)
                if i < last:
                    out = self.activation(out)
            return out if self.output_activation is None else self.output_activation(out)
        flat = self.activation(self._dense_layer(self.activation(self._dense_layer(z, 2)), 3))
        img = flat.transpose(0, 1).reshape(b, m * self.map_shape[0], *self.map_shape[1:])
        for i in range(self.n_pool):
            img = self.activation(self._conv(img, "dec", i))
            img = F.interpolate(img, scale_factor=2, mode="nearest")
        img = self._conv(img, "dec", self.n_pool)  # (batch, members, hp, wp)
        h, w = self.image_shape
        out = img.transpose(0, 1)[:, :, :h, :w].reshape(m, b, h * w)
        return out if self.output_activation is None else self.output_activation(out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))

    def encoder_weight_names(self) -> list[str]:
        """Names of the encoder's weights (convolutions and the two dense layers)."""
        return [f"enc_conv{i}_weight" for i in range(len(self._enc_convs))] + [
            "dense0_weight", "dense1_weight"]

    def row_bytes(self) -> float:
        """Working memory per image of one float64 forward pass (for chunked scoring)."""
        hp, wp = self.padded_shape
        return 8.0 * self.n_members * 3 * max(self.channels) * hp * wp
