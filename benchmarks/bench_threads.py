"""Thread policy: the README's circle fit with torch's default threads vs sktopo's choice.

torch starts one intra-op thread per core.  For the papers' small networks the
extra threads are overhead, and when another process keeps a core busy they
spin against it and training collapses.  This script times the README's
circle fit (1000 equidistant points, latent 1, Adam, ``--epochs`` epochs)

* with ``n_threads=-1`` (every available core: what torch does by default),
* with ``n_threads=None`` (sktopo's choice from the network's size: one thread),

first on the quiet machine, then with ``--busy`` processes each spinning on a
core, and prints the seconds and the ratios measured in this one run.

Run ``python benchmarks/bench_threads.py [--epochs 100] [--busy 1]``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time

import torch

from sktopo import AutoencoderDetector
from sktopo.datasets import make_circle
from sktopo.utils._threads import available_cores


def _spin():  # pragma: no cover - runs in a child process
    while True:
        pass


def time_fit(X, n_threads, epochs):
    det = AutoencoderDetector(
        latent_dim=1, optimizer="adam", learning_rate=3e-3, max_epochs=epochs,
        random_state=0, n_threads=n_threads,
    )
    start = time.perf_counter()
    det.fit(X)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--busy", type=int, default=1, help="spinning processes")
    args = parser.parse_args(argv)
    X, _ = make_circle(1000, sampling="equidistant")
    cores = available_cores()
    print(f"{cores} cores; torch default threads {torch.get_num_threads()}; "
          f"{args.epochs} epochs")
    rows = []
    for label, n_busy in [("quiet", 0), (f"{args.busy} busy process(es)", args.busy)]:
        spinners = [mp.Process(target=_spin, daemon=True) for _ in range(n_busy)]
        for p in spinners:
            p.start()
        try:
            time.sleep(0.5 if n_busy else 0)
            all_cores = time_fit(X, -1, args.epochs)
            chosen = time_fit(X, None, args.epochs)
        finally:
            for p in spinners:
                p.terminate()
                p.join()
        rows.append((label, all_cores, chosen))
    print(f"{'machine':<22} {'all cores (s)':>14} {'sktopo choice (s)':>18} {'ratio':>7}")
    for label, all_cores, chosen in rows:
        print(f"{label:<22} {all_cores:>14.2f} {chosen:>18.2f} {all_cores / chosen:>7.1f}")


if __name__ == "__main__":
    main()
