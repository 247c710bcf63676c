"""Variational autoencoder detector (arXiv:1312.6114; jets: arXiv:2110.06948)."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from sktopo.detectors._autoencoder import _hidden_sizes
from sktopo.detectors._conv import ConvAutoencoderDetector, _positive_ints
from sktopo.detectors._neural import TRAINING_CONSTRAINTS, NeuralDetector
from sktopo.nn._conv import conv_flops
from sktopo.nn._modules import ACTIVATIONS, INITS, OUTPUT_ACTIVATIONS
from sktopo.nn._training import train_stacked
from sktopo.nn._vae import (
    RECONSTRUCTIONS,
    SCORES,
    StackedConvVAE,
    StackedVAE,
    StackedVAELoss,
    vae_flops,
    vae_reconstruct,
    vae_scores,
)
from sktopo.utils._validation import IntInterval

__all__ = ["VAEDetector", "train_vaes"]


def _conv_shape(n_features, image_shape):
    """``(height, width)`` of flattened images, as :class:`ConvAutoencoderDetector` reads it."""
    return ConvAutoencoderDetector(image_shape=image_shape)._shape(n_features)


def _network(n_features, params):
    """The module class, its arguments and its forward flops per row."""
    hidden = _hidden_sizes(params["hidden_layer_sizes"])
    latent = params["latent_dim"]
    if params["architecture"] == "conv":
        if len(hidden) != 1:
            raise ValueError(
                "architecture='conv' takes one width in hidden_layer_sizes (the dense layer "
                f"around the latent code), got {params['hidden_layer_sizes']!r}."
            )
        channels = _positive_ints(params["channels"], "channels")
        if params["n_pool"] > len(channels):
            raise ValueError(
                f"n_pool={params['n_pool']} poolings need at least as many convolutions, got "
                f"channels={params['channels']!r}."
            )
        kwargs = dict(image_shape=_conv_shape(n_features, params["image_shape"]),
                      latent_dim=latent, channels=channels, n_pool=params["n_pool"],
                      dense_width=hidden[0], activation=params["activation"],
                      output_activation=params["output_activation"],
                      reconstruction=params["reconstruction"], init=params["init"])
        flops = conv_flops(kwargs["image_shape"], channels, params["n_pool"], hidden[0],
                           2 * latent)
        return StackedConvVAE, kwargs, flops
    kwargs = dict(n_features=n_features, latent_dim=latent, hidden_layer_sizes=hidden,
                  activation=params["activation"],
                  output_activation=params["output_activation"],
                  reconstruction=params["reconstruction"], init=params["init"])
    return StackedVAE, kwargs, vae_flops(n_features, hidden, latent)


def train_vaes(X, params, random_states, *, beta=None, verbose=None):
    """Train one stacked module holding one VAE per entry of ``random_states``.

    Member ``k`` is initialised, shuffled, split and noised exactly as a
    :class:`VAEDetector` with ``random_state=random_states[k]`` and the same
    ``params`` would be.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Validated training data.
    params : dict
        ``VAEDetector.get_params()``.
    random_states : sequence
        One ``random_state`` per member.
    beta : sequence of float or None, default=None
        One KL weight per member (``None``: ``params['beta']`` for all), so
        that a scan over ``beta`` trains as one stacked network.
    verbose : int or None
        Overrides ``params['verbose']`` when given.

    Returns
    -------
    net : ReconstructionNet
        The fitted skorch net; ``net.module_`` is the :class:`~sktopo.nn.StackedVAE`.
    """
    module, kwargs, flops = _network(X.shape[1], params)
    if beta is None:
        beta = params["beta"]
    elif len(beta) != len(random_states):
        raise ValueError(
            f"beta has {len(beta)} values for {len(random_states)} members; give one per member."
        )
    criterion = StackedVAELoss(beta=beta, reconstruction=params["reconstruction"])
    return train_stacked(
        X, params, random_states, module=module, module_kwargs=kwargs, flops_per_row=flops,
        verbose=verbose, criterion=criterion,
    )


class VAEDetector(NeuralDetector):
    """Anomaly detector scoring samples with a variational autoencoder.

    A dense VAE: the encoder (widths ``(n_features, *hidden_layer_sizes)``)
    ends in two linear heads giving the mean ``mu`` and log-variance of a
    Gaussian ``q(z|x)`` over a ``latent_dim``-dimensional code; the decoder
    mirrors the encoder.  Training minimises, per sample, the reconstruction
    loss of a reparameterised sample ``z = mu + sigma * eps`` plus ``beta``
    times ``KL(q(z|x) || N(0, I))`` on sktopo's one training path (skorch).

    Scores are deterministic: every score is computed from the encoder mean,
    never from a sample, so the same sample gets the same score in every call
    (PyOD's VAE samples at scoring time).  ``transform`` returns the encoder
    means.  The noise of training comes from a generator of the network's own,
    seeded from ``random_state``: with an int, two fits give bitwise-identical
    scores on a CPU.

    Parameters
    ----------
    latent_dim : int, default=2
        Dimension of the latent code (smaller than ``n_features``).
    beta : float, default=1.0
        Weight of the KL term (``>= 0``).  ``beta=0`` drops it, leaving an
        autoencoder trained on noisy codes; ``beta=1`` is the plain VAE.  The
        scale that matters is ``beta`` times the KL against the
        reconstruction loss: for jet images of unit sum the squared error is
        of order 1e-2, so useful values of ``beta`` with ``'mse'`` are far
        below 1 (see the user guide).
    reconstruction : {'mse', 'cross_entropy'}, default='mse'
        Reconstruction loss: the squared error summed over features, or the
        cross-entropy ``-sum_j x_j log x_hat_j`` of a softmax output (for
        non-negative inputs of unit sum, such as normalised jet images; it is
        minimal, equal to the entropy of ``x``, at a perfect reconstruction).
    score_type : {'elbo', 'reconstruction', 'kl', 'latent_norm'}, default='elbo'
        Anomaly score, all from the encoder mean ``mu``: ``'reconstruction'``
        is the reconstruction loss of ``decode(mu)``; ``'kl'`` is
        ``KL(q(z|x) || N(0, I))``; ``'elbo'`` is ``reconstruction + beta *
        kl``, the negative ELBO with the sample replaced by its mean (the
        training loss without noise); ``'latent_norm'`` is ``|mu|``.
        :meth:`anomaly_scores` gives all four from one pass.
    hidden_layer_sizes : tuple of int, default=(64,)
        Hidden widths of the encoder; the decoder mirrors them.  With
        ``architecture='conv'``: one width, of the dense layer around the code.
    activation : {'relu', 'tanh', 'elu', 'gelu', 'sigmoid'}, default='relu'
        Activation of the hidden layers.
    output_activation : str, tuple of str or None, default=None
        Activation(s) of the reconstruction with ``'mse'`` (``None``: linear;
        ``'softmax'`` for inputs of unit sum).  With ``'cross_entropy'`` the
        output is always a softmax and this must be ``None`` or ``'softmax'``.
    init : {'keras', 'torch'}, default='keras'
        Initialisation (Glorot weights and zero biases, or PyTorch's default).
    architecture : {'dense', 'conv'}, default='dense'
        ``'dense'``: the network above.  ``'conv'``: the convolutional
        network of :class:`ConvAutoencoderDetector` (3 x 3 convolutions with
        ``channels``, ``n_pool`` 2 x 2 max-pools, one dense layer of
        ``hidden_layer_sizes[0]`` around the code) for images given as
        flattened rows, with mean and log-variance heads.
    channels : tuple of int, default=(16, 16, 16)
        Channels of the convolutions (``'conv'`` only).
    n_pool : int, default=2
        Number of 2 x 2 poolings, at most ``len(channels)`` (``'conv'`` only).
    image_shape : tuple of int or None, default=None
        ``(height, width)`` of the images (``'conv'`` only; ``None``: square).
    optimizer : {'adam', 'sgd'}, default='adam'
        Optimiser.
    learning_rate : float, default=1e-3
        Step size.
    batch_size : int, default=128
        Samples per mini-batch (capped at the training-set size).
    max_epochs : int, default=100
        Passes over the training data.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` and stop when its loss (evaluated at
        the encoder mean) has not improved by ``tol`` for ``n_iter_no_change``
        epochs; the best weights are restored.
    validation_fraction : float, default=0.1
        Share of the training data held out when ``early_stopping``.
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
    tol : float, default=0.0
        Smallest decrease of the validation loss that counts as improvement.
    device : str, default='cpu'
        ``'cpu'``, ``'cuda'``, ``'cuda:N'``, ``'mps'`` or ``'auto'``.
    contamination : 'auto' or float in (0, 0.5], default='auto'
        Share of training samples flagged by ``predict``; sets ``offset_``.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, batch order, validation split and the
        reparameterisation noise.
    verbose : int, default=0
        ``1`` shows a progress bar over epochs with the current loss.
    n_threads : int or None, default=None
        Torch intra-op threads for training and scoring (``None``: chosen
        from the work; ``-1``: all cores).

    Attributes
    ----------
    net_ : ReconstructionNet
        The fitted skorch net; ``net_.module_`` is the :class:`~sktopo.nn.StackedVAE`
        (or ``StackedConvVAE``).
    loss_curve_ : list of float
        Mean training loss (reconstruction + ``beta`` x KL) of every epoch.
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
    AutoencoderDetector : The deterministic autoencoder.
    ConvAutoencoderDetector : A convolutional autoencoder for images.
    PCADetector : The linear baseline.

    Notes
    -----
    The score is chosen by ``score_type``, not ``score``: ``score(X)`` is the
    mean of ``score_samples``, as for every sktopo and scikit-learn outlier
    detector.  ``reconstruction_error(X)`` returns the chosen anomaly score
    (with ``'mse'`` and ``score_type='reconstruction'``, the squared error of
    the decoded mean, as for the other detectors).

    References
    ----------
    .. [1] D. P. Kingma, M. Welling, "Auto-Encoding Variational Bayes",
       arXiv:1312.6114.
    .. [2] K. Fraser, S. Homiller, R. K. Mishra, B. Ostdiek, M. D. Schwartz,
       "Challenges for Unsupervised Anomaly Detection in Particle Physics",
       JHEP 03 (2022) 066, arXiv:2110.06948.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo import VAEDetector
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 5))
    >>> det = VAEDetector(latent_dim=2, hidden_layer_sizes=(16,), max_epochs=5,
    ...                   random_state=0).fit(X)
    >>> det.score_samples(X).shape
    (200,)
    >>> bool(np.array_equal(det.score_samples(X), det.score_samples(X)))
    True
    >>> det.transform(X).shape
    (200, 2)
    >>> sorted(det.anomaly_scores(X))
    ['elbo', 'kl', 'latent_norm', 'reconstruction']
    """

    _parameter_constraints: dict = {
        **TRAINING_CONSTRAINTS,
        "beta": [Interval(Real, 0, None, closed="left")],
        "reconstruction": [StrOptions(set(RECONSTRUCTIONS))],
        "score_type": [StrOptions(set(SCORES))],
        "hidden_layer_sizes": ["array-like", IntInterval(1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "output_activation": [StrOptions(set(OUTPUT_ACTIVATIONS)), tuple, list, None],
        "init": [StrOptions(set(INITS))],
        "architecture": [StrOptions({"dense", "conv"})],
        "channels": ["array-like", IntInterval(1, None, closed="left")],
        "n_pool": [IntInterval(0, None, closed="left")],
        "image_shape": ["array-like", None],
    }

    def __init__(
        self,
        *,
        latent_dim=2,
        beta=1.0,
        reconstruction="mse",
        score_type="elbo",
        hidden_layer_sizes=(64,),
        activation="relu",
        output_activation=None,
        init="keras",
        architecture="dense",
        channels=(16, 16, 16),
        n_pool=2,
        image_shape=None,
        optimizer="adam",
        learning_rate=1e-3,
        batch_size=128,
        max_epochs=100,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=0.0,
        device="cpu",
        contamination="auto",
        random_state=None,
        verbose=0,
        n_threads=None,
    ):
        self.latent_dim = latent_dim
        self.beta = beta
        self.reconstruction = reconstruction
        self.score_type = score_type
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.output_activation = output_activation
        self.init = init
        self.architecture = architecture
        self.channels = channels
        self.n_pool = n_pool
        self.image_shape = image_shape
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

    def _train_members(self, X, random_states, *, verbose=None):
        return train_vaes(X, self.get_params(), random_states, verbose=verbose)

    def _forward_flops(self, n_features):
        return _network(n_features, self.get_params())[2]

    def _check_widths(self, n_features):
        _network(n_features, self.get_params())
        if self.latent_dim > n_features:
            raise ValueError(
                f"latent_dim={self.latent_dim} is larger than the number of input "
                f"features, n_features={n_features}; a VAE needs a bottleneck."
            )
        if self.reconstruction == "cross_entropy" and self.output_activation not in (
            None, "softmax"
        ):
            raise ValueError(
                "reconstruction='cross_entropy' compares x with a softmax output; "
                f"output_activation must be None or 'softmax', got {self.output_activation!r}."
            )

    def _all_scores(self, X):
        return vae_scores(self.net_.module_, X, beta=self.beta,
                          n_threads=self._scoring_threads(), verbose=self.verbose)

    def _reconstruction_error(self, X):
        return np.ascontiguousarray(self._all_scores(X)[:, SCORES.index(self.score_type)])

    def anomaly_scores(self, X):
        """Every anomaly score of :class:`VAEDetector`, from one pass (larger = more anomalous).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : dict of str to ndarray of shape (n_samples,)
            ``'reconstruction'``, ``'kl'``, ``'elbo'`` and ``'latent_norm'``
            (see the ``score_type`` parameter).
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        all_scores = self._all_scores(X)
        return {name: np.ascontiguousarray(all_scores[:, i]) for i, name in enumerate(SCORES)}

    def reconstruct(self, X):
        """Reconstruction of the encoder mean, ``decode(mu(X))``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_hat : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return vae_reconstruct(self.net_.module_, X, n_threads=self._scoring_threads(),
                               verbose=self.verbose)
