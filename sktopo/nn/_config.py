"""The validated training configuration every epoch-trained estimator hands to the training path."""

from __future__ import annotations

from dataclasses import dataclass, fields

import torch
from skorch.callbacks import Callback

from sktopo.utils._device import resolve_device

__all__ = ["OPTIMIZERS", "TrainingConfig", "check_callbacks"]

#: Optimizers by name.
OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}

#: Names the library's own callbacks take in a net (users' callbacks must not reuse them).
RESERVED_CALLBACK_NAMES = frozenset({"losses", "divergence", "early_stopping", "progress"})


def check_callbacks(callbacks):
    """Validate a ``callbacks`` parameter; return it as a tuple of ``(name, callback)`` pairs.

    Parameters
    ----------
    callbacks : None or list of skorch callbacks and ``(name, callback)`` pairs
        ``None`` or an empty list adds none.  An unnamed callback is named
        after its class (with a number where two share a class), as skorch
        does.

    Returns
    -------
    callbacks : tuple of (str, skorch.callbacks.Callback)

    Examples
    --------
    >>> from skorch.callbacks import LRScheduler
    >>> from sktopo.nn._config import check_callbacks
    >>> [name for name, _ in check_callbacks([LRScheduler(), ("lr", LRScheduler())])]
    ['LRScheduler', 'lr']
    """
    if callbacks is None:
        return ()
    if isinstance(callbacks, (Callback, str)) or not hasattr(callbacks, "__iter__"):
        raise TypeError(
            "callbacks must be a list of skorch callbacks or (name, callback) pairs, got "
            f"{callbacks!r}; wrap a single callback in a list: callbacks=[callback]."
        )
    named, counts = [], {}
    for item in callbacks:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            name, cb = item
        else:
            name, cb = None, item
        if isinstance(cb, type) and issubclass(cb, Callback):
            raise TypeError(
                f"callbacks holds the class {cb.__name__}, not an instance; "
                f"pass {cb.__name__}()."
            )
        if not isinstance(cb, Callback):
            raise TypeError(
                "every entry of callbacks must be a skorch Callback or a (name, callback) "
                f"pair, got {item!r}."
            )
        if name is None:
            base = type(cb).__name__
            counts[base] = counts.get(base, 0) + 1
            name = base if counts[base] == 1 else f"{base}_{counts[base]}"
        if name in RESERVED_CALLBACK_NAMES:
            raise ValueError(
                f"the callback name {name!r} is taken by sktopo's own callbacks "
                f"({sorted(RESERVED_CALLBACK_NAMES)}); choose another name."
            )
        named.append((name, cb))
    names = [n for n, _ in named]
    if len(set(names)) != len(names):
        raise ValueError(f"callback names must be unique, got {names}.")
    return tuple(named)


@dataclass(frozen=True)
class TrainingConfig:
    """How to train: the options of the training loop, validated once in ``fit``.

    Built by :meth:`from_estimator` from an estimator whose parameters
    scikit-learn's ``_parameter_constraints`` already validated; the training
    path (:func:`sktopo.nn.train_stacked`) reads nothing else.

    Parameters
    ----------
    optimizer : {'sgd', 'adam'}
    learning_rate : float
    batch_size : int or 'auto'
        Rows per member and batch; ``'auto'``: about 20 batches per epoch,
        at most 1024 (:func:`~sktopo.nn._training.resolve_batch_size`).
    max_epochs : int
    early_stopping : bool
    validation_fraction : float
    n_iter_no_change : int
    tol : float
    device : str
        Resolved (``'auto'`` already replaced by a device that exists).
    verbose : int
    n_threads : int or None
    callbacks : tuple of (str, skorch.callbacks.Callback)
        The user's callbacks, after the library's own.
    """

    optimizer: str = "sgd"
    learning_rate: float = 1e-2
    batch_size: int | str = 64
    max_epochs: int = 200
    early_stopping: bool = False
    validation_fraction: float = 0.1
    n_iter_no_change: int = 10
    tol: float = 1e-4
    device: str = "cpu"
    verbose: int = 0
    n_threads: int | None = None
    callbacks: tuple = ()

    def __post_init__(self):
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(
                f"optimizer must be one of {sorted(OPTIMIZERS)}, got {self.optimizer!r}."
            )

    @classmethod
    def from_estimator(cls, estimator, **overrides):
        """The configuration of ``estimator``'s parameters (those it has), with ``overrides``.

        Parameters
        ----------
        estimator : BaseEstimator
            Its ``optimizer``, ``learning_rate``, ... are read where it has
            them (a parameter it lacks keeps the default here, or comes from
            ``overrides``); ``device`` is resolved and ``callbacks`` checked.
        **overrides
            Values that replace the estimator's (e.g. ``verbose=0`` for the
            members of an ensemble, ``optimizer='adam'`` for a flow).

        Returns
        -------
        config : TrainingConfig
        """
        params = estimator.get_params(deep=False)
        values = {f.name: params[f.name] for f in fields(cls) if f.name in params}
        values.update(overrides)
        values["device"] = resolve_device(values.get("device", "cpu"))
        values["callbacks"] = check_callbacks(values.get("callbacks"))
        return cls(**values)
