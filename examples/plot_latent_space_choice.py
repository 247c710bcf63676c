"""
A latent space with the data's topology
=======================================

An autoencoder whose latent space is ``R^1`` must tear a circle somewhere:
the points next to the tear are reconstructed far away and get losses
hundreds of times the typical one (arXiv:2102.08380, Sec. 4).  A latent
*circle* has nothing to tear.  This example asks the data which latent space
they need (:func:`~sktopo.diagnostics.suggest_latent_space`), trains both
latent spaces on the circle, and shows the latent code and the loss against
the angle.
"""

# %%
# Ask the data
# ------------
# The persistent Betti numbers of a circle are ``b0 = b1 = 1``: one loop, in
# the top dimension of a 1-dimensional manifold.  A torus has two loops and
# one cavity.
import matplotlib.pyplot as plt
import numpy as np

from sktopo import AutoencoderDetector
from sktopo.datasets import make_circle, make_torus
from sktopo.diagnostics import suggest_latent_space
from sktopo.plotting import CircleBreakPointDisplay

X, phi = make_circle(1000, random_state=0)
suggestion = suggest_latent_space(X, max_dim=1, random_state=0)
print(suggestion.params)
print(suggestion.reason)

X_torus, _ = make_torus(3000, kind="clifford", random_state=0)
print(suggest_latent_space(X_torus, random_state=0).params)

# %%
# Train a Euclidean and a circular latent space
# ---------------------------------------------
# The paper's 5-layer net with Adam for 300 epochs.  ``transform`` of the
# latent circle returns unit vectors ``(cos a, sin a)``: two numbers for one
# latent dimension.
common = dict(latent_dim=1, optimizer="adam", learning_rate=3e-3, max_epochs=300,
              random_state=0)
detectors = {space: AutoencoderDetector(latent_space=space, **common).fit(X)
             for space in ("euclidean", suggestion.latent_space)}
X_test, phi_test = make_circle(1000, random_state=1)
for space, det in detectors.items():
    errors = det.reconstruction_error(X_test)
    print(f"{space:<10} code {det.transform(X_test).shape[1]} numbers, worst/median loss "
          f"{errors.max() / np.median(errors):.3g}")

# %%
# The latent code and the loss against the angle
# ----------------------------------------------
# Top: the ``R^1`` code jumps at the break point, where the loss peaks.
# Bottom: the two numbers of the latent circle follow the angle once around
# without a jump, and the loss stays flat.
fig, axes = plt.subplots(2, 2, figsize=(10, 8), layout="constrained")
for row, (space, det) in zip(axes, detectors.items()):
    CircleBreakPointDisplay.from_estimator(det, X_test, phi_test, panels=("latent", "loss"),
                                           axes=row)
    row[0].set_title(f"latent space: {space}")
plt.show()

# %%
# What it does not do
# -------------------
# A latent circle removes the false positives of the break point.  It does
# not make a signal that lies *on* the data manifold (a resonance in phase
# space) stand out: the network still interpolates through it.  See the user
# guide, "Latent spaces with the data's topology", and the
# ``bump-hunt-sphere-latent`` reproduction.
