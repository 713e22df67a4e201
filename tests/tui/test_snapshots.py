"""Snapshot tests (pytest-textual-snapshot): fixed sizes, frozen clock, steady cursor.

Update with ``pytest tests/tui/test_snapshots.py --snapshot-update`` after a
deliberate change, and look at the SVGs before committing them.
"""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from coordinator_tui.tui.app import CoordinatorApp
from coordinator_tui.tui.dialogs.compose import ComposeScreen
from coordinator_tui.tui.screens.detail import SessionDetailScreen
from coordinator_tui.tui.screens.quality import QualityScreen
from coordinator_tui.tui.widgets.timeline import SessionTimeline
from tests.tui.conftest import ready, wait_for

WIDE = (160, 50)
COMPACT = (60, 30)


async def _quiet(pilot: Pilot[None]) -> None:
    """Ready, with the start-up toasts (waiting, escalated) dismissed: the layout shows."""
    await ready(pilot)
    pilot.app.clear_notifications()
    await pilot.pause()


def test_wide_layout(snap_compare, attention_app: CoordinatorApp) -> None:
    assert snap_compare(attention_app, terminal_size=WIDE, run_before=_quiet)


def test_at_120_columns_capabilities_and_started_stay(
    snap_compare, attention_app: CoordinatorApp
) -> None:
    assert snap_compare(attention_app, terminal_size=(120, 40), run_before=_quiet)


def test_compact_layout(snap_compare, attention_app: CoordinatorApp) -> None:
    assert snap_compare(attention_app, terminal_size=COMPACT, run_before=ready)


def test_narrow_side_pane_50_columns(snap_compare, attention_app: CoordinatorApp) -> None:
    assert snap_compare(attention_app, terminal_size=(50, 30), run_before=_quiet)


async def _focus_alerts(pilot: Pilot[None]) -> None:
    await _quiet(pilot)
    await pilot.press("tab", "j")
    await pilot.pause()


def test_focused_alerts_panel(snap_compare, attention_app: CoordinatorApp) -> None:
    assert snap_compare(attention_app, terminal_size=WIDE, run_before=_focus_alerts)


async def _open_quality(pilot: Pilot[None]) -> None:
    await _quiet(pilot)
    await pilot.press("v")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, QualityScreen), "quality")
    await pilot.pause()


def test_quality_view(snap_compare, attention_app: CoordinatorApp) -> None:
    assert snap_compare(attention_app, terminal_size=(120, 30), run_before=_open_quality)


async def _open_broadcast(pilot: Pilot[None]) -> None:
    await ready(pilot)
    await pilot.press("b")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ComposeScreen), "the dialog")
    pilot.app.screen.query_one("#subject", Input).value = "Deploy freeze at 21:00 UTC"
    pilot.app.screen.query_one("#body", TextArea).text = "Finish what you are on and push."
    await pilot.pause()


def test_broadcast_dialog(snap_compare, frozen_app: CoordinatorApp) -> None:
    assert snap_compare(frozen_app, terminal_size=WIDE, run_before=_open_broadcast)


async def _open_detail(pilot: Pilot[None]) -> None:
    await ready(pilot)
    app = pilot.app
    assert isinstance(app, CoordinatorApp)
    table = app.dashboard.table
    table.move_cursor(row=table.get_row_index("sessions/session-1012.json"))
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, SessionDetailScreen), "the detail")
    timeline = app.screen.query_one(SessionTimeline)  # its pages load in workers
    await wait_for(pilot, lambda: not timeline.busy() and timeline.has_focus, "the timeline")
    # Focused and drawn as focused: the cursor line and its "1/N" (on_focus draws it).
    await wait_for(pilot, lambda: bool(timeline.border_subtitle), "the timeline's cursor")
    await pilot.pause()


def test_session_detail(snap_compare, frozen_app: CoordinatorApp) -> None:
    assert snap_compare(frozen_app, terminal_size=WIDE, run_before=_open_detail)
