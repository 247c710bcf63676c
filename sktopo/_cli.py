"""Command line: ``sktopo reproduce NAME`` runs a paper reproduction.

Besides the figures and ``summary.txt`` the reproduction writes, the command
saves ``summary.json``: the reproduction's returned numbers with the seed,
settings flag, run time and package versions, for comparing runs.  Both are
written only when the run completes: Ctrl-C stops it with exit status 130
and no summary.  Bad arguments end with one line on standard error and exit
status 2, as argparse does.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

_SUMMARIES = ("summary.txt", "summary.json")
_MAX_SEED = 2**31 - 1
_EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports it


def _version():
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sktopo")
    except PackageNotFoundError:  # pragma: no cover (source tree without install)
        import sktopo

        return sktopo.__version__


def _int_in(low, high, what):
    """argparse ``type``: an int in ``[low, high]``, else one clear error line."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {what}; got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be {what}; got {value}")
        return value

    return parse


def _parser():
    parser = argparse.ArgumentParser(
        prog="sktopo", description="Topology-aware anomaly detection: paper reproductions."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("reproduce", help="run a reproduction of a paper's figure")
    rep.add_argument("name", nargs="?", help="which reproduction (see --list)")
    rep.add_argument("--list", action="store_true",
                     help="list the reproductions with rough run times and exit")
    rep.add_argument("--out", default=None, help="output folder (default: sktopo-output/NAME)")
    rep.add_argument("--full", action="store_true", help="the paper's full training settings")
    rep.add_argument("--seed", type=_int_in(0, _MAX_SEED, f"an integer in [0, {_MAX_SEED}]"),
                     default=0, help="random seed (default: 0)")
    rep.add_argument("--quiet", action="store_true", help="no progress bars")
    rep.add_argument(
        "--threads",
        type=_int_in(1, 4096, "a positive integer"),
        default=None,
        help="torch CPU threads for every network (default: chosen from each network's "
        "size, one thread for the papers' small dense networks)",
    )
    parser.reproduce_parser = rep  # errors about its arguments read "sktopo reproduce: ..."
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
    from sktopo.experiments._registry import atomic_write_text

    record = {
        "reproduction": experiment.name, "paper": experiment.paper, "full": args.full,
        "seed": args.seed, "seconds": round(seconds, 1), "sktopo": sktopo.__version__,
        "torch": torch.__version__, "python": platform.python_version(),
        "summary": summary if isinstance(summary, dict) else None,
    }
    return atomic_write_text(Path(out) / "summary.json",
                             json.dumps(_jsonable(record), indent=1) + "\n")


def _list(experiments):
    width = max(len(n) for n in experiments)
    print("Reproductions (run times are rough, on one CPU core with --threads 1: "
          "CPU-sized default / --full)")
    for exp in experiments.values():
        print(f"{exp.name:<{width}}  {exp.paper}: {exp.description}")
        if exp.runtime or exp.full_runtime:
            times = f"{exp.runtime or '?'} / --full {exp.full_runtime or '?'}"
            print(f"{'':<{width}}  run time: {times}")


def _check_out(parser, out):
    """Create ``out`` (a folder) and make sure it is writable, else exit 2 with one line."""
    if out.exists() and not out.is_dir():
        parser.error(f"argument --out: {str(out)!r} is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        parser.error(f"argument --out: cannot write to {str(out)!r}: {reason}")


def _discard_summaries(out, since):
    """Remove the summaries this run wrote (modified after ``since``, a wall-clock time)."""
    for name in _SUMMARIES:
        path = out / name
        try:
            if path.stat().st_mtime >= since:
                path.unlink()
        except FileNotFoundError:
            pass


def _on_sigint(signum, frame):
    """Record the interrupt for the experiments, then raise KeyboardInterrupt as usual."""
    from sktopo.experiments._registry import request_interrupt

    request_interrupt()
    raise KeyboardInterrupt


def _run(experiment, out, args):
    """Run the experiment; return its summary, or raise KeyboardInterrupt if interrupted.

    The interrupt is recorded by our SIGINT handler too, so a run whose training
    loop swallowed the KeyboardInterrupt still stops at its next progress step
    and counts as interrupted.
    """
    from sktopo.experiments._registry import clear_interrupt, interrupt_requested

    clear_interrupt()
    previous = signal.signal(signal.SIGINT, _on_sigint)
    try:
        summary = experiment.run(out, full=args.full, verbose=0 if args.quiet else 1,
                                 random_state=args.seed)
        if interrupt_requested():
            raise KeyboardInterrupt
        return summary
    finally:
        signal.signal(signal.SIGINT, previous)
        clear_interrupt()


def main(argv=None):
    """Entry point of the ``sktopo`` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    from sktopo.experiments import EXPERIMENTS

    if args.list or args.name is None:
        _list(EXPERIMENTS)
        return 0
    if args.name not in EXPERIMENTS:
        print(
            f"sktopo: unknown reproduction {args.name!r}; choose one of {sorted(EXPERIMENTS)}",
            file=sys.stderr,
        )
        return 2
    out = Path(args.out) if args.out else Path("sktopo-output") / args.name
    _check_out(parser.reproduce_parser, out)
    if not args.quiet:
        _show_progress()
    threads = None
    if args.threads is not None:
        import torch

        import sktopo

        threads = torch.get_num_threads()
        torch.set_num_threads(args.threads)
        sktopo.set_config(n_threads=args.threads)
    experiment = EXPERIMENTS[args.name]
    started = time.time()
    start = time.perf_counter()
    try:
        summary = _run(experiment, out, args)
        seconds = time.perf_counter() - start
        _write_json(out, experiment, args, summary, seconds)
    except KeyboardInterrupt:
        _discard_summaries(out, started)
        print(f"sktopo: interrupted; no summary written for this run of {args.name!r}",
              file=sys.stderr)
        return _EXIT_INTERRUPTED
    finally:
        if threads is not None:
            import torch

            import sktopo

            torch.set_num_threads(threads)
            sktopo.set_config(n_threads=None)
    print(f"wrote {out}{os.sep} in {seconds:.0f} s")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
