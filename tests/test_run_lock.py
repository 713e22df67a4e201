"""Issue 10, one coordinator per directory: ``run`` holds ``.coordinator/run.lock``; a
second one exits 2 naming the holder's pid; alert state is re-read before deciding."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coordinator_tui.clock import frozen_clock
from coordinator_tui.headless.coordinator import Coordinator, LogEvent, RunOptions
from coordinator_tui.settings import Settings
from coordinator_tui.write import run_lock
from tests.collective import NOW
from tests.test_run import broadcasts

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
CLI = (sys.executable, "-m", "coordinator_tui")
NOW_ARG = ("--now", "2025-11-15T20:00:00Z")


HOLD = (
    "import sys, time; from pathlib import Path;"
    "from coordinator_tui.write import run_lock;"
    "lock = run_lock.acquire(Path(sys.argv[1])); print('held', flush=True);"
)


def lock_holder(root: Path, then: str = "time.sleep(600)") -> subprocess.Popen[str]:
    """Another process that holds ``root``'s run lock (it said so), then runs ``then``."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD + then, str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def start_run(collective: Path, **env: str) -> subprocess.Popen[str]:
    """A real ``run`` that waits an hour between cycles (``env`` added to its
    environment), once it holds the lock."""
    process = subprocess.Popen(
        [*CLI, "run", str(collective), "--interval", "3600", *NOW_ARG],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**ENV, **env},
    )
    _wait_for_pid(collective / ".coordinator" / "run.lock", process.pid, process)
    return process


def _wait_for_pid(lock: Path, pid: int, process: subprocess.Popen[str]) -> None:
    for _ in range(600):
        if lock.exists() and lock.read_text().strip() == str(pid):
            return
        if process.poll() is not None:
            pytest.fail(f"the first run ended early: {process.stderr.read()}")  # type: ignore[union-attr]
        time.sleep(0.05)
    pytest.fail("the first run never took the lock")


def test_a_second_run_exits_2_naming_the_first(collective: Path) -> None:
    first = start_run(collective)
    try:
        second = subprocess.run(
            [*CLI, "run", str(collective), "--cycles", "1", *NOW_ARG],
            capture_output=True,
            text=True,
            env=ENV,
            timeout=120,
        )
        assert second.returncode == 2
        assert f"another coordinator (pid {first.pid}) is already running" in second.stderr
        assert "Traceback" not in second.stderr and second.stdout == ""
        dry = subprocess.run(  # a dry run writes nothing, so it needs no lock
            [*CLI, "run", str(collective), "--cycles", "1", "--dry-run", *NOW_ARG],
            capture_output=True,
            text=True,
            env=ENV,
            timeout=120,
        )
        assert dry.returncode == 0, dry.stderr
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=60) == 0
    # The first one's broadcasts were not repeated by the refused second one.
    assert len(broadcasts(collective, "Duplicate work")) == 1
    again = subprocess.run(
        [*CLI, "run", str(collective), "--cycles", "1", *NOW_ARG],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr
    assert len(broadcasts(collective, "Duplicate work")) == 1  # state read back: said already


def test_the_lock_is_released_by_a_killed_holder(tmp_path: Path) -> None:
    holder = lock_holder(tmp_path)
    try:
        with pytest.raises(run_lock.RunLocked) as raised:
            run_lock.acquire(tmp_path)
        assert raised.value.pid == holder.pid
    finally:
        holder.kill()
        holder.wait(timeout=30)
    with run_lock.acquire(tmp_path):
        assert (tmp_path / ".coordinator" / "run.lock").read_text() == f"{os.getpid()}\n"


def test_a_linked_private_folder_refuses_the_lock_with_exit_2(tmp_path: Path) -> None:
    root = tmp_path / "coordination"
    (root / "sessions").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / ".coordinator").symlink_to(outside)
    result = subprocess.run(
        [*CLI, "run", str(root), "--cycles", "1", *NOW_ARG],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
    )
    assert result.returncode == 2
    assert "refused to write into .coordinator: it is a symbolic link" in result.stderr
    assert list(outside.iterdir()) == []


def test_alert_state_is_read_again_before_each_decision(collective: Path) -> None:
    """Two coordinators that both started before either wrote (the lock is advisory and a
    coordinator may have been started by an older version): the second sees the first's
    alert on disk and does not repeat it."""
    events: list[LogEvent] = []

    def make() -> Coordinator:
        return Coordinator(collective, Settings(), frozen_clock(NOW), RunOptions(), events.append)

    first, second = make(), make()
    first.run_cycle()
    second.run_cycle()
    assert len(broadcasts(collective, "Duplicate work")) == 1
    assert len(broadcasts(collective, "Work suggestion")) == 1


def test_held_sees_a_live_run_without_taking_its_lock(collective: Path) -> None:
    """The dashboard asks before it writes what a ``run`` would write (budget messages):
    a running ``run`` is seen, and asking neither refuses that ``run`` nor leaves a lock."""
    assert run_lock.held(collective) is False  # no .coordinator/run.lock yet
    first = start_run(collective)
    lock = collective / ".coordinator" / "run.lock"
    try:
        assert run_lock.held(collective) is True
        assert run_lock.held(collective) is True  # asking twice changes nothing
        assert first.poll() is None and lock.read_text() == f"{first.pid}\n"
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=60) == 0
    assert lock.read_text() == f"{first.pid}\n"  # the file stays, naming a dead pid
    assert run_lock.held(collective) is False
    with run_lock.acquire(collective):  # the question left no lock behind
        assert run_lock.held(collective) is True  # another descriptor: seen as held
    assert run_lock.held(collective) is False


def test_held_sees_any_holder_until_the_kernel_drops_its_lock(tmp_path: Path) -> None:
    """A holder whose pid is alive but that holds nothing is not a ``run``; one killed
    with -9 holds nothing the moment it is gone."""
    holder = lock_holder(
        tmp_path,
        "sys.stdin.readline(); lock.release(); print('released', flush=True); time.sleep(600)",
    )
    try:
        assert holder.stdin is not None and holder.stdout is not None
        assert run_lock.held(tmp_path) is True
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "released"
        assert holder.poll() is None  # alive, named in the file, holding nothing
        assert run_lock.held(tmp_path) is False
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert run_lock.held(tmp_path) is False


def test_held_is_false_for_what_no_run_could_hold(tmp_path: Path) -> None:
    assert run_lock.held(tmp_path / "missing") is False
    private = tmp_path / ".coordinator"
    private.mkdir()
    (tmp_path / "elsewhere").write_text("1\n")
    (private / "run.lock").symlink_to(tmp_path / "elsewhere")  # acquire refuses a link too
    assert run_lock.held(tmp_path) is False
    (private / "run.lock").unlink()
    (private / "run.lock").mkdir()
    assert run_lock.held(tmp_path) is False
