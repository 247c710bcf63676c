"""Command line: ``sktopo reproduce NAME`` runs a paper reproduction.

Besides the figures and ``summary.txt`` the reproduction writes, the command
saves ``summary.json``: the reproduction's returned numbers with the seed,
settings flag, run time and package versions, for comparing runs.  Both are
written only when the run completes: Ctrl-C, at any moment, stops the command
with exit status 130, one line on standard error, no summary, and no empty
output folder of its own making.  Bad arguments end with one line on standard
error and exit status 2, as argparse does.

``sktopo --version`` and ``sktopo reproduce --list`` import neither torch nor
the reproductions: the list is read from the source of
:mod:`sktopo.experiments` (see :func:`_catalog`).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from sktopo import __version__

_SUMMARIES = ("summary.txt", "summary.json")
_MAX_SEED = 2**31 - 1
_EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports it
_EXPERIMENTS_DIR = Path(__file__).resolve().parent / "experiments"


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
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
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


def _literal_register_calls(path):
    """``(name, keyword arguments)`` of each ``@register(...)`` on a function of ``path``."""
    import ast

    source = path.read_text(encoding="utf-8")
    if "@register(" not in source:
        return
    for node in ast.parse(source, filename=str(path)).body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for dec in node.decorator_list:
            if (isinstance(dec, ast.Call) and isinstance(dec.func, ast.Name)
                    and dec.func.id == "register"):
                # ValueError for anything but literals: the caller falls back to the registry
                yield (ast.literal_eval(dec.args[0]),
                       {kw.arg: ast.literal_eval(kw.value) for kw in dec.keywords})


def _catalog():
    """The reproductions for ``--list``: the registry if already imported, else its source.

    Importing :mod:`sktopo.experiments` imports torch and every reproduction
    (seconds), too slow for ``--list``; :func:`_read_catalog` reads the same
    entries from the source instead.
    """
    experiments = sys.modules.get("sktopo.experiments")
    if experiments is not None and hasattr(experiments, "EXPERIMENTS"):
        return experiments.EXPERIMENTS
    return _read_catalog()


def _read_catalog():
    """The reproductions as ``{name: SimpleNamespace(name, paper, description, runtime,
    full_runtime)}``, read without importing them.

    The registrations are literal ``@register(name, paper=..., description=...,
    runtime=..., full_runtime=...)`` calls on the functions of
    ``sktopo/experiments/_*.py``; they are read here with :mod:`ast`
    (tests/test_cli.py checks that they agree with the registry).  Anything
    unexpected falls back to importing the registry.
    """
    from types import SimpleNamespace

    fields = ("paper", "description", "runtime", "full_runtime")
    try:
        catalog = {}
        for path in sorted(_EXPERIMENTS_DIR.glob("_*.py")):
            for name, kwargs in _literal_register_calls(path):
                catalog[name] = SimpleNamespace(name=name, **{f: kwargs[f] for f in fields})
        if not catalog:
            raise ValueError("no registrations found")
        return catalog
    except (OSError, SyntaxError, ValueError, TypeError, KeyError, IndexError):
        from sktopo.experiments import EXPERIMENTS

        return EXPERIMENTS


def _list(experiments):
    width = max(len(n) for n in experiments)
    print("Reproductions (run times are rough, on one CPU core with --threads 1: "
          "CPU-sized default / --full)")
    for exp in experiments.values():
        print(f"{exp.name:<{width}}  {exp.paper}: {exp.description}")
        if exp.runtime or exp.full_runtime:
            times = f"{exp.runtime or '?'} / --full {exp.full_runtime or '?'}"
            print(f"{'':<{width}}  run time: {times}")


def _check_out(parser, out, created):
    """Create ``out`` (a folder) and make sure it is writable, else exit 2 with one line.

    The folders it creates are appended to ``created`` (outermost first) before
    they are made, so that an interrupted or failed run can remove them again.
    """
    import tempfile

    if out.exists() and not out.is_dir():
        parser.error(f"argument --out: {str(out)!r} is a file, not a folder")
    missing = []
    folder = out.absolute()
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    created.extend(reversed(missing))
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        parser.error(f"argument --out: cannot write to {str(out)!r}: {reason}")


def _remove_empty_folders(created):
    """Remove the folders of ``created`` (outermost first) that are empty, innermost first.

    ``rmdir`` only: a folder holding anything (a figure of the run, another
    run's output folder) stays.
    """
    for folder in reversed(created):
        try:
            folder.rmdir()
        except OSError:  # not empty, or already gone
            pass


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


class _Session:
    """What an interrupt or a failure must undo: folders created, summaries written."""

    def __init__(self):
        self.created = []  # folders made for the output, outermost first
        self.name = None  # set once the reproduction runs
        self.out = None
        self.started = None


def main(argv=None):
    """Entry point of the ``sktopo`` console script.

    Ctrl-C at any moment, imports included, returns 130 after one line on
    standard error; the folders this call created and left empty are removed.
    """
    session = _Session()
    previous = signal.getsignal(signal.SIGINT)
    done = False
    try:
        status = _main(argv, session)
        done = status == 0
        return status
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C cannot break the cleanup
        try:
            if session.started is not None:
                _discard_summaries(session.out, session.started)
            _remove_empty_folders(session.created)
            what = (f"; no summary written for this run of {session.name!r}"
                    if session.name is not None else "")
            print(f"sktopo: interrupted{what}", file=sys.stderr)
        finally:
            signal.signal(signal.SIGINT,
                          signal.default_int_handler if previous is None else previous)
        return _EXIT_INTERRUPTED
    finally:
        if not done:
            _remove_empty_folders(session.created)


def _main(argv, session):
    parser = _parser()
    args = parser.parse_args(argv)
    catalog = _catalog()
    if args.list or args.name is None:
        _list(catalog)
        return 0
    if args.name not in catalog:
        print(
            f"sktopo: unknown reproduction {args.name!r}; choose one of {sorted(catalog)}",
            file=sys.stderr,
        )
        return 2
    out = Path(args.out) if args.out else Path("sktopo-output") / args.name
    _check_out(parser.reproduce_parser, out, session.created)  # before the slow imports
    from sktopo.experiments import EXPERIMENTS

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
    session.name, session.out, session.started = args.name, out, time.time()
    start = time.perf_counter()
    try:
        summary = _run(experiment, out, args)
        seconds = time.perf_counter() - start
        _write_json(out, experiment, args, summary, seconds)
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
