"""The history index: made for a big history, trusted only while the folders are unchanged,
rebuilt when corrupt, never required."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from coordinator_tui.cli import main
from coordinator_tui.history import index as history_index
from tests.history_kit import END, build_history

NOW = ["--now", END.strftime("%Y-%m-%dT%H:%M:%SZ")]


@pytest.fixture
def big(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A history over the index threshold (lowered: tests stay small), folders settled."""
    monkeypatch.setattr(history_index, "MIN_FILES", 50)
    root = build_history(tmp_path / "c", beats=30, broadcasts=60, directs=4)
    settled = END.timestamp() - 3600
    for folder in (
        "heartbeats",
        "messages/broadcast",
        "messages/direct",
        "messages/direct/session-b",
    ):
        os.utime(root / folder, (settled, settled))
    return root


def _status(root: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["status", str(root), "--json", *NOW]) == 0
    document = json.loads(capsys.readouterr().out)
    document.pop("root")
    return document


def _listings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record which history folders get listed by name."""
    listed: list[str] = []
    real = os.listdir

    def listdir(path: Any = ".") -> Any:
        listed.append(str(path))
        return real(path)

    monkeypatch.setattr(os, "listdir", listdir)
    return listed


def test_the_index_spares_the_listing_and_gives_the_same_answer(
    big: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = _listings(monkeypatch)
    first = _status(big, capsys)
    assert (big / history_index.INDEX_FILE).is_file()
    assert any(path.endswith("heartbeats") for path in listed)
    listed.clear()
    second = _status(big, capsys)
    assert second == first
    assert not [p for p in listed if p.endswith(("heartbeats", "broadcast", "session-b"))]


def test_a_file_added_while_no_one_watched_makes_it_stale(
    big: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _status(big, capsys)
    path = big / "heartbeats" / "2025-12-15_11-59-59-session-new.json"
    path.write_text('{"session_id": "session-new", "timestamp": "2025-12-15T11:59:59Z"}')
    document = _status(big, capsys)
    assert document["files"]["heartbeats"]["found"] == 91
    assert document["files"]["heartbeats"]["read"] == 3 * 18 + 1


def test_a_corrupt_index_is_an_error_then_rebuilt(
    big: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not silence (issue 26): the run that finds it says so, and rebuilds it."""
    expected = _status(big, capsys)
    (big / history_index.INDEX_FILE).write_bytes(b"this is not a database" * 100)
    document = _status(big, capsys)
    (error,) = _index_errors(document)
    assert error["reason"].startswith("not a history index")
    document["errors"].remove(error)
    assert document == expected
    assert (big / history_index.INDEX_FILE).read_bytes().startswith(b"SQLite format 3")
    assert _status(big, capsys) == expected


def test_a_read_only_directory_works_without_an_index(
    big: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:  # as root, chmod alone would not stop a write
        patch.setattr(history_index.os, "access", lambda *_: False)
        patch.setattr(history_index.os, "mkdir", _refuse)
        without = _status(big, capsys)
    assert not (big / ".coordinator").exists()
    assert without == _status(big, capsys)  # the same answer with an index made


def test_a_link_in_place_of_the_index_is_not_followed(
    big: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "elsewhere.sqlite"
    elsewhere.write_bytes(b"")
    (big / ".coordinator").mkdir()
    (big / history_index.INDEX_FILE).symlink_to(elsewhere)
    document = _status(big, capsys)
    assert document["files"]["heartbeats"]["found"] == 90
    assert elsewhere.read_bytes() == b""


def test_a_small_history_makes_no_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = build_history(tmp_path / "c", beats=3, broadcasts=3, directs=1)
    _status(root, capsys)
    assert not (root / ".coordinator").exists()


def _refuse(*_: Any, **__: Any) -> None:
    raise PermissionError(13, "Permission denied")


def test_a_store_started_from_the_index_keeps_counting_file_events(
    big: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from coordinator_tui.analysis import analyse
    from coordinator_tui.history.index import HistoryIndex
    from coordinator_tui.store import Store

    _status(big, capsys)  # makes the index
    store = Store(big)
    store.history_index = HistoryIndex(big)
    store.scan()
    assert store.history_index is None  # used for the first scan only
    assert len(store.history.folders["heartbeats"]) == 60  # the window names, not all 90
    path = big / "heartbeats" / "2025-12-15_11-59-59-session-new.json"
    path.write_text('{"session_id": "session-new", "timestamp": "2025-12-15T11:59:59Z"}')
    store.apply([path])
    analysis = analyse(store.snapshot(), END)
    assert analysis.files["heartbeats"].found == 91
    assert "session-new" in analysis.heartbeats
    store.scan()  # a later scan lists every name
    assert len(store.history.folders["heartbeats"]) == 91


# --- a hostile index (issue 26): capped, checked, an error entry, never a crash -----------


def _forge_index(root: Path, rows: list[tuple[Any, ...]]) -> Path:
    import sqlite3

    path = root / history_index.INDEX_FILE
    path.parent.mkdir(exist_ok=True)
    with sqlite3.connect(path) as db:
        db.execute(history_index._SCHEMA)
        db.execute(f"PRAGMA user_version={history_index.SCHEMA_VERSION}")
        db.executemany("INSERT INTO folders VALUES (?, ?, ?, ?, ?)", rows)
    db.close()
    return path


def _index_errors(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in document["errors"] if e["path"] == history_index.INDEX_FILE]


def test_an_index_over_the_size_cap_is_an_error_not_read(
    big: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The crafted index of issue 26: 13 MB of names (it took 6 s and 517 MB)."""
    expected = _status(big, capsys)
    (big / history_index.INDEX_FILE).unlink()
    names = json.dumps([f"n{number}" for number in range(1_300_000)])
    settled = (big / "heartbeats").stat().st_mtime_ns
    path = _forge_index(big, [("heartbeats", settled, settled + 10**10, 1_300_000, names)])
    assert path.stat().st_size > 13_000_000
    document = _status(big, capsys)
    (error,) = _index_errors(document)
    assert "limit" in error["reason"]
    document["errors"].remove(error)
    assert document == expected


@pytest.mark.parametrize(
    "row",
    [
        ("heartbeats", "soon", 0, 90, "[]"),  # a time that is text
        ("heartbeats", 0, 10**10, 90, "[" * 100_000 + "]" * 100_000),  # nested past recursion
        ("heartbeats", 0, 10**10, "many", "[]"),  # a count that is text
        ("heartbeats", 0, 10**10, 90, b"\xff\xfe"),  # names that are bytes
    ],
)
def test_a_malformed_index_is_an_error_entry_not_a_crash(
    big: Path, capsys: pytest.CaptureFixture[str], row: tuple[Any, ...]
) -> None:
    expected = _status(big, capsys)
    (big / history_index.INDEX_FILE).unlink()
    _forge_index(big, [row])
    document = _status(big, capsys)
    (error,) = _index_errors(document)
    document["errors"].remove(error)
    assert document == expected
    assert _status(big, capsys) == expected  # rebuilt: the next run is clean
