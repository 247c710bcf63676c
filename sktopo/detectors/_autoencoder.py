"""Dense autoencoder detector of arXiv:2102.08380 (Sec. 2)."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted

from sktopo.detectors._neural import TRAINING_CONSTRAINTS, NeuralDetector, check_latent_code
from sktopo.nn._members import final_member_losses, keep_member
from sktopo.nn._modules import (
    ACTIVATIONS,
    INITS,
    LATENT_SPACES,
    OUTPUT_ACTIVATIONS,
    StackedAutoencoder,
    latent_width,
)
from sktopo.nn._specs import DenseSpec
from sktopo.utils._random import draw_seeds
from sktopo.utils._validation import IntInterval

__all__ = ["AutoencoderDetector", "init_random_states"]


def init_random_states(random_state, n_init):
    """The ``random_state`` of each of the ``n_init`` trainings of one detector.

    Training 0 uses ``random_state`` itself (so ``n_init=1`` is a plain fit);
    trainings ``1, ..., n_init - 1`` use ints drawn by
    ``check_random_state(random_state).randint(0, 2**31 - 1, size=n_init - 1)``,
    so a larger ``n_init`` only adds trainings to those of a smaller one.

    Parameters
    ----------
    random_state : int, RandomState instance or None
        The detector's ``random_state``.
    n_init : int
        Number of trainings.

    Returns
    -------
    random_states : list
        ``n_init`` entries, the first ``random_state``.

    Examples
    --------
    >>> from sktopo.detectors._autoencoder import init_random_states
    >>> states = init_random_states(0, 3)
    >>> states[0], len(states), states[:2] == init_random_states(0, 2)
    (0, 3, True)
    """
    if n_init == 1:
        return [random_state]
    return [random_state, *draw_seeds(random_state, n_init - 1)]


class AutoencoderDetector(NeuralDetector):
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
    latent_activation : str or None, default=None
        Activation of the latent code: ``None`` keeps it linear (the paper's
        choice); any name of ``activation``.  The dense jet-image network of
        arXiv:1808.08992 uses ``'relu'``.  Must be ``None`` with a
        ``'sphere'`` or ``'torus'`` latent space.
    latent_space : {'euclidean', 'sphere', 'torus'}, default='euclidean'
        Manifold the code lives on; ``latent_dim`` is always its dimension.

        - ``'euclidean'``: ``R^latent_dim``, the paper's choice.
        - ``'sphere'``: the sphere ``S^latent_dim``.  The encoder's last
          linear layer has ``latent_dim + 1`` outputs, divided by their norm;
          the decoder reads those ``latent_dim + 1`` numbers.
        - ``'torus'``: ``latent_dim`` circles.  The encoder outputs
          ``2 * latent_dim`` numbers, each consecutive pair divided by its
          norm (a point ``(cos a_i, sin a_i)`` per circle).

        A Euclidean code must tear a sphere-like data set (a circle, ``S^n``,
        n-body phase space), whatever ``latent_dim``; a code with the data's
        topology need not, so the break point disappears instead of being
        averaged away as in :class:`ChartEnsembleDetector`.  This removes the
        false positives of a closed manifold; it does not make a resonance on a
        submanifold stand out.  :func:`~sktopo.diagnostics.suggest_latent_space`
        picks one from the data's Betti numbers; see the user guide,
        "Latent spaces with the data's topology".
    output_activation : str, tuple of str or None, default=None
        Activation(s) of the output layer, applied in order: ``None`` keeps
        it linear; names of ``activation`` and ``'softmax'`` (over the
        features, for inputs normalised to unit sum such as jet images).
        The dense jet-image network of arXiv:1808.08992 is
        ``AutoencoderDetector(latent_dim=6, hidden_layer_sizes=(32,),
        activation='relu', latent_activation='relu',
        output_activation=('relu', 'softmax'), optimizer='adam',
        learning_rate=1e-3, batch_size=1024, early_stopping=True,
        n_iter_no_change=5, init='keras')``.
    init : {'torch', 'keras'}, default='torch'
        Initialisation: PyTorch's default for linear layers (weights and
        biases uniform in ``+-1/sqrt(fan_in)``) or Keras' (Glorot-uniform
        weights, zero biases), which the jet papers used.  With ReLU networks
        on normalised jet images take ``'keras'``: random biases as large as
        the inputs leave many units dead from the start (the paper's dense net
        then stalls near the loss of a one-component PCA).
    optimizer : {'sgd', 'adam'}, default='sgd'
        Plain stochastic gradient descent (the paper's choice) or Adam.
    learning_rate : float, default=1e-2
        Step size.
    batch_size : int, default=64
        Samples per mini-batch (capped at the training-set size); ``'auto'``:
        ``min(1024, max(32, n // 20))`` for ``n`` training samples.
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
    n_init : int, default=1
        Number of networks trained from different seeds, as
        :class:`sklearn.cluster.KMeans` does: the one with the lowest final
        training loss (with ``early_stopping``, the lowest best validation
        loss) is kept; no labels are used.  The ``n_init`` networks train
        together as one stacked module (about ``n_init`` times the work of one
        in a single pass).  Training 0 uses ``random_state``, so ``n_init=1``
        is a plain fit; see :func:`init_random_states`.  A kept network is the
        one a detector with ``random_state=init_random_states_[k]`` trains (up
        to float32 rounding of the stacked products, measured 3e-8 relative
        on the scores), except with ``early_stopping``: the stack stops only when no
        network has improved for ``n_iter_no_change`` epochs, so the kept one
        may have trained longer (its best weights are restored).  Worth it
        where training often lands in a bad local minimum, e.g. a
        ``'torus'`` latent on a torus.  Not allowed inside a
        :class:`ChartEnsembleDetector`, which already trains several networks.
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
    callbacks : list or None, default=None
        skorch callbacks (instances, or ``(name, callback)`` pairs) added to
        the library's own (loss record, divergence check, early stopping,
        progress bar) and called on every epoch of the real training, e.g.
        ``[skorch.callbacks.LRScheduler(policy="StepLR", step_size=50)]``.
        The history's ``train_loss`` / ``valid_loss`` are scalars (mean over
        stacked networks), as skorch's callbacks expect.  See the user guide,
        "Training: callbacks".

    Attributes
    ----------
    net_ : StackedNet
        The fitted skorch net; ``net_.module_`` is the torch module and
        ``net_.history`` skorch's history.
    loss_curve_ : list of float
        Mean training loss of every epoch.
    validation_loss_curve_ : list of float or None
        Mean validation loss of every epoch (``early_stopping`` only).
    n_iter_ : int
        Number of epochs run.
    init_losses_ : ndarray of shape (n_init,)
        Final training loss (with ``early_stopping``, best validation loss)
        of each of the ``n_init`` trainings.
    best_init_ : int
        Index of the kept training: ``argmin(init_losses_)``.
    init_random_states_ : list of length n_init
        ``random_state`` of each training; ``init_random_states_[best_init_]``
        refits the kept network alone.
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

    A latent circle: codes are unit vectors of the plane.

    >>> det = AutoencoderDetector(latent_dim=1, latent_space="sphere", max_epochs=5,
    ...                           random_state=0).fit(X)
    >>> Z = det.transform(X)
    >>> Z.shape
    (200, 2)
    >>> bool(abs((Z ** 2).sum(axis=1) - 1.0).max() < 1e-12)
    True

    Keep the best of three trainings, chosen by their own training loss.

    >>> det = AutoencoderDetector(latent_dim=1, max_epochs=5, n_init=3,
    ...                           random_state=0).fit(X)
    >>> det.init_losses_.shape, bool(det.best_init_ == det.init_losses_.argmin())
    ((3,), True)
    """

    _parameter_constraints: dict = {
        **TRAINING_CONSTRAINTS,
        "hidden_layer_sizes": ["array-like", IntInterval(1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "activation_beta": [Interval(Real, 0, None, closed="neither")],
        "latent_activation": [StrOptions(set(ACTIVATIONS)), None],
        "output_activation": [StrOptions(set(OUTPUT_ACTIVATIONS)), tuple, list, None],
        "init": [StrOptions(set(INITS))],
        "latent_space": [StrOptions(set(LATENT_SPACES))],
        "n_init": [IntInterval(1, None, closed="left")],
    }

    def __init__(
        self,
        *,
        latent_dim=2,
        hidden_layer_sizes=(64,),
        activation="tanh",
        activation_beta=1.0,
        latent_activation=None,
        latent_space="euclidean",
        output_activation=None,
        init="torch",
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
        n_init=1,
        random_state=None,
        verbose=0,
        n_threads=None,
        callbacks=None,
    ):
        self.latent_dim = latent_dim
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.activation_beta = activation_beta
        self.latent_activation = latent_activation
        self.latent_space = latent_space
        self.output_activation = output_activation
        self.init = init
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
        self.n_init = n_init
        self.random_state = random_state
        self.verbose = verbose
        self.n_threads = n_threads
        self.callbacks = callbacks

    def _network(self, n_features):
        check_latent_code(self.latent_space, self.latent_activation)
        spec = DenseSpec.from_params(
            n_features, self.hidden_layer_sizes, self.latent_dim,
            code_width=latent_width(self.latent_dim, self.latent_space),
        )
        kwargs = dict(
            n_features=n_features,
            latent_dim=self.latent_dim,
            hidden_layer_sizes=spec.hidden_layer_sizes,
            activation=self.activation,
            activation_beta=self.activation_beta,
            latent_activation=self.latent_activation,
            output_activation=self.output_activation,
            init=self.init,
        )
        if self.latent_space != "euclidean":
            kwargs["latent_space"] = self.latent_space
        return spec, StackedAutoencoder, kwargs

    def _train_members(self, X, random_states, config=None):
        # The hook ChartEnsembleDetector trains its charts with: one member per state.
        if self.n_init != 1:
            raise ValueError(
                f"n_init={self.n_init} is not supported inside an ensemble: use n_init on a "
                f"single detector; an ensemble already trains several charts."
            )
        return super()._train_members(X, random_states, config)

    def _fit_net(self, X, config):
        self.init_random_states_ = init_random_states(self.random_state, self.n_init)
        net = super()._train_members(X, self.init_random_states_, config)
        self.init_losses_ = final_member_losses(net, self.early_stopping)
        self.best_init_ = int(np.argmin(self.init_losses_))
        return net if self.n_init == 1 else keep_member(net, self.best_init_)

    @property
    def _n_features_out(self):
        return latent_width(self.latent_dim, self.latent_space)

    def transform(self, X):
        """Latent codes (encoder outputs) of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        Z : ndarray of shape (n_samples, n_codes)
            ``n_codes`` is ``latent_dim`` for a Euclidean latent space;
            ``latent_dim + 1`` for ``'sphere'`` (unit vectors); ``2 *
            latent_dim`` for ``'torus'`` (``cos a_i, sin a_i`` of every
            circle; ``np.arctan2(Z[:, 1::2], Z[:, ::2])`` gives the angles).
        """
        return super().transform(X)

    def inverse_transform(self, Z):
        """Decode latent codes back to feature space.

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_codes)
            Codes as :meth:`transform` returns them.  With a ``'sphere'`` or
            ``'torus'`` latent space, codes off the manifold are first
            projected onto it (divided by their norm, pairwise for a torus).

        Returns
        -------
        X_hat : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        Z = check_array(Z, dtype=[np.float64, np.float32])
        n_codes = self._n_features_out
        if Z.shape[1] != n_codes:
            raise ValueError(
                f"Z has {Z.shape[1]} features, but the latent space of "
                f"{type(self).__name__} (latent_dim={self.latent_dim}, "
                f"latent_space={self.latent_space!r}) has {n_codes} coordinates."
            )
        return self._apply(Z, "decode", members=0)
