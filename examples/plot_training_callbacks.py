"""
Training with your own callbacks
================================

Every neural detector of sktopo trains through skorch, and ``callbacks=[...]``
adds skorch callbacks to the library's own (loss record, divergence check,
early stopping, progress bar).  Here a learning-rate schedule divides Adam's
step by ten every 40 epochs while an autoencoder with a one-dimensional
latent space learns the circle (arXiv:2102.08380), and a small callback of our
own records the rate; both are called on every epoch of the real training.

The loss curve shows at once what the schedule did: the network first sits on
a plateau (loss ~0.49: the circle not yet unrolled into a line) and leaves it
near epoch 40; the schedule cut the rate just then and froze the network at
0.3, while the constant rate goes on to ~0.06.  Schedules pay off once the
plateau is behind (try ``step_size=100`` with 150 epochs).
"""

# %%
# A schedule and a recorder
# -------------------------
import matplotlib.pyplot as plt
from skorch.callbacks import Callback, LRScheduler

from sktopo import AutoencoderDetector
from sktopo.datasets import make_circle


class RecordLearningRate(Callback):
    """Write the optimizer's current learning rate into the history."""

    def on_epoch_end(self, net, **kwargs):
        net.history.record("lr", net.optimizer_.param_groups[0]["lr"])


X, phi = make_circle(1000, random_state=0)
params = dict(latent_dim=1, optimizer="adam", learning_rate=3e-3, max_epochs=120,
              random_state=0)
constant = AutoencoderDetector(**params, callbacks=[("lr", RecordLearningRate())]).fit(X)
stepped = AutoencoderDetector(
    **params,
    callbacks=[LRScheduler(policy="StepLR", step_size=40, gamma=0.1),
               ("lr", RecordLearningRate())],
).fit(X)
print(f"final training loss: constant rate {constant.loss_curve_[-1]:.4f}, "
      f"stepped {stepped.loss_curve_[-1]:.4f}")

# %%
# Loss and rate, epoch by epoch
# -----------------------------
# The history is skorch's: ``net_.history[:, "lr"]`` holds what the callback
# recorded, ``loss_curve_`` the training loss of every epoch.
fig, (ax_loss, ax_lr) = plt.subplots(2, 1, sharex=True, figsize=(6, 5))
for det, label in ((constant, "constant rate"), (stepped, "StepLR (x0.1 every 40)")):
    ax_loss.plot(det.loss_curve_, label=label)
    ax_lr.plot(det.net_.history[:, "lr"], label=label)
ax_loss.set_yscale("log")
ax_loss.set_ylabel("training loss")
ax_loss.legend(frameon=False)
ax_lr.set_yscale("log")
ax_lr.set_ylabel("learning rate")
ax_lr.set_xlabel("epoch")
fig.tight_layout()
plt.show()
