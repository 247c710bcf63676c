"""Scoring throughput of the exported ONNX graph in onnxruntime against ``score_samples``.

For the autoencoder of arXiv:2102.08380 (8-64-2-64-8), a 16-chart ensemble of it
(median), a VAE of the same widths, PCA and a small CNN on 37 x 37 images
(channels 16, 16), fits each briefly, exports it with
:func:`sktopo.utils.to_onnx`, and scores ``--rows`` rows (``--image-rows`` for the
CNN) three ways, all on one thread:

* the detector's own ``score_samples`` (``n_threads=1``; float64 for the dense
  networks and PCA, float32 for the CNN, the library's defaults);
* the same under ``sktopo.config_context(scoring_precision='float32')``;
* the exported graph in onnxruntime (``intra_op_num_threads=1``,
  ``inter_op_num_threads=1``), the whole array in one call.

Prints events per second (best of ``--repeat``), the ratio onnxruntime /
``score_samples`` measured in the same run, and the largest relative difference
between the two scores.

Run ``python benchmarks/bench_onnx.py [--rows 200000] [--image-rows 5000]
[--repeat 3]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import onnxruntime as ort

import sktopo
from sktopo import (
    AutoencoderDetector,
    ChartEnsembleDetector,
    ConvAutoencoderDetector,
    PCADetector,
    VAEDetector,
)
from sktopo.utils import to_onnx


def _images(n, rng):
    X = rng.exponential(size=(n, 37 * 37)) ** 4
    return X / X.sum(axis=1, keepdims=True)


def cases(rows, image_rows):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(rows, 8))
    dense = dict(latent_dim=2, hidden_layer_sizes=(64,), max_epochs=2, n_threads=1,
                 random_state=0)
    ae = AutoencoderDetector(**dense)
    images = _images(image_rows, rng)
    return {
        "autoencoder 8-64-2-64-8": (ae, X),
        "ensemble, 16 charts (median)": (
            ChartEnsembleDetector(ae, n_charts=16, random_state=0), X),
        "VAE 8-64-2-64-8 (elbo)": (VAEDetector(**dense), X),
        "PCA, 2 components": (PCADetector(n_components=2), X),
        "CNN 37x37, channels (16, 16)": (
            ConvAutoencoderDetector(channels=(16, 16), n_pool=2, max_epochs=1, batch_size=256,
                                    n_threads=1, random_state=0), images),
    }


def best_rate(fn, n, repeat):
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return n / best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--image-rows", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    header = (f"{'detector':30s} {'score_samples':>14s} {'(float32)':>11s} "
              f"{'onnxruntime':>12s} {'ratio':>7s} {'ratio f32':>9s} {'max rel diff':>12s}")
    print(f"events/s on one thread; onnxruntime {ort.__version__}")
    print(header)
    for name, (detector, X) in cases(args.rows, args.image_rows).items():
        fit_rows = min(len(X), 20_000)
        detector.fit(X[:fit_rows])
        session = ort.InferenceSession(to_onnx(detector, X[:8]).SerializeToString(), options,
                                       providers=["CPUExecutionProvider"])
        X32 = X.astype(np.float32)
        n = len(X)
        own = best_rate(lambda: detector.score_samples(X), n, args.repeat)
        with sktopo.config_context(scoring_precision="float32"):
            own32 = best_rate(lambda: detector.score_samples(X32), n, args.repeat)
        onnx = best_rate(lambda: session.run(None, {"X": X32}), n, args.repeat)
        expected = -detector.score_samples(X)
        got = session.run(None, {"X": X32})[0]
        diff = float(np.max(np.abs(got - expected) / np.abs(expected)))
        print(f"{name:30s} {own:14,.0f} {own32:11,.0f} {onnx:12,.0f} {onnx / own:6.2f}x "
              f"{onnx / own32:8.2f}x {diff:12.1e}")


if __name__ == "__main__":
    main()
