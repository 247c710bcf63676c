"""The one training path: a skorch ``NeuralNet`` fed from pre-shuffled device tensors.

skorch owns the loop (``fit_loop -> run_single_epoch -> train_step``).  This
module only customises its hooks:

* :meth:`ReconstructionNet.get_iterator` returns :class:`MemberBatches`, which
  keeps the data on the device and slices batches from a tensor shuffled once
  per epoch (skorch's default ``DataLoader`` path collates sample by sample and
  is several times slower on small networks);
* :meth:`ReconstructionNet.get_loss` compares the reconstruction with the input;
* :meth:`ReconstructionNet.get_default_callbacks` replaces skorch's printing and
  scoring callbacks by one light :class:`TrainingMonitor` that records per-member
  losses, raises on divergence, draws the progress bar and stops early.

skorch ends ``fit`` quietly on ``KeyboardInterrupt`` (its documented way to stop
early), which would turn a user's Ctrl-C into a silently half-trained model.
:class:`ReconstructionNet` stops early with its own :class:`StopTraining`
instead and lets a real ``KeyboardInterrupt`` propagate out of ``fit``, as it
does from every scikit-learn estimator.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.utils import check_random_state
from skorch import NeuralNet
from skorch.callbacks import Callback

from sktopo.exceptions import TrainingDivergedError
from sktopo.nn._modules import StackedSquaredError
from sktopo.utils._device import resolve_device
from sktopo.utils._threads import choose_threads, torch_threads

__all__ = [
    "MemberBatches",
    "ReconstructionNet",
    "StopTraining",
    "TrainingDivergedError",
    "TrainingMonitor",
    "build_net",
    "member_seeds",
    "train_stacked",
]

_SEED_MAX = np.iinfo(np.int32).max

#: A training loss this many times its value on the first batch means divergence.
DIVERGENCE_FACTOR = 1e4


class StopTraining(Exception):
    """Raised by a callback to end :meth:`ReconstructionNet.fit` early (not an error)."""


class _Interrupted(BaseException):
    """Carries a user's ``KeyboardInterrupt`` past skorch's ``except KeyboardInterrupt``."""


def divergence_advice(lr):
    """The advice every divergence message ends with."""
    return (
        f"The learning rate ({lr}) is probably too large for this data; lower "
        "learning_rate, standardise the features, or use optimizer='adam'."
    )


class MemberBatches:
    """Iterate over mini-batches of a device tensor, one row ordering per member.

    Parameters
    ----------
    X : torch.Tensor of shape (n_samples, n_features)
        Data, already on the training device.
    indices : torch.Tensor of shape (n_members, n_rows)
        Rows of ``X`` each member trains (or validates) on.
    batch_size : int
        Rows per member and batch; the last batch may be smaller.
    generators : list of torch.Generator or None
        One CPU generator per member; each epoch draws one permutation from
        each.  ``None`` keeps the order (validation).

    Yields
    ------
    (Xb, Xb) : tuple of torch.Tensor of shape (n_members, batch, n_features)
        Input and target of one batch.
    """

    # Above this many elements the epoch is gathered batch by batch instead of at once.
    max_epoch_elements = 1 << 26

    def __init__(self, X, indices, batch_size, generators=None):
        self.X = X
        self.indices = indices
        self.batch_size = int(batch_size)
        self.generators = generators

    def __len__(self):
        n_rows = self.indices.shape[1]
        return -(-n_rows // self.batch_size)

    def _epoch_order(self):
        if self.generators is None:
            return self.indices
        n_rows = self.indices.shape[1]
        perms = torch.stack([torch.randperm(n_rows, generator=g) for g in self.generators])
        perms = perms.to(self.indices.device, non_blocking=True)
        return torch.gather(self.indices, 1, perms)

    def __iter__(self):
        order = self._epoch_order()
        n_members, n_rows = order.shape
        step = self.batch_size
        if n_members * n_rows * self.X.shape[1] <= self.max_epoch_elements:
            shuffled = self.X[order]
            for start in range(0, n_rows, step):
                batch = shuffled[:, start : start + step]
                yield batch, batch
        else:
            for start in range(0, n_rows, step):
                batch = self.X[order[:, start : start + step]]
                yield batch, batch


def _by_member(param, module):
    """View of ``param`` as (n_members, -1): row ``k`` holds every number of member ``k``.

    Every stacked module keeps each member's slice of a parameter contiguous
    along the first axis: ``(n_members, ...)`` for batched dense layers,
    ``(n_members * channels, ...)`` for grouped convolutions.
    """
    return param.detach().view(module.n_members, -1)


class TrainingMonitor(Callback):
    """Per-epoch bookkeeping for :class:`ReconstructionNet`.

    Records ``train_loss`` (and ``valid_loss`` when a validation set exists) in
    the net's history as lists with one mean squared error per member; raises
    :class:`TrainingDivergedError` when a member's epoch loss is not finite or
    exceeds :data:`DIVERGENCE_FACTOR` times its loss on the first batch (before
    any update); updates a tqdm bar when ``verbose``; and, when ``patience`` is
    set, stops (with :class:`StopTraining`) once no member's validation loss has
    improved by more than ``tol`` for ``patience`` epochs, restoring every
    member's best weights.
    """

    def __init__(self, *, verbose=0, patience=None, tol=0.0):
        self.verbose = verbose
        self.patience = patience
        self.tol = tol

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self._bar = None
        if self.verbose:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=net.max_epochs, desc="epochs", unit="epoch")
        self._initial = None
        self._best = None
        self._stale = None
        self._best_params = None

    def on_epoch_begin(self, net, **kwargs):
        self._batches = {True: [], False: []}

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        # Only bookkeeping here (no device work): the criterion already holds the
        # per-member batch means; they are combined once per epoch.
        losses = net.criterion_.member_losses
        if self._initial is None and training:
            self._initial = losses.double().cpu().numpy()
        self._batches[training].append((losses, batch[0].shape[1]))

    def _epoch_losses(self, training):
        batches = self._batches[training]
        if not batches:
            return None
        means = torch.stack([m for m, _ in batches]).double()
        sizes = torch.tensor([n for _, n in batches], dtype=torch.float64, device=means.device)
        return ((sizes @ means) / sizes.sum()).cpu().numpy()

    def on_epoch_end(self, net, **kwargs):
        train = self._epoch_losses(True)
        valid = self._epoch_losses(False)
        self._check_divergence(net, train)
        net.history.record("train_loss", train.tolist())
        if valid is not None:
            net.history.record("valid_loss", valid.tolist())
        if self._bar is not None:
            shown = valid if valid is not None else train
            self._bar.set_postfix(loss=f"{float(shown.mean()):.3g}", refresh=False)
            self._bar.update(1)
        if self.patience is not None and valid is not None:
            self._early_stop(net, valid)

    def _check_divergence(self, net, train):
        epoch = len(net.history)
        if not (train == train).all() or not abs(train).max() < float("inf"):
            self._close()
            raise TrainingDivergedError(
                f"Training diverged at epoch {epoch}: the training loss is {train.tolist()}. "
                + divergence_advice(net.lr)
            )
        # |initial|: a negative log-likelihood may start below zero
        grown = train > DIVERGENCE_FACTOR * abs(self._initial)
        if grown.any():
            self._close()
            k = int(grown.nonzero()[0][0])
            raise TrainingDivergedError(
                f"Training diverged at epoch {epoch}: the training loss grew from "
                f"{self._initial[k]:.3g} on the first batch to {train[k]:.3g}"
                + (f" (member {k})" if train.shape[0] > 1 else "")
                + ". "
                + divergence_advice(net.lr)
            )

    def _early_stop(self, net, valid):
        module = net.module_
        valid = torch.as_tensor(valid)
        if self._best is None:
            self._best = valid.clone()
            self._stale = torch.zeros_like(valid, dtype=torch.long)
            self._best_params = [_by_member(p, module).clone() for p in module.parameters()]
            return
        improved = valid < self._best - self.tol
        self._stale = torch.where(improved, torch.zeros_like(self._stale), self._stale + 1)
        better = valid < self._best
        if better.any():
            self._best = torch.where(better, valid, self._best)
            rows = better.nonzero().flatten().tolist()
            for saved, p in zip(self._best_params, module.parameters()):
                saved[rows] = _by_member(p, module)[rows]
        if bool((self._stale >= self.patience).all()):
            raise StopTraining

    def on_train_end(self, net, **kwargs):
        if self._best_params is not None:
            with torch.no_grad():
                for saved, p in zip(self._best_params, net.module_.parameters()):
                    _by_member(p, net.module_).copy_(saved)
            net.history.record("restored_best", True)
        self._close()

    def _close(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class ReconstructionNet(NeuralNet):
    """skorch ``NeuralNet`` that trains a :class:`StackedAutoencoder` to reconstruct its input.

    Extra parameters (besides skorch's):

    train_indices, valid_indices : torch.Tensor of shape (n_members, n_rows)
        Rows of the ``X`` given to :meth:`fit` that each member trains and
        validates on (``valid_indices=None``: no validation set).
    shuffle_seeds : sequence of int
        One seed per member for its batch order.
    monitor : TrainingMonitor
        The callback that records losses.
    """

    def __init__(
        self,
        *args,
        train_indices=None,
        valid_indices=None,
        shuffle_seeds=(0,),
        monitor=None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.train_indices = train_indices
        self.valid_indices = valid_indices
        self.shuffle_seeds = shuffle_seeds
        self.monitor = monitor

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        """skorch's loop; :class:`StopTraining` ends it, a ``KeyboardInterrupt`` escapes."""
        try:
            return super().fit_loop(X, y, epochs=epochs, **fit_params)
        except StopTraining:
            return self
        except KeyboardInterrupt as exc:
            raise _Interrupted from exc

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        """skorch's ``partial_fit``, re-raising a user's ``KeyboardInterrupt``."""
        try:
            return super().partial_fit(X, y, classes=classes, **fit_params)
        except _Interrupted as exc:
            if self.monitor is not None:
                self.monitor._close()
            raise exc.__cause__ from None

    def get_default_callbacks(self):
        return [("monitor", self.monitor if self.monitor is not None else TrainingMonitor())]

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self._generators = [torch.Generator().manual_seed(int(s)) for s in self.shuffle_seeds]
        super().on_train_begin(net, X=X, y=y, **kwargs)

    def get_iterator(self, dataset, training=False):
        X = dataset.X
        if training:
            return MemberBatches(X, self.train_indices, self.batch_size, self._generators)
        return MemberBatches(X, self.valid_indices, self.batch_size, None)

    def get_split_datasets(self, X, y=None, **fit_params):
        dataset = self.get_dataset(X, y)
        return dataset, (dataset if self.valid_indices is not None else None)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        return self.criterion_(y_pred, y_true)


def build_net(
    *,
    module,
    module_kwargs,
    init_seeds,
    optimizer,
    learning_rate,
    batch_size,
    max_epochs,
    device,
    shuffle_seeds,
    train_indices,
    valid_indices,
    patience,
    tol,
    verbose,
    criterion=StackedSquaredError,
):
    """Build an unfitted :class:`ReconstructionNet` for ``len(init_seeds)`` members.

    ``module`` is a stacked torch module class (:class:`StackedAutoencoder`,
    :class:`~sktopo.nn.StackedConvAutoencoder`) taking ``init_seeds`` and
    ``module_kwargs``.  ``criterion`` is the training loss module: it gets the
    module's output and the input batch, returns the sum over members of each
    member's batch-mean loss, and keeps the detached per-member means in
    ``member_losses`` (see :class:`~sktopo.nn._modules.StackedSquaredError`).
    """
    optimizers = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}
    return ReconstructionNet(
        module=module,
        **{f"module__{k}": v for k, v in module_kwargs.items()},
        module__init_seeds=tuple(int(s) for s in init_seeds),
        criterion=criterion,
        optimizer=optimizers[optimizer],
        lr=learning_rate,
        batch_size=batch_size,
        max_epochs=max_epochs,
        device=device,
        train_indices=train_indices,
        valid_indices=valid_indices,
        shuffle_seeds=tuple(int(s) for s in shuffle_seeds),
        monitor=TrainingMonitor(verbose=verbose, patience=patience, tol=tol),
        verbose=0,
    )


def member_seeds(random_state):
    """The three seeds one network draws from its ``random_state``.

    Returns ``(init_seed, shuffle_seed, split_seed)``: torch initialisation,
    per-epoch batch order, and the early-stopping validation split.
    """
    rng = check_random_state(random_state)
    return tuple(int(s) for s in rng.randint(0, _SEED_MAX, size=3))


def train_stacked(X, params, random_states, *, module, module_kwargs, flops_per_row,
                  verbose=None, criterion=StackedSquaredError):
    """Train one stacked module holding one network per entry of ``random_states``.

    The single training entry point of every neural detector in sktopo:
    member ``k`` is initialised, shuffled and split exactly as a detector
    with ``random_state=random_states[k]`` and the same ``params`` would be.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Validated training data.
    params : dict
        The detector's ``get_params()``: ``optimizer``, ``learning_rate``,
        ``batch_size``, ``max_epochs``, ``early_stopping``,
        ``validation_fraction``, ``n_iter_no_change``, ``tol``, ``device``,
        ``verbose``, ``n_threads``.
    random_states : sequence
        One ``random_state`` per member.
    module : type
        The stacked module class.
    module_kwargs : dict
        Its arguments besides ``init_seeds``.
    flops_per_row : float
        Forward floating-point operations per row and member (chooses threads).
    verbose : int or None
        Overrides ``params['verbose']`` when given.
    criterion : type, default=StackedSquaredError
        The training loss module (see :func:`build_net`).

    Returns
    -------
    net : ReconstructionNet
        The fitted skorch net (``net.module_`` is the stacked module).
    """
    n_samples = X.shape[0]
    device = resolve_device(params["device"])
    seeds = [member_seeds(rs) for rs in random_states]
    n_members = len(seeds)
    if params["early_stopping"]:
        n_valid = int(np.ceil(params["validation_fraction"] * n_samples))
        if n_valid < 1 or n_samples - n_valid < 1:
            raise ValueError(
                f"early_stopping with validation_fraction={params['validation_fraction']} "
                f"leaves no training or no validation sample out of n_samples={n_samples}."
            )
        orders = np.stack([np.random.RandomState(s[2]).permutation(n_samples) for s in seeds])
        train_idx, valid_idx = orders[:, n_valid:], orders[:, :n_valid]
        patience = params["n_iter_no_change"]
    else:
        train_idx = np.broadcast_to(np.arange(n_samples), (n_members, n_samples))
        valid_idx, patience = None, None
    X_t = torch.from_numpy(np.array(X, dtype=np.float32)).to(device)

    def as_index(idx):
        return None if idx is None else torch.from_numpy(np.array(idx, dtype=np.int64)).to(device)

    net = build_net(
        module=module,
        module_kwargs=module_kwargs,
        init_seeds=[s[0] for s in seeds],
        optimizer=params["optimizer"],
        learning_rate=params["learning_rate"],
        batch_size=params["batch_size"],
        max_epochs=params["max_epochs"],
        device=device,
        shuffle_seeds=[s[1] for s in seeds],
        train_indices=as_index(train_idx),
        valid_indices=as_index(valid_idx),
        patience=patience,
        tol=params["tol"],
        verbose=params["verbose"] if verbose is None else verbose,
        criterion=criterion,
    )
    batch = min(params["batch_size"], n_samples)
    flops = 3 * flops_per_row * batch * n_members  # forward and backward
    with torch_threads(choose_threads(params["n_threads"], flops)):
        net.fit(X_t, None)
    # The index tensors were only needed for training; do not carry them in pickles.
    net.train_indices = net.valid_indices = None
    return net
