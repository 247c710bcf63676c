"""Speed of PhaseSpaceSampler (RAMBO on diet) against a plain numpy classic RAMBO.

Both generate massless n-body events in the centre-of-mass frame, in this one
process, keeping the best of ``--repeats`` runs (the machine may be shared and
noisy), with BLAS/OpenMP pools pinned to one thread by threadpoolctl so the
figures are per core (numpy's element-wise kernels are single-threaded anyway).

* PhaseSpaceSampler: ``sample(N)`` on a fitted sampler, i.e. random numbers
  (3n - 4 per event), the cube-to-momenta map and a C-contiguous
  ``(N, 4n)`` result.
* Classic RAMBO (Kleiss, Stirling, Ellis 1986), what a careful user writes by
  hand: 4n random numbers per event, isotropic massless momenta with energies
  ``-log(r1 r2)``, one boost to the centre-of-mass frame and a scale; the
  result is the same ``(N, 4n)`` array.

Target: >= 2e6 massless 3-body events per second per core.

Run: ``python benchmarks/bench_phase_space.py [--events 1000000] [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_limits

from sktopo.physics import PhaseSpaceSampler


def classic_rambo(n_events: int, n: int, sqrt_s: float, rng: np.random.Generator):
    """Massless classic RAMBO, vectorised over events (particles on axis 1)."""
    r = rng.random((4, n_events, n))
    cos_t = 2.0 * r[0] - 1.0
    sin_t = np.sqrt(1.0 - cos_t * cos_t)
    phi = 2.0 * np.pi * r[1]
    q0 = -np.log(r[2] * r[3])
    qx, qy, qz = q0 * sin_t * np.cos(phi), q0 * sin_t * np.sin(phi), q0 * cos_t
    Q0, Qx, Qy, Qz = q0.sum(1), qx.sum(1), qy.sum(1), qz.sum(1)
    M = np.sqrt(Q0 * Q0 - Qx * Qx - Qy * Qy - Qz * Qz)
    bx, by, bz = -Qx / M, -Qy / M, -Qz / M
    x, gamma = sqrt_s / M, Q0 / M
    a = 1.0 / (1.0 + gamma)
    bq = bx[:, None] * qx + by[:, None] * qy + bz[:, None] * qz
    out = np.empty((n_events, n, 4))
    out[..., 0] = x[:, None] * (gamma[:, None] * q0 + bq)
    c = q0 + a[:, None] * bq
    out[..., 1] = x[:, None] * (qx + bx[:, None] * c)
    out[..., 2] = x[:, None] * (qy + by[:, None] * c)
    out[..., 3] = x[:, None] * (qz + bz[:, None] * c)
    return out.reshape(n_events, 4 * n)


def best_time(func, repeats: int) -> float:
    func()  # warm-up
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'n':>3} {'events':>9} {'diet ev/s':>12} {'RAMBO ev/s':>12} {'diet/RAMBO':>11}")
    rates = {}
    with threadpool_limits(limits=1):
        for n in (3, 5, 10):
            n_events = args.events if n == 3 else max(args.events // (n - 1), 1000)
            sampler = PhaseSpaceSampler(n_particles=n, random_state=0).fit()
            t_diet = best_time(lambda: sampler.sample(n_events), args.repeats)
            t_rambo = best_time(
                lambda: classic_rambo(n_events, n, 1.0, rng), args.repeats
            )
            diet, rambo = n_events / t_diet, n_events / t_rambo
            rates[n] = diet
            print(f"{n:>3} {n_events:>9} {diet:>12.3e} {rambo:>12.3e} {diet / rambo:>11.2f}")
    target = 2e6
    status = "meets" if rates[3] >= target else "MISSES"
    print(f"3-body: {rates[3]:.3e} events/s per core {status} the {target:.0e} target")


if __name__ == "__main__":
    main()
