"""Issue 10, writes and private state: nothing is written through a link, and this
program's own state (``.coordinator/``) is read like any other file: regular files only,
size-capped, never blocking."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from coordinator_tui.clock import frozen_clock
from coordinator_tui.files import fsio
from coordinator_tui.files.fsio import UnsafeFolder, create_new_in, replace_in
from coordinator_tui.headless.coordinator import Coordinator, LogEvent, RunOptions
from coordinator_tui.settings import Settings
from coordinator_tui.write.alert_state import AlertState, load_alert_state, save_alert_state
from coordinator_tui.write.messages import Draft, write_message
from coordinator_tui.write.trend_log import Sample, TrendLog, TrendLogError
from tests.collective import NOW

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
CLI = (sys.executable, "-m", "coordinator_tui")
NOW_ARG = ("--now", "2025-11-15T20:00:00Z")
SAMPLE = Sample(NOW, 1, 1, 1, 0, 0, 0, 1.0, 0, 0)


def tree(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "victim.txt").write_text("untouched\n")
    return folder


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "coordination"
    (folder / "sessions").mkdir(parents=True)
    return folder


@pytest.mark.parametrize(
    "linked",
    [".coordinator", "messages", "messages/broadcast", "messages/direct/session-1"],
)
def test_no_writer_follows_a_linked_folder(root: Path, outside: Path, linked: str) -> None:
    (root / linked).parent.mkdir(parents=True, exist_ok=True)
    (root / linked).symlink_to(outside)
    attempts: list[Any] = [
        lambda: write_message(root, Draft(to="broadcast", subject="s", body="b"), NOW),
        lambda: write_message(root, Draft(to="session-1", subject="s", body="b"), NOW),
        lambda: save_alert_state(root, AlertState(duplicates={"k": ("a", "b")})),
        lambda: TrendLog(root).append(SAMPLE),
        lambda: replace_in(root, f"{linked}/x.json", b"{}"),
    ]
    refused = 0
    for attempt in attempts:
        try:
            attempt()
        except UnsafeFolder as error:
            refused += 1
            assert "it is a symbolic link" in str(error)
            assert str(error).startswith("refused to write into ")
    assert refused >= 2
    assert tree(outside) == ["victim.txt"]
    assert (outside / "victim.txt").read_text() == "untouched\n"


def test_a_history_file_linked_outside_is_never_appended_to(root: Path, outside: Path) -> None:
    (root / ".coordinator").mkdir()
    (root / ".coordinator" / "history.jsonl").symlink_to(outside / "victim.txt")
    history = TrendLog(root)
    with pytest.raises(OSError):
        history.append(SAMPLE)
    assert (outside / "victim.txt").read_text() == "untouched\n"


def test_a_folder_swapped_for_a_link_mid_write_is_refused(root: Path, outside: Path) -> None:
    """The folder is opened once, without following; a link put in its place afterwards
    changes nothing for a write already under way, and the next write refuses it."""
    path = create_new_in(root, "messages/broadcast", "a.json", b"{}")
    assert path == root / "messages" / "broadcast" / "a.json"
    (root / "messages" / "broadcast").rename(root / "messages" / "old")
    (root / "messages" / "broadcast").symlink_to(outside)
    with pytest.raises(UnsafeFolder):
        create_new_in(root, "messages/broadcast", "b.json", b"{}")
    assert tree(outside) == ["victim.txt"]


def test_dotdot_is_never_a_folder_we_write(root: Path) -> None:
    with pytest.raises(UnsafeFolder):
        replace_in(root, "../escape.json", b"{}")
    assert not (root.parent / "escape.json").exists()


def _with_timeout(work: Any, seconds: float = 30) -> Any:
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = work()
        except BaseException as error:  # the test inspects it
            result["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "blocked on a special file"
    return result


@pytest.mark.parametrize("name", ["history.jsonl", "alerts.json"])
def test_private_state_that_is_a_fifo_does_not_block(root: Path, name: str) -> None:
    (root / ".coordinator").mkdir()
    os.mkfifo(root / ".coordinator" / name)
    loaded = _with_timeout(lambda: load_alert_state(root))
    assert loaded["value"][1] == ("not a regular file (FIFO)" if name == "alerts.json" else None)
    read = _with_timeout(lambda: TrendLog(root).load())
    if name == "history.jsonl":
        assert isinstance(read["error"], TrendLogError)
        assert "not a regular file (FIFO)" in read["error"].reason
        appended = _with_timeout(lambda: TrendLog(root).append(SAMPLE))
        assert isinstance(appended["error"], OSError)


@pytest.mark.parametrize("name", ["history.jsonl", "alerts.json"])
def test_private_state_linked_to_a_device_is_not_read(root: Path, name: str) -> None:
    (root / ".coordinator").mkdir()
    (root / ".coordinator" / name).symlink_to("/dev/zero")
    state, problem = load_alert_state(root)
    if name == "alerts.json":  # our own state: no link is followed, inside or out
        assert problem == fsio.FINAL_LINK
    if name == "history.jsonl":
        with pytest.raises(TrendLogError) as raised:
            TrendLog(root).load()
        assert raised.value.reason == "symbolic link to a file outside the coordination directory"
    else:
        assert TrendLog(root).load() == []
        assert state == AlertState()


@pytest.mark.parametrize("special", ["fifo", "zero"])
def test_run_and_report_finish_with_special_private_files(collective: Path, special: str) -> None:
    private = collective / ".coordinator"
    private.mkdir()
    for name in ("history.jsonl", "alerts.json"):
        if special == "fifo":
            os.mkfifo(private / name)
        else:
            (private / name).symlink_to("/dev/zero")
    for argv in (["run", "--cycles", "1", "--report-every", "1"], ["report"]):
        result = subprocess.run(
            [*CLI, *argv, str(collective), *NOW_ARG],
            capture_output=True,
            text=True,
            env=ENV,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
    assert list(collective.glob("SPRINT_REPORT_*.md"))


def test_run_never_writes_through_a_linked_broadcast_folder(
    collective: Path, outside: Path
) -> None:
    broadcast = collective / "messages" / "broadcast"
    for path in broadcast.iterdir():
        path.unlink()
    broadcast.rmdir()
    broadcast.symlink_to(outside)
    events: list[LogEvent] = []
    coordinator = Coordinator(
        collective, Settings(), frozen_clock(NOW), RunOptions(), events.append
    )
    coordinator.run_cycle()
    assert tree(outside) == ["victim.txt"]
    errors = [e.text for e in events if e.level == "error"]
    assert any("refused to write into messages/broadcast" in text for text in errors)
    listed = [e.text for e in events if e.step == "data" and e.level == "warn"]
    assert (
        "error: messages/broadcast: symbolic link to a folder outside the coordination "
        "directory; not read, never written"
    ) in listed


# --- the hooks' calls (Folder, log) keep the same rules --------------------------------


def test_fsio_refuses_linked_folders_and_writes_by_descriptor(root: Path, outside: Path) -> None:
    (root / ".coordinator").symlink_to(outside)
    assert fsio.log_line(str(root), "hello") is False
    (root / "claims").symlink_to(root / "sessions")  # even a link that stays inside
    with pytest.raises(UnsafeFolder):
        fsio.ensure_folder(str(root), "claims")
    folder = fsio.ensure_folder(str(root), "messages", "broadcast")
    # Swapped for a link after the check: the write walks again and refuses it.
    (root / "messages" / "broadcast").rename(root / "messages" / "old")
    (root / "messages" / "broadcast").symlink_to(outside)
    with pytest.raises(UnsafeFolder):
        fsio.create_exclusive(folder, "x.json", b"{}")
    with pytest.raises(UnsafeFolder):
        fsio.replace_file(folder, "x.json", b"{}")
    assert tree(outside) == ["victim.txt"]


def test_fsio_log_in_place_of_a_fifo_does_not_block(root: Path) -> None:
    (root / ".coordinator").mkdir()
    os.mkfifo(root / ".coordinator" / "hooks.log")
    assert _with_timeout(lambda: fsio.log_line(str(root), "hello"))["value"] is False


# --- exclusive create: one winner, even on (old) NFS ----------------------------------------


def _create_in_process(args: tuple[str, int]) -> bool:
    folder, number = args
    try:
        fsio.create_exclusive(folder, "work-x.claim", f'{{"n": {number}}}'.encode())
    except FileExistsError:
        return False
    return True


def test_concurrent_creators_exactly_one_wins(tmp_path: Path) -> None:
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(8) as pool:
        results = pool.map(_create_in_process, [(str(tmp_path), n) for n in range(16)])
    assert results.count(True) == 1
    assert json.loads((tmp_path / "work-x.claim").read_text()) == {"n": results.index(True)}
    assert tree(tmp_path) == ["work-x.claim"]  # no temporary file left


def test_a_taken_name_is_refused_and_left_alone(tmp_path: Path) -> None:
    assert fsio.create_exclusive(str(tmp_path), "x.claim", b"first") == str(tmp_path / "x.claim")
    with pytest.raises(FileExistsError):
        fsio.create_exclusive(str(tmp_path), "x.claim", b"second")
    assert (tmp_path / "x.claim").read_bytes() == b"first"
    assert tree(tmp_path) == ["x.claim"]


def test_a_link_that_succeeded_but_reported_failure_still_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Old NFS: the server made the link, the reply was lost, the retry says EEXIST."""
    real_link = os.link

    def link_then_lose_the_reply(source: Any, destination: Any, **kwargs: Any) -> None:
        real_link(source, destination, **kwargs)
        raise FileExistsError(errno.EEXIST, "File exists")

    monkeypatch.setattr(os, "link", link_then_lose_the_reply)
    fsio.create_exclusive(str(tmp_path), "x.claim", b"mine")
    assert (tmp_path / "x.claim").read_bytes() == b"mine"
    assert tree(tmp_path) == ["x.claim"]


def test_other_create_failures_raise_and_leave_nothing(tmp_path: Path) -> None:
    with pytest.raises(OSError) as raised:
        fsio.create_exclusive(str(tmp_path), "x" * 300 + ".claim", b"data")
    assert raised.value.errno == errno.ENAMETOOLONG
    assert tree(tmp_path) == []
