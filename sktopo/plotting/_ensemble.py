"""Where every chart of an ensemble breaks (arXiv:2102.08380, Sec. 9).

The median of several charts cures a break point only when the members break
at different places.  :class:`MemberLossDisplay` shows whether they do: every
member's loss against an intrinsic coordinate next to the aggregate, or, for
data on ``S^2``, every member's worst points on a Mollweide map.
"""

from __future__ import annotations

import numpy as np

from sktopo.metrics._scorer import anomaly_score
from sktopo.plotting._histograms import _as_errors

__all__ = ["MemberLossDisplay"]

_AGGREGATE_COLOR = "k"
_MIN_COLOR = "tab:blue"


def _ratio(errors):
    median = np.median(errors)
    return float(errors.max() / median) if median > 0 else float("inf")


class MemberLossDisplay:
    """Every member's loss next to the ensemble's, and each member's break point.

    Parameters
    ----------
    member_errors : ndarray of shape (n_samples, n_members)
        Loss of every member on every sample
        (:meth:`ChartEnsembleDetector.member_errors
        <sktopo.detectors.ChartEnsembleDetector.member_errors>`).
    errors : ndarray of shape (n_samples,), default=None
        The ensemble's (aggregated) loss; by default the lower median of the
        members' losses, the ``'median'`` rule.
    coordinate : ndarray of shape (n_samples,), default=None
        An intrinsic coordinate of every sample, for the loss-profile plot.
    X : ndarray of shape (n_samples, n_features), default=None
        The samples, for :attr:`break_points` and (with 3 features, on the
        unit sphere) the Mollweide map.
    aggregate_name : str, default="median"
        Name of the aggregate, for the legend.

    Attributes
    ----------
    n_members : int
        Number of members.
    member_worst_indices : ndarray of shape (n_members,) of int
        Sample of the largest loss of every member, its break point.
    member_worst_to_median : ndarray of shape (n_members,)
        Every member's largest over median loss.
    worst_to_median : float
        The same for the aggregate loss.
    min_worst_to_median : float
        The same for the best chart, the row minimum of ``member_errors``.
    break_coordinates : ndarray of shape (n_members,) or None
        ``coordinate`` of every member's break point.
    break_points : ndarray of shape (n_members, n_features) or None
        ``X`` of every member's break point.
    ax_ : matplotlib Axes
        The axes drawn on (after :meth:`plot`).
    figure_ : matplotlib Figure
        Their figure.

    See Also
    --------
    sktopo.detectors.ChartEnsembleDetector : The ensemble.
    SphereLossDisplay : The aggregate's loss on ``S^2``.

    References
    ----------
    .. [1] J. Batson, C. G. Haaf, Y. Kahn, D. A. Roberts, "Topological
       Obstructions to Autoencoding", JHEP 04 (2021) 280, arXiv:2102.08380,
       Sec. 9.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.plotting import MemberLossDisplay
    >>> phi = np.linspace(0.0, 6.0, 7)
    >>> member_errors = np.full((7, 3), 0.01)
    >>> member_errors[[1, 3, 5], [0, 1, 2]] = 10.0   # three members, three break points
    >>> disp = MemberLossDisplay.from_predictions(member_errors, coordinate=phi)
    >>> disp.break_coordinates.tolist(), disp.worst_to_median
    ([1.0, 3.0, 5.0], 1.0)
    """

    def __init__(self, *, member_errors, errors=None, coordinate=None, X=None,
                 aggregate_name="median"):
        member_errors = np.asarray(member_errors, dtype=float)
        if member_errors.ndim != 2 or member_errors.size == 0:
            raise ValueError("member_errors must have shape (n_samples, n_members); got "
                             f"{member_errors.shape}.")
        if not np.all(np.isfinite(member_errors)):
            raise ValueError("member_errors must be finite.")
        n_samples, self.n_members = member_errors.shape
        self.member_errors = member_errors
        if errors is None:  # the lower median member, ChartEnsembleDetector's 'median'
            errors = np.sort(member_errors, axis=1)[:, (self.n_members - 1) // 2]
        self.errors = self._check_length(_as_errors(errors), n_samples, "errors")
        self.coordinate = (None if coordinate is None else
                           self._check_length(_as_errors(coordinate, "coordinate"), n_samples,
                                              "coordinate"))
        self.X = None
        if X is not None:
            self.X = np.asarray(X, dtype=float)
            if self.X.ndim != 2 or self.X.shape[0] != n_samples:
                raise ValueError(f"X must have shape (n_samples, n_features) with n_samples = "
                                 f"{n_samples}; got {self.X.shape}.")
        self.aggregate_name = aggregate_name
        self.member_worst_indices = np.argmax(member_errors, axis=0)
        self.member_worst_to_median = np.array([_ratio(e) for e in member_errors.T])
        self.worst_to_median = _ratio(self.errors)
        self.min_worst_to_median = _ratio(member_errors.min(axis=1))
        self.break_coordinates = (None if self.coordinate is None
                                  else self.coordinate[self.member_worst_indices])
        self.break_points = None if self.X is None else self.X[self.member_worst_indices]

    @staticmethod
    def _check_length(values, n_samples, name):
        if values.size != n_samples:
            raise ValueError(f"{name} has {values.size} entries for {n_samples} samples.")
        return values

    @classmethod
    def from_predictions(cls, member_errors, *, errors=None, coordinate=None, X=None,
                         aggregate_name="median", xlabel="intrinsic coordinate", n_worst=None,
                         show_min=True, ax=None):
        """Draw given member losses.

        Parameters
        ----------
        member_errors, errors, coordinate, X, aggregate_name
            As in the class parameters.  Give ``coordinate`` for the loss
            profile, or ``X`` on ``S^2`` (and no coordinate) for the map.
        xlabel, n_worst, show_min, ax
            As in :meth:`plot`.

        Returns
        -------
        display : MemberLossDisplay
        """
        return cls(member_errors=member_errors, errors=errors, coordinate=coordinate, X=X,
                   aggregate_name=aggregate_name).plot(ax=ax, xlabel=xlabel, n_worst=n_worst,
                                                       show_min=show_min)

    @classmethod
    def from_estimator(cls, ensemble, X, *, coordinate=None, xlabel="intrinsic coordinate",
                       n_worst=None, show_min=True, ax=None):
        """Draw a fitted ensemble's member losses on ``X``.

        Parameters
        ----------
        ensemble : fitted ChartEnsembleDetector
            Needs ``member_errors`` and ``anomaly_score``; its
            ``aggregate`` names the aggregate curve.
        X : array-like of shape (n_samples, n_features)
            Samples, e.g. a uniform test set on the manifold.
        coordinate : array-like of shape (n_samples,), default=None
            Their intrinsic coordinate: draw the loss profile.  Without it,
            ``X`` must lie on ``S^2`` and the map is drawn.
        xlabel, n_worst, show_min, ax
            As in :meth:`plot`.

        Returns
        -------
        display : MemberLossDisplay
        """
        if not hasattr(ensemble, "member_errors"):
            raise TypeError(f"{type(ensemble).__name__} has no member_errors; "
                            "MemberLossDisplay needs an ensemble such as ChartEnsembleDetector.")
        return cls.from_predictions(
            ensemble.member_errors(X), errors=anomaly_score(ensemble, X),
            coordinate=coordinate, X=np.asarray(X, dtype=float),
            aggregate_name=getattr(ensemble, "aggregate", "ensemble"),
            xlabel=xlabel, n_worst=n_worst, show_min=show_min, ax=ax)

    def plot(self, ax=None, *, xlabel="intrinsic coordinate", n_worst=None, show_min=True):
        """Draw the loss profile (with a ``coordinate``) or the Mollweide map (without).

        The profile: every member's loss as a thin line, its break point a
        triangle; the aggregate thick black and the best chart (row minimum)
        dashed blue, on a log axis.  The map: all samples in grey, the
        ``n_worst`` worst samples of every member in its colour, the break
        points as crosses.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            For the map, axes with ``projection='mollweide'``; a new figure
            when None.
        xlabel : str, default="intrinsic coordinate"
            Label of the profile's x axis.
        n_worst : int, default=None
            Worst samples per member on the map; 1 % of the samples (at
            least 1) when None.  Unused by the profile.
        show_min : bool, default=True
            Also draw the best chart's loss on the profile.

        Returns
        -------
        self : MemberLossDisplay
        """
        import matplotlib.pyplot as plt

        cmap = plt.cm.tab10 if self.n_members <= 10 else plt.cm.tab20
        colors = cmap(np.arange(self.n_members) % cmap.N)
        if self.coordinate is not None:
            if ax is None:
                _, ax = plt.subplots(figsize=(8.0, 4.5), layout="constrained")
            self._plot_profile(ax, colors, xlabel, show_min)
        else:
            if self.X is None or self.X.shape[1] != 3:
                raise ValueError("Without a coordinate, MemberLossDisplay draws a Mollweide map "
                                 "and needs X with 3 features (points on S^2).")
            if ax is None:
                ax = plt.figure(figsize=(7.5, 4.4), layout="constrained").add_subplot(
                    projection="mollweide")
            if ax.name != "mollweide":
                raise ValueError(f"ax must use projection='mollweide'; got {ax.name!r}.")
            if n_worst is None:
                n_worst = max(1, self.member_errors.shape[0] // 100)
            self._plot_map(ax, colors, int(n_worst))
        self.ax_, self.figure_ = ax, ax.figure
        return self

    def _plot_profile(self, ax, colors, xlabel, show_min):
        order = np.argsort(self.coordinate, kind="stable")
        c = self.coordinate[order]
        for k in range(self.n_members):
            e = self.member_errors[:, k]
            ax.plot(c, e[order], lw=0.7, color=colors[k], alpha=0.8)
            worst = self.member_worst_indices[k]
            ax.plot(self.coordinate[worst], 3 * e[worst], "v", color=colors[k], ms=7,
                    label="break point of a member" if k == 0 else None)
        ax.plot(c, self.errors[order], lw=2.5, color=_AGGREGATE_COLOR,
                label=f"ensemble, {self.aggregate_name} (worst/median "
                      f"{self.worst_to_median:.3g})")
        if show_min:
            ax.plot(c, self.member_errors.min(axis=1)[order], lw=1.5, ls="--", color=_MIN_COLOR,
                    label=f"best chart (min; worst/median {self.min_worst_to_median:.3g})")
        ax.set(yscale="log", xlabel=xlabel, ylabel="loss (squared error)")
        ax.set_title(f"{self.n_members} members (thin) and the ensemble", fontsize="medium")
        ax.legend(fontsize="x-small", loc="best")

    def _plot_map(self, ax, colors, n_worst):
        from sktopo.plotting._manifold import longitude_latitude

        lon, lat = longitude_latitude(self.X)
        ax.scatter(lon, lat, s=1, color="0.85", linewidths=0, rasterized=True)
        for k in range(self.n_members):
            worst = np.argsort(-self.member_errors[:, k], kind="stable")[:n_worst]
            ax.scatter(lon[worst], lat[worst], s=10, color=colors[k], linewidths=0,
                       label=f"member {k}")
        b_lon, b_lat = longitude_latitude(self.break_points)
        ax.scatter(b_lon, b_lat, marker="x", s=50, color="k", linewidths=1.2,
                   label="break points")
        ax.grid(True, lw=0.4)
        ax.tick_params(labelsize="x-small")
        ax.set_title(f"Worst {n_worst} samples of each of {self.n_members} members",
                     fontsize="medium")
        ax.legend(fontsize="xx-small", loc="lower right", ncols=2, markerscale=1.5)
