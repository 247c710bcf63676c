"""
Topological latent spaces against the break point
=================================================

Batson, Haaf, Kahn and Roberts, "Topological Obstructions to Autoencoding"
(arXiv:2102.08380) show that an autoencoder with a Euclidean latent space of
the data's dimension must tear a closed manifold (Secs. 4-7), and that a
median ensemble of such charts averages the tear away (Sec. 9).  A latent
space with the data's topology removes it: ``latent_space='sphere'`` for the
circle, ``S^2`` and the double cone, ``'torus'`` for the Clifford torus.

For each manifold: one stacked training of 2 x 5 Euclidean autoencoders (seed
``s``'s chart is member ``5 s``, its ensemble the median of members ``5 s`` to
``5 s + 4``) and one of 2 topological ones; the paper's 5-layer net, Adam for
300 epochs (the paper: SGD for 20,000).  ``sktopo reproduce
topological-latent`` runs the same code (``topological-latent-nd``: ``S^4``,
``S^5``, ``SU(2)``, three-body phase space; ``bump-hunt-sphere-latent``: the
bump hunt with a latent ``S^5``).
"""

# %%
# Train the three encodings of every manifold
# -------------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.utils import check_random_state

from sktopo.experiments._latent_space import (
    MANIFOLDS,
    METHODS,
    compare_latent_spaces,
    topological_latent_settings,
)

settings = topological_latent_settings(full=False)
rng = check_random_state(0)
results = {}
for name, s in settings.items():
    sampler = MANIFOLDS[name][0]
    X_train = sampler(s["n_train"], random_state=rng)[0]
    X_test = sampler(s["n_test"], random_state=rng)[0]
    errors, _ = compare_latent_spaces(X_train, X_test, s["detector"], s["latent_space"],
                                      n_seeds=s["n_seeds"], n_charts=s["n_charts"],
                                      random_state=0)
    results[name] = (X_test, errors)
    for method in METHODS:
        ratios = errors[method].max(axis=0) / np.median(errors[method], axis=0)
        print(f"{name:<15} {method:<12} worst/median per seed: "
              + " ".join(f"{r:8.3g}" for r in ratios))

# %%
# Worst/median loss and loss against the distance from the worst point
# --------------------------------------------------------------------
# Left: one dot per seed.  Right: seed 0's test losses against the distance
# from its worst test point; a break point shows as losses falling with the
# distance.
colors = {"euclidean": "tab:red", "ensemble": "tab:orange", "topological": "tab:blue"}
fig, axes = plt.subplots(len(results), 2, figsize=(10, 3.6 * len(results)),
                         layout="constrained", squeeze=False)
for (ax_ratio, ax_dist), (name, (X_test, errors)) in zip(axes, results.items()):
    for i, method in enumerate(METHODS):
        e = errors[method]
        ax_ratio.semilogy(np.full(e.shape[1], i), e.max(axis=0) / np.median(e, axis=0), "o",
                          color=colors[method])
        worst = X_test[np.argmax(e[:, 0])]
        ax_dist.semilogy(np.linalg.norm(X_test - worst, axis=1), e[:, 0], ".", ms=1.5,
                         alpha=0.5, color=colors[method], label=method)
    ax_ratio.set_xticks(range(len(METHODS)), METHODS)
    ax_ratio.set(title=f"{name}: worst / median loss", xlim=(-0.5, 2.5))
    ax_dist.set(title=f"{name}: loss vs distance from the worst point",
                xlabel="distance", ylabel="loss")
    ax_dist.legend(markerscale=6, fontsize="small")
plt.show()
