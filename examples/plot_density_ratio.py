"""
An excess inside the background: density ratio, not reconstruction
==================================================================

An autoencoder flags what it reconstructs badly. A resonance is an *excess*
of events in a region that the background also fills, and nothing there is
hard to reconstruct (arXiv:2102.08380, Sec. 3). :class:`sktopo.DensityRatioDetector`
learns the ratio of the data density to a reference with a classifier
(CWoLa, the "new physics learning machine", CATHODE) and scores every event
by ``log p_data / p_ref``.

Here the background is a smooth two-dimensional distribution, a falling
"mass" ``m`` and a feature ``x`` that follows it, and the signal a narrow
blob in its densest band, at ``m = 0.5`` and ``x = m``: 2 % of the data, and
typical of the background in every respect but its density.
"""

# %%
# Data: a line inside the background
# ----------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import roc_auc_score

from sktopo import DensityRatioDetector, PCADetector, SidebandReference

rng = np.random.RandomState(0)
n = 20_000
m = rng.exponential(0.3, n)  # a falling "mass" spectrum
background = np.c_[m, rng.normal(m, 0.2)]  # the other feature follows the mass
n_signal = 400
signal = np.c_[rng.normal(0.5, 0.01, n_signal), rng.normal(0.5, 0.03, n_signal)]
X = np.vstack([background, signal])
is_signal = np.r_[np.zeros(n), np.ones(n_signal)]

# %%
# Against a reference sample
# --------------------------
# With a signal-free reference (here: more background events; in practice a
# simulation), the classifier's out-of-fold scores rank the signal first,
# while a reconstruction error (PCA) finds it *more* normal than the
# background: it sits on the line the background follows.
reference = np.c_[rng.exponential(0.3, 2 * n)]
reference = np.c_[reference, rng.normal(reference[:, 0], 0.2)]
det = DensityRatioDetector(reference=reference, random_state=0).fit(X)
pca = PCADetector(n_components=1).fit(X)
print(f"AUC, density ratio (out of fold): {roc_auc_score(is_signal, -det.oof_score_samples_):.3f}")
print(f"AUC, PCA reconstruction error:    {roc_auc_score(is_signal, -pca.score_samples(X)):.3f}")

# %%
# Is there anything here, and how significant? The global test permutes the
# data/reference labels of held-out events (exact, no refit).
result = det.global_test(n_permutations=200, random_state=0)
print(f"global test: p = {result.pvalue:.3g}, about {result.significance:.1f} sigma")

# %%
# Without a reference: sideband interpolation
# -------------------------------------------
# With no simulation, build the reference from the data: a normalizing flow of
# the other feature given the mass, trained outside a window in the mass and
# sampled inside it (CATHODE). Only the window's events are compared.
sideband = SidebandReference(feature=0, window=(0.4, 0.6), max_epochs=30, batch_size=512,
                             learning_rate=3e-3, random_state=0)
cathode = DensityRatioDetector(reference=sideband, n_reference=20_000, random_state=0).fit(X)
inside = cathode.support_mask_
auc = roc_auc_score(is_signal[inside], -cathode.oof_score_samples_[inside])
print(f"window events: {inside.sum()}, AUC in the window (out of fold): {auc:.3f}")
print(f"global test: p = {cathode.global_test(n_permutations=200, random_state=0).pvalue:.3g}")

# %%
# The window's data, the flow's interpolated background, and the events the
# detector flags (the 1 % largest out-of-fold log ratios in the window).
samples = cathode.reference_.sample(5000, random_state=1)
flagged = inside & (cathode.oof_score_samples_ <= np.nanquantile(cathode.oof_score_samples_,
                                                                   0.01))
fig, ax = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
bins = np.linspace(-0.5, 1.5, 41)
ax[0].hist(X[inside & (is_signal == 0), 1], bins, density=True, color="0.8",
           label="background in the window")
ax[0].hist(samples[:, 1], bins, density=True, histtype="step", lw=1.5, label="sideband flow")
ax[0].hist(X[inside, 1], bins, density=True, histtype="step", lw=1.5, label="data in the window")
ax[0].set(xlabel="x", ylabel="density")
ax[0].legend(fontsize=8, loc="upper left")
ax[1].scatter(X[inside, 0], X[inside, 1], s=2, c="0.7", label="data in the window")
ax[1].scatter(X[flagged, 0], X[flagged, 1], s=6, c="C3", label="flagged (top 1 %)")
ax[1].set(xlabel="m", ylabel="x")
ax[1].legend()
plt.show()
