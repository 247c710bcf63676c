"""
Complexity bias: trained on tops, an autoencoder calls QCD more normal
======================================================================

A reconstruction error measures how hard a jet is to compress, not how
unlikely it is.  Finke, Krämer, Morandini, Mück and Oleksiyuk,
"Autoencoders for unsupervised anomaly detection in high energy physics"
(arXiv:2104.09051), showed what follows on jet images: trained on QCD jets,
an autoencoder flags top jets, which have three prongs and light more pixels;
trained on top jets, it calls QCD jets *more* normal than the tops it was
trained on, an AUC below 0.5.  The anomaly is missed because it is simple.

The normalized autoencoder (NAE; Dillon, Favaro, Plehn, Sorrenson and Krämer,
"A normalized autoencoder for LHC triggers", arXiv:2206.14225) reads the
reconstruction error :math:`E(x)` as the energy of a normalised density
:math:`p(x) = e^{-E(x)/T} / Z` and trains it by maximum likelihood.  The
normalisation is estimated with samples the model draws itself (Langevin
dynamics), and raising their energy punishes every region the model calls
likely but the data do not fill, simple jets included.  The paper claims that
the NAE flags anomalies in both directions, and top jets against QCD better
than every autoencoder.

Here every detector (PCA, a dense and a convolutional autoencoder, a VAE, the
transport scorer and :class:`~sktopo.detectors.NormalizedAutoencoderDetector`
with its defaults) is trained on 2,000 QCD jets and, separately, on 2,000 top
jets, on two seeds, and scored on 1,000 test jets of each class (plus 500 W
and 200 gluino jets in the QCD-trained direction).  ``sktopo reproduce
complexity-bias`` runs the same code and also writes the table and the
checks to ``summary.txt``.
"""

# %%
# Jets, as images
# ---------------
# 37 x 37 jet images of unit total intensity (arXiv:1808.08992), generated
# with Pythia once and read from the cache afterwards.
from sktopo.experiments._complexity_bias import (
    complexity_bias_settings,
    load_complexity_samples,
)

settings = complexity_bias_settings(full=False)
samples = load_complexity_samples(settings["sizes"], random_state=0, n_jobs=2)
for name, sample in samples.items():
    print(f"{name:>10}: {sample.images.shape[0]:,} jets")

# %%
# Train in both directions
# ------------------------
# Six detectors x two training classes x two seeds (0 and 1): 24 trainings,
# about 25 minutes on one core, most of it the NAE's Langevin sampling and
# the transport scorer's exact energy mover's distances.  For each training,
# :func:`~sktopo.diagnostics.complexity_check` also measures on the training
# class's own test jets how much the score follows their complexity.
from sktopo.experiments._complexity_bias import train_both_directions  # noqa: E402

run = train_both_directions(samples, settings, random_state=0, n_threads=1)

# %%
# Both directions at a glance
# ---------------------------
# Left: the AUC of each detector trained on QCD (top jets as the anomaly,
# circles) and trained on top (QCD jets as the anomaly, squares); one point
# per seed, the bar is their mean.  In the grey region a detector calls the
# anomaly *more* normal than its own training class.  Right: the anomaly
# scores of the top and QCD test jets for the dense autoencoder and the NAE
# trained on top.
import matplotlib.pyplot as plt  # noqa: E402

from sktopo.experiments._complexity_bias import plot_complexity_bias  # noqa: E402

fig = plt.figure(figsize=(13.0, 7.0), layout="constrained")
plot_complexity_bias(run["results"], run["histograms"], fig)

# %%
# The table, the complexity check, and the papers' statements
# -----------------------------------------------------------
# AUC / E10 / E100 (signal efficiency at 10 % and 1 % efficiency of the
# training class), the mean over the two seeds and each seed in brackets.
from sktopo.experiments._common import check_lines  # noqa: E402
from sktopo.experiments._complexity_bias import (  # noqa: E402
    complexity_bias_checks,
    complexity_lines,
    table_lines,
)

print("\n".join(table_lines(run["results"], run["seeds"])))
print()
print("\n".join(complexity_lines(run["complexity"], len(run["seeds"]))))
print()
print("\n".join(check_lines(complexity_bias_checks(run["results"]),
                            "The papers' statements, as measured here:")))
plt.show()

# %%
# What this run measured
# ----------------------
# On the project's machine (one core, about 29 minutes) Finke et al.'s
# inversion reproduced: trained on tops, PCA gives a QCD AUC of 0.26 and the
# dense autoencoder 0.33-0.37, while trained on QCD both flag tops (0.90 and
# 0.92).  The NAE flags both ways on both seeds: trained on tops, QCD AUC
# 0.77-0.81 (+0.44 over the dense autoencoder); trained on QCD, top AUC
# 0.86-0.89.  The NAE is *not* better than every autoencoder for tops
# against QCD, as arXiv:2206.14225 found on 100,000 jets with a CNN: the
# dense autoencoder reaches 0.92 here.  The small CNN autoencoder (8
# channels, 15 epochs) shows no inversion (0.71), and the VAE shows it on
# one seed only (0.29 and 0.74): the bias grows with how well a network
# reconstructs.  ``docs/reproductions.rst`` has the full table.
