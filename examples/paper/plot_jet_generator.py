"""
A jet autoencoder on jets from another parton shower
====================================================

Reproduces Fig. 7 and Sec. III C of Farina, Nakai and Shih, "Searching for
New Physics with Deep Autoencoders" (arXiv:1808.08992): is what the CNN
autoencoder learned a property of QCD jets, or of the event generator that
made its training jets?

The paper trains on Pythia and tests on Herwig. Herwig and Sherpa have no
installable wheels, so the other generator here is Pythia 8.3 with its
Vincia parton shower instead of the default one: a different shower with the
same hadronisation, a milder change than the paper's. The CNN (8 channels
per layer here, 128 in the paper) is trained on 10,000 default-shower QCD
jets; the loss thresholds of E10 and E100 are fixed on default-shower QCD
test jets and applied unchanged to the Vincia jets. The paper's numbers for
one training: E10 = 0.71, E100 = 0.19 on Pythia; 0.74 and 0.21 on Herwig at
the same thresholds, which reject 87 % and 98 % of Herwig's QCD.
``sktopo reproduce jet-generator`` runs the same code.
"""

# %%
# Default-shower and Vincia jets, as images
# -----------------------------------------
# The jets are generated once and cached (the training jets are those of the
# ``jet-autoencoders`` example).
from sktopo.experiments._jet_data import jet_sample
from sktopo.experiments._jet_generator import jet_generator_settings

settings = jet_generator_settings(full=False)
plan = {"train": ("qcd", settings["sizes"]["train"], "train", "simple"),
        "QCD": ("qcd", settings["sizes"]["test"], "test", "simple"),
        "top": ("top", settings["sizes"]["top"], "test", "simple"),
        "other QCD": ("qcd", settings["other_sizes"]["QCD"], "test", "vincia"),
        "other top": ("top", settings["other_sizes"]["top"], "test", "vincia")}
samples = {name: jet_sample(process, n, role=role, random_state=0, n_jobs=2,
                            parton_shower=shower)
           for name, (process, n, role, shower) in plan.items()}

# %%
# Train on default-shower QCD, test on both showers
# -------------------------------------------------
# One CNN, trained as in ``jet-autoencoders``; the loss thresholds of E10 and
# E100 are set on default-shower QCD and applied to both showers. Filled
# histograms are the default shower, outlines Vincia; grey QCD, blue tops, as
# in the paper's Fig. 7.
import matplotlib.pyplot as plt  # noqa: E402

from sktopo.experiments._jet_data import cnn_detector  # noqa: E402
from sktopo.experiments._jet_generator import (  # noqa: E402
    fixed_threshold_efficiencies,
    generator_losses,
    plot_generator_losses,
)

cnn = cnn_detector(settings["latent_dim"], channels=settings["channels"],
                   batch_size=settings["batch_size"], learning_rate=settings["learning_rate"],
                   max_epochs=settings["max_epochs"]["CNN"], random_state=0, n_threads=1)
cnn.fit(samples["train"].images)
losses = generator_losses(cnn, samples)
table = fixed_threshold_efficiencies(losses["pythia", "QCD"], losses["pythia", "top"],
                                     losses["vincia", "QCD"], losses["vincia", "top"])
for name, row in table.items():
    print(f"{name}: eps_S {row['eps_S']:.2f} (default shower) -> {row['other_eps_S']:.2f} "
          f"(Vincia); QCD rejection on Vincia {row['other_rejection']:.3f}")
fig, ax = plt.subplots(figsize=(6.4, 4.6), layout="constrained")
plot_generator_losses(losses, ax)
