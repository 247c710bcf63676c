"""The ``sktopo`` console script."""

import json

import numpy as np
import pytest

from sktopo._cli import main
from sktopo.experiments import EXPERIMENTS, Experiment, logger


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
