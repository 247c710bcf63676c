"""
Deploying a detector: secure model files and ONNX
=================================================

A detector is trained once, often on a GPU, and then scores events elsewhere:
in a production job on CPUs, or in a trigger.  This example takes one
:class:`~sktopo.AutoencoderDetector` through both routes:

1. :func:`sktopo.utils.save` / :func:`sktopo.utils.load` write and read a skops
   file, which loads without running code from the file (a pickle runs code);
2. :func:`sktopo.utils.to_onnx` exports the anomaly score as an ONNX graph,
   which onnxruntime (or an FPGA flow such as hls4ml) evaluates without
   Python or sktopo.

The scores after loading are bitwise equal to the original's; the ONNX
graph computes in float32 and agrees to about 1e-6 relative (1e-5 on the
best reconstructed events).
"""

# %%
# Train a detector
# ----------------
# Background events on a circle in 4 dimensions, plus noise; the signal sits
# off the circle.  A short training is enough for the demonstration.
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from sktopo import AutoencoderDetector

rng = np.random.default_rng(0)


def circle(n, radius=1.0):
    angle = rng.uniform(0, 2 * np.pi, n)
    points = np.c_[radius * np.cos(angle), radius * np.sin(angle), np.zeros((n, 2))]
    return points + rng.normal(scale=0.05, size=points.shape)


X_train = circle(2000)
X_new = np.r_[circle(500), circle(50, radius=1.6)]  # not seen in fit: background + signal
detector = AutoencoderDetector(latent_dim=1, latent_space="sphere", hidden_layer_sizes=(16,),
                               optimizer="adam", learning_rate=1e-2, max_epochs=30,
                               random_state=0).fit(X_train)
scores = detector.anomaly_score(X_new)

# %%
# Save and load without pickle
# ----------------------------
# :func:`~sktopo.utils.save` writes a zip of JSON and numpy arrays; the torch
# network's weights are stored as arrays.  :func:`~sktopo.utils.load` checks
# every type the file names against the types sktopo estimators are made of
# before it builds anything, and puts the tensors on the CPU (a model trained
# with ``device="cuda"`` loads on a machine without a GPU).
from sktopo.utils import load, save

folder = Path(tempfile.mkdtemp())
save(detector, folder / "detector.skops")
loaded = load(folder / "detector.skops")
print("bitwise equal after loading:",
      np.array_equal(loaded.anomaly_score(X_new), scores))

# %%
# Export the score to ONNX and run it in onnxruntime
# --------------------------------------------------
# The graph has one float32 input ``X`` (rows of features, any number of
# them) and one output ``anomaly_score``.  onnxruntime needs neither torch nor
# sktopo.
import onnxruntime as ort

from sktopo.utils import to_onnx

to_onnx(detector, X_train[:10], path=folder / "detector.onnx")
session = ort.InferenceSession(str(folder / "detector.onnx"),
                               providers=["CPUExecutionProvider"])
onnx_scores = session.run(["anomaly_score"], {"X": X_new.astype(np.float32)})[0]
relative = np.abs(onnx_scores - scores) / scores
print(f"relative difference, float32 graph vs sktopo: median {np.median(relative):.1e}, "
      f"largest {relative.max():.1e}")
print("same events flagged:", np.array_equal(onnx_scores > -detector.offset_,
                                             scores > -detector.offset_))

# %%
# The largest differences are on the best reconstructed events, whose error is
# a difference of nearly equal float32 numbers.  A graph exported with
# ``precision="float64"`` (float32 input, double arithmetic) checks that the
# graph computes the detector's formula, apart from float32 rounding:
X32 = X_new.astype(np.float32)
exact = ort.InferenceSession(to_onnx(detector, X_train[:10], precision="float64")
                             .SerializeToString(), providers=["CPUExecutionProvider"])
double_scores = exact.run(None, {"X": X32})[0]
print(f"float64 graph vs sktopo on the same float32 rows: largest relative difference "
      f"{np.max(np.abs(double_scores / detector.anomaly_score(X32) - 1)):.1e}")

# %%
# Left, the two scores side by side: the same ranking, the same threshold.
# Right, their relative difference: float32 rounding, largest where the
# reconstruction error is smallest, far below the threshold.
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 4))
left.loglog(scores, onnx_scores, ".", ms=4)
right.loglog(scores, np.maximum(relative, 1e-9), ".", ms=4)
for ax in (left, right):
    ax.axvline(-detector.offset_, color="k", lw=0.8, ls="--", label="threshold, -offset_")
    ax.set_xlabel("anomaly_score, sktopo (float64)")
left.set_ylabel("anomaly_score, onnxruntime (float32)")
right.set_ylabel("relative difference")
left.set_title("Exported graph vs the detector")
right.set_title("float32 rounding")
left.legend(loc="upper left")
fig.tight_layout()
