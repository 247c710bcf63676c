"""
Autoencoders on QCD jet images flag tops and gluinos
====================================================

Reproduces Table I and Figs. 2, 3, 4 and 10 of Farina, Nakai and Shih,
"Searching for New Physics with Deep Autoencoders" (arXiv:1808.08992).

Three autoencoders learn to compress 37 x 37 images of QCD jets to k = 6
numbers: PCA, the paper's dense network (1369-32-6-32-1369 with a softmax
over the pixels) and its convolutional network.  Jets they reconstruct badly
are anomalous: top jets (three prongs) and 400 GeV RPV-gluino jets (three
light quarks) should have larger reconstruction errors than QCD jets.  The
jet mass alone is the reference: the paper finds that the PCA loss for
gluinos is hardly better than a cut on the mass, and that the CNN loss is
the least correlated with it.

The paper trains on 100,000 Delphes jets and averages five trainings of
128-channel CNNs on a GPU.  Here the jets are Pythia 8 particle-level jets
(no detector), 10,000 for training, and the CNN has 8 channels per layer,
trained twice (three trainings of the dense network), as in
``sktopo reproduce jet-autoencoders``; ``--full`` uses the paper's sizes.
The first run generates the jets (minutes; cached on disk afterwards).
"""

# %%
# QCD training jets and QCD, top, gluino test jets
# ------------------------------------------------
# :func:`~sktopo.datasets.make_jets` generates anti-kT R = 1 jets with pT in
# 800-900 GeV; :class:`~sktopo.jets.JetImages` turns them into the paper's
# preprocessed images (centred, rotated, flipped, unit intensity).
import matplotlib.pyplot as plt
import numpy as np

from sktopo.experiments._jet_autoencoders import (
    ARCHITECTURES,
    PROCESSES,
    jet_autoencoder_settings,
    load_jet_images,
    mass_correlation,
    mean_images,
    member_losses,
    plot_loss_histograms,
    plot_mass_profiles,
    plot_mean_images,
    plot_rocs,
    plot_sculpting,
    table_one,
    train_jet_autoencoders,
)
from sktopo.experiments._jet_data import PAPER_TABLE_I

settings = jet_autoencoder_settings(full=False)
samples = load_jet_images(settings["sizes"], random_state=0, n_jobs=2)
for name, bunch in samples.items():
    print(f"{name:>6}: {bunch.images.shape[0]:,} jets, median mass {np.median(bunch.mass):.0f} GeV")

# %%
# Train PCA, the dense network and the CNN on QCD jets
# ----------------------------------------------------
# The dense and CNN networks are trained several times from different seeds,
# all at once as one stacked :class:`~sktopo.detectors.ChartEnsembleDetector`;
# ``member_errors`` scores each training on its own.
detectors, seconds = train_jet_autoencoders(samples["train"].images, settings, random_state=0,
                                            n_threads=1)
losses = {arch: {p: member_losses(det, samples[p].images) for p in PROCESSES}
          for arch, det in detectors.items()}
masses = {p: samples[p].mass for p in PROCESSES}

# %%
# Fig. 2: reconstruction errors of the CNN
# ----------------------------------------
# QCD jets (grey), which the network was trained on, are reconstructed best;
# top and gluino jets have larger errors.
fig, ax = plt.subplots(figsize=(6.0, 4.6), layout="constrained")
plot_loss_histograms({p: losses["CNN"][p][:, 0] for p in PROCESSES}, ax)

# %%
# Fig. 3: average image, reconstruction and squared error
# -------------------------------------------------------
# Columns QCD, top, gluino; rows: the average image, the average CNN
# reconstruction, the average squared error per pixel (log colour).  The
# reconstruction is a QCD-like blob whatever the input: the error sits
# where tops and gluinos put their second and third prongs.
fig, axes = plt.subplots(3, 3, figsize=(12.0, 10.8), layout="constrained")
plot_mean_images({p: mean_images(detectors["CNN"], samples[p].images) for p in PROCESSES},
                 axes)

# %%
# Fig. 4: ROC curves, with the jet mass as reference
# --------------------------------------------------
# Signal efficiency against background rejection ``1 / eps_B`` for the first
# training of each network; the dashed line is a random tagger.
fig, axes = plt.subplots(1, 2, figsize=(11.2, 4.6), layout="constrained")
for ax, signal in zip(axes, ("top", "gluino")):
    plot_rocs(losses, masses, signal, ax)

# %%
# Table I: E10 and E100 next to the paper's
# -----------------------------------------
# Signal efficiency at 90 % and 99 % QCD rejection, mean over the trainings.
table = table_one(losses, masses)
for arch, row in table.items():
    paper = PAPER_TABLE_I.get(arch, {})
    print(f"{arch:>9}: " + "   ".join(
        f"{s} {row[s]['E10']:.2f}/{row[s]['E100']:.3f} (paper "
        + (f"{paper[s][0]:.2f}/{paper[s][1]:.2f})" if s in paper else "-)")
        for s in ("top", "gluino")))

# %%
# Fig. 10: the losses and the jet mass
# ------------------------------------
# Left: the mean QCD jet mass in bins of each loss.  PCA and dense losses
# rise with the mass; the paper's CNN loss stops following it above
# ~250-300 GeV.  Middle and right: the QCD mass spectrum after loss cuts
# keeping 10 %, 1 % and 0.1 % of the jets, for the CNN and for PCA.
correlation = {arch: mass_correlation(losses[arch]["QCD"][:, 0], masses["QCD"])
               for arch in ARCHITECTURES}
fig, axes = plt.subplots(1, 3, figsize=(16.8, 4.6), layout="constrained")
plot_mass_profiles(correlation, axes[0])
plot_sculpting(correlation, "CNN", axes[1])
plot_sculpting(correlation, "PCA", axes[2])
for arch, c in correlation.items():
    print(f"{arch:>5}: Spearman(loss, mass) {c['spearman']:.2f} over all QCD jets, "
          f"{c['spearman_heavy']:.2f} over the {c['n_heavy']} heavier than 250 GeV")
