"""What the normalized autoencoder's training costs, against the autoencoder's.

An NAE epoch draws, for every training batch, as many negatives as the batch
has rows by ``latent_steps`` Langevin steps in latent space (through the
decoder) and ``data_steps`` in data space; each step is a forward and a
backward pass, as is an autoencoder's training step.  So one NAE epoch costs
about ``1 + latent_steps + data_steps`` autoencoder epochs (41 with the
defaults), and the Langevin chains dominate.

This script measures it within one fit, so that the ratio is free of the
machine's load between runs: each detector pre-trains for ``--ae-epochs``
epochs as an autoencoder and then runs ``--nae-epochs`` NAE epochs; skorch
records every epoch's duration (skorch's ``EpochTimer``, passed as a
callback, writes ``net_.history[:, 'dur']``) and the script
prints the median seconds of each phase and their ratio, for the dense
``NormalizedAutoencoderDetector`` and the convolutional
``ConvNormalizedAutoencoderDetector`` with their default networks and
Langevin settings, on ``--n-train`` synthetic 37 x 37 "jet images" (sparse,
non-negative, unit sum: the cost does not depend on what the images show).

Run ``python benchmarks/bench_nae_cost.py [--n-train 2000] [--threads 1]
[--device cpu]``.  On a GPU (``--device cuda``) the chains' many small steps
are latency-bound; the ratio tells how much of that remains.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import torch
from skorch.callbacks import EpochTimer

from sktopo.detectors import ConvNormalizedAutoencoderDetector, NormalizedAutoencoderDetector


def images(n, seed=0, side=37):
    rng = np.random.RandomState(seed)
    X = rng.exponential(size=(n, side * side)) ** 4 * (rng.uniform(size=(n, side * side)) < 0.04)
    X[:, (side * side) // 2] += 1.0  # a bright core
    return X / X.sum(axis=1, keepdims=True)


def phase_seconds(det, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        det.fit(X)
    dur = np.asarray(det.net_.history[:, "dur"], dtype=float)
    n_ae = det.max_epochs
    # the first epoch of each phase pays one-time costs (allocation, the switch)
    return float(np.median(dur[1:n_ae])), float(np.median(dur[n_ae + 1:]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=2000)
    parser.add_argument("--ae-epochs", type=int, default=4)
    parser.add_argument("--nae-epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    X = images(args.n_train)
    common = dict(max_epochs=args.ae_epochs, nae_epochs=args.nae_epochs, random_state=0,
                  n_threads=args.threads, device=args.device,
                  callbacks=[EpochTimer()])  # skorch's timer records 'dur' per epoch
    print(f"{args.n_train} images of 37 x 37, {args.threads} thread(s), device {args.device}")
    print(f"{'detector':34s} {'AE epoch s':>11s} {'NAE epoch s':>12s} {'ratio':>7s}")
    for name, det in (
        ("NormalizedAutoencoderDetector", NormalizedAutoencoderDetector(**common)),
        ("ConvNormalizedAutoencoderDetector", ConvNormalizedAutoencoderDetector(**common)),
    ):
        ae, nae = phase_seconds(det, X)
        print(f"{name:34s} {ae:11.3f} {nae:12.3f} {nae / ae:7.1f}", flush=True)
    defaults = NormalizedAutoencoderDetector()
    steps = defaults.latent_steps + defaults.data_steps
    print(f"(defaults: {steps} Langevin steps per batch, each a forward and a backward pass)")


if __name__ == "__main__":
    main()
