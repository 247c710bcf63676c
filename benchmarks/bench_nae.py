"""The complexity bias and the normalized autoencoder: AUC both ways, and training cost.

Trains on ``--n-train`` jets of one class (37 x 37 images of
:class:`sktopo.jets.JetImages`, unit sum) and scores held-out jets of both
classes, both ways round (train on QCD and score tops; train on tops and
score QCD):

* ``AutoencoderDetector(latent_dim=16, hidden_layer_sizes=(256, 64),
  optimizer='adam', learning_rate=1e-3)``, the well-trained dense
  autoencoder of issue 21, whose top-trained QCD AUC falls below 0.5 (the
  complexity bias, arXiv:2104.09051);
* ``NormalizedAutoencoderDetector()`` with its defaults (arXiv:2206.14225);

and prints the AUC of each, the Spearman correlation of each score with the
number of lit pixels and the image entropy on the background
(:func:`sktopo.diagnostics.complexity_check`), and the seconds each fit took
(the NAE's Langevin chains dominate its cost: with 20 + 20 steps, one NAE
epoch costs about 100 autoencoder epochs).

Jets come from :func:`sktopo.datasets.make_jets` (cached after the first run;
generating 2 x 3,000 jets takes a few minutes per core).

Run ``python benchmarks/bench_nae.py [--n-train 2000] [--n-test 1000] [--seed 0]
[--jet-seed 2101] [--device cpu]``.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.metrics import roc_auc_score

from sktopo import AutoencoderDetector
from sktopo.datasets import make_jets
from sktopo.detectors import NormalizedAutoencoderDetector
from sktopo.diagnostics import complexity_check
from sktopo.jets import JetImages


def jets(process, n, seed, n_jobs):
    data = make_jets(process, n, random_state=seed, n_jobs=n_jobs)
    return JetImages().fit_transform(data.constituents).astype(np.float64)


def auc(background, signal):
    y = np.r_[np.zeros(len(background)), np.ones(len(signal))]
    return roc_auc_score(y, np.r_[background, signal])


def detectors(seed, device):
    return {
        "AE (Adam 1e-3)": AutoencoderDetector(
            latent_dim=16, hidden_layer_sizes=(256, 64), optimizer="adam",
            learning_rate=1e-3, max_epochs=200, random_state=seed, device=device),
        "NAE (defaults)": NormalizedAutoencoderDetector(random_state=seed, device=device),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=2000)
    parser.add_argument("--n-test", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jet-seed", type=int, default=2101)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    n = args.n_train + args.n_test
    samples = {
        "top": jets("top", n, args.jet_seed, args.n_jobs),
        "qcd": jets("qcd", n, args.jet_seed + 1, args.n_jobs),
    }
    print(f"{'detector':16s} {'trained on':10s} {'AUC':>6s} {'rho(lit)':>9s} "
          f"{'rho(H)':>7s} {'fit s':>7s}")
    for train, other in (("qcd", "top"), ("top", "qcd")):
        X_train = samples[train][: args.n_train]
        X_bg, X_sig = samples[train][args.n_train:], samples[other][args.n_train:]
        for name, det in detectors(args.seed, args.device).items():
            start = time.perf_counter()
            det.fit(X_train)
            seconds = time.perf_counter() - start
            s_bg, s_sig = det.anomaly_score(X_bg), det.anomaly_score(X_sig)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                check = complexity_check(s_bg, X_bg, warn=False)
            print(f"{name:16s} {train:10s} {auc(s_bg, s_sig):6.3f} "
                  f"{check.correlations['lit_pixels']:+9.2f} "
                  f"{check.correlations['entropy']:+7.2f} {seconds:7.1f}", flush=True)


if __name__ == "__main__":
    main()
