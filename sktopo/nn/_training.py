"""The one training path: a skorch ``NeuralNet`` fed from pre-shuffled device tensors.

skorch owns the loop (``fit_loop -> run_single_epoch -> train_step``).  This
module only customises its hooks:

* :meth:`StackedNet.get_iterator` returns :class:`MemberBatches`, which keeps
  the data on the device and slices batches from a tensor shuffled once per
  epoch (skorch's default ``DataLoader`` path collates sample by sample and is
  several times slower on small networks);
* :meth:`StackedNet.get_loss` hands the module's output and the batch to the
  loss module (a reconstruction error, the VAE's loss, a flow's negative
  log-likelihood);
* :meth:`StackedNet.train_step` is skorch's step without the closure and the
  per-batch mode switch, which cost as much as the whole forward pass of the
  papers' small networks (a closure-based step runs where an optimizer or a
  callback needs it);
* :meth:`StackedNet.get_default_callbacks` replaces skorch's printing and
  scoring callbacks by the small ones of :mod:`sktopo.nn._callbacks`; the
  estimator's ``callbacks=[...]`` join them.

skorch ends ``fit`` quietly on ``KeyboardInterrupt`` (its documented way to stop
early), which would turn a user's Ctrl-C into a silently half-trained model.
:class:`StackedNet` stops early with :class:`~sktopo.nn.StopTraining` instead
and lets a real ``KeyboardInterrupt`` propagate out of ``fit``, as it does
from every scikit-learn estimator.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from skorch import NeuralNet
from skorch.callbacks import Callback
from skorch.utils import TeeGenerator

from sktopo.exceptions import TrainingDivergedError
from sktopo.nn._callbacks import (
    DivergenceCheck,
    MemberEarlyStopping,
    MemberLossRecorder,
    ProgressBar,
    StopTraining,
)
from sktopo.nn._config import OPTIMIZERS, TrainingConfig
from sktopo.nn._modules import StackedSquaredError
from sktopo.utils._random import draw_seeds
from sktopo.utils._stack import user_stacklevel
from sktopo.utils._threads import choose_threads, torch_threads

__all__ = [
    "MemberBatches",
    "StackedNet",
    "StopTraining",
    "TrainingDivergedError",
    "build_net",
    "check_convergence",
    "member_seeds",
    "resolve_batch_size",
    "train_stacked",
]


class _Interrupted(BaseException):
    """Carries a user's ``KeyboardInterrupt`` past skorch's ``except KeyboardInterrupt``."""


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


def _overrides(callback, method):
    """Whether ``callback`` does something in ``method`` (skorch's base class does nothing)."""
    return getattr(type(callback), method, None) is not getattr(Callback, method)


class StackedNet(NeuralNet):
    """skorch ``NeuralNet`` that trains a stacked module (one or several networks at once).

    Trains every module of :mod:`sktopo.nn` (autoencoders, VAEs, flows): the
    loss module (``criterion``) compares the module's output with the input
    batch.  Extra parameters (besides skorch's):

    train_indices, valid_indices : torch.Tensor of shape (n_members, n_rows)
        Rows of the ``X`` given to :meth:`fit` that each member trains and
        validates on (``valid_indices=None``: no validation set).
    shuffle_seeds : sequence of int
        One seed per member for its batch order.
    patience, tol : int or None, float
        Early stopping (:class:`~sktopo.nn.MemberEarlyStopping`) when
        ``patience`` is set and a validation set exists.
    progress : bool
        Show a progress bar over the epochs.
    """

    def __init__(
        self,
        *args,
        train_indices=None,
        valid_indices=None,
        shuffle_seeds=(0,),
        patience=None,
        tol=0.0,
        progress=False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.train_indices = train_indices
        self.valid_indices = valid_indices
        self.shuffle_seeds = shuffle_seeds
        self.patience = patience
        self.tol = tol
        self.progress = progress

    def get_default_callbacks(self):
        callbacks = [("losses", MemberLossRecorder()), ("divergence", DivergenceCheck())]
        if self.patience is not None and self.valid_indices is not None:
            callbacks.append(("early_stopping", MemberEarlyStopping(self.patience, self.tol)))
        if self.progress:
            callbacks.append(("progress", ProgressBar()))
        return callbacks

    def initialize(self):
        super().initialize()
        # The closure-free step is exact for optimizers that evaluate their closure
        # once (SGD, Adam, ...); a callback that inspects gradients still gets them.
        self._grad_callbacks = any(_overrides(cb, "on_grad_computed") for _, cb in self.callbacks_)
        self._simple_step = not isinstance(self.optimizer_, torch.optim.LBFGS)
        return self

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        """skorch's loop; :class:`StopTraining` ends it, a ``KeyboardInterrupt`` escapes."""
        try:
            return super().fit_loop(X, y, epochs=epochs, **fit_params)
        except StopTraining:
            return self
        except KeyboardInterrupt as exc:
            raise _Interrupted from exc

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        """skorch's ``partial_fit``, re-raising a user's ``KeyboardInterrupt``.

        A progress bar is closed however training ends.
        """
        try:
            return super().partial_fit(X, y, classes=classes, **fit_params)
        except _Interrupted as exc:
            self._close_progress()
            raise exc.__cause__ from None
        except BaseException:
            self._close_progress()
            raise

    def _close_progress(self):
        for _, cb in getattr(self, "callbacks_", ()):
            if isinstance(cb, ProgressBar):
                cb.close()

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self._generators = [torch.Generator().manual_seed(int(s)) for s in self.shuffle_seeds]
        self._mode = None
        super().on_train_begin(net, X=X, y=y, **kwargs)

    def _set_training(self, training=True):
        # skorch switches every submodule's mode on every batch; once per change is enough
        if getattr(self, "_mode", None) is not training:
            super()._set_training(training)
            self._mode = training

    def infer(self, x, **fit_params):
        # batches are already tensors on the device (MemberBatches)
        if torch.is_tensor(x) and not fit_params:
            return self.module_(x)
        return super().infer(x, **fit_params)

    def train_step(self, batch, **fit_params):
        if not self._simple_step:
            return super().train_step(batch, **fit_params)
        optimizer = self.optimizer_
        optimizer.zero_grad()
        step = self.train_step_single(batch, **fit_params)
        if self._grad_callbacks:
            self.notify(
                "on_grad_computed",
                named_parameters=TeeGenerator(self.get_all_learnable_params()),
                batch=batch,
                training=True,
            )
        optimizer.step()
        return step

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
    config,
    shuffle_seeds,
    train_indices,
    valid_indices,
    criterion=StackedSquaredError,
):
    """Build an unfitted :class:`StackedNet` for ``len(init_seeds)`` members.

    ``module`` is a stacked torch module class (:class:`StackedAutoencoder`,
    :class:`~sktopo.nn.StackedConvAutoencoder`, ...) taking ``init_seeds`` and
    ``module_kwargs``.  ``criterion`` is the training loss module (a class or
    an instance): it gets the module's output and the input batch, returns
    the sum over members of each member's batch-mean loss, and keeps the
    detached per-member means in ``member_losses`` (see
    :class:`~sktopo.nn._modules.StackedSquaredError`).  ``config`` is the
    :class:`~sktopo.nn.TrainingConfig`; its ``callbacks`` are added after the
    library's own.
    """
    patience = config.n_iter_no_change if config.early_stopping else None
    return StackedNet(
        module=module,
        **{f"module__{k}": v for k, v in module_kwargs.items()},
        module__init_seeds=tuple(int(s) for s in init_seeds),
        criterion=criterion,
        optimizer=OPTIMIZERS[config.optimizer],
        lr=config.learning_rate,
        batch_size=config.batch_size,
        max_epochs=config.max_epochs,
        device=config.device,
        train_indices=train_indices,
        valid_indices=valid_indices,
        shuffle_seeds=tuple(int(s) for s in shuffle_seeds),
        patience=patience,
        tol=config.tol,
        progress=bool(config.verbose),
        callbacks=list(config.callbacks) or None,
        verbose=0,
    )


def resolve_batch_size(batch_size, n_rows):
    """Rows per batch: ``batch_size``, or for ``'auto'`` about 20 batches per epoch.

    ``'auto'`` is ``min(1024, max(32, n_rows // 20))``: the papers' 1024 on
    large samples, and still about twenty optimizer steps per epoch on a few
    hundred rows (one batch of 1024 would be one step per epoch, and a
    training that looks converged long before it is).  Never more than
    ``n_rows``.

    Examples
    --------
    >>> from sktopo.nn._training import resolve_batch_size
    >>> resolve_batch_size("auto", 400), resolve_batch_size("auto", 100_000)
    (32, 1024)
    >>> resolve_batch_size(64, 50)
    50
    """
    if batch_size == "auto":
        batch_size = min(1024, max(32, n_rows // 20))
    return int(min(batch_size, n_rows))


def check_convergence(history, config, *, epochs=None):
    """Warn (``ConvergenceWarning``) when a training ran out of epochs while still improving.

    As scikit-learn's multilayer perceptron: a training has converged when its
    loss (the validation loss with early stopping, else the training loss)
    has not improved by more than ``tol`` for ``n_iter_no_change`` epochs.  A
    training that stopped early has; one that used all ``max_epochs`` is
    checked over its last ``n_iter_no_change`` epochs.

    Parameters
    ----------
    history : skorch.History
    config : TrainingConfig
    epochs : int or None, default=None
        Check only the first ``epochs`` epochs, as a training of ``epochs``
        epochs (a normalized autoencoder's pre-training: the data's energy in
        its later, contrastive epochs is not meant to fall).  ``None``: all
        ``config.max_epochs``.

    Returns
    -------
    converged : bool
    """
    max_epochs = config.max_epochs if epochs is None else int(epochs)
    n_epochs = min(len(history), max_epochs)
    if n_epochs < max_epochs:
        return True  # stopped early: converged by definition
    key = "valid_loss" if "valid_loss" in history[-1] else "train_loss"
    losses = np.asarray(history[:, key], dtype=np.float64)[:n_epochs]
    window = min(config.n_iter_no_change, n_epochs - 1) if n_epochs > 1 else 1
    before = losses[:-window].min() if n_epochs > window else losses[0]
    recent = losses[-window:].min()
    if not before - recent > config.tol:
        return True
    which = "validation" if key == "valid_loss" else "training"
    warnings.warn(
        f"Training used all max_epochs={max_epochs} epochs and its {which} loss was "
        f"still falling: {before:.4g} before the last {window} epoch(s), {recent:.4g} in "
        f"them (improvement {before - recent:.3g} > tol={config.tol:g}). The network has "
        "not converged; raise max_epochs (or learning_rate), and look at loss_curve_ or "
        "net_.history.",
        ConvergenceWarning,
        stacklevel=user_stacklevel(),
    )
    return False


def member_seeds(random_state):
    """The three seeds one network draws from its ``random_state``.

    Returns ``(init_seed, shuffle_seed, split_seed)``: torch initialisation,
    per-epoch batch order, and the early-stopping validation split.
    """
    return tuple(draw_seeds(random_state, 3))


def train_stacked(X, config, random_states, *, module, module_kwargs, flops_per_row,
                  criterion=StackedSquaredError, convergence_epochs=None):
    """Train one stacked module holding one network per entry of ``random_states``.

    The single training entry point of every epoch-trained estimator in
    sktopo: member ``k`` is initialised, shuffled and split exactly as an
    estimator with ``random_state=random_states[k]`` and the same
    configuration would be.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Validated training data.
    config : TrainingConfig
        How to train (optimizer, batch size, epochs, early stopping, device,
        threads, progress, the user's callbacks).
    random_states : sequence
        One ``random_state`` per member.
    module : type
        The stacked module class.
    module_kwargs : dict
        Its arguments besides ``init_seeds``.
    flops_per_row : float
        Forward floating-point operations per row and member (chooses threads).
    criterion : type or torch.nn.Module, default=StackedSquaredError
        The training loss module (see :func:`build_net`).
    convergence_epochs : int or None, default=None
        Check convergence over the first ``convergence_epochs`` epochs only
        (:func:`check_convergence`'s ``epochs``).

    Returns
    -------
    net : StackedNet
        The fitted skorch net (``net.module_`` is the stacked module).
    """
    if not isinstance(config, TrainingConfig):
        raise TypeError(f"config must be a TrainingConfig, got {type(config).__name__}.")
    n_samples = X.shape[0]
    device = config.device
    seeds = [member_seeds(rs) for rs in random_states]
    n_members = len(seeds)
    if config.early_stopping:
        n_valid = int(np.ceil(config.validation_fraction * n_samples))
        if n_valid < 1 or n_samples - n_valid < 1:
            raise ValueError(
                f"early_stopping with validation_fraction={config.validation_fraction} "
                f"leaves no training or no validation sample out of n_samples={n_samples}."
            )
        orders = np.stack([np.random.RandomState(s[2]).permutation(n_samples) for s in seeds])
        train_idx, valid_idx = orders[:, n_valid:], orders[:, :n_valid]
    else:
        train_idx = np.broadcast_to(np.arange(n_samples), (n_members, n_samples))
        valid_idx = None
    X_t = torch.from_numpy(np.array(X, dtype=np.float32)).to(device)

    def as_index(idx):
        return None if idx is None else torch.from_numpy(np.array(idx, dtype=np.int64)).to(device)

    net = build_net(
        module=module,
        module_kwargs=module_kwargs,
        init_seeds=[s[0] for s in seeds],
        config=config,
        shuffle_seeds=[s[1] for s in seeds],
        train_indices=as_index(train_idx),
        valid_indices=as_index(valid_idx),
        criterion=criterion,
    )
    if config.batch_size == "auto":
        batch = resolve_batch_size("auto", train_idx.shape[1])
        net.set_params(batch_size=batch)
    else:
        batch = min(config.batch_size, n_samples)
    flops = 3 * flops_per_row * batch * n_members  # forward and backward
    with torch_threads(choose_threads(config.n_threads, flops)):
        net.fit(X_t, None)
    # The index tensors were only needed for training; do not carry them in pickles.
    net.train_indices = net.valid_indices = None
    check_convergence(net.history, config, epochs=convergence_epochs)
    return net
