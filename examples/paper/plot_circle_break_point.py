"""
Break point of an autoencoder on the circle
===========================================

Reproduces Figs. 4 and 5 of Batson, Haaf, Kahn and Roberts, "Topological
Obstructions to Autoencoding" (arXiv:2102.08380, Sec. 4).

An autoencoder with a one-dimensional latent space is trained on 1000
equidistant points of the unit circle.  A continuous map from the circle to a
line cannot be injective, so the encoder must fold or tear the circle
somewhere: at that *break point* the reconstruction fails and perfectly normal
points get a loss hundreds to a thousand times the typical one.  With a
two-dimensional latent space nothing breaks.  When the training set is
undersampled around an angle, the network puts the break there (Fig. 5).

The paper trains with plain SGD for 20,000 epochs; here we use Adam for 600
epochs (seconds on a CPU), which gives the same picture with a somewhat wider
break region.  ``sktopo reproduce circle --full`` uses the paper's settings.
"""

# %%
# Data: equidistant training points, a uniform test set
# ------------------------------------------------------
import numpy as np

from sktopo import AutoencoderDetector
from sktopo.datasets import make_circle
from sktopo.experiments._circle import circle_settings
from sktopo.plotting import CircleBreakPointDisplay

X_train, _ = make_circle(1000, sampling="equidistant")
X_test, phi_test = make_circle(1000, random_state=1)
settings = circle_settings(full=False)
print(settings)

# %%
# latent_dim = 1: the break point (Fig. 4)
# -----------------------------------------
# The four panels: latent code against the input angle, the model's angle
# against the input angle, model points against data, and the loss on the test
# set.  The largest loss (pale red band) is the break point; the latent code jumps there
# (purple, dotted: the largest jump between neighbouring test points).
det1 = AutoencoderDetector(latent_dim=1, random_state=0, **settings).fit(X_train)
display1 = CircleBreakPointDisplay.from_estimator(det1, X_test, phi_test)
errors1 = display1.errors
print(f"latent_dim=1: worst loss {errors1.max():.3g}, median {np.median(errors1):.3g}, "
      f"ratio {display1.worst_to_median:.3g} (paper: ~10^3)")
latent = display1.latent_display_
print(f"the latent code changes {latent.jump_to_median:.3g}x faster than its median at "
      f"phi={latent.jump_coordinate:.2f}; the largest loss is at phi={display1.break_angle:.2f}")

# %%
# latent_dim = 2: no break
# ------------------------
# A two-dimensional latent space embeds the circle; the loss is small
# everywhere and its largest value is only a few times the median.
det2 = AutoencoderDetector(latent_dim=2, random_state=0, **settings).fit(X_train)
display2 = CircleBreakPointDisplay.from_estimator(det2, X_test, phi_test)
print(f"latent_dim=2: worst loss {display2.errors.max():.3g}, "
      f"median {np.median(display2.errors):.3g}, ratio {display2.worst_to_median:.3g}")

# %%
# Undersampled circle: the break moves into the gap (Fig. 5)
# ----------------------------------------------------------
# Training angles are drawn from a normal distribution centred opposite
# ``phi_u`` (dashed green) with standard deviation pi/3, as in the paper.  The loss is
# large near ``phi_u`` not because those points are anomalous but because the
# topology forces a large loss somewhere, and it is cheapest where training
# points are few.
phi_u = 1.0
X_under, _ = make_circle(1000, sampling="normal", undersampled_angle=phi_u, random_state=2)
det_u = AutoencoderDetector(latent_dim=1, random_state=0, **settings).fit(X_under)
display_u = CircleBreakPointDisplay.from_estimator(
    det_u, X_test, phi_test, undersampled_angle=phi_u, panels=("points", "loss")
)
gap = abs(np.angle(np.exp(1j * (display_u.break_angle - phi_u))))
print(f"undersampled: break point at phi={display_u.break_angle:.2f}, "
      f"{gap:.2f} rad from phi_u={phi_u}")
