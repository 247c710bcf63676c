"""
Scoring a jet file larger than memory, chunk by chunk
=====================================================

A detector trained once can score a file of any size:
:func:`sktopo.datasets.iter_jets` reads the file a chunk at a time, in the
layout of :func:`sktopo.datasets.load_jets` (whatever the format: HDF5, ROOT,
Parquet, ``.npz``), each chunk is turned into jet images and scored, and the
scores go straight into an ``.npy`` file on disk.  Memory stays at one chunk
whatever the file's size.

The output is written to a temporary file next to its destination and
renamed into place only when every chunk has been scored, so an interrupted
run (Ctrl-C, a crash, a full disk) leaves no partial ``scores.npy`` behind
that a later step could mistake for a finished one.
"""

# %%
# A jet file in the JetClass layout
# ---------------------------------
# Jets generated with Pythia (:func:`~sktopo.datasets.make_jets`, cached after
# the first run), written as a Parquet file with one list of ``part_px``,
# ``part_py``, ``part_pz``, ``part_energy`` per jet, as the JetClass data set
# stores its particles (there in ROOT files; ``iter_jets`` reads both).  A
# few top jets are mixed into the QCD jets.
import os
import tempfile
import time

import matplotlib.pyplot as plt
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from sklearn.metrics import roc_auc_score
from tqdm.auto import tqdm

from sktopo import PCADetector
from sktopo.datasets import iter_jets, make_jets
from sktopo.jets import JetImages
from sktopo.physics import cartesian_from_pt_eta_phi

qcd = make_jets("qcd", 600, random_state=0)
top = make_jets("top", 60, random_state=0)
constituents = np.concatenate([qcd.constituents, top.constituents])
is_top = np.r_[np.zeros(600, dtype=np.int32), np.ones(60, dtype=np.int32)]
order = np.random.default_rng(0).permutation(len(is_top))
constituents, is_top = constituents[order], is_top[order]

folder = tempfile.mkdtemp()
path = os.path.join(folder, "jets.parquet")
p4 = cartesian_from_pt_eta_phi(constituents)  # (E, px, py, pz); zero rows for padding
real = constituents[..., 0] > 0
lists = {
    name: [p4[j, real[j], k] for j in range(len(p4))]
    for k, name in [(1, "part_px"), (2, "part_py"), (3, "part_pz"), (0, "part_energy")]
}
pq.write_table(pa.table({**lists, "is_top": is_top}), path, row_group_size=128)
print(f"{path}: {len(is_top)} jets, {os.path.getsize(path) / 1e6:.1f} MB")

# %%
# A detector trained on a sample
# ------------------------------
# A PCA reconstruction error on jet images (a stand-in for any detector of
# sktopo), fitted on the first chunk only; the training sample of a real
# analysis would be its own file.
images = JetImages()
with iter_jets(path, chunk_size=300, label="is_top") as chunks:
    first = next(chunks)
detector = PCADetector(n_components=8).fit(images.fit_transform(first.constituents))

# %%
# Stream, image, score, write
# ---------------------------
# The scores go into an ``.npy`` opened as a memory map on a temporary file
# in the destination's folder; ``os.replace`` makes it ``scores.npy`` only at
# the end, atomically.  Any exception, ``KeyboardInterrupt`` included,
# removes the temporary file and leaves the folder as it was.
destination = os.path.join(folder, "scores.npy")


def score_file(path, destination, chunk_size=128, ctrl_c_after=None):
    """Scores of every jet of ``path`` into ``destination`` (an ``.npy``); the labels."""
    chunks = iter_jets(path, chunk_size=chunk_size, label="is_top")
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(destination), suffix=".npy.tmp")
    os.close(fd)
    try:
        scores = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float64,
                                           shape=(chunks.n_jets,))  # fmt: skip
        labels = np.zeros(chunks.n_jets, dtype=np.int64)
        with chunks, tqdm(total=chunks.n_jets, unit="jet", desc="scoring") as progress:
            for k, chunk in enumerate(chunks):
                if k == ctrl_c_after:
                    raise KeyboardInterrupt  # what Ctrl-C raises, simulated here
                # rows of the file, so a dropped jet (on_invalid='drop') leaves its row alone
                scores[chunk.index] = detector.anomaly_score(
                    images.transform(chunk.constituents)
                )
                labels[chunk.index] = chunk.target
                progress.update(len(chunk.index))
        scores.flush()
        del scores
        os.replace(tmp, destination)
    except BaseException:  # Ctrl-C too: no partial output
        os.remove(tmp)
        raise
    return labels


start = time.perf_counter()
labels = score_file(path, destination)
print(f"scored in {time.perf_counter() - start:.1f} s; the folder holds",
      sorted(os.listdir(folder)))

# %%
# An interruption leaves nothing behind, not even the temporary file: here
# Ctrl-C is simulated after two chunks, with the finished ``scores.npy`` of
# the first run removed beforehand.
os.remove(destination)
try:
    score_file(path, destination, ctrl_c_after=2)
except KeyboardInterrupt:
    print("interrupted; the folder holds", sorted(os.listdir(folder)))
labels = score_file(path, destination)

# %%
# The scores, read back from disk (memory-mapped: a file of any length):
scores = np.load(destination, mmap_mode="r")
print(f"AUC, top against QCD: {roc_auc_score(labels, scores):.2f}")
fig, ax = plt.subplots(figsize=(5, 3.5), layout="constrained")
bins = np.linspace(scores.min(), np.quantile(scores, 0.99), 40)
ax.hist(scores[labels == 0], bins, density=True, histtype="step", lw=1.5, label="QCD")
ax.hist(scores[labels == 1], bins, density=True, histtype="step", lw=1.5, label="top")
ax.set(xlabel="anomaly score (PCA reconstruction error)", ylabel="density")
ax.legend()
plt.show()
