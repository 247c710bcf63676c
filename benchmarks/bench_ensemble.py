"""Seconds per epoch: n_charts members trained stacked vs one after another.

Trains ``n_charts`` = 1, 4, 16, 64 autoencoders on the circle (1000 points,
batch 64, hidden (64,), latent 1) once as one :class:`ChartEnsembleDetector`
fit (one stacked network) and once as ``n_charts`` separate
:class:`AutoencoderDetector` fits with the same member seeds, and prints the
wall time per epoch of both and their ratios.  A fit's time includes its
scoring pass over the training set (for ``offset_``), a small share.  Each
timing is the best of ``--repeats`` runs.

Run ``python benchmarks/bench_ensemble.py [--epochs 25] [--charts 1 4 16 64]
[--repeats 2] [--threads N]``.  On a busy shared machine pass ``--threads 1``:
torch's intra-op thread pool oversubscribed by other processes makes timings
swing by an order of magnitude.
"""

from __future__ import annotations

import argparse
import time

import torch

from sktopo.datasets import make_circle
from sktopo.detectors import AutoencoderDetector
from sktopo.detectors._ensemble import ChartEnsembleDetector


def template(epochs):
    return AutoencoderDetector(
        latent_dim=1, hidden_layer_sizes=(64,), batch_size=64, max_epochs=epochs
    )


def time_stacked(X, n_charts, epochs, random_state=0):
    """Seconds per epoch of one stacked fit, and the member seeds it drew."""
    ens = ChartEnsembleDetector(estimator=template(epochs), n_charts=n_charts,
                                random_state=random_state)
    start = time.perf_counter()
    ens.fit(X)
    return (time.perf_counter() - start) / epochs, ens.random_states_


def time_sequential(X, random_states, epochs):
    """Seconds per epoch of the same members trained one after another."""
    start = time.perf_counter()
    for state in random_states:
        template(epochs).set_params(random_state=int(state)).fit(X)
    return (time.perf_counter() - start) / epochs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--charts", type=int, nargs="+", default=[1, 4, 16, 64])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads")
    args = parser.parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)

    X, _ = make_circle(1000, sampling="equidistant")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; circle n=1000, "
          f"batch 64, hidden (64,), latent 1, {args.epochs} epochs")
    time_stacked(X, 2, 3)  # warm-up: imports, allocator, thread pools

    stacked = {n: float("inf") for n in args.charts}
    sequential = dict(stacked)
    for _ in range(args.repeats):
        for n_charts in args.charts:
            seconds, states = time_stacked(X, n_charts, args.epochs)
            stacked[n_charts] = min(stacked[n_charts], seconds)
            seconds = time_sequential(X, states, args.epochs)
            sequential[n_charts] = min(sequential[n_charts], seconds)

    print(f"{'n_charts':>8} {'stacked s/epoch':>16} {'sequential s/epoch':>19} "
          f"{'seq/stacked':>12} {'stacked n / stacked 1':>22}")
    base = stacked.get(1)
    for n_charts in args.charts:
        rel = f"{stacked[n_charts] / base:.2f}" if base else "-"
        print(f"{n_charts:>8} {stacked[n_charts]:>16.4f} {sequential[n_charts]:>19.4f} "
              f"{sequential[n_charts] / stacked[n_charts]:>12.2f} {rel:>22}")


if __name__ == "__main__":
    main()
