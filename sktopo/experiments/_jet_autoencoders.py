"""Autoencoders on QCD jet images (arXiv:1808.08992, Secs. II-IV, Table I, Figs. 2-4, 10).

``jet-autoencoders``: PCA (k = 6), the paper's dense network and its CNN are
trained on QCD jet images and score QCD, top and 400 GeV RPV-gluino test jets
by their reconstruction error.  The dense and CNN networks are trained
several times (the paper: five) as one stacked
:class:`~sktopo.detectors.ChartEnsembleDetector`; each training is scored on
its own (``member_errors``) and Table I reports the mean and spread of E10 /
E100 over the trainings.  The jet mass alone, as an anomaly score, is the
reference the paper compares the PCA curve with.  Fig. 10: how the losses
correlate with the jet mass of QCD jets, and how cuts on them sculpt the
QCD mass spectrum.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from sktopo.detectors import ChartEnsembleDetector
from sktopo.experiments._common import check_lines, save, subplots
from sktopo.experiments._jet_data import (
    PAPER_TABLE_I,
    cnn_detector,
    dense_detector,
    jet_sample,
    jet_sizes,
    pca_detector,
)
from sktopo.experiments._registry import log_step, register, write_summary
from sktopo.metrics import efficiency_at_rejection, mass_profile, mass_sculpting
from sktopo.plotting import (
    LossHistogramDisplay,
    MassProfileDisplay,
    MassSculptingDisplay,
    PhysicsRocDisplay,
)

__all__ = [
    "ARCHITECTURES",
    "PROCESSES",
    "SIGNALS",
    "jet_autoencoder_settings",
    "load_jet_images",
    "mass_correlation",
    "mean_images",
    "member_losses",
    "plot_loss_histograms",
    "plot_mass_profiles",
    "plot_mean_images",
    "plot_rocs",
    "plot_sculpting",
    "qualitative_checks",
    "run_jet_autoencoders",
    "table_one",
    "train_jet_autoencoders",
]

ARCHITECTURES = ("PCA", "dense", "CNN")
SIGNALS = ("top", "gluino")
PROCESSES = ("QCD", "top", "gluino")
JET_MASS = "jet mass"
#: Background efficiencies of E10 and E100 (90 % and 99 % of QCD rejected).
WORKING_POINTS = {"E10": 0.1, "E100": 0.01}
#: Cuts of Fig. 10 (right): QCD reduced by 10, 100 and 1000.
SCULPTING_CUTS = (1.0, 0.1, 0.01, 0.001)
#: Jet mass (GeV) above which the paper sees the CNN loss decorrelate (~250-300 GeV).
HEAVY_MASS = 250.0
#: Background efficiencies at which the PCA and jet-mass ROC curves are compared.
TRACKING_POINTS = (0.5, 0.2, 0.1, 0.05, 0.02, 0.01)
_COLORS = {"QCD": "0.45", "top": "tab:blue", "gluino": "tab:orange",
           "PCA": "0.35", "dense": "tab:blue", "CNN": "tab:red", JET_MASS: "tab:green"}

PAPER_FACTS = (
    "all architectures flag tops and gluinos above chance",
    "the CNN is best for tops; for gluinos PCA ~ dense >= CNN",
    "for gluinos the PCA ROC curve tracks the jet-mass ROC curve",
    "PCA and dense losses correlate with jet mass up to ~400 GeV; the CNN loss decorrelates "
    "above ~250-300 GeV, and the QCD mass spectrum is stable under CNN loss cuts",
)


def jet_autoencoder_settings(full: bool = False, scale: float = 1.0) -> dict:
    """Sample sizes and networks: the paper's (``full``) or CPU-sized ones.

    The paper trains on 100,000 QCD jets, tests on 100,000 jets of each
    process, uses 128 channels in the CNN and averages five trainings of the
    dense and the CNN networks (Adam with learning rate 1e-3, batch 1024,
    early stopping with patience 5 and 3).  The CPU-sized default trains on
    10,000 QCD jets and tests on 5,000 QCD, 5,000 top and 1,000 gluino jets
    (:func:`jet_sizes`), with an 8-channel CNN, three dense and two CNN
    trainings, batch 64 (on 10,000 jets the paper's batch gives 9 steps an
    epoch; batch 64 gives about as many steps an epoch as the paper's on
    100,000 jets) and capped epochs.  ``scale`` multiplies the sample sizes
    (at least 50 jets each).
    """
    sizes = jet_sizes(full, scale)
    if full:
        return dict(sizes=sizes, latent_dim=6, channels=(128, 128, 128),
                    trainings={"dense": 5, "CNN": 5}, batch_size=1024, learning_rate=1e-3,
                    max_epochs={"dense": 500, "CNN": 200})
    return dict(sizes=sizes, latent_dim=6, channels=(8, 8, 8),
                trainings={"dense": 3, "CNN": 2}, batch_size=64, learning_rate=1e-3,
                max_epochs={"dense": 40, "CNN": 12})


def load_jet_images(sizes, *, random_state=0, n_jobs=2, verbose=0) -> dict:
    """QCD training jets and QCD, top, gluino test jets, with images and masses.

    Returns
    -------
    samples : dict
        ``'train'`` (QCD) and ``'QCD'``, ``'top'``, ``'gluino'`` (test): the
        Bunches of :func:`~sktopo.experiments._jet_data.jet_sample`.
    """
    plan = {"train": ("qcd", sizes["train"], "train"), "QCD": ("qcd", sizes["test"], "test"),
            "top": ("top", sizes["top"], "test"), "gluino": ("gluino", sizes["gluino"], "test")}
    return {name: jet_sample(process, n, role=role, random_state=random_state, n_jobs=n_jobs,
                             verbose=verbose)
            for name, (process, n, role) in plan.items()}


def train_jet_autoencoders(X_train, settings, *, random_state=0, verbose=0, n_threads=None):
    """Fit PCA and the stacked dense and CNN trainings of ``settings`` on ``X_train``.

    Returns
    -------
    detectors : dict
        ``'PCA'``: a :class:`~sktopo.detectors.PCADetector`; ``'dense'`` and
        ``'CNN'``: :class:`~sktopo.detectors.ChartEnsembleDetector` (one
        member per training; ``aggregate='mean'``, only the members are used).
    seconds : dict
        Training time of each.
    """
    k, trainings = settings["latent_dim"], settings["trainings"]
    templates = {
        "dense": dense_detector(k, max_epochs=settings["max_epochs"]["dense"],
                                batch_size=settings["batch_size"],
                                learning_rate=settings["learning_rate"], n_threads=n_threads),
        "CNN": cnn_detector(k, channels=settings["channels"], batch_size=settings["batch_size"],
                            learning_rate=settings["learning_rate"],
                            max_epochs=settings["max_epochs"]["CNN"], n_threads=n_threads),
    }
    detectors, seconds = {}, {}
    for step, name in enumerate(ARCHITECTURES, start=1):
        what = "PCA (k = %d)" % k if name == "PCA" else (
            f"{trainings[name]} {name} trainings as one stacked network "
            f"(at most {settings['max_epochs'][name]} epochs)")
        log_step(step, len(ARCHITECTURES), "training %s on %s QCD jets", what,
                 f"{X_train.shape[0]:,}", verbose=verbose)
        start = time.perf_counter()
        if name == "PCA":
            det = pca_detector(k, random_state=random_state)
        else:
            det = ChartEnsembleDetector(templates[name], n_charts=trainings[name],
                                        aggregate="mean", random_state=random_state,
                                        verbose=verbose)
        detectors[name] = det.fit(X_train)
        seconds[name] = time.perf_counter() - start
    return detectors, seconds


def member_losses(detector, X):
    """Per-pixel squared error of every training: shape (n_samples, n_trainings).

    The paper's loss (2.1) is the mean over pixels; sktopo's detectors sum
    over pixels.  Dividing by the number of pixels gives the paper's scale
    and ranks jets identically.
    """
    if isinstance(detector, ChartEnsembleDetector):
        errors = detector.member_errors(X)
    else:
        errors = detector.anomaly_score(X)[:, None]
    return errors / X.shape[1]


def _efficiencies(background, signal):
    y = np.r_[np.zeros(background.size), np.ones(signal.size)]
    score = np.r_[background, signal]
    out = {key: efficiency_at_rejection(y, score, background_efficiency=b)
           for key, b in WORKING_POINTS.items()}
    out["auc"] = float(roc_auc_score(y, score))
    return out


def table_one(losses, masses):
    """Table I: E10, E100 and ROC AUC per architecture and signal, mean and spread over trainings.

    Parameters
    ----------
    losses : dict
        ``losses[arch][process]``: array (n_jets, n_trainings) of
        :func:`member_losses`, processes ``'QCD'``, ``'top'``, ``'gluino'``.
    masses : dict
        Jet mass (GeV) per process; the ``'jet mass'`` row cuts on it.

    Returns
    -------
    table : dict
        ``table[arch][signal]`` with ``'E10'``, ``'E100'``, ``'auc'`` (means
        over trainings), their standard deviations ``'E10_std'``... (0 for
        one training) and the per-training values ``'E10_members'``...
    """
    table = {}
    scores = {**losses, JET_MASS: {p: np.asarray(m)[:, None] for p, m in masses.items()}}
    for arch, by_process in scores.items():
        table[arch] = {}
        for signal in SIGNALS:
            per = [_efficiencies(by_process["QCD"][:, j], by_process[signal][:, j])
                   for j in range(by_process["QCD"].shape[1])]
            row = {}
            for key in (*WORKING_POINTS, "auc"):
                values = np.array([p[key] for p in per])
                row[key] = float(values.mean())
                row[f"{key}_std"] = float(values.std(ddof=1)) if values.size > 1 else 0.0
                row[f"{key}_members"] = values.tolist()
            table[arch][signal] = row
    return table


def _eps_s_at(background, signal, efficiencies=TRACKING_POINTS):
    y = np.r_[np.zeros(background.size), np.ones(signal.size)]
    score = np.r_[background, signal]
    return np.array([efficiency_at_rejection(y, score, background_efficiency=b)
                     for b in efficiencies])


def mass_correlation(loss_qcd, mass_qcd, *, bins=12):
    """Fig. 10 numbers for one loss of QCD jets: profile, sculpting, heavy-jet correlation.

    Returns
    -------
    result : dict
        ``'profile'``: :func:`~sktopo.metrics.mass_profile` (log bins);
        ``'sculpting'``: :func:`~sktopo.metrics.mass_sculpting` at the cuts
        keeping 100, 10, 1 and 0.1 % of QCD; ``'spearman'``: rank
        correlation of loss and mass over all jets; ``'spearman_heavy'``:
        the same over jets heavier than ``HEAVY_MASS`` (NaN with fewer than
        10); ``'n_heavy'``.
    """
    loss_qcd, mass_qcd = np.asarray(loss_qcd), np.asarray(mass_qcd)
    efficiencies = tuple(e for e in SCULPTING_CUTS if e * mass_qcd.size >= 1)
    profile = mass_profile(mass_qcd, loss_qcd, bins=bins, binning="log")
    sculpting = mass_sculpting(mass_qcd, loss_qcd, efficiencies=efficiencies, bins=30,
                               mass_range=(0.0, 600.0))
    heavy = mass_qcd > HEAVY_MASS
    spearman_heavy = (mass_profile(mass_qcd[heavy], loss_qcd[heavy], bins=1).spearman
                      if heavy.sum() >= 10 else np.nan)
    return {"profile": profile, "sculpting": sculpting, "spearman": profile.spearman,
            "spearman_heavy": float(spearman_heavy), "n_heavy": int(heavy.sum())}


def qualitative_checks(table, correlation, tracking):
    """The paper's qualitative statements, each measured: name -> (holds, evidence)."""
    t = {arch: {s: table[arch][s] for s in SIGNALS} for arch in table}
    above = all(t[a][s]["E10"] > WORKING_POINTS["E10"] and t[a][s]["E100"]
                > WORKING_POINTS["E100"] and t[a][s]["auc"] > 0.5
                for a in ARCHITECTURES for s in SIGNALS)
    top = {a: (t[a]["top"]["E10"], t[a]["top"]["E100"]) for a in ARCHITECTURES}
    cnn_best = all(top["CNN"][i] >= max(top["PCA"][i], top["dense"][i]) for i in (0, 1))
    glu = {a: (t[a]["gluino"]["E10"], t[a]["gluino"]["E100"]) for a in ARCHITECTURES}
    glu_order = all(min(glu["PCA"][i], glu["dense"][i]) >= glu["CNN"][i] for i in (0, 1))
    tracks = tracking["mean_abs_difference"] < 0.05
    rho = {a: correlation[a]["spearman"] for a in ARCHITECTURES}
    heavy = {a: correlation[a]["spearman_heavy"] for a in ARCHITECTURES}
    # the CNN loss follows the mass overall (as in the paper) but not among heavy jets
    decorrelates = (rho["PCA"] > 0.5 and rho["dense"] > 0.5 and rho["CNN"] > 0.0
                    and abs(heavy["CNN"]) < 0.15
                    and heavy["CNN"] < min(heavy["PCA"], heavy["dense"]) - 0.2)
    fmt = ", ".join
    return {
        "above chance (E10 > 0.1, E100 > 0.01, AUC > 0.5 for all)": (above, fmt(
            f"{a}/{s} AUC {t[a][s]['auc']:.2f}" for a in ARCHITECTURES for s in SIGNALS)),
        "CNN best for tops (E10 and E100)": (cnn_best, fmt(
            f"{a} {v[0]:.2f}/{v[1]:.3f}" for a, v in top.items())),
        "gluinos: PCA and dense >= CNN (E10 and E100)": (glu_order, fmt(
            f"{a} {v[0]:.2f}/{v[1]:.3f}" for a, v in glu.items())),
        "gluinos: PCA ROC tracks the jet-mass ROC (mean |d eps_S| < 0.05)": (tracks, (
            f"mean |eps_S(PCA) - eps_S(mass)| = {tracking['mean_abs_difference']:.3f} at "
            f"eps_B = {', '.join(f'{b:g}' for b in TRACKING_POINTS)}")),
        f"PCA, dense track mass; CNN loss rises with mass but not above {HEAVY_MASS:g} GeV": (
            decorrelates, (
            "Spearman(loss, mass) all QCD: " + fmt(f"{a} {rho[a]:.2f}" for a in ARCHITECTURES)
            + f"; QCD with m > {HEAVY_MASS:g} GeV: "
            + fmt(f"{a} {heavy[a]:.2f}" for a in ARCHITECTURES))),
    }


def mean_images(detector, X, *, member=0, chunk=1000):
    """Average image, average reconstruction and average squared error of one training."""
    mean_x, mean_hat, mean_sq = (np.zeros(X.shape[1]) for _ in range(3))
    for start in range(0, X.shape[0], chunk):
        x = X[start:start + chunk]
        if isinstance(detector, ChartEnsembleDetector):
            x_hat = detector.member_reconstructions(x)[:, member]
        else:
            x_hat = detector.reconstruct(x)
        mean_x += x.sum(axis=0)
        mean_hat += x_hat.sum(axis=0)
        mean_sq += ((x - x_hat) ** 2).sum(axis=0)
    return mean_x / X.shape[0], mean_hat / X.shape[0], mean_sq / X.shape[0]


def plot_loss_histograms(losses, ax):
    """Fig. 2: loss histograms of QCD, top and gluino test jets (one training)."""
    display = LossHistogramDisplay.from_predictions(
        {p: losses[p] for p in PROCESSES}, bins=60, ax=ax)
    for name, stairs in display.stairs_.items():
        stairs.set_color(_COLORS[name])
    ax.legend(fontsize="small", loc="best")
    ax.set_xlabel("reconstruction error $L$ (mean squared error per pixel)")
    return display


def plot_mean_images(images, axes, *, extent=1.6):
    """Fig. 3: 3 x 3 grid (rows: average image, reconstruction, squared error), log colour.

    ``images[process]`` = (mean image, mean reconstruction, mean squared
    error), flattened 37 x 37.
    """
    from matplotlib.colors import LogNorm

    side = int(round(np.sqrt(next(iter(images.values()))[0].size)))
    rows = ("average image", "average reconstruction", "average squared error")
    top = max(v[k].max() for v in images.values() for k in (0, 1))
    sq_top = max(v[2].max() for v in images.values())
    norms = (LogNorm(top * 1e-5, top),) * 2 + (LogNorm(sq_top * 1e-5, sq_top),)
    shown = []
    for j, process in enumerate(PROCESSES):
        for i in range(3):
            ax = axes[i, j]
            im = ax.imshow(np.clip(images[process][i].reshape(side, side), 1e-30, None),
                           origin="lower", norm=norms[i], cmap="viridis",
                           extent=(-extent, extent, -extent, extent))
            shown.append(im)
            ax.set_title(f"{process}: {rows[i]}", fontsize="medium")
            ax.set_xticks([-1, 0, 1])
            ax.set_yticks([-1, 0, 1])
            if j == 0:
                ax.set_ylabel(r"$\phi'$")
            if i == 2:
                ax.set_xlabel(r"$\eta'$")
    fig = axes[0, 0].figure
    fig.colorbar(shown[0], ax=axes[:2, :].ravel().tolist(), label="mean pixel intensity")
    fig.colorbar(shown[2], ax=axes[2, :].ravel().tolist(), label="mean squared error")


def plot_rocs(losses, masses, signal, ax):
    """Fig. 4: eps_S vs 1/eps_B for PCA, dense, CNN (first training) and the jet mass."""
    scores = {**{a: losses[a] for a in ARCHITECTURES},
              JET_MASS: {p: np.asarray(m)[:, None] for p, m in masses.items()}}
    for i, (name, by_process) in enumerate(scores.items()):
        background, sig = by_process["QCD"][:, 0], by_process[signal][:, 0]
        y = np.r_[np.zeros(background.size), np.ones(sig.size)]
        disp = PhysicsRocDisplay.from_predictions(
            y, np.r_[background, sig], name=name, ax=ax, plot_chance_level=(i == 0))
        disp.line_.set_color(_COLORS[name])
        if name == JET_MASS:
            disp.line_.set_linestyle(":")
    ax.set_title(f"{signal} jets vs QCD", fontsize="medium")
    ax.legend(fontsize="small", loc="upper right")
    return ax


def plot_mass_profiles(correlation, ax):
    """Fig. 10 (left): mean QCD jet mass in log bins of each architecture's loss."""
    for i, arch in enumerate(ARCHITECTURES):
        disp = MassProfileDisplay(result=correlation[arch]["profile"], name=arch,
                                  mass_label="jet mass [GeV]",
                                  score_label="reconstruction error $L$")
        disp.plot(ax=ax, plot_reference=(i == 0))
        color = _COLORS[arch]
        disp.line_.set(color=color, markerfacecolor=color, markeredgecolor=color)
        for artist in (*disp.errorbar_.lines[1], *disp.errorbar_.lines[2]):
            artist.set_color(color)
    ax.axhline(HEAVY_MASS, color="0.7", lw=0.8, ls=":")
    ax.legend(fontsize="small", loc="upper left")
    ax.set_title("Fig. 10 (left): mean QCD jet mass in bins of the loss", fontsize="medium")
    return ax


def plot_sculpting(correlation, arch, ax):
    """Fig. 10 (right): QCD jet mass after loss cuts keeping 10, 1, 0.1 % (one architecture)."""
    disp = MassSculptingDisplay(result=correlation[arch]["sculpting"],
                                mass_label="jet mass [GeV]").plot(ax=ax)
    ax.set_title(f"Fig. 10 (right): QCD jet mass after {arch} loss cuts", fontsize="medium")
    return disp


def _settings_lines(settings, full, sizes, seconds, n_iter):
    s = sizes
    lines = [
        "jets: Pythia 8 (pythia8mc), anti-kT R = 1.0, pT 800-900 GeV, |eta| < 1, "
        "37 x 37 images; no detector simulation (the paper: Delphes)",
        f"training: {s['train']:,} QCD jets; test: {s['QCD']:,} QCD, {s['top']:,} top, "
        f"{s['gluino']:,} gluino jets; k = {settings['latent_dim']}",
        f"networks: PCA; dense 1369-32-6-32-1369 softmax, {settings['trainings']['dense']} "
        f"trainings; CNN {tuple(settings['channels'])} channels, "
        f"{settings['trainings']['CNN']} trainings; Adam, learning rate "
        f"{settings['learning_rate']:g}, batch {settings['batch_size']}, "
        f"early stopping (patience 5 dense, 3 CNN), at most {settings['max_epochs']['dense']} "
        f"/ {settings['max_epochs']['CNN']} epochs",
        "epochs run: " + ", ".join(f"{a} {n}" for a, n in n_iter.items())
        + "; training time: " + ", ".join(f"{a} {t:.0f} s" for a, t in seconds.items()),
    ]
    if not full:
        lines.append("(CPU-sized; the paper: 100,000 jets per sample, 128 channels, five "
                     "trainings, learning rate 1e-3, batch 1024, no epoch cap; --full)")
    return lines


def _table_lines(table):
    width = 40
    head = f"{'':>9}" + "".join(f"{s + ': ours (spread) | paper':>{width}}" for s in SIGNALS)
    lines = [head]
    for arch, row in table.items():
        cells = []
        for s in SIGNALS:
            r = row[s]
            paper = PAPER_TABLE_I.get(arch, {}).get(s)
            ours = f"{r['E10']:.2f}/{r['E100']:.3f}"
            if r["E10_std"] or r["E100_std"]:
                ours += f" ({r['E10_std']:.2f}/{r['E100_std']:.3f})"
            cells.append(ours + (f" | {paper[0]:.2f}/{paper[1]:.2f}" if paper else " | -"))
        lines.append(f"{arch:>9}" + "".join(f"{c:>{width}}" for c in cells))
    lines.append("ROC AUC (top/gluino): " + "; ".join(
        f"{a} " + "/".join(f"{table[a][s]['auc']:.3f}" for s in SIGNALS) for a in table))
    return lines


def _correlation_lines(correlation):
    lines = [f"{'':>6}{'Spearman':>10}{'m>' + format(HEAVY_MASS, 'g'):>8}"
             + "".join(f"{'mean m, eps_B=' + format(e, 'g'):>20}" for e in SCULPTING_CUTS)
             + "".join(f"{'JSD/KS ' + format(e, 'g'):>16}" for e in SCULPTING_CUTS[1:])]
    for arch, c in correlation.items():
        summ = c["sculpting"].summary
        n = len(summ["mean"])
        means = [f"{summ['mean'][i]:.0f} GeV" if i < n else "-" for i in range(4)]
        dist = [f"{summ['js_divergence'][i]:.2f}/{summ['ks_statistic'][i]:.2f}" if i < n else "-"
                for i in range(1, 4)]
        lines.append(f"{arch:>6}{c['spearman']:>10.2f}{c['spearman_heavy']:>8.2f}"
                     + "".join(f"{m:>20}" for m in means) + "".join(f"{d:>16}" for d in dist))
    n_heavy = next(iter(correlation.values()))["n_heavy"]
    lines.append(f"(m>{HEAVY_MASS:g}: rank correlation over the {n_heavy} QCD test jets heavier "
                 f"than {HEAVY_MASS:g} GeV; JSD/KS: Jensen-Shannon divergence and KS statistic "
                 "between cut and uncut QCD mass spectra)")
    return lines


def format_jet_autoencoders_summary(summary):
    """Plain-text summary of :func:`run_jet_autoencoders`'s result."""
    checks = summary["checks"]
    lines = [
        "Autoencoders on jet images (arXiv:1808.08992, Table I, Figs. 2-4 and 10)",
        *_settings_lines(summary["settings"], summary["full"], summary["sizes"],
                         summary["seconds"], summary["n_iter"]),
        "",
        "Table I: E10/E100 (signal efficiency at 90 % / 99 % QCD rejection); ours = mean over "
        "trainings (standard deviation); paper = mean of five trainings on 100,000 jets",
        *_table_lines(summary["table"]),
        "",
        "Fig. 10: loss vs QCD jet mass (first training of each network)",
        *_correlation_lines(summary["correlation"]),
        "",
        *check_lines(checks, "The paper's qualitative statements, as measured here:"),
    ]
    return "\n".join(lines) + "\n"


@register(
    "jet-autoencoders",
    paper="arXiv:1808.08992, Table I, Figs. 2, 3, 4, 10",
    description="PCA, dense and CNN autoencoders trained on QCD jet images flag top and "
    "gluino jets (E10/E100); PCA and dense losses track the jet mass, the CNN's less.",
    runtime="~5 min with cached jets; ~20 min more to generate them the first time",
    full_runtime="days on a CPU (100k jets per sample, 128-channel CNN x 5)",
)
def run_jet_autoencoders(out_dir, *, full=False, verbose=1, random_state=0, settings=None,
                         samples=None, n_jobs=2):
    """Train PCA, dense and CNN autoencoders on QCD jets; Table I and Figs. 2, 3, 4, 10.

    Writes ``fig2_loss.png``, ``fig3_images.png``, ``fig4_roc.png``,
    ``fig10_mass.png`` and ``summary.txt`` to ``out_dir``.

    Parameters
    ----------
    settings : dict, default=None
        Overrides :func:`jet_autoencoder_settings` (e.g. tiny sizes for tests).
    samples : dict, default=None
        Jets to use instead of generating them: ``'train'``, ``'QCD'``,
        ``'top'``, ``'gluino'`` Bunches with ``images`` and ``mass`` (see
        :func:`~sktopo.experiments._jet_data.with_images`).
    n_jobs : int, default=2
        Processes generating jets (generation is cached on disk).

    Returns
    -------
    summary : dict
        ``table`` (Table I, with the jet-mass row), ``correlation`` (Fig. 10
        numbers per architecture), ``tracking`` (PCA vs jet-mass ROC for
        gluinos), ``checks`` (the paper's qualitative statements: holds,
        evidence), settings, sizes, timings, and the paper's numbers.
    """
    import torch

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = jet_autoencoder_settings(full) if settings is None else settings
    start = time.perf_counter()
    if samples is None:
        log_step(0, len(ARCHITECTURES), "jets: generating or reading %s",
                 ", ".join(f"{v:,} {k}" for k, v in settings["sizes"].items() if k != "w"),
                 verbose=verbose)
        samples = load_jet_images(settings["sizes"], random_state=random_state,
                                  n_jobs=n_jobs, verbose=verbose)
    seconds = {"jets": time.perf_counter() - start}
    detectors, train_seconds = train_jet_autoencoders(
        samples["train"].images, settings, random_state=random_state, verbose=verbose,
        n_threads=torch.get_num_threads())
    seconds.update(train_seconds)
    losses = {arch: {p: member_losses(det, samples[p].images) for p in PROCESSES}
              for arch, det in detectors.items()}
    masses = {p: samples[p].mass for p in PROCESSES}
    table = table_one(losses, masses)
    correlation = {arch: mass_correlation(losses[arch]["QCD"][:, 0], masses["QCD"])
                   for arch in ARCHITECTURES}
    pca_eps = _eps_s_at(losses["PCA"]["QCD"][:, 0], losses["PCA"]["gluino"][:, 0])
    mass_eps = _eps_s_at(masses["QCD"], masses["gluino"])
    tracking = {"eps_B": list(TRACKING_POINTS), "PCA": pca_eps.tolist(),
                "jet mass": mass_eps.tolist(),
                "mean_abs_difference": float(np.mean(np.abs(pca_eps - mass_eps)))}
    checks = qualitative_checks(table, correlation, tracking)

    fig, axes = subplots(1, 1, 6.0, 4.6)
    plot_loss_histograms({p: losses["CNN"][p][:, 0] for p in PROCESSES}, axes[0, 0])
    fig.suptitle("Fig. 2: CNN autoencoder (k = 6) reconstruction error, one training")
    save(fig, out_dir / "fig2_loss.png")

    fig, axes = subplots(3, 3, 4.0, 3.6)
    plot_mean_images({p: mean_images(detectors["CNN"], samples[p].images)
                      for p in PROCESSES}, axes)
    fig.suptitle("Fig. 3: average jet images, CNN reconstructions and squared errors "
                 "(one training, log colour)")
    save(fig, out_dir / "fig3_images.png")

    fig, axes = subplots(1, 2, 5.6, 4.6)
    for ax, signal in zip(axes[0], SIGNALS):
        plot_rocs(losses, masses, signal, ax)
    fig.suptitle("Fig. 4: ROC curves (first training of each network) and the jet mass")
    save(fig, out_dir / "fig4_roc.png")

    fig, axes = subplots(1, 3, 5.6, 4.6)
    plot_mass_profiles(correlation, axes[0, 0])
    plot_sculpting(correlation, "CNN", axes[0, 1])
    plot_sculpting(correlation, "PCA", axes[0, 2])
    save(fig, out_dir / "fig10_mass.png")

    summary = {
        "settings": settings, "full": full,
        "sizes": {p: int(samples[p].images.shape[0]) for p in ("train", *PROCESSES)},
        "table": table, "tracking": tracking, "checks": checks,
        "correlation": {a: {k: v for k, v in c.items() if k not in ("profile", "sculpting")}
                        | {"profile_mean": c["profile"].mean.tolist(),
                           "profile_centers": c["profile"].centers.tolist(),
                           "sculpting": {k: v.tolist()
                                         for k, v in c["sculpting"].summary.items()}}
                        for a, c in correlation.items()},
        "n_iter": {a: int(getattr(d, "n_iter_", 0)) for a, d in detectors.items()
                   if a != "PCA"},
        "seconds": seconds, "paper": PAPER_TABLE_I, "paper_facts": PAPER_FACTS,
    }
    text_summary = dict(summary, correlation=correlation)
    write_summary(out_dir, format_jet_autoencoders_summary(text_summary), verbose)
    return summary
