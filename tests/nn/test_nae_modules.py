"""The NAE's torch parts: energy, Langevin chains, negatives, loss."""

import numpy as np
import pytest
import torch

from sktopo.nn import StackedAutoencoder
from sktopo.nn._modules import squared_error
from sktopo.nn._nae import (
    LangevinSchedule,
    NAELoss,
    NAEModule,
    data_langevin,
    latent_langevin,
    sample_negatives,
    to_simplex,
)


def _module(n_members=2, n_features=16, latent_space="sphere", scale=2.0):
    ae = StackedAutoencoder(
        n_features, 3, hidden_layer_sizes=(8,), activation="relu",
        init_seeds=tuple(range(n_members)), output_activation="relu", latent_space=latent_space,
    )
    return NAEModule(ae, scale=scale)


def _batch(n_members=2, n=5, n_features=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand((n, n_features), generator=g) ** 4
    x = x / x.sum(dim=1, keepdim=True)
    return x.unsqueeze(0).expand(n_members, -1, -1).contiguous()


def test_to_simplex_by_hand():
    u = torch.tensor([[1.0, -1.0, 3.0], [0.0, 0.0, 0.0]])
    torch.testing.assert_close(to_simplex(u, 2.0),
                               torch.tensor([[0.5, 0.0, 1.5], [2 / 3, 2 / 3, 2 / 3]]))
    torch.testing.assert_close(to_simplex(u, None), torch.tensor([[1.0, 0.0, 3.0],
                                                                   [0.0, 0.0, 0.0]]))


def test_energy_is_scaled_mean_squared_error():
    module = _module(scale=3.0)
    x = _batch()
    expected = squared_error(module.autoencoder(3.0 * x), 3.0 * x) / x.shape[-1]
    torch.testing.assert_close(module.energy(x), expected)
    # forward is in the input's units: the library's squared error is E * n / s^2
    torch.testing.assert_close(squared_error(module(x), x) * 9.0 / x.shape[-1], expected)
    assert module.energy(x).shape == (2, 5)


def test_softmax_output_is_multiplied_by_the_images_total():
    # A softmax output sums to one; with output_total it is compared with the scaled input.
    ae = StackedAutoencoder(16, 3, hidden_layer_sizes=(8,), init_seeds=(0, 1),
                            output_activation="softmax", latent_space="sphere")
    module = NAEModule(ae, scale=3.0, output_total=3.0)
    x = _batch()
    u = 3.0 * x
    expected = squared_error(ae(u) * 3.0, u) / 16
    torch.testing.assert_close(module.energy(x), expected)
    torch.testing.assert_close(module.energy_scaled(u), expected)
    # decoded images: total 3 in scaled units, 1 in the input's units (as the images)
    z = module.encode(x)
    torch.testing.assert_close(module.decode_scaled(z).sum(-1), torch.full((2, 5), 3.0))
    torch.testing.assert_close(module(x).sum(-1), torch.ones(2, 5))
    # without output_total the same network is off by the scale
    assert not torch.allclose(NAEModule(ae, scale=3.0).energy(x), expected)


def test_latent_chain_stays_on_the_sphere_and_is_seeded():
    module = _module()
    z0 = torch.nn.functional.normalize(torch.randn(2, 7, 4, generator=torch.Generator()
                                                   .manual_seed(1)), dim=-1)
    kw = dict(n_steps=5, step_size=0.1, noise=0.05, temperature=1e-3, total=None)
    z1 = latent_langevin(module, z0, generator=torch.Generator().manual_seed(3), **kw)
    z2 = latent_langevin(module, z0, generator=torch.Generator().manual_seed(3), **kw)
    z3 = latent_langevin(module, z0, generator=torch.Generator().manual_seed(4), **kw)
    torch.testing.assert_close(z1.norm(dim=-1), torch.ones(2, 7))
    assert torch.equal(z1, z2)
    assert not torch.equal(z1, z3)
    assert not z1.requires_grad


def test_data_chain_keeps_support_sign_and_total():
    module = _module()
    u0 = 2.0 * _batch()
    u0[:, :, :4] = 0.0  # four dark pixels
    u0 = to_simplex(u0, 2.0)
    u = data_langevin(module, u0, n_steps=10, step_size=1.0, noise=0.1, temperature=1.0,
                      generator=torch.Generator().manual_seed(0), total=2.0)
    assert torch.all(u >= 0)
    assert torch.all(u[:, :, :4] == 0)  # the chain only moves lit pixels
    torch.testing.assert_close(u.sum(dim=-1), torch.full((2, 5), 2.0))
    assert not torch.equal(u, u0)


@pytest.mark.parametrize("latent_space", ["sphere", "euclidean"])
def test_sample_negatives_reproducible_nonnegative_and_buffered(latent_space):
    module = _module(latent_space=latent_space)
    x = _batch()
    schedule = LangevinSchedule(latent_steps=3, data_steps=3, buffer_size=8, total=2.0)
    a, buf_a = sample_negatives(module, 5, schedule, torch.Generator().manual_seed(0), like=x)
    b, buf_b = sample_negatives(module, 5, schedule, torch.Generator().manual_seed(0), like=x)
    assert torch.equal(a, b) and torch.equal(buf_a, buf_b)
    assert a.shape == (2, 5, 16)
    assert torch.all(a >= 0)
    # total 2.0 in scaled units = 1.0 in the input's units (scale 2): unit-sum images
    torch.testing.assert_close(a.sum(dim=-1), torch.ones(2, 5))
    c, buf_c = sample_negatives(module, 5, schedule, torch.Generator().manual_seed(1),
                                buffer=buf_a, like=x)
    assert buf_c.shape == (2, 8, buf_a.shape[-1])  # capped at buffer_size
    assert not torch.equal(a, c)
    # parameters are left trainable, with no gradient accumulated
    assert all(p.requires_grad and p.grad is None for p in module.parameters())


def test_nae_loss_by_hand():
    module = _module(scale=2.0)
    x = _batch()
    neg = _batch(seed=5)
    y_pred = module(x)
    loss_fn = NAELoss(temperature=0.5, gamma=0.1, scale=2.0)
    pos = module.energy(x)
    # pre-training: the energy of the batch
    torch.testing.assert_close(loss_fn(y_pred, x), pos.mean(dim=-1).sum())
    loss_fn.negatives, loss_fn.energy_fn = neg, module.energy
    e_neg = module.energy(neg)
    expected = ((pos.mean(-1) - e_neg.mean(-1)) / 0.5 + 0.1 * (e_neg**2).mean(-1))
    torch.testing.assert_close(loss_fn(y_pred, x), expected.sum())
    torch.testing.assert_close(loss_fn.member_losses, pos.mean(dim=-1).detach())
    # the gradient reaches the module through both terms
    loss_fn(module(x), x).backward()
    assert all(p.grad is not None for p in module.parameters())


def test_negatives_move_towards_low_energy_at_low_temperature():
    """With a cold chain and no noise the latent chain lowers the decoded energy."""
    torch.manual_seed(0)
    module = _module(n_members=1)
    g = torch.Generator().manual_seed(0)
    z0 = torch.nn.functional.normalize(torch.randn(1, 64, 4, generator=g), dim=-1)
    z = latent_langevin(module, z0, n_steps=30, step_size=1e-2, noise=0.0, temperature=1e-3,
                        generator=g, total=None)
    with torch.no_grad():
        before = module.energy_scaled(module.decode_scaled(z0)).mean()
        after = module.energy_scaled(module.decode_scaled(z)).mean()
    assert float(after) < float(before)
    assert np.isfinite(float(after))
