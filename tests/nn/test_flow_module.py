"""ConditionalFlow and its loss on the one training path (train_stacked)."""

import numpy as np
import pytest
import torch

from sktopo.nn import ConditionalFlow, StackedNegativeLogLikelihood, TrainingConfig, train_stacked

PARAMS = dict(optimizer="adam", learning_rate=3e-3, batch_size=256, max_epochs=40,
              early_stopping=True, validation_fraction=0.2, n_iter_no_change=5, tol=1e-4,
              device="cpu", verbose=0, n_threads=1)
SMALL = dict(n_features=1, n_context=1, transforms=2, hidden_features=(16,))


def _gaussian(n, sigma, seed=0):
    """z ~ N(c, sigma^2) given c ~ U(-1, 1): rows (z, c)."""
    rng = np.random.RandomState(seed)
    c = rng.uniform(-1, 1, n)
    return np.c_[rng.normal(c, sigma), c]


def _train(X, **kwargs):
    return train_stacked(X, TrainingConfig(**{**PARAMS, **kwargs}), [0], module=ConditionalFlow,
                         module_kwargs=SMALL, flops_per_row=1e3,
                         criterion=StackedNegativeLogLikelihood)


def test_forward_is_the_flows_negative_log_likelihood():
    module = ConditionalFlow((3,), **SMALL)
    X = torch.as_tensor(_gaussian(50, 0.5), dtype=torch.float32)[None]
    nll = module(X)
    assert nll.shape == (1, 50)
    expected = -module.flow(X[0, :, 1:]).log_prob(X[0, :, :1])
    torch.testing.assert_close(nll[0], expected)
    loss = StackedNegativeLogLikelihood()
    assert float(loss(nll, X).detach()) == pytest.approx(float(nll.mean().detach()))
    torch.testing.assert_close(loss.member_losses, nll.mean(dim=-1))


def test_seeded_initialisation_leaves_the_global_generator_alone():
    state = torch.random.get_rng_state()
    a, b = ConditionalFlow((7,), **SMALL), ConditionalFlow((7,), **SMALL)
    c = ConditionalFlow((8,), **SMALL)
    assert torch.equal(state, torch.random.get_rng_state())
    for p, q, r in zip(a.parameters(), b.parameters(), c.parameters()):
        assert torch.equal(p, q)
    assert not all(torch.equal(p, r) for p, r in zip(a.parameters(), c.parameters()))
    with pytest.raises(ValueError, match="one flow"):
        ConditionalFlow((1, 2), **SMALL)


def test_training_reaches_the_true_conditional_likelihood():
    # the true per-event NLL of N(c, 0.5^2) is 0.5 log(2 pi 0.25) + 0.5 = 0.7258
    net = _train(_gaussian(4000, 0.5))
    best = min(h["valid_loss"] for h in net.history)
    assert best == pytest.approx(0.5 * np.log(2 * np.pi * 0.25) + 0.5, abs=0.08)
    assert net.history[0]["train_loss"] > best  # it learned
    assert net.history[-1].get("restored_best", False) or len(net.history) == PARAMS["max_epochs"]


def test_negative_likelihoods_are_not_divergence():
    # sigma = 0.01: the NLL goes far below zero (-3.0 at the optimum), which the
    # divergence check (loss > 1e4 x the first batch's) must not mistake for a blow-up
    net = _train(_gaussian(2000, 0.01), max_epochs=15)
    assert min(h["valid_loss"] for h in net.history) < 0
