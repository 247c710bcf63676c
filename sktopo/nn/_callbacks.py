"""The library's skorch callbacks: one concern each, open to users' own.

Every epoch-trained estimator of sktopo trains through :class:`~sktopo.nn.StackedNet`
with these callbacks, in this order:

* :class:`MemberLossRecorder` records each epoch's loss: ``train_loss`` and
  ``valid_loss`` (the mean over the stacked members, what skorch's own
  callbacks such as ``LRScheduler(policy='ReduceLROnPlateau')``,
  ``EarlyStopping`` and ``Checkpoint`` monitor), the per-member lists
  ``train_loss_members`` / ``valid_loss_members``, and ``train_loss_best`` /
  ``valid_loss_best`` as skorch's ``PassthroughScoring`` does;
* :class:`DivergenceCheck` raises :class:`~sktopo.exceptions.TrainingDivergedError`
  when a member's loss is not finite or has grown by orders of magnitude;
* :class:`MemberEarlyStopping` (with ``early_stopping=True``) stops when no
  member's validation loss improves and restores every member's best weights;
* :class:`ProgressBar` (with ``verbose``) draws a tqdm bar over the epochs.

A user's ``callbacks=[...]`` (skorch callbacks or ``(name, callback)`` pairs)
run after these, on every epoch of the real training, stacked members
included.  The per-batch bookkeeping is kept to a few list appends: the loss
modules already hold the detached per-member batch means
(``criterion_.member_losses``), combined once per epoch.
"""

from __future__ import annotations

import math

import torch
from skorch.callbacks import Callback

from sktopo.exceptions import TrainingDivergedError

__all__ = [
    "DIVERGENCE_FACTOR",
    "check_final_losses",
    "DivergenceCheck",
    "MemberEarlyStopping",
    "MemberLossRecorder",
    "ProgressBar",
    "StopTraining",
    "divergence_advice",
]

#: A training loss this many times its value on the first batch means divergence.
DIVERGENCE_FACTOR = 1e4


class StopTraining(Exception):
    """Raised by a callback to end :meth:`StackedNet.fit` early (not an error)."""


def divergence_advice(lr):
    """The advice every divergence message ends with."""
    return (
        f"The learning rate ({lr}) is probably too large for this data; lower "
        "learning_rate, standardise the features, or use optimizer='adam'."
    )


def check_final_losses(final, initial, lr, *, what="the training data"):
    """Raise :class:`TrainingDivergedError` if training left a loss far above where it began.

    The per-epoch check (:class:`DivergenceCheck`) sees the losses of the
    batches, each computed before its update: a training of one step (one
    epoch of one batch) that blows the weights up ends with a loss nobody
    measured.  This compares the loss of the trained network on ``what``
    (``final``, one value per member) with the first batch's (``initial``).

    Parameters
    ----------
    final, initial : array-like of shape (n_members,)
    lr : float
        The learning rate, for the advice.
    """
    for k, (first, now) in enumerate(zip(initial, final)):
        # a non-finite loss is reported where the scores are checked, with their count
        if math.isfinite(now) and now > DIVERGENCE_FACTOR * abs(first):
            raise TrainingDivergedError(
                f"After training, the loss on {what} is {now:.3g}"
                + (f" (member {k})" if len(final) > 1 else "")
                + f", against {first:.3g} on the first batch: training diverged. "
                + divergence_advice(lr)
            )


def by_member(param, n_members):
    """View of ``param`` as (n_members, -1): row ``k`` holds every number of member ``k``.

    Every stacked module keeps each member's slice of a parameter contiguous
    along the first axis: ``(n_members, ...)`` for batched dense layers,
    ``(n_members * channels, ...)`` for grouped convolutions.
    """
    return param.detach().view(n_members, -1)


class MemberLossRecorder(Callback):
    """Record every epoch's training (and validation) loss, per member and overall.

    Writes to the net's history, per epoch: ``train_loss_members`` (a list, the
    mean loss of each member over the epoch's batches, weighted by batch
    size), ``train_loss`` (their mean: the scalar skorch's callbacks monitor),
    ``train_loss_best`` (``True`` when ``train_loss`` is the lowest so far),
    and the same with ``valid_`` when a validation set exists.  Keeps the
    first training batch's per-member loss, before any update, in
    ``initial_losses_`` (float64 array), and per member the largest spread
    over that batch's rows of the module's output in
    ``initial_output_spread_`` (0 for a network whose output did not depend
    on its input from the start).
    """

    def initialize(self):
        self.initial_losses_ = None
        self.initial_output_spread_ = None
        self._best = {}
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.initial_losses_ = None
        self.initial_output_spread_ = None
        self._best = {}

    def on_epoch_begin(self, net, **kwargs):
        self._batches = {True: [], False: []}

    def on_batch_end(self, net, batch=None, training=None, y_pred=None, **kwargs):
        losses = net.criterion_.member_losses
        if self.initial_losses_ is None and training:
            self.initial_losses_ = losses.double().cpu().numpy()
            out = y_pred[0] if isinstance(y_pred, (tuple, list)) else y_pred
            if torch.is_tensor(out) and out.dim() == 3 and out.shape[1] > 1:
                # per member: the largest spread over the batch's rows of any output
                spread = out.detach().std(dim=1).amax(dim=-1)
                self.initial_output_spread_ = spread.double().cpu().numpy()
        self._batches[training].append((losses, batch[0].shape[1]))

    def _epoch_losses(self, training):
        batches = self._batches[training]
        if not batches:
            return None
        means = torch.stack([m for m, _ in batches]).double()
        sizes = torch.tensor([n for _, n in batches], dtype=torch.float64, device=means.device)
        return ((sizes @ means) / sizes.sum()).cpu().numpy()

    def on_epoch_end(self, net, **kwargs):
        for training, prefix in ((True, "train"), (False, "valid")):
            losses = self._epoch_losses(training)
            if losses is None:
                continue
            members = losses.tolist()
            mean = members[0] if len(members) == 1 else float(losses.mean())
            net.history.record(f"{prefix}_loss_members", members)
            net.history.record(f"{prefix}_loss", mean)
            best = self._best.get(prefix, math.inf)
            # NaN never counts as best (divergence is the next callback's business)
            is_best = mean < best
            if is_best:
                self._best[prefix] = mean
            net.history.record(f"{prefix}_loss_best", bool(is_best))

    def on_train_end(self, net, **kwargs):
        # the last epoch's per-batch tensors (on the training device) stay out of the
        # fitted model and its files
        self._batches = {True: [], False: []}


class DivergenceCheck(Callback):
    """Raise :class:`TrainingDivergedError` when training blows up.

    After every epoch: a member's training loss that is not finite, or more
    than ``factor`` times the absolute value of its loss on the first batch
    (before any update), ends training with an error that says which member
    and by how much, and what to try.  Needs :class:`MemberLossRecorder`
    before it (named ``recorder``).

    Parameters
    ----------
    factor : float, default=1e4
        Growth of the loss over its first value that counts as divergence.
    recorder : str, default='losses'
        Name of the :class:`MemberLossRecorder` in the net's callbacks.
    """

    def __init__(self, factor=DIVERGENCE_FACTOR, recorder="losses"):
        self.factor = factor
        self.recorder = recorder

    def on_epoch_end(self, net, **kwargs):
        train = net.history[-1, "train_loss_members"]
        epoch = len(net.history)
        if not all(math.isfinite(v) for v in train):
            raise TrainingDivergedError(
                f"Training diverged at epoch {epoch}: the training loss is {train}. "
                + divergence_advice(net.lr)
            )
        initial = dict(net.callbacks_)[self.recorder].initial_losses_
        for k, (first, now) in enumerate(zip(initial, train)):
            # |first|: a negative log-likelihood may start below zero
            if now > self.factor * abs(first):
                raise TrainingDivergedError(
                    f"Training diverged at epoch {epoch}: the training loss grew from "
                    f"{first:.3g} on the first batch to {now:.3g}"
                    + (f" (member {k})" if len(train) > 1 else "")
                    + ". "
                    + divergence_advice(net.lr)
                )


class MemberEarlyStopping(Callback):
    """Stop when no member's validation loss improves; restore each member's best weights.

    Every member keeps its own best epoch: its weights are saved whenever its
    validation loss improves on its best, and training stops (with
    :class:`StopTraining`) once every member has gone ``patience`` epochs
    without improving by more than ``tol``.  At the end of training each
    member's best weights are copied back and ``restored_best`` is recorded in
    the history.  Reads ``valid_loss_members`` written by
    :class:`MemberLossRecorder`.

    Parameters
    ----------
    patience : int, default=10
    tol : float, default=0.0
    """

    def __init__(self, patience=10, tol=0.0):
        self.patience = patience
        self.tol = tol

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self._best = None
        self._stale = None
        self._best_params = None

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        if "valid_loss_members" not in row:
            return
        module = net.module_
        n = module.n_members
        valid = torch.as_tensor(row["valid_loss_members"])
        if self._best is None:
            self._best = valid.clone()
            self._stale = torch.zeros_like(valid, dtype=torch.long)
            self._best_params = [by_member(p, n).clone() for p in module.parameters()]
            return
        improved = valid < self._best - self.tol
        self._stale = torch.where(improved, torch.zeros_like(self._stale), self._stale + 1)
        better = valid < self._best
        if better.any():
            self._best = torch.where(better, valid, self._best)
            rows = better.nonzero().flatten().tolist()
            for saved, p in zip(self._best_params, module.parameters()):
                saved[rows] = by_member(p, n)[rows]
        if bool((self._stale >= self.patience).all()):
            raise StopTraining

    def on_train_end(self, net, **kwargs):
        if self._best_params is None:
            return
        module = net.module_
        with torch.no_grad():
            for saved, p in zip(self._best_params, module.parameters()):
                by_member(p, module.n_members).copy_(saved)
        net.history.record("restored_best", True)
        self._best_params = None


class ProgressBar(Callback):
    """A tqdm bar over the epochs, with the current loss (validation loss if any).

    Closed at the end of training, also when training stops with an error or
    a ``KeyboardInterrupt``.
    """

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        from tqdm.auto import tqdm

        self.close()
        self._bar = tqdm(total=net.max_epochs, desc="epochs", unit="epoch")

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        shown = row.get("valid_loss", row.get("train_loss"))
        if self._bar is not None:
            if shown is not None:
                self._bar.set_postfix(loss=f"{shown:.3g}", refresh=False)
            self._bar.update(1)

    def on_train_end(self, net, **kwargs):
        self.close()

    def close(self):
        """Close the bar (idempotent)."""
        bar = getattr(self, "_bar", None)
        if bar is not None:
            bar.close()
        self._bar = None
