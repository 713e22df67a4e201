"""The history index kept current by long-running processes: the dashboard's file events
and ``run``'s cycles write it, so the next start reads it instead of listing."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from coordinator_tui.cli import main
from coordinator_tui.history import index as history_index
from coordinator_tui.store import Store
from tests.history_kit import END
from tests.test_history_index import NOW, _listings, _status, big  # noqa: F401

NEW_BEAT = "heartbeats/2025-12-15_11-59-59-session-new.json"
BEAT_TEXT = '{"session_id": "session-new", "timestamp": "2025-12-15T11:59:59Z"}'


def _settle(root: Path, folder: str) -> None:
    """The folder's mtime an hour before the end: older than the events applied."""
    moment = END.timestamp() - 3600
    os.utime(root / folder, (moment, moment))


def _without_index(root: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    (root / history_index.INDEX_FILE).unlink(missing_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(str(root / history_index.INDEX_FILE) + suffix).unlink(missing_ok=True)
    return _status(root, capsys)


def test_names_followed_from_file_events_are_what_the_next_start_reads(
    big: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = Store(big)
    store.scan()  # the dashboard's full scan: every name listed, no index written
    assert not (big / history_index.INDEX_FILE).exists()
    (big / NEW_BEAT).write_text(BEAT_TEXT)
    store.apply([big / NEW_BEAT])  # the file event
    _settle(big, "heartbeats")
    assert store.index_keeper.save(time.time_ns()) is True
    assert store.index_keeper.save(time.time_ns()) is False  # nothing changed since
    listed = _listings(monkeypatch)
    from_index = _status(big, capsys)
    assert not [p for p in listed if p.endswith(("heartbeats", "broadcast", "session-b"))]
    assert from_index["files"]["heartbeats"]["found"] == 91
    monkeypatch.undo()
    assert from_index == _without_index(big, capsys)


def test_a_folder_changed_after_the_last_applied_event_is_listed_again(
    big: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = Store(big)
    store.scan()
    (big / NEW_BEAT).write_text(BEAT_TEXT)
    store.apply([big / NEW_BEAT])
    _settle(big, "heartbeats")
    applied = time.time_ns() - 10_000_000_000  # every event up to 10 s ago was applied
    # A file whose event has not reached the store: the folder changed 5 s ago, after
    # ``applied`` (and settled: old enough for the index's own rule), so its followed
    # names cannot be trusted and are not written.
    (big / "heartbeats" / "2025-12-15_11-59-58-session-late.json").write_text(
        '{"session_id": "session-late", "timestamp": "2025-12-15T11:59:58Z"}'
    )
    moment = time.time() - 5
    os.utime(big / "heartbeats", (moment, moment))
    assert store.index_keeper.save(applied) is True  # the other folders are written
    listed = _listings(monkeypatch)
    document = _status(big, capsys)
    assert [p for p in listed if p.endswith("heartbeats")]  # listed, not trusted
    assert not [p for p in listed if p.endswith("broadcast")]
    assert document["files"]["heartbeats"]["found"] == 92


def test_run_writes_the_index_each_cycle(
    big: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (big / history_index.INDEX_FILE).unlink(missing_ok=True)
    assert main(["run", str(big), "--cycles", "1", "--dry-run", *NOW]) == 0
    assert (big / history_index.INDEX_FILE).is_file()
    capsys.readouterr()
    listed = _listings(monkeypatch)
    document = _status(big, capsys)
    assert not [p for p in listed if p.endswith(("heartbeats", "broadcast", "session-b"))]
    monkeypatch.undo()
    assert document == _without_index(big, capsys)


def test_a_directory_that_cannot_be_written_keeps_no_index_and_says_nothing(
    big: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = Store(big)
    store.scan()
    monkeypatch.setattr(history_index.HistoryIndex, "_usable", lambda *_: False)
    assert store.index_keeper.save(time.time_ns()) is False
    assert not (big / history_index.INDEX_FILE).exists()
