"""What every neural reconstruction detector shares: fit, chunked scoring, codes.

A subclass declares its network through two hooks: ``_network(n_features)``
returns the validated :class:`~sktopo.nn.DenseSpec` or
:class:`~sktopo.nn.ConvSpec`, the stacked module class and its keyword
arguments; ``_criterion()`` the training loss module.  Training runs on the one
path, :func:`sktopo.nn.train_stacked`, with the
:class:`~sktopo.nn.TrainingConfig` built once in ``fit``.  Their parameters
must include those of :data:`TRAINING_CONSTRAINTS`.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
import torch
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted

from sktopo.base import BaseDetector, ReconstructionMixin
from sktopo.exceptions import TrainingDivergedError
from sktopo.nn._callbacks import check_final_losses, divergence_advice
from sktopo.nn._config import TrainingConfig
from sktopo.nn._inference import apply_chunked
from sktopo.nn._modules import StackedSquaredError
from sktopo.nn._training import train_stacked
from sktopo.utils._threads import choose_threads
from sktopo.utils._validation import N_THREADS_CONSTRAINT, IntInterval

__all__ = ["NeuralDetector", "TRAINING_CONSTRAINTS"]

#: Parameters of the training path shared by every neural detector.
TRAINING_CONSTRAINTS: dict = {
    **BaseDetector._parameter_constraints,
    "latent_dim": [IntInterval(1, None, closed="left")],
    "optimizer": [StrOptions({"sgd", "adam"})],
    "learning_rate": [Interval(Real, 0, None, closed="neither")],
    "batch_size": [IntInterval(1, None, closed="left"), StrOptions({"auto"})],
    "max_epochs": [IntInterval(1, None, closed="left")],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    "n_iter_no_change": [IntInterval(1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="left")],
    "device": [str, torch.device],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
    "n_threads": N_THREADS_CONSTRAINT,
    "callbacks": [list, tuple, None],
}



def check_latent_code(latent_space, latent_activation):
    """Refuse a latent activation on a sphere or torus (the code is a projection)."""
    if latent_space != "euclidean" and latent_activation is not None:
        raise ValueError(
            f"latent_activation={latent_activation!r} cannot be combined with "
            f"latent_space={latent_space!r}: the code is the projection of the "
            "encoder's linear output onto the latent manifold; use latent_activation=None."
        )


class NeuralDetector(
    ReconstructionMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseDetector
):
    """Base class of the neural reconstruction detectors (not public)."""

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the network on ``X`` (assumed mostly normal) and set ``offset_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : ignored

        Returns
        -------
        self : object
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
        self._network(X.shape[1])  # validates the shapes before anything is trained
        self._check_training_data(X)
        self._warn_no_bottleneck(self.latent_dim, X.shape[1], "latent_dim")
        config = TrainingConfig.from_estimator(self)
        net = self._fit_net(X, config)
        history = net.history
        self.net_ = net
        self.device_ = config.device
        self.loss_curve_ = [float(v) for v in history[:, "train_loss"]]
        self.validation_loss_curve_ = (
            [float(v) for v in history[:, "valid_loss"]] if self.early_stopping else None
        )
        self.n_iter_ = len(history)
        try:
            self._check_trained(X)
            self._set_offset(X)
        except BaseException:
            self._discard_fitted()
            raise
        return self

    def _check_training_data(self, X):
        """Refuse data the loss cannot take (a subclass's business; nothing here)."""

    #: Whether a network whose output does not depend on its input is an error
    #: (a VAE's decoder may legitimately ignore its code: posterior collapse).
    _refuse_constant_output = True

    def _training_losses(self, X):
        """Per-sample value of the training loss of the fitted network on ``X``."""
        return self._reconstruction_error(X)

    def _check_trained(self, X):
        """Refuse a network that blew up in its last steps or gives one output for every input."""
        sample = X[: min(X.shape[0], 512)]
        recorder = dict(self.net_.callbacks_)["losses"]
        final = [float(np.mean(self._training_losses(sample)))]
        check_final_losses(final, recorder.initial_losses_, self.learning_rate)
        if not self._refuse_constant_output:
            return
        # Refused only if training did it: a network that gave one output from the
        # start (inputs far from unit scale saturate it) is the business of the
        # constant-score warning of _set_offset.
        spread = recorder.initial_output_spread_
        if spread is None or not spread[0] > 0:
            return
        output = self._apply(sample, "reconstruct", members=0)
        if sample.shape[0] > 1 and np.all(output == output[0]):
            raise TrainingDivergedError(
                "The trained network gives the same output for every input (it did not "
                "before training): its units are dead or it collapsed, so it ranks nothing. "
                + divergence_advice(self.learning_rate)
                + " With ReLU networks init='keras' (zero biases) also helps."
            )

    def _fit_net(self, X, config):
        """The fitted net of :meth:`fit`: one member, trained with ``random_state``."""
        return self._train_members(X, [self.random_state], config)

    def _network(self, n_features):  # pragma: no cover - abstract
        """``(spec, module class, module kwargs)`` of the network on ``n_features`` inputs."""
        raise NotImplementedError

    def _criterion(self):
        """The training loss module (a class or an instance)."""
        return StackedSquaredError

    def _train_members(self, X, random_states, config=None):
        """Train one stacked module with one network per entry of ``random_states``.

        Member ``k`` is initialised, shuffled and split exactly as this
        detector with ``random_state=random_states[k]`` would be.  ``config``
        defaults to this detector's :class:`~sktopo.nn.TrainingConfig`.
        """
        spec, module, kwargs = self._network(X.shape[1])
        if config is None:
            config = TrainingConfig.from_estimator(self)
        return train_stacked(X, config, random_states, module=module, module_kwargs=kwargs,
                             flops_per_row=spec.flops, criterion=self._criterion())

    def _forward_flops(self, n_features):
        return self._network(n_features)[0].flops

    @property
    def _n_features_out(self):
        return self.latent_dim

    def _scoring_threads(self, rows=4096):
        return choose_threads(self.n_threads, rows * self._forward_flops(self.n_features_in_))

    def _apply(self, X, fn, **kwargs):
        return apply_chunked(self.net_.module_, X, fn, n_threads=self._scoring_threads(),
                             verbose=self.verbose, **kwargs)

    def _reconstruction_error(self, X):
        return self._apply(X, "errors", reduce=lambda e: e[:, 0])

    def reconstruct(self, X):
        """The network's output for ``X``.

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
