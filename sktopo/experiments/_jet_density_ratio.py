"""The jet-mass bump hunt of arXiv:1808.08992 (Fig. 11) with a sideband density ratio.

``jet-bump-hunt-density-ratio``: the same jets as ``jet-bump-hunt`` (QCD and
400 GeV gluinos, jet mass window 350-450 GeV), searched two ways.  The CNN
autoencoder of the paper, trained on QCD with 1e-3 gluinos, cuts on its
loss; :class:`~sktopo.DensityRatioDetector` with a
:class:`~sktopo.SidebandReference` (CATHODE, arXiv:2109.00546) learns the
density of the jets' substructure (tau21, tau32, number of constituents)
given the jet mass on the mass sidebands, interpolates it into the window
and classifies the window's data against it.  An *idealized* density ratio,
trained against true QCD jets in the window, is its upper bound.  Each is
scored on the window's data events (out of fold for the density ratios),
with the gluinos injected at 1e-3 (the paper's fraction) and at 1e-2 of the
QCD jets.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from sktopo.detectors import DensityRatioDetector, SidebandReference
from sktopo.experiments._common import check_lines, save, subplots
from sktopo.experiments._jet_autoencoders import _COLORS, member_losses
from sktopo.experiments._jet_bump_hunt import jet_bump_hunt_settings
from sktopo.experiments._jet_data import cnn_detector, jet_sample
from sktopo.experiments._jet_latent import contaminated_training_set
from sktopo.experiments._registry import log_step, register, write_summary
from sktopo.jets import n_constituents, nsubjettiness
from sktopo.metrics import physics_roc_curve

__all__ = [
    "jet_density_ratio_settings",
    "jet_features",
    "run_jet_density_ratio",
    "window_metrics",
]

#: Columns of :func:`jet_features`; the first is the resonant feature.
FEATURES = ("jet mass", "tau21", "tau32", "constituents / 100")
#: Gluino jets per QCD jet in the data (the paper's 1e-3, and ten times more).
FRACTIONS = (1e-3, 1e-2)
#: Background events a cut must keep for its eps_S / sqrt(eps_B) to count.
MIN_BACKGROUND = 20

_METHOD_COLORS = {"CNN loss": _COLORS["CNN"], "density ratio (sidebands)": "tab:blue",
                  "idealized density ratio": "tab:orange"}


def jet_density_ratio_settings(full: bool = False, scale: float = 1.0) -> dict:
    """The samples and CNN of :func:`jet_bump_hunt_settings`, signal fractions and the flow."""
    st = jet_bump_hunt_settings(full, scale)
    st.update(fractions=FRACTIONS, flow=dict(max_epochs=200 if full else 60, n_iter_no_change=8),
              cv=5, n_permutations=200)
    return st


def jet_features(data) -> np.ndarray:
    """``(mass, tau21, tau32, n_constituents / 100)`` of a :func:`jet_sample` Bunch."""
    taus = nsubjettiness(data.constituents, (1, 2, 3))
    with np.errstate(divide="ignore", invalid="ignore"):
        tau21 = np.where(taus[:, 0] > 0, taus[:, 1] / taus[:, 0], 0.0)
        tau32 = np.where(taus[:, 1] > 0, taus[:, 2] / taus[:, 1], 0.0)
    return np.c_[np.asarray(data.mass, float), tau21, tau32,
                 n_constituents(data.constituents) / 100.0]


def window_metrics(y, anomaly_score, min_background=MIN_BACKGROUND):
    """ROC AUC and the largest ``eps_S / sqrt(eps_B)`` keeping ``>= min_background`` QCD jets.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.experiments._jet_density_ratio import window_metrics
    >>> y = np.r_[np.zeros(100), np.ones(10)]
    >>> score = np.r_[np.arange(100.0), np.full(10, 1000.0)]
    >>> out = window_metrics(y, score, min_background=25)
    >>> out["auc"], round(out["max_sic"], 3)  # all signal kept with 25 % of QCD
    (1.0, 2.0)
    """
    y, anomaly_score = np.asarray(y), np.asarray(anomaly_score, float)
    eps_s, rejection, _ = physics_roc_curve(y, anomaly_score, drop_intermediate=False)
    sic = eps_s * np.sqrt(rejection)
    ok = np.count_nonzero(y == 0) / rejection >= min_background - 1e-9
    return {"auc": float(roc_auc_score(y, anomaly_score)),
            "max_sic": float(np.max(sic[ok])) if ok.any() else float("nan"),
            "n_signal": int(y.sum()), "n_background": int((y == 0).sum())}


def _search(features, y, qcd_reference, cnn_loss, st, random_state, verbose):
    """The three methods on one data set; metrics on the window's events."""
    window = st["window"]
    in_window = (features[:, 0] > window[0]) & (features[:, 0] < window[1])
    flow = SidebandReference(feature=0, window=window, random_state=random_state,
                             verbose=max(0, verbose - 1), **st["flow"])
    sideband = DensityRatioDetector(reference=flow, cv=st["cv"],
                                    random_state=random_state).fit(features)
    support = sideband.support_mask_
    ideal_ref = qcd_reference[(qcd_reference[:, 0] > window[0])
                              & (qcd_reference[:, 0] < window[1])][:, 1:]
    ideal = DensityRatioDetector(reference=ideal_ref, cv=st["cv"],
                                 random_state=random_state).fit(features[in_window][:, 1:])
    scores = {"CNN loss": cnn_loss[in_window],
              "density ratio (sidebands)": -sideband.oof_score_samples_[support],
              "idealized density ratio": -ideal.oof_score_samples_}
    labels = {"CNN loss": y[in_window], "density ratio (sidebands)": y[support],
              "idealized density ratio": y[in_window]}
    out = {name: window_metrics(labels[name], s) for name, s in scores.items()}
    for name, det in (("density ratio (sidebands)", sideband), ("idealized density ratio", ideal)):
        test = det.global_test(n_permutations=st["n_permutations"], random_state=random_state)
        out[name].update(pvalue=float(test.pvalue), significance=float(test.significance))
    out["_roc"] = {name: physics_roc_curve(labels[name], s) for name, s in scores.items()}
    fitted = sideband.reference_
    out["flow"] = {"n_sideband": int(fitted.n_sideband_), "n_epochs": int(fitted.n_iter_)}
    return out


def _plot(results, axes):
    for ax, (fraction, res) in zip(axes, results.items()):
        for name, (eps_s, rejection, _) in res["_roc"].items():
            ax.plot(eps_s, eps_s * np.sqrt(rejection), color=_METHOD_COLORS[name],
                    label=f"{name}: AUC {res[name]['auc']:.2f}")
        ax.axhline(1.0, color="0.6", ls=":", lw=1)
        ax.set_xlabel(r"gluino efficiency in the window $\epsilon_S$")
        ax.set_title(f"gluinos at {fraction:g} of QCD: window 350-450 GeV", fontsize="medium")
        ax.legend(fontsize="small")
    axes[0].set_ylabel(r"$\epsilon_S / \sqrt{\epsilon_B}$ (QCD in the window)")


def _summary_lines(summary):
    s, st = summary["sizes"], summary["settings"]
    lines = [
        "Jet-mass bump hunt: CNN loss cut vs sideband density ratio (arXiv:1808.08992 Fig. 11; "
        "CATHODE, arXiv:2109.00546)",
        f"data: {s['QCD']:,} QCD test jets plus gluinos at each fraction; features "
        f"{', '.join(FEATURES)} (the first is the resonant feature); window "
        f"{st['window'][0]:g}-{st['window'][1]:g} GeV",
        f"CNN: trained on {s['train']:,} jets with 1e-3 gluinos (as jet-bump-hunt), "
        f"{summary['seconds']['CNN']:.0f} s; density ratios: HistGradientBoosting, {st['cv']} "
        f"folds, out-of-fold scores; sideband flow: zuko NSF, at most "
        f"{st['flow']['max_epochs']} epochs; idealized: {s['QCD reference']:,} true QCD "
        "training jets in the window as the reference",
        f"max eps_S/sqrt(eps_B) keeps >= {MIN_BACKGROUND} QCD jets of the window; p: global "
        f"test (one fold, {st['n_permutations']} permutations)",
        "",
        f"  {'fraction':>8}  {'method':<28} {'AUC':>6} {'max SIC':>8} {'p':>7} "
        f"{'signal/QCD in window':>20}",
    ]
    for fraction, res in summary["results"].items():
        for name in _METHOD_COLORS:
            r = res[name]
            p = f"{r['pvalue']:.3f}" if "pvalue" in r else "-"
            lines.append(f"  {fraction:8g}  {name:<28} {r['auc']:6.3f} {r['max_sic']:8.2f} "
                         f"{p:>7} {r['n_signal']:>9} / {r['n_background']:<9}")
    lines += ["", *check_lines(summary["checks"], "checks (holds, evidence):")]
    return lines


def jet_density_ratio_checks(results):
    """What the comparison shows, as measured: ``{name: (holds, evidence)}``."""
    lo, hi = results[min(results)], results[max(results)]
    side, ideal, cnn = (hi[k] for k in ("density ratio (sidebands)", "idealized density ratio",
                                        "CNN loss"))
    null_side = lo["density ratio (sidebands)"]["pvalue"]
    null_ideal = lo["idealized density ratio"]["pvalue"]
    return {
        "the CNN loss separates gluinos from QCD inside the mass window (AUC > 0.6)": (
            cnn["auc"] > 0.6, ", ".join(f"{f:g}: AUC {r['CNN loss']['auc']:.3f}, max SIC "
                                        f"{r['CNN loss']['max_sic']:.2f}"
                                        for f, r in results.items())),
        f"at {max(results):g} a density ratio on (tau21, tau32, constituents) gains over no cut "
        "(max SIC > 1.2)": (
            max(side["max_sic"], ideal["max_sic"]) > 1.2,
            f"sidebands {side['max_sic']:.2f} (AUC {side['auc']:.3f}), idealized "
            f"{ideal['max_sic']:.2f} (AUC {ideal['auc']:.3f})"),
        f"the sideband global test is not fooled where the idealized one sees nothing "
        f"(at {min(results):g})": (
            not (null_side < 0.05 <= null_ideal),
            f"p = {null_side:.3f} (sidebands) vs {null_ideal:.3f} (idealized)"),
    }


@register(
    "jet-bump-hunt-density-ratio",
    paper="arXiv:1808.08992",
    description="Fig. 11's gluino search with a sideband density ratio (CATHODE) beside the "
                "CNN loss cut, gluinos at 1e-3 and 1e-2",
    runtime="~4 min with the jets of jet-bump-hunt cached (its 32-channel CNN ~2 of them)",
    full_runtime="days on a CPU (100k jets, 128-channel CNN)",
)
def run_jet_density_ratio(out_dir, *, full=False, verbose=1, random_state=0, settings=None,
                          samples=None, n_jobs=2):
    """CNN loss cut, sideband density ratio and idealized density ratio in the mass window.

    Writes ``jet_density_ratio.png`` and ``summary.txt`` to ``out_dir``.

    Parameters
    ----------
    settings : dict, default=None
        Overrides :func:`jet_density_ratio_settings` (e.g. tiny sizes for tests).
    samples : dict, default=None
        ``'train'``, ``'gluino_train'``, ``'QCD'``, ``'gluino'`` Bunches with
        ``images``, ``mass`` and ``constituents`` instead of generated jets.
    n_jobs : int, default=2
        Processes generating jets (generation is cached on disk).

    Returns
    -------
    summary : dict
        ``results[fraction][method]``: AUC, max SIC, counts (and the global
        test's p-value for the density ratios); ``checks``; sizes; timings.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    st = jet_density_ratio_settings(full) if settings is None else settings
    s = st["sizes"]
    n_steps = 3 + len(st["fractions"])
    if samples is None:
        log_step(1, n_steps, "jets: reading or generating the samples of jet-bump-hunt",
                 verbose=verbose)
        plan = {"train": ("qcd", s["train"], "train"),
                "gluino_train": ("gluino", s["signal_train"], "train"),
                "QCD": ("qcd", s["QCD"], "test"), "gluino": ("gluino", s["gluino"], "test")}
        samples = {name: jet_sample(p, n, role=role, random_state=random_state, n_jobs=n_jobs,
                                    verbose=verbose) for name, (p, n, role) in plan.items()}
    log_step(2, n_steps, "N-subjettiness of %s jets", f"{s['QCD'] + s['gluino'] + s['train']:,}",
             verbose=verbose)
    feats = {name: jet_features(samples[name]) for name in ("train", "QCD", "gluino")}
    log_step(3, n_steps, "training the CNN on QCD with 1e-3 gluinos", verbose=verbose)
    X, _ = contaminated_training_set(samples["train"].images, samples["gluino_train"].images,
                                     1e-3, n_train=s["train"], random_state=random_state)
    start = time.perf_counter()
    cnn = cnn_detector(st["latent_dim"], channels=st["channels"], batch_size=st["batch_size"],
                       learning_rate=st["learning_rate"], max_epochs=st["max_epochs"],
                       random_state=random_state, verbose=max(0, verbose - 1)).fit(X)
    seconds = {"CNN": time.perf_counter() - start}
    loss_qcd = member_losses(cnn, samples["QCD"].images)[:, 0]
    loss_glu = member_losses(cnn, samples["gluino"].images)[:, 0]
    results = {}
    for step, fraction in enumerate(st["fractions"], start=4):
        n_sig = min(max(1, int(round(fraction * s["QCD"]))), feats["gluino"].shape[0])
        log_step(step, n_steps, "density ratios on %s QCD + %d gluino jets (fraction %g)",
                 f"{s['QCD']:,}", n_sig, fraction, verbose=verbose)
        start = time.perf_counter()
        features = np.vstack([feats["QCD"], feats["gluino"][:n_sig]])
        y = np.r_[np.zeros(feats["QCD"].shape[0]), np.ones(n_sig)]
        results[fraction] = _search(features, y, feats["train"],
                                    np.r_[loss_qcd, loss_glu[:n_sig]], st, random_state, verbose)
        seconds[fraction] = time.perf_counter() - start

    fig, axes = subplots(1, len(results), 5.4, 4.2)
    _plot(results, axes[0])
    fig.suptitle("400 GeV gluinos in the jet-mass window: CNN loss vs density ratios")
    save(fig, out_dir / "jet_density_ratio.png")
    clean = {f: {k: v for k, v in r.items() if k != "_roc"} for f, r in results.items()}
    summary = {"settings": st, "full": full, "results": clean, "seconds": seconds,
               "sizes": {**s, "QCD reference": int(feats["train"].shape[0])},
               "checks": jet_density_ratio_checks(clean)}
    write_summary(out_dir, "\n".join(_summary_lines(summary)), verbose)
    return summary
