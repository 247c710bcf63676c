"""Training speed of AutoencoderDetector against a plain torch loop (and PyOD, if installed).

All contenders train the same architecture for the same number of epochs with
the same optimizer, in this one process, keeping the best of ``--repeats`` runs
(the machine may be shared and noisy).  Two numbers per contender: the
steady-state time per epoch, ``(T(E2) - T(E1)) / (E2 - E1)`` from fits of E1
and E2 epochs, which cancels fixed set-up costs; and the whole fit of E2 epochs
divided by E2.  The plain loop is
what a careful user writes by hand: ``nn.Sequential`` of ``nn.Linear`` layers,
data on the device as one tensor, one ``randperm`` per epoch, batches sliced
from the shuffled tensor.  AutoencoderDetector's time is its whole ``fit``
(validation, skorch set-up and the float64 scoring pass that sets ``offset_``
included).

Cases (issue 2):
  (a) circle: 1000 points, batch 64, widths (2, 64, 1, 64, 2)
  (b) 100,000 points of 12 features, batch 512, widths (12, 64, 64, 5, 64, 64, 12)

Target: AutoencoderDetector <= 1.2x the plain loop on the circle and <= 1.1x
on the 12-feature case (issue 18).

``--latent-space sphere`` (or ``torus``, ``all``) adds AutoencoderDetector with
that latent space (issue 14) and prints its cost relative to the Euclidean one
(target: the same within a few per cent).

Run: ``python benchmarks/bench_training.py [--device cuda] [--repeats 3]
[--latent-space sphere]``.
"""

from __future__ import annotations

import argparse
import time
import warnings
from functools import partial

import numpy as np
import torch
from torch import nn

from sklearn.exceptions import ConvergenceWarning

from sktopo import AutoencoderDetector

# short fits on purpose: their loss is still falling
warnings.filterwarnings("ignore", category=ConvergenceWarning)

CASES = {
    "circle": dict(n=1000, d=2, hidden=(64,), latent=1, batch=64, epochs=(20, 100)),
    "12-feature": dict(n=100_000, d=12, hidden=(64, 64), latent=5, batch=512, epochs=(2, 8)),
}


def make_data(case, seed=0):
    rng = np.random.RandomState(seed)
    if case["d"] == 2:
        phi = rng.uniform(0, 2 * np.pi, case["n"])
        return np.c_[np.cos(phi), np.sin(phi)]
    return rng.normal(size=(case["n"], case["d"]))


def plain_loop(X, case, device):
    widths = (case["d"], *case["hidden"], case["latent"], *reversed(case["hidden"]), case["d"])
    layers = []
    n_enc = len(case["hidden"]) + 1
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(nn.Linear(a, b))
        if i not in (n_enc - 1, len(widths) - 2):
            layers.append(nn.Tanh())
    torch.manual_seed(0)  # benchmark script, not library code
    model = nn.Sequential(*layers).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=1e-2)
    Xt = torch.as_tensor(X, dtype=torch.float32, device=device)
    gen = torch.Generator().manual_seed(0)
    n, bs = len(Xt), case["batch"]
    for _ in range(case["epochs"]):
        shuffled = Xt[torch.randperm(n, generator=gen).to(device)]
        for start in range(0, n, bs):
            batch = shuffled[start : start + bs]
            opt.zero_grad()
            loss = ((model(batch) - batch) ** 2).sum(dim=1).mean()
            loss.backward()
            opt.step()
            loss.item()  # the per-batch sync every logging loop has
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def sktopo_fit(X, case, device, latent_space="euclidean"):
    AutoencoderDetector(
        latent_dim=case["latent"], hidden_layer_sizes=case["hidden"], batch_size=case["batch"],
        max_epochs=case["epochs"], learning_rate=1e-2, device=device, random_state=0,
        latent_space=latent_space,
    ).fit(X)
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def pyod_fit(X, case, device):
    from pyod.models.auto_encoder import AutoEncoder

    AutoEncoder(
        hidden_neuron_list=[*case["hidden"], case["latent"]], hidden_activation_name="tanh",
        batch_norm=False, dropout_rate=0.0, optimizer_name="sgd", lr=1e-2, optimizer_params={},
        epoch_num=case["epochs"], batch_size=case["batch"], preprocessing=False,
        device=device, verbose=0, random_state=0,
    ).fit(X)


def best_time(fn, *args, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None,
                        help="torch intra-op threads (default: torch's choice)")
    parser.add_argument("--latent-space", default="euclidean",
                        choices=("euclidean", "sphere", "torus", "all"),
                        help="also time AutoencoderDetector with this latent space")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        import pyod  # noqa: F401

        contenders = {"sktopo": sktopo_fit, "plain": plain_loop, "pyod": pyod_fit}
    except ImportError:
        contenders = {"sktopo": sktopo_fit, "plain": plain_loop}
    spaces = (("sphere", "torus") if args.latent_space == "all"
              else () if args.latent_space == "euclidean" else (args.latent_space,))
    for space in spaces:
        contenders[f"sktopo-{space}"] = partial(sktopo_fit, latent_space=space)
    print(f"device={args.device}, torch threads={torch.get_num_threads()}, "
          f"best of {args.repeats}")
    for name, case in CASES.items():
        X = make_data(case)
        e1, e2 = case["epochs"]
        for fn in contenders.values():  # first calls pay import and allocation costs
            fn(X, {**case, "epochs": 1}, args.device)
        steady, whole = {}, {}
        for label, fn in contenders.items():
            t1 = best_time(fn, X, {**case, "epochs": e1}, args.device, repeats=args.repeats)
            t2 = best_time(fn, X, {**case, "epochs": e2}, args.device, repeats=args.repeats)
            steady[label] = (t2 - t1) / (e2 - e1)
            whole[label] = t2 / e2
        print(f"({name}) n={case['n']} batch={case['batch']} epochs {e1} and {e2}")
        for title, table in (("steady state", steady), (f"whole fit / {e2}", whole)):
            cells = ", ".join(f"{k} {v * 1e3:.2f}" for k, v in table.items())
            ratios = ", ".join(
                f"{k}/plain = {table[k] / table['plain']:.2f}x" for k in table if k != "plain"
            )
            print(f"    {title:<16} ms/epoch: {cells}  ->  {ratios}")
            for space in spaces:
                ratio = table[f"sktopo-{space}"] / table["sktopo"]
                print(f"    {'':<16} latent {space} / euclidean = {ratio:.3f}x")


if __name__ == "__main__":
    main()
