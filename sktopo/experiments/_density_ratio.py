"""The bump hunt that every autoencoder misses, found by a density ratio (arXiv:2102.08380, Sec. 3).

``density-ratio-bump-hunt``: data = uniform 3-body phase space + a resonance at
``s_12 = 0.25`` (delta and Breit-Wigner) at several signal fractions;
:class:`~sktopo.DensityRatioDetector` against the exact phase space
(:class:`~sktopo.PhaseSpaceSampler`), next to an idealized detector (the same
classifier against an independent signal-free background sample), a window
cut on ``s_12`` and the 7-layer autoencoder of the ``bump-hunt`` reproduction.
``density-ratio-calibration``: without signal the global test's p-values are
uniform and the per-event scores flag no region.  ``density-ratio-spin``: a
spin-1 resonance (decay angle ``cos^2``) carries information beyond its mass,
which the classifier uses and a window cut cannot; a spin-0 one does not;
plus the sideband reference (CATHODE, arXiv:2109.00546) against its idealized
counterpart.

Features are the "square Dalitz plot" coordinates ``(s_12, cos_theta)``
(:func:`dalitz_features`).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from scipy import stats
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

from sktopo.detectors import DensityRatioDetector, SidebandReference
from sktopo.experiments._common import save, subplots
from sktopo.experiments._registry import log_step, register, write_summary
from sktopo.metrics import physics_roc_curve
from sktopo.physics import PhaseSpaceSampler, invariant_mass_squared
from sktopo.utils._random import draw_seeds

__all__ = [
    "PAPER_CATHODE",
    "bump_hunt_data",
    "dalitz_features",
    "density_ratio_settings",
    "max_significance_improvement",
    "run_density_ratio_bump_hunt",
    "run_density_ratio_calibration",
    "run_density_ratio_spin",
    "sample_signal",
]

MASS_SQUARED = 0.25  # s_YY of the resonance, units of s (arXiv:2102.08380, Sec. 3)
WINDOW = (0.9, 1.1)  # signal window in units of MASS_SQUARED
PAIR = (0, 1)
MIN_BACKGROUND = 100  # background test events that must pass a cut counted in the max SIC

#: CATHODE on the LHC Olympics R&D data (arXiv:2109.00546): maximum significance
#: improvement 14.0 against 15.1 for the idealized anomaly detector (93 %).
PAPER_CATHODE = {"max_sic": 14.0, "max_sic_idealized": 15.1, "ratio": 14.0 / 15.1}


def dalitz_features(X):
    """Square-Dalitz-plot coordinates ``(s_12, cos_theta)`` of three-body events.

    ``cos_theta = (s_13 - s_23) / (s_13 + s_23)`` is, for massless particles,
    minus the cosine of the angle between particles 1 and 3 in the rest frame
    of the (12) pair, the decay angle of a resonance in ``s_12``; its range is
    ``[-1, 1]`` at every ``s_12`` (no curved edge for a density model).

    Parameters
    ----------
    X : ndarray of shape (n_events, 12)

    Returns
    -------
    F : ndarray of shape (n_events, 2)
    """
    s13, s23 = invariant_mass_squared(X, (0, 2)), invariant_mass_squared(X, (1, 2))
    return np.c_[invariant_mass_squared(X, PAIR), (s13 - s23) / (s13 + s23)]


class _FeatureReference:
    """``sample(n)``: phase-space events as :func:`dalitz_features` (the exact reference)."""

    def __init__(self, sampler):
        self.sampler = sampler

    def sample(self, n):
        return dalitz_features(self.sampler.sample(n))


def sample_signal(sampler, n, *, width=0.0, spin=0, rng=None):
    """Resonance events at ``s_12 = MASS_SQUARED``; spin 1: decay angle ``~ cos^2``.

    Spin 0 is :meth:`~sktopo.PhaseSpaceSampler.sample_on_resonance` (flat in
    the decay angle at fixed ``s_12``).  Spin 1 (a vector ``X`` of helicity 0
    from a scalar parent, ``X -> Y Ybar`` scalars: ``|d^1_00|^2 = cos^2``)
    keeps those events with probability ``cos_theta^2`` (accept-reject, exact).
    """
    if spin == 0:
        return sampler.sample_on_resonance(n, mass_squared=MASS_SQUARED, pair=PAIR, width=width)
    rng = np.random.default_rng(rng)
    kept, n_kept = [], 0
    while n_kept < n:
        X = sampler.sample_on_resonance(3 * (n - n_kept) + 64, mass_squared=MASS_SQUARED,
                                        pair=PAIR, width=width)
        keep = rng.random(X.shape[0]) < dalitz_features(X)[:, 1] ** 2
        kept.append(X[keep])
        n_kept += int(keep.sum())
    return np.concatenate(kept)[:n]


def max_significance_improvement(y, anomaly_score, min_background=MIN_BACKGROUND):
    """Largest ``eps_S / sqrt(eps_B)`` over cuts passing ``>= min_background`` background events."""
    eps_s, rejection, _ = physics_roc_curve(y, anomaly_score, drop_intermediate=False)
    sic = eps_s * np.sqrt(rejection)
    n_background = np.count_nonzero(np.asarray(y) == 0)
    ok = n_background / rejection >= min_background - 1e-9
    return float(np.max(sic[ok])) if ok.any() else float("nan")


def density_ratio_settings(full=False):
    """Sizes: CPU-sized by default; ``full`` the paper's 1e5 background events and more."""
    if full:
        return dict(n_background=100_000, n_reference=1_000_000, n_test=200_000,
                    n_test_signal=100_000, fractions=(0.003, 0.01, 0.03), cv=5,
                    n_permutations=1000, n_toys=200, toy_size=5_000, toy_permutations=500,
                    refit_toys=200, refit_toy_size=1_000, refit_permutations=100,
                    spin_fraction=0.01, autoencoder=True,
                    flow=dict(transforms=4, hidden_layer_sizes=(64, 64), max_epochs=200,
                              batch_size=512))
    return dict(n_background=50_000, n_reference=100_000, n_test=50_000, n_test_signal=20_000,
                fractions=(0.003, 0.01, 0.03), cv=5, n_permutations=1000, n_toys=100,
                toy_size=2_000, toy_permutations=200, refit_toys=30, refit_toy_size=400,
                refit_permutations=20, spin_fraction=0.01, autoencoder=True,
                flow=dict(transforms=3, hidden_layer_sizes=(32, 32), max_epochs=40,
                          batch_size=1024))


def bump_hunt_data(sampler, n_background, fraction, *, width=0.0, spin=0, rng=None):
    """Features of background + signal (fraction of the data) and the truth labels."""
    n_signal = int(round(fraction * n_background / (1.0 - fraction)))
    X = np.vstack([sampler.sample(n_background),
                   sample_signal(sampler, n_signal, width=width, spin=spin, rng=rng)])
    y = np.r_[np.zeros(n_background, dtype=int), np.ones(n_signal, dtype=int)]
    return dalitz_features(X), y


def _evaluate(y_test, score, detector=None, n_permutations=0, seed=0):
    """AUC, max SIC and (for a fitted density-ratio detector) the global test."""
    row = {"auc": float(roc_auc_score(y_test, score)),
           "max_sic": max_significance_improvement(y_test, score)}
    if detector is not None and n_permutations:
        for name in ("likelihood_ratio", "auc"):
            result = detector.global_test(statistic=name, n_permutations=n_permutations,
                                          random_state=seed)
            row[f"p_{name}"], row[f"z_{name}"] = result.pvalue, result.significance
    return row


def _streams(random_state):
    """``(rs, sampler, ref_sampler, rng)``: the seed stream of a run, the data's and the
    reference's phase-space samplers, and the signal's generator."""
    rs = np.random.RandomState(random_state)
    sampler_seed, ref_seed, signal_seed = draw_seeds(rs, 3)
    sampler = PhaseSpaceSampler(n_particles=3, random_state=sampler_seed).fit()
    ref_sampler = PhaseSpaceSampler(n_particles=3, random_state=ref_seed).fit()
    return rs, sampler, ref_sampler, np.random.default_rng(signal_seed)


def _window_cut_score(F):
    """A window cut on s_12: anomaly score ``-|s_12 - m^2|``."""
    return -np.abs(F[:, 0] - MASS_SQUARED)


# --------------------------------------------------------------------------- bump hunt
LINE_SHAPES = {"delta": 0.0, "Breit-Wigner (0.5 %)": 0.005}
METHODS = ("density ratio", "idealized", "window cut", "autoencoder")


def _autoencoder_scores(tests, settings, random_state, verbose):
    """The 7-layer autoencoder of ``bump-hunt``, trained on sidebands; losses of the test sets."""
    from sktopo.datasets import make_bump_hunt
    from sktopo.experiments._bump_hunt import bump_hunt_settings, train_and_score

    ae = settings.get("autoencoder_settings") or bump_hunt_settings(False)
    data = make_bump_hunt(ae["n_train"], 10, 10, mass_squared=MASS_SQUARED, window=WINDOW,
                          pair=PAIR, random_state=random_state)
    _, errors = train_and_score(data.X_train, tests, ae, random_state=random_state,
                                verbose=max(0, verbose - 1))
    return errors, ae


@register(
    "density-ratio-bump-hunt",
    paper="arXiv:2102.08380, Sec. 3 (with arXiv:1806.02350, arXiv:2109.00546)",
    description="The resonance at s_12 = 0.25 that the autoencoder misses (AUC ~0.45), found "
    "by a classifier of data against the exact phase space; next to an idealized detector, a "
    "window cut and the autoencoder, at signal fractions 0.3-3 %.",
    runtime="~4-7 min (the autoencoder ~3 of them)",
    full_runtime="hours (the autoencoder's 20,000 epochs)",
)
def run_density_ratio_bump_hunt(out_dir, *, full=False, verbose=1, random_state=0,
                                settings=None):
    """AUC, max SIC and global p-value of each method at each signal fraction and line shape.

    Writes ``sic.png``, ``dalitz_scores.png`` and ``summary.txt``.

    Parameters
    ----------
    settings : dict, default=None
        Overrides :func:`density_ratio_settings` (tiny sizes for tests; an
        ``autoencoder_settings`` entry overrides the autoencoder's).

    Returns
    -------
    summary : dict
        ``table[line_shape][fraction][method]`` = ``{auc, max_sic, p_..., z_...}``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    s = density_ratio_settings(full) if settings is None else settings
    rs, sampler, ref_sampler, rng = _streams(random_state)
    X_test_bg = sampler.sample(s["n_test"])
    tests = {name: sample_signal(sampler, s["n_test_signal"], width=w, rng=rng)
             for name, w in LINE_SHAPES.items()}
    n_steps = len(LINE_SHAPES) * len(s["fractions"]) + int(bool(s["autoencoder"]))
    step, seconds = 0, {}
    ae_errors = None
    if s["autoencoder"]:
        step += 1
        log_step(step, n_steps, "training the 7-layer autoencoder on sideband events",
                 verbose=verbose)
        start = time.perf_counter()
        ae_errors, ae = _autoencoder_scores({"background": X_test_bg, **tests}, s,
                                            random_state, verbose)
        seconds["autoencoder"] = time.perf_counter() - start
    F_test_bg = dalitz_features(X_test_bg)
    table, keep = {}, None
    start = time.perf_counter()
    for name, width in LINE_SHAPES.items():
        F_test = np.vstack([F_test_bg, dalitz_features(tests[name])])
        y_test = np.r_[np.zeros(len(F_test_bg), dtype=int), np.ones(s["n_test_signal"], dtype=int)]
        table[name] = {}
        for fraction in s["fractions"]:
            step += 1
            log_step(step, n_steps, "%s signal at fraction %g: density-ratio fits", name,
                     fraction, verbose=verbose)
            F, y = bump_hunt_data(sampler, s["n_background"], fraction, width=width, rng=rng)
            (seed,) = draw_seeds(rs, 1)
            det = DensityRatioDetector(reference=_FeatureReference(ref_sampler),
                                       n_reference=s["n_reference"], cv=s["cv"],
                                       random_state=seed).fit(F)
            ideal = DensityRatioDetector(reference=dalitz_features(sampler.sample(len(F))),
                                         cv=s["cv"], random_state=seed).fit(F)
            rows = {
                "density ratio": _evaluate(y_test, -det.score_samples(F_test), det,
                                           s["n_permutations"], seed),
                "idealized": _evaluate(y_test, -ideal.score_samples(F_test), ideal,
                                       s["n_permutations"], seed),
                "window cut": _evaluate(y_test, _window_cut_score(F_test)),
            }
            if ae_errors is not None:
                rows["autoencoder"] = _evaluate(
                    y_test, np.r_[ae_errors["background"], ae_errors[name]])
            rows["n_signal"] = int(y.sum())
            table[name][fraction] = rows
            if keep is None and fraction == s["fractions"][len(s["fractions"]) // 2]:
                keep = (F, y, det.oof_score_samples_)
    seconds["density ratio"] = time.perf_counter() - start
    summary = {"table": table, "settings": {k: v for k, v in s.items()}, "full": full,
               "seconds": seconds, "min_background": MIN_BACKGROUND}
    _plot_bump_hunt(table, s["fractions"], keep, out_dir)
    write_summary(out_dir, _bump_hunt_text(summary), verbose)
    return summary


def _plot_bump_hunt(table, fractions, keep, out_dir):
    fig, axes = subplots(1, 3, 5.2, 4.2)
    markers = dict(zip(METHODS, "osD^"))
    percent = 100 * np.asarray(fractions)
    for ax, (name, rows) in zip(axes[0], table.items()):
        for method in METHODS:
            values = [rows[f].get(method, {}).get("max_sic", np.nan) for f in fractions]
            if not np.all(np.isnan(values)):
                ax.plot(percent, values, marker=markers[method], label=method)
        ax.axhline(1.0, color="0.5", lw=0.8, ls=":")
        ax.set(xscale="log", yscale="log", xlabel="signal fraction of the data [%]",
               ylabel=r"max $\epsilon_S/\sqrt{\epsilon_B}$", title=f"{name} signal")
        ax.set_xticks(percent, [f"{p:g}" for p in percent])
        ax.minorticks_off()
        ax.legend(fontsize=8)
    F, y, oof = keep
    log_ratio = -oof
    rng = np.random.default_rng(0)
    shown = np.union1d(rng.choice(len(F), min(len(F), 6000), replace=False),
                       np.flatnonzero(log_ratio > np.quantile(log_ratio, 0.99)))
    shown = shown[np.argsort(log_ratio[shown])]  # the largest ratios drawn last, on top
    ax = axes[0, 2]
    points = ax.scatter(F[shown, 0], F[shown, 1], c=log_ratio[shown], s=3, cmap="viridis",
                        vmin=np.quantile(log_ratio, 0.05), vmax=np.quantile(log_ratio, 0.995))
    fig.colorbar(points, ax=ax, label="out-of-fold log density ratio")
    ax.set(xlabel=r"$s_{12}$", ylabel=r"$\cos\theta$",
           title=f"delta signal, {100 * y.mean():.2g} % of the data (6,000 events + top 1 %)")
    fig.suptitle("Bump hunt in 3-body phase space: classifier of data against phase space")
    save(fig, out_dir / "sic.png")


def _bump_hunt_text(summary):
    s = summary["settings"]
    lines = [
        "Bump hunt in 3-body phase space by density ratio (arXiv:2102.08380, Sec. 3)",
        f"data: {s['n_background']:,} uniform phase-space events + a resonance at s_12 = "
        f"{MASS_SQUARED:g}; features (s_12, cos_theta); {s['cv']} folds of "
        "HistGradientBoosting",
        f"density ratio: against {s['n_reference']:,} events of the exact phase space; "
        "idealized: against an independent background sample as large as the data",
        f"test: {s['n_test']:,} background, {s['n_test_signal']:,} signal events; max SIC over "
        f"cuts passing >= {summary['min_background']} background events; p: global test "
        f"(permutations: {s['n_permutations']}), z: its Gaussian significance",
        "autoencoder: the 7-layer net of 'bump-hunt' trained on sidebands (independent of "
        "the fraction)",
        "",
        f"{'signal':<22}{'fraction':>9}{'method':>15}{'AUC':>7}{'max SIC':>9}"
        f"{'p (LR)':>9}{'z (LR)':>8}{'p (AUC)':>9}{'z (AUC)':>8}",
    ]
    for name, rows in summary["table"].items():
        for fraction, methods in rows.items():
            for method in METHODS:
                if method not in methods:
                    continue
                r = methods[method]
                tail = ""
                if "p_likelihood_ratio" in r:
                    tail = (f"{r['p_likelihood_ratio']:>9.3g}{r['z_likelihood_ratio']:>8.1f}"
                            f"{r['p_auc']:>9.3g}{r['z_auc']:>8.1f}")
                lines.append(f"{name:<22}{100 * fraction:>8.2g}%{method:>15}{r['auc']:>7.3f}"
                             f"{r['max_sic']:>9.2f}{tail}")
    lines.append("")
    lines.append("paper (autoencoder): loss distributions of signal and sideband almost "
                 "identical (sktopo's bump-hunt: AUC ~0.45)")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- calibration
@register(
    "density-ratio-calibration",
    paper="arXiv:1806.02350 (global test of data against a reference)",
    description="Without signal, the permutation p-values of the density-ratio global test "
    "are uniform over toys (KS test) and the flagged events follow the data in s_12.",
    runtime="~6 min",
    full_runtime="~1 h",
)
def run_density_ratio_calibration(out_dir, *, full=False, verbose=1, random_state=0,
                                  settings=None):
    """Signal-free toys: p-values of both statistics and methods, KS tests, flagged events.

    ``method='fold'`` toys are ``toy_size`` events against as many reference
    events; ``method='refit'`` toys (each permutation refits every fold) are
    smaller, ``refit_toy_size``, with 3 folds.  Writes ``calibration.png`` and
    ``summary.txt``.

    Returns
    -------
    summary : dict
        ``pvalues[(method, statistic)]``, ``ks_pvalue[(method, statistic)]``,
        and the chi^2 test of the flagged events' s_12 distribution against
        the data's.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    s = density_ratio_settings(full) if settings is None else settings
    rs = np.random.RandomState(random_state)
    sampler_seed, ref_seed = draw_seeds(rs, 2)
    sampler = PhaseSpaceSampler(n_particles=3, random_state=sampler_seed).fit()
    reference = _FeatureReference(PhaseSpaceSampler(n_particles=3, random_state=ref_seed).fit())
    pvalues = {(m, t): [] for m in ("fold", "refit") for t in ("likelihood_ratio", "auc")}
    edges = np.linspace(0.0, 1.0, 11)
    flagged, everything = np.zeros(10), np.zeros(10)
    ratio_sum, ratio_sq = np.zeros(10), np.zeros(10)
    in_window = np.zeros(2)  # flagged, all events in the signal window
    plan = {"fold": (s["n_toys"], s["toy_size"], s["cv"], s["toy_permutations"]),
            "refit": (s["refit_toys"], s["refit_toy_size"], 3, s["refit_permutations"])}
    start, seconds = time.perf_counter(), {}
    for step, (method, (n_toys, n, cv, n_perm)) in enumerate(plan.items(), start=1):
        log_step(step, 2, "%d signal-free toys of %s events, method=%r", n_toys, f"{n:,}",
                 method, verbose=verbose)
        for toy in range(n_toys):
            F = dalitz_features(sampler.sample(n))
            # the refit toys use a lighter classifier (20 boosting iterations): every
            # permutation refits it cv times; the test is exact for any classifier
            classifier = HistGradientBoostingClassifier(max_iter=20) if method == "refit" else None
            det = DensityRatioDetector(reference=reference, cv=cv, classifier=classifier,
                                       store_training_data=method == "refit",
                                       random_state=draw_seeds(rs, 1)[0]).fit(F)
            for statistic in ("likelihood_ratio", "auc"):
                pvalues[method, statistic].append(det.global_test(
                    statistic=statistic, method=method, n_permutations=n_perm,
                    random_state=toy).pvalue)
            if method == "fold":
                oof = det.oof_score_samples_
                top = oof <= np.quantile(oof, 0.01)
                flagged += np.histogram(F[top, 0], edges)[0]
                everything += np.histogram(F[:, 0], edges)[0]
                ratio_sum += np.histogram(F[:, 0], edges, weights=-oof)[0]
                ratio_sq += np.histogram(F[:, 0], edges, weights=oof**2)[0]
                window = _in_window(F)
                in_window += [np.count_nonzero(top & window), window.mean() * top.sum()]
        seconds[method] = time.perf_counter() - start
        start = time.perf_counter()
    expected = everything / everything.sum() * flagged.sum()
    chi2 = float(np.sum((flagged - expected) ** 2 / expected))
    summary = {
        "pvalues": {k: np.asarray(v) for k, v in pvalues.items()},
        "ks_pvalue": {k: float(stats.kstest(v, "uniform").pvalue) for k, v in pvalues.items()},
        "flagged_by_s12": flagged.tolist(),
        "expected_by_s12": expected.tolist(),
        "chi2": chi2,
        "chi2_pvalue": float(stats.chi2.sf(chi2, len(edges) - 2)),
        "window_flagged": in_window.tolist(),
        "mean_log_ratio_by_s12": (ratio_sum / everything).tolist(),
        "std_log_ratio_by_s12": np.sqrt(ratio_sq / everything
                                        - (ratio_sum / everything) ** 2).tolist(),
        "settings": dict(s), "full": full, "seconds": seconds,
    }
    _plot_calibration(summary, out_dir)
    write_summary(out_dir, _calibration_text(summary), verbose)
    return summary


def _plot_calibration(summary, out_dir):
    s = summary["settings"]
    fig, axes = subplots(1, 3, 4.6, 4.2)
    for (method, statistic), values in summary["pvalues"].items():
        axes[0, 0].hist(values, bins=np.linspace(0, 1, 11), histtype="step", lw=1.5,
                        density=True, label=f"{method}, {statistic} "
                        f"(KS p = {summary['ks_pvalue'][method, statistic]:.2f})")
    axes[0, 0].axhline(1.0, color="0.4", ls=":", label="uniform")
    axes[0, 0].set(xlabel="global-test p-value", ylabel="density over toys", ylim=(0, 3.5),
                   title=f"signal-free toys ({s['n_toys']} fold, {s['refit_toys']} refit)")
    axes[0, 0].legend(fontsize=7, loc="upper center", ncols=2)
    edges = np.linspace(0.0, 1.0, 11)
    centers = 0.5 * (edges[1:] + edges[:-1])
    n_events = np.asarray(summary["expected_by_s12"]) / np.sum(summary["expected_by_s12"]) * (
        s["n_toys"] * s["toy_size"])
    axes[0, 1].errorbar(centers, summary["mean_log_ratio_by_s12"],
                        yerr=np.asarray(summary["std_log_ratio_by_s12"]) / np.sqrt(n_events),
                        fmt="o")
    axes[0, 1].axhline(0.0, color="0.4", ls=":")
    axes[0, 1].set(xlabel=r"$s_{12}$", ylabel="mean out-of-fold log ratio", ylim=(-0.2, 0.2),
                   title="no region is flagged on average")
    ratio = np.asarray(summary["flagged_by_s12"]) / np.asarray(summary["expected_by_s12"])
    axes[0, 2].errorbar(centers, ratio,
                        yerr=np.sqrt(summary["flagged_by_s12"]) / summary["expected_by_s12"],
                        fmt="o")
    axes[0, 2].axhline(1.0, color="0.4", ls=":")
    axes[0, 2].axvspan(*(np.asarray(WINDOW) * MASS_SQUARED), color="C1", alpha=0.3,
                       label="signal window")
    axes[0, 2].set(xlabel=r"$s_{12}$", ylabel="top 1 % / expected from the data",
                   title="the noise tail sits where data are sparse")
    axes[0, 2].legend(fontsize=8)
    save(fig, out_dir / "calibration.png")


def _calibration_text(summary):
    s = summary["settings"]
    lines = [
        "Calibration of the density-ratio global test without signal",
        f"method='fold': {s['n_toys']} toys of {s['toy_size']:,} phase-space events against as "
        f"many from an independent sampler, {s['cv']} folds, {s['toy_permutations']} "
        "permutations",
        f"method='refit': {s['refit_toys']} toys of {s['refit_toy_size']:,} events, 3 folds, "
        f"{s['refit_permutations']} permutations, each refitting every fold (gradient "
        "boosting with 20 iterations)",
        "",
    ]
    for (method, statistic), values in summary["pvalues"].items():
        lines.append(f"{method:>6} {statistic:>17}: KS test of uniform p-values: p = "
                     f"{summary['ks_pvalue'][method, statistic]:.3f}; mean p = "
                     f"{np.mean(values):.3f}; fraction p < 0.05: {np.mean(values < 0.05):.3f}")
    lines.append(f"flagged events (top 1 % out-of-fold) in 10 bins of s_12 against the data's "
                 f"distribution: chi2 = {summary['chi2']:.1f} for 9 dof, "
                 f"p = {summary['chi2_pvalue']:.3g}")
    lines.append(f"flagged events in the signal window {WINDOW[0]:g}-{WINDOW[1]:g} m^2: "
                 f"{summary['window_flagged'][0]:.0f} for {summary['window_flagged'][1]:.1f} "
                 "expected")
    lines.append("mean out-of-fold log ratio by s_12 bin: " + " ".join(
        f"{v:+.3f}" for v in summary["mean_log_ratio_by_s12"]) + "  (event spread: " + " ".join(
        f"{v:.2f}" for v in summary["std_log_ratio_by_s12"]) + ")")
    lines.append("flagged / expected by bin: " + " ".join(
        f"{f / e:.2f}" for f, e in zip(summary["flagged_by_s12"], summary["expected_by_s12"])))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- spin
def _in_window(F):
    low, high = WINDOW[0] * MASS_SQUARED, WINDOW[1] * MASS_SQUARED
    return (F[:, 0] > low) & (F[:, 0] < high)


@register(
    "density-ratio-spin",
    paper="arXiv:2109.00546 (CATHODE), arXiv:2102.08380 Sec. 3",
    description="A spin-1 resonance (decay angle cos^2) lets the classifier beat a window cut "
    "on s_12, a spin-0 one does not; the sideband reference against its idealized counterpart.",
    runtime="~1-2 min",
    full_runtime="~30 min",
)
def run_density_ratio_spin(out_dir, *, full=False, verbose=1, random_state=0, settings=None):
    """Spin 0 and spin 1 at one fraction: window cut, density ratio, sideband reference.

    Writes ``spin.png`` and ``summary.txt``.

    Returns
    -------
    summary : dict
        ``table[spin][method]`` = ``{auc, max_sic}`` (the ``window`` methods
        evaluated on test events inside the window), and
        ``sideband_ratio[spin]`` = max SIC of the sideband reference over
        that of its idealized counterpart.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    s = density_ratio_settings(full) if settings is None else settings
    rs, sampler, ref_sampler, rng = _streams(random_state)
    width = LINE_SHAPES["Breit-Wigner (0.5 %)"]
    window = (WINDOW[0] * MASS_SQUARED, WINDOW[1] * MASS_SQUARED)
    F_test_bg = dalitz_features(sampler.sample(s["n_test"]))
    table, ratios, curves = {}, {}, {}
    for step, spin in enumerate((0, 1), start=1):
        log_step(step, 2, "spin-%d resonance: full-space, idealized and sideband detectors", spin,
                 verbose=verbose)
        F_sig = dalitz_features(sample_signal(sampler, s["n_test_signal"], width=width,
                                              spin=spin, rng=rng))
        F_test = np.vstack([F_test_bg, F_sig])
        y_test = np.r_[np.zeros(len(F_test_bg), dtype=int), np.ones(len(F_sig), dtype=int)]
        F, y = bump_hunt_data(sampler, s["n_background"], s["spin_fraction"], width=width,
                              spin=spin, rng=rng)
        (seed,) = draw_seeds(rs, 1)
        full_ref = DensityRatioDetector(reference=_FeatureReference(ref_sampler),
                                        n_reference=s["n_reference"], cv=s["cv"],
                                        random_state=seed).fit(F)
        inside = _in_window(F)
        n_inside = int(inside.sum())
        sideband = DensityRatioDetector(
            reference=SidebandReference(feature=0, window=window, random_state=seed,
                                        verbose=max(0, verbose - 1), **s["flow"]),
            n_reference=4 * n_inside, cv=s["cv"], random_state=seed).fit(F)
        # CATHODE's idealized detector: the window's data against true background in the
        # window, on the same features (the decay angle; s_12 is not shown to either)
        bg = dalitz_features(sampler.sample(int(4 * n_inside / 0.07) + 1000))
        bg = bg[_in_window(bg)][: 4 * n_inside]
        ideal = DensityRatioDetector(reference=bg[:, 1:], cv=s["cv"],
                                     random_state=seed).fit(F[inside, 1:])
        w_test = _in_window(F_test)
        rows = {
            "window cut": _evaluate(y_test, _window_cut_score(F_test)),
            "density ratio": _evaluate(y_test, -full_ref.score_samples(F_test)),
            "sideband (in window)": _evaluate(y_test[w_test],
                                              -sideband.score_samples(F_test[w_test])),
            "idealized (in window)": _evaluate(y_test[w_test],
                                               -ideal.score_samples(F_test[w_test, 1:])),
            "flow epochs": sideband.reference_.n_iter_,
        }
        table[spin] = rows
        ratios[spin] = rows["sideband (in window)"]["max_sic"] / rows["idealized (in window)"][
            "max_sic"]
        curves[spin] = (F_sig[:, 1], sideband.reference_.sample(20_000, random_state=0)[:, 1],
                        F[inside & (y == 0), 1])
    summary = {"table": table, "sideband_ratio": ratios, "settings": dict(s), "full": full,
               "paper": PAPER_CATHODE, "verdict": _spin_verdict(table)}
    fig, axes = subplots(1, 2, 5.2, 4.2)
    bins = np.linspace(-1, 1, 41)
    for ax, (spin, (sig, flow, bg)) in zip(axes[0], curves.items()):
        ax.hist(bg, bins, density=True, histtype="stepfilled", color="0.8",
                label="background in the window")
        ax.hist(flow, bins, density=True, histtype="step", lw=1.5,
                label="sideband flow, interpolated")
        ax.hist(sig, bins, density=True, histtype="step", lw=1.5, label=f"spin-{spin} signal")
        ax.set(xlabel=r"$\cos\theta$ (decay angle)", ylabel="density",
               title=f"spin {spin}: sideband / idealized max SIC = {ratios[spin]:.2f}")
        ax.set_ylim(0, 1.35 * ax.get_ylim()[1])
        ax.legend(fontsize=8, loc="upper center", ncols=2)
    save(fig, out_dir / "spin.png")
    write_summary(out_dir, _spin_text(summary), verbose)
    return summary


#: Largest eps_S / sqrt(eps_B) of any cut on the decay angle for a cos^2 signal against a flat
#: background: the likelihood ratio is 3 cos^2, the best cut |cos| > 0.558 gives
#: (1 - t^3) / sqrt(1 - t) = 1.243.  A flat (spin-0) signal allows 1.
SPIN1_ANGLE_LIMIT = 1.243


def _spin_verdict(table):
    """Within the window the window cut has done its work: does the classifier add to it?"""
    verdict = {}
    for spin, rows in table.items():
        gain = rows["idealized (in window)"]["max_sic"]
        verdict[spin] = {
            "in_window_gain": gain,
            "sideband_gain": rows["sideband (in window)"]["max_sic"],
            "full_space_gain": rows["density ratio"]["max_sic"] / rows["window cut"]["max_sic"],
            "classifier_beats_window_cut": bool(gain > 1.1),
        }
    return verdict


def _spin_text(summary):
    s = summary["settings"]
    lines = [
        "Spin of the resonance: information beyond the mass (arXiv:2102.08380 Sec. 3 set-up)",
        f"data: {s['n_background']:,} phase-space events + a Breit-Wigner (0.5 %) resonance at "
        f"s_12 = {MASS_SQUARED:g}, {100 * s['spin_fraction']:g} % of the data; spin 0: flat "
        "decay angle, spin 1: cos^2",
        f"sideband: flow p(cos_theta | s_12) on the sidebands of {WINDOW[0]:g}-{WINDOW[1]:g} "
        "m^2, sampled in the window; idealized (in window): the same classifier against true "
        "background in the window; both see only cos_theta",
        "window cut: -|s_12 - m^2| (knows the mass); density ratio: (s_12, cos_theta) against "
        "the exact phase space",
        "",
        f"{'spin':>4}{'method':>24}{'AUC':>8}{'max SIC':>9}",
    ]
    limits = {0: 1.0, 1: SPIN1_ANGLE_LIMIT}
    for spin, rows in summary["table"].items():
        for method, r in rows.items():
            if isinstance(r, dict):
                lines.append(f"{spin:>4}{method:>24}{r['auc']:>8.3f}{r['max_sic']:>9.2f}")
        v = summary["verdict"][spin]
        lines.append(f"     spin {spin}: density ratio (s_12, cos_theta) / window cut max SIC = "
                     f"{v['full_space_gain']:.2f}")
        lines.append(
            f"     spin {spin}: max SIC of the idealized classifier inside the window (on top "
            f"of the window cut) = {v['in_window_gain']:.2f} (limit {limits[spin]:.3g}) -> "
            + ("the decay angle carries information: the classifier beats the window cut"
               if v["classifier_beats_window_cut"]
               else "nothing beyond the mass: the window cut is optimal"))
        lines.append(f"     sideband / idealized max SIC (in window) = "
                     f"{summary['sideband_ratio'][spin]:.2f}; flow epochs {rows['flow epochs']}")
    paper = summary["paper"]
    lines.append(f"CATHODE (LHC Olympics R&D): {paper['max_sic']} / {paper['max_sic_idealized']} "
                 f"= {paper['ratio']:.2f}")
    return "\n".join(lines) + "\n"
