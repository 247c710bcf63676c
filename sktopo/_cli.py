"""Command line: ``sktopo reproduce NAME`` runs a paper reproduction.

Besides the figures and ``summary.txt`` the reproduction writes, the command
saves ``summary.json``: the reproduction's returned numbers with the seed,
settings flag, run time and package versions, for comparing runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def _parser():
    parser = argparse.ArgumentParser(
        prog="sktopo", description="Topology-aware anomaly detection: paper reproductions."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("reproduce", help="run a reproduction of a paper's figure")
    rep.add_argument("name", nargs="?", help="which reproduction (see --list)")
    rep.add_argument("--list", action="store_true", help="list the reproductions and exit")
    rep.add_argument("--out", default=None, help="output folder (default: sktopo-output/NAME)")
    rep.add_argument("--full", action="store_true", help="the paper's full training settings")
    rep.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    rep.add_argument("--quiet", action="store_true", help="no progress bars")
    rep.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch CPU threads (default: torch's choice; 1 is fastest for these small "
        "networks on a busy machine)",
    )
    return parser


def _show_progress():
    """Send the experiments' INFO messages to standard output (once per process)."""
    import logging

    log = logging.getLogger("sktopo.experiments")
    log.setLevel(logging.INFO)
    for handler in log.handlers:
        if getattr(handler, "_sktopo_cli", False):
            handler.setStream(sys.stdout)
            return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler._sktopo_cli = True
    log.addHandler(handler)


def _jsonable(value):
    """``value`` with numpy scalars and arrays (at any depth) turned into Python objects."""
    import numpy as np

    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return str(value)  # JSON has no nan / inf
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def _write_json(out, experiment, args, summary, seconds):
    """``summary.json``: what ran, with which versions, and the summary's numbers."""
    import json
    import platform

    import torch

    import sktopo

    record = {
        "reproduction": experiment.name, "paper": experiment.paper, "full": args.full,
        "seed": args.seed, "seconds": round(seconds, 1), "sktopo": sktopo.__version__,
        "torch": torch.__version__, "python": platform.python_version(),
        "summary": summary if isinstance(summary, dict) else None,
    }
    path = Path(out) / "summary.json"
    path.write_text(json.dumps(_jsonable(record), indent=1) + "\n")
    return path


def main(argv=None):
    """Entry point of the ``sktopo`` console script."""
    args = _parser().parse_args(argv)
    from sktopo.experiments import EXPERIMENTS

    if args.list or args.name is None:
        width = max(len(n) for n in EXPERIMENTS)
        for exp in EXPERIMENTS.values():
            print(f"{exp.name:<{width}}  {exp.paper}: {exp.description}")
        return 0
    if args.name not in EXPERIMENTS:
        print(
            f"sktopo: unknown reproduction {args.name!r}; choose one of {sorted(EXPERIMENTS)}",
            file=sys.stderr,
        )
        return 2
    if not args.quiet:
        _show_progress()
    if args.threads is not None:
        import torch

        torch.set_num_threads(args.threads)
    out = Path(args.out) if args.out else Path("sktopo-output") / args.name
    start = time.perf_counter()
    experiment = EXPERIMENTS[args.name]
    summary = experiment.run(out, full=args.full, verbose=0 if args.quiet else 1,
                             random_state=args.seed)
    seconds = time.perf_counter() - start
    out.mkdir(parents=True, exist_ok=True)
    _write_json(out, experiment, args, summary, seconds)
    print(f"wrote {out}/ in {seconds:.0f} s")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
