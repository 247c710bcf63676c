"""
Optimal transport against variational autoencoders for jets
===========================================================

Reproduces Secs. 4 and 5 of Fraser, Homiller, Mishra, Ostdiek and Schwartz,
"Challenges for Unsupervised Anomaly Detection in Particle Physics"
(arXiv:2110.06948):

* the Euclidean distances between jets in the latent space (encoder means)
  of an MSE-trained VAE correlate with the exact energy mover's distances
  (EMD) between the jet images;
* scoring a jet by its EMD to the nearest of ``k`` representative QCD jets
  (:class:`~sktopo.detectors.TransportDetector`) separates top and W jets
  about as well as the VAEs;
* the representatives that describe QCD best (k-medoids, many of them) are
  not those that separate the signal best.

Three MSE VAEs (latent size and KL weight varied, as in the paper's scan) are
trained on 10,000 QCD jet images; the representatives come from a pool of
300 QCD training jets, the test samples are 600 QCD, top and W jets each
(about 600,000 exact EMDs, ~3 min; the VAEs ~10 min). ``sktopo reproduce transport-vs-vae`` runs the
same code; ``--full`` uses 3,000 test jets and a pool of 1,000.
"""

# %%
# Run the study
# -------------
# Jets come from the cache of the ``jet-autoencoders`` reproduction.
import tempfile
from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt

from sktopo.experiments._transport_study import run_transport_study

out = Path(tempfile.mkdtemp())
summary = run_transport_study(out, random_state=0, verbose=0)
print((out / "summary.txt").read_text())

# %%
# Latent distances against EMDs
# -----------------------------
# Each point is a pair of QCD jets of the pool.
fig, ax = plt.subplots(figsize=(12, 4), layout="constrained")
ax.imshow(mpimg.imread(out / "latent_vs_emd.png"))
ax.axis("off")

# %%
# ROC curves: transport and the VAEs
# ----------------------------------
# The best and the typical VAE of the scan (ranked by their mean AUC on top and
# W), and the transport scorer with its best number of random and k-medoid
# representatives.
fig, ax = plt.subplots(figsize=(10, 4.4), layout="constrained")
ax.imshow(mpimg.imread(out / "roc_transport_vs_vae.png"))
ax.axis("off")

# %%
# Describing the background against separating the signal
# -------------------------------------------------------
# Left: the mean EMD of QCD test jets to their nearest representative (lower =
# the representatives describe QCD better). Right: the AUC for top and W.
fig, ax = plt.subplots(figsize=(10, 4.2), layout="constrained")
ax.imshow(mpimg.imread(out / "representatives.png"))
ax.axis("off")
plt.show()
