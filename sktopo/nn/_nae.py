"""The normalized autoencoder (NAE): energy, Langevin negatives, loss and callback.

An autoencoder's reconstruction error measures how hard an input is to
compress, not how unlikely it is: trained on top jets, it reconstructs the
simpler QCD jets better than the tops.  The normalized autoencoder (Yoon,
Noh, Park 2021; on jets Dillon, Favaro, Plehn, Sorrenson, Kraemer,
arXiv:2206.14225) reads the reconstruction error as the energy of a
Boltzmann density ``p(x) = exp(-E(x) / T) / Z`` and trains it by maximum
likelihood: ``E(x_data) - E(x_negative)`` with negatives drawn from the model
itself by Langevin dynamics, so that every region the model calls likely
but the data do not populate -- simple jets included -- gets its energy
raised.

Pieces (all on stacked modules, inputs ``(n_members, batch, n_features)``):

* :class:`NAEModule` wraps a stacked autoencoder; its energy is the mean
  squared error per feature of the input scaled by ``scale``;
* :func:`latent_langevin` and :func:`data_langevin` are the two Langevin
  chains, seeded by a ``torch.Generator`` (bitwise reproducible);
  :func:`sample_negatives` chains them (latent space through the decoder,
  then data space, with images kept non-negative and at the data's total
  intensity);
* :class:`NAELoss` is the training criterion: the squared error while
  pre-training, the NAE loss once :class:`NegativeSampler` (a skorch
  callback) hands it negatives.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from skorch.callbacks import Callback
from torch import nn

from sktopo.exceptions import TrainingDivergedError
from sktopo.nn._modules import StackedAutoencoder, project_latent, squared_error

__all__ = [
    "LangevinSchedule",
    "NAELoss",
    "NAEModule",
    "NegativeSampler",
    "StackedNAE",
    "data_langevin",
    "latent_langevin",
    "sample_negatives",
    "to_simplex",
]


class NAEModule(nn.Module):
    """A stacked autoencoder whose input is scaled by ``scale``, with an energy.

    ``forward`` and ``decode`` return images in the input's units, so the
    library's reconstruction error and ``reconstruct`` keep their meaning;
    :meth:`energy` is ``mean((AE(s x) - s x)^2)`` over the features, the
    reconstruction error per feature in units where the brightest pixel of a
    typical image is about 1.

    Parameters
    ----------
    autoencoder : nn.Module
        A stacked autoencoder (``encode``, ``decode``, ``n_members``,
        ``latent_space``), e.g. :class:`~sktopo.nn.StackedAutoencoder`.
    scale : float
        Input scale ``s``.
    output_total : float or None, default=None
        For an autoencoder whose output is a distribution (a softmax over
        the pixels, summing to one): the total intensity of a scaled image,
        by which the output is multiplied so that it compares with the
        scaled input (for images of unit sum, ``s``).  ``None``: the output
        is already in the scaled input's units.
    """

    def __init__(self, autoencoder: nn.Module, scale: float = 1.0, output_total=None):
        super().__init__()
        self.autoencoder = autoencoder
        self.register_buffer("scale", torch.tensor(float(scale)))
        if output_total is not None:
            self.register_buffer("output_total", torch.tensor(float(output_total)))
        else:
            self.output_total = None

    @property
    def n_members(self) -> int:
        return self.autoencoder.n_members

    # Scoring hints of the wrapped network (float32 convolutions, chunk sizes); properties,
    # not attributes, so that a saved model holds no torch.dtype.
    @property
    def auto_scoring_dtype(self):
        return getattr(self.autoencoder, "auto_scoring_dtype", torch.float64)

    @property
    def min_chunk_rows(self) -> int:
        return getattr(self.autoencoder, "min_chunk_rows", 16)

    @property
    def widths(self):
        return getattr(self.autoencoder, "widths", None)

    @property
    def latent_space(self) -> str:
        return getattr(self.autoencoder, "latent_space", "euclidean")

    def row_bytes(self) -> float:
        if hasattr(self.autoencoder, "row_bytes"):
            return self.autoencoder.row_bytes()
        widths = self.widths or (64,)
        return 8.0 * self.n_members * 3 * max(widths) + 16.0 * max(widths)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.autoencoder.encode(x * self.scale)

    def decode_scaled(self, z: torch.Tensor) -> torch.Tensor:
        """Decoder output in scaled units (what the Langevin chains move)."""
        out = self.autoencoder.decode(z)
        return out if self.output_total is None else out * self.output_total

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decode_scaled(z) / self.scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))

    def energy_scaled(self, u: torch.Tensor) -> torch.Tensor:
        """Energy of inputs already in scaled units ``u = s x``: ``(n_members, batch)``."""
        out = self.autoencoder(u)
        if self.output_total is not None:
            out = out * self.output_total
        return squared_error(out, u) / u.shape[-1]

    def energy(self, x: torch.Tensor) -> torch.Tensor:
        """Energy ``mean((AE(s x) - s x)^2)`` of inputs in the input's units."""
        return self.energy_scaled(x * self.scale)

    def encoder_weight_norm(self) -> torch.Tensor:
        """Sum of the squared encoder weights of each member, shape ``(n_members,)``."""
        ae = self.autoencoder
        names = getattr(ae, "encoder_weight_names", None)
        if names is not None:
            names = set(names())
        n_enc = getattr(ae, "n_encoder_layers", None)
        total = 0.0
        for name, p in ae.named_parameters():
            if names is not None:
                if name not in names:
                    continue
            elif not name.startswith("weight_") or (
                    n_enc is not None and int(name.split("_")[1]) >= n_enc):
                continue
            total = total + p.pow(2).reshape(self.n_members, -1).sum(dim=1)
        return total


class StackedNAE(NAEModule):
    """:class:`NAEModule` around a newly built stacked autoencoder (for skorch).

    Parameters
    ----------
    scale : float, default=1.0
        Input scale.
    output_total : float or None, default=None
        See :class:`NAEModule`.
    base : type, default=StackedAutoencoder
        The stacked autoencoder class; ``**kwargs`` (``n_features``,
        ``latent_dim``, ``init_seeds``, ...) build it.
    """

    def __init__(self, scale=1.0, base=StackedAutoencoder, output_total=None, **kwargs):
        super().__init__(base(**kwargs), scale, output_total)


@dataclass(frozen=True)
class LangevinSchedule:
    """How the negatives are drawn (see :func:`sample_negatives`).

    Parameters
    ----------
    temperature : float
        ``T`` of ``exp(-E / T)``; the drift of both chains is ``grad E / T``.
    latent_steps, latent_step_size, latent_noise : int, float, float
        The latent chain: ``z <- z - step * grad_z E(D(z)) / T + noise * xi``
        (projected back onto the latent sphere or torus).
    data_steps, data_step_size, data_noise : int, float, float
        The data chain, started from the decoded latent samples, moving only
        the pixels the decoder lit; its noise decays as ``noise / (1 + k)``.
    replay_ratio : float
        Share of latent chains continued from the buffer (persistent chains).
    buffer_size : int
        Latent samples kept per member.
    total : float or None
        Total intensity every negative is rescaled to (non-negative, sum
        ``total``); ``None`` only clips at zero.
    start : {'data', 'uniform'}
        Where the latent chains start: at the codes of the training batch
        (short-run chains from the data; no replay), or uniformly on the
        latent manifold with ``replay_ratio`` of them continued from the
        buffer (Yoon et al.'s on-manifold initialisation).
    """

    temperature: float = 1.0
    latent_steps: int = 20
    latent_step_size: float = 0.1
    latent_noise: float = 0.02
    data_steps: int = 20
    data_step_size: float = 1.0
    data_noise: float = 0.005
    replay_ratio: float = 0.95
    buffer_size: int = 2000
    total: float | None = None
    start: str = "uniform"


def to_simplex(u: torch.Tensor, total: float | None) -> torch.Tensor:
    """Clip at zero and rescale each image (last axis) to sum ``total``.

    An all-zero image becomes uniform.  ``total=None`` only clips.

    Examples
    --------
    >>> import torch
    >>> from sktopo.nn._nae import to_simplex
    >>> to_simplex(torch.tensor([[1.0, -1.0, 3.0], [0.0, 0.0, 0.0]]), 2.0)
    tensor([[0.5000, 0.0000, 1.5000],
            [0.6667, 0.6667, 0.6667]])
    """
    u = u.clamp_min(0.0)
    if total is None:
        return u
    s = u.sum(dim=-1, keepdim=True)
    uniform = torch.full_like(u, total / u.shape[-1])
    return torch.where(s > 0, u * (total / s.clamp_min(torch.finfo(u.dtype).tiny)), uniform)


def _randn(shape, like, generator):
    return torch.randn(shape, generator=generator, device=like.device, dtype=like.dtype)


def latent_langevin(module, z, *, n_steps, step_size, noise, temperature, generator,
                    total=None):
    """Langevin chain on codes ``z`` ``(n_members, batch, width)`` under ``E(D(z))``.

    Returns the final codes (detached, on the latent manifold).  The module's
    parameters get no gradient.
    """
    space = module.latent_space
    for _ in range(n_steps):
        z = z.detach().requires_grad_(True)
        u = to_simplex(module.decode_scaled(z), total)
        (grad,) = torch.autograd.grad(module.energy_scaled(u).sum() / temperature, z)
        z = z.detach() - step_size * grad + noise * _randn(z.shape, z, generator)
        z = project_latent(z, space)
    return z.detach()


def data_langevin(module, u, *, n_steps, step_size, noise, temperature, generator,
                  total=None):
    """Langevin chain on scaled images ``u`` ``(n_members, batch, n_features)``.

    Only the pixels lit in the starting images move (the chain keeps the
    decoder's sparse support instead of leaking haze into every pixel); the
    noise decays as ``noise / (1 + step)``; after every step the images are
    clipped at zero and rescaled to ``total`` (:func:`to_simplex`).
    """
    support = (u > 0).to(u.dtype)
    for k in range(n_steps):
        u = u.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(module.energy_scaled(u).sum() / temperature, u)
        step = -step_size * grad + (noise / (1 + k)) * _randn(u.shape, u, generator)
        u = to_simplex(u.detach() + support * step, total)
    return u.detach()


def _initial_codes(module, n, generator, buffer, replay_ratio, like):
    """Fresh codes (uniform on the sphere/torus, standard normal in R^d), some replayed."""
    m = module.n_members
    width = buffer.shape[-1] if buffer is not None else None
    if width is None:
        width = module.encode(like[:, :1]).shape[-1]
    z = project_latent(_randn((m, n, width), like, generator), module.latent_space)
    if buffer is not None and buffer.shape[1] > 0 and replay_ratio > 0:
        use = torch.rand((m, n, 1), generator=generator, device=like.device) < replay_ratio
        idx = torch.randint(buffer.shape[1], (m, n), generator=generator, device=like.device)
        replayed = torch.gather(buffer, 1, idx.unsqueeze(-1).expand(-1, -1, width))
        z = torch.where(use, replayed, z)
    return z


def sample_negatives(module, n, schedule, generator, buffer=None, like=None):
    """Draw ``n`` negatives per member: a latent chain, the decoder, then a data chain.

    Parameters
    ----------
    module : NAEModule
    n : int
        Negatives per member.
    schedule : LangevinSchedule
    generator : torch.Generator
        On the module's device; the only source of randomness.
    buffer : torch.Tensor of shape (n_members, n_buffer, width) or None
        Latent samples of earlier calls (persistent chains).
    like : torch.Tensor of shape (n_members, n, n_features)
        The data batch (input units): its device and dtype, and, with
        ``schedule.start='data'``, the chains' starting points.

    Returns
    -------
    x : torch.Tensor of shape (n_members, n, n_features)
        Negatives in the input's units (detached).
    buffer : torch.Tensor or None
        The updated latent buffer (newest first, at most ``buffer_size``);
        unchanged with ``start='data'``.
    """
    requires = [p.requires_grad for p in module.parameters()]
    for p in module.parameters():
        p.requires_grad_(False)
    try:
        s = schedule
        if s.start == "data":
            with torch.no_grad():
                z0 = module.encode(like)
        else:
            z0 = _initial_codes(module, n, generator, buffer, s.replay_ratio, like)
        z = latent_langevin(module, z0, n_steps=s.latent_steps, step_size=s.latent_step_size,
                            noise=s.latent_noise, temperature=s.temperature,
                            generator=generator, total=s.total)
        with torch.no_grad():
            u = to_simplex(module.decode_scaled(z), s.total)
        u = data_langevin(module, u, n_steps=s.data_steps, step_size=s.data_step_size,
                          noise=s.data_noise, temperature=s.temperature, generator=generator,
                          total=s.total)
    finally:
        for p, r in zip(module.parameters(), requires):
            p.requires_grad_(r)
    if s.start == "data":  # short-run chains from the data: nothing to replay
        return u / module.scale, buffer
    new = z if buffer is None else torch.cat([z, buffer], dim=1)
    return u / module.scale, new[:, : s.buffer_size].detach()


class NAELoss(nn.Module):
    """Training criterion of the NAE (squared error until negatives arrive).

    Without ``negatives`` (pre-training, validation) it is the energy of the
    batch, per member averaged over the batch and summed over members.  With
    ``negatives`` (set by :class:`NegativeSampler` before each training
    batch) it is, per member,

    ``(mean E(x) - mean E(x_neg)) / T + gamma * mean E(x_neg)^2``

    summed over members (the regulariser of Yoon et al., not divided by
    ``T``; it keeps the negatives' energy from running away).
    ``member_losses`` holds the detached per-member mean energy of the batch
    (in both phases): what the loss curve records.

    Parameters
    ----------
    temperature : float, default=1.0
    gamma : float, default=1.0
    scale : float, default=1.0
        The input scale of the :class:`NAEModule` (energies are in scaled units).
    l2_encoder : float, default=0.0
        Coefficient of the squared encoder weights added in the NAE phase
        (``penalty_fn``, set with the negatives).
    """

    def __init__(self, temperature=1.0, gamma=1.0, scale=1.0, l2_encoder=0.0):
        super().__init__()
        self.temperature = float(temperature)
        self.gamma = float(gamma)
        self.scale = float(scale)
        self.l2_encoder = float(l2_encoder)
        self.penalty_fn = None
        self.negatives = None
        self.energy_fn = None  # set with the negatives: the module's energy (not a submodule)

    def forward(self, y_pred, target):
        n_features = target.shape[-1]
        pos = squared_error(y_pred, target) * (self.scale * self.scale) / n_features
        if self.negatives is None:
            losses = pos.mean(dim=-1)
        else:
            neg = self.energy_fn(self.negatives)
            t = self.temperature
            losses = (pos.mean(dim=-1) - neg.mean(dim=-1)) / t + self.gamma * (
                neg**2
            ).mean(dim=-1)
            if self.l2_encoder and self.penalty_fn is not None:
                losses = losses + self.l2_encoder * self.penalty_fn()
            self.negative_energy = neg.detach().mean(dim=-1)
        # Recorded (loss curve, divergence check, progress): the data's energy in both
        # phases.  The NAE loss itself is dominated by the regulariser and has no scale
        # comparable to the first batch's autoencoder loss.
        self.member_losses = pos.detach().mean(dim=-1)
        return losses.sum()


class NegativeSampler(Callback):
    """skorch callback: pre-train for ``pretrain_epochs``, then hand the loss negatives.

    From epoch ``pretrain_epochs + 1`` on, before every training batch it
    draws as many negatives per member as the batch has rows
    (:func:`sample_negatives`) and sets them on the net's criterion
    (:class:`NAELoss`); at the switch it sets the optimizer's learning rate
    to ``learning_rate`` and clears its state (Adam's moments).  Validation
    batches get no negatives.

    Parameters
    ----------
    schedule : LangevinSchedule
    pretrain_epochs : int
    learning_rate : float
    seed : int
        Seeds the ``torch.Generator`` of the chains.
    """

    def __init__(self, schedule, pretrain_epochs, learning_rate, seed):
        self.schedule = schedule
        self.pretrain_epochs = pretrain_epochs
        self.learning_rate = learning_rate
        self.seed = seed

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.generator_ = torch.Generator(device=net.device).manual_seed(int(self.seed))
        self.buffer_ = None
        self.active_ = False

    def on_epoch_begin(self, net, **kwargs):
        epoch = len(net.history)  # skorch has already appended this epoch's row
        if not self.active_ and epoch > self.pretrain_epochs:
            self.active_ = True
            # A fresh optimizer for the NAE phase: new learning rate, no moments
            # carried over from the autoencoder loss.
            net.optimizer_.state.clear()
            for group in net.optimizer_.param_groups:
                group["lr"] = self.learning_rate

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        criterion = net.criterion_
        if not (training and self.active_):
            criterion.negatives = None
            return
        x = batch[0]
        negatives, self.buffer_ = sample_negatives(
            net.module_, x.shape[1], self.schedule, self.generator_, self.buffer_, like=x
        )
        if not bool(torch.isfinite(negatives).all()):
            raise TrainingDivergedError(
                f"The Langevin negatives became non-finite at epoch {len(net.history)}: "
                f"lower latent_step_size / data_step_size or raise temperature."
            )
        criterion.negatives = negatives
        criterion.energy_fn = net.module_.energy
        criterion.penalty_fn = net.module_.encoder_weight_norm

    def on_train_end(self, net, **kwargs):
        criterion = net.criterion_
        criterion.negatives = criterion.energy_fn = criterion.penalty_fn = None
        self.buffer_ = None
