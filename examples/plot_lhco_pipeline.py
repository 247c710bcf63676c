"""
A bump hunt on an LHC Olympics file: load_lhco, dijet features, sidebands
=========================================================================

The LHC Olympics 2020 (arXiv:2101.08320) published its events as pandas
tables in HDF5: one row per event, the 700 hardest particles as
``(pT, eta, phi)`` columns, zero-padded, and in the R&D file a label column.
:func:`sktopo.datasets.load_lhco` reads such a file with h5py (no pickles,
only the rows asked for), :func:`sktopo.jets.dijet_features` clusters each
event with anti-kT (R = 1.0) and returns the CATHODE inputs ``(m_jj, m_j_min,
m_j_max - m_j_min, tau21_j_min, tau21_j_max)`` in TeV, and a
:class:`sktopo.DensityRatioDetector` with a :class:`sktopo.SidebandReference`
on ``m_jj`` looks for an excess in a window of the dijet mass.

The real files are gigabytes; here a small file in the same layout is made
from Pythia 8: QCD dijets with a jet above 1.2 TeV (the Olympics' trigger)
and a few signal-like events, a 3.5 TeV W' decaying to a W and a Z, each to
two quarks (two two-prong jets, as the Olympics' W' -> X Y).  A few hundred
events make a pipeline test, not a discovery: the numbers below are noisy.
"""

# %%
# A small file in the LHC Olympics layout
# ---------------------------------------
# Visible final-state particles with ``|eta| < 2.5``, the 700 hardest per
# event; an event is kept if an anti-kT R = 1.0 jet has pT > 1.2 TeV.  The
# file is written exactly as the Olympics' were: ``DataFrame.to_hdf`` in the
# table format under the key ``'df'``, integer column names, a 2101st column
# holding the label.
import os
import tempfile
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pythia8mc
from sklearn.metrics import roc_auc_score

from sktopo import DensityRatioDetector, SidebandReference
from sktopo.datasets import load_lhco
from sktopo.jets import dijet_features

N_QCD, N_SIGNAL = 400, 25
COMMON = ["Print:quiet = on", "Next:numberCount = 0", "Beams:eCM = 13000"]
QCD = ["HardQCD:all = on", "PhaseSpace:pTHatMin = 1100"]
# W' (PDG id 34) at 3.5 TeV -> W Z, both to quarks
SIGNAL = ["NewGaugeBoson:ffbar2Wprime = on", "Wprime:coup2WZ = 1.0", "34:m0 = 3500",
          "34:onMode = off", "34:onIfAll = 23 24", "23:onMode = off", "23:onIfAny = 1 2 3 4 5",
          "24:onMode = off", "24:onIfAny = 1 2 3 4 5"]  # fmt: skip


def generate(settings, n_events, seed):
    """``(n_events, 2100)`` rows of the 700 hardest visible particles' (pT, eta, phi)."""
    pythia = pythia8mc.Pythia("", False)
    for line in [*COMMON, *settings, "Random:setSeed = on", f"Random:seed = {seed}"]:
        if not pythia.readString(line):
            raise ValueError(f"Pythia rejected {line!r}")
    if not pythia.init():
        raise RuntimeError("Pythia failed to initialise")
    trigger = pythia8mc.SlowJet(-1, 1.0, 1200.0, 2.5, 2, 2, None, True, True)  # anti-kT, R = 1
    rows = np.zeros((n_events, 2100))
    n = failed = 0
    while n < n_events:
        if not pythia.next():
            failed += 1
            if failed > 100:
                raise RuntimeError("Pythia failed 100 events")
            continue
        trigger.analyze(pythia.event)
        if trigger.sizeJet() == 0:
            continue
        particles = np.array([
            (p.pT(), p.eta(), p.phi()) for p in pythia.event
            if p.isFinal() and p.isVisible() and abs(p.eta()) < 2.5
        ])  # fmt: skip
        particles = particles[np.argsort(-particles[:, 0])][:700]
        rows[n, : particles.size] = particles.ravel()
        n += 1
    return rows


start = time.perf_counter()
background = generate(QCD, N_QCD, seed=1)
signal = generate(SIGNAL, N_SIGNAL, seed=2)
print(f"{N_QCD} QCD and {N_SIGNAL} W' events in {time.perf_counter() - start:.0f} s")

table = np.vstack([background, signal])
table = np.c_[table, np.r_[np.zeros(N_QCD), np.ones(N_SIGNAL)]]  # the label column
folder = tempfile.mkdtemp()
path = os.path.join(folder, "events_anomalydetection_small.h5")
pd.DataFrame(table).sample(frac=1.0, random_state=0).to_hdf(path, key="df", format="table")
print(f"wrote {path}: {os.path.getsize(path) / 1e6:.1f} MB")

# %%
# Load and cluster
# ----------------
# ``load_lhco(path, start=..., stop=...)`` reads any row range of the table
# without reading the rest (the R&D file holds 1.1 million events).
data = load_lhco(path)
print(data.particles.shape, "labels:", np.bincount(data.target))

X = dijet_features(data.particles)
names = ["m_jj [TeV]", "m_j_min [TeV]", "m_j_max - m_j_min [TeV]", "tau21_j_min", "tau21_j_max"]
for name, signal_mean, background_mean in zip(
    names, X[data.target == 1].mean(axis=0), X[data.target == 0].mean(axis=0)
):
    print(f"{name:>24}: W' {signal_mean:6.3f}   QCD {background_mean:6.3f}")

# %%
# Sidebands in m_jj, density ratio in the window
# ----------------------------------------------
# The reference is interpolated from the sidebands of ``m_jj`` (column 0)
# into the window 3.3 < m_jj < 3.7 TeV by a conditional normalizing flow;
# the classifier then compares the window's events with it (CATHODE).
window = (3.3, 3.7)
sideband = SidebandReference(feature=0, window=window, max_epochs=30, batch_size=64,
                             learning_rate=3e-3, random_state=0)  # fmt: skip
detector = DensityRatioDetector(reference=sideband, n_reference=2000, random_state=0).fit(X)
inside = detector.support_mask_
y = data.target
print(f"window: {inside.sum()} events, {y[inside].sum()} of them W'")
if 0 < y[inside].sum() < inside.sum():
    auc = roc_auc_score(y[inside], -detector.oof_score_samples_[inside])
    print(f"AUC of the out-of-fold score in the window: {auc:.2f}")
result = detector.global_test(n_permutations=100, random_state=0)
print(f"global test: p = {result.pvalue:.2f}")

# %%
# The dijet mass with the window, and the lighter jet's mass against its
# tau21: the W' events are two-prong (small tau21) with masses near 80-90 GeV.
fig, ax = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
bins = np.linspace(1.5, 5.5, 33)
ax[0].hist(X[y == 0, 0], bins, histtype="step", lw=1.5, label="QCD")
ax[0].hist(X[y == 1, 0], bins, histtype="step", lw=1.5, label="W' (3.5 TeV)")
ax[0].axvspan(*window, color="0.9", zorder=-1, label="window")
ax[0].set(xlabel="m_jj [TeV]", ylabel="events")
ax[0].legend()
ax[1].scatter(X[y == 0, 1], X[y == 0, 3], s=6, c="0.6", label="QCD")
ax[1].scatter(X[y == 1, 1], X[y == 1, 3], s=12, c="C3", label="W'")
ax[1].set(xlabel="m_j_min [TeV]", ylabel="tau21_j_min")
ax[1].legend()
plt.show()
