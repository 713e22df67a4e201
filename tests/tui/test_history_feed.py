"""The broadcast feed pages older broadcasts from the history and says while history loads."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from coordinator_tui.settings import Settings
from coordinator_tui.store import Store
from coordinator_tui.tui.app import create_app
from coordinator_tui.tui.widgets.broadcasts import BroadcastFeed
from tests.tui.conftest import MovableClock, ready, wait_for


def _broadcasts(root: Path, count: int) -> list[str]:
    folder = root / "messages" / "broadcast"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for minute in range(count):
        name = f"2025-11-14_{minute // 60:02d}-{minute % 60:02d}-00-s1.json"
        stamp = f"2025-11-14T{minute // 60:02d}:{minute % 60:02d}:00Z"
        body = {"from": "s1", "to": "all", "subject": f"old {minute}", "timestamp": stamp}
        (folder / name).write_text(json.dumps(body))
        paths.append(f"messages/broadcast/{name}")
    return paths


@pytest.mark.anyio
async def test_the_feed_pages_to_the_oldest_broadcast_once_each(tmp_path: Path) -> None:
    written = _broadcasts(tmp_path, 130)
    app = create_app(tmp_path, Settings(), clock=MovableClock(), watch=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(pilot)
        feed = app.dashboard.query_one(BroadcastFeed)
        assert feed.item_count() == 30  # the analysis shows the newest 30
        assert "30 of 130" in feed.title()
        feed.focus()
        for _ in range(40):  # page-down to the end, again and again
            await pilot.press("pagedown")
            await wait_for(pilot, lambda: not feed.fetching, "a page")
            if feed.ended:
                break
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: not feed.fetching, "the last page")
        paths = [line.path for line in feed.items()]
        assert feed.ended
        assert len(paths) == len(set(paths)) == 130
        assert paths == list(reversed(written))  # newest first, in order
        assert feed.title() == "Broadcasts"
        await pilot.press("enter")
        assert "old 0" in str(app.screen.query_one("#reader-text").content)


def test_the_border_says_history_is_loading_then_the_counts(tmp_path: Path) -> None:
    _broadcasts(tmp_path, 40)
    store = Store(tmp_path)
    store.scan()
    snapshot = store.snapshot()
    feed = BroadcastFeed()
    feed.history_state(replace(snapshot, history_pending=12345))
    assert feed.title() == "Broadcasts · history: loading 12,345 files…"
    feed.history_state(replace(snapshot, history_pending=0))
    assert feed.title() == "Broadcasts · history: loading files…"
    feed.history_state(snapshot)
    assert "loading" not in feed.title()
    assert feed.total == 40
