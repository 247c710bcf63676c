"""
Choosing the latent dimension of a jet autoencoder without signal
=================================================================

Reproduces Figs. 5 and 6 of Farina, Nakai and Shih, "Searching for New Physics
with Deep Autoencoders" (arXiv:1808.08992, Sec. III B).

An autoencoder for anomaly detection needs a latent size ``k``: too small and
it cannot describe the background, too large and it approaches the identity
and reconstructs everything.  The paper picks ``k`` without looking at any
signal: at the elbow of the PCA scree plot of QCD jet images, where the mean
reconstruction loss of PCA, a dense and a convolutional autoencoder also
stops falling steeply (``k ~ 6``).  Fig. 6 then checks the choice against
top jets: E10 and E100 (signal efficiency at 90 % and 99 % QCD rejection)
plateau there too.

Jets are Pythia 8 jets (no detector simulation), 37 x 37 images, cached on
disk by :func:`sktopo.datasets.make_jets`.  This script trains on 10,000 QCD
jets (the paper: 100,000), three stacked dense trainings per ``k`` (the
paper: five) and, to stay short, one 8-channel CNN at ``k = 6`` only (the
paper: 128 channels at every ``k``).  The CPU-sized CNN trains for at most
8 epochs, with a larger step and smaller batches (``CPU_NETWORK_OVERRIDES``
of :mod:`sktopo.experiments._jet_latent`).
``sktopo reproduce jet-latent-dim`` runs the CNN at ``k = 2, 6, 12``;
``--full`` the paper's sizes and networks.
"""

# %%
# Jets and settings
# -----------------
# The same samples as the ``jet-autoencoders`` reproduction: QCD training jets,
# and QCD and top test jets from other seeds.
import matplotlib.pyplot as plt

from sktopo.diagnostics import pca_scree
from sktopo.experiments._jet_autoencoders import member_losses
from sktopo.experiments._jet_data import PAPER_TABLE_I, jet_sample
from sktopo.experiments._jet_latent import (
    fit_detector,
    latent_dim_settings,
    plot_efficiency_curves,
    plot_latent_dim,
    signal_efficiencies,
)

settings = latent_dim_settings(full=False)
settings["latent_dims"]["CNN"] = (6,)
sizes = settings["sizes"]
train = jet_sample("qcd", sizes["train"], role="train", random_state=0)
qcd = jet_sample("qcd", sizes["test"], role="test", random_state=0)
top = jet_sample("top", sizes["top"], role="test", random_state=0)
print({k: settings[k] for k in ("latent_dims", "channels", "trainings", "max_epochs")})

# %%
# Train every architecture at every k
# -----------------------------------
# The loss of a jet is the mean squared error per pixel (the paper's Eq. 2.1).
# Several trainings of a network run as one stacked network
# (:class:`~sktopo.detectors.ChartEnsembleDetector`); each is scored on its own.
results = {}
for arch, ks in settings["latent_dims"].items():
    r = results[arch] = {"k": [], "loss_mean": [], "loss_std": []}
    r.update({f"{key}_{stat}": [] for key in ("E10", "E100") for stat in ("mean", "std")})
    for k in ks:
        det = fit_detector(arch, train.images, latent_dim=k, settings=settings)
        loss_qcd, loss_top = member_losses(det, qcd.images), member_losses(det, top.images)
        eff = signal_efficiencies(loss_qcd, loss_top)
        r["k"].append(k)
        r["loss_mean"].append(loss_qcd.mean(axis=0).mean())
        r["loss_std"].append(loss_qcd.mean(axis=0).std())
        for key in ("E10", "E100"):
            r[f"{key}_mean"].append(eff[key]["mean"])
            r[f"{key}_std"].append(eff[key]["std"])
        print(f"{arch:>6} k = {k:>2}: mean QCD loss {r['loss_mean'][-1]:.3g}, top "
              f"E10/E100 {r['E10_mean'][-1]:.2f}/{r['E100_mean'][-1]:.3f}")

# %%
# Fig. 5: the scree plot and the mean loss against k
# --------------------------------------------------
# Left: the share of the QCD image variance carried by each principal
# component (log scale) and its running sum; the dashed lines mark 95 %.
# Right: the mean QCD test loss of each architecture against ``k``.
scree = pca_scree(train.images, n_components=settings["n_scree"])
fig, axes = plt.subplots(1, 2, figsize=(11.2, 4.4), layout="constrained")
plot_latent_dim({"scree": {"ratio": scree.explained_variance_ratio},
                 "results": results}, axes)
print(f"cumulative variance share at k = 6: {scree.cumulative_explained_variance_ratio[5]:.3f}")

# %%
# Fig. 6: top-jet efficiencies against k
# --------------------------------------
# The stars are the paper's Table I (k = 6, 100,000 training jets).
fig, axes = plt.subplots(1, 2, figsize=(11.2, 4.4), layout="constrained")
plot_efficiency_curves({a: dict(r, x=r["k"]) for a, r in results.items()}, axes,
                       x_label="latent dimension k",
                       paper={a: v["top"] for a, v in PAPER_TABLE_I.items()}, x_line=6)
plt.show()
