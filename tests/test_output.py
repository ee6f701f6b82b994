"""Atomic outputs: a complete folder or the previous one, never half of one."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gapmap.errors import OutputError
from gapmap.output import staged_directory


def test_success_replaces_the_previous_folder(tmp_path):
    target = tmp_path / "area"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with staged_directory(target) as staging:
        (staging / "new.txt").write_text("new")
    assert sorted(p.name for p in target.iterdir()) == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".") and "tmp" in p.name] == []


def test_failure_keeps_the_previous_folder(tmp_path):
    target = tmp_path / "area"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with pytest.raises(RuntimeError), staged_directory(target) as staging:
        (staging / "half.txt").write_text("half")
        raise RuntimeError("boom")
    assert [p.name for p in target.iterdir()] == ["old.txt"]


def test_second_writer_is_refused_while_the_first_holds_the_lock(tmp_path):
    target = tmp_path / "area"
    with staged_directory(target):
        with pytest.raises(OutputError, match="Another gapmap run is writing"):
            with staged_directory(target):
                pass
    with staged_directory(target) as staging:  # released afterwards
        (staging / "ok").write_text("ok")
    assert (target / "ok").exists()


_SLOW_BUILD = """
import signal, sys, time
# A child started in the background by a non-interactive shell inherits SIGINT as ignored;
# restore Python's default so that SIGINT acts as Ctrl-C in a terminal does.
signal.signal(signal.SIGINT, signal.default_int_handler)
from pathlib import Path
import gapmap.build as b
original = b.write_outputs
def slow(results, folder, **kw):
    original(results, folder, **kw)
    Path(sys.argv[2]).write_text("ready")
    time.sleep(60)
b.write_outputs = slow
from gapmap.cli import main
main(["build", "--out", sys.argv[1], "--tiles", "none"])
"""


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_killed_build_leaves_previous_output_intact(tmp_path, sig):
    out = tmp_path / "maps"
    from click.testing import CliRunner

    from gapmap.cli import main

    assert CliRunner().invoke(main, ["build", "--out", str(out), "--tiles", "none"]).exit_code == 0
    before = {p.relative_to(out): p.read_bytes() for p in (out / "north-east").rglob("*") if p.is_file()}
    flag = tmp_path / "ready"
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_BUILD, str(out), str(flag)])
    try:
        deadline = time.monotonic() + 120
        while not flag.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert flag.exists(), "the build did not reach the writing stage"
        proc.send_signal(sig)
        assert proc.wait(timeout=30) != 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    after = {p.relative_to(out): p.read_bytes() for p in (out / "north-east").rglob("*") if p.is_file()}
    assert after == before
    # The next build cleans up whatever the killed one left and succeeds.
    assert CliRunner().invoke(main, ["build", "--out", str(out), "--tiles", "none"]).exit_code == 0
    assert sorted(p.name for p in out.iterdir() if not p.name.endswith(".lock")) == ["north-east"]
