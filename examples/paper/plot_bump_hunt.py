"""
An autoencoder bump hunt that fails
===================================

Reproduces Figs. 2 and 3 of Batson, Haaf, Kahn and Roberts, "Topological
Obstructions to Autoencoding" (arXiv:2102.08380, Sec. 3).

Three massless particles ``Y Ybar Z`` fill Lorentz-invariant phase space, a
five-dimensional manifold in the twelve momentum components.  A resonance
``X -> Y Ybar`` of mass squared ``s_YY = 0.25`` would put signal events on the
line ``s_YY = 0.25`` of the Dalitz plot.  As in a bump hunt, a 7-layer
autoencoder (hidden widths 64, 64, latent dimension 5) is trained on the
*sidebands*: phase space without the window ``0.9 < s_YY / 0.25 < 1.1``.
If the autoencoder were a good anomaly detector, signal events, which it has
never seen, would have larger losses than sideband events.  They do not: the
network interpolates through the window, and the two loss distributions are
almost identical.

The paper trains on 1e5 events with plain SGD for 20,000 epochs; here we use
50,000 events and Adam for 200 epochs (about a minute on a CPU), so the loss
tail is heavier than the paper's.  ``sktopo reproduce bump-hunt --full`` uses
the paper's settings.
"""

# %%
# Sideband training set, sideband test set, signal set
# ----------------------------------------------------
# :func:`~sktopo.datasets.make_bump_hunt` samples flat phase space without the
# window (training and test) and events on the resonance (signal).
import numpy as np
from sklearn.metrics import roc_auc_score

from sktopo import AutoencoderDetector
from sktopo.datasets import make_bump_hunt
from sktopo.experiments._bump_hunt import bump_hunt_settings
from sktopo.plotting import DalitzPlotDisplay, LossHistogramDisplay

settings = bump_hunt_settings(full=False)
print(settings)
data = make_bump_hunt(
    settings["n_train"], settings["n_test"], settings["n_signal"],
    mass_squared=0.25, window=(0.9, 1.1), random_state=0,
)
print(f"excised window: {data.window[0]:.3f} < s_12 < {data.window[1]:.3f}")

# %%
# Train the autoencoder on the sidebands
# --------------------------------------
# Twelve inputs, hidden widths (64, 64), latent dimension 5: the dimension of
# phase space.
detector = AutoencoderDetector(random_state=0, **settings["detector"]).fit(data.X_train)
errors_test = detector.reconstruction_error(data.X_test)
errors_signal = detector.reconstruction_error(data.X_signal)

# %%
# Fig. 2: the sideband test set in the Dalitz plane
# -------------------------------------------------
# Left: the reconstructions of 5% of the test events, coloured by loss; the
# grey band is the excised window.  The corners of the triangle (one soft
# particle) are reconstructed poorly.  Right: the ten worst events (blue) and
# arrows to their reconstructions (red), mapped far away.
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, 2, figsize=(11.5, 4.9), layout="constrained")
display = DalitzPlotDisplay.from_estimator(
    detector, data.X_test, window=data.window, n_worst=0, subsample=0.05, ax=axes[0]
)
display.plot(ax=axes[1], n_worst=10, subsample=0.0)
worst = display.worst_order[0]
s_worst = display.s_data[worst, 0]
edge = np.min(np.abs(s_worst - np.asarray(data.window)))
print(f"worst loss {display.errors[worst]:.3g} at s_12 = {s_worst:.3f}, {edge:.3f} from the "
      "window's edge (paper: ~0.05, near the edge of the excised interval)")

# %%
# Fig. 3: the signal is interpolated
# ----------------------------------
# Left: the signal events sit on the line ``s_12 = 0.25`` and are
# reconstructed near it, although no training event came from there.
# Right: the normalised loss distributions of both sets, with the paper's
# cut ``L = 1e-2``.
fig, axes = plt.subplots(1, 2, figsize=(11.5, 4.9), layout="constrained")
DalitzPlotDisplay.from_estimator(
    detector, data.X_signal, window=data.window, n_worst=0, subsample=0.05, ax=axes[0]
)
LossHistogramDisplay.from_predictions(
    {"sideband test": errors_test, "signal": errors_signal}, cut=1e-2, ax=axes[1]
)

# %%
# Numbers next to the paper's
# ---------------------------
# The reconstruction error as a score (signal = 1) separates the sets no
# better than chance; cutting at ``L = 1e-2`` keeps signal and background at
# similar rates.
y = np.r_[np.zeros(errors_test.size), np.ones(errors_signal.size)]
auc = roc_auc_score(y, np.r_[errors_test, errors_signal])
eps_s, eps_b = np.mean(errors_signal > 1e-2), np.mean(errors_test > 1e-2)
print(f"ROC AUC = {auc:.3f}  (0.5: no separation; paper: 'almost identical' distributions)")
print(f"eps_S = {eps_s:.3g}  (paper 7.4e-4),  1/eps_B = {1 / eps_b:.3g}  (paper 3e3)")
