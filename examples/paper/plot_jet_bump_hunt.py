"""
A jet-mass bump hunt after an autoencoder cut
=============================================

Reproduces Fig. 11 and Sec. IV B of Farina, Nakai and Shih, "Searching for
New Physics with Deep Autoencoders" (arXiv:1808.08992): train the CNN
autoencoder directly on "data", QCD jets with 400 GeV RPV gluino jets at the
expected fraction of 1e-3, cut on its loss to reject a factor 1000 of QCD,
and look for a bump in the jet mass.

The paper reads S/B ~ 4 % in a window around 400 GeV before the cut and
~ 25 % after it, and a significance improvement eps_S / sqrt(eps_B) ~ 1.25
at that working point (2-3 at looser cuts). A cut that keeps one QCD jet in
a thousand leaves only a handful of QCD test jets in the window at this size
(20,000 QCD test jets here, 100,000 in the paper), so every S/B below comes
with the number of QCD jets behind it. PCA, whose loss tracks jet mass, is
shown beside the CNN as a contrast: a mass-correlated cut moves the QCD
spectrum towards the signal. ``sktopo reproduce jet-bump-hunt`` runs the
same code.
"""

# %%
# Training "data": QCD with 1e-3 gluinos
# --------------------------------------
# The jets are generated once and cached (the training jets are those of the
# ``jet-autoencoders`` example; 15,000 QCD test jets are added).
import numpy as np

from sktopo.experiments._jet_bump_hunt import jet_bump_hunt_settings
from sktopo.experiments._jet_data import jet_sample
from sktopo.experiments._jet_latent import contaminated_training_set

settings = jet_bump_hunt_settings(full=False)
sizes = settings["sizes"]
samples = {
    "train": jet_sample("qcd", sizes["train"], role="train", random_state=0, n_jobs=2),
    "gluino_train": jet_sample("gluino", sizes["signal_train"], role="train", random_state=0),
    "QCD": jet_sample("qcd", sizes["QCD"], role="test", random_state=0, n_jobs=2),
    "gluino": jet_sample("gluino", sizes["gluino"], role="test", random_state=0, n_jobs=2),
}
X, is_gluino = contaminated_training_set(samples["train"].images,
                                         samples["gluino_train"].images,
                                         settings["signal_fraction"], random_state=0)
print(f"{X.shape[0]:,} training jets, {int(is_gluino.sum())} of them gluinos")

# %%
# The CNN autoencoder and its loss cut
# ------------------------------------
# The loss is the mean squared error per pixel; the cut keeps the 0.1 % of QCD
# test jets with the largest loss. The CNN has 32 channels per layer (the paper:
# 128): with the 8 of the other jet examples, the QCD jets it reconstructs worst
# are heavier than every gluino and the 1000x cut keeps almost no signal. It
# trains for 3-8 minutes on one core.
from sktopo.experiments._jet_autoencoders import member_losses  # noqa: E402
from sktopo.experiments._jet_bump_hunt import bump_hunt_table  # noqa: E402
from sktopo.experiments._jet_data import cnn_detector  # noqa: E402

cnn = cnn_detector(settings["latent_dim"], channels=settings["channels"],
                   batch_size=settings["batch_size"], learning_rate=settings["learning_rate"],
                   max_epochs=settings["max_epochs"], random_state=0, n_threads=1).fit(X)
loss_qcd = member_losses(cnn, samples["QCD"].images)[:, 0]
loss_gluino = member_losses(cnn, samples["gluino"].images)[:, 0]
rows = bump_hunt_table(loss_qcd, samples["QCD"].mass, loss_gluino, samples["gluino"].mass)
for r in rows:
    print(f"QCD / {r['rejection']:6.0f}: eps_S {r['eps_S']:.3f}, eps_S/sqrt(eps_B) "
          f"{r['significance']:.2f}, S/B in 350-450 GeV {r['s_over_b']:.1%} "
          f"({r['n_qcd_window']} QCD jets)")

# %%
# Fig. 11: the jet mass before and after the cut
# ----------------------------------------------
# Grey: QCD test jets; orange: gluinos weighted to 1e-3 of QCD; green: the
# mass window. CNN cuts keeping 1 % and 0.1 % of QCD; right: the 0.1 % cut on
# a PCA loss (not in the paper).
import matplotlib.pyplot as plt  # noqa: E402

from sktopo.experiments._jet_bump_hunt import plot_bump_hunt  # noqa: E402
from sktopo.experiments._jet_data import pca_detector  # noqa: E402
from sktopo.metrics import threshold_at_rejection  # noqa: E402

pca = pca_detector(settings["latent_dim"]).fit(X)
pca_qcd = member_losses(pca, samples["QCD"].images)[:, 0]
pca_gluino = member_losses(pca, samples["gluino"].images)[:, 0]
cuts = {}
for name, lq, lg, rejection in (("CNN", loss_qcd, loss_gluino, 100),
                                ("CNN", loss_qcd, loss_gluino, 1000),
                                ("PCA", pca_qcd, pca_gluino, 1000)):
    t = threshold_at_rejection(lq, background_efficiency=1.0 / rejection)
    cuts[f"after the {name} cut (QCD / {rejection})"] = (lq > t, lg > t)
fig, axes = plt.subplots(1, 4, figsize=(16, 3.9), layout="constrained")
plot_bump_hunt({"mass_qcd": np.asarray(samples["QCD"].mass),
                "mass_signal": np.asarray(samples["gluino"].mass)}, cuts, axes)
plt.show()
