"""
A variational autoencoder as an anomaly detector
================================================

:class:`~sktopo.VAEDetector` trains a dense variational autoencoder on
background only and scores new samples with one of four numbers, all
computed from the encoder mean (so a sample gets the same score in every
call): the reconstruction error of the decoded mean, the KL divergence of
``q(z|x)`` from the prior, their sum weighted as in training (the negative
ELBO), or the distance of the mean from the origin of the latent space.

The background here is a two-dimensional Gaussian blob embedded in eight
dimensions with a little noise.  One set of anomalies is the blob shifted
off its plane, along a direction the background never moves in: the
reconstruction error sees it, the latent-space scores (KL, latent norm) do
not, since the encoder maps it onto ordinary codes.  A second set is shifted
far *within* the plane: every score sees that one (the latent scores by
construction, the reconstruction error because the decoder does not
extrapolate).  Which score to use depends on which anomalies one expects.
"""

# %%
# Data
# ----
import numpy as np

rng = np.random.RandomState(0)
basis = np.linalg.qr(rng.normal(size=(8, 8)))[0]


def sample(n, shift_out=0.0, shift_in=0.0):
    """Points of the plane spanned by basis[:, :2], shifted in or out of it."""
    plane = rng.normal(size=(n, 2)) + [shift_in, 0.0]
    X = plane @ basis[:, :2].T + 0.05 * rng.normal(size=(n, 8))
    return X + shift_out * basis[:, 2]


X_train = sample(2000)
test = {"background": sample(500), "off the plane": sample(500, shift_out=1.0),
        "far in the plane": sample(500, shift_in=4.0)}

# %%
# Train, and score with every score
# ---------------------------------
# ``beta`` weighs the KL term; ``beta=0`` switches it off.
from sklearn.metrics import roc_auc_score

from sktopo import VAEDetector

det = VAEDetector(latent_dim=2, beta=0.1, hidden_layer_sizes=(32,), max_epochs=60,
                  batch_size=64, random_state=0).fit(X_train)
scores = {name: det.anomaly_scores(X) for name, X in test.items()}
for anomaly in ("off the plane", "far in the plane"):
    y = np.r_[np.zeros(500), np.ones(500)]
    aucs = {score: roc_auc_score(y, np.r_[scores["background"][score], scores[anomaly][score]])
            for score in scores["background"]}
    print(anomaly + ": " + ", ".join(f"{k} AUC {v:.2f}" for k, v in aucs.items()))

# %%
# The scores are deterministic
# ----------------------------
# Two calls give identical numbers (the decoder sees the encoder mean, never a
# sample); a fit with the same ``random_state`` gives the same network.
print(np.array_equal(det.score_samples(test["background"]),
                     det.score_samples(test["background"])))

# %%
# Latent space and score distributions
# ------------------------------------
import matplotlib.pyplot as plt  # noqa: E402

fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 4.2), layout="constrained")
for (name, X), color in zip(test.items(), ("0.5", "tab:red", "tab:blue")):
    Z = det.transform(X)
    ax0.scatter(Z[:, 0], Z[:, 1], s=3, alpha=0.5, color=color, label=name)
    ax1.hist(scores[name]["reconstruction"], bins=np.geomspace(1e-3, 10, 60), histtype="step",
             color=color, label=name)
ax0.set(xlabel="$\\mu_1$", ylabel="$\\mu_2$", title="encoder means")
ax0.legend(markerscale=4)
ax1.set(xscale="log", xlabel="reconstruction error of the mean", ylabel="samples",
        title="reconstruction score")
plt.show()
