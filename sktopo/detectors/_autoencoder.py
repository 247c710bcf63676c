"""Dense autoencoder detector of arXiv:2102.08380 (Sec. 2)."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted

from sktopo.base import BaseDetector
from sktopo.nn._inference import apply_chunked
from sktopo.nn._modules import ACTIVATIONS
from sktopo.nn._training import build_net
from sktopo.utils._device import resolve_device
from sktopo.utils._threads import choose_threads, torch_threads, validate_n_threads

__all__ = ["AutoencoderDetector", "train_autoencoders", "member_seeds"]

_SEED_MAX = np.iinfo(np.int32).max


def member_seeds(random_state):
    """The three seeds one network draws from its ``random_state``.

    Returns ``(init_seed, shuffle_seed, split_seed)``: torch initialisation,
    per-epoch batch order, and the early-stopping validation split.
    """
    rng = check_random_state(random_state)
    return tuple(int(s) for s in rng.randint(0, _SEED_MAX, size=3))


def _hidden_sizes(hidden_layer_sizes):
    sizes = (
        (hidden_layer_sizes,)
        if isinstance(hidden_layer_sizes, Integral)
        else tuple(hidden_layer_sizes)
    )
    for h in sizes:
        if not isinstance(h, Integral) or isinstance(h, bool) or h < 1:
            raise ValueError(
                f"hidden_layer_sizes must contain positive integers, got {hidden_layer_sizes!r}."
            )
    return tuple(int(h) for h in sizes)


def _layer_widths(n_features, params):
    hidden = _hidden_sizes(params["hidden_layer_sizes"])
    return (n_features, *hidden, params["latent_dim"], *reversed(hidden), n_features)


def dense_flops(n_features, params, rows, n_members=1):
    """Floating-point operations of one forward pass of ``rows`` rows through the networks."""
    widths = _layer_widths(n_features, params)
    macs = sum(a * b for a, b in zip(widths[:-1], widths[1:]))
    return 2.0 * macs * rows * n_members


def check_latent_dim(latent_dim):
    """Reject booleans and non-integers (``Interval(Integral)`` lets ``True`` through)."""
    if isinstance(latent_dim, bool) or not isinstance(latent_dim, Integral):
        raise ValueError(f"latent_dim must be a positive integer, got {latent_dim!r}.")


def train_autoencoders(X, params, random_states, *, verbose=None):
    """Train one stacked network holding one autoencoder per entry of ``random_states``.

    This is the single training entry point of every dense autoencoder in
    sktopo: member ``k`` is initialised, shuffled and split exactly as an
    :class:`AutoencoderDetector` with ``random_state=random_states[k]`` and the
    same ``params`` would be.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Validated training data.
    params : dict
        ``AutoencoderDetector.get_params()``.
    random_states : sequence
        One ``random_state`` per member.
    verbose : int or None
        Overrides ``params['verbose']`` when given.

    Returns
    -------
    net : ReconstructionNet
        The fitted skorch net (``net.module_`` is the stacked module).
    """
    n_samples, n_features = X.shape
    hidden = _hidden_sizes(params["hidden_layer_sizes"])
    check_latent_dim(params["latent_dim"])
    validate_n_threads(params["n_threads"])
    if params["latent_dim"] > n_features:
        raise ValueError(
            f"latent_dim={params['latent_dim']} is larger than the number of input "
            f"features, n_features={n_features}; an autoencoder needs a bottleneck."
        )
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
        n_features=n_features,
        latent_dim=params["latent_dim"],
        hidden_layer_sizes=hidden,
        activation=params["activation"],
        activation_beta=params["activation_beta"],
        optimizer=params["optimizer"],
        learning_rate=params["learning_rate"],
        batch_size=params["batch_size"],
        max_epochs=params["max_epochs"],
        device=device,
        init_seeds=[s[0] for s in seeds],
        shuffle_seeds=[s[1] for s in seeds],
        train_indices=as_index(train_idx),
        valid_indices=as_index(valid_idx),
        patience=patience,
        tol=params["tol"],
        verbose=params["verbose"] if verbose is None else verbose,
    )
    batch = min(params["batch_size"], n_samples)
    flops = 3 * dense_flops(n_features, params, batch, n_members)  # forward and backward
    with torch_threads(choose_threads(params["n_threads"], flops)):
        net.fit(X_t, None)
    # The index tensors were only needed for training; do not carry them in pickles.
    net.train_indices = net.valid_indices = None
    return net


class AutoencoderDetector(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseDetector):
    """Anomaly detector scoring samples by a dense autoencoder's reconstruction error.

    The network is that of arXiv:2102.08380, Sec. 2: layer widths
    ``(n_features, *hidden_layer_sizes, latent_dim, *reversed(hidden_layer_sizes),
    n_features)``, the activation on hidden layers only (the latent code and the
    output are linear), trained to minimise the squared Euclidean reconstruction
    error.  Training runs through skorch with the data kept on ``device`` as one
    tensor; scoring runs in float64 in bounded-memory chunks.

    When the data lie on a closed manifold (a circle, a sphere, n-body phase
    space) and ``latent_dim`` equals its dimension, no continuous encoder can be
    invertible: the network tears the manifold at a *break point* where normal
    samples get errors orders of magnitude above typical ones.  See the user
    guide, "Why autoencoders break on spheres".

    Parameters
    ----------
    latent_dim : int, default=2
        Width of the bottleneck (at most ``n_features``).
    hidden_layer_sizes : tuple of int, default=(64,)
        Hidden widths of the encoder; the decoder mirrors them.  ``(64,)`` is
        the paper's 5-layer net, ``(64, 64)`` its 7-layer net.
    activation : {'tanh', 'relu', 'elu', 'gelu', 'sigmoid'}, default='tanh'
        Activation of the hidden layers.
    activation_beta : float, default=1.0
        Temperature of the tanh: ``tanh(beta * x) / beta`` (App. B of the paper).
        Used only with ``activation='tanh'``.
    optimizer : {'sgd', 'adam'}, default='sgd'
        Plain stochastic gradient descent (the paper's choice) or Adam.
    learning_rate : float, default=1e-2
        Step size.
    batch_size : int, default=64
        Samples per mini-batch (capped at the training-set size).
    max_epochs : int, default=200
        Passes over the training data (the paper trains 20,000).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when its loss has
        not improved by ``tol`` for ``n_iter_no_change`` epochs; the weights of
        the best epoch are restored.
    validation_fraction : float, default=0.1
        Share of the training data held out when ``early_stopping``.
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
    tol : float, default=1e-4
        Smallest decrease of the validation loss that counts as improvement.
    device : str, default='cpu'
        ``'cpu'``, ``'cuda'``, ``'cuda:N'``, ``'mps'`` or ``'auto'``.
    contamination : 'auto' or float in (0, 0.5], default='auto'
        Share of training samples flagged as outliers by ``predict``; sets
        ``offset_``.  ``'auto'`` flags 1 % (a reconstruction error has no
        natural scale to threshold without data).
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, batch order and validation split.  With
        an int, two fits on the same machine give bitwise-identical scores on
        CPU.
    verbose : int, default=0
        ``1`` shows a progress bar over epochs with the current loss.
    n_threads : int or None, default=None
        Torch intra-op threads for training and scoring.  ``None`` chooses
        from the work: one thread for networks as small as the papers' (extra
        threads are overhead there, and collapse when another process is busy
        on the machine), all available cores for large ones; ``-1`` uses all
        available cores.  The caller's torch setting is restored after every
        call.

    Attributes
    ----------
    net_ : ReconstructionNet
        The fitted skorch net; ``net_.module_`` is the torch module and
        ``net_.history`` skorch's history.
    loss_curve_ : list of float
        Mean training loss of every epoch.
    validation_loss_curve_ : list of float or None
        Mean validation loss of every epoch (``early_stopping`` only).
    n_iter_ : int
        Number of epochs run.
    offset_ : float
        Threshold on ``score_samples``, see ``contamination``.
    device_ : str
        Device the network was trained on.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit (only for inputs with string column names).

    See Also
    --------
    PCADetector : The linear counterpart.
    sklearn.neural_network.MLPRegressor : A general dense network.

    References
    ----------
    .. [1] J. Batson, C. G. Haaf, Y. Kahn, D. A. Roberts, "Topological
       Obstructions to Autoencoding", JHEP 04 (2021) 280, arXiv:2102.08380.
    .. [2] M. Farina, Y. Nakai, D. Shih, "Searching for New Physics with Deep
       Autoencoders", Phys. Rev. D 101, 075021 (2020), arXiv:1808.08992.

    Examples
    --------
    >>> from sktopo import AutoencoderDetector
    >>> from sktopo.datasets import make_circle
    >>> X, phi = make_circle(200, random_state=0)
    >>> det = AutoencoderDetector(latent_dim=1, max_epochs=5, random_state=0).fit(X)
    >>> det.score_samples(X).shape
    (200,)
    >>> det.transform(X).shape
    (200, 1)
    """

    _parameter_constraints: dict = {
        **BaseDetector._parameter_constraints,
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "activation_beta": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [StrOptions({"sgd", "adam"})],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "n_threads": [Interval(Integral, -1, None, closed="left"), None],
    }

    def __init__(
        self,
        *,
        latent_dim=2,
        hidden_layer_sizes=(64,),
        activation="tanh",
        activation_beta=1.0,
        optimizer="sgd",
        learning_rate=1e-2,
        batch_size=64,
        max_epochs=200,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        device="cpu",
        contamination="auto",
        random_state=None,
        verbose=0,
        n_threads=None,
    ):
        self.latent_dim = latent_dim
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.activation_beta = activation_beta
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.device = device
        self.contamination = contamination
        self.random_state = random_state
        self.verbose = verbose
        self.n_threads = n_threads

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the autoencoder on ``X`` (assumed mostly normal) and set ``offset_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : ignored

        Returns
        -------
        self : AutoencoderDetector
            The fitted detector.

        Raises
        ------
        sktopo.nn.TrainingDivergedError
            If training blows up: a non-finite loss, a loss grown by orders of
            magnitude over its first value, or non-finite training scores
            (learning rate too large).

        Warns
        -----
        UserWarning
            If ``latent_dim`` is not smaller than ``n_features`` (the network
            can learn the identity and detect nothing), or if every training
            sample gets the same score.
        """
        X = self._validate_X(X, reset=True)
        check_latent_dim(self.latent_dim)
        validate_n_threads(self.n_threads)
        if self.latent_dim <= X.shape[1]:
            self._warn_no_bottleneck(self.latent_dim, X.shape[1], "latent_dim")
        self.device_ = resolve_device(self.device)
        self.net_ = train_autoencoders(X, self.get_params(), [self.random_state])
        history = self.net_.history
        self.loss_curve_ = [float(v[0]) for v in history[:, "train_loss"]]
        self.validation_loss_curve_ = (
            [float(v[0]) for v in history[:, "valid_loss"]] if self.early_stopping else None
        )
        self.n_iter_ = len(history)
        self._set_offset(X)
        return self

    @property
    def _n_features_out(self):
        return self.latent_dim

    def _scoring_threads(self, rows=4096):
        flops = dense_flops(self.n_features_in_, self.get_params(), rows)
        return choose_threads(self.n_threads, flops)

    def _apply(self, X, fn, **kwargs):
        return apply_chunked(self.net_.module_, X, fn, n_threads=self._scoring_threads(), **kwargs)

    def _reconstruction_error(self, X):
        return self._apply(X, "errors", reduce=lambda e: e[:, 0])

    def reconstruct(self, X):
        """The autoencoder's output for ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_hat : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self._apply(X, "reconstruct", members=0)

    def transform(self, X):
        """Latent codes (encoder outputs) of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        Z : ndarray of shape (n_samples, latent_dim)
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self._apply(X, "encode", members=0)

    def inverse_transform(self, Z):
        """Decode latent codes back to feature space.

        Parameters
        ----------
        Z : array-like of shape (n_samples, latent_dim)

        Returns
        -------
        X_hat : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        Z = check_array(Z, dtype=[np.float64, np.float32])
        if Z.shape[1] != self.latent_dim:
            raise ValueError(
                f"Z has {Z.shape[1]} features, but the latent space of "
                f"{type(self).__name__} has latent_dim={self.latent_dim}."
            )
        return self._apply(Z, "decode", members=0)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags
