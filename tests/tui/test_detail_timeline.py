"""The detail screen's timeline: a session's history newest first, paged back to the oldest
entry once each, then its archived entries marked with their archive; enter opens one."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from coordinator_tui.history.archive import archive_history
from coordinator_tui.history.names import split_name
from coordinator_tui.history.pages import PAGE, Entry
from coordinator_tui.settings import Settings
from coordinator_tui.tui.app import CoordinatorApp, create_app
from coordinator_tui.tui.dialogs.reader import ReaderScreen
from coordinator_tui.tui.screens.detail import SessionDetailScreen
from coordinator_tui.tui.widgets.timeline import SessionTimeline, timeline_line
from tests.history_kit import END, build_history
from tests.tui.conftest import MovableClock, ready, screen_text, wait_for

pytestmark = pytest.mark.anyio
WHO = "session-b"
SIZE = (160, 50)


def _history_of(root: Path, who: str) -> list[str]:
    """Every kept history file of ``who`` on disk, newest first (the timeline's order)."""
    found = []
    for path in (root / "heartbeats").glob(f"*-{who}.json"):
        found.append(path)
    for path in (root / "messages" / "broadcast").glob(f"*-{who}.json"):
        found.append(path)
    found += list((root / "messages" / "direct" / who).glob("*.json"))
    keyed = [(split_name(p.name)[0], p.relative_to(root).as_posix()) for p in found]
    return [relative for _, relative in sorted(keyed, reverse=True)]


async def _open_detail(pilot: Pilot[None], who: str) -> SessionTimeline:
    app = pilot.app
    assert isinstance(app, CoordinatorApp)
    await ready(pilot)
    table = app.dashboard.table
    table.move_cursor(row=table.get_row_index(f"sessions/{who}.json"))
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, SessionDetailScreen), "the detail")
    timeline = app.screen.query_one(SessionTimeline)
    await wait_for(pilot, lambda: not timeline.busy(), "the first page and the archive")
    return timeline


async def _page_to_the_end(pilot: Pilot[None], timeline: SessionTimeline) -> None:
    for _ in range(60):
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: not timeline.fetching, "a page")
        if timeline.ended and timeline.cursor == timeline.item_count() - 1:
            return
    raise AssertionError("the timeline never reached its end")


def _app(root: Path) -> CoordinatorApp:
    return create_app(root, Settings(), clock=MovableClock(END), watch=False)


async def test_the_timeline_pages_back_to_the_oldest_entry_once_each(tmp_path: Path) -> None:
    build_history(tmp_path)
    expected = _history_of(tmp_path, WHO)
    assert len(expected) > 2 * PAGE  # three pages at least
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        timeline = await _open_detail(pilot, WHO)
        assert app.screen.focused is timeline
        first = [line.key[2] for line in timeline.items()]
        assert first == expected[:PAGE]  # the first page: the newest, newest first
        assert not timeline.ended
        assert f"{PAGE}+ kept · 0 archived" in timeline.title()
        text = screen_text(app)
        assert "Timeline: heartbeats, messages from and to it" in text
        assert "Recent heartbeats" not in text  # the timeline stands in for the window
        await _page_to_the_end(pilot, timeline)
        paths = [line.key[2] for line in timeline.items()]
        assert len(paths) == len(set(paths))
        assert paths == expected  # every entry, once, newest first
        assert timeline.pages_read == len(expected) // PAGE + 1
        assert "No history" not in screen_text(app)


async def test_archived_entries_follow_the_kept_history_marked(tmp_path: Path) -> None:
    build_history(tmp_path, broadcasts=100)  # a broadcast an hour: none older than 5 days
    result = archive_history(tmp_path, 5 * 86400, END.timestamp())  # directs: one a day
    assert result.archive is not None and result.archived["direct"] == 7
    name = result.archive.name
    kept = _history_of(tmp_path, WHO)
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        timeline = await _open_detail(pilot, WHO)
        assert timeline.archived is not None and len(timeline.archived) == 7
        assert "7 archived" in timeline.title()
        await _page_to_the_end(pilot, timeline)
        lines = timeline.items()
        assert [line.key[2] for line in lines[: len(kept)]] == kept
        archived = lines[len(kept) :]
        assert len(archived) == 7 and all(line.archive == name for line in archived)
        assert archived[0].key[2].startswith(f"messages/direct/{WHO}/")
        assert archived[0].summary == "direct 5"  # the newest of the archived directs
        assert f"archived ({name}) direct 11" in screen_text(app)  # the oldest, under the cursor
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReaderScreen), "the reader")
        body = str(app.screen.query_one("#reader-text").content)
        assert f"Archived in .coordinator/archive/{name}" in body
        assert '"subject": "direct 11"' in body


async def test_enter_opens_the_entry_under_the_cursor_whole(tmp_path: Path) -> None:
    build_history(tmp_path)
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        timeline = await _open_detail(pilot, WHO)
        index = next(i for i, line in enumerate(timeline.items()) if line.kind.startswith("←"))
        for _ in range(index):
            await pilot.press("j")
        line = timeline.items()[timeline.cursor]
        assert timeline.cursor == index and line.kind == "← session-a"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReaderScreen), "the reader")
        body = str(app.screen.query_one("#reader-text").content)
        assert f"File: {line.key[2]}" in body
        assert "From: session-a" in body and "To: session-b" in body
        assert f"Subject: {line.summary}" in body and "hello" in body
        await pilot.press("escape")
        assert app.screen.query_one(SessionTimeline) is timeline


def test_archived_lines_read_like_kept_ones() -> None:
    beat = '{"session_id": "s1", "timestamp": "2025-11-01T00:00:00Z", "action": "working"}'
    line = timeline_line(
        Entry("heartbeats/2025-11-01_00-00-00-s1.json", "2025-11-01_00-00-00", archive="a.tar.gz",
              text=beat), "s1")  # fmt: skip
    assert (line.kind, line.summary, line.time) == (
        "heartbeat",
        "action=working",
        "2025-11-01 00:00:00",
    )
    assert (
        line.archive == "a.tar.gz" and "Archived in .coordinator/archive/a.tar.gz" in line.reading
    )
    text = '{"from": "s1", "to": "s2", "subject": "hi [b]x[/b]"}'
    sent = Entry("messages/direct/s2/2025-11-01_00-00-00-s1.json", "2025-11-01_00-00-00",
                 archive="a.tar.gz", text=text)  # fmt: skip
    got = Entry("messages/direct/s1/2025-11-01_00-00-00-s3.json", "2025-11-01_00-00-00",
                archive="a.tar.gz", text="{cut")  # fmt: skip
    assert (timeline_line(sent, "s1").kind, timeline_line(sent, "s1").summary) == (
        "→ s2",
        "hi [b]x[/b]",
    )
    assert timeline_line(got, "s1").kind == "← s3"
    assert timeline_line(Entry("", "", error="archive unreadable: x", archive="?"), "s1").kind == (
        "archive"
    )
