"""The ``sktopo`` console script."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from sktopo._cli import _read_catalog, main
from sktopo.experiments import EXPERIMENTS, Experiment, logger

# What the ``sktopo`` console script runs (``python -m sktopo._cli`` differs: there
# an interrupted import can make the interpreter end by SIGINT after main returned).
CONSOLE_SCRIPT = "import sys; from sktopo._cli import main; sys.exit(main())"


def _default_sigint():
    """preexec_fn: Ctrl-C acts in the child even when the tests run in a background job.

    A shell starts background commands with SIGINT ignored, and children inherit
    that; the tests simulate a user pressing Ctrl-C, which is never ignored.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _sktopo(*args, **kwargs):
    """Start ``sktopo ARGS`` as the console script does, in a fresh interpreter."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-c", CONSOLE_SCRIPT, *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_default_sigint, **kwargs)


def test_list_shows_every_reproduction(capsys):
    assert main(["reproduce", "--list"]) == 0
    out = capsys.readouterr().out
    for name in ("circle", "bump-hunt", "uniform-phase-space", "circle-square",
                 "excised-double-cone"):
        assert name in EXPERIMENTS
        assert name in out


def test_unknown_name_fails_clearly(capsys):
    assert main(["reproduce", "no-such-thing"]) == 2
    assert "unknown reproduction" in capsys.readouterr().err


def test_runs_a_registered_experiment(tmp_path, capsys, monkeypatch):
    calls = {}

    def fake_run(out_dir, *, full=False, verbose=1, random_state=0):
        calls.update(out_dir=out_dir, full=full, verbose=verbose, random_state=random_state)
        logger.info("fake summary")

    monkeypatch.setitem(EXPERIMENTS, "fake", Experiment("fake", "paper", "test", fake_run))
    assert main(["reproduce", "fake", "--out", str(tmp_path), "--full", "--seed", "3"]) == 0
    assert calls == dict(out_dir=tmp_path, full=True, verbose=1, random_state=3)
    out = capsys.readouterr().out
    assert "fake summary" in out and "wrote" in out


def test_quiet_hides_progress(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(
        EXPERIMENTS, "fake", Experiment("fake", "p", "d", lambda out, **kw: kw["verbose"])
    )
    assert main(["reproduce", "fake", "--out", str(tmp_path), "--quiet"]) == 0


def test_requires_a_command():
    with pytest.raises(SystemExit):
        main([])


def test_writes_a_json_summary(tmp_path, monkeypatch):
    def fake_run(out_dir, **kwargs):
        return {"worst": np.float32(2.5), "curve": np.arange(3), "nested": {"n": np.int64(4)},
                "ratio": float("inf"), "settings": {"layers": (64, 64)}, "obj": object}

    monkeypatch.setitem(EXPERIMENTS, "fake", Experiment("fake", "arXiv:0000", "d", fake_run))
    out = tmp_path / "new"
    assert main(["reproduce", "fake", "--out", str(out), "--seed", "7", "--quiet"]) == 0
    record = json.loads((out / "summary.json").read_text())
    assert record["reproduction"] == "fake" and record["paper"] == "arXiv:0000"
    assert record["seed"] == 7 and record["full"] is False and record["seconds"] >= 0
    assert {"sktopo", "torch", "python"} <= set(record)
    summary = record["summary"]
    assert summary["worst"] == 2.5 and summary["curve"] == [0, 1, 2]
    assert summary["nested"] == {"n": 4} and summary["ratio"] == "inf"
    assert summary["settings"] == {"layers": [64, 64]}
    assert summary["obj"] == repr(object)


# --version, --list run times, argument errors (exit 2, one line)
def test_version(capsys):
    import sktopo

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"sktopo {sktopo.__version__}"


def test_list_gives_run_times(capsys):
    assert main(["reproduce", "--list"]) == 0
    out = capsys.readouterr().out
    assert "CPU-sized default / --full" in out
    assert out.count("run time: ") == len(EXPERIMENTS)
    for exp in EXPERIMENTS.values():
        assert exp.runtime and exp.full_runtime, exp.name


def _error_line(capsys):
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.strip().splitlines()[-1]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--threads", "0"], "argument --threads: must be a positive integer; got 0"),
        (["--threads", "-3"], "argument --threads: must be a positive integer; got -3"),
        (["--threads", "two"], "argument --threads: must be a positive integer; got 'two'"),
        (["--seed", "-1"], "argument --seed: must be an integer in [0, 2147483647]; got -1"),
        (["--seed", "2147483648"], "argument --seed: must be an integer in [0, 2147483647]"),
    ],
)
def test_bad_numbers_exit_2_with_one_line(args, message, capsys, monkeypatch, tmp_path):
    ran = []
    monkeypatch.setitem(EXPERIMENTS, "fake", Experiment("fake", "p", "d", ran.append))
    with pytest.raises(SystemExit) as exc:
        main(["reproduce", "fake", "--out", str(tmp_path), *args])
    assert exc.value.code == 2 and not ran
    line = _error_line(capsys)
    assert line.startswith("sktopo reproduce: error: ") and message in line


def test_out_is_a_file(tmp_path, capsys):
    path = tmp_path / "a-file"
    path.write_text("")
    with pytest.raises(SystemExit) as exc:
        main(["reproduce", "circle", "--out", str(path)])
    assert exc.value.code == 2
    assert _error_line(capsys).endswith(f"argument --out: {str(path)!r} is a file, not a folder")


@pytest.mark.parametrize("where", ["under-a-file", "proc"])
def test_out_not_writable(where, tmp_path, capsys):
    if where == "proc":  # unwritable even for root
        out = "/proc/sktopo-cannot-write-here"
    else:
        (tmp_path / "f").write_text("")
        out = str(tmp_path / "f" / "sub")
    with pytest.raises(SystemExit) as exc:
        main(["reproduce", "circle", "--out", out])
    assert exc.value.code == 2
    assert f"argument --out: cannot write to {out!r}: " in _error_line(capsys)


# Overall progress
def test_log_step_shows_overall_progress(caplog):
    from sktopo.experiments import log_step

    with caplog.at_level("INFO", logger="sktopo.experiments"):
        log_step(2, 3, "training latent_dim=%d", 2)
        log_step(3, 3, "hidden", verbose=0)
    assert caplog.messages == ["[2/3] training latent_dim=2"]


# Ctrl-C: exit 130, no summary for the interrupted run
def test_interrupt_exits_130_without_summaries(tmp_path, capsys, monkeypatch):
    old = tmp_path / "old"
    old.mkdir()

    def interrupted_run(out_dir, **kwargs):
        (out_dir / "summary.txt").write_text("half a summary")
        raise KeyboardInterrupt

    monkeypatch.setitem(EXPERIMENTS, "fake", Experiment("fake", "p", "d", interrupted_run))
    assert main(["reproduce", "fake", "--out", str(tmp_path), "--quiet"]) == 130
    assert not (tmp_path / "summary.txt").exists()
    assert not (tmp_path / "summary.json").exists()
    assert "interrupted" in capsys.readouterr().err


@pytest.mark.parametrize("then", ["log_step", "write_summary", "return"])
def test_swallowed_interrupt_still_stops_the_run(then, tmp_path, monkeypatch):
    """A training loop that swallows Ctrl-C (as skorch did) cannot finish the run."""
    import os
    import signal

    from sktopo.experiments import log_step, write_summary

    reached = []

    def swallowing_run(out_dir, **kwargs):
        try:
            os.kill(os.getpid(), signal.SIGINT)  # a real signal, to the CLI's handler
        except KeyboardInterrupt:
            pass  # swallowed
        if then == "log_step":
            log_step(2, 2, "training again")
        elif then == "write_summary":
            write_summary(out_dir, "numbers of an interrupted run")
        reached.append(then)
        return {"worst": 1.0}

    monkeypatch.setitem(EXPERIMENTS, "fake", Experiment("fake", "p", "d", swallowing_run))
    before = signal.getsignal(signal.SIGINT)
    assert main(["reproduce", "fake", "--out", str(tmp_path), "--quiet"]) == 130
    assert signal.getsignal(signal.SIGINT) is before  # handler restored
    assert reached == (["return"] if then == "return" else [])
    assert not (tmp_path / "summary.txt").exists()
    assert not (tmp_path / "summary.json").exists()
    # the next run is not affected by the earlier interrupt
    monkeypatch.setitem(EXPERIMENTS, "fake", Experiment("fake", "p", "d", lambda out, **kw: {}))
    assert main(["reproduce", "fake", "--out", str(tmp_path), "--quiet"]) == 0


def test_write_summary_is_atomic(tmp_path, monkeypatch):
    from sktopo.experiments import write_summary

    write_summary(tmp_path, "first\n", verbose=0)

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_summary(tmp_path, "second\n", verbose=0)
    assert (tmp_path / "summary.txt").read_text() == "first\n"  # old file intact
    assert [p.name for p in tmp_path.iterdir()] == ["summary.txt"]  # no temporary left


@pytest.mark.slow
def test_sigint_during_training_exits_130(tmp_path):
    """``sktopo reproduce circle`` interrupted by a real SIGINT while it trains."""
    out = tmp_path / "circle"
    proc = _sktopo("reproduce", "circle", "--out", str(out), "--threads", "1")
    try:
        for line in proc.stdout:
            if "training" in line:
                break
        time.sleep(1.0)  # inside the first fit
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert not (out / "summary.json").exists()
    assert not (out / "summary.txt").exists()
    assert not out.exists() or any(out.iterdir())  # no empty folder left behind


def test_threads_option_reaches_the_detectors(tmp_path, monkeypatch):
    """--threads sets sktopo's n_threads default, which detectors with n_threads=None use."""
    import sktopo
    from sktopo.experiments import _registry

    seen = {}

    def fake(out_dir, full=False, verbose=1, random_state=0):
        seen["n_threads"] = sktopo.get_config()["n_threads"]
        return {}

    monkeypatch.setitem(_registry.EXPERIMENTS, "fake", _registry.Experiment("fake", "p", "d", fake))
    assert main(["reproduce", "fake", "--out", str(tmp_path), "--threads", "3", "--quiet"]) == 0
    assert seen["n_threads"] == 3
    assert sktopo.get_config()["n_threads"] is None  # restored after the run


# --version and --list answer at once: no torch, no reproduction imported (issue 20)
@pytest.mark.parametrize("args", [["--version"], ["reproduce", "--list"], ["reproduce"]])
def test_version_and_list_import_no_torch(args):
    code = (
        "import sys\n"
        "from sktopo._cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('torch', 'sklearn', 'scipy', 'numpy', 'matplotlib', 'sktopo.experiments')\n"
        "print([m for m in heavy if m in sys.modules], file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "[]"
    assert result.stdout.startswith("sktopo 0." if args == ["--version"] else "Reproductions")


def test_list_reads_the_registry_from_source():
    """``--list`` reads the registrations without importing them: the same entries."""
    catalog = _read_catalog()
    assert not any(isinstance(entry, Experiment) for entry in catalog.values())  # no fallback
    assert list(catalog) == sorted(catalog, key=list(catalog).index)
    assert set(catalog) == set(EXPERIMENTS)
    for name, exp in EXPERIMENTS.items():
        entry = catalog[name]
        assert (entry.name, entry.paper, entry.description, entry.runtime,
                entry.full_runtime) == (exp.name, exp.paper, exp.description, exp.runtime,
                                        exp.full_runtime), name


def test_list_in_a_fresh_interpreter_equals_the_registry():
    result = subprocess.run([sys.executable, "-c", CONSOLE_SCRIPT, "reproduce", "--list"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Reproductions")
    for exp in EXPERIMENTS.values():
        assert any(line.startswith(exp.name + " ") and f"{exp.paper}: {exp.description}" in line
                   for line in lines), exp.name
    assert result.stdout.count("run time: ") == len(EXPERIMENTS)


# Ctrl-C at any moment: exit 130, one line, no traceback, no empty folder of ours
@pytest.mark.parametrize("delay", [0.0, 0.5, 1.5])
def test_sigint_during_imports_exits_130_with_one_line(delay, tmp_path):
    """A real SIGINT in the first seconds, while torch and the reproductions import.

    The output folder is made (and checked) before those imports: once it
    exists the command is inside ``main``, importing for seconds.
    """
    out = tmp_path / "new" / "circle"
    proc = _sktopo("reproduce", "circle", "--out", str(out), "--threads", "1", "--quiet")
    try:
        deadline = time.monotonic() + 60
        while not out.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        assert out.exists(), proc.communicate()
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert len(err.strip().splitlines()) == 1 and err.startswith("sktopo: interrupted"), err
    if delay == 0.0:  # torch alone takes longer to import
        assert err.strip() == "sktopo: interrupted"
    assert not (tmp_path / "new").exists()  # the folders it made are gone


def test_interrupted_list_exits_130(capsys, monkeypatch):
    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr("sktopo._cli._catalog", interrupted)
    assert main(["reproduce", "--list"]) == 130
    assert capsys.readouterr().err == "sktopo: interrupted\n"


@pytest.mark.parametrize("writes", [False, True])
def test_interrupted_run_leaves_no_empty_folder(writes, tmp_path, capsys, monkeypatch):
    out = tmp_path / "new" / "deeper" / "fake"

    def interrupted_run(out_dir, **kwargs):
        if writes:
            (out_dir / "figure.png").write_bytes(b"png")
        raise KeyboardInterrupt

    monkeypatch.setitem(EXPERIMENTS, "fake", Experiment("fake", "p", "d", interrupted_run))
    assert main(["reproduce", "fake", "--out", str(out), "--quiet"]) == 130
    if writes:  # the run's own output stays
        assert [p.name for p in out.iterdir()] == ["figure.png"]
    else:
        assert list(tmp_path.iterdir()) == []
    err = capsys.readouterr().err
    assert err == "sktopo: interrupted; no summary written for this run of 'fake'\n"


def test_interrupt_keeps_a_folder_it_did_not_create(tmp_path, monkeypatch):
    out = tmp_path / "existing"
    out.mkdir()
    monkeypatch.setitem(EXPERIMENTS, "fake", Experiment(
        "fake", "p", "d", lambda out_dir, **kw: (_ for _ in ()).throw(KeyboardInterrupt)))
    assert main(["reproduce", "fake", "--out", str(out), "--quiet"]) == 130
    assert out.is_dir()


def test_failed_run_leaves_no_empty_folder(tmp_path, monkeypatch):
    def failing_run(out_dir, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setitem(EXPERIMENTS, "fake", Experiment("fake", "p", "d", failing_run))
    with pytest.raises(RuntimeError, match="bug"):
        main(["reproduce", "fake", "--out", str(tmp_path / "new"), "--quiet"])
    assert list(tmp_path.iterdir()) == []


def test_interrupt_restores_the_sigint_handler(tmp_path, monkeypatch):
    monkeypatch.setitem(EXPERIMENTS, "fake", Experiment(
        "fake", "p", "d", lambda out_dir, **kw: (_ for _ in ()).throw(KeyboardInterrupt)))
    before = signal.getsignal(signal.SIGINT)
    assert main(["reproduce", "fake", "--out", str(tmp_path), "--quiet"]) == 130
    assert signal.getsignal(signal.SIGINT) is before
