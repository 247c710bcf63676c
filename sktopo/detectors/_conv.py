"""Convolutional autoencoder detector for images (arXiv:1808.08992, App. 2)."""

from __future__ import annotations

from sklearn.utils._param_validation import StrOptions

from sktopo.detectors._neural import TRAINING_CONSTRAINTS, NeuralDetector, check_latent_code
from sktopo.nn._conv import DECODERS, StackedConvAutoencoder
from sktopo.nn._modules import ACTIVATIONS, INITS, OUTPUT_ACTIVATIONS, latent_width
from sktopo.nn._specs import ConvSpec
from sktopo.utils._validation import IntInterval

__all__ = ["ConvAutoencoderDetector"]


class ConvAutoencoderDetector(NeuralDetector):
    """Anomaly detector scoring images by a convolutional autoencoder's reconstruction error.

    The network of arXiv:1808.08992 (App. 2), for jet images: three 3 x 3
    convolutions of 128 channels with two 2 x 2 max-pools, a dense layer of
    32 and a linear latent code of 6; back through a dense 32, a dense layer
    to the 10 x 10 x 128 map, convolutions with 2 x 2 upsampling twice, a
    one-channel convolution and a softmax over the pixels.  Images are zero
    padded on the bottom and right to a multiple of ``2 ** n_pool`` (37 x 37
    jet images become the paper's 40 x 40); the output is cropped back before
    the softmax, so it sums to one over the image's own pixels and compares
    with the input pixel by pixel.

    Images come flattened, as ``(n_samples, height * width)`` rows, like every
    sktopo detector's input, so the detector drops into a
    :class:`~sklearn.pipeline.Pipeline` after :class:`sktopo.jets.JetImages`.
    Training runs through the same skorch path as
    :class:`AutoencoderDetector`; several trainings (the paper averages five)
    run as one stacked network with grouped convolutions in a
    :class:`ChartEnsembleDetector` with this detector as template.

    Parameters
    ----------
    image_shape : tuple of int or None, default=None
        ``(height, width)`` of the images.  ``None``: square images of side
        ``sqrt(n_features)``; a width that is not a square is taken as one
        row of pixels (a 1-D image such as a spectrum).
    latent_dim : int, default=6
        Width of the latent code.
    channels : tuple of int, default=(128, 128, 128)
        Channels of the encoder's convolutions; the decoder's use the last.
        The paper's network is heavy on a CPU (about 0.3 GFLOP per image and
        forward pass); ``(16, 16, 16)`` trains about 50 times faster.
    n_pool : int, default=2
        Number of 2 x 2 max-pools (and upsamplings), at most
        ``len(channels)``.
    dense_width : int, default=32
        Width of the dense layers around the latent code.
    kernel_size : int, default=3
        Odd size of the convolution kernels.
    activation : {'relu', 'tanh', 'elu', 'gelu', 'sigmoid'}, default='relu'
        Activation of the hidden layers.
    latent_activation : str or None, default=None
        Activation of the latent code (linear in the paper).
    output_activation : str, tuple of str or None, default='softmax'
        Activation(s) of the output pixels, applied in order.
    decoder : {'conv', 'dense'}, default='conv'
        The decoder: the paper's convolutions with upsampling, or dense
        layers ``dense_width -> *decoder_layer_sizes -> pixels`` with a weight
        and a bias per output pixel.  A small convolutional decoder lights
        only the two or three brightest pixels of a reconstructed jet (8
        channels and a ReLU output: 2.1 pixels above 1e-3 of the brightest,
        where the jets light 29); the dense one reconstructs more of a jet's
        spread (3-8 pixels), which the normalized autoencoder needs
        (:class:`~sktopo.ConvNormalizedAutoencoderDetector`).
    decoder_layer_sizes : tuple of int, default=(256,)
        With ``decoder='dense'``: its hidden widths after the
        ``dense_width`` layer.
    init : {'keras', 'torch'}, default='keras'
        Initialisation: Keras' Glorot-uniform weights and zero biases (the
        paper's code) or PyTorch's default (weights and biases uniform in
        ``+-1/sqrt(fan_in)``).
    optimizer : {'adam', 'sgd'}, default='adam'
        The paper uses Adam with Keras' defaults.
    learning_rate : float, default=1e-3
        Step size.
    batch_size : int or 'auto', default='auto'
        Images per mini-batch.  ``'auto'``: ``min(1024, max(32, n // 20))``
        for ``n`` training images, the paper's 1024 on its 100,000 jets (it
        found smaller batches overtrained) and still about twenty steps per
        epoch on a few hundred images, where one batch of 1024 is one step
        per epoch and early stopping ends training long before it has
        converged.
    max_epochs : int, default=100
        Upper limit of the epochs; early stopping usually ends sooner.
    early_stopping : bool, default=True
        Hold out ``validation_fraction`` and stop when its loss has not
        improved by ``tol`` for ``n_iter_no_change`` epochs (the paper:
        patience 3, threshold 0); the best weights are restored.
    validation_fraction : float, default=0.1
        Share of the training images held out for early stopping.
    n_iter_no_change : int, default=3
        Patience of early stopping, in epochs.
    tol : float, default=0.0
        Smallest decrease of the validation loss that counts.
    device : str, default='cpu'
        ``'cpu'``, ``'cuda'``, ``'cuda:N'``, ``'mps'`` or ``'auto'``.
    contamination : 'auto' or float in (0, 0.5], default='auto'
        Share of training images flagged by ``predict``; sets ``offset_``.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, batch order and validation split.
    verbose : int, default=0
        ``1`` shows a progress bar over epochs.
    n_threads : int or None, default=None
        Torch intra-op threads; ``None`` uses all available cores for
        networks this large (and one for tiny ones), ``-1`` all cores.  The
        caller's setting is restored after each call.
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
        The fitted skorch net; ``net_.module_`` is the
        :class:`~sktopo.nn.StackedConvAutoencoder`.
    image_shape_ : tuple of int
        ``(height, width)`` used.
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
        Number of pixels per image seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit (only for inputs with string column names).

    See Also
    --------
    AutoencoderDetector : The dense network (also the paper's dense jet-image net).
    PCADetector : The linear baseline (k = 6 in the paper).
    ChartEnsembleDetector : Several trainings as one stacked network.

    Notes
    -----
    The loss and the anomaly score are the squared error summed over pixels;
    the paper's Keras loss is the mean over the 40 x 40 pixels, which ranks
    images identically.

    References
    ----------
    .. [1] M. Farina, Y. Nakai, D. Shih, "Searching for New Physics with Deep
       Autoencoders", Phys. Rev. D 101, 075021 (2020), arXiv:1808.08992.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo import ConvAutoencoderDetector
    >>> rng = np.random.RandomState(0)
    >>> X = rng.exponential(size=(64, 12 * 12))
    >>> X /= X.sum(axis=1, keepdims=True)  # unit intensity, like jet images
    >>> det = ConvAutoencoderDetector(channels=(4, 4), max_epochs=2, batch_size=32,
    ...                               random_state=0).fit(X)
    >>> det.score_samples(X).shape
    (64,)
    >>> det.transform(X).shape
    (64, 6)
    >>> bool(np.allclose(det.reconstruct(X).sum(axis=1), 1.0))
    True
    """

    _parameter_constraints: dict = {
        **TRAINING_CONSTRAINTS,
        "image_shape": ["array-like", None],
        "channels": ["array-like", IntInterval(1, None, closed="left")],
        "n_pool": [IntInterval(0, None, closed="left")],
        "dense_width": [IntInterval(1, None, closed="left")],
        "kernel_size": [IntInterval(1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "latent_activation": [StrOptions(set(ACTIVATIONS)), None],
        "output_activation": [StrOptions(set(OUTPUT_ACTIVATIONS)), tuple, list, None],
        "decoder": [StrOptions(set(DECODERS))],
        "decoder_layer_sizes": ["array-like", IntInterval(1, None, closed="left")],
        "init": [StrOptions(set(INITS))],
    }

    def __init__(
        self,
        *,
        image_shape=None,
        latent_dim=6,
        channels=(128, 128, 128),
        n_pool=2,
        dense_width=32,
        kernel_size=3,
        activation="relu",
        latent_activation=None,
        output_activation="softmax",
        decoder="conv",
        decoder_layer_sizes=(256,),
        init="keras",
        optimizer="adam",
        learning_rate=1e-3,
        batch_size="auto",
        max_epochs=100,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=3,
        tol=0.0,
        device="cpu",
        contamination="auto",
        random_state=None,
        verbose=0,
        n_threads=None,
        callbacks=None,
    ):
        self.image_shape = image_shape
        self.latent_dim = latent_dim
        self.channels = channels
        self.n_pool = n_pool
        self.dense_width = dense_width
        self.kernel_size = kernel_size
        self.activation = activation
        self.latent_activation = latent_activation
        self.output_activation = output_activation
        self.decoder = decoder
        self.decoder_layer_sizes = decoder_layer_sizes
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
        self.random_state = random_state
        self.verbose = verbose
        self.n_threads = n_threads
        self.callbacks = callbacks

    def _network(self, n_features):
        # a subclass may put the code on a sphere or torus (the convolutional NAE)
        latent_space = getattr(self, "latent_space", "euclidean")
        check_latent_code(latent_space, self.latent_activation)
        spec = ConvSpec.from_params(
            n_features, image_shape=self.image_shape, channels=self.channels,
            n_pool=self.n_pool, dense_width=self.dense_width, kernel_size=self.kernel_size,
            code_width=latent_width(self.latent_dim, latent_space),
            decoder=self.decoder, decoder_layer_sizes=self.decoder_layer_sizes,
        )
        kwargs = dict(
            **spec.module_kwargs(),
            latent_dim=self.latent_dim,
            activation=self.activation,
            latent_activation=self.latent_activation,
            output_activation=self.output_activation,
            init=self.init,
        )
        if latent_space != "euclidean":
            kwargs["latent_space"] = latent_space
        if spec.decoder != "conv":
            kwargs.update(decoder=spec.decoder, decoder_layer_sizes=spec.decoder_layer_sizes)
        return spec, StackedConvAutoencoder, kwargs

    def _fit_net(self, X, config):
        self.image_shape_ = self._network(X.shape[1])[0].image_shape
        return super()._fit_net(X, config)
