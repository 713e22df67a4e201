"""``coordinator-tui DIR1 DIR2``: every collective in one screen, keys acting on one."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import DataTable

from coordinator_tui.collectives.names import collectives
from coordinator_tui.settings import Settings
from coordinator_tui.tui.many.app import ManyApp
from coordinator_tui.tui.many.board import SUMMARY_COLUMNS
from coordinator_tui.tui.screens.detail import SessionDetailScreen
from coordinator_tui.tui.screens.errors import ErrorsScreen
from tests.collective import NOW, build_collective, session
from tests.tui.conftest import MovableClock, wait_for

pytestmark = pytest.mark.anyio
SIZE = (160, 50)


def _app(*roots: Path, watch: bool = True) -> ManyApp:
    return ManyApp(collectives(list(roots)), Settings(), clock=MovableClock(), watch=watch)


def _summary(app: ManyApp) -> dict[str, dict[str, str]]:
    table = app.many.query_one("#collectives", DataTable)
    return {
        str(key.value): {
            column: str(table.get_cell(key, column).plain) for column in SUMMARY_COLUMNS
        }
        for key in table.rows
    }


def _screen(app: ManyApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def _ready(pilot, app: ManyApp, count: int) -> None:  # type: ignore[no-untyped-def]
    await wait_for(pilot, lambda: app.many.analyses >= count, "every collective analysed")
    await pilot.pause()


@pytest.fixture
def two(tmp_path: Path) -> tuple[Path, Path]:
    first = build_collective(tmp_path / "alpha")
    second = build_collective(tmp_path / "beta")
    (second / "sessions" / "session-1012.json").unlink()
    return first, second


async def test_both_collectives_with_their_own_counts(two: tuple[Path, Path]) -> None:
    from coordinator_tui.analysis import analyse
    from coordinator_tui.store import Store

    app = _app(*two)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot, app, 2)
        summary = _summary(app)
        for root in two:
            store = Store(root, Settings())
            store.scan()
            counts = analyse(store.snapshot(), NOW, Settings()).counts
            line = summary[root.name]
            assert line["sessions"] == str(counts.total)
            assert line["stale"] == str(counts.stale)
            assert line["directory"] == str(root)
        assert int(summary["alpha"]["sessions"]) == int(summary["beta"]["sessions"]) + 1
        keys = app.many.shown_keys
        assert any(key.startswith("alpha/sessions/") for key in keys)
        assert any(key.startswith("beta/sessions/") for key in keys)
        assert "beta/sessions/session-1012.json" not in keys
        table = app.many.query_one("#many-sessions", DataTable)
        first_cells = [str(cell) for cell in table.get_row_at(0)]
        assert first_cells[0] == "alpha"


async def test_a_file_in_one_directory_changes_only_its_collective(
    two: tuple[Path, Path],
) -> None:
    app = _app(*two)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot, app, 2)
        before = _summary(app)
        session(two[1], "session-3001", "new work in beta", NOW - timedelta(minutes=1))
        await wait_for(
            pilot,
            lambda: "beta/sessions/session-3001.json" in app.many.shown_keys,
            "the new row in beta",
        )
        after = _summary(app)
        assert int(after["beta"]["sessions"]) == int(before["beta"]["sessions"]) + 1
        assert after["alpha"] == before["alpha"]
        assert "alpha/sessions/session-3001.json" not in app.many.shown_keys


async def test_filter_by_collective_name_and_sort_by_collective(
    two: tuple[Path, Path],
) -> None:
    app = _app(*two, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot, app, 2)
        await pilot.press("slash", *"beta", "enter")
        await pilot.pause()
        keys = app.many.shown_keys
        assert keys and all(key.startswith("beta/") for key in keys)
        await pilot.press("escape")
        await pilot.pause()
        assert any(key.startswith("alpha/") for key in app.many.shown_keys)
        assert app.many.view.sort == "collective"
        names = [key.split("/")[0] for key in app.many.shown_keys]
        assert names == sorted(names)
        await pilot.press("s")
        await pilot.pause()
        assert app.many.view.sort == "attention"
        assert "sort: attention" in _screen(app)


async def test_broadcast_goes_to_the_selected_rows_collective_only(
    two: tuple[Path, Path],
) -> None:
    app = _app(*two, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot, app, 2)
        table = app.many.query_one("#many-sessions", DataTable)
        row = next(i for i, key in enumerate(app.many.shown_keys) if key.startswith("beta/"))
        table.move_cursor(row=row)
        await pilot.press("b")
        await pilot.pause()
        assert "every session of beta" in _screen(app)
        await pilot.press(*"hello beta")
        await pilot.press("ctrl+s")
        await pilot.pause()
    before = {path.name for path in (two[0] / "messages" / "broadcast").iterdir()}
    written = [
        json.loads(path.read_text())
        for path in (two[1] / "messages" / "broadcast").iterdir()
        if "hello beta" in path.read_text()
    ]
    assert [message["subject"] for message in written] == ["hello beta"]
    assert not any(
        "hello beta" in (two[0] / "messages" / "broadcast" / name).read_text() for name in before
    )


async def test_enter_opens_the_session_from_its_own_directory(two: tuple[Path, Path]) -> None:
    session(two[1], "session-3001", "only in beta", NOW - timedelta(minutes=1))
    app = _app(*two, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot, app, 2)
        table = app.many.query_one("#many-sessions", DataTable)
        table.move_cursor(row=app.many.shown_keys.index("beta/sessions/session-3001.json"))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SessionDetailScreen)
        assert app.screen.view.id == "session-3001"
        assert app.screen.view.session.current_work == "only in beta"


async def test_a_missing_directory_waits_while_the_others_work(tmp_path: Path) -> None:
    present = build_collective(tmp_path / "alpha")
    later = tmp_path / "later"
    app = _app(present, later)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot, app, 1)
        await wait_for(
            pilot,
            lambda: _summary(app)["later"]["directory"] == f"{later} (not there: waiting for it)",
            "the missing collective's line",
        )
        assert any(key.startswith("alpha/") for key in app.many.shown_keys)
        build_collective(later)
        await wait_for(
            pilot,
            lambda: any(key.startswith("later/") for key in app.many.shown_keys),
            "the directory's sessions once it exists",
        )


def _sync_state(root: Path, text: str) -> None:
    (root / ".coordinator").mkdir(exist_ok=True)
    (root / ".coordinator" / "sync-state.json").write_text(text)


async def test_a_claim_lost_to_another_machine_is_an_alert(two: tuple[Path, Path]) -> None:
    state = {
        "version": 1,
        "last_round": {"at": "2025-11-15T19:59:00Z", "outcome": "pushed", "error": None},
        "lost_claims": [
            {
                "path": "claims/feature-x.claim",
                "lost_by": "session-[bold]b",
                "held_by": "session-a",
                "at": "2025-11-15T19:58:00Z",
                "commit": "abc",
                "message": "messages/direct/session-b/x.json",
            },
            "not an object",
            {"path": 10**400, "lost_by": ["x"], "at": 1e400},
        ],
    }
    _sync_state(two[1], json.dumps(state).replace("1e+400", "1e400"))
    app = _app(*two, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot, app, 2)
        await wait_for(pilot, lambda: "lost" in _screen(app), "the lost claim alert")
        text = _screen(app)
        assert "session-[bold]b lost claims/feature-x.claim to session-a" in text
        assert _summary(app)["beta"]["sync"].startswith("pushed")
        assert "2 lost claim(s)" in _summary(app)["beta"]["sync"]
        assert _summary(app)["alpha"]["sync"] == ""


@pytest.mark.parametrize("kind", ["fifo", "link", "garbage"])
async def test_a_hostile_sync_state_is_an_error_not_a_crash(
    two: tuple[Path, Path], tmp_path: Path, kind: str
) -> None:
    target = two[1] / ".coordinator" / "sync-state.json"
    target.parent.mkdir()
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "link":
        secret = tmp_path / "secret.json"
        secret.write_text(json.dumps({"last_round": {"outcome": "SECRET"}}))
        target.symlink_to(secret)
    else:
        target.write_text("{not json")
    app = _app(*two, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot, app, 2)
        await wait_for(
            pilot, lambda: _summary(app)["beta"]["sync"] == "state unreadable", "the sync cell"
        )
        assert "SECRET" not in _screen(app)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ErrorsScreen)
        assert any(
            error.path == "beta: .coordinator/sync-state.json" for error in app.screen.errors
        )


async def test_the_single_dashboard_shows_lost_claims_and_the_last_round(
    two: tuple[Path, Path],
) -> None:
    from coordinator_tui.tui.app import create_app
    from tests.tui.conftest import ready, screen_text

    root = two[0]
    app = create_app(root, Settings(), clock=MovableClock(), watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert "sync" not in str(app.dashboard.summary)
        _sync_state(
            root,
            json.dumps(
                {
                    "last_round": {"at": "2025-11-15T19:59:00Z", "outcome": "rejected"},
                    "lost_claims": [
                        {"path": "claims/x.claim", "lost_by": "session-1001", "held_by": "b"}
                    ],
                }
            ),
        )
        await wait_for(
            pilot,
            lambda: any(alert.kind == "lost" for alert in app.dashboard.alert_items or ()),
            "the lost claim among the alerts",
        )
        await pilot.pause()
        text = screen_text(app)
        assert "session-1001 lost claims/x.claim to b" in text
        assert "sync rejected 19:59 UTC, 1 lost claim(s)" in text


async def test_a_burst_after_slash_filters_the_many_screen(two: tuple[Path, Path]) -> None:
    from textual import events

    app = _app(*two, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot, app, 2)
        for key, character in [("slash", "/"), *((c, c) for c in "beta"), ("enter", None)]:
            app.post_message(events.Key(key, character))
        await wait_for(pilot, lambda: app.many.view.filter_text == "beta", "the filter")
        await pilot.pause()
        assert app.screen is app.many
        assert all(key.startswith("beta/") for key in app.many.shown_keys)
