"""Hyperparameter dependence of a VAE on jet images (arXiv:2110.06948, Sec. 3).

``vae-hyperparameters``: dense VAEs are trained on QCD jet images over a grid
of latent size x KL weight ``beta`` x reconstruction metric (squared error or
the cross-entropy of a softmax output), and score QCD, top and W test jets.
For every cell the AUC and E10 / E100 (signal efficiency at 10 % / 1 % QCD
efficiency) are measured for both signals.  The paper's claims: the
performance depends strongly on these choices, the best setting for one
signal is not the best for the other, and small changes of ``beta`` move the
result.

All betas (and seeds) of one latent size and metric train as one stacked
network (``VAEDetector._train_members`` with one ``beta`` per member):
members share initialisation and batch order when they share a seed, so
differences along ``beta`` are not seed noise.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from sktopo.detectors._vae import VAEDetector
from sktopo.experiments._common import check_lines, save, subplots
from sktopo.experiments._jet_data import jet_sample, jet_sizes
from sktopo.experiments._registry import (
    atomic_write_text,
    log_step,
    register,
    write_summary,
)
from sktopo.metrics import efficiency_at_rejection
from sktopo.nn._vae import SCORES, vae_scores

__all__ = [
    "SIGNALS",
    "FIGURES_OF_MERIT",
    "best_cells",
    "figures_of_merit",
    "image_entropy",
    "plot_beta_sensitivity",
    "plot_heatmaps",
    "run_vae_hyperparameters",
    "train_grid",
    "vae_study_settings",
]

SIGNALS = ("top", "W")
#: Figures of merit: AUC, and signal efficiency at QCD efficiency 0.1 (E10) and 0.01 (E100).
FIGURES_OF_MERIT = ("AUC", "E10", "E100")
_EPS_B = {"E10": 0.1, "E100": 0.01}
_PROCESS = {"train": "qcd", "QCD": "qcd", "top": "top", "W": "w"}


def vae_study_settings(full: bool = False, scale: float = 1.0) -> dict:
    """The grid, the network and the samples.

    CPU-sized default: 10,000 QCD training jets, 5,000 QCD, top and W test
    jets (the cached samples of ``jet-autoencoders``), latent sizes 2, 6, 12,
    nine values of ``beta`` from 0 to 1 (half-decade steps from 1e-4 to 0.1),
    both metrics, two seeds per cell, a dense VAE with one hidden layer of 32
    trained 10 epochs.
    ``full``: 100,000 jets per sample, three seeds, 30 epochs.
    """
    sizes = jet_sizes(full, scale)
    return dict(
        sizes={"train": sizes["train"], "QCD": sizes["test"], "top": sizes["top"],
               "W": sizes["w"]},
        latent_dims=(2, 6, 12),
        betas=(0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 1.0),
        reconstructions=("mse", "cross_entropy"),
        n_seeds=3 if full else 2,
        score_type="reconstruction",
        network=dict(hidden_layer_sizes=(32,), activation="relu", output_activation="softmax",
                     init="keras", optimizer="adam", learning_rate=1e-3, batch_size=128,
                     max_epochs=30 if full else 10),
    )


def figures_of_merit(qcd_score, signal_score):
    """``{'AUC', 'E10', 'E100'}`` of an anomaly score (larger = more anomalous)."""
    y = np.r_[np.zeros(qcd_score.shape[0]), np.ones(signal_score.shape[0])]
    s = np.r_[qcd_score, signal_score]
    out = {"AUC": float(roc_auc_score(y, s))}
    for name, eps_b in _EPS_B.items():
        out[name] = efficiency_at_rejection(y, s, background_efficiency=eps_b)
    return out


def train_grid(samples, settings, *, random_state=0, verbose=0):
    """Train every cell and measure it.

    Returns
    -------
    results : dict
        ``results[score][reconstruction][latent_dim][beta][signal][fom]`` =
        ``(mean, std)`` over seeds; ``'loss'`` holds the final training loss
        in the same layout (``[...][beta]`` = (mean, std)).
    """
    betas, n_seeds = tuple(settings["betas"]), int(settings["n_seeds"])
    seeds = [random_state + s for s in range(n_seeds)]
    members = list(itertools.product(seeds, betas))  # seed-major
    cells = list(itertools.product(settings["reconstructions"], settings["latent_dims"]))
    results = {score: {} for score in SCORES}
    results["loss"] = {}
    X = samples["train"].images
    for step, (rec, latent) in enumerate(cells, start=1):
        log_step(step, len(cells), "training %d VAEs: reconstruction=%s, latent_dim=%d",
                 len(members), rec, latent, verbose=verbose)
        vae = VAEDetector(latent_dim=latent, reconstruction=rec, n_threads=1,
                          verbose=max(verbose - 1, 0), **settings["network"])
        beta_of_member = [b for _, b in members]
        net = vae._train_members(X, [s for s, _ in members], beta=beta_of_member)
        loss = np.asarray(net.history[-1, "train_loss_members"]).reshape(n_seeds, len(betas))
        results["loss"].setdefault(rec, {})[latent] = {
            b: (float(loss[:, j].mean()), float(loss[:, j].std())) for j, b in enumerate(betas)}
        scores = {name: vae_scores(net.module_, samples[name].images, beta=beta_of_member,
                                   member=None).reshape(n_seeds, len(betas), -1, len(SCORES))
                  for name in ("QCD", *SIGNALS)}
        for k, score in enumerate(SCORES):
            cell = results[score].setdefault(rec, {}).setdefault(latent, {})
            for j, beta in enumerate(betas):
                cell[beta] = {}
                for signal in SIGNALS:
                    per_seed = [figures_of_merit(scores["QCD"][s, j, :, k],
                                                 scores[signal][s, j, :, k])
                                for s in range(n_seeds)]
                    cell[beta][signal] = {
                        fom: (float(np.mean([p[fom] for p in per_seed])),
                              float(np.std([p[fom] for p in per_seed])))
                        for fom in FIGURES_OF_MERIT}
    return results


def _table(results, score, signal, fom, rec, latent_dims, betas):
    """``(len(latent_dims), len(betas))`` array of means."""
    return np.array([[results[score][rec][L][b][signal][fom][0] for b in betas]
                     for L in latent_dims])


def best_cells(results, settings, score=None):
    """Best ``(reconstruction, latent_dim, beta, value)`` per signal and figure of merit."""
    score = settings["score_type"] if score is None else score
    out = {}
    for signal, fom in itertools.product(SIGNALS, FIGURES_OF_MERIT):
        best = max(((rec, L, b, results[score][rec][L][b][signal][fom][0])
                    for rec in settings["reconstructions"] for L in settings["latent_dims"]
                    for b in settings["betas"]), key=lambda c: c[3])
        out[signal, fom] = best
    return out


def _beta_label(b):
    return "0" if b == 0 else f"{b:g}"


def plot_heatmaps(results, settings, fom, axes, score=None):
    """One heat map per signal (rows) and metric (columns): ``fom`` over latent x beta.

    Each signal's best cell over the whole grid is marked in the cell's corner
    (top: star, W: square), red in its own row of panels, white in the other's.
    """
    score = settings["score_type"] if score is None else score
    lat, betas, recs = settings["latent_dims"], settings["betas"], settings["reconstructions"]
    best = best_cells(results, settings, score)
    markers = {"top": "*", "W": "s"}
    images = []
    for i, signal in enumerate(SIGNALS):
        tables = [_table(results, score, signal, fom, rec, lat, betas) for rec in recs]
        vmin, vmax = min(t.min() for t in tables), max(t.max() for t in tables)
        for j, (rec, table) in enumerate(zip(recs, tables)):
            ax = axes[i, j]
            images.append(ax.imshow(table, origin="lower", aspect="auto", cmap="viridis",
                                    vmin=vmin, vmax=vmax))
            for (a, b), v in np.ndenumerate(table):
                ax.text(b, a, f"{v:.2f}", ha="center", va="center", fontsize=6.5,
                        color="white" if v < 0.5 * (vmin + vmax) else "black")
            for other in SIGNALS:
                brec, bL, bb, _ = best[other, fom]
                if brec == rec:
                    ax.plot(betas.index(bb) + 0.3, lat.index(bL) + 0.3, markers[other], ms=9,
                            mfc="red" if other == signal else "white", mec="black", mew=0.8)
            ax.set_xticks(range(len(betas)), [_beta_label(b) for b in betas], rotation=45,
                          fontsize=7)
            ax.set_yticks(range(len(lat)), [str(v) for v in lat])
            ax.set(xlabel=r"KL weight $\beta$", ylabel="latent dim",
                   title=f"{signal}: {fom}, {rec.replace('_', '-')}")
        axes[i, -1].figure.colorbar(images[-1], ax=list(axes[i]), shrink=0.8, label=fom)
    return images


def plot_beta_sensitivity(results, settings, fom, axes, score=None):
    """``fom`` against ``beta`` (0 drawn at the left end), one panel per metric."""
    score = settings["score_type"] if score is None else score
    betas = settings["betas"]
    x = np.arange(len(betas))
    styles = {"top": "-", "W": "--"}
    for ax, rec in zip(axes, settings["reconstructions"]):
        for k, L in enumerate(settings["latent_dims"]):
            for signal in SIGNALS:
                vals = np.array([results[score][rec][L][b][signal][fom] for b in betas])
                ax.errorbar(x, vals[:, 0], yerr=vals[:, 1], ls=styles[signal], marker="o",
                            ms=3, color=f"C{k}", label=f"{signal}, latent {L}")
        ax.set_xticks(x, [_beta_label(b) for b in betas], rotation=45, fontsize=8)
        ax.set(xlabel=r"KL weight $\beta$", ylabel=fom, title=rec.replace("_", "-"))
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize="x-small", ncol=2)


#: Neighbouring betas at most this factor apart count as a "small change".
SMALL_BETA_STEP = 3.5


def _sensitivity(results, settings, score):
    """Largest change of the AUC between neighbouring positive betas a factor <= 3.5 apart."""
    betas = settings["betas"]
    pairs = [(b0, b1) for b0, b1 in zip(betas[:-1], betas[1:])
             if b0 > 0 and b1 / b0 <= SMALL_BETA_STEP]
    worst = {}
    for signal in SIGNALS:
        steps = [(0.0, "-", 0, 0.0, 0.0)]
        for rec in settings["reconstructions"]:
            for L in settings["latent_dims"]:
                cell = results[score][rec][L]
                steps += [(abs(cell[b1][signal]["AUC"][0] - cell[b0][signal]["AUC"][0]),
                           rec, L, b0, b1) for b0, b1 in pairs]
        worst[signal] = max(steps)
    return worst


def image_entropy(images):
    """Shannon entropy ``-sum_j x_j log x_j`` of unit-sum images (0 log 0 = 0).

    The cross-entropy reconstruction score is this plus ``KL(x || x_hat)``:
    its floor, which alone already separates spread-out jets.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.experiments._vae_study import image_entropy
    >>> image_entropy(np.array([[0.5, 0.5, 0.0], [0.5, 0.25, 0.25]])).round(4)
    array([0.6931, 1.0397])
    """
    logs = np.log(np.where(images > 0, images, 1.0))
    return -np.einsum("ij,ij->i", images, logs)


def _summary_text(summary):
    s, res = summary["settings"], summary["results"]
    score = s["score_type"]
    lat, betas, recs = s["latent_dims"], s["betas"], s["reconstructions"]
    lines = [
        "VAE hyperparameter dependence on jet images (arXiv:2110.06948, Sec. 3)",
        f"training: {s['sizes']['train']:,} QCD jets; test: {s['sizes']['QCD']:,} QCD, "
        f"{s['sizes']['top']:,} top, {s['sizes']['W']:,} W; dense VAE hidden "
        f"{tuple(s['network']['hidden_layer_sizes'])}, softmax output, "
        f"{s['network']['max_epochs']} epochs, {s['n_seeds']} seed(s) per cell",
        f"anomaly score of the heat maps: {score}; grid latent {tuple(lat)} x beta "
        f"{tuple(betas)} x {tuple(recs)}",
        "",
    ]
    for rec in recs:
        for signal in SIGNALS:
            lines.append(f"AUC, {signal}, {rec} (rows latent_dim, columns beta)")
            lines.append("  latent " + "".join(f"{_beta_label(b):>8}" for b in betas))
            for L in lat:
                lines.append(f"  {L:>6} " + "".join(
                    f"{res[score][rec][L][b][signal]['AUC'][0]:>8.3f}" for b in betas))
        lines.append("")
    lines.append("best cell per signal (reconstruction, latent_dim, beta: value), every score")
    differ = {}
    for sc in SCORES:
        best = best_cells(res, s, sc)
        for fom in FIGURES_OF_MERIT:
            cells = [best[sig, fom] for sig in SIGNALS]
            differ[sc, fom] = cells[0][:3] != cells[1][:3]
            # what the top-optimal setting gives for W, and vice versa
            cross = [res[sc][c[0]][c[1]][c[2]][other][fom][0]
                     for c, other in zip(cells, reversed(SIGNALS))]
            lines.append(
                f"  {sc:>14} {fom:>4}: top {cells[0][0]}, {cells[0][1]}, "
                f"{_beta_label(cells[0][2])}: {cells[0][3]:.3f} | W {cells[1][0]}, "
                f"{cells[1][1]}, {_beta_label(cells[1][2])}: {cells[1][3]:.3f} | "
                f"W at top's best {cross[0]:.3f}, top at W's best {cross[1]:.3f}"
                + ("  (differ)" if differ[sc, fom] else "  (same)"))
    lines += ["", "references without a network (AUC / E10 / E100):"]
    for name, ref in summary["references"].items():
        lines.append(f"  {name}: " + ", ".join(
            f"{sig} {ref[sig]['AUC']:.3f} / {ref[sig]['E10']:.3f} / {ref[sig]['E100']:.3f}"
            for sig in SIGNALS))
    worst = summary["sensitivity"]
    lines += ["", f"largest AUC change between neighbouring betas a factor <= "
              f"{SMALL_BETA_STEP:g} apart ({score}):"]
    for signal in SIGNALS:
        d, rec, L, b0, b1 = worst[signal]
        lines.append(f"  {signal}: {d:.3f} ({rec}, latent {L}, beta {_beta_label(b0)} -> "
                     f"{_beta_label(b1)})")
    lines += ["", *check_lines(summary["checks"])]
    lines.append(f"\ntraining time: {summary['seconds']['training']:.0f} s")
    return "\n".join(lines) + "\n"


def _checks(results, settings):
    score = settings["score_type"]
    best = best_cells(results, settings, score)
    regrets = {}
    for f in FIGURES_OF_MERIT:
        r = {}
        for signal, other in (("top", "W"), ("W", "top")):
            rec, L, b, _ = best[other, f]
            value, std = results[score][rec][L][b][signal][f]
            b_std = results[score][best[signal, f][0]][best[signal, f][1]][
                best[signal, f][2]][signal][f][1]
            r[signal] = (best[signal, f][3] - value, float(np.hypot(std, b_std)))
        r["holds"] = any(loss > max(0.01, 2 * spread) for loss, spread in r.values())
        regrets[f] = r
    aucs = {sig: [results[score][r][L][b][sig]["AUC"][0] for r in settings["reconstructions"]
                  for L in settings["latent_dims"] for b in settings["betas"]]
            for sig in SIGNALS}
    spread = {sig: max(v) - min(v) for sig, v in aucs.items()}
    worst = _sensitivity(results, settings, score)
    return [
        {"statement": "the hyperparameters strongly affect performance (AUC range > 0.1)",
         "holds": bool(min(spread.values()) > 0.1),
         "evidence": ", ".join(f"{sig} AUC {min(v):.3f}-{max(v):.3f}"
                               for sig, v in aucs.items())},
        {"statement": "the best setting for top is not the best for W (the other signal "
         "loses more than twice the seed spread, and > 0.01, at it)",
         "holds": bool(any(r["holds"] for r in regrets.values())),
         "evidence": "; ".join(
             f"{f}: top best {best['top', f][:3]}, W best {best['W', f][:3]}; at top's best W "
             f"loses {r['W'][0]:.3f} (+-{r['W'][1]:.3f}), at W's best top loses "
             f"{r['top'][0]:.3f} (+-{r['top'][1]:.3f})" for f, r in regrets.items())},
        {"statement": f"small changes of beta (a factor <= {SMALL_BETA_STEP:g}) move the AUC "
         "(> 0.05)",
         "holds": bool(max(w[0] for w in worst.values()) > 0.05),
         "evidence": ", ".join(f"{sig}: up to {w[0]:.3f}" for sig, w in worst.items())},
    ]


def _references(samples):
    """Scores without a network: the image entropy, and the distance to the mean QCD image."""
    mean_image = samples["train"].images.mean(axis=0)
    scores = {
        "image entropy (the floor of the cross-entropy score)": image_entropy,
        "squared distance to the mean QCD image (a collapsed VAE)":
            lambda X: ((X - mean_image) ** 2).sum(axis=1),
    }
    return {name: {sig: figures_of_merit(f(samples["QCD"].images), f(samples[sig].images))
                   for sig in SIGNALS}
            for name, f in scores.items()}


def _save_results(results, path):
    """``results`` as JSON (keys as strings), written atomically."""
    import json

    def plain(obj):
        if isinstance(obj, dict):
            return {str(k): plain(v) for k, v in obj.items()}
        return list(obj) if isinstance(obj, tuple) else obj

    atomic_write_text(path, json.dumps(plain(results), indent=1))


@register(
    "vae-hyperparameters",
    paper="arXiv:2110.06948, Sec. 3",
    description="Dense VAEs on QCD jet images over latent size x beta x reconstruction "
    "metric: AUC, E10, E100 for top and W; the best setting for one signal is not the "
    "best for the other.",
    runtime="~5 min with cached jets",
    full_runtime="hours (100k jets per sample, 3 seeds, 30 epochs)",
)
def run_vae_hyperparameters(out_dir, *, full=False, verbose=1, random_state=0, settings=None,
                            samples=None, n_jobs=2):
    """Train the grid, measure it, draw heat maps and the beta sensitivity.

    Writes ``heatmap_auc.png``, ``heatmap_e10.png``, ``heatmap_e100.png``,
    ``beta_sensitivity.png``, ``results.json`` (every cell, every score) and
    ``summary.txt`` to ``out_dir``.

    Parameters
    ----------
    settings : dict, default=None
        Overrides :func:`vae_study_settings` (e.g. tiny sizes for tests).
    samples : dict, default=None
        ``'train'``, ``'QCD'``, ``'top'``, ``'W'`` Bunches with ``images``,
        instead of the cached jets.
    n_jobs : int, default=2
        Processes generating jets (generation is cached on disk).

    Returns
    -------
    summary : dict
        ``results`` (see :func:`train_grid`), ``best`` cells, ``checks``,
        ``sensitivity``, ``references`` (the image entropy and the distance to
        the mean QCD image as scores), settings and timings.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = vae_study_settings(full) if settings is None else settings
    n_cells = len(settings["latent_dims"]) * len(settings["reconstructions"])
    if samples is None:
        log_step(0, n_cells, "jets: reading (or generating) QCD, top and W images",
                 verbose=verbose)
        samples = {name: jet_sample(_PROCESS[name], settings["sizes"][name], role=role,
                                    random_state=random_state, n_jobs=n_jobs, verbose=verbose)
                   for name, role in (("train", "train"), ("QCD", "test"), ("top", "test"),
                                      ("W", "test"))}
    start = time.perf_counter()
    results = train_grid(samples, settings, random_state=random_state, verbose=verbose)
    seconds = {"training": time.perf_counter() - start}
    score = settings["score_type"]
    summary = {
        "results": results,
        "best": {sc: best_cells(results, settings, sc) for sc in SCORES},
        "checks": _checks(results, settings),
        "sensitivity": _sensitivity(results, settings, score),
        "references": _references(samples),
        "settings": dict(settings),
        "seconds": seconds,
        "full": full,
    }
    n_rec = len(settings["reconstructions"])
    for fom in FIGURES_OF_MERIT:
        fig, axes = subplots(2, n_rec, 5.2, 3.4)
        plot_heatmaps(results, settings, fom, axes)
        fig.suptitle(f"{fom} of the VAE {score} score over latent dim x beta "
                     "(star: best for top, square: best for W; red in its own row)")
        save(fig, out_dir / f"heatmap_{fom.lower()}.png")
    fig, axes = subplots(1, n_rec, 5.4, 4.0)
    plot_beta_sensitivity(results, settings, "AUC", axes[0])
    fig.suptitle(f"AUC of the VAE {score} score against beta (solid: top, dashed: W)")
    save(fig, out_dir / "beta_sensitivity.png")
    _save_results(results, out_dir / "results.json")
    write_summary(out_dir, _summary_text(summary), verbose)
    return summary
