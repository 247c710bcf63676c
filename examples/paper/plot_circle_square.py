"""
A latent-2 circle autoencoder is (nearly) the identity on the square
====================================================================

Reproduces Fig. 16 of Batson, Haaf, Kahn and Roberts, "Topological
Obstructions to Autoencoding" (arXiv:2102.08380, App. B.1).

The break point of the circle autoencoder comes from its one-dimensional
latent space, not from a lack of capacity: the same network with a
two-dimensional latent space, trained on the same 1000 equally spaced points of
the unit circle, has no break point.  Tested on 3000 points uniform on the
whole square ``-1 <= x, y <= 1`` its loss is smallest on the training circle,
of the same order everywhere else in the square and largest at the corners,
where it has to extrapolate: it has learnt (roughly) the identity map of the
plane.

The paper trains with plain SGD (lr 1e-2) for 20,000 epochs; here Adam (lr
3e-3) for 600 epochs, about 10 s per network on one CPU core.
``sktopo reproduce circle-square`` writes the same figure; ``--full`` uses
the paper's settings.
"""

# %%
# Train on the circle, test on the square
# ---------------------------------------
import matplotlib.pyplot as plt
import numpy as np

from sktopo import AutoencoderDetector
from sktopo.datasets import make_circle
from sktopo.experiments._circle_variants import square_settings, square_statistics
from sktopo.plotting import LossProfileDisplay, ManifoldFitDisplay

settings = square_settings(full=False)
print("network and training:", settings["detector"])
X_train, _ = make_circle(1000, sampling="equidistant")
X_square = np.random.RandomState(1).uniform(-1.0, 1.0, size=(3000, 2))
det = AutoencoderDetector(random_state=0, **settings["detector"]).fit(X_train)
errors = det.reconstruction_error(X_square)

# %%
# The model's output and the loss against the radius (Fig. 16)
# ------------------------------------------------------------
# Left: the model's output for every test point (coloured by its loss) over the
# test points (grey), with the training circle in green; red lines join the ten
# worst points to their outputs.  Right: the loss against the distance ``r``
# from the origin; the corners of the square lie at ``1 < r <= sqrt(2)``.
fig, axes = plt.subplots(1, 2, figsize=(12, 5), layout="constrained")
ManifoldFitDisplay.from_estimator(det, X_square, ax=axes[0])
phi = np.linspace(0, 2 * np.pi, 361)
axes[0].plot(np.cos(phi), np.sin(phi), color="tab:green")
r = np.hypot(X_square[:, 0], X_square[:, 1])
LossProfileDisplay.from_predictions(r, errors, bins=np.linspace(0, np.sqrt(2), 29),
                                    xlabel=r"radius $r = \sqrt{x^2 + y^2}$", ax=axes[1])
axes[1].axvline(1.0, color="tab:green")

# %%
# The numbers behind the paper's statement.
stats = square_statistics(X_square, errors)
train_median = np.median(det.reconstruction_error(X_train))
print(f"median loss: training circle {train_median:.2g}, near it (|r - 1| < 0.05) "
      f"{stats['median_near']:.2g}, inside (r < 0.9) {stats['median_inside']:.2g}, outside "
      f"(1.1 < r <= 1.3) {stats['median_outside']:.2g}, corners (r > 1.3) "
      f"{stats['median_corners']:.2g}")
print(f"corners / inside {stats['corners_to_inside']:.2g}, outside / inside "
      f"{stats['outside_to_inside']:.2g}   (paper: smallest on the training set, the same order "
      "everywhere else except at the corners)")
print(f"share of the square with loss < 0.01 (output within 0.1 of the input): "
      f"{100 * stats['fraction_below_level']:.0f}%   (paper: the network learns the trivial "
      "map on R^2)")

# %%
# No break point: a latent space of dimension 1 against 2
# -------------------------------------------------------
# On 1000 uniform test points of the circle the latent-2 network's worst loss
# is a few times its median; the same network with ``latent_dim=1`` tears the
# circle open somewhere, hundreds of times the median (Sec. 4, Fig. 4).
det_1 = AutoencoderDetector(random_state=0, **dict(settings["detector"], latent_dim=1))
det_1.fit(X_train)
X_circle, phi_circle = make_circle(1000, random_state=2)
order = np.argsort(phi_circle)
fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
for latent_dim, model in ((2, det), (1, det_1)):
    circle_errors = model.reconstruction_error(X_circle)
    ratio = circle_errors.max() / np.median(circle_errors)
    ax.semilogy(phi_circle[order], circle_errors[order], label=f"$d_l$ = {latent_dim}")
    print(f"latent_dim={latent_dim}: worst/median loss on the circle {ratio:.3g}")
ax.set(xlabel=r"angle $\phi$", ylabel="loss $L$")
ax.legend()
plt.show()
