"""The circle autoencoder under other hyperparameters and sparse data (arXiv:2102.08380, App. B).

``circle-variants`` (App. B.1, Figs. 13-15): the break region of a
``latent_dim=1`` autoencoder on 1000 equidistant circle points persists for
other widths, depths, activations and optimisers; ReLU, ``beta > 1`` tempered
tanh, the 7-layer net and Adam narrow it somewhat.  ``sparse-circle``
(App. B.2, Fig. 17): with 12 training points the net memorises them and
reconstructs the rest of the circle poorly; with 20 the break region covers
training points; with ``tanh(5 x) / 5`` the break fits between them.
``circle-square`` (App. B.1, Fig. 16): the same net with ``latent_dim=2``
has no break point; tested on the whole square ``-1 <= x, y <= 1`` it is
(approximately) the identity map, its loss largest at the corners.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.utils import check_random_state

from sktopo.datasets import make_circle
from sktopo.exceptions import NoBottleneckWarning
from sktopo.experiments._circle import circle_settings
from sktopo.experiments._common import save, subplots
from sktopo.experiments._higher import fit_and_score
from sktopo.experiments._registry import log_step, register
from sktopo.experiments._registry import write_summary as _write
from sktopo.plotting import CircleBreakPointDisplay, LossProfileDisplay, ManifoldFitDisplay

__all__ = [
    "break_region_width",
    "run_circle_square",
    "run_circle_variants",
    "run_sparse_circle",
    "sparse_settings",
    "square_settings",
    "square_statistics",
    "variant_settings",
]

BREAK_FACTOR = 10.0  # the break region: loss above BREAK_FACTOR x the median test loss
TWO_PI = 2.0 * np.pi
_OPTIMIZERS = {"sgd": "SGD", "adam": "Adam"}
# Regions of the square -1 <= x, y <= 1 by the radius r (Fig. 16): near the training circle,
# inside the disc, outside it short of the corners, and the corners (r <= sqrt 2)
NEAR = 0.05  # |r - 1| < NEAR
INSIDE = 0.9  # r < INSIDE
OUTSIDE = 1.1  # OUTSIDE < r <= CORNER
CORNER = 1.3  # r > CORNER
LEVEL = 1e-2  # "reconstructed": loss below LEVEL, i.e. the output within 0.1 of the input

PAPER_VARIANTS = (
    "Figs. 13-15: the finite break region persists for d_w = 32, 128 and the 7-layer net "
    "(reduced somewhat in the 7-layer net); ReLU and beta > 1 give a somewhat smaller gap, "
    "still covering several of the 1000 training points; Adam converges faster than SGD and "
    "leaves a smaller gap for the same training, but a finite gap after 20,000 epochs."
)
PAPER_SPARSE = {
    "N=12": "memorises the training set, poor reconstruction of the 1000 test points",
    "N=20": "break region as before: cannot memorise the training set; the worst training "
    "point's loss is ~10 times a generic one's (Sec. 4)",
    "N=20, beta=5": "reconstructs the training set perfectly and the test set accurately, "
    "the break region placed between training points",
}
PAPER_SQUARE = (
    "Fig. 16: the loss is smallest on the training set (the circle), of the same order "
    "everywhere else in the square except at the corners (largest there): the d_l = 2 network "
    "learns (approximately) the identity map on R^2 for x^2 + y^2 <= 1; no break point."
)


def variant_settings(full: bool = False) -> dict:
    """The default circle run and the App. B.1 variants (parameter overrides).

    The default is :func:`~sktopo.experiments._circle.circle_settings`: the
    paper's SGD (lr 1e-2, batch 64, 20,000 epochs) with ``full``, otherwise
    Adam (lr 3e-3) for 600 epochs.  The optimiser variant is the other one
    (Adam with the same learning rate with ``full``; SGD with the paper's
    lr 1e-2 for the same 600 epochs otherwise).
    """
    base = dict(latent_dim=1, hidden_layer_sizes=(64,), **circle_settings(full))
    other = dict(optimizer="adam") if full else dict(optimizer="sgd", learning_rate=1e-2)
    return {
        "n_train": 1000,
        "n_test": 1000,
        "base": base,
        "variants": {
            f"default ({_OPTIMIZERS[base['optimizer']]})": {},
            "d_w = 32": dict(hidden_layer_sizes=(32,)),
            "d_w = 128": dict(hidden_layer_sizes=(128,)),
            "7-layer": dict(hidden_layer_sizes=(64, 64)),
            "ReLU": dict(activation="relu"),
            "beta = 0.5": dict(activation_beta=0.5),
            "beta = 5": dict(activation_beta=5.0),
            _OPTIMIZERS[other["optimizer"]]: other,
        },
    }


def sparse_settings(full: bool = False) -> dict:
    """Sparse training sets of App. B.2, trained by full-batch gradient descent.

    The paper: plain SGD with batch ``N_train`` (gradient descent), lr 1e-2,
    100,000 epochs.  The CPU-sized default keeps full-batch SGD and the
    product ``lr x epochs`` (0.05 for 20,000 epochs, about 45 s per network).
    """
    training = (dict(optimizer="sgd", learning_rate=1e-2, max_epochs=100_000) if full
                else dict(optimizer="sgd", learning_rate=0.05, max_epochs=20_000))
    return {
        "n_test": 1000,
        "detector": dict(latent_dim=1, hidden_layer_sizes=(64,), **training),
        "runs": {"N=12": dict(n_train=12), "N=20": dict(n_train=20),
                 "N=20, beta=5": dict(n_train=20, activation_beta=5.0)},
    }


def break_region_width(phi, errors, *, factor=BREAK_FACTOR):
    """Angular width (radians) of the arc around the largest loss where loss > factor x median.

    Walking from the worst point in both directions along the sorted angles,
    the arc ends half-way between the last point above the threshold and the
    first one below; 0 when the worst loss itself is below the threshold,
    ``2 pi`` when every point is above it.
    """
    phi = np.mod(np.asarray(phi, dtype=float), TWO_PI)
    order = np.argsort(phi)
    phi, errors = phi[order], np.asarray(errors, dtype=float)[order]
    above = errors > factor * np.median(errors)
    worst, n = int(np.argmax(errors)), errors.size
    if not above[worst]:
        return 0.0
    if above.all():
        return TWO_PI

    def half(step):
        k = worst
        while above[(k + step) % n]:
            k += step
        inside = np.mod(step * (phi[k % n] - phi[worst]), TWO_PI)
        outside = np.mod(step * (phi[(k + step) % n] - phi[worst]), TWO_PI)
        return 0.5 * (inside + outside)

    return float(half(1) + half(-1))


def _circle_stats(display):
    errors = display.errors
    return {"worst_loss": float(errors.max()), "median_loss": float(np.median(errors)),
            "worst_to_median": display.worst_to_median, "break_angle": display.break_angle,
            "break_width": break_region_width(display.phi, errors)}


def _display(det, X_test, phi_test, errors, axes):
    display = CircleBreakPointDisplay(phi=phi_test, X=X_test, X_model=det.reconstruct(X_test),
                                      errors=errors)
    return display.plot(axes=axes, panels=("points", "loss"))


@register(
    "circle-variants",
    paper="arXiv:2102.08380, App. B.1, Figs. 13-15",
    description="The circle's break region for other widths, depth, activations (ReLU, "
    "tempered tanh) and optimisers: it narrows somewhat but persists.",
    runtime="~2 min",
    full_runtime="several hours",
)
def run_circle_variants(out_dir, *, full=False, verbose=1, random_state=0, settings=None):
    """Train every variant on 1000 equidistant points; write ``circle_variants.png``, summary.

    Parameters
    ----------
    settings : dict, default=None
        Overrides :func:`variant_settings` (e.g. tiny sizes for tests).

    Returns
    -------
    summary : dict
        ``runs``: per variant, worst and median test loss, worst/median, break
        angle and :func:`break_region_width`; the settings.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = variant_settings(full) if settings is None else settings
    X_train, _ = make_circle(settings["n_train"], sampling="equidistant")
    X_test, phi_test = make_circle(settings["n_test"], random_state=random_state + 1)
    variants = settings["variants"]
    n_rows = -(-len(variants) // 2)
    fig, axes = subplots(n_rows, 4, 4.2, 3.6)
    summary = {"settings": settings, "full": full, "runs": {}}
    for k, (name, overrides) in enumerate(variants.items()):
        params = dict(settings["base"], **overrides)
        log_step(k + 1, len(variants), "training %s", name, verbose=verbose)
        det, errors = fit_and_score(X_train, X_test, params, random_state=random_state,
                                    verbose=verbose)
        pair = axes[k // 2, 2 * (k % 2): 2 * (k % 2) + 2]
        summary["runs"][name] = stats = _circle_stats(
            _display(det, X_test, phi_test, errors[:, 0], pair))
        pair[0].set_title(f"{name}: break width {stats['break_width']:.2f} rad",
                          fontsize="medium")
        pair[0].get_legend().remove()
    for ax in axes.ravel()[2 * len(variants):]:
        ax.axis("off")
    fig.suptitle("App. B.1: the circle autoencoder ($d_l$ = 1) under other hyperparameters")
    save(fig, out_dir / "circle_variants.png")
    _write(out_dir, format_variants_summary(summary), verbose)
    return summary


def format_variants_summary(summary):
    """Plain-text summary of :func:`run_circle_variants`'s result."""
    s, base = summary["settings"], summary["settings"]["base"]
    spacing = TWO_PI / s["n_train"]
    lines = [
        "The circle autoencoder under other hyperparameters (arXiv:2102.08380, App. B.1)",
        f"training: {s['n_train']} equidistant points, latent_dim=1; default: hidden "
        f"{tuple(base['hidden_layer_sizes'])}, tanh, {base['optimizer']}, "
        f"lr={base['learning_rate']:g}, batch {base['batch_size']}, {base['max_epochs']:,} epochs"
        + ("" if summary["full"] else
           "\n          (CPU-sized; the paper: SGD, lr=1e-2, 20,000 epochs; --full)"),
        f"test: {s['n_test']} points uniform on the circle; break width: the arc around the "
        f"worst point with loss > {BREAK_FACTOR:g} x median",
        "",
        f"{'variant':<18}{'worst loss':>11}{'median loss':>13}{'worst/median':>14}"
        f"{'break width':>13}{'train pts':>11}",
    ]
    for name, r in summary["runs"].items():
        lines.append(f"{name:<18}{r['worst_loss']:>11.3g}{r['median_loss']:>13.3g}"
                     f"{r['worst_to_median']:>14.3g}{r['break_width']:>13.3f}"
                     f"{r['break_width'] / spacing:>11.0f}")
    lines += ["(train pts: training points inside the break region)", "",
              "paper: " + PAPER_VARIANTS]
    return "\n".join(lines) + "\n"


@register(
    "sparse-circle",
    paper="arXiv:2102.08380, App. B.2, Fig. 17",
    description="Circle autoencoder on 12 and 20 equidistant points with long full-batch "
    "training: memorisation, a break region over training points, and beta=5.",
    runtime="~30 s",
    full_runtime="~1 h",
)
def run_sparse_circle(out_dir, *, full=False, verbose=1, random_state=0, settings=None):
    """Train on 12 and 20 equidistant points; write ``sparse_circle.png`` and ``summary.txt``.

    Parameters
    ----------
    settings : dict, default=None
        Overrides :func:`sparse_settings` (e.g. fewer epochs for tests).

    Returns
    -------
    summary : dict
        ``runs``: per training set, the largest and median training loss, the
        test-set statistics of ``circle-variants`` and ``break_offset``, the
        break angle's distance to the nearest training point in units of the
        training spacing (0.5: half-way between two).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = sparse_settings(full) if settings is None else settings
    X_test, phi_test = make_circle(settings["n_test"], random_state=random_state + 1)
    runs = settings["runs"]
    fig, axes = subplots(2, len(runs), 4.6, 4.2)
    summary = {"settings": settings, "full": full, "runs": {}}
    for col, (name, run) in enumerate(runs.items()):
        n_train = run["n_train"]
        X_train, phi_train = make_circle(n_train, sampling="equidistant")
        params = dict(settings["detector"], batch_size=n_train,
                      **{k: v for k, v in run.items() if k != "n_train"})
        log_step(col + 1, len(runs), "training %s (%d epochs)", name, params["max_epochs"],
                 verbose=verbose)
        det, errors = fit_and_score(X_train, X_test, params, random_state=random_state,
                                    verbose=verbose)
        train_errors = det.anomaly_score(X_train)
        stats = _circle_stats(_display(det, X_test, phi_test, errors[:, 0], axes[:, col]))
        spacing = TWO_PI / n_train
        offset = np.mod(stats["break_angle"], spacing) / spacing
        summary["runs"][name] = dict(
            stats, n_train=n_train, train_max_loss=float(train_errors.max()),
            train_median_loss=float(np.median(train_errors)),
            break_offset=float(min(offset, 1.0 - offset)))
        axes[1, col].semilogy(phi_train, train_errors, "o", color="tab:green", ms=5,
                              label="training points")
        axes[1, col].legend(fontsize="small", loc="upper right", framealpha=0.9)
        axes[0, col].plot(*X_train.T, "o", color="tab:green", ms=5)
        axes[0, col].get_legend().remove()
        axes[0, col].set_title(name, fontsize="medium")
    fig.suptitle("App. B.2 / Fig. 17: sparse circles, full-batch gradient descent")
    save(fig, out_dir / "sparse_circle.png")
    _write(out_dir, format_sparse_summary(summary), verbose)
    return summary


def format_sparse_summary(summary):
    """Plain-text summary of :func:`run_sparse_circle`'s result."""
    d = summary["settings"]["detector"]
    lines = [
        "Sparse circle (arXiv:2102.08380, App. B.2, Fig. 17)",
        f"training: N equidistant points, batch N (gradient descent), hidden "
        f"{tuple(d['hidden_layer_sizes'])}, {d['optimizer']}, lr={d['learning_rate']:g}, "
        f"{d['max_epochs']:,} epochs"
        + ("" if summary["full"] else
           "\n          (CPU-sized; the paper: lr=1e-2 for 100,000 epochs; --full)"),
        f"test: {summary['settings']['n_test']} points uniform on the circle",
        "",
        f"{'run':<14}{'train max':>11}{'train median':>14}{'train max/med':>15}"
        f"{'test median':>13}{'test worst':>12}{'break width':>13}{'break offset':>14}",
    ]
    for name, r in summary["runs"].items():
        lines.append(f"{name:<14}{r['train_max_loss']:>11.3g}{r['train_median_loss']:>14.3g}"
                     f"{r['train_max_loss'] / r['train_median_loss']:>15.3g}"
                     f"{r['median_loss']:>13.3g}{r['worst_loss']:>12.3g}"
                     f"{r['break_width']:>13.3f}{r['break_offset']:>14.2f}")
    lines += ["(break offset: distance of the worst test point from the nearest training "
              "point, in training spacings; 0.5 = half-way)", ""]
    lines += [f"paper, {name}: {text}" for name, text in PAPER_SPARSE.items()]
    return "\n".join(lines) + "\n"


def square_settings(full: bool = False) -> dict:
    """The default circle net with ``latent_dim=2`` (Fig. 16), and a ``latent_dim=1`` reference.

    The network and training are :func:`~sktopo.experiments._circle.circle_settings`
    (the paper's SGD, lr 1e-2, batch 64, 20,000 epochs with ``full``;
    otherwise Adam, lr 3e-3, for 600 epochs, ~10 s per network on one core).
    ``reference_latent_dim`` (``None``: none) trains the same net with that
    latent size for comparison on the circle.
    """
    return {
        "n_train": 1000,
        "n_test": 3000,
        "n_circle": 1000,
        "detector": dict(latent_dim=2, hidden_layer_sizes=(64,), **circle_settings(full)),
        "reference_latent_dim": 1,
    }


def _median(values):
    """Median; NaN (without a warning) for no values."""
    return float(np.median(values)) if np.size(values) else float("nan")


def square_statistics(X, errors, *, level=LEVEL):
    """Median loss by region of the square around the unit circle (Fig. 16 of arXiv:2102.08380).

    Parameters
    ----------
    X : ndarray of shape (n_samples, 2)
        Test points in the square ``-1 <= x, y <= 1``.
    errors : ndarray of shape (n_samples,)
        Their losses.
    level : float, default=LEVEL
        Loss below which a point counts as reconstructed.

    Returns
    -------
    stats : dict
        With ``r`` the distance from the origin: ``median_near``
        (``|r - 1| < NEAR``), ``median_inside`` (``r < INSIDE``),
        ``median_outside`` (``OUTSIDE < r <= CORNER``), ``median_corners``
        (``r > CORNER``; NaN when the region holds no point), ``n_corners``,
        ``corners_to_inside`` and ``outside_to_inside`` (ratios of those
        medians) and ``fraction_below_level``, the share of points with loss
        below ``level``.
    """
    errors = np.asarray(errors, dtype=float)
    r = np.hypot(X[:, 0], X[:, 1])
    regions = {"near": np.abs(r - 1.0) < NEAR, "inside": r < INSIDE,
               "outside": (r > OUTSIDE) & (r <= CORNER), "corners": r > CORNER}
    stats = {f"median_{name}": _median(errors[mask]) for name, mask in regions.items()}
    inside = stats["median_inside"]
    stats.update(n_corners=int(regions["corners"].sum()),
                 corners_to_inside=stats["median_corners"] / inside,
                 outside_to_inside=stats["median_outside"] / inside,
                 level=float(level), fraction_below_level=float(np.mean(errors < level)))
    return stats


def _square_panels(X_test, X_model, errors, circle_runs, axes):
    """Loss map, model output, loss against radius, loss on the circle for each latent size."""
    from matplotlib.colors import LogNorm

    phi = np.linspace(0.0, TWO_PI, 361)
    circle = np.cos(phi), np.sin(phi)
    lo = errors[errors > 0].min(initial=np.inf)  # a log scale: zeros raised to the smallest
    lo, hi = (lo, max(errors.max(), 10 * lo)) if np.isfinite(lo) else (1e-12, 1.0)
    sc = axes[0].scatter(*X_test.T, c=np.maximum(errors, lo), norm=LogNorm(lo, hi),
                         cmap="viridis", s=6, linewidths=0, rasterized=True)
    axes[0].figure.colorbar(sc, ax=axes[0], shrink=0.7, label="loss")
    axes[0].plot(*circle, color="tab:green", lw=1.5, label="training circle")
    axes[0].plot(*(CORNER * np.array(circle)), color="0.4", ls="--", lw=0.8,
                 label=f"r = {CORNER:g} (corners beyond)")
    axes[0].set(xlim=(-1.05, 1.05), ylim=(-1.05, 1.05), xlabel="$x$", ylabel="$y$",
                aspect="equal")
    axes[0].set_title("Loss on the square", fontsize="medium")
    axes[0].legend(fontsize="x-small", loc="upper center", bbox_to_anchor=(0.5, -0.12),
                   ncols=2)
    ManifoldFitDisplay.from_predictions(X_test, X_model, errors=errors, ax=axes[1])
    axes[1].plot(*circle, color="tab:green", lw=1.2)
    r = np.hypot(X_test[:, 0], X_test[:, 1])
    LossProfileDisplay.from_predictions(r, errors, bins=np.linspace(0.0, np.sqrt(2.0), 29),
                                        xlabel=r"radius $r = \sqrt{x^2 + y^2}$", ax=axes[2])
    axes[2].axvline(1.0, color="tab:green", lw=1.2, label="training circle")
    axes[2].legend(fontsize="x-small", loc="lower left")
    for latent_dim, (phi_circle, circle_errors) in circle_runs.items():
        order = np.argsort(phi_circle)
        axes[3].semilogy(phi_circle[order], circle_errors[order], lw=1.0,
                         label=f"$d_l$ = {latent_dim}: worst/median "
                               f"{circle_errors.max() / np.median(circle_errors):.3g}")
    axes[3].set(xlabel=r"angle $\phi$ on the unit circle", ylabel="loss $L$", xlim=(0, TWO_PI))
    axes[3].set_title("Test points on the circle", fontsize="medium")
    axes[3].legend(fontsize="x-small", loc="upper left")


@register(
    "circle-square",
    paper="arXiv:2102.08380, App. B.1, Fig. 16",
    description="The circle net with latent_dim=2, tested on the square -1 <= x, y <= 1: no "
    "break point, about the identity map, the loss largest at the corners.",
    runtime="~30 s",
    full_runtime="~30 min (2 networks)",
)
def run_circle_square(out_dir, *, full=False, verbose=1, random_state=0, settings=None):
    """Train on 1000 equidistant circle points, test on the square; write ``fig16_square.png``.

    Parameters
    ----------
    settings : dict, default=None
        Overrides :func:`square_settings` (e.g. tiny sizes for tests).

    Returns
    -------
    summary : dict
        :func:`square_statistics` of the test losses on the square, their worst
        and median, the median and largest training loss, the median and
        worst/median loss on ``n_circle`` uniform circle points (also of the
        reference net, ``reference_*``, if any), training time and settings.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = square_settings(full) if settings is None else settings
    X_train, _ = make_circle(settings["n_train"], sampling="equidistant")
    X_test = check_random_state(random_state + 1).uniform(-1.0, 1.0, (settings["n_test"], 2))
    X_circle, phi_circle = make_circle(settings["n_circle"], random_state=random_state + 2)
    latent_dims = [settings["detector"]["latent_dim"]]
    if settings.get("reference_latent_dim") is not None:
        latent_dims.append(settings["reference_latent_dim"])
    summary = {"settings": settings, "full": full}
    circle_runs = {}
    for k, latent_dim in enumerate(latent_dims):
        log_step(k + 1, len(latent_dims), "training latent_dim=%d (%d epochs)", latent_dim,
                 settings["detector"]["max_epochs"], verbose=verbose)
        start = time.perf_counter()
        with warnings.catch_warnings():
            # latent_dim=2 on 2-D data is the point of App. B.1: the net learns about the
            # identity, and this reproduction measures how well.
            warnings.filterwarnings("ignore", category=NoBottleneckWarning)
            det, errors = fit_and_score(X_train, X_test, dict(settings["detector"],
                                                              latent_dim=latent_dim),
                                        random_state=random_state, verbose=verbose)
        seconds = time.perf_counter() - start
        errors = errors[:, 0]
        circle_errors = circle_runs[latent_dim] = det.anomaly_score(X_circle)
        prefix = "" if k == 0 else "reference_"
        summary.update({f"{prefix}circle_median_loss": float(np.median(circle_errors)),
                        f"{prefix}circle_worst_to_median": float(circle_errors.max()
                                                                 / np.median(circle_errors)),
                        f"{prefix}median_loss": float(np.median(errors)),
                        f"{prefix}train_seconds": seconds})
        if k == 0:
            train_errors = det.anomaly_score(X_train)
            X_model, square_errors = det.reconstruct(X_test), errors
            summary.update(square_statistics(X_test, errors), worst_loss=float(errors.max()),
                           worst_point=X_test[np.argmax(errors)].tolist(),
                           train_median_loss=float(np.median(train_errors)),
                           train_max_loss=float(train_errors.max()))
    if len(latent_dims) > 1:
        summary["reference_latent_dim"] = latent_dims[1]
    fig, axes = subplots(1, 4, 4.9, 4.6)
    _square_panels(X_test, X_model, square_errors,
                   {d: (phi_circle, circle_runs[d]) for d in latent_dims}, axes[0])
    fig.suptitle(f"Fig. 16: the circle autoencoder with $d_l$ = {latent_dims[0]} on the square "
                 r"$-1 \leq x, y \leq 1$ (trained on the green circle)")
    save(fig, out_dir / "fig16_square.png")
    _write(out_dir, format_square_summary(summary), verbose)
    return summary


def format_square_summary(summary):
    """Plain-text summary of :func:`run_circle_square`'s result."""
    s = summary["settings"]
    d = s["detector"]
    corners = f"corners, r > {CORNER:g} ({summary['n_corners']} points)"
    lines = [
        "The circle autoencoder with latent_dim=2 on the square (arXiv:2102.08380, App. B.1, "
        "Fig. 16)",
        f"training: {s['n_train']} equidistant points of the unit circle, hidden "
        f"{tuple(d['hidden_layer_sizes'])}, latent {d['latent_dim']}, {d['optimizer']}, "
        f"lr={d['learning_rate']:g}, batch {d['batch_size']}, {d['max_epochs']:,} epochs"
        + ("" if summary["full"] else
           "\n          (CPU-sized; the paper: SGD, lr=1e-2, 20,000 epochs; --full)"),
        f"test: {s['n_test']} points uniform on the square -1 <= x, y <= 1 (r: distance from "
        "the origin)",
        "",
        "median loss by region:",
        f"  {'training circle':<34}{summary['train_median_loss']:>10.3g}  (largest "
        f"{summary['train_max_loss']:.3g})",
        f"  {f'near the circle, |r - 1| < {NEAR:g}':<34}{summary['median_near']:>10.3g}",
        f"  {f'inside, r < {INSIDE:g}':<34}{summary['median_inside']:>10.3g}",
        f"  {f'outside, {OUTSIDE:g} < r <= {CORNER:g}':<34}{summary['median_outside']:>10.3g}",
        f"  {corners:<34}{summary['median_corners']:>10.3g}",
        f"corners / inside {summary['corners_to_inside']:.3g}; outside / inside "
        f"{summary['outside_to_inside']:.3g}; worst loss {summary['worst_loss']:.3g} at r = "
        f"{np.hypot(*summary['worst_point']):.2f}",
        f"share of the square with loss < {summary['level']:g} (output within "
        f"{np.sqrt(summary['level']):g} of the input): "
        f"{100 * summary['fraction_below_level']:.0f}%",
        f"{s['n_circle']} uniform test points on the circle (worst/median in the hundreds: a "
        f"break point): worst/median {summary['circle_worst_to_median']:.3g} with "
        f"latent_dim={d['latent_dim']}",
    ]
    if "reference_latent_dim" in summary:
        lines.append(f"    same net with latent_dim={summary['reference_latent_dim']}: "
                     f"worst/median {summary['reference_circle_worst_to_median']:.3g}; median "
                     f"loss on the square {summary['reference_median_loss']:.3g}")
    lines += ["", "paper: " + PAPER_SQUARE]
    return "\n".join(lines) + "\n"
