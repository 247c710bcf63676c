"""
Jet autoencoders trained on contaminated data
=============================================

Reproduces Figs. 8 and 9 of Farina, Nakai and Shih, "Searching for New Physics
with Deep Autoencoders" (arXiv:1808.08992, Sec. IV A).

An autoencoder trained directly on data sees the anomalies it should flag.
The paper trains on QCD jets of which a fraction ``f`` are top jets (Fig. 8)
or 400 GeV RPV-gluino jets (Fig. 9) and tests on clean samples: as ``f``
grows to 0.1 the efficiencies E10 and E100 fall only gradually, the gluino
efficiency by 10-20 % at fixed background rejection.

The training set keeps its size (10,000 jets here, 100,000 in the paper):
``f`` of it is signal from the signal's *training* seed, never a test jet.
This script trains PCA and three stacked dense networks (k = 6) per point;
``sktopo reproduce jet-contamination`` adds an 8-channel CNN for tops and for
gluinos at f = 0 and 0.1 (Fig. 9 is the CNN's), ``--full`` the paper's sizes
and every network at every f.
"""

# %%
# Jets and settings
# -----------------
import matplotlib.pyplot as plt

from sktopo.experiments._jet_autoencoders import load_jet_images, member_losses
from sktopo.experiments._jet_data import PAPER_TABLE_I, jet_sample
from sktopo.experiments._jet_latent import (
    contaminated_training_set,
    contamination_settings,
    fit_detector,
    plot_contamination_rocs,
    plot_efficiency_curves,
    signal_efficiencies,
)

settings = contamination_settings(full=False)
sizes = settings["sizes"]
samples = load_jet_images(sizes, random_state=0)
for signal in ("top", "gluino"):
    samples[f"{signal}_train"] = jet_sample(signal, sizes["signal_train"], role="train",
                                            random_state=0)
print({k: settings[k] for k in ("fractions", "trainings", "max_epochs")})

# %%
# Train on contaminated samples, test on clean ones
# -------------------------------------------------
curves, rocs = {}, {}
for signal in ("top", "gluino"):
    curves[signal] = {}
    for arch in ("PCA", "dense"):
        c = curves[signal][arch] = {"x": [], "E10_mean": [], "E10_std": [], "E100_mean": [],
                                    "E100_std": []}
        for f in settings["fractions"]:
            X, _ = contaminated_training_set(samples["train"].images,
                                             samples[f"{signal}_train"].images, f,
                                             n_train=sizes["train"], random_state=0)
            det = fit_detector(arch, X, latent_dim=6, settings=settings)
            loss_qcd = member_losses(det, samples["QCD"].images)
            loss_sig = member_losses(det, samples[signal].images)
            eff = signal_efficiencies(loss_qcd, loss_sig)
            c["x"].append(f)
            for key in ("E10", "E100"):
                c[f"{key}_mean"].append(eff[key]["mean"])
                c[f"{key}_std"].append(eff[key]["std"])
            if signal == "gluino" and arch == "dense":
                rocs[f] = (loss_qcd[:, 0], loss_sig[:, 0])
            print(f"{signal:>6} {arch:>5} f = {f:<4g}: E10/E100 "
                  f"{eff['E10']['mean']:.2f}/{eff['E100']['mean']:.3f}")

# %%
# Fig. 8: E10 and E100 against the contamination
# ----------------------------------------------
# Tops above, gluinos below; the stars are the paper's clean-training values
# (Table I).
fig, axes = plt.subplots(2, 2, figsize=(11.2, 8.4), layout="constrained")
for row, signal in zip(axes, ("top", "gluino")):
    plot_efficiency_curves(curves[signal], row, x_label=f"fraction f of {signal} jets in training",
                           paper={a: v[signal] for a, v in PAPER_TABLE_I.items()}, x_line=0.0)

# %%
# Fig. 9: gluino ROC curves for each f
# ------------------------------------
# Background rejection ``1/eps_B`` against the gluino efficiency, one curve per
# training contamination (first dense training; the paper shows the CNN).
fig, ax = plt.subplots(figsize=(5.8, 4.6), layout="constrained")
plot_contamination_rocs({"dense": rocs}, [ax])
plt.show()
