"""Variational autoencoder detector (arXiv:1312.6114; jets: arXiv:2110.06948)."""

from __future__ import annotations

import warnings
from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from sktopo.detectors._neural import TRAINING_CONSTRAINTS, NeuralDetector
from sktopo.nn._config import TrainingConfig
from sktopo.nn._modules import ACTIVATIONS, INITS, OUTPUT_ACTIVATIONS
from sktopo.nn._specs import ConvSpec, DenseSpec
from sktopo.nn._training import train_stacked
from sktopo.nn._vae import (
    RECONSTRUCTIONS,
    SCORES,
    StackedConvVAE,
    StackedVAE,
    StackedVAELoss,
    vae_reconstruct,
    vae_scores,
)
from sktopo.utils._validation import IntInterval

__all__ = ["VAEDetector"]


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
        :meth:`anomaly_score` gives the chosen one, :meth:`scores_by_type`
        all four from one pass.
    hidden_layer_sizes : tuple of int, default=(64,)
        Hidden widths of the encoder; the decoder mirrors them
        (``architecture='dense'`` only).
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
        network of :class:`ConvAutoencoderDetector` for images given as
        flattened rows, with mean and log-variance heads; ``channels``,
        ``n_pool``, ``kernel_size``, ``dense_width`` and ``image_shape`` have
        exactly their meaning there.
    channels : tuple of int, default=(16, 16, 16)
        Channels of the convolutions (``'conv'`` only).
    n_pool : int, default=2
        Number of 2 x 2 poolings, at most ``len(channels)`` (``'conv'`` only).
    kernel_size : int, default=3
        Odd side of the square convolution kernels (``'conv'`` only).
    dense_width : int, default=32
        Width of the dense layer around the code (``'conv'`` only).
    image_shape : tuple of int or None, default=None
        ``(height, width)`` of the images (``'conv'`` only; ``None``: square).
    optimizer : {'adam', 'sgd'}, default='adam'
        Optimiser.
    learning_rate : float, default=1e-3
        Step size.
    batch_size : int, default=128
        Samples per mini-batch (capped at the training-set size); ``'auto'``:
        ``min(1024, max(32, n // 20))`` for ``n`` training samples.
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
    detector.  :meth:`anomaly_score` returns the chosen score and
    ``reconstruction_error(X)`` the reconstruction term alone (with
    ``'mse'``, the squared error of the decoded mean, as for the other
    detectors).

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
    >>> sorted(det.scores_by_type(X))
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
        "kernel_size": [IntInterval(1, None, closed="left")],
        "dense_width": [IntInterval(1, None, closed="left")],
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
        kernel_size=3,
        dense_width=32,
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
        callbacks=None,
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
        self.kernel_size = kernel_size
        self.dense_width = dense_width
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
        self.callbacks = callbacks

    def _network(self, n_features):
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
        common = dict(latent_dim=self.latent_dim, activation=self.activation,
                      output_activation=self.output_activation,
                      reconstruction=self.reconstruction, init=self.init)
        if self.architecture == "conv":
            spec = ConvSpec.from_params(
                n_features, image_shape=self.image_shape, channels=self.channels,
                n_pool=self.n_pool, dense_width=self.dense_width,
                kernel_size=self.kernel_size, code_width=2 * self.latent_dim,
            )
            return spec, StackedConvVAE, dict(**spec.module_kwargs(), **common)
        spec = DenseSpec.from_params(
            n_features, self.hidden_layer_sizes, self.latent_dim,
            code_width=2 * self.latent_dim, decoder_input=self.latent_dim, model="a VAE",
        )
        return spec, StackedVAE, dict(n_features=n_features,
                                      hidden_layer_sizes=spec.hidden_layer_sizes, **common)

    def _criterion(self):
        return StackedVAELoss(beta=self.beta, reconstruction=self.reconstruction)

    # posterior collapse (a decoder that ignores its code) is a VAE's own behaviour
    # at large beta, measured and reported, not an error
    _refuse_constant_output = False

    def _training_losses(self, X):
        return self._all_scores(X)[:, SCORES.index("elbo")]

    def _check_training_data(self, X):
        if self.reconstruction != "cross_entropy":
            return
        low, high = float(X.min()), float(X.max())
        if low < 0 or high > 1:
            rows = np.flatnonzero((X < 0).any(axis=1) | (X > 1).any(axis=1))
            raise ValueError(
                "reconstruction='cross_entropy' compares each row with a softmax output: "
                f"rows must be distributions (values in [0, 1] summing to one), but X has "
                f"values in [{low:.3g}, {high:.3g}] ({rows.size} rows outside [0, 1], the "
                f"first row {rows[0]}). Normalise each row to unit sum (jet images: "
                "JetImages(normalize=True)) or use reconstruction='mse'."
            )
        sums = X.sum(axis=1)
        off = np.flatnonzero(np.abs(sums - 1.0) > 1e-3)
        if off.size:
            raise ValueError(
                "reconstruction='cross_entropy' compares each row with a softmax output: "
                f"rows must sum to one, but {off.size} of {X.shape[0]} do not (row "
                f"{off[0]} sums to {sums[off[0]]:.4g}). Normalise each row to unit sum or use "
                "reconstruction='mse'."
            )

    def _train_members(self, X, random_states, config=None, *, beta=None):
        """Train one stacked module with one VAE per entry of ``random_states``.

        ``beta`` gives one KL weight per member (``None``: ``self.beta`` for
        all), so that a scan over ``beta`` trains as one stacked network.
        """
        if beta is None:
            return super()._train_members(X, random_states, config)
        if len(beta) != len(random_states):
            raise ValueError(
                f"beta has {len(beta)} values for {len(random_states)} members; give one "
                "per member."
            )
        spec, module, kwargs = self._network(X.shape[1])
        config = TrainingConfig.from_estimator(self) if config is None else config
        criterion = StackedVAELoss(beta=beta, reconstruction=self.reconstruction)
        return train_stacked(X, config, random_states, module=module, module_kwargs=kwargs,
                             flops_per_row=spec.flops, criterion=criterion)

    def _all_scores(self, X):
        return vae_scores(self.net_.module_, X, beta=self.beta,
                          n_threads=self._scoring_threads(), verbose=self.verbose)

    def _anomaly_score(self, X):
        return np.ascontiguousarray(self._all_scores(X)[:, SCORES.index(self.score_type)])

    def _reconstruction_error(self, X):
        return np.ascontiguousarray(self._all_scores(X)[:, SCORES.index("reconstruction")])

    def reconstruction_error(self, X):
        """The reconstruction term of the loss, from the encoder mean.

        The squared error ``sum_j (x_j - x_hat_j)**2`` of ``decode(mu(x))``
        with ``reconstruction='mse'``, the cross-entropy with
        ``'cross_entropy'``: the ``'reconstruction'`` score.  The detector's
        anomaly score is :meth:`anomaly_score` (the chosen ``score_type``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        errors : ndarray of shape (n_samples,)
        """
        return super().reconstruction_error(X)

    def scores_by_type(self, X):
        """Every anomaly score of :class:`VAEDetector`, from one pass (larger = more anomalous).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : dict of str to ndarray of shape (n_samples,)
            ``'reconstruction'``, ``'kl'``, ``'elbo'`` and ``'latent_norm'``
            (see the ``score_type`` parameter);
            ``scores_by_type(X)[score_type]`` is :meth:`anomaly_score`.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        all_scores = self._all_scores(X)
        return {name: np.ascontiguousarray(all_scores[:, i]) for i, name in enumerate(SCORES)}

    def anomaly_scores(self, X):
        """Deprecated alias of :meth:`scores_by_type` (removed in sktopo 0.3).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : dict of str to ndarray of shape (n_samples,)
        """
        warnings.warn(
            "VAEDetector.anomaly_scores is deprecated and will be removed in sktopo 0.3: use "
            "scores_by_type(X) for every score type, or anomaly_score(X) for the chosen one.",
            FutureWarning,
            stacklevel=2,
        )
        return self.scores_by_type(X)

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
