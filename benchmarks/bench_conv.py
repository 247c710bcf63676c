"""CNN training speed: ConvAutoencoderDetector against a plain torch loop on the same network.

For the network of arXiv:1808.08992 (App. 2: channels 128, 128, 128) and a
CPU-sized one (channels 16, 16, 16), trains on ``--images`` random normalised
37 x 37 images with Adam, batch 1024, ``--epochs`` epochs, once with
:class:`sktopo.ConvAutoencoderDetector` (skorch path, no early stopping) and
once with a plain torch loop written by hand around the same module class
(shuffle per epoch, forward, squared error, backward, step), and prints
seconds per epoch per 10^4 images and their ratio: in the steady state (the
difference between a fit of ``1 + epochs`` epochs and one of 1 epoch, which
cancels set-up costs) and for the whole fit divided by its epochs (for the
detector this includes validation, set-up and the scoring pass over the
training images that sets ``offset_``).  The target: within 1.2x of the
plain loop.

Run ``python benchmarks/bench_conv.py [--images 2048] [--epochs 2] [--threads 2]
[--device cpu]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from sktopo import ConvAutoencoderDetector
from sktopo.nn import StackedConvAutoencoder

NETWORKS = {"paper (128,128,128)": (128, 128, 128), "cpu-sized (16,16,16)": (16, 16, 16)}


def images(n, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.exponential(size=(n, 37 * 37)) ** 4
    return (X / X.sum(axis=1, keepdims=True)).astype(np.float32)


def plain_loop(X, channels, epochs, device, batch=1024):
    torch.manual_seed(0)  # benchmark script, not library code
    module = StackedConvAutoencoder((37, 37), channels=channels, init_seeds=(0,)).to(device)
    opt = torch.optim.Adam(module.parameters(), lr=1e-3)
    data = torch.from_numpy(X).to(device)
    start = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(data.shape[0], device=device)
        for i in range(0, data.shape[0], batch):
            xb = data[order[i : i + batch]].unsqueeze(0)
            loss = (module(xb) - xb).pow(2).sum(-1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - start


def detector(X, channels, epochs, device, threads):
    det = ConvAutoencoderDetector(channels=channels, max_epochs=epochs, early_stopping=False,
                                  device=device, random_state=0, n_threads=threads)
    start = time.perf_counter()
    det.fit(X)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=2048)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--networks", nargs="+", default=list(NETWORKS))
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    X = images(args.images)
    per = 1e4 / args.images
    print(f"{args.images} images, 1 + {args.epochs} epochs, {args.threads} threads, {args.device}")
    print(f"{'network':<22} {'contender':<10} {'steady s/epoch/1e4':>19} {'whole fit':>10}")
    for name in args.networks:
        channels = NETWORKS[name]
        plain_loop(X[:1024], channels, 1, args.device)  # warm up
        rows = {}
        for label, run in [
            ("plain", lambda e: plain_loop(X, channels, e, args.device)),
            ("detector", lambda e: detector(X, channels, e, args.device, args.threads)),
        ]:
            short, long = run(1), run(1 + args.epochs)
            rows[label] = ((long - short) / args.epochs * per, long / (1 + args.epochs) * per)
            print(f"{name:<22} {label:<10} {rows[label][0]:>19.2f} {rows[label][1]:>10.2f}",
                  flush=True)
        ratio = [d / p for d, p in zip(rows["detector"], rows["plain"])]
        print(f"{name:<22} {'ratio':<10} {ratio[0]:>19.2f} {ratio[1]:>10.2f}", flush=True)


if __name__ == "__main__":
    main()
