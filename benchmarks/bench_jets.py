"""Jets per second per core of make_jets against a bare Pythia loop, and n_jobs scaling.

For each process, ``make_jets(process, n, n_jobs=1, cache=False)`` runs as one
chunk and reports how many events it generated.  The bare loop then makes a
Pythia with exactly the same settings and seed (``pythia_settings`` and
``chunk_seed`` of sktopo, the gluino SLHA file included) and runs the same
number of events through ``pythia.next()`` and the same anti-kT ``SlowJet``,
nothing else: the same events, so ``make_jets / bare - 1`` is the overhead of
sktopo's layer (window, truth matching, constituent arrays, chunking,
initialisation of the silenced Pythia).

Per-core rates use CPU time (``time.process_time``) of this one process, so
they hold on a busy shared machine; wall-clock rates are printed too.

Scaling: QCD in 2 chunks with ``n_jobs=1`` and ``n_jobs=2`` (loky processes),
wall clock; on a shared machine it depends on what else runs.

Run: ``python benchmarks/bench_jets.py [--n 100] [--n-gluino 30] [--no-mpi]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import pythia8mc

from sktopo.datasets import make_jets
from sktopo.datasets._jet_pythia import _make_pythia, chunk_seed


def bare_loop(config: dict, seed: int, n_events: int) -> float:
    """CPU seconds for ``n_events`` of ``pythia.next()`` + SlowJet, initialisation included."""
    start = time.process_time()
    with tempfile.TemporaryDirectory() as tmp:
        pythia = _make_pythia(config, seed, tmp)
        slowjet = pythia8mc.SlowJet(-1, 1.0, 400.0, 5.0, 2, 2, None, True, True)
        for _ in range(n_events):
            if pythia.next():
                slowjet.analyze(pythia.event)
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="jets per process (qcd, top, w)")
    parser.add_argument("--n-gluino", type=int, default=30, help="gluino jets (~1.5/s)")
    parser.add_argument("--no-mpi", action="store_true", help="multi-parton interactions off")
    args = parser.parse_args()
    mpi = not args.no_mpi
    print(f"one core per run, MPI {'on' if mpi else 'off'}, seed 0, one chunk per process")
    print(f"{'process':8} {'jets':>5} {'events':>7} {'sktopo jets/s':>14} "
          f"{'bare jets/s':>12} {'overhead':>9} {'wall jets/s':>12}")  # fmt: skip
    for process in ("qcd", "top", "w", "gluino"):
        n = args.n_gluino if process == "gluino" else args.n
        wall, start = time.perf_counter(), time.process_time()
        data = make_jets(process, n, mpi=mpi, chunk_size=n, random_state=0, cache=False)
        t_sktopo, wall = time.process_time() - start, time.perf_counter() - wall
        t_bare = bare_loop(data.settings, chunk_seed(0, 0), data.n_events)
        print(f"{process:8} {n:5d} {data.n_events:7d} {n / t_sktopo:14.1f} {n / t_bare:12.1f} "
              f"{t_sktopo / t_bare - 1:+9.1%} {n / wall:12.1f}")  # fmt: skip
    n = 2 * args.n
    times = {}
    for n_jobs in (1, 2):
        start = time.perf_counter()
        make_jets("qcd", n, mpi=mpi, chunk_size=args.n, random_state=1, cache=False, n_jobs=n_jobs)
        times[n_jobs] = time.perf_counter() - start
    print(f"qcd, {n} jets in 2 chunks: n_jobs=1 {times[1]:.1f} s, n_jobs=2 {times[2]:.1f} s, "
          f"speed-up {times[1] / times[2]:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
