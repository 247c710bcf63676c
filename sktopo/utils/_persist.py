"""Model files that load without running code: :mod:`skops.io` with sktopo's trusted types.

:func:`save` writes a fitted estimator with :func:`skops.io.dump`; :func:`load`
reads it back with :func:`skops.io.load`, trusting exactly the types a fitted
sktopo estimator is made of (:func:`trusted_types`), so that a file holding
anything else is refused before any of it is built.  Nothing is unpickled.

skops has no built-in support for torch, so this module teaches it four kinds of
objects, each stored as plain data and rebuilt by sktopo's own code:

* tensors and parameters: a numpy array (``np.save`` without pickle) and the
  ``requires_grad`` flag; they always load **on the CPU**, wherever they were
  trained, so a model trained on a GPU loads on a machine without one;
* ``torch.Generator``: its state, a byte array;
* torch optimizers: their hyperparameters, parameter groups and per-parameter
  state (the parameters themselves are shared with the network, as in memory);
* skorch nets: their attributes, bypassing ``NeuralNet.__getstate__``, which
  pickles the network (a skorch pickle runs code when loaded).  A net trained on
  a GPU loads with ``device='cpu'``, since that is where its tensors are.

The handlers are registered with skops the first time :func:`save` or
:func:`load` runs, for the whole process: afterwards plain
:func:`skops.io.dump` stores tensors and skorch nets the same way.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import os
import pkgutil
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from sktopo.utils._atomic import atomic_path
from sktopo.utils._optional import import_optional

__all__ = ["load", "save", "trusted_types"]

#: sktopo subpackages whose classes a fitted estimator may hold (not the
#: experiments, datasets, plots or the command line).
_SKTOPO_PACKAGES = (
    "sktopo.base",
    "sktopo.detectors",
    "sktopo.exceptions",
    "sktopo.jets",
    "sktopo.nn",
    "sktopo.physics",
    "sktopo.transport",
    "sktopo.utils",
)

#: Third-party packages whose classes a fitted sktopo estimator holds: skorch's
#: bookkeeping (history, callbacks, validation split, data loading), torch's
#: layers and learning-rate schedules (a user's skorch ``LRScheduler``), and the
#: normalizing flows of zuko (SidebandReference).
_THIRD_PARTY_PACKAGES = (
    "skorch.callbacks",
    "skorch.dataset",
    "skorch.history",
    "torch.nn.modules",
    "torch.optim.lr_scheduler",
    "zuko",
)

#: Classes of those packages that are never trusted: callbacks that read or write
#: files (``LoadInitState`` unpickles a checkpoint when a net trains again) or
#: hold clients of outside services, and skorch's history shared through a store.
_NEVER_TRUSTED = frozenset({
    "skorch.callbacks.logging.MlflowLogger",
    "skorch.callbacks.logging.NeptuneLogger",
    "skorch.callbacks.logging.SacredLogger",
    "skorch.callbacks.logging.TensorBoard",
    "skorch.callbacks.logging.WandbLogger",
    "skorch.callbacks.training.Checkpoint",
    "skorch.callbacks.training.LoadInitState",
    "skorch.callbacks.training.TrainEndCheckpoint",
    "skorch.history.DistributedHistory",
})

#: Functions a skorch net keeps as values (the setters of its virtual parameters).
_THIRD_PARTY_FUNCTION_MODULES = ("skorch.setter",)

#: Extra single types: the loader class skorch stores, torch's devices (a ``device``
#: parameter may be one) and shape tuples, partial functions.
_THIRD_PARTY_TYPES = (
    "functools.partial",
    "torch.Size",
    "torch.device",
    "torch.utils.data.dataloader.DataLoader",
)

#: The loaders (``__loader__`` in skops' schema) of the objects skops is taught here.
_TENSOR_LOADER = "sktopo.TorchTensorNode"
_GENERATOR_LOADER = "sktopo.TorchGeneratorNode"
_OPTIMIZER_LOADER = "sktopo.TorchOptimizerNode"
_NET_LOADER = "sktopo.SkorchNetNode"

#: Tensor types a tensor node may claim (its data is always a plain numeric array).
_TENSOR_TYPES = frozenset({"torch.Tensor", "torch.nn.parameter.Parameter"})

#: Array dtypes a tensor may hold (no objects, no strings).
_TENSOR_KINDS = frozenset("biufc")


def _tree_types() -> list[str]:
    """Types skops refuses by default because a crafted file can crash their reader."""
    exceptions = import_optional("skops.io.exceptions", "deploy")
    return sorted(exceptions.UNTRUSTED_TYPE_REASONS)


def _iter_modules(package_name):
    """``package_name`` and, for a package, every module below it, imported."""
    try:
        package = importlib.import_module(package_name)
    except ImportError:  # an optional third-party package that is not installed
        return
    yield package
    if not hasattr(package, "__path__"):
        return
    for info in pkgutil.walk_packages(package.__path__, prefix=package_name + "."):
        # skip tests and private test helpers of third-party packages
        if ".tests" in info.name or ".testing" in info.name:
            continue
        try:
            yield importlib.import_module(info.name)
        except ImportError:  # a module needing an optional dependency
            continue


def _defined_here(module, predicate):
    return [
        obj
        for _, obj in inspect.getmembers(module, predicate)
        if getattr(obj, "__module__", None) == module.__name__
    ]


@functools.cache
def _type_lists() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """``(general, nets, optimizers)``: the trusted type names, sorted.

    ``general`` and ``optimizers`` are what :func:`skops.io.load` is told to
    trust (:func:`_plain_trusted`).  skorch nets are listed apart: only this
    module's net node builds them, never skops as plain objects, because
    skorch's own ``__setstate__`` unpickles.
    """
    torch = importlib.import_module("torch")
    skorch = importlib.import_module("skorch")

    def name(t):
        return f"{t.__module__}.{t.__name__}"

    general, nets, optimizers = set(), set(), set()

    def add_class(cls):
        if name(cls) in _NEVER_TRUSTED:
            return
        if issubclass(cls, skorch.NeuralNet):
            nets.add(name(cls))
        elif issubclass(cls, torch.optim.Optimizer):
            optimizers.add(name(cls))
        elif not issubclass(cls, torch.Tensor):
            general.add(name(cls))

    for package in _SKTOPO_PACKAGES + _THIRD_PARTY_PACKAGES:
        for module in _iter_modules(package):
            for cls in _defined_here(module, inspect.isclass):
                add_class(cls)
    for module_name in _THIRD_PARTY_FUNCTION_MODULES:
        for module in _iter_modules(module_name):
            general.update(name(f) for f in _defined_here(module, inspect.isfunction))
    for module in _iter_modules("torch.optim"):
        for cls in _defined_here(module, inspect.isclass):
            if issubclass(cls, torch.optim.Optimizer):
                optimizers.add(name(cls))
    nets.add(name(skorch.NeuralNet))
    general.update(_THIRD_PARTY_TYPES)
    return tuple(sorted(general)), tuple(sorted(nets)), tuple(sorted(optimizers))


def trusted_types(*, trust_trees: bool = False) -> list[str]:
    """Names of the types :func:`load` accepts beyond skops' defaults.

    Built from the classes defined in sktopo's estimator subpackages, in
    skorch's callbacks, history and datasets, in ``torch.nn`` and in zuko,
    plus the skorch nets, torch optimizers and tensors that :func:`load`
    rebuilds itself.  No file is read to build it.

    Parameters
    ----------
    trust_trees : bool, default=False
        Also trust scikit-learn's tree storage (the boosted trees of
        :class:`~sktopo.DensityRatioDetector`'s default classifier).  skops
        refuses those by default: their node indices are read without bounds
        checks, so a crafted file can crash the process when it predicts.

    Returns
    -------
    names : list of str
        Fully qualified type names, sorted.

    Examples
    --------
    >>> from sktopo.utils import trusted_types
    >>> names = trusted_types()
    >>> "sktopo.detectors._autoencoder.AutoencoderDetector" in names
    True
    >>> "builtins.eval" in names, "os.system" in names
    (False, False)
    """
    nets = _type_lists()[1]
    return sorted({*_plain_trusted(trust_trees), *nets, *_TENSOR_TYPES})


def _plain_trusted(trust_trees):
    """What skops may build as plain objects (and classes): never skorch nets, nor tensors.

    Those are built only by this module's nodes, which check their class
    themselves; trusted as a plain object, a skorch net would be rebuilt by its
    own ``__setstate__``, which unpickles.  Optimizer classes are trusted
    plainly too: a net keeps its optimizer's class as a parameter.
    """
    general, _, optimizers = _type_lists()
    return [*general, *optimizers, *(_tree_types() if trust_trees else [])]


@functools.cache
def _skops():
    """Import skops and register the torch and skorch handlers of this module (once)."""
    sio = import_optional("skops.io", "deploy")
    from skops.io import _audit, _utils
    from skops.io._protocol import PROTOCOL
    from skops.io.exceptions import UnsupportedTypeException

    torch = importlib.import_module("torch")
    skorch = importlib.import_module("skorch")
    get_state, get_tree, Node = _utils.get_state, _audit.get_tree, _audit.Node
    _, net_types, optimizer_types = _type_lists()
    tensor_types = [_utils.get_type_name(t) for t in (torch.Tensor, torch.nn.Parameter)]

    def header(obj, loader):
        cls = type(obj)
        return {"__class__": cls.__name__, "__module__": _utils.get_module(cls),
                "__loader__": loader}

    # -- tensors -----------------------------------------------------------------------------
    def tensor_get_state(obj, save_context):
        if obj.layout != torch.strided:
            raise UnsupportedTypeException(f"Only dense tensors can be saved, got {obj.layout}.")
        try:
            data = obj.detach().cpu().resolve_conj().resolve_neg().numpy()
        except TypeError as exc:  # e.g. bfloat16, which numpy lacks
            raise UnsupportedTypeException(f"Cannot save a tensor of dtype {obj.dtype}.") from exc
        state = header(obj, _TENSOR_LOADER)
        state["content"] = {"data": get_state(data, save_context),
                            "requires_grad": bool(obj.requires_grad)}
        return state

    class TorchTensorNode(Node):
        """A tensor rebuilt from a numeric array, on the CPU."""

        def __init__(self, state, load_context, trusted=None):
            super().__init__(state, load_context, trusted)
            self.trusted = tensor_types  # whatever the caller trusts
            self.data = get_tree(state["content"]["data"], load_context, trusted=trusted)
            self.requires_grad = state["content"]["requires_grad"] is True
            self.children = {"data": self.data}

        def _construct(self):
            data = self.data.construct()
            if not isinstance(data, np.ndarray) or data.dtype.kind not in _TENSOR_KINDS:
                raise TypeError("A tensor in the file does not hold a numeric array.")
            tensor = torch.from_numpy(np.array(data, copy=True))
            if self.class_name == "Parameter":
                return torch.nn.Parameter(tensor, requires_grad=self.requires_grad)
            return tensor.requires_grad_(self.requires_grad)

    # -- random number generators ------------------------------------------------------------
    def generator_get_state(obj, save_context):
        if obj.device.type != "cpu":
            raise UnsupportedTypeException(f"Only CPU generators can be saved, got {obj.device}.")
        state = header(obj, _GENERATOR_LOADER)
        state["content"] = {"state": get_state(obj.get_state().numpy(), save_context)}
        return state

    class TorchGeneratorNode(Node):
        """A CPU ``torch.Generator`` with its saved state."""

        def __init__(self, state, load_context, trusted=None):
            super().__init__(state, load_context, trusted)
            self.trusted = [_utils.get_type_name(torch.Generator)]
            self.state = get_tree(state["content"]["state"], load_context, trusted=trusted)
            self.children = {"state": self.state}

        def _construct(self):
            data = self.state.construct()
            if not isinstance(data, np.ndarray) or data.dtype != np.uint8:
                raise TypeError("A generator state in the file is not a byte array.")
            generator = torch.Generator()
            generator.set_state(torch.from_numpy(np.array(data, copy=True)))
            return generator

    # -- optimizers --------------------------------------------------------------------------
    def optimizer_get_state(obj, save_context):
        state = header(obj, _OPTIMIZER_LOADER)
        state["content"] = {
            "defaults": get_state(obj.defaults, save_context),
            "param_groups": get_state(obj.param_groups, save_context),
            # keyed by parameters: stored as pairs (the parameters are shared with the net)
            "state": get_state([[p, s] for p, s in obj.state.items()], save_context),
        }
        return state

    class TorchOptimizerNode(Node):
        """A torch optimizer of a trusted class, rebuilt through its ``__setstate__``."""

        def __init__(self, state, load_context, trusted=None):
            super().__init__(state, load_context, trusted)
            self.trusted = list(optimizer_types)
            content = state["content"]
            self.parts = {key: get_tree(content[key], load_context, trusted=trusted)
                          for key in ("defaults", "param_groups", "state")}
            self.children = dict(self.parts)

        def _construct(self):
            cls = _utils.gettype(self.module_name, self.class_name)
            parts = {key: node.construct() for key, node in self.parts.items()}
            optimizer = cls.__new__(cls)
            optimizer.__setstate__({
                "defaults": parts["defaults"],
                "param_groups": parts["param_groups"],
                "state": defaultdict(dict, {p: s for p, s in parts["state"]}),
            })
            return optimizer

    # -- skorch nets -------------------------------------------------------------------------
    def net_get_state(obj, save_context):
        state = header(obj, _NET_LOADER)
        state["content"] = get_state(dict(obj.__dict__), save_context)
        return state

    class SkorchNetNode(Node):
        """A skorch net of a trusted class, from its attributes (never ``__setstate__``)."""

        def __init__(self, state, load_context, trusted=None):
            super().__init__(state, load_context, trusted)
            self.trusted = list(net_types)
            self.attrs = get_tree(state["content"], load_context, trusted=trusted)
            self.children = {"attrs": self.attrs}

        def _construct(self):
            cls = _utils.gettype(self.module_name, self.class_name)
            attrs = self.attrs.construct()
            if not isinstance(attrs, dict):
                raise TypeError("A skorch net in the file has no attribute dictionary.")
            net = cls.__new__(cls)
            net.__dict__.update(attrs)
            # every tensor loaded on the CPU: so is the net now (a GPU-trained net included)
            if torch.device(net.__dict__.get("device") or "cpu").type != "cpu":
                net.device = "cpu"
            return net

    registrations = [
        (torch.Tensor, tensor_get_state, _TENSOR_LOADER, TorchTensorNode),
        (torch.Generator, generator_get_state, _GENERATOR_LOADER, TorchGeneratorNode),
        (torch.optim.Optimizer, optimizer_get_state, _OPTIMIZER_LOADER, TorchOptimizerNode),
        (skorch.NeuralNet, net_get_state, _NET_LOADER, SkorchNetNode),
    ]
    for cls, get_state_fn, loader, node in registrations:
        _utils._get_state.register(cls)(get_state_fn)
        _audit.NODE_TYPE_MAPPING[(loader, PROTOCOL)] = node
    return sio


def _check_estimator(estimator, what):
    from sklearn.base import BaseEstimator

    cls = type(estimator)
    if not isinstance(estimator, BaseEstimator) or not cls.__module__.startswith("sktopo."):
        raise TypeError(
            f"{what} sktopo estimators only; got {cls.__module__}.{cls.__qualname__}. "
            "Use skops.io for other objects."
        )


def save(estimator: Any, path: str | os.PathLike) -> None:
    """Write a (fitted) sktopo estimator to a skops file that loads without running code.

    The file is a zip of JSON and ``.npy`` arrays (:mod:`skops.io`); torch
    tensors are stored as arrays.  It is written atomically (an interrupted
    save leaves the previous file, or none).  Read it with :func:`load`.

    Parameters
    ----------
    estimator : sktopo estimator
        A detector, reference or transformer of sktopo, fitted or not.
    path : str or path-like
        Destination, by convention ending in ``.skops``.

    Raises
    ------
    TypeError
        If ``estimator`` is not an sktopo estimator, or holds an object
        :func:`load` would refuse (e.g. a user-supplied classifier of a type
        skops does not know); nothing is written then.
    ImportError
        If skops is not installed (``pip install "sktopo[deploy]"``).

    See Also
    --------
    load : Read the file back.
    to_onnx : Export the scoring network for inference outside Python.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from sktopo import PCADetector
    >>> from sktopo.utils import load, save
    >>> X = np.random.default_rng(0).normal(size=(100, 4))
    >>> detector = PCADetector(n_components=2).fit(X)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     save(detector, f"{folder}/pca.skops")
    ...     loaded = load(f"{folder}/pca.skops")
    >>> bool(np.array_equal(loaded.score_samples(X), detector.score_samples(X)))
    True
    """
    sio = _skops()
    _check_estimator(estimator, "save writes")
    data = sio.dumps(estimator)
    untrusted = set(sio.get_untrusted_types(data=data)) - set(_plain_trusted(True))
    if untrusted:
        raise TypeError(
            f"{type(estimator).__name__} holds objects that sktopo.utils.load would refuse: "
            f"{sorted(untrusted)}. Only sktopo's own estimators and their parts are saved; "
            "use skops.io.dump for others and load with an explicit trusted list."
        )
    with atomic_path(path) as tmp:
        Path(tmp).write_bytes(data)


def load(path: str | os.PathLike, *, trust_trees: bool = False) -> Any:
    """Read an estimator written by :func:`save`, building nothing from untrusted types.

    The file is audited before anything is created: every type it names must be
    one of :func:`trusted_types` or one skops trusts by default (numpy arrays,
    scikit-learn estimators, builtins).  Tensors load on the CPU, so a model
    trained on a GPU loads on a machine without one (its skorch net then has
    ``device='cpu'``; the estimator's ``device`` parameter is kept).  The
    scores of the loaded estimator equal those of the saved one bitwise.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save`.
    trust_trees : bool, default=False
        Accept scikit-learn's tree storage, which a
        :class:`~sktopo.DensityRatioDetector` with its default gradient-boosted
        classifier holds.  Off by default, as in skops: scikit-learn reads tree
        node indices without bounds checks, so a crafted file can crash the
        process when it scores.  Pass ``True`` for files from a source you trust.

    Returns
    -------
    estimator : sktopo estimator

    Raises
    ------
    TypeError
        If the file names a type outside the trusted list (nothing from it is
        built; the message lists the types), or its content is not an sktopo
        estimator.
    ImportError
        If skops is not installed (``pip install "sktopo[deploy]"``).

    See Also
    --------
    save : Write the file.
    skops.io.get_untrusted_types : Inspect what a file holds without loading it.
    """
    sio = _skops()
    from skops.io.exceptions import UntrustedTypesFoundException

    try:
        estimator = sio.load(path, trusted=_plain_trusted(trust_trees))
    except UntrustedTypesFoundException as exc:
        untrusted = set(sio.get_untrusted_types(file=path)) - set(_plain_trusted(trust_trees))
        trees = untrusted & set(_tree_types())
        if trees and untrusted == trees:
            raise TypeError(
                f"{os.fspath(path)!r} holds gradient-boosted trees ({sorted(trees)}), whose "
                "node indices scikit-learn reads without bounds checks: a crafted file can "
                "crash the process. If you trust the file's source, load it with "
                "sktopo.utils.load(path, trust_trees=True)."
            ) from exc
        raise TypeError(
            f"{os.fspath(path)!r} holds types that are not part of a fitted sktopo estimator: "
            f"{sorted(untrusted)}. Nothing from the file was built. It was not written by "
            "sktopo.utils.save, or was altered; inspect it with "
            "skops.io.get_untrusted_types(file=path)."
        ) from exc
    _check_estimator(estimator, "load reads")
    return estimator
