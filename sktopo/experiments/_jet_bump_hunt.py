"""The jet-mass bump hunt of arXiv:1808.08992 (Sec. IV B, Fig. 11).

``jet-bump-hunt``: the CNN autoencoder is trained on QCD jets contaminated
with 400 GeV RPV gluino jets at the expected fraction, 1e-3 of all jets (the
paper's "representative of the actual data").  A cut on its loss that rejects
a factor 1000 of the QCD background is then combined with a window in jet
mass around the gluino mass.  The paper reads S/B ~ 4 % in the window before
the cut and ~ 25 % after it, and a significance improvement
``eps_S / sqrt(eps_B)`` of ~ 1.25 at that working point (2-3 at looser cuts).

Both processes are weighted so that the gluino jets are 1e-3 of the QCD
jets overall (the paper normalises to the LO cross sections, which is the
same ratio).  At a rejection of 1000 only ``n_QCD / 1000`` QCD test jets
pass, a handful of them in the window: every S/B is printed with the number
of QCD jets behind it and a 68 % Poisson interval.  PCA, whose loss tracks
jet mass, is run beside the CNN as a contrast (not in the paper's figure): a
mass-correlated cut sculpts the QCD spectrum towards the signal window.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from scipy.stats import chi2

from sktopo.experiments._common import check_lines, save, subplots
from sktopo.experiments._jet_autoencoders import _COLORS, member_losses
from sktopo.experiments._jet_data import cnn_detector, jet_sample, jet_sizes, pca_detector
from sktopo.experiments._jet_latent import contaminated_training_set
from sktopo.experiments._registry import log_step, register, write_summary
from sktopo.metrics import threshold_at_rejection

__all__ = [
    "MASS_WINDOW",
    "PAPER_BUMP_HUNT",
    "SIGNAL_FRACTION",
    "bump_hunt_table",
    "jet_bump_hunt_settings",
    "poisson_interval",
    "run_jet_bump_hunt",
]

#: Gluino jets per QCD jet in the data (the paper's contamination, 1e-3).
SIGNAL_FRACTION = 1e-3
#: Jet-mass window of the bump hunt, GeV: the gluino mass +- 50 GeV.
MASS_WINDOW = (350.0, 450.0)
#: QCD rejections 1 / eps_B of the loss cuts (the paper's Fig. 11: 1000).
REJECTIONS = (10.0, 100.0, 1000.0)
#: The paper's reading of Fig. 11 and of Fig. 4 (right) at rejection 1000.
PAPER_BUMP_HUNT = {"S/B before": 0.04, "S/B after": 0.25, "eps_S/sqrt(eps_B)": 1.25,
                   "eps_S/sqrt(eps_B) at looser cuts": (2.0, 3.0)}


def jet_bump_hunt_settings(full: bool = False, scale: float = 1.0) -> dict:
    """Sample sizes and networks: the paper's (``full``) or CPU-sized ones.

    CPU-sized: 10,000 training jets (10 of them gluinos), 20,000 QCD and
    1,000 gluino test jets, one CNN of 32 channels per layer (batch 64, at
    most 12 epochs; the 8 channels of ``jet-autoencoders`` are too few here:
    their worst-reconstructed 0.1 % of QCD lies above every gluino).
    ``full``: 100,000 jets of each, the paper's 128-channel CNN, batch 1024.
    """
    sizes = jet_sizes(full, scale)
    sizes["QCD"] = 100_000 if full else max(50, int(round(20_000 * scale)))
    sizes["signal_train"] = max(1, int(round(SIGNAL_FRACTION * sizes["train"])))
    common = dict(sizes=sizes, latent_dim=6, learning_rate=1e-3, window=MASS_WINDOW,
                  rejections=REJECTIONS, signal_fraction=SIGNAL_FRACTION)
    if full:
        return dict(common, channels=(128, 128, 128), batch_size=1024, max_epochs=200)
    return dict(common, channels=(32, 32, 32), batch_size=64, max_epochs=12)


def poisson_interval(n, cl=0.6827):
    """Central ``cl`` interval on the mean of a Poisson count ``n`` (Garwood).

    Examples
    --------
    >>> from sktopo.experiments._jet_bump_hunt import poisson_interval
    >>> lo, hi = poisson_interval(0)
    >>> float(lo), round(float(hi), 3)
    (0.0, 1.841)
    """
    alpha = 1.0 - cl
    lo = 0.0 if n == 0 else chi2.ppf(alpha / 2, 2 * n) / 2
    hi = chi2.ppf(1 - alpha / 2, 2 * (n + 1)) / 2
    return float(lo), float(hi)


def _in_window(mass, window):
    return (mass >= window[0]) & (mass < window[1])


def bump_hunt_table(loss_qcd, mass_qcd, loss_signal, mass_signal, *,
                    signal_fraction=SIGNAL_FRACTION, window=MASS_WINDOW, rejections=REJECTIONS):
    """S/B in the mass window and ``eps_S / sqrt(eps_B)`` before and after loss cuts.

    The signal is weighted so that it is ``signal_fraction`` of the QCD jets
    overall; a cut at rejection ``R`` keeps the jets whose loss exceeds the
    ``1 - 1/R`` quantile of the QCD losses.

    Returns
    -------
    rows : list of dict
        One row per cut (``rejection`` 1 = no cut): ``eps_B``, ``eps_S``
        (global), ``significance`` = ``eps_S / sqrt(eps_B)``, ``n_qcd_window``
        (QCD jets in the window after the cut), ``s_over_b`` in the window and
        its 68 % interval ``s_over_b_interval`` (Poisson on the QCD count),
        ``window_significance`` = S / sqrt(B) in the window relative to the
        uncut window's, ``qcd_window_share``: the share of the passing QCD jets
        that lie in the window (a cut correlated with mass raises it).

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.experiments._jet_bump_hunt import bump_hunt_table
    >>> loss_b, mass_b = np.arange(1000.0), np.full(1000, 400.0)
    >>> loss_s, mass_s = np.full(10, 2000.0), np.full(10, 400.0)
    >>> rows = bump_hunt_table(loss_b, mass_b, loss_s, mass_s, signal_fraction=0.01,
    ...                        rejections=(10,))
    >>> [round(r["s_over_b"], 3) for r in rows], [r["n_qcd_window"] for r in rows]
    ([0.01, 0.1], [1000, 100])
    """
    loss_qcd, mass_qcd = np.asarray(loss_qcd, float), np.asarray(mass_qcd, float)
    loss_signal, mass_signal = np.asarray(loss_signal, float), np.asarray(mass_signal, float)
    weight = signal_fraction * loss_qcd.size / loss_signal.size
    win_b, win_s = _in_window(mass_qcd, window), _in_window(mass_signal, window)
    base_s, base_b = weight * win_s.sum(), float(win_b.sum())
    rows = []
    for rejection in (1.0, *rejections):
        if rejection == 1.0:
            pass_b = np.ones(loss_qcd.size, bool)
            pass_s = np.ones(loss_signal.size, bool)
        else:
            cut = threshold_at_rejection(loss_qcd, background_efficiency=1.0 / rejection)
            pass_b, pass_s = loss_qcd > cut, loss_signal > cut
        eps_b, eps_s = float(pass_b.mean()), float(pass_s.mean())
        n_b = int((pass_b & win_b).sum())
        s = weight * float((pass_s & win_s).sum())
        lo, hi = poisson_interval(n_b)
        rows.append({
            "rejection": float(rejection), "eps_B": eps_b, "eps_S": eps_s,
            "significance": eps_s / np.sqrt(eps_b) if eps_b > 0 else float("nan"),
            "n_qcd_window": n_b, "signal_window": s,
            "s_over_b": s / n_b if n_b else float("inf"),
            "s_over_b_interval": (s / hi, s / lo if lo > 0 else float("inf")),
            "window_significance": ((s / np.sqrt(n_b)) / (base_s / np.sqrt(base_b))
                                    if n_b and base_s else float("nan")),
            "qcd_window_share": n_b / max(int(pass_b.sum()), 1),
        })
    return rows


def _histograms(ax, mass_qcd, mass_signal, weight, *, title, window, bins, ylim):
    ax.hist(mass_qcd, bins=bins, color=_COLORS["QCD"], alpha=0.55, label="QCD")
    ax.hist(mass_signal, bins=bins, weights=np.full(mass_signal.size, weight),
            histtype="step", lw=2, color=_COLORS["gluino"], label="gluino (400 GeV) x 1e-3")
    ax.axvspan(*window, color="tab:green", alpha=0.12, label="mass window")
    ax.set_ylim(*ylim)  # fixed before the log scale: a panel may be empty after a hard cut
    ax.set_yscale("log")
    ax.set_xlabel("jet mass [GeV]")
    ax.set_title(title, fontsize="medium")


def plot_bump_hunt(data, cuts, axes, *, window=MASS_WINDOW, signal_fraction=SIGNAL_FRACTION):
    """Fig. 11: weighted jet-mass histograms before and after each loss cut in ``cuts``.

    ``data`` holds ``mass_qcd``, ``mass_signal``; ``cuts`` maps a panel title
    to ``(pass_qcd, pass_signal)`` boolean masks.  Counts are QCD test jets per
    bin; gluinos carry the weight that makes them ``signal_fraction`` of QCD.
    """
    mq, ms = data["mass_qcd"], data["mass_signal"]
    weight = signal_fraction * mq.size / ms.size
    bins = np.linspace(0.0, 800.0, 33)
    panels = [("before the cut", np.ones(mq.size, bool), np.ones(ms.size, bool)),
              *[(title, pb, ps) for title, (pb, ps) in cuts.items()]]
    top = max(1.0, float(np.histogram(mq, bins)[0].max()), weight * np.histogram(ms, bins)[0].max())
    ylim = (0.3 * min(weight, 1.0), 3.0 * top)
    for ax, (title, pb, ps) in zip(axes, panels):
        _histograms(ax, mq[pb], ms[ps], weight, title=title, window=window, bins=bins, ylim=ylim)
    axes[0].set_ylabel("QCD test jets per 25 GeV")
    axes[0].legend(fontsize="small", loc="upper right")


def _fmt_sb(row):
    lo, hi = row["s_over_b_interval"]
    hi_text = "inf" if not np.isfinite(hi) else f"{hi:.1%}"
    return (f"{row['s_over_b']:.1%} (68 %: {lo:.1%}-{hi_text}; "
            f"{row['n_qcd_window']} QCD jets in the window)")


def _summary_lines(summary):
    s, st = summary["sizes"], summary["settings"]
    lines = [
        "Jet-mass bump hunt with an autoencoder cut (arXiv:1808.08992, Sec. IV B, Fig. 11)",
        "jets: Pythia 8 (pythia8mc), anti-kT R = 1.0, pT 800-900 GeV, 37 x 37 images; no "
        "detector simulation (the paper: Delphes)",
        f"training: {s['train']:,} jets, {s['signal_train']} of them 400 GeV gluinos "
        f"(fraction {st['signal_fraction']:g}); test: {s['QCD']:,} QCD, {s['gluino']:,} "
        "gluino jets, gluinos weighted to 1e-3 of QCD",
        f"CNN: channels {tuple(st['channels'])}, k = {st['latent_dim']}, Adam, batch "
        f"{st['batch_size']}, at most {st['max_epochs']} epochs ({summary['n_iter']} run, "
        f"{summary['seconds']:.0f} s); mass window {st['window'][0]:g}-{st['window'][1]:g} GeV",
        "",
    ]
    for arch, rows in summary["tables"].items():
        lines.append(f"{arch} loss cut:")
        lines.append(f"  {'1/eps_B':>8} {'eps_S':>7} {'eS/sqrt(eB)':>11} {'QCD in win':>10}"
                     "  S/B in the window")
        for r in rows:
            lines.append(f"  {r['rejection']:8.0f} {r['eps_S']:7.3f} {r['significance']:11.2f}"
                         f" {r['qcd_window_share']:10.1%}  {_fmt_sb(r)}")
        lines.append("")
    paper = summary["paper"]
    cnn = {r["rejection"]: r for r in summary["tables"]["CNN"]}
    lines += [
        "paper vs measured (CNN):",
        f"  S/B before the cut: paper ~{paper['S/B before']:.0%}, measured "
        f"{cnn[1.0]['s_over_b']:.1%}",
        f"  S/B after the 1/eps_B = 1000 cut: paper ~{paper['S/B after']:.0%}, measured "
        f"{_fmt_sb(cnn[1000.0])}",
        f"  eps_S/sqrt(eps_B) at 1000: paper ~{paper['eps_S/sqrt(eps_B)']}, measured "
        f"{cnn[1000.0]['significance']:.2f}; at looser cuts paper 2-3, measured "
        + ", ".join(f"{cnn[r]['significance']:.2f} at {r:g}" for r in (10.0, 100.0)),
        "",
        *check_lines(summary["checks"], "checks (holds, evidence):"),
    ]
    return lines


def bump_hunt_checks(tables):
    """The paper's qualitative statements, as measured: ``{name: (holds, evidence)}``."""
    cnn = {r["rejection"]: r for r in tables["CNN"]}
    pca = {r["rejection"]: r for r in tables["PCA"]}

    def gain(rejection):
        return cnn[rejection]["s_over_b"] / cnn[1.0]["s_over_b"]

    loose = max(cnn[10.0]["significance"], cnn[100.0]["significance"])
    return {
        "the CNN cut at 1/eps_B = 1000 raises S/B in the window several-fold (paper: ~6x)": (
            gain(1000.0) >= 3.0, f"x{gain(1000.0):.1f} (eps_S = {cnn[1000.0]['eps_S']:.3f})"),
        "a CNN cut raises S/B in the window several-fold at 1/eps_B = 100": (
            gain(100.0) >= 3.0, f"x{gain(100.0):.1f} (eps_S = {cnn[100.0]['eps_S']:.3f})"),
        "looser cuts give eps_S/sqrt(eps_B) of 2-3 (paper)": (
            loose > 1.5, f"best of 1/eps_B = 10, 100: {loose:.2f}"),
        "the CNN cut moves less QCD into the window than a PCA cut (mass decorrelation)": (
            cnn[100.0]["qcd_window_share"] < pca[100.0]["qcd_window_share"],
            f"share of passing QCD in the window at 1/eps_B = 100: CNN "
            f"{cnn[100.0]['qcd_window_share']:.0%}, PCA {pca[100.0]['qcd_window_share']:.0%} "
            f"(no cut {cnn[1.0]['qcd_window_share']:.1%})"),
    }


@register(
    "jet-bump-hunt",
    paper="arXiv:1808.08992",
    description="Fig. 11: jet-mass bump hunt for 400 GeV gluinos after a CNN loss cut "
                "(training contaminated at 1e-3)",
    runtime="~3-8 min with cached jets; ~13 min more to generate 15,000 extra QCD test jets",
    full_runtime="days on a CPU (100k jets, 128-channel CNN)",
)
def run_jet_bump_hunt(out_dir, *, full=False, verbose=1, random_state=0, settings=None,
                      samples=None, n_jobs=2):
    """Train the CNN on QCD + 1e-3 gluinos, cut on its loss, count jets in a mass window.

    Writes ``fig11_bump_hunt.png`` (before the cut; after CNN cuts at 1/eps_B =
    100 and 1000; after a PCA cut at 1000) and ``summary.txt`` to ``out_dir``.

    Parameters
    ----------
    settings : dict, default=None
        Overrides :func:`jet_bump_hunt_settings` (e.g. tiny sizes for tests).
    samples : dict, default=None
        ``'train'`` (QCD), ``'gluino_train'``, ``'QCD'``, ``'gluino'`` Bunches
        with ``images`` and ``mass`` instead of generated jets.
    n_jobs : int, default=2
        Processes generating jets (generation is cached on disk).

    Returns
    -------
    summary : dict
        ``tables`` (per architecture: :func:`bump_hunt_table` rows), ``checks``,
        ``paper``, sizes, settings, timings.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    st = jet_bump_hunt_settings(full) if settings is None else settings
    s = st["sizes"]
    if samples is None:
        log_step(1, 3, "jets: generating or reading %s QCD training, %s QCD and %s gluino test "
                 "jets", f"{s['train']:,}", f"{s['QCD']:,}", f"{s['gluino']:,}", verbose=verbose)
        plan = {"train": ("qcd", s["train"], "train"),
                "gluino_train": ("gluino", s["signal_train"], "train"),
                "QCD": ("qcd", s["QCD"], "test"), "gluino": ("gluino", s["gluino"], "test")}
        samples = {name: jet_sample(p, n, role=role, random_state=random_state, n_jobs=n_jobs,
                                    verbose=verbose) for name, (p, n, role) in plan.items()}
    X, _ = contaminated_training_set(samples["train"].images, samples["gluino_train"].images,
                                     st["signal_fraction"], n_train=s["train"],
                                     random_state=random_state)
    log_step(2, 3, "training the CNN (and PCA) on %s jets, %d of them gluinos",
             f"{X.shape[0]:,}", int(round(st["signal_fraction"] * X.shape[0])), verbose=verbose)
    start = time.perf_counter()
    cnn = cnn_detector(st["latent_dim"], channels=st["channels"], batch_size=st["batch_size"],
                       learning_rate=st["learning_rate"], max_epochs=st["max_epochs"],
                       random_state=random_state, verbose=max(0, verbose - 1)).fit(X)
    seconds = time.perf_counter() - start
    pca = pca_detector(st["latent_dim"], random_state=random_state).fit(X)
    log_step(3, 3, "scoring %s QCD and %s gluino test jets", f"{s['QCD']:,}",
             f"{s['gluino']:,}", verbose=verbose)
    data = {"mass_qcd": np.asarray(samples["QCD"].mass, float),
            "mass_signal": np.asarray(samples["gluino"].mass, float)}
    tables, passes = {}, {}
    for arch, det in (("CNN", cnn), ("PCA", pca)):
        lq = member_losses(det, samples["QCD"].images)[:, 0]
        ls = member_losses(det, samples["gluino"].images)[:, 0]
        tables[arch] = bump_hunt_table(lq, data["mass_qcd"], ls, data["mass_signal"],
                                       signal_fraction=st["signal_fraction"],
                                       window=st["window"], rejections=st["rejections"])
        for rejection in (100.0, 1000.0):
            cut = threshold_at_rejection(lq, background_efficiency=1.0 / rejection)
            passes[arch, rejection] = (lq > cut, ls > cut)

    fig, axes = subplots(1, 4, 4.0, 3.9)
    plot_bump_hunt(data, {"after the CNN cut (QCD / 100)": passes["CNN", 100.0],
                          "after the CNN cut (QCD / 1000)": passes["CNN", 1000.0],
                          "after a PCA cut (QCD / 1000; contrast)": passes["PCA", 1000.0]},
                   axes[0], window=st["window"], signal_fraction=st["signal_fraction"])
    fig.suptitle("Fig. 11: jet mass of QCD and 400 GeV gluinos (1e-3 of QCD) before and after "
                 "an autoencoder loss cut")
    save(fig, out_dir / "fig11_bump_hunt.png")

    summary = {"settings": st, "full": full, "tables": tables, "sizes": dict(s),
               "seconds": seconds, "n_iter": int(cnn.n_iter_), "paper": PAPER_BUMP_HUNT}
    summary["sizes"].update(QCD=int(data["mass_qcd"].size),
                            gluino=int(data["mass_signal"].size))
    summary["checks"] = bump_hunt_checks(tables)
    write_summary(out_dir, "\n".join(_summary_lines(summary)), verbose)
    return summary
