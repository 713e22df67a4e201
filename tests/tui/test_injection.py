"""Untrusted text is shown as text: markup stays literal, control sequences are removed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from coordinator_tui.settings import Settings
from coordinator_tui.tui.app import CoordinatorApp, create_app
from coordinator_tui.tui.screens.detail import SessionDetailScreen
from tests.collective import NOW, session, write_json
from tests.tui.conftest import MovableClock, ready, screen_text, wait_for

pytestmark = pytest.mark.anyio

CLICK = "[@click=app.quit]"
CLOSE = "[/"
OSC52 = "\x1b]52;c;QUJD\x07"
LINK = "[link=http://x]"
CLEAR = "\x1b[2J"


def hostile(root: Path) -> Path:
    beat = NOW - timedelta(minutes=1)
    session(
        root,
        "session-evil",
        f"fix {CLICK}quit{CLOSE} {LINK}x{OSC52}y{CLEAR}z",
        beat,
        capabilities=[CLICK, f"{LINK}cap"],
    )
    write_json(
        root / "sessions" / "session-evil.json",
        {
            "session_id": f"session-{CLICK}{CLOSE}{OSC52}",
            "current_work": f"fix {CLICK}quit{CLOSE} {LINK}x{OSC52}y{CLEAR}z",
            "capabilities": [CLICK, f"{LINK}cap"],
            "last_heartbeat": beat.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "heartbeat_count": 3,
            f"extra{CLICK}": f"{LINK}value{OSC52}",
        },
    )
    write_json(
        root / "sessions" / "MILESTONES" / "evil.json",
        {
            "milestone_id": "evil",
            "title": f"M {CLICK}{CLOSE}{OSC52}",
            "status": "in_progress",
            "progress": 10,
        },
    )
    write_json(
        root / "messages" / "broadcast" / "2025-11-15_19-59-00-evil.json",
        {
            "from": f"e{CLICK}",
            "to": "broadcast",
            "timestamp": "2025-11-15T19:59:00Z",
            "subject": f"S {LINK}sub{CLOSE} {OSC52}{CLICK}",
            "message": f"{CLEAR}body",
        },
    )
    (root / "priorities.txt").write_text(f"99:evil{CLICK}:desc {LINK}{OSC52}\n", encoding="utf-8")
    return root


async def test_markup_and_control_sequences_in_files_are_inert(tmp_path: Path) -> None:
    root = hostile(tmp_path / "coordination")
    app = create_app(root, Settings(), clock=MovableClock(), watch=False)
    async with app.run_test(size=(200, 50)) as pilot:
        await ready(pilot)
        text = screen_text(app)
        assert "\x1b" not in text and "\x07" not in text
        assert "52;c;QUJD" not in text
        # id, work, capabilities, milestone title, broadcast sender and subject, priority
        assert f"session-{CLICK}{CLOSE}" in text
        assert f"fix {CLICK}quit{CLOSE} {LINK}xyz" in text
        assert f"{CLICK}, …" in text  # capabilities, cut to the column
        assert f"M {CLICK}{CLOSE}" in text
        assert f"S {LINK}sub{CLOSE} {CLICK}" in text
        assert f"evil{CLICK}" in text
        # Keys still work and the app did not quit.
        await pilot.press("g", "s", "s", "s")
        assert app.is_running
        table = app.dashboard.table
        table.move_cursor(row=table.get_row_index("sessions/session-evil.json"))
        await pilot.press("enter")
        assert isinstance(app.screen, SessionDetailScreen)
        await pilot.pause()
        detail = screen_text(app)
        assert f"extra{CLICK}" in detail and f"{LINK}value" in detail
        assert f"{CLICK}, {LINK}cap" in detail
        assert "\x1b" not in detail and "52;c;QUJD" not in detail
        await pilot.press("escape")
        assert app.is_running and app.return_code is None


async def test_clicking_injected_text_does_not_run_actions(tmp_path: Path) -> None:
    root = hostile(tmp_path / "coordination")
    app: CoordinatorApp = create_app(root, Settings(), clock=MovableClock(), watch=False)
    async with app.run_test(size=(200, 50)) as pilot:
        await ready(pilot)
        lines = screen_text(app).splitlines()
        for y, line in enumerate(lines):
            x = line.find(CLICK)
            if x >= 0:
                await pilot.click(offset=(x + 3, y))
        await pilot.pause()
        assert app.is_running and app.return_code is None


async def test_a_direct_message_to_an_unsafe_id_is_refused_in_the_dialog(tmp_path: Path) -> None:
    root = hostile(tmp_path / "coordination")
    app = create_app(root, Settings(), clock=MovableClock(), watch=False)
    async with app.run_test(size=(200, 50)) as pilot:
        await ready(pilot)
        table = app.dashboard.table
        table.move_cursor(row=table.get_row_index("sessions/session-evil.json"))
        await pilot.press("m", *"hello", "ctrl+s")
        await wait_for(pilot, lambda: "Not sent" in screen_text(app), "the refusal")
        assert not (root / "messages" / "direct").exists() or not any(
            (root / "messages" / "direct").rglob("*.json")
        )
