"""Autoencoders on three-body phase space (arXiv:2102.08380, Sec. 3 and Sec. 7).

``bump-hunt`` (Figs. 2-3): a 7-layer autoencoder trained on sideband events
(phase space minus a window around ``s_12 = 0.25``) does not flag signal events
at ``s_12 = 0.25``.  ``uniform-phase-space`` (Figs. 11-12): trained on all of
phase space, its loss peaks around one break point and the signal's loss tail
is, if anything, smaller than the background's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from sktopo.datasets import make_bump_hunt
from sktopo.detectors import AutoencoderDetector
from sktopo.experiments._common import save, subplots, training_line
from sktopo.experiments._registry import log_step, register, write_summary
from sktopo.physics import PhaseSpaceSampler, invariant_mass_squared
from sktopo.plotting import DalitzPlotDisplay, LossDistanceDisplay, LossHistogramDisplay

__all__ = [
    "bump_hunt_settings",
    "run_bump_hunt",
    "run_uniform_phase_space",
    "separation",
    "train_and_score",
]

MASS_SQUARED = 0.25  # s_YY of the resonance, units of s
WINDOW = (0.9, 1.1)  # excised interval, units of MASS_SQUARED
CUT = 1e-2  # the paper's loss cut
PAIR, OTHER = (0, 1), 2  # Y, Ybar and Z; s_YY = s_12, s_YZ = s_13
SUBSAMPLE = 0.05  # fraction of the events drawn in the Dalitz plots ("5% shown")
N_WORST = 10
_AXIS_LABELS = (r"$s_{YY} = s_{12}$", r"$s_{YZ} = s_{13}$")
_PANEL = (5.8, 4.9)  # inches per figure panel

PAPER_BUMP_HUNT = {
    "eps_S": 7.4e-4,
    "inv_eps_B": 3e3,
    "worst_loss": 0.05,
    "note": "loss distributions almost identical; worst loss ~0.05 near the edge of "
    "the excised interval",
}
PAPER_UNIFORM = {
    "note": "loss falls with distance from the worst event; worst events at a generic "
    "interior point of the Dalitz triangle; the signal's loss tail is smaller than "
    "the background's",
}


def bump_hunt_settings(full: bool = False) -> dict:
    """Data sizes and detector parameters: the paper's (``full``) or CPU-sized ones.

    The paper (Tab. 1) trains the 7-layer net (hidden ``(64, 64)``, latent 5)
    on 1e5 events with plain SGD, learning rate 0.1, batch 512, for 20,000
    epochs.  The CPU-sized default trains on 50,000 events with Adam
    (learning rate 1e-3, batch 256) for 200 epochs (about a minute on one
    core); the test sets keep the paper's 1e5 events.  It is ~40 times less
    training than the paper's: the loss tail is heavier and the break regions
    wider than after 20,000 epochs.
    """
    network = dict(latent_dim=5, hidden_layer_sizes=(64, 64))
    if full:
        return dict(n_train=100_000, n_test=100_000, n_signal=100_000,
                    detector=dict(network, optimizer="sgd", learning_rate=0.1, batch_size=512,
                                  max_epochs=20_000))
    return dict(n_train=50_000, n_test=100_000, n_signal=100_000,
                detector=dict(network, optimizer="adam", learning_rate=1e-3, batch_size=256,
                              max_epochs=200))


def train_and_score(X_train, sets, settings, *, random_state=0, verbose=0):
    """Fit the autoencoder of ``settings`` on ``X_train``; losses on each named set.

    Parameters
    ----------
    X_train : ndarray of shape (n_events, 12)
    sets : dict of str to ndarray
        Named evaluation sets.
    settings : dict
        From :func:`bump_hunt_settings`.

    Returns
    -------
    detector : AutoencoderDetector
    errors : dict of str to ndarray
        Reconstruction error of every event of every set.
    """
    detector = AutoencoderDetector(
        random_state=random_state, verbose=verbose, **settings["detector"]
    ).fit(X_train)
    errors = {name: detector.anomaly_score(X) for name, X in sets.items()}
    return detector, errors


def separation(errors_background, errors_signal, cut=CUT):
    """ROC AUC (signal = 1, score = loss) and efficiencies of the cut ``loss > cut``."""
    y = np.r_[np.zeros(errors_background.size), np.ones(errors_signal.size)]
    eps_s = float(np.mean(errors_signal > cut))
    eps_b = float(np.mean(errors_background > cut))
    return {
        "auc": float(roc_auc_score(y, np.r_[errors_background, errors_signal])),
        "cut": cut,
        "eps_S": eps_s,
        "eps_B": eps_b,
        "inv_eps_B": 1.0 / eps_b if eps_b > 0 else float("inf"),
        "median_background": float(np.median(errors_background)),
        "median_signal": float(np.median(errors_signal)),
        "q999_background": float(np.quantile(errors_background, 0.999)),
        "q999_signal": float(np.quantile(errors_signal, 0.999)),
    }


def _worst_events(X, errors, n_worst=N_WORST):
    """Loss, Dalitz coordinates and locality of the ``n_worst`` worst events."""
    order = np.argsort(-errors, kind="stable")[:n_worst]
    s = {f"s_{a + 1}{b + 1}": invariant_mass_squared(X[order], (a, b))
         for a, b in ((0, 1), (0, 2), (1, 2))}
    distances = np.linalg.norm(X - X[order[0]], axis=1)
    return {
        "loss": errors[order].tolist(),
        **{k: v.tolist() for k, v in s.items()},
        # median distance of the worst events from the worst one, relative to all events'
        "spread": float(np.median(distances[order[1:]]) / np.median(distances)),
    }


def _settings_line(settings, full):
    line = training_line(settings["n_train"], "events", settings["detector"])
    if not full:
        line += ("\n          (CPU-sized; the paper: 1e5 events, SGD, lr=0.1, batch 512, 20,000 "
                 "epochs; --full)")
    return line


def _separation_lines(sep, names):
    background, signal = names
    return [
        f"median loss: {background} {sep['median_background']:.3g}, "
        f"{signal} {sep['median_signal']:.3g}",
        f"99.9% quantile of the loss: {background} {sep['q999_background']:.3g}, "
        f"{signal} {sep['q999_signal']:.3g}",
        f"ROC AUC ({signal} = 1, score = loss): {sep['auc']:.3f}   (0.5 = no separation)",
        f"cut L > {sep['cut']:g}: eps_S = {sep['eps_S']:.3g}, eps_B = {sep['eps_B']:.3g}, "
        f"1/eps_B = {sep['inv_eps_B']:.3g}",
    ]


def _worst_lines(worst):
    lines = [f"{'loss':>10}{'s_12':>8}{'s_13':>8}{'s_23':>8}"]
    for row in zip(worst["loss"], worst["s_12"], worst["s_13"], worst["s_23"]):
        lines.append(f"{row[0]:>10.3g}" + "".join(f"{v:>8.3f}" for v in row[1:]))
    lines.append(f"spread of the worst events (median distance from the worst one over that "
                 f"of all events): {worst['spread']:.2f}")
    return lines


def _training_step(settings, what, verbose):
    """The one progress line of a run (its full settings are in the summary)."""
    log_step(1, 1, "training the autoencoder on %s events (%s epochs)",
             f"{settings['n_train']:,} {what}", f"{settings['detector']['max_epochs']:,}",
             verbose=verbose)


def _dalitz_panels(detector, X, errors, axes, *, window=None, random_state=0):
    """Reconstructions coloured by loss (5 % shown) on ``axes[0]``, worst events on ``axes[1]``."""
    display = DalitzPlotDisplay.from_predictions(
        X, detector.reconstruct(X), errors=errors, pair=PAIR, other=OTHER, window=window,
        n_worst=0, subsample=SUBSAMPLE, random_state=random_state, ax=axes[0])
    for ax in axes[1:]:
        display.plot(ax=ax, n_worst=N_WORST, subsample=0.0)
    for ax in axes:
        ax.set(xlabel=_AXIS_LABELS[0], ylabel=_AXIS_LABELS[1])
    return display


@register(
    "bump-hunt",
    paper="arXiv:2102.08380, Sec. 3, Figs. 2-3",
    description="A 7-layer autoencoder trained on sidebands of s_YY = 0.25 does not flag "
    "the signal: loss distributions of sideband and signal events almost agree.",
    runtime="~2 min",
    full_runtime="several hours (1e5 events, 20,000 epochs)",
)
def run_bump_hunt(out_dir, *, full=False, verbose=1, random_state=0, settings=None):
    """Train on sideband events; write ``fig2_sideband.png``, ``fig3_signal.png``, ``summary.txt``.

    Parameters
    ----------
    settings : dict, default=None
        Overrides :func:`bump_hunt_settings` (e.g. tiny sizes for tests).

    Returns
    -------
    summary : dict
        Settings, :func:`separation` of signal against the sideband test set,
        the worst sideband events, and the paper's numbers.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = bump_hunt_settings(full) if settings is None else settings
    data = make_bump_hunt(settings["n_train"], settings["n_test"], settings["n_signal"],
                          mass_squared=MASS_SQUARED, window=WINDOW, pair=PAIR,
                          random_state=random_state)
    _training_step(settings, "sideband", verbose)
    det, errors = train_and_score(
        data.X_train, {"sideband test": data.X_test, "signal": data.X_signal}, settings,
        random_state=random_state, verbose=verbose,
    )
    sep = separation(errors["sideband test"], errors["signal"])
    worst = _worst_events(data.X_test, errors["sideband test"])
    edges = np.asarray(data.window)
    edge_distance = np.min(np.abs(np.asarray(worst["s_12"])[:, None] - edges), axis=1)
    half_width = 0.5 * (edges[1] - edges[0])
    summary = {"settings": settings, "full": full, **sep, "worst": worst,
               "worst_loss": worst["loss"][0], "worst_s_12": worst["s_12"][0],
               "worst_distance_to_window": float(edge_distance[0]),
               "n_worst_near_window": int(np.sum(edge_distance < half_width)),
               "window": tuple(data.window), "paper": PAPER_BUMP_HUNT}

    fig, axes = subplots(1, 2, *_PANEL, squeeze=True)
    _dalitz_panels(det, data.X_test, errors["sideband test"], axes, window=data.window,
                   random_state=random_state)
    fig.suptitle("Fig. 2: sideband test set (training excluded the grey window)")
    save(fig, out_dir / "fig2_sideband.png")

    fig, axes = subplots(1, 2, *_PANEL, squeeze=True)
    _dalitz_panels(det, data.X_signal, errors["signal"], axes[:1], window=data.window,
                   random_state=random_state)
    LossHistogramDisplay.from_predictions(errors, cut=CUT, ax=axes[1])
    fig.suptitle(f"Fig. 3: signal events at $s_{{YY}}$ = {MASS_SQUARED:g}")
    save(fig, out_dir / "fig3_signal.png")
    write_summary(out_dir, format_bump_hunt_summary(summary), verbose)
    return summary


def format_bump_hunt_summary(summary):
    """Plain-text summary of :func:`run_bump_hunt`'s result."""
    paper = summary["paper"]
    lo, hi = summary["window"]
    lines = [
        "Mock bump hunt in 3-body phase space (arXiv:2102.08380, Sec. 3, Figs. 2-3)",
        _settings_line(summary["settings"], summary["full"]),
        f"sideband: uniform massless 3-body phase space without {lo:g} < s_12 < {hi:g}; "
        f"signal: s_12 = {MASS_SQUARED:g}",
        f"test sets: {summary['settings']['n_test']:,} sideband, "
        f"{summary['settings']['n_signal']:,} signal events",
        "",
        *_separation_lines(summary, ("sideband test", "signal")),
        f"paper:  eps_S = {paper['eps_S']:.1e}, 1/eps_B = {paper['inv_eps_B']:.0e} "
        "(loss distributions almost identical)",
        "",
        f"worst sideband loss {summary['worst_loss']:.3g} at s_12 = {summary['worst_s_12']:.3f}, "
        f"{summary['worst_distance_to_window']:.3f} from the nearest window edge; "
        f"{summary['n_worst_near_window']} of the {N_WORST} worst lie within "
        f"{0.5 * (hi - lo):.3f} (the window's half-width) of an edge",
        f"paper:  worst loss ~{paper['worst_loss']:g}, near the edge of the excised interval",
        "",
        f"the {N_WORST} worst sideband events:",
        *_worst_lines(summary["worst"]),
    ]
    return "\n".join(lines) + "\n"


@register(
    "uniform-phase-space",
    paper="arXiv:2102.08380, Sec. 7, Figs. 11-12",
    description="A 7-layer autoencoder trained on uniform 3-body phase space breaks at one "
    "point; the signal's loss tail is smaller than the background's.",
    runtime="~2 min",
    full_runtime="several hours (1e5 events, 20,000 epochs)",
)
def run_uniform_phase_space(out_dir, *, full=False, verbose=1, random_state=0, settings=None):
    """Train on uniform phase space; write ``fig11_uniform.png``, ``fig12_loss.png``, summary.

    Parameters
    ----------
    settings : dict, default=None
        Overrides :func:`bump_hunt_settings`.

    Returns
    -------
    summary : dict
        Settings, the Spearman correlation of loss and distance from the worst
        event, the worst events, and :func:`separation` of the ``s_12 = 0.25``
        signal against the uniform test set.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = bump_hunt_settings(full) if settings is None else settings
    sampler = PhaseSpaceSampler(n_particles=3, random_state=random_state).fit()
    X_train = sampler.sample(settings["n_train"])
    X_test = sampler.sample(settings["n_test"])
    X_signal = sampler.sample_on_resonance(settings["n_signal"], mass_squared=MASS_SQUARED,
                                           pair=PAIR)
    _training_step(settings, "uniform phase-space", verbose)
    det, errors = train_and_score(X_train, {"uniform test": X_test, "signal": X_signal},
                                  settings, random_state=random_state, verbose=verbose)
    sep = separation(errors["uniform test"], errors["signal"])
    worst = _worst_events(X_test, errors["uniform test"])

    fig, axes = subplots(1, 3, *_PANEL, squeeze=True)
    distance = LossDistanceDisplay.from_predictions(X_test, errors["uniform test"],
                                                    n_worst=N_WORST, ax=axes[0])
    _dalitz_panels(det, X_test, errors["uniform test"], axes[1:], random_state=random_state)
    fig.suptitle("Fig. 11: uniform 3-body phase space")
    summary = {"settings": settings, "full": full, **sep, "spearman": distance.spearman,
               "worst": worst, "worst_loss": worst["loss"][0], "paper": PAPER_UNIFORM}
    save(fig, out_dir / "fig11_uniform.png")

    fig, axes = subplots(1, 1, *_PANEL, squeeze=True)
    LossHistogramDisplay.from_predictions(errors, cut=CUT, ax=axes)
    fig.suptitle(f"Fig. 12: uniform test set vs signal at $s_{{YY}}$ = {MASS_SQUARED:g}")
    save(fig, out_dir / "fig12_loss.png")
    write_summary(out_dir, format_uniform_summary(summary), verbose)
    return summary


def format_uniform_summary(summary):
    """Plain-text summary of :func:`run_uniform_phase_space`'s result."""
    worst = summary["worst"]
    edge = min(worst["s_12"][0], worst["s_13"][0], worst["s_23"][0])
    lines = [
        "Autoencoder on uniform 3-body phase space (arXiv:2102.08380, Sec. 7, Figs. 11-12)",
        _settings_line(summary["settings"], summary["full"]),
        f"test sets: {summary['settings']['n_test']:,} uniform, "
        f"{summary['settings']['n_signal']:,} signal (s_12 = {MASS_SQUARED:g}) events",
        "",
        f"Spearman correlation of loss and distance from the worst event: "
        f"{summary['spearman']:.3f}   (paper: loss falls with distance, a single break point)",
        f"worst loss {summary['worst_loss']:.3g} at (s_12, s_13, s_23) = "
        f"({worst['s_12'][0]:.3f}, {worst['s_13'][0]:.3f}, {worst['s_23'][0]:.3f}); "
        f"distance to the triangle's edges (smallest s_ij) {edge:.3f}",
        "paper:  worst events near a generic interior point of the Dalitz triangle",
        "",
        *_separation_lines(summary, ("uniform test", "signal")),
        "paper:  the signal's loss tail is smaller than the background's "
        "(eps_S < eps_B, AUC < 0.5)",
        "",
        f"the {N_WORST} worst uniform-test events:",
        *_worst_lines(worst),
    ]
    return "\n".join(lines) + "\n"
