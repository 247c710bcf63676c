"""A new user's first try of the CNN: default parameters on a few hundred jet images.

Issue 20: with ``batch_size=1024`` (the paper's, for 100,000 jets) 400 QCD
images are one optimizer step per epoch, early stopping ends training long
before it has learned anything, and the top-vs-QCD AUC was 0.51 (PCA: 0.88 in
a second).  The default is now ``batch_size='auto'`` (about twenty steps per
epoch on small samples).  This script trains ``ConvAutoencoderDetector()`` with
its defaults and with ``batch_size=1024`` on 400 Pythia QCD jets (37 x 37
images), scores 300 QCD and 300 top test jets, and prints the AUC, the epochs,
whether a ConvergenceWarning was raised and the time, next to PCA (16
components), all in one run.

Run: ``python benchmarks/bench_cnn_first_try.py [--n-train 400] [--seed 0]``
(generates ~1,000 jets with Pythia on the first run: about a minute on two
cores; cached after that).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import roc_auc_score

from sktopo import ConvAutoencoderDetector, PCADetector
from sktopo.datasets import make_jets
from sktopo.jets import JetImages


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=400)
    parser.add_argument("--n-test", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args()
    n_qcd = args.n_train + args.n_test
    qcd = make_jets("qcd", n_qcd, random_state=1000 + args.seed, n_jobs=args.n_jobs)
    top = make_jets("top", args.n_test, random_state=2000 + args.seed, n_jobs=args.n_jobs)
    imager = JetImages()
    X_qcd = imager.fit_transform(qcd.constituents)
    X_top = imager.transform(top.constituents)
    X_train, X_test = X_qcd[: args.n_train], np.r_[X_qcd[args.n_train:], X_top]
    y_test = np.r_[np.zeros(args.n_test), np.ones(args.n_test)]
    contenders = {
        "CNN, defaults (batch_size='auto')": ConvAutoencoderDetector(random_state=args.seed),
        "CNN, batch_size=1024 (old default)": ConvAutoencoderDetector(batch_size=1024,
                                                                      random_state=args.seed),
        "PCA, 16 components": PCADetector(n_components=16),
    }
    print(f"{args.n_train} QCD training images, {args.n_test} QCD + {args.n_test} top test images")
    for name, det in contenders.items():
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            det.fit(X_train)
        seconds = time.perf_counter() - start
        auc = roc_auc_score(y_test, det.anomaly_score(X_test))
        warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
        epochs = getattr(det, "n_iter_", "-")
        print(f"  {name:<36} AUC {auc:.3f}  epochs {epochs!s:>4}  "
              f"ConvergenceWarning {'yes' if warned else 'no ':<3}  {seconds:6.1f} s")


if __name__ == "__main__":
    main()
