"""Latent dimension and contaminated training of jet autoencoders (arXiv:1808.08992, Figs. 5-9).

``jet-latent-dim`` (Sec. III B, Figs. 5-6): choosing the latent dimension
without signal.  The PCA scree plot of QCD jet images, the mean QCD test loss
of PCA, the dense and the CNN autoencoders against the latent size ``k`` (the
paper: a plateau near the scree plot's elbow, ``k ~ 6``), then E10 / E100 for
top jets against ``k`` (the paper: the efficiencies plateau there too).

``jet-contamination`` (Sec. IV A, Figs. 8-9): training on QCD jets with a
fraction ``f`` of top (and, separately, gluino) jets, then E10 / E100 on clean
test sets (the paper: a gradual fall up to ``f = 0.1``; gluino efficiency
down by 10-20 % at ``f = 0.1``), and the ROC curves of the CNN trained with
gluinos (Fig. 9).

Both use the jets, networks and helpers of ``jet-autoencoders``
(:mod:`sktopo.experiments._jet_autoencoders`): the same cached Pythia samples,
the same dense and CNN networks (several trainings stacked as one
:class:`~sktopo.detectors.ChartEnsembleDetector`), the paper's per-pixel loss.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from sktopo.detectors import ChartEnsembleDetector
from sktopo.diagnostics import pca_scree
from sktopo.experiments._common import check_lines, save, subplots
from sktopo.experiments._jet_autoencoders import (
    _COLORS,
    WORKING_POINTS,
    _efficiencies,
    load_jet_images,
    member_losses,
)
from sktopo.experiments._jet_data import (
    PAPER_TABLE_I,
    cnn_detector,
    dense_detector,
    jet_sample,
    jet_sizes,
    pca_detector,
)
from sktopo.experiments._registry import log_step, register, write_summary
from sktopo.plotting import PhysicsRocDisplay, ScreePlotDisplay

__all__ = [
    "CPU_NETWORK_OVERRIDES",
    "contaminated_training_set",
    "contamination_checks",
    "contamination_settings",
    "fit_detector",
    "latent_dim_checks",
    "latent_dim_settings",
    "plot_contamination_rocs",
    "plot_efficiency_curves",
    "plot_latent_dim",
    "run_jet_contamination",
    "run_jet_latent_dim",
    "signal_efficiencies",
]

ARCHITECTURES = ("PCA", "dense", "CNN")
#: The paper's choice of latent dimension.
PAPER_K = 6
#: The paper: with 10 % gluinos in training the CNN still reaches E100 ~ 0.1,
#: and the gluino efficiency falls by 10-20 % between f = 0 and f = 0.1.
PAPER_GLUINO_DROP = (0.10, 0.20)
PAPER_LATENT_FACTS = (
    "the mean loss of every architecture falls steeply, then plateaus near the elbow of the "
    "PCA scree plot (k ~ 6)",
    "E10 and E100 for tops plateau around k = 6 (Fig. 6)",
)
PAPER_CONTAMINATION_FACTS = (
    "tops: E10 and E100 fall gradually, not dramatically, as f grows to 0.1 (Fig. 8)",
    "gluinos: at fixed rejection the efficiency falls by 10-20 % from f = 0 to 0.1 (Fig. 9)",
    "CNN with 10 % gluinos in training: E100 ~ 0.1",
)


#: CPU-sized training choices (``set_params`` overrides of the paper's networks): the
#: CNN trains for a few epochs only, so it takes a larger step and smaller batches to
#: learn within them.  (Two defects that once forced larger deviations are fixed: early
#: stopping restored the CNN's grouped-convolution weights wrongly, and PyTorch's random
#: biases left the dense net's ReLU-before-softmax outputs dead; the jet networks now
#: start from Keras' initialisation, as in the paper's code.)
CPU_NETWORK_OVERRIDES = {
    "dense": {},
    "CNN": {"learning_rate": 3e-3, "batch_size": 128},
}


def _common(full, scale):
    sizes = jet_sizes(full, scale)
    if full:
        return dict(sizes=sizes, channels=(128, 128, 128), trainings={"dense": 5, "CNN": 5},
                    batch_size=1024, max_epochs={"dense": 500, "CNN": 200},
                    overrides={"dense": {}, "CNN": {}})
    return dict(sizes=sizes, channels=(8, 8, 8), trainings={"dense": 3, "CNN": 1},
                batch_size=256, max_epochs={"dense": 60, "CNN": 8},
                overrides={k: dict(v) for k, v in CPU_NETWORK_OVERRIDES.items()})


def latent_dim_settings(full: bool = False, scale: float = 1.0) -> dict:
    """Latent sizes, samples and networks of ``jet-latent-dim``: the paper's or CPU-sized.

    The paper scans ``k`` for all three architectures, five trainings each
    on 100,000 QCD jets.  The CPU-sized default reuses the samples of
    ``jet-autoencoders`` (10,000 training jets, 5,000 QCD and top test jets),
    fits PCA at k = 1-6, 8, 10, 12, 16, trains three stacked dense networks at
    k = 1, 2, 4, 6, 10, 16 (60 epochs at most, batch 256) and one 8-channel
    CNN at k = 2, 6, 12 (8 epochs), with :data:`CPU_NETWORK_OVERRIDES`.
    ``scale`` multiplies the sample sizes.
    """
    out = _common(full, scale)
    if full:
        ks = (1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16)
        return dict(out, latent_dims={"PCA": ks, "dense": ks, "CNN": ks}, n_scree=40)
    return dict(out, latent_dims={"PCA": (1, 2, 3, 4, 5, 6, 8, 10, 12, 16),
                                  "dense": (1, 2, 4, 6, 10, 16),
                                  "CNN": (2, 6, 12)}, n_scree=30)


def contamination_settings(full: bool = False, scale: float = 1.0) -> dict:
    """Contamination fractions, samples and networks of ``jet-contamination``.

    The paper trains on 100,000 jets of which a fraction ``f`` up to 0.1 are
    top (Fig. 8) or gluino (Fig. 9) jets, five trainings per point, k = 6.
    The CPU-sized default: 10,000 training jets, f = 0, 0.01, 0.05, 0.1;
    PCA and three stacked dense networks (60 epochs at most) for both
    signals; one 8-channel CNN (8 epochs) at f = 0 and 0.1 for each
    signal.  ``--full``: f = 0, 0.01, 0.02, 0.05,
    0.1, every architecture and signal.  The signal jets mixed into training
    come from the signal's training seed: never the test jets.
    """
    out = _common(full, scale)
    out["latent_dim"] = PAPER_K
    if full:
        fractions = (0.0, 0.01, 0.02, 0.05, 0.1)
        out.update(fractions=fractions, cnn_runs={"top": fractions, "gluino": fractions})
    else:
        out.update(fractions=(0.0, 0.01, 0.05, 0.1),
                   cnn_runs={"top": (0.0, 0.1), "gluino": (0.0, 0.1)})
    out["sizes"]["signal_train"] = max(1, int(round(max(out["fractions"])
                                                    * out["sizes"]["train"])))
    return out


def fit_detector(arch, X, *, latent_dim, settings, random_state=0, verbose=0, n_threads=None):
    """Fit one architecture at ``latent_dim``: PCA, or the stacked dense / CNN trainings.

    Returns a :class:`~sktopo.PCADetector` or a
    :class:`~sktopo.detectors.ChartEnsembleDetector` with
    ``settings['trainings'][arch]`` members (score them with
    :func:`~sktopo.experiments._jet_autoencoders.member_losses`).
    """
    if arch == "PCA":
        return pca_detector(latent_dim, random_state=random_state).fit(X)
    if arch == "dense":
        template = dense_detector(latent_dim, max_epochs=settings["max_epochs"]["dense"],
                                  batch_size=settings["batch_size"], n_threads=n_threads)
    else:
        template = cnn_detector(latent_dim, channels=settings["channels"],
                                batch_size=settings["batch_size"],
                                max_epochs=settings["max_epochs"]["CNN"], n_threads=n_threads)
    template.set_params(**settings.get("overrides", {}).get(arch, {}))
    return ChartEnsembleDetector(template, n_charts=settings["trainings"][arch], aggregate="mean",
                                 random_state=random_state, verbose=verbose).fit(X)


def _stats(values):
    values = np.asarray(values, dtype=float)
    std = float(values.std(ddof=1)) if values.size > 1 else 0.0
    return {"mean": float(values.mean()), "std": std, "members": values.tolist()}


def signal_efficiencies(losses_qcd, losses_signal):
    """E10, E100 and ROC AUC of each training: ``{key: {'mean', 'std', 'members'}}``.

    ``losses_qcd`` and ``losses_signal`` have one column per training
    (:func:`~sktopo.experiments._jet_autoencoders.member_losses`).
    """
    per = [_efficiencies(losses_qcd[:, j], losses_signal[:, j])
           for j in range(losses_qcd.shape[1])]
    return {key: _stats([p[key] for p in per]) for key in (*WORKING_POINTS, "auc")}


def _train_seconds(name, det, X, start):
    return {"seconds": time.perf_counter() - start,
            "n_iter": int(getattr(det, "n_iter_", 0)), "arch": name, "n_train": int(X.shape[0])}


def _override_line(settings):
    over = {a: o for a, o in settings.get("overrides", {}).items() if o}
    if not over:
        return []
    return ["deviations from the paper's networks (CPU_NETWORK_OVERRIDES, see the module): "
            + "; ".join(f"{a} " + ", ".join(f"{k}={v}" for k, v in o.items())
                        for a, o in over.items())]


def _torch_threads():
    import torch

    return torch.get_num_threads()


# --------------------------------------------------------------------------- latent dimension


def _plateau(ks, losses):
    """Share of the loss drop from the smallest to the largest k reached at k = 6 (or below)."""
    ks, losses = np.asarray(ks), np.asarray(losses)
    below = ks[ks <= PAPER_K]
    if below.size == 0 or ks.size < 2 or losses[0] == losses[-1]:
        return float("nan")
    at = losses[ks == below.max()][0]
    return float((losses[0] - at) / (losses[0] - losses[-1]))


def latent_dim_checks(scree, results):
    """The paper's statements on the choice of k, as measured: ``{name: (holds, evidence)}``."""
    cum = np.asarray(scree["cumulative"])
    n95 = int(np.searchsorted(cum, 0.95) + 1)
    plateau = {a: _plateau(r["k"], r["loss_mean"]) for a, r in results.items()}
    loss_ok = all(p >= 0.7 for p in plateau.values() if np.isfinite(p))
    eff = {}
    for a, r in results.items():
        ks = np.asarray(r["k"])
        if ks.size < 2 or ks.min() > PAPER_K:
            continue
        at6 = ks[ks <= PAPER_K].max()
        e10 = np.asarray(r["E10_mean"])
        eff[a] = (int(at6), float(e10[ks == at6][0]), float(e10.max()))
    eff_ok = all(v6 >= 0.8 * best for _, v6, best in eff.values())
    fmt = "; ".join
    return {
        "scree: elbow / 95 % of the variance within a few components": (
            n95 <= 20, f"cumulative variance share at k = 6: {cum[PAPER_K - 1]:.3f}; "
            f"95 % reached at k = {n95}"),
        "mean QCD loss plateaus by k ~ 6 (>= 70 % of the drop k_min -> k_max done)": (
            loss_ok, fmt(f"{a} {p:.2f}" for a, p in plateau.items())),
        "E10(top) plateaus by k ~ 6 (>= 0.8 x the best k)": (
            eff_ok, fmt(f"{a} E10 {v:.2f} at k = {k} vs best {b:.2f}"
                        for a, (k, v, b) in eff.items())),
    }


def _latent_lines(summary):
    s, settings = summary["sizes"], summary["settings"]
    lines = [
        "Choosing the latent dimension without signal (arXiv:1808.08992, Sec. III B, Figs. 5-6)",
        "jets: Pythia 8 (pythia8mc), anti-kT R = 1.0, pT 800-900 GeV, 37 x 37 images; no "
        "detector simulation (the paper: Delphes)",
        f"training: {s['train']:,} QCD jets; test: {s['QCD']:,} QCD, {s['top']:,} top jets",
        f"networks: PCA; dense 1369-32-k-32-1369 relu+softmax x {settings['trainings']['dense']} "
        f"trainings; CNN {tuple(settings['channels'])} channels x "
        f"{settings['trainings']['CNN']}; Adam, batch {settings['batch_size']}, at most "
        f"{settings['max_epochs']['dense']} / {settings['max_epochs']['CNN']} epochs",
        *_override_line(settings),
    ]
    if not summary["full"]:
        lines.append("(CPU-sized; the paper: 100,000 jets, 128-channel CNN, five trainings per "
                     "k, batch 1024, no epoch cap; --full)")
    ratio = summary["scree"]["ratio"]
    lines += ["", "Fig. 5 (left), scree: variance share of components 1-10: "
              + " ".join(f"{r:.3f}" for r in ratio[:10]),
              "  cumulative: " + " ".join(f"{c:.2f}" for c in summary["scree"]["cumulative"][:10]),
              "", "Fig. 5 (right): mean QCD test loss (per pixel, x 1e6) against k; Fig. 6: "
              "E10 / E100 for tops (mean over trainings)",
              f"{'k':>4}" + "".join(f"{a + ' loss':>14}{a + ' E10/E100':>20}"
                                    for a in summary["results"])]
    all_k = sorted({k for r in summary["results"].values() for k in r["k"]})
    for k in all_k:
        row = f"{k:>4}"
        for r in summary["results"].values():
            if k in r["k"]:
                i = r["k"].index(k)
                row += f"{r['loss_mean'][i] * 1e6:>14.2f}"
                row += f"{r['E10_mean'][i]:.2f}/{r['E100_mean'][i]:.3f}".rjust(20)
            else:
                row += f"{'-':>14}{'-':>20}"
        lines.append(row)
    lines.append("paper at k = 6 (Table I), top E10/E100: " + ", ".join(
        f"{a} {PAPER_TABLE_I[a]['top'][0]:.2f}/{PAPER_TABLE_I[a]['top'][1]:.2f}"
        for a in ARCHITECTURES))
    lines.append("training time: " + ", ".join(
        f"{a} {sum(r['seconds']):.0f} s" + (f" ({max(r['n_iter'])} epochs max)"
                                            if r["n_iter"] else "")
        for a, r in summary["results"].items()))
    lines += ["", *check_lines(summary["checks"])]
    return "\n".join(lines) + "\n"


def plot_latent_dim(summary, axes):
    """Fig. 5: scree plot (``axes[0]``) and mean QCD loss against k (``axes[1]``)."""
    ratio = np.asarray(summary["scree"]["ratio"])
    disp = ScreePlotDisplay.from_predictions(ratio, ax=axes[0], threshold=0.95, name="QCD images")
    disp.ax_.set_yscale("log")
    disp.ax_.axvline(PAPER_K, color="0.7", lw=0.8, ls=":")
    disp.ax_.set_title("Fig. 5 (left): PCA scree plot of QCD images", fontsize="medium")
    ax = axes[1]
    for arch, r in summary["results"].items():
        ax.plot(r["k"], np.asarray(r["loss_mean"]) * 1e6, "o-", ms=4, color=_COLORS[arch],
                label=f"{arch} (mean)")
        members = r.get("loss_members", [])
        if members and max(len(m) for m in members) > 1:
            xs = np.concatenate([[k] * len(m) for k, m in zip(r["k"], members)])
            ax.plot(xs, np.concatenate(members) * 1e6, "x", ms=5, color=_COLORS[arch],
                    alpha=0.6, label=f"{arch} (each training)")
    ax.axvline(PAPER_K, color="0.7", lw=0.8, ls=":", label="k = 6 (paper)")
    ax.set_yscale("log")
    ax.set_xlabel("latent dimension k")
    ax.set_ylabel(r"mean QCD test loss per pixel ($\times 10^{-6}$)")
    ax.set_title("Fig. 5 (right): mean loss against k", fontsize="medium")
    ax.legend(fontsize="small")


def plot_efficiency_curves(curves, axes, *, x_label, paper=None, x_line=None):
    """E10 (``axes[0]``) and E100 (``axes[1]``) of each architecture against ``x``.

    ``curves[arch]`` = dict with ``x`` and ``E10_mean``, ``E10_std``,
    ``E100_mean``, ``E100_std``; ``paper[arch]`` = (E10, E100) drawn as a
    star at ``x_line``.
    """
    xs = np.concatenate([np.asarray(c["x"], float) for c in curves.values()] + [[0.0]])
    shift = 0.02 * (xs.max() - xs.min())
    for ax, key in zip(axes, WORKING_POINTS):
        for i, (arch, c) in enumerate(curves.items()):
            ax.errorbar(c["x"], c[f"{key}_mean"], yerr=c[f"{key}_std"], marker="o", ms=4,
                        capsize=2, color=_COLORS[arch], label=arch)
            if paper is not None and arch in paper:  # left of x_line, not hidden by a point
                ax.plot([x_line - (len(curves) - i) * shift],
                        [paper[arch][list(WORKING_POINTS).index(key)]], "*", ms=11,
                        color=_COLORS[arch], mec="k", mew=0.5)
        if x_line is not None:
            ax.axvline(x_line, color="0.7", lw=0.8, ls=":")
        ax.set_xlabel(x_label)
        ax.set_ylabel(f"{key} (signal efficiency at 1/eps_B = {1 / WORKING_POINTS[key]:g})")
        ax.set_ylim(0, None)
        title = "star: paper's Table I (k = 6, f = 0)" if paper else None
        ax.legend(fontsize="small", title=title, title_fontsize="small")


@register(
    "jet-latent-dim",
    paper="arXiv:1808.08992, Sec. III B, Figs. 5, 6",
    description="Choosing the latent dimension of jet-image autoencoders without signal: PCA "
    "scree plot and mean loss against k (plateau near 6), then E10/E100 for tops against k.",
    runtime="~8 min (with the jets of jet-autoencoders cached)",
    full_runtime="days on a CPU (11 k values x 5 trainings x 3 networks on 100k jets)",
)
def run_jet_latent_dim(out_dir, *, full=False, verbose=1, random_state=0, settings=None,
                       samples=None, n_jobs=2):
    """Scree plot, mean loss and top efficiencies against the latent dimension (Figs. 5, 6).

    Writes ``fig5_latent_dim.png``, ``fig6_top_efficiency.png`` and
    ``summary.txt`` to ``out_dir``.

    Parameters
    ----------
    settings : dict, default=None
        Overrides :func:`latent_dim_settings` (e.g. tiny sizes for tests).
    samples : dict, default=None
        ``'train'``, ``'QCD'``, ``'top'`` Bunches with ``images`` instead of
        generated jets.
    n_jobs : int, default=2
        Processes generating jets (generation is cached on disk).

    Returns
    -------
    summary : dict
        ``scree`` (ratios, cumulative), ``results[arch]`` (``k``, mean QCD
        loss and E10 / E100 / AUC for tops with spreads, per k), ``checks``
        (the paper's statements: holds, evidence), sizes, settings, timings.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = latent_dim_settings(full) if settings is None else settings
    plan = [(a, k) for a in ARCHITECTURES for k in settings["latent_dims"][a]]
    n_steps = len(plan) + 1
    if samples is None:
        s = settings["sizes"]
        log_step(1, n_steps, "jets: generating or reading %s QCD training, %s QCD and %s top "
                 "test jets", f"{s['train']:,}", f"{s['test']:,}", f"{s['top']:,}",
                 verbose=verbose)
        samples = {name: jet_sample(proc, n, role=role, random_state=random_state,
                                    n_jobs=n_jobs, verbose=verbose)
                   for name, proc, n, role in (("train", "qcd", s["train"], "train"),
                                               ("QCD", "qcd", s["test"], "test"),
                                               ("top", "top", s["top"], "test"))}
    X = samples["train"].images
    scree = pca_scree(X, n_components=settings["n_scree"])
    results = {a: {"k": [], "loss_mean": [], "loss_std": [], "loss_members": [], "seconds": [],
                   "n_iter": [],
                   **{f"{key}_{stat}": [] for key in (*WORKING_POINTS, "auc")
                      for stat in ("mean", "std")}}
               for a in ARCHITECTURES if settings["latent_dims"][a]}
    threads = _torch_threads()
    for step, (arch, k) in enumerate(plan, start=2):
        log_step(step, n_steps, "training %s, k = %d, on %s QCD jets", arch, k,
                 f"{X.shape[0]:,}", verbose=verbose)
        start = time.perf_counter()
        det = fit_detector(arch, X, latent_dim=k, settings=settings, random_state=random_state,
                           verbose=max(0, verbose - 1), n_threads=threads)
        info = _train_seconds(arch, det, X, start)
        qcd, top = member_losses(det, samples["QCD"].images), member_losses(
            det, samples["top"].images)
        r = results[arch]
        loss = _stats(qcd.mean(axis=0))
        eff = signal_efficiencies(qcd, top)
        r["k"].append(int(k))
        r["loss_mean"].append(loss["mean"])
        r["loss_std"].append(loss["std"])
        r["loss_members"].append(loss["members"])
        r["seconds"].append(info["seconds"])
        if arch != "PCA":
            r["n_iter"].append(info["n_iter"])
        for key, v in eff.items():
            r[f"{key}_mean"].append(v["mean"])
            r[f"{key}_std"].append(v["std"])
    scree_d = {"ratio": scree.explained_variance_ratio.tolist(),
               "cumulative": scree.cumulative_explained_variance_ratio.tolist()}
    checks = latent_dim_checks(scree_d, results)

    fig, axes = subplots(1, 2, 5.6, 4.4)
    plot_latent_dim({"scree": scree_d, "results": results}, axes[0])
    save(fig, out_dir / "fig5_latent_dim.png")
    fig, axes = subplots(1, 2, 5.6, 4.4)
    curves = {a: dict(r, x=r["k"]) for a, r in results.items()}
    plot_efficiency_curves(curves, axes[0], x_label="latent dimension k",
                           paper={a: v["top"] for a, v in PAPER_TABLE_I.items()}, x_line=PAPER_K)
    fig.suptitle("Fig. 6: top-jet E10 (left) and E100 (right) against the latent dimension")
    save(fig, out_dir / "fig6_top_efficiency.png")

    summary = {"settings": settings, "full": full, "scree": scree_d, "results": results,
               "checks": checks,
               "sizes": {p: int(samples[p].images.shape[0]) for p in ("train", "QCD", "top")},
               "paper": {a: v["top"] for a, v in PAPER_TABLE_I.items()},
               "paper_facts": PAPER_LATENT_FACTS}
    write_summary(out_dir, _latent_lines(summary), verbose)
    return summary


# --------------------------------------------------------------------------- contamination


def contaminated_training_set(X_background, X_signal, fraction, *, n_train=None, random_state=0):
    """``n_train`` jets of which ``round(fraction * n_train)`` are signal, shuffled.

    The background jets are the first ``n_train - n_signal`` of
    ``X_background``, the signal jets the first ``n_signal`` of ``X_signal``
    (so a larger fraction adds signal and drops background, as in the paper,
    where the training set keeps its size).

    Returns
    -------
    X : ndarray of shape (n_train, n_features)
    is_signal : ndarray of bool, shape (n_train,)

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.experiments._jet_latent import contaminated_training_set
    >>> X, is_signal = contaminated_training_set(np.zeros((100, 2)), np.ones((20, 2)), 0.05)
    >>> X.shape, int(is_signal.sum()), float(X[is_signal].min())
    ((100, 2), 5, 1.0)
    """
    n_train = X_background.shape[0] if n_train is None else int(n_train)
    n_signal = int(round(fraction * n_train))
    if n_signal > X_signal.shape[0] or n_train - n_signal > X_background.shape[0]:
        raise ValueError(f"{n_signal} signal and {n_train - n_signal} background jets needed, "
                         f"{X_signal.shape[0]} and {X_background.shape[0]} given.")
    X = np.concatenate([X_background[:n_train - n_signal], X_signal[:n_signal]])
    is_signal = np.r_[np.zeros(n_train - n_signal, bool), np.ones(n_signal, bool)]
    order = np.random.default_rng(random_state).permutation(n_train)
    return X[order], is_signal[order]


def contamination_checks(curves):
    """The paper's statements on contaminated training: ``{name: (holds, evidence)}``.

    ``curves[signal][arch]``: ``x`` (fractions) with ``E10_mean``,
    ``E100_mean``.
    """
    def drop(c, key):
        x, e = np.asarray(c["x"]), np.asarray(c[f"{key}_mean"])
        e0, e1 = e[x == x.min()][0], e[x == x.max()][0]
        return float((e0 - e1) / e0) if e0 > 0 else float("nan")

    top = {a: (drop(c, "E10"), drop(c, "E100")) for a, c in curves.get("top", {}).items()}
    glu = {a: (drop(c, "E10"), drop(c, "E100")) for a, c in curves.get("gluino", {}).items()}
    fmt = "; ".join
    out = {
        "tops: gradual, not dramatic fall up to f_max (E10 drop < 50 %)": (
            bool(top) and all(d10 < 0.5 for d10, _ in top.values()),
            fmt(f"{a} E10 -{d10:.0%}, E100 -{d100:.0%}" for a, (d10, d100) in top.items())),
        "gluinos: E10 falls by ~10-20 % at f_max (0-35 % accepted; E100 shown too)": (
            bool(glu) and all(-0.05 <= d10 <= 0.35 for d10, _ in glu.values()),
            fmt(f"{a} E10 -{d10:.0%}, E100 -{d100:.0%}" for a, (d10, d100) in glu.items())),
    }
    cnn = curves.get("gluino", {}).get("CNN")
    if cnn is not None:
        e100 = cnn["E100_mean"][int(np.argmax(cnn["x"]))]
        out[f"CNN, {max(cnn['x']):g} gluinos in training: E100 ~ 0.1 (0.05-0.2)"] = (
            0.05 <= e100 <= 0.2, f"E100 = {e100:.3f}")
    return out


def _contamination_lines(summary):
    s, settings = summary["sizes"], summary["settings"]
    lines = [
        "Training on contaminated data (arXiv:1808.08992, Sec. IV A, Figs. 8-9)",
        "jets: Pythia 8 (pythia8mc), anti-kT R = 1.0, pT 800-900 GeV, 37 x 37 images; no "
        "detector simulation (the paper: Delphes)",
        f"training: {s['train']:,} jets, a fraction f of them top or gluino jets (from the "
        f"signals' training seeds); clean test sets: {s['QCD']:,} QCD, {s['top']:,} top, "
        f"{s['gluino']:,} gluino jets; k = {settings['latent_dim']}",
        f"networks: PCA; dense x {settings['trainings']['dense']} trainings (at most "
        f"{settings['max_epochs']['dense']} epochs); CNN {tuple(settings['channels'])} "
        f"channels x {settings['trainings']['CNN']} (at most {settings['max_epochs']['CNN']} "
        "epochs) for " + ", ".join(f"{sig} at f = {', '.join(f'{f:g}' for f in fs)}"
                                   for sig, fs in settings["cnn_runs"].items())
        + f"; Adam, batch {settings['batch_size']}",
        *_override_line(settings),
    ]
    if not summary["full"]:
        lines.append("(CPU-sized; the paper: 100,000 training jets, 128-channel CNN at every f, "
                     "five trainings per point; --full)")
    for signal, by_arch in summary["curves"].items():
        lines += ["", f"{'Fig. 8' if signal == 'top' else 'Fig. 9'}: {signal} E10/E100 on the "
                  f"clean test set against the {signal} fraction f in training (mean over "
                  "trainings; AUC)", f"{'f':>6}" + "".join(f"{a:>24}" for a in by_arch)]
        fractions = sorted({f for c in by_arch.values() for f in c["x"]})
        for f in fractions:
            row = f"{f:>6g}"
            for c in by_arch.values():
                if f in c["x"]:
                    i = c["x"].index(f)
                    row += (f"{c['E10_mean'][i]:.2f}/{c['E100_mean'][i]:.3f}"
                            f" ({c['auc_mean'][i]:.3f})").rjust(24)
                else:
                    row += f"{'-':>24}"
            lines.append(row)
        lines.append("paper, f = 0 (Table I): " + ", ".join(
            f"{a} {PAPER_TABLE_I[a][signal][0]:.2f}/{PAPER_TABLE_I[a][signal][1]:.2f}"
            for a in by_arch))
    lines += ["", "training time: " + ", ".join(f"{a} {t:.0f} s"
                                                for a, t in summary["seconds"].items()),
              "", *check_lines(summary["checks"])]
    return "\n".join(lines) + "\n"


def plot_contamination_rocs(losses, axes):
    """Fig. 9: gluino ROC curves per training fraction f, one panel per architecture.

    ``losses[arch][f]`` = (QCD losses, gluino losses) of the first training.
    """
    import matplotlib as mpl

    for ax, (arch, by_f) in zip(axes, losses.items()):
        fracs = sorted(by_f)
        cmap = mpl.colormaps["plasma"]
        for i, f in enumerate(fracs):
            qcd, sig = by_f[f]
            y = np.r_[np.zeros(qcd.size), np.ones(sig.size)]
            disp = PhysicsRocDisplay.from_predictions(
                y, np.r_[qcd, sig], name=f"f = {f:g}", ax=ax, plot_chance_level=(i == 0))
            disp.line_.set_color(cmap(0.85 * i / max(1, len(fracs) - 1)))
        ax.set_title(f"{arch}: gluino jets vs QCD, f gluinos in training", fontsize="medium")
        ax.legend(fontsize="small", loc="upper right")


@register(
    "jet-contamination",
    paper="arXiv:1808.08992, Sec. IV A, Figs. 8, 9",
    description="Jet-image autoencoders trained on QCD contaminated with 0-10 % top or gluino "
    "jets: E10/E100 on clean test sets fall gradually (gluinos: 10-20 % at f = 0.1).",
    runtime="~7 min (jets of jet-autoencoders cached; +1,000 top and gluino jets)",
    full_runtime="days on a CPU (100k jets, 5 f x 2 signals x 3 networks x 5 trainings)",
)
def run_jet_contamination(out_dir, *, full=False, verbose=1, random_state=0, settings=None,
                          samples=None, n_jobs=2):
    """Train on QCD contaminated with top or gluino jets; E10/E100 against f (Figs. 8, 9).

    Writes ``fig8_top_contamination.png``, ``fig9_gluino_contamination.png``
    and ``summary.txt`` to ``out_dir``.

    Parameters
    ----------
    settings : dict, default=None
        Overrides :func:`contamination_settings` (e.g. tiny sizes for tests).
    samples : dict, default=None
        ``'train'`` (QCD), ``'QCD'``, ``'top'``, ``'gluino'`` (clean test),
        ``'top_train'``, ``'gluino_train'`` (jets mixed into training)
        Bunches with ``images`` instead of generated jets.
    n_jobs : int, default=2
        Processes generating jets (generation is cached on disk).

    Returns
    -------
    summary : dict
        ``curves[signal][arch]`` (fractions ``x``, E10 / E100 / AUC means,
        spreads), ``checks`` (the paper's statements: holds, evidence),
        sizes, settings, timings.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = contamination_settings(full) if settings is None else settings
    fractions = tuple(settings["fractions"])
    signals = ("top", "gluino")
    runs = [("none", 0.0)] + [(s, f) for s in signals for f in fractions if f > 0]
    plan = [(a, s, f) for s, f in runs for a in ARCHITECTURES
            if a != "CNN" or any(f in settings["cnn_runs"].get(t, ()) for t in
                                 (signals if s == "none" else (s,)))]
    n_steps = len(plan) + 1
    if samples is None:
        s = settings["sizes"]
        log_step(1, n_steps, "jets: generating or reading %s QCD training, test jets and %s "
                 "top / gluino training jets", f"{s['train']:,}", f"{s['signal_train']:,}",
                 verbose=verbose)
        samples = load_jet_images(s, random_state=random_state, n_jobs=n_jobs, verbose=verbose)
        for sig in signals:
            samples[f"{sig}_train"] = jet_sample(sig, s["signal_train"], role="train",
                                                 random_state=random_state, n_jobs=n_jobs,
                                                 verbose=verbose)
    n_train = settings["sizes"]["train"]
    threads = _torch_threads()
    scores, seconds = {}, dict.fromkeys(ARCHITECTURES, 0.0)
    for step, (arch, sig, f) in enumerate(plan, start=2):
        X, _ = contaminated_training_set(
            samples["train"].images, samples[f"{'top' if sig == 'none' else sig}_train"].images,
            f, n_train=n_train, random_state=random_state)
        log_step(step, n_steps, "training %s on %s jets, %s fraction %g", arch,
                 f"{X.shape[0]:,}", "signal" if sig == "none" else sig, f, verbose=verbose)
        start = time.perf_counter()
        det = fit_detector(arch, X, latent_dim=settings["latent_dim"], settings=settings,
                           random_state=random_state, verbose=max(0, verbose - 1),
                           n_threads=threads)
        seconds[arch] += time.perf_counter() - start
        qcd = member_losses(det, samples["QCD"].images)
        for target in (signals if sig == "none" else (sig,)):
            scores.setdefault(target, {}).setdefault(arch, {})[f] = (
                qcd, member_losses(det, samples[target].images))
    curves = {}
    for target, by_arch in scores.items():
        curves[target] = {}
        for arch, by_f in by_arch.items():
            if arch == "CNN" and len(by_f) < 2 and target not in settings["cnn_runs"]:
                continue
            c = {"x": sorted(by_f)}
            effs = [signal_efficiencies(*by_f[f]) for f in c["x"]]
            for key in (*WORKING_POINTS, "auc"):
                c[f"{key}_mean"] = [e[key]["mean"] for e in effs]
                c[f"{key}_std"] = [e[key]["std"] for e in effs]
                c[f"{key}_members"] = [e[key]["members"] for e in effs]
            curves[target][arch] = c
    checks = contamination_checks(curves)

    for target, name, fig_label in (("top", "fig8_top_contamination.png", "Fig. 8"),
                                    ("gluino", "fig8b_gluino_contamination.png",
                                     "Fig. 8 for gluinos (the paper shows Fig. 9)")):
        fig, axes = subplots(1, 2, 5.6, 4.4)
        plot_efficiency_curves(curves[target], axes[0],
                               x_label=f"fraction f of {target} jets in training",
                               paper={a: v[target] for a, v in PAPER_TABLE_I.items()},
                               x_line=0.0)
        fig.suptitle(f"{fig_label}: {target} E10 (left) and E100 (right) on a clean test set")
        save(fig, out_dir / name)
    roc_archs = [a for a in ("CNN", "dense") if a in curves["gluino"]]
    fig, axes = subplots(1, len(roc_archs), 5.6, 4.6)
    plot_contamination_rocs({a: {f: (q[:, 0], s_[:, 0])
                                 for f, (q, s_) in scores["gluino"][a].items()}
                             for a in roc_archs}, axes[0])
    fig.suptitle("Fig. 9: ROC curves of autoencoders trained on QCD with a fraction f of "
                 "gluinos (first training)")
    save(fig, out_dir / "fig9_gluino_roc.png")

    summary = {"settings": settings, "full": full, "curves": curves, "checks": checks,
               "seconds": seconds,
               "sizes": {p: int(samples[p].images.shape[0]) for p in
                         ("train", "QCD", "top", "gluino", "top_train", "gluino_train")},
               "paper": PAPER_TABLE_I, "paper_facts": PAPER_CONTAMINATION_FACTS}
    summary["sizes"]["train"] = int(n_train)
    write_summary(out_dir, _contamination_lines(summary), verbose)
    return summary
