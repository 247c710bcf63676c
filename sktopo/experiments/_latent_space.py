"""Latent spaces with the data's topology (beyond arXiv:2102.08380, Secs. 4-9).

``topological-latent`` (circle, ``S^2``, double cone, Clifford torus) and
``topological-latent-nd`` (``S^4``, ``S^5``, ``SU(2)``, massless three-body
phase space): worst and median test losses and the loss against the distance
from the worst point, side by side for a Euclidean latent space of the
manifold's dimension (one chart: it must tear), the paper's median ensemble
of such charts (Sec. 9: the tear averaged away) and a latent space with the
data's topology, ``AutoencoderDetector(latent_space='sphere' or 'torus')``
(nothing to tear), over several seeds.

``bump-hunt-sphere-latent``: the bump hunt of Sec. 3 with a latent ``S^5``.  A
topological latent space removes the false positives of a closed manifold;
it does not make a resonance on a submanifold stand out, because the network
still interpolates through it: the signal-vs-sideband ROC AUC stays near 0.5.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
from sklearn.utils import check_random_state

from sktopo.datasets import (
    make_bump_hunt,
    make_circle,
    make_double_cone,
    make_sphere,
    make_su2,
    make_torus,
)
from sktopo.detectors import AutoencoderDetector, ChartEnsembleDetector
from sktopo.detectors._ensemble import _aggregate
from sktopo.experiments._bump_hunt import MASS_SQUARED, separation
from sktopo.experiments._common import save, subplots
from sktopo.experiments._higher import loss_statistics
from sktopo.experiments._registry import log_step, register, write_summary
from sktopo.nn._inference import apply_chunked
from sktopo.physics import PhaseSpaceSampler

__all__ = [
    "METHODS",
    "bump_hunt_latent_settings",
    "compare_latent_spaces",
    "run_bump_hunt_sphere_latent",
    "run_topological_latent",
    "run_topological_latent_nd",
    "topological_latent_settings",
]

#: The three ways of encoding a closed manifold, in the order shown.
METHODS = ("euclidean", "ensemble", "topological")
_COLORS = {"euclidean": "tab:red", "ensemble": "tab:orange", "topological": "tab:blue"}
_PAPER_RUN = dict(optimizer="sgd", learning_rate=1e-2, batch_size=64, max_epochs=20_000)


def _phase_space(n_samples, random_state=None):
    """Massless three-body phase space at sqrt(s) = 1: 12 features (E, px, py, pz) x 3."""
    sampler = PhaseSpaceSampler(n_particles=3, random_state=random_state).fit()
    return sampler.sample(n_samples), None


# name: (sampler(n, random_state=...) -> (X, t), intrinsic dimension, topological latent space)
MANIFOLDS = {
    "circle": (make_circle, 1, "sphere"),
    "S^2": (make_sphere, 2, "sphere"),
    "double cone": (make_double_cone, 2, "sphere"),
    "Clifford torus": (partial(make_torus, kind="clifford"), 2, "torus"),
    "S^4": (partial(make_sphere, n_dim=4), 4, "sphere"),
    "S^5": (partial(make_sphere, n_dim=5), 5, "sphere"),
    "SU(2)": (make_su2, 3, "sphere"),
    "phase space": (_phase_space, 5, "sphere"),
}
_LOW = ("circle", "S^2", "double cone", "Clifford torus")
_HIGH = ("S^4", "S^5", "SU(2)", "phase space")


def topological_latent_settings(full: bool = False, manifolds=_LOW) -> dict:
    """Sizes, seeds and training of every manifold: CPU-sized or the paper's.

    The low-dimensional manifolds use the paper's 5-layer net (hidden
    ``(64,)``), the others its 7-layer net (``(64, 64)``); the latent
    dimension is the manifold's.  CPU-sized default: 2 seeds, ensembles of 5
    charts; Adam for 300 epochs (lr 3e-3, batch 64) on 1000-3000 points for
    the low-dimensional manifolds, for 100 epochs (lr 1e-3, batch 256) on
    10,000 points for the others.  ``full``: the paper's SGD (lr 1e-2, batch
    64, 20,000 epochs) with 5 seeds (days on a CPU).  ``n_init``: the torus
    latent of the Clifford torus keeps, per seed, the best of 8 trainings by
    training loss, as ``AutoencoderDetector(n_init=8)`` does (about one
    training in four finds the homeomorphism, so 8 miss all with probability
    ``(3/4)^8 = 0.1``, 4 with 0.32); the others train once.
    """
    sizes = {"circle": 1000, "S^2": 2000, "double cone": 2000, "Clifford torus": 3000}
    out = {}
    for name in manifolds:
        _, dim, space = MANIFOLDS[name]
        low = name in sizes
        net = dict(hidden_layer_sizes=(64,) if low else (64, 64), latent_dim=dim)
        if full:
            training = _PAPER_RUN
        elif low:
            training = dict(optimizer="adam", learning_rate=3e-3, batch_size=64, max_epochs=300)
        else:
            training = dict(optimizer="adam", learning_rate=1e-3, batch_size=256, max_epochs=100)
        n = sizes.get(name, 10_000)
        out[name] = dict(n_train=n, n_test=n, n_seeds=5 if full else 2, n_charts=5,
                         latent_space=space, n_init=8 if space == "torus" else 1,
                         detector=dict(net, **training))
    return out


def _member(model, X, fn, k):
    return apply_chunked(model.module_, X, fn, members=k)


def compare_latent_spaces(X_train, X_test, detector, latent_space, *, n_seeds=2, n_charts=5,
                          n_init=1, random_state=0, verbose=0):
    """Test losses of a Euclidean chart, a median ensemble of charts and a topological latent.

    One stacked training of ``n_seeds * n_charts`` Euclidean autoencoders
    gives both: seed ``s``'s single chart is member ``s * n_charts``, its
    ensemble the median (Sec. 9) over members ``s * n_charts`` to ``(s + 1) *
    n_charts - 1``.  A second stacked training gives ``n_seeds * n_init``
    autoencoders with ``latent_space``; seed ``s`` keeps, of members ``s *
    n_init`` to ``(s + 1) * n_init - 1``, the one with the lowest final
    training loss (best validation loss with early stopping), as
    ``AutoencoderDetector(n_init=n_init)`` does.

    Parameters
    ----------
    X_train, X_test : ndarray of shape (n_samples, n_features)
    detector : dict
        :class:`~sktopo.detectors.AutoencoderDetector` parameters (Euclidean).
    latent_space : {'sphere', 'torus'}
    n_seeds, n_charts, n_init : int
    random_state, verbose : int

    Returns
    -------
    errors : dict of str to ndarray of shape (n_test, n_seeds)
        Keyed by :data:`METHODS`.
    models : dict
        ``'euclidean'`` and ``'topological'``: the :class:`ChartEnsembleDetector`
        of all Euclidean and all topological members; ``'kept'``: ndarray of
        shape (n_seeds,), the topological member kept for each seed.
    """
    def stack(n_members, **params):
        template = AutoencoderDetector(random_state=random_state, verbose=verbose,
                                       **dict(detector, **params))
        return ChartEnsembleDetector(estimator=template, n_charts=n_members,
                                     random_state=random_state).fit(X_train)

    euclidean = stack(n_seeds * n_charts)
    member = euclidean.member_errors(X_test)
    groups = [member[:, s * n_charts:(s + 1) * n_charts] for s in range(n_seeds)]
    topological = stack(n_seeds * n_init, latent_space=latent_space)
    if detector.get("early_stopping", False):
        final = np.nanmin(topological.validation_loss_curves_, axis=0)
    else:
        final = topological.loss_curves_[-1]
    kept = np.arange(n_seeds) * n_init + final.reshape(n_seeds, n_init).argmin(axis=1)
    errors = {
        "euclidean": np.column_stack([g[:, 0] for g in groups]),
        "ensemble": np.column_stack([_aggregate(g, "median")[0] for g in groups]),
        "topological": topological.member_errors(X_test)[:, kept],
    }
    return errors, {"euclidean": euclidean, "topological": topological, "kept": kept}


def _statistics(X_test, errors):
    """:func:`loss_statistics` of every method and seed, as lists per key."""
    out = {}
    for method, e in errors.items():
        stats = [loss_statistics(X_test, e[:, s]) for s in range(e.shape[1])]
        out[method] = {key: [st[key] for st in stats] for key in stats[0]}
    return out


def _labels(name, s):
    d = s["detector"]["latent_dim"]
    space = "S" if s["latent_space"] == "sphere" else "T"
    return {"euclidean": f"$\\mathbb{{R}}^{d}$", "ensemble": f"median of {s['n_charts']} "
            f"$\\mathbb{{R}}^{d}$ charts", "topological": f"${space}^{d}$"}


def _tex(name):
    """``'S^2'`` as mathtext; other names unchanged."""
    return f"${name}$" if "^" in name and " " not in name else name


def _plot_manifold(axes, name, X_test, errors, stats, s):
    """Worst/median per method and seed; loss vs distance from the worst point (seed 0)."""
    labels = _labels(name, s)
    name = _tex(name)
    ax_ratio, ax_dist = axes
    for i, method in enumerate(METHODS):
        ratios = stats[method]["worst_to_median"]
        ax_ratio.semilogy(np.full(len(ratios), i), ratios, "o", color=_COLORS[method], ms=7)
        e = errors[method][:, 0]
        distance = np.linalg.norm(X_test - X_test[np.argmax(e)], axis=1)
        ax_dist.semilogy(distance, e, ".", ms=1.5, alpha=0.5, color=_COLORS[method],
                         label=labels[method], rasterized=True)
    ax_ratio.set_xticks(range(len(METHODS)), [labels[m] for m in METHODS], fontsize="small")
    ax_ratio.set_xlim(-0.5, len(METHODS) - 0.5)
    ax_ratio.set(ylabel="worst / median loss", title=f"{name}: worst/median, every seed")
    ax_dist.set(xlabel="distance from the worst test point", ylabel="loss",
                title=f"{name}: loss vs distance (seed 0)")
    ax_dist.legend(loc="best", fontsize="small", markerscale=6)


def _plot_circle(axes, X_test, phi, models, errors):
    """Latent code and loss against the angle: the Euclidean chart and the latent circle."""
    from sktopo.plotting import CircleBreakPointDisplay

    for row, (method, key) in enumerate((("euclidean", "euclidean"), ("topological",
                                                                      "topological"))):
        model = models[key]
        k = 0 if method == "euclidean" else int(models["kept"][0])
        display = CircleBreakPointDisplay(
            phi=phi, X=X_test, X_model=_member(model, X_test, "reconstruct", k),
            errors=errors[method][:, 0], latent=_member(model, X_test, "encode", k))
        display.plot(axes=axes[row], panels=("latent", "loss"))
        title = "latent $\\mathbb{R}^1$" if method == "euclidean" else "latent $S^1$"
        n_codes = display.latent.shape[1]
        axes[row][0].set_title(f"{title}: latent code ({n_codes} "
                               f"{'number' if n_codes == 1 else 'numbers'})")


def _run_manifolds(out_dir, settings, *, figure, title, verbose, random_state):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = check_random_state(random_state)
    fig, axes = subplots(len(settings), 2, 5.0, 4.0)
    summary = {"settings": settings, "runs": {}}
    circle = None
    for step, (row, (name, s)) in enumerate(zip(axes, settings.items()), start=1):
        sampler = MANIFOLDS[name][0]
        X_train = sampler(s["n_train"], random_state=rng)[0]
        X_test, t_test = sampler(s["n_test"], random_state=rng)
        n_init = s.get("n_init", 1)
        log_step(step, len(settings), "%s: %d Euclidean members and %d with latent %s",
                 name, s["n_seeds"] * s["n_charts"], s["n_seeds"] * n_init, s["latent_space"],
                 verbose=verbose)
        errors, models = compare_latent_spaces(
            X_train, X_test, s["detector"], s["latent_space"], n_seeds=s["n_seeds"],
            n_charts=s["n_charts"], n_init=n_init, random_state=random_state, verbose=verbose)
        stats = _statistics(X_test, errors)
        summary["runs"][name] = stats
        _plot_manifold(row, name, X_test, errors, stats, s)
        if name == "circle":
            circle = (X_test, t_test, models, errors)
    fig.suptitle(title)
    save(fig, out_dir / figure, dpi=100)
    if circle is not None:
        fig, axes = subplots(2, 2, 5.0, 4.0)
        _plot_circle(axes, *circle)
        fig.suptitle("Circle: a Euclidean latent code jumps at the break point; "
                     "a latent circle does not")
        save(fig, out_dir / "circle_latent.png", dpi=100)
    write_summary(out_dir, format_latent_summary(summary), verbose)
    return summary


def _run_line(s):
    d = s["detector"]
    return (f"{s['n_train']:,} train / {s['n_test']:,} test, hidden "
            f"{tuple(d['hidden_layer_sizes'])}, latent_dim {d['latent_dim']}, {d['optimizer']} "
            f"lr={d['learning_rate']:g} batch {d['batch_size']}, {d['max_epochs']:,} epochs, "
            f"{s['n_seeds']} seeds, ensembles of {s['n_charts']}"
            + (f", latent {s['latent_space']} best of {s['n_init']} trainings"
               if s.get("n_init", 1) > 1 else ""))


def format_latent_summary(summary):
    """Plain-text table of :func:`run_topological_latent`'s result."""
    lines = ["Latent spaces with the data's topology: worst/median test loss per seed",
             "(euclidean: one chart R^d; ensemble: median of the charts (Sec. 9); topological:",
             "latent_space='sphere' or 'torus'; rho: Spearman of loss vs distance from the worst)"]
    for name, stats in summary["runs"].items():
        s = summary["settings"][name]
        lines.append(f"{name} (latent {s['latent_space']}): {_run_line(s)}")
        for method in METHODS:
            st = stats[method]
            ratio = " ".join(f"{v:9.3g}" for v in st["worst_to_median"])
            median = " ".join(f"{v:9.3g}" for v in st["median_loss"])
            rho = " ".join(f"{v:+.2f}" for v in st["spearman"])
            lines.append(f"  {method:<12} worst/median {ratio} | median {median} | rho {rho}")
    return "\n".join(lines) + "\n"


@register(
    "topological-latent",
    paper="arXiv:2102.08380, Secs. 4-5, 8-9 (and arXiv:1804.00891)",
    description="Circle, S^2, double cone, Clifford torus: a Euclidean chart, the median "
    "ensemble and a sphere/torus latent space side by side (worst/median loss).",
    runtime="~4 min",
    full_runtime="days (20,000 SGD epochs, 5 seeds)",
)
def run_topological_latent(out_dir, *, full=False, verbose=1, random_state=0, settings=None):
    """Write ``topological_latent.png``, ``circle_latent.png`` and ``summary.txt``.

    Parameters
    ----------
    settings : dict, default=None
        Overrides :func:`topological_latent_settings` (e.g. tiny sizes for tests).

    Returns
    -------
    summary : dict
        ``runs[manifold][method]``: :func:`~sktopo.experiments._higher.loss_statistics`
        keys (worst, median, worst/median, Spearman, ...) as lists over seeds.
    """
    settings = topological_latent_settings(full) if settings is None else settings
    return _run_manifolds(out_dir, settings, figure="topological_latent.png",
                          title="Euclidean chart vs median ensemble vs topological latent",
                          verbose=verbose, random_state=random_state)


@register(
    "topological-latent-nd",
    paper="arXiv:2102.08380, Secs. 6-7, 9",
    description="S^4, S^5, SU(2), three-body phase space: Euclidean chart, median ensemble "
    "and a latent sphere side by side (7-layer net).",
    runtime="~3 min",
    full_runtime="days (20,000 SGD epochs, 5 seeds)",
)
def run_topological_latent_nd(out_dir, *, full=False, verbose=1, random_state=0,
                              settings=None):
    """As :func:`run_topological_latent` for ``S^4``, ``S^5``, ``SU(2)`` and phase space."""
    settings = topological_latent_settings(full, _HIGH) if settings is None else settings
    return _run_manifolds(out_dir, settings, figure="topological_latent_nd.png",
                          title="Higher dimensions: Euclidean chart vs median ensemble vs "
                          "latent sphere", verbose=verbose, random_state=random_state)


def bump_hunt_latent_settings(full: bool = False) -> dict:
    """The bump hunt of Sec. 3: 7-layer net, latent dimension 5, Euclidean and ``S^5``.

    CPU-sized default: 20,000 sideband training events, 20,000 test and
    signal events, Adam (lr 1e-3, batch 256) for 60 epochs, 2 seeds.
    ``full``: the paper's 1e5 events and SGD (lr 0.1, batch 512, 20,000 epochs).
    """
    net = dict(latent_dim=5, hidden_layer_sizes=(64, 64))
    if full:
        return dict(n_train=100_000, n_test=100_000, n_signal=100_000, n_seeds=2,
                    detector=dict(net, optimizer="sgd", learning_rate=0.1, batch_size=512,
                                  max_epochs=20_000))
    return dict(n_train=20_000, n_test=20_000, n_signal=20_000, n_seeds=2,
                detector=dict(net, optimizer="adam", learning_rate=1e-3, batch_size=256,
                              max_epochs=60))


@register(
    "bump-hunt-sphere-latent",
    paper="arXiv:2102.08380, Secs. 3, 9",
    description="The bump hunt with a latent S^5: signal-vs-sideband AUC stays near 0.5 "
    "(the resonance is interpolated), as with R^5.",
    runtime="~1 min",
    full_runtime="days (20,000 SGD epochs)",
)
def run_bump_hunt_sphere_latent(out_dir, *, full=False, verbose=1, random_state=0,
                                settings=None):
    """Train on sideband events with latent ``R^5`` and ``S^5``; ``bump_hunt_latent.png``.

    Returns
    -------
    summary : dict
        ``runs[latent][seed]``: :func:`~sktopo.experiments._bump_hunt.separation`
        of the signal against the sideband test set, plus the worst/median
        loss of the sideband test set.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = bump_hunt_latent_settings(full) if settings is None else settings
    data = make_bump_hunt(settings["n_train"], settings["n_test"], settings["n_signal"],
                          random_state=random_state)
    summary = {"settings": settings, "runs": {}}
    fig, axes = subplots(1, 2, 5.0, 4.0)
    for step, (ax, space) in enumerate(zip(axes[0], ("euclidean", "sphere")), start=1):
        log_step(step, 2, "bump hunt, latent %s, %d seeds", space, settings["n_seeds"],
                 verbose=verbose)
        template = AutoencoderDetector(latent_space=space, random_state=random_state,
                                       verbose=verbose, **settings["detector"])
        model = ChartEnsembleDetector(estimator=template, n_charts=settings["n_seeds"],
                                      random_state=random_state).fit(data.X_train)
        background = model.member_errors(data.X_test)
        signal = model.member_errors(data.X_signal)
        runs = []
        for s in range(settings["n_seeds"]):
            sep = separation(background[:, s], signal[:, s])
            sep["worst_to_median"] = float(background[:, s].max() / np.median(background[:, s]))
            runs.append(sep)
        summary["runs"][space] = runs
        bins = np.geomspace(min(background.min(), signal.min()),
                            max(background.max(), signal.max()), 60)
        ax.hist(background[:, 0], bins=bins, histtype="step", density=True, color="k",
                label="sideband test")
        ax.hist(signal[:, 0], bins=bins, histtype="step", density=True, color="tab:red",
                label=f"signal ($s_{{12}}$ = {MASS_SQUARED:g})")
        latent = r"$\mathbb{R}^5$" if space == "euclidean" else "$S^5$"
        ax.set(xscale="log", yscale="log", xlabel="loss", ylabel="density",
               title=f"latent {latent}: AUC = {runs[0]['auc']:.3f} (seed 0)")
        ax.legend(loc="best", fontsize="small")
    fig.suptitle("Bump hunt (Sec. 3): a latent sphere does not make the resonance stand out")
    save(fig, out_dir / "bump_hunt_latent.png", dpi=100)
    write_summary(out_dir, format_bump_hunt_latent_summary(summary), verbose)
    return summary


def format_bump_hunt_latent_summary(summary):
    """Plain-text summary of :func:`run_bump_hunt_sphere_latent`'s result."""
    s = summary["settings"]
    d = s["detector"]
    lines = ["Bump hunt with a latent sphere (arXiv:2102.08380, Sec. 3)",
             f"{s['n_train']:,} sideband training events, {s['n_test']:,} test, "
             f"{s['n_signal']:,} signal; hidden {tuple(d['hidden_layer_sizes'])}, latent_dim "
             f"{d['latent_dim']}, {d['optimizer']} lr={d['learning_rate']:g} batch "
             f"{d['batch_size']}, {d['max_epochs']:,} epochs"]
    for space, runs in summary["runs"].items():
        auc = " ".join(f"{r['auc']:.3f}" for r in runs)
        ratio = " ".join(f"{r['worst_to_median']:.3g}" for r in runs)
        lines.append(f"  latent {space:<10} ROC AUC (signal vs sideband) {auc} | "
                     f"sideband worst/median {ratio}")
    lines.append("  expected: AUC near 0.5 for both: the network interpolates the "
                 "resonance's submanifold whatever the latent topology.")
    return "\n".join(lines) + "\n"
