"""StackedVAE and StackedVAELoss: closed forms, the beta switch, member independence, noise."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from sktopo.nn import StackedVAE, StackedVAELoss
from sktopo.nn._vae import SCORES, kl_divergence, reconstruction_loss, vae_scores


def _vae(n_members=1, reconstruction="mse", **kwargs):
    kwargs.setdefault("hidden_layer_sizes", (5,))
    return StackedVAE(6, 2, reconstruction=reconstruction,
                      init_seeds=tuple(range(n_members)), **kwargs)


def test_kl_closed_form_by_hand():
    mu = torch.tensor([[[1.0, -2.0]]])
    logvar = torch.tensor([[[0.0, math.log(4.0)]]])
    # 0.5 * [(1 + 1 - 1 - 0) + (4 + 4 - 1 - log 4)]
    expected = 0.5 * (1.0 + 7.0 - math.log(4.0))
    assert kl_divergence(mu, logvar).item() == pytest.approx(expected, rel=1e-6)
    assert kl_divergence(torch.zeros(1, 3, 4), torch.zeros(1, 3, 4)).abs().max() == 0.0


@given(st.lists(st.floats(-3, 3), min_size=2, max_size=2),
       st.lists(st.floats(-3, 3), min_size=2, max_size=2))
def test_kl_matches_torch_distributions(mu, logvar):
    mu_t, lv_t = torch.tensor(mu, dtype=torch.float64), torch.tensor(logvar, dtype=torch.float64)
    q = torch.distributions.Normal(mu_t, torch.exp(0.5 * lv_t))
    p = torch.distributions.Normal(torch.zeros(2, dtype=torch.float64),
                                   torch.ones(2, dtype=torch.float64))
    expected = torch.distributions.kl_divergence(q, p).sum()
    assert kl_divergence(mu_t, lv_t).item() == pytest.approx(expected.item(), rel=1e-9, abs=1e-12)


def test_reconstruction_losses_by_hand():
    x = torch.tensor([[0.5, 0.25, 0.25]], dtype=torch.float64)
    out = torch.tensor([[0.4, 0.4, 0.2]], dtype=torch.float64)
    assert reconstruction_loss(out, x, "mse").item() == pytest.approx(0.01 + 0.0225 + 0.0025)
    logits = torch.log(out)  # softmax(log p) = p for a p of unit sum
    expected = -(0.5 * math.log(0.4) + 0.25 * math.log(0.4) + 0.25 * math.log(0.2))
    assert reconstruction_loss(logits, x, "cross_entropy").item() == pytest.approx(expected)
    # minimal (the entropy of x) at a perfect reconstruction
    entropy = -(0.5 * math.log(0.5) + 0.5 * math.log(0.25))
    assert reconstruction_loss(torch.log(x), x, "cross_entropy").item() == pytest.approx(entropy)
    with pytest.raises(ValueError, match="reconstruction must be one of"):
        reconstruction_loss(out, x, "l1")


def _logvar_grads(beta, training):
    module = _vae()
    module.train(training)
    x = torch.rand(1, 8, 6, generator=torch.Generator().manual_seed(1))
    loss = StackedVAELoss(beta=beta)(module(x), x)
    loss.backward()
    return module.logvar_weight.grad, module.logvar_bias.grad


def test_beta_zero_switches_kl_off():
    # At the mean (evaluation mode) the log-variance only enters through the KL term:
    # its head gets no gradient at all with beta = 0, a nonzero one with beta > 0.
    w_grad, b_grad = _logvar_grads(0.0, training=False)
    assert w_grad is None or torch.count_nonzero(w_grad) == 0
    assert b_grad is None or torch.count_nonzero(b_grad) == 0
    w_grad, b_grad = _logvar_grads(0.5, training=False)
    assert torch.count_nonzero(w_grad) > 0 and torch.count_nonzero(b_grad) > 0
    assert not StackedVAELoss(beta=0.0).use_kl and StackedVAELoss(beta=1e-8).use_kl


@pytest.mark.parametrize("reconstruction", ["mse", "cross_entropy"])
def test_loss_is_reconstruction_plus_beta_kl(reconstruction):
    # With the same noise, loss(beta) - loss(0) is exactly beta times the batch-mean KL.
    x = torch.softmax(torch.rand(2, 10, 6, generator=torch.Generator().manual_seed(0)), -1)
    losses = {}
    for beta in (0.0, 0.3):
        module = _vae(2, reconstruction)
        module.train()
        y_pred = module(x)
        crit = StackedVAELoss(beta=beta, reconstruction=reconstruction)
        losses[beta] = (crit(y_pred, x).item(), crit.member_losses.clone())
    kl = kl_divergence(y_pred[1], y_pred[2]).mean(dim=-1).detach()
    assert torch.allclose(losses[0.3][1] - losses[0.0][1], 0.3 * kl, rtol=1e-5, atol=1e-6)
    assert losses[0.3][0] == pytest.approx(float(losses[0.3][1].sum()), rel=1e-6)


def test_per_member_beta():
    x = torch.rand(3, 7, 6, generator=torch.Generator().manual_seed(0))
    module = _vae(3).eval()
    y_pred = module(x)
    crit = StackedVAELoss(beta=[0.0, 1.0, 2.0])
    crit(y_pred, x)
    rec = reconstruction_loss(y_pred[0], x, "mse").mean(-1)
    kl = kl_divergence(y_pred[1], y_pred[2]).mean(-1)
    expected = rec + torch.tensor([0.0, 1.0, 2.0]) * kl
    assert torch.allclose(crit.member_losses, expected.detach())


@pytest.mark.parametrize("beta", [-1.0, float("nan"), [[1.0]]])
def test_bad_beta(beta):
    with pytest.raises(ValueError, match="beta must be"):
        StackedVAELoss(beta=beta)


def test_bad_reconstruction():
    with pytest.raises(ValueError, match="reconstruction must be one of"):
        StackedVAE(6, 2, reconstruction="l1")
    with pytest.raises(ValueError, match="reconstruction must be one of"):
        StackedVAELoss(reconstruction="l1")


def test_members_do_not_mix_and_noise_is_per_member():
    # A member's weights and its noise depend on its own seed only, not on the stack.
    x = torch.rand(1, 5, 6, generator=torch.Generator().manual_seed(3))
    alone = StackedVAE(6, 2, hidden_layer_sizes=(5,), init_seeds=(7,)).train()
    stack = StackedVAE(6, 2, hidden_layer_sizes=(5,), init_seeds=(1, 7)).train()
    for name, p in alone.named_parameters():
        assert torch.equal(p[0], getattr(stack, name)[1])
    out_alone = alone(x)[0]
    out_stack = stack(x.expand(2, -1, -1))[0]
    assert torch.allclose(out_alone[0], out_stack[1], atol=1e-6)
    # training mode samples (two calls differ), evaluation mode uses the mean (identical)
    assert not torch.equal(alone(x)[0], alone(x)[0])
    alone.eval()
    assert torch.equal(alone(x)[0], alone(x)[0])
    assert torch.equal(alone(x)[0], alone.decode(alone.encode(x)))


def test_cross_entropy_output_is_softmax():
    module = _vae(reconstruction="cross_entropy").eval()
    x = torch.rand(1, 4, 6)
    assert torch.allclose(module.reconstruct(x).sum(-1), torch.ones(1, 4, dtype=x.dtype))
    logits = module(x)[0]
    assert torch.allclose(torch.softmax(logits, -1), module.reconstruct(x))


def test_scores_by_hand_on_a_tiny_net():
    # Zero hidden layers: mu = x W_mu + b_mu, logvar = x W_lv + b_lv, x_hat = mu W_d + b_d.
    module = StackedVAE(3, 1, hidden_layer_sizes=(), init_seeds=(0,), init="torch").double()
    with torch.no_grad():
        module.mu_weight.copy_(torch.tensor([[[1.0], [0.0], [-1.0]]]))
        module.mu_bias.fill_(0.5)
        module.logvar_weight.copy_(torch.tensor([[[0.0], [2.0], [0.0]]]))
        module.logvar_bias.fill_(-1.0)
        module.dec0_weight.copy_(torch.tensor([[[1.0, 2.0, 0.0]]]))
        module.dec0_bias.copy_(torch.tensor([[[0.0, 0.0, 1.0]]]))
    X = np.array([[1.0, 0.5, 2.0], [0.0, 0.0, 0.0]])
    mu = X @ np.array([1.0, 0.0, -1.0]) + 0.5           # [-0.5, 0.5]
    logvar = X @ np.array([0.0, 2.0, 0.0]) - 1.0         # [0.0, -1.0]
    x_hat = mu[:, None] * np.array([1.0, 2.0, 0.0]) + np.array([0.0, 0.0, 1.0])
    rec = ((x_hat - X) ** 2).sum(1)
    kl = 0.5 * (mu**2 + np.exp(logvar) - 1 - logvar)
    beta = 0.7
    got = vae_scores(module, X, beta=beta)
    expected = {"reconstruction": rec, "kl": kl, "elbo": rec + beta * kl,
                "latent_norm": np.abs(mu)}
    for i, name in enumerate(SCORES):
        np.testing.assert_allclose(got[:, i], expected[name], rtol=1e-12, err_msg=name)


def test_scores_do_not_depend_on_chunks():
    module = _vae(2)
    X = np.random.RandomState(0).rand(50, 6)
    import sktopo.nn._vae as vae_mod

    full = vae_scores(module, X, beta=[0.1, 1.0], member=None)
    assert full.shape == (2, 50, 4)
    chunked = vae_mod.apply_chunked(vae_mod._MethodView(module, "anomaly_scores",
                                                        beta=[0.1, 1.0]),
                                    X, "reconstruct", rows=7)
    np.testing.assert_allclose(full, chunked, rtol=1e-13)


def test_conv_vae_members_do_not_mix():
    from sktopo.nn._vae import StackedConvVAE

    kw = dict(channels=(2, 2), dense_width=4, n_pool=1)
    alone = StackedConvVAE((6, 6), 2, init_seeds=(7,), **kw)
    stack = StackedConvVAE((6, 6), 2, init_seeds=(1, 7), **kw)
    x = torch.rand(1, 4, 36, generator=torch.Generator().manual_seed(0))
    for module in (alone, stack):
        module.train()
    out_alone, mu_alone, _ = alone(x)
    out_stack, mu_stack, _ = stack(x.expand(2, -1, -1))
    assert torch.allclose(out_alone[0], out_stack[1], atol=1e-6)
    assert torch.allclose(mu_alone[0], mu_stack[1], atol=1e-6)
    assert stack.dense2_weight.shape == (2, 2, 4)  # the decoder takes latent_dim numbers
    alone.eval()
    assert torch.equal(alone(x)[0], alone(x)[0])
    # at the mean the log-variance half of the code layer only enters through the KL
    x_unit = torch.softmax(x, -1)
    for beta, expect_grad in ((0.0, False), (1.0, True)):
        alone.zero_grad()
        StackedVAELoss(beta=beta)(alone(x_unit), x_unit).backward()
        logvar_cols = alone.dense1_weight.grad[..., 2:]
        assert bool(torch.count_nonzero(logvar_cols)) == expect_grad
