"""
The double cone: a break in the bulk, bumps at the tips
=======================================================

Reproduces Fig. 9 of Batson, Haaf, Kahn and Roberts, "Topological
Obstructions to Autoencoding" (arXiv:2102.08380, Sec. 5.2).

A double cone of height 2 and equatorial radius 1 has the topology of the
sphere, so an autoencoder with a two-dimensional latent space must tear it
somewhere.  Sampling uniformly in height oversamples the tips (the circles
there are small), so the cheapest place to tear is the sparsely sampled bulk:
the global maximum of the loss lies there.  The tips, where the embedding is
not differentiable, are hard for a smooth network to reproduce and show up as
local maxima of the loss against height.  This is the cartoon of the corners
of the Dalitz plot in three-body phase space (Sec. 7).

The paper trains with plain SGD for 20,000 epochs; here we use Adam for 400
epochs (under a minute on a CPU).  ``sktopo reproduce double-cone`` writes the
same figure; ``--full`` uses the paper's settings.
"""

# %%
# Training set: uniform in height
# -------------------------------
import matplotlib.pyplot as plt
import numpy as np

from sktopo.datasets import make_double_cone
from sktopo.experiments._spheres import fit_and_evaluate, sphere_settings, tip_statistics
from sktopo.plotting import LossProfileDisplay, ManifoldFitDisplay

settings = sphere_settings(full=False)
X_train, _ = make_double_cone(3000, sampling="height", random_state=0)
X_test, t_test = make_double_cone(3000, sampling="height", random_state=1)
z = t_test[:, 0]

fig = plt.figure(figsize=(6, 5), layout="constrained")
ax = fig.add_subplot(projection="3d")
ax.scatter(*X_train.T, s=2, linewidths=0)
ax.set(xlabel="$x$", ylabel="$y$", zlabel="$z$", title="Training set (dense at the tips)")

# %%
# The model's output and the loss against height (Fig. 9)
# -------------------------------------------------------
# Left: the model's output coloured by loss over the test data (grey); red
# lines join the ten worst points to their outputs.  Right: the loss against
# the true height, with the binned median and maximum.
fit = fit_and_evaluate(X_train, X_test, settings, random_state=0)
fig = plt.figure(figsize=(12, 5), layout="constrained")
ManifoldFitDisplay.from_predictions(X_test, fit.X_model, errors=fit.errors, elev=15,
                                    ax=fig.add_subplot(1, 2, 1, projection="3d"))
LossProfileDisplay.from_predictions(z, fit.errors, bins=np.linspace(-1, 1, 21),
                                    xlabel="height $z$", ax=fig.add_subplot(1, 2, 2))

stats = tip_statistics(z, fit.errors)
print(f"worst loss {fit.errors.max():.3g} at z = {z[fit.worst]:.2f}, median "
      f"{np.median(fit.errors):.3g}   (paper: global maximum at the break point, in the bulk)")
print(f"binned median loss at the tip over the lowest binned median of its half: "
      f"z = -1: {stats['tip_rise_bottom']:.2f}, z = +1: {stats['tip_rise_top']:.2f}   "
      "(paper: local maxima at the tips, i.e. > 1)")
print(f"largest loss at the tips (|z| > 0.9) {stats['max_tips']:.3g}, "
      f"{stats['max_tips'] / np.median(fit.errors):.3g} x the median loss")
