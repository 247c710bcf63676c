"""Optimal transport against variational autoencoders for jets (arXiv:2110.06948, Secs. 4-5).

``vae-latent-transport``: the Pearson and Spearman correlation between the
Euclidean distances of pairs of QCD jets in the latent space (encoder means)
of MSE-trained VAEs and the exact energy mover's distances between the same
jet images (Sec. 4 of the paper: the latent space of an MSE-trained VAE
approximates optimal transport geometry).

``transport-vs-vae``: the event-to-ensemble transport scorer
(:class:`~sktopo.detectors.TransportDetector`: distance to the nearest of
``k`` representative QCD jets) next to the best and a typical VAE of a small
hyperparameter scan, for top and W jets, and how the choice of
representatives (random or k-medoids in EMD, their number) trades describing
the background (mean distance of held-out QCD jets to their nearest
representative) against separating the signal (Sec. 5).

Both reproductions share one computation: a pool of QCD training jets, their
EMD matrix (k-medoids runs on it), and the EMD from every test jet to every
pool jet, so that any set of representatives drawn from the pool is scored by
selecting columns (this is exactly what ``TransportDetector`` computes, for
all settings at once).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import roc_auc_score, roc_curve

from sktopo.experiments._common import check_lines, save, subplots
from sktopo.experiments._jet_autoencoders import WORKING_POINTS
from sktopo.experiments._jet_data import jet_sample
from sktopo.experiments._registry import log_step, register, write_summary
from sktopo.metrics import efficiency_at_rejection
from sktopo.transport import kmedoids, pairwise_emd

__all__ = [
    "VAE_SETTINGS",
    "latent_emd_correlation",
    "representative_scan",
    "run_transport_study",
    "transport_study_settings",
]

#: The VAEs of the small scan (MSE reconstruction; the paper scans latent size and KL weight).
VAE_SETTINGS = [
    {"latent_dim": 2, "beta": 1.0},
    {"latent_dim": 6, "beta": 0.1},
    {"latent_dim": 12, "beta": 0.01},
]


def transport_study_settings(full: bool = False) -> dict:
    """Sample sizes, representatives and VAE training of the CPU-sized run (or ``full``).

    The default: 10,000 QCD training jets for the VAEs, a pool of 300 of them
    for the representatives, 600 test jets each of QCD, top and W (about
    600,000 exact EMDs between 37 x 37 images, ~3 min on one core), VAEs
    trained for 15 epochs.  ``full``: a pool of 1,000, 3,000 test jets each
    (the cached samples hold 5,000), 50 epochs.
    """
    if full:
        return {"n_train": 10_000, "n_pool": 1000, "n_test": 3000,
                "n_representatives": (3, 10, 30, 100, 300, 1000), "max_epochs": 50,
                "vaes": VAE_SETTINGS, "R": 1.0}
    return {"n_train": 10_000, "n_pool": 300, "n_test": 600,
            "n_representatives": (3, 10, 30, 100, 300), "max_epochs": 15,
            "vaes": VAE_SETTINGS, "R": 1.0}


def _metrics(background, signal):
    """AUC, E10 and E100 (signal efficiency at 10 % and 1 % QCD efficiency)."""
    y = np.r_[np.zeros(background.size), np.ones(signal.size)]
    score = np.r_[background, signal]
    out = {key: float(efficiency_at_rejection(y, score, background_efficiency=b))
           for key, b in WORKING_POINTS.items()}
    out["auc"] = float(roc_auc_score(y, score))
    return out


def representative_scan(D_pool, D_test, labels, n_representatives, *, random_state=0):
    """Scores and metrics for random and k-medoids representatives drawn from the pool.

    Parameters
    ----------
    D_pool : ndarray of shape (n_pool, n_pool)
        EMDs among the pool jets.
    D_test : dict of ndarray of shape (n_test, n_pool)
        EMDs of the test jets of each process (``'QCD'``, ``'top'``, ``'W'``) to the pool.
    labels : sequence of str
        The signal processes.
    n_representatives : sequence of int

    Returns
    -------
    table : dict
        ``table[(kind, k)]`` has ``'background'`` (the mean EMD of the QCD
        test jets to their nearest representative: how well the
        representatives describe the background), and per signal the AUC,
        E10 and E100 of the score ``min_r EMD(jet, r)``; also the indices.
    """
    rng = np.random.default_rng(random_state)
    table = {}
    for k in n_representatives:
        k = min(int(k), D_pool.shape[0])
        for kind in ("random", "kmedoids"):
            chosen = (np.sort(rng.choice(D_pool.shape[0], size=k, replace=False))
                      if kind == "random" else kmedoids(D_pool, k, random_state=random_state))
            score = {name: D[:, chosen].min(axis=1) for name, D in D_test.items()}
            row = {"background": float(score["QCD"].mean()), "indices": chosen.tolist()}
            for name in labels:
                row[name] = _metrics(score["QCD"], score[name])
            table[(kind, k)] = row
    return table


def latent_emd_correlation(Z, D):
    """Pearson and Spearman correlation of latent distances and EMDs over all pairs.

    Parameters
    ----------
    Z : ndarray of shape (n, latent_dim)
        Latent codes (encoder means) of ``n`` jets.
    D : ndarray of shape (n, n)
        Their EMD matrix.

    Returns
    -------
    result : dict
        ``pearson``, ``spearman`` and the flattened pair distances ``latent``, ``emd``.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.experiments._transport_study import latent_emd_correlation
    >>> Z = np.array([[0.0], [1.0], [3.0]])
    >>> out = latent_emd_correlation(Z, 2 * np.abs(Z - Z.T))
    >>> round(out["pearson"], 6), round(out["spearman"], 6)
    (1.0, 1.0)
    """
    i, j = np.triu_indices(Z.shape[0], k=1)
    latent = np.linalg.norm(Z[i] - Z[j], axis=1)
    emd = D[i, j]
    return {"pearson": float(pearsonr(latent, emd)[0]),
            "spearman": float(spearmanr(latent, emd)[0]), "latent": latent, "emd": emd}


def _train_vaes(X, settings, random_state, verbose, step, n_steps):
    import torch

    from sktopo.detectors import VAEDetector

    vaes = []
    for k, params in enumerate(settings["vaes"]):
        log_step(step + k, n_steps, "training VAE latent_dim=%d beta=%g on %s jets",
                 params["latent_dim"], params["beta"], f"{X.shape[0]:,}", verbose=verbose)
        vaes.append(VAEDetector(
            **params, reconstruction="mse", score_type="reconstruction",
            max_epochs=settings["max_epochs"], random_state=random_state,
            n_threads=torch.get_num_threads(), verbose=0,
        ).fit(X))
    return vaes


def _summary_text(summary):
    s = summary["settings"]
    lines = [
        "Optimal transport against VAEs for jets (arXiv:2110.06948, Secs. 4-5)",
        f"VAE training: {s['n_train']:,} QCD jets, {s['max_epochs']} epochs, MSE; "
        f"representatives from a pool of {s['n_pool']:,} QCD training jets; "
        f"test: {s['n_test']:,} QCD, top and W jets; exact EMD, R = {s['R']}",
        "",
        "Latent distance vs EMD over pairs of pool jets (Pearson, Spearman):",
    ]
    for row in summary["correlations"]:
        lines.append(f"  VAE latent_dim={row['latent_dim']:<3} beta={row['beta']:<5g}"
                     f"  Pearson {row['pearson']:.3f}  Spearman {row['spearman']:.3f}")
    lines += ["", "Anomaly detection (AUC / E10 / E100):",
              f"  {'scorer':<36}{'top':>24}{'W':>24}{'QCD mean EMD':>15}"]

    def fmt(m):
        return f"{m['auc']:.3f} / {m['E10']:.2f} / {m['E100']:.3f}"

    for name, row in summary["vaes"].items():
        lines.append(f"  {name:<36}{fmt(row['top']):>24}{fmt(row['W']):>24}{'':>15}")
    for (kind, k), row in summary["transport"].items():
        lines.append(f"  {f'transport, {kind}, k={k}':<36}{fmt(row['top']):>24}"
                     f"{fmt(row['W']):>24}{row['background']:>15.4f}")
    lines += ["", *check_lines(summary["checks"])]
    return "\n".join(lines) + "\n"


def _checks(summary):
    corr = summary["correlations"]
    best_vae = max(summary["vaes"].values(), key=lambda r: r["top"]["auc"] + r["W"]["auc"])
    transport = summary["transport"]
    best_t = max(transport.items(), key=lambda kv: kv[1]["top"]["auc"] + kv[1]["W"]["auc"])
    describe = min(transport.items(), key=lambda kv: kv[1]["background"])
    checks = [
        {"statement": "MSE-VAE latent distances correlate with EMDs (Spearman > 0.5)",
         "holds": max(r["spearman"] for r in corr) > 0.5,
         "evidence": ", ".join(f"d={r['latent_dim']}: {r['spearman']:.2f}" for r in corr)},
        {"statement": "transport scorer comparable to the best VAE (mean AUC within 0.05)",
         "holds": abs((best_t[1]["top"]["auc"] + best_t[1]["W"]["auc"])
                      - (best_vae["top"]["auc"] + best_vae["W"]["auc"])) / 2 < 0.05,
         "evidence": f"best transport {best_t[0]}: top {best_t[1]['top']['auc']:.3f}, W "
                     f"{best_t[1]['W']['auc']:.3f}; best VAE: top {best_vae['top']['auc']:.3f}, "
                     f"W {best_vae['W']['auc']:.3f}"},
        {"statement": "the representatives that describe QCD best are not the best for signal",
         "holds": describe[0] != best_t[0],
         "evidence": f"smallest QCD mean EMD: {describe[0]}; best mean AUC: {best_t[0]}"},
    ]
    return checks


@register(
    "vae-latent-transport",
    paper="arXiv:2110.06948, Sec. 4, Fig. 8",
    description="Pearson and Spearman correlation of pairwise latent distances of MSE VAEs "
    "with pairwise exact EMDs between the same QCD jet images (runs transport-vs-vae).",
    runtime="~15 min (busy 2-core machine; EMDs ~3 min, VAEs the rest)",
    full_runtime="~1.5 h on one core",
)
@register(
    "transport-vs-vae",
    paper="arXiv:2110.06948, Secs. 4-5, Figs. 9-13",
    description="Event-to-ensemble optimal transport (exact EMD to random or k-medoids QCD "
    "representatives) against MSE VAEs for top and W jets; latent distances vs EMDs.",
    runtime="~15 min (busy 2-core machine; EMDs ~3 min, VAEs the rest)",
    full_runtime="~1.5 h on one core (3,000 test jets per process, a pool of 1,000)",
)
def run_transport_study(out_dir, *, full=False, verbose=1, random_state=0, settings=None,
                        samples=None, n_jobs=None):
    """Transport scorer vs VAEs (ROCs, representatives) and latent vs EMD correlations.

    Writes ``roc_transport_vs_vae.png``, ``representatives.png``,
    ``latent_vs_emd.png`` and ``summary.txt`` to ``out_dir``.

    Parameters
    ----------
    settings : dict, default=None
        Overrides :func:`transport_study_settings` (e.g. tiny sizes for tests).
    samples : dict, default=None
        Jet images to use instead of the cached samples: ``'train'``,
        ``'QCD'``, ``'top'``, ``'W'`` arrays of shape (n, 1369).
    n_jobs : int, default=None
        Workers for the EMDs (:func:`sktopo.transport.pairwise_emd`).

    Returns
    -------
    summary : dict
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = transport_study_settings(full) if settings is None else settings
    n_vae = len(settings["vaes"])
    n_steps = 3 + n_vae
    seconds = {}
    start = time.perf_counter()
    if samples is None:
        log_step(1, n_steps, "jets: reading the cached samples", verbose=verbose)
        n_test = settings["n_test"]
        samples = {
            "train": jet_sample("qcd", 10_000, role="train", random_state=random_state).images,
            "QCD": jet_sample("qcd", 5000, role="test", random_state=random_state).images,
            "top": jet_sample("top", 5000, role="test", random_state=random_state).images,
            "W": jet_sample("w", 5000, role="test", random_state=random_state).images,
        }
        samples = {k: v[: settings["n_train"]] if k == "train" else v[:n_test]
                   for k, v in samples.items()}
    rng = np.random.default_rng(random_state)
    pool = np.sort(rng.choice(samples["train"].shape[0], size=settings["n_pool"], replace=False))
    X_pool = samples["train"][pool]
    log_step(2, n_steps, "exact EMDs: %s pairs in the pool, %s test-to-pool",
             f"{pool.size * (pool.size - 1) // 2:,}",
             f"{3 * samples['QCD'].shape[0] * pool.size:,}", verbose=verbose)
    R = settings["R"]
    t0 = time.perf_counter()
    D_pool = pairwise_emd(X_pool, R=R, n_jobs=n_jobs, verbose=verbose)
    D_test = {name: pairwise_emd(samples[name], X_pool, R=R, n_jobs=n_jobs, verbose=verbose)
              for name in ("QCD", "top", "W")}
    seconds["emd"] = time.perf_counter() - t0
    n_pairs = pool.size * (pool.size - 1) // 2 + sum(D.size for D in D_test.values())
    t0 = time.perf_counter()
    vaes = _train_vaes(samples["train"], settings, random_state, verbose, 3, n_steps)
    seconds["vaes"] = time.perf_counter() - t0
    log_step(n_steps, n_steps, "scoring, correlations and figures", verbose=verbose)
    vae_rows, correlations, vae_scores = {}, [], {}
    for params, vae in zip(settings["vaes"], vaes):
        name = f"VAE latent_dim={params['latent_dim']}, beta={params['beta']:g}"
        scores = {p: vae.anomaly_score(samples[p]) for p in ("QCD", "top", "W")}
        vae_scores[name] = scores
        vae_rows[name] = {p: _metrics(scores["QCD"], scores[p]) for p in ("top", "W")}
        corr = latent_emd_correlation(vae.transform(X_pool), D_pool)
        correlations.append({**params, "pearson": corr["pearson"],
                             "spearman": corr["spearman"], "_pairs": corr})
    ranked = sorted(vae_rows, key=lambda n: vae_rows[n]["top"]["auc"] + vae_rows[n]["W"]["auc"])
    best, typical = ranked[-1], ranked[len(ranked) // 2]
    transport = representative_scan(D_pool, D_test, ("top", "W"),
                                     settings["n_representatives"], random_state=random_state)
    summary = {
        "settings": {k: v for k, v in settings.items()},
        "correlations": [{k: v for k, v in c.items() if k != "_pairs"} for c in correlations],
        "vaes": vae_rows, "best_vae": best, "typical_vae": typical,
        "transport": transport, "n_emd_pairs": int(n_pairs),
        "seconds": dict(seconds, total=time.perf_counter() - start), "full": full,
    }
    summary["checks"] = _checks(summary)
    _plot_rocs(D_test, transport, vae_scores, best, typical, out_dir)
    _plot_representatives(transport, out_dir)
    _plot_latent(correlations, out_dir)
    write_summary(out_dir, _summary_text(summary), verbose)
    return summary


def _plot_rocs(D_test, transport, vae_scores, best, typical, out_dir):
    fig, axes = subplots(1, 2, 5.0, 4.4)
    best_k = {kind: max((k for kk, k in transport if kk == kind),
                        key=lambda k: transport[(kind, k)]["top"]["auc"]
                        + transport[(kind, k)]["W"]["auc"]) for kind in ("random", "kmedoids")}
    for ax, signal in zip(axes[0], ("top", "W")):
        curves = {f"VAE best ({best.removeprefix('VAE ')})": (vae_scores[best], "tab:red", "-"),
                  f"VAE typical ({typical.removeprefix('VAE ')})":
                      (vae_scores[typical], "tab:red", ":")}
        for kind, color in (("random", "tab:blue"), ("kmedoids", "tab:green")):
            idx = transport[(kind, best_k[kind])]["indices"]
            curves[f"EMD, {kind}, k={best_k[kind]}"] = (
                {p: D[:, idx].min(axis=1) for p, D in D_test.items()}, color, "-")
        for label, (scores, color, style) in curves.items():
            y = np.r_[np.zeros(scores["QCD"].size), np.ones(scores[signal].size)]
            fpr, tpr, _ = roc_curve(y, np.r_[scores["QCD"], scores[signal]])
            auc = roc_auc_score(y, np.r_[scores["QCD"], scores[signal]])
            keep = fpr > 0
            ax.plot(tpr[keep], 1.0 / fpr[keep], color=color, ls=style,
                    label=f"{label}: AUC {auc:.3f}")
        ax.set(yscale="log", xlabel=f"{signal} efficiency $\\epsilon_S$",
               ylabel="QCD rejection $1/\\epsilon_B$", title=f"QCD vs {signal}")
        ax.legend(fontsize="x-small", loc="upper right")
    save(fig, out_dir / "roc_transport_vs_vae.png")


def _plot_representatives(transport, out_dir):
    fig, axes = subplots(1, 2, 5.0, 4.2)
    for kind, color in (("random", "tab:blue"), ("kmedoids", "tab:green")):
        ks = sorted(k for kk, k in transport if kk == kind)
        rows = [transport[(kind, k)] for k in ks]
        axes[0, 0].plot(ks, [r["background"] for r in rows], "o-", color=color, label=kind)
        for signal, style in (("top", "-"), ("W", "--")):
            axes[0, 1].plot(ks, [r[signal]["auc"] for r in rows], "o", ls=style, color=color,
                            label=f"{kind}, {signal}")
    axes[0, 0].set(xscale="log", xlabel="representatives $k$",
                   ylabel="QCD test jets: mean EMD to nearest representative",
                   title="describing the background")
    axes[0, 1].set(xscale="log", xlabel="representatives $k$", ylabel="ROC AUC",
                   title="separating the signal")
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    for ax in axes[0]:
        ax.set_xticks(sorted({k for _, k in transport}))
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.legend(fontsize="small")
    save(fig, out_dir / "representatives.png")


def _plot_latent(correlations, out_dir):
    fig, axes = subplots(1, len(correlations), 4.0, 3.8)
    for ax, corr in zip(axes[0], correlations):
        pairs = corr["_pairs"]
        rng = np.random.default_rng(0)
        show = rng.choice(pairs["emd"].size, size=min(5000, pairs["emd"].size), replace=False)
        ax.scatter(pairs["emd"][show], pairs["latent"][show], s=2, alpha=0.3, color="tab:purple",
                   rasterized=True)
        ax.set(xlabel="EMD between jet images", ylabel="latent distance",
               title=f"latent_dim={corr['latent_dim']}, beta={corr['beta']:g}\n"
                     f"Pearson {corr['pearson']:.2f}, Spearman {corr['spearman']:.2f}")
    save(fig, out_dir / "latent_vs_emd.png")
