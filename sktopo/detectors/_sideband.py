"""A background reference interpolated from sidebands (CATHODE, arXiv:2109.00546)."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from sktopo.exceptions import TrainingDivergedError
from sktopo.nn._config import TrainingConfig
from sktopo.nn._flow import ConditionalFlow, StackedNegativeLogLikelihood
from sktopo.nn._specs import flow_flops
from sktopo.nn._training import train_stacked
from sktopo.utils._random import draw_seeds
from sktopo.utils._threads import choose_threads, torch_threads
from sktopo.utils._validation import N_THREADS_CONSTRAINT, IntInterval

__all__ = ["SidebandReference"]

_LOGIT_MARGIN = 1e-3  # min-max scaling maps the data into [margin, 1 - margin]

_TOL = 1e-4  # an epoch improves the validation NLL (per event) by more than this

_FITTED = ("flow_", "window_mass_", "n_sideband_", "n_iter_", "best_validation_loss_",
           "preprocessing_", "sample_seed_", "net_")


def _logit(u):
    return np.log(u) - np.log1p(-u)


def _expit(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


class SidebandReference(BaseEstimator):
    """Conditional density model ``p(x | m)`` fitted on sidebands, sampled in the window.

    The reference of a weakly supervised bump hunt built from the data
    themselves (CATHODE, arXiv:2109.00546): rows of ``X`` with the resonant
    feature ``m = X[:, feature]`` outside ``window`` (the sidebands) train a
    normalizing flow (zuko's neural spline flow) of the other features
    conditional on ``m``; :meth:`sample` draws ``m`` from the signal region's
    own values of ``m`` (smoothed by a Gaussian kernel, as CATHODE's KDE) and
    the other features from the flow, interpolated into the window.  A
    signal localised in ``m`` then shows up as an excess of data over these
    samples in the other features.  Pass it as
    ``DensityRatioDetector(reference=SidebandReference(...))``: the detector
    fits it on its own training data and compares only the rows in
    :meth:`signal_region`.

    Parameters
    ----------
    feature : int, default=0
        Column of the resonant feature ``m``.
    window : (float, float), default=(0.0, 1.0)
        Signal region ``low < m < high``; the rest of the data is sideband.
    preprocessing : {'logit', 'standard'}, default='logit'
        Map of the other features before the flow: ``'logit'`` scales each to
        ``[0.001, 0.999]`` with the data's range and applies a logit (smooth
        tails instead of hard edges, as CATHODE), then standardises;
        ``'standard'`` only standardises.
    transforms : int, default=4
        Number of spline transforms of the flow.
    hidden_layer_sizes : tuple of int, default=(64, 64)
        Hidden layers of the flow's conditioner networks.
    max_epochs : int, default=100
        Upper bound on training epochs.
    batch_size : int, default=256
    learning_rate : float, default=1e-3
        Adam's learning rate.
    validation_fraction : float, default=0.2
        Share of the sideband rows held out for early stopping; the state with
        the best validation loss is kept.  Training runs on sktopo's one
        training path (:func:`sktopo.nn.train_stacked`, with
        :class:`sktopo.nn.ConditionalFlow` as the module).
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
    bandwidth : float or 'scott', default='scott'
        Kernel width for the window's ``m`` values, in units of their standard
        deviation (``'scott'``: ``n^(-1/5)``); 0 resamples them as they are.
    n_threads : int or None, default=None
        Torch threads during training and sampling: ``None`` chooses from the
        work (one thread for flows this small), ``-1`` all cores.
    device : str, default='cpu'
        Where the flow trains: ``'cpu'``, ``'cuda'``, ``'cuda:N'``, ``'mps'``
        or ``'auto'``.  The trained flow is kept (and sampled) on the CPU.
    random_state : int, RandomState instance or None, default=None
        Seeds the flow's initialisation, the shuffling, the validation split,
        and (through ``fit``) the default stream of :meth:`sample`.
    verbose : int, default=0
        Show a progress bar over epochs with the validation loss.
    callbacks : list or None, default=None
        skorch callbacks (instances, or ``(name, callback)`` pairs) added to
        the library's own and called on every epoch of the flow's training,
        e.g. ``[skorch.callbacks.LRScheduler(policy="CosineAnnealingLR",
        T_max=100)]``.  See the user guide, "Training: callbacks".

    Attributes
    ----------
    flow_ : zuko.flows.Flow
        The trained conditional flow.
    window_mass_ : ndarray of shape (n_window,)
        The values of ``m`` in the signal region.
    n_sideband_ : int
        Sideband rows used for training.
    best_validation_loss_ : float
        Validation negative log-likelihood (per event, preprocessed space).
    n_iter_ : int
        Epochs run.
    preprocessing_ : dict of str to ndarray
        The fitted map of the other features to the flow's space:
        ``'columns'`` (the other features' indices), ``'low'`` and ``'span'``
        (min-max scaling), ``'mean'`` and ``'scale'`` (standardisation),
        ``'m_mean'`` and ``'m_scale'`` (the context's standardisation).
    sample_seed_ : int
        Seed of :meth:`sample` when it is given no ``random_state``.
    net_ : StackedNet
        The fitted skorch net (its ``history`` holds the losses).
    n_features_in_ : int
        Number of columns of ``X``.

    See Also
    --------
    DensityRatioDetector : compares the window's data with these samples.

    References
    ----------
    .. [1] A. Hallin, J. Isaacson, G. Kasieczka, C. Krause, B. Nachman,
       T. Quadfasel, M. Schlaffer, D. Shih, M. Sommerhalder, "Classifying
       anomalies through outer density estimation", arXiv:2109.00546.
    .. [2] F. Rozet et al., zuko, https://github.com/probabilists/zuko.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo import SidebandReference
    >>> rng = np.random.RandomState(0)
    >>> m = rng.uniform(0, 1, 2000)
    >>> X = np.c_[m, rng.normal(m, 0.1)]  # x follows m linearly
    >>> ref = SidebandReference(feature=0, window=(0.4, 0.6), max_epochs=10,
    ...                         learning_rate=3e-3, random_state=0).fit(X)
    >>> S = ref.sample(1000, random_state=0)
    >>> bool(np.all((S[:, 0] > 0.4) & (S[:, 0] < 0.6)))
    True
    >>> bool(abs(S[:, 1].mean() - 0.5) < 0.05)  # interpolated into the window
    True
    """

    _parameter_constraints: dict = {
        "feature": [IntInterval(0, None, closed="left")],
        "window": [tuple, list],
        "preprocessing": [StrOptions({"logit", "standard"})],
        "transforms": [IntInterval(1, None, closed="left")],
        "hidden_layer_sizes": [tuple, list],
        "max_epochs": [IntInterval(1, None, closed="left")],
        "batch_size": [IntInterval(1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [IntInterval(1, None, closed="left")],
        "bandwidth": [Interval(Real, 0, None, closed="left"), StrOptions({"scott"})],
        "n_threads": N_THREADS_CONSTRAINT,
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "callbacks": [list, tuple, None],
    }

    def __init__(
        self,
        *,
        feature=0,
        window=(0.0, 1.0),
        preprocessing="logit",
        transforms=4,
        hidden_layer_sizes=(64, 64),
        max_epochs=100,
        batch_size=256,
        learning_rate=1e-3,
        validation_fraction=0.2,
        n_iter_no_change=10,
        bandwidth="scott",
        n_threads=None,
        device="cpu",
        random_state=None,
        verbose=0,
        callbacks=None,
    ):
        self.feature = feature
        self.window = window
        self.preprocessing = preprocessing
        self.transforms = transforms
        self.hidden_layer_sizes = hidden_layer_sizes
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.bandwidth = bandwidth
        self.n_threads = n_threads
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks

    @property
    def n_epochs_(self):
        """Deprecated: use ``n_iter_`` (the name of every epoch-trained estimator)."""
        import warnings

        warnings.warn("SidebandReference.n_epochs_ is deprecated and will be removed in "
                      "sktopo 0.3; use n_iter_.", FutureWarning, stacklevel=2)
        return self.n_iter_

    # ------------------------------------------------------------- helpers
    def _check_window(self):
        window = self.window
        if len(window) != 2 or not all(
            isinstance(v, Real) and not isinstance(v, bool) and np.isfinite(v) for v in window
        ):
            raise ValueError(f"window must be (low, high) of finite numbers; got {window!r}.")
        low, high = float(window[0]), float(window[1])
        if not low < high:
            raise ValueError(f"window must satisfy low < high; got ({low:g}, {high:g}).")
        return low, high

    def signal_region(self, X):
        """Boolean mask of the rows with ``low < X[:, feature] < high``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        mask : ndarray of bool of shape (n_samples,)
        """
        X = np.asarray(X, dtype=np.float64)
        low, high = self._check_window()
        m = X[:, self.feature]
        return (m > low) & (m < high)

    def _to_flow(self, Y, state=None):
        """Other features -> the flow's space."""
        state = self.preprocessing_ if state is None else state
        if self.preprocessing == "logit":
            u = (Y - state["low"]) / state["span"]
            Y = _logit(_LOGIT_MARGIN + (1 - 2 * _LOGIT_MARGIN) * u)
        return (Y - state["mean"]) / state["scale"]

    def _from_flow(self, Z):
        state = self.preprocessing_
        Y = Z * state["scale"] + state["mean"]
        if self.preprocessing == "logit":
            u = (_expit(Y) - _LOGIT_MARGIN) / (1 - 2 * _LOGIT_MARGIN)
            Y = state["low"] + state["span"] * np.clip(u, 0.0, 1.0)
        return Y

    def _context(self, m, state=None):
        state = self.preprocessing_ if state is None else state
        return ((m - state["m_mean"]) / state["m_scale"])[:, None]

    # ------------------------------------------------------------- fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the conditional flow on the sideband rows of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            ``n_features >= 2``: the resonant feature and at least one other.
        y : ignored

        Returns
        -------
        self : SidebandReference

        Raises
        ------
        ValueError
            If ``feature`` is not a column of ``X``, ``X`` has a single column,
            or the window leaves fewer than 10 sideband rows or no rows inside.
        """
        for name in _FITTED:  # an interrupted refit must not leave the old flow usable
            self.__dict__.pop(name, None)
        X = validate_data(self, X, reset=True, dtype=np.float64, ensure_min_samples=2)
        n_features = X.shape[1]
        if n_features < 2:
            raise ValueError(
                "SidebandReference needs the resonant feature and at least one other; "
                f"got n_features={n_features}."
            )
        if self.feature >= n_features:
            raise ValueError(f"feature={self.feature} is not a column of X "
                             f"(n_features={n_features}).")
        inside = self.signal_region(X)
        n_side, n_in = int((~inside).sum()), int(inside.sum())
        low, high = self._check_window()
        if n_side < 10:
            raise ValueError(
                f"the window ({low:g}, {high:g}) leaves {n_side} sideband rows of "
                f"{X.shape[0]}: the flow needs sideband data (at least 10 rows)."
            )
        if n_in == 0:
            raise ValueError(f"no row of X lies inside the window ({low:g}, {high:g}).")
        others = np.array([j for j in range(n_features) if j != self.feature])
        m, Y = X[:, self.feature], X[:, others]
        span = np.ptp(Y, axis=0)
        state = {"columns": others, "low": Y.min(axis=0),
                 "span": np.where(span > 0, span, 1.0), "mean": 0.0, "scale": 1.0}
        side_m, side_Y = m[~inside], Y[~inside]
        Z = self._to_flow(side_Y, state)
        scale = Z.std(axis=0)
        state.update(mean=Z.mean(axis=0), scale=np.where(scale > 0, scale, 1.0))
        Z = (Z - state["mean"]) / state["scale"]
        state.update(m_mean=float(side_m.mean()), m_scale=float(side_m.std()) or 1.0)
        C = self._context(side_m, state)

        train_seed, sample_seed = draw_seeds(self.random_state, 2)
        # The flow is a module and loss of the one training path: skorch runs the
        # epochs, early stopping restores the best state, Ctrl-C propagates.
        config = TrainingConfig.from_estimator(self, optimizer="adam", early_stopping=True,
                                               tol=_TOL)
        hidden = tuple(int(h) for h in self.hidden_layer_sizes)
        net = train_stacked(
            np.column_stack([Z, C]), config, [train_seed], module=ConditionalFlow,
            module_kwargs=dict(n_features=len(others), n_context=1,
                               transforms=self.transforms, hidden_features=hidden),
            flops_per_row=flow_flops(len(others), 1, hidden, self.transforms),
            criterion=StackedNegativeLogLikelihood,
        )
        history = net.history
        # fitted attributes only once training has finished (Ctrl-C leaves none)
        self.preprocessing_ = state
        self.sample_seed_ = sample_seed
        self.window_mass_ = m[inside].copy()
        self.n_sideband_ = n_side
        self.n_iter_ = len(history)
        self.best_validation_loss_ = float(min(history[:, "valid_loss"]))
        self.flow_ = net.module_.flow.cpu().eval()
        self.net_ = net
        try:
            self._check_spread(X[inside])
        except BaseException:
            for name in _FITTED:
                self.__dict__.pop(name, None)
            raise
        return self

    def _check_spread(self, window_rows, n=2000):
        """Refuse a flow whose samples have collapsed or exploded.

        The samples of the other features must spread about as much as the
        data inside the window do (within a factor of 20 either way).  A
        learning rate far too large leaves a flow that puts every sample on
        one point (measured: a spread of 2e-3 against 0.12 in the data) with
        a finite loss.
        """
        others = self.preprocessing_["columns"]
        data = window_rows[:, others].std(axis=0)
        samples = self.sample(n)[:, others].std(axis=0)
        ratio = samples / np.where(data > 0, data, 1.0)
        if not np.all(np.isfinite(ratio)) or ratio.min() < 0.05 or ratio.max() > 20:
            raise TrainingDivergedError(
                "The trained flow's samples spread "
                f"{np.array2string(samples, precision=3)} in the other features where the "
                f"data in the window spread {np.array2string(data, precision=3)}: the flow "
                "collapsed or diverged and would give a wrong reference. Lower "
                f"learning_rate (now {self.learning_rate:g}) or train longer (max_epochs)."
            )

    # ------------------------------------------------------------- sampling
    def sample(self, n_samples=1, *, random_state=None):
        """Draw reference events inside the window.

        Parameters
        ----------
        n_samples : int, default=1
        random_state : int, RandomState instance or None, default=None
            Seeds this draw; None uses a seed fixed at ``fit`` (so repeated
            calls give the same events).

        Returns
        -------
        X : ndarray of shape (n_samples, n_features_in_)
            ``m`` in the window's data distribution, the other features from
            the flow; columns in the order of the training data.
        """
        check_is_fitted(self, "flow_")
        if isinstance(n_samples, bool) or not isinstance(n_samples, Integral) or n_samples < 0:
            raise ValueError(f"n_samples must be a non-negative int; got {n_samples!r}.")
        seed = self.sample_seed_ if random_state is None else random_state
        rng = check_random_state(seed)
        low, high = self._check_window()
        m = self.window_mass_[rng.randint(0, self.window_mass_.size, n_samples)]
        bandwidth = self.window_mass_.size ** -0.2 if self.bandwidth == "scott" else self.bandwidth
        width = bandwidth * self.window_mass_.std()
        if width > 0:
            m = m + width * rng.standard_normal(n_samples)
            # reflect the kernel at the window's edges so that m stays inside
            m = np.where(m <= low, 2 * low - m, m)
            m = np.where(m >= high, 2 * high - m, m)
            m = np.clip(m, np.nextafter(low, high), np.nextafter(high, low))
        out = np.empty((n_samples, self.n_features_in_))
        out[:, self.feature] = m
        # zuko samples from torch's global generator: seeded inside fork_rng, which
        # restores the caller's state on exit (nothing global changes).
        threads = choose_threads(self.n_threads, 0.0)
        with torch_threads(threads), torch.random.fork_rng(devices=[]), torch.no_grad():
            torch.manual_seed(draw_seeds(rng, 1)[0])
            context = torch.as_tensor(self._context(m), dtype=torch.float32)
            Z = self.flow_(context).sample().double().numpy()
        out[:, self.preprocessing_["columns"]] = self._from_flow(Z)
        return out
