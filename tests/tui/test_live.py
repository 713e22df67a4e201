"""The dashboard watching a real directory: files appear, vanish, are rewritten in
place; the directory itself disappears and comes back; polling matches native."""

from __future__ import annotations

import contextlib
import json
import shutil
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from coordinator_tui.settings import Settings
from coordinator_tui.tui import watcher
from coordinator_tui.tui.app import CoordinatorApp, create_app
from tests.collective import NOW, build_collective, session
from tests.tui.conftest import MovableClock, only, ready, screen_text, shown, wait_for

pytestmark = pytest.mark.anyio
SIZE = (160, 50)
NEW = "sessions/session-3001.json"


def _cells(app: CoordinatorApp, key: str) -> dict[str, str]:
    return app.dashboard.table.shown_cells(key) or {}


async def test_a_session_file_added_on_disk_appears_as_a_row(coordination: Path) -> None:
    app = create_app(coordination, Settings(), clock=MovableClock())
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert NEW not in shown(app)
        session(coordination, "session-3001", "treasury manager", NOW - timedelta(minutes=1))
        await wait_for(pilot, lambda: NEW in shown(app), "the new session's row")
        assert _cells(app, NEW)["work"] == "treasury manager"
        assert _cells(app, NEW)["health"] == "● working"
        # Edited: the cell follows. Deleted: the row goes.
        session(coordination, "session-3001", "treasury audit", NOW - timedelta(minutes=1))
        await wait_for(pilot, lambda: _cells(app, NEW).get("work") == "treasury audit", "edit")
        (coordination / NEW).unlink()
        await wait_for(pilot, lambda: NEW not in shown(app), "the row to go")


async def test_missing_directory_waits_then_shows_it(tmp_path: Path) -> None:
    root = tmp_path / "later" / "coordination"
    app = create_app(root, Settings(), clock=MovableClock())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: only(app).watch_mode == "waiting", "waiting")
        await pilot.pause()
        assert "waiting for" in screen_text(app)
        build_collective(root)
        await wait_for(pilot, lambda: len(shown(app)) == 9, "the directory's sessions")
        assert "waiting for" not in screen_text(app)


async def test_directory_deleted_and_recreated_recovers(coordination: Path) -> None:
    app = create_app(coordination, Settings(), clock=MovableClock())
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert len(shown(app)) == 9
        shutil.rmtree(coordination)
        await wait_for(pilot, lambda: shown(app) == [], "the rows to go with the directory")
        await wait_for(pilot, lambda: "waiting for" in screen_text(app), "the waiting notice")
        build_collective(coordination)
        session(coordination, "session-3001", "after the return", NOW - timedelta(minutes=1))
        await wait_for(pilot, lambda: len(shown(app)) == 10, "the sessions to come back")
        assert _cells(app, NEW)["work"] == "after the return"
        # And it still follows changes afterwards.
        (coordination / NEW).unlink()
        await wait_for(pilot, lambda: NEW not in shown(app), "a change after recovery")


async def test_watcher_follows_a_directory_recreated_at_once(coordination: Path) -> None:
    """Deleted and made again straight away: the new folder often gets the old inode
    number back, so only the root's own deletion event tells the watch to start over."""
    import asyncio

    from coordinator_tui.store import Store
    from coordinator_tui.tui.events import DirectoryChanged

    seen: list[int] = []
    store = Store(coordination)
    watch = watcher.DirectoryWatcher(
        store,
        lambda message: (
            seen.append(len(message.snapshot.sessions))
            if isinstance(message, DirectoryChanged)
            else None
        ),
        None,
    )
    watch.shown.set()
    task = asyncio.ensure_future(watch.run())
    try:
        for _ in range(100):
            await asyncio.sleep(0.05)
            if seen:
                break
        base = seen[-1]
        for cycle in range(5):
            before = len(seen)
            shutil.rmtree(coordination)
            build_collective(coordination)
            session(coordination, f"session-300{cycle}", "again", NOW - timedelta(minutes=1))
            for _ in range(200):
                await asyncio.sleep(0.05)
                if len(seen) > before and seen[-1] == base + 1:
                    break
            assert seen[-1] == base + 1, f"cycle {cycle}: the re-created directory was not followed"
    finally:
        watch.stop()
        task.cancel()
        # Bounded: a watch that never ends fails here instead of hanging the suite.
        done, _ = await asyncio.wait({task}, timeout=30)
        assert done, "the watcher did not end within 30 s of stop() and a cancel"
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _scripted_run(root: Path, poll_ms: int | None) -> dict[str, dict[str, str]]:
    """Apply the same changes under native watching or polling; the final table."""
    app = create_app(root, Settings(), clock=MovableClock(), poll_ms=poll_ms)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert only(app).watch_mode == ("polling" if poll_ms else "native")
        beat = NOW - timedelta(minutes=1)
        session(root, "session-3001", "new work", beat)
        session(root, "session-1005", "consciousness-loop-build", beat)  # idle → duplicate
        (root / "sessions" / "session-1004.json").unlink()
        await wait_for(
            pilot,
            lambda: (
                NEW in shown(app)
                and "sessions/session-1004.json" not in shown(app)
                and _cells(app, "sessions/session-1005.json").get("work")
                == "consciousness-loop-build"
                and app.dashboard.up_to_date
            ),
            "all three changes",
        )
        return {key: _cells(app, key) for key in shown(app)}


async def test_polling_gives_the_same_rows_as_native_watching(tmp_path: Path) -> None:
    native = await _scripted_run(build_collective(tmp_path / "a"), None)
    polled = await _scripted_run(build_collective(tmp_path / "b"), 50)
    assert polled == native
    assert native["sessions/session-1005.json"]["flags"] == "dup claim"


async def test_watch_limit_falls_back_to_polling_and_says_so(
    coordination: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = watcher.awatch

    def limited(*paths: Any, **options: Any) -> Any:
        if not options.get("force_polling"):
            raise OSError(28, "OS file watch limit reached")
        return real(*paths, **options)

    monkeypatch.setattr(watcher, "awatch", limited)
    app = create_app(coordination, Settings(), clock=MovableClock())
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: only(app).watch_mode == "polling", "polling")
        notes = [str(note.message) for note in app._notifications]
        assert any("watch limit reached" in note and "polling" in note for note in notes), notes
        await pilot.pause()
        assert "polling" in screen_text(app)
        session(coordination, "session-3001", "seen by polling", NOW - timedelta(minutes=1))
        await wait_for(pilot, lambda: NEW in shown(app), "the row, through polling")


async def test_non_atomic_rewriter_never_makes_a_session_vanish(coordination: Path) -> None:
    """A writer truncates and rewrites a session file as fast as it can; the row stays."""
    target = coordination / "sessions" / "session-1003.json"
    document = json.loads(target.read_text(encoding="utf-8"))
    stop = threading.Event()
    rewrites = 0

    def rewriter() -> None:
        nonlocal rewrites
        count = 0
        while not stop.is_set():
            count += 1
            document["heartbeat_count"] = count
            text = json.dumps(document, indent=2)
            with open(target, "w", encoding="utf-8") as handle:  # truncate, then write
                handle.write(text[: len(text) // 2])
                handle.flush()
                handle.write(text[len(text) // 2 :])
            rewrites = count

    app = create_app(coordination, Settings(), clock=MovableClock())
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        key = "sessions/session-1003.json"
        thread = threading.Thread(target=rewriter, daemon=True)
        thread.start()
        try:
            start = app.dashboard.analyses
            samples = 0
            while app.dashboard.analyses < start + 30 and samples < 2000:
                await pilot.pause(0.01)
                samples += 1
                assert key in shown(app), "the session vanished while being rewritten"
                assert _cells(app, key)["work"] == "multi-session orchestration"
                errors = only(app).analysis.errors  # type: ignore[union-attr]
                assert not [error for error in errors if error.path == key]
        finally:
            stop.set()
            thread.join()
        assert rewrites > 10
        final = str(rewrites)
        await wait_for(pilot, lambda: _cells(app, key).get("beats") == final, "the last write")


async def test_the_watcher_keeps_the_history_index_current(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every ``INDEX_EVERY_S`` the names followed from file events go to the index."""
    import asyncio
    import os
    import time

    from coordinator_tui.history import index as history_index
    from coordinator_tui.history.index import HistoryIndex
    from coordinator_tui.store import Store
    from tests.history_kit import END, build_history

    monkeypatch.setattr(history_index, "MIN_FILES", 50)
    monkeypatch.setattr(watcher, "INDEX_EVERY_S", 0.0)
    root = build_history(tmp_path / "c", beats=30, broadcasts=60, directs=4)
    watch = watcher.DirectoryWatcher(Store(root), lambda message: None, None)
    watch.shown.set()
    task = asyncio.ensure_future(watch.run())
    try:
        await asyncio.sleep(1.5)  # the first scan and the watch in place
        new = root / "heartbeats" / "2025-12-15_11-59-59-session-new.json"
        new.write_text('{"session_id": "session-new", "timestamp": "2025-12-15T11:59:59Z"}')
        await asyncio.sleep(0.5)  # the event is applied
        settled = END.timestamp() - 3600  # the folder's last change long before now
        os.utime(root / "heartbeats", (settled, settled))
        deadline = time.monotonic() + 30
        summary = None
        while time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            summary = HistoryIndex(root).load().get("heartbeats")
            if summary is not None and summary.count == 91:
                break
        assert summary is not None and summary.count == 91
        assert summary.fresh(os.stat(root / "heartbeats").st_mtime_ns)
        assert new.name in summary.names
    finally:
        watch.stop()
        task.cancel()
        # Bounded: a watch that never ends fails here instead of hanging the suite.
        done, _ = await asyncio.wait({task}, timeout=30)
        assert done, "the watcher did not end within 30 s of stop() and a cancel"
        with contextlib.suppress(asyncio.CancelledError):
            await task
