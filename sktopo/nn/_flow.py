"""A conditional normalizing flow as a module and loss of the one training path.

The flow itself is zuko's neural spline flow (a maintained library; sktopo writes
no flow layers).  :class:`ConditionalFlow` adapts it to the stacked-module
contract of :func:`sktopo.nn.train_stacked`: a batch arrives as one tensor of
shape ``(n_members, batch, n_features + n_context)`` whose last ``n_context``
columns are the conditioning variables, and the module returns each row's
negative log-likelihood; :class:`StackedNegativeLogLikelihood` is the loss.
skorch then owns the loop (batches from device tensors, early stopping with
the best state restored, divergence checks, progress bar, Ctrl-C) exactly as
for the autoencoders.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


__all__ = ["ConditionalFlow", "StackedNegativeLogLikelihood"]


class ConditionalFlow(nn.Module):
    """A neural spline flow of ``p(z | c)`` (zuko) on sktopo's training path.

    Parameters
    ----------
    init_seeds : sequence of int, default=(0,)
        One seed: the flow's initial weights.  A single member only: the
        training monitor restores the best weights member by member, which
        needs every parameter stacked along its first axis, and zuko's flows
        are separate modules.
    n_features : int, default=1
        Dimension of ``z``.
    n_context : int, default=1
        Dimension of the conditioning variable ``c`` (the last columns of a row).
    transforms : int, default=4
        Spline transforms of the flow.
    hidden_features : sequence of int, default=(64, 64)
        Hidden layers of each transform's conditioner network.

    Attributes
    ----------
    flow : zuko.flows.NSF
        The flow; ``flow(c)`` is the distribution of ``z`` given ``c``.
    n_members : int
        Always 1.
    """

    def __init__(
        self,
        init_seeds: Sequence[int] = (0,),
        n_features: int = 1,
        n_context: int = 1,
        transforms: int = 4,
        hidden_features: Sequence[int] = (64, 64),
    ):
        super().__init__()
        import zuko  # a core dependency, imported here to keep `import sktopo.nn` light
        if len(init_seeds) != 1:
            raise ValueError(
                f"ConditionalFlow trains one flow at a time; got {len(init_seeds)} seeds."
            )
        self.n_members = 1
        self.n_features = int(n_features)
        self.n_context = int(n_context)
        # zuko initialises its layers from torch's global generator (it takes no
        # generator): seed it inside fork_rng, which restores the caller's state.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(init_seeds[0]))
            self.flow = zuko.flows.NSF(
                features=self.n_features, context=self.n_context, transforms=int(transforms),
                hidden_features=tuple(int(h) for h in hidden_features),
            )

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """Negative log-likelihood of each row.

        Parameters
        ----------
        X : torch.Tensor of shape (n_members, batch, n_features + n_context)
            ``z`` then ``c`` in each row.

        Returns
        -------
        nll : torch.Tensor of shape (n_members, batch)
        """
        z, c = X[..., : self.n_features], X[..., self.n_features :]
        return -self.flow(c).log_prob(z)


class StackedNegativeLogLikelihood(nn.Module):
    """Training loss of density models: the sum over members of each member's mean NLL.

    The module's output is already the per-row negative log-likelihood; the
    target (the input batch) is not used.  The detached per-member means of the
    last call are kept in ``member_losses`` for monitoring, as every loss of the
    training path does.
    """

    def forward(self, y_pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        member_losses = y_pred.mean(dim=-1)
        self.member_losses = member_losses.detach()
        return member_losses.sum()
