"""Training speed of SidebandReference's flow on the one training path against a plain torch loop.

:class:`sktopo.SidebandReference` trains zuko's conditional neural spline flow
through :func:`sktopo.nn.train_stacked` (skorch owns the loop; the module is
:class:`sktopo.nn.ConditionalFlow`, the loss its negative log-likelihood).  The
plain loop is what a careful user writes by hand: the same zuko flow, data as
one tensor, one ``randperm`` per epoch, batches sliced from it, Adam, and a
validation pass per epoch.  Both train for a fixed number of epochs (no early
stopping: patience larger than the epochs) on the same rows; the time is
steady-state seconds per epoch, ``(T(E2) - T(E1)) / (E2 - E1)`` from fits of
E1 and E2 epochs, best of ``--repeats`` (the machine may be shared).

Case: the CATHODE set-up of ``density-ratio-bump-hunt`` -- 20,000 sideband rows,
2 features given 1 context, 4 spline transforms of (64, 64), batch 256, one
torch thread.

Target: the training path within 1.2x of the plain loop.

Run: ``python benchmarks/bench_flow.py [--repeats 3] [--rows 20000]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
import zuko

from sktopo.nn import ConditionalFlow, StackedNegativeLogLikelihood, train_stacked

FEATURES, CONTEXT, TRANSFORMS, HIDDEN, BATCH = 2, 1, 4, (64, 64), 256


def _data(n, seed=0):
    rng = np.random.RandomState(seed)
    c = rng.uniform(-1, 1, (n, CONTEXT))
    z = rng.normal(c @ np.ones((CONTEXT, FEATURES)), 0.5)
    return np.column_stack([z, c]).astype(np.float32)


def path_fit(X, epochs):
    params = dict(optimizer="adam", learning_rate=1e-3, batch_size=BATCH, max_epochs=epochs,
                  early_stopping=True, validation_fraction=0.2, n_iter_no_change=10**6,
                  tol=0.0, device="cpu", verbose=0, n_threads=1)
    train_stacked(X, params, [0], module=ConditionalFlow,
                  module_kwargs=dict(n_features=FEATURES, n_context=CONTEXT,
                                     transforms=TRANSFORMS, hidden_features=HIDDEN),
                  flops_per_row=1.0, criterion=StackedNegativeLogLikelihood)


def plain_fit(X, epochs):
    torch.manual_seed(0)
    flow = zuko.flows.NSF(features=FEATURES, context=CONTEXT, transforms=TRANSFORMS,
                          hidden_features=HIDDEN)
    optimizer = torch.optim.Adam(flow.parameters(), lr=1e-3)
    X = torch.from_numpy(X)
    n_valid = int(np.ceil(0.2 * len(X)))
    valid, train = X[:n_valid], X[n_valid:]
    for _ in range(epochs):
        flow.train()
        for batch in train[torch.randperm(len(train))].split(BATCH):
            loss = -flow(batch[:, FEATURES:]).log_prob(batch[:, :FEATURES]).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        flow.eval()
        with torch.no_grad():
            for batch in valid.split(BATCH):
                flow(batch[:, FEATURES:]).log_prob(batch[:, :FEATURES])


def seconds_per_epoch(fit, X, e1, e2, repeats):
    def best(epochs):
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            fit(X, epochs)
            times.append(time.perf_counter() - start)
        return min(times)

    return (best(e2) - best(e1)) / (e2 - e1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    torch.set_num_threads(1)
    X = _data(args.rows)
    plain = seconds_per_epoch(plain_fit, X, 1, 4, args.repeats)
    ours = seconds_per_epoch(path_fit, X, 1, 4, args.repeats)
    print(f"conditional NSF, {args.rows:,} rows, batch {BATCH}, one thread, s/epoch "
          f"(best of {args.repeats}):")
    print(f"  plain torch loop   {plain:.3f}")
    print(f"  train_stacked      {ours:.3f}   ratio {ours / plain:.2f}  (target <= 1.2)")


if __name__ == "__main__":
    main()
