"""Older history a page at a time: pages in order, no entry twice, the end reached; the
first scan of a large history reads sessions first and says history is still loading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import coordinator_tui.store as store_module
from coordinator_tui.history.pages import HistoryPages
from coordinator_tui.store import Store


def _broadcast(root: Path, minute: int, sender: str = "s1", body: str | None = None) -> str:
    name = f"2025-11-15_{minute // 60:02d}-{minute % 60:02d}-00-{sender}.json"
    folder = root / "messages" / "broadcast"
    folder.mkdir(parents=True, exist_ok=True)
    text = body or json.dumps(
        {"from": sender, "to": "all", "subject": f"update {minute}", "body": "",
         "timestamp": f"2025-11-15T{minute // 60:02d}:{minute % 60:02d}:00Z"}
    )  # fmt: skip
    (folder / name).write_text(text)
    return f"messages/broadcast/{name}"


def _beat(root: Path, minute: int, session: str) -> str:
    name = f"2025-11-15_{minute // 60:02d}-{minute % 60:02d}-00-{session}.json"
    folder = root / "heartbeats"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = f"2025-11-15T{minute // 60:02d}:{minute % 60:02d}:00Z"
    (folder / name).write_text(json.dumps({"session_id": session, "timestamp": stamp}))
    return f"heartbeats/{name}"


def _pages(root: Path) -> tuple[Store, HistoryPages]:
    store = Store(root)
    store.scan()
    return store, HistoryPages(root, store.history, 1 << 20)


def test_broadcast_pages_come_newest_first_without_repeats_until_the_end(tmp_path: Path) -> None:
    written = [_broadcast(tmp_path, minute) for minute in range(120)]
    _, pages = _pages(tmp_path)
    seen: list[str] = []
    before = None
    sizes = []
    while True:
        page = pages.older(("broadcast",), None, before, 50)
        sizes.append(len(page))
        if not page:
            break
        seen += [entry.path for entry in page]
        before = page[-1].cursor
    assert sizes == [50, 50, 20, 0]
    assert seen == list(reversed(written))  # newest first, each once, every one
    assert pages.older(("broadcast",), None, None, 1)[0].record.subject == "update 119"  # type: ignore[union-attr]


def test_a_broadcast_arriving_between_pages_neither_repeats_nor_skips(tmp_path: Path) -> None:
    written = [_broadcast(tmp_path, minute) for minute in range(30)]
    store, pages = _pages(tmp_path)
    first = pages.older(("broadcast",), None, None, 10)
    newer = _broadcast(tmp_path, 200)
    store.apply([tmp_path / newer])
    rest = pages.older(("broadcast",), None, first[-1].cursor, 100)
    assert [e.path for e in first + rest] == list(reversed(written))


def test_a_broken_file_in_a_page_says_why(tmp_path: Path) -> None:
    _broadcast(tmp_path, 1)
    broken = _broadcast(tmp_path, 2, body='{"from": "s1", "subject": "cut')
    _, pages = _pages(tmp_path)
    page = pages.older(("broadcast",), None, None, 10)
    assert page[0].path == broken
    assert page[0].record is None and page[0].error


def test_a_session_timeline_merges_its_beats_and_messages(tmp_path: Path) -> None:
    mine = [_beat(tmp_path, 10, "s1"), _broadcast(tmp_path, 11, "s1"), _beat(tmp_path, 12, "s1")]
    _beat(tmp_path, 13, "s2")
    _broadcast(tmp_path, 14, "s2")
    _, pages = _pages(tmp_path)
    page = pages.older(("heartbeat", "broadcast", "direct"), "s1", None, 50)
    assert [entry.path for entry in page] == list(reversed(mine))


def test_sessions_first_then_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sessions").mkdir()
    (tmp_path / "sessions" / "session-s1.json").write_text(
        json.dumps({"session_id": "s1", "last_heartbeat": "2025-11-15T00:00:00Z"})
    )
    for minute in range(40):
        _broadcast(tmp_path, minute)
    store = Store(tmp_path)
    assert store.scan_sessions_first() is None  # a small history: one pass
    monkeypatch.setattr(store_module, "expected_history", lambda root, index: 4321)
    store = Store(tmp_path)
    first = store.scan_sessions_first()
    assert first is not None
    assert first.history_pending == 4321
    assert [s.session_id for s in first.sessions] == ["s1"] and first.messages == ()
    store.scan()
    after = store.snapshot()
    assert after.history_pending is None
    assert len(after.messages) == 40


def test_a_sessions_archived_history_is_listed_newest_first(tmp_path: Path) -> None:
    from datetime import datetime, timezone

    from coordinator_tui.history.archive import archive_history

    old = [_beat(tmp_path, 1, "s1"), _broadcast(tmp_path, 2, "s1")]
    _broadcast(tmp_path, 3, "s2")
    _beat(tmp_path, 4, "s2")  # the newest beat of s2 is kept back
    _beat(tmp_path, 600, "s1")  # the newest beat of s1 is kept back
    now = datetime(2025, 11, 15, 12, 0, tzinfo=timezone.utc).timestamp()
    result = archive_history(tmp_path, 3600, now)
    assert sum(result.archived.values()) == 3
    _, pages = _pages(tmp_path)
    archived = pages.archived("s1")
    assert [entry.path for entry in archived] == list(reversed(old))
    assert all(entry.archive.endswith(".tar.gz") for entry in archived)
    assert '"session_id": "s1"' in archived[1].text
