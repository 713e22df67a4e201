"""Issue 10, links: reads verify what they opened, linked folders out of the directory are
errors, and a link flipped while the store reads never shows the outside file."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from coordinator_tui.files.fsio import read_bytes
from coordinator_tui.files.layout import LINK_OUT, PRIVATE_LINK
from coordinator_tui.store import Store
from tests.collective import ago, iso, session, write_json

SECRET = "OUTSIDE-SECRET-WORK"


def _outside_session(folder: Path, name: str = "session-flip") -> Path:
    return write_json(
        folder / f"{name}.json",
        {"session_id": name, "current_work": SECRET, "last_heartbeat": iso(ago(minutes=1))},
    )


def _seen_work(store: Store) -> set[str]:
    return {s.current_work or "" for s in store.snapshot().sessions}


def test_a_link_flipped_while_the_store_reads_never_shows_the_outside_file(
    tmp_path: Path,
) -> None:
    root = tmp_path / "coordination"
    session(root, "session-good", "inside work", ago(minutes=1))
    inside = write_json(
        root / "inside-target.json",
        {"session_id": "session-flip", "current_work": "inside flip", "last_heartbeat": None},
    )
    outside = _outside_session(tmp_path / "elsewhere")
    link = root / "sessions" / "session-flip.json"
    link.symlink_to(inside)
    stop = threading.Event()
    flips = 0

    def flipper() -> None:
        nonlocal flips
        spare = root / "sessions" / ".flip-tmp"
        while not stop.is_set():
            for target in (outside, inside):
                with contextlib.suppress(FileNotFoundError):
                    spare.unlink()
                spare.symlink_to(target)
                os.replace(spare, link)
                flips += 1

    thread = threading.Thread(target=flipper, daemon=True)
    thread.start()
    seen: set[str] = set()
    inside_reads = 0
    try:
        for _ in range(300):
            store = Store(root)
            store.scan()
            work = _seen_work(store)
            seen |= work
            inside_reads += "inside flip" in work
    finally:
        stop.set()
        thread.join(timeout=10)
    assert flips > 10
    assert SECRET not in seen
    assert "inside work" in seen
    assert inside_reads > 0  # the inside target is still followed


def test_a_folder_linked_out_of_the_directory_is_an_error_not_read(tmp_path: Path) -> None:
    root = tmp_path / "coordination"
    session(root, "session-good", "inside work", ago(minutes=1))
    elsewhere = tmp_path / "elsewhere"
    _outside_session(elsewhere, "session-out")
    (root / "messages").mkdir()
    (root / "messages" / "broadcast").symlink_to(elsewhere)
    (root / "heartbeats").symlink_to(elsewhere)
    store = Store(root)
    store.scan()
    snapshot = store.snapshot()
    assert _seen_work(store) == {"inside work"}
    assert not snapshot.messages and not snapshot.heartbeats
    reasons = {f.error.path: f.error.reason for f in snapshot.failures}
    assert reasons["messages/broadcast"] == LINK_OUT
    assert reasons["heartbeats"] == LINK_OUT


def test_a_folder_linked_inside_the_directory_is_still_read(tmp_path: Path) -> None:
    root = tmp_path / "coordination"
    session(root, "session-good", "inside work", ago(minutes=1))
    write_json(
        root / "archive" / "2025-11-15_19-00-00-a.json",
        {"from": "a", "to": "broadcast", "subject": "kept", "message": "m"},
    )
    (root / "messages").mkdir()
    (root / "messages" / "broadcast").symlink_to(root / "archive")
    store = Store(root)
    store.scan()
    assert [m.subject for m in store.snapshot().messages] == ["kept"]
    assert not store.snapshot().failures


def test_a_linked_private_folder_is_named_in_the_errors(tmp_path: Path) -> None:
    root = tmp_path / "coordination"
    session(root, "session-good", "inside work", ago(minutes=1))
    (tmp_path / "state").mkdir()
    (root / ".coordinator").symlink_to(tmp_path / "state")
    store = Store(root)
    store.scan()
    reasons = {f.error.path: f.error.reason for f in store.snapshot().failures}
    assert reasons == {".coordinator": PRIVATE_LINK}


def test_a_file_reached_through_a_linked_folder_is_refused_by_the_reader(tmp_path: Path) -> None:
    """The listing check is not the only guard: the open descriptor itself is verified."""
    root = tmp_path / "coordination"
    root.mkdir()
    _outside_session(tmp_path / "elsewhere", "session-out")
    (root / "sessions").symlink_to(tmp_path / "elsewhere")
    data, reason, _, _ = read_bytes(
        root / "sessions" / "session-out.json", 1 << 20, os.path.realpath(root)
    )
    assert data is None
    assert reason is not None and "outside the coordination directory" in reason


def test_unreadable_milestone_and_heartbeat_folders_are_errors_for_a_user(tmp_path: Path) -> None:
    """Run without root's powers: a folder the user cannot list is an error entry naming
    it, never a silent gap (the milestones used to just disappear)."""
    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root and setpriv is missing")
        prefix = ("setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--")
    root = tmp_path / "coordination"
    session(root, "session-good", "inside work", ago(minutes=1))
    write_json(root / "sessions" / "MILESTONES" / "m.json", {"milestone_id": "m"})
    write_json(root / "heartbeats" / "2025-11-15_19-59-00-session-good.json", {})
    locked = (root / "sessions" / "MILESTONES", root / "heartbeats")
    for folder in locked:
        folder.chmod(0o000)
    try:
        result = subprocess.run(
            [*prefix, sys.executable, "-m", "coordinator_tui", "status", "--json", str(root)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
            timeout=120,
        )
    finally:
        for folder in locked:
            folder.chmod(0o755)
    assert result.returncode == 0, result.stderr
    errors = {e["path"]: e["reason"] for e in json.loads(result.stdout)["errors"]}
    assert errors["sessions/MILESTONES"] == "folder not listed: Permission denied"
    assert errors["heartbeats"] == "folder not listed: Permission denied"
