"""Select and concatenate the members of stacked networks.

Every stacked module of :mod:`sktopo.nn` keeps member ``k`` in slice ``k`` of
each parameter's first axis, so one training of ``n`` networks can be cut into
its members (:func:`keep_member`, the best of ``n_init`` trainings) and
trainings run in parallel can be joined into one module
(:func:`merge_modules`, the charts of an ensemble).
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["final_member_losses", "keep_member", "member_curves", "merge_modules"]


def final_member_losses(net, early_stopping):
    """Per-member loss a training ends with: last training loss, or best validation loss."""
    if early_stopping:
        return np.asarray(net.history[:, "valid_loss_members"], dtype=np.float64).min(axis=0)
    return np.asarray(net.history[-1, "train_loss_members"], dtype=np.float64)


def keep_member(net, k):
    """Turn the fitted stacked ``net`` into a one-member net holding its member ``k``.

    The module, its init/shuffle seeds, the optimizer state and the recorded
    per-member losses all become those of member ``k``, so the net is what a
    one-member training would have left (up to the epochs it ran).
    """
    old = net.module_
    kwargs = net.get_params_for("module")
    kwargs["init_seeds"] = (int(net.module__init_seeds[k]),)
    module = type(old)(**kwargs)
    module.load_state_dict(old.member_state(k))
    module.to(next(old.parameters()).device)
    optimizer_state = net.optimizer_.state_dict()
    net.module__init_seeds = kwargs["init_seeds"]
    net.shuffle_seeds = (int(net.shuffle_seeds[k]),)
    net.module_ = module
    net.initialize_optimizer()
    for state in optimizer_state["state"].values():
        for key, value in state.items():
            if torch.is_tensor(value) and value.dim() > 0 and value.shape[0] == old.n_members:
                state[key] = value[k : k + 1]
    net.optimizer_.load_state_dict(optimizer_state)
    for row in net.history:
        for prefix in ("train", "valid"):
            if f"{prefix}_loss_members" in row:
                value = row[f"{prefix}_loss_members"][k]
                row[f"{prefix}_loss_members"] = [value]
                row[f"{prefix}_loss"] = value
    if hasattr(net, "_generators"):
        net._generators = [net._generators[k]]
    recorder = dict(net.callbacks_).get("losses")
    if getattr(recorder, "initial_losses_", None) is not None:
        recorder.initial_losses_ = recorder.initial_losses_[k : k + 1]
    if getattr(recorder, "initial_output_spread_", None) is not None:
        recorder.initial_output_spread_ = recorder.initial_output_spread_[k : k + 1]
    criterion = net.criterion_
    if getattr(criterion, "member_losses", None) is not None:
        criterion.member_losses = criterion.member_losses[k : k + 1]
    return net


def merge_modules(nets):
    """One stacked module holding the members of all ``nets``, in order.

    The parameters are concatenated along the member axis, so member ``k`` of
    the result is exactly member ``k`` of the group that trained it.
    """
    if len(nets) == 1:
        return nets[0].module_
    kwargs = nets[0].get_params_for("module")
    kwargs["init_seeds"] = tuple(s for net in nets for s in net.module__init_seeds)
    merged = type(nets[0].module_)(**kwargs)
    states = [net.module_.state_dict() for net in nets]
    merged.load_state_dict(
        {name: torch.cat([state[name].cpu() for state in states]) for name in merged.state_dict()}
    )
    return merged.to(next(nets[0].module_.parameters()).device)


def member_curves(nets, key):
    """Per-epoch, per-member losses of ``nets`` side by side, NaN-padded.

    ``key`` is ``'train_loss'`` or ``'valid_loss'``.  Returns an array of shape
    (max n_epochs, total n_members); a group that stopped early has NaN after
    its last epoch.
    """
    curves = [np.asarray(net.history[:, f"{key}_members"], dtype=np.float64) for net in nets]
    n_epochs = max(c.shape[0] for c in curves)
    padded = [
        np.vstack([c, np.full((n_epochs - c.shape[0], c.shape[1]), np.nan)]) for c in curves
    ]
    return np.hstack(padded)
