"""Atomic writes keep ordinary file permissions and leave nothing behind on failure."""

import os
import stat

import pytest

from sktopo.utils._atomic import atomic_path, default_file_mode


def test_written_file_has_the_ordinary_mode(tmp_path):
    old = os.umask(0o022)
    try:
        target = tmp_path / "summary.txt"
        with atomic_path(target) as tmp:
            tmp.write_text("x")
        assert stat.S_IMODE(target.stat().st_mode) == 0o644 == default_file_mode()
    finally:
        os.umask(old)


def test_failure_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "data.txt"
    target.write_text("old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise KeyboardInterrupt
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["data.txt"]
