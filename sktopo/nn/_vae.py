"""A stack of independent variational autoencoders and their loss (arXiv:1312.6114).

:class:`StackedVAE` holds ``n_members`` dense VAEs of one shape, laid out as
:class:`~sktopo.nn.StackedAutoencoder` lays out autoencoders: every weight has
shape ``(n_members, fan_in, fan_out)``, every layer is one ``baddbmm`` and
member ``k`` only ever sees slice ``k`` of the input, of every weight and of the
reparameterisation noise.  The encoder ends in two heads, the mean ``mu`` and
the log-variance ``logvar`` of the Gaussian ``q(z|x)``; in training mode the
decoder sees ``z = mu + exp(logvar / 2) * eps``, with ``eps`` drawn from a CPU
generator of the member's own (seeded from its initialisation seed, so a fit
is bitwise reproducible), and in evaluation mode it sees ``mu``: every score and
code the library returns is deterministic.

:class:`StackedVAELoss` is the training loss on sktopo's one training path
(:func:`~sktopo.nn.train_stacked`): reconstruction + ``beta`` x KL, per member,
with ``beta`` a number or one number per member.  ``beta = 0`` does not compute
the KL term at all.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from sktopo.nn._conv import StackedConvAutoencoder
from sktopo.nn._inference import apply_chunked, inference_row_bytes
from sktopo.nn._modules import init_layer, make_activation, make_activations

__all__ = [
    "RECONSTRUCTIONS",
    "SCORES",
    "StackedConvVAE",
    "StackedVAE",
    "StackedVAELoss",
    "kl_divergence",
    "reconstruction_loss",
    "vae_reconstruct",
    "vae_scores",
]

#: Reconstruction metrics: squared error, and the cross-entropy of a softmax output.
RECONSTRUCTIONS = ("mse", "cross_entropy")

#: Anomaly scores a VAE gives, in the column order of :meth:`StackedVAE.anomaly_scores`.
SCORES = ("reconstruction", "kl", "elbo", "latent_norm")


def reconstruction_loss(output: torch.Tensor, x: torch.Tensor, metric: str) -> torch.Tensor:
    r"""Per-sample reconstruction loss, summed over the last (feature) axis.

    ``'mse'``: :math:`\sum_j (\hat x_j - x_j)^2` with ``output`` the
    reconstruction :math:`\hat x`.  ``'cross_entropy'``: :math:`-\sum_j x_j
    \log \hat x_j` with :math:`\hat x = \mathrm{softmax}(\text{output})`, so
    ``output`` are the decoder's logits (computed with ``log_softmax``, which
    stays finite where a pixel's probability underflows).  For inputs of unit
    sum it is minimal, equal to the entropy of ``x``, at :math:`\hat x = x`.
    """
    if metric == "mse":
        return (output - x).pow(2).sum(dim=-1)
    if metric == "cross_entropy":
        return -(x * torch.log_softmax(output, dim=-1)).sum(dim=-1)
    raise ValueError(f"reconstruction must be one of {RECONSTRUCTIONS}, got {metric!r}.")


def kl_divergence(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    r"""KL divergence of :math:`N(\mu, \mathrm{diag}\, e^{\log\sigma^2})` from :math:`N(0, I)`.

    :math:`\tfrac12 \sum_i (\mu_i^2 + \sigma_i^2 - 1 - \log \sigma_i^2)`, summed
    over the last (latent) axis; zero exactly at ``mu = 0, logvar = 0``.
    """
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=-1)


def _noise_seed(seed: int) -> int:
    """Seed of a member's reparameterisation noise, derived from its init seed."""
    return int(np.random.SeedSequence([int(seed), 0x5EED]).generate_state(1)[0])


class _VariationalMixin:
    """What every stacked VAE shares, given ``encode_stats`` and ``decode_raw``.

    ``encode_stats(x)`` gives the mean and log-variance of ``q(z|x)``;
    ``decode_raw(z)`` the decoder's output before the output activation.
    """

    def _setup_variational(self, reconstruction, output_activation, init_seeds):
        if reconstruction not in RECONSTRUCTIONS:
            raise ValueError(
                f"reconstruction must be one of {RECONSTRUCTIONS}, got {reconstruction!r}."
            )
        self.reconstruction = reconstruction
        # not ``output_activation``: a convolutional parent's decoder must stay raw
        self.final_activation = (
            make_activations("softmax") if reconstruction == "cross_entropy"
            else make_activations(output_activation)
        )
        self.noise_seeds = tuple(_noise_seed(s) for s in init_seeds)
        self._generators = [torch.Generator().manual_seed(s) for s in self.noise_seeds]

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Latent codes: the encoder means, ``(n_members, batch, latent_dim)``."""
        return self.encode_stats(x)[0]

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Reconstructions, ``(n_members, batch, n_features)``."""
        out = self.decode_raw(z)
        return out if self.final_activation is None else self.final_activation(out)

    def _loss_input(self, z):
        """What :func:`reconstruction_loss` compares with ``x``: logits or reconstruction."""
        return self.decode_raw(z) if self.reconstruction == "cross_entropy" else self.decode(z)

    def sample_noise(self, shape, device, dtype) -> torch.Tensor:
        """Standard normal noise ``(n_members, *shape)``, member ``k`` from its own generator."""
        eps = torch.stack([torch.randn(shape, generator=g) for g in self._generators])
        return eps.to(device=device, dtype=dtype)

    def forward(self, x: torch.Tensor):
        """``(output, mu, logvar)``; ``output`` as :func:`reconstruction_loss` expects.

        In training mode the decoder sees a reparameterised sample of
        ``q(z|x)``; in evaluation mode it sees the mean.
        """
        mu, logvar = self.encode_stats(x)
        z = mu
        if self.training:
            z = mu + torch.exp(0.5 * logvar) * self.sample_noise(mu.shape[1:], mu.device, mu.dtype)
        return self._loss_input(z), mu, logvar

    def anomaly_scores(self, x: torch.Tensor, beta) -> torch.Tensor:
        """Every score of :data:`SCORES` from the encoder mean, ``(n_members, batch, 4)``.

        ``reconstruction``: the loss of the decoded mean; ``kl``: KL of
        ``q(z|x)`` from the prior; ``elbo``: ``reconstruction + beta * kl``
        (the negative ELBO with the sample replaced by the mean, i.e. the
        training loss without noise); ``latent_norm``: ``|mu|``.
        """
        mu, logvar = self.encode_stats(x)
        rec = reconstruction_loss(self._loss_input(mu), x, self.reconstruction)
        kl = kl_divergence(mu, logvar)
        beta = torch.as_tensor(beta, dtype=mu.dtype, device=mu.device).reshape(-1, 1)
        return torch.stack([rec, kl, rec + beta * kl, mu.norm(dim=-1)], dim=-1)

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstructions of the encoder means, ``(n_members, batch, n_features)``."""
        return self.decode(self.encode(x))


class StackedVAE(_VariationalMixin, nn.Module):
    """``n_members`` independent dense variational autoencoders as one batched network.

    Encoder widths ``(n_features, *hidden_layer_sizes)`` followed by two
    linear heads of ``latent_dim`` (mean and log-variance); decoder widths
    ``(latent_dim, *reversed(hidden_layer_sizes), n_features)``.  The
    activation acts on hidden layers only.

    Parameters
    ----------
    n_features : int
        Input (and output) dimension.
    latent_dim : int
        Width of the latent code.
    hidden_layer_sizes : sequence of int, default=(64,)
        Hidden widths of the encoder; the decoder mirrors them.  May be empty.
    activation : str, default='relu'
        Name in :data:`~sktopo.nn.ACTIVATIONS`.
    output_activation : str, sequence of str or None, default=None
        Activation(s) of the reconstruction (``'mse'`` only; with
        ``'cross_entropy'`` the output is always a softmax).
    reconstruction : {'mse', 'cross_entropy'}, default='mse'
        Metric of :func:`reconstruction_loss`.  It decides what :meth:`forward`
        returns first: the reconstruction (``'mse'``) or the logits whose
        softmax is the reconstruction (``'cross_entropy'``).
    init_seeds : sequence of int
        One seed per member: member ``k``'s weights come from a generator
        seeded with ``init_seeds[k]`` alone, its noise from a second generator
        derived from the same seed.
    init : {'keras', 'torch'}, default='keras'
        Initialisation, see :func:`~sktopo.nn.init_layer`.

    Notes
    -----
    Inputs have shape ``(n_members, batch, n_features)``.

    Examples
    --------
    >>> import torch
    >>> from sktopo.nn import StackedVAE
    >>> vae = StackedVAE(10, 2, hidden_layer_sizes=(8,), init_seeds=(0, 1)).eval()
    >>> output, mu, logvar = vae(torch.rand(2, 5, 10))  # two members, five rows
    >>> output.shape, mu.shape
    (torch.Size([2, 5, 10]), torch.Size([2, 5, 2]))
    """

    def __init__(
        self,
        n_features: int,
        latent_dim: int,
        hidden_layer_sizes: Sequence[int] = (64,),
        activation: str = "relu",
        output_activation: str | Sequence[str] | None = None,
        reconstruction: str = "mse",
        init_seeds: Sequence[int] = (0,),
        init: str = "keras",
    ):
        super().__init__()
        self._setup_variational(reconstruction, output_activation, init_seeds)
        hidden = tuple(int(h) for h in hidden_layer_sizes)
        self.n_features = int(n_features)
        self.latent_dim = int(latent_dim)
        self.init = init
        self.n_members = len(init_seeds)
        self.activation = make_activation(activation)
        enc = (self.n_features, *hidden)
        dec = (self.latent_dim, *reversed(hidden), self.n_features)
        self.widths = (*enc, 2 * self.latent_dim, *dec[1:])
        shapes = {f"enc{i}": (a, b) for i, (a, b) in enumerate(zip(enc[:-1], enc[1:]))}
        shapes["mu"] = shapes["logvar"] = (enc[-1], self.latent_dim)
        shapes.update({f"dec{i}": (a, b) for i, (a, b) in enumerate(zip(dec[:-1], dec[1:]))})
        self._n_enc, self._n_dec = len(enc) - 1, len(dec) - 1
        members = [self._init_member(shapes, seed) for seed in init_seeds]
        for name in shapes:
            for j, suffix in enumerate(("weight", "bias")):
                stacked = torch.stack([m[name][j] for m in members])
                self.register_parameter(f"{name}_{suffix}", nn.Parameter(stacked))

    def _init_member(self, shapes, seed):
        gen = torch.Generator().manual_seed(int(seed))
        return {name: init_layer((a, b), a, b, (1, b), self.init, gen)
                for name, (a, b) in shapes.items()}

    def _layer(self, x, name):
        p = self._parameters
        return torch.baddbmm(p[f"{name}_bias"], x, p[f"{name}_weight"])

    def encode_stats(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and log-variance of ``q(z|x)``, each ``(n_members, batch, latent_dim)``."""
        for i in range(self._n_enc):
            x = self.activation(self._layer(x, f"enc{i}"))
        return self._layer(x, "mu"), self._layer(x, "logvar")

    def decode_raw(self, z: torch.Tensor) -> torch.Tensor:
        """The decoder's last layer before the output activation."""
        for i in range(self._n_dec):
            z = self._layer(z, f"dec{i}")
            if i != self._n_dec - 1:
                z = self.activation(z)
        return z

class StackedConvVAE(_VariationalMixin, StackedConvAutoencoder):
    """``n_members`` independent convolutional VAEs for images, as one network.

    The network of :class:`~sktopo.nn.StackedConvAutoencoder` (grouped
    convolutions, one group per member) whose last encoder layer gives
    ``2 * latent_dim`` numbers per image, the mean and the log-variance of
    ``q(z|x)``; the decoder takes ``latent_dim``.  Noise, scores and the
    output activation are those of :class:`StackedVAE`.

    Parameters
    ----------
    image_shape : tuple of int
        ``(height, width)`` of the unpadded images.
    latent_dim : int
        Width of the latent code.
    channels, n_pool, dense_width, kernel_size, activation, init
        As for :class:`~sktopo.nn.StackedConvAutoencoder`.
    output_activation : str, sequence of str or None, default='softmax'
        Activation(s) of the reconstruction with ``'mse'``.
    reconstruction : {'mse', 'cross_entropy'}, default='mse'
        Metric of :func:`reconstruction_loss`.
    init_seeds : sequence of int
        One seed per member.

    Examples
    --------
    >>> import torch
    >>> from sktopo.nn import StackedConvVAE
    >>> vae = StackedConvVAE((8, 8), 2, channels=(2, 2), dense_width=4, init_seeds=(0,)).eval()
    >>> output, mu, logvar = vae(torch.rand(1, 3, 64))
    >>> output.shape, logvar.shape
    (torch.Size([1, 3, 64]), torch.Size([1, 3, 2]))
    """

    def __init__(
        self,
        image_shape: Sequence[int],
        latent_dim: int = 6,
        channels: Sequence[int] = (16, 16, 16),
        n_pool: int = 2,
        dense_width: int = 32,
        kernel_size: int = 3,
        activation: str = "relu",
        output_activation: str | Sequence[str] | None = "softmax",
        reconstruction: str = "mse",
        init_seeds: Sequence[int] = (0,),
        init: str = "keras",
    ):
        # The parent's code layer is the (mean, log-variance) pair; its output stays raw.
        super().__init__(image_shape, 2 * int(latent_dim), channels, n_pool, dense_width,
                         kernel_size, activation, None, None, init_seeds, init)
        self._setup_variational(reconstruction, output_activation, init_seeds)
        self.latent_dim = int(latent_dim)
        # the decoder's first layer takes latent_dim numbers, not 2 * latent_dim
        weights, biases = zip(*(
            init_layer((self.latent_dim, dense_width), self.latent_dim, dense_width,
                       (1, dense_width), init, torch.Generator().manual_seed(_noise_seed(s) + 1))
            for s in init_seeds))
        self.dense2_weight = nn.Parameter(torch.stack(weights))
        self.dense2_bias = nn.Parameter(torch.stack(biases))
        self.widths = (self.widths[0], self.latent_dim)

    def encode_stats(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and log-variance of ``q(z|x)``, each ``(n_members, batch, latent_dim)``."""
        stats = StackedConvAutoencoder.encode(self, x)
        return stats[..., : self.latent_dim], stats[..., self.latent_dim :]

    def decode_raw(self, z: torch.Tensor) -> torch.Tensor:
        """The decoder's output before the output activation (flattened images)."""
        return StackedConvAutoencoder.decode(self, z)


class StackedVAELoss(nn.Module):
    r"""Training loss of :class:`StackedVAE`: reconstruction + ``beta`` x KL, per member.

    Returns the sum over members of each member's batch mean of
    :func:`reconstruction_loss` :math:`+\ \beta_k` :func:`kl_divergence`
    (summing keeps every member's gradient the one it would get alone) and
    keeps the detached per-member means in ``member_losses``.

    Parameters
    ----------
    beta : float or sequence of float, default=1.0
        Weight of the KL term, one for all members or one per member.  When
        every weight is zero the KL term is not computed at all (the loss is
        the reconstruction alone; the log-variance head then only acts
        through the noise of the sample).
    reconstruction : {'mse', 'cross_entropy'}, default='mse'
        Metric of :func:`reconstruction_loss`.

    Examples
    --------
    >>> import torch
    >>> from sktopo.nn import StackedVAE, StackedVAELoss
    >>> vae = StackedVAE(10, 2, hidden_layer_sizes=(8,), init_seeds=(0, 1))
    >>> x = torch.rand(2, 5, 10)
    >>> loss = StackedVAELoss(beta=[0.0, 1.0])(vae(x), x)  # beta per member
    >>> loss.shape, StackedVAELoss(beta=0.0).use_kl
    (torch.Size([]), False)
    """

    def __init__(self, beta=1.0, reconstruction="mse"):
        super().__init__()
        if reconstruction not in RECONSTRUCTIONS:
            raise ValueError(
                f"reconstruction must be one of {RECONSTRUCTIONS}, got {reconstruction!r}."
            )
        betas = np.atleast_1d(np.asarray(beta, dtype=np.float64))
        if betas.ndim != 1 or not np.all(np.isfinite(betas)) or np.any(betas < 0):
            raise ValueError(f"beta must be finite and >= 0, got {beta!r}.")
        self.reconstruction = reconstruction
        self.use_kl = bool(np.any(betas > 0))
        self.register_buffer("beta", torch.as_tensor(betas, dtype=torch.float32).reshape(-1, 1))

    def member_terms(self, y_pred, target):
        """``(reconstruction, kl)`` per member and sample (``kl`` is None when off)."""
        output, mu, logvar = y_pred
        rec = reconstruction_loss(output, target, self.reconstruction)
        return rec, (kl_divergence(mu, logvar) if self.use_kl else None)

    def forward(self, y_pred, target: torch.Tensor) -> torch.Tensor:
        rec, kl = self.member_terms(y_pred, target)
        total = rec if kl is None else rec + self.beta.to(rec.dtype) * kl
        member_losses = total.mean(dim=-1)
        self.member_losses = member_losses.detach()
        return member_losses.sum()


class _MethodView(nn.Module):
    """A module whose forward is one method of a :class:`StackedVAE` (for chunked scoring)."""

    def __init__(self, module, method, **kwargs):
        super().__init__()
        self.module = module
        self.method = method
        self.kwargs = kwargs
        self.n_members = module.n_members
        for name in ("auto_scoring_dtype", "min_chunk_rows"):
            if hasattr(module, name):
                setattr(self, name, getattr(module, name))

    def forward(self, x):
        return getattr(self.module, self.method)(x, **self.kwargs)

    def row_bytes(self):
        return inference_row_bytes(self.module)

    def encode(self, x):
        return self.module.encode(x)

    def decode(self, z):
        return self.module.decode(z)


def vae_scores(module, X, *, beta, member=0, n_threads=1, verbose=0):
    """All :data:`SCORES` of ``X`` for one member, in bounded-memory float64 chunks.

    Parameters
    ----------
    module : StackedVAE
        A trained module.
    X : ndarray of shape (n_samples, n_features)
    beta : float or sequence of float
        KL weight(s) of the ``'elbo'`` score (one per member, or one for all).
    member : int or None, default=0
        Member to score with (``None``: all, giving an extra leading axis).

    Returns
    -------
    scores : ndarray of shape (n_samples, 4) or (n_members, n_samples, 4)
        Columns in the order of :data:`SCORES`.
    """
    view = _MethodView(module, "anomaly_scores", beta=beta)
    return apply_chunked(view, X, "reconstruct", members=member, n_threads=n_threads,
                         verbose=verbose)


def vae_reconstruct(module, X, *, member=0, n_threads=1, verbose=0):
    """Reconstructions of the encoder means (``(n_samples, n_features)``), chunked."""
    return apply_chunked(_MethodView(module, "reconstruct"), X, "reconstruct", members=member,
                         n_threads=n_threads, verbose=verbose)

