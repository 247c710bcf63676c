"""
VAE hyperparameters: the best setting for tops is not the best for Ws
=====================================================================

Reproduces Sec. 3 of Fraser, Homiller, Mishra, Ostdiek and Schwartz,
"Challenges for Unsupervised Anomaly Detection in Particle Physics"
(arXiv:2110.06948): a variational autoencoder trained on QCD jet images is
asked to flag top and W jets, over a grid of latent size x KL weight
``beta`` x reconstruction metric (squared error, or the cross-entropy of a
softmax output, which suits images of unit total intensity).  The paper
finds that these choices matter a lot, that the best choice for one signal
is not the best for the other, and that small changes of ``beta`` move the
result.

Every cell is a dense VAE (hidden layer of 32, softmax output, 10 epochs),
trained twice (two seeds) on 10,000 QCD jets and scored on 5,000 QCD, top
and W test jets, with the reconstruction error of the encoder mean as
anomaly score.  All betas of one
latent size and metric train as one stacked network, sharing initialisation
and batch order, so differences along ``beta`` are not seed noise.
``sktopo reproduce vae-hyperparameters`` runs the same code (``--full``: the
paper's 100,000 jets, three seeds per cell).
"""

# %%
# Jets, as images
# ---------------
# The samples of the ``jet-autoencoders`` example (cached after the first run).
from sktopo.experiments._jet_data import jet_sample
from sktopo.experiments._vae_study import vae_study_settings

settings = vae_study_settings(full=False)
plan = {"train": ("qcd", "train"), "QCD": ("qcd", "test"), "top": ("top", "test"),
        "W": ("w", "test")}
samples = {name: jet_sample(process, settings["sizes"][name], role=role, random_state=0,
                            n_jobs=2)
           for name, (process, role) in plan.items()}

# %%
# Train the grid
# --------------
# Six stacked trainings (3 latent sizes x 2 metrics) of 18 members each
# (nine betas x two seeds).
from sktopo.experiments._vae_study import best_cells, train_grid  # noqa: E402

results = train_grid(samples, settings, random_state=0)
for (signal, fom), (rec, latent, beta, value) in best_cells(results, settings).items():
    print(f"best for {signal:>3} by {fom:>4}: {rec}, latent {latent}, beta {beta:g}: "
          f"{value:.3f}")

# %%
# Heat maps
# ---------
# AUC and E10 (top efficiency at 10 % QCD efficiency) over latent size x
# beta; the star marks the best cell for tops, the square the best for Ws,
# red in the signal's own row of panels.
import matplotlib.pyplot as plt  # noqa: E402

from sktopo.experiments._vae_study import plot_beta_sensitivity, plot_heatmaps  # noqa: E402

for fom in ("AUC", "E10"):
    fig, axes = plt.subplots(2, 2, figsize=(10.4, 6.8), layout="constrained", squeeze=False)
    plot_heatmaps(results, settings, fom, axes)
    fig.suptitle(f"{fom} of the VAE reconstruction score")

# %%
# Sensitivity to beta
# -------------------
# The AUC against beta, for each latent size; solid lines tops, dashed Ws.
fig, axes = plt.subplots(1, 2, figsize=(10.8, 4.0), layout="constrained")
plot_beta_sensitivity(results, settings, "AUC", axes)
plt.show()
