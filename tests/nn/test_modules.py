"""The stacked autoencoder: members are independent networks sharing one batched pass."""

import numpy as np
import pytest
import torch

from sktopo.nn import MemberBatches, StackedAutoencoder, StackedSquaredError, TemperedTanh


def test_tempered_tanh_values():
    x = torch.tensor([-1.0, 0.0, 0.3, 2.0], dtype=torch.float64)
    np.testing.assert_allclose(TemperedTanh(5.0)(x).numpy(), np.tanh(5 * x.numpy()) / 5)
    np.testing.assert_allclose(TemperedTanh(1.0)(x).numpy(), np.tanh(x.numpy()))


def test_widths_and_default_init_bounds():
    m = StackedAutoencoder(3, 1, (8, 4), init_seeds=(0, 1))
    assert m.widths == (3, 8, 4, 1, 4, 8, 3)
    assert m.weight_0.shape == (2, 3, 8) and m.bias_0.shape == (2, 1, 8)
    for i, fan_in in enumerate(m.widths[:-1]):
        w = getattr(m, f"weight_{i}")
        assert float(w.detach().abs().max()) <= 1 / np.sqrt(fan_in)


def test_member_init_independent_of_stack():
    alone = StackedAutoencoder(2, 1, (16,), init_seeds=(7,))
    stacked = StackedAutoencoder(2, 1, (16,), init_seeds=(3, 7, 11))
    for name, p in alone.named_parameters():
        torch.testing.assert_close(getattr(stacked, name)[1:2], p, rtol=0, atol=0)


def test_members_do_not_mix_forward_and_gradient():
    torch.manual_seed(0)  # test-only global seed for the input data
    seeds = (1, 2, 3)
    stacked = StackedAutoencoder(3, 2, (8,), init_seeds=seeds).double()
    x = torch.randn(3, 10, 3, dtype=torch.float64)
    loss = StackedSquaredError()(stacked(x), x)
    loss.backward()
    for k, seed in enumerate(seeds):
        alone = StackedAutoencoder(3, 2, (8,), init_seeds=(seed,)).double()
        xk = x[k : k + 1]
        torch.testing.assert_close(alone(xk), stacked(x)[k : k + 1].detach())
        StackedSquaredError()(alone(xk), xk).backward()
        for name, p in alone.named_parameters():
            torch.testing.assert_close(getattr(stacked, name).grad[k : k + 1], p.grad)


def test_loss_is_sum_of_member_means():
    y = torch.zeros(2, 4, 3)
    t = torch.ones(2, 4, 3)
    t[1] *= 2.0
    crit = StackedSquaredError()
    # member 0: each sample error 3, mean 3; member 1: each 12, mean 12.
    assert float(crit(y, t)) == pytest.approx(15.0)
    np.testing.assert_allclose(crit.member_losses.numpy(), [3.0, 12.0])


def test_member_batches_cover_each_row_once_per_epoch():
    X = torch.arange(10, dtype=torch.float32)[:, None].repeat(1, 2)
    idx = torch.arange(10).repeat(3, 1)
    gens = [torch.Generator().manual_seed(s) for s in (0, 1, 2)]
    batches = list(MemberBatches(X, idx, 4, gens))
    assert [b[0].shape for b in batches] == [(3, 4, 2), (3, 4, 2), (3, 2, 2)]
    rows = torch.cat([b[0][:, :, 0] for b in batches], dim=1)
    for k in range(3):
        assert sorted(rows[k].tolist()) == list(range(10))
    assert not torch.equal(rows[0], rows[1])  # each member its own order
    # Validation (no generators) keeps the order.
    ordered = torch.cat([b[0][:, :, 0] for b in MemberBatches(X, idx, 4, None)], dim=1)
    assert ordered[0].tolist() == list(range(10))


def test_member_batches_large_path_matches_small(monkeypatch):
    X = torch.randn(50, 3)
    idx = torch.stack([torch.randperm(50, generator=torch.Generator().manual_seed(s))
                       for s in (0, 1)])
    small = [b[0] for b in MemberBatches(X, idx, 8, [torch.Generator().manual_seed(5)] * 1 +
                                         [torch.Generator().manual_seed(6)])]
    monkeypatch.setattr(MemberBatches, "max_epoch_elements", 0)
    large = [b[0] for b in MemberBatches(X, idx, 8, [torch.Generator().manual_seed(5),
                                                     torch.Generator().manual_seed(6)])]
    for a, b in zip(small, large):
        torch.testing.assert_close(a, b)
