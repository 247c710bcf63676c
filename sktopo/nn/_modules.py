"""Torch modules: a stack of independent multilayer autoencoders with a leading member axis.

One :class:`StackedAutoencoder` holds ``n_members`` networks of identical shape.
Each weight tensor has shape ``(n_members, fan_in, fan_out)`` and every layer is a
batched matrix product, so training several independent autoencoders costs one
forward and one backward pass.  Members never mix: member ``k`` only ever sees
slice ``k`` of the input, of every weight and of every bias.  A single
autoencoder is the case ``n_members=1``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn
from torch.autograd.function import once_differentiable

__all__ = [
    "ACTIVATIONS",
    "OUTPUT_ACTIVATIONS",
    "Softmax",
    "StackedAutoencoder",
    "TemperedTanh",
    "make_activation",
    "make_activations",
    "INITS",
    "LATENT_SPACES",
    "init_layer",
    "latent_width",
    "project_latent",
]


class TemperedTanh(nn.Module):
    r"""Tempered tanh, :math:`\tanh(\beta x) / \beta` (arXiv:2102.08380, App. B).

    ``beta=1`` is the ordinary tanh; larger ``beta`` sharpens the kink.
    """

    def __init__(self, beta: float = 1.0):
        super().__init__()
        self.beta = float(beta)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.beta == 1.0:
            return torch.tanh(x)
        return torch.tanh(self.beta * x) / self.beta

    def extra_repr(self) -> str:
        return f"beta={self.beta}"


ACTIVATIONS = {
    "tanh": TemperedTanh,
    "relu": nn.ReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "sigmoid": nn.Sigmoid,
}


def make_activation(name: str, beta: float = 1.0) -> nn.Module:
    """Return the activation module called ``name`` (``beta`` tempers ``'tanh'`` only)."""
    if name not in ACTIVATIONS:
        raise ValueError(f"Unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}.")
    if name == "tanh":
        return TemperedTanh(beta)
    return ACTIVATIONS[name]()


class Softmax(nn.Module):
    """Softmax over the last (feature) axis: outputs are positive and sum to one.

    The output layer of the jet-image autoencoders of arXiv:1808.08992, whose
    images are normalised to unit total intensity.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(x, dim=-1)


#: Activations allowed on the latent code and on the output only.
OUTPUT_ACTIVATIONS = {**ACTIVATIONS, "softmax": Softmax}


def make_activations(names, beta: float = 1.0) -> nn.Module | None:
    """``None``, one activation name, or a sequence of names applied in order."""
    if names is None:
        return None
    if isinstance(names, str):
        names = (names,)
    modules = []
    for name in names:
        if name not in OUTPUT_ACTIVATIONS:
            raise ValueError(
                f"Unknown activation {name!r}; choose from {sorted(OUTPUT_ACTIVATIONS)}."
            )
        modules.append(Softmax() if name == "softmax" else make_activation(name, beta))
    return modules[0] if len(modules) == 1 else nn.Sequential(*modules)


def _uniform(shape, bound, generator):
    """Uniform(-bound, bound) draws from ``generator`` (CPU, float32)."""
    return (torch.rand(shape, generator=generator, dtype=torch.float32) * 2.0 - 1.0) * bound


#: Weight initialisations: ``'torch'`` is PyTorch's default for ``nn.Linear`` and
#: ``nn.Conv2d`` (weights and biases uniform in +-1/sqrt(fan_in)); ``'keras'`` is
#: Keras' default, which the jet papers used (Glorot-uniform weights, zero biases).
INITS = ("torch", "keras")


def init_layer(weight_shape, fan_in, fan_out, bias_shape, init, generator):
    """Weight and bias of one layer of one member, drawn from ``generator``.

    ``'torch'``: both uniform in ``+-1/sqrt(fan_in)``; ``'keras'``: weights
    uniform in ``+-sqrt(6 / (fan_in + fan_out))`` (Glorot), biases zero.  Zero
    biases matter for ReLU networks on inputs as small as normalised jet
    images, whose first-layer inputs are no larger than random biases: many
    units then start (and stay) dead.
    """
    if init == "keras":
        bound = math.sqrt(6.0 / (fan_in + fan_out))
        return _uniform(weight_shape, bound, generator), torch.zeros(bias_shape)
    if init != "torch":
        raise ValueError(f"init must be one of {INITS}, got {init!r}.")
    bound = 1.0 / math.sqrt(fan_in)
    return _uniform(weight_shape, bound, generator), _uniform(bias_shape, bound, generator)


#: Latent spaces of :class:`StackedAutoencoder`: ``R^d``, the sphere ``S^d`` embedded in
#: ``R^(d+1)`` and the torus ``(S^1)^d`` embedded in ``R^(2d)``.
LATENT_SPACES = ("euclidean", "sphere", "torus")

#: Norms below this are not divided by (a code at the origin stays there).
_LATENT_EPS = 1e-12


def latent_width(latent_dim: int, latent_space: str = "euclidean") -> int:
    """Number of coordinates of a code of intrinsic dimension ``latent_dim``.

    ``latent_dim`` for ``'euclidean'``, ``latent_dim + 1`` for ``'sphere'``
    (``S^d`` embedded in ``R^(d+1)``), ``2 * latent_dim`` for ``'torus'``
    (one unit vector in the plane per circle).
    """
    if latent_space == "euclidean":
        return int(latent_dim)
    if latent_space == "sphere":
        return int(latent_dim) + 1
    if latent_space == "torus":
        return 2 * int(latent_dim)
    raise ValueError(f"latent_space must be one of {LATENT_SPACES}, got {latent_space!r}.")


class _UnitNorm(torch.autograd.Function):
    """Blocks of ``size`` numbers on the last axis, each divided by ``max(norm, eps)``.

    One autograd node: the backward pass is the tangent projection
    ``(g - y (y . g)) / ||z||`` of every block, written by hand instead of
    the nodes (square, sum, clamp, divide, reshapes) autograd would record,
    which are most of the cost on the papers' small networks.  First
    derivatives only (training needs no more).
    """

    @staticmethod
    def forward(ctx, z, size):
        blocks = z.unflatten(-1, (-1, size))
        norm = torch.linalg.vector_norm(blocks, dim=-1, keepdim=True).clamp_min_(_LATENT_EPS)
        y = blocks / norm
        ctx.save_for_backward(y, norm)
        return y.flatten(-2)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        y, norm = ctx.saved_tensors
        g = grad.unflatten(-1, y.shape[-2:])
        return (g - y * (g * y).sum(dim=-1, keepdim=True)).div_(norm).flatten(-2), None


def project_latent(z: torch.Tensor, latent_space: str) -> torch.Tensor:
    """Project codes (last axis) onto the latent manifold.

    ``'sphere'``: ``z / max(||z||, eps)``, a point of the unit sphere.
    ``'torus'``: every consecutive pair ``(z_2i, z_2i+1)`` divided by its own
    norm, a point of ``(S^1)^(width / 2)``.  ``'euclidean'``: ``z`` itself.
    The projection is continuous away from the origin (where a code never
    lands in practice), so the encoder can be a homeomorphism onto data with
    the topology of the latent manifold.
    """
    if latent_space == "euclidean":
        return z
    if latent_space == "sphere":
        return _UnitNorm.apply(z, z.shape[-1])
    if latent_space == "torus":
        return _UnitNorm.apply(z, 2)
    raise ValueError(f"latent_space must be one of {LATENT_SPACES}, got {latent_space!r}.")


class StackedAutoencoder(nn.Module):
    """``n_members`` independent dense autoencoders evaluated as one batched network.

    Layer widths are ``(n_features, *hidden_layer_sizes, width,
    *reversed(hidden_layer_sizes), n_features)`` with ``width =
    latent_width(latent_dim, latent_space)``.  The activation acts on hidden
    layers only: the encoder output (latent code) and the decoder output are
    linear, as in arXiv:2102.08380, Sec. 2.  With a ``'sphere'`` or ``'torus'``
    latent space the encoder's linear output is projected onto that manifold
    (:func:`project_latent`) and the decoder reads the projected code.

    Parameters
    ----------
    n_features : int
        Input (and output) dimension.
    latent_dim : int
        Width of the bottleneck.
    hidden_layer_sizes : sequence of int
        Hidden widths of the encoder; the decoder mirrors them.
    activation : str, default='tanh'
        Name in :data:`ACTIVATIONS`.
    activation_beta : float, default=1.0
        Temperature of the tempered tanh.
    init_seeds : sequence of int
        One seed per member.  Member ``k`` is initialised from a
        ``torch.Generator`` seeded with ``init_seeds[k]`` alone, with PyTorch's
        default ``nn.Linear`` scheme (weights and biases uniform in
        ``+-1/sqrt(fan_in)``), so a member's weights do not depend on how many
        other members share the stack.
    latent_activation : str or None, default=None
        Activation of the latent code (``None``: linear, as in
        arXiv:2102.08380; ``'relu'`` in the dense net of arXiv:1808.08992).
    output_activation : str, sequence of str or None, default=None
        Activation(s) of the output layer, applied in order (``None``: linear;
        ``('relu', 'softmax')`` in the dense net of arXiv:1808.08992).
    init : {'torch', 'keras'}, default='torch'
        Initialisation, see :func:`init_layer`.
    latent_space : {'euclidean', 'sphere', 'torus'}, default='euclidean'
        Manifold of the code: ``R^latent_dim``, ``S^latent_dim`` (unit
        vectors of ``R^(latent_dim + 1)``) or ``(S^1)^latent_dim``.  Only
        ``'euclidean'`` combines with a ``latent_activation``.

    Notes
    -----
    Inputs have shape ``(n_members, batch, n_features)``.
    """

    #: Class default, so that modules pickled before the option existed load as Euclidean.
    latent_space = "euclidean"

    def __init__(
        self,
        n_features: int,
        latent_dim: int,
        hidden_layer_sizes: Sequence[int] = (64,),
        activation: str = "tanh",
        activation_beta: float = 1.0,
        init_seeds: Sequence[int] = (0,),
        latent_activation: str | None = None,
        output_activation: str | Sequence[str] | None = None,
        init: str = "torch",
        latent_space: str = "euclidean",
    ):
        super().__init__()
        self.init = init
        code = latent_width(latent_dim, latent_space)
        if latent_space != "euclidean" and latent_activation is not None:
            raise ValueError(
                f"latent_activation must be None with latent_space={latent_space!r}: the "
                f"code is the projection onto the latent manifold."
            )
        self.latent_space = latent_space
        hidden = tuple(int(h) for h in hidden_layer_sizes)
        widths = (int(n_features), *hidden, code, *reversed(hidden), int(n_features))
        self.widths = widths
        self.n_members = len(init_seeds)
        self.n_encoder_layers = len(hidden) + 1
        self.activation = make_activation(activation, activation_beta)
        self.latent_activation = make_activations(latent_activation, activation_beta)
        self.output_activation = make_activations(output_activation, activation_beta)
        self.n_layers = len(widths) - 1
        per_member = [self._init_member(widths, seed, init) for seed in init_seeds]
        # Plain named parameters (weight_i of shape (n_members, fan_in, fan_out), bias_i of
        # shape (n_members, 1, fan_out)): looked up by dict access in the hot path.
        self._names = [(f"weight_{i}", f"bias_{i}") for i in range(self.n_layers)]
        for i, (w_name, b_name) in enumerate(self._names):
            weight = torch.stack([m[i][0] for m in per_member])
            bias = torch.stack([m[i][1] for m in per_member])
            self.register_parameter(w_name, nn.Parameter(weight))
            self.register_parameter(b_name, nn.Parameter(bias))

    @staticmethod
    def _init_member(widths, seed, init="torch"):
        generator = torch.Generator().manual_seed(int(seed))
        return [init_layer((fan_in, fan_out), fan_in, fan_out, (1, fan_out), init, generator)
                for fan_in, fan_out in zip(widths[:-1], widths[1:])]

    def _run(self, x: torch.Tensor, layers: range, last_activation) -> torch.Tensor:
        params = self._parameters
        last = layers[-1]
        for i in layers:
            w_name, b_name = self._names[i]
            x = torch.baddbmm(params[b_name], x, params[w_name])
            if i != last:
                x = self.activation(x)
        return x if last_activation is None else last_activation(x)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Latent codes, shape ``(n_members, batch, width)`` (on the latent manifold)."""
        z = self._run(x, range(self.n_encoder_layers), self.latent_activation)
        return z if self.latent_space == "euclidean" else project_latent(z, self.latent_space)

    def _decode(self, z: torch.Tensor) -> torch.Tensor:
        return self._run(z, range(self.n_encoder_layers, self.n_layers), self.output_activation)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Decoder outputs, shape ``(n_members, batch, n_features)``.

        Codes off the latent manifold are projected onto it first.
        """
        if self.latent_space != "euclidean":
            z = project_latent(z, self.latent_space)
        return self._decode(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._decode(self.encode(x))

    def member_state(self, k: int) -> dict[str, torch.Tensor]:
        """Copy of member ``k``'s parameters (as a one-member state dict)."""
        return {name: p[k : k + 1].detach().clone() for name, p in self.named_parameters()}


def squared_error(y_pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Per-sample squared Euclidean error, summed over the last (feature) axis."""
    return (y_pred - target).pow(2).sum(dim=-1)


class StackedSquaredError(nn.Module):
    """Training loss: sum over members of each member's batch-mean squared error.

    Summing (not averaging) over members keeps every member's gradient exactly
    the gradient it would get if trained alone.  The detached per-member means
    of the last call are kept in ``member_losses`` for monitoring.
    """

    def forward(self, y_pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        member_losses = squared_error(y_pred, target).mean(dim=-1)
        self.member_losses = member_losses.detach()
        return member_losses.sum()
