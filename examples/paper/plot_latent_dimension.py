"""
A larger latent space does not cure topology
============================================

Reproduces Sec. 8 of Batson, Haaf, Kahn and Roberts, "Topological
Obstructions to Autoencoding" (arXiv:2102.08380; details in their App. C).

With a latent space larger than the manifold's dimension, an embedding of the
manifold into the latent space may exist, but gradient descent need not find
it:

* the trefoil knot (a circle in ``R^3``) embeds in the plane, yet a
  ``latent_dim=2`` autoencoder keeps a latent curve that crosses itself;
* the Clifford torus in ``R^4`` embeds in ``R^3`` (the donut), yet with
  ``latent_dim=3`` most seeds pinch one of its circles at two places;
* ``SO(3)`` (``RP^3``, flattened to ``R^9``) embeds in ``R^5``, yet is badly
  reconstructed for ``latent_dim`` 3, 4 and 5, while ``SU(2)`` (``S^3``) is
  reconstructed almost perfectly at ``latent_dim=4``.

The paper trains with SGD for 20,000 epochs; here Adam trains for 100-600
epochs (about a minute and a half on one CPU core).
``sktopo reproduce latent-dim --full`` uses the paper's settings.
"""

# %%
# Settings
# --------
import matplotlib.pyplot as plt
import numpy as np

from sktopo import AutoencoderDetector
from sktopo.datasets import make_so3, make_su2, make_torus, make_trefoil
from sktopo.detectors import ChartEnsembleDetector
from sktopo.experiments._higher import count_self_crossings, latent_settings
from sktopo.plotting import LatentCoordinateDisplay, LossProfileDisplay

settings = latent_settings(full=False)
for key, s in settings.items():
    print(key, s)


def worst_to_median(errors, axis=0):
    return errors.max(axis=axis) / np.median(errors, axis=axis)


# %%
# Trefoil knot with latent_dim = 2
# --------------------------------
# Left: the test loss against the knot parameter.  Centre: both latent
# coordinates of 400 equidistant knot points against the knot parameter; they
# are continuous (no tear: the knot is a circle and ``latent_dim=2`` can
# hold it).  Right: the same latent curve in the plane, coloured by the knot
# parameter.  It crosses itself where the knot crossed itself in the
# projection the encoder learned; at each crossing two distant arcs of the knot
# share latent codes and the loss peaks.
s = settings["trefoil"]
X_train, _ = make_trefoil(s["n_train"], random_state=0)
X_test, s_test = make_trefoil(s["n_test"], random_state=1)
X_grid, s_grid = make_trefoil(400, sampling="equidistant")
det = AutoencoderDetector(latent_dim=2, random_state=0, **s["detector"]).fit(X_train)
errors = det.reconstruction_error(X_test)
Z = det.transform(X_grid)
crossings = count_self_crossings(Z)
print(f"trefoil, latent_dim=2: worst/median loss {worst_to_median(errors):.3g}, "
      f"{crossings} self-crossings of the latent curve (0 would be an embedding); paper: "
      "stuck at a local minimum with self-intersections")

fig, (ax0, ax1, ax2) = plt.subplots(1, 3, figsize=(16, 4.4), layout="constrained")
LossProfileDisplay.from_predictions(s_test, errors, bins=np.linspace(0, 2 * np.pi, 37),
                                    xlabel="knot parameter $s$", ax=ax0)
LatentCoordinateDisplay.from_estimator(det, X_grid, s_grid, period=2 * np.pi,
                                       xlabel="knot parameter $s$", ax=ax1)
points = ax2.scatter(Z[:, 0], Z[:, 1], c=s_grid, s=4, cmap="twilight")
fig.colorbar(points, ax=ax2, label="$s$")
ax2.set(xlabel="$z_1$", ylabel="$z_2$", title=f"latent curve: {crossings} self-crossings")
plt.show()

# %%
# Clifford torus with latent_dim = 3, over seeds
# ----------------------------------------------
# Eight independently initialised networks, trained together as the members of
# one :class:`~sktopo.detectors.ChartEnsembleDetector`.  A network that found
# the donut embedding would have a small worst/median loss ratio; the maps of
# the test loss over the two angles show the lines where the others tear the
# torus.
s = settings["torus"]
X_train, _ = make_torus(s["n_train"], kind="clifford", random_state=0)
X_test, angles = make_torus(s["n_test"], kind="clifford", random_state=1)
template = AutoencoderDetector(latent_dim=3, **s["detector"])
ens = ChartEnsembleDetector(estimator=template, n_charts=s["n_seeds"], random_state=0)
member_errors = ens.fit(X_train).member_errors(X_test)
ratios = worst_to_median(member_errors)
n_good = int(np.sum(ratios < 50))
print(f"Clifford torus: worst/median per seed {np.round(ratios).astype(int).tolist()}; "
      f"{n_good} of {ratios.size} below 50 (paper: the global minimum is found infrequently)")

fig, axes = plt.subplots(2, 4, figsize=(14, 6.6), layout="constrained")
for k, ax in enumerate(axes.ravel()):
    e = member_errors[:, k]
    top = np.argsort(e)
    ax.scatter(*angles[top].T, c=np.log10(e[top]), s=2, cmap="viridis",
               vmin=np.log10(np.median(member_errors)), vmax=np.log10(member_errors.max()))
    ax.set(xlabel=r"$\theta$", ylabel=r"$\phi$", title=f"seed {k}: {ratios[k]:.3g}")
fig.suptitle("log10 test loss over the torus angles (title: worst/median)")
plt.show()

# %%
# SO(3) against SU(2) as the latent dimension grows
# -------------------------------------------------
# Both are 3-dimensional.  ``SU(2)`` is a 3-sphere: it breaks at one point for
# ``latent_dim=3`` and is cured at ``latent_dim=4``.  ``SO(3)`` has the
# topology of ``RP^3``, which does not embed in ``R^4``; at ``latent_dim=5``
# (where an embedding exists) training does not find it.
s = settings["so3"]
results = {}
for name, make, dims in (("SO(3)", make_so3, (3, 4, 5)), ("SU(2)", make_su2, (3, 4))):
    X_train, _ = make(s["n_train"], random_state=0)
    X_test, _ = make(s["n_test"], random_state=1)
    for latent_dim in dims:
        det = AutoencoderDetector(random_state=0, **dict(s["detector"], latent_dim=latent_dim))
        errors = det.fit(X_train).reconstruction_error(X_test)
        results[name, latent_dim] = errors
        print(f"{name}, latent_dim={latent_dim}: median loss {np.median(errors):.3g}, worst "
              f"{errors.max():.3g}, worst/median {worst_to_median(errors):.3g}")
print("paper: SO(3) is not reconstructed well even up to latent_dim=5")

fig, ax = plt.subplots(figsize=(5.5, 4.2), layout="constrained")
for name, marker in (("SO(3)", "o"), ("SU(2)", "s")):
    dims = [d for n, d in results if n == name]
    ax.semilogy(dims, [np.median(results[name, d]) for d in dims], marker=marker, label=name)
ax.set(xlabel="latent dimension", ylabel="median test loss", xticks=[3, 4, 5])
ax.legend()
plt.show()
