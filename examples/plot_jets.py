"""
Jet observables and average jet images
======================================

The jets of Farina, Nakai and Shih (arXiv:1808.08992, Sec. II): anti-kT jets
of radius 1.0 with pT in [800, 900] GeV and ``|eta| < 1`` from 13 TeV pp
collisions, generated with Pythia 8 by :func:`~sktopo.datasets.make_jets`:
QCD jets (the background), hadronic top jets, hadronic W jets and jets of a
400 GeV R-parity-violating gluino decaying to three quarks.  Signal jets are
truth-matched to their decay products.

We compute the usual substructure observables of :mod:`sktopo.jets` (the jet
mass, the soft-drop groomed mass, the N-subjettiness ratios ``tau_21`` and
``tau_32``) and the average preprocessed jet image of each process, the top
row of Fig. 3 of the paper.  Generating the 8,000 jets takes about 20
minutes on two cores the first time (they are cached on disk); the rest takes
about a minute.
"""

# %%
# Generate the jets
# -----------------
# 2,000 jets per process, seeded, so a second run reads them from the cache.
# ``constituents`` has shape ``(n_jets, 200, 3)``: ``(pT [GeV], eta, phi)``
# per constituent, zero-padded, hardest first.
import numpy as np

from sktopo.datasets import make_jets

processes = ["qcd", "top", "w", "gluino"]
labels = {"qcd": "QCD", "top": "top", "w": "W", "gluino": "gluino (400 GeV)"}
samples = {p: make_jets(p, 2000, random_state=0, n_jobs=2) for p in processes}
for p, bunch in samples.items():
    print(f"{labels[p]:>17}: {bunch.constituents.shape[0]} jets, "
          f"median jet pT {np.median(bunch.jets[:, 0]):.0f} GeV")

# %%
# Jet observables
# ---------------
# Masses come from the massless constituents (a few per cent below the mass
# of the massive hadrons); soft drop (``z_cut = 0.1``, ``beta = 0``,
# Cambridge/Aachen declustering) strips the soft, wide-angle radiation, which
# in a radius-1.0 jet at 850 GeV includes much of the underlying event.
# N-subjettiness uses one-pass kT axes, ``beta = 1``, normalised by
# ``sum pT * R0`` with ``R0 = 1.0``.
from sktopo.jets import jet_mass, n_constituents, nsubjettiness, softdrop_mass

observables = {}
for p, bunch in samples.items():
    c = bunch.constituents
    tau = nsubjettiness(c, (1, 2, 3))
    observables[p] = obs = {
        "mass": jet_mass(c),
        "sd_mass": softdrop_mass(c),
        "tau21": tau[:, 1] / tau[:, 0],
        "tau32": tau[:, 2] / tau[:, 1],
    }
    print(f"{labels[p]:>17}: median mass {np.median(obs['mass']):4.0f} GeV, "
          f"soft-drop {np.median(obs['sd_mass']):4.0f} GeV, "
          f"tau21 {np.median(obs['tau21']):.2f}, tau32 {np.median(obs['tau32']):.2f}, "
          f"{np.median(n_constituents(c)):.0f} constituents")

# %%
# The top mass peaks near 173 GeV; the W peaks near 80 GeV only after
# grooming (the ungroomed W jets sit higher, with the underlying event);
# the gluino jets near 400 GeV; QCD falls steeply.  ``tau_21`` is lower for
# the two-prong W than for QCD and ``tau_32`` lower for the three-prong top.
import matplotlib.pyplot as plt

bins = {
    "mass": np.linspace(0, 500, 51),
    "sd_mass": np.linspace(0, 500, 51),
    "tau21": np.linspace(0, 1, 41),
    "tau32": np.linspace(0, 1, 41),
}
xlabels = {
    "mass": "jet mass [GeV]",
    "sd_mass": "soft-drop mass [GeV]",
    "tau21": r"$\tau_{21}$",
    "tau32": r"$\tau_{32}$",
}
colors = {"qcd": "0.4", "top": "tab:blue", "w": "tab:green", "gluino": "tab:orange"}
fig, axes = plt.subplots(2, 2, figsize=(10, 7), layout="constrained")
for ax, (name, edges) in zip(axes.flat, bins.items()):
    for p in processes:
        ax.hist(observables[p][name], bins=edges, density=True, histtype="step",
                color=colors[p], label=labels[p], linewidth=1.5)
    ax.set_xlabel(xlabels[name])
    ax.set_ylabel("density")
for mass, style in ((80.4, ":"), (172.5, "--"), (400.0, "-.")):
    for ax in axes[0]:
        ax.axvline(mass, color="k", linestyle=style, linewidth=0.8)
axes[0, 0].legend()
fig.suptitle("Jets with pT in [800, 900] GeV, anti-kT R = 1.0 (dotted: W, dashed: top, "
             "dash-dotted: gluino mass)")

# %%
# Average jet images
# ------------------
# :class:`~sktopo.jets.JetImages` applies the preprocessing of the paper
# (after Macaluso and Shih, arXiv:1803.00107): centre on the pT centroid,
# rotate the principal axis to the vertical, flip the harder halves to the
# upper right, pixelate into 37 x 37 pixels over ``[-1.6, 1.6]^2`` and
# normalise each image to unit intensity.  Its output is 2-D, one flattened
# image per row, ready for PCA or a dense autoencoder; reshape to
# ``(-1, 37, 37)`` to look at it.  Like Fig. 3 of arXiv:1808.08992 (top row),
# on a log colour scale.
from matplotlib.colors import LogNorm

from sktopo.jets import JetImages

images = JetImages()
mean_images = {
    p: images.fit_transform(bunch.constituents).mean(axis=0).reshape(images.image_shape_)
    for p, bunch in samples.items()
}
fig, axes = plt.subplots(1, 4, figsize=(15, 4), layout="constrained")
norm = LogNorm(vmin=1e-6, vmax=max(m.max() for m in mean_images.values()))
for ax, p in zip(axes, ["qcd", "top", "gluino", "w"]):
    shown = ax.imshow(np.clip(mean_images[p], 1e-12, None), origin="lower", norm=norm,
                      extent=(-1.6, 1.6, -1.6, 1.6), cmap="viridis")
    ax.set_title(f"{labels[p]} jets")
    ax.set_xlabel(r"$\eta'$ (rotated, flipped)")
axes[0].set_ylabel(r"$\phi'$ (principal axis)")
fig.colorbar(shown, ax=axes, label="mean pixel intensity (pT fraction)")

# %%
# As in the paper's figure, QCD jets are one hard core (with a soft streak
# along the principal axis), top jets show their three prongs (the core, a
# second subjet below it on the principal axis and a third to its side) and
# the gluino jets are the broadest: two hard prongs about 0.45 above and below
# the centroid and a third to the side, with almost nothing at the centroid
# itself.  The flip puts the heavier halves right and up; as the centroid
# balances the jet, a lighter third prong lands on the left.  The W image
# looks like a narrower QCD image: its two prongs sit on the principal axis
# and are often resolved only within a few pixels.  The share of the
# intensity within about 0.2 of the centroid:
for p in ["qcd", "top", "w", "gluino"]:
    print(f"{labels[p]:>17}: {mean_images[p][16:21, 16:21].sum():.2f} of the pT "
          f"in the central 5 x 5 pixels")
