"""Entropic EMD of jet-image pairs: sktopo's former batched torch Sinkhorn against POT's.

The same pairs of cached jet images (``jet_sample('qcd', ...)``, 37 x 37, unit
sum, R = 1: ``n`` test jets against ``m`` representatives, as
:class:`sktopo.TransportDetector` with ``method='sinkhorn'`` scores them) at a
given entropic regularisation ``reg``, solved by

* ``torch batched``: the log-domain Sinkhorn sktopo shipped before it used
  POT, copied here unchanged: all pairs zero-padded to the largest support of
  the set, batches of ``2**22 / (n + 1)(m + 1)`` pairs as one float64 tensor
  ``(pairs, n + 1, m + 1)``, iterated until every pair of the batch meets its
  row marginals to a relative (L1) 1e-6;
* ``POT sinkhorn_log``: a plain loop of ``ot.sinkhorn2(a, b, M, reg,
  method='sinkhorn_log', stopThr=1e-6 / sqrt(m))`` over the pairs, each on
  its own ``m`` non-zero pixels (POT stops on the L2 norm of the column
  error; this bound keeps its L1 norm below 1e-6, as the torch solver's);
* ``POT batch``: ``ot.batch.solve_batch(M, reg, a, b, method='log_sinkhorn',
  tol=1e-6 / sqrt(n))`` on torch tensors, zero-padded per batch of 256 pairs
  (POT's batched solver; the one the library uses on a GPU);
* ``sktopo``: :func:`sktopo.transport.pairwise_emd` with ``method='sinkhorn',
  device='cpu'`` as it is now (POT's ``sinkhorn_log`` per pair).

Accuracy: the largest relative deviation of each from a tight reference (POT's
``sinkhorn_log`` to ``stopThr=1e-11``); every value is the transport cost of
the entropic plan, biased upwards from the exact EMD (the median bias is
printed).  Time: CPU seconds of this process (``time.process_time``, so that
other work on a shared machine disturbs it less), torch at ``--threads``.

Run ``python benchmarks/bench_sinkhorn.py [--n 24] [--m 12] [--reg 0.05 0.1]``.
No GPU timings: the machines this was measured on had none.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

TOL = 1e-6  # the torch batched solver's relative marginal tolerance
BATCH_ELEMENTS = 2**22


# --------------------------------------------------------------------------- the former solver
def _padded(supports):
    length = max(1, max(w.size for w, _ in supports))
    W = np.zeros((len(supports), length))
    C = np.zeros((len(supports), length, 2))
    for k, (w, c) in enumerate(supports):
        W[k, : w.size] = w
        C[k, : w.size] = c
    return W, C


def _torch_cost(c0, c1, R, torch):
    cost = torch.linalg.vector_norm(c0[:, :, None, :] - c1[:, None, :, :], dim=-1) / R
    cost = torch.nn.functional.pad(cost, (0, 1, 0, 1), value=1.0)
    cost[:, -1, -1] = 0.0
    return cost


def _torch_sinkhorn_batch(a, b, cost, reg, max_iter, torch):
    log_a, log_b = torch.log(a), torch.log(b)
    f, g = torch.zeros_like(a), torch.zeros_like(b)
    scaled = -cost / reg
    total = a.sum(dim=1)
    for it in range(max_iter):
        f = -reg * torch.logsumexp(scaled + (g / reg + log_b)[:, None, :], dim=2)
        g = -reg * torch.logsumexp(scaled + (f / reg + log_a)[:, :, None], dim=1)
        if it % 10 == 9:
            log_p = scaled + (f / reg + log_a)[:, :, None] + (g / reg + log_b)[:, None, :]
            rows = torch.exp(log_p).sum(dim=2)
            err = torch.nan_to_num(torch.abs(rows - a)).sum(dim=1) / total
            if float(err.max()) < TOL:
                break
    log_p = scaled + (f / reg + log_a)[:, :, None] + (g / reg + log_b)[:, None, :]
    return (torch.exp(log_p) * cost).sum(dim=(1, 2))


def torch_batched(sup_a, sup_b, reg, R=1.0, max_iter=1000):
    """All pairs (sup_a[i], sup_b[j]), the former ``sktopo.transport._sinkhorn`` (images)."""
    import torch

    WA, CA = _padded(sup_a)
    WB, CB = _padded(sup_b)
    rows = np.repeat(np.arange(len(sup_a)), len(sup_b))
    cols = np.tile(np.arange(len(sup_b)), len(sup_a))
    n, m = WA.shape[1] + 1, WB.shape[1] + 1
    batch = max(1, BATCH_ELEMENTS // (n * m))
    out = np.empty(rows.size)
    opts = dict(dtype=torch.float64)
    with torch.no_grad():
        for s in range(0, rows.size, batch):
            r, c = rows[s:s + batch], cols[s:s + batch]
            wa, wb = torch.as_tensor(WA[r], **opts), torch.as_tensor(WB[c], **opts)
            gap = wa.sum(dim=1) - wb.sum(dim=1)
            a = torch.cat([wa, torch.clamp(-gap, min=0.0)[:, None]], dim=1)
            b = torch.cat([wb, torch.clamp(gap, min=0.0)[:, None]], dim=1)
            cost = _torch_cost(torch.as_tensor(CA[r], **opts), torch.as_tensor(CB[c], **opts),
                               R, torch)
            out[s:s + r.size] = _torch_sinkhorn_batch(a, b, cost, reg, max_iter, torch).numpy()
    return out.reshape(len(sup_a), len(sup_b))


# --------------------------------------------------------------------------- POT
def pot_loop(sup_a, sup_b, reg, stop_thr=None, max_iter=1000, R=1.0):
    """A plain loop of POT's log-domain Sinkhorn over the pairs (unit-sum events)."""
    import ot

    return np.array([[ot.sinkhorn2(wa, wb, ot.dist(ca, cb, metric="euclidean") / R, reg,
                                   method="sinkhorn_log", numItermax=max_iter, warn=False,
                                   stopThr=TOL / np.sqrt(wb.size) if stop_thr is None
                                   else stop_thr)
                      for wb, cb in sup_b] for wa, ca in sup_a])


def pot_batch(sup_a, sup_b, reg, max_iter=1000, R=1.0, batch=256):
    """POT's batched log-Sinkhorn on torch tensors, zero-padded per batch (unit-sum events)."""
    import ot
    import torch

    pairs = [(p, q) for p in sup_a for q in sup_b]
    out = []
    for s in range(0, len(pairs), batch):
        chunk = pairs[s:s + batch]
        n = max(p[0].size for p, _ in chunk)
        m = max(q[0].size for _, q in chunk)
        M, a, b = np.ones((len(chunk), n, m)), np.zeros((len(chunk), n)), np.zeros((len(chunk), m))
        for k, ((wa, ca), (wb, cb)) in enumerate(chunk):
            a[k, :wa.size], b[k, :wb.size] = wa, wb
            M[k, :wa.size, :wb.size] = ot.dist(ca, cb, metric="euclidean") / R
        res = ot.batch.solve_batch(torch.as_tensor(M), reg, torch.as_tensor(a),
                                   torch.as_tensor(b), method="log_sinkhorn", tol=TOL / np.sqrt(n),
                                   max_iter=max_iter, grad="detach")
        out.append(res.value_linear.numpy())
    return np.concatenate(out).reshape(len(sup_a), len(sup_b))


def _cpu(fn):
    start = time.process_time()
    out = fn()
    return out, time.process_time() - start


def run(n=24, m=12, regs=(0.05, 0.1), threads=1):
    import torch

    from sktopo.experiments._jet_data import jet_sample
    from sktopo.transport import pairwise_emd, pixel_centers

    torch.set_num_threads(threads)
    images = jet_sample("qcd", n + m, role="test", random_state=0).images
    A, B = images[:n], images[n:n + m]
    centers = pixel_centers(37)
    sup_a = [(x[x > 0], centers[x > 0]) for x in A]
    sup_b = [(x[x > 0], centers[x > 0]) for x in B]
    exact = pairwise_emd(A, B)
    rows = []
    for reg in regs:
        reference, _ = _cpu(lambda: pot_loop(sup_a, sup_b, reg, 1e-11, max_iter=100_000))
        contenders = {
            "torch batched": lambda: torch_batched(sup_a, sup_b, reg),
            "POT sinkhorn_log": lambda: pot_loop(sup_a, sup_b, reg),
            "POT batch": lambda: pot_batch(sup_a, sup_b, reg),
            "sktopo": lambda: pairwise_emd(A, B, method="sinkhorn", reg=reg, device="cpu"),
        }
        for name, fn in contenders.items():
            values, seconds = _cpu(fn)
            rows.append({"reg": reg, "method": name, "seconds": seconds, "pairs": n * m,
                         "deviation": float(np.max(np.abs(values / reference - 1))),
                         "bias": float(np.median(values / exact - 1))})
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=24, help="test jets")
    parser.add_argument("--m", type=int, default=12, help="representatives (n * m pairs)")
    parser.add_argument("--reg", type=float, nargs="+", default=[0.05, 0.1])
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    args = parser.parse_args()
    rows = run(args.n, args.m, tuple(args.reg), args.threads)
    print(f"{args.n} x {args.m} jet-image pairs, CPU seconds (torch at {args.threads} thread(s)); "
          "deviation: largest relative difference from POT's sinkhorn_log at stopThr=1e-11; "
          "bias: median relative excess over the exact EMD")
    print(f"{'reg':>6}  {'method':<18}{'CPU s':>8}{'pairs/s':>10}{'vs torch':>10}"
          f"{'deviation':>11}{'bias':>9}")
    for r in rows:
        base = next(x for x in rows if x["reg"] == r["reg"] and x["method"] == "torch batched")
        print(f"{r['reg']:>6g}  {r['method']:<18}{r['seconds']:>8.2f}"
              f"{r['pairs'] / r['seconds']:>10.1f}{base['seconds'] / r['seconds']:>9.2f}x"
              f"{r['deviation']:>11.1e}{r['bias']:>9.4f}")


if __name__ == "__main__":
    main()
