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
from tests.tui.conftest import ready, wait_for

WIDE = (160, 50)
COMPACT = (60, 30)


def test_wide_layout(snap_compare, frozen_app: CoordinatorApp) -> None:
    assert snap_compare(frozen_app, terminal_size=WIDE, run_before=ready)


def test_compact_layout(snap_compare, frozen_app: CoordinatorApp) -> None:
    assert snap_compare(frozen_app, terminal_size=COMPACT, run_before=ready)


def test_narrow_side_pane_50_columns(snap_compare, frozen_app: CoordinatorApp) -> None:
    assert snap_compare(frozen_app, terminal_size=(50, 30), run_before=ready)


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
    await pilot.pause()


def test_session_detail(snap_compare, frozen_app: CoordinatorApp) -> None:
    assert snap_compare(frozen_app, terminal_size=WIDE, run_before=_open_detail)
