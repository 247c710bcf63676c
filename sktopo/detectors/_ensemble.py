"""Ensembles of autoencoder charts (arXiv:2102.08380, Sec. 9).

A single autoencoder with a latent space of the manifold's dimension is one
*chart*: on a closed manifold (circle, sphere, phase space) it must tear the
data somewhere, and normal samples near that break point get huge errors.
Independently initialised networks break at different places, so for every
sample most members reconstruct it well.  :class:`ChartEnsembleDetector`
trains ``n_charts`` such members as one stacked network and scores a sample by
an aggregate of the members' losses: the paper's median rule, the best chart
(``'min'``, an atlas), or the mean.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import MetaEstimatorMixin, _fit_context, clone
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from sktopo.base import BaseDetector, ReconstructionMixin
from sktopo.detectors._autoencoder import AutoencoderDetector
from sktopo.detectors._conv import ConvAutoencoderDetector
from sktopo.detectors._neural import NeuralDetector
from sktopo.nn._callbacks import check_final_losses
from sktopo.nn._config import TrainingConfig
from sktopo.nn._inference import apply_chunked, inference_row_bytes
from sktopo.nn._members import member_curves, merge_modules
from sktopo.utils._chunks import chunk_rows, iter_chunks
from sktopo.utils._random import draw_seeds
from sktopo.utils._threads import choose_threads
from sktopo.utils._validation import IntInterval

__all__ = ["AGGREGATES", "ChartEnsembleDetector"]

#: Aggregation rules of :class:`ChartEnsembleDetector`.
AGGREGATES = ("median", "min", "mean")


def _aggregate(member_errors, rule):
    """Combine the members' per-sample losses into one ensemble loss.

    Parameters
    ----------
    member_errors : array-like of shape (n_samples, n_members)
        Loss of every member on every sample.
    rule : {'median', 'min', 'mean'}
        - ``'median'``: for every sample, sort the members' losses and take the
          member at the median position (arXiv:2102.08380, Sec. 9).  With an
          even number of members this is the *lower* median member, position
          ``(n_members - 1) // 2`` of the ascending order, so that the
          ensemble's loss is always the loss of one real member (not the
          average of the two middle losses).
        - ``'min'``: the member with the smallest loss (the best chart).
        - ``'mean'``: the mean loss over members; no single member is used.

        Ties are broken towards the lower member index.

    Returns
    -------
    errors : ndarray of shape (n_samples,)
        The ensemble's loss.
    index : ndarray of shape (n_samples,) of int, or None
        The member whose loss was taken; ``None`` for ``'mean'``.
    """
    member_errors = np.asarray(member_errors, dtype=np.float64)
    if member_errors.ndim != 2 or member_errors.shape[1] < 1:
        raise ValueError(
            f"member_errors must have shape (n_samples, n_members >= 1), got {member_errors.shape}."
        )
    if rule == "mean":
        return member_errors.mean(axis=1), None
    if rule == "min":
        index = np.argmin(member_errors, axis=1)
    elif rule == "median":
        order = np.argsort(member_errors, axis=1, kind="stable")
        index = order[:, (member_errors.shape[1] - 1) // 2]
    else:
        raise ValueError(f"Unknown aggregation rule {rule!r}; choose one of {AGGREGATES}.")
    errors = np.take_along_axis(member_errors, index[:, None], axis=1)[:, 0]
    return errors, index


def _is_median_or_min(ensemble):
    if ensemble.aggregate == "mean":
        raise AttributeError(
            "chart_index is not available with aggregate='mean': the mean loss does not "
            "come from one member."
        )
    return True


class ChartEnsembleDetector(ReconstructionMixin, MetaEstimatorMixin, BaseDetector):
    """Ensemble of independently initialised autoencoders scored by an aggregate loss.

    An autoencoder whose latent space has the dimension of a closed data
    manifold is a single chart of it and must break somewhere (see
    :class:`AutoencoderDetector`).  Following arXiv:2102.08380, Sec. 9, this
    detector trains ``n_charts`` copies of the template ``estimator`` from
    different random seeds; since the members break at different places, the
    median member's loss stays small on the whole manifold.

    All members are trained at once as one stacked network (one batched
    forward and backward pass, the loss being the sum of the members' mean
    losses) through the same skorch path as :class:`AutoencoderDetector`.
    Member ``k`` gets the initialisation, batch order and validation split of
    an ``AutoencoderDetector(random_state=random_states_[k])`` with the
    template's parameters, and trains to the same network up to
    floating-point rounding.

    Parameters
    ----------
    estimator : AutoencoderDetector, ConvAutoencoderDetector or None, default=None
        Template of every member; ``None`` means ``AutoencoderDetector()``.
        With a :class:`ConvAutoencoderDetector` the members are convolutional
        networks stacked through grouped convolutions (the paper of
        arXiv:1808.08992 averages five such trainings).
        Only its parameters are used, and of those not ``random_state`` (each
        member gets its own, see ``random_state``) nor ``contamination`` (the
        ensemble's own sets the threshold).  Tune its parameters as
        ``estimator__latent_dim`` etc.; this needs an explicit template.
    n_charts : int, default=16
        Number of members.
    aggregate : {'median', 'min', 'mean'}, default='median'
        How the members' losses on a sample are combined:

        - ``'median'`` (the paper's rule): sort the losses and take the member
          at the median position; for an even ``n_charts`` the lower median
          member (position ``n_charts // 2 - 1`` counting from 0), so the
          loss and the reconstruction are always those of one real member.
        - ``'min'``: the member that reconstructs the sample best (an atlas:
          the best chart covers the sample).  Note that ``'min'`` also lowers
          the loss of true anomalies.
        - ``'mean'``: the mean of the members' losses.  There is then no
          single member per sample: :meth:`chart_index` is unavailable and
          :meth:`reconstruct` returns the mean of the members' outputs, whose
          squared distance to ``X`` is at most the mean loss (Jensen).

        For ``'median'`` and ``'min'``, ``reconstruction_error(X)`` equals
        the squared distance between ``X`` and ``reconstruct(X)``.
    n_jobs : int or None, default=None
        Number of member groups trained in parallel.  The members are split
        into ``min(n_charts, joblib.effective_n_jobs(n_jobs))`` contiguous
        groups, each trained as one stacked network by
        :class:`joblib.Parallel`, and the groups are merged back into one
        stacked module.  ``None`` means 1 unless inside a
        :func:`joblib.parallel_backend` context; with the ``'dask'`` or Ray
        backends the groups run on the cluster (the Dask backend always uses
        one group per worker thread).  Grouping does not change any member,
        except with the template's ``early_stopping``: a group stops when
        none of its members improves, so a member may train longer in a
        larger group before its best weights are restored.
    contamination : 'auto' or float in (0, 0.5], default='auto'
        Share of training samples flagged as outliers by ``predict``; sets
        ``offset_`` from the aggregated training losses.  ``'auto'`` flags 1 %.
    random_state : int, RandomState instance or None, default=None
        Draws ``random_states_``, one int per member:
        ``check_random_state(random_state).randint(0, 2**31 - 1,
        size=n_charts)``.  Member ``k`` is initialised, shuffled and split as
        ``clone(estimator).set_params(random_state=random_states_[k])``.
    verbose : int, default=0
        ``1`` shows a progress bar over epochs for the training of the stacked
        members (one bar per group), whatever the template's ``verbose``.

    Attributes
    ----------
    estimator_ : AutoencoderDetector
        The validated clone of the template.
    random_states_ : ndarray of shape (n_charts,) of int
        The members' random states.
    module_ : StackedAutoencoder
        One torch module holding all ``n_charts`` members along its leading
        member axis; scoring is one batched pass through it.
    nets_ : list of StackedNet
        The fitted skorch nets, one per group of members (one without
        ``n_jobs``); their ``history`` holds skorch's records.
    loss_curves_ : ndarray of shape (n_epochs, n_charts)
        Mean training loss of every member at every epoch (NaN after a group
        stopped early).
    validation_loss_curves_ : ndarray of shape (n_epochs, n_charts) or None
        The same on the validation split (template ``early_stopping`` only).
    n_iter_ : int
        Largest number of epochs run by a group.
    offset_ : float
        Threshold on ``score_samples``, see ``contamination``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit (only for inputs with string column names).

    See Also
    --------
    AutoencoderDetector : The single chart every member copies.
    sklearn.ensemble.BaggingRegressor : A generic ensemble meta-estimator.

    Notes
    -----
    The median only helps when the break points of the members are spread
    over the manifold.  A signal on a submanifold (a bump hunt in phase space)
    is interpolated through by every member, and no aggregate recovers it
    (arXiv:2102.08380, Sec. 9).

    References
    ----------
    .. [1] J. Batson, C. G. Haaf, Y. Kahn, D. A. Roberts, "Topological
       Obstructions to Autoencoding", JHEP 04 (2021) 280, arXiv:2102.08380,
       Sec. 9.

    Examples
    --------
    >>> from sktopo.detectors import AutoencoderDetector, ChartEnsembleDetector
    >>> from sktopo.datasets import make_circle
    >>> X, phi = make_circle(200, random_state=0)
    >>> template = AutoencoderDetector(latent_dim=1, max_epochs=5)
    >>> ens = ChartEnsembleDetector(template, n_charts=4, random_state=0).fit(X)
    >>> ens.member_errors(X).shape
    (200, 4)
    >>> ens.score_samples(X).shape
    (200,)
    >>> ens.chart_index(X[:3]).shape
    (3,)
    """

    _parameter_constraints: dict = {
        **BaseDetector._parameter_constraints,
        "estimator": [AutoencoderDetector, ConvAutoencoderDetector, None],
        "n_charts": [IntInterval(1, None, closed="left")],
        "aggregate": [StrOptions(set(AGGREGATES))],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        n_charts=16,
        aggregate="median",
        n_jobs=None,
        contamination="auto",
        random_state=None,
        verbose=0,
    ):
        self.estimator = estimator
        self.n_charts = n_charts
        self.aggregate = aggregate
        self.n_jobs = n_jobs
        self.contamination = contamination
        self.random_state = random_state
        self.verbose = verbose

    def _make_template(self):
        template = AutoencoderDetector() if self.estimator is None else clone(self.estimator)
        if not isinstance(template, NeuralDetector):  # pragma: no cover - constraints
            raise TypeError(
                "estimator must be an AutoencoderDetector or ConvAutoencoderDetector, got "
                f"{type(template).__name__}."
            )
        template._validate_params()
        return template

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Train the ``n_charts`` members on ``X`` and set ``offset_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data (assumed mostly normal).
        y : ignored

        Returns
        -------
        self : ChartEnsembleDetector
            The fitted ensemble.

        Raises
        ------
        sktopo.nn.TrainingDivergedError
            If a member's loss becomes NaN or infinite.
        """
        X = self._validate_X(X, reset=True)
        self.estimator_ = self._make_template()
        template = self.estimator_
        random_states = np.array(draw_seeds(self.random_state, self.n_charts))
        latent_dim = template.latent_dim
        if latent_dim <= X.shape[1]:
            self._warn_no_bottleneck(latent_dim, X.shape[1], "estimator__latent_dim")
        template._network(X.shape[1])  # validates the shapes before anything is trained
        config = TrainingConfig.from_estimator(
            template, **({"verbose": self.verbose} if self.verbose else {})
        )
        n_groups = min(self.n_charts, effective_n_jobs(self.n_jobs))
        groups = [g.tolist() for g in np.array_split(random_states, n_groups)]
        train = template._train_members
        if n_groups == 1:
            nets = [train(X, groups[0], config)]
        else:
            nets = Parallel(n_jobs=self.n_jobs)(
                delayed(train)(X, states, config) for states in groups
            )
        self.random_states_ = random_states
        self.nets_ = list(nets)
        self.module_ = merge_modules(self.nets_)
        self.loss_curves_ = member_curves(self.nets_, "train_loss")
        self.validation_loss_curves_ = (
            member_curves(self.nets_, "valid_loss") if template.early_stopping else None
        )
        self.n_iter_ = max(len(net.history) for net in self.nets_)
        try:
            sample = X[: min(X.shape[0], 512)]
            initial = np.concatenate(
                [dict(net.callbacks_)["losses"].initial_losses_ for net in self.nets_])
            final = self._member_errors(sample).mean(axis=0)
            check_final_losses(final, initial, template.learning_rate)
            self._set_offset(X)
        except BaseException:
            self._discard_fitted()
            raise
        return self

    def set_params(self, **params):
        """Set parameters; ``estimator__...`` also works while ``estimator`` is None.

        ``estimator=None`` means ``AutoencoderDetector()``: a nested parameter
        is then set on that default (so ``set_params(estimator__latent_dim=2)``
        and ``GridSearchCV`` over ``estimator__...`` work on a default ensemble).

        Returns
        -------
        self : ChartEnsembleDetector
        """
        if self.estimator is None and "estimator" not in params and any(
            key.startswith("estimator__") for key in params
        ):
            self.estimator = AutoencoderDetector()
        return super().set_params(**params)

    def _apply(self, X, fn, **kwargs):
        flops = 4096 * self.n_charts * self.estimator_._forward_flops(self.n_features_in_)
        threads = choose_threads(self.estimator_.n_threads, flops)
        return apply_chunked(self.module_, X, fn, n_threads=threads, verbose=self.verbose,
                             **kwargs)

    def _member_errors(self, X):
        return self._apply(X, "errors")

    def _reconstruction_error(self, X):
        # aggregated chunk by chunk: the (n_samples, n_charts) matrix is never held
        return self._apply(X, "errors", reduce=lambda e: _aggregate(e, self.aggregate)[0])

    def member_errors(self, X):
        """Squared reconstruction error of every member on every sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        errors : ndarray of shape (n_samples, n_charts)
            Column ``k`` is the loss of member ``k`` (seeded by
            ``random_states_[k]``).
        """
        check_is_fitted(self)
        return self._member_errors(self._validate_X(X, reset=False))

    def member_reconstructions(self, X):
        """Every member's output for ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_hat : ndarray of shape (n_samples, n_charts, n_features)
            ``X_hat[:, k]`` is the output of member ``k``; its squared
            distance to ``X`` is ``member_errors(X)[:, k]``.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        X_hat = np.empty((X.shape[0], self.n_charts, X.shape[1]), dtype=np.float64)
        for rows, chunk in iter_chunks(X, self._chunk_rows()):
            X_hat[rows] = np.swapaxes(self._apply(chunk, "reconstruct"), 0, 1)
        return X_hat

    def _chunk_rows(self):
        return chunk_rows(inference_row_bytes(self.module_))

    @available_if(_is_median_or_min)
    def chart_index(self, X):
        """The member whose loss (and reconstruction) the ensemble uses for each sample.

        Available for ``aggregate='median'`` and ``'min'`` only.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        index : ndarray of shape (n_samples,) of int
            Member index in ``[0, n_charts)``.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self._apply(X, "errors", reduce=lambda e: _aggregate(e, self.aggregate)[1])

    def reconstruct(self, X):
        """The ensemble's output for ``X``.

        For ``'median'`` and ``'min'`` the output of the member chosen by
        :meth:`chart_index`, so that ``reconstruction_error(X)`` is its squared
        distance to ``X``; for ``'mean'`` the mean of all members' outputs.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_hat : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        X_hat = np.empty(X.shape, dtype=np.float64)
        for rows, chunk in iter_chunks(X, self._chunk_rows()):
            outputs = self._apply(chunk, "reconstruct")
            if self.aggregate == "mean":
                X_hat[rows] = outputs.mean(axis=0)
            else:
                member_errors = np.sum((outputs - chunk) ** 2, axis=-1).T
                _, index = _aggregate(member_errors, self.aggregate)
                X_hat[rows] = outputs[index, np.arange(index.shape[0])]
        return X_hat

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags
