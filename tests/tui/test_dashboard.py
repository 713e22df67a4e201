"""Pilot tests of the dashboard over the standard fixture (clock injected, no watcher)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import Input, Static, TextArea

from coordinator_tui.analysis import Health
from coordinator_tui.settings import Settings
from coordinator_tui.tui.app import CoordinatorApp, create_app
from coordinator_tui.tui.dialogs.compose import ComposeScreen
from coordinator_tui.tui.events import DirectoryChanged
from coordinator_tui.tui.screens.detail import SessionDetailScreen
from coordinator_tui.tui.screens.errors import ErrorsScreen
from coordinator_tui.tui.screens.help import HelpScreen
from tests.collective import NOW, session
from tests.tui.conftest import MovableClock, only, ready, screen_text, shown, wait_for

WIDE = (160, 50)
pytestmark = pytest.mark.anyio


async def test_rows_are_the_live_sessions_in_attention_order(frozen_app: CoordinatorApp) -> None:
    async with frozen_app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        keys = shown(frozen_app)
        # Duplicates first, then stale, then working, then idle; gone hidden.
        assert keys[:2] == ["sessions/session-1001.json", "sessions/session-1002.json"]
        assert keys[2] == "sessions/session-1008.json"
        assert "sessions/session-1009.json" not in keys  # a ghost: gone
        assert len(keys) == 9
        cells = frozen_app.dashboard.table.shown_cells("sessions/session-1008.json")
        assert cells is not None
        assert cells["health"] == "▲ stale"
        assert cells["age"] == "30 minutes ago"
        assert cells["work"] == "spec_generation"


async def test_g_shows_gone_and_s_cycles_the_sort(frozen_app: CoordinatorApp) -> None:
    async with frozen_app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        await pilot.press("g")
        assert len(shown(frozen_app)) == 12
        assert frozen_app.dashboard.table.shown_cells("sessions/session-1009.json") == {
            "health": "✕ gone",
            "id": "session-1009",
            "work": "church-guidance-ministry BUILD",
            "age": "3 days ago",
            "beats": "5",
            "capabilities": "general-purpose, build, debug, deploy",
            "started": "11-15 19:00",
            "flags": "",
        }
        await pilot.press("s")
        assert frozen_app.dashboard.table_view.sort == "id"
        ids = [key.rsplit("/", 1)[1] for key in shown(frozen_app)]
        assert ids == sorted(ids)
        await pilot.press("s")
        assert frozen_app.dashboard.table_view.sort == "heartbeat"
        keys = shown(frozen_app)
        assert keys[-1] == "sessions/session-1009.json"  # oldest heartbeat (3 days) last
        await pilot.press("s")
        assert frozen_app.dashboard.table_view.sort == "attention"
        await pilot.press("g")
        assert len(shown(frozen_app)) == 9


async def test_slash_filters_and_escape_clears(frozen_app: CoordinatorApp) -> None:
    async with frozen_app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        await pilot.press("slash")
        assert frozen_app.dashboard.query_one("#filter", Input).has_focus
        await pilot.press(*"orchestration")
        assert shown(frozen_app) == ["sessions/session-1003.json", "sessions/session-1004.json"]
        await pilot.press("enter")  # back to the table, filter kept
        assert len(shown(frozen_app)) == 2
        await pilot.press("escape")
        assert len(shown(frozen_app)) == 9
        await pilot.press("slash", *"idle")  # health words match too
        assert sorted(shown(frozen_app)) == [
            "sessions/session-1005.json",
            "sessions/session-1006.json",
            "sessions/session-1007.json",
        ]


async def test_time_passing_turns_a_row_stale_without_file_events(coordination: Path) -> None:
    clock = MovableClock()
    app = create_app(coordination, Settings(), clock=clock, watch=False)
    key = "sessions/session-1012.json"
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        table = app.dashboard.table
        assert table.shown_cells(key)["health"] == "● working"  # type: ignore[index]
        clock.advance(minutes=4, seconds=30)  # its heartbeat was 6 minutes old: now 10.5
        await wait_for(
            pilot,
            lambda: (table.shown_cells(key) or {}).get("health") == "▲ stale",
            "session-1012 to turn stale",
        )
        cells = table.shown_cells(key)
        assert cells is not None and cells["age"] == "10 minutes ago"
        view = only(app).analysis.session(key)  # type: ignore[union-attr]
        assert view is not None and view.health is Health.STALE
        # The next oldest (5 minutes, now 9.5) is still working.
        assert table.shown_cells("sessions/session-1004.json")["health"] == "● working"  # type: ignore[index]
        notes = [note for note in app._notifications if "went stale" in str(note.message)]
        assert [str(note.message) for note in notes] == ["session-1012 went stale"]
        assert notes[0].markup is False


async def test_ages_move_on_with_the_clock_between_analyses(coordination: Path) -> None:
    clock = MovableClock()
    app = create_app(coordination, Settings(), clock=clock, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        clock.advance(minutes=2)
        app.dashboard.tick()
        cells = app.dashboard.table.shown_cells("sessions/session-1001.json")
        assert cells is not None and cells["age"] == "4 minutes ago"


async def test_b_typing_ctrl_s_writes_a_valid_broadcast(
    frozen_app: CoordinatorApp, coordination: Path
) -> None:
    async with frozen_app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(frozen_app.screen, ComposeScreen), "the dialog")
        await pilot.press(*"Freeze")
        await pilot.press("tab")
        await pilot.press(*'Stop "now"', "enter", *"line two")
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: not isinstance(frozen_app.screen, ComposeScreen), "the dialog to close"
        )
    written = sorted((coordination / "messages" / "broadcast").glob("*-coordinator.json"))
    assert [path.name for path in written] == ["2025-11-15_20-00-00-coordinator.json"]
    data = json.loads(written[0].read_text(encoding="utf-8"))
    assert data == {
        "from": "coordinator",
        "to": "broadcast",
        "timestamp": "2025-11-15T20:00:00Z",
        "subject": "Freeze",
        "message": 'Stop "now"\nline two',
    }


async def test_empty_subject_is_refused_inline_and_escape_cancels(
    frozen_app: CoordinatorApp, coordination: Path
) -> None:
    async with frozen_app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        await pilot.press("b", "tab", *"body only", "ctrl+s")
        dialog = frozen_app.screen
        assert isinstance(dialog, ComposeScreen)
        error = dialog.query_one("#error", Static)
        assert error.display
        assert "subject is empty" in str(error.render())
        assert dialog.query_one("#body", TextArea).text == "body only"
        await pilot.press("escape")
        assert not isinstance(frozen_app.screen, ComposeScreen)
    assert not list((coordination / "messages" / "broadcast").glob("*-coordinator.json"))


async def test_a_failed_write_keeps_the_dialog_open_with_the_text(
    frozen_app: CoordinatorApp, coordination: Path
) -> None:
    async with frozen_app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        # A file where the broadcast folder belongs: the write fails whoever we run as.
        broadcast = coordination / "messages" / "broadcast"
        for item in broadcast.iterdir():
            item.unlink()
        broadcast.rmdir()
        broadcast.write_text("not a folder")
        await pilot.press("b", *"Hello", "tab", *"kept text", "ctrl+s")
        dialog = frozen_app.screen
        assert isinstance(dialog, ComposeScreen)
        assert "Not sent" in str(dialog.query_one("#error", Static).render())
        assert dialog.query_one("#subject", Input).value == "Hello"
        assert dialog.query_one("#body", TextArea).text == "kept text"


async def test_m_messages_the_selected_session(
    frozen_app: CoordinatorApp, coordination: Path
) -> None:
    async with frozen_app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        table = frozen_app.dashboard.table
        table.move_cursor(row=table.get_row_index("sessions/session-1006.json"))
        await pilot.press("m", *"Pick up deploy_docs", "ctrl+s")
        await wait_for(
            pilot, lambda: not isinstance(frozen_app.screen, ComposeScreen), "the dialog to close"
        )
    folder = coordination / "messages" / "direct" / "session-1006"
    data = json.loads(next(folder.glob("*-coordinator.json")).read_text(encoding="utf-8"))
    assert data["to"] == "session-1006"
    assert data["subject"] == "Pick up deploy_docs"


async def test_r_writes_a_report(frozen_app: CoordinatorApp, coordination: Path) -> None:
    async with frozen_app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        await pilot.press("r")
        report = coordination / "SPRINT_REPORT_2025-11-15.md"
        await wait_for(pilot, report.exists, "the report file")
        await frozen_app.workers.wait_for_complete()
        text = report.read_text(encoding="utf-8")
        assert "session-1001" in text
        await pilot.pause()
        messages = [str(n.message) for n in frozen_app._notifications]
        assert any("SPRINT_REPORT_2025-11-15.md" in message for message in messages)


async def test_enter_opens_the_detail_and_escape_returns(frozen_app: CoordinatorApp) -> None:
    async with frozen_app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        table = frozen_app.dashboard.table
        table.move_cursor(row=table.get_row_index("sessions/session-1012.json"))
        await pilot.press("enter")
        detail = frozen_app.screen
        assert isinstance(detail, SessionDetailScreen)
        await pilot.pause()
        text = screen_text(frozen_app)
        assert "active_services" in text  # an unknown field is shown
        assert "Launch Builder" in text
        assert "Timeline: heartbeats, messages from and to it" in text
        await pilot.press("escape")
        assert frozen_app.screen is frozen_app.dashboard


async def test_help_and_errors_screens(frozen_app: CoordinatorApp) -> None:
    async with frozen_app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        assert isinstance(frozen_app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("e")
        assert isinstance(frozen_app.screen, ErrorsScreen)
        await pilot.press("escape")
        assert frozen_app.screen is frozen_app.dashboard


async def test_palette_runs_a_dashboard_action(frozen_app: CoordinatorApp) -> None:
    async with frozen_app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"gone sessions")
        await wait_for(pilot, lambda: _palette_has_hits(frozen_app), "palette hits")
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: frozen_app.dashboard.table_view.show_gone, "gone sessions shown"
        )


def _palette_has_hits(app: CoordinatorApp) -> bool:
    from textual.command import CommandList

    lists = app.screen.query(CommandList)
    return bool(lists) and lists.first().option_count > 0


async def test_compact_switches_by_width(frozen_app: CoordinatorApp) -> None:
    async with frozen_app.run_test(size=(99, 30)) as pilot:
        await ready(pilot)
        assert frozen_app.dashboard.has_class("-compact")
        assert frozen_app.dashboard.table.column_keys == ("symbol", "id", "short_age", "work")
        await pilot.resize_terminal(140, 40)
        await wait_for(pilot, lambda: not frozen_app.dashboard.has_class("-compact"), "wide")
        assert "age" in frozen_app.dashboard.table.column_keys
        assert len(shown(frozen_app)) == 9


async def test_compact_forced_stays_compact(coordination: Path) -> None:
    app = create_app(coordination, Settings(), clock=MovableClock(), compact=True, watch=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await ready(pilot)
        assert app.dashboard.has_class("-compact")


async def test_new_duplicate_is_notified_without_markup(coordination: Path) -> None:
    app = create_app(coordination, Settings(), clock=MovableClock(), watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        beat = NOW - timedelta(minutes=1)
        for name in ("session-2001", "session-2002"):
            session(coordination, name, "[b]spec_generation", beat)
        assert only(app).store.scan()
        app.dashboard.post_message(DirectoryChanged(only(app).store.snapshot()))
        await ready(pilot, analyses=2)
        notes = [n for n in app._notifications if "Duplicate work" in str(n.message)]
        assert notes, [str(n.message) for n in app._notifications]
        assert "[b]spec_generation" in notes[0].message
        assert notes[0].markup is False


async def test_panels_follow_the_screen_state_they_are_bound_to(
    frozen_app: CoordinatorApp,
) -> None:
    from coordinator_tui.tui.widgets.alerts import AlertsPanel
    from coordinator_tui.tui.widgets.milestones import MilestonePanel
    from coordinator_tui.tui.widgets.priorities import PriorityPanel

    async with frozen_app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        screen = frozen_app.dashboard
        alerts = screen.alert_items
        assert alerts is not None and len(alerts) > 3
        assert screen.query_one("#alerts", AlertsPanel).alerts == alerts
        assert screen.query_one("#top-alerts", AlertsPanel).border_subtitle == str(len(alerts))
        screen.priority_lines = ()
        await pilot.pause()
        panel = screen.query_one(PriorityPanel)
        assert "No available priorities" in str(panel.render())
        assert not screen.query_one(MilestonePanel).compact
        screen.compact = True
        await pilot.pause()
        assert screen.query_one(MilestonePanel).compact
        assert screen.has_class("-compact")


async def test_the_alerts_panel_reflows_the_screen_only_when_its_height_changes(
    coordination: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reflow of the whole screen per batch of changes was a tenth of the main thread
    under load: the panel asks for one only when its number of lines changes, and the
    text it shows is the new one either way."""
    from dataclasses import replace

    from coordinator_tui.tui.widgets.alerts import AlertsPanel

    app = create_app(coordination, Settings(), clock=MovableClock(), watch=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(pilot)
        panel = app.dashboard.query_one("#alerts", AlertsPanel)
        asked: list[bool] = []
        update = panel.update
        monkeypatch.setattr(
            panel, "update", lambda content, layout=True: asked.append(layout) or update(content)
        )
        alerts = list(panel.alerts or ())
        assert len(alerts) >= 2
        panel.alerts = [replace(alerts[0], text="renamed alert text"), *alerts[1:]]
        await pilot.pause()
        assert "renamed alert text" in screen_text(app)
        panel.alerts = alerts[:1]
        await pilot.pause()
        assert asked == [False, True]
        assert "renamed alert text" not in screen_text(app)


async def test_the_detail_shows_the_heartbeat_age_at_the_moment_it_opens(
    coordination: Path,
) -> None:
    """The live analysis reads a session again only when it changes: the detail opened
    two minutes after the last read must say the age now, not the age then."""
    clock = MovableClock()
    app = create_app(coordination, Settings(), clock=clock, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        table = app.dashboard.table
        table.move_cursor(row=table.get_row_index("sessions/session-1012.json"))
        clock.advance(minutes=2)  # its heartbeat was 6 minutes old: now 8
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionDetailScreen), "the detail")
        detail = app.screen
        assert isinstance(detail, SessionDetailScreen)
        assert detail.view.heartbeat_age_s == 8 * 60
        await pilot.pause()
        assert "(8 minutes ago)" in screen_text(app)
