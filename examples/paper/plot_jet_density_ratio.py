"""
The gluino bump hunt with a sideband density ratio
==================================================

The jet-mass bump hunt of Farina, Nakai and Shih (arXiv:1808.08992, Fig. 11)
cuts on an autoencoder's loss and looks for a bump in the jet mass. Here the
same 400 GeV gluinos are searched for the way CATHODE (arXiv:2109.00546)
does: a normalizing flow learns the QCD jets' substructure (tau21, tau32,
number of constituents) as a function of the jet mass on the *sidebands* of a
mass window, is interpolated into the window, and a classifier tells the
window's data from the flow's samples (:class:`sktopo.SidebandReference` in
:class:`sktopo.DensityRatioDetector`). No QCD simulation is needed: the
reference comes from the data. ``sktopo reproduce jet-bump-hunt-density-ratio``
also compares the CNN loss cut and an idealized density ratio at two signal
fractions.
"""

# %%
# Data: QCD jets with 1 % gluinos
# -------------------------------
# Jet mass first, then the substructure the classifier sees. The jets are
# those of the ``jet-bump-hunt`` example (cached after the first run).
import numpy as np

from sktopo.experiments._jet_data import jet_sample
from sktopo.experiments._jet_density_ratio import jet_features

qcd = jet_features(jet_sample("qcd", 20_000, role="test", random_state=0, n_jobs=2))
gluino = jet_features(jet_sample("gluino", 1_000, role="test", random_state=0, n_jobs=2))
n_signal = 200  # 1 % of the QCD jets
X = np.vstack([qcd, gluino[:n_signal]])
y = np.r_[np.zeros(len(qcd)), np.ones(n_signal)]
window = (350.0, 450.0)
in_window = (X[:, 0] > window[0]) & (X[:, 0] < window[1])
print(f"{in_window.sum():,} jets in the window, {int(y[in_window].sum())} of them gluinos")

# %%
# The density ratio against the sideband reference
# ------------------------------------------------
# The detector fits the flow on its own training data, compares only the
# window's events and hides the jet mass from the classifier. Training
# events are scored out of fold.
from sklearn.metrics import roc_auc_score  # noqa: E402

from sktopo import DensityRatioDetector, SidebandReference  # noqa: E402

reference = SidebandReference(feature=0, window=window, max_epochs=60, n_iter_no_change=8,
                              random_state=0)
detector = DensityRatioDetector(reference=reference, random_state=0).fit(X)
score = -detector.oof_score_samples_[detector.support_mask_]
labels = y[detector.support_mask_]
print(f"AUC of the out-of-fold log density ratio in the window: "
      f"{roc_auc_score(labels, score):.3f}")
test = detector.global_test(n_permutations=200, random_state=0)
print(f"global test of data = sideband model: p = {test.pvalue:.3f} "
      f"(~{test.significance:.1f} sigma)")

# %%
# Where the flagged jets sit
# --------------------------
# The 2 % of window jets with the largest log ratio against all window jets,
# in the plane of the two N-subjettiness ratios; gluinos are three-pronged
# (small tau32).
import matplotlib.pyplot as plt  # noqa: E402

Xw = X[detector.support_mask_]
top = score >= np.quantile(score, 0.98)
fig, ax = plt.subplots(figsize=(5.6, 4.6), layout="constrained")
ax.scatter(Xw[labels == 0, 1], Xw[labels == 0, 2], s=4, c="0.7", label="QCD")
ax.scatter(Xw[labels == 1, 1], Xw[labels == 1, 2], s=10, c="tab:orange", label="gluino")
ax.scatter(Xw[top, 1], Xw[top, 2], s=40, facecolors="none", edgecolors="k",
           label="top 2 % of the density ratio")
ax.set(xlabel=r"$\tau_{21}$", ylabel=r"$\tau_{32}$",
       title="Jets in the 350-450 GeV window")
ax.legend(fontsize="small")
plt.show()
