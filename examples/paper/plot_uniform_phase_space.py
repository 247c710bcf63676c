"""
An autoencoder on uniform three-body phase space
================================================

Reproduces Figs. 11 and 12 of Batson, Haaf, Kahn and Roberts, "Topological
Obstructions to Autoencoding" (arXiv:2102.08380, Sec. 7).

Three-body phase space is a five-dimensional manifold with the topology of
the sphere ``S^5``.  An autoencoder with a five-dimensional latent space must
tear it somewhere: around a *break point* events are reconstructed far from
where they are, however typical they are.  Trained on phase space sampled
uniformly (no sidebands), the network's loss is largest near one point and
falls with the distance from it, and signal events on the line
``s_YY = 0.25`` are not more anomalous than the background.

The paper trains on 1e5 events with plain SGD for 20,000 epochs; here we use
50,000 events and Adam for 200 epochs (about a minute on a CPU).
``sktopo reproduce uniform-phase-space --full`` uses the paper's settings.
"""

# %%
# Uniform training and test sets, and signal events
# -------------------------------------------------
import numpy as np
from sklearn.metrics import roc_auc_score

from sktopo import AutoencoderDetector, PhaseSpaceSampler
from sktopo.experiments._bump_hunt import bump_hunt_settings
from sktopo.plotting import DalitzPlotDisplay, LossDistanceDisplay, LossHistogramDisplay

settings = bump_hunt_settings(full=False)
print(settings)
sampler = PhaseSpaceSampler(n_particles=3, random_state=0).fit()
X_train = sampler.sample(settings["n_train"])
X_test = sampler.sample(settings["n_test"])
X_signal = sampler.sample_on_resonance(settings["n_signal"], mass_squared=0.25, pair=(0, 1))

# %%
# Train the 7-layer autoencoder with latent dimension 5
# -----------------------------------------------------
detector = AutoencoderDetector(random_state=0, **settings["detector"]).fit(X_train)
errors_test = detector.reconstruction_error(X_test)
errors_signal = detector.reconstruction_error(X_signal)

# %%
# Fig. 11: one break point
# ------------------------
# Left: the loss of every test event against its Euclidean distance (in the
# twelve momentum components) from the worst event.  Centre: the
# reconstructions of 5% of the test events, coloured by loss; the corners
# are reconstructed poorly.  Right: the ten worst events and their
# reconstructions.
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, 3, figsize=(17, 4.9), layout="constrained")
distance = LossDistanceDisplay.from_predictions(X_test, errors_test, ax=axes[0])
display = DalitzPlotDisplay.from_estimator(
    detector, X_test, n_worst=0, subsample=0.05, ax=axes[1]
)
display.plot(ax=axes[2], n_worst=10, subsample=0.0)
s12, s13 = display.s_data[distance.worst_index]
print(f"Spearman correlation of loss and distance: {distance.spearman:.3f} "
      "(paper: loss falls with distance)")
print(f"worst loss {errors_test.max():.3g} at (s_12, s_13, s_23) = "
      f"({s12:.3f}, {s13:.3f}, {1 - s12 - s13:.3f}) (paper: a generic interior point)")

# %%
# Fig. 12: the signal is not flagged
# ----------------------------------
# The signal events lie on a four-dimensional submanifold that the network
# reconstructs as well as anything else; its loss tail is no larger than the
# background's.
LossHistogramDisplay.from_predictions(
    {"uniform test": errors_test, "signal": errors_signal}, cut=1e-2
)
y = np.r_[np.zeros(errors_test.size), np.ones(errors_signal.size)]
auc = roc_auc_score(y, np.r_[errors_test, errors_signal])
print(f"ROC AUC = {auc:.3f} (below 0.5: the signal looks *less* anomalous)")
print(f"cut L > 1e-2: eps_S = {np.mean(errors_signal > 1e-2):.3g}, "
      f"eps_B = {np.mean(errors_test > 1e-2):.3g} (paper: the signal's tail is smaller)")
