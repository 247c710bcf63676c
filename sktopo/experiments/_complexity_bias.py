"""The complexity bias of reconstruction errors, in both directions (arXiv:2104.09051, 2206.14225).

``complexity-bias``: a reconstruction error measures how hard a jet is to
compress, not how unlikely it is (Finke, Kraemer, Morandini, Mueck,
Oleksiyuk, arXiv:2104.09051).  Trained on QCD jets an autoencoder flags top
jets (more prongs, more lit pixels); trained on top jets it calls QCD jets
*more* normal than the tops it was trained on, an AUC below 0.5.  The
normalized autoencoder (Dillon, Favaro, Plehn, Sorrenson, Kraemer,
arXiv:2206.14225) reads the error as the energy of a normalised density and
claims to flag anomalies in both directions, and top jets against QCD better
than every autoencoder.

Every detector (PCA, a dense and a convolutional autoencoder, a VAE, the
transport scorer and the normalized autoencoder) is trained twice per seed:
on QCD jets (scored on QCD test jets against top, W and gluino jets) and on
top jets (scored on top test jets against QCD jets).  For each training the
AUC, E10 and E100 are measured, and
:func:`~sktopo.diagnostics.complexity_check` measures on the training
class's own test jets how much the score follows the jets' complexity.
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from sktopo.detectors import (
    AutoencoderDetector,
    ConvAutoencoderDetector,
    NormalizedAutoencoderDetector,
    PCADetector,
    TransportDetector,
    VAEDetector,
)
from sktopo.diagnostics import complexity_check
from sktopo.experiments._common import check_lines, figure, save
from sktopo.experiments._jet_data import jet_sample
from sktopo.experiments._registry import (
    atomic_write_text,
    interrupt_requested,
    log_step,
    register,
    write_summary,
)
from sktopo.experiments._vae_study import FIGURES_OF_MERIT, figures_of_merit

__all__ = [
    "AUTOENCODERS",
    "DIRECTIONS",
    "complexity_bias_checks",
    "complexity_bias_settings",
    "complexity_lines",
    "format_complexity_bias_summary",
    "load_complexity_samples",
    "plot_both_directions",
    "plot_complexity_bias",
    "plot_score_histograms",
    "run_complexity_bias",
    "table_lines",
    "train_both_directions",
]

#: Training class -> the test samples scored as anomalies against its own test jets.
DIRECTIONS = {"QCD": ("top", "W", "gluino"), "top": ("QCD",)}
#: The reconstruction-based detectors the NAE is claimed to beat (PCA is a linear autoencoder).
AUTOENCODERS = ("PCA", "dense AE", "CNN AE", "VAE")
#: Detectors whose scores of the top-trained direction are drawn as histograms.
HISTOGRAM_DETECTORS = ("dense AE", "NAE")
#: Detectors the checks need.
_REQUIRED = ("PCA", "dense AE", "NAE")
#: Test samples: name -> (process of make_jets, role).
_PLAN = {"train QCD": ("qcd", "train"), "train top": ("top", "train"), "QCD": ("qcd", "test"),
         "top": ("top", "test"), "W": ("w", "test"), "gluino": ("gluino", "test")}
_SIZES = {False: {"train QCD": 2_000, "train top": 2_000, "QCD": 1_000, "top": 1_000,
                  "W": 500, "gluino": 200},
          True: dict.fromkeys(_PLAN, 100_000)}
_MEASURES = ("multiplicity", "lit_pixels", "entropy")
_COLORS = {"QCD": "tab:blue", "top": "tab:red"}


def complexity_bias_settings(full: bool = False, scale: float = 1.0) -> dict:
    """Sample sizes, seeds and the detectors (unfitted templates, cloned for each training).

    CPU-sized default: 2,000 QCD and 2,000 top training jets; 1,000 QCD,
    1,000 top, 500 W and 200 gluino test jets; two seeds.  ``scale``
    multiplies the sizes (at least 50 jets each).  ``full``: 100,000 jets per
    sample, same detectors and seeds (not run: the NAE, the CNN and the
    transport scorer would take days on a CPU).

    The detectors: PCA (16 components); a well-trained dense autoencoder
    (1369-256-64-16, Adam, 100 epochs; the bias is stronger the better it
    reconstructs); a small CNN autoencoder (8 channels, 15 epochs, ~15 s on
    2,000 jets); the dense VAE of ``vae-hyperparameters`` (hidden 32, softmax
    output, latent 6, ``beta`` 1e-3, squared error, 30 epochs, scored by its
    default score, the ELBO); the transport scorer with 50 random
    representatives (the default 100 would double its ~45 s per training);
    and :class:`~sktopo.detectors.NormalizedAutoencoderDetector` with its
    defaults.  ``random_state``, ``n_threads`` and ``verbose`` are set per
    training.
    """
    sizes = {k: max(50, int(round(v * scale))) for k, v in _SIZES[bool(full)].items()}
    detectors = {
        "PCA": PCADetector(n_components=16),
        "dense AE": AutoencoderDetector(
            latent_dim=16, hidden_layer_sizes=(256, 64), activation="relu", init="keras",
            optimizer="adam", learning_rate=1e-3, batch_size=128, max_epochs=100),
        "CNN AE": ConvAutoencoderDetector(latent_dim=16, channels=(8, 8, 8), max_epochs=15),
        "VAE": VAEDetector(
            latent_dim=6, beta=1e-3, reconstruction="mse", hidden_layer_sizes=(32,),
            activation="relu", output_activation="softmax", init="keras", optimizer="adam",
            learning_rate=1e-3, batch_size=128, max_epochs=30),
        "transport": TransportDetector(n_representatives=50),
        "NAE": NormalizedAutoencoderDetector(),
    }
    return dict(sizes=sizes, n_seeds=2, detectors=detectors)


def load_complexity_samples(sizes, *, random_state=0, n_jobs=2, verbose=0) -> dict:
    """The jets of :func:`complexity_bias_settings`'s ``sizes``, with images.

    Returns
    -------
    samples : dict
        ``'train QCD'``, ``'train top'`` (role ``'train'``) and ``'QCD'``,
        ``'top'``, ``'W'``, ``'gluino'`` (role ``'test'``): Bunches of
        :func:`~sktopo.experiments._jet_data.jet_sample` (``images``,
        ``constituents``...).
    """
    return {name: jet_sample(process, sizes[name], role=role, random_state=random_state,
                             n_jobs=n_jobs, verbose=bool(verbose))
            for name, (process, role) in _PLAN.items()}


def _configure(template, seed, n_threads, verbose):
    """A fresh clone of ``template`` with the training's seed, threads and verbosity."""
    det = clone(template)
    params = det.get_params(deep=False)
    det.set_params(random_state=seed)
    if "n_threads" in params and n_threads is not None:
        det.set_params(n_threads=n_threads)
    if "verbose" in params:
        det.set_params(verbose=max(int(verbose) - 1, 0))
    return det


def _complexity(scores, sample):
    """complexity_check on background scores, without issuing its warning."""
    res = complexity_check(scores, sample.images,
                           constituents=getattr(sample, "constituents", None), warn=False)
    return {"correlations": {k: float(v) for k, v in res.correlations.items()},
            "would_warn": bool(res.warnings), "max_abs": float(res.max_abs_correlation)}


def _mean(values):
    finite = [v for v in values if np.isfinite(v)]
    return float(np.mean(finite)) if finite else float("nan")


def train_both_directions(samples, settings, *, random_state=0, n_threads=None, verbose=0):
    """Train every detector on QCD and on top jets for every seed, and measure it.

    Parameters
    ----------
    samples : dict
        As :func:`load_complexity_samples` returns: Bunches with ``images``
        (and optionally ``constituents``, for the multiplicity).
    settings : dict
        As :func:`complexity_bias_settings` returns.
    random_state : int
        The detectors' seeds are ``random_state + s``, ``s < n_seeds``.
    n_threads : int, default=None
        Torch threads of every network (None: each detector's own choice).

    Returns
    -------
    out : dict
        ``'results'``: ``results[detector][trained_on][anomaly][fom]`` =
        ``{'mean', 'seeds'}`` (AUC, E10, E100; ``trained_on`` is ``'QCD'`` or
        ``'top'``); ``'complexity'``: ``complexity[detector][trained_on]`` =
        ``{'seeds': [...], 'correlations': means, 'n_warn'}`` from
        :func:`~sktopo.diagnostics.complexity_check` on the training class's
        test jets; ``'histograms'``: anomaly scores of the top and QCD test
        jets of the top-trained dense AE and NAE (first seed);
        ``'seconds'``: fit and score time per detector; ``'n_iter'``: epochs
        run per detector, training and seed.
    """
    detectors = settings["detectors"]
    seeds = [int(random_state) + s for s in range(int(settings["n_seeds"]))]
    n_steps, step = len(detectors) * len(DIRECTIONS) * len(seeds), 0
    results, complexity, histograms, seconds, n_iter = {}, {}, {}, {}, {}
    for name, template in detectors.items():
        results[name], complexity[name], seconds[name], n_iter[name] = {}, {}, 0.0, {}
        for trained_on, anomalies in DIRECTIONS.items():
            per_seed, checks, iters = [], [], []
            X_train = samples[f"train {trained_on}"].images
            for seed in seeds:
                step += 1
                log_step(step, n_steps, "%s trained on %s %s jets, seed %d", name,
                         f"{X_train.shape[0]:,}", trained_on, seed, verbose=verbose)
                start = time.perf_counter()
                det = _configure(template, seed, n_threads, verbose)
                with warnings.catch_warnings():
                    # short trainings by design; the loss curves are not the question here
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    det.fit(X_train)
                scores = {p: det.anomaly_score(samples[p].images)
                          for p in (trained_on, *anomalies)}
                seconds[name] += time.perf_counter() - start
                iters.append(int(getattr(det, "n_iter_", 0) or 0))
                per_seed.append({a: figures_of_merit(scores[trained_on], scores[a])
                                 for a in anomalies})
                checks.append(_complexity(scores[trained_on], samples[trained_on]))
                if trained_on == "top" and name in HISTOGRAM_DETECTORS and seed == seeds[0]:
                    histograms[name] = {"top": scores["top"], "QCD": scores["QCD"]}
            results[name][trained_on] = {
                a: {f: {"mean": _mean([p[a][f] for p in per_seed]),
                        "seeds": [float(p[a][f]) for p in per_seed]}
                    for f in FIGURES_OF_MERIT} for a in anomalies}
            complexity[name][trained_on] = {
                "seeds": checks, "n_warn": int(sum(c["would_warn"] for c in checks)),
                "correlations": {m: _mean([c["correlations"].get(m, np.nan) for c in checks])
                                 for m in _MEASURES if m in checks[0]["correlations"]}}
            n_iter[name][trained_on] = iters
    return {"results": results, "complexity": complexity, "histograms": histograms,
            "seconds": seconds, "n_iter": n_iter, "seeds": seeds}


def _auc(results, name, trained_on, anomaly):
    return results[name][trained_on][anomaly]["AUC"]


def _fmt_seeds(values, digits=2):
    return "/".join(f"{v:.{digits}f}" for v in values)


def complexity_bias_checks(results):
    """The papers' statements, each measured: a list of ``{statement, holds, evidence}``.

    Parameters
    ----------
    results : dict
        ``results[detector][trained_on][anomaly]['AUC']`` = ``{'mean', 'seeds'}``
        (as :func:`train_both_directions` returns); needs ``'PCA'``,
        ``'dense AE'`` and ``'NAE'``.
    """
    inv = {d: (_auc(results, d, "top", "QCD"), _auc(results, d, "QCD", "top"))
           for d in ("dense AE", "PCA")}
    inversion = all(max(top["seeds"]) < 0.5 and min(qcd["seeds"]) > 0.5
                    for top, qcd in inv.values())
    nae_top, nae_qcd = _auc(results, "NAE", "top", "QCD"), _auc(results, "NAE", "QCD", "top")
    ae_top = inv["dense AE"][0]
    gain = nae_top["mean"] - ae_top["mean"]
    aes = {d: _auc(results, d, "QCD", "top")["mean"] for d in AUTOENCODERS if d in results}
    best_ae = max(aes, key=aes.get)
    e10 = {d: results[d]["QCD"]["top"]["E10"]["mean"] for d in (*aes, "NAE")}
    return [
        {"statement": "Finke et al.'s inversion: the dense AE and PCA trained on top give QCD "
         "AUC < 0.5, trained on QCD a top AUC > 0.5 (every seed)",
         "holds": bool(inversion),
         "evidence": "; ".join(f"{d}: trained on top QCD AUC {_fmt_seeds(top['seeds'])}, "
                               f"trained on QCD top AUC {_fmt_seeds(qcd['seeds'])}"
                               for d, (top, qcd) in inv.items())},
        {"statement": "NAE trained on top: QCD AUC > 0.5 and >= 0.15 above the dense AE's "
         "(means over seeds)",
         "holds": bool(nae_top["mean"] > 0.5 and gain >= 0.15),
         "evidence": f"NAE {nae_top['mean']:.3f} ({_fmt_seeds(nae_top['seeds'])}), dense AE "
                     f"{ae_top['mean']:.3f} ({_fmt_seeds(ae_top['seeds'])}): {gain:+.3f}"},
        {"statement": "NAE trained on QCD: top AUC >= 0.75 (mean over seeds)",
         "holds": bool(nae_qcd["mean"] >= 0.75),
         "evidence": f"{nae_qcd['mean']:.3f} ({_fmt_seeds(nae_qcd['seeds'])})"},
        {"statement": "NAE symmetric: AUC > 0.5 in both directions on every seed",
         "holds": bool(min(nae_top["seeds"] + nae_qcd["seeds"]) > 0.5),
         "evidence": f"trained on QCD (top) {_fmt_seeds(nae_qcd['seeds'])}; trained on top "
                     f"(QCD) {_fmt_seeds(nae_top['seeds'])}"},
        {"statement": "NAE better than every autoencoder (" + ", ".join(aes) + ") for top vs "
         "QCD, trained on QCD (mean AUC; the claim of arXiv:2206.14225)",
         "holds": bool(nae_qcd["mean"] > aes[best_ae]),
         "evidence": f"NAE {nae_qcd['mean']:.3f}, best autoencoder {best_ae} "
                     f"{aes[best_ae]:.3f}; E10: " + ", ".join(f"{d} {v:.2f}"
                                                             for d, v in e10.items())},
    ]


def plot_both_directions(results, ax):
    """AUC of each detector trained on QCD (top as anomaly) and on top (QCD as anomaly).

    Every seed is a point; the short bar is the mean over seeds.  Below the
    dashed line at 0.5 a detector calls the anomaly *more* normal than its
    own training class.
    """
    names = list(results)
    x = np.arange(len(names))
    styles = {"QCD": ("o", _COLORS["top"], -0.17, "trained on QCD: top AUC"),
              "top": ("s", _COLORS["QCD"], 0.17, "trained on top: QCD AUC")}
    ax.axhspan(-0.02, 0.5, color="0.88", zorder=0)
    ax.axhline(0.5, color="0.3", ls="--", lw=1.0, zorder=1)
    ax.text(len(names) - 0.55, 0.03, r"calls the anomaly $\it{more}$ normal",
            ha="right", va="bottom", fontsize=10, color="0.25")
    for trained_on, (marker, color, dx, label) in styles.items():
        anomaly = DIRECTIONS[trained_on][0]
        for i, name in enumerate(names):
            auc = _auc(results, name, trained_on, anomaly)
            n = len(auc["seeds"])
            jitter = np.linspace(-0.05, 0.05, n) if n > 1 else np.zeros(1)
            ax.plot(i + dx + jitter, auc["seeds"], marker, color=color, ms=7, mec="black",
                    mew=0.6, ls="none", label=label if i == 0 else None, zorder=3)
            ax.plot([i + dx - 0.1, i + dx + 0.1], [auc["mean"]] * 2, color=color, lw=2.0,
                    zorder=2)
    ax.set_xticks(x, names)
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.set_ylim(-0.02, 1.12)
    ax.set_yticks(np.linspace(0.0, 1.0, 6))
    ax.set_ylabel("ROC AUC (the other class as anomaly)")
    ax.set_title("Both directions: each seed a point, bar = mean", fontsize="medium")
    ax.legend(loc="upper center", ncol=2, fontsize="small", framealpha=0.9)
    ax.grid(axis="y", alpha=0.3)
    return ax


def plot_score_histograms(histograms, results, axes):
    """Anomaly scores of top and QCD test jets, detectors trained on top (fraction per bin).

    A log axis (and log-spaced bins) where the scores span more than a factor 30.
    """
    for ax, (name, scores) in zip(axes, histograms.items()):
        values = np.concatenate([scores["top"], scores["QCD"]])
        lo, hi = np.quantile(values, [0.001, 0.999])
        log = bool(lo > 0 and hi > 30 * lo)
        if not hi > lo:  # (nearly) constant scores: one visible bin
            lo, hi = lo - 0.5 * max(abs(lo), 1.0), hi + 0.5 * max(abs(hi), 1.0)
        n_bins = int(np.clip(min(s.size for s in scores.values()) // 20, 15, 50))
        bins = np.geomspace(lo, hi, n_bins + 1) if log else np.linspace(lo, hi, n_bins + 1)
        for process in ("top", "QCD"):
            what = "training class" if process == "top" else "anomaly"
            s = np.clip(scores[process], lo, hi)
            ax.hist(s, bins=bins, weights=np.full(s.size, 1.0 / s.size), histtype="step",
                    lw=1.6, color=_COLORS[process], label=f"{process} test jets ({what})")
            ax.axvline(np.median(scores[process]), color=_COLORS[process], ls=":", lw=1.2)
        if log:
            ax.set_xscale("log")
        auc = _auc(results, name, "top", "QCD")["seeds"][0]
        ax.set_title(f"{name} trained on top: QCD AUC {auc:.2f} (first seed)",
                     fontsize="medium")
        ax.set_xlabel("anomaly score (dotted: medians)")
        ax.set_ylabel("fraction of jets per bin")
        ax.legend(fontsize="small", loc="upper right")
    return axes


def plot_complexity_bias(results, histograms, fig):
    """The figure: both directions (left), score histograms of the top-trained AE and NAE."""
    rows = [["auc", name] for name in histograms] or [["auc"]]
    axes = fig.subplot_mosaic(rows, width_ratios=[1.5, 1.0] if histograms else None)
    plot_both_directions(results, axes["auc"])
    plot_score_histograms(histograms, results, [axes[name] for name in histograms])
    fig.suptitle("Complexity bias (arXiv:2104.09051): trained on top jets, a reconstruction "
                 "error calls QCD jets more normal.\nDoes the normalized autoencoder "
                 "(arXiv:2206.14225) flag anomalies both ways?")
    return axes


def _cell(entry, digits):
    return f"{entry['mean']:.{digits}f} [{' '.join(f'{v:.{digits}f}' for v in entry['seeds'])}]"


def table_lines(results, seeds):
    """The table: AUC / E10 / E100 per detector, direction and anomaly; mean [each seed]."""
    head = (f"  {'detector':<10}{'trained on':<12}{'anomaly':<9}{'AUC':<22}{'E10':<22}"
            f"{'E100':<22}")
    lines = [f"AUC / E10 / E100 of the anomaly against the training class's test jets: mean "
             f"over seeds [seed {', '.join(str(s) for s in seeds)}]", head.rstrip()]
    for name, by_direction in results.items():
        for trained_on, by_anomaly in by_direction.items():
            for anomaly, row in by_anomaly.items():
                lines.append((f"  {name:<10}{trained_on:<12}{anomaly:<9}"
                              + "".join(f"{_cell(row[f], 3 if f == 'AUC' else 2):<22}"
                                        for f in FIGURES_OF_MERIT)).rstrip())
    return lines


def complexity_lines(complexity, n_seeds):
    """complexity_check's Spearman correlations per detector and direction (means over seeds)."""
    lines = ["complexity_check on the training class's own test jets: Spearman rho of the "
             "anomaly score with each measure (mean over seeds; it warns at |rho| >= 0.3; "
             "nan: undefined, -: not measured)",
             f"  {'detector':<10}{'trained on':<12}{'multiplicity':>13}{'lit pixels':>12}"
             f"{'entropy':>10}   would warn"]
    for name, by_direction in complexity.items():
        for trained_on, c in by_direction.items():
            rho = c["correlations"]
            lines.append(f"  {name:<10}{trained_on:<12}"
                         + "".join(f"{rho[m]:>{w}.2f}" if m in rho else f"{'-':>{w}}"
                                   for m, w in zip(_MEASURES, (13, 12, 10)))
                         + f"   {c['n_warn']} of {n_seeds} seeds")
    return lines


def format_complexity_bias_summary(summary):
    """Plain-text summary of :func:`run_complexity_bias`'s result."""
    s = summary["settings"]
    sizes = s["sizes"]
    seeds = summary["seeds"]
    lines = [
        "Complexity bias of reconstruction errors in both directions "
        "(arXiv:2104.09051; the NAE of arXiv:2206.14225)",
        "jets: Pythia 8, anti-kT R = 1.0, pT 800-900 GeV, 37 x 37 unit-sum images; training "
        f"{sizes['train QCD']:,} QCD and {sizes['train top']:,} top jets; test "
        f"{sizes['QCD']:,} QCD, {sizes['top']:,} top, {sizes['W']:,} W, "
        f"{sizes['gluino']:,} gluino jets; detector seeds {', '.join(map(str, seeds))}",
        "detectors (random_state, n_threads, verbose set per training):",
        *(f"  {name}: {desc}" for name, desc in s["detectors"].items()),
    ]
    if not summary["full"]:
        lines.append("(CPU-sized; --full: 100,000 jets per sample, not run)")
    epochs = [f"{n} {'/'.join(map(str, it['QCD']))} | {'/'.join(map(str, it['top']))}"
              for n, it in summary["n_iter"].items() if any(it["QCD"] + it["top"])]
    lines += ["", *table_lines(summary["results"], seeds), "",
              *complexity_lines(summary["complexity"], len(seeds)), "",
              *(["epochs run (trained on QCD | on top, per seed): " + ", ".join(epochs)]
                if epochs else []),
              "fit + score time per detector (both directions, every seed): "
              + ", ".join(f"{n} {t:.0f} s" for n, t in summary["seconds"]["detectors"].items())
              + f"; jets {summary['seconds']['jets']:.0f} s; total "
              f"{summary['seconds']['total']:.0f} s",
              "", *check_lines(summary["checks"], "The papers' statements, as measured here:")]
    return "\n".join(lines) + "\n"


def _plain(value):
    """``value`` as JSON can hold it: tuples as lists, numpy as Python, NaN as a string."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return str(value)
    return value


def _describe(template):
    """One line: the estimator's repr (parameters that differ from its defaults)."""
    return " ".join(repr(template).split())


@register(
    "complexity-bias",
    paper="arXiv:2104.09051, arXiv:2206.14225",
    description="PCA, dense and CNN autoencoders, a VAE, the transport scorer and the "
    "normalized autoencoder trained on QCD and on top jets: trained on top, reconstruction "
    "errors call QCD more normal (AUC < 0.5); does the NAE flag both ways?",
    runtime="~25 min with cached jets (one core; the NAE's Langevin sampling ~3/4 of it); "
    "a few minutes more to generate the jets the first time",
    full_runtime="days on a CPU (100k jets per sample; not run)",
)
def run_complexity_bias(out_dir, *, full=False, scale=1.0, verbose=1, random_state=0,
                        settings=None, samples=None, n_jobs=2, n_threads=None):
    """Train every detector in both directions on two seeds; the figure, the table, the checks.

    Writes ``complexity_bias.png``, ``summary.json`` and ``summary.txt`` to
    ``out_dir`` (the summaries last, and not at all when interrupted).
    ``summary.json`` is the record ``sktopo reproduce`` writes (reproduction,
    paper, full, seed and the returned summary), which the command then
    rewrites with its run time and package versions added.

    Parameters
    ----------
    full : bool, default=False
        100,000 jets per sample (not run).
    scale : float, default=1.0
        Multiplies the sample sizes (:func:`complexity_bias_settings`).
    random_state : int, default=0
        Seed of the jets and of the first detector seed (the second is
        ``random_state + 1``; both use the same jets).
    settings : dict, default=None
        Overrides :func:`complexity_bias_settings` (e.g. tiny detectors for
        tests); its ``detectors`` must include ``'PCA'``, ``'dense AE'`` and
        ``'NAE'``.
    samples : dict, default=None
        Jets to use instead of drawing them: ``'train QCD'``, ``'train
        top'``, ``'QCD'``, ``'top'``, ``'W'``, ``'gluino'`` Bunches with
        ``images`` (and ``constituents``, for the multiplicity).
    n_jobs : int, default=2
        Processes generating jets (generation is cached on disk).
    n_threads : int, default=None
        Torch threads of every network (None: each detector's own choice).

    Returns
    -------
    summary : dict
        ``results`` (AUC, E10, E100 per detector, direction, anomaly: mean
        and per seed), ``complexity`` (complexity_check correlations),
        ``checks``, settings (sizes, detectors as text), seeds, epochs run
        and timings.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = complexity_bias_settings(full, scale) if settings is None else settings
    missing = [d for d in _REQUIRED if d not in settings["detectors"]]
    if missing:
        raise ValueError(f"settings['detectors'] lacks {missing}: the checks need them.")
    n_steps = len(settings["detectors"]) * len(DIRECTIONS) * int(settings["n_seeds"])
    start = time.perf_counter()
    if samples is None:
        log_step(0, n_steps, "jets: reading (or generating) %s",
                 ", ".join(f"{v:,} {k}" for k, v in settings["sizes"].items()),
                 verbose=verbose)
        samples = load_complexity_samples(settings["sizes"], random_state=random_state,
                                          n_jobs=n_jobs, verbose=verbose)
    jets_seconds = time.perf_counter() - start
    run = train_both_directions(samples, settings, random_state=random_state,
                                n_threads=n_threads, verbose=verbose)
    fig = figure(13.0, 7.0)
    plot_complexity_bias(run["results"], run["histograms"], fig)
    save(fig, out_dir / "complexity_bias.png")
    summary = {
        "results": run["results"], "complexity": run["complexity"],
        "checks": complexity_bias_checks(run["results"]),
        "settings": {"sizes": {k: int(samples[k].images.shape[0]) for k in _PLAN},
                     "n_seeds": int(settings["n_seeds"]),
                     "detectors": {n: _describe(t) for n, t in settings["detectors"].items()}},
        "seeds": run["seeds"], "n_iter": run["n_iter"], "full": bool(full),
        "scale": float(scale),
        "seconds": {"jets": jets_seconds, "detectors": run["seconds"],
                    "total": time.perf_counter() - start},
    }
    if interrupt_requested():
        raise KeyboardInterrupt
    record = {"reproduction": "complexity-bias", "paper": "arXiv:2104.09051, arXiv:2206.14225",
              "full": bool(full), "seed": int(random_state), "summary": summary}
    atomic_write_text(out_dir / "summary.json", json.dumps(_plain(record), indent=1) + "\n")
    write_summary(out_dir, format_complexity_bias_summary(summary), verbose)
    return summary
