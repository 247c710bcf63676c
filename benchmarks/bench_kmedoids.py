"""k-medoids: total cost and time of sktopo's former hand-written k-medoids against FasterPAM.

Three methods on the same precomputed distance matrices:

* ``alternating``: the k-medoids sktopo shipped before it used the
  ``kmedoids`` package, copied here unchanged: PAM's greedy BUILD, then
  alternating updates (assign every point to its nearest medoid, move each
  medoid to its cluster's most central point) until nothing changes.  It has
  no SWAP step, so it stops at a local optimum of a smaller neighbourhood
  than PAM's.
* ``FasterPAM``: :func:`sktopo.transport.kmedoids` as it is now, i.e.
  ``kmedoids.fasterpam(D, k, init='random', random_state=0, n_cpu=1)``
  (Schubert and Rousseeuw, 2021): random initial medoids, then PAM's SWAP
  moves, taken eagerly with the O(k) speed-up, until no swap lowers the cost.
  Deterministic for a fixed ``random_state`` (one thread).
* ``FasterPAM+BUILD``: the same from PAM's BUILD instead of random medoids,
  for reference (BUILD costs O(k n^2) and dominates the time).

The cost is the k-medoids objective ``sum_j min_m D[m, j]``; the time is CPU
seconds of this process (``time.process_time``, best of ``--repeats``), so
that other work on a shared machine disturbs it less.  Matrices:

* ``EMD n jets``: exact energy mover's distances between cached QCD jet
  images (``jet_sample('qcd', n, role='test')``, 37 x 37, unit sum, R = 1),
  what :class:`sktopo.detectors.TransportDetector` (``representatives=
  'kmedoids'``, ``max_samples=500``, ``n_representatives=100``) and the
  ``transport-vs-vae`` reproduction (a pool of 300, k = 3 ... 300) cluster;
  the 300-jet matrix is the first 300 rows and columns of the 500-jet one;
* ``blobs n sS``: Euclidean distances of n points in 8 dimensions around 20
  Gaussian centres, data seeds S.

Run ``python benchmarks/bench_kmedoids.py [--n-jets 500] [--n-points 500 2000]``
(the 500-jet EMD matrix takes 1-2 minutes; ``--n-jets 0`` skips it).
"""

from __future__ import annotations

import argparse
import time

import kmedoids
import numpy as np

from sktopo.transport import kmedoids as sktopo_kmedoids


def alternating_kmedoids(D, k, max_iter=100):
    """sktopo's k-medoids before this change (BUILD, then alternating updates)."""
    medoids = [int(np.argmin(D.sum(axis=1)))]
    nearest = D[medoids[0]].copy()
    for _ in range(1, k):
        gain = np.maximum(nearest[None, :] - D, 0.0).sum(axis=1)
        gain[medoids] = -1.0
        c = int(np.argmax(gain))
        medoids.append(c)
        np.minimum(nearest, D[c], out=nearest)
    medoids = np.array(medoids)
    for _ in range(max_iter):
        labels = np.argmin(D[medoids], axis=0)
        new = medoids.copy()
        for j in range(medoids.size):
            members = np.flatnonzero(labels == j)
            if members.size:
                new[j] = members[np.argmin(D[np.ix_(members, members)].sum(axis=1))]
        if np.array_equal(np.sort(new), np.sort(medoids)) and np.array_equal(new, medoids):
            break
        if np.unique(new).size < new.size:
            break
        medoids = new
    return np.sort(medoids)


def fasterpam(D, k):
    """``sktopo.transport.kmedoids``: FasterPAM from random medoids (``random_state=0``)."""
    return sktopo_kmedoids(D, k)


def fasterpam_build(D, k):
    """FasterPAM from PAM's BUILD (deterministic too; shown for reference)."""
    return np.sort(kmedoids.fasterpam(D, k, init="build", n_cpu=1).medoids.astype(np.intp))


METHODS = {"alternating": alternating_kmedoids, "FasterPAM": fasterpam,
           "FasterPAM+BUILD": fasterpam_build}


def cost(D, medoids):
    """The k-medoids objective: summed distance of every point to its nearest medoid."""
    return float(D[medoids].min(axis=0).sum())


def _timed(fn, repeats):
    best, out = np.inf, None
    for _ in range(repeats):
        start = time.process_time()
        out = fn()
        best = min(best, time.process_time() - start)
    return out, best


def emd_matrix(n_jets):
    from sktopo.experiments._jet_data import jet_sample
    from sktopo.transport import pairwise_emd

    images = jet_sample("qcd", n_jets, role="test", random_state=0).images
    return pairwise_emd(images[:n_jets], R=1.0)


def blobs_matrix(n_points, seed, n_centres=20, dim=8):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(n_centres, dim))
    X = centres[rng.integers(n_centres, size=n_points)] + rng.normal(size=(n_points, dim))
    return np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=-1))


def run(n_jets=500, n_points=(500, 2000), seeds=(0, 1, 2), ks=(1, 3, 10, 30, 100, 300),
        repeats=3):
    cases = []
    if n_jets:
        D = emd_matrix(n_jets)
        cases.append((f"EMD {n_jets} jets", D))
        if n_jets > 300:
            cases.append(("EMD 300 jets", np.ascontiguousarray(D[:300, :300])))
    for n in n_points:
        for seed in seeds:
            cases.append((f"blobs {n} s{seed}", blobs_matrix(n, seed)))
    rows = []
    for name, D in cases:
        for k in ks:
            if k >= D.shape[0]:
                continue
            row = {"case": name, "k": k}
            for method, fn in METHODS.items():
                medoids, seconds = _timed(lambda fn=fn: fn(D, k), repeats)
                row[method] = (cost(D, medoids), seconds)
            rows.append(row)
    return rows


def _summary(rows, method):
    ratio = np.array([r[method][0] / r["alternating"][0] for r in rows])
    speed = np.array([r["alternating"][1] / max(r[method][1], 1e-9) for r in rows])
    lower, higher = np.sum(ratio < 1 - 1e-12), np.sum(ratio > 1 + 1e-12)
    return (f"{method}: cost ratio median {np.median(ratio):.4f}, best {ratio.min():.4f}, worst "
            f"{ratio.max():.4f} (lower in {lower}, equal in {ratio.size - lower - higher}, "
            f"higher in {higher} of {ratio.size}); speed-up median {np.median(speed):.1f}x, "
            f"range {speed.min():.1f}-{speed.max():.1f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-jets", type=int, default=500, help="0: no EMD matrix")
    parser.add_argument("--n-points", type=int, nargs="*", default=[500, 2000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--k", type=int, nargs="+", default=[1, 3, 10, 30, 100, 300])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rows = run(args.n_jets, args.n_points, args.seeds, args.k, args.repeats)
    others = [m for m in METHODS if m != "alternating"]
    print("k-medoids cost sum_j min_m D[m, j] as a ratio to the alternating one (< 1: lower), "
          f"speed-up = alternating CPU time / method CPU time (best of {args.repeats})")
    print(f"{'case':<18}{'k':>5}{'cost alt.':>12}{'s alt.':>9}"
          + "".join(f"{m + ' cost':>22}{'speed-up':>10}" for m in others))
    for r in rows:
        c_a, t_a = r["alternating"]
        print(f"{r['case']:<18}{r['k']:>5}{c_a:>12.5g}{t_a:>9.4f}" + "".join(
            f"{r[m][0] / c_a:>22.4f}{t_a / max(r[m][1], 1e-9):>9.1f}x" for m in others))
    print()
    for m in others:
        print(_summary(rows, m))
    scan = [r for r in rows if r["case"] == "EMD 300 jets" and r["k"] >= 3]
    if scan:
        print("transport-vs-vae's scan (EMD 300 jets, k = "
              + ", ".join(str(r["k"]) for r in scan) + "), summed CPU seconds: " + ", ".join(
                  f"{m} {sum(r[m][1] for r in scan):.3f}" for m in METHODS))


if __name__ == "__main__":
    main()
