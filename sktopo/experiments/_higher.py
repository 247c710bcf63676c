"""Higher-dimensional spheres and larger latent spaces (arXiv:2102.08380, Secs. 6 and 8).

``spheres-nd`` (Fig. 10): with ``latent_dim`` the dimension of ``S^4``, ``S^5``
or ``SU(2) = S^3`` (in ``R^8``) the autoencoder breaks at a single point.
``latent-dim`` (Sec. 8): a larger latent space does not cure topology: the
trefoil with ``latent_dim=2`` keeps self-crossings, the Clifford torus with
``latent_dim=3`` rarely finds the donut, ``SO(3) = RP^3`` in ``R^9`` is badly
reconstructed up to ``latent_dim=5`` (``SU(2)`` is cured at ``latent_dim=4``).
:func:`fit_and_score` and :func:`loss_statistics` also serve the circle variants.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
from sklearn.utils import check_random_state

from sktopo.datasets import make_so3, make_sphere, make_su2, make_torus, make_trefoil
from sktopo.detectors import AutoencoderDetector, ChartEnsembleDetector
from sktopo.experiments._common import save, subplots
from sktopo.experiments._registry import log_step, register
from sktopo.experiments._registry import write_summary as _write
from sktopo.nn._inference import apply_chunked
from sktopo.plotting import LossDistanceDisplay
from sktopo.plotting._style import headroom

__all__ = ["count_self_crossings", "fit_and_score", "latent_settings", "loss_statistics",
           "run_latent_dim", "run_spheres_nd", "spheres_settings"]

N_WORST = 10
NEAR_FRACTION = 0.01  # share of the test points nearest the worst one, for ``near_to_far``
GOOD_MINIMUM_RATIO = 50.0  # worst/median below this: no tear (the torus' good minimum)
N_GRID = 400  # equidistant trefoil points whose latent curve is checked for crossings

# name: sampler(n_samples, random_state=...) -> (X, t)
MANIFOLDS = {
    "S^4": partial(make_sphere, n_dim=4),
    "S^5": partial(make_sphere, n_dim=5),
    "SU(2)": make_su2,
    "SO(3)": make_so3,
    "trefoil": make_trefoil,
    "Clifford torus": partial(make_torus, kind="clifford"),
}

PAPER_SPHERES = (
    "Fig. 10: S^4, S^5 (7-layer net, d_l = n) and SU(2) in R^8 (d_l = 3) break at a single "
    "point: the loss falls with the distance from the worst point; the worst loss is about "
    "5 orders of magnitude above a generic point's, for every dimension."
)
PAPER_LATENT = {
    "trefoil": "d_l = 2: training gets stuck at a local minimum with self-intersections in "
    "the latent space (the circle could embed in the plane)",
    "torus": "Clifford torus, d_l = 3: infrequently the network finds the global minimum "
    "(the donut); more often it pinches one circle at two places (poor reconstruction)",
    "so3": "SO(3) in R^9: no good reconstruction even up to d_l = 5 (the dimension in which "
    "SO(3) embeds)",
}

_PAPER_RUN = dict(optimizer="sgd", learning_rate=1e-2, batch_size=64, max_epochs=20_000)


def spheres_settings(full: bool = False) -> dict:
    """Data sizes and detector parameters of ``spheres-nd``: the paper's or CPU-sized.

    Every run uses the 7-layer net (hidden ``(64, 64)``) with ``latent_dim``
    the sphere's dimension.  The paper (Tab. 1) trains with SGD for 20,000
    epochs: ``S^4`` and ``SU(2)`` on 1e4 points (lr 1e-2, batch 64), ``S^5`` on
    1e5 points (lr 0.1, batch 512).  The CPU-sized default trains with Adam
    (lr 1e-3) for 300 epochs with batch 128 on 1e4 points, and ``S^5`` for 200
    epochs with batch 256 on 2e4 points (about a minute in all on one core).
    """
    net = dict(hidden_layer_sizes=(64, 64))
    if full:
        big = dict(_PAPER_RUN, learning_rate=0.1, batch_size=512)
        return {"S^4": _run(10_000, **net, **_PAPER_RUN, latent_dim=4),
                "S^5": _run(100_000, **net, **big, latent_dim=5),
                "SU(2)": _run(10_000, **net, **_PAPER_RUN, latent_dim=3)}
    cpu = dict(net, optimizer="adam", learning_rate=1e-3, batch_size=128, max_epochs=300)
    return {"S^4": _run(10_000, **cpu, latent_dim=4),
            "S^5": _run(20_000, **dict(cpu, batch_size=256, max_epochs=200), latent_dim=5),
            "SU(2)": _run(10_000, **cpu, latent_dim=3)}


def _run(n_samples, **detector):
    return dict(n_train=n_samples, n_test=n_samples, detector=detector)


def latent_settings(full: bool = False) -> dict:
    """Data sizes, latent dimensions, seeds and detector parameters of ``latent-dim``.

    Sizes follow Tab. 1 (trefoil 1000, torus 3000, SO(3) and SU(2) 1e4 points).
    The paper trains every net with SGD (lr 1e-2, batch 64) for 20,000 epochs.
    The CPU-sized default uses Adam: the 5-layer net (hidden ``(64,)``) for 600
    (trefoil) and 300 (torus) epochs with lr 3e-3, batch 64; the 7-layer net for
    SO(3) and SU(2) for 100 epochs with lr 1e-3, batch 256; fewer torus seeds.
    """
    small, deep = dict(hidden_layer_sizes=(64,)), dict(hidden_layer_sizes=(64, 64))
    adam = dict(optimizer="adam", learning_rate=3e-3, batch_size=64)
    adam_big = dict(optimizer="adam", learning_rate=1e-3, batch_size=256)

    def run(manifold, n_samples, latent_dims, n_seeds, net, cpu, max_epochs):
        training = _PAPER_RUN if full else dict(cpu, max_epochs=max_epochs)
        return dict(manifold=manifold, latent_dims=latent_dims, n_seeds=n_seeds,
                    **_run(n_samples, **net, **training))

    return {"trefoil": run("trefoil", 1000, (1, 2), 2, small, adam, 600),
            "torus": run("Clifford torus", 3000, (3,), 16 if full else 8, small, adam, 300),
            "so3": run("SO(3)", 10_000, (3, 4, 5), 2, deep, adam_big, 100),
            "su2": run("SU(2)", 10_000, (3, 4), 2, deep, adam_big, 100)}


def fit_and_score(X_train, X_test, detector, *, n_seeds=1, random_state=0, verbose=0):
    """Train ``n_seeds`` autoencoders on ``X_train``; their losses on ``X_test``.

    Parameters
    ----------
    X_train, X_test : ndarray of shape (n_samples, n_features)
    detector : dict
        :class:`~sktopo.detectors.AutoencoderDetector` parameters.
    n_seeds : int, default=1
        One: ``AutoencoderDetector(random_state=random_state)``.  More: one
        :class:`~sktopo.detectors.ChartEnsembleDetector` whose members (seeded
        from ``random_state``) train together as one stacked network.
    random_state, verbose : int, default=0

    Returns
    -------
    model : AutoencoderDetector or ChartEnsembleDetector
    errors : ndarray of shape (n_test, n_seeds)
        Squared reconstruction error of every test point under every seed.
    """
    template = AutoencoderDetector(random_state=random_state, verbose=verbose, **detector)
    if n_seeds == 1:
        model = template.fit(X_train)
        return model, model.anomaly_score(X_test)[:, None]
    model = ChartEnsembleDetector(estimator=template, n_charts=n_seeds,
                                  random_state=random_state).fit(X_train)
    return model, model.member_errors(X_test)


def loss_statistics(X, errors, *, n_worst=N_WORST):
    """Worst, median, worst/median and how the loss depends on the distance from the worst.

    ``spearman``: that of :class:`~sktopo.plotting.LossDistanceDisplay`
    (negative: the loss falls with the distance).  ``spread``: median distance
    of the next ``n_worst - 1`` worst points from the worst over that of all
    points (small: the large losses sit around one point).  ``near_to_far``:
    median loss of the :data:`NEAR_FRACTION` of points nearest the worst over
    that of the others (large: the loss is high all around the break point).
    """
    errors = np.asarray(errors, dtype=float)
    distances = np.linalg.norm(X - X[np.argmax(errors)], axis=1)
    order = np.argsort(-errors, kind="stable")[:n_worst]
    near = distances <= np.quantile(distances, NEAR_FRACTION)
    median = float(np.median(errors))
    return {
        "worst_loss": float(errors.max()),
        "median_loss": median,
        "worst_to_median": float(errors.max() / median),
        "spearman": LossDistanceDisplay(distances=distances, errors=errors).spearman,
        "spread": float(np.median(distances[order[1:]]) / np.median(distances)),
        "near_to_far": float(np.median(errors[near]) / np.median(errors[~near])),
    }


def _seed_statistics(X, errors):
    stats = [loss_statistics(X, e) for e in errors.T]  # one per seed, as lists per key
    return {key: [s[key] for s in stats] for key in stats[0]}


def count_self_crossings(Z):
    """Number of proper crossings of the closed polygon through the rows of ``Z`` (n, 2).

    Segment ``k`` joins ``Z[k]`` and ``Z[k + 1]`` (and the last joins back to
    ``Z[0]``); adjacent segments never count.
    """
    Z = np.asarray(Z, dtype=float)
    A, B = Z, np.roll(Z, -1, axis=0)

    def side(P, Q, R):
        return np.sign((Q[..., 0] - P[..., 0]) * (R[..., 1] - P[..., 1])
                       - (Q[..., 1] - P[..., 1]) * (R[..., 0] - P[..., 0]))

    a, b, c, d = A[:, None], B[:, None], A[None], B[None]
    hit = (side(a, b, c) * side(a, b, d) < 0) & (side(c, d, a) * side(c, d, b) < 0)
    n = Z.shape[0]
    i, j = np.triu_indices(n, k=2)
    keep = ~((i == 0) & (j == n - 1))
    return int(hit[i[keep], j[keep]].sum())


def _run_line(s):
    d = s["detector"]
    return (f"{s['n_train']:,} train / {s['n_test']:,} test points, hidden "
            f"{tuple(d['hidden_layer_sizes'])}, {d['optimizer']}, lr={d['learning_rate']:g}, "
            f"batch {d['batch_size']}, {d['max_epochs']:,} epochs")


@register(
    "spheres-nd",
    paper="arXiv:2102.08380, Sec. 6, Fig. 10",
    description="Autoencoders on S^4, S^5 and SU(2) = S^3 in R^8 with latent_dim = dimension "
    "break at one point: loss vs distance from the worst point falls.",
    runtime="~2 min",
    full_runtime="several hours",
)
def run_spheres_nd(out_dir, *, full=False, verbose=1, random_state=0, settings=None):
    """Train on ``S^4``, ``S^5`` and ``SU(2)``; write ``fig10_spheres.png`` and ``summary.txt``.

    Parameters
    ----------
    settings : dict, default=None
        Overrides :func:`spheres_settings` (e.g. tiny sizes for tests).

    Returns
    -------
    summary : dict
        ``runs``: :func:`loss_statistics` of each manifold's test losses;
        the settings and the paper's statement.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = spheres_settings(full) if settings is None else settings
    rng = check_random_state(random_state)
    fig, axes = subplots(1, len(settings), 5.0, 4.2)
    summary = {"settings": settings, "full": full, "runs": {}, "paper": PAPER_SPHERES}
    for step, (ax, (name, s)) in enumerate(zip(axes[0], settings.items()), start=1):
        X_train, X_test = (MANIFOLDS[name](s[key], random_state=rng)[0]
                           for key in ("n_train", "n_test"))
        log_step(step, len(settings), "training on %s: %s", name, _run_line(s), verbose=verbose)
        _, errors = fit_and_score(X_train, X_test, s["detector"], random_state=random_state,
                                  verbose=verbose)
        summary["runs"][name] = stats = loss_statistics(X_test, errors[:, 0])
        LossDistanceDisplay.from_predictions(X_test, errors[:, 0], n_worst=N_WORST, ax=ax)
        label = name if "(" in name else f"${name}$"
        ax.set_title(f"{label} in $\\mathbb{{R}}^{X_test.shape[1]}$, $d_l$ = "
                     f"{s['detector']['latent_dim']}: worst/median = "
                     f"{stats['worst_to_median']:.2g}, $\\rho$ = {stats['spearman']:.2f}",
                     fontsize="medium")
    fig.suptitle("Fig. 10: loss vs distance from the worst test point")
    save(fig, out_dir / "fig10_spheres.png")
    _write(out_dir, format_spheres_summary(summary), verbose)
    return summary


def format_spheres_summary(summary):
    """Plain-text summary of :func:`run_spheres_nd`'s result."""
    lines = ["Autoencoders on higher-dimensional spheres (arXiv:2102.08380, Sec. 6, Fig. 10)"]
    for name, s in summary["settings"].items():
        lines.append(f"{name:<6} d_l={s['detector']['latent_dim']}: {_run_line(s)}")
    if not summary["full"]:
        lines.append("(CPU-sized; the paper: SGD for 20,000 epochs, 1e4 points (S^5: 1e5, lr "
                     "0.1, batch 512); --full)")
    lines += ["", f"{'manifold':<10}{'worst loss':>12}{'median loss':>13}{'worst/median':>14}"
              f"{'Spearman':>10}{'spread':>8}{'near/far':>10}"]
    for name, r in summary["runs"].items():
        lines.append(f"{name:<10}{r['worst_loss']:>12.3g}{r['median_loss']:>13.3g}"
                     f"{r['worst_to_median']:>14.3g}{r['spearman']:>10.2f}{r['spread']:>8.2f}"
                     f"{r['near_to_far']:>10.3g}")
    lines += ["", "paper: " + summary["paper"],
              "Spearman: rank correlation of loss and distance from the worst point (< 0: the "
              "loss falls with distance; the bulk far away weighs most)",
              f"spread: median distance of the next {N_WORST - 1} worst points from the worst "
              "over that of all points (< 1: the large losses sit around one point)",
              f"near/far: median loss of the {NEAR_FRACTION:.0%} of points nearest the worst "
              "over that of the rest (>> 1: the loss is high all around one point)"]
    return "\n".join(lines) + "\n"


def _latent_codes(model, X):  # of every seed: (n_seeds, n_samples, latent_dim)
    module = model.net_.module_ if isinstance(model, AutoencoderDetector) else model.module_
    return apply_chunked(module, np.asarray(X, dtype=float), "encode")


@register(
    "latent-dim",
    paper="arXiv:2102.08380, Sec. 8 (App. C)",
    description="A latent space above the intrinsic dimension does not cure topology: "
    "trefoil (d_l=2), Clifford torus (d_l=3, over seeds), SO(3) (d_l=3..5) vs SU(2).",
    runtime="~3 min",
    full_runtime="several hours (seed scans)",
)
def run_latent_dim(out_dir, *, full=False, verbose=1, random_state=0, settings=None):
    """Train on the trefoil, the Clifford torus, SO(3) and SU(2) with several latent sizes.

    Writes ``trefoil.png``, ``clifford_torus.png``, ``so3.png`` and ``summary.txt``.

    Parameters
    ----------
    settings : dict, default=None
        Overrides :func:`latent_settings` (e.g. tiny sizes for tests).

    Returns
    -------
    summary : dict
        Per key of the settings and latent dimension, :func:`loss_statistics`
        as lists (one entry per seed); the trefoil's latent ``crossings``; the
        torus' ``n_good`` seeds with worst/median below :data:`GOOD_MINIMUM_RATIO`.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = latent_settings(full) if settings is None else settings
    rng = check_random_state(random_state)
    summary = {"settings": settings, "full": full, "paper": PAPER_LATENT}
    data, arrays = {}, {}  # test sets; per run, errors and trefoil latent codes (for figures)
    step, n_steps = 0, sum(len(s["latent_dims"]) for s in settings.values())
    for key, s in settings.items():
        X_train = MANIFOLDS[s["manifold"]](s["n_train"], random_state=rng)[0]
        data[key] = MANIFOLDS[s["manifold"]](s["n_test"], random_state=rng)
        X_test = data[key][0]
        summary[key] = {}
        for latent_dim in s["latent_dims"]:
            step += 1
            log_step(step, n_steps, "training on %s, d_l=%d, %d seeds: %s", s["manifold"],
                     latent_dim, s["n_seeds"], _run_line(s), verbose=verbose)
            model, errors = fit_and_score(
                X_train, X_test, dict(s["detector"], latent_dim=latent_dim),
                n_seeds=s["n_seeds"], random_state=random_state, verbose=verbose)
            run = summary[key][latent_dim] = _seed_statistics(X_test, errors)
            codes = None
            if key == "trefoil":  # the latent curve on an equidistant grid of the knot
                X_grid, s_grid = make_trefoil(N_GRID, sampling="equidistant")
                codes = s_grid, _latent_codes(model, X_grid)
                if latent_dim == 2:
                    run["crossings"] = [count_self_crossings(Z) for Z in codes[1]]
            arrays[key, latent_dim] = errors, codes
    torus_dim = settings["torus"]["latent_dims"][0]
    torus = summary["torus"][torus_dim]
    torus["n_good"] = int(np.sum(np.asarray(torus["worst_to_median"]) < GOOD_MINIMUM_RATIO))
    _plot_trefoil(summary["trefoil"], arrays, data["trefoil"][1], out_dir / "trefoil.png")
    _plot_torus(torus, arrays["torus", torus_dim][0], data["torus"][1],
                out_dir / "clifford_torus.png")
    _plot_so3(summary, arrays, data["so3"][0], out_dir / "so3.png")
    _write(out_dir, format_latent_summary(summary), verbose)
    return summary


def _plot_trefoil(runs, arrays, s_test, path):
    fig, axes = subplots(len(runs), 2, 5.0, 4.2)
    order = np.argsort(s_test)
    for row, (latent_dim, run) in zip(axes, runs.items()):
        errors, (s_grid, Z) = arrays["trefoil", latent_dim]
        row[0].semilogy(s_test[order], errors[order, 0], ".", ms=2.5, color="k")
        row[0].set(xlabel="knot parameter $s$", ylabel="loss",
                   title=f"$d_l$ = {latent_dim}: loss (worst/median = "
                         f"{run['worst_to_median'][0]:.3g})")
        if latent_dim == 2:
            points = row[1].scatter(Z[0, :, 0], Z[0, :, 1], c=s_grid, s=4, cmap="twilight")
            row[1].plot(*np.r_[Z[0], Z[0, :1]].T, lw=0.5, color="0.6", zorder=0)
            fig.colorbar(points, ax=row[1], label="$s$")
            row[1].set(xlabel="$z_1$", ylabel="$z_2$",
                       title=f"latent curve: {run['crossings'][0]} self-crossings")
        else:
            row[1].plot(s_grid, Z[0, :, 0], ".", ms=2.5)
            row[1].set(xlabel="knot parameter $s$", ylabel="$z_1$", title="latent code")
    fig.suptitle("Trefoil knot in $\\mathbb{R}^3$ (Sec. 8, App. C.1)")
    save(fig, path)


def _plot_torus(run, errors, t_test, path):
    n_maps = min(errors.shape[1], 8)
    fig, axes = subplots(2, 1 + -(-n_maps // 2), 3.6, 3.4)
    ratios = np.asarray(run["worst_to_median"])
    bar = axes[0, 0]
    bar.bar(np.arange(ratios.size), ratios, color=np.where(ratios < GOOD_MINIMUM_RATIO,
                                                           "tab:green", "tab:red"))
    bar.axhline(GOOD_MINIMUM_RATIO, color="k", ls="--", lw=1, label="good-minimum cut")
    bar.set(yscale="log", xlabel="seed", ylabel="worst / median loss",
            title=f"good minimum: {run['n_good']} of {ratios.size} seeds")
    headroom(bar, log=True)
    bar.legend(fontsize="small", loc="upper right", framealpha=0.9)
    axes[1, 0].axis("off")
    lo, hi = np.log10([np.median(errors), errors.max()])
    for k, ax in enumerate(axes[:, 1:].T.ravel()):
        if k >= n_maps:
            ax.axis("off")
            continue
        order = np.argsort(errors[:, k])  # the largest losses drawn last, on top
        points = ax.scatter(*t_test[order].T, c=np.log10(errors[order, k]), s=2,
                            cmap="viridis", vmin=lo, vmax=hi, rasterized=True)
        ax.set(xlabel=r"$\theta$", ylabel=r"$\phi$", title=f"seed {k}: {ratios[k]:.3g}",
               aspect="equal")
    fig.colorbar(points, ax=axes[:, 1:], label=r"$\log_{10}$ loss", shrink=0.8)
    fig.suptitle(r"Clifford torus in $\mathbb{R}^4$, $d_l$ = 3: test loss over the angles "
                 "(title: worst/median)")
    save(fig, path)


def _plot_so3(summary, arrays, X_test, path):
    so3 = summary["so3"]
    fig, axes = subplots(1, 1 + len(so3), 5.0, 4.2)
    ax = axes[0, 0]
    for key, marker, color in (("so3", "o", "C0"), ("su2", "s", "C1")):
        dims = list(summary[key])
        ratios = np.array([summary[key][d]["worst_to_median"] for d in dims])
        label = summary["settings"][key]["manifold"]
        for k in range(ratios.shape[1]):
            ax.plot(dims, ratios[:, k], marker=marker, ls="-", color=color,
                    alpha=0.8, label=label if k == 0 else None)
    ax.set(yscale="log", xlabel="latent dimension $d_l$", ylabel="worst / median loss",
           title="one line per seed", xticks=sorted({*summary["so3"], *summary["su2"]}))
    ax.legend(fontsize="small")
    for ax, (latent_dim, run) in zip(axes[0, 1:], so3.items()):
        LossDistanceDisplay.from_predictions(X_test, arrays["so3", latent_dim][0][:, 0],
                                             n_worst=N_WORST, ax=ax)
        ax.set_title(f"SO(3), $d_l$ = {latent_dim}: median loss {run['median_loss'][0]:.2g}",
                     fontsize="medium")
    fig.suptitle(r"SO(3) in $\mathbb{R}^9$ (intrinsic dimension 3) vs SU(2) in $\mathbb{R}^8$")
    save(fig, path)


def _fmt(values, spec=".3g"):
    return ", ".join(format(v, spec) for v in values)


def format_latent_summary(summary):
    """Plain-text summary of :func:`run_latent_dim`'s result."""
    settings = summary["settings"]
    lines = ["Changing the latent dimension (arXiv:2102.08380, Sec. 8)"]
    for key, s in settings.items():
        lines.append(f"{s['manifold']:<15} {s['n_seeds']} seeds: {_run_line(s)}")
    if not summary["full"]:
        lines.append("(CPU-sized; the paper: SGD, lr=1e-2, batch 64, 20,000 epochs; --full)")
    lines += ["", "one value per seed:"]
    for key, s in settings.items():
        for latent_dim, run in summary[key].items():
            lines.append(f"{s['manifold']:<15} d_l={latent_dim}  worst/median "
                         f"{_fmt(run['worst_to_median'])} | median loss "
                         f"{_fmt(run['median_loss'])} | worst loss {_fmt(run['worst_loss'])}")
    torus = next(iter(summary["torus"].values()))
    lines += ["", f"trefoil, d_l=2: self-crossings of the latent curve per seed: "
              f"{_fmt(summary['trefoil'][2]['crossings'], 'd')} (0: embedded, as possible in "
              "the plane)",
              f"paper:  {PAPER_LATENT['trefoil']}",
              f"torus: {torus['n_good']} of {len(torus['worst_to_median'])} seeds reach the "
              f"good minimum (worst/median < {GOOD_MINIMUM_RATIO:g})",
              f"paper:  {PAPER_LATENT['torus']}"]
    so3, su2 = summary["so3"][max(summary["so3"])], summary["su2"][max(summary["su2"])]
    lines += [f"SO(3), d_l={max(summary['so3'])}: median loss {_fmt(so3['median_loss'])}, worst "
              f"{_fmt(so3['worst_loss'])}; SU(2), d_l={max(summary['su2'])}: median "
              f"{_fmt(su2['median_loss'])}, worst {_fmt(su2['worst_loss'])}",
              f"paper:  {PAPER_LATENT['so3']}"]
    return "\n".join(lines) + "\n"
