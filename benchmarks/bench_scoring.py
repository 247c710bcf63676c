"""Scoring throughput and memory: events per second and peak extra memory of ``score_samples``.

For the autoencoder of arXiv:2102.08380 (the 5-layer net: widths 8-64-2-64-8),
PCA and a 16-chart ensemble of that net, scores ``--rows`` float32 rows of 8
features (default 10^6 and 10^7) and prints events per second and the peak
resident memory beyond the input (sampled every 2 ms with psutil), as a
multiple of the output array (8 bytes a row).  Each case runs in a fresh
subprocess so that one case's high-water mark does not hide another's.

The targets of the scoring work (issue 9): extra memory below 2x the output
array at 10^7 rows, and at least 5e5 events/s per core for the 16-chart
ensemble.  ``--precision float32`` scores in single precision
(``sktopo.config_context(scoring_precision='float32')``).

Run ``python benchmarks/bench_scoring.py [--rows 1000000 10000000]
[--threads 1] [--precision float64 float32]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap

_CASE = textwrap.dedent(
    """
    import json, sys, threading, time
    import numpy as np, psutil, torch
    import sktopo
    from sktopo import AutoencoderDetector, ChartEnsembleDetector, PCADetector
    name, n, threads, precision = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    torch.set_num_threads(threads)
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n, 8)).astype(np.float32)
    ae = AutoencoderDetector(latent_dim=2, hidden_layer_sizes=(64,), max_epochs=2,
                             random_state=0, n_threads=threads)
    det = {"ae": ae, "pca": PCADetector(n_components=2),
           "ensemble16": ChartEnsembleDetector(ae, n_charts=16, random_state=0)}[name]
    det.fit(X[:2000])
    det.score_samples(X[:2000])  # warm up
    proc = psutil.Process()
    base = proc.memory_info().rss
    peak = [base]
    done = threading.Event()
    def watch():
        while not done.is_set():
            peak[0] = max(peak[0], proc.memory_info().rss)
            time.sleep(0.002)
    watcher = threading.Thread(target=watch); watcher.start()
    with sktopo.config_context(scoring_precision=precision):
        start = time.perf_counter()
        scores = det.score_samples(X)
        seconds = time.perf_counter() - start
    done.set(); watcher.join()
    print(json.dumps({"seconds": seconds, "extra": peak[0] - base, "out": scores.nbytes}))
    """
)


def run_case(name, rows, threads, precision):
    out = subprocess.run(
        [sys.executable, "-c", _CASE, name, str(rows), str(threads), precision],
        check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10**6, 10**7])
    parser.add_argument("--cases", nargs="+", default=["ae", "pca", "ensemble16"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--precision", nargs="+", default=["float64", "float32"])
    args = parser.parse_args(argv)
    print(f"{'case':<11} {'precision':<9} {'rows':>9} {'events/s':>10} "
          f"{'per core':>10} {'extra MiB':>10} {'extra/output':>12}")
    for precision in args.precision:
        for name in args.cases:
            if name == "pca" and precision != args.precision[0]:
                continue  # PCA scores in float64 either way
            for rows in args.rows:
                r = run_case(name, rows, args.threads, precision)
                rate = rows / r["seconds"]
                print(f"{name:<11} {precision:<9} {rows:>9} {rate:>10.3g} "
                      f"{rate / args.threads:>10.3g} {r['extra'] / 2**20:>10.1f} "
                      f"{r['extra'] / r['out']:>12.2f}", flush=True)


if __name__ == "__main__":
    main()
