"""Autoencoders on two-dimensional manifolds (arXiv:2102.08380, Sec. 5, Figs. 6-9).

``sphere`` (Fig. 6): a latent-2 autoencoder on ``S^2`` tears a hole at one
point.  ``excised-sphere`` (Fig. 7): trained without the band ``|z| < 0.1`` it
interpolates most of the equator and breaks at a point on it.  ``paraboloid``
(Fig. 8): on a topologically trivial surface with its centre excised, the
centre is interpolated and the worst loss sits on the outer boundary, far
below the excised sphere's.  ``double-cone`` (Fig. 9): sampled uniformly in
height, the break is in the bulk and the loss has local maxima at the tips.
``excised-double-cone`` (end of Sec. 5.2): trained without the band
``|z| < 0.1``, the double cone breaks on its equator, the rest of the
equator is interpolated and the local maxima at the tips persist.

All five share one network, one set of training settings
(:func:`sphere_settings`) and one training helper (:func:`fit_and_evaluate`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from sktopo.datasets import make_double_cone, make_paraboloid, make_sphere
from sktopo.detectors import AutoencoderDetector, ChartEnsembleDetector
from sktopo.experiments._common import figure, save, training_line
from sktopo.experiments._registry import log_step, logger, register, write_summary
from sktopo.plotting import LossDistanceDisplay, LossHistogramDisplay
from sktopo.plotting._manifold import (
    LossProfileDisplay,
    ManifoldFitDisplay,
    SphereLossDisplay,
    _tidy_3d_axes,
    longitude_latitude,
)

__all__ = [
    "ManifoldFit",
    "SeedScan",
    "equator_statistics",
    "fit_and_evaluate",
    "run_double_cone",
    "run_excised_double_cone",
    "run_excised_sphere",
    "run_paraboloid",
    "run_sphere",
    "seed_statistics",
    "sphere_settings",
    "tip_statistics",
]

BAND = 0.1  # |z| < BAND excised from the sphere (Fig. 7) and the double cone (Sec. 5.2)
PARABOLOID_CUT = 0.2  # z < PARABOLOID_CUT excised from the paraboloid (Fig. 8)
PARABOLOID_RADIUS = 2.0  # the paraboloid's disc, z <= 4
RIM = 0.95  # radius > RIM * PARABOLOID_RADIUS counts as the paraboloid's outer rim
TIP = 0.9  # |z| > TIP counts as "at a tip" of the double cone (tips at z = +-1)
N_WORST = 10
N_SEEDS = 8  # networks trained at once on the paraboloid
GOOD_FACTOR = 100.0  # the paraboloid's worst loss "> 100x smaller" than the excised sphere's
N_PROFILE_BINS = 20
N_LONGITUDE_BINS = 36  # 10-degree bins along the equator
_MAP_WIDTH = 1.4  # width of a Mollweide panel relative to the others

# (training sampler, test sampler, title of the summary); both called as f(n, random_state=...)
DATA = {
    "sphere": (make_sphere, make_sphere,
               "Autoencoder on S^2 (arXiv:2102.08380, Sec. 5.1, Fig. 6)"),
    "excised-sphere": (partial(make_sphere, excise_band=BAND), make_sphere,
                       f"Autoencoder on S^2 without the band |z| < {BAND:g}, tested on the whole "
                       "sphere (arXiv:2102.08380, Sec. 5.1, Fig. 7)"),
    "paraboloid": (partial(make_paraboloid, radius=PARABOLOID_RADIUS, excise_below=PARABOLOID_CUT),
                   partial(make_paraboloid, radius=PARABOLOID_RADIUS),
                   f"Autoencoder on the paraboloid z = x^2 + y^2 <= {PARABOLOID_RADIUS ** 2:g} "
                   f"without z < {PARABOLOID_CUT:g}, tested on all of it (arXiv:2102.08380, "
                   "Sec. 5.1, Fig. 8)"),
    "double-cone": (partial(make_double_cone, sampling="height"),
                    partial(make_double_cone, sampling="height"),
                    "Autoencoder on the double cone (height 2, radius 1), uniform in height "
                    "(arXiv:2102.08380, Sec. 5.2, Fig. 9)"),
    "excised-double-cone": (partial(make_double_cone, sampling="height", excise_equator=BAND),
                            partial(make_double_cone, sampling="height"),
                            f"Autoencoder on the double cone without the band |z| < {BAND:g}, "
                            "tested on all of it (arXiv:2102.08380, end of Sec. 5.2)"),
}
PAPER = {
    "sphere": "the loss is localised at one point (a hole); worst/typical ~10^3",
    "excised-sphere": "most of the (never seen) equator is interpolated with low loss; "
                      "the model breaks at a point on the equator",
    "paraboloid": "the excised centre is interpolated; the worst losses lie on the "
                  "boundary; worst loss > 100x smaller than the excised sphere's",
    "double-cone": "global maximum of the loss at the break point in the bulk; local "
                   "maxima at the tips",
    "excised-double-cone": "the break point lies on the (excised) equator, the remainder of "
                           "the equator is interpolated with low loss, and the local maxima at "
                           "the tips persist",
}


def sphere_settings(full: bool = False) -> dict:
    """Data sizes and detector parameters: the paper's (``full``) or CPU-sized ones.

    The paper (Tab. 1) trains the 5-layer net (hidden width 64, latent 2) on
    3000 points with plain SGD, learning rate 1e-2, batch 64, for 20,000
    epochs, and tests on 3000 points.  The CPU-sized default keeps the net and
    the data and trains with Adam (learning rate 3e-3, batch 64) for 400
    epochs (~15-30 s per network on one core).  That reproduces Figs. 6, 7
    and 9.  On the paraboloid (Fig. 8) most initialisations end in a torn
    local minimum (also after 1500 Adam epochs), so the paraboloid trains
    ``n_seeds`` networks at once (one stacked
    :class:`~sktopo.detectors.ChartEnsembleDetector`), counts those that
    find the untorn chart and draws the best; with ``standardized_scan`` it
    counts again on standardised inputs, where most seeds find it.
    """
    network = dict(latent_dim=2, hidden_layer_sizes=(64,))
    # n_seeds, standardized_scan: the paraboloid's scan over initialisations
    scan = dict(n_seeds=N_SEEDS, standardized_scan=True)
    if full:
        return dict(n_train=3000, n_test=3000, **scan,
                    detector=dict(network, optimizer="sgd", learning_rate=1e-2, batch_size=64,
                                  max_epochs=20_000))
    return dict(n_train=3000, n_test=3000, **scan,
                detector=dict(network, optimizer="adam", learning_rate=3e-3, batch_size=64,
                              max_epochs=400))


@dataclass
class ManifoldFit:
    """A detector trained on a manifold, and its outputs and losses on a test set."""

    detector: AutoencoderDetector  # a ChartEnsembleDetector in a SeedScan
    X_test: np.ndarray
    X_model: np.ndarray
    errors: np.ndarray
    seconds: float

    @property
    def worst(self) -> int:
        """Index of the test point with the largest loss."""
        return int(np.argmax(self.errors))

    def statistics(self) -> dict:
        """Worst and median test loss, their ratio, the worst test point, training time."""
        worst_loss, median = float(self.errors.max()), float(np.median(self.errors))
        return {"worst_loss": worst_loss, "median_loss": median,
                "worst_to_median": worst_loss / median,
                "worst_point": self.X_test[self.worst].tolist(), "train_seconds": self.seconds}


def fit_and_evaluate(X_train, X_test, settings, *, random_state=0, verbose=0):
    """Train the autoencoder of ``settings`` on ``X_train``; its outputs and losses on ``X_test``.

    Parameters
    ----------
    X_train, X_test : ndarray of shape (n_samples, n_features)
    settings : dict
        From :func:`sphere_settings`.
    random_state : int, default=0
    verbose : int, default=0

    Returns
    -------
    fit : ManifoldFit
    """
    start = time.perf_counter()
    detector = AutoencoderDetector(random_state=random_state, verbose=verbose,
                                   **settings["detector"]).fit(X_train)
    seconds = time.perf_counter() - start
    return ManifoldFit(detector, X_test, detector.reconstruct(X_test),
                       detector.anomaly_score(X_test), seconds)


@dataclass
class SeedScan(ManifoldFit):
    """:class:`ManifoldFit` of the best of several seeds, with every seed's test losses.

    ``detector`` is the :class:`~sktopo.detectors.ChartEnsembleDetector` whose
    members are the seeds; ``X_model`` and ``errors`` are those of member
    ``best`` (the smallest worst loss); ``member_errors`` has one column per
    seed and, when the scan was repeated on standardised inputs,
    ``standardized_member_errors`` too (losses in the original units).
    """

    member_errors: np.ndarray = None
    best: int = 0
    standardized_member_errors: np.ndarray = None


def _member_fit(X_train, X_test, settings, random_state, verbose, *, standardize=False):
    """Train ``settings['n_seeds']`` networks at once; their outputs on ``X_test``.

    With ``standardize`` the networks see standardised inputs (a
    :class:`~sklearn.preprocessing.StandardScaler` fitted on ``X_train``) and
    their outputs are mapped back, so losses are in the original units.
    """
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(X_train) if standardize else None
    to_net = (lambda X: X) if scaler is None else scaler.transform
    ensemble = ChartEnsembleDetector(
        estimator=AutoencoderDetector(verbose=verbose, **settings["detector"]),
        n_charts=settings.get("n_seeds", N_SEEDS), random_state=random_state,
    ).fit(to_net(X_train))
    X_hat = ensemble.member_reconstructions(to_net(X_test))
    if scaler is not None:
        X_hat = scaler.inverse_transform(X_hat.reshape(-1, X_hat.shape[-1])).reshape(X_hat.shape)
    return ensemble, X_hat, np.sum((X_hat - X_test[:, None]) ** 2, axis=-1)


def _fit_seeds(name, settings, random_state, verbose=0, step=None):
    """Draw the data of ``name``, train ``settings['n_seeds']`` seeds; a :class:`SeedScan`.

    ``step(message, *args)``, if given, logs each training's ``[k/n]`` progress line.
    """
    make_train, make_test, _ = DATA[name]
    X_train, _ = make_train(settings["n_train"], random_state=random_state)
    X_test, _ = make_test(settings["n_test"], random_state=random_state + 1)
    n_seeds = settings.get("n_seeds", N_SEEDS)
    start = time.perf_counter()
    if step is not None:
        step("training %d networks at once on the %s", n_seeds, name)
    ensemble, X_hat, member_errors = _member_fit(X_train, X_test, settings, random_state,
                                                 verbose)
    standardized = None
    if settings.get("standardized_scan", False):
        if step is not None:
            step("training %d networks at once on the %s, standardised inputs", n_seeds, name)
        standardized = _member_fit(X_train, X_test, settings, random_state, verbose,
                                   standardize=True)[2]
    best = int(np.argmin(member_errors.max(axis=0)))
    return SeedScan(ensemble, X_test, X_hat[:, best], member_errors[:, best],
                    time.perf_counter() - start, member_errors=member_errors, best=best,
                    standardized_member_errors=standardized), X_train


def seed_statistics(X_test, member_errors, reference_worst, *, factor=GOOD_FACTOR):
    """Which seeds found the paraboloid's untorn chart (Fig. 8)?

    A seed is *good* when its worst test loss lies on the rim (radius above
    ``RIM`` times the domain's) and is more than ``factor`` times smaller
    than ``reference_worst`` (the excised sphere's worst loss): the paper's
    two statements.

    Parameters
    ----------
    X_test : ndarray of shape (n_samples, 3)
        Test points on the paraboloid.
    member_errors : ndarray of shape (n_samples, n_seeds)
        Every seed's test losses.
    reference_worst : float
        The excised sphere's worst test loss.
    factor : float, default=GOOD_FACTOR

    Returns
    -------
    stats : dict
        ``worst`` (per seed), ``worst_radius`` (per seed), ``good`` (per
        seed, bool) and ``n_good``.
    """
    radius = np.hypot(X_test[:, 0], X_test[:, 1])
    worst_index = np.argmax(member_errors, axis=0)
    worst = member_errors[worst_index, np.arange(member_errors.shape[1])]
    on_rim = radius[worst_index] > RIM * PARABOLOID_RADIUS
    good = on_rim & (worst * factor < reference_worst)
    return {"worst": worst.tolist(), "worst_radius": radius[worst_index].tolist(),
            "good": good.tolist(), "n_good": int(good.sum())}


def _fit(name, settings, random_state, verbose=0, step=None):
    """Draw the training and test sets of ``name`` and :func:`fit_and_evaluate`.

    ``step(message, *args)``, if given, logs the training's ``[k/n]`` progress line.
    """
    make_train, make_test, _ = DATA[name]
    X_train, _ = make_train(settings["n_train"], random_state=random_state)
    X_test, _ = make_test(settings["n_test"], random_state=random_state + 1)
    if step is not None:
        step("training on the %s (%s epochs)", name.replace("-", " "),
             f"{settings['detector']['max_epochs']:,}")
    return fit_and_evaluate(X_train, X_test, settings, random_state=random_state,
                            verbose=verbose), X_train


def _settings_line(settings, full):
    line = (training_line(settings["n_train"], "points", settings["detector"])
            + f"; test: {settings['n_test']:,} points")
    if not full:
        line += "\n          (CPU-sized; the paper: SGD, lr=1e-2, batch 64, 20,000 epochs; --full)"
    return line


def _n_trainings(name, settings):
    """How many trainings the reproduction ``name`` runs (for its ``[k/n]`` progress)."""
    if name == "paraboloid":  # the seed scan (twice with standardized_scan), the sphere
        return 2 + bool(settings.get("standardized_scan", False))
    return 1


def _reproduce(name, analyse, out_dir, full, verbose, random_state, settings, fit=None):
    """Train (with ``fit``, default :func:`_fit`), let ``analyse(fit, X_train, settings,
    random_state, fig_axes, step)`` add its statistics, summary lines and panels, then
    write ``<png>`` and ``summary.txt``.  ``step(message, *args)`` logs the next
    ``[k/n] training ...`` line."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = sphere_settings(full) if settings is None else settings
    if verbose:
        logger.info(_settings_line(settings, full))
    n_steps, done = _n_trainings(name, settings), []

    def step(message, *args):
        done.append(message)
        log_step(len(done), n_steps, message, *args, verbose=verbose)

    fit, X_train = (_fit if fit is None else fit)(name, settings, random_state, verbose, step)

    def fig_axes(projections, title):
        # A Mollweide map is twice as wide as high: a wider column for it, and a figure no
        # taller than the panels need, so that no gap opens under the title.
        widths = [_MAP_WIDTH if p == "mollweide" else 1.0 for p in projections]
        fig = figure(5.6 * sum(widths), 4.8)
        fig.suptitle(title)
        grid = fig.add_gridspec(1, len(projections), width_ratios=widths)
        return fig, [fig.add_subplot(grid[0, k], projection=p)
                     for k, p in enumerate(projections)]

    stats, lines, fig, png = analyse(fit, X_train, settings, random_state, fig_axes, step)
    summary = {"settings": settings, "full": full, **fit.statistics(), **stats,
               "paper": PAPER[name]}
    text = "\n".join([DATA[name][2], _settings_line(settings, full), "",
                      f"worst loss {summary['worst_loss']:.3g}, median "
                      f"{summary['median_loss']:.3g}, worst/median "
                      f"{summary['worst_to_median']:.3g}", *lines,
                      f"paper:  {PAPER[name]}"]) + "\n"
    save(fig, out_dir / png)
    write_summary(out_dir, text, verbose)
    return summary


def _sphere_panels(fit, axes, *, excised_band=None):
    """Model vs data (3-D, seen from the worst point), Mollweide loss map, loss vs distance."""
    lon, lat = np.degrees(longitude_latitude(fit.X_test[[fit.worst]]))
    ManifoldFitDisplay.from_predictions(fit.X_test, fit.X_model, errors=fit.errors,
                                        n_worst=N_WORST, elev=lat[0], azim=lon[0], ax=axes[0])
    SphereLossDisplay.from_predictions(fit.X_test, fit.errors, X_model=fit.X_model,
                                       n_worst=N_WORST, excised_band=excised_band, ax=axes[1])
    return LossDistanceDisplay.from_predictions(fit.X_test, fit.errors, n_worst=N_WORST,
                                                ax=axes[2]).spearman


def _analyse_sphere(fit, X_train, settings, random_state, fig_axes, step=None):
    fig, axes = fig_axes(["3d", "mollweide", None], "Fig. 6: autoencoder on $S^2$, latent 2")
    spearman = _sphere_panels(fit, axes)
    lines = [f"worst point {np.round(fit.X_test[fit.worst], 2).tolist()}; Spearman correlation "
             f"of loss and distance from it {spearman:.2f} (negative: one localised hole)"]
    return {"spearman": spearman}, lines, fig, "fig6_sphere.png"


@register(
    "sphere",
    paper="arXiv:2102.08380, Sec. 5.1, Fig. 6",
    description="A latent_dim=2 autoencoder on S^2 tears a hole at one point; worst/typical "
    "loss ~10^3.",
    runtime="~1 min",
    full_runtime="~30 min",
)
def run_sphere(out_dir, *, full=False, verbose=1, random_state=0, settings=None):
    """Train on the uniform sphere; write ``fig6_sphere.png`` and ``summary.txt``.

    ``settings`` overrides :func:`sphere_settings` (e.g. small sizes for tests).
    Returns the summary dict: worst and median test loss, their ratio, the
    worst point, the Spearman correlation of loss and distance from it, the
    settings and the paper's statement.
    """
    return _reproduce("sphere", _analyse_sphere, out_dir, full, verbose, random_state, settings)


def _equator_band(n_samples, random_state, sampler=make_sphere):
    """About ``n_samples`` points of ``sampler`` with ``|z| < BAND``.

    ``z`` is uniform on ``[-1, 1]`` both on ``S^2`` (uniform) and on the double
    cone sampled in height, so the band holds a share ``BAND`` of the points.
    """
    X, _ = sampler(int(np.ceil(n_samples / BAND)), random_state=random_state)
    return X[np.abs(X[:, 2]) < BAND]


def equator_statistics(errors_train_region, errors_band, longitude_band):
    """How well the equator band, absent from training, is reconstructed.

    Parameters
    ----------
    errors_train_region : ndarray
        Test losses in the training region (``|z| >= BAND``).
    errors_band : ndarray
        Test losses in the band.
    longitude_band : ndarray
        Longitudes of the band points (radians).

    Returns
    -------
    stats : dict
        Median losses and their ratio; ``interpolated_fraction``, the share of
        band points whose loss is below the 99th percentile of the training
        region's; ``break_arc_degrees``, the total longitude (degrees) of the
        10-degree bins whose median band loss is more than ten times that
        percentile.
    """
    q99 = float(np.quantile(errors_train_region, 0.99))
    edges = np.linspace(-np.pi, np.pi, N_LONGITUDE_BINS + 1)
    profile = LossProfileDisplay(coordinate=longitude_band, errors=errors_band, bin_edges=edges)
    median_train, median_band = float(np.median(errors_train_region)), float(np.median(errors_band))
    return {"median_train_region": median_train, "median_band": median_band,
            "band_to_train_median": median_band / median_train, "q99_train_region": q99,
            "interpolated_fraction": float(np.mean(errors_band < q99)),
            "break_arc_degrees": float(np.sum(profile.bin_median > 10 * q99)
                                       * 360 / N_LONGITUDE_BINS)}


def _analyse_excised_sphere(fit, X_train, settings, random_state, fig_axes, step=None):
    X_band = _equator_band(settings["n_test"], random_state + 2)
    errors_band = fit.detector.anomaly_score(X_band)
    lon_band, _ = longitude_latitude(X_band)
    stats = equator_statistics(fit.errors[np.abs(fit.X_test[:, 2]) >= BAND], errors_band,
                               lon_band)
    worst = fit.X_test[fit.worst]
    stats.update(worst_abs_z=float(abs(worst[2])), n_band=int(X_band.shape[0]),
                 worst_longitude=float(longitude_latitude(worst[None])[0][0]))
    fig, axes = fig_axes(["3d", "mollweide", None, None],
                         f"Fig. 7: $S^2$ trained without $|z| < {BAND:g}$ (green)")
    _sphere_panels(fit, axes, excised_band=BAND)
    LossProfileDisplay.from_predictions(np.degrees(lon_band), errors_band,
                                        bins=np.linspace(-180, 180, N_LONGITUDE_BINS + 1),
                                        xlabel=f"longitude on the band $|z| < {BAND:g}$ (degrees)",
                                        n_worst=N_WORST, ax=axes[3])
    axes[3].axhline(stats["q99_train_region"], color="tab:green", ls=":",
                    label="99% quantile, training region")
    axes[3].legend(fontsize="x-small", loc="best")
    lines = [
        f"worst point at |z| = {stats['worst_abs_z']:.3f} (band: |z| < {BAND:g}), longitude "
        f"{np.degrees(stats['worst_longitude']):.0f} deg",
        f"median loss: band ({stats['n_band']:,} extra test points) {stats['median_band']:.3g}, "
        f"training region {stats['median_train_region']:.3g} "
        f"(ratio {stats['band_to_train_median']:.3g})",
        f"band points below the training region's 99% loss quantile "
        f"({stats['q99_train_region']:.3g}): {100 * stats['interpolated_fraction']:.0f}%",
        f"break arc (10-degree bins with median band loss > 10 x that quantile): "
        f"{stats['break_arc_degrees']:.0f} of 360 deg",
    ]
    return stats, lines, fig, "fig7_excised_sphere.png"


@register(
    "excised-sphere",
    paper="arXiv:2102.08380, Sec. 5.1, Fig. 7",
    description="Trained on S^2 without the band |z| < 0.1, the autoencoder interpolates "
    "most of the equator and breaks at a point on it.",
    runtime="~1 min",
    full_runtime="~25 min",
)
def run_excised_sphere(out_dir, *, full=False, verbose=1, random_state=0, settings=None):
    """Train on ``S^2`` minus ``|z| < 0.1``; write ``fig7_excised_sphere.png``, ``summary.txt``.

    The test sets are the whole sphere and, separately, the equator band.
    Returns the summary dict: worst and median loss on the sphere, ``|z|``
    and longitude of the worst point, and :func:`equator_statistics`.
    """
    return _reproduce("excised-sphere", _analyse_excised_sphere, out_dir, full, verbose,
                      random_state, settings)


def _analyse_paraboloid(fit, X_train, settings, random_state, fig_axes, step=None):
    sphere, _ = _fit("excised-sphere", settings, random_state, step=step)  # the reference
    X = fit.X_test
    radius = np.hypot(X[:, 0], X[:, 1])
    centre, rim = X[:, 2] < PARABOLOID_CUT, radius > RIM * PARABOLOID_RADIUS
    sphere_worst = float(sphere.errors.max())
    scan = seed_statistics(X, fit.member_errors, sphere_worst)
    stats = {"best_seed": fit.best, "n_seeds": len(scan["good"]), "n_good": scan["n_good"],
             "seed_worst": scan["worst"], "seed_worst_radius": scan["worst_radius"],
             "seed_good": scan["good"],
             "worst_radius": float(radius[fit.worst]), "domain_radius": PARABOLOID_RADIUS,
             "worst_on_rim": bool(rim[fit.worst]),
             "worst_radii": radius[np.argsort(-fit.errors, kind="stable")[:N_WORST]].tolist(),
             "median_centre": float(np.median(fit.errors[centre])),
             "max_centre": float(fit.errors[centre].max()), "max_rim": float(fit.errors[rim].max()),
             "sphere_worst_loss": sphere_worst,
             "sphere_to_paraboloid_worst": float(sphere_worst / fit.errors.max()),
             "train_seconds": fit.seconds + sphere.seconds}
    if fit.standardized_member_errors is not None:
        std = seed_statistics(X, fit.standardized_member_errors, sphere_worst)
        stats.update(n_good_standardized=std["n_good"], seed_worst_standardized=std["worst"])
    fig, axes = fig_axes(["3d", None, None, None],
                         f"Fig. 8: paraboloid trained without $z < {PARABOLOID_CUT:g}$ (green); "
                         f"best of {stats['n_seeds']} seeds")
    ManifoldFitDisplay.from_predictions(X, fit.X_model, errors=fit.errors, n_worst=N_WORST,
                                        elev=25, ax=axes[0])
    phi, r_cut = np.linspace(0, 2 * np.pi, 121), np.sqrt(PARABOLOID_CUT)
    axes[0].plot(r_cut * np.cos(phi), r_cut * np.sin(phi), np.full_like(phi, PARABOLOID_CUT),
                 color="tab:green", lw=1.5)
    LossProfileDisplay.from_predictions(radius, fit.errors, xlabel=r"radius $\sqrt{x^2 + y^2}$",
                                        excised=[(0.0, r_cut)], n_worst=N_WORST, ax=axes[1])
    LossHistogramDisplay.from_predictions(
        {"paraboloid (best seed)": fit.errors, f"sphere without |z| < {BAND:g}": sphere.errors},
        ax=axes[2])
    _plot_seed_scan(axes[3], stats, sphere_worst)
    lines = [
        f"seeds finding the untorn chart (worst loss on the rim and > {GOOD_FACTOR:g}x below "
        f"the excised sphere's): {stats['n_good']} of {stats['n_seeds']}"
        + (f"; on standardised inputs {stats['n_good_standardized']} of {stats['n_seeds']}"
           if "n_good_standardized" in stats else ""),
        "worst loss per seed: " + ", ".join(f"{w:.3g}" for w in stats["seed_worst"]),
        f"best seed ({fit.best}): excised centre (z < {PARABOLOID_CUT:g}): median loss "
        f"{stats['median_centre']:.3g}, largest {stats['max_centre']:.3g}; rim (radius > "
        f"{RIM * PARABOLOID_RADIUS:g}): largest {stats['max_rim']:.3g}",
        f"best seed: worst point at radius {stats['worst_radius']:.3f} (domain radius "
        f"{PARABOLOID_RADIUS:g}: {'on' if stats['worst_on_rim'] else 'NOT on'} the rim); "
        f"radii of the {N_WORST} worst: " + ", ".join(f"{r:.2f}" for r in stats["worst_radii"]),
        f"excised sphere, same settings: worst loss {sphere_worst:.3g}, "
        f"{stats['sphere_to_paraboloid_worst']:.3g} x the best seed's",
    ]
    if stats["n_good"] == 0:
        lines.append("no seed found the untorn chart: the paper's Fig. 8 is NOT reproduced here")
    return stats, lines, fig, "fig8_paraboloid.png"


def _plot_seed_scan(ax, stats, sphere_worst):
    """Worst loss of every seed (raw and standardised inputs) against the paper's bound."""
    seeds = np.arange(stats["n_seeds"])
    ax.semilogy(seeds, stats["seed_worst"], "o", color="tab:blue", label="paper's inputs")
    if "seed_worst_standardized" in stats:
        ax.semilogy(seeds + 0.15, stats["seed_worst_standardized"], "s", color="tab:orange",
                    label="standardised inputs")
    ax.axhline(sphere_worst, color="k", lw=1.0, label="excised sphere's worst")
    ax.axhline(sphere_worst / GOOD_FACTOR, color="k", ls="--", lw=1.0,
               label=f"sphere's worst / {GOOD_FACTOR:g}")
    ax.set(xlabel="seed", ylabel="worst test loss", xticks=seeds)
    ax.set_title(f"Untorn chart found by {stats['n_good']} of {stats['n_seeds']} seeds",
                 fontsize="medium")
    ax.legend(fontsize="x-small", loc="best")


@register(
    "paraboloid",
    paper="arXiv:2102.08380, Sec. 5.1, Fig. 8",
    description="On the paraboloid with z < 0.2 excised the centre is interpolated, the "
    "worst loss is on the rim and far below the excised sphere's.",
    runtime="~3 min",
    full_runtime="several hours (seed scan)",
)
def run_paraboloid(out_dir, *, full=False, verbose=1, random_state=0, settings=None):
    """Train on the paraboloid minus ``z < 0.2`` and, as reference, on the excised sphere.

    Trains ``n_seeds`` networks at once (see :func:`sphere_settings`) and
    counts with :func:`seed_statistics` those that find the untorn chart;
    the figure and the losses are those of the seed with the smallest worst
    loss.  Writes ``fig8_paraboloid.png`` and ``summary.txt``; the test set
    is the whole paraboloid, ``(x, y)`` uniform on the disc of radius 2.
    Returns the summary dict: the count (``n_good``, and
    ``n_good_standardized`` on standardised inputs), every seed's worst loss,
    and for the best seed the worst and median loss, the radius of the worst
    point (and of the ``N_WORST`` worst), the losses in the excised centre
    and on the rim, and the worst loss of the excised sphere trained with the
    same settings.
    """
    return _reproduce("paraboloid", _analyse_paraboloid, out_dir, full, verbose, random_state,
                      settings, fit=_fit_seeds)


def tip_statistics(z, errors, *, bins=N_PROFILE_BINS, tip=TIP):
    """Loss at the tips of the double cone (``|z| > tip``, tips at ``z = +-1``) and in the bulk.

    Returns
    -------
    stats : dict
        Median and largest loss at the tips, median in the bulk and, per tip,
        the median loss of the outermost of ``bins`` bins on ``[-1, 1]`` over
        the smallest binned median of that half (``> 1``: a local maximum at
        the tip).
    """
    at_tip = np.abs(z) > tip
    med = LossProfileDisplay(coordinate=z, errors=errors,
                             bin_edges=np.linspace(-1.0, 1.0, bins + 1)).bin_median
    return {"median_tips": float(np.median(errors[at_tip])),
            "max_tips": float(errors[at_tip].max()),
            "median_bulk": float(np.median(errors[~at_tip])),
            "tip_rise_bottom": float(med[0] / np.nanmin(med[: bins // 2])),
            "tip_rise_top": float(med[-1] / np.nanmin(med[bins // 2:]))}


def _cone_training_panel(ax, X_train, title, *, band=None):
    """The training set of the double cone in 3-D (the edges of an excised band in green)."""
    ax.scatter(*X_train.T, s=2, c="tab:blue", linewidths=0, rasterized=True)
    if band is not None:
        phi = np.linspace(0, 2 * np.pi, 121)
        for z in (-band, band):  # the cone's radius at height z is 1 - |z|
            ax.plot((1 - band) * np.cos(phi), (1 - band) * np.sin(phi), np.full_like(phi, z),
                    color="tab:green", lw=1.0)
        ax.view_init(elev=8)  # nearly side-on: the gap shows
    ax.set(xlabel="$x$", ylabel="$y$", zlabel="$z$")
    ax.set_title(title, fontsize="medium")
    _tidy_3d_axes(ax)


def _analyse_double_cone(fit, X_train, settings, random_state, fig_axes, step=None):
    z = fit.X_test[:, 2]
    stats = {**tip_statistics(z, fit.errors), "worst_z": float(z[fit.worst])}
    fig, axes = fig_axes(["3d", "3d", None], "Fig. 9: double cone sampled uniformly in height")
    _cone_training_panel(axes[0], X_train, "Training set (dense at the tips)")
    ManifoldFitDisplay.from_predictions(fit.X_test, fit.X_model, errors=fit.errors,
                                        n_worst=N_WORST, elev=15, ax=axes[1])
    LossProfileDisplay.from_predictions(z, fit.errors, bins=np.linspace(-1, 1, N_PROFILE_BINS + 1),
                                        xlabel="height $z$", n_worst=N_WORST, ax=axes[2])
    lines = [
        f"worst point at z = {stats['worst_z']:.3f} (tips at z = +-1)",
        f"tips (|z| > {TIP:g}): median loss {stats['median_tips']:.3g}, largest "
        f"{stats['max_tips']:.3g}; bulk median {stats['median_bulk']:.3g}",
        f"binned median at the tip over the smallest binned median of that half: "
        f"z = -1: {stats['tip_rise_bottom']:.3g}, z = +1: {stats['tip_rise_top']:.3g} "
        "(> 1: local maximum at the tip)",
    ]
    return stats, lines, fig, "fig9_double_cone.png"


@register(
    "double-cone",
    paper="arXiv:2102.08380, Sec. 5.2, Fig. 9",
    description="A double cone sampled uniformly in height: break point in the bulk, "
    "local maxima of the loss at the tips.",
    runtime="~1 min",
    full_runtime="~20 min",
)
def run_double_cone(out_dir, *, full=False, verbose=1, random_state=0, settings=None):
    """Train on the double cone (height 2, radius 1) sampled uniformly in height.

    Writes ``fig9_double_cone.png`` and ``summary.txt``; the test set has the
    training distribution.  Returns the summary dict: worst and median loss,
    the height of the worst point and :func:`tip_statistics`.
    """
    return _reproduce("double-cone", _analyse_double_cone, out_dir, full, verbose, random_state,
                      settings)


def _analyse_excised_double_cone(fit, X_train, settings, random_state, fig_axes, step=None):
    z = fit.X_test[:, 2]
    X_band = _equator_band(settings["n_test"], random_state + 2,
                           partial(make_double_cone, sampling="height"))
    errors_band = fit.detector.anomaly_score(X_band)
    lon_band, _ = longitude_latitude(X_band)
    lon_worst = float(longitude_latitude(fit.X_test[[fit.worst]])[0][0])
    stats = {**tip_statistics(z, fit.errors),
             **equator_statistics(fit.errors[np.abs(z) >= BAND], errors_band, lon_band),
             "worst_z": float(z[fit.worst]), "worst_abs_z": float(abs(z[fit.worst])),
             "worst_in_band": bool(abs(z[fit.worst]) < BAND), "worst_longitude": lon_worst,
             "n_band": int(X_band.shape[0])}
    fig, axes = fig_axes(["3d", "3d", None, None],
                         f"Double cone trained without $|z| < {BAND:g}$ (green), tested on all "
                         "of it (end of Sec. 5.2)")
    _cone_training_panel(axes[0], X_train, "Training set (equator excised)", band=BAND)
    ManifoldFitDisplay.from_predictions(fit.X_test, fit.X_model, errors=fit.errors,
                                        n_worst=N_WORST, elev=15, azim=np.degrees(lon_worst),
                                        ax=axes[1])
    LossProfileDisplay.from_predictions(z, fit.errors, bins=np.linspace(-1, 1, N_PROFILE_BINS + 1),
                                        xlabel="height $z$", excised=[(-BAND, BAND)],
                                        n_worst=N_WORST, ax=axes[2])
    LossProfileDisplay.from_predictions(np.degrees(lon_band), errors_band,
                                        bins=np.linspace(-180, 180, N_LONGITUDE_BINS + 1),
                                        xlabel=f"longitude on the band $|z| < {BAND:g}$ (degrees)",
                                        n_worst=N_WORST, ax=axes[3])
    axes[3].axhline(stats["q99_train_region"], color="tab:green", ls=":",
                    label="99% quantile, training region")
    axes[3].legend(fontsize="x-small", loc="best")
    lines = [
        f"worst point at z = {stats['worst_z']:.3f} ({'in' if stats['worst_in_band'] else 'NOT in'}"
        f" the excised band |z| < {BAND:g}; tips at z = +-1), longitude "
        f"{np.degrees(lon_worst):.0f} deg",
        f"median loss: band ({stats['n_band']:,} extra test points) {stats['median_band']:.3g}, "
        f"training region {stats['median_train_region']:.3g} "
        f"(ratio {stats['band_to_train_median']:.3g}); worst / median band loss "
        f"{fit.errors.max() / stats['median_band']:.3g}",
        f"band points below the training region's 99% loss quantile "
        f"({stats['q99_train_region']:.3g}): {100 * stats['interpolated_fraction']:.0f}%",
        f"break arc (10-degree bins with median band loss > 10 x that quantile): "
        f"{stats['break_arc_degrees']:.0f} of 360 deg (the rest of the equator is interpolated)",
        f"tips (|z| > {TIP:g}): median loss {stats['median_tips']:.3g}, largest "
        f"{stats['max_tips']:.3g}; binned median at the tip over the smallest binned median of "
        f"that half: z = -1: {stats['tip_rise_bottom']:.3g}, z = +1: {stats['tip_rise_top']:.3g} "
        "(> 1: local maximum at the tip)",
    ]
    return stats, lines, fig, "excised_double_cone.png"


@register(
    "excised-double-cone",
    paper="arXiv:2102.08380, Sec. 5.2 (excised equator; cf. Fig. 9)",
    description="The double cone trained without the band |z| < 0.1: the break point lies on "
    "the equator, the rest of it is interpolated, the tips keep local maxima.",
    runtime="~1 min",
    full_runtime="~20 min",
)
def run_excised_double_cone(out_dir, *, full=False, verbose=1, random_state=0, settings=None):
    """Train on the double cone (uniform in height) minus ``|z| < 0.1``; test on all of it.

    Writes ``excised_double_cone.png`` and ``summary.txt``; the test sets are
    the whole double cone (uniform in height) and, separately, the equator
    band.  Returns the summary dict: worst and median loss, the height and
    longitude of the worst point (``worst_in_band``: within the excised band),
    :func:`tip_statistics` and :func:`equator_statistics`.
    """
    return _reproduce("excised-double-cone", _analyse_excised_double_cone, out_dir, full,
                      verbose, random_state, settings)
